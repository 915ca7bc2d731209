import gzip
import shutil

import pandas as pd
import pytest
import torch

from graphmed.ehr import load_mimic3, load_mimic4, mimic4_from_tables
from graphmed.errors import DataFormatError, DataIntegrityError, DataNotFoundError


def test_mimic4_demo_graph(mimic4, mimic4_graph):
    g = mimic4_graph
    assert mimic4.unit == "admission" and g.name == "mimic4_demo"
    assert g.summary()["nodes"] == {"patient": 100, "admission": 275, "diagnosis": 1474,
                                    "diagnosis_category": 22, "procedure": 352, "drug": 489}
    diagnosed = g.data["admission", "diagnosed_with", "diagnosis"]
    assert diagnosed.edge_index.shape[1] == 4506                     # no repeated codes
    assert g.num_edges(("diagnosis", "rev_diagnosed_with", "admission")) == 4506
    assert g.num_edges(("patient", "has_admission", "admission")) == 275
    assert g.num_edges(("diagnosis", "in_category", "diagnosis_category")) == 1474  # all mapped
    prescribed = g.data["admission", "prescribed", "drug"]
    assert int(prescribed.edge_weight.sum()) == 18087                # every prescription row
    assert prescribed.time.dtype == torch.int64
    assert g.data["admission"].time.shape == (275,)
    assert g.data["patient"].x.shape == (100, 2)
    assert g.name_of("diagnosis", g.index_of("diagnosis", "ICD10:I10")) == \
        "Essential (primary) hypertension"
    assert g.name_of("diagnosis", g.index_of("diagnosis", "ICD9:4019")) == \
        "Unspecified essential hypertension"
    assert g.name_of("diagnosis_category", g.index_of("diagnosis_category", "IX")) == \
        "Diseases of the circulatory system"


def test_mimic4_patient_unit(mimic4_folder):
    g = load_mimic4(mimic4_folder, unit="patient").build()
    assert "admission" not in g.node_types
    assert g.num_edges(("patient", "diagnosed_with", "diagnosis")) == 3223
    assert g.name == "mimic4"


def test_mimic3_demo_graph(mimic3_folder):
    ehr = load_mimic3()
    g = ehr.build()
    assert g.summary()["nodes"] == {"patient": 100, "admission": 129, "diagnosis": 581,
                                    "diagnosis_category": 22, "procedure": 164, "drug": 477}
    assert g.num_edges(("admission", "diagnosed_with", "diagnosis")) == 1761
    assert int(g.data["admission", "prescribed", "drug"].edge_weight.sum()) == 10398
    assert int(g.data["admission", "underwent", "procedure"].edge_weight.sum()) == 506
    age = g.data["patient"].x[:, 1]
    assert 0 <= age.min() and age.max() <= 90
    assert g.num_edges(("diagnosis", "in_category", "diagnosis_category")) == 581


def copy_folder(source, target, tables):
    for table in tables:
        (target / table).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / table, target / table)
    return target


MIMIC3 = ["PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD", "PROCEDURES_ICD", "PRESCRIPTIONS",
          "D_ICD_DIAGNOSES", "D_ICD_PROCEDURES"]


def test_full_download_layout_upper_case_columns_and_plain_csv(mimic3_folder, tmp_path):
    """Full MIMIC-III files have upper-case column names; a folder may hold plain CSVs."""
    for table in MIMIC3:
        frame = pd.read_csv(mimic3_folder / f"{table}.csv.gz", dtype=str)
        frame.columns = [c.upper() for c in frame.columns]
        frame.to_csv(tmp_path / f"{table}.csv", index=False)
    g = load_mimic3(tmp_path).build()
    assert g.num_nodes("admission") == 129 and g.num_nodes("drug") == 477


def test_checksums_of_the_folder_are_verified(mimic3_folder, tmp_path):
    folder = copy_folder(mimic3_folder, tmp_path, [f"{t}.csv.gz" for t in MIMIC3] + ["SHA256SUMS.txt"])
    load_mimic3(folder)                                   # gzipped files checked decompressed
    text = gzip.decompress((folder / "ADMISSIONS.csv.gz").read_bytes()).decode()
    (folder / "ADMISSIONS.csv.gz").write_bytes(gzip.compress(text.replace("URGENT", "ELECTIVE").encode()))
    with pytest.raises(DataIntegrityError, match="ADMISSIONS.csv.gz.*SHA256SUMS.txt"):
        load_mimic3(folder)
    assert load_mimic3(folder, verify=False).build().num_nodes("admission") == 129


def test_missing_table_and_column(mimic4_folder, tmp_path):
    tables = [f"hosp/{t}.csv.gz" for t in ["patients", "admissions", "diagnoses_icd",
                                          "procedures_icd", "d_icd_diagnoses", "d_icd_procedures"]]
    folder = copy_folder(mimic4_folder, tmp_path, tables)
    with pytest.raises(DataNotFoundError, match="prescriptions"):
        load_mimic4(folder)
    pd.DataFrame({"subject_id": [1], "hadm_id": [2]}).to_csv(folder / "hosp/prescriptions.csv",
                                                             index=False)
    with pytest.raises(DataFormatError, match="prescriptions.csv.*missing columns") as info:
        load_mimic4(folder)
    assert info.value.column == "starttime"


@pytest.mark.parametrize("value, message", [("", "a missing value where an integer"),
                                             ("x12", "'x12' where an integer"),
                                             ("1.5", "'1.5' where an integer")])
