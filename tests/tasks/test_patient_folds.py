"""Patient folds: every patient in one test part, parts disjoint, seeded, checked when made."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.tasks.patient_folds import PatientFold, patient_folds


def test_patient_folds_partition_patients():
    folds = patient_folds(23, 5, seed=3)
    tests = np.concatenate([f.test for f in folds])
    assert np.array_equal(np.sort(tests), np.arange(23))
    for f in folds:
        assert np.intersect1d(f.train, f.val).size == 0
        assert np.intersect1d(f.train, f.test).size == 0
        assert np.intersect1d(f.val, f.test).size == 0
        assert f.train.size + f.val.size + f.test.size == 23
        assert f.val.size == round(0.2 * (23 - f.test.size))
    again = patient_folds(23, 5, seed=3)
    assert all(np.array_equal(a.val, b.val) and np.array_equal(a.test, b.test)
               for a, b in zip(folds, again))
    other = patient_folds(23, 5, seed=4)
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(folds, other))


def test_patient_folds_reject_bad_arguments():
    with pytest.raises(ValueError):
        patient_folds(3, 5)
    with pytest.raises(ValueError):
        patient_folds(10, 5, val_fraction=0.0)
    for n_patients in (100.5, "100"):
        with pytest.raises(ValueError, match="n_patients must be an integer >= 2"):
            patient_folds(n_patients, 5)
    with pytest.raises(ValueError, match="more than one part"):
        PatientFold(0, 0, np.array([1, 2]), np.array([2]), np.array([3]))
    for bad in ([-1, 2], [1.5, 2]):  # -1 read the last patient; 1.5 was truncated
        with pytest.raises(ValueError, match="fold part 'train' must hold patient indices"):
            PatientFold(0, 0, np.array(bad), np.array([4]), np.array([3]))
