"""Benchmarking a place's outcome indicators against its comparators (pilots, or nearest neighbours) and England.

Places are groups of authorities, so an indicator is re-aggregated from its numerator and
denominator (never averaged across authorities). Confidence intervals and funnel limits
use PHStatsMethods, the DHSC implementation of the Fingertips methods: Byar's method for
crude rates, Wilson's score interval for proportions, Poisson/binomial funnel limits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.core.units import multiplier
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place
from totalplace_lib.methods import overdispersion


def _with_ci(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Add value, lower and upper (95%) from numerator and denominator."""
    from PHStatsMethods import byars_lower, byars_upper, exact_upper, wilson_lower, wilson_upper

    df = df.copy()
    if "published" in df.columns:
        pub = df["published"].notna()
        counted = _with_ci(df[~pub].drop(columns=["published", "pub_lower", "pub_upper"]), unit) \
            if (~pub).any() else df.iloc[:0]
        shown = df[pub].assign(value=df["published"], lower=df["pub_lower"], upper=df["pub_upper"])
        return pd.concat([counted, shown.drop(columns=["published", "pub_lower", "pub_upper"])]).sort_index()
    if unit == "proportion":
        df["value"] = df["numerator"] / df["denominator"]
        df["lower"] = [wilson_lower(n, d, 0.95) for n, d in zip(df["numerator"], df["denominator"], strict=True)]
        df["upper"] = [wilson_upper(n, d, 0.95) for n, d in zip(df["numerator"], df["denominator"], strict=True)]
    else:
        m = multiplier(unit)
        df["value"] = df["numerator"] / df["denominator"] * m
        # Byar's (exact below 10); a count of 0 takes the exact Poisson upper limit and a lower limit of 0
        df["lower"] = [(byars_lower(n) if n > 0 else 0.0) / d * m
                       for n, d in zip(df["numerator"], df["denominator"], strict=True)]
        df["upper"] = [(byars_upper(n) if n > 0 else exact_upper(0)) / d * m
                       for n, d in zip(df["numerator"], df["denominator"], strict=True)]
    return df


@passes_gaps
def indicator_rows(ds: Dataset, indicator: str, period: str | None = None) -> pd.DataFrame | Missing:
    """The indicator's rows (one period, or all); :class:`Missing` if the dataset has none."""
    t = ds.index("indicators", "indicator").get(indicator, ds.indicators.iloc[0:0])
    if period is not None:
        t = t[t["period"] == period]
    if t.empty:
        return Missing(f"dataset '{ds.name}' has no rows for the indicator '{indicator}'"
                       + (f" in {period}" if period else "") + ".")
    return t


@passes_gaps(returns=2)
def pick(ds: Dataset, candidates: list[tuple[str, str]]) -> tuple[str, str]:
    """The first (indicator, period) of ``candidates`` the dataset holds.

    Failing that, the first candidate indicator the dataset holds in any period, at the period nearest the
    one asked for (the chart and table then name that period, so years are never mixed silently); failing
    that, the first candidate (so :func:`compare` says what is missing). Themes list the sample's
    indicator before the public one.
    """
    held = remembered(ds, ("indicator periods",),
                      lambda: set(zip(ds.indicators["indicator"], ds.indicators["period"], strict=True)))
    exact = next((c for c in candidates if c in held), None)
    if exact:
        return exact
    for indicator, period in candidates:
        periods = [p for i, p in held if i == indicator]
        if periods:
            want = int(str(period)[:4])
            return indicator, min(periods, key=lambda p: (abs(int(str(p)[:4]) - want), str(p)))
    return candidates[0]


def _pooled(sub: pd.DataFrame) -> dict | None:
    """Numerator and denominator summed over a place's authorities, or its one published value."""
    if sub["numerator"].notna().all() and sub["denominator"].notna().all():
        return {"numerator": sub["numerator"].sum(), "denominator": sub["denominator"].sum()}
    if len(sub) == 1:  # a published rate (e.g. directly standardised) with no counts: used as published
        r = sub.iloc[0]
        return {"numerator": np.nan, "denominator": np.nan, "published": r["value"], "pub_lower": r["lower_ci"],
                "pub_upper": r["upper_ci"]}
    return None  # a published rate for several authorities cannot be pooled without counts


