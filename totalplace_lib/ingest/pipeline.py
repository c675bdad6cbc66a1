"""Ingest real public files into the tidy tables of the ``public`` dataset.

Stages, top to bottom:

1. :func:`discover` every file under the raw folder and the family (publisher and format) that reads it,
   by the file's contents, never its name (CSV headers; workbook sheets and headers);
2. :func:`read_files`: each family's reader turns its file into tidy rows, each row of the file used or
   rejected with the reason; a file that cannot be read is named with the reason in one line and the
   other files go on;
3. :func:`map_codes`: area codes of any vintage to the 2014 upper-tier authorities (:mod:`.vintage`),
   summing additive parts (a county's districts);
4. :func:`count`: the Total Place count (:mod:`.count`) from the CRA, every body's own accounts, the
   NHS allocations and the populations; then estimates from published aggregates (:mod:`.estimates`);
5. :func:`write` the tables and ``manifest.json`` (every input file with its hash, rows read, used and
   rejected and why; the edition that gave each year; missing accounts; the families not found) into a
   fresh folder swapped into place, so a failed ingest never leaves half a dataset.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from totalplace_lib.core import paths
from totalplace_lib.core.errors import TotalPlaceInputError
from totalplace_lib.core.periods import fy_label
from totalplace_lib.ingest import (
    cra,
    current_areas,
    current_count,
    district_values,
    estimates,
    indicators,
    nhs,
    population,
    readers,
    revenue_outturn,
    vintage,
)
from totalplace_lib.ingest.bodies import Bodies
from totalplace_lib.ingest.codes import map_codes
from totalplace_lib.ingest.count import Inputs, build, unit_of
from totalplace_lib.ingest.drivers import Populations, population_groups
from totalplace_lib.ingest.output import write
from totalplace_lib.ingest.workbook import WORKBOOK_SUFFIXES, Workbook, open_workbook

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


@dataclass(frozen=True)
class Family:
    """A publication family: how to recognise its files and the reader that reads them."""

    name: str
    test: Callable
    reader: Callable
    needed_for: str = ""


def _has(header: list[str], *names: str) -> bool:
    h = {readers.norm(x) for x in header}
    return all(readers.norm(n) in h for n in names)

CSV_FAMILIES: tuple[Family, ...] = (
    Family("ONS mid-year estimates (CSV)", lambda h: any(x == "0" for x in h) and any(x in ("90+", "90") for x in h),
           population.read_ons_mye, "population by single year of age (drivers, per head)"),
    Family("MHCLG Revenue Outturn (CSV)", lambda h: (_has(h, "ONS_code") or _has(h, "E-code"))
           and _has(h, "Public_Health"), revenue_outturn.read_ro_csv, "councils' own accounts"),
    Family("DfE Section 52", lambda h: any("net current expenditure" in readers.norm(x) for x in h)
           and any("s52" in readers.norm(x) or "line reference" in readers.norm(x) for x in h), readers.read_dfe_s52,
           "children's services lines, 2008/09-2009/10"),
    Family("DfE SFR children looked after", lambda h: _has(h, "geog_l", "geog_c"), readers.read_dfe_cla_sfr,
           "children looked after at 31 March 2010"),
    Family("DfE explore-education-statistics", lambda h: _has(h, "time_period", "geographic_level", "new_la_code"),
           readers.read_dfe_ees, "children looked after 2020-24"),
    Family("OHID Fingertips", lambda h: _has(h, "area_code", "period", "value", "indicator"),
           indicators.read_fingertips, "outcome indicators"),
    Family("ONS Health Index", lambda h: _has(h, "ltla21_code", "year"), indicators.read_ons_health_index,
           "health, crime and substance-misuse indicators"),
    Family("ONS Explore Local Statistics", lambda h: _has(h, "areacd", "indicator", "period", "observation"),
           indicators.read_ons_explore_local, "early years foundation stage indicators"),
    Family("DfE wide LA table", lambda h: _has(h, "LA_Name") and (_has(h, "LA_Code") or _has(h, "LA_Number")),
           readers.read_dfe_wide_la, "early years indicators 2016-19"),
    Family("MHCLG Indices of Deprivation", lambda h: any("imd - average score" in readers.norm(x) for x in h),
           indicators.read_imd_summary, "deprivation (nearest neighbours)"),
    Family("MHCLG RO3 England", lambda h: _has(h, "period", "description", "net_current_expenditure"),
           readers.read_mhclg_ro3_england, "England's substance-misuse lines"),
    Family("ONS area values", lambda h: len(h) == 2 and re.fullmatch(r"ltla\d{2}_code", h[0]) is not None,
           indicators.read_ons_area_values, "crime severity"),
)

WORKBOOK_FAMILIES: tuple[Family, ...] = (
    Family("NHS England GP practice weighted populations", nhs.looks_like_practices, nhs.read_practice_populations,
           "the NHS's need by area (NHS lines shared by need)"),
    Family("NHS England ICB allocations", nhs.looks_like_allocations, nhs.read_icb_allocations,
           "the NHS's money by ICB, 2023/24 on"),
    Family("ONS mid-year estimates (workbook)", population.looks_like_mye, population.read_mye_workbook,
           "population of every year mid-2011 on"),
    Family("MHCLG Revenue Outturn Summary", revenue_outturn.looks_like_rs, revenue_outturn.read_rs_workbook,
           "every local body's own accounts, 2007/08 on"),
    Family("HM Treasury Country and Regional Analysis", cra.looks_like_cra, cra.read_cra,
           "every department's spending by region (the count's frame), 2009/10 on"),
)

NEEDED = ("HM Treasury Country and Regional Analysis", "MHCLG Revenue Outturn Summary",
          "ONS mid-year estimates (workbook)", "NHS England ICB allocations",
          "NHS England GP practice weighted populations", "DfE Section 52")
"""Families the count needs: a raw folder without one is ingested, and the manifest says what is lost."""


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
    error: str = ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------
# The stages


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
        If ``raw`` is not a folder, or the geography lookups for code vintages cannot be found.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise TotalPlaceInputError(f"raw data folder not found: {raw}", file=str(raw))
    out = Path(out) if out else paths.data_dir(DATASET)
    v = vintage.load(_find_lookups(raw))
    files = discover(raw)
    tables: dict[str, list[dict]] = defaultdict(list)
    groups: dict = {}
    rates, weights, district_pop = [], {}, []
    for rep, read in read_files(raw, files):
        if read is None:
            continue
        if rep.family == district_values.RATE_FAMILY:
            rates += district_values.values_of(read)
        if rep.family == district_values.WEIGHT_FAMILY:
            district_values.add_weights(read, weights)
        if rep.family in district_values.POP_FAMILIES:
            district_values.keep_population(read, v, district_pop)
        if "population" in read.rows:
            for g, years in population_groups(read.rows["population"], v).items():
                for y, ages in years.items():  # the first file giving a group's year wins (two files, one year)
                    groups.setdefault(g, {}).setdefault(y, ages)
        _take(read, map_codes(read, v), rep, tables)
    count_note = count(tables, groups, v, raw, files)
    tables[district_values.TABLE], districts_note = district_values.build(rates, weights, v)
    tables[district_values.POPULATION] = district_values.population_table(district_pop)
    tables[current_areas.TABLE] = current_areas.build(v, _find_lookups(raw))
    estimates_note = estimates.derive(tables)
    found = {f.family for f in files}
    manifest = {
        "dataset": DATASET,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw": str(raw),
        "out": str(paths.relative(out)),
        "vintage": "2014 upper-tier local authorities (April 2009 structure); rule in docs/public-data.md",
        "missing_tables": MISSING_TABLES,
        "families_missing": {f.name: f"not in {raw}: {f.needed_for} not available"
                             for f in (*WORKBOOK_FAMILIES, *CSV_FAMILIES) if f.name in NEEDED and f.name not in found},
        "count": count_note,
        "coverage": coverage(tables, count_note),
        "estimates": estimates_note,
        "district_values": districts_note,
        "files": [f.__dict__ for f in files],
    }
    write(out, tables, v, manifest)
    if len(tables[current_areas.TABLE]):  # the same count on current boundaries, beside it
        manifest["current"] = current_count.write_dataset(out, v)
    return manifest


def coverage(tables: dict, count_note: dict) -> dict:
    """What years the dataset supports: the count's, and for each theme the latest year of the input that bounds
    it (:data:`totalplace_lib.core.catalogue.THEME_INPUTS`); reports default to these
    (:func:`totalplace_lib.data.datasets.default_year`)."""
    from totalplace_lib.core.catalogue import THEME_INPUTS

    years = sorted(int(y[:4]) for y in count_note.get("cra_years", []))
    latest = {}
    for theme, (table, column, value) in THEME_INPUTS.items():
        rows = tables.get(table, [])
        found = [int(r["year"]) for r in (rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows)
                 if r.get(column) == value and r.get("year") is not None]
        if found:
            latest[theme] = max(found)
    return {"count_years": [fy_label(y) for y in years], "count_latest": years[-1] if years else None,
            "theme_latest": latest,
            "note": "a theme's default year is the latest both its input and the count cover (themes.default_year)"}


def discover(raw: Path) -> list[FileReport]:
    """Every file under ``raw`` (sorted), with its hash and the family that reads it ('' if none)."""
    reports = []
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        rep = FileReport(str(path.relative_to(raw)), _sha256(path), "")
        suffix = ".hexjson" if path.suffix == ".hexjson" else path.suffix.lower()
        if path.name in _LOOKUPS:
            rep.family, rep.note = "ONS geography lookup", _LOOKUPS[path.name] + ": read in full, not a tidy table"
        elif suffix in _NOT_TABULAR:
            rep.family, rep.note = "not a data table", _NOT_TABULAR[suffix] + ": not ingested"
        elif path.name.startswith("new_economy_unit_cost_database"):
            rep.family = "New Economy Unit Cost Database"
        elif suffix not in (".csv", *WORKBOOK_SUFFIXES):
            rep.family, rep.note = "unknown", f"no reader for '{path.suffix}' files: not ingested"
        reports.append(rep)
    return reports


def read_files(raw: Path, files: list[FileReport]):
    """Yield (file report, what its reader made of it, or None) for every file with a reader."""
    for rep in files:
        if rep.family and rep.family != "New Economy Unit Cost Database":
            continue
        path = raw / rep.file
        try:
            read = _read_one(path, rep)
        except (readers.FormatError, KeyError, UnicodeDecodeError) as exc:
            rep.error = f"could not be read: {exc}"
            rep.note = rep.note or rep.error
            logger.error("%s: %s", rep.file, exc)
            yield rep, None
            continue
        yield rep, read


def _read_one(path: Path, rep: FileReport) -> readers.Read | None:
    if rep.family == "New Economy Unit Cost Database":
        from totalplace_lib.ingest.unit_costs import read_unit_cost_database

        ucd = read_unit_cost_database(path)
        read = readers.Read(path, rep.family, rows_read=len(ucd))
        read.rows["unit_costs_ucd"] = [{**r, "_line": i + 2, "_additive": True} for i, r in
                                       enumerate(ucd.to_dict("records"))]
        read.used_lines = {i + 2 for i in range(len(ucd))}
        read.note = ("read by totalplace_lib.ingest.unit_costs (reference unit costs); reports use the curated "
                     "data/reference/unit_costs.csv")
        return read
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        wb = open_workbook(path)
        family = next((f for f in WORKBOOK_FAMILIES if f.test(wb)), None)
        if family is None:
            raise readers.FormatError(f"{path.name}: no reader recognises this workbook (sheets: "
                                      f"{', '.join(wb.sheet_names[:8])})")
        rep.family = family.name
        return family.reader(wb)
    header = readers.header_of(path)
    family = next((f for f in CSV_FAMILIES if f.test(header)), None)
    if family is None:
        rep.family, rep.note = "unknown", "no reader recognises this header: not ingested"
        logger.warning("%s: no reader recognises this header", path.name)
        return None
    rep.family = family.name
    return family.reader(path)


def reader_for(path: Path) -> Callable | None:
    """The reader of a CSV file's family, recognised by its header (None if no family's)."""
    header = readers.header_of(path)
    family = next((f for f in CSV_FAMILIES if f.test(header)), None)
    return family.reader if family else None


def _reasons(rejected: dict[int, str]) -> dict[str, dict]:
    """Reasons with their count and the first few lines."""
    by: dict[str, list[int]] = defaultdict(list)
    for line, why in sorted(rejected.items()):
        by[why].append(line)
    ordered = sorted(by.items(), key=lambda x: -len(x[1]))
    return {why: {"rows": len(lines), "lines": lines[:5]} for why, lines in ordered}


def _take(read: readers.Read, mapped: dict[str, list[dict]], rep: FileReport, tables: dict[str, list[dict]]) -> None:
    """Add a file's tidy rows to the tables and its counts to the manifest; every row read is used or rejected."""
    rep.family = rep.family or read.family
    rep.encoding, rep.rows_read = read.encoding, read.rows_read
    rep.note = rep.note or read.note
    rep.rows_rejected = len(read.rejected)
    rep.rows_used = len(read.used_lines)
    rep.rejected_reasons = _reasons(read.rejected)
    rep.values_left_out = {why: {"values": len(lines), "lines": lines[:5]} for why, lines in read.excluded.items()}
    for table, rows in mapped.items():
        for r in rows:
            if isinstance(r, pd.DataFrame):
                r["_file"], r["_family"] = rep.file, rep.family
            else:
                r["_file"] = rep.file
                r["_family"] = rep.family
        tables[table].extend(rows)
    rep.tidy_rows = {t: sum(len(r) if isinstance(r, pd.DataFrame) else 1 for r in rows)
                     for t, rows in mapped.items() if not t.startswith("_")}
    if rep.rows_read != rep.rows_used + rep.rows_rejected:
        raise AssertionError(f"{rep.file}: {rep.rows_read} rows read but {rep.rows_used} used + "
                             f"{rep.rows_rejected} rejected")


