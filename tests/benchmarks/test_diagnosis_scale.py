"""benchmarks/diagnosis_scale.py: every copy of a patient stays on its original's side of
the split, and one copy gives the diagnosis benchmark's own fold."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.ehr.mimic import mimic4_from_tables, read_mimic4_tables
from graphmed.ehr.replicate import id_offsets, replicate_tables
from graphmed.tasks.diagnosis import patient_folds


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("diagnosis_scale")


def test_copies_follow_their_original(script):
    tables, _ = read_mimic4_tables()
    one = mimic4_from_tables(tables).build()
    fold = script.copied_fold(one, tables, seed=1)
    expected = patient_folds(one.num_nodes("patient"), 5, seed=1)[0]
    for part in ("train", "val", "test"):
        assert np.array_equal(getattr(fold, part), getattr(expected, part))

    three = mimic4_from_tables(replicate_tables(tables, 3)).build()
    fold = script.copied_fold(three, tables, seed=1)
    ids = three.nodes["patient"]["id"].astype(np.int64).to_numpy()
    step = id_offsets(tables)["subject_id"]
    original = {part: set(ids[getattr(fold, part)] % step) for part in ("train", "val", "test")}
    sizes = {part: getattr(fold, part).size for part in ("train", "val", "test")}
    assert sum(sizes.values()) == three.num_nodes("patient") == 300
    assert not (original["test"] & original["train"]) and not (original["test"] & original["val"])
    assert sizes["test"] == 3 * expected.test.size          # all three copies of each


def test_a_row_records_its_settings_and_the_record_the_files_as_diagnosis_does(script,
                                                                           benchmark_script,
                                                                           data_root,
                                                                           monkeypatch):
    import graphmed.ehr
    import graphmed.ehr.indications
    from graphmed.ehr import load_mimic4
    from graphmed.models.diagnosis import make_diagnosis_model

    monkeypatch.setenv("GRAPHMED_DATA", str(data_root))
    # no text features and no indications: the graph options are not what is tested here
    monkeypatch.setattr(graphmed.ehr, "add_text_features", lambda graph: graph)
    monkeypatch.setattr(graphmed.ehr.indications, "add_indication_categories", lambda g, i: g)
    row = script.run_one(1, "logistic-bag-of-codes", 0, None)
    expected = make_diagnosis_model("logistic-bag-of-codes").config()
    assert row["config"].keys() == expected.keys() and row["config"]["cs"] == expected["cs"]
    files = script.checksums(str(data_root))  # what the record holds, as diagnosis.py has it
    assert {k: v for k, v in files.items() if k != "indications"} == \
        benchmark_script("diagnosis").checksums(load_mimic4(unit="admission"))
    assert len(files["indications"]) == 64


class _Inline:
    """A ProcessPoolExecutor that runs in this process."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        from concurrent.futures import Future

        future = Future()
        future.set_result(fn(*args))
        return future


def test_the_record_holds_the_files_once_and_every_row_its_settings(script, monkeypatch,
                                                                    tmp_path, capsys):
    import json

    def fake_run_one(replicas, model_name, seed, data_root, device="cpu"):
        return {"replicas": replicas, "model": model_name, "seed": seed, "device": device,
                "patients": 100 * replicas, "admissions": 275 * replicas, "units": {},
                "graph_s": 0.1, "fold_s": 0.1, "peak_rss_gb": 0.1, "macro_auroc": 0.5,
                "config": {"model": model_name}}

    monkeypatch.setattr(script, "ProcessPoolExecutor", _Inline)
    monkeypatch.setattr(script, "checksums", lambda data_root: {"hosp/patients": "p"})
    monkeypatch.setattr(script, "run_one", fake_run_one)
    out = tmp_path / "scale"
    assert script.main(["--replicas", "1", "2", "--models", "label-prior", "--out",
                        str(out)]) == 0
    capsys.readouterr()
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["checksums"] == {"hosp/patients": "p"} and record["seed"] == 0
    assert [r["config"] for r in record["rows"]] == [{"model": "label-prior"}] * 2
    assert not any("checksums" in r for r in record["rows"])  # the files once, for all rows
