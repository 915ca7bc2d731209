"""Drug targets and disease-associated proteins of Fdataset and Cdataset.

A drug's targets and a disease's associated proteins are properties of each entity, known
without any drug–disease association: a disease outside the data set can still have its
genes listed. AMDGT (Liu et al., Knowledge-Based Systems 2024) ships both for its copies of
Fdataset and Cdataset (``DrugProteinAssociationNumber.csv``,
``ProteinDiseaseAssociationNumber.csv``, ``ProteinInformation.csv``: 0-based indices into
its drug and disease lists and its list of UniProt accessions). This module reads them onto
the drug and disease ids of :func:`~graphmed.datasets.load_dataset`'s data sets.

Coverage: Fdataset, 525 of 593 drugs with at least one target and 272 of 313 diseases with
at least one protein (2,741 proteins); Cdataset, 638 of 663 drugs and 137 of 409 diseases
(993 proteins). AMDGT does not say which resources its links come from; gene–disease
resources mix genetic evidence with curated therapeutic links, so part of a disease's
protein list may reflect what its treatments target, and results that use these links
say so.

>>> links = load_protein_links("fdataset", root="../shared/data")   # doctest: +SKIP
>>> drug, disease = links.aligned(data)   # (n_drugs, n_proteins), (n_diseases, n_proteins)
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from graphmed.datasets.files import DataFile, locate, resolve_data_root
from graphmed.datasets.readers import read_table
from graphmed.errors import DataFormatError, UnknownNameError

_AMDGT = "https://github.com/JK-Liu7/AMDGT/raw/1a9c4d969e7f9b71a484ff120010370f8d85cc60/data"


def _files(folder: str, upstream: str, checksums: dict[str, str]) -> dict[str, DataFile]:
    names = {"drug_protein": "DrugProteinAssociationNumber.csv",
             "protein_disease": "ProteinDiseaseAssociationNumber.csv",
             "proteins": "ProteinInformation.csv", "drugs": "DrugInformation.csv"}
    return {key: DataFile(f"{folder}/{name}.gz", f"{_AMDGT}/{upstream}/{name}", checksums[key])
            for key, name in names.items()}


#: data set -> its AMDGT files (sha256 of the decompressed content, the file at the URL)
PROTEIN_FILES = {
    "fdataset": _files("fdataset/amdgt_variant", "F-dataset", {
        "drug_protein": "459f8f18f9898f6d2c863d4d67fe13098e58ab7999eb18e99c64966db308e870",
        "protein_disease": "95862d2dbcac72a593a992bdd8feaaf6a31816c3e4d5b9084c03977aac88ebe7",
        "proteins": "1a70f58a9f105dbead18055b3361eda3ca4d46052cf94832a652434abdd7c8d2",
        "drugs": "6636b6badaa398b78fb74b3d9a5b4c1117aed539de315745547da5c9bcc728fa"}),
    "cdataset": _files("cdataset/amdgt_variant", "C-dataset", {
        "drug_protein": "72b1911adfd4fddb26e49a8877aab92745a84f49339b3fa29fd3ff36d062057d",
        "protein_disease": "52390a3d7119b63d7494ef8eff2993aa45e725f80fdce17d1640540dadd965c3",
        "proteins": "7393eb47684f5ec04b31f1b7ed5d1017f184e017e5f2fc940c4633cfe93b5198",
        "drugs": "bf28dd4344451aededf2c079d4695a53cd31cab1b99cc5365f4e55231c375215"}),
}


@dataclass(frozen=True)
class ProteinLinks:
    """Drug–protein and disease–protein links over one list of proteins.

    Attributes:
        proteins: ``n_proteins`` UniProt accessions.
        drug_ids: ids of the rows of :attr:`drug_targets` (DrugBank ids).
        drug_targets: ``(len(drug_ids), n_proteins)`` sparse 0/1 matrix.
        disease_ids: ids of the rows of :attr:`disease_proteins`.
        disease_proteins: ``(len(disease_ids), n_proteins)`` sparse 0/1 matrix.
        source: where the links were read from, for messages.
    """

    proteins: tuple[str, ...]
    drug_ids: tuple[str, ...]
    drug_targets: sparse.csr_matrix
    disease_ids: tuple[str, ...]
    disease_proteins: sparse.csr_matrix
    source: str = "protein links"

    def aligned(self, data) -> tuple[np.ndarray, np.ndarray]:
        """``(n_drugs, n_proteins)`` and ``(n_diseases, n_proteins)`` float 0/1 arrays, rows in
        the order of ``data.drugs`` and ``data.diseases`` (a :class:`DrugDiseaseDataset`);
        an entity these links do not list gets a zero row.

        Raises:
            DataFormatError: no drug or no disease of ``data`` is listed (links of another
                data set).
        """
        drug = _rows(self.drug_targets, self.drug_ids, data.drugs["id"], "drug", self.source)
        disease = _rows(self.disease_proteins, self.disease_ids, data.diseases["id"],
                        data.disease_kind, self.source)
        return drug, disease


def _rows(matrix: sparse.csr_matrix, ids: tuple[str, ...], wanted, kind: str,
          source: str) -> np.ndarray:
    position = pd.Index(ids).get_indexer(pd.Index([str(i) for i in wanted]))
    if len(position) and (position < 0).all():
        raise DataFormatError(f"none of the data set's {kind} ids (first: {wanted[0]!r}) is "
                              f"listed; these links are for other {kind}s", source=source)
    rows = np.zeros((len(position), matrix.shape[1]))
    rows[position >= 0] = matrix[position[position >= 0]].toarray()
    return rows


def _pairs(path, columns: tuple[str, str], shape: tuple[int, int]) -> sparse.csr_matrix:
    """A 0/1 matrix from a table of 0-based index pairs (repeated rows count once)."""
    table = read_table(path, sep=",", required=columns)
    values = table[list(columns)]
    if not all(pd.api.types.is_integer_dtype(values[c]) for c in columns):
        raise DataFormatError("index columns must hold integers", source=path)
    for column, size in zip(columns, shape):
        bad = np.flatnonzero((values[column] < 0) | (values[column] >= size))
        if bad.size:
            raise DataFormatError(f"index {int(values[column].iloc[bad[0]])} outside [0, {size})",
                                  source=path, row=int(bad[0]), column=column)
    matrix = sparse.coo_matrix((np.ones(len(values)), (values[columns[0]], values[columns[1]])),
                               shape=shape).tocsr()
    matrix.data[:] = 1.0  # duplicates were summed
    return matrix


def data_root_of(data) -> Path | None:
    """The data root ``data`` (a :class:`DrugDiseaseDataset`) was read from, found through
    the file its associations came from; ``None`` when that is not a data root's file (a
    table of the user's own)."""
    files = PROTEIN_FILES.get(data.name)
    source = str(data.sources.get("associations", "")).split(" (")[0]
    if files is None or not source:
        return None
    folder = next(iter(files.values())).path.split("/")[0]
    for parent in Path(source).parents:
        if parent.name == folder:
            return parent.parent
    return None


