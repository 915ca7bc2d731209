"""MedGraph: id maps, lookups, errors and the networkx export."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import HeteroData

from graphmed.datasets import DrugDiseaseDataset
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.graph import MedGraph, build_drug_disease_graph, edge_type_name


@pytest.fixture()
def tiny():
    associations = pd.DataFrame({"drug_id": ["DB01", "DB01", "DB02", "DB03"],
                                 "disease_id": ["OM1", "OM2", "OM2", "OM3"]})
    drugs = pd.DataFrame({"id": ["DB01", "DB02", "DB03", "DB04"],
                          "name": ["Aspirin", "Ibuprofen", None, "Metformin"]})
    sim = np.array([[1.0, 0.9, 0.1, 0.3],
                    [0.9, 1.0, 0.2, 0.4],
                    [0.1, 0.2, 1.0, 0.8],
                    [0.3, 0.4, 0.8, 1.0]])
    dataset = DrugDiseaseDataset.from_tables("tiny", associations, drugs=drugs,
                                             drug_similarities={"chem": sim})
    return build_drug_disease_graph(dataset, top_k=1)


def test_node_tables_and_round_trip(tiny):
    assert tiny.node_types == ["drug", "disease"]
    drugs = tiny.nodes["drug"]
    assert list(drugs.columns) == ["index", "id", "name"]
    assert drugs["index"].tolist() == [0, 1, 2, 3]
    for nt in tiny.node_types:
        for index in range(tiny.num_nodes(nt)):
            assert tiny.index_of(nt, tiny.id_of(nt, index)) == index
    assert tiny.id_index["disease"] == {"OM1": 0, "OM2": 1, "OM3": 2}
    assert tiny.name_of("drug", 0) == "Aspirin"
    assert tiny.name_of("drug", 2) == "DB03"          # no name: the id stands in
    assert tiny.name_of("disease", 1) == "OM2"
    assert tiny.indices_of("drug", ["DB04", "DB01"]).tolist() == [3, 0]
    assert tiny.indices_of("drug", np.array(["DB02"])).dtype == np.int64


def test_round_trip_on_fdataset(fdataset):
    graph = build_drug_disease_graph(fdataset)
    for nt, table in (("drug", fdataset.drugs), (graph.node_types[1], fdataset.diseases)):
        ids = table["id"].tolist()
        assert graph.nodes[nt]["id"].tolist() == ids
        assert graph.indices_of(nt, ids).tolist() == list(range(len(ids)))
        assert [graph.index_of(nt, graph.id_of(nt, i)) for i in range(len(ids))] == list(range(len(ids)))
    assert graph.id_of("drug", 0) == "DB00007"
    assert graph.name_of("drug", 0) == "Leuprolide"


def test_unknown_id_suggests_close_matches(tiny, fdataset):
    with pytest.raises(UnknownNameError, match="'DB01'") as info:
        tiny.index_of("drug", "DB1")
    assert isinstance(info.value, KeyError)
    assert "did you mean" in str(info.value)
    with pytest.raises(UnknownNameError, match="name of drug 'DB01'"):
        tiny.index_of("drug", "aspirin")
    with pytest.raises(UnknownNameError, match="'DB00007'"):
        build_drug_disease_graph(fdataset).index_of("drug", "DB0007")
    with pytest.raises(UnknownNameError, match="'DB04'"):
        tiny.indices_of("drug", ["DB01", "DB4"])


def test_unknown_node_type_and_bad_index(tiny):
    with pytest.raises(UnknownNameError, match="did you mean 'drug'"):
        tiny.index_of("drugs", "DB01")
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        tiny.id_of("drug", 4)
    with pytest.raises(IndexError):
        tiny.name_of("drug", -1)
    with pytest.raises(TypeError):
        tiny.id_of("drug", "DB01")
    assert tiny.id_of("drug", np.int64(1)) == "DB02"
    with pytest.raises(UnknownNameError):
        tiny.num_edges(("drug", "nope", "drug"))


def test_construction_checks():
    data = HeteroData()
    data["a"].num_nodes = 2
    with pytest.raises(DataFormatError, match="do not match"):
        MedGraph(data, {"b": pd.DataFrame({"id": ["x", "y"]})})
    with pytest.raises(DataFormatError, match="3 ids for 2"):
        MedGraph(data, {"a": pd.DataFrame({"id": ["x", "y", "z"]})})
    with pytest.raises(DataFormatError, match="duplicate id 'x'"):
        MedGraph(data, {"a": pd.DataFrame({"id": ["x", "x"]})})
    graph = MedGraph(data, {"a": pd.DataFrame({"id": [10, 20]})})
    assert graph.index_of("a", 20) == 1 and graph.name_of("a", 0) == "10"


def test_to_networkx(tiny):
    graph = tiny.to_networkx()
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == sum(tiny.summary()["nodes"].values())
    assert graph.number_of_edges() == sum(tiny.summary()["edges"].values())
    assert graph.nodes["drug", 0] == {"id": "DB01", "name": "Aspirin", "type": "drug"}
    assert graph.nodes["disease", 2] == {"id": "OM3", "name": "OM3", "type": "disease"}
    assert graph.edges[("drug", 0), ("disease", 1), "treats"] == {"relation": "treats", "weight": 1.0}
    assert graph.has_edge(("disease", 1), ("drug", 0), key="treated_by")
    chem = graph.edges[("drug", 0), ("drug", 1), "similar_chem"]
    assert chem["relation"] == "similar_chem" and chem["weight"] == pytest.approx(0.9)
    once = tiny.to_networkx(reverse=False)
    relations = {r for *_, r in once.edges(keys=True)}
    assert "treated_by" not in relations and {"treats", "similar_chem"} <= relations


def test_to_networkx_on_fdataset(fdataset):
    medgraph = build_drug_disease_graph(fdataset, top_k=5, similarity_views=["chemical"])
    graph = medgraph.to_networkx()
    assert graph.number_of_nodes() == fdataset.n_drugs + fdataset.n_diseases
    assert graph.number_of_edges() == sum(medgraph.num_edges(et) for et in medgraph.edge_types)
    relations = pd.Series([r for _, _, r in graph.edges(data="relation")]).value_counts()
    assert relations["treats"] == relations["treated_by"] == fdataset.n_associations
    store = medgraph.data["drug", "similar_chemical", "drug"]
    (j, i), w = store.edge_index[:, 7].tolist(), float(store.edge_weight[7])
    assert graph.edges[("drug", j), ("drug", i), "similar_chemical"]["weight"] == pytest.approx(w)


def test_summary_and_repr(tiny):
    summary = tiny.summary()
    assert summary["name"] == "tiny"
    assert summary["nodes"] == {"drug": 4, "disease": 3}
    assert summary["edges"]["drug-treats->disease"] == 4
    assert summary["edges"]["disease-treated_by->drug"] == 4
    text = repr(tiny)
    assert text.startswith("MedGraph('tiny'") and "drug-similar_chem->drug" in text
    assert edge_type_name(("drug", "treats", "virus")) == "drug-treats->virus"
    assert isinstance(tiny.data["drug"].node_index, torch.Tensor)


def test_indices_of_one_string_is_not_read_letter_by_letter(tiny):
    with pytest.raises(TypeError, match=r"ids must be a list of ids, not one string \('DB01'\)"):
        tiny.indices_of("drug", "DB01")


def test_checksum_follows_the_content(tiny):
    import copy

    base = tiny.checksum
    assert len(base) == 64 and tiny.checksum == base
    fewer = copy.copy(tiny.data)
    edge_type = tiny.edge_types[0]
    fewer[edge_type].edge_index = tiny.data[edge_type].edge_index[:, 1:]
    assert MedGraph(fewer, tiny.nodes, name=tiny.name).checksum != base
    featured = copy.copy(tiny.data)
    featured["drug"].x = torch.zeros(4, 2)
    assert MedGraph(featured, tiny.nodes, name=tiny.name).checksum != base
    renamed = {**tiny.nodes, "drug": tiny.nodes["drug"].assign(name=["a", "b", "c", "d"])}
    assert MedGraph(tiny.data, renamed, name=tiny.name).checksum != base


def test_a_derived_graph_reuses_the_checked_tables_and_still_refuses_duplicates(tiny):
    derived = MedGraph(tiny.data, tiny.nodes, name="again")
    assert derived.nodes["drug"] is tiny.nodes["drug"]            # not rebuilt
    assert derived.index_of("drug", "DB02") == 1 and set(derived.id_index) == set(tiny.nodes)
    twice = tiny.nodes["drug"].assign(id=["DB01", "DB01", "DB03", "DB04"])
    with pytest.raises(DataFormatError, match="duplicate id 'DB01'"):
        MedGraph(tiny.data, {**tiny.nodes, "drug": twice})
    unnamed = tiny.nodes["drug"].assign(name=["a", None, "c", "d"])  # rebuilt: name from id
    assert MedGraph(tiny.data, {**tiny.nodes, "drug": unnamed}).name_of("drug", 1) == "DB02"


def test_networkx_without_mirrored_edges_and_with_times():
    from graphmed.ehr import EdgeTable, GraphSchema, NodeTable, build_hetero_graph

    rx = pd.DataFrame({"hadm": [1, 1, 2], "drug": ["a", "b", "a"],
                       "at": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])})
    schema = GraphSchema(
        nodes=[NodeTable("admission", pd.DataFrame({"hadm": [1, 2]}), id="hadm"),
               NodeTable("drug", pd.DataFrame({"drug": ["a", "b"]}), id="drug")],
        edges=[EdgeTable(("admission", "prescribed", "drug"), rx, source="hadm", target="drug",
                         time="at")])
    graph = build_hetero_graph(schema)
    both = graph.to_networkx()
    assert both.number_of_edges() == 6                      # with rev_prescribed
    once = graph.to_networkx(reverse=False)
    assert once.number_of_edges() == 3 and once.in_degree(("drug", 0)) == 2
    times = sorted(t for *_, t in once.edges(data="time"))
    assert len(times) == 3 and times[0] < times[1] < times[2]
