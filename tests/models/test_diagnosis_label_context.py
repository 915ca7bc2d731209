"""LabelContext: categories of the units sharing codes, read from the edges given only."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from graphmed.models.diagnosis.label_context import LabelContext
from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds, unit_labels

_spec = importlib.util.spec_from_file_location(
    "diagnosis_toy", Path(__file__).resolve().parents[1] / "tasks" / "test_diagnosis.py")
_toy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toy)


@pytest.fixture(scope="module")
def toy():
    return _toy.toy_graph(n_patients=12, seed=0)


@pytest.fixture(scope="module")
def task(toy):
    return build_diagnosis_task(toy, patient_folds(12, 4, seed=0)[0], min_count=1)


def test_labels_are_the_visible_diagnosis_categories(task, toy):
    context = LabelContext(task)
    labels = context.labels(task.edge_index_dict()).numpy()
    assert labels.shape == (task.num_units, toy.num_nodes("diagnosis_category"))
    full = unit_labels(toy)
    assert np.array_equal(labels[task.train_units], full[task.train_units])
    hidden = np.concatenate([task.val_units, task.test_units])
    assert labels[hidden].sum() == 0                        # no label of a held-out unit


def test_raw_context_is_the_similarity_weighted_mean_of_other_units_labels(task, toy):
    context = LabelContext(task, standardise=False)
    out = context(task.edge_index_dict()).numpy()
    labels = context.labels(task.edge_index_dict()).numpy()
    codes = task.bag_of_codes(demographics=False)
    unit_vectors = codes / np.maximum(np.linalg.norm(codes, axis=1, keepdims=True), 1e-12)
    sim = unit_vectors @ unit_vectors.T
    np.fill_diagonal(sim, 0.0)
    known = labels.sum(1) > 0
    expected = (sim[:, known] @ labels[known]) / np.maximum(sim[:, known].sum(1, keepdims=True), 1e-6)
    assert np.allclose(out, expected, atol=1e-5)
    assert ((out >= 0) & (out <= 1 + 1e-6)).all()


def test_hiding_a_units_diagnoses_removes_them_from_everyone_s_context(task):
    context = LabelContext(task, standardise=False)
    generator = torch.Generator().manual_seed(0)
    rows, edges = task.training_view(generator, 0.5)
    labels = context.labels(edges).numpy()
    assert labels[task.train_units[rows]].sum() == 0        # the step's targets
    changed = context(edges) - context(task.edge_index_dict())
    assert changed.abs().sum() > 0


def test_standardised_columns_are_centred(task):
    out = LabelContext(task)(task.edge_index_dict())
    assert torch.allclose(out.mean(0), torch.zeros(out.size(1)), atol=1e-5)


def test_a_graph_without_code_edges_is_refused(task):
    with pytest.raises(ValueError, match="label context"):
        LabelContext(task, code_types=("nothing",))
