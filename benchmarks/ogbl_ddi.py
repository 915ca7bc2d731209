"""ogbl-ddi: OGB's GCN and GraphSAGE baselines and graphmed's model, official split and evaluator.

    python benchmarks/ogbl_ddi.py --data-root ../shared/data --seeds 3
    python benchmarks/ogbl_ddi.py --epochs 2 --seeds 1 --out /tmp/ddi_smoke   # smoke run

For each model and seed, trains on the training edges (full graph, learnable node
embeddings, CSR sparse products; see :mod:`graphmed.models.ddi`), scores validation and
test positives against the official negatives with ``ogb.linkproppred.Evaluator('ogbl-ddi')``
every ``--eval-every`` epochs and reports test Hits@20 (and @10, @30) at the epoch with
the best validation Hits@20, mean ± std over seeds, with epoch time, total time, peak
memory (process RSS; CUDA max allocated on a GPU) and how close the sparse products of
an epoch come to the memory-bandwidth bound (bytes they must move / their time, beside
the copy bandwidth of the machine measured here). Models ``spectral`` and
``spectral-plain`` (:class:`~graphmed.models.spectral_link.SpectralLinkModel`) have no
training loop: eigendecompositions of the degree-normalised training adjacency (of the
plain adjacency for ``spectral-plain``), normalisation, degree exponent and soft threshold
chosen on validation Hits@20; they are deterministic, so each runs once whatever
``--seeds``. The same command runs on a GPU
(``--device auto`` picks CUDA when there is one). Writes ``ogbl_ddi.{json,md}`` under
``--out`` (default ``benchmarks/results``).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from graphmed.datasets.ogbl_ddi import load_ogbl_ddi
from graphmed.device import resolve_device
from graphmed.io import atomic_write_json
from graphmed.models.ddi import DDI_RECIPES, SPMM_STATS, fit_link_model
from graphmed.models.spectral_link import SpectralLinkModel
from graphmed.results import environment, save_report
from graphmed.training.memory import PeakMemory

RESULTS = Path(__file__).resolve().parent / "results"
KS = (10, 20, 30)
LABELS = {"gcn": "GCN (OGB example)", "sage": "GraphSAGE (OGB example)",
          "graphmed": "graphmed: SAGE + learnable embeddings, dot product, full batch, DropEdge, all-pairs loss",
          "spectral": "graphmed: spectral, soft-thresholded eigendecomposition of the "
                      "degree-normalised training adjacency",
          "spectral-plain": "graphmed: spectral, the same on the plain training adjacency"}
#: Spectral models (no training loop) and their settings beside the defaults.
SPECTRAL = {"spectral": {}, "spectral-plain": {"normalizations": (0.0,), "degree_exponents": (0.0,)}}
MODELS = (*DDI_RECIPES, *SPECTRAL)
#: Test Hits@20 on the OGB leaderboard (10 seeds), as reported, not rerun here; graphmed's
#: models are set beside the leaderboard entry they are measured against.
_LEADERBOARD = (0.9549, 0.0073, "GCN with learnable node embeddings (leaderboard #3)")
PUBLISHED = {"gcn": (0.3707, 0.0507, "GCN (OGB baseline)"),
             "sage": (0.5390, 0.0474, "GraphSAGE (OGB baseline)"),
             **{name: _LEADERBOARD for name in ("graphmed", *SPECTRAL)}}
TARGET = 0.95
#: Published ogbl-ddi results of link-prediction methods, as reported (not rerun here), to
#: place the spectral model: (method, source, valid Hits@20 or None, test Hits@20).
#: SEAL, Neo-GNN, BUDDY and HL-GNN as tabulated by Zhang et al. (KDD 2024, "Heuristic
#: Learning with Graph Neural Networks"); PLNLP from its authors' repository
#: (Wang et al., 2021, "Pairwise Learning for Neural Link Prediction").
CONTEXT = (("SEAL (Zhang and Chen, NeurIPS 2018)", "Zhang et al. 2024", None, 0.3056),
           ("Neo-GNN (Yun et al., NeurIPS 2021)", "Zhang et al. 2024", None, 0.6357),
           ("BUDDY (Chamberlain et al., ICLR 2023)", "Zhang et al. 2024", None, 0.7851),
           ("HL-GNN (Zhang et al., KDD 2024)", "Zhang et al. 2024", None, 0.8027),
           ("PLNLP (Wang et al., 2021)", "PLNLP repository", 0.8242, 0.9088))


def copy_bandwidth(device: torch.device, megabytes: int = 256, repeats: int = 5) -> float:
    """Best-of-``repeats`` copy bandwidth in GB/s (bytes read + written / time): numpy on
    the CPU, a tensor copy on a GPU."""
    n = megabytes * 2**20 // 4
    best = float("inf")
    if device.type == "cuda":
        src = torch.ones(n, device=device)
        dst = torch.empty_like(src)
        for _ in range(repeats):
            torch.cuda.synchronize(device)
            start = time.perf_counter()
            dst.copy_(src)
            torch.cuda.synchronize(device)
            best = min(best, time.perf_counter() - start)
    else:
        src = np.ones(n, dtype=np.float32)
        dst = np.empty_like(src)
        for _ in range(repeats):
            start = time.perf_counter()
            np.copyto(dst, src)
            best = min(best, time.perf_counter() - start)
    return 2 * n * 4 / best / 1e9


def ogb_evaluate():
    """``evaluate(pos, neg) -> {"hits@K": ...}`` from ogb's Evaluator (graphmed's
    :func:`hits_at_k`, which follows the same rule, when ogb is not installed)."""
    try:
        from ogb.linkproppred import Evaluator
    except ImportError:
        from graphmed.evaluation.metrics import hits_at_k

        return (lambda pos, neg: {f"hits@{k}": hits_at_k(pos, neg, k) for k in KS}), "graphmed"
    evaluator = Evaluator("ogbl-ddi")

    def evaluate(pos, neg):
        out = {}
        for k in KS:
            evaluator.K = k
            out[f"hits@{k}"] = float(evaluator.eval({"y_pred_pos": pos, "y_pred_neg": neg})[f"hits@{k}"])
        return out
    return evaluate, "ogb.linkproppred.Evaluator('ogbl-ddi')"


def parse_epoch_caps(items: list[str]) -> dict[str, int]:
    """``["gcn=8", "sage=8"]`` -> ``{"gcn": 8, "sage": 8}`` (known models, positive integers;
    epochs for ``--cap``, seeds for ``--model-seeds``)."""
    caps = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in DDI_RECIPES or not value.isdigit() or int(value) < 1:
            raise ValueError(f"expected MODEL=N with MODEL in {sorted(DDI_RECIPES)} and "
                             f"N a positive integer, got {item!r}")
        caps[name] = int(value)
    return caps


def recipe_settings(name: str, args) -> dict:
    """The recipe of ``name`` with its epochs replaced by ``--epochs`` / ``--cap``."""
    settings = dict(DDI_RECIPES[name])
    epochs = args.caps.get(name) or args.epochs
    if epochs:
        settings["epochs"] = epochs
    return settings


def run_one(ddi, name: str, seed: int, args, device: torch.device, evaluate, peak_bw: float) -> dict:
    """Train recipe ``name`` with ``seed``; with ``--checkpoint-dir``, continue a stopped run
    from its checkpoint, and keep a finished run's record there so that it is not rerun."""
    settings = recipe_settings(name, args)
    checkpoint = finished = None
    if args.checkpoint_dir is not None:
        args.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        checkpoint = args.checkpoint_dir / f"{name}-seed{seed}.npz"
        finished = checkpoint.with_suffix(".json")
        if finished.exists():
            record = json.loads(finished.read_text())
            if record.get("settings") == json.loads(json.dumps(settings)) and \
                    record.get("eval_every") == args.eval_every and \
                    record.get("data_checksum") == ddi.checksum:
                print(f"  {name} seed {seed}: finished earlier, record read from {finished}",
                      flush=True)
                return record
            raise SystemExit(f"{finished} holds a run with other settings or data; remove it "
                             f"(and {checkpoint.name}) to run {name} seed {seed} again")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    SPMM_STATS.enabled = True
    start = time.perf_counter()
    try:
        with PeakMemory() as memory:
            fit = fit_link_model(ddi.split_edge, ddi.num_nodes, eval_every=args.eval_every,
                                 seed=seed, device=device, evaluate=evaluate,
                                 log=lambda m: print(f"  {name} seed {seed} {m}", flush=True),
                                 checkpoint=checkpoint, **settings)
    finally:
        SPMM_STATS.enabled = False
    total = time.perf_counter() - start
    epoch_s = float(np.median(fit.epoch_times))  # robust to a run paused or sharing its core a while
    spmm_bytes = float(np.mean([s["bytes"] for s in fit.spmm]))
    spmm_s = float(np.mean([s["seconds"] for s in fit.spmm]))
    achieved = spmm_bytes / spmm_s / 1e9 if spmm_s > 0 else float("nan")
    record = {
        "model": name, "seed": seed, "settings": settings, "params": fit.params,
        "data_checksum": ddi.checksum, "environment": environment(),
        "best_epoch": fit.best_epoch, "epochs_run": fit.epochs_run,
        "valid": fit.best_valid, "test": fit.test_at_best,
        "epoch_time_s": epoch_s, "eval_time_s": float(np.mean(fit.eval_times)),
        # a resumed run: the fit loop's time summed over its parts; peak RSS of the last part
        "total_time_s": fit.elapsed_s if fit.resumed_at else total,
        "resumed_at": fit.resumed_at, "eval_every": args.eval_every,
        "peak_rss_mb": memory.peak_mb,
        "cuda_max_allocated_mb": (torch.cuda.max_memory_allocated(device) / 2**20
                                  if device.type == "cuda" else None),
        "spmm": {"calls_per_epoch": float(np.mean([s["calls"] for s in fit.spmm])),
                 "bytes_per_epoch": spmm_bytes, "seconds_per_epoch": spmm_s,
                 "achieved_gb_s": achieved, "fraction_of_copy_bandwidth": achieved / peak_bw,
                 "bound_seconds_per_epoch": spmm_bytes / (peak_bw * 1e9),
                 "share_of_epoch_time": spmm_s / epoch_s},
        "history": fit.history,
    }
    if finished is not None and fit.epochs_run == settings["epochs"]:
        atomic_write_json(finished, record)
    return record


