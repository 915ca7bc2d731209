"""Molecular features from SMILES with RDKit: Morgan fingerprints, descriptors, Tanimoto.

Morgan (extended-connectivity) fingerprints: Rogers & Hahn, "Extended-Connectivity
Fingerprints", J Chem Inf Model 50(5):742 (2010); radius 2 is ECFP4.

A missing or unparsable SMILES follows ``on_invalid``: ``"raise"`` stops with a
:class:`~graphmed.errors.DataFormatError` naming the row, the id and the SMILES;
``"mask"`` gives that entity a zero row and ``mask=False`` (and logs how many).
"""
from __future__ import annotations

import contextlib
import logging
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from graphmed.checks import check_settings
from graphmed.errors import DataFormatError
from graphmed.features.errors import require
from graphmed.features.modality import ModalityFeatures, entity_list

logger = logging.getLogger(__name__)

ON_INVALID = ("raise", "mask")


def _rdkit(purpose: str):
    chem = require("rdkit.Chem", purpose)
    rdbase = require("rdkit.rdBase", purpose)
    return chem, getattr(rdbase, "BlockLogs", contextlib.nullcontext)


def _text(value) -> str | None:
    """A SMILES cell as a stripped string, ``None`` when missing (None, NaN, <NA>, blank)."""
    if not isinstance(value, str):
        if value is None or pd.isna(value):
            return None
        value = str(value)
    return value.strip() or None


