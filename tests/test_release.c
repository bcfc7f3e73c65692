/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Releasing memory under a running job, on every backend. svm/ releases a
 * range in this order: clear its PTEs, invalidate the device TLB, wait for
 * the acknowledge, then unpin (and the application may free). The device
 * must therefore acknowledge only once nothing that used an old translation
 * is still on the bus: no DMA engine may keep streaming through a page it
 * translated before, and bursts issued before must have completed.
 *
 * The sim platform remembers every unpinned IOVA range until a pin reuses
 * it and counts the device accesses that land there
 * (circe_platform_sim_released_hits). Here a long COPY streams while the
 * main thread unregisters its source or its destination as soon as the
 * first bytes arrived (the memory engine's two DMA engines), and a GEMM
 * loses its input once its first output block was written (the command
 * processor's read engine): the job must end completed or with -EFAULT (its
 * next translation faults), never with a bus error, the released pages
 * must see no access, and the device must run the next job normally.
 *
 * vsim: simulated time runs only inside driver calls, and a register access
 * from the releasing thread waits for the job thread's slice (2048 cycles),
 * so each poll of INV_ACK lets ~2048 cycles pass: longer than a burst takes
 * with the device tree's 500-cycle memory. The memory is slowed down here
 * (every burst 6000 cycles more, the latency injection) so that bursts stay
 * in flight across the acknowledge, as they do when a real host polls fast.
 * Buffers are 2 MiB aligned, so svm may map them with 2 MiB leaves (an
 * engine then holds one translation for 512 pages).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "driver/backend.h"
#include "driver/driver.h"
#include "svm/platform_impl.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define REL_WAIT_S 120.0	     /* wall time for the first copied bytes */
#define REL_ALIGN (2u << 20)	     /* buffers: 2 MiB leaves possible */
#define REL_VSIM_EXTRA_LATENCY 6000u /* cycles added to every vsim burst */

struct rel {
	const struct tu_backend *be;
	struct circe_dev *dev;
	struct circe_ctx *ctx;
	struct circe_platform *plat;
	bool vsim;
	struct tu_rng rng;
};

struct rel_gemm {
	struct circe_ctx *ctx;
	struct circe_gemm g;
	int rc;
	char msg[256];
};

struct rel_copy {
	struct circe_ctx *ctx;
	void *dst;
	const void *src;
	size_t bytes;
	int rc;
	char msg[256];
};

static double rel_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rel_setup(void **state)
{
	const struct tu_backend *be = *state;
	struct rel *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->be = be;
	if (tu_backend_open(be, &r->dev, &r->ctx)) {
		free(r);
		return -1;
	}
	r->plat = circe_dev_platform(r->dev);
	r->vsim = !strcmp(be->name, "vsim");
	tu_rng_init(&r->rng, tu_seed("test_release", 0x5e1ea5e));
	if (r->vsim) {
		struct circe_inject inj = { .kind = CIRCE_INJECT_LATENCY,
					    .cycles = REL_VSIM_EXTRA_LATENCY };

		assert_int_equal(circe_dev_inject(r->dev, &inj), 0);
	}
	*state = r;
	return 0;
}

/* Zeroed, 2 MiB aligned, transparent huge pages asked for; free(). */
static uint8_t *rel_alloc(size_t bytes)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, REL_ALIGN, bytes), 0);
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: may fail without THP */
	memset(p, 0, bytes);
	return p;
}

static int rel_teardown(void **state)
{
	struct rel *r = *state;

	circe_ctx_destroy(r->ctx);
	circe_close(r->dev);
	free(r);
	return 0;
}

static void *rel_copy_thread(void *arg)
{
	struct rel_copy *c = arg;

	c->rc = circe_copy_run(c->ctx, c->dst, c->src, c->bytes, NULL);
	if (c->rc)
		snprintf(c->msg, sizeof(c->msg), "%s", circe_errmsg());
	return NULL;
}

