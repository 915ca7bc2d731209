"""Learnable node embeddings, a full-graph GCN/SAGE stack and a pair scorer, for link
prediction on one homogeneous graph of a few thousand nodes (ogbl-ddi).

Message passing is one ``torch.sparse`` CSR product per layer
(:class:`~graphmed.nn.sparse_conv.SparseAdjacency`), forward and backward, on CPU or GPU.
Pairs are scored by OGB's ``LinkPredictor`` (an MLP over the Hadamard product of two
node states), by their dot product or by a DistMult form ``sum_k r_k h_ik h_jk`` with a
learnable diagonal ``r`` of either sign (an indefinite form: graphs whose adjacency has large
negative eigenvalues, such as ogbl-ddi, need one; a dot product's score matrix is positive
semi-definite), the last two read for many pairs at once from the Gram matrix
``(H * r) H^T`` (:func:`dense_dot_scores`). Training lives in :mod:`graphmed.models.ddi`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from graphmed.checks import check_settings
from graphmed.nn._checks import check_node_pairs
from graphmed.nn.decoders import DistMultDecoder
from graphmed.nn.sparse_conv import SparseAdjacency, SparseGCNConv, SparseSAGEConv

CONVS = ("gcn", "sage")
PREDICTORS = ("mlp", "dot", "distmult")
#: Graphs with at most this many node pairs (``N * N``) score a dot-product predictor
#: through the dense Gram matrix ``H H^T`` (ogbl-ddi: 18.2M pairs, 73 MB).
DENSE_SCORES_MAX_PAIRS = 64 * 2**20


class LinkPredictor(nn.Module):
    """MLP on ``h_i * h_j``: ``layers`` linear maps, ReLU and dropout between them; a logit."""

    def __init__(self, channels: int, hidden: int, layers: int = 3, dropout: float = 0.5):
        super().__init__()
        sizes = [channels] + [hidden] * (layers - 1) + [1]
        self.lins = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = dropout

    def forward(self, h_i: torch.Tensor, h_j: torch.Tensor) -> torch.Tensor:
        x = h_i * h_j
        for lin in self.lins[:-1]:
            x = F.dropout(F.relu(lin(x)), p=self.dropout, training=self.training)
        return self.lins[-1](x).squeeze(-1)


class _TakeFlat(torch.autograd.Function):
    """``scores.view(-1)[index]`` whose backward is one ``index_add_`` into a zero matrix."""

    @staticmethod
    def forward(ctx, scores: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        ctx.shape, ctx.index = scores.shape, index
        return scores.reshape(-1)[index]

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        out = torch.zeros(ctx.shape.numel(), dtype=grad.dtype, device=grad.device)
        return out.index_add_(0, ctx.index, grad).view(ctx.shape), None


def gram(h: torch.Tensor, relation: torch.Tensor | None = None) -> torch.Tensor:
    """``h h^T`` (``(N, N)``), or ``(h * relation) h^T`` with a diagonal ``relation`` ``(d,)``."""
    return (h if relation is None else h * relation) @ h.t()


def dense_dot_scores(h: torch.Tensor, flat_pairs: torch.Tensor,
                     relation: torch.Tensor | None = None) -> torch.Tensor:
    """Dot products ``<h_i, h_j>`` (or ``sum_k relation_k h_ik h_jk``) of pairs given as
    flat indices ``i * N + j`` (shape ``(n,)``), read from the Gram matrix :func:`gram`
    (``(N, N)``): forward and backward are three dense ``N x N x d`` products whatever
    ``n``, cheaper than gathering ``2n`` rows of ``h`` once ``n`` is in the millions on a
    graph of a few thousand nodes."""
    return _TakeFlat.apply(gram(h, relation), flat_pairs)


class EmbeddingGNNLinkModel(nn.Module):
    """Learnable node embeddings -> GCN/SAGE stack (full graph) -> :class:`LinkPredictor`
    (``predictor="mlp"``), the dot product of the two node states (``"dot"``) or their
    DistMult form ``sum_k r_k h_ik h_jk`` (``"distmult"``; ``r`` starts at +1 on the first
    half of the channels and -1 on the rest, so the form is indefinite from the start).

    Args:
        num_nodes: nodes of the graph (one embedding each).
        embedding_dim: width of the embeddings.
        hidden: width of the message-passing layers and the predictor.
        layers: message-passing layers (ReLU and dropout between them, none after the last).
        conv: ``"gcn"`` or ``"sage"``.
        dropout: dropout between message-passing layers.
        predictor_layers, predictor_dropout: the MLP scorer.
        predictor: ``"mlp"`` (OGB's ``LinkPredictor``), ``"dot"`` (no parameters) or
            ``"distmult"`` (``hidden`` parameters).
    """

    def __init__(self, num_nodes: int, embedding_dim: int = 256, hidden: int = 256,
                 layers: int = 2, conv: str = "gcn", dropout: float = 0.5,
                 predictor_layers: int = 3, predictor_dropout: float = 0.5,
                 predictor: str = "mlp"):
        super().__init__()
        if conv not in CONVS:
            raise ValueError(f"conv must be one of {CONVS}, got {conv!r}")
        if predictor not in PREDICTORS:
            raise ValueError(f"predictor must be one of {PREDICTORS}, got {predictor!r}")
        check_settings("EmbeddingGNNLinkModel", at_least={
            "num_nodes": (num_nodes, 1), "embedding_dim": (embedding_dim, 1), "hidden": (hidden, 1),
            "layers": (layers, 1), "predictor_layers": (predictor_layers, 1)},
            fractions={"dropout": dropout, "predictor_dropout": predictor_dropout})
        self.conv = conv
        self.embedding = nn.Embedding(num_nodes, embedding_dim)
        nn.init.xavier_uniform_(self.embedding.weight)
        layer = SparseGCNConv if conv == "gcn" else SparseSAGEConv
        widths = [embedding_dim] + [hidden] * layers
        self.convs = nn.ModuleList(layer(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.dropout = dropout
        self.num_nodes = num_nodes
        self.predictor = (LinkPredictor(hidden, hidden, predictor_layers, predictor_dropout)
                          if predictor == "mlp" else None)
        self.distmult = DistMultDecoder(hidden) if predictor == "distmult" else None
        if self.distmult is not None:
            with torch.no_grad():  # indefinite from the start: +1 on half the channels, -1 on the rest
                self.distmult.relation[hidden // 2:] = -1.0

    @property
    def relation(self) -> nn.Parameter | None:
        """The DistMult diagonal ``(hidden,)`` (``predictor="distmult"``), else None."""
        return None if self.distmult is None else self.distmult.relation

    @property
    def dense_scores(self) -> bool:
        """Whether :meth:`score_many` goes through the Gram matrix (dot predictor, small graph)."""
        return self.predictor is None and self.num_nodes ** 2 <= DENSE_SCORES_MAX_PAIRS

    @property
    def adjacency_norm(self) -> str:
        return "gcn" if self.conv == "gcn" else "mean"

    def encode(self, adj: SparseAdjacency) -> torch.Tensor:
        """Node states ``(N, hidden)`` after message passing over ``adj``."""
        x = self.embedding.weight
        for k, conv in enumerate(self.convs):
            x = conv(x, adj)
            if k < len(self.convs) - 1:
                x = F.dropout(F.relu(x), p=self.dropout, training=self.training)
        return x

    def score(self, h: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """Logits ``(n,)`` of ``(n, 2)`` node pairs from node states ``h``."""
        pairs = check_node_pairs(pairs, h.size(0), "pairs")
        if self.distmult is not None:
            return self.distmult(h, h, pairs.t())
        if self.predictor is None:
            return (h[pairs[:, 0]] * h[pairs[:, 1]]).sum(-1)
        return self.predictor(h[pairs[:, 0]], h[pairs[:, 1]])

    def score_many(self, h: torch.Tensor, *pairs: torch.Tensor) -> list[torch.Tensor]:
        """Logits of several ``(n_k, 2)`` pair sets: :meth:`score` on each, or, when
        :attr:`dense_scores`, one Gram matrix for all of them (the same values)."""
        if not self.dense_scores:
            return [self.score(h, p) for p in pairs]
        pairs = [check_node_pairs(p, self.num_nodes, f"pairs[{k}]") for k, p in enumerate(pairs)]
        flat = torch.cat([p[:, 0] * self.num_nodes + p[:, 1] for p in pairs])
        return list(dense_dot_scores(h, flat, self.relation).split([len(p) for p in pairs]))

    @torch.no_grad()
    def predict(self, adj: SparseAdjacency, pairs: torch.Tensor,
                batch_size: int = 64 * 1024) -> torch.Tensor:
        """Probabilities ``(n,)`` of ``(n, 2)`` pairs (eval mode, in batches), on the CPU."""
        return self.predict_many(adj, pairs, batch_size=batch_size)[0]

    @torch.no_grad()
    def predict_many(self, adj: SparseAdjacency, *pairs: torch.Tensor,
                     batch_size: int = 64 * 1024) -> list[torch.Tensor]:
        """:meth:`predict` for several pair sets with one message-passing pass."""
        was = self.training
        self.eval()
        try:
            h = self.encode(adj)
            device = h.device
            if self.dense_scores:
                return [torch.sigmoid(o).cpu()
                        for o in self.score_many(h, *(p.to(device) for p in pairs))]
            return [torch.cat([torch.sigmoid(self.score(h, p[i:i + batch_size].to(device))).cpu()
                               for i in range(0, len(p), batch_size)]) for p in pairs]
        finally:
            self.train(was)


__all__ = ["CONVS", "DENSE_SCORES_MAX_PAIRS", "EmbeddingGNNLinkModel", "LinkPredictor", "PREDICTORS",
           "dense_dot_scores", "gram"]
