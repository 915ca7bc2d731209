"""Diseases for a compound outside the data set, placed by its structure alone."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from graphmed.errors import DataFormatError
from graphmed.evaluation.metrics import auroc
from graphmed.repurpose import rank_for_new_drug, swap_roles, with_new_drug
from graphmed.repurpose.new_drug import structure_similarity

ASPIRIN = "CC(=O)OC1=CC=CC=C1C(=O)O"


def test_the_new_drug_is_a_last_row_without_associations(small):
    data = with_new_drug(small, f" {ASPIRIN} ", name="aspirin")
    assert data.associations.shape == (small.n_drugs + 1, small.n_diseases)
    assert not data.associations[-1].any()
    assert data.drugs.iloc[-1][["id", "name", "smiles"]].tolist() == ["new-drug", "aspirin", ASPIRIN]
    assert with_new_drug(small, ASPIRIN).drugs["name"].iloc[-1] == ASPIRIN   # no name: SMILES
    assert data.drug_similarities == {}
    assert data.disease_similarities.keys() == small.disease_similarities.keys()
    with pytest.raises(DataFormatError, match="^the new drug: invalid SMILES 'C1CC'$"):
        with_new_drug(small, "C1CC")
    with pytest.raises(DataFormatError, match="needs a SMILES"):
        with_new_drug(small, "  ")
    with pytest.raises(DataFormatError, match="already has a drug"):
        with_new_drug(data, ASPIRIN)


def test_swapping_roles_transposes_and_swaps_back(small):
    swapped = swap_roles(small)
    assert np.array_equal(swapped.associations, small.associations.T)
    assert swapped.drugs["id"].tolist() == small.diseases["id"].tolist()
    assert swapped.diseases["id"].tolist() == small.drugs["id"].tolist()
    assert swapped.drug_similarities.keys() == small.disease_similarities.keys()
    back = swap_roles(swapped)
    assert np.array_equal(back.associations, small.associations)
    assert back.disease_similarities.keys() == small.disease_similarities.keys()


def test_structure_similarity_is_tanimoto_of_morgan_bits(small):
    data = with_new_drug(small, ASPIRIN)
    data = replace(data, drugs=data.drugs.assign(smiles=[ASPIRIN, "OC(=O)C1=CC=CC=C1O", "CCO",
                                                         None, "not a molecule", ASPIRIN]))
    similarity = structure_similarity(data)
    assert np.allclose(similarity, similarity.T) and np.allclose(np.diag(similarity), 1.0)
    assert similarity[0, 5] == 1.0 and 0.2 < similarity[0, 1] < 1.0 and similarity[0, 2] < 0.2
    assert (similarity[3, [0, 1, 2, 4, 5]] == 0).all() and (similarity[4, [0, 1, 2, 3, 5]] == 0).all()


def test_a_known_structure_finds_its_drug_and_diseases(fdataset, scores_in_order):
    donepezil = fdataset.drugs["id"].tolist().index("DB00843")
    table = rank_for_new_drug(fdataset, fdataset.drugs["smiles"].iloc[donepezil], name="donepezil",
                              seed=0, top=None)
    assert table.attrs["nearest"][0][:2] == ("DB00843", "Donepezil")
    assert table.attrs["nearest"][0][2] == pytest.approx(1.0)
    assert len(table) == fdataset.n_diseases and table["score"].is_monotonic_decreasing
    scores = scores_in_order(table, fdataset.diseases["id"])
    assert auroc(fdataset.associations[donepezil], scores) > 0.9


def test_drugs_removed_from_the_data_set_are_placed_by_structure(fdataset, scores_in_order):
    """Cold start for real: a drug dropped from the data set, asked for by its SMILES."""
    rng = np.random.default_rng(1)
    picked = rng.choice(np.flatnonzero(fdataset.associations.sum(1) >= 5), 4, replace=False)
    scores = []
    for k in picked:
        table = rank_for_new_drug(fdataset.without(drugs=[k]), fdataset.drugs["smiles"].iloc[k],
                                  seed=0, top=None)
        scores.append(auroc(fdataset.associations[k],
                            scores_in_order(table, fdataset.diseases["id"])))
    assert np.mean(scores) > 0.7  # chance is 0.5


def test_a_data_set_without_smiles_cannot_place_it(small):
    no_smiles = replace(small, drugs=small.drugs.assign(smiles=None))
    with pytest.raises(DataFormatError, match="no drug of small has a valid SMILES"):
        rank_for_new_drug(no_smiles, ASPIRIN, seed=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"top": 0}, "top must be a positive integer or None, got 0"),
    ({"neighbours": 1.5}, "neighbours must be an integer >= 0, got 1.5"),
])
def test_settings_are_checked_before_fitting(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rank_for_new_drug(small, ASPIRIN, **kwargs)
