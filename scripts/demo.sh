#!/usr/bin/env bash
# make demo: compressed layers and a quantized GEMM through the whole stack
# (host API -> command list -> driver -> SVM page tables -> the device's MMU
# and DMA -> results in the caller's memory), with their figures:
# - a trained block-circulant LSTM classifier (models/digits_circ8) on
#   held-back digits, its bytes checked against the functional model
#   (whose compute is the hw/hls reference) and its answers against the
#   labels;
# - a block-circulant LSTM of the Google shape (k = 16), checked byte for
#   byte against the functional model, with cycles, utilization, weight bytes;
# - an int8 GEMM with per-channel requantization, checked bit for bit against
#   the hw/hls reference.
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
echo
echo "== block-circulant LSTM classifier (k = 8, trained circulant): models/digits_circ8.safetensors"
echo "   the first 16 held-back digits, each image's 8 rows as 8 time steps"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(dirname "$0")
golden=$here/../tests/golden/models
python3 "$here/npy_digits.py" slice "$golden/digits_X.npy" 16 "$tmp/X.npy"
python3 "$here/npy_digits.py" slice "$golden/digits_labels.npy" 16 "$tmp/labels.npy"
"$circe" run --backend "$backend" --model "$here/../models/digits_circ8.safetensors" \
	--input "$tmp/X.npy" --output "$tmp/Y.npy" --stats
"$circe" run --backend fmodel: --model "$here/../models/digits_circ8.safetensors" \
	--input "$tmp/X.npy" --output "$tmp/Y_ref.npy"
if cmp -s "$tmp/Y.npy" "$tmp/Y_ref.npy"; then
	echo "output: identical bytes to the functional model (hw/hls kernels)"
else
	echo "demo: $backend and fmodel: disagree on the digits classifier" >&2
	exit 1
fi
python3 "$here/npy_digits.py" score "$tmp/Y.npy" "$tmp/labels.npy"
echo
echo "== LSTM layer of the Google shape (input 153, hidden 1024), block-circulant k = 16, 8 steps"
"$circe" bench lstm --backend "$backend" --input 153 --hidden 1024 --k 16 --steps 8 --seed 1
