"""Where EHR tables live: the checksums of the files a loader read."""
from __future__ import annotations

import gzip
import hashlib

from graphmed.ehr.files import MIMIC4_DEMO_FILES, source_checksums


def test_gz_files_are_hashed_by_their_decompressed_content(tmp_path):
    content = b"subject_id,hadm_id\n1,2\n"
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(content, mtime=0))
    (tmp_path / "d.csv").write_bytes(content)
    sums = source_checksums({"hosp/t": str(tmp_path / "t.csv.gz"),
                             "hosp/d": tmp_path / "d.csv"})
    assert list(sums) == ["hosp/d", "hosp/t"]
    assert set(sums.values()) == {hashlib.sha256(content).hexdigest()}


def test_the_demo_tables_hash_to_their_registered_checksums(data_root):
    from graphmed.ehr import load_mimic4

    sources = load_mimic4(data_root / "mimic4_demo", unit="admission").sources
    sums = source_checksums(sources)
    assert sums and all(sums[t] == MIMIC4_DEMO_FILES[t].sha256 for t in sums)