def load_protein_links(name: str, root: str | os.PathLike | None = None) -> ProteinLinks:
    """Drug targets and disease proteins of data set ``name`` (``"fdataset"`` or
    ``"cdataset"``), keyed by the ids of :func:`~graphmed.datasets.load_dataset`. Read once
    per data root and process (folds of a cross-validation share them).

    Raises:
        UnknownNameError: no protein links are known for ``name``.
        DataNotFoundError: a file is missing and cannot be downloaded.
    """
    if name not in PROTEIN_FILES:
        raise UnknownNameError(f"no drug-target / disease-protein links are known for {name!r}; "
                               f"they are for {', '.join(PROTEIN_FILES)}")
    return _load(name, str(resolve_data_root(root)))


@functools.lru_cache(maxsize=4)
def _load(name: str, root: str) -> ProteinLinks:
    from graphmed.datasets import load_dataset

    paths = {key: locate(file, root) for key, file in PROTEIN_FILES[name].items()}
    proteins = read_table(paths["proteins"], sep=",", required=("id",))["id"].astype(str)
    # AMDGT's drug indices follow its drug list with repeated ids merged (Fdataset lists
    # valproic acid twice), in the order of first appearance
    amdgt_drugs = tuple(dict.fromkeys(
        read_table(paths["drugs"], sep=",", required=("id",))["id"].astype(str)))
    data = load_dataset(name, root)
    disease_ids = tuple(data.diseases["id"].astype(str))  # AMDGT keeps the .mat's disease order
    drug_targets = _pairs(paths["drug_protein"], ("drug", "protein"),
                          (len(amdgt_drugs), len(proteins)))
    disease_proteins = _pairs(paths["protein_disease"], ("disease", "protein"),
                              (len(disease_ids), len(proteins)))
    drug_ids = amdgt_drugs
    if name == "fdataset":  # AMDGT renamed some drugs; map them back to the .mat's ids
        drug_ids, drug_targets = _fdataset_drug_rows(data, root, amdgt_drugs, drug_targets)
    return ProteinLinks(tuple(proteins), drug_ids, drug_targets, disease_ids, disease_proteins,
                        source=f"{name} protein links ({paths['drug_protein'].parent})")


def _fdataset_drug_rows(data, root, amdgt_drugs: tuple[str, ...],
                        drug_targets: sparse.csr_matrix) -> tuple[tuple[str, ...], sparse.csr_matrix]:
    """Rows of ``drug_targets`` (AMDGT's drugs) for Fdataset's drugs, through the
    ``amdgt_f_id`` column of the curated drug table (without it, by equal ids)."""
    from graphmed.datasets.bnnr import FDATASET_FILES

    path = locate(FDATASET_FILES["drugs"], root)
    amdgt_of = {}
    if path is not None:
        table = read_table(path, required=("drugbank_id", "amdgt_f_id"))
        amdgt_of = dict(zip(table["drugbank_id"].astype(str), table["amdgt_f_id"].astype(str)))
    ids = tuple(data.drugs["id"].astype(str))
    rows = _rows(drug_targets, amdgt_drugs, [amdgt_of.get(i, i) for i in ids], "drug",
                 "fdataset protein links")
    return ids, sparse.csr_matrix(rows)
