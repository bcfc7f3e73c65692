/* SPDX-License-Identifier: Apache-2.0 */
/* Workloads of the SVM studies: see workloads.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "host/workloads.h"

#define CIRCE_WL_HUGE (2u << 20)

uint64_t circe_wl_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The first n entries of a random permutation of [0, slots): distinct
 * random slots, in random order. */
static uint32_t *circe_wl_random_slots(size_t slots, uint32_t n, uint64_t *rng)
{
	uint32_t *perm = malloc(slots * sizeof(*perm));

	if (!perm)
		return NULL;
	for (size_t i = 0; i < slots; i++)
		perm[i] = (uint32_t)i;
	for (uint32_t i = 0; i < n; i++) {
		size_t j = i + (size_t)(circe_wl_rand(rng) % (slots - i));
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	return perm;
}

/* Large buffers start on a 2 MiB boundary, so that registering one maps
 * whole 2 MiB pages (circe bench svm --pages 2m); small ones on a page. */
static void *circe_wl_alloc(size_t bytes)
{
	size_t align = bytes >= CIRCE_WL_HUGE ? CIRCE_WL_HUGE : 4096;
	void *p = NULL;

	if (posix_memalign(&p, align, bytes ? bytes : 1))
		return NULL;
	return p;
}

/* An arena whose slot count fits the uint32 slot indexes above. */
static int circe_wl_arena(uint8_t **arena, size_t bytes, size_t slot, size_t need, const char *what)
{
	if (bytes < need)
		return circe_err(-EINVAL, "%s: arena of %zu bytes is smaller than the %zu it holds",
				 what, bytes, need);
	if (bytes / slot > UINT32_MAX)
		return circe_err(-EINVAL, "%s: arena of %zu bytes has too many slots", what, bytes);
	*arena = circe_wl_alloc(bytes);
	if (!*arena)
		return circe_err(-ENOMEM, "%s: no memory for a %zu-byte arena", what, bytes);
	memset(*arena, 0, bytes);
	return 0;
}

/* ---- linked list ---------------------------------------------------- */

int circe_wl_list_build(struct circe_wl_list *l, uint32_t nodes, uint32_t node_bytes,
			size_t arena_bytes, uint64_t seed)
{
	uint64_t rng = seed;
	uint32_t *slot;
	int rc;

	memset(l, 0, sizeof(*l));
	if (!nodes || node_bytes < 16 || node_bytes % 8)
		return circe_err(-EINVAL,
				 "list: %u nodes of %u bytes (need >= 1 node, >= 16 bytes, a "
				 "multiple of 8)",
				 nodes, node_bytes);
	rc = circe_wl_arena(&l->arena, arena_bytes, node_bytes, (size_t)nodes * node_bytes, "list");
	if (rc)
		return rc;
	slot = circe_wl_random_slots(arena_bytes / node_bytes, nodes, &rng);
	if (!slot) {
		free(l->arena);
		l->arena = NULL;
		return circe_err(-ENOMEM, "list: no memory for the slot permutation");
	}
	l->arena_bytes = arena_bytes;
	l->nodes = nodes;
	l->node_bytes = node_bytes;
	l->next_off = 0;
	l->val_off = 8;
	l->head = l->arena + (size_t)slot[0] * node_bytes;
	for (uint32_t i = 0; i < nodes; i++) {
		uint8_t *n = l->arena + (size_t)slot[i] * node_bytes;
		uint64_t next =
			i + 1 < nodes
				? (uint64_t)(uintptr_t)(l->arena + (size_t)slot[i + 1] * node_bytes)
				: 0;
		uint64_t val = circe_wl_rand(&rng);

		memcpy(n + l->next_off, &next, 8);
		memcpy(n + l->val_off, &val, 8);
	}
	free(slot);
	return 0;
}

void circe_wl_list_free(struct circe_wl_list *l)
{
	if (!l)
		return;
	free(l->arena);
	memset(l, 0, sizeof(*l));
}

size_t circe_wl_list_packed_bytes(const struct circe_wl_list *l)
{
	return (size_t)l->nodes * l->node_bytes;
}

int circe_wl_list_pack(const struct circe_wl_list *l, uint8_t *dst, size_t cap,
		       uint64_t device_base)
{
	const uint8_t *n = l->head;
	size_t need = circe_wl_list_packed_bytes(l);

	if (cap < need)
		return circe_err(-ENOSPC, "list pack: %zu bytes needed, %zu given", need, cap);
	for (uint32_t i = 0; i < l->nodes && n; i++) {
		uint8_t *d = dst + (size_t)i * l->node_bytes;
		uint64_t next;

		memcpy(d, n, l->node_bytes);
		memcpy(&next, n + l->next_off, 8);
		next = next ? device_base + (uint64_t)(i + 1) * l->node_bytes : 0;
		memcpy(d + l->next_off, &next, 8);
		memcpy(&next, n + l->next_off, 8);
		n = (const uint8_t *)(uintptr_t)next;
	}
	return 0;
}

/* ---- CSR matrix ----------------------------------------------------- */

static int circe_wl_cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int circe_wl_csr_build(struct circe_wl_csr *m, uint32_t rows, uint32_t cols, uint32_t nnz_per_row,
		       uint64_t seed)
{
	uint64_t rng = seed, nnz = (uint64_t)rows * nnz_per_row;
	uint32_t *cand = NULL;

	memset(m, 0, sizeof(*m));
	if (!rows || !cols || nnz_per_row > cols || nnz > CIRCE_HW_SPMV_MAX_NNZ ||
	    rows > CIRCE_HW_SPMV_MAX_ROWS)
		return circe_err(-EINVAL, "csr: %u x %u with %u entries per row", rows, cols,
				 nnz_per_row);
	m->row_ptr = circe_wl_alloc(((size_t)rows + 1) * sizeof(int32_t));
	m->col_idx = circe_wl_alloc(nnz * sizeof(int32_t));
	m->values = circe_wl_alloc(nnz);
	m->x = circe_wl_alloc(cols);
	cand = malloc((size_t)cols * sizeof(*cand));
	if (!m->row_ptr || !m->col_idx || !m->values || !m->x || !cand) {
		free(cand);
		circe_wl_csr_free(m);
		return circe_err(-ENOMEM, "csr: no memory for %u x %u, %llu entries", rows, cols,
				 (unsigned long long)nnz);
	}
	m->rows = rows;
	m->cols = cols;
	m->nnz = (uint32_t)nnz;
	for (uint32_t c = 0; c < cols; c++) {
		cand[c] = c;
		m->x[c] = (int8_t)circe_wl_rand(&rng);
	}
	for (uint32_t r = 0; r <= rows; r++)
		m->row_ptr[r] = (int32_t)((uint64_t)r * nnz_per_row);
	for (uint32_t r = 0; r < rows; r++) {
		int32_t *row = m->col_idx + (size_t)r * nnz_per_row;

		/* distinct columns: a partial shuffle of the candidates */
		for (uint32_t i = 0; i < nnz_per_row; i++) {
			uint32_t j = i + (uint32_t)(circe_wl_rand(&rng) % (cols - i)), t = cand[i];

			cand[i] = cand[j];
			cand[j] = t;
			row[i] = (int32_t)cand[i];
			m->values[(size_t)r * nnz_per_row + i] = (int8_t)circe_wl_rand(&rng);
		}
		qsort(row, nnz_per_row, sizeof(*row), circe_wl_cmp_i32);
	}
	free(cand);
	return 0;
}

void circe_wl_csr_free(struct circe_wl_csr *m)
{
	if (!m)
		return;
	free(m->row_ptr);
	free(m->col_idx);
	free(m->values);
	free(m->x);
	memset(m, 0, sizeof(*m));
}

/* ---- random forest -------------------------------------------------- */

int circe_wl_forest_build(struct circe_wl_forest *f, uint32_t trees, uint32_t depth,
			  uint32_t features, size_t arena_bytes, uint64_t seed)
{
	const size_t nb = sizeof(struct circe_hw_tree_node);
	uint64_t rng = seed, per_tree;
	uint32_t *slot;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!trees || depth > 20 || !features || features > CIRCE_HW_FOREST_MAX_FEATURES ||
	    trees > CIRCE_HW_FOREST_MAX_TREES)
		return circe_err(-EINVAL, "forest: %u trees of depth %u over %u features", trees,
				 depth, features);
	per_tree = (2ull << depth) - 1;
	if (per_tree * trees > UINT32_MAX)
		return circe_err(-EINVAL, "forest: %u trees of depth %u is too many nodes", trees,
				 depth);
	f->nodes = (uint32_t)(per_tree * trees);
	rc = circe_wl_arena(&f->arena, arena_bytes, nb, (size_t)f->nodes * nb, "forest");
	if (rc)
		return rc;
	f->arena_bytes = arena_bytes;
	f->roots = malloc((size_t)trees * sizeof(*f->roots));
	f->x = malloc((size_t)features * sizeof(*f->x));
	slot = circe_wl_random_slots(arena_bytes / nb, f->nodes, &rng);
	if (!f->roots || !f->x || !slot) {
		free(slot);
		circe_wl_forest_free(f);
		return circe_err(-ENOMEM, "forest: no memory for %u nodes", f->nodes);
	}
	f->trees = trees;
	f->depth = depth;
	f->features = features;
	for (uint32_t i = 0; i < features; i++)
		f->x[i] = (int32_t)(circe_wl_rand(&rng) % 2001) - 1000;
	/* Tree t's node k (heap order: children of k are 2k+1, 2k+2) sits at
	 * slot[t * per_tree + k]. */
	for (uint32_t t = 0; t < trees; t++) {
		for (uint64_t k = 0; k < per_tree; k++) {
			struct circe_hw_tree_node *n =
				(void *)(f->arena + (size_t)slot[t * per_tree + k] * nb);

			memset(n, 0, sizeof(*n));
			if (2 * k + 1 < per_tree) {
				n->left_va =
					(uint64_t)(uintptr_t)(f->arena + (size_t)slot[t * per_tree +
										      2 * k + 1] *
										 nb);
				n->right_va =
					(uint64_t)(uintptr_t)(f->arena + (size_t)slot[t * per_tree +
										      2 * k + 2] *
										 nb);
				n->feature = (uint32_t)(circe_wl_rand(&rng) % features);
				n->threshold = (int32_t)(circe_wl_rand(&rng) % 2001) - 1000;
			} else {
				n->feature = CIRCE_HW_TREE_LEAF;
				n->leaf_value = (int32_t)(circe_wl_rand(&rng) % 201) - 100;
			}
		}
		f->roots[t] = (uint64_t)(uintptr_t)(f->arena + (size_t)slot[t * per_tree] * nb);
	}
	free(slot);
	return 0;
}

