"""Where an input error points: file, line (or row) and column."""
from graphmed.errors import DataFormatError


def test_a_known_line_is_named_instead_of_the_row():
    error = DataFormatError("missing id", source="pairs.csv", row=2, column="drug_id", line=4)
    assert str(error) == "pairs.csv, line 4, column 'drug_id': missing id"
    assert (error.row, error.line, error.column) == (2, 4, "drug_id")


def test_without_a_line_the_row_is_named():
    error = DataFormatError("duplicate id 'x'", source="drugs", row=7, column="id")
    assert str(error) == "drugs, row 7, column 'id': duplicate id 'x'" and error.line is None
    assert str(DataFormatError("no rows")) == "no rows"
