/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block-circulant compression and the quantized layers (host/layers.h).
 *
 * Host tests: the projection onto circulant blocks (a circulant matrix is
 * its own projection; the defining vector is the mean of the wrapped
 * diagonals; expand then compress is idempotent; the projection is nearer
 * in Frobenius norm than any circulant perturbation of it), the int8
 * quantization of the defining vectors, bad shapes.
 *
 * Device tests, on every backend: circe_circ_run against circe_hls_circ;
 * FC and LSTM layers (dense and k = 4, 8, 16, with and without projection)
 * against an integer reference written here from the recipe of
 * docs/numerics.md ("Quantized layers") that composes the hw/hls kernels on
 * host memory (bit exact), and against a float LSTM (within a stated
 * tolerance); state continuity (two calls of T/2 give the bytes of one call
 * of T); bad input with its message.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "host/layers.h"
#include "hw/hls/circe_hls.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define SEED 0x1a7e25u

static float urand(struct tu_rng *r, float a)
{
	/* Uniform in [-a, a). */
	return a * (2.0f * (float)(tu_rng_u64(r) >> 40) / (float)(1u << 24) - 1.0f);
}

static void fill_f(struct tu_rng *r, float *v, size_t n, float a)
{
	for (size_t i = 0; i < n; i++)
		v[i] = urand(r, a);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	assert_non_null(p);
	return p;
}

static void expect_msg(int err, int want, const char *needle)
{
	if (err != want)
		fail_msg("got %d (%s), want %d; message '%s'", err, circe_strerror(err), want,
			 circe_errmsg());
	if (!strstr(circe_errmsg(), needle))
		fail_msg("message '%s' does not contain '%s'", circe_errmsg(), needle);
}

/* ------------------------------------------------------------------ */
/* Compression                                                         */
/* ------------------------------------------------------------------ */

static const size_t ks[] = { 1, 2, 4, 8, 16 };

static void test_compress_circulant_fixed(void **state)
{
	struct tu_rng r;

	(void)state;
	tu_rng_init(&r, tu_seed("compress_fixed", SEED));
	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		size_t k = ks[ki], rows = 3 * k, cols = 2 * k;
		float *w = xcalloc(rows * cols / k, sizeof(float));
		float *dense = xcalloc(rows * cols, sizeof(float));
		float *back = xcalloc(rows * cols / k, sizeof(float));

		fill_f(&r, w, rows * cols / k, 2.0f);
		assert_int_equal(circe_circ_expand(w, rows, cols, k, dense), 0);
		/* The expansion is circ(w)[r][c] = w[(r - c) mod k]. */
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < cols; j++)
				assert_true(dense[i * cols + j] ==
					    w[((i / k) * (cols / k) + j / k) * k +
					      (i % k + k - j % k) % k]);
		assert_int_equal(circe_circ_compress(dense, rows, cols, k, back), 0);
		/* k equal values averaged in double: exact. */
		assert_memory_equal(back, w, rows * cols / k * sizeof(float));
		free(w);
		free(dense);
		free(back);
	}
}

static void test_compress_mean_of_diagonals(void **state)
{
	struct tu_rng r;

	(void)state;
	tu_rng_init(&r, tu_seed("compress_mean", SEED + 1));
	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		size_t k = ks[ki], rows = 2 * k, cols = 3 * k, q = cols / k;
		float *dense = xcalloc(rows * cols, sizeof(float));
		float *w = xcalloc(rows * cols / k, sizeof(float));

		fill_f(&r, dense, rows * cols, 1.0f);
		assert_int_equal(circe_circ_compress(dense, rows, cols, k, w), 0);
		/* Independently: walk every element and add it to its block's
		 * diagonal (r - c) mod k. */
		for (size_t bi = 0; bi < rows / k; bi++) {
			for (size_t bj = 0; bj < q; bj++) {
				double sum[16] = { 0 };

				for (size_t i = 0; i < k; i++)
					for (size_t j = 0; j < k; j++)
						sum[(i + k - j) % k] +=
							dense[(bi * k + i) * cols + bj * k + j];
				for (size_t d = 0; d < k; d++)
					assert_float_equal(w[(bi * q + bj) * k + d], sum[d] / k,
							   1e-6);
			}
		}
		free(dense);
		free(w);
	}
}

static double frob2(const float *a, const float *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
	return s;
}

