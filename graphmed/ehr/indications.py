"""Known indications of an EHR graph's drugs, as diagnosis categories.

A prescription says something about the diagnosis before any diagnosis is coded: insulin
is given for diabetes, levothyroxine for hypothyroidism. :func:`add_indication_categories`
joins a catalogue of indications (drug name -> disease name, e.g.
:func:`graphmed.datasets.indications.load_indications`) to the graph's drug nodes by name
(:func:`~graphmed.ehr.drugs.drug_match_key`) and places each disease in the graph's own
diagnosis categories through the diagnosis codes whose titles are nearest to its name
(text embeddings; the code -> category edges of the graph give the categories). The
result is one row per drug node: how much of its known indications falls in each
category. It reads no patient's diagnoses: only drug names, code titles and the code ->
category ontology.

>>> from graphmed.datasets.indications import load_indications
>>> graph = add_text_features(load_mimic4().build())                    # doctest: +SKIP
>>> graph = add_indication_categories(graph, load_indications())         # doctest: +SKIP
>>> graph.data["drug"].indication_categories.shape   # (drugs, categories)  # doctest: +SKIP
"""
from __future__ import annotations

import copy
import logging

import numpy as np
import pandas as pd
import torch

from graphmed.checks import check_settings
from graphmed.ehr.drugs import drug_match_key
from graphmed.ehr.text import default_text_encoder, node_texts
from graphmed.errors import DataFormatError
from graphmed.graph.medgraph import MedGraph

logger = logging.getLogger(__name__)

#: Node attribute written by :func:`add_indication_categories`.
INDICATION_ATTR = "indication_categories"
DIAGNOSIS = "diagnosis"
CATEGORY = "diagnosis_category"


