import pytest
import torch

from graphmed.features.modality import ModalityFeatures
from graphmed.nn.fusion import AttentionFusion, EarlyFusion, LateFusion, make_fusion


def modalities(n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    text_mask = torch.tensor([True, True, False, True, False, True])[:n]
    return {"structure": (torch.randn(n, 5, generator=g), torch.ones(n, dtype=torch.bool)),
            "text": (torch.randn(n, 3, generator=g), text_mask)}


DIMS = {"structure": 5, "text": 3}


@pytest.mark.parametrize("kind", ["early", "attention"])
def test_missing_values_are_never_read(kind):
    torch.manual_seed(0)
    fusion = make_fusion(kind, DIMS, 4).eval()
    mods = modalities()
    out, _ = fusion(mods)
    values, mask = mods["text"]
    changed = values.clone()
    changed[~mask] = 1e6  # garbage where the modality is missing
    out2, _ = fusion({**mods, "text": (changed, mask)})
    assert out.shape == (6, 4)
    assert torch.allclose(out, out2)
    changed[mask] += 1.0  # present values do matter
    out3, _ = fusion({**mods, "text": (changed, mask)})
    assert not torch.allclose(out[mask], out3[mask])


def test_early_fusion_tells_missing_from_zero():
    torch.manual_seed(0)
    fusion = EarlyFusion(DIMS, 4)
    mods = modalities()
    values, mask = mods["text"]
    zero = torch.zeros_like(values)
    a, _ = fusion({**mods, "text": (zero, torch.ones_like(mask))})
    b, _ = fusion({**mods, "text": (zero, torch.zeros_like(mask))})
    assert not torch.allclose(a, b)


def test_attention_weights_are_a_distribution_over_present_modalities():
    torch.manual_seed(0)
    fusion = AttentionFusion(DIMS, 4)
    mods = modalities()
    out, weights = fusion(mods)
    mask = mods["text"][1]
    assert weights.shape == (6, 2)
    assert torch.allclose(weights.sum(1), torch.ones(6))
    assert (weights[~mask, 1] == 0).all() and torch.allclose(weights[~mask, 0], torch.ones(2))
    # a node without any modality gets zeros, not NaN
    none = {n: (v, torch.zeros_like(m)) for n, (v, m) in mods.items()}
    out, weights = fusion(none)
    assert torch.isfinite(out).all() and (out == 0).all() and (weights == 0).all()


def test_attention_fusion_has_gradients_for_every_modality():
    torch.manual_seed(0)
    fusion = AttentionFusion(DIMS, 4)
    out, _ = fusion(modalities())
    out.sum().backward()
    assert all(p.grad is not None for p in fusion.projections.parameters())


def test_late_fusion_renormalises_over_available_modalities():
    late = LateFusion(("a", "b"))
    with torch.no_grad():
        late.logits.copy_(torch.tensor([0.0, 1.0]))
    scores = torch.tensor([[1.0, 1.0], [3.0, 3.0]])
    available = torch.tensor([[True, True], [True, False]])
    w = late.weights
    out = late(scores, available)
    assert torch.allclose(out[0], (w[0] * 1 + w[1] * 3) / w.sum())
    assert torch.allclose(out[1], torch.tensor(1.0))  # only "a" is available
    assert torch.allclose(late(scores), w[0] * scores[0] + w[1] * scores[1])


def test_shape_errors_name_the_modality():
    fusion = AttentionFusion(DIMS, 4)
    mods = modalities()
    with pytest.raises(ValueError, match="text"):
        fusion({**mods, "text": (torch.zeros(6, 7), mods["text"][1])})
    with pytest.raises(ValueError, match="text"):
        fusion({**mods, "text": (mods["text"][0], torch.ones(5, dtype=torch.bool))})
    with pytest.raises(ValueError, match="missing"):
        fusion({"structure": mods["structure"]})
    with pytest.raises(ValueError, match="late"):
        make_fusion("late", DIMS, 4)
    with pytest.raises(TypeError, match="modalities must be a mapping"):
        fusion([mods["text"], mods["structure"]])
    with pytest.raises(TypeError, match="modality 'text' must be a \\(values, mask\\) pair"):
        fusion({**mods, "text": mods["text"][0]})
    with pytest.raises(TypeError, match="modality 'text': values must be a torch.Tensor, "
                                        "got ndarray"):
        fusion({**mods, "text": (mods["text"][0].numpy(), mods["text"][1])})
    features = ModalityFeatures(mods["text"][0].numpy(), mods["text"][1].numpy(), "text")
    with pytest.raises(TypeError, match=r"features.tensors\(\)"):
        fusion({**mods, "text": features})
    with pytest.raises(TypeError, match="scores must be a torch.Tensor"):
        LateFusion(("a", "b"))([[0.0], [1.0]])
    with pytest.raises(ValueError, match="2 modality scores"):
        LateFusion(("a", "b"))(torch.zeros(3, 2))


@pytest.mark.parametrize("cls", [EarlyFusion, AttentionFusion])
def test_nan_where_the_modality_is_missing_is_never_read(cls):
    torch.manual_seed(0)
    fusion = cls({"structure": 5, "text": 3}, 8).eval()
    mods = modalities()
    values, mask = mods["text"]
    holes = values.clone()
    holes[~mask] = float("nan")  # a missing modality's rows, as NaN
    out, _ = fusion(mods)
    out_holes, _ = fusion({**mods, "text": (holes, mask)})
    assert torch.equal(out, out_holes)  # was NaN at every node lacking the modality
    holes[mask.nonzero()[0]] = float("nan")
    with pytest.raises(ValueError, match=r"modality 'text' values\[0, 0\] is nan: .* where mask is True"):
        fusion({**mods, "text": (holes, mask)})
    with pytest.raises(ValueError, match="modality 'text': mask must be a bool tensor"):
        fusion({**mods, "text": (values, mask.long())})
    with pytest.raises(ValueError, match="modality 'text': values must be torch.float32"):
        fusion({**mods, "text": (values.double(), mask)})


def test_late_fusion_ignores_unavailable_scores_and_checks_its_names():
    late = LateFusion(("a", "b"))
    scores = torch.tensor([[float("nan"), 1.0], [2.0, 3.0]])
    available = torch.tensor([[False, True], [True, True]])
    out = late(scores, available)
    assert torch.isfinite(out).all() and out[0] == 2.0  # was NaN
    with pytest.raises(ValueError, match=r"scores\[0, 0\] is nan"):
        late(scores)
    with pytest.raises(ValueError, match="available must be a bool tensor"):
        late(scores.nan_to_num(), available.long())
    with pytest.raises(ValueError, match="names must be a sequence of modality names, got 'ab'"):
        LateFusion("ab")  # was two modalities 'a' and 'b'
    with pytest.raises(ValueError, match="names must be distinct"):
        LateFusion(("a", "a"))


@pytest.mark.parametrize("make, message", [
    (lambda: EarlyFusion({"s": 3}, 4, dropout=1.5), r"EarlyFusion: dropout must be in \[0, 1\)"),
    (lambda: EarlyFusion({"s": 2.5}, 4), r"EarlyFusion: dims\['s'\] must be an integer >= 1"),
    (lambda: AttentionFusion({"s": 3}, 0), "AttentionFusion: out_channels must be"),
    (lambda: AttentionFusion({"s": 3}, 4, attention_channels=0), "attention_channels must be"),
])
def test_fusion_settings_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()
