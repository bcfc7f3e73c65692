# circe top-level Makefile: non-recursive, one fragment per directory.
# Outputs go under $(BUILD); `make clean` removes $(BUILD) and the generated
# hw/rtl/circe_pkg.sv. `make help` lists the targets.

# ---- tools (override on the command line) ----
CC          ?= cc
CXX         ?= g++
AR          ?= ar
DTC         ?= dtc
VERILATOR   ?= verilator
YOSYS       ?= yosys
CLANG_FORMAT ?= clang-format
PYTHON      ?= python3

# ---- build flavours ----
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into build/asan.
SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SAN_FLAGS :=
endif

OPT      ?= -O2
CFLAGS   := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes $(OPT) -g \
            -fPIC -pthread -Iinclude -I. -MMD -MP $(SAN_FLAGS) $(EXTRA_CFLAGS)
LDFLAGS  := -pthread $(SAN_FLAGS) $(EXTRA_LDFLAGS)
LDLIBS   := -lfdt -lm

OBJ_DIR  := $(BUILD)/obj
LIB      := $(BUILD)/lib/libcirce.a
BIN_DIR  := $(BUILD)/bin
CIRCE    := $(BIN_DIR)/circe
DTB      := $(BUILD)/dt/circe.dtb

# Fragments append to these.
LIB_SRCS   :=
CLI_SRCS   :=
TOOL_BINS  :=
TEST_BINS  :=
RTL_LINT   :=
GENERATED  :=

.DEFAULT_GOAL := all
# Nothing built here is a throw-away intermediate (objects of the test suites
# would otherwise be deleted after linking and rebuilt every time).
.SECONDARY:

include common/common.mk
include hw/hls/hls.mk
include hw/hw.mk
include svm/svm.mk
include driver/driver.mk
include sim/fmodel/fmodel.mk
include sim/vsim/vsim.mk
include host/host.mk
include tools/tools.mk
include tools/fuzz/fuzz.mk
include tests/tests.mk
include sim/benches/benches.mk

LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ_DIR)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(OBJ_DIR)/%.o)

# ---- generic rules ----
$(OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(CIRCE): $(CLI_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

# ---- targets ----
.PHONY: all help deps deps-check test test-unit test-asan demo lint lint-c lint-format \
        lint-rtl format bench synth-report models clean

all: $(CIRCE) $(DTB) $(GENERATED) $(TEST_BINS) ## build the library, the CLI, the device tree and the tests

help: ## list the targets
	@echo "circe: compressed NN layers on an FPGA accelerator with shared virtual memory"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  make %-14s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables: BUILD=$(BUILD) CC=$(CC) VERILATOR=$(VERILATOR) DTC=$(DTC) SAN=1 (sanitizers)"

deps: ## install every Debian package the project needs (apt-get; root)
	scripts/install-deps.sh --install

deps-check: ## check the Debian packages; install them when root, else print the apt-get line
	@scripts/install-deps.sh --ensure

test: deps-check ## run every test suite (unit, device model, CLI)
	@$(MAKE) --no-print-directory test-unit

test-unit: all
	@scripts/run-tests.sh $(BUILD) $(TEST_BINS)

test-asan: deps-check ## the unit tests under AddressSanitizer + UBSan (build/asan)
	@$(MAKE) --no-print-directory SAN=1 BUILD=build/asan test-unit

demo: deps-check ## compressed LSTM layers and a GEMM through the whole stack, checked and measured
	@$(MAKE) --no-print-directory $(CIRCE) $(DTB)
	@scripts/demo.sh $(CIRCE)

# VSIM_IDEAL=1: the library gets the ideal-MMU model too (bench svm --tlb ideal).
bench: deps-check ## benchmarks (JSON lines under build/bench/)
	@$(MAKE) --no-print-directory VSIM_IDEAL=1 $(CIRCE) $(DTB)
	@scripts/bench.sh $(CIRCE) $(BUILD)/bench

lint: lint-c lint-format lint-rtl ## warnings-as-errors build, clang-format check, Verilator lint

lint-c: $(LIB) $(CIRCE) $(TEST_BINS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint-format:
	$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS)

format: ## reformat the C sources with clang-format
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

# The trained models and their golden data (docs/models.md): PyTorch from
# Debian (scripts/install-deps.sh --models), not the python3 first on PATH.
# Minutes of CPU; CI uses the committed files.
MODELS_PYTHON ?= /usr/bin/python3
models: ## retrain models/*.safetensors and tests/golden/models/ (Debian python3-torch; minutes)
	@scripts/install-deps.sh --ensure-models
	$(MODELS_PYTHON) models/train_digits.py
	$(MODELS_PYTHON) models/train_charlm.py

# Every module is linted as a top of its own, in its default configuration.
RTL_MODULES = $(basename $(notdir $(filter-out $(RTL_PKGS),$(RTL_SRCS))))
lint-rtl: $(RTL_DEPS)
	@for top in $(RTL_MODULES); do \
	  echo "verilator --lint-only -Wall --top-module $$top"; \
	  $(VERILATOR) --lint-only -Wall $(RTL_INCDIR) --top-module $$top $(RTL_LINT) || exit 1; \
	done
	@# DESIGN.md: the RTL stays in the subset Yosys 0.23 also reads.
	@for f in $(filter-out $(RTL_PKGS),$(RTL_SRCS)); do \
	  echo "yosys read_verilog -sv $$f"; \
	  $(YOSYS) -q -p "read_verilog -sv $(RTL_INCDIR) $(RTL_PKGS) $$f" || exit 1; \
	done

# Yosys synth_xilinx of the default configuration: LUT/FF/DSP/BRAM per block.
# Slow (minutes); not part of CI.
SYNTH_TOP ?= circe_top
synth-report: $(RTL_DEPS) ## Yosys synth_xilinx resource estimate per block (slow)
	@mkdir -p $(BUILD)/synth
	scripts/synth_report.py $(SYNTH_TOP) $(BUILD)/synth -- $(RTL_SRCS) | tee $(BUILD)/synth/report.txt

clean: ## remove build/ and generated RTL
	rm -rf build $(GENERATED)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
