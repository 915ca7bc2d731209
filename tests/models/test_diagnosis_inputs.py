"""Node inputs of diagnosis models: sibling codes, code embeddings next to text features."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from graphmed.models.diagnosis.inputs import NodeInputs, sibling_codes


def test_sibling_codes_are_the_other_units_of_the_patient():
    bag = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1]], dtype=np.float32)
    patient = np.array([0, 0, 0, 1])
    out = sibling_codes(bag, patient)
    assert out.tolist() == [[1, 1, 1], [1, 0, 1], [1, 1, 0], [0, 0, 0]]
    assert out.dtype == np.float32


def test_sibling_codes_refuse_bad_shapes():
    with pytest.raises(ValueError, match="unit_patient"):
        sibling_codes(np.zeros((3, 2)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="negative"):
        sibling_codes(np.zeros((2, 2)), np.array([0, -1]))


def _data():
    data = HeteroData()
    data["admission"].num_nodes = 3
    data["drug"].num_nodes = 4
    data["drug"].x = torch.randn(4, 5)
    data["procedure"].num_nodes = 2
    return data


@pytest.mark.parametrize("code_embeddings", [False, True])
def test_code_embeddings_sit_next_to_text_features(code_embeddings):
    inputs = NodeInputs(_data(), 8, ("admission",), code_embeddings=code_embeddings)
    assert ("drug" in inputs.embs) is code_embeddings
    assert "drug" in inputs.lins and "procedure" in inputs.embs and "admission" not in inputs.embs
    out = inputs()
    assert {t: tuple(v.shape) for t, v in out.items()} == {
        "admission": (3, 8), "drug": (4, 8), "procedure": (2, 8)}
