"""Drug–disease models. ``MODELS`` maps the names used on the command line to classes."""
from __future__ import annotations

from graphmed.errors import UnknownNameError
from graphmed.models.base import PairScorer
from graphmed.models.gnn import GNNLinkPredictor
from graphmed.models.knn import SimilarityKNN
from graphmed.models.kronrls import KronRLS

MODELS: dict[str, type[PairScorer]] = {"knn": SimilarityKNN, "kronrls": KronRLS,
                                        "gnn": GNNLinkPredictor}

#: The best model graphmed has on protocol A (see benchmarks/results), used when none is named.
DEFAULT_MODEL = "kronrls"


def make_model(name: str | None = None, **kwargs) -> PairScorer:
    """A fresh model by name (``None``: :data:`DEFAULT_MODEL`)."""
    key = (name or DEFAULT_MODEL).strip().lower()
    if key not in MODELS:
        raise UnknownNameError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[key](**kwargs)


__all__ = ["DEFAULT_MODEL", "GNNLinkPredictor", "MODELS", "KronRLS", "PairScorer", "SimilarityKNN", "make_model"]
