#!/usr/bin/env bash
# make bench: benchmark campaign; one JSON object per line in OUT/gemm.jsonl
# (bench gemm), OUT/svm.jsonl (bench svm: the SVM studies) and OUT/lstm.jsonl
# (bench lstm and the PyTorch CPU figure of the same shape).
# usage: bench.sh path/to/circe OUT_DIR [backend]
# The backend defaults to the Verilator RTL model (vsim:), so the figures are cycle
# counts of the RTL; where the build has no vsim (no Verilator), fmodel:.
# $CIRCE_BENCH_BACKEND overrides, $CIRCE_DTB names another tree.
# $CIRCE_BENCH_ONLY=gemm, svm or lstm runs one of the campaigns (default all).
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
only=${CIRCE_BENCH_ONLY:-}
if [ -z "$only" ] || [ "$only" = gemm ]; then
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
fi

if [ -z "$only" ] || [ "$only" = svm ]; then

# The SVM studies (docs/svm.md, "Benchmarks"). On vsim every TLB mode and the
# ideal-MMU model (make bench builds the library with VSIM_IDEAL=1; the
# ideal run comes first and gives the others' translation_overhead); fmodel
# has no TLB and no cycles, so there one run per workload.
: >"$out/svm.jsonl"
if [ "${backend%%:*}" = vsim ]; then tlb=all; else tlb=hybrid; fi
svm() {
	# A pattern the device does not run (an RTL without SpMV) is reported
	# and skipped, not fatal to the campaign.
	"$circe" bench svm --backend "$backend" --seed 1 --json "$@" | tee -a "$out/svm.jsonl" ||
		echo "bench: svm $* failed (see above); continuing" >&2
}
# The translation-overhead study: a 16 MiB memcpy on 4 KiB and 2 MiB pages.
svm --pattern memcpy --size 16M --tlb "$tlb" --pages 4k
svm --pattern memcpy --size 16M --tlb "$tlb" --pages 2m
# Copy-based offload against zero-copy SVM where the device touches a small
# part of a large pointer-rich structure: a lookup chase of 256 nodes in a
# 64 MiB list, inference on 32 depth-14 trees of a 64 MiB forest; and a CSR
# SpMV that reads all of its 4 MiB either way.
svm --pattern pchase --size 64M --visit 256 --tlb "$tlb" --offload both
svm --pattern forest --size 64M --trees 32 --tlb "$tlb" --offload both
svm --pattern spmv --size 4M --tlb "$tlb" --offload both
# A full chase (every node of a 256 KiB list) for contrast: both ways read
# the whole structure.
svm --pattern pchase --size 256k --visit all --tlb "$([ "$tlb" = all ] && echo ideal,hybrid || echo hybrid)" \
	--offload both

