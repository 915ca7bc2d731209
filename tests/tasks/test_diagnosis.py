"""DiagnosisTask: labels, what is hidden, the category rule, training views."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from graphmed.ehr import EdgeTable, GraphSchema, NodeTable, build_hetero_graph
from graphmed.tasks.diagnosis import (DiagnosisTask, build_diagnosis_task, revealing_edge_types,
                                      target_units, unit_labels, unit_patients, unit_type)
from graphmed.tasks.patient_folds import PatientFold, patient_folds


def toy_graph(n_patients: int = 12, seed: int = 0, labs: bool = False):
    """Patients with 2 admissions each; 6 diagnoses in 3 categories (A, B, C: two codes each);
    drugs and procedures. Admission 2p has diagnoses d0, d2 (A, B); admission 2p+1 d4 (C)
    when p is even, d1 (A) when p is odd; every admission takes drug p % 4. With ``labs``,
    three lab codes: admission 0 has l0 and l2, admission 5 has l1."""
    rng = np.random.default_rng(seed)
    patients = pd.DataFrame({"pid": np.arange(n_patients), "is_female": rng.integers(0, 2, n_patients),
                             "age": rng.integers(20, 90, n_patients)})
    adm = pd.DataFrame({"hadm": np.arange(2 * n_patients), "pid": np.repeat(np.arange(n_patients), 2)})
    dx = []
    for p in range(n_patients):
        dx += [(2 * p, "d0"), (2 * p, "d2"), (2 * p + 1, "d4" if p % 2 == 0 else "d1")]
    dx = pd.DataFrame(dx, columns=["hadm", "code"])
    codes = pd.DataFrame({"code": [f"d{k}" for k in range(6)], "cat": list("AABBCC")})
    cats = pd.DataFrame({"cat": list("ABC")})
    drugs = pd.DataFrame({"drug": [f"drug{k}" for k in range(4)]})
    rx = pd.DataFrame({"hadm": adm["hadm"], "drug": [f"drug{p % 4}" for p in adm["pid"]]})
    procs = pd.DataFrame({"proc": ["p0", "p1"]})
    px = pd.DataFrame({"hadm": [0, 1, 2], "proc": ["p0", "p1", "p0"]})
    schema = GraphSchema(
        nodes=[NodeTable("patient", patients, id="pid", features=("is_female", "age")),
               NodeTable("admission", adm, id="hadm"),
               NodeTable("diagnosis", codes, id="code"),
               NodeTable("diagnosis_category", cats, id="cat"),
               NodeTable("procedure", procs, id="proc"),
               NodeTable("drug", drugs, id="drug")],
        edges=[EdgeTable(("patient", "has_admission", "admission"), adm, source="pid", target="hadm"),
               EdgeTable(("admission", "diagnosed_with", "diagnosis"), dx, source="hadm", target="code"),
               EdgeTable(("diagnosis", "in_category", "diagnosis_category"), codes, source="code",
                         target="cat"),
               EdgeTable(("admission", "underwent", "procedure"), px, source="hadm", target="proc"),
               EdgeTable(("admission", "prescribed", "drug"), rx, source="hadm", target="drug")])
    if labs:
        results = pd.DataFrame({"hadm": [0, 0, 5], "lab": ["l0", "l2", "l1"]})
        schema = schema.with_tables(
            [NodeTable("lab", pd.DataFrame({"lab": ["l0", "l1", "l2"]}), id="lab")],
            [EdgeTable(("admission", "abnormal_result", "lab"), results, source="hadm",
                       target="lab")])
    return build_hetero_graph(schema, name="toy")


@pytest.fixture(scope="module")
def toy():
    return toy_graph()


def test_task_arguments_are_checked(toy):
    fold = patient_folds(12, 3, seed=0)[0]
    for min_count in (0, -3, "5", 2.5):
        with pytest.raises(ValueError, match="min_count must be an integer >= 1"):
            build_diagnosis_task(toy, fold, min_count=min_count)
    beyond = PatientFold(0, 0, np.append(fold.train, 99), fold.val, fold.test)
    with pytest.raises(ValueError, match=r"patient index 99 of the fold is out of range \[0, 12\)"):
        build_diagnosis_task(toy, beyond)
    no_val = PatientFold(0, 0, np.concatenate([fold.train, fold.val]), np.array([], int), fold.test)
    with pytest.raises(ValueError, match="needs training and validation patients"):
        build_diagnosis_task(toy, no_val)
    with pytest.raises(ValueError, match="test unit 9999 out of range"):
        build_diagnosis_task(toy, fold, test_units=[9999])
    for units in ([1.7], ["a"], [[1, 2]]):  # 1.7 was read as unit 1
        with pytest.raises(ValueError, match="test_units must be a 1-D list of integer unit indices"):
            build_diagnosis_task(toy, fold, test_units=units)


def test_units_patients_and_labels(toy):
    assert unit_type(toy) == "admission"
    assert np.array_equal(unit_patients(toy), np.repeat(np.arange(12), 2))
    labels = unit_labels(toy)                          # categories A, B, C in node order
    assert labels.shape == (24, 3)
    assert np.array_equal(labels[0], [1, 1, 0])
    assert np.array_equal(labels[1], [0, 0, 1])        # patient 0 (even): d4 -> C
    assert np.array_equal(labels[3], [1, 0, 0])        # patient 1 (odd): d1 -> A
    assert np.array_equal(unit_labels(toy, [3, 1], ["C", "A"]), [[0, 1], [1, 0]])
    assert np.array_equal(target_units(toy), np.arange(24))


def test_task_hides_held_out_diagnoses_and_keeps_their_other_edges(toy):
    fold = patient_folds(12, 3, seed=0)[0]
    task = build_diagnosis_task(toy, fold, min_count=1)
    held = np.flatnonzero(np.isin(task.unit_patient, np.concatenate([fold.val, fold.test])))
    for et in revealing_edge_types(task.data, "admission"):
        e = task.data[et].edge_index
        units = e[0] if et[0] == "admission" else e[1]
        assert not np.isin(units.numpy(), held).any(), et
        assert e.size(1) == 3 * fold.train.size        # every training diagnosis edge is kept
    for et in toy.data.edge_types:                      # drugs, procedures, patients, ontology
        if et not in revealing_edge_types(toy.data, "admission"):
            assert torch.equal(task.data[et].edge_index, toy.data[et].edge_index), et
    assert np.array_equal(task.test_units, held[np.isin(task.unit_patient[held], fold.test)])
    assert task.train_labels.shape == (task.train_units.size, 3)
    assert np.array_equal(task.val_labels, unit_labels(toy, task.val_units, task.categories))


def test_test_units_can_be_named_among_the_test_patients_units(toy):
    fold = patient_folds(12, 3, seed=0)[0]
    units = np.flatnonzero(np.isin(unit_patients(toy), fold.test))[::2]
    task = build_diagnosis_task(toy, fold, min_count=1, test_units=units[::-1])
    assert np.array_equal(task.test_units, units)
    default = build_diagnosis_task(toy, fold, min_count=1)
    assert torch.equal(task.data["admission", "diagnosed_with", "diagnosis"].edge_index,
                       default.data["admission", "diagnosed_with", "diagnosis"].edge_index)
    training_unit = np.flatnonzero(np.isin(unit_patients(toy), fold.train))[:1]
    with pytest.raises(ValueError, match="outside the fold's test part"):
        build_diagnosis_task(toy, fold, min_count=1, test_units=training_unit)


def test_category_rule_uses_training_units_only(toy):
    fold = patient_folds(12, 3, seed=0)[0]
    task = build_diagnosis_task(toy, fold, min_count=1)
    assert task.categories == ["A", "B", "C"]
    n_train = task.train_units.size
    support = np.minimum(task.train_labels.sum(0), n_train - task.train_labels.sum(0))
    m = int(support.min()) + 1
    strict = build_diagnosis_task(toy, fold, min_count=m)
    assert strict.categories == [c for c, s in zip("ABC", support) if s >= m]
    assert len(strict.categories) < 3
    # the rule reads training units only: validation and test labels do not move it
    assert np.array_equal(strict.train_labels, task.train_labels[:, support >= m])
    with pytest.raises(ValueError, match="no diagnosis category has 12 training admissions"):
        build_diagnosis_task(toy, fold, min_count=n_train)


def test_training_view_hides_the_targets_diagnoses(toy):
    task = build_diagnosis_task(toy, patient_folds(12, 3, seed=0)[0], min_count=1)
    gen = torch.Generator().manual_seed(0)
    rows, edges = task.training_view(gen, fraction=0.5)
    targets = task.train_units[rows]
    patients = np.unique(task.unit_patient[targets])
    assert patients.size == round(0.5 * np.unique(task.unit_patient[task.train_units]).size)
    # every unit of a chosen patient is a target
    assert np.array_equal(np.sort(targets), np.flatnonzero(np.isin(task.unit_patient, patients)))
    forward = edges["admission", "diagnosed_with", "diagnosis"]
    reverse = edges["diagnosis", "rev_diagnosed_with", "admission"]
    assert not np.isin(forward[0].numpy(), targets).any()
    assert not np.isin(reverse[1].numpy(), targets).any()
    others = np.setdiff1d(task.train_units, targets)
    assert np.isin(others, forward[0].numpy()).all()
    assert torch.equal(edges["admission", "prescribed", "drug"],
                       task.data["admission", "prescribed", "drug"].edge_index)


def test_bag_of_codes(toy):
    task = build_diagnosis_task(toy, patient_folds(12, 3, seed=0)[0], min_count=1)
    bag = task.bag_of_codes()
    assert bag.shape == (24, 4 + 2 + 2)                 # drugs, procedures, sex and age
    assert np.array_equal(bag[5, :4], [0, 0, 1, 0])     # admission 5: patient 2 takes drug2
    assert np.array_equal(bag[1, 4:6], [0, 1])          # admission 1 underwent p1
    assert bag[:, 6:].max() <= 1.0
    assert task.bag_of_codes(demographics=False).shape == (24, 6)
    sparse = task.bag_of_codes(sparse=True)
    assert sparse.format == "csr" and sparse.dtype == np.float32
    assert np.array_equal(sparse.toarray(), bag)
    assert task.bag_of_codes() is bag                   # cached
    assert np.array_equal(task.bag_of_codes("drug"), task.bag_of_codes(("drug",)))  # not 'd', 'r', ...
    assert task.bag_of_codes("drug").shape == (24, 4 + 2)


def test_code_types_are_drugs_procedures_then_any_other_codes(toy):
    from graphmed.tasks.diagnosis import code_types

    assert code_types(toy.data, "admission") == ("drug", "procedure")
    with_labs = toy_graph(labs=True)
    assert code_types(with_labs.data, "admission") == ("drug", "procedure", "lab")
    task = build_diagnosis_task(with_labs, patient_folds(12, 3, seed=0)[0], min_count=1)
    assert task.code_types == ("drug", "procedure", "lab")
    bag = task.bag_of_codes(demographics=False)
    assert bag.shape == (24, 4 + 2 + 3)
    assert np.array_equal(bag[0, 6:], [1, 0, 1]) and np.array_equal(bag[5, 6:], [0, 1, 0])


def test_sparse_bag_of_codes_never_holds_the_dense_matrix(wide_vocabulary_task):
    import tracemalloc

    task = wide_vocabulary_task
    dense_bytes = task.num_units * 20_000 * 4           # 320 MB
    tracemalloc.start()
    try:
        bag = task.bag_of_codes(sparse=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bag.shape == (task.num_units, 20_000 + 2) and bag.nnz <= task.num_units * (5 + 2)
    assert peak < dense_bytes / 20


def test_mimic4_demo_task(data_root):
    from graphmed.ehr import load_mimic4

    graph = load_mimic4().build()
    fold = patient_folds(100, 5, seed=0)[0]
    task = build_diagnosis_task(graph, fold)
    summary = task.summary()
    assert summary["patients"] == {"train": 64, "val": 16, "test": 20}
    assert sum(summary["units"].values()) == 275       # every admission has a diagnosis
    assert set(task.categories) <= set(graph.nodes["diagnosis_category"]["id"])
    assert "XV" not in task.categories                  # no pregnancy in the demo
    assert isinstance(task, DiagnosisTask)
