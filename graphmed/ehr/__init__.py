"""Heterogeneous graphs from electronic health records.

A :class:`GraphSchema` of node and edge tables (pandas DataFrames) becomes a
:class:`~graphmed.graph.MedGraph` (PyG ``HeteroData`` + id maps + names) through
:func:`build_hetero_graph`, which checks the tables first.

>>> from graphmed.ehr import GraphSchema, NodeTable, EdgeTable, build_hetero_graph
>>> graph = build_hetero_graph(GraphSchema(nodes, edges))   # doctest: +SKIP
"""
from graphmed.ehr.builder import build_hetero_graph, reverse_edge_type, validate_schema
from graphmed.ehr.icd import ICD9_CHAPTERS, ICD10_CHAPTERS, diagnosis_categories, icd_chapters
from graphmed.ehr.schema import EdgeTable, GraphSchema, NodeTable

__all__ = ["EdgeTable", "GraphSchema", "ICD10_CHAPTERS", "ICD9_CHAPTERS", "NodeTable",
           "build_hetero_graph", "diagnosis_categories", "icd_chapters", "reverse_edge_type",
           "validate_schema"]
