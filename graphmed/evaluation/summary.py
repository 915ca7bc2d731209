"""What a cross-validation reports: per-metric summaries over seeds and folds, their JSON
form and their markdown tables (see :mod:`graphmed.evaluation.evaluator` for how they are
computed)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from graphmed.checks import check_settings
from graphmed.errors import DataFormatError


def _check_which(which: str) -> None:
    if which not in ("pooled", "fold"):
        raise ValueError(f"which must be 'pooled' or 'fold', got {which!r}")


def spread(values: np.ndarray, ddof: int) -> float:
    """Standard deviation of ``(n,)`` values with ``ddof`` delta degrees of freedom; NaN
    when ``n <= ddof`` (one seed has no spread)."""
    return float(np.std(values, ddof=ddof)) if values.size > ddof else math.nan


@dataclass(frozen=True)
class MetricSummary:
    """One metric over a cross-validation.

    Attributes:
        pooled_mean / pooled_std: over seeds of the pooled (all folds) value.
        fold_mean / fold_std: over all (seed, fold) runs.
        pooled: ``(n_seeds,)`` pooled value per seed, in :attr:`EvaluationSummary.seeds` order.
        folds: ``(n_runs,)`` value per run, in :attr:`EvaluationSummary.runs` order.
    """

    pooled_mean: float
    pooled_std: float
    fold_mean: float
    fold_std: float
    pooled: tuple[float, ...]
    folds: tuple[float, ...]


@dataclass(frozen=True)
class RunInfo:
    """Size of one (seed, fold) test set; ``n_groups`` = groups used, or None if ungrouped."""

    seed: int
    fold: int
    n_items: int
    n_positives: int
    n_groups: int | None = None


def finite_or_none(x: float) -> float | None:
    """``x``, or None where it is NaN or infinite (JSON has no NaN)."""
    return x if math.isfinite(x) else None


def _nan_if_none(x: float | None) -> float:
    return math.nan if x is None else float(x)


def metric_cell(metric: Mapping[str, Any], which: str = "fold", digits: int = 4) -> str:
    """``"mean ± std"`` of one metric of :meth:`EvaluationSummary.to_dict` (e.g. a results
    JSON's ``["metrics"]["auroc"]``); ``which`` is ``"fold"`` or ``"pooled"``; ``"n/a"`` when
    the mean is missing."""
    _check_which(which)
    return _fmt(_nan_if_none(metric[f"{which}_mean"]), _nan_if_none(metric[f"{which}_std"]),
                digits)


def _fmt(mean: float, std: float, digits: int) -> str:
    check_settings(at_least={"digits": (digits, 0)})
    if not math.isfinite(mean):
        return "n/a"
    if not math.isfinite(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


@dataclass(frozen=True)
class EvaluationSummary:
    """Aggregated metrics of a cross-validation; see the module docstring.

    Attributes:
        metrics: metric name -> :class:`MetricSummary`, in the evaluator's order.
        seeds: seeds in ascending order.
        runs: one :class:`RunInfo` per (seed, fold), sorted by seed then fold.
        grouped: whether values are per-group means.
        ddof: delta degrees of freedom of the reported standard deviations.
    """

    metrics: dict[str, MetricSummary]
    seeds: tuple[int, ...]
    runs: tuple[RunInfo, ...]
    grouped: bool
    ddof: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict; non-finite numbers become ``None``."""
        def metric(m: MetricSummary) -> dict[str, Any]:
            return {"pooled_mean": finite_or_none(m.pooled_mean),
                    "pooled_std": finite_or_none(m.pooled_std),
                    "fold_mean": finite_or_none(m.fold_mean),
                    "fold_std": finite_or_none(m.fold_std),
                    "pooled": [finite_or_none(v) for v in m.pooled],
                    "folds": [finite_or_none(v) for v in m.folds]}

        return {"grouped": self.grouped, "ddof": self.ddof, "seeds": list(self.seeds),
                "runs": [{"seed": r.seed, "fold": r.fold, "n_items": r.n_items,
                          "n_positives": r.n_positives, "n_groups": r.n_groups}
                         for r in self.runs],
                "metrics": {name: metric(m) for name, m in self.metrics.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationSummary:
        """Inverse of :meth:`to_dict` (e.g. a results JSON's summary).

        Raises:
            DataFormatError: ``data`` lacks an entry of a summary or holds a wrong value.
        """
        try:
            return cls._from_dict(data)
        except KeyError as error:
            raise DataFormatError(f"not an evaluation summary: no {error.args[0]!r} entry",
                                  source="summary") from None
        except (TypeError, ValueError, AttributeError) as error:
            raise DataFormatError(f"not an evaluation summary: {error}",
                                  source="summary") from None

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> EvaluationSummary:
        metrics = {name: MetricSummary(
            _nan_if_none(m["pooled_mean"]), _nan_if_none(m["pooled_std"]),
            _nan_if_none(m["fold_mean"]), _nan_if_none(m["fold_std"]),
            tuple(_nan_if_none(v) for v in m["pooled"]),
            tuple(_nan_if_none(v) for v in m["folds"]))
            for name, m in data["metrics"].items()}
        runs = tuple(RunInfo(int(r["seed"]), int(r["fold"]), int(r["n_items"]),
                             int(r["n_positives"]),
                             None if r.get("n_groups") is None else int(r["n_groups"]))
                     for r in data["runs"])
        return cls(metrics, tuple(int(s) for s in data["seeds"]), runs,
                   bool(data["grouped"]), int(data["ddof"]))

    def markdown_row(self, label: str, which: str = "pooled", digits: int = 4,
                     metrics: Sequence[str] | None = None) -> str:
        """``| label | mean ± std | ... |``, one cell per metric.

        Args:
            which: ``"pooled"`` (over seeds) or ``"fold"`` (over all runs).
            metrics: metric names and order; default all.
        """
        _check_which(which)
        names = self._metric_names(metrics)
        cells = []
        for name in names:
            m = self.metrics[name]
            cells.append(_fmt(getattr(m, f"{which}_mean"), getattr(m, f"{which}_std"), digits))
        return "| " + " | ".join([label, *cells]) + " |"

    def _metric_names(self, metrics: Sequence[str] | None) -> list[str]:
        """``metrics`` (default: all), checked to be metrics of this summary."""
        if not metrics:
            return list(self.metrics)
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [name for name in names if name not in self.metrics]
        if unknown:
            raise ValueError(f"no metric {unknown[0]!r} in this summary; it has "
                             f"{', '.join(self.metrics)}")
        return names

    def to_markdown(self, digits: int = 4) -> str:
        """Table with one row per metric: pooled and fold mean ± std."""
        n_folds = len(self.runs)
        seeds = f"{len(self.seeds)} seed{'s' if len(self.seeds) != 1 else ''}"
        lines = [f"| metric | pooled ({seeds}) | folds ({n_folds} runs) |",
                 "|---|---|---|"]
        for name, m in self.metrics.items():
            lines.append(f"| {name} | {_fmt(m.pooled_mean, m.pooled_std, digits)} "
                         f"| {_fmt(m.fold_mean, m.fold_std, digits)} |")
        return "\n".join(lines)


def markdown_table(summaries: Mapping[str, EvaluationSummary], which: str = "pooled",
                   digits: int = 4, metrics: Sequence[str] | None = None) -> str:
    """Table with one row per labelled summary (e.g. per model), one column per metric."""
    if not summaries:
        raise ValueError("no summary to tabulate")
    names = next(iter(summaries.values()))._metric_names(metrics)
    lines = ["| " + " | ".join(["", *names]) + " |", "|" + "---|" * (len(names) + 1)]
    lines += [s.markdown_row(label, which, digits, names) for label, s in summaries.items()]
    return "\n".join(lines)
