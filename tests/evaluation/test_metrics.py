import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from graphmed.evaluation import (average_ranks, aupr, auroc, hits_at_k, hits_at_k_per_query, mrr,
                                 per_group_mean, per_group_values, precision_at_k, ranks,
                                 realistic_rank, recall_at_k)

SEEDS = [0, 1, 2, 3, 4]


def _random(seed, n=300, ties=True):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    labels[:2] = [0, 1]
    scores = rng.normal(size=n) + labels
    if ties:
        scores = np.round(scores, 1)  # many ties
    return labels, scores


# --------------------------------------------------------------------------- AUROC / AP
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
def test_auroc_aupr_match_sklearn(seed, ties):
    labels, scores = _random(seed, ties=ties)
    assert auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert aupr(labels, scores) == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_auroc_aupr_imbalanced_and_integer_scores(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(1000) < 0.03).astype(int)
    labels[0] = 1
    scores = rng.integers(0, 5, 1000)  # heavy ties, integer dtype
    assert auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert aupr(labels, scores) == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


def test_auroc_aupr_tiny_by_hand():
    # positives 0.8, 0.4; negatives 0.4, 0.1: pairs 1 + 1 + 0.5 + 1 = 3.5 of 4
    labels, scores = [1, 0, 1, 0], [0.8, 0.4, 0.4, 0.1]
    assert auroc(labels, scores) == 0.875
    # thresholds 0.8 (P=1, R=1/2), 0.4 (P=2/3, R=1), 0.1: AP = 1/2 * 1 + 1/2 * 2/3
    assert aupr(labels, scores) == pytest.approx(0.5 + 1 / 3)
    assert auroc([1, 0], [0.5, 0.5]) == 0.5
    assert aupr([1, 1], [0.1, 0.2]) == 1.0  # no negative needed


def test_average_ranks():
    np.testing.assert_array_equal(average_ranks([3.0, 1.0, 3.0, 2.0, 3.0]), [4, 1, 4, 2, 4])


def test_bool_labels_and_torch_tensors():
    torch = pytest.importorskip("torch")
    labels, scores = _random(7)
    expected = roc_auc_score(labels, scores)
    assert auroc(labels.astype(bool), scores) == pytest.approx(expected)
    assert auroc(torch.tensor(labels), torch.tensor(scores, dtype=torch.float32)) == pytest.approx(expected)
    pos = torch.tensor([0.5, 1.0], requires_grad=True)
    assert mrr(pos, torch.tensor([[0.9, 0.5, 0.5, 0.1], [0.2, 0.3, 0.4, 0.5]])) == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- ranks, MRR
def test_realistic_rank_by_hand():
    # one negative above, two tied: optimistic 2, pessimistic 4, realistic 3
    negs = [0.9, 0.5, 0.5, 0.1]
    assert realistic_rank(0.5, negs) == 3.0
    assert isinstance(realistic_rank(0.5, negs), float)
    assert ranks([0.5], negs, kind="optimistic")[0] == 2.0
    assert ranks([0.5], negs, kind="pessimistic")[0] == 4.0
    assert realistic_rank(1.0, negs) == 1.0
    assert realistic_rank(0.0, negs) == 5.0
    np.testing.assert_array_equal(realistic_rank([0.5, 0.9], negs), [3.0, 1.5])


def test_mrr_by_hand():
    pos = [0.5, 1.0]
    negs = [[0.9, 0.5, 0.5, 0.1], [0.2, 0.3, 0.4, 0.5]]  # realistic ranks 3 and 1
    assert mrr(pos, negs) == pytest.approx((1 / 3 + 1) / 2)
    assert mrr([0.5], [0.5]) == pytest.approx(1 / 1.5)


@pytest.mark.parametrize("seed", SEEDS)
def test_ranks_match_brute_force_and_shared_equals_tiled(seed):
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, 10, 50).astype(float)
    neg = rng.integers(0, 10, (50, 20)).astype(float)
    expected = np.array([1 + 0.5 * ((n > p).sum() + (n >= p).sum()) for p, n in zip(pos, neg)])
    np.testing.assert_allclose(ranks(pos, neg), expected)
    np.testing.assert_allclose(ranks(pos, neg[0]), ranks(pos, np.tile(neg[0], (50, 1))))
    for kind in ("optimistic", "pessimistic"):
        np.testing.assert_allclose(ranks(pos, neg[0], kind), ranks(pos, np.tile(neg[0], (50, 1)), kind))


