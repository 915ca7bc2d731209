"""What a training loop does when its loss or scores stop being finite.

A learning rate too high for the data makes the weights overflow to NaN within a few
steps; every later score is NaN and a metric would fail far from the cause. The loops
stop at the first non-finite value they read and either keep the best epoch validated
before it (with a warning) or, when there is none, raise
:class:`~graphmed.errors.TrainingDivergedError` naming the epoch and the learning rate.
"""
from __future__ import annotations

import warnings

import torch

from graphmed.errors import TrainingDivergedError


def is_finite(value: torch.Tensor) -> bool:
    """Whether a loss or score tensor of any shape holds only finite values."""
    return bool(torch.isfinite(value).all())


def on_divergence(where: str, epoch: int, what: str, *, lr: float, kept_epoch: int | None) -> None:
    """Report that training ``where`` diverged at ``epoch`` (``what``: the value that was not
    finite): a :class:`RuntimeWarning` when ``kept_epoch`` (a validated epoch before it) is
    kept, else :class:`~graphmed.errors.TrainingDivergedError`."""
    hint = f"a learning rate below {lr:g} usually avoids this"
    if kept_epoch is None:
        raise TrainingDivergedError(f"{where}: training diverged at epoch {epoch} ({what} is not "
                                    f"finite) before any epoch was validated; {hint}")
    warnings.warn(f"{where}: training diverged at epoch {epoch} ({what} is not finite); "
                  f"stopped and kept epoch {kept_epoch}, the best validated before it; {hint}",
                  RuntimeWarning, stacklevel=3)
