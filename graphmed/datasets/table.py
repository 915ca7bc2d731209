"""A user's own drug–disease associations from one delimited file.

One row per known pair: ids in ``drug_id`` and ``disease_id`` (other column names can be
given), optionally ``drug_name``, ``disease_name`` and ``drug_smiles``. Names let the
text-based parts of the models read what an entity is; a table with ids only works too
(the models then learn from the associations alone). The data set's name is the file's
stem.

>>> from graphmed.datasets.table import load_association_table
>>> data = load_association_table("indications.csv")              # doctest: +SKIP
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, sorted_ids
from graphmed.datasets.readers import file_line, read_table, require_columns
from graphmed.errors import DataFormatError, MissingDependencyError

#: Suffixes read as association tables (``.gz`` after any delimited one too).
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet")

#: Optional columns ``<kind>_<attribute>`` read into the entity tables.
_ATTRIBUTES = {"drug": ("name", "smiles"), "disease": ("name",)}


def is_association_table(value: str | os.PathLike) -> bool:
    """Whether ``value`` names a file that :func:`load_association_table` reads (by suffix)."""
    path = Path(value)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] == ".parquet":
            return False
    return bool(suffixes) and suffixes[-1] in TABLE_SUFFIXES


def _separator(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    return "," if suffixes and suffixes[-1] == ".csv" else "\t"


def _read_parquet(path: Path, required: list[str]) -> pd.DataFrame:
    """A Parquet table with every column as text (missing values stay missing)."""
    try:
        import pyarrow  # noqa: F401  (pandas' Parquet engine)
    except ImportError as exc:
        raise MissingDependencyError(
            f"reading {path.name} needs the optional package 'pyarrow' ({exc}); install it with "
            "`pip install pyarrow`") from None
    try:
        table = pd.read_parquet(path)
    except Exception as exc:
        raise DataFormatError(f"cannot be read as a Parquet table ({type(exc).__name__}: {exc})",
                              source=path) from None
    return require_columns(table, required, path).astype("string")


def pair_table_line(path: Path, row: int | None, sep: str | None) -> int | None:
    """The 1-based line of ``path`` (a pair table read with separator ``sep``, the suffix's
    when None) on which 0-based data row ``row`` starts; None for Parquet files."""
    if path.suffix.lower() == ".parquet":
        return None
    return file_line(path, row, sep=sep or _separator(path))


def _entities(table: pd.DataFrame, kind: str, id_col: str, path: Path,
              sep: str | None = None) -> pd.DataFrame:
    """``id`` plus the ``<kind>_name`` / ``<kind>_smiles`` columns present, one row per id (the
    first non-empty value; two different non-empty values for one id are an error)."""
    columns = {f"{kind}_{attr}": attr for attr in _ATTRIBUTES[kind]
               if f"{kind}_{attr}" in table.columns}
    ids = table[id_col].astype(str)
    out = pd.DataFrame({"id": pd.unique(ids)})
    for column, attribute in columns.items():
        values = table[column].astype("string").str.strip()
        given = pd.DataFrame({"id": ids, "value": values.where(values != "")}).dropna()
        distinct = given.drop_duplicates()
        clash = distinct["id"].duplicated()
        if clash.any():
            row = int(distinct.index[clash.to_numpy()][0])
            entity = distinct.at[row, "id"]
            first = distinct.loc[distinct["id"] == entity, "value"].iloc[0]
            raise DataFormatError(f"{kind} {entity!r} has two values: {first!r} and "
                                  f"{distinct.at[row, 'value']!r}", source=path, row=row,
                                  column=column, line=pair_table_line(path, row, sep))
        out[attribute] = out["id"].map(distinct.set_index("id")["value"]).astype("string")
    return out


def read_pair_table(path: str | os.PathLike, id_columns: tuple[str, str], *,
                    sep: str | None = None) -> pd.DataFrame:
    """A table of pairs as text columns: a ``.csv`` / ``.tsv`` / ``.txt`` file (optionally
    gzipped) or a ``.parquet`` file, with both ``id_columns`` present and filled (stripped of
    surrounding blanks).

    Raises:
        DataFormatError: no such file, no rows, a missing column or a missing id (file,
            line, column).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataFormatError("no such file", source=path)
    id_columns = list(id_columns)
    if id_columns[0] == id_columns[1]:
        raise ValueError(f"the two id columns must differ, got {id_columns[0]!r} twice")
    if path.suffix.lower() == ".parquet":
        table = _read_parquet(path, id_columns)
    else:
        table = read_table(path, sep=sep or _separator(path), required=id_columns, dtype=str,
                           keep_default_na=True, index_col=False)
    if table.empty:
        raise DataFormatError("the table has no rows", source=path)
    for col in id_columns:
        missing = table[col].isna() | (table[col].astype(str).str.strip() == "")
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise DataFormatError("missing id", source=path, row=row, column=col,
                                  line=pair_table_line(path, row, sep))
    table[id_columns] = table[id_columns].apply(lambda s: s.str.strip())
    return table


def _in_id_order(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its rows in :func:`~graphmed.datasets.drug_disease.sorted_ids` order of
    its ``id`` column (unique ids), as ``DrugDiseaseDataset.from_tables`` orders entities."""
    position = {i: k for k, i in enumerate(table["id"].astype(str))}
    order = [position[i] for i in sorted_ids(position)]
    return table.iloc[order].reset_index(drop=True)


def load_association_table(path: str | os.PathLike, *, drug_col: str = "drug_id",
                           disease_col: str = "disease_id", sep: str | None = None,
                           disease_kind: str = "disease") -> DrugDiseaseDataset:
    """Read a user's association table into a :class:`DrugDiseaseDataset`.

    Args:
        path: a ``.csv`` (comma-separated) or ``.tsv`` / ``.txt`` (tab-separated) file,
            optionally gzipped, or a ``.parquet`` file (needs pyarrow).
        drug_col / disease_col: the id columns.
        sep: the separator, if not the one the suffix says.
        disease_kind: what the second entity is called in outputs (e.g. ``"virus"``).

    Raises:
        DataFormatError: naming the file, line and column of a missing id, a missing column,
            or an entity with two different names.
    """
    path = Path(path).expanduser()
    table = read_pair_table(path, (drug_col, disease_col), sep=sep)
    drugs = _in_id_order(_entities(table, "drug", drug_col, path, sep))
    diseases = _in_id_order(_entities(table, "disease", disease_col, path, sep))
    try:
        data = DrugDiseaseDataset.from_tables(
            path.name.split(".")[0], table, drugs=drugs, diseases=diseases, drug_col=drug_col,
            disease_col=disease_col, disease_kind=disease_kind)
    except DataFormatError as error:  # name the file, not the in-memory table
        # rows of "associations" are the file's data rows; others (entity tables) are not
        line = pair_table_line(path, error.row, sep) if error.source == "associations" else None
        raise DataFormatError(error.message, source=path, row=error.row, column=error.column,
                              line=line) from None
    return replace(data, sources={"associations": str(path), "drugs": str(path),
                                  "diseases": str(path)})
