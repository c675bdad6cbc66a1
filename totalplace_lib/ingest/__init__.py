"""Ingest real public files into the tidy tables of the ``public`` dataset.

Stages, top to bottom: find every file under the raw folder -> read it with the reader for its
publication family (:mod:`.readers`) -> map its area codes to the 2014 upper tier
(:mod:`.vintage`), summing additive parts -> keep one row per table key (earlier files win) ->
write ``data/processed/public/*.csv`` and ``manifest.json`` (every input file with its hash, rows
read, used and rejected, and why). Every data row read is either used or rejected with a reason:
``rows_read == rows_used + rows_rejected`` for every file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .. import paths
from ..benchmark import multiplier
from ..errors import TotalPlaceInputError
from . import cra, estimates, readers, topdown, vintage

logger = logging.getLogger(__name__)

DATASET = "public"
MISSING_TABLES = {
    "events": "person-level records (offenders' offences, patients' admissions) are not published; the "
              "concentration and journey analyses need local case-level data",
}
_NOT_TABULAR = {
    ".md": "documentation (provenance)", ".txt": "documentation (metadata)", ".json": "documentation or geometry",
    ".hexjson": "hex-map layout (geometry, not a table)",
}
_LOOKUPS = {"ltla14_lookup.csv": "lookup: 2014 district -> county (code vintages)",
            "la_changes_2014_2023.csv": "lookup: authority changes 2014-2023 (code vintages)",
            "ons_lad17_csp17_pfa17_lookup_jan2017.csv": "lookup: district -> police force area (shares police "
                                                        "bodies' outturn among their councils)"}
_KEYS = {
    "population": ("area_code", "year", "age"),
    "spend": ("area_code", "year", "theme", "agency", "service", "spend_type"),
    "activity": ("area_code", "year", "theme", "measure"),
    "indicators": ("area_code", "indicator", "period"),
}
_VALUE = {"population": "persons", "spend": "amount_gbp", "activity": "value"}
_NOT_BY_AUTHORITY = ("police_force", "regional_spend")
"""Tables a reader produces for areas larger than an authority; :mod:`.topdown` shares them out."""


@dataclass
class FileReport:
    """One input file in the manifest."""

    file: str
    sha256: str
    family: str
    encoding: str = ""
    rows_read: int = 0
    rows_used: int = 0
    rows_rejected: int = 0
    rejected_reasons: dict[str, dict] = field(default_factory=dict)
    values_left_out: dict[str, dict] = field(default_factory=dict)  # single values of otherwise used rows
    tidy_rows: dict[str, int] = field(default_factory=dict)
    note: str = ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _map_codes(read: readers.Read, v: vintage.Vintage) -> dict[str, list[dict]]:
    """Tidy rows on 2014 upper-tier codes; rows that cannot be mapped are rejected (by line) with the reason."""
    kept: dict[str, list[dict]] = defaultdict(list)
    line_reasons: dict[int, str] = {}
    left_out = _left_out_parts(read.rows.get("negative", []), v)
    incomplete: dict[str, list[int]] = defaultdict(list)
    for table, rows in read.rows.items():
        if table in _NOT_BY_AUTHORITY:  # police force areas, regions: shared out by the top-down count
            kept[table].extend(rows)
            continue
        groups: dict[tuple, list[tuple[dict, vintage.Target]]] = defaultdict(list)
        councils: set[tuple] = set()  # groups holding councils' own accounts (Revenue Outturn)
        for row in rows:
            t = _target(row, v)
            code = row.pop("area_code", None)
            council = row.pop("_council_only", False)
            row.pop("dfe_number", None)
            if t.code is None:
                line_reasons.setdefault(row["_line"], t.reason)
                continue
            if table == "negative":  # reported per value: other services on the same row may be used
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
            key = tuple(row.get(k) for k in _KEYS[table] if k != "area_code")
            groups[(t.code, key)].append((row, t))
            if council:
                councils.add((t.code, key))
        for (code, key), parts in groups.items():
            whole = any(t.whole for _, t in parts) or code == vintage.ENGLAND
            covered = set().union(*(t.members for _, t in parts))
            need = set(v.districts(code))
            if (code, key) in councils:  # councils' own accounts: the county council is one of the parts
                need.add(code)
                first_row = parts[0][0]
                covered |= left_out.get((code, first_row["year"], first_row["service"]), set())
            if not whole and not need <= covered:
                gap = ", ".join(f"{v.names.get(d, d)} ({d})" for d in sorted(need - covered))
                why = (f"part of {v.names.get(code, code)} ({code}), whose other parts are missing or unmappable "
                       f"here: {gap}")
                if "service" in parts[0][0]:  # named per service where the row's other services are counted
                    incomplete[f"{parts[0][0]['service']}: {why}"] += [row["_line"] for row, _ in parts]
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
                first["_lines"] = [p["_line"] for p, _ in parts]
            kept[table].append(first)
    read.used_lines = {ln for t, rows in kept.items() if not t.startswith("_") for r in rows
                       for ln in r.get("_lines", [r["_line"]])}
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
    return v.target(row.get("area_code"), row.get("_council_only", False))


def _left_out_parts(negative: list[dict], v: vintage.Vintage) -> dict[tuple, set[str]]:
    """(2014 authority, year, service) -> the councils whose negative value on that service was left out.

    A council whose income exceeded its spending on a service (a district's small net income on highways,
    say) is left out of the count at £0 and listed in the manifest; its county area's line is still whole,
    so the county and its other districts are counted rather than the line being dropped as incomplete.
    """
    parts: dict[tuple, set[str]] = defaultdict(set)
    for row in negative:
        t = _target(row, v)
        if t.code is not None:
            parts[(t.code, row["year"], row["service"])] |= t.members
    return parts


def _reasons(rejected: dict[int, str]) -> dict[str, dict]:
    """Reasons with their count and the first few CSV lines."""
    by: dict[str, list[int]] = defaultdict(list)
    for line, why in sorted(rejected.items()):
        by[why].append(line)
    ordered = sorted(by.items(), key=lambda x: -len(x[1]))
    return {why: {"rows": len(lines), "lines": lines[:5]} for why, lines in ordered}


def _areas(v: vintage.Vintage) -> pd.DataFrame:
    """The 2014 upper-tier authorities of England, plus England."""
    from ..params import load_places

    pilots = {c for p in load_places() for c in p.area_codes}
    rows = [{"area_code": c, "area_name": v.names[c], "slug": _slug(v.names[c]), "region": v.regions.get(c, ""),
             "pilot": c in pilots} for c in sorted(v.upper_tier)]
    rows.append({"area_code": vintage.ENGLAND, "area_name": "England", "slug": "england", "region": "England",
                 "pilot": False})
    return pd.DataFrame(rows)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _find_lookups(raw: Path) -> Path:
    """The folder holding ``geography/ltla14_lookup.csv`` (the raw folder, else ../shared/data/real)."""
    for base in (raw, paths.real_data_dir()):
        if (base / "geography" / "ltla14_lookup.csv").exists():
            return base
    raise TotalPlaceInputError(f"no geography/ltla14_lookup.csv under {raw} or {paths.real_data_dir()}: "
                               "the code-vintage lookups are needed to map authorities", file=str(raw))


def run_ingest(raw: Path, out: Path | None = None) -> dict:
    """Read every file under ``raw`` into the ``public`` dataset; return the manifest.

    Parameters
    ----------
    raw : Path
        Folder of publishers' files (searched recursively), e.g. ``../shared/data/real`` or ``data/raw``.
    out : Path, optional
        Dataset folder to write (default ``data/processed/public``). Replaced as a whole, atomically.

    Raises
    ------
    TotalPlaceInputError
        If ``raw`` is not a folder, or the lookups for code vintages cannot be found.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise TotalPlaceInputError(f"raw data folder not found: {raw}", file=str(raw))
    out = Path(out) if out else paths.data_dir(DATASET)
    v = vintage.load(_find_lookups(raw))
    files: list[FileReport] = []
    tables: dict[str, list[dict]] = defaultdict(list)
    groups: dict = {}
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        rel = str(path.relative_to(raw))
        rep = FileReport(rel, _sha256(path), "")
        files.append(rep)
        suffix = ".hexjson" if path.suffix == ".hexjson" else path.suffix.lower()
        if path.name in _LOOKUPS:
            rep.family, rep.note = "ONS geography lookup", _LOOKUPS[path.name] + ": read in full, not a tidy table"
            continue
        if suffix in _NOT_TABULAR:
            rep.family, rep.note = "not a data table", _NOT_TABULAR[suffix] + ": not ingested"
            continue
        if suffix in (".xlsx", ".xlsm"):
            _read_workbook(path, rel, rep, tables)
            continue
        if suffix != ".csv":
            rep.family, rep.note = "unknown", f"no reader for '{path.suffix}' files: not ingested"
            continue
        if path.name.startswith("new_economy_unit_cost_database"):
            rep.family = "New Economy Unit Cost Database"
            rep.note = ("read by totalplace_lib.costs.read_unit_cost_database (reference unit costs); "
                        "reports use the curated data/reference/unit_costs.csv")
            from ..costs import read_unit_cost_database

            ucd = read_unit_cost_database(path)
            rep.rows_read = rep.rows_used = len(ucd)
            rep.tidy_rows = {"unit_costs_ucd": len(ucd)}
            tables["unit_costs_ucd"] = ucd.to_dict("records")
            continue
        reader = readers.reader_for(path)
        if reader is None:
            rep.family, rep.note = "unknown", "no reader recognises this header: not ingested"
            logger.warning("%s: no reader recognises this header", rel)
            continue
        try:
            read = reader(path)
        except (readers.FormatError, KeyError) as exc:
            rep.family, rep.note = reader.__name__, f"could not read: {exc}"
            logger.error("%s: %s", rel, exc)
            continue
        if "population" in read.rows:
            groups.update(topdown.population_groups(read.rows["population"], v))
        _take(read, _map_codes(read, v), rel, rep, tables)
    count_note = _count(tables, groups, v, raw)
    estimates_note = estimates.derive(tables)
    manifest = {
        "dataset": DATASET,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw": str(raw),
        "out": str(paths.relative(out)),
        "vintage": "2014 upper-tier local authorities (April 2009 structure); rule in docs/public-data.md",
        "missing_tables": MISSING_TABLES,
        "count": count_note,
        "estimates": estimates_note,
        "files": [f.__dict__ for f in files],
    }
    _write(out, tables, v, manifest)
    return manifest


