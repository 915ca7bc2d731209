"""benchmarks/oversmoothing_fdataset.py: every fold row records the model's full settings and
the seed it was fitted with."""
from __future__ import annotations

import pytest

from graphmed.splits import make_folds


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("oversmoothing_fdataset")


def test_fold_rows_record_the_full_settings_and_the_model_seed(script, fdataset, fit_fold_seeds):
    seeds = fit_fold_seeds(script)
    folds = make_folds("A", fdataset.associations, seed=0)[1:2]
    out = script.run(fdataset, folds, "initial", 2, epochs=1, hidden=8)
    assert out["settings"] == script.STACKS["initial"]
    (row,) = out["folds"]
    assert row["model_seed"] == seeds[0] == folds[0].index == 1
    assert script.MODEL_SEED == "fold index"
    config = row["config"]
    assert (config["layers"], config["hidden"], config["residual"]) == (2, 8, "initial")
    assert config["layer_attention"] is False and config["fit"]["epochs"] == 1
    assert config["best_epoch"] is not None
