"""The basis of a figure: what it rests on, from a body's own accounts to the illustrative sample.

Every spend line and activity count carries a ``basis`` (:data:`schema.BASES`); a figure computed
from several inputs rests on the *weakest* of them (an estimate times a reported count is an
estimate). Reports and key-figure records state it, so a reader can tell a council's own accounts
from a regional share, a documented estimate, the analyst's own records or the synthetic sample.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from totalplace_lib.core.gaps import Missing

COUNTY_SHARE = " (county council's, shared)"
"""On current boundaries, the suffix of a district's share of its county council's line (the district's own accounts
keep the line's name)."""
_PART = re.compile(r" \((?:county council's, shared|reported part|apportioned part|estimated part|local part)\)$")


def part_suffix(basis: str) -> str:
    """The suffix of one basis's part of a line where a place holds parts of different bases (``(apportioned
    part)``), so each stays its own line."""
    return f" ({basis} part)"


def base_service(service: str) -> str:
    """A service's name without the suffixes a part of a line carries on current boundaries: a theme that names
    ``Adult social care`` takes a district's share of the county's line too."""
    while True:
        stripped = _PART.sub("", service)
        if stripped == service:
            return service
        service = stripped


STRENGTH = ("reported", "local", "apportioned", "estimated", "illustrative")
"""Bases from the strongest to the weakest evidence for a figure about this place."""

def of(*inputs: Any) -> str | None:
    """The weakest basis among ``inputs`` (frames with a ``basis`` column, or basis labels); None if none.

    Frames without rows, :class:`~totalplace_lib.gaps.Missing` values and None are skipped.
    """
    found: set[str] = set()
    for x in inputs:
        if isinstance(x, pd.DataFrame):
            if "basis" in x and len(x):
                found |= set(x["basis"].dropna())
        elif isinstance(x, str):
            found.add(x)
        elif isinstance(x, (list, tuple, set)):
            w = of(*x)
            if w:
                found.add(w)
    known = [b for b in STRENGTH if b in found]
    return known[-1] if known else None


def _rows(activity: pd.DataFrame, theme: str, measures=(), prefix: str | None = None) -> pd.DataFrame | None:
    """The activity rows of a theme for some measures, or those whose measure starts with ``prefix``."""
    if isinstance(activity, Missing) or activity is None or "basis" not in activity:
        return None
    pick = activity["measure"].str.startswith(prefix) if prefix else activity["measure"].isin(measures)
    return activity[(activity["theme"] == theme) & pick]


def of_measures(activity: pd.DataFrame, theme: str, measures: tuple[str, ...] | list[str]) -> str | None:
    """The weakest basis of the activity rows of some measures of a theme (None if there are none)."""
    return of(_rows(activity, theme, measures))


def of_prefix(activity: pd.DataFrame, theme: str, prefix: str) -> str | None:
    """The weakest basis of the activity rows of a theme whose measure starts with ``prefix``."""
    return of(_rows(activity, theme, prefix=prefix))


def sources_of(activity: pd.DataFrame, theme: str, measures: tuple[str, ...] | list[str]) -> list[str]:
    """The distinct sources (an estimate's method) of some measures' rows, for a report's method notes."""
    rows = _rows(activity, theme, measures)
    return [] if rows is None else list(dict.fromkeys(rows["source"]))
