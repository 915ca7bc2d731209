"""The drug–disease graph: association edges from training pairs only, top-k similarity edges."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import graphmed.graph.knn as knn
from graphmed.datasets import DrugDiseaseDataset
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.graph import build_drug_disease_graph, similarity_edges, topk_neighbours
from graphmed.splits.fold import Fold


def _edge_set(edge_index: torch.Tensor) -> set[tuple[int, int]]:
    return set(map(tuple, edge_index.t().tolist()))


def _kth_largest_other(sim: np.ndarray, k: int) -> np.ndarray:
    """``(n,)`` k-th largest similarity of each row, self excluded."""
    masked = sim.astype(np.float64).copy()
    np.fill_diagonal(masked, -np.inf)
    return -np.sort(-masked, axis=1)[:, k - 1]


def _random_dataset(n_drugs=12, n_viruses=7, seed=0, kind="disease") -> DrugDiseaseDataset:
    rng = np.random.default_rng(seed)
    pairs = np.argwhere(rng.random((n_drugs, n_viruses)) < 0.3)
    drugs = pd.DataFrame({"id": [f"D{i:02d}" for i in range(n_drugs)]})
    others = pd.DataFrame({"id": [f"V{i:02d}" for i in range(n_viruses)]})
    table = pd.DataFrame({"drug_id": drugs["id"].to_numpy()[pairs[:, 0]],
                          "disease_id": others["id"].to_numpy()[pairs[:, 1]]})

    def sim(n):
        a = rng.random((n, n))
        a = (a + a.T) / 2
        np.fill_diagonal(a, 1.0)  # a similarity: each entity is like itself
        return a

    return DrugDiseaseDataset.from_tables(
        "random", table, drugs=drugs, diseases=others,
        drug_similarities={"chem": sim(n_drugs), "target": sim(n_drugs)},
        disease_similarities={"pheno": sim(n_viruses)}, disease_kind=kind)


# --- nodes and association edges -------------------------------------------------------------

def test_fdataset_full_graph(fdataset):
    graph = build_drug_disease_graph(fdataset)
    data = graph.data
    assert data["drug"].num_nodes == fdataset.n_drugs == 593
    assert data["disease"].num_nodes == fdataset.n_diseases == 313
    assert torch.equal(data["drug"].node_index, torch.arange(593))
    assert torch.equal(data["disease"].node_index, torch.arange(313))
    forward = data["drug", "treats", "disease"].edge_index
    reverse = data["disease", "treated_by", "drug"].edge_index
    assert forward.dtype == torch.long and forward.shape == (2, fdataset.n_associations)
    assert torch.equal(reverse, forward.flip(0))
    assert np.array_equal(forward.t().numpy(), fdataset.positive_pairs)
    assert set(graph.edge_types) == {
        ("drug", "treats", "disease"), ("disease", "treated_by", "drug"),
        ("drug", "similar_chemical", "drug"), ("drug", "similar_domain", "drug"),
        ("drug", "similar_go", "drug"), ("disease", "similar_phenotype", "disease")}
    data.validate()


def test_association_edges_are_exactly_the_train_pairs():
    dataset = _random_dataset()
    pairs = dataset.positive_pairs[::2]
    graph = build_drug_disease_graph(dataset, pairs)
    forward = graph.data["drug", "treats", "disease"].edge_index
    reverse = graph.data["disease", "treated_by", "drug"].edge_index
    assert forward.shape[1] == reverse.shape[1] == len(pairs)
    assert _edge_set(forward) == set(map(tuple, pairs.tolist()))
    assert _edge_set(reverse) == {(d, r) for r, d in pairs.tolist()}


def test_train_pairs_forms():
    dataset = _random_dataset()
    pairs = dataset.positive_pairs[:5]
    expected = build_drug_disease_graph(dataset, pairs).data["drug", "treats", "disease"].edge_index
    for given in (torch.from_numpy(pairs), pairs.astype(np.int32), np.concatenate([pairs, pairs[:2]]),
                  pairs[::-1].tolist()):
        got = build_drug_disease_graph(dataset, given).data["drug", "treats", "disease"].edge_index
        assert torch.equal(got, expected)
    fold = Fold("A", 0, 0, (dataset.n_drugs, dataset.n_diseases), pairs, [], [], [], [], [])
    for source in (fold, fold.train_part()):
        got = build_drug_disease_graph(dataset, source).data["drug", "treats", "disease"].edge_index
        assert torch.equal(got, expected)
    empty = build_drug_disease_graph(dataset, np.zeros((0, 2), dtype=np.int64))
    assert empty.num_edges(("drug", "treats", "disease")) == 0
    assert empty.data["drug", "treats", "disease"].edge_index.shape == (2, 0)


@pytest.mark.parametrize("pairs, match", [
    (np.array([[0, 1, 2]]), "shape"),
    (np.array([0, 1]), "shape"),
    (np.array([[0.0, 1.0]]), "integer"),
    (np.array([["0", "1"]]), "integer"),
    (np.array([[0, 1], [12, 0]]), "drug index 12 out of range"),
    (np.array([[0, 1], [0, 7]]), "disease index 7 out of range"),
    (np.array([[-1, 0]]), "drug index -1 out of range"),
])
def test_bad_train_pairs(pairs, match):
    with pytest.raises(DataFormatError, match=match) as info:
        build_drug_disease_graph(_random_dataset(), pairs)
    assert info.value.source == "train_pairs"


def test_virus_node_type():
    dataset = _random_dataset(kind="virus")
    graph = build_drug_disease_graph(dataset, top_k=2)
    assert graph.node_types == ["drug", "virus"]
    assert ("drug", "treats", "virus") in graph.edge_types
    assert ("virus", "treated_by", "drug") in graph.edge_types
    assert ("virus", "similar_pheno", "virus") in graph.edge_types
    assert graph.index_of("virus", "V03") == 3
    only = build_drug_disease_graph(dataset, similarity_views=["disease:pheno"])
    assert [et[1] for et in only.edge_types] == ["treats", "treated_by", "similar_pheno"]


# --- leakage ---------------------------------------------------------------------------------

def test_held_out_pairs_never_become_edges(fdataset):
    rng = np.random.default_rng(7)
    known = fdataset.positive_pairs
    test_mask = np.zeros(len(known), dtype=bool)
    test_mask[rng.choice(len(known), size=len(known) // 10, replace=False)] = True
    fold = Fold("A", 0, 7, fdataset.associations.shape, known[~test_mask], [], [], [],
                known[test_mask], [])
    graph = build_drug_disease_graph(fdataset, fold.train_part().train_pos)
    test_pairs, labels = fold.test_pairs()
    held_out = set(map(tuple, test_pairs[labels == 1].tolist()))
    assert len(held_out) == len(known) // 10
    forward = _edge_set(graph.data["drug", "treats", "disease"].edge_index)
    reverse = {(d, r) for r, d in _edge_set(graph.data["disease", "treated_by", "drug"].edge_index)}
    assert not held_out & forward
    assert not held_out & reverse
    assert forward == reverse == set(map(tuple, fold.train_pos.tolist()))
    # the graph is fully determined by the training pairs: dropping the test labels changes nothing
    again = build_drug_disease_graph(fold.training_dataset(fdataset), fold.train_pos)
    for edge_type in graph.edge_types:
        assert torch.equal(graph.data[edge_type].edge_index, again.data[edge_type].edge_index)


# --- similarity edges ------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["chemical", "domain", "go"])
def test_fdataset_directed_topk(fdataset, view):
    k = 15
    sim = fdataset.drug_similarities[view]
    graph = build_drug_disease_graph(fdataset, top_k=k, similarity_views=[view], symmetric=False)
    store = graph.data["drug", f"similar_{view}", "drug"]
    source, target = store.edge_index.numpy()
    n = fdataset.n_drugs
    assert store.edge_index.shape == (2, n * k)
    assert np.array_equal(np.bincount(target, minlength=n), np.full(n, k))
    assert not (source == target).any()
    assert len(set(zip(source.tolist(), target.tolist()))) == n * k
    # each chosen neighbour is among the k most similar other nodes of its target
    assert (sim[target, source] >= _kth_largest_other(sim, k)[target]).all()
    assert np.array_equal(store.edge_weight.numpy(), sim[target, source].astype(np.float32))
    assert store.edge_weight.dtype == torch.float32


def test_fdataset_symmetric_topk(fdataset):
    k = 10
    graph = build_drug_disease_graph(fdataset, top_k=k)
    for node_type, views in (("drug", fdataset.drug_similarities),
                             ("disease", fdataset.disease_similarities)):
        for view, sim in views.items():
            store = graph.data[node_type, f"similar_{view}", node_type]
            source, target = store.edge_index.numpy()
            edges = _edge_set(store.edge_index)
            assert len(edges) == store.edge_index.shape[1]           # no duplicates
            assert edges == {(j, i) for i, j in edges}               # both directions
            assert not (source == target).any()
            kth = _kth_largest_other(sim, k)
            value = sim[target, source]
            assert ((value >= kth[target]) | (sim[source, target] >= kth[source])).all()
            assert np.array_equal(store.edge_weight.numpy(), value.astype(np.float32))
            assert np.bincount(target, minlength=len(sim)).min() >= k
            directed = build_drug_disease_graph(fdataset, top_k=k, similarity_views=[view],
                                                symmetric=False)
            one_way = _edge_set(directed.data[node_type, f"similar_{view}", node_type].edge_index)
            assert edges == one_way | {(j, i) for i, j in one_way}


def test_topk_by_hand():
    sim = np.array([[1.0, 0.9, 0.1, 0.3],
                    [0.9, 1.0, 0.2, 0.4],
                    [0.1, 0.2, 1.0, 0.8],
                    [0.3, 0.4, 0.8, 1.0]])
    assert topk_neighbours(sim, 1).ravel().tolist() == [1, 0, 3, 2]
    assert sorted(topk_neighbours(sim, 2)[0].tolist()) == [1, 3]
    edge_index, weight = similarity_edges(sim, 1, symmetric=False)
    assert _edge_set(edge_index) == {(1, 0), (0, 1), (3, 2), (2, 3)}
    edge_index, weight = similarity_edges(sim, 2, symmetric=False)
    assert _edge_set(edge_index) == {(1, 0), (3, 0), (0, 1), (3, 1), (3, 2), (1, 2), (2, 3), (1, 3)}
    edge_index, weight = similarity_edges(sim, 2)       # union adds 0->3, 2->1
    assert edge_index.shape[1] == 10 and {(0, 3), (2, 1)} <= _edge_set(edge_index)
    assert torch.equal(edge_index, edge_index[:, torch.argsort(edge_index[0] * 4 + edge_index[1])])
    assert np.allclose(weight.numpy(), sim[edge_index[1], edge_index[0]])


def test_top_k_is_capped_and_checked():
    dataset = _random_dataset(n_drugs=5, n_viruses=3)
    graph = build_drug_disease_graph(dataset, top_k=50, symmetric=False)
    assert graph.num_edges(("drug", "similar_chem", "drug")) == 5 * 4
    assert graph.num_edges(("disease", "similar_pheno", "disease")) == 3 * 2
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="top_k"):
            build_drug_disease_graph(dataset, top_k=bad)
    assert topk_neighbours(np.ones((1, 1)), 3).shape == (1, 0)
    with pytest.raises(DataFormatError, match="square"):
        similarity_edges(np.ones((2, 3)), 1)
    with pytest.raises(DataFormatError, match="NaN"):
        similarity_edges(np.array([[1.0, np.nan], [np.nan, 1.0]]), 1)


def test_self_loops_option():
    dataset = _random_dataset()
    plain = build_drug_disease_graph(dataset, top_k=3)
    looped = build_drug_disease_graph(dataset, top_k=3, self_loops=True)
    for edge_type in plain.edge_types:
        extra = looped.num_edges(edge_type) - plain.num_edges(edge_type)
        is_similarity = edge_type[1].startswith("similar_")
        assert extra == (plain.num_nodes(edge_type[0]) if is_similarity else 0)
    store = looped.data["drug", "similar_chem", "drug"]
    loops = store.edge_index[0] == store.edge_index[1]
    assert loops.sum() == dataset.n_drugs
    assert np.allclose(store.edge_weight[loops].numpy(), np.diag(dataset.drug_similarities["chem"]))


def test_ties_and_blocked_rows(monkeypatch):
    rng = np.random.default_rng(3)
    sim = np.round(rng.random((40, 40)), 1)              # many ties
    k = 6
    full = topk_neighbours(sim, k)
    monkeypatch.setattr(knn, "_BLOCK_ENTRIES", 7 * 40)    # 7 rows per block
    blocked = topk_neighbours(sim, k)
    kth = _kth_largest_other(sim, k)
    for neighbours in (full, blocked):
        rows = np.repeat(np.arange(40), k)
        cols = neighbours.numpy().ravel()
        assert (cols != rows).all()
        assert (sim[rows, cols] >= kth[rows]).all()
        assert np.array_equal(np.sort(sim[rows, cols].reshape(40, k), axis=1),
                              np.sort(-np.sort(-np.where(np.eye(40, dtype=bool), -np.inf, sim),
                                               axis=1)[:, :k], axis=1))


def test_similarity_view_selection():
    dataset = _random_dataset()
    relations = lambda g: sorted(et[1] for et in g.edge_types if et[1].startswith("similar_"))
    assert relations(build_drug_disease_graph(dataset)) == [
        "similar_chem", "similar_pheno", "similar_target"]
    assert relations(build_drug_disease_graph(dataset, similarity_views=["chem"])) == ["similar_chem"]
    assert relations(build_drug_disease_graph(dataset, similarity_views="drug:target")) == [
        "similar_target"]
    assert relations(build_drug_disease_graph(dataset, similarity_views=[])) == []
    with pytest.raises(UnknownNameError, match="did you mean 'chem'"):
        build_drug_disease_graph(dataset, similarity_views=["chen"])
    with pytest.raises(UnknownNameError, match="disease:chem"):
        build_drug_disease_graph(dataset, similarity_views=["disease:chem"])


def test_similarity_inputs_that_are_not_real_numbers_or_names():
    dataset = _random_dataset(n_drugs=5, n_viruses=3)
    for bad in (3, None):
        with pytest.raises(TypeError, match=f"similarity_views must be view names .*got {bad}"):
            build_drug_disease_graph(dataset, similarity_views=["chem", bad])
    for dtype in (torch.complex64, torch.bool):  # as numpy arrays of these dtypes are
        with pytest.raises(DataFormatError, match=f"must be real numbers, got dtype {dtype}"):
            topk_neighbours(torch.ones((3, 3), dtype=dtype), 1)