def checkpoint_status(folder: Path) -> list[str]:
    """One line per run kept in ``folder`` by ``--checkpoint-dir``: finished, or the epoch
    it reached, with the best validation Hits@20 so far and the test Hits@20 there."""
    from graphmed.models.checkpoint import load_checkpoint

    lines = []
    for path in sorted(folder.glob("*.npz")):
        _, config = load_checkpoint(path)
        progress, settings = config["progress"], config["settings"]
        state = ("finished" if path.with_suffix(".json").exists()
                 else f"epoch {progress['epoch']} of {settings['epochs']}")
        best = progress["best_valid"].get("hits@20")
        scores = ("no evaluation yet" if progress["best_epoch"] < 0 else
                  f"best valid Hits@20 {best:.4f} at epoch {progress['best_epoch']}, "
                  f"test {progress['test_at_best']['hits@20']:.4f}")
        lines.append(f"{path.stem}: {state}; {scores}; {progress['elapsed_s'] / 3600:.2f} h "
                     f"of fitting in {len(progress['resumed_at']) + 1} part(s)")
    return lines or [f"no checkpoint in {folder}"]


def run_spectral(ddi, name: str, evaluate, device: torch.device) -> dict:
    """Fit spectral model ``name`` on the training edges (its setting chosen on validation
    Hits@20 from ``evaluate``), then score validation and test once."""
    split = ddi.split_edge
    model = SpectralLinkModel(**SPECTRAL[name], keep_decomposition=True, device=device)

    def scores():
        return {part: evaluate(model.score(split[part]["edge"]), model.score(split[part]["edge_neg"]))
                for part in ("valid", "test")}

    start = time.perf_counter()
    with PeakMemory() as memory:
        model.fit(split["train"]["edge"], ddi.num_nodes, split["valid"]["edge"],
                  split["valid"]["edge_neg"], metric=lambda pos, neg: evaluate(pos, neg)["hits@20"])
        fit_s = time.perf_counter() - start
        chosen = scores()
        total = time.perf_counter() - start
        # every candidate's test score, reported beside the choice (never used to make it)
        best = (model.normalization, model.degree_exponent, model.tau)
        chosen_setting = {"normalization": best[0], "degree_exponent": best[1], "tau": best[2],
                          "rank": model.rank}
        test = split["test"]
        candidates = []
        for candidate, rank, (pos, neg) in model.candidate_scores(test["edge"], test["edge_neg"]):
            # validation: the value the choice read (the evaluator's Hits@20; a single
            # candidate is not selected, so its validation score is the one measured after)
            valid = (model.selection[candidate] if model.selection
                     else chosen["valid"]["hits@20"])
            candidates.append({"normalization": candidate[0], "degree_exponent": candidate[1],
                               "tau": candidate[2], "valid_hits@20": valid, "rank": rank,
                               "test": chosen["test"] if candidate == best else evaluate(pos, neg)})
    return {"model": name, "seed": None, "settings": model.config(),
            "chosen": chosen_setting, "candidates": candidates,
            "valid": chosen["valid"], "test": chosen["test"], "fit_time_s": fit_s,
            "timings": model.timings, "total_time_s": total, "peak_rss_mb": memory.peak_mb,
            "cuda_max_allocated_mb": None, "params": 0}


