/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Suite for svm/svm.c alone: the device is a recording implementation of
 * struct circe_svm_device_ops (the real one lives in driver/). The sim
 * platform is real, so "still pinned" and "unpinned" are checked on the DMA
 * map the device models would read.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "common/error.h"
#include "svm/platform.h"
#include "svm/platform_impl.h"
#include "svm/svm.h"
#include "tests/support/testutil.h"

#define PG 4096ull
#define MB2 (2ull << 20)
#define GB1 (1ull << 30)
#define VA(p) ((uint64_t)(uintptr_t)(p))

/* ---- the recording device ---- */

enum call_kind { CALL_SET_ROOT, CALL_INVALIDATE, CALL_UNPIN };

struct call {
	enum call_kind kind;
	uint16_t asid;
	uint64_t a, b; /* set_root: root, valid; invalidate: va, len */
};

#define MAX_CALLS 4096
#define MAX_CHECK 64

struct dev {
	pthread_mutex_t lock; /* the threaded test has several contexts */
	struct call calls[MAX_CALLS];
	size_t ncalls;
	int fail_set_root;   /* returned by set_root(valid = false) */
	int fail_invalidate; /* returned by invalidate */
	/* ORDER checks run inside invalidate: these pages must be unmapped in
	 * the page table and still pinned in the platform. */
	struct circe_svm_ctx *check_ctx;
	struct circe_platform *plat;
	uint64_t check_va[MAX_CHECK], check_iova[MAX_CHECK];
	size_t ncheck;
	long checked, still_mapped, not_pinned;
};

static void dev_record(struct dev *d, enum call_kind k, uint16_t asid, uint64_t a, uint64_t b)
{
	pthread_mutex_lock(&d->lock);
	if (d->ncalls < MAX_CALLS)
		d->calls[d->ncalls++] = (struct call){ k, asid, a, b };
	pthread_mutex_unlock(&d->lock);
}

static int dev_set_root(void *opaque, uint16_t asid, uint64_t root, bool valid)
{
	struct dev *d = opaque;

	dev_record(d, CALL_SET_ROOT, asid, root, valid);
	return valid ? 0 : d->fail_set_root;
}

static int dev_invalidate(void *opaque, uint16_t asid, uint64_t va, uint64_t len)
{
	struct dev *d = opaque;

	dev_record(d, CALL_INVALIDATE, asid, va, len);
	for (size_t i = 0; i < d->ncheck; i++) {
		void *host;

		d->checked++;
		if (circe_svm_translate(d->check_ctx, d->check_va[i], false, NULL) == 0)
			d->still_mapped++;
		if (circe_platform_resolve(d->plat, d->check_iova[i], PG, &host) != 0 ||
		    host != (void *)(uintptr_t)d->check_va[i])
			d->not_pinned++;
	}
	return d->fail_invalidate;
}

static const struct circe_svm_device_ops dev_ops = {
	.set_root = dev_set_root,
	.invalidate = dev_invalidate,
};

/* ---- fixture ---- */

struct fx {
	struct circe_platform *plat;
	struct circe_svm *svm;
	struct circe_svm_ctx *ctx;
	struct dev dev;
	uint8_t *buf; /* 2 MiB-aligned */
	size_t buf_len;
};

static int fx_open(struct fx *f, uint32_t num_asids, uint64_t limit)
{
	struct circe_svm_config cfg = { .num_asids = num_asids, .pinned_limit_bytes = limit };

	if (circe_svm_create(f->plat, &dev_ops, &f->dev, &cfg, &f->svm))
		return -1;
	return circe_svm_ctx_create(f->svm, &f->ctx) ? -1 : 0;
}

static void fx_close(struct fx *f)
{
	circe_svm_ctx_destroy(f->ctx);
	circe_svm_destroy(f->svm);
	f->ctx = NULL;
	f->svm = NULL;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	pthread_mutex_init(&f->dev.lock, NULL);
	if (circe_platform_sim_create(&f->plat))
		return -1;
	f->dev.plat = f->plat;
	f->buf_len = 8 * MB2;
	f->buf = aligned_alloc(MB2, f->buf_len);
	if (!f->buf)
		return -1;
	memset(f->buf, 0x5A, f->buf_len);
	if (fx_open(f, 4, 0))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = 0;

	f->dev.fail_invalidate = 0;
	f->dev.fail_set_root = 0;
	f->dev.ncheck = 0;
	fx_close(f);
	/* nothing svm/ pinned may outlive it */
	if (circe_platform_pinned_bytes(f->plat) != 0) {
		fprintf(stderr, "# %llu bytes still pinned after svm destroy\n",
			(unsigned long long)circe_platform_pinned_bytes(f->plat));
		rc = -1;
	}
	circe_platform_destroy(f->plat);
	pthread_mutex_destroy(&f->dev.lock);
	free(f->buf);
	free(f);
	return rc;
}

static struct circe_svm_stats stats(struct fx *f)
{
	struct circe_svm_stats st;

	assert_int_equal(circe_svm_get_stats(f->svm, &st), 0);
	return st;
}

static uint64_t iova_of(struct circe_svm_ctx *ctx, uint64_t va)
{
	uint64_t iova = 0;

	assert_int_equal(circe_svm_translate(ctx, va, false, &iova), 0);
	return iova;
}

static bool can(struct circe_svm_ctx *ctx, uint64_t va, bool write)
{
	return circe_svm_translate(ctx, va, write, NULL) == 0;
}

static bool pinned_at(struct fx *f, uint64_t iova, uint64_t va)
{
	void *host;

	return circe_platform_resolve(f->plat, iova, PG, &host) == 0 &&
	       host == (void *)(uintptr_t)va;
}

static const struct call *last_call(struct fx *f, enum call_kind k)
{
	for (size_t i = f->dev.ncalls; i > 0; i--)
		if (f->dev.calls[i - 1].kind == k)
			return &f->dev.calls[i - 1];
	return NULL;
}

static size_t count_calls(struct fx *f, enum call_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < f->dev.ncalls; i++)
		n += f->dev.calls[i].kind == k;
	return n;
}

/* Pinned bytes as svm/ should count them: user pages + table pages. */
static void expect_accounting(struct fx *f, uint64_t user_pages)
{
	struct circe_svm_stats st = stats(f);

	assert_int_equal(st.pinned_bytes, (user_pages + st.pt_pages) * PG);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), st.pinned_bytes);
}

/* ---- tests ---- */

static void test_ctx_create_sets_root(void **state)
{
	struct fx *f = *state;
	const struct call *c = last_call(f, CALL_SET_ROOT);

	assert_non_null(c);
	assert_int_equal(c->asid, 0);
	assert_int_equal(circe_svm_ctx_asid(f->ctx), 0);
	assert_int_equal(c->a, circe_svm_ctx_root_iova(f->ctx));
	assert_int_equal(c->b, 1);
	assert_int_equal(stats(f).pt_pages, 1);
	assert_int_equal(stats(f).pinned_limit, CIRCE_SVM_DEFAULT_PINNED_LIMIT);
	expect_accounting(f, 0);
}

