"""save_folds / load_folds: exact round trip, checksum tie, damaged files."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

from graphmed.errors import DataFormatError
from graphmed.splits import PROTOCOLS, load_folds, make_folds, save_folds
from graphmed.splits.fold import PARTS

MATRIX = np.random.default_rng(0).random((25, 12)) < 0.2


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("val_fraction", [0.0, 0.2])
def test_round_trip(tmp_path, protocol, val_fraction):
    folds = make_folds(protocol, MATRIX, n_folds=3, seed=11, val_fraction=val_fraction)
    path = save_folds(folds, tmp_path / "sub" / "folds.npz", dataset_checksum="abc123")
    assert path.is_file() and list(path.parent.iterdir()) == [path]
    loaded = load_folds(path, dataset_checksum="abc123")
    assert len(loaded) == len(folds)
    for old, new in zip(folds, loaded):
        assert (new.protocol, new.index, new.seed, new.shape) == (old.protocol, old.index, 11, MATRIX.shape)
        for part in (*PARTS, "held_out_diseases"):
            assert getattr(new, part).dtype == np.int64
            assert np.array_equal(getattr(new, part), getattr(old, part)), part
    assert np.array_equal(loaded[0].train_part().negative_pool, folds[0].train_part().negative_pool)
    assert len(load_folds(path)) == 3  # no checksum given: not checked


def test_checksum_mismatch(tmp_path):
    path = save_folds(make_folds("A", MATRIX, n_folds=2), tmp_path / "f.npz", dataset_checksum="a" * 64)
    with pytest.raises(DataFormatError, match="checksum aaaaaaaaaaaa") as info:
        load_folds(path, dataset_checksum="b" * 64)
    assert info.value.source == str(path)


def test_save_nothing(tmp_path):
    with pytest.raises(ValueError, match="no folds"):
        save_folds([], tmp_path / "f.npz")
    assert not (tmp_path / "f.npz").exists()


def _truncated(path):
    save_folds(make_folds("B", MATRIX, n_folds=2), path)
    path.write_bytes(path.read_bytes()[:200])


def _foreign_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("meta.npy", b"not an array")


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b"garbage, not folds\n" * 10),
    lambda p: p.write_bytes(b""),
    _truncated,
    _foreign_zip,
    lambda p: np.savez(p, other=np.zeros(3)),
    lambda p: np.savez(p, meta=np.array("[1, 2]")),
    lambda p: np.savez(p, meta=np.array("{\"n_folds\": 1}")),
], ids=["text", "empty", "truncated", "foreign-zip", "no-meta", "meta-list", "meta-incomplete"])
def test_damaged_file(tmp_path, damage):
    path = tmp_path / "folds.npz"
    damage(path)
    with pytest.raises(DataFormatError, match="not a graphmed folds file") as info:
        load_folds(path)
    assert str(path) in str(info.value) and info.value.source == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError) as info:
        load_folds(tmp_path / "nothing.npz")
    assert "nothing.npz" in str(info.value)


def test_save_folds_refuses_what_it_could_not_reload(tmp_path):
    a = make_folds("A", MATRIX, n_folds=3, seed=0)
    with pytest.raises(TypeError, match=r"folds must be a list of folds; wrap one fold as \[fold\]"):
        save_folds(a[0], tmp_path / "one.npz")
    b = make_folds("B", MATRIX, n_folds=3, seed=0)
    with pytest.raises(ValueError, match="need one protocol and shape; fold 1 is B"):
        save_folds([a[0], b[1]], tmp_path / "mixed.npz")
    assert list(tmp_path.iterdir()) == []
