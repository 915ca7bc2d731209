"""Kdataset (REDDA): 894 drugs x 454 diseases, 2,704 associations.

Gu et al., Comput Biol Med 150:106127 (2022). Drugs are DrugBank ids with SMILES; diseases
are MeSH descriptor ids. No names are shipped, so both name columns are missing (``<NA>``):
outputs show the ids, and text features treat the names as a missing modality.
Files (0-based ids = row numbers): ``omics/drug.csv``, ``omics/disease.csv``,
``associations/Kdataset.csv`` (drug, disease pairs) and ``disease_disease_baseline.csv``
(disease view ``"mesh"``, MeSH similarity; like the B-dataset's REDDA view it is nearly
uncorrelated with shared drugs or shared KEGG pathways).

REDDA's drug-drug similarity file is not published in a fetchable form; with RDKit
installed the drug view ``"ecfp4"`` (Tanimoto of Morgan radius-2, 2,048-bit fingerprints)
is computed from the SMILES, otherwise the data set has no drug view and a warning is logged.
"""
from __future__ import annotations

import os

from graphmed.datasets.chem import ecfp4_similarity, smiles_list
from graphmed.datasets.drug_disease import DrugDiseaseDataset, entity_columns
from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import (check_index_column, check_square, read_matrix, read_pairs,
                                       read_table)

_REDDA = "https://github.com/gu-yaowen/REDDA/raw/1852f75f522e/dataset/Kdataset"

KDATASET_FILES = {
    "drugs": DataFile("kdataset_redda/omics/drug.csv.gz", f"{_REDDA}/omics/drug.csv",
                      "ed2a9adbaefb209ec9b6b7bb4afe7814bc6400656b198c527d88b346bd9ca0c6"),
    "diseases": DataFile("kdataset_redda/omics/disease.csv.gz", f"{_REDDA}/omics/disease.csv",
                         "2a9ccbefaec36061e89b6e67b072eaddd23408262f45d58344f8ef6e9902c877"),
    "associations": DataFile("kdataset_redda/associations/Kdataset.csv.gz",
                             f"{_REDDA}/associations/Kdataset.csv",
                             "075fab0c4fe357a01a25aa0bd9015e4cbd970f99e922b04eeb060600dc55ad25"),
    "disease_mesh": DataFile("kdataset_redda/disease_disease_baseline.csv.gz",
                             f"{_REDDA}/disease_disease_baseline.csv",
                             "28fcc4a36f8f04d5012c1bdaaf34f4792ec8d0fa16fc49baa28a79988c70f23b"),
}


def load_kdataset(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True) -> DrugDiseaseDataset:
    """Kdataset: 894 drugs x 454 diseases; drug view ``ecfp4`` (needs RDKit); disease view ``mesh``."""
    path = {key: locate(file, root, download=download, verify=verify)
            for key, file in KDATASET_FILES.items()}
    drugs = read_table(path["drugs"], sep=",", required=["ID", "Drug", "SMILES"])
    check_index_column(drugs, "ID", path["drugs"])
    diseases = read_table(path["diseases"], sep=",", required=["ID", "Disease"])
    check_index_column(diseases, "ID", path["diseases"])
    shape = (len(drugs), len(diseases))
    associations = read_pairs(path["associations"], ("Drug", "Disease"), shape)
    mesh = read_matrix(path["disease_mesh"], sep=",").to_numpy()
    mesh = check_square(mesh, shape[1], path["disease_mesh"], "disease similarity", symmetric=True)

    sources = {"associations": str(path["associations"]), "drugs": str(path["drugs"]),
               "diseases": str(path["diseases"]), "disease_similarity:mesh": str(path["disease_mesh"])}
    drug_views = {}
    ecfp4 = ecfp4_similarity(smiles_list(drugs["SMILES"]), source=str(path["drugs"]))
    if ecfp4 is not None:
        drug_views["ecfp4"] = ecfp4
        sources["drug_similarity:ecfp4"] = f"{path['drugs']} (ECFP4 of column 'SMILES')"
    drugs = drugs.assign(id=drugs["Drug"], smiles=drugs["SMILES"])
    diseases = diseases.assign(id=diseases["Disease"])
    return DrugDiseaseDataset(
        name="kdataset", associations=associations,
        drugs=entity_columns(drugs, ["id", "name", "smiles"]),
        diseases=entity_columns(diseases, ["id", "name"]),
        drug_similarities=drug_views, disease_similarities={"mesh": mesh}, sources=sources)
