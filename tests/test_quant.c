/* SPDX-License-Identifier: Apache-2.0 */
/* host/quant.c: circe_quantize_multiplier against hand-worked cases and the
 * independent reference, and int4 packing. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "tests/support/ref_gemm.h"
#include "tests/support/testutil.h"

#define TWO_30 (1 << 30)

static void expect_mult(double real, int32_t m0, int32_t shift)
{
	int32_t got_m0 = 12345, got_shift = 12345;

	assert_int_equal(circe_quantize_multiplier(real, &got_m0, &got_shift), 0);
	if (got_m0 != m0 || got_shift != shift)
		fail_msg("real %.17g: got (%d, %d), expected (%d, %d)", real, got_m0, got_shift, m0,
			 shift);
}

static void expect_mult_err(double real, int err, const char *needle)
{
	int32_t m0 = 77, shift = 88;

	assert_int_equal(circe_quantize_multiplier(real, &m0, &shift), err);
	assert_non_null(strstr(circe_errmsg(), needle));
	/* Outputs untouched on error. */
	assert_int_equal(m0, 77);
	assert_int_equal(shift, 88);
}

static void test_quant_hand_cases(void **state)
{
	(void)state;
	expect_mult(1.0, TWO_30, 1);
	expect_mult(0.5, TWO_30, 0);
	expect_mult(0.75, 3 * (1 << 29), 0);
	expect_mult(0.25, TWO_30, -1);
	expect_mult(2.0, TWO_30, 2);
	expect_mult(0x1p29, TWO_30, 30); /* largest shift the device takes */
	expect_mult(0.0, 0, 0);
	expect_mult(-0.0, 0, 0);
	/* q * 2^31 = 2^31 - 1/4 rounds to 2^31: carry into the exponent. */
	expect_mult(1.0 - 0x1p-33, TWO_30, 1);
	expect_mult(0x1p-10 * (1.0 - 0x1p-33), TWO_30, -9);
	/* Exactly half way between two m0 values: away from zero (up). */
	expect_mult((double)(TWO_30 + 5) / 0x1p31 + 0x1p-32, TWO_30 + 6, 0);
	expect_mult((double)(TWO_30 + 5) / 0x1p31 + 0x1p-32 - 0x1p-45, TWO_30 + 5, 0);
	/* Tiny values: 2^-32 is the last one kept, anything below flushes. */
	expect_mult(0x1p-32, TWO_30, -31);
	expect_mult(0x1p-33, 0, 0);
	expect_mult(0x1p-40, 0, 0);
	expect_mult(4.9e-324, 0, 0);
	/* Just below 2^-32 but rounding up to it: the carry happens before the
	 * flush, as in TFLite. */
	expect_mult(0x1p-32 * (1.0 - 0x1p-40), TWO_30, -31);
	expect_mult(0x1p-32 * (1.0 - 0x1p-20), 0, 0);
}

static void test_quant_errors(void **state)
{
	int32_t m0, shift;

	(void)state;
	expect_mult_err(0x1p30, -ERANGE, "shift 31");
	expect_mult_err(1e300, -ERANGE, "above 30");
	/* Rounds up to 2^30 and so needs shift 31. */
	expect_mult_err(0x1p30 * (1.0 - 0x1p-40), -ERANGE, "shift 31");
	expect_mult_err(-1.0, -EINVAL, "negative");
	expect_mult_err(-1e-300, -EINVAL, "negative");
	expect_mult_err(NAN, -EINVAL, "not finite");
	expect_mult_err(INFINITY, -EINVAL, "not finite");
	expect_mult_err(-INFINITY, -EINVAL, "not finite");
	assert_int_equal(circe_quantize_multiplier(1.0, NULL, &shift), -EINVAL);
	assert_int_equal(circe_quantize_multiplier(1.0, &m0, NULL), -EINVAL);
}

/* Compare with the reference (a frexp-free derivation) on reals spread over
 * every exponent the device can take and some beyond, plus values close to
 * the rounding boundaries. */
