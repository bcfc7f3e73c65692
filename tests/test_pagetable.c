/* SPDX-License-Identifier: Apache-2.0 */
/* Suite for svm/pagetable.c: the device page table of include/circe/hw.h,
 * checked the way the device sees it (entries read by IOVA through the
 * platform). Leaf IOVAs here are plain numbers: nothing reads the data. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "circe/hw.h"
#include "svm/pagetable.h"
#include "svm/platform.h"
#include "tests/support/testutil.h"

#define PG 4096ull
#define MB2 (2ull << 20)
#define GB1 (1ull << 30)
#define R CIRCE_HW_PTE_READ
#define W CIRCE_HW_PTE_WRITE
#define V CIRCE_HW_PTE_VALID
#define LEAF CIRCE_HW_PTE_LEAF
#define IOVA0 0x0000200000000000ull /* 1 GiB-aligned */

struct fx {
	struct circe_platform *plat;
	struct circe_pagetable *pt;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || circe_platform_sim_create(&f->plat) || circe_pagetable_create(f->plat, &f->pt))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	circe_pagetable_destroy(f->pt);
	/* every table page was unpinned */
	if (circe_platform_pinned_bytes(f->plat) != 0)
		return -1;
	circe_platform_destroy(f->plat);
	free(f);
	return 0;
}

static struct circe_pagetable_stats stats(struct fx *f)
{
	struct circe_pagetable_stats st;

	circe_pagetable_get_stats(f->pt, &st);
	return st;
}

/* One entry, read by IOVA as the device reads it. */
static uint64_t dev_entry(struct fx *f, uint64_t table_iova, unsigned idx)
{
	uint64_t v = 0;

	assert_int_equal(circe_platform_read(f->plat, table_iova + idx * 8ull, &v, sizeof(v)), 0);
	return v;
}

/* The device's walk, written out here independently of the library's:
 * returns the leaf entry and its level, or 0 for a fault. */
static uint64_t dev_walk(struct fx *f, uint64_t va, unsigned *level)
{
	uint64_t table = circe_pagetable_root_iova(f->pt);

	for (int l = 3; l >= 0; l--) {
		uint64_t e = dev_entry(f, table, CIRCE_HW_PT_INDEX(va, l));

		if (!(e & V))
			return 0;
		if (l == 0 || (l < 3 && (e & LEAF))) {
			*level = (unsigned)l;
			return e;
		}
		assert_true((e & LEAF) == 0);
		table = e & CIRCE_HW_PTE_ADDR_MASK;
	}
	return 0;
}

static void expect_translation(struct fx *f, uint64_t va, uint64_t iova, unsigned level,
			       uint64_t perm)
{
	uint64_t got, pte;
	unsigned lvl = 99, dlvl = 99;

	assert_int_equal(circe_pagetable_lookup(f->pt, va, &got, &pte, &lvl), 0);
	assert_int_equal(got, iova);
	assert_int_equal(lvl, level);
	assert_int_equal(pte & (R | W), perm);
	assert_int_equal(dev_walk(f, va, &dlvl), pte);
	assert_int_equal(dlvl, level);
}

static void expect_fault(struct fx *f, uint64_t va)
{
	uint64_t got;
	unsigned lvl;

	assert_int_equal(circe_pagetable_lookup(f->pt, va, &got, NULL, NULL), -EFAULT);
	if (va < CIRCE_PAGETABLE_VA_END)
		assert_int_equal(dev_walk(f, va, &lvl), 0);
}

static void test_empty(void **state)
{
	struct fx *f = *state;

	assert_int_equal(stats(f).tables, 1);
	assert_int_not_equal(circe_pagetable_root_iova(f->pt), 0);
	assert_int_equal(circe_pagetable_root_iova(f->pt) % PG, 0);
	for (unsigned i = 0; i < CIRCE_HW_PT_ENTRIES; i++)
		assert_int_equal(dev_entry(f, circe_pagetable_root_iova(f->pt), i), 0);
	expect_fault(f, 0);
	expect_fault(f, 0x7f0000001000ull);
	expect_fault(f, CIRCE_PAGETABLE_VA_END);
	expect_fault(f, UINT64_MAX);
}

