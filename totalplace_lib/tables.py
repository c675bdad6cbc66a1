"""Tables for reports: money as money, shares as per cent, readable column names."""

from __future__ import annotations

import pandas as pd

from . import fmt


def styled(df: pd.DataFrame, money: tuple[str, ...] = (), share: tuple[str, ...] = (),
           counts: tuple[str, ...] = (), rename: dict[str, str] | None = None, caption: str = ""):
    """A pandas Styler with £ and % formatting, no index, optional caption.

    Parameters
    ----------
    money, share, counts : tuple of str
        Columns formatted with :func:`fmt.money`, :func:`fmt.share` and thousands separators.
    rename : dict, optional
        Display names for columns (applied after formatting is assigned).
    """
    formats = {c: fmt.money for c in money}
    formats |= {c: fmt.share for c in share}
    formats |= {c: "{:,.0f}" for c in counts}
    sty = df.style.format(escape="html").format(formats, escape="html").hide(axis="index")
    if rename:
        sty = sty.relabel_index([rename.get(c, c) for c in df.columns], axis="columns")
    if caption:
        sty = sty.set_caption(caption)
    return sty


def measures(df: pd.DataFrame, rename: dict[str, str] | None = None, caption: str = ""):
    """A two-column table of named measures whose ``value`` is formatted by its ``unit`` column."""
    shown = pd.DataFrame({"measure": df["measure"],
                          "value": [fmt.by_unit(v, u) for v, u in zip(df["value"], df["unit"], strict=True)]})
    return styled(shown, rename=rename or {"measure": "Measure", "value": "Value"}, caption=caption)