static void test_register_translate(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf + 3 * PG;
	struct circe_svm_stats st;

	assert_int_equal(circe_svm_register(f->ctx, p, 16 * PG, CIRCE_MEM_RW), 0);
	for (uint64_t i = 0; i < 16; i++) {
		uint64_t iova = iova_of(f->ctx, VA(p) + i * PG + 17);

		assert_int_not_equal(iova, VA(p) + i * PG + 17);
		assert_true(pinned_at(f, iova - 17, VA(p) + i * PG));
		assert_true(can(f->ctx, VA(p) + i * PG, true));
	}
	assert_false(can(f->ctx, VA(p) - 1, false));
	assert_false(can(f->ctx, VA(p) + 16 * PG, false));
	st = stats(f);
	assert_int_equal(st.registrations, 1);
	assert_int_equal(st.huge_2m_entries, 0);
	assert_int_equal(st.pt_pages, 4);
	expect_accounting(f, 16);

	/* a sub-page range is widened to whole pages */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 40 * PG + 100, PG, CIRCE_MEM_READ), 0);
	assert_true(can(f->ctx, VA(f->buf) + 40 * PG, false));
	assert_true(can(f->ctx, VA(f->buf) + 41 * PG + 99, false));
	assert_false(can(f->ctx, VA(f->buf) + 41 * PG, true));
	assert_false(can(f->ctx, VA(f->buf) + 42 * PG, false));
	expect_accounting(f, 18);

	assert_int_equal(circe_svm_unregister(f->ctx, p, 16 * PG), 0);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf + 40 * PG + 100, PG), 0);
	assert_false(can(f->ctx, VA(p), false));
	assert_int_equal(stats(f).registrations, 0);
	assert_int_equal(stats(f).pt_pages, 1);
	expect_accounting(f, 0);
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;

	circe_err_clear();
	assert_int_equal(circe_svm_register(NULL, f->buf, PG, CIRCE_MEM_RW), -EINVAL);
	assert_true(strlen(circe_errmsg()) > 0);
	assert_int_equal(circe_svm_register(f->ctx, f->buf, 0, CIRCE_MEM_RW), -EINVAL);
	assert_int_equal(circe_svm_register(f->ctx, f->buf, PG, 0), -EINVAL);
	assert_int_equal(circe_svm_register(f->ctx, f->buf, PG, 4), -EINVAL);
	assert_int_equal(circe_svm_register(f->ctx, f->buf, PG, CIRCE_MEM_RW | 8), -EINVAL);
	assert_int_equal(circe_svm_register(f->ctx, (void *)(uintptr_t)(UINT64_MAX - PG + 1),
					    2 * PG, CIRCE_MEM_RW),
			 -EINVAL);
	assert_int_equal(circe_svm_register(f->ctx, (void *)(uintptr_t)((1ull << 48) - PG), PG + 1,
					    CIRCE_MEM_RW),
			 -EINVAL);
	assert_int_equal(
		circe_svm_register(f->ctx, (void *)(uintptr_t)(1ull << 48), PG, CIRCE_MEM_RW),
		-EINVAL);
	assert_int_equal(circe_svm_unregister(NULL, f->buf, PG), -EINVAL);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf, 0), -EINVAL);
	assert_int_equal(circe_svm_translate(NULL, 0, false, NULL), -EINVAL);
	assert_int_equal(circe_svm_handle_fault(NULL, 0, false), -EINVAL);
	assert_int_equal(circe_svm_get_stats(NULL, NULL), -EINVAL);
	assert_int_equal(circe_svm_ctx_create(NULL, NULL), -EINVAL);
	circe_svm_ctx_destroy(NULL);
	circe_svm_destroy(NULL);

	/* memory the process does not have: the platform refuses to pin it */
	{
		void *gap = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(gap != MAP_FAILED);
		munmap(gap, 4 * PG);
		assert_int_equal(circe_svm_register(f->ctx, gap, 4 * PG, CIRCE_MEM_READ), -EFAULT);
		assert_int_equal(stats(f).registrations, 0);
		expect_accounting(f, 0);
	}
	assert_int_equal(stats(f).registrations, 0);
	{
		struct circe_svm *s;
		struct circe_svm_config cfg = { .num_asids = 0 };
		struct circe_svm_device_ops half = { .set_root = dev_set_root };

		assert_int_equal(circe_svm_create(f->plat, &dev_ops, &f->dev, &cfg, &s), -EINVAL);
		cfg.num_asids = 70000;
		assert_int_equal(circe_svm_create(f->plat, &dev_ops, &f->dev, &cfg, &s), -EINVAL);
		cfg.num_asids = 1;
		assert_int_equal(circe_svm_create(f->plat, &half, &f->dev, &cfg, &s), -EINVAL);
		assert_int_equal(circe_svm_create(NULL, &dev_ops, &f->dev, &cfg, &s), -EINVAL);
	}
}

/* The second run cannot be pinned: the first one is released again. */
static void test_pin_failure_unwinds(void **state)
{
	struct fx *f = *state;
	uint8_t *m = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct circe_svm_stats before, after;

	assert_true(m != MAP_FAILED);
	assert_int_equal(circe_svm_register(f->ctx, m + 2 * PG, 2 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(munmap(m + 6 * PG, 2 * PG), 0);
	before = stats(f);
	/* runs [0, 2) and [4, 8); the second reaches unmapped pages */
	assert_int_equal(circe_svm_register(f->ctx, m, 8 * PG, CIRCE_MEM_READ), -EFAULT);
	assert_true(strstr(circe_errmsg(), "not mapped") != NULL);
	after = stats(f);
	assert_memory_equal(&before, &after, sizeof(before));
	expect_accounting(f, 2);
	assert_false(can(f->ctx, VA(m), false));
	assert_false(can(f->ctx, VA(m) + 4 * PG, false));
	assert_true(can(f->ctx, VA(m) + 2 * PG, true));
	assert_int_equal(circe_svm_unregister(f->ctx, m + 2 * PG, 2 * PG), 0);
	munmap(m, 6 * PG);
}

static void test_eexist_enoent(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf;

	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG, CIRCE_MEM_READ), -EEXIST);
	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG, CIRCE_MEM_RW), -EEXIST);
	/* same pages, different (va, len): a second registration */
	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG - 1, CIRCE_MEM_READ), 0);
	assert_int_equal(stats(f).registrations, 2);

	assert_int_equal(circe_svm_unregister(f->ctx, p, 3 * PG), -ENOENT);
	assert_int_equal(circe_svm_unregister(f->ctx, p + PG, 3 * PG), -ENOENT);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf + MB2, PG), -ENOENT);
	assert_int_equal(circe_svm_unregister(f->ctx, p, 4 * PG), 0);
	assert_int_equal(circe_svm_unregister(f->ctx, p, 4 * PG), -ENOENT);
	assert_true(can(f->ctx, VA(p) + 3 * PG, false));
	assert_int_equal(circe_svm_unregister(f->ctx, p, 4 * PG - 1), 0);
	assert_false(can(f->ctx, VA(p), false));
	expect_accounting(f, 0);
}

