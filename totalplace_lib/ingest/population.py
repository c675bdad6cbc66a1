"""ONS mid-year population estimates: single years of age where published, totals for every other year.

Two forms are read into the ``population`` table:

* the **ONS workbook** of a mid-year release (``MYE2 - Persons``: single years of age for the release's
  year; ``MYE4``: every area's total population for each mid-year back to 2011, on the release's
  geography). Totals become one band row per area and year (age 0 to 90+); a year that also has single
  years of age keeps those instead (:func:`prefer_single_years`). Only the lowest tier is read (unitaries,
  districts, London and metropolitan boroughs, and England): counties, regions and metropolitan counties
  are the sums of those and would count people twice;
* **CSV extracts** with one column per single year of age (``ltla21_code, ..., 0, 1, ... 90+``).

Codes of any vintage map to the 2014 authorities in the pipeline's code-mapping stage, where districts
are summed into their counties.
"""

from __future__ import annotations

import re
from pathlib import Path

from totalplace_lib.ingest.readers import FormatError, Read, number, period_from_name, pick, start
from totalplace_lib.ingest.workbook import Workbook, cell_text

FAMILY = "ONS mid-year population estimates (workbook)"
LOWEST_TIER = {"unitary authority", "non-metropolitan district", "metropolitan district", "london borough",
               "country"}
"""Geography types read from the workbook: every person is in exactly one of the first four (and England's
own row, 'Country', is kept for England's per-head figures)."""
MAX_AGE = 90


def looks_like_mye(wb: Workbook) -> bool:
    """True if a workbook has an MYE2 (single years of age) or MYE4 (totals by year) sheet."""
    return any(_header(wb, s) is not None for s in wb.sheet_names if re.match(r"MYE[24]", s, re.I))


def _header(wb: Workbook, sheet: str) -> tuple[int, list[str]] | None:
    for i, row in enumerate(wb.texts(sheet, 20)):
        low = [c.lower() for c in row]
        if "code" in low and "geography" in low:
            return i, row
    return None


def read_mye_workbook(wb: Workbook) -> Read:
    """Persons by single year of age (MYE2) and total population by mid-year (MYE4), lowest tier and England.

    Raises
    ------
    FormatError
        If neither sheet has a ``Code ... Geography`` header with age or ``Mid-YYYY`` columns.
    """
    r = Read(wb.path, FAMILY, encoding=wb.path.suffix.lstrip(".").lower())
    notes = []
    line_base = 0
    for sheet in wb.sheet_names:
        if not re.match(r"MYE[24]\b", sheet, re.I) or re.search(r"females|males", sheet, re.I) and \
                not re.search(r"persons", sheet, re.I):
            continue
        found = _header(wb, sheet)
        if found is None:
            continue
        h, header = found
        low = [c.lower() for c in header]
        code, geo = low.index("code"), low.index("geography")
        ages = {i: int(c.rstrip("+")) for i, c in enumerate(header) if re.fullmatch(r"\d{1,2}\+?", c)}
        mids = {i: int(m.group(1)) for i, c in enumerate(header) if (m := re.fullmatch(r"mid-?\s*(\d{4})", c, re.I))}
        year = _release_year(wb, sheet)
        if ages and year is None:
            raise FormatError(f"{wb.path.name}, sheet '{sheet}': single years of age but no mid-year in the sheet's "
                              "title")
        if not ages and not mids:
            continue
        rows = wb.rows(sheet)
        used_geo: dict[str, int] = {}
        for i in range(h + 1, len(rows)):
            row = rows[i]
            if not any(cell_text(c) for c in row):
                continue
            line = line_base + i + 1  # rows of every sheet numbered apart: sheet k's row n is k*100000 + n
            r.rows_read += 1
            area, kind = cell_text(row[code]), cell_text(row[geo]).lower()
            if not area.startswith("E"):
                r.reject(line, f"{area}: not an English area (the count covers England)")
                continue
            if kind not in LOWEST_TIER:
                r.reject(line, f"a {kind} total: its districts are read instead (summing both would count people "
                               "twice)")
                continue
            src = f"ONS mid-{{y}} population estimates, {sheet} (file {wb.path.name})"
            try:
                if ages:
                    counts = {a: number(cell_text(row[j])) for j, a in ages.items()}
                    if any(v is None for v in counts.values()):
                        r.reject(line, "an age count is blank or suppressed")
                        continue
                    for a, n in counts.items():
                        r.add("population", line, True, area_code=area, year=year, age=a, persons=int(n),
                              source=src.format(y=year))
                else:
                    for j, y in mids.items():
                        n = number(cell_text(row[j]))
                        if n is not None:
                            r.add("population", line, True, area_code=area, year=y, age=0, age_to=MAX_AGE,
                                  persons=int(n), source=src.format(y=y) + ", total of all ages")
            except ValueError as exc:
                r.reject(line, f"not a number: {exc}")
                continue
            used_geo[kind] = used_geo.get(kind, 0) + 1
        what = (f"single years of age, mid-{year}" if ages else
                f"totals mid-{min(mids.values())} to mid-{max(mids.values())}")
        notes.append(f"sheet '{sheet}' ({what}; rows numbered from {line_base + 1})")
        line_base += 100_000
    if not notes:
        raise FormatError(f"{wb.path.name}: no MYE2 or MYE4 sheet with a 'Code ... Geography' header and age or "
                          "Mid-YYYY columns")
    r.used_lines = {row["_line"] for row in r.rows.get("population", [])}
    r.note = "; ".join(notes) + "; lowest-tier areas and England only"
    return r


