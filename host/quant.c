/* SPDX-License-Identifier: Apache-2.0 */
/* Quantization helpers: the fixed-point multiplier of a real scale ratio and
 * int4 weight packing. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"

int circe_quantize_multiplier(double real, int32_t *m0, int32_t *shift)
{
	int64_t q_fixed;
	double q;
	int e = 0;

	if (!m0 || !shift)
		return circe_err(-EINVAL, "quantize multiplier: NULL output pointer");
	if (isnan(real) || isinf(real))
		return circe_err(-EINVAL, "quantize multiplier: real multiplier %g is not finite",
				 real);
	if (real < 0)
		return circe_err(-EINVAL, "quantize multiplier: real multiplier %g is negative",
				 real);
	if (real == 0) {
		*m0 = 0;
		*shift = 0;
		return 0;
	}
	/* TFLite's QuantizeMultiplier step by step, including the order of the
	 * carry (q rounding up to 1.0) and the flush of tiny values, so that
	 * edge cases agree with models quantized by TFLite. */
	q = frexp(real, &e);
	q_fixed = (int64_t)round(q * (double)(1ll << 31));
	if (q_fixed == (1ll << 31)) {
		q_fixed /= 2;
		e++;
	}
	if (e < -31) {
		e = 0;
		q_fixed = 0;
	}
	if (e > CIRCE_HW_REQUANT_SHIFT_MAX)
		return circe_err(-ERANGE,
				 "quantize multiplier: real multiplier %g needs shift %d, above 30",
				 real, e);
	*m0 = (int32_t)q_fixed;
	*shift = e;
	return 0;
}

int circe_int4_pack(const int8_t *src, size_t rows, size_t k, uint8_t *dst)
{
	size_t row_bytes = (k + 1) / 2;

	if ((!src || !dst) && rows && k)
		return circe_err(-EINVAL, "int4 pack: NULL %s", src ? "destination" : "source");
	/* Check everything first so that dst is untouched on error. */
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < k; c++) {
			int v = src[r * k + c];

			if (v < -8 || v > 7)
				return circe_err(
					-ERANGE,
					"int4 pack: value %d at row %zu, col %zu is outside "
					"[-8, 7]",
					v, r, c);
		}
	}
	for (size_t r = 0; r < rows; r++) {
		const int8_t *s = src + r * k;
		uint8_t *d = dst + r * row_bytes;

		for (size_t b = 0; b < row_bytes; b++) {
			unsigned lo = (unsigned)s[2 * b] & 0xFu;
			unsigned hi = 2 * b + 1 < k ? (unsigned)s[2 * b + 1] & 0xFu : 0u;

			d[b] = (uint8_t)(lo | (hi << 4));
		}
	}
	return 0;
}
