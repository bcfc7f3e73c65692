/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block-circulant matrices on the host: the projection of a dense matrix
 * onto k x k circulant blocks and back, the per-block-row int8 quantization
 * of their defining vectors, and circe_circ_run, the CIRC descriptor's
 * counterpart of circe_gemm_run (checks, requantization table, descriptors,
 * one job).
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
#include "host/circ.h"
#include "host/job.h"
#include "host/layers.h"

/* ---- compression ---- */

static bool circe_circ_k_ok(size_t k)
{
	return k >= 1 && k <= CIRCE_HW_CIRC_K_MAX && !(k & (k - 1));
}

static int circe_circ_check_shape(const char *what, const void *src, const void *dst, size_t rows,
				  size_t cols, size_t k)
{
	if (!src || !dst)
		return circe_err(-EINVAL, "%s: NULL %s", what, src ? "output" : "input");
	if (!rows || !cols)
		return circe_err(-EINVAL, "%s: %zu x %zu matrix, both sizes must be nonzero", what,
				 rows, cols);
	if (!circe_circ_k_ok(k))
		return circe_err(-EINVAL, "%s: block size k = %zu, must be 1, 2, 4, 8 or 16", what,
				 k);
	if (rows % k || cols % k)
		return circe_err(-EINVAL, "%s: k = %zu does not divide the %zu x %zu matrix", what,
				 k, rows, cols);
	if (rows > SIZE_MAX / cols / sizeof(float))
		return circe_err(-E2BIG, "%s: %zu x %zu matrix is too large", what, rows, cols);
	return 0;
}

int circe_circ_compress(const float *dense, size_t rows, size_t cols, size_t k, float *out)
{
	size_t p = rows / (k ? k : 1), q = cols / (k ? k : 1);
	int err = circe_circ_check_shape("circ compress", dense, out, rows, cols, k);

	if (err)
		return err;
	/* Element (r, c) of block (i, j) lies on wrapped diagonal d = (r - c)
	 * mod k; the nearest circulant block (Frobenius) has on each diagonal
	 * the mean of that diagonal's k elements. Summed in double so that the
	 * mean does not depend on the order of k float additions. */
	for (size_t i = 0; i < p; i++) {
		for (size_t j = 0; j < q; j++) {
			float *w = out + (i * q + j) * k;

			for (size_t d = 0; d < k; d++) {
				double sum = 0;

				for (size_t r = 0; r < k; r++) {
					size_t c = (r + k - d) % k;

					sum += dense[(i * k + r) * cols + j * k + c];
				}
				w[d] = (float)(sum / (double)k);
			}
		}
	}
	return 0;
}

int circe_circ_expand(const float *circ, size_t rows, size_t cols, size_t k, float *dense)
{
	size_t p = rows / (k ? k : 1), q = cols / (k ? k : 1);
	int err = circe_circ_check_shape("circ expand", circ, dense, rows, cols, k);

	if (err)
		return err;
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < q; j++)
			for (size_t r = 0; r < k; r++)
				for (size_t c = 0; c < k; c++)
					dense[(i * k + r) * cols + j * k + c] =
						circ[(i * q + j) * k + (r + k - c) % k];
	return 0;
}

int circe_circ_quantize(const float *circ, size_t rows, size_t cols, size_t k, int8_t *q,
			float *scales)
{
	size_t p, row;
	int err = circe_circ_check_shape("circ quantize", circ, q, rows, cols, k);

	if (err)
		return err;
	if (!scales)
		return circe_err(-EINVAL, "circ quantize: NULL scales");
	/* A block row [rows/k] holds cols/k vectors of k values: cols values. */
	p = rows / k;
	row = cols;
	for (size_t i = 0; i < p; i++) {
		const float *w = circ + i * row;
		float absmax = 0;
		double inv;

		for (size_t j = 0; j < row; j++) {
			if (!isfinite(w[j]))
				return circe_err(-EINVAL,
						 "circ quantize: weight %zu of block row %zu is %g",
						 j, i, (double)w[j]);
			absmax = fmaxf(absmax, fabsf(w[j]));
		}
		/* An all-zero row quantizes to zeros at any scale; 1/127 keeps
		 * its requantization multiplier in range. */
		scales[i] = absmax > 0 ? absmax / 127.0f : 1.0f / 127.0f;
		inv = 1.0 / (double)scales[i];
		for (size_t j = 0; j < row; j++) {
			double v = nearbyint((double)w[j] * inv);

			q[i * row + j] = (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : v));
		}
	}
	return 0;
}

/* ---- circe_circ_run ---- */

struct circe_circ_plan {
	size_t p, q, out_bytes;
	uint32_t flags, ldw, ldx, ldy;
	int32_t clamp_min, clamp_max;
	uint32_t count; /* descriptors: one per CIRCE_HW_CIRC_MAX_BATCH elements */
	size_t num_rq;
	size_t desc_bytes, job_bytes;
};

size_t circe_circ_row_bytes(size_t n_in, size_t k)
{
	return (n_in + k - 1) / k * k;
}

