"""ogbl-ddi: the Open Graph Benchmark drug–drug interaction graph with its official split.

Hu W, Fey M, Zitnik M, et al. *Open Graph Benchmark: Datasets for Machine Learning on
Graphs.* NeurIPS 2020. Data from DrugBank (Wishart et al., Nucleic Acids Res 2018).

The files of OGB's dataset folder are read from ``<root>/ogbl_ddi/`` (the layout the
``ogb`` package uses): ``raw/edge.csv.gz`` (the training graph, each undirected edge
once), ``raw/num-node-list.csv.gz``, ``raw/num-edge-list.csv.gz`` and the official
split ``split/target/{valid,test}.pt`` (positive and negative edges). The split files are
legacy ``torch.save`` pickles holding numpy arrays; they are read with an unpickler that
only builds numpy arrays and reports anything else as a
:class:`~graphmed.errors.DataFormatError` without running it. Neither ``torch.load`` nor
the ``ogb`` package is needed, and nothing ever prompts.

The tensors equal those of ``ogb.linkproppred.PygLinkPropPredDataset("ogbl-ddi")``:
``edge_index`` holds every training edge followed by its reverse (OGB's
``add_inverse_edge``, interleaved: ``(u, v), (v, u), ...``), and ``split_edge`` is the
dict of ``get_edge_split()`` (``train["edge"]`` is ``raw/edge.csv.gz``, as in OGB).

>>> from graphmed.datasets.ogbl_ddi import load_ogbl_ddi
>>> ddi = load_ogbl_ddi("../shared/data")        # doctest: +SKIP
>>> ddi.num_nodes, ddi.split_edge["valid"]["edge_neg"].shape   # doctest: +SKIP
(4267, torch.Size([101882, 2]))
"""
from __future__ import annotations

import codecs
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.safe_pickle import RestrictedUnpickler, numpy_globals
from graphmed.errors import DataFormatError

NAME = "ogbl-ddi"
FOLDER = "ogbl_ddi"
NUM_NODES = 4267
#: Positive edges of each split and negatives of valid/test, as released (OGB v1).
COUNTS = {"train": 1_067_911, "valid": 133_489, "test": 133_489,
          "valid_neg": 101_882, "test_neg": 95_599}
CITATION = ("Hu W, Fey M, Zitnik M, et al. Open Graph Benchmark: Datasets for Machine Learning "
            "on Graphs. NeurIPS 2020")

# The OGB download (http://snap.stanford.edu/ogb/data/linkproppred/ddi.zip) is one zip;
# its unmodified files are committed in snap-stanford/relbench at this commit.
_URL = ("https://github.com/snap-stanford/relbench/raw/"
        "a372f1eafe320f6fc0f61a807c775a09f1a8df0b/dataset/ogbl_ddi")


def _file(path: str, sha256: str, *, required: bool = True) -> DataFile:
    return DataFile(f"{FOLDER}/{path}", f"{_URL}/{path}", sha256, required=required,
                    gzipped_at_url=path.endswith(".gz"))


#: The files of ogbl-ddi; ``.gz`` checksums are of the decompressed content.
OGBL_DDI_FILES: dict[str, DataFile] = {
    "edge": _file("raw/edge.csv.gz",
                  "bcd88455c3846059499de91fd23ba269f3ef1484f4e7d5de31f6e1613ce7456f"),
    "num_nodes": _file("raw/num-node-list.csv.gz",
                       "415392fc32ffc211b49c6adaa4ad4d02103df8000ea9ce44a6ae1c9940b863ba"),
    "num_edges": _file("raw/num-edge-list.csv.gz",
                       "7ae9092451141fda1018727aa96f1a8aa06370538b8e4fdcdba422e153016c4f"),
    "valid": _file("split/target/valid.pt",
                   "4a48348f01fad0980a5be269fff7ace300e963144eef22d5ec4fc9830df872ac"),
    "test": _file("split/target/test.pt",
                  "b45cfcf1695babf5a13e90bdf08988be23570ca76af0737f9d517e005ea7e297"),
    # OGB's version marker: the ogb package reads the folder offline only when it exists.
    "release": _file("RELEASE_v1.txt",
                     "642c335e677fc2bd3fa1bd883b512ae3dd9110bbaa78a5c753d8cbde18d2c9f0",
                     required=False),
    "drug_ids": _file("mapping/nodeidx2drugid.csv.gz",
                      "117f6c4d1980f48b214657ea88ec1e6e3dc82550bc0d3bde41edde5fba5a2e33",
                      required=False),
}


