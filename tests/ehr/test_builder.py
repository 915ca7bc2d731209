import numpy as np
import pandas as pd
import pytest
import torch

from graphmed.ehr import EdgeTable, GraphSchema, NodeTable, build_hetero_graph, validate_schema
from graphmed.errors import DataFormatError


def tables():
    patients = pd.DataFrame({"pid": [10, 20, 30], "age": [30.0, 40.0, 50.0],
                             "female": [True, False, True]})
    drugs = pd.DataFrame({"drug": ["aspirin", "heparin"], "title": ["Aspirin", None]})
    takes = pd.DataFrame({"pid": [10, 10, 20, 30], "drug": ["aspirin", "aspirin", "heparin", "aspirin"],
                          "start": ["2100-01-02", "2100-01-01", "2100-02-01 10:00:00",
                                    "2100-01-01T00:00:00Z"],
                          "dose": [1.0, 3.0, 2.0, 4.0]})
    return patients, drugs, takes


def schema(patients=None, drugs=None, takes=None, **edge_options):
    p, d, t = tables()
    p = p if patients is None else patients
    d = d if drugs is None else drugs
    t = t if takes is None else takes
    options = {"source": "pid", "target": "drug", "label": "prescriptions", **edge_options}
    return GraphSchema([NodeTable("patient", p, id="pid", features=("age", "female"), label="patients"),
                        NodeTable("drug", d, id="drug", name="title", label="drugs")],
                       [EdgeTable(("patient", "takes", "drug"), t, **options)])


def test_build_nodes_edges_reverse_and_id_maps():
    graph = build_hetero_graph(schema(time="start", features=("dose",)), name="toy")
    data = graph.data
    assert data["patient"].num_nodes == 3 and data["drug"].num_nodes == 2
    assert data["patient"].x.dtype == torch.float32
    assert data["patient"].x.tolist() == [[30.0, 1.0], [40.0, 0.0], [50.0, 1.0]]
    forward = data["patient", "takes", "drug"]
    assert forward.edge_index.tolist() == [[0, 0, 1, 2], [0, 0, 1, 0]]
    reverse = data["drug", "rev_takes", "patient"]
    assert torch.equal(reverse.edge_index, forward.edge_index.flip(0))
    assert forward.edge_attr.shape == (4, 1) and torch.equal(reverse.edge_attr, forward.edge_attr)
    assert forward.time.dtype == torch.int64
    assert forward.time[1].item() == 4102444800  # 2100-01-01 UTC
    assert graph.index_of("patient", "20") == 1 and graph.index_of("drug", "heparin") == 1
    assert graph.name_of("drug", 0) == "Aspirin" and graph.name_of("drug", 1) == "heparin"


def test_duplicates_count_merges_pairs():
    graph = build_hetero_graph(schema(time="start", weight="dose", features=("dose",),
                                      duplicates="count"))
    store = graph.data["patient", "takes", "drug"]
    assert store.edge_index.tolist() == [[0, 1, 2], [0, 1, 0]]
    assert store.edge_weight.tolist() == [4.0, 2.0, 4.0]          # summed weight column
    assert store.edge_attr[:, 0].tolist() == [2.0, 2.0, 4.0]      # mean of the features
    assert store.time[0].item() == 4102444800                     # earliest of the pair
    counted = build_hetero_graph(schema(duplicates="count")).data["patient", "takes", "drug"]
    assert counted.edge_weight.tolist() == [2.0, 1.0, 1.0]


def test_no_reverse_edges():
    graph = build_hetero_graph(schema(reverse=False))
    assert graph.edge_types == [("patient", "takes", "drug")]


def error(s) -> DataFormatError:
    with pytest.raises(DataFormatError) as info:
        validate_schema(s)
    return info.value


def test_dangling_ids_name_table_column_and_rows():
    _, _, takes = tables()
    exc = error(schema(takes=takes.assign(pid=[10, 99, 20, 77])))
    assert (exc.source, exc.column, exc.row) == ("prescriptions", "pid", 1)
    assert "2 source ids are not 'patient' nodes" in str(exc) and "1 (99), 3 (77)" in str(exc)
    exc = error(schema(takes=takes.assign(drug=["aspirin", "warfarin", "heparin", "aspirin"])))
    assert (exc.column, exc.row) == ("drug", 1) and "'warfarin'" in str(exc)


def test_duplicate_node_ids():
    exc = error(schema(patients=pd.DataFrame({"pid": [10, 20, 10, 20], "age": 1.0, "female": 0})))
    assert (exc.source, exc.column, exc.row) == ("patients", "pid", 2)
    assert "2 ids are duplicates" in str(exc) and "first at row 0" in str(exc)


def test_type_clash_between_edge_and_node_ids():
    _, _, takes = tables()
    exc = error(schema(takes=takes.assign(pid=["10", "10", "20", "30"])))
    assert exc.column == "pid" and "type clash" in str(exc) and "strings" in str(exc)


