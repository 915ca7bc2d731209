"""DropEdge."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn import drop_edge


def test_drops_about_p_of_the_edges_in_training():
    torch.manual_seed(0)
    edge_index = torch.randint(0, 100, (2, 20_000))
    weight = torch.arange(20_000, dtype=torch.float)
    kept, kept_weight = drop_edge(edge_index, 0.3, training=True, edge_weight=weight)
    assert abs(kept.size(1) / 20_000 - 0.7) < 0.02
    # the surviving weights travel with their edges
    assert torch.equal(edge_index[:, kept_weight.long()], kept)


def test_evaluation_and_p0_return_the_input():
    edge_index = torch.randint(0, 10, (2, 50))
    weight = torch.rand(50)
    out, w = drop_edge(edge_index, 0.5, training=False, edge_weight=weight)
    assert out is edge_index and w is weight
    out, w = drop_edge(edge_index, 0.0, training=True)
    assert out is edge_index and w is None


def test_multi_column_edge_values_are_filtered():
    torch.manual_seed(1)
    edge_index = torch.randint(0, 10, (2, 40))
    values = torch.stack([edge_index[0], edge_index[1]], dim=1)
    kept, kept_values = drop_edge(edge_index, 0.5, True, values)
    assert torch.equal(kept_values.t(), kept)


@pytest.mark.parametrize("p", [-0.1, 1.0])
def test_rejects_bad_probability(p):
    with pytest.raises(ValueError, match="probability"):
        drop_edge(torch.zeros(2, 3, dtype=torch.long), p, True)


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match="edge_index"):
        drop_edge(torch.zeros(3, 3, dtype=torch.long), 0.1, True)
    with pytest.raises(ValueError, match="one per edge"):
        drop_edge(torch.zeros(2, 3, dtype=torch.long), 0.1, True, torch.ones(4))


def test_float_edges_and_non_numeric_probabilities_are_refused():
    with pytest.raises(ValueError, match="integer node indices, got dtype torch.float32"):
        drop_edge(torch.tensor([[0.0, 1.0], [1.0, 2.0]]), 0.5, True)
    with pytest.raises(ValueError, match=r"probability p must be in \[0, 1\), got 'a'"):
        drop_edge(torch.tensor([[0, 1], [1, 2]]), "a", True)
