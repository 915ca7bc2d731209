"""Fixtures for the data set tests: loaded benchmarks and a writable mirror of the data root."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def bdataset(data_root):
    from graphmed.datasets import load_dataset

    return load_dataset("bdataset", data_root)


@pytest.fixture(scope="session")
def kdataset(data_root):
    from graphmed.datasets import load_dataset

    return load_dataset("kdataset", data_root)


@pytest.fixture(scope="session")
def hdvd(data_root):
    from graphmed.datasets import load_dataset

    return load_dataset("hdvd", data_root)


class Mirror:
    """A data root under ``tmp_path`` whose files link to the real ones until replaced."""

    def __init__(self, source: Path, root: Path):
        self.source, self.root = source, root

    def link(self, folder: str) -> "Mirror":
        for path in (self.source / folder).rglob("*"):
            if path.is_file():
                target = self.root / path.relative_to(self.source)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(path)
        return self

    def path(self, relative: str) -> Path:
        """Where ``relative`` lives in the mirror (its folder is created)."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def remove(self, relative: str) -> None:
        self.path(relative).unlink()

    def read_csv(self, relative: str, **kwargs) -> pd.DataFrame:
        return pd.read_csv(self.source / relative, **kwargs)

    def write_text(self, relative: str, text: str) -> Path:
        target = self.path(relative)
        target.unlink(missing_ok=True)
        if relative.endswith(".gz"):
            target.write_bytes(gzip.compress(text.encode(), compresslevel=1))
        else:
            target.write_text(text)
        return target

    def write_csv(self, relative: str, table: pd.DataFrame, **kwargs) -> Path:
        return self.write_text(relative, table.to_csv(**kwargs))

    def truncate(self, relative: str, keep: float = 0.5) -> Path:
        """Replace the link by a copy holding only the first ``keep`` of the bytes."""
        data = (self.source / relative).read_bytes()
        target = self.path(relative)
        target.unlink(missing_ok=True)
        target.write_bytes(data[: int(len(data) * keep)])
        return target

    def copy(self, relative: str) -> Path:
        target = self.path(relative)
        target.unlink(missing_ok=True)
        shutil.copyfile(self.source / relative, target)
        return target


@pytest.fixture
def mirror(data_root, tmp_path) -> Mirror:
    """An empty data root in ``tmp_path``; ``mirror.link("hdvd")`` links a benchmark folder."""
    return Mirror(data_root, tmp_path / "data")
