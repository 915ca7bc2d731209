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

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, plural
from graphmed.graph.drug_disease_graph import TREATS, build_drug_disease_graph
from graphmed.graph.medgraph import MedGraph
from graphmed.repurpose.candidates import resolve, score_matrix_of
from graphmed.repurpose.names import NameIndex

PATH_COLUMNS = ("rank", "contribution", "weight", "kind", "hops", "path", "via_ids")
KIND_COLUMNS = ("kind", "hops", "paths", "weight", "contribution")


@dataclass(frozen=True)
class _Kind:
    """One path kind: node types and relation of each hop."""

    label: str
    hops: int
    steps: tuple[tuple[str, str | None], ...]  # (relation, view) per hop; view None: association


@dataclass(eq=False)
class Explanation:
    """The paths behind one (drug, disease) prediction.

    Attributes:
        drug / disease: ``{"index", "id", "name"}`` of each end.
        disease_kind: what the second entity is called (``"disease"``, ``"virus"``).
        in_graph: the pair is itself an association edge of the explained graph (a known
            association the model was fitted on); the paths never use that edge.
        known: the pair is a known association of the data set (``None``: not given).
        score / rank / n_ranked: the model's score and the rank of the drug among all
            ``n_ranked`` drugs for this disease (or of the disease among the diseases for
            this drug, see ``ranked``; ``None`` without a model).
        rank_new / n_new: the rank among the ``n_new`` candidates not known for the pair's
            other end, as in a :func:`~graphmed.repurpose.rank_candidates` table that
            excludes known pairs (``None`` without a model or known pairs, or for a known pair).
        ranked: what was ranked, ``"drug"`` or the disease kind.
        paths: the ``top`` paths, best first: ``rank``, ``contribution`` (share of the
            total path weight), ``weight``, ``kind``, ``hops``, ``path`` (names and edges),
            ``via_ids`` (ids of the intermediate nodes).
        kinds: every path kind with its number of paths, weight and contribution.
        n_paths / total_weight: over all paths, not only the ``top`` shown.
        attention: the model's learned modality attention weights, if it has them.
        model: the model's name, if known.
    """

    drug: dict
    disease: dict
    disease_kind: str
    in_graph: bool
    known: bool | None
    score: float | None
    rank: int | None
    n_ranked: int
    paths: pd.DataFrame
    kinds: pd.DataFrame
    n_paths: int
    total_weight: float
    rank_new: int | None = None
    n_new: int | None = None
    ranked: str = "drug"
    attention: dict | None = None
    model: str | None = None
    _edges: list = field(default_factory=list, repr=False)

    @property
    def title(self) -> str:
        return f"{self.drug['name']} for {self.disease['name']}"

    def status(self) -> str:
        """One line: whether the pair is known, and whether the model's graph held it."""
        if self.in_graph:
            return "known association (an edge of the model's graph; the paths leave it out)"
        if self.known:
            return "known association (held out of the model's graph for validation)"
        return "not a known association" if self.known is not None else "not an edge of the graph"

    def to_frame(self) -> pd.DataFrame:
        """:attr:`paths` with the pair's ids and names in front, for writing to a file."""
        front = pd.DataFrame({"drug_id": self.drug["id"], "drug_name": self.drug["name"],
                              f"{self.disease_kind}_id": self.disease["id"],
                              f"{self.disease_kind}_name": self.disease["name"]},
                             index=self.paths.index)
        return pd.concat([front, self.paths], axis=1)

    def summary(self) -> str:
        """A few lines: the pair, its score and rank, and how the evidence splits by kind."""
        lines = [f"{_label(self.drug)} for {_label(self.disease)}: {self.status()}"]
        if self.score is not None:
            model = f"model {self.model} " if self.model else ""
            new = (f" ({self.rank_new} of the {self.n_new} not known for it)"
                   if self.rank_new is not None else "")
            lines.append(f"  {model}score {self.score:.4g}, rank {self.rank} of {self.n_ranked} "
                         f"{plural(self.ranked)}{new}")
        if self.attention:
            parts = "; ".join(f"{side}: " + ", ".join(f"{k} {v:.2f}" for k, v in weights.items())
                              for side, weights in self.attention.items())
            lines.append(f"  modality attention: {parts}")
        if self.n_paths == 0:
            lines.append("  no path of two or three hops joins them in the model's graph")
        else:
            shares = ", ".join(f"{_kind_short(row.kind)} {row.contribution:.0%}"
                               for row in self.kinds.head(3).itertuples())
            lines.append(f"  {self.n_paths} paths (total weight {self.total_weight:.3g}); "
                         f"by kind: {shares}")
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [self.summary()]
        for row in self.paths.itertuples():
            lines.append(f"  {row.rank:>3}. {row.contribution:6.1%}  {row.path}")
        return "\n".join(lines)

    def plot(self, top: int = 10, ax=None, *, label_width: int = 90):
        """Bar chart of the ``top`` paths' contributions (and of the path kinds, when no
        ``ax`` is given). Returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        rows = self.paths.head(top)
        if ax is None:
            fig, (ax, ax_kind) = plt.subplots(
                1, 2, figsize=(14, 1.2 + 0.45 * max(len(rows), len(self.kinds), 3)),
                gridspec_kw={"width_ratios": [3, 1]})
        else:
            fig, ax_kind = ax.figure, None
        labels = [_shorten(edges[3], label_width) for edges in self._edges[: len(rows)]]
        ax.barh(range(len(rows)), rows["contribution"].to_numpy(), color="tab:blue")
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("contribution (share of total path weight)")
        score = "" if self.score is None else f"\nscore {self.score:.3g}, rank {self.rank}/{self.n_ranked}"
        if self.rank_new is not None:
            score += f" ({self.rank_new}/{self.n_new} among {plural(self.ranked)} not known for it)"
        ax.set_title(f"{self.title}{score}", fontsize=10)
        if not len(rows):
            ax.text(0.5, 0.5, "no path joins them", ha="center", va="center", transform=ax.transAxes)
        if ax_kind is not None:
            kinds = self.kinds
            ax_kind.barh(range(len(kinds)), kinds["contribution"].to_numpy(), color="tab:orange")
            ax_kind.set_yticks(range(len(kinds)), [_kind_short(k) for k in kinds["kind"]], fontsize=8)
            ax_kind.invert_yaxis()
            ax_kind.set_xlabel("contribution")
            ax_kind.set_title("by path kind", fontsize=10)
            ax_kind.yaxis.tick_right()
        fig.tight_layout()
        return fig

    def to_networkx(self, top: int = 10):
        """A ``networkx.DiGraph`` of the ``top`` paths: nodes ``(type, index)`` with ``id``,
        ``name``, ``type``; edges with ``relation``, ``weight`` and ``contribution`` (summed
        over the shown paths through the edge)."""
        import networkx as nx

        graph = nx.DiGraph(name=self.title)
        for nodes, edges, contribution, _ in self._edges[:top]:
            for node in nodes:
                graph.add_node(node[:2], type=node[0], id=node[2], name=node[3])
            for (u, v, relation, weight) in edges:
                if graph.has_edge(u, v):
                    graph[u][v]["contribution"] += contribution
                else:
                    graph.add_edge(u, v, relation=relation, weight=weight, contribution=contribution)
        return graph


def _label(node: dict) -> str:
    return node["id"] if node["name"] == node["id"] else f"{node['name']} ({node['id']})"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind_short(kind: str) -> str:
    """``drug-similar_go->drug-treats->disease`` -> ``drug ~go~ drug → disease``."""
    return re.sub(r"-similar_(\w+)->", r" ~\1~ ", kind).replace("-treats->", " → ") \
        .replace("-treated_by->", " ← ")


def _short_name(name: str, width: int = 24) -> str:
    return _shorten(name, width)


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
            short = _short_name(nodes[0][3])
            for (_, _, relation, _), node in zip(hops, nodes[1:]):
                symbol = (f" ~{relation.removeprefix('similar_')}~ " if relation.startswith("similar_")
                          else " → " if relation == TREATS else " ← ")
                short += symbol + _short_name(node[3])
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
    table = candidates if rows is None else candidates.head(rows)
    names = explainer.drug_names if attrs["candidates"] == "drug" else explainer.disease_names
    indices = [names.ids.index(i) for i in table["id"]]
    out = []
    for index in tqdm(indices, desc="explaining", disable=not progress, leave=False):
        pair = (index, attrs["index"]) if attrs["candidates"] == "drug" else (attrs["index"], index)
        out.append(explainer.explain(*pair, top=top, ranked=attrs["candidates"]))
    return out


def explanations_frame(explanations: Sequence[Explanation]) -> pd.DataFrame:
    """The paths of several explanations in one table (see :meth:`Explanation.to_frame`)."""
    frames = [e.to_frame() for e in explanations]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(PATH_COLUMNS))
