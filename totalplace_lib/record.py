"""Key figures of a run, written as JSON beside the report (for the index and the synthesis).

Each figure carries its value, unit, period and source, so a number keeps its
provenance all the way to the index page. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__, paths


def figure(value: float | int | None, unit: str, period: str, source: str, label: str = "",
           missing: str = "", basis: str | None = None) -> dict[str, Any]:
    """One recorded figure.

    Parameters
    ----------
    value : float or int
        The number (pounds for ``unit='GBP'``; 0-1 for ``unit='proportion'``).
    unit : str
        ``GBP``, ``GBP per head``, ``persons``, ``proportion``, ``ratio``, ...
    period : str
        The period the figure describes, e.g. ``2009/10``.
    source : str
        Where the inputs came from (dataset, price year, unit-cost source).
    label : str
        Plain-English name for the index page.
    missing : str
        With ``value=None``: why the figure cannot be computed (recorded instead of a number).
    basis : str, optional
        What the figure rests on (:data:`totalplace_lib.basis.STRENGTH`; the weakest of its inputs).
    """
    from .gaps import Missing, first_missing

    gap = first_missing(value, period, source)
    if isinstance(value, Missing) or (gap is not None and value is not None):
        value, missing = None, gap.reason
    period, source = str(period) if not isinstance(period, Missing) else "", str(source) if not isinstance(
        source, Missing) else ""
    if value is None:
        if not missing:
            raise ValueError("a missing figure needs the reason it is missing")
        return {"value": None, "unit": unit, "period": period, "source": source, "label": label,
                "missing_reason": missing}
    v = float(value)
    if math.isinf(v):  # a ratio over nothing (a benefit-cost ratio with no net cost): not a number to record
        return {"value": None, "unit": unit, "period": period, "source": source, "label": label,
                "missing_reason": "not a finite number: the denominator is zero (e.g. no net cost)"}
    if not math.isfinite(v):
        raise ValueError(f"figure value must be finite, got {value!r}")
    if isinstance(value, numbers.Integral) or (v.is_integer() and unit == "persons"):
        v = int(v)
    out = {"value": v, "unit": unit, "period": period, "source": source, "label": label}
    if basis:
        out["basis"] = basis
    return out


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        paths.publish_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
