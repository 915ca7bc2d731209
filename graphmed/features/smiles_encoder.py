"""Drug features from a SMILES language model: mean-pooled token states.

Works with a model from :func:`~graphmed.features.smiles_lm.pretrain_smiles_lm` or any
local Hugging Face checkpoint of a SMILES model (e.g. a ChemBERTa download; Chithrananda
et al., arXiv:2010.09885, 2020). Molecules are first written as RDKit canonical SMILES
without stereochemistry, the form the pretraining corpus uses.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from graphmed.features.modality import ModalityFeatures, entity_list
from graphmed.features.molecules import canonical_smiles, parse_smiles
from graphmed.features.transformer_embedder import TransformerEmbedder, check_model_folder

MAX_TOKENS = 512


class SmilesEncoder(TransformerEmbedder):
    """Embeds molecules with a SMILES Transformer.

    Args:
        model_path: local Hugging Face folder of a SMILES model.
        max_length: tokens per molecule; the tokenizer's ``model_max_length`` (at most
            512) when ``None``. Longer SMILES (large peptides) are truncated.
        canonicalise: rewrite inputs as canonical non-stereo SMILES first.
        normalise: L2-normalise the embeddings.
        batch_size, device, cache_dir, use_cache, progress, num_threads: see
            :class:`~graphmed.features.transformer_embedder.TransformerEmbedder`.
    """

    purpose = "SMILES language-model features"

    def __init__(self, model_path: str | Path, *, batch_size: int = 64, max_length: int | None = None,
                 device: str = "cpu", canonicalise: bool = True, normalise: bool = False,
                 cache_dir: str | Path | None = None, use_cache: bool = True,
                 progress: bool | None = None, num_threads: int | None = None):
        folder = check_model_folder(model_path)
        super().__init__(folder, batch_size=batch_size,
                         max_length=max_length or _tokenizer_max_length(folder), device=device,
                         normalise=normalise, cache_dir=cache_dir, use_cache=use_cache,
                         progress=progress, num_threads=num_threads, namespace="smiles")
        self.canonicalise = bool(canonicalise)

    def encode(self, smiles: Sequence[str | None], *, ids: Sequence | None = None,
               on_invalid: str = "raise", name: str = "smiles_lm",
               source: str = "SMILES") -> ModalityFeatures:
        """Embed ``n`` molecules.

        Args:
            ids: entity ids quoted in errors and warnings.
            on_invalid: ``"raise"`` (a :class:`~graphmed.errors.DataFormatError` naming the
                row, id and SMILES) or ``"mask"`` (zero row, ``mask=False``).

        Returns:
            :class:`ModalityFeatures` with ``values`` ``(n, dim)`` float32.
        """
        smiles = entity_list(smiles, "SMILES")
        if self.canonicalise:
            texts, mask = canonical_smiles(smiles, ids=ids, on_invalid=on_invalid, source=source)
        else:
            _, mask = parse_smiles(smiles, ids=ids, on_invalid=on_invalid, source=source)
            texts = [str(s).strip() if ok else None for s, ok in zip(smiles, mask)]
        values = np.zeros((len(texts), self.dim), dtype=np.float32)
        if mask.any():
            values[mask] = self.embed([t for t, ok in zip(texts, mask) if ok])
        return ModalityFeatures(values, mask, name)


def _tokenizer_max_length(folder: Path) -> int:
    try:
        length = json.loads((folder / "tokenizer_config.json").read_text()).get("model_max_length")
    except (OSError, ValueError):
        length = None
    return int(length) if isinstance(length, (int, float)) and 0 < length <= MAX_TOKENS else MAX_TOKENS