def parse_merge(value: str) -> tuple[Path, tuple[str, ...] | None]:
    """``FILE`` or ``FILE=MODEL,MODEL``: an earlier results file and, optionally, which of its
    models to take."""
    path, sep, names = value.rpartition("=")
    if not sep or Path(value).exists() or "/" in names or os.sep in names:
        return Path(value), None  # a path that holds '=' (run=1/ogbl_ddi.json) is a path
    models = tuple(n.strip() for n in names.split(",") if n.strip())
    if not models:
        raise argparse.ArgumentTypeError(f"{value!r}: name the models after '=', e.g. "
                                         f"{path}=gcn,sage")
    return Path(path), models


def merge_earlier(result: dict, path: Path, only: tuple[str, ...] | None = None) -> None:
    """Add to ``result`` the models of an earlier results file that are not in it yet (not
    run now, nor taken from a file merged before: the first file that has a model gives it),
    with their records, settings and epochs, and say in ``result["merged_from"]`` which run
    each of them comes from (the earlier file's own provenance when it was itself merged).
    ``only``: take these of its models and no others."""
    earlier = json.loads(Path(path).read_text())
    if earlier.get("data_checksum") != result["data_checksum"]:
        raise SystemExit(f"--merge {path}: data checksum {earlier.get('data_checksum')} differs "
                         f"from this run's {result['data_checksum']}")
    missing = [name for name in only or () if name not in earlier["models"]]
    if missing:
        raise SystemExit(f"--merge {path}: no model {', '.join(missing)} in it (it has "
                         f"{', '.join(earlier['models'])})")
    kept = [name for name in earlier["models"]
            if name not in result["models"] and (only is None or name in only)]
    own = {"argv": earlier["argv"], "created": earlier["created"],
           "device_name": earlier["device_name"], "threads": earlier["threads"],
           "environment": earlier.get("environment")}
    inherited = {}
    previous = earlier.get("merged_from") or []
    if isinstance(previous, dict):  # files written when one merge was all a file could hold
        previous = [previous]
    for entry in previous:
        for name in entry["models"]:
            inherited[name] = {k: entry.get(k) for k in ("argv", "created", "device_name",
                                                         "threads", "environment")}
    runs: dict[str, dict] = {}
    for name in kept:
        result["records"] += [r for r in earlier["records"] if r["model"] == name]
        result["model_seeds"][name] = earlier["model_seeds"][name]
        result["settings"][name] = earlier["settings"][name]
        for key in ("epochs", "recipe_epochs"):
            if name in earlier.get(key, {}):
                result[key][name] = earlier[key][name]
        source = inherited.get(name, own)
        runs.setdefault(json.dumps(source, sort_keys=True), {**source, "models": []})["models"].append(name)
    result["models"] = kept + result["models"]
    result.setdefault("merged_from", []).extend({"file": str(path), **run} for run in runs.values())


