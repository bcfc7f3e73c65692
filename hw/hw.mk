# Device tree, the generated SystemVerilog package and the RTL lint set.

$(DTB): hw/dts/circe.dts
	@mkdir -p $(dir $@)
	$(DTC) -q -I dts -O dtb -o $@ $<

# hw/rtl/circe_pkg.sv is generated from include/circe/hw.h; never edit it.
CIRCE_PKG  := hw/rtl/circe_pkg.sv
CIRCE_DEFS := hw/rtl/circe_hw_defs.svh
GENERATED  += $(CIRCE_PKG) $(CIRCE_DEFS)

# Waivers first, then the packages (Verilator needs them before their users),
# then every hand-written module.
RTL_WAIVERS := hw/rtl/lint/verilator_waiver.vlt
RTL_PKGS    := $(CIRCE_PKG) hw/rtl/circe_axi_pkg.sv
RTL_SRCS    := $(RTL_PKGS) $(filter-out $(RTL_PKGS),$(sort $(wildcard hw/rtl/*.sv)))
RTL_LINT    += $(RTL_WAIVERS) $(RTL_SRCS)
RTL_DEPS    := $(RTL_WAIVERS) $(RTL_SRCS) $(CIRCE_DEFS)

# Replaced only when the text changes: a rebuilt gen_pkg with the same
# output must not re-verilate the model (make re-reads the time stamp).
CIRCE_PKG_UPDATE = if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(CIRCE_PKG): $(BUILD)/tools/gen_pkg include/circe/hw.h
	$(BUILD)/tools/gen_pkg > $@.tmp && $(CIRCE_PKG_UPDATE)

$(CIRCE_DEFS): $(BUILD)/tools/gen_pkg include/circe/hw.h
	$(BUILD)/tools/gen_pkg --defines > $@.tmp && $(CIRCE_PKG_UPDATE)

# Verilator and Yosys find the generated include here.
RTL_INCDIR := -Ihw/rtl
