"""Diagnosis as multi-label node classification on an EHR graph (PROTOCOLS.md §3).

From a :class:`~graphmed.graph.MedGraph` built by :mod:`graphmed.ehr` the task predicts,
for each prediction unit (admission, encounter or patient: the node type that diagnoses
are attached to), which diagnosis categories (ICD-10 chapters, SNOMED semantic tags) its
diagnoses fall in.

* Splits are by patient (:func:`~graphmed.tasks.patient_folds.patient_folds`): all units of a patient lie on the same
  side; 5 seeded folds, each with a validation part carved from its training patients.
* The graph a model may see (:attr:`DiagnosisTask.data`) is the full graph without any
  edge between a validation or test unit and a ``diagnosis`` or ``diagnosis_category``
  node, in either direction (reverse edge types included). Validation and test units keep
  their drug, procedure and patient edges; the diagnosis ontology
  (``diagnosis -in_category-> diagnosis_category``) stays.
* Labels are given for the training and validation units only; test labels come from
  :func:`unit_labels` on the full graph, for evaluation.
* Prediction units are the units with at least one diagnosis (others carry no label).
* Categories: a category is kept when at least ``min_count`` training units have it and
  at least ``min_count`` do not (decided on the training units of the fold alone), so
  every kept category can be learned and has a defined training AUROC.

Training graph models must not see the diagnoses of the units they are trained on, or
they learn to read the answer from the edges that test units lack.
:meth:`DiagnosisTask.training_view` therefore hides, at each step, the diagnosis edges of
a random subset of training patients and returns those patients' units as the targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import HeteroData

from graphmed.checks import check_settings
from graphmed.errors import DataFormatError
from graphmed.graph.medgraph import EdgeType, MedGraph, keep_edges
# patient_folds is named here too: the folds are part of the task's protocol
from graphmed.tasks.patient_folds import PatientFold, patient_folds  # noqa: F401

#: Node types whose edges to a unit reveal that unit's diagnoses.
TARGET_NODE_TYPES = ("diagnosis", "diagnosis_category")
PATIENT = "patient"
DIAGNOSIS = "diagnosis"
CATEGORY = "diagnosis_category"
#: Code node types that come first, in this order, among a unit's codes (:func:`code_types`).
LEADING_CODE_TYPES = ("drug", "procedure")
DEFAULT_MIN_COUNT = 5


# --------------------------------------------------------------------------------------------
# graph structure


def check_graph(graph: object) -> MedGraph:
    """``graph`` if it is a :class:`MedGraph`; a ``TypeError`` saying how to make one otherwise
    (e.g. for the :class:`~graphmed.ehr.EHRData` it is built from)."""
    if not isinstance(graph, MedGraph):
        hint = " (call its .build())" if hasattr(graph, "build") else ""
        raise TypeError(f"expected a MedGraph, got {type(graph).__name__}{hint}")
    return graph


def unit_type(graph: MedGraph) -> str:
    """The node type diagnoses are attached to: the source of ``<unit> -diagnosed_with-> diagnosis``."""
    for src, rel, dst in check_graph(graph).data.edge_types:
        if dst == DIAGNOSIS and rel == "diagnosed_with":
            return src
    raise ValueError(f"graph {graph.name!r} has no '<unit> -diagnosed_with-> diagnosis' edges "
                     "(the relation graphmed.ehr's loaders build from diagnosis tables; a graph "
                     "of your own needs it, named so, from the units to their diagnosis codes)")


def unit_patients(graph: MedGraph, unit: str | None = None) -> np.ndarray:
    """``(n_units,)`` patient index of every unit (the unit itself when units are patients)."""
    unit = unit or unit_type(graph)
    n = graph.data[unit].num_nodes
    if unit == PATIENT:
        return np.arange(n, dtype=np.int64)
    for src, rel, dst in graph.data.edge_types:
        if src == PATIENT and dst == unit:
            edges = graph.data[src, rel, dst].edge_index.numpy()
            out = np.full(n, -1, dtype=np.int64)
            out[edges[1]] = edges[0]
            if (out < 0).any() or np.bincount(edges[1], minlength=n).max() > 1:
                raise ValueError(f"every {unit} needs exactly one patient ({src}-{rel}->{dst})")
            return out
    raise ValueError(f"no 'patient -> {unit}' edge type links units to patients")


def unit_labels(graph: MedGraph, units=None, categories=None, unit: str | None = None
                ) -> np.ndarray:
    """``(len(units), len(categories))`` float32 0/1: unit has a diagnosis in the category.

    Read from the full graph (``unit -> diagnosis -> category`` and any direct
    ``unit -> category`` edges). ``units``: unit indices (all when ``None``); ``categories``:
    category ids (all, in node order, when ``None``).
    """
    unit = unit or unit_type(graph)
    data = graph.data
    n_units, n_cat = data[unit].num_nodes, data[CATEGORY].num_nodes
    full = np.zeros((n_units, n_cat), dtype=np.float32)
    category_of = np.full(data[DIAGNOSIS].num_nodes, -1, dtype=np.int64)
    for src, rel, dst in data.edge_types:
        if src == DIAGNOSIS and dst == CATEGORY:
            e = data[src, rel, dst].edge_index.numpy()
            category_of[e[0]] = e[1]
    for src, rel, dst in data.edge_types:
        if src != unit or rel.startswith("rev_"):
            continue
        e = data[src, rel, dst].edge_index.numpy()
        if dst == DIAGNOSIS:
            cats = category_of[e[1]]
            ok = cats >= 0
            full[e[0][ok], cats[ok]] = 1.0
        elif dst == CATEGORY:
            full[e[0], e[1]] = 1.0
    rows = np.arange(n_units) if units is None else np.asarray(units, dtype=np.int64)
    cols = (np.arange(n_cat) if categories is None
            else graph.indices_of(CATEGORY, [str(c) for c in categories]))
    return full[np.ix_(rows, cols)]


def target_units(graph: MedGraph, unit: str | None = None) -> np.ndarray:
    """Units with at least one diagnosis (the prediction units), sorted."""
    unit = unit or unit_type(graph)
    data = graph.data
    has = np.zeros(data[unit].num_nodes, dtype=bool)
    for src, rel, dst in data.edge_types:
        if src == unit and dst in TARGET_NODE_TYPES and not rel.startswith("rev_"):
            has[data[src, rel, dst].edge_index[0].numpy()] = True
    return np.flatnonzero(has)


def code_types(data: HeteroData, unit: str) -> tuple[str, ...]:
    """The node types of a unit's codes: those it links to (``unit -> type``, not reversed)
    other than diagnoses, categories and patients. Drugs and procedures come first, then
    the others (e.g. ``lab``, :mod:`graphmed.ehr.labs`) in the graph's order."""
    linked = [dst for src, rel, dst in data.edge_types
              if src == unit and not rel.startswith("rev_")
              and dst not in TARGET_NODE_TYPES + (PATIENT, unit)]
    leading = [t for t in LEADING_CODE_TYPES if t in linked]
    return tuple(dict.fromkeys(leading + linked))