def summarise(records: list[dict], models: list[str]) -> dict:
    out = {}
    for name in models:
        runs = [r for r in records if r["model"] == name]
        entry = {"n_seeds": len(runs)}
        for split in ("valid", "test"):
            for k in KS:
                values = np.array([r[split][f"hits@{k}"] for r in runs])
                entry[f"{split}_hits@{k}"] = {"mean": float(values.mean()),
                                              "std": float(values.std(ddof=1)) if len(runs) > 1 else 0.0}
        for key in ("total_time_s", "peak_rss_mb"):
            entry[key] = float(np.mean([r[key] for r in runs]))
        if name in SPECTRAL:
            entry["chosen"], entry["cuda_max_allocated_mb"] = runs[0]["chosen"], None
            out[name] = entry
            continue
        for key in ("best_epoch", "epoch_time_s"):
            entry[key] = float(np.mean([r[key] for r in runs]))
        cuda = [r["cuda_max_allocated_mb"] for r in runs if r["cuda_max_allocated_mb"] is not None]
        entry["cuda_max_allocated_mb"] = float(max(cuda)) if cuda else None
        for key in ("bytes_per_epoch", "seconds_per_epoch", "achieved_gb_s",
                    "fraction_of_copy_bandwidth", "bound_seconds_per_epoch", "share_of_epoch_time"):
            entry[f"spmm_{key}"] = float(np.mean([r["spmm"][key] for r in runs]))
        out[name] = entry
    return out


