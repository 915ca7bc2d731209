"""Evaluation: metrics on scores and cross-validation aggregation.

>>> from graphmed.evaluation import Evaluator, auroc, hits_at_k
"""
from graphmed.evaluation.evaluator import (DEFAULT_METRICS, METRICS, METRICS_AT_K,
                                           EvaluationSummary, Evaluator, MetricSummary,
                                           RunInfo, markdown_table, resolve_metrics)
from graphmed.evaluation.metrics import (GroupMean, GroupValues, aupr, auroc, average_ranks,
                                         check_binary, hits_at_k, hits_at_k_per_query, mrr,
                                         per_group_mean, per_group_values, precision_at_k,
                                         ranks, realistic_rank, recall_at_k)
from graphmed.evaluation.oversmoothing import dirichlet_energy, layerwise, mad

__all__ = [
    "DEFAULT_METRICS", "METRICS", "METRICS_AT_K", "EvaluationSummary", "Evaluator",
    "GroupMean", "GroupValues", "MetricSummary", "RunInfo", "aupr", "auroc", "average_ranks",
    "check_binary", "hits_at_k", "hits_at_k_per_query", "markdown_table", "mrr",
    "per_group_mean", "per_group_values", "precision_at_k", "ranks", "realistic_rank",
    "recall_at_k", "resolve_metrics",
]