def _release_year(wb: Workbook, sheet: str) -> int | None:
    for row in wb.texts(sheet, 8):
        for c in row:
            m = re.search(r"mid-(\d{4})", c, re.I)
            if m:
                return int(m.group(1))
    m = re.search(r"(?:mye|mid)-?(20\d{2})", wb.path.stem.lower())
    return int(m.group(1)) if m else None


def read_ons_mye(path: Path) -> Read:
    """ONS mid-year estimates CSV, persons by single year of age: ``<geo>_code, <geo>_name, 0..89, 90+``."""
    header, rows, r = start(path, "ONS mid-year population estimates (single year of age)")
    code = next((h for h in header if h.lower().endswith("_code") or h.lower() in ("code", "area code")), None)
    if code is None:
        raise FormatError(f"{path.name}: no area code column (e.g. ltla21_code)")
    year_col = pick(header, "year", "mid_year", required=False)
    file_year = period_from_name(path)
    if year_col is None and file_year is None:
        raise FormatError(f"{path.name}: no year column and no year in the file name (e.g. mye2020)")
    ages = [h for h in header if re.fullmatch(r"\d{1,2}\+?", h)]
    if not ages:
        raise FormatError(f"{path.name}: no single-year-of-age columns (0, 1, ... 90+)")
    total_col = pick(header, "total_population", "all ages", "all_ages", required=False)
    for line, row in rows:
        try:
            year = int(row[year_col][:4]) if year_col else file_year
            counts = {int(a.rstrip("+")): number(row.get(a)) for a in ages}
            total = number(row.get(total_col)) if total_col else None
        except ValueError as exc:
            r.reject(line, f"not a number: {exc}")
            continue
        if any(v is None for v in counts.values()):
            r.reject(line, "an age count is blank or suppressed")
            continue
        if total is not None and abs(sum(counts.values()) - total) > 0.5:
            r.reject(line, f"ages sum to {sum(counts.values()):,.0f}, not {total_col} {row[total_col]}")
            continue
        src = f"ONS mid-{year} population estimates (MYE2, persons) (file {path.name})"
        for age, n in counts.items():
            r.add("population", line, True, area_code=row[code].strip(), year=year, age=age, persons=int(n), source=src)
    return r


def prefer_single_years(rows: list[dict]) -> tuple[list[dict], int]:
    """Drop total (band) rows of an area and year that also has single years of age; return the rows kept and
    how many were dropped. (A band and its single years would otherwise both count.)"""
    single = {(r["area_code"], r["year"]) for r in rows if r.get("age_to") in (None, "", r.get("age"))}
    kept = [r for r in rows if r.get("age_to") in (None, "", r.get("age")) or (r["area_code"], r["year"]) not in single
            or int(r.get("age_to")) != MAX_AGE]
    return kept, len(rows) - len(kept)