@dataclass
class LinkPropDataset:
    """A link-prediction benchmark with an official split (OGB's ``ogbl-*`` shape).

    Attributes:
        name: ``"ogbl-ddi"``.
        num_nodes: number of nodes.
        edge_index: ``(2, 2E)`` int64, the training graph with both directions.
        split_edge: ``{"train": {"edge"}, "valid": {"edge", "edge_neg"}, "test": {...}}``,
            each ``(n, 2)`` int64, as ``get_edge_split()`` of the ogb package.
        node_ids: external id of each node (DrugBank ids) when the mapping file is there.
        checksum: SHA-256 over the checksums of the files read.
    """

    name: str
    num_nodes: int
    edge_index: torch.Tensor
    split_edge: dict[str, dict[str, torch.Tensor]]
    node_ids: list[str] | None = None
    checksum: str = ""
    files: dict[str, str] = field(default_factory=dict)

    def to_data(self):
        """The training graph as a PyG ``Data(edge_index, num_nodes)``."""
        from torch_geometric.data import Data

        return Data(edge_index=self.edge_index, num_nodes=self.num_nodes)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{split}: {len(parts['edge']):,}"
                          + (f" (+{len(parts['edge_neg']):,} neg)" if "edge_neg" in parts else "")
                          for split, parts in self.split_edge.items())
        return f"LinkPropDataset({self.name!r}, nodes={self.num_nodes:,}, {sizes})"


# --------------------------------------------------------------------------- readers
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
_LEGACY_PROTOCOL = 1001


def _allowed_globals() -> dict[tuple[str, str], Any]:
    return {**numpy_globals(),
            ("_codecs", "encode"): codecs.encode}  # how protocol-2 pickles carry bytes


def _unpickler(handle, path: Path) -> RestrictedUnpickler:
    return RestrictedUnpickler(handle, path, _allowed_globals(), "an OGB split file")


