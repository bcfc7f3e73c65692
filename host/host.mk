# Host layer (tensors, quantization, GEMM tiling) and the circe command line.

LIB_SRCS += host/npy.c host/quant.c host/job.c host/gemm.c host/circ.c host/layers.c host/memeng.c host/workloads.c

CLI_SRCS += host/cli/main.c host/cli/cli_util.c host/cli/cmd_info.c host/cli/cmd_gemm.c \
            host/cli/cmd_bench.c host/cli/cmd_bench_svm.c \
            host/cli/cmd_bench_lstm.c
