"""The result of explaining one (drug, disease) prediction: its paths, as a table, text,
a plot and a networkx graph. :class:`~graphmed.repurpose.explain.PathExplainer` makes them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from graphmed.datasets.drug_disease import plural

PATH_COLUMNS = ("rank", "contribution", "weight", "kind", "hops", "path", "via_ids")


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
        labels = [shorten(edges[3], label_width) for edges in self._edges[: len(rows)]]
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


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind_short(kind: str) -> str:
    """``drug-similar_go->drug-treats->disease`` -> ``drug ~go~ drug → disease``."""
    return re.sub(r"-similar_(\w+)->", r" ~\1~ ", kind).replace("-treats->", " → ") \
        .replace("-treated_by->", " ← ")