/* A 4 KiB page: four levels, entries exactly as hw.h describes them. */
static void test_map_4k_entries(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x00007f1234567000ull, iova = IOVA0 + 0x5000;
	uint64_t table = circe_pagetable_root_iova(f->pt);

	assert_int_equal(circe_pagetable_map(f->pt, va, iova, 0, R | W), 0);
	assert_int_equal(stats(f).tables, 4);
	assert_int_equal(stats(f).leaves[0], 1);
	for (int l = 3; l >= 1; l--) {
		uint64_t e = dev_entry(f, table, CIRCE_HW_PT_INDEX(va, l));

		assert_int_equal(e & ~CIRCE_HW_PTE_ADDR_MASK, CIRCE_PAGETABLE_TABLE_FLAGS);
		table = e & CIRCE_HW_PTE_ADDR_MASK;
		assert_int_not_equal(table, 0);
		/* only the one entry is set in each table */
		for (unsigned i = 0; i < CIRCE_HW_PT_ENTRIES; i++)
			if (i != CIRCE_HW_PT_INDEX(va, l - 1))
				assert_int_equal(dev_entry(f, table, i), 0);
	}
	assert_int_equal(dev_entry(f, table, CIRCE_HW_PT_INDEX(va, 0)), iova | V | R | W);

	expect_translation(f, va, iova, 0, R | W);
	expect_translation(f, va + 0xabc, iova + 0xabc, 0, R | W);
	expect_fault(f, va + PG);
	expect_fault(f, va - 1);

	/* a neighbour shares the tables */
	assert_int_equal(circe_pagetable_map(f->pt, va + PG, IOVA0, 0, R), 0);
	assert_int_equal(stats(f).tables, 4);
	expect_translation(f, va + PG + 8, IOVA0 + 8, 0, R);

	/* the extremes of the 48-bit space */
	assert_int_equal(circe_pagetable_map(f->pt, 0, IOVA0 + MB2, 0, W), 0);
	expect_translation(f, 0, IOVA0 + MB2, 0, W);
	assert_int_equal(circe_pagetable_map(f->pt, CIRCE_PAGETABLE_VA_END - PG, IOVA0 + GB1, 0, R),
			 0);
	expect_translation(f, CIRCE_PAGETABLE_VA_END - 1, IOVA0 + GB1 + PG - 1, 0, R);
	expect_fault(f, CIRCE_PAGETABLE_VA_END);
}

static void test_huge_leaves(void **state)
{
	struct fx *f = *state;
	uint64_t va2 = 0x0000400000200000ull, va1 = 0x0000500040000000ull;
	uint64_t e;
	unsigned lvl;

	assert_int_equal(circe_pagetable_map(f->pt, va2, IOVA0 + 3 * MB2, 1, R), 0);
	assert_int_equal(circe_pagetable_map(f->pt, va1, IOVA0 + 5 * GB1, 2, R | W), 0);
	assert_int_equal(stats(f).leaves[1], 1);
	assert_int_equal(stats(f).leaves[2], 1);
	/* root + L2 + L1 for the 2 MiB leaf, root + L2 for the 1 GiB one */
	assert_int_equal(stats(f).tables, 4);

	expect_translation(f, va2, IOVA0 + 3 * MB2, 1, R);
	expect_translation(f, va2 + MB2 - 1, IOVA0 + 3 * MB2 + MB2 - 1, 1, R);
	expect_fault(f, va2 + MB2);
	expect_translation(f, va1 + 12345 * PG + 7, IOVA0 + 5 * GB1 + 12345 * PG + 7, 2, R | W);
	expect_fault(f, va1 + GB1);

	e = dev_walk(f, va2, &lvl);
	assert_int_equal(e, (IOVA0 + 3 * MB2) | V | R | LEAF);
	e = dev_walk(f, va1, &lvl);
	assert_int_equal(e, (IOVA0 + 5 * GB1) | V | R | W | LEAF);
}

