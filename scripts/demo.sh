#!/usr/bin/env bash
# make demo: one quantized int8 GEMM with per-channel requantization through
# the whole stack (host API -> command list -> driver -> SVM page tables ->
# the device's MMU and DMA -> results in the caller's memory), checked bit for
# bit against the hw/hls reference, with its figures.
# usage: demo.sh path/to/circe [backend]
# The device defaults to the RTL under Verilator (vsim:); where the build has
# no vsim, the functional model.
# $CIRCE_DEMO_BACKEND overrides, $CIRCE_DTB names another tree.
set -euo pipefail
circe=$1
backend=${2:-${CIRCE_DEMO_BACKEND:-vsim:}}
# Without --dtb the driver takes $CIRCE_DTB, else the build's tree for the
# backend (build/dt/circe-vsim.dtb for vsim:).
if ! "$circe" info --backend "$backend" >/dev/null 2>&1; then
	echo "demo: backend $backend is not available here; using fmodel:" >&2
	backend=fmodel:
fi
# The job timeout is wall time; a simulated 1024^3 GEMM takes about a minute.
[ "${backend%%:*}" = vsim ] && export CIRCE_TIMEOUT_MS=${CIRCE_TIMEOUT_MS:-1800000}

echo "== the device ($backend)"
"$circe" info --backend "$backend"
echo
echo "== int8 GEMM 256 x 256 x 256, per-channel requantization, bias (seed 1)"
"$circe" bench gemm --backend "$backend" --m 256 --k 256 --n 256 --seed 1
echo
echo "== int4 weights, ragged shape 37 x 300 x 19 (seed 2)"
"$circe" bench gemm --backend "$backend" --m 37 --k 300 --n 19 --weight-bits 4 \
	--seed 2
