# The Verilator RTL model of circe (backend "vsim"): circe_top verilated once
# into $(BUILD)/vsim/; its objects, the Verilator runtime, the C++ harness and
# the backend go into a second archive, $(VSIM_LIB), which every link line
# that uses $(LDLIBS) (CLI, test suites) gets after libcirce.a (then libcirce.a
# once more: the two reference each other). The RTL benches link libcirce.a
# alone and so never wait for the whole-design model.
#
# The RTL parameters are fixed here, at verilation time (the URI "vsim:"
# accepts only options that name this configuration). A build with other
# values needs a device tree that says so: $(VSIM_DTB) is made from these.
#
# Sanitizer builds (SAN=1) leave vsim out: the Verilated model and runtime are
# not built with the sanitizers, and the sanitizer run of the C suites then
# covers fmodel only (they list the backends the library has).

VSIM_ROWS    ?= 16
VSIM_COLS    ?= 16
VSIM_L1      ?= 32
VSIM_ASIDS   ?= 16
VSIM_L2SETS  ?= 256
VSIM_L2WAYS  ?= 4
VSIM_WALKERS ?= 4
# 1: a second model of circe_top with the ideal MMU (circe_mmu Bypass = 1,
# verilated with --prefix Vcirce_top_ideal into $(BUILD)/vsim-ideal/) joins
# the library, opened as "vsim:mmu=ideal" (circe bench svm --tlb ideal).
# Off by default so that make all / make test build one model; make bench
# turns it on. Switching re-archives the library, it does not re-verilate
# the normal model. docs/vsim.md, "The ideal-MMU model".
VSIM_IDEAL   ?= 0
# FST tracing compiled in (0: CIRCE_TRACE is refused) and the RTL's SVA
# assertions checked in co-simulation.
VSIM_TRACE   ?= 1
VSIM_ASSERT  ?= 1

VSIM_DIR   := $(BUILD)/vsim
VSIM_MDIR  := $(VSIM_DIR)/obj
VSIM_MODEL := $(VSIM_DIR)/circe_vsim_model.o
VSIM_LIB   := $(BUILD)/lib/libcirce_vsim.a
VSIM_DTB   := $(dir $(DTB))circe-vsim.dtb

VSIM_ENABLED := 0
ifneq ($(SAN),1)
ifneq ($(shell command -v $(VERILATOR) 2>/dev/null),)
VSIM_ENABLED := 1
endif
endif

ifeq ($(VSIM_ENABLED),1)

VERILATOR_ROOT ?= $(shell $(VERILATOR) --getenv VERILATOR_ROOT)

VSIM_PARAMS := -GRows=$(VSIM_ROWS) -GCols=$(VSIM_COLS) -GL1Entries=$(VSIM_L1) \
	-GNumAsids=$(VSIM_ASIDS) -GWalkers=$(VSIM_WALKERS) -GL2Sets=$(VSIM_L2SETS) \
	-GL2Ways=$(VSIM_L2WAYS)

# One flag per line, with its reason (as Verilator's examples/make_tracing_c).
VSIM_VFLAGS := --cc \
	-O3 \
	--x-assign fast \
	--x-initial fast \
	$(if $(filter 1,$(VSIM_TRACE)),--trace-fst) \
	$(if $(filter 1,$(VSIM_ASSERT)),--assert) \
	-Wno-fatal \
	$(RTL_INCDIR) \
	$(VSIM_EXTRA_VFLAGS)
# --cc:          a C++ model for $(VSIM_LIB) (no --exe, no main)
# -O3:           every Verilator optimization
# --x-assign fast, --x-initial fast: X and uninitialized state as whatever is
#                cheapest (the design resets what it reads)
# --trace-fst:   FST waveforms on request ($CIRCE_TRACE); off, the trace code
#                is never activated
# --assert:      the RTL's SVA protocol checks run in co-simulation; a failure
#                turns into an -EIO of the register access (sim/vsim/vsim.cpp)
# -Wno-fatal:    warnings are make lint-rtl's job, not this build's
# $(VSIM_EXTRA_VFLAGS): e.g. --prof-cfuncs to attribute simulation time to RTL
#                lines (docs/vsim.md, "Speed")

# Compiler flags of the model and the Verilator runtime (the generated
# Makefile's OPT_FAST / OPT_GLOBAL; OPT_SLOW is construction code).
VSIM_OPT_FAST   ?= -O3
VSIM_OPT_GLOBAL ?= -O2
# 1: the model's C++ files compile in parallel (faster builds); 0: one file,
# which lets the compiler see the whole model at once.
VSIM_PARALLEL   ?= 1

