"""On-disk embedding cache: one folder per model identity, content-addressed entries.

Layout under the cache root (argument, else ``$GRAPHMED_CACHE``, else
``$XDG_CACHE_HOME/graphmed``, i.e. ``~/.cache/graphmed``)::

    <namespace>/<model id>/index.json        {"model": ..., "dim": d, "shards": {...}, "keys": {...}}
    <namespace>/<model id>/<shard>.npy       (rows, d) float32

A key is the SHA-256 of the input text; ``index.json`` maps it to (shard, row). Shards
are written before the index, both atomically, so a reader never sees a key whose row
is not on disk. Loading uses ``numpy.load(allow_pickle=False)``: no code runs.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from graphmed.io import atomic_write_bytes, atomic_write_json

logger = logging.getLogger(__name__)

ENV_CACHE = "GRAPHMED_CACHE"
FORMAT = 1


def default_cache_dir() -> Path:
    """``$GRAPHMED_CACHE``, else ``$XDG_CACHE_HOME/graphmed`` (``~/.cache/graphmed``)."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "graphmed"


def text_key(text: str) -> str:
    """Cache key of an input: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _index_problem(index: dict) -> str | None:
    """What is wrong with a cache index's structure (``None`` when nothing): ``dim`` an
    integer (or ``None`` while empty), ``shards`` name -> row count, ``keys`` key ->
    ``[shard, row]`` with the row inside its shard."""
    dim, shards, keys = index.get("dim"), index.get("shards"), index.get("keys")
    if not isinstance(shards, dict) or not isinstance(keys, dict):
        return "shards and keys must be mappings"
    if not (dim is None and not keys) and not (isinstance(dim, int) and dim >= 1):
        return f"dim {dim!r} is not a positive integer"
    if not all(isinstance(n, int) and n >= 0 for n in shards.values()):
        return "a shard's row count is not a non-negative integer"
    for key, entry in keys.items():
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in shards
                and isinstance(entry[1], int) and 0 <= entry[1] < shards[entry[0]]):
            return f"entry {entry!r} of {key[:40]!r} does not point into a shard"
    return None


class EmbeddingCache:
    """Embeddings of one model, keyed by :func:`text_key`.

    Args:
        model_id: hex digest identifying the model and its settings (see
            :func:`~graphmed.features.transformer_embedder.model_identity`).
        cache_dir: cache root; :func:`default_cache_dir` when ``None``.
        namespace: sub-folder grouping one kind of embedding, e.g. ``"text"``.
        model_info: JSON-able description of the model, stored in the index for people.
    """

    def __init__(self, model_id: str, cache_dir: str | Path | None = None, *,
                 namespace: str = "embeddings", model_info: dict | None = None):
        self.model_id = model_id
        self.folder = Path(cache_dir or default_cache_dir()).expanduser() / namespace / model_id
        self.model_info = dict(model_info or {})

    @property
    def index_path(self) -> Path:
        return self.folder / "index.json"

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.folder)!r})"

    def _read_index(self) -> dict:
        try:
            index = json.loads(self.index_path.read_text())
            if index.get("format") == FORMAT and index.get("model_id") == self.model_id:
                problem = _index_problem(index)
                if problem is None:
                    return index
                logger.warning("%s: %s; starting a new index", self.index_path, problem)
            else:
                logger.warning("%s: unexpected format or model id; starting a new index",
                               self.index_path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("%s is unreadable (%s); starting a new index", self.index_path, exc)
        return {"format": FORMAT, "model_id": self.model_id, "model": self.model_info,
                "dim": None, "shards": {}, "keys": {}}

    def __len__(self) -> int:
        return len(self._read_index()["keys"])

    def get(self, keys: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray]:
        """Look ``keys`` up.

        Returns:
            ``(values, found)``: ``(n, d)`` float32 (zero rows where not found; ``None`` when
            the cache is empty) and the ``(n,)`` bool mask of keys found.
        """
        index = self._read_index()
        found = np.zeros(len(keys), dtype=bool)
        if not index["keys"] or not keys:
            return None, found
        dim = int(index["dim"])
        values = np.zeros((len(keys), dim), dtype=np.float32)
        by_shard: dict[str, list[tuple[int, int]]] = {}
        for position, key in enumerate(keys):
            entry = index["keys"].get(key)
            if entry is not None:
                by_shard.setdefault(entry[0], []).append((position, int(entry[1])))
        for shard, pairs in by_shard.items():
            array = self._load_shard(shard, index["shards"].get(shard), dim)
            if array is None:
                continue
            positions, rows = np.array(pairs, dtype=np.int64).T
            values[positions] = array[rows]
            found[positions] = True
        return values, found

    def _load_shard(self, shard: str, rows: int | None, dim: int) -> np.ndarray | None:
        path = self.folder / shard
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            logger.warning("cache shard %s is unreadable (%s); its entries are recomputed", path, exc)
            return None
        if array.dtype != np.float32 or array.shape != (rows, dim):
            logger.warning("cache shard %s has %s %s, expected float32 (%s, %d); its entries are "
                           "recomputed", path, array.dtype, array.shape, rows, dim)
            return None
        if not np.isfinite(array).all():
            logger.warning("cache shard %s holds NaN or infinite values; its entries are "
                           "recomputed", path)
            return None
        return array

    def put(self, keys: Sequence[str], values: np.ndarray) -> None:
        """Store ``(n, d)`` ``values`` under ``keys`` (one new shard, then the index)."""
        values = np.ascontiguousarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[0] != len(keys):
            raise ValueError(f"{len(keys)} keys for values of shape {values.shape}")
        if not len(keys):
            return
        digest = hashlib.sha256("\n".join(keys).encode())
        digest.update(values.tobytes())
        shard = f"{digest.hexdigest()[:32]}.npy"
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        atomic_write_bytes(self.folder / shard, buffer.getvalue())
        index = self._read_index()  # re-read: another process may have added entries
        if index["dim"] not in (None, values.shape[1]):
            raise ValueError(f"{self.folder}: cached dimension is {index['dim']}, got {values.shape[1]}")
        index["dim"] = int(values.shape[1])
        index["shards"][shard] = int(values.shape[0])
        index["keys"].update({key: [shard, row] for row, key in enumerate(keys)})
        atomic_write_json(self.index_path, index)
