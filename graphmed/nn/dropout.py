"""Inverted dropout drawn from a uniform sample."""
from __future__ import annotations

import torch
from torch import Tensor


def dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Zero each entry with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The same distribution as :func:`torch.nn.functional.dropout`; the mask comes from
    ``rand_like(x) >= p``, several times faster on CPU than the Bernoulli sampler,
    which matters in stacks of dozens of layers. Shapes: ``x (*) -> (*)``.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return x * (torch.rand_like(x) >= p) * (1.0 / (1.0 - p))
