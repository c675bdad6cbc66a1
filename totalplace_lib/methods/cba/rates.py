"""The Green Book's discount rates and the optimism-bias table the cost-benefit engine applies, and the
value-for-money bands it reports (``data/reference/discount_rates.csv``, ``optimism_bias.csv``)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from totalplace_lib.core import reference

VFM_BANDS = ((1.0, "poor"), (1.5, "low"), (2.0, "medium"), (4.0, "high"), (float("inf"), "very high"))
"""BCR upper bounds of value-for-money bands (DfT convention): <1 poor, 1-1.5 low, 1.5-2 medium, 2-4 high, >=4."""


@lru_cache(maxsize=1)
def discount_schedule() -> pd.DataFrame:
    """Green Book discount rates by year band (``from_year``, ``to_year``, ``rate``, ``source``)."""
    return reference.table("discount_rates.csv")


def discount_rates(years: int, flat: float | None = None) -> np.ndarray:
    """Rate applying in each year 0..years-1 (``flat`` overrides the schedule)."""
    if flat is not None:
        return np.full(years, float(flat))
    sched = discount_schedule()
    t = np.arange(years)
    rates = np.full(years, float(sched["rate"].iloc[-1]))
    for _, row in sched.iloc[::-1].iterrows():
        rates[(t >= row["from_year"]) & (t <= row["to_year"])] = row["rate"]
    return rates


def discount_factors(years: int, flat: float | np.ndarray | None = None) -> np.ndarray:
    """Discount factors DF_t for t = 0..years-1 (DF_0 = 1).

    With ``flat`` an array of n rates, returns an (n, years) array.
    """
    if isinstance(flat, np.ndarray):
        r = np.broadcast_to(flat[:, None], (flat.size, years)).copy()
        r[:, 0] = 0.0
        return 1.0 / np.cumprod(1.0 + r, axis=1)
    r = discount_rates(years, flat).copy()
    r[0] = 0.0
    return 1.0 / np.cumprod(1.0 + r)


@lru_cache(maxsize=1)
def optimism_bias_table() -> pd.DataFrame:
    """Optimism bias by confidence grade (1 best .. 5 worst): ``cost_uplift`` and ``benefit_reduction``."""
    return reference.table("optimism_bias.csv").set_index("confidence")


def cost_multiplier(grade: int, scale: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Factor applied to costs of a confidence grade: 1 + scale x cost uplift."""
    return 1 + scale * float(optimism_bias_table().loc[grade, "cost_uplift"])


def benefit_kept(grade: int, scale: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Share of benefits kept for a confidence grade: 1 - scale x benefit reduction."""
    return 1 - scale * float(optimism_bias_table().loc[grade, "benefit_reduction"])


def vfm_band(bcr: float) -> str:
    """Value-for-money band of a benefit-cost ratio (no net cost: 'very high (no net cost)')."""
    if not np.isfinite(bcr):
        return "very high (no net cost)"
    return next(label for bound, label in VFM_BANDS if bcr < bound)
