import pytest

from graphmed.ehr import load_synthea, semantic_tag
from graphmed.errors import DataFormatError


def test_synthea_111_graph(synthea_folder):
    ehr = load_synthea()
    g = ehr.build()
    assert ehr.unit == "encounter"
    nodes = g.summary()["nodes"]
    assert nodes["patient"] == 111 and nodes["encounter"] == 7584
    assert nodes["diagnosis"] == 165 and nodes["procedure"] == 182 and nodes["drug"] == 99
    assert int(g.data["encounter", "diagnosed_with", "diagnosis"].edge_weight.sum()) == 4428
    assert int(g.data["encounter", "prescribed", "drug"].edge_weight.sum()) == 6124
    assert int(g.data["encounter", "underwent", "procedure"].edge_weight.sum()) == 11742
    assert g.num_edges(("patient", "has_encounter", "encounter")) == 7584
    assert "disorder" in g.nodes["diagnosis_category"]["id"].tolist()
    assert g.index_of("drug", "lisinopril") >= 0
    assert (g.data["patient"].x[:, 1] >= 0).all()


def test_synthea_patient_unit(synthea_folder):
    g = load_synthea(synthea_folder, unit="patient").build()
    assert "encounter" not in g.node_types
    assert g.num_nodes("patient") == 111


def test_semantic_tag():
    import pandas as pd

    tags = semantic_tag(pd.Series(["Hypertension (disorder)", "Stress (finding) ", "Plain"]))
    assert tags.tolist() == ["disorder", "finding", "unspecified"]


SYNTHEA = ["patients", "encounters", "conditions", "medications", "procedures"]


def _copy_with(synthea_folder, tmp_path, table, edit):
    import shutil

    import pandas as pd

    for name in SYNTHEA:
        shutil.copy(synthea_folder / f"{name}.csv.gz", tmp_path / f"{name}.csv.gz")
    frame = pd.read_csv(tmp_path / f"{table}.csv.gz", dtype=str, keep_default_na=False)
    edit(frame).to_csv(tmp_path / f"{table}.csv.gz", index=False)
    return tmp_path


@pytest.mark.parametrize("table, column, value", [("encounters", "START", "yesterday"),
                                                  ("patients", "BIRTHDATE", "1990-02-31"),
                                                  ("patients", "DEATHDATE", "unknown")])
def test_a_date_that_does_not_parse_is_named_by_file_line_and_column(
        synthea_folder, tmp_path, table, column, value):
    def edit(frame):
        frame.loc[3, column] = value
        return frame

    folder = _copy_with(synthea_folder, tmp_path, table, edit)
    with pytest.raises(DataFormatError, match=f"not ISO 8601 dates .*first '{value}'") as info:
        load_synthea(folder, verify=False)
    assert info.value.source.endswith(f"{table}.csv.gz")
    assert (info.value.row, info.value.column, info.value.line) == (3, column.lower(), 5)


def test_an_export_without_encounters_is_one_clear_error(synthea_folder, tmp_path):
    folder = _copy_with(synthea_folder, tmp_path, "encounters", lambda frame: frame.iloc[:0])
    with pytest.raises(DataFormatError, match=r"encounters.csv.gz: no rows \(a header only\?\); "
                                              "a graph for diagnosis needs patients"):
        load_synthea(folder, verify=False)


def test_a_condition_without_a_code_is_named_by_its_line_in_the_file(synthea_folder, tmp_path):
    def edit(frame):
        frame.loc[2, "CODE"] = ""
        return frame

    folder = _copy_with(synthea_folder, tmp_path, "conditions", edit)
    with pytest.raises(DataFormatError, match="conditions.csv.gz, line 4, column 'code': 1 row"):
        load_synthea(folder, verify=False)
