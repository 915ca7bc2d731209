"""Inner-product link decoder: ``score(s, d) = <h_s, h_d>``."""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.nn.decoders._pairs import check_embeddings, check_pairs


class InnerProductDecoder(torch.nn.Module):
    """Parameter-free dot product (Kipf & Welling, *Variational Graph Auto-Encoders*, 2016).

    Shapes: ``h_src (N_s, C)``, ``h_dst (N_d, C)``, ``pairs (2, n)`` -> logits ``(n,)``;
    :meth:`score_all` -> ``(N_s, N_d)``.
    """

    def __init__(self):
        super().__init__()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """No parameters; present so every decoder can be reset alike."""

    def forward(self, h_src: Tensor, h_dst: Tensor, pairs: Tensor) -> Tensor:
        check_pairs(h_src, h_dst, pairs)
        return (h_src[pairs[0]] * h_dst[pairs[1]]).sum(dim=-1)

    def score_all(self, h_src: Tensor, h_dst: Tensor) -> Tensor:
        check_embeddings(h_src, h_dst)
        return h_src @ h_dst.t()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"
