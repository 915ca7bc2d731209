"""Shared fixtures: the data root used by tests and CI is ``../shared/data``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

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


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"))])
def device(request) -> str:
    """Each device a model can run on: a test taking it runs on the CPU everywhere and on a
    GPU where there is one (``-k cuda`` selects the GPU runs)."""
    return request.param


@pytest.fixture(autouse=True, scope="session")
def _one_cpu_thread():
    """Tests run tiny graphs: one thread (torch and BLAS) is faster than several and immune to
    a busy machine, as in :mod:`graphmed.threads`."""
    from graphmed.threads import cpu_threads

    with cpu_threads(1):
        yield


@pytest.fixture(scope="session")
def wide_vocabulary_task():
    """A diagnosis task of 4,000 admissions (one per patient) prescribed 5 of 20,000 drugs
    each, with one of two diagnoses: a dense bag of codes would take 320 MB."""
    import numpy as np
    import pandas as pd

    from graphmed.ehr import EdgeTable, GraphSchema, NodeTable, build_hetero_graph
    from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds

    n_units, n_drugs, per_unit = 4000, 20_000, 5
    rng = np.random.default_rng(0)
    units = np.arange(n_units)
    patients = pd.DataFrame({"pid": units, "is_female": units % 2, "age": 20 + units % 70})
    adm = pd.DataFrame({"hadm": units, "pid": units})
    rx = pd.DataFrame({"hadm": np.repeat(units, per_unit),
                       "drug": rng.integers(0, n_drugs, n_units * per_unit)}).drop_duplicates()
    dx = pd.DataFrame({"hadm": units, "code": np.where(units % 3 == 0, "d0", "d1")})
    codes = pd.DataFrame({"code": ["d0", "d1"], "cat": ["A", "B"]})
    schema = GraphSchema(
        nodes=[NodeTable("patient", patients, id="pid", features=("is_female", "age")),
               NodeTable("admission", adm, id="hadm"),
               NodeTable("diagnosis", codes, id="code"),
               NodeTable("diagnosis_category", pd.DataFrame({"cat": ["A", "B"]}), id="cat"),
               NodeTable("drug", pd.DataFrame({"drug": np.arange(n_drugs)}), id="drug")],
        edges=[EdgeTable(("patient", "has_admission", "admission"), adm, source="pid", target="hadm"),
               EdgeTable(("admission", "diagnosed_with", "diagnosis"), dx, source="hadm", target="code"),
               EdgeTable(("diagnosis", "in_category", "diagnosis_category"), codes, source="code",
                         target="cat"),
               EdgeTable(("admission", "prescribed", "drug"), rx, source="hadm", target="drug")])
    graph = build_hetero_graph(schema, name="wide")
    return build_diagnosis_task(graph, patient_folds(n_units, 5, seed=0)[0])
