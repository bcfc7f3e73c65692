/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe HW/SW contract: the one place that defines everything the hardware
 * (hw/rtl, sim/fmodel) and the software (driver/, svm/, host/) must agree on.
 *
 * tools/gen_pkg.c turns this header into hw/rtl/circe_pkg.sv at build time.
 * Enumerations are X-macro lists so that the generator walks them instead of
 * repeating them; struct layouts are exported by offsetof() in the generator
 * and pinned here by _Static_assert.
 *
 * All multi-byte values in memory are little-endian. All device addresses in
 * descriptors are process virtual addresses (VAs) translated by the device MMU.
 */
#ifndef CIRCE_HW_H
#define CIRCE_HW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CIRCE_HW_STATIC_ASSERT(c, m) static_assert(c, m)
extern "C" {
#else
#define CIRCE_HW_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ------------------------------------------------------------------------ */
/* Identity                                                                  */
/* ------------------------------------------------------------------------ */

#define CIRCE_HW_MAGIC 0x43495243u /* "CIRC" read as a little-endian word */
#define CIRCE_HW_VERSION_MAJOR 1u
#define CIRCE_HW_VERSION_MINOR 0u
#define CIRCE_HW_VERSION ((CIRCE_HW_VERSION_MAJOR << 16) | CIRCE_HW_VERSION_MINOR)

/* Default configuration; the device tree and the ID registers say what a
 * given device really has. */
#define CIRCE_HW_DEFAULT_ARRAY_ROWS 16u
#define CIRCE_HW_DEFAULT_ARRAY_COLS 16u
#define CIRCE_HW_DEFAULT_TLB_L1_ENTRIES 32u
#define CIRCE_HW_DEFAULT_TLB_L2_SETS 256u
#define CIRCE_HW_DEFAULT_TLB_L2_WAYS 4u
#define CIRCE_HW_DEFAULT_NUM_ASIDS 16u
#define CIRCE_HW_DEFAULT_WALKERS 4u
#define CIRCE_HW_DEFAULT_WALK_CACHE_LINES 8u /* 64-byte PTE lines in the walker */

/* Bus geometry of the m_axi master. */
#define CIRCE_HW_AXI_ADDR_BITS 64u
#define CIRCE_HW_AXI_DATA_BITS 512u
#define CIRCE_HW_AXI_DATA_BYTES (CIRCE_HW_AXI_DATA_BITS / 8u)
#define CIRCE_HW_AXI_BURST_BOUNDARY 4096u

/* ------------------------------------------------------------------------ */
/* Control/status registers: byte offsets into the s_axi_control window.    */
/* 0x00-0x0C is the XRT RTL-kernel control block; arguments start at 0x10.  */
/* ------------------------------------------------------------------------ */

/* X(name, offset, access, description) */
#define CIRCE_HW_REG_LIST(X)                                                          \
	X(CTRL, 0x000, RW, "ap_start/ap_done/ap_idle/ap_ready (XRT control)")         \
	X(GIE, 0x004, RW, "global interrupt enable, bit 0")                           \
	X(IER, 0x008, RW, "interrupt enable: CIRCE_HW_IRQ_* bits")                    \
	X(ISR, 0x00C, RW1C, "interrupt status: CIRCE_HW_IRQ_* bits, write 1 clears")  \
	X(CMD_VA_LO, 0x010, RW, "argument: command list VA, bits 31:0")               \
	X(CMD_VA_HI, 0x014, RW, "argument: command list VA, bits 63:32")              \
	X(CMD_COUNT, 0x018, RW, "argument: number of descriptors in the list")        \
	X(ASID, 0x01C, RW, "argument: address space of the job")                      \
	X(MAGIC, 0x040, RO, "CIRCE_HW_MAGIC")                                         \
	X(VERSION, 0x044, RO, "major << 16 | minor")                                  \
	X(ARRAY, 0x048, RO, "systolic array: rows [7:0], cols [15:8]")                \
	X(TLB_L1, 0x04C, RO, "L1 TLB entries")                                        \
	X(TLB_L2, 0x050, RO, "L2 TLB: sets [15:0], ways [23:16] (0 = no L2)")         \
	X(NUM_ASIDS, 0x054, RO, "number of address spaces")                           \
	X(FEATURES, 0x058, RO, "CIRCE_HW_FEAT_* bits")                                \
	X(WALKERS, 0x05C, RO, "page-table walks in flight")                           \
	X(STATUS, 0x060, RO, "last job: code [7:0], busy [8], fault wait [9]")        \
	X(ERR_INDEX, 0x064, RO, "index of the descriptor that ended the last job")    \
	X(ERR_VA_LO, 0x068, RO, "faulting VA of the last job, bits 31:0")             \
	X(ERR_VA_HI, 0x06C, RO, "faulting VA of the last job, bits 63:32")            \
	X(RESET, 0x070, WO, "write 1: abort the job, flush TLB and fault queue")      \
	X(PT_ASID_SEL, 0x080, RW, "ASID whose page-table root PT_ROOT_* accesses")    \
	X(PT_ROOT_LO, 0x084, RW, "root IOVA bits 31:12 | valid bit 0; write commits") \
	X(PT_ROOT_HI, 0x088, RW, "root IOVA bits 63:32 (write before PT_ROOT_LO)")    \
	X(INV_CMD, 0x090, WO, "TLB invalidate: type [1:0], asid [31:16]; starts it")  \
	X(INV_VA_LO, 0x094, RW, "invalidate range start VA, bits 31:0")               \
	X(INV_VA_HI, 0x098, RW, "invalidate range start VA, bits 63:32")              \
	X(INV_PAGES, 0x09C, RW, "invalidate range length in 4 KiB pages")             \
	X(INV_ACK, 0x0A0, RO, "count of completed invalidations (wraps)")             \
	X(MMU_CTRL, 0x0A4, RW, "TLB mode [1:0]: CIRCE_HW_MMU_MODE_*")                 \
	X(FAULT_STATUS, 0x0B0, RO, "head of fault queue: CIRCE_HW_FAULT_* bits")      \
	X(FAULT_VA_LO, 0x0B4, RO, "head of fault queue: VA bits 31:0")                \
	X(FAULT_VA_HI, 0x0B8, RO, "head of fault queue: VA bits 63:32")               \
	X(FAULT_RESP, 0x0BC, WO, "answer the head fault: CIRCE_HW_FAULT_RESP_*")      \
	X(PERF_CTRL, 0x0FC, WO, "write 1: clear all performance counters")            \
	X(PERF_BASE, 0x100, RO, "64-bit counters: id at PERF_BASE + 8 * id (lo, hi)")

#define CIRCE_HW_REG_ENUM_(name, off, acc, desc) CIRCE_REG_##name = (off),
enum circe_hw_reg { CIRCE_HW_REG_LIST(CIRCE_HW_REG_ENUM_) };
#undef CIRCE_HW_REG_ENUM_

/* Size of the register window in bytes. */
#define CIRCE_HW_REG_WINDOW 0x1000u

/* CTRL bits (XRT ap_ctrl_hs). ap_done is also latched in ISR. */
#define CIRCE_HW_CTRL_AP_START (1u << 0)
#define CIRCE_HW_CTRL_AP_DONE (1u << 1)
#define CIRCE_HW_CTRL_AP_IDLE (1u << 2)
#define CIRCE_HW_CTRL_AP_READY (1u << 3)
#define CIRCE_HW_CTRL_AUTO_RESTART (1u << 7)

/* IER / ISR bits. */
#define CIRCE_HW_IRQ_DONE (1u << 0)  /* job finished (ok or not) */
#define CIRCE_HW_IRQ_FAULT (1u << 1) /* fault queue not empty */

/* STATUS fields. */
#define CIRCE_HW_STATUS_CODE_MASK 0xFFu
#define CIRCE_HW_STATUS_BUSY (1u << 8)
#define CIRCE_HW_STATUS_FAULT_WAIT (1u << 9)

/* ARRAY fields. */
#define CIRCE_HW_ARRAY_ROWS(v) ((v)&0xFFu)
#define CIRCE_HW_ARRAY_COLS(v) (((v) >> 8) & 0xFFu)

/* TLB_L2 fields. */
#define CIRCE_HW_TLB_L2_SETS(v) ((v)&0xFFFFu)
#define CIRCE_HW_TLB_L2_WAYS(v) (((v) >> 16) & 0xFFu)

/* PT_ROOT_LO bits. */
#define CIRCE_HW_PT_ROOT_VALID (1u << 0)

/* INV_CMD fields. */
#define CIRCE_HW_INV_ALL 1u
#define CIRCE_HW_INV_ASID 2u
#define CIRCE_HW_INV_RANGE 3u /* one ASID, INV_VA_*, INV_PAGES */
#define CIRCE_HW_INV_TYPE_MASK 0x3u
#define CIRCE_HW_INV_ASID_SHIFT 16u

/* MMU_CTRL fields: which TLB levels translate (a study knob; the ideal MMU
 * is a build parameter). Entries stay coherent in every mode, so the mode
 * may change at any time; the functional model accepts and ignores it. */
#define CIRCE_HW_MMU_MODE_HYBRID 0u  /* L1, then L2, then a walk */
#define CIRCE_HW_MMU_MODE_L1_ONLY 1u /* no L2 probes or fills */
#define CIRCE_HW_MMU_MODE_L2_ONLY 2u /* no L1 lookups or fills */
#define CIRCE_HW_MMU_MODE_MASK 0x3u

/* FAULT_STATUS bits (also the flags of struct circe_hw_fault_record). */
#define CIRCE_HW_FAULT_PENDING (1u << 0)  /* the queue head is valid */
#define CIRCE_HW_FAULT_WRITE (1u << 1)	  /* the access was a write */
#define CIRCE_HW_FAULT_PERM (1u << 2)	  /* entry present, permission missing */
#define CIRCE_HW_FAULT_NONCANON (1u << 3) /* VA above the 48-bit space */
#define CIRCE_HW_FAULT_NOROOT (1u << 4)	  /* ASID has no valid page-table root */
#define CIRCE_HW_FAULT_ASID_SHIFT 16u	  /* ASID in bits [31:16] */

/* FAULT_RESP values. */
#define CIRCE_HW_FAULT_RESP_RESUME 1u /* walk again: the host mapped the page */
#define CIRCE_HW_FAULT_RESP_ABORT 2u  /* end the job with CIRCE_HW_ST_FAULT */

/* ------------------------------------------------------------------------ */
/* Feature bits (FEATURES register).                                         */
/* ------------------------------------------------------------------------ */

/* X(name, bit, description) */
#define CIRCE_HW_FEAT_LIST(X)                                   \
	X(GEMM, 0, "int8 GEMM with per-channel requantization") \
	X(INT4, 1, "int4 weights, two per byte")                \
	X(OUT16, 2, "int16 GEMM output")                        \
	X(CIRC, 3, "block-circulant products")                  \
	X(LSTM, 4, "LSTM element-wise unit")                    \
	X(MEMENG, 5, "memory-engine commands")                  \
	X(CYCLES, 6, "cycle-accurate performance counters")     \
	X(TLB_L2, 7, "set-associative L2 TLB")                  \
	X(IDEAL_MMU, 9, "ideal MMU (measurement build)")        \
	X(DEMAND_PAGING, 8, "faults wait for the host to resume or abort")

#define CIRCE_HW_FEAT_ENUM_(name, bit, desc) CIRCE_HW_FEAT_##name = (1u << (bit)),
enum circe_hw_feature { CIRCE_HW_FEAT_LIST(CIRCE_HW_FEAT_ENUM_) };
#undef CIRCE_HW_FEAT_ENUM_

/* ------------------------------------------------------------------------ */
/* Performance counters: 64 bits each at CIRCE_REG_PERF_BASE + 8 * id.      */
/* They count from the last PERF_CTRL clear (or reset) across jobs. Read    */
/* hi, lo, hi and retry if hi changed.                                       */
/* ------------------------------------------------------------------------ */

/* X(name, id, description) */
#define CIRCE_HW_PERF_LIST(X)                                                      \
	X(CYCLES, 0, "cycles while busy")                                          \
	X(COMPUTE_CYCLES, 1, "cycles the array computed")                          \
	X(MACS, 2, "useful multiply-accumulates")                                  \
	X(DMA_RD_BYTES, 3, "bytes read over m_axi (data, descriptors, PTE lines)") \
	X(DMA_WR_BYTES, 4, "bytes written over m_axi")                             \
	X(TLB_L1_HITS, 5, "L1 TLB hits")                                           \
	X(TLB_L1_MISSES, 6, "L1 TLB misses")                                       \
	X(TLB_L2_HITS, 7, "L2 TLB hits")                                           \
	X(TLB_L2_MISSES, 8, "L2 TLB misses")                                       \
	X(WALKS, 9, "page-table walks")                                            \
	X(WALK_CYCLES, 10, "walker-cycles: per cycle, the walks in flight")        \
	X(FAULTS, 11, "translation faults raised")                                 \
	X(STALL_CYCLES, 12, "cycles a request waited for translation")             \
	X(DESCRIPTORS, 13, "descriptors completed")                                \
	X(PTE_READS, 14, "page-table entries a walk used")                         \
	X(WALK_CACHE_HITS, 15, "of those, served by the walk cache")

#define CIRCE_HW_PERF_ENUM_(name, id, desc) CIRCE_PERF_##name = (id),
enum circe_hw_perf { CIRCE_HW_PERF_LIST(CIRCE_HW_PERF_ENUM_) CIRCE_PERF_COUNT };
#undef CIRCE_HW_PERF_ENUM_

/* ------------------------------------------------------------------------ */
/* Job and descriptor status codes.                                          */
/* ------------------------------------------------------------------------ */

/* X(name, code, description) */
#define CIRCE_HW_ST_LIST(X)                                      \
	X(PENDING, 0, "not yet executed (the host writes this)") \
	X(OK, 1, "completed")                                    \
	X(FAULT, 2, "translation fault aborted the job")         \
	X(BUS_ERROR, 3, "the bus answered SLVERR or DECERR")     \
	X(ILLEGAL, 4, "illegal descriptor")                      \
	X(RESET, 5, "aborted by a reset")

#define CIRCE_HW_ST_ENUM_(name, code, desc) CIRCE_HW_ST_##name = (code),
enum circe_hw_status_code { CIRCE_HW_ST_LIST(CIRCE_HW_ST_ENUM_) };
#undef CIRCE_HW_ST_ENUM_

/* Reasons in circe_hw_status.detail for CIRCE_HW_ST_ILLEGAL. */
#define CIRCE_HW_ILL_LIST(X)                                                        \
	X(OPCODE, 1, "unknown or unsupported opcode")                               \
	X(DIMS, 2, "a dimension is zero or above its limit")                        \
	X(FLAGS, 3, "unknown flag bits")                                            \
	X(STRIDE, 4, "a row stride is shorter than the row")                        \
	X(CLAMP, 5, "clamp_min > clamp_max or outside the type")                    \
	X(ZERO_POINT, 6, "zero point outside its type")                             \
	X(REQUANT, 7, "requant shift outside [-31, 30] or m0 < 0")                  \
	X(ALIGN, 8, "a pointer that must be aligned is not")                        \
	X(OVERLAP, 9, "COPY source and destination overlap")                        \
	X(INDEX, 10, "data index out of range (CSR row_ptr/col_idx, tree feature)") \
	X(DEPTH, 11, "a tree path longer than the descriptor's depth cap")

#define CIRCE_HW_ILL_ENUM_(name, code, desc) CIRCE_HW_ILL_##name = (code),
enum circe_hw_illegal_reason { CIRCE_HW_ILL_LIST(CIRCE_HW_ILL_ENUM_) };
#undef CIRCE_HW_ILL_ENUM_

/* ------------------------------------------------------------------------ */
/* Command descriptors: 128 bytes, 64-byte aligned, in host memory, fetched */
/* by VA. Each ends in a status block the device writes back.               */
/* ------------------------------------------------------------------------ */

#define CIRCE_HW_DESC_BYTES 128u
#define CIRCE_HW_DESC_ALIGN 64u
#define CIRCE_HW_MAX_CMD_COUNT (1u << 20)

/* X(name, code, description) */
#define CIRCE_HW_OP_LIST(X)                                        \
	X(NOP, 0, "do nothing, write status")                      \
	X(GEMM, 1, "int8/int4 GEMM, int32 accumulate, requantize") \
	X(CIRC, 2, "block-circulant product")                      \
	X(LSTM, 3, "LSTM cell element-wise step")                  \
	X(COPY, 4, "memory engine: copy")                          \
	X(PCHASE, 5, "memory engine: pointer chase")               \
	X(SPMV, 6, "memory engine: CSR sparse matrix-vector")      \
	X(FOREST, 7, "memory engine: decision-tree traversal")     \
	X(FENCE, 8, "wait until earlier descriptors' writes are done")

#define CIRCE_HW_OP_ENUM_(name, code, desc) CIRCE_HW_OP_##name = (code),
enum circe_hw_opcode { CIRCE_HW_OP_LIST(CIRCE_HW_OP_ENUM_) };
#undef CIRCE_HW_OP_ENUM_

/* Written back by the device at the end of every descriptor it executes. */
struct circe_hw_status {
	uint32_t code;	   /* enum circe_hw_status_code */
	uint32_t detail;   /* FAULT: CIRCE_HW_FAULT_* flags; ILLEGAL: reason */
	uint64_t fault_va; /* FAULT: the VA that could not be translated */
};
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_status) == 16, "status block size");

