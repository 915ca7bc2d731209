"""Build a PyG ``HeteroData`` from a :class:`~graphmed.ehr.schema.GraphSchema`, checking it first.

Every check is vectorised (pandas hashing and numpy), so tables of tens of millions of
rows validate and build in seconds. A problem raises
:class:`~graphmed.errors.DataFormatError` naming the table, the column and the first
offending rows (0-based row positions in the table) with their values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from graphmed.ehr.schema import DUPLICATE_POLICIES, EdgeTable, EdgeType, GraphSchema, NodeTable
from graphmed.errors import DataFormatError
from graphmed.graph.medgraph import MedGraph, close_matches

SHOW_ROWS = 5
REVERSE_PREFIX = "rev_"


def reverse_edge_type(edge_type: EdgeType) -> EdgeType:
    """``("admission", "prescribed", "drug")`` -> ``("drug", "rev_prescribed", "admission")``."""
    src, rel, dst = edge_type
    return dst, REVERSE_PREFIX + rel, src


def validate_schema(schema: GraphSchema) -> None:
    """Check a schema without building it; raises :class:`DataFormatError` on the first problem.

    Checked: declared columns exist; no table is empty; node ids are present, unique and
    all integers or all strings; edge ids have the kind of the node ids they point to and
    every one of them is a node (no dangling ids); features and weights are finite
    numbers; times parse; duplicate edges where ``duplicates="error"``.
    """
    _prepare(schema)


def build_hetero_graph(schema: GraphSchema, *, name: str = "") -> MedGraph:
    """Validate ``schema`` and build its graph.

    Returns:
        :class:`~graphmed.graph.MedGraph`: ``data[node_type]`` has ``num_nodes`` and,
        where declared, ``x`` ``(n, f)`` float32 and ``time`` ``(n,)`` int64;
        ``data[edge_type]`` has ``edge_index`` ``(2, m)`` int64 and, where declared or
        counted, ``edge_weight`` ``(m,)`` float32, ``edge_attr`` ``(m, k)`` float32 and
        ``time`` ``(m,)`` int64. Each edge type with ``reverse=True`` also appears
        reversed as ``(target, "rev_" + relation, source)`` with the same attributes.
        Nodes are in table order; ids (as str) and names are in ``graph.nodes`` and
        ``graph.id_index``.
    """
    nodes, edges = _prepare(schema)
    data = HeteroData()
    tables = {}
    for node_type, prepared in nodes.items():
        store = data[node_type]
        store.num_nodes = len(prepared.ids)
        if prepared.x is not None:
            store.x = _tensor(prepared.x)
        if prepared.time is not None:
            store.time = _tensor(prepared.time)
        tables[node_type] = pd.DataFrame({"id": prepared.ids.astype(str), "name": prepared.names})
    for edge_table, prepared in edges:
        types = [edge_table.edge_type]
        if edge_table.reverse:
            types.append(reverse_edge_type(edge_table.edge_type))
        for k, edge_type in enumerate(types):
            store = data[edge_type]
            pair = (prepared.src, prepared.dst) if k == 0 else (prepared.dst, prepared.src)
            store.edge_index = _tensor(np.stack(pair))
            if prepared.weight is not None:
                store.edge_weight = _tensor(prepared.weight)
            if prepared.attr is not None:
                store.edge_attr = _tensor(prepared.attr)
            if prepared.time is not None:
                store.time = _tensor(prepared.time)
    return MedGraph(data, tables, name=name)


def _tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor that owns its memory (the reverse edge type gets its own copy)."""
    return torch.from_numpy(np.array(array, copy=True, order="C"))


# --------------------------------------------------------------------------------------------
# checks


@dataclass
class _Nodes:
    index: pd.Index          # node ids, unique, in table order
    kind: str                # "integer" or "string"
    ids: np.ndarray
    names: np.ndarray
    x: np.ndarray | None
    time: np.ndarray | None
    column: str


@dataclass
class _Edges:
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray | None
    attr: np.ndarray | None
    time: np.ndarray | None


def _prepare(schema: GraphSchema) -> tuple[dict[str, _Nodes], list[tuple[EdgeTable, _Edges]]]:
    _check_structure(schema)
    nodes = {table.node_type: _prepare_nodes(table) for table in schema.nodes}
    edges = [(table, _prepare_edges(table, nodes)) for table in schema.edges]
    return nodes, edges


