import pytest
import torch

from graphmed.nn.relational_stack import RelationalStack, normalized_adjacency


def graph(n=30, e=120, relations=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 8, generator=g), torch.randint(0, n, (2, e), generator=g),
            torch.randint(0, relations, (e,), generator=g))


def test_normalized_adjacency_matches_dense():
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    weight = torch.tensor([1.0, 1.0, 2.0, 2.0])
    dense = torch.zeros(3, 3)
    dense[edge_index[0], edge_index[1]] = weight
    dense += torch.eye(3)
    d = dense.sum(1).pow(-0.5)
    expected = d[:, None] * dense * d[None, :]
    got = normalized_adjacency(edge_index, weight, 3, add_self_loops=True).to_dense()
    assert torch.allclose(got, expected)


def test_isolated_node_gets_zero_row():
    got = normalized_adjacency(torch.tensor([[0], [1]]), None, 3, add_self_loops=False).to_dense()
    assert torch.equal(got[2], torch.zeros(3))


@pytest.mark.parametrize("residual", [True, False])
@pytest.mark.parametrize("attention", [True, False])
def test_shapes_and_gradients(residual, attention):
    x, ei, et = graph()
    stack = RelationalStack(8, 16, 3, 2, dropout=0.2, drop_edge=(0.0, 0.3), residual=residual,
                            layer_attention=attention)
    out, layers = stack(x, ei, et, return_layers=True)
    assert out.shape == (30, 16) and len(layers) == 3
    out.pow(2).sum().backward()
    for name, p in stack.named_parameters():
        if name == "attention" and not attention:
            continue
        if name.startswith("lin_in") and not residual:
            continue
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_eval_is_deterministic_and_reset_restores():
    x, ei, et = graph()
    torch.manual_seed(0)
    stack = RelationalStack(8, 16, 2, 2).eval()
    first = stack(x, ei, et)
    assert torch.equal(first, stack(x, ei, et))
    with torch.no_grad():
        for p in stack.parameters():
            p.add_(1.0)
    torch.manual_seed(1)
    stack.reset_parameters()
    once = [p.detach().clone() for p in stack.parameters()]
    torch.manual_seed(1)
    stack.reset_parameters()
    assert all(torch.equal(a, b) for a, b in zip(stack.parameters(), once))
    assert not torch.equal(stack(x, ei, et), first)


def test_relations_are_kept_apart():
    """An edge of relation 1 must not change what relation 0's weights see."""
    x, ei, et = graph()
    stack = RelationalStack(8, 4, 1, 2, residual=False, layer_attention=False).eval()
    with torch.no_grad():
        stack.lins[1].weight.zero_()
        stack.lins[1].bias.zero_()
    base = stack(x, ei, et)
    extra = torch.cat([ei, torch.tensor([[0], [1]])], dim=1)
    assert torch.allclose(stack(x, extra, torch.cat([et, torch.tensor([1])])), base)
    assert not torch.allclose(stack(x, extra, torch.cat([et, torch.tensor([0])])), base)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        RelationalStack(8, 16, 0, 2)
    with pytest.raises(ValueError):
        RelationalStack(8, 16, 2, 2, drop_edge=(0.1,))
    assert "num_relations=2" in repr(RelationalStack(8, 16, 2, 2))


def test_initial_residual_keeps_deep_stacks_bounded():
    """Identity mapping keeps a 64-layer stack near its input scale; plain residual sums blow up."""
    x, ei, et = graph(n=60, e=240)
    norms = {}
    for residual in ("initial", "residual"):
        torch.manual_seed(0)
        stack = RelationalStack(8, 16, 64, 2, residual=residual, layer_attention=False).eval()
        with torch.no_grad():
            h0 = torch.relu(stack.lin_in(x))
            norms[residual] = stack(x, ei, et).norm().item() / h0.norm().item()
    assert norms["initial"] < 10 and norms["residual"] > 1e3 * norms["initial"]
    with pytest.raises(ValueError, match="residual must be"):
        RelationalStack(8, 16, 2, 2, residual="dense")


def test_edge_types_out_of_range_are_refused_not_dropped():
    model = RelationalStack(4, 8, 2, 2).eval()
    x, edge_index = torch.randn(5, 4), torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    for bad in (torch.tensor([0, 1, 2, 1]), torch.tensor([0, 1, -1, 1])):  # were left out silently
        with pytest.raises(ValueError, match=r"edge_type\[2\] = -?\d is outside \[0, 2\)"):
            model(x, edge_index, bad)
    with pytest.raises(ValueError, match="edge_type must hold integer indices"):
        model(x, edge_index, torch.tensor([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"edge_index\[1, 3\] = 5 is outside"):
        model(x, torch.tensor([[0, 1, 2, 3], [1, 2, 3, 5]]), torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"x\[0, 0\] is nan"):
        model(torch.full((5, 4), float("nan")), edge_index, torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"edge_weight\[1\] is inf"):
        model(x, edge_index, torch.tensor([0, 1, 0, 1]), torch.tensor([1.0, float("inf"), 1, 1]))


@pytest.mark.parametrize("kwargs, message", [
    ({"dropout": 1.5}, r"dropout must be in \[0, 1\)"),
    ({"drop_edge": (0.0, -1.0)}, r"drop_edge\[1\] must be in \[0, 1\)"),
    ({"residual": "initial", "alpha": 2.0}, r"alpha must be in \[0, 1\)"),
    ({"residual": "initial", "theta": -5.0}, "theta must be a finite number >= 0"),
    ({"num_layers": 1.5}, "num_layers must be an integer >= 1, got 1.5"),
])
def test_settings_out_of_range_are_named(kwargs, message):
    settings = {"in_channels": 4, "hidden_channels": 8, "num_layers": 2, "num_relations": 2, **kwargs}
    with pytest.raises(ValueError, match=f"RelationalStack: {message}"):
        RelationalStack(**settings)


def _under_autocast(device: str, residual: str):
    torch.manual_seed(0)
    x, ei, et = (t.to(device) for t in graph())
    stack = RelationalStack(8, 16, 3, 2, residual=residual).to(device)
    expected = stack(x, ei, et)
    with torch.autocast(device, dtype=torch.bfloat16):
        out = stack(x, ei, et)
    out.float().pow(2).sum().backward()
    assert torch.isfinite(out).all()
    assert torch.allclose(out.float(), expected, atol=0.05 * expected.abs().max().item())
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in stack.lins.parameters())


@pytest.mark.parametrize("residual", ["residual", "initial", "none"])
def test_bfloat16_autocast_keeps_sparse_products_in_float32(residual):
    _under_autocast("cpu", residual)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("residual", ["residual", "initial", "none"])
def test_bfloat16_autocast_on_cuda(residual):
    # CUDA has no bfloat16 sparse product: the default model's training under autocast failed
    _under_autocast("cuda", residual)
