"""benchmarks/modalities.py: every row records each fold's fitted model settings; --combine
refuses files of other data, seeds, protocol or folds and keeps where each row ran."""
from __future__ import annotations

import functools
import json

import pytest

from graphmed.training import cross_validate


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("modalities")


def test_a_row_records_every_folds_fitted_settings(script, fdataset, monkeypatch):
    monkeypatch.setattr(script, "cross_validate", functools.partial(cross_validate, n_folds=2))
    row = script.run(fdataset, "kronrls+text view", "new-disease", [3])
    assert row["n_folds"] == 2 and len(row["fold_configs"]) == 2
    assert [(c["seed"], c["fold"]) for c in row["fold_configs"]] == [(3, 0), (3, 1)]
    assert all(c["name"] == "kronrls" and c["text_views"] == ["disease"]
               and c["best_lambda"] is not None for c in row["fold_configs"])
    assert script.MODEL_SEED == "seed * 1000 + fold index"


def _record(rows: dict, env: str, **changes) -> dict:
    row = {"description": "d", "metrics": {}, "modality_weights": None, "n_folds": 10,
           "ensemble_weights": None, "seconds_per_fold": 1.0, "peak_rss_mb": 1.0}
    return {"benchmark": "modalities", "protocol": "new-disease", "seeds": [0],
            "model_seed": "seed * 1000 + fold index",
            "results": {d: {v: dict(row) for v in vs} for d, vs in rows.items()},
            "data_checksums": {d: f"sum-{d}" for d in rows},
            "environment": {"git_commit": env}, **changes}


def test_combine_keeps_each_files_environment(script):
    merged = script.combine([_record({"fdataset": ["gnn"]}, "one"),
                             _record({"fdataset": ["kronrls"], "cdataset": ["gnn"]}, "two")])
    assert list(merged["results"]["fdataset"]) == ["kronrls", "gnn"]  # in VARIANTS order
    assert merged["results"]["fdataset"]["gnn"]["environment"] == {"git_commit": "one"}
    assert merged["results"]["cdataset"]["gnn"]["environment"] == {"git_commit": "two"}
    assert merged["data_checksums"] == {"fdataset": "sum-fdataset", "cdataset": "sum-cdataset"}
    assert merged["environments"] == [{"git_commit": "one"}, {"git_commit": "two"}]
    assert "environment" not in merged


@pytest.mark.parametrize("what, change", [
    ("seeds", {"seeds": [0, 1]}), ("protocol", {"protocol": "A"}),
    ("the checksum of fdataset", {"data_checksums": {"fdataset": "edited"}})])
def test_combine_refuses_files_of_other_data_seeds_or_protocol(script, tmp_path, what, change):
    paths = []
    for k, record in enumerate((_record({"fdataset": ["gnn"]}, "one"),
                                _record({"fdataset": ["kronrls"]}, "two", **change))):
        paths.append(tmp_path / f"{k}.json")
        paths[-1].write_text(json.dumps(record))
    with pytest.raises(SystemExit, match=f"the files differ in {what}"):
        script.main(["--combine", *map(str, paths), "--out", str(tmp_path)])
    assert not (tmp_path / "modalities.json").exists()


def test_combine_refuses_rows_of_other_folds(script):
    other = _record({"fdataset": ["kronrls"]}, "two")
    other["results"]["fdataset"]["kronrls"]["n_folds"] = 5
    with pytest.raises(SystemExit, match=r"differ in folds \(\[5, 10\]\)"):
        script.combine([_record({"fdataset": ["gnn"]}, "one"), other])


def test_combine_refuses_a_row_found_in_two_files(script):
    with pytest.raises(SystemExit, match="row.s. fdataset/gnn found in more than one file"):
        script.combine([_record({"fdataset": ["gnn", "kronrls"]}, "one"),
                        _record({"fdataset": ["gnn"], "cdataset": ["gnn"]}, "two")])