def _why_no_value(ds: Dataset, codes: tuple[str, ...]) -> str:
    """The likely reason an indicator has no value for a place, as a bracketed clause."""
    from totalplace_lib.methods.boundaries import partly_held

    parts = partly_held(ds, codes)  # on current boundaries: a district, or a unitary made from part of a county
    if parts:
        return (f" (published for upper-tier authorities only: this place is part of {' and '.join(parts)}, and a "
                "rate is not shared down to a part of one)")
    if len(codes) > 1:
        return " (a rate published per authority cannot be pooled for a group without its counts)"
    if ds.illustrative:
        return ""
    county = " (a rate published for districts cannot be built up to a county)" if codes[0].startswith("E10") else ""
    return f"{county}; the ingest manifest lists every row left out and why"


@passes_gaps
def compare(ds: Dataset, places: list[Place], indicator: str, period: str) -> pd.DataFrame:
    """Indicator for each place (authorities pooled) and England, with 95% CIs and a comparison with England.

    Returns
    -------
    DataFrame
        slug, place, numerator, denominator, value, lower, upper, unit, vs_england
        (``higher``/``lower``/``similar``: CI excludes / includes England's value); England last.
    """
    t = indicator_rows(ds, indicator, period)
    if isinstance(t, Missing):
        return t
    unit = str(t["unit"].iloc[0])
    rows = []
    for p in places:
        sub = t[t["area_code"].isin(p.area_codes)]
        pooled = None if sub.empty else _pooled(sub)
        if pooled is not None:
            rows.append({"slug": p.slug, "place": p.name, **pooled})
    if places and places[0].slug not in {r["slug"] for r in rows}:  # places[0] is the report's own place
        return Missing(f"the indicator '{indicator}' ({period}) has no value for {places[0].name} in dataset "
                       f"'{ds.name}'{_why_no_value(ds, places[0].area_codes)}.")
    eng = t[t["area_code"] == ENGLAND_CODE]
    if not eng.empty:
        rows.append({"slug": "england", "place": "England", **_pooled(eng.iloc[:1])})
    out = _with_ci(pd.DataFrame(rows), unit)
    out["unit"] = unit
    out["source"] = "; ".join(sorted(set(t["source"])))
    if not eng.empty:
        ev = float(out.loc[out["slug"] == "england", "value"].iloc[0])
        out["vs_england"] = np.where(out["lower"] > ev, "higher", np.where(out["upper"] < ev, "lower", "similar"))
        no_ci = out["lower"].isna() | out["upper"].isna()  # published without a CI: no significance test
        out.loc[no_ci, "vs_england"] = np.where(out.loc[no_ci, "value"] > ev, "above (no CI published)",
                                                np.where(out.loc[no_ci, "value"] < ev, "below (no CI published)",
                                                         "equal"))
        out.loc[out["slug"] == "england", "vs_england"] = ""
    else:
        out["vs_england"] = "no England value"
    return out.reset_index(drop=True)


VERDICTS = {"higher": "significantly higher than", "lower": "significantly lower than",
            "similar": "not significantly different from", "equal": "equal to"}
"""How each ``vs_england`` result of :func:`compare` reads in a sentence."""


@passes_gaps
def versus_england(table: pd.DataFrame, slug: str) -> str:
    """How place ``slug`` compares with England in a :func:`compare` table, as a phrase for a sentence.

    "significantly higher than England (629 per 100,000)", or, for a value published without a
    confidence interval, "below England (629 per 100,000; no confidence interval published, so untested)".
    """
    from totalplace_lib.core.fmt import by_unit

    eng = table[table["slug"] == "england"]
    if eng.empty:
        return "with no England value to compare"
    row = table[table["slug"] == slug].iloc[0]
    unit = str(row["unit"])
    ev = by_unit(float(eng["value"].iloc[0]), unit) + ("" if unit == "proportion" else f" {unit}")
    if "no CI" in row["vs_england"]:
        return f"{row['vs_england'].split()[0]} England ({ev}; no confidence interval published, so untested)"
    return f"{VERDICTS.get(row['vs_england'], 'compared with')} England ({ev})"


