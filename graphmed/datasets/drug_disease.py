"""The normalised drug–disease data set that every loader returns."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from graphmed.errors import DataFormatError

#: An id that is a whole number (ordered numerically by :func:`sorted_ids`).
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, eq=False)
class DrugDiseaseDataset:
    """A drug–disease association benchmark in one shape.

    Attributes:
        name: data set name, e.g. ``"fdataset"``.
        associations: ``(n_drugs, n_diseases)`` bool matrix, ``True`` for a known pair.
        drugs: ``n_drugs`` rows in matrix order; columns ``id`` (str), ``name`` and
            ``smiles`` (str or ``<NA>`` when unknown).
        diseases: ``n_diseases`` rows in matrix order; columns ``id`` and ``name``.
        drug_similarities: view name -> ``(n_drugs, n_drugs)`` float matrix.
        disease_similarities: view name -> ``(n_diseases, n_diseases)`` float matrix.
        disease_kind: what the second entity is called (``"disease"``, ``"virus"``).
        sources: component -> file it was read from, used in error messages.

    Similarity views are fixed, label-free matrices shipped with the data. Anything
    computed from the labels (GIP kernels, profiles) is *not* stored here: it must be
    computed per fold from training labels only.
    """

    name: str
    associations: np.ndarray
    drugs: pd.DataFrame
    diseases: pd.DataFrame
    drug_similarities: Mapping[str, np.ndarray] = field(default_factory=dict)
    disease_similarities: Mapping[str, np.ndarray] = field(default_factory=dict)
    disease_kind: str = "disease"
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def n_drugs(self) -> int:
        return int(self.associations.shape[0])

    @property
    def n_diseases(self) -> int:
        return int(self.associations.shape[1])

    @property
    def n_associations(self) -> int:
        return int(self.associations.sum())

    @property
    def positive_pairs(self) -> np.ndarray:
        """``(n_pos, 2)`` int64 array of (drug index, disease index), row-major order."""
        return np.argwhere(self.associations).astype(np.int64)

    @property
    def checksum(self) -> str:
        """SHA-256 over the content: the shape, association matrix, similarity views and every
        column of the drug and disease tables (ids, names, SMILES: what text, molecule and
        name-matching models read); identifies the data in results files and checkpoints."""
        digest = hashlib.sha256()
        digest.update(f"shape:{self.n_drugs}x{self.n_diseases}".encode())
        digest.update(np.ascontiguousarray(self.associations, dtype=np.uint8).tobytes())
        for label, views in (("drug", self.drug_similarities), ("disease", self.disease_similarities)):
            for view in sorted(views):
                digest.update(f"{label}:{view}".encode())
                digest.update(np.ascontiguousarray(views[view], dtype=np.float64).tobytes())
        for label, table in (("drugs", self.drugs), ("diseases", self.diseases)):
            for column in sorted(map(str, table.columns)):
                values = table[column].astype(object).where(table[column].notna(), "\x00NA")
                digest.update(f"{label}.{column}:".encode())
                digest.update("\x1f".join(map(str, values)).encode())
        return digest.hexdigest()

    def without(self, *, drugs=(), diseases=()) -> "DrugDiseaseDataset":
        """A copy without the drugs and diseases at the given indices: their rows and columns
        of the association matrix and of every similarity view, and their table rows (for
        leave-out checks: an entity removed here is one the data set never held)."""
        keep = []
        for drop, n, label in ((drugs, self.n_drugs, "drug"), (diseases, self.n_diseases,
                                                                 self.disease_kind)):
            drop = np.asarray(drop, dtype=np.int64).reshape(-1)
            if ((drop < 0) | (drop >= n)).any():
                raise IndexError(f"{label} indices must lie in [0, {n}), got {drop.tolist()}")
            mask = np.ones(n, dtype=bool)
            mask[drop] = False
            keep.append(mask)
        rows, cols = keep
        return replace(
            self, associations=self.associations[np.ix_(rows, cols)],
            drugs=self.drugs[rows].reset_index(drop=True),
            diseases=self.diseases[cols].reset_index(drop=True),
            drug_similarities={v: np.asarray(m)[np.ix_(rows, rows)]
                               for v, m in self.drug_similarities.items()},
            disease_similarities={v: np.asarray(m)[np.ix_(cols, cols)]
                                  for v, m in self.disease_similarities.items()})

    def summary(self) -> dict:
        return {
            "name": self.name,
            "n_drugs": self.n_drugs,
            f"n_{plural(self.disease_kind)}": self.n_diseases,
            "n_associations": self.n_associations,
            "density": round(self.n_associations / max(1, self.associations.size), 5),
            "drug_similarity_views": sorted(self.drug_similarities),
            f"{self.disease_kind}_similarity_views": sorted(self.disease_similarities),
        }

    def __repr__(self) -> str:
        return (f"DrugDiseaseDataset({self.name!r}, drugs={self.n_drugs}, "
                f"{plural(self.disease_kind)}={self.n_diseases}, "
                f"associations={self.n_associations})")

    @classmethod
    def from_tables(cls, name: str, associations: pd.DataFrame, *,
                    drugs: pd.DataFrame | None = None, diseases: pd.DataFrame | None = None,
                    drug_col: str = "drug_id", disease_col: str = "disease_id",
                    drug_similarities: Mapping[str, pd.DataFrame | np.ndarray] | None = None,
                    disease_similarities: Mapping[str, pd.DataFrame | np.ndarray] | None = None,
                    disease_kind: str = "disease") -> "DrugDiseaseDataset":
        """Build a data set from a user's own association table and similarity matrices.

        Args:
            associations: one row per known pair, ids in ``drug_col`` and ``disease_col``.
            drugs / diseases: optional tables with an ``id`` column (and optional ``name``,
                ``smiles``) that fix the entity order and may list entities without any
                association. Without them, entities are the ids in ``associations``, sorted
                by :func:`sorted_ids` (whole numbers in numeric order: 2 before 10).
            drug_similarities / disease_similarities: view name -> square matrix; a
                DataFrame whose index and columns are ids is aligned by id, an array
                must already be in entity order.
        """
        if not isinstance(associations, pd.DataFrame):
            raise DataFormatError("associations must be a pandas DataFrame", source="associations")
        for col in (drug_col, disease_col):
            if col not in associations.columns:
                raise DataFormatError(f"missing column {col!r}; columns are {list(associations.columns)}",
                                      source="associations", column=col)
        pairs = associations[[drug_col, disease_col]]
        null = pairs.isna().any(axis=1).to_numpy()
        if null.any():
            row = int(np.flatnonzero(null)[0])
            col = drug_col if pd.isna(pairs.iloc[row][drug_col]) else disease_col
            raise DataFormatError("missing id", source="associations", row=row, column=col)
        drugs = _entity_table(drugs, pairs[drug_col], "drugs", with_smiles=True)
        diseases = _entity_table(diseases, pairs[disease_col], "diseases", with_smiles=False)
        pairs = pairs.astype(str)
        _check_ids(drugs["id"], "drugs")
        _check_ids(diseases["id"], "diseases")
        drug_index = pd.Index(drugs["id"])
        disease_index = pd.Index(diseases["id"])
        rows = drug_index.get_indexer(pairs[drug_col])
        cols = disease_index.get_indexer(pairs[disease_col])
        for positions, col, table in ((rows, drug_col, "drugs"), (cols, disease_col, "diseases")):
            if (positions < 0).any():
                bad = int(np.flatnonzero(positions < 0)[0])
                raise DataFormatError(f"id {pairs.iloc[bad][col]!r} is not in the {table} table",
                                      source="associations", row=bad, column=col)
        matrix = np.zeros((len(drug_index), len(disease_index)), dtype=bool)
        matrix[rows, cols] = True
        return cls(
            name=name, associations=matrix, drugs=drugs, diseases=diseases,
            drug_similarities=_align_views({} if drug_similarities is None else drug_similarities,
                                           drug_index, "drug"),
            disease_similarities=_align_views({} if disease_similarities is None
                                              else disease_similarities, disease_index, "disease"),
            disease_kind=disease_kind,
        )


def _entity_table(table: pd.DataFrame | None, used_ids: pd.Series, label: str,
                  with_smiles: bool) -> pd.DataFrame:
    if table is None:
        table = pd.DataFrame({"id": sorted_ids(used_ids.astype(str).unique())})
    elif "id" not in table.columns:
        raise DataFormatError(f"needs an 'id' column; columns are {list(table.columns)}",
                              source=label, column="id")
    return entity_columns(table, ["id", "name"] + (["smiles"] if with_smiles else []))


def sorted_ids(ids) -> list[str]:
    """``ids`` (text) in the order graphmed gives entities: whole numbers numerically when
    every id is one (2 before 10; "05" just before "5"), else as text. Depends on the set of ids
    only, not on their order."""
    ids = [str(i) for i in ids]
    if ids and all(WHOLE_NUMBER.fullmatch(i) for i in ids):
        return sorted(ids, key=lambda i: (int(i), i))
    return sorted(ids)


def entity_columns(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``table`` reduced to ``columns`` as strings in a fresh 0..n-1 index; absent ones are ``<NA>``."""
    out = pd.DataFrame(index=pd.RangeIndex(len(table)))
    for col in columns:
        values = table[col].to_numpy() if col in table.columns else [pd.NA] * len(table)
        out[col] = pd.array(values, dtype="string")
    out["id"] = out["id"].astype(str).where(out["id"].notna())  # a missing id stays missing
    return out


