"""Top-k neighbour edges from a dense similarity matrix."""
from __future__ import annotations

import numpy as np
import torch

from graphmed.errors import DataFormatError

#: Rows are processed in blocks of at most this many matrix entries.
_BLOCK_ENTRIES = 1 << 24


def topk_neighbours(similarity: np.ndarray | torch.Tensor, k: int) -> torch.Tensor:
    """The ``k`` most similar other nodes of every node.

    Args:
        similarity: ``(n, n)`` matrix, row ``i`` holds the similarity of ``i`` to every node.
        k: neighbours per node; capped at ``n - 1``.

    Returns:
        ``(n, min(k, n - 1))`` int64, row ``i`` the neighbours of ``i`` (never ``i`` itself),
        in no particular order.
    """
    sim = _as_square(similarity)
    n = sim.shape[0]
    k = min(_check_k(k), max(n - 1, 0))
    if k == 0:
        return torch.zeros((n, 0), dtype=torch.long)
    block = max(1, _BLOCK_ENTRIES // max(n, 1))
    parts = []
    for start in range(0, n, block):
        rows = sim[start:start + block].clone()
        local = torch.arange(rows.shape[0])
        rows[local, local + start] = -torch.inf
        parts.append(rows.topk(k, dim=1, sorted=False).indices)
    return torch.cat(parts)


def similarity_edges(similarity: np.ndarray | torch.Tensor, k: int, *, symmetric: bool = True,
                     self_loops: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Edges of a top-k neighbour graph, weighted by similarity.

    For every node ``i`` and each ``j`` among its ``k`` most similar other nodes there is an
    edge ``j -> i`` (``edge_index[:, e] = (j, i)``), so that under PyG's source-to-target
    flow a node aggregates from its nearest neighbours. Edge weights are
    ``similarity[target, source]``.

    Args:
        similarity: ``(n, n)`` similarity matrix.
        k: neighbours per node (capped at ``n - 1``).
        symmetric: also add ``i -> j`` for every ``j -> i`` (union, without duplicates).
        self_loops: add ``i -> i`` for every node, weighted by the diagonal.

    Returns:
        ``edge_index`` ``(2, E)`` int64 sorted by (source, target), and ``edge_weight``
        ``(E,)`` float32.
    """
    sim = _as_square(similarity)
    n = sim.shape[0]
    neighbours = topk_neighbours(sim, k)
    target = torch.arange(n).repeat_interleave(neighbours.shape[1])
    source = neighbours.reshape(-1)
    if symmetric:
        source, target = torch.cat([source, target]), torch.cat([target, source])
    if self_loops:
        loops = torch.arange(n)
        source, target = torch.cat([source, loops]), torch.cat([target, loops])
    key = torch.unique(source * n + target)
    source, target = key // n, key % n
    edge_index = torch.stack([source, target])
    return edge_index, sim[target, source].to(torch.float32)


def _as_square(similarity) -> torch.Tensor:
    if torch.is_tensor(similarity):
        sim = similarity.detach().cpu()
        if sim.dtype == torch.bool or sim.is_complex():
            raise DataFormatError(f"similarity matrix must be real numbers, got dtype {sim.dtype}")
    else:
        array = np.asarray(similarity)
        if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
            raise DataFormatError(f"similarity matrix must be real numbers, got dtype {array.dtype}")
        sim = torch.from_numpy(np.ascontiguousarray(array))
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise DataFormatError(f"similarity matrix must be square (n, n), got shape {tuple(sim.shape)}")
    sim = sim.to(torch.float64)
    if not torch.isfinite(sim).all():
        raise DataFormatError("similarity matrix has NaN or infinite values")
    return sim


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"top_k must be a positive integer, got {k!r}")
    return int(k)
