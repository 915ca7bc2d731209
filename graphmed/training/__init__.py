"""Fitting models under a protocol: cross-validation, timing and memory."""
from graphmed.training.cross_validation import CrossValidationResult, cross_validate, fit_fold
from graphmed.training.memory import PeakMemory

__all__ = ["CrossValidationResult", "PeakMemory", "cross_validate", "fit_fold"]
