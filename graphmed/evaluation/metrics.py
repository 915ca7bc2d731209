"""Evaluation metrics: pure, vectorised functions on 1-D score arrays.

Every function accepts numpy arrays, sequences or torch tensors (converted to
numpy on the CPU) and raises ``ValueError`` on malformed input: wrong number of
dimensions, mismatched lengths, non-finite scores, non-binary labels, or a
missing class where the metric needs one.

Two families:

* classification metrics on ``labels (n,)`` and ``scores (n,)``:
  :func:`auroc`, :func:`aupr`, :func:`precision_at_k`, :func:`recall_at_k`;
* ranking metrics on ``pos_scores (n,)`` against negatives that are either
  shared by every positive, ``neg_scores (m,)``, or drawn per positive,
  ``neg_scores (n, m)``: :func:`ranks`, :func:`realistic_rank`, :func:`mrr`,
  :func:`hits_at_k`, :func:`hits_at_k_per_query`.
"""
from __future__ import annotations

from numbers import Integral
from typing import Any, Callable, NamedTuple

import numpy as np

RANK_KINDS = ("optimistic", "pessimistic", "realistic")


# --------------------------------------------------------------------------- input checks
def _to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch tensor, without importing torch
        x = x.detach().cpu()
        try:
            return x.numpy()
        except TypeError:  # dtypes numpy lacks, e.g. bfloat16
            return x.double().numpy()
    return np.asarray(x)


def _scores(x: Any, name: str, ndim: int | tuple[int, ...] = 1) -> np.ndarray:
    arr = _to_numpy(x)
    ndims = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in ndims:
        shape = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {shape}, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise ValueError(f"{name} must be finite; entry {bad} (flat index) is {arr.ravel()[bad]}")
    return arr


