/* SPDX-License-Identifier: Apache-2.0 */
/* Suite for svm/platform_sim.c: pinning, the IOVA allocator, the DMA map
 * and its DECERR behaviour, concurrent resolves. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "svm/hostmem.h"
#include "svm/platform.h"
#include "svm/platform_impl.h"
#include "tests/support/testutil.h"

#define PG 4096ull
#define MB2 (2ull << 20)
#define GB1 (1ull << 30)

struct fx {
	struct circe_platform *plat;
	uint8_t *buf; /* 2 MiB-aligned, 4 MiB */
	size_t buf_len;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (circe_platform_sim_create(&f->plat))
		return -1;
	f->buf_len = 4 * MB2;
	f->buf = aligned_alloc(MB2, f->buf_len);
	if (!f->buf)
		return -1;
	for (size_t i = 0; i < f->buf_len; i++)
		f->buf[i] = (uint8_t)(i * 7 + i / 4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* Whatever a failed test left behind must not leak into the next. */
	circe_platform_destroy(f->plat);
	free(f->buf);
	free(f);
	return 0;
}

static bool in_window(uint64_t iova, uint64_t len)
{
	return iova >= CIRCE_PLATFORM_SIM_IOVA_BASE &&
	       iova + len <= CIRCE_PLATFORM_SIM_IOVA_BASE + CIRCE_PLATFORM_SIM_IOVA_SIZE;
}

/* VmLck of this process in KiB, -1 if unknown. */
static long vm_locked_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
			break;
	}
	fclose(fp);
	return kib;
}

static void test_pin_resolve_unpin(void **state)
{
	struct fx *f = *state;
	uint64_t iova;
	void *host;

	assert_int_equal(circe_platform_pin(f->plat, f->buf + PG, 16 * PG, &iova), 0);
	assert_true(in_window(iova, 16 * PG));
	assert_int_not_equal(iova, (uint64_t)(uintptr_t)(f->buf + PG));
	assert_int_equal(iova % MB2, (uint64_t)(uintptr_t)(f->buf + PG) % MB2);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 16 * PG);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 1);

	assert_int_equal(circe_platform_resolve(f->plat, iova + 100, 10, &host), 0);
	assert_ptr_equal(host, f->buf + PG + 100);
	assert_int_equal(circe_platform_resolve(f->plat, iova, 16 * PG, &host), 0);
	assert_ptr_equal(host, f->buf + PG);

	assert_int_equal(circe_platform_unpin(f->plat, iova, 16 * PG), 0);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 0);
	assert_int_equal(circe_platform_resolve(f->plat, iova, 1, &host), -EFAULT);
	/* the space went back: first fit hands out the same IOVA again */
	{
		uint64_t again;

		assert_int_equal(circe_platform_pin(f->plat, f->buf + PG, 16 * PG, &again), 0);
		assert_int_equal(again, iova);
		assert_int_equal(circe_platform_unpin(f->plat, again, 16 * PG), 0);
	}
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;
	uint64_t iova;
	void *gap;

	assert_int_equal(circe_platform_pin(f->plat, f->buf + 1, PG, &iova), -EINVAL);
	assert_int_equal(circe_platform_pin(f->plat, f->buf, PG + 1, &iova), -EINVAL);
	assert_int_equal(circe_platform_pin(f->plat, f->buf, 0, &iova), -EINVAL);
	assert_int_equal(circe_platform_pin(NULL, f->buf, PG, &iova), -EINVAL);
	assert_int_equal(circe_platform_pin(f->plat, (void *)(uintptr_t)(UINT64_MAX - PG + 1),
					    2 * PG, &iova),
			 -EINVAL);
	assert_int_equal(circe_platform_unpin(f->plat, CIRCE_PLATFORM_SIM_IOVA_BASE + 1, PG),
			 -EINVAL);
	assert_int_equal(circe_platform_unpin(f->plat, CIRCE_PLATFORM_SIM_IOVA_BASE, PG), -ENOENT);

	/* memory the process does not have */
	gap = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(gap != MAP_FAILED);
	assert_int_equal(munmap(gap, 4 * PG), 0);
	assert_int_equal(circe_platform_pin(f->plat, gap, 4 * PG, &iova), -EFAULT);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
	circe_platform_destroy(NULL);
}

