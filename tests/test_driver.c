/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver on every backend the library has (each test once per backend,
 * "test_x/fmodel", "test_x/vsim" where Verilator was found), through the public API
 * (circe_open, contexts, registration) and hand-built descriptors submitted
 * with circe_ctx_submit: completion, write-back, GEMM against the hw/hls
 * kernel, faults, illegal descriptors, bus errors, hangs, resets, counters,
 * several devices and threads. The same tests run on each backend; where a
 * figure is the backend's own (counters of a model without TLB or cycles,
 * latency injection), the test says which it checks.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"
#include "hw/hls/circe_hls.h"
#include "svm/svm.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define DRV_DESCS 64u /* two pages */
#define DRV_MAX_ALLOCS 64u

struct drv {
	const struct tu_backend *be;
	struct circe_dev *dev;
	struct circe_ctx *ctx;
	union circe_hw_desc *descs; /* DRV_DESCS, registered RW */
	void *allocs[DRV_MAX_ALLOCS];
	unsigned n_allocs;
	struct tu_rng rng;
	bool no_reg; /* drv_alloc registers nothing (on-demand tests) */
};

static double drv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Page-aligned, zeroed, freed at teardown (after the context is gone);
 * registered with flags unless flags is 0. */
static void *drv_alloc(struct drv *d, size_t bytes, unsigned flags)
{
	void *p = tu_alloc_pages(bytes);

	assert_non_null(p);
	assert_true(d->n_allocs < DRV_MAX_ALLOCS);
	d->allocs[d->n_allocs++] = p;
	if (flags && !d->no_reg) {
		int rc = circe_mem_register(d->ctx, p, bytes, flags);

		if (rc)
			print_error("register: %s\n", circe_errmsg());
		assert_int_equal(rc, 0);
	}
	return p;
}

/* *state is the group's backend (struct tu_backend) on entry. */
static int drv_setup(void **state)
{
	struct drv *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->be = *state;
	if (tu_backend_open(d->be, &d->dev, &d->ctx)) {
		free(d);
		return -1;
	}
	d->descs = tu_alloc_pages(DRV_DESCS * sizeof(*d->descs));
	if (!d->descs ||
	    circe_mem_register(d->ctx, d->descs, DRV_DESCS * sizeof(*d->descs), CIRCE_MEM_RW)) {
		fprintf(stderr, "setup: %s\n", circe_errmsg());
		return -1;
	}
	tu_rng_init(&d->rng, tu_seed("driver", 42));
	*state = d;
	return 0;
}

static int drv_teardown(void **state)
{
	struct drv *d = *state;

	circe_ctx_destroy(d->ctx);
	circe_close(d->dev);
	for (unsigned i = 0; i < d->n_allocs; i++)
		free(d->allocs[i]);
	free(d->descs);
	free(d);
	return 0;
}

static int drv_submit(struct drv *d, uint32_t count, struct circe_job_result *res)
{
	int rc = circe_ctx_submit(d->ctx, d->descs, count, res);

	if (rc)
		print_message("# submit: %s (%s)\n", circe_strerror(rc), circe_errmsg());
	return rc;
}

static void drv_set_op(struct drv *d, unsigned i, uint32_t opcode)
{
	memset(&d->descs[i], 0, sizeof(d->descs[i]));
	d->descs[i].head.opcode = opcode;
	d->descs[i].generic.status.code = CIRCE_HW_ST_PENDING;
}

static void drv_expect_nop_ok(struct drv *d)
{
	drv_set_op(d, 0, CIRCE_HW_OP_NOP);
	assert_int_equal(drv_submit(d, 1, NULL), 0);
	assert_int_equal(d->descs[0].generic.status.code, CIRCE_HW_ST_OK);
}

static uint32_t drv_reg(struct drv *d, uint32_t off)
{
	uint32_t v = 0;

	assert_int_equal(circe_dev_reg_read(d->dev, off, &v), 0);
	return v;
}

static void drv_expect_idle(struct drv *d)
{
	assert_true(drv_reg(d, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE);
	assert_false(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);
}

/* ---- GEMM buffers ---------------------------------------------------- */

struct gemm {
	struct circe_hw_desc_gemm desc;
	int8_t *a;
	uint8_t *w;
	int32_t *bias;
	struct circe_hw_requant *rq;
	uint8_t *y;
	size_t a_bytes, w_bytes, bias_bytes, rq_bytes, y_bytes;
};

/* A random legal GEMM with strides pad bytes longer than the rows, its
 * buffers registered (Y with y_flags) and Y filled with 0x5A so that
 * bytes the device must not touch can be checked. */
static void gemm_make(struct drv *d, struct gemm *g, uint32_t m, uint32_t k, uint32_t n,
		      uint32_t flags, uint32_t pad, unsigned y_flags)
{
	struct circe_hw_desc_gemm *x = &g->desc;
	size_t esize = (flags & CIRCE_HW_GEMM_OUT16) ? 2 : 1;
	size_t wrow = (flags & CIRCE_HW_GEMM_INT4) ? (k + 1) / 2 : k;
	size_t nrq = (flags & CIRCE_HW_GEMM_PER_CHANNEL) ? n : 1;
	int32_t lo = esize == 2 ? INT16_MIN : INT8_MIN, hi = esize == 2 ? INT16_MAX : INT8_MAX;

	memset(g, 0, sizeof(*g));
	x->opcode = CIRCE_HW_OP_GEMM;
	x->flags = flags;
	x->m = m;
	x->k = k;
	x->n = n;
	x->lda = k + pad;
	x->ldw = (uint32_t)wrow + pad;
	x->ldy = (uint32_t)(n * esize) + pad;
	x->in_zp = (int32_t)tu_rng_range(&d->rng, -128, 127);
	x->out_zp = (int32_t)tu_rng_range(&d->rng, -20, 20);
	x->clamp_min = tu_rng_range(&d->rng, 0, 1) ? x->out_zp : lo; /* ReLU or not */
	x->clamp_max = hi;

	g->a_bytes = (size_t)m * x->lda;
	g->w_bytes = (size_t)n * x->ldw;
	g->bias_bytes = (flags & CIRCE_HW_GEMM_BIAS) ? n * sizeof(int32_t) : 0;
	g->rq_bytes = nrq * sizeof(struct circe_hw_requant);
	g->y_bytes = (size_t)m * x->ldy;
	g->a = drv_alloc(d, g->a_bytes, CIRCE_MEM_READ);
	g->w = drv_alloc(d, g->w_bytes, CIRCE_MEM_READ);
	if (g->bias_bytes)
		g->bias = drv_alloc(d, g->bias_bytes, CIRCE_MEM_READ);
	g->rq = drv_alloc(d, g->rq_bytes, CIRCE_MEM_READ);
	g->y = drv_alloc(d, g->y_bytes, y_flags);

	tu_rng_fill_i8(&d->rng, g->a, g->a_bytes, -128, 127);
	tu_rng_fill_i8(&d->rng, (int8_t *)g->w, g->w_bytes, -128, 127);
	for (size_t i = 0; g->bias && i < n; i++)
		g->bias[i] = (int32_t)tu_rng_range(&d->rng, -100000, 100000);
	for (size_t i = 0; i < nrq; i++) {
		g->rq[i].m0 = (int32_t)tu_rng_range(&d->rng, 1 << 30, INT32_MAX);
		g->rq[i].shift = (int32_t)tu_rng_range(&d->rng, esize == 2 ? -12 : -17, -6);
	}
	memset(g->y, 0x5A, g->y_bytes);

	x->a_va = (uintptr_t)g->a;
	x->w_va = (uintptr_t)g->w;
	x->bias_va = (uintptr_t)g->bias;
	x->rq_va = (uintptr_t)g->rq;
	x->y_va = (uintptr_t)g->y;
	assert_int_equal(circe_hls_gemm_check(x), 0);
}

/* Y as the kernel computes it from the same buffers. */
static uint8_t *gemm_expected(const struct gemm *g)
{
	uint8_t *y = malloc(g->y_bytes);

	assert_non_null(y);
	memset(y, 0x5A, g->y_bytes);
	circe_hls_gemm(&g->desc, g->a, g->w, g->bias, g->rq, y);
	return y;
}

static void gemm_put(struct drv *d, unsigned i, const struct gemm *g)
{
	memset(&d->descs[i], 0, sizeof(d->descs[i]));
	d->descs[i].gemm = g->desc;
	d->descs[i].gemm.status = (struct circe_hw_status){ 0xEEEEEEEE, 0xEEEEEEEE, ~0ull };
}

static size_t pages(size_t bytes)
{
	return (bytes + CIRCE_HW_PAGE_SIZE - 1) / CIRCE_HW_PAGE_SIZE;
}

/* ---- completion ----------------------------------------------------- */

static void test_nop_fence(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	static const uint32_t ops[] = { CIRCE_HW_OP_NOP, CIRCE_HW_OP_FENCE, CIRCE_HW_OP_NOP,
					CIRCE_HW_OP_FENCE, CIRCE_HW_OP_FENCE };

	for (unsigned i = 0; i < 5; i++) {
		drv_set_op(d, i, ops[i]);
		d->descs[i].generic.status = (struct circe_hw_status){ 77, 78, 79 };
	}
	assert_int_equal(drv_submit(d, 5, &res), 0);
	assert_int_equal(res.status, CIRCE_HW_ST_OK);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(d->descs[i].generic.status.code, CIRCE_HW_ST_OK);
		assert_int_equal(d->descs[i].generic.status.detail, 0);
		assert_int_equal(d->descs[i].generic.status.fault_va, 0);
	}
	assert_int_equal(res.perf[CIRCE_PERF_DESCRIPTORS], 5);
	assert_int_equal(res.perf[CIRCE_PERF_MACS], 0);
	assert_true(res.wall_seconds >= 0);
	assert_int_equal(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_CODE_MASK, CIRCE_HW_ST_OK);
	drv_expect_idle(d);
}

