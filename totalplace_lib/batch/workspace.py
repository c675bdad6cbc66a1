"""The analyst's working copies of the notebooks, so exploring never changes the committed templates.

``make lab`` opens JupyterLab on ``lab/`` (git-ignored), not on ``notebooks/``: JupyterLab's autosave then
writes outputs, and whatever area or dataset the analyst types, into the copies, while the templates the
batch runs (and hashes) stay output-free at their defaults. :func:`prepare` makes and refreshes the copies:

* a template with no copy is copied;
* a copy the analyst has not changed since it was made follows its template when the template changes;
* a copy the analyst has changed is never overwritten: the new template is put beside it as
  ``<name>.new.ipynb`` and the message says so.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from totalplace_lib.core import paths

STATE = ".copies.json"


def lab_dir() -> Path:
    """The working-copies folder (``lab/`` at the project root)."""
    return paths.project_root() / "lab"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(folder: Path | None = None) -> list[str]:
    """Make or refresh the working copies; return one line per notebook saying what was done."""
    folder = Path(folder) if folder else lab_dir()
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / STATE
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    lines = []
    for template in sorted(paths.notebooks_dir().glob("*.ipynb")):
        copy = folder / template.name
        t_hash = _digest(template)
        seen = state.get(template.name, {})
        if not copy.exists():
            shutil.copyfile(template, copy)
            lines.append(f"{copy.name}: copied from notebooks/")
        elif seen.get("template") == t_hash:
            lines.append(f"{copy.name}: up to date")
            continue
        elif seen.get("copy") == _digest(copy):
            shutil.copyfile(template, copy)
            lines.append(f"{copy.name}: updated to the new template (you had not changed it)")
        else:
            new = folder / f"{template.stem}.new.ipynb"
            shutil.copyfile(template, new)
            lines.append(f"{copy.name}: you have changed it, so it is kept; the new template is {new.name}")
            state[template.name] = {"template": t_hash, "copy": seen.get("copy", "")}
            continue
        state[template.name] = {"template": t_hash, "copy": _digest(copy)}
    state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    return lines
