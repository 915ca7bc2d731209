"""Link decoders: forward on pairs agrees with score_all; each decoder's own algebra."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn import BilinearDecoder, DistMultDecoder, InnerProductDecoder, MLPDecoder
from graphmed.nn.decoders import mlp

C = 6
DECODERS = {
    "inner": lambda: InnerProductDecoder(),
    "bilinear": lambda: BilinearDecoder(C),
    "distmult": lambda: DistMultDecoder(C),
    "mlp": lambda: MLPDecoder(C, hidden_channels=5, num_layers=3),
}


@pytest.fixture
def embeddings():
    g = torch.Generator().manual_seed(0)
    return torch.randn(9, C, generator=g), torch.randn(4, C, generator=g)


def _perturb(decoder):
    with torch.no_grad():
        for p in decoder.parameters():
            p.add_(torch.randn_like(p))


@pytest.mark.parametrize("name", DECODERS)
def test_score_all_agrees_with_forward(name, embeddings, monkeypatch):
    torch.manual_seed(0)
    decoder = DECODERS[name]()
    _perturb(decoder)
    decoder.eval()
    h_src, h_dst = embeddings
    monkeypatch.setattr(mlp, "SCORE_ALL_BLOCK", 2 * 4 * 5)  # several blocks for the MLP
    matrix = decoder.score_all(h_src, h_dst)
    assert matrix.shape == (9, 4)
    src, dst = torch.meshgrid(torch.arange(9), torch.arange(4), indexing="ij")
    pairs = torch.stack([src.flatten(), dst.flatten()])
    logits = decoder(h_src, h_dst, pairs)
    assert logits.shape == (36,)
    assert torch.allclose(logits, matrix.flatten(), atol=1e-5)


@pytest.mark.parametrize("name", DECODERS)
def test_gradients_and_reset(name, embeddings):
    decoder = DECODERS[name]()
    h_src, h_dst = (h.clone().requires_grad_() for h in embeddings)
    decoder(h_src, h_dst, torch.tensor([[0, 1, 2], [3, 2, 1]])).sum().backward()
    assert h_src.grad.abs().sum() > 0 and h_dst.grad.abs().sum() > 0
    assert all(p.grad is not None for p in decoder.parameters())
    torch.manual_seed(5)
    decoder.reset_parameters()
    first = [p.detach().clone() for p in decoder.parameters()]
    _perturb(decoder)
    torch.manual_seed(5)
    decoder.reset_parameters()
    assert all(torch.equal(p, q) for p, q in zip(decoder.parameters(), first))


def test_bilinear_and_distmult_start_as_the_inner_product(embeddings):
    h_src, h_dst = embeddings
    inner = InnerProductDecoder().score_all(h_src, h_dst)
    assert torch.allclose(BilinearDecoder(C).score_all(h_src, h_dst), inner, atol=1e-6)
    assert torch.allclose(DistMultDecoder(C).score_all(h_src, h_dst), inner, atol=1e-6)


def test_hand_computed_scores():
    h_src = torch.tensor([[1.0, 2.0], [0.0, 1.0]])
    h_dst = torch.tensor([[3.0, -1.0]])
    pairs = torch.tensor([[0, 1], [0, 0]])
    assert InnerProductDecoder()(h_src, h_dst, pairs).tolist() == [1.0, -1.0]
    distmult = DistMultDecoder(2)
    with torch.no_grad():
        distmult.relation.copy_(torch.tensor([2.0, 0.5]))
    assert distmult(h_src, h_dst, pairs).tolist() == [5.0, -0.5]
    bilinear = BilinearDecoder(2)
    with torch.no_grad():
        bilinear.weight.copy_(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))  # h_s[0] * h_d[1]
    assert bilinear(h_src, h_dst, pairs).tolist() == [-1.0, 0.0]


def test_bilinear_is_asymmetric_and_distmult_symmetric():
    torch.manual_seed(0)
    h = torch.randn(5, C)
    bilinear, distmult = BilinearDecoder(C), DistMultDecoder(C)
    _perturb(bilinear)
    _perturb(distmult)
    assert not torch.allclose(bilinear.score_all(h, h), bilinear.score_all(h, h).t())
    assert torch.allclose(distmult.score_all(h, h), distmult.score_all(h, h).t(), atol=1e-5)


def test_repr():
    assert repr(InnerProductDecoder()) == "InnerProductDecoder()"
    assert repr(BilinearDecoder(16)) == "BilinearDecoder(16)"
    assert repr(DistMultDecoder(16)) == "DistMultDecoder(16)"
    assert repr(MLPDecoder(16)) == "MLPDecoder(16, hidden_channels=16, num_layers=2)"


def test_bad_pairs(embeddings):
    h_src, h_dst = embeddings
    with pytest.raises(ValueError, match=r"\(2, n\)"):
        InnerProductDecoder()(h_src, h_dst, torch.zeros(3, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="integer"):
        DistMultDecoder(C)(h_src, h_dst, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="num_layers must be an integer >= 2"):
        MLPDecoder(C, num_layers=1)


@pytest.mark.parametrize("decoder", [InnerProductDecoder(), BilinearDecoder(3), DistMultDecoder(3),
                                     MLPDecoder(3)], ids=lambda d: type(d).__name__)
def test_pairs_and_widths_are_checked(decoder):
    h_src, h_dst = torch.randn(4, 3), torch.randn(5, 3)
    with pytest.raises(ValueError, match=r"pairs\[0, 1\] = -1 is outside \[0, 4\)"):
        decoder(h_src, h_dst, torch.tensor([[0, -1], [1, 4]]))  # -1 was the last row
    with pytest.raises(ValueError, match=r"pairs\[1, 1\] = 5 is outside \[0, 5\)"):
        decoder(h_src, h_dst, torch.tensor([[0, 3], [1, 5]]))
    with pytest.raises(ValueError, match="h_dst must have 3 channels"):
        decoder(h_src, torch.randn(5, 2), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="h_dst must have 3 channels"):
        decoder.score_all(h_src, torch.randn(5, 2))
    with pytest.raises(ValueError, match="must be 2-D"):
        decoder.score_all(h_src[0], h_dst)


@pytest.mark.parametrize("make, message", [
    (lambda: BilinearDecoder(0), "BilinearDecoder: channels must be an integer >= 1"),
    (lambda: DistMultDecoder(2.5), "DistMultDecoder: channels must be an integer >= 1"),
    (lambda: MLPDecoder(3, dropout=1.5), r"MLPDecoder: dropout must be in \[0, 1\)"),
    (lambda: MLPDecoder(3, hidden_channels=0), "MLPDecoder: hidden_channels must be"),
    (lambda: MLPDecoder(3, num_layers=2.5), "MLPDecoder: num_layers must be an integer >= 2"),
])
def test_decoder_settings_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()