#define CIRCE_HW_STATUS_OFFSET (CIRCE_HW_DESC_BYTES - sizeof(struct circe_hw_status))

/* Every descriptor starts with this. */
struct circe_hw_desc_head {
	uint32_t opcode; /* enum circe_hw_opcode */
	uint32_t flags;	 /* per opcode */
};

/* GEMM: Y[m][n] = requant(sum_k (A[m][k] - in_zp) * W[n][k] + bias[n]).
 * A is int8 [m][k] with row stride lda bytes. W is int8 [n][k], or int4
 * [n][k] two per byte (element k in the low nibble of byte k/2 when k is
 * even, the high nibble when odd), row stride ldw bytes. Accumulation is
 * int32 with two's-complement wrap. The requant table at rq_va has n
 * entries with CIRCE_HW_GEMM_PER_CHANNEL, else one. Y is int8 or int16
 * (CIRCE_HW_GEMM_OUT16) with row stride ldy bytes. */
#define CIRCE_HW_GEMM_INT4 (1u << 0)
#define CIRCE_HW_GEMM_OUT16 (1u << 1)
#define CIRCE_HW_GEMM_BIAS (1u << 2)
#define CIRCE_HW_GEMM_PER_CHANNEL (1u << 3)
#define CIRCE_HW_GEMM_FLAGS_ALL 0xFu

