/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Independent reference of circe's quantized GEMM, written from the
 * definition (docs/numerics.md) with 64-bit arithmetic and no code shared
 * with hw/hls, so that tests compare two implementations, not one with
 * itself.
 */
#ifndef CIRCE_TESTS_REF_GEMM_H
#define CIRCE_TESTS_REF_GEMM_H

#include <stddef.h>
#include <stdint.h>

struct ref_gemm_case {
	size_t m, k, n;
	const int8_t *a;      /* [m][k] */
	const int8_t *w;      /* [n][k] unpacked values (int4 cases: in [-8, 7]) */
	const int32_t *bias;  /* [n] or NULL */
	const int32_t *m0;    /* [n] */
	const int32_t *shift; /* [n] */
	int32_t in_zp, out_zp, clamp_min, clamp_max;
};

/* y[m][n]: the clamped output values. */
void ref_gemm(const struct ref_gemm_case *c, int32_t *y);
int32_t ref_requantize(int32_t acc, int32_t m0, int32_t shift);
/* 0, -EINVAL (negative/NaN/inf), -ERANGE (shift > 30). */
int ref_quantize_multiplier(double real, int32_t *m0, int32_t *shift);

#endif
