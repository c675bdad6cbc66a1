"""Unit costs and GDP-deflator uprating to one price year.

``value_target = value_source x D_target / D_source`` with ``D`` the HM Treasury GDP
deflator index for the financial year (``data/reference/gdp_deflators.csv``).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from totalplace_lib.core import paths, reference
from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.core.schema import PRICE_YEAR
from totalplace_lib.data.datasets import load_table


@lru_cache(maxsize=1)
def deflators() -> pd.Series:
    """GDP deflator index by financial year (``'2009/10'`` -> index, 2013/14 = 100)."""
    path = reference.path("gdp_deflators.csv")
    df = reference.table("gdp_deflators.csv", dtype={"financial_year": str})
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