static void *rel_gemm_thread(void *arg)
{
	struct rel_gemm *x = arg;

	x->rc = circe_gemm_run(x->ctx, &x->g, NULL);
	if (x->rc)
		snprintf(x->msg, sizeof(x->msg), "%s", circe_errmsg());
	return NULL;
}

/* The released pages saw no device access. */
static void rel_expect_no_hits(struct rel *r)
{
	uint64_t first = 0, hits = circe_platform_sim_released_hits(r->plat, &first);

	if (hits)
		print_error("%s: %" PRIu64 " device accesses to released IOVAs, the first at "
			    "0x%" PRIx64 "\n",
			    r->be->name, hits, first);
	assert_int_equal(hits, 0);
}

/* A small COPY right after: the device is healthy. */
static void rel_expect_copy_ok(struct rel *r)
{
	size_t bytes = 65536 + 37;
	uint8_t *src = tu_alloc_pages(bytes), *dst = tu_alloc_pages(bytes);

	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < bytes; i++)
		src[i] = (uint8_t)tu_rng_u64(&r->rng);
	assert_int_equal(circe_mem_register(r->ctx, src, bytes, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(r->ctx, dst, bytes, CIRCE_MEM_RW), 0);
	assert_int_equal(circe_copy_run(r->ctx, dst, src, bytes, NULL), 0);
	assert_memory_equal(dst, src, bytes);
	assert_int_equal(circe_mem_unregister(r->ctx, src, bytes), 0);
	assert_int_equal(circe_mem_unregister(r->ctx, dst, bytes), 0);
	free(src);
	free(dst);
}

/*
 * Rounds of: register src and dst, start a COPY of bytes in another thread,
 * wait until the device wrote dst[at] (at random in the first quarter),
 * unregister src (release_dst false) or dst, join. Returns the rounds the
 * release cut short (-EFAULT).
 */
static int rel_race(struct rel *r, bool release_dst, size_t bytes, int rounds)
{
	uint8_t *src = rel_alloc(bytes), *dst = rel_alloc(bytes);
	int faulted = 0;

	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < bytes; i++)
		src[i] = (uint8_t)tu_rng_u64(&r->rng) | 1; /* never 0: dst shows progress */

	for (int round = 0; round < rounds; round++) {
		size_t at = (size_t)tu_rng_range(&r->rng, 0, (int64_t)(bytes / 4));
		volatile uint8_t *seen = &dst[at];
		struct rel_copy c = { .ctx = r->ctx, .dst = dst, .src = src, .bytes = bytes };
		double deadline = rel_now() + REL_WAIT_S;
		pthread_t t;

		memset(dst, 0, bytes);
		assert_int_equal(circe_mem_register(r->ctx, src, bytes, CIRCE_MEM_READ), 0);
		assert_int_equal(circe_mem_register(r->ctx, dst, bytes, CIRCE_MEM_RW), 0);
		assert_int_equal(pthread_create(&t, NULL, rel_copy_thread, &c), 0);
		while (!*seen && rel_now() < deadline)
			sched_yield();
		/* Released while the copy streams through it. */
		assert_int_equal(circe_mem_unregister(r->ctx, release_dst ? dst : src, bytes), 0);
		pthread_join(t, NULL);
		assert_true(*seen);
		rel_expect_no_hits(r);
		if (c.rc && c.rc != -EFAULT)
			print_error("%s: round %d: COPY ended %d (%s): %s\n", r->be->name, round,
				    c.rc, circe_strerror(c.rc), c.msg);
		assert_true(c.rc == 0 || c.rc == -EFAULT);
		if (c.rc == 0)
			assert_memory_equal(dst, src, bytes);
		else
			faulted++;
		assert_int_equal(circe_mem_unregister(r->ctx, release_dst ? src : dst, bytes), 0);
	}
	free(src);
	free(dst);
	return faulted;
}

