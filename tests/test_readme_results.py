"""The results the README and docs quote are the ones the benchmarks recorded: every row of
the README's results table equals the matching record of
``benchmarks/results/drug_disease.json`` (and the numbers named in its prose those of the
table); the diagnosis table of docs/diagnosis.md equals ``diagnosis.json``."""
from __future__ import annotations

import json
import re
from pathlib import Path

from graphmed.evaluation.summary import metric_cell

ROOT = Path(__file__).resolve().parent.parent
HEADER = "| protocol | dataset | model | AUROC (fold-mean)"


def table_rows(page: Path, header: str) -> list[list[str]]:
    """The cells of the rows of the Markdown table of ``page`` whose header starts with
    ``header``."""
    lines = page.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def records() -> dict[tuple[str, str, str], dict]:
    found = json.loads((ROOT / "benchmarks/results/drug_disease.json").read_text())
    return {(r["protocol"], r["dataset"], r["model"]): r for r in found}


def expected_cells(record: dict) -> list[str]:
    m = record["metrics"]
    return [metric_cell(m["auroc"], "fold", 3), metric_cell(m["aupr"], "fold", 3),
            metric_cell(m["auroc"], "pooled", 3), metric_cell(m["aupr"], "pooled", 3),
            f"{record['wall_time_s']:.0f}"]


def test_every_row_is_the_recorded_result():
    rows, recorded = table_rows(ROOT / "README.md", HEADER), records()
    assert len(rows) >= 20
    for protocol, dataset, model, *cells in rows:
        key = (protocol, dataset, model.strip("`"))
        assert key in recorded, f"README row {key} has no record in drug_disease.json"
        record = recorded[key]
        assert record["seeds"] == [0, 1, 2] and record["n_folds"] == 10, key
        assert cells == expected_cells(record), key


def test_the_headline_numbers_are_the_table_s():
    text = (ROOT / "README.md").read_text()
    recorded = records()
    for dataset in ("fdataset", "cdataset"):
        m = recorded[("A", dataset, "multimodal")]["metrics"]
        auroc, aupr = (f"{m[k]['fold_mean']:.3f}".lstrip("0") for k in ("auroc", "aupr"))
        assert re.search(rf"{re.escape(auroc)} / {re.escape(aupr)} on\s+{dataset.capitalize()}",
                         text), (dataset, auroc, aupr)
    m = recorded[("new-disease", "fdataset", "multimodal")]["metrics"]
    quoted = f"{m['auroc']['fold_mean']:.3f} / {m['aupr']['fold_mean']:.3f}".replace("0.", ".")
    assert f"reaches {quoted}" in text


def test_the_diagnosis_table_is_the_recorded_result():
    recorded = json.loads((ROOT / "benchmarks/results/diagnosis.json").read_text())["datasets"]
    columns = ["mimic4_demo", "mimic3_demo", "synthea_111"]
    rows = table_rows(ROOT / "docs/diagnosis.md", "| model | MIMIC-IV demo")
    assert [row[0].strip("`") for row in rows] == list(recorded["mimic4_demo"]["models"])
    for model, *cells in rows:
        # "–": the model did not run on that data set (it needs inputs the graph lacks)
        expected = [metric_cell(recorded[d]["models"][model.strip("`")]["summary"]["metrics"]
                                ["macro_auroc"], "fold", 3)
                    if model.strip("`") in recorded[d]["models"] else "–" for d in columns]
        assert cells == expected, model


def _short(mean: float, std: float | None = None) -> str:
    """``.782`` or ``.113 ± .068``, as docs/benchmarks.md writes Hits@20."""
    text = f"{mean:.3f}".lstrip("0")
    return text if std is None else f"{text} ± {f'{std:.3f}'.lstrip('0')}"


def test_the_ogbl_ddi_table_is_the_recorded_result():
    summary = json.loads((ROOT / "benchmarks/results/ogbl_ddi.json").read_text())["summary"]
    rows = table_rows(ROOT / "docs/benchmarks.md", "| model | test Hits@20 | valid Hits@20")
    models = {"graphmed spectral (": "spectral", "graphmed spectral-plain": "spectral-plain",
              "graphmed (SAGE": "graphmed", "GCN (OGB": "gcn", "GraphSAGE (OGB": "sage"}
    assert len(rows) == len(models)
    for label, test, valid, *_ in rows:
        model = next(name for start, name in models.items() if label.startswith(start))
        s = summary[model]
        several = s["n_seeds"] > 1
        for cell, part in ((test, "test"), (valid, "valid")):
            metric = s[f"{part}_hits@20"]
            assert cell.strip("*") == _short(metric["mean"], metric["std"] if several else None), \
                (model, part)
