import numpy as np
import pandas as pd
import pytest

from graphmed.ehr.labs import abnormal_lab_results, result_direction
from graphmed.errors import DataFormatError


def _labevents(**overrides) -> pd.DataFrame:
    table = pd.DataFrame({
        "subject_id": [1, 1, 1, 1, 2, 2, 2],
        "hadm_id": pd.array([10, 10, 10, 10, 20, None, 20], dtype="Int64"),
        "itemid": [50912, 50912, 51279, 51300, 50912, 50912, 51301],
        "charttime": ["2150-01-01 08:00", "2150-01-02 08:00", "2150-01-01 08:00",
                      "2150-01-01 09:00", "2160-05-01 10:00", "2160-04-01 10:00",
                      "2160-05-01 10:00"],
        "valuenum": [2.1, 2.5, 3.1, 7.0, 0.3, 1.9, None],
        "ref_range_lower": [0.5, 0.5, 4.6, 4.0, 0.5, 0.5, None],
        "ref_range_upper": [1.2, 1.2, 6.1, 10.0, 1.2, 1.2, None],
        "flag": ["abnormal", "abnormal", "abnormal", None, "abnormal", "abnormal", "abnormal"],
    })
    return table.assign(**overrides)


LABITEMS = pd.DataFrame({"itemid": [50912, 51279], "label": ["Creatinine", "Red Blood Cells"],
                         "fluid": ["Blood", "Blood"]})


def test_result_direction_reads_the_value_against_its_reference_range():
    out = result_direction(pd.Series([2.0, 0.1, 0.8, None, 5.0]),
                           pd.Series([0.5, 0.5, 0.5, 0.5, None]),
                           pd.Series([1.2, 1.2, 1.2, 1.2, None]))
    assert out.tolist() == ["high", "low", "abnormal", "abnormal", "abnormal"]


def test_abnormal_results_of_admissions_become_lab_codes_with_readable_names():
    nodes, edges = abnormal_lab_results(_labevents(), LABITEMS)
    # the normal result (51300) and the result outside a stay are left out
    assert sorted(nodes["id"]) == ["50912:high", "50912:low", "51279:low", "51301:abnormal"]
    names = dict(zip(nodes["id"], nodes["name"]))
    assert names["50912:high"] == "Creatinine (Blood) high"
    assert names["51279:low"] == "Red Blood Cells (Blood) low"
    assert names["51301:abnormal"] == "51301:abnormal"        # not in d_labitems: its id
    assert edges["hadm_id"].tolist() == [10, 10, 10, 20, 20]
    assert edges["id"].tolist() == ["50912:high", "50912:high", "51279:low", "50912:low",
                                    "51301:abnormal"]
    assert edges["time"].iloc[0] == "2150-01-01 08:00"


def test_patients_keep_their_results_outside_a_stay():
    nodes, edges = abnormal_lab_results(_labevents(), None, key="subject_id")
    assert edges["subject_id"].tolist() == [1, 1, 1, 2, 2, 2]
    assert (nodes["name"] == nodes["id"]).all()               # no d_labitems: names are ids


def test_bad_lab_tables_name_the_column_and_row():
    with pytest.raises(DataFormatError, match="flag"):
        abnormal_lab_results(_labevents().drop(columns="flag"))
    bad = _labevents(itemid=["50912", "50912", "x", "51300", "50912", "50912", "51301"])
    with pytest.raises(DataFormatError, match=r"row 2, column 'itemid': item id 'x' is not an integer"):
        abnormal_lab_results(bad)
    with pytest.raises(DataFormatError, match=r"row 2, column 'itemid'"):  # rows, not index labels
        abnormal_lab_results(bad.set_axis(range(100, 107)))
    for value in (10.5, 1e30, "x"):  # never rounded, wrapped or merged into another unit
        units = pd.array([10, 10, value, 10, 20, None, 20], dtype=object)
        with pytest.raises(DataFormatError, match=rf"row 2, column 'hadm_id': unit id .* is not "
                                                  "an integer"):
            abnormal_lab_results(_labevents(hadm_id=units))
    with pytest.raises(DataFormatError, match="fluid"):
        abnormal_lab_results(_labevents(), LABITEMS.drop(columns="fluid"))
    with pytest.raises(ValueError, match="key must be 'hadm_id' or 'subject_id'"):
        abnormal_lab_results(_labevents(), key="itemid")


def test_mimic4_demo_with_labs(data_root):
    from graphmed.ehr import load_mimic4
    from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds

    ehr = load_mimic4(labs=True, data_root=data_root)
    graph = ehr.build()
    labevents = pd.read_csv(data_root / "mimic4_demo/hosp/labevents.csv.gz",
                            usecols=["hadm_id", "itemid", "flag"])
    abnormal = labevents[(labevents["flag"] == "abnormal") & labevents["hadm_id"].notna()]
    edges = graph.data["admission", "abnormal_result", "lab"]
    assert edges.edge_weight.sum().item() == len(abnormal)     # every abnormal result counted
    assert ("lab", "rev_abnormal_result", "admission") in graph.data.edge_types
    lab_ids = set(graph.nodes["lab"]["id"])
    assert {i.split(":")[0] for i in lab_ids} == set(abnormal["itemid"].astype(str))
    assert "Creatinine (Blood) high" in set(graph.nodes["lab"]["name"])
    without = load_mimic4(data_root=data_root).build()
    assert "lab" not in without.data.node_types                # labs only when asked for

    task = build_diagnosis_task(graph, patient_folds(100, 5, seed=0)[0])
    assert task.code_types == ("drug", "procedure", "lab")
    widths = [graph.num_nodes(t) for t in ("drug", "procedure", "lab")]
    bag = task.bag_of_codes(demographics=False)
    assert bag.shape == (graph.num_nodes("admission"), sum(widths))
    lab_block = bag[:, sum(widths[:2]):]
    assert np.array_equal(lab_block.sum(1) > 0,
                          np.isin(np.arange(bag.shape[0]), edges.edge_index[0].unique().numpy()))


