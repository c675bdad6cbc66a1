"""Per-place parameter files (``params/<slug>.yaml``) and notebook parameter checks.

A *place* is one or more local authorities (the Total Place pilots were groups,
e.g. Central Bedfordshire & Luton). Codes must be quoted strings in YAML: an
unquoted ``0123`` would be read as the integer 83.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from totalplace_lib.core import paths
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.schema import ENGLAND_CODE, GSS_CODE
from totalplace_lib.data.current import (  # noqa: F401 (re-exported: places are looked up by these)
    CURRENT,
    codes_for_names,
    current_areas,
    current_of,
    is_current,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODES = re.compile(r"^[Ee]\d{8}(?:[+-][Ee]\d{8})*$")
"""An area given by GSS code(s) instead of a params file: ``E06000032`` or ``E06000056+E06000032``."""
DATASETS_HELP = ("'sample' (illustrative), the name of a processed public dataset, or 'public+<local>' (your own "
                 "records in data/<local>/ layered on it)")


@dataclass(frozen=True)
class Place:
    """A Total Place area as described by its params file.

    Attributes
    ----------
    slug : str
        File stem and report folder name, e.g. ``central-bedfordshire-luton``.
    name : str
        Display name.
    area_codes : tuple of str
        Constituent local authorities (GSS codes, 2014 vintage = the April 2009 structure).
    pilot_themes : tuple of str
        The pilot's deep-dive theme(s) as the 2010 record describes them.
    deep_dives : tuple of str
        Which theme notebooks correspond to the pilot's own deep dive.
    dataset : str
        Dataset to read (``sample`` or a processed public dataset).
    year : int
        Financial year start (2009 = 2009/10).
    scenarios : dict
        Per-theme scenario assumptions, keyed by theme.
    file : str
        Params file it came from (for messages).
    """

    slug: str
    name: str
    area_codes: tuple[str, ...]
    pilot_themes: tuple[str, ...] = ()
    deep_dives: tuple[str, ...] = ()
    dataset: str = "sample"
    year: int = 2009
    scenarios: dict = field(default_factory=dict)
    file: str = ""

    def line_of(self, key: str) -> int | None:
        """Line of a top-level key in the params file (for messages), or None."""
        return _line_of(self, key)


# key -> (expected python type(s), required, help)
_KEYS: dict[str, tuple[tuple[type, ...], bool, str]] = {
    "slug": ((str,), True, "the file's own stem, lower-case with hyphens"),
    "name": ((str,), True, "display name of the place"),
    "area_codes": ((list,), True, "list of quoted GSS codes, e.g. [\"E06000032\"]"),
    "pilot_themes": ((list,), False, "the pilot's deep-dive themes as recorded in 2010"),
    "deep_dives": ((list,), False, "theme notebooks matching the pilot's deep dive"),
    "dataset": ((str,), False, DATASETS_HELP),
    "year": ((int,), False, "financial year start, e.g. 2009 for 2009/10"),
    "scenarios": ((dict,), False, "per-theme scenario assumptions"),
}


def _key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each top-level key in a YAML mapping."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            lines[str(k.value)] = k.start_mark.line + 1
    return lines


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (about 10x faster than the pure-Python one), else
the pure-Python safe loader; both build only plain data (no Python objects)."""


