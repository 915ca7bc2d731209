"""The result of an EHR loader: the tables as a graph schema, ready to build."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from graphmed.ehr.builder import build_hetero_graph
from graphmed.ehr.schema import GraphSchema
from graphmed.graph.medgraph import MedGraph


@dataclass(frozen=True, eq=False)
class EHRData:
    """An EHR export as node and edge tables.

    Attributes:
        name: what was loaded, e.g. ``"mimic4_demo"``.
        schema: node tables (patients, admissions or encounters, diagnoses, diagnosis
            categories, procedures, drugs) and edge tables between them.
        unit: the node type that diagnoses, procedures and drugs are attached to
            (``"admission"``, ``"encounter"`` or ``"patient"``).
        sources: table -> file it was read from.
    """

    name: str
    schema: GraphSchema
    unit: str
    sources: Mapping[str, str] = field(default_factory=dict)

    def build(self) -> MedGraph:
        """The graph (:func:`~graphmed.ehr.builder.build_hetero_graph`)."""
        return build_hetero_graph(self.schema, name=self.name)

    def summary(self) -> dict:
        return {"name": self.name, "unit": self.unit, **self.schema.summary()}

    def __repr__(self) -> str:
        summary = self.schema.summary()
        lines = [f"  {nt}: {n:,} rows" for nt, n in summary["nodes"].items()]
        lines += [f"  {et}: {n:,} rows" for et, n in summary["edges"].items()]
        return f"EHRData({self.name!r}, unit={self.unit!r},\n" + "\n".join(lines) + "\n)"
