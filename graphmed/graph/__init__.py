"""Graphs built from drug–disease data sets.

>>> from graphmed.graph import build_drug_disease_graph
>>> graph = build_drug_disease_graph(dataset, fold.train_pos)   # doctest: +SKIP
>>> graph.index_of("drug", "DB00007")                           # doctest: +SKIP
0
"""
from graphmed.graph.drug_disease_graph import build_drug_disease_graph, check_pairs
from graphmed.graph.knn import similarity_edges, topk_neighbours
from graphmed.graph.medgraph import MedGraph, edge_type_name

__all__ = ["MedGraph", "build_drug_disease_graph", "check_pairs", "edge_type_name",
           "similarity_edges", "topk_neighbours"]