static void test_map_errors(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000600000000000ull;

	assert_int_equal(circe_pagetable_map(f->pt, va + PG, IOVA0, 1, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0 + PG, 1, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0 + MB2, 2, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va + 1, IOVA0, 0, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 3, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 0, 0), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 0, V), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, CIRCE_PAGETABLE_VA_END, IOVA0, 0, R), -EINVAL);
	assert_int_equal(circe_pagetable_map(f->pt, va, 1ull << 52, 0, R), -EINVAL);
	assert_int_equal(stats(f).tables, 1);

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 1, R), 0);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 1, R), -EEXIST);
	assert_int_equal(circe_pagetable_map(f->pt, va + PG, IOVA0, 0, R), -EEXIST);
	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 2, R), -EEXIST);
	assert_int_equal(circe_pagetable_map(f->pt, va + MB2 + PG, IOVA0, 0, R), 0);
	/* a table sits where the 2 MiB leaf would go */
	assert_int_equal(circe_pagetable_map(f->pt, va + MB2, IOVA0, 1, R), -EEXIST);
	expect_translation(f, va + 5, IOVA0 + 5, 1, R);
}

static void test_split(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000100000000000ull;

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 2, R | W), 0);
	assert_int_equal(circe_pagetable_split(f->pt, va + 7 * MB2, 2), 0);
	assert_int_equal(stats(f).leaves[2], 0);
	assert_int_equal(stats(f).leaves[1], 512);
	for (uint64_t off = 0; off < GB1; off += 37 * MB2 + 3 * PG + 11)
		expect_translation(f, va + off, IOVA0 + off, 1, R | W);
	assert_int_equal(circe_pagetable_split(f->pt, va + 7 * MB2 + 5, 1), 0);
	assert_int_equal(stats(f).leaves[1], 511);
	assert_int_equal(stats(f).leaves[0], 512);
	for (uint64_t off = 7 * MB2; off < 8 * MB2; off += 3 * PG + 1)
		expect_translation(f, va + off, IOVA0 + off, 0, R | W);
	expect_translation(f, va + 8 * MB2, IOVA0 + 8 * MB2, 1, R | W);

	assert_int_equal(circe_pagetable_split(f->pt, va + 7 * MB2, 1), -ENOENT);
	assert_int_equal(circe_pagetable_split(f->pt, va, 2), -ENOENT);
	assert_int_equal(circe_pagetable_split(f->pt, va, 0), -EINVAL);

	/* split_at only splits what straddles */
	assert_int_equal(circe_pagetable_split_cost(f->pt, va + 9 * MB2), 0);
	assert_int_equal(circe_pagetable_split_cost(f->pt, va + 9 * MB2 + PG), 1);
	assert_int_equal(circe_pagetable_split_at(f->pt, va + 9 * MB2), 0);
	assert_int_equal(stats(f).leaves[1], 511);
	assert_int_equal(circe_pagetable_split_at(f->pt, va + 9 * MB2 + PG), 0);
	assert_int_equal(stats(f).leaves[1], 510);
	assert_int_equal(circe_pagetable_split_cost(f->pt, va + 9 * MB2 + PG), 0);
}

static void test_split_at_1g_costs_two(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000100000000000ull;

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 2, R), 0);
	assert_int_equal(circe_pagetable_split_cost(f->pt, va + 3 * MB2), 1);
	assert_int_equal(circe_pagetable_split_cost(f->pt, va + 3 * MB2 + PG), 2);
	/* both ends inside one 1 GiB leaf: it is split once */
	assert_int_equal(
		circe_pagetable_split_cost_pair(f->pt, va + 3 * MB2 + PG, va + 3 * MB2 + 2 * PG),
		2);
	assert_int_equal(
		circe_pagetable_split_cost_pair(f->pt, va + 3 * MB2 + PG, va + 5 * MB2 + PG), 3);
	assert_int_equal(circe_pagetable_split_cost_pair(f->pt, va + PG, CIRCE_PAGETABLE_VA_END),
			 2);
	assert_int_equal(circe_pagetable_split_at(f->pt, va + 3 * MB2 + PG), 0);
	assert_int_equal(stats(f).tables, 4);
	assert_int_equal(
		circe_pagetable_split_cost_pair(f->pt, va + 3 * MB2 + 2 * PG, va + 5 * MB2 + PG),
		1);
	expect_translation(f, va + 3 * MB2, IOVA0 + 3 * MB2, 0, R);
	expect_translation(f, va + 3 * MB2 + PG, IOVA0 + 3 * MB2 + PG, 0, R);
	expect_translation(f, va + 4 * MB2, IOVA0 + 4 * MB2, 1, R);
}

