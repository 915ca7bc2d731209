"""The benchmark scripts are files, not a package: tests load them as modules by name."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="session")
def benchmark_script():
    """``load(name)``: ``benchmarks/<name>.py`` as a module, loaded once per session."""
    loaded: dict[str, ModuleType] = {}

    def load(name: str) -> ModuleType:
        if name not in loaded:
            spec = importlib.util.spec_from_file_location(f"benchmark_{name}",
                                                          BENCHMARKS / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded[name] = module
        return loaded[name]

    return load


@pytest.fixture()
def fit_fold_seeds(monkeypatch):
    """``record(script)``: a list that fills with the seed of every ``fit_fold`` call the
    benchmark ``script`` makes from then on (the call itself is made as before)."""
    def record(script: ModuleType) -> list[int]:
        seeds, fit_fold = [], script.fit_fold

        def recording_fit_fold(model, dataset, fold, *, seed):
            seeds.append(seed)
            return fit_fold(model, dataset, fold, seed=seed)

        monkeypatch.setattr(script, "fit_fold", recording_fit_fold)
        return seeds

    return record
