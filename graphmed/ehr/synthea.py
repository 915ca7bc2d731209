"""Synthea CSV exports as heterogeneous graphs.

Synthea (Walonoski et al., JAMIA 25(3):230, 2018) writes synthetic records with SNOMED CT
conditions and procedures and RxNorm medications. ``synthea_111`` under the data root
(111 patients) is the default; pass ``root=`` the ``csv/`` folder of any Synthea export.

Nodes: ``patient`` (``Id``; ``x`` = [is female, age at death or at the last encounter]),
``encounter`` (``Id``; ``time`` = start, unit ``"encounter"`` only), ``diagnosis``
(``"SNOMED:<code>"`` from conditions, name = description), ``diagnosis_category`` (the
SNOMED semantic tag at the end of the description: ``disorder``, ``finding``,
``situation`` ..., ``unspecified`` without one; Synthea exports carry no ICD codes),
``procedure`` (``"SNOMED:<code>"``), ``drug`` (normalised medication description).
Edges as in :mod:`graphmed.ehr.mimic`: ``patient -has_encounter-> encounter``,
``<unit> -diagnosed_with-> diagnosis``, ``<unit> -underwent-> procedure``,
``<unit> -prescribed-> drug`` (one edge per pair, ``edge_weight`` = rows, ``time`` =
earliest start), ``diagnosis -in_category-> diagnosis_category``, and their reverses.
"""
from __future__ import annotations

import os
from typing import Literal

import numpy as np
import pandas as pd

from graphmed.datasets.readers import file_line
from graphmed.ehr.drugs import normalise_drug_name
from graphmed.ehr.ehr_data import EHRData
from graphmed.ehr.files import (SYNTHEA_111_FILES, parse_dates, read_csv, require_rows,
                                 table_paths)
from graphmed.ehr.schema import EdgeTable, GraphSchema, NodeTable
from graphmed.errors import DataFormatError

Unit = Literal["encounter", "patient"]
STR = "string"
_TAG = r"\(([^()]+)\)\s*$"


def semantic_tag(descriptions: pd.Series) -> pd.Series:
    """The SNOMED CT semantic tag of each description (``"... (disorder)"`` -> ``"disorder"``),
    ``"unspecified"`` where there is none."""
    return descriptions.astype(STR).str.extract(_TAG, expand=False).str.strip().fillna("unspecified")