# --------------------------------------------------------------------------- Hits@K
def _ogb_hits(pos, neg, k):
    """The OGB link-prediction definition (ogbl-ddi evaluator)."""
    if len(neg) < k:
        return 1.0
    kth = np.sort(neg)[-k]
    return float(np.sum(pos > kth)) / len(pos)


def test_hits_at_k_tie_boundary_by_hand():
    neg = [0.9, 0.7, 0.7, 0.3]
    pos = [0.8, 0.7, 0.95, 0.1]
    assert hits_at_k(pos, neg, 1) == 0.25  # only 0.95 beats 0.9
    assert hits_at_k(pos, neg, 2) == 0.5   # 2nd negative 0.7: the tied 0.7 is a miss
    assert hits_at_k(pos, neg, 3) == 0.5   # 3rd negative is also 0.7
    assert hits_at_k(pos, neg, 4) == 0.75  # 4th negative 0.3
    assert hits_at_k(pos, neg, 5) == 1.0   # fewer than k negatives
    np.testing.assert_array_equal(hits_at_k_per_query(pos, neg, 2), [1, 0, 1, 0])


def test_hits_at_k_per_query_by_hand():
    # both negatives tie with the positive: 2nd-highest negative 0.5 is not beaten
    assert hits_at_k_per_query([0.5], [[0.5, 0.5]], 2)[0] == 0.0
    assert hits_at_k_per_query([0.5], [[0.5, 0.5]], 3)[0] == 1.0
    out = hits_at_k_per_query([0.5, 0.6], [[0.7, 0.4, 0.1], [0.7, 0.6, 0.1]], 2)
    np.testing.assert_array_equal(out, [1.0, 0.0])
    assert hits_at_k([0.5, 0.6], [[0.7, 0.4, 0.1], [0.7, 0.6, 0.1]], 2) == 0.5


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 3, 10, 50])
def test_hits_at_k_matches_ogb(seed, k):
    rng = np.random.default_rng(seed)
    pos = np.round(rng.normal(1, 1, 40), 1)
    neg = np.round(rng.normal(0, 1, 30), 1)
    assert hits_at_k(pos, neg, k) == pytest.approx(_ogb_hits(pos, neg, k))
    per_query = hits_at_k(pos, np.tile(neg, (40, 1)), k)
    assert per_query == pytest.approx(_ogb_hits(pos, neg, k))


# --------------------------------------------------------------------------- precision / recall @ k
def test_precision_recall_at_k_ties_by_hand():
    labels, scores = [1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1]
    # k=2: 0.9 (positive), then the 0.5 tie is cut; the negative goes first
    assert precision_at_k(labels, scores, 2) == 0.5
    assert recall_at_k(labels, scores, 2) == 0.5
    assert precision_at_k(labels, scores, 3) == pytest.approx(2 / 3)
    assert recall_at_k(labels, scores, 3) == 1.0
    # same answer whatever the input order
    perm = [2, 3, 0, 1]
    assert precision_at_k(np.array(labels)[perm], np.array(scores)[perm], 2) == 0.5
    # constant scores with positives listed first earn nothing from the order
    assert precision_at_k([1, 1, 0, 0], [0.0] * 4, 2) == 0.0
    assert precision_at_k([0, 0, 0], [1.0, 2.0, 3.0], 2) == 0.0  # no positive is fine


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_at_k_distinct_scores(seed):
    labels, scores = _random(seed, ties=False)
    top = np.argsort(-scores)
    for k in (1, 5, 50, len(labels)):
        assert precision_at_k(labels, scores, k) == pytest.approx(labels[top[:k]].mean())
        assert recall_at_k(labels, scores, k) == pytest.approx(labels[top[:k]].sum() / labels.sum())