static void test_compress_idempotent_and_nearest(void **state)
{
	struct tu_rng r;

	(void)state;
	tu_rng_init(&r, tu_seed("compress_nearest", SEED + 2));
	for (size_t ki = 1; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		size_t k = ks[ki], rows = 2 * k, cols = 2 * k, nw = rows * cols / k;
		float *a = xcalloc(rows * cols, sizeof(float));
		float *w = xcalloc(nw, sizeof(float)), *w2 = xcalloc(nw, sizeof(float));
		float *p = xcalloc(rows * cols, sizeof(float));
		float *e = xcalloc(nw, sizeof(float)), *pe = xcalloc(rows * cols, sizeof(float));
		double base;

		fill_f(&r, a, rows * cols, 1.0f);
		assert_int_equal(circe_circ_compress(a, rows, cols, k, w), 0);
		assert_int_equal(circe_circ_expand(w, rows, cols, k, p), 0);
		assert_int_equal(circe_circ_compress(p, rows, cols, k, w2), 0);
		for (size_t i = 0; i < nw; i++)
			assert_float_equal(w2[i], w[i], 1e-6);
		base = frob2(a, p, rows * cols);
		/* Any other circulant matrix P + E is farther from A. */
		for (int trial = 0; trial < 200; trial++) {
			float scale = trial < 100 ? 1e-3f : 0.5f;

			fill_f(&r, e, nw, scale);
			for (size_t i = 0; i < nw; i++)
				e[i] += w[i];
			assert_int_equal(circe_circ_expand(e, rows, cols, k, pe), 0);
			if (frob2(a, pe, rows * cols) < base - 1e-9)
				fail_msg("k %zu trial %d: a circulant perturbation is nearer "
					 "(%.9g < %.9g)",
					 k, trial, frob2(a, pe, rows * cols), base);
		}
		free(a);
		free(w);
		free(w2);
		free(p);
		free(e);
		free(pe);
	}
}

static void test_compress_bad(void **state)
{
	float buf[64] = { 0 }, out[64];
	int8_t q[64];
	float s[8];

	(void)state;
	expect_msg(circe_circ_compress(buf, 8, 8, 3, out), -EINVAL, "must be 1, 2, 4, 8 or 16");
	expect_msg(circe_circ_compress(buf, 8, 8, 32, out), -EINVAL, "k = 32");
	expect_msg(circe_circ_compress(buf, 8, 8, 0, out), -EINVAL, "k = 0");
	expect_msg(circe_circ_compress(buf, 8, 6, 4, out), -EINVAL, "does not divide the 8 x 6");
	expect_msg(circe_circ_compress(NULL, 8, 8, 4, out), -EINVAL, "NULL input");
	expect_msg(circe_circ_expand(buf, 8, 8, 4, NULL), -EINVAL, "NULL output");
	expect_msg(circe_circ_expand(buf, 0, 8, 4, out), -EINVAL, "must be nonzero");
	expect_msg(circe_circ_quantize(buf, 8, 8, 4, q, NULL), -EINVAL, "NULL scales");
	buf[5] = NAN;
	expect_msg(circe_circ_quantize(buf, 8, 8, 4, q, s), -EINVAL, "is nan");
	(void)s;
}

static void test_quantize(void **state)
{
	struct tu_rng r;
	size_t rows = 32, cols = 48;

	(void)state;
	tu_rng_init(&r, tu_seed("quantize", SEED + 3));
	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		size_t k = ks[ki], p = rows / k, n = rows * cols / k;
		float *w = xcalloc(n, sizeof(float)), *s = xcalloc(p, sizeof(float));
		int8_t *q = xcalloc(n, 1);

		fill_f(&r, w, n, 3.0f);
		/* One block row of zeros: all zero at a positive scale. */
		memset(w, 0, cols * sizeof(float));
		assert_int_equal(circe_circ_quantize(w, rows, cols, k, q, s), 0);
		for (size_t i = 0; i < p; i++) {
			float absmax = 0;
			bool hit = false;

			for (size_t j = 0; j < cols; j++)
				absmax = fmaxf(absmax, fabsf(w[i * cols + j]));
			assert_true(s[i] > 0);
			if (absmax > 0)
				assert_float_equal(s[i], absmax / 127.0f, 1e-7);
			for (size_t j = 0; j < cols; j++) {
				int v = q[i * cols + j];

				assert_true(v >= -127 && v <= 127);
				assert_true(fabs(v * (double)s[i] - w[i * cols + j]) <=
					    s[i] * 0.5001);
				hit |= v == 127 || v == -127;
			}
			assert_true(absmax == 0 || hit);
		}
		free(w);
		free(s);
		free(q);
	}
}

/* ------------------------------------------------------------------ */
/* Device tests                                                        */
/* ------------------------------------------------------------------ */

static int fixture_setup(void **state)
{
	return tu_fixture_setup(state, "layers", SEED + 10);
}

/* Skips (returns true) when the device lacks CIRC or LSTM. */
static bool device_lacks(struct tu_fixture *f, uint32_t feat, const char *name)
{
	struct circe_info info;

	assert_int_equal(circe_get_info(f->dev, &info), 0);
	if (info.features & feat)
		return false;
	printf("# skip: %s has no %s\n", f->be->uri, name);
	return true;
}

static void *reg_alloc(struct tu_fixture *f, size_t bytes)
{
	void *p = tu_alloc_pages(bytes);

	assert_non_null(p);
	assert_int_equal(
		circe_mem_register(f->ctx, p, (bytes + 4095) & ~(size_t)4095, CIRCE_MEM_RW), 0);
	return p;
}

static void reg_free(struct tu_fixture *f, void *p, size_t bytes)
{
	assert_int_equal(circe_mem_unregister(f->ctx, p, (bytes + 4095) & ~(size_t)4095), 0);
	free(p);
}

