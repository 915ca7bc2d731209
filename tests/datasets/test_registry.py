"""The data set registry: names, aliases, descriptions."""
from __future__ import annotations

import pytest

from graphmed.datasets import dataset_info, list_datasets, load_dataset
from graphmed.errors import UnknownNameError


def test_names():
    assert list_datasets() == ["fdataset", "cdataset", "bdataset", "kdataset", "hdvd", "deepdr"]


@pytest.mark.parametrize("alias,name", [("F", "fdataset"), ("c", "cdataset"), ("b", "bdataset"),
                                        ("K", "kdataset"), ("B-dataset", "bdataset"),
                                        ("k_dataset", "kdataset"), ("HDVD", "hdvd")])
def test_aliases(alias, name):
    assert dataset_info(alias).name == name


def test_every_entry_is_described():
    for name in list_datasets():
        info = dataset_info(name)
        assert info.description and info.citation and info.files
        assert any(f.required for f in info.files)
        assert len({f.path for f in info.files}) == len(info.files)


def test_unknown_name_lists_known_ones():
    with pytest.raises(UnknownNameError, match="unknown dataset 'zdataset'; known: fdataset") as info:
        dataset_info("zdataset")
    assert "hdvd" in str(info.value)


def test_load_dataset_by_alias(data_root, hdvd):
    assert load_dataset("HDVD", data_root, download=False).checksum == hdvd.checksum
    assert load_dataset(" hdvd ", data_root, download=False).checksum == hdvd.checksum


def test_a_folder_given_as_a_data_set_is_named(tmp_path):
    with pytest.raises(UnknownNameError, match="is a folder; give a data set name or the path of "
                                               "an association table file"):
        load_dataset(tmp_path)


def test_a_file_of_another_format_is_named(tmp_path):
    (tmp_path / "pairs.xlsx").write_bytes(b"PK")
    with pytest.raises(UnknownNameError, match="cannot read .*pairs.xlsx' as an association "
                                               "table: save it as .csv, .tsv or .parquet"):
        load_dataset(tmp_path / "pairs.xlsx")


def test_a_name_that_is_not_text_is_refused():
    from graphmed.datasets import load_interactions

    with pytest.raises(UnknownNameError, match="a data set name or the path"):
        load_dataset(None)
    with pytest.raises(UnknownNameError, match="unknown interaction graph 'None'"):
        load_interactions(None)
