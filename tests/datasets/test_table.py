"""A user's association table: round trip, separators, names, and errors that name the place."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets import load_dataset
from graphmed.datasets.table import is_association_table, load_association_table
from graphmed.errors import DataFormatError


@pytest.fixture(scope="module")
def pairs(fdataset):
    p = fdataset.positive_pairs
    return pd.DataFrame({"drug_id": fdataset.drugs["id"].to_numpy()[p[:, 0]],
                         "disease_id": fdataset.diseases["id"].to_numpy()[p[:, 1]],
                         "drug_name": fdataset.drugs["name"].to_numpy()[p[:, 0]],
                         "disease_name": fdataset.diseases["name"].to_numpy()[p[:, 1]]})


def _same_as(data, fdataset) -> bool:
    drugs = pd.Index(data.drugs["id"]).get_indexer(fdataset.drugs["id"])
    diseases = pd.Index(data.diseases["id"]).get_indexer(fdataset.diseases["id"])
    return (drugs >= 0).all() and (diseases >= 0).all() and np.array_equal(
        data.associations[np.ix_(drugs, diseases)], fdataset.associations)


def test_a_table_of_pairs_gives_the_same_associations_and_names(tmp_path, pairs, fdataset):
    path = tmp_path / "indications.csv"
    pairs.sample(frac=1.0, random_state=0).to_csv(path, index=False)
    data = load_association_table(path)
    assert data.name == "indications" and data.sources["associations"] == str(path)
    assert _same_as(data, fdataset)
    names = dict(zip(data.drugs["id"], data.drugs["name"]))
    assert all(names[i] == n for i, n in zip(fdataset.drugs["id"], fdataset.drugs["name"]))
    assert data.drug_similarities == {} and data.disease_similarities == {}
    assert _same_as(load_dataset(str(path)), fdataset)              # by path, too


def test_tab_separated_gzipped_ids_only(tmp_path, pairs, fdataset):
    path = tmp_path / "pairs.tsv.gz"
    with gzip.open(path, "wt") as handle:
        pairs[["drug_id", "disease_id"]].to_csv(handle, sep="\t", index=False)
    assert is_association_table(path) and not is_association_table("fdataset")
    data = load_association_table(path)
    assert data.name == "pairs" and _same_as(data, fdataset)
    assert data.drugs["name"].isna().all()


def test_a_table_with_another_separator_is_named(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("drug_id;disease_id\nd1;x\nd2;y\nd1;y\n")
    with pytest.raises(DataFormatError, match="are the columns separated by ';'"):
        load_association_table(path)
    assert load_association_table(path, sep=";").n_associations == 3


def test_other_id_columns(tmp_path, pairs, fdataset):
    path = tmp_path / "renamed.csv"
    pairs.rename(columns={"drug_id": "drugbank", "disease_id": "omim"}).to_csv(path, index=False)
    with pytest.raises(DataFormatError, match="missing columns"):
        load_association_table(path)
    assert _same_as(load_association_table(path, drug_col="drugbank", disease_col="omim"), fdataset)


@pytest.mark.parametrize("change, message, row, column", [
    (lambda t: t.assign(disease_id=t["disease_id"].where(t.index != 7)), "missing id", 7,
     "disease_id"),
    (lambda t: t.assign(drug_name=t["drug_name"].where(t.index != 3, "Something else")),
     "has two values", None, "drug_name"),
])
def test_errors_name_the_file_row_and_column(tmp_path, pairs, change, message, row, column):
    path = tmp_path / "bad.csv"
    change(pairs.copy()).to_csv(path, index=False)
    with pytest.raises(DataFormatError, match=message) as info:
        load_association_table(path)
    assert info.value.source == str(path) and info.value.column == column
    if row is not None:
        assert info.value.row == row
    else:                                      # the second name met for that drug
        drug = pairs.at[3, "drug_id"]
        assert pairs.loc[info.value.row, "drug_id"] == drug
    # the message names the line an editor shows: the header is line 1
    assert info.value.line == info.value.row + 2
    assert f"bad.csv, line {info.value.row + 2}, column '{column}'" in str(info.value)


def test_the_line_counts_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text('drug_id,disease_id,drug_name\nDB01,D1,"two\nlines"\n\n   \nDB02,,x\n')
    with pytest.raises(DataFormatError, match="gaps.csv, line 6, column 'disease_id': missing id"):
        load_association_table(path)


def test_missing_or_empty_files(tmp_path):
    with pytest.raises(DataFormatError, match="no such file"):
        load_association_table(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("drug_id,disease_id\n")
    with pytest.raises(DataFormatError, match="no rows"):
        load_association_table(empty)


def test_rows_longer_than_the_header_are_refused(tmp_path):
    # pandas would take the first field of such rows as an index and shift the ids
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("drug_id,disease_id\nDB01,D1,extra\nDB02,D2,extra\n")
    with pytest.raises(DataFormatError, match="shifted.csv: rows have more fields than the header"):
        load_association_table(shifted)
    trailing = tmp_path / "trailing.csv"  # a separator at the end of every line, header too
    trailing.write_text("drug_id,disease_id,\nDB01,D1,\nDB02,D2,\n")
    assert list(load_association_table(trailing).drugs["id"]) == ["DB01", "DB02"]
    with pytest.raises(ValueError, match="must differ"):
        load_association_table(trailing, disease_col="drug_id")


def test_a_column_named_twice_is_refused(tmp_path):
    # pandas would read the second as 'drug_id.1' and load the first without a word
    twice = tmp_path / "twice.csv"
    twice.write_text("drug_id,drug_id,disease_id\nDB01,DB09,D1\n")
    with pytest.raises(DataFormatError, match="names column 'drug_id' twice \\(columns 1 and 2\\)"):
        load_association_table(twice)


def test_parquet(tmp_path, pairs, fdataset):
    pytest.importorskip("pyarrow")
    path = tmp_path / "pairs.parquet"
    with_gap = pairs.copy()
    with_gap.loc[0, "drug_name"] = None                   # a missing name stays missing
    with_gap.to_parquet(path, index=False)
    assert is_association_table(path) and not is_association_table("pairs.parquet.gz")
    data = load_association_table(path)
    assert data.name == "pairs" and _same_as(data, fdataset)
    assert data.drugs["name"].notna().all()               # the drug's other rows name it
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(DataFormatError, match="Parquet") as info:
        load_association_table(broken)
    assert info.value.source == str(broken)


def test_whole_number_ids_are_ordered_as_numbers(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("drug_id,disease_id\n10,C1\n2,C1\n1,C2\n")
    data = load_association_table(path)
    assert data.drugs["id"].tolist() == ["1", "2", "10"]
    assert data.diseases["id"].tolist() == ["C1", "C2"]
    assert data.associations.tolist() == [[False, True], [True, False], [True, False]]
    for rows in ("5,C1\n05,C1\n", "05,C1\n5,C1\n"):  # the order of the rows does not matter
        path.write_text("drug_id,disease_id\n" + rows)
        assert load_association_table(path).drugs["id"].tolist() == ["05", "5"]
