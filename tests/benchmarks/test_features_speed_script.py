"""benchmarks/features_speed.py: the record names its data by checksum, says that nothing was
drawn at random, and carries the git commit."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("features_speed")


def test_the_record_carries_data_checksums_no_seed_and_the_commit(script, fdataset, data_root,
                                                                  monkeypatch):
    run = {"model": "m", "model_identity": "i", "dim": 3, "max_length": 8, "num_threads": 1}
    monkeypatch.setattr(script, "text_runs", lambda *args: run)  # no text model needed
    record = script.measure(str(data_root), ["fdataset"], None, 64, [1])
    assert record["data_checksums"] == {"fdataset": fdataset.checksum}
    assert "seed" in record and record["seed"] is None
    assert record["environment"]["git_commit"] and "git_dirty" in record["environment"]
    assert record["morgan"]["n_smiles"] == fdataset.n_drugs