FUNNEL_MIN_PLACES = 3
"""Fewest places with counts for which funnel limits around their pooled value mean anything."""


LIMITS = {"2s": 0.025, "3s": 0.001}
"""Tail probability of each funnel limit: 95% (2 sigma) and 99.8% (3 sigma), as in Fingertips."""


@passes_gaps
def poisson_population_limits(events: np.ndarray, baseline: float) -> pd.DataFrame:
    """For each observed count, the populations at which it sits on each Poisson control limit (1 year).

    Exact Poisson limits (the Fingertips technical guidance's method, as in PHStatsMethods
    ``calculate_funnel_limits``), solved in closed form instead of by bisection: the count ``x`` is on the
    *lower* limit of tail ``p`` where the expected count ``mu`` has P(X <= x | mu) = p, i.e.
    ``mu = Q^-1(x + 1, p)``, and on the *upper* limit where P(X >= x | mu) = p, i.e. ``mu = P^-1(x, p)``
    (regularised incomplete gamma inverses). The population is ``mu / baseline``.

    Parameters
    ----------
    events : array of int
        Observed counts (events a year).
    baseline : float
        Pooled events per person a year.

    Returns
    -------
    DataFrame
        ``Events`` and ``{lower,upper}_{2s,3s}_population_1_year`` (people).
    """
    from scipy.special import gammainccinv, gammaincinv

    x = np.asarray(events, dtype=float)
    out = {"Events": x}
    for name, p in LIMITS.items():
        out[f"lower_{name}_population_1_year"] = gammainccinv(x + 1, p) / baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"upper_{name}_population_1_year"] = np.where(x > 0, gammaincinv(np.maximum(x, 1e-300), p), 0.0) \
                / baseline
    return pd.DataFrame(out)


@passes_gaps
def rate_funnel_limits(events: np.ndarray, population: np.ndarray, multiplier_: float,
                       points: int = 100) -> pd.DataFrame:
    """Funnel-plot control limits for a crude rate, drawn over the places' population range.

    Counts from 1 (or, when the largest place is less than twice the smallest, from 3.5 sigma below the
    smallest place's expected count) to 3.5 sigma above the largest place's, so that every limit line spans
    every place, spaced evenly on a log scale (``points`` of them); each count's limit is its rate at the
    population where it sits on the limit (:func:`poisson_population_limits`).

    Returns
    -------
    DataFrame
        ``Events``, ``{side}_{2s,3s}_population_1_year``, ``{side}_{2s,3s}_limit`` (per ``multiplier_``)
        and ``baseline`` (the pooled rate per ``multiplier_``).
    """
    baseline = float(np.sum(events) / np.sum(population))
    lo, hi = float(np.min(population)) * baseline, float(np.max(population)) * baseline  # expected counts
    first = 1.0 if hi > 2 * lo else max(1.0, np.floor(lo - 3.5 * np.sqrt(lo)))
    last = np.ceil(hi + 3.5 * np.sqrt(hi) + 1)
    counts = np.unique(np.round(np.geomspace(first, max(last, first + 1), points)))
    lim = poisson_population_limits(counts, baseline)
    for side in ("lower", "upper"):
        for name in LIMITS:
            with np.errstate(divide="ignore", invalid="ignore"):
                lim[f"{side}_{name}_limit"] = counts / lim[f"{side}_{name}_population_1_year"] * multiplier_
    lim["baseline"] = baseline * multiplier_
    return lim


