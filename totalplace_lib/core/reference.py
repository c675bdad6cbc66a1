"""The project's reference tables (``data/reference/``): one way to read them.

Each table there is typed in from a cited public source (the source is a column, or named in the
file's header comment) and read, never written, by the code. A missing or unreadable table is
named with its path.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from totalplace_lib.core import paths
from totalplace_lib.core.errors import DataValidationError


def path(name: str) -> Path:
    """Path of a reference table, e.g. ``path("regions.csv")`` or ``path("scenarios/alcohol.yaml")``."""
    return paths.reference_dir() / name


def rows(name: str) -> list[dict[str, str]]:
    """The rows of a reference CSV as dicts of text (header names as keys; a BOM is ignored).

    Raises
    ------
    DataValidationError
        If the table is not there.
    """
    p = path(name)
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise DataValidationError("reference table missing", file=paths.relative(p)) from None


def table(name: str, **read_csv: Any):
    """A reference CSV as a DataFrame (``read_csv`` passes options such as ``dtype`` to pandas)."""
    import pandas as pd

    p = path(name)
    if not p.is_file():
        raise DataValidationError("reference table missing", file=paths.relative(p))
    return pd.read_csv(p, **read_csv)


def document(name: str) -> Any:
    """A reference YAML file, parsed.

    Raises
    ------
    DataValidationError
        If the file is not there or is not YAML.
    """
    p = path(name)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError("reference file missing", file=paths.relative(p)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataValidationError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=paths.relative(p),
                                  line=mark.line + 1 if mark else None) from None