VSIM_CXXFLAGS := -std=gnu++17 -O2 -g -fPIC -pthread -Wall -Wextra -Werror -MMD -MP \
	-Iinclude -I. -isystem $(VSIM_MDIR) -isystem $(VERILATOR_ROOT)/include \
	-isystem $(VERILATOR_ROOT)/include/vltstd \
	-DVM_TRACE=$(VSIM_TRACE) -DVM_TRACE_FST=$(VSIM_TRACE) -DVM_COVERAGE=0 -DVM_SC=0 \
	-DCIRCE_VSIM_ROWS=$(VSIM_ROWS) -DCIRCE_VSIM_COLS=$(VSIM_COLS) \
	-DCIRCE_VSIM_L1=$(VSIM_L1) -DCIRCE_VSIM_ASIDS=$(VSIM_ASIDS) \
	-DCIRCE_VSIM_WALKERS=$(VSIM_WALKERS) -DCIRCE_VSIM_TRACE=$(VSIM_TRACE) \
	-DCIRCE_VSIM_L2SETS=$(VSIM_L2SETS) -DCIRCE_VSIM_L2WAYS=$(VSIM_L2WAYS)

VSIM_CXX_SRCS := sim/vsim/sim_ctrl.cpp sim/vsim/vsim.cpp sim/vsim/axi_mem.cpp \
	sim/vsim/top_default.cpp sim/vsim/top_ideal_stub.cpp
VSIM_CXX_OBJS := $(VSIM_CXX_SRCS:%.cpp=$(OBJ_DIR)/%.o)

# The ideal-MMU model: same parameters and flags, Bypass = 1, its own class
# prefix; only its own objects (the Verilator runtime comes with the normal
# model's). top_ideal.o replaces the stub in the archive.
VSIM_IDEAL_DIR   := $(BUILD)/vsim-ideal
VSIM_IDEAL_MDIR  := $(VSIM_IDEAL_DIR)/obj
VSIM_IDEAL_MODEL := $(VSIM_IDEAL_DIR)/circe_vsim_ideal_model.o
VSIM_IDEAL_OBJ   := $(OBJ_DIR)/sim/vsim/top_ideal.o
ifeq ($(VSIM_IDEAL),1)
VSIM_ARCHIVE_OBJS := $(VSIM_MODEL) $(VSIM_IDEAL_MODEL) $(VSIM_IDEAL_OBJ) \
	$(filter-out %/top_ideal_stub.o,$(VSIM_CXX_OBJS))
else
VSIM_ARCHIVE_OBJS := $(VSIM_MODEL) $(VSIM_CXX_OBJS)
endif

VSIM_C_OBJS   := $(OBJ_DIR)/sim/vsim/vsim_backend.o
LDLIBS += $(VSIM_LIB) $(LIB) -lstdc++ $(if $(filter 1,$(VSIM_TRACE)),-lz) -lfdt -lm

$(VSIM_LIB): $(VSIM_ARCHIVE_OBJS) $(VSIM_C_OBJS) $(VSIM_DIR)/ideal
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

# VSIM_IDEAL of the archive: a change re-archives (and relinks).
$(VSIM_DIR)/ideal: FORCE_VSIM
	@mkdir -p $(dir $@)
	@echo '$(VSIM_IDEAL)' | cmp -s - $@ || echo '$(VSIM_IDEAL)' > $@

# Relink the CLI and the suites when the model changes (their link rules
# name $(LDLIBS), not this archive).
$(CIRCE): $(VSIM_LIB)
$(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c)): $(VSIM_LIB)

$(OBJ_DIR)/driver/backends.o: CFLAGS += -DCIRCE_HAVE_VSIM
$(OBJ_DIR)/driver/backends.o: $(VSIM_DIR)/enabled

# A change of the configuration (these flags) re-verilates; edits of this
# file that leave them alone do not.
VSIM_STAMP_TEXT := $(VSIM_PARAMS) $(VSIM_VFLAGS) $(VSIM_OPT_FAST) $(VSIM_OPT_GLOBAL) \
	$(VSIM_PARALLEL) $(VSIM_CXXFLAGS)
$(VSIM_DIR)/config: FORCE_VSIM
	@mkdir -p $(dir $@)
	@echo '$(VSIM_STAMP_TEXT)' | cmp -s - $@ || echo '$(VSIM_STAMP_TEXT)' > $@
$(VSIM_DIR)/enabled:
	@mkdir -p $(dir $@)
	@touch $@
.PHONY: FORCE_VSIM

# 1. Verilate (C++ sources and the generated Makefile).
$(VSIM_MDIR)/Vcirce_top.mk: $(RTL_DEPS) $(VSIM_DIR)/config
	@rm -rf $(VSIM_MDIR)
	@mkdir -p $(VSIM_MDIR)
	$(VERILATOR) $(VSIM_VFLAGS) $(VSIM_PARAMS) --top-module circe_top -Mdir $(VSIM_MDIR) \
		$(RTL_WAIVERS) $(RTL_SRCS) > $(VSIM_DIR)/verilate.log 2>&1 \
		|| { tail -50 $(VSIM_DIR)/verilate.log; exit 1; }

