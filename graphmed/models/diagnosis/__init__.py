"""Diagnosis models: multi-label categories of held-out patients' units.

Baselines (label prior, logistic regression and MLP on bag-of-codes, a plain
heterogeneous GCN, HGT) and the Trans4DD-style model, all fitted on a
:class:`~graphmed.tasks.diagnosis.DiagnosisTask`.
"""
from __future__ import annotations

from typing import Callable

from graphmed.errors import UnknownNameError
from graphmed.models.diagnosis.base import DiagnosisModel, TorchDiagnosisModel, TrainConfig
from graphmed.models.diagnosis.hetero_gcn import HeteroGraphClassifier
from graphmed.models.diagnosis.logistic import (INDICATION_SETTINGS, TEXT_CODES_SETTINGS,
                                                BagOfCodesLogistic)
from graphmed.models.diagnosis.mlp import BagOfCodesMLP
from graphmed.models.diagnosis.prior import LabelPrior
from graphmed.models.diagnosis.trans4dd import Trans4DD

#: Names used by the benchmark -> factories.
DIAGNOSIS_MODELS: dict[str, Callable[..., DiagnosisModel]] = {
    "label-prior": LabelPrior,
    "logistic-bag-of-codes": BagOfCodesLogistic,
    "logistic-text-codes": lambda **kw: BagOfCodesLogistic(**{**TEXT_CODES_SETTINGS, **kw}),
    "logistic-indications": lambda **kw: BagOfCodesLogistic(**{**INDICATION_SETTINGS, **kw}),
    "mlp-bag-of-codes": BagOfCodesMLP,
    "hetero-gcn": lambda **kw: HeteroGraphClassifier("gcn", **kw),
    "hgt": lambda **kw: HeteroGraphClassifier("hgt", **kw),
    "trans4dd": Trans4DD,
}


def make_diagnosis_model(name: str, **kwargs) -> DiagnosisModel:
    """A fresh diagnosis model by name (a key of :data:`DIAGNOSIS_MODELS`)."""
    key = name.strip().lower()
    if key not in DIAGNOSIS_MODELS:
        raise UnknownNameError(f"unknown diagnosis model {name!r}; known: {', '.join(DIAGNOSIS_MODELS)}")
    return DIAGNOSIS_MODELS[key](**kwargs)


__all__ = ["BagOfCodesLogistic", "BagOfCodesMLP", "DIAGNOSIS_MODELS", "DiagnosisModel",
           "HeteroGraphClassifier", "LabelPrior", "TorchDiagnosisModel", "TrainConfig", "Trans4DD",
           "make_diagnosis_model"]