static void rel_run(struct rel *r, bool release_dst)
{
	/* vsim: ~120k simulated cycles with the slow memory, about a second */
	size_t bytes = r->vsim ? (2u << 20) + 4096 + 64 : (64u << 20) + 4096 + 64;
	int rounds = r->vsim ? 3 : 8;
	int faulted = rel_race(r, release_dst, bytes, rounds);

	print_message("# %s: %s released under a %zu-byte COPY: %d of %d rounds ended -EFAULT, "
		      "the rest completed; no access to released pages\n",
		      r->be->name, release_dst ? "destination" : "source", bytes, faulted, rounds);
	/* The release lands while the copy streams (its first bytes arrived,
	 * most of it is still to come). */
	assert_true(faulted > 0);
	rel_expect_copy_ok(r);
	rel_expect_no_hits(r);
}

/*
 * A GEMM whose input A is released once one of its first 128 output rows
 * was written (the RTL's first M block, within sim/fmodel's first 1 MiB
 * chunk), while the read engine streams the rows of the next blocks.
 */
static void test_release_input_during_gemm(void **state)
{
	struct rel *r = *state;
	size_t m = r->vsim ? 512 : 8192, k = 1024, n = r->vsim ? 32 : 64;
	int rounds = r->vsim ? 2 : 6, faulted = 0;
	int8_t *a = (int8_t *)rel_alloc(m * k), *w = (int8_t *)rel_alloc(n * k);
	int8_t *y = (int8_t *)rel_alloc(m * n);
	float wscale = 1.0f / 4096;

	for (size_t i = 0; i < m * k; i++)
		a[i] = (int8_t)tu_rng_u64(&r->rng);
	for (size_t i = 0; i < n * k; i++)
		w[i] = (int8_t)tu_rng_u64(&r->rng);
	assert_int_equal(circe_mem_register(r->ctx, w, n * k, CIRCE_MEM_READ), 0);
	assert_int_equal(circe_mem_register(r->ctx, y, m * n, CIRCE_MEM_RW), 0);
	for (int round = 0; round < rounds; round++) {
		struct rel_gemm x = {
			.ctx = r->ctx,
			.g = { .m = m,
			       .k = k,
			       .n = n,
			       .input = a,
			       .input_scale = 1.0f,
			       .weights = w,
			       .weight_bits = 8,
			       .weight_scales = &wscale,
			       .num_weight_scales = 1,
			       .output = y,
			       .output_scale = 1.0f },
		};
		volatile int8_t *seen = &y[(size_t)tu_rng_range(&r->rng, 0, 127) * n];
		double deadline = rel_now() + REL_WAIT_S;
		pthread_t t;

		memset(y, 0x7f, m * n); /* the outputs are small: 0x7f means not written */
		assert_int_equal(circe_mem_register(r->ctx, a, m * k, CIRCE_MEM_READ), 0);
		assert_int_equal(pthread_create(&t, NULL, rel_gemm_thread, &x), 0);
		while (*seen == 0x7f && rel_now() < deadline)
			sched_yield();
		assert_int_equal(circe_mem_unregister(r->ctx, a, m * k), 0);
		pthread_join(t, NULL);
		assert_true(*seen != 0x7f);
		rel_expect_no_hits(r);
		if (x.rc && x.rc != -EFAULT)
			print_error("%s: round %d: GEMM ended %d (%s): %s\n", r->be->name, round,
				    x.rc, circe_strerror(x.rc), x.msg);
		assert_true(x.rc == 0 || x.rc == -EFAULT);
		faulted += x.rc == -EFAULT;
	}
	print_message("# %s: input released under a %zux%zux%zu GEMM: %d of %d rounds ended "
		      "-EFAULT, the rest completed; no access to released pages\n",
		      r->be->name, m, k, n, faulted, rounds);
	assert_int_equal(circe_mem_unregister(r->ctx, w, n * k), 0);
	assert_int_equal(circe_mem_unregister(r->ctx, y, m * n), 0);
	assert_true(faulted > 0);
	rel_expect_copy_ok(r);
	rel_expect_no_hits(r);
	free(a);
	free(w);
	free(y);
}

