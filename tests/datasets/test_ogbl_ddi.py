"""ogbl-ddi: the official split, read without torch.load or ogb, equals the ogb package's tensors."""
from __future__ import annotations

import builtins
import codecs
import gzip
import io
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from graphmed.datasets import files as files_mod
from graphmed.datasets import load_dataset
from graphmed.datasets.ogbl_ddi import (COUNTS, FOLDER, NUM_NODES, OGBL_DDI_FILES, load_ogbl_ddi,
                                        read_legacy_split)
from graphmed.errors import DataFormatError, DataIntegrityError


@pytest.fixture(scope="module")
def ddi_root(data_root):
    if not (data_root / FOLDER).is_dir():
        pytest.skip(f"{FOLDER} not found under {data_root}")
    return data_root


@pytest.fixture(scope="module")
def ddi(ddi_root):
    return load_ogbl_ddi(ddi_root, download=False)


def _keys(edges: torch.Tensor) -> np.ndarray:
    """Each undirected edge as one integer (smaller id first)."""
    e = np.sort(edges.numpy(), axis=1)
    return e[:, 0] * NUM_NODES + e[:, 1]


def test_counts_shapes_and_dtypes(ddi):
    assert ddi.num_nodes == NUM_NODES == 4267
    split = ddi.split_edge
    assert set(split) == {"train", "valid", "test"} and set(split["train"]) == {"edge"}
    got = {"train": len(split["train"]["edge"]), "valid": len(split["valid"]["edge"]),
           "test": len(split["test"]["edge"]), "valid_neg": len(split["valid"]["edge_neg"]),
           "test_neg": len(split["test"]["edge_neg"])}
    assert got == COUNTS
    for parts in split.values():
        for edges in parts.values():
            assert edges.dtype == torch.int64 and edges.dim() == 2 and edges.size(1) == 2
            assert int(edges.min()) >= 0 and int(edges.max()) < NUM_NODES
    assert ddi.edge_index.shape == (2, 2 * COUNTS["train"]) and ddi.edge_index.dtype == torch.int64
    assert len(ddi.node_ids) == NUM_NODES and ddi.node_ids[0] == "DB00001"
    assert re.fullmatch(r"[0-9a-f]{64}", ddi.checksum)


def test_graph_is_the_training_edges_in_both_directions(ddi):
    train = ddi.split_edge["train"]["edge"]
    ei = ddi.edge_index
    assert torch.equal(ei[:, 0::2], train.t()) and torch.equal(ei[:, 1::2], train.t().flip(0))
    assert not bool((ei[0] == ei[1]).any())
    data = ddi.to_data()
    assert data.num_nodes == NUM_NODES and torch.equal(data.edge_index, ei)


def test_positives_are_disjoint_and_negatives_are_not_positives(ddi):
    split = ddi.split_edge
    seen = np.zeros(NUM_NODES * NUM_NODES, dtype=np.int8)  # split that holds each pair
    for code, name in enumerate(("train", "valid", "test"), start=1):
        keys = _keys(split[name]["edge"])
        assert not seen[keys].any(), f"{name} repeats a pair of an earlier split"
        seen[keys] = code
        assert np.count_nonzero(seen == code) == len(keys), f"{name} lists a pair twice"
    for name in ("valid", "test"):
        assert not seen[_keys(split[name]["edge_neg"])].any(), f"a {name} negative is a positive"
    assert len(np.unique(ddi.edge_index[0].numpy())) == NUM_NODES  # every node has a train edge


def test_load_dataset_by_name(ddi, ddi_root):
    for name in ("ogbl-ddi", "OGBL_DDI"):
        other = load_dataset(name, ddi_root, download=False, verify=False)
        assert other.checksum == ddi.checksum
        assert torch.equal(other.split_edge["test"]["edge_neg"], ddi.split_edge["test"]["edge_neg"])