def read_legacy_split(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an OGB split file: a legacy (non-zip) ``torch.save`` of a dict of numpy arrays.

    Only numpy arrays are built; anything else raises :class:`DataFormatError`.
    """
    path = Path(path)
    try:
        with io.BytesIO(path.read_bytes()) as handle:
            magic = _unpickler(handle, path).load()
            if magic != _LEGACY_MAGIC:
                raise DataFormatError("not a legacy torch.save file (wrong magic number)",
                                      source=path)
            protocol = _unpickler(handle, path).load()
            if protocol != _LEGACY_PROTOCOL:
                raise DataFormatError(f"unsupported torch.save protocol {protocol!r}", source=path)
            _unpickler(handle, path).load()  # system info: endianness, type sizes
            content = _unpickler(handle, path).load()
    except DataFormatError:
        raise
    except Exception as exc:  # truncated or corrupt streams raise many kinds of error
        raise DataFormatError(f"not a readable OGB split file ({type(exc).__name__}: {exc})",
                              source=path) from None
    if not isinstance(content, dict) or not all(isinstance(k, str) and isinstance(v, np.ndarray)
                                                 for k, v in content.items()):
        raise DataFormatError("expected a dict of numpy arrays", source=path)
    return content


def _edges(array: Any, num_nodes: int, path: Path, what: str) -> torch.Tensor:
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[1] != 2 or not np.issubdtype(array.dtype, np.integer):
        raise DataFormatError(f"{what} must be an (n, 2) integer array, got {array.dtype} "
                              f"{array.shape}", source=path)
    if array.size and (array.min() < 0 or array.max() >= num_nodes):
        raise DataFormatError(f"{what} refers to nodes outside 0..{num_nodes - 1}", source=path)
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))


def _read_counts(path: Path) -> list[int]:
    try:
        counts = pd.read_csv(path, header=None, dtype=np.int64)[0].tolist()
    except Exception as exc:
        raise DataFormatError(f"expected one integer per line ({type(exc).__name__}: {exc})",
                              source=path) from None
    if not counts or min(counts) < 0:
        raise DataFormatError("expected non-negative counts", source=path)
    return counts


def read_edge_csv(path: str | os.PathLike, num_nodes: int) -> np.ndarray:
    """Read ``edge.csv.gz``: ``src,dst`` per line, no header; returns ``(E, 2)`` int64."""
    path = Path(path)
    try:
        table = pd.read_csv(path, header=None, dtype=np.int64)
    except Exception as exc:
        raise DataFormatError(f"expected 'src,dst' integer pairs ({type(exc).__name__}: {exc})",
                              source=path) from None
    if table.shape[1] != 2:
        raise DataFormatError(f"expected 2 columns, found {table.shape[1]}", source=path)
    edges = np.ascontiguousarray(table.to_numpy(dtype=np.int64))
    _edges(edges, num_nodes, path, "edge list")
    return edges


def load_ogbl_ddi(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True) -> LinkPropDataset:
    """ogbl-ddi with the official split (4,267 drugs; 1,067,911 / 133,489 / 133,489
    train / valid / test positives; 101,882 / 95,599 valid / test negatives).

    Returns a :class:`LinkPropDataset` whose ``edge_index`` and ``split_edge`` equal
    ``PygLinkPropPredDataset("ogbl-ddi")[0].edge_index`` and its ``get_edge_split()``.
    """
    paths = {key: locate(file, root, download=download, verify=verify)
             for key, file in OGBL_DDI_FILES.items()}
    (num_nodes,) = _single(_read_counts(paths["num_nodes"]), paths["num_nodes"])
    (num_edges,) = _single(_read_counts(paths["num_edges"]), paths["num_edges"])
    train = read_edge_csv(paths["edge"], num_nodes)
    if len(train) != num_edges:
        raise DataFormatError(f"{len(train)} edges but num-edge-list.csv.gz says {num_edges}",
                              source=paths["edge"])
    both = np.repeat(train.T, 2, axis=1)  # OGB's add_inverse_edge: (u, v), (v, u), ...
    both[0, 1::2], both[1, 1::2] = train[:, 1], train[:, 0]
    split_edge = {"train": {"edge": torch.from_numpy(train)}}
    for split in ("valid", "test"):
        content = read_legacy_split(paths[split])
        missing = {"edge", "edge_neg"} - set(content)
        if missing:
            raise DataFormatError(f"missing arrays {sorted(missing)}; found {sorted(content)}",
                                  source=paths[split])
        split_edge[split] = {key: _edges(content[key], num_nodes, paths[split], f"{split} {key}")
                             for key in ("edge", "edge_neg")}
    node_ids = None
    if paths["drug_ids"] is not None:
        mapping = pd.read_csv(paths["drug_ids"])
        if len(mapping) != num_nodes or mapping.shape[1] != 2:
            raise DataFormatError(f"expected {num_nodes} rows 'node idx, drug id'",
                                  source=paths["drug_ids"])
        node_ids = mapping.iloc[:, 1].astype(str).tolist()
    files = {key: OGBL_DDI_FILES[key].sha256 for key, path in paths.items() if path is not None}
    checksum = hashlib.sha256("".join(f"{k}:{v};" for k, v in sorted(files.items())).encode())
    return LinkPropDataset(NAME, num_nodes, torch.from_numpy(both), split_edge, node_ids,
                           checksum.hexdigest(), files)


def _single(counts: list[int], path: Path) -> list[int]:
    if len(counts) != 1:
        raise DataFormatError(f"expected one graph, found {len(counts)} counts", source=path)
    return counts


__all__ = ["COUNTS", "LinkPropDataset", "NUM_NODES", "OGBL_DDI_FILES", "load_ogbl_ddi",
           "read_edge_csv", "read_legacy_split"]