def _unit_rows(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    return values / np.maximum(np.linalg.norm(values, axis=1, keepdims=True), 1e-12)


def code_categories(graph: MedGraph) -> np.ndarray:
    """``(n_codes,)`` category index of every diagnosis code (``-1`` for a code in none),
    from the graph's ``diagnosis -> diagnosis_category`` edges."""
    for src, rel, dst in graph.data.edge_types:
        if src == DIAGNOSIS and dst == CATEGORY:
            index = graph.data[src, rel, dst].edge_index.numpy()
            out = np.full(graph.num_nodes(DIAGNOSIS), -1, dtype=np.int64)
            out[index[0]] = index[1]
            return out
    raise DataFormatError(f"the graph has no {DIAGNOSIS} -> {CATEGORY} edges to place "
                          "diseases in categories", source=graph.name or "graph")


def disease_category_shares(graph: MedGraph, diseases, encoder=None, *,
                            neighbours: int = 5) -> np.ndarray:
    """``(len(diseases), n_categories)`` float32: for each disease name, the share of its
    ``neighbours`` nearest diagnosis codes (cosine of text embeddings of the name and the
    codes' titles) that fall in each category; rows sum to 1 (0 for a blank name).

    The codes' embeddings are their text features ``x`` when present (from
    :func:`~graphmed.ehr.add_text_features` with the same ``encoder``), else encoded here.
    """
    check_settings("disease_category_shares", at_least={"neighbours": (neighbours, 1)})
    encoder = default_text_encoder() if encoder is None else encoder
    if isinstance(encoder, (str, bytes)) or not callable(getattr(encoder, "encode", None)):
        raise TypeError(f"encoder must be a text encoder with an encode method (TextEncoder, "
                        f"HashingTextEncoder), got {type(encoder).__name__}")
    categories = code_categories(graph)
    titled = np.array([t is not None for t in node_texts(graph, DIAGNOSIS)]) & (categories >= 0)
    if not titled.any():
        raise DataFormatError("no diagnosis code has a title and a category to match disease "
                              "names against", source=graph.name or "graph")
    codes = graph.data[DIAGNOSIS].get("x")
    if codes is None:
        codes = encoder.encode(node_texts(graph, DIAGNOSIS)).values
    codes = _unit_rows(np.asarray(codes))[titled]
    features = encoder.encode([None if pd.isna(d) else str(d) for d in diseases])
    names = _unit_rows(features.values)
    if names.shape[1] != codes.shape[1]:
        raise DataFormatError(f"disease name embeddings have {names.shape[1]} dimensions and the "
                              f"codes' text features {codes.shape[1]}: embed both with the same "
                              "encoder", source=graph.name or "graph")
    k = min(int(neighbours), codes.shape[0])
    nearest = np.argpartition(-(names @ codes.T), k - 1, axis=1)[:, :k]
    shares = np.zeros((len(names), graph.num_nodes(CATEGORY)), dtype=np.float32)
    np.add.at(shares, (np.repeat(np.arange(len(names)), k), categories[titled][nearest].ravel()),
              1.0 / k)
    shares[~np.asarray(features.mask, dtype=bool)] = 0.0
    return shares


def add_indication_categories(graph: MedGraph, indications: pd.DataFrame, encoder=None, *,
                              drug_type: str = "drug", drug_column: str = "drug",
                              disease_column: str = "disease", neighbours: int = 5) -> MedGraph:
    """A copy of ``graph`` whose ``data[drug_type].indication_categories`` is a
    ``(n_drugs, n_categories)`` float32 tensor: for each drug node, the sum over the
    catalogue's indications of its drug of the disease's category shares
    (:func:`disease_category_shares`); zeros for a drug not in the catalogue. Names are
    matched by :func:`~graphmed.ehr.drugs.drug_match_key`: every catalogue spelling of a
    drug ("Testosterone", "Testosterone Propionate") adds to every node of that drug.

    Args:
        graph: an EHR graph with diagnosis codes, categories and named drugs.
        indications: one row per (drug, disease) pair, names in ``drug_column`` and
            ``disease_column``.
        encoder: text encoder for disease names (:func:`default_text_encoder` if ``None``);
            use the one that gave the codes their text features.
    """
    for column in (drug_column, disease_column):
        if column not in indications.columns:
            raise DataFormatError(f"column {column!r} is missing; columns are "
                                  f"{list(indications.columns)}", source="indications",
                                  column=column)
    if drug_type not in graph.nodes:
        raise DataFormatError(f"the graph has no {drug_type!r} nodes", source=graph.name or "graph")
    pairs = indications[[drug_column, disease_column]].dropna().drop_duplicates()
    if pairs.empty:
        raise DataFormatError(f"no row has both a {drug_column!r} and a {disease_column!r}",
                              source="indications")
    # every spelling of a drug in the catalogue ("Testosterone", "Testosterone Propionate")
    # counts towards the one match key its names share, each disease once
    pairs = pd.DataFrame({"key": drug_match_key(pairs[drug_column].astype(str)).to_numpy(),
                          "disease": pairs[disease_column].astype(str).to_numpy()})
    pairs = pairs.dropna().drop_duplicates()
    if pairs.empty:
        raise DataFormatError(f"no name in {drug_column!r} is a drug name that can be matched",
                              source="indications", column=drug_column)
    diseases = pd.Index(pairs["disease"].unique())
    shares = disease_category_shares(graph, diseases, encoder, neighbours=neighbours)
    per_key = pd.DataFrame(shares[diseases.get_indexer(pairs["disease"])])
    per_key = per_key.groupby(pairs["key"].to_numpy()).sum()

    node_keys = drug_match_key(graph.nodes[drug_type]["name"].astype("string"))
    out = np.array(per_key.reindex(node_keys.to_numpy()).fillna(0.0), dtype=np.float32)
    logger.info("%d of %d %s nodes have known indications", int((out.sum(1) > 0).sum()),
                out.shape[0], drug_type)
    data = copy.copy(graph.data)
    data[drug_type][INDICATION_ATTR] = torch.from_numpy(out)
    return MedGraph(data, graph.nodes, name=graph.name)
