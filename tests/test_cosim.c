/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Co-simulation: the same jobs on the functional model (fmodel) and on the
 * RTL under Verilator (vsim), compared byte for byte: outputs (whole
 * buffers, gaps between strided rows included), descriptor status blocks,
 * the job's STATUS / ERR_INDEX / ERR_VA, fault records as the fault
 * registers show them, and the counters both models count (MACS,
 * DESCRIPTORS, FAULTS, DMA_WR_BYTES). Both are also checked against the
 * hw/hls kernel.
 *
 * fmodel is opened with vsim's configuration (no L2 TLB, one walker) and
 * both with vsim's device tree, so that the two devices are the same device.
 * Random jobs (seeds printed): shapes 1..300, int8 / int4 weights,
 * per-tensor / per-channel requantization, bias, ReLU, int16 output, row
 * strides; bad input: NULL and unregistered pointers, illegal descriptors,
 * an injected bus error, a hang. CIRC and LSTM the same way (random shapes,
 * every k, bad pointers, illegal descriptors), once the RTL reports them in
 * FEATURES (skipped until then).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"
#include "hw/hls/circe_hls.h"
#include "svm/svm.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_pair.h"

#define COSIM_DESCS 64u
#define COSIM_RANDOM_JOBS 24
#define COSIM_POLL_S 30.0

static double cosim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cosim_setup(void **state)
{
	return tu_pair_setup(state, COSIM_DESCS, "cosim", 2024);
}

static uint32_t cosim_reg(struct tu_pair *c, int side, uint32_t off)
{
	uint32_t v = 0;

	assert_int_equal(circe_dev_reg_read(c->s[side].dev, off, &v), 0);
	return v;
}

/* ---- one GEMM, inputs shared by both sides, an output each ---------- */

struct cosim_gemm {
	struct circe_hw_desc_gemm desc; /* y_va unset */
	int8_t *a;
	uint8_t *w;
	int32_t *bias;
	struct circe_hw_requant *rq;
	uint8_t *y[TU_PAIR_SIDES];
	size_t y_bytes;
};

/* A random legal GEMM; Y buffers filled with 0x5A so untouched bytes show. */
static void cosim_gemm_make(struct tu_pair *c, struct cosim_gemm *g, uint32_t m, uint32_t k,
			    uint32_t n, uint32_t flags, uint32_t pad)
{
	struct circe_hw_desc_gemm *x = &g->desc;
	size_t esize = (flags & CIRCE_HW_GEMM_OUT16) ? 2 : 1;
	size_t wrow = (flags & CIRCE_HW_GEMM_INT4) ? (k + 1) / 2 : k;
	size_t nrq = (flags & CIRCE_HW_GEMM_PER_CHANNEL) ? n : 1;
	int32_t lo = esize == 2 ? INT16_MIN : INT8_MIN, hi = esize == 2 ? INT16_MAX : INT8_MAX;
	size_t a_bytes, w_bytes, rq_bytes;

	memset(g, 0, sizeof(*g));
	x->opcode = CIRCE_HW_OP_GEMM;
	x->flags = flags;
	x->m = m;
	x->k = k;
	x->n = n;
	x->lda = k + pad;
	x->ldw = (uint32_t)wrow + pad;
	x->ldy = (uint32_t)(n * esize) + pad;
	x->in_zp = (int32_t)tu_rng_range(&c->rng, -128, 127);
	x->out_zp = (int32_t)tu_rng_range(&c->rng, -20, 20);
	x->clamp_min = tu_rng_range(&c->rng, 0, 1) ? x->out_zp : lo; /* ReLU or not */
	x->clamp_max = hi;

	a_bytes = (size_t)m * x->lda;
	w_bytes = (size_t)n * x->ldw;
	rq_bytes = nrq * sizeof(struct circe_hw_requant);
	g->y_bytes = (size_t)m * x->ldy;
	g->a = tu_pair_alloc(c, a_bytes);
	g->w = tu_pair_alloc(c, w_bytes);
	g->rq = tu_pair_alloc(c, rq_bytes);
	tu_rng_fill_i8(&c->rng, g->a, a_bytes, -128, 127);
	tu_rng_fill_i8(&c->rng, (int8_t *)g->w, w_bytes, -128, 127);
	tu_pair_register(c, g->a, a_bytes, CIRCE_MEM_READ);
	tu_pair_register(c, g->w, w_bytes, CIRCE_MEM_READ);
	if (flags & CIRCE_HW_GEMM_BIAS) {
		g->bias = tu_pair_alloc(c, n * sizeof(int32_t));
		for (size_t i = 0; i < n; i++)
			g->bias[i] = (int32_t)tu_rng_range(&c->rng, -100000, 100000);
		tu_pair_register(c, g->bias, n * sizeof(int32_t), CIRCE_MEM_READ);
	}
	for (size_t i = 0; i < nrq; i++) {
		g->rq[i].m0 = (int32_t)tu_rng_range(&c->rng, 1 << 30, INT32_MAX);
		/* mostly in range, sometimes a positive shift that saturates */
		g->rq[i].shift =
			tu_rng_range(&c->rng, 0, 15) == 0
				? (int32_t)tu_rng_range(&c->rng, 0, 3)
				: (int32_t)tu_rng_range(&c->rng, esize == 2 ? -12 : -17, -6);
	}
	tu_pair_register(c, g->rq, rq_bytes, CIRCE_MEM_READ);
	for (int i = 0; i < TU_PAIR_SIDES; i++) {
		g->y[i] = tu_pair_alloc(c, g->y_bytes);
		memset(g->y[i], 0x5A, g->y_bytes);
		assert_int_equal(circe_mem_register(c->s[i].ctx, g->y[i], g->y_bytes, CIRCE_MEM_RW),
				 0);
	}
	x->a_va = (uintptr_t)g->a;
	x->w_va = (uintptr_t)g->w;
	x->bias_va = (uintptr_t)g->bias;
	x->rq_va = (uintptr_t)g->rq;
	assert_int_equal(circe_hls_gemm_check(x), 0);
}

