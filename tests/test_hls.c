/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hw/hls numeric kernels: rounding pinned by hand-computed cases, the
 * requantizer swept against tests/support/ref_gemm.c, descriptor checks,
 * random GEMMs against the reference, and the golden cases written by the
 * independent Python model (tests/golden/gen_gemm_golden.py). CIRC
 * against its dense expansion multiplied by the same reference (every k
 * and flag, random shapes, extreme operands); the FFT form's error against
 * the direct form (printed, bounded); the activation tables
 * against libm; every Q3.12 input of sigmoid and tanh for monotony,
 * symmetry and error; the LSTM cell against double precision, and its
 * exact saturation cases.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/hls/circe_hls.h"
#include "tests/support/ref_gemm.h"
#include "tests/support/testutil.h"

/* ------------------------------------------------------------------------ */
/* Hand-computed rounding cases                                              */
/* ------------------------------------------------------------------------ */

static void test_srdhm_hand(void **state)
{
	(void)state;
	/* Exact products: a * b / 2^31. */
	assert_int_equal(circe_hls_srdhm(0, 12345), 0);
	assert_int_equal(circe_hls_srdhm(1 << 30, 1 << 30), 536870912);	    /* 2^60 / 2^31 = 2^29 */
	assert_int_equal(circe_hls_srdhm(-100000, 1 << 30), -50000);	    /* -100000 / 2 */
	assert_int_equal(circe_hls_srdhm(INT32_MIN, 1), -1);		    /* -2^31 / 2^31 */
	assert_int_equal(circe_hls_srdhm(INT32_MIN, -1), 1);		    /* 2^31 / 2^31 */
	assert_int_equal(circe_hls_srdhm(INT32_MIN, 1 << 30), -1073741824); /* -2^61 / 2^31 */
	/* -2^31 * (2^31 - 1) / 2^31 = -(2^31 - 1) exactly. */
	assert_int_equal(circe_hls_srdhm(INT32_MIN, INT32_MAX), -2147483647);
	assert_int_equal(circe_hls_srdhm(INT32_MAX, INT32_MIN), -2147483647);
	/* (2^31 - 1)^2 / 2^31 = 2^31 - 2 + 2^-31 -> 2147483646. */
	assert_int_equal(circe_hls_srdhm(INT32_MAX, INT32_MAX), 2147483646);
	/* The one overflow: 2^62 / 2^31 = 2^31 saturates. */
	assert_int_equal(circe_hls_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
	/* Small values vanish: 3 * 5 / 2^31 ~ 7e-9 -> 0. */
	assert_int_equal(circe_hls_srdhm(3, 5), 0);
	assert_int_equal(circe_hls_srdhm(-3, 5), 0);

	/* Ties go toward +infinity for both signs (gemmlowp's nudge is 2^30
	 * for ab >= 0 and 1 - 2^30 for ab < 0, then the division truncates):
	 * 0.5: (2^30 + 2^30) / 2^31 = 1 */
	assert_int_equal(circe_hls_srdhm(1 << 30, 1), 1);
	/* -0.5: (-2^30 + 1 - 2^30) / 2^31 = -0.99.. -> 0 */
	assert_int_equal(circe_hls_srdhm(-(1 << 30), 1), 0);
	/* 1.5: 3 * 2^30 / 2^31 -> (3 * 2^30 + 2^30) / 2^31 = 2 */
	assert_int_equal(circe_hls_srdhm(3, 1 << 30), 2);
	assert_int_equal(circe_hls_srdhm(1610612736, 2), 2); /* 3 * 2^29 * 2 = 3 * 2^30 */
	/* -1.5: (-3 * 2^30 + 1 - 2^30) / 2^31 = (-2^32 + 1) / 2^31 = -1.99.. -> -1 */
	assert_int_equal(circe_hls_srdhm(-3, 1 << 30), -1);
	assert_int_equal(circe_hls_srdhm(-1610612736, 2), -1);
	/* -2.5: (-5 * 2^30 + 1 - 2^30) / 2^31 = -2.99.. -> -2 */
	assert_int_equal(circe_hls_srdhm(-5, 1 << 30), -2);
	/* Just off the tie: 0.5 +- 2^-31 and -0.5 - 2^-31. */
	assert_int_equal(circe_hls_srdhm(1073741825, 1), 1);   /* (2^30 + 1 + 2^30) / 2^31 */
	assert_int_equal(circe_hls_srdhm(1073741823, 1), 0);   /* (2^31 - 1) / 2^31 */
	assert_int_equal(circe_hls_srdhm(-1073741825, 1), -1); /* (-2^30 - 1 + 1 - 2^30) / 2^31 */
}

static void test_rounding_divide_hand(void **state)
{
	(void)state;
	/* Ties away from zero. */
	assert_int_equal(circe_hls_rounding_divide_by_pot(5, 1), 3);   /* 2.5 -> 3 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-5, 1), -3); /* -2.5 -> -3 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(3, 1), 2);   /* 1.5 -> 2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-3, 1), -2); /* -1.5 -> -2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(1, 1), 1);   /* 0.5 -> 1 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-1, 1), -1); /* -0.5 -> -1 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(6, 2), 2);   /* 1.5 -> 2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-6, 2), -2); /* -1.5 -> -2 */
	/* Not ties. */
	assert_int_equal(circe_hls_rounding_divide_by_pot(4, 1), 2);	/* 2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-4, 1), -2);	/* -2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(7, 2), 2);	/* 1.75 -> 2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-7, 2), -2);	/* -1.75 -> -2 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(5, 2), 1);	/* 1.25 -> 1 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-5, 2), -1);	/* -1.25 -> -1 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-9, 3), -1);	/* -1.125 -> -1 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-12, 3), -2); /* -1.5 -> -2 */
	/* Exponent 0 is the identity. */
	assert_int_equal(circe_hls_rounding_divide_by_pot(INT32_MIN, 0), INT32_MIN);
	assert_int_equal(circe_hls_rounding_divide_by_pot(INT32_MAX, 0), INT32_MAX);
	assert_int_equal(circe_hls_rounding_divide_by_pot(-1, 0), -1);
	assert_int_equal(circe_hls_rounding_divide_by_pot(12345, 0), 12345);
	/* Exponent 31. */
	assert_int_equal(circe_hls_rounding_divide_by_pot(INT32_MIN, 31), -1);	/* -1 exactly */
	assert_int_equal(circe_hls_rounding_divide_by_pot(INT32_MAX, 31), 1);	/* 1 - 2^-31 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-1, 31), 0);		/* -2^-31 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(1, 31), 0);		/* 2^-31 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(1 << 30, 31), 1);	/* 0.5 */
	assert_int_equal(circe_hls_rounding_divide_by_pot(-(1 << 30), 31), -1); /* -0.5 */
	assert_int_equal(circe_hls_rounding_divide_by_pot((1 << 30) - 1, 31), 0);
	assert_int_equal(circe_hls_rounding_divide_by_pot(-(1 << 30) + 1, 31), 0);
	/* Exponents outside [0, 31] are clamped. */
	assert_int_equal(circe_hls_rounding_divide_by_pot(INT32_MIN, 40), -1);
	assert_int_equal(circe_hls_rounding_divide_by_pot(77, -3), 77);
}

static void test_requantize_hand(void **state)
{
	(void)state;
	/* m0 = INT32_MAX, shift 0: x * (1 - 2^-31). */
	assert_int_equal(circe_hls_requantize(1000, INT32_MAX, 0), 1000);   /* 1000 - 5e-7 */
	assert_int_equal(circe_hls_requantize(-1000, INT32_MAX, 0), -1000); /* -1000 + 5e-7 */
	assert_int_equal(circe_hls_requantize(INT32_MAX, INT32_MAX, 0), 2147483646);
	assert_int_equal(circe_hls_requantize(INT32_MIN, INT32_MAX, 0), -2147483647);
	/* m0 = 2^30, shift 0: x / 2 with ties toward +inf (SRDHM only). */
	assert_int_equal(circe_hls_requantize(3, 1 << 30, 0), 2);   /* 1.5 -> 2 */
	assert_int_equal(circe_hls_requantize(-3, 1 << 30, 0), -1); /* -1.5 -> -1 */
	/* Shift -1, m0 = 2^30 (real 0.25): double rounding. 5 -> SRDHM 2.5 -> 3,
	 * then 3 / 2 = 1.5 -> 2, although 5 / 4 = 1.25. */
	assert_int_equal(circe_hls_requantize(5, 1 << 30, -1), 2);
	/* -5 -> SRDHM -2.5 -> -2, then -2 / 2 = -1 (-1.25 exactly). */
	assert_int_equal(circe_hls_requantize(-5, 1 << 30, -1), -1);
	/* 7 -> 3.5 -> 4, 4 / 2 = 2 (1.75). -7 -> -3.5 -> -3, -3 / 2 = -1.5 -> -2. */
	assert_int_equal(circe_hls_requantize(7, 1 << 30, -1), 2);
	assert_int_equal(circe_hls_requantize(-7, 1 << 30, -1), -2);
	/* Shift -31, m0 = 2^30 (real 2^-32): INT32_MAX -> SRDHM (2^31 - 1) / 2 =
	 * 2^30 - 0.5 -> 2^30, then 2^30 / 2^31 = 0.5 -> 1. */
	assert_int_equal(circe_hls_requantize(INT32_MAX, 1 << 30, -31), 1);
	/* INT32_MIN -> -2^30, then -0.5 -> -1. */
	assert_int_equal(circe_hls_requantize(INT32_MIN, 1 << 30, -31), -1);
	assert_int_equal(circe_hls_requantize(1000, 1 << 30, -31), 0);
	assert_int_equal(circe_hls_requantize(-1000, 1 << 30, -31), 0);
	/* Shift 1, m0 = 2^30 (real 1.0): acc * 2 / 2 = acc ... */
	assert_int_equal(circe_hls_requantize(12345, 1 << 30, 1), 12345);
	assert_int_equal(circe_hls_requantize(-12345, 1 << 30, 1), -12345);
	/* ... unless acc * 2 wraps: 2^30 * 2 = 2^31 -> INT32_MIN, / 2 = -2^30. */
	assert_int_equal(circe_hls_requantize(1 << 30, 1 << 30, 1), -1073741824);
	/* Shift 30, m0 = 2^30 (real 2^29): 1 * 2^30 / 2 = 2^29. */
	assert_int_equal(circe_hls_requantize(1, 1 << 30, 30), 536870912);
	assert_int_equal(circe_hls_requantize(-1, 1 << 30, 30), -536870912);
	/* 2 << 30 = 2^31 wraps to -2^31, / 2 = -2^30. */
	assert_int_equal(circe_hls_requantize(2, 1 << 30, 30), -1073741824);
	/* 3 << 30 = 3 * 2^30 wraps to -2^30, / 2 = -2^29. */
	assert_int_equal(circe_hls_requantize(3, 1 << 30, 30), -536870912);
	/* 4 << 30 = 2^32 wraps to 0. */
	assert_int_equal(circe_hls_requantize(4, 1 << 30, 30), 0);
	/* m0 = 0 gives 0 whatever acc and shift. */
	assert_int_equal(circe_hls_requantize(INT32_MAX, 0, 0), 0);
	assert_int_equal(circe_hls_requantize(INT32_MIN, 0, 30), 0);
	assert_int_equal(circe_hls_requantize(-7, 0, -31), 0);
}

/* Requant entries outside the documented range are data: they give the
 * result of the clamped shift, and a negative m0 is used as it is. */
static void test_requantize_out_of_range(void **state)
{
	static const int32_t accs[] = { 0, 1, -1, 77, -12345, 1 << 20, INT32_MAX, INT32_MIN };

	(void)state;
	for (size_t i = 0; i < sizeof(accs) / sizeof(accs[0]); i++) {
		int32_t acc = accs[i];

		assert_int_equal(circe_hls_requantize(acc, 1234567890, 31),
				 circe_hls_requantize(acc, 1234567890, 30));
		assert_int_equal(circe_hls_requantize(acc, 1234567890, INT32_MAX),
				 circe_hls_requantize(acc, 1234567890, 30));
		assert_int_equal(circe_hls_requantize(acc, 1234567890, -32),
				 circe_hls_requantize(acc, 1234567890, -31));
		assert_int_equal(circe_hls_requantize(acc, 1234567890, INT32_MIN),
				 circe_hls_requantize(acc, 1234567890, -31));
		assert_int_equal(circe_hls_requantize(acc, -1234567890, 3),
				 ref_requantize(acc, -1234567890, 3));
		assert_int_equal(circe_hls_requantize(acc, 1 << 30, 99),
				 ref_requantize(acc, 1 << 30, 99));
		assert_int_equal(circe_hls_requantize(acc, 1 << 30, -99),
				 ref_requantize(acc, 1 << 30, -99));
	}
	/* m0 = -2^30 (real -0.5): 5 -> -2.5 -> -2 (ties toward +inf). */
	assert_int_equal(circe_hls_requantize(5, -(1 << 30), 0), -2);

	struct circe_hw_requant ok[2] = { { 1 << 30, -31 }, { INT32_MAX, 30 } };
	struct circe_hw_requant bad_m0[2] = { { 1 << 30, 0 }, { -1, 0 } };
	struct circe_hw_requant bad_lo[1] = { { 1 << 30, -32 } };
	struct circe_hw_requant bad_hi[1] = { { 1 << 30, 31 } };

	assert_int_equal(circe_hls_requant_check(ok, 2), 0);
	assert_int_equal(circe_hls_requant_check(bad_m0, 1), 0);
	assert_int_equal(circe_hls_requant_check(bad_m0, 2), CIRCE_HW_ILL_REQUANT);
	assert_int_equal(circe_hls_requant_check(bad_lo, 1), CIRCE_HW_ILL_REQUANT);
	assert_int_equal(circe_hls_requant_check(bad_hi, 1), CIRCE_HW_ILL_REQUANT);
}

/* The reference's TFLite QuantizeMultiplier, which the random GEMMs and the
 * golden test rely on. */
static void test_quantize_multiplier_hand(void **state)
{
	int32_t m0 = -7, shift = -7;

	(void)state;
	assert_int_equal(ref_quantize_multiplier(0.0, &m0, &shift), 0);
	assert_int_equal(m0, 0);
	assert_int_equal(shift, 0);
	/* 0.5 = 0.5 * 2^0 -> (2^30, 0); 1.0 = 0.5 * 2^1; 0.25 = 0.5 * 2^-1. */
	assert_int_equal(ref_quantize_multiplier(0.5, &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, 0);
	assert_int_equal(ref_quantize_multiplier(1.0, &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, 1);
	assert_int_equal(ref_quantize_multiplier(0.25, &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, -1);
	/* 0.75 * 2^31 = 1610612736. */
	assert_int_equal(ref_quantize_multiplier(0.75, &m0, &shift), 0);
	assert_int_equal(m0, 1610612736);
	assert_int_equal(shift, 0);
	/* 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 -> 1717986918. */
	assert_int_equal(ref_quantize_multiplier(0.1, &m0, &shift), 0);
	assert_int_equal(m0, 1717986918);
	assert_int_equal(shift, -3);
	/* q = 1 - 2^-40: q * 2^31 = 2^31 - 2^-9 rounds to 2^31 -> (2^30, e + 1). */
	assert_int_equal(ref_quantize_multiplier(ldexp(1.0 - ldexp(1.0, -40), -5), &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, -4);
	/* 2^-32 = 0.5 * 2^-31 is the smallest that survives; 2^-33 -> (0, 0). */
	assert_int_equal(ref_quantize_multiplier(ldexp(1.0, -32), &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, -31);
	assert_int_equal(ref_quantize_multiplier(ldexp(1.0, -33), &m0, &shift), 0);
	assert_int_equal(m0, 0);
	assert_int_equal(shift, 0);
	assert_int_equal(ref_quantize_multiplier(4.9e-324, &m0, &shift), 0);
	assert_int_equal(m0, 0);
	assert_int_equal(shift, 0);
	/* 2^29 = 0.5 * 2^30 is the largest exponent; 2^30 needs shift 31. */
	assert_int_equal(ref_quantize_multiplier(ldexp(1.0, 29), &m0, &shift), 0);
	assert_int_equal(m0, 1 << 30);
	assert_int_equal(shift, 30);
	assert_int_equal(ref_quantize_multiplier(ldexp(1.0, 30), &m0, &shift), -ERANGE);
	assert_int_equal(ref_quantize_multiplier(-0.5, &m0, &shift), -EINVAL);
	assert_int_equal(ref_quantize_multiplier(NAN, &m0, &shift), -EINVAL);
	assert_int_equal(ref_quantize_multiplier(INFINITY, &m0, &shift), -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Requantizer sweep against the reference                                   */
/* ------------------------------------------------------------------------ */

static int32_t hls_rand_i32(struct tu_rng *r)
{
	return (int32_t)tu_rng_range(r, INT32_MIN, INT32_MAX);
}

/* Accumulators of every magnitude, not only the huge ones a uniform draw
 * gives. */
static int32_t hls_rand_acc(struct tu_rng *r)
{
	switch (tu_rng_u64(r) % 3) {
	case 0:
		return hls_rand_i32(r);
	case 1:
		return (int32_t)tu_rng_range(r, -65536, 65536);
	default: {
		int64_t mag = (int64_t)1 << tu_rng_range(r, 0, 31);

		return (int32_t)tu_rng_range(r, -mag, mag - 1);
	}
	}
}

/* Mostly legal multipliers; powers of two make SRDHM ties frequent. */
static int32_t hls_rand_m0(struct tu_rng *r)
{
	switch (tu_rng_u64(r) % 4) {
	case 0:
	case 1:
		return (int32_t)tu_rng_range(r, 1 << 30, INT32_MAX);
	case 2:
		return hls_rand_i32(r);
	default:
		return (int32_t)1 << tu_rng_range(r, 0, 30);
	}
}

static void test_requantize_sweep(void **state)
{
	static const int32_t edge_acc[] = { INT32_MIN, INT32_MIN + 1, -2,	-1, 0, 1,
					    2,	       INT32_MAX - 1, INT32_MAX };
	static const int32_t edge_m0[] = { 0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, -1, INT32_MIN };
	struct tu_rng rng;
	unsigned mismatches = 0;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls requantize sweep", 20240611));
	for (int32_t shift = CIRCE_HW_REQUANT_SHIFT_MIN; shift <= CIRCE_HW_REQUANT_SHIFT_MAX;
	     shift++) {
		for (size_t i = 0; i < sizeof(edge_acc) / sizeof(edge_acc[0]); i++) {
			for (size_t j = 0; j < sizeof(edge_m0) / sizeof(edge_m0[0]); j++) {
				int32_t got = circe_hls_requantize(edge_acc[i], edge_m0[j], shift);
				int32_t want = ref_requantize(edge_acc[i], edge_m0[j], shift);

				if (got != want && mismatches++ < 10)
					print_error("requantize(%d, %d, %d) = %d, ref %d\n",
						    edge_acc[i], edge_m0[j], shift, got, want);
			}
		}
		for (int t = 0; t < 4000; t++) {
			int32_t acc = hls_rand_acc(&rng), m0 = hls_rand_m0(&rng);
			int32_t got = circe_hls_requantize(acc, m0, shift);
			int32_t want = ref_requantize(acc, m0, shift);

			if (got != want && mismatches++ < 10)
				print_error("requantize(%d, %d, %d) = %d, ref %d\n", acc, m0, shift,
					    got, want);
		}
	}
	assert_int_equal(mismatches, 0);
}

static void test_int4_get(void **state)
{
	/* Elements 0..5: 1, -8, 7, -1, 0, -5 (0x1, 0x8, 0x7, 0xF, 0x0, 0xB). */
	static const uint8_t row[] = { 0x81, 0xF7, 0xB0 };
	static const int8_t want[] = { 1, -8, 7, -1, 0, -5 };

	(void)state;
	for (uint32_t k = 0; k < 6; k++)
		assert_int_equal(circe_hls_int4_get(row, k), want[k]);
}

/* ------------------------------------------------------------------------ */
/* Descriptor checks                                                         */
/* ------------------------------------------------------------------------ */

static int hls_setup_desc(void **state)
{
	struct circe_hw_desc_gemm *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->opcode = CIRCE_HW_OP_GEMM;
	d->flags = CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL;
	d->m = 5;
	d->k = 7;
	d->n = 3;
	d->in_zp = -128;
	d->out_zp = 127;
	d->clamp_min = -128;
	d->clamp_max = 127;
	d->lda = 7;
	d->ldw = 7;
	d->ldy = 3;
	*state = d;
	return 0;
}

static int hls_teardown_desc(void **state)
{
	free(*state);
	return 0;
}

static void test_gemm_check_each_reason(void **state)
{
	struct circe_hw_desc_gemm *d = *state, t;

	assert_int_equal(circe_hls_gemm_check(d), 0);

#define HLS_EXPECT(field_assign, reason)                            \
	do {                                                        \
		t = *d;                                             \
		field_assign;                                       \
		assert_int_equal(circe_hls_gemm_check(&t), reason); \
	} while (0)

	HLS_EXPECT(t.opcode = CIRCE_HW_OP_NOP, CIRCE_HW_ILL_OPCODE);
	HLS_EXPECT(t.opcode = CIRCE_HW_OP_CIRC, CIRCE_HW_ILL_OPCODE);
	HLS_EXPECT(t.opcode = 0xFFFFFFFFu, CIRCE_HW_ILL_OPCODE);
	HLS_EXPECT(t.flags |= 1u << 4, CIRCE_HW_ILL_FLAGS);
	HLS_EXPECT(t.flags = 1u << 31, CIRCE_HW_ILL_FLAGS);
	HLS_EXPECT(t.m = 0, CIRCE_HW_ILL_DIMS);
	HLS_EXPECT(t.k = 0, CIRCE_HW_ILL_DIMS);
	HLS_EXPECT(t.n = 0, CIRCE_HW_ILL_DIMS);
	HLS_EXPECT(t.m = CIRCE_HW_GEMM_MAX_M + 1, CIRCE_HW_ILL_DIMS);
	HLS_EXPECT((t.k = CIRCE_HW_GEMM_MAX_K + 1, t.lda = t.ldw = t.k), CIRCE_HW_ILL_DIMS);
	HLS_EXPECT((t.n = CIRCE_HW_GEMM_MAX_N + 1, t.ldy = t.n), CIRCE_HW_ILL_DIMS);
	HLS_EXPECT(t.m = CIRCE_HW_GEMM_MAX_M, 0);
	HLS_EXPECT((t.k = CIRCE_HW_GEMM_MAX_K, t.lda = t.ldw = t.k), 0);
	HLS_EXPECT((t.n = CIRCE_HW_GEMM_MAX_N, t.ldy = t.n), 0);
	HLS_EXPECT(t.lda = 6, CIRCE_HW_ILL_STRIDE);
	HLS_EXPECT(t.ldw = 6, CIRCE_HW_ILL_STRIDE);
	HLS_EXPECT(t.ldy = 2, CIRCE_HW_ILL_STRIDE);
	HLS_EXPECT(t.lda = 1000, 0);
	/* int4: 7 elements need 4 bytes. */
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_INT4, t.ldw = 4), 0);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_INT4, t.ldw = 3), CIRCE_HW_ILL_STRIDE);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_INT4, t.k = 8, t.lda = 8, t.ldw = 4), 0);
	/* int16 output: 3 elements need 6 bytes. */
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6), 0);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 5), CIRCE_HW_ILL_STRIDE);
	HLS_EXPECT(t.in_zp = 128, CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT(t.in_zp = -129, CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT(t.in_zp = 127, 0);
	HLS_EXPECT(t.out_zp = 128, CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT(t.out_zp = -129, CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT(t.out_zp = -128, 0);
	/* With int16 output the output zero point may use the int16 range, the
	 * input one may not. */
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.out_zp = 32767), 0);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.out_zp = -32768), 0);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.out_zp = 32768),
		   CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.in_zp = 200),
		   CIRCE_HW_ILL_ZERO_POINT);
	HLS_EXPECT((t.clamp_min = 10, t.clamp_max = 9), CIRCE_HW_ILL_CLAMP);
	HLS_EXPECT((t.clamp_min = 10, t.clamp_max = 10), 0);
	HLS_EXPECT(t.clamp_min = -129, CIRCE_HW_ILL_CLAMP);
	HLS_EXPECT(t.clamp_max = 128, CIRCE_HW_ILL_CLAMP);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.clamp_min = -32768,
		    t.clamp_max = 32767),
		   0);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.clamp_min = -32769),
		   CIRCE_HW_ILL_CLAMP);
	HLS_EXPECT((t.flags |= CIRCE_HW_GEMM_OUT16, t.ldy = 6, t.clamp_max = 32768),
		   CIRCE_HW_ILL_CLAMP);
	/* Requant table, addresses and status are not the check's business. */
	HLS_EXPECT((t.a_va = 0, t.rq_va = 1, t.status.code = 77), 0);
