/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block-circulant matrix-vector products, direct form, with the structure
 * the RTL gives them: per input vector, a GEMM of M = p block rows by K =
 * q * k weights by N = k outputs, whose right-hand operand circ(x_j) is
 * expanded from k input values instead of being stored. docs/numerics.md,
 * section "Block-circulant products", defines the arithmetic.
 *
 * Writing acc[i*k + r] = sum_j sum_c w_ij[(r - c) mod k] * x[j*k + c] with
 * t = (r - c) mod k gives sum_j sum_t w_ij[t] * x[j*k + ((r - t) mod k)]:
 * the weight stream w_i0[0..k-1], w_i1[0..k-1], ... is row i of W as
 * stored, and output lane r reads input lane (r - t) mod k, a rotation that
 * costs wires, not multipliers.
 */
#include <stddef.h>

#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

#define CIRCE_HLS_CIRC_KMAX CIRCE_HW_CIRC_K_MAX

uint32_t circe_hls_circ_check(const struct circe_hw_desc_circ *d)
{
	uint32_t out16 = d->flags & CIRCE_HW_CIRC_OUT16;
	int32_t lo = out16 ? INT16_MIN : INT8_MIN;
	int32_t hi = out16 ? INT16_MAX : INT8_MAX;
	uint64_t q, ldw_min, ldy_min;

	if (d->opcode != CIRCE_HW_OP_CIRC)
		return CIRCE_HW_ILL_OPCODE;
	if (d->flags & ~CIRCE_HW_CIRC_FLAGS_ALL)
		return CIRCE_HW_ILL_FLAGS;
	if (d->k != 1 && d->k != 2 && d->k != 4 && d->k != 8 && d->k != 16)
		return CIRCE_HW_ILL_DIMS;
	if (d->n_in < 1 || d->n_in > CIRCE_HW_CIRC_MAX_IN || d->n_out < 1 ||
	    d->n_out > CIRCE_HW_CIRC_MAX_OUT || d->batch < 1 || d->batch > CIRCE_HW_CIRC_MAX_BATCH)
		return CIRCE_HW_ILL_DIMS;
	if ((d->n_out & (d->k - 1u)) != 0)
		return CIRCE_HW_ILL_DIMS;
	q = ((uint64_t)d->n_in + d->k - 1u) / d->k;
	ldw_min = q * d->k;
	ldy_min = (uint64_t)d->n_out * (out16 ? 2u : 1u);
	if (d->ldw < ldw_min || d->ldx < d->n_in || d->ldy < ldy_min)
		return CIRCE_HW_ILL_STRIDE;
	if (d->out_zp < lo || d->out_zp > hi)
		return CIRCE_HW_ILL_ZERO_POINT;
	if (d->clamp_min > d->clamp_max || d->clamp_min < lo || d->clamp_max > hi)
		return CIRCE_HW_ILL_CLAMP;
	return 0;
}

/* One block row i for one input vector: acc[r] (r < k) starts at the bias
 * and takes q * k weight steps; step (j, t) multiplies the one weight
 * w_ij[t] by the k inputs x[j*k + ((r - t) mod k)]. x is zero past n_in. */
static void circe_hls_circ_row(const int8_t *wrow, const int8_t *x, uint32_t n_in, uint32_t k,
			       uint32_t q, const int32_t *bias, int32_t acc[CIRCE_HLS_CIRC_KMAX])
{
	/* Unsigned accumulators: the wrap is the hardware's. */
	uint32_t sum[CIRCE_HLS_CIRC_KMAX];
#pragma HLS ARRAY_PARTITION variable = sum complete dim = 0
	int32_t xj[CIRCE_HLS_CIRC_KMAX];
#pragma HLS ARRAY_PARTITION variable = xj complete dim = 0

	for (uint32_t r = 0; r < CIRCE_HLS_CIRC_KMAX; r++) {
#pragma HLS UNROLL
		sum[r] = (r < k && bias) ? (uint32_t)bias[r] : 0u;
	}
	for (uint32_t j = 0; j < q; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16384
		for (uint32_t c = 0; c < CIRCE_HLS_CIRC_KMAX; c++) {
#pragma HLS UNROLL
			uint32_t col = j * k + c;

			xj[c] = (c < k && col < n_in) ? x[col] : 0;
		}
		/* One weight per cycle, broadcast to the k lanes. */
		for (uint32_t t = 0; t < k; t++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
			int32_t wv = wrow[(size_t)j * k + t];

			for (uint32_t r = 0; r < CIRCE_HLS_CIRC_KMAX; r++) {
#pragma HLS UNROLL
				/* k is a power of two: mod k is a mask. */
				uint32_t c = (r - t) & (k - 1u);

				if (r < k)
					sum[r] += (uint32_t)(wv * xj[c]);
			}
		}
	}
	for (uint32_t r = 0; r < CIRCE_HLS_CIRC_KMAX; r++) {
#pragma HLS UNROLL
		acc[r] = circe_hls_wrap32(sum[r]);
	}
}