static void test_gemm_matches_kernel(void **state)
{
	struct drv *d = *state;
	static const struct {
		uint32_t m, k, n, flags, pad;
	} cases[] = {
		{ 13, 70, 21, CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 3 },
		{ 1, 1, 1, 0, 0 },
		{ 40, 300, 33, CIRCE_HW_GEMM_PER_CHANNEL, 0 },
		{ 17, 129, 9, CIRCE_HW_GEMM_INT4 | CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS,
		  5 },
		{ 8, 64, 24, CIRCE_HW_GEMM_OUT16 | CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS,
		  2 },
		{ 5, 33, 70, CIRCE_HW_GEMM_INT4 | CIRCE_HW_GEMM_OUT16 | CIRCE_HW_GEMM_BIAS, 0 },
		/* rows that straddle pages: 4100-byte rows */
		{ 3, 4100, 2, CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 1 },
		/* A larger than the model's 1 MiB row chunk */
		{ 2500, 512, 3, CIRCE_HW_GEMM_PER_CHANNEL, 0 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct circe_job_result res;
		struct gemm g;
		uint8_t *want;

		gemm_make(d, &g, cases[c].m, cases[c].k, cases[c].n, cases[c].flags, cases[c].pad,
			  CIRCE_MEM_RW);
		want = gemm_expected(&g);
		gemm_put(d, 0, &g);
		assert_int_equal(drv_submit(d, 1, &res), 0);
		/* whole buffers: the gaps between rows keep their 0x5A */
		assert_memory_equal(g.y, want, g.y_bytes);
		assert_int_equal(d->descs[0].gemm.status.code, CIRCE_HW_ST_OK);
		assert_int_equal(d->descs[0].gemm.status.detail, 0);
		assert_int_equal(d->descs[0].gemm.status.fault_va, 0);
		assert_int_equal(res.perf[CIRCE_PERF_MACS],
				 (uint64_t)cases[c].m * cases[c].k * cases[c].n);
		free(want);
	}
}

static void test_gemm_list(void **state)
{
	struct drv *d = *state;
	struct gemm g[3];
	uint8_t *want[3];

	/* three GEMMs and fences between them in one list */
	for (unsigned i = 0; i < 3; i++) {
		gemm_make(d, &g[i], 4 + i, 50 + 10 * i, 6 + i,
			  CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 0, CIRCE_MEM_RW);
		want[i] = gemm_expected(&g[i]);
		gemm_put(d, 2 * i, &g[i]);
		drv_set_op(d, 2 * i + 1, CIRCE_HW_OP_FENCE);
	}
	assert_int_equal(drv_submit(d, 6, NULL), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_memory_equal(g[i].y, want[i], g[i].y_bytes);
		free(want[i]);
	}
}

static void test_gemm_huge_pages(void **state)
{
	struct drv *d = *state;
	struct circe_svm_stats st;
	struct circe_job_result res;
	struct gemm g;
	size_t bytes = 4u << 20;
	int8_t *a = NULL;
	uint8_t *want;

	/* A 2 MiB-aligned 4 MiB input: svm may map it with 2 MiB leaves, which
	 * the model's walker then meets through real page tables. */
	assert_int_equal(posix_memalign((void **)&a, 2u << 20, bytes), 0);
	d->allocs[d->n_allocs++] = a;
	gemm_make(d, &g, 2048, 2048, 2, CIRCE_HW_GEMM_PER_CHANNEL, 0, CIRCE_MEM_RW);
	tu_rng_fill_i8(&d->rng, a, bytes, -128, 127);
	assert_int_equal(circe_mem_register(d->ctx, a, bytes, CIRCE_MEM_READ), 0);
	g.a = a;
	g.desc.a_va = (uintptr_t)a;
	want = gemm_expected(&g);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, &res), 0);
	assert_memory_equal(g.y, want, g.y_bytes);
	free(want);
	assert_int_equal(circe_svm_get_stats(circe_dev_svm(d->dev), &st), 0);
	print_message("# %llu 2 MiB entries; %llu walks, %llu PTE reads\n",
		      (unsigned long long)st.huge_2m_entries,
		      (unsigned long long)res.perf[CIRCE_PERF_WALKS],
		      (unsigned long long)res.perf[CIRCE_PERF_PTE_READS]);
	if (st.huge_2m_entries == 0) {
		print_message("# skip: svm mapped the 4 MiB buffer with 4 KiB pages only\n");
		skip();
	}
	/* walks through a 2 MiB leaf read three entries, not four */
	assert_true(res.perf[CIRCE_PERF_PTE_READS] < 4 * res.perf[CIRCE_PERF_WALKS]);
	assert_true(res.perf[CIRCE_PERF_PTE_READS] >= 3 * res.perf[CIRCE_PERF_WALKS]);
	assert_int_equal(circe_mem_unregister(d->ctx, a, bytes), 0);
}

/* ---- faults --------------------------------------------------------- */

static void test_null_input_faults(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct gemm g;

	gemm_make(d, &g, 4, 16, 4, CIRCE_HW_GEMM_PER_CHANNEL, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	d->descs[0].gemm.a_va = 0;
	assert_int_equal(drv_submit(d, 1, &res), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "descriptor 0: translation fault at VA 0x0 (read)"));
	assert_int_equal(res.status, CIRCE_HW_ST_FAULT);
	assert_int_equal(res.err_index, 0);
	assert_int_equal(res.fault_va, 0);
	assert_int_equal(res.perf[CIRCE_PERF_FAULTS], 1);
	assert_int_equal(res.perf[CIRCE_PERF_DESCRIPTORS], 0);
	assert_int_equal(d->descs[0].gemm.status.code, CIRCE_HW_ST_FAULT);
	assert_int_equal(d->descs[0].gemm.status.fault_va, 0);
	assert_false(d->descs[0].gemm.status.detail & CIRCE_HW_FAULT_WRITE);
	assert_false(d->descs[0].gemm.status.detail & CIRCE_HW_FAULT_PERM);
	/* Y untouched */
	for (size_t i = 0; i < g.y_bytes; i++)
		assert_int_equal(g.y[i], 0x5A);
	drv_expect_idle(d);
	drv_expect_nop_ok(d);
}

static void test_unregistered_buffer_faults(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct gemm g;
	int8_t *stray = drv_alloc(d, 4096, 0);

	gemm_make(d, &g, 4, 16, 4, 0, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	d->descs[0].gemm.a_va = (uintptr_t)stray;
	assert_int_equal(drv_submit(d, 1, &res), -EFAULT);
	assert_int_equal(res.fault_va, (uintptr_t)stray);
	assert_int_equal(d->descs[0].gemm.status.fault_va, (uintptr_t)stray);
	drv_expect_nop_ok(d);
}

static void test_read_only_output_faults(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct gemm g;

	gemm_make(d, &g, 4, 16, 4, 0, 0, CIRCE_MEM_READ);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, &res), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "(write, permission missing)"));
	assert_int_equal(res.fault_va, (uintptr_t)g.y);
	assert_int_equal(d->descs[0].gemm.status.code, CIRCE_HW_ST_FAULT);
	assert_true(d->descs[0].gemm.status.detail & CIRCE_HW_FAULT_WRITE);
	assert_true(d->descs[0].gemm.status.detail & CIRCE_HW_FAULT_PERM);
	for (size_t i = 0; i < g.y_bytes; i++)
		assert_int_equal(g.y[i], 0x5A);
	drv_expect_nop_ok(d);
}

