"""TrainPart.validation_metrics: choices are scored as the protocol scores its test part."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.evaluation.metrics import aupr, auroc
from graphmed.splits import make_folds

MATRIX = np.random.default_rng(3).random((40, 24)) < 0.15


@pytest.mark.parametrize("protocol", ["A", "B"])
def test_pooled_for_pair_protocols(protocol):
    part = make_folds(protocol, MATRIX, n_folds=3, seed=0)[0].train_part()
    assert not part.per_disease_validation and part.validation_groups() is None
    _, labels = part.val_pairs()
    scores = np.random.default_rng(0).random(len(labels))
    assert part.validation_metrics(scores) == {"auroc": auroc(labels, scores),
                                               "aupr": aupr(labels, scores)}


def test_per_disease_for_new_disease():
    part = make_folds("new-disease", MATRIX, n_folds=3, seed=0)[0].train_part()
    assert part.per_disease_validation and part.merged().per_disease_validation
    pairs, labels = part.val_pairs()
    groups = part.validation_groups()
    assert np.array_equal(groups, pairs[:, 1])
    # a score that ranks well within each disease but mixes diseases: pooled AUROC suffers,
    # the per-disease mean does not
    offset = np.random.default_rng(1).normal(0, 10, MATRIX.shape[1])
    scores = labels + offset[groups]
    by_disease = [auroc(labels[groups == d], scores[groups == d]) for d in np.unique(groups)
                  if 0 < labels[groups == d].sum() < (groups == d).sum()]
    metrics = part.validation_metrics(scores)
    assert metrics["auroc"] == pytest.approx(np.mean(by_disease)) == pytest.approx(1.0)
    assert auroc(labels, scores) < 0.95


def test_unscorable_and_mismatched_validation():
    part = make_folds("A", MATRIX, n_folds=3, seed=0)[0].train_part()
    assert part.merged().validation_metrics(np.zeros(0)) == {}
    with pytest.raises(ValueError, match="validation scores"):
        part.validation_metrics(np.zeros(3))
