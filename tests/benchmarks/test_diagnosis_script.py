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