static int circe_circ_check_scale(float s, const char *what, size_t idx, int indexed)
{
	if (isfinite(s) && s > 0)
		return 0;
	if (indexed)
		return circe_err(-EINVAL, "circ: %s[%zu] = %g, must be finite and > 0", what, idx,
				 (double)s);
	return circe_err(-EINVAL, "circ: %s = %g, must be finite and > 0", what, (double)s);
}

static int circe_circ_validate(const struct circe_circ *c, struct circe_circ_plan *p)
{
	unsigned out_bits;
	int32_t out_min, out_max;
	int err;

	if (!c)
		return circe_err(-EINVAL, "circ: NULL CIRC description");
	if (!circe_circ_k_ok(c->k))
		return circe_err(-EINVAL, "circ: block size k = %zu, must be 1, 2, 4, 8 or 16",
				 c->k);
	if (!c->n_in || !c->n_out || !c->batch)
		return circe_err(-EINVAL,
				 "circ: every dimension must be nonzero (n_in %zu, n_out %zu, "
				 "batch %zu)",
				 c->n_in, c->n_out, c->batch);
	if (c->n_in > CIRCE_HW_CIRC_MAX_IN)
		return circe_err(-E2BIG, "circ: n_in = %zu is above the device limit %u", c->n_in,
				 CIRCE_HW_CIRC_MAX_IN);
	if (c->n_out > CIRCE_HW_CIRC_MAX_OUT)
		return circe_err(-E2BIG, "circ: n_out = %zu is above the device limit %u", c->n_out,
				 CIRCE_HW_CIRC_MAX_OUT);
	if (c->n_out % c->k)
		return circe_err(-EINVAL, "circ: n_out = %zu is not a multiple of k = %zu",
				 c->n_out, c->k);
	out_bits = c->output_bits ? c->output_bits : 8;
	if (out_bits != 8 && out_bits != 16)
		return circe_err(-EINVAL, "circ: output_bits %u, must be 8 or 16 (or 0 for 8)",
				 c->output_bits);
	memset(p, 0, sizeof(*p));
	p->p = c->n_out / c->k;
	p->q = (c->n_in + c->k - 1) / c->k;
	if (c->num_weight_scales != 1 && c->num_weight_scales != p->p)
		return circe_err(-EINVAL,
				 "circ: num_weight_scales %zu, must be 1 (per tensor) or n_out / "
				 "k = %zu (per block row)",
				 c->num_weight_scales, p->p);
	if (!c->weight_scales)
		return circe_err(-EINVAL, "circ: NULL weight_scales");
	err = circe_circ_check_scale(c->input_scale, "input_scale", 0, 0);
	if (err)
		return err;
	err = circe_circ_check_scale(c->output_scale, "output_scale", 0, 0);
	if (err)
		return err;
	for (size_t i = 0; i < c->num_weight_scales; i++) {
		err = circe_circ_check_scale(c->weight_scales[i], "weight_scales", i, 1);
		if (err)
			return err;
	}
	out_min = out_bits == 8 ? INT8_MIN : INT16_MIN;
	out_max = out_bits == 8 ? INT8_MAX : INT16_MAX;
	if (c->output_zero_point < out_min || c->output_zero_point > out_max)
		return circe_err(-EINVAL, "circ: output_zero_point %d is outside [%d, %d] (int%u)",
				 (int)c->output_zero_point, (int)out_min, (int)out_max, out_bits);
	p->out_bytes = out_bits / 8;
	p->ldw = (uint32_t)(p->q * c->k);
	p->ldx = (uint32_t)c->n_in;
	p->ldy = (uint32_t)(c->n_out * p->out_bytes);
	p->flags = 0;
	if (out_bits == 16)
		p->flags |= CIRCE_HW_CIRC_OUT16;
	if (c->bias)
		p->flags |= CIRCE_HW_CIRC_BIAS;
	if (c->num_weight_scales > 1)
		p->flags |= CIRCE_HW_CIRC_PER_BLOCK;
	p->clamp_min = c->relu ? c->output_zero_point : out_min;
	p->clamp_max = out_max;
	if (c->batch > (uint64_t)CIRCE_HW_MAX_CMD_COUNT * CIRCE_HW_CIRC_MAX_BATCH)
		return circe_err(-E2BIG, "circ: batch %zu needs more than %u descriptors", c->batch,
				 CIRCE_HW_MAX_CMD_COUNT);
	p->count = (uint32_t)((c->batch - 1) / CIRCE_HW_CIRC_MAX_BATCH + 1);
	p->num_rq = c->num_weight_scales;
	p->desc_bytes = (size_t)p->count * CIRCE_HW_DESC_BYTES;
	p->job_bytes = p->desc_bytes + p->num_rq * sizeof(struct circe_hw_requant);
	p->job_bytes = (p->job_bytes + CIRCE_HW_PAGE_SIZE - 1) & ~(size_t)(CIRCE_HW_PAGE_SIZE - 1);
	return 0;
}

static void circe_circ_fill_descs(const struct circe_circ *c, const struct circe_circ_plan *p,
				  union circe_hw_desc *descs, const struct circe_hw_requant *rq)
{
	/* Addresses as integers: a NULL data pointer must still reach the
	 * device, which faults on it. */
	uint64_t x = (uint64_t)(uintptr_t)c->input;
	uint64_t y = (uint64_t)(uintptr_t)c->output;

