"""Errors of the feature extractors: a missing optional package, a missing model."""
from __future__ import annotations

import importlib
from types import ModuleType

from graphmed.errors import GraphmedError

INSTALL_HINT = 'pip install "graphmed[features]"'


class MissingDependencyError(GraphmedError, ImportError):
    """An optional package that a feature extractor needs is not installed."""


class ModelNotFoundError(GraphmedError, FileNotFoundError):
    """A model folder is missing or is not a Hugging Face model folder."""


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` saying how to install it.

    Args:
        module: dotted module name, e.g. ``"rdkit.Chem"``.
        purpose: what it is needed for, e.g. ``"Morgan fingerprints"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".")[0]
        raise MissingDependencyError(f"{purpose} need the optional package {package!r}, which is "
                                     f"not installed ({exc}); install it with: {INSTALL_HINT}") from None
