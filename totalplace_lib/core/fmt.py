"""Formatting numbers for prose and charts: money as money, shares as per cent."""

from __future__ import annotations

import math


def money(value: float, precision: int | None = None) -> str:
    """Format pounds compactly: ``£82.0bn``, ``£112m``, ``£448,000``, ``£7,321``.

    Parameters
    ----------
    value : float
        Amount in pounds.
    precision : int, optional
        Decimal places for the bn/m forms (default 1 for bn, 1 below £100m, else 0).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e9:
        p = 1 if precision is None else precision
        return f"{sign}£{v / 1e9:,.{p}f}bn"
    if v >= 1e6:
        p = (1 if v < 1e8 else 0) if precision is None else precision
        return f"{sign}£{v / 1e6:,.{p}f}m"
    return f"{sign}£{v:,.0f}"


def money_tick(value: float) -> str:
    """Short £ label for chart axes: ``£1.2bn``, ``£400m``, ``£250k``, ``£8,000`` (no trailing zeros).

    Thousands from £10,000 read ``£250k``: written in full they were as wide as three ticks, and a money
    axis read "£250,000£500,000£750,000".
    """
    v = abs(value)
    sign = "-" if value < 0 else ""
    if v >= 1e9:
        return f"{sign}£{v / 1e9:.3g}bn"
    if v >= 1e6:
        return f"{sign}£{v / 1e6:.3g}m"
    if v >= 1e4:
        return f"{sign}£{v / 1e3:.3g}k"
    return f"{sign}£{v:,.0f}"


def share(value: float, precision: int = 1) -> str:
    """Format a proportion (0-1) as a percentage: ``0.268`` -> ``26.8%``; a gap reads "not available"."""
    from totalplace_lib.core.gaps import Missing

    if isinstance(value, Missing):
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value * 100:.{precision}f}%"


def count(value: float) -> str:
    """Format a count with thousands separators, or in millions above 10m (``11.2 million``)."""
    if value >= 1e7:
        return f"{value / 1e6:.1f} million"
    return f"{value:,.0f}"


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``2`` -> ``2nd``, ``13`` -> ``13th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def safe_markdown(text: str) -> str:
    """Neutralise HTML in Markdown built from data (place or service names): ``<`` and ``&`` become entities.

    Markdown syntax (``**``, ``> `` quotes, lists) still works; a name like ``<script>`` shows as text.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;")


def by_unit(value: float, unit: str) -> str:
    """Format a value by its unit: ``GBP`` as money, ``proportion`` as per cent, else a count."""
    if unit.startswith("GBP"):
        return money(value)
    if unit == "proportion":
        return share(value)
    return count(value)


EXCEL_MONEY = '"£"#,##0;-"£"#,##0'
"""Excel's number format for pounds in the reports' workbooks (the numbers stay numbers)."""
EXCEL_SHARE = "0.0%"
"""Excel's number format for shares."""
