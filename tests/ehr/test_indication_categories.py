"""Known indications of an EHR graph's drugs, placed in the graph's diagnosis categories."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.ehr import EdgeTable, GraphSchema, HashingTextEncoder, NodeTable, build_hetero_graph
from graphmed.ehr.indications import (INDICATION_ATTR, add_indication_categories,
                                      code_categories, disease_category_shares)
from graphmed.errors import DataFormatError

CODES = pd.DataFrame({
    "code": ["E11", "E10", "I10", "I11", "J45"],
    "title": ["Type 2 diabetes mellitus", "Type 1 diabetes mellitus", "Essential hypertension",
              "Hypertensive heart disease", "Asthma"],
    "cat": ["endocrine", "endocrine", "circulatory", "circulatory", "respiratory"]})
DRUGS = pd.DataFrame({"drug": ["metformin hydrochloride", "lisinopril", "aspirin", "insulin"]})
CATEGORIES = ["endocrine", "circulatory", "respiratory"]


def _graph(with_ontology: bool = True):
    adm = pd.DataFrame({"hadm": [1, 2]})
    rx = pd.DataFrame({"hadm": [1, 1, 2], "drug": ["metformin hydrochloride", "aspirin", "lisinopril"]})
    edges = [EdgeTable(("admission", "prescribed", "drug"), rx, source="hadm", target="drug")]
    if with_ontology:
        edges.append(EdgeTable(("diagnosis", "in_category", "diagnosis_category"), CODES,
                               source="code", target="cat"))
    schema = GraphSchema(
        nodes=[NodeTable("admission", adm, id="hadm"),
               NodeTable("diagnosis", CODES, id="code", name="title"),
               NodeTable("diagnosis_category", pd.DataFrame({"cat": CATEGORIES}), id="cat"),
               NodeTable("drug", DRUGS, id="drug", name="drug")],
        edges=edges)
    return build_hetero_graph(schema, name="toy")


INDICATIONS = pd.DataFrame({
    "drug": ["Metformin", "Lisinopril", "Lisinopril", "Insulin", "Unlisted drug"],
    "disease": ["type 2 diabetes mellitus", "hypertension", "hypertensive heart disease",
                "type 1 diabetes mellitus", "asthma"]})


def test_code_categories_follow_the_ontology_edges():
    graph = _graph()
    categories = code_categories(graph)
    names = [graph.id_of("diagnosis_category", int(c)) for c in categories]
    assert names == CODES["cat"].tolist()


def test_disease_names_land_in_the_category_of_the_nearest_titles():
    graph = _graph()
    shares = disease_category_shares(graph, ["type 2 diabetes", "hypertension", None],
                                     HashingTextEncoder(), neighbours=2)
    column = {graph.id_of("diagnosis_category", k): k for k in range(3)}
    assert shares.shape == (3, 3)
    assert shares[0, column["endocrine"]] == 1.0
    assert shares[1, column["circulatory"]] == 1.0
    assert shares[2].sum() == 0.0  # a blank name is placed nowhere
    np.testing.assert_allclose(shares[:2].sum(1), 1.0)


def test_drugs_carry_the_categories_of_their_indications():
    graph = add_indication_categories(_graph(), INDICATIONS, HashingTextEncoder(), neighbours=2)
    values = graph.data["drug"][INDICATION_ATTR].numpy()
    assert values.shape == (4, 3) and values.dtype == np.float32
    row = {graph.id_of("drug", k): values[k] for k in range(4)}
    column = {graph.id_of("diagnosis_category", k): k for k in range(3)}
    assert row["metformin hydrochloride"][column["endocrine"]] == 1.0  # salt dropped to match
    assert row["lisinopril"][column["circulatory"]] == 2.0  # two indications, both circulatory
    assert row["aspirin"].sum() == 0.0  # not in the catalogue
    assert row["insulin"][column["endocrine"]] == 1.0
    assert row["metformin hydrochloride"].sum() == 1.0


def test_every_spelling_of_a_drug_counts_once_per_disease():
    # two catalogue spellings of metformin, one disease listed under both and one under each
    spellings = pd.DataFrame({
        "drug": ["Metformin", "Metformin Hydrochloride", "Metformin Hydrochloride"],
        "disease": ["type 2 diabetes mellitus", "type 2 diabetes mellitus", "hypertension"]})
    graph = add_indication_categories(_graph(), spellings, HashingTextEncoder(), neighbours=2)
    values = graph.data["drug"][INDICATION_ATTR].numpy()
    row = {graph.id_of("drug", k): values[k] for k in range(4)}
    column = {graph.id_of("diagnosis_category", k): k for k in range(3)}
    assert row["metformin hydrochloride"][column["endocrine"]] == 1.0
    assert row["metformin hydrochloride"][column["circulatory"]] == 1.0
    assert row["metformin hydrochloride"].sum() == 2.0


def test_the_input_graph_is_left_unchanged():
    graph = _graph()
    add_indication_categories(graph, INDICATIONS, HashingTextEncoder())
    assert INDICATION_ATTR not in graph.data["drug"]


def test_bad_inputs_are_named():
    with pytest.raises(DataFormatError, match="'disease' is missing"):
        add_indication_categories(_graph(), INDICATIONS[["drug"]], HashingTextEncoder())
    with pytest.raises(DataFormatError, match="no diagnosis -> diagnosis_category edges"):
        add_indication_categories(_graph(with_ontology=False), INDICATIONS, HashingTextEncoder())
    with pytest.raises(DataFormatError, match="no 'medication' nodes"):
        add_indication_categories(_graph(), INDICATIONS, HashingTextEncoder(),
                                  drug_type="medication")
    for neighbours in (0, "5", 2.5):
        with pytest.raises(ValueError, match="neighbours must be an integer >= 1"):
            disease_category_shares(_graph(), ["asthma"], HashingTextEncoder(), neighbours=neighbours)
    with pytest.raises(TypeError, match="encoder must be a text encoder"):
        disease_category_shares(_graph(), ["asthma"], "hash")
    with pytest.raises(DataFormatError, match="no name in 'drug' is a drug name"):
        add_indication_categories(_graph(), INDICATIONS.assign(drug="  "), HashingTextEncoder())
    empty = INDICATIONS.assign(disease=None)
    with pytest.raises(DataFormatError, match="indications: no row has both a 'drug' and a 'disease'"):
        add_indication_categories(_graph(), empty, HashingTextEncoder())


def test_mimic4_drugs_get_indications(mimic4_graph, data_root):
    from graphmed.datasets.indications import load_indications

    graph = add_indication_categories(mimic4_graph, load_indications(data_root),
                                      HashingTextEncoder())
    values = graph.data["drug"][INDICATION_ATTR].numpy()
    has = values.sum(1) > 0
    assert 100 <= has.sum() < len(has)
    for drug, chapter in (("levothyroxine sodium", "IV"), ("sertraline", "V"),
                          ("lisinopril", "IX")):
        assert values[graph.index_of("drug", drug)].argmax() == graph.index_of(
            "diagnosis_category", chapter), drug


def test_no_warning_from_torch_on_the_values(recwarn):
    add_indication_categories(_graph(), INDICATIONS, HashingTextEncoder(), neighbours=2)
    assert not [w for w in recwarn if "not writable" in str(w.message)]
