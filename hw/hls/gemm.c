/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quantized GEMM with the tile structure of the RTL: the output is walked in
 * CIRCE_HLS_TILE_M x CIRCE_HLS_TILE_N blocks (the systolic array), each
 * accumulated over CIRCE_HLS_TILE_K slices of K (one scratchpad fill), then
 * requantized and stored. docs/numerics.md defines the arithmetic.
 */
#include <stddef.h>

#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

#define CIRCE_HLS_TM CIRCE_HLS_TILE_M
#define CIRCE_HLS_TN CIRCE_HLS_TILE_N
#define CIRCE_HLS_TK CIRCE_HLS_TILE_K

int8_t circe_hls_int4_get(const uint8_t *row, uint32_t k)
{
#pragma HLS INLINE
	uint32_t byte = row[k >> 1];
	uint32_t nibble = (k & 1u) ? (byte >> 4) : (byte & 0xFu);

	/* Sign-extend 4 bits: 0..7 stay, 8..15 become -8..-1. */
	return (int8_t)((int32_t)(nibble ^ 8u) - 8);
}

uint32_t circe_hls_gemm_check(const struct circe_hw_desc_gemm *d)
{
	uint32_t out16 = d->flags & CIRCE_HW_GEMM_OUT16;
	int32_t lo = out16 ? INT16_MIN : INT8_MIN;
	int32_t hi = out16 ? INT16_MAX : INT8_MAX;
	uint64_t ldw_min, ldy_min;

	if (d->opcode != CIRCE_HW_OP_GEMM)
		return CIRCE_HW_ILL_OPCODE;
	if (d->flags & ~CIRCE_HW_GEMM_FLAGS_ALL)
		return CIRCE_HW_ILL_FLAGS;
	if (d->m < 1 || d->m > CIRCE_HW_GEMM_MAX_M || d->k < 1 || d->k > CIRCE_HW_GEMM_MAX_K ||
	    d->n < 1 || d->n > CIRCE_HW_GEMM_MAX_N)
		return CIRCE_HW_ILL_DIMS;
	ldw_min = (d->flags & CIRCE_HW_GEMM_INT4) ? ((uint64_t)d->k + 1u) / 2u : d->k;
	ldy_min = (uint64_t)d->n * (out16 ? 2u : 1u);
	if (d->lda < d->k || d->ldw < ldw_min || d->ldy < ldy_min)
		return CIRCE_HW_ILL_STRIDE;
	if (d->in_zp < INT8_MIN || d->in_zp > INT8_MAX || d->out_zp < lo || d->out_zp > hi)
		return CIRCE_HW_ILL_ZERO_POINT;
	if (d->clamp_min > d->clamp_max || d->clamp_min < lo || d->clamp_max > hi)
		return CIRCE_HW_ILL_CLAMP;
	return 0;
}

void circe_hls_gemm_tile(const int8_t a[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_K],
			 const int8_t w[CIRCE_HLS_TILE_N][CIRCE_HLS_TILE_K], int32_t in_zp,
			 int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N])
{
#pragma HLS ARRAY_PARTITION variable = a complete dim = 1
#pragma HLS ARRAY_PARTITION variable = w complete dim = 1
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
	/* Unsigned accumulators: the wrap is the hardware's, and C defines it
	 * only for unsigned types. */
	uint32_t sum[CIRCE_HLS_TM][CIRCE_HLS_TN];
#pragma HLS ARRAY_PARTITION variable = sum complete dim = 0

	for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
#pragma HLS UNROLL
		for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
#pragma HLS UNROLL
			sum[i][j] = (uint32_t)acc[i][j];
		}
	}
	/* One K step per cycle through the whole rows x cols MAC array. */
	for (uint32_t kk = 0; kk < CIRCE_HLS_TK; kk++) {
#pragma HLS PIPELINE II = 1
		for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
#pragma HLS UNROLL
			/* 9-bit operand: a - in_zp is in [-255, 255]. */
			int32_t x = (int32_t)a[i][kk] - in_zp;

			for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
#pragma HLS UNROLL
				sum[i][j] += (uint32_t)(x * (int32_t)w[j][kk]);
			}
		}
	}
	for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
#pragma HLS UNROLL
		for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
#pragma HLS UNROLL
			acc[i][j] = circe_hls_wrap32(sum[i][j]);
		}
	}
}

/* Input scratchpad fill: rows beyond m and K beyond k hold 0 (their weights
 * are 0, so the value does not matter; 0 keeps the model deterministic). */
static void circe_hls_gemm_load_a(int8_t tile[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_K], const int8_t *a,
				  uint32_t lda, uint32_t row0, uint32_t m, uint32_t k0, uint32_t k)
{
	for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
		for (uint32_t kk = 0; kk < CIRCE_HLS_TK; kk++) {
#pragma HLS PIPELINE II = 1
			uint32_t row = row0 + i, col = k0 + kk;

			tile[i][kk] = (row < m && col < k) ? a[(size_t)row * lda + col] : 0;
		}
	}
}

