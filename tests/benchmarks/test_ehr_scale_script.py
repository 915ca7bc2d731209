"""benchmarks/ehr_scale.py: the demo's files are hashed as benchmarks/diagnosis.py hashes
them (decompressed content), so one file has one checksum in every record."""
from __future__ import annotations

import gzip
import hashlib

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("ehr_scale")


def test_gz_files_are_hashed_by_their_decompressed_content(script, tmp_path):
    content = b"subject_id,hadm_id\n1,2\n"
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(content, mtime=0))
    (tmp_path / "d.csv").write_bytes(content)
    sums = script.data_checksums({"hosp/t": str(tmp_path / "t.csv.gz"),
                                  "hosp/d": str(tmp_path / "d.csv")})
    assert sums == {"hosp/d": hashlib.sha256(content).hexdigest(),
                    "hosp/t": hashlib.sha256(content).hexdigest()}


def test_the_demo_gets_the_checksums_of_the_diagnosis_benchmark(script, benchmark_script,
                                                                data_root, monkeypatch):
    from graphmed.ehr import load_mimic4

    monkeypatch.setenv("GRAPHMED_DATA", str(data_root))
    ehr = load_mimic4(unit="admission")
    assert script.data_checksums(ehr.sources) == benchmark_script("diagnosis").checksums(ehr)