static void test_unregister_then_fault(void **state)
{
	struct drv *d = *state;
	struct gemm g;

	gemm_make(d, &g, 4, 16, 4, 0, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, NULL), 0);
	assert_int_equal(circe_mem_unregister(d->ctx, g.a, g.a_bytes), 0);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, NULL), -EFAULT);
	assert_int_equal(d->descs[0].gemm.status.fault_va, (uintptr_t)g.a);
	assert_int_equal(circe_mem_register(d->ctx, g.a, g.a_bytes, CIRCE_MEM_READ), 0);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, NULL), 0);
}

static void test_isolation_between_contexts(void **state)
{
	struct drv *d = *state;
	struct circe_ctx *other;
	uint8_t *secret = drv_alloc(d, 4096, 0);
	union circe_hw_desc *odescs = drv_alloc(d, 4096, 0);
	struct gemm g;

	assert_int_equal(circe_ctx_create(d->dev, &other), 0);
	assert_int_equal(circe_mem_register(other, secret, 4096, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_mem_register(other, odescs, 4096, CIRCE_MEM_RW), 0);
	assert_int_not_equal(circe_svm_ctx_asid(circe_ctx_svm(other)),
			     circe_svm_ctx_asid(circe_ctx_svm(d->ctx)));

	/* this context may not read the other's memory... */
	gemm_make(d, &g, 2, 8, 2, 0, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	d->descs[0].gemm.a_va = (uintptr_t)secret;
	assert_int_equal(drv_submit(d, 1, NULL), -EFAULT);
	/* ...nor run the other's command list */
	odescs[0].head.opcode = CIRCE_HW_OP_NOP;
	/* a stale status block must not colour the message: the device could
	 * not fetch the descriptor, so it wrote nothing there */
	odescs[0].generic.status.detail = CIRCE_HW_FAULT_WRITE | CIRCE_HW_FAULT_PERM;
	assert_int_equal(circe_ctx_submit(d->ctx, odescs, 1, NULL), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "(read)"));
	assert_int_equal(odescs[0].generic.status.detail,
			 CIRCE_HW_FAULT_WRITE | CIRCE_HW_FAULT_PERM);
	odescs[0].generic.status.detail = 0;
	/* the other context runs its own list */
	assert_int_equal(circe_ctx_submit(other, odescs, 1, NULL), 0);
	assert_int_equal(odescs[0].generic.status.code, CIRCE_HW_ST_OK);
	circe_ctx_destroy(other);
}

/* ---- illegal descriptors -------------------------------------------- */

static void drv_expect_illegal(struct drv *d, uint32_t reason, const char *words)
{
	struct circe_job_result res;

	assert_int_equal(drv_submit(d, 1, &res), -EINVAL);
	assert_int_equal(res.status, CIRCE_HW_ST_ILLEGAL);
	assert_int_equal(res.err_index, 0);
	assert_int_equal(d->descs[0].generic.status.code, CIRCE_HW_ST_ILLEGAL);
	assert_int_equal(d->descs[0].generic.status.detail, reason);
	assert_non_null(strstr(circe_errmsg(), words));
	assert_int_equal(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_CODE_MASK,
			 CIRCE_HW_ST_ILLEGAL);
	drv_expect_idle(d);
	drv_expect_nop_ok(d);
}

static void test_illegal_descriptors(void **state)
{
	struct drv *d = *state;
	struct circe_info info;
	struct gemm g;

	drv_set_op(d, 0, 99);
	drv_expect_illegal(d, CIRCE_HW_ILL_OPCODE, "unknown or unsupported opcode");
	/* an all-zero CIRC / LSTM has a zero dimension on a device that runs
	 * them, an unsupported opcode on one that does not */
	assert_int_equal(circe_get_info(d->dev, &info), 0);
	drv_set_op(d, 0, CIRCE_HW_OP_CIRC);
	if (info.features & CIRCE_HW_FEAT_CIRC)
		drv_expect_illegal(d, CIRCE_HW_ILL_DIMS, "a dimension is zero");
	else
		drv_expect_illegal(d, CIRCE_HW_ILL_OPCODE, "illegal descriptor (opcode 2)");
	drv_set_op(d, 0, CIRCE_HW_OP_LSTM);
	if (info.features & CIRCE_HW_FEAT_LSTM)
		drv_expect_illegal(d, CIRCE_HW_ILL_DIMS, "a dimension is zero");
	else
		drv_expect_illegal(d, CIRCE_HW_ILL_OPCODE, "opcode");

	gemm_make(d, &g, 4, 16, 4, CIRCE_HW_GEMM_PER_CHANNEL, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	d->descs[0].gemm.m = 0;
	drv_expect_illegal(d, CIRCE_HW_ILL_DIMS, "a dimension is zero or above its limit");
	gemm_put(d, 0, &g);
	d->descs[0].gemm.flags |= 0x100;
	drv_expect_illegal(d, CIRCE_HW_ILL_FLAGS, "unknown flag bits");
	gemm_put(d, 0, &g);
	d->descs[0].gemm.lda = 3;
	drv_expect_illegal(d, CIRCE_HW_ILL_STRIDE, "row stride");
	gemm_put(d, 0, &g);
	d->descs[0].gemm.clamp_min = 100;
	d->descs[0].gemm.clamp_max = 50;
	drv_expect_illegal(d, CIRCE_HW_ILL_CLAMP, "clamp_min > clamp_max");
	/* the requant table is data: checked after it is fetched */
	g.rq[2].shift = 31;
	gemm_put(d, 0, &g);
	drv_expect_illegal(d, CIRCE_HW_ILL_REQUANT, "requant shift outside");
	g.rq[2].shift = -3;
	g.rq[1].m0 = -5;
	gemm_put(d, 0, &g);
	drv_expect_illegal(d, CIRCE_HW_ILL_REQUANT, "m0 < 0");
	for (size_t i = 0; i < g.y_bytes; i++)
		assert_int_equal(g.y[i], 0x5A);
}

static void test_list_stops_at_first_error(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;

	drv_set_op(d, 0, CIRCE_HW_OP_NOP);
	drv_set_op(d, 1, CIRCE_HW_OP_FENCE);
	drv_set_op(d, 2, 0x77);
	drv_set_op(d, 3, CIRCE_HW_OP_NOP);
	assert_int_equal(drv_submit(d, 4, &res), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "descriptor 2: illegal descriptor (opcode 119)"));
	assert_int_equal(res.err_index, 2);
	assert_int_equal(drv_reg(d, CIRCE_REG_ERR_INDEX), 2);
	assert_int_equal(d->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(d->descs[1].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(d->descs[2].generic.status.code, CIRCE_HW_ST_ILLEGAL);
	assert_int_equal(d->descs[3].generic.status.code, CIRCE_HW_ST_PENDING);
	assert_int_equal(res.perf[CIRCE_PERF_DESCRIPTORS], 2);
}

static void test_submit_validation(void **state)
{
	struct drv *d = *state;

	drv_set_op(d, 0, CIRCE_HW_OP_NOP);
	assert_int_equal(circe_ctx_submit(d->ctx, d->descs, 0, NULL), -EINVAL);
	assert_int_equal(circe_ctx_submit(d->ctx, d->descs, CIRCE_HW_MAX_CMD_COUNT + 1, NULL),
			 -EINVAL);
	assert_int_equal(circe_ctx_submit(d->ctx, (uint8_t *)d->descs + 32, 1, NULL), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "aligned"));
	assert_int_equal(circe_ctx_submit(d->ctx, NULL, 1, NULL), -EINVAL);
	assert_int_equal(circe_ctx_submit(NULL, d->descs, 1, NULL), -EINVAL);
	/* 64-byte aligned but not 128: legal, and may straddle a page */
	union circe_hw_desc *odd = (union circe_hw_desc *)((uint8_t *)d->descs + 4096 - 64);

	memset(odd, 0, sizeof(*odd));
	assert_int_equal(circe_ctx_submit(d->ctx, odd, 1, NULL), 0);
	assert_int_equal(odd->generic.status.code, CIRCE_HW_ST_OK);
	drv_expect_nop_ok(d);
}

/* ---- bus errors, hangs, resets -------------------------------------- */

static void test_bus_error_recovers(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct gemm g;
	uint64_t iova;
	uint8_t *want;

	gemm_make(d, &g, 6, 40, 5, CIRCE_HW_GEMM_PER_CHANNEL, 0, CIRCE_MEM_RW);
	assert_int_equal(circe_svm_translate(circe_ctx_svm(d->ctx), (uintptr_t)g.a, false, &iova),
			 0);
	assert_int_not_equal(iova, (uintptr_t)g.a);
	assert_int_equal(
		circe_dev_inject(d->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR,
								 .iova = iova,
								 .len = 4096 }),
		0);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, &res), -EIO);
	assert_non_null(strstr(circe_errmsg(), "bus error"));
	assert_non_null(strstr(circe_errmsg(), "the device was reset"));
	assert_int_equal(res.status, CIRCE_HW_ST_BUS_ERROR);
	assert_int_equal(res.fault_va, (uintptr_t)g.a);
	drv_expect_idle(d);
	assert_int_equal(drv_reg(d, CIRCE_REG_ISR), 0);

	assert_int_equal(
		circe_dev_inject(d->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_NONE }), 0);
	want = gemm_expected(&g);
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, NULL), 0);
	assert_memory_equal(g.y, want, g.y_bytes);
	free(want);
}

