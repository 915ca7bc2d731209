"""Diagnosis models at scale: one fold's fit on the MIMIC-IV demo copied N times.

    python benchmarks/diagnosis_scale.py --data-root ../shared/data --replicas 1 10

The MIMIC-IV demo tables are copied ``N`` times under fresh patient and admission ids
(:func:`graphmed.ehr.replicate.replicate_tables`; code and drug vocabularies shared), built
into a graph with text features and the drugs' known indications, as
``benchmarks/diagnosis.py`` does. The fold is drawn over the demo's 100 patients and every
copy of a patient follows its original, so no copy of a test patient is in training: the
scores are those of one 100-patient split whose patients each count ``N`` times, and the
time and memory are those of ``N`` times the data. Each (copies, model) pair runs in a
fresh process on one thread; reported: the graph's size, the fold's wall time (task,
fit, thresholds on validation units, test predictions), the process's peak resident
memory and the test macro AUROC; every row also records the fitted model's settings, and the
record the sha256 of the decompressed demo tables and of the indications catalogue (as
``benchmarks/diagnosis.py`` does). Writes ``benchmarks/results/diagnosis_scale.json`` and
``.md``. A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_MODELS = ("logistic-bag-of-codes", "logistic-indications", "trans4dd")


def copied_fold(graph, tables, seed: int, index: int = 0):
    """Fold ``index`` of :func:`~graphmed.tasks.diagnosis.patient_folds` over the original
    patients, with every copy of a patient in its original's part."""
    from graphmed.ehr.replicate import id_offsets
    from graphmed.tasks.diagnosis import PatientFold, patient_folds

    step = id_offsets(tables)["subject_id"]
    original = graph.nodes["patient"]["id"].astype(np.int64).to_numpy() % step
    originals = pd.unique(original)  # in node order: with one copy, the benchmark's folds
    fold = patient_folds(len(originals), 5, seed=seed)[index]
    part = {name: np.flatnonzero(np.isin(original, originals[getattr(fold, name)]))
            for name in ("train", "val", "test")}
    return PatientFold(fold.index, seed, part["train"], part["val"], part["test"])


def checksums(data_root: str | None = None) -> dict[str, str]:
    """sha256 of the demo tables every run reads (of the decompressed content for .gz) and
    of the indications catalogue, keyed as in ``benchmarks/diagnosis.py``."""
    from graphmed.datasets.files import locate
    from graphmed.datasets.indications import PHARMACOTHERAPYDB
    from graphmed.ehr.files import source_checksums
    from graphmed.ehr.mimic import read_mimic4_tables
    from graphmed.io import sha256_file

    _, sources = read_mimic4_tables(data_root=data_root)
    return {**source_checksums(sources),
            "indications": sha256_file(locate(PHARMACOTHERAPYDB, data_root))}


def run_one(replicas: int, model_name: str, seed: int, data_root: str | None,
            device: str = "cpu") -> dict:
    """Build the copied graph and fit ``model_name`` on one fold (in a fresh process)."""
    import torch

    if data_root:
        os.environ["GRAPHMED_DATA"] = data_root
    torch.set_num_threads(1)
    from graphmed.datasets.indications import load_indications
    from graphmed.ehr import add_text_features
    from graphmed.ehr.indications import add_indication_categories
    from graphmed.ehr.mimic import mimic4_from_tables, read_mimic4_tables
    from graphmed.ehr.replicate import replicate_tables
    from graphmed.models.diagnosis import make_diagnosis_model
    from graphmed.training.diagnosis import fit_diagnosis_fold

    tables, _ = read_mimic4_tables()
    start = time.perf_counter()
    graph = mimic4_from_tables(replicate_tables(tables, replicas)).build()
    graph = add_indication_categories(add_text_features(graph), load_indications())
    graph_s = time.perf_counter() - start
    fold = copied_fold(graph, tables, seed)
    model = make_diagnosis_model(model_name).use_device(device)
    result = fit_diagnosis_fold(model, graph, fold, seed=seed)
    return {"replicas": replicas, "model": model_name, "seed": seed, "device": device,
            "patients": graph.num_nodes("patient"), "admissions": graph.num_nodes("admission"),
            "units": result.task.summary()["units"], "graph_s": round(graph_s, 1),
            "fold_s": round(result.seconds, 1),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
            "macro_auroc": round(float(result.metrics["macro_auroc"]), 4),
            "config": model.config()}


def markdown(record: dict) -> str:
    env = record["environment"]
    lines = ["# Diagnosis models at scale (MIMIC-IV demo copied)", "",
             f"Generated by `python benchmarks/diagnosis_scale.py {' '.join(record['argv'])}` "
             f"(graphmed {env['graphmed']}, torch {env['torch']}, {env.get('cpu', '')}, "
             f"{env.get('cpu_capability', '')}) on {record['created']}. One fold (seed "
             f"{record['seed']}), one CPU thread, networks on "
             f"{record['rows'][0].get('device', 'cpu') if record['rows'] else 'cpu'}, each row "
             "in a fresh process. Copies of a patient "
             "stay on its side of the split; the graph carries text features and known "
             "indications. Fold time: task, fit, thresholds and test predictions; peak RSS: "
             "the whole process, graph included.", "",
             "| copies | patients | admissions | model | fold time (s) | peak RSS (GB) "
             "| test macro AUROC |", "|---|---|---|---|---|---|---|"]
    for r in record["rows"]:
        lines.append(f"| {r['replicas']} | {r['patients']:,} | {r['admissions']:,} | "
                     f"`{r['model']}` | {r['fold_s']:.1f} | {r['peak_rss_gb']:.2f} | "
                     f"{r['macro_auroc']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from graphmed.models.diagnosis import DIAGNOSIS_MODELS
    from graphmed.results import environment, save_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="folder holding mimic4_demo/ (else $GRAPHMED_DATA)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 10],
                        help="numbers of copies of the demo")
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS),
                        choices=list(DIAGNOSIS_MODELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu",
                        help="where the models with a network train (cpu, cuda, auto)")
    parser.add_argument("--out", default=str(RESULTS / "diagnosis_scale"),
                        help="output path without suffix (writes .json and .md)")
    args = parser.parse_args(argv)
    if any(r < 1 for r in args.replicas):
        parser.error("--replicas must be positive")
    data_root = str(Path(args.data_root).resolve()) if args.data_root else None
    rows = []
    for replicas in args.replicas:
        for model_name in args.models:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                row = pool.submit(run_one, replicas, model_name, args.seed, data_root,
                                  args.device).result()
            print(row, file=sys.stderr, flush=True)
            rows.append(row)
    files = checksums(data_root)
    record = {"benchmark": "diagnosis_scale", "argv": list(argv if argv is not None else sys.argv[1:]),
              "seed": args.seed, "checksums": files, "rows": rows, "environment": environment(),
              "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    print(save_report(Path(args.out), record, markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
