"""What is known early in a stay: the codes first recorded within some hours of its start.

Diagnoses are coded at discharge; a prediction made on the first day of a stay can read only
the drugs given, the procedures done and the lab results seen by then. :func:`first_hours`
keeps, of every ``unit -> code`` edge (drugs, procedures, lab results: any node type a unit
links to other than diagnoses, categories and patients), those whose time (the first time
the code was recorded for that unit) is at most ``hours`` after the unit's start (an
admission's ``admittime``, an encounter's start). Diagnosis edges are left as they are:
they are the labels, which the diagnosis task hides for the units it scores.

Times are as precise as the tables: MIMIC-IV procedures have a date only (midnight), so a
procedure counts from the start of its day.
"""
from __future__ import annotations

import copy
from typing import Literal

import torch

from graphmed.checks import check_settings
from graphmed.graph.medgraph import MedGraph, edge_type_name, keep_edges

Untimed = Literal["error", "drop", "keep"]
UNTIMED = ("error", "drop", "keep")
SECONDS_PER_HOUR = 3600
#: The longest window taken (hours; over a century).
MAX_HOURS = 1_000_000


def first_hours(graph: MedGraph, hours: float, *, untimed: Untimed = "error") -> MedGraph:
    """A copy of ``graph`` whose units keep only the codes recorded within ``hours`` of their
    start (see the module docstring).

    Args:
        graph: an EHR graph (:mod:`graphmed.ehr`) whose units (admissions, encounters) carry
            a start ``time``.
        hours: the window, ``>= 0``.
        untimed: what to do with code edges that carry no time (MIMIC-III procedures):
            ``"error"`` (default), ``"drop"`` them (nothing shows they were known in time)
            or ``"keep"`` them.

    Returns:
        A new :class:`MedGraph` sharing the untouched tensors with ``graph``.

    Raises:
        ValueError: ``hours`` negative or not finite; units without a start time (patients);
            with ``untimed="error"``, a code edge type without times (named).
    """
    from graphmed.tasks.diagnosis import code_types, unit_type  # the task's notions of both

    check_settings("first_hours", non_negative={"hours": hours})
    if hours > MAX_HOURS:
        raise ValueError(f"first_hours: hours must be at most {MAX_HOURS:,} (over a century), "
                         f"got {hours!r}")
    if untimed not in UNTIMED:
        raise ValueError(f"untimed must be one of {UNTIMED}, got {untimed!r}")
    unit = unit_type(graph)
    start = graph.data[unit].get("time")
    if start is None:
        raise ValueError(f"the {unit!r} nodes have no start time; a window of hours needs units "
                         "that are stays (admissions, encounters), not patients")
    cutoff = start + int(round(hours * SECONDS_PER_HOUR))
    codes = set(code_types(graph.data, unit))
    data = copy.copy(graph.data)
    for edge_type in graph.data.edge_types:
        src, _, dst = edge_type
        if not ((src == unit and dst in codes) or (dst == unit and src in codes)):
            continue
        store = data[edge_type]
        index = store.edge_index
        time = store.get("time")
        if time is None:
            if untimed == "error":
                raise ValueError(f"{edge_type_name(edge_type)} edges have no time, so nothing says "
                                 "when they were recorded; pass untimed='drop' or 'keep'")
            if untimed == "keep":
                continue
            kept = torch.zeros(index.size(1), dtype=torch.bool)
        else:
            units = index[0] if src == unit else index[1]
            kept = time <= cutoff[units]
        keep_edges(store, kept)
    return MedGraph(data, graph.nodes, name=graph.name)
