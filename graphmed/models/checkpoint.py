"""Model checkpoints: tensors in a ``.npz`` archive plus a JSON config; loading runs no code.

A checkpoint never contains pickled objects: ``numpy.load(..., allow_pickle=False)``
refuses them, so a tampered file cannot execute anything when it is loaded.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from graphmed._version import __version__
from graphmed.errors import DataFormatError
from graphmed.io import atomic_write_bytes

_CONFIG_KEY = "__config__"
_DTYPES_KEY = "__dtypes__"


def save_checkpoint(path: str | Path, state: Mapping[str, Any], config: Mapping[str, Any]) -> Path:
    """Write ``state`` (name -> tensor or array) and a JSON-serialisable ``config`` atomically."""
    arrays, dtypes = {}, {}
    for name, value in state.items():
        if name.startswith("__"):
            raise ValueError(f"state names may not start with '__': {name!r}")
        if isinstance(value, torch.Tensor):
            dtypes[name] = str(value.dtype).removeprefix("torch.")
            value = value.detach().cpu()
            value = value.float() if value.dtype == torch.bfloat16 else value
            value = value.numpy()
        arrays[name] = np.asarray(value)
    meta = {"graphmed": __version__, "config": dict(config)}
    arrays[_CONFIG_KEY] = np.array(json.dumps(meta))
    arrays[_DTYPES_KEY] = np.array(json.dumps(dtypes))
    for name, value in arrays.items():
        if value.dtype == object:
            raise TypeError(f"state entry {name!r} holds Python objects; a checkpoint holds "
                            "numbers and text only (it loads without unpickling)")
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor | np.ndarray], dict]:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Returns:
        ``(state, config)``; tensors saved from torch come back as tensors of their dtype.
    Raises:
        DataFormatError: not a graphmed checkpoint, or it holds pickled objects.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive[_CONFIG_KEY]))
            dtypes = json.loads(str(archive[_DTYPES_KEY]))
            if not isinstance(meta, dict) or not isinstance(meta.get("config"), dict) \
                    or not isinstance(dtypes, dict):
                raise ValueError("its config or dtype table is not a JSON object")
            config = meta["config"]
            state: dict[str, torch.Tensor | np.ndarray] = {}
            for name in archive.files:
                if name in (_CONFIG_KEY, _DTYPES_KEY):
                    continue
                array = archive[name]
                if name in dtypes:
                    state[name] = torch.from_numpy(array.copy()).to(_dtype(dtypes[name], name))
                else:
                    state[name] = array
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise DataFormatError(f"not a graphmed checkpoint ({type(exc).__name__}: {exc})",
                              source=path) from None
    return state, config


def _dtype(name: object, array: str) -> torch.dtype:
    """The torch dtype a checkpoint names for ``array`` (only names of dtypes are read)."""
    dtype = getattr(torch, name, None) if isinstance(name, str) else None
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"array {array!r} has an unknown dtype {name!r}")
    return dtype
