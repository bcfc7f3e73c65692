# The GEMM path: circe_cmdproc (array, requant, scratchpads) + circe_dma_rd +
# circe_dma_wr + circe_mmu (Bypass) + circe_axi_mux, wrapped flat in
# tb_gemm_top.sv, against host memory behind sim/vsim/axi_mem (default
# timing), checked against circe_hls_gemm and a model of sim/fmodel's job
# loop; prints the 64^3 / 256^3 utilization (CIRCE_TB_GEMM_BIG=1: 1024^3).
$(eval $(call circe_rtl_bench,tb_gemm,tb_gemm_top,,sim/benches/tb_gemm_top.sv sim/vsim/axi_mem.cpp))
