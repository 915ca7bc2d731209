"""benchmarks/new_drug.py: every row records each fold's fitted model settings."""
from __future__ import annotations

import functools

import pytest

from graphmed.training import cross_validate


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("new_drug")


def test_a_row_records_each_folds_fitted_settings(script, fdataset, data_root, monkeypatch):
    # no SMILES Transformer and no text model: the drugs' structure view stands in for both
    monkeypatch.setattr(script, "new_drug_views", lambda d: d)
    monkeypatch.setattr(script, "with_text_similarity", lambda d, kinds: d)
    monkeypatch.setattr(script, "smiles_lm_similarity",
                        lambda d, model: d.drug_similarities["chemical"])
    monkeypatch.setattr(script, "ROWS", {k: script.ROWS[k] for k in list(script.ROWS)[:2]})
    monkeypatch.setattr(script, "cross_validate", functools.partial(cross_validate, n_folds=2))
    out = script.run("fdataset", str(data_root), [1], None)
    assert out["data_checksum"] == fdataset.checksum
    kronrls, knn = out["rows"].values()
    assert [(c["seed"], c["fold"]) for c in kronrls["fold_configs"]] == [(1, 0), (1, 1)]
    assert {c["name"] for c in kronrls["fold_configs"]} == {"kronrls"}
    assert {c["name"] for c in knn["fold_configs"]} == {"knn"} and knn["drug_views"] == "structure"
    assert all(c["best_lambda"] is not None for c in kronrls["fold_configs"])
