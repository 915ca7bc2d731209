"""B-dataset: the CTD-derived LAGCN benchmark, 269 drugs x 598 diseases, 18,416 associations.

Yu et al., Brief Bioinform 22(4):bbaa243 (2021), re-ordered as "B-dataset" by REDDA and
AMDGT. graphmed uses the B-dataset order. Files (all drug x disease, 0-based):

* drugs (name, DrugBank id, SMILES): AMDGT ``DrugInformation.csv``. REDDA's drug table is
  *not* used: its DrugBank ids and SMILES are permuted relative to its names and rows.
* diseases (name, MeSH id): REDDA ``Omics/disease.csv``.
* associations: AMDGT ``DrugDiseaseAssociationNumber.csv`` (18,416 pairs).
* drug view ``"target"``: LAGCN ``drug_sim.csv`` (target-feature similarity, in the B drug
  order; AMDGT ships it rounded as ``DrugFingerprint.csv``). Its diagonal is 0 in the file
  and is set to 1 here, like every other similarity view.
* disease view ``"mesh"``: REDDA ``disease_disease_baseline.csv`` (MeSH similarity).

Both views are kept as published, but neither tracks the data: the ``target`` view is
uncorrelated with AMDGT's drug-target table and with shared indications, the ``mesh`` view
with disease names and shared drugs (the Fdataset and Cdataset views correlate 0.1-0.3 with
shared indications), so they may be stored in another order upstream.

AMDGT's ``DiseasePS.csv`` is not a disease view: it is byte-identical to its
``DiseaseGIP.csv``, a GIP kernel of the full association matrix, so using it would leak
the test labels. No GIP kernel is loaded.
"""
from __future__ import annotations

import os

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset, entity_columns
from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import check_square, read_matrix, read_pairs, read_table

_AMDGT = "https://github.com/JK-Liu7/AMDGT/raw/1a9c4d969e7f9b71a484ff120010370f8d85cc60/data/B-dataset"
_REDDA = "https://github.com/gu-yaowen/REDDA/raw/1852f75f522e/dataset/Bdataset"
_LAGCN = "https://github.com/storyandwine/LAGCN/raw/a4e105c664d6c7b58debd79b2a6be051c8d39091/data"

BDATASET_FILES = {
    "drugs": DataFile("bdataset_lagcn/amdgt_B/DrugInformation.csv.gz",
                      f"{_AMDGT}/DrugInformation.csv",
                      "d25aa89938626e39c593f683a33f139f003d45c2060c72686ec99e35c8d151fb"),
    "diseases": DataFile("bdataset_lagcn/redda_B/Omics/disease.csv.gz", f"{_REDDA}/Omics/disease.csv",
                         "3132059f316f8925e788cf02f3c5e4d9244c9fbe02d0adad834146dca46a913b"),
    "associations": DataFile("bdataset_lagcn/amdgt_B/DrugDiseaseAssociationNumber.csv.gz",
                             f"{_AMDGT}/DrugDiseaseAssociationNumber.csv",
                             "1d01ba37fcbc36ad2b016e71447869e6f97e5061457af5d94741b8e125c0cb34"),
    "drug_target": DataFile("bdataset_lagcn/lagcn_original/drug_sim.csv.gz", f"{_LAGCN}/drug_sim.csv",
                            "b5ba71704255f884603bf2768638157d2c18b52fd183f4285c93226d97705399"),
    "disease_mesh": DataFile("bdataset_lagcn/redda_B/disease_disease_baseline.csv.gz",
                             f"{_REDDA}/disease_disease_baseline.csv",
                             "06f32d1b3f18aceab2d9e81062229cfe0fd5d8bd5660bf3be9a1718a085ff96f"),
}


def load_bdataset(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True) -> DrugDiseaseDataset:
    """B-dataset: 269 drugs x 598 diseases; drug view ``target``, disease view ``mesh``."""
    files = BDATASET_FILES
    path = {key: locate(file, root, download=download, verify=verify) for key, file in files.items()}
    drugs = read_table(path["drugs"], sep=",", required=["id", "name", "smiles"])
    diseases = read_table(path["diseases"], sep=",", required=["Disease", "Name"])
    diseases = diseases.rename(columns={"Disease": "id", "Name": "name"})
    shape = (len(drugs), len(diseases))
    associations = read_pairs(path["associations"], ("drug", "disease"), shape)

    target = read_matrix(path["drug_target"], sep=",").to_numpy(copy=True)
    target = check_square(target, shape[0], path["drug_target"], "drug similarity", symmetric=True)
    np.fill_diagonal(target, 1.0)
    mesh = read_matrix(path["disease_mesh"], sep=",").to_numpy()
    mesh = check_square(mesh, shape[1], path["disease_mesh"], "disease similarity", symmetric=True)

    sources = {"associations": str(path["associations"]), "drugs": str(path["drugs"]),
               "diseases": str(path["diseases"]),
               "drug_similarity:target": str(path["drug_target"]),
               "disease_similarity:mesh": str(path["disease_mesh"])}
    return DrugDiseaseDataset(
        name="bdataset", associations=associations,
        drugs=entity_columns(drugs, ["id", "name", "smiles"]),
        diseases=entity_columns(diseases, ["id", "name"]),
        drug_similarities={"target": target}, disease_similarities={"mesh": mesh},
        sources=sources)
