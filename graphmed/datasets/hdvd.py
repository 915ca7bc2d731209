"""HDVD: human drug-virus associations (SCPMF), 219 drugs x 34 viruses, 455 associations.

Meng et al., Appl Soft Comput 103:107135 (2021). ``virusdrug.csv`` is a drug x virus 0/1
matrix labelled by drug names (rows) and virus names (header). Views: drug ``"chemical"``
(``drugsim.csv``, labelled by positions 0..218) and virus ``"genomic"`` (``virussim.csv``,
SCPMF's virus similarity from genome sequences; labelled by virus names, one spelled
differently from ``virusdrug.csv``, so it is aligned by position). Drug ids are the names
of ``virusdrug.csv``; SMILES come from the optional ``drugs.tsv`` (an export of SCPMF's
``drugs.xlsx``, same row order).
"""
from __future__ import annotations

import os

from graphmed.datasets.drug_disease import DrugDiseaseDataset, entity_columns
from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import check_same_ids, check_square, read_matrix, read_table

_DRHGCN = "https://github.com/TheWall9/DRHGCN/raw/710ebf947681ad22050b1574121a6cea84730837/dataset/hdvd"

HDVD_FILES = {
    "associations": DataFile("hdvd/virusdrug.csv", f"{_DRHGCN}/virusdrug.csv",
                             "f8be0641652e9f2765ca69bbb5b03558016c2c6c5401a4b4952a0116ea7fcefd"),
    "drug_chemical": DataFile("hdvd/drugsim.csv", f"{_DRHGCN}/drugsim.csv",
                              "7cd30066543d25f61be7baaf3441a45ef17e04001d2025c9bf918fbf7a42f1d4"),
    "virus_genomic": DataFile("hdvd/virussim.csv", f"{_DRHGCN}/virussim.csv",
                              "d29398fdf565a0c72495bfae9a37e586a183afe05dfe8c0c79a5dcba5a9c88ea"),
    # DrugBank ids and SMILES, exported from SCPMF's drugs.xlsx.
    "drugs": DataFile("hdvd/drugs.tsv", None,
                      "f8c844e5ad0096285b220448b4fa5574448694d72516de7fc99043c577cb71e9",
                      required=False),
}


def load_hdvd(root: str | os.PathLike | None = None, *, download: bool = True,
              verify: bool = True) -> DrugDiseaseDataset:
    """HDVD: 219 drugs x 34 viruses; drug view ``chemical``, virus view ``genomic``."""
    path = {key: locate(file, root, download=download, verify=verify)
            for key, file in HDVD_FILES.items()}
    matrix = read_matrix(path["associations"], sep=",", header=0, index_col=0)
    drug_names = matrix.index.astype(str)
    virus_names = matrix.columns.astype(str)
    n_drugs, n_viruses = matrix.shape
    chemical = read_matrix(path["drug_chemical"], sep=",", header=0, index_col=0)
    origin = f"the drug positions 0..{n_drugs - 1} of {path['associations'].name}"
    check_same_ids(chemical.index, range(n_drugs), path["drug_chemical"], "row label", origin)
    check_same_ids(chemical.columns, range(n_drugs), path["drug_chemical"], "header", origin)
    chemical = check_square(chemical.to_numpy(), n_drugs, path["drug_chemical"], "drug similarity",
                            symmetric=True)
    genomic = read_matrix(path["virus_genomic"], sep=",", header=0, index_col=0).to_numpy()
    genomic = check_square(genomic, n_viruses, path["virus_genomic"], "virus similarity",
                           symmetric=True)

    drugs = entity_columns(matrix.index.to_frame(name="id").assign(name=drug_names),
                           ["id", "name", "smiles"])
    sources = {"associations": str(path["associations"]),
               "drugs": f"{path['associations']} (first column)",
               "diseases": f"{path['associations']} (header)",
               "drug_similarity:chemical": str(path["drug_chemical"]),
               "disease_similarity:genomic": str(path["virus_genomic"])}
    if path["drugs"] is not None:
        table = read_table(path["drugs"], required=["name", "smiles"])
        check_same_ids(table["name"], drug_names, path["drugs"], "name", str(path["associations"]))
        drugs["smiles"] = table["smiles"].astype("string").to_numpy()
        sources["drug_smiles"] = str(path["drugs"])
    viruses = entity_columns(virus_names.to_frame(name="id").assign(name=virus_names),
                             ["id", "name"])
    return DrugDiseaseDataset(
        name="hdvd", associations=matrix.to_numpy(), drugs=drugs, diseases=viruses,
        drug_similarities={"chemical": chemical}, disease_similarities={"genomic": genomic},
        disease_kind="virus", sources=sources)