static void test_hang_times_out(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	double t0;

	assert_int_equal(
		circe_dev_inject(d->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_HANG }), 0);
	assert_int_equal(circe_set_timeout(d->dev, 200), 0);
	drv_set_op(d, 0, CIRCE_HW_OP_NOP);
	t0 = drv_now();
	assert_int_equal(drv_submit(d, 1, &res), -ETIMEDOUT);
	t0 = drv_now() - t0;
	print_message("# timed out after %.3f s\n", t0);
	assert_true(t0 >= 0.19 && t0 < 5.0);
	assert_non_null(strstr(circe_errmsg(), "200 ms"));
	assert_int_equal(d->descs[0].generic.status.code, CIRCE_HW_ST_PENDING);
	drv_expect_idle(d);
	/* the hang was for one job */
	drv_expect_nop_ok(d);
	assert_int_equal(circe_set_timeout(d->dev, 0), -EINVAL);
}

struct drv_async {
	struct circe_ctx *ctx;
	void *cmds;
	int rc;
	double seconds;
};

static void *drv_async_submit(void *arg)
{
	struct drv_async *a = arg;
	double t0 = drv_now();

	a->rc = circe_ctx_submit(a->ctx, a->cmds, 1, NULL);
	a->seconds = drv_now() - t0;
	return NULL;
}

static void test_reset_from_another_thread(void **state)
{
	struct drv *d = *state;
	struct drv_async a = { .ctx = d->ctx, .cmds = d->descs };
	pthread_t t;

	assert_int_equal(
		circe_dev_inject(d->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_HANG }), 0);
	drv_set_op(d, 0, CIRCE_HW_OP_NOP);
	assert_int_equal(pthread_create(&t, NULL, drv_async_submit, &a), 0);
	/* wait until the job runs (the hang holds it there) */
	for (int i = 0; i < 2000 && !(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY); i++)
		usleep(1000);
	usleep(20000);
	assert_true(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);
	assert_int_equal(circe_dev_reset(d->dev), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.rc, -EIO);
	assert_true(a.seconds < 5.0);
	assert_int_equal(drv_reg(d, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_CODE_MASK,
			 CIRCE_HW_ST_RESET);
	drv_expect_nop_ok(d);
}

static void test_inject_errors(void **state)
{
	struct drv *d = *state;
	struct circe_info info;
	int rc;

	/* extra latency exists only where there are cycles */
	assert_int_equal(circe_get_info(d->dev, &info), 0);
	rc = circe_dev_inject(d->dev,
			      &(struct circe_inject){ .kind = CIRCE_INJECT_LATENCY, .cycles = 10 });
	if (info.features & CIRCE_HW_FEAT_CYCLES) {
		assert_int_equal(rc, 0);
		drv_expect_nop_ok(d);
		assert_int_equal(
			circe_dev_inject(d->dev,
					 &(struct circe_inject){ .kind = CIRCE_INJECT_NONE }),
			0);
	} else {
		assert_int_equal(rc, -EOPNOTSUPP);
	}
	assert_int_equal(
		circe_dev_inject(d->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR }),
		-EINVAL);
	assert_int_equal(circe_dev_inject(d->dev, NULL), -EINVAL);
}

/* ---- counters and info ---------------------------------------------- */

static void test_perf_counters(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct circe_job_stats st;
	struct gemm g;
	struct circe_info info;
	uint64_t walks, before[CIRCE_PERF_COUNT], after[CIRCE_PERF_COUNT];
	uint32_t m = 20, k = 300, n = 40;
	bool cycles;

	assert_int_equal(circe_get_info(d->dev, &info), 0);
	cycles = info.features & CIRCE_HW_FEAT_CYCLES;

	/* contiguous rows: every buffer is one transfer, split at pages */
	gemm_make(d, &g, m, k, n, CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	assert_int_equal(circe_dev_perf_read(d->dev, before), 0);
	assert_int_equal(drv_submit(d, 1, &res), 0);
	assert_int_equal(circe_dev_perf_read(d->dev, after), 0);

	/* fmodel has no TLB: one walk per page piece of every transfer */
	walks = 1 /* descriptor */ + pages(g.w_bytes) + pages(g.bias_bytes) + pages(g.rq_bytes) +
		pages(g.a_bytes) + pages(g.y_bytes) + 1 /* status */;
	assert_int_equal(res.perf[CIRCE_PERF_MACS], (uint64_t)m * k * n);
	assert_int_equal(res.perf[CIRCE_PERF_DESCRIPTORS], 1);
	assert_int_equal(res.perf[CIRCE_PERF_DMA_WR_BYTES],
			 g.y_bytes + sizeof(struct circe_hw_status));
	assert_int_equal(res.perf[CIRCE_PERF_FAULTS], 0);
	if (!cycles) {
		assert_int_equal(res.perf[CIRCE_PERF_WALKS], walks);
		assert_int_equal(res.perf[CIRCE_PERF_PTE_READS], 4 * walks);
		assert_int_equal(res.perf[CIRCE_PERF_DMA_RD_BYTES],
				 CIRCE_HW_DESC_BYTES + g.a_bytes + g.w_bytes + g.bias_bytes +
					 g.rq_bytes + 8 * 4 * walks);
		assert_int_equal(res.perf[CIRCE_PERF_CYCLES], 0);
		assert_int_equal(res.perf[CIRCE_PERF_TLB_L1_HITS], 0);
	} else {
		/* A TLB: at most one walk per page a transfer touches (the pages
		 * of the descriptor list are shared), each walk four PTE reads;
		 * every translation is a hit or a miss; the array computed at
		 * least one row per MAC group; data read at least once. */
		print_message("# %s: %llu cycles, %llu computing, %llu walks, %llu L1 hits, "
			      "%llu misses, %llu stall cycles\n",
			      d->be->name, (unsigned long long)res.perf[CIRCE_PERF_CYCLES],
			      (unsigned long long)res.perf[CIRCE_PERF_COMPUTE_CYCLES],
			      (unsigned long long)res.perf[CIRCE_PERF_WALKS],
			      (unsigned long long)res.perf[CIRCE_PERF_TLB_L1_HITS],
			      (unsigned long long)res.perf[CIRCE_PERF_TLB_L1_MISSES],
			      (unsigned long long)res.perf[CIRCE_PERF_STALL_CYCLES]);
		assert_true(res.perf[CIRCE_PERF_WALKS] >= 1);
		assert_true(res.perf[CIRCE_PERF_WALKS] <= walks);
		assert_int_equal(res.perf[CIRCE_PERF_PTE_READS], 4 * res.perf[CIRCE_PERF_WALKS]);
		/* an L1 miss probes the L2 and walks unless the L2 hits */
		assert_int_equal(res.perf[CIRCE_PERF_TLB_L1_MISSES],
				 res.perf[CIRCE_PERF_WALKS] + res.perf[CIRCE_PERF_TLB_L2_HITS]);
		assert_int_equal(res.perf[CIRCE_PERF_TLB_L1_MISSES],
				 res.perf[CIRCE_PERF_TLB_L2_HITS] +
					 res.perf[CIRCE_PERF_TLB_L2_MISSES]);
		assert_true(res.perf[CIRCE_PERF_TLB_L1_HITS] > 0);
		/* the walker reads whole 64-byte PTE lines, except where its
		 * walk cache has them */
		assert_true(res.perf[CIRCE_PERF_WALK_CACHE_HITS] < res.perf[CIRCE_PERF_PTE_READS]);
		assert_true(
			res.perf[CIRCE_PERF_DMA_RD_BYTES] >=
			CIRCE_HW_DESC_BYTES + g.a_bytes + g.w_bytes + g.bias_bytes + g.rq_bytes +
				CIRCE_HW_AXI_DATA_BYTES * (res.perf[CIRCE_PERF_PTE_READS] -
							   res.perf[CIRCE_PERF_WALK_CACHE_HITS]));
		assert_true(res.perf[CIRCE_PERF_CYCLES] > res.perf[CIRCE_PERF_COMPUTE_CYCLES]);
		assert_true(res.perf[CIRCE_PERF_COMPUTE_CYCLES] * info.array_rows *
				    info.array_cols >=
			    (uint64_t)m * k * n);
		assert_true(res.perf[CIRCE_PERF_WALK_CYCLES] > 0);
		assert_true(res.perf[CIRCE_PERF_TLB_L2_MISSES] > 0);
	}
	for (unsigned i = 0; i < CIRCE_PERF_COUNT; i++)
		assert_int_equal(after[i] - before[i], res.perf[i]);

	circe_job_stats_from_result(d->dev, &res, &st);
	assert_int_equal(st.cycles_valid, cycles);
	assert_int_equal(st.macs, (uint64_t)m * k * n);
	assert_int_equal(st.walks, res.perf[CIRCE_PERF_WALKS]);
	assert_int_equal(st.descriptors, 1);
	assert_int_equal(st.dma_write_bytes, res.perf[CIRCE_PERF_DMA_WR_BYTES]);
	assert_true(st.wall_seconds == res.wall_seconds);

	/* counters accumulate across jobs until cleared */
	gemm_put(d, 0, &g);
	assert_int_equal(drv_submit(d, 1, NULL), 0);
	assert_int_equal(circe_dev_perf_read(d->dev, after), 0);
	assert_int_equal(after[CIRCE_PERF_MACS] - before[CIRCE_PERF_MACS], 2ull * m * k * n);
	assert_int_equal(circe_dev_reg_write(d->dev, CIRCE_REG_PERF_CTRL, 1), 0);
	assert_int_equal(circe_dev_perf_read(d->dev, after), 0);
	for (unsigned i = 0; i < CIRCE_PERF_COUNT; i++)
		assert_int_equal(after[i], 0);
}

/* The TLB mode register: every mode computes the same bytes; on a device
 * with cycle counters (the RTL) the counters show which levels worked. */
static void test_mmu_modes(void **state)
{
	struct drv *d = *state;
	static const uint32_t modes[] = { CIRCE_HW_MMU_MODE_L1_ONLY, CIRCE_HW_MMU_MODE_L2_ONLY,
					  CIRCE_HW_MMU_MODE_HYBRID };
	struct circe_info info;
	bool cycles;
	uint32_t v;

	assert_int_equal(circe_get_info(d->dev, &info), 0);
	cycles = info.features & CIRCE_HW_FEAT_CYCLES;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct circe_job_result res;
		struct gemm g;
		uint8_t *want;
		uint64_t l1h, l1m, l2h, l2m;

		assert_int_equal(circe_dev_reg_write(d->dev, CIRCE_REG_MMU_CTRL, modes[i]), 0);
		assert_int_equal(circe_dev_reg_read(d->dev, CIRCE_REG_MMU_CTRL, &v), 0);
		assert_int_equal(v, modes[i]);
		gemm_make(d, &g, 40, 9000, 24, CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 0,
			  CIRCE_MEM_RW);
		want = gemm_expected(&g);
		gemm_put(d, 0, &g);
		assert_int_equal(drv_submit(d, 1, &res), 0);
		assert_memory_equal(g.y, want, g.y_bytes);
		assert_int_equal(d->descs[0].gemm.status.code, CIRCE_HW_ST_OK);
		free(want);
		l1h = res.perf[CIRCE_PERF_TLB_L1_HITS];
		l1m = res.perf[CIRCE_PERF_TLB_L1_MISSES];
		l2h = res.perf[CIRCE_PERF_TLB_L2_HITS];
		l2m = res.perf[CIRCE_PERF_TLB_L2_MISSES];
		print_message("# %s: mode %u: L1 %llu hits %llu misses, L2 %llu hits %llu misses, "
			      "%llu walks\n",
			      d->be->name, modes[i], (unsigned long long)l1h,
			      (unsigned long long)l1m, (unsigned long long)l2h,
			      (unsigned long long)l2m,
			      (unsigned long long)res.perf[CIRCE_PERF_WALKS]);
		if (!cycles || !info.tlb_l2_sets)
			continue;
		if (modes[i] == CIRCE_HW_MMU_MODE_L1_ONLY) {
			assert_int_equal(l2h + l2m, 0);
			assert_true(l1h > 0);
		} else if (modes[i] == CIRCE_HW_MMU_MODE_L2_ONLY) {
			assert_int_equal(l1h, 0);
			assert_int_equal(l2h + l2m, l1m);
			assert_true(l2h > 0);
		} else {
			assert_true(l1h > 0 && l2m > 0);
		}
	}
}

