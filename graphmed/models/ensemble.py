"""Ensembles: a weighted average of standardised member scores, weights chosen on validation."""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from graphmed.checks import check_settings
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.splits.fold import TrainPart


def standardise(scores: np.ndarray) -> np.ndarray:
    """Z-scores over the whole matrix, so members on different scales can be averaged."""
    std = scores.std()
    return (scores - scores.mean()) / (std if std > 0 else 1.0)


def weight_grid(n_members: int, step: float) -> np.ndarray:
    """All weight vectors on the simplex with entries in multiples of ``step``: ``(n, n_members)``."""
    ticks = int(round(1.0 / step))
    rows = [c for c in itertools.product(range(ticks + 1), repeat=n_members - 1) if sum(c) <= ticks]
    grid = np.array([[*c, ticks - sum(c)] for c in rows], dtype=np.float64) / ticks
    return grid


class Ensemble(PairScorer):
    """``sum_m w_m z(s_m)`` over members ``m``; ``w`` maximises validation AUROC + AUPR
    (:meth:`~graphmed.splits.TrainPart.validation_metrics`: per disease for the
    new-disease protocol).

    Each member is fitted on the same fold; the weights are chosen on the validation
    pairs with the members' :meth:`~PairScorer.validation_score_matrix` (scores that have
    not seen validation labels), then applied to their final scores.

    Args:
        members: zero-argument factories of fresh member models.
        step: spacing of the weight grid, in ``(0, 1]`` and ``1 / step`` a whole number.
    """

    name = "ensemble"

    def __init__(self, members: Sequence[Callable[[], PairScorer]], *, step: float = 0.05,
                 name: str | None = None):
        members = list(members)
        if len(members) < 1:
            raise ValueError("an ensemble needs at least one member")
        for index, member in enumerate(members):
            if isinstance(member, PairScorer) or not callable(member):
                raise TypeError(f"Ensemble: members must be zero-argument factories of fresh "
                                f"models (e.g. KronRLS, or lambda: KronRLS(...)); member {index} "
                                f"is an object of type {type(member).__name__}")
        check_settings("Ensemble", shares={"step": step})
        if abs(1.0 / step - round(1.0 / step)) > 1e-6:
            raise ValueError(f"Ensemble: step must divide 1 into whole steps (e.g. 0.05, 0.1, "
                             f"0.25), got {step!r}")
        self.factories = members
        self.step = step
        if name is not None:
            self.name = name
        self.members: list[PairScorer] = []
        self.weights: np.ndarray | None = None

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "Ensemble":
        check_fit_inputs(data, part)
        self.members, validation, final = [], [], []
        val_pairs, val_labels = part.val_pairs()
        for index, factory in enumerate(self.factories):
            member = factory().fit(data, part, seed=seed + index)
            validation.append(standardise(member.validation_score_matrix())[val_pairs[:, 0],
                                                                             val_pairs[:, 1]])
            if not member.uses_validation:  # it selects nothing: refit with validation pairs
                merged = part.merged()
                member = factory().fit(replace(data, associations=merged.train_matrix()), merged,
                                       seed=seed + index)
            final.append(standardise(member.score_matrix()))
            self.members.append(member)
        grid = weight_grid(len(self.members), self.step)
        if len(val_pairs) and 0 < val_labels.sum() < len(val_labels):
            values = [sum(part.validation_metrics(s).values()) for s in grid @ np.stack(validation)]
            self.weights = grid[int(np.argmax(values))]
        else:
            self.weights = np.full(len(self.members), 1.0 / len(self.members))
        self._scores = np.tensordot(self.weights, np.stack(final), axes=1)
        return self

    def config(self) -> dict:
        return {"name": self.name, "step": self.step,
                "members": [m.config() for m in self.members] or [f().config() for f in self.factories],
                "weights": None if self.weights is None else [round(float(w), 4) for w in self.weights]}