def _ogb_safe_globals() -> list:
    """What ogb's own torch.load calls need under torch's default ``weights_only=True``:
    numpy arrays (the released split files) and the PyG classes of its processed file."""
    from torch_geometric.data.data import Data, DataEdgeAttr, DataTensorAttr
    from torch_geometric.data.storage import GlobalStorage

    reconstruct = np.ndarray.__reduce__(np.zeros(0))[0]
    return [(reconstruct, "numpy.core.multiarray._reconstruct"), reconstruct, np.ndarray, np.dtype,
            type(np.dtype(np.int64)), codecs.encode, Data, DataEdgeAttr, DataTensorAttr,
            GlobalStorage]


@pytest.fixture
def ogb_layout(ddi_root, tmp_path, monkeypatch):
    """``tmp/ogbl_ddi`` as the ogb package reads it offline, or a skip saying why not."""
    pytest.importorskip("ogb")
    import pandas as pd
    from ogb.linkproppred import dataset as ogb_dataset

    master = pd.read_csv(Path(ogb_dataset.__file__).with_name("master.csv"), index_col=0,
                         keep_default_na=False)
    release = f"RELEASE_v{master['ogbl-ddi']['version']}.txt"
    source = ddi_root / FOLDER
    if not (source / release).is_file():
        pytest.skip(f"{source / release} is missing: ogb would ask (input()) whether to download "
                    "the data set again")

    def no_prompt(*args, **kwargs):
        raise AssertionError(f"ogb prompted: {args}")

    monkeypatch.setattr(builtins, "input", no_prompt)  # a prompt fails instead of hanging
    target = tmp_path / FOLDER
    (target / "split" / "target").mkdir(parents=True)
    (target / "raw").symlink_to(source / "raw", target_is_directory=True)
    (target / release).symlink_to(source / release)
    for split in ("valid", "test"):
        (target / "split" / "target" / f"{split}.pt").symlink_to(source / "split" / "target"
                                                                 / f"{split}.pt")
    train = source / "split" / "target" / "train.pt"
    if train.is_file():
        (target / "split" / "target" / "train.pt").symlink_to(train)
    else:  # not released in this copy (see SOURCE.md): OGB's train.pt is {'edge': raw edges}
        edges = pd.read_csv(source / "raw" / "edge.csv.gz", header=None).to_numpy(np.int64)
        torch.save({"edge": edges}, target / "split" / "target" / "train.pt")
    return tmp_path


def test_equals_the_ogb_package(ddi, ogb_layout):
    from ogb.linkproppred import LinkPropPredDataset, PygLinkPropPredDataset

    with torch.serialization.safe_globals(_ogb_safe_globals()):
        pyg = PygLinkPropPredDataset("ogbl-ddi", root=str(ogb_layout))
        graph, split = pyg[0], pyg.get_edge_split()
    assert graph.num_nodes == ddi.num_nodes
    assert torch.equal(graph.edge_index, ddi.edge_index)
    assert split.keys() == ddi.split_edge.keys()
    for name, parts in split.items():
        assert parts.keys() == ddi.split_edge[name].keys()
        for key, edges in parts.items():
            mine = ddi.split_edge[name][key]
            assert edges.dtype == mine.dtype and torch.equal(edges, mine), (name, key)

    plain = LinkPropPredDataset("ogbl-ddi", root=str(ogb_layout))[0]  # numpy graph dict
    assert plain["num_nodes"] == ddi.num_nodes
    np.testing.assert_array_equal(plain["edge_index"], ddi.edge_index.numpy())


def test_scores_come_from_the_ogb_evaluator(ddi):
    ogb = pytest.importorskip("ogb.linkproppred")
    from graphmed.evaluation.metrics import hits_at_k

    evaluator = ogb.Evaluator("ogbl-ddi")
    assert evaluator.eval_metric == "hits@20"
    gen = torch.Generator().manual_seed(0)
    pos = torch.rand(len(ddi.split_edge["valid"]["edge"]), generator=gen) + 0.02
    neg = torch.rand(len(ddi.split_edge["valid"]["edge_neg"]), generator=gen)
    for k in (10, 20, 30):
        evaluator.K = k
        got = evaluator.eval({"y_pred_pos": pos, "y_pred_neg": neg})[f"hits@{k}"]
        assert got == pytest.approx(hits_at_k(pos, neg, k))


