"""Text features of EHR nodes: embeddings of the official ICD titles and the drug names.

:func:`add_text_features` embeds node names with any encoder that has
``encode(texts) -> ModalityFeatures``: by default the Transformer
:class:`~graphmed.features.TextEncoder` (all-MiniLM-L6-v2), else, when the optional
packages are not installed, :class:`HashingTextEncoder` (character n-grams hashed to a
fixed size: no model, no download, with a warning saying so).
"""
from __future__ import annotations

import copy
import difflib
import logging
import warnings
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import torch

from graphmed.checks import check_settings
from graphmed.errors import UnknownNameError
from graphmed.graph.medgraph import MedGraph

logger = logging.getLogger(__name__)

TEXT_NODE_TYPES = ("diagnosis", "procedure", "drug", "lab")


class HashingTextEncoder:
    """L2-normalised counts of character 3- to 5-grams within words, hashed to ``dim`` columns.

    A model-free stand-in for :class:`~graphmed.features.TextEncoder`: similar spellings get
    similar vectors, meanings do not.
    """

    def __init__(self, dim: int = 384):
        check_settings("HashingTextEncoder", at_least={"dim": (dim, 1)})
        self.dim = int(dim)

    def encode(self, texts: Sequence[str | None], *, name: str = "text_hashing"):
        """:class:`~graphmed.features.ModalityFeatures`: ``(n, dim)`` float32 unit rows; a
        missing or blank text gives a zero row and ``mask=False``."""
        from sklearn.feature_extraction.text import HashingVectorizer

        from graphmed.features.modality import ModalityFeatures, entity_list

        cleaned = ["" if t is None or (not isinstance(t, str) and pd.isna(t)) else str(t).strip()
                   for t in entity_list(texts, "texts")]
        mask = np.array([bool(t) for t in cleaned], dtype=bool)
        vectorizer = HashingVectorizer(n_features=self.dim, analyzer="char_wb", ngram_range=(3, 5),
                                       alternate_sign=False, norm="l2", lowercase=True)
        values = vectorizer.transform(cleaned).toarray().astype(np.float32)
        values[~mask] = 0.0
        return ModalityFeatures(values, mask, name)

    def __repr__(self) -> str:
        return f"HashingTextEncoder(dim={self.dim})"


def default_text_encoder(**kwargs):
    """The Transformer :class:`~graphmed.features.TextEncoder`, or :class:`HashingTextEncoder`
    with a warning when its optional packages or model are missing."""
    from graphmed.features.errors import MissingDependencyError, ModelNotFoundError
    from graphmed.features.text import TextEncoder

    try:
        return TextEncoder(**kwargs)
    except (MissingDependencyError, ModelNotFoundError) as exc:
        warnings.warn(f"text features fall back to hashed character n-grams: {exc}", stacklevel=2)
        return HashingTextEncoder()


def node_texts(graph: MedGraph, node_type: str) -> list[str | None]:
    """The name of each node of ``node_type``; ``None`` where the name only repeats a code id
    (``"ICD9:5672"``: a code without its title tells a language model nothing)."""
    table = graph.nodes[node_type]
    return [None if name == node_id and ":" in node_id else name
            for node_id, name in zip(table["id"], table["name"])]


def add_text_features(graph: MedGraph, encoder=None, *,
                      node_types: Iterable[str] | None = None, attr: str = "x") -> MedGraph:
    """A copy of ``graph`` whose ``data[node_type][attr]`` holds the embeddings of node names.

    Args:
        graph: e.g. ``load_mimic4().build()``.
        encoder: has ``encode(texts) -> ModalityFeatures``; :func:`default_text_encoder` if
            ``None``.
        node_types: which node types to embed; each must be in the graph. ``None``: those of
            :data:`TEXT_NODE_TYPES` the graph has.
        attr: where to store the ``(n, dim)`` float32 embeddings (a node whose name is
            unknown gets zeros); appended to an existing ``attr`` along the feature axis.

    Returns:
        A new :class:`MedGraph` sharing the other tensors with ``graph``.
    """
    if node_types is None:
        node_types = [t for t in TEXT_NODE_TYPES if t in graph.nodes]
    else:
        node_types = [node_types] if isinstance(node_types, str) else list(node_types)
        for node_type in node_types:
            if node_type not in graph.nodes:
                close = difflib.get_close_matches(str(node_type), list(graph.nodes), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise UnknownNameError(f"the graph has no {node_type!r} nodes{hint} (node types: "
                                       f"{', '.join(graph.nodes)})")
    encoder = default_text_encoder() if encoder is None else encoder
    data = copy.copy(graph.data)
    for node_type in node_types:
        features = encoder.encode(node_texts(graph, node_type))
        values = torch.from_numpy(np.array(features.values, dtype=np.float32, copy=True))
        store = data[node_type]
        existing = store.get(attr)
        store[attr] = values if existing is None else torch.cat([existing.float(), values], dim=1)
    return MedGraph(data, graph.nodes, name=graph.name)
