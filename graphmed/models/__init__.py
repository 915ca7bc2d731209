"""Drug–disease models. ``MODELS`` maps the names used on the command line to factories."""
from __future__ import annotations

from typing import Callable

from graphmed.errors import UnknownNameError
from graphmed.models.base import PairScorer
from graphmed.models.ensemble import Ensemble
from graphmed.models.gnn import GNNLinkPredictor
from graphmed.models.knn import SimilarityKNN
from graphmed.models.kronrls import KronRLS
from graphmed.models.names_only import DiseaseNamesOnly
from graphmed.models.popularity import Popularity
from graphmed.models.target_overlap import TargetOverlap
from graphmed.models.text_match import TextMatch


def gnn_kronrls(**gnn_settings) -> Ensemble:
    """The relation-aware GNN and Kronecker RLS, averaged with weights chosen on validation."""
    return Ensemble([lambda: GNNLinkPredictor(**gnn_settings), KronRLS], name="gnn-kronrls")


def multimodal(**gnn_settings) -> Ensemble:
    """For cold-start diseases: the GNN fusing the text modality (attention) over a graph
    with a disease text-similarity view, and Kronecker RLS with that view."""
    settings = {"modalities": ("text",), "fusion": "attention",
                "text_views": ("disease",), **gnn_settings}
    return Ensemble([lambda: GNNLinkPredictor(**settings),
                     lambda: KronRLS(text_views=("disease",))], name="multimodal")


def multimodal_text_match(**gnn_settings) -> Ensemble:
    """:func:`multimodal` plus the zero-shot :class:`TextMatch` of drug and disease texts."""
    return Ensemble([*multimodal(**gnn_settings).factories, TextMatch],
                    name="multimodal-text-match")


def multimodal_targets(**gnn_settings) -> Ensemble:
    """:func:`multimodal` plus the zero-shot :class:`TargetOverlap` of drug targets and
    disease proteins (Fdataset and Cdataset, whose protein links are known)."""
    return Ensemble([*multimodal(**gnn_settings).factories, TargetOverlap],
                    name="multimodal-targets")


MODELS: dict[str, Callable[..., PairScorer]] = {
    "knn": SimilarityKNN, "kronrls": KronRLS, "gnn": GNNLinkPredictor, "gnn-kronrls": gnn_kronrls,
    "multimodal": multimodal, "text-match": TextMatch,
    "multimodal-text-match": multimodal_text_match, "popularity": Popularity,
    "target-overlap": TargetOverlap, "multimodal-targets": multimodal_targets}

#: The best model graphmed has (see benchmarks/results), used when none is named. It needs
#: the ``features`` extra (the text model); ``gnn-kronrls`` is the best without it.
DEFAULT_MODEL = "multimodal"


def make_model(name: str | None = None, **kwargs) -> PairScorer:
    """A fresh model by name (``None``: :data:`DEFAULT_MODEL`)."""
    key = (name or DEFAULT_MODEL).strip().lower()
    if key not in MODELS:
        raise UnknownNameError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[key](**kwargs)


__all__ = ["DEFAULT_MODEL", "DiseaseNamesOnly", "MODELS", "Ensemble", "GNNLinkPredictor",
           "KronRLS", "PairScorer", "Popularity", "SimilarityKNN", "TargetOverlap", "TextMatch",
           "gnn_kronrls", "make_model", "multimodal", "multimodal_targets",
           "multimodal_text_match"]
