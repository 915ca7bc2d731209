"""The network of the Trans4DD-style diagnosis model
(:class:`~graphmed.models.diagnosis.Trans4DD`, whose module docstring describes it): a
heterogeneous graph-Transformer encoder over every node, then a Transformer over each unit's
sampled multi-hop context, a linear multi-label head and an optional wide map of the unit's
codes."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from graphmed.models.diagnosis.base import validation_score
from graphmed.models.diagnosis.inputs import indication_codes, node_inputs, unit_codes
from graphmed.models.diagnosis.label_context import LabelContext
from graphmed.models.diagnosis.logistic import BagOfCodesLogistic
from graphmed.nn.gnn_stack import GNNStack
from graphmed.nn.hop_context import csr_from_edge_index, sample_hop_context
from graphmed.nn.hop_context_transformer import HopContextTransformer
from graphmed.tasks.diagnosis import DiagnosisTask


def logistic_init(task: DiagnosisTask, bag) -> tuple:
    """``(coef (c, f), intercept (c,))`` float32 of :class:`BagOfCodesLogistic` fitted on the
    training units' rows of ``bag`` (``C`` chosen on the validation units)."""
    model = BagOfCodesLogistic()
    x_train, x_val = bag[task.train_units], bag[task.val_units]
    best = None
    for c in model.cs:
        models = model._fit_c(x_train, None, task.train_labels, c, 0)
        score = validation_score(task.val_labels, model._proba(models, x_val, None))
        if best is None or score > best[0] + 1e-9:
            best = (score, models)
    coef = np.concatenate([m.coef_ for m in best[1]]).astype(np.float32)
    intercept = np.concatenate([m.intercept_ for m in best[1]]).astype(np.float32)
    return coef, intercept


#: Starts of the wide map.
WIDE_INITS = ("random", "logistic")


class Trans4DDNet(torch.nn.Module):
    """The network of :class:`Trans4DD` for one graph's node and edge types."""

    def __init__(self, task: DiagnosisTask, channels: int, layers: int, heads: int,
                 dropout: float, sizes: tuple[int, ...], context_layers: int,
                 encoder_residual: str = "residual", unit_features: bool = True,
                 wide: bool = False, wide_init: str = "random", siblings: bool = False,
                 code_embeddings: bool = False, label_context: bool = False,
                 indications: bool = False, indication_init: float = 1.0):
        super().__init__()
        data = task.data
        self.node_types, self.edge_types = list(data.node_types), list(data.edge_types)
        self.unit, self.sizes, self.dropout = task.unit, tuple(sizes), dropout
        counts = [int(data[t].num_nodes) for t in self.node_types]
        offsets = torch.tensor([0] + counts).cumsum(0)
        self.offset = {t: int(offsets[k]) for k, t in enumerate(self.node_types)}
        self.num_nodes = int(offsets[-1])
        self.register_buffer("node_type", torch.repeat_interleave(
            torch.arange(len(counts)), torch.tensor(counts)))
        self.inputs = node_inputs(task, channels, unit_features, dropout, siblings,
                                  code_embeddings)
        self.encoder = GNNStack(channels, channels, layers, conv="transformer",
                                residual=encoder_residual, norm="layernorm", dropout=dropout,
                                heads=heads, num_edge_types=len(self.edge_types))
        self.context = HopContextTransformer(channels, len(self.node_types), len(self.sizes),
                                             heads=heads, layers=context_layers, dropout=dropout)
        self.head = torch.nn.Linear(channels, task.num_categories)
        self.label_context = self.label_head = None
        if label_context:
            self.label_context = LabelContext(task)
            self.label_head = torch.nn.Linear(self.label_context.num_categories,
                                              task.num_categories)
        self.indication_scale = None
        if indications:
            # each category's logit reads the unit's known indications for that category,
            # starting from a positive weight: an indication for the category is evidence for it
            self.register_buffer("indications", torch.from_numpy(indication_codes(task)))
            self.indication_scale = torch.nn.Parameter(
                torch.full((task.num_categories,), float(indication_init)))
        self.wide = None
        if wide:
            bag = torch.from_numpy(unit_codes(task, siblings))
            self.register_buffer("bag", bag)
            self.wide = torch.nn.Linear(bag.size(1), task.num_categories)
            if wide_init == "logistic":
                # start from the logistic baseline on the same codes (C chosen on validation);
                # the deep head starts at zero, so training begins at the logistic model
                coef, intercept = logistic_init(task, bag.numpy())
                with torch.no_grad():
                    self.wide.weight.copy_(torch.from_numpy(coef))
                    self.wide.bias.copy_(torch.from_numpy(intercept))
                    self.head.weight.zero_()
                    self.head.bias.zero_()
            elif wide_init != "random":
                raise ValueError(f"wide_init must be 'random' or 'logistic', got {wide_init!r}")

    def homogeneous(self, edge_index_dict):
        """``edge_index (2, E)`` over all nodes and ``edge_type (E,)`` (index in :attr:`edge_types`)."""
        indices, types = [], []
        for k, et in enumerate(self.edge_types):
            e = edge_index_dict[et]
            shift = torch.tensor([[self.offset[et[0]]], [self.offset[et[2]]]], device=e.device)
            indices.append(e + shift)
            types.append(torch.full((e.size(1),), k, dtype=torch.long, device=e.device))
        return torch.cat(indices, 1), torch.cat(types)

    def forward(self, edge_index_dict, units: torch.Tensor, generator: torch.Generator,
                samples: int = 1, chunk: int | None = None) -> torch.Tensor:
        """``(len(units), c)`` logits. The graph encoder runs once over every node; the
        context Transformer reads ``chunk`` units at a time (``None``: all at once), which
        bounds its memory on large graphs."""
        x = self.inputs()
        x = torch.cat([x[t] for t in self.node_types])
        edge_index, edge_type = self.homogeneous(edge_index_dict)
        h = self.encoder(x, edge_index, edge_type=edge_type)
        rowptr, col = csr_from_edge_index(edge_index, self.num_nodes)
        seeds = units + self.offset[self.unit]
        parts = [seeds] if chunk is None else torch.split(seeds, chunk)
        out = torch.cat([self._readout(h, rowptr, col, part, generator, samples)
                         for part in parts])
        if self.wide is not None:
            out = out + self.wide(F.dropout(self.bag[units], self.dropout, self.training))
        if self.indication_scale is not None:
            out = out + self.indications[units] * self.indication_scale
        if self.label_context is not None:
            out = out + self.label_head(self.label_context(edge_index_dict)[units])
        return out

    def _readout(self, h, rowptr, col, seeds, generator, samples: int) -> torch.Tensor:
        """Head logits of the context Transformer for ``seeds`` (global node indices),
        averaged over ``samples`` context draws."""
        logits = []
        for _ in range(samples):
            nodes, hops, valid = sample_hop_context(rowptr, col, seeds, self.sizes, generator)
            z = self.context(h, self.node_type, nodes, hops, valid)
            logits.append(self.head(F.dropout(z, self.dropout, self.training)))
        return torch.stack(logits).mean(0)
