"""Data root resolution, checksums and downloads (no network: urlopen is replaced)."""
from __future__ import annotations

import gzip
import hashlib
import io
import logging
import re
import urllib.error
from pathlib import Path

import pytest

from graphmed.datasets import dataset_info, list_datasets
from graphmed.datasets import files as files_mod
from graphmed.datasets.bnnr import FDATASET_FILES
from graphmed.datasets.files import (DataFile, default_data_root, locate, resolve_data_root,
                                     verify_file)
from graphmed.errors import DataIntegrityError, DataNotFoundError

ALL_FILES = [(name, file) for name in list_datasets() for file in dataset_info(name).files]
PAYLOAD = b"a,b\n1,2\n"
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("GRAPHMED_DATA", raising=False)
    monkeypatch.delenv("GRAPHMED_OFFLINE", raising=False)
    return monkeypatch


def test_root_argument_beats_environment(clean_env, tmp_path):
    clean_env.setenv("GRAPHMED_DATA", str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "arg") == tmp_path / "arg"


def test_root_from_environment_when_no_argument(clean_env, tmp_path):
    clean_env.setenv("GRAPHMED_DATA", str(tmp_path / "env"))
    assert resolve_data_root() == tmp_path / "env"
    assert resolve_data_root(None) == tmp_path / "env"


def test_default_root_without_argument_or_environment(clean_env, tmp_path):
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_root() == tmp_path / "xdg" / "graphmed" == default_data_root()
    clean_env.delenv("XDG_DATA_HOME")
    clean_env.setenv("HOME", str(tmp_path / "home"))
    assert resolve_data_root() == tmp_path / "home" / ".local" / "share" / "graphmed"


def test_empty_environment_variable_is_ignored(clean_env, tmp_path):
    clean_env.setenv("GRAPHMED_DATA", "")
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_data_root() == tmp_path / "graphmed"


def test_locate_uses_environment_root(clean_env, data_root):
    clean_env.setenv("GRAPHMED_DATA", str(data_root))
    assert locate(FDATASET_FILES["mat"], download=False) == data_root / "fdataset" / "Fdataset.mat"


def test_missing_required_file_without_download(clean_env, tmp_path):
    file = FDATASET_FILES["mat"]
    with pytest.raises(DataNotFoundError) as info:
        locate(file, tmp_path, download=False)
    message = str(info.value)
    assert file.path in message and file.url in message and "GRAPHMED_DATA" in message
    assert str(tmp_path) in message


def test_missing_required_file_offline_is_not_downloaded(clean_env, tmp_path):
    clean_env.setenv("GRAPHMED_OFFLINE", "1")
    clean_env.setattr(files_mod.urllib.request, "urlopen", _fail_if_called)
    with pytest.raises(DataNotFoundError, match="GRAPHMED_DATA"):
        locate(FDATASET_FILES["mat"], tmp_path, download=True)


def test_missing_curated_file_says_it_has_no_url(clean_env, tmp_path):
    file = DataFile("x/curated.tsv", None, PAYLOAD_SHA, required=True)
    with pytest.raises(DataNotFoundError, match="no single public URL") as info:
        locate(file, tmp_path)
    assert "x/curated.tsv" in str(info.value)


def test_missing_optional_file_returns_none(clean_env, tmp_path):
    assert locate(FDATASET_FILES["drugs"], tmp_path, download=False) is None
    assert locate(FDATASET_FILES["drug_go"], tmp_path, download=False) is None


def test_truncated_file_fails_verification(mirror):
    relative = FDATASET_FILES["mat"].path
    path = mirror.truncate(relative, keep=0.5)
    with pytest.raises(DataIntegrityError) as info:
        locate(FDATASET_FILES["mat"], mirror.root, download=False)
    assert str(path) in str(info.value) and "sha256" in str(info.value)
    assert locate(FDATASET_FILES["mat"], mirror.root, download=False, verify=False) == path


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_gzip_fails_verification(mirror, damage):
    file = FDATASET_FILES["drug_go"]
    if damage == "truncate":
        path = mirror.truncate(file.path, keep=0.5)
    else:  # valid gzip header, garbage deflate stream
        data = bytearray((mirror.source / file.path).read_bytes())
        data[20:200] = bytes(range(180))
        path = mirror.path(file.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="damaged or truncated") as info:
        verify_file(file, path)
    assert str(path) in str(info.value)


