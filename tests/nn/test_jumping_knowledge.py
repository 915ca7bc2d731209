"""Jumping knowledge: checks of its layer list."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn import jumping_knowledge


def test_layers_of_different_shapes_or_a_tensor_are_refused():
    with pytest.raises(ValueError, match=r"layers of one shape, got \[\(3, 2\), \(3, 4\)\]"):
        jumping_knowledge([torch.randn(3, 2), torch.randn(3, 4)], "max")
    with pytest.raises(ValueError, match="non-empty list of layer embeddings"):
        jumping_knowledge(torch.randn(2, 3, 4), "mean")
    assert jumping_knowledge([torch.ones(3, 2), torch.zeros(3, 2)], "mean").eq(0.5).all()
