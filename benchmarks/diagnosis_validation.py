"""Diagnosis model choices measured on validation patients only (test patients never scored).

    python benchmarks/diagnosis_validation.py mimic4 trans4dd --text --seeds 0
    python benchmarks/diagnosis_validation.py mimic4 trans4dd --text --kw '{"siblings": true}'
    python benchmarks/diagnosis_validation.py mimic4 trans4dd --text --scheme carve --seeds 0 1 2
    python benchmarks/diagnosis_validation.py mimic4 logistic-indications --text --indications \
        --scheme carve --seeds 0 1 2
    python benchmarks/diagnosis_validation.py mimic4 trans4dd --text --indications --labs \
        --scheme carve --seeds 0 1 2

Two schemes, neither of which scores a test patient:

- ``halves`` (default): each fold's validation patients are split in two halves; the model
  is fitted with one half as its validation part (early stopping, ``C``, blend) and scored
  on the other, then the halves swap. Prints the macro AUROC averaged over halves and the
  macro AUROC of both halves pooled, per fold and overall. This is how the defaults of
  :class:`~graphmed.models.diagnosis.Trans4DD` were chosen.
- ``carve``: each fold's validation patients are scored whole; the model is fitted on the
  fold's training patients, of which as many as the fold has validation patients are
  carved out as its validation part. That part is as large as in ``benchmarks/diagnosis.py``
  (16 patients of the MIMIC-IV demo, where the half split gives 8), with 48 training
  patients instead of 64. Prints the macro AUROC per fold and its mean.

With ``--out PATH.json`` the printed scores are also written there, with the model and its
settings, seeds, folds, scheme, graph options, the graph's checksum and the environment.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from graphmed.datasets.indications import load_indications
from graphmed.ehr import add_text_features, load_mimic3, load_mimic4, load_synthea
from graphmed.ehr.indications import add_indication_categories
from graphmed.evaluation.multilabel import macro_auroc
from graphmed.io import atomic_write_json, check_writable
from graphmed.models.diagnosis import make_diagnosis_model
from graphmed.results import environment
from graphmed.tasks.diagnosis import PatientFold, build_diagnosis_task, patient_folds, unit_labels

LOADERS = {"mimic4": lambda labs: load_mimic4(unit="admission", labs=labs),
           "mimic3": lambda labs: load_mimic3(unit="admission"),
           "synthea": lambda labs: load_synthea(unit="patient")}


def fit_and_score(graph, model: str, settings: dict, held: PatientFold, scored: np.ndarray,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``model`` on the task of ``held`` and score the units of the ``scored`` patients
    (held among its test patients, so their labels are never seen): ``(labels, scores)``."""
    task = build_diagnosis_task(graph, held)
    fitted = make_diagnosis_model(model, **settings).fit(task, seed=seed)
    units = task.test_units[np.isin(task.unit_patient[task.test_units], scored)]
    return unit_labels(graph, units, task.categories, unit=task.unit), fitted.predict(task, units)


