"""A cross-validation fold of drug–disease pairs, and the training view a model may see."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset, pair_indices
from graphmed.errors import DataFormatError
from graphmed.evaluation.metrics import auroc_aupr

PARTS = ("train_pos", "train_neg", "val_pos", "val_neg", "test_pos", "test_neg")


@dataclass(frozen=True, eq=False)
class TrainPart:
    """What a model may see while it is fitted: training and validation pairs, never test.

    Attributes:
        train_pos / train_neg / val_pos / val_neg: ``(n, 2)`` int64 (drug, disease) pairs.
        negative_pool: ``(n_drugs, n_diseases)`` bool, pairs the model may treat as
            negatives (training unknowns: neither a training positive nor a validation
            or test pair).
        per_disease_validation: validation diseases are held out whole (new-disease
            protocol), so choices are scored as the test is: per disease, then averaged.
    """

    train_pos: np.ndarray
    train_neg: np.ndarray
    val_pos: np.ndarray
    val_neg: np.ndarray
    negative_pool: np.ndarray
    per_disease_validation: bool = False

    def __post_init__(self) -> None:
        pool = np.asarray(self.negative_pool)
        if pool.ndim != 2 or pool.dtype != bool:
            raise DataFormatError(f"negative_pool must be a 2-D bool matrix (drugs x diseases), "
                                  f"got shape {pool.shape} and dtype {pool.dtype}",
                                  source="TrainPart")
        object.__setattr__(self, "negative_pool", pool)
        for name in ("train_pos", "train_neg", "val_pos", "val_neg"):
            pairs = getattr(self, name)
            if len(np.asarray(pairs)) == 0:
                pairs = np.zeros((0, 2), dtype=np.int64)
            object.__setattr__(self, name, pair_indices(pairs, pool.shape,
                                                        source=f"TrainPart.{name}"))

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.negative_pool.shape)

    def train_matrix(self) -> np.ndarray:
        """``(n_drugs, n_diseases)`` bool matrix of training positives: the only labels a model sees."""
        matrix = np.zeros(self.shape, dtype=bool)
        matrix[self.train_pos[:, 0], self.train_pos[:, 1]] = True
        return matrix

    def merged(self) -> "TrainPart":
        """The same part with validation pairs moved into training (for a refit once
        hyperparameters are chosen, or for models with nothing to select)."""
        empty = np.zeros((0, 2), dtype=np.int64)
        pool = self.negative_pool.copy()
        pool[self.val_neg[:, 0], self.val_neg[:, 1]] = True
        return TrainPart(np.concatenate([self.train_pos, self.val_pos]),
                         np.concatenate([self.train_neg, self.val_neg]), empty, empty, pool,
                         self.per_disease_validation)

    def val_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Validation pairs ``(n, 2)`` and their 0/1 labels ``(n,)``."""
        pairs = np.concatenate([self.val_pos, self.val_neg])
        labels = np.concatenate([np.ones(len(self.val_pos)), np.zeros(len(self.val_neg))])
        return pairs, labels

    def validation_groups(self) -> np.ndarray | None:
        """``(n,)`` disease of each of :meth:`val_pairs` when validation is per disease, else None."""
        if not self.per_disease_validation:
            return None
        return np.concatenate([self.val_pos[:, 1], self.val_neg[:, 1]])

    def validation_metrics(self, scores: np.ndarray) -> dict[str, float]:
        """AUROC and AUPR of ``scores`` ``(n,)`` of :meth:`val_pairs`, as the protocol scores
        its test part: pooled, or per validation disease and averaged (new-disease).
        Empty when the validation pairs cannot be scored (none, or one class only)."""
        _, labels = self.val_pairs()
        scores = np.asarray(scores, dtype=np.float64)
        if len(labels) == 0 or labels.min() == labels.max():
            return {}
        if scores.shape != labels.shape:
            raise ValueError(f"expected {labels.shape[0]} validation scores, got shape {scores.shape}")
        return auroc_aupr(labels, scores, self.validation_groups())


@dataclass(frozen=True, eq=False)
class Fold:
    """One fold of a protocol: disjoint train / validation / test pairs.

    Attributes:
        protocol: ``"A"``, ``"B"`` or ``"new-disease"``.
        index: fold number, 0-based.
        seed: seed the split was drawn with.
        shape: ``(n_drugs, n_diseases)``.
        train_pos … test_neg: ``(n, 2)`` int64 (drug, disease) pairs.
        held_out_diseases: for the new-disease protocol, the diseases of the test part.
    """

    protocol: str
    index: int
    seed: int
    shape: tuple[int, int]
    train_pos: np.ndarray
    train_neg: np.ndarray
    val_pos: np.ndarray
    val_neg: np.ndarray
    test_pos: np.ndarray
    test_neg: np.ndarray
    held_out_diseases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        shape = tuple(self.shape)
        if len(shape) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                                      and s >= 0 for s in shape):
            raise DataFormatError(f"shape must be (n_drugs, n_diseases), got {self.shape!r}",
                                  source=f"fold {self.index}")
        object.__setattr__(self, "shape", tuple(int(s) for s in shape))
        for part in PARTS:
            object.__setattr__(self, part, pair_indices(getattr(self, part), self.shape,
                                                        source=f"fold {self.index} {part}"))
        object.__setattr__(self, "held_out_diseases",
                           np.asarray(self.held_out_diseases, dtype=np.int64).ravel())

    def train_part(self) -> TrainPart:
        """The view handed to a model's ``fit``: no test pair and no test label in it."""
        pool = np.ones(self.shape, dtype=bool)
        for part in ("train_pos", "val_pos", "val_neg", "test_pos", "test_neg"):
            pairs = getattr(self, part)
            pool[pairs[:, 0], pairs[:, 1]] = False
        return TrainPart(self.train_pos, self.train_neg, self.val_pos, self.val_neg, pool,
                         per_disease_validation=self.protocol == "new-disease")

    def training_dataset(self, dataset: DrugDiseaseDataset) -> DrugDiseaseDataset:
        """``dataset`` with its association matrix reduced to this fold's training positives."""
        return replace(dataset, associations=self.train_part().train_matrix())

    def test_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Test pairs ``(n, 2)`` and their 0/1 labels ``(n,)``."""
        pairs = np.concatenate([self.test_pos, self.test_neg])
        labels = np.concatenate([np.ones(len(self.test_pos)), np.zeros(len(self.test_neg))])
        return pairs, labels

    def sizes(self) -> dict[str, int]:
        return {part: int(len(getattr(self, part))) for part in PARTS}
