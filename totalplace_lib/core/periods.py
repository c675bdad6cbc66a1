"""Financial years: one way to write them and one way to read them.

A financial year is held as the calendar year it starts in (``2009`` is 1 April 2009 to 31 March
2010) and written ``2009/10`` wherever a reader sees it.
"""

from __future__ import annotations

import re

_PERIOD = re.compile(r"(\d{4})(?:[-/](\d{2}|\d{4})|(\d{2}))?")


def fy_label(start: int, short: bool = False) -> str:
    """The label of a financial year: ``2009`` -> ``2009/10``; ``1999`` -> ``1999/00``; ``short``: ``09/10``
    (for crowded chart axes)."""
    start = int(start)
    label = f"{start}/{str(start + 1)[-2:]}"
    return label[2:] if short else label


def period_label(year: int, kind: str = "fy") -> str:
    """The period label an input uses for a report year (2017 = 2017/18).

    ``fy``: a financial year (``2017/18``); ``march``: a count at 31 March that ends it (``2018``);
    ``calendar``: the calendar year it starts in (``2017``).
    """
    if kind == "fy":
        return fy_label(year)
    if kind == "march":
        return str(int(year) + 1)
    if kind == "calendar":
        return str(int(year))
    raise ValueError(f"unknown period kind '{kind}' (fy, march or calendar)")


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


def is_fy_label(text: object) -> bool:
    """True for a financial-year label exactly as :func:`fy_label` writes it (``2009/10``, not ``2009/11``)."""
    if not isinstance(text, str):
        return False
    try:
        return fy_label(fy_start(text)) == text
    except ValueError:
        return False


def fy_in(text: str, short: bool = False) -> int | None:
    """Financial-year start of the first year written like ``2009-10``, ``2009/10`` or ``2009_10`` in ``text``
    (the second part must be the year after the first), or None; ``short`` also reads ``0910``."""
    for m in re.finditer(r"((?:19|20)\d{2})\s*[-_/]\s*(\d{2})(?!\d)", str(text)):
        if (int(m.group(1)) + 1) % 100 == int(m.group(2)):
            return int(m.group(1))
    if short:
        for m in re.finditer(r"(?<!\d)(\d{2})(\d{2})(?!\d)", str(text)):
            if (int(m.group(1)) + 1) % 100 == int(m.group(2)):
                return 2000 + int(m.group(1))
    return None


def fy_span(first: int, last: int) -> str:
    """``2009/10 to 2024/25`` (or one label when the span is one year)."""
    return fy_label(first) if first == last else f"{fy_label(first)} to {fy_label(last)}"