def test_mixed_and_missing_ids():
    _, drugs, takes = tables()
    exc = error(schema(drugs=drugs.assign(drug=["aspirin", 7])))
    assert (exc.source, exc.column, exc.row) == ("drugs", "drug", 1)
    exc = error(schema(takes=takes.assign(drug=["aspirin", None, "heparin", "aspirin"])))
    assert (exc.column, exc.row) == ("drug", 1) and "missing" in str(exc)
    exc = error(schema(patients=pd.DataFrame({"pid": [1.5, 2.0, 3.0], "age": 1.0, "female": 0})))
    assert exc.row == 0 and "whole numbers" in str(exc)


def test_infinite_huge_and_tuple_ids():
    _, _, takes = tables()
    exc = error(schema(patients=pd.DataFrame({"pid": [10.0, np.inf, 30.0], "age": 1.0, "female": 0})))
    assert (exc.column, exc.row) == ("pid", 1) and "infinite or too large" in str(exc)
    exc = error(schema(takes=takes.assign(pid=[10.0, 1e30, 20.0, 30.0])))
    assert (exc.source, exc.row) == ("prescriptions", 1) and "too large" in str(exc)
    pairs = pd.DataFrame({"pid": [(1, 2), (3, 4), (5, 6)], "age": 1.0, "female": 0})
    exc = error(schema(patients=pairs))
    assert exc.row == 0 and "ids are of type tuple; ids must be integers or strings" in str(exc)


def test_float_ids_that_are_whole_numbers_match_integers():
    _, _, takes = tables()
    graph = build_hetero_graph(schema(takes=takes.assign(pid=takes["pid"].astype(float))))
    assert graph.num_edges(("patient", "takes", "drug")) == 4


def test_empty_tables_and_missing_columns():
    _, _, takes = tables()
    exc = error(schema(takes=takes.iloc[:0]))
    assert exc.source == "prescriptions" and "empty" in str(exc)
    exc = error(schema(patients=pd.DataFrame({"pid": [], "age": [], "female": []})))
    assert exc.source == "patients"
    exc = error(schema(takes=takes.rename(columns={"pid": "patient_id"})))
    assert exc.column == "pid" and "patient_id" in str(exc)


def test_bad_features_times_and_duplicate_edges():
    patients, _, takes = tables()
    exc = error(schema(patients=patients.assign(age=[30, "old", np.nan])))
    assert (exc.column, exc.row) == ("age", 1) and "2 values" in str(exc)
    exc = error(schema(takes=takes.assign(start=["2100-01-01", "soon", None, "2100-01-01"]),
                       time="start"))
    assert (exc.column, exc.row) == ("start", 1)
    exc = error(schema(takes=takes.assign(start=pd.array([0, 5, None, 7], dtype="Int64")),
                       time="start"))  # integer seconds with a gap
    assert (exc.column, exc.row) == ("start", 2) and "missing" in str(exc)
    exc = error(schema(duplicates="error"))
    assert exc.row == 1 and "(10, 'aspirin')" in str(exc)


def test_schema_structure_errors():
    patients, drugs, takes = tables()
    bad = GraphSchema([NodeTable("patient", patients, id="pid")],
                      [EdgeTable(("patient", "takes", "drugs"), takes, source="pid", target="drug")])
    assert "'drugs' has no node table" in str(error(bad))
    twice = GraphSchema([NodeTable("patient", patients, id="pid"),
                         NodeTable("patient", drugs, id="drug")])
    assert "declared twice" in str(error(twice))
    clash = GraphSchema([NodeTable("patient", patients, id="pid"), NodeTable("drug", drugs, id="drug")],
                        [EdgeTable(("patient", "takes", "drug"), takes, source="pid", target="drug"),
                         EdgeTable(("drug", "rev_takes", "patient"), takes, source="drug",
                                   target="pid")])
    assert "comes from two tables" in str(error(clash))


def test_table_declarations_are_checked_when_made():
    patients, drugs, takes = tables()
    with pytest.raises(TypeError, match=r"edge_type must be \(source node type, relation, target"):
        EdgeTable(("patient", "drug"), takes, source="pid", target="drug")
    with pytest.raises(TypeError, match="'patient-takes->drug': target must name a column"):
        EdgeTable(("patient", "takes", "drug"), takes, source="pid", target=None)
    with pytest.raises(TypeError, match="'patient': id must name the column of node ids"):
        NodeTable("patient", patients, id=None)
    with pytest.raises(TypeError, match="'drug': expected a pandas DataFrame, got dict"):
        NodeTable("drug", drugs.to_dict(), id="drug")


def test_many_rows_with_repeated_pairs():
    rng = np.random.default_rng(0)
    n = 200_000
    edges = pd.DataFrame({"a": rng.integers(0, 5_000, n), "b": rng.integers(0, 300, n)})
    s = GraphSchema([NodeTable("a", pd.DataFrame({"id": np.arange(5_000)}), id="id"),
                     NodeTable("b", pd.DataFrame({"id": [f"d{i}" for i in range(300)]}), id="id")],
                    [EdgeTable(("a", "r", "b"), edges.assign(b="d" + edges["b"].astype(str)),
                               source="a", target="b", duplicates="count")])
    graph = build_hetero_graph(s)
    store = graph.data["a", "r", "b"]
    assert int(store.edge_weight.sum()) == n
    pairs = edges.drop_duplicates()
    assert store.edge_index.shape[1] == len(pairs)
