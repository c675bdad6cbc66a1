"""MHCLG Revenue Outturn: every English local body's own net current expenditure, by service.

Two forms of the same statistics are read into one table, ``body_outturn`` (one row per body, year and
service, in pounds):

* the **Revenue Outturn Summary (RS) workbooks**, one per financial year from 2007-08, the publisher's
  own files. Their layouts differ from year to year and are read by content: the data sheet is the one
  whose header row holds ``E-code`` (a sheet per measure in 2007-09, ``(1)/(2)/(3)`` sheets in 2009-15 of
  which the net current expenditure one is taken, one sheet later); the header is found at whatever depth
  it sits, with line breaks and line numbers folded out of its cells; service columns are matched to
  ``data/reference/ro_services.csv`` (first occurrence, up to ``TOTAL SERVICE EXPENDITURE``); reading stops
  at the ENGLAND row, so the regional and class breakdowns and the notes below it are never counted; a
  repeated header row is skipped; ``[x]`` marks a body that did not submit its return, kept as *missing*
  (never £0). Bodies are named by E-code in every year and by ONS code from 2014-15.
* the multi-year **service-summary CSV** (``ONS_code, LA_name, Education, ...``), which fills the years no
  workbook covers (2021-22 here); where a workbook covers a year, the workbook wins.

Every body class is read: councils, police authorities and police and crime commissioners, fire and
rescue authorities, the GLA, combined, transport and waste authorities and national parks. Which places
each body serves is :mod:`.bodies`' concern.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from totalplace_lib.core import reference
from totalplace_lib.core.periods import fy_in, fy_label, fy_start
from totalplace_lib.ingest.readers import FormatError, Read, number, pick, start
from totalplace_lib.ingest.workbook import Workbook, cell_text

logger = logging.getLogger(__name__)

FAMILY = "MHCLG Revenue Outturn Summary (RS workbook)"
CSV_FAMILY = "MHCLG Revenue Outturn (net current expenditure by service, multi-year CSV)"
TABLE = "body_outturn"
MISSING = "missing"
"""``status`` of a body that did not submit its return (``[x]``): its figures are not known, never £0."""
_ECODE = re.compile(r"^E\d{4}$")
_NOT_SUBMITTED = {"[x]", "x", "…", "..."}
"""Cells that mark a body whose return was not submitted (``[x]``) or whose figures the publisher grossed
up without publishing them (``…``, 2016-17)."""
_HEADER_DEPTH = 40


def services() -> dict[str, dict]:
    """Service key (``Education``...) -> its row of ``data/reference/ro_services.csv``."""
    return {r["column"]: r for r in reference.rows("ro_services.csv")}


def _header_key(text: str) -> str:
    """A header cell reduced for matching: lower case, no '(total of lines ...)', '(£ thousand)' or notes."""
    t = cell_text(text).lower()
    t = re.sub(r"\((?:total|sum) of lines?[^)]*\)?", "", t)
    t = re.sub(r"\(£[^)]*\)|\[note \d+\]", "", t)
    return re.sub(r"\s+", " ", t).strip(" :")


def _service_columns(header: list[str]) -> tuple[dict[int, str], int | None, int | None]:
    """(column index -> service key, index of TOTAL SERVICE EXPENDITURE, index of NET CURRENT EXPENDITURE).

    A service's first column is taken; later columns of the same name belong to other measures of the
    sheet (capital charges by service...)."""
    by_header = {h: key for key, s in services().items() for h in s["headers"].split("|")}
    cols: dict[int, str] = {}
    seen: set[str] = set()
    total = nce = None
    for i, cell in enumerate(header):
        k = _header_key(cell)
        if k.startswith("net current expenditure") and nce is None:
            nce = i
        if total is not None:
            continue
        key = by_header.get(k)
        if key == "Total":
            total = i
        elif key and key not in seen:
            cols[i] = key
            seen.add(key)
    return cols, total, nce


def _is_header(row: list[str]) -> bool:
    return any(c.lower() in ("e-code", "e code", "ecode") for c in row[:4])


def _data_sheet(wb: Workbook) -> tuple[str, int, list[str], str]:
    """(sheet, header row index, header texts, measure words) of the net current expenditure data sheet."""
    found = []
    for name in wb.sheet_names:
        texts = wb.texts(name, _HEADER_DEPTH)
        i = next((j for j, row in enumerate(texts) if _is_header(row)), None)
        if i is None:
            continue
        above = " ".join(c for row in texts[:i] for c in row if c).lower()
        found.append((name, i, texts[i], above))
    if not found:
        raise FormatError(f"{wb.path.name}: no sheet with an 'E-code' header row in its first {_HEADER_DEPTH} rows "
                          f"(sheets: {', '.join(wb.sheet_names)})")

    def score(f) -> tuple:
        name, _, _, above = f
        says_nce = "net current expenditure" in above.split("(£")[0] or "net current expenditure" in name.lower()
        other = any(w in above[:120] for w in ("capital charges", "capital items", "net total cost", "reserves level"))
        return (says_nce and not other, not other, -wb.sheet_names.index(name))

    name, i, header, above = max(found, key=score)
    return name, i, header, above


def _year(wb: Workbook, sheet: str, above: str) -> int:
    for text in (sheet, above, wb.path.stem):
        if (year := fy_in(text)) is not None:
            return year
    raise FormatError(f"{wb.path.name}, sheet '{sheet}': no financial year (like 2009-10) in the sheet name, its "
                      "title rows or the file name")


def _units(wb: Workbook, sheet: str, above: str) -> float:
    if re.search(r"£\s*thousands?|£\s*'?000|£k\b", above, re.I):
        return 1000.0
    if re.search(r"£\s*m(illions?)?\b", above, re.I):
        return 1e6
    for name in wb.sheet_names:  # the front page or notes sheet of later editions
        words = " ".join(c for row in wb.texts(name, 60) for c in row if c)
        if re.search(r"£\s*thousands?|£\s*'?000", words, re.I):
            return 1000.0
    raise FormatError(f"{wb.path.name}, sheet '{sheet}': the workbook does not say its units (£ thousand); the "
                      "amounts cannot be read as pounds")


def looks_like_rs(wb: Workbook) -> bool:
    """True if a workbook has a Revenue Outturn data sheet (an ``E-code`` header beside RS service columns)."""
    try:
        _, _, header, _ = _data_sheet(wb)
    except FormatError:
        return False
    cols, _, _ = _service_columns(header)
    return len(cols) >= 5


def read_rs_workbook(wb: Workbook) -> Read:
    """Read one Revenue Outturn Summary workbook into ``body_outturn`` rows (pounds).

    Tidy columns: ``ecode``, ``ons_code`` ('' before 2014-15), ``name``, ``body_class`` (SD, SC, UA, MD, L,
    O), ``detailed_class``, ``year``, ``service`` (a key of ``ro_services.csv``), ``amount_gbp``, ``status``
    (``reported`` or ``missing``), ``source``.

    Raises
    ------
    FormatError
        Naming file and sheet: no data sheet, no year, no units, or fewer than five service columns.
    """
    sheet, h, header, above = _data_sheet(wb)
    year = _year(wb, sheet, above)
    scale = _units(wb, sheet, above)
    cols, total_col, nce_col = _service_columns(header)
    if len(cols) < 5:
        raise FormatError(f"{wb.path.name}, sheet '{sheet}', row {h + 1}: only {len(cols)} service columns "
                          "recognised (data/reference/ro_services.csv lists their headers)")
    low = [c.lower() for c in header]
    ecode = next(i for i, c in enumerate(low) if c in ("e-code", "e code", "ecode"))
    ons = next((i for i, c in enumerate(low) if c in ("ons code", "ons_code", "gss code")), None)
    name = next((i for i, c in enumerate(low) if c in ("local authority", "authority", "la name")), ecode + 1)
    klass = next((i for i, c in enumerate(low) if c == "class"), None)
    detailed = next((i for i, c in enumerate(low) if c == "detailed class"), None)
    r = Read(wb.path, FAMILY, encoding=wb.path.suffix.lstrip(".").lower())
    src = f"MHCLG Revenue Outturn Summary {fy_label(year)}, net current expenditure (file {wb.path.name})"
    by_service: dict[str, float] = {}
    england: dict[str, float] = {}
    rows = wb.rows(sheet)
    for i in range(h + 1, len(rows)):
        row = [cell_text(c) for c in rows[i]]
        line = i + 1
        if not any(row):
            continue
        if _is_header(row):  # a header row repeated inside the data
            continue
        label = " ".join(row[:max(name, ecode) + 1]).upper()
        if row[name].upper() == "ENGLAND" or row[ecode].lower() == "eng":
            england = {k: _amount(row, j) or 0.0 for j, k in cols.items()}
            break
        if "BREAKDOWN" in label:
            break
        r.rows_read += 1
        code = row[ecode]
        if not _ECODE.match(code):
            first = next((c for c in row if c), "")
            r.reject(line, f"no authority's E-code on this row (it starts '{first[:40]}': a note or subtotal row)")
            continue
        body = {"ecode": code, "ons_code": _ons(row, ons), "name": row[name],
                "body_class": row[klass] if klass is not None else "",
                "detailed_class": row[detailed] if detailed is not None else ""}
        cells = {k: row[j] if j < len(row) else "" for j, k in cols.items()}
        if any(c.lower() in _NOT_SUBMITTED for c in cells.values()):
            mark = next(c for c in cells.values() if c.lower() in _NOT_SUBMITTED)
            r.add(TABLE, line, True, **body, year=year, service="", amount_gbp=None, status=MISSING,
                  source=f"{src}: '{mark}' in place of its figures (the return was not submitted, or not published)")
            continue
        try:
            amounts = {k: None if v in ("-", "–", "..") else number(v) for k, v in cells.items()}
        except ValueError:
            bad = next(k for k, v in cells.items() if _not_number(v))
            r.reject(line, f"column '{header[next(j for j, k in cols.items() if k == bad)]}': '{cells[bad]}' is not "
                           "a number")
            continue
        for k, v in amounts.items():
            if not v:
                continue
            by_service[k] = by_service.get(k, 0.0) + v
            r.add(TABLE, line, True, **body, year=year, service=k, amount_gbp=round(v * scale, 2),
                  status="reported", source=src)
        if not any(amounts.values()):  # a body with nothing on any service line that year: still read
            r.add(TABLE, line, True, **body, year=year, service="", amount_gbp=0.0, status="reported", source=src)
    r.used_lines = {row["_line"] for row in r.rows.get(TABLE, [])}
    diff = max((abs(by_service.get(k, 0.0) - v) for k, v in england.items()), default=None)
    r.note = (f"sheet '{sheet}', header on row {h + 1}, {fy_label(year)}, £ thousand; {len(cols)} service columns "
              f"({', '.join(cols.values())})"
              + (f"; the bodies' rows add up to the ENGLAND row within £{diff:,.0f} thousand on every service"
                 if diff is not None else "; no ENGLAND row to check against"))
    if diff is not None and diff > 1000:  # more than £1m off: a body's row was not read
        logger.warning("%s: bodies' rows differ from the ENGLAND row by £%.0fk on a service", wb.path.name, diff)
    return r


def _ons(row: list[str], col: int | None) -> str:
    if col is None or col >= len(row):
        return ""
    v = row[col]
    return v if re.fullmatch(r"[EWSN]\d{8}", v) else ""


def _amount(row: list[str], j: int) -> float | None:
    try:
        return number(row[j]) if j < len(row) else None
    except ValueError:
        return None


def _not_number(v: str) -> bool:
    try:
        number(v)
        return False
    except ValueError:
        return True


def read_ro_csv(path: Path) -> Read:
    """The multi-year service-summary CSV (``financial_year, ONS_code, LA_name, Education, ...``), in the same
    ``body_outturn`` form as the workbooks; region, England and class-total rows are rejected with the reason."""
    header, rows, r = start(path, CSV_FAMILY)
    code = pick(header, "ONS_code", "ONS code", "gss_code", file=path.name)
    fy = pick(header, "financial_year", "year", "period", file=path.name)
    name = pick(header, "LA_name", "Local authority", "name", required=False)
    known = services()
    cols = {h: h for h in header if h in known and known[h]["theme"] != "subtotal"}
    if not cols:
        raise FormatError(f"{path.name}: no Revenue Outturn service columns (Education, Public_Health...)")
    scale = 1000.0 if ("thousand" in path.stem.lower() or "000" in " ".join(header)) else 1.0
    for line, row in rows:
        c = row[code].strip()
        if not re.fullmatch(r"E\d{8}", c) or c.startswith(("E12", "E92", "E13")):
            r.reject(line, f"'{c}' is a region, England or class total, not a body (bodies are counted one by one)")
            continue
        try:
            year = fy_start(row[fy])
            amounts = {k: number(row.get(h)) for h, k in cols.items()}
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        body = {"ecode": "", "ons_code": c, "name": (row.get(name) or "").strip() if name else "",
                "body_class": "", "detailed_class": ""}
        src = f"MHCLG Revenue Outturn {fy_label(year)}, net current expenditure (file {path.name})"
        added = False
        for k, v in amounts.items():
            if v:
                r.add(TABLE, line, True, **body, year=year, service=k, amount_gbp=round(v * scale, 2),
                      status="reported", source=src)
                added = True
        if not added:
            r.add(TABLE, line, True, **body, year=year, service="", amount_gbp=0.0, status="reported", source=src)
    r.used_lines = {row["_line"] for row in r.rows.get(TABLE, [])}
    return r
