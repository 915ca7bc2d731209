"""Atomic writes and hashing."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from graphmed.io import (atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_bytes,
                         sha256_file)


def test_write_json_creates_folders_and_serialises_numpy(tmp_path):
    path = atomic_write_json(tmp_path / "a" / "b.json",
                             {"x": np.int64(3), "y": np.arange(3.0), "p": Path("f"), "z": [1.5]})
    assert path == tmp_path / "a" / "b.json"
    assert json.loads(path.read_text()) == {"x": 3, "y": [0.0, 1.0, 2.0], "p": "f", "z": [1.5]}
    assert path.read_text().endswith("}\n")
    assert os.listdir(path.parent) == ["b.json"]


def test_write_json_writes_non_finite_floats_as_null(tmp_path):
    path = atomic_write_json(tmp_path / "r.json", {
        "auroc": float("nan"), "folds": [0.5, np.float32("nan"), np.inf],
        "array": np.array([1.0, -np.inf]), "nested": ({"x": np.float64("nan")},), "n": 2})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"auroc": None, "folds": [0.5, None, None],
                                "array": [1.0, None], "nested": [{"x": None}], "n": 2}


def test_failed_serialisation_keeps_target(tmp_path):
    path = atomic_write_json(tmp_path / "r.json", {"ok": 1})
    with pytest.raises(TypeError, match="object"):
        atomic_write_json(path, {"bad": object()})
    circular = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular"):
        atomic_write_json(path, circular)
    assert json.loads(path.read_text()) == {"ok": 1}
    assert os.listdir(tmp_path) == ["r.json"]


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    path = atomic_write_text(tmp_path / "t.txt", "old")

    def broken_replace(src, dst):
        assert Path(src).parent == tmp_path and Path(src).name.startswith(".t.txt.")
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["t.txt"]


def test_overwrite(tmp_path):
    path = atomic_write_bytes(tmp_path / "f.bin", b"one")
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two" and os.listdir(tmp_path) == ["f.bin"]


def test_sha256(tmp_path):
    data = b"graphmed" * 200_000  # several read blocks
    assert sha256_bytes(data) == hashlib.sha256(data).hexdigest()
    plain = atomic_write_bytes(tmp_path / "p", data)
    packed = atomic_write_bytes(tmp_path / "p.gz", gzip.compress(data))
    assert sha256_file(plain) == sha256_bytes(data)
    assert sha256_file(packed, decompress=True) == sha256_bytes(data)
    assert sha256_file(packed) != sha256_bytes(data)


def test_atomic_write_gives_ordinary_permissions(tmp_path):
    import os
    import stat

    from graphmed.io import atomic_write_text

    umask = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "new.txt", "x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o600)
        atomic_write_text(path, "y")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(umask)


def test_a_folder_in_the_way_is_named_and_nothing_is_left(tmp_path):
    from graphmed.errors import OutputPathError

    with pytest.raises(OutputPathError, match="a folder stands where the file is to be written"):
        atomic_write_json(tmp_path, {"a": 1})
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputPathError, match=r"file/out.json': '.*file' is a file, not a folder"):
        atomic_write_json(tmp_path / "file" / "out.json", {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_atomic_write_text_needs_text(tmp_path):
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        atomic_write_text(tmp_path / "out.txt", b"bytes")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_named_before_writing(tmp_path, monkeypatch):
    import graphmed.io
    from graphmed.errors import OutputPathError

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(graphmed.io.os, "access",
                        lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    for target in (locked / "out.json", locked / "new" / "deeper" / "out.json"):
        with pytest.raises(OutputPathError, match=r"folder '.*locked' is not writable"):
            graphmed.io.check_writable(target)
        with pytest.raises(OutputPathError, match="is not writable"):
            atomic_write_json(target, {"a": 1})
    assert list(locked.iterdir()) == []
    assert graphmed.io.check_writable(tmp_path / "fine" / "out.json") == tmp_path / "fine" / "out.json"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permission bits do not stop the superuser")
def test_a_read_only_folder_is_refused(tmp_path):
    from graphmed.errors import OutputPathError
    from graphmed.io import check_writable

    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputPathError, match="is not writable"):
            check_writable(tmp_path / "out.json")
    finally:
        tmp_path.chmod(0o700)


def test_a_write_the_system_refuses_is_one_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    import graphmed.io
    from graphmed.errors import OutputPathError

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(graphmed.io.os, "replace", refuse)
    with pytest.raises(OutputPathError, match=r"could not write '.*out.json': No space left on device"):
        atomic_write_json(tmp_path / "out.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(graphmed.io.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputPathError, match="could not write"):
        atomic_write_text(tmp_path / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []
