"""benchmarks/oversmoothing.py: the record carries the sha256 of every Planetoid file read."""
from __future__ import annotations

import json

import pytest

from graphmed.datasets.planetoid import PLANETOID_FILES


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("oversmoothing")


def test_the_record_carries_the_checksum_of_every_cora_file(script, data_root, tmp_path,
                                                            capsys):
    assert script.main(["--data-root", str(data_root), "--stacks", "GCN", "--depths", "2",
                        "--epochs", "2", "--patience", "1", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    record = json.loads((tmp_path / "oversmoothing_cora.json").read_text())
    registered = {f"ind.cora.{part}": file.sha256 for part, file in PLANETOID_FILES["cora"].items()}
    assert record["data_checksums"] == registered and len(registered) == 8
