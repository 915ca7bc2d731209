"""The embedding cache: hits skip the model, a new model identity misses, no pickle."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from graphmed.features import EmbeddingCache, TextEncoder, default_cache_dir
from graphmed.features.cache import text_key


def _count_model_calls(encoder) -> list:
    calls = []
    encode = encoder._encode
    encoder._encode = lambda texts: calls.append(list(texts)) or encode(texts)
    return calls


def test_cache_hit_avoids_reencoding(fresh_encoder):
    calls = _count_model_calls(fresh_encoder)
    first = fresh_encoder.encode(["lung cancer", "insomnia", ""]).values
    assert calls == [["lung cancer", "insomnia"]]
    second = fresh_encoder.encode(["insomnia", "lung cancer", "epilepsy", None]).values
    assert calls[1:] == [["epilepsy"]]  # only the new text reaches the model
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[1], first[0])
    fresh_encoder.encode(["epilepsy", "insomnia"])
    assert len(calls) == 2 and len(fresh_encoder.cache) == 3


def test_cached_encoder_does_not_load_the_model(fresh_encoder):
    fresh_encoder.encode(["anaemia", "scurvy"])
    reopened = TextEncoder(fresh_encoder.model_path, cache_dir=fresh_encoder.cache_dir)
    values = reopened.encode(["scurvy", "anaemia"]).values
    assert reopened._model is None
    np.testing.assert_array_equal(values, fresh_encoder.encode(["scurvy", "anaemia"]).values)


def _model_copy(minilm, folder, edit_config: bool):
    """A folder linking to the MiniLM files; its config.json edited when ``edit_config``."""
    folder.mkdir()
    for path in minilm.model_path.iterdir():
        if path.is_file():
            (folder / path.name).symlink_to(path)
    if edit_config:
        (folder / "config.json").unlink()
        config = json.loads((minilm.model_path / "config.json").read_text())
        config["layer_norm_eps"] = 1e-6
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_model_identity(minilm, fresh_encoder, tmp_path):
    fresh_encoder.encode(["rickets"])
    keys = [text_key("rickets")]
    same = TextEncoder(_model_copy(minilm, tmp_path / "same", False), cache_dir=fresh_encoder.cache_dir)
    assert same.identity == minilm.identity and same.cache.get(keys)[1].all()
    edited = TextEncoder(_model_copy(minilm, tmp_path / "edited", True), cache_dir=fresh_encoder.cache_dir)
    assert edited.identity != minilm.identity and not edited.cache.get(keys)[1].any()
    shorter = TextEncoder(minilm.model_path, max_length=16, cache_dir=fresh_encoder.cache_dir)
    assert shorter.identity != minilm.identity and not shorter.cache.get(keys)[1].any()


def test_cache_files_are_npy_and_json(fresh_encoder):
    fresh_encoder.encode(["measles", "mumps"])
    fresh_encoder.encode(["rubella"])
    folder = fresh_encoder.cache.folder
    index = json.loads((folder / "index.json").read_text())
    assert index["dim"] == 384
    assert set(index["keys"]) == {text_key(t) for t in ("measles", "mumps", "rubella")}
    assert index["model_id"] == fresh_encoder.identity
    shards = sorted(folder.glob("*.npy"))
    assert len(shards) == 2 and sorted(index["shards"].values()) == [1, 2]
    for shard in shards:
        array = np.load(shard, allow_pickle=False)
        assert array.dtype == np.float32 and array.shape[1] == 384


def test_pickled_shard_is_refused_not_loaded(tmp_path, caplog):
    cache = EmbeddingCache("model", tmp_path)
    cache.put(["k1", "k2"], np.ones((2, 3), np.float32))
    shard = next(cache.folder.glob("*.npy"))
    np.save(shard, np.array([{"evil": 1}, None], dtype=object), allow_pickle=True)
    with caplog.at_level(logging.WARNING, logger="graphmed.features.cache"):
        values, found = cache.get(["k1", "k2"])
    assert not found.any() and "recomputed" in caplog.text


def test_cache_roundtrip_and_corrupt_index(tmp_path, caplog):
    cache = EmbeddingCache("model", tmp_path, namespace="x")
    assert cache.get(["a"])[0] is None
    cache.put(["a", "b"], np.arange(6, dtype=np.float32).reshape(2, 3))
    values, found = cache.get(["b", "zz", "a"])
    assert found.tolist() == [True, False, True]
    np.testing.assert_array_equal(values, [[3, 4, 5], [0, 0, 0], [0, 1, 2]])
    with pytest.raises(ValueError, match="dimension"):
        cache.put(["c"], np.zeros((1, 4), np.float32))
    cache.index_path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="graphmed.features.cache"):
        assert not cache.get(["a"])[1].any()
    assert "unreadable" in caplog.text


@pytest.mark.parametrize("damage", [
    lambda index: index.update(dim="abc"),
    lambda index: index.update(keys=[]),
    lambda index: index["keys"].update(a=[index["keys"]["a"][0]]),   # no row
    lambda index: index["keys"].update(a=[index["keys"]["a"][0], 7]),  # row past the shard
    lambda index: index["keys"].update(a=[index["keys"]["a"][0], -1]),  # would read row 1
    lambda index: index["keys"].update(a=["elsewhere.npy", 0]),
])
def test_damaged_index_entries_mean_recomputing(tmp_path, caplog, damage):
    cache = EmbeddingCache("model", tmp_path)
    cache.put(["a", "b"], np.arange(6, dtype=np.float32).reshape(2, 3))
    index = json.loads(cache.index_path.read_text())
    damage(index)
    cache.index_path.write_text(json.dumps(index))
    with caplog.at_level(logging.WARNING, logger="graphmed.features.cache"):
        values, found = cache.get(["a", "b"])
    assert not found.any() and "starting a new index" in caplog.text


def test_a_shard_of_nan_means_recomputing(tmp_path, caplog):
    cache = EmbeddingCache("model", tmp_path)
    cache.put(["a"], np.ones((1, 3), np.float32))
    np.save(next(cache.folder.glob("*.npy")), np.full((1, 3), np.nan, np.float32))
    with caplog.at_level(logging.WARNING, logger="graphmed.features.cache"):
        assert not cache.get(["a"])[1].any()
    assert "NaN or infinite" in caplog.text


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("GRAPHMED_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "graphmed"
