"""Exploring in JupyterLab never changes the committed notebooks (issue 19): working copies in lab/."""

from __future__ import annotations

import json

from totalplace_lib.batch import workspace
from totalplace_lib.core import paths


def test_copies_are_made_followed_and_never_overwritten_once_changed(tmp_path, monkeypatch):
    templates = tmp_path / "notebooks"
    templates.mkdir()
    (templates / "place.ipynb").write_text('{"cells": [], "v": 1}', encoding="utf-8")
    monkeypatch.setattr(paths, "notebooks_dir", lambda: templates)
    lab = tmp_path / "lab"

    assert workspace.prepare(lab) == ["place.ipynb: copied from notebooks/"]
    assert workspace.prepare(lab) == ["place.ipynb: up to date"]
    (templates / "place.ipynb").write_text('{"cells": [], "v": 2}', encoding="utf-8")
    assert "updated" in workspace.prepare(lab)[0] and '"v": 2' in (lab / "place.ipynb").read_text()

    (lab / "place.ipynb").write_text('{"cells": ["my outputs"], "area": "kent"}', encoding="utf-8")  # autosave
    (templates / "place.ipynb").write_text('{"cells": [], "v": 3}', encoding="utf-8")
    line = workspace.prepare(lab)[0]
    assert "kept" in line and "place.new.ipynb" in line
    assert "kent" in (lab / "place.ipynb").read_text() and '"v": 3' in (lab / "place.new.ipynb").read_text()
    assert json.loads((templates / "place.ipynb").read_text()) == {"cells": [], "v": 3}  # the template untouched


def test_lab_folder_is_git_ignored():
    ignored = (paths.project_root() / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "lab/" in ignored
