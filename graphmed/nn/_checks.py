"""Argument checks shared by the layers: settings, node features, edge lists and node pairs.

Every check is vectorised (a few reductions over the tensor) and names the argument and,
when it finds one, the first offending entry.
"""
from __future__ import annotations

import weakref

import torch
from torch import Tensor

from graphmed.checks import check_settings


def check_stack_args(owner: str, num_layers: int, dropout: float, drop_edge: float,
                     hidden_channels: int, heads: int) -> None:
    """Raise ``ValueError`` for settings no stack accepts."""
    check_settings(owner, at_least={"num_layers": (num_layers, 1)},
                   fractions={"dropout": dropout, "drop_edge": drop_edge})
    check_heads(owner, "hidden_channels", hidden_channels, heads)


def check_heads(owner: str, name: str, channels: int, heads: int) -> None:
    """``channels`` and ``heads`` integers ``>= 1``, ``channels`` divisible by ``heads``."""
    check_settings(owner, at_least={name: (channels, 1), "heads": (heads, 1)})
    if channels % heads:
        raise ValueError(f"{owner}: {name} ({channels}) must be divisible by heads ({heads})")


def _check_tensor(value, name: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")


def _is_integer(dtype: torch.dtype) -> bool:
    return not (dtype.is_floating_point or dtype.is_complex or dtype == torch.bool)


def _at(first: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, first))}]"


#: Tensors found finite: ids -> (the tensors, their version counters then). A training loop
#: feeds the same feature matrices to every step; they are read once, not at every step.
_FOUND_FINITE: dict[tuple[int, ...], tuple[tuple["weakref.ref[Tensor]", ...], tuple[int, ...]]] = {}


def _memo_key(tensors: tuple[Tensor, ...]) -> tuple[int, ...] | None:
    """Key of ``tensors`` in :data:`_FOUND_FINITE`; ``None`` when one may change unseen
    (it requires gradients, or is an inference tensor without a version counter)."""
    if any(t.requires_grad or t.is_inference() for t in tensors):
        return None
    return tuple(id(t) for t in tensors)


def _known_finite(key: tuple[int, ...], tensors: tuple[Tensor, ...]) -> bool:
    """Whether ``tensors`` were found finite and torch has not written to them since."""
    entry = _FOUND_FINITE.get(key)
    return (entry is not None and all(ref() is t for ref, t in zip(entry[0], tensors))
            and entry[1] == tuple(t._version for t in tensors))


def _remember_finite(key: tuple[int, ...], tensors: tuple[Tensor, ...]) -> None:
    if len(_FOUND_FINITE) >= 16:
        _FOUND_FINITE.clear()
    _FOUND_FINITE[key] = (tuple(weakref.ref(t) for t in tensors),
                          tuple(t._version for t in tensors))


def check_finite(values: Tensor, name: str, where: str = "", *,
                 rows: Tensor | None = None) -> None:
    """Raise ``ValueError`` naming the first NaN or infinite entry of ``values`` (with
    ``rows``, a bool ``(N,)`` mask: of the rows where it is True only).

    Tensors that do not require gradients are remembered once found finite, until torch
    writes to them in place, so the features of every training step are read once."""
    if not (values.dtype.is_floating_point or values.dtype.is_complex):
        return
    tensors = (values,) if rows is None else (values, rows)
    key = _memo_key(tensors)
    if key is not None and _known_finite(key, tensors):
        return
    bad = ~torch.isfinite(values)
    if rows is not None:
        bad &= rows.reshape(-1, *([1] * (values.dim() - 1)))
    if bool(bad.any()):
        first = tuple(bad.nonzero()[0].tolist())
        raise ValueError(f"{name}{_at(first)} is {values[first].item()}: {name} must be "
                         f"finite{where}")
    if key is not None:
        _remember_finite(key, tensors)


def check_dtype(x: Tensor, dtype: torch.dtype | None, name: str) -> None:
    """``x`` floating point and, outside autocast, of ``dtype`` (the layer's weights)."""
    autocast = torch.is_autocast_enabled(x.device.type)
    if not x.dtype.is_floating_point or (dtype is not None and x.dtype != dtype and not autocast):
        wanted = dtype if dtype is not None else "floating point"
        raise ValueError(f"{name} must be {wanted} like the layer's weights, got {x.dtype}")


def check_features(x, width: int, name: str = "x", dtype: torch.dtype | None = None) -> None:
    """``x``: a finite ``(N, width)`` floating-point tensor (of ``dtype``, the layer's weights)."""
    _check_tensor(x, name)
    if x.dim() != 2 or x.size(1) != width:
        raise ValueError(f"{name} must have shape (N, {width}), got {tuple(x.shape)}")
    check_dtype(x, dtype, name)
    check_finite(x, name)