static void test_info_matches_dt(void **state)
{
	struct drv *d = *state;
	struct circe_dt_config c;
	struct circe_info info;
	void *blob;
	size_t len;

	assert_int_equal(circe_dt_load_file(d->be->dtb, &blob, &len), 0);
	assert_int_equal(circe_dt_parse(blob, len, &c), 0);
	free(blob);
	assert_int_equal(circe_get_info(d->dev, &info), 0);
	assert_string_equal(info.backend, d->be->name);
	assert_string_equal(circe_dev_backend_name(d->dev), d->be->name);
	assert_string_equal(info.compatible, c.compatible);
	assert_int_equal(info.version, CIRCE_HW_VERSION);
	assert_int_equal(info.array_rows, c.array_rows);
	assert_int_equal(info.array_cols, c.array_cols);
	assert_int_equal(info.tlb_l1_entries, c.tlb_l1_entries);
	assert_int_equal(info.tlb_l2_sets, c.tlb_l2_sets);
	assert_int_equal(info.tlb_l2_ways, c.tlb_l2_ways);
	assert_int_equal(info.num_asids, c.num_asids);
	assert_int_equal(info.walkers, c.walkers);
	assert_int_equal(info.reg_base, c.reg_base);
	assert_int_equal(info.reg_size, c.reg_size);
	assert_int_equal(info.clock_hz, c.clock_hz);
	assert_int_equal(info.mem_latency_cycles, c.mem_latency_cycles);
	assert_int_equal(info.mem_bytes_per_cycle, c.mem_bytes_per_cycle);
	assert_int_equal(info.mem_max_outstanding, c.mem_max_outstanding);
	/* the functional model has no cycles; the RTL counts them and says
	 * whether it has an L2 TLB. Both run all four memory-engine
	 * commands. The model runs CIRC and LSTM. */
	if (strcmp(d->be->name, "fmodel") == 0)
		assert_int_equal(info.features & (CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM),
				 CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM);
	assert_int_equal(info.features & ~(uint32_t)(CIRCE_HW_FEAT_CYCLES | CIRCE_HW_FEAT_TLB_L2 |
						     CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM),
			 CIRCE_HW_FEAT_GEMM | CIRCE_HW_FEAT_INT4 | CIRCE_HW_FEAT_OUT16 |
				 CIRCE_HW_FEAT_MEMENG | CIRCE_HW_FEAT_DEMAND_PAGING);
	assert_int_equal(!!(info.features & CIRCE_HW_FEAT_CYCLES),
			 strcmp(d->be->name, "fmodel") != 0);
	if (info.features & CIRCE_HW_FEAT_CYCLES)
		assert_int_equal(!!(info.features & CIRCE_HW_FEAT_TLB_L2), c.tlb_l2_sets > 0);
	assert_memory_equal(circe_dev_config(d->dev), &c, sizeof(c));
	assert_non_null(circe_dev_svm(d->dev));
	assert_non_null(circe_dev_platform(d->dev));
	assert_ptr_equal(circe_ctx_dev(d->ctx), d->dev);
	assert_int_equal(circe_get_info(NULL, &info), -EINVAL);
}

static void test_timeout_env(void **state)
{
	const struct tu_backend *be = *state;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	union circe_hw_desc *descs = tu_alloc_pages(4096);
	double t0;

	assert_non_null(descs);
	setenv("CIRCE_TIMEOUT_MS", "soon", 1);
	assert_int_equal(circe_open(be->uri, be->dtb, &dev), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "CIRCE_TIMEOUT_MS='soon'"));
	setenv("CIRCE_TIMEOUT_MS", "150", 1);
	assert_int_equal(circe_open(be->uri, be->dtb, &dev), 0);
	unsetenv("CIRCE_TIMEOUT_MS");
	assert_int_equal(circe_ctx_create(dev, &ctx), 0);
	assert_int_equal(circe_mem_register(ctx, descs, 4096, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_dev_inject(dev, &(struct circe_inject){ .kind = CIRCE_INJECT_HANG }),
			 0);
	t0 = drv_now();
	assert_int_equal(circe_ctx_submit(ctx, descs, 1, NULL), -ETIMEDOUT);
	t0 = drv_now() - t0;
	assert_true(t0 >= 0.14 && t0 < 5.0);
	assert_non_null(strstr(circe_errmsg(), "150 ms"));
	/* closing with a live context reaps it */
	circe_close(dev);
	free(descs);
}

/* ---- several devices and threads ------------------------------------ */

struct drv_worker {
	struct circe_dev *dev;
	uint64_t seed;
	int jobs;
	bool on_demand;	 /* CIRCE_CTX_ON_DEMAND, nothing registered */
	uint64_t bad_va; /* every 4th job reads A here (0: no such jobs)... */
	uint64_t bad_y;	 /* ...or writes Y here (0: no such jobs) */
	int rc;		 /* first failure */
	int mismatch;	 /* jobs whose output differed from the kernel */
	int faulted;	 /* bad jobs that ended -EFAULT as they should */
};

