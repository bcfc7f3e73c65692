/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block-circulant products by FFT, in the manner of C-LSTM (Wang et al.,
 * FPGA 2018): circ(w) x is the circular convolution of w and x, so block
 * row i of the product is IFFT(sum_j FFT(w_ij) . FFT(x_j)). The weights'
 * spectra are computed once; per input vector each x_j is transformed once,
 * the products accumulate in the frequency domain, and each output block
 * takes one IFFT. All fixed point; docs/numerics.md ("Block-circulant
 * products by FFT") has the scaling and the measured error against the
 * direct form (circ.c), which is what the device computes.
 *
 * Scaling, for k = 2^lg:
 *   X_j  = FFT(x_j * 2^7) / k           int16, lg scaled radix-2 stages
 *   W_ij = FFT(w_ij) * 2^(8 - lg)       int16, |FFT(w)| <= 128 k
 *   A_i  = sum_j RDivPOT(W_ij . X_j, s) int32, s = ceil(log2 q)
 *   y_i  = IFFT(A_i) (scaled, so / k)   int32, = (C x)_i * 2^(15 - 2 lg - s)
 * and the result is y_i shifted by 2 lg + s - 15 (right, rounding, when
 * negative), plus the bias. |W . X| <= 2^15 * 2^14 bounds every
 * accumulator below 2^30.
 */
#include <stddef.h>

#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

#define CIRCE_HLS_FFT_KMAX 16u

struct circe_hls_cplx32 {
	int32_t re, im;
};

/* exp(-2 pi i m / 16) for m < 8, Q14: cos(pi/8) = 0.92388 -> 15137,
 * sin(pi/8) = 0.38268 -> 6270, cos(pi/4) = 0.70711 -> 11585. */
static const struct circe_hls_cplx16 circe_hls_fft_tw[CIRCE_HLS_FFT_KMAX / 2] = {
	{ 16384, 0 },  { 15137, -6270 },  { 11585, -11585 },  { 6270, -15137 },
	{ 0, -16384 }, { -6270, -15137 }, { -11585, -11585 }, { -15137, -6270 },
};

static int circe_hls_fft_log2(uint32_t k)
{
	switch (k) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 2;
	case 8:
		return 3;
	case 16:
		return 4;
	default:
		return -1;
	}
}

/* RoundingDivideByPOT on int64 (ties away from zero), e in [0, 62]. */
static int64_t circe_hls_rdp64(int64_t x, uint32_t e)
{
	uint64_t mask = (1ull << e) - 1u;
	uint64_t rem = (uint64_t)x & mask;
	uint64_t threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
	int64_t q = x >= 0 ? x >> e : ~(~x >> e);

	return q + (rem > threshold ? 1 : 0);
}

static uint32_t circe_hls_fft_bitrev(uint32_t v, int lg)
{
	uint32_t r = 0;

	for (int b = 0; b < lg; b++)
		r |= ((v >> b) & 1u) << (lg - 1 - b);
	return r;
}

/* In-place scaled forward FFT of 2^lg int16 points: each radix-2 stage
 * halves (rounding), so the result is FFT(v) / k. */
