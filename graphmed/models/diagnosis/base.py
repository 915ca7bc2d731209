"""The diagnosis model contract and the training loop shared by the torch models.

A model is fitted on a :class:`~graphmed.tasks.diagnosis.DiagnosisTask` (the graph
without validation and test diagnoses, training and validation labels) and scores any
units of it: ``predict(task, units) -> (len(units), c)`` probabilities. Every choice a
model makes (epoch, regularisation) looks at the validation units only.
"""
from __future__ import annotations

import copy
import math
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from graphmed.checks import check_settings, constructor_settings, unknown_setting
from graphmed.device import resolve_device
from graphmed.errors import DataFormatError
from graphmed.evaluation.multilabel import macro_auroc
from graphmed.tasks.diagnosis import DiagnosisTask
from graphmed.training.divergence import is_finite, on_divergence


class DiagnosisModel(ABC):
    """Scores diagnosis categories of units. Subclasses set :attr:`name`; their ``fit`` starts
    with :meth:`_remember` and their ``predict`` with :meth:`_checked_units`."""

    name: str = "model"
    _fitted_for: tuple[tuple[str, ...], int] | None = None  # the task's categories and units
    #: Show a progress bar while fitting (epochs of a network, fits of a linear model); set
    #: it on a model before :meth:`fit`. Does not change results.
    progress: bool = False

    def _remember(self, task: DiagnosisTask) -> None:
        """Note what ``task`` is (its categories and units), for :meth:`_checked_units`."""
        if task.num_categories == 0:
            raise DataFormatError("the task has no diagnosis category to learn (none has enough "
                                  "training units with and without it; lower min_count)")
        self._fitted_for = (tuple(task.categories), int(task.num_units))

    def _checked_units(self, task: DiagnosisTask, units) -> np.ndarray:
        """``units`` as a 1-D int64 array of unit indices of ``task``, after checking the model
        was fitted on this task.

        Raises:
            RuntimeError: not fitted. ValueError: another task, or units that are not
            integer indices in ``[0, task.num_units)`` (the first one named).
        """
        if self._fitted_for is None:
            raise RuntimeError(f"{type(self).__name__}: fit the model first")
        categories, num_units = self._fitted_for
        if tuple(task.categories) != categories or task.num_units != num_units:
            raise ValueError(f"{type(self).__name__} was fitted on a task with {len(categories)} "
                             f"categories and {num_units} units; this one has "
                             f"{task.num_categories} and {task.num_units}: score the task it "
                             "was fitted on")
        array = np.asarray(units)
        if array.size == 0:
            return np.zeros(0, dtype=np.int64)
        if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"units must be a 1-D array of integer unit indices, got shape "
                             f"{array.shape} and dtype {array.dtype}")
        bad = np.flatnonzero((array < 0) | (array >= num_units))
        if bad.size:
            raise ValueError(f"unit index {int(array[bad[0]])} (position {int(bad[0])}) out of "
                             f"range [0, {num_units})")
        return array.astype(np.int64)

    @abstractmethod
    def fit(self, task: DiagnosisTask, *, seed: int = 0) -> "DiagnosisModel":
        """Learn from ``task``'s training units; choose settings on its validation units."""

    @abstractmethod
    def predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        """``(len(units), task.num_categories)`` float64 probabilities."""

    #: Whether the model trains a network (and so can run on a GPU, :meth:`use_device`).
    has_network: bool = False

    def use_device(self, device: str | torch.device) -> "DiagnosisModel":
        """Where the model's network trains and predicts from the next :meth:`fit` on;
        models without a network run on the CPU whatever ``device`` says. Returns the
        model."""
        return self

    def config(self) -> dict:
        """Settings that define the model (recorded with results)."""
        return {}


