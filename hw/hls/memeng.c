/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory-engine commands (COPY, PCHASE, SPMV, FOREST): the reference of
 * include/circe/hw.h's definitions, including the order of every memory
 * access, since that order decides which fault a bad pointer raises. All
 * memory goes through a struct circe_hls_mem, so the same code is the
 * functional model's compute (accesses translated by its MMU) and the
 * bench's reference (accesses into a flat memory image).
 *
 * Local state is bounded (one page of bounce buffer, one chunk of CSR
 * entries): what an RTL engine would hold, no allocation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "circe/hw.h"
#include "hw/hls/circe_hls.h"

#define CIRCE_HLS_PAGE CIRCE_HW_PAGE_SIZE

/* Bytes from va to the end of its page. */
static uint64_t circe_hls_page_left(uint64_t va)
{
	return CIRCE_HLS_PAGE - (va & (CIRCE_HLS_PAGE - 1u));
}

/* Read len bytes at va in pieces that never cross a page, in address
 * order. 0, or the port's nonzero result. */
static int circe_hls_mem_read(const struct circe_hls_mem *mem, uint64_t va, void *dst, uint64_t len)
{
	uint8_t *p = dst;

	while (len) {
		uint64_t piece = circe_hls_page_left(va);
		int rc;

		if (piece > len)
			piece = len;
		rc = mem->read(mem->ctx, va, p, (uint32_t)piece);
		if (rc)
			return rc;
		va += piece;
		p += piece;
		len -= piece;
	}
	return 0;
}

static int circe_hls_mem_write(const struct circe_hls_mem *mem, uint64_t va, const void *src,
			       uint64_t len)
{
	const uint8_t *p = src;

	while (len) {
		uint64_t piece = circe_hls_page_left(va);
		int rc;

		if (piece > len)
			piece = len;
		rc = mem->write(mem->ctx, va, p, (uint32_t)piece);
		if (rc)
			return rc;
		va += piece;
		p += piece;
		len -= piece;
	}
	return 0;
}

uint64_t circe_hls_pchase_mix(uint64_t checksum, uint64_t value)
{
	return ((checksum << CIRCE_HW_PCHASE_CHECKSUM_ROTL) |
		(checksum >> (64u - CIRCE_HW_PCHASE_CHECKSUM_ROTL))) ^
	       value;
}

/* Do [a, a + n) and [b, b + n) share a byte? Exact without overflow. */
static bool circe_hls_overlap(uint64_t a, uint64_t b, uint64_t n)
{
	return a <= b ? b - a < n : a - b < n;
}

uint32_t circe_hls_memeng_check(const union circe_hw_desc *d)
{
	switch (d->head.opcode) {
	case CIRCE_HW_OP_COPY: {
		const struct circe_hw_desc_copy *c = &d->copy;

		if (c->flags)
			return CIRCE_HW_ILL_FLAGS;
		if (c->bytes == 0 || c->bytes > CIRCE_HW_COPY_MAX_BYTES)
			return CIRCE_HW_ILL_DIMS;
		if (circe_hls_overlap(c->src_va, c->dst_va, c->bytes))
			return CIRCE_HW_ILL_OVERLAP;
		return 0;
	}
	case CIRCE_HW_OP_PCHASE: {
		const struct circe_hw_desc_pchase *p = &d->pchase;

		if (p->flags & ~CIRCE_HW_PCHASE_FLAGS_ALL)
			return CIRCE_HW_ILL_FLAGS;
		if (p->max_nodes == 0 || p->next_off > CIRCE_HW_PCHASE_MAX_OFF ||
		    p->val_off > CIRCE_HW_PCHASE_MAX_OFF)
			return CIRCE_HW_ILL_DIMS;
		if ((p->next_off | p->val_off) & 7u || (p->start_va | p->result_va) & 7u)
			return CIRCE_HW_ILL_ALIGN;
		return 0;
	}
	case CIRCE_HW_OP_SPMV: {
		const struct circe_hw_desc_spmv *s = &d->spmv;

		if (s->flags)
			return CIRCE_HW_ILL_FLAGS;
		if (s->rows == 0 || s->rows > CIRCE_HW_SPMV_MAX_ROWS || s->cols == 0 ||
		    s->cols > CIRCE_HW_SPMV_MAX_COLS || s->nnz > CIRCE_HW_SPMV_MAX_NNZ)
			return CIRCE_HW_ILL_DIMS;
		if ((s->row_ptr_va | s->col_idx_va | s->y_va) & 3u)
			return CIRCE_HW_ILL_ALIGN;
		return 0;
	}
	case CIRCE_HW_OP_FOREST: {
		const struct circe_hw_desc_forest *f = &d->forest;

		if (f->flags & ~CIRCE_HW_FOREST_FLAGS_ALL)
			return CIRCE_HW_ILL_FLAGS;
		if (f->trees == 0 || f->trees > CIRCE_HW_FOREST_MAX_TREES || f->features == 0 ||
		    f->features > CIRCE_HW_FOREST_MAX_FEATURES || f->max_depth == 0 ||
		    f->max_depth > CIRCE_HW_FOREST_MAX_DEPTH)
			return CIRCE_HW_ILL_DIMS;
		if ((f->roots_va & 7u) || ((f->x_va | f->out_va) & 3u))
			return CIRCE_HW_ILL_ALIGN;
		return 0;
	}
	default:
		return CIRCE_HW_ILL_OPCODE;
	}
}

