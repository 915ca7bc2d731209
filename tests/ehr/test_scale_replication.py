import numpy as np
import pandas as pd
import pytest

from graphmed.ehr import build_hetero_graph
from graphmed.ehr.mimic import load_mimic4, mimic4_from_tables, read_mimic4_tables
from graphmed.ehr.replicate import id_offsets, replicate_tables


def small_tables():
    return {
        "patients": pd.DataFrame({"subject_id": [7, 42], "age": [30.0, 50.0]}),
        "admissions": pd.DataFrame({"hadm_id": [100, 101, 250], "subject_id": [7, 7, 42]}),
        "prescriptions": pd.DataFrame({"hadm_id": pd.array([100, None, 250], dtype="Int64"),
                                       "subject_id": [7, 7, 42],
                                       "drug": pd.array(["a", "b", "a"], dtype="string")}),
        "codes": pd.DataFrame({"code": ["X", "Y"]}),
    }


def test_replicate_tables_shifts_ids_and_shares_dictionaries():
    tables = small_tables()
    assert id_offsets(tables) == {"subject_id": 100, "hadm_id": 1000}
    big = replicate_tables(tables, 3)
    assert big["codes"] is tables["codes"]                      # shared vocabulary
    for name in ("patients", "admissions", "prescriptions"):
        assert len(big[name]) == 3 * len(tables[name])
        assert big[name].index.equals(pd.RangeIndex(len(big[name])))
        assert (big[name].dtypes == tables[name].dtypes).all()
    assert big["patients"]["subject_id"].tolist() == [7, 42, 107, 142, 207, 242]
    assert big["admissions"]["subject_id"].is_unique is False
    assert big["admissions"]["hadm_id"].is_unique
    assert big["admissions"]["hadm_id"].tolist()[3:6] == [1100, 1101, 1250]
    prescriptions = big["prescriptions"]
    assert prescriptions["hadm_id"].isna().tolist() == [False, True, False] * 3
    assert prescriptions["drug"].tolist() == ["a", "b", "a"] * 3
    # every copy's rows refer to its own patients and admissions only
    admissions = big["admissions"].set_index("hadm_id")["subject_id"]
    known = prescriptions.dropna(subset=["hadm_id"])
    assert (known["hadm_id"].map(admissions).to_numpy() == known["subject_id"].to_numpy()).all()
    assert replicate_tables(tables, 1)["admissions"].equals(tables["admissions"])
    with pytest.raises(ValueError):
        replicate_tables(tables, 0)


def test_replicated_mimic4_demo_graph_scales_linearly(mimic4_folder):
    tables, sources = read_mimic4_tables()
    assert load_mimic4().summary() == mimic4_from_tables(tables, name="mimic4_demo").summary()
    one = build_hetero_graph(mimic4_from_tables(tables).schema)
    big = replicate_tables(tables, 3)
    assert len(big["prescriptions"]) == 3 * len(tables["prescriptions"])
    assert big["d_icd_diagnoses"] is tables["d_icd_diagnoses"]
    graph = build_hetero_graph(mimic4_from_tables(big).schema)
    for node_type in ("patient", "admission"):
        assert graph.num_nodes(node_type) == 3 * one.num_nodes(node_type)
    for node_type in ("diagnosis", "diagnosis_category", "procedure", "drug"):  # shared codes
        assert graph.num_nodes(node_type) == one.num_nodes(node_type)
    for edge_type in one.edge_types:
        factor = 1 if "diagnosis_category" in edge_type else 3
        assert graph.num_edges(edge_type) == factor * one.num_edges(edge_type), edge_type
    weight = graph.data["admission", "prescribed", "drug"].edge_weight
    assert int(weight.sum()) == 3 * len(tables["prescriptions"])
    assert np.array_equal(graph.data["patient"].x.numpy(), np.tile(one.data["patient"].x.numpy(), (3, 1)))
