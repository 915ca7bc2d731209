"""TargetOverlap: shared proteins of a drug and a disease, no labels read."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from graphmed.datasets import DrugDiseaseDataset
from graphmed.datasets.proteins import ProteinLinks
from graphmed.errors import UnknownNameError
from graphmed.models import TargetOverlap, make_model
from graphmed.splits import TrainPart

EMPTY = np.zeros((0, 2), dtype=np.int64)


def _dataset(associations) -> DrugDiseaseDataset:
    associations = np.asarray(associations, dtype=bool)
    return DrugDiseaseDataset(
        "protein-toy", associations, pd.DataFrame({"id": ["d0", "d1", "d2"]}),
        pd.DataFrame({"id": ["s0", "s1"]}))


def _part(associations) -> TrainPart:
    associations = np.asarray(associations, dtype=bool)
    return TrainPart(np.argwhere(associations), np.argwhere(~associations), EMPTY, EMPTY,
                     ~associations)


LINKS = ProteinLinks(
    proteins=("P1", "P2", "P3"),
    # listed in another order than the data set, and d2 not at all
    drug_ids=("d1", "d0"), drug_targets=sparse.csr_matrix([[1, 1, 0], [1, 1, 1]]),
    disease_ids=("s0", "s1"), disease_proteins=sparse.csr_matrix([[1, 1, 1], [0, 0, 1]]))


def test_scores_count_shared_proteins_and_read_no_label():
    labels = [[1, 0], [0, 1], [0, 0]]
    model = TargetOverlap(LINKS).fit(_dataset(labels), _part(labels))
    expected = np.log1p([[3, 1], [2, 0], [0, 0]])
    np.testing.assert_allclose(model.score_matrix(), expected)
    flipped = [[0, 1], [1, 0], [1, 1]]
    again = TargetOverlap(LINKS).fit(_dataset(flipped), _part(flipped))
    np.testing.assert_array_equal(again.score_matrix(), model.score_matrix())


def test_data_sets_without_links_are_named():
    labels = [[1, 0], [0, 1], [0, 0]]
    with pytest.raises(UnknownNameError, match="no drug-target / disease-protein links are known "
                                               "for 'protein-toy'"):
        TargetOverlap().fit(_dataset(labels), _part(labels))


def test_fdataset_links_are_read_from_where_the_data_came_from(fdataset):
    from graphmed.splits import make_folds

    fold = make_folds("new-disease", fdataset.associations)[0]
    model = make_model("target-overlap").fit(fold.training_dataset(fdataset), fold.train_part())
    scores = model.score_matrix()
    assert scores.shape == (593, 313) and scores.min() == 0.0 and scores.max() > 1.0
    ensemble = make_model("multimodal-targets")
    assert [f().name for f in ensemble.factories[2:]] == ["target-overlap"]
