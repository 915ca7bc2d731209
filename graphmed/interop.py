"""Exports to other tools: networkx and DGL graphs, CSV / Parquet tables of predictions and
embeddings. Files are written atomically (readers see the old file or the new one).

DGL and pyarrow are optional: they are imported only when asked for, and their absence
gives a :class:`~graphmed.errors.MissingDependencyError` that says how to install them.
"""
from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, plural
from graphmed.errors import DataFormatError, MissingDependencyError
from graphmed.graph.medgraph import MedGraph, _node_table
from graphmed.io import atomic_write_bytes, check_writable

#: File suffixes :func:`write_table` understands.
TABLE_SUFFIXES = (".csv", ".parquet")


def _check_graph(graph, what: str) -> None:
    if isinstance(graph, MedGraph):
        return
    hint = ""
    if isinstance(graph, DrugDiseaseDataset):
        hint = " (build one with graphmed.graph.build_drug_disease_graph(dataset))"
    elif callable(getattr(graph, "build", None)):
        hint = " (call its .build())"
    raise TypeError(f"{what} takes a MedGraph{hint}, got {type(graph).__name__}")


def to_networkx(graph: MedGraph, *, reverse: bool = True):
    """A ``networkx.MultiDiGraph`` of ``graph`` (see :meth:`MedGraph.to_networkx`;
    ``reverse=False`` leaves out the mirrored edge types)."""
    _check_graph(graph, "to_networkx")
    return graph.to_networkx(reverse=reverse)


def _optional(module: str, purpose: str, install: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {module!r}, which is not installed or does "
            f"not import ({type(exc).__name__}: {exc}); install it with `pip install {install}`"
        ) from None


def to_dgl(graph: MedGraph):
    """A ``dgl.DGLHeteroGraph`` with the node and edge types of ``graph``.

    Each node type gets ``num_nodes`` and ``ndata["node_index"]``; each edge type
    ``edata["weight"]`` where ``graph`` has edge weights. Node ids and names stay in
    ``graph.nodes`` (DGL holds numbers only).

    Raises:
        MissingDependencyError: DGL is not installed (it is optional, and DGL wheels exist
            only for some torch versions).
    """
    _check_graph(graph, "to_dgl")
    dgl = _optional("dgl", "exporting to DGL", "dgl")
    import torch

    data = graph.data
    relations = {edge_type: tuple(data[edge_type].edge_index.cpu().long())
                 for edge_type in data.edge_types}
    num_nodes = {nt: graph.num_nodes(nt) for nt in graph.node_types}
    out = dgl.heterograph(relations, num_nodes_dict=num_nodes)
    for nt, n in num_nodes.items():
        out.nodes[nt].data["node_index"] = torch.arange(n)
    for edge_type in data.edge_types:
        weight = data[edge_type].get("edge_weight")
        if weight is not None:
            out.edges[edge_type].data["weight"] = weight.detach().cpu()
    return out


