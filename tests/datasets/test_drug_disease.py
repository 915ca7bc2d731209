"""DrugDiseaseDataset: construction from tables, validation, checksum."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphmed.datasets.drug_disease import DrugDiseaseDataset, plural, sorted_ids
from graphmed.errors import DataFormatError

PAIRS = pd.DataFrame({"drug_id": ["d2", "d1", "d2"], "disease_id": ["x", "y", "y"]})


def small(**overrides) -> DrugDiseaseDataset:
    fields = dict(
        name="small", associations=np.array([[1, 0], [0, 1], [0, 0]], dtype=bool),
        drugs=pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", pd.NA],
                            "smiles": ["C", "CC", pd.NA]}),
        diseases=pd.DataFrame({"id": ["x", "y"], "name": ["X", "Y"]}),
        drug_similarities={"chem": np.eye(3)}, disease_similarities={"pheno": np.eye(2)},
        sources={"associations": "assoc.csv", "drugs": "drugs.tsv", "diseases": "dis.tsv",
                 "drug_similarity:chem": "chem.csv"})
    fields.update(overrides)
    return DrugDiseaseDataset(**fields)


def test_from_tables_sorted_ids_and_orientation():
    data = DrugDiseaseDataset.from_tables("t", PAIRS)
    assert data.drugs["id"].tolist() == ["d1", "d2"] and data.diseases["id"].tolist() == ["x", "y"]
    assert data.associations.tolist() == [[False, True], [True, True]]
    assert data.positive_pairs.tolist() == [[0, 1], [1, 0], [1, 1]]
    assert data.n_associations == 3 and data.drugs["name"].isna().all()


def test_from_tables_entity_tables_fix_order_and_keep_unlinked():
    drugs = pd.DataFrame({"id": ["d2", "d3", "d1"], "name": ["two", "three", "one"],
                          "smiles": ["CC", None, "C"]})
    data = DrugDiseaseDataset.from_tables("t", PAIRS, drugs=drugs)
    assert data.drugs["id"].tolist() == ["d2", "d3", "d1"] and data.n_drugs == 3
    assert data.associations[1].sum() == 0 and data.associations[0].tolist() == [True, True]
    assert data.drugs["name"].tolist() == ["two", "three", "one"]
    assert data.drugs["smiles"].isna().tolist() == [False, True, False]


def test_from_tables_integer_ids():
    pairs = pd.DataFrame({"drug_id": [0, 1], "disease_id": [5, 5]})
    data = DrugDiseaseDataset.from_tables("t", pairs, drugs=pd.DataFrame({"id": [1, 0]}))
    assert data.drugs["id"].tolist() == ["1", "0"] and data.associations[:, 0].tolist() == [1, 1]


def test_from_tables_orders_integer_ids_as_numbers():
    # ids 1..12 with similarity arrays in that order: text order (1, 10, 11, 12, 2, ...) would
    # pair each drug with another drug's row of the matrix
    pairs = pd.DataFrame({"drug_id": [10, 2, 1, 12], "disease_id": [3, 3, 20, 20]})
    data = DrugDiseaseDataset.from_tables("t", pairs)
    assert data.drugs["id"].tolist() == ["1", "2", "10", "12"]
    assert data.diseases["id"].tolist() == ["3", "20"]
    assert data.associations.tolist() == [[False, True], [True, False], [True, False], [False, True]]
    as_text = DrugDiseaseDataset.from_tables("t", pairs.astype(str))  # as read_csv(dtype=str)
    assert as_text.drugs["id"].tolist() == ["1", "2", "10", "12"]
    assert np.array_equal(as_text.associations, data.associations)


def test_sorted_ids_depend_on_the_set_only():
    assert sorted_ids(["10", "2", "-1", "05", "5"]) == ["-1", "2", "05", "5", "10"]
    assert sorted_ids(["5", "05"]) == sorted_ids(["05", "5"]) == ["05", "5"]
    assert sorted_ids(["b", "10", "2"]) == ["10", "2", "b"]  # not all numbers: as text
    assert sorted_ids(["1.5", "10"]) == ["1.5", "10"]
    assert sorted_ids([str(10 ** 30), "7"]) == ["7", str(10 ** 30)]


def test_from_tables_dates_as_ids():
    pairs = pd.DataFrame({"drug_id": pd.to_datetime(["2020-01-02", "2020-01-01"]),
                          "disease_id": ["a", "b"]})
    data = DrugDiseaseDataset.from_tables("t", pairs)
    assert data.drugs["id"].tolist() == ["2020-01-01", "2020-01-02"]


def test_from_tables_unknown_id():
    drugs = pd.DataFrame({"id": ["d2"]})
    with pytest.raises(DataFormatError, match="'d1' is not in the drugs table") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, drugs=drugs)
    assert (info.value.row, info.value.column) == (1, "drug_id")
    assert "associations" in str(info.value)


def test_from_tables_missing_column():
    with pytest.raises(DataFormatError, match="missing column 'disease_id'") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS.rename(columns={"disease_id": "dis"}))
    assert info.value.column == "disease_id"


def test_from_tables_nan_id():
    pairs = PAIRS.copy()
    pairs.loc[2, "disease_id"] = np.nan
    with pytest.raises(DataFormatError, match="missing id") as info:
        DrugDiseaseDataset.from_tables("t", pairs)
    assert (info.value.row, info.value.column) == (2, "disease_id")


def test_from_tables_nan_id_in_entity_table():
    drugs = pd.DataFrame({"id": ["d1", "d2", None]})
    with pytest.raises(DataFormatError, match="missing id") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, drugs=drugs)
    assert (info.value.row, info.value.column) == (2, "id")


def test_from_tables_duplicate_id_in_entity_table():
    drugs = pd.DataFrame({"id": ["d1", "d2", "d1"]})
    with pytest.raises(DataFormatError, match=r"duplicate id 'd1' \(first seen in row 0\)") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, drugs=drugs)
    assert info.value.row == 2


def test_from_tables_entity_table_without_id():
    with pytest.raises(DataFormatError, match="needs an 'id' column") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, diseases=pd.DataFrame({"name": ["x"]}))
    assert info.value.source == "diseases"


def test_from_tables_aligns_similarity_dataframe_by_id():
    sim = pd.DataFrame([[1.0, 0.3], [0.3, 1.0]], index=["d2", "d1"], columns=["d2", "d1"])
    before = sim.copy()
    data = DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": sim},
                                          disease_similarities={"p": np.array([[1, .5], [.5, 1]])})
    assert data.drugs["id"].tolist() == ["d1", "d2"]
    np.testing.assert_array_equal(data.drug_similarities["chem"], [[1.0, 0.3], [0.3, 1.0]])
    sim.loc["d1", "d2"] = sim.loc["d2", "d1"] = 0.9
    unsym = sim.loc[["d1", "d2"], ["d2", "d1"]]  # columns in another order than rows
    data = DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": unsym})
    np.testing.assert_array_equal(data.drug_similarities["chem"], [[1.0, 0.9], [0.9, 1.0]])
    pd.testing.assert_index_equal(before.index, pd.Index(["d2", "d1"]))  # caller's frame intact


def test_a_matrix_unlike_a_similarity_is_warned_about(recwarn):
    DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": np.eye(2)})
    assert not recwarn.list                              # a similarity: nothing to say
    distance = np.array([[0.0, 2.5], [2.5, 0.0]])
    with pytest.warns(UserWarning, match=r"drug similarity 'dist': its diagonal runs from 0 to 0, "
                                         r"not 1 \(a distance matrix\?\); its values run from 0 "
                                         r"to 2.5, outside \[0, 1\]"):
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"dist": distance})
    with pytest.warns(UserWarning, match="disease similarity 'p': it is not symmetric"):
        DrugDiseaseDataset.from_tables("t", PAIRS, disease_similarities={
            "p": np.array([[1.0, 0.2], [0.7, 1.0]])})


def test_from_tables_similarity_missing_id():
    sim = pd.DataFrame(np.eye(2), index=["d1", "zz"], columns=["d1", "d2"])
    with pytest.raises(DataFormatError, match="drug id 'd2' is missing from the index") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": sim})
    assert "drug similarity 'chem'" in str(info.value)


def test_from_tables_similarity_duplicate_id():
    sim = pd.DataFrame(np.eye(3), index=["d1", "d2", "d1"], columns=["d1", "d2", "d3"])
    with pytest.raises(DataFormatError, match="'d1' appears twice in the index"):
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": sim})


def test_from_tables_similarity_entry_that_is_not_a_number():
    sim = pd.DataFrame([[1.0, .5], [.5, 1.0]], index=["d1", "d2"], columns=["d1", "d2"]).astype(object)
    sim.loc["d2", "d1"] = "high"
    with pytest.raises(DataFormatError, match="drug similarity 'chem': 'high' at row id 'd2', "
                                              "column id 'd1' is not a number"):
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": sim})
    array = np.array([[1.0, .5], [.5, "x"]], dtype=object)
    with pytest.raises(DataFormatError, match="row 1, column 1: 'x' is not a number") as info:
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities={"chem": array})
    assert (info.value.row, info.value.column) == (1, 1)


def test_from_tables_similarities_must_be_named_views():
    with pytest.raises(DataFormatError, match="drug similarities must be a mapping of view name "
                                              "to matrix.*got ndarray"):
        DrugDiseaseDataset.from_tables("t", PAIRS, drug_similarities=np.eye(2))


def test_from_tables_similarity_array_wrong_shape():
    with pytest.raises(DataFormatError, match=r"has shape \(3, 3\), expected \(2, 2\)"):
        DrugDiseaseDataset.from_tables("t", PAIRS, disease_similarities={"p": np.eye(3)})


def test_from_tables_rejects_non_dataframe():
    with pytest.raises(DataFormatError, match="pandas DataFrame"):
        DrugDiseaseDataset.from_tables("t", PAIRS.to_numpy())


def test_numeric_associations_become_bool():
    data = small(associations=np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    assert data.associations.dtype == bool and data.n_associations == 2


@pytest.mark.parametrize("value", [2.0, 0.5, np.nan, -1.0])
def test_association_values_must_be_zero_or_one(value):
    assoc = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assoc[2, 1] = value
    with pytest.raises(DataFormatError, match="must be 0 or 1") as info:
        small(associations=assoc)
    assert (info.value.row, info.value.column) == (2, 1) and info.value.source == "assoc.csv"


def test_empty_association_matrix():
    with pytest.raises(DataFormatError, match="has no known pair") as info:
        small(associations=np.zeros((3, 2), dtype=bool))
    assert info.value.source == "assoc.csv"


def test_association_matrix_must_be_2d():
    with pytest.raises(DataFormatError, match="must be 2-D"):
        small(associations=np.ones(6, dtype=bool))


def test_entity_table_length_mismatch():
    with pytest.raises(DataFormatError, match=r"2 drugs listed but the association matrix \(3, 2\)") as info:
        small(drugs=pd.DataFrame({"id": ["a", "b"]}))
    assert info.value.source == "drugs.tsv"


def test_duplicate_entity_id_names_table_and_row():
    with pytest.raises(DataFormatError, match="duplicate id 'x'") as info:
        small(diseases=pd.DataFrame({"id": ["x", "x"]}))
    assert (info.value.source, info.value.row, info.value.column) == ("dis.tsv", 1, "id")


def test_similarity_with_nan_names_file_and_cell():
    chem = np.eye(3)
    chem[1, 2] = np.nan
    with pytest.raises(DataFormatError, match="1 NaN/inf") as info:
        small(drug_similarities={"chem": chem})
    assert (info.value.source, info.value.row, info.value.column) == ("chem.csv", 1, 2)


def test_similarity_wrong_shape_and_type():
    with pytest.raises(DataFormatError, match=r"disease similarity 'pheno' has shape \(3, 3\)"):
        small(disease_similarities={"pheno": np.eye(3)})
    with pytest.raises(DataFormatError, match="not numeric"):
        small(disease_similarities={"pheno": np.array([["a", "b"], ["c", "d"]])})


def test_checksum_depends_on_content():
    base = small().checksum
    assert small().checksum == base and len(base) == 64
    changed = [
        small(associations=np.array([[1, 1], [0, 1], [0, 0]], dtype=bool)),
        small(drugs=pd.DataFrame({"id": ["a", "b", "z"]})),
        small(drug_similarities={"chem": np.eye(3) * 0.5 + 0.5}),
        small(drug_similarities={"other": np.eye(3)}),
    ]
    assert all(data.checksum != base for data in changed)
    # what text, molecule and name-matching models read is part of the data
    renamed = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "smiles": ["C", "CC", pd.NA]})
    other_smiles = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", pd.NA],
                                 "smiles": ["C", "CCO", pd.NA]})
    blank = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", ""], "smiles": ["C", "CC", pd.NA]})
    for drugs in (renamed, other_smiles, blank, pd.DataFrame({"id": ["a", "b", "c"]})):
        assert small(drugs=drugs).checksum != base
    assert small(diseases=pd.DataFrame({"id": ["x", "y"], "name": ["X", "Z"]})).checksum != base


def test_summary_and_repr_use_the_disease_kind():
    data = small(disease_kind="virus")
    summary = data.summary()
    assert summary["n_viruses"] == 2 and summary["n_drugs"] == 3 and summary["n_associations"] == 2
    assert summary["virus_similarity_views"] == ["pheno"]
    assert "viruses=2" in repr(data)
    assert plural("disease") == "diseases" and plural("virus") == "viruses"


def test_without_drops_entities_everywhere(fdataset):
    smaller = fdataset.without(drugs=[0, 5], diseases=[3])
    assert smaller.associations.shape == (fdataset.n_drugs - 2, fdataset.n_diseases - 1)
    keep_drugs = np.setdiff1d(np.arange(fdataset.n_drugs), [0, 5])
    keep_diseases = np.setdiff1d(np.arange(fdataset.n_diseases), [3])
    assert np.array_equal(smaller.associations, fdataset.associations[np.ix_(keep_drugs, keep_diseases)])
    assert smaller.drugs["id"].tolist() == fdataset.drugs["id"].iloc[keep_drugs].tolist()
    assert smaller.diseases["id"].tolist() == fdataset.diseases["id"].iloc[keep_diseases].tolist()
    for view, matrix in smaller.disease_similarities.items():
        assert np.array_equal(matrix, np.asarray(fdataset.disease_similarities[view])[
            np.ix_(keep_diseases, keep_diseases)])
    for view, matrix in smaller.drug_similarities.items():
        assert np.array_equal(matrix, np.asarray(fdataset.drug_similarities[view])[
            np.ix_(keep_drugs, keep_drugs)])
    assert fdataset.without().associations.shape == fdataset.associations.shape
    with pytest.raises(IndexError, match=r"drug indices must lie in \[0, 593\)"):
        fdataset.without(drugs=[593])


def test_tables_views_and_ids_of_a_data_set_built_by_hand():
    data = small()
    as_numbers = small(drugs=data.drugs.assign(id=range(1, data.n_drugs + 1)))
    assert as_numbers.drugs["id"].tolist() == [str(i) for i in range(1, data.n_drugs + 1)]
    plain = small(associations=pd.DataFrame(data.associations.astype(int)))
    assert plain.associations.dtype == bool and np.array_equal(plain.associations, data.associations)
    with pytest.raises(DataFormatError, match="drugs must be a DataFrame with an 'id' column; got NoneType"):
        small(drugs=None)
    with pytest.raises(DataFormatError, match=r"diseases must be a DataFrame with an 'id' column; columns are \['name'\]"):
        small(diseases=data.diseases[["name"]])
    with pytest.raises(DataFormatError, match="drug_similarities must map view names to matrices"):
        small(drug_similarities=[np.eye(data.n_drugs)])
    clash = data.drugs.assign(id=["7", 7] + data.drugs["id"].tolist()[2:])
    with pytest.raises(DataFormatError, match=r"row 1, column 'id': duplicate id '7'"):
        small(drugs=clash)
