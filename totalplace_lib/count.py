"""The Total Place count: all public spend in a place by agency, service and stage, per head.

All amounts are pounds in the price year of the spend table (2009/10 in the sample);
"per head" divides by the resident population of the place in the same year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from .data import Dataset, remembered
from .gaps import Missing, MissingCount, guard, missing_population
from .params import Place
from .schema import BASES, ENGLAND_CODE, STAGES, UNIVERSAL
from .themes import period

logger = logging.getLogger(__name__)

MAX_AGE = 90
"""Oldest single year of age in the population table (90 = 90 and over)."""
PREVENTIVE_STAGES = ("preventive", "early intervention")
"""Stages counted as spend *before* crisis in :func:`preventive_share`."""


def place_spend(ds: Dataset, place: Place, year: int, theme: str | None = None) -> pd.DataFrame:
    """Spend lines of a place's authorities for one year (optionally one theme)."""
    s = ds.rows("spend", place.area_codes, year)
    if theme is not None:
        s = s[s["theme"] == theme]
    if s.empty:
        raise ValueError(f"no spend lines for {place.name} in {year}" + (f" (theme {theme})" if theme else ""))
    return s


def population(ds: Dataset, codes: tuple[str, ...], year: int, ages: tuple[int, int] | None = None) -> int | Missing:
    """Resident population of a set of authorities (optionally an inclusive age range).

    Rows may be single years or published bands (``age`` to ``age_to``); a band counts only if it lies
    inside ``ages``. Returns :class:`~totalplace_lib.gaps.Missing` if an authority has no rows in the
    range, or has only bands that do not cover every age asked for (the 0-17 total is not "all ages").
    """
    lo, hi = ages if ages is not None else (0, MAX_AGE)
    p = ds.rows("population", codes, year)
    last = p["age_to"].fillna(p["age"]) if "age_to" in p.columns else p["age"]
    p = p[(p["age"] >= lo) & (last <= hi)]
    last = last[p.index]
    for code in codes:
        mine = p["area_code"] == code
        if not mine.any():
            return missing_population(codes, year, ages, ds.name)
        if (last[mine] == p.loc[mine, "age"]).all():  # single years of age: taken as published
            continue
        covered = set()
        for a, b in zip(p.loc[mine, "age"], last[mine], strict=True):
            covered.update(range(int(a), int(b) + 1))
        if covered != set(range(lo, hi + 1)):
            return missing_population(codes, year, ages, ds.name)
    return int(p["persons"].sum())


def population_nearest(ds: Dataset, codes: tuple[str, ...], year: int,
                       ages: tuple[int, int] | None = None, max_gap: int | None = None) -> tuple[int | Missing, int]:
    """Population of the year nearest ``year`` that covers every authority (ties: the earlier year); with
    ``max_gap``, only from years at most that far from ``year``.

    Returns
    -------
    (persons, population year)
        The exact year when the data have it; otherwise the nearest (the report must say which:
        public files hold mid-2020 estimates for every authority, and 0-17 only for mid-2009).
        ``persons`` is :class:`~totalplace_lib.gaps.Missing` if no year covers them all.
    """
    exact = population(ds, codes, year, ages)
    if not isinstance(exact, Missing):
        return exact, year
    years = sorted((y for y in set(ds.area_rows("population", codes)["year"])
                    if max_gap is None or abs(y - year) <= max_gap), key=lambda y: (abs(y - year), y))
    for y in years:
        p = population(ds, codes, int(y), ages)
        if not isinstance(p, Missing):
            return p, int(y)
    return exact, year


def _all_zero(spend: pd.DataFrame) -> Missing | None:
    """The gap for shares of spend when every line is £0 (a share of nothing is undefined)."""
    if spend["amount_gbp"].sum() != 0:
        return None
    return Missing(f"every spend line here reports £0 ({len(spend)} lines: "
                   f"{'; '.join(sorted(set(spend['service']))[:4])}), so shares of spend cannot be worked out.")


