/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Workloads of the SVM studies (circe bench svm, docs/svm.md): the data a
 * memory-engine command works on, built in ordinary process memory, and the
 * packed copy that copy-based offload makes of it.
 *
 * Pointer-rich structures are laid out the way a program's heap leaves
 * them: nodes at random slots of an arena larger than the nodes need, so a
 * traversal jumps between pages. Zero-copy SVM hands the device these
 * pointers as they are. Copy-based offload must first gather the nodes into
 * one contiguous buffer the device can reach (as into a pinned DMA buffer)
 * and rewrite every pointer to where the node landed; circe_wl_*_pack do
 * that work, which is host time the comparison counts.
 *
 * All data depend on the seed alone (splitmix64), on every platform.
 * Buffers of 2 MiB and more (arenas, CSR arrays) start on a 2 MiB
 * boundary, so that a registration can map them with 2 MiB pages.
 */
#ifndef CIRCE_HOST_WORKLOADS_H
#define CIRCE_HOST_WORKLOADS_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64 step: the house generator of host-side random data. */
uint64_t circe_wl_rand(uint64_t *state);

/* A singly linked list: node i of the traversal order holds a 64-bit value
 * at val_off and the next node's address at next_off (NULL after the last).
 * The nodes sit at distinct random node_bytes-sized slots of arena. */
struct circe_wl_list {
	uint8_t *arena;
	size_t arena_bytes;
	uint8_t *head;
	uint32_t nodes;
	uint32_t node_bytes; /* multiple of 8, >= 16 */
	uint32_t next_off;   /* 0 */
	uint32_t val_off;    /* 8 */
};

/* nodes >= 1, node_bytes a multiple of 8 and >= 16, arena_bytes >= nodes *
 * node_bytes (rounded up to whole slots; the rest is the spread). -EINVAL
 * otherwise, -ENOMEM. */
int circe_wl_list_build(struct circe_wl_list *l, uint32_t nodes, uint32_t node_bytes,
			size_t arena_bytes, uint64_t seed);
void circe_wl_list_free(struct circe_wl_list *l);

/* Bytes circe_wl_list_pack needs. */
size_t circe_wl_list_packed_bytes(const struct circe_wl_list *l);

/* Copy the nodes in traversal order to dst (capacity cap) and rewrite each
 * next pointer to the address its node has at device_base (the VA the
 * device will use for dst). -ENOSPC if cap is short. */
int circe_wl_list_pack(const struct circe_wl_list *l, uint8_t *dst, size_t cap,
		       uint64_t device_base);

/* A CSR matrix [rows][cols] with int8 values, and an int8 vector x [cols]:
 * nnz_per_row entries per row at distinct random columns, sorted. */
struct circe_wl_csr {
	int32_t *row_ptr; /* [rows + 1] */
	int32_t *col_idx; /* [nnz] */
	int8_t *values;	  /* [nnz] */
	int8_t *x;	  /* [cols] */
	uint32_t rows, cols, nnz;
};

/* rows, cols >= 1, nnz_per_row <= cols. -EINVAL, -ENOMEM. */
int circe_wl_csr_build(struct circe_wl_csr *m, uint32_t rows, uint32_t cols, uint32_t nnz_per_row,
		       uint64_t seed);
void circe_wl_csr_free(struct circe_wl_csr *m);

/* A random forest of full binary trees of a given depth (depth edges from
 * root to every leaf) over int32 features: nodes of struct
 * circe_hw_tree_node at random 32-byte slots of arena, children by address;
 * roots[t] the root of tree t; x the feature vector. */
struct circe_wl_forest {
	uint8_t *arena;
	size_t arena_bytes;
	uint64_t *roots; /* [trees] */
	int32_t *x;	 /* [features] */
	uint32_t trees, depth, features;
	uint32_t nodes; /* trees * (2^(depth+1) - 1) */
};

/* trees >= 1, depth in [0, 20], features >= 1, arena_bytes >= nodes * 32.
 * -EINVAL, -ENOMEM. */
int circe_wl_forest_build(struct circe_wl_forest *f, uint32_t trees, uint32_t depth,
			  uint32_t features, size_t arena_bytes, uint64_t seed);
void circe_wl_forest_free(struct circe_wl_forest *f);

/* Bytes circe_wl_forest_pack needs: the nodes, then the roots array. */
size_t circe_wl_forest_packed_bytes(const struct circe_wl_forest *f);

/* Copy every tree's nodes (depth first) to dst, rewrite child pointers to
 * their addresses at device_base, and put the new roots array after the
 * nodes; *roots_off is its byte offset in dst. -ENOSPC if cap is short. */
int circe_wl_forest_pack(const struct circe_wl_forest *f, uint8_t *dst, size_t cap,
			 uint64_t device_base, size_t *roots_off);

#endif