	for (uint32_t i = 0; i < p->count; i++) {
		struct circe_hw_desc_circ *d = &descs[i].circ;
		size_t b0 = (size_t)i * CIRCE_HW_CIRC_MAX_BATCH;
		size_t nb = c->batch - b0 < CIRCE_HW_CIRC_MAX_BATCH ? c->batch - b0
								    : CIRCE_HW_CIRC_MAX_BATCH;

		memset(d, 0, sizeof(*d));
		d->opcode = CIRCE_HW_OP_CIRC;
		d->flags = p->flags;
		d->k = (uint32_t)c->k;
		d->n_in = (uint32_t)c->n_in;
		d->n_out = (uint32_t)c->n_out;
		d->batch = (uint32_t)nb;
		d->out_zp = c->output_zero_point;
		d->clamp_min = p->clamp_min;
		d->clamp_max = p->clamp_max;
		d->ldw = p->ldw;
		d->ldx = p->ldx;
		d->ldy = p->ldy;
		d->w_va = (uint64_t)(uintptr_t)c->weights;
		d->x_va = x + (uint64_t)b0 * p->ldx;
		d->bias_va = (uint64_t)(uintptr_t)c->bias;
		d->rq_va = (uint64_t)(uintptr_t)rq;
		d->y_va = y + (uint64_t)b0 * p->ldy;
		d->status.code = CIRCE_HW_ST_PENDING;
	}
}

int circe_circ_build(const struct circe_circ *c, const struct circe_hw_requant *rq,
		     union circe_hw_desc *descs, uint32_t cap, uint32_t *count)
{
	struct circe_circ_plan plan;
	int err = circe_circ_validate(c, &plan);

	if (err)
		return err;
	*count = plan.count;
	if (!descs)
		return 0;
	if (plan.count > cap)
		return circe_err(-ENOSPC, "circ: %u descriptors, room for %u", plan.count, cap);
	circe_circ_fill_descs(c, &plan, descs, rq);
	return 0;
}

struct circe_circ_explain_arg {
	const struct circe_circ *c;
	const struct circe_circ_plan *p;
};

static int circe_circ_explain(int err, const void *job, const struct circe_job_result *res,
			      void *arg)
{
	const struct circe_circ_explain_arg *e = arg;
	const struct circe_circ *c = e->c;
	const struct circe_circ_plan *p = e->p;
	uint32_t idx = res->err_index < p->count ? res->err_index : 0;
	char msg[512], where[64];
	const struct circe_host_operand ops[] = {
		{ "output", true, (uintptr_t)c->output, (uint64_t)c->batch * p->ldy },
		{ "command list", true, (uintptr_t)job, p->desc_bytes },
		{ "input", false, (uintptr_t)c->input, (uint64_t)c->batch * p->ldx },
		{ "weights", false, (uintptr_t)c->weights, (uint64_t)p->p * p->ldw },
		{ "bias", false, (uintptr_t)c->bias,
		  c->bias ? (uint64_t)c->n_out * sizeof(int32_t) : 0 },
		{ "requantization table", false, (uintptr_t)job + p->desc_bytes,
		  p->job_bytes - p->desc_bytes },
		{ "command list", false, (uintptr_t)job, p->desc_bytes },
	};

	snprintf(msg, sizeof(msg), "%s", circe_errmsg());
	circe_host_fault_where(job, idx, res, ops, sizeof(ops) / sizeof(ops[0]), where,
			       sizeof(where));
	return circe_err(err, "circ: %sdescriptor %u of %u (batch %zu..): %s", where, idx, p->count,
			 (size_t)idx * CIRCE_HW_CIRC_MAX_BATCH, msg);
}

static void circe_circ_fill_job(union circe_hw_desc *descs, const struct circe_hw_requant *rq,
				void *arg)
{
	const struct circe_circ_explain_arg *e = arg;

	circe_circ_fill_descs(e->c, e->p, descs, rq);
}

int circe_circ_run(struct circe_ctx *ctx, const struct circe_circ *c, struct circe_job_stats *stats)
{
	struct circe_circ_explain_arg arg;
	struct circe_circ_plan plan;
	double start = circe_host_now();
	int err;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!ctx)
		return circe_err(-EINVAL, "circ: NULL context");
	err = circe_circ_validate(c, &plan);
	if (err)
		return err;
	arg.c = c;
	arg.p = &plan;
	return circe_host_list_run(ctx,
				   &(struct circe_host_list){
					   .what = "circ",
					   .entry = "block row",
					   .desc_bytes = plan.desc_bytes,
					   .job_bytes = plan.job_bytes,
					   .count = plan.count,
					   .s_in = c->input_scale,
					   .s_out = c->output_scale,
					   .s_w = c->weight_scales,
					   .num_rq = plan.num_rq,
					   .fill = circe_circ_fill_job,
					   .explain = circe_circ_explain,
					   .arg = &arg,
				   },
				   stats, start);
}