/* Unmapping part of a huge leaf splits it; emptied tables stay pinned
 * (and readable by the device) until reclaim. */
static void test_unmap_and_reclaim(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000200000000000ull;
	uint64_t l0_iova;
	void *host;

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 1, R | W), 0);
	assert_int_equal(stats(f).tables, 3);
	assert_int_equal(circe_pagetable_unmap(f->pt, va + 10 * PG, 2 * PG), 0);
	assert_int_equal(stats(f).tables, 4);
	assert_int_equal(stats(f).leaves[1], 0);
	assert_int_equal(stats(f).leaves[0], 510);
	expect_translation(f, va + 9 * PG, IOVA0 + 9 * PG, 0, R | W);
	expect_fault(f, va + 10 * PG);
	expect_fault(f, va + 11 * PG + 100);
	expect_translation(f, va + 12 * PG, IOVA0 + 12 * PG, 0, R | W);

	/* the level-0 table the device would read */
	{
		uint64_t t = circe_pagetable_root_iova(f->pt);

		for (int l = 3; l >= 1; l--)
			t = dev_entry(f, t, CIRCE_HW_PT_INDEX(va, l)) & CIRCE_HW_PTE_ADDR_MASK;
		l0_iova = t;
	}

	assert_int_equal(circe_pagetable_unmap(f->pt, va, MB2), 0);
	expect_fault(f, va);
	assert_int_equal(stats(f).leaves[0], 0);
	/* L2, L1, L0 unlinked but still pinned */
	assert_int_equal(stats(f).pending, 3);
	assert_int_equal(stats(f).tables, 4);
	assert_int_equal(dev_entry(f, circe_pagetable_root_iova(f->pt), CIRCE_HW_PT_INDEX(va, 3)),
			 0);
	assert_int_equal(circe_platform_resolve(f->plat, l0_iova, PG, &host), 0);

	circe_pagetable_reclaim(f->pt);
	assert_int_equal(stats(f).pending, 0);
	assert_int_equal(stats(f).tables, 1);
	assert_int_equal(circe_platform_resolve(f->plat, l0_iova, PG, &host), -EFAULT);
	assert_int_equal(circe_platform_pinned_bytes(f->plat), PG);

	/* unmapping nothing is fine */
	assert_int_equal(circe_pagetable_unmap(f->pt, va, GB1), 0);
	assert_int_equal(circe_pagetable_unmap(f->pt, va + 1, PG), -EINVAL);
}

static void test_unmap_keeps_shared_tables(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000300000000000ull;

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 0, R), 0);
	assert_int_equal(circe_pagetable_map(f->pt, va + MB2, IOVA0 + MB2, 1, R), 0);
	assert_int_equal(circe_pagetable_unmap(f->pt, va, PG), 0);
	/* only the L0 table emptied */
	assert_int_equal(stats(f).pending, 1);
	expect_translation(f, va + MB2, IOVA0 + MB2, 1, R);
	circe_pagetable_reclaim(f->pt);
	assert_int_equal(stats(f).tables, 3);
	/* the whole space: no split needed, everything goes */
	assert_int_equal(circe_pagetable_unmap(f->pt, 0, CIRCE_PAGETABLE_VA_END), 0);
	circe_pagetable_reclaim(f->pt);
	assert_int_equal(stats(f).tables, 1);
	expect_fault(f, va + MB2);
}

