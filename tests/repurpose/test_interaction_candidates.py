"""Interaction candidates: validation part, setting chosen then refitted, ranked partners."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.interactions import InteractionGraph, unique_pairs
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.evaluation import auroc
from graphmed.models.spectral_link import SpectralLinkModel
from graphmed.repurpose.interactions import (InteractionModel, fit_interactions,
                                             rank_interactions, validation_split)


def _graph(pairs, n, name="toy") -> InteractionGraph:
    drugs = pd.DataFrame({"id": [f"D{i:03d}" for i in range(n)],
                          "name": [f"drug {i}" for i in range(n)]})
    return InteractionGraph(name, drugs, unique_pairs(pairs))


@pytest.fixture(scope="module")
def groups() -> InteractionGraph:
    """Two groups of 20 drugs; pairs within a group interact with probability .5, none across."""
    rng = np.random.default_rng(0)
    pairs = [(g * 20 + i, g * 20 + j) for g in range(2) for i in range(20) for j in range(i + 1, 20)
             if rng.random() < 0.5]
    return _graph(pairs, 40)


def test_validation_split_holds_out_interactions_and_non_interacting_pairs(groups):
    split = validation_split(groups, seed=3, val_fraction=0.1)
    n_val = round(0.1 * groups.n_interactions)
    assert len(split["valid_pos"]) == len(split["valid_neg"]) == n_val
    assert len(split["train"]) == groups.n_interactions - n_val
    key = lambda pairs: set(map(tuple, pairs.tolist()))  # noqa: E731
    assert key(split["train"]) | key(split["valid_pos"]) == key(groups.edges)
    assert not key(split["valid_neg"]) & key(groups.edges)
    assert (split["valid_neg"][:, 0] < split["valid_neg"][:, 1]).all()
    again = validation_split(groups, seed=3, val_fraction=0.1)
    assert all(np.array_equal(split[k], again[k]) for k in split)
    with pytest.raises(DataFormatError, match="at least 20 are needed"):
        validation_split(_graph([(0, 1), (1, 2)], 3), seed=0)
    with pytest.raises(ValueError, match="val_fraction"):
        validation_split(groups, seed=0, val_fraction=1.0)


def test_partners_ranked_from_the_own_group(groups):
    model = fit_interactions(groups, seed=0)
    assert model.seed == 0 and model.n_interactions == groups.n_interactions
    assert model.setting in SpectralLinkModel().candidates()
    assert model.model.num_nodes == 40 and model.model.tau == model.setting[2]
    table = rank_interactions(model, groups, "drug 3", top=None)
    assert table.attrs["id"] == "D003" and table.attrs["graph"] == "toy"
    partners = groups.partners(3)
    assert not table["known"].any() and len(table) == 40 - 1 - partners.sum()
    assert "D003" not in set(table["id"])
    assert table["id"].iloc[:3].str[1:].astype(int).lt(20).all(), table  # the own group leads
    separation = []  # for every drug: its own group's candidates above the other group's
    for drug in range(40):
        ranked = rank_interactions(model, groups, drug, top=None)
        own = (ranked["id"].str[1:].astype(int) // 20 == drug // 20).to_numpy()
        separation.append(auroc(own, ranked["score"]))
    assert np.mean(separation) > 0.75, np.mean(separation)  # chance: .5; measured .83
    assert table["score"].is_monotonic_decreasing
    everyone = rank_interactions(model, groups, 3, top=None, exclude_known=False)
    assert len(everyone) == 39 and everyone["known"].sum() == partners.sum()
    assert everyone["known"].iloc[:5].all()  # known partners score highest


def test_a_single_setting_is_scored_on_validation_too(groups):
    single = SpectralLinkModel(normalizations=(0.4,), degree_exponents=(0.3,), thresholds=(0.03,))
    model = fit_interactions(groups, seed=1, selector=single)
    assert model.setting == (0.4, 0.3, 0.03) and model.seed == 1
    split = validation_split(groups, seed=1)
    check = SpectralLinkModel(normalizations=(0.4,), degree_exponents=(0.3,), thresholds=(0.03,))
    check.fit(split["train"], groups.n_drugs)
    from graphmed.evaluation import hits_at_k

    assert model.validation_hits == pytest.approx(
        hits_at_k(check.score(split["valid_pos"]), check.score(split["valid_neg"]), 20))


def test_rank_errors(groups):
    model = fit_interactions(groups, seed=0)
    with pytest.raises(UnknownNameError):
        rank_interactions(model, groups, "aspirin")
    with pytest.raises(ValueError, match="top must be"):
        rank_interactions(model, groups, 0, top=0)
    other = _graph(groups.edges[1:], 40, name="other")  # one interaction fewer
    with pytest.raises(DataFormatError, match="fitted on 'toy'"):
        rank_interactions(model, other, 0)


def test_save_and_load_give_the_same_ranking(groups, tmp_path):
    model = fit_interactions(groups, seed=0)
    path = model.save(tmp_path / "ddi.npz")
    loaded = InteractionModel.load(path, groups)
    assert (loaded.setting, loaded.seed, loaded.validation_hits) == (
        model.setting, 0, pytest.approx(model.validation_hits))
    pd.testing.assert_frame_equal(rank_interactions(loaded, groups, 5, top=None),
                                  rank_interactions(model, groups, 5, top=None))
    with pytest.raises(DataFormatError, match="fitted on 'toy'"):
        InteractionModel.load(path, _graph(groups.edges[1:], 40))
    with pytest.raises(DataFormatError, match="no such file"):
        InteractionModel.load(tmp_path / "absent.npz")
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(DataFormatError, match="not a graphmed checkpoint"):
        InteractionModel.load(tmp_path / "text.npz")
    from graphmed.models.checkpoint import save_checkpoint

    save_checkpoint(tmp_path / "other.npz", {"w": np.zeros(2)}, {"model": "gnn"})
    with pytest.raises(DataFormatError, match="not an interaction model"):
        InteractionModel.load(tmp_path / "other.npz")


def test_held_out_ogbl_ddi_interactions_rank_high(data_root):
    """On the 600 most connected drugs of ogbl-ddi, interactions removed from the graph
    rank above pairs with no known interaction (measured AUROC .82; chance .5)."""
    from graphmed.datasets.ogbl_ddi import load_ogbl_ddi

    ddi = load_ogbl_ddi(data_root)
    edges = ddi.split_edge["train"]["edge"].numpy()
    degree = np.bincount(edges.ravel(), minlength=ddi.num_nodes)
    keep = np.sort(np.argsort(-degree, kind="stable")[:600])
    position = np.full(ddi.num_nodes, -1)
    position[keep] = np.arange(600)
    inside = unique_pairs(position[edges[(position[edges] >= 0).all(axis=1)]])
    rng = np.random.default_rng(0)
    removed = rng.random(len(inside)) < 0.05
    graph = _graph(inside[~removed], 600, name="ddi-600")
    selector = SpectralLinkModel(normalizations=(0.4,), thresholds=(0.02, 0.03, 0.05))
    model = fit_interactions(graph, seed=0, selector=selector)
    assert 0 < model.validation_hits <= 1
    negatives = unique_pairs(rng.integers(0, 600, size=(40_000, 2)))
    key = lambda p: p[:, 0] * 600 + p[:, 1]  # noqa: E731
    negatives = negatives[~np.isin(key(negatives), key(inside))][:5000]
    held_out = inside[removed]
    scores = model.model.score(np.concatenate([held_out, negatives])).numpy()
    labels = np.r_[np.ones(len(held_out)), np.zeros(len(negatives))]
    assert auroc(labels, scores) > 0.75
