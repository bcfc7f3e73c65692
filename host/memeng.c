/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory-engine commands from the host: check the arguments the caller can
 * get wrong, build descriptors (docs/memeng.md) and run them as one job.
 *
 * As for GEMM, data pointers are not checked against registrations here:
 * the device translates them and an unregistered one ends the job with
 * -EFAULT, so that the MMU path is the one thing that decides. Alignment
 * and counts are checked, since the device would only answer "illegal".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"
#include "driver/driver.h"
#include "host/memeng.h"

/* The public node is the device's node. */
_Static_assert(sizeof(struct circe_tree_node) == sizeof(struct circe_hw_tree_node),
	       "tree node size");
_Static_assert(offsetof(struct circe_tree_node, left) ==
		       offsetof(struct circe_hw_tree_node, left_va),
	       "tree node left");
_Static_assert(offsetof(struct circe_tree_node, right) ==
		       offsetof(struct circe_hw_tree_node, right_va),
	       "tree node right");
_Static_assert(offsetof(struct circe_tree_node, feature) ==
		       offsetof(struct circe_hw_tree_node, feature),
	       "tree node feature");
_Static_assert(offsetof(struct circe_tree_node, leaf_value) ==
		       offsetof(struct circe_hw_tree_node, leaf_value),
	       "tree node leaf_value");
_Static_assert(CIRCE_TREE_LEAF == CIRCE_HW_TREE_LEAF, "leaf marker");
_Static_assert(sizeof(struct circe_pchase_result) == sizeof(struct circe_hw_pchase_result),
	       "pchase result");

static double circe_memeng_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t circe_memeng_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void circe_memeng_fill_copy(struct circe_hw_desc_copy *d, uint64_t dst_va, uint64_t src_va,
			    uint64_t bytes)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_COPY;
	d->bytes = bytes;
	d->src_va = src_va;
	d->dst_va = dst_va;
	d->status.code = CIRCE_HW_ST_PENDING;
}

void circe_memeng_fill_pchase(struct circe_hw_desc_pchase *d, const struct circe_pchase *p,
			      uint64_t result_va)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_PCHASE;
	d->flags = p->stop_at_null ? CIRCE_HW_PCHASE_STOP_NULL : 0;
	d->start_va = circe_memeng_va(p->start);
	d->next_off = (uint32_t)p->next_offset;
	d->val_off = (uint32_t)p->value_offset;
	d->max_nodes = p->max_nodes;
	d->result_va = result_va;
	d->status.code = CIRCE_HW_ST_PENDING;
}

void circe_memeng_fill_spmv(struct circe_hw_desc_spmv *d, const struct circe_spmv *s)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_SPMV;
	d->rows = (uint32_t)s->rows;
	d->cols = (uint32_t)s->cols;
	d->nnz = (uint32_t)s->nnz;
	d->row_ptr_va = circe_memeng_va(s->row_ptr);
	d->col_idx_va = circe_memeng_va(s->col_idx);
	d->val_va = circe_memeng_va(s->values);
	d->x_va = circe_memeng_va(s->x);
	d->y_va = circe_memeng_va(s->y);
	d->status.code = CIRCE_HW_ST_PENDING;
}

void circe_memeng_fill_forest(struct circe_hw_desc_forest *d, const struct circe_forest *f)
{
	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_FOREST;
	d->flags = f->per_tree ? CIRCE_HW_FOREST_PER_TREE : 0;
	d->trees = (uint32_t)f->trees;
	d->features = (uint32_t)f->features;
	d->max_depth = f->max_depth ? f->max_depth : CIRCE_HW_FOREST_MAX_DEPTH;
	d->roots_va = circe_memeng_va(f->roots);
	d->x_va = circe_memeng_va(f->x);
	d->out_va = circe_memeng_va(f->out);
	d->status.code = CIRCE_HW_ST_PENDING;
}

/* Run the count descriptors of job (page aligned, job_bytes long, extra
 * data behind the descriptors) and unregister it again. */
static int circe_memeng_run_job(struct circe_ctx *ctx, void *job, size_t job_bytes, uint32_t count,
				struct circe_job_stats *stats)
{
	struct circe_job_result res;
	double start = circe_memeng_now();
	int err, uerr;

	err = circe_mem_register(ctx, job, job_bytes, CIRCE_MEM_RW);
	if (err)
		return err;
	memset(&res, 0, sizeof(res));
	err = circe_ctx_submit(ctx, job, count, &res);
	if (stats) {
		circe_job_stats_from_result(circe_ctx_dev(ctx), &res, stats);
		stats->wall_seconds = circe_memeng_now() - start;
	}
	uerr = circe_mem_unregister(ctx, job, job_bytes);
	return err ? err : uerr;
}

