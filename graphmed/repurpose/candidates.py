"""Ranked repositioning candidates as DataFrames: drugs for a disease, diseases for a drug."""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, plural
from graphmed.errors import DataFormatError
from graphmed.evaluation.cross_dataset import listed_in
from graphmed.repurpose.names import NameIndex

#: Columns of :func:`rank_candidates`' table.
CANDIDATE_COLUMNS = ("rank", "id", "name", "score", "known")


def check_top(top, name: str = "top") -> None:
    """Raise ``ValueError`` unless ``top`` (rows to show) is a positive integer or None."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"{name} must be a positive integer or None, got {top!r}")


def score_matrix_of(model_or_scores, dataset: DrugDiseaseDataset) -> np.ndarray:
    """``(n_drugs, n_diseases)`` scores from a fitted model (anything with ``score_matrix()``,
    e.g. a :class:`~graphmed.models.PairScorer` or a
    :class:`~graphmed.repurpose.RepurposingModel`) or a score matrix, checked against ``dataset``."""
    check = getattr(model_or_scores, "check_dataset", None)
    if callable(check):
        check(dataset)
    getter = getattr(model_or_scores, "score_matrix", None)
    scores = getter() if callable(getter) else model_or_scores
    try:
        scores = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("expected a fitted model (with score_matrix()) or a score matrix, got "
                        f"{type(model_or_scores).__name__}") from None
    expected = (dataset.n_drugs, dataset.n_diseases)
    if scores.shape != expected:
        raise DataFormatError(f"scores have shape {scores.shape}, but {dataset.name} has "
                              f"{expected[0]} drugs x {expected[1]} {plural(dataset.disease_kind)}",
                              source="scores")
    refuse_non_finite(scores)
    return scores


def refuse_non_finite(scores: np.ndarray) -> None:
    """Raise :class:`DataFormatError` naming the first NaN or infinite entry of a score
    matrix (NaN has no rank; infinite scores tie with each other and write as no number)."""
    bad = np.argwhere(~np.isfinite(scores))
    if bad.size:
        first = scores[tuple(bad[0])]
        kind = "NaN" if np.isnan(first) else "infinite"
        raise DataFormatError(f"scores contain NaN or infinite values ({len(bad)} entries, the "
                              f"first, {kind}, at drug index {bad[0][0]}, disease index "
                              f"{bad[0][1]})", source="scores")


def name_index(dataset: DrugDiseaseDataset, kind: str) -> NameIndex:
    """The :class:`NameIndex` of the drugs (``kind="drug"``) or diseases of ``dataset``."""
    if kind == "drug":
        return NameIndex.from_table(dataset.drugs, "drug")
    return NameIndex.from_table(dataset.diseases, dataset.disease_kind)


def resolve(dataset: DrugDiseaseDataset, kind: str, query: str | int) -> int:
    """Index of the drug or disease ``query`` names (id or forgiving name; see
    :mod:`graphmed.repurpose.names`); an ``int`` is taken as an index and range-checked."""
    index = name_index(dataset, kind)
    if isinstance(query, (int, np.integer)) and not isinstance(query, bool):
        if not 0 <= query < len(index):
            raise IndexError(f"{index.kind} index {query} out of range [0, {len(index)})")
        return int(query)
    return index.find(query)


def ranked_table(scores: np.ndarray, entities: pd.DataFrame, kind: str, top: int | None, *,
                 rows: np.ndarray | None = None, flags: dict[str, np.ndarray] | None = None
                 ) -> pd.DataFrame:
    """``rank`` (1 = best), ``id``, ``name`` (the id where there is none), ``score`` of the
    ``top`` ``entities`` (all when ``None``) by ``(n,)`` ``scores``, best first; ties keep the
    table's order.

    Args:
        rows: the entity indices that may be listed (default: all).
        flags: column name -> ``(n,)`` values per entity, added after ``score``.
    """
    rows = np.arange(len(scores)) if rows is None else np.asarray(rows, dtype=np.int64)
    rows = rows[np.argsort(-np.asarray(scores)[rows], kind="stable")]
    if top is not None:
        rows = rows[:int(top)]
    names = np.asarray(NameIndex.from_table(entities, kind).names, dtype=object)
    table = pd.DataFrame({"rank": np.arange(1, rows.size + 1),
                          "id": entities["id"].astype(str).to_numpy()[rows],
                          "name": names[rows], "score": np.asarray(scores)[rows]})
    for column, values in (flags or {}).items():
        table[column] = np.asarray(values)[rows]
    return table


def rank_candidates(model_or_scores, dataset: DrugDiseaseDataset, *, disease: str | int | None = None,
                    drug: str | int | None = None, top: int | None = 20,
                    exclude_known: bool = True) -> pd.DataFrame:
    """The ``top`` drugs for ``disease`` (or diseases for ``drug``), best first.

    Args:
        model_or_scores: a fitted model or a ``(n_drugs, n_diseases)`` score matrix.
        dataset: gives the ids, names and known pairs.
        disease / drug: exactly one, by id or name (case, punctuation and partial names are
            forgiven; an unknown name raises with suggestions, an ambiguous one lists matches).
        top: number of rows; ``None`` for all.
        exclude_known: leave out pairs that are already known associations.

    Returns:
        Columns ``rank`` (1 = best), ``id``, ``name``, ``score``, ``known`` (the pair is a
        known association in ``dataset``). Ties keep the data set's order. ``df.attrs``
        holds the query (``kind``, ``index``, ``id``, ``name``) and the candidate kind.
    """
    if (disease is None) == (drug is None):
        raise ValueError("give exactly one of disease= or drug=")
    check_top(top)
    scores = score_matrix_of(model_or_scores, dataset)
    if disease is not None:
        query_kind, index = dataset.disease_kind, resolve(dataset, "disease", disease)
        column, known = scores[:, index], dataset.associations[:, index]
        candidates, query_table, candidate_kind = dataset.drugs, dataset.diseases, "drug"
    else:
        query_kind, index = "drug", resolve(dataset, "drug", drug)
        column, known = scores[index], dataset.associations[index]
        candidates, query_table, candidate_kind = dataset.diseases, dataset.drugs, dataset.disease_kind
    table = ranked_table(column, candidates, candidate_kind, top,
                         rows=np.flatnonzero(~known) if exclude_known else None,
                         flags={"known": known.astype(bool)})
    query_names = NameIndex.from_table(query_table, query_kind)
    table.attrs.update({"kind": query_kind, "index": int(index), "id": query_names.ids[index],
                        "name": query_names.names[index], "candidates": candidate_kind,
                        "exclude_known": bool(exclude_known),
                        "model": getattr(model_or_scores, "name", None)})
    return table


def mark_known_in(table: pd.DataFrame, other: DrugDiseaseDataset) -> pd.DataFrame:
    """A copy of a :func:`rank_candidates` table with a column ``in_<other.name>``: whether
    ``other`` (a data set with the same drug and disease ids) lists each candidate pair,
    ``<NA>`` where it does not hold the drug or the disease."""
    if (not isinstance(table, pd.DataFrame) or not {"id", "candidates"} <= set(table.attrs)
            or "id" not in table.columns):
        raise ValueError("mark_known_in needs a table from rank_candidates (it names the "
                         "query and its candidates)")
    query = [table.attrs["id"]] * len(table)
    if table.attrs["candidates"] == "drug":
        marks = listed_in(other, table["id"], query)
    else:
        marks = listed_in(other, query, table["id"])
    marked = table.assign(**{f"in_{other.name}": marks})
    marked.attrs = dict(table.attrs)
    return marked