static void test_quant_matches_reference(void **state)
{
	struct tu_rng rng;
	int mismatches = 0;

	(void)state;
	tu_rng_init(&rng, tu_seed("quant_reference", 20240601));
	for (int i = 0; i < 200000; i++) {
		int e = (int)tu_rng_range(&rng, -40, 33);
		double mant = 0.5 + (double)(tu_rng_u64(&rng) >> 11) * 0x1p-54;
		double real;
		int32_t m0 = 0, shift = 0, rm0 = 0, rshift = 0;
		int err, rerr;

		switch (i % 4) {
		case 0: /* near a tie of q * 2^31 */
			mant = (floor(mant * 0x1p31) + 0.5) / 0x1p31;
			break;
		case 1: /* near the carry to 1.0 */
			mant = 1.0 - (double)tu_rng_range(&rng, 1, 1 << 12) * 0x1p-53;
			break;
		default:
			break;
		}
		real = ldexp(mant, e);
		err = circe_quantize_multiplier(real, &m0, &shift);
		rerr = ref_quantize_multiplier(real, &rm0, &rshift);
		if (err != rerr || (!err && (m0 != rm0 || shift != rshift))) {
			if (mismatches++ < 10)
				print_error("real %.17g (%a): circe %d (%d, %d), reference %d "
					    "(%d, %d)\n",
					    real, real, err, m0, shift, rerr, rm0, rshift);
		}
		if (!err && m0 && (m0 < TWO_30 || shift < -31 || shift > 30))
			fail_msg("real %a: m0 %d shift %d out of the device's range", real, m0,
				 shift);
	}
	assert_int_equal(mismatches, 0);
}

/* Element c of a packed row, decoded from the layout hw.h documents. */
static int int4_get(const uint8_t *row, size_t c)
{
	unsigned nib = (row[c / 2] >> ((c % 2) * 4)) & 0xFu;

	return nib >= 8 ? (int)nib - 16 : (int)nib;
}

static void test_int4_round_trip(void **state)
{
	struct tu_rng rng;
	int8_t src[13 * 9];
	uint8_t dst[13 * 5];

	(void)state;
	tu_rng_init(&rng, tu_seed("int4", 7));
	for (size_t k = 1; k <= 9; k++) {
		size_t rows = 13, rb = (k + 1) / 2;

		tu_rng_fill_i8(&rng, src, rows * k, -8, 7);
		src[0] = -8;
		src[rows * k - 1] = 7;
		memset(dst, 0xAA, sizeof(dst));
		assert_int_equal(circe_int4_pack(src, rows, k, dst), 0);
		for (size_t r = 0; r < rows; r++) {
			for (size_t c = 0; c < k; c++)
				assert_int_equal(int4_get(dst + r * rb, c), src[r * k + c]);
			/* The unused high nibble of an odd row is zero. */
			if (k % 2)
				assert_int_equal(dst[r * rb + rb - 1] >> 4, 0);
		}
		/* Nothing written beyond rows * rb. */
		for (size_t i = rows * rb; i < sizeof(dst); i++)
			assert_int_equal(dst[i], 0xAA);
	}
}

static void test_int4_layout(void **state)
{
	const int8_t src[2][3] = { { 1, -1, 7 }, { -8, 0, -2 } };
	uint8_t dst[4] = { 0 };

	(void)state;
	assert_int_equal(circe_int4_pack(&src[0][0], 2, 3, dst), 0);
	assert_int_equal(dst[0], 0xF1); /* k=0 low nibble, k=1 high nibble */
	assert_int_equal(dst[1], 0x07);
	assert_int_equal(dst[2], 0x08);
	assert_int_equal(dst[3], 0x0E);
}

static void test_int4_range(void **state)
{
	int8_t src[3][4] = { { 0 } };
	uint8_t dst[3 * 2];

	(void)state;
	src[2][1] = 8;
	memset(dst, 0x55, sizeof(dst));
	assert_int_equal(circe_int4_pack(&src[0][0], 3, 4, dst), -ERANGE);
	assert_non_null(strstr(circe_errmsg(), "row 2, col 1"));
	assert_non_null(strstr(circe_errmsg(), "8"));
	for (size_t i = 0; i < sizeof(dst); i++)
		assert_int_equal(dst[i], 0x55);
	src[2][1] = -9;
	assert_int_equal(circe_int4_pack(&src[0][0], 3, 4, dst), -ERANGE);
	assert_non_null(strstr(circe_errmsg(), "-9"));
	src[2][1] = 0;
	assert_int_equal(circe_int4_pack(NULL, 3, 4, dst), -EINVAL);
	assert_int_equal(circe_int4_pack(&src[0][0], 3, 4, NULL), -EINVAL);
	/* Nothing to pack: no pointer needed. */
	assert_int_equal(circe_int4_pack(NULL, 0, 4, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quant_hand_cases),
		cmocka_unit_test(test_quant_errors),
		cmocka_unit_test(test_quant_matches_reference),
		cmocka_unit_test(test_int4_round_trip),
		cmocka_unit_test(test_int4_layout),
		cmocka_unit_test(test_int4_range),
	};

	return cmocka_run_group_tests_name("quant", tests, NULL, NULL);
}