def half_split_scores(graph, model: str, settings: dict, seeds: list[int],
                      folds: list[int]) -> tuple[float, float]:
    """``(mean macro AUROC over validation halves, mean over folds of both halves pooled)``."""
    halves, pooled = [], []
    for seed in seeds:
        for fold in patient_folds(graph.num_nodes("patient"), 5, seed=seed):
            if fold.index not in folds:
                continue
            val = np.random.default_rng([seed, fold.index, 7]).permutation(fold.val)
            parts = (val[:val.size // 2], val[val.size // 2:])
            labels, scores = [], []
            for fit_half, score_half in ((0, 1), (1, 0)):
                # the scored half joins the test patients, so the model never sees its labels
                held = PatientFold(fold.index, seed, fold.train, parts[fit_half],
                                   np.concatenate([parts[score_half], fold.test]))
                y, s = fit_and_score(graph, model, settings, held, parts[score_half], seed)
                halves.append(macro_auroc(y, s))
                labels.append(y)
                scores.append(s)
            pooled.append(macro_auroc(np.concatenate(labels), np.concatenate(scores)))
            print(f"  seed {seed} fold {fold.index}: halves {halves[-2]:.3f} {halves[-1]:.3f} "
                  f"pooled {pooled[-1]:.3f}", file=sys.stderr, flush=True)
    return float(np.nanmean(halves)), float(np.nanmean(pooled))


def carve_scores(graph, model: str, settings: dict, seeds: list[int],
                 folds: list[int]) -> list[float]:
    """Macro AUROC on each fold's validation patients, the model fitted on its training
    patients with a validation part of the same size carved from them."""
    scores = []
    for seed in seeds:
        for fold in patient_folds(graph.num_nodes("patient"), 5, seed=seed):
            if fold.index not in folds:
                continue
            train = np.random.default_rng([seed, fold.index, 11]).permutation(fold.train)
            # the scored patients join the test patients, so the model never sees their labels
            held = PatientFold(fold.index, seed, train[fold.val.size:], train[:fold.val.size],
                               np.concatenate([fold.val, fold.test]))
            scores.append(macro_auroc(*fit_and_score(graph, model, settings, held, fold.val,
                                                     seed)))
            print(f"  seed {seed} fold {fold.index}: {scores[-1]:.4f}", file=sys.stderr, flush=True)
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(LOADERS))
    parser.add_argument("model", help="diagnosis model name, e.g. trans4dd")
    parser.add_argument("--kw", default="{}", help="model settings as a JSON object")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--text", action="store_true", help="text features on code nodes")
    parser.add_argument("--indications", action="store_true",
                        help="known indications on drug nodes (PharmacotherapyDB)")
    parser.add_argument("--labs", action="store_true",
                        help="abnormal lab results as codes (MIMIC-IV only)")
    parser.add_argument("--scheme", choices=("halves", "carve"), default="halves",
                        help="how validation patients are used (see the module docstring)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, metavar="PATH.json",
                        help="also write the scores and what produced them to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = json.loads(args.kw)
    if args.labs and args.dataset != "mimic4":
        parser.error("--labs: lab results are read for MIMIC-IV only")
    if args.out is not None:
        check_writable(args.out)
    graph = LOADERS[args.dataset](args.labs).build()
    if args.text:
        graph = add_text_features(graph)
    if args.indications:
        graph = add_indication_categories(graph, load_indications())
    start = time.perf_counter()
    head = (f"{args.dataset} {args.model} {json.dumps(settings)} text={args.text} "
            f"indications={args.indications} labs={args.labs} seeds={args.seeds}")
    if args.scheme == "carve":
        scores = carve_scores(graph, args.model, settings, args.seeds, args.folds)
        result = {"carve": float(np.nanmean(scores)), "per_fold": [round(s, 4) for s in scores]}
        print(f"{head}: carve {result['carve']:.4f} per fold {json.dumps(result['per_fold'])} "
              f"({time.perf_counter() - start:.0f} s)")
    else:
        halves, pooled = half_split_scores(graph, args.model, settings, args.seeds, args.folds)
        result = {"halves": halves, "pooled": pooled}
        print(f"{head}: halves {halves:.4f} pooled {pooled:.4f} "
              f"({time.perf_counter() - start:.0f} s)")
    if args.out is not None:
        atomic_write_json(args.out, {
            "benchmark": "diagnosis_validation", "dataset": args.dataset, "model": args.model,
            "settings": settings, "config": make_diagnosis_model(args.model, **settings).config(),
            "seeds": args.seeds, "folds": args.folds, "scheme": args.scheme,
            "text_features": args.text, "indications": args.indications, "labs": args.labs,
            "threads": args.threads, "graph_checksum": graph.checksum, "scores": result,
            "wall_time_s": round(time.perf_counter() - start, 1), "environment": environment(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")})
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
