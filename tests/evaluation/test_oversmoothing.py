"""Dirichlet energy and MAD: hand-computed values, and the collapse of a deep plain GCN."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.utils import erdos_renyi_graph

from graphmed.evaluation.oversmoothing import dirichlet_energy, layerwise, mad
from graphmed.nn import GNNStack

# path 0 - 1 - 2, both directions
PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])


def test_dirichlet_energy_by_hand():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    # ||x0-x1||^2 = 1 and ||x1-x2||^2 = 4, each edge counted in both directions, N = 3
    assert dirichlet_energy(x, PATH) == pytest.approx(2 * (1 + 4) / 3)
    assert dirichlet_energy(x.numpy(), PATH.numpy()) == pytest.approx(10 / 3)
    assert dirichlet_energy(x, torch.tensor([[0, 1], [1, 0]])) == pytest.approx(2 / 3)


def test_constant_features_have_zero_energy_and_mad():
    x = torch.full((3, 4), 2.5)
    assert dirichlet_energy(x, PATH) == 0.0
    assert mad(x) == 0.0
    assert mad(x, PATH) == 0.0


def test_energy_blocks_agree(monkeypatch):
    from graphmed.evaluation import oversmoothing

    torch.manual_seed(0)
    x, edges = torch.randn(50, 3), torch.randint(0, 50, (2, 300))
    full = dirichlet_energy(x, edges)
    monkeypatch.setattr(oversmoothing, "BLOCK", 7)
    assert dirichlet_energy(x, edges) == pytest.approx(full)


def test_mad_by_hand():
    # unit vectors at 0, 90 and 180 degrees: cosine distances 1 (0-1), 2 (0-2), 1 (1-2)
    x = torch.tensor([[1.0, 0.0], [0.0, 3.0], [-2.0, 0.0]])
    # all pairs: node means (1+2)/2, (1+1)/2, (2+1)/2 -> MAD = (1.5 + 1 + 1.5) / 3
    assert mad(x) == pytest.approx(4 / 3)
    # neighbours on the path: node 0 -> {1}: 1; node 1 -> {0, 2}: 1; node 2 -> {1}: 1
    assert mad(x, PATH) == pytest.approx(1.0)
    # zero distances are left out of the averages (Chen et al. 2020, Eq. 3-4)
    twins = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    # node 0: {0 (twin), 1} -> 1; node 1: {0, 1} -> 1; node 2: {1, 1} -> 1
    assert mad(twins) == pytest.approx(1.0)


def test_mad_matches_the_reference_formula_in_blocks(monkeypatch):
    from graphmed.evaluation import oversmoothing

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    x[3] = 0.0  # a zero row is at cosine distance 1 from every node
    unit = x / np.where(np.linalg.norm(x, axis=1, keepdims=True) > 0,
                        np.linalg.norm(x, axis=1, keepdims=True), 1)
    dist = np.clip(1 - unit @ unit.T, 0, 2)
    np.fill_diagonal(dist, 0)
    node = dist.sum(1) / np.maximum((dist > 0).sum(1), 1)
    expected = node[node > 0].mean()
    monkeypatch.setattr(oversmoothing, "BLOCK", 3 * 40)  # 3 rows per block
    assert mad(x) == pytest.approx(expected)


def test_bad_inputs():
    with pytest.raises(ValueError, match="2-D"):
        dirichlet_energy(torch.ones(3), PATH)
    with pytest.raises(ValueError, match="outside"):
        dirichlet_energy(torch.ones(2, 2), PATH)
    with pytest.raises(ValueError, match="integer"):
        mad(torch.ones(3, 2), PATH.float())


def test_a_diverged_embedding_is_undefined_not_smooth():
    import math

    for value in (float("nan"), float("inf")):
        x = torch.ones(3, 2)
        x[1, 0] = value
        assert math.isnan(mad(x)) and math.isnan(mad(x, PATH))
        assert not math.isfinite(dirichlet_energy(x, PATH))  # nan or inf, never a finite value


def test_layerwise():
    layers = [torch.tensor([[1.0], [2.0], [4.0]]), torch.ones(3, 1)]
    assert layerwise(dirichlet_energy, layers, PATH) == pytest.approx([2 * (1 + 4) / 3, 0.0])
    assert layerwise(mad, layers) == [0.0, 0.0]  # 1-d features all point the same way


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread is faster, even on a busy machine
    yield
    torch.set_num_threads(threads)


def test_deep_plain_gcn_collapses_far_more_than_gcnii(one_thread):
    torch.manual_seed(0)
    n = 200
    edge_index = erdos_renyi_graph(n, 0.04)
    x = torch.randn(n, 16)
    ratio, final_mad = {}, {}
    for conv in ("gcn", "gcnii"):
        model = GNNStack(16, 32, 32, conv=conv).eval()
        with torch.no_grad():
            _, layers = model(x, edge_index, return_layers=True)
        energy = layerwise(dirichlet_energy, layers, edge_index)
        ratio[conv] = energy[-1] / energy[0]
        final_mad[conv] = mad(layers[-1])
    assert ratio["gcnii"] > 1e-3
    assert ratio["gcn"] < 1e-6 * ratio["gcnii"]
    assert final_mad["gcn"] < 1e-3 * final_mad["gcnii"]
