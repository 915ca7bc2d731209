"""Link prediction by a spectral transformation of the (degree-normalised) training
adjacency: no training loop.

The symmetric training adjacency ``A`` (``N x N``, degrees ``d``) is normalised,
``Â = D^-a A D^-a``, and decomposed once, ``Â = U diag(λ) U^T``. A pair ``(i, j)`` is scored
by

    S_ij = d_i^b d_j^b sum_k f(λ_k) U_ik U_jk,    f(λ) = sign(λ) max(|λ| - τ ρ, 0),

with ``ρ = max |λ|`` the spectral radius: soft thresholding gives the nuclear-norm-regularised
least-squares reconstruction of ``Â`` (Cai, Candès and Shen, SIAM J. Optim. 2010), a low-rank
model whose rank falls as ``τ`` grows; ``D^b`` maps it back to the adjacency's scale
(``b = a``) or, with ``b < a``, lets high-degree nodes dominate less. ``a = b = 0`` is the plain
adjacency. The normalisation ``a``, the degree exponent ``b`` and ``τ`` are chosen jointly
among candidates by a validation metric (by default Hits@20 of validation positives against
validation negatives); test pairs are never read.

Negative eigenvalues are kept on purpose. The ogbl-ddi adjacency has large negative
eigenvalues (groups of drugs that interact with other groups more than among themselves),
which a dot-product decoder ``<h_i, h_j>`` cannot express: its score matrix is positive
semi-definite. On ogbl-ddi's validation edges, scores of the plain adjacency from the
eigenvalues of largest modulus reach Hits@20 .73 at rank 128, against .07 with the largest
positive eigenvalues only. Normalising helps there: validation Hits@20 .760 for the plain
adjacency at its best threshold, .802 for ``a = b = 0.5`` and .838 for ``a = 0.4, b = 0.3``
(``τ = 0.03``); its test edges do not follow (.782 for that choice against .788 for the
plain adjacency, ``benchmarks/ogbl_ddi.py``): there, validation is a poor guide.

The decomposition is dense: ``O(N^3)`` time and a few ``N x N`` float64 matrices of memory
(ogbl-ddi, 4,267 nodes: 146 MB each, about 20 s on one CPU core per normalisation), so
graphs are limited to :data:`MAX_NODES` nodes.

>>> model = SpectralLinkModel().fit(train_edges, num_nodes, valid_pos, valid_neg)  # doctest: +SKIP
>>> model.score(pairs)                                                                # doctest: +SKIP
"""
from __future__ import annotations

import itertools
import time
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from graphmed.checks import check_settings
from graphmed.device import resolve_device
from graphmed.evaluation.metrics import hits_at_k
from graphmed.nn._checks import check_finite, check_node_pairs

#: Largest graph :class:`SpectralLinkModel` decomposes (dense ``N x N`` float64 matrices).
MAX_NODES = 20_000
#: Default candidate thresholds ``τ``, as fractions of the spectral radius.
DEFAULT_THRESHOLDS = (0.02, 0.025, 0.03, 0.035, 0.04, 0.05)
#: Default candidate normalisation exponents ``a`` (``D^-a A D^-a``; 0: the plain adjacency).
DEFAULT_NORMALIZATIONS = (0.3, 0.4, 0.5)
#: Default candidate degree exponents ``b`` of the scores (``D^b S D^b``).
DEFAULT_DEGREE_EXPONENTS = (0.2, 0.3, 0.4, 0.5)


def _candidates(values, name: str, *, lowest: float | None = 0.0) -> tuple[float, ...]:
    values = tuple(float(v) for v in values)
    if not values or not all(np.isfinite(v) and (lowest is None or v >= lowest) for v in values):
        bound = "" if lowest is None else f" >= {lowest:g}"
        raise ValueError(f"{name} must be a non-empty sequence of finite values{bound}, "
                         f"got {values}")
    return values


