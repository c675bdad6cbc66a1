"""Units of published rates: the multiplier behind 'per 100,000' and its kin."""

from __future__ import annotations


def multiplier(unit: str) -> float:
    """Rate multiplier of an indicator unit: ``per 100,000`` -> 100000, ``proportion`` -> 1.

    Raises
    ------
    ValueError
        If the unit is neither ``proportion`` nor ``per <number>``.
    """
    if unit == "proportion":
        return 1.0
    return float(unit.replace("per", "").replace(",", "").strip())
