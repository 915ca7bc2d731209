"""Popularity (preferential attachment) baseline: no similarity, no learning."""
from __future__ import annotations

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.splits.fold import TrainPart


class Popularity(PairScorer):
    """Score of ``(drug, disease)`` = ``(1 + drug degree) * (1 + disease degree)``, degrees
    counted in the training labels.

    The baseline any ranking of new candidates must beat: it proposes the drugs with
    the most known indications for the diseases with the most known drugs. The ``+ 1``
    keeps an entity without training pairs ranked by the other side. Nothing to tune, so
    it is fitted on training + validation pairs.
    """

    name = "popularity"
    uses_validation = False

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "Popularity":
        check_fit_inputs(data, part)
        labels = part.train_matrix()
        drug_degree = labels.sum(axis=1, dtype=np.float64)
        disease_degree = labels.sum(axis=0, dtype=np.float64)
        self._scores = np.outer(1.0 + drug_degree, 1.0 + disease_degree)
        return self
