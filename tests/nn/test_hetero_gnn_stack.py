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


def test_bad_settings_and_inputs_are_named():
    metadata = (["a", "b"], [("a", "to", "b"), ("b", "rev", "a")])
    with pytest.raises(ValueError, match=r"in_channels\['a'\] must be an integer >= 1, got 4.7"):
        HeteroGNNStack(metadata, {"a": 4.7, "b": 5}, 8, 2)  # was cut to 4
    with pytest.raises(ValueError, match=r"in_channels\['a'\] must be an integer >= 1, got 4.0"):
        HeteroGNNStack(metadata, 4.0, 8, 2)
    with pytest.raises(ValueError, match="unknown aggr"):
        HeteroGNNStack(metadata, 4, 8, 2, aggr="cat")
    with pytest.raises(ValueError, match=r"\(source, relation, target\) triples"):
        HeteroGNNStack((["a"], [("a", "a")]), 4, 8, 2)
    with pytest.raises(ValueError, match=r"out_channels must be an integer >= 1"):
        HeteroGNNStack(metadata, 4, 8, 2, out_channels=0)
    model = HeteroGNNStack(metadata, {"a": 4, "b": 5}, 8, 2, conv="graphconv").eval()
    x = {"a": torch.randn(3, 4), "b": torch.randn(2, 5)}
    edges = {("a", "to", "b"): torch.tensor([[0, 1, 2], [0, 1, 1]]),
             ("b", "rev", "a"): torch.tensor([[0, 1, 1], [0, 1, 2]])}
    with pytest.raises(ValueError, match=r"edge_index_dict\[\('a', 'to', 'b'\)\]\[1, 2\] = 2 "
                                         r"is outside \[0, 2\) \(target nodes of 2\)"):
        model(x, {**edges, ("a", "to", "b"): torch.tensor([[0, 1, 2], [0, 1, 2]])})
    with pytest.raises(ValueError, match=r"\[0, 2\] = -1 is outside \[0, 3\)"):
        model(x, {**edges, ("a", "to", "b"): torch.tensor([[0, 1, -1], [0, 1, 1]])})
    with pytest.raises(ValueError, match=r"x_dict\['a'\]\[0, 0\] is nan"):
        model({**x, "a": torch.full((3, 4), float("nan"))}, edges)
    with pytest.raises(ValueError, match=r"x_dict\['b'\] must have shape \(N, 5\)"):
        model({**x, "b": torch.randn(2, 4)}, edges)
    with pytest.raises(ValueError, match=r"is nan: edge_weight_dict"):
        model(x, edges, {("a", "to", "b"): torch.tensor([1.0, float("nan"), 1.0])})


@pytest.mark.parametrize("conv", BIPARTITE_CONVS)  # gcn: relations within one type, below
def test_trains_under_bfloat16_autocast_on_each_device(data, conv, device):
    torch.manual_seed(0)
    model = build(data, conv, residual="residual").to(device)
    x = {t: v.to(device) for t, v in data.x_dict.items()}
    edges = {k: v.to(device) for k, v in data.edge_index_dict.items()}
    expected = model(x, edges)
    with torch.autocast(device, dtype=torch.bfloat16):
        out = model(x, edges)
    sum(o.float().pow(2).sum() for o in out.values()).backward()
    for t in out:
        assert torch.isfinite(out[t]).all()
        assert torch.allclose(out[t].float(), expected[t], atol=0.05 * expected[t].abs().max().item() + 1e-3)


def test_gcn_trains_under_bfloat16_autocast_on_each_device(data, device):
    torch.manual_seed(0)
    model = HeteroGNNStack((["drug"], [SIMILAR]), 5, HIDDEN, LAYERS, OUT, conv="gcn").to(device)
    x, edges = {"drug": data["drug"].x.to(device)}, {SIMILAR: data[SIMILAR].edge_index.to(device)}
    expected = model(x, edges)["drug"]
    with torch.autocast(device, dtype=torch.bfloat16):
        out = model(x, edges)["drug"]
    out.float().pow(2).sum().backward()
    assert torch.isfinite(out).all()
    assert torch.allclose(out.float(), expected, atol=0.05 * expected.abs().max().item() + 1e-3)