def _take(read: readers.Read, mapped: dict[str, list[dict]], rel: str, rep: FileReport,
          tables: dict[str, list[dict]]) -> None:
    """Add a file's tidy rows to the tables and its counts to the manifest; every row read is used or rejected."""
    rep.family, rep.encoding, rep.rows_read = read.family, read.encoding, read.rows_read
    rep.note = rep.note or read.note
    rep.rows_rejected = len(read.rejected)
    rep.rows_used = len(read.used_lines)
    rep.rejected_reasons = _reasons(read.rejected)
    rep.values_left_out = {why: {"values": len(lines), "lines": lines[:5]} for why, lines in read.excluded.items()}
    for table, rows in mapped.items():
        for r in rows:
            r["_file"] = rel
        tables[table].extend(rows)
    rep.tidy_rows = {t: len(rows) for t, rows in mapped.items() if not t.startswith("_")}
    if rep.rows_read != rep.rows_used + rep.rows_rejected:
        raise AssertionError(f"{rel}: {rep.rows_read} rows read but {rep.rows_used} used + "
                             f"{rep.rows_rejected} rejected")


def _read_workbook(path: Path, rel: str, rep: FileReport, tables: dict[str, list[dict]]) -> None:
    """A publisher's workbook: the Country and Regional Analysis reader, or a note saying why not."""
    try:
        read = cra.read_cra(path)
    except readers.FormatError as exc:
        rep.family, rep.note = "unknown", f"not read: {exc}"
        logger.error("%s: %s", rel, exc)
        return
    _take(read, {cra.TABLE: read.rows.get(cra.TABLE, [])}, rel, rep, tables)


