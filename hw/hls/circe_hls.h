/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Numeric kernels of the accelerator, in C with Vitis HLS pragmas. Compiled
 * natively they are the functional model's compute and the bit-exact
 * reference the RTL is checked against; under Vitis HLS they synthesize.
 * No vendor headers are needed.
 */
#ifndef CIRCE_HLS_H
#define CIRCE_HLS_H

#include <stdint.h>

#include "circe/hw.h"
#include "hw/hls/act_tables.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to
 * nearest. gemmlowp's nudge (2^30, or 1 - 2^30 for a negative product) with
 * a truncating division sends ties toward +infinity for both signs (0.5 -> 1,
 * -0.5 -> 0, -1.5 -> -1); INT32_MIN * INT32_MIN saturates to INT32_MAX. */
int32_t circe_hls_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away
 * from zero; exponent in [0, 31] (values outside are clamped into it). */
int32_t circe_hls_rounding_divide_by_pot(int32_t x, int32_t exponent);

/* TFLite MultiplyByQuantizedMultiplier (default, double rounding):
 * RoundingDivideByPOT(SRDHM(acc * 2^max(shift,0), m0), max(-shift,0)).
 * The left shift wraps in two's complement (what TFLite's x * (1 << s)
 * compiles to). shift in [-31, 30]; a shift outside is clamped into that
 * range and any m0 (negative too) is used as given, so that a bad requant
 * table entry still gives a defined result (docs/numerics.md). */
int32_t circe_hls_requantize(int32_t acc, int32_t m0, int32_t shift);

/* 0 if all count entries are in the documented range (m0 >= 0, shift in
 * [CIRCE_HW_REQUANT_SHIFT_MIN, CIRCE_HW_REQUANT_SHIFT_MAX]), else
 * CIRCE_HW_ILL_REQUANT. The table is data the device reads, not part of the
 * descriptor: a command processor that wants to reject bad entries calls
 * this after fetching it; circe_hls_gemm itself never rejects them. */
uint32_t circe_hls_requant_check(const struct circe_hw_requant *rq, uint32_t count);

/* Element k of an int4-packed row, sign-extended. */
int8_t circe_hls_int4_get(const uint8_t *row, uint32_t k);

/* 0 if the GEMM descriptor is legal, else a CIRCE_HW_ILL_* reason. The same
 * rules the RTL applies, checked in this order (the first failing one is
 * returned): OPCODE, FLAGS, DIMS, STRIDE, ZERO_POINT, CLAMP. Ignores
 * addresses, status and the requant table. */
uint32_t circe_hls_gemm_check(const struct circe_hw_desc_gemm *d);

/* One tile of the array: the systolic array's shape (rows x cols) times a
 * slice of K that the input and weight scratchpads hold. */
#define CIRCE_HLS_TILE_M CIRCE_HW_DEFAULT_ARRAY_ROWS
#define CIRCE_HLS_TILE_N CIRCE_HW_DEFAULT_ARRAY_COLS
#define CIRCE_HLS_TILE_K 64u

/* acc[i][j] += sum_kk (a[i][kk] - in_zp) * w[j][kk], in int32 with
 * two's-complement wrap. K positions beyond the real K must carry w == 0
 * (any a) so that they add nothing; rows and columns beyond the matrix only
 * feed accumulators that are never stored. */
void circe_hls_gemm_tile(const int8_t a[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_K],
			 const int8_t w[CIRCE_HLS_TILE_N][CIRCE_HLS_TILE_K], int32_t in_zp,
			 int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N]);

/*
 * Whole GEMM of one legal descriptor on local buffers (the command
 * processor's view after the DMA engines filled the scratchpads):
 *   a:    int8  [m][lda]
 *   w:    bytes [n][ldw] (int8, or int4 packed with CIRCE_HW_GEMM_INT4)
 *   bias: int32 [n], read only with CIRCE_HW_GEMM_BIAS (may be NULL otherwise)
 *   rq:   [n] with CIRCE_HW_GEMM_PER_CHANNEL, else [1]
 *   y:    bytes [m][ldy]; int8 or int16 (CIRCE_HW_GEMM_OUT16) little-endian
 * Only the first n output elements of each row are written. A descriptor
 * that circe_hls_gemm_check() rejects writes nothing.
 */
