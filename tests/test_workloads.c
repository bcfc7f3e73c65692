/* SPDX-License-Identifier: Apache-2.0 */
/* host/workloads: the structures are what they claim (lists visit every
 * node once across the arena, CSR rows sorted and distinct, full trees),
 * packing keeps every traversal's result while moving every pointer into
 * the packed buffer, the same seed gives the same bytes, bad sizes fail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "circe/hw.h"
#include "host/workloads.h"
#include "tests/support/testutil.h"

static uint64_t wl_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Values along the list from head, at most cap nodes; returns the count. */
static uint32_t wl_list_walk(const uint8_t *head, uint32_t next_off, uint32_t val_off,
			     uint64_t *vals, uint32_t cap)
{
	uint32_t n = 0;

	while (head && n < cap) {
		vals[n++] = wl_u64(head + val_off);
		head = (const uint8_t *)(uintptr_t)wl_u64(head + next_off);
	}
	return n;
}

static void test_list(void **state)
{
	uint64_t seed = tu_seed("workloads_list", 11);
	struct circe_wl_list l, again;
	const uint32_t nodes = 3000, nb = 64;
	uint64_t *a = calloc(nodes + 1, 8), *b = calloc(nodes + 1, 8);
	uint8_t *packed, *packed2;
	size_t pages_touched = 0;
	uint8_t *seen;

	(void)state;
	assert_int_equal(circe_wl_list_build(&l, nodes, nb, 16u << 20, seed), 0);
	assert_int_equal(wl_list_walk(l.head, l.next_off, l.val_off, a, nodes + 1), nodes);
	/* every node inside the arena, slot-aligned, spread over many pages */
	seen = calloc(l.arena_bytes / 4096, 1);
	for (const uint8_t *n = l.head; n; n = (const uint8_t *)(uintptr_t)wl_u64(n)) {
		size_t off = (size_t)(n - l.arena);

		assert_true(n >= l.arena && off + nb <= l.arena_bytes);
		assert_int_equal(off % nb, 0);
		pages_touched += !seen[off / 4096];
		seen[off / 4096] = 1;
	}
	print_message("# list: %u nodes over %zu of %zu pages\n", nodes, pages_touched,
		      l.arena_bytes / 4096);
	assert_true(pages_touched > nodes / 2);

	/* packed: same values in the same order, pointers inside the buffer */
	assert_int_equal(circe_wl_list_packed_bytes(&l), (size_t)nodes * nb);
	packed = malloc(circe_wl_list_packed_bytes(&l));
	assert_int_equal(circe_wl_list_pack(&l, packed, (size_t)nodes * nb - 1, 0), -ENOSPC);
	assert_int_equal(circe_wl_list_pack(&l, packed, (size_t)nodes * nb, (uintptr_t)packed), 0);
	assert_int_equal(wl_list_walk(packed, l.next_off, l.val_off, b, nodes + 1), nodes);
	assert_memory_equal(a, b, (size_t)nodes * 8);
	for (uint32_t i = 0; i + 1 < nodes; i++)
		assert_int_equal(wl_u64(packed + (size_t)i * nb),
				 (uintptr_t)(packed + (size_t)(i + 1) * nb));

	/* the same seed, the same data (packed at the same base) */
	assert_int_equal(circe_wl_list_build(&again, nodes, nb, 16u << 20, seed), 0);
	packed2 = malloc(circe_wl_list_packed_bytes(&again));
	assert_int_equal(circe_wl_list_pack(&again, packed2, (size_t)nodes * nb, 0x1000), 0);
	assert_int_equal(circe_wl_list_pack(&l, packed, (size_t)nodes * nb, 0x1000), 0);
	assert_memory_equal(packed, packed2, (size_t)nodes * nb);
	circe_wl_list_free(&again);

	/* bad shapes */
	assert_int_equal(circe_wl_list_build(&again, 0, nb, 4096, seed), -EINVAL);
	assert_int_equal(circe_wl_list_build(&again, 10, 12, 4096, seed), -EINVAL);
	assert_int_equal(circe_wl_list_build(&again, 10, 8, 4096, seed), -EINVAL);
	assert_int_equal(circe_wl_list_build(&again, 100, 64, 64 * 99, seed), -EINVAL);

	circe_wl_list_free(&l);
	circe_wl_list_free(NULL);
	free(seen);
	free(packed);
	free(packed2);
	free(a);
	free(b);
}

