"""Why a drug for a disease: the named paths of the drug–disease graph that join them.

For a pair (drug ``r``, disease ``s``) the evidence is every path of two or three hops
from ``r`` to ``s`` in the graph the model was fitted on (similarity neighbours of each
view and the *training* associations, never the pair itself):

* drug –similar→ drug′ –treats→ disease: ``S_v[r, r′] A[r′, s]``;
* drug –treats→ disease′ –similar→ disease: ``A[r, s′] D_u[s′, s]``;
* drug –similar→ drug′ –treats→ disease′ –similar→ disease: ``S_v[r, r′] A[r′, s′] D_u[s′, s]``;
* drug –treats→ disease′ –treated by→ drug′ –treats→ disease: ``A[r, s′] A[r′, s′] A[r′, s]``.

``S_v`` and ``D_u`` are the top-k similarity graphs of each drug view ``v`` and disease
view ``u`` (edge weight = similarity) and ``A`` the 0/1 known associations. A path's
weight is the product of its edge weights and its *contribution* is its share of the
total weight of all paths. Paths are enumerated with array products over the
neighbourhoods of ``r`` and ``s`` only, never a Python loop over nodes.

This is the evidence a neighbourhood-based predictor (kNN, Kronecker RLS, a GNN with two
or three layers) draws on; the model's own score and, where the model has them, its
learned attention weights are reported beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import UnknownNameError
from graphmed.graph.drug_disease_graph import TREATS, build_drug_disease_graph
from graphmed.graph.medgraph import MedGraph
from graphmed.repurpose.candidates import check_top, refuse_non_finite, resolve, score_matrix_of
from graphmed.repurpose.explanation import PATH_COLUMNS, Explanation, shorten
from graphmed.repurpose.names import NameIndex



@dataclass(frozen=True)
class _Kind:
    """One path kind: node types and relation of each hop."""

    label: str
    hops: int
    steps: tuple[tuple[str, str | None], ...]  # (relation, view) per hop; view None: association


def _dense(graph: MedGraph, edge_type, shape) -> np.ndarray:
    store = graph.data[edge_type]
    matrix = np.zeros(shape, dtype=np.float64)
    src, dst = store.edge_index.cpu().numpy()
    weight = store.get("edge_weight")
    values = np.ones(len(src)) if weight is None else weight.detach().cpu().double().numpy()
    np.maximum.at(matrix, (src, dst), values)
    return matrix


class PathExplainer:
    """Path explanations on one drug–disease graph (see the module docstring).

    Args:
        graph: a graph from :func:`~graphmed.graph.build_drug_disease_graph` with node types
            ``"drug"`` and the disease kind; it must hold the model's *training*
            associations only (:meth:`from_model` builds it so).
        scores: the model's ``(n_drugs, n_diseases)`` scores, reported beside the paths.
        attention: the model's attention weights, if any.
        model: the model's name.
        known: ``(n_drugs, n_diseases)`` bool known associations of the data set, to tell a
            known pair from a new one.
    """

    def __init__(self, graph: MedGraph, *, scores: np.ndarray | None = None,
                 attention: dict | None = None, model: str | None = None,
                 known: np.ndarray | None = None):
        treats = [et for et in graph.edge_types if et[0] == "drug" and et[1] == TREATS]
        if len(treats) != 1:
            raise ValueError(f"the graph needs one ('drug', '{TREATS}', kind) edge type, has "
                             f"{[et for et in graph.edge_types]}")
        self.graph = graph
        self.kind = treats[0][2]
        self.n_drugs, self.n_diseases = graph.num_nodes("drug"), graph.num_nodes(self.kind)
        shape = (self.n_drugs, self.n_diseases)
        self.associations = _dense(graph, treats[0], shape) > 0
        self.drug_views = {et[1].removeprefix("similar_"): _dense(graph, et, (self.n_drugs,) * 2)
                           for et in graph.edge_types if et[0] == et[2] == "drug"}
        self.disease_views = {et[1].removeprefix("similar_"): _dense(graph, et, (self.n_diseases,) * 2)
                              for et in graph.edge_types if et[0] == et[2] == self.kind}
        for views in (self.drug_views, self.disease_views):
            for matrix in views.values():
                np.fill_diagonal(matrix, 0.0)
        for name, value in (("scores", scores), ("known", known)):
            if value is not None and np.shape(value) != shape:
                raise ValueError(f"{name} has shape {np.shape(value)}, the graph {shape}")
        self.scores = None if scores is None else np.asarray(scores, dtype=np.float64)
        if self.scores is not None:
            refuse_non_finite(self.scores)
        self.known = None if known is None else np.asarray(known, dtype=bool)
        self.attention = attention
        self.model = model
        self.drug_names = NameIndex.from_table(graph.nodes["drug"], "drug")
        self.disease_names = NameIndex.from_table(graph.nodes[self.kind], self.kind)

    @classmethod
    def from_model(cls, model, dataset: DrugDiseaseDataset, *, top_k: int = 15) -> "PathExplainer":
        """The explainer of a fitted model: the graph of the known pairs the model was fitted
        on (``model.train_pairs`` of a :class:`~graphmed.repurpose.RepurposingModel`; for
        any other model, ``dataset``'s associations, which must then be its training ones)
        with ``top_k`` similarity neighbours per view, and the model's scores."""
        from graphmed.repurpose.model import find_attention

        scores = None if model is None else score_matrix_of(model, dataset)
        pairs = getattr(model, "train_pairs", None)
        graph = build_drug_disease_graph(dataset, dataset.positive_pairs if pairs is None else pairs,
                                         top_k=top_k)
        config = model.config() if model is not None and callable(getattr(model, "config", None)) else {}
        return cls(graph, scores=scores, attention=find_attention(config),
                   model=getattr(model, "name", None), known=dataset.associations)

    def _kinds(self) -> list[tuple[_Kind, str | None, str | None]]:
        """Path kinds with their drug view and disease view."""
        k = self.kind
        out = []
        for v in self.drug_views:
            out.append((_Kind(f"drug-similar_{v}->drug-treats->{k}", 2,
                              (("similar", v), ("treats", None))), v, None))
        for u in self.disease_views:
            out.append((_Kind(f"drug-treats->{k}-similar_{u}->{k}", 2,
                              (("treats", None), ("similar", u))), None, u))
        for v in self.drug_views:
            for u in self.disease_views:
                out.append((_Kind(f"drug-similar_{v}->drug-treats->{k}-similar_{u}->{k}", 3,
                                  (("similar", v), ("treats", None), ("similar", u))), v, u))
        out.append((_Kind(f"drug-treats->{k}-treated_by->drug-treats->{k}", 3,
                          (("treats", None), ("treated_by", None), ("treats", None))), None, None))
        return out

    def explain(self, drug: int, disease: int, *, top: int = 10, ranked: str = "drug") -> Explanation:
        """The paths from drug index ``drug`` to disease index ``disease``, ``top`` shown.

        ``ranked``: ``"drug"`` ranks the drug among the drugs for the disease; ``"disease"``
        (or the disease kind) ranks the disease among the diseases for the drug.
        """
        for name, index in (("drug", drug), ("disease", disease)):
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"{name} must be an integer index, got {index!r} (explain_pair "
                                "takes ids and names)")
        check_top(top)
        r, s = int(drug), int(disease)
        by_drug = ranked == "drug"
        if not by_drug and ranked not in ("disease", self.kind):
            raise ValueError(f"ranked must be 'drug' or 'disease', got {ranked!r}")
        if not (0 <= r < self.n_drugs and 0 <= s < self.n_diseases):
            raise IndexError(f"pair ({r}, {s}) out of range ({self.n_drugs}, {self.n_diseases})")
        a = self.associations.astype(np.float64)
        in_graph = bool(a[r, s])
        a[r, s] = 0.0  # the pair's own edge is what is being explained
        kinds = self._kinds()
        kind_ids, first, second, weights = [], [], [], []
        for index, (kind, v, u) in enumerate(kinds):
            steps = kind.steps
            if kind.hops == 2 and v is not None:        # r ~ j -> s
                w = self.drug_views[v][r] * a[:, s]
                mid = np.flatnonzero(w)
                mids, w = (mid, np.full(len(mid), -1)), w[mid]
            elif kind.hops == 2:                        # r -> k ~ s
                w = a[r] * self.disease_views[u][:, s]
                mid = np.flatnonzero(w)
                mids, w = (mid, np.full(len(mid), -1)), w[mid]
            elif steps[0][0] == "similar":              # r ~ j -> k ~ s
                js = np.flatnonzero(self.drug_views[v][r])
                ks = np.flatnonzero(self.disease_views[u][:, s])
                block = (self.drug_views[v][r, js][:, None] * a[np.ix_(js, ks)]
                         * self.disease_views[u][ks, s][None, :])
                jj, kk = np.nonzero(block)
                mids, w = (js[jj], ks[kk]), block[jj, kk]
            else:                                       # r -> k <- j -> s
                ks = np.flatnonzero(a[r])
                js = np.flatnonzero(a[:, s])
                block = a[np.ix_(js, ks)]
                jj, kk = np.nonzero(block)
                mids, w = (ks[kk], js[jj]), block[jj, kk]
            kind_ids.append(np.full(len(w), index))
            first.append(mids[0])
            second.append(mids[1])
            weights.append(w)
        kind_ids, first, second = (np.concatenate(x).astype(np.int64) for x in (kind_ids, first, second))
        weights = np.concatenate(weights)
        total = float(weights.sum())
        order = np.lexsort((np.arange(len(weights)), -weights))
        shown = order[:top]
        rows, edges = [], []
        for rank, i in enumerate(shown, start=1):
            kind = kinds[kind_ids[i]][0]
            text, via, nodes, hops = self._path(r, s, kind, int(first[i]), int(second[i]))
            share = weights[i] / total
            rows.append((rank, share, float(weights[i]), kind.label, kind.hops, text, via))
            short = shorten(nodes[0][3], 24)
            for (_, _, relation, _), node in zip(hops, nodes[1:]):
                symbol = (f" ~{relation.removeprefix('similar_')}~ " if relation.startswith("similar_")
                          else " → " if relation == TREATS else " ← ")
                short += symbol + shorten(node[3], 24)
            edges.append((nodes, hops, share, short))
        paths = pd.DataFrame(rows, columns=list(PATH_COLUMNS))
        paths = paths.astype({"rank": np.int64, "contribution": np.float64, "weight": np.float64,
                              "hops": np.int64})
        per_kind = np.bincount(kind_ids, weights=weights, minlength=len(kinds))
        counts = np.bincount(kind_ids, minlength=len(kinds))
        kind_table = pd.DataFrame({
            "kind": [k.label for k, _, _ in kinds], "hops": [k.hops for k, _, _ in kinds],
            "paths": counts, "weight": per_kind,
            "contribution": per_kind / total if total > 0 else np.zeros(len(kinds))})
        kind_table = kind_table[kind_table["paths"] > 0].sort_values(
            "contribution", ascending=False, kind="stable").reset_index(drop=True)
        score = rank_of = rank_new = n_new = None
        if self.scores is not None:
            column = self.scores[:, s] if by_drug else self.scores[r]
            score = float(self.scores[r, s])
            rank_of = int((column > score).sum()) + 1
            if self.known is not None and not self.known[r, s]:
                new = ~(self.known[:, s] if by_drug else self.known[r])
                n_new = int(new.sum())
                rank_new = int((column[new] > score).sum()) + 1
        return Explanation(
            drug={"index": r, "id": self.drug_names.ids[r], "name": self.drug_names.names[r]},
            disease={"index": s, "id": self.disease_names.ids[s], "name": self.disease_names.names[s]},
            disease_kind=self.kind, in_graph=in_graph,
            known=None if self.known is None else bool(self.known[r, s]),
            score=score, rank=rank_of, n_ranked=self.n_drugs if by_drug else self.n_diseases,
            paths=paths, kinds=kind_table, ranked="drug" if by_drug else self.kind,
            n_paths=int(len(weights)), total_weight=total, rank_new=rank_new, n_new=n_new,
            attention=self.attention,
            model=self.model, _edges=edges)

    def _path(self, r: int, s: int, kind: _Kind, first: int, second: int):
        """Text, intermediate ids, nodes and hops of one path."""
        k = self.kind
        if kind.hops == 2:
            mid_type = "drug" if kind.steps[0][0] == "similar" else k
            sequence = [("drug", r), (mid_type, first), (k, s)]
        elif kind.steps[0][0] == "similar":
            sequence = [("drug", r), ("drug", first), (k, second), (k, s)]
        else:
            sequence = [("drug", r), (k, first), ("drug", second), (k, s)]
        nodes = [(t, i, *self._id_name(t, i)) for t, i in sequence]
        text = nodes[0][3]
        hops = []
        for (relation, view), a, b in zip(kind.steps, nodes[:-1], nodes[1:]):
            if relation == "similar":
                views = self.drug_views if a[0] == "drug" else self.disease_views
                weight = float(views[view][a[1], b[1]])
                label = f"-[{view} similarity {weight:.2f}]->"
                rel_name = f"similar_{view}"
            else:
                weight = 1.0
                label = "-[treats, known]->" if relation == "treats" else "-[treated by, known]->"
                rel_name = relation
            text += f" {label} {b[3]}"
            hops.append((a[:2], b[:2], rel_name, weight))
        via = " > ".join(n[2] for n in nodes[1:-1])
        return text, via, nodes, hops

    def _id_name(self, node_type: str, index: int) -> tuple[str, str]:
        names = self.drug_names if node_type == "drug" else self.disease_names
        return names.ids[index], names.names[index]