void circe_hls_gemm(const struct circe_hw_desc_gemm *d, const int8_t *a, const uint8_t *w,
		    const int32_t *bias, const struct circe_hw_requant *rq, uint8_t *y);

/* ---- block-circulant products (hw/hls/circ.c) ---- */

/* 0 if the CIRC descriptor is legal, else a CIRCE_HW_ILL_* reason, checked
 * in the order OPCODE, FLAGS, DIMS (k not in {1, 2, 4, 8, 16}; n_in, n_out,
 * batch zero or above the limit; n_out not a multiple of k), STRIDE,
 * ZERO_POINT (out_zp within the output type, as GEMM), CLAMP. Ignores
 * addresses, status and the requant table. */
uint32_t circe_hls_circ_check(const struct circe_hw_desc_circ *d);

/*
 * Whole CIRC of one legal descriptor on local buffers, direct form:
 *   w:    int8  [p][ldw]
 *   x:    int8  [batch][ldx]
 *   bias: int32 [n_out], read only with CIRCE_HW_CIRC_BIAS
 *   rq:   [p] with CIRCE_HW_CIRC_PER_BLOCK, else [1]
 *   y:    bytes [batch][ldy]; int8 or int16 little-endian
 * A descriptor circe_hls_circ_check() rejects writes nothing.
 */
void circe_hls_circ(const struct circe_hw_desc_circ *d, const int8_t *w, const int8_t *x,
		    const int32_t *bias, const struct circe_hw_requant *rq, uint8_t *y);

/* The direct form's int32 accumulators of one input vector x (int8
 * [n_in]): acc[o] = bias[o] + (C x)[o] for o < n_out, bias may be NULL;
 * k a power of two up to 16, n_out a multiple of k, W as in the
 * descriptor. What circe_hls_circ requantizes. */
void circe_hls_circ_acc(uint32_t k, uint32_t n_in, uint32_t n_out, const int8_t *w, uint32_t ldw,
			const int8_t *x, const int32_t *bias, int32_t *acc);

/* ---- block-circulant products by FFT (hw/hls/circ_fft.c) ----
 * The C-LSTM formulation, for comparison with the direct form (the device
 * computes the direct form): circ(w) x is the circular convolution w * x,
 * so block row i is IFFT(sum_j FFT(w_ij) . FFT(x_j)). Weights are
 * transformed once; per input vector each block x_j is transformed once,
 * products accumulate in the frequency domain, and each output block takes
 * one IFFT. Fixed point throughout (docs/numerics.md, "Block-circulant
 * products by FFT"): Q14 twiddles, int16 complex spectra of x and w, int32
 * complex accumulators, scaled radix-2 stages with rounding. */
struct circe_hls_cplx16 {
	int16_t re, im;
};

/* Twiddle factors exp(-2 pi i m / 16), m < 8, in Q14. */
#define CIRCE_HLS_FFT_TW_FRAC 14u
/* x enters the forward FFT as x * 2^7 (int8 -> int16 with headroom). */
#define CIRCE_HLS_FFT_X_SHIFT 7u
/* Frequency-domain weights are FFT(w) * 2^(8 - log2 k): |FFT(w)| <= 128 k. */
#define CIRCE_HLS_FFT_W_BITS 8u

/* wf[(i * q + j) * k + m] = FFT(w_ij)[m] * 2^(8 - log2 k), for the p x q
 * blocks of W (int8 [p][ldw], as in the descriptor): a DFT with the Q14
 * twiddles in int64 and one rounding, saturated to int16. 0, or
 * CIRCE_HW_ILL_DIMS when k is not 1, 2, 4, 8 or 16. */
uint32_t circe_hls_circ_fft_weights(uint32_t k, uint32_t p, uint32_t q, const int8_t *w,
				    uint32_t ldw, struct circe_hls_cplx16 *wf);

