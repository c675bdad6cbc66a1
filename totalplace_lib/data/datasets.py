"""Loading a dataset's tidy tables from CSV, validated against :mod:`schema`.

A dataset is a folder of CSV files named after the tables (``spend.csv``...).
``sample`` is the committed illustrative data in ``data/sample``; any other name
is a folder under ``data/processed`` made by ingest. Unit costs are reference
data shared by every dataset (``data/reference/unit_costs.csv``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from totalplace_lib.core import paths, reference
from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.core.files import atomic_write
from totalplace_lib.core.schema import ENGLAND_CODE, TABLES, validate

_SCHEMA_SOURCE = (Path(__file__).parents[1] / "core" / "schema.py").read_text(encoding="utf-8")

logger = logging.getLogger(__name__)

DATASET_TABLES = ("areas", "population", "spend", "activity", "events", "indicators")


def table_path(table: str, dataset: str = "sample") -> Path:
    """Path of a table's CSV file for a dataset."""
    if table == "unit_costs":
        return reference.path("unit_costs.csv")
    return paths.data_dir(dataset) / f"{table}.csv"


def _decode_error_line(path: Path, position: int) -> int:
    """1-based line of a byte offset in a file (for encoding errors)."""
    with open(path, "rb") as fh:
        return fh.read(position).count(b"\n") + 1


def read_csv_strict(path: Path, table: str, known_area_codes: set[str] | None = None) -> pd.DataFrame:
    """Read one CSV as strings and validate it as ``table``.

    Files must be UTF-8 (a byte-order mark is accepted), comma-separated, with a header row and
    at least one data row. Columns beyond the table's are allowed and ignored (see README).

    Raises
    ------
    DataValidationError
        If the file is missing, unreadable, empty, not UTF-8, not comma-separated or violates the
        schema (file, line and column named).
    """
    shown = paths.relative(path)
    if not path.exists():
        raise DataValidationError(f"file not found (table '{table}')", file=shown)
    if path.is_dir():
        raise DataValidationError(f"is a folder, not a CSV file (table '{table}')", file=shown)
    try:
        with open(path, "rb") as fh:
            header = fh.readline().decode("utf-8", errors="replace")
    except PermissionError:
        raise DataValidationError("cannot be read: permission denied", file=shown) from None
    seps = [sep for sep in (";", "\t", "|") if sep in header]
    if "," not in header and seps:
        raise DataValidationError(
            f"the header is separated by {seps[0]!r}, not commas: save the file as comma-separated CSV",
            file=shown, line=1)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataValidationError(
            f"file is empty; expected a header row ({', '.join(TABLES[table].column_names)}) and data rows",
            file=shown, line=1) from None
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}; e.g. a Latin-1 '£'): re-save the file "
            "as 'CSV UTF-8'", file=shown, line=_decode_error_line(path, exc.start)) from None
    except pd.errors.ParserError as exc:
        msg = str(exc).splitlines()[0]
        m = re.search(r"line (\d+)", msg)
        raise DataValidationError(f"cannot be read as CSV: {msg}", file=shown,
                                  line=int(m.group(1)) if m else None) from None
    except OSError as exc:
        raise DataValidationError(f"cannot be read: {exc.strerror or exc}", file=shown) from None
    if raw.empty:
        raise DataValidationError(f"has a header but no data rows (table '{table}')", file=shown, line=2)
    raw = raw.replace({"": None})
    return validate(raw, table, file=shown, known_area_codes=known_area_codes)


@lru_cache(maxsize=32)
def _cached(path_str: str, mtime_ns: int, table: str, known: frozenset | None, basis: str | None = None
            ) -> pd.DataFrame:
    """A validated table, read once per version of its file; ``basis``: the basis of rows that state none."""
    df = _validated(Path(path_str), mtime_ns, table, known)
    if basis is not None:
        df["basis"] = (df["basis"] if "basis" in df else pd.Series(None, index=df.index, dtype=object)).fillna(basis)
    return df


