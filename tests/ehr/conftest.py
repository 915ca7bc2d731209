"""Fixtures for the EHR tests: the demo exports under the data root, loaded once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _folder(name: str) -> Path:
    env = os.environ.get("GRAPHMED_DATA")
    root = Path(env) if env else REPO.parent / "shared" / "data"
    folder = root / name
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} not found; CI must have ../shared/data")
        pytest.skip(f"{folder} not found")
    return folder


@pytest.fixture(scope="session")
def mimic4_folder() -> Path:
    return _folder("mimic4_demo")


@pytest.fixture(scope="session")
def mimic3_folder() -> Path:
    return _folder("mimic3_demo")


@pytest.fixture(scope="session")
def synthea_folder() -> Path:
    return _folder("synthea_111")


@pytest.fixture(scope="session")
def mimic4(mimic4_folder):
    from graphmed.ehr import load_mimic4

    return load_mimic4()


@pytest.fixture(scope="session")
def mimic4_graph(mimic4):
    return mimic4.build()
