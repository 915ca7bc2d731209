import numpy as np
import pandas as pd
import pytest

from graphmed.ehr import EdgeTable, GraphSchema, NodeTable, build_hetero_graph
from graphmed.ehr.window import first_hours


def _graph(procedure_times: bool = True):
    """Two admissions starting at 08:00 on days 1 and 3; drugs, procedures and diagnoses."""
    admissions = pd.DataFrame({"hadm": [1, 2], "pid": [1, 1],
                               "admit": pd.to_datetime(["2150-01-01 08:00", "2150-01-03 08:00"])})
    rx = pd.DataFrame({"hadm": [1, 1, 1, 2], "drug": ["a", "b", "b", "a"],
                       "start": pd.to_datetime(["2150-01-01 09:00", "2150-01-02 20:00",
                                                "2150-01-01 07:00", "2150-01-05 08:00"])})
    px = pd.DataFrame({"hadm": [1, 2], "proc": ["p", "p"],
                       "day": pd.to_datetime(["2150-01-01", "2150-01-04"])})
    dx = pd.DataFrame({"hadm": [1, 2], "code": ["d", "d"]})
    schema = GraphSchema(
        nodes=[NodeTable("patient", pd.DataFrame({"pid": [1]}), id="pid"),
               NodeTable("admission", admissions, id="hadm", time="admit"),
               NodeTable("drug", pd.DataFrame({"drug": ["a", "b"]}), id="drug"),
               NodeTable("procedure", pd.DataFrame({"proc": ["p"]}), id="proc"),
               NodeTable("diagnosis", pd.DataFrame({"code": ["d"]}), id="code")],
        edges=[EdgeTable(("patient", "has_admission", "admission"), admissions, source="pid",
                         target="hadm"),
               EdgeTable(("admission", "prescribed", "drug"), rx, source="hadm", target="drug",
                         time="start", duplicates="count"),
               EdgeTable(("admission", "underwent", "procedure"), px, source="hadm",
                         target="proc", time="day" if procedure_times else None),
               EdgeTable(("admission", "diagnosed_with", "diagnosis"), dx, source="hadm",
                         target="code")])
    return build_hetero_graph(schema, name="toy")


def _pairs(graph, edge_type):
    return sorted(map(tuple, graph.data[edge_type].edge_index.t().tolist()))


def test_units_keep_the_codes_first_recorded_within_the_window():
    graph = _graph()
    rx, rev = ("admission", "prescribed", "drug"), ("drug", "rev_prescribed", "admission")
    early = first_hours(graph, 24)
    # admission 0: drug a at +1 h, drug b first at -1 h (its later record does not matter);
    # admission 1: drug a at +48 h, outside
    assert _pairs(early, rx) == [(0, 0), (0, 1)]
    assert _pairs(early, rev) == [(0, 0), (1, 0)]                 # the reverse edges alike
    assert early.data[rx].edge_weight.tolist() == [1.0, 2.0]     # attributes filtered alike
    # procedures have a day only: the one of day 4 is inside 24 h of day 3, 08:00
    assert _pairs(early, ("admission", "underwent", "procedure")) == [(0, 0), (1, 0)]
    assert _pairs(first_hours(graph, 0), ("admission", "underwent", "procedure")) == [(0, 0)]
    assert _pairs(first_hours(graph, 48), rx) == [(0, 0), (0, 1), (1, 0)]
    # diagnoses (the labels) and the patient edges are left as they are; the input is unchanged
    for edge_type in graph.data.edge_types:
        if "diagnos" in edge_type[1] or "admission" in edge_type[1]:
            assert _pairs(early, edge_type) == _pairs(graph, edge_type)
    assert _pairs(graph, rx) == [(0, 0), (0, 1), (1, 0)]
    assert graph.data[rx].edge_weight.tolist() == [1.0, 2.0, 1.0]


def test_codes_without_times_and_units_without_a_start_are_named():
    graph = _graph(procedure_times=False)
    with pytest.raises(ValueError, match="admission-underwent->procedure edges have no time"):
        first_hours(graph, 24)
    underwent = ("admission", "underwent", "procedure")
    assert _pairs(first_hours(graph, 24, untimed="drop"), underwent) == []
    assert _pairs(first_hours(graph, 24, untimed="keep"), underwent) == _pairs(graph, underwent)
    for hours in (-1, float("nan"), float("inf"), "24", True):
        with pytest.raises(ValueError, match="hours must be a finite number >= 0"):
            first_hours(graph, hours)
    with pytest.raises(ValueError, match="hours must be at most 1,000,000"):
        first_hours(graph, 1e300)
    import numpy as np

    for hours in (np.int64(24), np.float32(24.0)):  # numpy numbers are numbers
        assert _pairs(first_hours(graph, hours, untimed="keep"), underwent) == _pairs(graph, underwent)
    with pytest.raises(ValueError, match="untimed must be one of"):
        first_hours(graph, 24, untimed="ignore")


def test_the_ehr_data_instead_of_its_graph_is_named(mimic4_folder):
    from graphmed.ehr import load_mimic4
    from graphmed.tasks.diagnosis import build_diagnosis_task, patient_folds

    ehr = load_mimic4(mimic4_folder)
    with pytest.raises(TypeError, match=r"expected a MedGraph, got EHRData \(call its .build\(\)\)"):
        first_hours(ehr, 24)
    folds = patient_folds(100, 5, seed=0)
    with pytest.raises(TypeError, match="expected a MedGraph, got EHRData"):
        build_diagnosis_task(ehr, folds[0])
    with pytest.raises(TypeError, match="fold must be a PatientFold"):
        build_diagnosis_task(ehr.build(), (folds[0].train, folds[0].val, folds[0].test))


def test_patient_units_have_no_start(mimic4_folder):
    from graphmed.ehr import load_mimic4

    with pytest.raises(ValueError, match="'patient' nodes have no start time"):
        first_hours(load_mimic4(mimic4_folder, unit="patient").build(), 24)


def test_mimic4_demo_first_day(mimic4_folder):
    from graphmed.ehr import load_mimic4

    graph = load_mimic4(mimic4_folder, labs=True).build()
    day = first_hours(graph, 24)
    start = graph.data["admission"].time.numpy()
    for edge_type in [("admission", "prescribed", "drug"), ("admission", "abnormal_result", "lab"),
                      ("admission", "underwent", "procedure")]:
        kept, every = day.data[edge_type], graph.data[edge_type]
        assert 0 < kept.edge_index.size(1) < every.edge_index.size(1)
        late = every.time.numpy() - start[every.edge_index[0].numpy()] > 24 * 3600
        assert kept.edge_index.size(1) == int((~late).sum())
        assert np.all(kept.time.numpy() - start[kept.edge_index[0].numpy()] <= 24 * 3600)
