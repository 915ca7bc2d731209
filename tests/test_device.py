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


@pytest.mark.parametrize("name, message", [("xla", "graphmed runs on 'cpu', 'cuda'"),
                                           ("meta", "graphmed runs on 'cpu', 'cuda'"),
                                           ("cpu:1", "the CPU takes no index")])
def test_kinds_graphmed_does_not_run_on_are_refused(name, message):
    with pytest.raises(ValueError, match=rf"device '{name}': {message}"):
        resolve_device(name)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has an MPS device")
def test_a_missing_mps_device_is_named():
    with pytest.raises(ValueError, match="device 'mps': this machine has no Apple MPS device"):
        resolve_device("mps")


def test_a_device_name_is_checked_without_asking_for_the_device():
    from graphmed.device import check_device_name

    assert check_device_name("auto") is None
    assert check_device_name("cuda:1") == torch.device("cuda:1")  # a GPU model may be saved anywhere
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        check_device_name("gpu0")


def test_fit_settings_refuse_a_device_name_at_once():
    from graphmed.training.fit import FitConfig

    assert FitConfig(device="cuda").check().device == "cuda"
    with pytest.raises(ValueError, match="unknown device 'garbage'"):
        FitConfig(device="garbage").check()
