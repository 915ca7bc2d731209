"""Checks of the sparse adjacency's inputs (its products are tested with the ddi models)."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn.sparse_conv import EdgeDropper, SparseAdjacency


def test_edges_out_of_range_and_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"edge_index\[1, 1\] = -1 is outside \[0, 5\)"):
        SparseAdjacency(torch.tensor([[0, 1], [1, -1]]), 5)
    with pytest.raises(ValueError, match=r"edge_index must have shape \(2, E\), got \(3, 2\)"):
        SparseAdjacency(torch.tensor([[0, 1], [1, 2], [2, 3]]), 5)
    with pytest.raises(ValueError, match="num_nodes must be an integer >= 1, got 5.5"):
        SparseAdjacency(torch.tensor([[0, 1], [1, 2]]), 5.5)
    with pytest.raises(ValueError, match=r"edges\[0, 1\] = -1 is outside \[0, 5\)"):
        EdgeDropper(torch.tensor([[0, -1]]), 5)
    with pytest.raises(ValueError, match="edges must hold integer indices"):
        EdgeDropper(torch.tensor([[0.0, 1.0]]), 5)  # was accepted, then failed when drawn
    adj = SparseAdjacency(torch.tensor([[0, 1], [1, 2]]), 5)
    with pytest.raises(ValueError, match=r"multiplies a \(5, d\) matrix, got shape \(5,\)"):
        adj @ torch.randn(5)  # was a (5,) vector without a word