/* A whole client on its own: context, buffers, jobs, checks. No cmocka
 * assertions here: they may not run off the main thread. */
static void *drv_worker_run(void *arg)
{
	struct drv_worker *w = arg;
	struct tu_rng rng;
	struct circe_ctx *ctx = NULL;
	uint32_t m = 9, k = 77, n = 11;
	union circe_hw_desc *descs = tu_alloc_pages(4096);
	int8_t *a = tu_alloc_pages((size_t)m * k);
	int8_t *wt = tu_alloc_pages((size_t)n * k);
	struct circe_hw_requant *rq = tu_alloc_pages(n * sizeof(*rq));
	uint8_t *y = tu_alloc_pages((size_t)m * n), *want = malloc((size_t)m * n);
	struct circe_hw_desc_gemm g = {
		.opcode = CIRCE_HW_OP_GEMM,
		.flags = CIRCE_HW_GEMM_PER_CHANNEL,
		.m = m,
		.k = k,
		.n = n,
		.in_zp = 3,
		.out_zp = -2,
		.clamp_min = -128,
		.clamp_max = 127,
		.lda = k,
		.ldw = k,
		.ldy = n,
		.a_va = (uintptr_t)a,
		.w_va = (uintptr_t)wt,
		.rq_va = (uintptr_t)rq,
		.y_va = (uintptr_t)y,
	};

	w->rc = -ENOMEM;
	if (!descs || !a || !wt || !rq || !y || !want)
		goto out;
	tu_rng_init(&rng, w->seed);
	if (w->on_demand) {
		const struct circe_ctx_options o = { .flags = CIRCE_CTX_ON_DEMAND };

		if ((w->rc = circe_ctx_create_ex(w->dev, &o, &ctx)))
			goto out;
	} else if ((w->rc = circe_ctx_create(w->dev, &ctx)) ||
		   (w->rc = circe_mem_register(ctx, descs, 4096, CIRCE_MEM_RW)) ||
		   (w->rc = circe_mem_register(ctx, a, (size_t)m * k, CIRCE_MEM_READ)) ||
		   (w->rc = circe_mem_register(ctx, wt, (size_t)n * k, CIRCE_MEM_READ)) ||
		   (w->rc = circe_mem_register(ctx, rq, n * sizeof(*rq), CIRCE_MEM_READ)) ||
		   (w->rc = circe_mem_register(ctx, y, (size_t)m * n, CIRCE_MEM_RW)))
		goto out;
	for (int j = 0; j < w->jobs; j++) {
		tu_rng_fill_i8(&rng, a, (size_t)m * k, -128, 127);
		tu_rng_fill_i8(&rng, wt, (size_t)n * k, -127, 127);
		for (uint32_t i = 0; i < n; i++)
			rq[i] = (struct circe_hw_requant){
				(int32_t)tu_rng_range(&rng, 1 << 30, INT32_MAX), -12
			};
		circe_hls_gemm(&g, a, (uint8_t *)wt, NULL, rq, want);
		memset(descs, 0, sizeof(*descs));
		descs[0].gemm = g;
		if (j % 4 == 3 && (w->bad_va || w->bad_y)) {
			if (w->bad_va)
				descs[0].gemm.a_va = w->bad_va;
			if (w->bad_y)
				descs[0].gemm.y_va = w->bad_y;
			w->rc = circe_ctx_submit(ctx, descs, 1, NULL);
			if (w->rc != -EFAULT)
				goto out;
			w->faulted++;
			continue;
		}
		w->rc = circe_ctx_submit(ctx, descs, 1, NULL);
		if (w->rc)
			goto out;
		if (memcmp(y, want, (size_t)m * n))
			w->mismatch++;
	}
	w->rc = 0;
out:
	circe_ctx_destroy(ctx);
	free(want);
	free(y);
	free(rq);
	free(wt);
	free(a);
	free(descs);
	return NULL;
}

static void drv_run_workers(struct circe_dev **devs, unsigned count, int jobs)
{
	struct drv_worker w[4];
	pthread_t t[4];

	assert_true(count <= 4);
	for (unsigned i = 0; i < count; i++) {
		w[i] = (struct drv_worker){ .dev = devs[i],
					    .seed = tu_seed("worker", 100 + i),
					    .jobs = jobs };
		assert_int_equal(pthread_create(&t[i], NULL, drv_worker_run, &w[i]), 0);
	}
	for (unsigned i = 0; i < count; i++) {
		pthread_join(t[i], NULL);
		if (w[i].rc)
			print_error("worker %u: %s\n", i, circe_strerror(w[i].rc));
		assert_int_equal(w[i].rc, 0);
		assert_int_equal(w[i].mismatch, 0);
	}
}

/* ---- on-demand paging ------------------------------------------------ */

static struct circe_ctx *drv_od_ctx(struct drv *d)
{
	const struct circe_ctx_options o = { .flags = CIRCE_CTX_ON_DEMAND };
	struct circe_ctx *od = NULL;

	assert_int_equal(circe_ctx_create_ex(d->dev, &o, &od), 0);
	return od;
}

static struct circe_mem_stats drv_mem(struct drv *d)
{
	struct circe_mem_stats ms;

	assert_int_equal(circe_get_mem_stats(d->dev, &ms), 0);
	return ms;
}

