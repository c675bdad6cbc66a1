"""Indicators published only for districts, built up to any place made of whole districts.

The ingest keeps district rates on their own codes with their residents (``district_indicators``,
:mod:`totalplace_lib.ingest.district_values`). A place made of whole districts -- a county from its districts,
Dorset, Poole & Bournemouth from Bournemouth, Christchurch and Poole and Dorset (2019), England from every
district -- gets the population-weighted mean of its districts' values: an *estimate*, since a rate's own
denominator is not published (for a rate per resident it is exact).
"""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.schema import ENGLAND_CODE, TABLES
from totalplace_lib.data.datasets import Dataset, optional_table, remembered


def _by_district(ds: Dataset, name: str) -> pd.DataFrame:
    """One of the tables ingest keeps on districts' own codes (``district_indicators``, ``district_population``),
    with ``covers`` as a set of 2014 upper-tier codes; empty when the dataset's ingest kept none."""
    def make() -> pd.DataFrame:
        t = optional_table(ds.name.split("+", 1)[0], name)
        if t is None:
            return pd.DataFrame(columns=TABLES[name].column_names)
        t = t.assign(covers=t["covers"].str.split("+").map(frozenset))
        return t.assign(period=t["period"].astype(str)) if "period" in t.columns else t
    return remembered(ds, (name,), make)


def table(ds: Dataset) -> pd.DataFrame:
    """The dataset's district values (empty when its ingest kept none)."""
    return _by_district(ds, "district_indicators")


@passes_gaps
def weighted(ds: Dataset, codes: tuple[str, ...], indicator: str, period: str) -> dict | Missing:
    """The population-weighted mean of the districts that make up ``codes`` (2014 upper-tier codes, or England).

    Returns
    -------
    dict
        ``value``, ``districts`` (how many), ``how`` (a sentence naming the method and weights), ``source``;
        :class:`Missing` if no district values are held, or a district straddles the place's boundary.
    """
    t = table(ds)
    rows = t[(t["indicator"] == indicator) & (t["period"] == str(period))]
    if rows.empty:
        return Missing(f"no district values of '{indicator}' ({period}) in dataset '{ds.name}'.")
    if codes != (ENGLAND_CODE,):
        want = frozenset(codes)
        inside = rows["covers"].map(lambda c: c <= want)
        straddle = rows["covers"].map(lambda c: bool(c & want) and not c <= want)
        if straddle.any():
            return Missing(f"'{indicator}' is published for districts, and {', '.join(rows.loc[straddle, 'area_code'])}"
                           " lies only partly in this place, so its value cannot be built up.")
        rows = rows[inside]
        covered = frozenset().union(*rows["covers"]) if len(rows) else frozenset()
        if covered != want:
            return Missing(f"'{indicator}' ({period}) has no district values for {', '.join(sorted(want - covered))}.")
    w = rows["weight"].astype(float)
    years = sorted(set(rows["weight_year"].astype(int)))
    return {"value": float((rows["value"] * w).sum() / w.sum()), "districts": len(rows),
            "how": f"mean of {len(rows)} districts' published values weighted by their residents "
                   f"(mid-{'/'.join(map(str, years))})",
            "source": "; ".join(sorted(set(rows["source"])))}


def population_table(ds: Dataset) -> pd.DataFrame:
    """Residents of authorities the 2014 geography cannot hold whole, on their own codes (empty if none)."""
    return _by_district(ds, "district_population")


def _persons(rows: pd.DataFrame, ages: tuple[int, int] | None) -> float | None:
    """One district-year's residents in ``ages`` (all ages if None), or None if its rows cannot say."""
    single = rows[rows["age_to"].isna()]
    if len(single):
        if ages is None:
            return float(single["persons"].sum())
        return float(single.loc[(single["age"] >= ages[0]) & (single["age"] <= ages[1]), "persons"].sum())
    band = rows[(rows["age"] == 0) & (rows["age_to"] >= 90)]
    return float(band["persons"].iloc[0]) if ages is None and len(band) else None


@passes_gaps(returns=2)
def population_nearest(ds: Dataset, codes: tuple[str, ...], year: int,
                       ages: tuple[int, int] | None = None) -> tuple[float | Missing, int]:
    """Residents of a place made of whole districts, from the year nearest ``year`` that covers all of it.

    Returns
    -------
    (persons, population year)
        :class:`Missing` if the place's authorities are not exactly a set of districts held in some year.
    """
    t = population_table(ds)
    want = frozenset(codes)
    rows = t[t["covers"].map(lambda c: bool(c & want))]
    if rows.empty or not rows["covers"].map(lambda c: c <= want).all():
        return Missing(f"dataset '{ds.name}' has no residents for {', '.join(codes)} built from whole "
                       "districts."), year
    for y in sorted(set(rows["year"].astype(int)), key=lambda y: (abs(y - year), y)):
        mine = rows[rows["year"] == y]
        if frozenset().union(*mine["covers"]) != want:
            continue
        counts = [_persons(g, ages) for _, g in mine.groupby("area_code")]
        if all(c is not None for c in counts):
            return float(sum(counts)), int(y)
    return Missing(f"dataset '{ds.name}' has no year in which every district of {', '.join(codes)} has residents "
                   "by the ages needed."), year
