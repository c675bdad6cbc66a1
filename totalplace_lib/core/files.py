"""Writing files so that a reader never sees half of one: a temporary file in the same folder, then a rename.

Every output of the project (records, report pages, workbooks, cached tables) goes through :func:`atomic_write`,
so a killed run leaves either the old file or the new one, never a truncated one that looks finished.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from totalplace_lib.core import paths


def atomic_write(path: Path, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary path)``, then move the file into ``path`` in one rename (readable as a normal
    write would be). The temporary file is removed if ``write`` fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        paths.publish_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` atomically (:func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def save_workbook(wb, path: Path) -> Path:
    """Save an openpyxl workbook to ``path`` atomically (:func:`atomic_write`)."""
    return atomic_write(path, wb.save)


def move_into_place(staged: Path, path: Path) -> Path:
    """Move a file finished in a staging folder on the same disk into ``path`` in one rename (a batch stages a
    report's notebook, page, figures and workbooks, then publishes them one by one)."""
    os.replace(staged, path)
    return Path(path)
