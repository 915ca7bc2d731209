"""The SMILES corpus a SMILES language model is pretrained on.

By default: a random subset of ``<data root>/smiles_corpus/corpus_all.tsv.gz`` (MOSES
test sets + a ChEMBL v31 subset, see that folder's SOURCE.md) plus the drugs of the
drug–disease data sets. Molecules are written as RDKit canonical SMILES without
stereochemistry (the corpus has none), deduplicated; unparsable ones are dropped.
Canonical forms are cached on disk per molecule and RDKit version (canonicalising the
500,000 corpus molecules takes minutes). Drug SMILES are unlabelled text here, so using
them leaks no association.
"""
from __future__ import annotations

import logging
import os
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from graphmed.checks import check_settings
from graphmed.errors import DataFormatError, DataNotFoundError
from graphmed.features.molecules import _rdkit, canonical_smiles

logger = logging.getLogger(__name__)

DEFAULT_CORPUS = Path("smiles_corpus") / "corpus_all.tsv.gz"
DEFAULT_DATASETS = ("fdataset", "cdataset")


@dataclass(frozen=True)
class SmilesCorpus:
    """Canonical, unique SMILES and how many came from each source."""

    smiles: list[str]
    sources: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.smiles)


def read_smiles_file(path: str | Path) -> list[str]:
    """SMILES from a file: ``.tsv``/``.csv`` (optionally ``.gz``) with a ``smiles`` or
    ``SMILES`` column, ``.zip`` of one text member, or text with one SMILES per line
    (first whitespace-separated field)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"SMILES corpus {str(path)!r} does not exist")
    try:
        return _read_smiles_lines(path)
    except (OSError, EOFError, UnicodeDecodeError, zipfile.BadZipFile, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise DataFormatError(f"cannot be read as a SMILES corpus ({type(exc).__name__}: {exc})",
                              source=path) from None


def _read_smiles_lines(path: Path) -> list[str]:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".tsv", ".csv"):
        table = pd.read_csv(path, sep="\t" if kind == ".tsv" else ",", dtype=str)
        column = next((c for c in table.columns if c.lower() == "smiles"), None)
        if column is None:
            raise DataFormatError(f"no 'smiles' column; columns are {list(table.columns)}",
                                  source=path, column="smiles")
        return table[column].dropna().tolist()
    if kind == ".zip":
        with zipfile.ZipFile(path) as archive:
            if not archive.namelist():
                raise DataFormatError("the zip archive is empty", source=path)
            lines = archive.read(archive.namelist()[0]).decode().splitlines()
    else:
        import gzip

        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as handle:
            lines = handle.read().splitlines()
    return [line.split()[0] for line in lines if line.strip()]


def cached_canonical_smiles(smiles: Sequence[str], source: str,
                            cache_dir: str | Path | None = None,
                            use_cache: bool = True) -> list[str | None]:
    """:func:`~graphmed.features.molecules.canonical_smiles` of ``smiles`` (``None`` where
    invalid), each molecule looked up first in
    ``<cache>/smiles_canonical/rdkit-<version>.sqlite`` (a table from a SMILES as given to
    its canonical form; written in one transaction per call, so any subset of a corpus
    reuses what earlier calls computed). A cache that cannot be read or written is
    skipped with a warning: it costs time, not results."""
    import sqlite3

    from graphmed.features.cache import default_cache_dir

    smiles = [str(s) for s in smiles]
    if not use_cache or not smiles:
        return canonical_smiles(smiles, on_invalid="mask", source=source)[0]
    _rdkit("SMILES canonicalisation")  # a clear error where RDKit is missing
    import rdkit

    folder = Path(cache_dir or default_cache_dir()) / "smiles_canonical"
    path = folder / f"rdkit-{rdkit.__version__}.sqlite"
    unique = list(dict.fromkeys(smiles))
    found: dict[str, str | None] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=60)) as db:
            db.execute("CREATE TABLE IF NOT EXISTS canonical (smiles TEXT PRIMARY KEY, "
                       "canonical TEXT) WITHOUT ROWID")
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                found.update(db.execute("SELECT smiles, canonical FROM canonical WHERE smiles "
                                        f"IN ({','.join('?' * len(chunk))})", chunk))
            missing = [s for s in unique if s not in found]
            if missing:
                computed = canonical_smiles(missing, on_invalid="mask", source=source)[0]
                found.update(zip(missing, computed))
                with db:  # one transaction: all of them or none
                    db.executemany("INSERT OR REPLACE INTO canonical VALUES (?, ?)",
                                   zip(missing, computed))
    except sqlite3.Error as exc:
        logger.warning("canonical SMILES cache %s not used (%s)", path, exc)
        return canonical_smiles(smiles, on_invalid="mask", source=source)[0]
    invalid = sum(found[s] is None for s in unique)
    if invalid and not missing:
        logger.info("%s: %d of %d distinct SMILES invalid, dropped (known to %s)", source,
                    invalid, len(unique), path)
    return [found[s] for s in smiles]


def load_smiles_corpus(corpus: str | Path | Sequence[str] | None = None, *,
                       max_molecules: int | None = None, seed: int = 0,
                       data_root: str | Path | None = None,
                       datasets: Sequence[str] = DEFAULT_DATASETS,
                       cache_dir: str | Path | None = None,
                       use_cache: bool = True) -> SmilesCorpus:
    """Collect pretraining molecules.

    Args:
        corpus: a SMILES file (see :func:`read_smiles_file`), a list of SMILES, or ``None``
            for ``<data root>/smiles_corpus/corpus_all.tsv.gz`` when it exists.
        max_molecules: keep a random subset of this many corpus molecules (data set drugs
            are added on top); all when ``None``.
        seed: seed of that subset.
        data_root: data root (argument, else ``$GRAPHMED_DATA``, ...).
        datasets: data sets whose drug SMILES are added (skipped when not found).
        cache_dir, use_cache: where canonical forms are cached (see
            :func:`cached_canonical_smiles`), and whether to.
    """
    from graphmed.datasets.files import resolve_data_root

    if max_molecules is not None:
        check_settings(at_least={"max_molecules": (max_molecules, 0)})
    if isinstance(datasets, str) or not isinstance(datasets, Iterable):
        raise TypeError(f"datasets must be a list of data set names, got {datasets!r}")
    root = resolve_data_root(data_root)
    if corpus is None:
        path = root / DEFAULT_CORPUS
        if path.is_file():
            raw, label = read_smiles_file(path), str(DEFAULT_CORPUS)
        else:
            logger.warning("no SMILES corpus at %s; using the data sets' drugs only", path)
            raw, label = [], "corpus"
    elif isinstance(corpus, (str, os.PathLike)):
        raw, label = read_smiles_file(corpus), Path(corpus).name
    else:
        raw, label = [str(s) for s in corpus], "corpus"
    if max_molecules is not None and max_molecules < len(raw):
        picked = np.random.default_rng(seed).choice(len(raw), size=max_molecules, replace=False)
        raw = [raw[i] for i in picked]
    parts = {label: raw}
    for name in datasets:
        try:
            from graphmed.datasets import load_dataset

            parts[name] = [s for s in load_dataset(name, root).drugs["smiles"].dropna()]
        except (DataNotFoundError, FileNotFoundError) as exc:
            logger.warning("data set %s not found (%s); its drugs are not in the corpus", name, exc)
    smiles, sources = [], {}
    seen: set[str] = set()
    for name, values in parts.items():
        canonical = cached_canonical_smiles(values, name, cache_dir, use_cache)
        new = [s for s in dict.fromkeys(c for c in canonical if c) if s not in seen]
        seen.update(new)
        smiles.extend(new)
        sources[name] = len(new)
    return SmilesCorpus(smiles, sources)
