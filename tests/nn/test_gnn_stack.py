"""GNNStack: every conv / residual / norm / jumping-knowledge combination on a tiny graph."""
from __future__ import annotations

import itertools

import pytest
import torch
from torch_geometric.nn import GCN2Conv, GCNConv

from graphmed.nn import CONVS, JK_MODES, NORMS, RESIDUALS, GNNStack

N, F_IN, HIDDEN, OUT, LAYERS, EDGE_TYPES = 12, 5, 8, 3, 3, 4


@pytest.fixture(scope="module")
def graph():
    g = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, N, (2, 40), generator=g)
    return dict(x=torch.randn(N, F_IN, generator=g), edge_index=edge_index,
                edge_weight=torch.rand(40, generator=g) + 0.1,
                edge_type=torch.randint(0, EDGE_TYPES, (40,), generator=g))


def build(conv, residual="none", norm=None, jk=None, out=OUT, **kwargs):
    if conv == "transformer":
        kwargs.setdefault("num_edge_types", EDGE_TYPES)
    return GNNStack(F_IN, HIDDEN, LAYERS, out, conv=conv, residual=residual, norm=norm,
                    jumping_knowledge=jk, heads=2, **kwargs)


def inputs(conv, graph):
    if conv == "transformer":
        return dict(edge_type=graph["edge_type"])
    return dict(edge_weight=graph["edge_weight"])


# Every (conv, residual, norm) triple, each with one jumping-knowledge mode in turn, and
# every (conv, jumping-knowledge) pair: all options meet every conv at least once.
TRIPLES = [(c, r, n) for c, r, n in itertools.product(CONVS, RESIDUALS, NORMS)
           if c != "gcnii" or r == "initial"]
COMBINATIONS = [(c, r, n, JK_MODES[i % len(JK_MODES)]) for i, (c, r, n) in enumerate(TRIPLES)]


@pytest.mark.parametrize("conv,residual,norm,jk", COMBINATIONS)
def test_shapes(graph, conv, residual, norm, jk):
    torch.manual_seed(0)
    model = build(conv, residual, norm, jk, dropout=0.2, drop_edge=0.2)
    out, layers = model(graph["x"], graph["edge_index"], **inputs(conv, graph), return_layers=True)
    assert out.shape == (N, OUT) and torch.isfinite(out).all()
    assert len(layers) == LAYERS + 1 and all(h.shape == (N, HIDDEN) for h in layers)


@pytest.mark.parametrize("conv,jk", list(itertools.product(CONVS, JK_MODES)))
def test_embedding_width_with_jumping_knowledge(graph, conv, jk):
    torch.manual_seed(0)
    model = build(conv, "initial" if conv == "gcnii" else "none", None, jk, out=None).eval()
    embeddings = model(graph["x"], graph["edge_index"], **inputs(conv, graph))
    assert embeddings.shape == (N, HIDDEN * LAYERS if jk == "cat" else HIDDEN)


@pytest.mark.parametrize("conv", CONVS)
def test_gradients_reach_every_parameter(graph, conv):
    torch.manual_seed(0)
    model = build(conv, "initial" if conv == "gcnii" else "residual", "layernorm", "cat",
                  global_attention=True)
    model(graph["x"], graph["edge_index"], **inputs(conv, graph)).pow(2).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("conv", CONVS)
def test_reset_parameters_is_deterministic(conv):
    model = build(conv, "initial" if conv == "gcnii" else "none", "batchnorm", None,
                  global_attention=True)
    torch.manual_seed(7)
    model.reset_parameters()
    first = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    torch.manual_seed(7)
    model.reset_parameters()
    for key, value in model.state_dict().items():
        assert torch.equal(value, first[key]), key
    assert not all(torch.equal(p, torch.zeros_like(p)) for p in model.parameters())


def test_repr():
    assert repr(GNNStack(1433, 64, 64, 7, conv="gcnii")) == (
        "GNNStack(1433, 64, num_layers=64, out_channels=7, conv='gcnii', residual='initial', "
        "jumping_knowledge=None, norm=None)")
    assert repr(GNNStack(16, 8, 2, conv="gat", residual="residual", norm="pairnorm",
                         jumping_knowledge="max")) == (
        "GNNStack(16, 8, num_layers=2, out_channels=None, conv='gat', residual='residual', "
        "jumping_knowledge='max', norm='pairnorm')")


def test_gcn_initial_residual_is_gcnii():
    model = GNNStack(4, 8, 2, conv="gcn", residual="initial")
    assert model.conv == "gcnii" and all(isinstance(c, GCN2Conv) for c in model.convs)


def _reference(model, graph, conv_call):
    h = torch.relu(model.lin_in(graph["x"]))
    h0 = h
    for conv in model.convs:
        conv.normalize = conv.add_self_loops = True  # PyG's own normalisation, per layer
        h = torch.relu(conv_call(conv, h, h0))
        conv.normalize = False
    return model.lin_out(h)


