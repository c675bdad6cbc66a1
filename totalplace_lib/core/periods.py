"""Financial years: one way to write them and one way to read them.

A financial year is held as the calendar year it starts in (``2009`` is 1 April 2009 to 31 March
2010) and written ``2009/10`` wherever a reader sees it.
"""

from __future__ import annotations

import re

_PERIOD = re.compile(r"(\d{4})(?:[-/](\d{2}|\d{4})|(\d{2}))?")


def fy_label(start: int) -> str:
    """The label of a financial year: ``2009`` -> ``2009/10``; ``1999`` -> ``1999/00``."""
    start = int(start)
    return f"{start}/{str(start + 1)[-2:]}"


def fy_start(period: str) -> int:
    """Financial-year start from ``2009/10``, ``2009-10``, ``200910``, ``2009`` or ``2009-09-01/P1Y``.

    Raises
    ------
    ValueError
        If the text is not a period of one of those forms.
    """
    t = str(period).strip()
    m = _PERIOD.fullmatch(t) or re.match(r"(\d{4})-\d{2}-\d{2}/P1Y", t)
    if not m:
        raise ValueError(f"'{period}' is not a period like 2009/10 or 2009")
    return int(m.group(1))


def fy_span(first: int, last: int) -> str:
    """``2009/10 to 2024/25`` (or one label when the span is one year)."""
    return fy_label(first) if first == last else f"{fy_label(first)} to {fy_label(last)}"