static void test_circ_run(void **state)
{
	struct tu_fixture *f = *state;

	if (device_lacks(f, CIRCE_HW_FEAT_CIRC, "CIRC")) {
		skip();
		return;
	}
	for (int it = 0; it < 12; it++) {
		size_t k = ks[it % 5], p = (size_t)tu_rng_range(&f->rng, 1, 5);
		size_t n_out = p * k, n_in = (size_t)tu_rng_range(&f->rng, 1, 40);
		size_t q = (n_in + k - 1) / k, batch = (size_t)tu_rng_range(&f->rng, 1, 5);
		unsigned bits = it & 1 ? 16 : 8;
		size_t ob = bits / 8;
		int8_t *x = reg_alloc(f, batch * n_in), *w = reg_alloc(f, p * q * k);
		int32_t *bias = reg_alloc(f, n_out * 4);
		uint8_t *y = reg_alloc(f, batch * n_out * ob);
		uint8_t *ref = xcalloc(batch * n_out, ob);
		float *scales = xcalloc(p, sizeof(float));
		struct circe_hw_requant *rq = xcalloc(p, sizeof(*rq));
		struct circe_circ c = {
			.n_in = n_in,
			.n_out = n_out,
			.k = k,
			.batch = batch,
			.input = x,
			.input_scale = 0.05f,
			.weights = w,
			.weight_scales = scales,
			.num_weight_scales = it % 3 ? p : 1,
			.bias = it % 4 ? bias : NULL,
			.output = y,
			.output_bits = bits,
			.output_scale = bits == 8 ? 0.5f : 0.01f,
			.output_zero_point = it % 5 == 0 ? 3 : 0,
			.relu = it % 6 == 1,
		};
		struct circe_hw_desc_circ d = { 0 };
		struct circe_job_stats st;

		tu_rng_fill_i8(&f->rng, x, batch * n_in, -128, 127);
		tu_rng_fill_i8(&f->rng, w, p * q * k, -127, 127);
		for (size_t i = 0; i < n_out; i++)
			bias[i] = (int32_t)tu_rng_range(&f->rng, -3000, 3000);
		for (size_t i = 0; i < p; i++) {
			scales[i] = 0.002f * (float)(i + 1);
			assert_int_equal(circe_quantize_multiplier((double)c.input_scale *
									   (double)scales[i] /
									   (double)c.output_scale,
								   &rq[i].m0, &rq[i].shift),
					 0);
		}
		assert_int_equal(circe_circ_run(f->ctx, &c, &st), 0);
		d.opcode = CIRCE_HW_OP_CIRC;
		d.flags = (bits == 16 ? CIRCE_HW_CIRC_OUT16 : 0) |
			  (c.bias ? CIRCE_HW_CIRC_BIAS : 0) |
			  (c.num_weight_scales > 1 ? CIRCE_HW_CIRC_PER_BLOCK : 0);
		d.k = (uint32_t)k;
		d.n_in = (uint32_t)n_in;
		d.n_out = (uint32_t)n_out;
		d.batch = (uint32_t)batch;
		d.out_zp = c.output_zero_point;
		d.clamp_min = c.relu ? c.output_zero_point : (bits == 8 ? -128 : -32768);
		d.clamp_max = bits == 8 ? 127 : 32767;
		d.ldw = (uint32_t)(q * k);
		d.ldx = (uint32_t)n_in;
		d.ldy = (uint32_t)(n_out * ob);
		assert_int_equal(circe_hls_circ_check(&d), 0);
		circe_hls_circ(&d, w, x, bias, rq, ref);
		if (memcmp(y, ref, batch * n_out * ob))
			fail_msg("iteration %d: k %zu n_in %zu n_out %zu batch %zu: device differs "
				 "from circe_hls_circ",
				 it, k, n_in, n_out, batch);
		assert_int_equal(st.descriptors, 1);
		reg_free(f, x, batch * n_in);
		reg_free(f, w, p * q * k);
		reg_free(f, bias, n_out * 4);
		reg_free(f, y, batch * n_out * ob);
		free(ref);
		free(scales);
		free(rq);
	}
}

/* ---- the integer reference of the layers ---- */

/* One matrix quantized by the recipe. */
struct ref_mat {
	size_t rows, cols, k;
	int8_t *q;
	float *s;
	int32_t *bias;
	struct circe_hw_requant *rq;
};

static void ref_mat_make(struct ref_mat *m, const float *w, const float *bias, size_t rows,
			 size_t cols, size_t k, float s_in, float s_out)
{
	size_t p = rows / k;

	m->rows = rows;
	m->cols = cols;
	m->k = k;
	m->q = xcalloc(p * cols, 1);
	m->s = xcalloc(p, sizeof(float));
	m->rq = xcalloc(p, sizeof(*m->rq));
	m->bias = NULL;
	assert_int_equal(circe_circ_quantize(w, rows, cols, k, m->q, m->s), 0);
	for (size_t i = 0; i < p; i++)
		assert_int_equal(
			circe_quantize_multiplier((double)s_in * (double)m->s[i] / (double)s_out,
						  &m->rq[i].m0, &m->rq[i].shift),
			0);
	if (bias) {
		m->bias = xcalloc(rows, sizeof(int32_t));
		for (size_t r = 0; r < rows; r++)
			m->bias[r] =
				(int32_t)nearbyint(bias[r] / ((double)s_in * (double)m->s[r / k]));
	}
}

