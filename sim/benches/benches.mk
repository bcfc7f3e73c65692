# RTL unit benches: each sim/benches/tb_<name>.cpp is a cmocka suite that
# drives a Verilator model of one block with random stimulus against a C
# reference. A bench is declared in its own sim/benches/tb_<name>.mk with
#   $(eval $(call circe_rtl_bench,tb_<name>,<top module>,<verilator args, e.g. -GRows=8>,<extra .sv/.cpp files>))
# (extra files: e.g. a bench wrapper sim/benches/tb_<name>_top.sv giving flat ports,
# or C++ models under sim/vsim/).
# and is built into $(BUILD)/tests/rtl_tb_<name>, run by `make test`.
# Benches are not built in sanitizer builds (SAN=1): the Verilator runtime is
# not built with the sanitizers.

VERILATOR_BENCH_FLAGS := --cc --exe --build -j 2 \
	-O3 --x-assign fast --x-initial fast \
	--assert $(RTL_INCDIR) \
	-Wall -Wno-fatal \
	-MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1" \
	-CFLAGS "-I$(abspath include) -I$(abspath .)"

define circe_rtl_bench
ifneq ($(SAN),1)
TEST_BINS += $(BUILD)/tests/rtl_$(1)
endif
$(BUILD)/tests/rtl_$(1): sim/benches/$(1).cpp $(wildcard sim/benches/*.h) $(RTL_DEPS) $(4) $(LIB)
	@mkdir -p $(BUILD)/verilator/$(1) $(BUILD)/tests
	$(VERILATOR) $(VERILATOR_BENCH_FLAGS) --top-module $(2) $(3) \
		-Mdir $(BUILD)/verilator/$(1) -o rtl_$(1) \
		-LDFLAGS "$(abspath $(LIB)) -lcmocka -lfdt -lm -pthread" \
		$(RTL_WAIVERS) $(RTL_SRCS) $(abspath $(4)) $(abspath sim/benches/$(1).cpp) > $(BUILD)/verilator/$(1).log 2>&1 \
		|| { tail -50 $(BUILD)/verilator/$(1).log; exit 1; }
	cp $(BUILD)/verilator/$(1)/rtl_$(1) $$@
endef

-include $(wildcard sim/benches/tb_*.mk)
