"""Shared argument checks of the layers."""
from __future__ import annotations

import pytest
import torch

from graphmed.nn._checks import check_finite


def test_finite_features_are_read_once_until_written_to():
    x = torch.ones(4, 3)
    check_finite(x, "x")
    check_finite(x, "x")  # remembered
    x[2, 1] = float("nan")  # an in-place write: read again
    with pytest.raises(ValueError, match=r"x\[2, 1\] is nan: x must be finite"):
        check_finite(x, "x")
    row = torch.ones(4, 3)
    check_finite(row, "row")
    row[0].fill_(float("inf"))  # through a view
    with pytest.raises(ValueError, match=r"row\[0, 0\] is inf"):
        check_finite(row, "row")


def test_tensors_that_require_gradients_are_read_every_time():
    w = torch.ones(3, requires_grad=True)
    check_finite(w, "w")
    with torch.no_grad():
        w[1] = float("nan")
    with pytest.raises(ValueError, match=r"w\[1\] is nan"):
        check_finite(w, "w")


def test_rows_restrict_the_check_and_are_part_of_what_is_remembered():
    values = torch.ones(3, 2)
    values[1, 0] = float("nan")
    absent = torch.tensor([True, False, True])
    check_finite(values, "v", rows=absent)  # the NaN row is never read
    check_finite(values, "v", rows=absent)
    present = torch.tensor([True, True, True])
    with pytest.raises(ValueError, match=r"v\[1, 0\] is nan"):
        check_finite(values, "v", rows=present)
    absent[1] = True  # the mask written to in place: read again
    with pytest.raises(ValueError, match=r"v\[1, 0\] is nan"):
        check_finite(values, "v", rows=absent)
