"""TrainingState: a training loop's whole state saved and restored, refused where it does not fit."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from graphmed.errors import DataFormatError
from graphmed.models.checkpoint import save_checkpoint
from graphmed.training.resume import TrainingState


def _loop(state: TrainingState, generator: torch.Generator, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        x = torch.randn(16, 4, generator=generator)
        out = nn.functional.dropout(state.model(x), 0.5, training=True)  # the global generator
        loss = out.pow(2).mean()
        state.optimiser.zero_grad()
        loss.backward()
        state.optimiser.step()
        losses.append(float(loss))
    return losses


def _state(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    generator = torch.Generator().manual_seed(seed)
    return TrainingState(model, torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9)),
                         {"data": generator}), generator


def test_restored_training_continues_as_the_uninterrupted_loop(tmp_path):
    whole, generator = _state()
    expected = _loop(whole, generator, 6)
    first, generator = _state()
    _loop(first, generator, 3)
    best = {k: v.clone() for k, v in first.model.state_dict().items()}
    first.save(tmp_path / "s.npz", {"lr": 0.01, "sizes": (4, 8)}, {"step": 3, "curve": [1.5]}, best)

    resumed, generator = _state(seed=1)  # other weights and draws until restored
    progress, kept = resumed.restore(tmp_path / "s.npz", {"lr": 0.01, "sizes": [4, 8]})
    assert progress == {"step": 3, "curve": [1.5]}
    assert all(torch.equal(kept[k], v) for k, v in best.items())
    assert _loop(resumed, generator, 3) == expected[3:]
    assert resumed.optimiser.param_groups[0]["betas"] == (0.8, 0.9)
    for a, b in zip(whole.model.parameters(), resumed.model.parameters()):
        assert torch.equal(a, b)


def test_what_does_not_fit_is_refused(tmp_path):
    state, _ = _state()
    state.save(tmp_path / "s.npz", {"lr": 0.01}, {"step": 0})
    progress, best = state.restore(tmp_path / "s.npz", {"lr": 0.01})
    assert progress == {"step": 0} and best is None
    with pytest.raises(ValueError, match=r"other settings \(lr: 0.01 there, 0.1 now\)"):
        state.restore(tmp_path / "s.npz", {"lr": 0.1})
    other = TrainingState(nn.Linear(4, 3), torch.optim.Adam(nn.Linear(4, 3).parameters()))
    with pytest.raises(DataFormatError, match="does not fit this model"):
        other.restore(tmp_path / "s.npz", {"lr": 0.01})
    save_checkpoint(tmp_path / "model.npz", {"w": torch.zeros(2)}, {"name": "gnn"})
    with pytest.raises(DataFormatError, match="not a training state"):
        state.restore(tmp_path / "model.npz", {"lr": 0.01})
    np.save(tmp_path / "pickled.npy", np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(DataFormatError, match="not a graphmed checkpoint"):
        state.restore(tmp_path / "pickled.npy", {"lr": 0.01})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_gpu_generator_is_saved_and_restored(tmp_path):
    model = nn.Linear(4, 2).cuda()
    generator = torch.Generator(device="cuda").manual_seed(3)
    state = TrainingState(model, torch.optim.Adam(model.parameters()), {"batches": generator})
    state.save(tmp_path / "s.npz", {}, {"step": 0})
    expected = (torch.rand(5, device="cuda"), torch.rand(5, device="cuda", generator=generator))
    torch.rand(7, device="cuda"), torch.rand(7, device="cuda", generator=generator)
    state.restore(tmp_path / "s.npz", {})
    again = (torch.rand(5, device="cuda"), torch.rand(5, device="cuda", generator=generator))
    assert all(torch.equal(a, b) for a, b in zip(expected, again))
