"""Over-smoothing measures on node embeddings: Dirichlet energy and MAD.

Both take ``x (N, C)`` (a torch tensor or an array) and an edge list ``edge_index
(2, E)`` that holds every undirected edge in both directions, and return a float.
They are computed in float64 on the tensor's device, in blocks, without gradients.
torch is imported on first use, so importing :mod:`graphmed.evaluation` stays light.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    import torch
    from torch import Tensor

#: Largest number of float64 entries (rows x columns or edges x channels) held at once.
BLOCK = 1 << 22


def _as_float64(x: Any, name: str = "x") -> Tensor:
    import torch

    x = torch.as_tensor(x).detach()
    if x.dim() != 2:
        raise ValueError(f"{name} must be 2-D (nodes x channels), got shape {tuple(x.shape)}")
    if x.size(0) == 0:
        raise ValueError(f"{name} has no nodes")
    return x.to(torch.float64)


def _as_edges(edge_index: Any, n: int, device: torch.device) -> Tensor:
    import torch

    edge_index = torch.as_tensor(edge_index, device=device)
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype.is_floating_point or edge_index.dtype == torch.bool:
        raise ValueError(f"edge_index must hold integer node ids, got dtype {edge_index.dtype}")
    edge_index = edge_index.long()
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= n):
        raise ValueError(f"edge_index refers to nodes outside 0..{n - 1}")
    return edge_index


def dirichlet_energy(x: Any, edge_index: Any) -> float:
    r"""``E(X) = (1/N) sum_i sum_{j in N(i)} ||x_i - x_j||^2`` over the edges ``(i, j)``.

    Shapes: ``x (N, C)``, ``edge_index (2, E)``. Zero when every node has the same
    embedding; each undirected edge counts twice when listed in both directions.
    """
    x = _as_float64(x)
    edge_index = _as_edges(edge_index, x.size(0), x.device)
    step = max(1, BLOCK // max(1, x.size(1)))
    total = x.new_zeros(())
    for start in range(0, edge_index.size(1), step):
        row, col = edge_index[:, start:start + step]
        total += (x[row] - x[col]).pow(2).sum()
    return float(total / x.size(0))


def _unit_rows(x: Tensor) -> Tensor:
    import torch

    # Zero rows stay zero: their cosine similarity is 0 and their distance 1 to every
    # node, the convention of the reference implementation (scikit-learn's cosine).
    norm = x.norm(dim=1, keepdim=True)
    return x / torch.where(norm > 0, norm, torch.ones_like(norm))


def mad(x: Any, edge_index: Any | None = None) -> float:
    r"""Mean average cosine distance (MAD), Chen et al., AAAI 2020, Eq. 1-4.

    ``D_ij = 1 - cos(x_i, x_j)`` over the target pairs: every pair of distinct nodes
    (``edge_index=None``) or the neighbour pairs ``(i, j)`` of ``edge_index``. Each node
    averages its non-zero distances, ``mean_i = sum_j D_ij / #{j: D_ij > 0}``, and MAD
    averages the non-zero node means. Zero when all embeddings point the same way.

    Shapes: ``x (N, C)``, ``edge_index (2, E)`` or ``None``. ``nan`` when an embedding is
    not finite (a diverged model): the measure is undefined there, not 0 ("all alike").
    """
    import torch

    x = _as_float64(x)
    if not bool(torch.isfinite(x).all()):
        return float("nan")
    unit = _unit_rows(x)
    n = unit.size(0)
    sums = unit.new_zeros(n)
    counts = unit.new_zeros(n)
    if edge_index is None:
        step = max(1, BLOCK // n)
        for start in range(0, n, step):
            block = (1 - unit[start:start + step] @ unit.t()).clamp_(0, 2)
            rows = torch.arange(block.size(0), device=unit.device)
            block[rows, rows + start] = 0  # a node's distance to itself
            sums[start:start + step] = block.sum(dim=1)
            counts[start:start + step] = (block > 0).sum(dim=1)
    else:
        edge_index = _as_edges(edge_index, n, unit.device)
        step = max(1, BLOCK // max(1, unit.size(1)))
        for start in range(0, edge_index.size(1), step):
            row, col = edge_index[:, start:start + step]
            dist = (1 - (unit[row] * unit[col]).sum(dim=1)).clamp_(0, 2)
            dist = torch.where(row == col, torch.zeros_like(dist), dist)
            sums.index_add_(0, row, dist)
            counts.index_add_(0, row, (dist > 0).to(dist.dtype))
    node_mean = sums / counts.clamp(min=1)
    nonzero = node_mean > 0
    return float(node_mean[nonzero].mean()) if bool(nonzero.any()) else 0.0


def layerwise(measure: Callable[..., float], layers: Sequence[Any],
              edge_index: Any | None = None) -> list[float]:
    """``[measure(h, edge_index) for h in layers]``, e.g. over a stack's per-layer embeddings.

    >>> energies = layerwise(dirichlet_energy, layers, data.edge_index)  # doctest: +SKIP
    >>> mads = layerwise(mad, layers)                     # all node pairs  # doctest: +SKIP
    """
    return [float(measure(h, edge_index)) for h in layers]
