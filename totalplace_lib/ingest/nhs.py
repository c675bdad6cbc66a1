"""NHS England's allocations to integrated care boards (ICBs) and GP practices' needs-weighted populations.

The NHS's money reaches a place mostly through its ICB. Two workbooks families are read:

* **ICB allocations** (``icb_allocation``): one row per ICB, year and component -- core services, primary
  medical care, other primary care (and, from 2025/26, specialised services and pharmacy, optometry and
  dental) -- in pounds. The allocation sheets are found by name; in each, the year's fullest allocation
  column is taken (combined, else total, else recurrent allocation); ICB rows are those with an ICB code
  (``Q..``), so the regional and England totals beneath them are never counted.
* **GP practice weighted populations** (``practice_population``): each practice's registered list and its
  needs-weighted population (the ICB's "fair shares" formula), with the local authority it lies in,
  summed by year, ICB and authority. They share an ICB's allocation among the authorities it serves by
  need rather than by head count.
"""

from __future__ import annotations

import re

from totalplace_lib.core.periods import fy_label
from totalplace_lib.ingest.readers import FormatError, Read, number
from totalplace_lib.ingest.workbook import Workbook, cell_text

ALLOCATIONS = "NHS England allocations to integrated care boards (workbook)"
PRACTICES = "NHS England GP practice registered and weighted populations (workbook)"
COMPONENTS = (  # sheet-name pattern -> component, the weighted population that shares it
    (r"^icb core allocations?", "core services", "weighted"),
    (r"^pmc allocations?", "primary medical care", "pmc_weighted"),
    (r"^other primary care", "other primary care", "weighted"),
    (r"^specialised allocations?", "specialised services", "weighted"),
    (r"^pod allocations?", "pharmacy, optometry and dental", "weighted"),
)
_PREFERENCE = ("combined allocation", "total allocation", "revised recurrent allocation",
               "physical health services + mh resource allocation", "recurrent allocation")
_ICB = re.compile(r"^Q[A-Z0-9]{2}$")


def looks_like_allocations(wb: Workbook) -> bool:
    return any(re.match(p, s.strip(), re.I) for s in wb.sheet_names for p, _, _ in COMPONENTS)


def looks_like_practices(wb: Workbook) -> bool:
    return any(_practice_header(wb, s) is not None for s in wb.sheet_names)


def _header_row(texts: list[list[str]]) -> int | None:
    return next((i for i, row in enumerate(texts) if "ICB23" in row or "ICB code" in row), None)


def _year_columns(header: list[str]) -> dict[int, int]:
    """Year -> index of its fullest allocation column (in £ thousand)."""
    best: dict[int, tuple[int, int]] = {}
    for i, h in enumerate(header):
        low = h.lower()
        m = re.match(r"((?:19|20)\d{2})/(\d{2})\s+(.*)", low)
        if not m or "£k" not in low.replace("(", "").replace(")", "") and "£ k" not in low:
            continue
        if any(w in low for w in ("£/head", "growth", "%", "baseline", "target", "distance")):
            continue
        rank = next((j for j, p in enumerate(_PREFERENCE) if m.group(3).startswith(p)), None)
        if rank is None:
            continue
        y = int(m.group(1))
        if y not in best or rank < best[y][0]:
            best[y] = (rank, i)
    return {y: i for y, (_, i) in best.items()}


def read_icb_allocations(wb: Workbook) -> Read:
    """ICB allocations by year and component, in pounds (``icb_code, icb_name, nhs_region, year, component,
    column, amount_gbp, source``).

    Raises
    ------
    FormatError
        If no allocation sheet has an ``ICB23`` header with ``YYYY/YY ... allocation (£k)`` columns.
    """
    r = Read(wb.path, ALLOCATIONS, encoding="xlsx")
    notes, base = [], 0
    for sheet in wb.sheet_names:
        comp = next(((c, w) for p, c, w in COMPONENTS if re.match(p, sheet.strip(), re.I)), None)
        if comp is None:
            continue
        texts = wb.texts(sheet, 10)
        h = _header_row(texts)
        if h is None:
            continue
        header = texts[h]
        years = _year_columns(header)
        if not years:
            continue
        code = header.index("ICB23") if "ICB23" in header else header.index("ICB code")
        name = code + 1
        region = next((i for i, c in enumerate(header) if c.lower() == "region"), None)
        rows = wb.rows(sheet)
        for i in range(h + 1, len(rows)):
            row = [cell_text(c) for c in rows[i]]
            if not any(row):
                continue
            line = base + i + 1
            r.rows_read += 1
            if not _ICB.match(row[code]):
                r.reject(line, f"'{row[code] or next((c for c in row if c), '')}': not an ICB row (a region or England "
                               "total, or a note)")
                continue
            for y, j in years.items():
                try:
                    v = number(row[j])
                except ValueError:
                    r.reject(line, f"column '{header[j]}': '{row[j]}' is not a number")
                    break
                if v is None:
                    continue
                r.add("icb_allocation", line, True, icb_code=row[code], icb_name=row[name],
                      nhs_region=row[region] if region is not None else "", year=y, component=comp[0],
                      shared_by=comp[1], column=header[j], amount_gbp=round(v * 1000, 2),
                      source=f"NHS England, allocations to ICBs, sheet '{sheet}', column '{header[j]}' (file "
                             f"{wb.path.name})")
        notes.append(f"'{sheet}': {comp[0]}, " + ", ".join(f"{fy_label(y)} '{header[j]}'"
                                                         for y, j in sorted(years.items())))
        base += 100_000
    if not notes:
        raise FormatError(f"{wb.path.name}: no ICB allocation sheet with an ICB23 header and 'YYYY/YY ... allocation "
                          "(£k)' columns")
    r.used_lines = {row["_line"] for row in r.rows.get("icb_allocation", [])}
    r.note = "; ".join(notes) + " (rows numbered from sheet k x 100000)"
    return r


