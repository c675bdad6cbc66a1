"""Readers for the publishers' own file formats, one per publication family.

Each reader takes one CSV file and returns a :class:`Read`: tidy rows (still in the source's
area-code vintage), the number of data rows read, and every row it could not use with the
reason. Readers find columns by name, not position, through aliases (``LEA``/``LA``/``LEA
Number:``...), so other editions of the same publication read too; periods may be ``2009/10``,
``2009-10`` or ``2009``; files may be UTF-8 or Latin-1; suppression codes (``x c z : low``...)
become missing values, never zeros; amounts in £ thousands are converted to pounds.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from totalplace_lib.core import reference
from totalplace_lib.core.periods import fy_in, fy_label, fy_start
from totalplace_lib.core.schema import ENGLAND_CODE, SUPPRESSION_CODES


@dataclass
class Read:
    """What a reader made of one file."""

    file: Path
    family: str
    rows_read: int = 0
    encoding: str = "utf-8"
    rejected: dict[int, str] = field(default_factory=dict)  # CSV line -> reason
    rows: dict[str, list[dict]] = field(default_factory=dict)  # table -> tidy rows (with _line, _additive)
    excluded: dict[str, list[int]] = field(default_factory=dict)  # single values left out -> lines
    used_lines: set[int] = field(default_factory=set)  # lines with a tidy row kept after code mapping
    note: str = ""

    def add(self, table: str, line: int, additive: bool, **row) -> None:
        self.rows.setdefault(table, []).append({**row, "_line": line, "_additive": additive})

    def indicator(self, line: int, additive: bool, *, lower_ci: float | None = None, upper_ci: float | None = None,
                  **row) -> None:
        """Add an indicators row; a published value without a confidence interval leaves the CI empty."""
        self.add("indicators", line, additive, lower_ci=lower_ci, upper_ci=upper_ci, **row)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.setdefault(line, reason)


class FormatError(ValueError):
    """A file is not in the format its reader expects (names the file and what is missing)."""


def read_text(path: Path) -> tuple[str, str]:
    """File text and the encoding it was decoded with (UTF-8, else Windows-1252/Latin-1)."""
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), "utf-8" if enc == "utf-8-sig" else enc
        except UnicodeDecodeError:
            continue
    raise FormatError(f"{path.name}: cannot decode")  # latin-1 decodes anything; kept for clarity


def records(path: Path) -> tuple[list[str], list[tuple[int, dict]], str]:
    """Header, (line number, row) pairs and encoding of a CSV file; blank lines skipped."""
    text, enc = read_text(path)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    return header, rows, enc


def start(path: Path, family: str) -> tuple[list[str], list[tuple[int, dict]], Read]:
    """Header, (line, row) pairs and the :class:`Read` a reader fills: every data row counts as read, so
    each must end up used or rejected."""
    header, rows, enc = records(path)
    return header, rows, Read(path, family, rows_read=len(rows), encoding=enc)


def norm(name: str) -> str:
    """Header or label normalised for matching: lower case, no punctuation runs, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[:'’]", "", name)).strip().lower()


def pick(header: list[str], *aliases: str, required: bool = True, file: str = "") -> str | None:
    """The header cell matching one of ``aliases`` (normalised), else None or a FormatError."""
    by_norm = {norm(h): h for h in header}
    for a in aliases:
        if norm(a) in by_norm:
            return by_norm[norm(a)]
    if required:
        raise FormatError(f"{file}: none of the columns {', '.join(repr(a) for a in aliases)} found "
                          f"(header: {', '.join(header[:12])}{'...' if len(header) > 12 else ''})")
    return None


def number(text: str | None) -> float | None:
    """A published number: None for blank or a suppression code; ValueError for anything else."""
    t = (text or "").strip().replace(",", "").replace("£", "")
    if t == "" or t.lower() in SUPPRESSION_CODES:
        return None
    return float(t)


def period_from_name(path: Path) -> int | None:
    """Financial-year start from a file name: ``..._2009_10...``, ``...0910...``, ``...mye2020...``."""
    s = path.stem.lower()
    year = fy_in(s, short=True)
    if year is not None:
        return year
    m = re.search(r"(?:mye|mid)-?(20\d{2})", s)
    return int(m.group(1)) if m else None


def source_of(publisher: str, path: Path, extra: str = "") -> str:
    return f"{publisher}{'; ' + extra if extra else ''} (file {path.name})"


# --------------------------------------------------------------------------------------------
# DfE / DCSF Section 52 outturn, children and young people's services

S52_UNCLASSIFIED = "unclassified"
"""Theme of a Section 52 line neither ``s52_lines.csv`` nor a rule in ``s52_rules.csv`` places: kept in the
count (stage ``universal``, outside the preventive share) and shown in the place report with its £."""


def classify_s52(label: str) -> dict:
    """Theme, stage and service of a Section 52 line ``s52_lines.csv`` does not list, by the first rule of
    ``data/reference/s52_rules.csv`` whose pattern it matches; otherwise kept as *unclassified*."""
    for rule in reference.rows("s52_rules.csv"):
        if re.search(rule["pattern"], label, re.I):
            return {"theme": rule["theme"], "stage": rule["stage"],
                    "service": f"{rule['service_prefix']}: {label} (classified by rule)"}
    return {"theme": S52_UNCLASSIFIED, "stage": "universal", "service": f"Unclassified Section 52 line: {label}"}


def read_dfe_s52(path: Path) -> Read:
    """DfE Section 52 outturn: one row per authority (old DfE number) and S52 line, in pounds."""
    header, rows, r = start(path, "DfE Section 52 outturn (children and young people's services)")
    la = pick(header, "LEA", "LA", "LEA Number", "LA Number", "LA code", file=path.name)
    line_no = pick(header, "Line", "Line Number", required=False)
    text = pick(header, "S52 Line Reference", "Line Reference", "Description", file=path.name)
    net = next((h for h in header if norm(h).startswith("net current expenditure")), None)
    if net is None:
        raise FormatError(f"{path.name}: no 'NET Current Expenditure' column (header: {', '.join(header[:12])})")
    period = pick(header, "Period", "Year", "time_period", required=False)
    status = pick(header, "ReturnStatus", "Return Status", required=False)
    thousands = bool(re.search(r"£ ?000|thousand", net, re.I))
    year0 = period_from_name(path)
    if period is None and year0 is None:
        raise FormatError(f"{path.name}: no period column and no year in the file name (e.g. 2009_10)")
    lines = {norm(x["line_text"]): x for x in reference.rows("s52_lines.csv")}
    for line, row in rows:
        label = row[text].strip()
        if not line_no:  # 2008-09 style: "2 Youth offender teams"
            label = re.sub(r"^\d+\s+", "", label)
        spec = lines.get(norm(label)) or classify_s52(label)
        if spec["theme"] == "subtotal":
            r.reject(line, f"subtotal line '{label}': its parts are counted, so it would double count")
            continue
        if spec["theme"] == "capital":
            r.reject(line, f"'{label}' is capital spending charged to revenue, outside the revenue count")
            continue
        if status and row.get(status, "").strip().lower() in ("not returned", "missing", "estimate not returned"):
            r.reject(line, f"return status '{row[status]}'")
            continue
        try:
            amount = number(row[net])
            year = fy_start(row[period]) if period else year0
        except ValueError as exc:
            r.reject(line, f"column {net}: {exc}")
            continue
        if amount is None:
            r.reject(line, f"column {net}: blank or suppressed")
            continue
        amount *= 1000.0 if thousands else 1.0
        if amount < 0:
            r.add("negative", line, True, dfe_number=row[la].strip(), year=year, service=spec["service"],
                  amount_gbp=amount)
            continue
        r.add("spend", line, True, dfe_number=row[la].strip(), year=year, theme=spec["theme"], agency="Council",
              service=spec["service"], stage=spec["stage"], amount_gbp=round(amount), price_year=fy_label(year),
              source=source_of(f"DfE Section 52 outturn {fy_label(year)}, net current expenditure", path),
              discretionary=False, _group="S52")
    return r


# --------------------------------------------------------------------------------------------
# DfE SFR children looked after, wide LA tables (SFR27/2010 underlying data)


PLACEMENT_GROUPS = {
    "foster care": ("Q1", "Q2"),
    "residential care": ("H5", "K1", "K2", "R1", "R2", "R5", "S1"),
    "placed with parents": ("P1",),
    "other placements": ("A3", "A4", "A5", "A6", "P2", "P3", "R3", "M1", "M2", "M3", "Z1"),
}
"""SSDA903 placement codes (SFR27/2010 metadata, Annex A) grouped as the early-years theme costs them."""

SUPPRESSED_PLACEMENT = "placement suppressed (1-5 children per cell)"


def _placement_columns(header: list[str], prefix: str) -> dict[str, str]:
    """Placement code -> column, correcting the 2010 edition's labels.

    In SFR27/2010 the values run in alphabetical order of the placement codes while the header
    lists them in the metadata's order (checked: relabelled, England's foster placements are
    Q1 7,300 + Q2 39,900 = 47,200, 73% of 64,400, as published; as labelled they would be 410).
    """
    cols = [h for h in header if re.fullmatch(rf"{prefix}_[A-Z]\d_\d{{4}}", h)]
    codes = [c.split("_")[1] for c in cols]
    if codes != sorted(codes):
        codes = sorted(codes)
    return dict(zip(codes, cols, strict=True))


def read_dfe_cla_sfr(path: Path) -> Read:
    """DfE SFR children looked after (at 31 March, or started in the year), LA rows by placement."""
    header, rows, r = start(path, "DfE children looked after (SFR underlying data)")
    level = pick(header, "geog_l", "geographic_level", file=path.name)
    code = pick(header, "geog_c", "LA_code", "la_code", file=path.name)
    total = next((h for h in header if re.fullmatch(r"(Mar|Start|Ceased)Total_\d{4}", h)), None)
    if total is None:
        raise FormatError(f"{path.name}: no MarTotal_YYYY / StartTotal_YYYY column")
    kind, year_end = re.fullmatch(r"(Mar|Start|Ceased)Total_(\d{4})", total).groups()
    year = int(year_end) - 1  # at 31 March 2010 / during 2009-10 -> financial year 2009
    pop = next((h for h in header if re.fullmatch(r"Mid\d{4}Pop0-17", h)), None)
    placements = _placement_columns(header, f"{kind}Place")
    what = {"Mar": "children looked after at 31 March", "Start": "children starting to be looked after",
            "Ceased": "children ceasing to be looked after"}[kind]
    when = year_end if kind == "Mar" else fy_label(year)
    src = source_of(f"DfE SFR27/{year_end} children looked after, {what} {when}", path)
    for line, row in rows:
        lvl = row[level].strip().lower()
        if lvl in ("gor", "region", "regional"):
            r.reject(line, "a region total, not a local authority")
            continue
        area = {"dfe_number": row[code].strip()} if lvl in ("la", "local authority") else {"area_code": ENGLAND_CODE}
        try:
            n = number(row[total])
            kids = number(row[pop]) if pop else None
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if n is None:
            r.reject(line, f"{total} blank or suppressed")
            continue
        r.add("activity", line, True, **area, year=year, theme="early_years", measure=what, value=n,
              unit="children", source=src)
        if kind == "Mar":
            known = 0.0
            for group, group_codes in PLACEMENT_GROUPS.items():
                vals = [number(row[placements[c]]) for c in group_codes if c in placements]
                g = sum(v for v in vals if v is not None)
                known += g
                r.add("activity", line, True, **area, year=year, theme="early_years",
                      measure=f"children looked after: {group}", value=g, unit="children", source=src)
            r.add("activity", line, True, **area, year=year, theme="early_years",
                  measure=f"children looked after: {SUPPRESSED_PLACEMENT}", value=max(n - known, 0.0),
                  unit="children", source=src)
        if kids is not None:
            r.add("population", line, True, **area, year=year, age=0, age_to=17, persons=int(kids),
                  source=source_of(f"ONS mid-{year} population aged 0-17, as published in DfE SFR27/{year_end}", path))
            r.indicator(line, True, **area, indicator="Children looked after per 10,000 aged 0-17",
                        period=year_end, value=n / kids * 1e4, unit="per 10,000",
                        source=src, numerator=n, denominator=kids)
    return r


# --------------------------------------------------------------------------------------------
# DfE explore-education-statistics long files (children looked after 2020 onwards)


EES_THEMES = (("convict", "offenders"), ("substance", "alcohol"), ("", "early_years"))


def read_dfe_ees(path: Path) -> Read:
    """DfE explore-education-statistics tidy files: ``time_period, geographic_level, new_la_code, ...``."""
    header, rows, r = start(path, "DfE explore-education-statistics (children looked after)")
    tp = pick(header, "time_period", file=path.name)
    level = pick(header, "geographic_level", file=path.name)
    new = pick(header, "new_la_code", file=path.name)
    num = pick(header, "number", file=path.name)
    # The CLA numbers file heads its measure column 'population_count' (a publisher slip).
    measure = pick(header, "measure", "population_count", "characteristic", file=path.name)
    group = pick(header, "cla_group", required=False)
    pop = pick(header, "population_estimate", required=False)
    for line, row in rows:
        lvl = row[level].strip().lower()
        if lvl not in ("national", "local authority"):
            r.reject(line, f"a {lvl} total, not a local authority")
            continue
        area = ENGLAND_CODE if lvl == "national" else row[new].strip()
        try:
            year_end = int(row[tp][:4])
            n = number(row[num])
            kids = number(row[pop]) if pop else None
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if n is None:
            r.reject(line, f"column {num}: '{row[num]}' blank or suppressed by the publisher")
            continue
        label = row[measure].strip()
        if group:
            label = f"{row[group].strip()}: {label}"
        label = label[0].lower() + label[1:]
        theme = next(t for k, t in EES_THEMES if k in label.lower())
        src = source_of(f"DfE children looked after in England, year ending 31 March {year_end}", path)
        r.add("activity", line, True, area_code=area, year=year_end - 1, theme=theme, measure=label, value=n,
              unit="children", source=src)
        if kids and label.lower().startswith("children looked after at 31 march"):
            r.indicator(line, True, area_code=area, indicator="Children looked after per 10,000 aged 0-17",
                        period=str(year_end), value=n / kids * 1e4, unit="per 10,000",
                        source=src, numerator=n, denominator=kids)
    return r


# --------------------------------------------------------------------------------------------
# DfE wide LA files (EYFSP good level of development, funded early education take-up)


def read_dfe_wide_la(path: Path) -> Read:
    """DfE LA-per-row files with year-suffixed columns (``All_Percent_GLD_2018_LA``, ``two_year_olds_Percent_2019``)."""
    header, rows, r = start(path, "DfE local-authority table (wide)")
    gss = pick(header, "LA_Code", required=False)
    number_col = pick(header, "LA_Number", required=False)
    specs = []
    for h in header:
        m = re.fullmatch(r"All_Percent_GLD_(\d{4})_LA", h)
        if m:
            specs.append((h, "Good level of development at age 5", int(m.group(1))))
        m = re.fullmatch(r"(two_year_olds|three_and_four_year_olds)_Percent_(\d{4})", h)
        if m:
            who = "2-year-olds" if m.group(1) == "two_year_olds" else "3- and 4-year-olds"
            specs.append((h, f"Funded early education take-up: {who}", int(m.group(2))))
    if not specs:
        raise FormatError(f"{path.name}: no All_Percent_GLD_YYYY_LA or *_Percent_YYYY columns")
    for line, row in rows:
        g = (row.get(gss) or "").strip() if gss else ""
        area = {"area_code": g} if re.fullmatch(r"E\d{8}", g) else {"dfe_number": (row.get(number_col) or g).strip()}
        added = False
        for col, name, y in specs:
            try:
                v = number(row[col])
            except ValueError:
                continue
            if v is None:
                continue
            gld = name.startswith("Good")
            period = fy_label(y - 1) if gld else str(y)
            what = "EYFSP summer" if gld else "January census"
            r.indicator(line, False, **area, indicator=name, period=period, value=v / 100, unit="proportion",
                        source=source_of(f"DfE {what} {y}", path))
            added = True
        if not added:
            r.reject(line, "every value blank or suppressed")
    return r


# --------------------------------------------------------------------------------------------
# MHCLG RO3 England-level lines


def read_mhclg_ro3_england(path: Path) -> Read:
    """RO3 public-health lines for England: ``period, description, net_current_expenditure``."""
    header, rows, r = start(path, "MHCLG Revenue Outturn RO3 (England totals)")
    for line, row in rows:
        try:
            year = fy_start(row["period"])
            v = number(row["net_current_expenditure"])
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if v is None or v < 0:
            r.reject(line, "blank or negative amount")
            continue
        d = " ".join(row["description"].split())
        theme = "alcohol"
        low = d.lower()
        substance = "Drugs and alcohol" if "alcohol" in low and "drug" in low else "Alcohol" if "alcohol" in low \
            else "Drugs" if "drug" in low else "Drugs and alcohol"
        r.add("spend", line, True, area_code=ENGLAND_CODE, year=year, theme=theme, agency="Council",
              service=f"{substance}: {d[0].lower() + d[1:]}", stage="early intervention" if "treatment" in d.lower()
              else "preventive", amount_gbp=round(v), price_year=fy_label(year),
              source=source_of(f"MHCLG Revenue Outturn RO3 {fy_label(year)}, England", path), discretionary=False)
    return r


def header_of(path: Path) -> list[str]:
    """The header cells of a CSV file (any of the encodings :func:`read_text` accepts)."""
    text, _ = read_text(path)
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    return [h.strip() for h in first]
