"""Cross-validation results: per-fold and pooled metrics, aggregated over seeds.

>>> ev = Evaluator(["auroc", "aupr", "precision@10"])
>>> for seed, fold, labels, scores in runs:                    # doctest: +SKIP
...     ev.add(seed, fold, labels, scores)
>>> summary = ev.summarize()                                   # doctest: +SKIP
>>> summary.metrics["auroc"].pooled_mean                       # doctest: +SKIP
>>> print(summary.to_markdown())                               # doctest: +SKIP

For each metric the summary reports

* ``pooled_mean ± pooled_std`` over seeds, where a seed's pooled value is the
  metric on the concatenated test labels and scores of all its folds;
* ``fold_mean ± fold_std`` over every (seed, fold) pair;
* the raw values: ``pooled`` (one per seed) and ``folds`` (one per run).

With group ids (e.g. the disease of each test pair) the metric is computed per
group, skipping groups without a positive or without a negative: a fold's value
is the mean over its groups and a seed's pooled value the mean over the groups
of all its folds, each (fold, group) counted once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from numbers import Integral
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from graphmed.evaluation.metrics import (aupr, auroc, check_binary, hits_at_k, mrr,
                                         per_group_values, precision_at_k, recall_at_k,
                                         _to_numpy)

from graphmed.evaluation.summary import EvaluationSummary, MetricSummary, RunInfo, spread

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def _mrr_labels(labels: np.ndarray, scores: np.ndarray) -> float:
    """MRR of each positive ranked against all negatives of the same input."""
    y, s = check_binary(labels, scores)
    return mrr(s[y], s[~y])


def _hits_labels(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """OGB Hits@k of the positives against all negatives of the same input."""
    y, s = check_binary(labels, scores)
    return hits_at_k(s[y], s[~y], k)


#: Metrics on ``(labels, scores)`` known by name.
METRICS: dict[str, MetricFn] = {"auroc": auroc, "aupr": aupr, "mrr": _mrr_labels}
#: Metrics named ``"<name>@<k>"``, called as ``fn(labels, scores, k=k)``.
METRICS_AT_K: dict[str, Callable[..., float]] = {
    "precision": precision_at_k, "recall": recall_at_k, "hits": _hits_labels}
DEFAULT_METRICS = ("auroc", "aupr")


def resolve_metrics(metrics: Sequence[str] | Mapping[str, MetricFn]) -> dict[str, MetricFn]:
    """Map metric names to functions ``fn(labels, scores) -> float``.

    Args:
        metrics: names from :data:`METRICS` or ``"<name>@<k>"`` with ``<name>`` in
            :data:`METRICS_AT_K` (e.g. ``"precision@10"``), or a mapping of
            custom names to functions, used as given.
    """
    if isinstance(metrics, Mapping):
        out = dict(metrics)
        for name, fn in out.items():
            if not callable(fn):
                raise ValueError(f"metric {name!r} is not callable")
    else:
        if isinstance(metrics, str):
            metrics = [metrics]
        out = {}
        for name in metrics:
            if not isinstance(name, str):
                raise TypeError(f"metrics must be names such as 'auroc' or 'precision@10', or a "
                                f"mapping of names to functions; got {name!r}")
            out[name] = _by_name(name)
    if not out:
        raise ValueError("at least one metric is needed")
    return out


def _by_name(name: str) -> MetricFn:
    if name in METRICS:
        return METRICS[name]
    base, at, k = name.partition("@")
    if at and base in METRICS_AT_K and k.isdigit() and int(k) >= 1:
        return partial(METRICS_AT_K[base], k=int(k))
    known = sorted(METRICS) + [f"{b}@k" for b in sorted(METRICS_AT_K)]
    raise ValueError(f"unknown metric {name!r}; known: {', '.join(known)}")


def check_ddof(ddof: Any) -> int:
    """``ddof`` as an int, checked to be a non-negative integer."""
    if isinstance(ddof, bool) or not isinstance(ddof, Integral) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative integer, got {ddof!r}")
    return int(ddof)


@dataclass
class _Run:
    labels: np.ndarray
    scores: np.ndarray
    fold_values: dict[str, float]
    group_values: dict[str, np.ndarray] | None  # per metric, values of the usable groups
    info: RunInfo


def new_run_key(seed: Any, fold: Any, runs: Mapping) -> tuple[int, int]:
    """``(seed, fold)`` as ints, checked to be integers and not yet in ``runs``."""
    for name, v in (("seed", seed), ("fold", fold)):
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise ValueError(f"{name} must be an integer, got {v!r}")
    key = (int(seed), int(fold))
    if key in runs:
        raise ValueError(f"seed {key[0]}, fold {key[1]} was already added")
    return key


class Evaluator:
    """Collects test labels and scores per (seed, fold) and aggregates metrics.

    Args:
        metrics: metric names (see :func:`resolve_metrics`) or a mapping of
            names to functions ``fn(labels, scores) -> float``.
        ddof: delta degrees of freedom of the standard deviations (0: population std).

    Either every run has group ids or none has.
    """

    def __init__(self, metrics: Sequence[str] | Mapping[str, MetricFn] = DEFAULT_METRICS, *,
                 ddof: int = 0):
        self.metrics = resolve_metrics(metrics)
        self.ddof = check_ddof(ddof)
        self._runs: dict[tuple[int, int], _Run] = {}

    def __len__(self) -> int:
        return len(self._runs)

    @property
    def grouped(self) -> bool | None:
        """Whether runs carry group ids; None before the first :meth:`add`."""
        if not self._runs:
            return None
        return next(iter(self._runs.values())).group_values is not None

    def add(self, seed: int, fold: int, labels: Any, scores: Any,
            groups: Any = None) -> dict[str, float]:
        """Record one run's test set and return its metric values.

        Args:
            seed, fold: integers identifying the run; each pair is added once.
            labels: ``(n,)`` binary test labels.
            scores: ``(n,)`` finite scores.
            groups: optional ``(n,)`` group id per test item (e.g. disease index).

        Returns:
            metric name -> this fold's value (per-group mean when grouped).
        """
        key = new_run_key(seed, fold, self._runs)
        grouped = groups is not None
        if self.grouped is not None and grouped != self.grouped:
            raise ValueError("either every run has group ids or none has; "
                             f"seed {key[0]}, fold {key[1]} differs from the earlier runs")
        y, s = check_binary(labels, scores, need_pos=False, need_neg=False)
        y, s = y.copy(), s.copy()
        where = f"seed {key[0]}, fold {key[1]}"
        values: dict[str, float] = {}
        group_values: dict[str, np.ndarray] | None = {} if grouped else None
        n_groups = None
        if grouped:
            g = _to_numpy(groups)
            for name, fn in self.metrics.items():
                gv = _call(per_group_values, fn, y, s, g, where=where, name=name).values
                if gv.size == 0:
                    raise ValueError(f"{where}: no group has both a positive and a negative")
                group_values[name] = gv
                values[name] = float(gv.mean())
                n_groups = int(gv.size)
        else:
            for name, fn in self.metrics.items():
                values[name] = float(_call(fn, y, s, where=where, name=name))
        info = RunInfo(key[0], key[1], int(y.size), int(y.sum()), n_groups)
        self._runs[key] = _Run(y, s, values, group_values, info)
        return dict(values)

    def summarize(self) -> EvaluationSummary:
        """Aggregate all runs added so far."""
        if not self._runs:
            raise ValueError("no run was added")
        keys = sorted(self._runs)
        seeds = tuple(sorted({seed for seed, _ in keys}))
        by_seed = {seed: [self._runs[k] for k in keys if k[0] == seed] for seed in seeds}
        grouped = bool(self.grouped)
        metrics = {}
        for name, fn in self.metrics.items():
            folds = np.array([self._runs[k].fold_values[name] for k in keys])
            pooled = np.array([self._pooled(name, fn, seed, runs)
                               for seed, runs in by_seed.items()])
            metrics[name] = MetricSummary(
                float(pooled.mean()), spread(pooled, self.ddof),
                float(folds.mean()), spread(folds, self.ddof),
                tuple(float(v) for v in pooled), tuple(float(v) for v in folds))
        runs = tuple(self._runs[k].info for k in keys)
        return EvaluationSummary(metrics, seeds, runs, grouped, self.ddof)

    def _pooled(self, name: str, fn: MetricFn, seed: int, runs: Iterable[_Run]) -> float:
        runs = list(runs)
        if runs[0].group_values is not None:
            return float(np.concatenate([r.group_values[name] for r in runs]).mean())
        y = np.concatenate([r.labels for r in runs])
        s = np.concatenate([r.scores for r in runs])
        return float(_call(fn, y, s, where=f"seed {seed}, pooled", name=name))

    def to_dict(self) -> dict[str, Any]:
        """``summarize().to_dict()``."""
        return self.summarize().to_dict()

    def to_markdown(self, digits: int = 4) -> str:
        """``summarize().to_markdown()``."""
        return self.summarize().to_markdown(digits)


def _call(fn: Callable[..., Any], *args: Any, where: str, name: str) -> Any:
    try:
        return fn(*args)
    except ValueError as err:
        raise ValueError(f"{where}, metric {name!r}: {err}") from err
