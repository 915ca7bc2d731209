"""Node-embedding normalisations by name, for the layer stacks."""
from __future__ import annotations

import torch

from graphmed.nn.pair_norm import PairNorm

NORMS = (None, "pairnorm", "layernorm", "batchnorm")


def check_norm(name: str | None) -> str | None:
    if name not in NORMS:
        raise ValueError(f"unknown norm {name!r}; known: {', '.join(map(repr, NORMS))}")
    return name


def make_norm(name: str | None, channels: int) -> torch.nn.Module:
    """``PairNorm``, ``LayerNorm(channels)``, ``BatchNorm1d(channels)`` or ``Identity``."""
    check_norm(name)
    if name == "pairnorm":
        return PairNorm()
    if name == "layernorm":
        return torch.nn.LayerNorm(channels)
    if name == "batchnorm":
        return torch.nn.BatchNorm1d(channels)
    return torch.nn.Identity()
