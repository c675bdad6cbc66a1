"""The Total Place count: all public spend in a place by agency, service and stage, per head.

All amounts are pounds in the price year of the spend table (2009/10 in the sample);
"per head" divides by the resident population of the place in the same year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import pandas as pd

from totalplace_lib.core.gaps import Missing, MissingCount, handles_gaps, missing_population, passes_gaps
from totalplace_lib.core.periods import fy_label, fy_span, period_label
from totalplace_lib.core.schema import BASES, ENGLAND_CODE, LEVELS, STAGES, UNIVERSAL
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place

logger = logging.getLogger(__name__)

MAX_AGE = 90
"""Oldest single year of age in the population table (90 = 90 and over)."""

PREVENTIVE_STAGES = ("preventive", "early intervention")
"""Stages counted as spend *before* crisis in :func:`preventive_share`."""


@passes_gaps
def place_spend(ds: Dataset, place: Place, year: int, theme: str | None = None) -> pd.DataFrame:
    """Spend lines of a place's authorities for one year (optionally one theme)."""
    s = ds.rows("spend", place.area_codes, year)
    if theme is not None:
        s = s[s["theme"] == theme]
    if s.empty:
        raise ValueError(f"no spend lines for {place.name} in {year}" + (f" (theme {theme})" if theme else ""))
    return s


@handles_gaps
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


@passes_gaps(returns=2)
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


