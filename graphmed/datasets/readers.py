"""Readers for the file formats of the benchmarks; every failure names the file."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from graphmed.errors import DataFormatError


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
        table = pd.read_csv(path, sep=sep, **kwargs)
    except Exception as exc:
        raise DataFormatError(f"cannot be parsed as a table ({type(exc).__name__}: {exc})",
                              source=path) from None
    missing = [col for col in required if col not in table.columns]
    if missing:
        raise DataFormatError(f"missing columns {missing}; columns are {list(table.columns)}",
                              source=path, column=missing[0])
    return table


def read_matrix(path: Path, *, sep: str = ",", header: int | None = None,
                index_col: int | None = None) -> pd.DataFrame:
    """Read a numeric matrix stored as delimited text; every cell must be a finite number."""
    table = read_table(path, sep=sep, header=header, index_col=index_col)
    try:
        values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    except Exception as exc:
        raise DataFormatError(f"not a numeric matrix ({exc})", source=path) from None
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = map(int, bad[0])
        raise DataFormatError(f"{len(bad)} cells are empty, NaN or not numbers "
                              f"(first: {table.iat[r, c]!r})", source=path, row=r,
                              column=str(table.columns[c]))
    return pd.DataFrame(values, index=table.index, columns=table.columns)


def read_labelled_matrix(path: Path) -> pd.DataFrame:
    """Read a tab-separated matrix whose first row and first column hold ids (DRIMC format)."""
    matrix = read_matrix(path, sep="\t", header=0, index_col=0)
    matrix.index = matrix.index.astype(str)
    matrix.columns = matrix.columns.astype(str)
    return matrix


def check_square(matrix: np.ndarray, n: int, path: Path, what: str) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (n, n):
        raise DataFormatError(f"{what} has shape {matrix.shape}, expected ({n}, {n})", source=path)
    bad = np.argwhere(~np.isfinite(matrix))
    if len(bad):
        r, c = map(int, bad[0])
        raise DataFormatError(f"{what} has {len(bad)} NaN/inf values", source=path, row=r, column=c)
    return matrix