/* Descriptor i of side s: the GEMM writing that side's Y. */
static void cosim_gemm_put(struct tu_pair *c, int s, unsigned i, const struct cosim_gemm *g)
{
	union circe_hw_desc *d = &c->s[s].descs[i];

	memset(d, 0, sizeof(*d));
	d->gemm = g->desc;
	d->gemm.y_va = (uintptr_t)g->y[s];
	d->gemm.status = (struct circe_hw_status){ 0xEEEEEEEE, 0xEEEEEEEE, ~0ull };
}

static void cosim_op_put(struct tu_pair *c, unsigned i, uint32_t opcode)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		union circe_hw_desc *d = &c->s[s].descs[i];

		memset(d, 0, sizeof(*d));
		d->head.opcode = opcode;
		d->generic.status = (struct circe_hw_status){ 77, 78, 79 };
	}
}

static uint8_t *cosim_gemm_expected(const struct cosim_gemm *g)
{
	uint8_t *y = malloc(g->y_bytes);

	assert_non_null(y);
	memset(y, 0x5A, g->y_bytes);
	circe_hls_gemm(&g->desc, g->a, g->w, g->bias, g->rq, y);
	return y;
}

/* ---- running a job on both sides and comparing ----------------------- */

struct cosim_run {
	int rc[TU_PAIR_SIDES];
	struct circe_job_result res[TU_PAIR_SIDES];
};

static void cosim_submit(struct tu_pair *c, uint32_t count, struct cosim_run *r)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		r->rc[s] = circe_ctx_submit(c->s[s].ctx, c->s[s].descs, count, &r->res[s]);
		if (r->rc[s])
			print_message("# %s: %s (%s)\n", tu_pair_side_name[s],
				      circe_strerror(r->rc[s]), circe_errmsg());
	}
}

/* What both sides must agree on after a job of count descriptors. */
static void cosim_compare(struct tu_pair *c, uint32_t count, const struct cosim_run *r,
			  const char *what)
{
	const struct circe_job_result *f = &r->res[0], *v = &r->res[1];
	static const unsigned both_count[] = { CIRCE_PERF_MACS, CIRCE_PERF_DESCRIPTORS,
					       CIRCE_PERF_FAULTS, CIRCE_PERF_DMA_WR_BYTES };

	if (r->rc[0] != r->rc[1])
		fail_msg("%s: fmodel returned %d, vsim %d", what, r->rc[0], r->rc[1]);
	if (f->status != v->status || f->err_index != v->err_index || f->fault_va != v->fault_va)
		fail_msg("%s: STATUS %u / %u, ERR_INDEX %u / %u, ERR_VA 0x%" PRIx64 " / 0x%" PRIx64
			 " (fmodel / vsim)",
			 what, f->status, v->status, f->err_index, v->err_index, f->fault_va,
			 v->fault_va);
	for (uint32_t i = 0; i < count; i++) {
		const struct circe_hw_status *a = &c->s[0].descs[i].generic.status;
		const struct circe_hw_status *b = &c->s[1].descs[i].generic.status;

		if (memcmp(a, b, sizeof(*a)))
			fail_msg("%s: descriptor %u status block {%u, 0x%x, 0x%" PRIx64
				 "} / {%u, 0x%x, 0x%" PRIx64 "} (fmodel / vsim)",
				 what, i, a->code, a->detail, a->fault_va, b->code, b->detail,
				 b->fault_va);
	}
	for (size_t i = 0; i < sizeof(both_count) / sizeof(both_count[0]); i++) {
		unsigned id = both_count[i];

		if (f->perf[id] != v->perf[id])
			fail_msg("%s: counter %u: fmodel %" PRIu64 ", vsim %" PRIu64, what, id,
				 f->perf[id], v->perf[id]);
	}
}

static void cosim_expect_idle(struct tu_pair *c)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		assert_true(cosim_reg(c, s, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE);
		assert_false(cosim_reg(c, s, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);
	}
}

static void cosim_expect_nop_ok(struct tu_pair *c)
{
	struct cosim_run r;

	cosim_op_put(c, 0, CIRCE_HW_OP_NOP);
	cosim_submit(c, 1, &r);
	assert_int_equal(r.rc[0], 0);
	assert_int_equal(r.rc[1], 0);
	cosim_compare(c, 1, &r, "NOP");
}

