"""Readers for the file formats of the benchmarks; every failure names the file."""
from __future__ import annotations

import csv
import importlib
import warnings
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from graphmed.errors import DataFormatError


def file_line(path: str | Path, row: int | None, *, sep: str = ",") -> int | None:
    """1-based line of ``path`` on which 0-based data row ``row`` starts, counted as pandas
    reads the file: one header line, blank (or blank-looking) lines skipped, quoted fields
    that span lines kept whole; ``.gz``, ``.bz2`` and ``.xz`` files are read through their
    compression. None when ``row`` is None, the file cannot be read as text or has fewer
    rows (the caller then names the row)."""
    if row is None or row < 0:
        return None
    path = Path(path)
    openers = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}
    module = openers.get(path.suffix.lower())
    try:
        opener = importlib.import_module(module).open if module else open
        with opener(path, "rt", newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle, delimiter=sep)
            records, last = -1, 0  # -1: the header is still to come
            for fields in reader:
                start, last = last + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if records == row:
                    return start
                records += 1
    except (OSError, csv.Error, EOFError, ValueError):
        return None
    return None


def _show(value) -> str:
    """``repr`` of a cell without numpy's type wrapper: ``2``, not ``np.int64(2)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def read_mat(path: Path, variables: Iterable[str]) -> dict[str, np.ndarray]:
    """Read named variables of a MATLAB v5 file."""
    import scipy.io

    variables = list(variables)
    try:
        content = scipy.io.loadmat(str(path), variable_names=variables)
    except Exception as exc:  # scipy raises several unrelated types on damaged files
        raise DataFormatError(f"cannot be read as a MATLAB v5 file ({type(exc).__name__}: {exc})",
                              source=path) from None
    missing = [name for name in variables if name not in content]
    if missing:
        raise DataFormatError(f"variables {missing} are missing; found "
                              f"{sorted(k for k in content if not k.startswith('__'))}", source=path)
    return {name: content[name] for name in variables}


def mat_strings(cell: np.ndarray) -> list[str]:
    """Flatten a MATLAB cell array of strings into a list of str."""
    return [str(np.asarray(item).ravel()[0]) if np.asarray(item).size else "" for item in cell.ravel()]


def read_table(path: Path, *, sep: str = "\t", required: Iterable[str] = (), **kwargs) -> pd.DataFrame:
    """Read a delimited table, checking that ``required`` columns are present."""
    try:
        with warnings.catch_warnings():
            # with index_col=False pandas only warns of rows longer than the header, and
            # drops their extra fields
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(path, sep=sep, **kwargs)
    except pd.errors.ParserWarning:
        raise DataFormatError("rows have more fields than the header names (is the separator "
                              "right, or a column name missing?)", source=path) from None
    except Exception as exc:
        raise DataFormatError(f"cannot be parsed as a table ({type(exc).__name__}: {exc})",
                              source=path) from None
    if "header" not in kwargs:
        check_unique_header(path, sep=sep)
    return require_columns(table, required, path)


def check_unique_header(path: Path, *, sep: str = ",", fold_case: bool = False,
                        columns: Iterable[str] | None = None) -> None:
    """Raise :class:`DataFormatError` when the header row names a column twice (pandas would
    read the second as ``name.1``); ``fold_case`` compares names case-insensitively;
    ``columns``: only these names count (all when ``None``)."""
    try:
        names = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str,
                            keep_default_na=False).iloc[0].tolist()
    except Exception:  # the caller's own read reports a table that cannot be parsed
        return
    keys = [str(n).strip().lower() if fold_case else str(n).strip() for n in names]
    wanted = None if columns is None else {c.lower() if fold_case else c for c in columns}
    seen: dict[str, int] = {}
    for position, key in enumerate(keys):
        if wanted is not None and key not in wanted:
            continue
        if key in seen:
            raise DataFormatError(f"the header names column {names[position]!r} twice (columns "
                                  f"{seen[key] + 1} and {position + 1})", source=path,
                                  column=names[position])
        seen[key] = position


def require_columns(table: pd.DataFrame, required: Iterable[str], path: Path) -> pd.DataFrame:
    """``table``, after checking that the ``required`` columns are present (the error names
    the file, the first missing column and the columns there are)."""
    missing = [col for col in required if col not in table.columns]
    if missing:
        hint = ""
        if len(table.columns) == 1:  # the whole header read as one name: another separator?
            found = [s for s in (";", "\t", ",", "|") if s in str(table.columns[0])]
            if found:
                hint = (f" (the header is one column: are the columns separated by "
                        f"{found[0]!r}? load_association_table(path, sep=...) reads other "
                        "separators)")
        raise DataFormatError(f"missing columns {missing}; columns are {list(table.columns)}"
                              f"{hint}", source=path, column=missing[0])
    return table


def read_matrix(path: Path, *, sep: str = ",", header: int | None = None,
                index_col: int | None = None) -> pd.DataFrame:
    """Read a numeric matrix stored as delimited text; every cell must be a finite number."""
    table = read_table(path, sep=sep, header=header, index_col=index_col)
    if header is not None:  # pandas renames a repeated label "x" to "x.1": look at the raw header
        labels = read_table(path, sep=sep, header=None, nrows=header + 1, dtype=str).iloc[header]
        if index_col is not None:
            labels = labels.drop(labels.index[index_col])
        dup = labels.duplicated().to_numpy()
        if dup.any():
            c = int(np.flatnonzero(dup)[0])
            raise DataFormatError(f"column label {_show(labels.iloc[c])} appears more than once in the "
                                  "header", source=path, column=c)
    try:
        values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    except Exception as exc:
        raise DataFormatError(f"not a numeric matrix ({exc})", source=path) from None
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = map(int, bad[0])
        raise DataFormatError(f"{len(bad)} cells are empty, NaN or not numbers "
                              f"(first: {_show(table.iat[r, c])})", source=path, row=r,
                              column=str(table.columns[c]))
    return pd.DataFrame(values, index=table.index, columns=table.columns)


def read_labelled_matrix(path: Path) -> pd.DataFrame:
    """Read a tab-separated matrix whose first row and first column hold ids (DRIMC format)."""
    matrix = read_matrix(path, sep="\t", header=0, index_col=0)
    matrix.index = matrix.index.astype(str)
    matrix.columns = matrix.columns.astype(str)
    return matrix


def check_square(matrix: np.ndarray, n: int, path: Path, what: str, *,
                 symmetric: bool = False, atol: float = 1e-6) -> np.ndarray:
    """Check an ``(n, n)`` similarity matrix: shape, finite values and, optionally, symmetry."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (n, n):
        raise DataFormatError(f"{what} has shape {matrix.shape}, expected ({n}, {n})", source=path)
    bad = np.argwhere(~np.isfinite(matrix))
    if len(bad):
        r, c = map(int, bad[0])
        raise DataFormatError(f"{what} has {len(bad)} NaN/inf values", source=path, row=r, column=c)
    if symmetric:
        asym = np.argwhere(np.abs(matrix - matrix.T) > atol)
        if len(asym):
            r, c = map(int, asym[0])
            raise DataFormatError(f"{what} is not symmetric: [{r}, {c}] = {matrix[r, c]:g} but "
                                  f"[{c}, {r}] = {matrix[c, r]:g}", source=path, row=r, column=c)
    return matrix


