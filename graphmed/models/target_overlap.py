"""Zero-shot target overlap: how many proteins a drug targets that a disease is linked to."""
from __future__ import annotations

import os

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.splits.fold import TrainPart


class TargetOverlap(PairScorer):
    """Score = ``log(1 + number of proteins that the drug targets and the disease is linked to)``
    (:class:`~graphmed.datasets.proteins.ProteinLinks`).

    It reads no association, so a disease without any known one is scored like every
    other: a cold-start signal from biology rather than from names, meant as an ensemble
    member (``multimodal-targets``). A drug without targets or a disease without proteins
    scores 0 with every partner.

    Args:
        links: the :class:`~graphmed.datasets.proteins.ProteinLinks` to read; default: those
            of the data set being fitted (:func:`~graphmed.datasets.proteins.load_protein_links`),
            from ``data_root``.
        data_root: data root for the default links; default: the one the data set was read
            from, else ``$GRAPHMED_DATA``.
    """

    name = "target-overlap"
    uses_validation = False

    def __init__(self, links=None, *, data_root: str | os.PathLike | None = None):
        self.links, self.data_root = links, data_root

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *,
            seed: int = 0) -> "TargetOverlap":
        from graphmed.datasets.proteins import data_root_of, load_protein_links

        check_fit_inputs(data, part)
        links = self.links
        if links is None:
            links = load_protein_links(data.name, self.data_root or data_root_of(data))
        drug, disease = links.aligned(data)
        self._scores = np.log1p(drug @ disease.T)
        return self
