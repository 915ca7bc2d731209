"""Drug targets and disease proteins of Fdataset and Cdataset, on their ids."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets import load_protein_links
from graphmed.datasets.proteins import PROTEIN_FILES, data_root_of
from graphmed.errors import DataFormatError, UnknownNameError


def _pairs(data_root, name, key):
    with gzip.open(data_root / PROTEIN_FILES[name][key].path, "rt") as handle:
        return pd.read_csv(handle).drop_duplicates()


def test_fdataset_links_follow_the_renamed_drugs(data_root, fdataset):
    links = load_protein_links("fdataset", data_root)
    drug, disease = links.aligned(fdataset)
    assert drug.shape == (593, 2741) and disease.shape == (313, 2741)
    assert set(np.unique(drug)) <= {0.0, 1.0} and set(np.unique(disease)) <= {0.0, 1.0}
    assert int((drug.sum(1) > 0).sum()) == 525 and int((disease.sum(1) > 0).sum()) == 272
    assert disease.sum() == len(_pairs(data_root, "fdataset", "protein_disease"))
    # rows through the curated table's AMDGT ids: AMDGT renamed six drugs and merged
    # divalproex (DB00510) into valproic acid (DB00313)
    table = pd.read_csv(data_root / "fdataset" / "drugs.tsv", sep="\t")
    amdgt = list(dict.fromkeys(pd.read_csv(data_root / PROTEIN_FILES["fdataset"]["drugs"].path)["id"]))
    targets = _pairs(data_root, "fdataset", "drug_protein")
    expected = np.zeros_like(drug)
    for row, amdgt_id in enumerate(table["amdgt_f_id"]):
        hits = targets.loc[targets["drug"] == amdgt.index(amdgt_id), "protein"]
        expected[row, hits] = 1.0
    np.testing.assert_array_equal(drug, expected)
    renamed = (table["amdgt_f_id"] != table["drugbank_id"]).to_numpy()
    assert expected[renamed].sum() > 0  # the renaming matters for some targets


def test_cdataset_links_keep_the_drug_order(data_root, cdataset):
    links = load_protein_links("cdataset", data_root)
    drug, disease = links.aligned(cdataset)
    targets = _pairs(data_root, "cdataset", "drug_protein")
    assert drug.shape == (663, 993) and disease.shape == (409, 993)
    assert drug.sum() == len(targets)
    row = targets.iloc[0]
    assert drug[row["drug"], row["protein"]] == 1.0


def test_rows_follow_the_ids_of_the_data_set_given(data_root, fdataset):
    links = load_protein_links("fdataset", data_root)
    drug, disease = links.aligned(fdataset)
    subset = fdataset.without(drugs=[0, 1], diseases=[5])
    sub_drug, sub_disease = links.aligned(subset)
    np.testing.assert_array_equal(sub_drug, drug[2:])
    np.testing.assert_array_equal(sub_disease, np.delete(disease, 5, axis=0))


def test_data_root_is_found_from_the_data_set(data_root, fdataset):
    assert data_root_of(fdataset).resolve() == data_root.resolve()


def test_unknown_data_sets_and_foreign_ids_are_named(data_root, fdataset):
    with pytest.raises(UnknownNameError, match="no drug-target / disease-protein links are "
                                               "known for 'hdvd'; they are for fdataset, cdataset"):
        load_protein_links("hdvd", data_root)
    links = load_protein_links("cdataset", data_root)
    from dataclasses import replace

    renamed = replace(fdataset, drugs=fdataset.drugs.assign(id=[f"X{i}" for i in range(593)]))
    with pytest.raises(DataFormatError, match="none of the data set's drug ids \\(first: 'X0'\\)"):
        links.aligned(renamed)


def test_malformed_link_tables_name_the_row(tmp_path):
    from graphmed.datasets.proteins import _pairs

    path = tmp_path / "links.csv"
    path.write_text("drug,protein\n0,1\n1,7\n")
    with pytest.raises(DataFormatError, match="row 1, column 'protein': index 7 outside \\[0, 3\\)"):
        _pairs(path, ("drug", "protein"), (2, 3))
    path.write_text("drug,protein\n0,1\n0,1\n1,2\n")  # a repeated row counts once
    assert _pairs(path, ("drug", "protein"), (2, 3)).toarray().tolist() == [[0, 1, 0], [0, 0, 1]]
