"""A model fitted for repositioning: on every known pair, with a random validation part.

Cross-validation measures how good a model is; repositioning then asks it about the
unknown pairs, so the model is fitted on *all* known associations. A validation part is
still carved at random (a share of known pairs and of unknown pairs) for the choices a
model makes (KronRLS's regularisation, the GNN's epoch, the ensemble's weights); models
that choose nothing, and KronRLS after its choice, are refitted with it.

:class:`RepurposingModel` keeps the score of every (drug, disease) pair, the known pairs
the model's labels and graph held (the graph explanations must use) and the data set's
checksum. It saves to the npz + JSON checkpoint format of :mod:`graphmed.models.checkpoint`
(no pickles: loading runs no code) and refuses to load against a different data set.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.io import _json_default
from graphmed.models.base import PairScorer
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint
from graphmed.seed import resolve_seed, seed_everything
from graphmed.splits.fold import TrainPart
from graphmed.threads import DEFAULT_THREADS, cpu_threads

logger = logging.getLogger(__name__)

#: ``config["kind"]`` of a repositioning checkpoint.
CHECKPOINT_KIND = "graphmed-repurposing"
_ARRAYS = ("scores", "train_pairs", "validation_pairs")


def repurposing_part(associations: np.ndarray, *, seed: int, val_fraction: float = 0.1) -> TrainPart:
    """A :class:`TrainPart` over all known pairs with ``val_fraction`` of the known and of the
    unknown pairs carved at random for validation (no test pairs: nothing is evaluated)."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    associations = np.asarray(associations, dtype=bool)
    rng = np.random.default_rng(seed)
    parts = []
    for pairs in (np.argwhere(associations), np.argwhere(~associations)):
        pairs = pairs.astype(np.int64)
        order = rng.permutation(len(pairs))
        n_val = int(round(val_fraction * len(pairs)))
        parts += [pairs[np.sort(order[n_val:])], pairs[np.sort(order[:n_val])]]
    train_pos, val_pos, train_neg, val_neg = parts
    pool = np.zeros(associations.shape, dtype=bool)
    pool[train_neg[:, 0], train_neg[:, 1]] = True
    return TrainPart(train_pos, train_neg, val_pos, val_neg, pool)


def _graph_pairs(model: PairScorer, part: TrainPart) -> np.ndarray:
    """The known pairs the fitted model's scores rest on: without the validation positives
    for a GNN alone (they stay out of its graph); with them for every other model, which
    refits on training + validation pairs after its choices, and for an ensemble, whose
    scores mix members that saw them (KronRLS) with one that did not (the GNN)."""
    from graphmed.models import GNNLinkPredictor

    if isinstance(model, GNNLinkPredictor):
        return part.train_pos
    return part.merged().train_pos