def _practice_header(wb: Workbook, sheet: str) -> tuple[int, list[str]] | None:
    for i, row in enumerate(wb.texts(sheet, 10)):
        low = [c.lower() for c in row]
        if "practice_code" in low or "practice code" in low:
            return i, row
    return None


def _practice_year(sheet: str, header: list[str]) -> int | None:
    m = re.search(r"(20\d{2})(\d{2})$", sheet.strip())
    if m:
        return int(m.group(1))
    for h in header:
        m = re.search(r"pop (20\d{2})/\d{2}", h.lower())
        if m:
            return int(m.group(1))
    return None


def read_practice_populations(wb: Workbook) -> Read:
    """Registered and needs-weighted populations of GP practices, summed by year, ICB and local authority
    (``year, icb_code, lad_code, practices, registered, weighted, pmc_weighted, source``)."""
    r = Read(wb.path, PRACTICES, encoding="xlsx")
    sums: dict[tuple, dict] = {}
    base = 0
    for sheet in wb.sheet_names:
        found = _practice_header(wb, sheet)
        if found is None:
            continue
        h, header = found
        year = _practice_year(sheet, header)
        low = [c.lower().strip() for c in header]

        def col(*names: str, low: list[str] = low) -> int | None:
            return next((low.index(n) for n in names if n in low), None)

        icb, lad = col("icb23", "icb code"), col("lad21", "lad", "la code")
        reg = next((i for i, c in enumerate(low) if c.startswith("pop ")), col("patients", "registered population"))
        wp, pmc = col("final wp"), col("final pmc wp")
        if None in (year, icb, lad, reg, wp):
            raise FormatError(f"{wb.path.name}, sheet '{sheet}': needs ICB23, LAD21, registered ('pop YYYY/YY') and "
                              "'Final WP' columns and a year in the sheet name")
        rows = wb.rows(sheet)
        for i in range(h + 1, len(rows)):
            row = [cell_text(c) for c in rows[i]]
            if not any(row):
                continue
            line = base + i + 1
            r.rows_read += 1
            try:
                vals = (number(row[reg]), number(row[wp]), number(row[pmc]) if pmc is not None else None)
            except ValueError as exc:
                r.reject(line, f"not a number: {exc}")
                continue
            if vals[0] is None or vals[1] is None or not row[lad].startswith("E"):
                r.reject(line, "no registered or weighted population, or no English local authority")
                continue
            k = (year, row[icb], row[lad])
            s = sums.setdefault(k, {"practices": 0, "registered": 0.0, "weighted": 0.0, "pmc_weighted": 0.0,
                                    "_lines": []})
            s["practices"] += 1
            s["registered"] += vals[0]
            s["weighted"] += vals[1]
            s["pmc_weighted"] += vals[2] if vals[2] is not None else vals[1]
            s["_lines"].append(line)
        base += 100_000
    if not sums:
        raise FormatError(f"{wb.path.name}: no sheet with a Practice_Code header")
    for (year, icb, lad), s in sorted(sums.items()):
        lines = s.pop("_lines")
        r.add("practice_population", lines[0], True, year=year, icb_code=icb, area_code=lad, **s,
              source=f"NHS England GP practice weighted populations {fy_label(year)} (file {wb.path.name})")
        r.rows["practice_population"][-1]["_lines"] = lines
    r.used_lines = {ln for row in r.rows["practice_population"] for ln in row["_lines"]}
    r.note = (f"{sum(s['practices'] for s in sums.values()):,} practice rows summed by year, ICB and local authority "
              f"(2021 codes): {len(sums):,} rows")
    return r
