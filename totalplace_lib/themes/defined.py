"""Themes defined in a file: a selection of the Total Place count, a population in scope and indicators.

A theme file (``params/themes/<name>.yaml``, or ``data/<local>/themes/<name>.yaml`` beside an analyst's own
data) says which spend lines of the count belong to the theme, each with the stage it is counted at and why;
whose population the per-head figures are for; and the indicators to set beside the money. Everything the
report shows is computed from the count and the indicators here; the notebook is ``notebooks/theme.ipynb``.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from totalplace_lib.core import paths
from totalplace_lib.core.basis import base_service
from totalplace_lib.core.catalogue import THEMES, theme_dirs, theme_files
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.gaps import Missing, passes_gaps
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE, STAGES, UNIVERSAL
from totalplace_lib.data.datasets import Dataset, remembered
from totalplace_lib.data.places import Place

KEYS = {"title", "question", "pilot", "population", "definition", "sources", "spend", "indicators", "scenario"}
REQUIRED = ("title", "question", "definition", "sources", "spend", "indicators")
LINE_KEYS = {"service", "function", "agency", "label", "stage", "reason"}
POLARITIES = ("higher is better", "lower is better", "neither")
DEFINITION_KEYS = ("in", "out", "why")
MAX_AGE = 90
SCENARIO_VALUES = {
    "theme_spend_gbp": "the theme's spend in the place in the report's year (£, that year's prices)",
    "reactive_spend_gbp": "the part of it at the reactive or acute stage (£)",
    "preventive_spend_gbp": "the part of it at the preventive or early-intervention stage (£)",
    "population_in_scope": "the people the theme is about (persons)",
}
"""What a theme file's scenario may take ``from data: <key>`` (computed by :func:`scenario_values`)."""
THEME_STAGES = (*STAGES, UNIVERSAL)
"""A line's stage: the count's four, or *universal* (an entitlement or service for everyone, left out of the
preventive share)."""


@dataclass(frozen=True)
class Line:
    """One spend line of a theme: a service of the count (``*`` wildcards), or every service of a COFOG function,
    optionally one agency's."""

    service: str
    label: str
    stage: str
    reason: str
    agency: str = "*"
    function: str = "*"

    def matches(self, service: str, agency: str, function: str = "") -> bool:
        """True if a (service, agency, COFOG function) of the count is this line's."""
        return (fnmatch.fnmatchcase(base_service(service), self.service) and fnmatch.fnmatchcase(agency, self.agency)
                and fnmatch.fnmatchcase(function, self.function))


@dataclass(frozen=True)
class Indicator:
    """An indicator shown with the theme, and which way is better."""

    name: str
    polarity: str


@dataclass(frozen=True)
class ThemeFile:
    """A theme as its file defines it (checked by :func:`load`)."""

    name: str
    path: Path
    title: str
    question: str
    pilot: str
    ages: tuple[int, int] | None
    population_label: str
    definition: dict[str, str]
    sources: tuple[str, ...]
    lines: tuple[Line, ...]
    indicators: tuple[Indicator, ...]
    scenario: dict | None = None

    @property
    def shown(self) -> str:
        """The file's path as the report and errors name it."""
        return paths.relative(self.path)


def _fail(shown: str, key: str, what: str) -> ParamsError:
    return ParamsError(what, file=shown, column=key)


