"""Jumping knowledge: combine the embeddings of every layer into one.

Xu K, Li C, Tian Y, Sonobe T, Kawarabayashi K, Jegelka S. *Representation Learning on
Graphs with Jumping Knowledge Networks.* ICML 2018.
"""
from __future__ import annotations

import torch
from torch import Tensor

JK_MODES = (None, "cat", "max", "mean")


def check_jk(mode: str | None) -> str | None:
    if mode not in JK_MODES:
        raise ValueError(f"unknown jumping_knowledge {mode!r}; known: {', '.join(map(repr, JK_MODES))}")
    return mode


def jk_channels(mode: str | None, channels: int, num_layers: int) -> int:
    """Width of :func:`jumping_knowledge`'s output for ``num_layers`` inputs of ``channels``."""
    return channels * num_layers if check_jk(mode) == "cat" else channels


def jumping_knowledge(layers: list[Tensor], mode: str | None) -> Tensor:
    """``None``: the last layer; ``"cat"``: ``(N, L*C)``; ``"max"``/``"mean"``: ``(N, C)``
    element-wise over the ``L`` layers, each ``(N, C)``."""
    check_jk(mode)
    if isinstance(layers, Tensor) or not layers:
        raise ValueError("jumping_knowledge needs a non-empty list of layer embeddings")
    shapes = {tuple(h.shape) for h in layers}
    if len(shapes) > 1:
        raise ValueError(f"jumping_knowledge needs layers of one shape, got {sorted(shapes)}")
    if mode is None:
        return layers[-1]
    if mode == "cat":
        return torch.cat(layers, dim=-1)
    stacked = torch.stack(layers, dim=0)
    return stacked.max(dim=0).values if mode == "max" else stacked.mean(dim=0)
