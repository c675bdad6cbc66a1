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


PUBLIC_YEARS: dict[str, int] = {"place": 2017, "offenders": 2017, "early_years": 2020, "alcohol": 2017}
"""Year each theme runs in on public data unless ``--year`` is given: the latest year in which its inputs
are richest (docs/themes.md, 'Years on public data').

- place 2017/18: the latest full multi-agency count (HM Treasury's Country and Regional Analysis
  apportioned, reconciled with councils' Revenue Outturn and police bodies' outturn);
- offenders 2017/18: the full count (police, prisons and probation, courts) and the Health Index's
  recorded-crime rates of 2017;
- alcohol 2017/18: the latest LAPE admissions, the Health Index alcohol and drug indicators, and the
  first Revenue Outturn year with England's RO3 substance-misuse lines;
- early years 2020/21: the mid-2020 single-year population (children 0-5, births), children looked after
  at 31 March 2021 with their rate, and councils' Revenue Outturn (a council count: no CRA after 2017/18).

``--year 2009`` still gives the Total Place year (Section 52, children looked after at 31 March 2010,
LAPE 2009/10)."""


def period(year: int, kind: str = "fy") -> str:
    """The period label an input uses for a report year (2017 = 2017/18).

    ``fy``: a financial year (``2017/18``); ``march``: a count at 31 March that ends it (``2018``);
    ``calendar``: the calendar year it starts in (``2017``).
    """
    if kind == "fy":
        return f"{year}/{str(year + 1)[-2:]}"
    if kind == "march":
        return str(year + 1)
    if kind == "calendar":
        return str(year)
    raise ValueError(f"unknown period kind '{kind}' (fy, march or calendar)")


def notebook_path(theme: str) -> Path:
    """Path of a theme's notebook template."""
    return paths.notebooks_dir() / f"{theme}.ipynb"


def available_themes() -> list[str]:
    """Theme keys whose notebook exists, in catalogue order."""
    return [t for t in THEMES if notebook_path(t).exists()]