static uint32_t circe_hls_copy(const struct circe_hw_desc_copy *d, const struct circe_hls_mem *mem)
{
	uint8_t buf[CIRCE_HLS_PAGE];
	uint64_t done = 0;

	while (done < d->bytes) {
		uint64_t src = d->src_va + done, dst = d->dst_va + done;
		uint64_t piece = d->bytes - done;

		if (piece > circe_hls_page_left(src))
			piece = circe_hls_page_left(src);
		if (piece > circe_hls_page_left(dst))
			piece = circe_hls_page_left(dst);
		if (mem->read(mem->ctx, src, buf, (uint32_t)piece) ||
		    mem->write(mem->ctx, dst, buf, (uint32_t)piece))
			return CIRCE_HLS_MEMENG_STOPPED;
		done += piece;
	}
	return 0;
}

static uint32_t circe_hls_pchase(const struct circe_hw_desc_pchase *d,
				 const struct circe_hls_mem *mem)
{
	struct circe_hw_pchase_result r = { 0 };
	uint64_t node = d->start_va;

	while (r.nodes < d->max_nodes) {
		uint64_t value, next;

		if (node == 0 && (d->flags & CIRCE_HW_PCHASE_STOP_NULL))
			break;
		if (node & 7u)
			return CIRCE_HW_ILL_ALIGN;
		/* 8-byte words at 8-byte aligned addresses: never across a page. */
		if (mem->read(mem->ctx, node + d->val_off, &value, sizeof(value)) ||
		    mem->read(mem->ctx, node + d->next_off, &next, sizeof(next)))
			return CIRCE_HLS_MEMENG_STOPPED;
		r.checksum = circe_hls_pchase_mix(r.checksum, value);
		r.last_va = node;
		r.nodes++;
		node = next;
	}
	r.next_va = node;
	/* 8-byte aligned, so it may straddle a page: two pieces then. */
	if (circe_hls_mem_write(mem, d->result_va, &r, sizeof(r)))
		return CIRCE_HLS_MEMENG_STOPPED;
	return 0;
}

