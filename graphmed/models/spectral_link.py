"""Link prediction by a spectral transformation of the training adjacency: no training loop.

The symmetric training adjacency ``A`` (``N x N``) is decomposed once, ``A = U diag(λ) U^T``,
and a pair ``(i, j)`` is scored by ``S_ij = sum_k f(λ_k) U_ik U_jk`` with soft thresholding
``f(λ) = sign(λ) max(|λ| - τ, 0)``: the nuclear-norm-regularised least-squares
reconstruction of ``A`` (Cai, Candès and Shen, SIAM J. Optim. 2010), a low-rank model whose
rank falls as ``τ`` grows. ``τ`` is chosen among candidates by a validation metric (by default
Hits@20 of validation positives against validation negatives); test pairs are never read.

Negative eigenvalues are kept on purpose. The ogbl-ddi adjacency has large negative
eigenvalues (groups of drugs that interact with other groups more than among themselves),
which a dot-product decoder ``<h_i, h_j>`` cannot express: its score matrix is positive
semi-definite. On ogbl-ddi's validation edges, scores from the eigenvalues of largest
modulus reach Hits@20 .73 at rank 128, against .07 with the largest positive eigenvalues only.

The decomposition is dense: ``O(N^3)`` time and a few ``N x N`` float64 matrices of memory
(ogbl-ddi, 4,267 nodes: 146 MB each, about a minute on one CPU core; the whole benchmark
process peaks at 2.5 GB), so graphs are limited to :data:`MAX_NODES` nodes.

>>> model = SpectralLinkModel().fit(train_edges, num_nodes, valid_pos, valid_neg)  # doctest: +SKIP
>>> model.score(pairs)                                                                # doctest: +SKIP
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

from graphmed.evaluation.metrics import hits_at_k

#: Largest graph :class:`SpectralLinkModel` decomposes (dense ``N x N`` float64 matrices).
MAX_NODES = 20_000
#: Default candidate thresholds ``τ`` (in units of the adjacency's eigenvalues).
DEFAULT_THRESHOLDS = (10.0, 15.0, 20.0, 25.0, 30.0, 40.0)


def _check_pairs(pairs, num_nodes: int, what: str) -> torch.Tensor:
    pairs = torch.as_tensor(pairs)
    if pairs.dim() != 2 or pairs.size(1) != 2:
        raise ValueError(f"{what}: expected node pairs of shape (n, 2), got {tuple(pairs.shape)}")
    if pairs.dtype.is_floating_point or pairs.dtype == torch.bool:
        raise ValueError(f"{what}: node ids must be integers, got {pairs.dtype}")
    pairs = pairs.long()
    if pairs.numel() and (int(pairs.min()) < 0 or int(pairs.max()) >= num_nodes):
        bad = int(((pairs < 0) | (pairs >= num_nodes)).any(1).nonzero()[0])
        raise ValueError(f"{what}: row {bad} has node ids {pairs[bad].tolist()} outside "
                         f"[0, {num_nodes})")
    return pairs


def soft_threshold(eigenvalues: torch.Tensor, tau: float) -> torch.Tensor:
    """``sign(λ) max(|λ| - τ, 0)``, elementwise."""
    return torch.sign(eigenvalues) * (eigenvalues.abs() - tau).clamp(min=0)


class SpectralLinkModel:
    """Scores ``U f(Λ) U^T`` of the training adjacency, ``f`` soft thresholding at a ``τ``
    chosen on validation pairs.

    Args:
        thresholds: candidate ``τ`` values (``>= 0``); with one candidate no validation
            pairs are needed.
        k: the validation metric is Hits@``k`` (validation positives against the validation
            negatives), unless :meth:`fit` gets ``metric``.
        max_rank: keep at most this many eigenpairs (those of largest ``|λ|``), whatever ``τ``.
        keep_decomposition: keep the eigendecomposition after :meth:`fit` (``N x N`` float64)
            so that :meth:`use_threshold` can switch ``τ`` without decomposing again.
        device: where the decomposition runs (``"cuda"`` when there is a GPU); the kept
            eigenpairs and all scores live on the CPU.

    After :meth:`fit`: :attr:`tau` (chosen), :attr:`rank` (eigenpairs kept),
    :attr:`selection` (``τ`` -> validation metric) and :attr:`timings` (seconds).
    """

    name = "spectral"

    def __init__(self, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS, k: int = 20,
                 max_rank: int | None = None, keep_decomposition: bool = False,
                 device: str | torch.device = "cpu"):
        thresholds = tuple(float(t) for t in thresholds)
        if not thresholds or not all(np.isfinite(t) and t >= 0 for t in thresholds):
            raise ValueError(f"thresholds must be a non-empty sequence of finite values >= 0, "
                             f"got {thresholds}")
        if int(k) < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if max_rank is not None and int(max_rank) < 1:
            raise ValueError(f"max_rank must be >= 1 or None, got {max_rank}")
        self.thresholds, self.k = thresholds, int(k)
        self.max_rank = None if max_rank is None else int(max_rank)
        self.keep_decomposition = bool(keep_decomposition)
        self.device = torch.device(device)
        self._decomposition: tuple[torch.Tensor, torch.Tensor] | None = None
        self.num_nodes = 0
        self.tau: float | None = None
        self.rank = 0
        self.selection: dict[float, float] = {}
        self.timings: dict[str, float] = {}
        self._left: torch.Tensor | None = None   # (N, rank): U_r * f(λ_r)
        self._right: torch.Tensor | None = None  # (N, rank): U_r

    def config(self) -> dict:
        return {"thresholds": list(self.thresholds), "k": self.k, "max_rank": self.max_rank,
                "device": str(self.device)}

    def fit(self, edges, num_nodes: int, valid_pos=None, valid_neg=None, *,
            metric: Callable[[torch.Tensor, torch.Tensor], float] | None = None
            ) -> "SpectralLinkModel":
        """Decompose the adjacency of ``edges`` and choose ``τ``.

        Args:
            edges: ``(E, 2)`` training edges, undirected (either direction or both).
            num_nodes: ``N``, nodes of the graph.
            valid_pos, valid_neg: ``(P, 2)`` and ``(Q, 2)`` validation pairs; required when
                there is more than one candidate ``τ``.
            metric: ``metric(pos_scores, neg_scores) -> float``, higher is better
                (default: Hits@``k``).
        """
        num_nodes = int(num_nodes)
        if num_nodes < 2:
            raise ValueError(f"num_nodes must be >= 2, got {num_nodes}")
        if num_nodes > MAX_NODES:
            raise ValueError(f"{num_nodes} nodes: the dense eigendecomposition is limited to "
                             f"{MAX_NODES} nodes ({num_nodes ** 2 * 8 / 2**30:.1f} GB per matrix)")
        edges = _check_pairs(edges, num_nodes, "edges")
        if len(edges) == 0:
            raise ValueError("edges: no training edges")
        several = len(self.thresholds) > 1
        if several and (valid_pos is None or valid_neg is None):
            raise ValueError(f"{len(self.thresholds)} candidate thresholds: valid_pos and "
                             "valid_neg are needed to choose one")
        if valid_pos is not None:
            valid_pos = _check_pairs(valid_pos, num_nodes, "valid_pos")
            valid_neg = _check_pairs(valid_neg, num_nodes, "valid_neg")
            if len(valid_pos) == 0 or len(valid_neg) == 0:
                raise ValueError("valid_pos and valid_neg must each hold at least one pair")
        metric = metric or (lambda pos, neg: hits_at_k(pos, neg, self.k))
        self.num_nodes = num_nodes

        start = time.perf_counter()
        adjacency = torch.zeros(num_nodes, num_nodes, dtype=torch.float64, device=self.device)
        on_device = edges.to(self.device)
        adjacency[on_device[:, 0], on_device[:, 1]] = 1.0
        adjacency[on_device[:, 1], on_device[:, 0]] = 1.0
        adjacency.fill_diagonal_(0.0)
        eigenvalues, eigenvectors = torch.linalg.eigh(adjacency)
        del adjacency
        eigenvalues, eigenvectors = eigenvalues.cpu(), eigenvectors.cpu()
        order = torch.argsort(eigenvalues.abs(), descending=True)
        if self.max_rank is not None:
            order = order[:self.max_rank]
        eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
        self.timings["eigendecomposition_s"] = time.perf_counter() - start

        start = time.perf_counter()
        self.selection = {}
        best = None
        for tau in self.thresholds:
            self._set(eigenvalues, eigenvectors, tau)
            if not several:
                best = tau
                break
            value = float(metric(self.score(valid_pos), self.score(valid_neg)))
            self.selection[tau] = value
            if best is None or value > self.selection[best]:
                best = tau
        self._set(eigenvalues, eigenvectors, best)
        self.timings["selection_s"] = time.perf_counter() - start
        self._decomposition = (eigenvalues, eigenvectors) if self.keep_decomposition else None
        return self

    def use_threshold(self, tau: float) -> "SpectralLinkModel":
        """Score with threshold ``tau`` from now on (e.g. to report every candidate beside
        the chosen one); needs ``keep_decomposition=True``."""
        if self._decomposition is None:
            raise RuntimeError("use_threshold needs a model fitted with keep_decomposition=True")
        if not (np.isfinite(tau) and tau >= 0):
            raise ValueError(f"tau must be finite and >= 0, got {tau}")
        self._set(*self._decomposition, float(tau))
        return self

    def _set(self, eigenvalues: torch.Tensor, eigenvectors: torch.Tensor, tau: float) -> None:
        weights = soft_threshold(eigenvalues, tau)
        rank = int((weights != 0).sum())  # eigenvalues are sorted by |λ|: the kept ones lead
        self.tau, self.rank = tau, rank
        self._right = eigenvectors[:, :rank].contiguous()
        self._left = self._right * weights[:rank]

    def score(self, pairs) -> torch.Tensor:
        """Scores ``(n,)`` float64 of ``(n, 2)`` node pairs (higher: more likely an edge)."""
        if self._left is None:
            raise RuntimeError("SpectralLinkModel: call fit() before score()")
        pairs = _check_pairs(pairs, self.num_nodes, "pairs")
        out = torch.empty(len(pairs), dtype=torch.float64)
        for i in range(0, len(pairs), 65_536):  # bounded memory: two (batch, rank) gathers
            chunk = pairs[i:i + 65_536]
            out[i:i + 65_536] = (self._left[chunk[:, 0]] * self._right[chunk[:, 1]]).sum(1)
        return out

    def embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(left, right)``, both ``(N, rank)``: ``score(i, j) = <left_i, right_j>``."""
        if self._left is None:
            raise RuntimeError("SpectralLinkModel: call fit() first")
        return self._left, self._right


__all__ = ["DEFAULT_THRESHOLDS", "MAX_NODES", "SpectralLinkModel", "soft_threshold"]
