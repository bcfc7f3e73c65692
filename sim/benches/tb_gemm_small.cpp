// SPDX-License-Identifier: Apache-2.0
//
// tb_gemm around a 4 x 8 array with tiny scratchpads (A ring 32 KiB, W ring
// 2 KiB: W rows longer than 128 bytes come in K pieces; 16-row M blocks;
// 128-byte output groups; 2 side slots; see tb_gemm_small.mk) and the real
// MMU over a page table the bench builds (IOVA != VA; unmapped pages fault,
// the bench aborts or maps and resumes them). Same tests and checks as
// tb_gemm; the performance cases only report.
#define CIRCE_TB_GEMM_NAME "tb_gemm_small"
#define CIRCE_TB_ROWS 4
#define CIRCE_TB_COLS 8
#define CIRCE_TB_WPIECE 128
#define CIRCE_TB_YROW 128
#define CIRCE_TB_MMU 1
#define CIRCE_TB_RANDOM_JOBS 20
#include "sim/benches/tb_gemm.cpp"
