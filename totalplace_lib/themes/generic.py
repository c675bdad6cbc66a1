"""The analyses of a file-defined theme's report (``notebooks/theme.ipynb``): the theme's spend by agency and
line with its basis, per head of the population in scope, the preventive share, the series since 2009/10 in real
terms beside England, the nearest statistical neighbours, and the theme's indicators against England."""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import Missing, handles_gaps, passes_gaps, sentences
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place
from totalplace_lib.methods import benchmark, comparison, district_values
from totalplace_lib.methods.costs import deflators
from totalplace_lib.methods.count import basis_share, count_years, preventive_share
from totalplace_lib.themes.defined import ThemeFile, in_scope, scenario_values, select, theme_spend


@passes_gaps
def headline(ds: Dataset, place: Place, year: int, theme: ThemeFile) -> dict:
    """The theme's key figures in one year: £ total (that year's prices), people in scope, £ per head, shares.

    Returns
    -------
    dict
        ``total_gbp``, ``population``, ``population_how``, ``per_head_gbp`` (:class:`Missing` without a
        population), ``agencies``, ``preventive_share``, ``reported_share``, ``apportioned_share``,
        ``estimated_share``, ``price_year``.
    """
    s = theme_spend(ds, place, year, theme)
    pop, how = in_scope(ds, place.area_codes, year, theme)
    total = float(s["amount_gbp"].sum())
    return {"total_gbp": total, "population": pop, "population_how": how,
            "per_head_gbp": pop if isinstance(pop, Missing) else total / pop,
            "agencies": int(s.loc[s["amount_gbp"] != 0, "agency"].nunique()),
            "preventive_share": preventive_share(s),
            **{f"{b}_share": basis_share(s, b) for b in ("reported", "apportioned", "estimated")},
            "price_year": fy_label(year)}


@passes_gaps
def by_agency_and_line(spend: pd.DataFrame) -> pd.DataFrame:
    """The theme's spend by agency and line (£) with each one's share and what it rests on (basis)."""
    t = spend.groupby(["agency", "line"], as_index=False).agg(
        amount_gbp=("amount_gbp", "sum"), basis=("basis", lambda b: ", ".join(sorted(set(b)))))
    t["share"] = t["amount_gbp"] / t["amount_gbp"].sum()
    return t.sort_values("amount_gbp", ascending=False).reset_index(drop=True)


def _england_lines(ds: Dataset, theme: ThemeFile) -> pd.DataFrame:
    """England's theme lines in every year: every authority's selected spend (not England's own rows)."""
    return remembered(ds, ("theme england lines", theme.path, theme.lines),
                      lambda: select(ds.spend[ds.spend["area_code"] != ENGLAND_CODE], ds, theme))


@passes_gaps
def series(ds: Dataset, place: Place, theme: ThemeFile, price_year: str | None = None) -> pd.DataFrame:
    """The theme's spend every year the count holds, in real terms and per head in scope, beside England's.

    Returns
    -------
    DataFrame
        ``year``, ``period``, ``total_gbp`` (that year's £), ``real_gbp`` (£ at ``price_year``, GDP
        deflator), ``population`` and ``population_how``, ``per_head_real_gbp``, ``reported_share``,
        ``preventive_share``, ``england_per_head_real_gbp``; ``attrs['price_year']``.
    """
    years = list(count_years(ds))
    s = select(ds.area_rows("spend", place.area_codes), ds, theme)
    s = s[s["year"].isin(years)]
    if s.empty:
        return Missing(f"no spend line of the theme '{theme.name}' for {place.name} in dataset '{ds.name}'.")
    eng = _england_lines(ds, theme)
    d = deflators()
    price_year = price_year or fy_label(max(int(y) for y in s["year"]))
    rows = []
    for year, g in s.groupby("year"):
        y = int(year)
        k = float(d[price_year]) / float(d[fy_label(y)])
        pop, how = in_scope(ds, place.area_codes, y, theme)
        epop, _ = in_scope(ds, (ENGLAND_CODE,), y, theme)
        e = eng.loc[eng["year"] == y, "amount_gbp"].sum() * k
        real = float(g["amount_gbp"].sum()) * k
        prev = preventive_share(g)
        rows.append({"year": y, "period": fy_label(y), "total_gbp": float(g["amount_gbp"].sum()), "real_gbp": real,
                     "population": pop, "population_how": how,
                     "per_head_real_gbp": None if isinstance(pop, Missing) else real / pop,
                     "reported_share": basis_share(g, "reported"),
                     "preventive_share": None if isinstance(prev, Missing) else prev,
                     "england_per_head_real_gbp": None if isinstance(epop, Missing) else e / epop})
    out = pd.DataFrame(rows)
    out.attrs["price_year"] = price_year
    return out


