"""Evaluation: metrics on scores and cross-validation aggregation.

>>> from graphmed.evaluation import Evaluator, auroc, hits_at_k
"""
from graphmed.evaluation.cross_dataset import (CrossDatasetResult, SharedEntities,
                                               cross_dataset_validation, shared_entities)
from graphmed.evaluation.evaluator import (DEFAULT_METRICS, METRICS, METRICS_AT_K, Evaluator,
                                           resolve_metrics)
from graphmed.evaluation.metrics import (GroupMean, GroupValues, aupr, auroc, auroc_aupr,
                                         average_ranks,
                                         check_binary, hits_at_k, hits_at_k_per_query, mrr,
                                         per_group_mean, per_group_values, precision_at_k,
                                         ranks, realistic_rank, recall_at_k)
from graphmed.evaluation.summary import (EvaluationSummary, MetricSummary, RunInfo,
                                         markdown_table, metric_cell)
from graphmed.evaluation.multilabel import (MULTILABEL_METRICS, MultiLabelEvaluator,
                                            choose_thresholds, macro_auroc, macro_f1,
                                            micro_auroc, micro_f1, multilabel_metrics)
from graphmed.evaluation.oversmoothing import dirichlet_energy, layerwise, mad

__all__ = [
    "aupr", "auroc", "auroc_aupr", "average_ranks", "check_binary", "choose_thresholds",
    "cross_dataset_validation", "CrossDatasetResult", "DEFAULT_METRICS", "dirichlet_energy",
    "EvaluationSummary", "Evaluator", "GroupMean", "GroupValues", "hits_at_k",
    "hits_at_k_per_query", "layerwise", "macro_auroc", "macro_f1", "mad", "markdown_table",
    "metric_cell", "METRICS", "METRICS_AT_K", "MetricSummary", "micro_auroc", "micro_f1",
    "mrr", "MULTILABEL_METRICS", "multilabel_metrics", "MultiLabelEvaluator",
    "per_group_mean", "per_group_values", "precision_at_k", "ranks", "realistic_rank",
    "recall_at_k", "resolve_metrics", "RunInfo", "shared_entities", "SharedEntities",
]