static void ref_mat_free(struct ref_mat *m)
{
	free(m->q);
	free(m->s);
	free(m->rq);
	free(m->bias);
}

/* y[batch][rows] = requant(W x + bias) by circe_hls_circ (k = 1 too: the
 * dense product the device runs as a GEMM is the same sum). */
static void ref_product(const struct ref_mat *m, const int8_t *x, size_t batch, void *y,
			unsigned bits, bool relu)
{
	struct circe_hw_desc_circ d = { 0 };

	d.opcode = CIRCE_HW_OP_CIRC;
	d.flags = (bits == 16 ? CIRCE_HW_CIRC_OUT16 : 0) | (m->bias ? CIRCE_HW_CIRC_BIAS : 0) |
		  (m->rows / m->k > 1 ? CIRCE_HW_CIRC_PER_BLOCK : 0);
	d.k = (uint32_t)m->k;
	d.n_in = (uint32_t)m->cols;
	d.n_out = (uint32_t)m->rows;
	d.batch = (uint32_t)batch;
	d.clamp_min = relu ? 0 : (bits == 8 ? -128 : -32768);
	d.clamp_max = bits == 8 ? 127 : 32767;
	d.ldw = (uint32_t)m->cols;
	d.ldx = (uint32_t)m->cols;
	d.ldy = (uint32_t)(m->rows * bits / 8);
	assert_int_equal(circe_hls_circ_check(&d), 0);
	circe_hls_circ(&d, m->q, x, m->bias, m->rq, y);
}

/* The float weights of a test LSTM, in the form the layer takes. */
struct lstm_case {
	size_t in, hidden, proj, k_ih, k_hh, k_proj, steps;
};

struct lstm_w {
	struct circe_lstm_desc d;
	float *wih, *whh, *bias, *wproj;
};

static void lstm_w_make(struct tu_rng *r, const struct lstm_case *c, struct lstm_w *w)
{
	size_t g = 4 * c->hidden, R = c->proj ? c->proj : c->hidden;
	float a = 1.0f / sqrtf((float)c->hidden);

	memset(w, 0, sizeof(*w));
	/* PyTorch's init range; a circulant block's k values each stand for
	 * k weights of a row, so they are drawn from the same range. */
	w->wih = xcalloc(g * c->in / c->k_ih, sizeof(float));
	w->whh = xcalloc(g * R / c->k_hh, sizeof(float));
	w->bias = xcalloc(g, sizeof(float));
	fill_f(r, w->wih, g * c->in / c->k_ih, a * 2);
	fill_f(r, w->whh, g * R / c->k_hh, a * 2);
	fill_f(r, w->bias, g, a);
	if (c->proj) {
		w->wproj = xcalloc(c->proj * c->hidden / c->k_proj, sizeof(float));
		fill_f(r, w->wproj, c->proj * c->hidden / c->k_proj, a * 2);
	}
	w->d = (struct circe_lstm_desc){
		.in = c->in,
		.hidden = c->hidden,
		.proj = c->proj,
		.k_ih = c->k_ih,
		.k_hh = c->k_hh,
		.k_proj = c->k_proj,
		.weight_ih = w->wih,
		.weight_hh = w->whh,
		.bias = w->bias,
		.weight_proj = w->wproj,
		.in_scale = 1.0f / 127.0f,
		.proj_absmax = 1.0f,
	};
}

static void lstm_w_free(struct lstm_w *w)
{
	free(w->wih);
	free(w->whh);
	free(w->bias);
	free(w->wproj);
}

/*
 * The integer LSTM of the recipe, step by step on host memory: the input
 * projection of all steps, then per step gh = W_hh h (int16 Q3.12, always
 * computed: from h = 0 it is 0, which is what lets the device skip it),
 * the cell (circe_hls_lstm), the projection. h, c: the state in and out.
 */
static void ref_lstm(const struct circe_lstm_desc *d, const int8_t *x, size_t T, int8_t *y,
		     int8_t *h, int16_t *c)
{
	size_t H = d->hidden, g = 4 * H, R = d->proj ? d->proj : H;
	float s_h = d->proj ? d->proj_absmax / 127.0f : 1.0f / 127.0f;
	float gate = 1.0f / 4096.0f;
	struct ref_mat ih, hh, pr = { 0 };
	int16_t *gx = xcalloc(T * g, 2), *gh = xcalloc(g, 2);
	int8_t *m = xcalloc(H, 1);
	struct circe_hw_desc_lstm ld = { 0 };

	ref_mat_make(&ih, d->weight_ih, d->bias, g, d->in, d->k_ih, d->in_scale, gate);
	ref_mat_make(&hh, d->weight_hh, NULL, g, R, d->k_hh, s_h, gate);
	if (d->proj)
		ref_mat_make(&pr, d->weight_proj, NULL, d->proj, H, d->k_proj, 1.0f / 127.0f, s_h);
	ref_product(&ih, x, T, gx, 16, false);
	ld.opcode = CIRCE_HW_OP_LSTM;
	ld.hidden = (uint32_t)H;
	assert_int_equal(
		circe_quantize_multiplier(127.0 / 1073741824.0, &ld.h_rq.m0, &ld.h_rq.shift), 0);
	assert_int_equal(circe_hls_lstm_check(&ld), 0);
	for (size_t t = 0; t < T; t++) {
		int8_t *ht = y + t * R;

		ref_product(&hh, t ? y + (t - 1) * R : h, 1, gh, 16, false);
		circe_hls_lstm(&ld, gx + t * g, gh, c, c, d->proj ? m : ht);
		if (d->proj)
			ref_product(&pr, m, 1, ht, 8, false);
	}
	memcpy(h, y + (T - 1) * R, R);
	ref_mat_free(&ih);
	ref_mat_free(&hh);
	if (d->proj)
		ref_mat_free(&pr);
	free(gx);
	free(gh);
	free(m);
}

