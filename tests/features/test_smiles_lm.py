"""SMILES masked-LM pretraining (tiny) and the SmilesEncoder drug features."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("transformers")

from graphmed.errors import DataFormatError  # noqa: E402
from graphmed.features import (ModelNotFoundError, SmilesEncoder, load_smiles_corpus,  # noqa: E402
                               pretrain_smiles_lm)
from graphmed.features.smiles_lm import mask_tokens, read_pretraining_record  # noqa: E402

TINY = dict(hidden=32, layers=2, epochs=1, batch_size=16, lr=3e-3, datasets=(), progress=False,
            num_threads=1)


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory, corpus_sample):
    out = tmp_path_factory.mktemp("smiles_lm")
    return pretrain_smiles_lm(out, corpus_sample[:200], max_molecules=200, seed=7, **TINY)


def test_pretraining_loss_decreases(tiny_lm):
    losses = tiny_lm.losses
    assert len(losses) == 13  # 200 molecules / batch 16
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.2
    assert tiny_lm.n_molecules == 200 and tiny_lm.seed == 7


def test_saved_folder_and_record(tiny_lm):
    names = {p.name for p in tiny_lm.path.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "pretraining.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    record = read_pretraining_record(tiny_lm.path)
    assert record["seed"] == 7 and record["config"]["hidden"] == 32 and record["steps"] == 13
    assert record["corpus"]["n_molecules"] == 200 and len(record["corpus"]["sha256"]) == 64
    config = json.loads((tiny_lm.path / "config.json").read_text())
    assert config["model_type"] == "roberta" and config["vocab_size"] == tiny_lm.vocab_size


def test_same_seed_same_training(tiny_lm, tmp_path, corpus_sample):
    again = pretrain_smiles_lm(tmp_path, corpus_sample[:200], max_molecules=200, seed=7, **TINY)
    np.testing.assert_allclose(again.losses, tiny_lm.losses, rtol=1e-5)


def test_embeddings_shape_and_determinism(tiny_lm, tmp_path):
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "CCN(CC)CC", "c1ccccc1"]
    first = SmilesEncoder(tiny_lm.path, use_cache=False).encode(smiles)
    second = SmilesEncoder(tiny_lm.path, cache_dir=tmp_path).encode(smiles)
    assert first.values.shape == (3, 32) and first.mask.all() and first.name == "smiles_lm"
    np.testing.assert_allclose(second.values, first.values, atol=1e-6)
    assert not np.allclose(first.values[0], first.values[1])
    stereo = SmilesEncoder(tiny_lm.path, use_cache=False).encode(["C[C@H](N)C(=O)O", "CC(N)C(O)=O"])
    np.testing.assert_allclose(stereo.values[0], stereo.values[1], atol=1e-6)  # same canonical form


def test_invalid_smiles_policy(tiny_lm, caplog):
    encoder = SmilesEncoder(tiny_lm.path, use_cache=False)
    smiles = ["CCO", "C1CC(", None]
    with pytest.raises(DataFormatError) as info:
        encoder.encode(smiles, ids=["DB1", "DB2", "DB3"])
    assert info.value.row == 1 and "DB2" in str(info.value) and "C1CC(" in str(info.value)
    with caplog.at_level(logging.WARNING):
        masked = encoder.encode(smiles, ids=["DB1", "DB2", "DB3"], on_invalid="mask")
    assert masked.mask.tolist() == [True, False, False]
    assert not masked.values[1:].any() and masked.values[0].any()


def test_position_limit_of_a_roberta_model(tiny_lm):
    # RoBERTa's positions start after the padding index: 128 + 2 embeddings, 128 usable
    encoder = SmilesEncoder(tiny_lm.path, use_cache=False)
    assert encoder.max_length == encoder.position_limit == 128
    with pytest.raises(ValueError, match="max_length=129 is more than the 128 token positions"):
        SmilesEncoder(tiny_lm.path, max_length=129, use_cache=False)
    long_chain = "C" * 400  # more tokens than positions: cut, not an index error
    assert SmilesEncoder(tiny_lm.path, use_cache=False).encode([long_chain]).values.shape == (1, 32)


def test_encoder_needs_a_model_folder(tmp_path):
    with pytest.raises(ModelNotFoundError):
        SmilesEncoder(tmp_path / "missing")


def test_mask_tokens():
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 30, (64, 40))
    ids[:, 0], ids[:, -1] = 0, 2
    special = (ids == 0) | (ids == 2)
    inputs, labels = mask_tokens(ids, special, vocab_size=30, mask_id=4, prob=0.15, generator=generator)
    chosen = labels != -100
    assert not chosen[special].any() and chosen.any(dim=1).all()
    assert 0.1 < chosen.float().mean() < 0.2
    assert torch.equal(labels[chosen], ids[chosen]) and torch.equal(inputs[~chosen], ids[~chosen])
    assert 0.7 < (inputs[chosen] == 4).float().mean() < 0.9


def test_corpus_from_data_root(data_root):
    corpus = load_smiles_corpus(max_molecules=30, seed=1, data_root=data_root, datasets=("fdataset",))
    assert corpus.sources["smiles_corpus/corpus_all.tsv.gz"] == 30
    assert 500 < corpus.sources["fdataset"] <= 593
    assert len(corpus) == len(set(corpus.smiles)) == sum(corpus.sources.values())
    assert not any("@" in s for s in corpus.smiles)


def test_corpus_files(tmp_path):
    (tmp_path / "a.smi").write_text("CCO ethanol\n\nc1ccccc1 benzene\nnot_a_smiles\n")
    (tmp_path / "b.csv").write_text("SMILES,x\nCCN,1\nOCC,2\n")
    assert load_smiles_corpus(tmp_path / "a.smi", datasets=()).smiles == ["CCO", "c1ccccc1"]
    assert load_smiles_corpus(tmp_path / "b.csv", datasets=()).smiles == ["CCN", "CCO"]
    (tmp_path / "c.tsv").write_text("molecule\nCCO\n")
    with pytest.raises(DataFormatError, match="smiles"):
        load_smiles_corpus(tmp_path / "c.tsv", datasets=())
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    (tmp_path / "fake.zip").write_text("not a zip")
    (tmp_path / "fake.smi.gz").write_bytes(b"not gzip")
    (tmp_path / "latin.smi").write_bytes("CCO \xe9thanol\n".encode("latin-1"))
    for name, message in (("empty.zip", "the zip archive is empty"),
                          ("fake.zip", "cannot be read as a SMILES corpus"),
                          ("fake.smi.gz", "cannot be read as a SMILES corpus"),
                          ("latin.smi", r"cannot be read as a SMILES corpus \(UnicodeDecodeError")):
        with pytest.raises(DataFormatError, match=f"{name}: {message}"):
            load_smiles_corpus(tmp_path / name, datasets=())
    with pytest.raises(ValueError, match="max_molecules must be an integer >= 0"):
        load_smiles_corpus(tmp_path / "a.smi", datasets=(), max_molecules=-1)
    with pytest.raises(TypeError, match="datasets must be a list"):
        load_smiles_corpus(tmp_path / "a.smi", datasets="fdataset")


def test_threads_restored_and_arguments_checked(tmp_path, corpus_sample):
    import torch

    before = torch.get_num_threads()
    pretrain_smiles_lm(tmp_path / "a", corpus_sample[:20], seed=0, **TINY)
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="multiple of heads"):
        pretrain_smiles_lm(tmp_path / "b", corpus_sample[:20], seed=0, **{**TINY, "hidden": 30, "heads": 4})
    with pytest.raises(ValueError, match="valid molecules"):
        pretrain_smiles_lm(tmp_path / "c", ["xx", "C1CC("], seed=0, **TINY)
    for setting, message in (({"layers": 0}, "layers must be an integer >= 1"),
                             ({"hidden": 0}, "hidden must be an integer >= 1"),
                             ({"heads": 0}, "heads must be an integer >= 1"),
                             ({"batch_size": 2.5}, "batch_size must be an integer"),
                             ({"mask_prob": 1.5}, r"mask_prob must be in \[0, 1\)"),
                             ({"mask_prob": 0.0}, "mask_prob must be a finite number > 0"),
                             ({"lr": -1.0}, "lr must be a finite number > 0")):
        with pytest.raises(ValueError, match=message):
            pretrain_smiles_lm(tmp_path / "d", corpus_sample[:20], seed=0, **{**TINY, **setting})
    with pytest.raises(ValueError, match="pretrain_smiles_lm: unknown device 'gpu0'"):
        pretrain_smiles_lm(tmp_path / "e", corpus_sample[:20], seed=0, **TINY, device="gpu0")
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file", tmp_path / "file" / "model"):  # refused before any training
        with pytest.raises(FileExistsError, match="a file stands where the model folder"):
            pretrain_smiles_lm(out, corpus_sample[:20], seed=0, **TINY)


def test_pretrained_smiles_lm_reuses_a_model_and_pretrains_where_there_is_none(
        tiny_lm, tmp_path, monkeypatch):
    import graphmed.features.smiles_lm as smiles_lm

    calls = []
    monkeypatch.setattr(smiles_lm, "pretrain_smiles_lm",
                        lambda folder, **kw: calls.append((folder, kw)))
    assert smiles_lm.pretrained_smiles_lm(tiny_lm.path) == tiny_lm.path and calls == []
    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path))
    folder = smiles_lm.pretrained_smiles_lm(seed=3, num_threads=1, progress=False)
    assert folder == tmp_path / "models" / "smiles_lm_seed3"
    assert calls == [(folder, {"seed": 3, "data_root": None, "num_threads": 1, "progress": False})]


def test_describe_smiles_lm_names_the_weights_and_the_pretraining(tiny_lm, tmp_path):
    from graphmed.features.smiles_lm import describe_smiles_lm
    from graphmed.io import sha256_file

    info = describe_smiles_lm(tiny_lm.path)
    assert info["weights_sha256"] == sha256_file(tiny_lm.path / "model.safetensors")
    assert info["pretraining"]["seed"] == 7 and "losses" not in info["pretraining"]
    assert describe_smiles_lm(tmp_path) == {"folder": str(tmp_path), "weights_sha256": None,
                                            "pretraining": None}


def test_smiles_lm_similarity_of_a_data_set_s_drugs(tiny_lm):
    import pandas as pd

    from graphmed.datasets import DrugDiseaseDataset
    from graphmed.repurpose.new_drug import smiles_lm_similarity

    drugs = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "smiles": ["CCO", "CCCO", "c1ccccc1O", "not a molecule"]})
    pairs = pd.DataFrame({"drug_id": ["a", "b", "c", "d"], "disease_id": ["x", "x", "y", "y"]})
    data = DrugDiseaseDataset.from_tables("toy", pairs, drugs=drugs)
    similarity = smiles_lm_similarity(data, tiny_lm.path)
    assert similarity.shape == (4, 4) and np.allclose(similarity, similarity.T)
    assert np.all(np.diag(similarity) == 1.0) and ((similarity >= 0) & (similarity <= 1)).all()
    assert (similarity[3, :3] == 0).all()  # invalid SMILES: like no other drug
    assert similarity[0, 1] > similarity[0, 2]  # ethanol is nearer propanol than phenol
    one = data.drugs.assign(smiles=["CCO", None, None, None])
    with pytest.raises(DataFormatError, match="no drug of toy has a valid SMILES"):
        smiles_lm_similarity(DrugDiseaseDataset.from_tables("toy", pairs, drugs=one), tiny_lm.path)


class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickled_weights_file_is_refused_without_running_it(tiny_lm, tmp_path):
    import pickle
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_lm.path, folder)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    marker = tmp_path / "ran"
    with open(folder / "pytorch_model.bin", "wb") as handle:
        pickle.dump({"x": _RunsCode(marker)}, handle)
    with pytest.raises(ModelNotFoundError, match="pickled objects other than tensors") as info:
        SmilesEncoder(folder, use_cache=False).encode(["CCO"])
    assert "weights_only" not in str(info.value) and not marker.exists()


def test_an_interrupted_save_leaves_no_model_and_other_files_stay(tmp_path, corpus_sample,
                                                                   monkeypatch):
    import graphmed.features.smiles_lm as smiles_lm

    out = tmp_path / "model"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    first = pretrain_smiles_lm(out, corpus_sample[:20], seed=0, **TINY)
    assert (out / "config.json").is_file() and (out / "notes.txt").read_text() == "mine"

    def broken(path, obj):
        raise OSError("disk full")

    monkeypatch.setattr(smiles_lm, "atomic_write_json", broken)
    with pytest.raises(OSError, match="disk full"):
        pretrain_smiles_lm(tmp_path / "new", corpus_sample[:20], seed=1, **TINY)
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging folder left
    assert read_pretraining_record(first.path)["seed"] == 0


def test_pretraining_and_encoding_on_each_device(tmp_path, corpus_sample, device):
    result = pretrain_smiles_lm(tmp_path / "lm", corpus_sample[:48], seed=2,
                                **{**TINY, "device": device})
    assert np.isfinite(result.losses).all()
    encoded = SmilesEncoder(tmp_path / "lm", device=device, use_cache=False).encode(
        ["CCO", "not a molecule", "c1ccccc1O"], on_invalid="mask")
    assert encoded.mask.tolist() == [True, False, True]
    assert np.isfinite(encoded.values).all() and encoded.values.shape[0] == 3