def test_gcn_matches_pyg_on_a_directed_weighted_graph(graph):
    torch.manual_seed(0)
    model = GNNStack(F_IN, HIDDEN, LAYERS, OUT, conv="gcn").eval()
    assert all(isinstance(c, GCNConv) for c in model.convs)
    out = model(graph["x"], graph["edge_index"], graph["edge_weight"])
    ref = _reference(model, graph, lambda c, h, h0: c(h, graph["edge_index"], graph["edge_weight"]))
    assert torch.allclose(out, ref, atol=1e-5)


def test_gcnii_matches_pyg_on_a_directed_weighted_graph(graph):
    torch.manual_seed(0)
    model = GNNStack(F_IN, HIDDEN, LAYERS, OUT, conv="gcnii", alpha=0.2, theta=0.7).eval()
    assert [round(c.beta, 6) for c in model.convs] == [
        round(torch.log(torch.tensor(0.7 / layer + 1)).item(), 6) for layer in (1, 2, 3)]
    out = model(graph["x"], graph["edge_index"], graph["edge_weight"])
    ref = _reference(model, graph,
                     lambda c, h, h0: c(h, h0, graph["edge_index"], graph["edge_weight"]))
    assert torch.allclose(out, ref, atol=1e-5)


def test_drop_edge_and_dropout_only_in_training(graph):
    torch.manual_seed(0)
    model = GNNStack(F_IN, HIDDEN, 2, OUT, conv="gcn", drop_edge=0.5)
    model.eval()
    a = model(graph["x"], graph["edge_index"])
    assert torch.equal(a, model(graph["x"], graph["edge_index"]))
    model.train()
    assert not torch.equal(model(graph["x"], graph["edge_index"]), a)


def test_edge_types_change_the_transformer_output(graph):
    torch.manual_seed(0)
    model = build("transformer").eval()
    a = model(graph["x"], graph["edge_index"], edge_type=graph["edge_type"])
    b = model(graph["x"], graph["edge_index"], edge_type=torch.zeros_like(graph["edge_type"]))
    assert not torch.allclose(a, b)


def test_bad_arguments(graph):
    with pytest.raises(ValueError, match="unknown conv"):
        GNNStack(4, 8, 2, conv="sage")
    with pytest.raises(ValueError, match="initial-residual"):
        GNNStack(4, 8, 2, conv="gcnii", residual="none")
    with pytest.raises(ValueError, match="unknown residual"):
        GNNStack(4, 8, 2, residual="dense")
    with pytest.raises(ValueError, match="norm"):
        GNNStack(4, 8, 2, norm="groupnorm")
    with pytest.raises(ValueError, match="jumping_knowledge"):
        GNNStack(4, 8, 2, jumping_knowledge="lstm")
    with pytest.raises(ValueError, match="divisible"):
        GNNStack(4, 8, 2, conv="gat", heads=3)
    with pytest.raises(ValueError, match="num_edge_types"):
        GNNStack(4, 8, 2, conv="gcn", num_edge_types=3)
    with pytest.raises(ValueError, match="num_layers"):
        GNNStack(4, 8, 0)
    transformer = build("transformer")
    with pytest.raises(ValueError, match="pass edge_type"):
        transformer(graph["x"], graph["edge_index"])
    with pytest.raises(ValueError, match="not edge weights"):
        transformer(graph["x"], graph["edge_index"], graph["edge_weight"], graph["edge_type"])
    with pytest.raises(ValueError, match="no edge-type embeddings"):
        build("gcn")(graph["x"], graph["edge_index"], edge_type=graph["edge_type"])
    with pytest.raises(ValueError, match="edge_weight must have shape"):
        build("gcn")(graph["x"], graph["edge_index"], torch.ones(3))


@pytest.mark.parametrize("conv", ["gcn", "gcnii"])
def test_the_gcn_convs_keep_double_precision(graph, conv):
    model = build(conv, "initial" if conv == "gcnii" else "residual").double()
    out = model(graph["x"].double(), graph["edge_index"], graph["edge_weight"].double())
    assert out.dtype == torch.float64  # for gradcheck, say


