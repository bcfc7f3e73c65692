# Included after the Makefile Verilator generated for circe_top (make -f
# Vcirce_top.mk -f model.mk, run by sim/vsim/vsim.mk in the model's object
# directory): the model's objects and the Verilator runtime's, linked into
# the one relocatable object $(VSIM_OUT) that joins libcirce.a.
$(VSIM_OUT): $(VK_OBJS) $(VK_GLOBAL_OBJS)
	$(LD) -r -o $@ $^