static void circe_hls_fft16(struct circe_hls_cplx16 *v, int lg)
{
	uint32_t k = 1u << lg;

	for (uint32_t a = 0; a < k; a++) {
		uint32_t b = circe_hls_fft_bitrev(a, lg);

		if (b > a) {
			struct circe_hls_cplx16 t = v[a];

			v[a] = v[b];
			v[b] = t;
		}
	}
	for (int s = 1; s <= lg; s++) {
		uint32_t len = 1u << s, half = len >> 1, step = CIRCE_HLS_FFT_KMAX >> s;

		for (uint32_t g = 0; g < k; g += len) {
			for (uint32_t j = 0; j < half; j++) {
#pragma HLS PIPELINE II = 1
				struct circe_hls_cplx16 a = v[g + j], b = v[g + j + half];
				struct circe_hls_cplx16 t = circe_hls_fft_tw[j * step];
				int32_t tr = circe_hls_rounding_divide_by_pot(
					b.re * t.re - b.im * t.im, CIRCE_HLS_FFT_TW_FRAC);
				int32_t ti = circe_hls_rounding_divide_by_pot(
					b.re * t.im + b.im * t.re, CIRCE_HLS_FFT_TW_FRAC);

				/* moduli stay <= the input's (2^14) plus rounding */
				v[g + j].re =
					(int16_t)circe_hls_rounding_divide_by_pot(a.re + tr, 1);
				v[g + j].im =
					(int16_t)circe_hls_rounding_divide_by_pot(a.im + ti, 1);
				v[g + j + half].re =
					(int16_t)circe_hls_rounding_divide_by_pot(a.re - tr, 1);
				v[g + j + half].im =
					(int16_t)circe_hls_rounding_divide_by_pot(a.im - ti, 1);
			}
		}
	}
}

/* In-place scaled inverse FFT of 2^lg int32 points (conjugate twiddles,
 * each stage halves): IFFT(v) with its 1 / k. */
static void circe_hls_ifft32(struct circe_hls_cplx32 *v, int lg)
{
	uint32_t k = 1u << lg;

	for (uint32_t a = 0; a < k; a++) {
		uint32_t b = circe_hls_fft_bitrev(a, lg);

		if (b > a) {
			struct circe_hls_cplx32 t = v[a];

			v[a] = v[b];
			v[b] = t;
		}
	}
	for (int s = 1; s <= lg; s++) {
		uint32_t len = 1u << s, half = len >> 1, step = CIRCE_HLS_FFT_KMAX >> s;

		for (uint32_t g = 0; g < k; g += len) {
			for (uint32_t j = 0; j < half; j++) {
#pragma HLS PIPELINE II = 1
				struct circe_hls_cplx32 a = v[g + j], b = v[g + j + half];
				int64_t twr = circe_hls_fft_tw[j * step].re;
				int64_t twi = -(int64_t)circe_hls_fft_tw[j * step].im;
				int64_t tr = circe_hls_rdp64(b.re * twr - b.im * twi,
							     CIRCE_HLS_FFT_TW_FRAC);
				int64_t ti = circe_hls_rdp64(b.re * twi + b.im * twr,
							     CIRCE_HLS_FFT_TW_FRAC);

				v[g + j].re = (int32_t)circe_hls_rdp64(a.re + tr, 1);
				v[g + j].im = (int32_t)circe_hls_rdp64(a.im + ti, 1);
				v[g + j + half].re = (int32_t)circe_hls_rdp64(a.re - tr, 1);
				v[g + j + half].im = (int32_t)circe_hls_rdp64(a.im - ti, 1);
			}
		}
	}
}

