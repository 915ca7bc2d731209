"""Diagnosis on EHR graphs: multi-label diagnosis categories of held-out patients.

    python benchmarks/diagnosis.py --data-root ../shared/data --threads 1

Every model (label prior, logistic regression and MLP on bag-of-codes, logistic regression
that also reads the text of the codes, a plain heterogeneous GCN, HGT and the Trans4DD-style
model) runs on the MIMIC-IV demo, the
MIMIC-III demo (units: admissions; categories: ICD-10 chapters) and Synthea's 111-patient
sample (units: patients; categories: SNOMED semantic tags), 5 patient folds x 3 seeds.
Splits are by patient; the graph has no diagnosis edge of a validation or test unit;
epochs, regularisation and F1 thresholds are chosen on the validation patients. Code
nodes (diagnoses, procedures, drugs) carry text features (all-MiniLM-L6-v2 embeddings of
their titles and names, :func:`graphmed.ehr.add_text_features`; ``--no-text`` leaves
them out, and ``logistic-text-codes`` with them): the graph models and
``logistic-text-codes`` read them, the bag-of-codes baselines do not. Drug nodes carry
their known indications per category (PharmacotherapyDB's curated indications joined by
drug name and placed in the categories through the codes with the nearest titles,
:func:`graphmed.ehr.indications.add_indication_categories`; ``--no-indications`` leaves
them out) on the MIMIC graphs, whose categories are ICD-10 chapters (Synthea's SNOMED
semantic tags do not group diseases by body system): ``trans4dd`` and
``logistic-indications`` read them.
With ``--labs`` the MIMIC-IV admissions are also linked to their abnormal lab results
(:mod:`graphmed.ehr.labs`; the MIMIC-III demo ships no lab results and Synthea's sample no
observations, so their graphs stay as they are), codes every model reads beside drugs and
procedures:

    python benchmarks/diagnosis.py --labs --datasets mimic4_demo --out benchmarks/results/diagnosis_labs

With ``--first-hours H`` the models see of every admission only the codes recorded within
``H`` hours of its start (:func:`graphmed.ehr.first_hours`; MIMIC-III procedures, which have
no time, are left out), as a prediction made early in the stay would:

    python benchmarks/diagnosis.py --first-hours 24 --datasets mimic4_demo --out benchmarks/results/diagnosis_24h

Writes ``benchmarks/results/diagnosis.{json,md}``. These are 100-patient demos: the
numbers say how the models compare here, not how they do on the full databases.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from graphmed.cli.common import hours as hours_type
from graphmed.datasets.files import locate
from graphmed.datasets.indications import PHARMACOTHERAPYDB, load_indications
from graphmed.ehr import add_text_features, first_hours, load_mimic3, load_mimic4, load_synthea
from graphmed.ehr.files import source_checksums
from graphmed.ehr.indications import add_indication_categories
from graphmed.evaluation.multilabel import MULTILABEL_METRICS, MultiLabelEvaluator
from graphmed.io import atomic_write_text, sha256_file
from graphmed.models.diagnosis import DIAGNOSIS_MODELS, make_diagnosis_model
from graphmed.results import environment, save_report
from graphmed.tasks.diagnosis import DEFAULT_MIN_COUNT, patient_folds
from graphmed.training.diagnosis import fit_diagnosis_fold

RESULTS = Path(__file__).resolve().parent / "results"

#: data set -> (loader taking ``labs``, unit, what the categories are, whether they group
#: diseases by body system, so that a drug's known indications say which of them a unit has)
DATASETS = {
    "mimic4_demo": (lambda labs: load_mimic4(unit="admission", labs=labs), "admission",
                    "ICD-10 chapters", True),
    "mimic3_demo": (lambda labs: load_mimic3(unit="admission"), "admission", "ICD-10 chapters",
                    True),
    "synthea_111": (lambda labs: load_synthea(unit="patient"), "patient", "SNOMED semantic tags",
                    False),
}
#: Data sets whose loader reads abnormal lab results (``--labs``).
LAB_DATASETS = ("mimic4_demo",)
DEMO_NOTE = ("These are 100-patient demos (MIMIC-IV demo: 100 patients, 275 admissions; "
             "MIMIC-III demo: 100 patients, 129 admissions; Synthea: 111 synthetic patients). "
             "Test folds hold about 20 patients, so differences of a few hundredths are within "
             "the noise; the numbers are not comparable to published results on the full "
             "databases.")
LABELS = {"macro_auroc": "macro AUROC", "micro_auroc": "micro AUROC", "macro_f1": "macro F1",
          "micro_f1": "micro F1"}


def checksums(ehr) -> dict[str, str]:
    """sha256 of every file the loader read (of the decompressed content for .gz)."""
    return source_checksums(ehr.sources)


def run_dataset(name: str, models: list[str], seeds: list[int], n_folds: int, min_count: int,
                threshold_mode: str, log, text: bool = True, indications: bool = True,
                device: str = "cpu", labs: bool = False, hours: float | None = None) -> dict:
    loader, unit, categories, disease_groups = DATASETS[name]
    labs = labs and name in LAB_DATASETS
    ehr = loader(labs)
    graph = ehr.build()
    if hours is not None:
        graph = first_hours(graph, hours, untimed="drop")
    files = checksums(ehr)
    if text:
        graph = add_text_features(graph)
    indications = indications and disease_groups
    if not indications:
        skipped = [m for m in models if m in INDICATION_MODELS]
        if skipped:
            log(f"{name}: no known indications on the graph ({categories} do not group "
                f"diseases by body system, or --no-indications); {', '.join(skipped)} left out")
        models = [m for m in models if m not in INDICATION_MODELS]
    if indications:
        graph = add_indication_categories(graph, load_indications())
        files["indications"] = sha256_file(locate(PHARMACOTHERAPYDB))
        matched = int((graph.data["drug"].indication_categories.sum(1) > 0).sum())
        log(f"{name}: {matched} of {graph.num_nodes('drug')} drugs have known indications")
    n_patients = graph.num_nodes("patient")
    out = {"unit": unit, "categories": categories, "checksums": files, "text_features": text,
           "indications": indications, "labs": labs, "first_hours": hours,
           "graph": graph.summary(), "models": {}}
    for model_name in models:
        evaluator, runs, start = MultiLabelEvaluator(), [], time.perf_counter()
        for seed in seeds:
            for fold in patient_folds(n_patients, n_folds, seed=seed):
                model = make_diagnosis_model(model_name).use_device(device)
                result = fit_diagnosis_fold(model, graph, fold, seed=seed, min_count=min_count,
                                            threshold_mode=threshold_mode)
                evaluator.add(seed, fold.index, result.test_labels, result.test_scores,
                              result.thresholds, result.task.categories)
                history = getattr(model, "history", None)
                runs.append({"seed": seed, "fold": fold.index, **result.metrics,
                             "best_epoch": getattr(history, "best_epoch", None),
                             "val_score": getattr(history, "best_score", None),
                             "categories": result.task.categories,
                             "units": result.task.summary()["units"],
                             "seconds": round(result.seconds, 3)})
                log(f"{name} {model_name} seed {seed} fold {fold.index}: " + ", ".join(
                    f"{k} {result.metrics[k]:.3f}" for k in MULTILABEL_METRICS)
                    + f" ({result.seconds:.1f} s)")
        summary = evaluator.summarize()
        # the last fitted model's settings, with what it resolved at fit time
        out["models"][model_name] = {"config": model.config(),
                                     "graph": {"text_features": text, "indications": indications,
                                               "labs": labs, "first_hours": hours},
                                     "summary": summary.to_dict(), "runs": runs,
                                     "seconds": round(time.perf_counter() - start, 1)}
    return out


def _cell(m: dict) -> str:
    mean, std = m["fold_mean"], m["fold_std"]
    return "n/a" if mean is None else f"{mean:.3f} ± {std:.3f}"


def render(record: dict) -> str:
    cfg = record["config"]
    lines = ["# Diagnosis on EHR graphs (demos)", "",
             f"Generated by `python benchmarks/diagnosis.py` (graphmed "
             f"{record['environment']['graphmed']}). Multi-label diagnosis categories of "
             f"held-out patients; {cfg['folds']} patient folds x seeds "
             f"{', '.join(map(str, cfg['seeds']))}; mean ± std over the "
             f"{cfg['folds'] * len(cfg['seeds'])} (seed, fold) runs.", "",
             f"**{DEMO_NOTE}**", "",
             "Protocol: splits by patient (all units of a patient on one side), a validation "
             "part carved from the training patients; the graph has no diagnosis or category "
             "edge of a validation or test unit, in either direction (they keep their drug, "
             "procedure and patient edges); epochs, regularisation and F1 thresholds (per "
             f"category, `{cfg['threshold_mode']}`) are chosen on validation patients only. "
             f"Categories with fewer than {cfg['min_count']} training units with or without "
             "them are dropped per fold; macro AUROC averages the categories with a positive "
             "and a negative test unit, macro F1 those with a positive."
             + (" Code nodes (diagnoses, procedures, drugs) carry text features "
                "(all-MiniLM-L6-v2 embeddings of their titles and names), read by the graph "
                "models (`hetero-gcn`, `hgt`, `trans4dd`) and by `logistic-text-codes` (the "
                "mean title embedding of a unit's drugs and of its procedures next to its "
                "bag-of-codes), not by the bag-of-codes baselines."
                if cfg.get("text_features") else "")
             + (" Drug nodes carry their known indications per category (PharmacotherapyDB "
                "v1.0's curated disease-modifying and symptomatic indications, joined by drug "
                "name; each disease placed in the categories of the 5 diagnosis codes with the "
                "nearest titles): `trans4dd` reads them in its network and its logistic part, "
                "`logistic-indications` as one more column per category next to "
                "`logistic-text-codes`' features; no other model reads them. Only where the "
                "categories are ICD-10 chapters: SNOMED semantic tags (disorder, finding, "
                "...) do not group diseases by body system, so Synthea's graph has none."
                if cfg.get("indications") else "")
             + (" MIMIC-IV admissions are also linked to their abnormal lab results (one code "
                "per lab test and direction, e.g. creatinine high, from `labevents` rows the "
                "hospital flagged abnormal; `graphmed.ehr.labs`), which every model reads as "
                "codes beside drugs and procedures (and the text-reading models by the tests' "
                "names)." if cfg.get("labs") else "")
             + (f" The models see of every admission only the codes recorded within "
                f"{cfg['first_hours']:g} hours of its start (`graphmed.ehr.first_hours`), as a "
                "prediction made then would; the diagnoses to predict are those of the whole "
                "stay." if cfg.get("first_hours") is not None else ""), ""]
    for name, ds in record["datasets"].items():
        variant = "; with abnormal lab results" if ds.get("labs") else ""
        if ds.get("first_hours") is not None:
            variant += f"; codes of the first {ds['first_hours']:g} hours"
        lines += [f"## {name} (units: {ds['unit']}s; categories: {ds['categories']}{variant})", "",
                  "| model | " + " | ".join(LABELS[k] for k in MULTILABEL_METRICS)
                  + " | time, all runs (s) |",
                  "|---|" + "---|" * (len(MULTILABEL_METRICS) + 1)]
        best = max(ds["models"], key=lambda m: ds["models"][m]["summary"]["metrics"]
                   ["macro_auroc"]["fold_mean"] or -1)
        for model, r in ds["models"].items():
            cells = [_cell(r["summary"]["metrics"][k]) for k in MULTILABEL_METRICS]
            if model == best:
                cells[0] = f"**{cells[0]}**"
            lines.append(f"| `{model}` | " + " | ".join(cells) + f" | {r['seconds']:.0f} |")
        lines.append("")
        if "trans4dd" in ds["models"] and len(ds["models"]) > 1:
            def mean(m):
                return ds["models"][m]["summary"]["metrics"]["macro_auroc"]["fold_mean"] or -1
            rival = max((m for m in ds["models"] if m != "trans4dd"), key=mean)
            gap = mean("trans4dd") - mean(rival)
            lines += [f"`trans4dd` against the best other model on macro AUROC (`{rival}`): "
                      f"{gap:+.3f} ({'ahead' if gap > 0 else 'behind'}); "
                      + paired_comparison(ds["models"]["trans4dd"]["runs"],
                                          ds["models"][rival]["runs"]), ""]
    return "\n".join(lines)


def paired_comparison(runs: list[dict], rival_runs: list[dict], metric: str = "macro_auroc") -> str:
    """The difference of two models over the same (seed, fold) runs: mean, standard error
    and in how many runs the first is ahead (every seed tests each patient once, so runs of
    different seeds share test patients and the standard error is optimistic)."""
    rival = {(r["seed"], r["fold"]): r[metric] for r in rival_runs}
    diffs = np.array([r[metric] - rival[(r["seed"], r["fold"])] for r in runs
                      if r[metric] is not None and rival.get((r["seed"], r["fold"])) is not None])
    if len(diffs) < 2:
        return "too few paired runs to compare."
    se = diffs.std(ddof=1) / np.sqrt(len(diffs))
    return (f"paired over the same {len(diffs)} (seed, fold) runs: {diffs.mean():+.3f} ± "
            f"{se:.3f} (standard error, optimistic: every seed tests each patient once), "
            f"ahead in {int((diffs > 0).sum())} of {len(diffs)}.")


#: Settings an --update may change: which models run, and whether the graph carries the
#: drugs' indications (the models that read them say so in their rows).
UPDATABLE = ("models", "indications", "threads")


def merge(old: dict, new: dict) -> dict:
    """``old`` with the (data set, model) results of ``new`` replacing or joining its own.

    Refused unless both ran with the same settings (other than :data:`UPDATABLE`) on the
    same files (checksums of the tables both read). Every model row keeps the environment
    it ran in."""
    for key in sorted(set(old["config"]) | set(new["config"])):
        if key not in UPDATABLE and old["config"].get(key) != new["config"].get(key):
            raise SystemExit(f"--update needs the {key} setting of the results it updates "
                             f"({old['config'].get(key)!r}, this run {new['config'].get(key)!r})")
    for name, ds in new["datasets"].items():
        earlier = old["datasets"].get(name, {}).get("checksums", {})
        changed = sorted(t for t, digest in ds.get("checksums", {}).items()
                         if t in earlier and earlier[t] != digest)
        if changed:
            raise SystemExit(f"--update: {name}'s {', '.join(changed)} differ from the files "
                             "of the results it updates")
    merged = dict(old)
    merged["datasets"] = {
        name: dict(ds, models={m: dict(r, environment=r.get("environment", old["environment"]))
                               for m, r in ds["models"].items()})
        for name, ds in old["datasets"].items()}
    order = {m: k for k, m in enumerate(DIAGNOSIS_MODELS)}  # rows in the registry's order

    def by_registry(name: str) -> int:
        return order.get(name, len(order))

    for name, ds in new["datasets"].items():
        target = merged["datasets"].setdefault(name, dict(ds, models={}))
        checksums = {**target.get("checksums", {}), **ds.get("checksums", {})}
        target.update({k: v for k, v in ds.items() if k != "models"})  # the graph rerun now
        target["checksums"] = checksums
        target["models"].update({m: dict(r, environment=new["environment"])
                                 for m, r in ds["models"].items()})
        target["models"] = {m: target["models"][m] for m in sorted(target["models"], key=by_registry)}
    models = sorted(dict.fromkeys(old["config"]["models"] + new["config"]["models"]), key=by_registry)
    merged["config"] = dict(old["config"], models=models,
                            indications=new["config"].get("indications", False))
    # the file's environment is the one that wrote it; each row says where it ran
    merged["environment"], merged["created"] = new["environment"], new["created"]
    merged["wall_time_s"] = round(sum(m["seconds"] for ds in merged["datasets"].values()
                                      for m in ds["models"].values()), 1)
    return merged


#: Models that read the text features of code nodes (they need them).
TEXT_MODELS = {"logistic-text-codes", "logistic-indications"}
#: Models that read the drugs' known indications (they need them).
INDICATION_MODELS = {"logistic-indications"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="folder holding mimic4_demo/ ... (else $GRAPHMED_DATA)")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--models", nargs="+", choices=list(DIAGNOSIS_MODELS),
                        help="default: every model (with --no-text: those reading no text)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=DEFAULT_MIN_COUNT)
    parser.add_argument("--thresholds", choices=("class", "global"), default="class")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--device", default="cpu",
                        help="where the models with a network train (cpu, cuda, auto)")
    parser.add_argument("--no-text", dest="text", action="store_false",
                        help="no text features on code nodes")
    parser.add_argument("--no-indications", dest="indications", action="store_false",
                        help="no known indications on drug nodes")
    parser.add_argument("--labs", action="store_true",
                        help="link MIMIC-IV admissions to their abnormal lab results")
    parser.add_argument("--first-hours", type=hours_type, metavar="H",
                        help="keep only the codes recorded within H hours of an admission's start")
    parser.add_argument("--out", default=str(RESULTS / "diagnosis"),
                        help="output path without suffix (writes .json and .md; default: the "
                             "committed results, which a run of fewer models or seeds replaces)")
    parser.add_argument("--update", action="store_true",
                        help="rerun only --datasets x --models and keep the other results of --out")
    parser.add_argument("--render", action="store_true",
                        help="run nothing: write the .md of --out again from its .json")
    args = parser.parse_args(argv)
    if args.models is None:
        args.models = [m for m in DIAGNOSIS_MODELS
                       if (args.text or m not in TEXT_MODELS)
                       and (args.indications or m not in INDICATION_MODELS)]
    elif not args.text and TEXT_MODELS & set(args.models):
        parser.error(f"{', '.join(sorted(TEXT_MODELS & set(args.models)))} needs text features "
                     "(drop --no-text)")
    elif not args.indications and INDICATION_MODELS & set(args.models):
        parser.error(f"{', '.join(sorted(INDICATION_MODELS & set(args.models)))} needs known "
                     "indications (drop --no-indications)")
    if args.first_hours is not None:
        by_patient = [d for d in args.datasets if DATASETS[d][1] == "patient"]
        if by_patient:
            parser.error(f"--first-hours: the units of {', '.join(by_patient)} are patients, not "
                         "stays; leave it out of --datasets")
    out = Path(args.out)
    if args.render:
        text = render(json.loads(out.with_suffix(".json").read_text()))
        atomic_write_text(out.with_suffix(".md"), text)
        print(text)
        return 0
    if args.data_root:
        os.environ["GRAPHMED_DATA"] = str(Path(args.data_root).resolve())
    torch.set_num_threads(args.threads)
    seeds = list(range(args.seeds))
    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f} s] {message}", file=sys.stderr, flush=True)

    record = {"benchmark": "diagnosis", "note": DEMO_NOTE,
              "config": {"seeds": seeds, "folds": args.folds, "val_fraction": 0.2,
                         "min_count": args.min_count, "threshold_mode": args.thresholds,
                         "threads": args.threads, "device": args.device, "models": args.models,
                         "text_features": args.text, "indications": args.indications,
                         "labs": args.labs, "first_hours": args.first_hours},
              "datasets": {}}
    for name in args.datasets:
        record["datasets"][name] = run_dataset(name, args.models, seeds, args.folds,
                                               args.min_count, args.thresholds, log, args.text,
                                               args.indications, args.device, args.labs,
                                               args.first_hours)
    record["wall_time_s"] = round(time.perf_counter() - start, 1)
    record["environment"] = environment()
    record["created"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    if args.update and out.with_suffix(".json").exists():
        record = merge(json.loads(out.with_suffix(".json").read_text()), record)
    print(save_report(out, record, render))
    print(f"results written to {out}.json and {out}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
