"""MLP link decoder on the concatenated pair ``[h_s || h_d]``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn.decoders._pairs import check_embeddings, check_pairs

#: Largest number of hidden activations (pairs x hidden) :meth:`MLPDecoder.score_all`
#: holds at once.
SCORE_ALL_BLOCK = 1 << 24


class MLPDecoder(torch.nn.Module):
    """``score(s, d) = MLP([h_s || h_d])`` with ReLU between ``num_layers`` linear maps.

    The first linear map is split into a source and a destination part, so
    :meth:`score_all` computes each once and evaluates the rest of the MLP on all
    ``N_s x N_d`` pairs in blocks of source rows.

    Shapes: ``h_src (N_s, C)``, ``h_dst (N_d, C)``, ``pairs (2, n)`` -> logits ``(n,)``;
    :meth:`score_all` -> ``(N_s, N_d)``.
    """

    def __init__(self, channels: int, hidden_channels: int | None = None, num_layers: int = 2,
                 dropout: float = 0.0):
        super().__init__()
        hidden = channels if hidden_channels is None else hidden_channels
        check_settings("MLPDecoder", at_least={"channels": (channels, 1),
                                               "hidden_channels": (hidden, 1),
                                               "num_layers": (num_layers, 2)},
                       fractions={"dropout": dropout})
        self.channels, self.hidden_channels, self.num_layers = channels, hidden, num_layers
        self.dropout = float(dropout)
        self.lin_src = torch.nn.Linear(channels, hidden, bias=False)
        self.lin_dst = torch.nn.Linear(channels, hidden)
        self.hidden = torch.nn.ModuleList(
            torch.nn.Linear(hidden, hidden) for _ in range(num_layers - 2))
        self.lin_out = torch.nn.Linear(hidden, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in [self.lin_src, self.lin_dst, *self.hidden, self.lin_out]:
            lin.reset_parameters()

    def _rest(self, z: Tensor) -> Tensor:
        z = F.dropout(F.relu(z), self.dropout, self.training)
        for lin in self.hidden:
            z = F.dropout(F.relu(lin(z)), self.dropout, self.training)
        return self.lin_out(z).squeeze(-1)

    def forward(self, h_src: Tensor, h_dst: Tensor, pairs: Tensor) -> Tensor:
        check_pairs(h_src, h_dst, pairs, self.channels)
        return self._rest(self.lin_src(h_src[pairs[0]]) + self.lin_dst(h_dst[pairs[1]]))

    def score_all(self, h_src: Tensor, h_dst: Tensor) -> Tensor:
        check_embeddings(h_src, h_dst, self.channels)
        a, b = self.lin_src(h_src), self.lin_dst(h_dst)
        rows = max(1, SCORE_ALL_BLOCK // max(1, b.size(0) * self.hidden_channels))
        return torch.cat([self._rest(a[i:i + rows, None, :] + b[None, :, :])
                          for i in range(0, a.size(0), rows)], dim=0)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.channels}, hidden_channels={self.hidden_channels}, "
                f"num_layers={self.num_layers})")
