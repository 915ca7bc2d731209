"""Heterogeneous graphs from electronic health records.

A :class:`GraphSchema` of node and edge tables (pandas DataFrames) becomes a
:class:`~graphmed.graph.MedGraph` (PyG ``HeteroData`` + id maps + names) through
:func:`build_hetero_graph`, which checks the tables first. The loaders read MIMIC-III,
MIMIC-IV and Synthea exports into such schemas (MIMIC with their abnormal lab results when
asked, ``labs=True``).

>>> from graphmed.ehr import load_mimic4, add_text_features
>>> ehr = load_mimic4()                      # $GRAPHMED_DATA/mimic4_demo   # doctest: +SKIP
>>> graph = add_text_features(ehr.build())                                  # doctest: +SKIP
"""
from graphmed.ehr.builder import build_hetero_graph, reverse_edge_type, validate_schema
from graphmed.ehr.drugs import drug_match_key, join_drug_disease, match_drugs, normalise_drug_name
from graphmed.ehr.ehr_data import EHRData
from graphmed.ehr.icd import (ICD9_CHAPTERS, ICD10_CHAPTERS, diagnosis_categories, icd_chapters,
                              normalise_icd_code)
from graphmed.ehr.indications import add_indication_categories
from graphmed.ehr.labs import abnormal_lab_results
from graphmed.ehr.mimic import load_mimic3, load_mimic4, mimic4_from_tables, read_mimic4_tables
from graphmed.ehr.replicate import replicate_tables
from graphmed.ehr.schema import EdgeTable, GraphSchema, NodeTable
from graphmed.ehr.synthea import load_synthea, semantic_tag
from graphmed.ehr.text import HashingTextEncoder, add_text_features, default_text_encoder, node_texts
from graphmed.ehr.window import first_hours

__all__ = ["EHRData", "EdgeTable", "GraphSchema", "HashingTextEncoder", "ICD10_CHAPTERS",
           "ICD9_CHAPTERS", "NodeTable", "abnormal_lab_results", "add_indication_categories",
           "add_text_features", "build_hetero_graph",
           "default_text_encoder", "diagnosis_categories", "drug_match_key", "first_hours",
           "icd_chapters",
           "join_drug_disease", "load_mimic3", "load_mimic4", "load_synthea", "match_drugs",
           "mimic4_from_tables", "node_texts", "normalise_drug_name", "normalise_icd_code",
           "read_mimic4_tables", "replicate_tables", "reverse_edge_type", "semantic_tag",
           "validate_schema"]