def _count(tables: dict[str, list[dict]], groups: dict, v: vintage.Vintage, raw: Path) -> dict:
    """The top-down count (CRA apportioned, police bodies shared out) reconciled with councils' own lines.

    Replaces ``tables['spend']`` with the count's lines, adds ``reconciliation`` and ``apportionment``,
    and returns what the manifest says about it.
    """
    cra_rows, superseded = cra.latest_edition_wins(tables.get(cra.TABLE, []))
    police = tables.pop("police_force", [])
    spend = tables.get("spend", [])
    if not cra_rows and not police:
        return {"note": "no Country and Regional Analysis workbook or police body outturn: council lines only"}
    is_council = [r.get("_group") and r["area_code"] in v.upper_tier for r in spend]
    reported = [r for r, c in zip(spend, is_council, strict=True) if c]
    others = [r for r, c in zip(spend, is_council, strict=True) if not c]
    pops = topdown.Populations.build(tables.get("population", []), groups)
    lookup = next((p for p in (raw / "geography" / "ons_lad17_csp17_pfa17_lookup_jan2017.csv",
                               *raw.rglob("*pfa*lookup*.csv")) if p.exists()), None)
    built = topdown.build(cra_rows, pops, v, reported, police, lookup)
    tables["spend"] = pd.concat([pd.DataFrame(others), built.spend], ignore_index=True)
    tables["reconciliation"] = built.reconciliation
    tables["apportionment"] = built.apportionment
    years = sorted({r["year"] for r in cra_rows})
    return {
        "cra_years": [readers.fy_label(y) for y in years],
        "editions": sorted({r["edition"] for r in cra_rows}),
        "superseded": superseded,
        "police_force_lookup": str(lookup.relative_to(raw)) if lookup else None,
        "population_groups": {"+".join(g): sorted(a) for g, a in groups.items()},
        "left_out": built.left_out,
        "method": "docs/public-data.md, 'The real count'",
    }


