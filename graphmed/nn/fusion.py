"""Fusion of node modalities (structure, text, molecules) that tolerates missing ones.

Every module takes the modalities as a mapping ``name -> (values, mask)`` with
``values`` ``(N, d_m)`` and ``mask`` ``(N,)`` bool (``True`` where node ``i`` has the
modality). A missing modality contributes nothing to a node: its values are never read
(they may be NaN).

- :class:`EarlyFusion`: concatenate the (zeroed where missing) modalities and their
  masks, then one linear projection.
- :class:`AttentionFusion`: project each modality, then a per-node softmax over the
  modalities the node has (additive attention, as in HAN's semantic attention).
- :class:`LateFusion`: combine per-modality predictions with learned weights,
  renormalised over the modalities available to each prediction.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor, nn

from graphmed.checks import check_settings
from graphmed.nn._checks import check_dtype, check_finite, check_mask

Modalities = Mapping[str, tuple[Tensor, Tensor]]

FUSIONS = ("early", "attention", "late")


def _check(modalities: Modalities, names: tuple[str, ...], dims: Mapping[str, int],
           dtype: torch.dtype) -> int:
    """Validate shapes, dtypes and the values present; returns the number of nodes."""
    if not isinstance(modalities, Mapping):
        raise TypeError(f"modalities must be a mapping name -> (values, mask), got "
                        f"{type(modalities).__name__}")
    missing = [n for n in names if n not in modalities]
    if missing:
        raise ValueError(f"modalities {missing} are missing; expected {list(names)}")
    n_nodes = None
    for name in names:
        values, mask = _pair(modalities[name], name)
        if values.dim() != 2 or values.size(1) != dims[name]:
            raise ValueError(f"modality {name!r}: values must be (N, {dims[name]}), "
                             f"got {tuple(values.shape)}")
        check_dtype(values, dtype, f"modality {name!r}: values")
        check_mask(mask, (values.size(0),), f"modality {name!r}: mask")
        check_finite(values, f"modality {name!r} values", " where mask is True", rows=mask)
        if n_nodes is None:
            n_nodes = values.size(0)
        elif values.size(0) != n_nodes:
            raise ValueError(f"modality {name!r} has {values.size(0)} rows, the others {n_nodes}")
    return int(n_nodes)


def _pair(entry, name: str) -> tuple[Tensor, Tensor]:
    """The ``(values, mask)`` tensors of one modality, or a ``TypeError`` that names it."""
    if hasattr(entry, "values") and hasattr(entry, "mask") and hasattr(entry, "tensors"):
        raise TypeError(f"modality {name!r}: pass ModalityFeatures as tensors, "
                        f"features.tensors() -> (values, mask)")
    if not isinstance(entry, (tuple, list)) or len(entry) != 2:
        raise TypeError(f"modality {name!r} must be a (values, mask) pair of tensors, got "
                        f"{type(entry).__name__}")
    for part, what in zip(entry, ("values", "mask")):
        if not isinstance(part, Tensor):
            raise TypeError(f"modality {name!r}: {what} must be a torch.Tensor, got "
                            f"{type(part).__name__} (torch.as_tensor converts arrays)")
    return entry[0], entry[1]


def _present(values: Tensor, mask: Tensor) -> Tensor:
    """``values`` with the rows of nodes lacking the modality set to 0 (never read); no
    copy where every node has it."""
    if bool(mask.all()):
        return values
    return values.masked_fill(~mask.unsqueeze(1), 0.0)


class _Fusion(nn.Module):
    def __init__(self, dims: Mapping[str, int], out_channels: int, dropout: float):
        super().__init__()
        if not dims:
            raise ValueError("fusion needs at least one modality")
        owner = type(self).__name__
        check_settings(owner, at_least={"out_channels": (out_channels, 1),
                                        **{f"dims[{n!r}]": (d, 1) for n, d in dims.items()}},
                       fractions={"dropout": dropout})
        self.names = tuple(dims)
        self.dims = dict(dims)

    def _check(self, modalities: Modalities) -> int:
        return _check(modalities, self.names, self.dims, next(self.parameters()).dtype)


class EarlyFusion(_Fusion):
    """``W [x_1 * m_1, m_1, ..., x_M * m_M, m_M] + b``: ``(N, out_channels)``.

    The mask bits let the projection tell "missing" from "all-zero features".
    """

    def __init__(self, dims: Mapping[str, int], out_channels: int, dropout: float = 0.0):
        super().__init__(dims, out_channels, dropout)
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(sum(dims.values()) + len(dims), out_channels)

    def forward(self, modalities: Modalities) -> tuple[Tensor, None]:
        self._check(modalities)
        parts = []
        for name in self.names:
            values, mask = modalities[name]
            parts += [_present(values, mask), mask.to(values.dtype).unsqueeze(1)]
        return self.linear(self.dropout(torch.cat(parts, dim=1))), None


class AttentionFusion(_Fusion):
    """Per-node attention over projected modalities.

    ``z_m = W_m x_m``, ``e_m = q^T tanh(A z_m + a)``, ``alpha = softmax_m(e_m)`` over the
    modalities present at the node, output ``sum_m alpha_m z_m``. A node with no modality
    gets a zero vector and zero weights.

    Returns ``(fused (N, out_channels), weights (N, M))`` (columns in ``names`` order).
    """

    def __init__(self, dims: Mapping[str, int], out_channels: int, dropout: float = 0.0,
                 attention_channels: int = 32):
        super().__init__(dims, out_channels, dropout)
        check_settings("AttentionFusion", at_least={"attention_channels": (attention_channels, 1)})
        self.dropout = nn.Dropout(dropout)
        self.projections = nn.ModuleDict({n: nn.Linear(d, out_channels) for n, d in dims.items()})
        self.key = nn.Linear(out_channels, attention_channels)
        self.query = nn.Linear(attention_channels, 1, bias=False)

    def forward(self, modalities: Modalities) -> tuple[Tensor, Tensor]:
        self._check(modalities)
        z = torch.stack([self.projections[n](self.dropout(_present(*modalities[n])))
                         for n in self.names], dim=1)                             # (N, M, H)
        mask = torch.stack([modalities[n][1] for n in self.names], dim=1)          # (N, M)
        logits = self.query(torch.tanh(self.key(z))).squeeze(-1)                   # (N, M)
        logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=1).nan_to_num(0.0) * mask
        return (weights.unsqueeze(-1) * z).sum(dim=1), weights


class LateFusion(nn.Module):
    """Weighted mean of per-modality predictions with learned global weights.

    ``score = sum_m w_m a_m s_m / sum_m w_m a_m`` with ``w = softmax(logits)`` and
    ``a_m`` the availability of modality ``m`` for each prediction (e.g. a drug–disease
    pair where both nodes lack the modality). Where no modality is available the score is 0.
    """

    def __init__(self, names: tuple[str, ...] | list[str]):
        super().__init__()
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"LateFusion: names must be a sequence of modality names, got {names!r}")
        if not names:
            raise ValueError("late fusion needs at least one modality")
        if len(set(names)) != len(names):
            raise ValueError(f"LateFusion: names must be distinct, got {tuple(names)}")
        self.names = tuple(names)
        self.logits = nn.Parameter(torch.zeros(len(self.names)))

    @property
    def weights(self) -> Tensor:
        """``(M,)`` modality weights (softmax of the learned logits)."""
        return torch.softmax(self.logits, dim=0)

    def forward(self, scores: Tensor, available: Tensor | None = None) -> Tensor:
        """``scores`` ``(M, *shape)``, ``available`` bool of the same shape or None -> ``shape``;
        scores where ``available`` is False are never read."""
        if not isinstance(scores, Tensor):
            raise TypeError(f"scores must be a torch.Tensor (M, ...), got {type(scores).__name__}")
        if scores.dim() == 0 or scores.size(0) != len(self.names):
            raise ValueError(f"expected {len(self.names)} modality scores, got scores of shape "
                             f"{tuple(scores.shape)}")
        shape = (-1,) + (1,) * (scores.dim() - 1)
        w = self.weights.view(shape).to(scores.dtype)
        if available is None:
            check_finite(scores, "scores")
            return (w * scores).sum(dim=0)
        check_mask(available, scores.shape, "available")
        scores = scores.masked_fill(~available, 0.0)
        check_finite(scores, "scores", " where available")
        wa = w * available.to(scores.dtype)
        return (wa * scores).sum(dim=0) / wa.sum(dim=0).clamp(min=1e-12)


def make_fusion(kind: str, dims: Mapping[str, int], out_channels: int,
                dropout: float = 0.0) -> EarlyFusion | AttentionFusion:
    """A node-level fusion module (``"early"`` or ``"attention"``)."""
    if kind == "early":
        return EarlyFusion(dims, out_channels, dropout)
    if kind == "attention":
        return AttentionFusion(dims, out_channels, dropout)
    raise ValueError(f"unknown node-level fusion {kind!r}; known: early, attention "
                     "('late' combines predictions, see LateFusion)")