/* K is bounded so that |sum| stays below 2^31 for any int8 input and zero
 * point: 255 * 128 * 16384 < 2^31. */
#define CIRCE_HW_GEMM_MAX_K 16384u
#define CIRCE_HW_GEMM_MAX_M 65535u
#define CIRCE_HW_GEMM_MAX_N 65535u

struct circe_hw_desc_gemm {
	uint32_t opcode; /* CIRCE_HW_OP_GEMM */
	uint32_t flags;	 /* CIRCE_HW_GEMM_* */
	uint32_t m;
	uint32_t k;
	uint32_t n;
	int32_t in_zp;	   /* [-128, 127] */
	int32_t out_zp;	   /* within the output type */
	int32_t clamp_min; /* within the output type; ReLU: out_zp */
	int32_t clamp_max; /* within the output type, >= clamp_min */
	uint32_t lda;	   /* >= k */
	uint32_t ldw;	   /* >= k, or >= (k + 1) / 2 with INT4 */
	uint32_t ldy;	   /* >= n * output element size */
	uint64_t a_va;
	uint64_t w_va;
	uint64_t bias_va; /* int32 [n]; read only with CIRCE_HW_GEMM_BIAS */
	uint64_t rq_va;	  /* struct circe_hw_requant [n] or [1] */
	uint64_t y_va;
	uint64_t reserved[3];
	struct circe_hw_status status;
};

