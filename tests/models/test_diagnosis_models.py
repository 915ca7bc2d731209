"""Diagnosis models: shapes, what each learns from, validation-only choices, the registry."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from graphmed.ehr import HashingTextEncoder, add_text_features
from graphmed.errors import UnknownNameError
from graphmed.graph import MedGraph
from graphmed.evaluation import macro_auroc
from graphmed.models.diagnosis import (DIAGNOSIS_MODELS, BagOfCodesLogistic, BagOfCodesMLP,
                                       HeteroGraphClassifier, LabelPrior, TrainConfig, Trans4DD,
                                       make_diagnosis_model)
from graphmed.models.diagnosis.inputs import indication_codes
from graphmed.models.diagnosis.logistic import INDICATION_SETTINGS
from graphmed.models.diagnosis.trans4dd import TEXT_LOGISTIC_SETTINGS
from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds, unit_labels
from graphmed.training.diagnosis import fit_diagnosis_fold

_spec = importlib.util.spec_from_file_location(
    "diagnosis_toy", Path(__file__).resolve().parents[1] / "tasks" / "test_diagnosis.py")
_toy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toy)

QUICK = TrainConfig(epochs=40, patience=10, lr=1e-2)


@pytest.fixture(scope="module")
def toy():
    return _toy.toy_graph(n_patients=40, seed=1)


@pytest.fixture(scope="module")
def task(toy):
    return build_diagnosis_task(toy, patient_folds(40, 4, seed=0)[0], min_count=2)


def small(name):
    settings = {"mlp-bag-of-codes": {"hidden": 16, "train": QUICK},
                "hetero-gcn": {"hidden": 16, "train": QUICK},
                "hgt": {"hidden": 16, "train": QUICK},
                "trans4dd": {"hidden": 16, "sizes": (4, 4, 4), "eval_samples": 2, "members": 1,
                             "train": QUICK}}
    return make_diagnosis_model(name, **settings.get(name, {}))


@pytest.fixture(scope="module")
def text_task(toy):
    """The same fold with text features on the code nodes (hashed names)."""
    graph = add_text_features(toy, HashingTextEncoder(dim=16))
    return build_diagnosis_task(graph, patient_folds(40, 4, seed=0)[0], min_count=2)


@pytest.fixture(scope="module")
def indication_task(toy):
    """The same fold with text features and known indications (random shares) on drugs."""
    graph = add_text_features(toy, HashingTextEncoder(dim=16))
    data = copy.copy(graph.data)
    shares = torch.rand(data["drug"].num_nodes, graph.num_nodes("diagnosis_category"),
                        generator=torch.Generator().manual_seed(0))
    data["drug"].indication_categories = shares
    graph = MedGraph(data, graph.nodes, name=graph.name)
    return build_diagnosis_task(graph, patient_folds(40, 4, seed=0)[0], min_count=2)


FIXTURE_OF = {"logistic-text-codes": "text_task", "logistic-indications": "indication_task"}


@pytest.mark.parametrize("name", list(DIAGNOSIS_MODELS))
def test_every_model_scores_units_as_probabilities(request, name):
    task = request.getfixturevalue(FIXTURE_OF.get(name, "task"))
    model = small(name).fit(task, seed=0)
    scores = model.predict(task, task.test_units)
    assert scores.shape == (task.test_units.size, task.num_categories)
    assert np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()
    again = small(name).fit(task, seed=0).predict(task, task.test_units)
    assert np.allclose(again, scores)                       # seeded: the same model twice
    assert isinstance(model.config(), dict)
    # what it scores is checked: units, the task, being fitted
    assert model.predict(task, []).shape == (0, task.num_categories)
    for units, message in (([task.num_units], "out of range"), ([0, -1], r"-1 \(position 1\)"),
                           ([1.5], "integer unit indices"), ([[0, 1]], "1-D")):
        with pytest.raises(ValueError, match=message):
            model.predict(task, units)
    other = build_diagnosis_task(_toy.toy_graph(n_patients=30, seed=2),
                                 patient_folds(30, 3, seed=0)[0], min_count=2)
    with pytest.raises(ValueError, match=rf"fitted on a task with .* and {task.num_units} units"):
        model.predict(other, other.test_units)
    with pytest.raises(RuntimeError, match="fit the model first"):
        small(name).predict(task, task.test_units)


@pytest.mark.parametrize("name", list(DIAGNOSIS_MODELS))
def test_every_model_fits_and_scores_on_a_graph_with_lab_codes(name):
    graph = _toy.toy_graph(n_patients=40, seed=1, labs=True)
    if name in FIXTURE_OF:
        graph = add_text_features(graph, HashingTextEncoder(dim=16))  # labs get text as well
        data = copy.copy(graph.data)
        data["drug"].indication_categories = torch.rand(
            data["drug"].num_nodes, graph.num_nodes("diagnosis_category"),
            generator=torch.Generator().manual_seed(0))
        graph = MedGraph(data, graph.nodes, name=graph.name)
        assert graph.data["lab"].x.shape == (3, 16)
    task = build_diagnosis_task(graph, patient_folds(40, 4, seed=0)[0], min_count=2)
    scores = small(name).fit(task, seed=0).predict(task, task.test_units)
    assert scores.shape == (task.test_units.size, task.num_categories)
    assert np.isfinite(scores).all()


def test_label_prior_is_the_training_frequency(task):
    scores = LabelPrior().fit(task).predict(task, task.test_units[:3])
    assert np.allclose(scores, np.tile(task.train_labels.mean(0), (3, 1)))


def test_logistic_fits_a_wide_vocabulary_on_sparse_codes(wide_vocabulary_task):
    """4,000 admissions x 20,000 drugs: the codes stay sparse through the fit (a dense
    array would be 320 MB)."""
    import tracemalloc

    from scipy import sparse

    task = wide_vocabulary_task
    model = BagOfCodesLogistic(cs=(1.0,))
    tracemalloc.start()
    try:
        model.fit(task, seed=0)
        scores = model.predict(task, task.test_units)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sparse.issparse(model._features(task))
    assert peak < task.num_units * 20_000 * 4 / 4
    assert scores.shape == (task.test_units.size, task.num_categories)


def test_logistic_learns_the_drug_signal_and_picks_c_on_validation(task, toy):
    # category C is given exactly to the second admission of even patients, whose drugs are
    # drug0 / drug2: the bag-of-codes carries it
    model = BagOfCodesLogistic().fit(task)
    assert set(model.validation_scores) == set(model.cs)
    assert model.validation_scores[model.best_c] == max(model.validation_scores.values())
    labels = unit_labels(toy, task.test_units, task.categories)
    assert macro_auroc(labels, model.predict(task, task.test_units)) > 0.6


@pytest.mark.parametrize("model", [
    lambda: HeteroGraphClassifier("gcn", hidden=16, train=QUICK),
    lambda: Trans4DD(hidden=16, sizes=(4, 4, 4), eval_samples=2, members=1, train=QUICK)])
def test_graph_models_stop_on_validation(task, model):
    fitted = model().fit(task, seed=1)
    history = fitted.history
    assert 0 <= history.best_epoch < len(history.scores) <= QUICK.epochs
    assert history.best_score == max(history.scores)


def test_trans4dd_repr_and_ablation_switches(task):
    model = Trans4DD(hidden=16, sizes=(2, 2), eval_samples=1, members=1, encoder_residual="none",
                     unit_features=False, train=TrainConfig(epochs=2))
    model.fit(task)
    assert model.module.encoder.residual == "none"
    assert model.config()["sizes"] == [2, 2]
    assert "HopContextTransformer" in repr(model.module.context)


def test_fit_diagnosis_fold_reads_test_labels_after_predicting(toy):
    fold = patient_folds(40, 4, seed=0)[1]
    result = fit_diagnosis_fold(LabelPrior(), toy, fold, min_count=2)
    assert np.array_equal(result.test_labels,
                          unit_labels(toy, result.test_units, result.task.categories))
    assert set(result.metrics) == {"macro_auroc", "micro_auroc", "macro_f1", "micro_f1"}
    assert result.metrics["macro_auroc"] == pytest.approx(0.5)


def test_unknown_model_name():
    with pytest.raises(UnknownNameError, match="known"):
        make_diagnosis_model("gpt")


def test_trans4dd_blends_the_logistic_baseline(task):
    blended = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=2, members=1, logistic_weight=0.5,
                       train=QUICK).fit(task, seed=0)
    assert blended.logistic is not None
    deep = super(Trans4DD, blended).predict(task, task.test_units)   # the network alone
    logistic = blended.logistic.predict(task, task.test_units)
    assert np.allclose(blended.predict(task, task.test_units), 0.5 * deep + 0.5 * logistic)
    alone = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=2, members=1, logistic_weight=0.0,
                     train=QUICK).fit(task, seed=0)
    assert alone.logistic is None
    with pytest.raises(ValueError, match="logistic_weight"):
        Trans4DD(logistic_weight=1.0)


def test_trans4dd_can_blend_log_odds(task):
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=2, members=1, logistic_weight=0.25,
                     blend="logit", train=QUICK).fit(task, seed=0)
    deep = super(Trans4DD, model).predict(task, task.test_units)
    logistic = model.logistic.predict(task, task.test_units)
    logit = lambda p: np.log(p) - np.log1p(-p)
    expected = 1.0 / (1.0 + np.exp(-(0.75 * logit(deep) + 0.25 * logit(logistic))))
    assert np.allclose(model.predict(task, task.test_units), expected, atol=1e-6)
    assert model.config()["blend"] == "logit"
    with pytest.raises(ValueError, match="blend"):
        Trans4DD(blend="rank")


@pytest.mark.parametrize("sizes", [3, "16"])  # were "'int' object is not iterable" / hop sizes '1', '6'
def test_trans4dd_sizes_must_be_a_sequence(sizes):
    with pytest.raises(ValueError, match="sizes must be a sequence of context nodes per hop"):
        Trans4DD(sizes=sizes)


def test_trans4dd_wide_part_can_start_from_the_logistic_fit(task):
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, wide_init="logistic",
                     logistic_weight=0.0, train=TrainConfig(epochs=1))
    net = model._build(task)
    with torch.no_grad():
        assert float(net.head.weight.abs().sum()) == 0.0
        assert float(net.head.bias.abs().sum()) == 0.0
        assert float(net.wide.weight.abs().sum()) > 0.0
    with pytest.raises(ValueError, match="wide_init"):
        Trans4DD(wide_init="zeros")._build(task)


def test_trans4dd_chooses_the_blend_weight_on_validation(task):
    from graphmed.models.diagnosis.base import validation_score
    weights = (0.2, 0.5, 0.8)
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=2, members=1, blend_weights=weights,
                     train=QUICK).fit(task, seed=0)
    deep = super(Trans4DD, model).predict(task, task.val_units)
    logistic = model.logistic.predict(task, task.val_units)
    scores = [validation_score(task.val_labels, (1 - w) * deep + w * logistic) for w in weights]
    assert model.blend_weight == weights[int(np.argmax(scores))]
    test = model.predict(task, task.test_units)
    w = model.blend_weight
    assert np.allclose(test, (1 - w) * super(Trans4DD, model).predict(task, task.test_units)
                       + w * model.logistic.predict(task, task.test_units))
    with pytest.raises(ValueError, match="blend_weights"):
        Trans4DD(blend_weights=(1.0,))
    with pytest.raises(ValueError, match="blend_weights"):
        Trans4DD(blend_weights=(0.5,), logistic_weight=0.0)


@pytest.mark.parametrize("option", ["siblings", "code_embeddings", "label_context"])
def test_trans4dd_options_fit_and_score(task, option):
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=1, train=QUICK,
                     **{option: True})
    scores = model.fit(task, seed=0).predict(task, task.test_units)
    assert scores.shape == (task.test_units.size, task.num_categories)
    assert np.isfinite(scores).all()
    assert model.config()[option] is True


def test_trans4dd_members_average_networks_of_different_seeds(task):
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=2, train=QUICK).fit(task, seed=3)
    assert [s for _, s in model._fitted] == [3, 3 + 7919]
    assert model._fitted[0][0] is not model._fitted[1][0]
    units = task.test_units
    single = []
    for module, seed in model._fitted:
        model.module, model.seed = module, seed
        single.append(super(Trans4DD, model).predict(task, units))
    assert not np.allclose(single[0], single[1])
    w = model.blend_weight
    expected = (1 - w) * np.mean(single, axis=0) + w * model.logistic.predict(task, units)
    assert np.allclose(model.predict(task, units), expected)
    assert model.config()["members"] == 2
    with pytest.raises(ValueError, match="members"):
        Trans4DD(members=0)


def test_trans4dd_reads_units_in_batches_when_asked(task, monkeypatch):
    from graphmed.models.diagnosis.trans4dd import Trans4DDNet

    steps, readouts = [], []
    forward, readout = Trans4DDNet.forward, Trans4DDNet._readout

    def spy_forward(self, edges, units, generator, samples=1, chunk=None):
        steps.append((len(units), chunk, self.training))
        return forward(self, edges, units, generator, samples, chunk)

    def spy_readout(self, h, rowptr, col, seeds, generator, samples):
        readouts.append(len(seeds))
        return readout(self, h, rowptr, col, seeds, generator, samples)

    monkeypatch.setattr(Trans4DDNet, "forward", spy_forward)
    monkeypatch.setattr(Trans4DDNet, "_readout", spy_readout)
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=2, members=1, batch_units=3,
                     train=QUICK).fit(task, seed=0)
    training = [n for n, _, is_training in steps if is_training]
    assert training and max(training) == 3             # the loss reads at most 3 units
    assert all(chunk == 3 for _, chunk, is_training in steps if not is_training)
    readouts.clear()
    scores = model.predict(task, task.test_units)
    assert scores.shape == (task.test_units.size, task.num_categories)
    assert np.isfinite(scores).all() and max(readouts) <= 3 and sum(readouts) == task.test_units.size
    assert model.config()["batch_units"] == 3
    with pytest.raises(ValueError, match="batch_units"):
        Trans4DD(batch_units=0)


@pytest.mark.parametrize("make, message", [
    (lambda: TrainConfig(epochs=0), "TrainConfig: epochs must be an integer >= 1"),
    (lambda: TrainConfig(lr=float("nan")), "TrainConfig: lr must be a finite number > 0"),
    (lambda: TrainConfig(weight_decay=-1.0), "TrainConfig: weight_decay must be"),
    (lambda: BagOfCodesLogistic(cs=()), "cs must hold one or more values of C"),
    (lambda: BagOfCodesLogistic(cs=(1.0, 0.0)), r"cs\[1\] must be a finite number > 0"),
    (lambda: make_diagnosis_model("mlp-bag-of-codes", hidden=0), "BagOfCodesMLP: hidden must be"),
    (lambda: make_diagnosis_model("mlp-bag-of-codes", dropout=1.5), r"dropout must be in \[0, 1\)"),
    (lambda: HeteroGraphClassifier(encoder="hgt", hidden=8, heads=3), "must be a multiple of heads"),
    (lambda: HeteroGraphClassifier(heads=0), "HeteroGraphClassifier: heads must be"),
    (lambda: make_diagnosis_model("trans4dd", heads=0), "Trans4DD: heads must be"),
    (lambda: make_diagnosis_model("trans4dd", eval_samples=0), "Trans4DD: eval_samples must be"),
    (lambda: make_diagnosis_model("trans4dd", context_layers=0), "Trans4DD: context_layers must be"),
    (lambda: make_diagnosis_model("trans4dd", sizes=()), r"Trans4DD: len\(sizes\) must be"),
    (lambda: make_diagnosis_model("trans4dd", target_fraction=5), r"target_fraction must be in \(0, 1\]"),
    (lambda: make_diagnosis_model("trans4dd", members=1.5), "Trans4DD: members must be an integer >= 1"),
    (lambda: make_diagnosis_model("trans4dd", batch_units=2.5), r"Trans4DD: batch_units \(or None\) must be"),
    (lambda: make_diagnosis_model("trans4dd", logistic_weight="a"), r"logistic_weight must be in \[0, 1\)"),
    (lambda: make_diagnosis_model("trans4dd", blend_weights=0.5), "blend_weights must be a non-empty"),
    (lambda: make_diagnosis_model("trans4dd", blend_weights=(0.5, float("nan"))), r"weights\[1\] must"),
    (lambda: make_diagnosis_model("trans4dd", heads=3), r"hidden \(32\) must be divisible by heads \(3\)"),
    (lambda: make_diagnosis_model("trans4dd", encoder_residual="gated"), "encoder_residual must be one of"),
    (lambda: make_diagnosis_model("trans4dd", wide_init="zeros"), "wide_init must be one of"),
    (lambda: BagOfCodesLogistic(text_weight=True), "text_weight must be a finite number >= 0, got True"),
    (lambda: BagOfCodesLogistic(lsa_components=2.5), "lsa_components must be an integer >= 0"),
    (lambda: BagOfCodesLogistic(lsa_weight=0), "lsa_weight must be a finite number > 0"),
    (lambda: make_diagnosis_model("trans4dd", logistic_settings={"lsa_weight": -1}),
     "BagOfCodesLogistic: lsa_weight must be"),
])
def test_settings_out_of_range_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_trans4dd_can_weigh_each_category_s_positives(task, monkeypatch):
    from graphmed.models.diagnosis import trans4dd

    labels = np.array([[1, 0], [1, 0], [0, 0], [1, 1]], dtype=float)
    assert trans4dd.category_pos_weight(labels, "none") is None
    assert np.allclose(trans4dd.category_pos_weight(labels, "balanced"), [1 / 3, 3.0])
    assert np.allclose(trans4dd.category_pos_weight(labels, "sqrt"), [np.sqrt(1 / 3), np.sqrt(3)])
    seen = []
    loss = trans4dd.bce
    monkeypatch.setattr(trans4dd, "bce", lambda logits, y, w=None: seen.append(w) or loss(logits, y, w))
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=1, pos_weight="balanced",
                     train=QUICK).fit(task, seed=0)
    assert seen and all(torch.equal(w, seen[0]) for w in seen)
    assert torch.allclose(seen[0], trans4dd.category_pos_weight(task.train_labels, "balanced"))
    assert model.config()["pos_weight"] == "balanced"
    with pytest.raises(ValueError, match="pos_weight must be one of"):
        Trans4DD(pos_weight="inverse")


def test_bce_weighs_positives():
    from graphmed.models.diagnosis.base import bce

    logits = torch.zeros(2, 2)
    labels = np.array([[1.0, 0.0], [1.0, 1.0]])
    assert torch.isclose(bce(logits, labels), torch.tensor(np.log(2.0), dtype=torch.float32))
    weighted = bce(logits, labels, torch.tensor([3.0, 1.0]))   # (3 + 1 + 3 + 1) / 4 of log 2
    assert torch.isclose(weighted, torch.tensor(2 * np.log(2.0), dtype=torch.float32))


def test_a_diverging_loss_stops_training_at_the_best_epoch_before_it(task, monkeypatch):
    from graphmed.errors import TrainingDivergedError

    model = make_diagnosis_model("mlp-bag-of-codes", hidden=16, train=QUICK)
    real_loss, calls = type(model)._loss, []

    def loss(self, task, generator):
        calls.append(1)
        value = real_loss(self, task, generator)
        return value * float("nan") if len(calls) > 5 else value

    monkeypatch.setattr(type(model), "_loss", loss)
    with pytest.warns(RuntimeWarning, match="diverged at epoch 5"):
        model.fit(task, seed=0)
    assert model.history.diverged_at == 5 and len(model.history.scores) == 5
    assert np.isfinite(model.predict(task, task.test_units)).all()
    calls.extend([1] * 10)  # NaN from the first step
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 0"):
        model.fit(task, seed=0)


def test_lsa_codes_are_unit_rows_shared_by_units_with_the_same_codes(task):
    from graphmed.models.diagnosis.inputs import lsa_codes

    embedding = lsa_codes(task, 4)
    bag = task.bag_of_codes(("drug", "procedure"), demographics=False)
    assert embedding.shape == (bag.shape[0], 4) and embedding.dtype == np.float32
    has_codes = bag.sum(1) > 0
    np.testing.assert_allclose(np.linalg.norm(embedding[has_codes], axis=1), 1.0, rtol=1e-5)
    assert (embedding[~has_codes] == 0).all()
    _, first, inverse = np.unique(bag, axis=0, return_index=True, return_inverse=True)
    np.testing.assert_allclose(embedding, embedding[first][inverse.ravel()], atol=1e-6)
    with pytest.raises(ValueError, match="components must be an integer in"):
        lsa_codes(task, 10_000)


def test_logistic_and_trans4dd_read_the_lsa_codes_when_asked(task):
    plain = BagOfCodesLogistic(cs=(1.0,)).fit(task, seed=0)
    lsa = BagOfCodesLogistic(cs=(1.0,), lsa_components=4, lsa_weight=3.0).fit(task, seed=0)
    assert lsa._features(task).shape[1] == plain._features(task).shape[1] + 4
    assert lsa.config()["lsa_components"] == 4 and lsa.config()["lsa_weight"] == 3.0
    scores = lsa.predict(task, task.test_units)
    assert scores.shape == (len(task.test_units), task.num_categories)
    assert not np.allclose(scores, plain.predict(task, task.test_units))
    model = Trans4DD(hidden=16, sizes=(4, 4, 4), eval_samples=2, members=1, train=QUICK,
                     logistic_settings={"lsa_components": 4}).fit(task, seed=0)
    assert model.logistic.lsa_components == 4
    assert model.config()["logistic_settings"] == {"lsa_components": 4}


def test_trans4dd_logistic_part_reads_the_codes_text_when_the_graph_has_it(task, text_task):
    def fitted(t, **kw):
        return Trans4DD(hidden=16, sizes=(4, 4, 4), eval_samples=2, members=1, train=QUICK,
                        **kw).fit(t, seed=0)

    with_text = fitted(text_task)
    assert with_text.logistic.text_weight == TEXT_LOGISTIC_SETTINGS["text_weight"] > 0
    assert with_text.config()["logistic_settings"] is None
    assert with_text.config()["fitted_logistic_settings"] == TEXT_LOGISTIC_SETTINGS
    expected = BagOfCodesLogistic(**TEXT_LOGISTIC_SETTINGS).fit(text_task, seed=0)
    np.testing.assert_allclose(with_text.logistic.predict(text_task, text_task.test_units),
                               expected.predict(text_task, text_task.test_units))
    # no text features: the plain logistic part, not an error
    without = fitted(task)
    assert without.logistic.text_weight == 0.0
    assert without.config()["fitted_logistic_settings"] == {}
    # settings given explicitly win, even with text features
    plain = fitted(text_task, logistic_settings={})
    assert plain.logistic.text_weight == 0.0 and plain.config()["logistic_settings"] == {}


def test_trans4dd_reads_known_indications_when_the_graph_has_them(task, indication_task):
    def fitted(t, **kw):
        return Trans4DD(hidden=16, sizes=(4, 4, 4), eval_samples=2, members=1, train=QUICK,
                        **kw).fit(t, seed=0)

    model = fitted(indication_task)
    assert model.config()["fitted_indications"] is True
    assert model.module.indication_scale.shape == (indication_task.num_categories,)
    assert model.logistic.indication_weight == INDICATION_SETTINGS["indication_weight"] > 0
    assert model.config()["fitted_logistic_settings"] == INDICATION_SETTINGS
    # the network's indication term moves the scores of units with known indications
    units = torch.from_numpy(indication_task.test_units)
    with torch.no_grad():
        model.module.eval()
        scale = model.module.indication_scale.clone()
        gen = torch.Generator().manual_seed(0)
        before = model.module(indication_task.edge_index_dict(), units, gen)
        model.module.indication_scale.add_(1.0)
        after = model.module(indication_task.edge_index_dict(), units, torch.Generator().manual_seed(0))
        model.module.indication_scale.copy_(scale)
    expected = torch.from_numpy(indication_codes(indication_task)[indication_task.test_units])
    torch.testing.assert_close(after - before, expected)
    off = fitted(indication_task, indications=False)
    assert off.module.indication_scale is None and off.config()["fitted_indications"] is False
    assert fitted(task).config()["fitted_indications"] is False  # none on the graph: left out
    with pytest.raises(ValueError, match="add_indication_categories"):
        fitted(task, indications=True)


TORCH_MODELS = ["mlp-bag-of-codes", "hetero-gcn", "hgt", "trans4dd"]


@pytest.mark.parametrize("name", TORCH_MODELS)
def test_an_explicit_cpu_device_changes_nothing(indication_task, name):
    default = small(name).fit(indication_task, seed=3)
    on_cpu = small(name).use_device("cpu").fit(indication_task, seed=3)
    units = indication_task.test_units
    assert np.array_equal(default.predict(indication_task, units),
                          on_cpu.predict(indication_task, units))
    assert on_cpu.config()["train"]["device"] == "cpu" and on_cpu.train_config.lr == QUICK.lr


def test_models_without_a_network_run_on_the_cpu_whatever_the_device(task):
    model = BagOfCodesLogistic()
    assert not model.has_network and model.use_device("cuda") is model
    assert all(make_diagnosis_model(name).has_network for name in TORCH_MODELS)
    assert TrainConfig(device=torch.device("cpu")).to_dict()["device"] == "cpu"  # JSON-ready


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error of a CPU-only machine")
def test_a_missing_cuda_device_is_named_when_fitting_starts(task):
    model = small("trans4dd").use_device("cuda")
    with pytest.raises(ValueError, match=r"Trans4DD: device 'cuda': this machine has 0 CUDA"):
        model.fit(task)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", TORCH_MODELS)
def test_diagnosis_models_train_on_cuda(indication_task, name):
    model = small(name).use_device("cuda").fit(indication_task, seed=3)
    assert all(p.device.type == "cuda" for p in model.module.parameters())
    scores = model.predict(indication_task, indication_task.test_units)
    assert scores.shape == (indication_task.test_units.size, indication_task.num_categories)
    assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()
    assert model.config()["train"]["device"] == "cuda"


def test_cross_fitted_probabilities_never_read_the_unit_s_own_patient(task):
    model = BagOfCodesLogistic(cs=(1.0,)).fit(task, seed=0)
    out = model.cross_fitted(task, folds=4, seed=0)
    assert out.shape == task.train_labels.shape
    assert ((out >= 0) & (out <= 1)).all()
    # flip one training patient's labels: its own cross-fitted rows stay, others move
    patients = task.unit_patient[task.train_units]
    rows = patients == patients[0]
    flipped = copy.copy(task)
    flipped.train_labels = task.train_labels.copy()
    flipped.train_labels[rows] = 1.0 - flipped.train_labels[rows]
    refit = BagOfCodesLogistic(cs=(1.0,)).fit(flipped, seed=0)
    again = refit.cross_fitted(flipped, folds=4, seed=0)
    assert np.allclose(again[rows], out[rows])
    assert not np.allclose(again[~rows], out[~rows])
    # in-sample probabilities sit closer to the training labels than cross-fitted ones
    in_sample = model.predict(task, task.train_units)
    assert (np.abs(in_sample - task.train_labels).mean()
            < np.abs(out - task.train_labels).mean())
    with pytest.raises(ValueError, match="folds"):
        model.cross_fitted(task, folds=1)
    with pytest.raises(ValueError, match="training patients"):
        model.cross_fitted(task, folds=10_000)
    with pytest.raises(RuntimeError, match="fit the model first"):
        BagOfCodesLogistic().cross_fitted(task)


def test_stacked_trans4dd_adds_its_logits_to_the_logistic_log_odds(task):
    from scipy.special import expit, logit
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=1, stack=True,
                     logistic_weight=0.0, wide=False, indications=False, train=QUICK)
    fitted = model.fit(task, seed=0)
    assert fitted.logistic is not None and fitted.config()["stack"] is True
    offset = fitted._offset.cpu().numpy()
    others = np.setdiff1d(np.arange(task.num_units), task.train_units)
    assert np.allclose(expit(offset[others]),
                       np.clip(fitted.logistic.predict(task, others), 1e-4, 1 - 1e-4), atol=1e-5)
    crossed = fitted.logistic.cross_fitted(task, seed=0)
    assert np.allclose(offset[task.train_units], logit(np.clip(crossed, 1e-4, 1 - 1e-4)), atol=1e-4)
    # the network's head starts at zero: training starts from the logistic model
    net = model._build(task)
    with torch.no_grad():
        assert float(net.head.weight.abs().sum()) == 0.0 == float(net.head.bias.abs().sum())
        # with the head at zero the stacked model is the logistic part
        fitted.module.head.weight.zero_()
        fitted.module.head.bias.zero_()
    assert np.allclose(fitted.predict(task, task.test_units),
                       np.clip(fitted.logistic.predict(task, task.test_units), 1e-4, 1 - 1e-4),
                       atol=1e-5)


def test_stacked_trans4dd_fits_with_fewer_training_patients_than_groups(toy):
    from graphmed.tasks.diagnosis import PatientFold

    fold = PatientFold(0, 0, np.arange(4), np.arange(4, 14), np.arange(14, 40))
    few = build_diagnosis_task(toy, fold, min_count=1)
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=1, stack=True,
                     logistic_weight=0.0, train=QUICK).fit(few, seed=0)
    scores = model.predict(few, few.test_units)
    assert scores.shape == (few.test_units.size, few.num_categories) and np.isfinite(scores).all()


def test_progress_bars_when_asked_and_the_same_results(task, capsys):
    quiet = small("trans4dd").fit(task, seed=2).predict(task, task.test_units)
    capsys.readouterr()
    model = small("trans4dd")
    model.progress = True
    shown = model.fit(task, seed=2).predict(task, task.test_units)
    err = capsys.readouterr().err
    assert "trans4dd seed 2" in err and "epoch" in err     # the network's epochs
    assert "fits" in err                                    # its logistic part's fits
    np.testing.assert_array_equal(quiet, shown)
    small("logistic-bag-of-codes").fit(task)
    assert capsys.readouterr().err == ""                    # off by default


def test_training_settings_by_name_on_top_of_each_models_defaults():
    model = Trans4DD(epochs=7, lr=0.01)
    assert (model.train_config.epochs, model.train_config.lr) == (7, 0.01)
    assert model.train_config.weight_decay == 1e-3  # Trans4DD's own default is kept
    given = Trans4DD(train=TrainConfig(epochs=5), patience=3).train_config
    assert (given.epochs, given.patience, given.weight_decay) == (5, 3, 1e-4)  # train replaces all
    assert make_diagnosis_model("hgt", epochs=3, device="cpu").train_config.epochs == 3
    assert BagOfCodesMLP(min_epochs=0).train_config.min_epochs == 0
    with pytest.raises(TypeError, match="BagOfCodesMLP: unknown setting 'epohcs' .did you mean "
                                        "'epochs'.*its settings: .*dropout.*lr"):
        BagOfCodesMLP(epohcs=3)
    with pytest.raises(ValueError, match="epochs must be"):
        Trans4DD(epochs=0)
    with pytest.raises(TypeError, match="unknown setting 'default'"):
        BagOfCodesMLP(default=TrainConfig())


def test_trans4dd_with_every_optional_part_trains_on_each_device(indication_task, device):
    model = Trans4DD(hidden=16, sizes=(4, 4), eval_samples=1, members=2, label_context=True,
                     stack=True, batch_units=8, epochs=6, patience=3, device=device)
    model.fit(indication_task, seed=1)
    assert all(p.device.type == device for p in model.module.parameters())
    scores = model.predict(indication_task, indication_task.test_units)
    assert scores.shape == (indication_task.test_units.size, indication_task.num_categories)
    assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()
