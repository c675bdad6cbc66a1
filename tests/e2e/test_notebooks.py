"""The notebook contract: typed parameters cell, validation next, short cells, tagged widgets, no outputs."""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest

from totalplace_lib.core.catalogue import GENERIC, THEMES

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
THEME_NOTEBOOKS = [p for p in NOTEBOOKS if p.stem in THEMES]
COMMON = {"area": "str", "dataset": "str", "year": "int", "output_dir": "str"}
SYNTHESIS = {"reports_dir": "str", "output_dir": "str"}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_every_theme_has_a_notebook_and_nothing_else_is_unaccounted_for():
    names = {p.stem for p in NOTEBOOKS}
    assert set(THEMES) <= names
    assert names - set(THEMES) == {"synthesis", GENERIC}  # GENERIC: every file-defined theme's notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exactly_one_typed_parameters_cell_with_help(path):
    tagged = [c for c in cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    params = pm.inspect_notebook(str(path))
    for name, typ in (SYNTHESIS if path.stem == "synthesis" else COMMON).items():
        assert name in params, f"{path.name} lacks parameter {name}"
        assert params[name]["inferred_type_name"] == typ
        assert params[name]["help"], f"{name} has no help comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_validation_follows_parameters_and_sections_start_with_key_findings(path):
    cs = cells(path)
    i = next(i for i, c in enumerate(cs) if "parameters" in c.get("metadata", {}).get("tags", []))
    if path.stem != "synthesis":  # the place picker comes first: JupyterLab only, a batch run skips it
        assert "widgets.place_picker(area, dataset, year" in "".join(cs[i + 1]["source"])
        i += 1
    first = "load_records(" if path.stem == "synthesis" else "validate_run("
    assert first in "".join(cs[i + 1]["source"])
    headings = [line for c in cs if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines()
                if line.startswith("## ")]
    assert headings[0] == "## Key findings"
    assert headings[-1] == "## Sources and method"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_cells_stay_short(path):
    for c in cells(path):
        if c["cell_type"] != "code":
            continue
        assert not c.get("outputs") and c.get("execution_count") is None, "strip outputs before committing"
        src = "".join(c["source"])
        assert len(src.splitlines()) <= 12, f"cell too long for a notebook (move it to totalplace_lib):\n{src}"
        assert "def " not in src and "lambda" not in src, "functions belong in totalplace_lib"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_interactive_cells_are_skipped_in_batch_and_nbval(path):
    for c in cells(path):
        src = "".join(c["source"])
        if "widgets." in src or "interact" in src:
            tags = set(c["metadata"].get("tags", []))
            assert {"skip-execution", "nbval-skip"} <= tags, src


@pytest.mark.parametrize("path", [p for p in THEME_NOTEBOOKS if p.stem != "place"], ids=lambda p: p.stem)
def test_theme_sections_follow_the_design_order(path):
    """Key findings -> count -> analyses -> redesign case -> benchmarks -> sources (DESIGN.md)."""
    headings = [line for c in cells(path) if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines()
                if line.startswith("## ")]
    redesign = next(i for i, h in enumerate(headings) if h.startswith("## The redesign case"))
    compare = next(i for i, h in enumerate(headings) if h.startswith("## How this place compares"))
    assert headings[1].startswith("## The count") and 1 < redesign < compare == len(headings) - 2
    assert "record.write(" in "".join(cells(path)[-1]["source"])
