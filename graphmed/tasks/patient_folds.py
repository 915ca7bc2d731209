"""Splits of an EHR graph's patients for diagnosis: every unit of a patient lies on the
same side; a validation part is carved from each fold's training patients."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold

from graphmed.checks import check_settings


@dataclass(frozen=True)
class PatientFold:
    """Patients (node indices) of one fold: train, validation (from training) and test."""

    index: int
    seed: int
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def __post_init__(self) -> None:
        parts = []
        for name in ("train", "val", "test"):
            part = np.asarray(getattr(self, name))
            if part.size and (part.ndim != 1 or not np.issubdtype(part.dtype, np.integer)
                              or part.min() < 0):
                raise ValueError(f"fold part {name!r} must hold patient indices (1-D integers "
                                 f">= 0), got shape {part.shape}, dtype {part.dtype}")
            parts.append(part.astype(np.int64).reshape(-1))
            object.__setattr__(self, name, np.sort(parts[-1]))
        joined = np.concatenate(parts)
        if np.unique(joined).size != joined.size:
            raise ValueError("a patient is in more than one part of the fold")


def patient_folds(n_patients: int, n_folds: int = 5, *, seed: int = 0,
                  val_fraction: float = 0.2) -> list[PatientFold]:
    """``n_folds`` folds over patients (``KFold`` shuffled with ``seed``); in each, a
    ``val_fraction`` of the training patients (seeded) is the validation part.

    The folds depend on the number of patients and the seed only, never on labels.
    """
    check_settings("patient_folds", at_least={"n_patients": (n_patients, 2),
                                              "n_folds": (n_folds, 2), "seed": (seed, 0)})
    if n_patients < n_folds:
        raise ValueError(f"need 2 <= n_folds <= n_patients, got n_folds={n_folds}, "
                         f"n_patients={n_patients}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    folds = []
    splitter = KFold(n_folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(splitter.split(np.arange(n_patients))):
        rng = np.random.default_rng([seed, k])
        train = rng.permutation(train)
        n_val = max(1, int(round(val_fraction * train.size)))
        folds.append(PatientFold(k, seed, train[n_val:], train[:n_val], test))
    return folds


__all__ = ["PatientFold", "patient_folds"]