@passes_gaps
def series_table(ser: pd.DataFrame) -> pd.DataFrame:
    """:func:`series` as a reader's table: one row a year."""
    t = ser[["period", "total_gbp", "real_gbp", "population_how", "per_head_real_gbp", "england_per_head_real_gbp",
             "reported_share", "preventive_share"]].copy()
    t.attrs = dict(ser.attrs)
    return t


@passes_gaps
def peers(ds: Dataset, place: Place, year: int, theme: ThemeFile) -> pd.DataFrame:
    """The theme's spend per head in scope for the place, its nearest statistical neighbours and England.

    Returns
    -------
    DataFrame
        ``slug``, ``place``, ``total_gbp``, ``population``, ``per_head_gbp``, ``preventive_share``,
        ``rank_per_head`` (1 = highest; none for England, which is last).
    """
    rows = []
    for p in comparison.comparators(place, ds):
        h = headline(ds, p, year, theme)
        if isinstance(h, Missing) or isinstance(h["per_head_gbp"], Missing):
            continue
        prev = h["preventive_share"]
        rows.append({"slug": p.slug, "place": p.name, "total_gbp": h["total_gbp"], "population": h["population"],
                     "per_head_gbp": h["per_head_gbp"],
                     "preventive_share": None if isinstance(prev, Missing) else prev})
    eng = _england_lines(ds, theme)
    e = eng[eng["year"] == year]
    epop, _ = in_scope(ds, (ENGLAND_CODE,), year, theme)
    if not e.empty and not isinstance(epop, Missing):
        prev = preventive_share(e)
        rows.append({"slug": "england", "place": "England", "total_gbp": float(e["amount_gbp"].sum()),
                     "population": epop, "per_head_gbp": float(e["amount_gbp"].sum()) / epop,
                     "preventive_share": None if isinstance(prev, Missing) else prev})
    if not rows:
        return Missing(f"no place here has both the theme's spend and its population in {fy_label(year)}.")
    out = pd.DataFrame(rows)
    places = out["slug"] != "england"
    out.loc[places, "rank_per_head"] = out.loc[places, "per_head_gbp"].rank(ascending=False, method="min")
    return out


# ------------------------------------------------------------------------------------------------
# Indicators


@passes_gaps
def indicator_value(ds: Dataset, codes: tuple[str, ...], indicator: str, period: str) -> dict | Missing:
    """An indicator for a place (or England): as published for one authority; pooled counts for several; else the
    population-weighted mean of its whole districts (an estimate, :mod:`~totalplace_lib.methods.district_values`).

    Returns
    -------
    dict
        ``value``, ``basis`` (``reported`` or ``estimated``), ``how``, ``source``.
    """
    t = benchmark.indicator_rows(ds, indicator, period)
    if not isinstance(t, Missing):
        sub = t[t["area_code"].isin(codes)]
        if len(sub) == 1 and len(codes) == 1:
            return {"value": float(sub["value"].iloc[0]), "basis": "reported", "how": "as published",
                    "source": str(sub["source"].iloc[0])}
        if len(sub) == len(codes) and sub["numerator"].notna().all() and sub["denominator"].notna().all():
            from totalplace_lib.core.units import multiplier

            v = sub["numerator"].sum() / sub["denominator"].sum() * multiplier(str(sub["unit"].iloc[0]))
            return {"value": float(v), "basis": "reported", "how": "published counts pooled",
                    "source": "; ".join(sorted(set(sub["source"])))}
    w = district_values.weighted(ds, codes, indicator, period)
    if isinstance(w, Missing):
        return w
    return {"value": w["value"], "basis": "estimated", "how": w["how"], "source": w["source"]}


def _period(ds: Dataset, indicator: str, year: int) -> str:
    """The indicator's period nearest the report's year (the table names it, so years are never mixed silently)."""
    _, period = benchmark.pick(ds, [(indicator, fy_label(year))])
    return str(period)


def _verdict(value: float, england: float, polarity: str) -> str:
    if value == england:
        return "equal to England"
    above = value > england
    if polarity == "neither":
        return "above England" if above else "below England"
    better = above == (polarity == "higher is better")
    return f"{'better' if better else 'worse'} than England ({'above' if above else 'below'})"


