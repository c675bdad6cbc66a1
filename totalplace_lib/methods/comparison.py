"""Places against each other: which places a report compares with (the pilots on the sample, the nearest
statistical neighbours on public data) and the one it sets beside its own; two side by side, every authority
per head (for the map), a place among its peers, ranked (£ a resident, one year and dataset)."""

from __future__ import annotations

import logging

import pandas as pd

from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place, code_place, is_code_place, list_slugs, load_place, load_places
from totalplace_lib.methods.count import (
    high_level_count,
    place_spend,
    theme_count,
)
from totalplace_lib.methods.neighbours import nearest

logger = logging.getLogger(__name__)


@passes_gaps
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


@passes_gaps
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


@passes_gaps
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
    from totalplace_lib.core.errors import ParamsError
    from totalplace_lib.data.places import check_place_data

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


@passes_gaps
def rank_of(table: pd.DataFrame, slug: str) -> int:
    """Rank on spend per head (1 = highest) of place ``slug`` in a :func:`compare_places` table."""
    return int(table.loc[table["slug"] == slug, "rank_per_head"].iloc[0])


@passes_gaps
def group_of(table: pd.DataFrame) -> str:
    """What the places in a :func:`compare_places` table are: "pilots" (sample) or "similar authorities"
    (the place and its nearest statistical neighbours on public data)."""
    return table.attrs.get("group", "pilots")


@passes_gaps
def peer_summary(table: pd.DataFrame) -> dict[str, float]:
    """Totals across a comparison table: population, spend (£) and pooled spend per head (£)."""
    pop = float(table["population"].sum())
    total = float(table["total_gbp"].sum())
    return {"population": pop, "total_gbp": total, "per_head_gbp": total / pop}


@passes_gaps
def comparators(place: Place, ds) -> list[Place]:
    """The place first, then the places its report compares with: the other pilots on the sample; its
    nearest statistical neighbours on public data."""
    if ds.illustrative:
        return [place, *(p for p in load_places(ds.name) if p.slug != place.slug)]
    peers = nearest(ds, place.area_codes)
    return [place, *(code_place(c, ds.areas, ds.name, place.year) for c in peers["area_code"])]


@passes_gaps
def pair_for(place: Place, ds, compare_with: str = "") -> Place:
    """The place to set beside ``place``: ``compare_with`` (a params slug, or GSS codes on public data), or by
    default the most similar: the nearest statistical neighbour on public data, the pilot closest in
    population on the sample.

    Raises
    ------
    ParamsError
        If ``compare_with`` names no place of the dataset.
    """
    if compare_with:
        if is_code_place(compare_with):
            return code_place(compare_with, ds.areas, ds.name, place.year)
        if compare_with not in list_slugs():
            raise ParamsError(f"compare_with '{compare_with}' is not a params file or GSS code; places: "
                              f"{', '.join(list_slugs())}", column="compare_with")
        return load_place(compare_with)
    others = comparators(place, ds)[1:]
    if not ds.illustrative or not others:
        return others[0] if others else place
    pop = ds.population.groupby("area_code")["persons"].sum()

    def size(p: Place) -> float:
        return float(pop.reindex(list(p.area_codes)).sum())

    return min(others, key=lambda p: abs(size(p) - size(place)))
