"""Exports: networkx, DGL (optional, lazily imported), CSV / Parquet tables."""
from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
import torch

from graphmed.datasets import DrugDiseaseDataset
from graphmed.errors import DataFormatError, MissingDependencyError, OutputPathError
from graphmed.graph import build_drug_disease_graph
from graphmed.interop import (embeddings_frame, predictions_frame, to_dgl, to_networkx,
                              write_embeddings, write_predictions, write_table)


@pytest.fixture()
def tiny():
    associations = pd.DataFrame({"drug_id": ["A", "A", "B"], "disease_id": ["X", "Y", "Y"]})
    drugs = pd.DataFrame({"id": ["A", "B", "C"], "name": ["Aspirin", None, "Codeine"]})
    sim = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.7], [0.2, 0.7, 1.0]])
    return DrugDiseaseDataset.from_tables("tiny", associations, drugs=drugs,
                                          drug_similarities={"chem": sim})


def test_to_networkx(tiny):
    graph = to_networkx(build_drug_disease_graph(tiny, top_k=1))
    assert graph.number_of_nodes() == 5
    assert graph.nodes[("drug", 0)]["name"] == "Aspirin"
    assert graph.has_edge(("drug", 0), ("disease", 1), key="treats")


def test_to_dgl_without_dgl_is_a_clear_error(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "dgl", None)  # DGL does not install beside this torch
    with pytest.raises(MissingDependencyError, match="exporting to DGL needs the optional package "
                                                     "'dgl'.*pip install dgl"):
        to_dgl(build_drug_disease_graph(tiny))


def test_to_dgl_with_dgl(tiny, monkeypatch):
    """The call DGL receives, checked with a stand-in module."""
    calls = {}

    class Store(dict):
        @property
        def data(self):
            return self

    class FakeGraph:
        def __init__(self, relations, num_nodes_dict):
            calls.update(relations=relations, num_nodes=num_nodes_dict)
            self.nodes = {nt: Store() for nt in num_nodes_dict}
            self.edges = {et: Store() for et in relations}

    monkeypatch.setitem(sys.modules, "dgl", types.SimpleNamespace(heterograph=FakeGraph))
    graph = build_drug_disease_graph(tiny, top_k=1)
    out = to_dgl(graph)
    assert calls["num_nodes"] == {"drug": 3, "disease": 2}
    src, dst = calls["relations"][("drug", "treats", "disease")]
    assert src.tolist() == [0, 0, 1] and dst.tolist() == [0, 1, 1]
    assert torch.equal(out.nodes["drug"]["node_index"], torch.arange(3))
    weights = out.edges[("drug", "similar_chem", "drug")]["weight"]
    assert torch.equal(weights, graph.data["drug", "similar_chem", "drug"].edge_weight)


def test_predictions_frame_and_csv(tiny, tmp_path):
    scores = np.array([[0.9, 0.1], [0.3, 0.8], [0.5, 0.2]])
    frame = predictions_frame(scores, tiny)
    assert list(frame.columns) == ["drug_id", "drug_name", "disease_id", "disease_name", "score", "known"]
    assert frame["score"].tolist() == [0.9, 0.8, 0.5, 0.3, 0.2, 0.1]
    assert frame["known"].tolist() == [True, True, False, False, False, True]
    assert frame["drug_name"].tolist()[1] == "B"  # no name: the id
    unknown = predictions_frame(scores, tiny, exclude_known=True)
    assert len(unknown) == 3 and not unknown["known"].any()
    path = write_predictions(scores, tiny, tmp_path / "out" / "predictions.csv")
    back = pd.read_csv(path)
    assert back["score"].tolist() == frame["score"].tolist() and len(back) == 6
    with pytest.raises(DataFormatError, match="shape"):
        predictions_frame(scores.T, tiny)


