"""Shared fixtures: the data root used by tests and CI is ``../shared/data``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _data_root() -> Path:
    env = os.environ.get("GRAPHMED_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = _data_root()
    if not (root / "fdataset").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"benchmark data not found under {root}; CI must have ../shared/data")
        pytest.skip(f"benchmark data not found under {root}")
    return root


@pytest.fixture(scope="session")
def fdataset(data_root):
    from graphmed.datasets import load_dataset

    return load_dataset("fdataset", data_root)


@pytest.fixture(scope="session")
def cdataset(data_root):
    from graphmed.datasets import load_dataset

    return load_dataset("cdataset", data_root)


@pytest.fixture(autouse=True, scope="session")
def _one_cpu_thread():
    """Tests run tiny graphs: one thread (torch and BLAS) is faster than several and immune to
    a busy machine, as in :mod:`graphmed.threads`."""
    from graphmed.threads import cpu_threads

    with cpu_threads(1):
        yield
