"""The summary helpers other modules share: spread over seeds and JSON-safe numbers."""
import math

import numpy as np

from graphmed.evaluation.summary import finite_or_none, metric_cell, spread


def test_spread_is_the_sample_standard_deviation():
    values = np.array([0.5, 0.7, 0.9])
    assert spread(values, 1) == np.std(values, ddof=1)
    assert spread(values, 0) == np.std(values)


def test_spread_of_too_few_values_is_nan():
    assert math.isnan(spread(np.array([0.8]), 1))
    assert math.isnan(spread(np.array([]), 0))


def test_finite_or_none_maps_nan_and_inf_to_none():
    assert finite_or_none(0.25) == 0.25
    assert finite_or_none(math.nan) is None
    assert finite_or_none(math.inf) is None


def test_metric_cell_of_a_missing_mean():
    assert metric_cell({"fold_mean": None, "fold_std": None}) == "n/a"
    assert metric_cell({"fold_mean": 0.9512, "fold_std": 0.0031}, digits=3).startswith("0.951")
