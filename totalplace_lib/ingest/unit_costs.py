"""The New Economy Unit Cost Database (v1.2 CSV export) read into the ``unit_costs`` schema.

Reports use the curated ``data/reference/unit_costs.csv``; the whole database is kept beside the public
dataset (``unit_costs_ucd.csv``) for analysts looking up a cost the curated table lacks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from totalplace_lib.core.errors import DataValidationError

_UCD_AGENCY = {"local authority": "Council", "nhs": "NHS / PCT", "police": "Police", "dwp": "DWP / Jobcentre Plus",
               "probation": "Probation", "court": "Prisons and courts", "fire service": "Fire and rescue",
               "prison / young offenders institute": "Prisons and courts"}
_RAG_GRADE = {"G": 2, "A": 3, "R": 4}


def read_unit_cost_database(path: Path) -> pd.DataFrame:
    """Read the New Economy Unit Cost Database (v1.2 CSV export) into the ``unit_costs`` schema.

    Costs are the database's own 2013/14-price values; its RAG rating becomes a
    confidence grade (G=2, A=3, R=4). Duplicate cost codes in the source get a
    ``#2`` suffix so keys stay unique.

    Raises
    ------
    DataValidationError
        If expected columns are missing or a cost is not a valid amount.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = {"cost_code", "description", "agency_level1", "unit", "cost_2013_14_prices", "source", "rag"}
    missing = need - set(raw.columns)
    if missing:
        raise DataValidationError(f"not a Unit Cost Database export: missing {', '.join(sorted(missing))}",
                                  file=str(path), line=1)
    ids = raw["cost_code"].str.strip()
    seen: dict[str, int] = {}
    unique = []
    for c in ids:
        seen[c] = seen.get(c, 0) + 1
        unique.append(c if seen[c] == 1 else f"{c}#{seen[c]}")
    out = pd.DataFrame({
        "cost_id": ["UCD_" + c for c in unique],
        "description": raw["description"],
        "agency": [_UCD_AGENCY.get(a.strip().lower(), a.strip() or "Multiple") for a in raw["agency_level1"]],
        "unit": raw["unit"].replace("", "each"),
        "cost_gbp": raw["cost_2013_14_prices"],
        "price_year": "2013/14",
        "source": "New Economy Unit Cost Database v1.2: " + raw["source"].str.slice(0, 200),
        "confidence": [str(_RAG_GRADE.get(r.strip().upper(), 4)) for r in raw["rag"]],
    })
    out = out[out["cost_gbp"].str.strip() != ""]
    from totalplace_lib.core.schema import validate

    return validate(out.reset_index(drop=True), "unit_costs", file=str(path))
