import numpy as np
import pytest
import torch

from graphmed.evaluation.metrics import hits_at_k
from graphmed.models.spectral_link import MAX_NODES, SpectralLinkModel, soft_threshold


def random_graph(n: int = 40, p: float = 0.2, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, 1)
    return torch.from_numpy(np.argwhere(upper))


def all_pairs(n: int) -> torch.Tensor:
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    return torch.stack([i.reshape(-1), j.reshape(-1)], 1)


def dense(edges: torch.Tensor, n: int) -> np.ndarray:
    adjacency = np.zeros((n, n))
    adjacency[edges[:, 0], edges[:, 1]] = adjacency[edges[:, 1], edges[:, 0]] = 1.0
    return adjacency


def plain(**kwargs) -> SpectralLinkModel:
    """The plain adjacency (no normalisation, no degree rescaling)."""
    return SpectralLinkModel(normalizations=(0.0,), degree_exponents=(0.0,), **kwargs)


def test_threshold_zero_reconstructs_the_adjacency():
    n, edges = 40, random_graph()
    model = plain(thresholds=(0.0,)).fit(edges, n)
    scores = model.score(all_pairs(n)).view(n, n)
    assert model.rank == n
    np.testing.assert_allclose(scores.numpy(), dense(edges, n), atol=1e-9)


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (0.5, 0.5), (0.4, 0.3), (0.5, 0.0)])
def test_scores_equal_a_soft_thresholded_reconstruction(a, b):
    n, edges = 40, random_graph(seed=1)
    adjacency = dense(edges, n)
    degrees = adjacency.sum(1)
    values, vectors = np.linalg.eigh(adjacency / np.outer(degrees ** a, degrees ** a))
    q = 0.3
    tau = q * np.abs(values).max()
    low_rank = vectors @ np.diag(np.sign(values) * np.maximum(np.abs(values) - tau, 0)) @ vectors.T
    expected = np.outer(degrees ** b, degrees ** b) * low_rank
    model = SpectralLinkModel(thresholds=(q,), normalizations=(a,), degree_exponents=(b,))
    model.fit(edges, n)
    np.testing.assert_allclose(model.score(all_pairs(n)).view(n, n).numpy(), expected, atol=1e-9)
    assert model.rank == int((np.abs(values) > tau).sum())
    assert (model.normalization, model.degree_exponent, model.tau) == (a, b, q)
    np.testing.assert_allclose(model.eigenvalues.numpy(), values[np.argsort(-np.abs(values))],
                               atol=1e-9)
    left, right = model.embeddings()
    assert left.shape == right.shape == (n, model.rank)


def test_isolated_nodes_score_zero():
    edges = torch.tensor([[0, 1], [1, 2], [2, 0]])
    model = SpectralLinkModel(thresholds=(0.0,), normalizations=(0.5,),
                              degree_exponents=(0.3,)).fit(edges, 5)
    scores = model.score(all_pairs(5)).view(5, 5)
    assert torch.isfinite(scores).all()
    assert (scores[3:] == 0).all() and (scores[:, 3:] == 0).all()


def test_negative_eigenvalues_carry_between_group_structure():
    # two groups, edges only between them (a bipartite graph): its leading structure is one
    # positive and one negative eigenvalue; held-out between-group pairs must outrank
    # within-group pairs, which a positive semi-definite score cannot do.
    rng = np.random.default_rng(0)
    n = 60
    group = np.arange(n) % 2
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if group[i] != group[j]])
    keep = rng.random(len(pairs)) < 0.8
    train, held = torch.from_numpy(pairs[keep]), torch.from_numpy(pairs[~keep])
    within = torch.from_numpy(np.array([(i, j) for i in range(n) for j in range(i + 1, n)
                                        if group[i] == group[j]]))
    model = plain(thresholds=(0.1,)).fit(train, n)
    assert model.score(held).min() > model.score(within).max()
    # keeping only the positive eigenvalues (a positive semi-definite score) fails
    values, vectors = np.linalg.eigh(dense(train, n))
    psd = vectors @ np.diag(np.maximum(values - 0.1 * values.max(), 0)) @ vectors.T
    assert psd[held[:, 0], held[:, 1]].min() <= psd[within[:, 0], within[:, 1]].max()


def planted_partition(n: int = 50, seed: int = 2) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    group = np.arange(n) % 2
    p = np.where(group[:, None] == group[None, :], 0.6, 0.05)
    return torch.from_numpy(np.argwhere(np.triu(rng.random((n, n)) < p, 1)))