static uint32_t circe_hls_spmv(const struct circe_hw_desc_spmv *d, const struct circe_hls_mem *mem)
{
	int32_t ptr[CIRCE_HW_SPMV_CHUNK], col[CIRCE_HW_SPMV_CHUNK];
	int8_t val[CIRCE_HW_SPMV_CHUNK];
	int32_t prev = 0;

	/* Pass 1: the whole row_ptr, checked before anything is written. */
	for (uint64_t i = 0; i <= d->rows; i += CIRCE_HW_SPMV_CHUNK) {
		uint64_t n = (uint64_t)d->rows + 1 - i;

		if (n > CIRCE_HW_SPMV_CHUNK)
			n = CIRCE_HW_SPMV_CHUNK;
		if (circe_hls_mem_read(mem, d->row_ptr_va + 4u * i, ptr, 4u * n))
			return CIRCE_HLS_MEMENG_STOPPED;
		for (uint64_t j = 0; j < n; j++) {
			if ((i + j == 0 && ptr[j] != 0) || ptr[j] < prev)
				return CIRCE_HW_ILL_INDEX;
			prev = ptr[j];
		}
	}
	if ((uint32_t)prev != d->nnz)
		return CIRCE_HW_ILL_INDEX;

	/* Pass 2: row by row. */
	for (uint32_t r = 0; r < d->rows; r++) {
		int32_t bounds[2];
		uint32_t acc = 0; /* int32 arithmetic with two's-complement wrap */

		if (circe_hls_mem_read(mem, d->row_ptr_va + 4u * (uint64_t)r, bounds,
				       sizeof(bounds)))
			return CIRCE_HLS_MEMENG_STOPPED;
		for (uint64_t j0 = (uint32_t)bounds[0]; j0 < (uint32_t)bounds[1];
		     j0 += CIRCE_HW_SPMV_CHUNK) {
			uint64_t n = (uint32_t)bounds[1] - j0;

			if (n > CIRCE_HW_SPMV_CHUNK)
				n = CIRCE_HW_SPMV_CHUNK;
			if (circe_hls_mem_read(mem, d->col_idx_va + 4u * j0, col, 4u * n) ||
			    circe_hls_mem_read(mem, d->val_va + j0, val, n))
				return CIRCE_HLS_MEMENG_STOPPED;
			for (uint64_t j = 0; j < n; j++) {
				int8_t x;

				if (col[j] < 0 || (uint32_t)col[j] >= d->cols)
					return CIRCE_HW_ILL_INDEX;
				if (mem->read(mem->ctx, d->x_va + (uint32_t)col[j], &x, 1))
					return CIRCE_HLS_MEMENG_STOPPED;
				acc += (uint32_t)((int32_t)val[j] * (int32_t)x);
			}
		}
		if (mem->write(mem->ctx, d->y_va + 4u * (uint64_t)r, &acc, sizeof(acc)))
			return CIRCE_HLS_MEMENG_STOPPED;
	}
	return 0;
}

static uint32_t circe_hls_forest(const struct circe_hw_desc_forest *d,
				 const struct circe_hls_mem *mem)
{
	uint32_t sum = 0; /* int32 with two's-complement wrap */

	for (uint32_t t = 0; t < d->trees; t++) {
		struct circe_hw_tree_node nd;
		uint64_t node;
		uint32_t depth = 0;

		if (mem->read(mem->ctx, d->roots_va + 8u * (uint64_t)t, &node, sizeof(node)))
			return CIRCE_HLS_MEMENG_STOPPED;
		for (;;) {
			int32_t x;

			if (node & (CIRCE_HW_TREE_NODE_ALIGN - 1u))
				return CIRCE_HW_ILL_ALIGN;
			if (mem->read(mem->ctx, node, &nd, sizeof(nd)))
				return CIRCE_HLS_MEMENG_STOPPED;
			if (nd.feature == CIRCE_HW_TREE_LEAF)
				break;
			if (nd.feature >= d->features)
				return CIRCE_HW_ILL_INDEX;
			if (mem->read(mem->ctx, d->x_va + 4u * (uint64_t)nd.feature, &x, sizeof(x)))
				return CIRCE_HLS_MEMENG_STOPPED;
			if (++depth > d->max_depth)
				return CIRCE_HW_ILL_DEPTH;
			node = x <= nd.threshold ? nd.left_va : nd.right_va;
		}
		if (d->flags & CIRCE_HW_FOREST_PER_TREE) {
			if (mem->write(mem->ctx, d->out_va + 4u * (uint64_t)t, &nd.leaf_value,
				       sizeof(nd.leaf_value)))
				return CIRCE_HLS_MEMENG_STOPPED;
		} else {
			sum += (uint32_t)nd.leaf_value;
		}
	}
	if (!(d->flags & CIRCE_HW_FOREST_PER_TREE) &&
	    mem->write(mem->ctx, d->out_va, &sum, sizeof(sum)))
		return CIRCE_HLS_MEMENG_STOPPED;
	return 0;
}

uint32_t circe_hls_memeng(const union circe_hw_desc *d, const struct circe_hls_mem *mem)
{
	uint32_t ill = circe_hls_memeng_check(d);

	if (ill)
		return ill;
	switch (d->head.opcode) {
	case CIRCE_HW_OP_COPY:
		return circe_hls_copy(&d->copy, mem);
	case CIRCE_HW_OP_PCHASE:
		return circe_hls_pchase(&d->pchase, mem);
	case CIRCE_HW_OP_SPMV:
		return circe_hls_spmv(&d->spmv, mem);
	default:
		return circe_hls_forest(&d->forest, mem);
	}
}
