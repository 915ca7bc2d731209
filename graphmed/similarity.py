"""Similarity helpers shared by models: top-k sparsification and label-derived kernels.

Label-derived kernels (GIP) must be computed from a fold's *training* matrix only.
"""
from __future__ import annotations

import numpy as np


def topk_similarity(similarity: np.ndarray, k: int) -> np.ndarray:
    """Keep, per row, the ``k`` largest off-diagonal entries (negatives clipped to 0).

    Args:
        similarity: ``(n, n)`` matrix.
    Returns:
        ``(n, n)`` matrix with at most ``k`` non-zeros per row and a zero diagonal.
    """
    sim = np.array(similarity, dtype=np.float64)
    n = len(sim)
    k = min(k, n - 1)
    np.fill_diagonal(sim, -np.inf)
    out = np.zeros_like(sim)
    if k <= 0:
        return out
    idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    rows = np.arange(n)[:, None]
    out[rows, idx] = np.maximum(sim[rows, idx], 0.0)
    return out


def gip_kernel(profiles: np.ndarray, bandwidth: float = 1.0) -> np.ndarray:
    """Gaussian interaction-profile kernel of the rows of a 0/1 matrix (van Laarhoven 2011).

    ``K[i, j] = exp(-gamma * ||p_i - p_j||^2)`` with ``gamma = bandwidth / mean ||p_i||^2``.

    Args:
        profiles: ``(n, m)`` training association profiles.
    Returns:
        ``(n, n)`` kernel.
    """
    p = np.asarray(profiles, dtype=np.float64)
    sq = (p * p).sum(axis=1)
    mean = sq.mean()
    gamma = bandwidth / mean if mean > 0 else 1.0
    dist = np.maximum(sq[:, None] + sq[None, :] - 2.0 * p @ p.T, 0.0)
    return np.exp(-gamma * dist)


def mean_view(views: dict[str, np.ndarray], names: list[str] | None = None) -> np.ndarray:
    """Element-wise mean of the chosen similarity views."""
    if isinstance(names, str):
        names = [names]
    names = sorted(views) if names is None else list(names)
    if not names:
        raise ValueError("no similarity view chosen")
    unknown = [name for name in names if name not in views]
    if unknown:
        raise ValueError(f"unknown similarity view(s) {unknown}; the views are {sorted(views)}")
    return np.mean([np.asarray(views[name], dtype=np.float64) for name in names], axis=0)
