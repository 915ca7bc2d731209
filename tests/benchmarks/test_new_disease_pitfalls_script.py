"""benchmarks/new_disease_pitfalls.py: every row records each fold's fitted model settings and
the seed it was fitted with."""
from __future__ import annotations

import functools

import pytest

from graphmed.splits import make_folds


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("new_disease_pitfalls")


def test_a_row_records_each_folds_settings_and_model_seed(script, fdataset,
                                                          monkeypatch, fit_fold_seeds):
    seeds = fit_fold_seeds(script)
    monkeypatch.setattr(script, "make_folds", functools.partial(make_folds, n_folds=2))
    row = script.run(fdataset, "kronrls, GIP from all labels", [0, 4])
    configs = row["fold_configs"]
    assert [(c["seed"], c["fold"], c["model_seed"]) for c in configs] == [
        (0, 0, 0), (0, 1, 1), (4, 0, 4000), (4, 1, 4001)]
    assert [c["model_seed"] for c in configs] == seeds
    assert script.MODEL_SEED == "seed * 1000 + fold index"
    assert all(c["name"] == "kronrls-gip-all-labels" and c["use_gip"] is False
               and c["best_lambda"] is not None for c in configs)
