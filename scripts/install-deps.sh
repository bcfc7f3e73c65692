#!/usr/bin/env bash
# circe's Debian dependencies, in one place.
#   --install  apt-get install all of them (root)
#   --ensure   install what is missing when root; otherwise print the exact
#              apt-get line and fail
#   --list     print the package names
#   --fuzz     install what make fuzz / make fuzz-coverage need (clang with
#              libFuzzer, llvm-profdata and llvm-cov); not part of the default
#              list: CI runs the corpus in make test without them
#   --models / --ensure-models  the same (install / check) for the packages
#              `make models` trains with (not needed to build or test: CI
#              uses the committed model files)
set -euo pipefail

PACKAGES=(
	build-essential      # gcc, make, libc headers, libasan/libubsan
	pkg-config
	git                  # make lint-format lists the tracked sources
	verilator            # RTL lint and simulation
	yosys                # RTL synthesis check and make synth-report
	zlib1g-dev           # FST waveforms of the Verilator model (CIRCE_TRACE)
	device-tree-compiler # dtc
	libfdt-dev           # libfdt, the device-tree parser
	libcmocka-dev        # unit tests
	libjansson-dev       # JSON headers of model files (host/safetensors.c)
	clang-format         # make lint
	python3              # scripts that regenerate golden data
)

FUZZ_PACKAGES=(
	clang                # the libFuzzer harness (tools/fuzz/fuzz_model.c)
	libclang-rt-14-dev   # libFuzzer and the sanitizer runtimes of clang 14
	llvm                 # llvm-profdata, llvm-cov (make fuzz-coverage)
)

# `make models`: Debian's PyTorch and scikit-learn (its bundled digits).
MODEL_PACKAGES=(
	python3-torch
	python3-sklearn
	python3-numpy
)

names() { printf '%s\n' "${PACKAGES[@]}"; }

missing() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			echo "$p"
		fi
	done
}

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "$@"
}

mode=${1:---ensure}
case "$mode" in
--list) names ;;
--install)
	[ "$(id -u)" = 0 ] || { echo "install-deps: run as root: sudo $0 --install" >&2; exit 1; }
	mapfile -t all < <(names)
	apt_install "${all[@]}"
	;;
--ensure)
	if ! command -v dpkg-query >/dev/null; then
		echo "install-deps: not a Debian system; install the equivalents of: $(names | tr '\n' ' ')" >&2
		exit 1
	fi
	mapfile -t need < <(missing "${PACKAGES[@]}")
	[ ${#need[@]} -eq 0 ] && exit 0
	if [ "$(id -u)" = 0 ]; then
		echo "install-deps: installing ${need[*]}"
		apt_install "${need[@]}"
	else
		echo "install-deps: missing Debian packages; run:" >&2
		echo "  sudo apt-get install -y ${need[*]}" >&2
		exit 1
	fi
	;;
--fuzz)
	[ "$(id -u)" = 0 ] || { echo "install-deps: run as root: sudo $0 --fuzz" >&2; exit 1; }
	apt_install "${FUZZ_PACKAGES[@]}"
	;;
--models)
	[ "$(id -u)" = 0 ] || { echo "install-deps: run as root: sudo $0 --models" >&2; exit 1; }
	apt_install "${MODEL_PACKAGES[@]}"
	;;
--ensure-models)
	mapfile -t need < <(missing "${MODEL_PACKAGES[@]}")
	[ ${#need[@]} -eq 0 ] && exit 0
	echo "install-deps: make models needs Debian packages; run:" >&2
	echo "  sudo $0 --models   (apt-get install -y ${need[*]})" >&2
	exit 1
	;;
*) echo "usage: $0 [--install|--ensure|--list|--fuzz|--models|--ensure-models]" >&2; exit 2 ;;
esac
