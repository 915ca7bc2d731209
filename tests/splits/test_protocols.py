"""Protocols A, B and new-disease: disjoint parts, partitions over folds, seeds, arguments."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.errors import GraphmedError, UnknownNameError
from graphmed.splits import PROTOCOLS, make_folds, new_disease, protocol_a, protocol_b
from graphmed.splits.fold import PARTS

N_FOLDS = 3


def keys(pairs: np.ndarray, shape) -> np.ndarray:
    """One int per (drug, disease) pair."""
    pairs = np.asarray(pairs).reshape(-1, 2)
    return pairs[:, 0] * shape[1] + pairs[:, 1]


def synthetic(n_drugs: int, n_diseases: int, density: float, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).random((n_drugs, n_diseases)) < density
    matrix[:, -1] = False  # a disease without known drug
    matrix[-1, :] = False  # a drug without known disease
    matrix[0, 0] = True
    return matrix


SYNTHETIC = {"30x20": synthetic(30, 20, 0.15, 0), "12x9": synthetic(12, 9, 0.35, 1),
             "50x7": synthetic(50, 7, 0.1, 2)}


@pytest.fixture(params=["fdataset", *SYNTHETIC])
def matrix(request):
    if request.param == "fdataset":
        return request.getfixturevalue("fdataset").associations
    return SYNTHETIC[request.param]


def _all_keys(matrix, known: bool) -> np.ndarray:
    return keys(np.argwhere(matrix == known), matrix.shape)


def _assert_partition(parts: list[np.ndarray], expected: np.ndarray) -> None:
    """``parts`` (key arrays) are disjoint and together are exactly ``expected``."""
    joined = np.concatenate(parts)
    assert len(np.unique(joined)) == len(joined), "parts overlap"
    assert np.array_equal(np.sort(joined), np.sort(expected))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_parts_are_disjoint_and_in_range(matrix, protocol):
    for fold in make_folds(protocol, matrix, n_folds=N_FOLDS, seed=0):
        assert fold.shape == matrix.shape and fold.protocol == protocol
        all_keys = [keys(getattr(fold, part), matrix.shape) for part in PARTS]
        for part in PARTS:
            pairs = getattr(fold, part)
            assert pairs.dtype == np.int64 and pairs.ndim == 2 and pairs.shape[1] == 2
            assert (pairs >= 0).all() and (pairs < matrix.shape).all()
        joined = np.concatenate(all_keys)
        assert len(np.unique(joined)) == len(joined), "a pair is in two parts (or twice in one)"
        for part in ("train_pos", "val_pos", "test_pos"):
            assert matrix[tuple(getattr(fold, part).T)].all(), f"{part} has an unknown pair"
        for part in ("train_neg", "val_neg", "test_neg"):
            assert not matrix[tuple(getattr(fold, part).T)].any(), f"{part} has a known pair"


def test_protocol_a_fold_covers_every_pair(matrix):
    folds = protocol_a(matrix, n_folds=N_FOLDS, seed=0)
    assert len(folds) == N_FOLDS and [f.index for f in folds] == list(range(N_FOLDS))
    everything = np.arange(matrix.size)
    for fold in folds:
        _assert_partition([keys(getattr(fold, p), matrix.shape) for p in PARTS], everything)
    _assert_partition([keys(f.test_pos, matrix.shape) for f in folds], _all_keys(matrix, True))
    _assert_partition([keys(f.test_neg, matrix.shape) for f in folds], _all_keys(matrix, False))
    sizes = [len(f.test_pos) for f in folds]
    assert max(sizes) - min(sizes) <= 1


def test_protocol_b_is_balanced_and_partitions_known_pairs(matrix):
    folds = protocol_b(matrix, n_folds=N_FOLDS, seed=0)
    _assert_partition([keys(f.test_pos, matrix.shape) for f in folds], _all_keys(matrix, True))
    negatives = [keys(f.test_neg, matrix.shape) for f in folds]
    _assert_partition(negatives, np.concatenate(negatives))  # disjoint over folds
    n_known = int(matrix.sum())
    assert sum(len(n) for n in negatives) == n_known
    for fold in folds:
        assert abs(len(fold.test_pos) - len(fold.test_neg)) <= 1
        train_pos = len(fold.train_pos) + len(fold.val_pos)
        train_neg = len(fold.train_neg) + len(fold.val_neg)
        assert abs(train_pos - train_neg) <= 1
        assert train_pos + train_neg + len(fold.test_pos) + len(fold.test_neg) == 2 * n_known
        # the same sampled negatives in every fold: test of one fold is training of another
        fold_negs = np.concatenate([keys(getattr(fold, p), matrix.shape)
                                    for p in ("train_neg", "val_neg", "test_neg")])
        assert np.array_equal(np.sort(fold_negs), np.sort(np.concatenate(negatives)))


def test_new_disease_holds_diseases_out_entirely(matrix):
    folds = new_disease(matrix, n_folds=N_FOLDS, seed=0)
    with_drugs = np.flatnonzero(matrix.any(axis=0))
    held = [f.held_out_diseases for f in folds]
    _assert_partition(held, with_drugs)
    for fold in folds:
        test_cols = np.isin(np.arange(matrix.shape[1]), fold.held_out_diseases)
        test_keys = np.concatenate([keys(fold.test_pos, matrix.shape), keys(fold.test_neg, matrix.shape)])
        _assert_partition([test_keys], keys(np.argwhere(np.ones_like(matrix) & test_cols), matrix.shape))
        assert np.array_equal(np.sort(keys(fold.test_pos, matrix.shape)),
                              keys(np.argwhere(matrix & test_cols), matrix.shape))
        for part in ("train_pos", "train_neg", "val_pos", "val_neg"):
            assert not np.isin(getattr(fold, part)[:, 1], fold.held_out_diseases).any(), part
        # training and validation diseases are disjoint too; every pair is somewhere
        val_diseases = np.unique(np.concatenate([fold.val_pos[:, 1], fold.val_neg[:, 1]]))
        train_diseases = np.unique(np.concatenate([fold.train_pos[:, 1], fold.train_neg[:, 1]]))
        assert not np.isin(val_diseases, train_diseases).any()
        assert np.isin(val_diseases, with_drugs).all()
        _assert_partition([keys(getattr(fold, p), matrix.shape) for p in PARTS], np.arange(matrix.size))
    without_drugs = np.flatnonzero(~matrix.any(axis=0))
    for fold in folds:  # diseases without a known drug stay in training
        assert np.isin(without_drugs, fold.train_neg[:, 1]).all()


@pytest.mark.parametrize("protocol", ["A", "B"])
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25])
def test_validation_fraction_of_pairs(matrix, protocol, fraction):
    for fold in make_folds(protocol, matrix, n_folds=N_FOLDS, seed=3, val_fraction=fraction):
        for sign in ("pos", "neg"):
            n_val = len(getattr(fold, f"val_{sign}"))
            n_rest = n_val + len(getattr(fold, f"train_{sign}"))
            assert n_val == round(fraction * n_rest)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25])
def test_validation_fraction_of_diseases(matrix, fraction):
    n_with_drugs = int(matrix.any(axis=0).sum())
    for fold in new_disease(matrix, n_folds=N_FOLDS, seed=3, val_fraction=fraction):
        val_diseases = np.unique(np.concatenate([fold.val_pos[:, 1], fold.val_neg[:, 1]]))
        assert len(val_diseases) == round(fraction * (n_with_drugs - len(fold.held_out_diseases)))
        if len(val_diseases):  # whole columns
            assert len(fold.val_pos) + len(fold.val_neg) == len(val_diseases) * matrix.shape[0]


def _same(folds_a, folds_b) -> bool:
    return all(np.array_equal(getattr(a, p), getattr(b, p))
               for a, b in zip(folds_a, folds_b) for p in (*PARTS, "held_out_diseases"))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_seed_determines_folds(matrix, protocol):
    first = make_folds(protocol, matrix, n_folds=N_FOLDS, seed=7)
    assert all(f.seed == 7 for f in first)
    assert _same(first, make_folds(protocol, matrix.copy(), n_folds=N_FOLDS, seed=7))
    assert not _same(first, make_folds(protocol, matrix, n_folds=N_FOLDS, seed=8))


def test_make_folds_names():
    matrix = SYNTHETIC["30x20"]
    for name, protocol in (("a", "A"), (" A ", "A"), ("b", "B"), ("new_disease", "new-disease"),
                           ("New-Disease", "new-disease")):
        assert make_folds(name, matrix, n_folds=N_FOLDS)[0].protocol == protocol
    assert _same(make_folds("a", matrix, n_folds=N_FOLDS, seed=1),
                 protocol_a(matrix, n_folds=N_FOLDS, seed=1))


def test_unknown_protocol():
    with pytest.raises(UnknownNameError, match="unknown protocol 'C'.*A, B, new-disease") as info:
        make_folds("C", SYNTHETIC["30x20"])
    assert isinstance(info.value, GraphmedError)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kwargs, match", [
    ({"n_folds": 1}, "n_folds"), ({"n_folds": 0}, "n_folds"),
    ({"val_fraction": -0.1}, "val_fraction"), ({"val_fraction": 1.0}, "val_fraction"),
    ({"n_folds": 1000}, "cannot be split"),
])
def test_invalid_arguments(protocol, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_folds(protocol, SYNTHETIC["30x20"], **kwargs)


def test_invalid_matrices():
    with pytest.raises(ValueError, match="2-D"):
        protocol_a(np.ones(10))
    with pytest.raises(ValueError, match="protocol B needs"):
        protocol_b(np.eye(4, dtype=bool) | np.tri(4, 4, -1, dtype=bool), n_folds=2)
    matrix = np.zeros((20, 5), dtype=bool)
    matrix[:, :2] = True
    with pytest.raises(ValueError, match="2 diseases"):
        new_disease(matrix, n_folds=3)


def test_associations_must_be_zero_or_one(fdataset):
    matrix = np.zeros((6, 5))
    matrix[:, 0] = 1.0
    for value in (np.nan, 2.0):
        bad = matrix.copy()
        bad[4, 3] = value
        with pytest.raises(GraphmedError, match=r"row 4, column 3: association values must be 0 or 1"):
            make_folds("A", bad, n_folds=2)
    # a data set stands for its matrix; a protocol that is not a name is named as such
    assert [f.test_pos.tolist() for f in make_folds("A", fdataset, n_folds=3)] == \
        [f.test_pos.tolist() for f in make_folds("A", fdataset.associations, n_folds=3)]
    with pytest.raises(UnknownNameError, match="protocol must be one of"):
        make_folds(None, matrix)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed must be an integer >= 0, got -1"),
    ({"seed": 1.5}, "seed must be an integer >= 0, got 1.5"),
    ({"seed": None}, "seed must be an integer >= 0, got None"),
    ({"n_folds": 2.5}, "n_folds must be an integer >= 2, got 2.5"),
    ({"n_folds": "3"}, "n_folds must be an integer >= 2, got '3'"),
    ({"val_fraction": "0.1"}, r"val_fraction must be in \[0, 1\), got '0.1'"),
])
def test_settings_are_named_before_splitting(protocol, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_folds(protocol, SYNTHETIC["30x20"], **kwargs)
