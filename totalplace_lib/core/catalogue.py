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
