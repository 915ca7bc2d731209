"""Multi-hop context of seed nodes, sampled with plain torch tensor operations.

PyG's C++ samplers (pyg-lib, torch-sparse) are not needed: the graph is held in CSR form
(:func:`csr_from_edge_index`) and :func:`sample_hop_context` draws, for every seed at
once, ``sizes[h]`` nodes at hop ``h + 1`` by extending random walks one uniform
neighbour at a time.
"""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn._checks import check_edge_index, check_indices


def csr_from_edge_index(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """``(rowptr (N + 1,), col (E,))`` of the directed edges ``source -> target``, grouped by source."""
    check_settings("csr_from_edge_index", at_least={"num_nodes": (num_nodes, 0)})
    check_edge_index(edge_index, num_nodes)
    src, dst = edge_index
    order = torch.argsort(src, stable=True)
    counts = torch.bincount(src, minlength=num_nodes)
    rowptr = torch.zeros(num_nodes + 1, dtype=torch.long, device=edge_index.device)
    rowptr[1:] = torch.cumsum(counts, 0)
    return rowptr, dst[order]


def sample_hop_context(rowptr: Tensor, col: Tensor, seeds: Tensor, sizes: tuple[int, ...],
                       generator: torch.Generator | None = None
                       ) -> tuple[Tensor, Tensor, Tensor]:
    """Sample the multi-hop context of each seed.

    Hop ``h + 1`` has ``sizes[h]`` slots; slot ``j`` continues the walk of slot
    ``j mod sizes[h - 1]`` of hop ``h`` (the seed itself for hop 1) to a uniformly drawn
    out-neighbour. A walk that reaches a node without out-edges stops (its later slots are
    padding); a slot that lands on its own seed is padding but the walk goes on.

    Args:
        rowptr, col: CSR of the graph (:func:`csr_from_edge_index`).
        seeds: ``(B,)`` node indices.
        sizes: slots per hop, e.g. ``(16, 16, 32)``.
        generator: random generator (draws are reproducible with a seeded one).

    Returns:
        ``nodes (B, T)`` long, ``hops (T,)`` long and ``valid (B, T)`` bool, with
        ``T = 1 + sum(sizes)``; column 0 is the seed (hop 0, always valid).
    """
    if isinstance(sizes, (int, str)):
        raise TypeError(f"sizes must be a sequence of slot counts per hop, got {sizes!r}")
    sizes = tuple(sizes)
    check_settings("sample_hop_context", at_least={f"sizes[{h}]": (k, 1) for h, k in enumerate(sizes)})
    if rowptr.dim() != 1 or rowptr.numel() < 1:
        raise ValueError(f"rowptr must have shape (N + 1,), got {tuple(rowptr.shape)}")
    if seeds.dim() != 1:
        raise ValueError(f"seeds must have shape (B,), got {tuple(seeds.shape)}")
    check_indices(seeds, rowptr.numel() - 1, "seeds")
    seeds = seeds.long()
    current = seeds.view(-1, 1)
    alive = torch.ones_like(current, dtype=torch.bool)
    nodes, valid, hops = [current], [alive], [torch.zeros(1, dtype=torch.long)]
    last = max(col.numel() - 1, 0)
    for hop, k in enumerate(sizes, start=1):
        parent = torch.arange(int(k), device=seeds.device) % current.size(1)
        parents, parent_alive = current[:, parent], alive[:, parent]
        start = rowptr[parents]
        degree = rowptr[parents + 1] - start
        # drawn where the generator lives (a CPU generator serves seeds on any device)
        draw = torch.rand(parents.shape, generator=generator,
                          device=generator.device if generator is not None else seeds.device)
        draw = draw.to(seeds.device)
        offset = torch.minimum((draw * degree).long(), (degree - 1).clamp(min=0))
        alive = parent_alive & (degree > 0)
        nxt = torch.where(alive, col[(start + offset).clamp(max=last)] if col.numel() else parents,
                          torch.zeros_like(parents))
        nodes.append(nxt)
        valid.append(alive & (nxt != seeds.view(-1, 1)))
        hops.append(torch.full((int(k),), hop, dtype=torch.long))
        current = nxt
    return torch.cat(nodes, 1), torch.cat(hops).to(seeds.device), torch.cat(valid, 1)