def _validated(path: Path, mtime_ns: int, table: str, known: frozenset | None) -> pd.DataFrame:
    disk = _disk_cache_path(path, mtime_ns, table, known)
    if disk is not None and disk.exists():
        try:
            return pd.read_pickle(disk)
        except Exception:  # a damaged cache entry is only a missed shortcut
            logger.debug("ignoring unreadable cache %s", disk)
    df = read_csv_strict(path, table, set(known) if known is not None else None)
    if disk is not None:
        _write_cache(disk, df)
    return df


def _disk_cache_path(path: Path, mtime_ns: int, table: str, known: frozenset | None) -> Path | None:
    """Where a validated table is cached between processes (each report runs in its own kernel).

    The key covers the file (path, size, modification time), the schema's source and the known
    area codes, so any change to the data or the rules revalidates. ``.cache/`` is git-ignored.
    """
    if mtime_ns < 0:
        return None
    h = hashlib.sha256()
    for part in (str(path.resolve()), str(mtime_ns), str(path.stat().st_size), table,
                 ",".join(sorted(known or ())), _SCHEMA_SOURCE):
        h.update(part.encode())
    return paths.project_root() / ".cache" / "tables" / f"{table}-{h.hexdigest()[:24]}.pkl"


def _shared_strings(df: pd.DataFrame) -> pd.DataFrame:
    """The same table with each distinct text value held once: equal cells share one object, so the pickle
    stores each string once (the public spend table: 108 MB -> 26 MB, loaded 3.7x faster). Values unchanged."""
    import numpy as np

    out = df.copy()
    for c in out.columns:
        if out[c].dtype != object:
            continue
        codes, uniques = pd.factorize(out[c], use_na_sentinel=True)
        values = np.asarray(uniques, dtype=object)
        arr = out[c].to_numpy(dtype=object, copy=True)
        known = codes >= 0
        arr[known] = values[codes[known]]
        out[c] = pd.Series(arr, index=out.index, dtype=object)
    return out


def _write_cache(target: Path, df: pd.DataFrame) -> None:
    try:
        atomic_write(target, _shared_strings(df).to_pickle)
    except OSError as exc:  # read-only checkout: validate every time instead
        logger.debug("cannot cache %s: %s", target, exc)


def load_table(table: str, dataset: str = "sample") -> pd.DataFrame:
    """Load and validate one tidy table (cached until the file changes).

    Parameters
    ----------
    table : str
        One of ``areas, population, spend, activity, events, indicators, unit_costs``.
    dataset : str
        ``sample`` (committed illustrative data) or the name of a processed public dataset.

    Returns
    -------
    DataFrame
        A copy, safe to modify.
    """
    if table not in TABLES:
        raise ValueError(f"unknown table '{table}'; expected one of {', '.join(TABLES)}")
    path = table_path(table, dataset)
    known: frozenset | None = None
    if TABLES[table].area_column is not None:
        areas = load_table("areas", dataset)
        known = frozenset(areas["area_code"]) | {ENGLAND_CODE}
    mtime = path.stat().st_mtime_ns if path.exists() else -1
    # pandas' copy-on-write (pandas 3): a shallow copy shares the cached values until either side changes them,
    # then the changed side copies, so the cache is never altered. A deep copy of the public spend table cost
    # 0.1 s a report, and its 4 million object cells were then scanned by every garbage collection.
    basis = ("illustrative" if dataset == "sample" else "reported") if table in BASIS_TABLES else None
    return _cached(str(path), mtime, table, known, basis).copy(deep=False)


BASIS_TABLES = ("spend", "activity")
"""Tables whose rows carry a basis; rows that state none are ``illustrative`` on the sample, else ``reported``."""


