"""What a place's count rests on, for the report to show: where the bodies' own accounts replaced a regional
share (the reconciliation), the drivers each apportioned line was shared by, the NHS lines shared by need,
the bodies whose accounts are missing and the years carried forward."""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.periods import fy_label
from totalplace_lib.data.datasets import Dataset
from totalplace_lib.data.places import Place
from totalplace_lib.methods.count import region_of


@passes_gaps
def reconciliation(ds: Dataset, place: Place, year: int) -> pd.DataFrame:
    """Apportioned local-government spend against the councils' own outturn, by service group (£).

    Returns :class:`~totalplace_lib.gaps.Missing` on datasets without a top-down count.
    """
    from totalplace_lib.data.datasets import optional_table

    r = optional_table(ds.name, "reconciliation")
    if r is None:
        return Missing(f"dataset '{ds.name}' has no top-down count to reconcile (only the public dataset "
                       "apportions HM Treasury's regional figures).")
    r = r[r["area_code"].isin(place.area_codes) & (r["year"] == year)]
    if r.empty:
        return Missing(f"no council outturn replaced apportioned spend for {place.name} in {fy_label(year)}: "
                       "the dataset's manifest lists the Revenue Outturn years it holds (data/processed/"
                       f"{ds.name}/manifest.json).")
    out = r.groupby(["group", "reported_from", "counted"], as_index=False, dropna=False)[
        ["apportioned_gbp", "reported_gbp", "difference_gbp"]].sum(min_count=1)
    return out.sort_values(["counted", "reported_gbp"], ascending=[False, False]).reset_index(drop=True)


@passes_gaps
def drivers(ds: Dataset, place: Place, year: int) -> pd.DataFrame:
    """How the place's apportioned spend was shared out: each driver with its spend (£), share of the
    count and the services it carries. A gap on data with no apportioned lines."""
    s = ds.rows("spend", place.area_codes, year)
    a = s[s["basis"] == "apportioned"]
    if a.empty:
        return Missing(f"no spend of {place.name} in {fy_label(year)} is apportioned: every line is "
                       "the bodies' own figure for the place (or the sample's illustration).")

    def services(x: pd.Series) -> str:
        names = sorted(set(x))
        return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")

    out = a.groupby("driver", as_index=False).agg(amount_gbp=("amount_gbp", "sum"), services=("service", services))
    out["share"] = out["amount_gbp"] / s["amount_gbp"].sum()
    return out.sort_values("amount_gbp", ascending=False).reset_index(drop=True)[
        ["driver", "services", "amount_gbp", "share"]]


@passes_gaps
def nhs_by_need(ds: Dataset, place: Place, year: int) -> pd.DataFrame:
    """The NHS in the count by need: the place's share of its integrated care boards' allocations (shared by its
    GP practices' needs-weighted population) beside the population-and-need share of HM Treasury's regional NHS
    line it replaces, and the region's CRA NHS current spending beside the ICB allocations it holds (£)."""
    s = ds.rows("spend", place.area_codes, year)
    icb = s[s["agency"].eq("NHS") & s["service"].str.contains(" ICB, ", regex=False)]
    if icb.empty:
        return Missing(f"NHS England's allocations to integrated care boards are in the count for 2023/24 on; in "
                       f"{fy_label(year)} the NHS lines are HM Treasury's regional NHS spending shared by population "
                       "weighted by need (the driver is named in Sources).")
    from totalplace_lib.data.datasets import optional_table

    rec = optional_table(ds.name, "reconciliation")
    region = region_of(ds, place)
    codes = tuple(ds.areas.loc[ds.areas["region"] == region, "area_code"])
    r = ds.spend[ds.spend["area_code"].isin(codes) & (ds.spend["year"] == year) & ds.spend["agency"].eq("NHS")
                 & ds.spend["spend_type"].eq("current")]
    region_icb = float(r.loc[r["service"].str.contains(" ICB, ", regex=False), "amount_gbp"].sum())
    replaced = rec[(rec["group"] == "NHS (ICB allocations)") & (rec["year"] == year)] if rec is not None else None
    region_cra = float(r["amount_gbp"].sum()) - region_icb + (
        float(replaced.loc[replaced["area_code"].isin(codes), "apportioned_gbp"].sum()) if replaced is not None else 0)
    mine_replaced = float(replaced.loc[replaced["area_code"].isin(place.area_codes), "apportioned_gbp"].sum()) \
        if replaced is not None else float("nan")
    boards = sorted(icb["service"].str.split(",").str[0].str.removeprefix("NHS: ").unique())
    rows = [
        (f"{place.name}: its ICBs' allocations, shared by need ({', '.join(boards)})",
         float(icb["amount_gbp"].sum())),
        (f"{place.name}: the same amount of HM Treasury's regional NHS line shared by population x need",
         mine_replaced),
        (f"{region}: HM Treasury's NHS current spending (CRA)", region_cra),
        (f"{region}: ICB allocations to its authorities (shared by need)", region_icb),
    ]
    return pd.DataFrame(rows, columns=["what", "amount_gbp"])


@passes_gaps
def missing_accounts(ds: Dataset) -> list[dict]:
    """Bodies whose Revenue Outturn return is missing, by year, with what the count used instead (from the
    ingest's manifest); [] for datasets without a count."""
    from totalplace_lib.data.datasets import manifest

    return list(manifest(ds.name).get("count", {}).get("missing_accounts", []))


@passes_gaps
def carried_years(ds: Dataset) -> dict[str, str]:
    """Count years with no Revenue Outturn in the files -> the outturn year carried forward to them."""
    from totalplace_lib.data.datasets import manifest

    return dict(manifest(ds.name).get("count", {}).get("carried_years", {}))