def load_synthea(root: str | os.PathLike | None = None, *, unit: Unit = "encounter",
                 verify: bool = True, download: bool = True,
                 data_root: str | os.PathLike | None = None) -> EHRData:
    """A Synthea CSV export as an :class:`EHRData` (see the module docstring).

    Args:
        root: the folder of ``patients.csv`` ...; ``$GRAPHMED_DATA/synthea_111`` if ``None``.
        unit: attach conditions, procedures and medications to ``"encounter"`` or ``"patient"``.
        verify: check the files of ``synthea_111`` against their registered checksums (an
            export elsewhere is checked against its ``SHA256SUMS.txt`` if it has one).
        download: accepted for symmetry with the other loaders (the sample has no URL).
        data_root: where ``synthea_111`` is looked for when ``root`` is ``None`` (default
            ``$GRAPHMED_DATA``, else the per-user folder).
    """
    if unit not in ("encounter", "patient"):
        raise ValueError(f"unit must be 'encounter' or 'patient', got {unit!r}")
    tables = ["patients", "encounters", "conditions", "medications", "procedures"]
    path = table_paths(tables, "synthea_111", SYNTHEA_111_FILES, root, verify=verify,
                       download=download, data_root=data_root)
    patients = read_csv(path["patients"], {"id": STR, "birthdate": STR, "deathdate": STR,
                                           "gender": STR})
    encounters = read_csv(path["encounters"], {"id": STR, "patient": STR, "start": STR})
    events = {kind: read_csv(path[kind], {"start": STR, "patient": STR, "encounter": STR,
                                          "code": STR, "description": STR})
              for kind in ("conditions", "medications", "procedures")}
    key = "encounter" if unit == "encounter" else "patient"
    require_rows({"patients": patients, "encounters": encounters,
                  "conditions": events["conditions"]}, path,
                  "a graph for diagnosis needs patients, their encounters and conditions")

    for kind in ("conditions", "procedures"):
        missing = (events[kind]["code"].astype("string").str.strip() == "").fillna(True)
        if missing.any():
            row = int(np.flatnonzero(missing.to_numpy())[0])
            raise DataFormatError(f"{int(missing.sum())} row(s) have no code", source=path[kind],
                                  row=row, column="code", line=file_line(path[kind], row))

    start = parse_dates(encounters, "start", path["encounters"])
    last = start.groupby(encounters["patient"].to_numpy()).max()
    birth = parse_dates(patients, "birthdate", path["patients"])
    death = parse_dates(patients, "deathdate", path["patients"])
    until = death.fillna(pd.Series(patients["id"].map(last).to_numpy(), index=patients.index))
    age = ((until - birth).dt.days / 365.25).fillna(0.0).clip(lower=0.0)
    patient_nodes = pd.DataFrame({"id": patients["id"], "age": age,
                                  "is_female": (patients["gender"] == "F").fillna(False)
                                  .astype(float)})

    conditions = events["conditions"].assign(id="SNOMED:" + events["conditions"]["code"])
    diagnosis_nodes = (conditions[["id", "description"]].drop_duplicates("id")
                       .rename(columns={"description": "name"}).reset_index(drop=True))
    diagnosis_nodes["category"] = semantic_tag(diagnosis_nodes["name"])
    categories = pd.DataFrame({"id": pd.unique(diagnosis_nodes["category"])})
    procedures = events["procedures"].assign(id="SNOMED:" + events["procedures"]["code"])
    procedure_nodes = (procedures[["id", "description"]].drop_duplicates("id")
                       .rename(columns={"description": "name"}).reset_index(drop=True))
    medications = events["medications"].assign(
        drug=normalise_drug_name(events["medications"]["description"])).dropna(subset=["drug"])
    drug_nodes = pd.DataFrame({"drug": pd.unique(medications["drug"])})

    nodes = [NodeTable("patient", patient_nodes, id="id", features=("is_female", "age"),
                       label="patients")]
    edges = []
    if unit == "encounter":
        nodes.append(NodeTable("encounter", encounters, id="id", time="start", label="encounters"))
        edges.append(EdgeTable(("patient", "has_encounter", "encounter"), encounters,
                               source="patient", target="id", duplicates="error",
                               label="encounters"))
    nodes += [
        NodeTable("diagnosis", diagnosis_nodes, id="id", name="name", label="condition codes"),
        NodeTable("diagnosis_category", categories, id="id", label="SNOMED semantic tags"),
        NodeTable("procedure", procedure_nodes, id="id", name="name", label="procedure codes"),
        NodeTable("drug", drug_nodes, id="drug", name="drug", label="medications"),
    ]
    edges += [
        EdgeTable((unit, "diagnosed_with", "diagnosis"), conditions, source=key, target="id",
                  time="start", duplicates="count", label="conditions"),
        EdgeTable(("diagnosis", "in_category", "diagnosis_category"), diagnosis_nodes,
                  source="id", target="category", duplicates="error", label="condition codes"),
        EdgeTable((unit, "underwent", "procedure"), procedures, source=key, target="id",
                  time="start", duplicates="count", label="procedures"),
        EdgeTable((unit, "prescribed", "drug"), medications, source=key, target="drug",
                  time="start", duplicates="count", label="medications"),
    ]
    name = "synthea_111" if root is None else "synthea"
    return EHRData(name, GraphSchema(nodes, edges), unit, {k: str(p) for k, p in path.items()})