static void test_overlap_shared_pages_survive(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf + 16 * PG;
	uint64_t iova[12];
	const struct call *c;
	size_t ninv;

	assert_int_equal(circe_svm_register(f->ctx, p, 8 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, p + 4 * PG, 8 * PG, CIRCE_MEM_RW), 0);
	expect_accounting(f, 12);
	for (int i = 0; i < 12; i++) {
		iova[i] = iova_of(f->ctx, VA(p) + i * PG);
		/* the union of the covering registrations' permissions */
		assert_int_equal(can(f->ctx, VA(p) + i * PG, true), i >= 4);
	}
	/* the overlap was not pinned twice */
	assert_int_equal(circe_platform_pinned_bytes(f->plat), (12 + stats(f).pt_pages) * PG);

	ninv = count_calls(f, CALL_INVALIDATE);
	assert_int_equal(circe_svm_unregister(f->ctx, p, 8 * PG), 0);
	assert_int_equal(count_calls(f, CALL_INVALIDATE), ninv + 1);
	c = last_call(f, CALL_INVALIDATE);
	/* only pages 0..3 changed */
	assert_int_equal(c->a, VA(p));
	assert_int_equal(c->b, 4 * PG);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(can(f->ctx, VA(p) + i * PG, false), i >= 4);
		if (i >= 4) {
			assert_int_equal(iova_of(f->ctx, VA(p) + i * PG), iova[i]);
			assert_true(can(f->ctx, VA(p) + i * PG, true));
		} else {
			assert_false(pinned_at(f, iova[i], VA(p) + i * PG));
		}
	}
	expect_accounting(f, 8);
	assert_int_equal(circe_svm_unregister(f->ctx, p + 4 * PG, 8 * PG), 0);
	expect_accounting(f, 0);
}

static void test_overlap_permission_downgrade(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf + 64 * PG;
	const struct call *c;

	assert_int_equal(circe_svm_register(f->ctx, p, 8 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, p + 6 * PG, 2 * PG, CIRCE_MEM_WRITE), 0);
	assert_true(can(f->ctx, VA(p), true));

	assert_int_equal(circe_svm_unregister(f->ctx, p, 8 * PG), 0);
	c = last_call(f, CALL_INVALIDATE);
	/* pages 0..3 lose W, 4..5 go, 6..7 lose R: all of it invalidated */
	assert_int_equal(c->a, VA(p));
	assert_int_equal(c->b, 8 * PG);
	for (int i = 0; i < 4; i++) {
		assert_true(can(f->ctx, VA(p) + i * PG, false));
		assert_false(can(f->ctx, VA(p) + i * PG, true));
	}
	assert_false(can(f->ctx, VA(p) + 4 * PG, false));
	assert_false(can(f->ctx, VA(p) + 5 * PG, true));
	assert_false(can(f->ctx, VA(p) + 6 * PG, false));
	assert_true(can(f->ctx, VA(p) + 7 * PG, true));
	expect_accounting(f, 6);

	/* an upgrade needs no invalidation (stale entries only fault) */
	{
		size_t ninv = count_calls(f, CALL_INVALIDATE);

		assert_int_equal(circe_svm_register(f->ctx, p + 2 * PG, PG, CIRCE_MEM_WRITE), 0);
		assert_true(can(f->ctx, VA(p) + 2 * PG, true));
		assert_false(can(f->ctx, VA(p) + 3 * PG, true));
		assert_int_equal(count_calls(f, CALL_INVALIDATE), ninv);
		/* unregistering a registration that changes nothing: no invalidation */
		assert_int_equal(circe_svm_register(f->ctx, p, PG, CIRCE_MEM_READ), 0);
		assert_int_equal(circe_svm_unregister(f->ctx, p, PG), 0);
		assert_int_equal(count_calls(f, CALL_INVALIDATE), ninv);
	}
}

/* A 2 MiB-aligned 4 MiB buffer takes two 2 MiB entries; anything without
 * a whole aligned 2 MiB chunk takes 4 KiB entries. */
static void test_huge_2m(void **state)
{
	struct fx *f = *state;
	uint64_t base;
	struct circe_svm_stats st;

	assert_int_equal(circe_svm_register(f->ctx, f->buf, 2 * MB2, CIRCE_MEM_RW), 0);
	st = stats(f);
	assert_int_equal(st.huge_2m_entries, 2);
	/* root, L2, L1: no level-0 table */
	assert_int_equal(st.pt_pages, 3);
	base = iova_of(f->ctx, VA(f->buf));
	assert_int_equal(base % MB2, 0);
	for (uint64_t off = 0; off < 2 * MB2; off += 123 * PG + 45) {
		assert_int_equal(iova_of(f->ctx, VA(f->buf) + off), base + off);
		assert_true(pinned_at(f, (base + off) & ~(PG - 1), (VA(f->buf) + off) & ~(PG - 1)));
	}
	expect_accounting(f, 1024);

	/* B keeps 3 pages of the first chunk: that leaf is split, the second
	 * chunk's leaf simply goes */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 100 * PG, 3 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf, 2 * MB2), 0);
	assert_int_equal(stats(f).huge_2m_entries, 0);
	for (int i = 99; i < 104; i++)
		assert_int_equal(can(f->ctx, VA(f->buf) + i * PG, false), i >= 100 && i < 103);
	assert_int_equal(iova_of(f->ctx, VA(f->buf) + 101 * PG), base + 101 * PG);
	assert_true(pinned_at(f, base + 101 * PG, VA(f->buf) + 101 * PG));
	expect_accounting(f, 3);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf + 100 * PG, 3 * PG), 0);

	/* [4 KiB, 4 MiB - 4 KiB) holds no whole aligned chunk */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + PG, 2 * MB2 - 2 * PG, CIRCE_MEM_RW),
			 0);
	assert_int_equal(stats(f).huge_2m_entries, 0);
	expect_accounting(f, 1022);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf + PG, 2 * MB2 - 2 * PG), 0);

	/* [1 MiB, 5 MiB) holds exactly one */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + MB2 / 2, 2 * MB2, CIRCE_MEM_READ), 0);
	assert_int_equal(stats(f).huge_2m_entries, 1);
	base = iova_of(f->ctx, VA(f->buf) + MB2 / 2);
	assert_int_equal(iova_of(f->ctx, VA(f->buf) + 2 * MB2 + 5), base + 3 * MB2 / 2 + 5);
	assert_int_equal(circe_svm_unregister(f->ctx, f->buf + MB2 / 2, 2 * MB2), 0);
	expect_accounting(f, 0);
	assert_int_equal(stats(f).pt_pages, 1);
}

/* Upgrading part of a 2 MiB leaf splits it. */
static void test_huge_2m_partial_upgrade(void **state)
{
	struct fx *f = *state;
	uint64_t base;

	assert_int_equal(circe_svm_register(f->ctx, f->buf, MB2, CIRCE_MEM_READ), 0);
	assert_int_equal(stats(f).huge_2m_entries, 1);
	base = iova_of(f->ctx, VA(f->buf));
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 8 * PG, 2 * PG, CIRCE_MEM_WRITE), 0);
	assert_int_equal(stats(f).huge_2m_entries, 0);
	assert_true(can(f->ctx, VA(f->buf) + 9 * PG, true));
	assert_false(can(f->ctx, VA(f->buf) + 10 * PG, true));
	assert_int_equal(iova_of(f->ctx, VA(f->buf) + 9 * PG), base + 9 * PG);
	expect_accounting(f, 512);
}

/* 1 GiB leaves. The memory is PROT_NONE: only the page table is looked at
 * (the sim platform's mlock fails there, which it only counts). */
