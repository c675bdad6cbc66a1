"""HM Treasury Country and Regional Analysis (CRA) workbooks into a tidy table of regional spend.

The CRA is the top-down half of a Total Place count: every department's identifiable public spending
by region, function and subfunction (COFOG), capital or current, and by spending sector (central
government, local government, public corporations, the Bank of England, public sector pensions).

Editions differ in their column names (``NUTS 1 region`` / ``NUTS Region`` / ``ITL Region``;
``CG, LG or PC`` / ``CG, LG, PC, BOE`` / ``CG, LG, PC, BOE, PSP``; ``Department`` / ``Department Name``
/ ``Dept Name``), their units (£ thousand from 2014, £ million before) and the case of region labels. One
reader takes every edition by recognising columns **by content**: the year columns by their ``2009-10``
headers, the region column as the one whose values are UK regions (``data/reference/regions.csv``), the
sector, identifiable and capital/current columns by their codes (``data/reference/cra_sectors.csv``),
and the descriptive columns by their header words. Units come from the workbook's own words (its
metadata sheet or a header), else from ``data/reference/cra_editions.csv``; never from the file name.

A workbook with a region label or sector code the reference tables do not know is refused as a whole
in one line naming file, sheet, row and value: a regional table with rows dropped would move money
between places without saying so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from totalplace_lib.core import reference
from totalplace_lib.core.periods import fy_label, fy_span
from totalplace_lib.ingest.readers import FormatError, Read
from totalplace_lib.ingest.workbook import Workbook, cell_text, open_workbook

logger = logging.getLogger(__name__)

FAMILY = "HM Treasury Country and Regional Analysis (workbook)"
TABLE = "regional_spend"
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*[-/]\s*(\d{2}|\d{4})\b")
_HEADER_ROWS = 20
"""The database sheet's header is looked for in its first rows (it is on the first row in every edition seen)."""
DESCRIPTIVE = {  # tidy column -> header words, in order of preference (the first header matching wins)
    "department": (r"^department name$", r"^department$", r"^dept name$", r"^dept$", r"department|dept"),
    "function": (r"^hmt function$", r"^function$", r"^cofog level 0$", r"function"),
    "subfunction": (r"^hmt sub-?function$", r"^sub-?function$", r"sub-?function", r"^cofog level 1$"),
}


@dataclass(frozen=True)
class Region:
    """A CRA region label resolved to an ONS code ('' when HM Treasury does not attribute it)."""

    code: str
    name: str


def region_lookup() -> dict[str, Region]:
    """Normalised region label -> :class:`Region`, from ``data/reference/regions.csv``."""
    out: dict[str, Region] = {}
    for row in reference.rows("regions.csv"):
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


def sectors() -> dict[str, str]:
    """Published sector code (upper case) -> the sector it is (``CG``, ``LG``, ``PC``, ``BOE``, ``PSP``)."""
    return {r["code"].upper(): r["sector"] for r in reference.rows("cra_sectors.csv")}


# ------------------------------------------------------------------------------------------------
# Finding the database sheet and its columns


def _find_sheet(wb: Workbook) -> tuple[str, int, list[str]]:
    """(sheet name, header row index, header texts) of the sheet holding the CRA database: the first with
    a row of several year columns (``2009-10``) beside descriptive columns."""
    tried = []
    for name in wb.sheet_names:
        if "pivot" in name.lower():  # the pivot-table sheet repeats the database's headers, not its rows
            tried.append(name)
            continue
        for i, row in enumerate(wb.texts(name, _HEADER_ROWS)):
            years = [h for h in row if _YEAR.match(h)]
            if len(years) >= 2 and len([h for h in row if h and not _YEAR.match(h)]) >= 5:
                return name, i, row
        tried.append(name)
    raise FormatError(f"{wb.path.name}: no sheet with year columns like 2009-10 beside the database's columns "
                      f"(sheets: {', '.join(tried)})")


def _column_by_header(header: list[str], patterns: tuple[str, ...], taken: set[int]) -> int | None:
    low = [h.lower() for h in header]
    for p in patterns:
        for i, h in enumerate(low):
            if i not in taken and h and re.search(p, h):
                return i
    return None