def _check_structure(schema: GraphSchema) -> None:
    if not schema.nodes:
        raise DataFormatError("the schema has no node tables", source="schema")
    seen: dict[str, str] = {}
    for table in schema.nodes:
        if not isinstance(table, NodeTable):
            raise DataFormatError(f"nodes must be NodeTable objects, got {type(table).__name__}",
                                  source="schema")
        if not isinstance(table.node_type, str) or not table.node_type:
            raise DataFormatError(f"node type must be a non-empty string, got {table.node_type!r}",
                                  source=table.source)
        if table.node_type in seen:
            raise DataFormatError(f"node type {table.node_type!r} is declared twice (tables "
                                  f"{seen[table.node_type]!r} and {table.source!r})", source="schema")
        seen[table.node_type] = table.source
        _check_table(table.table, table.source, table.columns())
    declared: dict[EdgeType, str] = {}
    for table in schema.edges:
        if not isinstance(table, EdgeTable):
            raise DataFormatError(f"edges must be EdgeTable objects, got {type(table).__name__}",
                                  source="schema")
        if len(table.edge_type) != 3 or not all(isinstance(p, str) and p for p in table.edge_type):
            raise DataFormatError("edge type must be (source type, relation, target type) of "
                                  f"non-empty strings, got {table.edge_type!r}", source=table.source_label)
        for role, node_type in (("source", table.edge_type[0]), ("target", table.edge_type[2])):
            if node_type not in seen:
                close = close_matches(node_type, list(seen))
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise DataFormatError(f"{role} node type {node_type!r} has no node table (node "
                                      f"types: {', '.join(seen)}){hint}", source=table.source_label,
                                      column=getattr(table, role))
        if table.duplicates not in DUPLICATE_POLICIES:
            raise DataFormatError(f"duplicates must be one of {DUPLICATE_POLICIES}, got "
                                  f"{table.duplicates!r}", source=table.source_label)
        types = [table.edge_type] + ([reverse_edge_type(table.edge_type)] if table.reverse else [])
        for edge_type in types:
            if edge_type in declared:
                raise DataFormatError(f"edge type {edge_type!r} comes from two tables "
                                      f"({declared[edge_type]!r} and {table.source_label!r})",
                                      source="schema")
            declared[edge_type] = table.source_label
        _check_table(table.table, table.source_label, table.columns())


