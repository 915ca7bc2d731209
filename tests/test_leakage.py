"""The leakage checklist of PROTOCOLS.md §5, one test per item, for every protocol."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from sklearn.model_selection import KFold

from graphmed.graph import build_drug_disease_graph
from graphmed.models import GNNLinkPredictor, KronRLS, PairScorer, SimilarityKNN
from graphmed.splits import PROTOCOLS, Fold, make_folds
from graphmed.training import fit_fold

N_FOLDS = 3


def tiny_gnn() -> GNNLinkPredictor:
    return GNNLinkPredictor(hidden=16, epochs=30, eval_every=5, patience=3, device="cpu")


FACTORIES = {"knn": SimilarityKNN, "kronrls": KronRLS, "gnn": tiny_gnn}


def keys(pairs, shape) -> np.ndarray:
    pairs = np.asarray(pairs).reshape(-1, 2)
    return pairs[:, 0] * shape[1] + pairs[:, 1]


def pair_keys_of_test(fold: Fold) -> np.ndarray:
    return keys(np.concatenate([fold.test_pos, fold.test_neg]), fold.shape)


@pytest.fixture(scope="module")
def small(fdataset):
    """A corner of Fdataset (200 drugs x 120 diseases), for the slower models."""
    nd, ns = 200, 120
    return replace(fdataset, name="fdataset-corner", associations=fdataset.associations[:nd, :ns],
                   drugs=fdataset.drugs.iloc[:nd].reset_index(drop=True),
                   diseases=fdataset.diseases.iloc[:ns].reset_index(drop=True),
                   drug_similarities={k: v[:nd, :nd] for k, v in fdataset.drug_similarities.items()},
                   disease_similarities={k: v[:ns, :ns] for k, v in fdataset.disease_similarities.items()})


@pytest.fixture(scope="module")
def fdataset_folds(fdataset):
    return {p: make_folds(p, fdataset.associations, n_folds=N_FOLDS, seed=0) for p in PROTOCOLS}


def relabel(dataset, fold: Fold, to_neg, to_pos):
    """``dataset`` and ``fold`` with the pairs ``to_neg`` made unknown and ``to_pos`` known;
    every pair stays in its part (train, val or test), only its label changes."""
    assoc = dataset.associations.copy()
    assoc[tuple(np.asarray(to_neg).T)] = False
    assoc[tuple(np.asarray(to_pos).T)] = True
    k_neg, k_pos = keys(to_neg, fold.shape), keys(to_pos, fold.shape)
    parts = {}
    for stage in ("train", "val", "test"):
        pos, neg = getattr(fold, f"{stage}_pos"), getattr(fold, f"{stage}_neg")
        out, into = np.isin(keys(pos, fold.shape), k_neg), np.isin(keys(neg, fold.shape), k_pos)
        parts[f"{stage}_pos"] = np.concatenate([pos[~out], neg[into]])
        parts[f"{stage}_neg"] = np.concatenate([neg[~into], pos[out]])
    flipped = Fold(fold.protocol, fold.index, fold.seed, fold.shape,
                   held_out_diseases=fold.held_out_diseases, **parts)
    return replace(dataset, associations=assoc), flipped


def flip(dataset, fold: Fold, stage: str, seed: int = 0):
    """Flip the labels of ``stage`` pairs: every positive to 0, as many negatives to 1."""
    pos, neg = getattr(fold, f"{stage}_pos"), getattr(fold, f"{stage}_neg")
    rng = np.random.default_rng(seed)
    to_pos = neg[rng.choice(len(neg), size=min(len(pos), len(neg)), replace=False)]
    return relabel(dataset, fold, pos, to_pos)


class Spy(PairScorer):
    """Records what ``fit`` receives."""

    name = "spy"

    def __init__(self, uses_validation: bool):
        self.uses_validation = uses_validation

    def fit(self, data, part, *, seed=0):
        self.data, self.part = data, part
        return self

    def score_matrix(self):
        return np.zeros(self.part.shape)


# --- 1. No test pair is a message-passing edge, in either direction ----------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_no_test_pair_is_a_message_passing_edge(fdataset, fdataset_folds, protocol):
    shape = fdataset.associations.shape
    kind = fdataset.disease_kind
    for fold in fdataset_folds[protocol]:
        tests = pair_keys_of_test(fold)
        for part in (fold.train_part(), fold.train_part().merged()):
            graph = build_drug_disease_graph(fdataset, part.train_pos)
            association_types = [t for t in graph.data.edge_types if {t[0], t[2]} == {"drug", kind}]
            assert len(association_types) == 2
            for src, rel, dst in association_types:
                edges = graph.data[src, rel, dst].edge_index.numpy()
                drug, disease = (edges[0], edges[1]) if src == "drug" else (edges[1], edges[0])
                edge_keys = drug * shape[1] + disease
                assert not np.isin(edge_keys, tests).any(), f"test pair as edge {src}-{rel}-{dst}"
                assert np.array_equal(np.sort(edge_keys), np.sort(keys(part.train_pos, shape)))
        # the check can fail: a graph of every known pair has the test positives as edges
        full = build_drug_disease_graph(fdataset, similarity_views=[])
        forward = full.data["drug", "treats", kind].edge_index.numpy()
        assert np.isin(keys(fold.test_pos, shape), forward[0] * shape[1] + forward[1]).all()


# --- 2. No feature or similarity is computed from test labels --------------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("model", list(FACTORIES))
def test_no_feature_from_test_labels(request, model, protocol):
    dataset = request.getfixturevalue("fdataset" if model == "knn" else "small")
    factory = FACTORIES[model]
    fold = make_folds(protocol, dataset.associations, n_folds=N_FOLDS, seed=0)[0]
    scores = fit_fold(factory(), dataset, fold, seed=1).score_matrix()
    flipped_data, flipped_fold = flip(dataset, fold, "test")
    assert not np.array_equal(flipped_data.associations, dataset.associations)
    assert np.array_equal(fit_fold(factory(), flipped_data, flipped_fold, seed=1).score_matrix(), scores)
    # the same flip on training labels must change the scores, or this test could not fail
    train_data, train_fold = relabel(dataset, fold, fold.train_pos[:20], fold.train_neg[:20])
    assert not np.allclose(fit_fold(factory(), train_data, train_fold, seed=1).score_matrix(), scores)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("uses_validation", [True, False])
def test_fit_sees_no_test_pair_and_no_test_label(fdataset, fdataset_folds, protocol, uses_validation):
    shape = fdataset.associations.shape
    for fold in fdataset_folds[protocol]:
        spy = fit_fold(Spy(uses_validation), fdataset, fold, seed=0)
        part, seen = spy.part, spy.data.associations
        assert np.array_equal(seen, part.train_matrix())
        assert not seen[tuple(fold.test_pos.T)].any()
        visible = [part.train_pos, part.train_neg, part.val_pos, part.val_neg, np.argwhere(part.negative_pool)]
        assert not np.isin(keys(np.concatenate(visible), shape), pair_keys_of_test(fold)).any()
        expected_train = len(fold.train_pos) + (0 if uses_validation else len(fold.val_pos))
        assert len(part.train_pos) == expected_train
        assert len(part.val_pos) == (len(fold.val_pos) if uses_validation else 0)


# --- 3. No early stopping, epoch or hyperparameter choice looks at test scores ---------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_hyperparameter_choice_ignores_test(small, protocol):
    fold = make_folds(protocol, small.associations, n_folds=N_FOLDS, seed=0)[1]
    model = fit_fold(KronRLS(), small, fold, seed=0)
    assert len(model.validation_scores) == len(model.lambdas) > 1
    flipped = fit_fold(KronRLS(), *flip(small, fold, "test"), seed=0)
    assert flipped.best_lambda == model.best_lambda
    assert flipped.validation_scores == model.validation_scores
    # flipping validation labels does move the validation scores
    by_val = fit_fold(KronRLS(), *flip(small, fold, "val"), seed=0)
    assert by_val.validation_scores != model.validation_scores


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_early_stopping_ignores_test(small, protocol):
    fold = make_folds(protocol, small.associations, n_folds=N_FOLDS, seed=0)[1]
    model = fit_fold(tiny_gnn(), small, fold, seed=0)
    flipped = fit_fold(tiny_gnn(), *flip(small, fold, "test"), seed=0)
    assert flipped.fit_result.best_epoch == model.fit_result.best_epoch
    assert flipped.fit_result.history == model.fit_result.history
    by_val = fit_fold(tiny_gnn(), *flip(small, fold, "val"), seed=0)
    assert by_val.fit_result.history != model.fit_result.history


# --- 4. Training negatives come from training unknowns only --------------------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_training_negatives_are_training_unknowns(fdataset, fdataset_folds, protocol):
    known = fdataset.associations
    shape = known.shape
    for fold in fdataset_folds[protocol]:
        held = keys(np.concatenate([fold.val_pos, fold.val_neg, fold.test_pos, fold.test_neg]), shape)
        part = fold.train_part()
        pool = np.argwhere(part.negative_pool)
        for name, pairs in (("train_neg", part.train_neg), ("negative_pool", pool)):
            assert not known[tuple(pairs.T)].any(), f"{name} has a known pair"
            assert not np.isin(keys(pairs, shape), held).any(), f"{name} has a test or val pair"
        assert np.isin(keys(part.train_neg, shape), keys(pool, shape)).all()
        merged = part.merged()
        merged_pool = np.argwhere(merged.negative_pool)
        assert not known[tuple(merged_pool.T)].any()
        assert not np.isin(keys(merged_pool, shape), pair_keys_of_test(fold)).any()
        assert not np.isin(keys(merged.train_neg, shape), pair_keys_of_test(fold)).any()
        if protocol == "A":  # every training unknown is a negative
            assert np.array_equal(np.sort(keys(pool, shape)), np.sort(keys(part.train_neg, shape)))


def test_protocol_a_test_negatives_are_the_folds_unknown_pairs(fdataset, fdataset_folds):
    known = fdataset.associations
    unknown = np.argwhere(~known)
    chunks = [test for _, test in KFold(N_FOLDS, shuffle=True, random_state=0).split(unknown)]
    for fold, chunk in zip(fdataset_folds["A"], chunks):
        assert np.array_equal(fold.test_neg, unknown[chunk])
        test_pairs, labels = fold.test_pairs()
        assert np.array_equal(labels == 0, ~known[tuple(test_pairs.T)])
    covered = np.concatenate([keys(f.test_neg, known.shape) for f in fdataset_folds["A"]])
    assert np.array_equal(np.sort(covered), keys(unknown, known.shape))


# --- 5. Diagnosis: target-revealing edges of test patients are absent -----------------------------

DIAGNOSIS_GRAPHS = {"mimic4_demo": ("load_mimic4", {}),
                    "mimic4_demo_labs": ("load_mimic4", {"labs": True}),
                    "synthea_111": ("load_synthea", {"unit": "patient"})}


@pytest.fixture(scope="module", params=list(DIAGNOSIS_GRAPHS))
def ehr_graph(request, data_root):
    import graphmed.ehr as ehr

    loader, kwargs = DIAGNOSIS_GRAPHS[request.param]
    return getattr(ehr, loader)(**kwargs).build()


def held_out_units(task, fold, parts=("val", "test")) -> np.ndarray:
    patients = np.concatenate([getattr(fold, p) for p in parts])
    return np.flatnonzero(np.isin(task.unit_patient, patients))


def test_no_diagnosis_edge_of_a_held_out_unit(ehr_graph):
    from graphmed.tasks.diagnosis import TARGET_NODE_TYPES, build_diagnosis_task, patient_folds

    n_patients = ehr_graph.num_nodes("patient")
    for fold in patient_folds(n_patients, 5, seed=0):
        task = build_diagnosis_task(ehr_graph, fold)
        held = held_out_units(task, fold)
        revealing = [et for et in task.data.edge_types
                     if (et[0] == task.unit and et[2] in TARGET_NODE_TYPES)
                     or (et[2] == task.unit and et[0] in TARGET_NODE_TYPES)]
        assert len(revealing) == 2                       # forward and reverse
        for et in revealing:
            e = task.data[et].edge_index.numpy()
            units = e[0] if et[0] == task.unit else e[1]
            assert not np.isin(units, held).any(), f"held-out diagnosis edge in {et}"
            # the check can fail: the full graph has the held-out units' diagnoses
            full = ehr_graph.data[et].edge_index.numpy()
            assert np.isin(full[0] if et[0] == task.unit else full[1], held).any()
        for et in ehr_graph.data.edge_types:             # drugs, procedures, patients kept
            if et not in revealing:
                assert np.array_equal(task.data[et].edge_index.numpy(),
                                      ehr_graph.data[et].edge_index.numpy()), et
        # so does the graph of every training step
        rows, edges = task.training_view(torch.Generator().manual_seed(0))
        for et in revealing:
            e = edges[et].numpy()
            units = e[0] if et[0] == task.unit else e[1]
            assert not np.isin(units, np.concatenate([held, task.train_units[rows]])).any()


def test_patients_never_straddle_splits(ehr_graph):
    from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds

    n_patients = ehr_graph.num_nodes("patient")
    for seed in (0, 1):
        folds = patient_folds(n_patients, 5, seed=seed)
        assert np.array_equal(np.sort(np.concatenate([f.test for f in folds])), np.arange(n_patients))
        for fold in folds:
            task = build_diagnosis_task(ehr_graph, fold)
            sides = [set(task.unit_patient[u]) for u in (task.train_units, task.val_units, task.test_units)]
            assert sides[0] <= set(fold.train) and sides[1] <= set(fold.val) and sides[2] <= set(fold.test)
            assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
            units = np.concatenate([task.train_units, task.val_units, task.test_units])
            assert np.unique(units).size == units.size


def replace_diagnoses(graph, units, seed: int = 0):
    """``graph`` where each of ``units`` has 3 new random diagnoses instead of its own (appended
    after the other edges, forward and reverse, edge attributes 1)."""
    from graphmed.graph import MedGraph
    from graphmed.tasks.diagnosis import unit_type

    unit = unit_type(graph)
    data = graph.data.clone()
    rng = np.random.default_rng(seed)
    n_dx = data["diagnosis"].num_nodes
    new_units = np.repeat(np.asarray(units), 3)
    new_dx = rng.integers(0, n_dx, new_units.size)
    for et in [et for et in data.edge_types if {et[0], et[2]} == {unit, "diagnosis"}]:
        store = data[et]
        e = store.edge_index
        keep = ~torch.from_numpy(np.isin((e[0] if et[0] == unit else e[1]).numpy(), units))
        pair = (new_units, new_dx) if et[0] == unit else (new_dx, new_units)
        added = torch.from_numpy(np.stack(pair))
        m = e.size(1)
        for key, value in list(store.items()):
            if key == "edge_index":
                store[key] = torch.cat([e[:, keep], added], 1)
            elif isinstance(value, torch.Tensor) and value.size(0) == m:
                ones = torch.ones((added.size(1),) + tuple(value.shape[1:]), dtype=value.dtype)
                store[key] = torch.cat([value[keep], ones])
    return MedGraph(data, graph.nodes, name=graph.name)


def test_flipping_test_labels_changes_no_prediction_epoch_or_threshold(data_root):
    from graphmed.ehr import HashingTextEncoder, add_text_features, load_mimic4
    from graphmed.models.diagnosis import BagOfCodesLogistic, TrainConfig, Trans4DD
    from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds, unit_labels
    from graphmed.training.diagnosis import fit_diagnosis_fold

    # text features on the code nodes (hashed names), read by the models that take them
    graph = add_text_features(load_mimic4().build(), HashingTextEncoder(dim=32))
    fold = patient_folds(100, 5, seed=0)[2]
    task = build_diagnosis_task(graph, fold)
    flipped = replace_diagnoses(graph, task.test_units)
    by_val = replace_diagnoses(graph, task.val_units)
    assert not np.array_equal(unit_labels(flipped, task.test_units, task.categories),
                              unit_labels(graph, task.test_units, task.categories))

    def factories():
        return [BagOfCodesLogistic, lambda: BagOfCodesLogistic(text_weight=2.0), lambda: Trans4DD(
            hidden=16, sizes=(4, 4, 8), eval_samples=1, train=TrainConfig(epochs=12, patience=4))]

    for factory in factories():
        base = fit_diagnosis_fold(factory(), graph, fold, seed=0)
        test = fit_diagnosis_fold(factory(), flipped, fold, seed=0)
        assert test.task.categories == base.task.categories
        assert np.array_equal(test.test_scores, base.test_scores)
        assert np.array_equal(test.thresholds, base.thresholds)
        assert not np.array_equal(test.test_labels, base.test_labels)
        history = getattr(base.model, "history", None)
        if history is not None:
            assert test.model.history.best_epoch == history.best_epoch
            assert test.model.history.scores == history.scores
        else:
            assert test.model.best_c == base.model.best_c
            assert test.model.validation_scores == base.model.validation_scores
        # the same flip on validation labels moves what is chosen on validation
        val = fit_diagnosis_fold(factory(), by_val, fold, seed=0)
        if history is not None:
            assert val.model.history.scores != history.scores
        else:
            assert val.model.validation_scores != base.model.validation_scores
        assert not np.array_equal(val.thresholds, base.thresholds)