static void test_protect(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000200000000000ull;

	assert_int_equal(circe_pagetable_map(f->pt, va, IOVA0, 1, R | W), 0);
	assert_int_equal(circe_pagetable_map(f->pt, va + MB2, IOVA0 + MB2, 1, R | W), 0);
	/* a whole leaf: changed in place */
	assert_int_equal(circe_pagetable_protect(f->pt, va + MB2, MB2, R), 0);
	assert_int_equal(stats(f).leaves[1], 2);
	expect_translation(f, va + MB2 + 5, IOVA0 + MB2 + 5, 1, R);
	/* part of a leaf: split, then changed */
	assert_int_equal(circe_pagetable_protect(f->pt, va + 4 * PG, 2 * PG, W), 0);
	assert_int_equal(stats(f).leaves[1], 1);
	expect_translation(f, va + 3 * PG, IOVA0 + 3 * PG, 0, R | W);
	expect_translation(f, va + 4 * PG, IOVA0 + 4 * PG, 0, W);
	expect_translation(f, va + 5 * PG, IOVA0 + 5 * PG, 0, W);
	expect_translation(f, va + 6 * PG, IOVA0 + 6 * PG, 0, R | W);
	/* holes are left alone */
	assert_int_equal(circe_pagetable_protect(f->pt, va - MB2, 8 * MB2, R), 0);
	expect_translation(f, va + 4 * PG, IOVA0 + 4 * PG, 0, R);
	expect_fault(f, va - PG);
	expect_fault(f, va + 2 * MB2);
	assert_int_equal(circe_pagetable_protect(f->pt, va, PG, 0), -EINVAL);
	assert_int_equal(circe_pagetable_protect(f->pt, va, PG, V), -EINVAL);
}

static void test_prepare_prune(void **state)
{
	struct fx *f = *state;
	uint64_t va = 0x0000700000000000ull;

	assert_false(circe_pagetable_has_table(f->pt, va, 0));
	assert_true(circe_pagetable_has_table(f->pt, va, 3));
	assert_int_equal(circe_pagetable_prepare(f->pt, va, 0), 0);
	assert_true(circe_pagetable_has_table(f->pt, va, 0));
	assert_int_equal(stats(f).tables, 4);
	expect_fault(f, va);
	/* the prepared tables make map allocation-free */
	assert_int_equal(circe_pagetable_map(f->pt, va + PG, IOVA0, 0, R), 0);
	assert_int_equal(stats(f).tables, 4);
	assert_int_equal(circe_pagetable_prepare(f->pt, va + GB1, 1), 0);
	assert_int_equal(stats(f).tables, 5);

	/* prune drops only what is empty */
	circe_pagetable_prune(f->pt, va, 2 * GB1);
	assert_int_equal(stats(f).pending, 1);
	circe_pagetable_reclaim(f->pt);
	assert_false(circe_pagetable_has_table(f->pt, va + GB1, 1));
	assert_true(circe_pagetable_has_table(f->pt, va, 0));
	expect_translation(f, va + PG, IOVA0, 0, R);

	/* prepare under a huge leaf is refused */
	assert_int_equal(circe_pagetable_map(f->pt, va + GB1, IOVA0, 2, R), 0);
	assert_int_equal(circe_pagetable_prepare(f->pt, va + GB1 + PG, 0), -EEXIST);
}

/* Random leaves of all sizes against a reference list, checked through
 * the device's walk. */
