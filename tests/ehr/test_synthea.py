from graphmed.ehr import load_synthea, semantic_tag


def test_synthea_111_graph(synthea_folder):
    ehr = load_synthea()
    g = ehr.build()
    assert ehr.unit == "encounter"
    nodes = g.summary()["nodes"]
    assert nodes["patient"] == 111 and nodes["encounter"] == 7584
    assert nodes["diagnosis"] == 165 and nodes["procedure"] == 182 and nodes["drug"] == 99
    assert int(g.data["encounter", "diagnosed_with", "diagnosis"].edge_weight.sum()) == 4428
    assert int(g.data["encounter", "prescribed", "drug"].edge_weight.sum()) == 6124
    assert int(g.data["encounter", "underwent", "procedure"].edge_weight.sum()) == 11742
    assert g.num_edges(("patient", "has_encounter", "encounter")) == 7584
    assert "disorder" in g.nodes["diagnosis_category"]["id"].tolist()
    assert g.index_of("drug", "lisinopril") >= 0
    assert (g.data["patient"].x[:, 1] >= 0).all()


def test_synthea_patient_unit(synthea_folder):
    g = load_synthea(synthea_folder, unit="patient").build()
    assert "encounter" not in g.node_types
    assert g.num_nodes("patient") == 111


def test_semantic_tag():
    import pandas as pd

    tags = semantic_tag(pd.Series(["Hypertension (disorder)", "Stress (finding) ", "Plain"]))
    assert tags.tolist() == ["disorder", "finding", "unspecified"]
