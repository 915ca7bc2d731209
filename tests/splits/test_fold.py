"""A fold's pairs are checked when it is made: no silent re-pairing, truncation or wrap-around."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.errors import DataFormatError
from graphmed.splits.fold import Fold

EMPTY = np.zeros((0, 2), dtype=np.int64)


def _fold(train_pos, shape=(4, 3)):
    return Fold("A", 2, 0, shape, train_pos, EMPTY, EMPTY, EMPTY, EMPTY, EMPTY)


@pytest.mark.parametrize("pairs, match", [
    (np.array([[0, 1, 2], [1, 2, 0]]), r"fold 2 train_pos: pairs must have shape \(n, 2\), got \(2, 3\)"),
    (np.array([0, 1, 2]), r"fold 2 train_pos: pairs must have shape \(n, 2\), got \(3,\)"),
    (np.array([[0.7, 1.2]]), "fold 2 train_pos: pairs must be integer indices, got dtype float64"),
    (np.array([[1, 0], [-1, 1]]), r"fold 2 train_pos, row 1, column 0: drug index -1 out of range \[0, 4\)"),
    (np.array([[1, 3]]), r"fold 2 train_pos, row 0, column 1: disease index 3 out of range \[0, 3\)"),
])
def test_bad_pairs_are_named(pairs, match):
    with pytest.raises(DataFormatError, match=match):
        _fold(pairs)


def test_bad_shape_is_named():
    with pytest.raises(DataFormatError, match=r"fold 2: shape must be \(n_drugs, n_diseases\), got \(4,\)"):
        _fold(EMPTY, shape=(4,))


def test_good_pairs_are_kept_in_order():
    fold = _fold([[3, 2], [0, 0]])
    assert fold.train_pos.dtype == np.int64
    assert fold.train_pos.tolist() == [[3, 2], [0, 0]]
    assert fold.test_neg.shape == (0, 2) and _fold([]).train_pos.shape == (0, 2)


def _part(train_pos, pool=None):
    from graphmed.splits.fold import TrainPart

    pool = np.ones((4, 3), dtype=bool) if pool is None else pool
    return TrainPart(train_pos, EMPTY, EMPTY, EMPTY, pool)


@pytest.mark.parametrize("pairs, match", [
    (np.array([0, 1]), r"TrainPart.train_pos: pairs must have shape \(n, 2\)"),
    (np.array([[0.5, 1.0]]), "TrainPart.train_pos: pairs must be integer indices"),
    (np.array([[4, 0]]), r"TrainPart.train_pos, row 0, column 0: drug index 4 out of range \[0, 4\)"),
])
def test_a_hand_built_training_part_is_checked(pairs, match):
    with pytest.raises(DataFormatError, match=match):
        _part(pairs)


def test_a_training_part_needs_a_bool_pool_and_a_link_task_a_positive(fdataset):
    from graphmed.tasks.link_prediction import build_link_task

    with pytest.raises(DataFormatError, match="negative_pool must be a 2-D bool matrix"):
        _part(EMPTY, pool=np.ones((4, 3)))
    assert _part([]).train_pos.shape == (0, 2)
    empty = _part(EMPTY, pool=np.ones(fdataset.associations.shape, dtype=bool))
    with pytest.raises(DataFormatError, match="no positive pair to learn from"):
        build_link_task(fdataset, empty)
    fold_part = _part(np.argwhere(fdataset.associations)[:5],
                      pool=np.ones(fdataset.associations.shape, dtype=bool))
    for weight in (-1, "auto"):
        with pytest.raises(ValueError, match=r"pos_weight \('balanced' or a number\) must be"):
            build_link_task(fdataset, fold_part, pos_weight=weight)
