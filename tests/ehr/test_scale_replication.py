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


def test_text_ids_get_a_suffix_per_copy():
    tables = {"patients": pd.DataFrame({"Id": ["a-1", "b-2"]}),
              "encounters": pd.DataFrame({"Id": ["e1", "e2", None],
                                          "PATIENT": ["a-1", "a-1", "b-2"]}),
              "codes": pd.DataFrame({"code": ["X"]})}
    big = replicate_tables(tables, 3, id_columns=("Id", "PATIENT"))
    assert id_offsets(tables, ("Id", "PATIENT")) == {}
    assert big["patients"]["Id"].tolist() == ["a-1", "b-2", "a-1~1", "b-2~1", "a-1~2", "b-2~2"]
    assert big["encounters"]["PATIENT"].tolist()[3:6] == ["a-1~1", "a-1~1", "b-2~1"]
    assert big["encounters"]["Id"].isna().tolist() == [False, False, True] * 3
    assert big["codes"] is tables["codes"]
    mixed = {**tables, "claims": pd.DataFrame({"PATIENT": [1, 2]})}
    with pytest.raises(ValueError, match=r"PATIENT holds numbers in \['claims'\] and text in "
                                         r"\['encounters'\]"):
        replicate_tables(mixed, 2, id_columns=("Id", "PATIENT"))
    for replicas in (0, 2.5, "2", True, None):
        with pytest.raises(ValueError, match="replicas must be a positive integer"):
            replicate_tables(tables, replicas)


def test_replicated_synthea_export_loads(synthea_folder, tmp_path):
    from graphmed.ehr import load_synthea

    names = ("patients", "encounters", "conditions", "medications", "procedures")
    tables = {n: pd.read_csv(synthea_folder / f"{n}.csv.gz", dtype=str) for n in names}
    big = replicate_tables(tables, 2, id_columns=("Id", "PATIENT", "ENCOUNTER"))
    for name, table in big.items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    one, two = load_synthea(synthea_folder).build(), load_synthea(tmp_path).build()
    for node_type in ("patient", "encounter"):
        assert two.num_nodes(node_type) == 2 * one.num_nodes(node_type)
    for node_type in ("diagnosis", "drug"):
        assert two.num_nodes(node_type) == one.num_nodes(node_type)
