import numpy as np
import pytest

from graphmed.models import KronRLS, SimilarityKNN
from graphmed.models.base import PairScorer
from graphmed.models.ensemble import Ensemble, standardise, weight_grid
from graphmed.splits import make_folds
from graphmed.training import fit_fold


class Fixed(PairScorer):
    """Returns a fixed matrix; ``oracle`` peeks at nothing but what it is given."""

    def __init__(self, matrix, uses_validation=True):
        self.matrix, self.uses_validation = matrix, uses_validation
        self.fitted_on = []

    def fit(self, data, part, *, seed=0):
        self.fitted_on.append(len(part.train_pos))
        return self

    def score_matrix(self):
        return self.matrix


def test_weight_grid_is_the_simplex():
    grid = weight_grid(3, 0.25)
    assert np.allclose(grid.sum(1), 1.0) and (grid >= 0).all()
    assert len(grid) == 15 and len({tuple(r) for r in grid}) == 15
    assert weight_grid(1, 0.1).tolist() == [[1.0]]


def test_standardise():
    z = standardise(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)
    assert np.array_equal(standardise(np.ones((2, 2))), np.zeros((2, 2)))


def test_weights_follow_the_validation_pairs(fdataset):
    fold = make_folds("A", fdataset.associations, n_folds=5, seed=0)[0]
    rng = np.random.default_rng(0)
    noise = rng.normal(size=fdataset.associations.shape)
    truth = fdataset.associations.astype(float) + 0.1 * noise  # good on every pair
    model = fit_fold(Ensemble([lambda: Fixed(noise), lambda: Fixed(truth)]), fdataset, fold, seed=0)
    assert model.weights.tolist() == [0.0, 1.0]
    assert np.allclose(model.score_matrix(), standardise(truth))


def test_member_without_validation_is_refitted_with_it(fdataset):
    fold = make_folds("A", fdataset.associations, n_folds=5, seed=0)[0]
    members = []

    def factory():
        members.append(Fixed(np.zeros(fdataset.associations.shape), uses_validation=False))
        return members[-1]

    fit_fold(Ensemble([factory]), fdataset, fold, seed=0)
    assert [m.fitted_on for m in members] == [[len(fold.train_pos)],
                                              [len(fold.train_pos) + len(fold.val_pos)]]


def test_real_members_beat_the_weaker(fdataset):
    from graphmed.evaluation import aupr

    fold = make_folds("A", fdataset.associations, n_folds=5, seed=0)[1]
    model = fit_fold(Ensemble([SimilarityKNN, KronRLS]), fdataset, fold, seed=0)
    pairs, labels = fold.test_pairs()
    knn = fit_fold(SimilarityKNN(), fdataset, fold, seed=0)
    assert aupr(labels, model.score(pairs)) > aupr(labels, knn.score(pairs))
    assert model.config()["weights"] == [round(float(w), 4) for w in model.weights]
    assert [m["name"] for m in model.config()["members"]] == ["knn", "kronrls"]


def test_needs_a_member():
    with pytest.raises(ValueError):
        Ensemble([])


def test_members_are_factories_and_may_come_from_a_generator():
    from graphmed.models import KronRLS, Popularity

    ensemble = Ensemble(factory for factory in (KronRLS, Popularity))  # was "no len()"
    assert len(ensemble.factories) == 2
    with pytest.raises(TypeError, match="member 1 is an object of type KronRLS"):  # failed only at fit
        Ensemble([Popularity, KronRLS()])
    with pytest.raises(TypeError, match="member 0 is an object of type int"):
        Ensemble([3])


@pytest.mark.parametrize("step, message", [
    (0, r"step must be in \(0, 1\]"),
    (1.5, r"step must be in \(0, 1\]"),
    (float("nan"), r"step must be in \(0, 1\]"),
    (0.3, "step must divide 1 into whole steps"),  # was a grid of thirds
])
def test_step_must_split_one_into_whole_steps(step, message):
    with pytest.raises(ValueError, match=f"Ensemble: {message}"):
        Ensemble([KronRLS], step=step)
