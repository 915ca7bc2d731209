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

from graphmed.checks import check_settings
from graphmed.nn._checks import check_edge_index, check_indices


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
        check_settings("SparseAdjacency", at_least={"num_nodes": (num_nodes, 1)})
        check_edge_index(edge_index, num_nodes)
        source, target = edge_index[0], edge_index[1]
        if norm == "gcn":
            loops = torch.arange(num_nodes, device=edge_index.device)
            source, target = torch.cat([source, loops]), torch.cat([target, loops])
        order = torch.argsort(target * num_nodes + source)
        order_t = torch.argsort(source * num_nodes + target)
        self._build(target[order], source[order], source[order_t], target[order_t],
                    num_nodes, norm)

    def _build(self, rows: torch.Tensor, cols: torch.Tensor, rows_t: torch.Tensor,
               cols_t: torch.Tensor, num_nodes: int, norm: str) -> None:
        """Normalise and store entries already sorted by (row, col): ``rows`` are targets,
        ``cols`` sources; ``rows_t, cols_t`` the same entries sorted for the transpose."""
        ones = torch.ones(rows.numel(), device=rows.device)
        degree = torch.zeros(num_nodes, device=rows.device).index_add_(0, rows, ones)
        if norm == "gcn":
            inv = degree.pow(-0.5)
            values, values_t = inv[rows] * inv[cols], inv[rows_t] * inv[cols_t]
        else:
            inv = 1.0 / degree.clamp(min=1)
            values, values_t = inv[rows], inv[cols_t]
        self.num_nodes, self.norm, self.nnz = num_nodes, norm, int(rows.numel())
        self.matrix = self._csr(rows, cols, values, num_nodes)        # row = target
        self.matrix_t = self._csr(rows_t, cols_t, values_t, num_nodes)  # its transpose

    @staticmethod
    def _csr(rows: torch.Tensor, cols: torch.Tensor, values: torch.Tensor, n: int) -> torch.Tensor:
        counts = torch.bincount(rows, minlength=n)
        crow = torch.zeros(n + 1, dtype=torch.long, device=rows.device)
        crow[1:] = torch.cumsum(counts, 0)
        with warnings.catch_warnings():  # "CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(crow, cols, values, (n, n), check_invariants=False)

    def __matmul__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.size(0) != self.num_nodes:
            raise ValueError(f"the adjacency of {self.num_nodes} nodes multiplies a "
                             f"({self.num_nodes}, d) matrix, got shape {tuple(x.shape)}")
        return _SpMM.apply(self.matrix, self.matrix_t, x)

    def to(self, device) -> "SparseAdjacency":
        other = copy.copy(self)
        other.matrix, other.matrix_t = self.matrix.to(device), self.matrix_t.to(device)
        return other


class EdgeDropper:
    """DropEdge for an undirected graph without re-sorting: :meth:`draw` keeps a subset of
    the ``(E, 2)`` edges (both directions of each) and returns the
    :class:`SparseAdjacency` of that subgraph, equal to building it from scratch but
    without the two ``argsort`` of the ``2E`` entries (they are sorted once here; a mask
    keeps the order). Self-loops (``norm="gcn"``) are always kept.
    """

    def __init__(self, edges: torch.Tensor, num_nodes: int, norm: str = "gcn"):
        if edges.dim() != 2 or edges.size(1) != 2:
            raise ValueError(f"edges must have shape (E, 2), got {tuple(edges.shape)}")
        if norm not in ("gcn", "mean"):
            raise ValueError(f"norm must be 'gcn' or 'mean', got {norm!r}")
        check_settings("EdgeDropper", at_least={"num_nodes": (num_nodes, 1)})
        check_indices(edges, num_nodes, "edges")
        device, n, e = edges.device, num_nodes, len(edges)
        source, target = undirected_edge_index(edges)
        ids = torch.arange(e, device=device).repeat(2)
        if norm == "gcn":  # loops carry id E, always kept
            loops = torch.arange(n, device=device)
            source, target = torch.cat([source, loops]), torch.cat([target, loops])
            ids = torch.cat([ids, torch.full((n,), e, device=device)])
        order = torch.argsort(target * n + source)
        order_t = torch.argsort(source * n + target)
        self.rows, self.cols, self.ids = target[order], source[order], ids[order]
        self.rows_t, self.cols_t, self.ids_t = source[order_t], target[order_t], ids[order_t]
        self.num_edges, self.num_nodes, self.norm = e, n, norm

    def draw(self, keep: torch.Tensor) -> SparseAdjacency:
        """``keep``: ``(E,)`` booleans, one per undirected edge -> the kept subgraph."""
        if keep.shape != (self.num_edges,) or keep.dtype != torch.bool:
            raise ValueError(f"keep must be a bool tensor of shape ({self.num_edges},)")
        keep = torch.cat([keep, keep.new_ones(1)])
        m, m_t = keep[self.ids], keep[self.ids_t]
        adj = SparseAdjacency.__new__(SparseAdjacency)
        adj._build(self.rows[m], self.cols[m], self.rows_t[m_t], self.cols_t[m_t],
                   self.num_nodes, self.norm)
        return adj


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
