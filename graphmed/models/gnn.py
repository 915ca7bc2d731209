"""Graph neural network link predictor for drug–disease associations."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd
import torch

from graphmed.checks import check_settings, unknown_setting
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint
from graphmed.features.entity_modalities import (NODE_MODALITIES, check_text_views,
                                                 drug_disease_modalities, with_text_similarity)
from graphmed.nn.decoders import BilinearDecoder, DistMultDecoder, InnerProductDecoder, MLPDecoder
from graphmed.nn.fusion import FUSIONS, LateFusion, make_fusion
from graphmed.nn.gnn_stack import RESIDUALS, GNNStack
from graphmed.nn.jumping_knowledge import check_jk
from graphmed.nn.norm import check_norm
from graphmed.nn.relational_stack import RelationalStack
from graphmed.splits.fold import TrainPart
from graphmed.tasks.link_prediction import FEATURES, LinkTask, build_link_task
from graphmed.training.fit import FitConfig, FitResult, fit_link_model

ENCODERS = ("relational", "gcn", "gat", "gcngat", "transformer", "gcnii")
DECODERS = {"inner": InnerProductDecoder, "bilinear": BilinearDecoder, "distmult": DistMultDecoder,
            "mlp": MLPDecoder}


@dataclass
class GNNConfig:
    """Architecture and task settings of :class:`GNNLinkPredictor` (training: :class:`FitConfig`).

    ``residual``: ``"none"``, ``"residual"`` or ``"initial"`` (GCNII); ``None`` picks the
    encoder's default (residual for ``"relational"``, initial for ``"gcnii"``, none otherwise).
    ``norm``: ``None`` picks layer norm for ``"transformer"`` (without it, its attention
    layers collapse to constant scores on these graphs) and none otherwise.
    ``layer_attention``: the ``"relational"`` encoder's learned mix of all layers' outputs.
    ``modalities``: node modalities fused with the structural features (see
    :data:`~graphmed.features.entity_modalities.NODE_MODALITIES`); ``fusion`` is
    ``"early"``, ``"attention"`` (per-node weights) or ``"late"`` (one encoder and
    decoder per modality, predictions mixed by learned weights); ``smiles_model`` is the
    SMILES Transformer folder for the ``"smiles"`` modality. ``text_views``: entity kinds
    whose similarity graph also uses text-embedding similarity. ``disease_dropout``: at
    each training step, the association edges of this fraction of diseases are hidden
    from message passing (their pairs stay in the loss), so the encoder learns to place
    diseases without known drugs — the cold-start (new-disease) setting.
    """

    encoder: str = "relational"
    hidden: int = 64
    layers: int = 2
    decoder: str = "inner"
    dropout: float = 0.4
    drop_edge: float = 0.2
    residual: str | None = None
    jumping_knowledge: str | None = None
    layer_attention: bool = True
    norm: str | None = None
    top_k: int = 15
    features: str = "topk"
    use_gip: bool = False
    pos_weight: float | str = "balanced"
    modalities: tuple[str, ...] = ()
    fusion: str = "attention"
    smiles_model: str | None = None
    text_views: tuple[str, ...] = ()
    disease_dropout: float = 0.0
    fit: FitConfig = field(default_factory=lambda: FitConfig(epochs=400, lr=0.01, weight_decay=1e-5,
                                                             eval_every=10, patience=20,
                                                             selection="aupr"))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "GNNConfig":
        values = dict(values)
        fit = FitConfig(**values.pop("fit", {}))
        values["modalities"] = tuple(values.get("modalities", ()))
        values["text_views"] = tuple(values.get("text_views", ()))
        return cls(fit=fit, **values)


class LinkPredictionNet(torch.nn.Module):
    """Encoder over the drug–disease graph, then a pair decoder: ``task -> (n_drugs, n_diseases)``.

    With ``modality_dims`` (``name -> d``), the structural features ``task.x`` and the
    task's node modalities are fused: early / attention fusion feed one encoder with the
    fused ``(N, hidden)`` input; late fusion runs one encoder and decoder per modality
    and mixes their logits with learned weights.
    """

    def __init__(self, config: GNNConfig, in_channels: int, n_drugs: int,
                 modality_dims: dict[str, int] | None = None):
        super().__init__()
        self.config, self.n_drugs, self.in_channels = config, n_drugs, in_channels
        self.relational = config.encoder == "relational"
        self.modality_dims = dict(modality_dims or {})
        self.fusion_kind = config.fusion if self.modality_dims else None
        dims = {"structure": in_channels, **self.modality_dims}
        self.fusion = self.late = None
        self._all_present: torch.Tensor | None = None
        if self.fusion_kind in ("early", "attention"):
            self.fusion = make_fusion(self.fusion_kind, dims, config.hidden, config.dropout)
            self.encoder = self._encoder(config.hidden)
        elif self.fusion_kind == "late":
            self.encoders = torch.nn.ModuleDict({n: self._encoder(d) for n, d in dims.items()})
            self.decoders = torch.nn.ModuleDict({n: self._decoder() for n in dims})
            self.late = LateFusion(tuple(dims))
        else:
            self.encoder = self._encoder(in_channels)
        if self.late is None:
            self.decoder = self._decoder()

    def _encoder(self, in_channels: int) -> torch.nn.Module:
        c = self.config
        if self.relational:
            # relation 0: similarity edges (with self loops), relation 1: association edges
            return RelationalStack(in_channels, c.hidden, c.layers, 2,
                                   relation_self_loops=(True, False), dropout=c.dropout,
                                   drop_edge=(0.0, c.drop_edge), residual=c.residual or "residual",
                                   layer_attention=c.layer_attention)
        norm = c.norm if c.norm is not None or c.encoder != "transformer" else "layernorm"
        return GNNStack(in_channels, c.hidden, c.layers, conv=c.encoder, residual=c.residual,
                        dropout=c.dropout, drop_edge=c.drop_edge, norm=norm,
                        jumping_knowledge=c.jumping_knowledge,
                        num_edge_types=4 if c.encoder == "transformer" else None)

    def _decoder(self) -> torch.nn.Module:
        c = self.config
        width = c.hidden * (c.layers if c.jumping_knowledge == "cat" else 1)
        decoder = DECODERS[c.decoder]
        return decoder() if decoder is InnerProductDecoder else decoder(width)

    def _modalities(self, task: LinkTask) -> dict:
        missing = [n for n in self.modality_dims if n not in task.modalities]
        if missing:
            raise ValueError(f"the model was built with modalities {missing} that the task lacks")
        present = self._all_present
        if present is None or present.numel() != task.num_nodes or present.device != task.x.device:
            # one mask for every step, so the fusion's input checks read the features once
            present = torch.ones(task.num_nodes, dtype=torch.bool, device=task.x.device)
            self._all_present = present
        return {"structure": (task.x, present),
                **{n: task.modalities[n] for n in self.modality_dims}}

    def _run(self, encoder: torch.nn.Module, x: torch.Tensor, task: LinkTask) -> torch.Tensor:
        if self.relational:
            return encoder(x, task.edge_index, task.edge_type // 2, task.edge_weight)
        if encoder.num_edge_types is not None:  # edge types instead of weights
            return encoder(x, task.edge_index, None, task.edge_type)
        return encoder(x, task.edge_index, task.edge_weight)

    def embed(self, task: LinkTask) -> torch.Tensor:
        """``(N, hidden)`` node embeddings (late fusion: of the structural encoder)."""
        if self.late is not None:
            return self._run(self.encoders["structure"], task.x, task)
        x = task.x
        if self.fusion is not None:
            x, _ = self.fusion(self._modalities(task))
        return self._run(self.encoder, x, task)

    def _hide_diseases(self, task: LinkTask) -> LinkTask:
        """``task`` without the association edges of a random ``disease_dropout`` share of diseases."""
        n_diseases = task.num_nodes - self.n_drugs
        hidden = torch.rand(n_diseases, device=task.x.device) < self.config.disease_dropout
        src, dst = task.edge_index
        disease = torch.where(task.edge_type == 2, dst, src) - self.n_drugs
        association = task.edge_type >= 2
        keep = ~association | ~hidden[disease.clamp(min=0, max=n_diseases - 1)]
        view = dict(vars(task))
        view.update(edge_index=task.edge_index[:, keep], edge_weight=task.edge_weight[keep],
                    edge_type=task.edge_type[keep])
        return LinkTask(**view)

    def forward(self, task: LinkTask) -> torch.Tensor:
        if self.training and self.config.disease_dropout > 0:
            task = self._hide_diseases(task)
        if self.late is None:
            h = self.embed(task)
            return self.decoder.score_all(h[: self.n_drugs], h[self.n_drugs:])
        scores, available = [], []
        for name, (values, mask) in self._modalities(task).items():
            h = self._run(self.encoders[name], values.masked_fill(~mask.unsqueeze(1), 0.0), task)
            scores.append(self.decoders[name].score_all(h[: self.n_drugs], h[self.n_drugs:]))
            available.append(mask[: self.n_drugs, None] | mask[None, self.n_drugs:])
        return self.late(torch.stack(scores), torch.stack(available))

    @torch.no_grad()
    def node_modality_weights(self, task: LinkTask) -> tuple[tuple[str, ...], torch.Tensor] | None:
        """Attention fusion: ``(modality names, (n_drugs + n_diseases, M) weights)``, one row
        per node (drugs, then diseases), summing to 1 over the modalities the node has (0 for
        a modality it lacks). ``None`` for other fusions."""
        if self.fusion_kind != "attention":
            return None
        _, weights = self.fusion(self._modalities(task))
        return tuple(self.fusion.names), weights

    @torch.no_grad()
    def modality_weights(self, task: LinkTask) -> dict[str, dict[str, float]] | None:
        """Learned modality weights: attention fusion, the mean over all drugs and over all
        diseases of the per-node weights (:meth:`node_modality_weights`; a node lacking a
        modality counts 0 for it); late fusion, the global weights."""
        if self.late is not None:
            return {"all": {n: round(float(w), 4) for n, w in zip(self.late.names, self.late.weights)}}
        if self.fusion_kind != "attention":
            return None
        _, weights = self.node_modality_weights(task)
        out = {}
        for kind, rows in (("drug", slice(0, self.n_drugs)), ("disease", slice(self.n_drugs, None))):
            w = weights[rows]
            out[kind] = {n: round(float(w[:, i].mean()), 4) for i, n in enumerate(self.fusion.names)}
        return out


def _check_architecture(config: GNNConfig) -> None:
    """Raise ``ValueError`` for the first architecture setting out of its range."""
    check_settings(at_least={name: (getattr(config, name), 1) for name in ("hidden", "layers", "top_k")},
                   fractions={"dropout": config.dropout, "drop_edge": config.drop_edge})
    if config.residual not in (None, *RESIDUALS):
        raise ValueError(f"unknown residual {config.residual!r}; known: {', '.join(RESIDUALS)}")
    check_norm(config.norm)
    check_jk(config.jumping_knowledge)
    if config.features not in FEATURES:
        raise ValueError(f"unknown features {config.features!r}; known: {', '.join(FEATURES)}")
    if config.pos_weight != "balanced":
        check_settings(positive={"pos_weight ('balanced' or a number)": config.pos_weight})
    for name in ("layer_attention", "use_gip"):
        if not isinstance(getattr(config, name), bool):
            raise ValueError(f"{name} must be True or False, got {getattr(config, name)!r}")


class GNNLinkPredictor(PairScorer):
    """Graph neural network over drugs and diseases, trained on a fold's training pairs.

    The graph holds top-k similarity edges and training associations only; the loss is
    a class-balanced binary cross-entropy over all training pairs; the epoch is chosen
    on the validation pairs. Runs on CPU or GPU (``fit.device``).

    Settings go flat (``GNNLinkPredictor(layers=4, residual="initial", epochs=100)``), each
    on top of :class:`GNNConfig`'s defaults, whose ``fit`` is not :class:`FitConfig`'s
    (400 epochs, lr .01, weight decay 1e-5, patience 20, chosen by validation AUPR);
    ``fit=FitConfig(...)`` replaces every training setting.
    """

    name = "gnn"

    def __init__(self, config: GNNConfig | None = None, *, progress: bool = False, **overrides):
        self.progress = bool(progress)  # a bar over training epochs; does not change results
        config = copy.deepcopy(config) if config is not None else GNNConfig()
        fit_overrides = {k: overrides.pop(k) for k in list(overrides) if hasattr(config.fit, k)}
        for key, value in overrides.items():
            if not hasattr(config, key):
                known = ({f.name for f in fields(config) if f.name != "fit"}
                         | {f.name for f in fields(config.fit)})
                raise TypeError(unknown_setting(key, known, "the GNN's"))
            setattr(config, key, value)
        for key, value in fit_overrides.items():
            setattr(config.fit, key, value)
        if config.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {config.encoder!r}; known: {', '.join(ENCODERS)}")
        if isinstance(config.modalities, str):  # "text" would be read letter by letter
            raise ValueError(f"modalities must be a sequence of names, e.g. "
                             f"({config.modalities!r},), got {config.modalities!r}")
        unknown = [m for m in config.modalities if m not in NODE_MODALITIES]
        if unknown:
            raise ValueError(f"unknown modalities {unknown}; known: {', '.join(NODE_MODALITIES)}")
        if "smiles" in config.modalities and not config.smiles_model:
            raise ValueError("the 'smiles' modality needs a SMILES Transformer folder "
                             "(smiles_model=...; `graphmed pretrain-smiles OUT` writes one)")
        if config.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {config.fusion!r}; known: {', '.join(FUSIONS)}")
        config.modalities = tuple(config.modalities)
        config.text_views = check_text_views(config.text_views)
        check_settings(fractions={"disease_dropout": config.disease_dropout})
        if config.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {config.decoder!r}; known: {', '.join(DECODERS)}")
        _check_architecture(config)
        config.fit.check()
        self.settings = config
        self.net: LinkPredictionNet | None = None
        self.task: LinkTask | None = None
        self.fit_result: FitResult | None = None
        self.modality_weights: dict | None = None
        self.fitted_on: dict | None = None  # seed and training data of the last fit

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "GNNLinkPredictor":
        check_fit_inputs(data, part)
        torch.manual_seed(seed)
        c = self.settings
        # the data as fit saw it: associations reduced to the training pairs
        self.fitted_on = {"seed": seed, "dataset": data.name,
                          "training_data_checksum": data.checksum}
        self.task = self.task_for(data, part)
        dims = {name: values.size(1) for name, (values, _) in self.task.modalities.items()} \
            if c.modalities else None
        self.net = LinkPredictionNet(c, self.task.x.size(1), self.task.n_drugs, dims)
        self.fit_result = fit_link_model(self.net, self.task, c.fit, progress=self.progress)
        self._scores = self.predict_task(self.task)
        device = next(self.net.parameters()).device
        self.net.eval()
        self.modality_weights = self.net.modality_weights(self.task.to(device))
        return self

    def task_for(self, data: DrugDiseaseDataset, part: TrainPart) -> LinkTask:
        """The graph and inputs this model's settings build from ``data`` and ``part`` (what
        :meth:`fit` trains on; for a loaded model, what :meth:`predict_task` scores)."""
        c = self.settings
        if c.text_views:
            data = with_text_similarity(data, c.text_views)
        task = build_link_task(data, part, top_k=c.top_k, use_gip=c.use_gip,
                               features=c.features, pos_weight=c.pos_weight)
        if c.modalities:
            task = task.with_modalities(drug_disease_modalities(data, c.modalities,
                                                                smiles_model=c.smiles_model))
        return task

    def score_matrix(self) -> np.ndarray:
        if self._scores is None and self.net is not None:  # loaded: weights, no graph
            raise RuntimeError("a loaded GNN has no graph to score: "
                               "model.predict_task(model.task_for(data, part)) scores one")
        return super().score_matrix()

    def node_modality_weights(self) -> pd.DataFrame | None:
        """Attention fusion's weight of each modality at each node of the fitted graph: one row
        per drug, then per disease (columns ``kind``, ``index`` and one per modality); ``None``
        when the model fuses no modalities by attention."""
        if self.net is None or self.task is None:
            raise RuntimeError("call fit() before reading modality weights (a loaded model "
                               "has no graph: use its net's node_modality_weights(task))")
        device = next(self.net.parameters()).device
        self.net.eval()
        found = self.net.node_modality_weights(self.task.to(device))
        if found is None:
            return None
        names, weights = found
        n_drugs = self.task.n_drugs
        n = weights.size(0)
        table = pd.DataFrame(weights.float().cpu().numpy(), columns=list(names))
        table.insert(0, "index", np.r_[np.arange(n_drugs), np.arange(n - n_drugs)])
        table.insert(0, "kind", ["drug"] * n_drugs + ["disease"] * (n - n_drugs))
        return table

    @torch.no_grad()
    def predict_task(self, task: LinkTask) -> np.ndarray:
        """Logits ``(n_drugs, n_diseases)`` of every pair on ``task``'s graph (sigmoid: probability)."""
        if self.net is None:
            raise RuntimeError("call fit() before scoring")
        if task.x.size(1) != self.net.in_channels or task.n_drugs != self.net.n_drugs:
            raise DataFormatError(f"the model reads {self.net.n_drugs} drugs with inputs of width "
                                  f"{self.net.in_channels}, the task has {task.n_drugs} and "
                                  f"{task.x.size(1)}: build it with task_for() on the model's data")
        device = next(self.net.parameters()).device
        self.net.eval()
        return self.net(task.to(device)).float().cpu().numpy().astype(np.float64)

    def config(self) -> dict:
        out = {"name": self.name, **self.settings.to_dict()}
        if self.fit_result is not None:
            out.update(best_epoch=self.fit_result.best_epoch, trained_on=self.fit_result.device,
                       best_validation=round(self.fit_result.best_score, 6))
        if self.modality_weights is not None:
            out["modality_weights"] = self.modality_weights
        return out

    def save(self, path) -> None:
        """Weights and config in one checkpoint file that loads without running code."""
        if self.net is None:
            raise RuntimeError("call fit() before saving")
        save_checkpoint(path, self.net.state_dict(),
                        {"model": self.name, "settings": self.settings.to_dict(),
                         "in_channels": self.net.in_channels, "n_drugs": self.net.n_drugs,
                         "modality_dims": self.net.modality_dims,
                         **(self.fitted_on or {})})

    @classmethod
    def load(cls, path) -> "GNNLinkPredictor":
        """A model with the saved weights; call :meth:`predict_task` on a task built for it
        (with :meth:`~graphmed.tasks.LinkTask.with_modalities` when it fuses modalities)."""
        state, meta = load_checkpoint(path)
        if not isinstance(meta, dict) or meta.get("model") != cls.name:
            raise DataFormatError(f"not the weights of a {cls.name} model; save them with "
                                  f"{cls.__name__}.save", source=path)
        try:
            model = cls(GNNConfig.from_dict(meta["settings"]))
            model.net = LinkPredictionNet(model.settings, meta["in_channels"], meta["n_drugs"],
                                          meta.get("modality_dims"))
            model.net.load_state_dict(state)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise DataFormatError(f"malformed {cls.name} checkpoint ({type(exc).__name__}: "
                                  f"{exc})", source=path) from None
        return model