/* Two pins of consecutive halves of a 2 MiB-aligned buffer get adjacent
 * IOVAs (first fit, congruent modulo 2 MiB): reads and writes cross. */
static void test_read_write_across_mappings(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;
	uint8_t out[64], in[64];

	assert_int_equal(circe_platform_pin(f->plat, f->buf, 16 * PG, &a), 0);
	assert_int_equal(circe_platform_pin(f->plat, f->buf + 16 * PG, 16 * PG, &b), 0);
	assert_int_equal(b, a + 16 * PG);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 2);

	assert_int_equal(circe_platform_read(f->plat, b - 32, out, sizeof(out)), 0);
	assert_memory_equal(out, f->buf + 16 * PG - 32, sizeof(out));

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xC0 + i);
	assert_int_equal(circe_platform_write(f->plat, b - 32, in, sizeof(in)), 0);
	assert_memory_equal(f->buf + 16 * PG - 32, in, sizeof(in));

	/* resolve must stay inside one mapping */
	{
		void *host;

		assert_int_equal(circe_platform_resolve(f->plat, b - 32, 64, &host), -EFAULT);
		assert_int_equal(circe_platform_resolve(f->plat, b - 32, 32, &host), 0);
	}
	assert_int_equal(circe_platform_unpin(f->plat, a, 16 * PG), 0);
	assert_int_equal(circe_platform_unpin(f->plat, b, 16 * PG), 0);
}

/* Accesses to unpinned IOVAs are counted until a pin reuses them; other
 * misses (never pinned) are not. */
static void test_released_hits(void **state)
{
	struct fx *f = *state;
	uint64_t a, b, again, first;
	uint8_t out[8] = { 0 };
	void *host;

	assert_int_equal(circe_platform_pin(f->plat, f->buf, 8 * PG, &a), 0);
	assert_int_equal(circe_platform_pin(f->plat, f->buf + 8 * PG, 8 * PG, &b), 0);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, &first), 0);
	assert_int_equal(first, 0);
	/* never pinned: a plain DECERR */
	assert_int_equal(circe_platform_resolve(f->plat, 0, 1, &host), -EFAULT);
	assert_int_equal(circe_platform_read(f->plat, b + 64 * PG, out, 1), -EFAULT);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 0);

	/* a middle part of a: resolve, read, write and a read straddling in */
	assert_int_equal(circe_platform_unpin(f->plat, a + 2 * PG, 3 * PG), 0);
	assert_int_equal(circe_platform_resolve(f->plat, a + 3 * PG + 8, 8, &host), -EFAULT);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, &first), 1);
	assert_int_equal(first, a + 3 * PG + 8);
	assert_int_equal(circe_platform_write(f->plat, a + 2 * PG, out, 1), -EFAULT);
	assert_int_equal(circe_platform_read(f->plat, a + 2 * PG - 4, out, 8), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, a + 2 * PG - 4, 8, &host), -EFAULT);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, &first), 4);
	assert_int_equal(first, a + 3 * PG + 8); /* the first stays */
	/* what is still pinned around it resolves */
	assert_int_equal(circe_platform_resolve(f->plat, a + 2 * PG - 8, 8, &host), 0);
	assert_int_equal(circe_platform_resolve(f->plat, a + 5 * PG, 8, &host), 0);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 4);

	/* a pin reuses part of the hole (first fit): that part is live again,
	 * the rest of the hole still counts */
	assert_int_equal(circe_platform_pin(f->plat, f->buf + 2 * PG, PG, &again), 0);
	if (again >= a + 2 * PG && again < a + 5 * PG) {
		assert_int_equal(circe_platform_resolve(f->plat, again, 8, &host), 0);
		assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 4);
	}
	assert_int_equal(circe_platform_unpin(f->plat, again, PG), 0);
	assert_int_equal(circe_platform_resolve(f->plat, again, 8, &host), -EFAULT);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 5);

	assert_int_equal(circe_platform_unpin(f->plat, a, 2 * PG), 0);
	assert_int_equal(circe_platform_unpin(f->plat, a + 5 * PG, 3 * PG), 0);
	assert_int_equal(circe_platform_unpin(f->plat, b, 8 * PG), 0);
	assert_int_equal(circe_platform_resolve(f->plat, b + 7 * PG, 8, &host), -EFAULT);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 6);
	/* pinned again over the whole range: nothing released is left there */
	assert_int_equal(circe_platform_pin(f->plat, f->buf, 16 * PG, &again), 0);
	for (uint64_t off = 0; off < 16 * PG; off += PG)
		assert_int_equal(circe_platform_resolve(f->plat, again + off, 8, &host), 0);
	assert_int_equal(circe_platform_unpin(f->plat, again, 16 * PG), 0);
	assert_int_equal(circe_platform_sim_released_hits(f->plat, NULL), 6);
}

