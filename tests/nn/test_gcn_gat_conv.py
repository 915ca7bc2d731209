"""The hybrid GCN + GAT layer and global node self-attention."""
from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import GATConv, GCNConv

from graphmed.nn import GCNGATConv, NodeSelfAttention


@pytest.fixture
def graph():
    g = torch.Generator().manual_seed(0)
    return torch.randn(10, 4, generator=g), torch.randint(0, 10, (2, 30), generator=g)


def test_sum_is_the_sum_of_the_branches(graph):
    x, edge_index = graph
    torch.manual_seed(0)
    layer = GCNGATConv(4, 6, heads=2, combine="sum")
    expected = layer.gcn(x, edge_index) + layer.gat(x, edge_index)
    assert torch.allclose(layer(x, edge_index), expected, atol=1e-6)
    assert isinstance(layer.gcn, GCNConv) and isinstance(layer.gat, GATConv)


def test_gate_interpolates_between_the_branches(graph):
    x, edge_index = graph
    torch.manual_seed(0)
    layer = GCNGATConv(4, 6, combine="gate")
    with torch.no_grad():
        layer.gate.weight.zero_()
        layer.gate.bias.fill_(50.0)  # gate ~ 1: the GCN branch
    assert torch.allclose(layer(x, edge_index), layer.gcn(x, edge_index), atol=1e-5)
    with torch.no_grad():
        layer.gate.bias.fill_(-50.0)  # gate ~ 0: the GAT branch
    assert torch.allclose(layer(x, edge_index), layer.gat(x, edge_index), atol=1e-5)


def test_edge_weights_reach_both_branches(graph):
    x, edge_index = graph
    torch.manual_seed(0)
    layer = GCNGATConv(4, 6)
    weight = torch.rand(30) * 3
    out = layer(x, edge_index, weight)
    assert out.shape == (10, 6)
    assert not torch.allclose(out, layer(x, edge_index))
    out.sum().backward()
    assert layer.gat.lin_edge.weight.grad is not None


def test_reset_and_repr():
    layer = GCNGATConv(4, 6, heads=3)
    torch.manual_seed(1)
    layer.reset_parameters()
    first = [p.detach().clone() for p in layer.parameters()]
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(1)
    torch.manual_seed(1)
    layer.reset_parameters()
    assert all(torch.equal(p, q) for p, q in zip(layer.parameters(), first))
    assert repr(layer) == "GCNGATConv(4, 6, heads=3, combine='gate')"
    with pytest.raises(ValueError, match="combine"):
        GCNGATConv(4, 6, combine="max")
    with pytest.raises(ValueError, match="divisible"):
        GCNGATConv(4, 6, heads=4)


def test_node_self_attention_sees_every_node():
    torch.manual_seed(0)
    attention = NodeSelfAttention(8, heads=2).eval()
    x = torch.randn(6, 8)
    out = attention(x)
    assert out.shape == (6, 8)
    moved = x.clone()
    moved[5] += 10  # node 0 has no edge to node 5, yet its output changes
    assert not torch.allclose(attention(moved)[0], out[0])
    # permuting the nodes permutes the output (no positional information)
    perm = torch.randperm(6)
    assert torch.allclose(attention(x[perm]), out[perm], atol=1e-5)
    assert repr(attention) == "NodeSelfAttention(8, heads=2)"


@pytest.mark.parametrize("make, message", [
    (lambda: GCNGATConv(4, 8, heads=0), "GCNGATConv: heads must be an integer >= 1, got 0"),
    (lambda: GCNGATConv(4, 0), "GCNGATConv: out_channels must be an integer >= 1"),
    (lambda: NodeSelfAttention(8, 0), "NodeSelfAttention: heads must be an integer >= 1"),
    (lambda: NodeSelfAttention(8, 2, dropout=2), r"NodeSelfAttention: dropout must be in \[0, 1\)"),
])
def test_heads_and_widths_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_node_self_attention_checks_its_input_width():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 8\), got \(5, 6\)"):
        NodeSelfAttention(8, 2)(torch.randn(5, 6))
