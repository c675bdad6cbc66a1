"""Key figures of a run, written as JSON beside the report (for the index and the synthesis).

Each figure carries its value, unit, period and source, so a number keeps its
provenance all the way to the index page. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from totalplace_lib import __version__
from totalplace_lib.core import paths
from totalplace_lib.core.figures import figure  # noqa: F401  (the reports record figures through record)
from totalplace_lib.core.files import atomic_write_text


def record_path(area: str, theme: str, output_dir: str = "") -> Path:
    """Where a run's JSON goes: ``<output_dir>/<theme>.json``.

    The batch runner always gives ``output_dir`` (it publishes into ``reports/`` only when the report
    succeeded). Without one the run is interactive (JupyterLab, a hand-run papermill): its figures go to
    ``.cache/interactive/<area>/``, never into ``reports/``, so exploring cannot change what the index and
    the synthesis show.
    """
    base = Path(output_dir) if output_dir else interactive_dir() / area
    return base / f"{theme}.json"


def interactive_dir() -> Path:
    """Where interactive runs keep what they record (git-ignored, never read by the index or synthesis)."""
    return paths.project_root() / ".cache" / "interactive"


class Receipt:
    """What :func:`write` wrote: ``path`` and how many figures; shows as one stable line in a notebook."""

    def __init__(self, path: Path, area: str, theme: str, count: int) -> None:
        self.path, self.area, self.theme, self.count = path, area, theme, count

    def __repr__(self) -> str:
        where = (f" (interactive run: kept in {paths.relative(self.path.parent)}, not published to reports/)"
                 if interactive_dir() in self.path.parents else "")
        return f"{self.count} key figures recorded for {self.area} / {self.theme} ({self.path.name}){where}"


def write(area: str, theme: str, figures: dict[str, dict], dataset: str, output_dir: str = "",
          **meta: Any) -> Receipt:
    """Write a run's key figures as JSON; return a :class:`Receipt` (``.path`` is the file).

    The file holds ``area``, ``theme``, ``dataset``, ``illustrative`` (true for the
    sample), ``version``, ``run_date`` and ``figures`` (name -> figure dict).
    """
    if dataset == "sample":  # every figure of the sample rests on it, whatever its inputs
        figures = {k: ({**f, "basis": "illustrative"} if f.get("value") is not None else f) for k, f in figures.items()}
    payload = {
        "area": area,
        "theme": theme,
        "dataset": dataset,
        "illustrative": dataset == "sample",
        "version": __version__,
        "run_date": date.today().isoformat(),
        **meta,
        "coverage": coverage(figures),
        "figures": figures,
    }
    path = record_path(area, theme, output_dir)
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return Receipt(path, area, theme, len(figures))


def coverage(figures: dict[str, dict]) -> dict[str, Any]:
    """How many key figures are known, and how many rest on each basis (``unstated`` where none is given)."""
    known = [f for f in figures.values() if f.get("value") is not None]
    by: dict[str, int] = {}
    for f in known:
        by[f.get("basis") or "unstated"] = by.get(f.get("basis") or "unstated", 0) + 1
    return {"known": len(known), "total": len(figures), "by_basis": by}


def read(path: Path) -> dict[str, Any]:
    """Read a recorded JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
