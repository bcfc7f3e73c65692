# circe_requant (16 lanes) against circe_hls_requantize + the store of circe_hls_gemm.
$(eval $(call circe_rtl_bench,tb_requant,circe_requant,-GLanes=16 -CFLAGS -DCIRCE_TB_LANES=16,))
