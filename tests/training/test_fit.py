import math

import pytest
import torch

from graphmed.splits import make_folds
from graphmed.tasks.link_prediction import build_link_task
from graphmed.training.fit import FitConfig, fit_link_model


class Free(torch.nn.Module):
    """A free logit per pair: a model with no graph, to test the loop alone."""

    def __init__(self, shape):
        super().__init__()
        self.logits = torch.nn.Parameter(torch.zeros(shape))

    def forward(self, task):
        return self.logits


@pytest.fixture(scope="module")
def task(fdataset):
    fold = make_folds("A", fdataset.associations, n_folds=5, seed=0)[0]
    return build_link_task(fdataset, fold.train_part())


def test_loss_decreases_and_history_recorded(task):
    model = Free(task.labels.shape)
    result = fit_link_model(model, task, FitConfig(epochs=40, lr=0.1, eval_every=10, patience=100,
                                                   device="cpu"))
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < losses[0]
    assert [h["epoch"] for h in result.history] == [10, 20, 30, 40]
    assert result.epochs_run == 40 and 10 <= result.best_epoch <= 40


def test_early_stopping_restores_best_weights(task):
    model = Free(task.labels.shape)
    config = FitConfig(epochs=200, lr=0.5, eval_every=1, patience=3, selection="aupr", device="cpu")
    result = fit_link_model(model, task, config)
    assert result.epochs_run < 200
    final = task.validation_score(model(task))["aupr"]
    assert final == pytest.approx(result.best_score)


def test_no_validation_keeps_last_epoch(task):
    empty = torch.zeros((0, 2), dtype=torch.long)
    no_val = type(task)(**{**vars(task), "val_pairs": empty, "val_labels": torch.zeros(0)})
    result = fit_link_model(Free(task.labels.shape), no_val, FitConfig(epochs=7, eval_every=5,
                                                                      device="cpu"))
    assert result.best_epoch == 7 and math.isinf(result.best_score)


def test_device_resolution():
    assert FitConfig(device="cpu").resolved_device().type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert FitConfig(device="auto").resolved_device().type == expected


class Overflowing(Free):
    """Free logits that turn NaN from the ``bad``-th forward call on (a diverged model)."""

    def __init__(self, shape, bad):
        super().__init__(shape)
        self.calls, self.bad = 0, bad

    def forward(self, task):
        self.calls += 1
        return self.logits * (math.nan if self.calls >= self.bad else 1.0)


def test_divergence_keeps_the_best_epoch_validated_before_it(task):
    model = Overflowing(task.labels.shape, bad=8)  # epochs 1-5 train, 5 validates, NaN at 10
    config = FitConfig(epochs=50, lr=0.1, eval_every=5, patience=100, device="cpu")
    with pytest.warns(RuntimeWarning, match="diverged at epoch 10 .*kept epoch 5.*below 0.1"):
        result = fit_link_model(model, task, config)
    assert result.diverged_at == 10 and result.epochs_run == 10 and result.best_epoch == 5
    assert torch.isfinite(model.logits).all()


def test_divergence_before_any_validation_is_a_clear_error(task):
    from graphmed.errors import TrainingDivergedError

    config = FitConfig(epochs=50, lr=0.1, eval_every=5, device="cpu")
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 5 .*before any epoch"):
        fit_link_model(Overflowing(task.labels.shape, bad=1), task, config)
