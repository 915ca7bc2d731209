"""The container every feature extractor returns: one modality for n entities."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def entity_list(values, what: str) -> list:
    """``values`` (one per entity) as a list; a single string is refused, since iterating it
    would make one entity of each character."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what}: expected a sequence with one entry per entity, got a single "
                        f"string {values[:40]!r}; wrap it in a list")
    return list(values)


@dataclass(frozen=True, eq=False)
class ModalityFeatures:
    """Features of one modality (fingerprints, descriptors, text, SMILES embeddings).

    Attributes:
        values: ``(n, d)`` float32; a row whose input was missing or invalid is all zeros.
        mask: ``(n,)`` bool, ``True`` where the modality is present for that entity.
        name: what the features are, e.g. ``"morgan_r2_2048"``.
    """

    values: np.ndarray
    mask: np.ndarray
    name: str

    def __post_init__(self) -> None:
        try:
            values = np.asarray(self.values, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{self.name}: values must be an (n, d) array of numbers "
                             f"({exc})") from None
        mask = np.asarray(self.mask)
        if mask.dtype != bool and mask.size:
            raise ValueError(f"{self.name}: mask must be bool (True where the modality is "
                             f"present), got dtype {mask.dtype}")
        mask = mask.astype(bool)
        if values.ndim != 2:
            raise ValueError(f"{self.name}: values must be 2-D (n, d), got shape {values.shape}")
        if mask.shape != (values.shape[0],):
            raise ValueError(f"{self.name}: mask has shape {mask.shape}, expected ({values.shape[0]},)")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "mask", mask)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def dim(self) -> int:
        return int(self.values.shape[1])

    @property
    def n_missing(self) -> int:
        return int((~self.mask).sum())

    def tensors(self, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(values (n, d) float32, mask (n,) bool)`` as torch tensors on ``device``: the
        pair the fusion modules of :mod:`graphmed.nn.fusion` take per modality."""
        return (torch.as_tensor(self.values, device=device),
                torch.as_tensor(self.mask, device=device))

    def __repr__(self) -> str:
        return (f"ModalityFeatures({self.name!r}, n={len(self)}, dim={self.dim}, "
                f"missing={self.n_missing})")