# --------------------------------------------------------------------------- per group
def test_per_group_mean_by_hand():
    labels = [1, 0, 0, 1, 1, 0, 0, 1, 0]
    scores = [0.9, 0.1, 0.5, 0.3, 0.4, 0.2, 0.6, 0.2, 0.8]
    groups = [0, 0, 0, 1, 1, 2, 2, 3, 3]  # group 1 all positive, 2 all negative: skipped
    result = per_group_mean(auroc, labels, scores, groups)
    assert result == (0.5, 2)  # group 0: 1.0, group 3: 0.0
    mean, count = result
    assert (mean, count) == (result.mean, result.count)
    values = per_group_values(auroc, labels, scores, groups)
    np.testing.assert_array_equal(values.groups, [0, 3])
    np.testing.assert_array_equal(values.values, [1.0, 0.0])
    named = per_group_mean(auroc, labels, scores, np.array(list("aaabbccdd")))
    assert named == (0.5, 2)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_per_group_mean_matches_loop(seed):
    rng = np.random.default_rng(seed + 100)
    labels, scores = _random(seed, n=400)
    groups = rng.integers(0, 30, 400)
    expected = []
    for g in np.unique(groups):
        m = groups == g
        if 0 < labels[m].sum() < m.sum():
            expected.append(roc_auc_score(labels[m], scores[m]))
    mean, count = per_group_mean(auroc, labels, scores, groups)
    assert count == len(expected)
    assert mean == pytest.approx(np.mean(expected))


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("fn", [auroc, aupr])
@pytest.mark.parametrize("labels, scores, message", [
    ([1, 0, 1], [0.1, 0.2], "same length"),
    ([[1, 0]], [[0.1, 0.2]], "1-D"),
    ([1, 0], [0.1, np.nan], "finite"),
    ([1, 0], [0.1, np.inf], "finite"),
    ([1, 2], [0.1, 0.2], "binary"),
    (["a", "b"], [0.1, 0.2], "binary"),
    ([1, 0], ["x", "y"], "numeric"),
    ([], [], "empty"),
    ([0, 0], [0.1, 0.2], "no positive"),
])
def test_classification_validation(fn, labels, scores, message):
    with pytest.raises(ValueError, match=message):
        fn(labels, scores)


def test_auroc_needs_a_negative():
    with pytest.raises(ValueError, match="no negative"):
        auroc([1, 1], [0.1, 0.2])


@pytest.mark.parametrize("k", [0, -1, 1.5, True, "2", 5])
def test_at_k_validation(k):
    for fn in (precision_at_k, recall_at_k):
        with pytest.raises(ValueError, match="k"):
            fn([1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], k)


def test_recall_needs_a_positive():
    with pytest.raises(ValueError, match="no positive"):
        recall_at_k([0, 0], [0.1, 0.2], 1)


def test_ranking_validation():
    with pytest.raises(ValueError, match="one row per positive"):
        ranks([0.1, 0.2], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ranks([0.1], [[[0.1]]])
    with pytest.raises(ValueError, match="0-D or 1-D"):
        ranks([[0.1]], [0.1])
    with pytest.raises(ValueError, match="finite"):
        mrr([np.nan], [0.1])
    with pytest.raises(ValueError, match="empty"):
        mrr([0.1], [])
    with pytest.raises(ValueError, match="kind"):
        ranks([0.1], [0.1], kind="mean")
    with pytest.raises(ValueError, match="k must"):
        hits_at_k([0.1], [0.2], 0)


def test_per_group_validation():
    with pytest.raises(ValueError, match="groups"):
        per_group_mean(auroc, [1, 0], [0.1, 0.2], [0])
    with pytest.raises(ValueError, match="no group"):
        per_group_mean(auroc, [1, 0], [0.1, 0.2], [0, 1])
    for groups in ([0, None, 1, 1], [0.0, float("nan"), 1.0, 1.0],
                   np.array(["a", None, "b", "b"], dtype=object)):
        with pytest.raises(ValueError, match=r"groups: item 1 has no group id \(1 such items\)"):
            per_group_mean(auroc, [1, 0, 1, 0], [0.3, 0.2, 0.5, 0.1], groups)


@pytest.mark.parametrize("values, match", [
    ([1.0, np.nan, np.nan], r"values must be finite; entry 1"),
    ([[1.0, 2.0], [3.0, 4.0]], r"values must be 1-D, got shape \(2, 2\)"),
])
def test_average_ranks_refuses_what_has_no_rank(values, match):
    with pytest.raises(ValueError, match=match):
        average_ranks(values)
