"""Graph neural network link predictor for drug–disease associations."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.models.base import PairScorer
from graphmed.models.checkpoint import load_checkpoint, save_checkpoint
from graphmed.nn.decoders import BilinearDecoder, DistMultDecoder, InnerProductDecoder, MLPDecoder
from graphmed.nn.gnn_stack import GNNStack
from graphmed.nn.relational_stack import RelationalStack
from graphmed.splits.fold import TrainPart
from graphmed.tasks.link_prediction import LinkTask, build_link_task
from graphmed.training.fit import FitConfig, FitResult, fit_link_model

ENCODERS = ("relational", "gcn", "gat", "gcngat", "transformer", "gcnii")
DECODERS = {"inner": InnerProductDecoder, "bilinear": BilinearDecoder, "distmult": DistMultDecoder,
            "mlp": MLPDecoder}


@dataclass
class GNNConfig:
    """Architecture and task settings of :class:`GNNLinkPredictor` (training: :class:`FitConfig`).

    ``residual``: ``"none"``, ``"residual"`` or ``"initial"`` (GCNII); ``None`` picks the
    encoder's default (residual for ``"relational"``, initial for ``"gcnii"``, none otherwise).
    ``layer_attention``: the ``"relational"`` encoder's learned mix of all layers' outputs.
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
    fit: FitConfig = field(default_factory=lambda: FitConfig(epochs=400, lr=0.01, weight_decay=1e-5,
                                                             eval_every=10, patience=20,
                                                             selection="aupr"))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "GNNConfig":
        values = dict(values)
        fit = FitConfig(**values.pop("fit", {}))
        return cls(fit=fit, **values)


class LinkPredictionNet(torch.nn.Module):
    """Encoder over the drug–disease graph, then a pair decoder: ``task -> (n_drugs, n_diseases)``."""

    def __init__(self, config: GNNConfig, in_channels: int, n_drugs: int):
        super().__init__()
        self.n_drugs = n_drugs
        self.relational = config.encoder == "relational"
        if self.relational:
            # relation 0: similarity edges (with self loops), relation 1: association edges
            self.encoder = RelationalStack(in_channels, config.hidden, config.layers, 2,
                                           relation_self_loops=(True, False), dropout=config.dropout,
                                           drop_edge=(0.0, config.drop_edge),
                                           residual=config.residual or "residual",
                                           layer_attention=config.layer_attention)
        else:
            self.encoder = GNNStack(in_channels, config.hidden, config.layers, conv=config.encoder,
                                    residual=config.residual, dropout=config.dropout,
                                    drop_edge=config.drop_edge, norm=config.norm,
                                    jumping_knowledge=config.jumping_knowledge,
                                    num_edge_types=4 if config.encoder == "transformer" else None)
        width = config.hidden * (config.layers if config.jumping_knowledge == "cat" else 1)
        decoder = DECODERS[config.decoder]
        self.decoder = decoder() if decoder is InnerProductDecoder else decoder(width)

    def embed(self, task: LinkTask) -> torch.Tensor:
        if self.relational:
            return self.encoder(task.x, task.edge_index, task.edge_type // 2, task.edge_weight)
        if self.encoder.num_edge_types is not None:  # edge types instead of weights
            return self.encoder(task.x, task.edge_index, None, task.edge_type)
        return self.encoder(task.x, task.edge_index, task.edge_weight)

    def forward(self, task: LinkTask) -> torch.Tensor:
        h = self.embed(task)
        return self.decoder.score_all(h[: self.n_drugs], h[self.n_drugs:])


class GNNLinkPredictor(PairScorer):
    """Graph neural network over drugs and diseases, trained on a fold's training pairs.

    The graph holds top-k similarity edges and training associations only; the loss is
    a class-balanced binary cross-entropy over all training pairs; the epoch is chosen
    on the validation pairs. Runs on CPU or GPU (``fit.device``).
    """

    name = "gnn"

    def __init__(self, config: GNNConfig | None = None, **overrides):
        config = copy.deepcopy(config) if config is not None else GNNConfig()
        fit_overrides = {k: overrides.pop(k) for k in list(overrides) if hasattr(config.fit, k)}
        for key, value in overrides.items():
            if not hasattr(config, key):
                raise TypeError(f"unknown setting {key!r}")
            setattr(config, key, value)
        for key, value in fit_overrides.items():
            setattr(config.fit, key, value)
        if config.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {config.encoder!r}; known: {', '.join(ENCODERS)}")
        if config.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {config.decoder!r}; known: {', '.join(DECODERS)}")
        self.settings = config
        self.net: LinkPredictionNet | None = None
        self.task: LinkTask | None = None
        self.fit_result: FitResult | None = None

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "GNNLinkPredictor":
        torch.manual_seed(seed)
        c = self.settings
        self.task = build_link_task(data, part, top_k=c.top_k, use_gip=c.use_gip,
                                    features=c.features, pos_weight=c.pos_weight)
        self.net = LinkPredictionNet(c, self.task.x.size(1), self.task.n_drugs)
        self.fit_result = fit_link_model(self.net, self.task, c.fit)
        self._scores = self.predict_task(self.task)
        return self

    @torch.no_grad()
    def predict_task(self, task: LinkTask) -> np.ndarray:
        """Logits ``(n_drugs, n_diseases)`` of every pair on ``task``'s graph (sigmoid: probability)."""
        if self.net is None:
            raise RuntimeError("call fit() before scoring")
        device = next(self.net.parameters()).device
        self.net.eval()
        return self.net(task.to(device)).float().cpu().numpy().astype(np.float64)

    def config(self) -> dict:
        out = {"name": self.name, **self.settings.to_dict()}
        if self.fit_result is not None:
            out["best_epoch"] = self.fit_result.best_epoch
            out["best_validation"] = round(self.fit_result.best_score, 6)
        return out

    def save(self, path) -> None:
        """Weights and config in one checkpoint file that loads without running code."""
        if self.net is None:
            raise RuntimeError("call fit() before saving")
        save_checkpoint(path, self.net.state_dict(),
                        {"model": self.name, "settings": self.settings.to_dict(),
                         "in_channels": self.net.encoder.in_channels, "n_drugs": self.net.n_drugs})

    @classmethod
    def load(cls, path) -> "GNNLinkPredictor":
        """A model with the saved weights; call :meth:`predict_task` on a task built for it."""
        state, meta = load_checkpoint(path)
        model = cls(GNNConfig.from_dict(meta["settings"]))
        model.net = LinkPredictionNet(model.settings, meta["in_channels"], meta["n_drugs"])
        model.net.load_state_dict(state)
        return model
