"""Cross-data-set validation: are a model's new candidates known to another curation?

Two drug–disease data sets that name drugs and diseases by the same identifiers
(Fdataset and Cdataset: DrugBank and OMIM; B-dataset and Kdataset: DrugBank and MeSH)
disagree on some pairs. A model fitted on the *source* data set alone scores every pair
the source does not list (the *candidates* it would propose); the candidates that the
*target* lists are *confirmed*. How high the confirmed candidates rank, against the
unconfirmed ones, measures the ranking on associations the model never saw in any form,
curated by someone else: the question a repositioning study asks of its top candidates.

Only drugs and diseases present in both data sets count, and pairs the source lists
are never candidates. Unconfirmed candidates are not known to be false (the target
may simply not cover them), so, as in cross-validation, the absolute AUPR is a lower
bound; comparisons between models scored on the same candidates are fair.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.evaluation.summary import finite_or_none
from graphmed.evaluation.metrics import _check_k, aupr, auroc, average_ranks, per_group_mean

DEFAULT_KS = (20, 100, 500)


@dataclass(frozen=True)
class SharedEntities:
    """Drugs and diseases two data sets both hold, matched by id (in source order).

    Attributes:
        source_drugs / target_drugs: ``(n,)`` int64 indices of the same drugs in each data set.
        source_diseases / target_diseases: ``(m,)`` likewise for diseases.
    """

    source_drugs: np.ndarray
    target_drugs: np.ndarray
    source_diseases: np.ndarray
    target_diseases: np.ndarray

    def source_block(self, matrix: np.ndarray) -> np.ndarray:
        """``(n, m)`` rows and columns of a source ``(n_drugs, n_diseases)`` matrix."""
        return matrix[np.ix_(self.source_drugs, self.source_diseases)]

    def target_block(self, matrix: np.ndarray) -> np.ndarray:
        """``(n, m)`` rows and columns of a target matrix, in the same order."""
        return matrix[np.ix_(self.target_drugs, self.target_diseases)]


def _matched(source_ids: pd.Series, target_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ids both hold: ``(in source, in target)``, in source order."""
    at = pd.Index(target_ids.astype(str)).get_indexer(source_ids.astype(str))
    held = np.flatnonzero(at >= 0)
    return held.astype(np.int64), at[held].astype(np.int64)


def shared_entities(source: DrugDiseaseDataset, target: DrugDiseaseDataset) -> SharedEntities:
    """Match the drugs and diseases of ``source`` and ``target`` by their ``id`` columns.

    Raises:
        DataFormatError: the two share no drug id or no disease id.
    """
    source_drugs, target_drugs = _matched(source.drugs["id"], target.drugs["id"])
    source_diseases, target_diseases = _matched(source.diseases["id"], target.diseases["id"])
    if not source_drugs.size or not source_diseases.size:
        raise DataFormatError(
            f"{source.name} and {target.name} share {source_drugs.size} drug ids and "
            f"{source_diseases.size} {source.disease_kind} ids; pairs can be matched across data "
            f"sets only when they share both (e.g. {source.name} drug "
            f"{source.drugs['id'].iloc[0]!r}, {source.disease_kind} "
            f"{source.diseases['id'].iloc[0]!r}; {target.name} drug "
            f"{target.drugs['id'].iloc[0]!r}, {target.disease_kind} "
            f"{target.diseases['id'].iloc[0]!r})")
    return SharedEntities(source_drugs, target_drugs, source_diseases, target_diseases)


