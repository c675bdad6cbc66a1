"""HM Treasury Country and Regional Analysis (CRA) workbooks into a tidy table of regional spend.

The CRA is the top-down half of a Total Place count: every department's identifiable public spending
by region (NUTS 1), function and subfunction (COFOG), capital or current, and by central government
(CG), local government (LG) or public corporations (PC). Editions differ: CRA 2014 and 2018 are in
£ thousand with ``Department`` / ``Department Name``, ``NUTS Region`` and ``CG, LG or PC``; earlier
ones are in £ million with ``Dept Name``, ``NUTS 1 region`` and ``LA`` for local government. The
reader finds the sheet by its header, the columns by their aliases and the **units from the
workbook's own words** (a metadata sheet or a header saying £'000s or £ million), never from the
file name. Every data row is used or rejected with its reason.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .readers import FormatError, Read, fy_label, norm

logger = logging.getLogger(__name__)

FAMILY = "HM Treasury Country and Regional Analysis (workbook)"
TABLE = "regional_spend"
COLUMNS = {  # tidy column -> header aliases, in order of preference
    "department": ("Department", "Department Name", "Dept Name", "Dept", "Department name"),
    "function": ("HMT Function", "Function", "COFOG Level 0", "COFOG level 0"),
    "subfunction": ("HMT Subfunction", "HMT Sub-function", "Subfunction", "Sub-function", "COFOG Level 1"),
    "identifiable": ("ID/non-ID", "ID/Non-ID", "ID or non-ID", "Identifiable"),
    "capital_current": ("CAP or CUR", "CAP/CUR", "Capital or current", "CAP or CUR?"),
    "body": ("CG, LG or PC", "CG, LG, PC, BOE", "CG, LG, PC or BOE", "CG/LG/PC", "CG, LA or PC", "Sector"),
    "region": ("NUTS Region", "NUTS 1 region", "NUTS1 region", "NUTS 1 Region", "Region"),
}
BODIES = {"cg": "CG", "lg": "LG", "la": "LG", "pc": "PC", "boe": "BOE"}
"""Spending sector as published -> CG (central government), LG (local government; ``LA`` in older
editions), PC (public corporations), BOE (Bank of England)."""
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*[-/]\s*(\d{2}|\d{4})\b")


@dataclass(frozen=True)
class Region:
    """A CRA region label resolved to an ONS code ('' when HM Treasury does not attribute it)."""

    code: str
    name: str


def region_lookup() -> dict[str, Region]:
    """Normalised region label -> :class:`Region`, from ``data/reference/regions.csv``."""
    out: dict[str, Region] = {}
    with open(paths.reference_dir() / "regions.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            r = Region(row["region_code"], row["region_name"])
            for alias in [row["region_name"], *row["aliases"].split("|")]:
                out[region_key(alias)] = r
    return out


def region_key(label: str) -> str:
    """A region label reduced for matching: ``ENGLAND_Yorkshire and The Humber`` -> ``yorkshire and humber``."""
    t = label.strip().lower().replace("&", " and ")
    t = re.sub(r"^england\s*[_:\-–]\s*", "", t)
    t = re.sub(r"[^a-z ]+", " ", t)
    words = [w for w in t.split() if w not in ("the", "of", "region")]
    return " ".join(words)


def _units(wb, sheet_name: str, header: list[str]) -> tuple[float, str]:
    """Pounds per published unit and the words that said so, read from the workbook itself."""
    texts = [h for h in header if h]
    for ws in wb.worksheets:
        if ws.title == sheet_name:
            continue
        for row in ws.iter_rows(max_row=60, values_only=True):
            texts.extend(str(c) for c in row if isinstance(c, str))
    for t in texts:
        if re.search(r"£\s*'?\s*000|£\s*thousand|thousands of pounds|£k\b", t, re.I):
            return 1_000.0, t.strip()[:120]
        if re.search(r"£\s*m(illion)?\b|£\s*millions|millions of pounds|£\s*bn\b", t, re.I):
            if re.search(r"£\s*bn\b", t, re.I):
                return 1e9, t.strip()[:120]
            return 1e6, t.strip()[:120]
    raise FormatError("the workbook does not say its units (no £'000s or £ million in a header or metadata "
                      "sheet); the amounts cannot be read as pounds")


def _find_sheet(wb, file: str) -> tuple[str, int, list[str]]:
    """(sheet name, header row number, header) of the sheet holding the CRA database."""
    tried = []
    for ws in wb.worksheets:
        for i, row in enumerate(ws.iter_rows(max_row=15, values_only=True), start=1):
            header = [str(c).strip() if c is not None else "" for c in row]
            if any(norm(h) in {norm(a) for a in COLUMNS["region"]} for h in header) and any(
                    _YEAR.match(h) for h in header):
                return ws.title, i, header
        tried.append(ws.title)
    raise FormatError(f"{file}: no sheet with a region column ({', '.join(repr(a) for a in COLUMNS['region'])}) "
                      f"and year columns like 2009-10 (sheets: {', '.join(tried)})")


def looks_like_cra(path: Path) -> bool:
    """True if an xlsx workbook has a sheet with a CRA header (region and year columns)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook openpyxl can open: no reader for it
        return False
    try:
        _find_sheet(wb, path.name)
        return True
    except FormatError:
        return False
    finally:
        wb.close()


