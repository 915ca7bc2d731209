"""Full-batch training loop with early stopping on the validation pairs only."""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field

import torch
from tqdm.auto import tqdm

from graphmed.checks import check_settings
from graphmed.device import check_device_name, resolve_device
from graphmed.tasks.link_prediction import LinkTask
from graphmed.training.divergence import is_finite, on_divergence


#: validation metrics (or their sum) :class:`FitConfig` can select the epoch by
SELECTIONS = ("auroc", "aupr", "auroc+aupr")


@dataclass
class FitConfig:
    """How a model is trained.

    Attributes:
        epochs: maximum number of epochs.
        lr / weight_decay: Adam optimiser settings.
        eval_every: epochs between two validation evaluations.
        patience: evaluations without improvement before stopping.
        selection: validation metric to maximise: ``"auroc"``, ``"aupr"`` or ``"auroc+aupr"``.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when available).
        amp: bfloat16 autocast for the training steps on CUDA (ignored on CPU); validation
            scores, which choose the epoch, are computed in float32 like the final scores.
    """

    epochs: int = 400
    lr: float = 0.01
    weight_decay: float = 0.0
    eval_every: int = 5
    patience: int = 10
    selection: str = "auroc+aupr"
    device: str = "auto"
    amp: bool = True

    def check(self) -> "FitConfig":
        """Raise ``ValueError`` naming the first setting out of its range; returns ``self``.
        Whether this machine has the device is checked when training starts
        (:meth:`resolved_device`), so a model saved on a GPU loads on a CPU."""
        if self.selection not in SELECTIONS:
            raise ValueError(f"unknown selection {self.selection!r}; known: {', '.join(SELECTIONS)}")
        check_device_name(self.device)
        check_settings(at_least={name: (getattr(self, name), 1)
                                 for name in ("epochs", "eval_every", "patience")},
                       positive={"lr": self.lr}, non_negative={"weight_decay": self.weight_decay})
        return self

    def resolved_device(self) -> torch.device:
        """The device to train on; ``ValueError`` for an unknown or unavailable one."""
        return resolve_device(self.device)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FitResult:
    """What training did: best epoch and validation score, history, time; ``diverged_at``:
    the epoch where the loss or the scores stopped being finite (training stopped there);
    ``device``: where it trained (``"cuda:0"`` for ``device="auto"`` on a GPU machine)."""

    best_epoch: int
    best_score: float
    epochs_run: int
    seconds: float
    history: list[dict] = field(default_factory=list)
    diverged_at: int | None = None
    device: str = "cpu"


def _selection_value(scores: dict[str, float], selection: str) -> float:
    if not scores:
        return math.nan
    return sum(scores[name] for name in selection.split("+"))


def fit_link_model(module: torch.nn.Module, task: LinkTask, config: FitConfig, *,
                   progress: bool = False) -> FitResult:
    """Train ``module`` (``module(task) -> (n_drugs, n_diseases) logits``) on ``task``.

    The module's weights are left at the best validation evaluation. Without
    validation pairs it trains for ``config.epochs`` and keeps the last weights. A loss or
    scores that stop being finite end training at that evaluation (see
    :func:`~graphmed.training.divergence.on_divergence`).
    """
    device = config.check().resolved_device()
    module.to(device)
    task = task.to(device)
    autocast = config.amp and device.type == "cuda"
    optimiser = torch.optim.Adam(module.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    best_score, best_epoch, best_state, stale = -math.inf, 0, None, 0
    history: list[dict] = []
    start = time.perf_counter()
    epoch, diverged_at = 0, None
    bar = tqdm(range(1, config.epochs + 1), desc="training", disable=not progress, leave=False)
    for epoch in bar:
        module.train()
        optimiser.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = task.loss(module(task))
        loss.backward()
        optimiser.step()
        if epoch % config.eval_every and epoch != config.epochs:
            continue
        module.eval()
        with torch.no_grad():  # in full precision, as the model's scores are given later
            logits = module(task)
        loss_value = loss.item()
        if not (math.isfinite(loss_value) and is_finite(logits)):
            diverged_at = epoch
            on_divergence("fit_link_model", epoch, "the loss" if not math.isfinite(loss_value)
                          else "a score", lr=config.lr,
                          kept_epoch=best_epoch if best_state is not None else None)
            break
        scores = task.validation_score(logits)
        value = _selection_value(scores, config.selection)
        history.append({"epoch": epoch, "loss": loss_value, **scores})
        bar.set_postfix(loss=f"{loss_value:.4f}", val=f"{value:.4f}")
        if math.isnan(value):
            continue
        if value > best_score:
            best_score, best_epoch, stale = value, epoch, 0
            best_state = copy.deepcopy(module.state_dict())
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    else:
        best_epoch = epoch
    return FitResult(best_epoch=best_epoch, best_score=best_score, epochs_run=epoch,
                     seconds=time.perf_counter() - start, history=history, diverged_at=diverged_at,
                     device=str(device))