def test_edited_gzip_content_fails_verification(tmp_path):
    file = DataFile("t/x.csv.gz", None, PAYLOAD_SHA)
    path = tmp_path / file.path
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(PAYLOAD + b"3,4\n"))
    with pytest.raises(DataIntegrityError, match=re.escape(str(path))):
        verify_file(file, path)
    path.write_bytes(gzip.compress(PAYLOAD))  # same content, other compression: accepted
    verify_file(file, path)


@pytest.mark.parametrize("name,file", ALL_FILES, ids=[f.path for _, f in ALL_FILES])
def test_registered_file_metadata(name, file):
    assert re.fullmatch(r"[0-9a-f]{64}", file.sha256)
    assert not Path(file.path).is_absolute() and ".." not in Path(file.path).parts
    if file.url is None:
        assert not file.required, "a required file must be downloadable"
    else:
        assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/raw/[0-9a-f]{7,40}/\S+", file.url)
        name = Path(file.path).name
        expected = name if file.gzipped_at_url else name.removesuffix(".gz")
        upstream = Path(file.url).name
        # an upstream name without an extension (deepDR's dictionaries) is kept with ".txt"
        assert upstream == expected or ("." not in upstream and upstream + ".txt" == expected)


@pytest.mark.parametrize("name,file", ALL_FILES, ids=[f.path for _, f in ALL_FILES])
def test_registered_file_matches_checksum(name, file, data_root):
    assert locate(file, data_root, download=False, verify=True) == data_root / file.path


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fail_if_called(*args, **kwargs):
    raise AssertionError("no download expected")


@pytest.mark.parametrize("gz", [False, True])
def test_download_saves_verified_file(clean_env, tmp_path, gz):
    file = DataFile("d/x.csv" + (".gz" if gz else ""), "https://example.org/x.csv", PAYLOAD_SHA)
    clean_env.setattr(files_mod.urllib.request, "urlopen", lambda url, timeout: _Response(PAYLOAD))
    path = locate(file, tmp_path)
    assert path == tmp_path / file.path
    assert (gzip.decompress(path.read_bytes()) if gz else path.read_bytes()) == PAYLOAD


def test_download_with_wrong_checksum_is_not_saved(clean_env, tmp_path):
    file = DataFile("d/x.csv", "https://example.org/x.csv", PAYLOAD_SHA)
    clean_env.setattr(files_mod.urllib.request, "urlopen",
                      lambda url, timeout: _Response(PAYLOAD[:-2]))
    with pytest.raises(DataIntegrityError, match="example.org"):
        locate(file, tmp_path)
    assert not (tmp_path / file.path).exists()


def test_failed_download(clean_env, tmp_path, caplog):
    def unreachable(url, timeout):
        raise urllib.error.URLError("no route to host")

    clean_env.setattr(files_mod.urllib.request, "urlopen", unreachable)
    required = DataFile("d/x.csv", "https://example.org/x.csv", PAYLOAD_SHA)
    with pytest.raises(DataNotFoundError) as info:
        locate(required, tmp_path)
    assert "d/x.csv" in str(info.value) and "https://example.org/x.csv" in str(info.value)
    assert "no route to host" in str(info.value) and "GRAPHMED_DATA" in str(info.value)
    optional = DataFile("d/y.csv", "https://example.org/y.csv", PAYLOAD_SHA, required=False)
    with caplog.at_level(logging.WARNING):
        assert locate(optional, tmp_path) is None
    assert "d/y.csv" in caplog.text