void circe_wl_forest_free(struct circe_wl_forest *f)
{
	if (!f)
		return;
	free(f->arena);
	free(f->roots);
	free(f->x);
	memset(f, 0, sizeof(*f));
}

size_t circe_wl_forest_packed_bytes(const struct circe_wl_forest *f)
{
	return (size_t)f->nodes * sizeof(struct circe_hw_tree_node) +
	       (size_t)f->trees * sizeof(uint64_t);
}

/* Copy the subtree at src depth first to dst[*next...]; returns its new
 * address. The trees are full and at most 20 deep, so the recursion is
 * bounded. */
static uint64_t circe_wl_forest_copy(const struct circe_hw_tree_node *src,
				     struct circe_hw_tree_node *dst, uint32_t *next,
				     uint64_t device_base)
{
	uint32_t me = (*next)++;

	dst[me] = *src;
	if (src->feature != CIRCE_HW_TREE_LEAF) {
		dst[me].left_va = circe_wl_forest_copy(
			(const struct circe_hw_tree_node *)(uintptr_t)src->left_va, dst, next,
			device_base);
		dst[me].right_va = circe_wl_forest_copy(
			(const struct circe_hw_tree_node *)(uintptr_t)src->right_va, dst, next,
			device_base);
	}
	return device_base + (uint64_t)me * sizeof(*dst);
}

int circe_wl_forest_pack(const struct circe_wl_forest *f, uint8_t *dst, size_t cap,
			 uint64_t device_base, size_t *roots_off)
{
	size_t need = circe_wl_forest_packed_bytes(f);
	size_t off = (size_t)f->nodes * sizeof(struct circe_hw_tree_node);
	uint32_t next = 0;

	if (cap < need)
		return circe_err(-ENOSPC, "forest pack: %zu bytes needed, %zu given", need, cap);
	for (uint32_t t = 0; t < f->trees; t++) {
		uint64_t root = circe_wl_forest_copy(
			(const struct circe_hw_tree_node *)(uintptr_t)f->roots[t],
			(struct circe_hw_tree_node *)dst, &next, device_base);

		memcpy(dst + off + (size_t)t * sizeof(uint64_t), &root, sizeof(root));
	}
	*roots_off = off;
	return 0;
}
