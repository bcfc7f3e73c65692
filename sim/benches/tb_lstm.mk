# circe_lstm_unit (4 lanes) against circe_hls_lstm, one hidden unit per lane.
$(eval $(call circe_rtl_bench,tb_lstm,circe_lstm_unit,-GLanes=4 -CFLAGS -DCIRCE_TB_LANES=4,))
