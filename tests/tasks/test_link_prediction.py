import numpy as np
import pytest
import torch

from graphmed.splits import make_folds
from graphmed.tasks.link_prediction import EDGE_TYPES, build_link_task


@pytest.fixture(scope="module")
def fold(fdataset):
    return make_folds("A", fdataset.associations, n_folds=5, seed=0)[0]


@pytest.fixture(scope="module")
def task(fdataset, fold):
    return build_link_task(fdataset, fold.train_part(), top_k=10)


def test_shapes(task, fdataset):
    nd, ns = fdataset.associations.shape
    assert task.num_nodes == nd + ns
    assert task.x.shape == (nd + ns, nd + ns)
    assert task.labels.shape == task.loss_mask.shape == (nd, ns)
    assert task.edge_index.shape[1] == task.edge_weight.shape[0] == task.edge_type.shape[0]
    assert set(task.edge_type.unique().tolist()) == set(range(len(EDGE_TYPES)))


def test_association_edges_are_training_positives_both_ways(task, fold, fdataset):
    nd = fdataset.n_drugs
    for edge_type, flip in ((2, False), (3, True)):
        edges = task.edge_index[:, task.edge_type == edge_type].numpy()
        drug, disease = (edges[1], edges[0] - nd) if flip else (edges[0], edges[1] - nd)
        got = np.sort(drug * fdataset.n_diseases + disease)
        expected = np.sort(fold.train_pos[:, 0] * fdataset.n_diseases + fold.train_pos[:, 1])
        assert np.array_equal(got, expected)


def test_similarity_edges_stay_within_their_type(task, fdataset):
    nd = fdataset.n_drugs
    drug_edges = task.edge_index[:, task.edge_type == 0]
    disease_edges = task.edge_index[:, task.edge_type == 1]
    assert (drug_edges < nd).all() and (disease_edges >= nd).all()
    assert (drug_edges[0] != drug_edges[1]).all()


def test_loss_mask_excludes_validation_and_test(task, fold):
    mask = task.loss_mask.numpy()
    for pairs in (fold.test_pos, fold.test_neg, fold.val_pos, fold.val_neg):
        assert not mask[tuple(pairs.T)].any()
    assert mask[tuple(fold.train_pos.T)].all() and mask[tuple(fold.train_neg.T)].all()


def test_balanced_pos_weight_and_loss(task):
    n_pos = task.labels.sum().item()
    n_neg = task.loss_mask.sum().item() - n_pos
    assert task.pos_weight == pytest.approx(n_neg / n_pos)
    # perfect logits give a lower loss than uninformative ones
    perfect = torch.where(task.labels > 0, 10.0, -10.0)
    assert task.loss(perfect) < task.loss(torch.zeros_like(task.labels))


def test_validation_score_matches_metrics(task):
    logits = torch.randn(task.labels.shape, generator=torch.Generator().manual_seed(0))
    got = task.validation_score(logits)
    from sklearn.metrics import average_precision_score, roc_auc_score

    s = logits[task.val_pairs[:, 0], task.val_pairs[:, 1]].numpy()
    assert got["auroc"] == pytest.approx(roc_auc_score(task.val_labels.numpy(), s))
    assert got["aupr"] == pytest.approx(average_precision_score(task.val_labels.numpy(), s))


@pytest.mark.parametrize("features", ["topk", "similarity", "similarity+associations"])
def test_feature_kinds(fdataset, fold, features):
    task = build_link_task(fdataset, fold.train_part(), features=features)
    nd = fdataset.n_drugs
    cross = task.x[:nd, nd:]
    assert (cross.abs().sum() > 0) == (features == "similarity+associations")
    if features == "similarity+associations":  # association rows are training labels only
        assert torch.equal(cross, task.labels)


def test_unknown_feature_kind(fdataset, fold):
    with pytest.raises(ValueError, match="unknown features"):
        build_link_task(fdataset, fold.train_part(), features="bogus")


def test_a_data_set_without_similarity_views_gives_the_association_graph(fdataset, fold):
    from dataclasses import replace

    from graphmed.models import GNNLinkPredictor
    from graphmed.training.cross_validation import fit_fold

    plain = replace(fdataset, drug_similarities={}, disease_similarities={})
    task = build_link_task(plain, fold.train_part(), top_k=10)
    nd, ns = fdataset.associations.shape
    assert set(task.edge_type.unique().tolist()) == {2, 3}        # associations only
    assert torch.equal(task.x, torch.eye(nd + ns))                 # identity features
    # with GIP kernels from the training labels the similarity edges come back
    gip = build_link_task(plain, fold.train_part(), top_k=10, use_gip=True)
    assert set(gip.edge_type.unique().tolist()) == set(range(len(EDGE_TYPES)))
    model = fit_fold(GNNLinkPredictor(hidden=16, epochs=5), plain, fold, seed=0)
    scores = model.score_matrix()
    assert scores.shape == (nd, ns) and np.isfinite(scores).all() and scores.std() > 0


def test_loss_is_the_weighted_mean_over_the_mask_and_follows_a_changed_task(task):
    import dataclasses

    import torch.nn.functional as F

    logits = torch.randn(task.labels.shape, generator=torch.Generator().manual_seed(1))

    def expected(t):
        labels = t.labels[t.loss_mask]
        weight = 1.0 + (t.pos_weight - 1.0) * labels
        bce = F.binary_cross_entropy_with_logits(logits[t.loss_mask], labels, reduction="none")
        return float((weight * bce).sum() / weight.sum())

    assert float(task.loss(logits)) == pytest.approx(expected(task), rel=1e-6)
    # the gathered pairs are not reused for another mask, other labels or weight
    for change in ({"loss_mask": task.loss_mask & (torch.rand(task.loss_mask.shape) < 0.5)},
                   {"labels": torch.zeros_like(task.labels)}, {"pos_weight": 3.0}):
        other = dataclasses.replace(task, **change)
        assert float(other.loss(logits)) == pytest.approx(expected(other), rel=1e-6)
    assert float(task.to("cpu").loss(logits)) == pytest.approx(expected(task), rel=1e-6)