@passes_gaps
def indicators(ds: Dataset, place: Place, year: int, theme: ThemeFile,
               neighbours: list[Place] | None = None) -> pd.DataFrame:
    """Each of the theme's indicators for the place, England and the neighbours' median, at the period nearest
    ``year``, with what each value rests on.

    Returns
    -------
    DataFrame
        ``indicator``, ``period``, ``polarity``, ``value``, ``basis``, ``how``, ``england``, ``england_basis``,
        ``neighbours_median``, ``neighbours``, ``verdict``, ``source``; a value the data cannot give is NaN with
        the reason in ``how``.
    """
    neighbours = neighbours if neighbours is not None else comparison.comparators(place, ds)[1:]
    rows = []
    for ind in theme.indicators:
        period = _period(ds, ind.name, year)
        mine = indicator_value(ds, place.area_codes, ind.name, period)
        eng = indicator_value(ds, (ENGLAND_CODE,), ind.name, period)
        nb = [indicator_value(ds, p.area_codes, ind.name, period) for p in neighbours]
        nb_values = [n["value"] for n in nb if not isinstance(n, Missing)]
        ok, eok = not isinstance(mine, Missing), not isinstance(eng, Missing)
        rows.append({"indicator": ind.name, "period": period, "polarity": ind.polarity,
                     "value": mine["value"] if ok else float("nan"), "basis": mine["basis"] if ok else "",
                     "how": mine["how"] if ok else mine.reason,
                     "england": eng["value"] if eok else float("nan"),
                     "england_basis": (f"{eng['basis']}: {eng['how']}" if eok else eng.reason),
                     "neighbours_median": float(pd.Series(nb_values).median()) if nb_values else float("nan"),
                     "neighbours": len(nb_values),
                     "verdict": _verdict(mine["value"], eng["value"], ind.polarity) if ok and eok else "",
                     "source": mine["source"] if ok else (eng["source"] if eok else "")})
    return pd.DataFrame(rows)


