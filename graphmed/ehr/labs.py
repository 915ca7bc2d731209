"""Abnormal laboratory results as code nodes of an EHR graph.

A unit (admission or patient) is linked to a ``lab`` node for each kind of abnormal result
it had: the lab test and its direction, e.g. ``"50912:high"`` (creatinine above its
reference range) or ``"51279:low"`` (red blood cells below it). Only results the hospital
flagged abnormal count (MIMIC-IV ``labevents.flag == "abnormal"``); the direction is read
from the value against its reference range, and is ``"abnormal"`` where the value or the
range is not numeric (a positive qualitative test) or the table gives no ranges (MIMIC-III). Normal results are left out: a test
being ordered says little, its abnormal results say what is wrong.

Labs are measured during a stay and are known before its diagnoses are coded at discharge,
as its prescriptions and procedures are, so validation and test units keep them.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from graphmed.errors import DataFormatError

logger = logging.getLogger(__name__)

#: The node type and the relation of abnormal laboratory results.
LAB = "lab"
ABNORMAL_RESULT = "abnormal_result"
ABNORMAL_FLAG = "abnormal"

#: Columns :func:`abnormal_lab_results` reads (MIMIC names, lower case); the chart time and
#: the reference range (MIMIC-IV only) may be missing.
LABEVENT_COLUMNS = ("subject_id", "hadm_id", "itemid", "charttime", "valuenum",
                    "ref_range_lower", "ref_range_upper", "flag")
OPTIONAL_COLUMNS = ("charttime", "ref_range_lower", "ref_range_upper")
LABITEM_COLUMNS = ("itemid", "label", "fluid")


def is_abnormal(labevents: pd.DataFrame) -> np.ndarray:
    """``(n,)`` bool: the result is flagged abnormal (``flag``, any case). The rows
    :func:`abnormal_lab_results` reads, and the only ones the MIMIC loaders keep of a
    ``labevents`` file (read in blocks: the full table does not fit in memory)."""
    return (labevents["flag"].astype("string").str.lower().eq(ABNORMAL_FLAG)
            .fillna(False).to_numpy(dtype=bool))


def result_direction(values: pd.Series, lower: pd.Series, upper: pd.Series) -> np.ndarray:
    """``"low"``, ``"high"`` or ``"abnormal"`` for each result: below ``lower``, above
    ``upper``, or neither decidable (value or range missing, or within the range although
    flagged)."""
    values, lower, upper = (pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
                            for s in (values, lower, upper))
    with np.errstate(invalid="ignore"):
        low, high = values < lower, values > upper
    return np.where(low, "low", np.where(high, "high", ABNORMAL_FLAG))


def abnormal_lab_results(labevents: pd.DataFrame, labitems: pd.DataFrame | None = None, *,
                         key: str = "hadm_id") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lab nodes and unit -> lab edges from a MIMIC ``labevents`` table.

    Args:
        labevents: rows with the columns of :data:`LABEVENT_COLUMNS` (those of
            :data:`OPTIONAL_COLUMNS` may be missing: no time, no direction); only rows whose
            ``flag`` is ``"abnormal"`` are read.
        labitems: ``d_labitems`` (``itemid``, ``label``, ``fluid``) for readable names, e.g.
            ``"Creatinine (Blood) high"``; without it, names are the node ids.
        key: the unit column, ``"hadm_id"`` (admissions; results outside a stay are left
            out) or ``"subject_id"`` (patients; all their results).

    Returns:
        ``(nodes, edges)``: nodes with columns ``id`` and ``name``, one per lab test and
        direction seen; edges with ``key``, ``id`` and ``time`` (the chart time; no such
        column where a result has none), one row per abnormal result (duplicates are the
        builder's to count).

    Raises:
        DataFormatError: a missing column, or an item id that is not an integer, naming
            the column (and the row).
        ValueError: ``key`` is neither ``"hadm_id"`` nor ``"subject_id"``.
    """
    if key not in ("hadm_id", "subject_id"):
        raise ValueError(f"key must be 'hadm_id' or 'subject_id', got {key!r}")
    needed = [c for c in LABEVENT_COLUMNS if c not in OPTIONAL_COLUMNS]
    missing = [c for c in needed if c not in labevents.columns]
    if missing:
        raise DataFormatError(f"missing columns {missing}; columns are {list(labevents.columns)}",
                              source="labevents", column=missing[0])
    flagged = is_abnormal(labevents)
    rows = np.flatnonzero(flagged)  # positions in labevents, for the errors
    abnormal = labevents[flagged]
    no_unit = abnormal[key].isna().to_numpy()
    if no_unit.any():
        logger.info("labevents: %d of %d abnormal results without %s left out",
                    int(no_unit.sum()), len(abnormal), key)
        abnormal, rows = abnormal[~no_unit], rows[~no_unit]
    items = pd.Series(_integer_ids(abnormal["itemid"], rows, "item id", "itemid"),
                      index=abnormal.index)
    units = _integer_ids(abnormal[key], rows, "unit id", key)
    if {"ref_range_lower", "ref_range_upper"} <= set(abnormal.columns):
        direction = result_direction(abnormal["valuenum"], abnormal["ref_range_lower"],
                                     abnormal["ref_range_upper"])
    else:
        direction = np.full(len(abnormal), ABNORMAL_FLAG)
    ids = items.astype(str).to_numpy().astype(object) + ":" + direction.astype(object)
    edges = pd.DataFrame({key: units, "id": ids})
    if "charttime" in abnormal.columns:
        if abnormal["charttime"].isna().any():
            logger.info("labevents: %d abnormal results without a chart time; the lab edges "
                        "get no time", int(abnormal["charttime"].isna().sum()))
        else:
            edges["time"] = abnormal["charttime"].to_numpy()
    nodes = pd.DataFrame({"id": ids, "item": items.to_numpy(), "direction": direction}
                         ).drop_duplicates("id").sort_values("id", kind="stable")
    nodes["name"] = _names(nodes, labitems)
    return nodes[["id", "name"]].reset_index(drop=True), edges