/* Requantization of one output channel: y = out_zp +
 * RoundingDivideByPOT(SRDHM(acc << max(shift, 0), m0), max(-shift, 0)),
 * then clamp. m0 in [2^30, 2^31) (or 0), shift in [-31, 30]. */
struct circe_hw_requant {
	int32_t m0;
	int32_t shift;
};
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_requant) == 8, "requant entry size");
#define CIRCE_HW_REQUANT_SHIFT_MIN (-31)
#define CIRCE_HW_REQUANT_SHIFT_MAX 30

/* CIRC: block-circulant matrix-vector products (docs/numerics.md, section
 * "Block-circulant products"), for b < batch:
 *   y_b = requant(C x_b + bias)
 * C is [n_out][n_in], p x q blocks of k x k (p = n_out / k, q = ceil(n_in /
 * k)); block (i, j) is circ(w_ij) with circ(w)[r][c] = w[(r - c) mod k], so
 *   acc[i*k + r] = bias[i*k + r] + sum_j sum_c w_ij[(r - c) mod k] * x_b[j*k + c]
 * in int32 with two's-complement wrap; x elements at or past n_in count as 0.
 * W is int8 [p][ldw]: row i holds w_i0 .. w_i(q-1), k values each, back to
 * back (q * k bytes). k = 1 is a dense product with W = [n_out][n_in].
 * x_b is int8 at x_va + b * ldx (no zero point: the host folds an input
 * zero point into the bias). y_b is int8 or int16 (CIRCE_HW_CIRC_OUT16) at
 * y_va + b * ldy, n_out elements. The requant table at rq_va has p entries
 * with CIRCE_HW_CIRC_PER_BLOCK (entry i for the k outputs of block row i:
 * a circulant block row shares one weight scale), else one. On the array
 * this is a GEMM with M = p, K = q * k, N = k whose stationary operand,
 * circ(x_j), is expanded on chip from k input values (docs/rtl.md).
 * Access order: the requant table is read and checked first (a bad entry
 * is ILLEGAL REQUANT before any other access), then bias, W, and for b =
 * 0, 1, ... x_b is read before y_b is written. A fault or bus error
 * reports the first failing access in this order with its VA (the first
 * VA of the failing 4 KiB piece); with one unreadable buffer every
 * implementation reports the same one. After such an error y is partly
 * written (which part is unspecified). */
