import numpy as np
import pandas as pd
import pytest

from graphmed.ehr import (EdgeTable, GraphSchema, NodeTable, build_hetero_graph, drug_match_key,
                          join_drug_disease, match_drugs, normalise_drug_name)


@pytest.mark.parametrize("raw, normalised", [
    ("Amoxicillin 500 MG Oral Tablet", "amoxicillin"),
    ("0.9% Sodium Chloride", "sodium chloride"),
    ("Sodium Chloride 0.9%  Flush", "sodium chloride"),
    ("HYDROmorphone (Dilaudid)", "hydromorphone"),
    ("NDA020983 200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [Ventolin]", "albuterol"),
    ("Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet",
     "acetaminophen / oxycodone hydrochloride"),
    ("72 HR Fentanyl 0.025 MG/HR Transdermal System", "fentanyl"),
    ("Vitamin B12", "vitamin b12"),
    ("Bag", "bag"),
])
def test_normalise_drug_name(raw, normalised):
    assert normalise_drug_name([raw]).tolist() == [normalised]


def test_match_keys_drop_salts_unless_nothing_else_is_left():
    keys = drug_match_key(["Metoprolol Tartrate", "Potassium Chloride", "Oxycodone HCl / Acetaminophen",
                           None])
    assert keys.tolist()[:3] == ["metoprolol", "potassium chloride", "acetaminophen / oxycodone"]
    assert keys.isna().tolist()[3]


def test_match_drugs():
    drugs = pd.DataFrame({"id": ["DB1", "DB2", "DB3"], "name": ["Metoprolol", "Heparin", "Heparin"]})
    matched = match_drugs(["metoprolol succinate", "Heparin Sodium", "insulin"], drugs)
    assert matched[["name", "drug_id"]].values.tolist() == [["metoprolol succinate", "DB1"],
                                                            ["Heparin Sodium", "DB2"]]


class Toy:
    name = "toy"
    disease_kind = "disease"
    drugs = pd.DataFrame({"id": ["DB1", "DB2"], "name": ["Metoprolol", "Aspirin"], "smiles": ["C", "CC"]})
    diseases = pd.DataFrame({"id": ["D1", "D2"], "name": ["Hypertension", "Pain"]})
    associations = np.array([[True, False], [False, True]])


def test_join_drug_disease_merges_matched_drugs():
    admissions = pd.DataFrame({"hadm": [1, 2]})
    drugs = pd.DataFrame({"drug": ["metoprolol tartrate", "insulin"]})
    given = pd.DataFrame({"hadm": [1, 2], "drug": ["metoprolol tartrate", "insulin"]})
    schema = GraphSchema([NodeTable("admission", admissions, id="hadm"),
                          NodeTable("drug", drugs, id="drug", name="drug")],
                         [EdgeTable(("admission", "prescribed", "drug"), given, source="hadm",
                                    target="drug")])
    joined, matches = join_drug_disease(schema, Toy())
    assert matches[["ehr_id", "drug_id"]].values.tolist() == [["metoprolol tartrate", "DB1"]]
    graph = build_hetero_graph(joined)
    assert graph.nodes["drug"]["id"].tolist() == ["metoprolol tartrate", "insulin", "DB2"]
    treats = graph.data["drug", "treats", "disease"].edge_index.tolist()
    assert treats == [[0, 2], [0, 1]]
    only_matched, _ = join_drug_disease(schema, Toy(), include_unmatched=False)
    graph = build_hetero_graph(only_matched)
    assert graph.num_nodes("drug") == 2 and graph.num_edges(("drug", "treats", "disease")) == 1


def test_join_mimic4_with_fdataset(mimic4, data_root):
    from graphmed.datasets import load_dataset

    fdataset = load_dataset("fdataset", data_root)
    joined, matches = join_drug_disease(mimic4.schema, fdataset)
    assert len(matches) > 150                       # 185 of 489 MIMIC-IV demo drugs
    assert {"ehr_id", "name", "key", "drug_id", "drug_name"} <= set(matches.columns)
    graph = build_hetero_graph(joined)
    assert graph.num_nodes("disease") == 313
    assert graph.num_nodes("drug") == mimic4.schema.node("drug").table.shape[0] + 593 - len(matches)
    assert graph.num_edges(("drug", "treats", "disease")) == 1933
    fentanyl = graph.index_of("drug", "fentanyl citrate")
    assert fentanyl in graph.data["drug", "treats", "disease"].edge_index[0].tolist()
