/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe_gemm_run: check a quantized GEMM, compute its requantization table,
 * split the output into tiles the device accepts and run them as one command
 * list.
 *
 * The data pointers are deliberately not checked here: the device sees the
 * addresses and a bad one ends the job with -EFAULT, as for any other
 * device-side fault, so that the MMU path is the one thing that decides.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"
#include "driver/driver.h"
#include "host/gemm.h"
#include "host/job.h"

struct circe_gemm_plan {
	size_t tile_m, tile_n;
	size_t tiles_m, tiles_n;
	uint32_t count; /* descriptors */
	size_t num_rq;	/* requant entries */
	uint32_t flags;
	uint32_t lda, ldw, ldy;
	size_t out_bytes; /* per element */
	int32_t clamp_min, clamp_max;
	size_t desc_bytes, job_bytes;
};

static int circe_gemm_check_scale(float s, const char *what, size_t idx, int indexed)
{
	if (isfinite(s) && s > 0)
		return 0;
	if (indexed)
		return circe_err(-EINVAL, "gemm: %s[%zu] = %g, must be finite and > 0", what, idx,
				 (double)s);
	return circe_err(-EINVAL, "gemm: %s = %g, must be finite and > 0", what, (double)s);
}

static int circe_gemm_validate(const struct circe_gemm *g, size_t tile_m, size_t tile_n,
			       struct circe_gemm_plan *p)
{
	unsigned out_bits;
	int32_t out_min, out_max;
	size_t row_w;
	int err;

	if (!g)
		return circe_err(-EINVAL, "gemm: NULL GEMM description");
	if (!g->m || !g->k || !g->n)
		return circe_err(-EINVAL,
				 "gemm: every dimension must be nonzero (m %zu, k %zu, n %zu)",
				 g->m, g->k, g->n);
	if (g->k > CIRCE_HW_GEMM_MAX_K)
		return circe_err(-E2BIG, "gemm: k = %zu is above the device limit %u", g->k,
				 CIRCE_HW_GEMM_MAX_K);
	if (g->weight_bits != 8 && g->weight_bits != 4)
		return circe_err(-EINVAL, "gemm: weight_bits %u, must be 8 or 4", g->weight_bits);
	out_bits = g->output_bits ? g->output_bits : 8;
	if (out_bits != 8 && out_bits != 16)
		return circe_err(-EINVAL, "gemm: output_bits %u, must be 8 or 16 (or 0 for 8)",
				 g->output_bits);
	if (g->num_weight_scales != 1 && g->num_weight_scales != g->n)
		return circe_err(-EINVAL,
				 "gemm: num_weight_scales %zu, must be 1 (per tensor) or n = %zu "
				 "(per channel)",
				 g->num_weight_scales, g->n);
	if (!g->weight_scales)
		return circe_err(-EINVAL, "gemm: NULL weight_scales");
	err = circe_gemm_check_scale(g->input_scale, "input_scale", 0, 0);
	if (err)
		return err;
	err = circe_gemm_check_scale(g->output_scale, "output_scale", 0, 0);
	if (err)
		return err;
	for (size_t i = 0; i < g->num_weight_scales; i++) {
		err = circe_gemm_check_scale(g->weight_scales[i], "weight_scales", i, 1);
		if (err)
			return err;
	}
	if (g->input_zero_point < INT8_MIN || g->input_zero_point > INT8_MAX)
		return circe_err(-EINVAL, "gemm: input_zero_point %d is outside [-128, 127]",
				 (int)g->input_zero_point);
	out_min = out_bits == 8 ? INT8_MIN : INT16_MIN;
	out_max = out_bits == 8 ? INT8_MAX : INT16_MAX;
	if (g->output_zero_point < out_min || g->output_zero_point > out_max)
		return circe_err(-EINVAL, "gemm: output_zero_point %d is outside [%d, %d] (int%u)",
				 (int)g->output_zero_point, (int)out_min, (int)out_max, out_bits);
	if (tile_m < 1 || tile_m > CIRCE_HW_GEMM_MAX_M || tile_n < 1 ||
	    tile_n > CIRCE_HW_GEMM_MAX_N)
		return circe_err(-EINVAL, "gemm: tile %zu x %zu outside [1, %u] x [1, %u]", tile_m,
				 tile_n, CIRCE_HW_GEMM_MAX_M, CIRCE_HW_GEMM_MAX_N);

