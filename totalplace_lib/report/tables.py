"""Tables for reports: money as money, shares as per cent, readable column names."""

from __future__ import annotations

import hashlib
import html

import pandas as pd

from totalplace_lib.core import fmt
from totalplace_lib.core.gaps import passes_gaps


@passes_gaps
def styled(df: pd.DataFrame, money: tuple[str, ...] = (), share: tuple[str, ...] = (),
           counts: tuple[str, ...] = (), rename: dict[str, str] | None = None, caption: str = "",
           decimals: dict[str, int] | None = None, na_rep: str | None = None):
    """A pandas Styler with £ and % formatting, no index, optional caption.

    Parameters
    ----------
    money, share, counts : tuple of str
        Columns formatted with :func:`fmt.money`, :func:`fmt.share` and thousands separators.
    decimals : dict, optional
        Column -> decimal places for other numbers (ratios, rates). Boolean columns show yes/no.
    rename : dict, optional
        Display names for columns (applied after formatting is assigned).
    na_rep : str, optional
        What an empty number reads as (e.g. "not available").
    """
    formats = {c: fmt.money for c in money}
    formats |= {c: fmt.share for c in share}
    formats |= {c: "{:,.0f}" for c in counts}
    formats |= {c: f"{{:,.{d}f}}" for c, d in (decimals or {}).items()}
    formats |= {c: (lambda v: "yes" if v else "no") for c in df.columns if df[c].dtype == bool}
    sty = df.style.format(escape="html", na_rep=na_rep).format(formats, escape="html", na_rep=na_rep).hide(axis="index")
    # pandas gives each table a random id; one derived from the content keeps reruns byte-identical
    sty = sty.set_uuid(hashlib.sha1(df.to_csv().encode()).hexdigest()[:10])
    names = rename or {}
    headers = [str(names.get(c, c)) for c in df.columns]
    # column headings are data too (a place's name heads a comparison): escaped like the cells
    sty = sty.relabel_index([html.escape(h) for h in headers], axis="columns")
    if caption:
        sty = sty.set_caption(caption)
    table = Table(sty, df, headers=headers,
                  money=tuple(names.get(c, c) for c in money), share=tuple(names.get(c, c) for c in share))
    SHOWN.append(table)
    table.number = len(SHOWN)
    return table


SHOWN: list = []
"""Every table made in this kernel, in the order shown (what :mod:`export` writes to the report's workbook)."""


class Table:
    """A formatted table for reports: HTML from the pandas Styler, plain text from the data.

    ``table.styler`` is the pandas Styler (``.to_excel(...)``, ``.to_html()``); ``table.data`` the
    DataFrame; :meth:`export_frame` the data under the headings shown, for CSV and workbooks. The HTML
    carries a link to download the table as CSV (inline, so the report stays one offline file). The
    plain-text form carries no memory address, so reruns give identical notebooks.
    """

    def __init__(self, styler, data: pd.DataFrame, headers: list[str] | None = None,
                 money: tuple[str, ...] = (), share: tuple[str, ...] = ()) -> None:
        self.styler = styler
        self.data = data
        self.headers = headers or [str(c) for c in data.columns]
        self.money, self.share = money, share
        self.number = 0

    def export_frame(self) -> pd.DataFrame:
        """The table's values (unformatted numbers; a gap as 'not available') under the headings shown."""
        from totalplace_lib.core.gaps import Missing

        out = self.data.copy()
        out.columns = self.headers
        for c in out.columns:
            if out[c].dtype == object:
                out[c] = [str(v) if isinstance(v, Missing) else v for v in out[c]]
        return out

    def csv(self) -> str:
        """The table as CSV text (UTF-8, comma-separated, headings as shown)."""
        return self.export_frame().to_csv(index=False)

    def _repr_html_(self) -> str:
        import base64

        data = base64.b64encode(self.csv().encode("utf-8")).decode("ascii")
        name = f"table-{self.number or 1}.csv"
        return (self.styler.to_html()
                + f'<p class="tp-download"><a download="{name}" href="data:text/csv;charset=utf-8;base64,{data}">'
                  "Download this table (CSV)</a></p>")

    def __repr__(self) -> str:
        return self.data.to_string(index=False)


@passes_gaps
def measures(df: pd.DataFrame, rename: dict[str, str] | None = None, caption: str = ""):
    """A two-column table of named measures whose ``value`` is formatted by its ``unit`` column."""
    shown = pd.DataFrame({"measure": df["measure"],
                          "value": [fmt.by_unit(v, u) for v, u in zip(df["value"], df["unit"], strict=True)]})
    return styled(shown, rename=rename or {"measure": "Measure", "value": "Value"}, caption=caption)
