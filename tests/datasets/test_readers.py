"""File readers: every failure is a DataFormatError that names the file and the problem."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
import scipy.io

from graphmed.datasets.readers import (check_index_column, file_line, check_same_ids, check_square,
                                       mat_strings, read_labelled_matrix, read_mat, read_matrix,
                                       read_pairs, read_table)
from graphmed.errors import DataFormatError


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


def test_read_mat_roundtrip_and_strings(tmp_path):
    path = tmp_path / "x.mat"
    cell = np.empty((2, 1), dtype=object)
    cell[0, 0], cell[1, 0] = "DB001", "DB002"
    scipy.io.savemat(path, {"a": np.eye(2), "names": cell})
    out = read_mat(path, ["a", "names"])
    assert np.array_equal(out["a"], np.eye(2))
    assert mat_strings(out["names"]) == ["DB001", "DB002"]


def test_read_mat_missing_variable(tmp_path):
    path = tmp_path / "x.mat"
    scipy.io.savemat(path, {"a": np.eye(2)})
    with pytest.raises(DataFormatError, match=r"variables \['b'\] are missing") as info:
        read_mat(path, ["a", "b"])
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"not a matlab file at all" * 10])
def test_read_mat_garbage(tmp_path, content):
    path = tmp_path / "x.mat"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match="cannot be read as a MATLAB v5 file") as info:
        read_mat(path, ["a"])
    assert info.value.source == str(path)


def test_read_table_missing_column(tmp_path):
    path = write(tmp_path, "t.tsv", "id\tname\nA\ta\n")
    with pytest.raises(DataFormatError, match=r"missing columns \['smiles'\]") as info:
        read_table(path, required=["id", "smiles"])
    assert str(path) in str(info.value) and info.value.column == "smiles"


def test_read_table_empty_file(tmp_path):
    path = write(tmp_path, "t.tsv", "")
    with pytest.raises(DataFormatError, match="cannot be parsed as a table") as info:
        read_table(path)
    assert str(path) in str(info.value)


def test_read_matrix_reads_gzip(tmp_path):
    path = write(tmp_path, "m.csv.gz", "1,0.5\n0.5,1\n")
    assert np.array_equal(read_matrix(path).to_numpy(), [[1, 0.5], [0.5, 1]])


@pytest.mark.parametrize("cell", ["", "nan", "abc", "inf"])
def test_read_matrix_bad_cell_names_row_and_column(tmp_path, cell):
    path = write(tmp_path, "m.csv", f"1,0.5,0\n0.5,1,0\n0,{cell},1\n")
    with pytest.raises(DataFormatError, match="empty, NaN or not numbers") as info:
        read_matrix(path)
    assert (info.value.row, info.value.column) == (2, "1")
    assert str(path) in str(info.value) and "row 2" in str(info.value)


def test_read_matrix_duplicate_header_label(tmp_path):
    path = write(tmp_path, "m.csv", ",a,b,a\na,1,0,0\nb,0,1,0\nc,0,0,1\n")
    with pytest.raises(DataFormatError, match="'a' appears more than once") as info:
        read_matrix(path, header=0, index_col=0)
    assert info.value.column == 2 and str(path) in str(info.value)


def test_read_labelled_matrix(tmp_path):
    path = write(tmp_path, "m.txt", "\tDB2\tDB1\nDB2\t1\t0.2\nDB1\t0.2\t1\n")
    matrix = read_labelled_matrix(path)
    assert list(matrix.index) == ["DB2", "DB1"] and matrix.loc["DB1", "DB2"] == 0.2


def test_read_pairs(tmp_path):
    path = write(tmp_path, "p.csv.gz", "drug,disease\n0,1\n2,0\n")
    matrix = read_pairs(path, ("drug", "disease"), (3, 2))
    assert matrix.dtype == bool and matrix.shape == (3, 2)
    assert np.argwhere(matrix).tolist() == [[0, 1], [2, 0]]


@pytest.mark.parametrize("rows,row,column,problem", [
    ("0,1\n3,0\n", 1, "drug", "not indices in 0..2"),
    ("0,1\n1,-1\n", 1, "disease", "not indices in 0..1"),
    ("0,1\n1,0.5\n", 1, "disease", "not indices"),
    ("0,1\n,1\n", 1, "drug", "not indices"),
    ("0,1\n1,x\n", 1, "disease", "not indices"),
    ("0,1\n1,0\n0,1\n", 2, None, "pair (0, 1) is listed more than once"),
])
def test_read_pairs_errors(tmp_path, rows, row, column, problem):
    path = write(tmp_path, "p.csv", "drug,disease\n" + rows)
    with pytest.raises(DataFormatError) as info:
        read_pairs(path, ("drug", "disease"), (3, 2))
    assert problem in str(info.value) and str(path) in str(info.value)
    assert (info.value.row, info.value.column) == (row, column)


def test_read_pairs_missing_column(tmp_path):
    path = write(tmp_path, "p.csv", "drug,dis\n0,1\n")
    with pytest.raises(DataFormatError, match="missing columns"):
        read_pairs(path, ("drug", "disease"), (3, 2))


def test_check_square(tmp_path):
    ok = np.array([[1.0, 0.3], [0.3, 1.0]])
    assert np.array_equal(check_square(ok, 2, tmp_path / "s", "sim", symmetric=True), ok)
    with pytest.raises(DataFormatError, match=r"sim has shape \(2, 3\), expected \(2, 2\)") as info:
        check_square(np.ones((2, 3)), 2, tmp_path / "s", "sim")
    assert str(tmp_path / "s") in str(info.value)
    with pytest.raises(DataFormatError, match="1 NaN/inf") as info:
        check_square(np.array([[1, np.nan], [0, 1]]), 2, tmp_path / "s", "sim")
    assert (info.value.row, info.value.column) == (0, 1)
    with pytest.raises(DataFormatError, match="not symmetric") as info:
        check_square(np.array([[1, 0.2], [0.3, 1]]), 2, tmp_path / "s", "sim", symmetric=True)
    assert (info.value.row, info.value.column) == (0, 1)
    check_square(np.array([[1, 0.2], [0.3, 1]]), 2, tmp_path / "s", "sim")  # not asked


def test_check_index_column(tmp_path):
    import pandas as pd

    check_index_column(pd.DataFrame({"ID": [0, 1, 2]}), "ID", tmp_path / "t.csv")
    with pytest.raises(DataFormatError, match="expected the row number 1, found 2") as info:
        check_index_column(pd.DataFrame({"ID": [0, 2, 1]}), "ID", tmp_path / "t.csv")
    assert (info.value.row, info.value.column) == (1, "ID")


def test_check_same_ids(tmp_path):
    check_same_ids(["a", "b"], ["a", "b"], tmp_path / "t", "id", "x.mat")
    with pytest.raises(DataFormatError, match="found 'c', expected 'b'") as info:
        check_same_ids(["a", "c"], ["a", "b"], tmp_path / "t", "id", "x.mat")
    assert info.value.row == 1 and "x.mat" in str(info.value)
    with pytest.raises(DataFormatError, match="found nothing, expected 'b'") as info:
        check_same_ids(["a"], ["a", "b"], tmp_path / "t", "id", "x.mat")
    assert info.value.row == 1


def test_file_line_follows_pandas_rows(tmp_path):
    import pandas as pd

    # a blank line, a line of spaces (both skipped), a row of blank fields (a row), a quoted break
    text = 'a\tb\n1\t2\n\n  \n \t \n3\t"x\ny"\n\t5\n'
    plain, packed = tmp_path / "t.tsv", tmp_path / "t.tsv.gz"
    plain.write_text(text)
    with gzip.open(packed, "wt") as handle:
        handle.write(text)
    table = pd.read_csv(plain, sep="\t", dtype=str)
    assert table["b"].tolist()[-1] == "5" and len(table) == 4
    for path in (plain, packed):
        assert [file_line(path, row, sep="\t") for row in range(4)] == [2, 5, 6, 8]
        assert file_line(path, 4, sep="\t") is None and file_line(path, None) is None
    assert file_line(tmp_path / "absent.csv", 0) is None