def test_candidates_are_chosen_on_validation_pairs_only():
    n, edges = 50, planted_partition()
    perm = torch.randperm(len(edges), generator=torch.Generator().manual_seed(0))
    train, valid = edges[perm[:-40]], edges[perm[-40:]]
    rng = np.random.default_rng(3)
    valid_neg = torch.from_numpy(rng.integers(0, n, (200, 2)))
    seen = []

    def metric(pos, neg):
        seen.append((len(pos), len(neg)))
        return float((pos.mean() - neg.mean()))

    huge = 2.0  # beyond the spectral radius: removes every eigenpair, constant scores
    model = SpectralLinkModel(thresholds=(huge, 0.1, 0.3), normalizations=(0.0, 0.5),
                              degree_exponents=(0.0, 0.5)).fit(train, n, valid, valid_neg,
                                                                metric=metric)
    assert seen == [(40, 200)] * 12
    assert list(model.selection) == model.candidates()
    chosen = max(model.selection, key=model.selection.get)
    assert (model.normalization, model.degree_exponent, model.tau) == chosen
    assert chosen[2] != huge
    assert all(model.selection[(a, b, huge)] == 0.0 for a in (0.0, 0.5) for b in (0.0, 0.5))


def test_progress_counts_decompositions_and_candidates(capsys):
    n, edges = 50, planted_partition()
    valid_neg = torch.from_numpy(np.random.default_rng(3).integers(0, n, (200, 2)))
    quiet = SpectralLinkModel(thresholds=(0.1, 0.3), normalizations=(0.0, 0.5),
                              degree_exponents=(0.0, 0.5)).fit(edges[:-40], n, edges[-40:], valid_neg)
    loud = SpectralLinkModel(thresholds=(0.1, 0.3), normalizations=(0.0, 0.5),
                             degree_exponents=(0.0, 0.5)).fit(edges[:-40], n, edges[-40:], valid_neg,
                                                              progress=True)
    err = capsys.readouterr().err
    assert "spectral model" in err and "0/10 " in err  # 2 decompositions + 2 x 4 candidates
    assert loud.selection == quiet.selection  # the bar changes nothing


def test_default_metric_is_hits_at_k_and_use_candidate_restores_each_setting():
    n, edges = 50, random_graph(50, 0.25, seed=4)
    train, valid = edges[:-30], edges[-30:]
    valid_neg = torch.from_numpy(np.random.default_rng(5).integers(0, n, (100, 2)))
    model = SpectralLinkModel(thresholds=(0.05, 0.2), normalizations=(0.0, 0.5),
                              degree_exponents=(0.0, 0.25), k=10,
                              keep_decomposition=True).fit(train, n, valid, valid_neg)
    assert len(model.selection) == 8
    chosen = (model.normalization, model.degree_exponent, model.tau)
    swept = list(model.candidate_scores(valid, valid_neg))
    assert [c for c, _, _ in swept] == model.candidates()
    assert (model.normalization, model.degree_exponent, model.tau) == chosen  # unchanged
    for (candidate, rank, (pos, neg)), (key, value) in zip(swept, model.selection.items()):
        assert candidate == key
        model.use_candidate(*candidate)
        assert rank == model.rank
        torch.testing.assert_close(pos, model.score(valid), atol=0, rtol=0)
        torch.testing.assert_close(neg, model.score(valid_neg), atol=0, rtol=0)
        assert value == hits_at_k(model.score(valid), model.score(valid_neg), 10)
    assert model.timings["eigendecomposition_s"] >= 0 and model.timings["selection_s"] >= 0


def test_use_candidate_switches_without_decomposing_again():
    n, edges = 40, random_graph(seed=6)
    kept = SpectralLinkModel(thresholds=(0.1,), normalizations=(0.5,), degree_exponents=(0.5,),
                             keep_decomposition=True).fit(edges, n)
    fresh = SpectralLinkModel(thresholds=(0.3,), normalizations=(0.5,),
                              degree_exponents=(0.2,)).fit(edges, n)
    kept.use_candidate(0.5, 0.2, 0.3)
    assert (kept.degree_exponent, kept.tau, kept.rank) == (0.2, 0.3, fresh.rank)
    torch.testing.assert_close(kept.eigenvalues, fresh.eigenvalues)
    torch.testing.assert_close(kept.score(all_pairs(n)), fresh.score(all_pairs(n)))
    with pytest.raises(ValueError, match="tau"):
        kept.use_candidate(0.5, 0.5, -1.0)
    with pytest.raises(ValueError, match="normalization 0.3 was not decomposed"):
        kept.use_candidate(0.3, 0.5, 0.1)
    with pytest.raises(RuntimeError, match="keep_decomposition"):
        fresh.use_candidate(0.5, 0.5, 0.1)
    with pytest.raises(RuntimeError, match="keep_decomposition"):
        next(fresh.candidate_scores(all_pairs(n)))