def revealing_edge_types(data: HeteroData, unit: str) -> list[EdgeType]:
    """Edge types joining ``unit`` to a diagnosis or category node, either direction."""
    return [et for et in data.edge_types
            if (et[0] == unit and et[2] in TARGET_NODE_TYPES)
            or (et[2] == unit and et[0] in TARGET_NODE_TYPES)]


def _unit_endpoint(edge_type: EdgeType, unit: str, edge_index: torch.Tensor) -> torch.Tensor:
    return edge_index[0] if edge_type[0] == unit else edge_index[1]


def hide_diagnoses(data: HeteroData, unit: str, hidden_units) -> HeteroData:
    """A copy of ``data`` without the edges between ``hidden_units`` and diagnosis/category
    nodes (both directions; every edge attribute filtered alike). Other edges keep their order."""
    out = data.clone()
    hidden = torch.zeros(data[unit].num_nodes, dtype=torch.bool)
    hidden[torch.as_tensor(np.asarray(hidden_units, dtype=np.int64))] = True
    for et in revealing_edge_types(data, unit):
        store = out[et]
        keep_edges(store, ~hidden[_unit_endpoint(et, unit, store.edge_index)])
    return out


# --------------------------------------------------------------------------------------------
# the task


@dataclass(eq=False)
class DiagnosisTask:
    """What a diagnosis model may see for one fold.

    Attributes:
        data: the graph without diagnosis/category edges of validation and test units.
        unit: the prediction node type.
        categories: ids of the kept categories (columns of the labels).
        unit_patient: ``(n_units,)`` patient index of every unit.
        train_units / val_units / test_units: ``(n,)`` unit indices (prediction units only).
        train_labels / val_labels: ``(n, c)`` float32.
        fold: the patient fold.
        name: the graph's name.
        category_index: ``(c,)`` index of each kept category among the graph's
            ``diagnosis_category`` nodes (columns of per-category node attributes).
    """

    data: HeteroData
    unit: str
    categories: list[str]
    unit_patient: np.ndarray
    train_units: np.ndarray
    val_units: np.ndarray
    test_units: np.ndarray
    train_labels: np.ndarray
    val_labels: np.ndarray
    fold: PatientFold
    name: str = ""
    category_index: np.ndarray | None = None
    _bag: dict = field(default_factory=dict, repr=False)

    @property
    def num_categories(self) -> int:
        return len(self.categories)

    @property
    def num_units(self) -> int:
        return int(self.data[self.unit].num_nodes)

    @property
    def entity_types(self) -> tuple[str, ...]:
        """Node types whose nodes belong to one patient (their ids are not shared by folds)."""
        return tuple(dict.fromkeys(t for t in (PATIENT, self.unit) if t in self.data.node_types))

    @property
    def code_types(self) -> tuple[str, ...]:
        """Node types of the units' codes (:func:`code_types`): ``("drug", "procedure")``,
        then e.g. ``"lab"`` where the graph has abnormal lab results."""
        return code_types(self.data, self.unit)

    def edge_index_dict(self) -> dict[EdgeType, torch.Tensor]:
        return {et: self.data[et].edge_index for et in self.data.edge_types}

    def training_view(self, generator: torch.Generator, fraction: float = 0.5):
        """Hide the diagnoses of a random ``fraction`` of training patients.

        Returns:
            ``(rows, edge_index_dict)``: ``rows`` indexes :attr:`train_units` (the units of
            the chosen patients: the targets of this step) and ``edge_index_dict`` is
            :attr:`data` without those units' diagnosis/category edges.
        """
        patients = np.unique(self.unit_patient[self.train_units])
        n_pick = max(1, int(round(fraction * patients.size)))
        order = torch.randperm(patients.size, generator=generator).numpy()
        picked = patients[order[:n_pick]]
        rows = np.flatnonzero(np.isin(self.unit_patient[self.train_units], picked))
        hidden = torch.zeros(self.num_units, dtype=torch.bool)
        hidden[torch.from_numpy(self.train_units[rows])] = True
        edges = {}
        revealing = set(revealing_edge_types(self.data, self.unit))
        for et in self.data.edge_types:
            index = self.data[et].edge_index
            if et in revealing:
                index = index[:, ~hidden[_unit_endpoint(et, self.unit, index)]]
            edges[et] = index
        return rows, edges

    def bag_of_codes(self, node_types=None, demographics: bool = True, sparse: bool = False):
        """``(n_units, f)`` float32 features of every unit read from the visible graph: 0/1
        for each code of ``node_types`` linked to it (:attr:`code_types` when ``None``:
        drugs, procedures and any other codes such as abnormal lab results), then
        (``demographics``) the features of its patient (sex, age / 100).

        ``sparse=True`` returns a ``scipy.sparse.csr_matrix`` built without the dense array,
        which a full database needs (400,000 admissions x 25,000 codes would be 40 GB dense);
        the dense array is the same matrix."""
        if node_types is None:
            node_types = self.code_types
        node_types = (node_types,) if isinstance(node_types, str) else tuple(node_types)
        key = (node_types, demographics)
        if key not in self._bag:
            self._bag[key] = self._sparse_bag(node_types, demographics)
        if sparse:
            return self._bag[key]
        dense_key = key + ("dense",)
        if dense_key not in self._bag:
            self._bag[dense_key] = self._bag[key].toarray()
        return self._bag[dense_key]

    def _sparse_bag(self, node_types, demographics: bool) -> sp.csr_matrix:
        blocks = []
        for nt in node_types:
            if nt not in self.data.node_types:
                continue
            rows, cols = [], []
            for src, rel, dst in self.data.edge_types:
                if src == self.unit and dst == nt:
                    e = self.data[src, rel, dst].edge_index.numpy()
                    rows.append(e[0])
                    cols.append(e[1])
            rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
            cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
            block = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)),
                                  shape=(self.num_units, int(self.data[nt].num_nodes)))
            block.sum_duplicates()
            block.data[:] = 1.0  # a code linked twice is still one code
            blocks.append(block)
        if demographics and "x" in self.data[PATIENT]:
            x = self.data[PATIENT].x.numpy().astype(np.float32)
            x = x / np.maximum(np.abs(x).max(0, keepdims=True), 1.0)
            blocks.append(sp.csr_matrix(x[self.unit_patient]))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def summary(self) -> dict:
        return {"name": self.name, "unit": self.unit, "fold": self.fold.index,
                "seed": self.fold.seed, "categories": list(self.categories),
                "units": {"train": int(self.train_units.size), "val": int(self.val_units.size),
                          "test": int(self.test_units.size)},
                "patients": {"train": int(self.fold.train.size), "val": int(self.fold.val.size),
                             "test": int(self.fold.test.size)}}


