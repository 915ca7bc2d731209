"""Cross-validation of a drug–disease model under a protocol, over several seeds."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.evaluation.evaluator import DEFAULT_METRICS, Evaluator
from graphmed.evaluation.summary import EvaluationSummary
from graphmed.models.base import PairScorer
from graphmed.seed import resolve_seed, seed_everything
from graphmed.splits.fold import Fold
from graphmed.splits.protocols import make_folds
from graphmed.threads import DEFAULT_THREADS, check_threads, cpu_threads
from graphmed.training.memory import PeakMemory

ModelFactory = Callable[[], PairScorer]


@dataclass
class CrossValidationResult:
    """Outcome of :func:`cross_validate`.

    Attributes:
        summary: pooled and fold-mean metrics over folds and seeds.
        fold_configs: the fitted model's config per (seed, fold), e.g. chosen hyperparameters.
        wall_time_s: total wall time; peak_rss_mb: peak resident memory of the process;
            peak_cuda_mb: most GPU memory torch held over the run beyond what it held before
            (``None`` where this process never used CUDA).
        predictions: per (seed, fold): test pairs ``(n, 2)``, labels ``(n,)``, scores ``(n,)``.
        threads: CPU threads models were fitted with (None: the process's setting).
    """

    protocol: str
    seeds: list[int]
    n_folds: int
    val_fraction: float
    summary: EvaluationSummary
    fold_configs: list[dict]
    wall_time_s: float
    peak_rss_mb: float
    predictions: list[dict] = field(default_factory=list, repr=False)
    threads: int | None = DEFAULT_THREADS
    peak_cuda_mb: float | None = None


def fit_fold(model: PairScorer, dataset: DrugDiseaseDataset, fold: Fold, *, seed: int,
             threads: int | None = DEFAULT_THREADS) -> PairScorer:
    """Fit ``model`` on ``fold``: it sees training labels only (validation too if it selects
    nothing). ``threads``: CPU threads while fitting (:func:`graphmed.threads.cpu_threads`)."""
    part = fold.train_part()
    if not model.uses_validation:
        part = part.merged()
    seed_everything(seed)
    with cpu_threads(threads):
        return model.fit(replace(dataset, associations=part.train_matrix()), part, seed=seed)


def cross_validate(dataset: DrugDiseaseDataset, model: str | ModelFactory | None = None, *,
                   protocol: str = "A", seeds: Sequence[int] | int | None = None, n_folds: int = 10,
                   val_fraction: float = 0.1, metrics: Sequence[str] = DEFAULT_METRICS,
                   keep_predictions: bool = False, progress: bool = True,
                   threads: int | None = DEFAULT_THREADS) -> CrossValidationResult:
    """Run ``protocol`` cross-validation of ``model`` on ``dataset``.

    Args:
        model: a model name (see :data:`graphmed.models.MODELS`), a zero-argument factory
            returning a fresh :class:`PairScorer`, or ``None`` for the default model.
        seeds: list of seeds, a number of seeds (``0..n-1``), or ``None`` to draw one.
        keep_predictions: keep test pairs, labels and scores of every fold.
        threads: CPU threads for fitting (default 1, the fastest for these small graphs;
            see :mod:`graphmed.threads`); ``None`` keeps the process's setting.

    For the new-disease protocol, metrics are computed per held-out disease and averaged.
    """
    if model is None or isinstance(model, str):
        from graphmed.models import make_model  # models build on the training loop

        name = model
        factory: ModelFactory = lambda: make_model(name)  # noqa: E731
    elif isinstance(model, PairScorer):
        raise TypeError(f"model must be a name or a factory that makes a fresh model for each "
                        f"fold, e.g. lambda: {type(model).__name__}(...); got a "
                        f"{type(model).__name__} object")
    elif not callable(model):
        raise TypeError(f"model must be a model name or a factory, got {model!r}")
    else:
        factory = model
    threads = check_threads(threads)
    if isinstance(seeds, int):
        seeds = list(range(seeds))
    seeds = [resolve_seed(None)] if seeds is None else [resolve_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("at least one seed is needed")
    evaluator = Evaluator(metrics)
    configs, predictions = [], []
    start = time.perf_counter()
    with PeakMemory() as memory:
        bar = tqdm(total=len(seeds) * n_folds, desc=f"{dataset.name} protocol {protocol}",
                   disable=not progress, leave=False)
        for seed in seeds:
            for fold in make_folds(protocol, dataset.associations, n_folds=n_folds, seed=seed,
                                   val_fraction=val_fraction):
                fitted = fit_fold(factory(), dataset, fold, seed=seed * 1000 + fold.index,
                                  threads=threads)
                pairs, labels = fold.test_pairs()
                scores = np.asarray(fitted.score(pairs), dtype=np.float64)
                groups = pairs[:, 1] if fold.protocol == "new-disease" else None
                evaluator.add(seed, fold.index, labels, scores, groups=groups)
                configs.append({"seed": seed, "fold": fold.index, **fitted.config()})
                if keep_predictions:
                    predictions.append({"seed": seed, "fold": fold.index, "pairs": pairs,
                                        "labels": labels, "scores": scores})
                bar.update()
        bar.close()
    return CrossValidationResult(protocol=fold.protocol, seeds=seeds, n_folds=n_folds,
                                 val_fraction=val_fraction, summary=evaluator.summarize(),
                                 fold_configs=configs, wall_time_s=time.perf_counter() - start,
                                 peak_rss_mb=memory.peak_mb, predictions=predictions,
                                 threads=threads, peak_cuda_mb=memory.cuda_peak_mb)