def explain_pair(model, dataset: DrugDiseaseDataset, *, drug: str | int, disease: str | int,
                 top: int = 10, top_k: int = 15) -> Explanation:
    """Explain the pair (``drug``, ``disease``), each given by id, name or index.

    Args:
        model: a :class:`~graphmed.repurpose.RepurposingModel` (its graph of training
            pairs is used), any fitted model with ``score_matrix()`` (``dataset`` must then
            hold its training associations), or ``None`` for paths without a score.
        top: paths shown; top_k: similarity neighbours per node and view.
    """
    explainer = PathExplainer.from_model(model, dataset, top_k=top_k)
    return explainer.explain(resolve(dataset, "drug", drug), resolve(dataset, "disease", disease),
                             top=top)


def explain_candidates(explainer: PathExplainer, candidates: pd.DataFrame, *, top: int = 5,
                       rows: int | None = None, progress: bool = False) -> list[Explanation]:
    """Explanations of the first ``rows`` candidates of a :func:`rank_candidates` table."""
    from tqdm.auto import tqdm

    attrs = candidates.attrs
    if "kind" not in attrs or "index" not in attrs:
        raise ValueError("candidates must be a table from rank_candidates (its attrs name the query)")
    check_top(top)
    check_top(rows, "rows")
    table = candidates if rows is None else candidates.head(rows)
    names = explainer.drug_names if attrs["candidates"] == "drug" else explainer.disease_names
    position = {id_: i for i, id_ in enumerate(names.ids)}
    unknown = [i for i in table["id"] if i not in position]
    if unknown:
        raise UnknownNameError(f"candidate {names.kind} {unknown[0]!r} is not in the explainer's "
                               "graph; rank the candidates on the data set the explainer was "
                               "built from")
    indices = [position[i] for i in table["id"]]
    out = []
    for index in tqdm(indices, desc="explaining", disable=not progress, leave=False):
        pair = (index, attrs["index"]) if attrs["candidates"] == "drug" else (attrs["index"], index)
        out.append(explainer.explain(*pair, top=top, ranked=attrs["candidates"]))
    return out


def explanations_frame(explanations: Sequence[Explanation]) -> pd.DataFrame:
    """The paths of several explanations in one table (see :meth:`Explanation.to_frame`)."""
    frames = [e.to_frame() for e in explanations]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(PATH_COLUMNS))
