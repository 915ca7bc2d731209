"""Seeds: drawn and logged when absent, validated, applied to every generator."""
from __future__ import annotations

import logging
import random

import numpy as np
import pytest
import torch

from graphmed.seed import resolve_seed, seed_everything


def test_drawn_seed_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="graphmed.seed"):
        seed = resolve_seed(None)
    assert isinstance(seed, int) and 0 <= seed < 2**31
    assert f"drew seed={seed}" in caplog.text
    assert caplog.records[-1].levelno == logging.WARNING


def test_given_seed_is_kept_silently(caplog):
    with caplog.at_level(logging.DEBUG, logger="graphmed.seed"):
        assert resolve_seed(0) == 0
        assert resolve_seed(np.int64(42)) == 42 and type(resolve_seed(np.int64(42))) is int
    assert caplog.records == []


@pytest.mark.parametrize("bad", [-1, 1.0, 2.5, "3", True, False, [1], np.float64(1)])
def test_invalid_seeds(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        resolve_seed(bad)


def test_seed_everything():
    def draw():
        return random.random(), np.random.random(), torch.rand(1).item()

    seed_everything(5)
    first = draw()
    seed_everything(5)
    assert draw() == first
    seed_everything(6)
    assert all(a != b for a, b in zip(draw(), first))
    seed_everything(2**40)  # larger than NumPy's legacy seed range
