#!/usr/bin/env bash
# make demo: one quantized int8 GEMM with per-channel requantization through
# the whole stack (host API -> command list -> driver -> SVM page tables ->
# device model -> results in the caller's memory), checked bit for bit against
# the hw/hls reference, with its figures.
# usage: demo.sh path/to/circe [backend]
set -euo pipefail
circe=$1
backend=${2:-${CIRCE_DEMO_BACKEND:-fmodel:}}

echo "== the device ($backend)"
"$circe" info --backend "$backend"
echo
echo "== int8 GEMM 256 x 256 x 256, per-channel requantization, bias (seed 1)"
"$circe" bench gemm --backend "$backend" --m 256 --k 256 --n 256 --seed 1
echo
echo "== int4 weights, ragged shape 37 x 300 x 19 (seed 2)"
"$circe" bench gemm --backend "$backend" --m 37 --k 300 --n 19 --weight-bits 4 --seed 2
