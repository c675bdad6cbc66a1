"""Customer-journey costing: each contact a person has with a public service, times its unit cost.

The event -> unit cost mapping lives in ``data/reference/event_costs.csv`` (one event may
carry several costs, e.g. a year on JSA = the benefit paid + DWP administration). Unit
costs are uprated to the report's price year with the GDP deflator (:mod:`costs`).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from totalplace_lib.core import paths, reference
from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.methods import costs


@lru_cache(maxsize=1)
def event_cost_map() -> pd.DataFrame:
    """The event -> (cost_id, quantity) mapping."""
    return reference.table("event_costs.csv")


@passes_gaps
def contact_costs(events: pd.DataFrame, price_year: str) -> pd.DataFrame:
    """Cost each event row: count x quantity x unit cost (£ at ``price_year``).

    Returns
    -------
    DataFrame
        The event rows (one per row and cost) with ``cost_id``, ``unit_cost_gbp``, ``cost_gbp``,
        ``cost_agency`` (the agency that bears the unit cost) and ``unit_cost_source``.

    Raises
    ------
    DataValidationError
        If an event has no unit cost in the mapping (naming the event).
    """
    m = event_cost_map()
    unknown = sorted(set(events["event"].unique()) - set(m["event"]))
    if unknown:
        raise DataValidationError(f"no unit cost for event(s) {', '.join(unknown)}; add them to the mapping",
                                  file=paths.relative(reference.path("event_costs.csv")), column="event")
    uc = costs.unit_costs(price_year).set_index("cost_id")
    out = events.merge(m, on="event", how="left")
    out["unit_cost_gbp"] = out["cost_id"].map(uc["cost_uprated_gbp"])
    out["cost_agency"] = out["cost_id"].map(uc["agency"])
    out["unit_cost_source"] = out["cost_id"].map(uc["source"])
    out["unit_cost_price_year"] = out["cost_id"].map(uc["price_year"])
    out["cost_gbp"] = out["count"] * out["quantity"] * out["unit_cost_gbp"]
    return out


@passes_gaps
def typical_year(costed: pd.DataFrame, people: int) -> pd.DataFrame:
    """Average contacts and cost per person per year, by event and agency (largest cost first).

    ``people`` is the cohort size (people with no contact of a type still count in the average).
    """
    g = costed.groupby(["agency", "event", "cost_id"], as_index=False).agg(
        contacts=("count", "sum"), unit_cost_gbp=("unit_cost_gbp", "first"), cost_gbp=("cost_gbp", "sum"),
        price_year=("unit_cost_price_year", "first"))
    g["contacts_per_person"] = g["contacts"] / people
    g["cost_per_person_gbp"] = g["cost_gbp"] / people
    return g.sort_values("cost_per_person_gbp", ascending=False).reset_index(drop=True)