static void test_decerr(void **state)
{
	struct fx *f = *state;
	uint64_t a, end;
	uint8_t out[16], in[16];
	void *host;

	assert_int_equal(circe_platform_pin(f->plat, f->buf, 4 * PG, &a), 0);
	end = a + 4 * PG;

	/* entirely unmapped */
	assert_int_equal(circe_platform_read(f->plat, end + PG, out, 1), -EFAULT);
	assert_int_equal(circe_platform_write(f->plat, a - PG, in, 1), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, 0, 1, &host), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, UINT64_MAX, 1, &host), -EFAULT);

	/* straddling the end: the part before is copied, nothing after */
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(circe_platform_read(f->plat, end - 8, out, sizeof(out)), -EFAULT);
	assert_memory_equal(out, f->buf + 4 * PG - 8, 8);
	for (size_t i = 8; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xAA);

	memset(in, 0x5A, sizeof(in));
	f->buf[4 * PG] = 0x11;
	assert_int_equal(circe_platform_write(f->plat, end - 8, in, sizeof(in)), -EFAULT);
	assert_memory_equal(f->buf + 4 * PG - 8, in, 8);
	assert_int_equal(f->buf[4 * PG], 0x11);

	assert_int_equal(circe_platform_resolve(f->plat, end - 8, 16, &host), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, end, 0, &host), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, end - 8, UINT64_MAX, &host), -EFAULT);
	assert_int_equal(circe_platform_unpin(f->plat, a, 4 * PG), 0);
}

static void test_subrange_unpin_splits(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;
	void *host;

	assert_int_equal(circe_platform_pin(f->plat, f->buf, 16 * PG, &a), 0);
	assert_int_equal(circe_platform_unpin(f->plat, a + 4 * PG, 4 * PG), 0);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 2);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 12 * PG);

	assert_int_equal(circe_platform_resolve(f->plat, a + 3 * PG, PG, &host), 0);
	assert_ptr_equal(host, f->buf + 3 * PG);
	for (int p = 4; p < 8; p++)
		assert_int_equal(circe_platform_resolve(f->plat, a + p * PG, 1, &host), -EFAULT);
	assert_int_equal(circe_platform_resolve(f->plat, a + 8 * PG, PG, &host), 0);
	assert_ptr_equal(host, f->buf + 8 * PG);

	/* the hole is not mapped any more; a range across it is refused whole */
	assert_int_equal(circe_platform_unpin(f->plat, a + 4 * PG, PG), -ENOENT);
	assert_int_equal(circe_platform_unpin(f->plat, a + 2 * PG, 8 * PG), -ENOENT);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 12 * PG);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 2);

	/* the freed IOVA space is reused by a fitting pin */
	assert_int_equal(circe_platform_pin(f->plat, f->buf + 4 * PG, 4 * PG, &b), 0);
	assert_int_equal(b, a + 4 * PG);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 3);

	/* one unpin across three adjacent mappings, trimming both ends */
	assert_int_equal(circe_platform_unpin(f->plat, a + PG, 14 * PG), 0);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 2);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 2 * PG);
	assert_int_equal(circe_platform_resolve(f->plat, a + 15 * PG, PG, &host), 0);
	assert_ptr_equal(host, f->buf + 15 * PG);
	assert_int_equal(circe_platform_unpin(f->plat, a, PG), 0);
	assert_int_equal(circe_platform_unpin(f->plat, a + 15 * PG, PG), 0);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 0);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
}