def candidate_table(record: dict) -> list[str]:
    """Markdown lines: validation / test Hits@20 of every setting a spectral model scored,
    one row per (normalisation a, degree exponent b), one column per threshold τ."""
    thresholds = sorted({c["tau"] for c in record["candidates"]})
    rows: dict[tuple, dict] = {}
    for c in record["candidates"]:
        rows.setdefault((c["normalization"], c["degree_exponent"]), {})[c["tau"]] = c
    chosen = record["chosen"]
    lines = [f"Model `{record['model']}`, every candidate setting, validation / test Hits@20 "
             "(rank): the choice (bold) reads validation Hits@20 only; the test scores of the "
             "others say how much the choice matters and were not used to make it.", "",
             "| a | b | " + " | ".join(f"τ = {t:g}" for t in thresholds) + " |",
             "|---|---|" + "---|" * len(thresholds)]
    for (a, b), by_tau in rows.items():
        cells = []
        for t in thresholds:
            c = by_tau[t]
            cell = f"{c['valid_hits@20']:.3f} / {c['test']['hits@20']:.3f} ({c['rank']})"
            if (a, b, t) == (chosen["normalization"], chosen["degree_exponent"], chosen["tau"]):
                cell = f"**{cell}**"
            cells.append(cell)
        lines.append(f"| {a:g} | {b:g} | " + " | ".join(cells) + " |")
    return lines


def _pm(entry: dict, n: int) -> str:
    return f"{entry['mean']:.4f} ± {entry['std']:.4f}" if n > 1 else f"{entry['mean']:.4f}"


