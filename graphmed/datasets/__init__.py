"""Data sets: drug–disease benchmarks resolved from a data root.

>>> from graphmed.datasets import load_dataset
>>> data = load_dataset("fdataset", root="../shared/data")   # doctest: +SKIP
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.datasets.files import DataFile, locate, resolve_data_root
from graphmed.datasets.interactions import InteractionGraph, load_interactions
from graphmed.errors import UnknownNameError


@dataclass(frozen=True)
class DatasetInfo:
    """A data set graphmed can load: its loader, its files and a one-line description."""

    name: str
    loader: Callable[..., DrugDiseaseDataset]
    files: tuple[DataFile, ...]
    description: str
    citation: str


def _registry() -> dict[str, DatasetInfo]:
    from graphmed.datasets import bnnr, deepdr, hdvd, lagcn, redda

    infos = [
        DatasetInfo("fdataset", bnnr.load_fdataset, tuple(bnnr.FDATASET_FILES.values()),
                    "Fdataset (PREDICT): 593 drugs x 313 diseases, 1,933 associations",
                    "Gottlieb et al., Mol Syst Biol 7:496 (2011)"),
        DatasetInfo("cdataset", bnnr.load_cdataset, tuple(bnnr.CDATASET_FILES.values()),
                    "Cdataset: 663 drugs x 409 diseases, 2,532 associations",
                    "Luo et al., Bioinformatics 32(17):2664 (2016)"),
        DatasetInfo("bdataset", lagcn.load_bdataset, tuple(lagcn.BDATASET_FILES.values()),
                    "B-dataset (LAGCN, CTD): 269 drugs x 598 diseases, 18,416 associations",
                    "Yu et al., Brief Bioinform 22(4):bbaa243 (2021)"),
        DatasetInfo("kdataset", redda.load_kdataset, tuple(redda.KDATASET_FILES.values()),
                    "Kdataset (REDDA): 894 drugs x 454 diseases, 2,704 associations",
                    "Gu et al., Comput Biol Med 150:106127 (2022)"),
        DatasetInfo("hdvd", hdvd.load_hdvd, tuple(hdvd.HDVD_FILES.values()),
                    "HDVD: 219 drugs x 34 viruses, 455 drug-virus associations",
                    "Meng et al., Appl Soft Comput 103:107135 (2021)"),
        DatasetInfo("deepdr", deepdr.load_deepdr, tuple(deepdr.DEEPDR_FILES.values()),
                    "deepDR: 1,519 drugs x 1,229 diseases, 6,677 associations; drug view from "
                    "shared targets",
                    "Zeng et al., Bioinformatics 35(24):5191 (2019)"),
    ]
    return {info.name: info for info in infos}


def list_datasets() -> list[str]:
    """Names of the drug–disease benchmarks accepted by :func:`load_dataset`."""
    return list(_registry())


def _graph_benchmarks() -> dict[str, Callable]:
    """Graph benchmarks :func:`load_dataset` also accepts (they are not drug–disease data)."""
    from graphmed.datasets.ogbl_ddi import load_ogbl_ddi

    return {"ogblddi": load_ogbl_ddi}


def _key(name) -> str:
    return str(name).strip().lower().replace("-", "").replace("_", "")


def is_graph_benchmark(name) -> bool:
    """Whether ``name`` names a graph benchmark :func:`load_dataset` accepts that is not
    drug–disease data (``"ogbl-ddi"``)."""
    return isinstance(name, (str, os.PathLike)) and _key(name) in _graph_benchmarks()


def dataset_info(name: str) -> DatasetInfo:
    registry = _registry()
    key = _key(name)
    aliases = {info.name.replace("_", ""): info.name for info in registry.values()}
    aliases.update({"f": "fdataset", "c": "cdataset", "b": "bdataset", "k": "kdataset"})
    if key not in aliases or aliases[key] not in registry:
        raise UnknownNameError(f"unknown dataset {name!r}; known: {', '.join(registry)}")
    return registry[aliases[key]]


def load_dataset(name: str, root: str | os.PathLike | None = None, *, download: bool = True,
                 verify: bool = True):
    """Load a drug–disease benchmark by name (see :func:`list_datasets`), ``"ogbl-ddi"``
    (a :class:`~graphmed.datasets.ogbl_ddi.LinkPropDataset` with the official split), or a
    user's association table by its path (``.csv``, ``.tsv``, ``.parquet``; see
    :func:`~graphmed.datasets.table.load_association_table`; ``root`` does not apply)."""
    from graphmed.datasets.table import is_association_table, load_association_table

    if not isinstance(name, (str, os.PathLike)):
        raise UnknownNameError(f"a data set name or the path of an association table is needed, "
                               f"got {name!r}; see graphmed.datasets.list_datasets()")
    if is_association_table(name):
        return load_association_table(name)
    if is_graph_benchmark(name):
        return _graph_benchmarks()[_key(name)](root, download=download, verify=verify)
    try:
        info = dataset_info(str(name))
    except UnknownNameError:
        if Path(name).is_dir():
            raise UnknownNameError(f"{str(name)!r} is a folder; give a data set name or the path "
                                   "of an association table file (.csv, .tsv, .parquet)") from None
        if Path(name).is_file():
            raise UnknownNameError(f"cannot read {str(name)!r} as an association table: save it "
                                   "as .csv, .tsv or .parquet (optionally .gz)") from None
        raise
    return info.loader(root, download=download, verify=verify)


def load_ogbl_ddi(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True):
    """ogbl-ddi with the official split; see :mod:`graphmed.datasets.ogbl_ddi`."""
    from graphmed.datasets.ogbl_ddi import load_ogbl_ddi as load

    return load(root, download=download, verify=verify)


def load_protein_links(name: str, root: str | os.PathLike | None = None):
    """Drug targets and disease proteins of Fdataset or Cdataset; see
    :mod:`graphmed.datasets.proteins`."""
    from graphmed.datasets.proteins import load_protein_links as load

    return load(name, root)


__all__ = ["DataFile", "DatasetInfo", "DrugDiseaseDataset", "InteractionGraph", "dataset_info",
           "list_datasets", "load_dataset", "load_interactions", "load_ogbl_ddi",
           "load_protein_links", "locate", "resolve_data_root"]