/* acc[o] (o < n_out) ~ bias[o] + (C x)[o] from the frequency-domain
 * weights of circe_hls_circ_fft_weights (q = ceil(n_in / k)); bias may be
 * NULL. 0, or CIRCE_HW_ILL_DIMS when k is not 1, 2, 4, 8 or 16, n_out not a
 * multiple of k, or n_in above CIRCE_HW_CIRC_MAX_IN. */
uint32_t circe_hls_circ_fft(uint32_t k, uint32_t n_in, uint32_t n_out,
			    const struct circe_hls_cplx16 *wf, const int8_t *x, const int32_t *bias,
			    int32_t *acc);

/* ---- the LSTM cell (hw/hls/lstm.c) ---- */

/* 0 if the LSTM descriptor is legal, else a CIRCE_HW_ILL_* reason, in the
 * order OPCODE, FLAGS, DIMS, ZERO_POINT (h_zp), REQUANT (h_rq), ALIGN (the
 * int16 pointers). */
uint32_t circe_hls_lstm_check(const struct circe_hw_desc_lstm *d);

/*
 * Fixed-point activations: x in Q3.12, result in Q0.15. For a = |x|
 * (clamped to 32767) the tables give f at a's 1/32 grid point below it,
 * i = a >> CIRCE_HLS_ACT_FRAC_BITS, and the next, and the fraction
 * f = a & (2^CIRCE_HLS_ACT_FRAC_BITS - 1) interpolates:
 *   y = T[i] + RoundingDivideByPOT((T[i+1] - T[i]) * f, 7)
 * then sigmoid(-a) = 32768 - sigmoid(a), tanh(-a) = -tanh(a).
 */
int16_t circe_hls_sigmoid_q12(int16_t x);
int16_t circe_hls_tanh_q12(int16_t x);

/*
 * One element-wise step of a legal descriptor on local buffers:
 *   gx, gh: int16 [4][hidden] (gh unused with CIRCE_HW_LSTM_NO_GH)
 *   c_in:   int16 [hidden];  c_out: int16 [hidden] (may equal c_in)
 *   h:      int8  [hidden]
 */
void circe_hls_lstm(const struct circe_hw_desc_lstm *d, const int16_t *gx, const int16_t *gh,
		    const int16_t *c_in, int16_t *c_out, int8_t *h);

/* ---- memory engine (hw/hls/memeng.c) ---- */

/*
 * The memory port of the memory-engine reference. Every access a command
 * makes goes through it, in the order hw.h defines, never across a 4 KiB
 * page. A nonzero return stops the command at once (the caller knows why:
 * a fault, a bus error, a reset).
 */
struct circe_hls_mem {
	int (*read)(void *ctx, uint64_t va, void *dst, uint32_t len);
	int (*write)(void *ctx, uint64_t va, const void *src, uint32_t len);
	void *ctx;
};

/* circe_hls_memeng's result when a port access returned nonzero. */
#define CIRCE_HLS_MEMENG_STOPPED 0xFFFFFFFFu

/* 0 if a COPY/PCHASE/SPMV/FOREST descriptor is legal, else the first
 * failing CIRCE_HW_ILL_* reason in the order OPCODE, FLAGS, DIMS, ALIGN,
 * OVERLAP. Data-dependent reasons (INDEX, DEPTH, a misaligned node) are
 * found only while running. */
uint32_t circe_hls_memeng_check(const union circe_hw_desc *d);

/* Run one memory-engine descriptor: 0 when it completed, a CIRCE_HW_ILL_*
 * reason, or CIRCE_HLS_MEMENG_STOPPED. Does not touch d->...status. */
uint32_t circe_hls_memeng(const union circe_hw_desc *d, const struct circe_hls_mem *mem);

/* One step of the PCHASE checksum: rotl64(checksum, 7) ^ value. */
uint64_t circe_hls_pchase_mix(uint64_t checksum, uint64_t value);

#ifdef __cplusplus
}
#endif

#endif
