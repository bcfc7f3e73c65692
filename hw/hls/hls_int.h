/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two's-complement helpers for the HLS kernels, written so that native
 * builds have neither undefined nor implementation-defined behavior: signed
 * overflow never happens (sums wrap in uint32_t), and no negative value is
 * shifted or converted from an out-of-range unsigned value.
 */
#ifndef CIRCE_HLS_INT_H
#define CIRCE_HLS_INT_H

#include <stdint.h>

/* The int32_t whose two's-complement bit pattern is u. The branch is what C
 * needs to stay portable; compilers turn it into a plain move. */
static inline int32_t circe_hls_wrap32(uint32_t u)
{
	if (u <= (uint32_t)INT32_MAX)
		return (int32_t)u;
	return (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* Arithmetic (flooring) right shift, e in [0, 31]. For x < 0, ~x = -x - 1 is
 * non-negative, and floor(x / 2^e) = ~(~x >> e). */
static inline int32_t circe_hls_asr32(int32_t x, uint32_t e)
{
	return x >= 0 ? x >> e : ~(~x >> e);
}

static inline int32_t circe_hls_add32(int32_t a, int32_t b)
{
	return circe_hls_wrap32((uint32_t)a + (uint32_t)b);
}

static inline int32_t circe_hls_clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

#endif
