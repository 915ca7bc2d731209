"""ModalityFeatures: values and the mask of where a modality is present, checked when made."""
from __future__ import annotations

import numpy as np
import torch
import pytest

from graphmed.features.modality import ModalityFeatures


def test_values_and_mask_are_kept_as_float32_and_bool():
    features = ModalityFeatures([[1, 2], [3, 4]], [True, False], "toy")
    assert features.values.dtype == np.float32 and features.mask.tolist() == [True, False]
    assert features.n_missing == 1 and features.dim == 2
    assert ModalityFeatures(np.zeros((0, 3)), [], "empty").mask.dtype == bool


@pytest.mark.parametrize("values, mask, message", [
    ([[1, 2]], ["no"], "toy: mask must be bool"),
    ([[1, 2], [3, 4]], [0, 2], "toy: mask must be bool"),
    ([[1, 2]], [True, False], r"toy: mask has shape \(2,\), expected \(1,\)"),
    ([1, 2], [True, False], "toy: values must be 2-D"),
    ([["a", "b"]], [True], r"toy: values must be an \(n, d\) array of numbers"),
])
def test_malformed_features_are_named(values, mask, message):
    with pytest.raises(ValueError, match=message):
        ModalityFeatures(values, mask, "toy")


def test_tensors_give_the_pair_fusion_takes():
    from graphmed.nn.fusion import AttentionFusion

    features = ModalityFeatures([[1, 2], [3, 4]], [True, False], "toy")
    values, mask = features.tensors()
    assert values.dtype == torch.float32 and mask.dtype == torch.bool
    assert mask.tolist() == [True, False]
    fused, weights = AttentionFusion({"toy": 2}, 3)({"toy": features.tensors()})
    assert fused.shape == (2, 3) and weights[:, 0].tolist() == [1.0, 0.0]
