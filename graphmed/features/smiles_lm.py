"""Pretraining a small RoBERTa masked language model on SMILES.

The model follows ChemBERTa (Chithrananda, Grand & Ramsundar, "ChemBERTa: Large-Scale
Self-Supervised Pretraining for Molecular Property Prediction", arXiv:2010.09885, 2020):
RoBERTa (Liu et al., arXiv:1907.11692, 2019) trained by masked-token prediction on
SMILES, here with the regex atom-level tokenizer of
:mod:`graphmed.features.smiles_tokenizer`. The result is a Hugging Face folder
(``model.safetensors``, ``config.json``, tokenizer files, ``pretraining.json``) that
:class:`~graphmed.features.smiles_encoder.SmilesEncoder` embeds molecules with.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from graphmed.checks import check_settings
from graphmed.device import resolve_device
from graphmed.errors import OutputPathError
from graphmed.features.errors import require
from graphmed.features.smiles_corpus import DEFAULT_DATASETS, load_smiles_corpus
from graphmed.features.smiles_tokenizer import SPECIAL_TOKENS, build_smiles_tokenizer
from graphmed.features.transformer_embedder import _quiet_transformers, _torch_threads
from graphmed.io import atomic_write_json, check_writable, sha256_bytes
from graphmed.seed import resolve_seed, seed_everything

logger = logging.getLogger(__name__)

RECORD = "pretraining.json"


@dataclass(frozen=True)
class PretrainResult:
    """What :func:`pretrain_smiles_lm` produced.

    Attributes:
        path: the model folder.
        seed: the seed used (drawn and logged when none was given).
        losses: MLM loss of every optimisation step.
        n_molecules: molecules trained on.
        vocab_size: tokenizer vocabulary size, special tokens included.
        wall_time_s: training time.
    """

    path: Path
    seed: int
    losses: list[float]
    n_molecules: int
    vocab_size: int
    wall_time_s: float


def mask_tokens(input_ids, special, *, vocab_size: int, mask_id: int, prob: float, generator):
    """BERT masking: choose ``prob`` of the non-special tokens; of those 80 % become the mask
    token, 10 % a random token, 10 % stay.

    Args:
        input_ids: ``(b, t)`` long tensor (not modified).
        special: ``(b, t)`` bool tensor, ``True`` for special and padding tokens.

    Returns:
        ``(inputs, labels)``: masked ``(b, t)`` inputs and labels, ``-100`` where not chosen.
        Every row with a real token has at least one chosen.
    """
    import torch

    shape = input_ids.shape
    chosen = (torch.rand(shape, generator=generator) < prob) & ~special
    empty = ~chosen.any(dim=1) & (~special).any(dim=1)
    if empty.any():  # choose the first real token of rows that drew none
        first = (~special).float().argmax(dim=1)
        chosen[empty.nonzero().squeeze(1), first[empty]] = True
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    draw = torch.rand(shape, generator=generator)
    inputs = input_ids.clone()
    inputs[chosen & (draw < 0.8)] = mask_id
    replace = chosen & (draw >= 0.8) & (draw < 0.9)
    random_ids = torch.randint(len(SPECIAL_TOKENS), vocab_size, shape, generator=generator)
    inputs[replace] = random_ids[replace]
    return inputs, labels


def pretrain_smiles_lm(out_dir: str | Path, corpus: str | Path | Sequence[str] | None = None, *,
                       max_molecules: int | None = 50_000, epochs: int = 1, hidden: int = 256,
                       layers: int = 4, heads: int | None = None, max_length: int = 128,
                       batch_size: int = 64, lr: float = 5e-4, mask_prob: float = 0.15,
                       seed: int | None = None, data_root: str | Path | None = None,
                       datasets: Sequence[str] = DEFAULT_DATASETS, device: str = "cpu",
                       num_threads: int | None = None, progress: bool = True) -> PretrainResult:
    """Pretrain a RoBERTa masked language model on SMILES and save it to ``out_dir``.

    Args:
        out_dir: folder for the model, tokenizer and ``pretraining.json`` (the record:
            seed, configuration, corpus sizes and checksum, per-step losses, versions).
        corpus: SMILES file or list; ``None`` for the data root's ``smiles_corpus``
            (see :func:`~graphmed.features.smiles_corpus.load_smiles_corpus`).
        max_molecules: corpus molecules to sample (data set drugs come on top); all if ``None``.
        epochs: passes over the molecules.
        hidden, layers, heads: model width, depth and attention heads
            (``heads=None``: ``max(1, hidden // 64)``); the feed-forward width is ``4 * hidden``.
        max_length: tokens per molecule, ``<s>`` and ``</s>`` included; longer ones are cut.
        batch_size, lr, mask_prob: AdamW batch size and peak learning rate (linear warm-up
            over 6 % of the steps, then linear decay to 10 %), masking rate.
        seed: seeds the subset, initialisation, shuffling and masking; drawn and logged
            when ``None``.
        data_root, datasets: where the default corpus and the data sets' drugs are found.
        device: torch device.
        num_threads: torch CPU threads while training (restored after); torch's setting when
            ``None``. On a CPU shared with other work one thread can be several times faster.
        progress: show a tqdm bar.
    """
    torch = require("torch", "SMILES language-model pretraining")
    transformers = require("transformers", "SMILES language-model pretraining")
    from tqdm.auto import tqdm

    if num_threads is not None and num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    check_settings(at_least={"epochs": (epochs, 1), "batch_size": (batch_size, 1),
                             "max_length": (max_length, 3), "hidden": (hidden, 1),
                             "layers": (layers, 1), "heads": (1 if heads is None else heads, 1)},
                   positive={"lr": lr, "mask_prob": mask_prob}, fractions={"mask_prob": mask_prob})
    out = Path(out_dir)
    if (out.exists() and not out.is_dir()) or any(p.exists() and not p.is_dir() for p in out.parents):
        raise OutputPathError(f"out_dir {str(out)!r}: a file stands where the model folder "
                              "would go; choose another folder")  # found before any training
    check_writable(out / "config.json")
    device = resolve_device(device, "pretrain_smiles_lm")
    heads = heads or max(1, hidden // 64)
    if hidden % heads:
        raise ValueError(f"hidden ({hidden}) must be a multiple of heads ({heads})")
    seed = resolve_seed(seed)
    start = time.perf_counter()
    molecules = load_smiles_corpus(corpus, max_molecules=max_molecules, seed=seed,
                                   data_root=data_root, datasets=datasets)
    if len(molecules) < 2:
        raise ValueError(f"the corpus has {len(molecules)} valid molecules; need at least 2")
    tokenizer = build_smiles_tokenizer(molecules.smiles, model_max_length=max_length)
    encoded = tokenizer(molecules.smiles, truncation=True, max_length=max_length,
                        return_attention_mask=False)["input_ids"]

    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    config = transformers.RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=4 * hidden,
        max_position_embeddings=max_length + 2, type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id)
    model = transformers.RobertaForMaskedLM(config).to(device).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps_per_epoch = -(-len(encoded) // batch_size)
    total = epochs * steps_per_epoch
    warmup = max(1, int(0.06 * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: min(
        (step + 1) / warmup, 1.0 - 0.9 * max(0, step + 1 - warmup) / max(1, total - warmup)))

    losses: list[float] = []
    bar = tqdm(total=total, desc="SMILES MLM", unit="step", disable=not progress)
    with _torch_threads(torch, num_threads or torch.get_num_threads()):
        for loss in _mlm_steps(model, optimiser, schedule, encoded, tokenizer, epochs=epochs,
                               batch_size=batch_size, mask_prob=mask_prob, device=device,
                               generator=generator):
            losses.append(loss)
            bar.update()
            bar.set_postfix(loss=f"{loss:.3f}")
    bar.close()
    wall = time.perf_counter() - start

    # written whole into a folder beside ``out``, then moved into place: a folder with a
    # config.json holds a complete model (pretrained_smiles_lm takes any such folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with _quiet_transformers(transformers):
            model.eval().save_pretrained(staging)
            tokenizer.save_pretrained(staging)
        atomic_write_json(staging / RECORD, {
            "seed": seed,
            "config": {"max_molecules": max_molecules, "epochs": epochs, "hidden": hidden,
                       "layers": layers, "heads": heads, "max_length": max_length,
                       "batch_size": batch_size, "lr": lr, "mask_prob": mask_prob,
                       "device": str(device), "num_threads": num_threads},
            "corpus": {"sources": molecules.sources, "n_molecules": len(molecules),
                       "sha256": sha256_bytes("\n".join(molecules.smiles).encode())},
            "vocab_size": len(tokenizer),
            "steps": len(losses),
            "losses": [round(x, 5) for x in losses],
            "epoch_mean_losses": [round(float(np.mean(epoch)), 5)
                                  for epoch in np.array_split(np.array(losses), epochs)],
            "wall_time_s": round(wall, 3),
            "environment": _versions(),
        })
        _move_into(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("SMILES LM saved to %s (seed %d, %d molecules, final loss %.3f)", out, seed,
                len(molecules), losses[-1])
    return PretrainResult(out, seed, losses, len(molecules), len(tokenizer), wall)


def _move_into(staging: Path, out: Path) -> None:
    """Move the files of the folder ``staging`` into ``out``: the whole folder at once where
    ``out`` does not exist yet; else file by file with ``config.json`` (what marks a folder
    as holding a model) removed first and moved last, so that an interruption never leaves
    a config beside weights it does not describe. Other files in ``out`` are left alone."""
    if not out.exists():
        os.replace(staging, out)
        return
    (out / "config.json").unlink(missing_ok=True)
    for path in sorted(staging.iterdir(), key=lambda p: p.name == "config.json"):
        os.replace(path, out / path.name)
    staging.rmdir()


def _mlm_steps(model, optimiser, schedule, encoded: list[list[int]], tokenizer, *, epochs: int,
               batch_size: int, mask_prob: float, device: str, generator):
    """Run the MLM optimisation: shuffle, pad, mask, step; yields each step's loss."""
    import torch

    special_ids = torch.tensor(sorted(tokenizer.all_special_ids))
    for _ in range(epochs):
        for batch_rows in torch.randperm(len(encoded), generator=generator).split(batch_size):
            ids = _pad([encoded[i] for i in batch_rows.tolist()], tokenizer.pad_token_id)
            inputs, labels = mask_tokens(ids, torch.isin(ids, special_ids), vocab_size=len(tokenizer),
                                         mask_id=tokenizer.mask_token_id, prob=mask_prob,
                                         generator=generator)
            attention = (ids != tokenizer.pad_token_id).to(device)
            loss = model(input_ids=inputs.to(device), attention_mask=attention,
                         labels=labels.to(device)).loss
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            yield float(loss.detach())


def _pad(rows: list[list[int]], pad_id: int):
    import torch

    ids = torch.full((len(rows), max(map(len, rows))), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
    return ids


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from graphmed._version import __version__

    info = {"graphmed": __version__, "python": platform.python_version()}
    for package in ("torch", "transformers", "tokenizers", "rdkit", "numpy"):
        try:
            info[package] = version(package)
        except PackageNotFoundError:
            pass
    return info


def pretrained_smiles_lm(folder: str | Path | None = None, *, seed: int = 0,
                         data_root: str | Path | None = None, num_threads: int | None = None,
                         progress: bool = True) -> Path:
    """A SMILES Transformer folder: ``folder`` as it is when it holds a model, else one
    pretrained there first by :func:`pretrain_smiles_lm` with its defaults and ``seed``
    (about 25 minutes on one CPU thread). ``folder`` defaults to
    ``<cache>/models/smiles_lm_seed<seed>`` under :func:`~graphmed.features.cache.default_cache_dir`."""
    from graphmed.features.cache import default_cache_dir

    folder = Path(folder) if folder is not None else (
        default_cache_dir() / "models" / f"smiles_lm_seed{int(seed)}")
    if not (folder / "config.json").is_file():
        logger.info("no SMILES Transformer in %s: pretraining one (seed %d)", folder, seed)
        pretrain_smiles_lm(folder, seed=seed, data_root=data_root, num_threads=num_threads,
                           progress=progress)
    return folder


def describe_smiles_lm(folder: str | Path) -> dict:
    """What a results file records of the SMILES Transformer in ``folder``: the folder, the
    sha256 of its weights and its pretraining record without the per-step losses (``None``
    for a model :func:`pretrain_smiles_lm` did not write)."""
    from graphmed.io import sha256_file

    folder = Path(folder)
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    record = folder / RECORD
    pretraining = None
    if record.is_file():
        pretraining = {k: v for k, v in json.loads(record.read_text()).items() if k != "losses"}
    return {"folder": str(folder), "weights_sha256": sha256_file(weights[0]) if weights else None,
            "pretraining": pretraining}


def read_pretraining_record(path: str | Path) -> dict:
    """The ``pretraining.json`` record of a model folder written by :func:`pretrain_smiles_lm`."""
    return json.loads((Path(path) / RECORD).read_text())

