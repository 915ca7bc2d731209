"""Multi-label metrics against scikit-learn, validation thresholds, fold/seed aggregation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from graphmed.evaluation import (MultiLabelEvaluator, choose_thresholds, macro_auroc, macro_f1,
                                 micro_auroc, micro_f1, multilabel_metrics)


@pytest.fixture
def case():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (40, 5))
    y[:, 4] = 0                                  # a category no unit has: left out
    s = y * 0.6 + rng.random((40, 5))
    return y, s


def test_auroc_matches_sklearn(case):
    y, s = case
    expected = np.mean([roc_auc_score(y[:, k], s[:, k]) for k in range(4)])
    assert macro_auroc(y, s) == pytest.approx(expected)
    assert micro_auroc(y, s) == pytest.approx(roc_auc_score(y.ravel(), s.ravel()))
    assert math.isnan(macro_auroc(np.zeros((3, 2)), np.ones((3, 2))))


def test_f1_matches_sklearn(case):
    y, s = case
    p = s > 0.8
    assert micro_f1(y, p) == pytest.approx(f1_score(y, p, average="micro"))
    assert macro_f1(y, p) == pytest.approx(f1_score(y[:, :4], p[:, :4], average="macro"))


def test_thresholds_maximise_validation_f1(case):
    y, s = case
    t = choose_thresholds(y, s, "class")
    for k in range(4):
        best = max(f1_score(y[:, k], s[:, k] >= c) for c in np.unique(s[:, k]))
        assert f1_score(y[:, k], s[:, k] >= t[k]) == pytest.approx(best)
    g = choose_thresholds(y, s, "global")
    assert np.unique(g).size == 1
    assert t[4] == g[0]                           # no validation positive: the global threshold
    with pytest.raises(ValueError):
        choose_thresholds(y, s, "test")


def test_evaluator_fold_mean_and_pooled(case):
    y, s = case
    ev = MultiLabelEvaluator()
    t = np.full(5, 0.8)
    first = ev.add(0, 0, y[:20], s[:20], t, list("abcde"))
    ev.add(0, 1, y[20:, [1, 0, 2, 3, 4]], s[20:, [1, 0, 2, 3, 4]], t, list("bacde"))
    summary = ev.summarize()
    assert first == multilabel_metrics(y[:20], s[:20], t)
    m = summary.metrics["macro_auroc"]
    assert m.fold_mean == pytest.approx(np.mean(m.folds))
    # pooled matches categories by name, so the column order of a run does not matter
    assert m.pooled[0] == pytest.approx(macro_auroc(y, s))
    assert summary.metrics["micro_f1"].pooled[0] == pytest.approx(micro_f1(y, s >= 0.8))
    with pytest.raises(ValueError, match="already added"):
        ev.add(0, 1, y, s, t)


def test_multilabel_inputs_are_named_when_wrong(case):
    y, s = case
    with pytest.raises(ValueError, match="ddof must be a non-negative integer, got 1.5"):
        MultiLabelEvaluator(ddof=1.5)
    with pytest.raises(ValueError, match="ddof must be a non-negative integer, got -1"):
        MultiLabelEvaluator(ddof=-1)
    ev = MultiLabelEvaluator()
    with pytest.raises(TypeError, match="categories must be a list of 5 names, not one string"):
        ev.add(0, 0, y, s, np.full(5, 0.5), categories="abcde")  # not read letter by letter
    thresholds = np.full(5, 0.5)
    thresholds[3] = np.nan
    with pytest.raises(ValueError, match="thresholds: category 3 has a NaN threshold"):
        multilabel_metrics(y, s, thresholds)
    with pytest.raises(ValueError, match="thresholds: category 3"):
        ev.add(0, 0, y, s, thresholds)
    with pytest.raises(ValueError, match="scores must be numeric, got dtype <U"):
        macro_auroc(y, s.astype(str))
    assert len(ev) == 0
