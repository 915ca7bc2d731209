"""Similarity k-nearest-neighbour baseline (no learning)."""
from __future__ import annotations

import numpy as np

from graphmed.checks import check_settings
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.similarity import mean_view, topk_similarity
from graphmed.splits.fold import TrainPart


class SimilarityKNN(PairScorer):
    """Score = mean of a drug-side and a disease-side weighted kNN vote.

    drug side: ``sum_{d' in N_k(d)} S(d, d') A(d', s) / sum_{d' in N_k(d)} S(d, d')``,
    the disease side likewise over the disease's ``k`` most similar diseases; ``A`` is the
    training matrix. With nothing to tune, it is fitted on training + validation pairs.

    Args:
        k: neighbours per node.
        drug_views / disease_views: similarity views averaged before the kNN
            (default: the first view of each, e.g. ``chemical`` and ``phenotype``).
    """

    name = "knn"
    uses_validation = False

    def __init__(self, k: int = 15, drug_views: list[str] | None = None,
                 disease_views: list[str] | None = None):
        check_settings("SimilarityKNN", at_least={"k": (k, 1)})
        self.k = int(k)
        self.drug_views = drug_views
        self.disease_views = disease_views

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "SimilarityKNN":
        check_fit_inputs(data, part)
        labels = part.train_matrix().astype(np.float64)
        sides = []
        if data.drug_similarities:
            views = self.drug_views or [next(iter(data.drug_similarities))]
            w = topk_similarity(mean_view(data.drug_similarities, views), self.k)
            sides.append(w @ labels / (w.sum(axis=1, keepdims=True) + 1e-12))
        if data.disease_similarities:
            views = self.disease_views or [next(iter(data.disease_similarities))]
            w = topk_similarity(mean_view(data.disease_similarities, views), self.k)
            sides.append(labels @ w.T / (w.sum(axis=1)[None, :] + 1e-12))
        if not sides:
            raise DataFormatError("the similarity kNN needs a drug or disease similarity "
                                  "matrix and the data set has none; give one, or use a model "
                                  "that builds its own from the training pairs (e.g. kronrls)",
                                  source=data.name)
        self._scores = np.mean(sides, axis=0)
        return self

    def config(self) -> dict:
        return {"name": self.name, "k": self.k, "drug_views": self.drug_views,
                "disease_views": self.disease_views}