	memset(p, 0, sizeof(*p));
	p->out_bytes = out_bits / 8;
	row_w = g->weight_bits == 4 ? (g->k + 1) / 2 : g->k;
	/* Row strides are 32-bit descriptor fields and the arrays must fit the
	 * address space. */
	if (g->n > UINT32_MAX / p->out_bytes)
		return circe_err(-E2BIG, "gemm: n = %zu makes the output row stride exceed 32 bits",
				 g->n);
	if (g->m > UINT64_MAX / g->k || g->n > UINT64_MAX / row_w ||
	    g->m > UINT64_MAX / (g->n * p->out_bytes))
		return circe_err(-E2BIG, "gemm: %zu x %zu x %zu is too large to address", g->m,
				 g->k, g->n);
	p->tile_m = tile_m;
	p->tile_n = tile_n;
	p->tiles_m = (g->m - 1) / tile_m + 1;
	p->tiles_n = (g->n - 1) / tile_n + 1;
	if (p->tiles_m > CIRCE_HW_MAX_CMD_COUNT / p->tiles_n)
		return circe_err(-E2BIG, "gemm: %zu x %zu tiles exceed %u descriptors per job",
				 p->tiles_m, p->tiles_n, CIRCE_HW_MAX_CMD_COUNT);
	p->count = (uint32_t)(p->tiles_m * p->tiles_n);
	p->lda = (uint32_t)g->k;
	p->ldw = (uint32_t)row_w;
	p->ldy = (uint32_t)(g->n * p->out_bytes);
	p->num_rq = g->num_weight_scales;
	p->flags = 0;
	if (g->weight_bits == 4)
		p->flags |= CIRCE_HW_GEMM_INT4;
	if (out_bits == 16)
		p->flags |= CIRCE_HW_GEMM_OUT16;
	if (g->bias)
		p->flags |= CIRCE_HW_GEMM_BIAS;
	if (g->num_weight_scales > 1)
		p->flags |= CIRCE_HW_GEMM_PER_CHANNEL;
	p->clamp_min = g->relu ? g->output_zero_point : out_min;
	p->clamp_max = out_max;
	p->desc_bytes = (size_t)p->count * CIRCE_HW_DESC_BYTES;
	if (p->num_rq >
	    (SIZE_MAX - p->desc_bytes - CIRCE_HW_PAGE_SIZE) / sizeof(struct circe_hw_requant))
		return circe_err(-E2BIG, "gemm: requantization table too large");
	p->job_bytes = p->desc_bytes + p->num_rq * sizeof(struct circe_hw_requant);
	p->job_bytes = (p->job_bytes + CIRCE_HW_PAGE_SIZE - 1) & ~(size_t)(CIRCE_HW_PAGE_SIZE - 1);
	return 0;
}

static void circe_gemm_fill_descs(const struct circe_gemm *g, const struct circe_gemm_plan *p,
				  union circe_hw_desc *descs, const struct circe_hw_requant *rq)
{
	/* Addresses as integers: a NULL data pointer must still reach the device
	 * (which faults on it) without pointer arithmetic on NULL here. */
	uint64_t a = (uint64_t)(uintptr_t)g->input;
	uint64_t w = (uint64_t)(uintptr_t)g->weights;
	uint64_t b = (uint64_t)(uintptr_t)g->bias;
	uint64_t y = (uint64_t)(uintptr_t)g->output;
	uint64_t r = (uint64_t)(uintptr_t)rq;
	uint32_t i = 0;

	for (size_t tm = 0; tm < p->tiles_m; tm++) {
		size_t m0 = tm * p->tile_m;
		size_t rows = g->m - m0 < p->tile_m ? g->m - m0 : p->tile_m;

		for (size_t tn = 0; tn < p->tiles_n; tn++, i++) {
			struct circe_hw_desc_gemm *d = &descs[i].gemm;
			size_t n0 = tn * p->tile_n;
			size_t cols = g->n - n0 < p->tile_n ? g->n - n0 : p->tile_n;

			memset(d, 0, sizeof(*d));
			d->opcode = CIRCE_HW_OP_GEMM;
			d->flags = p->flags;
			d->m = (uint32_t)rows;
			d->k = (uint32_t)g->k;
			d->n = (uint32_t)cols;
			d->in_zp = g->input_zero_point;
			d->out_zp = g->output_zero_point;
			d->clamp_min = p->clamp_min;
			d->clamp_max = p->clamp_max;
			d->lda = p->lda;
			d->ldw = p->ldw;
			d->ldy = p->ldy;
			d->a_va = a + (uint64_t)m0 * p->lda;
			d->w_va = w + (uint64_t)n0 * p->ldw;
			d->bias_va = g->bias ? b + (uint64_t)n0 * sizeof(int32_t) : 0;
			d->rq_va = r + ((p->flags & CIRCE_HW_GEMM_PER_CHANNEL)
						? (uint64_t)n0 * sizeof(struct circe_hw_requant)
						: 0);
			d->y_va = y + (uint64_t)m0 * p->ldy + (uint64_t)n0 * p->out_bytes;
			d->status.code = CIRCE_HW_ST_PENDING;
		}
	}
}