#define CIRCE_HW_CIRC_OUT16 (1u << 1)
#define CIRCE_HW_CIRC_BIAS (1u << 2)
#define CIRCE_HW_CIRC_PER_BLOCK (1u << 3)
#define CIRCE_HW_CIRC_FLAGS_ALL 0xEu
#define CIRCE_HW_CIRC_K_MAX 16u /* k in {1, 2, 4, 8, 16} */
#define CIRCE_HW_CIRC_MAX_IN CIRCE_HW_GEMM_MAX_K
#define CIRCE_HW_CIRC_MAX_OUT 65535u
#define CIRCE_HW_CIRC_MAX_BATCH 65535u

struct circe_hw_desc_circ {
	uint32_t opcode; /* CIRCE_HW_OP_CIRC */
	uint32_t flags;	 /* CIRCE_HW_CIRC_* */
	uint32_t k;	 /* block size: 1, 2, 4, 8 or 16 */
	uint32_t n_in;	 /* [1, CIRCE_HW_CIRC_MAX_IN] */
	uint32_t n_out;	 /* [k, CIRCE_HW_CIRC_MAX_OUT], a multiple of k */
	uint32_t batch;	 /* [1, CIRCE_HW_CIRC_MAX_BATCH] */
	int32_t out_zp;	 /* within the output type */
	int32_t clamp_min;
	int32_t clamp_max;
	uint32_t ldw; /* >= q * k */
	uint32_t ldx; /* >= n_in */
	uint32_t ldy; /* >= n_out * output element size */
	uint64_t w_va;
	uint64_t x_va;
	uint64_t bias_va; /* int32 [n_out]; read only with CIRCE_HW_CIRC_BIAS */
	uint64_t rq_va;	  /* struct circe_hw_requant [p] or [1] */
	uint64_t y_va;
	uint64_t reserved[3];
	struct circe_hw_status status;
};

/* LSTM: one element-wise step of an LSTM cell over hidden units j < hidden
 * (docs/numerics.md, section "The LSTM cell"). Gates in the order i, f, g,
 * o, each int16 Q3.12 [4][hidden]: the input part gx (the input projection
 * plus bias) and the recurrent part gh (the recurrent product), so
 *   pre_x[j] = sat16(gx[x][j] + gh[x][j])
 *   i, f, o = sigmoid(pre), g = tanh(pre)               int16 Q0.15
 *   c'[j] = sat16(RDivPOT(f * c[j], 15) + RDivPOT(i * g, 19))   int16 Q4.11
 *   h[j]  = clamp(h_zp + requant(o * tanh(c'[j]), h_rq), -128, 127)   int8
 * o * tanh(c') is Q0.30; h_rq scales it to the hidden output's int8 scale.
 * c_in and c_out may be the same buffer (in place); gh may be absent
 * (CIRCE_HW_LSTM_NO_GH: the first step of a sequence from h = 0). Access
 * order: gx, gh, c_in are read, then c_out and h written. */
