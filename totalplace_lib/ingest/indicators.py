"""Readers of the indicator families: OHID Fingertips (LAPE alcohol admissions and the rest), the ONS Health
Index, ONS area values and Explore Local Statistics, and the English Indices of Deprivation summaries.
Each returns a :class:`~.readers.Read` of tidy ``indicators`` (or ``activity``) rows, one line of the file
used or rejected with its reason."""

from __future__ import annotations

import re
from pathlib import Path

from totalplace_lib.core.periods import fy_label, fy_start
from totalplace_lib.ingest.readers import Read, norm, number, period_from_name, pick, source_of, start

# --------------------------------------------------------------------------------------------
# OHID / PHE Fingertips extracts


FINGERTIPS_NAMES = {
    "alcohol related admissions (narrow measure)": ("Alcohol-related admissions (narrow) per 100,000",
                                                    "per 100,000", 1.0,
                                                    "directly age-standardised rate (Fingertips 91414)"),
    "children in care rate per 10,000 population aged < 18": ("Children looked after per 10,000 aged 0-17",
                                                               "per 10,000", 1.0, "Fingertips 90803"),
    "children on child protection plans rate per 10,000 children <18": (
        "Child protection plans per 10,000 aged 0-17", "per 10,000", 1.0, "Fingertips 90886"),
    "children with free school meal status achieving a good level of development at the end of reception": (
        "Good level of development at age 5 (free school meals)", "proportion", 0.01, "Fingertips 90632"),
    "children in low income families": ("Children in low-income families", "proportion", 0.01,
                                        "under-16s, Fingertips 10101"),
}


def read_fingertips(path: Path) -> Read:
    """Fingertips extracts (fingertipsR style): ``area_code, area_name, period, value, indicator, ...``."""
    header, rows, r = start(path, "OHID Fingertips indicator extract")
    code = pick(header, "area_code", "AreaCode", "Area Code", file=path.name)
    period = pick(header, "period", "Time period", "Timeperiod", file=path.name)
    value = pick(header, "value", "Value", file=path.name)
    ind = pick(header, "indicator", "IndicatorName", "Indicator Name", file=path.name)
    lo = pick(header, "lower_ci", "LowerCI95.0limit", "Lower CI 95.0 limit", required=False)
    hi = pick(header, "upper_ci", "UpperCI95.0limit", "Upper CI 95.0 limit", required=False)
    num = pick(header, "count", "Count", required=False)
    den = pick(header, "denominator", "Denominator", required=False)
    for line, row in rows:
        published = " ".join(row[ind].split())
        if not published:
            r.reject(line, f"column {ind}: no indicator name")
            continue
        # an indicator the project has not named is kept under its published name, as published
        name, unit, scale, what = FINGERTIPS_NAMES.get(norm(published)) or (
            published, "as published (Fingertips)", 1.0, "indicator not yet named by the project")
        try:
            v = number(row[value])
            lower = number(row.get(lo)) if lo else None
            upper = number(row.get(hi)) if hi else None
            n = number(row.get(num)) if num else None
            d = number(row.get(den)) if den else None
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if v is None:
            r.reject(line, f"value blank or suppressed ('{row[value]}')")
            continue
        r.indicator(line, False, area_code=row[code].strip(), indicator=name, period=row[period].strip(),
                    value=v * scale, unit=unit, lower_ci=None if lower is None else lower * scale,
                    upper_ci=None if upper is None else upper * scale,
                    source=source_of(f"OHID Fingertips: {row[ind].strip()} ({what})", path), numerator=n, denominator=d)
    return r


# --------------------------------------------------------------------------------------------
# ONS Health Index (long indicators, wide scores) and other ONS area-value files


def _values(r: Read, line: int, row: dict, cols: dict[str, str]) -> dict[str, float] | None:
    """A row's numbers by name (``cols``: name -> column), blanks left out; None, with the row rejected, if one is
    not a number or all are blank or suppressed."""
    try:
        vals = {name: number(row[c]) for name, c in cols.items()}
    except ValueError as exc:
        r.reject(line, str(exc))
        return None
    if all(v is None for v in vals.values()):
        r.reject(line, "value blank or suppressed")
        return None
    return {name: v for name, v in vals.items() if v is not None}