static uint32_t cosim_random_flags(struct tu_rng *rng)
{
	uint32_t f = 0;

	if (tu_rng_range(rng, 0, 1))
		f |= CIRCE_HW_GEMM_INT4;
	if (tu_rng_range(rng, 0, 3) == 0)
		f |= CIRCE_HW_GEMM_OUT16;
	if (tu_rng_range(rng, 0, 1))
		f |= CIRCE_HW_GEMM_BIAS;
	if (tu_rng_range(rng, 0, 1))
		f |= CIRCE_HW_GEMM_PER_CHANNEL;
	return f;
}

/* ---- tests ---------------------------------------------------------- */

static void test_cosim_random_gemm(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	double t0 = cosim_now();
	uint64_t cycles = 0;

	for (int j = 0; j < COSIM_RANDOM_JOBS; j++) {
		struct cosim_gemm g;
		struct cosim_run r;
		char what[128];
		uint32_t m = (uint32_t)tu_rng_range(&c->rng, 1, 300);
		uint32_t k = (uint32_t)tu_rng_range(&c->rng, 1, 300);
		uint32_t n = (uint32_t)tu_rng_range(&c->rng, 1, 300);
		uint32_t flags = cosim_random_flags(&c->rng);
		uint32_t pad =
			tu_rng_range(&c->rng, 0, 2) ? 0 : (uint32_t)tu_rng_range(&c->rng, 1, 70);
		uint8_t *want;

		/* Every flag combination early, whatever the seed. */
		if (j < 16)
			flags = (uint32_t)j;
		if (j % 5 == 4) { /* a few small shapes: edges of the array */
			m = (uint32_t)tu_rng_range(&c->rng, 1, 20);
			k = (uint32_t)tu_rng_range(&c->rng, 1, 20);
			n = (uint32_t)tu_rng_range(&c->rng, 1, 20);
		}
		snprintf(what, sizeof(what), "job %d: %u x %u x %u flags 0x%x pad %u", j, m, k, n,
			 flags, pad);
		cosim_gemm_make(c, &g, m, k, n, flags, pad);
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			cosim_gemm_put(c, s, 0, &g);
		want = cosim_gemm_expected(&g);
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], 0);
		cosim_compare(c, 1, &r, what);
		if (memcmp(g.y[0], want, g.y_bytes))
			fail_msg("%s: fmodel differs from the kernel", what);
		if (memcmp(g.y[1], g.y[0], g.y_bytes)) {
			size_t i = 0;

			while (g.y[1][i] == g.y[0][i])
				i++;
			fail_msg("%s: vsim output differs from fmodel first at byte %zu (row %zu): "
				 "0x%02x, fmodel 0x%02x",
				 what, i, i / g.desc.ldy, g.y[1][i], g.y[0][i]);
		}
		cycles += r.res[1].perf[CIRCE_PERF_CYCLES];
		free(want);
	}
	print_message("# %d random GEMMs identical on fmodel and vsim: %" PRIu64
		      " vsim cycles in %.1f s\n",
		      COSIM_RANDOM_JOBS, cycles, cosim_now() - t0);
}

/* A list of GEMMs, NOPs and FENCEs in one job; then one that stops at an
 * illegal descriptor in its middle. */
static void test_cosim_list(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cosim_gemm g[3];
	struct cosim_run r;

	for (unsigned i = 0; i < 3; i++) {
		cosim_gemm_make(c, &g[i], 5 + 7 * i, 40 + 30 * i, 9 + 11 * i,
				cosim_random_flags(&c->rng), i);
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			cosim_gemm_put(c, s, 2 * i, &g[i]);
		cosim_op_put(c, 2 * i + 1, i == 1 ? CIRCE_HW_OP_NOP : CIRCE_HW_OP_FENCE);
	}
	cosim_submit(c, 6, &r);
	assert_int_equal(r.rc[0], 0);
	cosim_compare(c, 6, &r, "list of 6");
	for (unsigned i = 0; i < 3; i++)
		assert_memory_equal(g[i].y[0], g[i].y[1], g[i].y_bytes);

	for (unsigned i = 0; i < 3; i++)
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			cosim_gemm_put(c, s, i, &g[i]);
	cosim_op_put(c, 1, 0x55);
	cosim_submit(c, 3, &r);
	assert_int_equal(r.rc[0], -EINVAL);
	cosim_compare(c, 3, &r, "list stopping at descriptor 1");
	assert_int_equal(r.res[1].err_index, 1);
	assert_int_equal(c->s[1].descs[2].gemm.status.code, 0xEEEEEEEE);
	cosim_expect_idle(c);
}

/* NULL and unregistered pointers: -EFAULT, the same status words, and the
 * next job runs. */
static void test_cosim_bad_pointers(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	int8_t *stray = tu_pair_alloc(c, 4096);
	struct cosim_gemm g;
	struct cosim_run r;
	static const char *const fields[] = { "a", "w", "bias", "rq", "y" };

	cosim_gemm_make(c, &g, 6, 40, 10, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL, 0);
	for (int f = 0; f < 5; f++) {
		for (int bad = 0; bad < 2; bad++) {
			uint64_t va = bad ? (uintptr_t)stray : 0;
			char what[64];

			snprintf(what, sizeof(what), "%s = %s", fields[f],
				 bad ? "unregistered" : "NULL");
			for (int s = 0; s < TU_PAIR_SIDES; s++) {
				struct circe_hw_desc_gemm *d;

				cosim_gemm_put(c, s, 0, &g);
				memset(g.y[s], 0x5A, g.y_bytes);
				d = &c->s[s].descs[0].gemm;
				if (f == 0)
					d->a_va = va;
				else if (f == 1)
					d->w_va = va;
				else if (f == 2)
					d->bias_va = va;
				else if (f == 3)
					d->rq_va = va;
				else
					d->y_va = va;
			}
			cosim_submit(c, 1, &r);
			assert_int_equal(r.rc[0], -EFAULT);
			cosim_compare(c, 1, &r, what);
			assert_int_equal(r.res[1].fault_va, va);
			assert_memory_equal(g.y[0], g.y[1], g.y_bytes);
			cosim_expect_idle(c);
		}
	}
	cosim_expect_nop_ok(c);
}

