/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host/gemm.c on every backend the library has (each test once per backend,
 * "test_x/fmodel", "test_x/vsim" where Verilator was found): random GEMMs of every flavour
 * compared bit for bit with the independent reference (tests/support), the
 * tiling with small tiles, argument checks, and device faults on bad
 * pointers that end the job and leave the context usable.
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

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"
#include "host/gemm.h"
#include "svm/svm.h"
#include "tests/support/ref_gemm.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define SENTINEL 0xA5

static int fixture_setup(void **state)
{
	return tu_fixture_setup(state, "host_gemm", 42);
}

static uint64_t live_registrations(struct tu_fixture *f)
{
	struct circe_svm_stats st;

	assert_int_equal(circe_svm_get_stats(circe_dev_svm(f->dev), &st), 0);
	return st.registrations;
}

/* One GEMM's configuration and buffers. */
struct gcase {
	size_t m, k, n;
	bool per_channel, int4, bias, relu, out16;
	size_t tile_m, tile_n; /* 0: circe_gemm_run */
};

struct gbufs {
	int8_t *a, *w;
	uint8_t *wp; /* packed int4, or NULL */
	int32_t *bias;
	float *ws;
	void *y;
	size_t a_len, w_len, y_len, y_alloc;
	struct circe_gemm g;
};

static size_t round_page(size_t n)
{
	return n ? (n + 4095) & ~(size_t)4095 : 4096;
}

static void gbufs_make(struct tu_fixture *f, const struct gcase *c, struct gbufs *b)
{
	size_t nws = c->per_channel ? c->n : 1, esize = c->out16 ? 2 : 1;
	double target;

	memset(b, 0, sizeof(*b));
	b->a_len = c->m * c->k;
	b->w_len = c->n * (c->int4 ? (c->k + 1) / 2 : c->k);
	b->y_len = c->m * c->n * esize;
	b->y_alloc = round_page(b->y_len);
	b->a = tu_alloc_pages(b->a_len);
	b->w = tu_alloc_pages(c->n * c->k);
	b->bias = tu_alloc_pages(c->n * sizeof(int32_t));
	b->ws = calloc(nws, sizeof(float));
	b->y = tu_alloc_pages(b->y_len);
	assert_non_null(b->a);
	assert_non_null(b->w);
	assert_non_null(b->bias);
	assert_non_null(b->ws);
	assert_non_null(b->y);
	memset(b->y, SENTINEL, b->y_alloc);

	tu_rng_fill_i8(&f->rng, b->a, b->a_len, -128, 127);
	if (c->int4)
		tu_rng_fill_i8(&f->rng, b->w, c->n * c->k, -8, 7);
	else
		tu_rng_fill_i8(&f->rng, b->w, c->n * c->k, -127, 127);
	for (size_t i = 0; i < c->n; i++)
		b->bias[i] = (int32_t)tu_rng_range(&f->rng, -50000, 50000);

	b->g.m = c->m;
	b->g.k = c->k;
	b->g.n = c->n;
	b->g.input = b->a;
	b->g.input_scale = (float)(0.001 + 0.1 * (double)tu_rng_range(&f->rng, 0, 1000) / 1000);
	b->g.input_zero_point = (int32_t)tu_rng_range(&f->rng, -128, 127);
	for (size_t i = 0; i < nws; i++)
		b->ws[i] = (float)(0.001 +
				   0.05 * (double)tu_rng_range(&f->rng, 0, 1 << 20) / (1 << 20));
	b->g.weight_scales = b->ws;
	b->g.num_weight_scales = nws;
	/* Mostly multipliers that keep outputs in range, sometimes above 1
	 * (positive shifts, saturation). */
	if (tu_rng_range(&f->rng, 0, 7) == 0)
		target = ldexp(1.0, (int)tu_rng_range(&f->rng, 0, 4));
	else
		target = ldexp(1.0, -(int)tu_rng_range(&f->rng, 0, 6)) /
			 (sqrt((double)c->k) * (c->int4 ? 4.0 : 50.0));
	b->g.output_scale = (float)((double)b->g.input_scale * (double)b->ws[0] / target);
	b->g.output_bits = c->out16 ? 16 : (tu_rng_range(&f->rng, 0, 1) ? 8 : 0);
	b->g.output_zero_point = (int32_t)(c->out16 ? tu_rng_range(&f->rng, -2000, 2000)
						    : tu_rng_range(&f->rng, -128, 127));
	b->g.relu = c->relu;
	b->g.weight_bits = c->int4 ? 4 : 8;
	b->g.weights = b->w;
	if (c->int4) {
		b->wp = tu_alloc_pages(b->w_len);
		assert_non_null(b->wp);
		assert_int_equal(circe_int4_pack(b->w, c->n, c->k, b->wp), 0);
		b->g.weights = b->wp;
	}
	b->g.bias = c->bias ? b->bias : NULL;
	b->g.output = b->y;
}

