"""check_settings: each rule, its boundaries and the message."""
import math

import pytest

from graphmed.checks import check_settings


@pytest.mark.parametrize("rule, value, ok", [
    ("at_least", (1, 1), True), ("at_least", (0, 1), False), ("at_least", (True, 1), False),
    ("at_least", (2.0, 1), False), ("positive", 1e-9, True), ("positive", 0.0, False),
    ("positive", math.inf, False), ("positive", "1", False), ("non_negative", 0.0, True),
    ("non_negative", -1e-9, False), ("fractions", 0.0, True), ("fractions", 1.0, False),
    ("shares", 1.0, True), ("shares", 0.0, False), ("shares", math.nan, False),
])
def test_rules_and_boundaries(rule, value, ok):
    if ok:
        check_settings("M", **{rule: {"x": value}})
    else:
        with pytest.raises(ValueError, match=r"^M: x must be "):
            check_settings("M", **{rule: {"x": value}})


def test_message_names_the_first_bad_setting_without_an_owner():
    with pytest.raises(ValueError, match=r"^b must be an integer >= 2, got 1$"):
        check_settings(at_least={"a": (3, 2), "b": (1, 2), "c": (0, 2)})
