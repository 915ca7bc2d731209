"""Fdataset and Cdataset, as packaged in MATLAB files by BNNR (Yang et al., 2019).

Fdataset: the PREDICT gold standard (Gottlieb et al., Mol Syst Biol 7:496, 2011),
593 drugs x 313 diseases, 1,933 associations. Cdataset: Luo et al. (Bioinformatics
32(17):2664, 2016), 663 drugs x 409 diseases, 2,532 associations. In the ``.mat``
files ``didr`` is **disease x drug**; graphmed transposes it to drug x disease.
"""
from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import DrugDiseaseDataset, entity_columns
from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import (check_same_ids, check_square, mat_strings,
                                       read_labelled_matrix, read_mat, read_table)
from graphmed.errors import DataFormatError

logger = logging.getLogger(__name__)

_BNNR = "https://github.com/BioinformaticsCSU/BNNR/raw/68f8e98c0245/Datasets"
_DRHGCN = "https://github.com/TheWall9/DRHGCN/raw/710ebf947681ad22050b1574121a6cea84730837/dataset/drimc"

FDATASET_FILES = {
    "mat": DataFile("fdataset/Fdataset.mat", f"{_BNNR}/Fdataset.mat",
                    "898804861457e1f2c5b888164b422ce459b17aa2ab41f0122a746cfae29f30c7"),
    "drug_domain": DataFile("fdataset/drimc_format/predict_simmat_dc_domain.txt.gz",
                            f"{_DRHGCN}/predict_simmat_dc_domain.txt",
                            "423da7a61c4e49d63516cfc358e2199de5964355cc94fa3ceaa3baf724e34962",
                            required=False),
    "drug_go": DataFile("fdataset/drimc_format/predict_simmat_dc_go.txt.gz",
                        f"{_DRHGCN}/predict_simmat_dc_go.txt",
                        "13e404e350681a5cf76710ac945308dc787d6ec1e3fc65b8b1d15a8d1a80acad",
                        required=False),
    # Names and SMILES curated from PREDICT's supplementary table and AMDGT's drug table.
    "drugs": DataFile("fdataset/drugs.tsv", None,
                      "b7eff8fea10d348e34bd97cc3e87c7bd530c66d642990a011465f6b28234c6eb", required=False),
    "diseases": DataFile("fdataset/diseases.tsv", None,
                         "7e25cc77f536781f94d2355c2abb618c40d0064a24662270594dc254268024f2",
                         required=False),
}

CDATASET_FILES = {
    "mat": DataFile("cdataset/Cdataset.mat", f"{_BNNR}/Cdataset.mat",
                    "0d7b7159057447844f3312f08945028cb2934e086e55ffb29fbe4630ed2e6dba"),
    # target-domain and target-GO views of the DRIMC release (658 of the 663 drugs)
    "drug_domain": DataFile("cdataset/drimc_variant/c_simmat_dc_domain.txt.gz",
                            f"{_DRHGCN}/c_simmat_dc_domain.txt",
                            "4682ae36ca9511d0eb3e986c06e84ea659efd8b9acbef11dcd334c33c5f7c632",
                            required=False),
    "drug_go": DataFile("cdataset/drimc_variant/c_simmat_dc_go.txt.gz",
                        f"{_DRHGCN}/c_simmat_dc_go.txt",
                        "adbb01f229106e405ae6af6009373ede0206e0a1d0e4c8377b33ff8752f9a876",
                        required=False),
    "drugs": DataFile("cdataset/drugs.tsv", None,
                      "5bbafa3812f1dd475083ba2a85ef57ba3ef2dcf09becd854e7d6a24e51dcc178", required=False),
    "diseases": DataFile("cdataset/diseases.tsv", None,
                         "b1a1a5113a844b44b33d40079427cbd1fdd8fe157270876ca18a4018b56d1393",
                         required=False),
}


#: Ids renamed between releases of the same drug (DrugBank), mapped to the id of the .mat file.
_DRUG_ALIASES = {"DB09026": "DB01258"}  # aliskiren
#: Most drugs a target-based view may lack before it is refused.
_MAX_MISSING = 0.02


def _check_unique(ids: list[str], source: str) -> None:
    repeated = pd.Series(ids).duplicated().to_numpy()
    if repeated.any():
        row = int(np.flatnonzero(repeated)[0])
        first = ids.index(ids[row])
        raise DataFormatError(f"duplicate id {ids[row]!r} (first seen in row {first})",
                              source=source, row=row, column="id")


