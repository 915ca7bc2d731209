"""The regex SMILES tokenizer: round trips, special tokens, unknown tokens, save/load."""
from __future__ import annotations

import pytest

pytest.importorskip("tokenizers")
pytest.importorskip("transformers")

from graphmed.features import build_smiles_tokenizer, tokenize_smiles  # noqa: E402


def test_regex_tokens():
    assert tokenize_smiles("CC(=O)[O-].Cl") == ["C", "C", "(", "=", "O", ")", "[O-]", ".", "Cl"]
    assert tokenize_smiles("c1ccc2[nH]ccc2c1Br") == ["c", "1", "c", "c", "c", "2", "[nH]", "c", "c",
                                                     "c", "2", "c", "1", "Br"]
    assert tokenize_smiles("C%12CC%12") == ["C", "%12", "C", "C", "%12"]
    assert tokenize_smiles("CCZ") == ["C", "C", "Z"]  # unmatched characters stay tokens


def test_round_trip_on_corpus(corpus_sample):
    tokenizer = build_smiles_tokenizer(corpus_sample)
    for smiles in corpus_sample:
        assert "".join(tokenize_smiles(smiles)) == smiles
        ids = tokenizer(smiles)["input_ids"]
        assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
        assert tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids, skip_special_tokens=True) == smiles


def test_vocabulary_and_unknown_tokens():
    tokenizer = build_smiles_tokenizer(["CCO", "CCN", "c1ccccc1Cl"])
    vocab = tokenizer.get_vocab()
    assert [vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")] == [0, 1, 2, 3, 4]
    assert {"C", "O", "N", "c", "1", "Cl"} <= set(vocab) and len(vocab) == 11
    assert tokenizer.convert_ids_to_tokens(tokenizer("CBr")["input_ids"]) == ["<s>", "C", "<unk>", "</s>"]
    assert len(build_smiles_tokenizer(["CCO", "CCN"], min_frequency=2)) == 6  # only C is frequent
    with pytest.raises(TypeError, match="corpus entry 1 is None, not a SMILES string"):
        build_smiles_tokenizer(["CCO", None])
    with pytest.raises(TypeError, match="got one string"):
        build_smiles_tokenizer("CCO")


def test_save_and_load(tmp_path, corpus_sample):
    from transformers import AutoTokenizer

    tokenizer = build_smiles_tokenizer(corpus_sample[:50], model_max_length=64)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path, local_files_only=True)
    batch = corpus_sample[:5]
    assert loaded(batch)["input_ids"] == tokenizer(batch)["input_ids"]
    assert loaded.model_max_length == 64 and loaded.mask_token == "<mask>"
    long = loaded("C" * 100, truncation=True)["input_ids"]
    assert len(long) == 64 and long[-1] == loaded.eos_token_id
