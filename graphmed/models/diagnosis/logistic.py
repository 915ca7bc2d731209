"""Logistic regression on bag-of-codes: one L2-regularised classifier per category."""
from __future__ import annotations

import numbers
import warnings
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm

from graphmed.checks import check_settings
from graphmed.models.diagnosis.base import DiagnosisModel, validation_score
from graphmed.models.diagnosis.inputs import indication_codes, lsa_codes, text_codes
from graphmed.tasks.diagnosis import DiagnosisTask

DEFAULT_CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: Settings of ``logistic-text-codes``: the codes' text weighted 2 against the 0/1 codes
#: (chosen on validation patients, see docs/diagnosis.md).
TEXT_CODES_SETTINGS = {"text_weight": 2.0}
#: Settings of ``logistic-indications``: those of ``logistic-text-codes`` and the drugs' known
#: indications weighted 2 (chosen on validation patients, see docs/diagnosis.md).
INDICATION_SETTINGS = {**TEXT_CODES_SETTINGS, "indication_weight": 2.0}
#: Features with at most this share of non-zeros are fitted as a sparse matrix.
SPARSE_BELOW = 0.25


class BagOfCodesLogistic(DiagnosisModel):
    """One-vs-rest logistic regression on :meth:`DiagnosisTask.bag_of_codes` (drugs,
    procedures, any lab results, patient sex and age); the inverse regularisation ``C`` is chosen from ``cs``
    by validation macro AUROC, then the model is refitted on the training units alone.

    ``text_weight > 0`` appends ``text_weight`` times the units' text-projected codes
    (:func:`~graphmed.models.diagnosis.inputs.text_codes`; needs text features on the drug or
    procedure nodes); a larger weight means less regularisation of those columns.
    ``lsa_components > 0`` appends ``lsa_weight`` times that many dimensions of the latent
    semantic analysis of all units' codes (:func:`~graphmed.models.diagnosis.inputs.lsa_codes`,
    label-free). Measured on validation patients only (MIMIC-IV demo, seeds 0-2, each fold's
    validation patients split in halves, ``benchmarks/diagnosis_validation.py``; mean over
    halves / pooled): 16 components weighted 3 score .686 / .681 against .677 / .670 for
    the codes alone; with the script's ``carve`` scheme (validation parts of the benchmark's
    size) .679 against .675, and .680 against .679 beside the codes' text
    (``text_weight=2``); not yet measured on test patients.

    ``indication_weight > 0`` gives the classifier of each category one more column,
    ``indication_weight`` times :func:`~graphmed.models.diagnosis.inputs.indication_codes`
    for that category (how much of the unit's drugs' known indications falls in it; needs
    :func:`graphmed.ehr.indications.add_indication_categories` on the graph): one weight per
    category for prior knowledge, not 22 for every classifier."""

    name = "logistic-bag-of-codes"

    def __init__(self, cs: Sequence[float] = DEFAULT_CS, max_iter: int = 500,
                 text_weight: float = 0.0, lsa_components: int = 0, lsa_weight: float = 1.0,
                 indication_weight: float = 0.0):
        cs = (cs,) if isinstance(cs, numbers.Real) else tuple(cs)
        if not cs:
            raise ValueError("BagOfCodesLogistic: cs must hold one or more values of C")
        check_settings("BagOfCodesLogistic", at_least={"max_iter": (max_iter, 1),
                                                       "lsa_components": (lsa_components, 0)},
                       positive={**{f"cs[{i}]": c for i, c in enumerate(cs)},
                                 "lsa_weight": lsa_weight},
                       non_negative={"text_weight": text_weight,
                                     "indication_weight": indication_weight})
        self.cs, self.max_iter = tuple(float(c) for c in cs), int(max_iter)
        self.text_weight = float(text_weight)
        self.lsa_components, self.lsa_weight = int(lsa_components), float(lsa_weight)
        self.indication_weight = float(indication_weight)
        self._indications: np.ndarray | None = None
        self.models: list[LogisticRegression] | None = None
        self.best_c: float | None = None
        self._cached: tuple[DiagnosisTask, np.ndarray | sparse.csr_matrix] | None = None

    def _features(self, task: DiagnosisTask):
        """``(n_units, f)`` features of every unit of ``task``, kept for the last task seen;
        sparse when at most :data:`SPARSE_BELOW` of them are non-zero (codes alone: the
        solver then scales with the codes present, not with the columns; a fold's fits on
        ten copies of the MIMIC-IV demo take 0.9 s instead of 24.5 s), dense otherwise. The
        codes are never held as a dense array on the sparse path."""
        if self._cached is None or self._cached[0] is not task:
            codes = task.bag_of_codes(sparse=True)
            blocks = [codes]
            if self.text_weight > 0.0:
                blocks.append(self.text_weight * text_codes(task))
            if self.lsa_components > 0:
                blocks.append(self.lsa_weight * lsa_codes(task, self.lsa_components))
            n_rows = codes.shape[0]
            n_cols = sum(b.shape[1] for b in blocks)
            nonzeros = codes.nnz + sum(int(np.count_nonzero(b)) for b in blocks[1:])
            if nonzeros <= SPARSE_BELOW * n_rows * n_cols:
                x = sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")
            else:
                x = np.concatenate([codes.toarray(), *blocks[1:]], axis=1)
            self._indications = (self.indication_weight * indication_codes(task)
                                 if self.indication_weight > 0.0 else None)
            self._cached = (task, x)
        return self._cached[1]

    def _rows(self, task: DiagnosisTask, units: np.ndarray):
        """``(features, per-category columns or None)`` of ``units``."""
        x = self._features(task)
        return x[units], None if self._indications is None else self._indications[units]

    @staticmethod
    def _with_column(x, extra: np.ndarray | None, k: int):
        """``x`` with category ``k``'s own column of ``extra`` appended (``x`` if none)."""
        if extra is None:
            return x
        column = extra[:, k:k + 1]
        if sparse.issparse(x):
            return sparse.hstack([x, sparse.csr_matrix(column)], format="csr")
        return np.concatenate([x, column], axis=1)

    def _fit_one(self, x, extra, y: np.ndarray, k: int, c: float, seed: int) -> LogisticRegression:
        """Category ``k``'s classifier: ``y`` ``(n,)`` on ``x`` with ``k``'s column of ``extra``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return LogisticRegression(C=c, max_iter=self.max_iter, random_state=seed).fit(
                self._with_column(x, extra, k), y)

    def _fit_c(self, x, extra, y: np.ndarray, c: float, seed: int,
               bar=None) -> list[LogisticRegression]:
        models = []
        for k in range(y.shape[1]):
            models.append(self._fit_one(x, extra, y[:, k], k, c, seed))
            if bar is not None:
                bar.update()
        return models

    def _proba(self, models, x, extra) -> np.ndarray:
        return np.stack([m.predict_proba(self._with_column(x, extra, k))[:, 1]
                         for k, m in enumerate(models)], axis=1)

    def fit(self, task: DiagnosisTask, *, seed: int = 0) -> "BagOfCodesLogistic":
        self._remember(task)
        train, val = self._rows(task, task.train_units), self._rows(task, task.val_units)
        self.validation_scores = {}
        best = None
        bar = tqdm(total=len(self.cs) * task.num_categories, desc=f"{self.name} fits",
                   disable=not self.progress, leave=False, unit="fit")
        for c in self.cs:
            models = self._fit_c(*train, task.train_labels, c, seed, bar)
            score = validation_score(task.val_labels, self._proba(models, *val))
            self.validation_scores[c] = score
            if best is None or score > best[0] + 1e-9:
                best = (score, c, models)
        bar.close()
        _, self.best_c, self.models = best
        return self

    def cross_fitted(self, task: DiagnosisTask, folds: int = 5, *, seed: int = 0) -> np.ndarray:
        """``(len(task.train_units), c)`` probabilities of the training units, each from a fit
        (at the chosen ``C``) on the training units of the other patients: ``folds`` groups of
        training patients, drawn with ``seed``. What a model stacked on this one may learn
        from: the training units' own fitted probabilities are closer to their labels than any
        new unit's will be. A category with one class only in a fit's units gets that fit's
        share of positives."""
        self._checked_units(task, task.train_units)  # fitted, and on this task
        check_settings("BagOfCodesLogistic.cross_fitted", at_least={"folds": (folds, 2)})
        patients = task.unit_patient[task.train_units]
        unique = np.unique(patients)
        if unique.size < folds:
            raise ValueError(f"cross_fitted: {folds} folds need at least {folds} training "
                             f"patients, the task has {unique.size}")
        group = np.empty(unique.size, dtype=np.int64)
        group[np.random.default_rng(seed).permutation(unique.size)] = np.arange(unique.size) % folds
        unit_group = group[np.searchsorted(unique, patients)]
        x, extra = self._rows(task, task.train_units)
        y = task.train_labels
        out = np.zeros(y.shape)
        for g in range(folds):
            held, kept = unit_group == g, unit_group != g
            fit_rows = (x[kept], None if extra is None else extra[kept])
            held_rows = (x[held], None if extra is None else extra[held])
            for k in range(y.shape[1]):
                yk = y[kept, k]
                if yk.min() == yk.max():
                    out[held, k] = yk.mean()
                else:
                    model = self._fit_one(*fit_rows, yk, k, self.best_c, seed)
                    out[held, k] = model.predict_proba(self._with_column(*held_rows, k))[:, 1]
        return out

    def predict(self, task: DiagnosisTask, units: np.ndarray) -> np.ndarray:
        units = self._checked_units(task, units)
        if units.size == 0:
            return np.zeros((0, task.num_categories))
        return self._proba(self.models, *self._rows(task, units))

    def config(self) -> dict:
        return {"cs": list(self.cs), "max_iter": self.max_iter, "text_weight": self.text_weight,
                "lsa_components": self.lsa_components, "lsa_weight": self.lsa_weight,
                "indication_weight": self.indication_weight}
