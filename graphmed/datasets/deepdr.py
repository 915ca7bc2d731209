"""deepDR: 1,519 drugs x 1,229 diseases, 6,677 associations (DrugBank-derived).

Zeng et al., Bioinformatics 35(24):5191 (2019). ``drugDisease.txt`` is a tab-separated
0/1 matrix, drugs x diseases, without labels; ``drug_dict`` (``DrugBank id:name``) and
``disease_dict`` (``UMLS CUI:name``) list the rows and columns in matrix order.
``drugProtein.txt`` (1,519 drugs x 1,025 targets, 0/1, same drug order) becomes the drug view
``"target"``: the Jaccard similarity of two drugs' target sets (1 on the diagonal; 0 for a
drug without known targets). It is read from target annotations, not from indications, so
it is label-free. No disease similarity ships with the data: the models rank new diseases
from their names (text views) and from GIP kernels of each fold's training labels.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, entity_columns
from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import read_matrix
from graphmed.errors import DataFormatError

_DEEPDR = ("https://github.com/ChengF-Lab/deepDR/raw/163c405f731637c04bfeaf292f2e30fbf22cd52b/"
           "dataset")

DEEPDR_FILES = {
    "associations": DataFile("deepdr_partial/drugDisease.txt.gz", f"{_DEEPDR}/drugDisease.txt",
                             "9f95e955fa0bad9371d4668c05873ca4f7035b6ad66b5da78d0950d302681bb7"),
    "drug_target": DataFile("deepdr_partial/drugProtein.txt.gz",
                            f"{_DEEPDR}/drugNets/drugProtein.txt",
                            "3abe2a3304d02ddee51302c6815ded8030d79a4d8903ed150055ce93a7efe23d"),
    "drugs": DataFile("deepdr_partial/drug_dict.txt", f"{_DEEPDR}/drug_dict",
                      "636ac63026009bdc0145cdb3605a8d1146ea0c1b467a4ae227a355ecb87ce19b"),
    "diseases": DataFile("deepdr_partial/disease_dict.txt", f"{_DEEPDR}/disease_dict",
                         "54d2d22755664aa2472932c410df07e0f4392681338c90f4f30fc8b5829c1787"),
}


def read_dictionary(path: Path) -> pd.DataFrame:
    """``id`` and ``name`` of the ``id:name`` lines of a deepDR dictionary, in file order."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        identifier, sep, name = line.partition(":")
        if not sep or not identifier.strip():
            raise DataFormatError(f"expected 'id:name', got {line!r}", source=path, row=number)
        rows.append((identifier.strip(), name.strip().strip('"').strip() or None))
    if not rows:
        raise DataFormatError("the dictionary is empty", source=path)
    return pd.DataFrame(rows, columns=["id", "name"])


def jaccard_similarity(memberships: np.ndarray) -> np.ndarray:
    """``(n, n)`` Jaccard similarity of the rows of a 0/1 ``(n, m)`` matrix; 1 on the diagonal,
    0 between a row without members and any other row."""
    m = (np.asarray(memberships) > 0).astype(np.float64)
    shared = m @ m.T
    sizes = m.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    similarity = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    np.fill_diagonal(similarity, 1.0)
    return similarity


def _zero_one(path: Path, rows: int, columns: int | None, what: str) -> np.ndarray:
    """A tab-separated 0/1 matrix of ``rows`` rows (and ``columns`` columns, if given)."""
    matrix = read_matrix(path, sep="\t", header=None).to_numpy()
    if matrix.shape[0] != rows or (columns is not None and matrix.shape[1] != columns):
        expected = f"({rows}, {columns})" if columns is not None else f"{rows} rows"
        raise DataFormatError(f"{what} has shape {matrix.shape}, expected {expected} (the "
                              "entries of the dictionaries)", source=path)
    bad = np.argwhere((matrix != 0) & (matrix != 1))
    if len(bad):
        r, c = map(int, bad[0])
        raise DataFormatError(f"{what} holds {matrix[r, c]:g}; expected 0 or 1", source=path,
                              row=r, column=c)
    return matrix.astype(bool)


def load_deepdr(root: str | os.PathLike | None = None, *, download: bool = True,
                verify: bool = True) -> DrugDiseaseDataset:
    """deepDR: 1,519 drugs x 1,229 diseases; drug view ``target`` (shared targets)."""
    path = {key: locate(file, root, download=download, verify=verify)
            for key, file in DEEPDR_FILES.items()}
    drugs = read_dictionary(path["drugs"])
    diseases = read_dictionary(path["diseases"])
    for table, key in ((drugs, "drugs"), (diseases, "diseases")):
        dup = table["id"].duplicated().to_numpy()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise DataFormatError(f"id {table['id'][row]!r} is listed twice", source=path[key],
                                  row=row)
    associations = _zero_one(path["associations"], len(drugs), len(diseases),
                             "the drug-disease matrix")
    targets = _zero_one(path["drug_target"], len(drugs), None, "the drug-target matrix")
    return DrugDiseaseDataset(
        name="deepdr", associations=associations,
        drugs=entity_columns(drugs, ["id", "name", "smiles"]),
        diseases=entity_columns(diseases, ["id", "name"]),
        drug_similarities={"target": jaccard_similarity(targets)}, disease_similarities={},
        sources={"associations": str(path["associations"]), "drugs": str(path["drugs"]),
                 "diseases": str(path["diseases"]),
                 "drug_similarity:target": str(path["drug_target"])})
