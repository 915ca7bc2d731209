"""Canonical SMILES of a corpus source are cached on disk, keyed by content."""
from __future__ import annotations

import gzip
import logging

import pytest

pytest.importorskip("rdkit")

from graphmed.features.smiles_corpus import cached_canonical_smiles, load_smiles_corpus  # noqa: E402

SMILES = ["OCC", "c1ccccc1", "not a molecule", "C(C)O"]


def test_canonical_forms_are_cached_and_read_back(tmp_path, monkeypatch):
    first = cached_canonical_smiles(SMILES, "test", tmp_path)
    assert first == ["CCO", "c1ccccc1", None, "CCO"]
    files = list((tmp_path / "smiles_canonical").glob("*.txt.gz"))
    assert len(files) == 1
    assert gzip.decompress(files[0].read_bytes()).decode().split("\n") == ["CCO", "c1ccccc1", "", "CCO"]

    import graphmed.features.smiles_corpus as module

    def not_again(*args, **kwargs):
        raise AssertionError("canonicalised again")
    monkeypatch.setattr(module, "canonical_smiles", not_again)
    assert cached_canonical_smiles(SMILES, "test", tmp_path) == first  # from the file
    with pytest.raises(AssertionError, match="canonicalised again"):  # other content, other key
        cached_canonical_smiles(SMILES[:2], "test", tmp_path)


def test_a_damaged_cache_file_is_recomputed(tmp_path, caplog):
    cached_canonical_smiles(SMILES, "test", tmp_path)
    path = next((tmp_path / "smiles_canonical").glob("*.txt.gz"))
    path.write_bytes(gzip.compress(b"CCO\nCCO"))  # two lines for four SMILES
    with caplog.at_level(logging.WARNING):
        assert cached_canonical_smiles(SMILES, "test", tmp_path)[:3] == ["CCO", "c1ccccc1", None]
    assert "does not match" in caplog.text
    path.write_bytes(b"not gzip")
    assert cached_canonical_smiles(SMILES, "test", tmp_path)[0] == "CCO"
    assert gzip.decompress(path.read_bytes()).decode().count("\n") == 3  # written again


def test_the_corpus_is_the_same_with_and_without_the_cache(tmp_path):
    (tmp_path / "a.smi").write_text("\n".join(SMILES) + "\n")
    args = dict(datasets=(), cache_dir=tmp_path / "cache")
    cold = load_smiles_corpus(tmp_path / "a.smi", **args)
    warm = load_smiles_corpus(tmp_path / "a.smi", **args)
    off = load_smiles_corpus(tmp_path / "a.smi", datasets=(), use_cache=False)
    assert cold == warm == off and cold.smiles == ["CCO", "c1ccccc1"]
