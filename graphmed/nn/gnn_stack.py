"""A deep, full-batch stack of message-passing layers with anti-over-smoothing options."""
from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn import GATConv, GCN2Conv, GCNConv, TransformerConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import to_torch_csr_tensor

from graphmed.checks import check_settings
from graphmed.nn._checks import (check_edge_index, check_edge_type, check_edge_weight,
                                 check_features, check_stack_args)
from graphmed.nn.drop_edge import drop_edge
from graphmed.nn.dropout import dropout
from graphmed.nn.gcn_gat_conv import GCNGATConv
from graphmed.nn.jumping_knowledge import check_jk, jk_channels, jumping_knowledge
from graphmed.nn.node_self_attention import NodeSelfAttention
from graphmed.nn.norm import check_norm, make_norm

CONVS = ("gcn", "gat", "gcngat", "transformer", "gcnii")
RESIDUALS = ("none", "residual", "initial")


class GNNStack(torch.nn.Module):
    r"""``num_layers`` message-passing layers of one kind between two linear maps.

    ::

        h_0 = relu(W_in dropout(x))                 (h_0 = x if project_input=False)
        h_l = relu(norm(conv_l(dropout(h_{l-1}))))  (+ h_{l-1} if residual="residual")
        out = W_out dropout(JK(h_1 .. h_L))         (JK(...) if out_channels is None)

    Convs: ``"gcn"`` (Kipf & Welling 2017), ``"gat"`` (Velickovic et al. 2018; edge weights
    are a 1-d edge feature of the attention), ``"gcngat"`` (:class:`GCNGATConv`),
    ``"transformer"`` (Shi et al. 2021; with ``num_edge_types``, learned edge-type
    embeddings are its ``edge_attr``) and ``"gcnii"``. ``global_attention=True`` adds
    :class:`NodeSelfAttention` over all nodes to every layer (``h = conv(h) + attn(h)``).

    Residuals: ``"residual"`` adds the layer's input; ``"initial"`` is GCNII's initial
    residual with identity mapping for ``"gcn"``/``"gcnii"`` (``GCN2Conv``: ``((1 - alpha)
    P h + alpha h_0)((1 - beta_l) I + beta_l W_l)``, ``beta_l = log(theta / l + 1)``,
    Chen et al., ICML 2020) and ``(1 - alpha) conv(h) + alpha h_0`` for the other convs.
    ``conv="gcnii"`` is always initial-residual. ``"gcn"``/``"gcnii"`` normalise the
    adjacency (``D^-1/2 (A + I) D^-1/2``) once per forward pass, after DropEdge.
    With ``project_input=False`` the first conv reads ``x`` itself (the classic GCN shape;
    not with initial residuals, and the first layer gets no residual).

    Args:
        in_channels: input feature width ``F``.
        hidden_channels: width ``C`` of every layer.
        num_layers: number of message-passing layers ``L`` (propagation steps).
        out_channels: width of the final linear map; ``None`` returns embeddings.
        conv: one of :data:`CONVS`.
        residual: one of :data:`RESIDUALS`; default ``"initial"`` for ``"gcnii"``, else
            ``"none"``.
        jumping_knowledge: ``None``, ``"cat"``, ``"max"`` or ``"mean"`` over ``h_1 .. h_L``.
        norm: ``None``, ``"pairnorm"``, ``"layernorm"`` or ``"batchnorm"``.
        dropout: dropout on the input features and before every layer and the output map.
        drop_edge: DropEdge probability (training only).
        heads: attention heads of ``"gat"``, ``"gcngat"``, ``"transformer"`` and the
            global attention; ``C`` must be divisible by it.
        alpha, theta: initial-residual strength and GCNII's ``lambda``.
        combine: ``"gate"`` or ``"sum"``, how ``"gcngat"`` merges its branches.
        num_edge_types: number of edge types for ``"transformer"``'s edge embeddings.
        global_attention: add global self-attention over all nodes to every layer.
        project_input: map ``x`` to ``C`` channels with ``W_in`` before the first layer.

    Shapes: ``x (N, F)``, ``edge_index (2, E)``, ``edge_weight (E,)``, ``edge_type (E,)``
    -> ``(N, out_channels)`` or ``(N, C)`` (``(N, L*C)`` with ``"cat"``); with
    ``return_layers=True`` also the list ``[h_0, h_1, .., h_L]`` of ``(N, C)`` tensors
    (``h_0 = x``, ``(N, F)``, without input projection).
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_layers: int,
                 out_channels: int | None = None, *, conv: str = "gcn",
                 residual: str | None = None, jumping_knowledge: str | None = None,
                 norm: str | None = None, dropout: float = 0.0, drop_edge: float = 0.0,
                 heads: int = 1, alpha: float = 0.1, theta: float = 0.5, combine: str = "gate",
                 num_edge_types: int | None = None, global_attention: bool = False,
                 project_input: bool = True):
        super().__init__()
        if conv not in CONVS:
            raise ValueError(f"unknown conv {conv!r}; known: {', '.join(CONVS)}")
        residual = ("initial" if conv == "gcnii" else "none") if residual is None else residual
        if residual not in RESIDUALS:
            raise ValueError(f"unknown residual {residual!r}; known: {', '.join(RESIDUALS)}")
        if conv == "gcnii" and residual != "initial":
            raise ValueError("conv='gcnii' is initial-residual by construction; "
                             f"use residual='initial', not {residual!r}")
        if conv == "gcn" and residual == "initial":
            conv = "gcnii"
        check_stack_args("GNNStack", num_layers, dropout, drop_edge, hidden_channels, heads)
        check_settings("GNNStack", at_least={
            "in_channels": (in_channels, 1),
            **({} if out_channels is None else {"out_channels": (out_channels, 1)}),
            **({} if num_edge_types is None else {"num_edge_types": (num_edge_types, 1)})},
            fractions={"alpha": alpha}, non_negative={"theta": theta})
        if not project_input and residual == "initial":
            raise ValueError("initial residuals mix in h_0, which needs project_input=True")
        if not project_input and global_attention:
            raise ValueError("global_attention needs project_input=True")
        if num_edge_types is not None and conv != "transformer":
            raise ValueError("num_edge_types (edge-type embeddings) needs conv='transformer'")
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        self.num_layers, self.out_channels = num_layers, out_channels
        self.conv, self.residual = conv, residual
        self.jumping_knowledge, self.norm = check_jk(jumping_knowledge), check_norm(norm)
        self.dropout, self.drop_edge = float(dropout), float(drop_edge)
        self.heads, self.alpha, self.theta = heads, float(alpha), float(theta)
        self.num_edge_types, self.global_attention = num_edge_types, bool(global_attention)

        self.lin_in = torch.nn.Linear(in_channels, hidden_channels) if project_input else None
        self.convs = torch.nn.ModuleList(
            self._make_conv(layer, combine, hidden_channels if project_input or layer > 1
                            else in_channels)
            for layer in range(1, num_layers + 1))
        self.norms = torch.nn.ModuleList(make_norm(norm, hidden_channels) for _ in range(num_layers))
        self.attentions = torch.nn.ModuleList(
            NodeSelfAttention(hidden_channels, heads) for _ in range(num_layers if global_attention else 0))
        self.edge_type_emb = (torch.nn.Embedding(num_edge_types, hidden_channels)
                              if num_edge_types is not None else None)
        width = jk_channels(jumping_knowledge, hidden_channels, num_layers)
        self.lin_out = torch.nn.Linear(width, out_channels) if out_channels is not None else None
        self.reset_parameters()

    def _make_conv(self, layer: int, combine: str, c_in: int) -> torch.nn.Module:
        c, heads = self.hidden_channels, self.heads
        if self.conv == "gcn":
            return GCNConv(c_in, c, normalize=False)
        if self.conv == "gcnii":
            return GCN2Conv(c, alpha=self.alpha, theta=self.theta, layer=layer, normalize=False)
        if self.conv == "gat":
            return GATConv(c_in, c // heads, heads=heads, edge_dim=1)
        if self.conv == "gcngat":
            return GCNGATConv(c_in, c, heads=heads, combine=combine)
        edge_dim = c if self.num_edge_types is not None else None
        return TransformerConv(c_in, c // heads, heads=heads, edge_dim=edge_dim)

    def reset_parameters(self) -> None:
        modules = [self.lin_in, *self.convs, *self.norms, *self.attentions, self.edge_type_emb,
                   self.lin_out]
        for module in modules:
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None,
                edge_type: Tensor | None = None, return_layers: bool = False
                ) -> Tensor | tuple[Tensor, list[Tensor]]:
        check_features(x, self.in_channels, dtype=next(self.parameters()).dtype)
        check_edge_index(edge_index, x.size(0))
        edge_weight, edge_type = self._check_edges(edge_index, edge_weight, edge_type)
        if edge_weight is not None and not edge_weight.dtype.is_floating_point:
            edge_weight = edge_weight.to(x.dtype)
        if self.drop_edge > 0 and self.training:
            keep = torch.arange(edge_index.size(1), device=edge_index.device)
            edge_index, keep = drop_edge(edge_index, self.drop_edge, True, keep)
            edge_weight = None if edge_weight is None else edge_weight[keep]
            edge_type = None if edge_type is None else edge_type[keep]
        if self.conv in ("gcn", "gcnii"):
            edge_index = self._normalized_adjacency(edge_index, edge_weight, x)
            edge_weight = None
        edge_attr = None if self.edge_type_emb is None else self.edge_type_emb(edge_type)

        h = x if self.lin_in is None else F.relu(self.lin_in(self._dropout(x)))
        h0, layers = h, [h]
        for i, conv in enumerate(self.convs):
            h_in = self._dropout(h)
            if self.conv in ("gcn", "gcnii"):
                # sparse products in float32 outside autocast: bfloat16 ones are missing on
                # CPUs and older GPUs (and inexact where they exist)
                with torch.autocast(h_in.device.type, enabled=False):
                    dtype = edge_index.dtype  # the adjacency's: float32 or wider
                    h = (conv(h_in.to(dtype), edge_index) if self.conv == "gcn"
                         else conv(h_in.to(dtype), h0.to(dtype), edge_index))
            elif self.conv == "gat":
                h = conv(h_in, edge_index,
                         edge_attr=None if edge_weight is None else edge_weight.view(-1, 1))
            elif self.conv == "gcngat":
                h = conv(h_in, edge_index, edge_weight)
            else:
                h = conv(h_in, edge_index, edge_attr=edge_attr)
            if self.global_attention:
                h = h + self.attentions[i](h_in)
            if self.residual == "initial" and self.conv != "gcnii":
                h = (1 - self.alpha) * h + self.alpha * h0
            h = F.relu(self.norms[i](h))
            if self.residual == "residual" and (i > 0 or self.lin_in is not None):
                h = h + layers[-1]
            layers.append(h)
        out = jumping_knowledge(layers[1:], self.jumping_knowledge)
        if self.lin_out is not None:
            out = self.lin_out(self._dropout(out))
        return (out, layers) if return_layers else out

    @staticmethod
    def _normalized_adjacency(edge_index: Tensor, edge_weight: Tensor | None, x: Tensor) -> Tensor:
        """``D^-1/2 (A + I) D^-1/2`` as a transposed sparse CSR matrix ``(N, N)``, built once
        so that every layer's propagation is one sparse-dense product."""
        n = x.size(0)
        dtype = torch.promote_types(x.dtype, torch.float32)  # products run in float32 or wider
        edge_index, edge_weight = gcn_norm(edge_index, edge_weight, n, add_self_loops=True,
                                           dtype=dtype)
        with warnings.catch_warnings(), torch.sparse.check_sparse_tensor_invariants(enable=False):
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            return to_torch_csr_tensor(edge_index.flip(0), edge_weight, size=(n, n))

    def _dropout(self, x: Tensor) -> Tensor:
        return dropout(x, self.dropout, self.training)

    def _check_edges(self, edge_index: Tensor, edge_weight: Tensor | None,
                     edge_type: Tensor | None) -> tuple[Tensor | None, Tensor | None]:
        n_edges = edge_index.size(1)
        if edge_weight is not None:
            if self.conv == "transformer":
                raise ValueError("conv='transformer' takes edge types (edge_type), not edge weights")
            check_edge_weight(edge_weight, n_edges)
        if self.edge_type_emb is None:
            if edge_type is not None:
                raise ValueError("edge_type given but the stack has no edge-type embeddings; "
                                 "build it with conv='transformer' and num_edge_types")
        else:
            if edge_type is None:
                raise ValueError(f"this stack embeds {self.num_edge_types} edge types; "
                                 "pass edge_type (E,)")
            check_edge_type(edge_type, n_edges, self.num_edge_types)
        return edge_weight, edge_type

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}({self.in_channels}, {self.hidden_channels}, "
                f"num_layers={self.num_layers}, out_channels={self.out_channels}, "
                f"conv={self.conv!r}, residual={self.residual!r}, "
                f"jumping_knowledge={self.jumping_knowledge!r}, norm={self.norm!r}"
                f"{'' if self.lin_in is not None else ', project_input=False'})")
