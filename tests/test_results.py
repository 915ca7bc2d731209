"""Results records: the keys every record carries, and valid JSON on disk."""
from __future__ import annotations

import json

import numpy as np
import torch
import pytest

import graphmed
from graphmed.models import make_model
from graphmed.results import environment, make_record, save_records
from graphmed.training import cross_validate

KEYS = {"dataset", "data_checksum", "protocol", "model", "config", "seeds", "metrics", "wall_time_s",
        "peak_rss_mb", "environment"}


@pytest.fixture(scope="module")
def record(fdataset):
    result = cross_validate(fdataset, "knn", protocol="B", seeds=[3], n_folds=3, progress=False)
    return make_record(fdataset, "knn", make_model("knn").config(), result), result


def test_record_keys(fdataset, record):
    record, result = record
    assert KEYS <= set(record)
    assert record["dataset"] == "fdataset" and record["data_checksum"] == fdataset.checksum
    assert len(record["data_checksum"]) == 64
    assert record["protocol"] == "B" and record["model"] == "knn"
    assert record["config"] == {"name": "knn", "k": 15, "drug_views": None, "disease_views": None}
    assert record["seeds"] == [3] and record["n_folds"] == 3
    assert set(record["metrics"]) == {"auroc", "aupr"}
    auroc = record["metrics"]["auroc"]
    assert auroc["fold_mean"] == pytest.approx(result.summary.metrics["auroc"].fold_mean)
    assert len(auroc["folds"]) == 3 and 0.5 < auroc["pooled_mean"] <= 1
    assert record["wall_time_s"] == round(result.wall_time_s, 3) and record["peak_rss_mb"] > 0
    assert len(record["fold_configs"]) == 3


def test_environment():
    env = environment()
    assert env["graphmed"] == graphmed.__version__
    for key in ("python", "numpy", "torch", "platform"):
        assert isinstance(env[key], str) and env[key]
    assert env["numpy"] == np.__version__
    assert isinstance(env["cpu"], str)
    assert isinstance(env["cpu_capability"], str) and env["cpu_capability"]   # e.g. "AVX2"
    if "git_commit" in env:  # a checkout: whether it has changes is said
        assert isinstance(env["git_dirty"], bool)
    assert ("gpu" in env) == torch.cuda.is_available()
    assert env["text_model_package"] and env["transformers"]  # which text weights embedded


def test_save_records_writes_valid_json(tmp_path, record):
    record, _ = record
    path = save_records(record, tmp_path / "out" / "r.json")
    loaded = json.loads(path.read_text())
    assert loaded == json.loads(json.dumps(record))
    assert loaded["environment"]["graphmed"] == graphmed.__version__
    both = save_records([record, {"extra": np.float32(0.5), "array": np.arange(2)}], tmp_path / "l.json")
    loaded = json.loads(both.read_text())
    assert len(loaded) == 2 and loaded[1] == {"extra": 0.5, "array": [0, 1]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.json", "out"]


def test_save_report_writes_json_then_markdown(tmp_path):
    from graphmed.results import save_report

    record = {"rows": {"knn": 0.87}}
    text = save_report(tmp_path / "bench.v2", record, lambda r: f"| knn | {r['rows']['knn']} |")
    assert text == "| knn | 0.87 |"
    assert json.loads((tmp_path / "bench.v2.json").read_text()) == record
    assert (tmp_path / "bench.v2.md").read_text() == text

    def broken(_):
        raise KeyError("a column")

    with pytest.raises(KeyError):
        save_report(tmp_path / "kept", record, broken)
    assert json.loads((tmp_path / "kept.json").read_text()) == record  # nothing measured is lost
    assert not (tmp_path / "kept.md").exists()
    save_report(tmp_path / "named.json", record, str)
    assert sorted(p.name for p in tmp_path.glob("named*")) == ["named.json", "named.md"]
