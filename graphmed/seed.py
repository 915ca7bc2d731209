"""Seeds: always recorded, drawn and logged when not given."""
from __future__ import annotations

import logging
import random
import secrets

import numpy as np

logger = logging.getLogger(__name__)


def resolve_seed(seed: int | None) -> int:
    """Return ``seed``, or draw a fresh one and log it so the run can be repeated."""
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)
        logger.warning("no seed given; drew seed=%d (pass it to repeat this run)", seed)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return
    torch.manual_seed(seed)