def read_pairs(path: Path, columns: tuple[str, str], shape: tuple[int, int]) -> np.ndarray:
    """Read a CSV list of 0-based (drug, disease) index pairs into a ``shape`` bool matrix.

    Every index must be an integer in range; a pair listed twice is an error.
    """
    table = read_table(path, sep=",", required=columns)
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    for k, (col, n) in enumerate(zip(columns, shape)):
        v = values[:, k]
        bad = ~np.isfinite(v) | (v != np.round(v)) | (v < 0) | (v >= n)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataFormatError(f"{int(bad.sum())} entries are not indices in 0..{n - 1} "
                                  f"(first: {_show(table[col].iloc[row])})", source=path, row=row,
                                  column=col)
    index = values.astype(np.int64)
    dup = pd.DataFrame(index).duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataFormatError(f"pair ({index[row, 0]}, {index[row, 1]}) is listed more than once "
                              f"({int(dup.sum())} repeated pairs)", source=path, row=row)
    matrix = np.zeros(shape, dtype=bool)
    matrix[index[:, 0], index[:, 1]] = True
    return matrix


def check_index_column(table: pd.DataFrame, column: str, path: Path) -> None:
    """Check that ``column`` holds the row numbers 0..n-1 (the benchmark's entity index)."""
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
    wrong = values != np.arange(len(table))
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise DataFormatError(f"expected the row number {row}, found {_show(table[column].iloc[row])}; "
                              "rows must be listed in index order 0..n-1", source=path, row=row,
                              column=column)


def check_same_ids(listed: Iterable, expected: Iterable, path: Path, column: str, origin: str) -> None:
    """Check that ``listed`` (a column of ``path``) equals ``expected`` (from ``origin``), in order."""
    listed, expected = [str(x) for x in listed], [str(x) for x in expected]
    if listed == expected:
        return
    row = next((i for i, (a, b) in enumerate(zip(listed, expected)) if a != b),
               min(len(listed), len(expected)))
    found = repr(listed[row]) if row < len(listed) else "nothing"
    wanted = repr(expected[row]) if row < len(expected) else "nothing"
    raise DataFormatError(f"{len(listed)} ids do not match the {len(expected)} ids of {origin} "
                          f"in order: found {found}, expected {wanted}", source=path, row=row,
                          column=column)
