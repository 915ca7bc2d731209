"""A multi-layer perceptron on bag-of-codes."""
from __future__ import annotations

import torch

from graphmed.checks import check_settings
from graphmed.models.diagnosis.base import TorchDiagnosisModel, TrainConfig, bce
from graphmed.tasks.diagnosis import DiagnosisTask


class BagOfCodesMLP(TorchDiagnosisModel):
    """``Linear -> ReLU -> Dropout`` x ``layers``, then a linear multi-label head, on
    :meth:`DiagnosisTask.bag_of_codes`; early stopping on validation macro AUROC."""

    name = "mlp-bag-of-codes"

    def __init__(self, hidden: int = 64, layers: int = 1, dropout: float = 0.5,
                 train: TrainConfig | None = None, **training):
        super().__init__(train, **training)
        check_settings("BagOfCodesMLP", at_least={"hidden": (hidden, 1), "layers": (layers, 0)},
                       fractions={"dropout": dropout})
        self.hidden, self.layers, self.dropout = int(hidden), int(layers), float(dropout)

    def _build(self, task: DiagnosisTask) -> torch.nn.Module:
        width, blocks = task.bag_of_codes().shape[1], []
        for _ in range(self.layers):
            blocks += [torch.nn.Dropout(self.dropout), torch.nn.Linear(width, self.hidden),
                       torch.nn.ReLU()]
            width = self.hidden
        blocks += [torch.nn.Dropout(self.dropout), torch.nn.Linear(width, task.num_categories)]
        return torch.nn.Sequential(*blocks)

    def _loss(self, task, generator):
        x = self._on_device(task.bag_of_codes()[task.train_units])
        return bce(self.module(x), task.train_labels)

    def _logits(self, task, units, generator):
        return self.module(self._on_device(task.bag_of_codes()[units.cpu().numpy()]))

    def config(self) -> dict:
        return {"hidden": self.hidden, "layers": self.layers, "dropout": self.dropout,
                **super().config()}