def test_table_file_types(tmp_path, monkeypatch):
    table = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(DataFormatError, match="'.xlsx'; use .csv or .parquet"):
        write_table(table, tmp_path / "t.xlsx")
    with pytest.raises(DataFormatError, match="without a suffix"):
        write_table(table, tmp_path / "t")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingDependencyError, match="pip install pyarrow"):
        write_table(table, tmp_path / "t.parquet")
    assert not list(tmp_path.iterdir())


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    table = pd.DataFrame({"id": ["a", "b"], "score": [0.5, 0.25]})
    path = write_table(table, tmp_path / "t.parquet")
    assert pd.read_parquet(path).equals(table)


def test_embeddings(tiny, tmp_path):
    emb = {"drug": torch.arange(6, dtype=torch.float32).reshape(3, 2), "disease": np.ones((2, 2))}
    frame = embeddings_frame(emb, {"drug": tiny.drugs, "disease": tiny.diseases})
    assert list(frame.columns) == ["type", "id", "name", "dim_0", "dim_1"]
    assert frame["id"].tolist() == ["A", "B", "C", "X", "Y"] and frame["name"][1] == "B"
    assert frame["dim_1"].tolist() == [1.0, 3.0, 5.0, 1.0, 1.0]
    single = embeddings_frame(np.zeros((3, 4)), tiny.drugs)
    assert single["type"].unique().tolist() == ["node"] and single.shape == (3, 7)
    path = write_embeddings(emb, {"drug": tiny.drugs, "disease": tiny.diseases}, tmp_path / "e.csv")
    assert pd.read_csv(path).shape == (5, 5)
    with pytest.raises(DataFormatError, match="shape \\(2, 2\\) for 3 nodes"):
        embeddings_frame({"drug": np.ones((2, 2))}, {"drug": tiny.drugs})
    with pytest.raises(DataFormatError, match="no node table for node type 'virus'"):
        embeddings_frame({"virus": np.ones((2, 2))}, {"drug": tiny.drugs})
    with pytest.raises(DataFormatError, match="size 3 differs from 2"):
        embeddings_frame({"drug": np.ones((3, 2)), "disease": np.ones((2, 3))},
                         {"drug": tiny.drugs, "disease": tiny.diseases})


def test_embedding_and_table_inputs_are_named(tiny, tmp_path):
    with pytest.raises(DataFormatError, match=r"drug: node table needs an 'id' column"):
        embeddings_frame({"drug": np.ones((3, 2))}, {"drug": tiny.drugs.rename(columns={"id": "key"})})
    with pytest.raises(DataFormatError, match=r"embeddings\['node'\]: embeddings must be numbers"):
        embeddings_frame(np.array([["a", "b"]] * 3), tiny.drugs)
    with pytest.raises(TypeError, match="one embedding array needs one node table .*got list"):
        embeddings_frame(np.ones((3, 2)), ["A", "B", "C"])
    with pytest.raises(TypeError, match="table must be a pandas DataFrame, got list"):
        write_table([1, 2], tmp_path / "t.csv")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(OutputPathError, match="a folder stands where the file is to be written"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "d.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_non_finite_embeddings_and_wrong_arguments_are_named(tiny, tmp_path):
    diverged = np.ones((3, 2))
    diverged[1, 0], diverged[2, 1] = np.nan, np.inf
    with pytest.raises(DataFormatError, match=r"embeddings\['drug'\], row 1: 2 embedding "
                                              r"value\(s\) are NaN or infinite, the first in"):
        write_embeddings({"drug": diverged}, {"drug": tiny.drugs}, tmp_path / "e.csv")
    assert not list(tmp_path.iterdir())
    for path in (None, "", 3):
        with pytest.raises(TypeError, match="path must be a file path"):
            write_predictions(np.zeros(tiny.associations.shape), tiny, path)
    with pytest.raises(TypeError, match=r"to_networkx takes a MedGraph \(build one with "
                                        r"graphmed.graph.build_drug_disease_graph\(dataset\)\)"):
        to_networkx(tiny)
    with pytest.raises(TypeError, match="to_dgl takes a MedGraph, got str"):
        to_dgl("graph")
