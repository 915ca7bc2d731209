"""Evaluation protocols for drug–disease association prediction, as code.

Protocol A ("all unknown pairs are negatives", the stringent one; DRHGCN, DRWBNCF,
SMGCL, AdaDR): ``KFold(n_folds, shuffle)`` applied separately to the known pairs and
to all unknown pairs; fold *i* tests on 10% of the known and 10% of the unknown pairs.

Protocol B ("1:1 sampled negatives", AMDGT-style but leakage-free): one random unknown
pair per known pair, ``StratifiedKFold(n_folds, shuffle)`` over that balanced set.

New-disease (cold start): ``KFold`` over diseases; every pair of a held-out disease is a
test pair, none of its associations is seen in training.

In every protocol a validation part is carved from the training part (a fraction of
training positives and negatives; for new-disease, a fraction of training diseases),
so that early stopping and hyperparameters never look at test pairs.
"""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

from graphmed.checks import check_settings
from graphmed.datasets.drug_disease import binary_matrix
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.splits.fold import Fold

PROTOCOLS = ("A", "B", "new-disease")


def _carve(pairs: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split ``pairs`` into (rest, carved) with ``round(fraction * n)`` carved at random."""
    n_val = int(round(fraction * len(pairs)))
    order = rng.permutation(len(pairs))
    return pairs[np.sort(order[n_val:])], pairs[np.sort(order[:n_val])]


def _check(associations: np.ndarray, n_folds: int, val_fraction: float, seed: int) -> np.ndarray:
    associations = np.asarray(getattr(associations, "associations", associations))  # a data set's matrix
    if associations.ndim != 2:
        raise ValueError(f"associations must be a 2-D drug x disease matrix, got {associations.shape}")
    check_settings(at_least={"n_folds": (n_folds, 2), "seed": (seed, 0)},
                   fractions={"val_fraction": val_fraction})
    associations = binary_matrix(associations)
    n_pos = int(associations.sum())
    if n_pos < n_folds or associations.size - n_pos < n_folds:
        raise DataFormatError(f"{n_pos} known and {associations.size - n_pos} unknown pairs "
                              f"cannot be split into {n_folds} folds")
    return associations


def protocol_a(associations: np.ndarray, *, n_folds: int = 10, seed: int = 0,
               val_fraction: float = 0.1) -> list[Fold]:
    """Protocol A: KFold over known pairs and, separately, over all unknown pairs.

    Args:
        associations: ``(n_drugs, n_diseases)`` 0/1 matrix of known pairs.
    Returns:
        ``n_folds`` folds; training negatives are all training unknowns (minus validation).
    """
    associations = _check(associations, n_folds, val_fraction, seed)
    pos, unk = np.argwhere(associations), np.argwhere(~associations)
    kfold = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = []
    splits = zip(kfold.split(pos), kfold.split(unk))
    for index, ((pos_rest, pos_test), (unk_rest, unk_test)) in enumerate(splits):
        rng = np.random.default_rng([seed, index])
        train_pos, val_pos = _carve(pos[pos_rest], val_fraction, rng)
        train_neg, val_neg = _carve(unk[unk_rest], val_fraction, rng)
        folds.append(Fold("A", index, seed, associations.shape, train_pos, train_neg, val_pos,
                          val_neg, pos[pos_test], unk[unk_test]))
    return folds


def protocol_b(associations: np.ndarray, *, n_folds: int = 10, seed: int = 0,
               val_fraction: float = 0.1) -> list[Fold]:
    """Protocol B: one sampled unknown pair per known pair, StratifiedKFold on the balanced set.

    Leakage-free: test negatives are never training negatives or graph edges, and the
    validation part comes from the training part.
    """
    associations = _check(associations, n_folds, val_fraction, seed)
    pos, unk = np.argwhere(associations), np.argwhere(~associations)
    rng = np.random.default_rng([seed, 10_000])
    if len(unk) < len(pos):
        raise ValueError(f"protocol B needs at least as many unknown ({len(unk)}) as known "
                         f"({len(pos)}) pairs")
    neg = unk[np.sort(rng.choice(len(unk), size=len(pos), replace=False))]
    pairs = np.concatenate([pos, neg])
    labels = np.concatenate([np.ones(len(pos), dtype=int), np.zeros(len(neg), dtype=int)])
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = []
    for index, (rest, test) in enumerate(skf.split(pairs, labels)):
        fold_rng = np.random.default_rng([seed, index])
        rest_pos, rest_neg = pairs[rest][labels[rest] == 1], pairs[rest][labels[rest] == 0]
        train_pos, val_pos = _carve(rest_pos, val_fraction, fold_rng)
        train_neg, val_neg = _carve(rest_neg, val_fraction, fold_rng)
        test_pairs, test_labels = pairs[test], labels[test]
        folds.append(Fold("B", index, seed, associations.shape, train_pos, train_neg, val_pos,
                          val_neg, test_pairs[test_labels == 1], test_pairs[test_labels == 0]))
    return folds


def new_disease(associations: np.ndarray, *, n_folds: int = 10, seed: int = 0,
                val_fraction: float = 0.1) -> list[Fold]:
    """New-disease protocol: KFold over diseases with at least one known drug.

    Every pair of a held-out disease is a test pair (known ones positive, the rest
    negative); validation diseases are carved from the training diseases the same way.
    Diseases without any known drug are never held out (nothing to evaluate) and stay
    in training as plain nodes.
    """
    associations = _check(associations, n_folds, val_fraction, seed)
    diseases = np.flatnonzero(associations.any(axis=0))
    if len(diseases) < n_folds:
        raise DataFormatError(f"{len(diseases)} diseases with known drugs cannot be split "
                              f"into {n_folds} folds")
    kfold = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = []
    for index, (rest, test) in enumerate(kfold.split(diseases)):
        rng = np.random.default_rng([seed, index])
        n_val = int(round(val_fraction * len(rest)))
        val_diseases = np.sort(rng.permutation(diseases[rest])[:n_val])
        test_diseases = diseases[test]
        role = np.zeros(associations.shape[1], dtype=np.int8)  # 0 train, 1 val, 2 test
        role[val_diseases], role[test_diseases] = 1, 2
        parts = {}
        for name, code in (("train", 0), ("val", 1), ("test", 2)):
            cols = role == code
            block = np.zeros_like(associations)
            block[:, cols] = True
            parts[f"{name}_pos"] = np.argwhere(associations & block)
            parts[f"{name}_neg"] = np.argwhere(~associations & block)
        folds.append(Fold("new-disease", index, seed, associations.shape,
                          held_out_diseases=np.sort(test_diseases),
                          **parts))
    return folds


def make_folds(protocol: str, associations: np.ndarray, *, n_folds: int = 10, seed: int = 0,
               val_fraction: float = 0.1) -> list[Fold]:
    """Folds of ``protocol`` (``"A"``, ``"B"`` or ``"new-disease"``)."""
    if not isinstance(protocol, str):
        raise UnknownNameError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    key = protocol.strip().lower().replace("_", "-")
    builders = {"a": protocol_a, "b": protocol_b, "new-disease": new_disease,
                "newdisease": new_disease, "cold-disease": new_disease}
    if key not in builders:
        raise UnknownNameError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    return builders[key](associations, n_folds=n_folds, seed=seed, val_fraction=val_fraction)
