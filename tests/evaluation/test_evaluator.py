import json
import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from graphmed.evaluation import (EvaluationSummary, Evaluator, aupr, hits_at_k, markdown_table,
                                 metric_cell, mrr, precision_at_k, resolve_metrics)

# 2 seeds x 2 folds with AUROC known by hand
RUNS = {
    (0, 0): ([1, 0], [0.9, 0.1]),              # 1.0
    (0, 1): ([1, 0], [0.1, 0.9]),              # 0.0
    (1, 0): ([1, 0, 0], [0.8, 0.5, 0.2]),      # 1.0
    (1, 1): ([1, 1, 0], [0.3, 0.7, 0.5]),      # 0.5
}
# pooled seed 0: positives {0.9, 0.1} vs negatives {0.1, 0.9}: (1 + .5 + .5 + 0) / 4 = 0.5
# pooled seed 1: positives {.8, .3, .7} vs negatives {.5, .2, .5}: (3 + 1 + 3) / 9 = 7/9


def _filled(metrics=("auroc", "aupr"), **kwargs):
    ev = Evaluator(metrics, **kwargs)
    for (seed, fold), (labels, scores) in reversed(list(RUNS.items())):  # order must not matter
        ev.add(seed, fold, labels, scores)
    return ev


def test_aggregation_by_hand():
    summary = _filled().summarize()
    assert summary.seeds == (0, 1)
    assert [(r.seed, r.fold) for r in summary.runs] == sorted(RUNS)
    assert [r.n_items for r in summary.runs] == [2, 2, 3, 3]
    assert [r.n_positives for r in summary.runs] == [1, 1, 1, 2]
    m = summary.metrics["auroc"]
    assert m.folds == (1.0, 0.0, 1.0, 0.5)
    assert m.fold_mean == pytest.approx(0.625)
    assert m.fold_std == pytest.approx(math.sqrt(0.171875))  # population std
    assert m.pooled == pytest.approx((0.5, 7 / 9))
    assert m.pooled_mean == pytest.approx(23 / 36)
    assert m.pooled_std == pytest.approx(5 / 36)


def test_aupr_pooled_is_metric_on_concatenation():
    summary = _filled().summarize()
    for i, seed in enumerate(summary.seeds):
        y = np.concatenate([RUNS[(seed, f)][0] for f in (0, 1)])
        s = np.concatenate([RUNS[(seed, f)][1] for f in (0, 1)])
        assert summary.metrics["aupr"].pooled[i] == pytest.approx(average_precision_score(y, s))
    folds = [average_precision_score(*RUNS[k]) for k in sorted(RUNS)]
    assert summary.metrics["aupr"].folds == pytest.approx(folds)


def test_sample_std_and_single_seed():
    summary = _filled(ddof=1).summarize()
    assert summary.metrics["auroc"].pooled_std == pytest.approx(5 / 36 * math.sqrt(2))
    ev = Evaluator(ddof=1)
    ev.add(0, 0, *RUNS[(0, 0)])
    one = ev.summarize()
    assert math.isnan(one.metrics["auroc"].pooled_std)
    data = json.loads(json.dumps(one.to_dict(), allow_nan=False))
    assert data["metrics"]["auroc"]["pooled_std"] is None
    assert math.isnan(EvaluationSummary.from_dict(data).metrics["auroc"].pooled_std)


def test_add_returns_fold_values():
    ev = Evaluator(["auroc", "precision@1", "recall@2"])
    values = ev.add(1, 1, *RUNS[(1, 1)])
    assert values == {"auroc": 0.5, "precision@1": 1.0, "recall@2": 0.5}
    assert len(ev) == 1


def test_json_round_trip():
    summary = _filled(["auroc", "aupr", "precision@2", "recall@2"]).summarize()
    text = json.dumps(summary.to_dict(), allow_nan=False)
    back = EvaluationSummary.from_dict(json.loads(text))
    assert back == summary
    assert list(back.metrics) == ["auroc", "aupr", "precision@2", "recall@2"]
    assert _filled().to_dict() == _filled().summarize().to_dict()


def test_from_dict_names_what_is_wrong():
    from graphmed.errors import DataFormatError

    good = _filled().summarize().to_dict()
    no_runs = {k: v for k, v in good.items() if k != "runs"}
    with pytest.raises(DataFormatError, match="not an evaluation summary: no 'runs' entry"):
        EvaluationSummary.from_dict(no_runs)
    with pytest.raises(DataFormatError, match="not an evaluation summary"):
        EvaluationSummary.from_dict({**good, "seeds": ["zero"]})
    with pytest.raises(DataFormatError, match="not an evaluation summary"):
        EvaluationSummary.from_dict({**good, "metrics": [1, 2]})


def test_markdown():
    summary = _filled().summarize()
    table = summary.to_markdown()
    assert table.splitlines()[0] == "| metric | pooled (2 seeds) | folds (4 runs) |"
    assert "| auroc | 0.6389 ± 0.1389 | 0.6250 ± 0.4146 |" in table
    assert summary.markdown_row("model", "fold", 2, ["auroc"]) == "| model | 0.62 ± 0.41 |"
    multi = markdown_table({"a": summary, "b": summary}, metrics=["auroc"], digits=3)
    assert multi.splitlines() == ["|  | auroc |", "|---|---|",
                                  "| a | 0.639 ± 0.139 |", "| b | 0.639 ± 0.139 |"]
    with pytest.raises(ValueError, match="which"):
        summary.markdown_row("x", which="mean")
    for digits in (-1, 2.5):  # -1 was Python's "Format specifier missing precision"
        with pytest.raises(ValueError, match=f"digits must be an integer >= 0, got {digits}"):
            summary.to_markdown(digits)