# 1b. The ideal-MMU model (VSIM_IDEAL=1), same flags plus Bypass and a prefix.
$(VSIM_IDEAL_DIR)/config: FORCE_VSIM
	@mkdir -p $(dir $@)
	@echo '$(VSIM_STAMP_TEXT) -GBypass=1' | cmp -s - $@ || \
		echo '$(VSIM_STAMP_TEXT) -GBypass=1' > $@
$(VSIM_IDEAL_MDIR)/Vcirce_top_ideal.mk: $(RTL_DEPS) $(VSIM_IDEAL_DIR)/config
	@rm -rf $(VSIM_IDEAL_MDIR)
	@mkdir -p $(VSIM_IDEAL_MDIR)
	$(VERILATOR) $(VSIM_VFLAGS) $(VSIM_PARAMS) -GBypass=1 --prefix Vcirce_top_ideal \
		--top-module circe_top -Mdir $(VSIM_IDEAL_MDIR) \
		$(RTL_WAIVERS) $(RTL_SRCS) > $(VSIM_IDEAL_DIR)/verilate.log 2>&1 \
		|| { tail -50 $(VSIM_IDEAL_DIR)/verilate.log; exit 1; }
$(VSIM_IDEAL_MODEL): $(VSIM_IDEAL_MDIR)/Vcirce_top_ideal.mk sim/vsim/model.mk
	+$(MAKE) --no-print-directory -C $(VSIM_IDEAL_MDIR) -f Vcirce_top_ideal.mk \
		-f $(abspath sim/vsim/model.mk) \
		VM_PARALLEL_BUILDS=$(VSIM_PARALLEL) CXX="$(CXX)" OPT_FAST="$(VSIM_OPT_FAST)" \
		OPT_GLOBAL="$(VSIM_OPT_GLOBAL)" VSIM_OUT=$(abspath $@) VSIM_GLOBALS=0 \
		$(abspath $@) > $(VSIM_IDEAL_DIR)/compile.log 2>&1 \
		|| { tail -50 $(VSIM_IDEAL_DIR)/compile.log; exit 1; }
$(VSIM_IDEAL_OBJ): sim/vsim/top_ideal.cpp $(VSIM_IDEAL_MDIR)/Vcirce_top_ideal.mk
	@mkdir -p $(dir $@)
	$(CXX) $(VSIM_CXXFLAGS) -isystem $(VSIM_IDEAL_MDIR) -c $< -o $@

# 2. Compile the model and the runtime with the generated Makefile, split into
# files that compile in parallel; sim/vsim/model.mk links them into one
# relocatable object.
$(VSIM_MODEL): $(VSIM_MDIR)/Vcirce_top.mk sim/vsim/model.mk
	+$(MAKE) --no-print-directory -C $(VSIM_MDIR) -f Vcirce_top.mk \
		-f $(abspath sim/vsim/model.mk) \
		VM_PARALLEL_BUILDS=$(VSIM_PARALLEL) CXX="$(CXX)" OPT_FAST="$(VSIM_OPT_FAST)" \
		OPT_GLOBAL="$(VSIM_OPT_GLOBAL)" VSIM_OUT=$(abspath $@) \
		$(abspath $@) > $(VSIM_DIR)/compile.log 2>&1 \
		|| { tail -50 $(VSIM_DIR)/compile.log; exit 1; }

# 3. The harness (C++ inside, vsim.h outside). Recompiled with every new
# model: the Verilated headers are system headers to it (-isystem), which
# -MMD does not record, and the top's class layout follows its ports.
$(VSIM_CXX_OBJS): $(OBJ_DIR)/%.o: %.cpp $(VSIM_MDIR)/Vcirce_top.mk
	@mkdir -p $(dir $@)
	$(CXX) $(VSIM_CXXFLAGS) -c $< -o $@

# The device tree of this build's RTL (TLB geometry and walkers from VSIM_*).
$(VSIM_DTB): sim/vsim/circe-vsim.dts.in sim/vsim/vsim.mk
	@mkdir -p $(dir $@)
	sed -e 's/@ROWS@/$(VSIM_ROWS)/' -e 's/@COLS@/$(VSIM_COLS)/' -e 's/@L1@/$(VSIM_L1)/' \
	    -e 's/@ASIDS@/$(VSIM_ASIDS)/' -e 's/@WALKERS@/$(VSIM_WALKERS)/' \
	    -e 's/@L2SETS@/$(VSIM_L2SETS)/' -e 's/@L2WAYS@/$(VSIM_L2WAYS)/' $< \
	    | $(DTC) -q -I dts -O dtb -o $@ -

all: $(VSIM_DTB)
# make demo / make bench build only the CLI and the default tree: the vsim
# tree comes with the CLI.
$(CIRCE): | $(VSIM_DTB)

endif