/* Bad opcodes and zero or oversized dimensions: -EINVAL, device idle. */
static void test_cosim_illegal(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cosim_gemm g;
	struct cosim_run r;
	static const struct {
		const char *what;
		size_t off; /* field of the GEMM descriptor, 32 bits */
		uint32_t val;
	} cases[] = {
		{ "m = 0", offsetof(struct circe_hw_desc_gemm, m), 0 },
		{ "k = 0", offsetof(struct circe_hw_desc_gemm, k), 0 },
		{ "n = 0", offsetof(struct circe_hw_desc_gemm, n), 0 },
		{ "k too big", offsetof(struct circe_hw_desc_gemm, k), CIRCE_HW_GEMM_MAX_K + 1 },
		{ "flags", offsetof(struct circe_hw_desc_gemm, flags), 0x10 },
		{ "lda", offsetof(struct circe_hw_desc_gemm, lda), 3 },
		{ "clamp", offsetof(struct circe_hw_desc_gemm, clamp_min), 127 },
		{ "in_zp", offsetof(struct circe_hw_desc_gemm, in_zp), 200 },
	};
	/* CIRC and LSTM are not here: the model runs them (an all-zero one
	 * is ILLEGAL DIMS there) */
	static const uint32_t opcodes[] = { 99, CIRCE_HW_OP_FENCE + 1, 0xFFFFFFFFu };

	for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		cosim_op_put(c, 0, opcodes[i]);
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], -EINVAL);
		cosim_compare(c, 1, &r, "bad opcode");
		cosim_expect_idle(c);
	}
	cosim_gemm_make(c, &g, 4, 16, 4, CIRCE_HW_GEMM_PER_CHANNEL, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			cosim_gemm_put(c, s, 0, &g);
			memcpy((uint8_t *)&c->s[s].descs[0].gemm + cases[i].off, &cases[i].val, 4);
		}
		if (!strcmp(cases[i].what, "clamp"))
			for (int s = 0; s < TU_PAIR_SIDES; s++)
				c->s[s].descs[0].gemm.clamp_max = 0;
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], -EINVAL);
		cosim_compare(c, 1, &r, cases[i].what);
		cosim_expect_idle(c);
	}
	/* the requant table is data, checked once fetched */
	g.rq[1].shift = 31;
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		cosim_gemm_put(c, s, 0, &g);
	cosim_submit(c, 1, &r);
	assert_int_equal(r.rc[0], -EINVAL);
	cosim_compare(c, 1, &r, "requant shift 31");
	g.rq[1].shift = -3;
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		assert_memory_equal(g.y[s], g.y[0], g.y_bytes);
	cosim_expect_nop_ok(c);
}

/* The fault registers: a job whose input is not mapped raises a record on
 * both; the records agree; ABORT ends both jobs the same way; a second run
 * answered RESUME after the page is mapped completes with the same output. */