def read_cra(path: Path) -> Read:
    """Read a CRA workbook: one tidy ``regional_spend`` row per data row and year, in pounds.

    Tidy columns: ``region_code`` (ONS; '' where HM Treasury does not attribute the spend to a UK
    region), ``region``, ``year`` (financial-year start), ``department``, ``function``,
    ``subfunction``, ``capital_current`` (CAP/CUR), ``body`` (CG/LG/PC/BOE), ``identifiable``
    (bool), ``amount_gbp`` (pounds, nominal: the price year is the year itself), ``edition``.

    Raises
    ------
    FormatError
        Naming the file and the column it lacks, or saying that the units cannot be found.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet, header_row, header = _find_sheet(wb, path.name)
        cols = {}
        for key, aliases in COLUMNS.items():
            by_norm = {norm(h): i for i, h in enumerate(header) if h}
            idx = next((by_norm[norm(a)] for a in aliases if norm(a) in by_norm), None)
            if idx is None:
                raise FormatError(f"{path.name}, sheet '{sheet}': no {key.replace('_', '/')} column "
                                  f"(looked for {', '.join(repr(a) for a in aliases)})")
            cols[key] = idx
        years = {i: int(m.group(1)) for i, h in enumerate(header) if (m := _YEAR.match(h))}
        scale, unit_words = _units(wb, sheet, header)
        edition = _edition(wb, path, years)
        r = Read(path, FAMILY, encoding="xlsx")
        r.note = f"sheet '{sheet}'; units from the workbook: \"{unit_words}\" (x{scale:,.0f} to pounds); {edition}"
        regions = region_lookup()
        ws = wb[sheet]
        for line, row in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
            if row is None or all(c is None or str(c).strip() == "" for c in row):
                continue
            r.rows_read += 1
            cell = {k: ("" if row[i] is None else str(row[i]).strip()) for k, i in cols.items()}
            region = regions.get(region_key(cell["region"]))
            if region is None:
                r.reject(line, f"region '{cell['region']}' is not a UK region or country data/reference/regions.csv "
                               "knows")
                continue
            body = BODIES.get(cell["body"].lower())
            if body is None:
                r.reject(line, f"'{cell['body']}' is not CG, LG (or LA), PC or BOE")
                continue
            cap = cell["capital_current"].upper()[:3]
            if cap not in ("CAP", "CUR"):
                r.reject(line, f"'{cell['capital_current']}' is not CAP or CUR")
                continue
            ident = cell["identifiable"].lower().replace("-", "").replace(" ", "")
            if ident not in ("id", "nonid", "identifiable", "nonidentifiable"):
                r.reject(line, f"'{cell['identifiable']}' is not ID or non-ID")
                continue
            amounts, bad = {}, ""
            for i, y in years.items():
                v = row[i] if i < len(row) else None
                if v is None or (isinstance(v, str) and v.strip() in ("", "-")):
                    continue
                try:
                    amounts[y] = float(v) * scale
                except (TypeError, ValueError):
                    bad = f"column {header[i]}: '{v}' is not a number"
                    break
            if bad:
                r.reject(line, bad)
                continue
            if not amounts:
                r.reject(line, "no amount in any year column")
                continue
            for y, amount in amounts.items():
                r.add(TABLE, line, True, region_code=region.code, region=region.name, year=y,
                      department=cell["department"], function=cell["function"], subfunction=cell["subfunction"],
                      capital_current=cap, body=body, identifiable=ident in ("id", "identifiable"),
                      amount_gbp=amount, edition=edition, price_year=fy_label(y),
                      source=f"HM Treasury {edition}, {cell['department']} (file {path.name})")
        r.used_lines = {row["_line"] for row in r.rows.get(TABLE, [])}
        return r
    finally:
        wb.close()


def _edition(wb, path: Path, years: dict[int, int]) -> str:
    """The edition's name from the workbook's sheet names (e.g. 'CRA 2018'), else its year span."""
    for ws in wb.worksheets:
        m = re.search(r"CRA\s*'?(\d{2,4})", ws.title, re.I)
        if m:
            y = m.group(1)
            return f"Country and Regional Analysis {('20' + y) if len(y) == 2 else y}"
    span = sorted(set(years.values()))
    return f"Country and Regional Analysis {fy_label(span[0])}-{fy_label(span[-1])}" if span else \
        f"Country and Regional Analysis ({path.stem})"


def latest_edition_wins(rows: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    """Keep, for each year, only the rows of the latest edition that covers it.

    Editions are ordered by the last year they cover, then by name. Returns the kept rows and, per
    superseded edition, the years it lost and how many values (for the manifest).
    """
    years_of: dict[str, set[int]] = {}
    for row in rows:
        years_of.setdefault(row["edition"], set()).add(row["year"])
    order = sorted(years_of, key=lambda e: (max(years_of[e]), e))
    owner = {}
    for e in order:  # later editions overwrite earlier ones
        for y in years_of[e]:
            owner[y] = e
    kept, lost = [], {}
    for row in rows:
        if owner[row["year"]] == row["edition"]:
            kept.append(row)
        else:
            d = lost.setdefault(row["edition"], {"years": set(), "values": 0, "by": owner[row["year"]]})
            d["years"].add(row["year"])
            d["values"] += 1
    return kept, {e: {"years": sorted(fy_label(y) for y in d["years"]), "values": d["values"], "superseded_by": d["by"]}
                  for e, d in lost.items()}