static float sigm(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

/* PyTorch's LSTM in float on the dense (expanded) weights, one sequence
 * from the zero state: y[T][R]. */
static void float_lstm(const struct circe_lstm_desc *d, const float *x, size_t T, float *y)
{
	size_t H = d->hidden, g = 4 * H, R = d->proj ? d->proj : H;
	float *wih = xcalloc(g * d->in, sizeof(float)), *whh = xcalloc(g * R, sizeof(float));
	float *wp = d->proj ? xcalloc(d->proj * H, sizeof(float)) : NULL;
	float *h = xcalloc(R, sizeof(float)), *c = xcalloc(H, sizeof(float));
	float *pre = xcalloc(g, sizeof(float)), *m = xcalloc(H, sizeof(float));

	assert_int_equal(circe_circ_expand(d->weight_ih, g, d->in, d->k_ih, wih), 0);
	assert_int_equal(circe_circ_expand(d->weight_hh, g, R, d->k_hh, whh), 0);
	if (wp)
		assert_int_equal(circe_circ_expand(d->weight_proj, d->proj, H, d->k_proj, wp), 0);
	for (size_t t = 0; t < T; t++) {
		for (size_t i = 0; i < g; i++) {
			double s = d->bias ? d->bias[i] : 0;

			for (size_t j = 0; j < d->in; j++)
				s += (double)wih[i * d->in + j] * x[t * d->in + j];
			for (size_t j = 0; j < R; j++)
				s += (double)whh[i * R + j] * h[j];
			pre[i] = (float)s;
		}
		for (size_t j = 0; j < H; j++) {
			float ig = sigm(pre[j]), fg = sigm(pre[H + j]);
			float gg = tanhf(pre[2 * H + j]), og = sigm(pre[3 * H + j]);

			c[j] = fg * c[j] + ig * gg;
			m[j] = og * tanhf(c[j]);
		}
		for (size_t i = 0; i < R; i++) {
			double s = 0;

			if (!wp) {
				s = m[i];
			} else {
				for (size_t j = 0; j < H; j++)
					s += (double)wp[i * H + j] * m[j];
			}
			h[i] = (float)s;
			y[t * R + i] = h[i];
		}
	}
	free(wih);
	free(whh);
	free(wp);
	free(h);
	free(c);
	free(pre);
	free(m);
}

static const struct lstm_case lstm_cases[] = {
	/* in, hidden, proj, k_ih, k_hh, k_proj, steps */
	{ 16, 32, 0, 1, 1, 1, 6 },  { 16, 32, 16, 1, 1, 1, 5 },	  { 16, 32, 0, 4, 4, 4, 6 },
	{ 32, 32, 16, 8, 8, 8, 5 }, { 32, 64, 0, 16, 16, 16, 4 }, { 32, 64, 32, 16, 16, 16, 4 },
	{ 12, 16, 8, 4, 8, 2, 7 },
};

/* Float tolerance on h (in (-1, 1) without a projection, proj_absmax 1
 * with): int8 activations and weights over a few steps. */
#define LSTM_FLOAT_TOL 0.03

static void test_lstm_layer(void **state)
{
	struct tu_fixture *f = *state;

	if (device_lacks(f, CIRCE_HW_FEAT_CIRC, "CIRC") ||
	    device_lacks(f, CIRCE_HW_FEAT_LSTM, "LSTM")) {
		skip();
		return;
	}
	for (size_t ci = 0; ci < sizeof(lstm_cases) / sizeof(lstm_cases[0]); ci++) {
		const struct lstm_case *c = &lstm_cases[ci];
		size_t R = c->proj ? c->proj : c->hidden, T = c->steps;
		struct lstm_w w;
		struct circe_layer *l = NULL;
		float *xf = xcalloc(T * c->in, sizeof(float)), *yf = xcalloc(T * R, sizeof(float));
		int8_t *x = xcalloc(T * c->in, 1), *y = xcalloc(T * R, 1), *ref = xcalloc(T * R, 1);
		int8_t *h = xcalloc(R, 1);
		int16_t *cs = xcalloc(c->hidden, 2);
		struct circe_job_stats st;
		double maxerr = 0;

		lstm_w_make(&f->rng, c, &w);
		fill_f(&f->rng, xf, T * c->in, 1.0f);
		for (size_t i = 0; i < T * c->in; i++)
			x[i] = (int8_t)nearbyintf(xf[i] * 127.0f);
		if (circe_layer_lstm_create(f->ctx, &w.d, &l))
			fail_msg("case %zu: create: %s", ci, circe_errmsg());
		assert_int_equal(circe_layer_in_size(l), c->in);
		assert_int_equal(circe_layer_out_size(l), R);
		assert_int_equal(circe_layer_out_bits(l), 8);
		if (circe_layer_run(l, x, T, y, NULL, &st))
			fail_msg("case %zu: run: %s", ci, circe_errmsg());
		/* One job: the input projection and 2 or 3 descriptors a step,
		 * the first step without its recurrent product. */
		assert_int_equal(st.descriptors, 1 + T * (c->proj ? 3 : 2) - 1);
		ref_lstm(&w.d, x, T, ref, h, cs);
		if (memcmp(y, ref, T * R)) {
			for (size_t i = 0; i < T * R; i++)
				if (y[i] != ref[i])
					fail_msg(
						"case %zu: step %zu unit %zu: device %d, reference "
						"%d",
						ci, i / R, i % R, y[i], ref[i]);
		}
		float_lstm(&w.d, xf, T, yf);
		for (size_t i = 0; i < T * R; i++)
			maxerr =
				fmax(maxerr, fabs(y[i] * (double)circe_layer_out_scale(l) - yf[i]));
		printf("# lstm case %zu (in %zu H %zu P %zu k %zu/%zu/%zu T %zu): max |h - "
		       "float| %.4f\n",
		       ci, c->in, c->hidden, c->proj, c->k_ih, c->k_hh, c->k_proj, T, maxerr);
		if (maxerr > LSTM_FLOAT_TOL)
			fail_msg("case %zu: max error %.4f against the float LSTM, above %.2f", ci,
				 maxerr, LSTM_FLOAT_TOL);
		circe_layer_destroy(l);
		lstm_w_free(&w);
		free(xf);
		free(yf);
		free(x);
		free(y);
		free(ref);
		free(h);
		free(cs);
	}
}

static void test_lstm_state(void **state)
{
	struct tu_fixture *f = *state;
	const struct lstm_case c = { 16, 32, 16, 4, 4, 8, 8 };
	size_t R = c.proj, T = c.steps, H = c.hidden;
	struct lstm_w w;
	struct circe_layer *l = NULL;
	int8_t *x, *y1, *y2, *ref, h1[16], h2[16], hr[16];
	int16_t c1[32], c2[32], cr[32];
	struct circe_lstm_state s1 = { h1, c1 }, s2 = { h2, c2 };

	if (device_lacks(f, CIRCE_HW_FEAT_LSTM, "LSTM")) {
		skip();
		return;
	}
	x = xcalloc(T * c.in, 1);
	y1 = xcalloc(T * R, 1);
	y2 = xcalloc(T * R, 1);
	ref = xcalloc(T * R, 1);
	lstm_w_make(&f->rng, &c, &w);
	tu_rng_fill_i8(&f->rng, x, T * c.in, -127, 127);
	assert_int_equal(circe_layer_lstm_create(f->ctx, &w.d, &l), 0);
	/* A nonzero initial state: h and c both. */
	tu_rng_fill_i8(&f->rng, h1, R, -100, 100);
	for (size_t j = 0; j < H; j++)
		c1[j] = (int16_t)tu_rng_range(&f->rng, -4000, 4000);
	memcpy(h2, h1, R);
	memcpy(c2, c1, sizeof(c1));
	memcpy(hr, h1, R);
	memcpy(cr, c1, sizeof(c1));
	assert_int_equal(circe_layer_run(l, x, T, y1, &s1, NULL), 0);
	assert_int_equal(circe_layer_run(l, x, T / 2, y2, &s2, NULL), 0);
	assert_int_equal(circe_layer_run(l, x + T / 2 * c.in, T - T / 2, y2 + T / 2 * R, &s2, NULL),
			 0);
	assert_memory_equal(y1, y2, T * R);
	assert_memory_equal(h1, h2, R);
	assert_memory_equal(c1, c2, sizeof(c1));
	assert_memory_equal(h1, y1 + (T - 1) * R, R);
	ref_lstm(&w.d, x, T, ref, hr, cr);
	assert_memory_equal(y1, ref, T * R);
	assert_memory_equal(h1, hr, R);
	assert_memory_equal(c1, cr, sizeof(c1));
	/* Split into two jobs: the same bytes again. */
	{
		struct circe_job_stats a, b;

		memcpy(h2, hr, R);
		memcpy(c2, cr, sizeof(c2));
		memcpy(h1, hr, R);
		memcpy(c1, cr, sizeof(c1));
		assert_int_equal(circe_layer_run(l, x, T, y1, &s1, NULL), 0);
		assert_int_equal(circe_layer_run_split(l, x, T, y2, &s2, &a, &b), 0);
		assert_memory_equal(y1, y2, T * R);
		assert_int_equal(a.descriptors, 1);
		assert_int_equal(b.descriptors, T * 3);
	}
	circe_layer_destroy(l);
	lstm_w_free(&w);
	free(x);
	free(y1);
	free(y2);
	free(ref);
}

static void test_fc_layer(void **state)
{
	struct tu_fixture *f = *state;
	static const size_t fk[] = { 1, 4, 8, 16 };

	if (device_lacks(f, CIRCE_HW_FEAT_CIRC, "CIRC")) {
		skip();
		return;
	}
	for (size_t it = 0; it < 8; it++) {
		size_t k = fk[it % 4], in = k * (size_t)tu_rng_range(&f->rng, 1, 4);
		size_t out = k * (size_t)tu_rng_range(&f->rng, 1, 4);
		size_t T = (size_t)tu_rng_range(&f->rng, 1, 6);
		unsigned bits = it >= 4 ? 16 : 8;
		float *wf = xcalloc(out * in / k, sizeof(float)), *b = xcalloc(out, sizeof(float));
		int8_t *x = xcalloc(T * in, 1);
		uint8_t *y = xcalloc(T * out, bits / 8), *ref = xcalloc(T * out, bits / 8);
		struct circe_fc_desc d = {
			.in = in,
			.out = out,
			.k = k,
			.weight = wf,
			.bias = it % 3 ? b : NULL,
			.relu = it % 2,
			.in_scale = 0.02f,
			.out_absmax = 4.0f,
			.out_bits = bits,
		};
		struct circe_layer *l = NULL;
		struct ref_mat m;
		float *zero = xcalloc(out, sizeof(float));

		fill_f(&f->rng, wf, out * in / k, 0.5f);
		fill_f(&f->rng, b, out, 1.0f);
		tu_rng_fill_i8(&f->rng, x, T * in, -128, 127);
		if (circe_layer_fc_create(f->ctx, &d, &l))
			fail_msg("fc %zu: create: %s", it, circe_errmsg());
		assert_float_equal(circe_layer_out_scale(l), 4.0f / (bits == 8 ? 127.0f : 32767.0f),
				   1e-9);
		assert_int_equal(circe_layer_out_bits(l), bits);
		if (circe_layer_run(l, x, T, y, NULL, NULL))
			fail_msg("fc %zu: run: %s", it, circe_errmsg());
		ref_mat_make(&m, wf, d.bias ? b : zero, out, in, k, d.in_scale,
			     circe_layer_out_scale(l));
		ref_product(&m, x, T, ref, bits, d.relu);
		if (memcmp(y, ref, T * out * bits / 8))
			fail_msg("fc %zu (in %zu out %zu k %zu T %zu bits %u): device differs from "
				 "the reference",
				 it, in, out, k, T, bits);
		ref_mat_free(&m);
		circe_layer_destroy(l);
		free(wf);
		free(b);
		free(x);
		free(y);
		free(ref);
		free(zero);
	}
}

static void test_layer_bad_input(void **state)
{
	struct tu_fixture *f = *state;
	float w[64 * 64] = { 0 };
	struct circe_layer *l = NULL;
	struct circe_fc_desc fd = { .in = 16,
				    .out = 16,
				    .k = 4,
				    .weight = w,
				    .in_scale = 0.1f,
				    .out_absmax = 1.0f,
				    .out_bits = 8 };
	struct circe_fc_desc b;
	struct circe_lstm_desc ld = { .in = 8,
				      .hidden = 8,
				      .k_ih = 1,
				      .k_hh = 1,
				      .k_proj = 1,
				      .weight_ih = w,
				      .weight_hh = w,
				      .in_scale = 0.1f };
	struct circe_lstm_desc lb;
	int8_t x[64] = { 0 }, y[64];

	b = fd;
	b.in = 0;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "both must be nonzero");
	assert_null(l);
	b = fd;
	b.out = 1u << 20;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -E2BIG, "above the device limits");
	b = fd;
	b.in = 18;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL,
		   "weight: k = 4 does not divide its 16 x 18 shape");
	b = fd;
	b.k = 3;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "must be 1, 2, 4, 8 or 16");
	b = fd;
	b.weight = NULL;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "NULL weight");
	b = fd;
	b.in_scale = 0;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "in_scale = 0");
	b = fd;
	b.out_absmax = NAN;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "out_absmax = nan");
	b = fd;
	b.out_bits = 4;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "out_bits 4");
	expect_msg(circe_layer_fc_create(NULL, &fd, &l), -EINVAL, "NULL context");
	expect_msg(circe_layer_fc_create(f->ctx, NULL, &l), -EINVAL, "NULL description");
	b = fd;
	w[3] = INFINITY;
	expect_msg(circe_layer_fc_create(f->ctx, &b, &l), -EINVAL, "weight: circ quantize");
	w[3] = 0;

	lb = ld;
	lb.hidden = 0;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL, "both must be nonzero");
	lb = ld;
	lb.hidden = 1u << 20;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -E2BIG, "above the device limits");
	lb = ld;
	lb.k_hh = 16;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL,
		   "weight_hh: k = 16 does not divide its 32 x 8 shape");
	lb = ld;
	lb.weight_hh = NULL;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL, "NULL weight_hh");
	lb = ld;
	lb.proj = 4;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL, "NULL weight_proj");
	lb = ld;
	lb.weight_proj = w;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL,
		   "weight_proj given but proj = 0");
	lb = ld;
	lb.proj = 4;
	lb.weight_proj = w;
	lb.proj_absmax = -1;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL, "proj_absmax = -1");
	lb = ld;
	lb.in_scale = INFINITY;
	expect_msg(circe_layer_lstm_create(f->ctx, &lb, &l), -EINVAL, "in_scale = inf");

	/* Run-time arguments. */
	assert_int_equal(circe_layer_lstm_create(f->ctx, &ld, &l), 0);
	expect_msg(circe_layer_run(l, x, 0, y, NULL, NULL), -EINVAL, "steps = 0");
	expect_msg(circe_layer_run(l, NULL, 1, y, NULL, NULL), -EINVAL, "NULL input");
	expect_msg(circe_layer_run(l, x, 1, NULL, NULL, NULL), -EINVAL, "NULL output");
	expect_msg(circe_layer_run(l, x, SIZE_MAX / 2, y, NULL, NULL), -E2BIG, "steps");
	{
		struct circe_lstm_state s = { y, NULL };

		expect_msg(circe_layer_run(l, x, 1, y, &s, NULL), -EINVAL, "NULL c");
	}
	expect_msg(circe_layer_run(NULL, x, 1, y, NULL, NULL), -EINVAL, "NULL layer");
	circe_layer_destroy(l);
	circe_layer_destroy(NULL);
}