static void test_cosim_fault_records(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cosim_gemm g;
	int8_t *late = tu_pair_alloc(c, 8192);
	uint32_t st[TU_PAIR_SIDES], va_lo[TU_PAIR_SIDES], va_hi[TU_PAIR_SIDES];

	cosim_gemm_make(c, &g, 3, 100, 5, 0, 0);
	memcpy(late, g.a, 300);
	for (int pass = 0; pass < 2; pass++) {
		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			struct circe_dev *dev = c->s[s].dev;
			uint16_t asid = circe_svm_ctx_asid(circe_ctx_svm(c->s[s].ctx));
			uint64_t dva = (uintptr_t)c->s[s].descs;
			double deadline = cosim_now() + COSIM_POLL_S;
			uint32_t isr = 0;

			cosim_gemm_put(c, s, 0, &g);
			c->s[s].descs[0].gemm.a_va = (uintptr_t)late + 4096 - 150; /* straddles */
			memset(g.y[s], 0x5A, g.y_bytes);
			/* the job by hand, so the fault registers can be read */
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_ISR, 3), 0);
			assert_int_equal(
				circe_dev_reg_write(dev, CIRCE_REG_CMD_VA_LO, (uint32_t)dva), 0);
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_CMD_VA_HI,
							     (uint32_t)(dva >> 32)),
					 0);
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_CMD_COUNT, 1), 0);
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_ASID, asid), 0);
			assert_int_equal(
				circe_dev_reg_write(dev, CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START),
				0);
			/* register reads advance vsim's clock: poll */
			while (!(isr & CIRCE_HW_IRQ_FAULT) && cosim_now() < deadline)
				isr = cosim_reg(c, s, CIRCE_REG_ISR);
			assert_true(isr & CIRCE_HW_IRQ_FAULT);
			st[s] = cosim_reg(c, s, CIRCE_REG_FAULT_STATUS);
			va_lo[s] = cosim_reg(c, s, CIRCE_REG_FAULT_VA_LO);
			va_hi[s] = cosim_reg(c, s, CIRCE_REG_FAULT_VA_HI);
			assert_true(st[s] & CIRCE_HW_FAULT_PENDING);
			assert_int_equal(st[s] >> CIRCE_HW_FAULT_ASID_SHIFT, asid);
			assert_true(cosim_reg(c, s, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_FAULT_WAIT);
			if (pass == 1)
				assert_int_equal(
					circe_mem_register(c->s[s].ctx, late, 8192, CIRCE_MEM_READ),
					0);
			assert_int_equal(
				circe_dev_reg_write(dev, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT), 0);
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_FAULT_RESP,
							     pass ? CIRCE_HW_FAULT_RESP_RESUME
								  : CIRCE_HW_FAULT_RESP_ABORT),
					 0);
			isr = 0;
			while (!(isr & CIRCE_HW_IRQ_DONE) && cosim_now() < deadline)
				isr = cosim_reg(c, s, CIRCE_REG_ISR);
			assert_true(isr & CIRCE_HW_IRQ_DONE);
			assert_int_equal(isr & CIRCE_HW_IRQ_FAULT, 0);
			assert_int_equal(circe_dev_reg_write(dev, CIRCE_REG_ISR, 3), 0);
		}
		/* the fault record, minus the ASID each device's SVM chose */
		assert_int_equal(st[0] & 0xFFFFu, st[1] & 0xFFFFu);
		assert_int_equal(va_lo[0], va_lo[1]);
		assert_int_equal(va_hi[0], va_hi[1]);
		assert_int_equal((uint64_t)va_hi[1] << 32 | va_lo[1], (uintptr_t)late + 4096 - 150);
		for (unsigned r = CIRCE_REG_STATUS; r <= CIRCE_REG_ERR_VA_HI; r += 4)
			assert_int_equal(cosim_reg(c, 0, r), cosim_reg(c, 1, r));
		assert_memory_equal(&c->s[0].descs[0].gemm.status, &c->s[1].descs[0].gemm.status,
				    sizeof(struct circe_hw_status));
		assert_int_equal(c->s[1].descs[0].gemm.status.code,
				 pass ? CIRCE_HW_ST_OK : CIRCE_HW_ST_FAULT);
		assert_memory_equal(g.y[0], g.y[1], g.y_bytes);
	}
	cosim_expect_idle(c);
	cosim_expect_nop_ok(c);
}

/* An injected bus error on each side's IOVA of the input: -EIO, the same
 * status, and the device recovers. */
static void test_cosim_bus_error(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cosim_gemm g;
	struct cosim_run r;

	cosim_gemm_make(c, &g, 6, 5000, 3, CIRCE_HW_GEMM_PER_CHANNEL, 0);
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		uint64_t iova;

		/* the second page of A */
		assert_int_equal(circe_svm_translate(circe_ctx_svm(c->s[s].ctx),
						     (uintptr_t)g.a + 4096, false, &iova),
				 0);
		assert_int_equal(
			circe_dev_inject(c->s[s].dev,
					 &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR,
								 .iova = iova,
								 .len = 4096 }),
			0);
		cosim_gemm_put(c, s, 0, &g);
	}
	cosim_submit(c, 1, &r);
	assert_int_equal(r.rc[0], -EIO);
	cosim_compare(c, 1, &r, "bus error");
	assert_int_equal(r.res[1].status, CIRCE_HW_ST_BUS_ERROR);
	assert_int_equal(r.res[1].fault_va, (uintptr_t)g.a + 4096);
	cosim_expect_idle(c);
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		assert_int_equal(cosim_reg(c, s, CIRCE_REG_ISR), 0);
		assert_int_equal(
			circe_dev_inject(c->s[s].dev,
					 &(struct circe_inject){ .kind = CIRCE_INJECT_NONE }),
			0);
		cosim_gemm_put(c, s, 0, &g);
	}
	cosim_submit(c, 1, &r);
	assert_int_equal(r.rc[0], 0);
	cosim_compare(c, 1, &r, "after the bus error");
	assert_memory_equal(g.y[0], g.y[1], g.y_bytes);
}

/* A hang: -ETIMEDOUT after a short timeout, a reset, and the next job. */
static void test_cosim_hang(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cosim_run r;

	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		assert_int_equal(
			circe_dev_inject(c->s[s].dev,
					 &(struct circe_inject){ .kind = CIRCE_INJECT_HANG }),
			0);
		assert_int_equal(circe_set_timeout(c->s[s].dev, 150), 0);
	}
	cosim_op_put(c, 0, CIRCE_HW_OP_NOP);
	cosim_submit(c, 1, &r);
	assert_int_equal(r.rc[0], -ETIMEDOUT);
	assert_int_equal(r.rc[1], -ETIMEDOUT);
	assert_int_equal(r.res[0].status, CIRCE_HW_ST_RESET);
	assert_int_equal(r.res[1].status, CIRCE_HW_ST_RESET);
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		assert_int_equal(c->s[s].descs[0].generic.status.code, 77); /* untouched */
		assert_int_equal(circe_set_timeout(c->s[s].dev, 60000), 0);
	}
	cosim_expect_idle(c);
	cosim_expect_nop_ok(c);
}

