"""A relation-aware graph convolution stack with residuals and layer attention."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from graphmed.checks import check_settings
from graphmed.nn._checks import check_edge_index, check_edge_type, check_edge_weight, check_features


def normalized_adjacency(edge_index: Tensor, edge_weight: Tensor | None, num_nodes: int,
                         add_self_loops: bool) -> Tensor:
    """Sparse ``D^-1/2 (A [+ I]) D^-1/2`` as a coalesced COO tensor ``(num_nodes, num_nodes)``."""
    device = edge_index.device
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), device=device)
    if add_self_loops:
        loops = torch.arange(num_nodes, device=device)
        edge_index = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
        edge_weight = torch.cat([edge_weight, torch.ones(num_nodes, device=device)])
    degree = torch.zeros(num_nodes, device=device).index_add_(0, edge_index[0], edge_weight)
    inv_sqrt = torch.where(degree > 0, degree.clamp_min(1e-12).pow(-0.5), torch.zeros_like(degree))
    values = inv_sqrt[edge_index[0]] * edge_weight * inv_sqrt[edge_index[1]]
    return torch.sparse_coo_tensor(edge_index, values, (num_nodes, num_nodes),
                                   check_invariants=False).coalesce()


def propagate(adjacency: Tensor, dense: Tensor) -> Tensor:
    """``adjacency @ dense`` ``(N, C)`` in the adjacency's precision, autocast or not.

    CUDA has no sparse product in bfloat16: under autocast the dense side (a linear layer's
    bfloat16 output) is cast up to the adjacency's float32 and the product runs outside
    autocast; the float32 result joins the next autocast operation as any input does.
    """
    with torch.autocast(dense.device.type, enabled=False):
        return torch.sparse.mm(adjacency, dense.to(adjacency.dtype))


class RelationalStack(torch.nn.Module):
    r"""Graph convolution with one weight matrix per relation, summed, plus residuals.

    ::

        h_0 = W_in x
        z_l = sum_r relu(P_r dropout(h_{l-1}') W_{l,r})    (h_0' = x for the first layer)
        h_l = z_l + h_{l-1}                                 (residual)
        out = sum_l softmax(a)_l h_l                        (layer attention)

    Each relation ``r`` (e.g. drug–drug similarity, drug–disease association) has its
    own symmetrically normalised adjacency ``P_r``, so a dense relation cannot drown a
    sparse one; this is the inter-/intra-domain split of heterogeneous drug–disease GCNs
    (Cai et al., Brief Bioinform 22(6), 2021). The residuals and the attention over
    layers keep deep stacks from collapsing to one vector.

    Args:
        in_channels: input width ``F``; hidden_channels: ``C``; num_layers: ``L``.
        num_relations: ``R``; relation_self_loops: per relation, add ``I`` before normalising.
        dropout: on layer inputs and the output.
        drop_edge: per relation, probability of dropping an edge while training.

    Shapes: ``x (N, F)``, ``edge_index (2, E)``, ``edge_type (E,)`` in ``[0, R)``,
    ``edge_weight (E,)`` -> ``(N, C)``.
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_layers: int, num_relations: int,
                 *, relation_self_loops: tuple[bool, ...] | None = None, dropout: float = 0.0,
                 drop_edge: tuple[float, ...] | float = 0.0, residual: bool | str = True,
                 layer_attention: bool = True, alpha: float = 0.1, theta: float = 0.5):
        super().__init__()
        check_settings("RelationalStack", at_least={
            "in_channels": (in_channels, 1), "hidden_channels": (hidden_channels, 1),
            "num_layers": (num_layers, 1), "num_relations": (num_relations, 1)},
            fractions={"dropout": dropout, "alpha": alpha}, non_negative={"theta": theta})
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        self.num_layers, self.num_relations = num_layers, num_relations
        self.relation_self_loops = tuple(relation_self_loops or (False,) * num_relations)
        drop = (drop_edge,) * num_relations if isinstance(drop_edge, (int, float)) else tuple(drop_edge)
        if len(self.relation_self_loops) != num_relations or len(drop) != num_relations:
            raise ValueError("relation_self_loops and drop_edge need one value per relation")
        check_settings("RelationalStack",
                       fractions={f"drop_edge[{r}]": p for r, p in enumerate(drop)})
        self.drop_edge = drop
        residual = {True: "residual", False: "none"}.get(residual, residual)
        if residual not in ("none", "residual", "initial"):
            raise ValueError(f"residual must be 'none', 'residual' or 'initial', got {residual!r}")
        self.dropout, self.residual, self.layer_attention = float(dropout), residual, layer_attention
        self.alpha, self.theta = float(alpha), float(theta)
        self.lin_in = torch.nn.Linear(in_channels, hidden_channels)
        first = hidden_channels if residual == "initial" else in_channels
        self.lins = torch.nn.ModuleList(
            torch.nn.Linear(first if layer == 0 else hidden_channels, hidden_channels,
                            bias=residual != "initial")
            for layer in range(num_layers) for _ in range(num_relations))
        self.attention = torch.nn.Parameter(torch.empty(num_layers))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin_in.reset_parameters()
        for lin in self.lins:
            lin.reset_parameters()
        torch.nn.init.zeros_(self.attention)

    def adjacencies(self, edge_index: Tensor, edge_type: Tensor, edge_weight: Tensor | None,
                    num_nodes: int) -> list[Tensor]:
        """One normalised sparse adjacency per relation (DropEdge applied when training)."""
        out = []
        for r in range(self.num_relations):
            mask = edge_type == r
            if self.training and self.drop_edge[r] > 0:
                mask &= torch.rand(mask.shape, device=mask.device) >= self.drop_edge[r]
            weight = None if edge_weight is None else edge_weight[mask]
            out.append(normalized_adjacency(edge_index[:, mask], weight, num_nodes,
                                            self.relation_self_loops[r]))
        return out

    def forward(self, x: Tensor, edge_index: Tensor, edge_type: Tensor,
                edge_weight: Tensor | None = None, return_layers: bool = False):
        self._check_inputs(x, edge_index, edge_type, edge_weight)
        adjacency = self.adjacencies(edge_index, edge_type, edge_weight, x.size(0))
        h = self.lin_in(x)
        if self.residual == "initial":
            return self._forward_initial(F.relu(h), adjacency, return_layers)
        inputs, layers = x, []
        for layer in range(self.num_layers):
            dropped = F.dropout(inputs, self.dropout, self.training)
            lins = self.lins[layer * self.num_relations:(layer + 1) * self.num_relations]
            z = sum(F.relu(propagate(adj, lin(dropped))) for adj, lin in zip(adjacency, lins))
            h = z + h if self.residual == "residual" else z
            layers.append(h)
            inputs = h
        if self.layer_attention:
            weights = torch.softmax(self.attention, dim=0)
            out = torch.einsum("l,lnc->nc", weights, torch.stack(layers))
        else:
            out = h
        out = F.dropout(out, self.dropout, self.training)
        return (out, layers) if return_layers else out

    def _check_inputs(self, x: Tensor, edge_index: Tensor, edge_type: Tensor,
                      edge_weight: Tensor | None) -> None:
        check_features(x, self.in_channels, dtype=self.lin_in.weight.dtype)
        check_edge_index(edge_index, x.size(0))
        check_edge_type(edge_type, edge_index.size(1), self.num_relations)
        if edge_weight is not None:
            check_edge_weight(edge_weight, edge_index.size(1))

    def _forward_initial(self, h0: Tensor, adjacency: list[Tensor], return_layers: bool):
        """GCNII per relation: ``relu(sum_r ((1-a) P_r h + a h_0)((1-b_l) I + b_l W_lr)) / R``.

        Initial residual and identity mapping (Chen et al., ICML 2020) with
        ``b_l = log(theta / l + 1)``: deep stacks stay close to the input embedding.
        """
        h, layers = h0, []
        for layer in range(self.num_layers):
            beta = math.log(self.theta / (layer + 1) + 1.0)
            dropped = F.dropout(h, self.dropout, self.training)
            lins = self.lins[layer * self.num_relations:(layer + 1) * self.num_relations]
            out = 0
            for adj, lin in zip(adjacency, lins):
                support = (1 - self.alpha) * propagate(adj, dropped) + self.alpha * h0
                out = out + (1 - beta) * support + beta * lin(support)
            h = F.relu(out / self.num_relations)
            layers.append(h)
        if self.layer_attention:
            weights = torch.softmax(self.attention, dim=0)
            h = torch.einsum("l,lnc->nc", weights, torch.stack(layers))
        h = F.dropout(h, self.dropout, self.training)
        return (h, layers) if return_layers else h

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.hidden_channels}, "
                f"num_layers={self.num_layers}, num_relations={self.num_relations})")
