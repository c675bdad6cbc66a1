"""Project folders, resolved from the repository root rather than the working directory.

Papermill starts the kernel in the caller's directory and JupyterLab in the
notebook's folder, so nothing here depends on ``os.getcwd()``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

_MARKERS = ("pyproject.toml", "params")


def project_root() -> Path:
    """Return the repository root.

    ``TOTALPLACE_ROOT`` wins when set; otherwise the first parent of this
    package holding both ``pyproject.toml`` and ``params/``.

    Raises
    ------
    FileNotFoundError
        If no such folder is found (the package was installed outside a checkout
        and ``TOTALPLACE_ROOT`` is unset).
    """
    return _root(os.environ.get("TOTALPLACE_ROOT") or None)


@lru_cache(maxsize=8)
def _root(env: str | None) -> Path:
    """The root for one value of ``TOTALPLACE_ROOT``, found once (a report asks for paths thousands of times)."""
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    for candidate in (here, *here.parents):
        if all((candidate / m).exists() for m in _MARKERS):
            return candidate
    raise FileNotFoundError(
        "Cannot find the totalplace project root (a folder with pyproject.toml and params/). "
        "Set TOTALPLACE_ROOT to the repository folder."
    )


def data_dir(dataset: str = "sample") -> Path:
    """Folder holding a dataset's tidy tables (``data/sample`` or ``data/processed/<dataset>``); for a layered
    dataset ``public+<local>``, its base's (the local layer is in :func:`local_dir`)."""
    root = project_root()
    dataset = dataset.split("+", 1)[0]
    if dataset == "sample":
        return root / "data" / "sample"
    return root / "data" / "processed" / dataset


def local_dir(dataset: str) -> Path | None:
    """Folder of the analyst's own tables layered on a dataset (``public+<local>`` -> ``data/<local>``), or None."""
    if "+" not in dataset:
        return None
    return project_root() / "data" / dataset.split("+", 1)[1]


def reference_dir() -> Path:
    """Folder of committed reference tables (unit costs, deflators, discount schedule)."""
    return project_root() / "data" / "reference"


def params_dir() -> Path:
    """Folder of per-place YAML parameter files."""
    return project_root() / "params"


def notebooks_dir() -> Path:
    """Folder of the theme notebook templates."""
    return project_root() / "notebooks"


def reports_dir() -> Path:
    """Folder where executed reports go; ``TOTALPLACE_REPORTS_DIR`` overrides it (tests use this)."""
    env = os.environ.get("TOTALPLACE_REPORTS_DIR")
    return Path(env).resolve() if env else project_root() / "reports"


def real_data_dir() -> Path:
    """Read-only real public data beside the repository (``../shared/data/real``).

    ``TOTALPLACE_REAL_DATA`` overrides it. The folder may be absent; callers check.
    """
    env = os.environ.get("TOTALPLACE_REAL_DATA")
    if env:
        return Path(env).resolve()
    return project_root().parent / "shared" / "data" / "real"


def relative(path: Path) -> str:
    """Path relative to the project root when inside it (for short error messages)."""
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would race with report threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def publish_mode(path: Path) -> None:
    """Give a file or folder made by ``tempfile`` (0600/0700) the permissions a normal write would
    have (0666/0777 less the umask), before it is renamed into place for others to read."""
    os.chmod(path, (0o777 if Path(path).is_dir() else 0o666) & ~_umask())
