"""HDVD drug-virus data set (SCPMF)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.hdvd import HDVD_FILES, load_hdvd
from graphmed.errors import DataFormatError

FOLDER = "hdvd"


def test_shape_count_and_kind(hdvd):
    assert hdvd.associations.shape == (219, 34) and hdvd.n_associations == 455
    assert hdvd.disease_kind == "virus"
    assert int(hdvd.associations.any(axis=1).sum()) == 182
    assert int(hdvd.associations.any(axis=0).sum()) == 32
    assert hdvd.summary()["n_viruses"] == 34


def test_orientation_matches_the_csv(hdvd, data_root):
    table = pd.read_csv(data_root / FOLDER / "virusdrug.csv", index_col=0)
    assert hdvd.drugs["id"].tolist() == table.index.tolist()
    assert hdvd.diseases["id"].tolist() == table.columns.tolist()
    np.testing.assert_array_equal(hdvd.associations, table.to_numpy().astype(bool))
    abacavir = hdvd.drugs.index[hdvd.drugs["id"] == "Abacavir"].item()
    hiv1 = hdvd.diseases.index[hdvd.diseases["id"] == "HIV-1"].item()
    assert hdvd.associations[abacavir, hiv1]


def test_names_and_smiles(hdvd, data_root):
    drugs = pd.read_csv(data_root / FOLDER / "drugs.tsv", sep="\t")
    assert hdvd.drugs["name"].tolist() == drugs["name"].tolist()
    assert hdvd.drugs["smiles"].notna().all()
    assert hdvd.drugs["smiles"].tolist() == drugs["smiles"].tolist()
    assert hdvd.diseases["name"].notna().all()
    assert "Epstein-Barr virus（EBV）" in hdvd.diseases["id"].tolist()


def test_similarity_views(hdvd, data_root):
    assert set(hdvd.drug_similarities) == {"chemical"}
    assert set(hdvd.disease_similarities) == {"genomic"}
    for matrix, n in ((hdvd.drug_similarities["chemical"], 219),
                      (hdvd.disease_similarities["genomic"], 34)):
        assert matrix.shape == (n, n) and np.isfinite(matrix).all()
        np.testing.assert_allclose(matrix, matrix.T, atol=1e-9)
        np.testing.assert_array_equal(np.diag(matrix), 1.0)
        assert matrix.min() >= 0 and matrix.max() <= 1
    # virus view aligned by position: labels agree except for the EBV spelling
    labels = pd.read_csv(data_root / FOLDER / "virussim.csv", index_col=0).index
    differ = [i for i, (a, b) in enumerate(zip(labels, hdvd.diseases["id"])) if a != b]
    assert len(differ) == 1 and labels[differ[0]] == "Epstein-Barr virus"
    genomic = hdvd.disease_similarities["genomic"]
    ids = hdvd.diseases["id"].tolist()
    assert genomic[ids.index("2019-nCoV"), ids.index("SARS-CoV")] == pytest.approx(0.799)


def test_checksum_stable_between_loads(hdvd, data_root):
    assert load_hdvd(data_root, download=False).checksum == hdvd.checksum


def test_without_drug_table(mirror, hdvd):
    mirror.link(FOLDER).remove("hdvd/drugs.tsv")
    data = load_hdvd(mirror.root, download=False)
    assert data.drugs["smiles"].isna().all() and data.drugs["name"].notna().all()
    np.testing.assert_array_equal(data.associations, hdvd.associations)
    assert data.checksum != hdvd.checksum  # molecule models read the SMILES


# --- broken copies --------------------------------------------------------------------------

def load(mirror):
    return load_hdvd(mirror.root, download=False, verify=False)


def read_raw(mirror, relative):
    return (mirror.source / relative).read_text(encoding="utf-8").splitlines()


def test_duplicate_virus_label(mirror):
    relative = HDVD_FILES["associations"].path
    lines = read_raw(mirror.link(FOLDER), relative)
    header = lines[0].split(",")
    header[3] = header[1]
    path = mirror.write_text(relative, "\n".join([",".join(header)] + lines[1:]) + "\n")
    with pytest.raises(DataFormatError, match="'2019-nCoV' appears more than once") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.column == 2


def test_duplicate_drug_name(mirror):
    relative = HDVD_FILES["associations"].path
    lines = read_raw(mirror.link(FOLDER), relative)
    cells = lines[5].split(",")
    cells[0] = lines[2].split(",")[0]
    lines[5] = ",".join(cells)
    path = mirror.write_text(relative, "\n".join(lines) + "\n")
    mirror.remove("hdvd/drugs.tsv")
    with pytest.raises(DataFormatError, match="duplicate id 'Abacavir'") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 4


def test_association_value_not_binary(mirror):
    relative = HDVD_FILES["associations"].path
    table = mirror.link(FOLDER).read_csv(relative, index_col=0)
    table.iloc[10, 3] = 3
    path = mirror.write_csv(relative, table)
    with pytest.raises(DataFormatError, match="must be 0 or 1, found 3") as info:
        load(mirror)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (10, 3)


def test_all_zero_associations(mirror):
    relative = HDVD_FILES["associations"].path
    table = mirror.link(FOLDER).read_csv(relative, index_col=0) * 0
    path = mirror.write_csv(relative, table)
    with pytest.raises(DataFormatError, match="no known pair") as info:
        load(mirror)
    assert str(path) in str(info.value)


def test_drug_similarity_with_missing_row(mirror):
    relative = HDVD_FILES["drug_chemical"].path
    table = mirror.link(FOLDER).read_csv(relative, index_col=0).iloc[:-1]
    path = mirror.write_csv(relative, table)
    with pytest.raises(DataFormatError, match="218 ids do not match the 219") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 218


def test_drug_similarity_with_nan(mirror):
    relative = HDVD_FILES["drug_chemical"].path
    table = mirror.link(FOLDER).read_csv(relative, index_col=0)
    table.iloc[2, 8] = np.nan
    path = mirror.write_csv(relative, table)
    with pytest.raises(DataFormatError, match="1 cells are empty, NaN or not numbers") as info:
        load(mirror)
    assert str(path) in str(info.value) and (info.value.row, info.value.column) == (2, "8")


def test_virus_similarity_wrong_shape(mirror):
    relative = HDVD_FILES["virus_genomic"].path
    table = mirror.link(FOLDER).read_csv(relative, index_col=0).iloc[:-1, :-1]
    path = mirror.write_csv(relative, table)
    with pytest.raises(DataFormatError, match=r"has shape \(33, 33\), expected \(34, 34\)") as info:
        load(mirror)
    assert str(path) in str(info.value)


def test_drug_table_in_another_order(mirror):
    relative = HDVD_FILES["drugs"].path
    table = mirror.link(FOLDER).read_csv(relative, sep="\t").iloc[::-1]
    path = mirror.write_csv(relative, table, sep="\t", index=False)
    with pytest.raises(DataFormatError, match="do not match the 219 ids") as info:
        load(mirror)
    assert str(path) in str(info.value) and info.value.row == 0
