# HLS kernels compile natively; their #pragma HLS lines are for Vitis HLS.
LIB_SRCS += $(wildcard hw/hls/*.c)
$(OBJ_DIR)/hw/hls/%.o: CFLAGS += -Wno-unknown-pragmas
