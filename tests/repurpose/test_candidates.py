"""Ranked candidates: order, known pairs, both directions, and errors on bad input."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.errors import AmbiguousNameError, DataFormatError, UnknownNameError
from graphmed.repurpose import CANDIDATE_COLUMNS, mark_known_in, rank_candidates


@pytest.fixture()
def scores(small):
    rng = np.random.default_rng(1)
    return rng.normal(size=(small.n_drugs, small.n_diseases))


def test_drugs_for_a_disease(small, scores):
    table = rank_candidates(scores, small, disease="diabetes mellitus", top=10)
    assert tuple(table.columns) == CANDIDATE_COLUMNS
    column = scores[:, 2]
    unknown = [i for i in np.argsort(-column) if not small.associations[i, 2]]
    assert table["id"].tolist() == [small.drugs["id"][i] for i in unknown]
    assert table["rank"].tolist() == list(range(1, len(unknown) + 1))
    assert np.allclose(table["score"], column[unknown]) and not table["known"].any()
    assert table["name"].tolist()[unknown.index(4)] == "DB05"  # no name: the id
    assert table.attrs["id"] == "D3" and table.attrs["candidates"] == "drug"


def test_known_pairs_can_be_kept_and_are_flagged(small, scores):
    table = rank_candidates(scores, small, disease="D3", top=None, exclude_known=False)
    assert len(table) == small.n_drugs
    assert set(table.loc[table["known"], "id"]) == {"DB03", "DB04"}
    assert table["score"].is_monotonic_decreasing


def test_diseases_for_a_drug(small, scores):
    table = rank_candidates(scores, small, drug="aspirin", top=1)
    best = max((s for s in range(4) if not small.associations[0, s]), key=lambda s: scores[0, s])
    assert table["id"].tolist() == [small.diseases["id"][best]]
    assert table.attrs["kind"] == "drug" and table.attrs["candidates"] == "disease"


def test_candidates_marked_with_what_another_data_set_lists(small):
    import pandas as pd

    from graphmed.datasets import DrugDiseaseDataset

    # another curation: same ids for DB01-DB03 and D1-D3, plus its own; lists DB02-D3, DB01-D3
    other = DrugDiseaseDataset.from_tables(
        "other", pd.DataFrame({"drug_id": ["DB02", "DB01", "DB09"], "disease_id": ["D3", "D3", "D1"]}),
        drugs=pd.DataFrame({"id": ["DB09", "DB02", "DB01", "DB03"]}),
        diseases=pd.DataFrame({"id": ["D3", "D1", "D2"]}))
    drugs = rank_candidates(np.zeros((5, 4)), small, disease="D3", top=None)
    marked = mark_known_in(drugs, other)
    assert marked["id"].tolist() == ["DB01", "DB02", "DB05"]
    assert marked["in_other"].fillna(False).tolist() == [True, True, False]
    assert marked["in_other"].isna().tolist() == [False, False, True]  # no DB05 in other
    assert marked.attrs == drugs.attrs and "in_other" not in drugs  # a copy
    diseases = mark_known_in(rank_candidates(np.zeros((5, 4)), small, drug="DB01", top=None), other)
    assert diseases["id"].tolist() == ["D3", "D4"]
    assert diseases["in_other"].isna().tolist() == [False, True]  # no D4 in other
    assert bool(diseases["in_other"].iloc[0])
    with pytest.raises(ValueError, match="needs a table from rank_candidates"):
        mark_known_in(pd.DataFrame({"id": ["DB01"]}), other)
    with pytest.raises(ValueError, match="needs a table from rank_candidates"):
        mark_known_in(["DB01"], other)


def test_ties_keep_data_order(small):
    table = rank_candidates(np.zeros((5, 4)), small, disease="D4", top=None)
    assert table["id"].tolist() == ["DB01", "DB02", "DB03", "DB04"]


def test_accepts_a_fitted_model(small):
    from graphmed.repurpose import fit_for_repurposing

    model = fit_for_repurposing(small, "knn", seed=0)
    table = rank_candidates(model, small, disease="D1", top=2)
    assert np.allclose(table["score"], np.sort(model.scores[~small.associations[:, 0], 0])[::-1][:2])
    assert table.attrs["model"] == "knn"


def test_bad_input(small, scores, fdataset):
    with pytest.raises(ValueError, match="exactly one"):
        rank_candidates(scores, small)
    with pytest.raises(ValueError, match="exactly one"):
        rank_candidates(scores, small, disease="D1", drug="DB01")
    with pytest.raises(ValueError, match="top"):
        rank_candidates(scores, small, disease="D1", top=0)
    with pytest.raises(DataFormatError, match="shape"):
        rank_candidates(scores.T, small, disease="D1")
    with pytest.raises(DataFormatError, match="NaN"):
        rank_candidates(np.full((5, 4), np.nan), small, disease="D1")
    infinite = np.zeros((5, 4))
    infinite[2, 0] = np.inf  # ties with any other infinite score and writes as no number
    with pytest.raises(DataFormatError, match="first, infinite, at drug index 2, disease index 0"):
        rank_candidates(infinite, small, disease="D1")
    with pytest.raises(UnknownNameError, match="did you mean .Crohn's Disease \\(D2\\)"):
        rank_candidates(scores, small, disease="crohns desease")
    with pytest.raises(AmbiguousNameError, match="Diabetes Insipidus \\(D4\\)"):
        rank_candidates(scores, small, disease="diabetes")
    with pytest.raises(IndexError):
        rank_candidates(scores, small, disease=7)
    with pytest.raises(TypeError, match="score_matrix"):
        rank_candidates(object(), small, disease="D1")


def test_model_of_another_dataset_is_refused(kronrls_model, small):
    with pytest.raises(DataFormatError, match="fitted on 'fdataset'.*'small'"):
        rank_candidates(kronrls_model, small, disease="D1")


def test_fdataset_candidates(kronrls_model, fdataset):
    table = rank_candidates(kronrls_model, fdataset, disease="Alzheimer disease", top=20)
    assert len(table) == 20 and table.attrs["id"] == "D104300"
    assert not table["known"].any() and table["score"].is_monotonic_decreasing
    with_known = rank_candidates(kronrls_model, fdataset, disease="D104300", top=5, exclude_known=False)
    assert with_known["known"].sum() >= 3  # the known Alzheimer drugs score highest
