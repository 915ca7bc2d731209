"""Mean-pooled embeddings from a local Hugging Face Transformer, with an on-disk cache.

Any folder written by ``save_pretrained`` (``config.json``, weights, tokenizer files)
works; nothing is fetched from a model hub (``local_files_only=True``).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from graphmed.checks import check_settings
from graphmed.device import resolve_device
from graphmed.features.cache import EmbeddingCache, text_key
from graphmed.features.errors import ModelNotFoundError, check_installed, require
from graphmed.io import sha256_file

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack")
#: Files that hold a tokenizer's vocabulary; a model folder needs at least one.
VOCABULARY_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model",
                    "spiece.model", "tokenizer.model")
#: Model types whose position ids start after the padding index.
OFFSET_POSITION_MODELS = ("roberta", "xlm-roberta", "camembert", "longformer", "data2vec-text")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json")


def mean_pool(hidden, attention_mask):
    """Average of token states over attended positions.

    Args:
        hidden: ``(b, t, h)`` float tensor of last-layer token states.
        attention_mask: ``(b, t)`` tensor, 1 for real tokens, 0 for padding.

    Returns:
        ``(b, h)`` tensor.
    """
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def check_model_folder(path: str | Path) -> Path:
    """``path`` resolved, or :class:`ModelNotFoundError` if it is not a model folder."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelNotFoundError(f"model folder {str(folder)!r} does not exist; pass the path of a "
                                 "local Hugging Face model folder (one written by save_pretrained)")
    if not (folder / "config.json").is_file():
        raise ModelNotFoundError(f"{str(folder)!r} has no config.json: it is not a Hugging Face "
                                 "model folder")
    if not any(p.suffix in WEIGHT_SUFFIXES for p in folder.iterdir() if p.is_file()):
        raise ModelNotFoundError(f"{str(folder)!r} has no weights file "
                                 f"({', '.join('*' + s for s in WEIGHT_SUFFIXES)})")
    if not any((folder / name).is_file() for name in VOCABULARY_FILES):
        # without them the tokenizer loads empty and every input gets the same tokens
        raise ModelNotFoundError(f"{str(folder)!r} has no tokenizer vocabulary "
                                 f"({', '.join(VOCABULARY_FILES)}); save the tokenizer with the "
                                 "model (tokenizer.save_pretrained)")
    return folder.resolve()


def model_identity(path: str | Path, **settings) -> tuple[str, dict]:
    """Content identity of a model folder and the settings that change its outputs.

    Hashes ``config.json``, every weights file and the tokenizer files, plus ``settings``
    (e.g. ``max_length``). Returns ``(hex digest, description)``; the description (path,
    file hashes, settings) is stored beside cached embeddings.
    """
    folder = check_model_folder(path)
    files = sorted(p for p in folder.iterdir() if p.is_file() and
                   (p.name == "config.json" or p.suffix in WEIGHT_SUFFIXES or p.name in TOKENIZER_FILES))
    info = {"path": str(folder), "files": {p.name: sha256_file(p) for p in files},
            "settings": settings}
    digest = hashlib.sha256(json.dumps({k: info[k] for k in ("files", "settings")},
                                       sort_keys=True).encode()).hexdigest()
    return digest, info


@contextlib.contextmanager
def _quiet_transformers(transformers):
    """Silence load reports and progress bars while loading; restore the settings after."""
    logging_ = transformers.utils.logging
    verbosity, bars = logging_.get_verbosity(), logging_.is_progress_bar_enabled()
    logging_.set_verbosity_error()
    logging_.disable_progress_bar()
    try:
        yield
    finally:
        logging_.set_verbosity(verbosity)
        if bars:
            logging_.enable_progress_bar()


@contextlib.contextmanager
def _torch_threads(torch, n: int):
    previous = torch.get_num_threads()
    if n != previous:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


