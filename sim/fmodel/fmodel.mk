# Functional device model (backend "fmodel"): registers, command processor
# and MMU in C, compute by the hw/hls kernels.

LIB_SRCS += sim/fmodel/fmodel.c
