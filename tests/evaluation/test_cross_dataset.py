"""Cross-data-set validation: matching by id, candidates, confirmed pairs, metrics, errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from graphmed.datasets import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.evaluation.cross_dataset import (cross_dataset_validation, expected_top_k_hits,
                                               listed_in, shared_entities)
from graphmed.models import KronRLS, Popularity
from graphmed.repurpose import fit_for_repurposing


def _dataset(name, drug_ids, disease_ids, pairs) -> DrugDiseaseDataset:
    associations = np.zeros((len(drug_ids), len(disease_ids)), dtype=bool)
    drug_at = {d: i for i, d in enumerate(drug_ids)}
    disease_at = {d: i for i, d in enumerate(disease_ids)}
    for drug, disease in pairs:
        associations[drug_at[drug], disease_at[disease]] = True
    return DrugDiseaseDataset(
        name, associations,
        pd.DataFrame({"id": drug_ids, "name": [f"drug {d}" for d in drug_ids]}),
        pd.DataFrame({"id": disease_ids, "name": [f"disease {d}" for d in disease_ids]}))


# source: drugs a b c x, diseases p q r; target (other order, other entities): drugs c b a y,
# diseases r q s p. Shared: drugs a b c, diseases p q r.
SOURCE = _dataset("src", ["a", "b", "c", "x"], ["p", "q", "r"],
                  [("a", "p"), ("b", "q"), ("x", "r"), ("c", "r")])
TARGET = _dataset("tgt", ["c", "b", "a", "y"], ["r", "q", "s", "p"],
                  [("a", "p"), ("a", "q"), ("c", "p"), ("y", "s"), ("b", "r")])


def test_shared_entities_match_ids_in_source_order():
    shared = shared_entities(SOURCE, TARGET)
    np.testing.assert_array_equal(shared.source_drugs, [0, 1, 2])
    np.testing.assert_array_equal(shared.target_drugs, [2, 1, 0])
    np.testing.assert_array_equal(shared.source_diseases, [0, 1, 2])
    np.testing.assert_array_equal(shared.target_diseases, [3, 1, 0])
    # the target block is the target's labels on the source's drugs and diseases
    np.testing.assert_array_equal(shared.target_block(TARGET.associations),
                                  [[1, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_candidates_are_shared_pairs_the_source_does_not_list():
    scores = np.arange(12, dtype=float).reshape(4, 3)  # x's row must never be read
    result = cross_dataset_validation(scores, SOURCE, TARGET, ks=(1, 2, 10))
    # shared block: 9 pairs, 3 listed by the source (a-p, b-q, c-r) -> 6 candidates;
    # target lists a-q, b-r, c-p among them (a-p is listed by both, so it is no candidate)
    assert (result.n_drugs, result.n_diseases) == (3, 3)
    assert result.n_candidates == 6 and result.n_confirmed == 3
    assert result.n_source_only == 2  # b-q and c-r: listed by the source, not the target
    values = {("a", "q"): 1, ("a", "r"): 2, ("b", "p"): 3, ("b", "r"): 5, ("c", "p"): 6,
              ("c", "q"): 7}
    confirmed = {("a", "q"), ("b", "r"), ("c", "p")}
    labels = np.array([pair in confirmed for pair in values])
    scored = np.array(list(values.values()), dtype=float)
    assert result.auroc == pytest.approx(roc_auc_score(labels, scored))
    assert result.aupr == pytest.approx(average_precision_score(labels, scored))
    assert result.hits == {1: 0.0, 2: 1.0, 10: 3.0}  # best: c-q (7, unconfirmed), then c-p
    assert result.expected_hits == {1: 0.5, 2: 1.0, 10: 3.0}
    assert result.enrichment(2) == pytest.approx(1.0)
    assert list(result.confirmed["drug_id"]) == ["c", "b", "a"]
    assert list(result.confirmed["rank"]) == [2.0, 3.0, 6.0]
    assert list(result.confirmed["disease"]) == ["disease p", "disease r", "disease q"]
    assert result.to_dict()["hits"] == {"1": 0.0, "2": 1.0, "10": 3.0}


def test_ties_count_their_expected_share():
    scores = np.array([3.0, 2.0, 2.0, 2.0, 1.0])
    labels = np.array([0, 1, 0, 0, 1], dtype=bool)
    assert expected_top_k_hits(scores, labels, 1) == 0.0
    assert expected_top_k_hits(scores, labels, 2) == pytest.approx(1 / 3)
    assert expected_top_k_hits(scores, labels, 3) == pytest.approx(2 / 3)
    assert expected_top_k_hits(scores, labels, 4) == pytest.approx(1.0)
    assert expected_top_k_hits(scores, labels, 5) == pytest.approx(2.0)
    assert expected_top_k_hits(scores, labels, 50) == pytest.approx(2.0)


def test_errors_name_the_problem():
    with pytest.raises(DataFormatError, match=r"shape \(2, 2\); src needs \(4, 3\)"):
        cross_dataset_validation(np.zeros((2, 2)), SOURCE, TARGET)
    bad = np.zeros((4, 3))
    bad[2, 1] = np.nan
    with pytest.raises(DataFormatError, match="1 scores are not finite, e.g. drug 'c' x disease 'q'"):
        cross_dataset_validation(bad, SOURCE, TARGET)
    other = _dataset("other", ["a", "b"], ["u", "v"], [("a", "u")])
    with pytest.raises(DataFormatError, match="share 2 drug ids and 0 disease ids"):
        cross_dataset_validation(np.zeros((4, 3)), SOURCE, other)
    same = _dataset("same", ["a", "b", "c"], ["p", "q", "r"], [("a", "p")])
    with pytest.raises(DataFormatError, match="lists no pair of the 6 shared pairs"):
        cross_dataset_validation(np.zeros((4, 3)), SOURCE, same)
    with pytest.raises(TypeError, match=r"got the name 'kronrls'; fit one first, e.g. "
                                        r"fit_for_repurposing\(source, 'kronrls', seed=0\)"):
        cross_dataset_validation("kronrls", SOURCE, TARGET)


def test_takes_a_fitted_model_and_reads_only_source_labels():
    model = fit_for_repurposing(SOURCE, Popularity(), seed=0)
    from_model = cross_dataset_validation(model, SOURCE, TARGET)
    from_scores = cross_dataset_validation(model.score_matrix(), SOURCE, TARGET)
    assert from_model.to_dict() == from_scores.to_dict()


def test_fdataset_candidates_confirmed_by_cdataset(fdataset, cdataset):
    """Kronecker RLS fitted on Fdataset ranks the 57 associations Cdataset adds (among
    174,330 shared pairs Fdataset does not list) far above chance (measured .91)."""
    model = fit_for_repurposing(fdataset, KronRLS(), seed=0)
    result = cross_dataset_validation(model, fdataset, cdataset)
    assert (result.n_drugs, result.n_diseases) == (574, 307)
    assert result.n_candidates == 174_330 and result.n_confirmed == 57
    assert result.auroc > 0.85, result.to_dict()
    assert result.hits[500] > 10 * result.expected_hits[500]
    popularity = cross_dataset_validation(fit_for_repurposing(fdataset, Popularity(), seed=0),
                                          fdataset, cdataset)
    assert result.auroc > popularity.auroc + 0.1


def test_listed_in_marks_pairs_and_unknown_entities():
    marks = listed_in(TARGET, ["a", "a", "b", "x", "c"], ["q", "r", "s", "p", "p"])
    assert marks.dtype == "boolean"
    # a-q and c-p listed; a-r and b-s held but not listed; x is no drug of the target
    assert marks.fillna(False).tolist() == [True, False, False, False, True]
    assert marks.isna().tolist() == [False, False, False, True, False]
    with pytest.raises(ValueError, match="one per pair"):
        listed_in(TARGET, ["a"], ["p", "q"])


def test_confirmed_candidates_take_names_from_either_data_set():
    unnamed = DrugDiseaseDataset("unnamed", SOURCE.associations,
                                 pd.DataFrame({"id": ["a", "b", "c", "x"]}),
                                 pd.DataFrame({"id": ["p", "q", "r"],
                                               "name": ["disease p", None, "disease r"]}))
    result = cross_dataset_validation(np.arange(12.0).reshape(4, 3), unnamed, TARGET)
    assert list(result.confirmed["drug"]) == ["drug c", "drug b", "drug a"]  # the target's
    assert list(result.confirmed["disease"]) == ["disease p", "disease r", "disease q"]
    bare = DrugDiseaseDataset("bare", TARGET.associations, TARGET.drugs[["id"]],
                              TARGET.diseases[["id"]])
    result = cross_dataset_validation(np.arange(12.0).reshape(4, 3), unnamed, bare)
    assert list(result.confirmed["drug"]) == ["c", "b", "a"]  # no name anywhere: the id
    assert list(result.confirmed["disease"]) == ["disease p", "disease r", "q"]


def test_cut_offs_and_ids_are_checked():
    scores = np.zeros((SOURCE.n_drugs, SOURCE.n_diseases))
    with pytest.raises(TypeError, match="ks must be a sequence of positive integers, got 20"):
        cross_dataset_validation(scores, SOURCE, TARGET, ks=20)
    for ks in ((10, 0), (2.5,)):
        with pytest.raises(ValueError, match="ks: k must be a positive integer"):
            cross_dataset_validation(scores, SOURCE, TARGET, ks=ks)
    with pytest.raises(TypeError, match="drug_ids must be a list of ids .*not one string"):
        listed_in(TARGET, "a", ["p"])


def test_a_metric_that_cannot_be_computed_is_null_in_json():
    import json

    # the only confirmed candidates are both of disease q's, so no disease has a confirmed
    # and an unconfirmed candidate: the per-disease AUROC has nothing to average
    target = _dataset("tgt", ["a", "b", "c"], ["p", "q", "r"], [("a", "q"), ("c", "q")])
    result = cross_dataset_validation(np.arange(12.0).reshape(4, 3), SOURCE, target, ks=(1,))
    assert np.isnan(result.disease_auroc) and result.disease_count == 0
    record = result.to_dict()
    assert record["disease_auroc"] is None and record["auroc"] == pytest.approx(result.auroc)
    json.dumps(record, allow_nan=False)  # valid JSON: no bare NaN