def test_a_model_rebuilt_from_its_factors_scores_the_same():
    edges = random_graph()
    model = SpectralLinkModel(normalizations=(0.4,), degree_exponents=(0.3,), thresholds=(0.05,))
    model.fit(edges, 40)
    factors = {k: v.numpy() for k, v in model.factors().items()}
    rebuilt = SpectralLinkModel.from_factors(**factors, normalization=0.4, degree_exponent=0.3,
                                             tau=0.05)
    torch.testing.assert_close(rebuilt.score(all_pairs(40)), model.score(all_pairs(40)))
    assert (rebuilt.rank, rebuilt.num_nodes, rebuilt.tau) == (model.rank, 40, 0.05)
    with pytest.raises(ValueError, match=r"need \(N, r\), \(N, r\), \(N,\)"):
        SpectralLinkModel.from_factors(factors["left"], factors["right"][:, :2], factors["scale"],
                                       normalization=0.4, degree_exponent=0.3, tau=0.05)
    with pytest.raises(RuntimeError, match="fit"):
        SpectralLinkModel().factors()


def test_soft_threshold():
    values = torch.tensor([-5.0, -1.0, 0.5, 3.0])
    torch.testing.assert_close(soft_threshold(values, 1.0), torch.tensor([-4.0, 0.0, 0.0, 2.0]))


@pytest.mark.parametrize("kwargs, match", [
    ({"thresholds": ()}, "thresholds must be a non-empty"),
    ({"thresholds": (-1.0,)}, ">= 0"),
    ({"thresholds": (float("nan"),)}, "finite"),
    ({"normalizations": (-0.5,)}, "normalizations"),
    ({"degree_exponents": (float("inf"),)}, "degree_exponents"),
    ({"degree_exponents": ()}, "degree_exponents"),
    ({"k": 0}, "k must be"),
    ({"max_rank": 0}, "max_rank"),
])
def test_bad_settings_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpectralLinkModel(**kwargs)


def test_bad_inputs_say_what_is_wrong():
    edges = random_graph(10, 0.5)
    one = {"thresholds": (0.1,), "normalizations": (0.5,), "degree_exponents": (0.5,)}
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        SpectralLinkModel(**one).fit(edges[:, :1], 10)
    with pytest.raises(ValueError, match="row 1 has node ids"):
        SpectralLinkModel(**one).fit(torch.tensor([[0, 1], [2, 10]]), 10)
    with pytest.raises(ValueError, match="integers"):
        SpectralLinkModel(**one).fit(edges.double(), 10)
    with pytest.raises(ValueError, match="no training edges"):
        SpectralLinkModel(**one).fit(torch.zeros(0, 2, dtype=torch.long), 10)
    with pytest.raises(ValueError, match="self-loop"):
        SpectralLinkModel(**one).fit(torch.tensor([[1, 1], [3, 3]]), 10)
    with pytest.raises(ValueError, match="valid_pos and valid_neg are needed"):
        SpectralLinkModel().fit(edges, 10)
    with pytest.raises(ValueError, match="at least one pair"):
        SpectralLinkModel().fit(edges, 10, edges[:0], edges)
    with pytest.raises(ValueError, match="limited to"):
        SpectralLinkModel(**one).fit(edges, MAX_NODES + 1)
    with pytest.raises(RuntimeError, match="fit"):
        SpectralLinkModel().score(edges)
    model = SpectralLinkModel(**one).fit(edges, 10)
    with pytest.raises(ValueError, match="pairs: row 0"):
        model.score(torch.tensor([[0, 11]]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_decomposition_on_a_gpu_gives_the_cpu_scores():
    n, edges = 40, random_graph(seed=7)
    one = {"thresholds": (0.2,), "normalizations": (0.4,), "degree_exponents": (0.3,)}
    cpu = SpectralLinkModel(**one).fit(edges, n)
    gpu = SpectralLinkModel(**one, device="cuda").fit(edges, n)
    torch.testing.assert_close(gpu.score(all_pairs(n)), cpu.score(all_pairs(n)), atol=1e-8, rtol=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 2.5}, "k must be an integer >= 1, got 2.5"),  # was cut to 2
    ({"k": True}, "k must be an integer >= 1, got True"),
    ({"max_rank": 2.5}, r"max_rank \(or None\) must be an integer >= 1, got 2.5"),
])
def test_fractional_settings_are_refused_not_truncated(kwargs, message):
    with pytest.raises(ValueError, match=f"SpectralLinkModel: {message}"):
        SpectralLinkModel(**kwargs)


def test_fractional_num_nodes_and_nan_factors_are_refused():
    one = {"thresholds": (0.0,), "normalizations": (0.0,), "degree_exponents": (0.0,)}
    with pytest.raises(ValueError, match="num_nodes must be an integer >= 2, got 5.5"):
        SpectralLinkModel(**one).fit(torch.tensor([[0, 1]]), 5.5)  # was 5 nodes
    left = torch.ones(3, 2)
    left[1, 0] = float("nan")
    with pytest.raises(ValueError, match=r"left\[1, 0\] is nan"):
        SpectralLinkModel.from_factors(left, torch.ones(3, 2), torch.ones(3), normalization=0.0,
                                       degree_exponent=0.0, tau=0.0)