@passes_gaps(returns=2)
def funnel(table: pd.DataFrame, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funnel-plot control limits around the pooled value of the places in ``table`` (England excluded).

    Returns
    -------
    (limits, points)
        ``limits``: denominator against the 95% (2s) and 99.8% (3s) limits: exact (PHStatsMethods
        ``calculate_funnel_limits`` for proportions; :func:`rate_funnel_limits` for rates, the same exact
        Poisson limits in closed form, about 1,000 times faster), or, when the places are over-dispersed,
        widened by Spiegelhalter's additive random effects (:mod:`overdispersion`); ``limits.attrs["method"]``
        says which. ``points``: the places with ``significance`` against the limits drawn.
    """
    from PHStatsMethods import assign_funnel_significance, calculate_funnel_limits

    pts = table[table["slug"] != "england"][["slug", "place", "numerator", "denominator", "value"]]
    counted = pts["numerator"].notna() & pts["denominator"].notna()
    if counted.sum() < FUNNEL_MIN_PLACES or not counted.iloc[0]:
        return Missing(f"a funnel plot needs counts and populations for this place and at least {FUNNEL_MIN_PLACES} "
                       f"places compared; the published file ({'; '.join(sorted(set(table['source'])))}) gives "
                       "rates only (directly standardised rates cannot be compared on a funnel without their counts).")
    pts = pts[counted].copy()
    pts["numerator"] = pts["numerator"].round().astype(int)
    proportion = unit == "proportion"
    m = 1.0 if proportion else multiplier(unit)
    events, sizes = pts["numerator"].to_numpy(float), pts["denominator"].to_numpy(float)
    d = overdispersion.dispersion(events, sizes, proportion)
    if d.adjusted:
        lim = overdispersion.widened_limits(events, sizes, m, d, proportion)
        pts["significance"] = overdispersion.significance(events, sizes, d, proportion)
    elif proportion:
        lim = calculate_funnel_limits(pts, "numerator", "proportion", 1, denom_col="denominator", metadata=False)
        pts = assign_funnel_significance(pts, "numerator", "proportion", denom_col="denominator")
        lim = lim.rename(columns={"Population": "denominator"})
    else:
        pts["rate"] = pts["value"]
        lim = rate_funnel_limits(events, sizes, m)
        pts = assign_funnel_significance(pts, "numerator", "rate", denom_col="denominator", rate="rate",
                                         rate_type="crude", multiplier=m)
    lim.attrs["method"] = d.method()
    lim.attrs["dispersion"] = d
    return lim, pts


@passes_gaps
def trend(ds: Dataset, place: Place, indicator: str) -> pd.DataFrame:
    """The place's (pooled) and England's indicator by period, with 95% CIs."""
    t = indicator_rows(ds, indicator)
    if isinstance(t, Missing):
        return t
    unit = str(t["unit"].iloc[0])
    rows = []
    for label, codes in ((place.name, place.area_codes), ("England", (ENGLAND_CODE,))):
        for period, sub in t[t["area_code"].isin(codes)].groupby("period"):
            pooled = _pooled(sub)
            if pooled is not None:
                rows.append({"place": label, "period": period, **pooled})
    if not any(r["place"] == place.name for r in rows):
        return Missing(f"the indicator '{indicator}' has no values for {place.name} in dataset '{ds.name}'.")
    return _with_ci(pd.DataFrame(rows), unit).sort_values(["place", "period"]).reset_index(drop=True)


@passes_gaps
def recent_trend(counts: pd.Series, denominators: pd.Series, periods: int = 5) -> str:
    """Direction of the last ``periods`` points: a Poisson log-linear fit of counts on time.

    Returns ``increasing``, ``decreasing`` or ``no significant change`` (slope's 95% CI vs 0).
    The slope is fitted by iteratively reweighted least squares with the denominator as offset.
    """
    y = np.asarray(counts, dtype=float)[-periods:]
    off = np.log(np.asarray(denominators, dtype=float)[-periods:])
    x = np.arange(y.size, dtype=float)
    if y.size < 3:
        return "not enough periods"
    X = np.column_stack([np.ones_like(x), x])
    beta = np.array([np.log(y.sum() / np.exp(off).sum()), 0.0])
    for _ in range(25):
        mu = np.exp(X @ beta + off)
        z = X @ beta + (y - mu) / mu
        W = mu
        cov = np.linalg.inv(X.T @ (W[:, None] * X))
        beta = cov @ (X.T @ (W * z))
    se = float(np.sqrt(cov[1, 1]))
    if beta[1] - 1.96 * se > 0:
        return "increasing"
    if beta[1] + 1.96 * se < 0:
        return "decreasing"
    return "no significant change"


@passes_gaps
def place_trend_flag(tr: pd.DataFrame, place: Place) -> str:
    """:func:`recent_trend` of the place's rows of a :func:`trend` table."""
    t = tr[tr["place"] == place.name].sort_values("period")
    if t["numerator"].isna().any():
        return "not tested (published rates without counts)"
    return recent_trend(t["numerator"], t["denominator"])
