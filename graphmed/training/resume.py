"""Resumable training: the whole state of a torch training loop in one checkpoint.

A long run (ogbl-ddi's 200-epoch recipes take hours per seed on a CPU) can be stopped at
any time and continued later from its last checkpoint, with the same result as an
uninterrupted run on the same machine: the checkpoint holds the model's and the
optimiser's tensors, the best state kept so far, every random number generator the loop
draws from and the loop's own progress (a JSON-serialisable dict). It is written
atomically through :func:`~graphmed.models.checkpoint.save_checkpoint` (tensors and JSON,
no pickled objects), so loading it never executes code, and a run killed while writing
leaves the previous checkpoint intact.

>>> saved = TrainingState(model, optimiser, {"batches": generator})      # doctest: +SKIP
>>> saved.save(path, settings, progress={"epoch": 7}, best=best_state)     # doctest: +SKIP
>>> progress, best = saved.restore(path, settings)  # same settings, or ValueError  # doctest: +SKIP
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from graphmed.errors import DataFormatError
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint

KIND = "graphmed-training-state"


def _canonical(settings: Mapping[str, Any]) -> dict:
    """``settings`` as JSON would give them back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(dict(settings), sort_keys=True, default=str))


class TrainingState:
    """What a training loop must save to continue exactly where it stopped.

    Args:
        model: the module being trained.
        optimiser: its optimiser (any ``torch.optim`` optimiser with tensor state).
        generators: named ``torch.Generator`` objects the loop draws from (batches,
            negatives, DropEdge ...). The global CPU generator (dropout, initialisation)
            and, where the model is on a GPU, that device's generator are saved too.
    """

    def __init__(self, model: nn.Module, optimiser: torch.optim.Optimizer,
                 generators: Mapping[str, torch.Generator] | None = None):
        self.model = model
        self.optimiser = optimiser
        self.generators = dict(generators or {})

    def save(self, path: str | Path, settings: Mapping[str, Any], progress: Mapping[str, Any],
             best: Mapping[str, torch.Tensor] | None = None) -> Path:
        """Write the state atomically; ``settings`` identify the run (checked on restore),
        ``progress`` is the loop's own JSON-serialisable record, ``best`` an optional state
        dict kept aside (e.g. the model at its best validation epoch)."""
        state: dict[str, torch.Tensor] = {}
        for name, value in self.model.state_dict().items():
            state[f"model.{name}"] = value
        for name, value in (best or {}).items():
            state[f"best.{name}"] = value
        optimiser = self.optimiser.state_dict()
        for index, slots in optimiser["state"].items():
            for key, value in slots.items():
                if not isinstance(value, torch.Tensor):
                    raise TypeError(f"optimiser state {key!r} is not a tensor; it cannot be saved")
                state[f"optim.{index}.{key}"] = value
        state["rng.cpu"] = torch.get_rng_state()
        device = self._device()
        if device.type == "cuda":
            state["rng.cuda"] = torch.cuda.get_rng_state(device)
        for name, generator in self.generators.items():
            state[f"rng.generator.{name}"] = generator.get_state()
        config = {"kind": KIND, "settings": _canonical(settings), "progress": dict(progress),
                  "param_groups": optimiser["param_groups"], "has_best": best is not None}
        return save_checkpoint(path, state, config)

    def restore(self, path: str | Path, settings: Mapping[str, Any]
                ) -> tuple[dict, dict[str, torch.Tensor] | None]:
        """Load the state written by :meth:`save` into the model, optimiser and generators.

        Returns:
            ``(progress, best)`` as they were saved (``best`` None if none was).
        Raises:
            DataFormatError: not a training state, or it does not fit this model.
            ValueError: the checkpoint belongs to a run with other ``settings``.
        """
        path = Path(path)
        tensors, config = load_checkpoint(path)
        if not isinstance(config, dict) or config.get("kind") != KIND:
            raise DataFormatError("not a training state written by graphmed (a model "
                                  "checkpoint, or another file)", source=path)
        saved, wanted = config["settings"], _canonical(settings)
        if saved != wanted:
            keys = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
            detail = ", ".join(f"{k}: {saved.get(k)!r} there, {wanted.get(k)!r} now" for k in keys)
            raise ValueError(f"{path} belongs to a run with other settings ({detail}); remove "
                             "it to start afresh, or resume with the settings it was saved with")
        try:
            self._load(tensors, config)
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise DataFormatError(f"the training state does not fit this model "
                                  f"({type(exc).__name__}: {exc})", source=path) from None
        best = None
        if config.get("has_best"):
            best = {name.removeprefix("best."): value for name, value in tensors.items()
                    if name.startswith("best.")}
        return dict(config["progress"]), best

    # -- helpers
    def _device(self) -> torch.device:
        parameter = next(self.model.parameters(), None)
        return parameter.device if parameter is not None else torch.device("cpu")

    def _load(self, tensors: dict, config: dict) -> None:
        device = self._device()
        model_state = {name.removeprefix("model."): value for name, value in tensors.items()
                       if name.startswith("model.")}
        self.model.load_state_dict(model_state)
        slots: dict[int, dict[str, torch.Tensor]] = {}
        for name, value in tensors.items():
            if name.startswith("optim."):
                _, index, key = name.split(".", 2)
                slots.setdefault(int(index), {})[key] = value
        groups = []
        for group in config["param_groups"]:
            group = dict(group)
            for key, value in group.items():
                if key != "params" and isinstance(value, list):
                    group[key] = tuple(value)  # e.g. Adam's betas
            groups.append(group)
        self.optimiser.load_state_dict({"state": slots, "param_groups": groups})
        torch.set_rng_state(tensors["rng.cpu"])
        if device.type == "cuda" and "rng.cuda" in tensors:
            torch.cuda.set_rng_state(tensors["rng.cuda"], device)
        for name, generator in self.generators.items():
            generator.set_state(tensors[f"rng.generator.{name}"])
