"""A model fitted for repositioning: the validation carve, the graph pairs, save and load."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from graphmed.errors import DataFormatError
from graphmed.models import GNNLinkPredictor, KronRLS
from graphmed.models.checkpoint import save_checkpoint
from graphmed.repurpose import RepurposingModel, fit_for_repurposing, repurposing_part


def test_repurposing_part_covers_every_known_pair(fdataset):
    part = repurposing_part(fdataset.associations, seed=5, val_fraction=0.1)
    known = {tuple(p) for p in fdataset.positive_pairs}
    train, val = {tuple(p) for p in part.train_pos}, {tuple(p) for p in part.val_pos}
    assert train | val == known and not train & val
    assert len(val) == round(0.1 * len(known))
    negatives = np.concatenate([part.train_neg, part.val_neg])
    assert len(negatives) == fdataset.associations.size - len(known)
    assert not fdataset.associations[negatives[:, 0], negatives[:, 1]].any()
    assert part.negative_pool.sum() == len(part.train_neg)
    again = repurposing_part(fdataset.associations, seed=5, val_fraction=0.1)
    assert np.array_equal(again.val_pos, part.val_pos)
    assert not np.array_equal(repurposing_part(fdataset.associations, seed=6).val_pos, part.val_pos)
    with pytest.raises(ValueError):
        repurposing_part(fdataset.associations, seed=0, val_fraction=1.0)


def test_kronrls_is_fitted_on_every_known_pair(kronrls_model, fdataset):
    assert kronrls_model.model_name == "kronrls" and kronrls_model.seed == 0
    assert len(kronrls_model.train_pairs) == fdataset.n_associations  # refitted with validation
    assert len(kronrls_model.validation_pairs) == round(0.1 * fdataset.n_associations)
    assert kronrls_model.model_config["best_lambda"] in KronRLS().lambdas
    assert kronrls_model.scores.shape == fdataset.associations.shape
    assert kronrls_model.dataset_checksum == fdataset.checksum
    assert kronrls_model.attention() is None


def test_seed_is_drawn_and_logged(small, caplog):
    with caplog.at_level(logging.WARNING, logger="graphmed.seed"):
        model = fit_for_repurposing(small, "knn")
    assert f"drew seed={model.seed}" in caplog.text


def test_save_load_round_trip(kronrls_model, fdataset, tmp_path):
    path = kronrls_model.save(tmp_path / "model.npz")
    loaded = RepurposingModel.load(path, fdataset)
    assert np.array_equal(loaded.scores, kronrls_model.scores)
    assert np.array_equal(loaded.train_pairs, kronrls_model.train_pairs)
    assert np.array_equal(loaded.validation_pairs, kronrls_model.validation_pairs)
    assert (loaded.model_name, loaded.seed, loaded.dataset_name) == ("kronrls", 0, "fdataset")
    assert loaded.model_config == kronrls_model.model_config and loaded.model is None
    assert not list(tmp_path.glob(".*tmp"))


def test_load_refuses_other_data_and_other_files(kronrls_model, small, tmp_path):
    path = kronrls_model.save(tmp_path / "model.npz")
    with pytest.raises(DataFormatError, match="fitted on 'fdataset'.*not on the data set given, 'small'"):
        RepurposingModel.load(path, small)
    text = tmp_path / "table.csv"
    text.write_text("rank,id\n1,DB00001\n")
    with pytest.raises(DataFormatError, match="table.csv: not a graphmed checkpoint"):
        RepurposingModel.load(text)
    weights = save_checkpoint(tmp_path / "gnn.npz", {"w": np.zeros(2)}, {"model": "gnn"})
    with pytest.raises(DataFormatError, match="a gnn weights checkpoint, not a repositioning model"):
        RepurposingModel.load(weights)
    with pytest.raises(DataFormatError, match="no such file"):
        RepurposingModel.load(tmp_path / "missing.npz")
    broken = save_checkpoint(tmp_path / "broken.npz", {"scores": np.zeros((3, 2))},
                             {"kind": "graphmed-repurposing"})
    with pytest.raises(DataFormatError, match="lacks train_pairs, validation_pairs"):
        RepurposingModel.load(broken)


def test_load_names_a_hand_edited_entry(kronrls_model, tmp_path):
    from graphmed.models.checkpoint import load_checkpoint

    state, config = load_checkpoint(kronrls_model.save(tmp_path / "model.npz"))
    for name, edit, message in (
            ("no_seed.npz", {"seed": None}, "checkpoint config has a malformed entry"),
            ("text_seed.npz", {"seed": "abc"}, "checkpoint config has a malformed entry"),
            ("no_dataset.npz", {"dataset": ...}, "checkpoint config lacks 'dataset'"),
            ("settings.npz", {"model_config": 5}, "checkpoint config has a malformed entry")):
        edited = {k: v for k, v in {**config, **edit}.items() if v is not ...}
        save_checkpoint(tmp_path / name, state, edited)
        with pytest.raises(DataFormatError, match=f"{name}: {message}"):
            RepurposingModel.load(tmp_path / name)
    save_checkpoint(tmp_path / "text.npz", {**state, "scores": np.array([["a", "b"]])}, config)
    with pytest.raises(DataFormatError, match="text.npz: checkpoint arrays are not numbers"):
        RepurposingModel.load(tmp_path / "text.npz")


def test_tiny_gnn_graph_leaves_validation_pairs_out(fdataset, tmp_path):
    from graphmed.interop import embeddings_frame, gnn_embeddings

    gnn = GNNLinkPredictor(hidden=8, layers=1, epochs=4, eval_every=2, device="cpu")
    model = fit_for_repurposing(fdataset, gnn, seed=1)
    assert len(model.train_pairs) + len(model.validation_pairs) == fdataset.n_associations
    assert not {tuple(p) for p in model.train_pairs} & {tuple(p) for p in model.validation_pairs}
    embeddings = gnn_embeddings(model, fdataset)
    assert embeddings["drug"].shape == (fdataset.n_drugs, 8)
    assert embeddings["disease"].shape == (fdataset.n_diseases, 8)
    frame = embeddings_frame(embeddings, {"drug": fdataset.drugs, "disease": fdataset.diseases})
    assert len(frame) == fdataset.n_drugs + fdataset.n_diseases and frame.columns[-1] == "dim_7"
    loaded = RepurposingModel.load(model.save(tmp_path / "gnn.npz"), fdataset)
    assert np.array_equal(loaded.train_pairs, model.train_pairs)
    with pytest.raises(TypeError, match="no fitted GNN"):
        gnn_embeddings(loaded, fdataset)
