"""Ablations on Fdataset or Cdataset, protocol A: which encoder, which residual, which similarity views.

    python benchmarks/ablation.py --data-root ../shared/data --folds 10
    python benchmarks/ablation.py --data-root ../shared/data --folds 10 --dataset cdataset
    # or in two processes, then: python benchmarks/ablation.py --combine A.json B.json

Every variant changes one setting of the default GNN (relation-aware, 2 layers, residual,
all shipped similarity views) and is scored alone and inside the GNN + Kronecker RLS
ensemble, on the first ``--folds`` folds of protocol A (seed 0; every choice made on the
validation part). Each fold's ensemble is seeded with the fold's index; every variant
records the GNN's full settings and every fold the fitted ensemble's. ``--combine`` refuses
files of other data, seeds, protocol or folds and a variant found in two files, and keeps each
file's environment in its rows.
Writes ``benchmarks/results/ablation_<dataset>.{json,md}``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from graphmed.datasets import load_dataset
from graphmed.evaluation import aupr, auroc
from graphmed.io import atomic_write_json
from graphmed.models import Ensemble, GNNLinkPredictor, KronRLS
from graphmed.results import environment, save_report
from graphmed.splits import make_folds
from graphmed.training import fit_fold

RESULTS = Path(__file__).resolve().parent / "results"

#: variant name -> (what it changes, GNN settings, drug views kept (None: all))
VARIANTS = {
    "default": ("relation-aware encoder, residual, all views", {}, None),
    "encoder=gcn": ("plain GCN over the homogeneous graph", {"encoder": "gcn"}, None),
    "encoder=gcnii": ("GCNII (initial residual + identity mapping)", {"encoder": "gcnii"}, None),
    "encoder=gat": ("GAT", {"encoder": "gat"}, None),
    "encoder=gcngat": ("GCN+GAT hybrid", {"encoder": "gcngat"}, None),
    "encoder=transformer": ("graph Transformer with edge-type embeddings, layer norm, lr .003",
                            {"encoder": "transformer", "lr": 0.003}, None),
    "residual=none": ("no residual, no layer attention", {"residual": "none", "layer_attention": False}, None),
    "residual=initial": ("GCNII-style initial residual in the relation-aware encoder", {"residual": "initial"}, None),
    "views=chemical": ("drug view: chemical only", {}, ["chemical"]),
    "views=+gip": ("adds GIP kernels from training labels", {"use_gip": True}, None),
    "views=+text": ("adds a disease view: cosine of name embeddings (MiniLM)",
                    {"text_views": ("disease",)}, None),
}
#: How each fold's model is seeded (recorded with the results).
MODEL_SEED = "fold index"
#: What the files ``--combine`` merges must share.
SHARED = ("dataset", "data_checksum", "protocol", "seed", "folds")


def run_variant(dataset, folds, settings: dict, views) -> dict:
    data = dataset if views is None else replace(
        dataset, drug_similarities={v: dataset.drug_similarities[v] for v in views})
    rows = []
    for fold in folds:
        start = time.perf_counter()
        model = fit_fold(Ensemble([lambda: GNNLinkPredictor(**settings), KronRLS]), data, fold,
                         seed=fold.index)  # MODEL_SEED
        pairs, labels = fold.test_pairs()
        gnn = model.members[0].score(pairs)
        ens = model.score(pairs)
        rows.append({"fold": fold.index, "gnn_auroc": auroc(labels, gnn), "gnn_aupr": aupr(labels, gnn),
                     "ens_auroc": auroc(labels, ens), "ens_aupr": aupr(labels, ens),
                     "gnn_weight": float(model.weights[0]), "seconds": time.perf_counter() - start,
                     "model_seed": fold.index, "config": model.config()})
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]
            if key not in ("fold", "model_seed", "config")} | {
        "config": GNNLinkPredictor(**settings).config(), "folds": rows}


def combine(records: list[dict]) -> dict:
    """One record of the variants of ``records`` (parallel runs), each row keeping the
    environment of its file; SystemExit if they differ in data, seeds, protocol or folds."""
    for key in SHARED:
        values = [r.get(key) for r in records]
        if any(v != values[0] for v in values):
            raise SystemExit(f"--combine: the files differ in {key} ({values}); refusing to merge")
    twice = [k for k, n in Counter(k for r in records for k in r["results"]).items() if n > 1]
    if twice:
        raise SystemExit(f"--combine: variant(s) {', '.join(twice)} found in more than one "
                         "file; refusing to choose between them")
    results = {k: {**v, "environment": v.get("environment", r.get("environment"))}
               for r in records for k, v in r["results"].items()}
    merged = {k: v for k, v in records[0].items() if k != "environment"}
    merged["results"] = {k: results[k] for k in VARIANTS if k in results}
    merged["environments"] = [env for r in records
                              for env in r.get("environments", [r.get("environment")])]
    return merged


TITLES = {"fdataset": "Fdataset", "cdataset": "Cdataset"}


def render_record(record: dict) -> str:
    """:func:`render` of a whole results record."""
    return render(record["results"], record["folds"], record.get("dataset", "fdataset"))


def render(results: dict, n_folds: int, dataset: str = "fdataset") -> str:
    lines = [f"# Ablations, {TITLES[dataset]}, protocol A", "",
             f"Generated by `python benchmarks/ablation.py --dataset {dataset} --folds {n_folds}`; seed 0, folds 0..{n_folds - 1} of 10, "
             "fold-mean. One setting of the default GNN changed per row; 'ensemble' = with "
             "Kronecker RLS, weights chosen on validation.", "",
             "| variant | what changes | GNN AUROC | GNN AUPR | ensemble AUROC | ensemble AUPR "
             "| GNN weight | s / fold |", "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| `{name}` | {r['description']} | {r['gnn_auroc']:.4f} | {r['gnn_aupr']:.4f} | "
                     f"{r['ens_auroc']:.4f} | {r['ens_aupr']:.4f} | {r['gnn_weight']:.2f} | "
                     f"{r['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--threads", type=int)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--dataset", default="fdataset", choices=list(TITLES))
    parser.add_argument("--name", help="output file stem (default: ablation_<dataset>)")
    parser.add_argument("--combine", type=Path, nargs="+", metavar="JSON",
                        help="only merge results files of parallel runs")
    args = parser.parse_args(argv)
    args.name = args.name or f"ablation_{args.dataset}"
    if args.combine:
        merged = combine([json.loads(path.read_text()) for path in args.combine])
        print(save_report(args.out / args.name, merged, render_record))
        return 0
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    dataset = load_dataset(args.dataset, args.data_root)
    folds = make_folds("A", dataset.associations, seed=0)[: args.folds]
    results = {}
    record = {"benchmark": "ablation", "dataset": args.dataset, "protocol": "A", "seed": 0,
              "model_seed": MODEL_SEED, "folds": args.folds, "data_checksum": dataset.checksum,
              "results": results, "environment": environment()}
    for name in args.variants:
        what, settings, views = VARIANTS[name]
        results[name] = {"description": what, "settings": settings, "views": views,
                         **run_variant(dataset, folds, settings, views)}
        r = results[name]
        print(f"{name:22s} GNN {r['gnn_auroc']:.4f} / {r['gnn_aupr']:.4f}   "
              f"ensemble {r['ens_auroc']:.4f} / {r['ens_aupr']:.4f}", flush=True)
        atomic_write_json(args.out / f"{args.name}.json", record)  # nothing lost if stopped
    print("\n" + save_report(args.out / args.name, record, render_record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