/* A page-aligned, zeroed job buffer of descs descriptors and extra bytes. */
static int circe_memeng_job_alloc(const char *who, size_t descs, size_t extra, void **job,
				  size_t *job_bytes)
{
	size_t bytes;

	if (descs > CIRCE_HW_MAX_CMD_COUNT)
		return circe_err(-E2BIG, "%s: %zu descriptors exceed %u per job", who, descs,
				 CIRCE_HW_MAX_CMD_COUNT);
	bytes = descs * CIRCE_HW_DESC_BYTES + extra;
	bytes = (bytes + CIRCE_HW_PAGE_SIZE - 1) & ~(size_t)(CIRCE_HW_PAGE_SIZE - 1);
	*job = NULL;
	if (posix_memalign(job, CIRCE_HW_PAGE_SIZE, bytes))
		return circe_err(-ENOMEM, "%s: cannot allocate a %zu-byte command list", who,
				 bytes);
	memset(*job, 0, bytes);
	*job_bytes = bytes;
	return 0;
}

/* Prefix the driver's message with the command's name. */
static int circe_memeng_explain(int err, const char *who)
{
	char msg[512];

	if (!err)
		return 0;
	snprintf(msg, sizeof(msg), "%s", circe_errmsg());
	return circe_err(err, "%s: %s", who, msg);
}

int circe_memeng_submit(struct circe_ctx *ctx, union circe_hw_desc *descs, uint32_t count,
			struct circe_job_stats *stats)
{
	size_t job_bytes;
	void *job;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx || !descs || !count)
		return circe_err(-EINVAL, "memeng submit: NULL context, NULL or empty list");
	err = circe_memeng_job_alloc("memeng submit", count, 0, &job, &job_bytes);
	if (err)
		return err;
	memcpy(job, descs, (size_t)count * CIRCE_HW_DESC_BYTES);
	err = circe_memeng_run_job(ctx, job, job_bytes, count, stats);
	for (uint32_t i = 0; i < count; i++)
		descs[i].generic.status = ((union circe_hw_desc *)job)[i].generic.status;
	free(job);
	return err;
}

int circe_copy_run(struct circe_ctx *ctx, void *dst, const void *src, size_t bytes,
		   struct circe_job_stats *stats)
{
	uint64_t s = circe_memeng_va(src), d = circe_memeng_va(dst);
	size_t count, job_bytes;
	union circe_hw_desc *descs;
	void *job;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx)
		return circe_err(-EINVAL, "copy: NULL context");
	if (!bytes)
		return circe_err(-EINVAL, "copy: zero bytes");
	if (s + bytes < s || d + bytes < d)
		return circe_err(-EINVAL,
				 "copy: %zu bytes from 0x%" PRIx64 " to 0x%" PRIx64
				 " wrap the address space",
				 bytes, s, d);
	if (s < d + bytes && d < s + bytes)
		return circe_err(-EINVAL,
				 "copy: source [0x%" PRIx64 ", +%zu) and destination [0x%" PRIx64
				 ", +%zu) overlap",
				 s, bytes, d, bytes);
	count = (bytes - 1) / CIRCE_HW_COPY_MAX_BYTES + 1;
	err = circe_memeng_job_alloc("copy", count, 0, &job, &job_bytes);
	if (err)
		return err;
	descs = job;
	for (size_t i = 0; i < count; i++) {
		uint64_t off = (uint64_t)i * CIRCE_HW_COPY_MAX_BYTES;
		uint64_t n = bytes - off < CIRCE_HW_COPY_MAX_BYTES ? bytes - off
								   : CIRCE_HW_COPY_MAX_BYTES;

		circe_memeng_fill_copy(&descs[i].copy, d + off, s + off, n);
	}
	err = circe_memeng_run_job(ctx, job, job_bytes, (uint32_t)count, stats);
	free(job);
	return circe_memeng_explain(err, "copy");
}

