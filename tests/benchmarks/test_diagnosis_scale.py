"""benchmarks/diagnosis_scale.py: every copy of a patient stays on its original's side of
the split, and one copy gives the diagnosis benchmark's own fold."""
from __future__ import annotations

import numpy as np
import pytest

from graphmed.ehr.mimic import mimic4_from_tables, read_mimic4_tables
from graphmed.ehr.replicate import id_offsets, replicate_tables
from graphmed.tasks.diagnosis import patient_folds


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("diagnosis_scale")


def test_copies_follow_their_original(script):
    tables, _ = read_mimic4_tables()
    one = mimic4_from_tables(tables).build()
    fold = script.copied_fold(one, tables, seed=1)
    expected = patient_folds(one.num_nodes("patient"), 5, seed=1)[0]
    for part in ("train", "val", "test"):
        assert np.array_equal(getattr(fold, part), getattr(expected, part))

    three = mimic4_from_tables(replicate_tables(tables, 3)).build()
    fold = script.copied_fold(three, tables, seed=1)
    ids = three.nodes["patient"]["id"].astype(np.int64).to_numpy()
    step = id_offsets(tables)["subject_id"]
    original = {part: set(ids[getattr(fold, part)] % step) for part in ("train", "val", "test")}
    sizes = {part: getattr(fold, part).size for part in ("train", "val", "test")}
    assert sum(sizes.values()) == three.num_nodes("patient") == 300
    assert not (original["test"] & original["train"]) and not (original["test"] & original["val"])
    assert sizes["test"] == 3 * expected.test.size          # all three copies of each