def check_table_path(path: str | Path) -> Path:
    """Raise now, before any work, if :func:`write_table` could not write ``path``: a suffix
    other than ``.csv`` / ``.parquet`` (:class:`DataFormatError`), ``.parquet`` without
    pyarrow (:class:`MissingDependencyError`) or a place no file can be written
    (:class:`OutputPathError`, see :func:`graphmed.io.check_writable`)."""
    if isinstance(path, bool) or not isinstance(path, (str, Path)) or not str(path).strip():
        raise TypeError(f"path must be a file path (str or Path) ending in "
                        f"{' or '.join(TABLE_SUFFIXES)}, got {path!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise DataFormatError(f"cannot write a table as {suffix or 'a file without a suffix'!r}; "
                              f"use {' or '.join(TABLE_SUFFIXES)}", source=path)
    if suffix == ".parquet":
        _optional("pyarrow", "writing Parquet files", "pyarrow")
    return check_writable(path)


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` to ``path`` as CSV (``.csv``) or Parquet (``.parquet``, needs pyarrow).

    Raises:
        DataFormatError: another suffix.
        MissingDependencyError: ``.parquet`` without pyarrow.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    path = check_table_path(path)
    if path.suffix.lower() == ".csv":
        return atomic_write_bytes(path, table.to_csv(index=False).encode("utf-8"))
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, engine="pyarrow")
    return atomic_write_bytes(path, buffer.getvalue())


def predictions_frame(model_or_scores, dataset: DrugDiseaseDataset, *,
                      exclude_known: bool = False) -> pd.DataFrame:
    """Every (drug, disease) pair as a row: ``drug_id``, ``drug_name``, ``{kind}_id``,
    ``{kind}_name``, ``score``, ``known``, best first (ties in matrix order)."""
    from graphmed.repurpose.candidates import score_matrix_of
    from graphmed.repurpose.names import NameIndex

    scores = score_matrix_of(model_or_scores, dataset)
    kind = dataset.disease_kind
    drugs = NameIndex.from_table(dataset.drugs, "drug")
    diseases = NameIndex.from_table(dataset.diseases, kind)
    known = dataset.associations.ravel()
    flat = scores.ravel()
    rows = np.flatnonzero(~known) if exclude_known else np.arange(flat.size)
    rows = rows[np.argsort(-flat[rows], kind="stable")]
    r, s = np.divmod(rows, dataset.n_diseases)
    return pd.DataFrame({
        "drug_id": np.asarray(drugs.ids, dtype=object)[r],
        "drug_name": np.asarray(drugs.names, dtype=object)[r],
        f"{kind}_id": np.asarray(diseases.ids, dtype=object)[s],
        f"{kind}_name": np.asarray(diseases.names, dtype=object)[s],
        "score": flat[rows], "known": known[rows].astype(bool)})


def write_predictions(model_or_scores, dataset: DrugDiseaseDataset, path: str | Path, *,
                      exclude_known: bool = False) -> Path:
    """Write :func:`predictions_frame` to a ``.csv`` or ``.parquet`` file."""
    return write_table(predictions_frame(model_or_scores, dataset, exclude_known=exclude_known), path)


def embeddings_frame(embeddings: Mapping[str, np.ndarray] | np.ndarray,
                     nodes: Mapping[str, pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """Node embeddings as a table: ``type``, ``id``, ``name``, ``dim_0`` … ``dim_{d-1}``.

    Args:
        embeddings: node type -> ``(n, d)`` array or tensor, or one ``(n, d)`` array.
        nodes: node type -> table with ``id`` (and ``name``) in the embeddings' row order
            (e.g. ``MedGraph.nodes``), or one table for one array.
    """
    if not isinstance(embeddings, Mapping):
        if not isinstance(nodes, pd.DataFrame):
            raise TypeError(f"one embedding array needs one node table (a DataFrame), got "
                            f"{type(nodes).__name__}")
        embeddings, nodes = {"node": embeddings}, {"node": nodes}
    elif not isinstance(nodes, Mapping):
        raise TypeError("embeddings per node type need a node table per node type")
    frames, dim = [], None
    for node_type, values in embeddings.items():
        if hasattr(values, "detach"):
            values = values.detach().cpu().float().numpy()
        values = np.asarray(values)
        if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
            raise DataFormatError(f"embeddings must be numbers, got dtype {values.dtype}",
                                  source=f"embeddings[{node_type!r}]")
        values = values.astype(np.float64)
        if node_type not in nodes:
            raise DataFormatError(f"no node table for node type {node_type!r} (tables: "
                                  f"{', '.join(nodes)})", source="embeddings")
        table = nodes[node_type]
        if values.ndim != 2 or len(values) != len(table):
            raise DataFormatError(f"embeddings of shape {values.shape} for {len(table)} nodes",
                                  source=f"embeddings[{node_type!r}]")
        if values.size and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values).all(1))[0])
            raise DataFormatError(f"{int((~np.isfinite(values)).sum())} embedding value(s) are "
                                  "NaN or infinite, the first in this row: a diverged model?",
                                  source=f"embeddings[{node_type!r}]", row=row)
        if dim is not None and values.shape[1] != dim:
            raise DataFormatError(f"embedding size {values.shape[1]} differs from {dim}",
                                  source=f"embeddings[{node_type!r}]")
        dim = values.shape[1]
        named = _node_table(table, node_type)  # checks the id column
        front = pd.DataFrame({"type": node_type, "id": named["id"].to_numpy(),
                              "name": named["name"].to_numpy()})
        dims = pd.DataFrame(values, columns=[f"dim_{i}" for i in range(dim)])
        frames.append(pd.concat([front, dims], axis=1))
    if not frames:
        raise DataFormatError("no embeddings given", source="embeddings")
    return pd.concat(frames, ignore_index=True)


def write_embeddings(embeddings: Mapping[str, np.ndarray] | np.ndarray,
                     nodes: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`embeddings_frame` to a ``.csv`` or ``.parquet`` file."""
    return write_table(embeddings_frame(embeddings, nodes), path)


def gnn_embeddings(model, dataset: DrugDiseaseDataset) -> dict[str, np.ndarray]:
    """Node embeddings of a fitted :class:`~graphmed.models.GNNLinkPredictor` (or of the GNN
    member of a fitted ensemble, or of a :class:`~graphmed.repurpose.RepurposingModel`
    holding one), split into ``{"drug": (n_drugs, d), kind: (n_diseases, d)}``."""
    import torch

    from graphmed.models import GNNLinkPredictor

    candidate = getattr(model, "model", None) or model
    members = [candidate, *getattr(candidate, "members", [])]
    gnn = next((m for m in members if isinstance(m, GNNLinkPredictor) and m.net is not None
                and m.task is not None), None)
    if gnn is None:
        raise TypeError(f"{type(model).__name__} has no fitted GNN (a loaded model keeps scores "
                        "only; embeddings come from a model fitted in this process)")
    device = next(gnn.net.parameters()).device
    gnn.net.eval()
    with torch.no_grad():
        z = gnn.net.embed(gnn.task.to(device)).float().cpu().numpy()
    if len(z) != dataset.n_drugs + dataset.n_diseases:
        raise DataFormatError(f"{len(z)} embeddings for {dataset.n_drugs} drugs and "
                              f"{dataset.n_diseases} {plural(dataset.disease_kind)}",
                              source="embeddings")
    return {"drug": z[: dataset.n_drugs], dataset.disease_kind: z[dataset.n_drugs:]}
