"""Planetoid citation graphs (Cora, CiteSeer) with the public semi-supervised split.

Yang Z, Cohen WW, Salakhutdinov R. *Revisiting Semi-Supervised Learning with Graph
Embeddings.* ICML 2016. Graphs from Sen et al., AI Magazine 29(3):93 (2008).

The original ``ind.<name>.*`` files of kimiyoung/planetoid are read from
``<root>/planetoid_cora/``. Seven of them are Python-2 pickles; they are opened with
an unpickler that only builds numpy arrays, ``scipy.sparse.csr_matrix`` and the
adjacency ``defaultdict(list)``, and reports anything else as a
:class:`~graphmed.errors.DataFormatError` without running it. The graph is built as
PyTorch Geometric's ``Planetoid`` builds it (``torch_geometric.io.read_planetoid_data``),
including its fix for the CiteSeer test nodes missing from ``tx``/``ty`` (zero features,
label 0, in no mask).

>>> from graphmed.datasets.planetoid import load_planetoid
>>> data = load_planetoid("cora")   # Data(x=[2708, 1433], edge_index=[2, 10556], ...)  # doctest: +SKIP
"""
from __future__ import annotations

import collections
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import Data
from torch_geometric.utils import remove_self_loops, to_undirected

from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.safe_pickle import RestrictedUnpickler, numpy_globals
from graphmed.errors import DataFormatError, UnknownNameError

FOLDER = "planetoid_cora"
PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")
NUM_VAL = 500

_URL = ("https://github.com/kimiyoung/planetoid/raw/"
        "af6abf468a772cc055bec88c52e4d6f51b7c37e3/data")
_SHA256 = {
    "cora": {
        "x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        "tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        "allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        "y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
        "ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        "ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        "graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        "test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
    },
    "citeseer": {
        "x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
        "tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        "allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        "y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
        "ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        "ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        "graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        "test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
    },
}

#: ``PLANETOID_FILES[name][part]``: the eight files of each graph.
PLANETOID_FILES: dict[str, dict[str, DataFile]] = {
    name: {part: DataFile(f"{FOLDER}/ind.{name}.{part}", f"{_URL}/ind.{name}.{part}", sha)
           for part, sha in hashes.items()}
    for name, hashes in _SHA256.items()
}


def _allowed_globals() -> dict[tuple[str, str], Any]:
    return {
        **numpy_globals(),
        ("scipy.sparse.csr", "csr_matrix"): sp.csr_matrix,
        ("scipy.sparse._csr", "csr_matrix"): sp.csr_matrix,
        ("collections", "defaultdict"): collections.defaultdict,
        ("__builtin__", "list"): list,
        ("builtins", "list"): list,
    }


def read_planetoid_pickle(path: str | os.PathLike) -> Any:
    """Unpickle one ``ind.*`` file, allowing only numpy arrays, CSR matrices and
    ``defaultdict(list)``; anything else raises :class:`DataFormatError`."""
    path = Path(path)
    try:
        with io.BytesIO(path.read_bytes()) as handle:
            return RestrictedUnpickler(handle, path, _allowed_globals(), "a Planetoid file").load()
    except DataFormatError:
        raise
    except Exception as exc:  # truncated or corrupt streams raise many kinds of error
        raise DataFormatError(f"not a readable Planetoid pickle ({type(exc).__name__}: {exc})",
                              source=path) from None


def _matrix(obj: Any, path: Path) -> np.ndarray:
    if sp.issparse(obj):
        obj = obj.toarray()
    if not isinstance(obj, np.ndarray) or obj.ndim != 2:
        raise DataFormatError(f"expected a 2-D matrix, got {type(obj).__name__}", source=path)
    return obj


def _graph(obj: Any, path: Path) -> dict[int, list[int]]:
    if not isinstance(obj, dict) or not all(isinstance(v, list) for v in obj.values()):
        raise DataFormatError(f"expected an adjacency dict of lists, got {type(obj).__name__}",
                              source=path)
    return obj


def _test_index(path: Path) -> np.ndarray:
    try:
        index = np.array([int(line) for line in path.read_text().split()], dtype=np.int64)
    except ValueError as exc:
        raise DataFormatError(f"test index must hold one integer per line ({exc})", source=path) from None
    if index.size == 0 or index.min() < 0 or len(np.unique(index)) != index.size:
        raise DataFormatError("test index must hold distinct non-negative node ids", source=path)
    return index