def test_grouped_by_hand():
    ev = Evaluator(["auroc"])
    # fold 0: group 0 -> 1.0, group 1 -> 0.0
    assert ev.add(0, 0, [1, 0, 1, 0], [.9, .1, .2, .8], groups=[0, 0, 1, 1]) == {"auroc": 0.5}
    # fold 1: group 2 -> 1.0, group 3 has no negative and is skipped
    assert ev.add(0, 1, [1, 0, 0, 1, 1], [.5, .4, .3, .1, .2], groups=[2, 2, 2, 3, 3]) == {"auroc": 1.0}
    summary = ev.summarize()
    assert summary.grouped
    assert [r.n_groups for r in summary.runs] == [2, 1]
    m = summary.metrics["auroc"]
    assert m.folds == (0.5, 1.0)
    assert m.fold_mean == 0.75
    assert m.pooled == pytest.approx((2 / 3,))  # mean over the 3 groups of the seed
    assert m.pooled_std == 0.0
    back = EvaluationSummary.from_dict(json.loads(json.dumps(summary.to_dict())))
    assert back == summary


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_folds_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    ev = Evaluator(["auroc", "aupr", "mrr", "hits@5"])
    data = {}
    for s in range(3):
        for f in range(5):
            y = rng.integers(0, 2, 60)
            y[:2] = [0, 1]
            x = np.round(rng.normal(size=60) + y, 1)
            data[(s, f)] = (y, x)
            ev.add(s, f, y, x)
    summary = ev.summarize()
    keys = sorted(data)
    folds = [roc_auc_score(*data[k]) for k in keys]
    assert summary.metrics["auroc"].folds == pytest.approx(folds)
    assert summary.metrics["auroc"].fold_std == pytest.approx(np.std(folds))
    pooled = [roc_auc_score(np.concatenate([data[(s, f)][0] for f in range(5)]),
                            np.concatenate([data[(s, f)][1] for f in range(5)])) for s in range(3)]
    assert summary.metrics["auroc"].pooled == pytest.approx(pooled)
    assert summary.metrics["auroc"].pooled_mean == pytest.approx(np.mean(pooled))
    y, x = data[keys[0]]
    assert summary.metrics["mrr"].folds[0] == pytest.approx(mrr(x[y == 1], x[y == 0]))
    assert summary.metrics["hits@5"].folds[0] == pytest.approx(hits_at_k(x[y == 1], x[y == 0], 5))


def test_custom_metric_mapping():
    ev = Evaluator({"ap": aupr, "top": lambda y, s: precision_at_k(y, s, 1)})
    ev.add(0, 0, *RUNS[(0, 0)])
    assert ev.summarize().metrics["top"].folds == (1.0,)


def test_errors():
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        Evaluator(["auc"])
    with pytest.raises(ValueError, match="unknown metric"):
        resolve_metrics(["precision@0"])
    with pytest.raises(ValueError, match="at least one"):
        Evaluator([])
    with pytest.raises(ValueError, match="ddof"):
        Evaluator(ddof=-1)
    ev = Evaluator()
    with pytest.raises(ValueError, match="no run"):
        ev.summarize()
    ev.add(0, 0, *RUNS[(0, 0)])
    with pytest.raises(ValueError, match="already added"):
        ev.add(0, 0, *RUNS[(0, 0)])
    with pytest.raises(ValueError, match="group ids"):
        ev.add(0, 1, [1, 0], [0.1, 0.2], groups=[0, 0])
    with pytest.raises(ValueError, match="seed 0, fold 2, metric 'auroc'.*no negative"):
        ev.add(0, 2, [1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        ev.add(0, 3, [1, 0], [0.1])
    with pytest.raises(ValueError, match="seed must be an integer"):
        ev.add(0.5, 0, [1, 0], [0.1, 0.2])
    assert len(ev) == 1  # failed adds leave nothing behind
    grouped = Evaluator()
    with pytest.raises(ValueError, match="no group"):
        grouped.add(0, 0, [1, 0], [0.1, 0.2], groups=[0, 1])


def test_metric_cell_formats_a_saved_metric():
    from graphmed.evaluation import metric_cell

    saved = {"fold_mean": 0.91234, "fold_std": 0.0123, "pooled_mean": None, "pooled_std": None}
    assert metric_cell(saved) == "0.9123 ± 0.0123"
    assert metric_cell(saved, "fold", digits=3) == "0.912 ± 0.012"
    assert metric_cell(saved, "pooled") == "n/a"
    assert metric_cell({"fold_mean": 0.5, "fold_std": None}) == "0.5000"


@pytest.mark.parametrize("entry", [aupr, 3])
def test_metric_names_must_be_strings(entry):
    with pytest.raises(TypeError, match="metrics must be names such as 'auroc'"):
        resolve_metrics(["auroc", entry])


def test_tables_name_a_metric_the_summary_lacks():
    summary = _filled().summarize()
    with pytest.raises(ValueError, match="no metric 'mrr' in this summary; it has auroc, aupr"):
        summary.markdown_row("model", metrics=["auroc", "mrr"])
    with pytest.raises(ValueError, match="no metric 'mrr' in this summary"):
        markdown_table({"model": summary}, metrics=["mrr"])
    assert markdown_table({"model": summary}, metrics="aupr").splitlines()[0] == "|  | aupr |"
    with pytest.raises(ValueError, match="which must be 'pooled' or 'fold', got 'folds'"):
        metric_cell(summary.to_dict()["metrics"]["auroc"], "folds")
