"""How new-disease (cold-start) numbers get inflated: two mechanisms, measured.

    python benchmarks/new_disease_pitfalls.py --data-root ../shared/data

Both are rows beside their honest counterparts, on the same folds (10 folds over diseases,
per-disease AUROC / AUPR averaged, as in PROTOCOLS.md), every model with the data set's
similarity views plus the disease text view of the default model:

1. **A label-derived kernel computed from the full label matrix.** A Gaussian
   interaction-profile (GIP) kernel of a held-out disease, built from all labels, encodes
   which drugs treat it. Published code that computes GIP once before cross-validation
   (AMDGT's released preprocessing reads a precomputed ``DiseaseGIP.csv``) does this in
   every protocol. Row ``kronrls, GIP from all labels`` is Kronecker RLS with that kernel;
   ``kronrls`` computes it from each fold's training labels.
2. **A drug's training degree as a feature.** The benchmark data sets list only drugs with
   at least one known indication, so a drug without any training indication must treat a
   held-out disease. A model that can read a drug's training degree learns exactly that
   from held-out training diseases (it is true there too) and ranks such drugs high: an
   artefact of how the data sets were assembled, useless for a truly new disease. Rows
   ``stacked`` and ``stacked + drug degree`` are the same logistic stacker of cold-start
   signals (Kronecker RLS, disease-side kNN votes per similarity view, a drug-smoothed kNN
   vote; z-scored per disease), trained on inner folds that hold out training diseases,
   without and with the degree.

The column ``unseen-drug positives`` is the mean rank quantile (1 = top) of the held-out
associations whose drug has no training association: near .4 for honest models (they
have nothing to go on), far higher for the artefact. graphmed's models take neither path
(GIP is always computed from training labels; no model reads degrees as features).
Each fold's model is seeded with ``seed * 1000 + fold index``; every row records each fold's
fitted model settings. Writes ``benchmarks/results/new_disease_pitfalls.{json,md}``.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from graphmed.datasets import load_dataset
from graphmed.evaluation.evaluator import Evaluator
from graphmed.evaluation.summary import metric_cell
from graphmed.features.entity_modalities import with_text_similarity
from graphmed.io import atomic_write_json
from graphmed.models.base import PairScorer
from graphmed.models.kronrls import KronRLS, kron_rls
from graphmed.results import environment, save_report
from graphmed.similarity import gip_kernel, mean_view, topk_similarity
from graphmed.splits import make_folds
from graphmed.training.cross_validation import fit_fold

RESULTS = Path(__file__).resolve().parent / "results"
#: How each fold's model is seeded (recorded with the results).
MODEL_SEED = "seed * 1000 + fold index"


class FullLabelGIPKronRLS(KronRLS):
    """Kronecker RLS whose GIP kernels come from ``all_labels`` (test labels included).

    Deliberately leaky, for this benchmark only: it shows what a kernel computed before
    cross-validation is worth.
    """

    name = "kronrls-gip-all-labels"

    def __init__(self, all_labels: np.ndarray):
        super().__init__(use_gip=False)
        self.all_labels = np.asarray(all_labels, dtype=np.float64)

    def fit(self, data, part, *, seed: int = 0):
        data = replace(data, drug_similarities={**data.drug_similarities,
                                                "gip": gip_kernel(self.all_labels)},
                       disease_similarities={**data.disease_similarities,
                                             "gip": gip_kernel(self.all_labels.T)})
        return super().fit(data, part, seed=seed)


def _zscore_columns(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean(axis=0)) / (scores.std(axis=0) + 1e-9)


class ColdStartStacker(PairScorer):
    """Logistic regression over cold-start signals, trained on held-out training diseases.

    Signals of a (drug, disease) pair from a training matrix ``Y`` ``(n_drugs, n_diseases)``,
    each z-scored per disease: Kronecker RLS (mean views, ``lambda`` 2), the disease-side kNN
    vote ``Y S_k^T`` for each disease view and ``k`` in (5, 20), and the drug-smoothed vote
    ``K_drug Y S_10^T``; with ``degree``, also ``log(1 + training degree of the drug)`` and
    whether it is positive. Training rows: the pairs of ``inner_folds`` groups of training
    diseases, each scored by signals computed with that group's labels removed.
    """

    name = "stacked"
    uses_validation = False

    def __init__(self, degree: bool = False, inner_folds: int = 5):
        self.degree, self.inner_folds = bool(degree), int(inner_folds)

    def _signals(self, data, labels: np.ndarray) -> np.ndarray:
        drug = mean_view(data.drug_similarities)
        disease = mean_view(data.disease_similarities)
        columns = [kron_rls(drug, disease, labels, [2.0])[0]]
        for view in data.disease_similarities.values():
            for k in (5, 20):
                columns.append(labels @ topk_similarity(view, k).T)
        columns.append(drug @ labels @ topk_similarity(disease, 10).T)
        columns = [_zscore_columns(c) for c in columns]
        if self.degree:
            degree = labels.sum(axis=1, keepdims=True)
            columns += [np.broadcast_to(np.log1p(degree), labels.shape),
                        np.broadcast_to((degree > 0).astype(np.float64), labels.shape)]
        return np.stack(columns, axis=-1)  # (n_drugs, n_diseases, n_signals)

    def fit(self, data, part, *, seed: int = 0) -> "ColdStartStacker":
        labels = part.train_matrix().astype(np.float64)
        diseases = np.flatnonzero(labels.any(axis=0))
        groups = np.array_split(np.random.default_rng(seed).permutation(diseases), self.inner_folds)
        x, y = [], []
        for group in groups:
            inner = labels.copy()
            inner[:, group] = 0.0
            signals = self._signals(data, inner)
            x.append(signals[:, group].reshape(-1, signals.shape[-1]))
            y.append(labels[:, group].reshape(-1))
        model = LogisticRegression(C=1.0, max_iter=1000).fit(np.concatenate(x), np.concatenate(y))
        signals = self._signals(data, labels)
        self.coef_ = model.coef_[0]
        self._scores = signals @ self.coef_ + model.intercept_[0]
        return self

    def config(self) -> dict:
        return {"name": self.name, "degree": self.degree, "inner_folds": self.inner_folds}


#: row -> (honest?, what it is, factory of a fresh model given the data set)
VARIANTS = {
    "kronrls": (True, "Kronecker RLS, GIP from each fold's training labels",
                lambda data: KronRLS()),
    "kronrls, GIP from all labels": (False, "the same with GIP kernels from the full label "
                                            "matrix (computed before cross-validation)",
                                     lambda data: FullLabelGIPKronRLS(data.associations)),
    "stacked": (True, "logistic stacker of cold-start signals", lambda data: ColdStartStacker()),
    "stacked + drug degree": (False, "the same stacker reading each drug's training degree",
                              lambda data: ColdStartStacker(degree=True)),
}


def unseen_drug_quantiles(fold, scores: np.ndarray, associations: np.ndarray) -> list[float]:
    """Rank quantile (1 = top) of each held-out positive whose drug has no training association."""
    seen = np.zeros(fold.shape[0], dtype=bool)
    for part in (fold.train_pos, fold.val_pos):
        seen[part[:, 0]] = True
    out = []
    for disease in fold.held_out_diseases:
        column = scores[:, disease]
        for drug in np.flatnonzero(associations[:, disease] & ~seen):
            out.append(float((column < column[drug]).mean()))
    return out


def run(dataset, name: str, seeds: list[int]) -> dict:
    honest, what, factory = VARIANTS[name]
    evaluator, quantiles, configs = Evaluator(("auroc", "aupr")), [], []
    start = time.perf_counter()
    for seed in seeds:
        for fold in make_folds("new-disease", dataset.associations, seed=seed):
            model_seed = seed * 1000 + fold.index  # MODEL_SEED
            fitted = fit_fold(factory(dataset), dataset, fold, seed=model_seed)
            configs.append({"seed": seed, "fold": fold.index, "model_seed": model_seed,
                            **fitted.config()})
            pairs, labels = fold.test_pairs()
            evaluator.add(seed, fold.index, labels, fitted.score(pairs), groups=pairs[:, 1])
            quantiles += unseen_drug_quantiles(fold, fitted.score_matrix(), dataset.associations)
    return {"honest": honest, "description": what, "metrics": evaluator.summarize().to_dict(),
            "unseen_drug_positive_quantile": float(np.mean(quantiles)) if quantiles else None,
            "n_unseen_drug_positives": len(quantiles), "fold_configs": configs,
            "seconds": time.perf_counter() - start}


def _metric(row: dict, metric: str) -> tuple[float, float]:
    m = row["metrics"]["metrics"][metric]
    return m["fold_mean"], m["fold_std"]


def render(record: dict) -> str:
    lines = ["# New-disease protocol: how cold-start numbers get inflated", "",
             f"Generated by `python benchmarks/new_disease_pitfalls.py`; seeds "
             f"{', '.join(map(str, record['seeds']))} x 10 folds over diseases, fold-mean ± std "
             "of the per-disease AUROC / AUPR. Rows marked **leaky** use information a truly "
             "new disease does not have; they are here to show what it is worth, never as "
             "results. `unseen-drug positives`: mean rank quantile (1 = top) of held-out "
             "associations whose drug has no training association.", ""]
    for name, rows in record["results"].items():
        lines += [f"## {name}", "", "| model | | AUROC | AUPR | unseen-drug positives | what |",
                  "|---|---|---|---|---|---|"]
        for variant, row in rows.items():
            m, quantile = row["metrics"]["metrics"], row["unseen_drug_positive_quantile"]
            lines.append(f"| `{variant}` | {'honest' if row['honest'] else '**leaky**'} | "
                         f"{metric_cell(m['auroc'])} | {metric_cell(m['aupr'])} | "
                         f"{'' if quantile is None else f'{quantile:.3f}'} | {row['description']} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root")
    parser.add_argument("--datasets", nargs="+", default=["fdataset", "cdataset"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    record = {"benchmark": "new_disease_pitfalls", "protocol": "new-disease", "seeds": args.seeds,
              "model_seed": MODEL_SEED, "results": {}, "data_checksums": {},
              "environment": environment()}
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        dataset = load_dataset(name, args.data_root)
        record["data_checksums"][name] = dataset.checksum
        dataset = with_text_similarity(dataset, ("disease",))
        rows = record["results"].setdefault(name, {})
        for variant in VARIANTS:
            rows[variant] = run(dataset, variant, args.seeds)
            (auroc, _), (aupr, _) = _metric(rows[variant], "auroc"), _metric(rows[variant], "aupr")
            quantile = rows[variant]["unseen_drug_positive_quantile"]
            quantile = "n/a" if quantile is None else f"{quantile:.3f}"
            print(f"{name:9s} {variant:30s} AUROC {auroc:.4f}  AUPR {aupr:.4f}  unseen-drug "
                  f"positives {quantile}", flush=True)
            atomic_write_json(args.out / "new_disease_pitfalls.json", record)  # nothing lost if stopped
    print("\n" + save_report(args.out / "new_disease_pitfalls", record, render))
    return 0


if __name__ == "__main__":
    sys.exit(main())
