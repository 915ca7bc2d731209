"""DropEdge: remove a random fraction of edges at every training step.

Rong Y, Huang W, Xu T, Huang J. *DropEdge: Towards Deep Graph Convolutional Networks on
Node Classification.* ICLR 2020.
"""
from __future__ import annotations

from torch import Tensor
import torch

from graphmed.checks import check_settings


def drop_edge(edge_index: Tensor, p: float, training: bool,
              edge_weight: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
    """Keep each edge independently with probability ``1 - p`` while ``training``.

    Args:
        edge_index: ``(2, E)`` edge list.
        p: drop probability in ``[0, 1)``.
        training: when ``False`` (evaluation) the edges come back unchanged.
        edge_weight: optional per-edge values ``(E, ...)`` (weights, types or features),
            filtered with the edges; weights are not rescaled (a normalising conv such as
            GCN renormalises the degrees).

    Returns:
        ``(edge_index (2, E'), edge_weight (E', ...) or None)``.
    """
    check_settings("drop_edge", fractions={"probability p": p})
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype.is_floating_point or edge_index.dtype == torch.bool:
        raise ValueError(f"edge_index must hold integer node indices, got dtype {edge_index.dtype}")
    if edge_weight is not None and (edge_weight.dim() == 0
                                    or edge_weight.size(0) != edge_index.size(1)):
        raise ValueError(f"edge_weight must have {edge_index.size(1)} rows (one per edge), "
                         f"got shape {tuple(edge_weight.shape)}")
    if not training or p == 0.0:
        return edge_index, edge_weight
    keep = torch.rand(edge_index.size(1), device=edge_index.device) >= p
    return edge_index[:, keep], None if edge_weight is None else edge_weight[keep]
