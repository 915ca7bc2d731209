#!/usr/bin/env bash
# The measurements that need a CUDA GPU, in one run; results go to $OUT (default
# benchmarks/results/gpu):
#   OUT=/tmp/gpu SEEDS=1 bash benchmarks/gpu_checks.sh
# 1. the CUDA-only tests (skipped on a CPU; the diagnosis models' were written without a GPU);
# 2. protocol A, 10 folds, one seed, the default model on Fdataset: wall time and peak
#    memory on the GPU, beside the CPU record in benchmarks/results/speed_fdataset_protocol_a.json;
# 3. ogbl-ddi: the spectral models on the GPU, and OGB's GCN and GraphSAGE examples with
#    their full 200-epoch recipes for $SEEDS seeds (the committed CPU rows ran 30 of them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results/gpu}
seeds=${SEEDS:-1}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device')"
python -m pytest -q -o addopts="-ra" tests/models/test_spectral_link.py tests/nn/test_gnn_stack.py \
  tests/models/test_diagnosis_models.py -k "cuda or gpu" 2>&1 | tee "$out/cuda_tests.log"
graphmed benchmark fdataset --seeds 1 --no-progress \
  --out "$out/speed_fdataset_protocol_a_gpu.json" 2>&1 | tee "$out/speed_fdataset.log"
python benchmarks/ogbl_ddi.py --device cuda --models spectral spectral-plain gcn sage \
  --seeds "$seeds" --out "$out" 2>&1 | tee "$out/ogbl_ddi.log"
