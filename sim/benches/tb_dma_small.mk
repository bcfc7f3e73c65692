# tb_dma again with the smallest engine parameters, so the credit,
# outstanding and command-queue limits bind all the time.
$(eval $(call circe_rtl_bench,tb_dma_small,tb_dma_top,-GMaxOutstanding=2 -GBufBeats=64 -GCmdQueue=2,sim/benches/tb_dma_top.sv sim/vsim/axi_mem.cpp))
# The whole bench is tb_dma.cpp, included.
$(BUILD)/tests/rtl_tb_dma_small: sim/benches/tb_dma.cpp
