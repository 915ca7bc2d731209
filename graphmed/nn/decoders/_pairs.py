"""Checks shared by the link decoders."""
from __future__ import annotations

from torch import Tensor


def check_pairs(h_src: Tensor, h_dst: Tensor, pairs: Tensor) -> None:
    """``pairs`` must be ``(2, n)`` integer indices into ``h_src`` (row 0) and ``h_dst`` (row 1)."""
    if h_src.dim() != 2 or h_dst.dim() != 2:
        raise ValueError(f"h_src and h_dst must be 2-D, got shapes {tuple(h_src.shape)} "
                         f"and {tuple(h_dst.shape)}")
    if pairs.dim() != 2 or pairs.size(0) != 2:
        raise ValueError(f"pairs must have shape (2, n), got {tuple(pairs.shape)}")
    if pairs.dtype.is_floating_point or pairs.dtype == bool:
        raise ValueError(f"pairs must hold integer indices, got dtype {pairs.dtype}")
