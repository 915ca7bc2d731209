"""Node features: molecules (RDKit), text (Transformer), a SMILES language model, a cache.

Every extractor returns :class:`ModalityFeatures` (``values`` ``(n, d)`` float32, a
presence ``mask`` ``(n,)`` and a ``name``). RDKit, transformers and the default text
model are optional (``pip install "graphmed[features]"``) and imported only when used.

>>> from graphmed.features import morgan_fingerprints, TextEncoder, entity_texts
>>> fp = morgan_fingerprints(data.drugs["smiles"], ids=data.drugs["id"])       # doctest: +SKIP
>>> text = TextEncoder().encode(entity_texts(data, "disease"))                  # doctest: +SKIP
"""
from graphmed.features.cache import EmbeddingCache, default_cache_dir
from graphmed.features.errors import MissingDependencyError, ModelNotFoundError
from graphmed.features.modality import ModalityFeatures
from graphmed.features.molecules import (DESCRIPTOR_NAMES, canonical_smiles, molecular_descriptors,
                                         morgan_fingerprints, parse_smiles, tanimoto_similarity)
from graphmed.features.smiles_corpus import SmilesCorpus, load_smiles_corpus
from graphmed.features.smiles_encoder import SmilesEncoder
from graphmed.features.smiles_lm import (PretrainResult, describe_smiles_lm, pretrain_smiles_lm,
                                         pretrained_smiles_lm)
from graphmed.features.smiles_tokenizer import build_smiles_tokenizer, tokenize_smiles
from graphmed.features.text import TextEncoder, default_text_model_path, entity_texts
from graphmed.features.transformer_embedder import TransformerEmbedder, mean_pool

__all__ = [
    "DESCRIPTOR_NAMES", "EmbeddingCache", "MissingDependencyError", "ModalityFeatures",
    "ModelNotFoundError", "PretrainResult", "SmilesCorpus", "SmilesEncoder", "TextEncoder",
    "TransformerEmbedder", "build_smiles_tokenizer", "canonical_smiles", "default_cache_dir",
    "default_text_model_path", "describe_smiles_lm", "entity_texts", "load_smiles_corpus", "mean_pool",
    "molecular_descriptors", "morgan_fingerprints", "parse_smiles", "pretrain_smiles_lm",
    "pretrained_smiles_lm", "tanimoto_similarity", "tokenize_smiles",
]
