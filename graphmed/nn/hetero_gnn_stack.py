"""A deep stack of per-relation message passing on heterogeneous graphs (``HeteroData``)."""
from __future__ import annotations

import warnings
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn import GATConv, GCNConv, GraphConv, HeteroConv, SAGEConv, TransformerConv

from graphmed.checks import check_settings
from graphmed.nn._checks import check_edge_index, check_edge_weight, check_features, check_stack_args
from graphmed.nn.drop_edge import drop_edge
from graphmed.nn.dropout import dropout
from graphmed.nn.jumping_knowledge import check_jk, jk_channels, jumping_knowledge
from graphmed.nn.norm import check_norm, make_norm

HETERO_CONVS = ("sage", "graphconv", "gat", "transformer", "gcn")
HETERO_RESIDUALS = ("none", "residual", "initial")
HETERO_AGGRS = ("sum", "mean", "max", "min")
_WEIGHTED = ("graphconv", "gcn", "gat")

EdgeType = tuple[str, str, str]


class HeteroGNNStack(torch.nn.Module):
    r"""``num_layers`` ``HeteroConv`` layers, one conv per edge type, summed per node type.

    ::

        h_0[t] = relu(W_in[t] dropout(x[t]))                    for every node type t
        h_l[t] = relu(norm_l[t](sum_r conv_l[r](dropout(h_{l-1}))[t]))  (+ residual)
        out[t] = W_out[t] dropout(JK(h_1[t] .. h_L[t]))

    Convs per edge type: ``"sage"`` (mean aggregation), ``"graphconv"``, ``"gat"``
    (self-loops only on relations within one node type; edge weights are a 1-d edge
    feature), ``"transformer"`` and ``"gcn"`` (relations within one node type only).
    Residuals: ``"residual"`` adds the layer input, ``"initial"`` mixes in ``h_0``:
    ``(1 - alpha) h + alpha h_0`` before the normalisation. A node type that no relation
    points to keeps its embedding from layer to layer.

    Args:
        metadata: ``(node_types, edge_types)``, e.g. ``HeteroData.metadata()``.
        in_channels: input width per node type (a dict), or one width for all.
        hidden_channels, num_layers, out_channels, jumping_knowledge, norm, dropout,
        drop_edge, heads, alpha: as in :class:`~graphmed.nn.GNNStack`.
        conv: one of :data:`HETERO_CONVS`.
        residual: one of :data:`HETERO_RESIDUALS`.
        aggr: how ``HeteroConv`` merges relations into one node type, one of
            :data:`HETERO_AGGRS`.

    Shapes: ``x_dict {t: (N_t, F_t)}``, ``edge_index_dict {r: (2, E_r)}``,
    ``edge_weight_dict {r: (E_r,)}`` -> ``{t: (N_t, out_channels or C)}``; with
    ``return_layers=True`` also ``[h_0, .., h_L]``, each a dict ``{t: (N_t, C)}``.
    """

    def __init__(self, metadata: tuple[list[str], list[EdgeType]],
                 in_channels: dict[str, int] | int, hidden_channels: int, num_layers: int,
                 out_channels: int | None = None, *, conv: str = "sage", residual: str = "none",
                 jumping_knowledge: str | None = None, norm: str | None = None,
                 dropout: float = 0.0, drop_edge: float = 0.0, heads: int = 1,
                 alpha: float = 0.1, aggr: str = "sum"):
        super().__init__()
        node_types, edge_types = list(metadata[0]), [tuple(e) for e in metadata[1]]
        if conv not in HETERO_CONVS:
            raise ValueError(f"unknown conv {conv!r}; known: {', '.join(HETERO_CONVS)}")
        if residual not in HETERO_RESIDUALS:
            raise ValueError(f"unknown residual {residual!r}; known: {', '.join(HETERO_RESIDUALS)}")
        check_stack_args("HeteroGNNStack", num_layers, dropout, drop_edge, hidden_channels, heads)
        check_settings("HeteroGNNStack",
                       at_least={} if out_channels is None else {"out_channels": (out_channels, 1)},
                       fractions={"alpha": alpha})
        if aggr not in HETERO_AGGRS:
            raise ValueError(f"unknown aggr {aggr!r}; known: {', '.join(HETERO_AGGRS)}")
        malformed = [e for e in edge_types if len(e) != 3]
        if malformed:
            raise ValueError(f"edge types must be (source, relation, target) triples, got {malformed[0]}")
        unknown = sorted({t for e in edge_types for t in (e[0], e[2])} - set(node_types))
        if unknown:
            raise ValueError(f"edge types refer to node types not in metadata: {unknown}")
        if conv == "gcn":
            bipartite = [e for e in edge_types if e[0] != e[2]]
            if bipartite:
                raise ValueError(f"conv='gcn' needs relations within one node type; {bipartite[0]} "
                                 "joins two types (use 'sage', 'graphconv', 'gat' or 'transformer')")
        if not isinstance(in_channels, Mapping):
            in_channels = {t: in_channels for t in node_types}
        missing = [t for t in node_types if t not in in_channels]
        if missing:
            raise ValueError(f"in_channels has no width for node types {missing}")
        check_settings("HeteroGNNStack",
                       at_least={f"in_channels[{t!r}]": (in_channels[t], 1) for t in node_types})
        self.node_types, self.edge_types = node_types, edge_types
        self.in_channels = {t: int(in_channels[t]) for t in node_types}
        self.hidden_channels, self.num_layers, self.out_channels = hidden_channels, num_layers, out_channels
        self.conv, self.residual = conv, residual
        self.jumping_knowledge, self.norm = check_jk(jumping_knowledge), check_norm(norm)
        self.dropout, self.drop_edge = float(dropout), float(drop_edge)
        self.heads, self.alpha = heads, float(alpha)

        self.lin_in = torch.nn.ModuleDict(
            {t: torch.nn.Linear(self.in_channels[t], hidden_channels) for t in node_types})
        with warnings.catch_warnings():  # node types that receive nothing are handled below
            warnings.filterwarnings("ignore", message="There exist node types")
            self.convs = torch.nn.ModuleList(
                HeteroConv({e: self._make_conv(e) for e in edge_types}, aggr=aggr)
                for _ in range(num_layers))
        receivers = [t for t in node_types if any(e[2] == t for e in edge_types)]
        self.norms = torch.nn.ModuleList(
            torch.nn.ModuleDict({t: make_norm(norm, hidden_channels) for t in receivers})
            for _ in range(num_layers))
        width = jk_channels(jumping_knowledge, hidden_channels, num_layers)
        self.lin_out = (torch.nn.ModuleDict({t: torch.nn.Linear(width, out_channels) for t in node_types})
                        if out_channels is not None else None)
        self.reset_parameters()

    def _make_conv(self, edge_type: EdgeType) -> torch.nn.Module:
        c, heads, same = self.hidden_channels, self.heads, edge_type[0] == edge_type[2]
        if self.conv == "sage":
            return SAGEConv((c, c), c)
        if self.conv == "graphconv":
            return GraphConv((c, c), c)
        if self.conv == "gat":
            return GATConv((c, c), c // heads, heads=heads, add_self_loops=same, edge_dim=1)
        if self.conv == "transformer":
            return TransformerConv((c, c), c // heads, heads=heads)
        return GCNConv(c, c)

    def reset_parameters(self) -> None:
        for module in [*self.lin_in.values(), *self.convs,
                       *(n for norms in self.norms for n in norms.values()),
                       *(self.lin_out.values() if self.lin_out is not None else [])]:
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def forward(self, x_dict: dict[str, Tensor], edge_index_dict: dict[EdgeType, Tensor],
                edge_weight_dict: dict[EdgeType, Tensor] | None = None,
                return_layers: bool = False):
        missing = [t for t in self.node_types if t not in x_dict]
        if missing:
            raise ValueError(f"x_dict has no features for node types {missing}")
        dtype = next(self.parameters()).dtype
        for t in self.node_types:
            check_features(x_dict[t], self.in_channels[t], f"x_dict[{t!r}]", dtype)
        edge_index_dict, edge_weight_dict = self._edges(edge_index_dict, x_dict, edge_weight_dict)
        kwargs = {}
        if edge_weight_dict:
            if self.conv == "gat":
                kwargs["edge_attr_dict"] = {e: w.view(-1, 1) for e, w in edge_weight_dict.items()}
            else:
                kwargs["edge_weight_dict"] = edge_weight_dict

        h = {t: F.relu(self.lin_in[t](self._dropout(x_dict[t]))) for t in self.node_types}
        h0, layers = h, [h]
        for conv, norms in zip(self.convs, self.norms):
            h_in = {t: self._dropout(v) for t, v in h.items()}
            out = conv(h_in, edge_index_dict, **kwargs)
            new = {}
            for t in self.node_types:
                if t not in out:  # no relation points to t
                    new[t] = h[t]
                    continue
                v = out[t]
                if self.residual == "initial":
                    v = (1 - self.alpha) * v + self.alpha * h0[t]
                v = F.relu(norms[t](v))
                new[t] = v + h[t] if self.residual == "residual" else v
            h = new
            layers.append(h)
        out = {t: jumping_knowledge([layer[t] for layer in layers[1:]], self.jumping_knowledge)
               for t in self.node_types}
        if self.lin_out is not None:
            out = {t: self.lin_out[t](self._dropout(v)) for t, v in out.items()}
        return (out, layers) if return_layers else out

    def _edges(self, edge_index_dict, x_dict, edge_weight_dict):
        unknown = [e for e in edge_index_dict if tuple(e) not in self.edge_types]
        if unknown:
            raise ValueError(f"edge type {unknown[0]} is not in the stack's metadata")
        for e, index in edge_index_dict.items():
            check_edge_index(index, x_dict[e[0]].size(0), f"edge_index_dict[{e}]",
                             num_targets=x_dict[e[2]].size(0))
        if edge_weight_dict and self.conv not in _WEIGHTED:
            raise ValueError(f"conv={self.conv!r} takes no edge weights; use one of {_WEIGHTED}")
        edge_weight_dict = dict(edge_weight_dict or {})
        for e, w in edge_weight_dict.items():
            if e not in edge_index_dict:
                raise ValueError(f"edge_weight_dict has weights for {e}, which has no edge_index")
            check_edge_weight(w, edge_index_dict[e].size(1), f"edge_weight_dict[{e}]")
        if self.drop_edge > 0 and self.training:
            dropped_index, dropped_weight = {}, {}
            for e, index in edge_index_dict.items():
                dropped_index[e], w = drop_edge(index, self.drop_edge, True, edge_weight_dict.get(e))
                if w is not None:
                    dropped_weight[e] = w
            return dropped_index, dropped_weight
        return edge_index_dict, edge_weight_dict

    def _dropout(self, x: Tensor) -> Tensor:
        return dropout(x, self.dropout, self.training)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(hidden_channels={self.hidden_channels}, "
                f"num_layers={self.num_layers}, out_channels={self.out_channels}, "
                f"conv={self.conv!r}, residual={self.residual!r}, "
                f"jumping_knowledge={self.jumping_knowledge!r}, norm={self.norm!r}, "
                f"node_types={len(self.node_types)}, edge_types={len(self.edge_types)})")
