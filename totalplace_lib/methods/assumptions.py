"""The stated assumptions of each theme (``data/reference/assumptions/<theme>.yaml``).

Each assumption has a value, a unit, a source and an evidence grade; one that is money also has the
price year it is stated at, and is only ever read uprated to the report's price year (GDP deflator), so
a report for 2024/25 never mixes 2009/10 pounds with its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from totalplace_lib.core import fmt, paths, reference
from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.core.periods import is_fy_label
from totalplace_lib.methods.costs import uprate

_FIELDS = {"value", "unit", "price_year", "what", "source", "grade"}


@dataclass(frozen=True)
class Assumption:
    """One stated assumption: ``value`` in ``unit`` (money: £ at ``price_year``), with its source and grade."""

    key: str
    value: Any
    unit: str
    what: str
    source: str
    grade: int
    price_year: str | None = None

    @property
    def is_money(self) -> bool:
        """True if the value is £ (it then has a price year)."""
        return self.price_year is not None


@lru_cache(maxsize=8)
def assumptions(theme: str) -> dict[str, Assumption]:
    """Every assumption of a theme, by key, checked: a value, unit, source and grade 1-5; a price year for money.

    Raises
    ------
    DataValidationError
        Naming the file and the assumption that is incomplete.
    """
    name = f"assumptions/{theme}.yaml"
    shown = paths.relative(reference.path(name))
    doc = reference.document(name) or {}
    out = {}
    for key, d in doc.items():
        if not isinstance(d, dict) or set(d) - _FIELDS or not {"value", "unit", "what", "source", "grade"} <= set(d):
            raise DataValidationError(f"assumption '{key}' needs value, unit, what, source and grade (and price_year "
                                      "if it is money), nothing else", file=shown, column=key)
        money = "£" in d["unit"]
        if money != ("price_year" in d) or (money and not is_fy_label(d["price_year"])):
            raise DataValidationError(f"assumption '{key}': money (a unit in £) needs a price_year like '2009/10', "
                                      "and only money has one", file=shown, column=key)
        if d["grade"] not in (1, 2, 3, 4, 5):
            raise DataValidationError(f"assumption '{key}': grade must be 1 (best) to 5", file=shown, column=key)
        out[key] = Assumption(key=key, value=d["value"], unit=d["unit"], what=d["what"], source=d["source"],
                              grade=int(d["grade"]), price_year=d.get("price_year"))
    return out


def value(theme: str, key: str, price_year: str | None = None) -> Any:
    """The value of an assumption; money uprated to ``price_year`` (£).

    Raises
    ------
    KeyError
        If the theme states no such assumption.
    ValueError
        If the assumption is money and no price year is given.
    """
    a = assumptions(theme)[key]
    if not a.is_money:
        return a.value
    if price_year is None:
        raise ValueError(f"assumption '{theme}.{key}' is £ at {a.price_year} prices: say the price year wanted")
    return uprate(float(a.value), a.price_year, price_year)


def _stated(a: Assumption) -> str:
    """An assumption's value as written: £ for money, per cent for a share, each funder's share for a split."""
    if isinstance(a.value, dict):
        return ", ".join(f"{k} {fmt.share(v, 0)}" for k, v in a.value.items())
    if a.is_money:
        return fmt.money(float(a.value))
    return fmt.share(a.value, 0) if "share" in a.unit else f"{a.value:g}"


def table(theme: str, price_year: str) -> pd.DataFrame:
    """The assumptions of a theme as a report shows them.

    Returns
    -------
    DataFrame
        assumption, unit, stated (as written), price_year (money only), at_report_prices (money uprated to
        ``price_year``, £; other values blank), source, grade (1 best - 5).
    """
    rows = [{"key": a.key, "assumption": a.what, "unit": a.unit, "stated": _stated(a),
             "price_year": a.price_year or "n/a (not money)",
             "at_report_prices": value(theme, a.key, price_year) if a.is_money else float("nan"),
             "source": a.source, "grade": a.grade} for a in assumptions(theme).values()]
    return pd.DataFrame(rows, columns=["key", "assumption", "unit", "stated", "price_year", "at_report_prices",
                                       "source", "grade"])
