"""Input embeddings of the nodes of a diagnosis graph."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.data import HeteroData

from graphmed.ehr.indications import INDICATION_ATTR


class NodeInputs(torch.nn.Module):
    """``{node type: (N_t, C)}`` input vectors for a heterogeneous EHR graph.

    Every node gets its type's learned vector; node types with features ``x`` add
    ``Linear(x / scale)`` (``scale``: the largest absolute value of each column); shared
    node types (codes: diagnoses, categories, procedures, drugs) add a learned embedding
    per node. Entity types (patients, admissions: nodes that belong to one patient, hence
    to one side of a split) get no per-node embedding, so held-out units start from what
    every unit shares and are told apart by their edges and features only.

    ``features`` adds or replaces features of node types, e.g. the bag-of-codes of the
    units (:meth:`~graphmed.tasks.diagnosis.DiagnosisTask.bag_of_codes`). With
    ``code_embeddings`` shared node types that have features (text embeddings of code
    titles) also get the per-node embedding; by default features replace it.
    """

    def __init__(self, data: HeteroData, channels: int, entity_types: tuple[str, ...],
                 features: dict[str, Tensor] | None = None, dropout: float = 0.0,
                 code_embeddings: bool = False):
        super().__init__()
        features = dict(features or {})
        self.dropout, self.code_embeddings = float(dropout), bool(code_embeddings)
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
            if t not in self.entity_types and (x is None or self.code_embeddings):
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
            if t in self.embs:
                v = v + self.embs[t].weight
            out[t] = v
        return out


def sibling_codes(bag: np.ndarray, unit_patient: np.ndarray) -> np.ndarray:
    """``(n_units, f)`` float32 0/1: the code is in another unit of the same patient.

    ``bag (n_units, f)`` 0/1 codes of every unit; ``unit_patient (n_units,)`` patient index.
    """
    bag, unit_patient = np.asarray(bag), np.asarray(unit_patient)
    if bag.ndim != 2 or unit_patient.shape != (bag.shape[0],):
        raise ValueError(f"need bag (n, f) and unit_patient (n,), got {bag.shape} and "
                         f"{unit_patient.shape}")
    if unit_patient.size and not np.issubdtype(unit_patient.dtype, np.integer):
        raise ValueError(f"unit_patient must hold integer patient indices, got dtype "
                         f"{unit_patient.dtype}")
    unit_patient = unit_patient.astype(np.int64)
    if (unit_patient < 0).any():
        raise ValueError("unit_patient has negative indices")
    per_patient = np.zeros((int(unit_patient.max(initial=-1)) + 1, bag.shape[1]), dtype=np.float32)
    np.add.at(per_patient, unit_patient, (bag > 0).astype(np.float32))
    return (per_patient[unit_patient] - (bag > 0) > 0).astype(np.float32)


def unit_codes(task, siblings: bool = False) -> np.ndarray:
    """``(n_units, f)`` float32 codes of every unit: its bag-of-codes (drugs, procedures and
    any other codes of :attr:`~graphmed.tasks.diagnosis.DiagnosisTask.code_types`, from the
    visible graph), then (``siblings``) those of the patient's other units
    (:func:`sibling_codes`; all zeros when units are patients)."""
    bag = task.bag_of_codes(demographics=False)
    if not siblings:
        return bag
    return np.concatenate([bag, sibling_codes(bag, task.unit_patient)], axis=1)


def has_code_text(task, node_types=None) -> bool:
    """Whether any node type of ``node_types`` (the task's code types when ``None``) in
    ``task``'s graph carries text features ``x`` (what :func:`text_codes` reads)."""
    node_types = task.code_types if node_types is None else node_types
    return any(t in task.data.node_types and task.data[t].get("x") is not None
               for t in node_types)


def text_codes(task, node_types=None) -> np.ndarray:
    """``(n_units, d * k)`` float32: for each of the ``k`` node types of ``node_types`` (the
    task's code types when ``None``) that
    carry text features ``x (N_t, d)`` (:func:`graphmed.ehr.add_text_features`), the mean of
    the unit-length features of the unit's linked codes (zeros for a unit with none).

    Unlike a column of the bag-of-codes, a code seen in no training unit still moves the
    unit towards codes with similar names."""
    node_types = task.code_types if node_types is None else tuple(node_types)
    if not has_code_text(task, node_types):
        raise ValueError(f"no node type of {tuple(node_types)} has text features 'x'; add them "
                         "with graphmed.ehr.add_text_features")
    bag = task.bag_of_codes(node_types, demographics=False, sparse=True)
    blocks, start = [], 0
    for node_type in node_types:
        if node_type not in task.data.node_types:
            continue
        count = int(task.data[node_type].num_nodes)
        codes, start = bag[:, start:start + count], start + count
        x = task.data[node_type].get("x")
        if x is None:
            continue
        x = x.numpy().astype(np.float32)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        counts = np.asarray(codes.sum(axis=1), dtype=np.float32)
        blocks.append(np.asarray(codes @ x) / np.maximum(counts, 1.0))
    return np.concatenate(blocks, axis=1)


def has_indications(task, drug_type: str = "drug") -> bool:
    """Whether ``task``'s drugs carry known indications per category
    (:func:`graphmed.ehr.indications.add_indication_categories`)."""
    return (drug_type in task.data.node_types
            and task.data[drug_type].get(INDICATION_ATTR) is not None)


def indication_codes(task, drug_type: str = "drug") -> np.ndarray:
    """``(n_units, c)`` float32: ``log(1 + m)`` where ``m`` sums, over the unit's drugs, their
    known indications' shares of each kept category (columns as :attr:`task.categories`).

    Needs :func:`graphmed.ehr.indications.add_indication_categories` on the graph; reads
    the unit's drug edges only, which validation and test units keep."""
    if not has_indications(task, drug_type):
        raise ValueError(f"the {drug_type!r} nodes have no {INDICATION_ATTR!r}; add them with "
                         "graphmed.ehr.indications.add_indication_categories")
    if task.category_index is None:
        raise ValueError("the task does not say which graph categories its columns are; build "
                         "it with graphmed.tasks.diagnosis.build_diagnosis_task")
    per_drug = task.data[drug_type][INDICATION_ATTR].numpy()[:, task.category_index]
    bag = task.bag_of_codes((drug_type,), demographics=False, sparse=True)
    return np.log1p(np.asarray(bag @ per_drug, dtype=np.float32))


def lsa_codes(task, components: int, node_types=None) -> np.ndarray:
    """``(n_units, components)`` float32 latent semantic analysis of every unit's codes
    (Deerwester et al., JASIS 1990): the units' TF-IDF code vectors (rows of unit length)
    reduced by truncated SVD (each component's sign fixed: its largest entry is positive),
    each row scaled to unit length (zeros for a unit with no code).

    Label-free and computed over all units of the graph, test units included, as the
    graph itself is: codes that share units land near each other, so a code rare among
    the training units still moves a unit towards the codes it is prescribed or done with.
    """
    from scipy.sparse.linalg import svds
    from sklearn.feature_extraction.text import TfidfTransformer

    codes = task.bag_of_codes(node_types, demographics=False, sparse=True).astype(np.float64)
    if not 1 <= components < min(codes.shape):
        raise ValueError(f"components must be an integer in [1, {min(codes.shape) - 1}] for "
                         f"{codes.shape[0]} units and {codes.shape[1]} codes, got {components}")
    weighted = TfidfTransformer().fit_transform(codes)  # smoothed idf, rows of unit length
    u, s, _ = svds(weighted.tocsc(), k=int(components), random_state=0)
    u = u * np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])  # signs fixed
    embedding = u[:, ::-1] * s[::-1]
    lengths = np.linalg.norm(embedding, axis=1, keepdims=True)
    return (embedding / np.where(lengths > 0, lengths, 1.0)).astype(np.float32)


def node_inputs(task, channels: int, unit_features: bool, dropout: float,
                siblings: bool = False, code_embeddings: bool = False) -> NodeInputs:
    """:class:`NodeInputs` of a diagnosis task; with ``unit_features`` the units' features are
    :func:`unit_codes` (``siblings``: with the patient's other units' codes)."""
    features = ({task.unit: torch.from_numpy(unit_codes(task, siblings))}
                if unit_features else None)
    return NodeInputs(task.data, channels, task.entity_types, features, dropout, code_embeddings)