def parse_smiles(smiles: Sequence[str | None], *, ids: Sequence | None = None,
                 on_invalid: str = "raise", source: str = "SMILES") -> tuple[list, np.ndarray]:
    """Parse SMILES with RDKit.

    Args:
        smiles: ``n`` strings; ``None``, NaN, ``<NA>`` or blank mean missing.
        ids: ``n`` entity ids, quoted in error messages and warnings.
        on_invalid: ``"raise"`` or ``"mask"`` (see the module docstring).
        source: table or file name for error messages.

    Returns:
        ``(mols, mask)``: ``n`` RDKit molecules (``None`` where missing or invalid) and the
        ``(n,)`` bool mask of parsed ones.
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"on_invalid must be one of {ON_INVALID}, got {on_invalid!r}")
    smiles = entity_list(smiles, "SMILES")
    chem, quiet = _rdkit("SMILES parsing")
    ids = None if ids is None else list(ids)
    if ids is not None and len(ids) != len(smiles):
        raise ValueError(f"{len(ids)} ids for {len(smiles)} SMILES")
    mols, bad = [], []
    with quiet():
        for row, value in enumerate(smiles):
            text = _text(value)
            mol = chem.MolFromSmiles(text) if text is not None else None
            if mol is None:
                what = "missing SMILES" if text is None else f"invalid SMILES {text!r}"
                if ids is not None:
                    what += f" (id {ids[row]!r})"
                if on_invalid == "raise":
                    raise DataFormatError(what, source=source, row=row, column="smiles")
                bad.append((row, None if ids is None else ids[row]))
            mols.append(mol)
    if bad:
        shown = ", ".join(f"row {r}" + ("" if i is None else f" ({i})") for r, i in bad[:5])
        logger.warning("%s: %d of %d SMILES missing or invalid, masked: %s%s", source, len(bad),
                       len(smiles), shown, ", ..." if len(bad) > 5 else "")
    mask = np.array([m is not None for m in mols], dtype=bool)
    return mols, mask


def canonical_smiles(smiles: Sequence[str | None], *, ids: Sequence | None = None,
                     on_invalid: str = "raise", isomeric: bool = False,
                     source: str = "SMILES") -> tuple[list[str | None], np.ndarray]:
    """RDKit canonical SMILES (stereo dropped unless ``isomeric``); ``None`` where masked."""
    chem, _ = _rdkit("SMILES canonicalisation")
    mols, mask = parse_smiles(smiles, ids=ids, on_invalid=on_invalid, source=source)
    return [None if m is None else chem.MolToSmiles(m, isomericSmiles=isomeric) for m in mols], mask


def morgan_fingerprints(smiles: Sequence[str | None], *, radius: int = 2, n_bits: int = 2048,
                        ids: Sequence | None = None, on_invalid: str = "raise",
                        source: str = "SMILES") -> ModalityFeatures:
    """Morgan bit fingerprints (ECFP4 for ``radius=2``).

    Returns:
        :class:`ModalityFeatures` with ``values`` ``(n, n_bits)`` float32 in {0, 1}.
    """
    check_settings("morgan_fingerprints", at_least={"radius": (radius, 0), "n_bits": (n_bits, 1)})
    gen_module = require("rdkit.Chem.rdFingerprintGenerator", "Morgan fingerprints")
    mols, mask = parse_smiles(smiles, ids=ids, on_invalid=on_invalid, source=source)
    values = np.zeros((len(mols), n_bits), dtype=np.float32)
    present = [m for m in mols if m is not None]
    if present:
        generator = gen_module.GetMorganGenerator(radius=radius, fpSize=n_bits)
        fingerprints = generator.GetFingerprints(present, numThreads=1)
        bits = "".join(fp.ToBitString() for fp in fingerprints).encode("ascii")
        values[mask] = (np.frombuffer(bits, dtype=np.uint8) - ord("0")).reshape(len(present), n_bits)
    return ModalityFeatures(values, mask, f"morgan_r{radius}_{n_bits}")


def _descriptor_functions() -> dict[str, Callable]:
    descriptors = require("rdkit.Chem.Descriptors", "RDKit descriptors")
    crippen = require("rdkit.Chem.Crippen", "RDKit descriptors")
    rd = require("rdkit.Chem.rdMolDescriptors", "RDKit descriptors")
    return {
        "mol_wt": descriptors.MolWt,
        "logp": crippen.MolLogP,
        "tpsa": rd.CalcTPSA,
        "hbd": rd.CalcNumHBD,
        "hba": rd.CalcNumHBA,
        "rotatable_bonds": rd.CalcNumRotatableBonds,
        "rings": rd.CalcNumRings,
        "aromatic_rings": rd.CalcNumAromaticRings,
        "heavy_atoms": lambda mol: mol.GetNumHeavyAtoms(),
        "fraction_csp3": rd.CalcFractionCSP3,
    }


DESCRIPTOR_NAMES = ("mol_wt", "logp", "tpsa", "hbd", "hba", "rotatable_bonds", "rings",
                    "aromatic_rings", "heavy_atoms", "fraction_csp3")


def molecular_descriptors(smiles: Sequence[str | None], *, ids: Sequence | None = None,
                          on_invalid: str = "raise", standardise: bool = True,
                          source: str = "SMILES") -> ModalityFeatures:
    """Ten RDKit descriptors, columns in :data:`DESCRIPTOR_NAMES` order.

    With ``standardise`` every column is z-scored over the present molecules (a constant
    column becomes 0); masked rows stay 0, the mean. The statistics use no labels.

    Returns:
        :class:`ModalityFeatures` with ``values`` ``(n, 10)`` float32.
    """
    functions = _descriptor_functions()
    mols, mask = parse_smiles(smiles, ids=ids, on_invalid=on_invalid, source=source)
    values = np.zeros((len(mols), len(DESCRIPTOR_NAMES)), dtype=np.float64)
    for row, mol in enumerate(mols):
        if mol is not None:
            values[row] = [functions[name](mol) for name in DESCRIPTOR_NAMES]
    if standardise and mask.any():
        present = values[mask]
        std = present.std(axis=0)
        values[mask] = (present - present.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return ModalityFeatures(values, mask, "rdkit_descriptors")


def tanimoto_similarity(x: np.ndarray | ModalityFeatures,
                        y: np.ndarray | ModalityFeatures | None = None) -> np.ndarray:
    """``(n, m)`` Tanimoto similarity |a ∧ b| / |a ∨ b| of binary fingerprints.

    Args:
        x: ``(n, d)`` fingerprints in {0, 1} (or :class:`ModalityFeatures`).
        y: ``(m, d)``; ``x`` itself when ``None``.

    A pair of empty fingerprints (e.g. two masked molecules) has similarity 0.
    """
    a = _fingerprint_array(x, "x")
    b = a if y is None else _fingerprint_array(y, "y")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"fingerprints must be (n, d) and (m, d), got {a.shape} and {b.shape}")
    if not (np.isin(a, (0.0, 1.0)).all() and (b is a or np.isin(b, (0.0, 1.0)).all())):
        raise ValueError("Tanimoto similarity needs binary fingerprints (values 0 or 1)")
    both = a @ b.T  # exact in float32: counts stay far below 2**24
    union = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - both
    return np.divide(both, union, out=np.zeros_like(both), where=union > 0).astype(np.float64)


def _fingerprint_array(value, label: str) -> np.ndarray:
    """``value`` (an array or :class:`ModalityFeatures`) as float32; a clear ``ValueError``
    for SMILES or other non-numbers."""
    values = value.values if isinstance(value, ModalityFeatures) else value
    try:
        return np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"tanimoto_similarity: {label} must be numeric fingerprints ({exc}); "
                         "for SMILES compute them first with morgan_fingerprints") from None