/*
 * An on-demand context: a COPY whose pages fault in while another thread
 * releases the faulted-in source again and again (each release makes the
 * job fault those pages in again). The job must complete with the right
 * bytes, every release must succeed (the acknowledge must not wait for
 * something that waits for a fault answer), no released page is touched.
 */
static void test_release_racing_on_demand_copy(void **state)
{
	struct rel *r = *state;
	const struct circe_ctx_options o = { .flags = CIRCE_CTX_ON_DEMAND };
	size_t bytes = r->vsim ? (256u << 10) + 4096 + 64 : (16u << 20) + 4096 + 64;
	struct circe_inject none = { .kind = CIRCE_INJECT_NONE };
	uint8_t *src = rel_alloc(bytes), *dst = rel_alloc(bytes);
	struct circe_ctx *od = NULL;
	struct rel_copy c;
	int releases = 0, rc;
	pthread_t t;

	for (size_t i = 0; i < bytes; i++)
		src[i] = (uint8_t)tu_rng_u64(&r->rng);
	/* the device tree's memory: faulting pages in is slow enough */
	if (r->vsim)
		assert_int_equal(circe_dev_inject(r->dev, &none), 0);
	assert_int_equal(circe_ctx_create_ex(r->dev, &o, &od), 0);
	c = (struct rel_copy){ .ctx = od, .dst = dst, .src = src, .bytes = bytes, .rc = 1 };
	assert_int_equal(pthread_create(&t, NULL, rel_copy_thread, &c), 0);
	while (__atomic_load_n(&c.rc, __ATOMIC_ACQUIRE) == 1) {
		/* vsim: a release makes the job fault its pages in again
		 * (thousands of simulated cycles); one per 20 ms of wall time */
		struct timespec pause = { 0, r->vsim ? 20000000 : 200000 };

		rc = circe_mem_unregister(od, src, bytes);
		if (rc && rc != -ENOENT)
			print_error("%s: release: %d (%s): %s\n", r->be->name, rc,
				    circe_strerror(rc), circe_errmsg());
		assert_true(rc == 0 || rc == -ENOENT);
		releases += rc == 0;
		nanosleep(&pause, NULL);
	}
	pthread_join(t, NULL);
	if (c.rc)
		print_error("%s: COPY ended %d: %s\n", r->be->name, c.rc, c.msg);
	assert_int_equal(c.rc, 0);
	assert_memory_equal(dst, src, bytes);
	circe_ctx_destroy(od);
	rel_expect_no_hits(r);
	print_message("# %s: %d releases of the source raced an on-demand COPY of %zu bytes\n",
		      r->be->name, releases, bytes);
	rel_expect_copy_ok(r);
	free(src);
	free(dst);
}

static void test_release_src_during_copy(void **state)
{
	rel_run(*state, false);
}

static void test_release_dst_during_copy(void **state)
{
	rel_run(*state, true);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_release_src_during_copy, rel_setup,
						rel_teardown),
		cmocka_unit_test_setup_teardown(test_release_dst_during_copy, rel_setup,
						rel_teardown),
		cmocka_unit_test_setup_teardown(test_release_input_during_gemm, rel_setup,
						rel_teardown),
		cmocka_unit_test_setup_teardown(test_release_racing_on_demand_copy, rel_setup,
						rel_teardown),
	};
	struct tu_backend be[TU_BACKEND_MAX];
	size_t nbe = tu_backends(be), count;
	struct CMUnitTest *all =
		tu_backend_tests(tests, sizeof(tests) / sizeof(tests[0]), be, nbe, &count);
	int rc;

	if (!all)
		return 1;
	rc = _cmocka_run_group_tests("test_release", all, count, NULL, NULL);
	tu_backend_tests_free(all, count);
	return rc;
}