def pair_indices(pairs, shape: tuple[int, int], *, source: str = "pairs") -> np.ndarray:
    """``pairs`` as an ``(n, 2)`` int64 array of (drug, disease) rows in ``[0, shape)``, in
    their order.

    Raises:
        DataFormatError: wrong shape, non-integer values, or an index out of range (the
            first such row).
    """
    array = np.asarray(pairs)
    if array.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise DataFormatError(f"pairs must have shape (n, 2), got {array.shape}", source=source)
    if not np.issubdtype(array.dtype, np.integer):
        raise DataFormatError(f"pairs must be integer indices, got dtype {array.dtype}",
                              source=source)
    for column, (label, n) in enumerate(zip(("drug", "disease"), shape)):
        bad = np.flatnonzero((array[:, column] < 0) | (array[:, column] >= n))
        if len(bad):
            row = int(bad[0])
            raise DataFormatError(f"{label} index {int(array[row, column])} out of range [0, {n}) "
                                  f"({len(bad)} such rows)", source=source, row=row, column=column)
    return array.astype(np.int64)


def plural(kind: str) -> str:
    """``"disease"`` -> ``"diseases"``, ``"virus"`` -> ``"viruses"``."""
    return kind + ("es" if kind.endswith(("s", "x", "z", "ch", "sh")) else "s")


