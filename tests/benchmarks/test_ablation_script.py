"""benchmarks/ablation.py: every variant records the GNN's full settings and every fold the
fitted ensemble's and its seed; --combine refuses files of other data, seeds, protocol or
folds and keeps where each row ran."""
from __future__ import annotations

import json

import pytest

from graphmed.models import GNNLinkPredictor
from graphmed.splits import make_folds


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("ablation")


def test_a_variant_records_its_full_config_and_each_folds_seed(script, fdataset, fit_fold_seeds):
    seeds = fit_fold_seeds(script)
    folds = make_folds("A", fdataset.associations, seed=0)[2:3]
    out = script.run_variant(fdataset, folds, {"epochs": 1, "hidden": 8, "encoder": "gcn"}, None)
    assert out["config"] == GNNLinkPredictor(epochs=1, hidden=8, encoder="gcn").config()
    assert out["config"]["layers"] == 2 and out["config"]["dropout"] == 0.4  # defaults too
    (row,) = out["folds"]
    assert row["model_seed"] == seeds[0] == 2 and script.MODEL_SEED == "fold index"
    gnn, kronrls = row["config"]["members"]
    assert gnn["encoder"] == "gcn" and gnn["best_epoch"] is not None
    assert kronrls["name"] == "kronrls" and len(row["config"]["weights"]) == 2
    assert "model_seed" not in out and out["seconds"] == row["seconds"]


def _record(variants: list[str], env: str, **changes) -> dict:
    return {"benchmark": "ablation", "dataset": "fdataset", "protocol": "A", "seed": 0,
            "model_seed": "fold index", "folds": 3, "data_checksum": "abc",
            "results": {v: {"description": v, "gnn_auroc": 0.9, "gnn_aupr": 0.5,
                            "ens_auroc": 0.9, "ens_aupr": 0.5, "gnn_weight": 0.5,
                            "seconds": 1.0} for v in variants},
            "environment": {"git_commit": env}, **changes}


def _write(tmp_path, name: str, record: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return str(path)


def test_combine_keeps_each_files_environment(script, tmp_path, capsys):
    a = _write(tmp_path, "a.json", _record(["views=chemical"], "one"))
    b = _write(tmp_path, "b.json", _record(["default"], "two"))
    assert script.main(["--combine", a, b, "--out", str(tmp_path), "--name", "both"]) == 0
    capsys.readouterr()
    merged = json.loads((tmp_path / "both.json").read_text())
    assert list(merged["results"]) == ["default", "views=chemical"]  # in VARIANTS order
    assert merged["results"]["default"]["environment"] == {"git_commit": "two"}
    assert merged["results"]["views=chemical"]["environment"] == {"git_commit": "one"}
    assert merged["environments"] == [{"git_commit": "one"}, {"git_commit": "two"}]
    assert "environment" not in merged
    again = script.combine([merged, _record(["residual=none"], "three")])
    assert again["results"]["default"]["environment"] == {"git_commit": "two"}
    assert [e["git_commit"] for e in again["environments"]] == ["one", "two", "three"]


@pytest.mark.parametrize("change", [{"data_checksum": "other"}, {"seed": 1}, {"protocol": "B"},
                                    {"folds": 5}, {"dataset": "cdataset"}])
def test_combine_refuses_files_of_other_data_seeds_protocol_or_folds(script, tmp_path, change):
    a = _write(tmp_path, "a.json", _record(["default"], "one"))
    b = _write(tmp_path, "b.json", _record(["encoder=gcn"], "two", **change))
    with pytest.raises(SystemExit, match=f"the files differ in {next(iter(change))}"):
        script.main(["--combine", a, b, "--out", str(tmp_path)])
    assert not (tmp_path / "ablation_fdataset.json").exists()


def test_combine_refuses_a_variant_found_in_two_files(script, tmp_path):
    a = _write(tmp_path, "a.json", _record(["default", "views=chemical"], "one"))
    b = _write(tmp_path, "b.json", _record(["views=chemical"], "two"))
    with pytest.raises(SystemExit, match="variant.s. views=chemical found in more than one file"):
        script.main(["--combine", a, b, "--out", str(tmp_path)])
    assert not (tmp_path / "ablation_fdataset.json").exists()
