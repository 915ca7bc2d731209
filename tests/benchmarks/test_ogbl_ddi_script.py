"""benchmarks/ogbl_ddi.py: a run stopped part-way continues from its checkpoint, and a
finished run is read back instead of trained again."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from graphmed.evaluation.metrics import hits_at_k


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("ogbl_ddi")


def _tiny_ddi(n=40):
    gen = torch.Generator().manual_seed(0)
    edges = torch.triu(torch.rand(n, n, generator=gen) < 0.2, diagonal=1).nonzero()
    perm = torch.randperm(len(edges), generator=gen)
    k = len(edges) // 10
    neg = torch.randint(0, n, (2 * k, 2), generator=gen)
    split = {"train": {"edge": edges[perm[2 * k:]]},
             "valid": {"edge": edges[perm[:k]], "edge_neg": neg[:k]},
             "test": {"edge": edges[perm[k:2 * k]], "edge_neg": neg[k:]}}
    return SimpleNamespace(split_edge=split, num_nodes=n, checksum="tiny")


def _evaluate(stop_after=None):
    calls = []

    def evaluate(pos, neg):
        calls.append(1)
        if stop_after is not None and len(calls) > stop_after:
            raise KeyboardInterrupt  # as when the process is stopped
        return {f"hits@{k}": hits_at_k(pos, neg, k) for k in (10, 20, 30)}
    return evaluate


def test_stopped_runs_continue_and_finished_ones_are_read(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(script.DDI_RECIPES, "gcn", {**script.DDI_RECIPES["gcn"], "embedding_dim": 8,
                                                    "hidden": 8, "batch_size": 200})
    args = SimpleNamespace(caps={}, epochs=4, eval_every=1, checkpoint_dir=tmp_path / "runs")
    ddi, cpu = _tiny_ddi(), torch.device("cpu")
    with pytest.raises(KeyboardInterrupt):  # stopped while evaluating epoch 3
        script.run_one(ddi, "gcn", 1, args, cpu, _evaluate(stop_after=4), 1.0)
    assert (tmp_path / "runs" / "gcn-seed1.npz").exists()
    assert not (tmp_path / "runs" / "gcn-seed1.json").exists()
    status = script.checkpoint_status(tmp_path / "runs")
    assert len(status) == 1 and status[0].startswith("gcn-seed1: epoch 2 of 4; best valid Hits@20 ")
    record = script.run_one(ddi, "gcn", 1, args, cpu, _evaluate(), 1.0)
    assert record["resumed_at"] == [2] and record["epochs_run"] == 4
    assert [h["epoch"] for h in record["history"]] == [1, 2, 3, 4]
    uninterrupted = script.run_one(ddi, "gcn", 1, SimpleNamespace(**{**vars(args), "checkpoint_dir": None}),
                                   cpu, _evaluate(), 1.0)
    assert uninterrupted["history"] == record["history"] and uninterrupted["resumed_at"] == []

    assert script.checkpoint_status(tmp_path / "runs")[0].startswith("gcn-seed1: finished; ")
    assert "in 2 part(s)" in script.checkpoint_status(tmp_path / "runs")[0]
    assert script.checkpoint_status(tmp_path) == [f"no checkpoint in {tmp_path}"]
    capsys.readouterr()
    again = script.run_one(ddi, "gcn", 1, args, cpu, _evaluate(stop_after=0), 1.0)  # no training
    assert "finished earlier, record read from" in capsys.readouterr().out
    assert again == json.loads(json.dumps(record))
    with pytest.raises(SystemExit, match="holds a run with other settings or data"):
        script.run_one(ddi, "gcn", 1, SimpleNamespace(**{**vars(args), "epochs": 5}), cpu,
                       _evaluate(), 1.0)
    other_data = SimpleNamespace(**{**vars(ddi), "checksum": "other"})
    with pytest.raises(SystemExit, match="holds a run with other settings or data"):
        script.run_one(other_data, "gcn", 1, args, cpu, _evaluate(), 1.0)


def test_seeds_run_apart_are_read_into_one_result(script, tmp_path, monkeypatch):
    """--only-seeds trains one seed per process; a later run with --seeds and the same
    --checkpoint-dir reads their records instead of training again."""
    monkeypatch.setitem(script.DDI_RECIPES, "gcn", {**script.DDI_RECIPES["gcn"], "embedding_dim": 8,
                                                    "hidden": 8, "batch_size": 200})
    ddi = _tiny_ddi()
    ddi.name, ddi.checksum = "tiny", "0" * 64
    monkeypatch.setattr(script, "load_ogbl_ddi", lambda root: ddi)
    monkeypatch.setattr(script, "copy_bandwidth", lambda device: 1.0)
    common = ["--models", "gcn", "--epochs", "2", "--eval-every", "1", "--threads", "1",
              "--checkpoint-dir", str(tmp_path / "runs")]
    for seed in (1, 0):
        assert script.main(common + ["--only-seeds", str(seed), "--out", str(tmp_path / f"s{seed}")]) == 0
        part = json.loads((tmp_path / f"s{seed}" / "ogbl_ddi.json").read_text())
        assert part["model_seeds"]["gcn"] == [seed] and [r["seed"] for r in part["records"]] == [seed]
    monkeypatch.setattr(script, "fit_link_model", lambda *a, **k: pytest.fail("trained again"))
    assert script.main(common + ["--seeds", "2", "--out", str(tmp_path / "all")]) == 0
    whole = json.loads((tmp_path / "all" / "ogbl_ddi.json").read_text())
    assert whole["model_seeds"]["gcn"] == [0, 1] and whole["summary"]["gcn"]["n_seeds"] == 2
    assert [r["seed"] for r in whole["records"]] == [0, 1]
    with pytest.raises(SystemExit):
        script.main(common + ["--only-seeds", "-1"])


def _results_file(path, models, checksum="c", source="run"):
    path.write_text(json.dumps({
        "data_checksum": checksum, "models": models, "argv": [source], "created": source,
        "device_name": source, "threads": 1, "environment": {"git_commit": source},
        "records": [{"model": m, "source": source} for m in models],
        "model_seeds": {m: [0] for m in models}, "settings": {m: {} for m in models},
        "epochs": {m: 1 for m in models}, "recipe_epochs": {m: 1 for m in models}}))
    return path


def test_merge_takes_the_named_models_of_a_file(script, tmp_path):
    gpu = _results_file(tmp_path / "gpu.json", ["gcn", "sage", "graphmed"], source="gpu")
    cpu = _results_file(tmp_path / "cpu.json", ["graphmed", "gcn"], source="cpu")
    result = {"data_checksum": "c", "models": ["spectral"], "records": [], "model_seeds": {},
              "settings": {}, "epochs": {}, "recipe_epochs": {}}
    for value in (f"{gpu}=gcn,sage", str(cpu)):
        script.merge_earlier(result, *script.parse_merge(value))
    assert result["models"] == ["graphmed", "gcn", "sage", "spectral"]
    assert {r["model"]: r["source"] for r in result["records"]} == \
        {"gcn": "gpu", "sage": "gpu", "graphmed": "cpu"}
    assert [m["models"] for m in result["merged_from"]] == [["gcn", "sage"], ["graphmed"]]
    with pytest.raises(SystemExit, match="no model spectral in it"):
        script.merge_earlier(result, *script.parse_merge(f"{gpu}=spectral"))
    with pytest.raises(SystemExit, match="data checksum"):
        script.merge_earlier({**result, "data_checksum": "other"}, gpu)
    assert script.parse_merge("results/ogbl_ddi.json") == (tmp_path.__class__("results/ogbl_ddi.json"), None)
    assert script.parse_merge("runs/seed=0/ogbl_ddi.json")[1] is None  # '=' inside a path
    odd = tmp_path / "a=b"
    odd.write_text("{}")
    assert script.parse_merge(str(odd)) == (odd, None)  # an existing file is a file
