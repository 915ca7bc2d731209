"""Errors of the feature extractors: a missing optional package, a missing model."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from graphmed.errors import GraphmedError, MissingDependencyError

INSTALL_HINT = 'pip install "graphmed[features]"'


class ModelNotFoundError(GraphmedError, FileNotFoundError):
    """A model folder is missing or is not a Hugging Face model folder."""


def _missing(module: str, purpose: str, reason: str) -> MissingDependencyError:
    package = module.split(".")[0]
    return MissingDependencyError(f"{purpose}: the optional package {package!r} is not installed "
                                  f"({reason}); install it with: {INSTALL_HINT}")


def check_installed(module: str, purpose: str) -> None:
    """Raise :class:`MissingDependencyError` unless ``module`` can be imported; does not import it."""
    try:
        found = sys.modules.get(module, True) is not None and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise _missing(module, purpose, f"no module named {module!r}")


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` saying how to install it.

    Args:
        module: dotted module name, e.g. ``"rdkit.Chem"``.
        purpose: what needs it, e.g. ``"Morgan fingerprints"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise _missing(module, purpose, str(exc)) from None
