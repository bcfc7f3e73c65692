# Host layer (tensors, quantization, GEMM tiling) and the circe command line.

LIB_SRCS += host/npy.c host/quant.c host/job.c host/gemm.c host/circ.c host/layers.c host/memeng.c host/workloads.c
LIB_SRCS += host/safetensors.c host/model_graph.c host/model.c

# Model files' JSON headers: Debian's libjansson (scripts/install-deps.sh).
PKG_CONFIG ?= pkg-config
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
CFLAGS += $(JANSSON_CFLAGS)
LDLIBS += $(JANSSON_LIBS)

CLI_SRCS += host/cli/main.c host/cli/cli_util.c host/cli/cmd_info.c host/cli/cmd_gemm.c \
            host/cli/cmd_bench.c host/cli/cmd_bench_svm.c \
            host/cli/cmd_bench_lstm.c host/cli/cmd_run.c
