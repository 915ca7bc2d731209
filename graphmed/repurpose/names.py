"""Forgiving look-up of drugs and diseases by id or name, with suggestions when unknown.

A query is matched, in this order of precedence, against the ids and names of a table
(columns ``id`` and ``name``):

1. an id, ignoring case (``db00331``);
2. a whole name or one of its aliases (the parts of ``"Alzheimer Disease; Ad"`` split at
   ``;``), after normalisation: case, accents, punctuation and runs of whitespace are
   ignored, so ``"alzheimer-disease"`` finds ``"Alzheimer Disease; Ad"``;
3. a partial name: names that start with the query, else names that contain it from the
   start of a word (``"myeloid"``, ``"type 2"``);
4. token overlap: names that contain every word of the query in any order
   (``"diabetes type 2"`` finds ``"Diabetes Mellitus, Type 2"``).

A tier that matches exactly one entity wins; one that matches several raises
:class:`~graphmed.errors.AmbiguousNameError` listing them. A query no tier matches raises
:class:`~graphmed.errors.UnknownNameError` with the closest names (difflib) and names
sharing a word with the query: a misspelt name is never silently replaced by a guess.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphmed.datasets.drug_disease import plural
from graphmed.errors import AmbiguousNameError, UnknownNameError

#: At most this many candidates are named in an error message.
MAX_LISTED = 8

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Lower case, accents removed, every run of non-alphanumerics one space, trimmed.

    >>> normalise_name("  Crohn's  Disease, (IBD)")
    'crohn s disease ibd'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


@dataclass(frozen=True, eq=False)
class NameIndex:
    """The ids and names of one kind of entity, ready for :meth:`find`.

    Attributes:
        kind: what the entities are called in messages (``"drug"``, ``"disease"``).
        ids / names: in table order; a missing name is the id.
    """

    kind: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    _norm: tuple[str, ...] = field(init=False, repr=False)
    _aliases: tuple[tuple[str, ...], ...] = field(init=False, repr=False)
    _tokens: tuple[frozenset[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.names):
            raise ValueError(f"{len(self.ids)} ids for {len(self.names)} names")
        norm = tuple(normalise_name(n) for n in self.names)
        aliases = tuple(tuple(a for a in (normalise_name(p) for p in name.split(";")) if a)
                        for name in self.names)
        object.__setattr__(self, "_norm", norm)
        object.__setattr__(self, "_aliases", aliases)
        object.__setattr__(self, "_tokens", tuple(frozenset(n.split()) for n in norm))

    @classmethod
    def from_table(cls, table: pd.DataFrame, kind: str) -> "NameIndex":
        """From a table with an ``id`` column and an optional ``name`` column."""
        ids = table["id"].astype(str).tolist()
        if "name" in table.columns:
            raw = table["name"].to_numpy(dtype=object)
            names = [i if pd.isna(n) or not str(n).strip() else str(n) for i, n in zip(ids, raw)]
        else:
            names = list(ids)
        return cls(kind, tuple(ids), tuple(names))

    def __len__(self) -> int:
        return len(self.ids)

    def label(self, index: int) -> str:
        """``"Name (id)"``, or the id alone when the entity has no name."""
        name, id_ = self.names[index], self.ids[index]
        return id_ if name == id_ else f"{name} ({id_})"

    def find(self, query: str) -> int:
        """Row index of the one entity ``query`` names (see the module docstring).

        Raises:
            AmbiguousNameError: a partial name matches several entities (they are listed).
            UnknownNameError: nothing matches (the closest names are suggested).
        """
        text = str(query).strip()
        if not text:
            raise UnknownNameError(f"empty {self.kind} name")
        for tier in self.candidates(text):
            if len(tier) == 1:
                return tier[0]
            if len(tier) > 1:
                raise AmbiguousNameError(self._ambiguous_message(text, tier))
        raise UnknownNameError(self._unknown_message(text))

    def candidates(self, query: str) -> list[list[int]]:
        """Matches of each tier in precedence order (each sorted by name length, then order)."""
        key = normalise_name(query)
        folded = str(query).strip().casefold()
        tiers: list[list[int]] = [[i for i, id_ in enumerate(self.ids) if id_.casefold() == folded]]
        if not key:
            return tiers
        tiers.append([i for i, n in enumerate(self._norm) if n == key])
        tiers.append([i for i, aliases in enumerate(self._aliases) if key in aliases])
        tiers.append([i for i, n in enumerate(self._norm) if n.startswith(key)])
        padded = f" {key}"
        tiers.append([i for i, n in enumerate(self._norm) if padded in f" {n}"])
        words = set(key.split())
        tiers.append([i for i, tokens in enumerate(self._tokens) if words <= tokens])
        return [sorted(t, key=lambda i: (len(self._norm[i]), i)) for t in tiers]

    def suggestions(self, query: str, n: int = 5) -> list[int]:
        """Up to ``n`` entities whose names are closest to ``query``: difflib ratio on whole
        names and aliases first, then names sharing the most words with it."""
        key = normalise_name(query)
        if not key:
            return []
        keys = [(alias, i) for i, aliases in enumerate(self._aliases) for alias in (self._norm[i], *aliases)]
        keys += [(id_.casefold(), i) for i, id_ in enumerate(self.ids)]
        close = difflib.get_close_matches(key, [k for k, _ in keys], n=3 * n, cutoff=0.6)
        by_key: dict[str, list[int]] = {}
        for k, i in keys:
            by_key.setdefault(k, []).append(i)
        chosen = [i for k in close for i in by_key[k]]
        words = set(key.split())
        starts = tuple(w for w in words if len(w) >= 3)
        if starts:
            chosen += [i for i, tokens in enumerate(self._tokens)
                       if any(t.startswith(starts) for t in tokens)][: 3 * n]
        overlap = np.array([len(words & t) / len(words | t) if t else 0.0 for t in self._tokens])
        order = np.argsort(-overlap, kind="stable")
        chosen += [int(i) for i in order[: 3 * n] if overlap[i] > 0]
        return list(dict.fromkeys(chosen))[:n]

    def _ambiguous_message(self, query: str, matches: list[int]) -> str:
        listed = "; ".join(self.label(i) for i in matches[:MAX_LISTED])
        more = f"; and {len(matches) - MAX_LISTED} more" if len(matches) > MAX_LISTED else ""
        return (f"{self.kind} name {query!r} is ambiguous: it matches {len(matches)} "
                f"{plural(self.kind)}: {listed}{more}. Give more of the name or an id")

    def _unknown_message(self, query: str) -> str:
        close = self.suggestions(query)
        message = f"unknown {self.kind} {query!r}"
        if close:
            message += "; did you mean " + ", ".join(repr(self.label(i)) for i in close) + "?"
        else:
            message += f" (no {self.kind} has a similar name or id)"
        return message
