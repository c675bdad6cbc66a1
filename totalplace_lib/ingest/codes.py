"""Ingest stage 3, *map codes*: a file's tidy rows moved onto the 2014 upper-tier authorities the reports use
(districts summed into their county, authorities since merged or split followed through
:mod:`.vintage`); a row that cannot be placed is rejected, by line, with the reason."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.core.units import multiplier
from totalplace_lib.ingest import cra, readers, revenue_outturn, vintage

KEYS = {
    "population": ("area_code", "year", "age"),
    "spend": ("area_code", "year", "theme", "agency", "service", "spend_type"),
    "activity": ("area_code", "year", "theme", "measure"),
    "indicators": ("area_code", "indicator", "period"),
}

_VALUE = {"population": "persons", "spend": "amount_gbp", "activity": "value"}

_NOT_BY_AUTHORITY = (cra.TABLE, revenue_outturn.TABLE, "icb_allocation", "practice_population")
"""Tables a reader produces for bodies or areas other than an authority; the count places them."""


# ------------------------------------------------------------------------------------------------
# The families: which reader reads which file (by content, so renamed files still find their reader)


def map_codes(read: readers.Read, v: vintage.Vintage) -> dict[str, list[dict]]:
    """Tidy rows on 2014 upper-tier codes; rows that cannot be mapped are rejected (by line) with the reason."""
    kept: dict[str, list[dict]] = defaultdict(list)
    line_reasons: dict[int, str] = {}
    left_out = _left_out_parts(read.rows.get("negative", []), v)
    incomplete: dict[str, list[int]] = defaultdict(list)
    for table, rows in read.rows.items():
        if table in _NOT_BY_AUTHORITY or table == "unit_costs_ucd":
            if isinstance(rows, pd.DataFrame):
                kept[table].append(rows)  # a frame (the CRA's 100k rows a file) is kept whole
            else:
                kept[table].extend(rows)
            continue
        groups: dict[tuple, list[tuple[dict, vintage.Target]]] = defaultdict(list)
        for row in rows:
            t = _target(row, v)
            code = row.pop("area_code", None)
            row.pop("dfe_number", None)
            if t.code is None:
                line_reasons.setdefault(row["_line"], t.reason)
                continue
            if table == "negative":  # reported per value: other values on the same row may be used
                why = (f"negative net current expenditure £{row['amount_gbp']:,.0f} on {row['service']} "
                       "(income above spending): left out, the count needs spending of £0 or more")
                read.excluded[why] = read.excluded.get(why, []) + [row["_line"]]
                line_reasons.setdefault(row["_line"], why)
                continue
            if not t.whole and table in ("indicators", "population"):  # a district's: kept aside for estimates
                kept[f"_district_{table}"].append({**row, "area_code": t.code, "district": code})
            if not row["_additive"] and not t.whole:
                line_reasons.setdefault(row["_line"], f"a rate or score for part of {v.names.get(t.code, t.code)} "
                                                      f"({t.code}); rates are never summed into a larger area")
                continue
            key = tuple(row.get(k) for k in KEYS[table] if k != "area_code")
            if table == "population":  # a band (age 0 to 90+) is not the single year of age 0
                key += (row.get("age_to"),)
            groups[(t.code, key)].append((row, t))
        for (code, _key), parts in groups.items():
            whole = any(t.whole for _, t in parts) or code == ENGLAND_CODE
            covered = set().union(*(t.members for _, t in parts))
            need = set(v.districts(code))
            first_row = parts[0][0]
            covered |= left_out.get((code, first_row.get("year"), first_row.get("service")), set())
            if not whole and not need <= covered:
                gap = ", ".join(f"{v.names.get(d, d)} ({d})" for d in sorted(need - covered))
                why = (f"part of {v.names.get(code, code)} ({code}), whose other parts are missing or unmappable "
                       f"here: {gap}")
                if "service" in first_row:  # named per service where the row's other services are counted
                    incomplete[f"{first_row['service']}: {why}"] += [row["_line"] for row, _ in parts]
                for row, _ in parts:
                    line_reasons.setdefault(row["_line"], why)
                continue
            wholes = [p for p, t in parts if t.whole]
            if len(parts) > 1 and not parts[0][0]["_additive"]:  # a rate: only the whole area's own row
                for p, _ in parts:
                    if p is not wholes[0]:
                        line_reasons.setdefault(p["_line"], f"a second row for {v.names.get(code, code)} "
                                                            f"({code}) in the same period; the first is used")
                parts = [(wholes[0], None)]
            first = dict(parts[0][0])
            first["area_code"] = code
            if len(parts) > 1:
                if table in _VALUE:
                    first[_VALUE[table]] = sum(p[_VALUE[table]] for p, _ in parts)
                else:  # additive indicator: pool numerator and denominator, recompute the rate
                    first["numerator"] = sum(p["numerator"] for p, _ in parts)
                    first["denominator"] = sum(p["denominator"] for p, _ in parts)
                    first["value"] = first["numerator"] / first["denominator"] * multiplier(first["unit"])
                first["_lines"] = [ln for p, _ in parts for ln in p.get("_lines", [p["_line"]])]
            kept[table].append(first)
    read.used_lines = set()
    for t, rows in kept.items():
        if t.startswith("_"):
            continue
        for r in rows:
            if isinstance(r, pd.DataFrame):
                read.used_lines |= set(r["_line"].astype(int))
            else:
                read.used_lines.update(r.get("_lines", [r["_line"]]))
    for line, reason in line_reasons.items():
        if line not in read.used_lines:
            read.reject(line, reason)
    for reason, lines in incomplete.items():  # a value left out of a row whose other values are counted
        if kept_lines := [ln for ln in lines if ln in read.used_lines]:
            read.excluded[reason] = read.excluded.get(reason, []) + kept_lines
    return kept


def _target(row: dict, v: vintage.Vintage) -> vintage.Target:
    """Where a reader's row goes: its old DfE number's or its area code's 2014 upper-tier authority."""
    if "dfe_number" in row:
        return v.dfe(row["dfe_number"])
    return v.target(row.get("area_code"))


def _left_out_parts(negative: list[dict], v: vintage.Vintage) -> dict[tuple, set[str]]:
    """(2014 authority, year, service) -> the parts whose negative value on that service was left out (a
    council's net income on a service is left out at £0 and listed; its area's line is still whole)."""
    parts: dict[tuple, set[str]] = defaultdict(set)
    for row in negative:
        t = _target(row, v)
        if t.code is not None:
            parts[(t.code, row["year"], row["service"])] |= t.members
    return parts
