"""Node modalities of drug–disease data sets, including Cdataset's unnamed diseases."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("rdkit")

from graphmed.features.entity_modalities import drug_disease_modalities  # noqa: E402


def test_text_modality_masks_cdatasets_unnamed_diseases(cdataset, minilm):
    text = drug_disease_modalities(cdataset, ["text"], text_encoder=minilm)["text"]
    nd, ns = cdataset.n_drugs, cdataset.n_diseases
    assert len(text) == nd + ns
    unnamed = cdataset.diseases["name"].isna().to_numpy()
    assert unnamed.sum() == 102
    assert text.mask[:nd].all()
    assert (text.mask[nd:] == ~unnamed).all()
    assert (text.values[nd:][unnamed] == 0).all()
    assert np.allclose(np.linalg.norm(text.values[text.mask], axis=1), 1.0, atol=1e-4)


def test_molecular_modalities_exist_for_drugs_only(fdataset):
    mods = drug_disease_modalities(fdataset, ["morgan", "descriptors"])
    nd = fdataset.n_drugs
    for feats in mods.values():
        assert len(feats) == nd + fdataset.n_diseases
        assert feats.mask[:nd].mean() > 0.95 and not feats.mask[nd:].any()
        assert (feats.values[nd:] == 0).all()
    assert mods["morgan"].dim == 1024 and set(np.unique(mods["morgan"].values)) <= {0.0, 1.0}


def test_modalities_are_computed_once_per_entity_tables(fdataset):
    from dataclasses import replace

    first = drug_disease_modalities(fdataset, ["morgan"])["morgan"]
    # a fold's training view has other associations but the same entities
    fewer = fdataset.associations.copy()
    fewer[:, 0] = False
    fold_view = replace(fdataset, associations=fewer)
    assert drug_disease_modalities(fold_view, ["morgan"])["morgan"] is first


def test_bad_modality_requests(fdataset):
    with pytest.raises(ValueError, match="unknown modalities"):
        drug_disease_modalities(fdataset, ["pictures"])
    with pytest.raises(ValueError, match="SMILES Transformer folder"):
        drug_disease_modalities(fdataset, ["smiles"])


def test_text_similarity_marks_unnamed_diseases_unknown(cdataset, minilm):
    from graphmed.features.entity_modalities import text_similarity

    sim = text_similarity(cdataset, "disease", text_encoder=minilm)
    unnamed = cdataset.diseases["name"].isna().to_numpy()
    assert sim.shape == (cdataset.n_diseases,) * 2
    assert np.isnan(sim[unnamed][:, ~unnamed]).all()
    assert np.allclose(np.diag(sim), 1.0)
    named = sim[~unnamed][:, ~unnamed]
    assert np.allclose(named, named.T) and named.min() >= 0 and named.max() <= 1 + 1e-6


def test_with_text_similarity_adds_a_view_that_leaves_unnamed_diseases_as_they_were(cdataset, minilm):
    from graphmed.features.entity_modalities import with_text_similarity
    from graphmed.similarity import mean_view

    data = with_text_similarity(cdataset, ["disease"], text_encoder=minilm)
    assert set(data.disease_similarities) == set(cdataset.disease_similarities) | {"text"}
    assert data.drug_similarities.keys() == cdataset.drug_similarities.keys()
    unnamed = cdataset.diseases["name"].isna().to_numpy()
    before = mean_view(cdataset.disease_similarities)
    after = mean_view(data.disease_similarities)
    assert np.allclose(after[unnamed][:, ~unnamed], before[unnamed][:, ~unnamed])
    assert not np.allclose(after[~unnamed][:, ~unnamed], before[~unnamed][:, ~unnamed])
    assert np.isfinite(after).all()
    with pytest.raises(ValueError, match="kind"):
        with_text_similarity(cdataset, ["gene"], text_encoder=minilm)


def test_text_view_without_other_views_scores_unnamed_entities_0(fdataset):
    from dataclasses import replace

    from graphmed.ehr import HashingTextEncoder
    from graphmed.features.entity_modalities import with_text_similarity

    diseases = fdataset.diseases.copy()
    unnamed = np.zeros(len(diseases), dtype=bool)
    unnamed[::3] = True
    diseases.loc[unnamed, "name"] = None
    plain = replace(fdataset, diseases=diseases, drug_similarities={}, disease_similarities={})
    data = with_text_similarity(plain, ["disease"], text_encoder=HashingTextEncoder(dim=64))
    sim = data.disease_similarities["text"]
    assert set(data.disease_similarities) == {"text"} and np.isfinite(sim).all()
    assert (sim[unnamed][:, ~unnamed] == 0).all() and np.allclose(np.diag(sim), 1.0)
    assert sim[~unnamed][:, ~unnamed].max() > 0
