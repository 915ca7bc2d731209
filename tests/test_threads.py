"""cpu_threads: torch and native pools limited inside the block, restored after."""
from __future__ import annotations

import pytest
import torch
from threadpoolctl import threadpool_info

from graphmed.threads import check_threads, cpu_threads


def _native_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info()]


@pytest.fixture
def two_torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


def test_limits_inside_and_restores_after(two_torch_threads):
    native_before = _native_threads()
    with cpu_threads(1):
        assert torch.get_num_threads() == 1
        assert all(n == 1 for n in _native_threads())
    assert torch.get_num_threads() == 2
    assert _native_threads() == native_before


def test_restores_after_an_error(two_torch_threads):
    with pytest.raises(RuntimeError, match="boom"):
        with cpu_threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == 2


def test_none_leaves_settings_alone(two_torch_threads):
    with cpu_threads(None):
        assert torch.get_num_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_thread_counts(bad):
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        check_threads(bad)
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        with cpu_threads(bad):
            pass