def _check_integer_tensor(index, name: str) -> None:
    _check_tensor(index, name)
    if not _is_integer(index.dtype):
        raise ValueError(f"{name} must hold integer indices, got dtype {index.dtype}")


def check_indices(index, size: int, name: str) -> None:
    """``index``: integer tensor with every entry in ``[0, size)``; names the first one outside."""
    _check_integer_tensor(index, name)
    if index.numel() == 0:
        return
    low, high = (int(v) for v in torch.aminmax(index))
    if low < 0 or high >= size:
        first = tuple(((index < 0) | (index >= size)).nonzero()[0].tolist())
        raise ValueError(f"{name}{_at(first)} = {int(index[first])} is outside [0, {size})")


def check_index_rows(index, sizes: tuple[int, ...], name: str, what: tuple[str, ...]) -> None:
    """``index``: ``(R, n)`` integers, row ``r`` in ``[0, sizes[r])`` (``what[r]`` says of what)."""
    _check_tensor(index, name)
    if index.dim() != 2 or index.size(0) != len(sizes):
        raise ValueError(f"{name} must have shape ({len(sizes)}, n), got {tuple(index.shape)}")
    _check_integer_tensor(index, name)
    if index.numel() == 0:
        return
    low, high = torch.aminmax(index, dim=1)
    for r, (lo, hi, size) in enumerate(zip(low.tolist(), high.tolist(), sizes)):
        if lo < 0 or hi >= size:
            col = int(((index[r] < 0) | (index[r] >= size)).nonzero()[0])
            raise ValueError(f"{name}[{r}, {col}] = {int(index[r, col])} is outside [0, {size}) "
                             f"({what[r]})")


def check_edge_index(edge_index, num_nodes: int, name: str = "edge_index",
                     num_targets: int | None = None) -> None:
    """``edge_index``: ``(2, E)`` integer node indices, sources (row 0) in ``[0, num_nodes)``
    and targets (row 1) in ``[0, num_targets)`` (default ``num_nodes``)."""
    _check_tensor(edge_index, name)
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"{name} must have shape (2, E), got {tuple(edge_index.shape)}")
    targets = num_nodes if num_targets is None else num_targets
    check_index_rows(edge_index, (num_nodes, targets), name,
                     (f"source nodes of {num_nodes}", f"target nodes of {targets}"))


def check_node_pairs(pairs, num_nodes: int, what: str) -> Tensor:
    """``pairs``: ``(n, 2)`` integer node ids in ``[0, num_nodes)`` (anything ``torch.as_tensor``
    reads); returns them as a long tensor."""
    pairs = torch.as_tensor(pairs)
    if pairs.dim() != 2 or pairs.size(1) != 2:
        raise ValueError(f"{what}: expected node pairs of shape (n, 2), got {tuple(pairs.shape)}")
    if not _is_integer(pairs.dtype):
        raise ValueError(f"{what}: node ids must be integers, got {pairs.dtype}")
    pairs = pairs.long()
    if pairs.numel() and (int(pairs.min()) < 0 or int(pairs.max()) >= num_nodes):
        bad = int(((pairs < 0) | (pairs >= num_nodes)).any(1).nonzero()[0])
        raise ValueError(f"{what}: row {bad} has node ids {pairs[bad].tolist()} outside "
                         f"[0, {num_nodes})")
    return pairs


def check_edge_weight(edge_weight, num_edges: int, name: str = "edge_weight") -> None:
    """``edge_weight``: ``(E,)`` finite real numbers."""
    _check_tensor(edge_weight, name)
    if edge_weight.shape != (num_edges,):
        raise ValueError(f"{name} must have shape ({num_edges},), got {tuple(edge_weight.shape)}")
    if edge_weight.dtype == torch.bool or edge_weight.dtype.is_complex:
        raise ValueError(f"{name} must hold real numbers, got dtype {edge_weight.dtype}")
    check_finite(edge_weight, name)


def check_edge_type(edge_type, num_edges: int, num_types: int, name: str = "edge_type") -> None:
    """``edge_type``: ``(E,)`` integers in ``[0, num_types)``."""
    _check_tensor(edge_type, name)
    if edge_type.shape != (num_edges,):
        raise ValueError(f"{name} must have shape ({num_edges},), got {tuple(edge_type.shape)}")
    check_indices(edge_type, num_types, name)


def check_mask(mask, shape: tuple[int, ...], name: str) -> None:
    """``mask``: a bool tensor of ``shape``."""
    _check_tensor(mask, name)
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(mask.shape)}")
    if mask.dtype != torch.bool:
        raise ValueError(f"{name} must be a bool tensor, got dtype {mask.dtype}")
