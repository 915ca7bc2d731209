"""Multi-label metrics (diagnosis categories), F1 thresholds, and their fold/seed aggregation.

Inputs are ``labels (n, c)`` 0/1 and ``scores (n, c)`` (higher = more likely), one row per
unit (patient or admission), one column per category.

* :func:`macro_auroc`: mean AUROC over the categories that have a positive and a negative
  among the ``n`` units (the others are undefined and left out);
* :func:`micro_auroc`: AUROC of all ``n * c`` (unit, category) scores together;
* :func:`macro_f1`: mean F1 over the categories with at least one positive unit;
  :func:`micro_f1`: F1 of all (unit, category) decisions together;
* :func:`choose_thresholds`: per-category (or one global) score thresholds that maximise
  F1 on the validation units; applied unchanged to the test units.

:class:`MultiLabelEvaluator` collects the test units of each (seed, fold) and returns the
project's :class:`~graphmed.evaluation.EvaluationSummary` (``fold_mean ± fold_std`` over
all runs; ``pooled``: the metric on all folds of a seed together, mean ± std over seeds).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphmed.evaluation.evaluator import check_ddof, new_run_key
from graphmed.evaluation.summary import EvaluationSummary, MetricSummary, RunInfo, spread
from graphmed.evaluation.metrics import _scores, _to_numpy, auroc

MULTILABEL_METRICS = ("macro_auroc", "micro_auroc", "macro_f1", "micro_f1")
THRESHOLD_MODES = ("class", "global")


def _matrix(x: Any, name: str, binary: bool = False) -> np.ndarray:
    arr = _to_numpy(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (units, categories), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if binary:
        ok = (arr == 0) | (arr == 1)
        if not ok.all():
            raise ValueError(f"{name} must be 0/1")
        return arr.astype(bool)
    return _scores(arr.astype(np.float64) if arr.dtype == bool else arr, name, ndim=2)


def _pair(labels: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y, s = _matrix(labels, "labels", binary=True), _matrix(scores, "scores")
    if y.shape != s.shape:
        raise ValueError(f"labels {y.shape} and scores {s.shape} differ in shape")
    return y, s


def defined_categories(labels: Any) -> np.ndarray:
    """Indices of the columns of ``labels (n, c)`` that hold both a 1 and a 0."""
    y = _matrix(labels, "labels", binary=True)
    pos = y.sum(0)
    return np.flatnonzero((pos > 0) & (pos < y.shape[0]))


def per_category_auroc(labels: Any, scores: Any) -> np.ndarray:
    """``(c,)`` AUROC of each category; NaN where it has no positive or no negative."""
    y, s = _pair(labels, scores)
    out = np.full(y.shape[1], np.nan)
    for k in defined_categories(y):
        out[k] = auroc(y[:, k], s[:, k])
    return out


def macro_auroc(labels: Any, scores: Any) -> float:
    """Mean AUROC over the categories with a positive and a negative; NaN if there is none."""
    values = per_category_auroc(labels, scores)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def micro_auroc(labels: Any, scores: Any) -> float:
    """AUROC of all (unit, category) scores pooled; NaN without a positive or a negative."""
    y, s = _pair(labels, scores)
    if not y.any() or y.all():
        return math.nan
    return auroc(y.ravel(), s.ravel())


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom, dtype=np.float64), where=denom > 0)


def _counts(labels: np.ndarray, predictions: np.ndarray):
    tp = (labels & predictions).sum(0).astype(np.float64)
    fp = (~labels & predictions).sum(0).astype(np.float64)
    fn = (labels & ~predictions).sum(0).astype(np.float64)
    return tp, fp, fn


def macro_f1(labels: Any, predictions: Any) -> float:
    """Mean F1 over the categories with at least one positive unit; NaN if there is none."""
    y, p = _matrix(labels, "labels", binary=True), _matrix(predictions, "predictions", binary=True)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} differ in shape")
    used = y.any(0)
    if not used.any():
        return math.nan
    return float(_f1(*_counts(y, p))[used].mean())


def micro_f1(labels: Any, predictions: Any) -> float:
    """F1 of all (unit, category) decisions together."""
    y, p = _matrix(labels, "labels", binary=True), _matrix(predictions, "predictions", binary=True)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} differ in shape")
    tp, fp, fn = (v.sum(keepdims=True) for v in _counts(y, p))
    return float(_f1(tp, fp, fn)[0])


def _best_threshold(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """The threshold ``t`` (predict ``score >= t``) with the highest F1 and that F1; ties go to
    the highest threshold. Candidates are midpoints between consecutive distinct scores."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last = np.flatnonzero(np.append(s[1:] != s[:-1], True))  # end of each block of ties
    tp = np.cumsum(y)[last].astype(np.float64)
    predicted = (last + 1).astype(np.float64)
    f1 = _f1(tp, predicted - tp, y.sum() - tp)
    best = int(np.argmax(f1))
    lower = s[last[best] + 1] if last[best] + 1 < s.size else s[last[best]] - 1.0
    return float((s[last[best]] + lower) / 2.0), float(f1[best])


def choose_thresholds(labels: Any, scores: Any, mode: str = "class") -> np.ndarray:
    """``(c,)`` thresholds (predict a category when ``score >= threshold``) chosen on validation.

    Args:
        labels, scores: validation units, ``(n, c)``.
        mode: ``"class"``: per category, the threshold with the best F1 of that category;
            categories without a validation positive take the global threshold.
            ``"global"``: one threshold for all categories, the best micro F1.
    """
    if mode not in THRESHOLD_MODES:
        raise ValueError(f"mode must be one of {THRESHOLD_MODES}, got {mode!r}")
    y, s = _pair(labels, scores)
    if not y.any():
        return np.full(y.shape[1], 0.5)
    shared, _ = _best_threshold(y.ravel(), s.ravel())
    out = np.full(y.shape[1], shared)
    if mode == "class":
        for k in np.flatnonzero(y.any(0)):
            out[k] = _best_threshold(y[:, k], s[:, k])[0]
    return out