static void test_huge_1g(void **state)
{
	struct fx *f = *state;
	size_t span = 3 * GB1;
	/* PROT_READ: registration checks that the process may read what the
	 * device reads; MAP_NORESERVE keeps it address space only. */
	uint8_t *m =
		mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *p;
	uint64_t base;
	struct circe_svm_stats st;

	if (m == MAP_FAILED) {
		printf("# skip: cannot reserve 3 GiB of address space\n");
		skip();
	}
	p = (uint8_t *)((VA(m) + GB1 - 1) & ~(GB1 - 1));
	assert_int_equal(circe_svm_register(f->ctx, p, GB1 + MB2 + PG, CIRCE_MEM_READ), 0);
	st = stats(f);
	assert_int_equal(st.huge_1g_entries, 1);
	assert_int_equal(st.huge_2m_entries, 1);
	base = iova_of(f->ctx, VA(p));
	assert_int_equal(base % GB1, 0);
	assert_int_equal(iova_of(f->ctx, VA(p) + GB1 - 8), base + GB1 - 8);
	assert_int_equal(iova_of(f->ctx, VA(p) + GB1 + MB2 + 8), base + GB1 + MB2 + 8);
	expect_accounting(f, (GB1 + MB2 + PG) / PG);
	assert_int_equal(circe_svm_unregister(f->ctx, p, GB1 + MB2 + PG), 0);
	st = stats(f);
	assert_int_equal(st.huge_1g_entries, 0);
	assert_int_equal(st.huge_2m_entries, 0);
	expect_accounting(f, 0);
	munmap(m, span);
}

static void test_pinned_limit(void **state)
{
	struct fx *f = *state;
	/* root + L2 + L1 + L0 + 60 user pages == the limit exactly */
	uint64_t limit = 64 * PG;
	struct circe_svm_stats before, after;
	size_t ncalls;

	fx_close(f);
	assert_int_equal(fx_open(f, 4, limit), 0);
	assert_int_equal(stats(f).pinned_limit, limit);
	assert_int_equal(circe_svm_register(f->ctx, f->buf, 60 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(stats(f).pinned_bytes, limit);

	before = stats(f);
	ncalls = f->dev.ncalls;
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 60 * PG, PG, CIRCE_MEM_RW), -ENOMEM);
	assert_true(strstr(circe_errmsg(), "limit") != NULL);
	/* over the limit by the tables alone */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 4 * MB2, PG, CIRCE_MEM_RW), -ENOMEM);
	after = stats(f);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(f->dev.ncalls, ncalls);
	assert_false(can(f->ctx, VA(f->buf) + 60 * PG, false));
	expect_accounting(f, 60);
	/* a second context needs a root page: refused too */
	{
		struct circe_svm_ctx *c2;

		assert_int_equal(circe_svm_ctx_create(f->svm, &c2), -ENOMEM);
	}
	/* registering already-pinned pages costs nothing */
	assert_int_equal(circe_svm_register(f->ctx, f->buf + PG, PG, CIRCE_MEM_READ), 0);

	assert_int_equal(circe_svm_unregister(f->ctx, f->buf, 60 * PG), 0);
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 60 * PG, PG, CIRCE_MEM_RW), 0);
	expect_accounting(f, 2);
}