def activity_total(activity: pd.DataFrame, theme: str, measure: str):
    """Sum of one activity measure of a theme over the authorities in ``activity``.

    Returns :class:`~totalplace_lib.gaps.Missing` if the table has no row for that theme and measure
    (a missing count is never taken as zero).
    """
    a = activity[(activity["theme"] == theme) & (activity["measure"] == measure)]
    if a.empty:
        from totalplace_lib.core.gaps import Missing

        return Missing(f"No figure for '{measure}' ({theme} activity) for this place in the data.")
    return float(a["value"].sum())


@dataclass
class Dataset:
    """All tidy tables of one dataset, loaded and validated.

    Attributes are DataFrames named after the tables.
    """

    name: str
    areas: pd.DataFrame
    population: pd.DataFrame
    spend: pd.DataFrame
    activity: pd.DataFrame
    events: pd.DataFrame
    indicators: pd.DataFrame
    unit_costs: pd.DataFrame
    gaps: dict = field(default_factory=dict)
    """Tables the dataset does not have -> why (public data have no person-level events)."""
    local_files: list = field(default_factory=list)
    """The analyst's own files layered on a public dataset (``public+<local>``)."""
    version: tuple | None = field(default=None, init=False, repr=False, compare=False)
    """What the tables were read from (the dataset's name, each file and its modification time), set by
    :func:`load_dataset`; None for tables made in memory, or once a table is replaced (``ds.spend = ...``).
    Tables are read-only by contract: what :meth:`memo` keeps is worked out from them."""

    def __setattr__(self, name: str, value) -> None:
        if name in _TABLE_FIELDS and name in self.__dict__:  # a table replaced: no longer what the files hold
            object.__setattr__(self, "version", None)
            self.__dict__.pop("_memo", None)
        object.__setattr__(self, name, value)

    def memo(self) -> dict:
        """A dict for what is worked out from these tables (indexes, neighbours, coverage): shared by every
        Dataset loaded from the same version of the same files, so a batch kernel works each out once for all
        its reports; a dataset made in memory keeps its own."""
        if self.version is None:
            return self.__dict__.setdefault("_memo", {})
        if self.version not in _MEMOS and len(_MEMOS) >= 8:
            _MEMOS.clear()  # a long session that switched datasets many times
        return _MEMOS.setdefault(self.version, {})

    def area_rows(self, table: str, codes: tuple[str, ...]) -> pd.DataFrame:
        """The rows of one table for a set of authorities, in the table's order (from an index by area code
        built once per version of the data: each report looks up its place and its comparators many times,
        and a scan of the public spend table took 10-20 ms each time)."""
        index = self.index(table, "area_code")
        parts = [index[c] for c in dict.fromkeys(codes) if c in index]
        if not parts:
            return getattr(self, table).iloc[0:0]
        return parts[0] if len(parts) == 1 else pd.concat(parts).sort_index()

    def index(self, table: str, column: str) -> dict:
        """A table's rows by the value of one column (value -> rows, each in the table's order), built once
        per version of the data (:meth:`memo`)."""
        memo = self.memo()
        if ("index", table, column) not in memo:
            memo["index", table, column] = dict(iter(getattr(self, table).groupby(column, sort=False)))
        return memo["index", table, column]

    @property
    def illustrative(self) -> bool:
        """True for the synthetic sample data (every report must say so)."""
        return self.name == "sample"

    @property
    def local(self) -> str | None:
        """The name of the analyst's local layer (``public+<local>``), or None."""
        return self.name.split("+", 1)[1] if "+" in self.name else None

    def rows(self, table: str, codes: tuple[str, ...], year: int | None = None) -> pd.DataFrame:
        """The rows of one table for a set of authorities (e.g. a place's ``area_codes``), and with ``year``
        only that year's (tables with a ``year`` column: the public files hold many years)."""
        if table in self.gaps:
            from totalplace_lib.core.gaps import Missing

            return Missing(f"dataset '{self.name}' has no {table} table: {self.gaps[table]}.")
        t = self.area_rows(table, codes)
        return t[t["year"] == year] if year is not None and "year" in t else t

    def files(self) -> list[Path]:
        """The files this dataset is read from (for content hashes and the sources appendix)."""
        base = [table_path(t, self.name) for t in (*DATASET_TABLES, "unit_costs")
                if t not in self.gaps and table_path(t, self.name).exists()]
        return base + list(self.local_files)


