"""Full-graph message passing as vectorised sparse products, with a bandwidth account.

:class:`SparseAdjacency` holds a normalised adjacency in ``torch.sparse`` CSR with its
transpose, so forward and backward are each one CSR-times-dense kernel on CPU or GPU (no
sampler, no PyG extension library). :data:`SPMM_STATS` counts the products' time and the
bytes they must move, for comparing an epoch with the memory-bandwidth bound.
"""
from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass

import torch
from torch import nn


# --------------------------------------------------------------------------- sparse products
@dataclass
class SpmmStats:
    """Sparse products run while enabled: calls, seconds and bytes moved (a lower bound).

    The bytes of one product ``A @ X`` with ``A`` in CSR (``nnz`` non-zeros, ``n`` rows)
    and ``X`` dense ``(m, d)``: the column indices and values of ``A`` (``nnz * (8 + 4)``),
    its row pointers (``(n + 1) * 8``), every row of ``X`` read once (``m * d * 4``) and
    the output written once (``n * d * 4``); rows of ``X`` read again from cache are not
    counted. Seconds are wall time around each product (the device synchronised).
    """

    enabled: bool = False
    calls: int = 0
    seconds: float = 0.0
    bytes: int = 0

    def reset(self) -> None:
        self.calls, self.seconds, self.bytes = 0, 0.0, 0

    @property
    def gb_per_s(self) -> float:
        return self.bytes / self.seconds / 1e9 if self.seconds > 0 else float("nan")


SPMM_STATS = SpmmStats()


def spmm_bytes(matrix: torch.Tensor, dense: torch.Tensor) -> int:
    """Compulsory bytes of ``matrix @ dense`` (see :class:`SpmmStats`)."""
    nnz, (rows, _) = matrix._nnz(), matrix.shape
    index, value = matrix.col_indices().element_size(), matrix.values().element_size()
    return (nnz * (index + value) + (rows + 1) * matrix.crow_indices().element_size()
            + dense.numel() * dense.element_size() + rows * dense.size(1) * dense.element_size())


def _timed_mm(matrix: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
    if not SPMM_STATS.enabled:
        return matrix @ dense
    sync = torch.cuda.synchronize if dense.is_cuda else (lambda: None)
    sync()
    start = time.perf_counter()
    out = matrix @ dense
    sync()
    SPMM_STATS.seconds += time.perf_counter() - start
    SPMM_STATS.calls += 1
    SPMM_STATS.bytes += spmm_bytes(matrix, dense)
    return out


class _SpMM(torch.autograd.Function):
    """``A @ X`` with the gradient ``A^T @ G``; both CSR, so both directions are one kernel."""

    @staticmethod
    def forward(ctx, adj: torch.Tensor, adj_t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.adj_t = adj_t
        return _timed_mm(adj, x.contiguous())

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return None, None, _timed_mm(ctx.adj_t, grad.contiguous())


class SparseAdjacency:
    """A normalised adjacency matrix in CSR, with its transpose for the backward pass.

    Args:
        edge_index: ``(2, E)`` directed edges ``source -> target`` (give both directions
            for an undirected graph); messages flow from source to target.
        num_nodes: number of nodes.
        norm: ``"gcn"``: ``D^-1/2 (A + I) D^-1/2`` (self-loops added, as ``GCNConv``);
            ``"mean"``: each row divided by its in-degree (``SAGEConv``'s mean).
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, norm: str = "gcn"):
        if norm not in ("gcn", "mean"):
            raise ValueError(f"norm must be 'gcn' or 'mean', got {norm!r}")
        source, target = edge_index[0], edge_index[1]
        if norm == "gcn":
            loops = torch.arange(num_nodes, device=edge_index.device)
            source, target = torch.cat([source, loops]), torch.cat([target, loops])
        ones = torch.ones(source.numel(), device=edge_index.device)
        degree = torch.zeros(num_nodes, device=edge_index.device).index_add_(0, target, ones)
        if norm == "gcn":
            inv = degree.pow(-0.5)
            values = inv[source] * inv[target]
        else:
            values = 1.0 / degree.clamp(min=1)[target]
        self.num_nodes, self.norm, self.nnz = num_nodes, norm, int(source.numel())
        self.matrix = self._csr(target, source, values, num_nodes)   # row = target
        self.matrix_t = self._csr(source, target, values, num_nodes)  # its transpose

    @staticmethod
    def _csr(rows: torch.Tensor, cols: torch.Tensor, values: torch.Tensor, n: int) -> torch.Tensor:
        order = torch.argsort(rows * n + cols)
        rows, cols, values = rows[order], cols[order], values[order]
        counts = torch.bincount(rows, minlength=n)
        crow = torch.zeros(n + 1, dtype=torch.long, device=rows.device)
        crow[1:] = torch.cumsum(counts, 0)
        with warnings.catch_warnings():  # "CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(crow, cols, values, (n, n), check_invariants=False)

    def __matmul__(self, x: torch.Tensor) -> torch.Tensor:
        return _SpMM.apply(self.matrix, self.matrix_t, x)

    def to(self, device) -> "SparseAdjacency":
        other = copy.copy(self)
        other.matrix, other.matrix_t = self.matrix.to(device), self.matrix_t.to(device)
        return other


def undirected_edge_index(edges: torch.Tensor) -> torch.Tensor:
    """``(E, 2)`` undirected edges, each listed once -> ``(2, 2E)`` with both directions."""
    return torch.cat([edges.t(), edges.t().flip(0)], dim=1)


class SparseGCNConv(nn.Module):
    """GCN layer ``Â X W + b`` (Kipf & Welling, 2017) over a :class:`SparseAdjacency`."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        nn.init.xavier_uniform_(self.lin.weight)

    def forward(self, x: torch.Tensor, adj: SparseAdjacency) -> torch.Tensor:
        x = self.lin(x)
        return adj @ x + self.bias


class SparseSAGEConv(nn.Module):
    """GraphSAGE layer with mean aggregation ``W_1 mean_{j->i} x_j + W_2 x_i`` (Hamilton
    et al., 2017; PyG's ``SAGEConv``): neighbours' mean transformed after aggregation."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.lin_neighbors = nn.Linear(in_channels, out_channels)
        self.lin_root = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x: torch.Tensor, adj: SparseAdjacency) -> torch.Tensor:
        return self.lin_neighbors(adj @ x) + self.lin_root(x)