def find(theme: str, dataset: str | None = None) -> Path:
    """The file of a theme given by name (or a path to a ``.yaml`` file).

    Raises
    ------
    ParamsError
        If no theme file has that name: lists the themes there are, closest first.
    """
    if theme.endswith((".yaml", ".yml")):
        p = Path(theme)
        if not p.is_file():
            raise ParamsError(f"theme file not found: {theme}", file=theme)
        return p
    files = theme_files(dataset)
    if theme in files:
        return files[theme]
    known = [*THEMES, *files]
    close = difflib.get_close_matches(theme, known, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    where = " or ".join(paths.relative(d) + "/" for d in theme_dirs(dataset))
    raise ParamsError(f"unknown theme '{theme}'{hint}; themes: {', '.join(known)}; a theme file is a .yaml in {where}")


def load(theme: str, dataset: str | None = None) -> ThemeFile:
    """Read and check a theme file: keys, types, stages and polarities (what it selects is checked against a
    dataset by :func:`check_against`).

    Raises
    ------
    ParamsError
        One line naming the file and key, and what is allowed.
    """
    path = find(theme, dataset)
    shown = paths.relative(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParamsError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=shown,
                          line=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict):
        raise ParamsError("a theme file is a YAML mapping (title, question, definition, sources, spend, "
                          "indicators...)", file=shown)
    unknown = sorted(set(doc) - KEYS)
    if unknown:
        raise _fail(shown, unknown[0], f"unknown key; allowed: {', '.join(sorted(KEYS))}")
    for key in REQUIRED:
        if not doc.get(key):
            raise _fail(shown, key, "missing or empty; a theme needs " + ", ".join(REQUIRED))
    definition = doc["definition"]
    if not isinstance(definition, dict) or set(definition) != set(DEFINITION_KEYS):
        raise _fail(shown, "definition", "needs exactly 'in', 'out' and 'why': what is in, what is out, and why")
    pop = doc.get("population") or {}
    ages = _ages(pop, shown)
    lines = tuple(_line(d, i, shown) for i, d in enumerate(_list(doc["spend"], "spend", shown)))
    inds = tuple(_indicator(d, i, shown) for i, d in enumerate(_list(doc["indicators"], "indicators", shown)))
    sources = _list(doc["sources"], "sources", shown)
    scenario = _scenario(doc.get("scenario"), path.stem, shown)
    return ThemeFile(name=path.stem, path=path, title=str(doc["title"]), question=str(doc["question"]),
                     pilot=str(doc.get("pilot", "")), ages=ages,
                     population_label=str(pop.get("label", "residents of all ages")),
                     definition={k: str(definition[k]) for k in DEFINITION_KEYS},
                     sources=tuple(str(s) for s in sources), lines=lines, indicators=inds, scenario=scenario)


def _scenario(d, name: str, shown: str) -> dict | None:
    """A theme's redesign case in the cost-benefit engine's format, checked (placeholders filled with 1)."""
    from totalplace_lib.methods.cba import fill_from_data, scenario_from_dict

    if d is None:
        return None
    try:
        scenario_from_dict(fill_from_data(d, dict.fromkeys(SCENARIO_VALUES, 1.0), "scenario"), name=name)
    except ParamsError as exc:
        raise ParamsError(exc.reason, file=shown, column=f"scenario.{exc.column}" if exc.column else "scenario"
                          ) from None
    return d


def _list(value, key: str, shown: str) -> list:
    if not isinstance(value, list) or not value:
        raise _fail(shown, key, "must be a list with at least one entry")
    return value


def _ages(pop, shown: str) -> tuple[int, int] | None:
    if not isinstance(pop, dict) or set(pop) - {"ages", "label"}:
        raise _fail(shown, "population", "allowed: ages ([from, to], 90 meaning 90 and over) and label")
    if "ages" not in pop:
        return None
    a = pop["ages"]
    if (not isinstance(a, list) or len(a) != 2 or not all(isinstance(x, int) for x in a)
            or not 0 <= a[0] <= a[1] <= MAX_AGE):
        raise _fail(shown, "population.ages", f"must be [from, to], whole years 0 to {MAX_AGE} (90 and over)")
    if "label" not in pop:
        raise _fail(shown, "population.label", "say whose population it is, e.g. 'people aged 65 and over'")
    return int(a[0]), int(a[1])


def _line(d, i: int, shown: str) -> Line:
    key = f"spend[{i + 1}]"
    if not isinstance(d, dict):
        raise _fail(shown, key, "each spend line is a mapping: service (or function), stage, reason (agency, label "
                                "optional)")
    unknown = sorted(set(d) - LINE_KEYS)
    if unknown:
        raise _fail(shown, f"{key}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(LINE_KEYS))}")
    if not d.get("service") and not d.get("function"):
        raise _fail(shown, f"{key}.service", "missing; each spend line names a service of the count or a function")
    for k in ("stage", "reason"):
        if not d.get(k):
            raise _fail(shown, f"{key}.{k}", "missing; each spend line needs service, stage and reason")
    if d["stage"] not in THEME_STAGES:
        raise _fail(shown, f"{key}.stage", f"unknown stage '{d['stage']}'; allowed: {', '.join(THEME_STAGES)}")
    service, function = str(d.get("service") or "*"), str(d.get("function") or "*")
    return Line(service=service, label=str(d.get("label") or (service if service != "*" else function)),
                stage=str(d["stage"]), reason=str(d["reason"]), agency=str(d.get("agency") or "*"), function=function)


def _indicator(d, i: int, shown: str) -> Indicator:
    key = f"indicators[{i + 1}]"
    if not isinstance(d, dict) or set(d) - {"name", "polarity"} or not d.get("name"):
        raise _fail(shown, key, "each indicator is a mapping: name (as in the indicators table) and polarity")
    pol = d.get("polarity", "neither")
    if pol not in POLARITIES:
        raise _fail(shown, f"{key}.polarity", f"unknown polarity '{pol}'; allowed: {', '.join(POLARITIES)}")
    return Indicator(str(d["name"]), pol)


# ------------------------------------------------------------------------------------------------
# The theme against a dataset


def check_against(theme: ThemeFile, ds: Dataset) -> None:
    """Check that every spend line selects something in the dataset's count and every indicator is held.

    Raises
    ------
    ParamsError
        Naming the file and key, with the closest names the dataset holds.
    """
    if ds.illustrative:
        raise ParamsError(f"theme '{theme.name}' selects lines of the public count; the sample data have only "
                          "the illustrative themes: run it with --dataset public", file=theme.shown)
    pairs = _pairs(ds)
    services = sorted(set(pairs["service"]))
    for i, line in enumerate(theme.lines):
        hit = [s for s, a, f in zip(pairs["service"], pairs["agency"], pairs["function"], strict=True)
               if line.matches(s, a, f)]
        if not hit:
            what, names = ((line.service, services) if line.service != "*" else
                           (line.function, sorted(set(pairs["function"]) - {""})))
            close = difflib.get_close_matches(what, names, n=3, cutoff=0.5)
            hint = f"; closest: {'; '.join(close)}" if close else ""
            key = "service" if line.service != "*" else "function"
            raise ParamsError(f"unknown spend line {key} '{what}'" + (f" for agency '{line.agency}'"
                              if line.agency != "*" else "") + f": no line of dataset '{ds.name}' matches{hint}",
                              file=theme.shown, column=f"spend[{i + 1}].{key}")
    held = set(ds.indicators["indicator"])
    for i, ind in enumerate(theme.indicators):
        if ind.name not in held:
            close = difflib.get_close_matches(ind.name, sorted(held), n=3, cutoff=0.5)
            hint = f"; closest: {'; '.join(close)}" if close else ""
            raise ParamsError(f"unknown indicator '{ind.name}': dataset '{ds.name}' has no such indicator{hint}",
                              file=theme.shown, column=f"indicators[{i + 1}].name")


def _pairs(ds: Dataset) -> pd.DataFrame:
    """Every (service, agency, COFOG function) the dataset's count holds (function '' where a line has none)."""
    return remembered(ds, ("service agency pairs",), lambda: ds.spend[["service", "agency"]]
                      .assign(function=_function_of(ds.spend)).drop_duplicates().reset_index(drop=True))


_KEY = ("service", "agency", "function")


def _function_of(spend: pd.DataFrame) -> pd.Series:
    """Each spend line's COFOG function, '' where it has none (council lines of the sample, RO3), to match on."""
    if "function" not in spend.columns:
        return pd.Series("", index=spend.index)
    return spend["function"].fillna("")


def _selection(ds: Dataset, theme: ThemeFile) -> pd.DataFrame:
    """(service, agency, function) -> the theme line that takes it (the first that matches), its label and stage."""
    def make() -> pd.DataFrame:
        rows = []
        p = _pairs(ds)
        for s, a, f in zip(p["service"], p["agency"], p["function"], strict=True):
            line = next((ln for ln in theme.lines if ln.matches(s, a, f)), None)
            if line is not None:
                rows.append({"service": s, "agency": a, "function": f, "line": line.label,
                             "theme_stage": line.stage, "reason": line.reason})
        return pd.DataFrame(rows, columns=[*_KEY, "line", "theme_stage", "reason"])
    return remembered(ds, ("theme selection", theme.path, theme.lines), make)


def select(spend: pd.DataFrame, ds: Dataset, theme: ThemeFile) -> pd.DataFrame:
    """The theme's lines of ``spend`` with the theme's line label and stage (the theme's stage replaces the count's).

    Returns
    -------
    DataFrame
        The spend rows selected, with ``line`` (the theme's label), ``stage`` (the theme's) and ``reason``.
    """
    sel = spend.assign(_function=_function_of(spend)).merge(
        _selection(ds, theme).rename(columns={"function": "_function"}), on=["service", "agency", "_function"])
    return sel.assign(stage=sel.pop("theme_stage")).drop(columns="_function")


@passes_gaps
def theme_spend(ds: Dataset, place: Place, year: int, theme: ThemeFile) -> pd.DataFrame:
    """The place's spend on the theme in one year (£, that year's prices), line by line with basis and stage."""
    s = select(ds.rows("spend", place.area_codes, year), ds, theme)
    if s.empty:
        return Missing(f"no spend line of the theme '{theme.name}' for {place.name} in {fy_label(year)} in "
                       f"dataset '{ds.name}'.")
    return s


def scenario_values(spend: pd.DataFrame, population) -> dict:
    """The figures a theme file's scenario may take ``from data:`` (:data:`SCENARIO_VALUES`), from the theme's
    spend in the report's year and its people in scope (a gap stays a gap, and the case says what it left out)."""
    from totalplace_lib.methods.count import PREVENTIVE_STAGES

    amount = spend["amount_gbp"]
    return {"theme_spend_gbp": float(amount.sum()),
            "reactive_spend_gbp": float(amount[spend["stage"].isin(("reactive", "acute"))].sum()),
            "preventive_spend_gbp": float(amount[spend["stage"].isin(PREVENTIVE_STAGES)].sum()),
            "population_in_scope": population}


def lines_table(theme: ThemeFile) -> pd.DataFrame:
    """The theme's definition line by line: what is selected from the count, at what stage, and why."""
    return pd.DataFrame([{"line": ln.label,
                          "selects": (ln.service if ln.service != "*" else f"every service of {ln.function}")
                          + ("" if ln.agency == "*" else f" ({ln.agency})"),
                          "stage": ln.stage, "reason": ln.reason} for ln in theme.lines])


def in_scope(ds: Dataset, codes: tuple[str, ...], year: int, theme: ThemeFile) -> tuple[float | Missing, str]:
    """People in the theme's scope in ``year`` and how they were found.

    The year's own estimate where the files hold it by age; otherwise the year's total residents times the
    age profile of the nearest year held by single year of age (an estimate, said in ``how``). A place the 2014
    geography cannot hold whole (Dorset, Poole & Bournemouth since 2019) is counted from its whole districts.
    """
    from totalplace_lib.methods import district_values
    from totalplace_lib.methods.count import population_nearest

    label = theme.population_label
    if codes == (ENGLAND_CODE,) and _england_rows(ds).empty:
        codes = tuple(c for c in ds.areas["area_code"] if c != ENGLAND_CODE)
    nearest = population_nearest
    total, ty = nearest(ds, codes, year)
    if isinstance(total, Missing):
        nearest = district_values.population_nearest
        total, ty = nearest(ds, codes, year)
    if theme.ages is None or isinstance(total, Missing):
        return total, f"{label}, mid-{ty}"
    part, py = nearest(ds, codes, year, theme.ages)
    if isinstance(part, Missing) or py == ty:
        return part, f"{label}, mid-{py}"
    whole_then, _ = nearest(ds, codes, py)
    return total * part / whole_then, f"{label}, mid-{ty} (total x the mid-{py} age profile)"


def _england_rows(ds: Dataset) -> pd.DataFrame:
    return ds.area_rows("population", (ENGLAND_CODE,))