/* ---- CIRC and LSTM ---------------------------------------------------- */

/* Buffers of one job, registered on one side (0, 1) or both (-1), and
 * released after it (many jobs would exhaust the fixture's list). */
struct cosim_bufs {
	void *p[16];
	size_t len[16];
	int side[16];
	unsigned n;
};

static void *cosim_buf(struct tu_pair *c, struct cosim_bufs *b, size_t bytes, int side,
		       unsigned flags)
{
	void *p = tu_alloc_pages(bytes ? bytes : 1);

	assert_non_null(p);
	assert_true(b->n < sizeof(b->p) / sizeof(b->p[0]));
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		if (side < 0 || side == s)
			assert_int_equal(
				circe_mem_register(c->s[s].ctx, p, bytes ? bytes : 1, flags), 0);
	b->p[b->n] = p;
	b->len[b->n] = bytes ? bytes : 1;
	b->side[b->n++] = side;
	return p;
}

static void cosim_bufs_free(struct tu_pair *c, struct cosim_bufs *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			if (b->side[i] < 0 || b->side[i] == s)
				assert_int_equal(
					circe_mem_unregister(c->s[s].ctx, b->p[i], b->len[i]), 0);
		free(b->p[i]);
	}
	b->n = 0;
}

/* Skip unless the RTL in this build runs the opcode (FEATURES bit). */
static void cosim_need_feature(struct tu_pair *c, uint32_t feat, const char *name)
{
	if (!(cosim_reg(c, 1, CIRCE_REG_FEATURES) & feat)) {
		print_message("# skip: this build's RTL has no %s (FEATURES), nothing to compare "
			      "fmodel's with\n",
			      name);
		skip();
	}
}

/* The first byte where the sides differ, as a failure. */
static void cosim_same_bytes(const uint8_t *f, const uint8_t *v, size_t n, const char *what,
			     const char *buf)
{
	size_t i = 0;

	if (!memcmp(f, v, n))
		return;
	while (f[i] == v[i])
		i++;
	fail_msg("%s: %s: vsim differs from fmodel first at byte %zu: 0x%02x, fmodel 0x%02x", what,
		 buf, i, v[i], f[i]);
}

/* Random CIRCs (every k and flag combination first, batch > 1, strides),
 * then bad pointers: both sides and circe_hls_circ agree byte for byte. */