/* Fresh anonymous pages with prot; unmapped by the test. */
static uint8_t *drv_map(size_t n, int prot)
{
	uint8_t *m = mmap(NULL, n * CIRCE_HW_PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(m != MAP_FAILED);
	return m;
}

static int drv_od_submit(struct circe_ctx *od, union circe_hw_desc *cl, const struct gemm *g,
			 struct circe_job_result *res)
{
	int rc;

	memset(cl, 0, sizeof(*cl));
	cl[0].gemm = g->desc;
	rc = circe_ctx_submit(od, cl, 1, res);
	if (rc)
		print_message("# on-demand submit: %s (%s)\n", circe_strerror(rc), circe_errmsg());
	return rc;
}

/* A GEMM over nothing registered: the command list, A, W, bias, the
 * requantization table and Y all fault in; the output is bit exact. */
static void test_on_demand_gemm(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct circe_mem_stats base, ms, ms2;
	union circe_hw_desc *cl;
	struct circe_ctx *od;
	struct gemm g;
	uint8_t *want;
	const struct circe_ctx_options bad = { .flags = 1u << 7 };

	assert_int_equal(circe_ctx_create_ex(d->dev, &bad, &od), -EINVAL);
	d->no_reg = true;
	gemm_make(d, &g, 37, 300, 21, CIRCE_HW_GEMM_PER_CHANNEL | CIRCE_HW_GEMM_BIAS, 8,
		  CIRCE_MEM_RW);
	cl = drv_alloc(d, 4096, 0);
	d->no_reg = false;
	want = gemm_expected(&g);
	base = drv_mem(d);
	od = drv_od_ctx(d);

	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_int_equal(cl[0].gemm.status.code, CIRCE_HW_ST_OK);
	assert_memory_equal(g.y, want, g.y_bytes);
	ms = drv_mem(d);
	/* every fault the device raised was answered by the worker, resolved */
	assert_int_equal(ms.faults - base.faults, res.perf[CIRCE_PERF_FAULTS]);
	assert_int_equal(ms.faults_aborted, base.faults_aborted);
	assert_true(ms.demand_pages >= pages(g.a_bytes) + pages(g.w_bytes) + pages(g.y_bytes));
	assert_true(ms.fault_service_samples >= ms.demand_pages);
	assert_true(ms.fault_service_median_us > 0);
	assert_true(ms.fault_service_p99_us >= ms.fault_service_median_us);
	assert_true(ms.pinned_peak_bytes >= ms.pinned_bytes);

	/* the pages stay pinned: the same job again faults nothing */
	memset(g.y, 0x5A, g.y_bytes);
	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_int_equal(res.perf[CIRCE_PERF_FAULTS], 0);
	assert_memory_equal(g.y, want, g.y_bytes);

	/* releasing A: only A faults again */
	assert_int_equal(circe_mem_unregister(od, g.a, g.a_bytes), 0);
	assert_int_equal(circe_mem_unregister(od, g.a, g.a_bytes), -ENOENT);
	ms2 = drv_mem(d);
	assert_int_equal(ms2.demand_pages, ms.demand_pages - pages(g.a_bytes));
	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_int_equal(res.perf[CIRCE_PERF_FAULTS], pages(g.a_bytes));
	assert_memory_equal(g.y, want, g.y_bytes);

	/* the same buffers through a context without the flag: -EFAULT */
	memset(cl, 0, sizeof(*cl));
	assert_int_equal(circe_ctx_submit(d->ctx, cl, 1, NULL), -EFAULT);

	circe_ctx_destroy(od);
	ms = drv_mem(d);
	assert_int_equal(ms.demand_pages, 0);
	assert_int_equal(ms.pinned_bytes, base.pinned_bytes);
	free(want);
}

/* Each kind of memory the process does not allow ends the job with -EFAULT
 * naming the VA; the next job on the same context runs. */
static void test_on_demand_aborts(void **state)
{
	struct drv *d = *state;
	struct circe_job_result res;
	struct circe_mem_stats base;
	union circe_hw_desc *cl;
	struct circe_ctx *od;
	struct gemm g;
	uint8_t *want, *gone = drv_map(2, PROT_READ | PROT_WRITE);
	uint8_t *none = drv_map(1, PROT_NONE), *ro = drv_map(1, PROT_READ);
	char va[40];

	d->no_reg = true;
	gemm_make(d, &g, 8, 64, 8, CIRCE_HW_GEMM_PER_CHANNEL, 0, CIRCE_MEM_RW);
	cl = drv_alloc(d, 4096, 0);
	d->no_reg = false;
	want = gemm_expected(&g);
	base = drv_mem(d);
	od = drv_od_ctx(d);

	/* NULL input */
	g.desc.a_va = 0;
	assert_int_equal(drv_od_submit(od, cl, &g, &res), -EFAULT);
	assert_int_equal(res.fault_va, 0);
	assert_non_null(strstr(circe_errmsg(), "translation fault at VA 0x0 (read)"));
	assert_non_null(strstr(circe_errmsg(), "not mapped in this process"));
	/* an munmap'ed range (unmapped only now: nothing allocates it again
	 * before the job runs) */
	assert_int_equal(munmap(gone, 2 * CIRCE_HW_PAGE_SIZE), 0);
	g.desc.a_va = (uintptr_t)gone + CIRCE_HW_PAGE_SIZE;
	assert_int_equal(drv_od_submit(od, cl, &g, &res), -EFAULT);
	assert_int_equal(res.fault_va, g.desc.a_va);
	snprintf(va, sizeof(va), "VA 0x%llx", (unsigned long long)g.desc.a_va);
	assert_non_null(strstr(circe_errmsg(), va));
	assert_non_null(strstr(circe_errmsg(), "not mapped"));
	/* a PROT_NONE page */
	g.desc.a_va = (uintptr_t)none;
	assert_int_equal(drv_od_submit(od, cl, &g, &res), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "---p"));
	/* the output into a read-only page: nothing written */
	g.desc.a_va = (uintptr_t)g.a;
	g.desc.y_va = (uintptr_t)ro;
	assert_int_equal(drv_od_submit(od, cl, &g, &res), -EFAULT);
	assert_int_equal(res.fault_va, (uintptr_t)ro);
	assert_non_null(strstr(circe_errmsg(), "(write"));
	assert_non_null(strstr(circe_errmsg(), "r--p"));
	for (size_t i = 0; i < CIRCE_HW_PAGE_SIZE; i++)
		assert_int_equal(ro[i], 0);
	/* at least one abort per job (the RTL may have several writes of the
	 * last job waiting on the page, each with its record) */
	assert_true(drv_mem(d).faults_aborted - base.faults_aborted >= 4);
	/* and the context, the worker and the device carry on */
	g.desc.y_va = (uintptr_t)g.y;
	memset(g.y, 0x5A, g.y_bytes);
	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_memory_equal(g.y, want, g.y_bytes);
	drv_expect_idle(d);
	drv_expect_nop_ok(d);
	circe_ctx_destroy(od);
	assert_int_equal(drv_mem(d).pinned_bytes, base.pinned_bytes);
	munmap(none, CIRCE_HW_PAGE_SIZE);
	munmap(ro, CIRCE_HW_PAGE_SIZE);
	free(want);
}

/* A job of context A writing into context B's registered memory faults
 * and aborts; B's bytes stay as they were and B's own job runs. A is the
 * fixture's registered context; B an on-demand one. */
static void test_on_demand_isolation(void **state)
{
	struct drv *d = *state;
	struct circe_ctx *b = drv_od_ctx(d);
	uint8_t *secret = drv_alloc(d, 4096, 0);
	union circe_hw_desc *bcl = drv_alloc(d, 4096, 0);
	struct gemm g;
	uint8_t *want;

	memset(secret, 0xC3, 4096);
	assert_int_equal(circe_mem_register(b, secret, 4096, CIRCE_MEM_RW), 0);
	gemm_make(d, &g, 4, 32, 4, 0, 0, CIRCE_MEM_RW);
	gemm_put(d, 0, &g);
	d->descs[0].gemm.y_va = (uintptr_t)secret;
	assert_int_equal(drv_submit(d, 1, NULL), -EFAULT);
	assert_int_equal(d->descs[0].gemm.status.fault_va, (uintptr_t)secret);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(secret[i], 0xC3);
	assert_int_equal(circe_svm_translate(circe_ctx_svm(d->ctx), (uintptr_t)secret, true, NULL),
			 -EFAULT);
	/* B runs the same GEMM into its own memory, A's buffers faulted in */
	g.desc.y_va = (uintptr_t)secret;
	want = gemm_expected(&g);
	assert_int_equal(drv_od_submit(b, bcl, &g, NULL), 0);
	assert_memory_equal(secret, want, g.y_bytes);
	/* and A still cannot reach it */
	gemm_put(d, 0, &g);
	d->descs[0].gemm.y_va = (uintptr_t)secret;
	assert_int_equal(drv_submit(d, 1, NULL), -EFAULT);
	circe_ctx_destroy(b);
	free(want);
}

/* Four threads, four contexts (two on-demand), jobs interleaved by the
 * driver; every fourth job of each thread is bad (on-demand: reads a
 * PROT_NONE page, which unlike an munmap'ed one no allocation of another
 * thread can take over; registered: writes into a third context's memory) and
 * must end -EFAULT while the others stay bit exact. */
static void test_on_demand_threads(void **state)
{
	struct drv *d = *state;
	struct circe_ctx *owner;
	uint8_t *secret = drv_alloc(d, 4096, 0);
	uint8_t *none = drv_map(1, PROT_NONE);
	struct circe_mem_stats base = drv_mem(d);
	struct drv_worker w[4];
	pthread_t t[4];

	assert_int_equal(circe_ctx_create(d->dev, &owner), 0);
	memset(secret, 0x77, 4096);
	assert_int_equal(circe_mem_register(owner, secret, 4096, CIRCE_MEM_RW), 0);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct drv_worker){ .dev = d->dev,
					    .seed = tu_seed("od_worker", 200 + i),
					    .jobs = 12,
					    .on_demand = !(i & 1),
					    .bad_va = (i & 1) ? 0 : (uintptr_t)none,
					    .bad_y = (i & 1) ? (uintptr_t)secret : 0 };
		assert_int_equal(pthread_create(&t[i], NULL, drv_worker_run, &w[i]), 0);
	}
	/* all joined before any assertion: a failing one must not leave a
	 * thread running into the teardown */
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < 4; i++) {
		if (w[i].rc)
			print_error("worker %u: %s\n", i, circe_strerror(w[i].rc));
		assert_int_equal(w[i].rc, 0);
		assert_int_equal(w[i].mismatch, 0);
		assert_int_equal(w[i].faulted, 3);
	}
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(secret[i], 0x77);
	circe_ctx_destroy(owner);
	assert_int_equal(drv_mem(d).demand_pages, 0);
	assert_int_equal(drv_mem(d).pinned_bytes, base.pinned_bytes);
	drv_expect_nop_ok(d);
	munmap(none, CIRCE_HW_PAGE_SIZE);
}

/*
 * A fault storm: one job whose input and output rows sit on distinct pages
 * (strides of 4 KiB): 4096 rows (~8200 distinct pages) on fmodel, 256 (~520) on vsim (~1.6k cycles of stall per fault at
 * ~200k simulated cycles/s); then the same over a range with a PROT_NONE
 * page in the middle (-EFAULT at that page), then the first job again.
 * Nothing stays pinned after the context goes.
 */
static void test_on_demand_storm(void **state)
{
	struct drv *d = *state;
	uint32_t rows = strcmp(d->be->name, "vsim") ? 4096 : 256, k = 16, n = 4;
	size_t a_bytes = (size_t)rows * CIRCE_HW_PAGE_SIZE;
	struct circe_mem_stats base, ms;
	struct circe_job_result res;
	union circe_hw_desc *cl;
	struct circe_ctx *od;
	struct gemm g;
	uint8_t *want, *holey = drv_map(rows, PROT_READ | PROT_WRITE);

	print_message("# storm: %u pages on %s\n", rows, d->be->name);
	d->no_reg = true;
	gemm_make(d, &g, rows, k, n, CIRCE_HW_GEMM_PER_CHANNEL, CIRCE_HW_PAGE_SIZE - k,
		  CIRCE_MEM_RW);
	cl = drv_alloc(d, 4096, 0);
	d->no_reg = false;
	assert_int_equal(g.a_bytes, a_bytes - (CIRCE_HW_PAGE_SIZE - k) + (CIRCE_HW_PAGE_SIZE - k));
	want = gemm_expected(&g);
	memcpy(holey, g.a, g.a_bytes < a_bytes ? g.a_bytes : a_bytes);
	assert_int_equal(
		mprotect(holey + (rows / 2) * CIRCE_HW_PAGE_SIZE, CIRCE_HW_PAGE_SIZE, PROT_NONE),
		0);
	base = drv_mem(d);
	od = drv_od_ctx(d);

	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_memory_equal(g.y, want, g.y_bytes);
	assert_true(res.perf[CIRCE_PERF_FAULTS] >= rows);
	ms = drv_mem(d);
	assert_true(ms.demand_pages >= rows);
	print_message("# storm: %llu faults, service median %.1f us, p99 %.1f us\n",
		      (unsigned long long)res.perf[CIRCE_PERF_FAULTS], ms.fault_service_median_us,
		      ms.fault_service_p99_us);

	g.desc.a_va = (uintptr_t)holey;
	assert_int_equal(drv_od_submit(od, cl, &g, &res), -EFAULT);
	assert_int_equal(res.fault_va, (uintptr_t)holey + (rows / 2) * CIRCE_HW_PAGE_SIZE);
	assert_true(drv_mem(d).faults_aborted - base.faults_aborted >= 1);

	g.desc.a_va = (uintptr_t)g.a;
	memset(g.y, 0x5A, g.y_bytes);
	assert_int_equal(drv_od_submit(od, cl, &g, &res), 0);
	assert_int_equal(res.perf[CIRCE_PERF_FAULTS], 0);
	assert_memory_equal(g.y, want, g.y_bytes);

	circe_ctx_destroy(od);
	ms = drv_mem(d);
	assert_int_equal(ms.demand_pages, 0);
	assert_int_equal(ms.pinned_bytes, base.pinned_bytes);
	drv_expect_nop_ok(d);
	munmap(holey, a_bytes);
	free(want);
}

struct drv_releaser {
	struct circe_ctx *ctx;
	const void *va;
	size_t len;
	struct timespec pause; /* between two releases */
	int max_releases;      /* then it stops: the job must get to finish */
	volatile int stop;
	int released; /* unregisters that released something */
	int rc;	      /* an unexpected result */
};

/* Release the range over and over while the job runs: each release clears
 * PTEs, invalidates and unpins under the running job, which must fault the
 * pages in again. */
static void *drv_releaser_run(void *arg)
{
	struct drv_releaser *r = arg;

	while (!r->stop && r->released < r->max_releases) {
		int rc = circe_mem_unregister(r->ctx, r->va, r->len);

		if (rc == 0)
			r->released++;
		else if (rc != -ENOENT)
			r->rc = rc;
		nanosleep(&r->pause, NULL);
	}
	return NULL;
}

struct drv_submitter {
	struct circe_ctx *ctx;
	union circe_hw_desc *cl;
	int rc;
};

static void *drv_submitter_run(void *arg)
{
	struct drv_submitter *x = arg;

	x->rc = circe_ctx_submit(x->ctx, x->cl, 1, NULL);
	return NULL;
}

/* Releases racing the running on-demand job, then a context destroy issued
 * while a job runs: it waits for the job, which ends cleanly. */
static void test_on_demand_release_in_flight(void **state)
{
	struct drv *d = *state;
	/* vsim: every release makes the job fault its pages in again, at
	 * ~1.6k simulated cycles each; keep it to a few seconds */
	bool vsim = !strcmp(d->be->name, "vsim");
	uint32_t rows = vsim ? 32 : 1024;
	int jobs = vsim ? 2 : 3;
	struct circe_mem_stats base;
	struct drv_releaser rel = { 0 };
	struct drv_submitter sub;
	union circe_hw_desc *cl;
	struct circe_ctx *od;
	pthread_t t;
	struct gemm g;
	uint8_t *want;
	uint64_t faults;
	int rc;

	d->no_reg = true;
	gemm_make(d, &g, rows, 16, 4, CIRCE_HW_GEMM_PER_CHANNEL, CIRCE_HW_PAGE_SIZE - 16,
		  CIRCE_MEM_RW);
	cl = drv_alloc(d, 4096, 0);
	d->no_reg = false;
	want = gemm_expected(&g);
	base = drv_mem(d);
	od = drv_od_ctx(d);

	/* vsim: simulated time runs only inside the driver's calls, and a
	 * releaser spinning on the model's lock would starve the job; one
	 * release per 20 ms of wall time still lands several inside a job.
	 * Each release costs the job its pages again, so the releases are
	 * capped: on a loaded machine, where the model runs slowly, releases
	 * paced by wall time would otherwise outrun the job's progress. */
	rel = (struct drv_releaser){ .ctx = od,
				     .va = g.a,
				     .len = g.a_bytes,
				     .pause = { 0, vsim ? 20000000 : 100000 },
				     .max_releases = vsim ? 8 : 1000 };
	assert_int_equal(pthread_create(&t, NULL, drv_releaser_run, &rel), 0);
	for (int j = 0; j < jobs; j++) {
		memset(g.y, 0x5A, g.y_bytes);
		assert_int_equal(drv_od_submit(od, cl, &g, NULL), 0);
		assert_memory_equal(g.y, want, g.y_bytes);
	}
	rel.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(rel.rc, 0);
	print_message("# %d releases raced %d jobs of %u rows\n", rel.released, jobs, rows);

	/* destroy while the next job runs (seen running: it raised faults) */
	rc = circe_mem_unregister(od, g.a, g.a_bytes);
	assert_true(rc == 0 || rc == -ENOENT); /* -ENOENT: the releaser was last */
	memset(cl, 0, sizeof(*cl));
	cl[0].gemm = g.desc;
	memset(g.y, 0x5A, g.y_bytes);
	sub = (struct drv_submitter){ .ctx = od, .cl = cl };
	faults = drv_mem(d).faults;
	assert_int_equal(pthread_create(&t, NULL, drv_submitter_run, &sub), 0);
	while (drv_mem(d).faults < faults + 8)
		sched_yield();
	circe_ctx_destroy(od);
	/* the job is off the device before its ASID is freed */
	drv_expect_idle(d);
	pthread_join(t, NULL);
	assert_int_equal(sub.rc, 0);
	assert_memory_equal(g.y, want, g.y_bytes);
	assert_int_equal(drv_mem(d).demand_pages, 0);
	assert_int_equal(drv_mem(d).pinned_bytes, base.pinned_bytes);
	drv_expect_nop_ok(d);
	free(want);
}

static void test_two_devices(void **state)
{
	struct drv *d = *state;
	struct circe_dev *devs[2] = { d->dev, NULL };
	struct circe_info info;

	assert_int_equal(circe_open(d->be->uri, d->be->dtb, &devs[1]), 0);
	assert_int_equal(circe_get_info(devs[1], &info), 0);
	drv_run_workers(devs, 2, 20);
	/* the first device's own context still works */
	drv_expect_nop_ok(d);
	circe_close(devs[1]);
}

static void test_threads_share_a_device(void **state)
{
	struct drv *d = *state;
	struct circe_dev *devs[3] = { d->dev, d->dev, d->dev };

	/* three contexts, jobs serialized by the driver */
	drv_run_workers(devs, 3, 15);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nop_fence, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_matches_kernel, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_list, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_gemm_huge_pages, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_null_input_faults, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_unregistered_buffer_faults, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_read_only_output_faults, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_unregister_then_fault, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_isolation_between_contexts, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_illegal_descriptors, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_list_stops_at_first_error, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_submit_validation, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_bus_error_recovers, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_hang_times_out, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_reset_from_another_thread, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_inject_errors, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_perf_counters, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_mmu_modes, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_info_matches_dt, drv_setup, drv_teardown),
		cmocka_unit_test(test_timeout_env),
		cmocka_unit_test_setup_teardown(test_two_devices, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_a_device, drv_setup,
						drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_gemm, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_aborts, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_isolation, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_threads, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_storm, drv_setup, drv_teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_release_in_flight, drv_setup,
						drv_teardown),
	};
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be), count;
	struct CMUnitTest *all =
		tu_backend_tests(tests, sizeof(tests) / sizeof(tests[0]), be, n, &count);
	int failed;

	/* Every test on every backend the library has, "test_x/<backend>". */
	if (!all)
		return 1;
	failed = _cmocka_run_group_tests("driver", all, count, NULL, NULL);
	tu_backend_tests_free(all, count);
	return failed;
}