def _write(out: Path, tables: dict[str, list[dict]], v: vintage.Vintage, manifest: dict) -> None:
    """Write the tidy tables and the manifest into a fresh folder and swap it into place.

    The dataset is replaced as a whole, so a failed or killed ingest never leaves a half-written one.
    """
    from ..schema import TABLES, validate

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    paths.publish_mode(stage)
    written, superseded = {}, {}
    try:
        frames = {"areas": _areas(v)}
        for table, rows in tables.items():
            if table.startswith("_"):  # working rows (districts' values kept for estimates), not a table
                continue
            df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
            df = df.drop(columns=[c for c in df.columns if c.startswith("_") and c != "_file"])
            if table in ("spend", "activity"):
                df["basis"] = df["basis"].fillna("reported") if "basis" in df else "reported"
            if table == "spend":
                df["spend_type"] = df["spend_type"].fillna("current") if "spend_type" in df else "current"
            if table in _KEYS:
                dup = df.duplicated(list(_KEYS[table]), keep="first")
                superseded[table] = int(dup.sum())
                df = df[~dup]
            frames[table] = df.drop(columns=["_file"], errors="ignore")
        for table, df in frames.items():
            if table in TABLES:
                cols = [c.name for c in TABLES[table].columns if c.name in df.columns]
                cols += [c for c in df.columns if c not in cols]
                df = df[cols]
            df.to_csv(stage / f"{table}.csv", index=False)
            if table in TABLES:  # the same validation every dataset gets
                validate(pd.read_csv(stage / f"{table}.csv", dtype=str, keep_default_na=False), table,
                         f"{out.name}/{table}.csv")
            written[table] = len(df)
        manifest["tables"] = {t: {"rows": n, "superseded_duplicates": superseded.get(t, 0)}
                              for t, n in written.items()}
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            stage.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            stage.rename(out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
