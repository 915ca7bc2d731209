"""Unpickling that builds only an allow-list of classes, so reading a data file never runs code."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from graphmed.errors import DataFormatError


def numpy_globals() -> dict[tuple[str, str], Any]:
    """What a pickle needs to rebuild numpy arrays, under both numpy 1 and 2 module names."""
    reconstruct = np.ndarray.__reduce__(np.zeros(0))[0]  # numpy's array rebuilder, any version
    return {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): reconstruct,
    }


class RestrictedUnpickler(pickle.Unpickler):
    """Builds only the ``(module, name)`` globals in ``allowed``; anything else, and any
    persistent reference, raises :class:`DataFormatError` naming ``source``.

    Args:
        allowed: ``(module, name) -> object`` the pickle may refer to.
        what: the kind of file, for messages (e.g. ``"a Planetoid file"``).
    """

    def __init__(self, file, source: Path, allowed: dict[tuple[str, str], Any], what: str):
        super().__init__(file, encoding="latin1")
        self.source, self.allowed, self.what = source, allowed, what

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise DataFormatError(f"pickle refers to {module}.{name}, which {self.what} never "
                                  "holds; refusing to load it", source=self.source) from None

    def persistent_load(self, pid: Any) -> Any:
        raise DataFormatError(f"pickle holds a persistent reference, which {self.what} never "
                              "holds; refusing to load it", source=self.source)
