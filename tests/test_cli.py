"""Command line, called in-process: datasets, benchmark, one-line errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import graphmed
from graphmed.cli import main
from graphmed.datasets import list_datasets, load_dataset
from graphmed.ehr import HashingTextEncoder


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("GRAPHMED_OFFLINE", "1")


def test_datasets_found(data_root, capsys):
    assert main(["datasets", "--data-root", str(data_root)]) == 0
    out = capsys.readouterr().out
    assert f"data root: {data_root}" in out
    for name in list_datasets():
        assert f"  {name} " in out
    status = [line.strip().split()[0] for line in out.splitlines()[2::2]]
    assert status == ["found"] * (len(list_datasets()) + 5)  # ogbl-ddi, EHR, indications
    assert "  ogbl-ddi     OGB drug-drug interactions" in out
    for name in ("mimic4_demo", "mimic3_demo", "synthea_111", "indications"):
        assert f"  {name} " in out
    assert out.splitlines()[-1].startswith("your own associations: give the path of a .csv")


def test_datasets_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRAPHMED_DATA", str(tmp_path))
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert f"data root: {tmp_path}" in out
    status = [line.strip().split()[0] for line in out.splitlines()[2::2]]
    assert status == ["missing"] * (len(list_datasets()) + 5)
    assert "fdataset/Fdataset.mat" in out and "ogbl_ddi/mapping/nodeidx2drugid.csv.gz" in out
    mimic4 = out.split("  mimic4_demo ")[1].splitlines()[1]  # the line of its missing files
    assert "mimic4_demo/hosp/patients.csv.gz" in mimic4 and "labevents" not in mimic4
    assert list(tmp_path.iterdir()) == []  # listing downloads nothing


def test_benchmark_writes_results(data_root, tmp_path, capsys):
    out_file = tmp_path / "x.json"
    code = main(["benchmark", "fdataset", "--model", "knn", "--seeds", "1", "--folds", "3",
                 "--out", str(out_file), "--data-root", str(data_root), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr()
    assert "fdataset, protocol A, model knn, seeds [0]" in printed.out
    assert "| auroc |" in printed.out and f"results written to {out_file}" in printed.out
    assert "| metric | pooled (1 seed) | folds (3 runs) |" in printed.out
    # the published numbers of the same data set and protocol, with their sources
    assert "published (as reported, not rerun here" in printed.out
    assert "0.952 / 0.588  AdaDR (best published)  [AdaDR (Bioinformatics 2024), Table 2]" in printed.out
    assert "0.966 / 0.671" not in printed.out  # Cdataset's
    assert "(this run: 3-fold cross-validation, each fold holding out 1/3 of the pairs; not " \
           "comparable with the published 10-fold numbers)" in printed.out
    record = json.loads(out_file.read_text())
    assert record["dataset"] == "fdataset" and record["protocol"] == "A" and record["model"] == "knn"
    assert record["seeds"] == [0] and record["n_folds"] == 3
    assert 0.8 < record["metrics"]["auroc"]["fold_mean"] < 1
    assert len(record["metrics"]["aupr"]["folds"]) == 3
    assert record["environment"]["graphmed"] == graphmed.__version__
    assert record["threads"] == 1


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("graphmed: error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_unknown_dataset(data_root, capsys):
    assert main(["benchmark", "nodataset", "--data-root", str(data_root), "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert "unknown dataset 'nodataset'" in err and "fdataset" in err


@pytest.mark.parametrize("command", [
    ["benchmark", "ogbl-ddi"],
    ["repurpose", "--dataset", "ogbl_ddi", "--drug", "simvastatin"],
    ["repurpose", "--dataset", "fdataset", "--disease", "x", "--confirm-with", "ogbl-ddi"],
    ["repurpose", "--dataset", "OGBL-DDI", "--new-disease", "asthma"],
])
def test_the_interaction_graph_is_not_taken_for_drug_disease_data(command, tmp_path, capsys,
                                                                  monkeypatch):
    import graphmed.datasets

    monkeypatch.setattr(graphmed.datasets, "load_dataset", None)  # refused before any read
    assert main([*command, "--data-root", str(tmp_path), "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert "is a graph of drug-drug interactions, not drug-disease data" in err
    assert "graphmed interactions --drug NAME" in err


def test_unknown_model(data_root, capsys):
    assert main(["benchmark", "fdataset", "--model", "gcn9", "--data-root", str(data_root)]) == 2
    assert "unknown model 'gcn9'" in _one_line_error(capsys)


def test_missing_data_root(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["benchmark", "fdataset", "--data-root", str(missing), "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert "GRAPHMED_DATA" in err and str(missing) in err and "Fdataset.mat" in err


def test_default_data_root_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GRAPHMED_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["benchmark", "cdataset", "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert "GRAPHMED_DATA" in err and str(tmp_path / "graphmed") in err


@pytest.mark.parametrize("argv", [
    ["benchmark", "fdataset", "--seeds", "0"],
    ["benchmark", "fdataset", "--folds", "1"],
    ["benchmark", "fdataset", "--seed", "-1"],
    ["benchmark", "fdataset", "--protocol", "C"],
    ["pretrain-smiles", "out", "--epochs", "0"],
    ["pretrain-smiles", "out", "--hidden", "-4"],
    ["pretrain-smiles", "out", "--seed", "-5"],
    ["pretrain-smiles", "out", "--max-molecules", "0"],
    ["nocommand"],
    [],
])
def test_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"graphmed {graphmed.__version__}"


def test_pretrain_smiles_tiny(tmp_path, capsys, data_root):
    pytest.importorskip("transformers")
    from graphmed.cli import main

    corpus = tmp_path / "corpus.smi"
    corpus.write_text("\n".join(["CCO", "c1ccccc1", "CC(=O)O", "CCN", "CCCl", "OCC(O)CO"] * 5))
    code = main(["pretrain-smiles", str(tmp_path / "lm"), "--corpus", str(corpus), "--hidden", "16",
                 "--layers", "1", "--max-molecules", "30", "--seed", "1", "--no-progress",
                 "--data-root", str(data_root), "--threads", "1", "--datasets"])
    assert code == 0
    assert "seed 1" in capsys.readouterr().out
    assert (tmp_path / "lm" / "config.json").is_file()


def _repurpose(data_root, *args):
    return main(["repurpose", "--dataset", "fdataset", "--data-root", str(data_root), "--no-progress",
                 *args])


def test_repurpose_explain_and_table(data_root, tmp_path, capsys):
    out_file, plot = tmp_path / "candidates.csv", tmp_path / "paths.png"
    code = _repurpose(data_root, "--disease", "alzheimer disease", "--model", "kronrls", "--seed", "3",
                      "--top", "7", "--explain", "2", "--paths", "4", "--out", str(out_file),
                      "--plot", str(plot))
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("fdataset: drug candidates for disease Alzheimer Disease; Ad (D104300); "
                          "model kronrls, seed 3, fitted on all 1933 known pairs; known pairs excluded")
    assert out.count(" for Alzheimer Disease; Ad (D104300): not a known association") == 2
    assert "-[treats, known]-> Alzheimer Disease; Ad" in out and "    4. " in out and "    5. " not in out
    import pandas as pd

    table = pd.read_csv(out_file)
    assert list(table.columns) == ["rank", "id", "name", "score", "known", "top_path", "top_path_share"]
    assert len(table) == 7 and table["top_path"].notna().sum() == 2 and not table["known"].any()
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"
    record = json.loads((tmp_path / "candidates.csv.json").read_text())
    assert f"(seed, settings and data checksum in {out_file}.json)" in out
    assert record["command"] == "repurpose" and record["seed"] == 3 and record["model"] == "kronrls"
    assert record["data_checksum"] == load_dataset("fdataset", data_root).checksum
    assert record["config"]["name"] == "kronrls" and record["table"]["id"] == "D104300"
    assert record["environment"]["graphmed"] and record["options"]["plot"] == str(plot)


def test_repurpose_save_load(data_root, tmp_path, capsys):
    model_file, predictions = tmp_path / "knn.npz", tmp_path / "all.csv"
    assert _repurpose(data_root, "--drug", "metformin", "--model", "knn", "--seed", "0", "--top", "3",
                      "--save", str(model_file), "--predictions", str(predictions)) == 0
    first = capsys.readouterr().out
    assert f"model saved to {model_file}" in first
    assert f"scores of every unknown pair written to {predictions}" in first
    import pandas as pd

    scores = pd.read_csv(predictions)
    assert len(scores) == 593 * 313 - 1933 and not scores["known"].any()
    record = json.loads((tmp_path / "all.csv.json").read_text())
    assert record["model"] == "knn" and record["seed"] == 0 and len(record["data_checksum"]) == 64
    assert scores["score"].is_monotonic_decreasing
    assert main(["repurpose", "--load", str(model_file), "--drug", "DB00331", "--top", "3",
                 "--data-root", str(data_root), "--no-progress"]) == 0
    second = capsys.readouterr().out
    assert "disease candidates for drug Metformin (DB00331); model knn, seed 0, loaded from" in second
    assert first.splitlines()[1:5] == second.splitlines()[1:5]  # the same table
    assert main(["repurpose", "--load", str(model_file), "--dataset", "cdataset", "--drug", "x",
                 "--data-root", str(data_root), "--no-progress"]) == 2
    assert "fitted on 'fdataset'" in _one_line_error(capsys)


@pytest.mark.parametrize("args, message", [
    (["--disease", "alzhiemer", "--model", "knn"], "did you mean 'Alzheimer Disease; Ad (D104300)'"),
    (["--disease", "leukemia", "--model", "knn"], "'leukemia' is ambiguous: it matches 4 diseases"),
    (["--model", "knn"], "give exactly one of --disease NAME, --drug NAME, --new-disease TEXT"),
    (["--disease", "D104300", "--load", "m.npz", "--model", "knn"], "--load takes a fitted model"),
    (["--disease", "D104300", "--plot", "p.png"], "--plot draws an explanation"),
    (["--disease", "D104300", "--load", __file__], "not a graphmed checkpoint"),
    (["--disease", "D104300", "--load", "missing.npz"], "no such file"),
])
def test_repurpose_errors(data_root, capsys, args, message):
    assert _repurpose(data_root, *args) == 2
    assert message in _one_line_error(capsys)


def test_repurpose_parquet_needs_pyarrow(data_root, capsys, monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    assert _repurpose(data_root, "--disease", "D104300", "--out", str(tmp_path / "t.parquet")) == 2
    assert "pip install pyarrow" in _one_line_error(capsys)
    with pytest.raises(SystemExit):
        _repurpose(data_root, "--disease", "D104300", "--out", str(tmp_path / "t.xlsx"))
    assert "must end in .csv or .parquet" in capsys.readouterr().err


def test_repurpose_marks_candidates_another_data_set_lists(data_root, tmp_path, capsys):
    """Fdataset does not list levodopa for Parkinson disease; Cdataset does."""
    out_file = tmp_path / "levodopa.csv"
    assert _repurpose(data_root, "--drug", "levodopa", "--model", "kronrls", "--seed", "0",
                      "--top", "5", "--confirm-with", "cdataset", "--out", str(out_file)) == 0
    out = capsys.readouterr().out
    assert "in_cdataset: the pair is a known association of cdataset" in out
    import pandas as pd

    table = pd.read_csv(out_file)
    assert list(table.columns) == ["rank", "id", "name", "score", "known", "in_cdataset"]
    parkinson = table.set_index("id").loc["D168600"]
    assert not parkinson["known"] and parkinson["in_cdataset"]
    assert not table["in_cdataset"].isna().any()


def test_repurpose_confirm_with_needs_shared_ids_before_fitting(data_root, capsys, monkeypatch):
    import graphmed.repurpose

    monkeypatch.setattr(graphmed.repurpose, "fit_for_repurposing", None)  # never reached
    assert _repurpose(data_root, "--drug", "levodopa", "--confirm-with", "bdataset") == 2
    assert "fdataset and bdataset share 198 drug ids and 0 disease ids" in _one_line_error(capsys)


def test_repurpose_names_an_unknown_disease_before_fitting(data_root, capsys, monkeypatch):
    import graphmed.repurpose

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted a model for an unknown disease")

    monkeypatch.setattr(graphmed.repurpose, "fit_for_repurposing", no_fit)
    assert main(["repurpose", "--dataset", "fdataset", "--disease", "no such illness",
                 "--data-root", str(data_root), "--no-progress"]) == 2
    assert "unknown disease 'no such illness'" in _one_line_error(capsys)


def test_an_association_table_of_ones_own(tmp_path, capsys):
    rng = np.random.default_rng(0)
    pairs = {(f"drug{rng.integers(40)}", f"disease{rng.integers(25)}") for _ in range(200)}
    table = tmp_path / "my_pairs.csv"
    table.write_text("drug_id,disease_id,disease_name\n" + "".join(
        f"{d},{s},Illness {s[7:]}\n" for d, s in sorted(pairs)))
    assert main(["benchmark", str(table), "--model", "kronrls", "--seeds", "1", "--folds", "5",
                 "--no-progress"]) == 0
    assert "my_pairs, protocol A, model kronrls" in capsys.readouterr().out
    saved = tmp_path / "model.npz"
    assert main(["repurpose", "--dataset", str(table), "--disease", "illness 3", "--model",
                 "kronrls", "--seed", "0", "--top", "3", "--save", str(saved),
                 "--no-progress"]) == 0
    assert "drug candidates for disease Illness 3 (disease3)" in capsys.readouterr().out
    assert main(["repurpose", "--load", str(saved), "--disease", "illness 3",
                 "--no-progress"]) == 2
    assert "--dataset PATH" in _one_line_error(capsys)


def test_a_table_too_small_for_the_folds_is_one_line(tmp_path, capsys):
    table = tmp_path / "tiny.csv"
    table.write_text("drug_id,disease_id\na,x\na,y\nb,y\nc,z\n")
    assert main(["benchmark", str(table), "--model", "kronrls", "--no-progress"]) == 2
    assert "4 known and 5 unknown pairs cannot be split into 10 folds" in _one_line_error(capsys)


def test_diagnose_uncoded_admissions(data_root, tmp_path, capsys):
    from graphmed.ehr.mimic import read_mimic4_tables

    tables, _ = read_mimic4_tables(data_root / "mimic4_demo")
    uncoded = np.sort(tables["admissions"]["hadm_id"].to_numpy())[:5]
    diagnoses = tables["diagnoses_icd"]
    tables["diagnoses_icd"] = diagnoses[~diagnoses["hadm_id"].isin(uncoded)]
    (tmp_path / "hosp").mkdir()
    for name, table in tables.items():
        table.to_csv(tmp_path / "hosp" / f"{name}.csv", index=False)
    out = tmp_path / "diagnoses.csv"
    assert main(["diagnose", "mimic4", "--root", str(tmp_path), "--model", "logistic-bag-of-codes",
                 "--no-text", "--no-indications", "--seed", "0", "--top", "2", "--show", "3",
                 "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "5 admission(s) to diagnose; model logistic-bag-of-codes, seed 0" in printed
    assert "indications" not in printed
    assert "... 2 more admission(s)" in printed
    import pandas as pd

    table = pd.read_csv(out)
    assert sorted(table["unit_id"].unique()) == sorted(uncoded)
    record = json.loads((tmp_path / "diagnoses.csv.json").read_text())
    assert record["command"] == "diagnose" and record["seed"] == 0 and record["unit"] == "admission"
    assert len(record["graph_checksum"]) == 64 and record["indications"] is False
    assert record["config"] == json.loads(json.dumps(record["config"])) and "cs" in record["config"]
    categories = table.groupby("unit_id").size()
    assert (categories == categories.iloc[0]).all() and categories.iloc[0] > 2
    assert table.groupby("unit_id")["probability"].apply(lambda p: p.is_monotonic_decreasing).all()


def test_diagnose_reads_abnormal_lab_results_when_asked(data_root, capsys, monkeypatch):
    import graphmed.tasks.diagnosis_prediction as prediction

    seen = []
    predict = prediction.predict_diagnoses

    def spy(graph, *args, **kwargs):
        seen.append(graph.num_nodes("lab"))
        return predict(graph, *args, **kwargs)

    monkeypatch.setattr(prediction, "predict_diagnoses", spy)
    assert main(["diagnose", "mimic4", "--labs", "--model", "logistic-bag-of-codes", "--no-text",
                 "--no-indications", "--units", "24181354", "--seed", "0", "--no-progress",
                 "--data-root", str(data_root)]) == 0
    assert seen == [270] and "1 admission(s) to diagnose" in capsys.readouterr().out


def test_diagnose_early_in_a_stay_reads_the_first_hours_only(data_root, capsys, monkeypatch):
    import graphmed.tasks.diagnosis_prediction as prediction

    seen = []
    predict = prediction.predict_diagnoses

    def spy(graph, *args, **kwargs):
        seen.append(graph.num_edges(("admission", "prescribed", "drug")))
        return predict(graph, *args, **kwargs)

    monkeypatch.setattr(prediction, "predict_diagnoses", spy)
    args = ["diagnose", "mimic4", "--model", "logistic-bag-of-codes", "--no-text",
            "--no-indications", "--units", "24181354", "--seed", "0", "--no-progress",
            "--data-root", str(data_root)]
    assert main([*args, "--first-hours", "24"]) == 0
    assert main(args) == 0
    assert seen == [4897, 7782]                          # 24 hours of prescriptions, then all
    with pytest.raises(SystemExit):
        main([*args, "--first-hours", "-1"])
    assert "must be a finite number of hours >= 0" in capsys.readouterr().err


def test_diagnose_joins_known_indications_when_the_catalogue_is_there(data_root, tmp_path,
                                                                     capsys, monkeypatch):
    import graphmed.ehr.indications as indications

    joined = []
    join = indications.add_indication_categories

    def spy(graph, table, *args, **kwargs):
        joined.append(len(table))
        return join(graph, table, HashingTextEncoder(), **kwargs)

    monkeypatch.setattr(indications, "add_indication_categories", spy)
    args = ["diagnose", "mimic4", "--model", "logistic-bag-of-codes", "--no-text", "--units",
            "24181354", "--seed", "0", "--no-progress"]
    assert main([*args, "--data-root", str(data_root)]) == 0
    assert joined == [1145] and "left out" not in capsys.readouterr().out
    # without the catalogue (offline, an empty data root) the command goes on without them
    monkeypatch.setenv("GRAPHMED_OFFLINE", "1")
    root = data_root / "mimic4_demo"
    assert main([*args, "--root", str(root), "--data-root", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "note: known indications left out" in printed and "1 admission(s) to diagnose" in printed
    assert joined == [1145]


@pytest.mark.parametrize("args, message", [
    (["synthea", "--unit", "admission"], "--unit for synthea must be encounter or patient"),
    (["mimic4", "--model", "nomodel"], "unknown diagnosis model 'nomodel'"),
    (["mimic4", "--model", "label-prior"], "every admission of 'mimic4_demo' has a diagnosis, "
                                           "so none is left to predict"),
    (["synthea", "--model", "label-prior"], "from the command line, --units "),
    (["mimic4", "--units", "123", "--model", "label-prior"], "unknown admission id '123'"),
    (["synthea", "--labs"], "--labs: abnormal lab results are read from MIMIC tables only"),
    (["mimic3", "--labs"], "the MIMIC-III demo ships no lab results"),
    (["mimic4", "--unit", "patient", "--first-hours", "24"],
     "--first-hours: the units are patients, which have no start; use --unit admission"),
    (["mimic3", "--units", "142345", "--val-fraction", "0.95", "--model", "logistic-bag-of-codes",
      "--seed", "0"], "no diagnosis category has 5 training admissions with it and 5 without it"),
])
def test_diagnose_errors_are_one_line(data_root, capsys, args, message):
    assert main(["diagnose", *args, "--data-root", str(data_root), "--no-text", "--no-progress"]) == 2
    assert message in _one_line_error(capsys)


def test_diagnose_checks_the_named_units_before_embedding_text(data_root, capsys, monkeypatch):
    import graphmed.ehr

    def embed(graph):
        raise AssertionError("text embedding started before the units were checked")

    monkeypatch.setattr(graphmed.ehr, "add_text_features", embed)
    assert main(["diagnose", "mimic4", "--units", "123", "--data-root", str(data_root),
                 "--no-progress"]) == 2
    assert "unknown admission id '123'" in _one_line_error(capsys)


def test_repurpose_for_a_disease_outside_the_data_set(data_root, tmp_path, capsys):
    out = tmp_path / "candidates.csv"
    assert main(["repurpose", "--dataset", "fdataset", "--new-disease", "Alzheimer disease",
                 "--model", "kronrls", "--seed", "0", "--top", "5", "--out", str(out),
                 "--data-root", str(data_root)]) == 0
    printed = capsys.readouterr().out
    assert "'Alzheimer disease', placed by its name alone" in printed
    assert "Alzheimer Disease; Ad (D104300)" in printed   # the closest name is listed
    import pandas as pd

    table = pd.read_csv(out)
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    record = json.loads((tmp_path / "candidates.csv.json").read_text())
    assert record["seed"] == 0 and record["model"] == "kronrls"
    assert record["table"]["query"] == "Alzheimer disease"
    assert "Donepezil" in table["name"].tolist()


@pytest.mark.parametrize("extra, message", [
    (["--explain"], "--explain does not apply"),
    (["--save", "m.npz", "--include-known"], "--save, --include-known do not apply"),
    (["--confirm-with", "cdataset"], "--confirm-with does not apply"),
])
def test_repurpose_new_disease_refuses_what_does_not_apply(data_root, capsys, extra, message):
    assert main(["repurpose", "--dataset", "fdataset", "--new-disease", "gout", *extra,
                 "--data-root", str(data_root)]) == 2
    assert message in _one_line_error(capsys)


def test_repurpose_for_a_compound_outside_the_data_set(data_root, capsys):
    assert main(["repurpose", "--dataset", "fdataset", "--new-drug", "CC(=O)OC1=CC=CC=C1C(=O)O",
                 "--drug-name", "aspirin", "--seed", "0", "--top", "3",
                 "--data-root", str(data_root)]) == 0
    printed = capsys.readouterr().out
    assert "'aspirin', placed by its structure alone" in printed
    assert "1.000  Acetylsalicylic acid (DB00945)" in printed
    assert main(["repurpose", "--dataset", "fdataset", "--new-drug", "C1CC", "--seed", "0",
                 "--data-root", str(data_root)]) == 2
    assert "invalid SMILES 'C1CC'" in _one_line_error(capsys)
    assert main(["repurpose", "--dataset", "fdataset", "--disease", "gout", "--drug-name", "x",
                 "--data-root", str(data_root)]) == 2
    assert "--drug-name names the compound of --new-drug" in _one_line_error(capsys)
    assert main(["repurpose", "--dataset", "fdataset", "--new-drug", "CCO", "--model", "gnn",
                 "--data-root", str(data_root)]) == 2
    assert "--model does not apply" in _one_line_error(capsys)
    assert main(["repurpose", "--dataset", "fdataset", "--new-disease", "gout", "--model", "gnn",
                 "--seed", "0", "--data-root", str(data_root)]) == 2
    assert "unknown model 'gnn' for a disease outside the data set" in _one_line_error(capsys)


def _interaction_table(tmp_path):
    """Two groups of 15 drugs; pairs within a group interact with probability .6."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = [(f"G{g}D{i:02d}", f"G{g}D{j:02d}") for g in range(2) for i in range(15)
            for j in range(i + 1, 15) if rng.random() < 0.6]
    table = pd.DataFrame(rows, columns=["drug_a", "drug_b"])
    table["drug_a_name"] = table["drug_a"].str.replace("D", " drug ")
    path = tmp_path / "my_interactions.csv"
    table.to_csv(path, index=False)
    return path


