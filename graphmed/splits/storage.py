"""Save and reload folds: a plain ``.npz`` archive (no pickle) with JSON metadata."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from graphmed.errors import DataFormatError
from graphmed.io import atomic_write_bytes
from graphmed.splits.fold import PARTS, Fold

FORMAT_VERSION = 1


def save_folds(folds: list[Fold], path: str | Path, *, dataset_checksum: str | None = None) -> Path:
    """Write ``folds`` to ``path`` atomically; ``dataset_checksum`` ties them to their data."""
    if isinstance(folds, Fold):
        raise TypeError("folds must be a list of folds; wrap one fold as [fold]")
    folds = list(folds)
    if not folds:
        raise ValueError("no folds to save")
    for fold in folds[1:]:
        if (fold.protocol, fold.shape) != (folds[0].protocol, folds[0].shape):
            raise ValueError(f"folds to save together need one protocol and shape; fold "
                             f"{fold.index} is {fold.protocol} {fold.shape}, fold "
                             f"{folds[0].index} {folds[0].protocol} {folds[0].shape}")
    meta = {"format_version": FORMAT_VERSION, "protocol": folds[0].protocol, "seed": folds[0].seed,
            "n_folds": len(folds), "shape": list(folds[0].shape), "dataset_checksum": dataset_checksum,
            "seeds": [fold.seed for fold in folds], "indices": [fold.index for fold in folds]}
    arrays = {"meta": np.array(json.dumps(meta))}
    for i, fold in enumerate(folds):
        for part in PARTS:
            arrays[f"fold{i}_{part}"] = getattr(fold, part)
        arrays[f"fold{i}_held_out_diseases"] = fold.held_out_diseases
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def load_folds(path: str | Path, *, dataset_checksum: str | None = None) -> list[Fold]:
    """Read folds written by :func:`save_folds`; never unpickles anything.

    Raises:
        DataFormatError: unreadable file, or folds made for other data than ``dataset_checksum``.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            folds = [Fold(meta["protocol"], meta["indices"][i], meta["seeds"][i], tuple(meta["shape"]),
                          held_out_diseases=archive[f"fold{i}_held_out_diseases"],
                          **{part: archive[f"fold{i}_{part}"] for part in PARTS})
                     for i in range(meta["n_folds"])]
    except (OSError, EOFError, ValueError, KeyError, TypeError, json.JSONDecodeError,
            zipfile.BadZipFile) as exc:
        raise DataFormatError(f"not a graphmed folds file ({type(exc).__name__}: {exc})",
                              source=path) from None
    stored = meta.get("dataset_checksum")
    if dataset_checksum is not None and stored is not None and stored != dataset_checksum:
        raise DataFormatError(f"these folds were made for data with checksum {stored[:12]}…, not "
                              f"{dataset_checksum[:12]}…", source=path)
    return folds
