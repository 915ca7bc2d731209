"""Atomic file writes and content hashing."""
from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from graphmed.errors import OutputPathError


def check_writable(path: str | Path) -> Path:
    """Raise now, before any work, if a file could not be written at ``path``.

    Raises:
        OutputPathError: a folder stands at ``path``, a file stands where a folder above it
            must go, or the nearest existing folder above it cannot be written to (no
            permission, a read-only file system).
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{str(path)!r}: a folder stands where the file is to be written")
    for folder in (path.parent, *path.parent.parents):  # up to the first that exists
        if folder.exists():
            if not folder.is_dir():
                raise OutputPathError(f"{str(path)!r}: {str(folder)!r} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise OutputPathError(f"{str(path)!r}: folder {str(folder)!r} is not writable")
            break
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, then
    renamed over ``path`` (an atomic operation on POSIX and Windows).

    Raises:
        OutputPathError: see :func:`check_writable`; also when the system refuses the write
            (a full disk, a read-only file system), with its reason.
    """
    path = check_writable(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, _default_mode(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputPathError):
            raise OutputPathError(f"could not write {str(path)!r}: "
                                  f"{exc.strerror or exc}") from exc
        raise
    return path


@functools.lru_cache(maxsize=1)
def _process_umask() -> int:
    """The process's umask: from ``/proc/self/status`` where Linux has it (reading it through
    ``os.umask`` means setting it, which is not safe while other threads create files),
    else through ``os.umask``; read once per process."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _default_mode(path: Path) -> int:
    """The mode of the file being replaced, else what ``open`` would give (0o666 minus umask)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    return 0o666 & ~_process_umask()


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically.

    NumPy scalars and arrays are written as numbers and lists; a float that is NaN or
    infinite (a metric that could not be computed) as ``null``, so the file stays valid
    JSON (Python's ``json`` would write the bare ``NaN`` that other readers reject).
    """
    text = json.dumps(_finite_or_null(obj), indent=2, sort_keys=False, default=_json_default,
                      allow_nan=False)
    return atomic_write_text(path, text + "\n")


def _finite_or_null(obj: Any, _path: frozenset = frozenset()) -> Any:
    """``obj`` with every non-finite float, in any nesting of dicts, lists, tuples and
    NumPy arrays, replaced by ``None``.

    Raises:
        ValueError: a container holds itself (as ``json.dumps`` says of it).
    """
    import numpy as np

    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in _path:
            raise ValueError("Circular reference detected")
        inner = _path | {id(obj)}
        if isinstance(obj, dict):
            return {key: _finite_or_null(value, inner) for key, value in obj.items()}
        return [_finite_or_null(value, inner) for value in obj]
    if isinstance(obj, np.ndarray):
        return _finite_or_null(obj.tolist(), _path)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, *, decompress: bool = False) -> str:
    """SHA-256 of a file's bytes; with ``decompress`` of its gzip-decompressed content."""
    digest = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
