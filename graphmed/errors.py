"""Exceptions raised by graphmed.

Every error that comes from bad input names *where* the problem is (file, row,
column, table) so a user can fix it without reading a traceback.
"""
from __future__ import annotations

from pathlib import Path


class GraphmedError(Exception):
    """Base class of every error graphmed raises on purpose."""


class DataNotFoundError(GraphmedError, FileNotFoundError):
    """A data file is missing and cannot be downloaded."""


class OutputPathError(GraphmedError, FileExistsError):
    """Where results or a model are to be written, something else stands (e.g. a file
    where a folder must go)."""


class DataIntegrityError(GraphmedError):
    """A data file exists but its content is not the expected one (checksum)."""


class TrainingDivergedError(GraphmedError, FloatingPointError):
    """Training produced a NaN or infinite loss or score before any epoch could be kept
    (see :func:`graphmed.training.divergence.on_divergence`)."""


class DataFormatError(GraphmedError, ValueError):
    """A table or matrix is malformed: wrong shape, NaNs, duplicates, bad values.

    Args:
        message: what is wrong.
        source: file path or table name the problem was found in.
        row: 0-based row of the first offending entry, if known.
        column: column name or 0-based index of the first offending entry, if known.
        line: 1-based line of ``source`` (a text file) where that row starts, if known;
            the message then names the line, which is what an editor shows.
    """

    def __init__(self, message: str, *, source: str | Path | None = None,
                 row: int | None = None, column: str | int | None = None,
                 line: int | None = None):
        self.message = message
        self.source = None if source is None else str(source)
        self.row = row
        self.column = column
        self.line = line
        where = []
        if self.source is not None:
            where.append(self.source)
        if line is not None:
            where.append(f"line {line}")
        elif row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)


class UnknownNameError(GraphmedError, KeyError):
    """A dataset, model or protocol name that graphmed does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class AmbiguousNameError(UnknownNameError):
    """A partial name that matches several entities; the message lists them."""


class MissingDependencyError(GraphmedError, ImportError):
    """An optional package needed for this call (RDKit, Transformers, DGL, pyarrow) is not
    installed; the message says how to install it."""