def _column_by_values(rows: list[list], header: list[str], candidates: list[int], test, want: str, file: str,
                      sheet: str, hint: str = "") -> int:
    """The candidate column whose header matches ``hint`` (a pattern), else the one whose values pass ``test``
    most often (at least 90% of its non-blank values): an unseen edition's renamed column is found by what it
    holds, and a known header keeps its column even where a value in it is new (refused row by row later)."""
    named = [i for i in candidates if hint and re.search(hint, header[i], re.I)]
    if len(named) == 1:
        return named[0]
    best, best_share = None, 0.0
    sample = rows[:2000]
    for i in candidates:
        values = [t for r in sample if i < len(r) and (t := cell_text(r[i]))]
        if not values:
            continue
        share = sum(1 for v in values if test(v)) / len(values)
        if share > best_share:
            best, best_share = i, share
    if best is None or best_share < 0.9:
        raise FormatError(f"{file}, sheet '{sheet}': no {want} column (a column whose values are all {want} codes; "
                          f"header: {', '.join(h for h in header if h)[:200]})")
    return best


def _columns(wb: Workbook, sheet: str, header_row: int, header: list[str]) -> dict[str, int]:
    """Tidy column -> index, recognised by values for coded columns and by header words for the rest."""
    rows = wb.rows(sheet)[header_row + 1:]
    file = wb.path.name
    years = {i for i, h in enumerate(header) if _YEAR.match(h)}
    others = [i for i, h in enumerate(header) if i not in years]
    regions = region_lookup()
    codes = sectors()
    cols: dict[str, int] = {}

    scores: dict[int, int] = {}

    def english(i: int) -> int:  # how many distinct English regions a column names
        if i not in scores:
            labels = {cell_text(r[i]) for r in rows[:3000] if i < len(r)}
            scores[i] = len({regions[k].code for k in map(region_key, labels) if k in regions
                             and regions[k].code.startswith("E12")})
        return scores[i]

    named = [i for i in others if "region" in header[i].lower()]  # 'NUTS Region', 'ITL Region'...
    region_cols = sorted(named if named and max(map(english, named)) else others, key=english, reverse=True)
    if not region_cols or english(region_cols[0]) < 1:
        raise FormatError(f"{file}, sheet '{sheet}': no region column (a column naming England's regions, such as "
                          "'NUTS Region' or 'ITL Region')")
    cols["region"] = region_cols[0]
    rest = [i for i in others if i != cols["region"]]
    cols["body"] = _column_by_values(rows, header, rest, lambda v: v.upper() in codes, "spending sector (CG, LG...)",
                                     file, sheet, hint=r"^cg\b|^sector$")
    rest.remove(cols["body"])
    cols["identifiable"] = _column_by_values(
        rows, header, rest, lambda v: _ident(v) is not None, "identifiable (ID / non-ID)", file, sheet,
        hint=r"^id\s*/|identifiable")
    rest.remove(cols["identifiable"])
    cols["capital_current"] = _column_by_values(
        rows, header, rest, lambda v: v.upper()[:3] in ("CAP", "CUR"), "capital or current (CAP / CUR)", file, sheet,
        hint=r"^cap\b.*\bcur")
    taken = set(cols.values()) | years
    for key, patterns in DESCRIPTIVE.items():
        i = _column_by_header(header, patterns, taken)
        if i is None:
            raise FormatError(f"{file}, sheet '{sheet}': no {key} column (looked for headers like "
                              f"{', '.join(repr(p.strip('^$')) for p in patterns[:3])})")
        cols[key] = i
        taken.add(i)
    return cols


def _texts(column: pd.Series) -> pd.Series:
    """A column of cells as one-line texts (:func:`cell_text`), each distinct value worked out once."""
    values = column.to_numpy(dtype=object)
    seen = {v: cell_text(v) for v in set(values)}
    return pd.Series([seen[v] for v in values], index=column.index, dtype=object)


def _ident(value: str) -> bool | None:
    v = value.lower().replace("-", "").replace(" ", "")
    if v in ("id", "identifiable"):
        return True
    if v in ("nonid", "nonidentifiable"):
        return False
    return None


# ------------------------------------------------------------------------------------------------
# Units and edition


