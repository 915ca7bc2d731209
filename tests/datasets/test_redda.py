"""Kdataset (REDDA)."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.redda import KDATASET_FILES, load_kdataset
from graphmed.errors import DataFormatError

FOLDER = "kdataset_redda"


def test_shape_and_count(kdataset):
    assert kdataset.associations.shape == (894, 454) and kdataset.n_associations == 2704


def test_orientation_matches_baseline_matrix(kdataset, data_root):
    baseline = pd.read_csv(data_root / FOLDER / "Kdataset_baseline.csv.gz", header=None).to_numpy()
    assert baseline.shape == (894, 454)
    np.testing.assert_array_equal(kdataset.associations, baseline.astype(bool))


def test_ids_names_and_smiles(kdataset, data_root):
    drugs = pd.read_csv(data_root / FOLDER / "omics" / "drug.csv.gz")
    assert kdataset.drugs["id"].tolist() == drugs["Drug"].tolist()
    assert kdataset.drugs["name"].isna().all()  # no names shipped
    assert kdataset.drugs["id"].str.match(r"^DB\d{5}$").all()
    assert kdataset.drugs["smiles"].tolist() == drugs["SMILES"].tolist()
    assert kdataset.diseases["id"].str.match(r"^D\d{6}(\d{3})?$").all()  # MeSH descriptors
    assert kdataset.diseases["name"].isna().all()
    assert kdataset.diseases["id"].iloc[0] == "D009394"


def test_disease_view(kdataset, data_root):
    assert set(kdataset.disease_similarities) == {"mesh"}
    mesh = kdataset.disease_similarities["mesh"]
    assert mesh.shape == (454, 454) and np.isfinite(mesh).all()
    np.testing.assert_allclose(mesh, mesh.T, atol=1e-6)
    np.testing.assert_array_equal(np.diag(mesh), 1.0)
    # the upper-triangle interaction list carries the same values
    edges = pd.read_csv(data_root / FOLDER / "interactions" / "disease_disease.csv.gz")
    np.testing.assert_allclose(mesh[edges["Disease1"], edges["Disease2"]], edges["Sim"], atol=1e-8)


def test_ecfp4_view(kdataset):
    pytest.importorskip("rdkit")
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    assert set(kdataset.drug_similarities) == {"ecfp4"}
    sim = kdataset.drug_similarities["ecfp4"]
    assert sim.shape == (894, 894) and np.isfinite(sim).all()
    np.testing.assert_array_equal(sim, sim.T)
    np.testing.assert_array_equal(np.diag(sim), 1.0)
    assert sim.min() >= 0 and sim.max() <= 1
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fp = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in kdataset.drugs["smiles"][:3]]
    assert sim[0, 1] == pytest.approx(DataStructs.TanimotoSimilarity(fp[0], fp[1]))
    assert sim[2, 0] == pytest.approx(DataStructs.TanimotoSimilarity(fp[2], fp[0]))
    # rows 0 and 1 are two corticosteroids: far above a typical pair
    assert sim[0, 1] > 0.3 > np.median(sim)


def test_without_rdkit_no_drug_view_and_a_warning(kdataset, data_root, monkeypatch, caplog):
    for name in [m for m in sys.modules if m == "rdkit" or m.startswith("rdkit.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rdkit", None)  # import rdkit -> ImportError
    with caplog.at_level(logging.WARNING, logger="graphmed"):
        data = load_kdataset(data_root, download=False)
    assert data.drug_similarities == {}
    assert "RDKit is not installed" in caplog.text
    np.testing.assert_array_equal(data.associations, kdataset.associations)


def test_checksum_stable_between_loads(kdataset, data_root):
    assert load_kdataset(data_root, download=False).checksum == kdataset.checksum


# --- broken copies --------------------------------------------------------------------------

def load(mirror):
    return load_kdataset(mirror.root, download=False, verify=False)


def test_rows_out_of_index_order(mirror):
    relative = KDATASET_FILES["diseases"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table.iloc[[5, 6]] = table.iloc[[6, 5]].to_numpy()
    path = mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match="expected the row number 5, found 6") as info:
        load(mirror)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (5, "ID")


def test_duplicate_drug_id(mirror):
    relative = KDATASET_FILES["drugs"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table.loc[20, "Drug"] = table.loc[0, "Drug"]
    path = mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match="duplicate id 'DB00860'") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 20


def test_repeated_pair(mirror):
    relative = KDATASET_FILES["associations"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table = pd.concat([table, table.iloc[[3]]], ignore_index=True)
    path = mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match="listed more than once") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 2704


def test_nan_in_disease_similarity(mirror):
    relative = KDATASET_FILES["disease_mesh"].path
    rows = pd.read_csv(mirror.link(FOLDER).source / relative, header=None)
    rows.iloc[30, 2] = np.nan
    path = mirror.write_csv(relative, rows, header=False, index=False)
    with pytest.raises(DataFormatError, match="empty, NaN or not numbers") as info:
        load(mirror)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (30, "2")


def test_gzip_that_is_not_a_table(mirror):
    relative = KDATASET_FILES["associations"].path
    path = mirror.link(FOLDER).truncate(relative, keep=0.5)
    with pytest.raises(DataFormatError, match="cannot be parsed as a table") as info:
        load(mirror)
    assert str(path) in str(info.value)