# The same workloads with reuse (docs/svm.md, "Warm TLB: repeated queries"):
# --repeat N runs N queries in one context, the TLBs and the walk cache left
# as the previous query left them (the first query is cold and reported
# apart; each later one draws a new input: a forest's feature vector, a
# chase's start node, SpMV's x; memcpy repeats the copy). One working set
# per pattern between the L1's reach (32 x 4 KiB = 128 KiB) and the L2's
# (1024 x 4 KiB = 4 MiB), and one far beyond the L2's (the cold study's
# sizes). Zero-copy SVM on 4 KiB pages, where the TLB modes differ.
warm=9      # 1 cold + 8 warm queries where the working set fits the L2
warm_big=4  # 1 cold + 3 warm on the large ones (a query is ~1 M cycles)
svm --pattern forest --size 2M --trees 32 --tlb "$tlb" --repeat $warm
svm --pattern pchase --size 2M --visit 256 --tlb "$tlb" --repeat $warm
svm --pattern memcpy --size 1M --tlb "$tlb" --repeat $warm
svm --pattern forest --size 64M --trees 32 --tlb "$tlb" --repeat $warm_big
svm --pattern pchase --size 64M --visit 256 --tlb "$tlb" --repeat $warm_big
svm --pattern memcpy --size 16M --tlb "$tlb" --repeat $warm_big
svm --pattern forest --size 4M --trees 32 --tlb "$tlb" --repeat $warm
# SpMV's reuse is in the gathers of x (int8, one byte per column): 256 rows of
# 16 entries (20 KiB of CSR arrays, 4096 nonzeros) over 2M and 64M columns,
# so x spans 2 MiB or 64 MiB. (A square matrix as large would have millions
# of nonzeros at about 20 cycles each: too slow to simulate per query.)
svm --pattern spmv --size 20k --cols 2M --tlb "$tlb" --repeat $warm
svm --pattern spmv --size 20k --cols 64M --tlb "$tlb" --repeat $warm_big
# The working sets that fit the L2 again, with one command list registered
# for the whole run (--cmd-list run): the library registers a list per job,
# and its unregistration invalidates the list's pages and empties the walk
# cache between queries; this measures what that costs.
svm --pattern forest --size 2M --trees 32 --tlb "$tlb" --repeat $warm --cmd-list run
svm --pattern pchase --size 2M --visit 256 --tlb "$tlb" --repeat $warm --cmd-list run
svm --pattern memcpy --size 1M --tlb "$tlb" --repeat $warm --cmd-list run
svm --pattern spmv --size 20k --cols 2M --tlb "$tlb" --repeat $warm --cmd-list run
echo "bench: results in $out/svm.jsonl"
fi

if [ -z "$only" ] || [ "$only" = lstm ]; then
# The Google LSTM shape C-LSTM used (input 153, hidden 1024, optionally a
# 512 projection) at each block size, 8 steps from a random initial state;
# the steps' job alone gives cycles per step (docs/cli.md, "bench lstm").
# Every run is also run on fmodel and compared byte for byte (bit_exact).
: >"$out/lstm.jsonl"
lstm() {
	"$circe" bench lstm --backend "$backend" --input 153 --hidden 1024 --steps 8 \
		--seed 1 --json "$@" | tee -a "$out/lstm.jsonl" ||
		echo "bench: lstm $* failed (see above); continuing" >&2
}
for k in 1 4 8 16; do
	lstm --k "$k"
done
lstm --k 1 --proj 512
lstm --k 16 --proj 512
# The same shapes in PyTorch on this machine's CPU (2 threads; 64 steps per
# call, so the per-call overhead weighs less than it would at 8).
torch_py=${CIRCE_BENCH_PYTHON:-/usr/bin/python3}
for proj in 0 512; do
	"$torch_py" "$(dirname "$0")/bench_lstm_torch.py" --input 153 --hidden 1024 \
		--proj "$proj" --steps 64 | tee -a "$out/lstm.jsonl" ||
		echo "bench: the PyTorch figure failed; continuing" >&2
done
# The ratio of each device run's frames per second to the CPU's (the faster
# of float and dynamic int8) for the same projection.
"$torch_py" - "$out/lstm.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = {r["proj"]: r for r in rows if r.get("benchmark") == "lstm_torch"}
for r in rows:
    if r.get("benchmark") != "lstm":
        continue
    c = cpu.get(r["proj"])
    dev = r.get("frames_per_second")
    if not c or "skip" in c or dev is None:
        why = c.get("skip") if c and "skip" in c else "no figure"
        print("bench: lstm k %d proj %d: no ratio (%s)" % (r["k"], r["proj"], why))
        continue
    print("bench: lstm k %2d proj %3d: %.0f frames/s at %.0f MHz, CPU %.1f: %.1fx" %
          (r["k"], r["proj"], dev, r["clock_hz"] / 1e6, c["frames_per_second"],
           dev / c["frames_per_second"]))
PY
echo "bench: results in $out/lstm.jsonl"
fi