def _units(wb: Workbook, sheet: str, header: list[str], edition: str) -> tuple[float, str]:
    """Pounds per published unit and the words that said so: the workbook's own, else the editions table."""
    texts = [h for h in header if h]
    for name in wb.sheet_names:
        if name == sheet or "pivot" in name.lower():
            continue
        texts.extend(c for row in wb.texts(name, 60) for c in row if c)
    for t in texts:
        if re.search(r"£\s*'?\s*000|£\s*thousands?\b|thousands of pounds|£k\b", t, re.I):
            return 1_000.0, t[:120]
        if re.search(r"£\s*bn\b|£\s*billions?\b", t, re.I):
            return 1e9, t[:120]
        if re.search(r"£\s*m(illions?)?\b|millions of pounds", t, re.I):
            return 1e6, t[:120]
    for row in reference.rows("cra_editions.csv"):
        if row["edition"] == edition:
            return float(row["pounds_per_unit"]), f"{row['units']} ({row['source']})"
    raise FormatError(f"{wb.path.name}: the workbook does not say its units (no £'000s or £ million in a header or "
                      f"metadata sheet) and '{edition}' is not in data/reference/cra_editions.csv; the amounts "
                      "cannot be read as pounds")


def _edition(wb: Workbook, years: list[int]) -> str:
    """The edition's name from the workbook's own words ('CRA 2018 database', 'Country and Regional Analysis:
    November 2019'), else from the span of years it covers."""
    for name in wb.sheet_names:
        m = re.search(r"CRA\s*'?(\d{4}|\d{2})\b", name, re.I)
        if m:
            y = m.group(1)
            return f"Country and Regional Analysis {('20' + y) if len(y) == 2 else y}"
    for name in wb.sheet_names:
        for row in wb.texts(name, 5):
            for c in row:
                m = re.search(r"Country and Regional Analysis:?\s*(?:[A-Z][a-z]+\s+)?((?:19|20)\d{2})", c)
                if m:
                    return f"Country and Regional Analysis {m.group(1)}"
    return f"Country and Regional Analysis {fy_span(min(years), max(years))}"


# ------------------------------------------------------------------------------------------------
# The reader


def looks_like_cra(wb: Workbook) -> bool:
    """True if a workbook has a CRA database sheet (year columns beside a column of UK regions)."""
    try:
        sheet, row, header = _find_sheet(wb)
        _columns(wb, sheet, row, header)
        return True
    except FormatError:
        return False