def _integer_ids(values: pd.Series, rows: np.ndarray, what: str, column: str) -> np.ndarray:
    """``values`` as int64; a value that is not a whole number within int64 is a
    :class:`DataFormatError` naming its row of ``labevents`` (``rows``: each value's row)."""
    if pd.api.types.is_integer_dtype(values.dtype) and not values.isna().any():
        return values.to_numpy(dtype=np.int64)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = (~np.isfinite(numbers) | (numbers != np.round(numbers))
               | (np.abs(numbers) >= 2.0 ** 63))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{what} {values.iloc[i]!r} is not an integer ({int(bad.sum())} "
                              "such rows)", source="labevents", row=int(rows[i]), column=column)
    return numbers.astype(np.int64)


def _names(nodes: pd.DataFrame, labitems: pd.DataFrame | None) -> pd.Series:
    """``"<label> (<fluid>) <direction>"``, the node id where the item is not listed."""
    if labitems is None:
        return nodes["id"]
    missing = [c for c in LABITEM_COLUMNS if c not in labitems.columns]
    if missing:
        raise DataFormatError(f"missing columns {missing}; columns are {list(labitems.columns)}",
                              source="d_labitems", column=missing[0])
    items = pd.to_numeric(labitems["itemid"], errors="coerce")
    listed = (labitems.assign(itemid=items)[items.notna().to_numpy()]
              .astype({"itemid": "int64"}).drop_duplicates("itemid").set_index("itemid"))
    label = nodes["item"].map(listed["label"]).astype("string")
    fluid = nodes["item"].map(listed["fluid"]).astype("string")
    fluid = (" (" + fluid + ")").fillna("")
    name = label + fluid + " " + nodes["direction"].astype("string")
    return name.fillna(nodes["id"].astype("string")).astype(object)