/* Weight scratchpad fill, unpacking int4 into the int8 datapath. Padding is
 * 0 so that padded K positions and columns contribute nothing. */
static void circe_hls_gemm_load_w(int8_t tile[CIRCE_HLS_TILE_N][CIRCE_HLS_TILE_K], const uint8_t *w,
				  uint32_t ldw, int int4, uint32_t col0, uint32_t n, uint32_t k0,
				  uint32_t k)
{
	for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
		for (uint32_t kk = 0; kk < CIRCE_HLS_TK; kk++) {
#pragma HLS PIPELINE II = 1
			uint32_t col = col0 + j, kpos = k0 + kk;
			int8_t v = 0;

			if (col < n && kpos < k) {
				const uint8_t *row = w + (size_t)col * ldw;

				v = int4 ? circe_hls_int4_get(row, kpos) : (int8_t)row[kpos];
			}
			tile[j][kk] = v;
		}
	}
}

/* Accumulators start at the bias: addition mod 2^32 is associative, so this
 * equals adding it after the sum. */
static void circe_hls_gemm_init_acc(int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N],
				    const int32_t *bias, uint32_t col0, uint32_t n)
{
	for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
#pragma HLS UNROLL
		int32_t b = (bias && col0 + j < n) ? bias[col0 + j] : 0;

		for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
#pragma HLS UNROLL
			acc[i][j] = b;
		}
	}
}

/* Requant unit: one accumulator per cycle through multiplier, rounding
 * shift, zero point and clamp, then the little-endian store. */
static void circe_hls_gemm_store(const struct circe_hw_desc_gemm *d,
				 const int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N],
				 const struct circe_hw_requant *rq, uint8_t *y, uint32_t row0,
				 uint32_t col0)
{
	int out16 = (d->flags & CIRCE_HW_GEMM_OUT16) != 0;
	int per_channel = (d->flags & CIRCE_HW_GEMM_PER_CHANNEL) != 0;

	for (uint32_t i = 0; i < CIRCE_HLS_TM; i++) {
		for (uint32_t j = 0; j < CIRCE_HLS_TN; j++) {
#pragma HLS PIPELINE II = 1
			uint32_t row = row0 + i, col = col0 + j;
			struct circe_hw_requant q;
			int32_t v;
			uint8_t *dst;

			if (row >= d->m || col >= d->n)
				continue;
			q = rq[per_channel ? col : 0u];
			v = circe_hls_requantize(acc[i][j], q.m0, q.shift);
			v = circe_hls_add32(d->out_zp, v);
			v = circe_hls_clamp32(v, d->clamp_min, d->clamp_max);
			dst = y + (size_t)row * d->ldy + (size_t)col * (out16 ? 2u : 1u);
			/* v is within the output type here, so the conversions to
			 * unsigned are exact two's-complement bytes. */
			if (out16) {
				uint16_t u = (uint16_t)v;

				dst[0] = (uint8_t)(u & 0xFFu);
				dst[1] = (uint8_t)(u >> 8);
			} else {
				dst[0] = (uint8_t)v;
			}
		}
	}
}

void circe_hls_gemm(const struct circe_hw_desc_gemm *d, const int8_t *a, const uint8_t *w,
		    const int32_t *bias, const struct circe_hw_requant *rq, uint8_t *y)
{
#pragma HLS INTERFACE mode = m_axi port = a offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = w offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = bias offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = rq offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = y offset = slave bundle = gmem_wr
#pragma HLS INTERFACE mode = s_axilite port = d
#pragma HLS INTERFACE mode = s_axilite port = return
	int8_t a_tile[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_K];
	int8_t w_tile[CIRCE_HLS_TILE_N][CIRCE_HLS_TILE_K];
	int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N];
#pragma HLS ARRAY_PARTITION variable = a_tile complete dim = 1
#pragma HLS ARRAY_PARTITION variable = w_tile complete dim = 1
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
	const int32_t *b;
	int int4;

	if (circe_hls_gemm_check(d) != 0)
		return;
	b = (d->flags & CIRCE_HW_GEMM_BIAS) ? bias : NULL;
	int4 = (d->flags & CIRCE_HW_GEMM_INT4) != 0;

	for (uint32_t row0 = 0; row0 < d->m; row0 += CIRCE_HLS_TM) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
		for (uint32_t col0 = 0; col0 < d->n; col0 += CIRCE_HLS_TN) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
			circe_hls_gemm_init_acc(acc, b, col0, d->n);
			for (uint32_t k0 = 0; k0 < d->k; k0 += CIRCE_HLS_TK) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256
				circe_hls_gemm_load_a(a_tile, a, d->lda, row0, d->m, k0, d->k);
				circe_hls_gemm_load_w(w_tile, w, d->ldw, int4, col0, d->n, k0,
						      d->k);
				circe_hls_gemm_tile(a_tile, w_tile, d->in_zp, acc);
			}
			circe_hls_gemm_store(d, acc, rq, y, row0, col0);
		}
	}
}