@passes_gaps
def spend_by(spend: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Total spend (£) and share of the total by one or more columns, largest first."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    out = spend.groupby(by, as_index=False)["amount_gbp"].sum().sort_values("amount_gbp", ascending=False)
    out["share"] = out["amount_gbp"] / spend["amount_gbp"].sum()
    return out.reset_index(drop=True)


@passes_gaps
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


@passes_gaps
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


@passes_gaps
def basis_split(spend: pd.DataFrame) -> pd.DataFrame:
    """Spend (£) and share of the total by basis (reported, apportioned, ...), in :data:`BASES` order."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    by = spend.groupby("basis")["amount_gbp"].sum()
    out = by.reindex([b for b in BASES if b in by.index]).rename_axis("basis").reset_index()
    out["share"] = out["amount_gbp"] / spend["amount_gbp"].sum()
    return out


@passes_gaps
def basis_share(spend: pd.DataFrame, basis: str) -> float:
    """Share (0-1) of spend resting on one basis (e.g. ``apportioned``)."""
    if (gap := _all_zero(spend)) is not None:
        return gap
    return float(spend.loc[spend["basis"] == basis, "amount_gbp"].sum() / spend["amount_gbp"].sum())

LEVEL_WORDS = {
    "council": "the place's own councils' accounts",
    "local body": "local bodies serving the place (police force, fire authority, ICB, GLA...), shared within their "
                  "own area by a named driver",
    "carried forward": "bodies' latest accounts carried forward to this year by a named driver",
    "region": "HM Treasury's regional totals shared among the region's authorities by a named driver",
}
"""Whose accounts a count line rests on (the ``level`` column of public spend lines), in words."""

LOCAL_LEVELS = ("council", "local body", "carried forward")


@passes_gaps
def level_split(spend: pd.DataFrame) -> pd.DataFrame:
    """Spend (£) and share of the count by whose accounts it comes from (:data:`LEVEL_WORDS`), in order.

    A gap on data whose lines do not say (the sample and analysts' own tables)."""
    if "level" not in spend or spend["level"].isna().all():
        return Missing("these spend lines do not say whose accounts they come from (only the public dataset's "
                       "count does).")
    if (gap := _all_zero(spend)) is not None:
        return gap
    by = spend.groupby("level")["amount_gbp"].sum()
    out = by.reindex([lv for lv in LEVELS if lv in by.index]).rename_axis("level").reset_index()
    out["counted_from"] = out["level"].map(LEVEL_WORDS)
    out["share"] = out["amount_gbp"] / spend["amount_gbp"].sum()
    return out[["level", "counted_from", "amount_gbp", "share"]]


@passes_gaps
def reported_share(spend: pd.DataFrame) -> float:
    """Share (0-1) of the count from the place's own councils' accounts (reported, not carried forward)."""
    if "level" not in spend or spend["level"].isna().all():
        return Missing("these spend lines do not say whose accounts they come from (only the public dataset's "
                       "count does).")
    if (gap := _all_zero(spend)) is not None:
        return gap
    mine = spend["level"].eq("council") & spend["basis"].eq("reported")
    return float(spend.loc[mine, "amount_gbp"].sum() / spend["amount_gbp"].sum())


@passes_gaps
def local_share(spend: pd.DataFrame) -> float:
    """Share (0-1) of the count from the place's councils plus the local bodies serving it (police force, fire
    authority, ICB...) and bodies' accounts carried forward: everything but regional totals shared out."""
    if "level" not in spend or spend["level"].isna().all():
        return Missing("these spend lines do not say whose accounts they come from (only the public dataset's "
                       "count does).")
    if (gap := _all_zero(spend)) is not None:
        return gap
    return float(spend.loc[spend["level"].isin(LOCAL_LEVELS), "amount_gbp"].sum() / spend["amount_gbp"].sum())

BIG_THREE = ("Social protection", "Education", "Health")
"""The functions the pilots found took 70-80% of public spend in a place (HM Treasury & CLG 2010)."""


@passes_gaps
def function_share(spend: pd.DataFrame, functions: tuple[str, ...] = BIG_THREE) -> float:
    """Share (0-1) of spend in the given COFOG functions; a gap if the lines carry no function."""
    if "function" not in spend or spend["function"].isna().all():
        return Missing("these spend lines carry no COFOG function (only the real count's lines do).")
    if (gap := _all_zero(spend)) is not None:
        return gap
    return float(spend.loc[spend["function"].isin(functions), "amount_gbp"].sum() / spend["amount_gbp"].sum())


@passes_gaps
def council_discretionary(spend: pd.DataFrame) -> float:
    """Council spend flagged discretionary (£): the slice a council could redirect itself."""
    mask = (spend["agency"] == "Council") & spend["discretionary"].astype(bool)
    return float(spend.loc[mask, "amount_gbp"].sum())


@dataclass(frozen=True)
class Scope:
    """What a place's total for a year is: the whole count, or something less, said in words.

    ``kind`` is ``count`` (every agency HM Treasury's regional analysis identifies for the place that year),
    ``partial`` (less: ``missing`` names what is not there) or ``illustrative`` (the synthetic sample).
    """

    kind: str
    title: str
    note: str = ""
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.kind == "count"


@passes_gaps
def count_years(ds: Dataset) -> tuple[int, ...]:
    """Years in which the dataset holds the whole count (every agency HM Treasury's Country and Regional
    Analysis identifies), from the ingest's manifest; every spend year for the sample."""
    if ds.illustrative:
        return tuple(sorted(int(y) for y in ds.spend["year"].unique()))
    from totalplace_lib.data.datasets import manifest

    years = manifest(ds.name).get("count", {}).get("cra_years", [])
    return tuple(sorted(int(str(y)[:4]) for y in years))


@passes_gaps
def scope(ds: Dataset, place: Place, year: int, spend: pd.DataFrame) -> Scope:
    """Whether a place's spend lines for a year are the whole count, and its honest title.

    The count is whole when the year is one HM Treasury's regional analysis covers and the place has every
    agency the other authorities of its region have that year; anything less is titled as what it is.
    """
    if ds.illustrative:
        return Scope("illustrative", "the illustrative count", "synthetic sample data, calibrated to published "
                                                               "Total Place headline figures")
    if year not in count_years(ds):
        covered = count_years(ds)
        span = fy_span(covered[0], covered[-1]) if covered else "no year"
        return Scope("partial", "spend in the bodies' own accounts (not the whole count)",
                     f"HM Treasury's Country and Regional Analysis, which counts every agency, covers {span} in "
                     f"these files, not {fy_label(year)}: the total holds only the lines the bodies' own accounts "
                     "give.", ("every central government agency",))
    region = _region_agencies(ds, year).get(region_of(ds, place), set())
    mine = set(spend.loc[spend["amount_gbp"] > 0, "agency"])
    missing = tuple(sorted(region - mine))
    if missing:
        return Scope("partial", "spend counted so far (not the whole count)",
                     f"{len(missing)} of the agencies with spend in the rest of the region have none here: "
                     f"{', '.join(missing)}.", missing)
    return Scope("count", "the Total Place count", f"every agency HM Treasury's regional analysis identifies in the "
                                                   f"region in {fy_label(year)} ({len(mine)} agencies)")


@passes_gaps
def region_of(ds: Dataset, place: Place) -> str:
    """The region of a place (of its first authority the areas table places in one), or "" if none."""
    regions = ds.areas.set_index("area_code")["region"]
    found = [regions.get(c) for c in place.area_codes if c in regions.index]
    return found[0] if found else ""


def _region_agencies(ds: Dataset, year: int) -> dict[str, set[str]]:
    """Region name -> the agencies with spend in any of its authorities in a year (once per dataset version)."""
    def make() -> dict[str, set[str]]:
        sp = ds.spend
        s = sp[(sp["year"] == year) & (sp["amount_gbp"] > 0) & (sp["area_code"] != ENGLAND_CODE)]
        region = s["area_code"].map(ds.areas.set_index("area_code")["region"])
        return {r: set(g) for r, g in s["agency"].groupby(region)}
    return remembered(ds, ("region_agencies", year), make)


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
    reported_share: float | None = None  # None when the lines do not say whose accounts they are (the sample)
    local_share: float | None = None
    scope: Scope | None = None

    @property
    def title(self) -> str:
        """What this total is called: 'the Total Place count' only when it counts every agency."""
        return self.scope.title if self.scope is not None else "the count"

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


@handles_gaps
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
        reported_share=None if isinstance(r := reported_share(spend), Missing) else r,
        local_share=None if isinstance(loc := local_share(spend), Missing) else loc,
    )


@handles_gaps
def high_level_count(ds: Dataset, place: Place, year: int) -> Count:
    """Compute the Total Place high-level count for a place.

    Returns
    -------
    Count
        Population, total spend (£), spend per head (£), preventive share (0-1),
        council and council discretionary spend (£), price year and sources.
    """
    pop, pop_year = population_nearest(ds, place.area_codes, year)
    spend = place_spend(ds, place, year)
    return replace(count_of(spend, place.name, year, pop, pop_year), scope=scope(ds, place, year, spend))

THEME_POPULATION_GAP = 3
"""A theme's per-head figures use a population estimate at most this many years from the report's year
(2017/18 reports use mid-2020); further off, per head is a gap rather than a figure mixing distant years."""


@handles_gaps
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
                      f"{fy_label(year)}" + (f" (its spend lines that year are for: {', '.join(held)})"
                                                         if held else "") + ".")
        return gap, MissingCount(gap.reason, period_label(year))
    pop, pop_year = population_nearest(ds, place.area_codes, year, ages, max_gap=THEME_POPULATION_GAP)
    return s, count_of(s, place.name, year, pop, pop_year)


@passes_gaps
def key_figures(c: Count, dataset: str) -> dict[str, dict]:
    """The place overview's recorded figures (value, unit, period, source each)."""
    from totalplace_lib.core.figures import figure

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
        "reported_share": figure(c.reported_share, "proportion", period, src,
                                 "Share of the count from the place's own councils' accounts",
                                 missing="" if c.reported_share is not None else "the lines do not say whose accounts "
                                                                                 "they come from (illustrative or "
                                                                                 "local data)"),
        "local_share": figure(c.local_share, "proportion", period, src,
                              "Share of the count from the place's councils and the local bodies serving it",
                              missing="" if c.local_share is not None else "the lines do not say whose accounts "
                                                                           "they come from (illustrative or local "
                                                                           "data)"),
        "social_protection_education_health_share": figure(
            c.big_three_share, "proportion", period, src, "Share of the count on social protection, education "
                                                          "and health",
            missing="" if c.big_three_share is not None else "these spend lines carry no COFOG function (only "
                                                                  "the public dataset's count has them)"),
    }