/* IOVA == VA never happens, even for memory inside the IOVA window. */
static void test_iova_never_va(void **state)
{
	struct fx *f = *state;
	void *want = (void *)(uintptr_t)CIRCE_PLATFORM_SIM_IOVA_BASE;
	void *p = mmap(want, MB2, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	uint64_t iova;

	if (p == MAP_FAILED || p != want) {
		if (p != MAP_FAILED)
			munmap(p, MB2);
		printf("# skip: cannot map memory at the IOVA window base\n");
		skip();
	}
	/* first fit would pick the window base itself, which is the VA */
	assert_int_equal(circe_platform_pin(f->plat, p, MB2, &iova), 0);
	assert_int_not_equal(iova, (uint64_t)(uintptr_t)p);
	assert_int_equal(iova % MB2, 0);
	assert_int_equal(circe_platform_unpin(f->plat, iova, MB2), 0);
	munmap(p, MB2);
}

/* >= 1 GiB: congruent modulo 1 GiB. The memory is PROT_NONE (the device
 * never touches it here): mlock fails there, and the pin still succeeds. */
static void test_congruence_1g_and_exhaustion(void **state)
{
	struct fx *f = *state;
	size_t big = 2ull << 40;
	uint8_t *p = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *va;
	uint64_t iova, small;

	if (p == MAP_FAILED) {
		printf("# skip: cannot reserve 2 TiB of address space\n");
		skip();
	}
	/* a VA 2 MiB- but not 1 GiB-aligned */
	va = (uint8_t *)(((uintptr_t)p + GB1 - 1) & ~(uintptr_t)(GB1 - 1)) + 3 * MB2;
	assert_int_equal(circe_platform_pin(f->plat, f->buf, PG, &small), 0);
	assert_int_equal(circe_platform_pin(f->plat, va, GB1 + MB2, &iova), 0);
	assert_int_equal(iova % GB1, (uint64_t)(uintptr_t)va % GB1);
	assert_true(in_window(iova, GB1 + MB2));
	assert_int_equal(circe_platform_unpin(f->plat, iova, GB1 + MB2), 0);

	/* more than the window: -ENOMEM, nothing pinned */
	assert_int_equal(circe_platform_pin(f->plat, va, CIRCE_PLATFORM_SIM_IOVA_SIZE, &iova),
			 -ENOMEM);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), PG);
	assert_int_equal(circe_platform_unpin(f->plat, small, PG), 0);
	munmap(p, big);
}

/* Pinning the same host pages twice: unpinning one keeps them locked. */
static void test_mlock_shared_pages(void **state)
{
	struct fx *f = *state;
	long base = vm_locked_kib();
	uint64_t a, b;

	assert_int_equal(circe_platform_pin(f->plat, f->buf, 8 * PG, &a), 0);
	if (base < 0 || circe_platform_sim_mlock_failures(f->plat) || vm_locked_kib() == base) {
		circe_platform_unpin(f->plat, a, 8 * PG);
		printf("# skip: mlock does not lock here (RLIMIT_MEMLOCK, or a sanitizer "
		       "runtime that makes it a no-op)\n");
		skip();
	}
	assert_int_equal(circe_platform_pin(f->plat, f->buf + 4 * PG, 8 * PG, &b), 0);
	assert_int_equal(vm_locked_kib() - base, 12 * 4);
	assert_int_equal(circe_platform_unpin(f->plat, a, 8 * PG), 0);
	assert_int_equal(vm_locked_kib() - base, 8 * 4); /* pages 4..7 still pinned by b */
	assert_int_equal(circe_platform_unpin(f->plat, b + 2 * PG, 2 * PG), 0);
	assert_int_equal(vm_locked_kib() - base, 6 * 4);
	assert_int_equal(circe_platform_unpin(f->plat, b, 2 * PG), 0);
	assert_int_equal(circe_platform_unpin(f->plat, b + 4 * PG, 4 * PG), 0);
	assert_int_equal(vm_locked_kib(), base);
}

struct live {
	uint64_t iova, len;
	uint8_t *host;
};

