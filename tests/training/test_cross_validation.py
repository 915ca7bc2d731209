"""cross_validate and fit_fold: seeds, predictions, configs, what the model is given."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import torch

from graphmed.datasets import DrugDiseaseDataset
from graphmed.models import PairScorer, SimilarityKNN
from graphmed.splits import make_folds
from graphmed.training import cross_validate, fit_fold


def _similarity(a: np.ndarray) -> np.ndarray:
    """A random square matrix made a similarity: symmetric, 1 on the diagonal."""
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    return a


def _dataset(seed: int = 0, n_drugs: int = 40, n_diseases: int = 25) -> DrugDiseaseDataset:
    rng = np.random.default_rng(seed)
    sim = lambda n: _similarity(rng.random((n, n)))  # noqa: E731
    return DrugDiseaseDataset(
        "synthetic", rng.random((n_drugs, n_diseases)) < 0.12,
        pd.DataFrame({"id": [f"d{i}" for i in range(n_drugs)]}),
        pd.DataFrame({"id": [f"s{i}" for i in range(n_diseases)]}),
        drug_similarities={"chem": sim(n_drugs)}, disease_similarities={"pheno": sim(n_diseases)})


DATA = _dataset()


class Recorder(PairScorer):
    """Scores every pair by its drug index; records the seeds and parts it is fitted with."""

    name = "recorder"
    calls: list = []

    def __init__(self, uses_validation: bool = True):
        self.uses_validation = uses_validation

    def fit(self, data, part, *, seed=0):
        Recorder.calls.append((seed, part, data))
        self.shape = part.shape
        return self

    def score_matrix(self):
        return np.repeat(np.arange(self.shape[0], dtype=float)[:, None], self.shape[1], axis=1)


def test_seed_drawn_when_none_and_recorded(caplog):
    with caplog.at_level(logging.WARNING, logger="graphmed.seed"):
        result = cross_validate(DATA, "knn", seeds=None, n_folds=3, progress=False)
    assert len(result.seeds) == 1
    seed = result.seeds[0]
    assert isinstance(seed, int) and seed >= 0
    assert f"seed={seed}" in caplog.text
    assert result.summary.seeds == (seed,)
    assert [c["seed"] for c in result.fold_configs] == [seed] * 3
    again = cross_validate(DATA, "knn", seeds=[seed], n_folds=3, progress=False)
    assert again.summary.metrics == result.summary.metrics


@pytest.mark.parametrize("seeds, expected", [(2, [0, 1]), ([5, 3], [5, 3]), ((np.int64(4),), [4])])
def test_seeds_forms(seeds, expected):
    result = cross_validate(DATA, "knn", seeds=seeds, n_folds=2, progress=False)
    assert result.seeds == expected
    assert [(c["seed"], c["fold"]) for c in result.fold_configs] == [(s, f) for s in expected for f in (0, 1)]
    assert len(result.summary.runs) == 2 * len(expected)


@pytest.mark.parametrize("seeds", [[-1], [1.5], ["0"], [], 0])
def test_invalid_seeds(seeds):
    with pytest.raises(ValueError, match="seed"):
        cross_validate(DATA, "knn", seeds=seeds, n_folds=2, progress=False)


@pytest.mark.parametrize("protocol", ["A", "B", "new_disease"])
def test_keep_predictions(protocol):
    result = cross_validate(DATA, lambda: SimilarityKNN(k=5), protocol=protocol, seeds=[0, 1],
                            n_folds=3, keep_predictions=True, progress=False)
    assert result.protocol == protocol.replace("_", "-")
    assert result.summary.grouped == (protocol == "new_disease")
    assert len(result.predictions) == 6
    assert [(p["seed"], p["fold"]) for p in result.predictions] == [(s, f) for s in (0, 1) for f in range(3)]
    for seed in (0, 1):
        folds = make_folds(protocol, DATA.associations, n_folds=3, seed=seed)
        for fold, pred in zip(folds, result.predictions[3 * seed:3 * seed + 3]):
            pairs, labels = fold.test_pairs()
            n = len(pairs)
            assert pred["pairs"].shape == (n, 2) and pred["labels"].shape == (n,)
            assert pred["scores"].shape == (n,) and pred["scores"].dtype == np.float64
            assert np.array_equal(pred["pairs"], pairs) and np.array_equal(pred["labels"], labels)
            assert np.array_equal(pred["labels"], DATA.associations[tuple(pairs.T)])
            expected = fit_fold(SimilarityKNN(k=5), DATA, fold, seed=seed * 1000 + fold.index)
            np.testing.assert_allclose(pred["scores"], expected.score(pairs))
    if protocol == "A":  # test pairs of one seed cover the matrix once
        pairs = np.concatenate([p["pairs"] for p in result.predictions[:3]])
        assert len(np.unique(pairs, axis=0)) == len(pairs) == DATA.associations.size
    assert cross_validate(DATA, "knn", protocol=protocol, seeds=[0], n_folds=3,
                          progress=False).predictions == []


def test_configs_metrics_and_resources():
    result = cross_validate(DATA, "kronrls", seeds=[0], n_folds=3, metrics=["auroc", "precision@5"],
                            progress=False)
    assert list(result.summary.metrics) == ["auroc", "precision@5"]
    assert result.n_folds == 3 and result.val_fraction == 0.1
    for config in result.fold_configs:
        assert config["name"] == "kronrls" and config["best_lambda"] in config["lambdas"]
    assert result.wall_time_s > 0 and result.peak_rss_mb > 10
    if not torch.cuda.is_initialized():  # no GPU memory to report where CUDA was not used
        assert result.peak_cuda_mb is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_memory_is_recorded_on_cuda():
    from graphmed.models import GNNLinkPredictor

    result = cross_validate(DATA, lambda: GNNLinkPredictor(hidden=8, epochs=5, device="cuda"),
                            seeds=[0], n_folds=2, progress=False)
    assert result.peak_cuda_mb is not None and result.peak_cuda_mb > 0


def test_fit_fold_seed_and_parts():
    Recorder.calls.clear()
    cross_validate(DATA, Recorder, seeds=[2], n_folds=3, progress=False)
    assert [seed for seed, _, _ in Recorder.calls] == [2000, 2001, 2002]
    folds = make_folds("A", DATA.associations, n_folds=3, seed=2)
    for (_, part, data), fold in zip(Recorder.calls, folds):
        assert np.array_equal(part.train_pos, fold.train_pos)
        assert np.array_equal(part.val_pos, fold.val_pos)
        assert np.array_equal(data.associations, part.train_matrix())
    Recorder.calls.clear()
    fit_fold(Recorder(uses_validation=False), DATA, folds[0], seed=0)
    (_, part, data), = Recorder.calls
    assert len(part.val_pos) == len(part.val_neg) == 0
    assert len(part.train_pos) == len(folds[0].train_pos) + len(folds[0].val_pos)
    assert data.associations.sum() == len(part.train_pos)


def test_fit_fold_seeds_everything():
    class Draw(Recorder):
        def fit(self, data, part, *, seed=0):
            self.value = np.random.random()
            return super().fit(data, part, seed=seed)

    fold = make_folds("B", DATA.associations, n_folds=2)[0]
    first, second = (fit_fold(Draw(), DATA, fold, seed=7).value for _ in range(2))
    assert first == second != fit_fold(Draw(), DATA, fold, seed=8).value


class ThreadRecorder(Recorder):
    """Records torch's thread count while fitting."""

    threads: list = []

    def fit(self, data, part, *, seed=0):
        import torch

        ThreadRecorder.threads.append(torch.get_num_threads())
        return super().fit(data, part, seed=seed)


def test_fits_on_the_requested_threads():
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        ThreadRecorder.threads.clear()
        result = cross_validate(DATA, lambda: ThreadRecorder(), seeds=[0], n_folds=2, progress=False)
        assert ThreadRecorder.threads == [1, 1] and result.threads == 1
        ThreadRecorder.threads.clear()
        result = cross_validate(DATA, lambda: ThreadRecorder(), seeds=[0], n_folds=2,
                                progress=False, threads=None)
        assert ThreadRecorder.threads == [2, 2] and result.threads is None
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError, match="threads must be a positive integer"):
            cross_validate(DATA, "knn", seeds=[0], n_folds=2, progress=False, threads=0)
    finally:
        torch.set_num_threads(previous)


def test_a_model_object_instead_of_a_factory_is_named():
    with pytest.raises(TypeError, match=r"e.g. lambda: SimilarityKNN\(...\); got a SimilarityKNN "
                                        "object"):
        cross_validate(_dataset(), SimilarityKNN(), seeds=[0], n_folds=2, progress=False)
    with pytest.raises(TypeError, match="model must be a model name or a factory, got 3"):
        cross_validate(_dataset(), 3, seeds=[0], n_folds=2, progress=False)
