"""Global multi-head self-attention over all nodes of a graph (no edges needed)."""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn._checks import check_heads


class NodeSelfAttention(torch.nn.Module):
    """Every node attends to every node: ``softmax(Q K^T / sqrt(d)) V`` with ``heads`` heads.

    Full graph, one sequence of ``N`` tokens; memory grows as ``N^2`` on backends without
    fused attention, so it suits graphs of up to some ten thousand nodes.

    Shapes: ``x (N, C) -> (N, C)``.
    """

    def __init__(self, channels: int, heads: int = 1, dropout: float = 0.0):
        super().__init__()
        check_heads("NodeSelfAttention", "channels", channels, heads)
        check_settings("NodeSelfAttention", fractions={"dropout": dropout})
        self.channels, self.heads = channels, heads
        self.attn = torch.nn.MultiheadAttention(channels, heads, dropout=dropout, batch_first=True)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.attn._reset_parameters()  # input projections and biases
        self.attn.out_proj.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2 or x.size(1) != self.channels:
            raise ValueError(f"x must have shape (N, {self.channels}), got {tuple(x.shape)}")
        x = x.unsqueeze(0)
        return self.attn(x, x, x, need_weights=False)[0].squeeze(0)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.channels}, heads={self.heads})"