static void test_asid_exhaustion_and_reuse(void **state)
{
	struct fx *f = *state;
	struct circe_svm_ctx *c[4] = { f->ctx };
	struct circe_svm_ctx *extra;
	const struct call *sr;

	for (int i = 1; i < 4; i++) {
		assert_int_equal(circe_svm_ctx_create(f->svm, &c[i]), 0);
		assert_int_equal(circe_svm_ctx_asid(c[i]), i);
		assert_int_not_equal(circe_svm_ctx_root_iova(c[i]), circe_svm_ctx_root_iova(c[0]));
	}
	assert_int_equal(circe_svm_ctx_create(f->svm, &extra), -EBUSY);

	/* same buffer in two contexts: separate pins, separate IOVAs */
	assert_int_equal(circe_svm_register(c[1], f->buf, 4 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_register(c[2], f->buf, 4 * PG, CIRCE_MEM_READ), 0);
	assert_int_not_equal(iova_of(c[1], VA(f->buf)), iova_of(c[2], VA(f->buf)));
	assert_false(can(c[2], VA(f->buf), true));
	assert_false(can(c[3], VA(f->buf), false));

	circe_svm_ctx_destroy(c[1]);
	sr = last_call(f, CALL_SET_ROOT);
	assert_int_equal(sr->asid, 1);
	assert_int_equal(sr->b, 0);
	assert_true(can(c[2], VA(f->buf), false));

	assert_int_equal(circe_svm_ctx_create(f->svm, &extra), 0);
	assert_int_equal(circe_svm_ctx_asid(extra), 1);
	assert_false(can(extra, VA(f->buf), false));
	circe_svm_ctx_destroy(extra);
	circe_svm_ctx_destroy(c[2]);
	circe_svm_ctx_destroy(c[3]);
	expect_accounting(f, 0);
}

/* Invalidate before unpin: inside the callback the pages are gone from the
 * page table but still pinned; after unregister they are unpinned. */
static void test_order_unregister(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf + 8 * PG;
	const struct call *c;

	assert_int_equal(circe_svm_register(f->ctx, p, 8 * PG, CIRCE_MEM_RW), 0);
	f->dev.check_ctx = f->ctx;
	for (int i = 0; i < 8; i++) {
		f->dev.check_va[i] = VA(p) + i * PG;
		f->dev.check_iova[i] = iova_of(f->ctx, f->dev.check_va[i]);
	}
	f->dev.ncheck = 8;
	assert_int_equal(circe_svm_unregister(f->ctx, p, 8 * PG), 0);
	f->dev.ncheck = 0;
	assert_int_equal(f->dev.checked, 8);
	assert_int_equal(f->dev.still_mapped, 0);
	assert_int_equal(f->dev.not_pinned, 0);
	c = last_call(f, CALL_INVALIDATE);
	assert_int_equal(c->asid, circe_svm_ctx_asid(f->ctx));
	assert_int_equal(c->a, VA(p));
	assert_int_equal(c->b, 8 * PG);
	for (int i = 0; i < 8; i++)
		assert_false(pinned_at(f, f->dev.check_iova[i], f->dev.check_va[i]));
	assert_int_equal(stats(f).invalidations, 1);
	expect_accounting(f, 0);
}

/* The same order for a 2 MiB leaf and for context destroy. */
static void test_order_huge_and_destroy(void **state)
{
	struct fx *f = *state;
	size_t ninv;
	const struct call *c;

	assert_int_equal(circe_svm_register(f->ctx, f->buf, MB2, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_register(f->ctx, f->buf + MB2, 16 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, f->buf + MB2 + 8 * PG, 16 * PG, CIRCE_MEM_RW),
			 0);
	f->dev.check_ctx = f->ctx;
	for (int i = 0; i < 24; i++) {
		uint64_t va = VA(f->buf) + (i < 8 ? (uint64_t)i * 64 * PG : MB2 + (i - 8) * PG);

		f->dev.check_va[i] = va;
		f->dev.check_iova[i] = iova_of(f->ctx, va);
	}
	f->dev.ncheck = 24;
	ninv = count_calls(f, CALL_INVALIDATE);
	circe_svm_ctx_destroy(f->ctx);
	f->ctx = NULL;
	f->dev.ncheck = 0;
	assert_int_equal(count_calls(f, CALL_INVALIDATE), ninv + 1);
	c = last_call(f, CALL_INVALIDATE);
	assert_int_equal(c->a, 0);
	assert_int_equal(c->b, 0); /* the whole ASID */
	/* the root was disabled before the invalidation */
	assert_int_equal(f->dev.calls[f->dev.ncalls - 2].kind, CALL_SET_ROOT);
	assert_int_equal(f->dev.calls[f->dev.ncalls - 2].b, 0);
	assert_int_equal(f->dev.checked, 24);
	assert_int_equal(f->dev.still_mapped, 0);
	assert_int_equal(f->dev.not_pinned, 0);
	for (int i = 0; i < 24; i++)
		assert_false(pinned_at(f, f->dev.check_iova[i], f->dev.check_va[i]));
	assert_int_equal(stats(f).pinned_bytes, 0);
	assert_int_equal(stats(f).registrations, 0);
	assert_int_equal(stats(f).pt_pages, 0);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
}

/* A failing invalidation never unpins; the next flush invalidates the whole
 * ASID and then releases everything. */
static void test_failing_invalidate_keeps_pins(void **state)
{
	struct fx *f = *state;
	uint8_t *p = f->buf;
	uint64_t iova[4];
	struct circe_svm_stats st;
	const struct call *c;

	assert_int_equal(circe_svm_register(f->ctx, p, 4 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_register(f->ctx, p + 16 * PG, 4 * PG, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_register(f->ctx, p + 32 * PG, 4 * PG, CIRCE_MEM_RW), 0);
	for (int i = 0; i < 4; i++)
		iova[i] = iova_of(f->ctx, VA(p) + i * PG);
	st = stats(f);

	f->dev.fail_invalidate = -ETIMEDOUT;
	assert_int_equal(circe_svm_unregister(f->ctx, p, 4 * PG), -ETIMEDOUT);
	assert_true(strstr(circe_errmsg(), "invalidation") != NULL);
	/* unmapped, but pinned and accounted */
	for (int i = 0; i < 4; i++) {
		assert_false(can(f->ctx, VA(p) + i * PG, false));
		assert_true(pinned_at(f, iova[i], VA(p) + i * PG));
	}
	assert_int_equal(stats(f).pinned_bytes, st.pinned_bytes);
	assert_int_equal(stats(f).registrations, 2);
	assert_int_equal(circe_svm_unregister(f->ctx, p, 4 * PG), -ENOENT);
	expect_accounting(f, 12);

	/* re-registering a page that is still pinned reuses the pin */
	f->dev.fail_invalidate = 0;
	assert_int_equal(circe_svm_register(f->ctx, p + PG, PG, CIRCE_MEM_READ), 0);
	assert_int_equal(iova_of(f->ctx, VA(p) + PG), iova[1]);
	expect_accounting(f, 12);

	/* next unregister: the whole ASID is invalidated, the leftovers go */
	assert_int_equal(circe_svm_unregister(f->ctx, p + 16 * PG, 4 * PG), 0);
	c = last_call(f, CALL_INVALIDATE);
	assert_int_equal(c->b, 0);
	assert_false(pinned_at(f, iova[0], VA(p)));
	assert_true(pinned_at(f, iova[1], VA(p) + PG));
	assert_false(pinned_at(f, iova[2], VA(p) + 2 * PG));
	expect_accounting(f, 5);
	/* and after that, ranges again */
	assert_int_equal(circe_svm_unregister(f->ctx, p + PG, PG), 0);
	c = last_call(f, CALL_INVALIDATE);
	assert_int_equal(c->a, VA(p) + PG);
	assert_int_equal(c->b, PG);
	expect_accounting(f, 4);
}

/* A context whose teardown cannot invalidate keeps its pins and its ASID
 * until svm/ itself goes (the teardown check sees nothing left pinned). */
static void test_failing_destroy_quarantines(void **state)
{
	struct fx *f = *state;
	struct circe_svm_ctx *c2;
	uint64_t iova;

	assert_int_equal(circe_svm_register(f->ctx, f->buf, 4 * PG, CIRCE_MEM_RW), 0);
	iova = iova_of(f->ctx, VA(f->buf));
	f->dev.fail_invalidate = -EIO;
	circe_svm_ctx_destroy(f->ctx);
	f->ctx = NULL;
	f->dev.fail_invalidate = 0;
	assert_true(pinned_at(f, iova, VA(f->buf)));
	assert_true(stats(f).pinned_bytes >= 4 * PG);
	assert_int_equal(circe_svm_ctx_create(f->svm, &c2), 0);
	assert_int_not_equal(circe_svm_ctx_asid(c2), 0);
	circe_svm_ctx_destroy(c2);

	/* same when disabling the root fails */
	assert_int_equal(circe_svm_ctx_create(f->svm, &c2), 0);
	assert_int_equal(circe_svm_ctx_asid(c2), 1);
	f->dev.fail_set_root = -EIO;
	circe_svm_ctx_destroy(c2);
	f->dev.fail_set_root = 0;
	assert_int_equal(circe_svm_ctx_create(f->svm, &c2), 0);
	assert_int_equal(circe_svm_ctx_asid(c2), 2);
	f->ctx = c2;
}

static void test_handle_fault(void **state)
{
	struct fx *f = *state;
	struct circe_svm_stats st;

	assert_int_equal(circe_svm_register(f->ctx, f->buf, 2 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, f->buf + 4 * PG, PG, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_svm_handle_fault(f->ctx, VA(f->buf) + 5, false), 0);
	assert_int_equal(circe_svm_handle_fault(f->ctx, VA(f->buf) + 4 * PG, true), 0);
	assert_int_equal(circe_svm_handle_fault(f->ctx, VA(f->buf) + PG, true), -EFAULT);
	assert_true(strstr(circe_errmsg(), "write") != NULL);
	assert_int_equal(circe_svm_handle_fault(f->ctx, VA(f->buf) + 2 * PG, false), -EFAULT);
	assert_int_equal(circe_svm_handle_fault(f->ctx, 1ull << 48, false), -EFAULT);
	st = stats(f);
	assert_int_equal(st.faults, 5);
	assert_int_equal(st.faults_aborted, 3);
}

/* ---- on-demand contexts ---- */

/* Fresh anonymous pages with prot (unmapped again by the test). */
static uint8_t *map_pages(size_t n, int prot)
{
	uint8_t *m = mmap(NULL, n * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(m != MAP_FAILED);
	return m;
}

static void test_register_checks_host_permissions(void **state)
{
	struct fx *f = *state;
	uint8_t *ro = map_pages(4, PROT_READ);
	uint8_t *none = map_pages(2, PROT_NONE);
	uint8_t *rw = map_pages(4, PROT_READ | PROT_WRITE);

	/* writing memory the process maps read-only: refused, nothing pinned */
	assert_int_equal(circe_svm_register(f->ctx, ro, 4 * PG, CIRCE_MEM_RW), -EACCES);
	assert_non_null(strstr(circe_errmsg(), "r--p"));
	assert_non_null(strstr(circe_errmsg(), "for writing"));
	assert_int_equal(circe_svm_register(f->ctx, ro, 4 * PG, CIRCE_MEM_WRITE), -EACCES);
	/* a range that only partly is read-only */
	assert_int_equal(mprotect(rw + 2 * PG, PG, PROT_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, rw, 4 * PG, CIRCE_MEM_WRITE), -EACCES);
	assert_non_null(strstr(circe_errmsg(), "0x"));
	expect_accounting(f, 0);
	assert_int_equal(stats(f).registrations, 0);
	/* reading it is fine */
	assert_int_equal(circe_svm_register(f->ctx, ro, 4 * PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_register(f->ctx, rw, 2 * PG, CIRCE_MEM_RW), 0);
	/* PROT_NONE: not even for reading */
	assert_int_equal(circe_svm_register(f->ctx, none, PG, CIRCE_MEM_READ), -EACCES);
	assert_non_null(strstr(circe_errmsg(), "---p"));
	assert_int_equal(circe_svm_unregister(f->ctx, ro, 4 * PG), 0);
	assert_int_equal(circe_svm_unregister(f->ctx, rw, 2 * PG), 0);
	expect_accounting(f, 0);
	munmap(ro, 4 * PG);
	munmap(none, 2 * PG);
	munmap(rw, 4 * PG);
}

static void test_on_demand_faults(void **state)
{
	struct fx *f = *state;
	struct circe_svm_ctx *od;
	struct circe_svm_stats st;
	uint8_t *rw = map_pages(8, PROT_READ | PROT_WRITE);
	uint8_t *ro = map_pages(2, PROT_READ);
	uint8_t *none = map_pages(1, PROT_NONE);
	uint8_t *gone = map_pages(2, PROT_READ | PROT_WRITE);
	uint64_t iova;

	assert_int_equal(munmap(gone, 2 * PG), 0);
	assert_int_equal(circe_svm_ctx_create_flags(f->svm, 4, &od), -EINVAL);
	assert_int_equal(circe_svm_ctx_create_flags(f->svm, CIRCE_SVM_CTX_ON_DEMAND, &od), 0);
	assert_true(circe_svm_ctx_on_demand(od));
	assert_false(circe_svm_ctx_on_demand(f->ctx));

	/* a read fault pins and maps one page, read-only */
	assert_false(can(od, VA(rw) + 100, false));
	assert_int_equal(circe_svm_handle_fault(od, VA(rw) + 100, false), 0);
	assert_true(can(od, VA(rw), false));
	assert_false(can(od, VA(rw), true));
	assert_false(can(od, VA(rw) + PG, false)); /* 4 KiB, no fault-around */
	iova = iova_of(od, VA(rw));
	assert_true(pinned_at(f, iova, VA(rw)));
	st = stats(f);
	assert_int_equal(st.demand_pages, 1);
	assert_int_equal(st.faults_resolved, 1);
	assert_int_equal(st.demand_faults, 1);
	/* a write fault on it widens it, same pin */
	assert_int_equal(circe_svm_handle_fault(od, VA(rw) + 8, true), 0);
	assert_true(can(od, VA(rw), true));
	assert_int_equal(iova_of(od, VA(rw)), iova);
	/* a write fault on a fresh page maps it write-only (what was asked) */
	assert_int_equal(circe_svm_handle_fault(od, VA(rw) + 3 * PG, true), 0);
	assert_true(can(od, VA(rw) + 3 * PG, true));
	assert_int_equal(stats(f).demand_pages, 2);

	/* aborts: NULL, unmapped, PROT_NONE, writing a read-only page */
	assert_int_equal(circe_svm_handle_fault(od, 0, false), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "VA 0x0 "));
	assert_non_null(strstr(circe_errmsg(), "not mapped"));
	assert_int_equal(circe_svm_handle_fault(od, VA(gone) + PG, false), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "not mapped"));
	assert_int_equal(circe_svm_handle_fault(od, VA(none), false), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "---p"));
	assert_int_equal(circe_svm_handle_fault(od, VA(ro) + PG, true), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "write at VA"));
	assert_non_null(strstr(circe_errmsg(), "r--p"));
	assert_false(can(od, VA(ro) + PG, false));
	/* reading it is fine */
	assert_int_equal(circe_svm_handle_fault(od, VA(ro) + PG, false), 0);
	assert_int_equal(circe_svm_handle_fault(od, 1ull << 48, false), -EFAULT);

	/* a registered page keeps its registration's permissions */
	assert_int_equal(circe_svm_register(od, rw + 5 * PG, PG, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_svm_handle_fault(od, VA(rw) + 5 * PG, true), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "registered"));
	/* a registration over faulted pages, then its unregister releases both */
	assert_int_equal(circe_svm_register(od, rw, PG, CIRCE_MEM_READ), 0);
	assert_true(can(od, VA(rw), true));
	st = stats(f);
	assert_int_equal(st.faults_aborted, 6);
	assert_int_equal(st.demand_pages, 3);
	assert_int_equal(circe_svm_unregister(od, rw, PG), 0);
	assert_false(can(od, VA(rw), false));
	assert_false(pinned_at(f, iova, VA(rw)));
	assert_int_equal(stats(f).demand_pages, 2);

	/* faulted pages released by any range holding them */
	assert_int_equal(circe_svm_unregister(od, rw + PG, PG), -ENOENT);
	assert_non_null(strstr(circe_errmsg(), "no page a fault pinned"));
	assert_int_equal(circe_svm_unregister(od, rw + 2 * PG, 2 * PG), 0);
	assert_false(can(od, VA(rw) + 3 * PG, true));
	assert_int_equal(stats(f).demand_pages, 1);

	/* a context without the flag still aborts */
	assert_int_equal(circe_svm_handle_fault(f->ctx, VA(rw) + 6 * PG, false), -EFAULT);
	assert_false(can(f->ctx, VA(rw) + 6 * PG, false));
	/* by ASID, as the fault worker asks */
	assert_int_equal(
		circe_svm_handle_fault_asid(f->svm, circe_svm_ctx_asid(od), VA(rw) + 7 * PG, false),
		0);
	assert_true(can(od, VA(rw) + 7 * PG, false));
	assert_int_equal(circe_svm_handle_fault_asid(f->svm, 3, VA(rw), false), -EFAULT);
	assert_non_null(strstr(circe_errmsg(), "no live context"));
	st = stats(f);
	assert_true(st.pinned_peak_bytes >= st.pinned_bytes);
	assert_int_equal(st.faults, st.faults_resolved + st.faults_aborted);

	circe_svm_ctx_destroy(od);
	st = stats(f);
	assert_int_equal(st.demand_pages, 0);
	assert_int_equal(st.registrations, 0);
	expect_accounting(f, 0);
	munmap(rw, 8 * PG);
	munmap(ro, 2 * PG);
	munmap(none, PG);
}

/* A platform that forwards to the sim platform and logs every unpin in the
 * device's call list, so that the order of PTE clear, invalidate and unpin
 * can be read back. */
struct rec_plat {
	struct circe_platform base;
	struct circe_platform *inner;
	struct dev *dev;
};

static struct circe_platform *rec_inner(struct circe_platform *p)
{
	return ((struct rec_plat *)p)->inner;
}

static void rec_destroy(struct circe_platform *p)
{
	circe_platform_destroy(rec_inner(p));
	free(p);
}

static int rec_pin(struct circe_platform *p, void *va, size_t len, uint64_t *iova)
{
	return circe_platform_pin(rec_inner(p), va, len, iova);
}

static int rec_unpin(struct circe_platform *p, uint64_t iova, size_t len)
{
	dev_record(((struct rec_plat *)p)->dev, CALL_UNPIN, 0, iova, len);
	return circe_platform_unpin(rec_inner(p), iova, len);
}

static int rec_resolve(struct circe_platform *p, uint64_t iova, size_t len, void **host)
{
	return circe_platform_resolve(rec_inner(p), iova, len, host);
}

static int rec_read(struct circe_platform *p, uint64_t iova, void *dst, size_t len)
{
	return circe_platform_read(rec_inner(p), iova, dst, len);
}

static int rec_write(struct circe_platform *p, uint64_t iova, const void *src, size_t len)
{
	return circe_platform_write(rec_inner(p), iova, src, len);
}

static uint64_t rec_pinned(const struct circe_platform *p)
{
	return circe_platform_pinned_bytes(((const struct rec_plat *)p)->inner);
}

static const struct circe_platform_ops rec_ops = {
	.name = "rec",
	.destroy = rec_destroy,
	.pin = rec_pin,
	.unpin = rec_unpin,
	.resolve = rec_resolve,
	.read = rec_read,
	.write = rec_write,
	.pinned_bytes = rec_pinned,
};

/* Index in the call list of the first CALL_UNPIN covering iova, or -1. */
static long unpin_index(const struct dev *d, uint64_t iova)
{
	for (size_t i = 0; i < d->ncalls; i++)
		if (d->calls[i].kind == CALL_UNPIN && d->calls[i].a <= iova &&
		    iova < d->calls[i].a + d->calls[i].b)
			return (long)i;
	return -1;
}

/* Index of the last CALL_INVALIDATE of asid covering va before end. */
static long inval_index(const struct dev *d, uint16_t asid, uint64_t va, long end)
{
	for (long i = end - 1; i >= 0; i--) {
		const struct call *c = &d->calls[i];

		if (c->kind == CALL_INVALIDATE && c->asid == asid &&
		    (c->b == 0 || (c->a <= va && va < c->a + c->b)))
			return i;
	}
	return -1;
}

/*
 * Faulted-in pages go like registered ones: PTE cleared, invalidate
 * acknowledged, then unpinned, for a release by unregister and for context
 * destroy. The recording platform logs the unpins; the device's invalidate
 * checks at that moment that the PTEs are clear and the pages still
 * pinned. Unpinning first (the wrong order) fails both.
 */
static void test_on_demand_release_order(void **state)
{
	struct fx *f = *state;
	struct rec_plat *rp = calloc(1, sizeof(*rp));
	struct circe_svm_config cfg = { .num_asids = 2 };
	struct circe_svm *svm;
	struct circe_svm_ctx *od;
	uint8_t *m = map_pages(6, PROT_READ | PROT_WRITE);
	uint64_t iova[6];
	uint16_t asid;

	assert_non_null(rp);
	rp->base.ops = &rec_ops;
	rp->dev = &f->dev;
	assert_int_equal(circe_platform_sim_create(&rp->inner), 0);
	assert_int_equal(circe_svm_create(&rp->base, &dev_ops, &f->dev, &cfg, &svm), 0);
	assert_int_equal(circe_svm_ctx_create_flags(svm, CIRCE_SVM_CTX_ON_DEMAND, &od), 0);
	asid = circe_svm_ctx_asid(od);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(circe_svm_handle_fault(od, VA(m) + i * PG, false), 0);
		if (i & 1)
			assert_int_equal(circe_svm_handle_fault(od, VA(m) + i * PG, true), 0);
		iova[i] = iova_of(od, VA(m) + i * PG);
	}

	/* release of pages 0..2 */
	f->dev.ncalls = 0;
	f->dev.check_ctx = od;
	f->dev.plat = &rp->base;
	for (int i = 0; i < 3; i++) {
		f->dev.check_va[i] = VA(m) + i * PG;
		f->dev.check_iova[i] = iova[i];
	}
	f->dev.ncheck = 3;
	f->dev.checked = f->dev.still_mapped = f->dev.not_pinned = 0;
	assert_int_equal(circe_svm_unregister(od, m, 3 * PG), 0);
	assert_int_equal(f->dev.checked, 3);
	assert_int_equal(f->dev.still_mapped, 0);
	assert_int_equal(f->dev.not_pinned, 0);
	for (int i = 0; i < 3; i++) {
		long u = unpin_index(&f->dev, iova[i]);

		assert_true(u >= 0);
		assert_true(inval_index(&f->dev, asid, VA(m) + i * PG, u) >= 0);
	}
	assert_int_equal(unpin_index(&f->dev, iova[3]), -1);

	/* context destroy: the rest */
	f->dev.ncalls = 0;
	for (int i = 0; i < 3; i++) {
		f->dev.check_va[i] = VA(m) + (i + 3) * PG;
		f->dev.check_iova[i] = iova[i + 3];
	}
	f->dev.checked = f->dev.still_mapped = f->dev.not_pinned = 0;
	circe_svm_ctx_destroy(od);
	f->dev.ncheck = 0;
	f->dev.plat = f->plat;
	assert_int_equal(f->dev.checked, 3);
	assert_int_equal(f->dev.still_mapped, 0);
	assert_int_equal(f->dev.not_pinned, 0);
	for (int i = 3; i < 6; i++) {
		long u = unpin_index(&f->dev, iova[i]);

		assert_true(u >= 0);
		assert_true(inval_index(&f->dev, asid, VA(m) + i * PG, u) >= 0);
	}
	assert_int_equal(circe_platform_pinned_bytes(&rp->base), 0);
	circe_svm_destroy(svm);
	circe_platform_destroy(&rp->base);
	munmap(m, 6 * PG);
}

/* Thousands of distinct pages faulted in, some aborted among them; all of
 * it goes with the context. */
static void test_on_demand_storm(void **state)
{
	struct fx *f = *state;
	const size_t n = 4096;
	uint8_t *m = map_pages(n, PROT_READ | PROT_WRITE);
	struct circe_svm_ctx *od;
	struct circe_svm_stats st;
	struct tu_rng rng;
	size_t ok = 0, bad = 0;

	tu_rng_init(&rng, tu_seed("svm_storm", 7));
	/* every 16th page read-only: its write faults abort */
	for (size_t i = 0; i < n; i += 16)
		assert_int_equal(mprotect(m + i * PG, PG, PROT_READ), 0);
	assert_int_equal(circe_svm_ctx_create_flags(f->svm, CIRCE_SVM_CTX_ON_DEMAND, &od), 0);
	for (size_t i = 0; i < n; i++) {
		size_t p = (i * 2654435761u) % n; /* n is a power of two: a permutation */
		bool write = tu_rng_range(&rng, 0, 1);
		int rc = circe_svm_handle_fault(
			od, VA(m) + p * PG + (size_t)tu_rng_range(&rng, 0, 4095), write);

		if (write && p % 16 == 0) {
			assert_int_equal(rc, -EFAULT);
			bad++;
		} else {
			assert_int_equal(rc, 0);
			assert_true(can(od, VA(m) + p * PG, write));
			ok++;
		}
	}
	st = stats(f);
	assert_int_equal(st.demand_pages, ok);
	assert_int_equal(st.faults_resolved, ok);
	assert_int_equal(st.faults_aborted, bad);
	assert_true(st.pinned_peak_bytes >= ok * PG);
	circe_svm_ctx_destroy(od);
	st = stats(f);
	assert_int_equal(st.demand_pages, 0);
	expect_accounting(f, 0);
	munmap(m, n * PG);
}

/* Random overlapping registrations against a reference model of the rule:
 * per page, mapped iff covered, permissions the union, IOVA stable while
 * covered and pointing at the right host page. */
struct model_reg {
	uint64_t va, len;
	unsigned prot;
};

static void model_check(struct fx *f, const struct model_reg *regs, size_t n, uint64_t *iova)
{
	const size_t pages = f->buf_len / PG;
	uint64_t covered = 0;

	for (size_t pg = 0; pg < pages; pg++) {
		uint64_t va = VA(f->buf) + pg * PG;
		unsigned prot = 0;
		uint64_t got;

		for (size_t i = 0; i < n; i++) {
			uint64_t lo = regs[i].va & ~(PG - 1);
			uint64_t hi = (regs[i].va + regs[i].len + PG - 1) & ~(PG - 1);

			if (va >= lo && va < hi)
				prot |= regs[i].prot;
		}
		assert_int_equal(can(f->ctx, va, false), !!(prot & CIRCE_MEM_READ));
		assert_int_equal(can(f->ctx, va, true), !!(prot & CIRCE_MEM_WRITE));
		if (!prot) {
			iova[pg] = 0;
			continue;
		}
		covered++;
		assert_int_equal(circe_svm_translate(f->ctx, va, !(prot & CIRCE_MEM_READ), &got),
				 0);
		if (iova[pg])
			assert_int_equal(got, iova[pg]);
		iova[pg] = got;
		assert_true(pinned_at(f, got, va));
	}
	assert_int_equal(stats(f).registrations, n);
	expect_accounting(f, covered);
}

static bool model_covered(const struct model_reg *regs, size_t n, uint64_t va)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo = regs[i].va & ~(PG - 1);
		uint64_t hi = (regs[i].va + regs[i].len + PG - 1) & ~(PG - 1);

		if (va >= lo && va < hi)
			return true;
	}
	return false;
}

