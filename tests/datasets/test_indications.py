"""PharmacotherapyDB's indications read from the data root."""
from __future__ import annotations

import pytest

from graphmed.datasets.indications import PHARMACOTHERAPYDB, load_indications
from graphmed.errors import DataIntegrityError, DataNotFoundError


def test_treating_indications_by_default(data_root):
    table = load_indications(data_root)
    assert table.columns.tolist() == ["drug_id", "drug", "disease_id", "disease", "kind"]
    assert table["kind"].value_counts().to_dict() == {"DM": 755, "SYM": 390}
    assert table["drug_id"].str.startswith("DB").all()
    assert table["disease_id"].str.startswith("DOID:").all()
    assert {"Metformin", "type 2 diabetes mellitus"} <= set(table["drug"]) | set(table["disease"])


def test_kinds_select_rows(data_root):
    assert len(load_indications(data_root, kinds="NOT")) == 243
    with pytest.raises(ValueError, match="kinds must be some of"):
        load_indications(data_root, kinds=["treats"])


def test_missing_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHMED_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="hetionet"):
        load_indications(tmp_path)


def test_an_edited_copy_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHMED_OFFLINE", "1")
    path = tmp_path / PHARMACOTHERAPYDB.path
    path.parent.mkdir(parents=True)
    path.write_text("drug\tdisease\nMetformin\tdiabetes\n")
    with pytest.raises(DataIntegrityError, match="sha256"):
        load_indications(tmp_path)
