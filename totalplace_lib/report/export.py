"""Every table of a report as a workbook for finance colleagues: ``reports/<place>/<theme>.xlsx``.

One sheet per table, in the order the report shows them (:data:`tables.SHOWN`), money as £ and shares as
per cent in Excel's own formats so the numbers stay numbers; a first sheet lists them. Written atomically
(temporary file + rename), like every other output.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from totalplace_lib.core.files import save_workbook
from totalplace_lib.core.fmt import EXCEL_MONEY as MONEY
from totalplace_lib.core.fmt import EXCEL_SHARE as SHARE
from totalplace_lib.report import tables


def sheet_name(number: int, headers: list[str], used: set[str]) -> str:
    """A unique Excel sheet name (at most 31 characters, none of ``[]:*?/\\``) from a table's headings."""
    base = re.sub(r"[\[\]:*?/\\]", " ", f"{number} {', '.join(headers)}")[:31].rstrip(" ,")
    name, k = base, 2
    while name in used:
        name = f"{base[:27]} ({k})"
        k += 1
    used.add(name)
    return name


class Written:
    """What :func:`write_tables` wrote; shows as one stable line, so reruns give identical notebooks."""

    def __init__(self, path: Path, n: int) -> None:
        self.path, self.n = Path(path), n

    def __repr__(self) -> str:
        return f"{self.n} tables written to {self.path.name}"


def write_tables(path: Path, place: str, theme: str, shown: list | None = None) -> Written:
    """Write every table shown in this kernel (or ``shown``) to one workbook at ``path``, titled with the
    place's name and the theme's report title."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from totalplace_lib.core.catalogue import theme_title

    title = f"{place}: {theme_title(theme)}"
    shown = tables.SHOWN if shown is None else shown
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents["A1"] = title
    contents["A1"].font = Font(bold=True, size=13)
    contents["A2"] = "Every table of the report, one sheet each, in the order shown; money in £, shares as %."
    contents.cell(4, 1, "Sheet").font = Font(bold=True)
    contents.cell(4, 2, "Columns").font = Font(bold=True)
    used: set[str] = {"Contents"}
    for i, t in enumerate(shown, start=1):
        frame = t.export_frame()
        name = sheet_name(i, t.headers, used)
        ws = wb.create_sheet(name)
        for j, h in enumerate(frame.columns, start=1):
            ws.cell(1, j, str(h)).font = Font(bold=True)
            ws.column_dimensions[ws.cell(1, j).column_letter].width = max(12, min(60, len(str(h)) + 4))
        for r, row in enumerate(frame.itertuples(index=False), start=2):
            for j, (h, v) in enumerate(zip(frame.columns, row, strict=True), start=1):
                v = v.item() if isinstance(v, np.generic) else v
                if isinstance(v, float) and not np.isfinite(v):
                    v = None
                cell = ws.cell(r, j, v)
                if isinstance(v, int | float) and not isinstance(v, bool):
                    cell.number_format = MONEY if h in t.money else SHARE if h in t.share else cell.number_format
        contents.cell(4 + i, 1, name)
        contents.cell(4 + i, 2, ", ".join(t.headers))
    contents.column_dimensions["A"].width = 34
    contents.column_dimensions["B"].width = 90
    save_workbook(wb, path)
    return Written(path, len(shown))
