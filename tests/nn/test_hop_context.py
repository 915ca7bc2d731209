"""Multi-hop context sampling in plain torch, and the context Transformer."""
from __future__ import annotations

import torch

from graphmed.nn import HopContextTransformer, csr_from_edge_index, sample_hop_context


def graph():
    # 0 - 1 - 2 - 3 (both directions); 4 has no out-edges; 5 -> 4
    src = torch.tensor([0, 1, 1, 2, 2, 3, 5])
    dst = torch.tensor([1, 0, 2, 1, 3, 2, 4])
    return torch.stack([src, dst]), 6


def test_csr_groups_targets_by_source():
    edge_index, n = graph()
    rowptr, col = csr_from_edge_index(edge_index, n)
    assert rowptr.tolist() == [0, 1, 3, 5, 6, 6, 7]
    assert sorted(col[rowptr[1]:rowptr[2]].tolist()) == [0, 2]


def test_context_follows_edges_hop_by_hop():
    edge_index, n = graph()
    rowptr, col = csr_from_edge_index(edge_index, n)
    edges = set(map(tuple, edge_index.t().tolist()))
    seeds = torch.tensor([0, 2, 5])
    sizes = (3, 3, 6)
    nodes, hops, valid = sample_hop_context(rowptr, col, seeds, sizes,
                                            torch.Generator().manual_seed(0))
    assert nodes.shape == valid.shape == (3, 13)
    assert hops.tolist() == [0] + [1] * 3 + [2] * 3 + [3] * 6
    assert torch.equal(nodes[:, 0], seeds) and valid[:, 0].all()
    starts = [1, 4, 7]
    for b in range(2):
        for h in (1, 2):
            for j in range(sizes[h]):
                child, parent = nodes[b, starts[h] + j], nodes[b, starts[h - 1] + j % sizes[h - 1]]
                assert (int(parent), int(child)) in edges
        assert not (nodes[b, 1:][valid[b, 1:]] == seeds[b]).any()   # the seed is not context
    assert valid[2, 1:4].all() and not valid[2, 4:].any()            # 5 -> 4, a dead end
    again = sample_hop_context(rowptr, col, seeds, sizes, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], nodes)


def test_context_transformer_ignores_padding():
    torch.manual_seed(0)
    model = HopContextTransformer(8, num_node_types=2, max_hops=2, heads=2, layers=1,
                                  dropout=0.0).eval()
    h, node_type = torch.randn(6, 8), torch.tensor([0, 0, 1, 1, 1, 0])
    nodes = torch.tensor([[0, 1, 2, 3], [4, 5, 1, 2]])
    hops = torch.tensor([0, 1, 1, 2])
    valid = torch.tensor([[True, True, False, True], [True, True, True, False]])
    out = model(h, node_type, nodes, hops, valid)
    assert out.shape == (2, 8)
    changed = nodes.clone()
    changed[0, 2], changed[1, 3] = 5, 0                          # padding slots only
    assert torch.allclose(model(h, node_type, changed, hops, valid), out, atol=1e-6)
    assert "max_hops=2" in repr(model)


def test_bad_graphs_seeds_and_sizes_are_named():
    import pytest

    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    with pytest.raises(ValueError, match=r"edge_index\[1, 1\] = -2 is outside \[0, 4\)"):
        csr_from_edge_index(torch.tensor([[0, 1], [1, -2]]), 4)  # was kept as a neighbour
    with pytest.raises(ValueError, match="num_nodes must be an integer >= 0, got 4.5"):
        csr_from_edge_index(edge_index, 4.5)
    rowptr, col = csr_from_edge_index(edge_index, 4)
    with pytest.raises(ValueError, match=r"seeds\[1\] = -1 is outside \[0, 4\)"):
        sample_hop_context(rowptr, col, torch.tensor([0, -1]), (2,))  # was node 3's context
    with pytest.raises(ValueError, match="seeds must hold integer indices"):
        sample_hop_context(rowptr, col, torch.tensor([0.0, 1.7]), (2,))  # was node 1
    with pytest.raises(ValueError, match=r"seeds must have shape \(B,\)"):
        sample_hop_context(rowptr, col, torch.tensor([[0, 1]]), (2,))
    with pytest.raises(ValueError, match=r"sizes\[0\] must be an integer >= 1, got 1.5"):
        sample_hop_context(rowptr, col, torch.tensor([0, 1]), (1.5, 2))  # was 1 slot
    with pytest.raises(TypeError, match="sizes must be a sequence"):
        sample_hop_context(rowptr, col, torch.tensor([0, 1]), 3)


def test_hop_context_transformer_checks_settings_and_inputs():
    import pytest

    for kwargs, message in (({"heads": 0}, "heads must be an integer >= 1"),
                            ({"layers": 0}, "layers must be an integer >= 1"),
                            ({"dropout": 1.5}, r"dropout must be in \[0, 1\)"),
                            ({"max_hops": -1}, "max_hops must be an integer >= 0"),
                            ({"num_node_types": 0}, "num_node_types must be an integer >= 1")):
        with pytest.raises(ValueError, match=f"HopContextTransformer: {message}"):
            HopContextTransformer(**{"channels": 8, "num_node_types": 2, "max_hops": 2, **kwargs})
    model = HopContextTransformer(8, 2, 2, heads=2).eval()
    rowptr, col = csr_from_edge_index(torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]]), 4)
    nodes, hops, valid = sample_hop_context(rowptr, col, torch.tensor([0, 1]), (2, 2),
                                            torch.Generator().manual_seed(0))
    h, node_type = torch.randn(4, 8), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"node_type\[1\] = 2 is outside \[0, 2\)"):
        model(h, node_type + 1, nodes, hops, valid)
    with pytest.raises(ValueError, match=r"hops\[0\] = -1 is outside \[0, 3\)"):
        model(h, node_type, nodes, hops - 1, valid)
    with pytest.raises(ValueError, match="valid must be a bool tensor"):
        model(h, node_type, nodes, hops, valid.long())
    with pytest.raises(ValueError, match=r"valid must have shape \(2, 5\)"):
        model(h, node_type, nodes, hops, valid[:, :-1])
    with pytest.raises(ValueError, match=r"h must have shape \(N, 8\)"):
        model(torch.randn(4, 6), node_type, nodes, hops, valid)
    assert model(h, node_type, nodes[:0], hops, valid[:0]).shape == (0, 8)