static void check_live(struct fx *f, const struct live *lv, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		void *host;

		total += lv[i].len;
		assert_true(in_window(lv[i].iova, lv[i].len));
		assert_int_not_equal(lv[i].iova, (uint64_t)(uintptr_t)lv[i].host);
		assert_int_equal(circe_platform_resolve(f->plat, lv[i].iova, lv[i].len, &host), 0);
		assert_ptr_equal(host, lv[i].host);
		for (size_t j = i + 1; j < n; j++)
			assert_true(lv[i].iova + lv[i].len <= lv[j].iova ||
				    lv[j].iova + lv[j].len <= lv[i].iova);
	}
	assert_int_equal(circe_platform_pinned_bytes(f->plat), total);
}

static void test_random_pin_unpin(void **state)
{
	struct fx *f = *state;
	struct tu_rng rng;
	struct live lv[64];
	size_t n = 0;
	const size_t pages = f->buf_len / PG;

	tu_rng_init(&rng, tu_seed("platform_random", 1));
	for (int op = 0; op < 2000; op++) {
		if (n < 64 && (n == 0 || tu_rng_range(&rng, 0, 2) != 0)) {
			size_t len = (size_t)tu_rng_range(&rng, 1, 64);
			size_t first = (size_t)tu_rng_range(&rng, 0, (int64_t)(pages - len));
			uint8_t *host = f->buf + first * PG;
			uint64_t iova;

			assert_int_equal(circe_platform_pin(f->plat, host, len * PG, &iova), 0);
			assert_int_equal(iova % MB2, (uint64_t)(uintptr_t)host % MB2);
			lv[n++] = (struct live){ iova, len * PG, host };
		} else {
			size_t i;
			uint64_t np, off, cnt;
			struct live head, tail;

			if (n > 64 - 2) { /* keep room for a split: drop one whole range */
				assert_int_equal(
					circe_platform_unpin(f->plat, lv[0].iova, lv[0].len), 0);
				lv[0] = lv[--n];
			}
			i = (size_t)tu_rng_range(&rng, 0, (int64_t)n - 1);
			np = lv[i].len / PG;
			off = (uint64_t)tu_rng_range(&rng, 0, (int64_t)np - 1);
			cnt = (uint64_t)tu_rng_range(&rng, 1, (int64_t)(np - off));
			head = lv[i];
			tail = lv[i];

			assert_int_equal(
				circe_platform_unpin(f->plat, lv[i].iova + off * PG, cnt * PG), 0);
			head.len = off * PG;
			tail.iova += (off + cnt) * PG;
			tail.host += (off + cnt) * PG;
			tail.len -= (off + cnt) * PG;
			lv[i] = lv[--n];
			if (head.len)
				lv[n++] = head;
			if (tail.len)
				lv[n++] = tail;
		}
		if (op % 50 == 0)
			check_live(f, lv, n);
	}
	check_live(f, lv, n);
	while (n) {
		n--;
		assert_int_equal(circe_platform_unpin(f->plat, lv[n].iova, lv[n].len), 0);
	}
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
	assert_int_equal(circe_platform_sim_mappings(f->plat), 0);
}

struct resolver {
	struct circe_platform *plat;
	uint64_t iova;
	uint8_t *host;
	int stop; /* __atomic */
	long ok, bad;
};

