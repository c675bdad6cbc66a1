"""Unit costs and GDP-deflator uprating to one price year.

``value_target = value_source x D_target / D_source`` with ``D`` the HM Treasury GDP
deflator index for the financial year (``data/reference/gdp_deflators.csv``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .data import load_table
from .errors import DataValidationError
from .schema import PRICE_YEAR


@lru_cache(maxsize=1)
def deflators() -> pd.Series:
    """GDP deflator index by financial year (``'2009/10'`` -> index, 2013/14 = 100)."""
    path = paths.reference_dir() / "gdp_deflators.csv"
    df = pd.read_csv(path, dtype={"financial_year": str})
    for i, (fy, v) in enumerate(zip(df["financial_year"], df["index_2013_14"], strict=True)):
        if not PRICE_YEAR.match(fy) or not v > 0:
            raise DataValidationError(f"bad deflator row ({fy}, {v})", file=paths.relative(path), line=i + 2)
    return df.set_index("financial_year")["index_2013_14"]


def uprate(value: float, from_year: str, to_year: str) -> float:
    """Express a £ amount from one price year in another (GDP deflator).

    Parameters
    ----------
    value : float
        Pounds at ``from_year`` prices.
    from_year, to_year : str
        Financial years like ``'2009/10'``.

    Raises
    ------
    KeyError
        If a year is outside the deflator table (the message lists the range).
    """
    d = deflators()
    for y in (from_year, to_year):
        if y not in d.index:
            raise KeyError(f"no GDP deflator for {y}; table covers {d.index[0]} to {d.index[-1]}")
    return float(value) * float(d[to_year]) / float(d[from_year])


def unit_costs(price_year: str | None = None) -> pd.DataFrame:
    """The curated unit-cost table, optionally with ``cost_uprated_gbp`` at ``price_year`` prices."""
    uc = load_table("unit_costs")
    if price_year:
        uc["cost_uprated_gbp"] = [uprate(c, py, price_year) for c, py in zip(uc["cost_gbp"], uc["price_year"],
                                                                            strict=True)]
        uc["uprated_to"] = price_year
    return uc


def unit_cost(cost_id: str, price_year: str | None = None) -> float:
    """One unit cost (£), uprated to ``price_year`` if given.

    Raises
    ------
    KeyError
        Naming the unknown id and a few close ones.
    """
    uc = load_table("unit_costs").set_index("cost_id")
    if cost_id not in uc.index:
        close = [c for c in uc.index if cost_id.split("_")[0] in c][:5]
        raise KeyError(f"unknown unit cost '{cost_id}'" + (f"; similar: {', '.join(close)}" if close else ""))
    row = uc.loc[cost_id]
    return uprate(row["cost_gbp"], row["price_year"], price_year) if price_year else float(row["cost_gbp"])


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
    from .schema import validate

    return validate(out.reset_index(drop=True), "unit_costs", file=str(path))
