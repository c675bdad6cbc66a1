"""The notebooks the project runs for every place: the overview and the deep-dive themes."""

from __future__ import annotations

from pathlib import Path

from totalplace_lib.core import paths

THEMES: dict[str, str] = {
    "place": "Place overview: the high-level count",
    "offenders": "Offenders: crime, the prolific few and integrated offender management",
    "early_years": "Early years: the 0-5 count, a birth cohort to 18 and earlier help",
    "alcohol": "Alcohol: spend against harm and the case for prevention and treatment",
}
"""Theme key -> report title. A theme's notebook is ``notebooks/<key>.ipynb``."""


THEME_INPUTS: dict[str, tuple[str, str, str]] = {
    "offenders": ("activity", "measure", "recorded offences: personal crime"),
    "alcohol": ("activity", "measure", "alcohol-related admissions (narrow)"),
    "early_years": ("activity", "measure", "children looked after at 31 March each year"),
}
"""The input that bounds each theme's latest year on public data (table, column, value): the recorded-crime
rates behind the offenders theme's costs of crime, the alcohol-related admissions behind alcohol's harm, the
children looked after behind early years' cohort. A theme runs by default in the latest year that its input
and the count both cover (:func:`default_year`); the place overview in the count's latest year."""

FALLBACK_YEARS: dict[str, int] = {"place": 2017, "offenders": 2017, "early_years": 2020, "alcohol": 2017}
"""Years for a public dataset whose manifest does not say what it covers (made before the manifest's
``coverage`` section): the years the earlier count was richest in."""


def notebook_path(theme: str) -> Path:
    """Path of a theme's notebook template."""
    return paths.notebooks_dir() / f"{theme}.ipynb"


def available_themes() -> list[str]:
    """Theme keys whose notebook exists, in catalogue order."""
    return [t for t in THEMES if notebook_path(t).exists()]


GENERIC = "theme"
"""The notebook every file-defined theme runs (``notebooks/theme.ipynb``), with the theme's name as a parameter."""

THEME_DIR = "themes"
"""Folder of file-defined themes: ``params/themes/`` in the project, ``data/<local>/themes/`` beside an
analyst's own data (used with ``--dataset public+<local>``)."""


def theme_dirs(dataset: str | None = None) -> list[Path]:
    """Folders searched for theme files, in order: the project's, then the local data's (its file of the same
    name wins)."""
    dirs = [paths.params_dir() / THEME_DIR]
    local = paths.local_dir(dataset) if dataset else None
    if local is not None:
        dirs.append(local / THEME_DIR)
    return dirs


def theme_files(dataset: str | None = None) -> dict[str, Path]:
    """File-defined themes by name (the file's stem): ``older_people`` -> ``params/themes/older_people.yaml``."""
    found: dict[str, Path] = {}
    for d in theme_dirs(dataset):
        if d.is_dir():
            found.update({p.stem: p for p in sorted(d.glob("*.yaml")) if p.stem not in THEMES})
    return found


def is_file_theme(theme: str, dataset: str | None = None) -> bool:
    """True if ``theme`` is defined by a file rather than a notebook of its own."""
    return theme not in THEMES and theme in theme_files(dataset)


def notebook_key(theme: str) -> str:
    """The notebook a theme runs: its own key, or :data:`GENERIC` for a file-defined theme."""
    return theme if theme in THEMES else GENERIC


def notebook_for(theme: str) -> Path:
    """Path of the notebook a theme runs (:func:`notebook_key`)."""
    return notebook_path(notebook_key(theme))


def theme_title(theme: str, dataset: str | None = None) -> str:
    """A theme's report title: the catalogue's, or the ``title`` in its file (its name if unreadable)."""
    if theme in THEMES:
        return THEMES[theme]
    path = theme_files(dataset).get(theme)
    if path is None:
        return theme
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return theme
    return str(doc.get("title", theme)) if isinstance(doc, dict) else theme


def all_themes(dataset: str | None = None) -> list[str]:
    """Every theme that can run: the notebooks' (catalogue order), then the file-defined ones (by name)."""
    return [*available_themes(), *sorted(theme_files(dataset))]