void circe_hls_circ_acc(uint32_t k, uint32_t n_in, uint32_t n_out, const int8_t *w, uint32_t ldw,
			const int8_t *x, const int32_t *bias, int32_t *acc)
{
	int32_t a[CIRCE_HLS_CIRC_KMAX];
	uint32_t q = (n_in + k - 1u) / k;

	for (uint32_t i = 0; i < n_out / k; i++) {
		circe_hls_circ_row(w + (size_t)i * ldw, x, n_in, k, q,
				   bias ? bias + (size_t)i * k : NULL, a);
		for (uint32_t r = 0; r < k; r++)
			acc[(size_t)i * k + r] = a[r];
	}
}

/* Requant unit and little-endian store of the k outputs of block row i. */
static void circe_hls_circ_store(const struct circe_hw_desc_circ *d,
				 const int32_t acc[CIRCE_HLS_CIRC_KMAX], struct circe_hw_requant q,
				 uint8_t *yrow, uint32_t i)
{
	int out16 = (d->flags & CIRCE_HW_CIRC_OUT16) != 0;

	for (uint32_t r = 0; r < d->k; r++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
		uint32_t col = i * d->k + r;
		int32_t v = circe_hls_requantize(acc[r], q.m0, q.shift);
		uint8_t *dst;

		v = circe_hls_add32(d->out_zp, v);
		v = circe_hls_clamp32(v, d->clamp_min, d->clamp_max);
		dst = yrow + (size_t)col * (out16 ? 2u : 1u);
		/* v is within the output type here: exact two's-complement bytes. */
		if (out16) {
			uint16_t u = (uint16_t)v;

			dst[0] = (uint8_t)(u & 0xFFu);
			dst[1] = (uint8_t)(u >> 8);
		} else {
			dst[0] = (uint8_t)v;
		}
	}
}

void circe_hls_circ(const struct circe_hw_desc_circ *d, const int8_t *w, const int8_t *x,
		    const int32_t *bias, const struct circe_hw_requant *rq, uint8_t *y)
{
#pragma HLS INTERFACE mode = m_axi port = w offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = x offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = bias offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = rq offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = y offset = slave bundle = gmem_wr
#pragma HLS INTERFACE mode = s_axilite port = d
#pragma HLS INTERFACE mode = s_axilite port = return
	int32_t acc[CIRCE_HLS_CIRC_KMAX];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
	int per_block;
	uint32_t k, p, q;

	if (circe_hls_circ_check(d) != 0)
		return;
	k = d->k;
	p = d->n_out / k;
	q = (d->n_in + k - 1u) / k;
	per_block = (d->flags & CIRCE_HW_CIRC_PER_BLOCK) != 0;

	for (uint32_t b = 0; b < d->batch; b++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65535
		const int8_t *xb = x + (size_t)b * d->ldx;
		uint8_t *yb = y + (size_t)b * d->ldy;

		for (uint32_t i = 0; i < p; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65535
			const int32_t *bi =
				(d->flags & CIRCE_HW_CIRC_BIAS) ? bias + (size_t)i * k : NULL;

			circe_hls_circ_row(w + (size_t)i * d->ldw, xb, d->n_in, k, q, bi, acc);
			circe_hls_circ_store(d, acc, rq[per_block ? i : 0u], yb, i);
		}
	}
}
