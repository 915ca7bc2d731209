"""Training learnable-embedding link models on one large homogeneous graph (ogbl-ddi).

:class:`~graphmed.models.embedding_link.EmbeddingGNNLinkModel` (re-exported here) is a
node-embedding table, a full-graph GCN or GraphSAGE stack and a pair scorer; this module
holds what trains it: negatives, losses, the fit loop and named recipes.

With ``conv="gcn"`` or ``"sage"``, 256-wide embeddings, 2 layers, dropout 0.5,
a 3-layer predictor, binary cross-entropy against one uniformly drawn non-edge per
positive, Adam at 0.005, batches of 64 * 1024 positive edges and gradient clipping at
1.0, :func:`fit_link_model` follows OGB's GCN and GraphSAGE examples for ogbl-ddi
(``examples/linkproppred/ddi/gnn.py``). :data:`DDI_RECIPES` names those two and graphmed's
own recipe, sized for a CPU: a dot-product predictor whose scores for every pair come
from one Gram matrix ``H H^T``, so that each epoch is one full-batch Adam step in which
all training edges are positives and all other pairs negatives (:func:`all_pairs_loss`),
with DropEdge redrawn without re-sorting (:class:`~graphmed.nn.sparse_conv.EdgeDropper`).
Sampled negatives (:func:`dense_dot_scores` reads their scores from the same Gram matrix)
and the pairwise AUC loss of PLNLP (Wang et al., 2021) remain available. On ogbl-ddi the
training-free :class:`~graphmed.models.spectral_link.SpectralLinkModel` is far ahead of
these trained models (validation Hits@20 .84 against .33).

>>> from graphmed.models.ddi import DDI_RECIPES, fit_link_model      # doctest: +SKIP
>>> result = fit_link_model(ddi.split_edge, ddi.num_nodes, **DDI_RECIPES["graphmed"])  # doctest: +SKIP
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from graphmed.checks import check_settings
from graphmed.device import resolve_device
from graphmed.io import sha256_bytes
from graphmed.models.embedding_link import (DENSE_SCORES_MAX_PAIRS, EmbeddingGNNLinkModel,
                                            LinkPredictor, dense_dot_scores, gram)
from graphmed.nn._checks import check_node_pairs
from graphmed.training.divergence import on_divergence
from graphmed.training.resume import TrainingState
from graphmed.nn.sparse_conv import (SPMM_STATS, EdgeDropper, SparseAdjacency, SparseGCNConv,
                                      SparseSAGEConv, SpmmStats, spmm_bytes,
                                      undirected_edge_index)

LOSSES = ("bce", "auc", "all-pairs")


# --------------------------------------------------------------------------- training
class NegativeSampler:
    """Uniformly drawn node pairs that are not training edges (nor self-loops).

    Keeps a dense ``N x N`` boolean matrix of the training edges (18 MB for ogbl-ddi)
    and redraws rejected pairs, as PyG's ``negative_sampling(method="dense")`` does.
    """

    def __init__(self, edges: torch.Tensor, num_nodes: int):
        check_settings("NegativeSampler", at_least={"num_nodes": (num_nodes, 2)})
        edges = check_node_pairs(edges, num_nodes, "edges")
        self.num_nodes = num_nodes
        taken = torch.zeros(num_nodes * num_nodes, dtype=torch.bool, device=edges.device)
        taken[edges[:, 0] * num_nodes + edges[:, 1]] = True
        taken[edges[:, 1] * num_nodes + edges[:, 0]] = True
        taken[torch.arange(num_nodes, device=edges.device) * (num_nodes + 1)] = True
        self.taken = taken

    def __call__(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        device = self.taken.device
        out = torch.empty(0, dtype=torch.long, device=device)
        while out.numel() < n:
            draw = torch.randint(0, self.num_nodes * self.num_nodes, (int(1.1 * (n - out.numel())) + 16,),
                                 device=device, generator=generator)
            out = torch.cat([out, draw[~self.taken[draw]]])
        out = out[:n]
        return torch.stack([out // self.num_nodes, out % self.num_nodes], dim=1)


def link_loss(pos: torch.Tensor, neg: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    """``"bce"``: ``-log σ(pos) - log(1 - σ(neg))`` (OGB's examples); ``"auc"``: the squared
    hinge on the margin ``(1 - (pos - neg))^2`` of paired positives and negatives (PLNLP).
    (``"all-pairs"`` scores every pair: :func:`all_pairs_loss`.)"""
    if kind == "bce":
        return (F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos))
                + F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg)))
    if kind == "auc":
        if pos.numel() == 0 or neg.numel() % pos.numel():
            raise ValueError(f'loss "auc" pairs every positive with the same number of negatives; '
                             f"got {pos.numel()} positives and {neg.numel()} negatives")
        return torch.square(1 - (pos.view(-1, 1) - neg.view(pos.size(0), -1))).mean()
    if kind == "all-pairs":
        raise ValueError("the all-pairs loss needs the Gram matrix: use all_pairs_loss")
    raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")


def all_pairs_loss(h: torch.Tensor, positives: torch.Tensor,
                   negative_weight: float = 1.0, relation: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy of every ordered pair's dot product ``<h_i, h_j>`` (``i != j``;
    ``sum_k relation_k h_ik h_jk`` with a DistMult diagonal ``relation``):
    the mean over the ``positives`` plus ``negative_weight`` times the mean over all other
    pairs, i.e. every non-edge is a negative at every step, for the cost of one Gram matrix.

    Args:
        h: node states ``(N, d)``.
        positives: flat indices ``i * N + j`` ``(P,)`` of the positive ordered pairs, each
            once, no self-pairs (both directions of an undirected edge).
        negative_weight: weight of the negatives' mean.
        relation: optional ``(d,)`` diagonal of a DistMult form.
    """
    n = h.size(0)
    scores = gram(h, relation)
    flat = scores.reshape(-1)
    pos = flat[positives]
    # -log(1 - σ(s)) = softplus(s) over every pair, minus the diagonal and the positives
    neg_sum = F.softplus(scores).sum() - F.softplus(scores.diagonal()).sum() - F.softplus(pos).sum()
    neg_count = n * (n - 1) - positives.numel()
    return F.softplus(-pos).mean() + negative_weight * neg_sum / max(neg_count, 1)


@dataclass
class FitResult:
    """Outcome of :func:`fit_link_model`: the curve and the scores at the best validation epoch."""

    best_epoch: int
    best_valid: dict
    test_at_best: dict
    history: list[dict] = field(default_factory=list)
    epochs_run: int = 0
    epoch_times: list[float] = field(default_factory=list)
    eval_times: list[float] = field(default_factory=list)
    spmm: list[dict] = field(default_factory=list)
    params: int = 0
    model: nn.Module | None = field(default=None, repr=False)
    diverged_at: int | None = None  # epoch whose loss was not finite (training stopped)
    elapsed_s: float = 0.0  # wall time of the fit loop, summed over resumed parts
    resumed_at: list[int] = field(default_factory=list)  # epochs a resumed run continued from


#: What a checkpoint of :func:`fit_link_model` keeps of its :class:`FitResult`.
RESUMED_FIELDS = ("best_epoch", "best_valid", "test_at_best", "history", "epochs_run",
                  "epoch_times", "eval_times", "spmm", "diverged_at", "elapsed_s", "resumed_at")


def fit_link_model(split_edge: dict, num_nodes: int, *, conv: str = "gcn",
                   embedding_dim: int = 256, hidden: int = 256, layers: int = 2,
                   dropout: float = 0.5, predictor_layers: int = 3,
                   predictor_dropout: float = 0.5, predictor: str = "mlp", lr: float = 0.005,
                   epochs: int = 200, batch_size: int | None = 64 * 1024, num_neg: int = 1,
                   loss: str = "bce", negative_weight: float = 1.0, edge_dropout: float = 0.0,
                   clip: float | None = 1.0, clip_jointly: bool = False,
                   eval_every: int = 5, seed: int = 0,
                   device: str | torch.device = "cpu",
                   evaluate: Callable[[torch.Tensor, torch.Tensor], dict] | None = None,
                   metric: str = "hits@20", log: Callable[[str], None] | None = None,
                   checkpoint: str | Path | None = None,
                   checkpoint_every: int = 1, progress: bool = False) -> FitResult:
    """Train an :class:`EmbeddingGNNLinkModel` on ``split_edge["train"]`` and keep the
    validation-best epoch.

    Each epoch walks the training positives in shuffled batches of ``batch_size``
    (``None``: all of them, one step per epoch); every batch re-runs message passing over
    the whole graph (DropEdge, if ``edge_dropout > 0``, redraws the graph once per epoch),
    scores the batch and ``num_neg`` negatives per positive (:class:`NegativeSampler`) and
    takes one Adam step. With ``predictor="dot"`` on a small graph, the scores of a step
    come from one Gram matrix (:func:`dense_dot_scores`), so a step costs about the same
    for 64k or 1M positives. ``loss="all-pairs"`` (dot predictor, ``batch_size=None``)
    goes further: each step scores every pair, all non-edges being negatives weighted by
    ``negative_weight`` (:func:`all_pairs_loss`), instead of sampling them. Every ``eval_every`` epochs (and after the last), validation
    and test positives and the official negatives are scored with ``evaluate(pos, neg)``
    (default: graphmed's :func:`~graphmed.evaluation.metrics.hits_at_k` at 10/20/30);
    the test scores reported are those at the epoch with the best validation ``metric``.
    Gradients are clipped to norm ``clip`` per part (embeddings, message passing,
    predictor), as OGB's examples do, or over all parameters at once (``clip_jointly``).

    With ``checkpoint`` (a file path), the whole training state is saved there every
    ``checkpoint_every`` epochs (:class:`~graphmed.training.resume.TrainingState`), and a
    call that finds the file continues from it: a run stopped at any point and started
    again with the same arguments ends as the uninterrupted run would on the same machine
    (``FitResult.resumed_at`` lists the epochs it continued from; ``elapsed_s`` sums the
    wall time of every part). A file from a run with other settings is refused.

    ``progress``: a bar over the epochs with the last loss and validation ``metric`` (does
    not change results).
    """
    settings = dict(num_nodes=num_nodes, conv=conv, embedding_dim=embedding_dim, hidden=hidden,
                    layers=layers, dropout=dropout, predictor_layers=predictor_layers,
                    predictor_dropout=predictor_dropout, predictor=predictor, lr=lr,
                    epochs=epochs, batch_size=batch_size, num_neg=num_neg, loss=loss,
                    negative_weight=negative_weight, edge_dropout=edge_dropout, clip=clip,
                    clip_jointly=clip_jointly, eval_every=eval_every, seed=seed, metric=metric)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    check_settings("fit_link_model", at_least={
        "num_nodes": (num_nodes, 2), "epochs": (epochs, 1), "eval_every": (eval_every, 1),
        "num_neg": (num_neg, 1), "checkpoint_every": (checkpoint_every, 1),
        **({} if batch_size is None else {"batch_size (or None: all edges)": (batch_size, 1)})},
        positive={"lr": lr, "negative_weight": negative_weight,
                  **({} if clip is None else {"clip (or None)": clip})},
        fractions={"edge_dropout": edge_dropout})
    if loss == "all-pairs" and (predictor not in ("dot", "distmult") or batch_size is not None):
        raise ValueError('loss="all-pairs" needs predictor="dot" or "distmult" and batch_size=None')
    device = resolve_device(device, "fit_link_model")
    if evaluate is None and metric not in DEFAULT_METRICS:
        raise ValueError(f"metric must be one of {', '.join(DEFAULT_METRICS)} (what the default "
                         f"evaluation returns), got {metric!r}")
    evaluate = evaluate or _default_evaluate
    log = log or (lambda message: None)
    torch.manual_seed(seed)
    generator = torch.Generator(device=device).manual_seed(seed)
    _check_split_edge(split_edge, num_nodes)
    train = split_edge["train"]["edge"].to(device)
    model = EmbeddingGNNLinkModel(num_nodes, embedding_dim, hidden, layers, conv, dropout,
                                  predictor_layers, predictor_dropout, predictor).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    sampler = NegativeSampler(train, num_nodes) if loss != "all-pairs" else None
    full_adj = SparseAdjacency(undirected_edge_index(train), num_nodes, model.adjacency_norm)
    dropper = EdgeDropper(train, num_nodes, model.adjacency_norm) if edge_dropout > 0 else None
    batch_size = batch_size or len(train)
    if loss == "all-pairs":
        ordered = torch.cat([train, train.flip(1)])
        ordered = ordered[ordered[:, 0] != ordered[:, 1]]
        positives = torch.unique(ordered[:, 0] * num_nodes + ordered[:, 1])
    result = FitResult(-1, {metric: -math.inf}, {},
                       params=sum(p.numel() for p in model.parameters()))
    best_state, first_epoch, earlier_s = None, 1, 0.0
    if checkpoint is not None:  # the run is known by its settings and its training edges
        saved = TrainingState(model, optimizer, {"batches": generator})
        settings["train_edges_sha256"] = sha256_bytes(train.cpu().numpy().tobytes())
    if checkpoint is not None and Path(checkpoint).exists():
        done, best_state = saved.restore(checkpoint, settings)
        result = FitResult(**{k: v for k, v in done.items() if k in RESUMED_FIELDS},
                           params=result.params)
        result.resumed_at = list(done["resumed_at"]) + [done["epoch"]]
        first_epoch, earlier_s = done["epoch"] + 1, done["elapsed_s"]
        log(f"resumed from {checkpoint} after epoch {done['epoch']}")
    fit_start = time.perf_counter()
    bar = tqdm(range(first_epoch, epochs + 1), desc=f"ogbl-ddi {conv} seed {seed}",
               total=epochs, initial=first_epoch - 1, disable=not progress, leave=False,
               unit="epoch")
    for epoch in bar:
        SPMM_STATS.reset()
        _sync(device)
        start = time.perf_counter()
        model.train()
        if edge_dropout > 0:
            keep = torch.rand(len(train), device=device, generator=generator) >= edge_dropout
            adj = dropper.draw(keep)
        else:
            adj = full_adj
        total, count, diverged = 0.0, 0, False
        # one batch of all positives needs no shuffling
        perm = (torch.arange(len(train), device=device) if batch_size >= len(train)
                else torch.randperm(len(train), device=device, generator=generator))
        for i in range(0, len(train), batch_size):
            pos_pairs = train[perm[i:i + batch_size]]
            optimizer.zero_grad()
            h = model.encode(adj)
            if loss == "all-pairs":
                batch_loss = all_pairs_loss(h, positives, negative_weight, model.relation)
            else:
                neg_pairs = sampler(num_neg * len(pos_pairs), generator)
                pos_out, neg_out = model.score_many(h, pos_pairs, neg_pairs)
                batch_loss = link_loss(pos_out, neg_out, loss)
            batch_value = float(batch_loss.detach())
            if not math.isfinite(batch_value):
                diverged = True
                break
            batch_loss.backward()
            if clip is not None and clip_jointly:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            elif clip is not None:
                nn.utils.clip_grad_norm_(model.embedding.parameters(), clip)
                nn.utils.clip_grad_norm_(model.convs.parameters(), clip)
                if model.predictor is not None:
                    nn.utils.clip_grad_norm_(model.predictor.parameters(), clip)
                if model.distmult is not None:
                    nn.utils.clip_grad_norm_(model.distmult.parameters(), clip)
            optimizer.step()
            total += batch_value * len(pos_pairs)
            count += len(pos_pairs)
        if diverged:
            result.diverged_at = epoch
            on_divergence("ogbl-ddi fit_link_model", epoch, "the loss", lr=lr,
                          kept_epoch=result.best_epoch if best_state is not None else None)
            break
        _sync(device)
        result.epoch_times.append(time.perf_counter() - start)
        result.spmm.append({"calls": SPMM_STATS.calls, "seconds": SPMM_STATS.seconds,
                            "bytes": SPMM_STATS.bytes})
        result.epochs_run = epoch
        record = {"epoch": epoch, "loss": total / max(count, 1)}
        if epoch % eval_every == 0 or epoch == epochs:
            start = time.perf_counter()
            splits = ("valid", "test")
            probs = model.predict_many(full_adj, *(split_edge[s][k] for s in splits
                                                   for k in ("edge", "edge_neg")))
            scores = {s: evaluate(probs[2 * i], probs[2 * i + 1]) for i, s in enumerate(splits)}
            if metric not in scores["valid"]:
                raise ValueError(f"metric {metric!r} is not among what evaluate returns: "
                                 f"{', '.join(map(str, scores['valid']))}")
            result.eval_times.append(time.perf_counter() - start)
            record.update({f"{s}_{k}": v for s, m in scores.items() for k, v in m.items()})
            if scores["valid"][metric] > result.best_valid[metric]:
                result.best_epoch, result.best_valid, result.test_at_best = (
                    epoch, scores["valid"], scores["test"])
                best_state = copy.deepcopy(model.state_dict())
            log(f"epoch {epoch:4d} loss {record['loss']:.4f} valid {metric} "
                f"{scores['valid'][metric]:.4f} test {scores['test'][metric]:.4f} "
                f"({result.epoch_times[-1]:.1f} s/epoch)")
        result.history.append(record)
        bar.set_postfix({"loss": f"{record['loss']:.4f}", **(
            {metric: f"{record[f'valid_{metric}']:.4f}"} if f"valid_{metric}" in record else {})},
            refresh=False)
        result.elapsed_s = earlier_s + time.perf_counter() - fit_start
        if checkpoint is not None and (epoch % checkpoint_every == 0 or epoch == epochs):
            state = {k: getattr(result, k) for k in RESUMED_FIELDS}
            saved.save(checkpoint, settings, {**state, "epoch": epoch}, best_state)
    bar.close()
    result.elapsed_s = earlier_s + time.perf_counter() - fit_start
    if best_state is not None:
        model.load_state_dict(best_state)
    result.model = model
    return result


def _check_split_edge(split_edge: dict, num_nodes: int) -> None:
    """Every pair set :func:`fit_link_model` reads: ``(n, 2)`` node ids in ``[0, num_nodes)``."""
    for split, keys in (("train", ("edge",)), ("valid", ("edge", "edge_neg")),
                        ("test", ("edge", "edge_neg"))):
        for key in keys:
            try:
                pairs = split_edge[split][key]
            except (KeyError, TypeError, IndexError):
                raise ValueError(f"split_edge needs split_edge[{split!r}][{key!r}]") from None
            check_node_pairs(pairs, num_nodes, f"split_edge[{split!r}][{key!r}]")


#: What :func:`fit_link_model` reports without an ``evaluate`` of its own.
DEFAULT_METRICS = ("hits@10", "hits@20", "hits@30")


def _default_evaluate(pos: torch.Tensor, neg: torch.Tensor) -> dict:
    from graphmed.evaluation.metrics import hits_at_k

    return {f"hits@{k}": hits_at_k(pos, neg, k) for k in (10, 20, 30)}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


#: Settings of :func:`fit_link_model`: OGB's two examples and graphmed's recipe.
#:
#: ``"graphmed"`` is sized for a 2-core CPU: one Adam step per epoch over the whole graph,
#: dot-product scores through the Gram matrix, every non-edge a negative
#: (``loss="all-pairs"``), about 1.1 s per epoch on one thread, 250 epochs. Chosen on
#: validation Hits@20 only (ogbl-ddi, seed 0, SAGE, 256-wide, dropout .3, DropEdge .2,
#: lr .01, full batch; best validation Hits@20 and its step): all-pairs loss .324 at
#: step 180 (then down to .19-.25 by step 420); BCE with 3 sampled negatives .314 at 250
#: (down to .20 by 450); the same with dropout .5 and DropEdge .5 .316 at 200; BCE with
#: one negative .266; PLNLP's AUC loss .165 (no better in 277 steps); 64k-pair
#: mini-batches .093 at equal time. These runs clipped the gradient norm over all
#: parameters at once; clipped per part (OGB's way) the all-pairs run learns more slowly
#: (.267 at step 140, .266 at 190). Earlier, with the AUC loss: GCN + dot, lr .01: .046 in
#: 70 epochs; lr .02, 3 negatives: .022 in 50; SAGE + dot, lr .005: .069 in 90.
DDI_RECIPES: dict[str, dict] = {
    "gcn": dict(conv="gcn", embedding_dim=256, hidden=256, layers=2, dropout=0.5,
                predictor_layers=3, predictor_dropout=0.5, lr=0.005, epochs=200,
                batch_size=64 * 1024, loss="bce", edge_dropout=0.0),
    "sage": dict(conv="sage", embedding_dim=256, hidden=256, layers=2, dropout=0.5,
                 predictor_layers=3, predictor_dropout=0.5, lr=0.005, epochs=200,
                 batch_size=64 * 1024, loss="bce", edge_dropout=0.0),
    "graphmed": dict(conv="sage", embedding_dim=256, hidden=256, layers=2, dropout=0.3,
                     predictor="dot", lr=0.01, epochs=250, batch_size=None,
                     loss="all-pairs", edge_dropout=0.2, clip_jointly=True),
}

__all__ = ["DDI_RECIPES", "DENSE_SCORES_MAX_PAIRS", "EdgeDropper", "EmbeddingGNNLinkModel",
           "FitResult", "LinkPredictor", "NegativeSampler", "SPMM_STATS", "SparseAdjacency",
           "SparseGCNConv", "SparseSAGEConv", "SpmmStats", "all_pairs_loss", "dense_dot_scores", "fit_link_model",
           "link_loss", "spmm_bytes", "undirected_edge_index"]
