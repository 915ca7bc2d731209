"""A regex, atom-level SMILES tokenizer as a Hugging Face fast tokenizer.

Tokens are bracket atoms (``[nH]``, ``[O-]``), two-letter organic atoms (``Cl``, ``Br``),
single atoms, bonds, branches and ring-closure labels (``%12``), following the SMILES
regular expression of Schwaller et al., "Molecular Transformer", ACS Cent Sci 5:1572
(2019). The vocabulary is every token seen in a corpus (a ``WordLevel`` model) plus the
RoBERTa special tokens; anything else becomes ``<unk>``.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from graphmed.features.errors import require

SMILES_REGEX = (r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|"
                r"\*|\$|%[0-9]{2}|[0-9])")
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_PATTERN = re.compile(SMILES_REGEX)


def tokenize_smiles(smiles: str) -> list[str]:
    """Split a SMILES string into regex tokens (characters the regex does not match are kept
    as their own tokens)."""
    tokens, end = [], 0
    for match in _PATTERN.finditer(smiles):
        tokens.extend(smiles[end:match.start()])
        tokens.append(match.group())
        end = match.end()
    tokens.extend(smiles[end:])
    return tokens


def build_smiles_tokenizer(corpus: Iterable[str], *, min_frequency: int = 1,
                           model_max_length: int = 128):
    """A ``PreTrainedTokenizerFast`` whose vocabulary is the tokens of ``corpus``.

    Args:
        corpus: SMILES strings the vocabulary is taken from.
        min_frequency: tokens seen fewer times become ``<unk>``.
        model_max_length: default truncation length, special tokens included.

    Encodes as ``<s> tokens </s>``; ``decode(..., skip_special_tokens=True)`` rejoins the
    tokens without spaces, giving back the SMILES when all its tokens are known.
    """
    tokenizers = require("tokenizers", "The SMILES tokenizer")
    transformers = require("transformers", "The SMILES tokenizer")
    if isinstance(corpus, str):
        raise TypeError("corpus must be a collection of SMILES strings, got one string")
    corpus = list(corpus)
    bad = next((i for i, smiles in enumerate(corpus) if not isinstance(smiles, str)), None)
    if bad is not None:
        raise TypeError(f"corpus entry {bad} is {corpus[bad]!r}, not a SMILES string")
    counts = Counter(token for smiles in corpus for token in tokenize_smiles(smiles))
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    for token, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= min_frequency and token not in vocab:
            vocab[token] = len(vocab)
    core = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = tokenizers.pre_tokenizers.Split(
        tokenizers.Regex(SMILES_REGEX), behavior="isolated")
    core.post_processor = tokenizers.processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", vocab["<s>"]), ("</s>", vocab["</s>"])])
    core.decoder = tokenizers.decoders.Fuse()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", cls_token="<s>", sep_token="</s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=model_max_length, clean_up_tokenization_spaces=False)