def load_planetoid(name: str, root: str | os.PathLike | None = None, *, download: bool = True,
                   verify: bool = True) -> Data:
    """Cora or CiteSeer as a PyG ``Data`` with the public split.

    Returns ``Data`` with ``x (N, F)`` float32 0/1 bag-of-words (not normalised),
    ``y (N,)`` int64 classes, ``edge_index (2, E)`` undirected (both directions),
    deduplicated, without self-loops, sorted by (row, col), and boolean ``train_mask``
    (the ``len(ind.<name>.y)`` labelled nodes), ``val_mask`` (the next 500) and
    ``test_mask`` (the 1,000 nodes of ``test.index``). Cora: N=2,708, F=1,433, E=10,556,
    140/500/1,000; CiteSeer: N=3,327, F=3,703, E=9,104, 120/500/1,000.
    """
    key = name.strip().lower()
    if key not in PLANETOID_FILES:
        raise UnknownNameError(f"unknown Planetoid graph {name!r}; known: {', '.join(PLANETOID_FILES)}")
    paths = {part: locate(file, root, download=download, verify=verify)
             for part, file in PLANETOID_FILES[key].items()}
    x, tx, allx, y, ty, ally = (_matrix(read_planetoid_pickle(paths[p]), paths[p])
                                for p in ("x", "tx", "allx", "y", "ty", "ally"))
    graph = _graph(read_planetoid_pickle(paths["graph"]), paths["graph"])
    test_index = _test_index(paths["test.index"])
    _check_shapes(x, tx, allx, y, ty, ally, test_index, paths)

    sorted_test = np.sort(test_index)
    if key == "citeseer":  # test ids missing from tx/ty become zero rows (PyG's fix)
        span = int(sorted_test[-1] - sorted_test[0]) + 1
        tx_ext = np.zeros((span, tx.shape[1]), dtype=tx.dtype)
        tx_ext[sorted_test - sorted_test[0]] = tx
        ty_ext = np.zeros((span, ty.shape[1]), dtype=ty.dtype)
        ty_ext[sorted_test - sorted_test[0]] = ty
        tx, ty = tx_ext, ty_ext
    features = np.vstack([allx, tx])
    features[test_index] = features[sorted_test]
    labels = np.vstack([ally, ty]).argmax(axis=1)
    labels[test_index] = labels[sorted_test]
    n = features.shape[0]

    edge_index = _edge_index(graph, n, paths["graph"])
    masks = {}
    for split, index in (("train", np.arange(y.shape[0])),
                         ("val", np.arange(y.shape[0], y.shape[0] + NUM_VAL)),
                         ("test", test_index)):
        mask = torch.zeros(n, dtype=torch.bool)
        mask[torch.from_numpy(index)] = True
        masks[f"{split}_mask"] = mask
    return Data(x=torch.from_numpy(features.astype(np.float32)),
                y=torch.from_numpy(labels.astype(np.int64)), edge_index=edge_index, **masks)


def _check_shapes(x, tx, allx, y, ty, ally, test_index, paths) -> None:
    pairs = (("x", x, "y", y), ("tx", tx, "ty", ty), ("allx", allx, "ally", ally))
    for a, xa, b, yb in pairs:
        if xa.shape[0] != yb.shape[0]:
            raise DataFormatError(f"{xa.shape[0]} feature rows but ind.*.{b} has {yb.shape[0]} "
                                  "label rows", source=paths[a])
    widths = {x.shape[1], tx.shape[1], allx.shape[1]}
    classes = {y.shape[1], ty.shape[1], ally.shape[1]}
    if len(widths) != 1 or len(classes) != 1:
        raise DataFormatError(f"feature widths {sorted(widths)} / class counts {sorted(classes)} "
                              "differ between x, tx and allx", source=paths["x"])
    if tx.shape[0] != test_index.size:
        raise DataFormatError(f"{test_index.size} test ids but tx has {tx.shape[0]} rows",
                              source=paths["test.index"])
    if y.shape[0] + NUM_VAL > allx.shape[0] or test_index.min() < allx.shape[0]:
        raise DataFormatError("train/validation nodes must lie inside allx and test ids after it",
                              source=paths["test.index"])


def _edge_index(graph: dict[int, list[int]], n: int, path: Path) -> torch.Tensor:
    rows = [int(node) for node, nbrs in graph.items() for _ in nbrs]
    cols = [int(j) for nbrs in graph.values() for j in nbrs]
    edge_index = torch.tensor([rows, cols], dtype=torch.long).view(2, -1)
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= n):
        raise DataFormatError(f"adjacency refers to nodes outside 0..{n - 1}", source=path)
    edge_index, _ = remove_self_loops(edge_index)
    return to_undirected(edge_index, num_nodes=n)