def _align_views(views: Mapping[str, pd.DataFrame | np.ndarray], index: pd.Index,
                 label: str) -> dict[str, np.ndarray]:
    if not isinstance(views, Mapping):
        raise DataFormatError(f"{label} similarities must be a mapping of view name to matrix, "
                              f"e.g. {{'chemical': matrix}}; got {type(views).__name__}",
                              source=f"{label} similarities")
    aligned = {}
    for view, matrix in views.items():
        source = f"{label} similarity {view!r}"
        if isinstance(matrix, pd.DataFrame):
            matrix = matrix.set_axis(matrix.index.astype(str), axis=0) \
                           .set_axis(matrix.columns.astype(str), axis=1)
            for axis, ids in (("index", matrix.index), ("columns", matrix.columns)):
                missing = index.difference(ids)
                if len(missing):
                    raise DataFormatError(f"{label} id {missing[0]!r} is missing from the {axis} "
                                          f"({len(missing)} ids missing)", source=source)
                dup = ids.duplicated()
                if dup.any():
                    pos = int(np.flatnonzero(dup)[0])
                    raise DataFormatError(f"{label} id {ids[pos]!r} appears twice in the {axis}",
                                          source=source, row=pos if axis == "index" else None,
                                          column=pos if axis == "columns" else None)
            matrix = matrix.loc[index, index]
        aligned[view] = _numbers(matrix, source)
    return aligned


def _numbers(matrix: pd.DataFrame | np.ndarray, source: str) -> np.ndarray:
    """``matrix`` as float64; an entry that is not a number is a :class:`DataFormatError`
    naming its row and column (ids for a DataFrame, positions otherwise)."""
    try:
        return np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        frame = (matrix if isinstance(matrix, pd.DataFrame)
                 else pd.DataFrame(np.asarray(matrix, dtype=object)))
        numbers = frame.apply(pd.to_numeric, errors="coerce")
        bad = numbers.isna().to_numpy() & frame.notna().to_numpy()
        if not bad.any():
            raise DataFormatError("entries are not numbers", source=source) from None
        row, column = (int(i) for i in np.argwhere(bad)[0])
        where = (f" at row id {frame.index[row]!r}, column id {frame.columns[column]!r}"
                 if isinstance(matrix, pd.DataFrame) else "")
        raise DataFormatError(f"{frame.iat[row, column]!r}{where} is not a number "
                              f"({int(bad.sum())} such entries)", source=source,
                              **({} if where else {"row": row, "column": column})) from None


def _check_ids(ids: pd.Series, source: str) -> None:
    """Raise :class:`DataFormatError` at the first missing or repeated id."""
    missing = ids.isna().to_numpy()
    if missing.any():
        raise DataFormatError("missing id", source=source, row=int(np.flatnonzero(missing)[0]),
                              column="id")
    dup = ids.duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((ids == ids.iloc[row]).to_numpy())[0])
        raise DataFormatError(f"duplicate id {ids.iloc[row]!r} (first seen in row {first})",
                              source=source, row=row, column="id")