def _aligned_view(matrix: pd.DataFrame, drug_ids: list[str], path, view: str) -> np.ndarray:
    """``matrix`` in ``drug_ids`` order; a few drugs it lacks get an identity row (logged)."""
    for axis, ids in (("row", matrix.index), ("column", matrix.columns)):
        if ids.duplicated().any():
            raise DataFormatError(f"drug id {ids[ids.duplicated()][0]!r} labels two {axis}s",
                                  source=path)
    if not matrix.index.equals(matrix.columns):
        raise DataFormatError("row and column labels differ", source=path)
    missing = pd.Index(drug_ids).difference(matrix.index)
    if len(missing) > _MAX_MISSING * len(drug_ids):
        raise DataFormatError(f"{len(missing)} of {len(drug_ids)} drug ids are missing "
                              f"(first: {missing[0]!r})", source=path)
    if len(missing):
        logger.info("%s: %d drugs have no %s similarity (%s); they get similarity 1 to "
                       "themselves and 0 to others", path, len(missing), view, ", ".join(missing))
    full = pd.DataFrame(np.eye(len(drug_ids)), index=drug_ids, columns=drug_ids)
    present = [i for i in drug_ids if i in matrix.index]
    full.loc[present, present] = matrix.loc[present, present].to_numpy()
    return check_square(full.to_numpy(), len(drug_ids), path, f"{view} similarity", symmetric=True)


def _load_bnnr(name: str, files: dict[str, DataFile], root, download: bool, verify: bool,
               name_columns: dict[str, tuple[str, ...]]) -> DrugDiseaseDataset:
    mat_path = locate(files["mat"], root, download=download, verify=verify)
    mat = read_mat(mat_path, ["didr", "drug", "disease", "Wrname", "Wdname"])
    drug_ids, disease_ids = mat_strings(mat["Wrname"]), mat_strings(mat["Wdname"])
    for ids, variable in ((drug_ids, "Wrname"), (disease_ids, "Wdname")):
        _check_unique(ids, f"{mat_path} ({variable})")
    didr = np.asarray(mat["didr"])
    if didr.shape != (len(disease_ids), len(drug_ids)):
        raise DataFormatError(f"'didr' has shape {didr.shape}, expected disease x drug "
                              f"({len(disease_ids)}, {len(drug_ids)})", source=mat_path)
    sources = {"associations": f"{mat_path} (didr)", "drugs": f"{mat_path} (Wrname)",
               "diseases": f"{mat_path} (Wdname)",
               "drug_similarity:chemical": f"{mat_path} (drug)",
               "disease_similarity:phenotype": f"{mat_path} (disease)"}
    drug_sims = {"chemical": check_square(mat["drug"], len(drug_ids), mat_path, "'drug' similarity",
                                          symmetric=True)}
    disease_sims = {"phenotype": check_square(mat["disease"], len(disease_ids), mat_path,
                                              "'disease' similarity", symmetric=True)}
    for view in ("domain", "go"):
        key = f"drug_{view}"
        if key in files and (path := locate(files[key], root, download=download, verify=verify)):
            matrix = read_labelled_matrix(path).rename(index=_DRUG_ALIASES, columns=_DRUG_ALIASES)
            drug_sims[view] = _aligned_view(matrix, drug_ids, path, view)
            sources[f"drug_similarity:{view}"] = str(path)

    drugs = pd.DataFrame({"id": drug_ids})
    diseases = pd.DataFrame({"id": disease_ids})
    for label, frame, id_col in (("drugs", drugs, "drugbank_id"), ("diseases", diseases, "wdname")):
        path = locate(files[label], root, download=download, verify=verify)
        if path is None:
            continue
        name_col, *fallbacks = name_columns[label]
        table = read_table(path, required=[id_col, name_col])
        check_same_ids(table[id_col].astype(str), frame["id"], path, id_col, "the .mat file")
        names = table[name_col]
        for col in fallbacks:  # a second name source fills the gaps of the first
            if col in table.columns:
                names = names.fillna(table[col])
        frame["name"] = names.to_numpy()
        if "smiles" in table.columns:
            frame["smiles"] = table["smiles"].to_numpy()
        sources[label] = str(path)
    # numeric, not bool: the data set checks that every entry is 0 or 1
    return DrugDiseaseDataset(
        name=name, associations=didr.T,
        drugs=entity_columns(drugs, ["id", "name", "smiles"]),
        diseases=entity_columns(diseases, ["id", "name"]),
        drug_similarities=drug_sims, disease_similarities=disease_sims, sources=sources)


def load_fdataset(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True) -> DrugDiseaseDataset:
    """Fdataset: 593 drugs x 313 diseases; drug views chemical, domain, go; disease view phenotype.

    Drug names are PREDICT's; the two drugs PREDICT leaves unnamed take AMDGT's name.
    """
    return _load_bnnr("fdataset", FDATASET_FILES, root, download, verify,
                      {"drugs": ("name_predict", "name_amdgt"), "diseases": ("name",)})


def load_cdataset(root: str | os.PathLike | None = None, *, download: bool = True,
                  verify: bool = True) -> DrugDiseaseDataset:
    """Cdataset: 663 drugs x 409 diseases; drug views chemical, domain, go; disease view phenotype.

    The target-domain and target-GO views come from the DRIMC release of Cdataset
    (Zhang et al., Bioinformatics 36(9):2839, 2020), which lacks 5 of the 663 drugs
    (DB00236, DB00271, DB00460, DB04571, DB08803): those get similarity 1 to themselves
    and 0 to every other drug in these two views. 102 of the 409 diseases have no name
    in the public sources (``<NA>``).
    """
    return _load_bnnr("cdataset", CDATASET_FILES, root, download, verify,
                      {"drugs": ("name",), "diseases": ("name_from_predict",)})
