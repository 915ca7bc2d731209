"""topk_similarity, gip_kernel and mean_view."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.similarity import gip_kernel, mean_view, topk_similarity


def _random_similarity(n: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).random((n, n))
    return (a + a.T) / 2 + np.eye(n)  # the diagonal is the largest entry of each row


@pytest.mark.parametrize("k", [1, 3, 7])
def test_topk_keeps_the_k_largest_off_diagonal(k):
    sim = _random_similarity(12)
    before = sim.copy()
    out = topk_similarity(sim, k)
    assert np.array_equal(sim, before), "input modified"
    assert out.shape == sim.shape
    assert np.all(np.diag(out) == 0)
    assert np.all((out != 0).sum(axis=1) == k)
    for i in range(len(sim)):
        others = np.delete(np.arange(len(sim)), i)
        expected = others[np.argsort(-sim[i, others])[:k]]
        assert set(np.flatnonzero(out[i])) == set(expected)
        assert np.array_equal(out[i, expected], sim[i, expected])


def test_topk_clips_negatives_and_caps_k():
    sim = np.array([[1.0, -0.5, -0.2, 0.3],
                    [-0.5, 1.0, 0.4, -0.1],
                    [-0.2, 0.4, 1.0, 0.9],
                    [0.3, -0.1, 0.9, 1.0]])
    out = topk_similarity(sim, 2)
    assert np.array_equal(out, [[0, 0, 0, 0.3],
                                [0, 0, 0.4, 0],
                                [0, 0.4, 0, 0.9],
                                [0.3, 0, 0.9, 0]])
    full = topk_similarity(np.abs(sim), 10)  # k > n - 1: every off-diagonal entry
    assert np.array_equal(full, np.abs(sim) - np.eye(4))
    assert not topk_similarity(sim, 0).any()


def test_gip_kernel_hand_computed():
    profiles = np.array([[1, 0], [0, 1], [1, 1]])
    kernel = gip_kernel(profiles)
    gamma = 1 / (4 / 3)  # mean squared norm is 4/3
    expected = np.exp(-gamma * np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]]))
    np.testing.assert_allclose(kernel, expected)
    np.testing.assert_allclose(gip_kernel(profiles, bandwidth=0.5), np.exp(-0.5 * gamma * np.array(
        [[0, 2, 1], [2, 0, 1], [1, 1, 0]])))


@pytest.mark.parametrize("seed", [0, 1])
def test_gip_kernel_properties(seed):
    profiles = np.random.default_rng(seed).random((40, 25)) < 0.1
    kernel = gip_kernel(profiles)
    assert kernel.shape == (40, 40)
    np.testing.assert_allclose(np.diag(kernel), 1.0)
    np.testing.assert_allclose(kernel, kernel.T)
    assert (kernel > 0).all() and (kernel <= 1).all()
    assert np.linalg.eigvalsh(kernel).min() > -1e-8  # a Gaussian kernel is positive semi-definite
    same = np.flatnonzero((profiles == profiles[0]).all(axis=1))
    assert np.allclose(kernel[0, same], 1.0)


def test_gip_kernel_without_labels():
    assert np.array_equal(gip_kernel(np.zeros((3, 4))), np.ones((3, 3)))


def test_mean_view():
    views = {"b": np.full((2, 2), 3.0), "a": np.ones((2, 2))}
    assert np.array_equal(mean_view(views), np.full((2, 2), 2.0))
    assert np.array_equal(mean_view(views, ["b"]), views["b"])
    with pytest.raises(ValueError, match=r"unknown similarity view\(s\) \['c'\]; the views are \['a', 'b'\]"):
        mean_view(views, ["c"])
    assert np.array_equal(mean_view(views, "a"), views["a"])  # one name, not its letters
