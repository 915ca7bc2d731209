"""Feature extraction speed: MiniLM text features (cold and cached) and Morgan fingerprints.

    python benchmarks/features_speed.py --data-root ../shared/data

Embeds the name of every drug and disease of the data sets with the default text model
(all-MiniLM-L6-v2) twice: first with an empty temporary cache (model identity, import
and model load, encoding all timed), then with a new encoder reading that cache; once
per torch thread setting (torch's default and 1: on a CPU shared with other work one
thread can be faster). Then times ECFP4 fingerprints of every drug SMILES. Prints the
numbers beside the targets and writes ``benchmarks/results/features_speed.json`` and
``.md``. A benchmark, not a test: the targets are not enforced.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from graphmed.datasets import load_dataset
from graphmed.features import TextEncoder, entity_texts, morgan_fingerprints
from graphmed.results import environment, save_report

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"text_first_run_s": 60.0, "text_cached_run_s": 1.0}


def text_runs(texts: list[str], model_path: str | None, batch_size: int,
              num_threads: int | None) -> dict:
    """A first run from an empty temporary cache, then a new encoder reading that cache."""
    with tempfile.TemporaryDirectory(prefix="graphmed-cache-") as cache_dir:
        start = time.perf_counter()
        encoder = TextEncoder(model_path, batch_size=batch_size, cache_dir=cache_dir,
                              num_threads=num_threads)
        encoder.identity  # hashes the weights, config and tokenizer files
        identity_s = time.perf_counter() - start
        encoder.load()
        load_s = time.perf_counter() - start - identity_s
        first = encoder.encode(texts)
        first_s = time.perf_counter() - start

        start = time.perf_counter()
        cached_encoder = TextEncoder(model_path, batch_size=batch_size, cache_dir=cache_dir,
                                     num_threads=num_threads)
        second = cached_encoder.encode(texts)
        cached_s = time.perf_counter() - start
        assert cached_encoder._model is None, "the cached run loaded the model"
        assert np.array_equal(first.values, second.values)

    import torch

    return {
        "num_threads": num_threads or torch.get_num_threads(),
        "first_run_s": round(first_s, 3),
        "first_run_breakdown_s": {"identity": round(identity_s, 3),
                                  "import_and_model_load": round(load_s, 3),
                                  "encode": round(first_s - identity_s - load_s, 3)},
        "first_run_texts_per_s": round(len(texts) / first_s, 1),
        "cached_run_s": round(cached_s, 3),
        "cached_run_texts_per_s": round(len(texts) / cached_s, 1),
        "model": str(encoder.model_path), "model_identity": encoder.identity, "dim": encoder.dim,
        "max_length": encoder.max_length,
    }


def measure(data_root: str | None, dataset_names: list[str], model_path: str | None,
            batch_size: int, threads: list[int | None]) -> dict:
    datasets = [load_dataset(name, data_root) for name in dataset_names]
    texts = [t for d in datasets for kind in ("drug", "disease") for t in entity_texts(d, kind) if t]
    smiles = [s for d in datasets for s in d.drugs["smiles"]]
    runs = [text_runs(texts, model_path, batch_size, n) for n in threads]

    import rdkit.Chem  # noqa: F401  (import time is not fingerprint time)

    start = time.perf_counter()
    fingerprints = morgan_fingerprints(smiles, on_invalid="mask")
    morgan_s = time.perf_counter() - start

    import torch

    return {
        "benchmark": "features_speed",
        "datasets": dataset_names,
        "data_checksums": {name: d.checksum for name, d in zip(dataset_names, datasets)},
        "seed": None,  # nothing is random: fixed texts and SMILES, deterministic encoders
        "text": {"model": runs[0]["model"], "model_identity": runs[0]["model_identity"],
                 "dim": runs[0]["dim"], "batch_size": batch_size, "max_length": runs[0]["max_length"],
                 "n_texts": len(texts), "n_unique_texts": len(set(texts)), "runs": runs},
        "morgan": {"radius": 2, "n_bits": 2048, "n_smiles": len(smiles),
                   "n_parsed": int(fingerprints.mask.sum()), "time_s": round(morgan_s, 3),
                   "smiles_per_s": round(len(smiles) / morgan_s, 1)},
        "targets_s": TARGETS,
        "environment": {**environment(), "transformers": version("transformers"),
                        "rdkit": version("rdkit"), "cpu_count": os.cpu_count(),
                        "torch_default_threads": torch.get_num_threads(),
                        "load_average_1min": round(os.getloadavg()[0], 2)},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def markdown(record: dict) -> str:
    text, morgan, env, targets = record["text"], record["morgan"], record["environment"], record["targets_s"]
    lines = [
        "# Feature extraction speed", "",
        f"Generated by `python benchmarks/features_speed.py` (graphmed {env['graphmed']}, torch "
        f"{env['torch']}, transformers {env['transformers']}, rdkit {env['rdkit']}) on "
        f"{env['cpu_count']} CPU cores shared with other work (1-min load average "
        f"{env['load_average_1min']} at the end). Data sets: {', '.join(record['datasets'])}.",
        "",
        f"Text: every drug and disease name ({text['n_texts']} texts, {text['n_unique_texts']} unique) "
        f"with all-MiniLM-L6-v2 ({text['dim']}-d, batch {text['batch_size']}, max {text['max_length']} "
        "tokens). A first run starts from an empty cache: model identity (hashing its files), "
        "model load (importing transformers the first time in the process) and encoding. The "
        "cached run is a new encoder reading that cache; it does not load the model.", "",
        "| measurement | torch threads | measured | target | texts/s |", "|---|---|---|---|---|"]
    for run in text["runs"]:
        lines += [
            f"| text, first run (empty cache) | {run['num_threads']} | {run['first_run_s']:.2f} s "
            f"| < {targets['text_first_run_s']:.0f} s | {run['first_run_texts_per_s']:.0f} |",
            f"| text, second run (from cache) | {run['num_threads']} | {run['cached_run_s']:.3f} s "
            f"| < {targets['text_cached_run_s']:.0f} s | {run['cached_run_texts_per_s']:.0f} |"]
    lines += [f"| Morgan ECFP4, {morgan['n_smiles']} drug SMILES | – | {morgan['time_s']:.3f} s | – | "
              f"{morgan['smiles_per_s']:.0f} SMILES/s |", "", "First-run breakdown:", ""]
    for run in text["runs"]:
        b = run["first_run_breakdown_s"]
        lines.append(f"- {run['num_threads']} thread(s): identity {b['identity']:.2f} s, import and "
                     f"model load {b['import_and_model_load']:.2f} s, encoding {b['encode']:.2f} s")
    return "\n".join(lines + [""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA)")
    parser.add_argument("--datasets", nargs="+", default=["fdataset", "cdataset"])
    parser.add_argument("--model-path", help="local Hugging Face folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-threads", nargs="+", default=["default", "1"],
                        help="torch threads of each timed configuration ('default' = torch's)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON and markdown")
    parser.add_argument("--name", default="features_speed", help="file name stem of the outputs")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    try:
        threads = [None if n == "default" else int(n) for n in args.num_threads]
    except ValueError:
        parser.error("--num-threads takes positive integers or 'default'")
    if any(n is not None and n < 1 for n in threads):
        parser.error("--num-threads takes positive integers or 'default'")

    record = measure(args.data_root, args.datasets, args.model_path, args.batch_size, threads)
    table = markdown(record)
    print(table)
    save_report(args.out / args.name, record, markdown)
    print(f"wrote {args.out / (args.name + '.json')} and {args.out / (args.name + '.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