def test_interactions_on_a_table_of_pairs(tmp_path, capsys):
    path, out_file = _interaction_table(tmp_path), tmp_path / "partners.csv"
    assert main(["interactions", "--graph", str(path), "--drug", "g0 drug 00", "--seed", "0",
                 "--top", "4", "--out", str(out_file), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("my_interactions: interaction candidates for G0 drug 00 (G0D00); "
                          "spectral model (a ")
    assert "chosen on the validation seed 0" in out and "known interactions excluded" in out
    import pandas as pd

    table = pd.read_csv(out_file)
    assert list(table.columns) == ["rank", "id", "name", "score", "known"]
    record = json.loads((tmp_path / "partners.csv.json").read_text())
    assert record["command"] == "interactions" and record["seed"] == 0
    assert set(record["setting"]) == {"a", "b", "tau"} and len(record["graph_checksum"]) == 64
    assert len(table) == 4 and table["id"].str.startswith("G0").all() and not table["known"].any()


def test_interactions_save_and_load(tmp_path, capsys, monkeypatch):
    path, model_file = _interaction_table(tmp_path), tmp_path / "ddi.npz"
    args = ["interactions", "--graph", str(path), "--drug", "G1D03", "--top", "5", "--no-progress"]
    assert main([*args, "--seed", "2", "--save", str(model_file)]) == 0
    first = capsys.readouterr().out
    assert f"model saved to {model_file}" in first
    import graphmed.repurpose.interactions

    monkeypatch.setattr(graphmed.repurpose.interactions, "fit_interactions", None)  # not refitted
    assert main([*args, "--load", str(model_file)]) == 0
    second = capsys.readouterr().out
    assert first.splitlines()[:7] == second.splitlines()[:7]  # header and table
    assert main([*args, "--load", str(model_file), "--seed", "1"]) == 2
    assert "--load takes a fitted model" in _one_line_error(capsys)


def test_interactions_names_an_unknown_drug_before_fitting(tmp_path, capsys, monkeypatch):
    import graphmed.repurpose.interactions

    monkeypatch.setattr(graphmed.repurpose.interactions, "fit_interactions", None)  # never reached
    assert main(["interactions", "--graph", str(_interaction_table(tmp_path)), "--drug",
                 "aspirin", "--no-progress"]) == 2
    assert "unknown drug 'aspirin'" in _one_line_error(capsys)
    assert main(["interactions", "--graph", "hetionet", "--drug", "x", "--no-progress"]) == 2
    assert "unknown interaction graph 'hetionet'" in _one_line_error(capsys)


def test_interactions_refuse_a_seed_where_the_graph_has_an_official_split(data_root, capsys,
                                                                          monkeypatch):
    import graphmed.repurpose.interactions

    monkeypatch.setattr(graphmed.repurpose.interactions, "fit_interactions", None)  # never reached
    assert main(["interactions", "--drug", "DB00945", "--seed", "1", "--data-root",
                 str(data_root), "--no-progress"]) == 2
    assert "ogbl-ddi has an official split, which chooses the setting" in _one_line_error(capsys)


@pytest.mark.parametrize("command", [
    ["repurpose", "--dataset", "fdataset", "--drug", "levodopa"],
    ["interactions", "--drug", "warfarin"],
    ["diagnose", "mimic4"],
])
@pytest.mark.parametrize("value", ["0", "1.5", "half"])
def test_val_fraction_outside_0_1_is_a_usage_error(command, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--val-fraction", value])
    assert exit_.value.code == 2
    assert "--val-fraction" in capsys.readouterr().err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_diagnose_on_cuda_needs_a_model_with_a_network(data_root, capsys):
    assert main(["diagnose", "mimic4", "--model", "label-prior", "--device", "cuda",
                 "--data-root", str(data_root), "--no-text", "--no-progress"]) == 2
    assert "has no network and runs on the CPU" in _one_line_error(capsys)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error of a CPU-only machine")
def test_diagnose_refuses_a_missing_gpu_before_reading(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["diagnose", "mimic4", "--device", "cuda"])
    assert exit_.value.code == 2
    assert "--device" in capsys.readouterr().err


@pytest.mark.parametrize("given, protocol", [("b", "B"), ("New-Disease", "new-disease")])
def test_the_protocol_is_read_in_any_case(data_root, capsys, given, protocol):
    assert main(["benchmark", "fdataset", "--protocol", given, "--model", "popularity",
                 "--seeds", "1", "--folds", "2", "--data-root", str(data_root),
                 "--no-progress"]) == 0
    assert f"fdataset, protocol {protocol}, model popularity" in capsys.readouterr().out


def test_benchmark_takes_model_settings(data_root, tmp_path, capsys):
    out_file = tmp_path / "k.json"
    assert main(["benchmark", "fdataset", "--model", "kronrls", "--set", "lambdas=[1, 2]",
                 "use_gip=false", "--seeds", "1", "--folds", "2", "--out", str(out_file),
                 "--data-root", str(data_root), "--no-progress"]) == 0
    record = json.loads(out_file.read_text())
    assert record["config"]["lambdas"] == [1.0, 2.0] and record["config"]["use_gip"] is False
    assert {c["best_lambda"] for c in record["fold_configs"]} <= {1.0, 2.0}
    assert all(c["use_gip"] is False for c in record["fold_configs"])


@pytest.mark.parametrize("command", [["benchmark", "fdataset", "--model", "kronrls"],
                                     ["diagnose", "mimic4", "--model", "logistic-bag-of-codes"]])
@pytest.mark.parametrize("setting, message", [
    (["lambdaz=1", "max_itr=1"], "unexpected keyword argument"),
    (["lambdas=[-1]", "max_iter=0"], "must be"),
])
def test_a_bad_model_setting_is_one_line_before_any_data_is_read(tmp_path, capsys, command,
                                                                 setting, message):
    value = setting[0] if command[0] == "benchmark" else setting[1]
    missing = str(tmp_path / "nothing here")  # the data would fail later, were it read
    assert main([*command, "--set", value, "--data-root", missing, "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert f"--set for model '{command[3]}'" in err and message in err


@pytest.mark.parametrize("command, message", [
    (["benchmark", "fdataset", "--model", "multimodal"],  # the ensemble's GNN: was a traceback
     "unknown setting 'hiden' (did you mean 'hidden'?); the GNN's settings: amp, decoder"),
    (["benchmark", "fdataset", "--model", "kronrls"],
     "unexpected keyword argument 'hiden'; its settings: lambdas, text_views, use_gip"),
    (["diagnose", "mimic4", "--model", "trans4dd"],
     "Trans4DD: unknown setting 'hiden' (did you mean 'hidden'?); its settings: batch_units"),
])
def test_a_misspelt_setting_is_named_with_the_settings_the_model_takes(tmp_path, capsys,
                                                                        command, message):
    missing = str(tmp_path / "nothing here")
    assert main([*command, "--set", "hiden=8", "--data-root", missing, "--no-progress"]) == 2
    assert message in _one_line_error(capsys)


def test_diagnose_takes_the_device_from_device_not_set(tmp_path, capsys):
    # --set device=... would have been overwritten by --device's default, cpu
    missing = str(tmp_path / "nothing here")
    assert main(["diagnose", "mimic4", "--model", "trans4dd", "--set", "device=cpu",
                 "--data-root", missing, "--no-progress"]) == 2
    assert "--set device=cpu: give the device as --device cpu" in _one_line_error(capsys)


@pytest.mark.parametrize("device, message", [
    ("garbage", "unknown device 'garbage'"), ("cpu:1", "the CPU takes no index"),
    pytest.param("cuda", "this machine has 0 CUDA device(s)",
                 marks=pytest.mark.skipif(torch.cuda.is_available(), reason="has a GPU"))])
def test_a_device_setting_is_checked_before_any_data_is_read(tmp_path, capsys, device, message):
    missing = str(tmp_path / "nothing here")
    assert main(["benchmark", "fdataset", "--model", "gnn", "--set", f"device={device}",
                 "--data-root", missing, "--no-progress"]) == 2
    err = _one_line_error(capsys)
    assert "--set for model 'gnn'" in err and message in err


@pytest.mark.parametrize("values, message", [(["hidden"], "is not NAME=VALUE"),
                                             (["2x=1"], "is not NAME=VALUE")])
def test_a_malformed_setting_is_a_usage_error(values, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["benchmark", "fdataset", "--set", *values])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_setting_given_twice_is_refused(tmp_path, capsys):
    assert main(["benchmark", "fdataset", "--set", "top_k=3", "top_k=4",
                 "--data-root", str(tmp_path)]) == 2
    assert "--set top_k is given twice" in _one_line_error(capsys)


def test_repurpose_takes_model_settings(data_root, tmp_path, capsys):
    from graphmed.repurpose import RepurposingModel

    model_file = tmp_path / "k.npz"
    assert _repurpose(data_root, "--drug", "metformin", "--model", "kronrls", "--set",
                      "lambdas=[4]", "--seed", "0", "--top", "3", "--save", str(model_file)) == 0
    assert RepurposingModel.load(model_file).model_config["lambdas"] == [4.0]
    capsys.readouterr()
    for extra, message in ((["--load", str(model_file)], "--set and --save do not apply"),
                           (["--new-disease", "frontotemporal dementia"], "--set does not apply"),
                           (["--model", "knn"], "--set for model 'knn'")):
        args = ["--set", "k=3"] if extra[0] != "--model" else ["--set", "kay=3"]
        query = [] if extra[0] == "--new-disease" else ["--drug", "metformin"]
        assert _repurpose(data_root, *query, *extra, *args) == 2
        assert message in _one_line_error(capsys)


@pytest.mark.parametrize("command, option", [
    (["benchmark", "fdataset", "--model", "knn"], "--out"),
    (["repurpose", "--dataset", "fdataset", "--disease", "D104300", "--model", "knn"], "--save"),
    (["repurpose", "--dataset", "fdataset", "--disease", "D104300", "--model", "knn"], "--out"),
    (["diagnose", "mimic4", "--model", "logistic-bag-of-codes"], "--out"),
    (["interactions", "--graph", "pairs.csv", "--drug", "a"], "--save"),
])
def test_an_output_path_that_cannot_be_written_fails_before_any_data_is_read(
        tmp_path, capsys, command, option):
    missing = str(tmp_path / "nothing here")  # the data would fail later, were it read
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / ("out.csv" if option == "--out" and command[0] != "benchmark"
                                  else "out.json")
    assert main([*command, option, str(target), "--data-root", missing, "--no-progress"]) == 2
    assert "is a file, not a folder" in _one_line_error(capsys)
    if command[0] == "benchmark":
        assert main([*command, "--out", str(tmp_path), "--data-root", missing]) == 2
        assert "a folder stands where the file is to be written" in _one_line_error(capsys)


@pytest.mark.parametrize("plot, message", [("p.xyz", "cannot save a figure as '.xyz'"),
                                           ("file/p.png", "is a file, not a folder")])
def test_repurpose_checks_the_plot_path_before_fitting(tmp_path, capsys, plot, message):
    (tmp_path / "file").write_text("x")
    assert main(["repurpose", "--dataset", "fdataset", "--disease", "D104300", "--explain", "1",
                 "--plot", str(tmp_path / plot), "--data-root", str(tmp_path / "nothing here"),
                 "--no-progress"]) == 2
    assert message in _one_line_error(capsys)