def read_cra(path: Path | Workbook) -> Read:
    """Read a CRA workbook: one tidy ``regional_spend`` row per data row and year, in pounds.

    Tidy columns: ``region_code`` (ONS; '' where HM Treasury does not attribute the spend to a UK
    region), ``region``, ``year`` (financial-year start), ``department``, ``function``,
    ``subfunction``, ``capital_current`` (CAP/CUR), ``body`` (CG, LG, PC, BOE or PSP), ``identifiable``
    (bool), ``amount_gbp`` (pounds, nominal: the price year is the year itself), ``edition``.

    Raises
    ------
    FormatError
        Naming the file, sheet and row: a missing column, units that cannot be found, or a region label
        or sector code the reference tables do not know (the whole edition is refused).
    """
    wb = path if isinstance(path, Workbook) else open_workbook(path)
    sheet, header_row, header = _find_sheet(wb)
    cols = _columns(wb, sheet, header_row, header)
    years = {i: int(m.group(1)) for i, h in enumerate(header) if (m := _YEAR.match(h))}
    edition = _edition(wb, sorted(years.values()))
    scale, unit_words = _units(wb, sheet, header, edition)
    r = Read(wb.path, FAMILY, encoding="xlsx" if wb.path.suffix.lower() != ".xls" else "xls")
    r.note = (f"sheet '{sheet}'; units: \"{unit_words}\" (x{scale:,.0f} to pounds); {edition}; columns: "
              + ", ".join(f"{k} = '{header[i]}'" for k, i in cols.items()))
    df = pd.DataFrame(wb.rows(sheet)[header_row + 1:])
    if df.empty:
        raise FormatError(f"{wb.path.name}, sheet '{sheet}': no data rows under the header on row {header_row + 1}")
    df.index = df.index + header_row + 2  # the sheet's own row numbers
    text = {k: _texts(df[j]) if j in df else pd.Series("", index=df.index) for k, j in cols.items()}
    amounts = {}
    for j, y in years.items():
        raw = df[j] if j in df else pd.Series(None, index=df.index, dtype=object)
        blank = raw.isna() | raw.astype(str).str.strip().isin(["", "-", ".."])
        num = pd.to_numeric(raw.where(~blank), errors="coerce")
        bad = num.isna() & ~blank
        if bad.any():
            i = bad.idxmax()
            raise FormatError(f"{wb.path.name}, sheet '{sheet}', row {i}: column '{header[j]}' holds '{raw[i]}', not a "
                              "number; the edition is not used")
        amounts[y] = num * scale
    values = pd.DataFrame(amounts)
    empty = pd.concat(text, axis=1).eq("").all(axis=1) & values.isna().all(axis=1)
    keep = ~empty
    r.rows_read = int(keep.sum())
    regions, codes = region_lookup(), sectors()
    labels = {v: regions.get(region_key(v)) for v in set(text["region"][keep])}
    region = text["region"][keep].map(labels)
    if region.isna().any():
        i = region.isna().idxmax()
        raise FormatError(f"{wb.path.name}, sheet '{sheet}', row {i}: region '{text['region'][i]}' is not a UK region "
                          "or country data/reference/regions.csv knows; the edition is not used (add the label as an "
                          "alias there if it is one)")
    body = text["body"][keep].str.upper().map(codes)
    if body.isna().any():
        i = body.isna().idxmax()
        raise FormatError(f"{wb.path.name}, sheet '{sheet}', row {i}: spending sector '{text['body'][i]}' is not one "
                          "data/reference/cra_sectors.csv knows; the edition is not used")
    cap = text["capital_current"][keep].str.upper().str[:3]
    ident = text["identifiable"][keep].map({v: _ident(v) for v in set(text["identifiable"][keep])})
    odd = ~cap.isin(["CAP", "CUR"]) | ident.isna()
    for i in odd[odd].index:
        r.reject(int(i), f"'{text['capital_current'][i]}' / '{text['identifiable'][i]}' is not CAP or CUR / ID or "
                         "non-ID")
    none = values[keep].isna().all(axis=1) & ~odd
    for i in none[none].index:
        r.reject(int(i), "no amount in any year column")
    ok = keep[keep].index[~odd.to_numpy() & ~none.to_numpy()]
    base = pd.DataFrame({"region_code": region[ok].map(lambda g: g.code), "region": region[ok].map(lambda g: g.name),
                         "department": text["department"][ok], "function": text["function"][ok],
                         "subfunction": text["subfunction"][ok], "capital_current": cap[ok], "body": body[ok],
                         "identifiable": ident[ok].astype(bool), "_line": ok})
    long = base.join(values.loc[ok]).melt(id_vars=list(base.columns), var_name="year", value_name="amount_gbp")
    long = long[long["amount_gbp"].notna()].sort_values(["_line", "year"], kind="stable")
    long["year"] = long["year"].astype(int)
    long["edition"] = edition
    long["price_year"] = long["year"].map(fy_label)
    long["source"] = "HM Treasury " + edition + ", " + long["department"] + f" (file {wb.path.name})"
    long["_additive"] = True
    r.rows[TABLE] = long.reset_index(drop=True)  # a frame: 100k rows a file are cheaper kept as columns
    if long.empty:
        raise FormatError(f"{wb.path.name}, sheet '{sheet}': no data rows under the header on row {header_row + 1}")
    r.used_lines = set(long["_line"].astype(int))
    logger.info("%s: %s, %d rows, years %s", wb.path.name, edition, r.rows_read,
                ", ".join(fy_label(y) for y in sorted(set(years.values()))))
    return r


def latest_edition_wins(rows) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Keep, for each year, only the rows of the latest edition that covers it.

    Editions are ordered by the last year they cover, then by name. ``rows`` is a frame or a list of rows (or
    of frames, one per file). Returns the kept rows as a frame and, per superseded edition, the years it lost
    and how many values (for the manifest).
    """
    df = _as_frame(rows)
    if df.empty:
        return df, {}
    owner = edition_of_year(df)
    mine = df["year"].map(owner) == df["edition"]
    lost = {}
    for e, g in df[~mine].groupby("edition"):
        lost[e] = {"years": sorted(fy_label(int(y)) for y in g["year"].unique()), "values": int(len(g)),
                   "superseded_by": owner[int(g["year"].iloc[0])]}
    return df[mine].reset_index(drop=True), lost


def edition_of_year(rows) -> dict[int, str]:
    """Year -> the edition that gives it: the latest edition (by last year covered, then name) covering it."""
    df = _as_frame(rows)
    if df.empty:
        return {}
    years_of = df.groupby("edition")["year"].agg(lambda y: set(int(v) for v in y.unique()))
    owner: dict[int, str] = {}
    for e in sorted(years_of.index, key=lambda e: (max(years_of[e]), e)):  # later editions overwrite earlier ones
        for y in years_of[e]:
            owner[y] = e
    return owner


def _as_frame(rows) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    rows = list(rows)
    if rows and all(isinstance(r, pd.DataFrame) for r in rows):
        return pd.concat(rows, ignore_index=True)
    return pd.DataFrame(rows)
