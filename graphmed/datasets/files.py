"""Where data files live: the data root, each file's public URL and checksum, downloads.

The data root is resolved in this order:

1. the ``root`` argument of a loader,
2. the environment variable ``GRAPHMED_DATA``,
3. a per-user folder: ``$XDG_DATA_HOME/graphmed`` (``~/.local/share/graphmed``).

A file that is missing from the root is downloaded from its public URL when the
machine has internet (unless ``GRAPHMED_OFFLINE=1``) and verified by SHA-256;
otherwise a :class:`~graphmed.errors.DataNotFoundError` names the file, its URL
and how to point graphmed at a folder that has it.
"""
from __future__ import annotations

import gzip
import logging
import os
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from graphmed.errors import DataIntegrityError, DataNotFoundError
from graphmed.io import atomic_write_bytes, sha256_bytes, sha256_file

logger = logging.getLogger(__name__)

ENV_ROOT = "GRAPHMED_DATA"
ENV_OFFLINE = "GRAPHMED_OFFLINE"
DOWNLOAD_TIMEOUT_S = 30


@dataclass(frozen=True)
class DataFile:
    """One file of a data set.

    Attributes:
        path: location relative to the data root, e.g. ``"fdataset/Fdataset.mat"``.
        url: public URL of the original file, or ``None`` for a table curated from
            several public sources (see the data set's documentation) that has to be
            placed by hand.
        sha256: SHA-256 of the file's content; for a ``.gz`` path, of the
            decompressed content, which is the original file at ``url``.
        required: whether the data set can be loaded without it.
        gzipped_at_url: the file at ``url`` is itself the ``.gz`` file (saved as
            downloaded; ``sha256`` is still of the decompressed content).
    """

    path: str
    url: str | None
    sha256: str
    required: bool = True
    gzipped_at_url: bool = False

    @property
    def gzipped(self) -> bool:
        return self.path.endswith(".gz")


def default_data_root() -> Path:
    """The per-user data folder used when neither argument nor environment names one."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "graphmed"


def resolve_data_root(root: str | os.PathLike | None = None) -> Path:
    """Resolve the data root: argument, else ``$GRAPHMED_DATA``, else :func:`default_data_root`."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env).expanduser()
    return default_data_root()


def _how_to_set_root(root: Path) -> str:
    return (f"graphmed looked in the data root {root}. Put the file there, or point graphmed "
            f"at a folder that has it: pass root=... to the loader, use --data-root on the "
            f"command line, or set the environment variable {ENV_ROOT}.")


def _offline() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes"}


def _download(file: DataFile, target: Path) -> None:
    logger.info("downloading %s from %s", file.path, file.url)
    with urllib.request.urlopen(file.url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        payload = response.read()
    try:
        content = gzip.decompress(payload) if file.gzipped_at_url else payload
    except (OSError, EOFError, zlib.error) as exc:
        raise DataIntegrityError(f"download of {file.url} is not a readable gzip file ({exc}); "
                                 "not saved") from None
    got = sha256_bytes(content)
    if got != file.sha256:
        raise DataIntegrityError(
            f"download of {file.url} has sha256 {got}, expected {file.sha256}; not saved")
    if file.gzipped and not file.gzipped_at_url:
        payload = gzip.compress(payload, mtime=0)
    atomic_write_bytes(target, payload)


def locate(file: DataFile, root: str | os.PathLike | None = None, *, download: bool = True,
           verify: bool = True) -> Path | None:
    """Return the local path of ``file``, downloading it if it is missing.

    Returns ``None`` for a missing optional file that cannot be fetched.

    Raises:
        DataNotFoundError: a required file is missing and cannot be downloaded.
        DataIntegrityError: the file's content does not match its checksum
            (for example a truncated or edited copy).
    """
    root = resolve_data_root(root)
    target = root / file.path
    if not target.is_file():
        if download and file.url is not None and not _offline():
            try:
                _download(file, target)
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                if file.required:
                    raise DataNotFoundError(
                        f"{file.path} is missing and could not be downloaded from {file.url} "
                        f"({exc}). {_how_to_set_root(root)}") from None
                logger.warning("optional file %s is missing and could not be downloaded", file.path)
                return None
        elif file.required:
            source = f"its public URL is {file.url}" if file.url else "it has no single public URL"
            raise DataNotFoundError(
                f"{file.path} is missing ({source}; download disabled or offline). "
                f"{_how_to_set_root(root)}")
        else:
            logger.info("optional file %s not found under %s", file.path, root)
            return None
    if verify:
        verify_file(file, target)
    return target


def verify_file(file: DataFile, path: Path) -> None:
    """Check ``path`` against ``file.sha256``; raise :class:`DataIntegrityError` on mismatch."""
    try:
        got = sha256_file(path, decompress=file.gzipped)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise DataIntegrityError(f"{path}: cannot be read as {'gzip' if file.gzipped else 'a file'} "
                                 f"({exc}); the file is damaged or truncated") from None
    if got != file.sha256:
        hint = f" Download it again from {file.url}." if file.url else ""
        raise DataIntegrityError(
            f"{path}: content has sha256 {got}, expected {file.sha256}; the file is truncated, "
            f"edited or a different version.{hint}")