#define CIRCE_HW_LSTM_NO_GH (1u << 0)
#define CIRCE_HW_LSTM_FLAGS_ALL 0x1u
#define CIRCE_HW_LSTM_MAX_HIDDEN 16384u
#define CIRCE_HW_LSTM_GATE_FRAC 12u /* Q3.12 gate pre-activations */
#define CIRCE_HW_LSTM_CELL_FRAC 11u /* Q4.11 cell state */
#define CIRCE_HW_LSTM_ACT_FRAC 15u  /* Q0.15 sigmoid / tanh outputs */

struct circe_hw_desc_lstm {
	uint32_t opcode;	      /* CIRCE_HW_OP_LSTM */
	uint32_t flags;		      /* CIRCE_HW_LSTM_* */
	uint32_t hidden;	      /* [1, CIRCE_HW_LSTM_MAX_HIDDEN] */
	int32_t h_zp;		      /* [-128, 127] */
	struct circe_hw_requant h_rq; /* Q0.30 -> int8 hidden output (checked like a table entry) */
	uint64_t gx_va;		      /* int16 [4][hidden], 2-byte aligned */
	uint64_t gh_va;		      /* int16 [4][hidden], 2-byte aligned; unused with NO_GH */
	uint64_t c_in_va;	      /* int16 [hidden], 2-byte aligned */
	uint64_t c_out_va;	      /* int16 [hidden], 2-byte aligned */
	uint64_t h_va;		      /* int8 [hidden] */
	uint64_t reserved[6];
	struct circe_hw_status status;
};

/* ---- Memory-engine commands (docs/memeng.md) ----
 * They touch memory by VA through the MMU like GEMM does. Access order is
 * part of the contract, because it decides which fault a bad pointer gives:
 * the device reports the first failing access in the order written below,
 * with the VA of that access (a piece never crosses a 4 KiB page). Writes
 * before that access have happened; later ones have not. Checks of the
 * descriptor itself come before any access, in the order OPCODE, FLAGS,
 * DIMS, ALIGN, OVERLAP (the first failing one is the reason). */

/* COPY: dst[i] = src[i] for i < bytes; any alignment. The copy runs in
 * pieces that cross neither a source nor a destination 4 KiB page; for
 * each piece, in increasing address order, the source piece is read and
 * then the destination piece written. The fault or bus error reported is
 * that of the first failing piece in this order. After a failure the
 * destination's content is unspecified (an engine streams many pieces at
 * once; the RTL's read engine drops the beats in flight at an error), and
 * later pieces may raise further fault records.
 * Overlapping ranges are ILLEGAL
 * (OVERLAP): a streaming engine with many bursts in flight cannot give
 * memmove's order. */
#define CIRCE_HW_COPY_MAX_BYTES (1ull << 30)

struct circe_hw_desc_copy {
	uint32_t opcode; /* CIRCE_HW_OP_COPY */
	uint32_t flags;	 /* none defined: 0 */
	uint64_t bytes;	 /* [1, CIRCE_HW_COPY_MAX_BYTES] */
	uint64_t src_va;
	uint64_t dst_va;
	uint64_t reserved[10];
	struct circe_hw_status status;
};

/* PCHASE: follow a linked list. node = start_va; for up to max_nodes
 * nodes: (with STOP_NULL, a NULL node ends the chase) node must be 8-byte
 * aligned (else ILLEGAL ALIGN); read the 64-bit value at node + val_off,
 * then the 64-bit next pointer at node + next_off; checksum =
 * rotl64(checksum, 7) ^ value; node = next. Then struct
 * circe_hw_pchase_result is written to result_va (8-byte aligned). Without
 * STOP_NULL a NULL next pointer is followed like any other and faults. */
#define CIRCE_HW_PCHASE_STOP_NULL (1u << 0)
#define CIRCE_HW_PCHASE_FLAGS_ALL 0x1u
#define CIRCE_HW_PCHASE_MAX_OFF 4088u	 /* next_off, val_off: multiples of 8 up to this */
#define CIRCE_HW_PCHASE_CHECKSUM_ROTL 7u /* checksum = rotl64(checksum, 7) ^ value */

struct circe_hw_desc_pchase {
	uint32_t opcode; /* CIRCE_HW_OP_PCHASE */
	uint32_t flags;	 /* CIRCE_HW_PCHASE_* */
	uint64_t start_va;
	uint32_t next_off;  /* byte offset of the next pointer in a node */
	uint32_t val_off;   /* byte offset of the 64-bit value summed */
	uint32_t max_nodes; /* >= 1: the count, or with STOP_NULL the cap */
	uint32_t reserved0;
	uint64_t result_va; /* struct circe_hw_pchase_result, 8-byte aligned */
	uint64_t reserved[9];
	struct circe_hw_status status;
};

struct circe_hw_pchase_result {
	uint64_t nodes;	   /* nodes visited */
	uint64_t checksum; /* over their values, in order */
	uint64_t last_va;  /* the last node visited, 0 if none */
	uint64_t next_va;  /* where the chase stopped: the next pointer not followed */
};
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_pchase_result) == 32, "pchase result size");

