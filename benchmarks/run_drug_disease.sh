#!/usr/bin/env bash
# Regenerates benchmarks/results/drug_disease.{json,md}: every number quoted in README.
# Fdataset and Cdataset run side by side, one CPU thread each; then the tables are merged.
#   GRAPHMED_DATA=../shared/data bash benchmarks/run_drug_disease.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# one thread per process for torch and the BLAS behind numpy: two processes share two cores
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
out=benchmarks/results
tmp=$(mktemp -d)
bench="python benchmarks/drug_disease.py --seeds 3 --threads 1 --out $tmp"
(
  $bench --datasets fdataset --protocols A B new-disease --models popularity --name f_pop
  $bench --datasets fdataset --protocols A --models knn kronrls gnn gnn-kronrls multimodal --name f_a
  $bench --datasets fdataset --protocols B new-disease --models knn kronrls gnn-kronrls multimodal \
    --name f_rest
  $bench --datasets fdataset --protocols new-disease --models text-match multimodal-text-match --name f_tm
) > "$tmp/f.log" 2>&1 &
fdataset_runs=$!
(
  $bench --datasets cdataset --protocols A B new-disease --models popularity --name c_pop
  $bench --datasets cdataset --protocols A --models knn kronrls gnn-kronrls multimodal --name c_a
  $bench --datasets cdataset --protocols B --models knn kronrls --name c_b
  $bench --datasets cdataset --protocols new-disease --models knn kronrls multimodal --name c_nd
  $bench --datasets cdataset --protocols new-disease --models text-match multimodal-text-match --name c_tm
) > "$tmp/c.log" 2>&1 &
cdataset_runs=$!
# each group stops at its first failed run (set -e); a failed group stops the script here,
# before its partial results could be combined
wait "$fdataset_runs" || { echo "Fdataset runs failed: see $tmp/f.log" >&2; exit 1; }
wait "$cdataset_runs" || { echo "Cdataset runs failed: see $tmp/c.log" >&2; exit 1; }
python benchmarks/drug_disease.py --out "$out" --name drug_disease \
  --combine "$tmp/f_pop.json" "$tmp/c_pop.json" "$tmp/f_a.json" "$tmp/c_a.json" "$tmp/f_rest.json" "$tmp/c_b.json" "$tmp/c_nd.json" \
  "$tmp/f_tm.json" "$tmp/c_tm.json"
echo "logs in $tmp"
