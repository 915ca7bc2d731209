"""A heterogeneous PyG graph whose nodes carry ids and names."""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from itertools import repeat
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype
import torch
from torch_geometric.data import HeteroData

from graphmed.errors import DataFormatError, UnknownNameError

EdgeType = tuple[str, str, str]


def keep_edges(store, kept: torch.Tensor) -> None:
    """Keep the edges of ``store`` (an edge store of a ``HeteroData``) where the ``(m,)`` bool
    mask ``kept`` is true, in every per-edge tensor alike (``edge_index`` columns; the rows
    of ``edge_weight``, ``edge_attr``, ``time`` ...). Assigns new tensors: on a shallow copy
    of the graph, the original keeps its own."""
    m = store.edge_index.size(1)
    for key, value in list(store.items()):
        if not isinstance(value, torch.Tensor):
            continue
        if key == "edge_index":
            store[key] = value[:, kept]
        elif value.dim() > 0 and value.size(0) == m:
            store[key] = value[kept]


def edge_type_name(edge_type: EdgeType) -> str:
    """``("drug", "treats", "disease")`` -> ``"drug-treats->disease"``."""
    src, rel, dst = edge_type
    return f"{src}-{rel}->{dst}"


@dataclass(frozen=True, eq=False)
class MedGraph:
    """A :class:`~torch_geometric.data.HeteroData` plus the id and name of every node.

    Attributes:
        data: the graph; ``data[node_type].num_nodes`` is set for every node type.
        nodes: node type -> DataFrame of ``n`` rows in node order with columns ``index``
            (``0 … n-1``), ``id`` (str) and ``name`` (str; the id where no name is known).
            Given tables need an ``id`` column; ``index`` and ``name`` are filled in.
        name: what the graph was built from, e.g. the data set name.
        id_index: node type -> ``{id: index}`` (derived, built for a node type when first
            read).
    """

    data: HeteroData
    nodes: Mapping[str, pd.DataFrame]
    name: str = ""
    id_index: Mapping[str, dict[str, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        tables = {nt: _node_table(table, nt) for nt, table in self.nodes.items()}
        if set(tables) != set(self.data.node_types):
            raise DataFormatError(f"node tables {sorted(tables)} do not match the graph's node "
                                  f"types {sorted(self.data.node_types)}")
        for nt, table in tables.items():
            n = self.data[nt].num_nodes
            if n != len(table):
                raise DataFormatError(f"{len(table)} ids for {n} {nt!r} nodes", source=nt)
        object.__setattr__(self, "nodes", tables)
        object.__setattr__(self, "id_index", _IdIndex(tables))

    @property
    def node_types(self) -> list[str]:
        return list(self.nodes)

    @property
    def edge_types(self) -> list[EdgeType]:
        return list(self.data.edge_types)

    def num_nodes(self, node_type: str) -> int:
        return len(self._table(node_type))

    def num_edges(self, edge_type: EdgeType) -> int:
        if edge_type not in self.data.edge_types:
            known = ", ".join(map(edge_type_name, self.data.edge_types))
            raise UnknownNameError(f"unknown edge type {edge_type!r}; known: {known}")
        return int(self.data[edge_type].edge_index.shape[1])

    def index_of(self, node_type: str, id: str) -> int:
        """Node index of ``id``; :class:`UnknownNameError` with close matches if unknown."""
        table = self._table(node_type)
        index = self.id_index[node_type].get(str(id))
        if index is None:
            raise UnknownNameError(_unknown_message(table, node_type, str(id)))
        return index

    def indices_of(self, node_type: str, ids: Iterable[str]) -> np.ndarray:
        """``(len(ids),)`` int64 node indices; raises like :meth:`index_of` on the first unknown id."""
        table = self._table(node_type)
        if isinstance(ids, str):
            raise TypeError(f"ids must be a list of ids, not one string ({ids!r}); "
                            "index_of takes one id")
        ids = pd.Index([str(i) for i in ids])
        positions = pd.Index(table["id"]).get_indexer(ids)
        if (positions < 0).any():
            raise UnknownNameError(_unknown_message(table, node_type, ids[int(np.argmax(positions < 0))]))
        return positions.astype(np.int64)

    def id_of(self, node_type: str, index: int) -> str:
        return str(self._row(node_type, index)["id"])

    def name_of(self, node_type: str, index: int) -> str:
        return str(self._row(node_type, index)["name"])

    def to_networkx(self, *, reverse: bool = True):
        """A ``networkx.MultiDiGraph``.

        Nodes are ``(node_type, index)`` with attributes ``id``, ``name`` and ``type``; each
        edge has key and attribute ``relation`` (the relation name), ``weight``
        (``edge_weight`` where the edge type has one, else 1.0) and ``time`` where the edge
        type has times. ``reverse=False`` leaves out an edge type that only mirrors one
        already exported (the reverse edges message passing needs, e.g. ``rev_prescribed``
        or ``treated_by``), so that degrees count each record once.
        """
        import networkx as nx

        graph = nx.MultiDiGraph(name=self.name)
        for nt, table in self.nodes.items():
            attrs = ({"id": i, "name": n, "type": nt} for i, n in zip(table["id"], table["name"]))
            graph.add_nodes_from(zip(zip(repeat(nt), range(len(table))), attrs))
        exported: dict[tuple[str, str], list[torch.Tensor]] = {}
        for edge_type in self.data.edge_types:
            src, rel, dst = edge_type
            store = self.data[edge_type]
            index = store.edge_index.cpu()
            if not reverse and any(_same_pairs(index.flip(0), done)
                                   for done in exported.get((dst, src), [])):
                continue
            exported.setdefault((src, dst), []).append(index)
            source, target = index.numpy().tolist()
            weight, time = store.get("edge_weight"), store.get("time")
            weights = repeat(1.0) if weight is None else weight.detach().cpu().double().tolist()
            attrs = ({"relation": rel, "weight": w} for w in weights)
            if time is not None:
                attrs = ({**a, "time": t} for a, t in zip(attrs, time.cpu().tolist()))
            graph.add_edges_from(zip(zip(repeat(src), source), zip(repeat(dst), target),
                                     repeat(rel), attrs))
        return graph

    @property
    def checksum(self) -> str:
        """SHA-256 over the content: every node type's ids and names, and every tensor of
        every node and edge store (edge indices, features, times, weights); identifies the
        graph in results files."""
        digest = hashlib.sha256()
        for nt in sorted(self.nodes):
            digest.update(f"nodes:{nt}:".encode())
            for column in ("id", "name"):
                digest.update("\x1f".join(map(str, self.nodes[nt][column])).encode())
        stores = [(nt, self.data[nt]) for nt in sorted(self.data.node_types)]
        stores += [(edge_type_name(et), self.data[et]) for et in sorted(self.data.edge_types)]
        for label, store in stores:
            for key in sorted(store.keys()):
                value = store[key]
                if isinstance(value, torch.Tensor):
                    digest.update(f"{label}.{key}:{value.dtype}:{tuple(value.shape)}".encode())
                    digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()

    def summary(self) -> dict:
        return {
            "name": self.name,
            "nodes": {nt: len(table) for nt, table in self.nodes.items()},
            "edges": {edge_type_name(et): self.num_edges(et) for et in self.data.edge_types},
        }

    def __repr__(self) -> str:
        summary = self.summary()
        lines = [f"  {nt}: {n:,} nodes" for nt, n in summary["nodes"].items()]
        lines += [f"  {et}: {n:,} edges" for et, n in summary["edges"].items()]
        return f"MedGraph({self.name!r},\n" + "\n".join(lines) + "\n)"

    def _table(self, node_type: str) -> pd.DataFrame:
        table = self.nodes.get(node_type)
        if table is None:
            close = close_matches(str(node_type), list(self.nodes))
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownNameError(f"unknown node type {node_type!r} (node types: "
                                   f"{', '.join(self.nodes)}){hint}")
        return table

    def _row(self, node_type: str, index: int) -> pd.Series:
        table = self._table(node_type)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"node index must be an integer, got {type(index).__name__}")
        if not 0 <= index < len(table):
            raise IndexError(f"{node_type} index {index} out of range [0, {len(table)})")
        return table.iloc[int(index)]


def _same_pairs(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two ``(2, m)`` edge indices hold the same pairs (in any order)."""
    if a.shape != b.shape:
        return False
    n = int(max(a.max(), b.max())) + 1 if a.numel() else 1
    return torch.equal(torch.sort(a[0] * n + a[1]).values, torch.sort(b[0] * n + b[1]).values)


class _IdIndex(Mapping):
    """node type -> ``{id: index}``, each dict built when its node type is first read (a
    graph derived from another, e.g. with text features added, may never need one)."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]):
        self._tables, self._built = tables, {}

    def __getitem__(self, node_type: str) -> dict[str, int]:
        if node_type not in self._built:
            table = self._tables[node_type]
            self._built[node_type] = dict(zip(table["id"], table["index"].tolist()))
        return self._built[node_type]

    def __iter__(self):
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def _is_node_table(table: pd.DataFrame) -> bool:
    """Whether ``table`` already has the form :func:`_node_table` gives (a table of another
    :class:`MedGraph`): columns index / id / name, ``index`` 0 … n-1, text ids and names."""
    return (list(table.columns) == ["index", "id", "name"]
            and table["index"].dtype == np.int64
            and np.array_equal(table["index"].to_numpy(), np.arange(len(table)))
            and all(infer_dtype(table[c], skipna=False) in ("string", "empty")
                    and not table[c].isna().any() for c in ("id", "name")))


def _node_table(table: pd.DataFrame, node_type: str) -> pd.DataFrame:
    """``table`` (needs ``id``; ``name`` optional) as columns index / id / name; a table in
    that form already is checked for duplicate ids and returned as it is."""
    if _is_node_table(table):
        _check_unique(table["id"].to_numpy(), node_type)
        return table
    if "id" not in table.columns:
        raise DataFormatError(f"node table needs an 'id' column; columns are {list(table.columns)}",
                              source=node_type)
    ids = table["id"].astype(str).to_numpy()
    names = table["name"] if "name" in table.columns else pd.Series([pd.NA] * len(table))
    names = np.where(pd.isna(names.to_numpy()), ids, names.astype(str).to_numpy())
    out = pd.DataFrame({"index": np.arange(len(table), dtype=np.int64), "id": ids,
                        "name": names.astype(str)})
    _check_unique(ids, node_type)
    return out


def _check_unique(ids: np.ndarray, node_type: str) -> None:
    duplicated = pd.Series(ids).duplicated().to_numpy()
    if duplicated.any():
        row = int(np.argmax(duplicated))
        raise DataFormatError(f"duplicate id {ids[row]!r}", source=node_type, row=row, column="id")


def close_matches(key: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` candidates most similar to ``key`` (difflib ratio), ties in sorted order."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(key)
    scored = []
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if (matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff
                and matcher.ratio() >= cutoff):
            scored.append((-matcher.ratio(), candidate))
    return [candidate for _, candidate in sorted(scored)[:n]]


def _unknown_message(table: pd.DataFrame, node_type: str, key: str) -> str:
    ids, names = table["id"].tolist(), table["name"].tolist()
    by_name = [i for i, n in zip(ids, names) if n.casefold() == key.casefold()]
    close = by_name + close_matches(key, ids, n=5)
    name_to_id = dict(zip(names, ids))
    close += [name_to_id[n] for n in close_matches(key, names, n=3)]
    close = list(dict.fromkeys(close))[:5]
    message = f"unknown {node_type} id {key!r}"
    if by_name:
        message += f" ({key!r} is the name of {node_type} {by_name[0]!r}; pass its id)"
    if close:
        labels = dict(zip(ids, names))
        message += "; did you mean " + ", ".join(
            f"{i!r}" + (f" ({labels[i]})" if labels[i] != i else "") for i in close) + "?"
    return message
