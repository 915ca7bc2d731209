"""Kronecker regularised least squares on similarity kernels (a learned non-graph baseline).

van Laarhoven, Nabuurs & Marchiori, "Gaussian interaction profile kernels for
predicting drug–target interaction", Bioinformatics 27(21):3036 (2011). Closed form
via the eigendecompositions of the drug kernel ``Kd`` and disease kernel ``Ks``:
``F = Ud [ (ld ls^T / (ld ls^T + lambda)) * (Ud^T Y Us) ] Us^T``.
Kernels are the mean of the shipped similarity views and a GIP kernel computed from
the fold's training labels only. ``lambda`` is chosen on the validation pairs, then the
model is refitted on training + validation pairs.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from graphmed.checks import check_settings
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.features.entity_modalities import check_text_views, with_text_similarity
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.similarity import gip_kernel
from graphmed.splits.fold import TrainPart

DEFAULT_LAMBDAS = (0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 8.0)


def _eig(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kernel = (kernel + kernel.T) / 2.0
    values, vectors = np.linalg.eigh(kernel)
    return np.clip(values, 0.0, None), vectors


def _kernels(data: DrugDiseaseDataset, labels: np.ndarray, use_gip: bool):
    drug = list(data.drug_similarities.values()) + ([gip_kernel(labels)] if use_gip else [])
    disease = list(data.disease_similarities.values()) + ([gip_kernel(labels.T)] if use_gip else [])
    if not drug or not disease:
        raise ValueError("KronRLS needs a drug and a disease kernel (a similarity view or use_gip)")
    return np.mean(drug, axis=0), np.mean(disease, axis=0)


def kron_rls(drug_kernel: np.ndarray, disease_kernel: np.ndarray, labels: np.ndarray,
             lambdas) -> list[np.ndarray]:
    """Kronecker RLS predictions ``(n_drugs, n_diseases)`` for each regularisation in ``lambdas``."""
    ld, ud = _eig(drug_kernel)
    ls, us = _eig(disease_kernel)
    projected = ud.T @ labels @ us
    outer = ld[:, None] * ls[None, :]
    return [ud @ (outer / (outer + lam) * projected) @ us.T for lam in lambdas]


class KronRLS(PairScorer):
    """Kronecker RLS with ``lambda`` chosen by validation AUPR (per disease, then averaged,
    when validation diseases are held out whole).

    Args:
        lambdas: candidate regularisation strengths.
        use_gip: add GIP kernels computed from training labels to the shipped views.
        text_views: entity kinds (``"drug"``, ``"disease"``) that get a text-embedding
            similarity view (:func:`~graphmed.features.entity_modalities.with_text_similarity`).
    """

    name = "kronrls"

    def __init__(self, lambdas=DEFAULT_LAMBDAS, use_gip: bool = True, text_views=()):
        if isinstance(lambdas, (str, bytes)) or not isinstance(lambdas, Iterable):
            raise ValueError(f"KronRLS: lambdas must be a list of regularisation strengths, "
                             f"e.g. [0.1, 1.0], got {lambdas!r}")
        if not isinstance(use_gip, bool):
            raise ValueError(f"KronRLS: use_gip must be True or False, got {use_gip!r}")
        lambdas = tuple(lambdas)
        if not lambdas:
            raise ValueError("KronRLS: lambdas must hold one or more regularisation strengths")
        check_settings("KronRLS", positive={f"lambdas[{i}]": lam for i, lam in enumerate(lambdas)})
        self.lambdas = tuple(float(lam) for lam in lambdas)
        self.use_gip = use_gip
        self.text_views = check_text_views(text_views)
        self.best_lambda: float | None = None
        self.validation_scores: dict[float, float] = {}
        self._validation_scores: np.ndarray | None = None

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "KronRLS":
        check_fit_inputs(data, part)
        if self.text_views:
            data = with_text_similarity(data, self.text_views)
        labels = part.train_matrix().astype(np.float64)
        val_pairs, val_labels = part.val_pairs()
        if len(self.lambdas) > 1 and len(val_pairs) and 0 < val_labels.sum() < len(val_labels):
            kd, ks = _kernels(data, labels, self.use_gip)
            predictions = kron_rls(kd, ks, labels, self.lambdas)
            self.validation_scores = {
                lam: part.validation_metrics(pred[val_pairs[:, 0], val_pairs[:, 1]])["aupr"]
                for lam, pred in zip(self.lambdas, predictions)}
            self.best_lambda = max(self.validation_scores, key=self.validation_scores.get)
            self._validation_scores = predictions[self.lambdas.index(self.best_lambda)]
        else:
            self.best_lambda = self.lambdas[0]
            self._validation_scores = None
        full = part.merged()
        labels = full.train_matrix().astype(np.float64)
        kd, ks = _kernels(data, labels, self.use_gip)
        self._scores = kron_rls(kd, ks, labels, [self.best_lambda])[0]
        return self

    def validation_score_matrix(self) -> np.ndarray:
        """Scores of the chosen ``lambda`` before the refit on validation pairs."""
        return self._validation_scores if self._validation_scores is not None else self.score_matrix()

    def config(self) -> dict:
        return {"name": self.name, "lambdas": list(self.lambdas), "use_gip": self.use_gip,
                "text_views": list(self.text_views),
                "best_lambda": self.best_lambda}
