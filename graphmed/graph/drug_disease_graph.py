"""The drug–disease graph of a data set: association edges plus similarity neighbours."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphmed.datasets.drug_disease import DrugDiseaseDataset, pair_indices
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.graph.knn import similarity_edges
from graphmed.graph.medgraph import MedGraph, close_matches

TREATS = "treats"
TREATED_BY = "treated_by"


def build_drug_disease_graph(dataset: DrugDiseaseDataset, train_pairs=None, *, top_k: int = 15,
                             similarity_views: Iterable[str] | None = None,
                             symmetric: bool = True, self_loops: bool = False) -> MedGraph:
    """Heterogeneous graph of drugs and diseases (``dataset.disease_kind``, e.g. ``"virus"``).

    Node types ``"drug"`` and ``dataset.disease_kind``, each with ``num_nodes`` and
    ``node_index`` (``(n,)`` int64 arange). Edge types:

    * ``("drug", "treats", kind)`` and its reverse ``(kind, "treated_by", "drug")``, one
      edge each way per pair of ``train_pairs`` and from nothing else;
    * ``(t, f"similar_{view}", t)`` for every selected similarity view of node type ``t``:
      a top-``top_k`` neighbour graph with ``edge_weight`` = similarity
      (see :func:`graphmed.graph.knn.similarity_edges`).

    Args:
        dataset: the data set; only its similarity matrices and sizes are read, plus its
            known pairs when ``train_pairs`` is None.
        train_pairs: ``(n, 2)`` integer (drug, disease) pairs that become association edges,
            or an object with a ``train_pos`` attribute (a fold or its training part).
            None: every known pair of ``dataset`` (only for a graph that is not evaluated).
            Duplicates are dropped.
        top_k: neighbours per node in the similarity graphs.
        similarity_views: views to add, as ``"view"`` (every node type that has it) or
            ``"drug:view"`` / ``"disease:view"``; None: all views; empty: none.
        symmetric: similarity edges in both directions (union of i->j and j->i).
        self_loops: add a self loop per node to each similarity edge type.
    """
    kind = dataset.disease_kind
    pairs = check_pairs(dataset.positive_pairs if train_pairs is None else train_pairs,
                        (dataset.n_drugs, dataset.n_diseases))
    data = HeteroData()
    for node_type, n in (("drug", dataset.n_drugs), (kind, dataset.n_diseases)):
        data[node_type].num_nodes = n
        data[node_type].node_index = torch.arange(n)
    forward = torch.from_numpy(pairs.T.copy())
    data["drug", TREATS, kind].edge_index = forward
    data[kind, TREATED_BY, "drug"].edge_index = forward.flip(0)
    for node_type, view, matrix in _select_views(dataset, similarity_views):
        edge_index, edge_weight = similarity_edges(matrix, top_k, symmetric=symmetric,
                                                   self_loops=self_loops)
        store = data[node_type, f"similar_{view}", node_type]
        store.edge_index, store.edge_weight = edge_index, edge_weight
    tables = {"drug": dataset.drugs, kind: dataset.diseases}
    return MedGraph(data, tables, name=dataset.name)


def check_pairs(pairs, shape: tuple[int, int]) -> np.ndarray:
    """``pairs`` as a ``(n, 2)`` int64 array of unique (drug, disease) rows in ``[0, shape)``.

    Raises:
        DataFormatError: wrong shape, non-integer values, or an index out of range.
    """
    pairs = getattr(pairs, "train_pos", pairs)
    if torch.is_tensor(pairs):
        pairs = pairs.detach().cpu().numpy()
    return np.unique(pair_indices(pairs, shape, source="train_pairs"), axis=0)


def _select_views(dataset: DrugDiseaseDataset, wanted: Iterable[str] | None):
    """``(node_type, view, matrix)`` for each selected similarity view."""
    sides = {"drug": dataset.drug_similarities, dataset.disease_kind: dataset.disease_similarities}
    available = [(nt, view) for nt, views in sides.items() for view in views]
    if wanted is None:
        chosen = available
    else:
        if isinstance(wanted, str):
            wanted = [wanted]
        chosen = []
        for item in wanted:
            if not isinstance(item, str):
                raise TypeError(f"similarity_views must be view names such as 'chem' or "
                                f"'drug:chem', got {item!r}")
            node_type, _, view = item.rpartition(":")
            if node_type == "disease":
                node_type = dataset.disease_kind
            match = [(nt, v) for nt, v in available if v == view and node_type in ("", nt)]
            if not match:
                labels = [f"{nt}:{v}" for nt, v in available]
                close = close_matches(item, labels + [v for _, v in available])
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise UnknownNameError(f"unknown similarity view {item!r} (available: "
                                       f"{', '.join(labels) or 'none'}){hint}")
            chosen += [m for m in match if m not in chosen]
    return [(nt, view, sides[nt][view]) for nt, view in chosen]
