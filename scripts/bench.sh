#!/usr/bin/env bash
# make bench: benchmark campaign; one JSON object per line in OUT/gemm.jsonl.
# usage: bench.sh path/to/circe OUT_DIR [backend]
# The backend defaults to the Verilator RTL model (vsim:), so the figures are cycle
# counts of the RTL; where the build has no vsim (no Verilator), fmodel:.
# $CIRCE_BENCH_BACKEND overrides, $CIRCE_DTB names another tree.
set -euo pipefail
circe=$1
out=$2
backend=${3:-${CIRCE_BENCH_BACKEND:-vsim:}}
# Without --dtb the driver takes $CIRCE_DTB, else the build's tree for the
# backend (build/dt/circe-vsim.dtb for vsim:).
if ! "$circe" info --backend "$backend" >/dev/null 2>&1; then
	echo "bench: backend $backend is not available here; using fmodel:" >&2
	backend=fmodel:
fi
# The job timeout is wall time; a simulated 1024^3 GEMM takes about a minute.
[ "${backend%%:*}" = vsim ] && export CIRCE_TIMEOUT_MS=${CIRCE_TIMEOUT_MS:-1800000}
mkdir -p "$out"
: >"$out/gemm.jsonl"
# Powers of two (the array's own tiles), then ragged shapes: partial tiles in
# every dimension, batch 1, a tall and a wide one.
for shape in "64 64 64" "256 256 256" "1024 1024 1024" \
	"1 1024 1024" "300 300 300" "37 300 19" "1000 77 130" "129 1023 65"; do
	set -- $shape
	"$circe" bench gemm --backend "$backend" --m "$1" --k "$2" --n "$3" \
		--seed 1 --json | tee -a "$out/gemm.jsonl"
done
echo "bench: results in $out/gemm.jsonl"
