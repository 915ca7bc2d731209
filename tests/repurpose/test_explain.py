"""Path explanations: every path found with the right weight, the pair's own edge left out,
the model's graph used, names shown, plots and exports."""
from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest

from graphmed.graph import build_drug_disease_graph
from graphmed.repurpose import (PathExplainer, explain_candidates, explain_pair, explanations_frame,
                                rank_candidates)

matplotlib.use("Agg")


def _dense(graph, edge_type, shape):
    m = np.zeros(shape)
    store = graph.data[edge_type]
    for (i, j), w in zip(store.edge_index.numpy().T, store.get("edge_weight", np.ones(10**6))):
        m[i, j] = float(w)
    return m


def brute_force_paths(graph, r, s):
    """All 2- and 3-hop paths from drug r to disease s by plain loops: {(kind, nodes): weight}."""
    nd, ns = graph.num_nodes("drug"), graph.num_nodes("disease")
    a = _dense(graph, ("drug", "treats", "disease"), (nd, ns))
    a[r, s] = 0
    sd = _dense(graph, ("drug", "similar_chem", "drug"), (nd, nd))
    ss = _dense(graph, ("disease", "similar_pheno", "disease"), (ns, ns))
    np.fill_diagonal(sd, 0)
    np.fill_diagonal(ss, 0)
    paths = {}
    for j in range(nd):
        if sd[r, j] * a[j, s]:
            paths[("sim-treats", j)] = sd[r, j] * a[j, s]
    for k in range(ns):
        if a[r, k] * ss[k, s]:
            paths[("treats-sim", k)] = a[r, k] * ss[k, s]
    for j, k in itertools.product(range(nd), range(ns)):
        if sd[r, j] * a[j, k] * ss[k, s]:
            paths[("sim-treats-sim", j, k)] = sd[r, j] * a[j, k] * ss[k, s]
        if a[r, k] * a[j, k] * a[j, s]:
            paths[("treats-by-treats", k, j)] = 1.0
    return paths


@pytest.mark.parametrize("pair", [(0, 2), (1, 0), (2, 2), (4, 1)])
def test_paths_match_brute_force(small, pair):
    graph = build_drug_disease_graph(small, top_k=2)
    explanation = PathExplainer(graph).explain(*pair, top=1000)
    expected = brute_force_paths(graph, *pair)
    assert explanation.n_paths == len(expected) == len(explanation.paths)
    assert explanation.total_weight == pytest.approx(sum(expected.values()))
    assert sorted(explanation.paths["weight"]) == pytest.approx(sorted(expected.values()))
    if expected:
        assert explanation.paths["contribution"].sum() == pytest.approx(1.0)
        assert explanation.kinds["contribution"].sum() == pytest.approx(1.0)
        assert explanation.kinds["paths"].sum() == len(expected)
        assert explanation.paths["weight"].is_monotonic_decreasing
        assert explanation.paths["rank"].tolist() == list(range(1, len(expected) + 1))


def test_known_pair_leaves_its_own_edge_out(small):
    graph = build_drug_disease_graph(small, top_k=4)
    explanation = PathExplainer(graph, known=small.associations).explain(0, 0, top=50)  # DB01-D1
    assert explanation.in_graph and explanation.known
    assert "known association" in explanation.status()
    for path in explanation.paths["path"]:  # Aspirin never reaches Alzheimer's directly
        assert "Aspirin -[treats, known]-> Alzheimer Disease; AD" not in path


def test_named_paths_and_known_edges(small):
    graph = build_drug_disease_graph(small, top_k=4)
    scores = np.arange(20, dtype=float).reshape(5, 4)
    explanation = PathExplainer(graph, scores=scores, model="toy", known=small.associations) \
        .explain(1, 2, top=100)  # Ibuprofen for type 2 diabetes: not known
    assert not explanation.in_graph and explanation.known is False
    assert explanation.score == 6.0 and explanation.rank == 4 and explanation.n_ranked == 5
    assert explanation.rank_new == 2 and explanation.n_new == 3  # DB03, DB04 are known for D3
    paths = explanation.paths["path"].tolist()
    assert any(p.startswith("Ibuprofen -[chem similarity") and
               p.endswith("Metformin -[treats, known]-> Diabetes Mellitus, Type 2") for p in paths)
    assert ("Ibuprofen -[treats, known]-> Crohn's Disease -[treated by, known]-> Aspirin "
            "-[treats, known]-> Diabetes Mellitus, Type 2") not in paths  # Aspirin does not treat D3
    text = str(explanation)
    assert "Ibuprofen (DB02) for Diabetes Mellitus, Type 2 (D3): not a known association" in text
    assert "model toy score 6, rank 4 of 5 drugs (2 of the 3 not known for it)" in text
    frame = explanation.to_frame()
    assert {"drug_id", "disease_id", "path", "contribution"} <= set(frame.columns)