def read_ons_health_index(path: Path) -> Read:
    """ONS Health Index for England: ``ltla21_code, year, indicator, value`` or domain-score columns."""
    header, rows, r = start(path, "ONS Health Index for England")
    code = pick(header, "ltla21_code", "area_code", "areacd", file=path.name)
    year = pick(header, "year", file=path.name)
    ind = pick(header, "indicator", required=False)
    value_cols = ["value"] if ind else [h for h in header if h.endswith("_score")]
    for line, row in rows:
        vals = _values(r, line, row, {(row[ind].strip() if ind else c.replace("_", " ").replace(" score", "")): c
                                      for c in value_cols})
        for name, v in (vals or {}).items():
            r.indicator(line, False, area_code=row[code].strip(),
                        indicator=f"Health Index: {name[0].upper() + name[1:]}", period=row[year].strip(), value=v,
                        unit="as published (ONS Health Index)",
                        source=source_of(f"ONS Health Index for England {row[year].strip()}", path))
    return r


def read_ons_area_values(path: Path) -> Read:
    """ONS one-value-per-area files, e.g. ``ltla23_code, crime_severity_score`` (period from the name)."""
    header, rows, r = start(path, "ONS area statistic")
    code = header[0]
    cols = header[1:]
    y = period_from_name(path)
    period = fy_label(y) if y else "as published"
    for line, row in rows:
        for c, v in (_values(r, line, row, {c: c for c in cols}) or {}).items():
            name = c.replace("_", " ")
            r.indicator(line, False, area_code=row[code].strip(), indicator=name[0].upper() + name[1:],
                        period=period, value=v, unit="score",
                        source=source_of(f"ONS {name} {period}", path))
    return r


def read_ons_explore_local(path: Path) -> Read:
    """ONS Explore Local Statistics long files: ``areacd, indicator, period, observation, lci_95, uci_95``."""
    header, rows, r = start(path, "ONS Explore Local Statistics")
    for line, row in rows:
        if row.get("geography", "").strip() == "Local Authority District":
            r.reject(line, "district value of a percentage: not combined into counties (duplicated by the "
                           "county/unitary rows)")
            continue
        try:
            v = number(row["observation"])
            lo, hi = number(row.get("lci_95")), number(row.get("uci_95"))
            period = fy_label(fy_start(row["period"]))
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if v is None:
            r.reject(line, "observation blank or suppressed")
            continue
        pct = row.get("unit", "").strip() == "%"
        s = 0.01 if pct else 1.0
        src = source_of(f"DfE Early Years Foundation Stage Profile {period}, via ONS Explore Local Statistics", path)
        r.indicator(line, False, area_code=row["areacd"].strip(),
                    indicator=f"EYFSP: expected level in {row['indicator'].strip().lower()}", period=period,
                    value=v * s, unit="proportion" if pct else row.get("unit", ""),
                    lower_ci=None if lo is None else lo * s, upper_ci=None if hi is None else hi * s, source=src)
    return r


# --------------------------------------------------------------------------------------------
# MHCLG English Indices of Deprivation, upper-tier summaries


def read_imd_summary(path: Path) -> Read:
    """English Indices of Deprivation upper-tier summary: average score and share of LSOAs in the top 10%."""
    header, rows, r = start(path, "MHCLG English Indices of Deprivation (upper-tier summary)")
    code = next(h for h in header if "code" in h.lower())
    score = pick(header, "IMD - Average score", file=path.name)
    share = pick(header, "IMD - Proportion of LSOAs in most deprived 10% nationally", required=False)
    year = re.search(r"(20\d{2})", path.stem)
    period = year.group(1) if year else "as published"
    for line, row in rows:
        try:
            s = number(row[score])
            p = number(row[share]) if share else None
        except ValueError as exc:
            r.reject(line, str(exc))
            continue
        if s is None:
            r.reject(line, "average score blank")
            continue
        src = source_of(f"MHCLG English Indices of Deprivation {period}, upper-tier summary", path)
        r.indicator(line, False, area_code=row[code].strip(), indicator="IMD average score", period=period,
                    value=s, unit="score", source=src)
        if p is not None:
            r.indicator(line, False, area_code=row[code].strip(),
                        indicator="IMD share of neighbourhoods in England's most deprived 10%", period=period, value=p,
                        unit="proportion", source=src)
    return r
