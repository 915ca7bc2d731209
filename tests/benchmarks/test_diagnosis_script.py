"""benchmarks/diagnosis.py: the lab-result and first-hours variants reach the graph the models
see, are recorded with the results, and are refused where they cannot apply."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("diagnosis")


def _run(script, tmp_path, capsys, *extra) -> dict:
    out = tmp_path / "run"
    assert script.main(["--datasets", "mimic4_demo", "--models", "logistic-bag-of-codes",
                        "--seeds", "1", "--folds", "2", "--no-text", "--no-indications",
                        "--out", str(out), *extra]) == 0
    capsys.readouterr()
    return json.loads(out.with_suffix(".json").read_text())


def test_labs_and_the_first_hours_reach_the_graph_and_the_record(script, data_root, tmp_path,
                                                                 capsys, monkeypatch):
    monkeypatch.setenv("GRAPHMED_DATA", str(data_root))
    plain = _run(script, tmp_path, capsys)
    early = _run(script, tmp_path, capsys, "--labs", "--first-hours", "24")
    assert early["config"]["labs"] is True and early["config"]["first_hours"] == 24.0
    assert plain["config"]["labs"] is False and plain["config"]["first_hours"] is None
    graphs = plain["datasets"]["mimic4_demo"]["graph"], early["datasets"]["mimic4_demo"]["graph"]
    assert "lab" not in graphs[0]["nodes"] and graphs[1]["nodes"]["lab"] == 270
    prescribed = "admission-prescribed->drug"
    assert graphs[0]["edges"][prescribed] == 7782 and graphs[1]["edges"][prescribed] == 4897
    text = (tmp_path / "run.md").read_text()
    assert "with abnormal lab results; codes of the first 24 hours" in text
    assert "only the codes recorded within 24 hours of its start" in text


def test_variants_that_cannot_apply_are_refused_before_running(script, capsys):
    for args, message in ((["--first-hours", "24", "--datasets", "synthea_111"],
                           "the units of synthea_111 are patients"),
                          (["--first-hours", "-3", "--datasets", "mimic4_demo"],
                           "must be a finite number of hours >= 0")):
        with pytest.raises(SystemExit):
            script.main(args)
        assert message in capsys.readouterr().err


def _results(models: dict, env: str, **config) -> dict:
    settings = {"seeds": [0], "folds": 5, "val_fraction": 0.2, "min_count": 5,
                "threshold_mode": "validation", "threads": 1, "device": "cpu",
                "models": list(models), "text_features": True, "indications": False,
                "labs": False, "first_hours": None, **config}
    return {"config": settings, "environment": {"git_commit": env}, "created": env,
            "datasets": {"mimic4_demo": {"checksums": {"hosp/admissions": "a"},
                                         "models": {m: {"seconds": s} for m, s in models.items()}}}}


def test_an_update_keeps_where_each_row_ran_and_refuses_other_settings_or_files(script):
    old = _results({"label-prior": 1.0, "logistic-bag-of-codes": 2.0}, "old")
    new = _results({"logistic-bag-of-codes": 3.0}, "new", threads=2)
    merged = script.merge(old, new)
    rows = merged["datasets"]["mimic4_demo"]["models"]
    assert rows["label-prior"]["environment"] == {"git_commit": "old"}
    assert rows["logistic-bag-of-codes"] == {"seconds": 3.0, "environment": {"git_commit": "new"}}
    assert merged["wall_time_s"] == 4.0 and merged["environment"] == {"git_commit": "new"}
    with pytest.raises(SystemExit, match="needs the min_count setting of the results it updates"):
        script.merge(old, _results({"label-prior": 1.0}, "new", min_count=3))
    other_files = _results({"label-prior": 1.0}, "new")
    other_files["datasets"]["mimic4_demo"]["checksums"]["hosp/admissions"] = "b"
    with pytest.raises(SystemExit, match="mimic4_demo's hosp/admissions differ from the files"):
        script.merge(old, other_files)
