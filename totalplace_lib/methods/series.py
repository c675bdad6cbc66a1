"""A place's count since 2009/10: per resident by agency and in total, at one price year (real terms), beside
England's; and what the count's years rest on (bodies whose accounts are missing, years carried forward)."""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place
from totalplace_lib.methods.comparison import per_head_by_area
from totalplace_lib.methods.count import (
    basis_share,
    count_years,
    local_share,
    population_nearest,
    reported_share,
    scope,
)


@passes_gaps
def series(ds: Dataset, place: Place, price_year: str | None = None) -> pd.DataFrame:
    """The place's spend by agency for every year the data hold, nominal and in real terms, per resident.

    Parameters
    ----------
    price_year : str, optional
        Financial year whose prices the real-terms columns are in (default: the latest year's).

    Returns
    -------
    DataFrame
        One row per year and agency: ``year``, ``period``, ``agency``, ``amount_gbp`` (£, that year's
        prices), ``real_gbp`` (£ at ``price_year`` prices, GDP deflator), ``population`` and
        ``population_year`` (the place's, nearest year held), ``per_head_real_gbp``; ``attrs['price_year']``.
    """
    from totalplace_lib.methods.costs import deflators

    s = ds.area_rows("spend", place.area_codes)
    whole = count_years(ds)
    if whole and not ds.illustrative:  # a year that is not the whole count would read as a fall
        s = s[s["year"].isin(whole)]
    if s.empty:
        return Missing(f"no spend lines for {place.name} in dataset '{ds.name}'.")
    by = s.groupby(["year", "agency"], as_index=False)["amount_gbp"].sum()
    years = sorted(int(y) for y in by["year"].unique())
    price_year = price_year or fy_label(years[-1])
    d = deflators()
    pops = {y: population_nearest(ds, place.area_codes, y) for y in years}
    by["period"] = by["year"].map(fy_label)
    by["real_gbp"] = by["amount_gbp"] * float(d[price_year]) / by["period"].map(d).astype(float)
    by["population"] = by["year"].map({y: p for y, (p, _) in pops.items()})
    by["population_year"] = by["year"].map({y: py for y, (_, py) in pops.items()})
    known = by["population"].map(lambda p: not isinstance(p, Missing))
    by["per_head_real_gbp"] = None
    by.loc[known, "per_head_real_gbp"] = by.loc[known, "real_gbp"] / by.loc[known, "population"].astype(float)
    by.attrs["price_year"] = price_year
    return by[["year", "period", "agency", "amount_gbp", "real_gbp", "population", "population_year",
               "per_head_real_gbp"]]


@passes_gaps
def series_totals(ds: Dataset, place: Place, price_year: str | None = None) -> pd.DataFrame:
    """The place's count year by year: total (nominal and real), per resident (real), how much of it rests on
    the bodies' own accounts, and whether the year's total is the whole count.

    Returns
    -------
    DataFrame
        ``period``, ``total_gbp``, ``real_gbp``, ``population``, ``population_year``, ``per_head_real_gbp``,
        ``reported_share``, ``local_share``, ``apportioned_share``, ``scope`` (the year's honest title);
        ``attrs['price_year']``.
    """
    by = series(ds, place, price_year)
    if isinstance(by, Missing):
        return by
    s = ds.area_rows("spend", place.area_codes)
    rows = []
    for year, g in by.groupby("year"):
        lines = s[s["year"] == year]
        sc = scope(ds, place, int(year), lines)
        r, loc = reported_share(lines), local_share(lines)
        pop = g["population"].iloc[0]
        rows.append({"year": int(year), "period": fy_label(int(year)), "total_gbp": float(g["amount_gbp"].sum()),
                     "real_gbp": float(g["real_gbp"].sum()), "population": pop,
                     "population_year": int(g["population_year"].iloc[0]),
                     "per_head_real_gbp": None if isinstance(pop, Missing) else float(g["real_gbp"].sum()) / pop,
                     "reported_share": None if isinstance(r, Missing) else r,
                     "local_share": None if isinstance(loc, Missing) else loc,
                     "apportioned_share": basis_share(lines, "apportioned") if "basis" in lines else None,
                     "scope": sc.title})
    out = pd.DataFrame(rows)
    out.attrs["price_year"] = by.attrs["price_year"]
    return out


@passes_gaps
def england_series(ds: Dataset, price_year: str) -> pd.DataFrame:
    """England's spend per resident by agency and year (£ at ``price_year`` prices): every authority's lines
    summed, over England's population of the year (nearest held)."""
    def make() -> pd.DataFrame:
        from totalplace_lib.methods.costs import deflators

        s = ds.spend[ds.spend["area_code"] != ENGLAND_CODE]
        by = s.groupby(["year", "agency"], as_index=False)["amount_gbp"].sum()
        d = deflators()
        by["period"] = by["year"].map(fy_label)
        by["real_gbp"] = by["amount_gbp"] * float(d[price_year]) / by["period"].map(d).astype(float)
        pops = {}
        for y in sorted(by["year"].unique()):
            p, _ = population_nearest(ds, (ENGLAND_CODE,), int(y))
            if isinstance(p, Missing):  # no England row: the authorities' own populations summed
                p = per_head_by_area(ds, int(y))["population"].sum()
            pops[y] = float(p)
        by["per_head_real_gbp"] = by["real_gbp"] / by["year"].map(pops)
        return by
    return remembered(ds, ("england_series", price_year), make)


@passes_gaps
def series_table(totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`series_totals` as a reader's table: one row a year, money and shares ready to format."""
    if isinstance(totals, Missing):
        return totals
    t = totals[["period", "total_gbp", "real_gbp", "per_head_real_gbp", "reported_share", "local_share",
                "scope"]].copy()
    t.attrs = dict(totals.attrs)
    return t