/* Pages nobody covers any more may come back at another IOVA. */
static void model_forget(struct fx *f, const struct model_reg *regs, size_t n,
			 const struct model_reg *gone, uint64_t *iova)
{
	uint64_t lo = gone->va & ~(PG - 1);
	uint64_t hi = (gone->va + gone->len + PG - 1) & ~(PG - 1);

	for (uint64_t va = lo; va < hi; va += PG)
		if (!model_covered(regs, n, va))
			iova[(va - VA(f->buf)) / PG] = 0;
}

static void test_random_model(void **state)
{
	struct fx *f = *state;
	struct tu_rng rng;
	struct model_reg regs[48];
	size_t n = 0;
	const uint64_t pages = f->buf_len / PG;
	uint64_t *iova = calloc(pages, sizeof(*iova));

	assert_non_null(iova);
	tu_rng_init(&rng, tu_seed("svm_random", 4));
	/* start with a huge leaf that later registrations split and share */
	regs[n++] = (struct model_reg){ VA(f->buf) + MB2, MB2, CIRCE_MEM_RW };
	assert_int_equal(circe_svm_register(f->ctx, f->buf + MB2, MB2, CIRCE_MEM_RW), 0);
	assert_int_equal(stats(f).huge_2m_entries, 1);
	for (int op = 0; op < 300; op++) {
		if (n < 48 && (n == 0 || tu_rng_range(&rng, 0, 99) < 60)) {
			struct model_reg r;
			uint64_t first, np;
			bool dup = false;

			if (tu_rng_range(&rng, 0, 4) == 0) { /* large, 2 MiB-aligned */
				np = (uint64_t)tu_rng_range(&rng, 1, 2) * 512;
				first = (uint64_t)tu_rng_range(&rng, 0,
							       (int64_t)(pages - np) / 512) *
					512;
			} else {
				np = (uint64_t)tu_rng_range(&rng, 1, 40);
				first = (uint64_t)tu_rng_range(&rng, 0, (int64_t)(pages - np));
			}
			r.va = VA(f->buf) + first * PG;
			r.len = np * PG;
			if (tu_rng_range(&rng, 0, 3) == 0) { /* not page-aligned */
				r.va += (uint64_t)tu_rng_range(&rng, 1, PG - 1);
				r.len -= PG;
				if (!r.len)
					r.len = 1;
			}
			r.prot = (unsigned)tu_rng_range(&rng, 1, 3);
			for (size_t i = 0; i < n; i++)
				dup |= regs[i].va == r.va && regs[i].len == r.len;
			assert_int_equal(
				circe_svm_register(f->ctx, (void *)(uintptr_t)r.va, r.len, r.prot),
				dup ? -EEXIST : 0);
			if (!dup)
				regs[n++] = r;
		} else {
			size_t i = (size_t)tu_rng_range(&rng, 0, (int64_t)n - 1);

			struct model_reg gone = regs[i];

			assert_int_equal(
				circe_svm_unregister(f->ctx, (void *)(uintptr_t)gone.va, gone.len),
				0);
			regs[i] = regs[--n];
			model_forget(f, regs, n, &gone, iova);
		}
		if (op % 10 == 0)
			model_check(f, regs, n, iova);
	}
	model_check(f, regs, n, iova);

	while (n) {
		n--;
		assert_int_equal(
			circe_svm_unregister(f->ctx, (void *)(uintptr_t)regs[n].va, regs[n].len),
			0);
	}
	model_check(f, regs, 0, iova);
	assert_int_equal(stats(f).pt_pages, 1);
	assert_int_equal(stats(f).huge_2m_entries, 0);
	free(iova);
}

