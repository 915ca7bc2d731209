"""Planetoid (Cora, CiteSeer): the graph equals the pickle-free arrays; unsafe pickles are refused."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from graphmed.datasets.planetoid import PLANETOID_FILES, load_planetoid, read_planetoid_pickle
from graphmed.errors import DataFormatError, UnknownNameError

FOLDER = "planetoid_cora"


@pytest.fixture(scope="module")
def planetoid_root(data_root):
    if not (data_root / FOLDER).is_dir():
        pytest.skip(f"{FOLDER} not found under {data_root}")
    return data_root


@pytest.fixture(scope="module")
def cora(planetoid_root):
    return load_planetoid("cora", planetoid_root)


def _derived(root, name):
    with np.load(root / FOLDER / "derived" / f"{name}.npz") as arrays:
        return {key: arrays[key] for key in arrays.files}


def test_cora_equals_the_derived_arrays(cora, planetoid_root):
    ref = _derived(planetoid_root, "cora")
    assert cora.num_nodes == 2708 and cora.num_features == 1433
    np.testing.assert_array_equal(cora.x.numpy(), ref["x"])
    np.testing.assert_array_equal(cora.y.numpy(), ref["y"])
    np.testing.assert_array_equal(cora.edge_index.numpy(), ref["edge_index"])
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(cora[f"{split}_mask"].numpy(), ref[f"{split}_mask"])
    assert (cora.x.dtype, cora.y.dtype, cora.edge_index.dtype) == (torch.float32, torch.int64,
                                                                  torch.int64)


def test_cora_graph_and_public_split(cora):
    assert cora.edge_index.size(1) == 10556
    assert cora.is_undirected() and not cora.has_self_loops()
    assert [int(cora[f"{s}_mask"].sum()) for s in ("train", "val", "test")] == [140, 500, 1000]
    assert torch.bincount(cora.y[cora.train_mask]).tolist() == [20] * 7
    masks = torch.stack([cora.train_mask, cora.val_mask, cora.test_mask]).int()
    assert int(masks.sum(0).max()) == 1


def test_citeseer_equals_the_derived_arrays(planetoid_root):
    data = load_planetoid("CiteSeer", planetoid_root)
    ref = _derived(planetoid_root, "citeseer")
    np.testing.assert_array_equal(data.x.numpy(), ref["x"])
    np.testing.assert_array_equal(data.edge_index.numpy(), ref["edge_index"])
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(data[f"{split}_mask"].numpy(), ref[f"{split}_mask"])
    labelled = ref["y"] >= 0
    np.testing.assert_array_equal(data.y.numpy()[labelled], ref["y"][labelled])
    # the 15 test-range nodes without a tx/ty row: zero features, label 0 (as PyG), no mask
    missing = torch.from_numpy(~labelled)
    assert int(missing.sum()) == 15 and data.y[missing].eq(0).all() and data.x[missing].eq(0).all()
    assert not (data.train_mask | data.val_mask | data.test_mask)[missing].any()


class _Payload:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):  # on unpickling, would write a file
        return (open, (str(self.target), "w"))


def test_a_forged_pickle_is_refused_without_running(mirror, tmp_path):
    mirror.link(FOLDER)
    target = tmp_path / "pwned"
    forged = mirror.path(f"{FOLDER}/ind.cora.x")
    forged.unlink()
    forged.write_bytes(pickle.dumps(_Payload(target), protocol=2))
    with pytest.raises(DataFormatError, match="builtins.open|io.open"):
        read_planetoid_pickle(forged)
    with pytest.raises(DataFormatError, match="not allowed|refusing"):
        load_planetoid("cora", mirror.root, verify=False)
    assert not target.exists()
    # with verification on, the checksum already rejects the file
    from graphmed.errors import DataIntegrityError
    with pytest.raises(DataIntegrityError):
        load_planetoid("cora", mirror.root)


def test_a_forged_pickle_of_a_numpy_function_is_refused(tmp_path):
    path = tmp_path / "ind.cora.y"
    path.write_bytes(pickle.dumps(np.load, protocol=2))  # a global outside the allow-list
    with pytest.raises(DataFormatError, match="numpy.*load"):
        read_planetoid_pickle(path)


def test_a_truncated_pickle_is_a_format_error(mirror):
    mirror.link(FOLDER)
    path = mirror.truncate(f"{FOLDER}/ind.cora.allx")
    with pytest.raises(DataFormatError, match="not a readable"):
        read_planetoid_pickle(path)


def test_files_are_pinned_to_a_commit():
    for files in PLANETOID_FILES.values():
        assert len(files) == 8
        for file in files.values():
            assert file.url.startswith("https://github.com/kimiyoung/planetoid/raw/"
                                       "af6abf468a772cc055bec88c52e4d6f51b7c37e3/data/ind.")
            assert file.path.startswith(f"{FOLDER}/") and len(file.sha256) == 64


def test_unknown_name():
    with pytest.raises(UnknownNameError, match="pubmed"):
        load_planetoid("pubmed")