/* circe bench lstm on fmodel: a small shape's JSON, and usage errors. */
static void test_bench_lstm_cli(void **state)
{
	char *argv[] = { (char *)tu_circe_bin(),
			 "bench",
			 "lstm",
			 "--backend",
			 "fmodel:",
			 "--input",
			 "20",
			 "--hidden",
			 "32",
			 "--proj",
			 "16",
			 "--k",
			 "8",
			 "--steps",
			 "3",
			 "--json",
			 NULL };
	char *bad_k[] = {
		(char *)tu_circe_bin(), "bench", "lstm", "--backend", "fmodel:", "--k", "3", NULL
	};
	char *bad_div[] = { (char *)tu_circe_bin(),
			    "bench",
			    "lstm",
			    "--backend",
			    "fmodel:",
			    "--hidden",
			    "20",
			    "--k",
			    "8",
			    NULL };
	char *out = NULL;
	int rc;

	(void)state;
	rc = tu_run(argv, &out);
	if (rc != 0)
		fail_msg("bench lstm exited %d: %s", rc, out ? out : "");
	assert_non_null(out);
	/* 20 padded to 24 for k = 8; 4H * R / k + P * H / k = 128 * 16 / 8 + 16 * 32 / 8. */
	assert_non_null(strstr(out, "\"input_padded\": 24"));
	assert_non_null(strstr(out, "\"weight_bytes_per_step\": 320"));
	assert_non_null(strstr(out, "\"dense_weight_bytes_per_step\": 2560"));
	assert_non_null(strstr(out, "\"bit_exact\": null"));
	assert_non_null(strstr(out, "\"clock_hz\": "));
	free(out);
	out = NULL;
	assert_int_equal(tu_run(bad_k, &out), 2);
	assert_non_null(strstr(out, "--k: unknown value '3' (known: 1, 2, 4, 8, 16)"));
	free(out);
	out = NULL;
	assert_int_equal(tu_run(bad_div, &out), 2);
	assert_non_null(strstr(out, "--k 8 must divide --hidden 20"));
	free(out);
}