/* Several threads, each with its own context, on one svm (one mutex). */
struct worker {
	struct fx *f;
	struct circe_svm_ctx *ctx;
	uint64_t seed;
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tu_rng rng;

	tu_rng_init(&rng, w->seed);
	for (int i = 0; i < 200; i++) {
		uint64_t first = (uint64_t)tu_rng_range(&rng, 0, 255);
		uint64_t np = (uint64_t)tu_rng_range(&rng, 1, 64);
		uint8_t *p = w->f->buf + first * PG;

		if (circe_svm_register(w->ctx, p, np * PG, CIRCE_MEM_RW) ||
		    circe_svm_translate(w->ctx, VA(p), true, NULL) ||
		    circe_svm_handle_fault(w->ctx, VA(p) + (np - 1) * PG, false) ||
		    circe_svm_unregister(w->ctx, p, np * PG))
			w->errors++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fx *f = *state;
	struct worker w[3];
	pthread_t th[3];
	uint64_t seed = tu_seed("svm_threads", 5);

	for (int i = 0; i < 3; i++) {
		w[i] = (struct worker){ .f = f, .seed = seed + (uint64_t)i };
		assert_int_equal(circe_svm_ctx_create(f->svm, &w[i].ctx), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
		circe_svm_ctx_destroy(w[i].ctx);
	}
	assert_int_equal(stats(f).faults, 600);
	expect_accounting(f, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctx_create_sets_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_translate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_failure_unwinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eexist_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_shared_pages_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_permission_downgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_2m_partial_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asid_exhaustion_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_huge_and_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_invalidate_keeps_pins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failing_destroy_quarantines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_checks_host_permissions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_release_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_storm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests_name("svm", tests, NULL, NULL);
}
