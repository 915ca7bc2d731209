"""HeteroGNNStack on a small drug / disease / gene graph."""
from __future__ import annotations

import pytest
import torch
from torch_geometric.data import HeteroData

from graphmed.nn import HETERO_CONVS, HeteroGNNStack

HIDDEN, OUT, LAYERS = 8, 3, 2
TREATS = ("drug", "treats", "disease")
REV = ("disease", "rev_treats", "drug")
SIMILAR = ("drug", "similar", "drug")
ASSOC = ("gene", "associated", "disease")  # nothing points to genes


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)
    d = HeteroData()
    d["drug"].x = torch.randn(10, 5, generator=g)
    d["disease"].x = torch.randn(7, 3, generator=g)
    d["gene"].x = torch.randn(6, 4, generator=g)
    d[TREATS].edge_index = torch.stack([torch.randint(0, 10, (20,), generator=g),
                                        torch.randint(0, 7, (20,), generator=g)])
    d[REV].edge_index = d[TREATS].edge_index.flip(0)
    d[SIMILAR].edge_index = torch.randint(0, 10, (2, 15), generator=g)
    d[ASSOC].edge_index = torch.stack([torch.randint(0, 6, (9,), generator=g),
                                       torch.randint(0, 7, (9,), generator=g)])
    return d


IN = {"drug": 5, "disease": 3, "gene": 4}


def build(data, conv, **kwargs):
    return HeteroGNNStack(data.metadata(), IN, HIDDEN, LAYERS, kwargs.pop("out", OUT), conv=conv,
                          heads=2, **kwargs)


BIPARTITE_CONVS = [c for c in HETERO_CONVS if c != "gcn"]


@pytest.mark.parametrize("conv", BIPARTITE_CONVS)
@pytest.mark.parametrize("residual,norm,jk", [("none", None, None), ("residual", "layernorm", "cat"),
                                              ("initial", "pairnorm", "max"),
                                              ("residual", "batchnorm", "mean")])
def test_shapes(data, conv, residual, norm, jk):
    torch.manual_seed(0)
    model = build(data, conv, residual=residual, norm=norm, jumping_knowledge=jk, dropout=0.1,
                  drop_edge=0.2)
    out, layers = model(data.x_dict, data.edge_index_dict, return_layers=True)
    assert {t: tuple(v.shape) for t, v in out.items()} == {"drug": (10, OUT), "disease": (7, OUT),
                                                          "gene": (6, OUT)}
    assert len(layers) == LAYERS + 1
    assert all(layer[t].shape == (data[t].num_nodes, HIDDEN) for layer in layers for t in IN)


def test_node_type_without_incoming_relations_keeps_its_embedding(data):
    model = build(data, "sage", out=None).eval()
    _, layers = model(data.x_dict, data.edge_index_dict, return_layers=True)
    assert all(torch.equal(layer["gene"], layers[0]["gene"]) for layer in layers)
    assert not torch.equal(layers[-1]["drug"], layers[0]["drug"])


@pytest.mark.parametrize("conv", ["graphconv", "gat"])
def test_edge_weights_change_the_output(data, conv):
    torch.manual_seed(0)
    model = build(data, conv).eval()
    weights = {TREATS: torch.rand(20) * 5, SIMILAR: torch.rand(15) * 5}
    a = model(data.x_dict, data.edge_index_dict)
    b = model(data.x_dict, data.edge_index_dict, weights)
    assert not torch.allclose(a["disease"], b["disease"])


def test_gcn_on_relations_within_one_type(data):
    metadata = (["drug"], [SIMILAR])
    model = HeteroGNNStack(metadata, 5, HIDDEN, LAYERS, OUT, conv="gcn")
    out = model({"drug": data["drug"].x}, {SIMILAR: data[SIMILAR].edge_index},
                {SIMILAR: torch.rand(15)})
    assert out["drug"].shape == (10, OUT)
    with pytest.raises(ValueError, match="within one node type"):
        build(data, "gcn")


def test_gradients_and_reset(data):
    torch.manual_seed(0)
    model = build(data, "sage", residual="residual", norm="layernorm", jumping_knowledge="cat")
    out = model(data.x_dict, data.edge_index_dict)
    sum(v.pow(2).sum() for v in out.values()).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    torch.manual_seed(3)
    model.reset_parameters()
    first = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    torch.manual_seed(3)
    model.reset_parameters()
    assert all(torch.equal(v, first[k]) for k, v in model.state_dict().items())


def test_repr(data):
    assert repr(build(data, "gat", residual="initial", norm="layernorm")) == (
        "HeteroGNNStack(hidden_channels=8, num_layers=2, out_channels=3, conv='gat', "
        "residual='initial', jumping_knowledge=None, norm='layernorm', node_types=3, edge_types=4)")


def test_bad_arguments(data):
    with pytest.raises(ValueError, match="unknown conv"):
        build(data, "gin")
    with pytest.raises(ValueError, match="no width"):
        HeteroGNNStack(data.metadata(), {"drug": 5}, HIDDEN, LAYERS)
    with pytest.raises(ValueError, match="not in metadata"):
        HeteroGNNStack((["drug"], [TREATS]), 5, HIDDEN, LAYERS)
    model = build(data, "sage")
    with pytest.raises(ValueError, match="no edge weights"):
        model(data.x_dict, data.edge_index_dict, {TREATS: torch.rand(20)})
    with pytest.raises(ValueError, match="no features"):
        model({"drug": data["drug"].x}, data.edge_index_dict)
    weighted = build(data, "graphconv")
    with pytest.raises(ValueError, match="must have shape"):
        weighted(data.x_dict, data.edge_index_dict, {TREATS: torch.rand(3)})
