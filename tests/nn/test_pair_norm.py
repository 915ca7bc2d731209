"""PairNorm and the dropout helper."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn import PairNorm
from graphmed.nn.dropout import dropout


def test_pn_centres_and_fixes_mean_squared_norm():
    x = torch.randn(50, 8) * 5 + 3
    out = PairNorm(scale=2.0)(x)
    assert torch.allclose(out.mean(dim=0), torch.zeros(8), atol=1e-5)
    assert out.pow(2).sum(dim=1).mean().item() == pytest.approx(4.0, rel=1e-4)


def test_pn_keeps_total_pairwise_distance_constant():
    x = torch.randn(30, 4)
    total = torch.cdist(PairNorm()(x), PairNorm()(x)).pow(2).sum()
    total_scaled = torch.cdist(PairNorm()(10 * x + 1), PairNorm()(10 * x + 1)).pow(2).sum()
    assert total.item() == pytest.approx(total_scaled.item(), rel=1e-4)


def test_si_gives_every_row_the_scale_as_norm():
    out = PairNorm(scale=3.0, mode="si")(torch.randn(20, 6))
    assert torch.allclose(out.norm(dim=1), torch.full((20,), 3.0), atol=1e-3)


def test_scs_centres_unit_rows():
    out = PairNorm(mode="scs")(torch.randn(20, 6))
    assert torch.allclose(out.mean(dim=0), torch.zeros(6), atol=1e-6)


def test_constant_features_stay_finite():
    out = PairNorm()(torch.ones(10, 3))
    assert torch.isfinite(out).all() and out.abs().max() < 1e-3


def test_repr_and_bad_arguments():
    assert repr(PairNorm()) == "PairNorm(scale=1.0, mode='pn')"
    with pytest.raises(ValueError, match="mode"):
        PairNorm(mode="xx")
    with pytest.raises(ValueError, match="scale"):
        PairNorm(scale=0)


def test_dropout_keeps_expectation_and_rate():
    torch.manual_seed(0)
    x = torch.ones(200_000)
    out = dropout(x, 0.6, training=True)
    assert abs((out == 0).float().mean().item() - 0.6) < 0.01
    assert out.mean().item() == pytest.approx(1.0, abs=0.02)
    assert dropout(x, 0.6, training=False) is x
    with pytest.raises(ValueError):
        dropout(x, 1.0, True)


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": float("nan")}, "scale must be a finite number > 0, got nan"),
    ({"scale": float("inf")}, "scale must be a finite number > 0, got inf"),
    ({"eps": 0.0}, "eps must be a finite number > 0"),
])
def test_pair_norm_settings_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=f"PairNorm: {message}"):
        PairNorm(**kwargs)


def test_pair_norm_needs_node_embeddings():
    with pytest.raises(ValueError, match=r"\(N, C\), got shape \(4,\)"):
        PairNorm()(torch.randn(4))