def test_a_bad_id_is_named_by_file_row_and_column(mimic3_folder, tmp_path, value, message):
    folder = copy_folder(mimic3_folder, tmp_path, [f"{t}.csv.gz" for t in MIMIC3])
    frame = pd.read_csv(folder / "ADMISSIONS.csv.gz", dtype=str, keep_default_na=False)
    column = [c for c in frame.columns if c.lower() == "subject_id"][0]
    frame.loc[5, column] = value
    frame.to_csv(folder / "ADMISSIONS.csv.gz", index=False)
    with pytest.raises(DataFormatError, match=message) as info:
        load_mimic3(folder, verify=False)
    assert info.value.source.endswith("ADMISSIONS.csv.gz")
    assert (info.value.row, info.value.column) == (5, "subject_id")
    assert info.value.line == 7 and "ADMISSIONS.csv.gz, line 7" in str(info.value)


def test_a_column_named_twice_is_refused(mimic3_folder, tmp_path):
    folder = copy_folder(mimic3_folder, tmp_path, [f"{t}.csv.gz" for t in MIMIC3])
    frame = pd.read_csv(folder / "ADMISSIONS.csv.gz", dtype=str, keep_default_na=False)
    column = [c for c in frame.columns if c.lower() == "subject_id"][0]
    frame.insert(len(frame.columns), column.upper(), "0")  # the same name in other case
    frame.to_csv(folder / "ADMISSIONS.csv.gz", index=False)
    with pytest.raises(DataFormatError, match="names column 'SUBJECT_ID' twice") as info:
        load_mimic3(folder, verify=False)
    assert info.value.source.endswith("ADMISSIONS.csv.gz")


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(DataNotFoundError, match="not a folder"):
        load_mimic4(tmp_path / "nowhere")


def test_tables_in_memory_are_checked_by_table_and_column():
    from graphmed.ehr.mimic import mimic4_from_tables, read_mimic4_tables

    tables, _ = read_mimic4_tables()
    assert mimic4_from_tables(tables, name="mimic4_demo").summary() == load_mimic4().summary()
    as_text = {**tables, "patients": tables["patients"].astype({"anchor_age": str})}
    assert mimic4_from_tables(as_text, name="mimic4_demo").summary() == load_mimic4().summary()
    cases = [
        ({"patients": tables["patients"].drop(columns="gender")},
         r"'patients', column 'gender': missing columns \['gender'\]"),
        ({"admissions": tables["admissions"].rename(columns=str.upper)},
         r"'admissions', column 'hadm_id': missing columns"),
        ({"patients": tables["patients"].assign(anchor_age="old")},
         r"'patients', column 'anchor_age': values do not convert to float64"),
        ({"diagnoses_icd": tables["diagnoses_icd"].assign(icd_version=11)},
         r"'diagnoses_icd', row 0, column 'icd_version': ICD version 11"),
        ({"prescriptions": None}, r"'prescriptions': expected a pandas DataFrame"),
    ]
    for change, message in cases:
        with pytest.raises(DataFormatError, match=message):
            mimic4_from_tables({**tables, **change})
    with pytest.raises(DataFormatError, match=r"missing MIMIC-IV tables \['patients'\]"):
        mimic4_from_tables({k: v for k, v in tables.items() if k != "patients"})


def test_an_unknown_icd_version_in_a_file_names_its_line(mimic4_folder, tmp_path):
    tables = ["patients", "admissions", "diagnoses_icd", "procedures_icd", "prescriptions",
              "d_icd_diagnoses", "d_icd_procedures"]
    folder = copy_folder(mimic4_folder, tmp_path, [f"hosp/{t}.csv.gz" for t in tables])
    path = folder / "hosp" / "diagnoses_icd.csv.gz"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[4, "icd_version"] = "11"
    frame.to_csv(path, index=False)
    with pytest.raises(DataFormatError, match=r"diagnoses_icd.csv.gz, line 6, column "
                                              r"'icd_version': ICD version 11") as info:
        load_mimic4(folder, verify=False)
    assert info.value.row == 4


@pytest.mark.parametrize("table", ["ADMISSIONS", "DIAGNOSES_ICD", "PATIENTS"])
def test_a_table_with_a_header_only_is_one_clear_error(mimic3_folder, tmp_path, table):
    folder = copy_folder(mimic3_folder, tmp_path, [f"{t}.csv.gz" for t in MIMIC3])
    frame = pd.read_csv(folder / f"{table}.csv.gz", dtype=str)
    frame.iloc[:0].to_csv(folder / f"{table}.csv.gz", index=False)
    with pytest.raises(DataFormatError, match=rf"{table}.csv.gz: no rows \(a header only\?\); a "
                                              "graph for diagnosis needs patients"):
        load_mimic3(folder, verify=False)


def test_mimic4_tables_without_patients_are_one_clear_error(mimic4_folder):
    from graphmed.ehr.mimic import read_mimic4_tables

    tables, sources = read_mimic4_tables(mimic4_folder)
    tables["patients"] = tables["patients"].iloc[:0]
    with pytest.raises(DataFormatError, match="MIMIC-IV table 'patients': no rows"):
        mimic4_from_tables(tables)
    with pytest.raises(DataFormatError, match=r"patients.csv.gz: no rows"):
        mimic4_from_tables(tables, sources=sources)


def test_a_root_that_is_not_a_folder_names_the_demo_to_fall_back_on(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataNotFoundError, match=r"is not a folder; pass root= the folder of the "
                                                r"MIMIC-III export .*\$GRAPHMED_DATA/mimic3_demo"):
        load_mimic3(tmp_path / "file")