/* SPMV: y[r] = sum_{j in [row_ptr[r], row_ptr[r+1])} values[j] * x[col_idx[j]]
 * for r < rows: int8 values and x, int32 accumulation with two's-complement
 * wrap, int32 y, no requantization. row_ptr is int32 [rows + 1], col_idx
 * int32 [nnz], both 4-byte aligned, as y. Order: the whole row_ptr is read
 * and checked first (row_ptr[0] == 0, non-decreasing, row_ptr[rows] ==
 * nnz, else ILLEGAL INDEX, nothing written); then row by row, in chunks
 * of CIRCE_HW_SPMV_CHUNK entries: the chunk's col_idx, its values, then for
 * each entry in order the column check (outside [0, cols) is ILLEGAL INDEX,
 * so that row's y is never written) and the read of x[col]; after the
 * row's last chunk, the write of y[r]. row_ptr is read in chunks too (and
 * again per row; a re-read cannot fault where the first read did not). */
#define CIRCE_HW_SPMV_CHUNK 256u
#define CIRCE_HW_SPMV_MAX_ROWS (1u << 24)
#define CIRCE_HW_SPMV_MAX_COLS 0x7FFFFFFFu
#define CIRCE_HW_SPMV_MAX_NNZ 0x7FFFFFFFu

struct circe_hw_desc_spmv {
	uint32_t opcode; /* CIRCE_HW_OP_SPMV */
	uint32_t flags;	 /* none defined: 0 */
	uint32_t rows;	 /* [1, CIRCE_HW_SPMV_MAX_ROWS] */
	uint32_t cols;	 /* [1, CIRCE_HW_SPMV_MAX_COLS] */
	uint32_t nnz;	 /* [0, CIRCE_HW_SPMV_MAX_NNZ] */
	uint32_t reserved0;
	uint64_t row_ptr_va;
	uint64_t col_idx_va;
	uint64_t val_va;
	uint64_t x_va;
	uint64_t y_va;
	uint64_t reserved[6];
	struct circe_hw_status status;
};

/* FOREST: random-forest inference on one int32 feature vector. Tree t
 * starts at the node whose VA is roots[t] (uint64 [trees], 8-byte aligned).
 * At a node (32-byte aligned, else ILLEGAL ALIGN; read whole): a leaf
 * (feature == CIRCE_HW_TREE_LEAF) gives leaf_value; otherwise feature must
 * be < features (else ILLEGAL INDEX), x[feature] is read and the walk goes
 * to left_va if x[feature] <= threshold, else right_va. Following more than
 * max_depth edges is ILLEGAL DEPTH (a cycle in the pointers ends there).
 * Output (int32, 4-byte aligned): with PER_TREE out[t] is written when tree
 * t ends; otherwise the wrapping int32 sum over all trees is written to
 * out[0] at the end. Order per tree: roots[t], then each node, then the
 * x[feature] it needs. */
#define CIRCE_HW_FOREST_PER_TREE (1u << 0)
#define CIRCE_HW_FOREST_FLAGS_ALL 0x1u
#define CIRCE_HW_FOREST_MAX_TREES (1u << 16)
#define CIRCE_HW_FOREST_MAX_FEATURES (1u << 24)
#define CIRCE_HW_FOREST_MAX_DEPTH 4096u
#define CIRCE_HW_TREE_LEAF 0xFFFFFFFFu
#define CIRCE_HW_TREE_NODE_ALIGN 32u

struct circe_hw_tree_node {
	uint64_t left_va;   /* taken when x[feature] <= threshold */
	uint64_t right_va;  /* taken when x[feature] > threshold */
	uint32_t feature;   /* index into x, or CIRCE_HW_TREE_LEAF */
	int32_t threshold;  /* compared as int32 */
	int32_t leaf_value; /* the output of a leaf */
	uint32_t reserved;
};
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_tree_node) == CIRCE_HW_TREE_NODE_ALIGN,
		       "tree node size");

struct circe_hw_desc_forest {
	uint32_t opcode;    /* CIRCE_HW_OP_FOREST */
	uint32_t flags;	    /* CIRCE_HW_FOREST_* */
	uint32_t trees;	    /* [1, CIRCE_HW_FOREST_MAX_TREES] */
	uint32_t features;  /* [1, CIRCE_HW_FOREST_MAX_FEATURES] */
	uint32_t max_depth; /* [1, CIRCE_HW_FOREST_MAX_DEPTH] edges root to leaf */
	uint32_t reserved0;
	uint64_t roots_va; /* uint64 [trees] */
	uint64_t x_va;	   /* int32 [features] */
	uint64_t out_va;   /* int32 [trees] with PER_TREE, else int32 [1] */
	uint64_t reserved[8];
	struct circe_hw_status status;
};

/* NOP and FENCE: only head and status are used. */
struct circe_hw_desc_generic {
	struct circe_hw_desc_head head;
	uint8_t body[CIRCE_HW_DESC_BYTES - sizeof(struct circe_hw_desc_head) -
		     sizeof(struct circe_hw_status)];
	struct circe_hw_status status;
};

union circe_hw_desc {
	struct circe_hw_desc_head head;
	struct circe_hw_desc_generic generic;
	struct circe_hw_desc_gemm gemm;
	struct circe_hw_desc_circ circ;
	struct circe_hw_desc_lstm lstm;
	struct circe_hw_desc_copy copy;
	struct circe_hw_desc_pchase pchase;
	struct circe_hw_desc_spmv spmv;
	struct circe_hw_desc_forest forest;
};

CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_gemm) == CIRCE_HW_DESC_BYTES, "gemm size");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_generic) == CIRCE_HW_DESC_BYTES, "size");
CIRCE_HW_STATIC_ASSERT(sizeof(union circe_hw_desc) == CIRCE_HW_DESC_BYTES, "desc size");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_gemm, m) == 8, "gemm.m");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_gemm, lda) == 36, "gemm.lda");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_gemm, a_va) == 48, "gemm.a_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_gemm, y_va) == 80, "gemm.y_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_gemm, status) == CIRCE_HW_STATUS_OFFSET,
		       "gemm.status");

CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_circ) == CIRCE_HW_DESC_BYTES, "circ size");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_circ, k) == 8, "circ.k");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_circ, ldw) == 36, "circ.ldw");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_circ, w_va) == 48, "circ.w_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_circ, y_va) == 80, "circ.y_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_circ, status) == CIRCE_HW_STATUS_OFFSET,
		       "circ.status");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_lstm) == CIRCE_HW_DESC_BYTES, "lstm size");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_lstm, h_rq) == 16, "lstm.h_rq");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_lstm, gx_va) == 24, "lstm.gx_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_lstm, h_va) == 56, "lstm.h_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_lstm, status) == CIRCE_HW_STATUS_OFFSET,
		       "lstm.status");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_copy) == CIRCE_HW_DESC_BYTES, "copy size");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_pchase) == CIRCE_HW_DESC_BYTES, "pchase size");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_spmv) == CIRCE_HW_DESC_BYTES, "spmv size");
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_desc_forest) == CIRCE_HW_DESC_BYTES, "forest size");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_copy, src_va) == 16, "copy.src_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_copy, status) == CIRCE_HW_STATUS_OFFSET,
		       "copy.status");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_pchase, next_off) == 16, "pchase.next_off");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_pchase, result_va) == 32, "pchase.result_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_pchase, status) == CIRCE_HW_STATUS_OFFSET,
		       "pchase.status");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_spmv, row_ptr_va) == 24, "spmv.row_ptr_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_spmv, y_va) == 56, "spmv.y_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_spmv, status) == CIRCE_HW_STATUS_OFFSET,
		       "spmv.status");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_forest, roots_va) == 24, "forest.roots_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_forest, out_va) == 40, "forest.out_va");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_desc_forest, status) == CIRCE_HW_STATUS_OFFSET,
		       "forest.status");
CIRCE_HW_STATIC_ASSERT(offsetof(struct circe_hw_tree_node, feature) == 16, "tree_node.feature");

/* ------------------------------------------------------------------------ */
/* Page table: 4 levels of 512 64-bit entries, 48-bit VA, 4 KiB tables.      */
/* Level 3 is the root (VA bits 47:39), level 0 maps 4 KiB pages. A leaf at  */
/* level 1 maps 2 MiB, at level 2 1 GiB; a leaf at level 3 is invalid.      */
/* Tables and pages are addressed by IOVA.                                   */
/* ------------------------------------------------------------------------ */

#define CIRCE_HW_VA_BITS 48u
#define CIRCE_HW_PAGE_SHIFT 12u
#define CIRCE_HW_PAGE_SIZE (1ull << CIRCE_HW_PAGE_SHIFT)
#define CIRCE_HW_PT_LEVELS 4u
#define CIRCE_HW_PT_INDEX_BITS 9u
#define CIRCE_HW_PT_ENTRIES (1u << CIRCE_HW_PT_INDEX_BITS)
#define CIRCE_HW_PT_LEVEL_SHIFT(level) (CIRCE_HW_PAGE_SHIFT + CIRCE_HW_PT_INDEX_BITS * (level))
#define CIRCE_HW_PT_INDEX(va, level)                                     \
	((unsigned)(((uint64_t)(va) >> CIRCE_HW_PT_LEVEL_SHIFT(level)) & \
		    (CIRCE_HW_PT_ENTRIES - 1u)))
#define CIRCE_HW_HUGE_2M_SHIFT CIRCE_HW_PT_LEVEL_SHIFT(1) /* 21 */
#define CIRCE_HW_HUGE_1G_SHIFT CIRCE_HW_PT_LEVEL_SHIFT(2) /* 30 */

#define CIRCE_HW_PTE_VALID (1ull << 0)
#define CIRCE_HW_PTE_READ (1ull << 1)
#define CIRCE_HW_PTE_WRITE (1ull << 2)
#define CIRCE_HW_PTE_LEAF (1ull << 3)		     /* level 1/2: maps a 2 MiB/1 GiB page */
#define CIRCE_HW_PTE_ADDR_MASK 0x000FFFFFFFFFF000ull /* IOVA bits 51:12 */

typedef uint64_t circe_hw_pte_t;

/* What the fault registers report for one fault; the driver reads the
 * queue head into this. */
struct circe_hw_fault_record {
	uint64_t va;
	uint32_t flags; /* CIRCE_HW_FAULT_* */
	uint16_t asid;
	uint16_t reserved;
};
CIRCE_HW_STATIC_ASSERT(sizeof(struct circe_hw_fault_record) == 16, "fault record size");

#ifdef __cplusplus
}
#endif

#endif /* CIRCE_HW_H */