@dataclass(eq=False)
class RepurposingModel:
    """Scores of every (drug, disease) pair from a model fitted on all known pairs.

    Attributes:
        model_name: e.g. ``"kronrls"``.
        model_config: the fitted model's :meth:`~graphmed.models.PairScorer.config`
            (chosen hyperparameters, ensemble weights, attention weights where it has them).
        scores: ``(n_drugs, n_diseases)`` float64, higher is more likely.
        train_pairs: ``(n, 2)`` known (drug, disease) pairs in the model's labels and graph;
            explanations use the graph of these pairs.
        validation_pairs: ``(n, 2)`` known pairs carved for validation.
        dataset_name / dataset_checksum: the data set it was fitted on.
        seed / val_fraction: how the validation part was drawn and the model seeded.
        model: the fitted :class:`PairScorer` (``None`` after :meth:`load`).
    """

    model_name: str
    model_config: dict
    scores: np.ndarray
    train_pairs: np.ndarray
    validation_pairs: np.ndarray
    dataset_name: str
    dataset_checksum: str
    seed: int
    val_fraction: float
    model: PairScorer | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.model_name

    def score_matrix(self) -> np.ndarray:
        """``(n_drugs, n_diseases)`` scores (the :class:`PairScorer` interface)."""
        return self.scores

    def config(self) -> dict:
        return self.model_config

    def attention(self) -> dict | None:
        """The model's learned modality attention weights, where it has them (the GNN with
        attention or late fusion, alone or in an ensemble), else ``None``."""
        return find_attention(self.model_config)

    def check_dataset(self, dataset: DrugDiseaseDataset, *, source: str | Path | None = None) -> None:
        """Raise :class:`DataFormatError` unless ``dataset`` is the data set this model was fitted on."""
        if dataset.checksum != self.dataset_checksum:
            raise DataFormatError(
                f"this model was fitted on {self.dataset_name!r} (data checksum "
                f"{self.dataset_checksum[:12]}), not on the data set given, {dataset.name!r} "
                f"(checksum {dataset.checksum[:12]}); fit a model on it or load the data it was "
                "fitted on", source=source)

    def save(self, path: str | Path) -> Path:
        """Write scores, pairs and settings to one checkpoint file (npz + JSON, no pickles)."""
        config = json.loads(json.dumps({
            "kind": CHECKPOINT_KIND, "model": self.model_name, "model_config": self.model_config,
            "dataset": self.dataset_name, "dataset_checksum": self.dataset_checksum,
            "seed": self.seed, "val_fraction": self.val_fraction}, default=_json_default))
        state = {"scores": np.asarray(self.scores, dtype=np.float64),
                 "train_pairs": np.asarray(self.train_pairs, dtype=np.int64).reshape(-1, 2),
                 "validation_pairs": np.asarray(self.validation_pairs, dtype=np.int64).reshape(-1, 2)}
        return save_checkpoint(path, state, config)

    @classmethod
    def load(cls, path: str | Path, dataset: DrugDiseaseDataset | None = None) -> "RepurposingModel":
        """Read a checkpoint written by :meth:`save`; with ``dataset``, check it is the same data.

        Raises:
            DataFormatError: not a graphmed checkpoint, a checkpoint of another kind (e.g.
                GNN weights), malformed content, or fitted on a different data set.
        """
        path = Path(path)
        if not path.is_file():
            raise DataFormatError("no such file", source=path)
        with open(path, "rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                raise DataFormatError("not a graphmed checkpoint (not an .npz archive); load a "
                                      "file written by `graphmed repurpose --save` or "
                                      "RepurposingModel.save", source=path)
        state, config = load_checkpoint(path)
        if not isinstance(config, dict) or config.get("kind") != CHECKPOINT_KIND:
            what = (f"a {config.get('model')} weights checkpoint" if isinstance(config, dict)
                    and config.get("model") else "another kind of checkpoint")
            raise DataFormatError(f"{what}, not a repositioning model; save one with "
                                  "`graphmed repurpose --save` or RepurposingModel.save",
                                  source=path)
        missing = [name for name in _ARRAYS if name not in state]
        if missing:
            raise DataFormatError(f"checkpoint lacks {', '.join(missing)}", source=path)
        try:
            scores = np.asarray(state["scores"], dtype=np.float64)
            pairs = {name: np.asarray(state[name], dtype=np.int64) for name in _ARRAYS[1:]}
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"checkpoint arrays are not numbers ({exc})",
                                  source=path) from None
        if scores.ndim != 2 or any(p.ndim != 2 or p.shape[1] != 2 for p in pairs.values()):
            raise DataFormatError("checkpoint arrays have the wrong shape", source=path)
        for p in pairs.values():
            if len(p) and (p.min() < 0 or (p >= np.array(scores.shape)).any()):
                raise DataFormatError("checkpoint pairs lie outside its score matrix", source=path)
        try:
            model = cls(model_name=str(config["model"]),
                        model_config=dict(config.get("model_config") or {}), scores=scores,
                        train_pairs=pairs["train_pairs"],
                        validation_pairs=pairs["validation_pairs"],
                        dataset_name=str(config["dataset"]),
                        dataset_checksum=str(config["dataset_checksum"]), seed=int(config["seed"]),
                        val_fraction=float(config["val_fraction"]))
        except (KeyError, TypeError, ValueError) as exc:
            what = f"lacks {exc}" if isinstance(exc, KeyError) else f"has a malformed entry ({exc})"
            raise DataFormatError(f"checkpoint config {what}", source=path) from None
        if dataset is not None:
            model.check_dataset(dataset, source=path)
        return model

    def __repr__(self) -> str:
        return (f"RepurposingModel({self.model_name!r}, dataset={self.dataset_name!r}, "
                f"seed={self.seed}, train_pairs={len(self.train_pairs)})")


def find_attention(config) -> dict | None:
    """The first ``"modality_weights"`` entry in a (nested) model config, else ``None``."""
    if isinstance(config, dict):
        if config.get("modality_weights"):
            return config["modality_weights"]
        children = config.values()
    elif isinstance(config, (list, tuple)):
        children = config
    else:
        return None
    for child in children:
        found = find_attention(child)
        if found:
            return found
    return None


def fit_for_repurposing(dataset: DrugDiseaseDataset, model: str | PairScorer | None = None, *,
                        seed: int | None = None, val_fraction: float = 0.1,
                        threads: int | None = DEFAULT_THREADS) -> RepurposingModel:
    """Fit ``model`` on every known pair of ``dataset`` for repositioning.

    Args:
        model: a model name (see :data:`graphmed.models.MODELS`; ``None``: the default
            model) or an unfitted :class:`PairScorer`.
        seed: seeds the validation part and the model; ``None`` draws one and logs it.
        val_fraction: share of known and of unknown pairs carved for the model's choices.
        threads: CPU threads while fitting (:func:`graphmed.threads.cpu_threads`; None: the
            process's setting).
    """
    from graphmed.models import DEFAULT_MODEL, make_model

    scorer = model if isinstance(model, PairScorer) else make_model(model or DEFAULT_MODEL)
    seed = resolve_seed(seed)
    part = repurposing_part(dataset.associations, seed=seed, val_fraction=val_fraction)
    if not scorer.uses_validation:
        part = part.merged()
    seed_everything(seed)
    with cpu_threads(threads):
        scorer.fit(replace(dataset, associations=part.train_matrix()), part, seed=seed)
    logger.info("fitted %s on %s for repositioning (seed %d)", scorer.name, dataset.name, seed)
    return RepurposingModel(
        model_name=scorer.name, model_config=scorer.config(),
        scores=np.asarray(scorer.score_matrix(), dtype=np.float64),
        train_pairs=_graph_pairs(scorer, part), validation_pairs=part.val_pos,
        dataset_name=dataset.name, dataset_checksum=dataset.checksum, seed=seed,
        val_fraction=val_fraction, model=scorer)
