"""Fit a diagnosis model on one patient fold and score its held-out patients.

>>> from graphmed.ehr import load_mimic4
>>> from graphmed.models.diagnosis import Trans4DD
>>> graph = load_mimic4().build()                                     # doctest: +SKIP
>>> folds = patient_folds(graph.num_nodes("patient"), seed=0)         # doctest: +SKIP
>>> result = fit_diagnosis_fold(Trans4DD(), graph, folds[0], seed=0)  # doctest: +SKIP
>>> result.metrics["macro_auroc"]                                     # doctest: +SKIP
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from graphmed.evaluation.multilabel import choose_thresholds, multilabel_metrics
from graphmed.graph.medgraph import MedGraph
from graphmed.models.diagnosis.base import DiagnosisModel
from graphmed.tasks.diagnosis import DEFAULT_MIN_COUNT, build_diagnosis_task, unit_labels
from graphmed.tasks.patient_folds import PatientFold


@dataclass
class DiagnosisFoldResult:
    """One fitted fold: the model, its task, test units with labels and scores, the
    thresholds chosen on validation and the test metrics."""

    model: DiagnosisModel
    task: object
    test_units: np.ndarray
    test_labels: np.ndarray
    test_scores: np.ndarray
    val_scores: np.ndarray
    thresholds: np.ndarray
    metrics: dict
    seconds: float


def fit_diagnosis_fold(model: DiagnosisModel, graph: MedGraph, fold: PatientFold, *,
                       seed: int = 0, min_count: int = DEFAULT_MIN_COUNT,
                       threshold_mode: str = "class") -> DiagnosisFoldResult:
    """Build the fold's task, fit ``model`` on it, choose F1 thresholds on the validation
    units and score the test units. Test labels are read from ``graph`` only after the
    model has made its predictions."""
    start = time.perf_counter()
    task = build_diagnosis_task(graph, fold, min_count=min_count)
    model.fit(task, seed=seed)
    val_scores = model.predict(task, task.val_units)
    thresholds = choose_thresholds(task.val_labels, val_scores, threshold_mode)
    test_scores = model.predict(task, task.test_units)
    seconds = time.perf_counter() - start
    test_labels = unit_labels(graph, task.test_units, task.categories, unit=task.unit)
    return DiagnosisFoldResult(model, task, task.test_units, test_labels, test_scores, val_scores,
                               thresholds, multilabel_metrics(test_labels, test_scores, thresholds),
                               seconds)
