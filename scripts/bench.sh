#!/usr/bin/env bash
# make bench: benchmark campaign; one JSON object per line in OUT/gemm.jsonl.
# usage: bench.sh path/to/circe OUT_DIR [backend]
set -euo pipefail
circe=$1
out=$2
backend=${3:-${CIRCE_BENCH_BACKEND:-fmodel:}}
mkdir -p "$out"
: >"$out/gemm.jsonl"
for shape in "64 64 64" "256 256 256" "1 1024 1024" "300 300 300" "1024 1024 1024"; do
	set -- $shape
	"$circe" bench gemm --backend "$backend" --m "$1" --k "$2" --n "$3" --seed 1 --json |
		tee -a "$out/gemm.jsonl"
done
echo "bench: results in $out/gemm.jsonl"
