"""Range checks of settings, shared by the constructors that take them.

>>> check_settings("Model", at_least={"layers": (2, 1)}, fractions={"dropout": 0.5})
>>> check_settings("Model", at_least={"layers": (0, 1)})
Traceback (most recent call last):
    ...
ValueError: Model: layers must be an integer >= 1, got 0
"""
from __future__ import annotations

import difflib
import inspect
import math
import numbers
from typing import Iterable, Mapping


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def check_settings(owner: str | None = None, *,
                   at_least: Mapping[str, tuple[object, int]] | None = None,
                   positive: Mapping[str, object] | None = None,
                   non_negative: Mapping[str, object] | None = None,
                   fractions: Mapping[str, object] | None = None,
                   shares: Mapping[str, object] | None = None) -> None:
    """Raise ``ValueError`` naming ``owner`` and the first setting out of its range.

    Args:
        owner: prefix of the message (e.g. the class name); none when ``None``.
        at_least: name -> ``(value, lowest)``: an integer ``>= lowest``.
        positive: name -> value: a finite number ``> 0``.
        non_negative: name -> value: a finite number ``>= 0``.
        fractions: name -> value in ``[0, 1)`` (e.g. a dropout rate).
        shares: name -> value in ``(0, 1]``.
    """
    prefix = f"{owner}: " if owner else ""
    for name, (value, lowest) in (at_least or {}).items():
        if not _is_integer(value) or value < lowest:
            raise ValueError(f"{prefix}{name} must be an integer >= {lowest}, got {value!r}")
    rules = ((positive, lambda v: v > 0, "a finite number > 0"),
             (non_negative, lambda v: v >= 0, "a finite number >= 0"),
             (fractions, lambda v: 0 <= v < 1, "in [0, 1)"),
             (shares, lambda v: 0 < v <= 1, "in (0, 1]"))
    for values, inside, wanted in rules:
        for name, value in (values or {}).items():
            if not (_is_number(value) and inside(value)):
                raise ValueError(f"{prefix}{name} must be {wanted}, got {value!r}")


__all__ = ["check_settings"]


def constructor_settings(cls: type) -> list[str]:
    """The named keyword arguments ``cls(...)`` takes (its ``__init__``'s), sorted."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return sorted(p.name for p in parameters if p.name != "self"
                  and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def settings_hint(key: str, known: Iterable[str], whose: str = "its") -> str:
    """`` (did you mean 'hidden'?); its settings: a, b, ...`` for a misspelt ``key``."""
    known = sorted(set(known))
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; {whose} settings: {', '.join(known)}"


def unknown_setting(key: str, known: Iterable[str], whose: str = "its") -> str:
    """``unknown setting 'hiden' (did you mean 'hidden'?); its settings: a, b, ...``."""
    return f"unknown setting {key!r}{settings_hint(key, known, whose)}"
