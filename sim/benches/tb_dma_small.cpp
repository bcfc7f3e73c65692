// SPDX-License-Identifier: Apache-2.0
//
// tb_dma around the smallest engines (MaxOutstanding 2, BufBeats 64,
// CmdQueue 2; see tb_dma_small.mk): every queue-full, credit and
// outstanding limit is hit all the time. Same tests and checks as tb_dma;
// the bandwidth test only reports.
#define CIRCE_TB_DMA_NAME "tb_dma_small"
#include "sim/benches/tb_dma.cpp"