def test_no_path(small):
    graph = build_drug_disease_graph(small, similarity_views=[])
    explanation = PathExplainer(graph).explain(4, 0)  # DB05 only treats D4
    assert explanation.n_paths == 0 and explanation.paths.empty and explanation.kinds.empty
    assert "no path" in str(explanation)
    explanation.plot()


def test_plot_and_networkx(small):
    graph = build_drug_disease_graph(small, top_k=3)
    explanation = PathExplainer(graph).explain(1, 2)
    figure = explanation.plot(top=4)
    assert len(figure.axes) == 2 and len(figure.axes[0].patches) == min(4, explanation.n_paths)
    nxg = explanation.to_networkx(top=3)
    assert ("drug", 1) in nxg and ("disease", 2) in nxg
    assert nxg.nodes[("drug", 1)]["name"] == "Ibuprofen"
    assert {d["relation"] for _, _, d in nxg.edges(data=True)} <= {"similar_chem", "similar_pheno",
                                                                   "treats", "treated_by"}
    assert sum(d["contribution"] for _, _, d in nxg.in_edges(("disease", 2), data=True)) == \
        pytest.approx(explanation.paths["contribution"].head(3).sum())


def test_graph_of_the_model_is_used(kronrls_model, fdataset):
    """Explanations use the model's training pairs, never pairs it has not seen."""
    from dataclasses import replace

    model = replace(kronrls_model, train_pairs=kronrls_model.train_pairs[1:])
    hidden = tuple(kronrls_model.train_pairs[0])
    explainer = PathExplainer.from_model(model, fdataset)
    assert not explainer.associations[hidden] and explainer.associations.sum() == 1932
    explanation = explainer.explain(*hidden)
    assert not explanation.in_graph and explanation.known
    assert "held out of the model's graph" in explanation.status()


def test_fdataset_explanations(kronrls_model, fdataset):
    table = rank_candidates(kronrls_model, fdataset, disease="alzheimer disease", top=5)
    explainer = PathExplainer.from_model(kronrls_model, fdataset)
    explanations = explain_candidates(explainer, table, top=3, rows=2)
    assert [e.drug["id"] for e in explanations] == table["id"].head(2).tolist()
    for e in explanations:
        assert e.disease["id"] == "D104300" and e.rank_new == table.set_index("id")["rank"][e.drug["id"]]
        assert e.n_paths > 0 and len(e.paths) == 3 and e.model == "kronrls"
    frame = explanations_frame(explanations)
    assert len(frame) == 6 and frame["drug_id"].nunique() == 2
    by_drug = rank_candidates(kronrls_model, fdataset, drug="donepezil", top=3)
    first = explain_candidates(explainer, by_drug, rows=1)[0]
    assert first.drug["id"] == "DB00843" and first.ranked == "disease" and first.n_ranked == 313
    pair = explain_pair(kronrls_model, fdataset, drug="galantamine", disease="alzheimer disease")
    assert pair.in_graph and pair.known and pair.score > 0


def test_attention_weights_are_reported(small):
    graph = build_drug_disease_graph(small, top_k=2)
    weights = {"drug": {"structure": 0.7, "text": 0.3}}
    explanation = PathExplainer(graph, attention=weights).explain(1, 2)
    assert explanation.attention == weights
    assert "modality attention: drug: structure 0.70, text 0.30" in str(explanation)


def test_explain_arguments_are_checked(small):
    from graphmed.errors import DataFormatError, UnknownNameError

    graph = build_drug_disease_graph(small, top_k=3)
    explainer = PathExplainer(graph)
    for top in (-1, 0, 2.5):  # -1 showed all paths but the last
        with pytest.raises(ValueError, match=f"top must be a positive integer or None, got {top}"):
            explainer.explain(1, 2, top=top)
    with pytest.raises(ValueError, match="top must be a positive integer"):
        explain_pair(None, small, drug="DB02", disease="D3", top=-1)
    for drug in (1.7, "DB02"):  # 1.7 was taken as drug 1
        with pytest.raises(TypeError, match=f"drug must be an integer index, got {drug!r}"):
            explainer.explain(drug, 2)
    scores = np.zeros((small.n_drugs, small.n_diseases))
    scores[3, 1] = np.nan
    with pytest.raises(DataFormatError, match="scores contain NaN .*first, NaN, at drug index 3, disease index 1"):
        PathExplainer(graph, scores=scores)
    table = rank_candidates(np.zeros((5, 4)), small, disease="D3", top=None)
    with pytest.raises(ValueError, match="rows must be a positive integer or None, got -1"):
        explain_candidates(explainer, table, rows=-1)  # was: all rows but the last
    foreign = table.assign(id=["XX"] * len(table))
    foreign.attrs = dict(table.attrs)
    with pytest.raises(UnknownNameError, match="candidate drug 'XX' is not in the explainer's graph"):
        explain_candidates(explainer, foreign)