int main(void)
{
	static const struct CMUnitTest host_tests[] = {
		cmocka_unit_test(test_compress_circulant_fixed),
		cmocka_unit_test(test_compress_mean_of_diagonals),
		cmocka_unit_test(test_compress_idempotent_and_nearest),
		cmocka_unit_test(test_compress_bad),
		cmocka_unit_test(test_quantize),
		cmocka_unit_test(test_bench_lstm_cli),
	};
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layer_bad_input, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_circ_run, fixture_setup, tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fc_layer, fixture_setup, tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lstm_layer, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lstm_state, fixture_setup,
						tu_fixture_teardown),
	};
	size_t nhost = sizeof(host_tests) / sizeof(host_tests[0]);
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be), count;
	struct CMUnitTest *dev =
		tu_backend_tests(tests, sizeof(tests) / sizeof(tests[0]), be, n, &count);
	struct CMUnitTest *all;
	int failed;

	/* One group (the runner counts one summary per suite): the host tests
	 * once, then every device test on every backend. */
	if (!dev)
		return 1;
	all = calloc(nhost + count, sizeof(*all));
	if (!all)
		return 1;
	memcpy(all, host_tests, sizeof(host_tests));
	memcpy(all + nhost, dev, count * sizeof(*dev));
	failed = _cmocka_run_group_tests("layers", all, nhost + count, NULL, NULL);
	free(all);
	tu_backend_tests_free(dev, count);
	return failed;
}