static void test_random_against_reference(void **state)
{
	struct fx *f = *state;
	struct tu_rng rng;
	struct {
		uint64_t va, iova;
		unsigned level;
		uint64_t perm;
	} ref[256];
	size_t n = 0;

	tu_rng_init(&rng, tu_seed("pagetable_random", 3));
	for (int i = 0; i < 256; i++) {
		unsigned level = (unsigned)tu_rng_range(&rng, 0, 2);
		uint64_t size = CIRCE_PAGETABLE_LEAF_SIZE(level);
		/* VAs in a 64 GiB area so that tables are shared */
		uint64_t va =
			0x0000123000000000ull +
			((uint64_t)tu_rng_range(&rng, 0, (int64_t)((64 * GB1) / size) - 1) * size);
		uint64_t iova = IOVA0 + (uint64_t)tu_rng_range(&rng, 0, 1000) * size;
		uint64_t perm = (uint64_t)tu_rng_range(&rng, 1, 3) << 1;
		bool overlap = false;

		for (size_t j = 0; j < n; j++) {
			uint64_t s = CIRCE_PAGETABLE_LEAF_SIZE(ref[j].level);

			if (va < ref[j].va + s && ref[j].va < va + size)
				overlap = true;
		}
		if (overlap) {
			assert_int_equal(circe_pagetable_map(f->pt, va, iova, level, perm),
					 -EEXIST);
			continue;
		}
		assert_int_equal(circe_pagetable_map(f->pt, va, iova, level, perm), 0);
		ref[n].va = va;
		ref[n].iova = iova;
		ref[n].level = level;
		ref[n].perm = perm;
		n++;
	}
	for (size_t j = 0; j < n; j++) {
		uint64_t s = CIRCE_PAGETABLE_LEAF_SIZE(ref[j].level);
		uint64_t off = (uint64_t)tu_rng_range(&rng, 0, (int64_t)s - 1);

		expect_translation(f, ref[j].va + off, ref[j].iova + off, ref[j].level,
				   ref[j].perm);
	}
	/* unmap half, the rest must be untouched */
	for (size_t j = 0; j < n; j += 2)
		assert_int_equal(circe_pagetable_unmap(f->pt, ref[j].va,
						       CIRCE_PAGETABLE_LEAF_SIZE(ref[j].level)),
				 0);
	for (size_t j = 0; j < n; j++) {
		if (j % 2 == 0)
			expect_fault(f, ref[j].va);
		else
			expect_translation(f, ref[j].va, ref[j].iova, ref[j].level, ref[j].perm);
	}
}

/* A walker running while the table changes sees the old or the new
 * translation, never a half-built subtree. Nothing is reclaimed while it
 * runs (that is what the TLB invalidation is for). */
struct walker {
	struct fx *f;
	uint64_t va;
	int stop; /* __atomic */
	long hits, faults, wrong;
};

static void *walker_main(void *arg)
{
	struct walker *w = arg;
	uint64_t off = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		uint64_t iova;

		off = (off + 3 * PG + 8) % MB2;
		if (circe_pagetable_lookup(w->f->pt, w->va + off, &iova, NULL, NULL))
			__atomic_fetch_add(&w->faults, 1, __ATOMIC_RELAXED);
		else if (iova != IOVA0 + off)
			__atomic_fetch_add(&w->wrong, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&w->hits, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent_walker(void **state)
{
	struct fx *f = *state;
	struct walker w = { .f = f, .va = 0x0000200000000000ull };
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, walker_main, &w), 0);
	while (__atomic_load_n(&w.faults, __ATOMIC_RELAXED) == 0)
		sched_yield();
	for (int i = 0; i < 300; i++) {
		assert_int_equal(circe_pagetable_map(f->pt, w.va, IOVA0, 1, R), 0);
		assert_int_equal(circe_pagetable_split_at(f->pt, w.va + 17 * PG), 0);
		assert_int_equal(circe_pagetable_protect(f->pt, w.va + 64 * PG, 64 * PG, R | W), 0);
		assert_int_equal(circe_pagetable_unmap(f->pt, w.va + 100 * PG, 5 * PG), 0);
		assert_int_equal(circe_pagetable_unmap(f->pt, w.va, MB2), 0);
		for (uint64_t p = 0; p < MB2; p += 64 * PG)
			assert_int_equal(circe_pagetable_map(f->pt, w.va + p, IOVA0 + p, 0, R), 0);
		assert_int_equal(circe_pagetable_unmap(f->pt, w.va, MB2), 0);
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	assert_int_equal(w.wrong, 0);
	printf("# walker: %ld hits, %ld faults\n", w.hits, w.faults);
	circe_pagetable_reclaim(f->pt);
	assert_int_equal(stats(f).tables, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_4k_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_at_1g_costs_two, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_and_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_keeps_shared_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_walker, setup, teardown),
	};

	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
