"""deepDR drug-disease data set: shape, order, the target view, broken copies."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from graphmed.datasets import load_dataset
from graphmed.datasets.deepdr import DEEPDR_FILES, jaccard_similarity, load_deepdr
from graphmed.errors import DataFormatError

FOLDER = "deepdr_partial"


@pytest.fixture(scope="module")
def deepdr(data_root):
    return load_dataset("deepdr", data_root)


def _raw_lines(data_root, key):
    path = data_root / DEEPDR_FILES[key].path
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def test_shape_count_names(deepdr, data_root):
    assert deepdr.associations.shape == (1519, 1229) and deepdr.n_associations == 6677
    assert deepdr.drugs["id"].iloc[0] == "DB00746" and deepdr.drugs["name"].iloc[0] == "Deferoxamine"
    assert deepdr.diseases["id"].iloc[0] == "C0035793"
    assert deepdr.diseases["name"].iloc[0] == "Rocky Mountain Spotted Fever"
    quoted = deepdr.drugs.index[deepdr.drugs["id"] == "DB09525"].item()
    assert deepdr.drugs["name"].iloc[quoted] == "Sodium phosphate, monobasic, monohydrate"
    # rows follow the dictionary: the matrix row of Metformin is its line in drug_dict
    row = next(i for i, line in enumerate(_raw_lines(data_root, "drugs")) if line.startswith("DB00331:"))
    cells = _raw_lines(data_root, "associations")[row].split("\t")
    assert np.array_equal(deepdr.associations[row], np.array(cells, dtype=float) == 1)
    assert deepdr.disease_similarities == {}


def test_target_view_is_the_jaccard_of_target_sets(deepdr, data_root):
    targets = np.array([line.split("\t") for line in _raw_lines(data_root, "drug_target")],
                       dtype=float)
    view = deepdr.drug_similarities["target"]
    assert view.shape == (1519, 1519) and np.allclose(view, view.T) and np.allclose(np.diag(view), 1)
    i, j = np.argwhere((targets @ targets.T > 0) & ~np.eye(1519, dtype=bool))[0]
    a, b = targets[i] > 0, targets[j] > 0
    assert view[i, j] == pytest.approx((a & b).sum() / (a | b).sum())
    without = targets.sum(axis=1) == 0
    assert without.any() and (view[without][:, ~without] == 0).all()


def test_jaccard_by_hand():
    m = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    np.testing.assert_allclose(jaccard_similarity(m), [[1, 1 / 3, 0], [1 / 3, 1, 0], [0, 0, 1]])


def test_broken_dictionary_line(mirror):
    mirror.link(FOLDER)
    relative = DEEPDR_FILES["diseases"].path
    lines = (mirror.source / relative).read_text(encoding="utf-8").splitlines()
    lines[7] = "no separator here"
    path = mirror.write_text(relative, "\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match="expected 'id:name'") as info:
        load_deepdr(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value) and info.value.row == 7


def test_matrix_that_does_not_fit_the_dictionaries(mirror):
    mirror.link(FOLDER)
    relative = DEEPDR_FILES["associations"].path
    lines = gzip.decompress((mirror.source / relative).read_bytes()).decode().splitlines()
    path = mirror.write_text(relative, "\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataFormatError, match=r"shape \(1518, 1229\), expected \(1519, 1229\)") as info:
        load_deepdr(mirror.root, download=False, verify=False)
    assert str(path) in str(info.value)
    cells = lines[3].split("\t")
    cells[5] = "2"
    lines[3] = "\t".join(cells)
    mirror.write_text(relative, "\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match="holds 2; expected 0 or 1") as info:
        load_deepdr(mirror.root, download=False, verify=False)
    assert (info.value.row, info.value.column) == (3, 5)