@passes_gaps
def spread(ds: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """England's spread for each indicator of :func:`indicators` (the authorities' or, where the indicator is
    published for districts, the districts' values): minimum, quartiles and maximum, for a spine chart."""
    dv = district_values.table(ds)
    rows = []
    for _, r in table.iterrows():
        d = dv[(dv["indicator"] == r["indicator"]) & (dv["period"] == r["period"])]
        if d.empty:
            t = benchmark.indicator_rows(ds, r["indicator"], r["period"])
            vals = pd.Series(dtype=float) if isinstance(t, Missing) else t.loc[t["area_code"] != ENGLAND_CODE, "value"]
            among = "upper-tier authorities"
        else:
            vals, among = d["value"], "districts"
        if len(vals) < 5:
            continue
        q = vals.quantile([0, 0.25, 0.5, 0.75, 1.0]).to_list()
        rows.append({"indicator": r["indicator"], "min": q[0], "q1": q[1], "median": q[2], "q3": q[3], "max": q[4],
                     "among": f"{len(vals)} {among}"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# The redesign case


@passes_gaps(returns=2)
def redesign(place: Place, year: int, theme: ThemeFile, spend: pd.DataFrame, population) -> tuple:
    """The theme's redesign case for the place, and where it came from: the place's params file
    (``scenarios: <theme>:``) wins, else the theme file's ``scenario``; ``from data:`` figures are filled from the
    place's theme spend and people in scope (the case is then priced at the report's year).

    Returns
    -------
    (Scenario, origin)
        Or a :class:`Missing` pair when neither gives a case, or a figure the case needs is a gap.
    """
    from totalplace_lib.methods.cba import fill_from_data, scenario_from_dict
    from totalplace_lib.methods.cba.templates import FROM_DATA

    d = place.scenarios.get(theme.name)
    origin = f"params/{place.slug}.yaml (scenarios: {theme.name})"
    if d is None:
        d, origin = theme.scenario, f"{theme.shown} (scenario)"
    if d is None:
        gap = Missing(f"the theme file {theme.shown} gives no redesign scenario (add a 'scenario:' in the "
                      "cost-benefit engine's format to make the case).")
        return gap, gap
    values = scenario_values(spend, population)
    d = dict(d)
    if FROM_DATA in repr(d):
        gap = next((v for k, v in values.items() if isinstance(v, Missing) and f"{FROM_DATA} {k}" in repr(d)), None)
        if gap is not None:
            return gap, gap
        d["price_year"], d["start_year"] = fy_label(year), year + 1
        origin += f"; figures from the place's data at {fy_label(year)} prices"
    return scenario_from_dict(fill_from_data(d, values, "scenario"), name=theme.name), origin


# ------------------------------------------------------------------------------------------------
# Findings


@sentences
def findings(place: Place, theme: ThemeFile, h: dict, by_line: pd.DataFrame, ser: pd.DataFrame,
             peer: pd.DataFrame, inds: pd.DataFrame) -> list[str]:
    """Key findings in plain English, every figure computed from the tables above it."""
    out = []
    if not isinstance(h, Missing):
        top = by_line.groupby("agency")["amount_gbp"].sum().sort_values(ascending=False)
        per = "" if isinstance(h["per_head_gbp"], Missing) else (
            f" ({fmt.money(h['per_head_gbp'])} for each of {fmt.count(h['population'])} {theme.population_label}, "
            f"{h['population_how'].split(', ', 1)[1]})")
        out.append(f"In {h['price_year']} the public bodies serving {place.name} spent **{fmt.money(h['total_gbp'])}**"
                   f" on this theme{per}, through {h['agencies']} agencies; the largest was {top.index[0]} "
                   f"({fmt.share(top.iloc[0] / top.sum(), 0)}).")
        out.append(f"{fmt.share(h['reported_share'], 0)} of it is from the bodies' own accounts (reported), "
                   f"{fmt.share(h['apportioned_share'], 0)} apportioned from regional totals by a named driver and "
                   f"{fmt.share(h['estimated_share'], 0)} estimated.")
        if not isinstance(h["preventive_share"], Missing):
            out.append(f"{fmt.share(h['preventive_share'], 0)} of the need-related spend (all but universal "
                       "entitlements) comes before crisis (preventive or early intervention).")
    if not isinstance(ser, Missing):
        s = ser.dropna(subset=["per_head_real_gbp"])
        if len(s) > 1:
            a, b = s.iloc[0], s.iloc[-1]
            ch = b["per_head_real_gbp"] / a["per_head_real_gbp"] - 1
            e = s.dropna(subset=["england_per_head_real_gbp"])
            eng = ""
            if len(e) > 1:
                ech = e.iloc[-1]["england_per_head_real_gbp"] / e.iloc[0]["england_per_head_real_gbp"] - 1
                eng = f"; England's {'rose' if ech >= 0 else 'fell'} {fmt.share(abs(ech), 0)}"
            out.append(f"In real terms (£ at {ser.attrs['price_year']} prices) spend per head in scope "
                       f"{'rose' if ch >= 0 else 'fell'} {fmt.share(abs(ch), 0)} from {a['period']} to "
                       f"{b['period']}{eng}.")
    if not isinstance(peer, Missing) and place.slug in set(peer["slug"]):
        places = peer[peer["slug"] != "england"]
        if len(places) > 1:
            out.append(f"Per head in scope it ranks {comparison.rank_of(peer, place.slug)} of {len(places)} among "
                       "itself and its nearest statistical neighbours (1 = highest spend).")
    if not isinstance(inds, Missing):
        for _, r in inds[inds["verdict"] != ""].iterrows():
            out.append(f"{r['indicator']} ({r['period']}): {r['value']:,.1f} against England's {r['england']:,.1f},"
                       f" {r['verdict']}.")
    return out


@handles_gaps
def key_figures(h: dict, theme: ThemeFile, dataset: str, a=None) -> dict[str, dict]:
    """The theme report's recorded figures (value, unit, period, source and basis each); with the redesign case's
    appraisal ``a`` (or its gap), its NPV and benefit-cost ratio."""
    from totalplace_lib.core.figures import figure

    src = f"dataset '{dataset}': spend and population tables, theme file {theme.shown}"
    p = h["price_year"]
    basis = ("reported" if h["reported_share"] == 1 else "apportioned" if h["apportioned_share"] > 0 else "estimated")
    return {
        "theme_spend_gbp": figure(h["total_gbp"], "GBP", p, src, f"Spend on the theme ({theme.name})", basis=basis),
        "theme_per_head_gbp": figure(h["per_head_gbp"], "GBP per head", p, src,
                                     f"Spend per head of {theme.population_label}", basis=basis),
        "population_in_scope": figure(h["population"], "persons", h["population_how"], src, theme.population_label),
        "preventive_share": figure(h["preventive_share"], "proportion", p, src,
                                   "Share of need-related spend preventive or early intervention", basis=basis),
        "agencies_counted": figure(h["agencies"], "agencies", p, src, "Agencies with spend on the theme"),
        "reported_share": figure(h["reported_share"], "proportion", p, src,
                                 "Share of the theme's spend from the bodies' own accounts"),
        **({} if a is None else {
            "cba_npv_gbp": figure(a.npv, "GBP", a.price_year, src, "Redesign case: net present value",
                                  basis="estimated"),
            "cba_bcr": figure(a.bcr, "ratio", a.price_year, src, "Redesign case: benefit-cost ratio",
                              basis="estimated")}),
    }
