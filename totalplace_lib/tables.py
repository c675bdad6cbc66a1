"""Tables for reports: money as money, shares as per cent, readable column names."""

from __future__ import annotations

import hashlib

import pandas as pd

from . import fmt
from .gaps import guard


def styled(df: pd.DataFrame, money: tuple[str, ...] = (), share: tuple[str, ...] = (),
           counts: tuple[str, ...] = (), rename: dict[str, str] | None = None, caption: str = "",
           decimals: dict[str, int] | None = None):
    """A pandas Styler with £ and % formatting, no index, optional caption.

    Parameters
    ----------
    money, share, counts : tuple of str
        Columns formatted with :func:`fmt.money`, :func:`fmt.share` and thousands separators.
    decimals : dict, optional
        Column -> decimal places for other numbers (ratios, rates). Boolean columns show yes/no.
    rename : dict, optional
        Display names for columns (applied after formatting is assigned).
    """
    formats = {c: fmt.money for c in money}
    formats |= {c: fmt.share for c in share}
    formats |= {c: "{:,.0f}" for c in counts}
    formats |= {c: f"{{:,.{d}f}}" for c, d in (decimals or {}).items()}
    formats |= {c: (lambda v: "yes" if v else "no") for c in df.columns if df[c].dtype == bool}
    sty = df.style.format(escape="html").format(formats, escape="html").hide(axis="index")
    # pandas gives each table a random id; one derived from the content keeps reruns byte-identical
    sty = sty.set_uuid(hashlib.sha1(df.to_csv().encode()).hexdigest()[:10])
    if rename:
        sty = sty.relabel_index([rename.get(c, c) for c in df.columns], axis="columns")
    if caption:
        sty = sty.set_caption(caption)
    return Table(sty, df)


class Table:
    """A formatted table for reports: HTML from the pandas Styler, plain text from the data.

    ``table.styler`` is the pandas Styler (``.to_excel(...)``, ``.to_html()``); ``table.data`` the
    DataFrame. The plain-text form carries no memory address, so reruns give identical notebooks.
    """

    def __init__(self, styler, data: pd.DataFrame) -> None:
        self.styler = styler
        self.data = data

    def _repr_html_(self) -> str:
        return self.styler.to_html()

    def __repr__(self) -> str:
        return self.data.to_string(index=False)


def measures(df: pd.DataFrame, rename: dict[str, str] | None = None, caption: str = ""):
    """A two-column table of named measures whose ``value`` is formatted by its ``unit`` column."""
    shown = pd.DataFrame({"measure": df["measure"],
                          "value": [fmt.by_unit(v, u) for v, u in zip(df["value"], df["unit"], strict=True)]})
    return styled(shown, rename=rename or {"measure": "Measure", "value": "Value"}, caption=caption)


guard(globals())