#undef HLS_EXPECT
}

/* With every field broken, fixing them one at a time in check order walks
 * through the reasons in that order. */
static void test_gemm_check_order(void **state)
{
	static const uint32_t order[] = { CIRCE_HW_ILL_OPCODE,	   CIRCE_HW_ILL_FLAGS,
					  CIRCE_HW_ILL_DIMS,	   CIRCE_HW_ILL_STRIDE,
					  CIRCE_HW_ILL_ZERO_POINT, CIRCE_HW_ILL_CLAMP };
	struct circe_hw_desc_gemm *good = *state, t = *good;

	t.opcode = CIRCE_HW_OP_FENCE;
	t.flags = 0x30;
	t.m = 0;
	t.lda = 1;
	t.in_zp = 1000;
	t.clamp_min = 5;
	t.clamp_max = 4;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_int_equal(circe_hls_gemm_check(&t), order[i]);
		switch (order[i]) {
		case CIRCE_HW_ILL_OPCODE:
			t.opcode = good->opcode;
			break;
		case CIRCE_HW_ILL_FLAGS:
			t.flags = good->flags;
			break;
		case CIRCE_HW_ILL_DIMS:
			t.m = good->m;
			break;
		case CIRCE_HW_ILL_STRIDE:
			t.lda = good->lda;
			break;
		case CIRCE_HW_ILL_ZERO_POINT:
			t.in_zp = good->in_zp;
			break;
		default:
			t.clamp_min = good->clamp_min;
			t.clamp_max = good->clamp_max;
			break;
		}
	}
	assert_int_equal(circe_hls_gemm_check(&t), 0);
}

