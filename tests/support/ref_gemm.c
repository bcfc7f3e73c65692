/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reference of circe's quantized GEMM, written from docs/numerics.md and on
 * purpose unlike hw/hls: SRDHM as an exact floor division of the 64-bit
 * product, rounding division through magnitudes, wrap by reduction mod 2^32,
 * and a frexp-free multiplier derivation. Nothing here comes from hw/hls.
 */
#include <errno.h>
#include <math.h>

#include "tests/support/ref_gemm.h"

#define REF_TWO_32 4294967296ll
#define REF_TWO_31 2147483648ll

/* The int32 value congruent to v modulo 2^32. */
static int32_t ref_wrap(int64_t v)
{
	int64_t r = v % REF_TWO_32; /* in (-2^32, 2^32) */

	if (r < 0)
		r += REF_TWO_32;
	if (r >= REF_TWO_31)
		r -= REF_TWO_32;
	return (int32_t)r;
}

/* floor(num / 2^p) for any num; C's / truncates, so step down when the
 * quotient of a negative num was inexact. */
static int64_t ref_floor_div_pot(int64_t num, unsigned p)
{
	int64_t d = (int64_t)1 << p;
	int64_t q = num / d;

	if (num < 0 && q * d != num)
		q--;
	return q;
}

/* a * b / 2^31 to the nearest integer with ties toward +infinity, which is
 * what gemmlowp's sign-dependent nudge plus truncating division amounts to,
 * then saturated (only 2^62 / 2^31 = 2^31 needs it). */
static int64_t ref_srdhm(int32_t a, int32_t b)
{
	int64_t q = ref_floor_div_pot((int64_t)a * (int64_t)b + (REF_TWO_31 / 2), 31);

	return q > INT32_MAX ? INT32_MAX : q;
}

/* x / 2^e to nearest, ties away from zero: round the magnitude half up. */
static int64_t ref_rounding_divide(int64_t x, int e)
{
	int64_t mag = x < 0 ? -x : x;
	int64_t half = e > 0 ? (int64_t)1 << (e - 1) : 0;
	int64_t r = (mag + half) >> e;

	return x < 0 ? -r : r;
}

int32_t ref_requantize(int32_t acc, int32_t m0, int32_t shift)
{
	int32_t s = shift < -31 ? -31 : (shift > 30 ? 30 : shift);
	int64_t x = acc;

	if (s > 0)
		x = ref_wrap(x * ((int64_t)1 << s));
	return (int32_t)ref_rounding_divide(ref_srdhm((int32_t)x, m0), s < 0 ? -s : 0);
}

void ref_gemm(const struct ref_gemm_case *c, int32_t *y)
{
	for (size_t i = 0; i < c->m; i++) {
		for (size_t j = 0; j < c->n; j++) {
			int64_t sum = 0;
			int32_t acc, v;

			for (size_t kk = 0; kk < c->k; kk++)
				sum += ((int64_t)c->a[i * c->k + kk] - c->in_zp) *
				       c->w[j * c->k + kk];
			if (c->bias)
				sum += c->bias[j];
			acc = ref_wrap(sum);
			v = ref_wrap((int64_t)c->out_zp +
				     ref_requantize(acc, c->m0[j], c->shift[j]));
			if (v < c->clamp_min)
				v = c->clamp_min;
			if (v > c->clamp_max)
				v = c->clamp_max;
			y[i * c->n + j] = v;
		}
	}
}

int ref_quantize_multiplier(double real, int32_t *m0, int32_t *shift)
{
	double q = real, scaled;
	int64_t fixed;
	int e = 0;

	if (isnan(real) || isinf(real) || real < 0.0)
		return -EINVAL;
	if (real == 0.0) {
		*m0 = 0;
		*shift = 0;
		return 0;
	}
	/* Normalize to q in [0.5, 1) with real = q * 2^e; scaling by 2 is
	 * exact for every finite double, subnormals included. */
	while (q >= 1.0) {
		q *= 0.5;
		e++;
	}
	while (q < 0.5) {
		q *= 2.0;
		e--;
	}
	/* q * 2^31 is exact and below 2^31, so its ulp is at most 2^-22 and
	 * adding 0.5 is exact too: floor(x + 0.5) rounds half away from zero. */
	scaled = q * (double)REF_TWO_31;
	fixed = (int64_t)floor(scaled + 0.5);
	if (fixed == REF_TWO_31) {
		fixed = REF_TWO_31 / 2;
		e++;
	}
	if (e < -31) {
		e = 0;
		fixed = 0;
	}
	if (e > 30)
		return -ERANGE;
	*m0 = (int32_t)fixed;
	*shift = e;
	return 0;
}
