"""DistMult link decoder: ``score(s, d) = sum_k h_s[k] r[k] h_d[k]``."""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn.decoders._pairs import check_embeddings, check_pairs


class DistMultDecoder(torch.nn.Module):
    """Diagonal bilinear form for one relation (Yang et al., ICLR 2015), symmetric in s, d.

    The relation vector ``r`` starts as ones, i.e. as the inner product.

    Shapes: ``h_src (N_s, C)``, ``h_dst (N_d, C)``, ``pairs (2, n)`` -> logits ``(n,)``;
    :meth:`score_all` -> ``(N_s, N_d)``.
    """

    def __init__(self, channels: int):
        super().__init__()
        check_settings("DistMultDecoder", at_least={"channels": (channels, 1)})
        self.channels = channels
        self.relation = torch.nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.ones_(self.relation)

    def forward(self, h_src: Tensor, h_dst: Tensor, pairs: Tensor) -> Tensor:
        check_pairs(h_src, h_dst, pairs, self.channels)
        return (h_src[pairs[0]] * self.relation * h_dst[pairs[1]]).sum(dim=-1)

    def score_all(self, h_src: Tensor, h_dst: Tensor) -> Tensor:
        check_embeddings(h_src, h_dst, self.channels)
        return (h_src * self.relation) @ h_dst.t()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.channels})"
