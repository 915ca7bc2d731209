"""benchmarks/device_kit.py: the data it packs is all the GPU checks' loaders read."""
from __future__ import annotations

import numpy as np

from graphmed.datasets import load_dataset, load_ogbl_ddi


def test_the_kit_s_data_loads_offline_as_the_data_root_does(data_root, tmp_path, monkeypatch,
                                                            benchmark_script):
    monkeypatch.setenv("GRAPHMED_OFFLINE", "1")
    kit = benchmark_script("device_kit")
    kit.copy_data(data_root, tmp_path)
    assert sorted(p.parts[0] for p in (q.relative_to(tmp_path) for q in tmp_path.iterdir())) == [
        "fdataset", "ogbl_ddi"]
    packed, full = load_dataset("fdataset", tmp_path), load_dataset("fdataset", data_root)
    assert packed.checksum == full.checksum
    assert sorted(packed.drug_similarities) == sorted(full.drug_similarities)
    ddi = load_ogbl_ddi(tmp_path, download=False)
    assert np.array_equal(ddi.split_edge["test"]["edge_neg"],
                          load_ogbl_ddi(data_root, download=False).split_edge["test"]["edge_neg"])
