"""Morgan fingerprints, descriptors and Tanimoto against RDKit; the invalid-SMILES policy."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rdkit")

from rdkit import Chem, DataStructs  # noqa: E402
from rdkit.Chem import Crippen, Descriptors, rdFingerprintGenerator, rdMolDescriptors  # noqa: E402

from graphmed.errors import DataFormatError  # noqa: E402
from graphmed.features import (DESCRIPTOR_NAMES, MissingDependencyError, ModalityFeatures,  # noqa: E402
                               canonical_smiles, molecular_descriptors, morgan_fingerprints,
                               tanimoto_similarity)

SMILES = ["CC(=O)Oc1ccccc1C(=O)O",                      # aspirin
          "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",               # caffeine
          "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",            # ibuprofen
          "C[N+](C)(C)CC(=O)[O-]",                      # betaine
          "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O"]     # glucose
IDS = ["DB00945", "DB00201", "DB01050", "X1", "X2"]


def _rdkit_bits(smiles: str, radius: int, n_bits: int) -> np.ndarray:
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    fp = generator.GetFingerprint(Chem.MolFromSmiles(smiles))
    out = np.zeros(n_bits)
    DataStructs.ConvertToNumpyArray(fp, out)
    return out


@pytest.mark.parametrize("radius, n_bits", [(2, 2048), (1, 512), (3, 1024)])
def test_morgan_matches_rdkit(radius, n_bits):
    features = morgan_fingerprints(SMILES, radius=radius, n_bits=n_bits)
    assert isinstance(features, ModalityFeatures)
    assert features.values.shape == (len(SMILES), n_bits) and features.values.dtype == np.float32
    assert features.mask.all() and features.name == f"morgan_r{radius}_{n_bits}"
    expected = np.stack([_rdkit_bits(s, radius, n_bits) for s in SMILES])
    np.testing.assert_array_equal(features.values, expected)


def test_ecfp4_matches_legacy_rdkit_api():
    from rdkit.Chem import AllChem

    if not hasattr(AllChem, "GetMorganFingerprintAsBitVect"):
        pytest.skip("this RDKit has no legacy Morgan API")
    fp = AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(SMILES[0]), 2, nBits=2048)
    np.testing.assert_array_equal(morgan_fingerprints(SMILES[:1]).values[0],
                                  np.array(list(fp.ToBitString()), dtype=np.float32))


def test_descriptors_match_rdkit_and_standardise():
    raw = molecular_descriptors(SMILES, standardise=False)
    assert raw.values.shape == (len(SMILES), len(DESCRIPTOR_NAMES)) == (5, 10)
    mols = [Chem.MolFromSmiles(s) for s in SMILES]
    column = dict(zip(DESCRIPTOR_NAMES, raw.values.T))
    np.testing.assert_allclose(column["mol_wt"], [Descriptors.MolWt(m) for m in mols], rtol=1e-6)
    np.testing.assert_allclose(column["logp"], [Crippen.MolLogP(m) for m in mols], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(column["tpsa"], [rdMolDescriptors.CalcTPSA(m) for m in mols], rtol=1e-6)
    np.testing.assert_array_equal(column["heavy_atoms"], [m.GetNumHeavyAtoms() for m in mols])
    np.testing.assert_array_equal(column["aromatic_rings"], [1, 2, 1, 0, 0])
    z = molecular_descriptors(SMILES).values
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)


def test_invalid_smiles_raise_names_row_id_and_smiles():
    with pytest.raises(DataFormatError) as info:
        morgan_fingerprints(SMILES[:2] + ["C1CC(", "CCO"], ids=IDS[:2] + ["DB09999", "X"],
                            source="drugs")
    err = info.value
    assert (err.row, err.column, err.source) == (2, "smiles", "drugs")
    assert "row 2" in str(err) and "DB09999" in str(err) and "C1CC(" in str(err)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, "", "   "])
def test_missing_smiles_raise(missing):
    with pytest.raises(DataFormatError, match=r"row 1.*missing SMILES \(id 'DB00201'\)"):
        molecular_descriptors([SMILES[0], missing, SMILES[2]], ids=IDS[:3])


def test_invalid_and_missing_smiles_masked(caplog):
    smiles = pd.Series([SMILES[0], "not a smiles", pd.NA, SMILES[1]], dtype="string")
    with caplog.at_level(logging.WARNING, logger="graphmed.features.molecules"):
        fp = morgan_fingerprints(smiles, ids=["a", "b", "c", "d"], on_invalid="mask")
    assert fp.mask.tolist() == [True, False, False, True] and fp.n_missing == 2
    assert not fp.values[~fp.mask].any() and fp.values[fp.mask].any(axis=1).all()
    assert "2 of 4" in caplog.text and "row 1 (b)" in caplog.text
    desc = molecular_descriptors(smiles, on_invalid="mask")
    assert desc.mask.tolist() == fp.mask.tolist() and not desc.values[~desc.mask].any()
    np.testing.assert_allclose(desc.values[desc.mask].mean(axis=0), 0, atol=1e-6)


def test_unknown_policy_rejected():
    with pytest.raises(ValueError, match="on_invalid"):
        morgan_fingerprints(SMILES, on_invalid="skip")


def test_tanimoto_matches_rdkit():
    fp = morgan_fingerprints(SMILES + [None], on_invalid="mask")
    sim = tanimoto_similarity(fp)
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    bitvects = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in SMILES]
    for i, bv in enumerate(bitvects):
        np.testing.assert_allclose(sim[i, :5], DataStructs.BulkTanimotoSimilarity(bv, bitvects), rtol=1e-6)
    assert sim.shape == (6, 6) and np.allclose(sim, sim.T)
    assert not sim[5].any() and not sim[:, 5].any()  # a masked molecule is similar to nothing
    cross = tanimoto_similarity(fp.values[:2], fp.values[2:5])
    np.testing.assert_allclose(cross, sim[:2, 2:5])
    with pytest.raises(ValueError, match="binary"):
        tanimoto_similarity(molecular_descriptors(SMILES))
    for smiles in ("CCO", SMILES):  # SMILES instead of fingerprints
        with pytest.raises(ValueError, match="x must be numeric fingerprints.*morgan_fingerprints"):
            tanimoto_similarity(smiles)
    with pytest.raises(ValueError, match="y must be numeric fingerprints"):
        tanimoto_similarity(fp, SMILES)


def test_canonical_smiles_drops_stereo():
    canonical, mask = canonical_smiles([SMILES[2], "CC(C)Cc1ccc([C@H](C)C(=O)O)cc1", "xyz"],
                                       on_invalid="mask")
    assert mask.tolist() == [True, True, False]
    assert canonical[0] == canonical[1] and "@" not in canonical[0] and canonical[2] is None


def test_dataset_drugs(fdataset):
    fp = morgan_fingerprints(fdataset.drugs["smiles"], ids=fdataset.drugs["id"], source="fdataset drugs")
    assert fp.values.shape == (fdataset.n_drugs, 2048) and fp.mask.all()


def test_missing_rdkit_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdkit.Chem.rdFingerprintGenerator", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "graphmed\[features\]"'):
        morgan_fingerprints(SMILES)


def test_modality_features_checks_shapes():
    with pytest.raises(ValueError, match="mask"):
        ModalityFeatures(np.zeros((3, 2)), np.ones(2, bool), "x")
    features = ModalityFeatures(np.zeros((3, 2)), np.ones(3, bool), "x")
    assert repr(features) == "ModalityFeatures('x', n=3, dim=2, missing=0)"


def test_a_single_smiles_string_is_not_read_as_one_molecule_per_character():
    from graphmed.ehr import HashingTextEncoder

    for call in (lambda: morgan_fingerprints("CCO"), lambda: canonical_smiles("CCO"),
                 lambda: molecular_descriptors("CCO")):
        with pytest.raises(TypeError, match="got a single string 'CCO'; wrap it in a list"):
            call()
    with pytest.raises(TypeError, match="texts: expected a sequence"):
        HashingTextEncoder(dim=8).encode("asthma")
    assert morgan_fingerprints(["CCO"]).values.shape[0] == 1


def test_fingerprint_settings_must_be_integers():
    from graphmed.features.molecules import morgan_fingerprints

    with pytest.raises(ValueError, match="morgan_fingerprints: n_bits must be an integer >= 1, "
                                         "got '2048'"):
        morgan_fingerprints(["CCO"], n_bits="2048")
    with pytest.raises(ValueError, match="radius must be an integer >= 0, got -1"):
        morgan_fingerprints(["CCO"], radius=-1)