static void test_csr(void **state)
{
	uint64_t seed = tu_seed("workloads_csr", 12);
	struct circe_wl_csr m;

	(void)state;
	assert_int_equal(circe_wl_csr_build(&m, 500, 3000, 17, seed), 0);
	assert_int_equal(m.nnz, 500 * 17);
	assert_int_equal(m.row_ptr[0], 0);
	assert_int_equal(m.row_ptr[m.rows], (int32_t)m.nnz);
	for (uint32_t r = 0; r < m.rows; r++) {
		assert_int_equal(m.row_ptr[r + 1] - m.row_ptr[r], 17);
		for (int32_t j = m.row_ptr[r]; j < m.row_ptr[r + 1]; j++) {
			assert_true(m.col_idx[j] >= 0 && (uint32_t)m.col_idx[j] < m.cols);
			if (j > m.row_ptr[r])
				assert_true(m.col_idx[j] > m.col_idx[j - 1]);
		}
	}
	circe_wl_csr_free(&m);
	/* every column of a full row */
	assert_int_equal(circe_wl_csr_build(&m, 3, 5, 5, seed), 0);
	for (int32_t j = 0; j < 5; j++)
		assert_int_equal(m.col_idx[5 + j], j);
	circe_wl_csr_free(&m);
	assert_int_equal(circe_wl_csr_build(&m, 0, 5, 1, seed), -EINVAL);
	assert_int_equal(circe_wl_csr_build(&m, 3, 5, 6, seed), -EINVAL);
	assert_int_equal(circe_wl_csr_build(&m, 3, 0, 0, seed), -EINVAL);
	circe_wl_csr_free(NULL);
}

/* Leaf value of one tree at root (addresses are host pointers), and the
 * number of edges followed. */
static int32_t wl_tree_eval(uint64_t root, const int32_t *x, uint32_t *edges)
{
	const struct circe_hw_tree_node *n = (const void *)(uintptr_t)root;

	*edges = 0;
	while (n->feature != CIRCE_HW_TREE_LEAF) {
		n = (const void *)(uintptr_t)(x[n->feature] <= n->threshold ? n->left_va
									    : n->right_va);
		(*edges)++;
	}
	return n->leaf_value;
}

static void test_forest(void **state)
{
	uint64_t seed = tu_seed("workloads_forest", 13);
	struct circe_wl_forest f;
	uint8_t *packed;
	size_t roots_off, bytes;
	uint32_t edges;

	(void)state;
	assert_int_equal(circe_wl_forest_build(&f, 20, 8, 50, 8u << 20, seed), 0);
	assert_int_equal(f.nodes, 20 * 511);
	bytes = circe_wl_forest_packed_bytes(&f);
	assert_int_equal(bytes, (size_t)f.nodes * 32 + 20 * 8);
	packed = aligned_alloc(32, (bytes + 31) & ~(size_t)31);
	assert_int_equal(circe_wl_forest_pack(&f, packed, bytes - 1, 0, &roots_off), -ENOSPC);
	assert_int_equal(circe_wl_forest_pack(&f, packed, bytes, (uintptr_t)packed, &roots_off), 0);
	assert_int_equal(roots_off, (size_t)f.nodes * 32);
	for (uint32_t t = 0; t < f.trees; t++) {
		uint64_t root = wl_u64(packed + roots_off + 8 * t);
		int32_t want = wl_tree_eval(f.roots[t], f.x, &edges);

		assert_int_equal(edges, f.depth); /* full trees */
		assert_true(root >= (uintptr_t)packed && root < (uintptr_t)packed + roots_off);
		assert_int_equal(wl_tree_eval(root, f.x, &edges), want);
		assert_int_equal(edges, f.depth);
		assert_int_equal(f.roots[t] % CIRCE_HW_TREE_NODE_ALIGN, 0);
	}
	free(packed);
	circe_wl_forest_free(&f);
	assert_int_equal(circe_wl_forest_build(&f, 0, 3, 4, 1u << 20, seed), -EINVAL);
	assert_int_equal(circe_wl_forest_build(&f, 1, 21, 4, 1u << 30, seed), -EINVAL);
	assert_int_equal(circe_wl_forest_build(&f, 1, 3, 0, 1u << 20, seed), -EINVAL);
	assert_int_equal(circe_wl_forest_build(&f, 4, 3, 4, 4 * 15 * 32 - 1, seed), -EINVAL);
	circe_wl_forest_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_forest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