def build_diagnosis_task(graph: MedGraph, fold: PatientFold, *, min_count: int = DEFAULT_MIN_COUNT,
                         test_units=None) -> DiagnosisTask:
    """The task of one patient fold (see the module docstring for what is hidden and kept).

    ``test_units``: indices of units of test patients to score instead of those with
    diagnoses (e.g. admissions not coded yet, :mod:`graphmed.tasks.diagnosis_prediction`).
    """
    check_settings(at_least={"min_count": (min_count, 1)})
    check_graph(graph)
    if not isinstance(fold, PatientFold):
        raise TypeError(f"fold must be a PatientFold (patient_folds makes them), got "
                        f"{type(fold).__name__}")
    n_patients = int(graph.data[PATIENT].num_nodes)
    beyond = [int(p.max()) for p in (fold.train, fold.val, fold.test) if p.size and p.max() >= n_patients]
    if beyond:
        raise ValueError(f"patient index {beyond[0]} of the fold is out of range [0, {n_patients})")
    if fold.train.size == 0 or fold.val.size == 0:
        raise ValueError(f"the fold needs training and validation patients; it has "
                         f"{fold.train.size} and {fold.val.size}")
    unit = unit_type(graph)
    patient_of = unit_patients(graph, unit)
    targets = target_units(graph, unit)
    side = np.full(n_patients, -1)
    for k, part in enumerate((fold.train, fold.val, fold.test)):
        side[part] = k
    if (side < 0).any():
        raise ValueError(f"{int((side < 0).sum())} patients are in no part of the fold")
    unit_side = side[patient_of]
    units = [targets[unit_side[targets] == k] for k in range(3)]
    if test_units is not None:
        given = np.asarray(test_units)
        if given.ndim != 1 or (given.size and not np.issubdtype(given.dtype, np.integer)):
            raise ValueError(f"test_units must be a 1-D list of integer unit indices, got "
                             f"dtype {given.dtype} and shape {given.shape}")
        units[2] = np.unique(given.astype(np.int64))
        bad = units[2][(units[2] < 0) | (units[2] >= patient_of.size)]
        if bad.size:
            raise ValueError(f"test unit {int(bad[0])} out of range [0, {patient_of.size})")
        outside = units[2][unit_side[units[2]] != 2]
        if outside.size:
            raise ValueError(f"test unit {int(outside[0])} belongs to a patient outside the "
                             "fold's test part")
    hidden = np.flatnonzero(unit_side > 0)  # every unit of a validation or test patient
    data = hide_diagnoses(graph.data, unit, hidden)

    train_all = unit_labels(graph, units[0], unit=unit)
    count = train_all.sum(0)
    keep = np.flatnonzero((count >= min_count) & (units[0].size - count >= min_count))
    if keep.size == 0:
        raise DataFormatError(
            f"no diagnosis category has {min_count} training {unit}s with it and {min_count} "
            f"without it: the fold trains on {units[0].size} {unit}(s) of {len(fold.train)} "
            f"patient(s); use more patients, a smaller validation share or a lower min_count",
            source=graph.name)
    categories = graph.nodes[CATEGORY]["id"].to_numpy()[keep].tolist()
    val = unit_labels(graph, units[1], categories, unit=unit)
    return DiagnosisTask(data=data, unit=unit, categories=categories, unit_patient=patient_of,
                         train_units=units[0], val_units=units[1], test_units=units[2],
                         train_labels=train_all[:, keep], val_labels=val, fold=fold,
                         name=graph.name, category_index=keep)
