"""A drug–disease model that compares diseases by their names alone."""
from __future__ import annotations

from dataclasses import replace

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.models.base import PairScorer
from graphmed.splits.fold import TrainPart


class DiseaseNamesOnly(PairScorer):
    """``model`` fitted without the data set's disease similarity views.

    A disease outside the data set has a name and nothing else: no row in the shipped
    similarity matrices, no known drug. Wrapped models see the data sets the same way, so
    the new-disease protocol measures what :func:`graphmed.repurpose.rank_for_new_disease`
    can do; the model must read disease names (a text view or the text modality), e.g.
    ``KronRLS(text_views=("disease",))`` or the ``multimodal`` ensemble.
    """

    def __init__(self, model: PairScorer):
        self.model = model
        self.name = f"{model.name}-disease-names-only"
        self.uses_validation = model.uses_validation

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0
            ) -> "DiseaseNamesOnly":
        self.model.fit(replace(data, disease_similarities={}), part, seed=seed)
        return self

    def score_matrix(self):
        return self.model.score_matrix()

    def validation_score_matrix(self):
        return self.model.validation_score_matrix()

    def config(self) -> dict:
        """The wrapped model's configuration, renamed and marked as reading names only."""
        return {**self.model.config(), "name": self.name, "disease_names_only": True}