@pytest.mark.parametrize("conv", CONVS)
def test_every_conv_trains_under_bfloat16_autocast(graph, conv):
    # training on a GPU runs under bfloat16 autocast; CPU autocast has no bfloat16 sparse
    # product either, so the GCN convolutions must leave autocast for theirs
    torch.manual_seed(0)
    model = build(conv, "initial" if conv == "gcnii" else "residual")
    expected = model(graph["x"], graph["edge_index"], **inputs(conv, graph))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(graph["x"], graph["edge_index"], **inputs(conv, graph))
    out.float().pow(2).sum().backward()
    assert torch.isfinite(out).all()
    assert torch.allclose(out.float(), expected, atol=0.05 * expected.abs().max().item())
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in model.convs.parameters() if p.requires_grad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("conv", CONVS)
def test_runs_on_cuda(graph, conv):
    model = build(conv, "initial", "pairnorm", "cat", drop_edge=0.1, global_attention=True).cuda()
    on_gpu = {k: v.cuda() for k, v in graph.items()}
    out = model(on_gpu["x"], on_gpu["edge_index"], **inputs(conv, on_gpu))
    assert out.is_cuda and out.shape == (N, OUT)


@pytest.mark.parametrize("conv", ["gcn", "gat", "gcngat", "transformer"])
def test_without_input_projection_the_first_conv_reads_x(graph, conv):
    torch.manual_seed(0)
    model = build(conv, "residual", "layernorm", "cat", project_input=False)
    assert model.lin_in is None
    out, layers = model(graph["x"], graph["edge_index"], **inputs(conv, graph), return_layers=True)
    assert out.shape == (N, OUT) and layers[0] is graph["x"]
    assert [h.shape[1] for h in layers] == [F_IN] + [HIDDEN] * LAYERS
    assert repr(model).endswith("norm='layernorm', project_input=False)")
    with pytest.raises(ValueError, match="project_input"):
        GNNStack(F_IN, HIDDEN, 2, conv="gcnii", project_input=False)
    with pytest.raises(ValueError, match="project_input"):
        GNNStack(F_IN, HIDDEN, 2, conv="gat", global_attention=True, project_input=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_layers": 2.5}, r"GNNStack: num_layers must be an integer >= 1, got 2.5"),
    ({"heads": 0, "conv": "gat"}, "heads must be an integer >= 1, got 0"),
    ({"heads": 2.0, "conv": "gat"}, "heads must be an integer >= 1, got 2.0"),
    ({"in_channels": 0}, "in_channels must be an integer >= 1"),
    ({"out_channels": 2.5}, "out_channels must be an integer >= 1"),
    ({"alpha": 1.5, "conv": "gcnii"}, r"alpha must be in \[0, 1\)"),
    ({"theta": -1, "conv": "gcnii"}, "theta must be a finite number >= 0"),
    ({"num_edge_types": 0, "conv": "transformer"}, "num_edge_types must be an integer >= 1"),
])
def test_settings_out_of_range_are_named(kwargs, message):
    settings = {"in_channels": 4, "hidden_channels": 8, "num_layers": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        GNNStack(**settings)


def test_bad_inputs_are_named_where_they_enter():
    x, edge_index = torch.randn(5, 4), torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    model = GNNStack(4, 8, 2, 3, conv="gcn").eval()
    nan_x = x.clone()
    nan_x[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"x\[2, 1\] is nan"):
        model(nan_x, edge_index)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4\), got \(5, 3\)"):
        model(x[:, :3], edge_index)
    with pytest.raises(ValueError, match="x must be torch.float32"):
        model(x.double(), edge_index)
    with pytest.raises(ValueError, match=r"edge_index\[1, 3\] = -1 is outside \[0, 5\)"):
        model(x, torch.tensor([[0, 1, 2, 3], [1, 2, 3, -1]]))
    with pytest.raises(ValueError, match=r"edge_index\[1, 3\] = 5 is outside \[0, 5\)"):
        model(x, torch.tensor([[0, 1, 2, 3], [1, 2, 3, 5]]))
    with pytest.raises(ValueError, match="integer indices"):
        model(x, edge_index.float())
    with pytest.raises(ValueError, match=r"edge_index must have shape \(2, E\), got \(3, 4\)"):
        model(x, torch.cat([edge_index, edge_index[:1]]))
    with pytest.raises(ValueError, match=r"edge_weight\[1\] is nan"):
        model(x, edge_index, torch.tensor([1.0, float("nan"), 1.0, 1.0]))
    # integer weights are weights: converted, not a dtype error deep in the conv
    assert torch.allclose(model(x, edge_index, torch.ones(4, dtype=torch.long)),
                          model(x, edge_index, torch.ones(4)))
    typed = GNNStack(4, 8, 2, conv="transformer", num_edge_types=2).eval()
    for bad in (torch.tensor([0, 1, 2, 1]), torch.tensor([0, 1, -1, 1])):
        with pytest.raises(ValueError, match=r"edge_type\[2\] = -?\d is outside \[0, 2\)"):
            typed(x, edge_index, edge_type=bad)


def test_autocast_features_pass_the_dtype_check():
    model = GNNStack(4, 8, 2, 3, conv="gat").eval()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.randn(5, 4).bfloat16(), torch.tensor([[0, 1], [1, 2]]))
    assert out.shape == (5, 3)
