"""PairNorm: keep the total pairwise distance of node embeddings constant across layers.

Zhao L, Akoglu L. *PairNorm: Tackling Oversmoothing in GNNs.* ICLR 2020.
"""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings

PAIRNORM_MODES = ("pn", "si", "scs")


class PairNorm(torch.nn.Module):
    """Centre the node embeddings, then rescale them (full graph, no parameters).

    Modes (Zhao & Akoglu 2020, Eq. 3 and Sec. 4):

    * ``"pn"``: ``x_c = x - mean(x)``; ``s * x_c / sqrt(mean_i ||x_c_i||^2)``, so the
      mean squared row norm is ``s^2``;
    * ``"si"`` (scale-individually): ``s * x_c_i / ||x_c_i||``, every row has norm ``s``;
    * ``"scs"`` (scale-and-centre-shift): ``s * x_i / ||x_i|| - mean``.

    Shapes: ``x (N, C) -> (N, C)``.
    """

    def __init__(self, scale: float = 1.0, mode: str = "pn", eps: float = 1e-5):
        super().__init__()
        if mode not in PAIRNORM_MODES:
            raise ValueError(f"unknown PairNorm mode {mode!r}; known: {', '.join(PAIRNORM_MODES)}")
        check_settings("PairNorm", positive={"scale": scale, "eps": eps})
        self.scale, self.mode, self.eps = float(scale), mode, float(eps)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PairNorm has no parameters; present so every layer can be reset alike."""

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2:
            raise ValueError(f"PairNorm normalises node embeddings (N, C), got shape {tuple(x.shape)}")
        if self.mode == "scs":
            x = x / (x.norm(dim=-1, keepdim=True) + self.eps)
            return self.scale * x - self.scale * x.mean(dim=0, keepdim=True)
        x = x - x.mean(dim=0, keepdim=True)
        if self.mode == "pn":
            return self.scale * x / (x.pow(2).sum(dim=-1).mean() + self.eps).sqrt()
        return self.scale * x / (x.norm(dim=-1, keepdim=True) + self.eps)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(scale={self.scale}, mode={self.mode!r})"
