# Included after the Makefile Verilator generated for circe_top (make -f
# Vcirce_top.mk -f model.mk, run by sim/vsim/vsim.mk in the model's object
# directory): the model's objects and the Verilator runtime's, linked into
# the one relocatable object $(VSIM_OUT) that joins libcirce.a.
# VSIM_GLOBALS=0 (the ideal-MMU model): the model's objects alone, since the
# runtime is in the normal model's object already.
VSIM_GLOBALS ?= 1
$(VSIM_OUT): $(VK_OBJS) $(if $(filter 1,$(VSIM_GLOBALS)),$(VK_GLOBAL_OBJS))
	$(LD) -r -o $@ $^