def _check_table(table: pd.DataFrame, source: str, columns: dict[str, str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise DataFormatError(f"table must be a pandas DataFrame, got {type(table).__name__}",
                              source=source)
    for role, column in columns.items():
        if column not in table.columns:
            close = close_matches(str(column), [str(c) for c in table.columns])
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise DataFormatError(f"{role} column {column!r} is missing; columns are "
                                  f"{list(table.columns)}{hint}", source=source, column=column)
        if isinstance(table[column], pd.DataFrame):
            raise DataFormatError(f"column {column!r} appears more than once", source=source,
                                  column=column)
    if len(table) == 0:
        raise DataFormatError("the table is empty (0 rows)", source=source)


def _show(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _rows(series: pd.Series, positions: np.ndarray) -> str:
    """``"rows 3 ('x'), 8 ('y')"``: the first offending rows and their values."""
    positions = np.asarray(positions)[:SHOW_ROWS]
    values = series.iloc[positions].tolist()
    text = ", ".join(f"{int(p)} ({_show(v)})" for p, v in zip(positions, values))
    return f"row{'s' if len(positions) > 1 else ''} {text}"


def _fail(message: str, series: pd.Series, bad: np.ndarray, source: str, column: str):
    positions = np.flatnonzero(bad)
    raise DataFormatError(f"{len(positions)} {message}; first {_rows(series, positions)}",
                          source=source, row=int(positions[0]), column=column)


def _id_values(series: pd.Series, source: str, column: str) -> tuple[np.ndarray, str]:
    """Ids as int64 or str values, and their kind (``"integer"`` or ``"string"``)."""
    missing = series.isna().to_numpy()
    if missing.any():
        _fail("ids are missing", series, missing, source, column)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        _fail("ids are booleans; ids must be integers or strings", series,
              np.ones(len(series), bool), source, column)
    if pd.api.types.is_integer_dtype(dtype):
        return series.to_numpy(dtype=np.int64), "integer"
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64)
        huge = ~(np.abs(values) < 2.0 ** 63)  # infinite, or beyond 64-bit integers
        if huge.any():
            _fail("ids are infinite or too large for 64-bit integers", series, huge, source, column)
        fractional = values != np.round(values)
        if fractional.any():
            _fail("ids are not whole numbers; ids must be integers or strings", series,
                  fractional, source, column)
        return values.astype(np.int64), "integer"
    inferred = pd.api.types.infer_dtype(series, skipna=False)
    if inferred == "string":
        return series.to_numpy(dtype=object), "string"
    if inferred == "integer":
        return series.to_numpy(dtype=np.int64), "integer"
    if inferred in {"mixed", "mixed-integer", "mixed-integer-float"}:
        kinds = series.map(lambda v: "string" if isinstance(v, str) else type(v).__name__)
        first = kinds.iloc[0]
        odd = (kinds != first).to_numpy()
        if odd.any():
            _fail(f"ids are not of the type of the first id ({first}): ids must be all integers "
                  "or all strings", series, odd, source, column)
        inferred = first  # one type throughout, neither integer nor string (e.g. tuples)
    _fail(f"ids are of type {inferred}; ids must be integers or strings", series,
          np.ones(len(series), bool), source, column)
    raise AssertionError  # unreachable


def _numeric(table: pd.DataFrame, columns: tuple[str, ...], source: str) -> np.ndarray | None:
    """``(n, len(columns))`` float32 of finite numbers, or ``None`` when no column is given."""
    if not columns:
        return None
    out = np.empty((len(table), len(columns)), dtype=np.float32)
    for k, column in enumerate(columns):
        series = table[column]
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            _fail("values are missing, infinite or not numbers", series, bad, source, column)
        out[:, k] = values
    return out


def _seconds(table: pd.DataFrame, column: str | None, source: str) -> np.ndarray | None:
    """Timestamps as ``(n,)`` int64 seconds since 1970-01-01 UTC (naive times are taken as UTC)."""
    if column is None:
        return None
    series = table[column]
    if pd.api.types.is_integer_dtype(series.dtype):
        missing = series.isna().to_numpy()  # nullable Int64 columns may hold <NA>
        if missing.any():
            _fail("times are missing", series, missing, source, column)
        return series.to_numpy(dtype=np.int64)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        times = series.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        times = series
    else:
        try:
            times = pd.to_datetime(series, errors="coerce", utc=True, format="ISO8601")
        except (ValueError, TypeError):
            times = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
        times = times.dt.tz_localize(None)
    missing = times.isna().to_numpy()
    if missing.any():
        _fail("times are missing or cannot be read as dates", series, missing, source, column)
    return times.to_numpy().astype("datetime64[s]").astype(np.int64)


def _prepare_nodes(table: NodeTable) -> _Nodes:
    frame, source = table.table, table.source
    ids, kind = _id_values(frame[table.id], source, table.id)
    index = pd.Index(ids)
    if not index.is_unique:
        dup = index.duplicated(keep="first")
        first_dup = ids[int(np.argmax(dup))]
        first_seen = int(np.argmax(ids == first_dup))
        positions = np.flatnonzero(dup)
        raise DataFormatError(f"{len(positions)} ids are duplicates of earlier rows (id "
                              f"{_show(first_dup)} is first at row {first_seen}); first "
                              f"{_rows(frame[table.id], positions)}", source=source,
                              row=int(positions[0]), column=table.id)
    if table.name is None:
        names = ids.astype(str)
    else:
        raw = frame[table.name]
        names = np.where(raw.isna().to_numpy(), ids.astype(str), raw.astype(str).to_numpy())
    return _Nodes(index=index, kind=kind, ids=ids, names=names.astype(object),
                  x=_numeric(frame, table.features, source), time=_seconds(frame, table.time, source),
                  column=table.id)


def _endpoint(table: EdgeTable, role: str, nodes: _Nodes, node_type: str) -> np.ndarray:
    column = table.source if role == "source" else table.target
    series, source = table.table[column], table.source_label
    values, kind = _id_values(series, source, column)
    if kind != nodes.kind:
        _fail(f"{role} ids are {kind}s but the ids of node type {node_type!r} (column "
              f"{nodes.column!r}) are {nodes.kind}s (type clash)", series,
              np.ones(len(series), bool), source, column)
    position = nodes.index.get_indexer(values)
    dangling = position < 0
    if dangling.any():
        _fail(f"{role} ids are not {node_type!r} nodes (dangling ids)", series, dangling, source,
              column)
    return position.astype(np.int64)


def _prepare_edges(table: EdgeTable, nodes: dict[str, _Nodes]) -> _Edges:
    src_type, _, dst_type = table.edge_type
    src = _endpoint(table, "source", nodes[src_type], src_type)
    dst = _endpoint(table, "target", nodes[dst_type], dst_type)
    source = table.source_label
    weight = None if table.weight is None else _numeric(table.table, (table.weight,), source)[:, 0]
    attr = _numeric(table.table, table.features, source)
    time = _seconds(table.table, table.time, source)
    if table.duplicates == "keep":
        return _Edges(src, dst, weight, attr, time)
    code = src * np.int64(len(nodes[dst_type].ids)) + dst
    if table.duplicates == "error":
        dup = pd.Index(code).duplicated(keep="first")
        if dup.any():
            positions = np.flatnonzero(dup)
            pairs = table.table[[table.source, table.target]].iloc[positions[:SHOW_ROWS]]
            shown = ", ".join(f"{int(p)} ({_show(a)}, {_show(b)})"
                              for p, (a, b) in zip(positions, pairs.itertuples(index=False)))
            raise DataFormatError(f"{len(positions)} edges repeat an earlier (source, target) "
                                  f"pair; first rows {shown}", source=source,
                                  row=int(positions[0]), column=table.source)
        return _Edges(src, dst, weight, attr, time)
    unique, inverse = np.unique(code, return_inverse=True)
    n_dst = np.int64(len(nodes[dst_type].ids))
    counted = np.bincount(inverse, weights=weight, minlength=len(unique)).astype(np.float32)
    if attr is not None:
        attr = (pd.DataFrame(attr).groupby(inverse, sort=True).mean()
                .to_numpy(dtype=np.float32))
    if time is not None:
        time = pd.Series(time).groupby(inverse, sort=True).min().to_numpy(dtype=np.int64)
    return _Edges(unique // n_dst, unique % n_dst, counted, attr, time)