def _products(left: torch.Tensor, right: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """``<left_i, right_j>`` of checked ``(n, 2)`` pairs, float64."""
    out = torch.empty(len(pairs), dtype=torch.float64)
    for i in range(0, len(pairs), 65_536):  # bounded memory: two (batch, rank) gathers
        chunk = pairs[i:i + 65_536]
        out[i:i + 65_536] = (left[chunk[:, 0]] * right[chunk[:, 1]]).sum(1)
    return out


def _rescaled(products: torch.Tensor, pairs: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``products * scale_i * scale_j`` (the degree rescaling ``(d_i d_j)^b``)."""
    return products * (scale[pairs[:, 0]] * scale[pairs[:, 1]])


def soft_threshold(eigenvalues: torch.Tensor, tau: float) -> torch.Tensor:
    """``sign(λ) max(|λ| - τ, 0)``, elementwise (``τ`` in the eigenvalues' units)."""
    return torch.sign(eigenvalues) * (eigenvalues.abs() - tau).clamp(min=0)


class SpectralLinkModel:
    """Scores ``D^b U f(Λ) U^T D^b`` of the normalised training adjacency ``D^-a A D^-a``,
    ``f`` soft thresholding at ``τ`` times the spectral radius; ``(a, b, τ)`` chosen on
    validation pairs.

    Args:
        thresholds: candidate ``τ`` values, fractions of the spectral radius (``>= 0``).
        normalizations: candidate ``a`` (``>= 0``); each costs one decomposition.
        degree_exponents: candidate ``b``.
        k: the validation metric is Hits@``k`` (validation positives against the validation
            negatives), unless :meth:`fit` gets ``metric``.
        max_rank: keep at most this many eigenpairs (those of largest ``|λ|``), whatever ``τ``.
        keep_decomposition: keep every decomposition after :meth:`fit` (``N x N`` float64
            each) so that :meth:`use_candidate` can switch to any candidate without
            decomposing again.
        device: where the decomposition runs (``"cuda"`` when there is a GPU); the kept
            eigenpairs and all scores live on the CPU.

    With a single candidate ``(a, b, τ)`` no validation pairs are needed. After :meth:`fit`:
    :attr:`normalization`, :attr:`degree_exponent`, :attr:`tau` (chosen), :attr:`rank`
    (eigenpairs kept), :attr:`eigenvalues` (of the chosen normalisation's matrix, sorted by
    ``|λ|``, at most ``max_rank``), :attr:`selection` (``(a, b, τ)`` -> validation metric)
    and :attr:`timings` (seconds).
    """

    name = "spectral"

    def __init__(self, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
                 normalizations: tuple[float, ...] = DEFAULT_NORMALIZATIONS,
                 degree_exponents: tuple[float, ...] = DEFAULT_DEGREE_EXPONENTS, k: int = 20,
                 max_rank: int | None = None, keep_decomposition: bool = False,
                 device: str | torch.device = "cpu"):
        self.thresholds = _candidates(thresholds, "thresholds")
        self.normalizations = _candidates(normalizations, "normalizations")
        self.degree_exponents = _candidates(degree_exponents, "degree_exponents", lowest=None)
        check_settings("SpectralLinkModel", at_least={
            "k": (k, 1), **({} if max_rank is None else {"max_rank (or None)": (max_rank, 1)})})
        self.k = int(k)
        self.max_rank = None if max_rank is None else int(max_rank)
        self.keep_decomposition = bool(keep_decomposition)
        self.device = resolve_device(device, type(self).__name__)
        # normalisation a -> (eigenvalues sorted by |λ|, eigenvectors, degrees)
        self._decompositions: dict[float, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        self.num_nodes = 0
        self.normalization: float | None = None
        self.degree_exponent: float | None = None
        self.tau: float | None = None
        self.rank = 0
        self.eigenvalues: torch.Tensor | None = None
        self.selection: dict[tuple[float, float, float], float] = {}
        self.timings: dict[str, float] = {}
        self._left: torch.Tensor | None = None   # (N, rank): U_r f(λ_r)
        self._right: torch.Tensor | None = None  # (N, rank): U_r
        self._scale: torch.Tensor | None = None  # (N,): d^b

    def config(self) -> dict:
        return {"thresholds": list(self.thresholds), "normalizations": list(self.normalizations),
                "degree_exponents": list(self.degree_exponents), "k": self.k,
                "max_rank": self.max_rank, "device": str(self.device)}

    def candidates(self) -> list[tuple[float, float, float]]:
        """Every ``(a, b, τ)`` :meth:`fit` scores, in its order."""
        return list(itertools.product(self.normalizations, self.degree_exponents, self.thresholds))

    def fit(self, edges, num_nodes: int, valid_pos=None, valid_neg=None, *,
            metric: Callable[[torch.Tensor, torch.Tensor], float] | None = None,
            progress: bool = False) -> "SpectralLinkModel":
        """Decompose the normalised adjacency of ``edges`` and choose ``(a, b, τ)``.

        Args:
            edges: ``(E, 2)`` training edges, undirected (either direction or both).
            num_nodes: ``N``, nodes of the graph.
            valid_pos, valid_neg: ``(P, 2)`` and ``(Q, 2)`` validation pairs; required when
                there is more than one candidate.
            metric: ``metric(pos_scores, neg_scores) -> float``, higher is better
                (default: Hits@``k``).
            progress: a bar over the eigendecompositions and the candidates scored.
        """
        check_settings("SpectralLinkModel.fit", at_least={"num_nodes": (num_nodes, 2)})
        num_nodes = int(num_nodes)
        if num_nodes > MAX_NODES:
            raise ValueError(f"{num_nodes} nodes: the dense eigendecomposition is limited to "
                             f"{MAX_NODES} nodes ({num_nodes ** 2 * 8 / 2**30:.1f} GB per matrix)")
        edges = check_node_pairs(edges, num_nodes, "edges")
        if len(edges) == 0:
            raise ValueError("edges: no training edges")
        if bool((edges[:, 0] == edges[:, 1]).all()):
            raise ValueError("edges: every training edge is a self-loop (ignored): no graph left")
        candidates = self.candidates()
        several = len(candidates) > 1
        if several and (valid_pos is None or valid_neg is None):
            raise ValueError(f"{len(candidates)} candidate (normalization, degree exponent, "
                             "threshold) settings: valid_pos and valid_neg are needed to choose one")
        if valid_pos is not None:
            valid_pos = check_node_pairs(valid_pos, num_nodes, "valid_pos")
            valid_neg = check_node_pairs(valid_neg, num_nodes, "valid_neg")
            if len(valid_pos) == 0 or len(valid_neg) == 0:
                raise ValueError("valid_pos and valid_neg must each hold at least one pair")
        metric = metric or (lambda pos, neg: hits_at_k(pos, neg, self.k))
        self.num_nodes = num_nodes
        self._decompositions = {}
        self.timings = {"eigendecomposition_s": 0.0, "selection_s": 0.0}

        selection, order = {}, {c: i for i, c in enumerate(candidates)}
        best, best_decomposition = candidates[0], None
        per_decomposition = 1 + (len(self.thresholds) * len(self.degree_exponents) if several else 0)
        bar = tqdm(total=len(self.normalizations) * per_decomposition, desc="spectral model",
                   unit="step", disable=not progress, leave=False)
        for a in self.normalizations:
            start = time.perf_counter()
            bar.set_description(f"spectral model: eigendecomposition (a {a:g})")
            decomposition = self._decompose(edges, a)
            bar.update()
            self.timings["eigendecomposition_s"] += time.perf_counter() - start
            if self.keep_decomposition:
                self._decompositions[a] = decomposition
            if not several:
                best_decomposition = decomposition
                continue
            start = time.perf_counter()
            bar.set_description("spectral model: scoring candidates")
            for (b, tau), _, (pos, neg) in self._sweep(decomposition, valid_pos, valid_neg):
                c = (a, b, tau)
                selection[c] = float(metric(pos, neg))
                # the highest value; among equal ones the first candidate
                if best_decomposition is None or (selection[c], -order[c]) > (selection[best], -order[best]):
                    best, best_decomposition = c, decomposition
                bar.set_postfix(best=f"{selection[best]:.3f}")
                bar.update()
            self.timings["selection_s"] += time.perf_counter() - start
        bar.close()
        self.selection = {c: selection[c] for c in candidates} if several else {}
        self._use(best_decomposition, *best)
        return self

    def _decompose(self, edges: torch.Tensor, a: float):
        """Eigenpairs of ``D^-a A D^-a`` sorted by ``|λ|`` (at most ``max_rank``), and ``d``."""
        n = self.num_nodes
        adjacency = torch.zeros(n, n, dtype=torch.float64, device=self.device)
        on_device = edges.to(self.device)
        adjacency[on_device[:, 0], on_device[:, 1]] = 1.0
        adjacency[on_device[:, 1], on_device[:, 0]] = 1.0
        adjacency.fill_diagonal_(0.0)
        degrees = adjacency.sum(1).clamp(min=1.0)  # isolated nodes: rows of zeros either way
        if a:
            scale = degrees ** -a
            adjacency *= scale[:, None]
            adjacency *= scale[None, :]
        eigenvalues, eigenvectors = torch.linalg.eigh(adjacency)
        del adjacency
        eigenvalues, eigenvectors, degrees = eigenvalues.cpu(), eigenvectors.cpu(), degrees.cpu()
        order = torch.argsort(eigenvalues.abs(), descending=True)
        if self.max_rank is not None:
            order = order[:self.max_rank]
        return eigenvalues[order], eigenvectors[:, order], degrees

    def use_candidate(self, normalization: float, degree_exponent: float,
                      tau: float) -> "SpectralLinkModel":
        """Score with ``(a, b, τ)`` from now on (e.g. to report every candidate beside the
        chosen one); needs ``keep_decomposition=True`` and ``a`` among the fitted ones."""
        if not self._decompositions:
            raise RuntimeError("use_candidate needs a model fitted with keep_decomposition=True")
        if float(normalization) not in self._decompositions:
            raise ValueError(f"normalization {normalization} was not decomposed; fitted: "
                             f"{sorted(self._decompositions)}")
        _candidates((tau,), "tau")
        _candidates((degree_exponent,), "degree_exponent", lowest=None)
        a = float(normalization)
        self._use(self._decompositions[a], a, float(degree_exponent), float(tau))
        return self

    def candidate_scores(self, *pairs):
        """Scores of every candidate for each ``(n, 2)`` pair set, one candidate at a time:
        yields ``((a, b, τ), rank, [scores per pair set])`` in :meth:`candidates` order, the
        values :meth:`score` gives after :meth:`use_candidate`; needs
        ``keep_decomposition=True``. The model keeps its setting."""
        if not self._decompositions:
            raise RuntimeError("candidate_scores needs a model fitted with keep_decomposition=True")
        pairs = [check_node_pairs(p, self.num_nodes, "pairs") for p in pairs]
        for a in self.normalizations:
            swept = {(b, tau): (rank, scores) for (b, tau), rank, scores
                     in self._sweep(self._decompositions[a], *pairs)}
            for b, tau in itertools.product(self.degree_exponents, self.thresholds):
                yield ((a, b, tau), *swept[(b, tau)])

    def _sweep(self, decomposition, *pairs: torch.Tensor):
        """``((b, τ), rank, [scores per pair set])`` for every ``τ`` and ``b`` of one
        decomposition: ``b`` only rescales scores by ``(d_i d_j)^b``, so one gather per ``τ``
        serves every ``b``."""
        for tau in self.thresholds:
            left, right, rank = self._factors(decomposition, tau)
            products = [_products(left, right, p) for p in pairs]
            for b in self.degree_exponents:
                scale = decomposition[2] ** b
                yield (b, tau), rank, [_rescaled(x, p, scale) for x, p in zip(products, pairs)]

    @staticmethod
    def _factors(decomposition, tau: float) -> tuple[torch.Tensor, torch.Tensor, int]:
        """``(U_r f(λ_r), U_r, r)``: the eigenpairs soft thresholding keeps."""
        eigenvalues, eigenvectors, _ = decomposition
        weights = soft_threshold(eigenvalues, tau * float(eigenvalues.abs().max()))
        rank = int((weights != 0).sum())  # eigenvalues are sorted by |λ|: the kept ones lead
        right = eigenvectors[:, :rank].contiguous()
        return right * weights[:rank], right, rank

    def _use(self, decomposition, a: float, b: float, tau: float) -> None:
        self._left, self._right, self.rank = self._factors(decomposition, tau)
        self._scale = decomposition[2] ** b
        self.normalization, self.degree_exponent, self.tau = a, b, tau
        self.eigenvalues = decomposition[0]

    def score(self, pairs) -> torch.Tensor:
        """Scores ``(n,)`` float64 of ``(n, 2)`` node pairs (higher: more likely an edge)."""
        if self._left is None:
            raise RuntimeError("SpectralLinkModel: call fit() before score()")
        pairs = check_node_pairs(pairs, self.num_nodes, "pairs")
        return _rescaled(_products(self._left, self._right, pairs), pairs, self._scale)

    def factors(self) -> dict[str, torch.Tensor]:
        """``{"left" (N, r), "right" (N, r), "scale" (N,)}``: everything :meth:`score` reads
        (``score(i, j) = scale_i scale_j <left_i, right_j>``); see :meth:`from_factors`."""
        if self._left is None:
            raise RuntimeError("SpectralLinkModel: call fit() first")
        return {"left": self._left, "right": self._right, "scale": self._scale}

    @classmethod
    def from_factors(cls, left, right, scale, *, normalization: float, degree_exponent: float,
                     tau: float, k: int = 20) -> "SpectralLinkModel":
        """A fitted model from the :meth:`factors` of another (e.g. read from a checkpoint)."""
        left, right, scale = (torch.as_tensor(x, dtype=torch.float64) for x in (left, right, scale))
        if left.ndim != 2 or left.shape != right.shape or scale.shape != left.shape[:1]:
            raise ValueError(f"factors of shapes {tuple(left.shape)}, {tuple(right.shape)}, "
                             f"{tuple(scale.shape)}: need (N, r), (N, r), (N,)")
        for name, factor in (("left", left), ("right", right), ("scale", scale)):
            check_finite(factor, name)
        model = cls(thresholds=(tau,), normalizations=(normalization,),
                    degree_exponents=(degree_exponent,), k=k)
        model.num_nodes, model.rank = int(left.shape[0]), int(left.shape[1])
        model._left, model._right, model._scale = left, right, scale
        model.normalization, model.degree_exponent, model.tau = (
            float(normalization), float(degree_exponent), float(tau))
        return model

    def embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(left, right)``, both ``(N, rank)``: ``score(i, j) = <left_i, right_j>``
        (``D^b U f(Λ)`` and ``D^b U``)."""
        if self._left is None:
            raise RuntimeError("SpectralLinkModel: call fit() first")
        return self._left * self._scale[:, None], self._right * self._scale[:, None]


__all__ = ["DEFAULT_DEGREE_EXPONENTS", "DEFAULT_NORMALIZATIONS", "DEFAULT_THRESHOLDS",
           "MAX_NODES", "SpectralLinkModel", "soft_threshold"]
