"""One error type for bad input, naming the file, the row (line number) and the column."""

from __future__ import annotations

from pathlib import Path


class TotalPlaceInputError(ValueError):
    """Bad input data or parameters.

    The message is one line a user can act on: ``file, line N, column 'x': what is wrong``.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, what to do.
    file : str or Path, optional
        The file at fault.
    line : int, optional
        1-based line number in that file (for CSV, the header is line 1).
    column : str, optional
        Column (or YAML key) at fault.
    """

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class DataValidationError(TotalPlaceInputError):
    """A tidy table failed validation."""


class ParamsError(TotalPlaceInputError):
    """A params file or notebook parameter is invalid."""
