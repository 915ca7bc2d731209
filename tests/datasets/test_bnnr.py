"""Fdataset and Cdataset from BNNR's .mat files, and what broken copies raise."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.io

from graphmed.datasets import load_dataset
from graphmed.datasets.bnnr import load_cdataset, load_fdataset
from graphmed.errors import DataFormatError


def _tidy_pairs(data_root, folder):
    table = pd.read_csv(data_root / folder / "associations.tsv", sep="\t")
    return table[["drug_idx", "disease_idx"]].to_numpy()


@pytest.mark.parametrize("fixture,shape,count,drug_views,disease_views", [
    ("fdataset", (593, 313), 1933, {"chemical", "domain", "go"}, {"phenotype"}),
    ("cdataset", (663, 409), 2532, {"chemical", "domain", "go"}, {"phenotype"}),
])
def test_shape_counts_and_views(request, fixture, shape, count, drug_views, disease_views):
    data = request.getfixturevalue(fixture)
    assert data.associations.shape == shape and data.associations.dtype == bool
    assert data.n_associations == count and (data.n_drugs, data.n_diseases) == shape
    assert len(data.drugs) == shape[0] and len(data.diseases) == shape[1]
    assert set(data.drug_similarities) == drug_views
    assert set(data.disease_similarities) == disease_views
    for views, n in ((data.drug_similarities, shape[0]), (data.disease_similarities, shape[1])):
        for matrix in views.values():
            assert matrix.shape == (n, n) and np.isfinite(matrix).all()
            np.testing.assert_array_equal(matrix, matrix.T)
            np.testing.assert_array_equal(np.diag(matrix), 1.0)
            assert matrix.min() >= 0 and matrix.max() <= 1


@pytest.mark.parametrize("fixture,folder", [("fdataset", "fdataset"), ("cdataset", "cdataset")])
def test_orientation_matches_tidy_pairs(request, data_root, fixture, folder):
    data = request.getfixturevalue(fixture)
    pairs = _tidy_pairs(data_root, folder)
    assert sorted(map(tuple, data.positive_pairs.tolist())) == sorted(map(tuple, pairs.tolist()))


def test_fdataset_ids_and_names(fdataset, data_root):
    tidy = pd.read_csv(data_root / "fdataset" / "drugs.tsv", sep="\t")
    assert fdataset.drugs["id"].tolist() == tidy["drugbank_id"].tolist()
    assert fdataset.drugs["id"].str.match(r"^DB\d{5}$").all()
    assert fdataset.diseases["id"].str.match(r"^D\d{6}$").all()
    assert fdataset.drugs["name"].notna().all() and fdataset.diseases["name"].notna().all()
    assert fdataset.drugs["smiles"].notna().all()
    assert fdataset.drugs.loc[fdataset.drugs["id"] == "DB00007", "name"].item() == "Leuprolide"


def test_cdataset_names(cdataset):
    assert cdataset.drugs["name"].notna().all() and cdataset.drugs["smiles"].notna().all()
    assert int(cdataset.diseases["name"].isna().sum()) == 102
    assert cdataset.diseases["id"].notna().all()


@pytest.mark.parametrize("loader,fixture", [(load_fdataset, "fdataset"), (load_cdataset, "cdataset")])
def test_checksum_stable_between_loads(request, data_root, loader, fixture):
    first = request.getfixturevalue(fixture)
    again = loader(data_root, download=False)
    assert again.checksum == first.checksum and again is not first
    np.testing.assert_array_equal(again.associations, first.associations)


def test_aliases_load_the_same_data(cdataset, data_root):
    assert load_dataset("C", data_root).checksum == cdataset.checksum


def test_without_optional_tables_names_are_missing(mirror, cdataset):
    mirror.link("cdataset")
    mirror.remove("cdataset/drugs.tsv")
    mirror.remove("cdataset/diseases.tsv")
    data = load_cdataset(mirror.root, download=False)
    assert data.drugs["name"].isna().all() and data.drugs["smiles"].isna().all()
    assert data.drugs["id"].tolist() == cdataset.drugs["id"].tolist()  # ids from the .mat file
    np.testing.assert_array_equal(data.associations, cdataset.associations)
    assert data.checksum != cdataset.checksum  # text and molecule models read the names


# --- broken copies --------------------------------------------------------------------------

MAT = "cdataset/Cdataset.mat"


@pytest.fixture(scope="module")
def cmat(data_root):
    content = scipy.io.loadmat(str(data_root / MAT))
    return {k: v for k, v in content.items() if not k.startswith("__")}


def write_mat(mirror, cmat, **changes):
    mirror.link("cdataset")
    path = mirror.path(MAT)
    path.unlink()
    scipy.io.savemat(path, {**cmat, **changes})
    return path


def test_truncated_mat(mirror):
    mirror.link("cdataset")
    path = mirror.truncate(MAT, keep=0.3)
    with pytest.raises(DataFormatError, match="cannot be read as a MATLAB v5 file") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_mat_missing_variable(mirror, cmat):
    path = write_mat(mirror, {k: v for k, v in cmat.items() if k != "disease"})
    with pytest.raises(DataFormatError, match=r"variables \['disease'\] are missing") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_mat_association_shape(mirror, cmat):
    path = write_mat(mirror, cmat, didr=cmat["didr"].T)
    with pytest.raises(DataFormatError, match=r"'didr' has shape \(663, 409\), expected disease x "
                                              r"drug \(409, 663\)") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_mat_similarity_shape(mirror, cmat):
    path = write_mat(mirror, cmat, drug=cmat["drug"][:-1, :-1])
    with pytest.raises(DataFormatError, match=r"'drug' similarity has shape \(662, 662\), "
                                              r"expected \(663, 663\)") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_mat_similarity_nan(mirror, cmat):
    disease = cmat["disease"].copy()
    disease[7, 3] = np.nan
    path = write_mat(mirror, cmat, disease=disease)
    with pytest.raises(DataFormatError, match="'disease' similarity has 1 NaN/inf") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (7, 3)


def test_mat_similarity_not_symmetric(mirror, cmat):
    drug = cmat["drug"].copy()
    drug[0, 5] += 0.5
    write_mat(mirror, cmat, drug=drug)
    with pytest.raises(DataFormatError, match="not symmetric") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert (info.value.row, info.value.column) == (0, 5)


def test_mat_association_value_not_binary(mirror, cmat):
    didr = cmat["didr"].astype(np.float64)
    didr[4, 10] = 2.0  # disease 4, drug 10
    path = write_mat(mirror, cmat, didr=didr)
    with pytest.raises(DataFormatError, match="must be 0 or 1, found 2") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (10, 4)


def test_mat_empty_association_matrix(mirror, cmat):
    path = write_mat(mirror, cmat, didr=np.zeros_like(cmat["didr"]))
    with pytest.raises(DataFormatError, match="no known pair") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_mat_duplicate_drug_id(mirror, cmat):
    names = cmat["Wrname"].copy()
    names[5, 0] = names[2, 0]
    path = write_mat(mirror, cmat, Wrname=names)
    mirror.remove("cdataset/drugs.tsv")  # it would disagree first
    repeated = str(np.asarray(names[2, 0]).ravel()[0])
    with pytest.raises(DataFormatError, match=rf"duplicate id '{repeated}' \(first seen in row 2\)") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert f"{path} (Wrname)" in str(info.value) and info.value.row == 5


def test_names_table_out_of_order(mirror):
    mirror.link("cdataset")
    table = mirror.read_csv("cdataset/drugs.tsv", sep="\t")
    table.iloc[[3, 4]] = table.iloc[[4, 3]].to_numpy()
    path = mirror.write_csv("cdataset/drugs.tsv", table, sep="\t", index=False)
    with pytest.raises(DataFormatError, match="do not match the 663 ids of the .mat file") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value) and info.value.row == 3


def test_names_table_missing_column(mirror):
    mirror.link("cdataset")
    table = mirror.read_csv("cdataset/diseases.tsv", sep="\t").drop(columns="name_from_predict")
    path = mirror.write_csv("cdataset/diseases.tsv", table, sep="\t", index=False)
    with pytest.raises(DataFormatError, match="missing columns \\['name_from_predict'\\]") as info:
        load_cdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_labelled_view_missing_drug(mirror):
    mirror.link("fdataset")
    relative = "fdataset/drimc_format/predict_simmat_dc_go.txt.gz"
    table = mirror.read_csv(relative, sep="\t", index_col=0)
    table = table.drop(index=table.index[10])
    path = mirror.write_csv(relative, table, sep="\t")
    with pytest.raises(DataFormatError, match="row and column labels differ") as info:
        load_fdataset(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)


def test_cdataset_target_views_align_by_id(cdataset, data_root):
    from graphmed.datasets.readers import read_labelled_matrix

    ids = list(cdataset.drugs["id"])
    for view in ("domain", "go"):
        raw = read_labelled_matrix(data_root / f"cdataset/drimc_variant/c_simmat_dc_{view}.txt.gz")
        raw = raw.rename(index={"DB09026": "DB01258"}, columns={"DB09026": "DB01258"})
        got = cdataset.drug_similarities[view]
        shared = [i for i, d in enumerate(ids) if d in raw.index]
        assert len(shared) == 658
        names = [ids[i] for i in shared]
        assert np.allclose(got[np.ix_(shared, shared)], raw.loc[names, names].to_numpy())
        lacking = [i for i, d in enumerate(ids) if d not in raw.index]
        assert [ids[i] for i in lacking] == ["DB00236", "DB00271", "DB00460", "DB04571", "DB08803"]
        for i in lacking:
            row = np.zeros(len(ids))
            row[i] = 1.0
            assert np.array_equal(got[i], row)


def test_target_view_missing_too_many_drugs_is_refused(tmp_path, fdataset):
    import pandas as pd

    from graphmed.datasets.bnnr import _aligned_view
    from graphmed.errors import DataFormatError

    ids = list(fdataset.drugs["id"])
    keep = ids[:500]
    matrix = pd.DataFrame(np.eye(len(keep)), index=keep, columns=keep)
    with pytest.raises(DataFormatError, match="93 of 593 drug ids are missing"):
        _aligned_view(matrix, ids, tmp_path / "view.txt", "domain")
