"""Larger EHR tables from a small export: copies of every patient under fresh ids.

For scale tests: ``replicate_tables(tables, 400)`` turns the 100 patients of a demo into
40,000 patients with the same admissions, diagnoses, procedures and prescriptions, each
copy under its own ``subject_id`` and ``hadm_id``. Tables without an id column (code
dictionaries such as ``d_icd_diagnoses``) are shared by all copies, as vocabularies are in
a real larger database, so the number of patients, admissions and event rows grows
linearly while the number of distinct codes and drugs does not.

>>> from graphmed.ehr.mimic import mimic4_from_tables, read_mimic4_tables
>>> tables, _ = read_mimic4_tables()                                   # doctest: +SKIP
>>> big = mimic4_from_tables(replicate_tables(tables, 400)).build()    # doctest: +SKIP
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

ID_COLUMNS = ("subject_id", "hadm_id")


def _text_columns(tables: Mapping[str, pd.DataFrame], id_columns: Sequence[str]) -> set[str]:
    """The id columns that hold text ids (UUIDs, as in Synthea) rather than numbers."""
    text = set()
    for column in id_columns:
        kinds = {name: pd.api.types.is_numeric_dtype(t[column]) or t[column].isna().all()
                 for name, t in tables.items() if column in t.columns}
        if len(set(kinds.values())) > 1:
            numbers = sorted(k for k, v in kinds.items() if v)
            text_in = sorted(k for k, v in kinds.items() if not v)
            raise ValueError(f"{column} holds numbers in {numbers} and text in {text_in}; "
                             "copies need one kind of id per column")
        if kinds and not any(kinds.values()):
            text.add(column)
    return text


def id_offsets(tables: Mapping[str, pd.DataFrame], id_columns: Sequence[str] = ID_COLUMNS
               ) -> dict[str, int]:
    """Per numeric id column, the step between copies: a power of ten above every id in
    ``tables`` (copy ``k`` of id ``i`` is ``i + k * step``, so the original id stays
    readable). Columns of text ids have no step (see :func:`replicate_tables`)."""
    offsets = {}
    text = _text_columns(tables, id_columns)
    for column in id_columns:
        if column in text:
            continue
        present = [t[column] for t in tables.values()
                   if column in t.columns and t[column].notna().any()]
        if present and min(int(ids.min()) for ids in present) < 0:
            raise ValueError(f"{column} holds negative ids; copies need ids >= 0")
        highest = max((int(ids.max()) for ids in present), default=None)
        offsets[column] = 10 ** len(str(highest)) if highest is not None else 0
    return offsets


def replicate_tables(tables: Mapping[str, pd.DataFrame], replicas: int, *,
                     id_columns: Sequence[str] = ID_COLUMNS) -> dict[str, pd.DataFrame]:
    """``replicas`` copies of the rows of every table holding one of ``id_columns``.

    Copy ``k`` (``0 <= k < replicas``; copy 0 is the original) of a row has its ids shifted
    by ``k`` times the step of :func:`id_offsets`, the same step in every table, so the
    rows of one copy still refer to each other and to nothing in another copy. Missing ids
    stay missing. Rows are in copy order (all of copy 0, then copy 1 ...), with a fresh
    ``RangeIndex``. Tables without an id column are returned as they are (shared). Text
    ids (Synthea's UUIDs, with ``id_columns=("Id", "PATIENT", "ENCOUNTER")``) get the
    suffix ``~k`` in copy ``k >= 1``, the same in every table and column.

    Vectorised: one ``take`` per table and one addition per id column.
    """
    if isinstance(replicas, bool) or not isinstance(replicas, (int, np.integer)) or replicas < 1:
        raise ValueError(f"replicas must be a positive integer, got {replicas!r}")
    replicas = int(replicas)
    offsets = id_offsets(tables, id_columns)
    if any(step and (replicas - 1) * step > np.iinfo(np.int64).max // 2
           for step in offsets.values()):
        raise ValueError(f"{replicas} copies would overflow int64 ids")
    copies = np.arange(replicas, dtype=np.int64)
    out = {}
    for name, table in tables.items():
        columns = [c for c in id_columns if c in table.columns]
        if not columns:
            out[name] = table
            continue
        n = len(table)
        rows = table.take(np.tile(np.arange(n, dtype=np.int64), replicas))
        rows.index = pd.RangeIndex(len(rows))
        shift = np.repeat(copies, n)
        for column in columns:
            if column in offsets:
                rows[column] = rows[column] + shift * offsets[column]
            else:
                suffix = np.where(shift > 0, np.char.add("~", shift.astype(str)), "")
                ids = rows[column]
                rows[column] = ids.where(ids.isna(), ids.astype(str) + suffix)
        out[name] = rows
    return out


__all__ = ["ID_COLUMNS", "id_offsets", "replicate_tables"]
