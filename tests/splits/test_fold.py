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