def spend_by(spend: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Total spend (£) and share of the total by one or more columns, largest first."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    out = spend.groupby(by, as_index=False)["amount_gbp"].sum().sort_values("amount_gbp", ascending=False)
    out["share"] = out["amount_gbp"] / spend["amount_gbp"].sum()
    return out.reset_index(drop=True)


def stage_split(spend: pd.DataFrame) -> pd.DataFrame:
    """Need-related spend (£) and share by stage, in stage order (preventive -> acute), zero-filled.

    Universal spend (stage ``universal``) is left out; its total is in ``attrs["universal_gbp"]``.
    """
    if (gap := _all_zero(spend)) is not None:
        return gap
    by = spend.groupby("stage")["amount_gbp"].sum().reindex(list(STAGES), fill_value=0)
    out = by.rename_axis("stage").reset_index()
    out["share"] = out["amount_gbp"] / out["amount_gbp"].sum()
    out.attrs["universal_gbp"] = float(spend.loc[spend["stage"] == UNIVERSAL, "amount_gbp"].sum())
    return out


def preventive_share(spend: pd.DataFrame) -> float:
    """Share of need-related spend tagged preventive or early intervention (0-1).

    Need-related spend is everything except stage ``universal`` (schools, pensions, roads... on public
    data), which serves everyone and is neither before nor after a need arises.
    """
    staged = spend[spend["stage"] != UNIVERSAL]
    if (gap := _all_zero(staged if len(staged) else spend)) is not None:
        return gap
    total = staged["amount_gbp"].sum()
    return float(staged.loc[staged["stage"].isin(PREVENTIVE_STAGES), "amount_gbp"].sum() / total)


def basis_split(spend: pd.DataFrame) -> pd.DataFrame:
    """Spend (£) and share of the total by basis (reported, apportioned, ...), in :data:`BASES` order."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    by = spend.groupby("basis")["amount_gbp"].sum()
    out = by.reindex([b for b in BASES if b in by.index]).rename_axis("basis").reset_index()
    out["share"] = out["amount_gbp"] / spend["amount_gbp"].sum()
    return out


def basis_share(spend: pd.DataFrame, basis: str) -> float:
    """Share (0-1) of spend resting on one basis (e.g. ``apportioned``)."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    return float(spend.loc[spend["basis"] == basis, "amount_gbp"].sum() / spend["amount_gbp"].sum())


BIG_THREE = ("Social protection", "Education", "Health")
"""The functions the pilots found took 70-80% of public spend in a place (HM Treasury & CLG 2010)."""


def function_share(spend: pd.DataFrame, functions: tuple[str, ...] = BIG_THREE) -> float:
    """Share (0-1) of spend in the given COFOG functions; a gap if the lines carry no function."""
    if "function" not in spend or spend["function"].isna().all():
        return Missing("these spend lines carry no COFOG function (only the real count's lines do).")
    if (gap := _all_zero(spend)) is not None:
        return gap
    return float(spend.loc[spend["function"].isin(functions), "amount_gbp"].sum() / spend["amount_gbp"].sum())


def reconciliation(ds: Dataset, place: Place, year: int) -> pd.DataFrame:
    """Apportioned local-government spend against the councils' own outturn, by service group (£).

    Returns :class:`~totalplace_lib.gaps.Missing` on datasets without a top-down count.
    """
    from .data import optional_table

    r = optional_table(ds.name, "reconciliation")
    if r is None:
        return Missing(f"dataset '{ds.name}' has no top-down count to reconcile (only the public dataset "
                       "apportions HM Treasury's regional figures).")
    r = r[r["area_code"].isin(place.area_codes) & (r["year"] == year)]
    if r.empty:
        return Missing(f"no council outturn replaced apportioned spend for {place.name} in {year}/"
                       f"{str(year + 1)[-2:]}: the public files hold Revenue Outturn for 2017/18 on and "
                       "Section 52 for 2009/10.")
    out = r.groupby(["group", "reported_from", "counted"], as_index=False, dropna=False)[
        ["apportioned_gbp", "reported_gbp", "difference_gbp"]].sum(min_count=1)
    return out.sort_values(["counted", "reported_gbp"], ascending=[False, False]).reset_index(drop=True)


def drivers(ds: Dataset, place: Place, year: int) -> pd.DataFrame:
    """How the place's apportioned spend was shared out: each driver with its spend (£), share of the
    count and the services it carries. A gap on data with no apportioned lines."""
    s = ds.rows("spend", place.area_codes, year)
    a = s[s["basis"] == "apportioned"]
    if a.empty:
        return Missing(f"no spend of {place.name} in {year}/{str(year + 1)[-2:]} is apportioned: every line is "
                       "the bodies' own figure for the place (or the sample's illustration).")

    def services(x: pd.Series) -> str:
        names = sorted(set(x))
        return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")

    out = a.groupby("driver", as_index=False).agg(amount_gbp=("amount_gbp", "sum"), services=("service", services))
    out["share"] = out["amount_gbp"] / s["amount_gbp"].sum()
    return out.sort_values("amount_gbp", ascending=False).reset_index(drop=True)[
        ["driver", "services", "amount_gbp", "share"]]


def council_discretionary(spend: pd.DataFrame) -> float:
    """Council spend flagged discretionary (£): the slice a council could redirect itself."""
    mask = (spend["agency"] == "Council") & spend["discretionary"].astype(bool)
    return float(spend.loc[mask, "amount_gbp"].sum())


@dataclass(frozen=True)
class Count:
    """The high-level count of one place for one year (pounds, price year as stated)."""

    place: str
    year: int
    population: int
    total_gbp: float
    per_head_gbp: float
    preventive_share: float
    council_gbp: float
    council_discretionary_gbp: float
    price_year: str
    sources: tuple[str, ...]
    population_year: int | None = None
    agencies: int = 0
    apportioned_share: float = 0.0
    big_three_share: float | None = None  # None when the lines carry no COFOG function (not a gap in findings)
    capital_gbp: float = 0.0

    @property
    def population_note(self) -> str:
        """'' when population and spend are of the same year, else which year per head uses."""
        if self.population_year in (None, self.year):
            return ""
        return (f"per head uses the mid-{self.population_year} population, the nearest year the files hold for "
                f"every authority here")

    @property
    def discretionary_per_head_gbp(self) -> float:
        return self.council_discretionary_gbp / self.population

    @property
    def discretionary_share_of_total(self) -> float:
        if not self.total_gbp:
            return Missing(f"{self.place} has no spend in the data, so there is no share to work out.")
        return self.council_discretionary_gbp / self.total_gbp


def count_of(spend: pd.DataFrame, place_name: str, year: int, pop: int, pop_year: int | None = None) -> Count:
    """Summarise a set of spend lines (£) against a population (persons) into a :class:`Count`."""
    total = float(spend["amount_gbp"].sum())
    price_years = sorted(spend["price_year"].unique())  # unique() is vectorised; set() walks 1m strings
    if len(price_years) != 1:
        raise ValueError(f"spend for {place_name} mixes price years {price_years}; uprate first (costs.uprate)")
    return Count(
        place=place_name,
        year=year,
        population=pop,
        total_gbp=total,
        per_head_gbp=total / pop,
        preventive_share=preventive_share(spend),
        council_gbp=float(spend.loc[spend["agency"] == "Council", "amount_gbp"].sum()),
        council_discretionary_gbp=council_discretionary(spend),
        price_year=price_years[0],
        sources=tuple(sorted(spend["source"].unique())),
        population_year=pop_year if pop_year is not None else year,
        agencies=int(spend.loc[spend["amount_gbp"] > 0, "agency"].nunique()),
        apportioned_share=basis_share(spend, "apportioned") if total and "basis" in spend else 0.0,
        big_three_share=None if isinstance(share := function_share(spend), Missing) else share,
        capital_gbp=float(spend.loc[spend["spend_type"] == "capital", "amount_gbp"].sum())
        if "spend_type" in spend else 0.0,
    )


def high_level_count(ds: Dataset, place: Place, year: int) -> Count:
    """Compute the Total Place high-level count for a place.

    Returns
    -------
    Count
        Population, total spend (£), spend per head (£), preventive share (0-1),
        council and council discretionary spend (£), price year and sources.
    """
    pop, pop_year = population_nearest(ds, place.area_codes, year)
    return count_of(place_spend(ds, place, year), place.name, year, pop, pop_year)


def side_by_side(ds: Dataset, a: Place, b: Place, year: int) -> pd.DataFrame:
    """Two places' spend per resident by agency, side by side (£ a resident, same year and dataset).

    Returns
    -------
    DataFrame
        agency, ``a`` per head, ``b`` per head, difference (a - b), one row per agency either place has,
        largest difference first, then a total row; ``attrs`` holds both places' names and populations.
    """
    by_agency, totals = [], []
    for p in (a, b):
        c = high_level_count(ds, p, year)
        if isinstance(c.population, Missing):  # no population, no figure per resident to set side by side
            return Missing(f"{p.name} cannot be set side by side per resident: {c.population.reason}")
        by_agency.append(place_spend(ds, p, year).groupby("agency")["amount_gbp"].sum() / c.population)
        totals.append(c.per_head_gbp)
    names = [a.name, b.name] if a.name != b.name else [f"{a.name} (1)", f"{b.name} (2)"]
    t = pd.concat(by_agency, axis=1).fillna(0.0)
    t.columns = names
    t["difference"] = t[names[0]] - t[names[1]]
    t = t.reindex(t["difference"].abs().sort_values(ascending=False).index).rename_axis("agency").reset_index()
    total = {"agency": "All agencies", names[0]: totals[0], names[1]: totals[1], "difference": totals[0] - totals[1]}
    t = pd.concat([t, pd.DataFrame([total])], ignore_index=True)
    t.attrs["places"] = names
    return t


def per_head_by_area(ds: Dataset, year: int, themes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Spend per resident (£) of every authority in the dataset for a year (for the map).

    Per resident uses each authority's all-ages population from the year nearest ``year`` that has one.

    Returns
    -------
    DataFrame
        area_code, amount_gbp, population, population_year, per_head_gbp; authorities with spend and a
        population only.
    """
    return remembered(ds, ("per_head_by_area", year, tuple(themes or ())), lambda: _per_head_by_area(ds, year, themes))


def _per_head_by_area(ds: Dataset, year: int, themes: tuple[str, ...] | None) -> pd.DataFrame:
    s = ds.spend[(ds.spend["year"] == year) & (ds.spend["area_code"] != ENGLAND_CODE)]
    if themes:
        s = s[s["theme"].isin(themes)]
    spend = s.groupby("area_code")["amount_gbp"].sum()
    p = ds.population
    single = p[p["age_to"].isna()] if "age_to" in p else p
    whole = single.groupby(["area_code", "year"]).agg(persons=("persons", "sum"), ages=("age", "nunique"))
    whole = whole[whole["ages"] >= 91].reset_index()  # every single year of age, 0 to 90+
    whole["gap"] = (whole["year"] - year).abs()
    best = whole.sort_values(["area_code", "gap", "year"]).drop_duplicates("area_code")
    out = best.set_index("area_code").join(spend, how="inner")
    out = out.rename(columns={"persons": "population", "year": "population_year"}).reset_index()
    out["per_head_gbp"] = out["amount_gbp"] / out["population"]
    return out[["area_code", "amount_gbp", "population", "population_year", "per_head_gbp"]]


def theme_count(ds: Dataset, place: Place, year: int, themes: tuple[str, ...],
                ages: tuple[int, int] | None = None) -> tuple[pd.DataFrame, Count]:
    """A theme's spend lines and their count, per head of the theme's population.

    Parameters
    ----------
    themes : tuple of str
        Spend-line themes to include (e.g. ``("early_years",)``).
    ages : (int, int), optional
        Inclusive age range of the population the spend serves (children 0-5: ``(0, 5)``);
        default all ages.

    Returns
    -------
    (DataFrame, Count)
        The spend lines and their :class:`Count` (``per_head_gbp`` is per person in ``ages``).
    """
    return remembered(ds, ("theme_count", place.name, place.area_codes, year, tuple(themes), ages and tuple(ages)),
                      lambda: _theme_count(ds, place, year, themes, ages))


def _theme_count(ds: Dataset, place: Place, year: int, themes: tuple[str, ...], ages: tuple[int, int] | None
                 ) -> tuple[pd.DataFrame, Count]:
    s = ds.rows("spend", place.area_codes, year)
    s = s[s["theme"].isin(themes)]
    if s.empty:
        held = sorted(set(ds.spend.loc[ds.spend["year"] == year, "theme"]) - {"general"})
        gap = Missing(f"dataset '{ds.name}' has no {' or '.join(themes)} spend lines for {place.name} in "
                      f"{year}/{str(year + 1)[-2:]}" + (f" (its spend lines that year are for: {', '.join(held)})"
                                                         if held else "") + ".")
        return gap, MissingCount(gap.reason, period(year))
    pop, pop_year = population_nearest(ds, place.area_codes, year, ages, max_gap=THEME_POPULATION_GAP)
    return s, count_of(s, place.name, year, pop, pop_year)


THEME_POPULATION_GAP = 3
"""A theme's per-head figures use a population estimate at most this many years from the report's year
(2017/18 reports use mid-2020); further off, per head is a gap rather than a figure mixing distant years."""


def compare_places(ds: Dataset, places: list[Place], year: int, themes: tuple[str, ...] | None = None,
                   ages: tuple[int, int] | None = None) -> pd.DataFrame:
    """High-level (or one theme's) count of several places side by side, ranked by spend per head (1 = highest).

    With ``themes`` (and ``ages``) the count is :func:`theme_count`'s; per head is per person in ``ages``.

    Returns
    -------
    DataFrame
        One row per place: slug, place, population, total_gbp, per_head_gbp,
        preventive_share, discretionary_per_head_gbp, rank_per_head.
    """
    from .errors import ParamsError
    from .params import check_place_data

    rows = []
    for p in places:
        try:
            check_place_data(p, ds, year)
        except ParamsError as exc:  # a broken params file must not break every other place's report
            logger.warning("left out of the comparison: %s", exc)
            continue
        c = high_level_count(ds, p, year) if themes is None else theme_count(ds, p, year, themes, ages)[1]
        if isinstance(c, Missing) or isinstance(c.population, Missing):
            if p is places[0]:  # the report's own place cannot be compared per head
                return c if isinstance(c, Missing) else c.population
            continue
        rows.append(
            {
                "slug": p.slug,
                "place": p.name,
                "population": c.population,
                "total_gbp": c.total_gbp,
                "per_head_gbp": c.per_head_gbp,
                "preventive_share": c.preventive_share,
                "discretionary_per_head_gbp": c.discretionary_per_head_gbp,
            }
        )
    out = pd.DataFrame(rows).sort_values("per_head_gbp", ascending=False).reset_index(drop=True)
    out["rank_per_head"] = range(1, len(out) + 1)
    out.attrs["group"] = "pilots" if ds.illustrative else "similar authorities"
    return out


def rank_of(table: pd.DataFrame, slug: str) -> int:
    """Rank on spend per head (1 = highest) of place ``slug`` in a :func:`compare_places` table."""
    return int(table.loc[table["slug"] == slug, "rank_per_head"].iloc[0])


def group_of(table: pd.DataFrame) -> str:
    """What the places in a :func:`compare_places` table are: "pilots" (sample) or "similar authorities"
    (the place and its nearest statistical neighbours on public data)."""
    return table.attrs.get("group", "pilots")


def peer_summary(table: pd.DataFrame) -> dict[str, float]:
    """Totals across a comparison table: population, spend (£) and pooled spend per head (£)."""
    pop = float(table["population"].sum())
    total = float(table["total_gbp"].sum())
    return {"population": pop, "total_gbp": total, "per_head_gbp": total / pop}


def key_figures(c: Count, dataset: str) -> dict[str, dict]:
    """The place overview's recorded figures (value, unit, period, source each)."""
    from .record import figure

    src = f"dataset '{dataset}': spend and population tables; " + "; ".join(c.sources)
    period = c.price_year
    return {
        "total_spend_gbp": figure(c.total_gbp, "GBP", period, src, "Total public spend"),
        "spend_per_head_gbp": figure(c.per_head_gbp, "GBP per head", period, src, "Spend per head"),
        "population": figure(c.population, "persons", str(c.population_year or c.year), src, "Resident population"),
        "preventive_share": figure(c.preventive_share, "proportion", period, src,
                                   "Share of spend preventive or early intervention"),
        "council_discretionary_gbp": figure(c.council_discretionary_gbp, "GBP", period, src,
                                            "Council discretionary spend"),
        "agencies_counted": figure(c.agencies, "agencies", period, src, "Agencies with spend in the count"),
        "apportioned_share": figure(c.apportioned_share, "proportion", period, src,
                                    "Share of the count apportioned from regional totals"),
        "social_protection_education_health_share": figure(
            c.big_three_share, "proportion", period, src, "Share of the count on social protection, education "
                                                          "and health",
            missing="" if c.big_three_share is not None else "these spend lines carry no COFOG function (only "
                                                                  "the public dataset's count has them)"),
    }


guard(globals(), keep=("count_of", "population", "theme_count", "high_level_count"))
