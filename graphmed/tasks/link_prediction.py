"""The drug–disease link-prediction task: what a model may see, and what it is scored on.

The task owns the graph (training positives and similarity edges only), node features,
the loss over training pairs and the validation metric. It is built from a fold's
:class:`~graphmed.splits.fold.TrainPart`, so test pairs never reach it.

Node numbering of the homogeneous graph: drugs ``0 .. n_drugs-1``, then diseases
``n_drugs .. n_drugs+n_diseases-1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from graphmed.checks import check_settings
from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.errors import DataFormatError
from graphmed.evaluation.metrics import auroc_aupr
from graphmed.similarity import gip_kernel, mean_view, topk_similarity
from graphmed.splits.fold import TrainPart

#: Edge types of the homogeneous graph (``edge_type`` values).
EDGE_TYPES = ("drug-drug", "disease-disease", "drug-disease", "disease-drug")


@dataclass
class LinkTask:
    """Tensors of one fold's training problem.

    Attributes:
        x: ``(N, F)`` node features, N = n_drugs + n_diseases.
        edge_index: ``(2, E)`` message-passing edges (both directions).
        edge_weight: ``(E,)``; edge_type: ``(E,)`` index into :data:`EDGE_TYPES`.
        labels: ``(n_drugs, n_diseases)`` float, training positives.
        loss_mask: ``(n_drugs, n_diseases)`` bool, pairs the loss is computed on
            (training positives and training unknowns).
        pos_weight: weight of a positive pair in the loss.
        val_pairs / val_labels: ``(n, 2)`` long and ``(n,)`` float validation pairs.
        modalities: optional node modalities ``name -> (values (N, d), mask (N,) bool)``
            (text, molecules), fused with ``x`` by the model.
        val_groups: ``(n,)`` long disease of each validation pair when validation is
            scored per disease (new-disease protocol), else None.
    """

    n_drugs: int
    n_diseases: int
    x: torch.Tensor
    edge_index: torch.Tensor
    edge_weight: torch.Tensor
    edge_type: torch.Tensor
    labels: torch.Tensor
    loss_mask: torch.Tensor
    pos_weight: float
    val_pairs: torch.Tensor
    val_labels: torch.Tensor
    modalities: dict[str, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)
    val_groups: torch.Tensor | None = None
    #: the loss pairs' flat indices, labels, weights and total weight, gathered on first use
    #: (with the loss mask, labels and positive weight they were gathered from)
    loss_terms: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def num_nodes(self) -> int:
        return self.n_drugs + self.n_diseases

    def to(self, device: torch.device | str) -> "LinkTask":
        moved = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in vars(self).items()}
        moved["modalities"] = {name: (values.to(device), mask.to(device))
                               for name, (values, mask) in self.modalities.items()}
        return LinkTask(**moved)

    def with_modalities(self, modalities) -> "LinkTask":
        """This task with node modalities attached: ``name -> ModalityFeatures`` of ``N`` rows."""
        attached = {}
        for name, feats in modalities.items():
            if len(feats) != self.num_nodes:
                raise ValueError(f"modality {name!r} has {len(feats)} rows; the graph has "
                                 f"{self.num_nodes} nodes (drugs, then diseases)")
            attached[name] = (torch.from_numpy(feats.values), torch.from_numpy(feats.mask))
        moved = dict(vars(self))
        moved["modalities"] = attached
        return LinkTask(**moved)

    def loss(self, logits: torch.Tensor) -> torch.Tensor:
        """Weighted binary cross-entropy over the loss mask, normalised by the total weight.

        ``logits`` is ``(n_drugs, n_diseases)``; a positive weighs ``pos_weight``, a negative 1.
        """
        terms = self.loss_terms
        if (terms is None or terms[0] is not self.loss_mask or terms[1] is not self.labels
                or terms[2] != self.pos_weight or terms[3].device != logits.device):
            # the pairs, labels and weights are the same at every step: gathered once
            index = self.loss_mask.reshape(-1).nonzero().squeeze(1).to(logits.device)
            labels = self.labels.reshape(-1).to(logits.device)[index]
            weight = 1.0 + (self.pos_weight - 1.0) * labels
            terms = self.loss_terms = (self.loss_mask, self.labels, self.pos_weight,
                                       index, labels, weight, weight.sum())
        index, labels, weight, total = terms[3:]
        losses = F.binary_cross_entropy_with_logits(logits.reshape(-1)[index].float(), labels,
                                                    reduction="none")
        return (weight * losses).sum() / total

    def validation_score(self, logits: torch.Tensor) -> dict[str, float]:
        """AUROC and AUPR of the validation pairs, pooled or (``val_groups``) per disease and
        averaged; an empty dict without validation pairs of both classes."""
        if len(self.val_pairs) == 0:
            return {}
        scores = logits[self.val_pairs[:, 0], self.val_pairs[:, 1]].detach().float().cpu().numpy()
        labels = self.val_labels.cpu().numpy()
        if labels.min() == labels.max():
            return {}
        groups = None if self.val_groups is None else self.val_groups.cpu().numpy()
        return auroc_aupr(labels, scores, groups)


def _edges(weights: np.ndarray, row_offset: int, col_offset: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(weights)
    return np.stack([rows + row_offset, cols + col_offset]), weights[rows, cols]


FEATURES = ("topk", "similarity", "similarity+associations")


def build_link_task(data: DrugDiseaseDataset, part: TrainPart, *, top_k: int = 15,
                    use_gip: bool = False, features: str = "topk",
                    pos_weight: float | str = "balanced") -> LinkTask:
    """Build the training problem of a fold.

    Args:
        data: data set whose association matrix holds exactly ``part.train_pos``.
        top_k: similarity neighbours per node in the graph.
        use_gip: add GIP kernels from the *training* labels to the similarity views.
            Drugs or diseases without any view (a user's own table with no similarity
            matrices) get no similarity edges: the graph is their associations alone.
        features: node features, ``(N, N)`` block matrices: ``"topk"`` (the top-k
            similarity graph plus identity, per entity type), ``"similarity"`` (full
            similarity rows) or ``"similarity+associations"`` (plus training association rows).
        pos_weight: a number, or ``"balanced"`` (number of negatives / number of positives).
    """
    if pos_weight != "balanced":
        check_settings("build_link_task",
                       positive={"pos_weight ('balanced' or a number)": pos_weight})
    labels = part.train_matrix()
    if not labels.any():
        raise DataFormatError("the training part has no positive pair to learn from",
                              source="TrainPart.train_pos")
    nd, ns = labels.shape
    drug_views = dict(data.drug_similarities)
    disease_views = dict(data.disease_similarities)
    if use_gip:
        drug_views["gip"] = gip_kernel(labels)
        disease_views["gip"] = gip_kernel(labels.T)
    # an entity type without any view gets no similarity edges and identity features
    drug_sim = mean_view(drug_views) if drug_views else np.zeros((nd, nd))
    disease_sim = mean_view(disease_views) if disease_views else np.zeros((ns, ns))

    drug_knn, disease_knn = topk_similarity(drug_sim, top_k), topk_similarity(disease_sim, top_k)
    drug_knn, disease_knn = np.maximum(drug_knn, drug_knn.T), np.maximum(disease_knn, disease_knn.T)
    blocks = [_edges(drug_knn, 0, 0), _edges(disease_knn, nd, nd),
              _edges(labels.astype(np.float64), 0, nd), _edges(labels.T.astype(np.float64), nd, 0)]
    edge_index = np.concatenate([b[0] for b in blocks], axis=1)
    edge_weight = np.concatenate([b[1] for b in blocks])
    edge_type = np.concatenate([np.full(len(b[1]), t) for t, b in enumerate(blocks)])

    if features not in FEATURES:
        raise ValueError(f"unknown features {features!r}; known: {', '.join(FEATURES)}")
    x = np.zeros((nd + ns, nd + ns), dtype=np.float32)
    if features == "topk":
        x[:nd, :nd], x[nd:, nd:] = drug_knn + np.eye(nd), disease_knn + np.eye(ns)
    else:
        x[:nd, :nd], x[nd:, nd:] = drug_sim, disease_sim
    if features == "similarity+associations":
        x[:nd, nd:], x[nd:, :nd] = labels, labels.T

    loss_mask = part.negative_pool | labels
    n_pos = int(labels.sum())
    n_neg = int(loss_mask.sum()) - n_pos
    weight = (n_neg / max(n_pos, 1)) if pos_weight == "balanced" else float(pos_weight)
    val_pairs, val_labels = part.val_pairs()
    return LinkTask(
        n_drugs=nd, n_diseases=ns, x=torch.from_numpy(x),
        edge_index=torch.from_numpy(edge_index).long(),
        edge_weight=torch.from_numpy(edge_weight).float(),
        edge_type=torch.from_numpy(edge_type).long(),
        labels=torch.from_numpy(labels.astype(np.float32)),
        loss_mask=torch.from_numpy(loss_mask), pos_weight=float(weight),
        val_pairs=torch.from_numpy(val_pairs).long(),
        val_labels=torch.from_numpy(val_labels.astype(np.float32)),
        val_groups=(None if (groups := part.validation_groups()) is None
                    else torch.from_numpy(groups).long()))