static void gbufs_register(struct tu_fixture *f, const struct gcase *c, struct gbufs *b)
{
	assert_int_equal(circe_mem_register(f->ctx, b->a, b->a_len, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(f->ctx, b->g.weights, b->w_len, CIRCE_MEM_READ), 0);
	assert_int_equal(
		circe_mem_register(f->ctx, b->bias, c->n * sizeof(int32_t), CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(f->ctx, b->y, b->y_len, CIRCE_MEM_WRITE), 0);
}

static void gbufs_unregister(struct tu_fixture *f, const struct gcase *c, struct gbufs *b)
{
	assert_int_equal(circe_mem_unregister(f->ctx, b->a, b->a_len), 0);
	assert_int_equal(circe_mem_unregister(f->ctx, b->g.weights, b->w_len), 0);
	assert_int_equal(circe_mem_unregister(f->ctx, b->bias, c->n * sizeof(int32_t)), 0);
	assert_int_equal(circe_mem_unregister(f->ctx, b->y, b->y_len), 0);
}

static void gbufs_free(struct gbufs *b)
{
	free(b->a);
	free(b->w);
	free(b->wp);
	free(b->bias);
	free(b->ws);
	free(b->y);
}

/* The reference's view: multipliers from the reference derivation of the
 * same float scales, unpacked weights. */
static void check_against_ref(const struct gcase *c, const struct gbufs *b)
{
	size_t count = c->m * c->n, esize = c->out16 ? 2 : 1, bad = 0;
	int32_t *m0 = calloc(c->n, sizeof(int32_t)), *shift = calloc(c->n, sizeof(int32_t));
	int32_t *ref = calloc(count, sizeof(int32_t));
	int32_t out_min = c->out16 ? INT16_MIN : INT8_MIN,
		out_max = c->out16 ? INT16_MAX : INT8_MAX;
	struct ref_gemm_case rc;

	assert_non_null(m0);
	assert_non_null(shift);
	assert_non_null(ref);
	for (size_t j = 0; j < c->n; j++) {
		float ws = b->ws[c->per_channel ? j : 0];

		assert_int_equal(ref_quantize_multiplier((double)b->g.input_scale * (double)ws /
								 (double)b->g.output_scale,
							 &m0[j], &shift[j]),
				 0);
	}
	rc = (struct ref_gemm_case){
		.m = c->m,
		.k = c->k,
		.n = c->n,
		.a = b->a,
		.w = b->w,
		.bias = c->bias ? b->bias : NULL,
		.m0 = m0,
		.shift = shift,
		.in_zp = b->g.input_zero_point,
		.out_zp = b->g.output_zero_point,
		.clamp_min = c->relu ? b->g.output_zero_point : out_min,
		.clamp_max = out_max,
	};
	ref_gemm(&rc, ref);
	for (size_t i = 0; i < count; i++) {
		int32_t got;

		if (c->out16) {
			int16_t v;

			memcpy(&v, (const uint8_t *)b->y + 2 * i, 2);
			got = v;
		} else {
			got = ((const int8_t *)b->y)[i];
		}
		if (got != ref[i] && bad++ < 5)
			print_error("y[%zu][%zu] = %d, reference %d\n", i / c->n, i % c->n, got,
				    ref[i]);
	}
	/* Nothing written past the output. */
	for (size_t i = count * esize; i < b->y_alloc; i++)
		if (((const uint8_t *)b->y)[i] != SENTINEL && bad++ < 5)
			print_error("byte %zu past the output was written\n", i);
	free(m0);
	free(shift);
	free(ref);
	if (bad)
		fail_msg("%zu x %zu x %zu (per_channel %d int4 %d bias %d relu %d out16 %d tile "
			 "%zu x %zu): %zu mismatches",
			 c->m, c->k, c->n, c->per_channel, c->int4, c->bias, c->relu, c->out16,
			 c->tile_m, c->tile_n, bad);
}

static void run_case(struct tu_fixture *f, const struct gcase *c)
{
	struct circe_job_stats st;
	struct gbufs b;
	uint64_t regs = live_registrations(f);
	size_t tm = c->tile_m ? c->tile_m : CIRCE_HOST_GEMM_TILE_M;
	size_t tn = c->tile_n ? c->tile_n : CIRCE_HOST_GEMM_TILE_N;
	uint64_t tiles = (uint64_t)((c->m + tm - 1) / tm) * ((c->n + tn - 1) / tn);
	int err;

	gbufs_make(f, c, &b);
	gbufs_register(f, c, &b);
	if (c->tile_m)
		err = circe_gemm_run_tiled(f->ctx, &b.g, c->tile_m, c->tile_n, &st);
	else
		err = circe_gemm_run(f->ctx, &b.g, &st);
	if (err)
		fail_msg("%zu x %zu x %zu: %s: %s", c->m, c->k, c->n, circe_strerror(err),
			 circe_errmsg());
	gbufs_unregister(f, c, &b);
	assert_int_equal(live_registrations(f), regs);
	check_against_ref(c, &b);
	assert_int_equal(st.descriptors, tiles);
	assert_int_equal(st.macs, (uint64_t)c->m * c->k * c->n);
	assert_true(st.dma_write_bytes >= b.y_len);
	assert_true(st.wall_seconds > 0);
	gbufs_free(&b);
}

/* Dimensions in [1, hi], mostly not multiples of 16 so that partial array
 * tiles are the rule. */
static size_t random_dim(struct tu_rng *r, size_t hi)
{
	size_t d = (size_t)tu_rng_range(r, 1, (int64_t)hi);

	if (d % 16 == 0 && tu_rng_range(r, 0, 3))
		d = d > 1 ? d - 1 : 1;
	return d;
}

static void test_gemm_random(void **state)
{
	struct tu_fixture *f = *state;

	for (int i = 0; i < 128; i++) {
		struct gcase c = { 0 };

		c.m = random_dim(&f->rng, 300);
		c.k = random_dim(&f->rng, 300);
		c.n = random_dim(&f->rng, 300);
		/* Every combination of the five switches at least once. */
		c.per_channel = i & 1;
		c.int4 = (i >> 1) & 1;
		c.bias = (i >> 2) & 1;
		c.relu = (i >> 3) & 1;
		c.out16 = ((i >> 4) & 1) ^ (i >= 32 ? (int)tu_rng_range(&f->rng, 0, 1) : 0);
		/* Half of the second pass with tiles smaller than the GEMM. */
		if (i >= 32 && i % 2) {
			c.tile_m = (size_t)tu_rng_range(&f->rng, 1, 128);
			c.tile_n = (size_t)tu_rng_range(&f->rng, 1, 128);
		}
		run_case(f, &c);
	}
}

static void test_gemm_edge_shapes(void **state)
{
	struct tu_fixture *f = *state;
	static const size_t shapes[][3] = {
		{ 1, 1, 1 },	{ 1, 300, 1 },	{ 300, 1, 1 }, { 1, 1, 300 },
		{ 16, 16, 16 }, { 17, 33, 15 }, { 2, 1, 3 },   { 64, 128, 32 },
	};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		for (int v = 0; v < 2; v++) {
			struct gcase c = { .m = shapes[i][0],
					   .k = shapes[i][1],
					   .n = shapes[i][2],
					   .per_channel = v,
					   .int4 = v,
					   .bias = !v,
					   .relu = v,
					   .out16 = !v };

			run_case(f, &c);
		}
	}
}

/* Many descriptors per job: tiles far smaller than the GEMM. */
static void test_gemm_tiling(void **state)
{
	struct tu_fixture *f = *state;
	static const size_t cases[][5] = {
		/* m, k, n, tile_m, tile_n */
		{ 5, 7, 3, 1, 1 },	  { 33, 70, 19, 7, 5 },	    { 40, 9, 50, 16, 16 },
		{ 100, 13, 37, 3, 1000 }, { 37, 21, 100, 1000, 9 }, { 64, 64, 64, 32, 32 },
		{ 50, 31, 49, 49, 50 },	  { 129, 17, 77, 128, 76 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int v = 0; v < 4; v++) {
			struct gcase c = { .m = cases[i][0],
					   .k = cases[i][1],
					   .n = cases[i][2],
					   .tile_m = cases[i][3],
					   .tile_n = cases[i][4],
					   .per_channel = v & 1,
					   .int4 = (v >> 1) & 1,
					   .bias = v != 1,
					   .relu = v == 2,
					   .out16 = v == 3 };

			run_case(f, &c);
		}
	}
}

/* A small valid GEMM whose fields the error tests break one at a time. */
struct small {
	int8_t *a, *w;
	int32_t *bias;
	int8_t *y;
	float ws[4];
	struct circe_gemm g;
};

static void small_make(struct tu_fixture *f, struct small *s)
{
	memset(s, 0, sizeof(*s));
	s->a = tu_alloc_pages(4096);
	s->w = tu_alloc_pages(4096);
	s->bias = tu_alloc_pages(4096);
	s->y = tu_alloc_pages(4096);
	assert_non_null(s->a);
	assert_non_null(s->w);
	assert_non_null(s->bias);
	assert_non_null(s->y);
	tu_rng_fill_i8(&f->rng, s->a, 4096, -128, 127);
	tu_rng_fill_i8(&f->rng, s->w, 4096, -8, 7);
	for (int i = 0; i < 4; i++)
		s->ws[i] = 0.01f;
	s->g = (struct circe_gemm){
		.m = 5,
		.k = 6,
		.n = 4,
		.input = s->a,
		.input_scale = 0.05f,
		.input_zero_point = 3,
		.weights = s->w,
		.weight_bits = 8,
		.weight_scales = s->ws,
		.num_weight_scales = 4,
		.bias = s->bias,
		.output = s->y,
		.output_bits = 8,
		.output_scale = 0.1f,
		.output_zero_point = -2,
	};
}

static void small_register(struct tu_fixture *f, struct small *s)
{
	assert_int_equal(circe_mem_register(f->ctx, s->a, 4096, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(f->ctx, s->w, 4096, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(f->ctx, s->bias, 4096, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(f->ctx, s->y, 4096, CIRCE_MEM_WRITE), 0);
}

static void small_free(struct tu_fixture *f, struct small *s)
{
	circe_mem_unregister(f->ctx, s->a, 4096);
	circe_mem_unregister(f->ctx, s->w, 4096);
	circe_mem_unregister(f->ctx, s->bias, 4096);
	circe_mem_unregister(f->ctx, s->y, 4096);
	free(s->a);
	free(s->w);
	free(s->bias);
	free(s->y);
}

static void expect_gemm_err(struct tu_fixture *f, const struct circe_gemm *g, int err,
			    const char *needle)
{
	uint64_t regs = live_registrations(f);
	struct circe_job_stats st;
	int got = circe_gemm_run(f->ctx, g, &st);

	if (got != err)
		fail_msg("expected %d (%s), got %d (%s): %s", err, needle, got, circe_strerror(got),
			 circe_errmsg());
	if (!strstr(circe_errmsg(), needle))
		fail_msg("message '%s' does not contain '%s'", circe_errmsg(), needle);
	/* The job buffer is unregistered on every path. */
	assert_int_equal(live_registrations(f), regs);
}

static void test_gemm_bad_arguments(void **state)
{
	struct tu_fixture *f = *state;
	struct small s;
	struct circe_gemm g;
	float bad_ws[4] = { 0.01f, 0.01f, -0.01f, 0.01f };

	small_make(f, &s);
	small_register(f, &s);
	assert_int_equal(circe_gemm_run(f->ctx, &s.g, NULL), 0);

	assert_int_equal(circe_gemm_run(NULL, &s.g, NULL), -EINVAL);
	assert_int_equal(circe_gemm_run(f->ctx, NULL, NULL), -EINVAL);
	g = s.g, g.m = 0;
	expect_gemm_err(f, &g, -EINVAL, "nonzero");
	g = s.g, g.k = 0;
	expect_gemm_err(f, &g, -EINVAL, "k 0");
	g = s.g, g.n = 0;
	expect_gemm_err(f, &g, -EINVAL, "n 0");
	g = s.g, g.k = CIRCE_HW_GEMM_MAX_K + 1;
	expect_gemm_err(f, &g, -E2BIG, "16385");
	g = s.g, g.weight_bits = 3;
	expect_gemm_err(f, &g, -EINVAL, "weight_bits 3");
	g = s.g, g.weight_bits = 0;
	expect_gemm_err(f, &g, -EINVAL, "weight_bits 0");
	g = s.g, g.output_bits = 12;
	expect_gemm_err(f, &g, -EINVAL, "output_bits 12");
	g = s.g, g.num_weight_scales = 2;
	expect_gemm_err(f, &g, -EINVAL, "num_weight_scales 2");
	g = s.g, g.num_weight_scales = 0;
	expect_gemm_err(f, &g, -EINVAL, "num_weight_scales 0");
	g = s.g, g.weight_scales = NULL;
	expect_gemm_err(f, &g, -EINVAL, "NULL weight_scales");
	g = s.g, g.weight_scales = bad_ws;
	expect_gemm_err(f, &g, -EINVAL, "weight_scales[2]");
	g = s.g, g.input_scale = 0;
	expect_gemm_err(f, &g, -EINVAL, "input_scale");
	g = s.g, g.input_scale = NAN;
	expect_gemm_err(f, &g, -EINVAL, "input_scale");
	g = s.g, g.output_scale = -1;
	expect_gemm_err(f, &g, -EINVAL, "output_scale");
	g = s.g, g.output_scale = INFINITY;
	expect_gemm_err(f, &g, -EINVAL, "output_scale");
	g = s.g, g.input_zero_point = 128;
	expect_gemm_err(f, &g, -EINVAL, "input_zero_point 128");
	g = s.g, g.input_zero_point = -129;
	expect_gemm_err(f, &g, -EINVAL, "input_zero_point -129");
	g = s.g, g.output_zero_point = 128;
	expect_gemm_err(f, &g, -EINVAL, "output_zero_point 128");
	g = s.g, g.output_bits = 16, g.output_zero_point = 40000;
	expect_gemm_err(f, &g, -EINVAL, "output_zero_point 40000");
	/* The multiplier would need shift 31. */
	g = s.g, g.input_scale = 1e6f, g.output_scale = 1e-6f;
	expect_gemm_err(f, &g, -ERANGE, "channel 0");
	/* Tile sizes of the internal entry point. */
	assert_int_equal(circe_gemm_run_tiled(f->ctx, &s.g, 0, 1, NULL), -EINVAL);
	assert_int_equal(circe_gemm_run_tiled(f->ctx, &s.g, 1, CIRCE_HW_GEMM_MAX_N + 1, NULL),
			 -EINVAL);

	/* int16 output with zero point 128 is fine; so is output_bits 0. */
	g = s.g, g.output_bits = 16, g.output_zero_point = 128;
	assert_int_equal(circe_gemm_run(f->ctx, &g, NULL), 0);
	g = s.g, g.output_bits = 0;
	assert_int_equal(circe_gemm_run(f->ctx, &g, NULL), 0);
	small_free(f, &s);
}

/* Bad pointers reach the device, which faults; the context stays usable. */
static void test_gemm_device_faults(void **state)
{
	struct tu_fixture *f = *state;
	struct small s;
	struct circe_gemm g;
	struct circe_job_stats st;
	int8_t *unreg = tu_alloc_pages(4096);
	int8_t expected[5 * 4];

	assert_non_null(unreg);
	small_make(f, &s);
	small_register(f, &s);
	assert_int_equal(circe_gemm_run(f->ctx, &s.g, &st), 0);
	memcpy(expected, s.y, sizeof(expected));

	g = s.g, g.input = NULL;
	expect_gemm_err(f, &g, -EFAULT, "input");
	assert_int_equal(circe_gemm_run(f->ctx, &s.g, &st), 0);
	assert_memory_equal(s.y, expected, sizeof(expected));

	g = s.g, g.weights = NULL;
	expect_gemm_err(f, &g, -EFAULT, "weights");
	g = s.g, g.bias = (const int32_t *)unreg;
	expect_gemm_err(f, &g, -EFAULT, "bias");
	g = s.g, g.output = unreg;
	expect_gemm_err(f, &g, -EFAULT, "output");
	g = s.g, g.output = NULL;
	expect_gemm_err(f, &g, -EFAULT, "output");
	/* Registered, but read-only for the device. */
	g = s.g, g.output = s.a;
	expect_gemm_err(f, &g, -EFAULT, "output");
	for (int i = 0; i < 4096; i++)
		assert_int_equal(unreg[i], 0);

	/* A fault in a later tile: the output's third row falls on a page that
	 * is not registered; the message names the tile. */
	{
		int8_t *y2 = tu_alloc_pages(8192);

		assert_non_null(y2);
		assert_int_equal(circe_mem_register(f->ctx, y2, 4096, CIRCE_MEM_WRITE), 0);
		g = s.g, g.output = y2 + 4096 - 8;
		assert_int_equal(circe_gemm_run_tiled(f->ctx, &g, 1, 1, &st), -EFAULT);
		assert_non_null(
			strstr(circe_errmsg(), "output, tile 8 of 20 (rows 2.., cols 0..)"));
		/* The first two rows were written. */
		assert_memory_equal(y2 + 4096 - 8, expected, 8);
		assert_int_equal(circe_mem_unregister(f->ctx, y2, 4096), 0);
		free(y2);
	}

	assert_int_equal(circe_gemm_run(f->ctx, &s.g, &st), 0);
	assert_memory_equal(s.y, expected, sizeof(expected));
	assert_int_equal(st.descriptors, 1);
	small_free(f, &s);
	free(unreg);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gemm_bad_arguments, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_device_faults, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_edge_shapes, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_tiling, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_random, fixture_setup,
						tu_fixture_teardown),
	};
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be), count;
	struct CMUnitTest *all =
		tu_backend_tests(tests, sizeof(tests) / sizeof(tests[0]), be, n, &count);
	int failed;

	/* Every test on every backend the library has, "test_x/<backend>". */
	if (!all)
		return 1;
	failed = _cmocka_run_group_tests("host_gemm", all, count, NULL, NULL);
	tu_backend_tests_free(all, count);
	return failed;
}
