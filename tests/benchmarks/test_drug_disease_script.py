"""benchmarks/drug_disease.py: --combine merges the records of parallel runs and refuses a
(dataset, protocol, model) cell found twice."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("drug_disease")


def _records(*cells: tuple[str, str, str]) -> list[dict]:
    metric = {"pooled_mean": 0.9, "pooled_std": 0.0, "fold_mean": 0.9, "fold_std": 0.01}
    return [{"dataset": d, "protocol": p, "model": m, "seeds": [0], "n_folds": 10,
             "metrics": {"auroc": metric, "aupr": metric}, "wall_time_s": 1.0,
             "peak_rss_mb": 1.0} for d, p, m in cells]


def _write(tmp_path, name: str, records: list[dict]) -> str:
    (tmp_path / name).write_text(json.dumps(records))
    return str(tmp_path / name)


def test_combine_merges_distinct_cells_and_refuses_a_cell_found_twice(script, tmp_path, capsys):
    a = _write(tmp_path, "a.json", _records(("fdataset", "A", "gnn"), ("fdataset", "A", "knn")))
    b = _write(tmp_path, "b.json", _records(("fdataset", "B", "gnn"), ("cdataset", "A", "gnn")))
    assert script.main(["--combine", a, b, "--out", str(tmp_path), "--name", "both"]) == 0
    capsys.readouterr()
    assert len(json.loads((tmp_path / "both.json").read_text())) == 4
    c = _write(tmp_path, "c.json", _records(("cdataset", "B", "gnn"), ("fdataset", "A", "knn")))
    with pytest.raises(SystemExit, match="dataset fdataset, protocol A, model knn is in more "
                                         "than one record"):
        script.main(["--combine", a, c, "--out", str(tmp_path), "--name", "refused"])
    assert not (tmp_path / "refused.json").exists()