static void test_cosim_circ(void **state)
{
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	struct tu_pair *c = tu_pair_get(state);
	union circe_hw_desc saved[TU_PAIR_SIDES];
	double t0 = cosim_now();

	cosim_need_feature(c, CIRCE_HW_FEAT_CIRC, "CIRC");
	for (int j = 0; j < 5 * 8 + COSIM_RANDOM_JOBS; j++) {
		struct circe_hw_desc_circ x = { .opcode = CIRCE_HW_OP_CIRC };
		uint32_t pad =
			tu_rng_range(&c->rng, 0, 2) ? 0 : (uint32_t)tu_rng_range(&c->rng, 1, 70);
		uint32_t p, q, esize;
		size_t w_bytes, x_bytes, y_bytes, nrq;
		int8_t *w, *xv;
		int32_t *bias;
		struct circe_hw_requant *rq;
		uint8_t *y[TU_PAIR_SIDES], *want;
		struct cosim_run r;
		struct cosim_bufs bufs = { .n = 0 };
		char what[128];

		x.k = j < 40 ? ks[j / 8] : ks[tu_rng_range(&c->rng, 0, 4)];
		x.flags = (uint32_t)(j < 40 ? j % 8 : tu_rng_range(&c->rng, 0, 7)) << 1;
		x.n_in = (uint32_t)tu_rng_range(&c->rng, 1, 300);
		x.n_out = x.k * (uint32_t)tu_rng_range(&c->rng, 1, 256 / x.k);
		x.batch = (uint32_t)tu_rng_range(&c->rng, 1, 5);
		if (j == 5 * 8 + COSIM_RANDOM_JOBS - 1) {
			/* the NULL-buffer runs below: every buffer within one
			 * page, so that the RTL's reads in flight cannot raise
			 * a second fault (docs/rtl.md) */
			x.n_in = (uint32_t)tu_rng_range(&c->rng, 1, 64);
			x.n_out = x.k * (uint32_t)tu_rng_range(&c->rng, 1, 32 / x.k + 1);
			pad = 0;
		}
		p = x.n_out / x.k;
		q = (x.n_in + x.k - 1) / x.k;
		esize = (x.flags & CIRCE_HW_CIRC_OUT16) ? 2 : 1;
		x.ldw = q * x.k + pad;
		x.ldx = x.n_in + pad;
		x.ldy = x.n_out * esize + pad;
		x.out_zp = (int32_t)tu_rng_range(&c->rng, -20, 20);
		x.clamp_min = tu_rng_range(&c->rng, 0, 1) ? x.out_zp
							  : (esize == 2 ? INT16_MIN : INT8_MIN);
		x.clamp_max = esize == 2 ? INT16_MAX : INT8_MAX;
		nrq = (x.flags & CIRCE_HW_CIRC_PER_BLOCK) ? p : 1;
		w_bytes = (size_t)p * x.ldw;
		x_bytes = (size_t)x.batch * x.ldx;
		y_bytes = (size_t)x.batch * x.ldy;
		w = cosim_buf(c, &bufs, w_bytes, -1, CIRCE_MEM_READ);
		xv = cosim_buf(c, &bufs, x_bytes, -1, CIRCE_MEM_READ);
		bias = cosim_buf(c, &bufs, x.n_out * sizeof(int32_t), -1, CIRCE_MEM_READ);
		rq = cosim_buf(c, &bufs, nrq * sizeof(*rq), -1, CIRCE_MEM_READ);
		tu_rng_fill_i8(&c->rng, w, w_bytes, -128, 127);
		tu_rng_fill_i8(&c->rng, xv, x_bytes, -128, 127);
		for (size_t i = 0; i < x.n_out; i++)
			bias[i] = (int32_t)tu_rng_range(&c->rng, -100000, 100000);
		for (size_t i = 0; i < nrq; i++) {
			rq[i].m0 = (int32_t)tu_rng_range(&c->rng, 1 << 30, INT32_MAX);
			rq[i].shift = (int32_t)tu_rng_range(&c->rng, esize == 2 ? -12 : -17, -6);
		}
		x.w_va = (uintptr_t)w;
		x.x_va = (uintptr_t)xv;
		x.bias_va = (uintptr_t)bias;
		x.rq_va = (uintptr_t)rq;
		assert_int_equal(circe_hls_circ_check(&x), 0);
		want = malloc(y_bytes);
		assert_non_null(want);
		memset(want, 0x5A, y_bytes);
		circe_hls_circ(&x, w, xv, bias, rq, want);
		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			union circe_hw_desc *d = &c->s[s].descs[0];

			y[s] = cosim_buf(c, &bufs, y_bytes, s, CIRCE_MEM_RW);
			memset(y[s], 0x5A, y_bytes);
			memset(d, 0, sizeof(*d));
			d->circ = x;
			d->circ.y_va = (uintptr_t)y[s];
			d->circ.status = (struct circe_hw_status){ 0xEEEEEEEE, 0xEEEEEEEE, ~0ull };
		}
		snprintf(what, sizeof(what),
			 "CIRC %d: k %u n_in %u n_out %u batch %u flags 0x%x pad %u", j, x.k,
			 x.n_in, x.n_out, x.batch, x.flags, pad);
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], 0);
		cosim_compare(c, 1, &r, what);
		if (memcmp(y[0], want, y_bytes))
			fail_msg("%s: fmodel differs from the kernel", what);
		cosim_same_bytes(y[0], y[1], y_bytes, what, "y");
		free(want);
		if (j != 5 * 8 + COSIM_RANDOM_JOBS - 1)
			cosim_bufs_free(c, &bufs);
		/* the last one again with each buffer NULL: the same fault */
		if (j == 5 * 8 + COSIM_RANDOM_JOBS - 1) {
			for (int f = 0; f < 5; f++) {
				for (int s = 0; s < TU_PAIR_SIDES; s++) {
					struct circe_hw_desc_circ *d = &c->s[s].descs[0].circ;
					uint64_t *vas[] = { &d->rq_va, &d->bias_va, &d->w_va,
							    &d->x_va, &d->y_va };

					d->flags |= CIRCE_HW_CIRC_BIAS;
					d->status = (struct circe_hw_status){ 1, 2, 3 };
					*vas[f] = 0;
				}
				snprintf(what, sizeof(what), "CIRC with buffer %d NULL", f);
				cosim_submit(c, 1, &r);
				assert_int_equal(r.rc[0], -EFAULT);
				cosim_compare(c, 1, &r, what);
				cosim_expect_idle(c);
				for (int s = 0; s < TU_PAIR_SIDES; s++) {
					c->s[s].descs[0].circ = x;
					c->s[s].descs[0].circ.y_va = (uintptr_t)y[s];
				}
			}
			cosim_bufs_free(c, &bufs);
		}
	}
	/* illegal descriptors (no access): the same reasons */
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		saved[s] = c->s[s].descs[0];
	for (int j = 0; j < 4; j++) {
		struct cosim_run r;

		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			struct circe_hw_desc_circ *d = &c->s[s].descs[0].circ;

			*d = saved[s].circ;
			if (j == 0)
				d->k = 3;
			else if (j == 1)
				d->flags = 1;
			else if (j == 2)
				d->ldx = 0;
			else
				d->out_zp = 40000;
		}
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], -EINVAL);
		cosim_compare(c, 1, &r, "illegal CIRC");
	}
	cosim_expect_nop_ok(c);
	print_message("# %d random CIRCs identical on fmodel and vsim in %.1f s\n",
		      5 * 8 + COSIM_RANDOM_JOBS, cosim_now() - t0);
}

/* Random LSTM steps (NO_GH, in place or not): both sides and
 * circe_hls_lstm agree byte for byte. */
