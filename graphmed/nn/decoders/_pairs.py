"""Checks shared by the link decoders."""
from __future__ import annotations

from torch import Tensor

from graphmed.nn._checks import check_index_rows


def check_embeddings(h_src: Tensor, h_dst: Tensor, channels: int | None = None) -> None:
    """``h_src (N_s, C)`` and ``h_dst (N_d, C)``, ``C = channels`` when the decoder has one."""
    if h_src.dim() != 2 or h_dst.dim() != 2:
        raise ValueError(f"h_src and h_dst must be 2-D, got shapes {tuple(h_src.shape)} "
                         f"and {tuple(h_dst.shape)}")
    width = h_src.size(1) if channels is None else channels
    for name, h in (("h_src", h_src), ("h_dst", h_dst)):
        if h.size(1) != width:
            raise ValueError(f"{name} must have {width} channels (the decoder's width), got "
                             f"shape {tuple(h.shape)}")


def check_pairs(h_src: Tensor, h_dst: Tensor, pairs: Tensor, channels: int | None = None) -> None:
    """``pairs`` must be ``(2, n)`` integer indices into ``h_src`` (row 0) and ``h_dst`` (row 1)."""
    check_embeddings(h_src, h_dst, channels)
    check_index_rows(pairs, (h_src.size(0), h_dst.size(0)), "pairs",
                     ("rows of h_src", "rows of h_dst"))
