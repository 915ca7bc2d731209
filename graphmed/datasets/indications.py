"""Curated drug indications: which drugs treat which diseases, by name.

PharmacotherapyDB v1.0 (Himmelstein DS, Khankhanian P, Hessler CS et al., PharmacotherapyDB:
a catalog of disease-modifying and symptomatic indications, Thinklab 2016,
doi:10.15363/thinklab.d182) lists 1,388 physician-reviewed drug–disease pairs between
DrugBank compounds and 97 common diseases of the Disease Ontology: 755 disease-modifying
(``DM``), 390 symptomatic (``SYM``) and 243 non-indications (``NOT``). It is the source of
Hetionet's treats and palliates edges, and covers diseases seen in hospitals (hypertension,
type 2 diabetes, asthma, depression), unlike the Mendelian disorders of Fdataset.

>>> table = load_indications(root="../shared/data")   # doctest: +SKIP
>>> table.columns.tolist()                             # doctest: +SKIP
['drug_id', 'drug', 'disease_id', 'disease', 'kind']
"""
from __future__ import annotations

import os
from typing import Sequence

import pandas as pd

from graphmed.datasets.files import DataFile, locate
from graphmed.datasets.readers import read_table

#: PharmacotherapyDB's catalogue (dhimmel/indications, ``catalog/indications.tsv``).
PHARMACOTHERAPYDB = DataFile(
    "hetionet/pharmacotherapydb_v1.0_indications.tsv",
    "https://github.com/dhimmel/indications/raw/11d535ba0884/catalog/indications.tsv",
    "bc956b0092fab88975a07932b89382a0ed593d3d21df23395440cfd9a067a917")

#: Kinds of PharmacotherapyDB rows: disease-modifying, symptomatic, non-indication.
INDICATION_KINDS = ("DM", "SYM", "NOT")
_COLUMNS = {"drugbank_id": "drug_id", "drug": "drug", "doid_id": "disease_id",
            "disease": "disease", "category": "kind"}


def load_indications(root: str | os.PathLike | None = None, *,
                     kinds: Sequence[str] = ("DM", "SYM")) -> pd.DataFrame:
    """PharmacotherapyDB's indications of the given ``kinds`` (default: disease-modifying
    and symptomatic, the pairs where the drug treats the disease).

    Returns:
        One row per pair: ``drug_id`` (DrugBank), ``drug`` (name), ``disease_id`` (Disease
        Ontology), ``disease`` (name) and ``kind``.

    Raises:
        ValueError: an unknown kind.
        DataNotFoundError: the file is not under the data root and cannot be downloaded.
        DataFormatError: the file lacks a column of the catalogue.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in INDICATION_KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be some of {INDICATION_KINDS}, got {list(kinds)}")
    path = locate(PHARMACOTHERAPYDB, root)
    table = read_table(path, sep="\t", required=list(_COLUMNS), dtype=str)
    table = table[list(_COLUMNS)].rename(columns=_COLUMNS)
    table = table[table["kind"].isin(kinds)]
    return table.reset_index(drop=True)
