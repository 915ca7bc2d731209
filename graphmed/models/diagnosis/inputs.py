"""Input embeddings of the nodes of a diagnosis graph."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import HeteroData


class NodeInputs(torch.nn.Module):
    """``{node type: (N_t, C)}`` input vectors for a heterogeneous EHR graph.

    Every node gets its type's learned vector; node types with features ``x`` add
    ``Linear(x / scale)`` (``scale``: the largest absolute value of each column); shared
    node types (codes: diagnoses, categories, procedures, drugs) add a learned embedding
    per node. Entity types (patients, admissions: nodes that belong to one patient, hence
    to one side of a split) get no per-node embedding, so held-out units start from what
    every unit shares and are told apart by their edges and features only.

    ``features`` adds or replaces features of node types, e.g. the bag-of-codes of the
    units (:meth:`~graphmed.tasks.diagnosis.DiagnosisTask.bag_of_codes`).
    """

    def __init__(self, data: HeteroData, channels: int, entity_types: tuple[str, ...],
                 features: dict[str, Tensor] | None = None, dropout: float = 0.0):
        super().__init__()
        features = dict(features or {})
        self.dropout = float(dropout)
        self.node_types, self.channels = list(data.node_types), channels
        self.entity_types = tuple(entity_types)
        self.type_vec = torch.nn.Parameter(torch.empty(len(self.node_types), channels))
        self.lins, self.embs = torch.nn.ModuleDict(), torch.nn.ModuleDict()
        self.num_nodes = {t: int(data[t].num_nodes) for t in self.node_types}
        for t in self.node_types:
            x = features.get(t, data[t].get("x"))
            if x is not None:
                x = torch.as_tensor(x)
                self.register_buffer(f"scale_{t}", x.abs().amax(0).clamp(min=1.0))
                self.register_buffer(f"x_{t}", x.float())
                self.lins[t] = torch.nn.Linear(x.size(1), channels)
            elif t not in self.entity_types:
                self.embs[t] = torch.nn.Embedding(self.num_nodes[t], channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.type_vec, std=0.1)
        for lin in self.lins.values():
            lin.reset_parameters()
        for emb in self.embs.values():
            torch.nn.init.normal_(emb.weight, std=0.1)

    def forward(self) -> dict[str, Tensor]:
        out = {}
        for k, t in enumerate(self.node_types):
            v = self.type_vec[k].expand(self.num_nodes[t], -1)
            if t in self.lins:
                x = getattr(self, f"x_{t}") / getattr(self, f"scale_{t}")
                v = v + self.lins[t](F.dropout(x, self.dropout, self.training))
            elif t in self.embs:
                v = v + self.embs[t].weight
            out[t] = v
        return out


def node_inputs(task, channels: int, unit_features: bool, dropout: float) -> NodeInputs:
    """:class:`NodeInputs` of a diagnosis task; with ``unit_features`` the units' features are
    their bag-of-codes (drugs and procedures, from the visible graph)."""
    features = ({task.unit: torch.from_numpy(task.bag_of_codes(demographics=False))}
                if unit_features else None)
    return NodeInputs(task.data, channels, task.entity_types, features, dropout)
