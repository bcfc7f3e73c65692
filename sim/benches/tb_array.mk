# circe_systolic_array at 16x16, 8x8, 4x8 and 8x4 (tb_array_top) against a C++ matmul.
$(eval $(call circe_rtl_bench,tb_array,tb_array_top,,sim/benches/tb_array_slot.sv sim/benches/tb_array_top.sv))
