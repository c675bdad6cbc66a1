"""The notebooks the project runs for every place: the overview and the deep-dive themes."""

from __future__ import annotations

from pathlib import Path

from . import paths

THEMES: dict[str, str] = {
    "place": "Place overview: the high-level count",
    "offenders": "Offenders: crime, the prolific few and integrated offender management",
    "early_years": "Early years: the 0-5 count, a birth cohort to 18 and earlier help",
    "alcohol": "Alcohol: spend against harm and the case for prevention and treatment",
}
"""Theme key -> report title. A theme's notebook is ``notebooks/<key>.ipynb``."""


PUBLIC_YEARS: dict[str, int] = {"place": 2017, "offenders": 2009, "early_years": 2009, "alcohol": 2009}
"""Year each theme runs in on public data unless ``--year`` is given. The themes use 2009/10, the
Total Place year, for which the public files hold the DfE Section 52 children's services lines,
children looked after and alcohol admissions; the place overview uses 2017/18, the latest year with a
full multi-agency count (HM Treasury's Country and Regional Analysis apportioned, reconciled with the
councils' Revenue Outturn and police bodies' outturn); ``--year`` 2009-2016 gives the other CRA years
and 2018-2023 a council-and-police count."""


def notebook_path(theme: str) -> Path:
    """Path of a theme's notebook template."""
    return paths.notebooks_dir() / f"{theme}.ipynb"


def available_themes() -> list[str]:
    """Theme keys whose notebook exists, in catalogue order."""
    return [t for t in THEMES if notebook_path(t).exists()]
