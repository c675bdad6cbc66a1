"""Concentration: how few people account for how much activity or cost (Pareto / Lorenz).

Counts are per person (offences, admissions, £). People are ranked from the most to the
least; the *Pareto curve* gives the share of the total accounted for by the top ``p`` of
people. Between whole people the curve is interpolated linearly, so the top 2% of 2,680
offenders (53.6 people) is well defined, ties do not matter (tied people contribute
equally whatever their order), and one person alone gives the diagonal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from totalplace_lib.core.gaps import passes_gaps

DEFAULT_SHARES = (0.01, 0.02, 0.05, 0.10)


@passes_gaps
def per_person(events: pd.DataFrame, event: str | None = None, value: str = "count") -> pd.Series:
    """Total of ``value`` per person (keyed by area and person id), optionally for one event type."""
    e = events if event is None else events[events["event"] == event]
    return e.groupby(["area_code", "person_id"])[value].sum()


@passes_gaps
def pareto_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Cumulative share of people (0-1) against cumulative share of the total (0-1), largest first.

    Starts at (0, 0) and ends at (1, 1); one row per person plus the origin.
    """
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    if v.size == 0 or v.sum() <= 0:
        raise ValueError("concentration needs at least one person with a positive count")
    people = np.concatenate([[0.0], np.arange(1, v.size + 1) / v.size])
    total = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    return pd.DataFrame({"people_share": people, "total_share": total})


@passes_gaps
def top_share(values: pd.Series | np.ndarray, share_of_people: float) -> float:
    """Share of the total (0-1) accounted for by the top ``share_of_people`` (0-1) of people."""
    if not 0 <= share_of_people <= 1:
        raise ValueError(f"share of people must be between 0 and 1, got {share_of_people}")
    c = pareto_curve(values)
    return float(np.interp(share_of_people, c["people_share"], c["total_share"]))


@passes_gaps
def concentration_table(values: pd.Series | np.ndarray, shares=DEFAULT_SHARES) -> pd.DataFrame:
    """Share of the total by the top 1%, 2%, 5% and 10% of people (and how many people that is)."""
    n = len(values)
    total = float(np.sum(values))
    rows = [{"top_people_share": s, "people": s * n, "total_share": top_share(values, s),
             "amount": top_share(values, s) * total} for s in shares]
    return pd.DataFrame(rows)


@passes_gaps
def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient (0 = everyone equal, towards 1 = one person has it all)."""
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size
    if n == 0 or v.sum() <= 0:
        raise ValueError("concentration needs at least one person with a positive count")
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * v.sum()))