class _Payload:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):  # on unpickling, would write a file
        return (open, (str(self.target), "w"))


def _legacy(obj) -> bytes:
    """``obj`` in torch's legacy serialisation layout (four pickles, protocol 2)."""
    out = io.BytesIO()
    for part in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001}, obj, []):
        pickle.dump(part, out, protocol=2)
    return out.getvalue()


def test_split_reader_builds_numpy_arrays_only(tmp_path):
    good = tmp_path / "good.pt"
    edges = np.arange(10, dtype=np.int64).reshape(5, 2)
    good.write_bytes(_legacy({"edge": edges, "edge_neg": edges[:2]}))
    content = read_legacy_split(good)
    np.testing.assert_array_equal(content["edge"], edges)

    target = tmp_path / "pwned"
    forged = tmp_path / "forged.pt"
    forged.write_bytes(_legacy({"edge": _Payload(target)}))
    with pytest.raises(DataFormatError, match="builtins.open|io.open"):
        read_legacy_split(forged)
    assert not target.exists()

    zipped = tmp_path / "zip.pt"
    torch.save({"edge": torch.from_numpy(edges)}, zipped)  # the zip format: not a split file
    with pytest.raises(DataFormatError, match="not a readable|magic"):
        read_legacy_split(zipped)


def test_truncated_split_file_is_a_format_error(ddi_root, mirror):
    mirror.link(FOLDER)
    path = mirror.truncate(f"{FOLDER}/split/target/test.pt")
    with pytest.raises(DataFormatError, match="not a readable"):
        read_legacy_split(path)
    with pytest.raises(DataIntegrityError):
        load_ogbl_ddi(mirror.root, download=False)


def test_loads_without_the_optional_files(ddi, ddi_root, mirror):
    mirror.link(FOLDER)
    mirror.remove(f"{FOLDER}/RELEASE_v1.txt")
    mirror.remove(f"{FOLDER}/mapping/nodeidx2drugid.csv.gz")
    other = load_ogbl_ddi(mirror.root, download=False, verify=False)
    assert other.node_ids is None
    assert torch.equal(other.split_edge["valid"]["edge"], ddi.split_edge["valid"]["edge"])


def test_files_are_pinned_to_a_commit():
    assert {f.path for f in OGBL_DDI_FILES.values()} >= {
        "ogbl_ddi/raw/edge.csv.gz", "ogbl_ddi/split/target/valid.pt", "ogbl_ddi/split/target/test.pt"}
    for file in OGBL_DDI_FILES.values():
        assert re.fullmatch(r"[0-9a-f]{64}", file.sha256)
        assert file.url == ("https://github.com/snap-stanford/relbench/raw/"
                            "a372f1eafe320f6fc0f61a807c775a09f1a8df0b/dataset/" + file.path)
        assert file.gzipped_at_url == file.path.endswith(".gz")


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_keeps_a_file_served_gzipped(ddi_root, tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHMED_OFFLINE", raising=False)
    file = OGBL_DDI_FILES["num_nodes"]
    served = (ddi_root / file.path).read_bytes()
    monkeypatch.setattr(files_mod.urllib.request, "urlopen",
                        lambda url, timeout: _Response(served))
    path = files_mod.locate(file, tmp_path)
    assert path.read_bytes() == served and gzip.decompress(path.read_bytes()) == b"4267\n"

    other = OGBL_DDI_FILES["num_edges"]  # wrong content for its checksum: not saved
    with pytest.raises(DataIntegrityError, match="not saved"):
        files_mod.locate(other, tmp_path)
    assert not (tmp_path / other.path).exists()
