"""MIMIC-III and MIMIC-IV (hosp module) as heterogeneous graphs.

The demos (``mimic3_demo``, ``mimic4_demo`` under the data root; 100 patients each) have
the layout of the full databases, so a credentialed user passes ``root=`` the folder of
the full download (``mimic-iv-2.2/`` with ``hosp/``, or the MIMIC-III folder of
``ADMISSIONS.csv.gz`` ...). Only the columns used are read.

Nodes (ids in brackets):

* ``patient`` (``subject_id``): ``x`` = [is female, age] (MIMIC-IV ``anchor_age``;
  MIMIC-III age at the first admission, 90 for the shifted ages above 89);
* ``admission`` (``hadm_id``, unit ``"admission"`` only): ``time`` = admission time;
* ``diagnosis`` (``"ICD9:4139"``, ``"ICD10:I10"``): name = the official long title;
* ``diagnosis_category`` (ICD-10 chapter, ``"IX"``; all 22, see :mod:`graphmed.ehr.icd`);
* ``procedure`` (``"ICD9:3961"``, ``"ICD10:0DTJ4ZZ"``): name = the official long title;
* ``drug`` (normalised prescription drug name, :func:`~graphmed.ehr.drugs.normalise_drug_name`);
* ``lab`` (with ``labs=True`` only; ``"50912:high"``: a lab test and the direction of its
  abnormal results, :mod:`graphmed.ehr.labs`): name = ``"Creatinine (Blood) high"``.

Edges (each also reversed, ``rev_<relation>``): ``patient -has_admission-> admission``;
``<unit> -diagnosed_with-> diagnosis`` (``edge_attr`` = [seq_num], 1 = primary, 0 =
unknown), ``<unit> -underwent-> procedure``, ``<unit> -prescribed-> drug`` (one edge per
pair; ``edge_weight`` = number of rows, ``time`` = earliest start; procedures have a time
in MIMIC-IV only); ``<unit> -abnormal_result-> lab`` (``edge_weight`` = number of such
results, ``time`` = the first); ``diagnosis -in_category-> diagnosis_category``.
"""
from __future__ import annotations

import logging
import os
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from graphmed.datasets.readers import file_line
from graphmed.ehr.drugs import normalise_drug_name
from graphmed.ehr.ehr_data import EHRData
from graphmed.ehr.files import (MIMIC3_DEMO_FILES, MIMIC4_DEMO_FILES, MIMIC4_DEMO_PAGE, read_csv,
                                require_rows, table_paths)
from graphmed.ehr.icd import diagnosis_categories, icd_chapters, normalise_icd_code
from graphmed.ehr.labs import ABNORMAL_RESULT, LAB, abnormal_lab_results, is_abnormal
from graphmed.ehr.schema import EdgeTable, GraphSchema, NodeTable
from graphmed.errors import DataFormatError, DataNotFoundError

logger = logging.getLogger(__name__)

Unit = Literal["admission", "patient"]
MAX_AGE = 90
#: What a MIMIC graph needs rows of (said when a table has none).
NEEDED_ROWS = "a graph for diagnosis needs patients, their admissions and diagnoses"
STR = "string"


# MIMIC-IV ``hosp`` tables read by :func:`load_mimic4`: table -> column -> dtype.
MIMIC4_TABLES: dict[str, dict[str, str]] = {
    "patients": {"subject_id": "int64", "gender": STR, "anchor_age": "float64"},
    "admissions": {"hadm_id": "int64", "subject_id": "int64", "admittime": STR},
    "diagnoses_icd": {"subject_id": "int64", "hadm_id": "int64", "seq_num": "float64",
                      "icd_code": STR, "icd_version": "int64"},
    "procedures_icd": {"subject_id": "int64", "hadm_id": "int64", "chartdate": STR,
                       "icd_code": STR, "icd_version": "int64"},
    "prescriptions": {"subject_id": "int64", "hadm_id": "Int64", "starttime": STR, "drug": STR},
    "d_icd_diagnoses": {"icd_code": STR, "icd_version": "int64", "long_title": STR},
    "d_icd_procedures": {"icd_code": STR, "icd_version": "int64", "long_title": STR},
}
#: The MIMIC-IV ``hosp`` tables read with ``labs=True`` (``labevents`` is the largest table of
#: the database, over 100 million rows, so they are read only when asked for).
MIMIC4_LAB_TABLES: dict[str, dict[str, str]] = {
    "labevents": {"subject_id": "int64", "hadm_id": "Int64", "itemid": "int64",
                  "charttime": STR, "valuenum": "float64", "ref_range_lower": "float64",
                  "ref_range_upper": "float64", "flag": STR},
    "d_labitems": {"itemid": "int64", "label": STR, "fluid": STR},
}