def remembered(ds: Dataset, key: tuple, make):
    """``make()``, worked out once per version of the dataset's tables (:meth:`Dataset.memo`) under ``key``.

    Tables come back as shallow copies (alone or in a tuple), so a caller that adds a column changes only its
    own; their values are shared under pandas' copy-on-write, so changing them changes nothing kept here.
    """
    memo = ds.memo()
    if key not in memo:
        memo[key] = make()
    value = memo[key]
    if isinstance(value, tuple):
        return tuple(v.copy(deep=False) if isinstance(v, pd.DataFrame) else v for v in value)
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value


_TABLE_FIELDS = frozenset(("areas", "population", "spend", "activity", "events", "indicators", "unit_costs"))
_MEMOS: dict[tuple, dict] = {}
"""Dataset version -> what is worked out from its tables (:meth:`Dataset.memo`), kept across reports."""


def _version(ds: Dataset) -> tuple:
    """A dataset's name with each file it was read from and that file's modification time."""
    return (ds.name, *((str(f), f.stat().st_mtime_ns) for f in ds.files()))


def load_dataset(dataset: str = "sample") -> Dataset:
    """Load and validate every table of a dataset.

    Raises
    ------
    DataValidationError
        On the first violation, naming file, line and column.
    """
    if "+" in dataset:
        return _layered(dataset)
    if dataset != "sample" and not paths.data_dir(dataset).exists():
        raise DataValidationError(
            f"dataset '{dataset}' not found: expected folder {paths.relative(paths.data_dir(dataset))} "
            "(use 'sample', or run ingest first)"
        )
    gaps = _missing_tables(dataset)
    tables = {t: (_empty(t) if t in gaps else load_table(t, dataset)) for t in (*DATASET_TABLES, "unit_costs")}
    for t in BASIS_TABLES:
        if "basis" not in tables[t]:  # a table the dataset lacks
            tables[t]["basis"] = pd.Series(None, index=tables[t].index, dtype=object)
    logger.debug("loaded dataset %s: %s", dataset, {k: len(v) for k, v in tables.items()})
    ds = Dataset(name=dataset, **tables, gaps=gaps)
    ds.version = _version(ds)
    return ds


LOCAL_TABLES = ("population", "spend", "activity", "events", "indicators")
"""Tables an analyst's local layer may hold (``data/<local>/<table>.csv``)."""


def _layered(dataset: str) -> Dataset:
    """A public dataset with the analyst's own tables layered on top (``public+<local>``).

    Precedence (docs/themes.md, 'Your own records'): a local row replaces the base row with the same key
    (the table's key columns); a local activity count also replaces the base's *estimated* counts of the
    same authority, year, theme and measure family (the words before ':'), so a local breakdown of recorded
    offences by type replaces the estimate from the Health Index rates instead of adding to it. Every
    local row's basis is ``local``. Local files are validated like any dataset's (file, line, column).
    """
    base_name, local = dataset.split("+", 1)
    if base_name == "sample":
        raise DataValidationError("a local layer goes on a public dataset (public+<local>), not on the sample")
    folder = paths.local_dir(dataset)
    if not folder.is_dir():
        raise DataValidationError(f"local data folder not found: {paths.relative(folder)} (make one with "
                                  f"'totalplace template --area <codes> --out {paths.relative(folder)}')")
    present = [t for t in LOCAL_TABLES if _has_rows(folder / f"{t}.csv")]  # the template's empty tables skipped
    if not present:
        names = ", ".join(f"{t}.csv" for t in LOCAL_TABLES)
        raise DataValidationError(f"{paths.relative(folder)} holds no rows in any of {names} (fill at least one "
                                  "from your own records; see the README there)")
    base = load_dataset(base_name)
    known = set(base.areas["area_code"]) | {ENGLAND_CODE}
    tables = {t: getattr(base, t) for t in (*DATASET_TABLES, "unit_costs")}
    gaps = dict(base.gaps)
    for t in present:
        own = read_csv_strict(folder / f"{t}.csv", t, known)
        if t in ("spend", "activity", "events"):  # the tables whose rows carry a basis
            own["basis"] = "local"
        key = list(TABLES[t].key)
        old = tables[t] if t not in gaps else _empty(t)
        if t == "activity" and "basis" in old:
            fam = own["measure"].str.split(":").str[0]
            families = set(zip(own["area_code"], own["year"], own["theme"], fam, strict=True))
            ofam = old["measure"].str.split(":").str[0]
            estimated = (old["basis"] == "estimated") & pd.Series(
                [k in families for k in zip(old["area_code"], old["year"], old["theme"], ofam, strict=True)],
                index=old.index)
            old = old[~estimated]
        merged = pd.concat([own, old], ignore_index=True)
        tables[t] = merged.drop_duplicates(key, keep="first").reset_index(drop=True)
        gaps.pop(t, None)
    logger.debug("layered %s over %s: %s", local, base_name, present)
    ds = Dataset(name=dataset, **tables, gaps=gaps)
    ds.local_files = [folder / f"{t}.csv" for t in present]
    ds.version = _version(ds)
    return ds


