"""The sources appendix: every table and unit cost a report used, with its price year."""

from __future__ import annotations

import pandas as pd

from totalplace_lib.core import paths
from totalplace_lib.core.gaps import Missing, handles_gaps, passes_gaps
from totalplace_lib.data.datasets import Dataset, table_path


@handles_gaps
def sources_table(ds: Dataset, used: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (table, source, price year) actually used by a report.

    Parameters
    ----------
    ds : Dataset
        The dataset the report read.
    used : dict
        Table name -> the rows the report used (needs a ``source`` column; ``price_year``
        is shown when present).

    Returns
    -------
    DataFrame
        Columns: table, file, source, price_year, rows.
    """
    rows = []
    for name, frame in used.items():
        if isinstance(frame, Missing):  # a table the report could not use
            continue
        file = paths.relative(table_path(name, ds.name))
        local = paths.local_dir(ds.name)
        cols = ["source"] + [c for c in ("price_year", "basis") if c in frame.columns]
        grouped = frame.groupby(cols, dropna=False).size().reset_index(name="rows")
        for _, r in grouped.iterrows():
            b = r.get("basis", "illustrative" if ds.illustrative else "reported")
            rows.append({"table": name, "file": paths.relative(local / f"{name}.csv") if b == "local" and local
                         else file, "source": r["source"], "basis": b,
                         "price_year": r.get("price_year", "n/a (counts)"), "rows": int(r["rows"])})
    return pd.DataFrame(rows, columns=["table", "file", "source", "basis", "price_year", "rows"])


HEADERS = {"table": "Table", "file": "File", "source": "Source (an estimate's method)", "basis": "Basis",
           "price_year": "Price year", "rows": "Rows used"}
"""Column headings of the sources table in reports."""


UNIT_COST_HEADERS = {"cost_id": "Cost id", "description": "What it costs", "agency": "Who bears it", "unit": "Unit",
                     "cost_gbp": "Cost as published", "price_year": "Price year", "source": "Source",
                     "confidence": "Evidence grade (1 best - 5)"}
"""Column headings of the unit-costs table in reports (the uprated column is named with its price year)."""


@passes_gaps
def unit_costs_used(cost_ids, price_year: str) -> pd.DataFrame:
    """The unit costs a report used: value as published, its price year, value uprated, source and grade."""
    from totalplace_lib.methods.costs import unit_costs

    uc = unit_costs(price_year)
    t = uc[uc["cost_id"].isin(set(cost_ids))]
    return t[["cost_id", "description", "agency", "unit", "cost_gbp", "price_year", "cost_uprated_gbp", "source",
              "confidence"]].sort_values("cost_id").reset_index(drop=True)


ASSUMPTION_HEADERS = {"assumption": "Assumption", "unit": "Unit", "stated": "As stated", "price_year": "Price year",
                      "source": "Source", "grade": "Evidence grade (1 best - 5)"}
"""Column headings of the assumptions table in reports (the uprated column is named with its price year)."""


@passes_gaps
def assumptions_used(theme: str, price_year: str):
    """The theme's stated assumptions (``data/reference/assumptions/<theme>.yaml``) for the sources appendix, money
    uprated to ``price_year``; shown with :data:`ASSUMPTION_HEADERS` and ``at_report_prices`` as money."""
    from totalplace_lib.methods.assumptions import table

    return table(theme, price_year).drop(columns="key")
