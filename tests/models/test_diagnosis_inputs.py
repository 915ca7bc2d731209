"""Node inputs of diagnosis models: sibling codes, code embeddings next to text features."""
from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
import pytest
import torch
from torch_geometric.data import HeteroData

from graphmed.models.diagnosis.inputs import (NodeInputs, has_indications, indication_codes,
                                              sibling_codes, text_codes)


def test_sibling_codes_are_the_other_units_of_the_patient():
    bag = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1]], dtype=np.float32)
    patient = np.array([0, 0, 0, 1])
    out = sibling_codes(bag, patient)
    assert out.tolist() == [[1, 1, 1], [1, 0, 1], [1, 1, 0], [0, 0, 0]]
    assert out.dtype == np.float32


def test_sibling_codes_refuse_bad_shapes():
    with pytest.raises(ValueError, match="unit_patient"):
        sibling_codes(np.zeros((3, 2)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="negative"):
        sibling_codes(np.zeros((2, 2)), np.array([0, -1]))


def _data():
    data = HeteroData()
    data["admission"].num_nodes = 3
    data["drug"].num_nodes = 4
    data["drug"].x = torch.randn(4, 5)
    data["procedure"].num_nodes = 2
    return data


@pytest.mark.parametrize("code_embeddings", [False, True])
def test_code_embeddings_sit_next_to_text_features(code_embeddings):
    inputs = NodeInputs(_data(), 8, ("admission",), code_embeddings=code_embeddings)
    assert ("drug" in inputs.embs) is code_embeddings
    assert "drug" in inputs.lins and "procedure" in inputs.embs and "admission" not in inputs.embs
    out = inputs()
    assert {t: tuple(v.shape) for t, v in out.items()} == {
        "admission": (3, 8), "drug": (4, 8), "procedure": (2, 8)}


class _CodesTask:
    """What :func:`text_codes` and :class:`BagOfCodesLogistic` read of a diagnosis task."""

    def __init__(self, data, drug_of_unit, labels, train, val):
        self.data = data
        self.drug_bag = np.eye(data["drug"].num_nodes, dtype=np.float32)[drug_of_unit]
        self.drug_bag[np.asarray(drug_of_unit) < 0] = 0.0
        self.train_units, self.val_units = np.asarray(train), np.asarray(val)
        self.train_labels, self.val_labels = labels[self.train_units], labels[self.val_units]
        self.categories = [f"c{k}" for k in range(labels.shape[1])]
        self.num_categories, self.num_units = labels.shape[1], len(self.drug_bag)
        self.code_types = ("drug", "procedure")

    def bag_of_codes(self, node_types=None, demographics=True, sparse=False):
        node_types = self.code_types if node_types is None else node_types
        blocks = [self.drug_bag if t == "drug" else
                  np.zeros((len(self.drug_bag), self.data[t].num_nodes), np.float32)
                  for t in node_types if t in self.data.node_types]
        bag = np.concatenate(blocks, axis=1)
        return csr_matrix(bag) if sparse else bag


def test_text_codes_average_the_unit_length_texts_of_the_codes():
    data = HeteroData()
    data["drug"].num_nodes, data["drug"].x = 3, torch.tensor([[3.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    data["procedure"].num_nodes = 2                       # no text: contributes no block
    task = _CodesTask(data, [0, 2, -1], np.zeros((3, 1)), [0], [1])
    task.drug_bag[0, 1] = 1.0                             # unit 0: drugs 0 and 1
    out = text_codes(task)
    r = 1 / np.sqrt(2)
    assert out.dtype == np.float32
    assert np.allclose(out, [[0.5, 0.5], [r, r], [0.0, 0.0]])
    del data["drug"].x
    with pytest.raises(ValueError, match="add_text_features"):
        text_codes(task)


def test_logistic_with_text_codes_scores_drugs_unseen_in_training():
    # drugs 0 / 2 share a name embedding, as do 1 / 3; training and validation units take
    # drugs 0 and 1 (category = drug 0), test units only drugs 2 and 3
    from graphmed.evaluation import macro_auroc
    from graphmed.models.diagnosis import BagOfCodesLogistic
    data = HeteroData()
    data["drug"].num_nodes = 4
    data["drug"].x = torch.tensor([[1.0, 0.1], [0.1, 1.0], [1.0, 0.1], [0.1, 1.0]])
    drugs = np.r_[np.tile([0, 1], 30), np.tile([2, 3], 10)]
    labels = (drugs % 2 == 0).astype(np.float64)[:, None]
    task = _CodesTask(data, drugs, labels, np.arange(40), np.arange(40, 60))
    test = np.arange(60, 80)
    plain = BagOfCodesLogistic().fit(task).predict(task, test)
    assert np.ptp(plain) < 1e-9                          # unseen codes: every test unit alike
    with_text = BagOfCodesLogistic(text_weight=2.0).fit(task)
    assert macro_auroc(labels[test], with_text.predict(task, test)) == 1.0
    assert with_text.config()["text_weight"] == 2.0
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="text_weight"):
            BagOfCodesLogistic(text_weight=bad)


def test_sibling_codes_refuse_fractional_patient_indices():
    with pytest.raises(ValueError, match="unit_patient must hold integer patient indices"):
        sibling_codes(np.ones((3, 2)), np.array([0.0, 1.7, 1.2]))  # 1.7 was patient 1


def _indication_task(drugs, labels, train, val, per_drug):
    data = HeteroData()
    data["drug"].num_nodes = len(per_drug)
    data["drug"].indication_categories = torch.tensor(per_drug, dtype=torch.float32)
    task = _CodesTask(data, drugs, labels, train, val)
    task.category_index = np.arange(labels.shape[1])
    return task


def test_indication_codes_sum_the_units_drugs_per_kept_category():
    per_drug = [[1.0, 0.0, 0.5], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]
    task = _indication_task([0, 1, 2], np.zeros((3, 2)), [0], [1], per_drug)
    task.drug_bag[0, 1] = 1.0                            # unit 0: drugs 0 and 1
    task.category_index = np.array([2, 1])               # kept categories, in the task's order
    out = indication_codes(task)
    assert out.dtype == np.float32
    assert np.allclose(out, np.log1p([[0.5, 2.0], [0.0, 2.0], [0.0, 0.0]]))
    assert has_indications(task)
    del task.data["drug"].indication_categories
    assert not has_indications(task)
    with pytest.raises(ValueError, match="add_indication_categories"):
        indication_codes(task)


def test_logistic_reads_each_categorys_own_indications():
    # drugs 2 and 3 are seen by no training unit; their known indications say which
    # category a test unit has, and only the category's own column may say it
    from graphmed.evaluation import macro_auroc
    from graphmed.models.diagnosis import BagOfCodesLogistic
    drugs = np.r_[np.tile([0, 1], 30), np.tile([2, 3], 10)]
    labels = np.stack([drugs % 2 == 0, drugs % 2 == 1], axis=1).astype(np.float64)
    per_drug = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    task = _indication_task(drugs, labels, np.arange(40), np.arange(40, 60), per_drug)
    test = np.arange(60, 80)
    plain = BagOfCodesLogistic().fit(task).predict(task, test)
    assert np.ptp(plain) < 1e-9
    model = BagOfCodesLogistic(indication_weight=2.0).fit(task)
    scores = model.predict(task, test)
    assert macro_auroc(labels[test], scores) == 1.0
    assert [m.coef_.shape[1] for m in model.models] == [5, 5]  # 4 drugs + its own column
    assert model.config()["indication_weight"] == 2.0
    with pytest.raises(ValueError, match="indication_weight"):
        BagOfCodesLogistic(indication_weight=-1.0)
