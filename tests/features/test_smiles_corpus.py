"""Canonical SMILES of a corpus are cached on disk per molecule."""
from __future__ import annotations

import logging

import pytest

pytest.importorskip("rdkit")

import graphmed.features.smiles_corpus as corpus_module  # noqa: E402
from graphmed.features.smiles_corpus import cached_canonical_smiles, load_smiles_corpus  # noqa: E402

SMILES = ["OCC", "c1ccccc1", "not a molecule", "C(C)O", "OCC"]


def _counting(monkeypatch):
    seen = []
    canonical = corpus_module.canonical_smiles

    def counted(values, **kwargs):
        seen.append(list(values))
        return canonical(values, **kwargs)
    monkeypatch.setattr(corpus_module, "canonical_smiles", counted)
    return seen


def test_each_molecule_is_canonicalised_once_across_calls(tmp_path, monkeypatch):
    seen = _counting(monkeypatch)
    first = cached_canonical_smiles(SMILES, "test", tmp_path)
    assert first == ["CCO", "c1ccccc1", None, "CCO", "CCO"]
    assert seen == [["OCC", "c1ccccc1", "not a molecule", "C(C)O"]]  # distinct ones
    assert cached_canonical_smiles(SMILES, "test", tmp_path) == first
    assert cached_canonical_smiles(["C(C)O", "OCC"], "test", tmp_path) == ["CCO", "CCO"]  # a subset
    assert cached_canonical_smiles(["CCO\nO", "CN"], "test", tmp_path) == ["CCO", "CN"]
    assert seen[1:] == [["CCO\nO", "CN"]]  # only the new ones; a SMILES is its own key
    assert len(list((tmp_path / "smiles_canonical").glob("rdkit-*.sqlite"))) == 1


def test_an_unreadable_cache_is_skipped_with_a_warning(tmp_path, caplog):
    folder = tmp_path / "smiles_canonical"
    folder.mkdir()
    import rdkit

    (folder / f"rdkit-{rdkit.__version__}.sqlite").write_bytes(b"not a database" * 100)
    with caplog.at_level(logging.WARNING):
        assert cached_canonical_smiles(SMILES, "test", tmp_path)[:3] == ["CCO", "c1ccccc1", None]
    assert "not used" in caplog.text


def test_the_corpus_is_the_same_with_and_without_the_cache(tmp_path):
    (tmp_path / "a.smi").write_text("\n".join(SMILES) + "\n")
    args = dict(datasets=(), cache_dir=tmp_path / "cache")
    cold = load_smiles_corpus(tmp_path / "a.smi", **args)
    warm = load_smiles_corpus(tmp_path / "a.smi", **args)
    off = load_smiles_corpus(tmp_path / "a.smi", datasets=(), use_cache=False)
    assert cold == warm == off and cold.smiles == ["CCO", "c1ccccc1"]
    assert cached_canonical_smiles([], "empty", tmp_path) == []
