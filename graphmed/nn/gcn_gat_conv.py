"""A hybrid layer: a GCN branch and a GAT branch on the same graph, combined per node."""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import GATConv, GCNConv

from graphmed.checks import check_settings
from graphmed.nn._checks import check_heads

COMBINES = ("gate", "sum")


class GCNGATConv(torch.nn.Module):
    """``GCNConv`` (fixed degree-normalised weights) and ``GATConv`` (learned attention).

    ``combine="sum"``: ``h = gcn(x) + gat(x)``; ``combine="gate"``: a learned per-node,
    per-channel gate ``g = sigmoid(W [gcn(x) || gat(x)] + b)``, ``h = g * gcn(x) +
    (1 - g) * gat(x)``. Edge weights scale the GCN messages and are a 1-d edge feature
    of the GAT attention.

    Shapes: ``x (N, C_in)``, ``edge_index (2, E)``, ``edge_weight (E,)`` -> ``(N, C_out)``.
    """

    def __init__(self, in_channels: int, out_channels: int, heads: int = 1,
                 combine: str = "gate"):
        super().__init__()
        if combine not in COMBINES:
            raise ValueError(f"unknown combine {combine!r}; known: {', '.join(COMBINES)}")
        check_settings("GCNGATConv", at_least={"in_channels": (in_channels, 1)})
        check_heads("GCNGATConv", "out_channels", out_channels, heads)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.heads, self.combine = heads, combine
        self.gcn = GCNConv(in_channels, out_channels)
        self.gat = GATConv(in_channels, out_channels // heads, heads=heads, edge_dim=1)
        self.gate = torch.nn.Linear(2 * out_channels, out_channels) if combine == "gate" else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.gcn.reset_parameters()
        self.gat.reset_parameters()
        if self.gate is not None:
            self.gate.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        h_gcn = self.gcn(x, edge_index, edge_weight)
        edge_attr = None if edge_weight is None else edge_weight.view(-1, 1).to(x.dtype)
        h_gat = self.gat(x, edge_index, edge_attr=edge_attr)
        if self.gate is None:
            return h_gcn + h_gat
        g = torch.sigmoid(self.gate(torch.cat([h_gcn, h_gat], dim=-1)))
        return g * h_gcn + (1 - g) * h_gat

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
                f"heads={self.heads}, combine={self.combine!r})")
