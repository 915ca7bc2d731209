"""What node modalities are worth: new-disease (cold-start) protocol, with and without each
modality and each fusion, on Fdataset and Cdataset.

    python benchmarks/modalities.py --data-root ../shared/data
    # parallel processes, then: python benchmarks/modalities.py --combine A.json B.json

Every row is scored by 10-fold cross-validation over diseases (metrics per held-out
disease, averaged), every choice made on validation diseases. Modalities: ``text``
(MiniLM embedding of names; Cdataset lacks 102 disease names, which are masked),
``morgan`` (ECFP4 bits of drugs; diseases lack it), ``smiles`` (mean-pooled states of
graphmed's SMILES Transformer; diseases lack it); ``text view`` adds a text-similarity
view of diseases to the similarity graph / kernels. The SMILES rows read the model in
``--smiles-model`` (default: a folder under graphmed's cache); when it holds none, one is
pretrained there first with :func:`~graphmed.features.smiles_lm.pretrain_smiles_lm`'s
defaults and seed 0 (about 25 minutes on one CPU thread), and its pretraining record goes
into the results. Writes ``benchmarks/results/modalities.{json,md}`` with the learned
modality weights and every fold's fitted model settings. ``--combine`` refuses files of
other data (checksums), seeds, protocol or folds and a row found in two files, and keeps
each file's environment in its rows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from graphmed.datasets import load_dataset
from graphmed.evaluation import metric_cell
from graphmed.io import atomic_write_json
from graphmed.models import (DiseaseNamesOnly, Ensemble, GNNLinkPredictor, KronRLS,
                             TargetOverlap, make_model)
from graphmed.results import environment, save_report
from graphmed.training import cross_validate

RESULTS = Path(__file__).resolve().parent / "results"
TEXT_MORGAN = ("text", "morgan")
#: Seed of the SMILES Transformer pretrained for the ``smiles`` rows when none is given.
SMILES_SEED = 0
#: Folder of the SMILES Transformer the ``smiles`` rows read (set by :func:`prepare_smiles_model`).
SMILES_MODEL: Path | None = None
#: How each fold's model is seeded (by :func:`~graphmed.training.cross_validate`).
MODEL_SEED = "seed * 1000 + fold index"


def smiles_gnn(*modalities: str) -> GNNLinkPredictor:
    if SMILES_MODEL is None:
        raise RuntimeError("the smiles rows need a SMILES Transformer: call prepare_smiles_model")
    return GNNLinkPredictor(modalities=modalities, fusion="attention",
                            smiles_model=str(SMILES_MODEL))


#: row name -> (what it is, factory of a fresh model)
VARIANTS = {
    "kronrls": ("Kronecker RLS, shipped similarity views", lambda: KronRLS()),
    "kronrls+text view": ("Kronecker RLS with a disease text-similarity view",
                          lambda: KronRLS(text_views=("disease",))),
    "kronrls, disease names only": ("Kronecker RLS, diseases compared by the text of their names "
                                    "alone (all a disease outside the data set has)",
                                    lambda: DiseaseNamesOnly(KronRLS(text_views=("disease",)))),
    "gnn": ("GNN, structural features only", lambda: GNNLinkPredictor()),
    "gnn+text view": ("GNN, text-similarity view in the disease graph",
                      lambda: GNNLinkPredictor(text_views=("disease",))),
    "gnn+text/early": ("GNN + text, early fusion",
                       lambda: GNNLinkPredictor(modalities=("text",), fusion="early")),
    "gnn+text/attention": ("GNN + text, attention fusion",
                           lambda: GNNLinkPredictor(modalities=("text",), fusion="attention")),
    "gnn+text/late": ("GNN + text, late fusion",
                      lambda: GNNLinkPredictor(modalities=("text",), fusion="late")),
    "gnn+morgan/attention": ("GNN + Morgan fingerprints, attention fusion",
                             lambda: GNNLinkPredictor(modalities=("morgan",), fusion="attention")),
    "gnn+text+morgan/early": ("GNN + text + Morgan, early fusion",
                              lambda: GNNLinkPredictor(modalities=TEXT_MORGAN, fusion="early")),
    "gnn+text+morgan/attention": ("GNN + text + Morgan, attention fusion",
                                  lambda: GNNLinkPredictor(modalities=TEXT_MORGAN,
                                                           fusion="attention")),
    "gnn+text+morgan/late": ("GNN + text + Morgan, late fusion",
                             lambda: GNNLinkPredictor(modalities=TEXT_MORGAN, fusion="late")),
    "gnn+smiles/attention": ("GNN + SMILES Transformer states, attention fusion",
                             lambda: smiles_gnn("smiles")),
    "gnn+text+smiles/attention": ("GNN + text + SMILES Transformer, attention fusion",
                                  lambda: smiles_gnn("text", "smiles")),
    "multimodal": ("GNN (text, attention fusion, text view) + Kronecker RLS (text view)",
                   lambda: multimodal()),
    "multimodal, disease names only": ("the same, diseases compared by the text of their names "
                                       "alone (graphmed repurpose --new-disease)",
                                       lambda: DiseaseNamesOnly(multimodal())),
    "target-overlap": ("drug targets shared with the disease's proteins, zero-shot (AMDGT's "
                       "protein links)", lambda: TargetOverlap()),
    "multimodal+targets": ("`multimodal` plus target overlap, weights chosen on validation",
                           lambda: make_model("multimodal-targets")),
}


def multimodal() -> Ensemble:
    from graphmed.models import make_model

    return make_model("multimodal")


def _modality_weights(configs: list[dict]) -> dict | None:
    """Mean over folds of the learned modality weights (the GNN member's, in an ensemble)."""
    found = []
    for config in configs:
        for c in [config, *config.get("members", [])]:
            if c.get("modality_weights"):
                found.append(c["modality_weights"])
    if not found:
        return None
    return {group: {name: round(float(np.mean([f[group][name] for f in found])), 4)
                    for name in found[0][group]} for group in found[0]}


def run(dataset, name: str, protocol: str, seeds: list[int]) -> dict:
    what, factory = VARIANTS[name]
    start = time.perf_counter()
    result = cross_validate(dataset, factory, protocol=protocol, seeds=seeds, progress=False)
    summary = result.summary.to_dict()
    n_runs = len(seeds) * result.n_folds
    ensemble_weights = [c["weights"] for c in result.fold_configs if c.get("weights")]
    return {"description": what, "metrics": summary,
            "modality_weights": _modality_weights(result.fold_configs),
            "ensemble_weights": (np.mean(ensemble_weights, axis=0).round(3).tolist()
                                 if ensemble_weights else None),
            "seconds_per_fold": (time.perf_counter() - start) / n_runs,
            "peak_rss_mb": result.peak_rss_mb, "n_folds": result.n_folds,
            "fold_configs": result.fold_configs}


def combine(records: list[dict]) -> dict:
    """One record of the rows of ``records`` (parallel runs), each row keeping the environment
    of its file; SystemExit if they differ in protocol, seeds, folds or the checksum of a
    data set they share, read different SMILES Transformers or hold the same row."""
    for key in ("protocol", "seeds"):
        values = [r.get(key) for r in records]
        if any(v != values[0] for v in values):
            raise SystemExit(f"--combine: the files differ in {key} ({values}); refusing to merge")
    folds = {row.get("n_folds") for r in records for rows in r["results"].values()
             for row in rows.values()} - {None}
    if len(folds) > 1:
        raise SystemExit(f"--combine: the files differ in folds ({sorted(folds)}); "
                         "refusing to merge")
    checksums: dict[str, str] = {}
    for r in records:
        for name, checksum in r["data_checksums"].items():
            if checksums.setdefault(name, checksum) != checksum:
                raise SystemExit(f"--combine: the files differ in the checksum of {name}; "
                                 "refusing to merge")
    smiles = [r["smiles_model"] for r in records if r.get("smiles_model")]
    if any(m["weights_sha256"] != smiles[0]["weights_sha256"] for m in smiles):
        raise SystemExit("--combine: the files read different SMILES Transformers")
    twice = [f"{d}/{k}" for (d, k), n in Counter((d, k) for r in records for d, rows in
                                                  r["results"].items() for k in rows).items()
             if n > 1]
    if twice:
        raise SystemExit(f"--combine: row(s) {', '.join(twice)} found in more than one file; "
                         "refusing to choose between them")
    merged = {k: v for k, v in records[0].items() if k != "environment"}
    merged["results"], merged["data_checksums"] = {}, checksums
    for dataset in dict.fromkeys(d for r in records for d in r["results"]):
        rows = {k: {**v, "environment": v.get("environment", r.get("environment"))}
                for r in records for k, v in r["results"].get(dataset, {}).items()}
        merged["results"][dataset] = {k: rows[k] for k in VARIANTS if k in rows}
    merged["environments"] = [env for r in records
                              for env in r.get("environments", [r.get("environment")])]
    if smiles:
        merged["smiles_model"] = smiles[0]
    return merged


def _metric(r: dict, which: str, metric: str) -> tuple[float, float]:
    m = r["metrics"]["metrics"][metric]
    return m[which], m[which.replace("_mean", "_std")]


def _weights_text(r: dict) -> str:
    w = r.get("modality_weights")
    if not w:
        return ""
    return "; ".join(f"{group}: " + ", ".join(f"{k} {v:.2f}" for k, v in ws.items())
                     for group, ws in w.items())


def render(record: dict) -> str:
    lines = [f"# Node modalities, {record['protocol']} protocol", "",
             "Generated by `python benchmarks/modalities.py`; seeds "
             f"{', '.join(map(str, record['seeds']))} x 10 folds over diseases, fold-mean ± std "
             "of the per-disease AUROC / AUPR. Modality weights: attention fusion, mean per-node "
             "weight over drugs and over diseases; late fusion, the learned global weights.", ""]
    smiles = record.get("smiles_model")
    if smiles:
        pre = smiles.get("pretraining") or {}
        made = (f", pretrained with seed {pre['seed']} on {pre['corpus']['n_molecules']:,} "
                f"molecules ({pre['config']['layers']} layers, {pre['config']['hidden']} wide, "
                f"{pre['config']['epochs']} epoch)") if pre else ""
        lines += [f"SMILES rows: the SMILES Transformer with weights sha256 "
                  f"`{(smiles['weights_sha256'] or 'unknown')[:16]}`{made}.", ""]
    for dataset, rows in record["results"].items():
        lines += [f"## {dataset}", "", "| model | what | AUROC | AUPR | modality weights | s / fold |",
                  "|---|---|---|---|---|---|"]
        for name, r in rows.items():
            m = r["metrics"]["metrics"]
            lines.append(f"| `{name}` | {r['description']} | {metric_cell(m['auroc'])} | "
                         f"{metric_cell(m['aupr'])} | {_weights_text(r)} | "
                         f"{r['seconds_per_fold']:.1f} |")
        missing = [name for name in VARIANTS if name not in rows]
        if missing:
            lines += ["", "Not run in this record: " + ", ".join(f"`{m}`" for m in missing) + "."]
        lines.append("")
    return "\n".join(lines)


def prepare_smiles_model(folder: Path | None, data_root) -> dict:
    """Point the smiles rows at ``folder`` (pretrained there with seed :data:`SMILES_SEED`
    when it holds no model) and return what the results record of it."""
    from graphmed.features.smiles_lm import describe_smiles_lm, pretrained_smiles_lm

    folder = pretrained_smiles_lm(folder, seed=SMILES_SEED, data_root=data_root, num_threads=1)
    global SMILES_MODEL
    SMILES_MODEL = folder
    return describe_smiles_lm(folder)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root")
    parser.add_argument("--datasets", nargs="+", default=["fdataset", "cdataset"])
    parser.add_argument("--protocol", default="new-disease")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--threads", type=int)
    parser.add_argument("--smiles-model", type=Path,
                        help="SMILES Transformer folder for the smiles rows (default: pretrained "
                             f"with seed {SMILES_SEED} into graphmed's cache when not there)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="modalities")
    parser.add_argument("--combine", type=Path, nargs="+", metavar="JSON",
                        help="only merge results files of parallel runs")
    args = parser.parse_args(argv)
    if args.combine:
        record = combine([json.loads(path.read_text()) for path in args.combine])
    else:
        unknown = [v for v in args.variants if v not in VARIANTS]
        if unknown:
            parser.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        record = {"benchmark": "modalities", "protocol": args.protocol, "seeds": args.seeds,
                  "model_seed": MODEL_SEED, "results": {}, "data_checksums": {},
                  "environment": environment()}
        if any("smiles" in v for v in args.variants):
            record["smiles_model"] = prepare_smiles_model(args.smiles_model, args.data_root)
        for name in args.datasets:
            dataset = load_dataset(name, args.data_root)
            record["data_checksums"][name] = dataset.checksum
            rows = record["results"].setdefault(name, {})
            for variant in args.variants:
                rows[variant] = run(dataset, variant, args.protocol, args.seeds)
                auroc, _ = _metric(rows[variant], "fold_mean", "auroc")
                aupr, _ = _metric(rows[variant], "fold_mean", "aupr")
                print(f"{name:9s} {variant:28s} AUROC {auroc:.4f}  AUPR {aupr:.4f}  "
                      f"{_weights_text(rows[variant])}", flush=True)
                args.out.mkdir(parents=True, exist_ok=True)
                atomic_write_json(args.out / f"{args.name}.json", record)  # nothing lost if stopped
    args.out.mkdir(parents=True, exist_ok=True)
    print("\n" + save_report(args.out / args.name, record, render))
    return 0


if __name__ == "__main__":
    sys.exit(main())
