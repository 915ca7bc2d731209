"""A declarative graph schema: which table columns become nodes, edges, names, features, times.

>>> schema = GraphSchema(
...     nodes=[NodeTable("patient", patients, id="subject_id"),
...            NodeTable("drug", drugs, id="drug", name="drug_name")],
...     edges=[EdgeTable(("patient", "takes", "drug"), prescriptions, source="subject_id",
...                      target="drug", time="starttime", duplicates="count")])  # doctest: +SKIP
>>> graph = build_hetero_graph(schema)                                          # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Literal

import pandas as pd

EdgeType = tuple[str, str, str]
Duplicates = Literal["keep", "count", "error"]
DUPLICATE_POLICIES = ("keep", "count", "error")


def _columns(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _check_table(table, label: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table {label!r}: expected a pandas DataFrame, got {type(table).__name__}")


@dataclass(frozen=True, eq=False)
class NodeTable:
    """One node type read from a table: one row per node.

    Attributes:
        node_type: the node type, e.g. ``"patient"``.
        table: the rows; its ``id`` column must hold unique integers or unique strings.
        id: column of node ids.
        name: column of readable names (the id where missing); ``None``: names are the ids.
        features: numeric or bool columns stacked into ``x`` ``(n, len(features))`` float32.
        time: column of timestamps (datetimes, or integer seconds) stored as ``time``
            ``(n,)`` int64 seconds since 1970-01-01 UTC.
        label: table name used in error messages; the node type when ``None``.
    """

    node_type: str
    table: pd.DataFrame
    id: str
    name: str | None = None
    features: tuple[str, ...] = ()
    time: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", _columns(self.features))
        if not isinstance(self.id, str):
            raise TypeError(f"node table {self.source!r}: id must name the column of node ids, "
                            f"got {self.id!r}")
        _check_table(self.table, self.source)

    @property
    def source(self) -> str:
        return self.label or self.node_type

    def columns(self) -> dict[str, str]:
        """Declared role -> column, for the columns this table must have."""
        roles = {"id": self.id, "name": self.name, "time": self.time}
        roles.update({f"features[{k}]": c for k, c in enumerate(self.features)})
        return {role: col for role, col in roles.items() if col is not None}


@dataclass(frozen=True, eq=False)
class EdgeTable:
    """One edge type read from a table: one row per edge.

    Attributes:
        edge_type: ``(source node type, relation, target node type)``.
        table: the rows.
        source, target: columns holding the ids of the source and target nodes.
        time: column of timestamps stored as ``time`` ``(m,)`` int64 seconds (UTC).
        weight: numeric column stored as ``edge_weight`` ``(m,)`` float32.
        features: numeric or bool columns stacked into ``edge_attr`` ``(m, k)`` float32.
        duplicates: what to do with a (source, target) pair listed more than once:
            ``"keep"`` (parallel edges), ``"count"`` (one edge; ``edge_weight`` is the
            number of rows, or the sum of ``weight``; ``time`` the earliest; features the
            mean) or ``"error"``.
        reverse: also add the reverse edge type ``(target, "rev_" + relation, source)``.
        label: table name used in error messages; ``"source-relation->target"`` when ``None``.
    """

    edge_type: EdgeType
    table: pd.DataFrame
    source: str
    target: str
    time: str | None = None
    weight: str | None = None
    features: tuple[str, ...] = ()
    duplicates: Duplicates = "keep"
    reverse: bool = True
    label: str | None = None

    def __post_init__(self) -> None:
        edge_type = (self.edge_type,) if isinstance(self.edge_type, str) else tuple(self.edge_type)
        if len(edge_type) != 3 or not all(isinstance(part, str) for part in edge_type):
            raise TypeError("edge_type must be (source node type, relation, target node type), "
                            f"got {self.edge_type!r}")
        object.__setattr__(self, "edge_type", edge_type)
        object.__setattr__(self, "features", _columns(self.features))
        for role in ("source", "target"):
            if not isinstance(getattr(self, role), str):
                raise TypeError(f"edge table {self.source_label!r}: {role} must name a column, "
                                f"got {getattr(self, role)!r}")
        _check_table(self.table, self.source_label)

    @property
    def source_label(self) -> str:
        if self.label:
            return self.label
        src, rel, dst = self.edge_type
        return f"{src}-{rel}->{dst}"

    def columns(self) -> dict[str, str]:
        roles = {"source": self.source, "target": self.target, "time": self.time,
                 "weight": self.weight}
        roles.update({f"features[{k}]": c for k, c in enumerate(self.features)})
        return {role: col for role, col in roles.items() if col is not None}


@dataclass(frozen=True, eq=False)
class GraphSchema:
    """Node tables and edge tables that together describe a heterogeneous graph."""

    nodes: tuple[NodeTable, ...]
    edges: tuple[EdgeTable, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))

    @property
    def node_types(self) -> list[str]:
        return [n.node_type for n in self.nodes]

    @property
    def edge_types(self) -> list[EdgeType]:
        return [e.edge_type for e in self.edges]

    def node(self, node_type: str) -> NodeTable:
        for table in self.nodes:
            if table.node_type == node_type:
                return table
        raise KeyError(f"no node table of type {node_type!r}; node types: {self.node_types}")

    def edge(self, edge_type: EdgeType) -> EdgeTable:
        for table in self.edges:
            if table.edge_type == tuple(edge_type):
                return table
        raise KeyError(f"no edge table of type {edge_type!r}")

    def with_tables(self, nodes: Iterable[NodeTable] = (), edges: Iterable[EdgeTable] = ()
                    ) -> "GraphSchema":
        """A copy where ``nodes`` replace the node tables of the same type (or are added),
        and ``edges`` likewise."""
        new_nodes = {n.node_type: n for n in self.nodes}
        new_nodes.update({n.node_type: n for n in nodes})
        new_edges = {e.edge_type: e for e in self.edges}
        new_edges.update({tuple(e.edge_type): e for e in edges})
        return replace(self, nodes=tuple(new_nodes.values()), edges=tuple(new_edges.values()))

    def summary(self) -> dict:
        return {"nodes": {n.node_type: len(n.table) for n in self.nodes},
                "edges": {"{}-{}->{}".format(*e.edge_type): len(e.table) for e in self.edges}}