def binary_matrix(values, source: str = "associations") -> np.ndarray:
    """``values`` as a bool matrix, after checking every entry is 0 or 1 (``True`` / ``False``).

    Raises:
        DataFormatError: a value that is not numeric, or not 0 / 1 (NaN included), naming
            the first one's row and column.
    """
    array = np.asarray(values)
    if array.dtype == bool:
        return array
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"association matrix is not numeric ({exc})", source=source) from None
    bad = np.argwhere(~np.isin(numeric, (0.0, 1.0)))
    if len(bad):
        place = tuple(int(i) for i in bad[0])
        row, column = (place + (None, None))[:2]
        raise DataFormatError(f"association values must be 0 or 1, found {numeric[place]:g} "
                              f"({len(bad)} such entries)", source=source, row=row, column=column)
    return numeric.astype(bool)


def validate(dataset: DrugDiseaseDataset) -> None:
    """Check shapes, values and ids; raise :class:`DataFormatError` naming the file and place."""
    src = dict(dataset.sources)
    assoc = np.asarray(dataset.associations)
    where = src.get("associations", "associations")
    if assoc.ndim != 2:
        raise DataFormatError(f"association matrix must be 2-D, got shape {assoc.shape}", source=where)
    object.__setattr__(dataset, "associations", binary_matrix(assoc, where))
    assoc = dataset.associations
    if assoc.size == 0 or not assoc.any():
        raise DataFormatError(f"the association matrix {assoc.shape} has no known pair; "
                              "nothing can be learned or evaluated", source=where)
    n_drugs, n_diseases = assoc.shape
    for attribute, expected, label in (("drugs", n_drugs, "drugs"),
                                       ("diseases", n_diseases, plural(dataset.disease_kind))):
        table = getattr(dataset, attribute)
        tsrc = src.get(label, src.get(attribute, label))
        if not isinstance(table, pd.DataFrame) or "id" not in table.columns:
            what = (f"columns are {list(table.columns)}" if isinstance(table, pd.DataFrame)
                    else f"got {type(table).__name__}")
            raise DataFormatError(f"{attribute} must be a DataFrame with an 'id' column; {what}",
                                  source=tsrc, column="id")
        if len(table) != expected:
            raise DataFormatError(f"{len(table)} {label} listed but the association matrix "
                                  f"{assoc.shape} has {expected}", source=tsrc)
        _check_ids(table["id"], tsrc)
        if not table["id"].map(type).eq(str).all():  # ids are text everywhere (e.g. 7 -> "7")
            object.__setattr__(dataset, attribute, table.assign(id=table["id"].astype(str)))
            _check_ids(getattr(dataset, attribute)["id"], tsrc)  # 7 and "7" would now clash
    for attribute, n, label in (("drug_similarities", n_drugs, "drug"),
                                ("disease_similarities", n_diseases, "disease")):
        views = getattr(dataset, attribute)
        if not isinstance(views, Mapping):
            raise DataFormatError(f"{attribute} must map view names to matrices, got "
                                  f"{type(views).__name__}", source=attribute)
        for view, matrix in views.items():
            vsrc = src.get(f"{label}_similarity:{view}", f"{label} similarity {view!r}")
            matrix = np.asarray(matrix)
            if matrix.shape != (n, n):
                raise DataFormatError(f"{label} similarity {view!r} has shape {matrix.shape}, "
                                      f"expected ({n}, {n})", source=vsrc)
            if not np.issubdtype(matrix.dtype, np.number):
                raise DataFormatError(f"{label} similarity {view!r} is not numeric", source=vsrc)
            nonfinite = np.argwhere(~np.isfinite(matrix))
            if len(nonfinite):
                r, c = map(int, nonfinite[0])
                raise DataFormatError(f"{label} similarity {view!r} has {len(nonfinite)} NaN/inf "
                                      "values", source=vsrc, row=r, column=c)
            _warn_unlike_a_similarity(matrix, f"{label} similarity {view!r}")


def _warn_unlike_a_similarity(matrix: np.ndarray, what: str, tolerance: float = 1e-6) -> None:
    """Warn where a matrix given as a similarity looks like something else (the models read
    similarities in [0, 1], symmetric, 1 on the diagonal): a distance matrix (0 on the
    diagonal), or values outside [0, 1], or an asymmetric one."""
    import warnings

    problems = []
    if n := matrix.shape[0]:
        diagonal = np.diag(matrix)
        if np.abs(diagonal - 1.0).max() > tolerance:
            problems.append(f"its diagonal runs from {diagonal.min():.3g} to {diagonal.max():.3g}, "
                            "not 1 (a distance matrix?)")
        low, high = float(matrix.min()), float(matrix.max())
        if low < -tolerance or high > 1.0 + tolerance:
            problems.append(f"its values run from {low:.3g} to {high:.3g}, outside [0, 1]")
        if n > 1 and np.abs(matrix - matrix.T).max() > tolerance:
            problems.append("it is not symmetric")
    if problems:
        warnings.warn(f"{what}: {'; '.join(problems)}; the models read similarities in [0, 1], "
                      "symmetric, 1 on the diagonal", stacklevel=3)