def _safe_data(text: str):
    """One YAML document as plain data, with :data:`SAFE_LOADER` (what ``yaml.safe_load`` does, in C)."""
    loader = SAFE_LOADER(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_place(text: str, file: str) -> Place:
    """Parse and validate the text of a params file.

    Raises
    ------
    ParamsError
        One line naming file, line and key, for: YAML syntax errors, unknown keys,
        missing required keys, wrong types, unquoted or malformed codes, and a slug
        that does not match the file name.
    """
    try:
        data = _safe_data(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"invalid YAML: {problem}", file=file, line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ParamsError("expected a mapping of keys (slug, name, area_codes, ...)", file=file)
    lines = _key_lines(text)
    for key in data:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), list(_KEYS), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParamsError(
                f"unknown key{hint}; allowed keys: {', '.join(_KEYS)}", file=file, line=lines.get(key), column=key
            )
    for key, (types, required, help_) in _KEYS.items():
        if key not in data:
            if required:
                raise ParamsError(f"required key missing ({help_})", file=file, column=key)
            continue
        value = data[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise ParamsError(
                f"expected {types[0].__name__}, got {type(value).__name__} {value!r} ({help_})",
                file=file, line=lines.get(key), column=key,
            )
    codes = data["area_codes"]
    if not codes:
        raise ParamsError("at least one area code is needed", file=file, line=lines.get("area_codes"),
                          column="area_codes")
    for code in codes:
        if not isinstance(code, str):
            raise ParamsError(
                f"code {code!r} is not a string: quote codes in YAML (an unquoted 0123 reads as 83)",
                file=file, line=lines.get("area_codes"), column="area_codes",
            )
        if not GSS_CODE.match(code):
            raise ParamsError(f"'{code}' is not a GSS area code like 'E06000032'", file=file,
                              line=lines.get("area_codes"), column="area_codes")
    if len(set(codes)) != len(codes):
        raise ParamsError("an area code is listed twice", file=file, line=lines.get("area_codes"),
                          column="area_codes")
    for key in ("pilot_themes", "deep_dives"):
        for item in data.get(key, []):
            if not isinstance(item, str):
                raise ParamsError(f"items must be strings, got {item!r}", file=file, line=lines.get(key),
                                  column=key)
    slug = data["slug"]
    stem = Path(file).stem
    if not SLUG.match(slug) or (stem and stem != slug and not file.startswith("<")):
        raise ParamsError(f"slug '{slug}' must be lower-case-with-hyphens and equal the file name '{stem}'",
                          file=file, line=lines.get("slug"), column="slug")
    return Place(
        slug=slug,
        name=data["name"],
        area_codes=tuple(codes),
        pilot_themes=tuple(data.get("pilot_themes", [])),
        deep_dives=tuple(data.get("deep_dives", [])),
        dataset=data.get("dataset", "sample"),
        year=data.get("year", 2009),
        scenarios=data.get("scenarios", {}) or {},
        file=file,
    )


def params_file(slug: str) -> Path:
    """Path of the params file for a slug."""
    return paths.params_dir() / f"{slug}.yaml"


def list_slugs() -> list[str]:
    """Slugs of every params file, sorted."""
    return sorted(p.stem for p in paths.params_dir().glob("*.yaml"))


def load_place(slug: str) -> Place:
    """Load and validate ``params/<slug>.yaml``.

    Raises
    ------
    ParamsError
        If there is no such file (listing the known slugs) or it is invalid.
    """
    path = params_file(slug)
    if not path.exists():
        known = ", ".join(list_slugs())
        raise ParamsError(f"no params file for area '{slug}'; known areas: {known}",
                          file=paths.relative(path))
    st = path.stat()
    return _parsed(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _parsed(path: str, mtime_ns: int, size: int) -> Place:
    """A params file parsed once for each version of it (a report's comparators read every file)."""
    p = Path(path)
    return parse_place(p.read_text(encoding="utf-8"), paths.relative(p))


def is_code_place(area: str) -> bool:
    """True if ``area`` names authorities by GSS code (``E06000032``, ``E06000056+E06000032``)."""
    return bool(CODES.match(area)) and not params_file(area).exists()


def code_place(area: str, areas, dataset: str = "public", year: int = 2009) -> Place:
    """A place made of the authorities given by GSS code, named from the dataset's areas table.

    On a dataset of the 2014 upper tier (``public``), a current code the 2014 geography holds whole is its 2014
    authorities; one it does not (Cumberland, a district, Bournemouth, Christchurch and Poole) is a place of the
    companion dataset on current boundaries (:func:`current_of`), whose ``dataset`` the place carries. On a
    current dataset, a county, a 2014 authority or any union is the current districts and unitaries it is made of.

    Parameters
    ----------
    area : str
        One code or several joined by ``+`` (or ``-``, as in the report folder name ``e06000056-e06000032``).
    areas : DataFrame
        The dataset's areas table (area_code, area_name).

    Raises
    ------
    ParamsError
        Naming any code that is not an authority of the dataset (with a close match when there is one).
    """
    codes = tuple(dict.fromkeys(c.upper() for c in re.split(r"[+-]", area)))
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    unknown = [c for c in codes if c not in names or c == ENGLAND_CODE]
    current = current_areas(dataset)
    if unknown and current is not None and all(c in current.index for c in unknown):
        if is_current(dataset):
            return _made_of_units(codes, current, names, dataset, year)
        return _current_place(codes, current, dataset, year)
    if unknown:
        raise ParamsError(f"area code(s) {', '.join(unknown)} are not English authorities of 2014-2023 in dataset "
                          f"'{dataset}'; give a current or 2014 GSS code, or a name (--area \"Cumberland\")",
                          column="area")
    return Place(slug="-".join(c.lower() for c in codes), name=" & ".join(names[c] for c in codes),
                 area_codes=codes, dataset=dataset, year=year)


def _made_of_units(codes: tuple[str, ...], current, units: dict[str, str], dataset: str, year: int) -> Place:
    """A place on a current dataset given by codes that are not all its units (a county, a 2014 authority, a union):
    the current districts and unitaries whose 2014 districts it covers.

    Raises
    ------
    ParamsError
        If the codes cover part of a current authority (a 2014 district since merged), naming it.
    """
    wanted = frozenset().union(*(current.loc[c, "districts14"] if c in current.index else frozenset() for c in codes))
    members = [c for c in units if c in current.index and current.loc[c, "districts14"]
               and current.loc[c, "districts14"] <= wanted]
    covered = frozenset().union(*(current.loc[c, "districts14"] for c in members)) if members else frozenset()
    name = " & ".join(current.loc[c, "area_name"] if c in current.index else units[c] for c in codes)
    if covered != wanted:
        holders = [f"{current.loc[c, 'area_name']} ({c})" for c in units if c in current.index
                   and current.loc[c, "districts14"] & (wanted - covered)]
        raise ParamsError(f"{name} is part of {', '.join(holders)} on current boundaries: run that, or the 2014 "
                          "geography with --dataset public", column="area")
    return Place(slug="-".join(c.lower() for c in codes), name=name, area_codes=tuple(sorted(members)),
                 dataset=dataset, year=year)


def _current_place(codes: tuple[str, ...], current, dataset: str, year: int) -> Place:
    """A place given by current (or 2014) codes: the 2014 upper-tier authorities it is the whole of.

    Raises
    ------
    ParamsError
        If the codes cover only part of a 2014 upper-tier authority (the count is held whole for those), naming
        the current authorities that would make it whole.
    """
    rows = current.loc[list(codes)]
    districts = frozenset().union(*rows["districts14"])
    utlas = sorted(frozenset().union(*rows["utla14"]))
    need = frozenset().union(*(current.loc[u, "districts14"] for u in utlas if u in current.index))
    name = " & ".join(rows["area_name"])
    if districts != need and (paths.data_dir(current_of(dataset).split("+", 1)[0]) / "areas.csv").exists():
        return _on_current(codes, current_of(dataset), year)
    if districts != need:
        missing = need - districts
        fill = current[current["current"] & ~current["tier"].isin(("county", "combined authority"))
                       & current["districts14"].map(lambda d: bool(d & missing) and d <= missing)]
        whole = ", ".join(f"{current.loc[u, 'area_name']} ({u})" for u in utlas)
        add = ", ".join(f"{n} ({c})" for c, n in zip(fill["area_code"], fill["area_name"], strict=True))
        raise ParamsError(f"{name} is part of {whole} in the 2014 geography, and dataset '{dataset}' has no "
                          f"companion on current boundaries ('totalplace ingest' writes {current_of(dataset)}): add "
                          f"{add} to make the whole "
                          f"(--area {'+'.join([*codes, *fill['area_code']])}), or run {whole}", column="area")
    return Place(slug="-".join(c.lower() for c in codes), name=name, area_codes=tuple(utlas), dataset=dataset,
                 year=year)


def on_boundaries(place: Place, areas, dataset: str) -> Place:
    """A params file's place with its codes read on ``dataset``'s geography: unchanged where the dataset holds them
    all; else, like codes given on the command line (:func:`code_place`), the 2014 authorities it is the whole of, or
    the current districts and unitaries on the companion dataset. Name, slug and scenarios stay the file's."""
    from dataclasses import replace

    known = set(areas["area_code"])
    if dataset.split("+", 1)[0] == "sample" or all(c in known for c in place.area_codes):
        return place
    try:
        found = code_place("+".join(place.area_codes), areas, dataset, place.year)
    except ParamsError as exc:
        raise ParamsError(exc.reason, file=place.file, line=place.line_of("area_codes"),
                          column="area_codes") from None
    return replace(place, area_codes=found.area_codes, dataset=found.dataset)


def _on_current(codes: tuple[str, ...], dataset: str, year: int) -> Place:
    """A place given on a 2014 dataset that only current boundaries hold: the same codes on ``dataset``."""
    from totalplace_lib.data.datasets import load_table

    return code_place("+".join(codes), load_table("areas", dataset.split("+", 1)[0]), dataset, year)


def _line_of(place: Place, key: str) -> int | None:
    try:
        return _key_lines(Path(place.file).read_text(encoding="utf-8")).get(key)
    except OSError:
        return None


def _covered(ds, table: str, year: int | None) -> frozenset:
    """The area codes with ``table`` rows in ``year`` that a report can count (``"years"``: the years of
    spend held), worked out once per version of the dataset's files: a report checks every comparator
    against the same dataset, and each check scanned the whole public spend table (0.17 s) before."""
    memo = ds.memo().setdefault("covered", {})
    if (table, year) not in memo:
        if table == "years":
            memo[table, year] = frozenset(int(y) for y in ds.spend["year"].unique())
        else:
            t = getattr(ds, table)
            if table == "spend" and "level" in t and t["level"].notna().any():
                t = t[t["level"] != "local body"]  # shares of police, fire or other bodies alone are not a count
            elif table == "spend" and "basis" in t:  # police bodies' shared outturn alone is not a count of the place
                t = t[(t["agency"] != "Police") | (t["basis"] != "apportioned")]
            # Public files hold population for a few years only: per head then uses the nearest year (says so).
            codes = t.loc[t["year"] == year, "area_code"] if ds.illustrative or table == "spend" else t["area_code"]
            memo[table, year] = frozenset(codes.unique())
    return memo[table, year]


def check_place_data(place: Place, ds, year: int) -> None:
    """Check a place against a dataset before any report runs (the runner calls this too).

    Raises
    ------
    ParamsError
        Naming the params file, line and key: an area code the dataset does not have, a code
        with no spend or population rows in the year, or a year the dataset does not cover (the
        cases a params file states are checked by :func:`totalplace_lib.methods.cba.templates.check_scenarios`).
    """
    shown = paths.relative(Path(place.file)) if place.file else None
    known = set(ds.areas["area_code"])
    unknown = [c for c in place.area_codes if c not in known]
    if unknown:
        raise ParamsError(f"area code(s) {', '.join(unknown)} are not in dataset '{ds.name}'", file=shown,
                          line=_line_of(place, "area_codes"), column="area_codes")
    years = _covered(ds, "years", None)
    if year not in years:
        raise ParamsError(f"year {year} not in dataset '{ds.name}' (has {', '.join(map(str, sorted(years)))})",
                          file=shown, line=_line_of(place, "year"), column="year")
    for table in ("spend", "population"):
        have = _covered(ds, table, year)
        empty = [c for c in place.area_codes if c not in have]
        if empty:
            hint = "" if ds.illustrative else (f" (data/processed/{ds.name}/manifest.json lists every row left "
                                               "out and why, e.g. authorities reorganised since 2014)")
            raise ParamsError(f"area code(s) {', '.join(empty)} have no {table} rows for {year} in dataset "
                              f"'{ds.name}'{hint}", file=shown, line=_line_of(place, "area_codes"),
                              column="area_codes")


def load_places(dataset: str | None = None) -> list[Place]:
    """Every valid place (optionally only those using ``dataset``), sorted by slug.

    An invalid params file is skipped with a warning here, so one broken file does not
    stop other places' reports; the runner reports it as a bad input.
    """
    import logging

    out = []
    for slug in list_slugs():
        try:
            p = load_place(slug)
        except ParamsError as exc:
            logging.getLogger(__name__).warning("skipping %s", exc)
            continue
        if dataset is None or p.dataset == dataset:
            out.append(p)
    return out


def available_datasets() -> list[str]:
    """Datasets a notebook can read here: ``sample``, each processed public dataset that has an areas table,
    and ``public+<local>`` for each folder in ``data/`` holding an analyst's own tables."""
    from totalplace_lib.data.datasets import LOCAL_TABLES

    root = paths.project_root() / "data"
    processed = sorted(p.name for p in (root / "processed").glob("*") if (p / "areas.csv").is_file())
    local = sorted(p.name for p in root.glob("*") if p.is_dir() and p.name not in {"sample", "reference", "raw",
                                                                                     "processed"}
                   and any((p / f"{t}.csv").is_file() for t in LOCAL_TABLES))
    return ["sample", *processed, *(f"{processed[0]}+{name}" for name in local if processed)]


def place_choices(dataset: str) -> list[tuple[str, str]]:
    """The places a dataset can report on, as (display name, ``area`` value) sorted by name.

    On the sample these are the pilots (``area`` = params slug); on a public dataset every upper-tier
    authority (``area`` = its GSS code), after any params file written for that dataset.
    """
    from totalplace_lib.data.datasets import load_table

    pilots = [(p.name, p.slug) for p in load_places(dataset)]
    if dataset == "sample":
        return sorted(pilots)
    areas = load_table("areas", dataset.split("+", 1)[0])
    areas = areas[areas["area_code"] != ENGLAND_CODE]
    return sorted(pilots) + sorted(zip(areas["area_name"], areas["area_code"], strict=True))
