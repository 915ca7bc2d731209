"""benchmarks/diagnosis_validation.py: its schemes score validation patients only, never
a test patient, and never show a model the labels of the patients it is scored on."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from graphmed.models.diagnosis import LabelPrior
from graphmed.tasks.diagnosis import patient_folds

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


toy_graph = _load("diagnosis_toy_graph", ROOT / "tests" / "tasks" / "test_diagnosis.py").toy_graph


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("diagnosis_validation")


class Recorder(LabelPrior):
    """The label prior, remembering the patients of every task it is fitted on."""

    tasks: list = []

    def fit(self, task, *, seed=0):
        Recorder.tasks.append(task)
        return super().fit(task, seed=seed)


def _patients(task, units):
    return set(task.unit_patient[units].tolist())


@pytest.mark.parametrize("scheme", ["carve", "halves"])
def test_schemes_score_validation_patients_the_model_never_learned_from(script, monkeypatch,
                                                                         scheme):
    graph = toy_graph(n_patients=25)
    Recorder.tasks = []
    monkeypatch.setattr(script, "make_diagnosis_model", lambda name, **kw: Recorder())
    if scheme == "carve":
        scores = script.carve_scores(graph, "label-prior", {}, [0], [0, 1, 2, 3, 4])
        assert len(scores) == 5
    else:
        script.half_split_scores(graph, "label-prior", {}, [0], [0, 1, 2, 3, 4])
    folds = patient_folds(25, 5, seed=0)
    assert len(Recorder.tasks) == (5 if scheme == "carve" else 10)
    for k, task in enumerate(Recorder.tasks):
        fold = folds[k if scheme == "carve" else k // 2]
        seen = _patients(task, task.train_units) | _patients(task, task.val_units)
        # no test patient is seen or scored; validation patients are held out of what is seen
        assert not seen & set(fold.test.tolist())
        assert _patients(task, task.test_units) >= set(fold.test.tolist())
        if scheme == "carve":
            assert not seen & set(fold.val.tolist())
            assert _patients(task, task.val_units) <= set(fold.train.tolist())
            assert len(task.fold.val) == len(fold.val)
            assert np.array_equal(np.sort(np.concatenate([task.fold.train, task.fold.val])),
                                  np.sort(fold.train))


class _Loaded:
    def __init__(self, graph):
        self.graph = graph

    def build(self):
        return self.graph


@pytest.mark.parametrize("scheme", ["carve", "halves"])
def test_out_writes_the_printed_scores_with_what_produced_them(script, monkeypatch, tmp_path,
                                                               capsys, scheme):
    import json

    graph = toy_graph(n_patients=25)
    monkeypatch.setitem(script.LOADERS, "mimic4", lambda labs: _Loaded(graph))
    out = tmp_path / "scores.json"
    assert script.main(["mimic4", "logistic-bag-of-codes", "--kw", '{"max_iter": 50}',
                        "--seeds", "0", "1", "--folds", "0", "2", "--scheme", scheme,
                        "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    record = json.loads(out.read_text())
    assert (record["model"], record["settings"], record["scheme"]) == (
        "logistic-bag-of-codes", {"max_iter": 50}, scheme)
    assert record["config"]["max_iter"] == 50 and record["config"]["cs"]
    assert (record["seeds"], record["folds"]) == ([0, 1], [0, 2])
    assert (record["text_features"], record["indications"], record["labs"]) == (False,) * 3
    assert record["graph_checksum"] == graph.checksum and record["environment"]["graphmed"]
    scores = record["scores"]
    if scheme == "carve":
        assert len(scores["per_fold"]) == 4 and f"carve {scores['carve']:.4f}" in printed
    else:
        assert f"halves {scores['halves']:.4f} pooled {scores['pooled']:.4f}" in printed


def test_out_is_checked_before_any_work(script, monkeypatch, tmp_path):
    from graphmed.errors import OutputPathError

    monkeypatch.setitem(script.LOADERS, "mimic4", lambda labs: pytest.fail("loaded the data"))
    with pytest.raises(OutputPathError):
        script.main(["mimic4", "label-prior", "--out", str(tmp_path)])  # a folder