def test_tables_in_memory_with_labevents_give_the_same_graph(data_root):
    from graphmed.ehr.mimic import load_mimic4, mimic4_from_tables, read_mimic4_tables

    tables, _ = read_mimic4_tables(labs=True, data_root=data_root)
    assert {"labevents", "d_labitems"} <= set(tables)
    from_tables = mimic4_from_tables(tables, unit="patient").build()
    loaded = load_mimic4(unit="patient", labs=True, data_root=data_root).build()
    et = ("patient", "abnormal_result", "lab")
    assert loaded.nodes["lab"]["id"].tolist() == from_tables.nodes["lab"]["id"].tolist()
    assert (loaded.data[et].edge_index == from_tables.data[et].edge_index).all()
    bad = {**tables, "labevents": tables["labevents"].assign(valuenum="high")}
    with pytest.raises(DataFormatError, match=r"table 'labevents'.*column 'valuenum'"):
        mimic4_from_tables(bad)


def test_full_mimic3_folder_with_lab_results(mimic3_folder, tmp_path):
    """MIMIC-III's LABEVENTS flags abnormal results but gives no reference range: one code
    per test, without a direction. The demo ships no lab results."""
    from graphmed.ehr import load_mimic3
    from graphmed.errors import DataNotFoundError

    for table in ["PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD", "PROCEDURES_ICD", "PRESCRIPTIONS",
                  "D_ICD_DIAGNOSES", "D_ICD_PROCEDURES"]:
        (tmp_path / f"{table}.csv.gz").write_bytes((mimic3_folder / f"{table}.csv.gz").read_bytes())
    admissions = pd.read_csv(mimic3_folder / "ADMISSIONS.csv.gz")
    hadm, subject = admissions[["hadm_id", "subject_id"]].to_numpy()[0]
    pd.DataFrame({"ROW_ID": [1, 2, 3, 4], "SUBJECT_ID": [subject] * 4,
                  "HADM_ID": [hadm, hadm, hadm, None], "ITEMID": [50912, 50912, 51279, 51279],
                  "CHARTTIME": ["2150-01-01 08:00"] * 4, "VALUE": ["2.1", "2.5", "3.1", "3.0"],
                  "VALUENUM": [2.1, 2.5, 3.1, 3.0], "VALUEUOM": ["mg/dL"] * 4,
                  "FLAG": ["abnormal", "abnormal", None, "abnormal"]}
                 ).to_csv(tmp_path / "LABEVENTS.csv", index=False)
    pd.DataFrame({"ROW_ID": [1], "ITEMID": [50912], "LABEL": ["Creatinine"], "FLUID": ["Blood"],
                  "CATEGORY": ["Chemistry"], "LOINC_CODE": ["2160-0"]}
                 ).to_csv(tmp_path / "D_LABITEMS.csv", index=False)
    graph = load_mimic3(tmp_path, labs=True).build()
    assert graph.nodes["lab"]["id"].tolist() == ["50912:abnormal"]
    assert graph.nodes["lab"]["name"].tolist() == ["Creatinine (Blood) abnormal"]
    edges = graph.data["admission", "abnormal_result", "lab"]
    assert edges.edge_index[0].tolist() == graph.indices_of("admission", [str(hadm)]).tolist()
    assert edges.edge_weight.tolist() == [2.0]
    assert "lab" not in load_mimic3(tmp_path).build().data.node_types
    with pytest.raises(DataNotFoundError, match="demo ships no lab results"):
        load_mimic3(labs=True)


def test_a_large_table_is_read_in_blocks_keeping_only_the_rows_asked_for(tmp_path):
    from graphmed.ehr.files import read_csv
    from graphmed.ehr.labs import is_abnormal

    table = pd.concat([_labevents()] * 5, ignore_index=True)
    table.columns = [c.upper() for c in table.columns]            # full MIMIC-III style
    table.to_csv(tmp_path / "LABEVENTS.csv.gz", index=False)
    columns = {"hadm_id": "Int64", "itemid": "int64", "valuenum": "float64", "flag": "string"}
    whole = read_csv(tmp_path / "LABEVENTS.csv.gz", columns)
    kept = read_csv(tmp_path / "LABEVENTS.csv.gz", columns, keep=is_abnormal, chunksize=3)
    expected = whole[is_abnormal(whole)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, expected)
    assert len(kept) == 30 and list(kept.columns) == list(columns)
    none = read_csv(tmp_path / "LABEVENTS.csv.gz", columns, keep=lambda b: np.zeros(len(b), bool))
    assert len(none) == 0 and list(none.columns) == list(columns)
    bad = table.assign(ITEMID=table["ITEMID"].astype(str).where(table.index != 17, "x"))
    bad.to_csv(tmp_path / "BAD.csv", index=False)
    with pytest.raises(DataFormatError, match=r"line 19, column 'ITEMID': 'x' where an integer is expected"):
        read_csv(tmp_path / "BAD.csv", columns, keep=is_abnormal, chunksize=4)


def test_the_loaders_hold_only_the_abnormal_lab_results(data_root):
    from graphmed.ehr.mimic import read_mimic4_tables

    tables, sources = read_mimic4_tables(labs=True, data_root=data_root)
    labevents = tables["labevents"]
    assert len(labevents) == 40275 and (labevents["flag"] == "abnormal").all()
    assert sources["hosp/labevents"].endswith("labevents.csv.gz")
