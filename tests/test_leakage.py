"""The leakage checklist of PROTOCOLS.md §5, one test per item, for every protocol."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
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

@pytest.mark.skip(reason="diagnosis graphs are not part of graphmed yet")
def test_no_target_revealing_edge_for_test_patients():
    """Placeholder for the diagnosis item of the checklist."""
