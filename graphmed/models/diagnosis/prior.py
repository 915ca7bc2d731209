"""The label prior: every unit gets each category's frequency among the training units."""
from __future__ import annotations

import numpy as np

from graphmed.models.diagnosis.base import DiagnosisModel
from graphmed.tasks.diagnosis import DiagnosisTask


class LabelPrior(DiagnosisModel):
    """Scores each category by its training frequency, the same for every unit (AUROC 0.5;
    its F1 is that of predicting the frequent categories for everyone)."""

    name = "label-prior"

    def fit(self, task: DiagnosisTask, *, seed: int = 0) -> "LabelPrior":
        self._remember(task)
        self.prior = task.train_labels.mean(0).astype(np.float64)
        return self

    def predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        units = self._checked_units(task, units)
        return np.tile(self.prior, (units.size, 1))