static int16_t circe_hls_fft_sat16(int64_t v)
{
	return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

uint32_t circe_hls_circ_fft_weights(uint32_t k, uint32_t p, uint32_t q, const int8_t *w,
				    uint32_t ldw, struct circe_hls_cplx16 *wf)
{
	int lg = circe_hls_fft_log2(k);
	uint32_t step;

	if (lg < 0)
		return CIRCE_HW_ILL_DIMS;
	step = CIRCE_HLS_FFT_KMAX / k;
	for (uint32_t i = 0; i < p; i++) {
		for (uint32_t j = 0; j < q; j++) {
			const int8_t *wij = w + (size_t)i * ldw + (size_t)j * k;
			struct circe_hls_cplx16 *out = wf + ((size_t)i * q + j) * k;

			for (uint32_t m = 0; m < k; m++) {
				int64_t re = 0, im = 0;

				/* sum_n w[n] exp(-2 pi i n m / k), twiddles in Q14 */
				for (uint32_t n = 0; n < k; n++) {
					uint32_t t = ((n * m) & (k - 1u)) * step;
					struct circe_hls_cplx16 tw;

					/* the table holds the first half turn; the
					 * second is its negation */
					if (t < CIRCE_HLS_FFT_KMAX / 2) {
						tw = circe_hls_fft_tw[t];
					} else {
						tw = circe_hls_fft_tw[t - CIRCE_HLS_FFT_KMAX / 2];
						tw.re = (int16_t)-tw.re;
						tw.im = (int16_t)-tw.im;
					}
					re += (int64_t)wij[n] * tw.re;
					im += (int64_t)wij[n] * tw.im;
				}
				/* Q14 -> * 2^(8 - lg): one rounding shift */
				out[m].re = circe_hls_fft_sat16(circe_hls_rdp64(
					re, CIRCE_HLS_FFT_TW_FRAC - CIRCE_HLS_FFT_W_BITS +
						    (uint32_t)lg));
				out[m].im = circe_hls_fft_sat16(circe_hls_rdp64(
					im, CIRCE_HLS_FFT_TW_FRAC - CIRCE_HLS_FFT_W_BITS +
						    (uint32_t)lg));
			}
		}
	}
	return 0;
}

uint32_t circe_hls_circ_fft(uint32_t k, uint32_t n_in, uint32_t n_out,
			    const struct circe_hls_cplx16 *wf, const int8_t *x, const int32_t *bias,
			    int32_t *acc)
{
	/* the spectra of all x_j of this vector: 64 KiB at the largest n_in */
	struct circe_hls_cplx16 xf[CIRCE_HW_CIRC_MAX_IN + CIRCE_HLS_FFT_KMAX];
	struct circe_hls_cplx32 a[CIRCE_HLS_FFT_KMAX];
	int lg = circe_hls_fft_log2(k);
	uint32_t q, s = 0;
	int32_t e;

	if (lg < 0 || n_out % k != 0 || n_in > CIRCE_HW_CIRC_MAX_IN)
		return CIRCE_HW_ILL_DIMS;
	q = (n_in + k - 1u) / k;
	while ((1u << s) < q)
		s++;
	e = 2 * lg + (int32_t)s - 15;

	for (uint32_t j = 0; j < q; j++) {
		struct circe_hls_cplx16 *v = xf + (size_t)j * k;

		for (uint32_t c = 0; c < k; c++) {
			uint32_t col = j * k + c;
			int32_t xv = col < n_in ? x[col] : 0;

			v[c].re = (int16_t)(xv * (1 << CIRCE_HLS_FFT_X_SHIFT));
			v[c].im = 0;
		}
		circe_hls_fft16(v, lg);
	}
	for (uint32_t i = 0; i < n_out / k; i++) {
		for (uint32_t m = 0; m < k; m++)
			a[m] = (struct circe_hls_cplx32){ 0, 0 };
		for (uint32_t j = 0; j < q; j++) {
			const struct circe_hls_cplx16 *wv = wf + ((size_t)i * q + j) * k;
			const struct circe_hls_cplx16 *xv = xf + (size_t)j * k;

			for (uint32_t m = 0; m < k; m++) {
#pragma HLS PIPELINE II = 1
				/* |W . X| <= 2^29: each part fits int32 */
				int32_t pr = wv[m].re * xv[m].re - wv[m].im * xv[m].im;
				int32_t pi = wv[m].re * xv[m].im + wv[m].im * xv[m].re;

				a[m].re += circe_hls_rounding_divide_by_pot(pr, (int32_t)s);
				a[m].im += circe_hls_rounding_divide_by_pot(pi, (int32_t)s);
			}
		}
		circe_hls_ifft32(a, lg);
		for (uint32_t r = 0; r < k; r++) {
			int32_t y = e < 0 ? circe_hls_rounding_divide_by_pot(a[r].re, -e)
					  : circe_hls_wrap32((uint32_t)a[r].re << e);
			int32_t b = bias ? bias[(size_t)i * k + r] : 0;

			acc[(size_t)i * k + r] = circe_hls_add32(y, b);
		}
	}
	return 0;
}