static void test_cosim_lstm(void **state)
{
	struct tu_pair *c = tu_pair_get(state);

	struct cosim_bufs last = { .n = 0 }; /* the last job's, for the illegal ones */
	union circe_hw_desc saved[TU_PAIR_SIDES];

	cosim_need_feature(c, CIRCE_HW_FEAT_LSTM, "LSTM");
	for (int j = 0; j < COSIM_RANDOM_JOBS; j++) {
		struct circe_hw_desc_lstm x = { .opcode = CIRCE_HW_OP_LSTM };
		bool in_place = tu_rng_range(&c->rng, 0, 1);
		size_t n, gbytes;
		int16_t *gx, *gh, *c0, *cexp, *cs[TU_PAIR_SIDES], *co[TU_PAIR_SIDES];
		int8_t *hexp, *h[TU_PAIR_SIDES];
		struct cosim_run r;
		struct cosim_bufs bufs = { .n = 0 };
		char what[96];

		x.flags = tu_rng_range(&c->rng, 0, 3) == 0 ? CIRCE_HW_LSTM_NO_GH : 0;
		x.hidden = (uint32_t)(j % 4 == 3 ? tu_rng_range(&c->rng, 1, 40)
						 : tu_rng_range(&c->rng, 1, 3000));
		x.h_zp = (int32_t)tu_rng_range(&c->rng, -128, 127);
		x.h_rq.m0 = (int32_t)tu_rng_range(&c->rng, 1 << 30, INT32_MAX);
		x.h_rq.shift = (int32_t)tu_rng_range(&c->rng, -24, -21);
		n = x.hidden;
		gbytes = 4 * n * sizeof(int16_t);
		gx = cosim_buf(c, &bufs, gbytes, -1, CIRCE_MEM_READ);
		gh = cosim_buf(c, &bufs, gbytes, -1, CIRCE_MEM_READ);
		c0 = malloc(2 * n);
		assert_non_null(c0);
		for (size_t i = 0; i < 4 * n; i++) {
			gx[i] = (int16_t)tu_rng_range(&c->rng, INT16_MIN, INT16_MAX);
			gh[i] = (int16_t)tu_rng_range(&c->rng, -12000, 12000);
		}
		for (size_t i = 0; i < n; i++)
			c0[i] = (int16_t)tu_rng_range(&c->rng, INT16_MIN, INT16_MAX);
		cexp = malloc(2 * n);
		hexp = malloc(n);
		assert_true(cexp && hexp);
		circe_hls_lstm(&x, gx, gh, c0, cexp, hexp);
		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			union circe_hw_desc *d = &c->s[s].descs[0];

			cs[s] = cosim_buf(c, &bufs, 2 * n, s, CIRCE_MEM_RW);
			memcpy(cs[s], c0, 2 * n);
			co[s] = in_place ? cs[s] : cosim_buf(c, &bufs, 2 * n, s, CIRCE_MEM_RW);
			h[s] = cosim_buf(c, &bufs, n, s, CIRCE_MEM_RW);
			memset(h[s], 0x5A, n);
			memset(d, 0, sizeof(*d));
			d->lstm = x;
			d->lstm.gx_va = (uintptr_t)gx;
			d->lstm.gh_va = (uintptr_t)gh;
			d->lstm.c_in_va = (uintptr_t)cs[s];
			d->lstm.c_out_va = (uintptr_t)co[s];
			d->lstm.h_va = (uintptr_t)h[s];
			d->lstm.status = (struct circe_hw_status){ 0xEEEEEEEE, 0xEEEEEEEE, ~0ull };
		}
		snprintf(what, sizeof(what), "LSTM %d: hidden %zu flags 0x%x%s", j, n, x.flags,
			 in_place ? " in place" : "");
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], 0);
		cosim_compare(c, 1, &r, what);
		if (memcmp(co[0], cexp, 2 * n) || memcmp(h[0], hexp, n))
			fail_msg("%s: fmodel differs from the kernel", what);
		cosim_same_bytes((uint8_t *)co[0], (uint8_t *)co[1], 2 * n, what, "c_out");
		cosim_same_bytes((uint8_t *)h[0], (uint8_t *)h[1], n, what, "h");
		free(hexp);
		free(cexp);
		free(c0);
		if (j != COSIM_RANDOM_JOBS - 1)
			cosim_bufs_free(c, &bufs);
		else
			last = bufs;
	}
	/* illegal: the same reasons */
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		saved[s] = c->s[s].descs[0];
	for (int j = 0; j < 3; j++) {
		struct cosim_run r;

		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			struct circe_hw_desc_lstm *d = &c->s[s].descs[0].lstm;

			*d = saved[s].lstm;
			if (j == 0)
				d->hidden = 0;
			else if (j == 1)
				d->h_rq.shift = 31;
			else
				d->c_in_va |= 1;
		}
		cosim_submit(c, 1, &r);
		assert_int_equal(r.rc[0], -EINVAL);
		cosim_compare(c, 1, &r, "illegal LSTM");
	}
	cosim_bufs_free(c, &last);
	cosim_expect_nop_ok(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosim_random_gemm),   cmocka_unit_test(test_cosim_list),
		cmocka_unit_test(test_cosim_bad_pointers),  cmocka_unit_test(test_cosim_illegal),
		cmocka_unit_test(test_cosim_fault_records), cmocka_unit_test(test_cosim_bus_error),
		cmocka_unit_test(test_cosim_hang),	    cmocka_unit_test(test_cosim_circ),
		cmocka_unit_test(test_cosim_lstm),
	};

	return cmocka_run_group_tests_name("cosim", tests, cosim_setup, tu_pair_teardown);
}