def validation_score(labels: np.ndarray, scores: np.ndarray) -> float:
    """Macro AUROC on the validation units; minus the binary cross-entropy where no category
    has both a positive and a negative there (a tiny validation part)."""
    value = macro_auroc(labels, scores)
    if math.isfinite(value):
        return value
    p = np.clip(scores, 1e-7, 1 - 1e-7)
    return float(np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


@dataclass
class TrainConfig:
    """Adam, full batch, early stopping on validation macro AUROC (evaluated every epoch).

    ``device``: where the network trains and predicts (``"cpu"``, ``"cuda"``, ``"auto"``);
    the task's graph, the sampling of hidden patients and hop contexts (one seeded CPU
    generator) and the validation scores stay on the CPU, so a seed draws the same
    samples on every device.
    """

    epochs: int = 200
    lr: float = 5e-3
    weight_decay: float = 1e-4
    patience: int = 30
    min_epochs: int = 10
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_settings("TrainConfig", at_least={"epochs": (self.epochs, 1),
                                                "patience": (self.patience, 1),
                                                "min_epochs": (self.min_epochs, 0)},
                       positive={"lr": self.lr}, non_negative={"weight_decay": self.weight_decay})
        self.device = str(self.device)  # a torch.device too; checked when training starts

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FitHistory:
    """``scores``: validation score per epoch; ``best_epoch`` (0-based) is the one kept."""

    best_epoch: int = -1
    best_score: float = -math.inf
    scores: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged_at: int | None = None  # epoch (0-based) whose loss was not finite


class TorchDiagnosisModel(DiagnosisModel):
    """A torch module trained with :class:`TrainConfig`; subclasses build it and define the loss
    step and the scores.

    Subclasses implement ``_build(task)`` (returns the module), ``_loss(task, generator)``
    (one training step's loss) and ``_logits(task, units, generator)`` (eval mode).
    """

    def __init__(self, train: TrainConfig | None = None, default: TrainConfig | None = None, /,
                 **training):
        """``train`` replaces every training setting of ``default`` (the subclass's, else
        :class:`TrainConfig`'s); ``training`` (``epochs=100``, ``lr=...``: fields of
        :class:`TrainConfig`) changes some on top of either."""
        known = [f.name for f in fields(TrainConfig)]
        for key in training:
            if key not in known:
                raise TypeError(f"{type(self).__name__}: " + unknown_setting(
                    key, constructor_settings(type(self)) + known))
        config = train or default or TrainConfig()
        self.train_config = replace(config, **training) if training else config
        self.module: torch.nn.Module | None = None
        self.history = FitHistory()
        self.seed = 0
        self.device = torch.device("cpu")

    has_network = True

    def use_device(self, device: str | torch.device) -> "TorchDiagnosisModel":
        """Train and predict on ``device`` from the next :meth:`fit` on (the model's other
        training settings are kept); returns the model."""
        self.train_config = replace(self.train_config, device=device)
        return self

    def _on_device(self, value):
        """``value`` (a tensor, a numpy array or a dict of tensors) on the model's device."""
        if isinstance(value, dict):
            return {key: self._on_device(v) for key, v in value.items()}
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        return value.to(self.device)

    def fit(self, task: DiagnosisTask, *, seed: int = 0) -> "TorchDiagnosisModel":
        self._remember(task)
        cfg = self.train_config
        self.device = resolve_device(cfg.device, type(self).__name__)
        self.seed = int(seed)
        torch.manual_seed(self.seed)
        generator = torch.Generator().manual_seed(self.seed)
        self.module = self._build(task).to(self.device)
        optimiser = torch.optim.Adam(self.module.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay)
        history, best_state = FitHistory(), None
        start = time.perf_counter()
        bar = tqdm(range(cfg.epochs), desc=f"{self.name} seed {self.seed}",
                   disable=not self.progress, leave=False, unit="epoch")
        for epoch in bar:
            self.module.train()
            optimiser.zero_grad()
            loss = self._loss(task, generator)
            if not is_finite(loss):
                history.diverged_at = epoch
                on_divergence(type(self).__name__, epoch, "the loss", lr=cfg.lr,
                              kept_epoch=history.best_epoch if best_state is not None else None)
                break
            loss.backward()
            optimiser.step()
            score = validation_score(task.val_labels, self.predict(task, task.val_units))
            history.scores.append(score)
            bar.set_postfix(validation=f"{score:.4f}", refresh=False)
            if score > history.best_score + 1e-9:
                history.best_score, history.best_epoch = score, epoch
                best_state = copy.deepcopy(self.module.state_dict())
            elif epoch >= cfg.min_epochs and epoch - history.best_epoch >= cfg.patience:
                break
        bar.close()
        if best_state is not None:
            self.module.load_state_dict(best_state)
        history.seconds = time.perf_counter() - start
        self.history = history
        return self

    @torch.no_grad()
    def predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        if self.module is None:
            raise RuntimeError(f"{type(self).__name__}: fit the model first")
        units = self._checked_units(task, units)
        if units.size == 0:
            return np.zeros((0, task.num_categories))
        self.module.eval()
        generator = torch.Generator().manual_seed(self.seed + 1_000_003)  # same draws every call
        units = torch.as_tensor(units, device=self.device)
        return torch.sigmoid(self._logits(task, units, generator)).double().cpu().numpy()

    def config(self) -> dict:
        return {"train": self.train_config.to_dict()}

    # -- to implement
    def _build(self, task: DiagnosisTask) -> torch.nn.Module:
        raise NotImplementedError

    def _loss(self, task: DiagnosisTask, generator: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    def _logits(self, task: DiagnosisTask, units: torch.Tensor,
                generator: torch.Generator) -> torch.Tensor:
        raise NotImplementedError


def bce(logits: torch.Tensor, labels: np.ndarray | torch.Tensor,
        pos_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean binary cross-entropy of ``(n, c)`` logits; ``pos_weight`` ``(c,)`` weighs each
    category's positives."""
    labels = torch.as_tensor(labels, dtype=logits.dtype, device=logits.device)
    if pos_weight is not None:
        pos_weight = pos_weight.to(logits.device)
    return F.binary_cross_entropy_with_logits(logits, labels, pos_weight=pos_weight)