def _thresholds(thresholds: Any, n_categories: int) -> np.ndarray:
    """``(c,)`` float thresholds, one per category (``inf``: never predicted; NaN refused)."""
    t = _to_numpy(thresholds)
    if not (np.issubdtype(t.dtype, np.integer) or np.issubdtype(t.dtype, np.floating)):
        raise ValueError(f"thresholds must be numbers, got dtype {t.dtype}")
    t = t.astype(np.float64).reshape(-1)
    if np.isnan(t).any():
        raise ValueError(f"thresholds: category {int(np.flatnonzero(np.isnan(t))[0])} has a NaN "
                         "threshold (no score is >= NaN, so it would never be predicted)")
    if t.size != n_categories:
        raise ValueError(f"{t.size} thresholds for {n_categories} categories")
    return t


def multilabel_metrics(labels: Any, scores: Any, thresholds: Any) -> dict[str, float]:
    """All of :data:`MULTILABEL_METRICS` for one test set; F1 from ``scores >= thresholds``."""
    y, s = _pair(labels, scores)
    t = _thresholds(thresholds, y.shape[1])
    p = s >= t
    return {"macro_auroc": macro_auroc(y, s), "micro_auroc": micro_auroc(y, s),
            "macro_f1": macro_f1(y, p), "micro_f1": micro_f1(y, p)}


class MultiLabelEvaluator:
    """Collects multi-label test sets per (seed, fold) and aggregates :data:`MULTILABEL_METRICS`.

    ``fold_mean ± fold_std`` are over all (seed, fold) runs. ``pooled_mean ± pooled_std``
    are over seeds, a seed's value being the metric on all its folds' test units together,
    matched by category name (runs may score different categories: each fold keeps the
    categories its training units support); a category's pooled scores are those of the
    folds that scored it.
    """

    def __init__(self, *, ddof: int = 0):
        self.ddof = check_ddof(ddof)
        self._runs: dict[tuple[int, int], dict] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def add(self, seed: int, fold: int, labels: Any, scores: Any, thresholds: Any,
            categories=None) -> dict[str, float]:
        """Record one run's test units and return its metric values.

        Args:
            labels, scores: ``(n, c)`` test units.
            thresholds: ``(c,)`` chosen on validation; F1 from ``scores >= thresholds``.
            categories: ``c`` category names (default ``0 .. c-1``).
        """
        key = new_run_key(seed, fold, self._runs)
        y, s = _pair(labels, scores)
        if isinstance(categories, str):
            raise TypeError(f"categories must be a list of {y.shape[1]} names, not one string "
                            f"({categories!r})")
        categories = [str(c) for c in (range(y.shape[1]) if categories is None else categories)]
        if len(categories) != y.shape[1] or len(set(categories)) != len(categories):
            raise ValueError(f"need {y.shape[1]} distinct category names, got {categories}")
        values = multilabel_metrics(y, s, thresholds)
        p = s >= _thresholds(thresholds, y.shape[1]).reshape(1, -1)
        self._runs[key] = {"labels": y.copy(), "scores": s.copy(), "predictions": p,
                           "categories": categories, "values": values}
        return dict(values)

    def _pooled(self, runs: list[dict]) -> dict[str, float]:
        names = list(dict.fromkeys(c for r in runs for c in r["categories"]))
        aucs, f1s = [], []
        flat = {"labels": [], "scores": [], "predictions": []}
        for c in names:
            cols = {k: np.concatenate([r[k][:, r["categories"].index(c)] for r in runs
                                       if c in r["categories"]]) for k in flat}
            for k in flat:
                flat[k].append(cols[k])
            y = cols["labels"]
            if y.any() and not y.all():
                aucs.append(auroc(y, cols["scores"]))
            if y.any():
                f1s.append(_f1(*(v.sum(keepdims=True) for v in _counts(
                    y[:, None], cols["predictions"][:, None])))[0])
        y, s, p = (np.concatenate(flat[k]) for k in ("labels", "scores", "predictions"))
        return {"macro_auroc": float(np.mean(aucs)) if aucs else math.nan,
                "micro_auroc": micro_auroc(y[:, None], s[:, None]),
                "macro_f1": float(np.mean(f1s)) if f1s else math.nan,
                "micro_f1": micro_f1(y[:, None], p[:, None])}

    def summarize(self) -> EvaluationSummary:
        if not self._runs:
            raise ValueError("no run was added")
        keys = sorted(self._runs)
        seeds = tuple(sorted({k[0] for k in keys}))
        pooled_by_seed = [self._pooled([self._runs[k] for k in keys if k[0] == seed])
                          for seed in seeds]
        metrics = {}
        for name in MULTILABEL_METRICS:
            folds = np.array([self._runs[k]["values"][name] for k in keys])
            pooled = np.array([v[name] for v in pooled_by_seed])
            metrics[name] = MetricSummary(
                _nanmean(pooled), spread(pooled[np.isfinite(pooled)], self.ddof),
                _nanmean(folds), spread(folds[np.isfinite(folds)], self.ddof),
                tuple(float(v) for v in pooled), tuple(float(v) for v in folds))
        runs = tuple(RunInfo(k[0], k[1], int(self._runs[k]["labels"].shape[0]),
                             int(self._runs[k]["labels"].sum())) for k in keys)
        return EvaluationSummary(metrics, seeds, runs, False, self.ddof)


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan
