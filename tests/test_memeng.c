/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory-engine commands (COPY, PCHASE, SPMV, FOREST) on every backend,
 * each command's tests skipped (with the reason) where the backend answers
 * it ILLEGAL / OPCODE (none does today): random lists,
 * matrices and forests against references written here, independently of
 * hw/hls/memeng.c; the illegal-descriptor reasons; faults on unregistered
 * pointers (status block, fault VA, what was and was not written); and the
 * reference's memory port contract (no access crosses a page) on a flat
 * memory image.
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

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"
#include "host/memeng.h"
#include "host/workloads.h"
#include "hw/hls/circe_hls.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define SENTINEL 0xA5
#define PAGE 4096u

static int fixture_setup(void **state)
{
	return tu_fixture_setup(state, "memeng", 7);
}

/* Page-aligned, registered RW, filled with SENTINEL. */
static void *region_new(struct tu_fixture *f, size_t len)
{
	void *p = tu_alloc_pages(len);

	assert_non_null(p);
	memset(p, SENTINEL, (len + PAGE - 1) & ~(size_t)(PAGE - 1));
	assert_int_equal(circe_mem_register(f->ctx, p, len, CIRCE_MEM_RW), 0);
	return p;
}

static void region_free(struct tu_fixture *f, void *p, size_t len)
{
	assert_int_equal(circe_mem_unregister(f->ctx, p, len), 0);
	free(p);
}

static void assert_all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
}

/* Submit one descriptor raw; its status block comes back in *d. */
static int submit1(struct tu_fixture *f, union circe_hw_desc *d)
{
	return circe_memeng_submit(f->ctx, d, 1, NULL);
}

/* Whether the backend runs opcode op: a descriptor of zeros is ILLEGAL
 * DIMS for every memory-engine command it has, ILLEGAL OPCODE otherwise. */
static bool have_op(struct tu_fixture *f, uint32_t op)
{
	union circe_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.head.opcode = op;
	assert_int_equal(submit1(f, &d), -EINVAL);
	assert_int_equal(d.generic.status.code, CIRCE_HW_ST_ILLEGAL);
	return d.generic.status.detail != CIRCE_HW_ILL_OPCODE;
}

#define NEED_OP(f, op)                                                                       \
	do {                                                                                 \
		if (!have_op((f), CIRCE_HW_OP_##op)) {                                       \
			printf("# skip: backend %s does not run " #op " (ILLEGAL OPCODE)\n", \
			       (f)->be->name);                                               \
			skip();                                                              \
		}                                                                            \
	} while (0)

static void expect_illegal(struct tu_fixture *f, union circe_hw_desc *d, uint32_t reason)
{
	assert_int_equal(submit1(f, d), -EINVAL);
	assert_int_equal(d->generic.status.code, CIRCE_HW_ST_ILLEGAL);
	assert_int_equal(d->generic.status.detail, reason);
	assert_int_equal(d->generic.status.fault_va, 0);
}

static void expect_fault(struct tu_fixture *f, union circe_hw_desc *d, uint64_t va, bool write)
{
	assert_int_equal(submit1(f, d), -EFAULT);
	assert_int_equal(d->generic.status.code, CIRCE_HW_ST_FAULT);
	assert_int_equal(d->generic.status.fault_va, va);
	/* An unregistered page: no PTE, so the flags say only the direction. */
	assert_int_equal(d->generic.status.detail, write ? CIRCE_HW_FAULT_WRITE : 0);
}

/* ---- COPY ----------------------------------------------------------- */

static void test_copy_random(void **state)
{
	struct tu_fixture *f = *state;
	size_t len = 5 * PAGE;
	uint8_t *src, *dst;

	NEED_OP(f, COPY);
	src = region_new(f, len);
	dst = region_new(f, len);
	for (int it = 0; it < 40; it++) {
		size_t so = (size_t)tu_rng_range(&f->rng, 0, PAGE + 63);
		size_t dof = (size_t)tu_rng_range(&f->rng, 0, PAGE + 63);
		size_t max = len - (so > dof ? so : dof);
		size_t n = it < 4 ? (size_t)it + 1 : (size_t)tu_rng_range(&f->rng, 1, (int64_t)max);
		struct circe_job_stats st;

		for (size_t i = 0; i < len; i++)
			src[i] = (uint8_t)tu_rng_u64(&f->rng);
		memset(dst, SENTINEL, len);
		assert_int_equal(circe_copy_run(f->ctx, dst + dof, src + so, n, &st), 0);
		assert_memory_equal(dst + dof, src + so, n);
		assert_all(dst, dof, SENTINEL);
		assert_all(dst + dof + n, len - dof - n, SENTINEL);
		assert_int_equal(st.descriptors, 1);
	}
	region_free(f, src, len);
	region_free(f, dst, len);
}

/* The 16 MiB copy of the SVM study (smaller on cycle-accurate backends). */
static void test_copy_large(void **state)
{
	struct tu_fixture *f = *state;
	size_t len = strcmp(f->be->name, "fmodel") ? 256u << 10 : 16u << 20;
	uint8_t *src, *dst;

	NEED_OP(f, COPY);
	src = region_new(f, len);
	dst = region_new(f, len);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = tu_rng_u64(&f->rng);

		memcpy(src + i, &v, 8);
	}
	assert_int_equal(circe_copy_run(f->ctx, dst, src, len, NULL), 0);
	assert_memory_equal(dst, src, len);
	region_free(f, src, len);
	region_free(f, dst, len);
}

static void test_copy_illegal_and_faults(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t *buf, *hole;
	union circe_hw_desc d;
	uint64_t b;

	NEED_OP(f, COPY);
	buf = region_new(f, 4 * PAGE);
	b = (uint64_t)(uintptr_t)buf;

	/* Host-side checks. */
	assert_int_equal(circe_copy_run(f->ctx, buf, buf + 10, 20, NULL), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "overlap"));
	assert_int_equal(circe_copy_run(f->ctx, buf, buf + 100, 0, NULL), -EINVAL);
	assert_int_equal(circe_copy_run(NULL, buf, buf + 100, 1, NULL), -EINVAL);

	/* Device-side reasons, in their order. */
	circe_memeng_fill_copy(&d.copy, b, b + PAGE, 0);
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_copy(&d.copy, b, b + PAGE, CIRCE_HW_COPY_MAX_BYTES + 1);
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_copy(&d.copy, b, b + PAGE, 1);
	d.copy.flags = 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_FLAGS);
	d.copy.flags = 1;
	d.copy.bytes = 0;
	expect_illegal(f, &d, CIRCE_HW_ILL_FLAGS); /* FLAGS before DIMS */
	circe_memeng_fill_copy(&d.copy, b + 100, b, 101);
	expect_illegal(f, &d, CIRCE_HW_ILL_OVERLAP);
	circe_memeng_fill_copy(&d.copy, b, b + 100, 101);
	expect_illegal(f, &d, CIRCE_HW_ILL_OVERLAP);
	circe_memeng_fill_copy(&d.copy, b, b + 100, 100); /* touching, not overlapping */
	assert_int_equal(submit1(f, &d), 0);
	assert_int_equal(d.generic.status.code, CIRCE_HW_ST_OK);
	/* Overlap is of the ranges as numbers, without wrap: these do not
	 * overlap, and the first access (the read at 3) faults. */
	circe_memeng_fill_copy(&d.copy, UINT64_MAX - 5, 3, 10);
	expect_fault(f, &d, 3, false);
	assert_all(buf + 2 * PAGE, 2 * PAGE, SENTINEL);

	/* Destination runs into an unregistered page: the fault VA is the start
	 * of the first piece in that page (the destination is unspecified
	 * afterwards: hw.h). */
	hole = tu_alloc_pages(2 * PAGE);
	assert_non_null(hole);
	memset(hole, SENTINEL, 2 * PAGE);
	assert_int_equal(circe_mem_register(f->ctx, hole, PAGE, CIRCE_MEM_RW), 0);
	for (unsigned i = 0; i < PAGE; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	circe_memeng_fill_copy(&d.copy, (uintptr_t)hole + PAGE - 100, b, 300);
	expect_fault(f, &d, (uintptr_t)hole + PAGE, true);
	assert_int_equal(circe_copy_run(f->ctx, hole + PAGE - 100, buf, 300, NULL), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "copy: "));
	/* Source runs into it at offset 64. */
	memset(buf, SENTINEL, PAGE);
	memset(hole, 0x3C, PAGE);
	circe_memeng_fill_copy(&d.copy, b + 50, (uintptr_t)hole + PAGE - 64, 200);
	expect_fault(f, &d, (uintptr_t)hole + PAGE, false);
	assert_all(buf, 50, SENTINEL); /* before the destination: never written */
	assert_int_equal(circe_mem_unregister(f->ctx, hole, PAGE), 0);
	free(hole);

	/* The context still works. */
	assert_int_equal(circe_copy_run(f->ctx, buf + 2 * PAGE, buf, 3000, NULL), 0);
	assert_memory_equal(buf + 2 * PAGE, buf, 3000);
	region_free(f, buf, 4 * PAGE);
}

/* ---- PCHASE --------------------------------------------------------- */

static uint64_t ref_mix(uint64_t c, uint64_t v)
{
	return (c << 7 | c >> 57) ^ v;
}

static void test_pchase_random(void **state)
{
	struct tu_fixture *f = *state;
	size_t pool_len = 16 * PAGE, node = 64, slots = pool_len / node;
	uint8_t *pool;
	size_t *perm;

	NEED_OP(f, PCHASE);
	pool = region_new(f, pool_len);
	perm = calloc(slots, sizeof(*perm));
	assert_non_null(perm);
	for (int it = 0; it < 12; it++) {
		/* Every node is two memory round trips: short lists on
		 * cycle-accurate backends. */
		size_t n = (size_t)tu_rng_range(
			&f->rng, 1, (int64_t)(strcmp(f->be->name, "fmodel") ? 128 : slots));
		size_t next_off = 8 * (size_t)tu_rng_range(&f->rng, 0, 7);
		size_t val_off = 8 * (size_t)tu_rng_range(&f->rng, 0, 7);
		bool cyclic = it % 3 == 2, stop_null = it % 3 == 0;
		struct circe_pchase p = { 0 };
		struct circe_pchase_result r;
		uint64_t sum = 0, visits, last = 0, next;

		if (val_off == next_off)
			val_off = (next_off + 8) % node;
		/* A random order of n slots over the pool's pages. */
		for (size_t i = 0; i < slots; i++)
			perm[i] = i;
		for (size_t i = slots - 1; i > 0; i--) {
			size_t j = (size_t)tu_rng_range(&f->rng, 0, (int64_t)i), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (size_t i = 0; i < n; i++) {
			uint8_t *nd = pool + perm[i] * node;
			uint64_t v = tu_rng_u64(&f->rng), nx;

			nx = i + 1 < n ? (uintptr_t)(pool + perm[i + 1] * node)
				       : (cyclic ? (uintptr_t)(pool + perm[0] * node) : 0);
			memcpy(nd + val_off, &v, 8);
			memcpy(nd + next_off, &nx, 8);
		}
		p.start = pool + perm[0] * node;
		p.next_offset = next_off;
		p.value_offset = val_off;
		p.stop_at_null = stop_null;
		/* count mode: exactly n (or, on a cycle, more than n) nodes */
		p.max_nodes = stop_null ? (uint32_t)n + (uint32_t)tu_rng_range(&f->rng, 0, 5)
			      : cyclic	? (uint32_t)(n + (size_t)tu_rng_range(&f->rng, 0, 2 * n))
					: (uint32_t)tu_rng_range(&f->rng, 1, (int64_t)n);
		/* reference */
		visits = 0;
		next = (uintptr_t)p.start;
		while (visits < p.max_nodes && !(next == 0 && stop_null)) {
			uint64_t v;

			memcpy(&v, (uint8_t *)(uintptr_t)next + val_off, 8);
			sum = ref_mix(sum, v);
			last = next;
			memcpy(&next, (uint8_t *)(uintptr_t)next + next_off, 8);
			visits++;
		}
		memset(&r, 0xEE, sizeof(r));
		assert_int_equal(circe_pchase_run(f->ctx, &p, &r, NULL), 0);
		assert_int_equal(r.nodes, visits);
		assert_int_equal(r.checksum, sum);
		assert_int_equal(r.last, last);
		assert_int_equal(r.next, next);
		assert_int_equal(circe_hls_pchase_mix(5, 3), ref_mix(5, 3));
	}
	/* NULL start with stop_at_null: nothing visited. */
	{
		struct circe_pchase p = { .max_nodes = 3, .stop_at_null = true };
		struct circe_pchase_result r;

		assert_int_equal(circe_pchase_run(f->ctx, &p, &r, NULL), 0);
		assert_int_equal(r.nodes, 0);
		assert_int_equal(r.last, 0);
		assert_int_equal(r.next, 0);
	}
	free(perm);
	region_free(f, pool, pool_len);
}

static void test_pchase_illegal_and_faults(void **state)
{
	struct tu_fixture *f = *state;
	uint8_t *pool = NULL;
	union circe_hw_desc d;
	struct circe_pchase p = { 0 };
	struct circe_pchase_result r;
	uint64_t b, res, v;

	NEED_OP(f, PCHASE);
	pool = region_new(f, 2 * PAGE);
	b = (uintptr_t)pool;
	res = b + PAGE;
	p.start = pool;
	p.next_offset = 0;
	p.value_offset = 8;
	p.max_nodes = 1;

	assert_int_equal(circe_pchase_run(f->ctx, &p, NULL, NULL), -EINVAL);
	p.next_offset = 4;
	assert_int_equal(circe_pchase_run(f->ctx, &p, &r, NULL), -EINVAL);
	p.next_offset = 0;

	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.max_nodes = 0;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.flags = 2;
	expect_illegal(f, &d, CIRCE_HW_ILL_FLAGS);
	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.val_off = CIRCE_HW_PCHASE_MAX_OFF + 8;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.val_off = 12;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);
	circe_memeng_fill_pchase(&d.pchase, &p, res + 4);
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);
	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.start_va = b + 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);

	/* A misaligned pointer in the list: ILLEGAL ALIGN, no result. */
	v = b + 64 + 3;
	memcpy(pool, &v, 8);
	circe_memeng_fill_pchase(&d.pchase, &p, res);
	d.pchase.max_nodes = 5;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);
	assert_all(pool + PAGE, 32, SENTINEL);

	/* A pointer out of the registered memory: the value word is read
	 * first, so its address is the fault VA. */
	v = b + 16 * PAGE;
	memcpy(pool, &v, 8);
	expect_fault(f, &d, b + 16 * PAGE + 8, false);
	assert_all(pool + PAGE, 32, SENTINEL);
	/* Without STOP_NULL a NULL pointer is followed and faults at 0 + off. */
	v = 0;
	memcpy(pool, &v, 8);
	expect_fault(f, &d, 8, false);
	/* With it, the chase ends there. */
	d.pchase.flags = CIRCE_HW_PCHASE_STOP_NULL;
	d.pchase.status.code = CIRCE_HW_ST_PENDING;
	assert_int_equal(submit1(f, &d), 0);
	memcpy(&v, pool + PAGE, 8);
	assert_int_equal(v, 1);
	/* The result in read-only memory: a write fault at result_va. */
	{
		uint8_t *ro = tu_alloc_pages(PAGE);

		assert_non_null(ro);
		assert_int_equal(circe_mem_register(f->ctx, ro, PAGE, CIRCE_MEM_READ), 0);
		circe_memeng_fill_pchase(&d.pchase, &p, (uintptr_t)ro + 64);
		d.pchase.flags = CIRCE_HW_PCHASE_STOP_NULL;
		assert_int_equal(submit1(f, &d), -EFAULT);
		assert_int_equal(d.generic.status.fault_va, (uintptr_t)ro + 64);
		assert_true(d.generic.status.detail & CIRCE_HW_FAULT_WRITE);
		assert_true(d.generic.status.detail & CIRCE_HW_FAULT_PERM);
		assert_int_equal(circe_mem_unregister(f->ctx, ro, PAGE), 0);
		free(ro);
	}
	region_free(f, pool, 2 * PAGE);
}

/* ---- SPMV ----------------------------------------------------------- */

struct csr {
	size_t rows, cols, nnz;
	int32_t *row_ptr, *col_idx, *y;
	int8_t *val, *x;
	size_t lens[5];
};

static void csr_make(struct tu_fixture *f, struct csr *m, size_t rows, size_t cols, size_t max_row)
{
	size_t nnz = 0;

	m->rows = rows;
	m->cols = cols;
	m->lens[0] = (rows + 1) * 4;
	m->row_ptr = region_new(f, m->lens[0]);
	m->row_ptr[0] = 0;
	for (size_t r = 0; r < rows; r++) {
		/* Some empty rows, some long ones (several chunks). */
		size_t n = tu_rng_range(&f->rng, 0, 5) == 0
				   ? 0
				   : (size_t)tu_rng_range(&f->rng, 0, (int64_t)max_row);
		nnz += n;
		m->row_ptr[r + 1] = (int32_t)nnz;
	}
	m->nnz = nnz;
	m->lens[1] = nnz ? nnz * 4 : 4;
	m->lens[2] = nnz ? nnz : 1;
	m->lens[3] = cols;
	m->lens[4] = rows * 4;
	m->col_idx = region_new(f, m->lens[1]);
	m->val = region_new(f, m->lens[2]);
	m->x = region_new(f, m->lens[3]);
	m->y = region_new(f, m->lens[4]);
	for (size_t j = 0; j < nnz; j++) {
		m->col_idx[j] = (int32_t)tu_rng_range(&f->rng, 0, (int64_t)cols - 1);
		m->val[j] = (int8_t)tu_rng_range(&f->rng, -128, 127);
	}
	tu_rng_fill_i8(&f->rng, m->x, cols, -128, 127);
}

static void csr_free(struct tu_fixture *f, struct csr *m)
{
	region_free(f, m->row_ptr, m->lens[0]);
	region_free(f, m->col_idx, m->lens[1]);
	region_free(f, m->val, m->lens[2]);
	region_free(f, m->x, m->lens[3]);
	region_free(f, m->y, m->lens[4]);
}

static struct circe_spmv csr_spmv(const struct csr *m)
{
	return (struct circe_spmv){ m->rows,	m->cols, m->nnz, m->row_ptr,
				    m->col_idx, m->val,	 m->x,	 m->y };
}

static int32_t csr_ref_row(const struct csr *m, size_t r)
{
	int64_t acc = 0;

	for (int32_t j = m->row_ptr[r]; j < m->row_ptr[r + 1]; j++)
		acc += (int64_t)m->val[j] * m->x[m->col_idx[j]];
	return (int32_t)(uint32_t)(uint64_t)acc;
}

static void test_spmv_random(void **state)
{
	struct tu_fixture *f = *state;

	NEED_OP(f, SPMV);
	for (int it = 0; it < 10; it++) {
		struct csr m;
		struct circe_spmv s;
		size_t rows = (size_t)tu_rng_range(&f->rng, 1, 300);
		size_t cols = (size_t)tu_rng_range(&f->rng, 1, 9000);

		csr_make(f, &m, rows, cols, it == 9 ? 700 : 40);
		s = csr_spmv(&m);
		assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), 0);
		for (size_t r = 0; r < rows; r++)
			if (m.y[r] != csr_ref_row(&m, r))
				fail_msg("iteration %d row %zu: %d, expected %d", it, r, m.y[r],
					 csr_ref_row(&m, r));
		csr_free(f, &m);
	}
}

/* The figures of docs/memeng.md: random CSR matrices of host/workloads.c
 * (distinct sorted columns, the same count in every row), 1024 x 1024 at
 * 1 % density, then longer rows (one and three chunks), checked against
 * the reference rows and, where the backend counts cycles, measured. */
static void test_spmv_measure(void **state)
{
	static const uint32_t shapes[][3] = { { 1024, 1024, 10 },
					      { 256, 4096, 64 },
					      { 32, 4096, 600 } };
	struct tu_fixture *f = *state;

	NEED_OP(f, SPMV);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct circe_wl_csr w;
		struct csr m;
		struct circe_spmv s;
		struct circe_job_stats st;

		assert_int_equal(
			circe_wl_csr_build(&w, shapes[i][0], shapes[i][1], shapes[i][2], 5), 0);
		memset(&m, 0, sizeof(m));
		m.rows = w.rows;
		m.cols = w.cols;
		m.nnz = w.nnz;
		m.lens[0] = (m.rows + 1) * 4;
		m.lens[1] = m.nnz * 4;
		m.lens[2] = m.nnz;
		m.lens[3] = m.cols;
		m.lens[4] = m.rows * 4;
		m.row_ptr = region_new(f, m.lens[0]);
		m.col_idx = region_new(f, m.lens[1]);
		m.val = region_new(f, m.lens[2]);
		m.x = region_new(f, m.lens[3]);
		m.y = region_new(f, m.lens[4]);
		memcpy(m.row_ptr, w.row_ptr, m.lens[0]);
		memcpy(m.col_idx, w.col_idx, m.lens[1]);
		memcpy(m.val, w.values, m.lens[2]);
		memcpy(m.x, w.x, m.lens[3]);
		s = csr_spmv(&m);
		assert_int_equal(circe_spmv_run(f->ctx, &s, &st), 0);
		for (size_t r = 0; r < m.rows; r++)
			assert_int_equal(m.y[r], csr_ref_row(&m, r));
		if (st.cycles_valid)
			printf("# spmv %zu x %zu, nnz %zu on %s: %" PRIu64
			       " cycles (%.1f per entry), %" PRIu64 " walks, %" PRIu64
			       " bytes read\n",
			       m.rows, m.cols, m.nnz, f->be->name, st.cycles,
			       (double)st.cycles / (double)m.nnz, st.walks, st.dma_read_bytes);
		circe_wl_csr_free(&w);
		csr_free(f, &m);
	}
}

static void test_spmv_illegal_and_faults(void **state)
{
	struct tu_fixture *f = *state;
	union circe_hw_desc d;
	struct circe_spmv s;
	struct csr m;
	int32_t saved;

	NEED_OP(f, SPMV);
	/* 8 rows of 4 entries each. */
	memset(&m, 0, sizeof(m));
	m.rows = 8;
	m.cols = 50;
	m.nnz = 32;
	m.lens[0] = 9 * 4;
	m.lens[1] = 32 * 4;
	m.lens[2] = 32;
	m.lens[3] = 50;
	m.lens[4] = 8 * 4;
	m.row_ptr = region_new(f, m.lens[0]);
	m.col_idx = region_new(f, m.lens[1]);
	m.val = region_new(f, m.lens[2]);
	m.x = region_new(f, m.lens[3]);
	m.y = region_new(f, m.lens[4]);
	for (size_t r = 0; r <= 8; r++)
		m.row_ptr[r] = (int32_t)(4 * r);
	for (size_t j = 0; j < 32; j++) {
		m.col_idx[j] = (int32_t)(j * 3 % 50);
		m.val[j] = (int8_t)(j - 16);
	}
	for (size_t c = 0; c < 50; c++)
		m.x[c] = (int8_t)(c - 25);
	s = csr_spmv(&m);

	/* Host checks. */
	s.rows = 0;
	assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), -EINVAL);
	s = csr_spmv(&m);
	s.y = (int32_t *)((uint8_t *)m.y + 2);
	assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), -EINVAL);
	s = csr_spmv(&m);

	/* Descriptor reasons. */
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.cols = 0;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.rows = CIRCE_HW_SPMV_MAX_ROWS + 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.flags = 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_FLAGS);
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.col_idx_va += 2;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);

	/* row_ptr not monotone, not starting at 0, not ending at nnz: INDEX,
	 * nothing written. */
	circe_memeng_fill_spmv(&d.spmv, &s);
	saved = m.row_ptr[5];
	m.row_ptr[5] = m.row_ptr[4] - 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	m.row_ptr[5] = saved;
	m.row_ptr[0] = 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	m.row_ptr[0] = 0;
	d.spmv.nnz = 31;
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	assert_all((uint8_t *)m.y, 32, SENTINEL);
	assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), 0);
	for (size_t r = 0; r < 8; r++)
		assert_int_equal(m.y[r], csr_ref_row(&m, r));

	/* A bad column in row 5: rows 0-4 written, 5-7 not. */
	memset(m.y, SENTINEL, 32);
	m.col_idx[21] = 50;
	circe_memeng_fill_spmv(&d.spmv, &s);
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	for (size_t r = 0; r < 5; r++)
		assert_int_equal(m.y[r], csr_ref_row(&m, r));
	assert_all((uint8_t *)(m.y + 5), 12, SENTINEL);
	m.col_idx[21] = -1;
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "spmv: "));
	m.col_idx[21] = 7;

	/* Faults: x unregistered (first x read of row 0), y read-only. */
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.x_va = 1ull << 40;
	expect_fault(f, &d, (1ull << 40) + (uint64_t)m.col_idx[0], false);
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.y_va = 1ull << 40;
	expect_fault(f, &d, 1ull << 40, true);
	circe_memeng_fill_spmv(&d.spmv, &s);
	d.spmv.row_ptr_va = 1ull << 40;
	expect_fault(f, &d, 1ull << 40, false);

	assert_int_equal(circe_spmv_run(f->ctx, &s, NULL), 0);
	for (size_t r = 0; r < 8; r++)
		assert_int_equal(m.y[r], csr_ref_row(&m, r));
	csr_free(f, &m);
}

/* ---- FOREST --------------------------------------------------------- */

struct forest {
	struct circe_tree_node *pool;
	size_t pool_n, used;
	const struct circe_tree_node **roots;
	int32_t *x, *out;
	size_t trees, features;
};

static struct circe_tree_node *forest_grow(struct tu_fixture *f, struct forest *fo, unsigned depth)
{
	struct circe_tree_node *n;

	assert_true(fo->used < fo->pool_n);
	n = &fo->pool[fo->used++];
	memset(n, 0, sizeof(*n));
	if (depth == 0 || tu_rng_range(&f->rng, 0, 4) == 0) {
		n->feature = CIRCE_TREE_LEAF;
		n->leaf_value = (int32_t)tu_rng_range(&f->rng, INT32_MIN / 4, INT32_MAX / 4);
		/* garbage children: a leaf's pointers are never followed */
		n->left = (const void *)(uintptr_t)0xdead0;
		return n;
	}
	n->feature = (uint32_t)tu_rng_range(&f->rng, 0, (int64_t)fo->features - 1);
	n->threshold = (int32_t)tu_rng_range(&f->rng, -1000, 1000);
	n->left = forest_grow(f, fo, depth - 1);
	n->right = forest_grow(f, fo, depth - 1);
	return n;
}

static int32_t forest_ref(const struct forest *fo, size_t t)
{
	const struct circe_tree_node *n = fo->roots[t];

	while (n->feature != CIRCE_TREE_LEAF)
		n = fo->x[n->feature] <= n->threshold ? n->left : n->right;
	return n->leaf_value;
}

static void forest_new(struct tu_fixture *f, struct forest *fo, size_t trees, size_t features,
		       unsigned depth)
{
	memset(fo, 0, sizeof(*fo));
	fo->trees = trees;
	fo->features = features;
	fo->pool_n = trees * ((2u << depth) - 1);
	fo->pool = region_new(f, fo->pool_n * sizeof(*fo->pool));
	fo->roots = region_new(f, trees * sizeof(*fo->roots));
	fo->x = region_new(f, features * 4);
	fo->out = region_new(f, trees * 4);
	for (size_t i = 0; i < features; i++)
		fo->x[i] = (int32_t)tu_rng_range(&f->rng, -1000, 1000);
	for (size_t t = 0; t < trees; t++)
		fo->roots[t] = forest_grow(f, fo, depth);
}

static void forest_free(struct tu_fixture *f, struct forest *fo)
{
	region_free(f, fo->pool, fo->pool_n * sizeof(*fo->pool));
	region_free(f, fo->roots, fo->trees * sizeof(*fo->roots));
	region_free(f, fo->x, fo->features * 4);
	region_free(f, fo->out, fo->trees * 4);
}

static struct circe_forest forest_desc(const struct forest *fo, bool per_tree)
{
	return (struct circe_forest){ .trees = fo->trees,
				      .features = fo->features,
				      .roots = fo->roots,
				      .x = fo->x,
				      .out = fo->out,
				      .per_tree = per_tree };
}

static void test_forest_random(void **state)
{
	struct tu_fixture *f = *state;

	NEED_OP(f, FOREST);
	for (int it = 0; it < 8; it++) {
		struct forest fo;
		struct circe_forest d;
		size_t trees = (size_t)tu_rng_range(&f->rng, 1, 40);
		unsigned depth = (unsigned)tu_rng_range(&f->rng, 0, 7);
		uint32_t sum = 0;

		forest_new(f, &fo, trees, (size_t)tu_rng_range(&f->rng, 1, 3000), depth);
		d = forest_desc(&fo, true);
		assert_int_equal(circe_forest_run(f->ctx, &d, NULL), 0);
		for (size_t t = 0; t < trees; t++) {
			assert_int_equal(fo.out[t], forest_ref(&fo, t));
			sum += (uint32_t)forest_ref(&fo, t);
		}
		d = forest_desc(&fo, false);
		memset(fo.out, SENTINEL, trees * 4);
		d.max_depth = depth ? depth : 1;
		assert_int_equal(circe_forest_run(f->ctx, &d, NULL), 0);
		assert_int_equal((uint32_t)fo.out[0], sum);
		assert_all((uint8_t *)(fo.out + 1), (trees - 1) * 4, SENTINEL);
		forest_free(f, &fo);
	}
}

static void test_forest_illegal_and_faults(void **state)
{
	struct tu_fixture *f = *state;
	union circe_hw_desc d;
	struct circe_forest cf;
	struct forest fo;
	struct circe_tree_node *a;

	NEED_OP(f, FOREST);
	forest_new(f, &fo, 3, 10, 0); /* three single leaves */
	cf = forest_desc(&fo, true);
	a = (struct circe_tree_node *)fo.roots[1];

	assert_int_equal(circe_forest_run(f->ctx, &cf, NULL), 0);
	assert_int_equal(fo.out[1], a->leaf_value);

	cf.trees = 0;
	assert_int_equal(circe_forest_run(f->ctx, &cf, NULL), -EINVAL);
	cf = forest_desc(&fo, true);
	cf.x = (const int32_t *)((const uint8_t *)fo.x + 1);
	assert_int_equal(circe_forest_run(f->ctx, &cf, NULL), -EINVAL);
	cf = forest_desc(&fo, true);

	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.max_depth = 0;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.trees = CIRCE_HW_FOREST_MAX_TREES + 1;
	expect_illegal(f, &d, CIRCE_HW_ILL_DIMS);
	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.flags = 4;
	expect_illegal(f, &d, CIRCE_HW_ILL_FLAGS);
	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.roots_va += 4;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);

	/* A cycle: tree 1's node points at itself; ends at the depth cap with
	 * tree 0's output written, tree 1's not. */
	memset(fo.out, SENTINEL, 12);
	a->feature = 0;
	a->left = a;
	a->right = a;
	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.max_depth = 17;
	expect_illegal(f, &d, CIRCE_HW_ILL_DEPTH);
	assert_int_equal(fo.out[0], forest_ref(&fo, 0));
	assert_all((uint8_t *)(fo.out + 1), 8, SENTINEL);
	/* Through the host API (a small cap: every edge is three memory
	 * latencies on a cycle-accurate model). */
	cf.max_depth = 40;
	assert_int_equal(circe_forest_run(f->ctx, &cf, NULL), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "forest: "));
	cf.max_depth = 0;
	/* A feature index out of range. */
	a->feature = 10;
	expect_illegal(f, &d, CIRCE_HW_ILL_INDEX);
	/* A misaligned child. */
	a->feature = 3;
	a->left = (const void *)((const uint8_t *)fo.roots[0] + 8);
	a->right = a->left;
	expect_illegal(f, &d, CIRCE_HW_ILL_ALIGN);
	/* A NULL child faults at VA 0. */
	a->left = NULL;
	a->right = NULL;
	expect_fault(f, &d, 0, false);
	/* A child outside registered memory: the fault VA is the node's. */
	a->left = (const void *)(uintptr_t)(1ull << 41);
	a->right = a->left;
	expect_fault(f, &d, 1ull << 41, false);
	/* x unregistered: the fault VA is x + 4 * feature. */
	a->left = fo.roots[0];
	a->right = fo.roots[0];
	circe_memeng_fill_forest(&d.forest, &cf);
	d.forest.x_va = 1ull << 41;
	expect_fault(f, &d, (1ull << 41) + 12, false);
	/* Back to a legal forest: tree 1 now ends in tree 0's leaf. */
	assert_int_equal(circe_forest_run(f->ctx, &cf, NULL), 0);
	assert_int_equal(fo.out[1], fo.roots[0]->leaf_value);
	forest_free(f, &fo);
}

/* ---- the reference's memory port ------------------------------------ */

struct flat {
	uint8_t *mem;
	uint64_t base, len;
	unsigned accesses;
};

static int flat_access(struct flat *m, uint64_t va, uint32_t len)
{
	m->accesses++;
	assert_true(len > 0);
	/* The contract: no access crosses a page. */
	assert_true((va & (PAGE - 1)) + len <= PAGE);
	return va < m->base || va + len > m->base + m->len;
}

static int flat_read(void *ctx, uint64_t va, void *dst, uint32_t len)
{
	struct flat *m = ctx;

	if (flat_access(m, va, len))
		return -1;
	memcpy(dst, m->mem + (va - m->base), len);
	return 0;
}

static int flat_write(void *ctx, uint64_t va, const void *src, uint32_t len)
{
	struct flat *m = ctx;

	if (flat_access(m, va, len))
		return -1;
	memcpy(m->mem + (va - m->base), src, len);
	return 0;
}

static void test_hls_port_contract(void **state)
{
	struct tu_rng rng;
	struct flat m = { .base = 0x10000000ull, .len = 8 * PAGE };
	struct circe_hls_mem port = { flat_read, flat_write, &m };
	union circe_hw_desc d;

	(void)state;
	tu_rng_init(&rng, tu_seed("memeng_hls", 11));
	m.mem = malloc(m.len);
	assert_non_null(m.mem);
	for (int it = 0; it < 200; it++) {
		uint64_t n = (uint64_t)tu_rng_range(&rng, 1, 3 * PAGE);
		uint64_t s = m.base + (uint64_t)tu_rng_range(&rng, 0, PAGE);
		uint64_t t = m.base + 4 * PAGE + (uint64_t)tu_rng_range(&rng, 0, PAGE - 1);

		for (uint64_t i = 0; i < m.len; i++)
			m.mem[i] = (uint8_t)tu_rng_u64(&rng);
		circe_memeng_fill_copy(&d.copy, t, s, n);
		assert_int_equal(circe_hls_memeng(&d, &port), 0);
		assert_memory_equal(m.mem + (t - m.base), m.mem + (s - m.base), n);
	}
	/* A read outside the image stops the command. */
	circe_memeng_fill_copy(&d.copy, m.base, m.base + m.len - 10, 20);
	assert_int_equal(circe_hls_memeng(&d, &port), CIRCE_HLS_MEMENG_STOPPED);
	/* Unknown opcodes are illegal for the reference too. */
	d.head.opcode = CIRCE_HW_OP_GEMM;
	assert_int_equal(circe_hls_memeng_check(&d), CIRCE_HW_ILL_OPCODE);
	free(m.mem);
}

/* ---- the functional model against the RTL, byte for byte ---------- */

/* One device with two 8-page windows whose pages 0-5 are registered. */
struct side {
	struct circe_dev *dev;
	struct circe_ctx *ctx;
	uint8_t *src, *dst;
};

#define CS_PAGES 8u
#define CS_REG (6u * PAGE)
/* SPMV descriptors of the comparison (-DSPMV_COSIM_N=... for a longer soak) */
#ifndef SPMV_COSIM_N
#define SPMV_COSIM_N 54
#endif

static int side_open(const struct tu_backend *b, struct side *sd)
{
	memset(sd, 0, sizeof(*sd));
	if (circe_open(b->uri, b->dtb, &sd->dev) || circe_ctx_create(sd->dev, &sd->ctx))
		return -1;
	sd->src = tu_alloc_pages(CS_PAGES * PAGE);
	sd->dst = tu_alloc_pages(CS_PAGES * PAGE);
	if (!sd->src || !sd->dst)
		return -1;
	if (circe_mem_register(sd->ctx, sd->src, CS_REG, CIRCE_MEM_RW) ||
	    circe_mem_register(sd->ctx, sd->dst, CS_REG, CIRCE_MEM_RW))
		return -1;
	return 0;
}

static void side_close(struct side *sd)
{
	circe_ctx_destroy(sd->ctx); /* unregisters both windows */
	circe_close(sd->dev);
	free(sd->src);
	free(sd->dst);
}

/* A status block with its fault VA as an offset into the side's windows
 * (src + x, or dst + 2^32 + x), so that two processes' views compare. */
static struct circe_hw_status side_status(const struct side *sd, struct circe_hw_status st)
{
	uint64_t va = st.fault_va, s = (uintptr_t)sd->src, d = (uintptr_t)sd->dst;

	if (va >= s && va < s + CS_PAGES * PAGE)
		st.fault_va = va - s;
	else if (va >= d && va < d + CS_PAGES * PAGE)
		st.fault_va = (1ull << 32) + (va - d);
	return st;
}

/* One SPMV case for test_cosim_fmodel_vsim, built from `fill` alone so that
 * both sides get the same matrix at the same offsets: row_ptr, col_idx,
 * values and x packed from the start of the source window (values and x
 * at any alignment), y in the destination window. Kinds (fill % 9):
 * 0-1 legal; 2-6 one array (row_ptr, col_idx, values, x, y) moved so that
 * it runs into the unregistered page 6 of its window; 7 bad data (a column
 * out of range, row_ptr not starting at 0, decreasing, or not ending at
 * nnz), also in half of the cases of kinds 2-6; 8 an illegal descriptor field, or y overlapping x or col_idx (the
 * reference then reads what it wrote). */
static size_t spmv_row_len(struct tu_rng *lr, size_t r, size_t long_row, size_t max_row)
{
	if (r == long_row)
		return (size_t)tu_rng_range(lr, 257, 700); /* two or three chunks */
	if (tu_rng_range(lr, 0, 4) == 0)
		return 0;
	return (size_t)tu_rng_range(lr, 0, (int64_t)max_row);
}

static int spmv_case(struct side *sd, uint64_t fill, union circe_hw_desc *d)
{
	struct tu_rng fr, lr;
	uint8_t *src = sd->src, *dst = sd->dst;
	unsigned kind = (unsigned)(fill % 9);
	size_t rows, cols, nnz = 0, off = 0, lens[5], offs[5];
	int32_t *row_ptr, *col;
	int8_t *val, *x;
	size_t max_row, long_row;

	tu_rng_init(&fr, fill);
	memset(src, 0, CS_REG);
	memset(dst, SENTINEL, CS_REG);
	rows = (size_t)tu_rng_range(&fr, 1, kind == 8 ? 30 : 100);
	cols = (size_t)tu_rng_range(&fr, 1, 2000);
	max_row = tu_rng_range(&fr, 0, 9) == 0 ? 0 : (size_t)tu_rng_range(&fr, 1, 12);
	long_row = tu_rng_range(&fr, 0, 3) == 0 ? (size_t)tu_rng_range(&fr, 0, rows - 1) : rows;
	/* Sizes first; the row lengths come from a generator of their own,
	 * drawn again below when row_ptr is stored. */
	tu_rng_init(&lr, fill ^ 0x5bd1e995u);
	for (size_t r = 0; r < rows; r++)
		nnz += spmv_row_len(&lr, r, long_row, max_row);
	lens[0] = 4 * (rows + 1);
	lens[1] = 4 * nnz;
	lens[2] = nnz;
	lens[3] = cols;
	lens[4] = 4 * rows;
	for (int a = 0; a < 4; a++) {
		size_t gap = (size_t)tu_rng_range(&fr, 0, 100);

		if (a == 0 || a == 1)
			gap &= ~(size_t)3;
		offs[a] = off + gap;
		off = offs[a] + lens[a];
	}
	offs[4] = (size_t)tu_rng_range(&fr, 0, 2 * PAGE) & ~(size_t)3;
	if (kind >= 2 && kind <= 6) {
		/* The array's start stays registered, its end does not. */
		size_t a = kind - 2, len = lens[a] ? lens[a] : 1;
		size_t into =
			(size_t)tu_rng_range(&fr, 1, (int64_t)(len < 2 * PAGE ? len : 2 * PAGE));

		offs[a] = CS_REG + into - len;
		if (a != 2 && a != 3)
			offs[a] &= ~(size_t)3;
	}
	assert_true(off <= 4 * PAGE);
	row_ptr = (int32_t *)(src + offs[0]);
	col = (int32_t *)(src + offs[1]);
	val = (int8_t *)(src + offs[2]);
	x = (int8_t *)(src + offs[3]);
	nnz = 0;
	row_ptr[0] = 0;
	tu_rng_init(&lr, fill ^ 0x5bd1e995u);
	for (size_t r = 0; r < rows; r++) {
		nnz += spmv_row_len(&lr, r, long_row, max_row);
		if (offs[0] + 4 * (r + 1) < CS_REG)
			row_ptr[r + 1] = (int32_t)nnz;
	}
	for (size_t j = 0; j < nnz; j++) {
		if (offs[1] + 4 * j < CS_REG)
			col[j] = (int32_t)tu_rng_range(&fr, 0, (int64_t)cols - 1);
		if (offs[2] + j < CS_REG)
			val[j] = (int8_t)tu_rng_range(&fr, -128, 127);
	}
	for (size_t c = 0; c < cols && offs[3] + c < CS_REG; c++)
		x[c] = (int8_t)tu_rng_range(&fr, -128, 127);
	memset(d, 0, sizeof(*d));
	d->spmv.opcode = CIRCE_HW_OP_SPMV;
	d->spmv.rows = (uint32_t)rows;
	d->spmv.cols = (uint32_t)cols;
	d->spmv.nnz = (uint32_t)nnz;
	d->spmv.row_ptr_va = (uintptr_t)row_ptr;
	d->spmv.col_idx_va = (uintptr_t)col;
	d->spmv.val_va = (uintptr_t)val;
	d->spmv.x_va = (uintptr_t)x;
	d->spmv.y_va = (uintptr_t)dst + offs[4];
	/* Bad data also in half of the fault kinds: which error comes first. */
	if (kind == 7 || (kind >= 2 && kind <= 6 && (fill >> 50) & 1)) {
		switch (tu_rng_range(&fr, 0, 5)) {
		case 0:
			row_ptr[0] = 1;
			break;
		case 1:
			if (rows > 1)
				row_ptr[1 + tu_rng_range(&fr, 0, (int64_t)rows - 2)] -= 3;
			break;
		case 2:
			d->spmv.nnz += 1;
			break;
		default:
			/* a column out of range, up to three times */
			for (int i = 0; nnz && i < 1 + (int)(fill >> 40) % 3; i++) {
				int64_t v = tu_rng_range(&fr, 0, 2);

				col[tu_rng_range(&fr, 0, (int64_t)nnz - 1)] = v == 0 ? (int32_t)cols
									      : v == 1 ? -1
										       : INT32_MAX;
			}
			break;
		}
	} else if (kind == 8) {
		switch (tu_rng_range(&fr, 0, 7)) {
		case 0:
			d->spmv.flags = 1u << tu_rng_range(&fr, 0, 31);
			break;
		case 1:
			d->spmv.rows = (fill >> 32) & 1 ? 0 : CIRCE_HW_SPMV_MAX_ROWS + 1;
			break;
		case 2:
			d->spmv.cols = (fill >> 32) & 1 ? 0 : 0x80000000u;
			break;
		case 3:
			d->spmv.nnz = 0x80000000u;
			break;
		case 4:
			/* misaligned row_ptr, col_idx or y (x and values may be) */
			*(&d->spmv.row_ptr_va + tu_rng_range(&fr, 0, 1)) += 2;
			if ((fill >> 32) & 1)
				d->spmv.y_va += 1;
			break;
		case 5:
			d->spmv.y_va = (uintptr_t)x & ~(uintptr_t)3; /* y over x */
			break;
		default:
			d->spmv.y_va = (uintptr_t)col + 4 * (fill >> 36) % (lens[1] + 4);
			break;
		}
	}
	return (int)kind;
}

static void test_cosim_fmodel_vsim(void **state)
{
	struct tu_backend be[TU_BACKEND_MAX];
	size_t nb = tu_backends(be);
	const struct tu_backend *bf = NULL, *bv = NULL;
	struct side sd[2];
	struct tu_rng rng;
	unsigned runs[4] = { 0, 0, 0, 0 }, failed = 0;

	(void)state;
	for (size_t i = 0; i < nb; i++) {
		if (!strcmp(be[i].name, "fmodel"))
			bf = &be[i];
		if (!strcmp(be[i].name, "vsim"))
			bv = &be[i];
	}
	if (!bf || !bv) {
		printf("# skip: needs both fmodel and vsim\n");
		skip();
	}
	assert_int_equal(side_open(bf, &sd[0]), 0);
	assert_int_equal(side_open(bv, &sd[1]), 0);
	tu_rng_init(&rng, tu_seed("memeng_cosim", 13));
	for (int it = 0; it < 60; it++) {
		bool pchase = it % 2;
		union circe_hw_desc d[2];
		struct circe_hw_status st[2];
		int rc[2];
		uint64_t so = (uint64_t)tu_rng_range(&rng, 0, 6 * PAGE - 1);
		uint64_t dof = (uint64_t)tu_rng_range(&rng, 0, 6 * PAGE - 1);
		/* Up to the end of the windows: about a third run into the
		 * unregistered pages 6-7 on one side or the other. */
		uint64_t max = CS_PAGES * PAGE - (so > dof ? so : dof);
		uint64_t n =
			(uint64_t)tu_rng_range(&rng, 1, (int64_t)(max < 3 * PAGE ? max : 3 * PAGE));
		uint64_t fill = tu_rng_u64(&rng);
		unsigned nodes = (unsigned)tu_rng_range(&rng, 1, 60);
		unsigned bad = (unsigned)tu_rng_range(&rng, 0, 3 * nodes); /* >= nodes: none */

		if (!pchase &&
		    !have_op(&(struct tu_fixture){ .be = bv, .dev = sd[1].dev, .ctx = sd[1].ctx },
			     CIRCE_HW_OP_COPY))
			continue;
		if (pchase &&
		    !have_op(&(struct tu_fixture){ .be = bv, .dev = sd[1].dev, .ctx = sd[1].ctx },
			     CIRCE_HW_OP_PCHASE))
			continue;
		for (int k = 0; k < 2; k++) {
			struct tu_rng fr;
			uint8_t *src = sd[k].src;

			tu_rng_init(&fr, fill);
			for (size_t i = 0; i < CS_REG; i++)
				src[i] = (uint8_t)tu_rng_u64(&fr);
			memset(sd[k].dst, SENTINEL, CS_REG);
			if (!pchase) {
				circe_memeng_fill_copy(&d[k].copy, (uintptr_t)sd[k].dst + dof,
						       (uintptr_t)src + so, n);
			} else {
				/* nodes of 32 bytes at pseudo-random slots of the
				 * registered source pages; node `bad` points into
				 * page 7 (unregistered) or at a misaligned address. */
				struct circe_pchase p = { .next_offset = 8, .value_offset = 16 };
				uint64_t slot = (fill % 97) * 32;

				for (unsigned j = 0; j < nodes; j++) {
					uint64_t here = slot, nx;

					slot = (slot * 5 + 7 * 32) % (CS_REG - 64);
					slot &= ~(uint64_t)31;
					nx = (uintptr_t)src + slot;
					if (j + 1 == nodes)
						nx = 0;
					if (j == bad)
						nx = (fill & 1) ? (uintptr_t)src + 7 * PAGE + 64
								: (uintptr_t)src + slot + 4;
					memcpy(src + here + 8, &nx, 8);
					if (j == 0)
						p.start = src + here;
				}
				p.max_nodes = nodes + (unsigned)(fill % 3);
				p.stop_at_null = fill & 2;
				circe_memeng_fill_pchase(&d[k].pchase, &p,
							 (uintptr_t)sd[k].dst +
								 (dof & ~(uint64_t)7));
			}
			rc[k] = circe_memeng_submit(sd[k].ctx, &d[k], 1, NULL);
			st[k] = side_status(&sd[k], d[k].generic.status);
		}
		runs[pchase]++;
		failed += st[0].code != CIRCE_HW_ST_OK;
		if (rc[0] != rc[1] || memcmp(&st[0], &st[1], sizeof(st[0])))
			fail_msg("iteration %d (%s): fmodel rc %d {%u, 0x%x, 0x%" PRIx64
				 "}, vsim rc %d {%u, 0x%x, 0x%" PRIx64 "}",
				 it, pchase ? "pchase" : "copy", rc[0], st[0].code, st[0].detail,
				 st[0].fault_va, rc[1], st[1].code, st[1].detail, st[1].fault_va);
		if (st[0].code == CIRCE_HW_ST_OK) {
			if (pchase) {
				/* nodes and checksum equal; addresses as offsets */
				struct circe_hw_pchase_result r[2];

				for (int k = 0; k < 2; k++) {
					memcpy(&r[k], sd[k].dst + (dof & ~(uint64_t)7),
					       sizeof(r[k]));
					if (r[k].last_va)
						r[k].last_va -= (uintptr_t)sd[k].src;
					if (r[k].next_va)
						r[k].next_va -= (uintptr_t)sd[k].src;
				}
				assert_memory_equal(&r[0], &r[1], sizeof(r[0]));
			} else {
				assert_memory_equal(sd[0].dst, sd[1].dst, CS_REG);
			}
		}
		/* After a failed COPY the destination is unspecified (hw.h). */
	}
	/* FOREST: trees over nodes in the source window, some children
	 * pointing into unregistered memory, misaligned or NULL, or back to
	 * node 0 (a cycle), random depth caps; every write before the failing
	 * access happens and none after, so the whole destination window must
	 * match. */
	for (int it = 0; it < 24; it++) {
		uint64_t fill = tu_rng_u64(&rng);
		unsigned nn = 1 + (unsigned)(fill % 40), trees = 1 + (unsigned)((fill >> 8) % 6);
		uint64_t dof = (uint64_t)tu_rng_range(&rng, 0, 6 * PAGE - 1) & ~(uint64_t)3;
		union circe_hw_desc d[2];
		struct circe_hw_status st[2];
		int rc[2];

		if (!have_op(&(struct tu_fixture){ .be = bv, .dev = sd[1].dev, .ctx = sd[1].ctx },
			     CIRCE_HW_OP_FOREST))
			break;
		for (int k = 0; k < 2; k++) {
			uint8_t *src = sd[k].src;
			uint64_t base = (uintptr_t)src;
			struct circe_hw_tree_node *nd = (struct circe_hw_tree_node *)src;
			uint64_t *roots = (uint64_t *)(src + 3 * PAGE);
			int32_t *x = (int32_t *)(src + 4 * PAGE);
			struct tu_rng fr;

			tu_rng_init(&fr, fill);
			memset(src, 0, CS_REG);
			memset(sd[k].dst, SENTINEL, CS_REG);
			for (unsigned i = 0; i < nn; i++) {
				nd[i].threshold = (int32_t)tu_rng_range(&fr, -100, 100);
				nd[i].leaf_value = (int32_t)tu_rng_u64(&fr);
				if (2 * i + 2 >= nn) {
					nd[i].feature = CIRCE_HW_TREE_LEAF;
					continue;
				}
				nd[i].feature = (uint32_t)tu_rng_range(&fr, 0, 16); /* 16: INDEX */
				nd[i].left_va = base + (2 * i + 1) * sizeof(*nd);
				nd[i].right_va = base + (2 * i + 2) * sizeof(*nd);
				switch (tu_rng_range(&fr, 0, 24)) {
				case 0:
					nd[i].left_va = base + 7 * PAGE; /* unregistered */
					break;
				case 1:
					nd[i].right_va += 8; /* misaligned */
					break;
				case 2:
					nd[i].left_va = 0;
					break;
				case 3:
					nd[i].right_va = base; /* back to node 0 */
					break;
				default:
					break;
				}
			}
			for (unsigned t = 0; t < trees; t++)
				roots[t] =
					base + (uint64_t)tu_rng_range(&fr, 0, nn - 1) * sizeof(*nd);
			for (unsigned i = 0; i < 16; i++)
				x[i] = (int32_t)tu_rng_range(&fr, -100, 100);
			memset(&d[k], 0, sizeof(d[k]));
			d[k].forest.opcode = CIRCE_HW_OP_FOREST;
			d[k].forest.flags = ((fill >> 16) & 1) ? CIRCE_HW_FOREST_PER_TREE : 0;
			d[k].forest.trees = trees;
			d[k].forest.features = 16;
			d[k].forest.max_depth = 1 + (uint32_t)((fill >> 20) % 8);
			d[k].forest.roots_va = (uintptr_t)roots;
			d[k].forest.x_va = (uintptr_t)x;
			d[k].forest.out_va = (uintptr_t)sd[k].dst + dof;
			rc[k] = circe_memeng_submit(sd[k].ctx, &d[k], 1, NULL);
			st[k] = side_status(&sd[k], d[k].generic.status);
		}
		runs[2]++;
		failed += st[0].code != CIRCE_HW_ST_OK;
		if (rc[0] != rc[1] || memcmp(&st[0], &st[1], sizeof(st[0])))
			fail_msg("forest %d: fmodel rc %d {%u, 0x%x, 0x%" PRIx64
				 "}, vsim rc %d {%u, 0x%x, 0x%" PRIx64 "}",
				 it, rc[0], st[0].code, st[0].detail, st[0].fault_va, rc[1],
				 st[1].code, st[1].detail, st[1].fault_va);
		assert_memory_equal(sd[0].dst, sd[1].dst, CS_REG);
	}
	/* SPMV: every status and both windows whole (no write after the
	 * failing access, every one before it). Per kind: runs, and how many
	 * ended OK / FAULT / ILLEGAL, printed so that a change that stops a
	 * kind from failing as intended shows. */
	unsigned kinds[9][4];

	memset(kinds, 0, sizeof(kinds));
	for (int it = 0; it < SPMV_COSIM_N; it++) {
		uint64_t fill = tu_rng_u64(&rng);
		union circe_hw_desc d[2];
		struct circe_hw_status st[2];
		int rc[2], kind = 0;

		if (!have_op(&(struct tu_fixture){ .be = bv, .dev = sd[1].dev, .ctx = sd[1].ctx },
			     CIRCE_HW_OP_SPMV))
			break;
		for (int k = 0; k < 2; k++) {
			kind = spmv_case(&sd[k], fill, &d[k]);
			rc[k] = circe_memeng_submit(sd[k].ctx, &d[k], 1, NULL);
			st[k] = side_status(&sd[k], d[k].generic.status);
		}
		runs[3]++;
		failed += st[0].code != CIRCE_HW_ST_OK;
		kinds[kind][0]++;
		kinds[kind][1] += st[0].code == CIRCE_HW_ST_OK;
		kinds[kind][2] += st[0].code == CIRCE_HW_ST_FAULT;
		kinds[kind][3] += st[0].code == CIRCE_HW_ST_ILLEGAL;
		if (rc[0] != rc[1] || memcmp(&st[0], &st[1], sizeof(st[0])))
			fail_msg("spmv %d (kind %d): fmodel rc %d {%u, 0x%x, 0x%" PRIx64
				 "}, vsim rc %d {%u, 0x%x, 0x%" PRIx64 "}",
				 it, kind, rc[0], st[0].code, st[0].detail, st[0].fault_va, rc[1],
				 st[1].code, st[1].detail, st[1].fault_va);
		assert_memory_equal(sd[0].dst, sd[1].dst, CS_REG);
		assert_memory_equal(sd[0].src, sd[1].src, CS_REG);
	}
	for (int k = 0; k < 9; k++)
		printf("# cosim spmv kind %d: %u runs, %u OK, %u FAULT, %u ILLEGAL\n", k,
		       kinds[k][0], kinds[k][1], kinds[k][2], kinds[k][3]);
	printf("# cosim: %u COPY, %u PCHASE, %u FOREST and %u SPMV descriptors compared, %u of "
	       "them failing\n",
	       runs[0], runs[1], runs[2], runs[3], failed);
	side_close(&sd[0]);
	side_close(&sd[1]);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_random, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_copy_large, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_copy_illegal_and_faults, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pchase_random, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pchase_illegal_and_faults, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_spmv_random, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_spmv_illegal_and_faults, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_spmv_measure, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_forest_random, fixture_setup,
						tu_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_forest_illegal_and_faults, fixture_setup,
						tu_fixture_teardown),
	};
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_hls_port_contract),
		cmocka_unit_test(test_cosim_fmodel_vsim),
	};
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be), count;
	struct CMUnitTest *all =
		tu_backend_tests(tests, sizeof(tests) / sizeof(tests[0]), be, n, &count);
	int failed;

	if (!all)
		return 1;
	failed = _cmocka_run_group_tests("memeng_hls_cosim", plain, 2, NULL, NULL);
	failed += _cmocka_run_group_tests("memeng", all, count, NULL, NULL);
	tu_backend_tests_free(all, count);
	return failed;
}