/* ------------------------------------------------------------------------ */
/* GEMM                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * A = [[3, -2, 5], [0, 7, -1]], in_zp = 1, so A - in_zp = [[2, -3, 4], [-1, 6, -2]].
 * W = [[1, 2, 3], [-4, 0, 5]], bias = [100, -50]:
 *   acc[0][0] =  2*1 + -3*2 +  4*3 + 100 =   8 + 100 = 108
 *   acc[0][1] = 2*-4 + -3*0 +  4*5 -  50 =  12 -  50 = -38
 *   acc[1][0] = -1*1 +  6*2 + -2*3 + 100 =   5 + 100 = 105
 *   acc[1][1] = -1*-4 + 6*0 + -2*5 -  50 =  -6 -  50 = -56
 * Channel 0: m0 = 2^30, shift -1 (0.25). 108: SRDHM 54, /2 = 27.
 *   105: SRDHM 52.5 -> 53, /2 = 26.5 -> 27 (26.25 exactly: double rounding).
 * Channel 1: m0 = 1610612736, shift 0 (0.75). -38: -28.5 -> -28 (tie toward
 *   +inf). -56: -42.
 * out_zp = -3: Y = [[24, -31], [24, -45]].
 */
static const int8_t hls_hand_a[2 * 4] = { 3, -2, 5, 99, 0, 7, -1, 99 }; /* lda 4 */
static const int32_t hls_hand_bias[2] = { 100, -50 };
static const struct circe_hw_requant hls_hand_rq[2] = { { 1 << 30, -1 }, { 1610612736, 0 } };

static struct circe_hw_desc_gemm hls_hand_desc(uint32_t flags, uint32_t ldw, uint32_t ldy)
{
	struct circe_hw_desc_gemm d = { 0 };

	d.opcode = CIRCE_HW_OP_GEMM;
	d.flags = flags | CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL;
	d.m = 2;
	d.k = 3;
	d.n = 2;
	d.in_zp = 1;
	d.out_zp = -3;
	d.clamp_min = (flags & CIRCE_HW_GEMM_OUT16) ? INT16_MIN : INT8_MIN;
	d.clamp_max = (flags & CIRCE_HW_GEMM_OUT16) ? INT16_MAX : INT8_MAX;
	d.lda = 4;
	d.ldw = ldw;
	d.ldy = ldy;
	return d;
}

static void test_gemm_hand(void **state)
{
	static const uint8_t w8[2 * 3] = { 1, 2, 3, (uint8_t)-4, 0, 5 };
	/* [1, 2, 3] -> 0x21, 0x?3; [-4, 0, 5] -> 0x0C, 0x?5; ? is ignored. */
	static const uint8_t w4[2 * 2] = { 0x21, 0xF3, 0x0C, 0xA5 };
	static const uint8_t want8[2 * 3] = { 24, (uint8_t)-31, 0xEE, 24, (uint8_t)-45, 0xEE };
	struct circe_hw_desc_gemm d;
	uint8_t y[2 * 3];

	(void)state;
	d = hls_hand_desc(0, 3, 3);
	memset(y, 0xEE, sizeof(y));
	circe_hls_gemm(&d, hls_hand_a, w8, hls_hand_bias, hls_hand_rq, y);
	assert_memory_equal(y, want8, sizeof(y));

	d = hls_hand_desc(CIRCE_HW_GEMM_INT4, 2, 3);
	memset(y, 0xEE, sizeof(y));
	circe_hls_gemm(&d, hls_hand_a, w4, hls_hand_bias, hls_hand_rq, y);
	assert_memory_equal(y, want8, sizeof(y));

	/* int16 out, clamp [-40, 20]: [[20, -31], [20, -40]], little-endian. */
	{
		static const uint8_t want16[2 * 5] = { 20, 0, 0xE1, 0xFF, 0xEE,
						       20, 0, 0xD8, 0xFF, 0xEE };
		uint8_t y16[2 * 5];

		d = hls_hand_desc(CIRCE_HW_GEMM_OUT16, 3, 5);
		d.clamp_min = -40;
		d.clamp_max = 20;
		memset(y16, 0xEE, sizeof(y16));
		circe_hls_gemm(&d, hls_hand_a, w8, hls_hand_bias, hls_hand_rq, y16);
		assert_memory_equal(y16, want16, sizeof(y16));
	}
}

/* The zero-point add and the bias add wrap in int32 before the clamp, as the
 * 32-bit adders of the RTL do; a saturating design would give 127 here. */
static void test_gemm_out_zp_wraps(void **state)
{
	/* One element: a = 1, in_zp = 0, w = 1, bias = INT32_MAX - 1, so acc =
	 * INT32_MAX. m0 = INT32_MAX, shift 0 gives 2147483646; + 127 =
	 * 2147483773 wraps to -2147483523, which the clamp turns into -128. */
	const int8_t a = 1;
	const uint8_t w = 1;
	const int32_t bias = INT32_MAX - 1;
	const struct circe_hw_requant rq = { INT32_MAX, 0 };
	struct circe_hw_desc_gemm d = { 0 };
	uint8_t y = 0;

	(void)state;
	d.opcode = CIRCE_HW_OP_GEMM;
	d.flags = CIRCE_HW_GEMM_BIAS;
	d.m = d.k = d.n = 1;
	d.out_zp = 127;
	d.clamp_min = -128;
	d.clamp_max = 127;
	d.lda = d.ldw = d.ldy = 1;
	circe_hls_gemm(&d, &a, &w, &bias, &rq, &y);
	assert_int_equal((int8_t)y, -128);
	/* The bias add wraps: 1 + INT32_MAX = INT32_MIN, and
	 * SRDHM(INT32_MIN, INT32_MAX) = -2147483647 -> clamp -128. */
	{
		const int32_t bias_max = INT32_MAX;

		d.out_zp = 0;
		circe_hls_gemm(&d, &a, &w, &bias_max, &rq, &y);
		assert_int_equal((int8_t)y, -128);
	}
}

/* An illegal descriptor writes nothing (and reads nothing: NULL buffers). */
static void test_gemm_illegal_writes_nothing(void **state)
{
	struct circe_hw_desc_gemm *d = *state, t = *d;
	uint8_t y[64];
	uint8_t want[64];

	memset(y, 0x5A, sizeof(y));
	memset(want, 0x5A, sizeof(want));
	t.in_zp = 500;
	circe_hls_gemm(&t, NULL, NULL, NULL, NULL, y);
	assert_memory_equal(y, want, sizeof(y));
}

/* One random GEMM case: buffers in the device layout (strided, packed) plus
 * the reference's unpacked view. */
struct hls_case {
	struct circe_hw_desc_gemm d;
	int8_t *a;     /* [m][lda] */
	uint8_t *w;    /* [n][ldw] */
	int8_t *w_ref; /* [n][k] */
	int32_t *bias; /* [n] */
	struct circe_hw_requant *rq;
	int32_t *m0, *shift; /* [n], expanded for the reference */
	uint8_t *y;	     /* [m][ldy] */
	uint8_t *y_init;     /* the garbage y started with */
	int32_t *y_ref;	     /* [m][n] */
};

static void hls_case_free(struct hls_case *c)
{
	free(c->a);
	free(c->w);
	free(c->w_ref);
	free(c->bias);
	free(c->rq);
	free(c->m0);
	free(c->shift);
	free(c->y);
	free(c->y_init);
	free(c->y_ref);
	memset(c, 0, sizeof(*c));
}

static double hls_rand_unit(struct tu_rng *r)
{
	return (double)(tu_rng_u64(r) >> 11) * 0x1p-53;
}

/* Typical |acc| for this K: |a - in_zp| and |w| are around 75 (int4: 4). */
static double hls_typical_acc(uint32_t k, int int4)
{
	return 75.0 * (int4 ? 4.0 : 75.0) * sqrt((double)k);
}

/* A real multiplier that maps the typical accumulator to a useful output
 * range, sometimes one from anywhere in the legal range. */
static double hls_rand_real(struct tu_rng *r, uint32_t k, int int4, int out16)
{
	if (tu_rng_u64(r) % 8 == 0)
		return ldexp(1.0 + hls_rand_unit(r), (int)tu_rng_range(r, -40, 12));
	return exp2(2.5 * hls_rand_unit(r) - 1.5) * (out16 ? 6000.0 : 30.0) /
	       hls_typical_acc(k, int4);
}

