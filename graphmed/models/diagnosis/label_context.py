"""Label-aware context: the diagnosis categories of the units that share codes with a unit.

The path ``unit -> drug / procedure -> other unit -> diagnosis -> category`` of the graph,
summed exactly instead of sampled: for unit ``u``,
``sum_v s(u, v) y_v / sum_v s(u, v)`` over the other units ``v`` whose diagnoses are in
the graph given (``y_v``: 0/1 categories read from its diagnosis edges), with ``s`` the
cosine similarity of their code sets. Units whose diagnoses are hidden (validation and
test units; the targets of a training step,
:meth:`~graphmed.tasks.diagnosis.DiagnosisTask.training_view`) add nothing, because the
labels are read from the edges passed in, never from the task's label arrays.
"""
from __future__ import annotations

import torch
from torch import Tensor

from graphmed.tasks.diagnosis import CATEGORY, DIAGNOSIS, DiagnosisTask


class LabelContext(torch.nn.Module):
    """``forward(edge_index_dict) -> (n_units, n_categories)`` float32: in ``[0, 1]``, or
    (``standardise``) each column centred and scaled over the units with codes.

    ``n_categories``: every category node of the graph (not only the task's kept ones).
    Code edges (``unit -> drug``, ``unit -> procedure``, ...: ``code_types``, the task's
    :attr:`~graphmed.tasks.diagnosis.DiagnosisTask.code_types` when ``None``) and the ontology
    (``diagnosis -> category``) are read once from ``task.data``; the unit's diagnosis
    edges at each call, from ``edge_index_dict``. Sparse products only (no ``n x n``).
    """

    def __init__(self, task: DiagnosisTask, code_types: tuple[str, ...] | None = None,
                 standardise: bool = True):
        super().__init__()
        code_types = task.code_types if code_types is None else tuple(code_types)
        self.standardise = bool(standardise)
        data, unit = task.data, task.unit
        self.unit, self.num_units = unit, int(data[unit].num_nodes)
        self.num_categories = int(data[CATEGORY].num_nodes)
        rows, cols, width = [], [], 0
        for src, rel, dst in data.edge_types:
            if src == unit and dst in code_types and not rel.startswith("rev_"):
                e = data[src, rel, dst].edge_index
                rows.append(e[0])
                cols.append(e[1] + width)
                width += int(data[dst].num_nodes)
        if not rows:
            raise ValueError(f"no '{unit} -> {' / '.join(code_types)}' edges for the label context")
        index = torch.unique(torch.stack([torch.cat(rows), torch.cat(cols)]), dim=1)
        degree = torch.bincount(index[0], minlength=self.num_units).float()
        values = degree[index[0]].clamp(min=1).rsqrt()
        codes = torch.sparse_coo_tensor(index, values, (self.num_units, width),
                                        check_invariants=True).coalesce()
        self.register_buffer("codes", codes)                       # (n_units, codes), unit rows
        self.register_buffer("codes_t", codes.t().coalesce())      # (codes, n_units)
        self.register_buffer("self_weight", (degree > 0).float())  # s(u, u)
        category_of = torch.full((int(data[DIAGNOSIS].num_nodes),), -1, dtype=torch.long)
        for src, rel, dst in data.edge_types:
            if src == DIAGNOSIS and dst == CATEGORY:
                e = data[src, rel, dst].edge_index
                category_of[e[0]] = e[1]
        self.register_buffer("category_of", category_of)
        self.diagnosis_edges = [et for et in data.edge_types
                                if et[0] == unit and et[2] == DIAGNOSIS and not et[1].startswith("rev_")]

    def labels(self, edge_index_dict) -> Tensor:
        """``(n_units, n_categories)`` 0/1 categories of the units' visible diagnoses."""
        y = torch.zeros(self.num_units, self.num_categories, device=self.category_of.device)
        for et in self.diagnosis_edges:
            e = edge_index_dict[et]
            cats = self.category_of[e[1]]
            ok = cats >= 0
            y[e[0][ok], cats[ok]] = 1.0
        return y

    def forward(self, edge_index_dict) -> Tensor:
        y = self.labels(edge_index_dict)
        known = (y.sum(1, keepdim=True) > 0).float()                # (n_units, 1)
        both = torch.cat([y, known], 1)                              # (n_units, c + 1)
        summed = torch.sparse.mm(self.codes, torch.sparse.mm(self.codes_t, both))
        summed = summed - self.self_weight.unsqueeze(1) * both      # drop v = u
        out = summed[:, :-1] / summed[:, -1:].clamp(min=1e-6)
        if self.standardise:
            rows = out[self.self_weight > 0]
            out = (out - rows.mean(0)) / rows.std(0).clamp(min=1e-6) * self.self_weight.unsqueeze(1)
        return out

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(units={self.num_units}, categories={self.num_categories})"