def _labels(x: Any, name: str = "labels") -> np.ndarray:
    arr = _to_numpy(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype == bool:
        return arr
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must be binary 0/1 or bool, got dtype {arr.dtype}")
    ok = (arr == 0) | (arr == 1)
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"{name} must be binary 0/1; entry {bad} is {arr[bad]}")
    return arr.astype(bool)


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_binary(labels: Any, scores: Any, *, need_pos: bool = True,
                 need_neg: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validate a classification input.

    Args:
        labels: ``(n,)`` 0/1 or bool.
        scores: ``(n,)`` finite real scores, higher = more likely positive.
        need_pos / need_neg: require at least one positive / negative label.

    Returns:
        ``labels`` as bool ``(n,)`` and ``scores`` as float64 ``(n,)``.
    """
    y = _labels(labels)
    s = _scores(scores, "scores")
    if y.shape != s.shape:
        raise ValueError(f"labels and scores must have the same length, got {y.size} and {s.size}")
    n_pos = int(y.sum())
    if need_pos and n_pos == 0:
        raise ValueError("labels contain no positive; the metric is undefined")
    if need_neg and n_pos == y.size:
        raise ValueError("labels contain no negative; the metric is undefined")
    return y, s


# --------------------------------------------------------------------------- classification
def average_ranks(values: Any) -> np.ndarray:
    """1-based ranks of ``values (n,)`` in ascending order, ties sharing their mean rank.

    ``values`` must be finite numbers (a NaN has no rank).
    """
    return _average_ranks(_scores(values, "values"))


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """:func:`average_ranks` of a checked ``(n,)`` float array."""
    n = x.size
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts_mask = np.empty(n, dtype=bool)
    starts_mask[:1] = True
    np.not_equal(xs[1:], xs[:-1], out=starts_mask[1:])
    starts = np.flatnonzero(starts_mask)
    ends = np.append(starts[1:], n)  # exclusive
    block_rank = (starts + ends + 1) / 2.0  # mean of 1-based ranks starts+1 .. ends
    out = np.empty(n, dtype=np.float64)
    out[order] = np.repeat(block_rank, ends - starts)
    return out


def auroc(labels: Any, scores: Any) -> float:
    """Area under the ROC curve (Mann–Whitney U; tied scores count one half).

    Args:
        labels: ``(n,)`` binary, at least one positive and one negative.
        scores: ``(n,)`` finite.

    Equal to ``sklearn.metrics.roc_auc_score(labels, scores)``.
    """
    y, s = check_binary(labels, scores)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    rank_sum = _average_ranks(s)[y].sum()  # s checked above
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def aupr(labels: Any, scores: Any) -> float:
    """Average precision, ``sum_t (R_t - R_{t-1}) P_t`` over distinct score thresholds ``t``.

    Args:
        labels: ``(n,)`` binary, at least one positive.
        scores: ``(n,)`` finite.

    Equal to ``sklearn.metrics.average_precision_score(labels, scores)``: tied
    scores form one threshold, so their order does not matter.
    """
    y, s = check_binary(labels, scores, need_neg=False)
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # last index of each block of equal scores = one threshold
    last = np.flatnonzero(np.append(s_sorted[1:] != s_sorted[:-1], True))
    tp = np.cumsum(y_sorted, dtype=np.float64)[last]
    precision = tp / (last + 1)
    recall_gain = np.diff(tp, prepend=0.0) / tp[-1]
    return float(np.sum(recall_gain * precision))


def _top_k_hits(labels: Any, scores: Any, k: Any, need_pos: bool) -> tuple[int, int, np.ndarray]:
    k = _check_k(k)
    y, s = check_binary(labels, scores, need_pos=need_pos, need_neg=False)
    if k > y.size:
        raise ValueError(f"k={k} exceeds the number of items ({y.size})")
    # score descending, then negatives first among equal scores (pessimistic ties)
    order = np.lexsort((y, -s))
    return k, int(y[order[:k]].sum()), y


def precision_at_k(labels: Any, scores: Any, k: int) -> float:
    """Fraction of positives among the ``k`` highest-scored items.

    Args:
        labels: ``(n,)`` binary.
        scores: ``(n,)`` finite.
        k: ``1 <= k <= n``.

    Ties at the cut are broken pessimistically: among items with equal score,
    negatives are taken into the top ``k`` before positives. The result is thus
    deterministic, independent of the input order, and never rewards ties.
    """
    k, hits, _ = _top_k_hits(labels, scores, k, need_pos=False)
    return hits / k


def recall_at_k(labels: Any, scores: Any, k: int) -> float:
    """Fraction of all positives found among the ``k`` highest-scored items.

    Args:
        labels: ``(n,)`` binary, at least one positive.
        scores: ``(n,)`` finite.
        k: ``1 <= k <= n``.

    Ties at the cut are broken as in :func:`precision_at_k` (negatives first).
    """
    k, hits, y = _top_k_hits(labels, scores, k, need_pos=True)
    return hits / int(y.sum())


# --------------------------------------------------------------------------- ranking
def _pos_neg(pos_scores: Any, neg_scores: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = _scores(pos_scores, "pos_scores", ndim=(0, 1))
    neg = _scores(neg_scores, "neg_scores", ndim=(1, 2))
    pos = np.atleast_1d(pos)
    if neg.ndim == 2 and neg.shape[0] != pos.size:
        raise ValueError(f"neg_scores of shape {neg.shape} needs one row per positive; "
                         f"got {pos.size} positives")
    return pos, neg


def _counts(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per positive: number of negatives scored strictly above it, and at least as high."""
    if neg.ndim == 1:  # shared negatives: one sort, then binary search
        sorted_neg = np.sort(neg)
        m = sorted_neg.size
        greater = m - np.searchsorted(sorted_neg, pos, side="right")
        at_least = m - np.searchsorted(sorted_neg, pos, side="left")
    else:
        col = pos[:, None]
        greater = np.count_nonzero(neg > col, axis=1)
        at_least = np.count_nonzero(neg >= col, axis=1)
    return greater, at_least


def ranks(pos_scores: Any, neg_scores: Any, kind: str = "realistic") -> np.ndarray:
    """1-based rank of each positive among its negatives (1 = scored above every negative).

    Args:
        pos_scores: ``(n,)`` score of each query's positive.
        neg_scores: ``(m,)`` negatives shared by all queries, or ``(n, m)`` one row per query.
        kind: ``"optimistic"`` (positive placed before tied negatives),
            ``"pessimistic"`` (after them) or ``"realistic"`` (mean of both).

    Returns:
        ``(n,)`` float64 ranks.
    """
    if kind not in RANK_KINDS:
        raise ValueError(f"kind must be one of {RANK_KINDS}, got {kind!r}")
    pos, neg = _pos_neg(pos_scores, neg_scores)
    greater, at_least = _counts(pos, neg)
    optimistic = 1.0 + greater
    pessimistic = 1.0 + at_least
    if kind == "optimistic":
        return optimistic
    if kind == "pessimistic":
        return pessimistic
    return (optimistic + pessimistic) / 2.0


def realistic_rank(positive_score: Any, negative_scores: Any) -> float | np.ndarray:
    """Realistic rank: mean of optimistic and pessimistic rank under ties.

    A scalar ``positive_score`` with ``negative_scores (m,)`` gives a float;
    ``(n,)`` positives give ``(n,)`` ranks as in :func:`ranks`.
    """
    out = ranks(positive_score, negative_scores, kind="realistic")
    return float(out[0]) if np.ndim(_to_numpy(positive_score)) == 0 else out


def mrr(pos_scores: Any, neg_scores: Any) -> float:
    """Mean reciprocal realistic rank.

    Args:
        pos_scores: ``(n,)``.
        neg_scores: ``(m,)`` shared or ``(n, m)`` per query.
    """
    return float(np.mean(1.0 / ranks(pos_scores, neg_scores, kind="realistic")))


def hits_at_k_per_query(pos_scores: Any, neg_scores: Any, k: int) -> np.ndarray:
    """Per query, 1.0 if its positive scores strictly above its ``k``-th highest negative.

    Args:
        pos_scores: ``(n,)``.
        neg_scores: ``(m,)`` shared or ``(n, m)`` per query.
        k: positive integer.

    Returns:
        ``(n,)`` float64 of 0.0 / 1.0. A positive tied with the ``k``-th highest
        negative is a miss; with fewer than ``k`` negatives every query is a hit.
        Equivalently, a hit is a pessimistic rank ``<= k``.
    """
    k = _check_k(k)
    pos, neg = _pos_neg(pos_scores, neg_scores)
    _, at_least = _counts(pos, neg)
    return (at_least < k).astype(np.float64)


def hits_at_k(pos_scores: Any, neg_scores: Any, k: int) -> float:
    """Fraction of positives scored strictly above the ``k``-th highest negative.

    With shared negatives ``(m,)`` this is the OGB link-prediction Hits@K
    (ogbl-ddi, ogbl-collab): ties with the ``k``-th negative are misses, and the
    value is 1.0 when there are fewer than ``k`` negatives. ``(n, m)``
    negatives rank each positive against its own row.
    """
    return float(np.mean(hits_at_k_per_query(pos_scores, neg_scores, k)))


# --------------------------------------------------------------------------- groups
class GroupValues(NamedTuple):
    """Per-group metric values: ``groups (g,)`` ids and ``values (g,)`` float64."""

    groups: np.ndarray
    values: np.ndarray


class GroupMean(NamedTuple):
    """Mean of a metric over usable groups, and how many groups it averages."""

    mean: float
    count: int


def per_group_values(metric: Callable[[np.ndarray, np.ndarray], float], labels: Any,
                     scores: Any, groups: Any) -> GroupValues:
    """``metric`` on each group that has at least one positive and one negative.

    Args:
        metric: ``metric(labels, scores) -> float``, e.g. :func:`auroc`.
        labels: ``(n,)`` binary.
        scores: ``(n,)`` finite.
        groups: ``(n,)`` group id of each item (e.g. disease index).

    Returns:
        :class:`GroupValues` over the usable groups, sorted by group id.
    """
    y, s = check_binary(labels, scores, need_pos=False, need_neg=False)
    g = _to_numpy(groups)
    if g.ndim != 1 or g.shape != y.shape:
        raise ValueError(f"groups must be 1-D with one id per item ({y.size}), got shape {g.shape}")
    if g.dtype.kind == "f":
        missing = np.isnan(g)
    elif g.dtype == object:
        missing = np.fromiter((v is None or v != v for v in g), dtype=bool, count=g.size)
    else:
        missing = np.zeros(g.size, dtype=bool)
    if missing.any():
        raise ValueError(f"groups: item {int(np.flatnonzero(missing)[0])} has no group id "
                         f"({int(missing.sum())} such items)")
    ids, inverse = np.unique(g, return_inverse=True)
    size = np.bincount(inverse, minlength=ids.size)
    n_pos = np.bincount(inverse, weights=y, minlength=ids.size)
    usable = np.flatnonzero((n_pos > 0) & (n_pos < size))
    order = np.argsort(inverse, kind="stable")
    bounds = np.append(0, np.cumsum(size))
    values = np.empty(usable.size, dtype=np.float64)
    for i, gi in enumerate(usable):  # one metric call per group, not per item
        idx = order[bounds[gi]:bounds[gi + 1]]
        values[i] = metric(y[idx], s[idx])
    return GroupValues(ids[usable], values)


def per_group_mean(metric: Callable[[np.ndarray, np.ndarray], float], labels: Any,
                   scores: Any, groups: Any) -> GroupMean:
    """Mean of ``metric`` over groups with at least one positive and one negative.

    Args: as :func:`per_group_values`.

    Returns:
        :class:`GroupMean` ``(mean, count)``; ``count`` is the number of groups used.

    Raises:
        ValueError: no group has both a positive and a negative.
    """
    result = per_group_values(metric, labels, scores, groups)
    if result.values.size == 0:
        raise ValueError("no group has both a positive and a negative; the per-group mean is undefined")
    return GroupMean(float(result.values.mean()), int(result.values.size))


def auroc_aupr(labels: Any, scores: Any, groups: Any = None) -> dict[str, float]:
    """``{"auroc", "aupr"}`` of ``(n,)`` scores: pooled, or with ``(n,)`` ``groups`` the mean
    over groups with a positive and a negative (as the new-disease protocol scores diseases)."""
    if groups is None:
        return {"auroc": auroc(labels, scores), "aupr": aupr(labels, scores)}
    return {"auroc": per_group_mean(auroc, labels, scores, groups).mean,
            "aupr": per_group_mean(aupr, labels, scores, groups).mean}