static void hls_case_make(struct hls_case *c, struct tu_rng *r, uint32_t m, uint32_t k, uint32_t n,
			  uint32_t flags, int relu)
{
	struct circe_hw_desc_gemm *d = &c->d;
	int out16 = (flags & CIRCE_HW_GEMM_OUT16) != 0;
	int int4 = (flags & CIRCE_HW_GEMM_INT4) != 0;
	int32_t lo = out16 ? INT16_MIN : INT8_MIN, hi = out16 ? INT16_MAX : INT8_MAX;
	size_t esize = out16 ? 2 : 1, nrq = (flags & CIRCE_HW_GEMM_PER_CHANNEL) ? n : 1;
	int64_t bias_mag;
	double base;

	memset(c, 0, sizeof(*c));
	d->opcode = CIRCE_HW_OP_GEMM;
	d->flags = flags;
	d->m = m;
	d->k = k;
	d->n = n;
	d->in_zp = (int32_t)tu_rng_range(r, -128, 127);
	d->out_zp =
		out16 ? (int32_t)tu_rng_range(r, -300, 300) : (int32_t)tu_rng_range(r, -128, 127);
	d->clamp_min = lo;
	d->clamp_max = hi;
	if (relu) {
		d->clamp_min = d->out_zp;
	} else if (tu_rng_u64(r) % 4 == 0) {
		d->clamp_min = (int32_t)tu_rng_range(r, lo, d->out_zp);
		d->clamp_max = (int32_t)tu_rng_range(r, d->out_zp, hi);
	}
	d->lda = k + (uint32_t)tu_rng_range(r, 1, 40);
	d->ldw = (int4 ? (k + 1) / 2 : k) + (uint32_t)tu_rng_range(r, 1, 40);
	d->ldy = n * (uint32_t)esize + (uint32_t)tu_rng_range(r, 1, 40);

	c->a = malloc((size_t)m * d->lda);
	c->w = malloc((size_t)n * d->ldw);
	c->w_ref = malloc((size_t)n * k);
	c->bias = malloc(n * sizeof(*c->bias));
	c->rq = malloc(nrq * sizeof(*c->rq));
	c->m0 = malloc(n * sizeof(*c->m0));
	c->shift = malloc(n * sizeof(*c->shift));
	c->y = malloc((size_t)m * d->ldy);
	c->y_init = malloc((size_t)m * d->ldy);
	c->y_ref = malloc((size_t)m * n * sizeof(*c->y_ref));
	assert_non_null(c->a);
	assert_non_null(c->w);
	assert_non_null(c->w_ref);
	assert_non_null(c->bias);
	assert_non_null(c->rq);
	assert_non_null(c->m0);
	assert_non_null(c->shift);
	assert_non_null(c->y);
	assert_non_null(c->y_init);
	assert_non_null(c->y_ref);

	/* Padding holds random bytes too: the kernel must not read them into
	 * the result or write over them. */
	tu_rng_fill_i8(r, c->a, (size_t)m * d->lda, -128, 127);
	tu_rng_fill_i8(r, (int8_t *)c->w, (size_t)n * d->ldw, -128, 127);
	tu_rng_fill_i8(r, (int8_t *)c->y_init, (size_t)m * d->ldy, -128, 127);
	memcpy(c->y, c->y_init, (size_t)m * d->ldy);
	for (uint32_t j = 0; j < n; j++) {
		uint8_t *row = c->w + (size_t)j * d->ldw;

		for (uint32_t kk = 0; kk < k; kk++) {
			int8_t v;

			if (int4) {
				v = (int8_t)tu_rng_range(r, -8, 7);
				if (kk & 1)
					row[kk / 2] =
						(uint8_t)((row[kk / 2] & 0x0F) | ((uint8_t)v << 4));
				else
					row[kk / 2] = (uint8_t)((row[kk / 2] & 0xF0) |
								((uint8_t)v & 0x0F));
			} else {
				v = (int8_t)row[kk];
			}
			c->w_ref[(size_t)j * k + kk] = v;
		}
	}
	/* Biases of the accumulator's size mostly; now and then any int32, so
	 * the bias add wraps. */
	bias_mag = (int64_t)hls_typical_acc(k, int4);
	for (uint32_t j = 0; j < n; j++)
		c->bias[j] = tu_rng_u64(r) % 16 == 0
				     ? hls_rand_i32(r)
				     : (int32_t)tu_rng_range(r, -bias_mag, bias_mag);
	base = hls_rand_real(r, k, int4, out16);
	for (size_t j = 0; j < nrq; j++) {
		double real = base * exp2(hls_rand_unit(r) - 0.5);

		assert_int_equal(ref_quantize_multiplier(real, &c->rq[j].m0, &c->rq[j].shift), 0);
	}
	for (uint32_t j = 0; j < n; j++) {
		c->m0[j] = c->rq[nrq == 1 ? 0 : j].m0;
		c->shift[j] = c->rq[nrq == 1 ? 0 : j].shift;
	}
}

/* Run the kernel and the reference; compare values and untouched padding. */
static void hls_case_run(struct hls_case *c)
{
	const struct circe_hw_desc_gemm *d = &c->d;
	int out16 = (d->flags & CIRCE_HW_GEMM_OUT16) != 0;
	int has_bias = (d->flags & CIRCE_HW_GEMM_BIAS) != 0;
	int8_t *a_ref = malloc((size_t)d->m * d->k + 1);
	struct ref_gemm_case rc;
	unsigned bad = 0;

	assert_non_null(a_ref);
	for (uint32_t i = 0; i < d->m; i++)
		memcpy(a_ref + (size_t)i * d->k, c->a + (size_t)i * d->lda, d->k);
	rc = (struct ref_gemm_case){
		.m = d->m,
		.k = d->k,
		.n = d->n,
		.a = a_ref,
		.w = c->w_ref,
		.bias = has_bias ? c->bias : NULL,
		.m0 = c->m0,
		.shift = c->shift,
		.in_zp = d->in_zp,
		.out_zp = d->out_zp,
		.clamp_min = d->clamp_min,
		.clamp_max = d->clamp_max,
	};
	ref_gemm(&rc, c->y_ref);
	/* The bias is always passed: without the flag it must be ignored, and
	 * the reference (which has none then) catches it if not. */
	circe_hls_gemm(d, c->a, c->w, c->bias, c->rq, c->y);
	free(a_ref);

	for (uint32_t i = 0; i < d->m; i++) {
		const uint8_t *row = c->y + (size_t)i * d->ldy;
		const uint8_t *init = c->y_init + (size_t)i * d->ldy;
		size_t used = (size_t)d->n * (out16 ? 2 : 1);

		for (uint32_t j = 0; j < d->n; j++) {
			int32_t got =
				out16 ? (int16_t)(uint16_t)(row[2 * j] | (row[2 * j + 1] << 8))
				      : (int8_t)row[j];
			int32_t want = c->y_ref[(size_t)i * d->n + j];

			if (got != want && bad++ < 5)
				print_error("y[%u][%u] = %d, ref %d\n", i, j, got, want);
		}
		if (memcmp(row + used, init + used, d->ldy - used) != 0 && bad++ < 5)
			print_error("row %u: padding after the %zu output bytes changed\n", i,
				    used);
	}
	if (bad)
		print_error("case m=%u k=%u n=%u flags=0x%x in_zp=%d out_zp=%d clamp=[%d, %d]\n",
			    d->m, d->k, d->n, d->flags, d->in_zp, d->out_zp, d->clamp_min,
			    d->clamp_max);
	assert_int_equal(bad, 0);
}

static uint32_t hls_rand_dim(struct tu_rng *r)
{
	uint32_t v;

	do
		v = (uint32_t)tu_rng_range(r, 1, 300);
	while (v % 16 == 0);
	return v;
}

static void test_gemm_random(void **state)
{
	struct tu_rng rng;
	struct hls_case c;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls random gemm", 7));
	/* The first 32 cases cover every combination of the four flags and
	 * ReLU; the rest draw them at random. */
	for (unsigned t = 0; t < 44; t++) {
		unsigned bits = t < 32 ? t : (unsigned)tu_rng_range(&rng, 0, 31);
		uint32_t m = hls_rand_dim(&rng), k = hls_rand_dim(&rng), n = hls_rand_dim(&rng);

		hls_case_make(&c, &rng, m, k, n, bits & CIRCE_HW_GEMM_FLAGS_ALL, (bits >> 4) & 1);
		hls_case_run(&c);
		hls_case_free(&c);
	}
}

/* Shapes on and around the tile edges, and the degenerate ones. */
static void test_gemm_tile_edges(void **state)
{
	static const uint32_t shapes[][3] = {
		{ 1, 1, 1 },   { 16, 64, 16 }, { 32, 128, 48 }, { 17, 65, 17 }, { 15, 63, 15 },
		{ 1, 300, 1 }, { 300, 1, 1 },  { 1, 1, 300 },	{ 2, 2, 2 },	{ 16, 1, 33 },
	};
	struct tu_rng rng;
	struct hls_case c;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls tile edges", 11));
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		for (uint32_t flags = 0; flags <= CIRCE_HW_GEMM_FLAGS_ALL; flags += 5) {
			hls_case_make(&c, &rng, shapes[i][0], shapes[i][1], shapes[i][2], flags, 0);
			hls_case_run(&c);
			hls_case_free(&c);
		}
	}
}

/* The largest K with extreme operands: |sum| = 255 * 128 * K stays in int32,
 * which is what CIRCE_HW_GEMM_MAX_K promises. */
static void test_gemm_max_k(void **state)
{
	struct tu_rng rng;
	struct hls_case c;
	const uint32_t k = CIRCE_HW_GEMM_MAX_K;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls max k", 3));
	hls_case_make(&c, &rng, 3, k, 2, 0, 0);
	c.d.in_zp = 127;
	c.d.out_zp = 0;
	c.d.clamp_min = INT8_MIN;
	c.d.clamp_max = INT8_MAX;
	for (uint32_t i = 0; i < 3; i++)
		memset(c.a + (size_t)i * c.d.lda, 0x80, k); /* -128 - 127 = -255 */
	for (uint32_t j = 0; j < 2; j++) {
		memset(c.w + (size_t)j * c.d.ldw, j ? 0x7F : 0x80, k);
		memset(c.w_ref + (size_t)j * k, j ? 0x7F : 0x80, k);
	}
	/* m0 = 2^30, shift -21 is the real multiplier 2^-22. */
	c.rq[0].m0 = 1 << 30;
	c.rq[0].shift = -21;
	for (uint32_t j = 0; j < 2; j++) {
		c.m0[j] = c.rq[0].m0;
		c.shift[j] = c.rq[0].shift;
	}
	hls_case_run(&c);
	/* Column 0: -255 * -128 * 16384 = 534773760 (< 2^31), * 2^-22 = 127.5
	 * -> 128 -> clamp 127. Column 1: -255 * 127 * 16384 * 2^-22 =
	 * -126.50390625 -> -127. */
	assert_int_equal((int8_t)c.y[0], 127);
	assert_int_equal((int8_t)c.y[1], -127);
	hls_case_free(&c);
}

