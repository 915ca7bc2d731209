"""Evaluation: metrics on scores and cross-validation aggregation.

>>> from graphmed.evaluation import Evaluator, auroc, hits_at_k
"""
from graphmed.evaluation.evaluator import (DEFAULT_METRICS, METRICS, METRICS_AT_K,
                                           EvaluationSummary, Evaluator, MetricSummary,
                                           RunInfo, markdown_table, resolve_metrics)
from graphmed.evaluation.metrics import (GroupMean, GroupValues, aupr, auroc, auroc_aupr,
                                         average_ranks,
                                         check_binary, hits_at_k, hits_at_k_per_query, mrr,
                                         per_group_mean, per_group_values, precision_at_k,
                                         ranks, realistic_rank, recall_at_k)
from graphmed.evaluation.multilabel import (MULTILABEL_METRICS, MultiLabelEvaluator,
                                            choose_thresholds, macro_auroc, macro_f1,
                                            micro_auroc, micro_f1, multilabel_metrics)
from graphmed.evaluation.oversmoothing import dirichlet_energy, layerwise, mad

__all__ = [
    "DEFAULT_METRICS", "METRICS", "METRICS_AT_K", "MULTILABEL_METRICS", "EvaluationSummary",
    "Evaluator", "GroupMean", "GroupValues", "MetricSummary", "MultiLabelEvaluator", "RunInfo",
    "aupr", "auroc", "auroc_aupr", "average_ranks", "check_binary", "choose_thresholds", "hits_at_k",
    "hits_at_k_per_query", "macro_auroc", "macro_f1", "markdown_table", "micro_auroc",
    "micro_f1", "mrr", "multilabel_metrics", "per_group_mean", "per_group_values",
    "precision_at_k", "ranks", "realistic_rank", "recall_at_k", "resolve_metrics",
]