/* Add to the driver's message where in the GEMM it went wrong: the tile
 * and, for a fault, the operand the address belongs to. */
static int circe_gemm_explain(int err, const struct circe_gemm *g, const struct circe_gemm_plan *p,
			      const void *job, const struct circe_job_result *res)
{
	char msg[512], where[64];
	uint32_t idx = res->err_index < p->count ? res->err_index : 0;
	size_t tm = idx / p->tiles_n, tn = idx % p->tiles_n;
	const struct circe_host_operand ops[] = {
		{ "output", true, (uintptr_t)g->output, (uint64_t)g->m * p->ldy },
		{ "command list", true, (uintptr_t)job, p->desc_bytes },
		{ "input", false, (uintptr_t)g->input, (uint64_t)g->m * p->lda },
		{ "weights", false, (uintptr_t)g->weights, (uint64_t)g->n * p->ldw },
		{ "bias", false, (uintptr_t)g->bias,
		  g->bias ? (uint64_t)g->n * sizeof(int32_t) : 0 },
		{ "requantization table", false, (uintptr_t)job + p->desc_bytes,
		  p->job_bytes - p->desc_bytes },
		{ "command list", false, (uintptr_t)job, p->desc_bytes },
	};

	snprintf(msg, sizeof(msg), "%s", circe_errmsg());
	circe_host_fault_where(job, idx, res, ops, sizeof(ops) / sizeof(ops[0]), where,
			       sizeof(where));
	return circe_err(err, "gemm: %stile %u of %u (rows %zu.., cols %zu..): %s", where, idx,
			 p->count, tm * p->tile_m, tn * p->tile_n, msg);
}

struct circe_gemm_explain_arg {
	const struct circe_gemm *g;
	const struct circe_gemm_plan *p;
};

static int circe_gemm_explain_job(int err, const void *job, const struct circe_job_result *res,
				  void *arg)
{
	const struct circe_gemm_explain_arg *e = arg;

	return circe_gemm_explain(err, e->g, e->p, job, res);
}

static void circe_gemm_fill_job(union circe_hw_desc *descs, const struct circe_hw_requant *rq,
				void *arg)
{
	const struct circe_gemm_explain_arg *e = arg;

	circe_gemm_fill_descs(e->g, e->p, descs, rq);
}

int circe_gemm_run_tiled(struct circe_ctx *ctx, const struct circe_gemm *g, size_t tile_m,
			 size_t tile_n, struct circe_job_stats *stats)
{
	struct circe_gemm_explain_arg arg;
	struct circe_gemm_plan plan;
	double start = circe_host_now();
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx)
		return circe_err(-EINVAL, "gemm: NULL context");
	err = circe_gemm_validate(g, tile_m, tile_n, &plan);
	if (err)
		return err;
	arg.g = g;
	arg.p = &plan;
	return circe_host_list_run(ctx,
				   &(struct circe_host_list){
					   .what = "gemm",
					   .entry = "channel",
					   .desc_bytes = plan.desc_bytes,
					   .job_bytes = plan.job_bytes,
					   .count = plan.count,
					   .s_in = g->input_scale,
					   .s_out = g->output_scale,
					   .s_w = g->weight_scales,
					   .num_rq = plan.num_rq,
					   .fill = circe_gemm_fill_job,
					   .explain = circe_gemm_explain_job,
					   .arg = &arg,
				   },
				   stats, start);
}

int circe_gemm_run(struct circe_ctx *ctx, const struct circe_gemm *g, struct circe_job_stats *stats)
{
	return circe_gemm_run_tiled(ctx, g, CIRCE_HOST_GEMM_TILE_M, CIRCE_HOST_GEMM_TILE_N, stats);
}

int circe_gemm_build(const struct circe_gemm *g, const struct circe_hw_requant *rq,
		     union circe_hw_desc *descs, uint32_t cap, uint32_t *count)
{
	struct circe_gemm_plan plan;
	int err = circe_gemm_validate(g, CIRCE_HOST_GEMM_TILE_M, CIRCE_HOST_GEMM_TILE_N, &plan);

	if (err)
		return err;
	*count = plan.count;
	if (!descs)
		return 0;
	if (plan.count > cap)
		return circe_err(-ENOSPC, "gemm: %u descriptors, room for %u", plan.count, cap);
	circe_gemm_fill_descs(g, &plan, descs, rq);
	return 0;
}
