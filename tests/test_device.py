"""graphmed.device: one place that turns a device setting into a torch device."""
from __future__ import annotations

import pytest
import torch

from graphmed.device import resolve_device


def test_cpu_and_auto():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


def test_unknown_device_is_named_with_its_owner():
    with pytest.raises(ValueError, match=r"^Model: unknown device 'gpu0'"):
        resolve_device("gpu0", "Model")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device(3.5)


def test_a_missing_cuda_device_is_named():
    missing = f"cuda:{torch.cuda.device_count()}"  # one past the last device there is
    with pytest.raises(ValueError, match=rf"device '{missing}': this machine has "
                                         rf"{torch.cuda.device_count()} CUDA device"):
        resolve_device(missing)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="use 'cpu' or 'auto'"):
            resolve_device("cuda")
