"""Diagnosing units that are not coded yet: the task, what it hides, the table, the errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.evaluation.multilabel import macro_auroc
from graphmed.tasks import (predict_diagnoses, prediction_table, prediction_task,
                            undiagnosed_units, unit_labels)
from graphmed.tasks.diagnosis import revealing_edge_types
from graphmed.tasks.diagnosis_prediction import EVIDENCE_MIN_SHARE

UNCODED = 40  # admissions whose diagnoses are dropped from the tables


@pytest.fixture(scope="module")
def tables():
    from graphmed.ehr.mimic import read_mimic4_tables

    return read_mimic4_tables()[0]


@pytest.fixture(scope="module")
def uncoded_ids(tables):
    admissions = np.sort(tables["admissions"]["hadm_id"].to_numpy())
    return np.random.default_rng(0).choice(admissions, UNCODED, replace=False)


@pytest.fixture(scope="module")
def graphs(tables, uncoded_ids):
    """``(full graph, graph built from tables without the uncoded admissions' diagnoses)``."""
    from graphmed.ehr.mimic import mimic4_from_tables

    diagnoses = tables["diagnoses_icd"]
    partial = {**tables, "diagnoses_icd": diagnoses[~diagnoses["hadm_id"].isin(uncoded_ids)]}
    return mimic4_from_tables(tables).build(), mimic4_from_tables(partial).build()


def _diagnosis_edge_units(task) -> set[int]:
    units = set()
    for et in revealing_edge_types(task.data, task.unit):
        index = task.data[et].edge_index
        units |= set((index[0] if et[0] == task.unit else index[1]).tolist())
    return units


def test_uncoded_admissions_are_the_query_and_their_patients_are_hidden(graphs, uncoded_ids):
    full, partial = graphs
    query = undiagnosed_units(partial)
    ids = partial.nodes["admission"]["id"].to_numpy()
    assert sorted(ids[query]) == sorted(str(i) for i in uncoded_ids)
    assert undiagnosed_units(full).size == 0

    task = prediction_task(partial, seed=3)
    assert np.array_equal(task.test_units, query)
    fold = task.fold
    parts = np.concatenate([fold.train, fold.val, fold.test])
    assert np.array_equal(np.sort(parts), np.arange(partial.num_nodes("patient")))
    assert np.array_equal(fold.test, np.unique(task.unit_patient[query]))
    # no diagnosis of any unit of a validation or query patient is in the graph the model sees
    seen = _diagnosis_edge_units(task)
    hidden_patients = np.concatenate([fold.val, fold.test])
    hidden_units = np.flatnonzero(np.isin(task.unit_patient, hidden_patients))
    assert seen.isdisjoint(hidden_units.tolist())
    assert set(task.train_units.tolist()) <= seen
    # validation patients are diagnosed patients outside the query, about a fifth of them
    labelled = np.setdiff1d(np.unique(task.unit_patient[np.setdiff1d(
        np.arange(partial.num_nodes("admission")), query)]), fold.test)
    assert np.isin(fold.val, labelled).all()
    assert fold.val.size == round(0.2 * labelled.size)
    assert task.val_labels.sum(axis=1).min() > 0
    # the split is seeded
    again = prediction_task(partial, seed=3)
    other = prediction_task(partial, seed=4)
    assert np.array_equal(again.fold.val, fold.val)
    assert not np.array_equal(other.fold.val, fold.val)


def test_named_units_are_scored_without_their_own_diagnoses(graphs, uncoded_ids):
    """Naming coded admissions hides their diagnoses: the predictions equal those made from
    tables where those diagnoses were never recorded."""
    full, partial = graphs
    ids = [str(i) for i in uncoded_ids]
    on_full = predict_diagnoses(full, "logistic-bag-of-codes", ids, seed=0)
    on_partial = predict_diagnoses(partial, "logistic-bag-of-codes", ids, seed=0)
    assert on_full.task.categories == on_partial.task.categories
    pd.testing.assert_frame_equal(on_full.table, on_partial.table)
    assert len(on_full.table) == UNCODED * on_full.task.num_categories


def test_a_graph_model_never_reads_the_named_units_diagnoses(graphs, uncoded_ids):
    """The same for a graph model, against the full graph with only those units' diagnosis
    edges removed (same nodes, so the same network)."""
    from graphmed.graph.medgraph import MedGraph
    from graphmed.tasks import hide_diagnoses

    full, _ = graphs
    ids = [str(i) for i in uncoded_ids]
    stripped = MedGraph(hide_diagnoses(full.data, "admission", full.indices_of("admission", ids)),
                        full.nodes, name=full.name)
    on_full = predict_diagnoses(full, "hetero-gcn", ids, seed=0)
    on_stripped = predict_diagnoses(stripped, "hetero-gcn", ids, seed=0)
    pd.testing.assert_frame_equal(on_full.table, on_stripped.table)


def test_predictions_of_uncoded_admissions_beat_chance(graphs):
    full, partial = graphs
    result = predict_diagnoses(partial, "logistic-bag-of-codes", seed=0)
    table = result.table
    ids = partial.nodes["admission"]["id"].to_numpy()[result.task.test_units]
    scores = (table.pivot(index="unit_id", columns="category", values="probability")
              .loc[ids, result.task.categories].to_numpy())
    truth = unit_labels(full, full.indices_of("admission", ids), result.task.categories)
    assert macro_auroc(truth, scores) > 0.55  # chance is 0.5
    assert 0.5 < result.validation_macro_auroc <= 1.0
    # the validation-chosen thresholds predict recorded chapters better than chance
    predicted = (table.pivot(index="unit_id", columns="category", values="predicted")
                 .loc[ids, result.task.categories].to_numpy().astype(bool))
    assert truth[predicted].mean() > truth.mean()


def test_the_table_ranks_each_units_categories(graphs):
    _, partial = graphs
    task = prediction_task(partial, seed=0)
    units = task.test_units[:3]
    rng = np.random.default_rng(1)
    probabilities = rng.random((units.size, task.num_categories))
    thresholds = np.linspace(0.2, 0.8, task.num_categories)
    table = prediction_table(partial, task, units, probabilities, top=4, thresholds=thresholds)
    for top in (0, -1, 2.5):
        with pytest.raises(ValueError, match="top must be an integer >= 1"):
            prediction_table(partial, task, units, probabilities, top=top, thresholds=thresholds)
    assert list(table.columns) == ["unit_id", "patient_id", "category", "category_name",
                                   "probability", "rank", "prevalence", "threshold", "predicted"]
    assert len(table) == 3 * 4
    column = [task.categories.index(c) for c in table["category"]]
    assert np.allclose(table["prevalence"], task.train_labels.mean(0)[column])
    assert np.allclose(table["threshold"], thresholds[column])
    assert (table["predicted"] == (table["probability"] >= table["threshold"])).all()
    for k, (unit_id, rows) in enumerate(table.groupby("unit_id", sort=False)):
        assert unit_id == partial.nodes["admission"]["id"].iloc[units[k]]
        assert rows["rank"].tolist() == [1, 2, 3, 4]
        assert np.allclose(rows["probability"], np.sort(probabilities[k])[::-1][:4])
        patient = partial.nodes["patient"]["id"].iloc[task.unit_patient[units[k]]]
        assert (rows["patient_id"] == patient).all()
    names = partial.nodes["diagnosis_category"].set_index("id")["name"]
    assert (table["category_name"] == names.loc[table["category"]].to_numpy()).all()
    with pytest.raises(ValueError, match="probabilities must be"):
        prediction_table(partial, task, units, probabilities[:, 1:])
    with pytest.raises(ValueError, match="thresholds must have"):
        prediction_table(partial, task, units, probabilities, thresholds=thresholds[1:])
    assert "predicted" not in prediction_table(partial, task, units, probabilities).columns


def test_trans4dd_diagnoses_uncoded_admissions(graphs):
    from graphmed.models.diagnosis import TrainConfig, Trans4DD

    _, partial = graphs
    model = Trans4DD(members=1, train=TrainConfig(epochs=15, weight_decay=1e-3))  # a quick one
    result = predict_diagnoses(partial, model, seed=0, top=2)
    assert len(result.table) == UNCODED * 2
    assert result.table["probability"].between(0, 1).all()
    assert result.seed == 0 and result.model is model and len(model.history.scores) == 15


def test_integer_ids_are_ids(graphs, uncoded_ids):
    """MIMIC's hadm_id is an integer: 20626031 names admission "20626031", as index_of reads
    it, whatever its row."""
    _, partial = graphs
    as_text = prediction_task(partial, [str(i) for i in uncoded_ids], seed=0)
    as_int = prediction_task(partial, [int(i) for i in uncoded_ids], seed=0)
    assert np.array_equal(as_int.test_units, as_text.test_units)
    assert np.array_equal(as_int.test_units,
                          np.sort([partial.index_of("admission", int(i)) for i in uncoded_ids]))


def test_bad_queries_are_named(graphs):
    full, partial = graphs
    with pytest.raises(UnknownNameError, match="unknown diagnosis model 'logistic'"):
        predict_diagnoses(full, "logistic")  # before the query (every unit of full is coded)
    with pytest.raises(DataFormatError, match="every admission .* has a diagnosis"):
        prediction_task(full)
    with pytest.raises(UnknownNameError, match="no-such-admission"):
        prediction_task(partial, ["no-such-admission"])
    with pytest.raises(UnknownNameError, match="unknown admission id '10000'"):
        prediction_task(partial, [10_000])  # an integer is an id, never a row index
    with pytest.raises(DataFormatError, match="empty"):
        prediction_task(partial, [])
    with pytest.raises(ValueError, match="val_fraction"):
        prediction_task(partial, val_fraction=1.0)
    everyone = full.nodes["admission"]["id"].tolist()
    with pytest.raises(DataFormatError, match="need at least 2"):
        prediction_task(full, everyone)


def test_every_patient_with_an_uncoded_visit_is_named_as_the_cause(tables):
    from graphmed.ehr.mimic import mimic4_from_tables

    first = tables["admissions"].groupby("subject_id")["hadm_id"].min()
    diagnoses = tables["diagnoses_icd"]
    graph = mimic4_from_tables({**tables, "diagnoses_icd":
                                diagnoses[~diagnoses["hadm_id"].isin(first)]}).build()
    with pytest.raises(DataFormatError, match="100 of 100 patients have admissions without "
                                              "diagnoses .*name the admissions to predict"):
        prediction_task(graph)


def test_the_table_names_the_drugs_indicated_for_each_category(graphs, data_root):
    from graphmed.datasets.indications import load_indications
    from graphmed.ehr import HashingTextEncoder, add_indication_categories

    _, partial = graphs
    plain = prediction_task(partial, seed=0)
    assert "indicated_by" not in prediction_table(
        partial, plain, plain.test_units[:2], np.zeros((2, plain.num_categories))).columns
    graph = add_indication_categories(partial, load_indications(data_root), HashingTextEncoder())
    task = prediction_task(graph, seed=0)
    units = task.test_units
    probabilities = np.random.default_rng(0).random((units.size, task.num_categories))
    table = prediction_table(graph, task, units, probabilities)
    assert table["indicated_by"].map(type).eq(str).all() and (table["indicated_by"] != "").any()
    per_drug = graph.data["drug"].indication_categories.numpy()
    drug_index = dict(zip(graph.nodes["drug"]["name"].astype(str), range(graph.num_nodes("drug"))))
    bag = task.bag_of_codes(("drug",), demographics=False)
    unit_index = dict(zip(graph.nodes["admission"]["id"], range(graph.num_nodes("admission"))))
    category_index = dict(zip(graph.nodes["diagnosis_category"]["id"],
                              range(graph.num_nodes("diagnosis_category"))))
    for row in table.itertuples():
        named = [d for d in row.indicated_by.split("; ") if d]
        unit, category = unit_index[row.unit_id], category_index[row.category]
        shares = per_drug[[drug_index[d] for d in named], category]
        assert len(named) <= 3 and (shares >= EVIDENCE_MIN_SHARE).all()
        assert (np.diff(shares) <= 0).all()
        assert all(bag[unit, drug_index[d]] == 1 for d in named)   # the unit's own drugs
        given = np.flatnonzero(bag[unit] > 0)
        if len(named) < 3:   # every drug of the unit indicated for the category is named
            assert (per_drug[given, category] >= EVIDENCE_MIN_SHARE).sum() == len(named)
