"""Publishers' spreadsheets (.xlsx and .xls) read as plain rows, and found by what their sheets hold.

Every workbook is opened with python-calamine (pandas' ``engine="calamine"``), which reads both
formats several times faster than openpyxl or xlrd. A file that cannot be opened (truncated, not a
spreadsheet, password-protected) raises :class:`~.readers.FormatError` naming it, so the ingest can
say so in one line and go on with the other files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from totalplace_lib.ingest.readers import FormatError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def cell_text(value: object) -> str:
    """A cell as one line of text: line breaks and runs of spaces folded, ``3.0`` shown as ``3``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", " ", str(value)).strip()


@dataclass
class Workbook:
    """One spreadsheet file: its sheet names and, on demand, each sheet's rows (values as published)."""

    path: Path
    sheet_names: list[str]
    _book: object = field(repr=False, default=None)
    _rows: dict[str, list[list]] = field(default_factory=dict, repr=False)
    _sheets: dict[str, object] = field(default_factory=dict, repr=False)
    _heads: dict[tuple[str, int], list[list[str]]] = field(default_factory=dict, repr=False)

    def _sheet(self, sheet: str):
        if sheet not in self._sheets:
            try:
                self._sheets[sheet] = self._book.get_sheet_by_name(sheet)
            except Exception as exc:  # calamine raises its own error types for damaged sheets
                raise FormatError(f"{self.path.name}, sheet '{sheet}': cannot be read ({_why(exc)})") from None
        return self._sheets[sheet]

    def rows(self, sheet: str) -> list[list]:
        """Every row of a sheet (a list of cell values: str, float, int, bool, dates or '')."""
        if sheet not in self._rows:
            try:
                self._rows[sheet] = self._sheet(sheet).to_python(skip_empty_area=False)
            except FormatError:
                raise
            except Exception as exc:
                raise FormatError(f"{self.path.name}, sheet '{sheet}': cannot be read ({_why(exc)})") from None
        return self._rows[sheet]

    def texts(self, sheet: str, max_rows: int = 40) -> list[list[str]]:
        """The first ``max_rows`` rows of a sheet as text (for finding headers and titles), reading only those
        rows where the sheet has not been read whole."""
        key = (sheet, max_rows)
        if key not in self._heads:
            if sheet in self._rows:
                head = self._rows[sheet][:max_rows]
            else:
                try:
                    head = self._sheet(sheet).to_python(skip_empty_area=False, nrows=max_rows)
                except FormatError:
                    raise
                except Exception as exc:
                    raise FormatError(f"{self.path.name}, sheet '{sheet}': cannot be read ({_why(exc)})") from None
            self._heads[key] = [[cell_text(c) for c in row] for row in head]
        return self._heads[key]


def open_workbook(path: Path) -> Workbook:
    """Open a spreadsheet.

    Raises
    ------
    FormatError
        Naming the file, if it is not a spreadsheet calamine can open (a truncated download, an HTML
        page saved as .xls, a password-protected file...).
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise FormatError(f"{path.name}: cannot be opened as a spreadsheet ({_why(exc)}); the file may be "
                          "truncated or not the publisher's workbook") from None
    return Workbook(Path(path), list(book.sheet_names), book)


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__