class TransformerEmbedder:
    """Embeds strings with a local Transformer: batched, attention-mask mean pooling.

    Args:
        model_path: local Hugging Face model folder.
        batch_size: strings per forward pass.
        max_length: tokens kept per string (longer ones are truncated).
        device: torch device, e.g. ``"cpu"`` or ``"cuda"``.
        normalise: L2-normalise each embedding.
        cache_dir: embedding cache root (see :mod:`graphmed.features.cache`).
        use_cache: read and write the on-disk cache.
        progress: tqdm bar: ``None`` shows it for more than four batches to encode.
        num_threads: torch CPU threads while encoding (restored after); torch's setting when
            ``None``. One thread is often faster on a CPU shared with other work.
        namespace: cache sub-folder.

    The model loads on the first string that is not cached, so a fully cached call
    never loads it.
    """

    purpose = "Transformer embeddings"

    def __init__(self, model_path: str | Path, *, batch_size: int = 64, max_length: int = 128,
                 device: str = "cpu", normalise: bool = False, cache_dir: str | Path | None = None,
                 use_cache: bool = True, progress: bool | None = None, num_threads: int | None = None,
                 namespace: str = "embeddings"):
        check_installed("transformers", self.purpose)
        # two places go to the start and end tokens: below 3 every input looks the same
        check_settings(type(self).__name__, at_least={"batch_size": (batch_size, 1),
                                                      "max_length": (max_length, 3)})
        self.model_path = check_model_folder(model_path)
        self.batch_size, self.max_length = int(batch_size), int(max_length)
        self.device = str(resolve_device(device, type(self).__name__))
        limit = self.position_limit
        if limit is not None and self.max_length > limit:
            raise ValueError(f"{type(self).__name__}: max_length={self.max_length} is more than "
                             f"the {limit} token positions of the model in "
                             f"{str(self.model_path)!r}")
        self.normalise, self.use_cache, self.progress = bool(normalise), bool(use_cache), progress
        self.cache_dir, self.namespace = cache_dir, namespace
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be >= 1, got {num_threads}")
        self.num_threads = num_threads
        self._tokenizer = self._model = None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({str(self.model_path)!r}, dim={self.dim}, "
                f"max_length={self.max_length}, device={self.device!r})")

    @cached_property
    def config(self) -> dict:
        path = self.model_path / "config.json"
        try:
            config = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(f"{str(path)!r} is not a readable model configuration "
                                     f"({type(exc).__name__}: {exc})") from None
        if not isinstance(config, dict):
            raise ModelNotFoundError(f"{str(path)!r} is not a model configuration (a JSON object)")
        return config

    @property
    def dim(self) -> int:
        """Embedding size (the model's hidden size)."""
        size = self.config.get("hidden_size") or self.config.get("d_model")
        if not isinstance(size, int) or size < 1:
            raise ModelNotFoundError(f"{str(self.model_path / 'config.json')!r} gives no hidden "
                                     f"size (hidden_size or d_model), found {size!r}")
        return size

    @property
    def position_limit(self) -> int | None:
        """Most tokens the model reads (``max_position_embeddings``, less the offset RoBERTa-type
        models give positions after the padding index); ``None`` when the config sets none."""
        positions = self.config.get("max_position_embeddings")
        if not isinstance(positions, int) or positions < 1:
            return None
        if self.config.get("model_type") in OFFSET_POSITION_MODELS:
            positions -= int(self.config.get("pad_token_id") or 0) + 1
        return positions

    @cached_property
    def _identity(self) -> tuple[str, dict]:
        return model_identity(self.model_path, max_length=self.max_length, pooling="mean",
                              normalise=self.normalise)

    @property
    def identity(self) -> str:
        """Hex digest of the weights, config, tokenizer and settings; names the cache folder."""
        return self._identity[0]

    @cached_property
    def cache(self) -> EmbeddingCache:
        return EmbeddingCache(self.identity, self.cache_dir, namespace=self.namespace,
                              model_info=self._identity[1])

    def load(self) -> "TransformerEmbedder":
        """Load the tokenizer and model (done on first need)."""
        if self._model is None:
            import torch

            transformers = require("transformers", self.purpose)
            try:
                # A masked-LM checkpoint lacks the base model's pooler, which is then drawn at
                # random: fork the RNG so loading leaves the caller's random state alone.
                with _quiet_transformers(transformers), torch.random.fork_rng(devices=[]):
                    self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                        self.model_path, local_files_only=True)
                    self._model = transformers.AutoModel.from_pretrained(
                        self.model_path, local_files_only=True).to(self.device).eval()
            except Exception as exc:  # OSError, a damaged weights file (SafetensorError), ...
                detail = f"{type(exc).__name__}: {exc}"
                if "weights_only" in str(exc):  # torch's advice would switch the guard off
                    detail = ("its weights file holds pickled objects other than tensors, which "
                              "graphmed does not load: they could run code; save the model "
                              "as safetensors")
                raise ModelNotFoundError(f"cannot load a model from {str(self.model_path)!r} "
                                         f"({detail})") from exc
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, dim)`` float32 embeddings of non-empty strings; cached ones are not recomputed."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        keys = [text_key(t) for t in unique]
        values, found = self.cache.get(keys) if self.use_cache else (None, np.zeros(len(unique), bool))
        if values is None:
            values = np.zeros((len(unique), self.dim), dtype=np.float32)
        todo = np.flatnonzero(~found)
        if len(todo):
            values[todo] = self._encode([unique[i] for i in todo])
            if self.use_cache:
                self.cache.put([keys[i] for i in todo], values[todo])
        position = {t: i for i, t in enumerate(unique)}
        return values[[position[t] for t in texts]]

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Run the model: ``(n, dim)`` float32, strings batched by length."""
        import torch
        from tqdm.auto import tqdm

        self.load()
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), self.batch_size)
        show = self.progress if self.progress is not None else len(starts) > 4
        with torch.inference_mode(), _torch_threads(torch, self.num_threads or torch.get_num_threads()):
            for start in tqdm(starts, desc=f"{type(self).__name__}", unit="batch", disable=not show):
                rows = order[start:start + self.batch_size]
                batch = self._tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                        max_length=self.max_length, return_tensors="pt")
                mask = batch["attention_mask"].to(self.device)
                hidden = self._model(input_ids=batch["input_ids"].to(self.device),
                                     attention_mask=mask).last_hidden_state
                pooled = mean_pool(hidden, mask)
                if self.normalise:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[rows] = pooled.float().cpu().numpy()
        return out