/* The tile function on its own: padding with w = 0 adds nothing. */
static void test_gemm_tile_fn(void **state)
{
	static int8_t a[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_K];
	static int8_t w[CIRCE_HLS_TILE_N][CIRCE_HLS_TILE_K];
	int32_t acc[CIRCE_HLS_TILE_M][CIRCE_HLS_TILE_N];
	struct tu_rng rng;
	const int32_t in_zp = -7;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls tile function", 5));
	tu_rng_fill_i8(&rng, &a[0][0], sizeof(a), -128, 127);
	tu_rng_fill_i8(&rng, &w[0][0], sizeof(w), -128, 127);
	for (uint32_t j = 0; j < CIRCE_HLS_TILE_N; j++)
		w[j][CIRCE_HLS_TILE_K - 1] = 0;
	for (uint32_t i = 0; i < CIRCE_HLS_TILE_M; i++)
		for (uint32_t j = 0; j < CIRCE_HLS_TILE_N; j++)
			acc[i][j] = (i == 0 && j == 0) ? INT32_MAX : (int32_t)(i * 100 + j);
	circe_hls_gemm_tile((const int8_t(*)[CIRCE_HLS_TILE_K])a,
			    (const int8_t(*)[CIRCE_HLS_TILE_K])w, in_zp, acc);
	for (uint32_t i = 0; i < CIRCE_HLS_TILE_M; i++) {
		for (uint32_t j = 0; j < CIRCE_HLS_TILE_N; j++) {
			int64_t want = (i == 0 && j == 0) ? INT32_MAX : (int64_t)(i * 100 + j);

			for (uint32_t kk = 0; kk < CIRCE_HLS_TILE_K; kk++)
				want += ((int64_t)a[i][kk] - in_zp) * w[j][kk];
			/* Wrap to int32 as the accumulator does. */
			want = (int64_t)(int32_t)(uint32_t)(uint64_t)want;
			assert_int_equal(acc[i][j], want);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Golden cases from tests/golden/gen_gemm_golden.py                         */
/* ------------------------------------------------------------------------ */

/* Just enough of .npy v1.0 for the generator's files: dtype, shape, data. */
struct hls_npy {
	char descr[8];
	size_t shape[2];
	unsigned ndim;
	size_t count;
	unsigned char *buf; /* the whole file */
	const unsigned char *data;
};

static int hls_npy_load(const char *path, struct hls_npy *npy)
{
	FILE *f = fopen(path, "rb");
	long len;
	size_t hlen;
	const char *h, *p;
	char *end;

	memset(npy, 0, sizeof(*npy));
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 10 || fseek(f, 0, SEEK_SET) != 0)
		goto bad_file;
	npy->buf = malloc((size_t)len + 1);
	if (!npy->buf || fread(npy->buf, 1, (size_t)len, f) != (size_t)len)
		goto bad_file;
	fclose(f);
	npy->buf[len] = '\0';
	hlen = npy->buf[8] | (size_t)npy->buf[9] << 8;
	if (memcmp(npy->buf, "\x93NUMPY\x01\x00", 8) != 0 || 10 + hlen > (size_t)len)
		goto bad_data;
	h = (const char *)npy->buf + 10;
	p = strstr(h, "'descr': '");
	if (!p || !strstr(h, "'fortran_order': False"))
		goto bad_data;
	p += strlen("'descr': '");
	for (size_t i = 0; p[i] != '\'' && i + 1 < sizeof(npy->descr); i++)
		npy->descr[i] = p[i];
	p = strstr(h, "'shape': (");
	if (!p)
		goto bad_data;
	p += strlen("'shape': (");
	npy->count = 1;
	while (*p != ')') {
		size_t v = strtoul(p, &end, 10);

		if (end == p || npy->ndim == 2)
			goto bad_data;
		npy->shape[npy->ndim++] = v;
		npy->count *= v;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	npy->data = npy->buf + 10 + hlen;
	return 0;

bad_file:
	fclose(f);
bad_data:
	free(npy->buf);
	npy->buf = NULL;
	return -EINVAL;
}

static void hls_npy_free(struct hls_npy *npy)
{
	free(npy->buf);
	npy->buf = NULL;
}

/* Load DIR/NAME_SUFFIX.npy and check its dtype and element count. */
static void hls_golden_load(struct hls_npy *npy, const char *dir, const char *name,
			    const char *suffix, const char *descr, size_t count)
{
	char path[1024];
	int rc;

	snprintf(path, sizeof(path), "%s/%s_%s.npy", dir, name, suffix);
	rc = hls_npy_load(path, npy);
	if (rc != 0)
		print_error("cannot load %s: %d\n", path, rc);
	assert_int_equal(rc, 0);
	assert_string_equal(npy->descr, descr);
	assert_int_equal(npy->count, count);
}

#define HLS_GOLDEN_COLS 12

static const char *const hls_golden_header[HLS_GOLDEN_COLS] = {
	"name",
	"m",
	"k",
	"n",
	"weight_bits",
	"input_scale",
	"input_zero_point",
	"output_scale",
	"output_zero_point",
	"weight_scale",
	"bias",
	"relu",
};

static float hls_f32_at(const unsigned char *p, size_t i)
{
	uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static int32_t hls_i32_at(const unsigned char *p, size_t i)
{
	uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	int32_t v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* One manifest line: quantize the scales the way the generator (and the
 * CLI) does, pack the weights, run the kernel, compare with NAME_y.npy. */
static void hls_golden_case(const char *dir, char **col)
{
	const char *name = col[0];
	uint32_t m = (uint32_t)strtoul(col[1], NULL, 10), k = (uint32_t)strtoul(col[2], NULL, 10);
	uint32_t n = (uint32_t)strtoul(col[3], NULL, 10),
		 bits = (uint32_t)strtoul(col[4], NULL, 10);
	float s_in = strtof(col[5], NULL), s_out = strtof(col[7], NULL);
	int per_channel = strcmp(col[9], "per-channel") == 0;
	int has_bias = strcmp(col[10], "yes") == 0, relu = strcmp(col[11], "yes") == 0;
	struct hls_npy a, w, b = { 0 }, ws = { 0 }, y;
	struct circe_hw_desc_gemm d = { 0 };
	struct circe_hw_requant *rq;
	int32_t *bias = NULL;
	uint8_t *wp, *out;
	uint32_t ldw = bits == 4 ? (k + 1) / 2 : k;

	assert_true(bits == 4 || bits == 8);
	hls_golden_load(&a, dir, name, "a", "|i1", (size_t)m * k);
	hls_golden_load(&w, dir, name, "w", "|i1", (size_t)n * k);
	hls_golden_load(&y, dir, name, "y", "|i1", (size_t)m * n);
	if (has_bias)
		hls_golden_load(&b, dir, name, "b", "<i4", n);
	if (per_channel)
		hls_golden_load(&ws, dir, name, "ws", "<f4", n);

	rq = calloc(n, sizeof(*rq));
	wp = calloc((size_t)n * ldw, 1);
	out = malloc((size_t)m * n);
	bias = calloc(n, sizeof(*bias));
	assert_non_null(rq);
	assert_non_null(wp);
	assert_non_null(out);
	assert_non_null(bias);
	for (uint32_t j = 0; j < (per_channel ? n : 1u); j++) {
		float s_w = per_channel ? hls_f32_at(ws.data, j) : strtof(col[9], NULL);
		double real = (double)s_in * (double)s_w / (double)s_out;

		assert_int_equal(ref_quantize_multiplier(real, &rq[j].m0, &rq[j].shift), 0);
	}
	for (uint32_t j = 0; j < n; j++) {
		if (has_bias)
			bias[j] = hls_i32_at(b.data, j);
		for (uint32_t kk = 0; kk < k; kk++) {
			int8_t v = (int8_t)w.data[(size_t)j * k + kk];

			if (bits == 8)
				wp[(size_t)j * ldw + kk] = (uint8_t)v;
			else
				wp[(size_t)j * ldw + kk / 2] |=
					(uint8_t)(((uint8_t)v & 0xF) << (4 * (kk & 1)));
		}
	}
	d.opcode = CIRCE_HW_OP_GEMM;
	d.flags = (bits == 4 ? CIRCE_HW_GEMM_INT4 : 0) | (has_bias ? CIRCE_HW_GEMM_BIAS : 0) |
		  (per_channel ? CIRCE_HW_GEMM_PER_CHANNEL : 0);
	d.m = m;
	d.k = k;
	d.n = n;
	d.in_zp = (int32_t)strtol(col[6], NULL, 10);
	d.out_zp = (int32_t)strtol(col[8], NULL, 10);
	d.clamp_min = relu ? d.out_zp : INT8_MIN;
	d.clamp_max = INT8_MAX;
	d.lda = k;
	d.ldw = ldw;
	d.ldy = n;
	assert_int_equal(circe_hls_gemm_check(&d), 0);
	circe_hls_gemm(&d, (const int8_t *)a.data, wp, bias, rq, out);
	if (memcmp(out, y.data, (size_t)m * n) != 0) {
		for (size_t i = 0, shown = 0; i < (size_t)m * n && shown < 5; i++) {
			if (out[i] != y.data[i]) {
				print_error("%s: y[%zu][%zu] = %d, golden %d\n", name, i / n, i % n,
					    (int8_t)out[i], (int8_t)y.data[i]);
				shown++;
			}
		}
		fail_msg("golden case %s differs", name);
	}
	free(rq);
	free(wp);
	free(out);
	free(bias);
	hls_npy_free(&a);
	hls_npy_free(&w);
	hls_npy_free(&y);
	hls_npy_free(&b);
	hls_npy_free(&ws);
}

static void test_gemm_golden(void **state)
{
	char dir[900], path[1024], line[4096];
	FILE *f;
	unsigned cases = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/golden/gemm", tu_src_dir());
	snprintf(path, sizeof(path), "%s/cases.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		printf("# skip: %s not found (run tests/golden/gen_gemm_golden.py)\n", path);
		skip();
	}
	assert_non_null(fgets(line, sizeof(line), f));
	line[strcspn(line, "\r\n")] = '\0';
	{
		char *save = NULL, *tok = strtok_r(line, "\t", &save);

		for (int i = 0; i < HLS_GOLDEN_COLS; i++, tok = strtok_r(NULL, "\t", &save)) {
			assert_non_null(tok);
			assert_string_equal(tok, hls_golden_header[i]);
		}
	}
	while (fgets(line, sizeof(line), f)) {
		char *col[HLS_GOLDEN_COLS], *save = NULL;
		int ncol = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		for (char *tok = strtok_r(line, "\t", &save); tok && ncol < HLS_GOLDEN_COLS;
		     tok = strtok_r(NULL, "\t", &save))
			col[ncol++] = tok;
		assert_int_equal(ncol, HLS_GOLDEN_COLS);
		hls_golden_case(dir, col);
		cases++;
	}
	fclose(f);
	printf("# %u golden cases\n", cases);
	assert_true(cases > 0);
}

/* ------------------------------------------------------------------------ */
/* Block-circulant products                                                  */
/* ------------------------------------------------------------------------ */

static void hls_circ_base(struct circe_hw_desc_circ *d)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_CIRC;
	d->flags = CIRCE_HW_CIRC_BIAS | CIRCE_HW_CIRC_PER_BLOCK;
	d->k = 4;
	d->n_in = 10; /* q = 3 */
	d->n_out = 8;
	d->batch = 2;
	d->out_zp = -5;
	d->clamp_min = -128;
	d->clamp_max = 127;
	d->ldw = 12;
	d->ldx = 10;
	d->ldy = 8;
}

static void test_circ_check_each_reason(void **state)
{
	struct circe_hw_desc_circ d, t;
	static const uint32_t good_k[] = { 1, 2, 4, 8, 16 };

	(void)state;
	hls_circ_base(&d);
	assert_int_equal(circe_hls_circ_check(&d), 0);
#define CIRC_EXPECT(field_assign, reason)                           \
	do {                                                        \
		t = d;                                              \
		field_assign;                                       \
		assert_int_equal(circe_hls_circ_check(&t), reason); \
	} while (0)
	CIRC_EXPECT(t.opcode = CIRCE_HW_OP_GEMM, CIRCE_HW_ILL_OPCODE);
	CIRC_EXPECT(t.opcode = CIRCE_HW_OP_LSTM, CIRCE_HW_ILL_OPCODE);
	CIRC_EXPECT(t.flags |= 1u, CIRCE_HW_ILL_FLAGS); /* GEMM's INT4 bit */
	CIRC_EXPECT(t.flags |= 1u << 4, CIRCE_HW_ILL_FLAGS);
	CIRC_EXPECT(t.flags = 1u << 31, CIRCE_HW_ILL_FLAGS);
	CIRC_EXPECT(t.flags = CIRCE_HW_CIRC_FLAGS_ALL, CIRCE_HW_ILL_STRIDE); /* OUT16: ldy */
	CIRC_EXPECT((t.flags = CIRCE_HW_CIRC_FLAGS_ALL, t.ldy = 16), 0);
	for (uint32_t k = 0; k <= 33; k++) {
		bool good = false;

		for (size_t i = 0; i < sizeof(good_k) / sizeof(good_k[0]); i++)
			good |= k == good_k[i];
		/* n_out = 16 and strides that fit every good k */
		CIRC_EXPECT((t.k = k, t.n_out = 16, t.ldw = 16 * 16, t.ldy = 16),
			    good ? 0 : CIRCE_HW_ILL_DIMS);
	}
	CIRC_EXPECT(t.n_in = 0, CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT((t.n_in = CIRCE_HW_CIRC_MAX_IN + 1, t.ldx = t.ldw = t.n_in + 4),
		    CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT((t.n_in = CIRCE_HW_CIRC_MAX_IN, t.ldx = t.ldw = t.n_in), 0);
	CIRC_EXPECT(t.n_out = 0, CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT(t.n_out = 4, 0);
	CIRC_EXPECT(t.n_out = 6, CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT(t.n_out = 2, CIRCE_HW_ILL_DIMS); /* below k */
	CIRC_EXPECT((t.n_out = 65532, t.ldy = 65532), 0);
	CIRC_EXPECT((t.k = 1, t.n_out = 65536, t.ldy = 65536), CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT((t.k = 1, t.n_out = 65535, t.ldy = 65535), 0);
	CIRC_EXPECT(t.batch = 0, CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT(t.batch = CIRCE_HW_CIRC_MAX_BATCH + 1, CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT(t.batch = CIRCE_HW_CIRC_MAX_BATCH, 0);
	/* W rows hold q * k values: 12 for n_in = 10, k = 4 */
	CIRC_EXPECT(t.ldw = 11, CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT(t.ldw = 10, CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT(t.ldx = 9, CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT(t.ldy = 7, CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT((t.flags |= CIRCE_HW_CIRC_OUT16, t.ldy = 15), CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT((t.ldw = 1000, t.ldx = 1000, t.ldy = 1000), 0);
	CIRC_EXPECT(t.out_zp = 128, CIRCE_HW_ILL_ZERO_POINT);
	CIRC_EXPECT(t.out_zp = -129, CIRCE_HW_ILL_ZERO_POINT);
	CIRC_EXPECT((t.flags |= CIRCE_HW_CIRC_OUT16, t.ldy = 16, t.out_zp = -32768), 0);
	CIRC_EXPECT((t.flags |= CIRCE_HW_CIRC_OUT16, t.ldy = 16, t.out_zp = 32768),
		    CIRCE_HW_ILL_ZERO_POINT);
	CIRC_EXPECT((t.clamp_min = 3, t.clamp_max = 2), CIRCE_HW_ILL_CLAMP);
	CIRC_EXPECT((t.clamp_min = 3, t.clamp_max = 3), 0);
	CIRC_EXPECT(t.clamp_min = -129, CIRCE_HW_ILL_CLAMP);
	CIRC_EXPECT(t.clamp_max = 128, CIRCE_HW_ILL_CLAMP);
	CIRC_EXPECT((t.flags |= CIRCE_HW_CIRC_OUT16, t.ldy = 16, t.clamp_min = -32768,
		     t.clamp_max = 32767),
		    0);
	CIRC_EXPECT((t.flags |= CIRCE_HW_CIRC_OUT16, t.ldy = 16, t.clamp_max = 32768),
		    CIRCE_HW_ILL_CLAMP);
	/* order: with two faults the earlier reason wins */
	CIRC_EXPECT((t.opcode = 0, t.flags = 1), CIRCE_HW_ILL_OPCODE);
	CIRC_EXPECT((t.flags = 1, t.k = 3), CIRCE_HW_ILL_FLAGS);
	CIRC_EXPECT((t.k = 3, t.ldw = 0), CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT((t.n_out = 7, t.ldx = 0), CIRCE_HW_ILL_DIMS);
	CIRC_EXPECT((t.ldx = 0, t.out_zp = 1000), CIRCE_HW_ILL_STRIDE);
	CIRC_EXPECT((t.out_zp = 1000, t.clamp_min = 1000), CIRCE_HW_ILL_ZERO_POINT);
#undef CIRC_EXPECT
}

/* One random CIRC: device-layout buffers, and the reference's view: the
 * block-circulant matrix expanded to a dense [n_out][n_in] one, per-block
 * requant entries repeated per output. */
struct hls_circ_case {
	struct circe_hw_desc_circ d;
	int8_t *w, *x;
	int32_t *bias;
	struct circe_hw_requant *rq;
	uint8_t *y, *y_init;
	int8_t *dense;
	int32_t *m0, *shift, *y_ref;
};

static void hls_circ_case_free(struct hls_circ_case *c)
{
	free(c->w);
	free(c->x);
	free(c->bias);
	free(c->rq);
	free(c->y);
	free(c->y_init);
	free(c->dense);
	free(c->m0);
	free(c->shift);
	free(c->y_ref);
	memset(c, 0, sizeof(*c));
}

/* extreme: operands only -128 and 127 (the accumulator's largest terms). */
static void hls_circ_case_make(struct hls_circ_case *c, struct tu_rng *r, uint32_t k, uint32_t n_in,
			       uint32_t n_out, uint32_t batch, uint32_t flags, bool extreme)
{
	struct circe_hw_desc_circ *d = &c->d;
	bool out16 = flags & CIRCE_HW_CIRC_OUT16;
	uint32_t p = n_out / k, q = (n_in + k - 1) / k;
	size_t w_len, x_len, y_len;
	double typical;

	memset(c, 0, sizeof(*c));
	d->opcode = CIRCE_HW_OP_CIRC;
	d->flags = flags;
	d->k = k;
	d->n_in = n_in;
	d->n_out = n_out;
	d->batch = batch;
	d->ldw = q * k + (uint32_t)tu_rng_range(r, 0, 3);
	d->ldx = n_in + (uint32_t)tu_rng_range(r, 0, 5);
	d->ldy = n_out * (out16 ? 2u : 1u) + (uint32_t)tu_rng_range(r, 0, 3);
	d->out_zp = (int32_t)(out16 ? tu_rng_range(r, -3000, 3000) : tu_rng_range(r, -30, 30));
	d->clamp_min = out16 ? INT16_MIN : INT8_MIN;
	d->clamp_max = out16 ? INT16_MAX : INT8_MAX;
	if (tu_rng_range(r, 0, 3) == 0)
		d->clamp_min = d->out_zp; /* ReLU */
	assert_int_equal(circe_hls_circ_check(d), 0);

	w_len = (size_t)p * d->ldw;
	x_len = (size_t)batch * d->ldx;
	y_len = (size_t)batch * d->ldy;
	c->w = malloc(w_len);
	c->x = malloc(x_len);
	c->bias = malloc((size_t)n_out * sizeof(int32_t));
	c->rq = malloc((size_t)p * sizeof(*c->rq));
	c->y = malloc(y_len);
	c->y_init = malloc(y_len);
	c->dense = calloc((size_t)n_out * n_in, 1);
	c->m0 = malloc((size_t)n_out * sizeof(int32_t));
	c->shift = malloc((size_t)n_out * sizeof(int32_t));
	c->y_ref = malloc((size_t)batch * n_out * sizeof(int32_t));
	assert_true(c->w && c->x && c->bias && c->rq && c->y && c->y_init && c->dense && c->m0 &&
		    c->shift && c->y_ref);
	tu_rng_fill_i8(r, c->w, w_len, -128, 127);
	tu_rng_fill_i8(r, c->x, x_len, -128, 127);
	if (extreme) {
		for (size_t i = 0; i < w_len; i++)
			c->w[i] = c->w[i] < 0 ? -128 : 127;
		for (size_t i = 0; i < x_len; i++)
			c->x[i] = c->x[i] < 0 ? -128 : 127;
	}
	tu_rng_fill_i8(r, (int8_t *)c->y_init, y_len, -128, 127);
	memcpy(c->y, c->y_init, y_len);
	/* typical |acc|: 74^2 * sqrt(n_in) (128^2 n_in when extreme) */
	typical = extreme ? 16384.0 * n_in : 74.0 * 74.0 * sqrt((double)n_in);
	for (uint32_t i = 0; i < n_out; i++)
		c->bias[i] = (int32_t)tu_rng_range(r, -(int64_t)typical, (int64_t)typical);
	for (uint32_t i = 0; i < p; i++) {
		/* scale the typical accumulator to about the output range */
		double real = (out16 ? 8000.0 : 60.0) / typical * (0.5 + hls_rand_unit(r));

		assert_int_equal(ref_quantize_multiplier(real, &c->rq[i].m0, &c->rq[i].shift), 0);
	}
	for (uint32_t o = 0; o < n_out; o++) {
		uint32_t i = o / k, rr = o % k;
		struct circe_hw_requant e = c->rq[(flags & CIRCE_HW_CIRC_PER_BLOCK) ? i : 0];

		c->m0[o] = e.m0;
		c->shift[o] = e.shift;
		for (uint32_t col = 0; col < n_in; col++) {
			uint32_t j = col / k, cc = col % k;

			c->dense[(size_t)o * n_in + col] =
				c->w[(size_t)i * d->ldw + (size_t)j * k + ((rr + k - cc) % k)];
		}
	}
	/* the reference reads x densely: pack it */
	{
		int8_t *xd = malloc((size_t)batch * n_in);
		struct ref_gemm_case rc = {
			.m = batch,
			.k = n_in,
			.n = n_out,
			.a = xd,
			.w = c->dense,
			.bias = (flags & CIRCE_HW_CIRC_BIAS) ? c->bias : NULL,
			.m0 = c->m0,
			.shift = c->shift,
			.in_zp = 0,
			.out_zp = d->out_zp,
			.clamp_min = d->clamp_min,
			.clamp_max = d->clamp_max,
		};

		assert_non_null(xd);
		for (uint32_t b = 0; b < batch; b++)
			memcpy(xd + (size_t)b * n_in, c->x + (size_t)b * d->ldx, n_in);
		ref_gemm(&rc, c->y_ref);
		free(xd);
	}
}

/* Run the kernel; compare outputs with the reference and the gaps with
 * their initial bytes. Returns the number of outputs at a clamp bound. */
static unsigned hls_circ_case_run(struct hls_circ_case *c)
{
	struct circe_hw_desc_circ *d = &c->d;
	bool out16 = d->flags & CIRCE_HW_CIRC_OUT16;
	size_t esz = out16 ? 2 : 1;
	unsigned bad = 0, clamped = 0;

	circe_hls_circ(d, c->w, c->x, c->bias, c->rq, c->y);
	for (uint32_t b = 0; b < d->batch; b++) {
		const uint8_t *row = c->y + (size_t)b * d->ldy;
		const uint8_t *row0 = c->y_init + (size_t)b * d->ldy;

		for (uint32_t o = 0; o < d->n_out; o++) {
			int32_t got = out16 ? (int16_t)(row[2 * o] | row[2 * o + 1] << 8)
					    : (int8_t)row[o];
			int32_t want = c->y_ref[(size_t)b * d->n_out + o];

			clamped += want == d->clamp_min || want == d->clamp_max;
			if (got != want && bad++ < 8)
				print_error("b %u o %u: %d, ref %d\n", b, o, got, want);
		}
		for (size_t i = d->n_out * esz; i < d->ldy; i++)
			if (row[i] != row0[i] && bad++ < 8)
				print_error("b %u: gap byte %zu written\n", b, i);
	}
	if (bad)
		print_error("case k=%u n_in=%u n_out=%u batch=%u flags=0x%x out_zp=%d\n", d->k,
			    d->n_in, d->n_out, d->batch, d->flags, d->out_zp);
	assert_int_equal(bad, 0);
	return clamped;
}

static void test_circ_random(void **state)
{
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	struct tu_rng rng;
	struct hls_circ_case c;
	unsigned cases = 0, outputs = 0, clamped = 0;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls random circ", 13));
	/* every k with every flag combination, then random shapes */
	for (unsigned t = 0; t < 5 * 8 + 60; t++) {
		uint32_t k = t < 40 ? ks[t / 8] : ks[tu_rng_range(&rng, 0, 4)];
		uint32_t flags = (t < 40 ? t % 8 : (uint32_t)tu_rng_range(&rng, 0, 7)) << 1;
		uint32_t n_in = (uint32_t)tu_rng_range(&rng, 1, 200);
		uint32_t n_out = k * (uint32_t)tu_rng_range(&rng, 1, 160 / k + 1);
		uint32_t batch = (uint32_t)tu_rng_range(&rng, 1, 5);

		hls_circ_case_make(&c, &rng, k, n_in, n_out, batch, flags, t % 10 == 9);
		clamped += hls_circ_case_run(&c);
		outputs += batch * n_out;
		cases++;
		hls_circ_case_free(&c);
	}
	printf("# %u CIRC cases, %u outputs, %u at a clamp bound\n", cases, outputs, clamped);
	/* the scales keep most outputs inside the type */
	assert_true(clamped < outputs / 4);
}

/* Shapes at the edges: n_in = 1, n_in just below and above a multiple of
 * k, one block, k = n_out, the largest n_in with extreme operands (|acc| up
 * to 128^2 * 16384 = 2^28). */
static void test_circ_edges(void **state)
{
	static const uint32_t shapes[][3] = {
		/* k, n_in, n_out */
		{ 16, 1, 16 }, { 16, 15, 16 }, { 16, 17, 32 },	  { 8, 7, 8 },
		{ 8, 9, 8 },   { 4, 1, 4 },    { 2, 3, 2 },	  { 1, 1, 1 },
		{ 1, 37, 5 },  { 16, 16, 16 }, { 16, 16384, 16 }, { 4, 16383, 8 },
	};
	struct tu_rng rng;
	struct hls_circ_case c;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls circ edges", 17));
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (int extreme = 0; extreme < 2; extreme++) {
			uint32_t flags = (uint32_t)tu_rng_range(&rng, 0, 7) << 1;

			hls_circ_case_make(&c, &rng, shapes[i][0], shapes[i][1], shapes[i][2], 2,
					   flags, extreme);
			hls_circ_case_run(&c);
			hls_circ_case_free(&c);
		}
}

/* A hand case: k = 2, w = [1, 2 | 3, 4], x = [10, 20, 30] (q = 2, x[3] is
 * past n_in): circ([1,2]) = [[1,2],[2,1]], circ([3,4]) = [[3,4],[4,3]],
 * y0 = 1*10 + 2*20 + 3*30 = 140, y1 = 2*10 + 1*20 + 4*30 = 160; bias
 * [1, -1], multiplier 1/2 (m0 = 2^30, shift 0): 70.5 -> 71, 79.5 -> 80 (ties
 * away from zero after the doubling high multiply rounds to nearest). */
static void test_circ_hand(void **state)
{
	struct circe_hw_desc_circ d = {
		.opcode = CIRCE_HW_OP_CIRC,
		.flags = CIRCE_HW_CIRC_BIAS | CIRCE_HW_CIRC_OUT16,
		.k = 2,
		.n_in = 3,
		.n_out = 2,
		.batch = 1,
		.clamp_min = INT16_MIN,
		.clamp_max = INT16_MAX,
		.ldw = 4,
		.ldx = 3,
		.ldy = 4,
	};
	const int8_t w[] = { 1, 2, 3, 4 }, x[] = { 10, 20, 30 };
	const int32_t bias[] = { 1, -1 };
	const struct circe_hw_requant rq = { 1 << 30, 0 };
	uint8_t y[4];

	(void)state;
	circe_hls_circ(&d, w, x, bias, &rq, y);
	assert_int_equal((int16_t)(y[0] | y[1] << 8), 71);
	assert_int_equal((int16_t)(y[2] | y[3] << 8), 80);
	/* without bias, int8 with a clamp at 75 */
	d.flags = 0;
	d.clamp_min = -128;
	d.clamp_max = 75;
	d.ldy = 2;
	circe_hls_circ(&d, w, x, NULL, &rq, y);
	assert_int_equal((int8_t)y[0], 70);
	assert_int_equal((int8_t)y[1], 75);
}

static void test_circ_illegal_writes_nothing(void **state)
{
	struct circe_hw_desc_circ d;
	uint8_t y[64], want[64];

	(void)state;
	hls_circ_base(&d);
	d.n_out = 6;
	memset(y, 0x5A, sizeof(y));
	memset(want, 0x5A, sizeof(want));
	circe_hls_circ(&d, NULL, NULL, NULL, NULL, y);
	assert_memory_equal(y, want, sizeof(y));
}

/* ------------------------------------------------------------------------ */
/* The LSTM cell                                                             */
/* ------------------------------------------------------------------------ */

static double hls_sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* The committed tables are what tools/gen_act.c computes: f(i/32) in
 * Q0.15 rounded to nearest; checked here against libm within 1 LSB. */
static void test_act_tables(void **state)
{
	(void)state;
	for (unsigned i = 0; i < CIRCE_HLS_ACT_ENTRIES; i++) {
		double x = i / 32.0;
		double s = hls_sigmoid(x) * 32768.0, t = tanh(x) * 32768.0;

		if (s > 32767.0)
			s = 32767.0;
		if (t > 32767.0)
			t = 32767.0;
		assert_true(fabs(circe_hls_sigmoid_table[i] - s) <= 1.0);
		assert_true(fabs(circe_hls_tanh_table[i] - t) <= 1.0);
		if (i) {
			assert_true(circe_hls_sigmoid_table[i] >= circe_hls_sigmoid_table[i - 1]);
			assert_true(circe_hls_tanh_table[i] >= circe_hls_tanh_table[i - 1]);
		}
	}
	/* endpoints */
	assert_int_equal(circe_hls_sigmoid_table[0], 16384);
	assert_int_equal(circe_hls_tanh_table[0], 0);
	assert_int_equal(circe_hls_sigmoid_table[CIRCE_HLS_ACT_ENTRIES - 1], 32757); /* 0.99966 */
	assert_int_equal(circe_hls_tanh_table[CIRCE_HLS_ACT_ENTRIES - 1], 32767);    /* clamped */
	assert_int_equal(CIRCE_HLS_ACT_FRAC_BITS, 7);
}

/* Every Q3.12 input: exact properties, and the error against libm. */
static void test_act_all_inputs(void **state)
{
	double max_s = 0, max_t = 0;
	int16_t prev_s = 0, prev_t = 0;

	(void)state;
	for (int32_t v = INT16_MIN; v <= INT16_MAX; v++) {
		int16_t x = (int16_t)v;
		int16_t s = circe_hls_sigmoid_q12(x), t = circe_hls_tanh_q12(x);
		double es = fabs(s - hls_sigmoid(v / 4096.0) * 32768.0);
		double et = fabs(t - tanh(v / 4096.0) * 32768.0);

		if (v > INT16_MIN) {
			/* monotone */
			assert_true(s >= prev_s);
			assert_true(t >= prev_t);
			/* symmetric: sigmoid(-x) = 1 - sigmoid(x), tanh odd */
			assert_int_equal(s + circe_hls_sigmoid_q12((int16_t)-v), 32768);
			assert_int_equal(t, -circe_hls_tanh_q12((int16_t)-v));
		}
		/* ranges */
		assert_true(s >= 1); /* and <= 32767 by its type */
		assert_true(t >= -32767);
		/* grid points are the table entries */
		if (v >= 0 && (v & 127) == 0) {
			assert_int_equal(s, circe_hls_sigmoid_table[v >> 7]);
			assert_int_equal(t, circe_hls_tanh_table[v >> 7]);
		}
		max_s = es > max_s ? es : max_s;
		max_t = et > max_t ? et : max_t;
		prev_s = s;
		prev_t = t;
	}
	printf("# activations vs libm over all 65536 Q3.12 inputs: sigmoid %.2f LSB, tanh %.2f "
	       "LSB (Q0.15)\n",
	       max_s, max_t);
	/* table rounding (0.5) + linear interpolation at step 1/32 (max|f''|
	 * h^2 / 8: 0.77 / 8192 for tanh = 3.1 LSB) + the rounding of the
	 * interpolation (0.5) */
	assert_true(max_s <= 4.0);
	assert_true(max_t <= 4.0);
	/* hand values: sigmoid(1) = 0.731059 -> 23955, tanh(-1) = -0.761594 */
	assert_int_equal(circe_hls_sigmoid_q12(4096), 23955);
	assert_int_equal(circe_hls_tanh_q12(-4096), -24956);
	assert_int_equal(circe_hls_sigmoid_q12(0), 16384);
	assert_int_equal(circe_hls_tanh_q12(0), 0);
	assert_int_equal(circe_hls_sigmoid_q12(INT16_MIN),
			 32768 - circe_hls_sigmoid_q12(INT16_MAX));
}

static void hls_lstm_base(struct circe_hw_desc_lstm *d, uint32_t hidden)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_LSTM;
	d->hidden = hidden;
	d->h_zp = 3;
	d->h_rq = (struct circe_hw_requant){ 1 << 30, -22 }; /* Q0.30 * 2^-23: 1.0 -> 128 */
	d->gx_va = 0x1000;
	d->gh_va = 0x2000;
	d->c_in_va = 0x3000;
	d->c_out_va = 0x3000;
	d->h_va = 0x4001;
}

static void test_lstm_check(void **state)
{
	struct circe_hw_desc_lstm d, t;

	(void)state;
	hls_lstm_base(&d, 10);
	assert_int_equal(circe_hls_lstm_check(&d), 0);
#define LSTM_EXPECT(field_assign, reason)                           \
	do {                                                        \
		t = d;                                              \
		field_assign;                                       \
		assert_int_equal(circe_hls_lstm_check(&t), reason); \
	} while (0)
	LSTM_EXPECT(t.opcode = CIRCE_HW_OP_CIRC, CIRCE_HW_ILL_OPCODE);
	LSTM_EXPECT(t.flags = 2, CIRCE_HW_ILL_FLAGS);
	LSTM_EXPECT(t.flags = CIRCE_HW_LSTM_NO_GH, 0);
	LSTM_EXPECT(t.hidden = 0, CIRCE_HW_ILL_DIMS);
	LSTM_EXPECT(t.hidden = CIRCE_HW_LSTM_MAX_HIDDEN, 0);
	LSTM_EXPECT(t.hidden = CIRCE_HW_LSTM_MAX_HIDDEN + 1, CIRCE_HW_ILL_DIMS);
	LSTM_EXPECT(t.h_zp = 128, CIRCE_HW_ILL_ZERO_POINT);
	LSTM_EXPECT(t.h_zp = -128, 0);
	LSTM_EXPECT(t.h_rq.m0 = -1, CIRCE_HW_ILL_REQUANT);
	LSTM_EXPECT(t.h_rq.m0 = 0, 0);
	LSTM_EXPECT(t.h_rq.shift = 31, CIRCE_HW_ILL_REQUANT);
	LSTM_EXPECT(t.h_rq.shift = -32, CIRCE_HW_ILL_REQUANT);
	LSTM_EXPECT(t.h_rq.shift = 30, 0);
	LSTM_EXPECT(t.gx_va |= 1, CIRCE_HW_ILL_ALIGN);
	LSTM_EXPECT(t.gh_va |= 1, CIRCE_HW_ILL_ALIGN);
	LSTM_EXPECT((t.gh_va |= 1, t.flags = CIRCE_HW_LSTM_NO_GH), 0);
	LSTM_EXPECT(t.c_in_va |= 1, CIRCE_HW_ILL_ALIGN);
	LSTM_EXPECT(t.c_out_va |= 1, CIRCE_HW_ILL_ALIGN);
	LSTM_EXPECT(t.h_va |= 2, 0); /* int8: any alignment */
	/* order */
	LSTM_EXPECT((t.opcode = 0, t.flags = 2), CIRCE_HW_ILL_OPCODE);
	LSTM_EXPECT((t.flags = 2, t.hidden = 0), CIRCE_HW_ILL_FLAGS);
	LSTM_EXPECT((t.hidden = 0, t.h_zp = 200), CIRCE_HW_ILL_DIMS);
	LSTM_EXPECT((t.h_zp = 200, t.h_rq.m0 = -1), CIRCE_HW_ILL_ZERO_POINT);
	LSTM_EXPECT((t.h_rq.m0 = -1, t.gx_va = 1), CIRCE_HW_ILL_REQUANT);
#undef LSTM_EXPECT
}

/* One unit in double precision from the same integer inputs: exact
 * activations, no intermediate rounding. c_ref in Q4.11 units (saturated),
 * h_ref before rounding (clamped). */
static void hls_lstm_ref(const struct circe_hw_desc_lstm *d, const int16_t pre[4], int16_t c,
			 double *c_ref, double *h_ref)
{
	double i = hls_sigmoid(pre[0] / 4096.0), f = hls_sigmoid(pre[1] / 4096.0);
	double g = tanh(pre[2] / 4096.0), o = hls_sigmoid(pre[3] / 4096.0);
	double cn = f * (c / 2048.0) + i * g;
	double mult = d->h_rq.m0 / 2147483648.0 * pow(2.0, d->h_rq.shift);
	double h;

	cn = cn * 2048.0;
	cn = cn > 32767 ? 32767 : (cn < -32768 ? -32768 : cn);
	h = d->h_zp + o * tanh(cn / 2048.0) * 1073741824.0 * mult;
	*c_ref = cn;
	*h_ref = h > 127 ? 127 : (h < -128 ? -128 : h);
}

static void test_lstm_vs_double(void **state)
{
	enum { N = 4096 };
	struct tu_rng rng;
	struct circe_hw_desc_lstm d;
	int16_t *gx = malloc(8 * N), *gh = malloc(8 * N), *c = malloc(2 * N), *cn = malloc(2 * N);
	int8_t *h = malloc(N);
	double max_c = 0, max_h = 0, sum_c = 0;

	(void)state;
	assert_true(gx && gh && c && cn && h);
	tu_rng_init(&rng, tu_seed("test_hls lstm", 19));
	for (int round = 0; round < 8; round++) {
		hls_lstm_base(&d, N);
		d.flags = round & 1 ? CIRCE_HW_LSTM_NO_GH : 0;
		d.h_zp = (int32_t)tu_rng_range(&rng, -20, 20);
		/* 1.0 in Q0.30 -> 64..256 int8 steps: some saturate */
		d.h_rq.m0 = (int32_t)tu_rng_range(&rng, 1 << 30, INT32_MAX);
		d.h_rq.shift = (int32_t)tu_rng_range(&rng, -24, -22);
		for (size_t i = 0; i < 4 * N; i++) {
			/* pre-activations mostly in [-6, 6], the cell in [-12, 12] */
			gx[i] = (int16_t)tu_rng_range(&rng, -16384, 16384);
			gh[i] = (int16_t)tu_rng_range(&rng, -8192, 8192);
		}
		for (size_t i = 0; i < N; i++)
			c[i] = (int16_t)tu_rng_range(&rng, -24576, 24576);
		circe_hls_lstm(&d, gx, gh, c, cn, h);
		for (size_t j = 0; j < N; j++) {
			int16_t pre[4];
			double c_ref, h_ref, ec, eh;

			for (int g = 0; g < 4; g++) {
				int32_t s = gx[g * N + j] + (d.flags ? 0 : gh[g * N + j]);

				pre[g] = (int16_t)(s > 32767 ? 32767 : (s < -32768 ? -32768 : s));
			}
			hls_lstm_ref(&d, pre, c[j], &c_ref, &h_ref);
			ec = fabs(cn[j] - c_ref);
			eh = fabs(h[j] - h_ref);
			sum_c += ec * ec;
			max_c = ec > max_c ? ec : max_c;
			max_h = eh > max_h ? eh : max_h;
		}
	}
	printf("# LSTM vs double (%d units): c max %.2f LSB (rms %.2f) of Q4.11, h max %.2f LSB\n",
	       8 * N, max_c, sqrt(sum_c / (8.0 * N)), max_h);
	/* c: |f c| error <= |c| 4/32768 (<= 2 LSB at |c| <= 12) + i g
	 * error (about 0.5 LSB) + two rounding shifts (1) */
	assert_true(max_c <= 4.0);
	/* h: one rounding (0.5) plus the propagated activation and cell
	 * errors (a few hundredths at these scales) */
	assert_true(max_h <= 1.0);
	free(h);
	free(cn);
	free(c);
	free(gh);
	free(gx);
}

/* Exact properties of the cell: saturation of the pre-activations, of the
 * cell and of h; NO_GH equals gh = 0; in place equals out of place. */
static void test_lstm_exact(void **state)
{
	struct circe_hw_desc_lstm d;
	int16_t gx[4 * 4], gh[4 * 4], zero[4 * 4] = { 0 }, c[4], cn[4], cn2[4];
	int8_t h[4], h2[4];

	(void)state;
	hls_lstm_base(&d, 4);
	/* unit 0: everything at +max: f c = 32767 * 32757 / 32768 = 32756,
	 * i g = 32757 * 32767 / 2^19 = 2047: the sum saturates */
	/* unit 1: the mirror: c = -32768, g at -max */
	/* unit 2: gx + gh overflows int16 and saturates to the same result
	 * as unit 0 */
	/* unit 3: all zero: c' = 0.5 * 0 + 0.5 * 0 = 0, h = h_zp */
	for (int g = 0; g < 4; g++) {
		gx[g * 4 + 0] = 32767, gh[g * 4 + 0] = 0;
		gx[g * 4 + 1] = g == 2 ? -32768 : 32767, gh[g * 4 + 1] = 0;
		gx[g * 4 + 2] = 20000, gh[g * 4 + 2] = 20000;
		gx[g * 4 + 3] = 0, gh[g * 4 + 3] = 0;
	}
	c[0] = 32767, c[1] = -32768, c[2] = 32767, c[3] = 0;
	circe_hls_lstm(&d, gx, gh, c, cn, h);
	assert_int_equal(cn[0], 32767);
	assert_int_equal(cn[1], -32768);
	assert_int_equal(cn[2], 32767);
	assert_int_equal(cn[3], 0);
	/* o * tanh(16 -> 8 saturated) = 32757 * 32767 ~ 1.0 Q0.30 -> 128 + 3:
	 * clamped to 127; the mirror: -128 + 3 = -125 */
	assert_int_equal(h[0], 127);
	assert_int_equal(h[2], 127);
	assert_int_equal(h[1], -125);
	assert_int_equal(h[3], 3);
	/* hand-computed small case: pre = 0 everywhere, c = 2048 (1.0):
	 * f c = 16384 * 2048 / 2^15 = 1024, i g = 0: c' = 1024 (0.5);
	 * tanh(0.5) from Q3.12 2048: i = 16, T[16] = 15143 (tanh 0.5 =
	 * 0.462117); o * tanh = 16384 * 15143 = 248102912 (Q0.30 0.2311);
	 * * 2^-23 = 29.58 -> 30, + h_zp 3 = 33 */
	memset(gx, 0, sizeof(gx));
	memset(gh, 0, sizeof(gh));
	c[0] = 2048;
	hls_lstm_base(&d, 1);
	circe_hls_lstm(&d, gx, gh, c, cn, h);
	assert_int_equal(cn[0], 1024);
	assert_int_equal(circe_hls_tanh_table[16], 15143);
	assert_int_equal(h[0], 3 + 30);
	/* NO_GH equals gh = 0, in place equals out of place */
	for (int i = 0; i < 16; i++)
		gx[i] = (int16_t)(i * 3001 - 20000), gh[i] = (int16_t)(i * 977);
	for (int i = 0; i < 4; i++)
		c[i] = (int16_t)(i * 9000 - 15000);
	hls_lstm_base(&d, 4);
	d.flags = CIRCE_HW_LSTM_NO_GH;
	circe_hls_lstm(&d, gx, gh, c, cn, h);
	d.flags = 0;
	circe_hls_lstm(&d, gx, zero, c, cn2, h2);
	assert_memory_equal(cn, cn2, sizeof(cn));
	assert_memory_equal(h, h2, sizeof(h));
	memcpy(cn2, c, sizeof(c));
	circe_hls_lstm(&d, gx, zero, cn2, cn2, h2);
	assert_memory_equal(cn, cn2, sizeof(cn));
	/* an illegal descriptor writes nothing */
	memset(h2, 0x5A, sizeof(h2));
	memcpy(cn2, c, sizeof(c));
	d.h_zp = 300;
	circe_hls_lstm(&d, gx, gh, c, cn2, h2);
	assert_memory_equal(cn2, c, sizeof(c));
	for (int i = 0; i < 4; i++)
		assert_int_equal((uint8_t)h2[i], 0x5A);
}

/* ------------------------------------------------------------------------ */
/* Block-circulant products by FFT (the C-LSTM comparison)                  */
/* ------------------------------------------------------------------------ */

/* The FFT form's int32 accumulators against the direct form's on random
 * int8 data: max abs and RMS error, relative to the RMS and the largest
 * |accumulator|. The table in docs/numerics.md is this output. */
static void test_circ_fft_error(void **state)
{
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	static const uint32_t n_ins[] = { 64, 500, 4096, 16384 };
	const uint32_t n_out = 64, vectors = 16;
	struct tu_rng rng;

	(void)state;
	tu_rng_init(&rng, tu_seed("test_hls circ fft", 23));
	printf("# | k | n_in | max abs err | RMS err | RMS acc | max abs acc | RMS err / RMS acc | "
	       "max err / max acc |\n");
	for (size_t a = 0; a < sizeof(ks) / sizeof(ks[0]); a++) {
		for (size_t b = 0; b < sizeof(n_ins) / sizeof(n_ins[0]); b++) {
			uint32_t k = ks[a], n_in = n_ins[b], p = n_out / k;
			uint32_t q = (n_in + k - 1) / k, ldw = q * k + 3;
			int8_t *w = malloc((size_t)p * ldw), *x = malloc(n_in);
			struct circe_hls_cplx16 *wf = malloc(sizeof(*wf) * p * q * k);
			int32_t bias[64], ad[64], af[64], af0[64];
			double max_e = 0, sum_e = 0, sum_a = 0, max_a = 0;

			assert_true(w && x && wf);
			tu_rng_fill_i8(&rng, w, (size_t)p * ldw, -128, 127);
			assert_int_equal(circe_hls_circ_fft_weights(k, p, q, w, ldw, wf), 0);
			for (uint32_t t = 0; t < vectors; t++) {
				tu_rng_fill_i8(&rng, x, n_in, -128, 127);
				if (t == 0) /* one vector at the extremes */
					for (uint32_t i = 0; i < n_in; i++)
						x[i] = x[i] < 0 ? -128 : 127;
				for (uint32_t o = 0; o < n_out; o++)
					bias[o] = (int32_t)tu_rng_range(&rng, -100000, 100000);
				circe_hls_circ_acc(k, n_in, n_out, w, ldw, x, NULL, ad);
				assert_int_equal(
					circe_hls_circ_fft(k, n_in, n_out, wf, x, NULL, af0), 0);
				/* the bias is added after the IFFT: exactly */
				assert_int_equal(
					circe_hls_circ_fft(k, n_in, n_out, wf, x, bias, af), 0);
				for (uint32_t o = 0; o < n_out; o++) {
					double e = fabs((double)af0[o] - ad[o]);

					assert_int_equal(af[o], af0[o] + bias[o]);
					max_e = e > max_e ? e : max_e;
					sum_e += e * e;
					sum_a += (double)ad[o] * ad[o];
					max_a = fabs((double)ad[o]) > max_a ? fabs((double)ad[o])
									    : max_a;
				}
			}
			printf("# | %u | %u | %.0f | %.1f | %.0f | %.0f | %.2e | %.2e |\n", k, n_in,
			       max_e, sqrt(sum_e / (vectors * n_out)),
			       sqrt(sum_a / (vectors * n_out)), max_a, sqrt(sum_e / sum_a),
			       max_e / max_a);
			/* k <= 2: twiddles +-1, every scaling exact; k = 4:
			 * twiddles +-1, +-i, and the spectra are multiples of
			 * 2^11, so the product shift (s <= 11) is exact too */
			if (k <= 2 || (k == 4 && q <= 2048))
				assert_true(max_e == 0);
			/* the stated bound for k = 8, 16 (measured about 2.5e-4
			 * RMS and 2e-4 max at k = 16) */
			assert_true(sqrt(sum_e / sum_a) <= 1e-3);
			assert_true(max_e <= 1e-3 * max_a);
			free(wf);
			free(x);
			free(w);
		}
	}
}

/* A hand case: k = 4, one block, w = e_1 (a one at lag 1) shifts x
 * cyclically by one: y = [x3, x0, x1, x2]; the FFT form gets it exactly. */
static void test_circ_fft_hand(void **state)
{
	const int8_t w[4] = { 0, 1, 0, 0 }, x[4] = { 10, -20, 30, -128 };
	struct circe_hls_cplx16 wf[4];
	int32_t acc[4], accd[4];

	(void)state;
	assert_int_equal(circe_hls_circ_fft_weights(4, 1, 1, w, 4, wf), 0);
	/* FFT(e_1)[m] = exp(-2 pi i m / 4) * 2^(8 - 2) */
	assert_int_equal(wf[0].re, 64);
	assert_int_equal(wf[1].im, -64);
	assert_int_equal(wf[2].re, -64);
	assert_int_equal(wf[3].im, 64);
	assert_int_equal(circe_hls_circ_fft(4, 4, 4, wf, x, NULL, acc), 0);
	circe_hls_circ_acc(4, 4, 4, w, 4, x, NULL, accd);
	assert_int_equal(accd[0], -128);
	assert_int_equal(accd[1], 10);
	assert_int_equal(accd[2], -20);
	assert_int_equal(accd[3], 30);
	assert_memory_equal(acc, accd, sizeof(acc));
	/* bad k */
	assert_int_equal(circe_hls_circ_fft_weights(3, 1, 1, w, 4, wf), CIRCE_HW_ILL_DIMS);
	assert_int_equal(circe_hls_circ_fft(32, 4, 32, wf, x, NULL, acc), CIRCE_HW_ILL_DIMS);
	assert_int_equal(circe_hls_circ_fft(4, 4, 6, wf, x, NULL, acc), CIRCE_HW_ILL_DIMS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srdhm_hand),
		cmocka_unit_test(test_rounding_divide_hand),
		cmocka_unit_test(test_requantize_hand),
		cmocka_unit_test(test_requantize_out_of_range),
		cmocka_unit_test(test_quantize_multiplier_hand),
		cmocka_unit_test(test_requantize_sweep),
		cmocka_unit_test(test_int4_get),
		cmocka_unit_test_setup_teardown(test_gemm_check_each_reason, hls_setup_desc,
						hls_teardown_desc),
		cmocka_unit_test_setup_teardown(test_gemm_check_order, hls_setup_desc,
						hls_teardown_desc),
		cmocka_unit_test(test_gemm_hand),
		cmocka_unit_test(test_gemm_out_zp_wraps),
		cmocka_unit_test_setup_teardown(test_gemm_illegal_writes_nothing, hls_setup_desc,
						hls_teardown_desc),
		cmocka_unit_test(test_gemm_tile_fn),
		cmocka_unit_test(test_gemm_tile_edges),
		cmocka_unit_test(test_gemm_max_k),
		cmocka_unit_test(test_gemm_random),
		cmocka_unit_test(test_gemm_golden),
		cmocka_unit_test(test_circ_check_each_reason),
		cmocka_unit_test(test_circ_hand),
		cmocka_unit_test(test_circ_illegal_writes_nothing),
		cmocka_unit_test(test_circ_random),
		cmocka_unit_test(test_circ_edges),
		cmocka_unit_test(test_act_tables),
		cmocka_unit_test(test_act_all_inputs),
		cmocka_unit_test(test_lstm_check),
		cmocka_unit_test(test_lstm_exact),
		cmocka_unit_test(test_lstm_vs_double),
		cmocka_unit_test(test_circ_fft_hand),
		cmocka_unit_test(test_circ_fft_error),
	};

	return cmocka_run_group_tests_name("hls", tests, NULL, NULL);
}
