"""Drugs for a disease outside the data set, placed by its name alone."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.evaluation.metrics import auroc
from graphmed.models import KronRLS
from graphmed.repurpose import disease_held_out_part, rank_for_new_disease, with_new_disease


def test_the_new_disease_is_a_last_column_without_associations(small):
    data = with_new_disease(small, "  Parkinson disease ")
    assert data.associations.shape == (small.n_drugs, small.n_diseases + 1)
    assert not data.associations[:, -1].any()
    assert np.array_equal(data.associations[:, :-1], small.associations)
    assert data.diseases.iloc[-1].tolist() == ["new-disease", "Parkinson disease"]
    assert data.disease_similarities == {}               # shipped views have no row for it
    assert data.drug_similarities.keys() == small.drug_similarities.keys()
    for bad in ("", "   ", None):
        with pytest.raises(DataFormatError, match="needs a name"):
            with_new_disease(small, bad)
    with pytest.raises(DataFormatError, match="already has a disease"):
        with_new_disease(data, "another")


def test_validation_diseases_are_held_out_whole(fdataset):
    new = 5
    part = disease_held_out_part(fdataset.associations, seed=3, val_fraction=0.2, exclude=[new])
    assert part.per_disease_validation
    val = np.unique(np.concatenate([part.val_pos[:, 1], part.val_neg[:, 1]]))
    train = np.unique(np.concatenate([part.train_pos[:, 1], part.train_neg[:, 1]]))
    assert np.intersect1d(val, train).size == 0 and new not in val and new not in train
    used = np.setdiff1d(np.flatnonzero(fdataset.associations.any(0)), [new])
    assert np.array_equal(np.union1d(val, train), used)
    assert val.size == round(0.2 * used.size)
    # every pair of a validation disease is in the validation part, none in the pool
    assert len(part.val_pos) + len(part.val_neg) == val.size * fdataset.n_drugs
    assert not part.negative_pool[:, val].any() and not part.negative_pool[:, new].any()
    known = fdataset.associations.copy()
    known[:, new] = False
    merged = part.merged().train_matrix()
    assert np.array_equal(merged, known)
    again = disease_held_out_part(fdataset.associations, seed=3, val_fraction=0.2, exclude=[new])
    assert np.array_equal(again.val_pos, part.val_pos)


def test_a_disease_named_like_a_known_one_gets_its_drugs(fdataset):
    table = rank_for_new_disease(fdataset, "Alzheimer disease", model="kronrls", seed=0, top=10)
    assert table.columns.tolist() == ["rank", "id", "name", "score"]
    assert table["score"].is_monotonic_decreasing and table["rank"].tolist() == list(range(1, 11))
    nearest_id, nearest_name, similarity = table.attrs["nearest"][0]
    assert "Alzheimer" in nearest_name and similarity > 0.8
    alzheimer = fdataset.diseases["id"].tolist().index(nearest_id)
    known = set(fdataset.drugs["id"][fdataset.associations[:, alzheimer]])
    assert len(known & set(table["id"][:5])) >= 3
    assert table.attrs["seed"] == 0 and table.attrs["model"] == "kronrls"
    assert table.attrs["config"]["best_lambda"] in KronRLS().lambdas


def test_diseases_removed_from_the_data_set_are_found_again_by_name(fdataset, scores_in_order):
    """Cold start for real: a disease dropped from the data set, asked for by its name."""
    rng = np.random.default_rng(0)
    degrees = fdataset.associations.sum(0)
    picked = rng.choice(np.flatnonzero(degrees >= 5), 4, replace=False)
    scores = []
    for k in picked:
        table = rank_for_new_disease(fdataset.without(diseases=[k]),
                                     fdataset.diseases["name"].iloc[k], model="kronrls", seed=0,
                                     top=None)
        column = scores_in_order(table, fdataset.drugs["id"])
        scores.append(auroc(fdataset.associations[:, k], column))
    assert np.mean(scores) > 0.75  # chance is 0.5


def test_a_data_set_without_disease_names_cannot_place_it(small):
    nameless = replace(small, diseases=small.diseases.assign(name=None))
    with pytest.raises(DataFormatError, match="no disease of small has a name"):
        rank_for_new_disease(nameless, "Alzheimer disease", model="kronrls", seed=0)


def test_the_default_model_places_a_disease_by_name(fdataset):
    table = rank_for_new_disease(fdataset, "Alzheimer disease", seed=0, top=10)
    assert table.attrs["model"] == "multimodal"
    alzheimer = fdataset.diseases["id"].tolist().index(table.attrs["nearest"][0][0])
    known = set(fdataset.drugs["id"][fdataset.associations[:, alzheimer]])
    assert len(known & set(table["id"][:5])) >= 3
    with pytest.raises(UnknownNameError, match="unknown model 'gnn'"):
        rank_for_new_disease(fdataset, "Alzheimer disease", model="gnn", seed=0)


def test_names_only_models_never_read_the_disease_views(fdataset):
    from graphmed.models import DiseaseNamesOnly
    from graphmed.splits import make_folds

    fold = make_folds("new-disease", fdataset.associations, seed=0, n_folds=10)[0]
    part = fold.train_part()
    data = replace(fdataset, associations=part.train_matrix())
    names_only = DiseaseNamesOnly(KronRLS(text_views=("disease",))).fit(data, part)
    reference = KronRLS(text_views=("disease",)).fit(replace(data, disease_similarities={}), part)
    assert np.array_equal(names_only.score_matrix(), reference.score_matrix())
    assert np.array_equal(names_only.validation_score_matrix(),
                          reference.validation_score_matrix())
    shipped = KronRLS(text_views=("disease",)).fit(data, part).score_matrix()
    assert not np.allclose(names_only.score_matrix(), shipped)
    config = names_only.config()
    assert config["text_views"] == ["disease"] and config["disease_names_only"]
    assert names_only.name == "kronrls-disease-names-only" and names_only.uses_validation


@pytest.mark.parametrize("kwargs, match", [
    ({"top": -1}, "top must be a positive integer or None, got -1"),
    ({"top": 2.5}, "top must be a positive integer or None, got 2.5"),
    ({"neighbours": -1}, "neighbours must be an integer >= 0, got -1"),
])
def test_settings_are_checked_before_fitting(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rank_for_new_disease(small, "a rare disease", model="kronrls", **kwargs)
