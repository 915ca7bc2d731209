"""Learnable-embedding GNN link model: sparse layers equal PyG's, training learns a small graph."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from graphmed.errors import DataFormatError

from graphmed.models.ddi import (DDI_RECIPES, EmbeddingGNNLinkModel, NegativeSampler, all_pairs_loss,
                                 dense_dot_scores, fit_link_model, link_loss)
from graphmed.nn.sparse_conv import (SPMM_STATS, EdgeDropper, SparseAdjacency, SparseGCNConv, SparseSAGEConv,
                                     spmm_bytes, undirected_edge_index)


def _graph(n=60, blocks=3, p_in=0.4, p_out=0.01, seed=0):
    """A planted-partition graph: ``(E, 2)`` undirected edges, each once."""
    gen = torch.Generator().manual_seed(seed)
    block = torch.arange(n) % blocks
    same = block[:, None] == block[None, :]
    prob = torch.where(same, torch.tensor(p_in), torch.tensor(p_out))
    upper = torch.triu(torch.rand(n, n, generator=gen) < prob, diagonal=1)
    return upper.nonzero(), block


def test_gcn_and_sage_layers_equal_pyg():
    from torch_geometric.nn import GCNConv, SAGEConv

    edges, _ = _graph()
    ei = undirected_edge_index(edges)
    x = torch.randn(60, 8, requires_grad=True)
    torch.manual_seed(0)
    ours, ref = SparseGCNConv(8, 5), GCNConv(8, 5)
    ref.lin.weight.data.copy_(ours.lin.weight.data)
    ref.bias.data.copy_(torch.randn(5))
    ours.bias.data.copy_(ref.bias.data)
    adj = SparseAdjacency(ei, 60, "gcn")
    torch.testing.assert_close(ours(x, adj), ref(x, ei), rtol=1e-5, atol=1e-5)

    ours, ref = SparseSAGEConv(8, 5), SAGEConv(8, 5)
    ref.lin_l.weight.data.copy_(ours.lin_neighbors.weight.data)
    ref.lin_l.bias.data.copy_(ours.lin_neighbors.bias.data)
    ref.lin_r.weight.data.copy_(ours.lin_root.weight.data)
    adj = SparseAdjacency(ei, 60, "mean")
    torch.testing.assert_close(ours(x, adj), ref(x, ei), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("norm", ["gcn", "mean"])
def test_sparse_product_and_its_gradient_equal_the_dense_ones(norm):
    edges, _ = _graph(seed=1)
    adj = SparseAdjacency(undirected_edge_index(edges), 60, norm)
    dense = adj.matrix.to_dense()
    torch.testing.assert_close(adj.matrix_t.to_dense(), dense.t())
    if norm == "mean":  # rows of nodes with neighbours sum to 1
        sums = dense.sum(1)
        torch.testing.assert_close(sums[sums > 0], torch.ones(int((sums > 0).sum())))
    x = torch.randn(60, 4, requires_grad=True)
    w = torch.randn(60, 4)
    ((adj @ x) * w).sum().backward()
    torch.testing.assert_close(x.grad, dense.t() @ w)
    SPMM_STATS.reset()
    SPMM_STATS.enabled = True
    try:
        adj @ x.detach()
    finally:
        SPMM_STATS.enabled = False
    assert SPMM_STATS.calls == 1 and SPMM_STATS.bytes == spmm_bytes(adj.matrix, x)
    assert SPMM_STATS.bytes == adj.nnz * 12 + 61 * 8 + 2 * 60 * 4 * 4


def test_negative_sampler_avoids_edges_and_self_loops():
    edges, _ = _graph()
    sampler = NegativeSampler(edges, 60)
    neg = sampler(5000, torch.Generator().manual_seed(0))
    assert neg.shape == (5000, 2) and int(neg.min()) >= 0 and int(neg.max()) < 60
    assert not bool((neg[:, 0] == neg[:, 1]).any())
    known = set(map(tuple, edges.tolist())) | {(b, a) for a, b in edges.tolist()}
    assert not known & set(map(tuple, neg.tolist()))


def test_losses():
    pos, neg = torch.tensor([3.0, 2.0]), torch.tensor([-3.0, 1.0])
    assert float(link_loss(pos, neg, "auc")) == pytest.approx(((1 - 6) ** 2 + 0) / 2)
    assert float(link_loss(pos, neg, "bce")) > 0
    with pytest.raises(ValueError):
        link_loss(pos, neg, "hinge")


def _split(edges, seed=0):
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(edges), generator=gen)
    n_val = len(edges) // 10
    valid, test, train = edges[perm[:n_val]], edges[perm[n_val:2 * n_val]], edges[perm[2 * n_val:]]
    neg = NegativeSampler(edges, 60)(2 * n_val, gen)
    return {"train": {"edge": train}, "valid": {"edge": valid, "edge_neg": neg[:n_val]},
            "test": {"edge": test, "edge_neg": neg[n_val:]}}


@pytest.mark.parametrize("recipe", ["gcn", "graphmed"])
def test_fit_learns_a_planted_partition_and_is_repeatable(recipe):
    edges, _ = _graph()
    split = _split(edges)
    settings = {**DDI_RECIPES[recipe], "embedding_dim": 16, "hidden": 16, "epochs": 40, "lr": 0.01}
    if settings["batch_size"] is not None:
        settings["batch_size"] = 128
    first = fit_link_model(split, 60, eval_every=10, seed=3, **settings)
    assert first.epochs_run == 40 and len(first.epoch_times) == 40
    assert first.best_epoch in (10, 20, 30, 40)
    assert first.best_valid["hits@20"] >= 0.5 and first.test_at_best["hits@20"] >= 0.5
    assert first.history[-1]["loss"] < first.history[0]["loss"]
    again = fit_link_model(split, 60, eval_every=10, seed=3, **settings)
    assert again.test_at_best == first.test_at_best
    model = first.model
    assert isinstance(model, EmbeddingGNNLinkModel) and model.conv == settings["conv"]


def test_an_unknown_metric_is_named_before_training():
    split = _split(_graph()[0])
    with pytest.raises(ValueError, match="metric must be one of hits@10, hits@20, hits@30"):
        fit_link_model(split, 60, epochs=1, metric="hits@50")  # was a KeyError after an epoch
    with pytest.raises(ValueError, match="metric 'mrr' is not among what evaluate returns: auc"):
        fit_link_model(split, 60, epochs=1, metric="mrr", embedding_dim=8, hidden=8,
                       evaluate=lambda pos, neg: {"auc": 0.5})


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="conv"):
        EmbeddingGNNLinkModel(10, conv="gat")
    with pytest.raises(ValueError, match="norm"):
        SparseAdjacency(torch.zeros(2, 0, dtype=torch.long), 3, "sym")


@pytest.mark.parametrize("norm", ["gcn", "mean"])
def test_edge_dropper_equals_building_the_subgraph(norm):
    edges, _ = _graph(seed=2)
    keep = torch.rand(len(edges), generator=torch.Generator().manual_seed(0)) >= 0.3
    drawn = EdgeDropper(edges, 60, norm).draw(keep)
    built = SparseAdjacency(undirected_edge_index(edges[keep]), 60, norm)
    assert drawn.nnz == built.nnz
    torch.testing.assert_close(drawn.matrix.to_dense(), built.matrix.to_dense())
    torch.testing.assert_close(drawn.matrix_t.to_dense(), built.matrix_t.to_dense())
    torch.testing.assert_close(drawn.matrix.crow_indices(), built.matrix.crow_indices())
    full = EdgeDropper(edges, 60, norm).draw(torch.ones(len(edges), dtype=torch.bool))
    torch.testing.assert_close(full.matrix.to_dense(),
                               SparseAdjacency(undirected_edge_index(edges), 60, norm).matrix.to_dense())
    with pytest.raises(ValueError, match="keep"):
        EdgeDropper(edges, 60, norm).draw(keep[:-1])
    with pytest.raises(ValueError, match="shape"):
        EdgeDropper(edges.t(), 60, norm)


def test_dense_dot_scores_equal_gathered_ones_with_gradients():
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(30, 6, generator=gen, requires_grad=True)
    pairs = torch.randint(0, 30, (500, 2), generator=gen)  # repeated pairs included
    weights = torch.randn(500, generator=gen)
    (dense_dot_scores(h, pairs[:, 0] * 30 + pairs[:, 1]) * weights).sum().backward()
    grad, h.grad = h.grad, None
    gathered = (h[pairs[:, 0]] * h[pairs[:, 1]]).sum(-1)
    (gathered * weights).sum().backward()
    torch.testing.assert_close(grad, h.grad)
    torch.testing.assert_close(dense_dot_scores(h, pairs[:, 0] * 30 + pairs[:, 1]), gathered)


def test_dot_model_scores_and_predictions_agree_dense_or_gathered():
    edges, _ = _graph()
    adj = SparseAdjacency(undirected_edge_index(edges), 60, "gcn")
    model = EmbeddingGNNLinkModel(60, 8, 8, conv="gcn", predictor="dot")
    assert model.dense_scores and model.predictor is None
    h = model.encode(adj)
    a, b = edges[:7], torch.tensor([[0, 1], [5, 5]])
    dense = model.score_many(h, a, b)
    torch.testing.assert_close(dense[0], model.score(h, a))
    torch.testing.assert_close(dense[1], model.score(h, b))
    probs = model.predict_many(adj, a, b)
    torch.testing.assert_close(probs[1], model.predict(adj, b))
    mlp = EmbeddingGNNLinkModel(60, 8, 8, conv="sage")
    assert not mlp.dense_scores
    torch.testing.assert_close(mlp.predict_many(adj, a, b, batch_size=3)[0], mlp.predict(adj, a))
    with pytest.raises(ValueError, match="predictor"):
        EmbeddingGNNLinkModel(60, predictor="bilinear")


def test_fit_full_batch_dot_predictor_with_several_negatives(capsys):
    edges, _ = _graph()
    split = _split(edges)
    settings = dict(conv="gcn", embedding_dim=16, hidden=16, predictor="dot", batch_size=None,
                    num_neg=3, loss="auc", edge_dropout=0.2, dropout=0.1, lr=0.02, epochs=60)
    fit = fit_link_model(split, 60, eval_every=20, seed=1, **settings)
    assert fit.epochs_run == 60 and fit.best_valid["hits@20"] >= 0.5
    assert fit.model.predictor is None
    capsys.readouterr()
    again = fit_link_model(split, 60, eval_every=20, seed=1, progress=True, **settings)
    assert again.test_at_best == fit.test_at_best  # the bar changes nothing
    assert "ogbl-ddi gcn seed 1" in capsys.readouterr().err
    for bad in (dict(batch_size=0), dict(num_neg=0), dict(predictor="cos")):
        with pytest.raises(ValueError):
            fit_link_model(split, 60, **{**settings, "epochs": 1, **bad})


def test_all_pairs_loss_equals_the_masked_mean_of_every_pair():
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(9, 4, generator=gen, requires_grad=True)
    edges = torch.tensor([[0, 1], [2, 5], [3, 8], [4, 7]])
    flat = torch.cat([edges[:, 0] * 9 + edges[:, 1], edges[:, 1] * 9 + edges[:, 0]])
    all_pairs_loss(h, flat, negative_weight=0.5).backward()
    grad, h.grad = h.grad, None
    gram = (h @ h.t()).reshape(-1)
    positive = torch.zeros(81, dtype=torch.bool)
    positive[flat] = True
    negative = ~positive & ~torch.eye(9, dtype=torch.bool).reshape(-1)
    expected = (F.binary_cross_entropy_with_logits(gram[positive], torch.ones(8))
                + 0.5 * F.binary_cross_entropy_with_logits(gram[negative], torch.zeros(64)))
    expected.backward()
    torch.testing.assert_close(all_pairs_loss(h, flat, 0.5), expected)
    torch.testing.assert_close(grad, h.grad)


def test_fit_with_the_all_pairs_loss():
    edges, _ = _graph()
    split = _split(edges)
    settings = dict(conv="sage", embedding_dim=16, hidden=16, predictor="dot", batch_size=None,
                    loss="all-pairs", negative_weight=2.0, edge_dropout=0.2, dropout=0.1,
                    lr=0.02, epochs=60)
    fit = fit_link_model(split, 60, eval_every=20, seed=1, **settings)
    assert fit.best_valid["hits@20"] >= 0.5
    assert fit.history[-1]["loss"] < fit.history[0]["loss"]
    for bad in (dict(batch_size=128), dict(predictor="mlp"), dict(negative_weight=0.0)):
        with pytest.raises(ValueError):
            fit_link_model(split, 60, **{**settings, "epochs": 1, **bad})
    with pytest.raises(ValueError, match="Gram"):
        link_loss(torch.zeros(2), torch.zeros(2), "all-pairs")


def test_distmult_scores_are_an_indefinite_form_read_densely_or_gathered():
    edges, _ = _graph()
    adj = SparseAdjacency(undirected_edge_index(edges), 60, "mean")
    model = EmbeddingGNNLinkModel(60, 8, 8, conv="sage", predictor="distmult").eval()
    assert model.dense_scores and model.predictor is None
    torch.testing.assert_close(model.relation.detach(), torch.tensor([1.0] * 4 + [-1.0] * 4))
    h = model.encode(adj)
    pairs = torch.cat([edges[:9], torch.tensor([[3, 3], [7, 2]])])
    expected = (h[pairs[:, 0]] * model.relation * h[pairs[:, 1]]).sum(-1)
    torch.testing.assert_close(model.score(h, pairs), expected)
    torch.testing.assert_close(model.score_many(h, pairs)[0], expected)
    torch.testing.assert_close(model.predict(adj, pairs), torch.sigmoid(model.score(model.encode(adj), pairs)))
    # the relation gets gradients through the dense path
    model.score_many(h, pairs)[0].sum().backward()
    assert model.relation.grad is not None and model.relation.grad.abs().sum() > 0


def test_all_pairs_loss_with_a_distmult_relation():
    gen = torch.Generator().manual_seed(1)
    h = torch.randn(9, 4, generator=gen, requires_grad=True)
    relation = torch.tensor([1.0, -1.0, 0.5, -2.0], requires_grad=True)
    edges = torch.tensor([[0, 1], [2, 5], [3, 8]])
    flat = torch.cat([edges[:, 0] * 9 + edges[:, 1], edges[:, 1] * 9 + edges[:, 0]])
    loss = all_pairs_loss(h, flat, 1.0, relation)
    scores = ((h * relation) @ h.t()).reshape(-1)
    positive = torch.zeros(81, dtype=torch.bool)
    positive[flat] = True
    negative = ~positive & ~torch.eye(9, dtype=torch.bool).reshape(-1)
    expected = (F.binary_cross_entropy_with_logits(scores[positive], torch.ones(6))
                + F.binary_cross_entropy_with_logits(scores[negative], torch.zeros(66)))
    torch.testing.assert_close(loss, expected)


def test_distmult_learns_a_graph_whose_edges_join_groups():
    # edges only between three groups, none inside one: the adjacency has large negative
    # eigenvalues, which the DistMult form can fit
    edges, block = _graph(p_in=0.0, p_out=0.5, seed=3)
    split = _split(edges)
    settings = dict(conv="sage", embedding_dim=16, hidden=16, predictor="distmult",
                    batch_size=None, loss="all-pairs", dropout=0.1, lr=0.02, epochs=80)
    fit = fit_link_model(split, 60, eval_every=20, seed=0, **settings)
    assert fit.best_valid["hits@20"] >= 0.5
    assert fit.model.relation.detach().min() < 0 < fit.model.relation.detach().max()


def _tiny_split() -> dict:
    pairs = torch.tensor([[3, 4]])
    return {"train": {"edge": torch.tensor([[0, 1], [1, 2], [2, 3]])},
            "valid": {"edge": pairs, "edge_neg": torch.tensor([[0, 4]])},
            "test": {"edge": pairs, "edge_neg": torch.tensor([[0, 4]])}}


@pytest.mark.parametrize("predictor", ["dot", "mlp", "distmult"])
def test_negative_and_out_of_range_pairs_are_refused(predictor):
    model = EmbeddingGNNLinkModel(5, 8, 8, predictor=predictor)
    adj = SparseAdjacency(torch.tensor([[0, 1], [1, 2]]), 5, model.adjacency_norm)
    h = model.encode(adj)
    with pytest.raises(ValueError, match=r"row 0 has node ids \[0, -1\] outside \[0, 5\)"):
        model.score(h, torch.tensor([[0, -1]]))  # -1 was node 4
    with pytest.raises(ValueError, match=r"row 0 has node ids \[1, 5\] outside \[0, 5\)"):
        model.score_many(h, torch.tensor([[1, 5]]))  # the Gram path read another pair
    with pytest.raises(ValueError, match=r"row 0 has node ids \[0, -1\]"):
        model.predict(adj, torch.tensor([[0, -1]]))
    with pytest.raises(ValueError, match=r"expected node pairs of shape \(n, 2\)"):
        model.score(h, torch.tensor([[0, 1, 2], [1, 2, 3]]))


@pytest.mark.parametrize("kwargs, message", [
    ({"layers": 1.5}, "layers must be an integer >= 1, got 1.5"),
    ({"hidden": 0}, "hidden must be an integer >= 1"),
    ({"dropout": 1.5}, r"dropout must be in \[0, 1\)"),
    ({"predictor_dropout": 2}, r"predictor_dropout must be in \[0, 1\)"),
    ({"predictor_layers": 0}, "predictor_layers must be an integer >= 1"),
])
def test_embedding_model_settings_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=f"EmbeddingGNNLinkModel: {message}"):
        EmbeddingGNNLinkModel(10, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 1.5}, "epochs must be an integer >= 1, got 1.5"),
    ({"eval_every": 0}, "eval_every must be an integer >= 1"),
    ({"lr": float("nan")}, "lr must be a finite number > 0, got nan"),
    ({"lr": -1.0}, "lr must be a finite number > 0"),
    ({"batch_size": 2.5}, r"batch_size \(or None: all edges\) must be an integer >= 1"),
    ({"num_neg": 1.5}, "num_neg must be an integer >= 1"),
    ({"clip": -1.0}, r"clip \(or None\) must be a finite number > 0"),
])
def test_fit_settings_are_checked_before_training(kwargs, message):
    with pytest.raises(ValueError, match=f"fit_link_model: {message}"):
        fit_link_model(_tiny_split(), 5, embedding_dim=4, hidden=4, **{"epochs": 1, **kwargs})


def test_fit_checks_every_pair_set_of_the_split():
    split = _tiny_split()
    bad = {**split, "valid": {"edge": torch.tensor([[0, -1]]), "edge_neg": torch.tensor([[0, 4]])}}
    with pytest.raises(ValueError, match=r"split_edge\['valid'\]\['edge'\]: row 0 has node ids \[0, -1\]"):
        fit_link_model(bad, 5, embedding_dim=4, hidden=4, epochs=1)  # was scored as node 4
    with pytest.raises(ValueError, match=r"split_edge\['train'\]\['edge'\]: row 2 has node ids \[2, 3\]"):
        fit_link_model(split, 3, embedding_dim=4, hidden=4, epochs=1)
    with pytest.raises(ValueError, match=r"split_edge needs split_edge\['test'\]\['edge_neg'\]"):
        fit_link_model({**split, "test": {"edge": split["test"]["edge"]}}, 5, embedding_dim=4,
                       hidden=4, epochs=1)
    with pytest.raises(ValueError, match=r"edges: row 0 has node ids \[0, -1\]"):
        NegativeSampler(torch.tensor([[0, -1]]), 5)  # was marked pair (0, 4) taken
    with pytest.raises(ValueError, match="3 positives and 4 negatives"):
        link_loss(torch.randn(3), torch.randn(4), "auc")


def test_a_diverging_loss_keeps_the_best_validated_epoch(monkeypatch):
    import graphmed.models.ddi as ddi

    real, calls = ddi.link_loss, []

    def loss(pos, neg, kind="bce"):
        calls.append(1)
        value = real(pos, neg, kind)
        return value * float("nan") if len(calls) > 3 else value

    monkeypatch.setattr(ddi, "link_loss", loss)
    settings = {**DDI_RECIPES["gcn"], "embedding_dim": 8, "hidden": 8, "batch_size": 10_000,
                "epochs": 10}
    with pytest.warns(RuntimeWarning, match="diverged at epoch 4 .*kept epoch 2"):
        result = fit_link_model(_split(_graph()[0]), 60, eval_every=2, seed=0, **settings)
    assert result.diverged_at == 4 and result.best_epoch == 2
    assert all(torch.isfinite(p).all() for p in result.model.parameters())


class _Stop(Exception):
    pass


def _stopping_after(evaluations: int):
    """An ``evaluate`` that raises once it has been called ``evaluations`` times."""
    from graphmed.evaluation.metrics import hits_at_k

    calls = []

    def evaluate(pos, neg):
        calls.append(1)
        if len(calls) > evaluations:
            raise _Stop
        return {f"hits@{k}": hits_at_k(pos, neg, k) for k in (10, 20, 30)}
    return evaluate


@pytest.mark.parametrize("recipe", ["sage", "graphmed"])
def test_a_stopped_run_resumed_from_its_checkpoint_ends_as_an_uninterrupted_one(tmp_path, recipe):
    split = _split(_graph()[0])
    settings = {**DDI_RECIPES[recipe], "embedding_dim": 8, "hidden": 8, "epochs": 9,
                "eval_every": 2, "seed": 5}
    if settings["batch_size"] is not None:
        settings["batch_size"] = 100  # several batches an epoch: the batch generator matters
    if recipe == "graphmed":
        settings["edge_dropout"] = 0.3
    whole = fit_link_model(split, 60, **settings)
    path = tmp_path / "run.npz"
    with pytest.raises(_Stop):  # stopped in the evaluation of epoch 6: saved after epoch 5
        fit_link_model(split, 60, checkpoint=path, evaluate=_stopping_after(4), **settings)
    messages = []
    resumed = fit_link_model(split, 60, checkpoint=path, log=messages.append, **settings)
    assert messages[0] == f"resumed from {path} after epoch 5"
    assert resumed.resumed_at == [5] and resumed.epochs_run == 9
    assert resumed.history == whole.history
    assert (resumed.best_epoch, resumed.best_valid, resumed.test_at_best) == (
        whole.best_epoch, whole.best_valid, whole.test_at_best)
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    assert len(resumed.epoch_times) == 9 and resumed.elapsed_s >= sum(resumed.epoch_times[5:])
    again = fit_link_model(split, 60, checkpoint=path, **settings)  # finished: nothing to train
    assert again.resumed_at == [5, 9] and again.history == whole.history
    assert torch.equal(again.model.embedding.weight, whole.model.embedding.weight)


def test_a_checkpoint_of_other_settings_or_data_is_refused(tmp_path):
    split = _split(_graph()[0])
    settings = {**DDI_RECIPES["gcn"], "embedding_dim": 8, "hidden": 8, "epochs": 2,
                "batch_size": 10_000}
    path = tmp_path / "run.npz"
    fit_link_model(split, 60, checkpoint=path, **settings)
    with pytest.raises(ValueError, match=r"other settings \(lr: 0.005 there, 0.01 now\)"):
        fit_link_model(split, 60, checkpoint=path, **{**settings, "lr": 0.01})
    other = {**split, "train": {"edge": split["train"]["edge"][1:]}}
    with pytest.raises(ValueError, match="train_edges_sha256"):
        fit_link_model(other, 60, checkpoint=path, **settings)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(DataFormatError, match="not a graphmed checkpoint"):
        fit_link_model(split, 60, checkpoint=path, **settings)


@pytest.mark.parametrize("recipe", ["gcn", "graphmed"])
def test_fit_and_checkpoint_on_each_device(tmp_path, recipe, device):
    split = _split(_graph()[0])
    settings = {**DDI_RECIPES[recipe], "embedding_dim": 8, "hidden": 8, "epochs": 4,
                "eval_every": 2, "seed": 5, "device": device}
    if settings["batch_size"] is not None:
        settings["batch_size"] = 100
    first = fit_link_model(split, 60, checkpoint=tmp_path / "run.npz", **settings)
    assert first.epochs_run == 4 and first.model.embedding.weight.device.type == device
    assert 0 <= first.test_at_best["hits@20"] <= 1
    again = fit_link_model(split, 60, checkpoint=tmp_path / "run.npz", **settings)  # read back
    assert again.history == first.history and again.resumed_at == [4]
