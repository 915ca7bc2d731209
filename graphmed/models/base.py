"""The contract every drug–disease model follows."""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset, pair_indices, plural
from graphmed.splits.fold import TrainPart


def check_fit_inputs(data, part) -> None:
    """Raise ``TypeError`` / ``ValueError`` unless ``data`` is a :class:`DrugDiseaseDataset`
    and ``part`` a :class:`TrainPart` of its shape (what every :meth:`PairScorer.fit` takes)."""
    if not isinstance(data, DrugDiseaseDataset):
        raise TypeError(f"fit: data must be a DrugDiseaseDataset, got {type(data).__name__}")
    if not isinstance(part, TrainPart):
        hint = " (pass fold.train_part())" if hasattr(part, "train_part") else ""
        raise TypeError(f"fit: part must be a TrainPart{hint}, got {type(part).__name__}")
    if part.shape != data.associations.shape:
        raise ValueError(f"fit: the training part is for {part.shape[0]} drugs x "
                         f"{part.shape[1]} {plural(data.disease_kind)}, the data set has "
                         f"{data.n_drugs} x {data.n_diseases}")


class PairScorer(ABC):
    """Scores (drug, disease) pairs; higher means more likely associated.

    ``fit`` receives the data set with its association matrix reduced to training
    positives and the :class:`TrainPart` of a fold: test pairs and test labels are not
    reachable from a model. Subclasses set ``name`` and implement ``fit``, which stores
    the ``(n_drugs, n_diseases)`` scores in ``self._scores``.

    Attributes:
        uses_validation: ``False`` for models with nothing to select on validation
            pairs; they are then fitted on training + validation pairs.
    """

    name: str = "model"
    uses_validation: bool = True
    _scores: np.ndarray | None = None

    @abstractmethod
    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "PairScorer":
        """Fit on ``part`` (``data.associations`` holds exactly ``part.train_pos``)."""

    def score_matrix(self) -> np.ndarray:
        """``(n_drugs, n_diseases)`` float scores for every pair."""
        if self._scores is None:
            raise RuntimeError(f"call {type(self).__name__}.fit() before scoring")
        return self._scores

    def validation_score_matrix(self) -> np.ndarray:
        """Scores from a model that has not seen validation labels, for choices made on them.

        Equal to :meth:`score_matrix` unless the model refits on training + validation
        pairs after its choices (then it returns the scores from before the refit).
        """
        return self.score_matrix()

    def score(self, pairs: np.ndarray) -> np.ndarray:
        """Scores ``(n,)`` of ``(n, 2)`` (drug, disease) pairs."""
        scores = self.score_matrix()
        pairs = pair_indices(pairs, scores.shape, source=f"{type(self).__name__}.score")
        return scores[pairs[:, 0], pairs[:, 1]]

    def config(self) -> dict:
        """Hyperparameters as a JSON-serialisable dict (saved with every result)."""
        return {"name": self.name}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({params})"
