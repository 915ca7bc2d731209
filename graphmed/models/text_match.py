"""Zero-shot text match: how close a drug's text is to a disease's text (no labels read)."""
from __future__ import annotations

import numpy as np

from graphmed.datasets.drug_disease import DrugDiseaseDataset, plural
from graphmed.errors import DataFormatError
from graphmed.features.entity_modalities import drug_disease_modalities
from graphmed.models.base import PairScorer, check_fit_inputs
from graphmed.splits.fold import TrainPart


class TextMatch(PairScorer):
    """Score = cosine similarity of the text embeddings of a drug and a disease (their
    names and descriptions, :func:`~graphmed.features.text.entity_texts`, through the
    Transformer text encoder).

    It reads no association, so a disease without any known one is scored like every
    other: a cold-start signal, meant as an ensemble member. A drug or disease without
    text scores 0 with every partner (it ranks nothing). What the encoder learned from its
    pretraining corpus is what this model knows; on Fdataset and Cdataset, whose texts are
    names only, all-MiniLM-L6-v2 ranks a new disease's known drugs at a per-disease AUROC of
    .63 and .58 on its own (new-disease protocol; Cdataset's 102 unnamed diseases rank
    nothing).

    Args:
        text_encoder: a :class:`~graphmed.features.text.TextEncoder` (default: the default
            model, cached on disk).
    """

    name = "text-match"
    uses_validation = False

    def __init__(self, text_encoder=None):
        self.text_encoder = text_encoder

    def fit(self, data: DrugDiseaseDataset, part: TrainPart, *, seed: int = 0) -> "TextMatch":
        check_fit_inputs(data, part)
        text = drug_disease_modalities(data, ["text"], text_encoder=self.text_encoder)["text"]
        for side, has_text in (("drug", text.mask[:data.n_drugs]),
                               (data.disease_kind, text.mask[data.n_drugs:])):
            if not has_text.any():
                raise DataFormatError(f"text-match ranks by the text of drugs and "
                                      f"{plural(data.disease_kind)}, and no {side} has a name or "
                                      "description", source=data.name)
        values = text.values.astype(np.float64)
        norms = np.linalg.norm(values, axis=1, keepdims=True)
        values = np.divide(values, norms, out=np.zeros_like(values), where=norms > 0)
        values[~text.mask] = 0.0
        self._scores = values[:data.n_drugs] @ values[data.n_drugs:].T
        return self