def _find_lookups(raw: Path) -> Path:
    """The folder holding ``geography/ltla14_lookup.csv`` (the raw folder, else ../shared/data/real)."""
    for base in (raw, paths.real_data_dir()):
        if (base / "geography" / "ltla14_lookup.csv").exists():
            return base
    raise TotalPlaceInputError(f"no geography/ltla14_lookup.csv under {raw} or {paths.real_data_dir()}: "
                               "the code-vintage lookups are needed to map authorities", file=str(raw))


# ------------------------------------------------------------------------------------------------
# The count


def _frame(rows) -> pd.DataFrame:
    """Rows (or a frame) without the working columns (``_line``...), keeping the family that read them."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    return df.drop(columns=[c for c in df.columns if c.startswith("_") and c != "_family"])


def count(tables: dict[str, list[dict]], groups: dict, v: vintage.Vintage, raw: Path, files: list[FileReport]) -> dict:
    """The Total Place count (:mod:`.count`) for every year the CRA covers.

    Replaces ``tables['spend']`` with the count's lines (and the other spend lines readers made), adds
    ``reconciliation``, ``apportionment``, ``body_outturn``, ``icb_allocation`` and ``practice_population``,
    and returns what the manifest says about it.
    """
    cra_rows, superseded = cra.latest_edition_wins(tables.pop(cra.TABLE, []))
    owner = cra.edition_of_year(cra_rows)
    cra_rows = _frame(cra_rows)
    tables[cra.TABLE] = cra_rows[cra_rows["region_code"].astype(str).str.startswith("E12")] if len(cra_rows) else \
        cra_rows  # England's regions: what the count shares out (the manifest keeps the rest's row counts)
    outturn, outturn_note = _outturn(tables.pop(revenue_outturn.TABLE, []))
    spend = tables.get("spend", [])
    is_council = [r.get("_group") == "S52" for r in spend]
    council = [r for r, c in zip(spend, is_council, strict=True) if c]
    others = [r for r, c in zip(spend, is_council, strict=True) if not c]
    pop_rows, dropped = population.prefer_single_years(tables.get("population", []))
    pop_rows = list({(r["area_code"], int(r["year"]), int(r["age"])): r for r in reversed(pop_rows)}.values())[::-1]
    tables["population"] = pop_rows
    pops = Populations.build(pop_rows, groups)
    practices = _frame(tables.pop("practice_population", []))
    if len(practices):
        practices["_unit"] = [unit_of(c, v, pops.groups) for c in practices["area_code"]]
        placed = practices["_unit"].notna()
        first = practices[placed & (practices["year"] == practices["year"].min())]
        ratio = first.groupby("_unit")[["weighted", "registered"]].sum()
        pops.need = (ratio["weighted"] / ratio["registered"]).to_dict()
        pops.need_source = f"NHS England GP practice weighted populations {fy_label(int(first['year'].min()))}"
        practices = practices[placed]
    icb = _frame(tables.pop("icb_allocation", []))
    lookup = next((p for p in (raw / "geography" / "ons_lad17_csp17_pfa17_lookup_jan2017.csv",
                               *raw.rglob("*pfa*lookup*.csv")) if p.exists()), None)
    bodies = Bodies(v, lookup, outturn.to_dict("records") if len(outturn) else [])
    note: dict = {"method": "docs/public-data.md, 'The real count'",
                  "population_rows_replaced_by_single_years": dropped}
    if cra_rows.empty:
        tables["spend"] = spend
        note["note"] = "no Country and Regional Analysis workbook: no count (other spend lines only)"
        return note
    built = build(Inputs(cra_rows, outturn, pops, v, bodies, council, icb, practices))
    others_df = _frame(others)
    tables["spend"] = pd.concat([others_df, built.spend], ignore_index=True)
    tables["reconciliation"] = built.reconciliation
    tables["apportionment"] = built.apportionment
    tables["body_outturn"] = outturn
    tables["icb_allocation"] = icb
    tables["practice_population"] = practices.drop(columns="_unit") if len(practices) else practices
    note.update({
        "cra_years": [fy_label(y) for y in sorted(owner)],
        "edition_of_year": {fy_label(y): e for y, e in sorted(owner.items())},
        "editions": sorted(set(owner.values())),
        "superseded": superseded,
        "revenue_outturn": outturn_note,
        "police_force_lookup": str(lookup.relative_to(raw)) if lookup else None,
        "population_groups": {"+".join(g): sorted(a) for g, a in groups.items()},
        "need_weighting": pops.need_source or "no GP practice populations: NHS lines shared by head",
        "missing_accounts": built.missing_accounts,
        "left_out": built.left_out,
        **built.notes,
    })
    note.pop("uncovered", None)
    return note


def _outturn(rows: list[dict]) -> tuple[pd.DataFrame, dict]:
    """Every body's outturn, one source per year: a year a workbook covers is the workbook's (the CSV's rows
    of that year are superseded)."""
    df = _frame(rows)
    if df.empty:
        return pd.DataFrame(columns=["ecode", "ons_code", "name", "body_class", "detailed_class", "year", "service",
                                     "amount_gbp", "status", "source"]), {}
    wb_years = set(df.loc[df["_family"] == "MHCLG Revenue Outturn Summary", "year"])
    csv_rows = df["_family"] != "MHCLG Revenue Outturn Summary"
    superseded = sorted(set(df.loc[csv_rows & df["year"].isin(wb_years), "year"]))
    df = df[~(csv_rows & df["year"].isin(wb_years))].drop(columns="_family").reset_index(drop=True)
    for c in ("ecode", "ons_code", "name", "body_class", "detailed_class", "service"):
        df[c] = df[c].fillna("").astype(str)
    years = sorted(set(df["year"]))
    note = {"years": [fy_label(y) for y in years],
            "source_of_year": {fy_label(y): ("Revenue Outturn Summary workbook" if y in wb_years else
                                             "Revenue Outturn multi-year CSV") for y in years},
            "csv_years_superseded_by_workbooks": [fy_label(y) for y in superseded],
            "missing_returns": {fy_label(int(y)): sorted(g["name"]) for y, g in
                                df[df["status"] == revenue_outturn.MISSING].groupby("year")}}
    return df, note


__all__ = ["run_ingest", "discover", "read_files", "map_codes", "count", "write", "Workbook"]