static void *resolver_main(void *arg)
{
	struct resolver *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		void *host;
		uint8_t b;

		if (circe_platform_resolve(r->plat, r->iova + 5 * PG, 16, &host) ||
		    host != r->host + 5 * PG ||
		    circe_platform_read(r->plat, r->iova + 7 * PG + 3, &b, 1) ||
		    b != r->host[7 * PG + 3])
			__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&r->ok, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent_resolve(void **state)
{
	struct fx *f = *state;
	struct resolver r = { .plat = f->plat, .host = f->buf };
	pthread_t th;
	struct tu_rng rng;

	tu_rng_init(&rng, tu_seed("platform_concurrent", 2));
	assert_int_equal(circe_platform_pin(f->plat, f->buf, 8 * PG, &r.iova), 0);
	assert_int_equal(pthread_create(&th, NULL, resolver_main, &r), 0);
	/* make sure the resolver really runs alongside the churn */
	while (__atomic_load_n(&r.ok, __ATOMIC_RELAXED) == 0 &&
	       __atomic_load_n(&r.bad, __ATOMIC_RELAXED) == 0)
		sched_yield();
	for (int i = 0; i < 3000; i++) {
		size_t len = (size_t)tu_rng_range(&rng, 1, 32) * PG;
		uint64_t iova;

		assert_int_equal(circe_platform_pin(f->plat, f->buf + MB2, len, &iova), 0);
		assert_int_equal(circe_platform_unpin(f->plat, iova, PG), 0);
		if (len > PG)
			assert_int_equal(circe_platform_unpin(f->plat, iova + PG, len - PG), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	assert_int_equal(r.bad, 0);
	assert_true(r.ok > 0);
	assert_int_equal(circe_platform_unpin(f->plat, r.iova, 8 * PG), 0);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), 0);
}

/* ---- host permission checks (svm/hostmem.c) ---- */

#define HPG 4096ull

/* Both checks give the same answer; the maps check also over ranges. */
static void expect_host(uint8_t *p, bool write, int want)
{
	char why[256];

	assert_int_equal(circe_hostmem_check_maps((uintptr_t)p, HPG, write, why, sizeof(why)),
			 want);
	assert_int_equal(circe_hostmem_fault_in((uintptr_t)p + 123, write, why, sizeof(why)), want);
}

static void test_hostmem(void **state)
{
	uint8_t *m =
		mmap(NULL, 6 * HPG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char why[256];
	int fd;
	uint8_t *f;

	(void)state;
	assert_true(m != MAP_FAILED);
	/* rw | r | none | rw | unmapped | rw */
	assert_int_equal(mprotect(m + HPG, HPG, PROT_READ), 0);
	assert_int_equal(mprotect(m + 2 * HPG, HPG, PROT_NONE), 0);
	assert_int_equal(munmap(m + 4 * HPG, HPG), 0);
	expect_host(m, false, 0);
	expect_host(m, true, 0);
	expect_host(m + HPG, false, 0);
	expect_host(m + HPG, true, -EACCES);
	expect_host(m + 2 * HPG, false, -EACCES);
	expect_host(m + 4 * HPG, false, -EFAULT);
	expect_host(NULL, false, -EFAULT);

	/* ranges: the first offending page is named */
	assert_int_equal(circe_hostmem_check_maps((uintptr_t)m, 2 * HPG, false, why, sizeof(why)),
			 0);
	assert_int_equal(circe_hostmem_check_maps((uintptr_t)m, 2 * HPG, true, why, sizeof(why)),
			 -EACCES);
	assert_non_null(strstr(why, "r--p"));
	assert_int_equal(
		circe_hostmem_check_maps((uintptr_t)m + 3 * HPG, 3 * HPG, false, why, sizeof(why)),
		-EFAULT);
	{
		char va[32];

		snprintf(va, sizeof(va), "VA 0x%llx ",
			 (unsigned long long)(uintptr_t)(m + 4 * HPG));
		assert_non_null(strstr(why, va));
	}

	/* a file mapped shared and read-only: never writable; private and
	 * writable: copy on write, fine */
	fd = open("/proc/self/exe", O_RDONLY);
	assert_true(fd >= 0);
	f = mmap(NULL, HPG, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(f != MAP_FAILED);
	expect_host(f, false, 0);
	expect_host(f, true, -EACCES);
	assert_int_equal(circe_hostmem_check_maps((uintptr_t)f, HPG, true, why, sizeof(why)),
			 -EACCES);
	assert_non_null(strstr(why, "r--s"));
	assert_non_null(strstr(why, "/"));
	munmap(f, HPG);
	f = mmap(NULL, HPG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(f != MAP_FAILED);
	expect_host(f, true, 0);
	munmap(f, HPG);
	close(fd);
	munmap(m, 4 * HPG);
	munmap(m + 5 * HPG, HPG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_resolve_unpin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write_across_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decerr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_released_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subrange_unpin_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iova_never_va, setup, teardown),
		cmocka_unit_test_setup_teardown(test_congruence_1g_and_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_shared_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_pin_unpin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_resolve, setup, teardown),
		cmocka_unit_test(test_hostmem),
	};

	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
