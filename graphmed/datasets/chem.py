"""Drug similarity computed from SMILES (needs the optional dependency RDKit)."""
from __future__ import annotations

import contextlib
import logging
from typing import Sequence

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

ECFP_RADIUS = 2
ECFP_BITS = 2048


def ecfp4_similarity(smiles: Sequence[str | None], *, source: str = "SMILES") -> np.ndarray | None:
    """``(n, n)`` Tanimoto similarity of ECFP4 fingerprints (Morgan radius 2, 2,048 bits).

    A missing or unparsable SMILES gives a row of zeros with 1 on the diagonal (logged).
    Returns ``None`` (with a warning) when RDKit is not installed.
    """
    try:
        from rdkit import Chem, DataStructs, rdBase
        from rdkit.Chem import rdFingerprintGenerator
    except ImportError:
        logger.warning("RDKit is not installed: no ECFP4 drug similarity for %s "
                       "(pip install rdkit)", source)
        return None
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=ECFP_RADIUS, fpSize=ECFP_BITS)
    quiet = getattr(rdBase, "BlockLogs", contextlib.nullcontext)
    fingerprints, failed = [], []
    with quiet():
        for i, text in enumerate(smiles):
            mol = Chem.MolFromSmiles(text) if isinstance(text, str) and text else None
            if mol is None:
                failed.append(i)
                mol = Chem.Mol()  # empty molecule: an all-zero fingerprint
            fingerprints.append(generator.GetFingerprint(mol))
    if failed:
        logger.warning("%s: %d SMILES missing or unparsable (rows %s); their ECFP4 similarity is "
                       "0 except to themselves", source, len(failed), failed[:10])
    n = len(fingerprints)
    sim = np.empty((n, n), dtype=np.float64)
    for i, fp in enumerate(fingerprints):
        sim[i, i:] = DataStructs.BulkTanimotoSimilarity(fp, fingerprints[i:])
    sim = np.triu(sim) + np.triu(sim, 1).T
    sim[np.isnan(sim)] = 0.0
    np.fill_diagonal(sim, 1.0)
    return sim


def smiles_list(values: pd.Series) -> list[str | None]:
    """A SMILES column as a list with ``None`` for missing entries."""
    return [None if pd.isna(v) else str(v) for v in values]
