"""Plain heterogeneous graph convolution baselines: per-relation GCN-style layers, and HGT."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch_geometric.nn import HGTConv

from graphmed.checks import check_settings
from graphmed.models.diagnosis.base import TorchDiagnosisModel, TrainConfig, bce
from graphmed.models.diagnosis.inputs import node_inputs
from graphmed.nn.hetero_gnn_stack import HeteroGNNStack
from graphmed.tasks.diagnosis import DiagnosisTask


class _HGT(torch.nn.Module):
    def __init__(self, metadata, channels: int, layers: int, heads: int, dropout: float):
        super().__init__()
        self.convs = torch.nn.ModuleList(HGTConv(channels, channels, metadata, heads=heads)
                                         for _ in range(layers))
        self.dropout = dropout

    def forward(self, x_dict, edge_index_dict):
        for conv in self.convs:
            x_dict = {t: F.dropout(v, self.dropout, self.training) for t, v in x_dict.items()}
            out = conv(x_dict, edge_index_dict)
            x_dict = {t: F.relu(out[t]) if out.get(t) is not None else x_dict[t] for t in x_dict}
        return x_dict


class _Net(torch.nn.Module):
    def __init__(self, inputs: NodeInputs, encoder: torch.nn.Module, channels: int, n_out: int,
                 unit: str, dropout: float):
        super().__init__()
        self.inputs, self.encoder, self.unit, self.dropout = inputs, encoder, unit, dropout
        self.head = torch.nn.Linear(channels, n_out)

    def forward(self, edge_index_dict, units):
        h = self.encoder(self.inputs(), edge_index_dict)[self.unit][units]
        return self.head(F.dropout(h, self.dropout, self.training))


class HeteroGraphClassifier(TorchDiagnosisModel):
    """A heterogeneous encoder over the task's graph, then a linear multi-label head on the
    unit's embedding.

    ``encoder="gcn"``: :class:`~graphmed.nn.HeteroGNNStack` with one mean-aggregation graph
    convolution per relation (``SAGEConv``), summed over relations, no residuals (a plain
    heterogeneous GCN). ``encoder="hgt"``: ``HGTConv`` layers (Hu et al., WWW 2020).
    With ``unit_features`` the units' input is their bag-of-codes (drugs, procedures, any lab
    results), as for the bag-of-codes baselines. Training hides the diagnoses of a random half of the training patients at every step
    and learns on their units (:meth:`DiagnosisTask.training_view`).
    """

    ENCODERS = ("gcn", "hgt")

    def __init__(self, encoder: str = "gcn", hidden: int = 64, layers: int = 2, heads: int = 2,
                 dropout: float = 0.3, target_fraction: float = 0.5, unit_features: bool = True,
                 train: TrainConfig | None = None, **training):
        super().__init__(train, **training)
        if encoder not in self.ENCODERS:
            raise ValueError(f"encoder must be one of {self.ENCODERS}, got {encoder!r}")
        check_settings("HeteroGraphClassifier",
                       at_least={"hidden": (hidden, 1), "layers": (layers, 1), "heads": (heads, 1)},
                       fractions={"dropout": dropout}, shares={"target_fraction": target_fraction})
        if encoder == "hgt" and hidden % heads:
            raise ValueError(f"HeteroGraphClassifier: hidden ({hidden}) must be a multiple of "
                             f"heads ({heads}) for HGT")
        self.encoder, self.hidden, self.layers, self.heads = encoder, int(hidden), int(layers), int(heads)
        self.dropout, self.target_fraction = float(dropout), float(target_fraction)
        self.unit_features = bool(unit_features)
        self.name = "hetero-gcn" if encoder == "gcn" else "hgt"

    def _build(self, task: DiagnosisTask) -> torch.nn.Module:
        metadata = task.data.metadata()
        inputs = node_inputs(task, self.hidden, self.unit_features, self.dropout)
        if self.encoder == "gcn":
            encoder = HeteroGNNStack(metadata, self.hidden, self.hidden, self.layers, conv="sage",
                                     residual="none", dropout=self.dropout)
        else:
            encoder = _HGT(metadata, self.hidden, self.layers, self.heads, self.dropout)
        return _Net(inputs, encoder, self.hidden, task.num_categories, task.unit, self.dropout)

    def _loss(self, task, generator):
        rows, edges = task.training_view(generator, self.target_fraction)
        units = self._on_device(task.train_units[rows])
        return bce(self.module(self._on_device(edges), units), task.train_labels[rows])

    def _logits(self, task, units, generator):
        return self.module(self._on_device(task.edge_index_dict()), units)

    def config(self) -> dict:
        return {"encoder": self.encoder, "hidden": self.hidden, "layers": self.layers,
                "heads": self.heads, "dropout": self.dropout,
                "target_fraction": self.target_fraction, "unit_features": self.unit_features,
                **super().config()}
