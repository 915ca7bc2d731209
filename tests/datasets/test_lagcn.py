"""B-dataset (LAGCN / REDDA / AMDGT files)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.lagcn import BDATASET_FILES, load_bdataset
from graphmed.errors import DataFormatError

FOLDER = "bdataset_lagcn"


def gip(rows: np.ndarray) -> np.ndarray:
    """Gaussian interaction-profile kernel of the rows of a 0/1 matrix."""
    rows = rows.astype(np.float64)
    sq = (rows ** 2).sum(1)
    dist = sq[:, None] + sq[None] - 2 * rows @ rows.T
    return np.exp(-dist / sq.mean())


def test_shape_and_count(bdataset):
    assert bdataset.associations.shape == (269, 598) and bdataset.n_associations == 18416
    assert len(bdataset.drugs) == 269 and len(bdataset.diseases) == 598


def test_orientation_matches_tidy_pairs(bdataset, data_root):
    tidy = pd.read_csv(data_root / FOLDER / "associations.tsv", sep="\t").to_numpy()
    expected = np.zeros((269, 598), dtype=bool)
    expected[tidy[:, 0], tidy[:, 1]] = True
    np.testing.assert_array_equal(bdataset.associations, expected)


def test_matches_lagcn_original_after_column_permutation(bdataset, data_root):
    original = pd.read_csv(data_root / FOLDER / "lagcn_original" / "drug_dis.csv.gz",
                           header=None).to_numpy()
    perm = pd.read_csv(data_root / FOLDER / "diseases.tsv", sep="\t")["lagcn_original_col_idx"]
    np.testing.assert_array_equal(original[:, perm.to_numpy()], bdataset.associations)


def test_ids_names_and_smiles_follow_the_b_dataset_order(bdataset, data_root):
    drugs = pd.read_csv(data_root / FOLDER / "drugs.tsv", sep="\t")
    diseases = pd.read_csv(data_root / FOLDER / "diseases.tsv", sep="\t")
    assert bdataset.drugs["id"].tolist() == drugs["drugbank_id"].tolist()
    assert bdataset.drugs["name"].tolist() == drugs["name"].tolist()
    assert bdataset.drugs["smiles"].tolist() == drugs["smiles"].tolist()
    assert bdataset.diseases["id"].tolist() == diseases["mesh_id"].tolist()
    assert bdataset.diseases["name"].tolist() == diseases["name"].tolist()
    first = bdataset.drugs.iloc[0]
    assert (first["id"], first["name"]) == ("DB00349", "Clobazam")
    # REDDA's permuted drug ids are not used
    assert (bdataset.drugs["id"] != drugs["redda_misaligned_drugbank_id"]).all()


def test_similarity_views_are_label_free(bdataset):
    assert set(bdataset.drug_similarities) == {"target"}
    assert set(bdataset.disease_similarities) == {"mesh"}
    drug_gip, disease_gip = gip(bdataset.associations), gip(bdataset.associations.T)
    assert not np.allclose(bdataset.drug_similarities["target"], drug_gip, atol=1e-3)
    assert not np.allclose(bdataset.disease_similarities["mesh"], disease_gip, atol=1e-3)


def test_amdgt_disease_ps_is_a_gip_kernel(bdataset, data_root):
    """Why DiseasePS is not loaded: it is the GIP kernel of the full association matrix."""
    ps = pd.read_csv(data_root / FOLDER / "amdgt_B" / "DiseasePS.csv.gz", index_col=0).to_numpy()
    np.testing.assert_allclose(ps, gip(bdataset.associations.T), atol=1e-6)
    assert all(path not in {f.path for f in BDATASET_FILES.values()}
               for path in (f"{FOLDER}/amdgt_B/DiseasePS.csv.gz", f"{FOLDER}/amdgt_B/DiseaseGIP.csv.gz",
                            f"{FOLDER}/amdgt_B/DrugGIP.csv.gz"))


def test_similarity_views_are_symmetric_with_unit_diagonal(bdataset, data_root):
    for matrix, n in ((bdataset.drug_similarities["target"], 269),
                      (bdataset.disease_similarities["mesh"], 598)):
        assert matrix.shape == (n, n) and np.isfinite(matrix).all()
        np.testing.assert_allclose(matrix, matrix.T, atol=1e-6)
        np.testing.assert_array_equal(np.diag(matrix), 1.0)
        assert matrix.min() >= 0 and matrix.max() <= 1 + 1e-9


def test_target_view_is_lagcn_similarity_with_diagonal_set(bdataset, data_root):
    raw = pd.read_csv(data_root / FOLDER / "lagcn_original" / "drug_sim.csv.gz", header=None).to_numpy()
    assert (np.diag(raw) == 0).all()
    target = bdataset.drug_similarities["target"]
    off = ~np.eye(269, dtype=bool)
    np.testing.assert_array_equal(target[off], raw[off])
    amdgt = pd.read_csv(data_root / FOLDER / "amdgt_B" / "DrugFingerprint.csv.gz", index_col=0)
    np.testing.assert_allclose(target[off], amdgt.to_numpy()[off], atol=1e-4)


def test_checksum_stable_between_loads(bdataset, data_root):
    assert load_bdataset(data_root, download=False).checksum == bdataset.checksum


# --- broken copies --------------------------------------------------------------------------

def load(mirror):
    return load_bdataset(mirror.root, download=False, verify=False)


def test_duplicate_drug_id(mirror):
    relative = BDATASET_FILES["drugs"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table.loc[7, "id"] = table.loc[3, "id"]
    path = mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match=r"duplicate id '\w+' \(first seen in row 3\)") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 7


def test_missing_disease_id(mirror):
    relative = BDATASET_FILES["diseases"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table.loc[11, "Disease"] = None
    mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match="missing id") as info:
        load(mirror)
    assert relative in str(info.value) and info.value.row == 11


def test_pair_out_of_range(mirror):
    relative = BDATASET_FILES["associations"].path
    table = mirror.link(FOLDER).read_csv(relative)
    table.loc[100, "disease"] = 598
    path = mirror.write_csv(relative, table, index=False)
    with pytest.raises(DataFormatError, match=r"not indices in 0\.\.597 \(first: 598\)") as info:
        load(mirror)
    assert str(path) in str(info.value)
    assert (info.value.row, info.value.column) == (100, "disease")


def test_empty_association_list(mirror):
    relative = BDATASET_FILES["associations"].path
    path = mirror.link(FOLDER).write_text(relative, "drug,disease\n")
    with pytest.raises(DataFormatError, match="no known pair") as info:
        load(mirror)
    assert str(path) in str(info.value)


def test_truncated_similarity(mirror):
    relative = BDATASET_FILES["disease_mesh"].path
    rows = pd.read_csv(mirror.link(FOLDER).source / relative, header=None).iloc[:500]
    path = mirror.write_csv(relative, rows, header=False, index=False)
    with pytest.raises(DataFormatError, match=r"has shape \(500, 598\), expected \(598, 598\)") as info:
        load(mirror)
    assert str(path) in str(info.value)


def test_similarity_with_empty_cell(mirror):
    relative = BDATASET_FILES["drug_target"].path
    rows = pd.read_csv(mirror.link(FOLDER).source / relative, header=None).astype(object)
    rows.iloc[4, 9] = ""
    path = mirror.write_csv(relative, rows, header=False, index=False)
    with pytest.raises(DataFormatError, match="empty, NaN or not numbers") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 4