def expected_top_k_hits(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Positives among the ``k`` highest ``(n,)`` scores, expected over random orders of ties.

    A block of ``g`` tied scores with ``c`` positives straddling position ``k`` (``a``
    items strictly above it) contributes ``c * (k - a) / g``.
    """
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(np.float64)
    last = np.flatnonzero(np.append(s[1:] != s[:-1], True))  # last index of each tie block
    first = np.append(0, last[:-1] + 1)
    positives = np.add.reduceat(y, first)
    taken = np.clip(k - first, 0, last - first + 1)
    return float(np.sum(positives * taken / (last - first + 1)))


@dataclass(frozen=True)
class CrossDatasetResult:
    """Scores of a source-fitted model on the candidates another data set confirms.

    Attributes:
        source / target: data set names.
        n_drugs / n_diseases: shared drugs and diseases.
        n_candidates: shared pairs the source does not list.
        n_confirmed: candidates the target lists.
        n_source_only: shared pairs the source lists and the target does not (informational).
        auroc / aupr: confirmed against unconfirmed candidates, pooled.
        disease_auroc: mean per-disease AUROC over diseases with a confirmed and an
            unconfirmed candidate (``disease_count`` of them); NaN when there are none.
        hits: ``k`` -> confirmed candidates among the ``k`` best, expected over ties.
        expected_hits: ``k`` -> the same for a random ranking, ``k * n_confirmed / n_candidates``.
        confirmed: one row per confirmed candidate: ``drug_id``, ``drug``, ``disease_id``,
            ``disease``, ``score``, ``rank`` (among all candidates, 1 = best, ties averaged).
    """

    source: str
    target: str
    n_drugs: int
    n_diseases: int
    n_candidates: int
    n_confirmed: int
    n_source_only: int
    auroc: float
    aupr: float
    disease_auroc: float
    disease_count: int
    hits: dict[int, float]
    expected_hits: dict[int, float]
    confirmed: pd.DataFrame = field(repr=False)

    def enrichment(self, k: int) -> float:
        """``hits[k] / expected_hits[k]``: how many times more confirmed pairs than chance."""
        return self.hits[k] / self.expected_hits[k]

    def to_dict(self) -> dict:
        """JSON-ready summary (without the table of confirmed candidates); a metric that could
        not be computed (e.g. ``disease_auroc`` when no disease has both a confirmed and an
        unconfirmed candidate) is ``None``, as JSON has no NaN."""
        return {"source": self.source, "target": self.target, "n_drugs": self.n_drugs,
                "n_diseases": self.n_diseases, "n_candidates": self.n_candidates,
                "n_confirmed": self.n_confirmed, "n_source_only": self.n_source_only,
                "auroc": finite_or_none(self.auroc), "aupr": finite_or_none(self.aupr),
                "disease_auroc": finite_or_none(self.disease_auroc),
                "disease_count": self.disease_count,
                "hits": {str(k): v for k, v in self.hits.items()},
                "expected_hits": {str(k): v for k, v in self.expected_hits.items()}}


def _score_matrix(scores, source: DrugDiseaseDataset) -> np.ndarray:
    if isinstance(scores, (str, bytes)):
        raise TypeError(f"scores must be a fitted model or a score matrix, got the name "
                        f"{scores!r}; fit one first, e.g. "
                        f"fit_for_repurposing(source, {scores!r}, seed=0)")
    matrix = np.asarray(scores.score_matrix() if hasattr(scores, "score_matrix") else scores,
                        dtype=np.float64)
    expected = (source.n_drugs, source.n_diseases)
    if matrix.shape != expected:
        raise DataFormatError(f"scores have shape {matrix.shape}; {source.name} needs {expected} "
                              "(drugs x diseases, in the data set's order)")
    bad = np.argwhere(~np.isfinite(matrix))
    if bad.size:
        drug, disease = bad[0]
        raise DataFormatError(f"{len(bad)} scores are not finite, e.g. drug "
                              f"{source.drugs['id'].iloc[drug]!r} x {source.disease_kind} "
                              f"{source.diseases['id'].iloc[disease]!r}")
    return matrix


def cross_dataset_validation(scores, source: DrugDiseaseDataset, target: DrugDiseaseDataset,
                             *, ks=DEFAULT_KS) -> CrossDatasetResult:
    """Score the candidates of a model fitted on ``source`` against ``target``'s associations.

    Args:
        scores: ``(source.n_drugs, source.n_diseases)`` scores, or a fitted model (anything
            with ``score_matrix()``, e.g. from
            :func:`~graphmed.repurpose.fit_for_repurposing`) that read ``source`` only.
        source: the data set the model was fitted on.
        target: the data set whose associations confirm candidates; only its labels on
            shared drugs and diseases are read.
        ks: cut-offs for ``hits``.

    Raises:
        DataFormatError: wrong score shape or non-finite scores, no shared ids, or no
            candidate confirmed.
    """
    if isinstance(ks, (str, bytes)) or not np.iterable(ks):
        raise TypeError(f"ks must be a sequence of positive integers, got {ks!r}")
    try:
        ks = tuple(_check_k(k) for k in ks)
    except ValueError as err:
        raise ValueError(f"ks: {err}") from None
    matrix = _score_matrix(scores, source)
    shared = shared_entities(source, target)
    known = shared.source_block(source.associations)
    listed = shared.target_block(target.associations)
    candidates = ~known
    labels = listed[candidates]
    values = shared.source_block(matrix)[candidates]
    if not labels.any():
        raise DataFormatError(f"{target.name} lists no pair of the {int(candidates.sum())} shared "
                              f"pairs that {source.name} does not; nothing to confirm")
    if labels.all():
        raise DataFormatError(f"{target.name} lists every candidate of {source.name}; "
                              "nothing to compare the confirmed ones with")
    n_candidates, n_confirmed = int(candidates.sum()), int(labels.sum())
    drug_of, disease_of = np.nonzero(candidates)
    try:
        per_disease = per_group_mean(auroc, labels, values, disease_of)
        disease_auroc, disease_count = per_disease.mean, per_disease.count
    except ValueError:  # no disease has both a confirmed and an unconfirmed candidate
        disease_auroc, disease_count = float("nan"), 0
    rank = (n_candidates + 1) - average_ranks(values)  # 1 = best
    hit = labels.nonzero()[0]
    drugs, diseases = drug_of[hit], disease_of[hit]
    confirmed = pd.DataFrame({
        "drug_id": source.drugs["id"].to_numpy()[shared.source_drugs[drugs]],
        "drug": _names(source.drugs, target.drugs, shared.source_drugs, shared.target_drugs)[drugs],
        "disease_id": source.diseases["id"].to_numpy()[shared.source_diseases[diseases]],
        "disease": _names(source.diseases, target.diseases, shared.source_diseases,
                          shared.target_diseases)[diseases],
        "score": values[hit], "rank": rank[hit]}).sort_values("rank", kind="stable")
    return CrossDatasetResult(
        source=source.name, target=target.name, n_drugs=int(shared.source_drugs.size),
        n_diseases=int(shared.source_diseases.size), n_candidates=n_candidates,
        n_confirmed=n_confirmed, n_source_only=int((known & ~listed).sum()),
        auroc=auroc(labels, values), aupr=aupr(labels, values), disease_auroc=disease_auroc,
        disease_count=disease_count,
        hits={k: expected_top_k_hits(values, labels, k) for k in ks},
        expected_hits={k: min(k, n_candidates) * n_confirmed / n_candidates for k in ks},
        confirmed=confirmed.reset_index(drop=True))


def _names(source: pd.DataFrame, target: pd.DataFrame, in_source: np.ndarray,
           in_target: np.ndarray) -> np.ndarray:
    """Names of shared entities: the source's, else the target's, else the id."""
    def names(table: pd.DataFrame, rows: np.ndarray) -> pd.Series:
        column = (table["name"].astype("string") if "name" in table
                  else pd.Series(pd.NA, index=table.index, dtype="string"))
        return column.iloc[rows].reset_index(drop=True)

    ids = source["id"].astype(str).iloc[in_source].reset_index(drop=True)
    return names(source, in_source).fillna(names(target, in_target)).fillna(ids).to_numpy()


def listed_in(target: DrugDiseaseDataset, drug_ids, disease_ids) -> pd.array:
    """Whether ``target`` lists each ``(drug id, disease id)`` pair: a nullable boolean
    array, ``<NA>`` where ``target`` does not hold the drug or the disease.

    For marking ranked candidates of one data set (e.g. from
    :func:`~graphmed.repurpose.rank_candidates`) with what another data set knows.
    """
    for name, ids in (("drug_ids", drug_ids), ("disease_ids", disease_ids)):
        if isinstance(ids, str):
            raise TypeError(f"{name} must be a list of ids (one per pair), not one string ({ids!r})")
    drugs = pd.Index(target.drugs["id"].astype(str)).get_indexer(pd.Index(drug_ids).astype(str))
    diseases = pd.Index(target.diseases["id"].astype(str)).get_indexer(
        pd.Index(disease_ids).astype(str))
    if drugs.shape != diseases.shape:
        raise ValueError(f"{drugs.size} drug ids and {diseases.size} disease ids; one per pair")
    held = (drugs >= 0) & (diseases >= 0)
    listed = np.zeros(drugs.size, dtype=bool)
    listed[held] = target.associations[drugs[held], diseases[held]]
    return pd.array(np.where(held, listed, None), dtype="boolean")