def read_mimic4_tables(root: str | os.PathLike | None = None, *, labs: bool = False,
                       verify: bool = True, download: bool = True,
                       data_root: str | os.PathLike | None = None
                       ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The MIMIC-IV ``hosp`` tables of :data:`MIMIC4_TABLES` (and, with ``labs``, of
    :data:`MIMIC4_LAB_TABLES`; only those columns), and the file each was read from.
    Of ``labevents`` only the results flagged abnormal are read (in blocks: the full table
    does not fit in memory). Arguments as in :func:`load_mimic4`."""
    wanted = {**MIMIC4_TABLES, **(MIMIC4_LAB_TABLES if labs else {})}
    path = table_paths([f"hosp/{t}" for t in wanted],
                       "mimic4_demo" if root is None else "MIMIC-IV", MIMIC4_DEMO_FILES, root,
                       verify=verify, download=download, page=MIMIC4_DEMO_PAGE, data_root=data_root)
    tables = {t: read_csv(path[f"hosp/{t}"], columns,
                          keep=is_abnormal if t == "labevents" else None)
              for t, columns in wanted.items()}
    return tables, {k: str(p) for k, p in path.items()}


def load_mimic4(root: str | os.PathLike | None = None, *, unit: Unit = "admission",
                labs: bool = False, verify: bool = True, download: bool = True,
                data_root: str | os.PathLike | None = None) -> EHRData:
    """MIMIC-IV ``hosp`` tables as an :class:`EHRData` (see the module docstring).

    Args:
        root: the MIMIC-IV folder (holding ``hosp/``); ``$GRAPHMED_DATA/mimic4_demo`` if ``None``.
        unit: attach diagnoses, procedures and drugs to ``"admission"`` or ``"patient"`` nodes.
        labs: also read ``labevents`` and ``d_labitems`` and link each unit to its abnormal
            lab results (``lab`` nodes, :mod:`graphmed.ehr.labs`).
        verify: check files against ``SHA256SUMS.txt`` / the registered demo checksums.
        download: for the demo only, fetch missing files that have a public URL.
        data_root: where the demo is looked for when ``root`` is ``None`` (default
            ``$GRAPHMED_DATA``, else the per-user folder).
    """
    tables, sources = read_mimic4_tables(root, labs=labs, verify=verify, download=download,
                                         data_root=data_root)
    return mimic4_from_tables(tables, unit=unit, name="mimic4_demo" if root is None else "mimic4",
                              sources=sources)


def mimic4_from_tables(tables: Mapping[str, pd.DataFrame], *, unit: Unit = "admission",
                       name: str = "mimic4", sources: Mapping[str, str] | None = None) -> EHRData:
    """MIMIC-IV ``hosp`` tables already in memory (e.g. from a database) as an :class:`EHRData`.

    Args:
        tables: the tables of :data:`MIMIC4_TABLES` (``"patients"``, ``"admissions"``, ...)
            with at least those (lower-case) columns; ids as integers, codes as strings.
            With ``"labevents"`` (and optionally ``"d_labitems"``, for names) as well, the
            units are linked to their abnormal lab results (:data:`MIMIC4_LAB_TABLES`).
        unit: as in :func:`load_mimic4`.
        name: the name of the data and of its graph.
        sources: table -> where it came from, kept in :attr:`EHRData.sources`.
    """
    tables = _checked_mimic4_tables(tables, sources or {})
    labs = None
    if "labevents" in tables:
        key = "hadm_id" if unit == "admission" else "subject_id"
        labs = abnormal_lab_results(tables["labevents"], tables.get("d_labitems"), key=key)
    patients = tables["patients"]
    patients = pd.DataFrame({"subject_id": patients["subject_id"],
                             "is_female": (patients["gender"] == "F").fillna(False).astype(float),
                             "age": patients["anchor_age"].clip(upper=MAX_AGE)})
    icd = {"icd_code": "code", "icd_version": "version"}
    return _mimic(
        name, unit, patients, tables["admissions"][["hadm_id", "subject_id", "admittime"]],
        tables["diagnoses_icd"].rename(columns=icd),
        tables["procedures_icd"].rename(columns={**icd, "chartdate": "time"}),
        tables["prescriptions"].rename(columns={"starttime": "time"}),
        {k: tables[f"d_icd_{k}"].rename(columns={**icd, "long_title": "title"})
         for k in ("diagnoses", "procedures")},
        dict(sources or {}), labs)


def _checked_mimic4_tables(tables: Mapping[str, pd.DataFrame],
                           sources: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """``tables`` with the :data:`MIMIC4_TABLES` columns converted to their dtypes.

    Raises:
        DataFormatError: a missing table or column, or a column that does not convert,
            naming the table and column; an ICD version other than 9 or 10, naming the
            file and line where the table was read from one (``sources["hosp/<table>"]``),
            else the table and row.
    """
    missing = [t for t in MIMIC4_TABLES if t not in tables]
    if missing:
        raise DataFormatError(f"missing MIMIC-IV tables {missing}; expected {list(MIMIC4_TABLES)}")
    expected = {**MIMIC4_TABLES, **{t: c for t, c in MIMIC4_LAB_TABLES.items() if t in tables}}
    checked = {}
    for name, columns in expected.items():
        table = tables[name]
        if not isinstance(table, pd.DataFrame):
            raise DataFormatError(f"expected a pandas DataFrame, got {type(table).__name__}",
                                  source=f"MIMIC-IV table {name!r}")
        absent = [c for c in columns if c not in table.columns]
        if absent:
            raise DataFormatError(f"missing columns {absent} (MIMIC-IV names, lower case); "
                                  f"columns are {list(table.columns)}",
                                  source=f"MIMIC-IV table {name!r}", column=absent[0])
        converted = {}  # only the columns of another dtype: no copy of 10-million-row tables
        for column, dtype in columns.items():
            if str(table[column].dtype) == dtype:
                continue
            try:
                converted[column] = table[column].astype(dtype)
            except (TypeError, ValueError) as exc:
                raise DataFormatError(f"values do not convert to {dtype} ({exc})",
                                      source=f"MIMIC-IV table {name!r}", column=column) from None
        checked[name] = table.assign(**converted) if converted else table
    require_rows({t: checked[t] for t in ("patients", "admissions", "diagnoses_icd")},
                 {t: sources.get(f"hosp/{t}", f"MIMIC-IV table {t!r}") for t in MIMIC4_TABLES},
                 NEEDED_ROWS)
    for name in ("diagnoses_icd", "procedures_icd"):
        versions = checked[name]["icd_version"]
        unknown = ~versions.isin((9, 10))
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            path = sources.get(f"hosp/{name}")
            raise DataFormatError(f"ICD version {int(versions[unknown].iloc[0])}; MIMIC-IV codes "
                                  "are ICD-9 or ICD-10", row=row, column="icd_version",
                                  source=path or f"MIMIC-IV table {name!r}",
                                  line=None if path is None else file_line(path, row))
    return checked


def load_mimic3(root: str | os.PathLike | None = None, *, unit: Unit = "admission",
                labs: bool = False, verify: bool = True, download: bool = True,
                data_root: str | os.PathLike | None = None) -> EHRData:
    """MIMIC-III tables as an :class:`EHRData` (see the module docstring); codes are ICD-9-CM.

    Args:
        root: the MIMIC-III folder (holding ``ADMISSIONS.csv.gz`` ...);
            ``$GRAPHMED_DATA/mimic3_demo`` if ``None``.
        labs: also read ``LABEVENTS`` and ``D_LABITEMS`` (a full MIMIC-III folder; the demo
            ships no lab results) and link each unit to its abnormal lab results; MIMIC-III
            gives no reference ranges, so each lab code is a test flagged abnormal
            (``"50912:abnormal"``), without a direction.
        unit, verify, download, data_root: as in :func:`load_mimic4`.

    Raises:
        DataNotFoundError: a missing table; ``labs`` with the demo.
    """
    if labs and root is None:
        raise DataNotFoundError("the MIMIC-III demo ships no lab results (LABEVENTS); pass "
                                "root= the folder of a full MIMIC-III download for labs=True")
    tables = ["PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD", "PROCEDURES_ICD", "PRESCRIPTIONS",
              "D_ICD_DIAGNOSES", "D_ICD_PROCEDURES"] + (["LABEVENTS", "D_LABITEMS"] if labs else [])
    path = table_paths(tables, "mimic3_demo" if root is None else "MIMIC-III", MIMIC3_DEMO_FILES,
                       root, verify=verify, download=download, data_root=data_root)
    patients = read_csv(path["PATIENTS"], {"subject_id": "int64", "gender": STR, "dob": STR})
    admissions = read_csv(path["ADMISSIONS"], {"hadm_id": "int64", "subject_id": "int64",
                                               "admittime": STR})
    diagnoses = read_csv(path["DIAGNOSES_ICD"], {"subject_id": "int64", "hadm_id": "int64",
                                                 "seq_num": "float64", "icd9_code": STR})
    require_rows({"PATIENTS": patients, "ADMISSIONS": admissions, "DIAGNOSES_ICD": diagnoses},
                 path, NEEDED_ROWS)
    first = (pd.to_datetime(admissions["admittime"], errors="coerce")
             .groupby(admissions["subject_id"]).min())
    dob = pd.to_datetime(patients["dob"], errors="coerce")
    admit = pd.to_datetime(patients["subject_id"].map(first))
    age = (admit.dt.year - dob.dt.year
           - ((admit.dt.month < dob.dt.month)
              | ((admit.dt.month == dob.dt.month) & (admit.dt.day < dob.dt.day))).astype(float))
    age = age.astype(float).clip(lower=0, upper=MAX_AGE)
    patients = pd.DataFrame({"subject_id": patients["subject_id"],
                             "is_female": (patients["gender"] == "F").fillna(False).astype(float),
                             "age": age.fillna(age.median() if age.notna().any() else 0.0)})
    procedures = read_csv(path["PROCEDURES_ICD"], {"subject_id": "int64", "hadm_id": "int64",
                                                   "icd9_code": STR})
    prescriptions = read_csv(path["PRESCRIPTIONS"], {"subject_id": "int64", "hadm_id": "Int64",
                                                     "startdate": STR, "drug": STR})
    titles = {kind: read_csv(path[f"D_ICD_{kind.upper()}"], {"icd9_code": STR, "long_title": STR})
              .rename(columns={"icd9_code": "code", "long_title": "title"}).assign(version=9)
              for kind in ("diagnoses", "procedures")}
    lab_results = None
    if labs:
        labevents = read_csv(path["LABEVENTS"], {"subject_id": "int64", "hadm_id": "Int64",
                                                 "itemid": "int64", "charttime": STR,
                                                 "valuenum": "float64", "flag": STR},
                             keep=is_abnormal)
        labitems = read_csv(path["D_LABITEMS"], {"itemid": "int64", "label": STR, "fluid": STR})
        lab_results = abnormal_lab_results(labevents, labitems,
                                           key="hadm_id" if unit == "admission" else "subject_id")
    return _mimic(
        "mimic3_demo" if root is None else "mimic3", unit, patients, admissions,
        diagnoses.rename(columns={"icd9_code": "code"}).assign(version=9),
        procedures.rename(columns={"icd9_code": "code"}).assign(version=9),
        prescriptions.rename(columns={"startdate": "time"}), titles,
        {k: str(p) for k, p in path.items()}, lab_results)


def code_ids(codes: pd.Series, versions: pd.Series | int) -> pd.Series:
    """``"ICD<version>:<code>"`` node ids (codes without dots, upper case)."""
    versions = pd.Series(np.broadcast_to(np.asarray(versions), (len(codes),)), index=codes.index)
    return "ICD" + versions.astype(str) + ":" + normalise_icd_code(codes)


def _code_nodes(events: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct code of ``events``: ``id``, ``code``, ``version``, ``name``."""
    nodes = events[["id", "code", "version"]].drop_duplicates("id").reset_index(drop=True)
    titles = pd.DataFrame({"id": code_ids(titles["code"], titles["version"]),
                           "name": titles["title"]}).dropna().drop_duplicates("id")
    return nodes.merge(titles, on="id", how="left")


def _dropna(table: pd.DataFrame, columns: list[str], what: str) -> pd.DataFrame:
    missing = table[columns].isna().any(axis=1)
    if missing.any():
        logger.info("%s: %d of %d rows without %s left out", what, int(missing.sum()), len(table),
                    " or ".join(columns))
        table = table[~missing.to_numpy()]
    return table.reset_index(drop=True)


def _mimic(name: str, unit: Unit, patients: pd.DataFrame, admissions: pd.DataFrame,
           diagnoses: pd.DataFrame, procedures: pd.DataFrame, prescriptions: pd.DataFrame,
           titles: dict[str, pd.DataFrame], sources: dict[str, str],
           labs: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> EHRData:
    if unit not in ("admission", "patient"):
        raise ValueError(f"unit must be 'admission' or 'patient', got {unit!r}")
    key = "hadm_id" if unit == "admission" else "subject_id"

    diagnoses = _dropna(diagnoses, [key, "code"], "diagnoses")
    diagnoses = diagnoses.assign(id=code_ids(diagnoses["code"], diagnoses["version"]),
                                 seq_num=diagnoses["seq_num"].fillna(0.0))
    diagnosis_nodes = _code_nodes(diagnoses, titles["diagnoses"])
    chapters = icd_chapters(diagnosis_nodes["code"], diagnosis_nodes["version"])
    in_category = pd.DataFrame({"diagnosis": diagnosis_nodes["id"],
                                "category": chapters["category"]}).dropna()
    if len(in_category) < len(diagnosis_nodes):
        logger.info("%s: %d diagnosis codes are in no ICD chapter", name,
                    len(diagnosis_nodes) - len(in_category))

    procedures = _dropna(procedures, [key, "code"], "procedures")
    procedures = procedures.assign(id=code_ids(procedures["code"], procedures["version"]))
    procedure_nodes = _code_nodes(procedures, titles["procedures"])

    prescriptions = prescriptions.assign(drug=normalise_drug_name(prescriptions["drug"]))
    prescriptions = _dropna(prescriptions, [key, "drug"], "prescriptions")
    if prescriptions["time"].isna().any():  # no start: the admission time
        admit = prescriptions["hadm_id"].map(admissions.set_index("hadm_id")["admittime"])
        prescriptions = prescriptions.assign(time=prescriptions["time"].fillna(admit))
    drug_nodes = pd.DataFrame({"drug": pd.unique(prescriptions["drug"])})

    nodes = [NodeTable("patient", patients, id="subject_id", features=("is_female", "age"),
                       label="patients")]
    edges = []
    if unit == "admission":
        nodes.append(NodeTable("admission", admissions, id="hadm_id", time="admittime",
                               label="admissions"))
        edges.append(EdgeTable(("patient", "has_admission", "admission"), admissions,
                               source="subject_id", target="hadm_id", duplicates="error",
                               label="admissions"))
    nodes += [
        NodeTable("diagnosis", diagnosis_nodes, id="id", name="name", label="diagnosis codes"),
        NodeTable("diagnosis_category", diagnosis_categories(), id="id", name="name",
                  label="ICD-10 chapters"),
        NodeTable("procedure", procedure_nodes, id="id", name="name", label="procedure codes"),
        NodeTable("drug", drug_nodes, id="drug", name="drug", label="prescribed drugs"),
    ]
    edges += [
        EdgeTable((unit, "diagnosed_with", "diagnosis"), diagnoses, source=key, target="id",
                  features=("seq_num",), duplicates="count", label="diagnoses"),
        EdgeTable(("diagnosis", "in_category", "diagnosis_category"), in_category,
                  source="diagnosis", target="category", duplicates="error",
                  label="diagnosis chapters"),
    ]
    if len(procedures):
        edges.append(EdgeTable((unit, "underwent", "procedure"), procedures, source=key, target="id",
                               time="time" if "time" in procedures.columns else None,
                               duplicates="count", label="procedures"))
    if len(prescriptions):
        edges.append(EdgeTable((unit, "prescribed", "drug"), prescriptions, source=key,
                               target="drug", time="time", duplicates="count",
                               label="prescriptions"))
    if labs is not None and len(labs[1]):
        lab_nodes, lab_results = labs
        nodes.append(NodeTable(LAB, lab_nodes, id="id", name="name", label="abnormal lab results"))
        edges.append(EdgeTable((unit, ABNORMAL_RESULT, LAB), lab_results, source=key, target="id",
                               time="time" if "time" in lab_results.columns else None,
                               duplicates="count", label="labevents"))
    nodes = [n for n in nodes if len(n.table)]
    return EHRData(name, GraphSchema(nodes, edges), unit, sources)