def _has_rows(path: Path) -> bool:
    """True if a CSV file exists and has a line after its header (the template's tables are header-only)."""
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        fh.readline()
        return any(line.strip() for line in fh)


def optional_table(dataset: str, name: str) -> pd.DataFrame | None:
    """A supplementary table an ingest may write beside the tidy tables (``reconciliation``,
    ``apportionment``), read as written; None if the dataset has none."""
    path = paths.data_dir(dataset) / f"{name}.csv"
    if dataset == "sample" or not path.exists():
        return None
    return pd.read_csv(path, dtype={"area_code": str, "region_code": str})


def manifest(dataset: str) -> dict:
    """An ingested dataset's ``manifest.json`` (its base's, for a layered dataset); {} for the sample or a dataset
    without one. Read once per version of the file."""
    if dataset.split("+", 1)[0] == "sample":
        return {}
    path = paths.data_dir(dataset) / "manifest.json"
    if not path.exists():
        return {}
    return _manifest(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _manifest(path: str, mtime_ns: int) -> dict:
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


def _missing_tables(dataset: str) -> dict[str, str]:
    """Tables an ingested dataset does not have, with the reason (from its ``manifest.json``)."""
    if dataset == "sample":
        return {}
    manifest = paths.data_dir(dataset) / "manifest.json"
    if not manifest.exists():
        return {}
    import json

    gaps = json.loads(manifest.read_text(encoding="utf-8")).get("missing_tables", {})
    return {t: why for t, why in gaps.items() if not table_path(t, dataset).exists()}


def _empty(table: str) -> pd.DataFrame:
    """A table with its schema's columns and no rows (for a table a dataset lacks)."""
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in TABLES[table].columns})


def default_year(theme: str, dataset: str) -> int:
    """Financial year start a theme reports on by default: 2009 on the sample (the Total Place year); on public
    data the latest year the data support, found from the dataset's manifest, never typed in.

    The place overview takes the latest year of the count (HM Treasury's regional analysis, 2024/25 now);
    each deep dive the latest year both the count and its bounding input
    (:data:`~totalplace_lib.core.catalogue.THEME_INPUTS`) cover.
    """
    if dataset.split("+", 1)[0] == "sample":
        return 2009
    from totalplace_lib.core.catalogue import FALLBACK_YEARS

    cov = manifest(dataset).get("coverage", {})
    count = cov.get("count_latest")
    if count is None:
        return FALLBACK_YEARS.get(theme, FALLBACK_YEARS["place"])
    latest = cov.get("theme_latest", {}).get(theme, count)
    return int(min(count, latest))
