"""Node modalities of a drug–disease data set, as rows of one node set (drugs, then diseases).

Modalities (all label-free, so they never leak associations):

- ``"text"``: Transformer embedding of each drug's and disease's name (and description),
  both kinds in one embedding space; missing where an entity has no name.
- ``"morgan"``: Morgan (ECFP4) fingerprints of drugs, 1,024 bits; diseases lack it.
- ``"descriptors"``: z-scored RDKit descriptors of drugs; diseases lack it.
- ``"smiles"``: a SMILES Transformer embedding of drugs (needs a model folder).

Results are kept in memory per (entity tables, modality, model), and text embeddings
are cached on disk by :class:`~graphmed.features.text.TextEncoder`, so folds of a
cross-validation compute each modality once.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from graphmed.features.modality import ModalityFeatures

NODE_MODALITIES = ("text", "morgan", "descriptors", "smiles")
MORGAN_BITS = 1024

_MEMORY: dict[tuple, ModalityFeatures] = {}


def _stack(drugs: ModalityFeatures | None, diseases: ModalityFeatures | None, n_drugs: int,
           n_diseases: int, name: str) -> ModalityFeatures:
    """Rows of drugs then diseases; a kind without the modality gets zero rows and a False mask."""
    dim = (drugs or diseases).dim
    parts, masks = [], []
    for part, n in ((drugs, n_drugs), (diseases, n_diseases)):
        if part is None:
            parts.append(np.zeros((n, dim), dtype=np.float32))
            masks.append(np.zeros(n, dtype=bool))
        else:
            parts.append(part.values)
            masks.append(part.mask)
    return ModalityFeatures(np.concatenate(parts), np.concatenate(masks), name)


def _entity_checksum(data) -> str:
    """SHA-256 of the drug and disease tables (ids, names, SMILES): what the modalities read."""
    digest = hashlib.sha256()
    for table in (data.drugs, data.diseases):
        digest.update(table.to_csv(index=False).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _smiles_column(data) -> tuple[list, list]:
    table = data.drugs
    smiles = table["smiles"].tolist() if "smiles" in table.columns else [None] * len(table)
    return smiles, table["id"].tolist()


def _compute(data, modality: str, text_encoder, smiles_model: str | Path | None) -> ModalityFeatures:
    nd, ns = data.n_drugs, data.n_diseases
    source = f"{data.name} drugs"
    if modality == "text":
        from graphmed.features.text import TextEncoder, entity_texts

        encoder = text_encoder or TextEncoder()  # a bar where much is to encode
        texts = entity_texts(data, "drug") + entity_texts(data, "disease")
        return encoder.encode(texts, name="text")
    if modality == "morgan":
        from graphmed.features.molecules import morgan_fingerprints

        smiles, ids = _smiles_column(data)
        drugs = morgan_fingerprints(smiles, n_bits=MORGAN_BITS, ids=ids, on_invalid="mask",
                                    source=source)
        return _stack(drugs, None, nd, ns, drugs.name)
    if modality == "descriptors":
        from graphmed.features.molecules import molecular_descriptors

        smiles, ids = _smiles_column(data)
        drugs = molecular_descriptors(smiles, ids=ids, on_invalid="mask", source=source)
        return _stack(drugs, None, nd, ns, "descriptors")
    if modality == "smiles":
        if smiles_model is None:
            raise ValueError("the 'smiles' modality needs a SMILES Transformer folder "
                             "(smiles_model=...; `graphmed pretrain-smiles OUT` writes one)")
        from graphmed.features.smiles_encoder import SmilesEncoder

        smiles, ids = _smiles_column(data)
        drugs = SmilesEncoder(smiles_model).encode(smiles, ids=ids, on_invalid="mask")
        return _stack(drugs, None, nd, ns, "smiles")
    raise ValueError(f"unknown modality {modality!r}; known: {', '.join(NODE_MODALITIES)}")


def drug_disease_modalities(data, modalities: Sequence[str], *, text_encoder=None,
                            smiles_model: str | Path | None = None) -> dict[str, ModalityFeatures]:
    """Modalities of every node: ``name -> ModalityFeatures`` with ``n_drugs + n_diseases`` rows.

    Args:
        data: a :class:`~graphmed.datasets.drug_disease.DrugDiseaseDataset`.
        modalities: names from :data:`NODE_MODALITIES`.
        text_encoder: a :class:`~graphmed.features.text.TextEncoder` (default: the
            default model, cached on disk).
        smiles_model: folder of a SMILES Transformer, for ``"smiles"``.
    """
    unknown = [m for m in modalities if m not in NODE_MODALITIES]
    if unknown:
        raise ValueError(f"unknown modalities {unknown}; known: {', '.join(NODE_MODALITIES)}")
    checksum = _entity_checksum(data)
    out = {}
    for modality in modalities:
        model_key = (getattr(text_encoder, "identity", None) if modality == "text"
                     else str(smiles_model) if modality == "smiles" else None)
        key = (checksum, modality, model_key)
        if key not in _MEMORY:
            _MEMORY[key] = _compute(data, modality, text_encoder, smiles_model)
        out[modality] = _MEMORY[key]
    return out


def text_similarity(data, kind: str, *, text_encoder=None) -> np.ndarray:
    """Cosine similarity of the text embeddings of drugs or diseases, clipped at 0: ``(n, n)``.

    An entity without text has NaN rows and columns (diagonal 1): "unknown", not "unlike".
    """
    if kind not in ("drug", "disease"):
        raise ValueError(f"kind must be 'drug' or 'disease', got {kind!r}")
    text = drug_disease_modalities(data, ["text"], text_encoder=text_encoder)["text"]
    rows = slice(0, data.n_drugs) if kind == "drug" else slice(data.n_drugs, None)
    values, mask = text.values[rows].astype(np.float64), text.mask[rows]
    similarity = np.clip(values @ values.T, 0.0, 1.0)
    similarity[~mask, :] = np.nan
    similarity[:, ~mask] = np.nan
    np.fill_diagonal(similarity, 1.0)
    return similarity


def check_text_views(kinds) -> tuple[str, ...]:
    """``kinds`` as a tuple, checked to name only ``"drug"`` and ``"disease"``."""
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in ("drug", "disease")]
    if unknown:
        raise ValueError(f"text_views takes 'drug' and/or 'disease', got {unknown}")
    return kinds


def with_text_similarity(data, kinds: Sequence[str] = ("disease",), *, text_encoder=None):
    """``data`` with a ``"text"`` similarity view added for each kind in ``kinds``.

    Where an entity has no text, the view takes the mean of the other views of that
    kind, so averaging the views leaves such entities as they were; where that kind has no
    other view (a user's own table with names for some entities only), 0: no evidence of
    similarity.
    """
    from dataclasses import replace

    changes = {}
    for kind in kinds:
        attribute = "drug_similarities" if kind == "drug" else "disease_similarities"
        views = dict(getattr(data, attribute))
        similarity = text_similarity(data, kind, text_encoder=text_encoder)
        unknown = np.isnan(similarity)
        if unknown.any():
            if views:
                fallback = np.mean([np.asarray(v, dtype=np.float64) for v in views.values()],
                                   axis=0)
                similarity[unknown] = fallback[unknown]
            else:
                similarity[unknown] = 0.0
        views["text"] = similarity
        changes[attribute] = views
    return replace(data, **changes)