int circe_pchase_run(struct circe_ctx *ctx, const struct circe_pchase *p,
		     struct circe_pchase_result *out, struct circe_job_stats *stats)
{
	union circe_hw_desc *desc;
	struct circe_hw_pchase_result *r;
	size_t job_bytes;
	void *job;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx || !p || !out)
		return circe_err(-EINVAL, "pchase: NULL context, description or result");
	if (!p->max_nodes)
		return circe_err(-EINVAL, "pchase: max_nodes is 0");
	if (p->next_offset > CIRCE_HW_PCHASE_MAX_OFF || p->value_offset > CIRCE_HW_PCHASE_MAX_OFF ||
	    (p->next_offset | p->value_offset) & 7u)
		return circe_err(-EINVAL,
				 "pchase: next_offset %zu and value_offset %zu must be multiples "
				 "of 8 up to %u",
				 p->next_offset, p->value_offset, CIRCE_HW_PCHASE_MAX_OFF);
	if (circe_memeng_va(p->start) & 7u)
		return circe_err(-EINVAL, "pchase: start %p is not 8-byte aligned", p->start);
	err = circe_memeng_job_alloc("pchase", 1, sizeof(*r), &job, &job_bytes);
	if (err)
		return err;
	desc = job;
	r = (struct circe_hw_pchase_result *)(desc + 1);
	circe_memeng_fill_pchase(&desc->pchase, p, circe_memeng_va(r));
	err = circe_memeng_run_job(ctx, job, job_bytes, 1, stats);
	if (!err)
		memcpy(out, r, sizeof(*out));
	free(job);
	return circe_memeng_explain(err, "pchase");
}

int circe_spmv_run(struct circe_ctx *ctx, const struct circe_spmv *s, struct circe_job_stats *stats)
{
	union circe_hw_desc desc;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx || !s)
		return circe_err(-EINVAL, "spmv: NULL context or description");
	if (!s->rows || !s->cols)
		return circe_err(-EINVAL, "spmv: rows %zu and cols %zu must be nonzero", s->rows,
				 s->cols);
	if (s->rows > CIRCE_HW_SPMV_MAX_ROWS || s->cols > CIRCE_HW_SPMV_MAX_COLS ||
	    s->nnz > CIRCE_HW_SPMV_MAX_NNZ)
		return circe_err(-E2BIG,
				 "spmv: rows %zu, cols %zu, nnz %zu above the device limits %u, "
				 "%u, %u",
				 s->rows, s->cols, s->nnz, CIRCE_HW_SPMV_MAX_ROWS,
				 CIRCE_HW_SPMV_MAX_COLS, CIRCE_HW_SPMV_MAX_NNZ);
	if ((circe_memeng_va(s->row_ptr) | circe_memeng_va(s->col_idx) | circe_memeng_va(s->y)) &
	    3u)
		return circe_err(-EINVAL,
				 "spmv: row_ptr %p, col_idx %p and y %p must be 4-byte "
				 "aligned",
				 (const void *)s->row_ptr, (const void *)s->col_idx, (void *)s->y);
	circe_memeng_fill_spmv(&desc.spmv, s);
	err = circe_memeng_submit(ctx, &desc, 1, stats);
	return circe_memeng_explain(err, "spmv");
}

int circe_forest_run(struct circe_ctx *ctx, const struct circe_forest *f,
		     struct circe_job_stats *stats)
{
	union circe_hw_desc desc;
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx || !f)
		return circe_err(-EINVAL, "forest: NULL context or description");
	if (!f->trees || !f->features)
		return circe_err(-EINVAL, "forest: trees %zu and features %zu must be nonzero",
				 f->trees, f->features);
	if (f->trees > CIRCE_HW_FOREST_MAX_TREES || f->features > CIRCE_HW_FOREST_MAX_FEATURES ||
	    f->max_depth > CIRCE_HW_FOREST_MAX_DEPTH)
		return circe_err(-E2BIG,
				 "forest: trees %zu, features %zu, max_depth %u above the device "
				 "limits %u, %u, %u",
				 f->trees, f->features, f->max_depth, CIRCE_HW_FOREST_MAX_TREES,
				 CIRCE_HW_FOREST_MAX_FEATURES, CIRCE_HW_FOREST_MAX_DEPTH);
	if ((circe_memeng_va(f->roots) & 7u) ||
	    ((circe_memeng_va(f->x) | circe_memeng_va(f->out)) & 3u))
		return circe_err(-EINVAL,
				 "forest: roots %p must be 8-byte aligned, x %p and out %p "
				 "4-byte aligned",
				 (const void *)f->roots, (const void *)f->x, (void *)f->out);
	circe_memeng_fill_forest(&desc.forest, f);
	err = circe_memeng_submit(ctx, &desc, 1, stats);
	return circe_memeng_explain(err, "forest");
}
