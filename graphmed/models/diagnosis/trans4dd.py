"""A Trans4DD-style diagnosis model: heterogeneous graph-Transformer encoder, then a
Transformer over each unit's sampled multi-hop context.

1. Encoder: the heterogeneous graph as one node set with typed edges, a
   :class:`~graphmed.nn.GNNStack` of graph-Transformer convolutions whose attention reads
   learned edge-type embeddings, with residual connections and layer normalisation.
2. Context: for each unit, ``sizes[h]`` nodes at hop ``h + 1`` drawn by random walks on
   the same graph (:func:`~graphmed.nn.sample_hop_context`; e.g. admission -> drug ->
   other admission -> its diagnosis).
3. Readout: :class:`~graphmed.nn.HopContextTransformer` over ``[unit, context]`` tokens
   (encoder embedding + node-type embedding + hop embedding), then a linear multi-label
   head on the unit token, plus (``wide=True``) a linear map of the unit's bag-of-codes
   (a wide skip).
4. Blend (``logistic_weight``): the output probability is
   ``(1 - w) * sigmoid(deep logits) + w * p_logistic``, where ``p_logistic`` is
   :class:`~graphmed.models.diagnosis.BagOfCodesLogistic` fitted on the same fold (``C``
   chosen on validation units); early stopping reads the blended validation score.

Its settings were chosen on validation patients only (MIMIC-IV demo); every setting
tried and its validation score is recorded in docs/diagnosis.md ("How the
Trans4DD-style model's settings were chosen").

Training hides the diagnoses of a random half of the training patients at each step and
learns on their units (:meth:`~graphmed.tasks.diagnosis.DiagnosisTask.training_view`), so
training units look like test units (no diagnosis edges of their own). Predictions
average ``eval_samples`` context draws made with a fixed seed.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.special import expit, logit

from graphmed.checks import check_settings
from graphmed.models.diagnosis.base import TorchDiagnosisModel, TrainConfig, bce, validation_score
from graphmed.models.diagnosis.inputs import has_code_text, has_indications
from graphmed.models.diagnosis.logistic import (INDICATION_SETTINGS, TEXT_CODES_SETTINGS,
                                                BagOfCodesLogistic)
from graphmed.models.diagnosis.trans4dd_net import WIDE_INITS, Trans4DDNet
from graphmed.nn._checks import check_heads
from graphmed.nn.gnn_stack import RESIDUALS
from graphmed.tasks.diagnosis import DiagnosisTask


#: Settings of the blended logistic part on graphs whose codes carry text features: those of
#: ``logistic-text-codes`` (chosen on validation patients, see the module docstring).
TEXT_LOGISTIC_SETTINGS = TEXT_CODES_SETTINGS

#: How the loss weighs each category's positives (:func:`category_pos_weight`).
POS_WEIGHTS = ("none", "balanced", "sqrt")


def category_pos_weight(labels: np.ndarray, kind: str) -> torch.Tensor | None:
    """``(c,)`` weights of each category's positive units in the loss: ``"balanced"`` its
    negatives per positive among the training units (every category then weighs as much in
    the loss as in macro AUROC), ``"sqrt"`` the square root of that; ``None`` for ``"none"``."""
    if kind == "none":
        return None
    positives = labels.sum(0)
    ratio = (labels.shape[0] - positives) / np.maximum(positives, 1.0)
    return torch.as_tensor(ratio if kind == "balanced" else np.sqrt(ratio), dtype=torch.float32)


class Trans4DD(TorchDiagnosisModel):
    """Trans4DD-style diagnosis model (see the module docstring).

    Args:
        hidden: width of every embedding.
        layers: graph-Transformer layers of the encoder.
        heads: attention heads (encoder and context Transformer).
        dropout: dropout everywhere.
        sizes: context slots per hop.
        context_layers: layers of the context Transformer.
        eval_samples: context draws averaged at prediction time.
        target_fraction: share of training patients whose diagnoses are hidden per step.
        encoder_residual: ``"residual"`` (default) or ``"none"`` (ablation).
        unit_features: units start from their bag-of-codes (drugs, procedures, any lab results).
        wide: add a linear map of the unit's bag-of-codes to the logits (a wide skip
            around the graph and context encoders).
        wide_init: ``"random"`` or ``"logistic"`` (the wide map starts from a logistic fit
            on the training units, ``C`` chosen on validation, and the deep head from zero).
        logistic_weight: weight ``w`` in ``[0, 1)`` of the logistic baseline's probability
            in the output (0: the network alone); early stopping reads this blend.
        blend_weights: candidates for ``w``, one chosen after training by validation macro
            AUROC (:attr:`blend_weight`); ``None``: ``w = logistic_weight``.
        siblings: the units' features (and wide part) also hold the codes of the patient's
            other units (:func:`~graphmed.models.diagnosis.inputs.sibling_codes`).
        code_embeddings: code nodes with text features also get a per-node embedding.
        members: networks trained from different seeds (each early-stopped on its own)
            whose probabilities are averaged before the blend.
        blend: ``"probability"`` (the formula above) or ``"logit"`` (the same weights on
            log-odds).
        batch_units: on large graphs, the training step's loss reads at most this many of
            the units whose diagnoses it hides (drawn at random), and prediction runs the
            context Transformer on this many units at a time; ``None`` (default): all at once.
            On 40 copies of the MIMIC-IV demo (11,000 admissions, one network, one core)
            ``1024`` takes an epoch from 8.3 to 6.3 s and the peak memory from 2.6 to 2.1 GB;
            the graph encoder, which still runs over every node, is then the larger part.
        label_context: add a linear map of the unit's label-aware context to the logits
            (:class:`~graphmed.models.diagnosis.label_context.LabelContext`: categories of
            the units sharing its codes, read from the diagnosis edges the step sees).
        logistic_settings: settings of the blended
            :class:`~graphmed.models.diagnosis.BagOfCodesLogistic` (e.g.
            ``{"lsa_components": 16, "lsa_weight": 3.0}``); ``None`` (default):
            :data:`TEXT_LOGISTIC_SETTINGS` (the codes' text, as ``logistic-text-codes``) where
            the graph's drugs or procedures carry text features, its defaults where not;
            plus ``indication_weight`` of :data:`INDICATION_SETTINGS` where its drugs carry
            known indications.
        indications: add ``s_k * indication_codes[unit, k]`` to each category's logit
            (:func:`~graphmed.models.diagnosis.inputs.indication_codes`: the unit's drugs'
            known indications for category ``k``; ``s`` learned, one per category, starting
            at ``indication_init``); ``None`` (default): where the graph's drugs carry them
            (:func:`graphmed.ehr.indications.add_indication_categories`).
        stack: the networks add their logits to the logistic part's log-odds and their head
            starts at zero, so training starts from the logistic model and learns what it
            misses; the log-odds of the training units are cross-fitted
            (:meth:`~graphmed.models.diagnosis.BagOfCodesLogistic.cross_fitted`, five groups
            of training patients, fewer where there are fewer patients), as their in-sample
            fit is closer to their labels than a
            new unit's will be. ``logistic_weight`` still blends the logistic part in after.
        pos_weight: how the loss weighs each category's positives, one of
            :data:`POS_WEIGHTS` (:func:`category_pos_weight`); ``"none"`` (default) weighs
            every label alike.
        train: optimiser and early-stopping settings (default: :class:`TrainConfig` with
            ``weight_decay=1e-3``); a ``TrainConfig`` given here replaces them all, so keep
            that weight decay with ``TrainConfig(epochs=..., weight_decay=1e-3)``.
        **training: some of those settings by name on top of the default (or of ``train``):
            ``Trans4DD(epochs=100, lr=1e-2)`` keeps the weight decay of 1e-3.
    """

    name = "trans4dd"

    def __init__(self, hidden: int = 32, layers: int = 1, heads: int = 2, dropout: float = 0.3,
                 sizes: tuple[int, ...] = (16, 16, 32), context_layers: int = 1,
                 eval_samples: int = 4, target_fraction: float = 0.5,
                 encoder_residual: str = "residual", unit_features: bool = True,
                 wide: bool = True, wide_init: str = "random", logistic_weight: float = 0.5,
                 blend_weights: tuple[float, ...] | None = None, siblings: bool = False,
                 code_embeddings: bool = False, label_context: bool = False,
                 members: int = 3, blend: str = "probability", batch_units: int | None = None,
                 pos_weight: str = "none", logistic_settings: dict | None = None,
                 indications: bool | None = None, indication_init: float = 1.0,
                 stack: bool = False, train: TrainConfig | None = None, **training):
        super().__init__(train, TrainConfig(weight_decay=1e-3), **training)
        batches = {} if batch_units is None else {"batch_units (or None)": (batch_units, 1)}
        check_settings("Trans4DD", at_least={"members": (members, 1), **batches},
                       fractions={"logistic_weight": logistic_weight})
        self.members = int(members)
        if blend not in ("probability", "logit"):
            raise ValueError(f"blend must be 'probability' or 'logit', got {blend!r}")
        self.blend = blend
        self._fitted: list[tuple[torch.nn.Module, int]] = []
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise ValueError(f"Trans4DD: sizes must be a sequence of context nodes per hop, e.g. "
                             f"(16, 16), got {sizes!r}")
        sizes = tuple(sizes)
        check_settings("Trans4DD", at_least={
            "hidden": (hidden, 1), "layers": (layers, 1), "heads": (heads, 1),
            "context_layers": (context_layers, 1), "eval_samples": (eval_samples, 1),
            "len(sizes)": (len(sizes), 1), **{f"sizes[{i}]": (n, 1) for i, n in enumerate(sizes)}},
            fractions={"dropout": dropout}, shares={"target_fraction": target_fraction})
        check_heads("Trans4DD", "hidden", hidden, heads)
        if encoder_residual not in RESIDUALS:
            raise ValueError(f"Trans4DD: encoder_residual must be one of {RESIDUALS}, "
                             f"got {encoder_residual!r}")
        if wide_init not in WIDE_INITS:
            raise ValueError(f"Trans4DD: wide_init must be one of {WIDE_INITS}, got {wide_init!r}")
        self.hidden, self.layers, self.heads, self.dropout = int(hidden), int(layers), int(heads), float(dropout)
        self.sizes, self.context_layers = tuple(int(s) for s in sizes), int(context_layers)
        self.eval_samples, self.target_fraction = int(eval_samples), float(target_fraction)
        self.encoder_residual, self.unit_features = encoder_residual, bool(unit_features)
        self.wide, self.wide_init = bool(wide), str(wide_init)
        self.logistic_weight = self.blend_weight = float(logistic_weight)
        if blend_weights is not None:
            if isinstance(blend_weights, (int, float)) or not len(blend_weights):
                raise ValueError(f"Trans4DD: blend_weights must be a non-empty sequence of weights "
                                 f"in [0, 1) or None, got {blend_weights!r}")
            check_settings("Trans4DD", fractions={f"blend_weights[{i}]": w
                                                  for i, w in enumerate(blend_weights)})
            blend_weights = tuple(float(w) for w in blend_weights)
            if logistic_weight == 0.0:
                raise ValueError("blend_weights needs logistic_weight > 0 (the logistic fit)")
        self.blend_weights = blend_weights
        self.siblings, self.code_embeddings = bool(siblings), bool(code_embeddings)
        self.label_context = bool(label_context)
        self.indications = None if indications is None else bool(indications)
        check_settings("Trans4DD", non_negative={"indication_init": indication_init})
        self.indication_init = float(indication_init)
        self.fitted_indications: bool | None = None
        self.logistic: BagOfCodesLogistic | None = None
        self.batch_units = None if batch_units is None else int(batch_units)
        if pos_weight not in POS_WEIGHTS:
            raise ValueError(f"pos_weight must be one of {POS_WEIGHTS}, got {pos_weight!r}")
        self.pos_weight = pos_weight
        self.logistic_settings = None if logistic_settings is None else dict(logistic_settings)
        BagOfCodesLogistic(**(self.logistic_settings or {}))  # checked now, not at fit
        self.fitted_logistic_settings: dict | None = None
        self.stack = bool(stack)
        self._offset: torch.Tensor | None = None

    def _build(self, task: DiagnosisTask) -> torch.nn.Module:
        net = self._network(task)
        if self.stack:  # training starts from the logistic part's log-odds
            with torch.no_grad():
                net.head.weight.zero_()
                net.head.bias.zero_()
            self._offset = self._offset.to(self.device)
        return net

    def _network(self, task: DiagnosisTask) -> Trans4DDNet:
        return Trans4DDNet(task, self.hidden, self.layers, self.heads, self.dropout, self.sizes,
                           self.context_layers, self.encoder_residual, self.unit_features,
                           self.wide, self.wide_init, self.siblings, self.code_embeddings,
                           self.label_context, self.fitted_indications, self.indication_init)

    def fit(self, task: DiagnosisTask, *, seed: int = 0) -> "Trans4DD":
        self.fitted_logistic_settings = self.logistic_part_settings(task)
        self.fitted_indications = (has_indications(task) if self.indications is None
                                   else self.indications)
        self.logistic = None
        if self.logistic_weight > 0 or self.stack:
            self.logistic = BagOfCodesLogistic(**self.fitted_logistic_settings)
            self.logistic.progress = self.progress
            self.logistic.fit(task, seed=seed)
        self._offset = self._logistic_offset(task, seed) if self.stack else None
        self.blend_weight = self.logistic_weight
        self._category_weight = category_pos_weight(task.train_labels, self.pos_weight)
        fitted = []
        for member in range(self.members):
            # each network is early-stopped on its own blended validation score
            self._fitted = []
            super().fit(task, seed=seed + 7919 * member)
            fitted.append((self.module, self.seed))
        self._fitted = fitted
        if self.blend_weights is not None:
            deep = self._deep_predict(task, task.val_units)
            linear = self.logistic.predict(task, task.val_units)
            scores = [validation_score(task.val_labels, self._mix(deep, linear, w))
                      for w in self.blend_weights]
            self.blend_weight = self.blend_weights[int(np.argmax(scores))]
        return self

    def _logistic_offset(self, task: DiagnosisTask, seed: int) -> torch.Tensor:
        """``(n_units, c)`` log-odds of the logistic part that the stacked networks add to
        their logits: cross-fitted for the training units
        (:meth:`~graphmed.models.diagnosis.BagOfCodesLogistic.cross_fitted`), from the fit on
        all training units for the others."""
        probability = np.zeros((task.num_units, task.num_categories))
        others = np.setdiff1d(np.arange(task.num_units), task.train_units)
        probability[others] = self.logistic.predict(task, others)
        patients = np.unique(task.unit_patient[task.train_units]).size
        probability[task.train_units] = self.logistic.cross_fitted(
            task, folds=max(2, min(5, patients)), seed=seed)
        return torch.from_numpy(logit(np.clip(probability, 1e-4, 1.0 - 1e-4))).float()

    def logistic_part_settings(self, task: DiagnosisTask) -> dict:
        """Settings of the blended logistic part on ``task``: ``logistic_settings`` when given,
        else :data:`TEXT_LOGISTIC_SETTINGS` where the graph's drugs or procedures carry text
        features and the logistic defaults where they do not."""
        if self.logistic_settings is not None:
            return dict(self.logistic_settings)
        settings = dict(TEXT_LOGISTIC_SETTINGS) if has_code_text(task) else {}
        if has_indications(task):
            settings["indication_weight"] = INDICATION_SETTINGS["indication_weight"]
        return settings

    @torch.no_grad()
    def _deep_predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        """The networks' probabilities, averaged over :attr:`members` once all are fitted."""
        if len(self._fitted) < 2:
            return super().predict(task, units)
        current = self.module, self.seed
        try:
            out = []
            for self.module, self.seed in self._fitted:
                out.append(super().predict(task, units))
        finally:
            self.module, self.seed = current
        return np.mean(out, axis=0)

    @torch.no_grad()
    def predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        scores = self._deep_predict(task, units)
        if self.logistic is None or self.blend_weight == 0.0:  # stacked without a blend
            return scores
        return self._mix(scores, self.logistic.predict(task, units), self.blend_weight)

    def _mix(self, deep: np.ndarray, linear: np.ndarray, w: float) -> np.ndarray:
        """``(1 - w)`` of the networks' probabilities and ``w`` of the logistic ones, mixed as
        probabilities or (``blend="logit"``) as log-odds."""
        if self.blend == "logit":
            deep, linear = (np.clip(p, 1e-6, 1.0 - 1e-6) for p in (deep, linear))
            return expit((1.0 - w) * logit(deep) + w * logit(linear))
        return (1.0 - w) * deep + w * linear

    def _loss(self, task, generator):
        rows, edges = task.training_view(generator, self.target_fraction)
        if self.batch_units is not None and rows.size > self.batch_units:
            keep = torch.randperm(rows.size, generator=generator)[:self.batch_units]
            rows = np.sort(rows[keep.numpy()])
        units = self._on_device(task.train_units[rows])
        logits = self.module(self._on_device(edges), units, generator)
        return bce(self._stacked(logits, units), task.train_labels[rows], self._category_weight)

    def _logits(self, task, units, generator):
        return self._stacked(self.module(self._on_device(task.edge_index_dict()), units,
                                         generator, samples=self.eval_samples,
                                         chunk=self.batch_units), units)

    def _stacked(self, logits: torch.Tensor, units: torch.Tensor) -> torch.Tensor:
        """``logits`` plus the logistic part's log-odds of ``units`` when stacked."""
        return logits if self._offset is None else logits + self._offset[units]

    def config(self) -> dict:
        return {"hidden": self.hidden, "layers": self.layers, "heads": self.heads,
                "dropout": self.dropout, "sizes": list(self.sizes),
                "context_layers": self.context_layers, "eval_samples": self.eval_samples,
                "target_fraction": self.target_fraction,
                "encoder_residual": self.encoder_residual, "unit_features": self.unit_features,
                "wide": self.wide, "wide_init": self.wide_init,
                "logistic_weight": self.logistic_weight,
                "blend_weights": None if self.blend_weights is None else list(self.blend_weights),
                "siblings": self.siblings, "code_embeddings": self.code_embeddings,
                "label_context": self.label_context, "members": self.members, "blend": self.blend,
                "batch_units": self.batch_units, "pos_weight": self.pos_weight,
                "logistic_settings": (None if self.logistic_settings is None
                                      else dict(self.logistic_settings)),
                "fitted_logistic_settings": self.fitted_logistic_settings,
                "indications": self.indications, "fitted_indications": self.fitted_indications,
                "indication_init": self.indication_init, "stack": self.stack,
                **super().config()}
