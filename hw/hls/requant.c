/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-point requantization (gemmlowp / TFLite integer arithmetic), bit
 * exact with the RTL requant unit. docs/numerics.md has the definition and
 * worked examples.
 */
#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

int32_t circe_hls_srdhm(int32_t a, int32_t b)
{
#pragma HLS INLINE
	/* The only product whose doubled high half does not fit: 2^62 / 2^31. */
	int overflow = a == b && a == INT32_MIN;
	int64_t ab = (int64_t)a * (int64_t)b;
	int64_t nudge = ab >= 0 ? (1ll << 30) : (1ll - (1ll << 30));
	/* |ab + nudge| <= 2^62, and the quotient fits int32 unless overflow. */
	int32_t high = (int32_t)((ab + nudge) / (1ll << 31));

	return overflow ? INT32_MAX : high;
}

int32_t circe_hls_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
#pragma HLS INLINE
	uint32_t e = exponent < 0 ? 0u : (exponent > 31 ? 31u : (uint32_t)exponent);
	/* 1 << 31 is fine in uint32_t, so e = 31 needs no 64-bit mask. */
	uint32_t mask = (1u << e) - 1u;
	uint32_t remainder = (uint32_t)x & mask;
	uint32_t threshold = (mask >> 1) + (x < 0 ? 1u : 0u);

	return circe_hls_asr32(x, e) + (remainder > threshold ? 1 : 0);
}

int32_t circe_hls_requantize(int32_t acc, int32_t m0, int32_t shift)
{
#pragma HLS INLINE
	int32_t s =
		circe_hls_clamp32(shift, CIRCE_HW_REQUANT_SHIFT_MIN, CIRCE_HW_REQUANT_SHIFT_MAX);
	uint32_t left = s > 0 ? (uint32_t)s : 0u;
	int32_t right = s > 0 ? 0 : -s;
	int32_t shifted = circe_hls_wrap32((uint32_t)acc << left);

	return circe_hls_rounding_divide_by_pot(circe_hls_srdhm(shifted, m0), right);
}

uint32_t circe_hls_requant_check(const struct circe_hw_requant *rq, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
#pragma HLS PIPELINE II = 1
		if (rq[i].m0 < 0 || rq[i].shift < CIRCE_HW_REQUANT_SHIFT_MIN ||
		    rq[i].shift > CIRCE_HW_REQUANT_SHIFT_MAX)
			return CIRCE_HW_ILL_REQUANT;
	}
	return 0;
}