def _epochs(result: dict, name: str) -> str:
    run, recipe = result["epochs"][name], result.get("recipe_epochs", {}).get(name, result["epochs"][name])
    return str(run) if run == recipe else f"{run} (capped; recipe {recipe})"


def markdown(result: dict) -> str:
    summary, env = result["summary"], result["environment"]
    lines = [
        "# ogbl-ddi: official split, OGB evaluator", "",
        f"Generated by `python benchmarks/ogbl_ddi.py {' '.join(result['argv'])}` (graphmed "
        f"{env['graphmed']}, torch {env['torch']}) on {result['created']}; device: "
        f"{result['device_name']}, {result['threads']} CPU thread(s). Scores from "
        f"{result['evaluator']}: test Hits@K at the epoch with the best validation Hits@20 "
        f"(evaluated every {result['eval_every']} epochs and after the last), mean ± std over "
        f"seeds ({', '.join(f'{m}: {s}' for m, s in result['model_seeds'].items() if s)}).", ""]
    for merged in result.get("merged_from", []):
        lines += [f"Rows {', '.join(merged['models'])} come from an earlier run, `python "
                  f"benchmarks/ogbl_ddi.py {' '.join(merged['argv'])}` on {merged['created']} "
                  f"({merged['device_name']}, {merged['threads']} CPU thread(s)); merged with "
                  "`--merge`.", ""]
    lines += [
        "| model | test Hits@20 | test Hits@10 | test Hits@30 | valid Hits@20 | best epoch / epochs "
        "| epoch | total | peak RSS | CUDA max alloc | published test Hits@20 |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in summary.items():
        n = s["n_seeds"]
        mean, std, what = PUBLISHED[name]
        cuda = f"{s['cuda_max_allocated_mb']:.0f} MB" if s["cuda_max_allocated_mb"] else "–"
        if name in SPECTRAL:
            c = s["chosen"]
            when = (f"no epochs: a = {c['normalization']:g}, b = {c['degree_exponent']:g}, "
                    f"τ = {c['tau']:g} (rank {c['rank']}), deterministic")
            epoch = "–"
        else:
            when = f"{s['best_epoch']:.0f} / {_epochs(result, name)}"
            epoch = f"{s['epoch_time_s']:.1f} s"
        lines.append(
            f"| {LABELS[name]} | **{_pm(s['test_hits@20'], n)}** | {_pm(s['test_hits@10'], n)} | "
            f"{_pm(s['test_hits@30'], n)} | {_pm(s['valid_hits@20'], n)} | "
            f"{when} | {epoch} | "
            f"{s['total_time_s'] / 60:.1f} min | {s['peak_rss_mb'] / 1024:.2f} GB | {cuda} | "
            f"{mean:.4f} ± {std:.4f} ({what}) |")
    for record in result["records"]:
        if record["model"] in SPECTRAL:
            lines += ["", *candidate_table(record)]
    lines += ["", "Published results of other link-prediction methods (as reported, not rerun "
              "here), to place the rows above:", "",
              "| method | valid Hits@20 | test Hits@20 | numbers from |", "|---|---|---|---|"]
    lines += [f"| {method} | {'–' if valid is None else f'{valid:.4f}'} | {test:.4f} | {source} |"
              for method, source, valid, test in CONTEXT]
    lines += ["", f"Target for graphmed's model: test Hits@20 >= {TARGET} in under an hour per seed "
              "on a 2-core CPU.", "",
              "## Sparse products against the memory-bandwidth bound", "",
              "Bytes an epoch's CSR products must move at least (per product: column indices and "
              "values, row pointers, each dense input row read once, the output written once), "
              "their measured time, and the achieved rate beside the copy bandwidth measured on "
              f"this machine ({result['copy_bandwidth_gb_s']:.1f} GB/s, read + write, "
              f"{result['bandwidth_method']}).", "",
              "| model | products / epoch | GB / epoch | product time / epoch | share of epoch "
              "| achieved GB/s | of copy bandwidth | bound time / epoch |",
              "|---|---|---|---|---|---|---|---|"]
    for name, s in summary.items():
        if name in SPECTRAL:  # dense eigendecompositions, no sparse products
            continue
        runs = [r for r in result["records"] if r["model"] == name]
        calls = runs[0]["spmm"]["calls_per_epoch"] if runs else float("nan")
        lines.append(
            f"| {LABELS[name]} | {calls:.0f} | {s['spmm_bytes_per_epoch'] / 1e9:.2f} | "
            f"{s['spmm_seconds_per_epoch']:.2f} s | {100 * s['spmm_share_of_epoch_time']:.0f}% | "
            f"{s['spmm_achieved_gb_s']:.2f} | {100 * s['spmm_fraction_of_copy_bandwidth']:.1f}% | "
            f"{s['spmm_bound_seconds_per_epoch']:.3f} s |")
    lines += ["", "Settings: " + "; ".join(
        f"**{name}** " + ", ".join(f"{k}={v}" for k, v in result["settings"][name].items())
        for name in summary) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    parser.add_argument("--epochs", type=int, default=0,
                        help="epochs per run (default: each model's recipe: 200, 200, 250)")
    parser.add_argument("--cap", nargs="+", default=[], metavar="MODEL=EPOCHS",
                        help="epochs of some models only, e.g. --cap gcn=10 sage=10 "
                             "(overrides --epochs for them)")
    parser.add_argument("--model-seeds", nargs="+", default=[], metavar="MODEL=SEEDS",
                        help="number of seeds of some models only, e.g. --model-seeds gcn=1 sage=1 "
                             "(overrides --seeds for them)")
    parser.add_argument("--only-seeds", type=int, nargs="+", default=[], metavar="SEED",
                        help="train only these seeds of each trained model, e.g. one seed per "
                             "process side by side with --checkpoint-dir; a later run with "
                             "--seeds and the same --checkpoint-dir reads their records")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (default: all cores, os.cpu_count())")
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"output folder (default {RESULTS})")
    parser.add_argument("--checkpoint-dir", type=Path, metavar="DIR",
                        help="save each trained run's state in DIR every epoch and continue "
                             "stopped runs from there when started again with the same "
                             "arguments (finished runs are read, not rerun)")
    parser.add_argument("--merge", type=parse_merge, nargs="+", default=[], metavar="JSON",
                        help="earlier ogbl_ddi.json files whose models not run now are kept in "
                             "the results, the first file that has a model giving it (same data "
                             "checksum required); FILE=gcn,sage takes only those models of it")
    parser.add_argument("--status", action="store_true",
                        help="with --checkpoint-dir: print how far each kept run has got, "
                             "and train nothing")
    args = parser.parse_args(argv)
    if args.status:
        if args.checkpoint_dir is None:
            parser.error("--status needs --checkpoint-dir")
        print("\n".join(checkpoint_status(args.checkpoint_dir)))
        return 0
    if args.seeds < 1 or args.epochs < 0 or args.eval_every < 1 or args.threads < 0 or \
            any(seed < 0 for seed in args.only_seeds):
        parser.error("--seeds and --eval-every must be positive, --epochs, --threads and "
                     "--only-seeds >= 0")
    try:
        args.caps = parse_epoch_caps(args.cap)
        model_seeds = parse_epoch_caps(args.model_seeds)
    except ValueError as error:
        parser.error(f"--cap / --model-seeds: {error}")
    try:
        device = resolve_device(args.device)
    except ValueError as error:
        parser.error(f"--device: {error}")
    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)

    evaluate, evaluator_name = ogb_evaluate()
    peak_bw = copy_bandwidth(device)
    method = ("torch tensor copy on the GPU, 256 MB, best of 5" if device.type == "cuda"
              else "numpy.copyto of 256 MB, one thread, best of 5")
    device_name = (torch.cuda.get_device_name(device) if device.type == "cuda"
                   else f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    start = time.perf_counter()
    ddi = load_ogbl_ddi(args.data_root)
    load_s = time.perf_counter() - start
    print(f"{ddi} loaded in {load_s:.1f} s; device {device_name}, {threads} thread(s); "
          f"copy bandwidth {peak_bw:.1f} GB/s; evaluator {evaluator_name}", flush=True)
    only = sorted(set(args.only_seeds))
    seeds = only or list(range(args.seeds))

    def seeds_of(name: str) -> list[int]:
        return only or list(range(model_seeds.get(name, args.seeds)))
    records = []
    for name in args.models:
        if name in SPECTRAL:
            r = run_spectral(ddi, name, evaluate, device)
            records.append(r)
            c = r["chosen"]
            print(f"{name}: test Hits@20 {r['test']['hits@20']:.4f} (valid {r['valid']['hits@20']:.4f}) "
                  f"at a {c['normalization']:g}, b {c['degree_exponent']:g}, tau {c['tau']:g}, "
                  f"rank {c['rank']}; "
                  f"{r['total_time_s']:.0f} s total, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
            continue
        for seed in seeds_of(name):
            r = run_one(ddi, name, seed, args, device, evaluate, peak_bw)
            records.append(r)
            sp = r["spmm"]
            print(f"{name:>8} seed {seed}: test Hits@20 {r['test']['hits@20']:.4f} (valid "
                  f"{r['valid']['hits@20']:.4f}) at epoch {r['best_epoch']}/{r['epochs_run']}; "
                  f"{r['epoch_time_s']:.1f} s/epoch, {r['total_time_s']:.0f} s total, peak RSS "
                  f"{r['peak_rss_mb']:.0f} MB; sparse products {sp['bytes_per_epoch'] / 1e9:.2f} GB "
                  f"in {sp['seconds_per_epoch']:.2f} s/epoch = {sp['achieved_gb_s']:.2f} GB/s "
                  f"({100 * sp['fraction_of_copy_bandwidth']:.1f}% of {peak_bw:.1f} GB/s copy "
                  f"bandwidth; bound {sp['bound_seconds_per_epoch']:.3f} s)", flush=True)
    trained = [name for name in args.models if name in DDI_RECIPES]
    result = {
        "benchmark": "ogbl-ddi", "dataset": ddi.name, "data_checksum": ddi.checksum,
        "argv": list(sys.argv[1:] if argv is None else argv), "models": list(args.models),
        "seeds": seeds, "model_seeds": {name: seeds_of(name) if name in DDI_RECIPES else []
                                         for name in args.models},
        "eval_every": args.eval_every, "device": str(device),
        "device_name": device_name, "threads": threads, "evaluator": evaluator_name,
        "selection": "test Hits@K at the epoch with the best validation Hits@20 (spectral: at "
                     "the setting with the best validation Hits@20)",
        "settings": {name: (recipe_settings(name, args) if name in DDI_RECIPES
                            else SpectralLinkModel(**SPECTRAL[name], device=device).config())
                     for name in args.models},
        "epochs": {name: recipe_settings(name, args)["epochs"] for name in trained},
        "recipe_epochs": {name: DDI_RECIPES[name]["epochs"] for name in trained},
        "copy_bandwidth_gb_s": peak_bw, "bandwidth_method": method, "load_time_s": load_s,
        "published": {name: {"test_hits@20": m, "std": s, "method": w}
                      for name, (m, s, w) in PUBLISHED.items()},
        "published_context": [{"method": m, "numbers_from": src, "valid_hits@20": v,
                               "test_hits@20": t} for m, src, v, t in CONTEXT],
        "target_test_hits@20": TARGET, "records": records, "environment": environment(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    for path, only in args.merge:
        merge_earlier(result, path, only)
    result["summary"] = summarise(result["records"], result["models"])
    args.out.mkdir(parents=True, exist_ok=True)
    print(save_report(args.out / "ogbl_ddi", result, markdown))
    print(f"wrote {args.out / 'ogbl_ddi'}.{{json,md}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
