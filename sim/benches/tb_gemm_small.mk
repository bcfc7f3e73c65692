# tb_gemm again around a 4 x 8 array with the smallest scratchpads (K pieces,
# ring wrap-around, many M blocks and output groups, side slots bind) and the
# real MMU (page faults aborted or resumed by the bench).
$(eval $(call circe_rtl_bench,tb_gemm_small,tb_gemm_top,-GRows=4 -GCols=8 -GABytes=32768 -GWBytes=2048 -GMtMax=16 -GYRowBytes=128 -GSideSlots=2 -GBypass=0,sim/benches/tb_gemm_top.sv sim/vsim/axi_mem.cpp))
# The whole bench is tb_gemm.cpp, included.
$(BUILD)/tests/rtl_tb_gemm_small: sim/benches/tb_gemm.cpp
