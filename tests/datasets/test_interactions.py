"""Interaction graphs: tables of pairs, ogbl-ddi with DrugBank ids and names, errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.interactions import (InteractionGraph, drug_names, load_interaction_table,
                                            load_interactions, unique_pairs)
from graphmed.errors import DataFormatError, UnknownNameError


def _write(tmp_path, rows, name="ddi.csv", **columns):
    table = pd.DataFrame(rows, columns=["drug_a", "drug_b"]).assign(**columns)
    path = tmp_path / name
    table.to_csv(path, index=False) if name.endswith(".csv") else table.to_csv(path, sep="\t",
                                                                              index=False)
    return path


def test_unique_pairs_orders_and_deduplicates():
    pairs = unique_pairs([[2, 1], [1, 2], [0, 3], [3, 3], [1, 2]])
    np.testing.assert_array_equal(pairs, [[0, 3], [1, 2]])


def test_table_of_pairs(tmp_path):
    path = _write(tmp_path, [("b", "a"), ("a", "b"), ("c", "a"), ("c", "c"), (" d ", "b")],
                  drug_a_name=["Bee", "Ay", "Sea", "Sea", None])
    graph = load_interactions(path)
    assert isinstance(graph, InteractionGraph) and graph.name == "ddi"
    assert graph.drugs["id"].tolist() == ["a", "b", "c", "d"]  # sorted, stripped
    assert graph.drugs["name"].tolist() == ["Ay", "Bee", "Sea", "d"]  # no name: the id
    np.testing.assert_array_equal(graph.edges, [[0, 1], [0, 2], [1, 3]])  # once each, no c-c
    assert graph.split is None and graph.sources == {"interactions": str(path)}
    assert graph.partners(0).tolist() == [False, True, True, False]
    assert graph.partners(3).tolist() == [False, True, False, False]


def test_table_errors_name_file_row_and_column(tmp_path):
    two_names = _write(tmp_path, [("a", "b"), ("a", "c")], name="two.tsv",
                       drug_a_name=["Ay", "Aye"])
    with pytest.raises(DataFormatError, match=r"drug 'a' has two names: 'Ay' and 'Aye'") as error:
        load_interaction_table(two_names)
    assert (error.value.row, error.value.column) == (1, "drug_a_name")
    across = _write(tmp_path, [("a", "b"), ("b", "c")], name="across.csv",
                    drug_a_name=["Ay", "Bee"], drug_b_name=["Bea", "Sea"])
    with pytest.raises(DataFormatError, match="drug 'b' has two names"):
        load_interaction_table(across)
    missing = _write(tmp_path, [("a", "b"), ("a", None)], name="missing.csv")
    with pytest.raises(DataFormatError, match="missing id") as error:
        load_interaction_table(missing)
    assert (error.value.row, error.value.column) == (1, "drug_b")
    assert error.value.line == 3 and "missing.csv, line 3, column 'drug_b'" in str(error.value)
    with pytest.raises(DataFormatError, match="pairs a drug with itself"):
        load_interaction_table(_write(tmp_path, [("a", "a")], name="self.csv"))
    with pytest.raises(DataFormatError, match="no such file"):
        load_interaction_table(tmp_path / "absent.csv")
    with pytest.raises(UnknownNameError, match="unknown interaction graph 'hetionet'"):
        load_interactions("hetionet")


def test_drug_names_from_the_data_sets_under_the_root(data_root):
    names = drug_names(["DB00007", "DB99999", "DB00682", "DB00093"], data_root)
    assert names[0] == "Leuprolide" and pd.isna(names[1])
    assert names[2].lower() == "warfarin"
    assert names[3] == "Felypressin"  # named by Hetionet's compounds only


def test_ogbl_ddi_interactions(data_root):
    from graphmed.datasets.ogbl_ddi import COUNTS

    graph = load_interactions("ogbl-ddi", data_root)
    assert graph.n_drugs == 4267 and graph.drugs["id"].str.match(r"DB\d{5}$").all()
    # every positive of the three parts, each unordered pair once
    assert graph.n_interactions == 1_334_889
    assert (graph.edges[:, 0] < graph.edges[:, 1]).all()
    assert {k: len(v) for k, v in graph.split.items()} == {
        "train": COUNTS["train"], "valid_pos": COUNTS["valid"], "valid_neg": COUNTS["valid_neg"]}
    named = (graph.drugs["name"] != graph.drugs["id"]).sum()
    assert named >= 1700, named
    warfarin = graph.drugs.index[graph.drugs["name"].str.lower() == "warfarin"]
    assert graph.drugs["id"][warfarin].tolist() == ["DB00682"]
