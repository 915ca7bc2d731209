"""Bilinear link decoder: ``score(s, d) = h_s^T W h_d`` with a full ``C x C`` matrix."""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn.decoders._pairs import check_embeddings, check_pairs


class BilinearDecoder(torch.nn.Module):
    """Full bilinear form (RESCAL-style, Nickel et al. ICML 2011), asymmetric in general.

    ``W`` starts as the identity, i.e. as the inner product.

    Shapes: ``h_src (N_s, C)``, ``h_dst (N_d, C)``, ``pairs (2, n)`` -> logits ``(n,)``;
    :meth:`score_all` -> ``(N_s, N_d)``.
    """

    def __init__(self, channels: int):
        super().__init__()
        check_settings("BilinearDecoder", at_least={"channels": (channels, 1)})
        self.channels = channels
        self.weight = torch.nn.Parameter(torch.empty(channels, channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.copy_(torch.eye(self.channels))

    def forward(self, h_src: Tensor, h_dst: Tensor, pairs: Tensor) -> Tensor:
        check_pairs(h_src, h_dst, pairs, self.channels)
        return ((h_src[pairs[0]] @ self.weight) * h_dst[pairs[1]]).sum(dim=-1)

    def score_all(self, h_src: Tensor, h_dst: Tensor) -> Tensor:
        check_embeddings(h_src, h_dst, self.channels)
        return h_src @ self.weight @ h_dst.t()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.channels})"
