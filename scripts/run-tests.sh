#!/usr/bin/env bash
# Run cmocka suites one by one and print a summary line:
#   tests: N passed, N failed, N skipped
# usage: run-tests.sh BUILD_DIR SUITE_BINARY...
set -uo pipefail
build=$1; shift
export CIRCE_DTB="$PWD/$build/dt/circe.dtb"
export CIRCE_BIN="$PWD/$build/bin/circe"
export CIRCE_TEST_DTBS="$PWD/$build/tests/dts"
export CIRCE_SRC="$PWD"
export CIRCE_TMP="$PWD/$build/tests/tmp"
mkdir -p "$CIRCE_TMP"

passed=0 failed=0 skipped=0 broken=()
for bin in "$@"; do
	name=$(basename "$bin")
	log="$build/tests/$name.log"
	start=$EPOCHREALTIME
	"$bin" >"$log" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed before reporting
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		broken+=("$name")
		printf '%-22s FAIL  %3s passed %3s failed %3s skipped  (%ss)\n' "$name" "$p" "$f" "$s" "$secs"
		sed 's/^/    | /' "$log" | tail -40
	else
		printf '%-22s ok    %3s passed %3s skipped  (%ss)\n' "$name" "$p" "$s" "$secs"
		grep -E '^\[  SKIPPED \] ' "$log" | grep -v 'test(s)' | sed 's/^/    /' || true
		grep -E '^# skip' "$log" | sed 's/^/    /' || true
	fi
done
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
