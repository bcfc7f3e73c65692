# DMA path: circe_dma_rd + circe_dma_wr + circe_axi_mux (wrapped flat in
# tb_dma_top.sv) against host memory behind the AXI memory model
# sim/vsim/axi_mem.{h,cpp}, with a C++ MMU, producer, consumer and walker.
$(eval $(call circe_rtl_bench,tb_dma,tb_dma_top,,sim/benches/tb_dma_top.sv sim/vsim/axi_mem.cpp))
