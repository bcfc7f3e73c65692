# circe_ctrl_regs (default configuration: 16 ASIDs, 2 MMU ports, 4-cycle
# datapath reset) against a model of sim/fmodel's register semantics.
$(eval $(call circe_rtl_bench,tb_regs,circe_ctrl_regs,,))
