/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quantized layers on the device (host/layers.h): fully connected (dense
 * or block-circulant) and LSTM with an optional projection. The recipe is
 * docs/numerics.md, "Quantized layers":
 *
 * - activations int8, symmetric; weights int8 in [-127, 127], one scale per
 *   output row (dense) or per block row of k rows (circulant);
 * - FC: one GEMM (k = 1, M = steps) or one CIRC (batch = steps), bias int32
 *   at s_in * s_w;
 * - LSTM: the input projection of all steps is one product (GEMM M = T or
 *   CIRC batch = T) to int16 Q3.12 gates with the bias folded in; per step
 *   a CIRC of h_{t-1} (k = 1 for a dense W_hh) to int16 Q3.12, the LSTM
 *   cell descriptor, and with a projection a CIRC of m_t to int8. The whole
 *   sequence is one command list, one job.
 *
 * A layer owns two registered arenas: the weights (weights, biases,
 * requantization tables; read-only to the device, made once) and the run
 * buffers (staged input, gates, state, output, command list; grown to the
 * longest sequence seen and kept registered, so that a run does not pay a
 * registration and its TLB invalidation).
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
#include "host/gemm.h"
#include "host/job.h"
#include "host/layers.h"

enum circe_layer_kind { CIRCE_LAYER_FC, CIRCE_LAYER_LSTM };

/* Q3.12 gates: the scale of the int16 gate pre-activations. */
#define CIRCE_LAYER_GATE_SCALE (1.0f / (float)(1u << CIRCE_HW_LSTM_GATE_FRAC))

/* One quantized weight matrix in the weight arena. */
struct circe_layer_mat {
	size_t rows, cols, k;
	float s_in, s_out;
	int8_t *w;		     /* [rows/k][cols] */
	float *scales;		     /* [rows/k], host only */
	int32_t *bias;		     /* [rows] or NULL */
	struct circe_hw_requant *rq; /* [rows/k] */
};

struct circe_layer {
	enum circe_layer_kind kind;
	struct circe_ctx *ctx;
	size_t in, out; /* per step: input size, output size (fc out, lstm R) */
	float in_scale, out_scale;
	unsigned out_bits;
	bool relu;
	/* fc: mats[0]; lstm: mats[0] W_ih, mats[1] W_hh, mats[2] W_proj */
	struct circe_layer_mat mats[3];
	size_t hidden, proj;
	struct circe_hw_requant h_rq; /* Q0.30 -> int8 m_t at 1/127 */

	void *warena; /* weights, biases, requantization tables */
	size_t warena_bytes;
	float *scales; /* host copies of the weight scales, all matrices */

	void *rarena; /* run buffers, registered RW */
	size_t rarena_bytes;
	size_t rsteps; /* the longest sequence the run arena holds */
	/* offsets into rarena for rsteps steps */
	size_t off_cmds, off_x, off_y, off_gx, off_gh, off_c, off_h0, off_m;
	uint32_t max_cmds;
};

static size_t circe_layer_align(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool circe_layer_k_ok(size_t k)
{
	return k >= 1 && k <= CIRCE_HW_CIRC_K_MAX && !(k & (k - 1));
}

static int circe_layer_check_scale(const char *what, const char *name, float s)
{
	if (isfinite(s) && s > 0)
		return 0;
	return circe_err(-EINVAL, "%s: %s = %g, must be finite and > 0", what, name, (double)s);
}

/* A matrix [rows][cols] with block size k, named for messages. */
static int circe_layer_check_mat(const char *what, const char *name, const float *w, size_t rows,
				 size_t cols, size_t k)
{
	if (!w)
		return circe_err(-EINVAL, "%s: NULL %s", what, name);
	if (!circe_layer_k_ok(k))
		return circe_err(-EINVAL, "%s: %s: block size k = %zu, must be 1, 2, 4, 8 or 16",
				 what, name, k);
	if (rows % k || cols % k)
		return circe_err(-EINVAL,
				 "%s: %s: k = %zu does not divide its %zu x %zu shape (both "
				 "sizes must be multiples of k)",
				 what, name, k, rows, cols);
	return 0;
}

/* ---- arenas ---- */

static void *circe_layer_alloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, CIRCE_HW_PAGE_SIZE, bytes))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

/* Bytes of the weight arena a matrix takes, with 64-byte alignment of each
 * part (the device reads them by DMA; alignment keeps bursts whole). */
static size_t circe_layer_mat_bytes(size_t rows, size_t cols, size_t k, bool bias)
{
	size_t p = rows / k;

	return circe_layer_align(p * cols, 64) +
	       (bias ? circe_layer_align(rows * sizeof(int32_t), 64) : 0) +
	       circe_layer_align(p * sizeof(struct circe_hw_requant), 64);
}

/*
 * Quantize one matrix into the weight arena at *off: int8 weights and
 * scales per block row, the int32 bias at s_in * s_w (bias may be NULL),
 * the requantization table of s_in * s_w / s_out.
 */
static int circe_layer_mat_make(struct circe_layer *l, const char *what, const char *name,
				struct circe_layer_mat *m, const float *w, const float *bias,
				size_t rows, size_t cols, size_t k, float s_in, float s_out,
				size_t *off, float **scales)
{
	char *base = l->warena;
	size_t p = rows / k;
	int err;

	m->rows = rows;
	m->cols = cols;
	m->k = k;
	m->s_in = s_in;
	m->s_out = s_out;
	m->w = (int8_t *)(base + *off);
	*off += circe_layer_align(p * cols, 64);
	if (bias) {
		m->bias = (int32_t *)(void *)(base + *off);
		*off += circe_layer_align(rows * sizeof(int32_t), 64);
	}
	m->rq = (struct circe_hw_requant *)(void *)(base + *off);
	*off += circe_layer_align(p * sizeof(struct circe_hw_requant), 64);
	m->scales = *scales;
	*scales += p;

	err = circe_circ_quantize(w, rows, cols, k, m->w, m->scales);
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", circe_errmsg());
		return circe_err(err, "%s: %s: %s", what, name, msg);
	}
	if (bias) {
		for (size_t r = 0; r < rows; r++) {
			double s = (double)s_in * (double)m->scales[r / k];
			double v;

			if (!isfinite(bias[r]))
				return circe_err(-EINVAL, "%s: bias[%zu] = %g, must be finite",
						 what, r, (double)bias[r]);
			v = nearbyint((double)bias[r] / s);
			/* A bias beyond int32 at this scale saturates: the
			 * accumulator could not hold it either. */
			if (v > INT32_MAX)
				v = INT32_MAX;
			if (v < INT32_MIN)
				v = INT32_MIN;
			m->bias[r] = (int32_t)v;
		}
	}
	{
		char entry[64];

		snprintf(entry, sizeof(entry), "%s block row", name);
		return circe_host_requant(what, entry, s_in, m->scales, p, s_out, m->rq);
	}
}

static int circe_layer_warena_alloc(struct circe_layer *l, const char *what, size_t bytes,
				    size_t num_scales)
{
	int err;

	l->warena_bytes = circe_layer_align(bytes, CIRCE_HW_PAGE_SIZE);
	l->warena = circe_layer_alloc(l->warena_bytes);
	l->scales = calloc(num_scales, sizeof(float));
	if (!l->warena || !l->scales)
		return circe_err(-ENOMEM, "%s: cannot allocate %zu bytes of weights", what,
				 l->warena_bytes);
	err = circe_mem_register(l->ctx, l->warena, l->warena_bytes, CIRCE_MEM_READ);
	if (err) {
		free(l->warena);
		l->warena = NULL;
	}
	return err;
}

void circe_layer_destroy(struct circe_layer *l)
{
	if (!l)
		return;
	if (l->rarena) {
		circe_mem_unregister(l->ctx, l->rarena, l->rarena_bytes);
		free(l->rarena);
	}
	if (l->warena) {
		circe_mem_unregister(l->ctx, l->warena, l->warena_bytes);
		free(l->warena);
	}
	free(l->scales);
	free(l);
}

/* ---- create ---- */

int circe_layer_fc_create(struct circe_ctx *ctx, const struct circe_fc_desc *d,
			  struct circe_layer **out)
{
	const char *what = "fc layer";
	struct circe_layer *l;
	size_t off = 0;
	float *scales;
	int err;

	if (!out)
		return circe_err(-EINVAL, "%s: NULL output pointer", what);
	*out = NULL;
	if (!ctx || !d)
		return circe_err(-EINVAL, "%s: NULL %s", what, ctx ? "description" : "context");
	if (!d->in || !d->out)
		return circe_err(-EINVAL, "%s: in = %zu, out = %zu, both must be nonzero", what,
				 d->in, d->out);
	if (d->in > CIRCE_HW_CIRC_MAX_IN || d->out > CIRCE_HW_CIRC_MAX_OUT)
		return circe_err(-E2BIG,
				 "%s: %zu -> %zu is above the device limits (in %u, out %u)", what,
				 d->in, d->out, CIRCE_HW_CIRC_MAX_IN, CIRCE_HW_CIRC_MAX_OUT);
	err = circe_layer_check_mat(what, "weight", d->weight, d->out, d->in, d->k);
	if (err)
		return err;
	if (d->out_bits != 8 && d->out_bits != 16)
		return circe_err(-EINVAL, "%s: out_bits %u, must be 8 or 16", what, d->out_bits);
	err = circe_layer_check_scale(what, "in_scale", d->in_scale);
	if (!err)
		err = circe_layer_check_scale(what, "out_absmax", d->out_absmax);
	if (err)
		return err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return circe_err(-ENOMEM, "%s: out of memory", what);
	l->kind = CIRCE_LAYER_FC;
	l->ctx = ctx;
	l->in = d->in;
	l->out = d->out;
	l->in_scale = d->in_scale;
	l->out_bits = d->out_bits;
	l->out_scale = d->out_absmax / (d->out_bits == 8 ? 127.0f : 32767.0f);
	l->relu = d->relu;
	err = circe_layer_check_scale(what, "out_absmax / 127", l->out_scale);
	if (err)
		goto fail;
	err = circe_layer_warena_alloc(l, what, circe_layer_mat_bytes(d->out, d->in, d->k, true),
				       d->out / d->k);
	if (err)
		goto fail;
	scales = l->scales;
	/* Without a bias the table of zeros costs d->out * 4 bytes and keeps
	 * one descriptor shape. */
	{
		float *zero = NULL;
		const float *b = d->bias;

		if (!b) {
			zero = calloc(d->out, sizeof(float));
			if (!zero) {
				err = circe_err(-ENOMEM, "%s: out of memory", what);
				goto fail;
			}
			b = zero;
		}
		err = circe_layer_mat_make(l, what, "weight", &l->mats[0], d->weight, b, d->out,
					   d->in, d->k, l->in_scale, l->out_scale, &off, &scales);
		free(zero);
	}
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	circe_layer_destroy(l);
	return err;
}

int circe_layer_lstm_create(struct circe_ctx *ctx, const struct circe_lstm_desc *d,
			    struct circe_layer **out)
{
	const char *what = "lstm layer";
	struct circe_layer *l;
	size_t g, r, off = 0, bytes, num_scales;
	float s_h, *scales, *zero = NULL;
	int err;

	if (!out)
		return circe_err(-EINVAL, "%s: NULL output pointer", what);
	*out = NULL;
	if (!ctx || !d)
		return circe_err(-EINVAL, "%s: NULL %s", what, ctx ? "description" : "context");
	if (!d->in || !d->hidden)
		return circe_err(-EINVAL, "%s: in = %zu, hidden = %zu, both must be nonzero", what,
				 d->in, d->hidden);
	g = 4 * d->hidden;
	r = d->proj ? d->proj : d->hidden;
	if (d->hidden > CIRCE_HW_LSTM_MAX_HIDDEN || g > CIRCE_HW_CIRC_MAX_OUT ||
	    d->in > CIRCE_HW_CIRC_MAX_IN || r > CIRCE_HW_CIRC_MAX_IN)
		return circe_err(-E2BIG,
				 "%s: in %zu, hidden %zu, proj %zu: above the device limits (in, "
				 "proj %u; 4 * hidden %u)",
				 what, d->in, d->hidden, d->proj, CIRCE_HW_CIRC_MAX_IN,
				 CIRCE_HW_CIRC_MAX_OUT);
	err = circe_layer_check_mat(what, "weight_ih", d->weight_ih, g, d->in, d->k_ih);
	if (!err)
		err = circe_layer_check_mat(what, "weight_hh", d->weight_hh, g, r, d->k_hh);
	if (!err && d->proj)
		err = circe_layer_check_mat(what, "weight_proj", d->weight_proj, d->proj, d->hidden,
					    d->k_proj);
	if (err)
		return err;
	if (!d->proj && d->weight_proj)
		return circe_err(-EINVAL, "%s: weight_proj given but proj = 0", what);
	err = circe_layer_check_scale(what, "in_scale", d->in_scale);
	if (!err && d->proj)
		err = circe_layer_check_scale(what, "proj_absmax", d->proj_absmax);
	if (err)
		return err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return circe_err(-ENOMEM, "%s: out of memory", what);
	l->kind = CIRCE_LAYER_LSTM;
	l->ctx = ctx;
	l->in = d->in;
	l->out = r;
	l->hidden = d->hidden;
	l->proj = d->proj;
	l->in_scale = d->in_scale;
	l->out_bits = 8;
	/* h = o * tanh(c) lies in (-1, 1): scale 1/127 without a projection. */
	l->out_scale = d->proj ? d->proj_absmax / 127.0f : 1.0f / 127.0f;
	err = circe_layer_check_scale(what, "proj_absmax / 127", l->out_scale);
	if (err)
		goto fail;
	s_h = l->out_scale;
	/* m_t = o * tanh(c) is Q0.30 in the cell; int8 at 1/127. */
	err = circe_host_requant(what, "hidden output", 1.0f / (float)(1u << 30),
				 &(float){ 127.0f }, 1, 1.0f, &l->h_rq);
	if (err)
		goto fail;

	bytes = circe_layer_mat_bytes(g, d->in, d->k_ih, true) +
		circe_layer_mat_bytes(g, r, d->k_hh, false);
	num_scales = g / d->k_ih + g / d->k_hh;
	if (d->proj) {
		bytes += circe_layer_mat_bytes(d->proj, d->hidden, d->k_proj, false);
		num_scales += d->proj / d->k_proj;
	}
	err = circe_layer_warena_alloc(l, what, bytes, num_scales);
	if (err)
		goto fail;
	scales = l->scales;
	if (!d->bias) {
		zero = calloc(g, sizeof(float));
		if (!zero) {
			err = circe_err(-ENOMEM, "%s: out of memory", what);
			goto fail;
		}
	}
	err = circe_layer_mat_make(l, what, "weight_ih", &l->mats[0], d->weight_ih,
				   d->bias ? d->bias : zero, g, d->in, d->k_ih, l->in_scale,
				   CIRCE_LAYER_GATE_SCALE, &off, &scales);
	free(zero);
	if (!err)
		err = circe_layer_mat_make(l, what, "weight_hh", &l->mats[1], d->weight_hh, NULL, g,
					   r, d->k_hh, s_h, CIRCE_LAYER_GATE_SCALE, &off, &scales);
	if (!err && d->proj)
		err = circe_layer_mat_make(l, what, "weight_proj", &l->mats[2], d->weight_proj,
					   NULL, d->proj, d->hidden, d->k_proj, 1.0f / 127.0f,
					   l->out_scale, &off, &scales);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	circe_layer_destroy(l);
	return err;
}

/* ---- queries ---- */

size_t circe_layer_in_size(const struct circe_layer *l)
{
	return l ? l->in : 0;
}

size_t circe_layer_out_size(const struct circe_layer *l)
{
	return l ? l->out : 0;
}

float circe_layer_out_scale(const struct circe_layer *l)
{
	return l ? l->out_scale : 0.0f;
}

unsigned circe_layer_out_bits(const struct circe_layer *l)
{
	return l ? l->out_bits : 0;
}

/* ---- run ---- */

/* A CIRC (or, for the FC/LSTM input product with k = 1, a GEMM) of matrix
 * m over batch vectors: its descriptors at descs (NULL: count only). */
static int circe_layer_product(const struct circe_layer_mat *m, const void *x, size_t batch,
			       void *y, unsigned out_bits, bool relu, bool gemm,
			       union circe_hw_desc *descs, uint32_t cap, uint32_t *count)
{
	if (gemm) {
		struct circe_gemm g = {
			.m = batch,
			.k = m->cols,
			.n = m->rows,
			.input = x,
			.input_scale = m->s_in,
			.weights = m->w,
			.weight_bits = 8,
			.weight_scales = m->scales,
			.num_weight_scales = m->rows,
			.bias = m->bias,
			.output = y,
			.output_bits = out_bits,
			.output_scale = m->s_out,
			.relu = relu,
		};

		return circe_gemm_build(&g, m->rq, descs, cap, count);
	}
	{
		struct circe_circ c = {
			.n_in = m->cols,
			.n_out = m->rows,
			.k = m->k,
			.batch = batch,
			.input = x,
			.input_scale = m->s_in,
			.weights = m->w,
			.weight_scales = m->scales,
			.num_weight_scales = m->rows / m->k,
			.bias = m->bias,
			.output = y,
			.output_bits = out_bits,
			.output_scale = m->s_out,
			.relu = relu,
		};

		return circe_circ_build(&c, m->rq, descs, cap, count);
	}
}

/* The run arena's layout for steps steps. */
static int circe_layer_layout(struct circe_layer *l, size_t steps, size_t *bytes)
{
	size_t off = 0, obytes = l->out_bits / 8, g = 4 * l->hidden;
	uint32_t in_count = 0, step_count = 0;
	int err;

	/* The input product's descriptor count does not depend on the
	 * addresses: count it with NULL buffers. */
	err = circe_layer_product(
		&l->mats[0], NULL, steps, NULL, l->kind == CIRCE_LAYER_FC ? l->out_bits : 16,
		l->kind == CIRCE_LAYER_FC && l->relu, l->mats[0].k == 1, NULL, 0, &in_count);
	if (err)
		return err;
	if (l->kind == CIRCE_LAYER_LSTM)
		step_count = l->proj ? 3 : 2;
	if ((uint64_t)step_count * steps + in_count > CIRCE_HW_MAX_CMD_COUNT)
		return circe_err(-E2BIG, "%s: %zu steps need more than %u descriptors in one job",
				 l->kind == CIRCE_LAYER_FC ? "fc layer" : "lstm layer", steps,
				 CIRCE_HW_MAX_CMD_COUNT);
	l->max_cmds = (uint32_t)(step_count * steps + in_count);
	l->off_cmds = off;
	off = circe_layer_align(off + (size_t)l->max_cmds * CIRCE_HW_DESC_BYTES, 64);
	l->off_x = off;
	off = circe_layer_align(off + steps * l->in, 64);
	l->off_y = off;
	off = circe_layer_align(off + steps * l->out * obytes, 64);
	if (l->kind == CIRCE_LAYER_LSTM) {
		l->off_gx = off;
		off = circe_layer_align(off + steps * g * sizeof(int16_t), 64);
		l->off_gh = off;
		off = circe_layer_align(off + g * sizeof(int16_t), 64);
		l->off_c = off;
		off = circe_layer_align(off + l->hidden * sizeof(int16_t), 64);
		l->off_h0 = off;
		off = circe_layer_align(off + l->out, 64);
		l->off_m = off;
		off = circe_layer_align(off + l->hidden, 64);
	}
	*bytes = circe_layer_align(off, CIRCE_HW_PAGE_SIZE);
	return 0;
}

/* Make the run arena hold steps steps (grown, never shrunk). */
static int circe_layer_reserve(struct circe_layer *l, const char *what, size_t steps)
{
	size_t bytes;
	void *p;
	int err;

	if (l->rarena && steps <= l->rsteps)
		return circe_layer_layout(l, l->rsteps, &bytes);
	err = circe_layer_layout(l, steps, &bytes);
	if (err)
		return err;
	p = circe_layer_alloc(bytes);
	if (!p)
		return circe_err(-ENOMEM, "%s: cannot allocate %zu bytes for %zu steps", what,
				 bytes, steps);
	err = circe_mem_register(l->ctx, p, bytes, CIRCE_MEM_RW);
	if (err) {
		free(p);
		return err;
	}
	if (l->rarena) {
		circe_mem_unregister(l->ctx, l->rarena, l->rarena_bytes);
		free(l->rarena);
	}
	l->rarena = p;
	l->rarena_bytes = bytes;
	l->rsteps = steps;
	return 0;
}

/* Where in the sequence descriptor idx lies, for messages. */
struct circe_layer_explain_arg {
	const struct circe_layer *l;
	uint32_t in_count, count;
};

static int circe_layer_explain(int err, const void *job, const struct circe_job_result *res,
			       void *arg)
{
	const struct circe_layer_explain_arg *e = arg;
	const union circe_hw_desc *d = job;
	uint32_t idx = res->err_index < e->count ? res->err_index : 0;
	const char *name = e->l->kind == CIRCE_LAYER_FC ? "fc layer" : "lstm layer";
	char msg[512], where[96];

	snprintf(msg, sizeof(msg), "%s", circe_errmsg());
	if (idx < e->in_count) {
		snprintf(where, sizeof(where), "%s",
			 e->l->kind == CIRCE_LAYER_FC ? "the product" : "the input projection");
	} else {
		size_t step = 0;
		const char *part = "the recurrent product";

		for (uint32_t i = e->in_count; i < idx; i++)
			if (d[i].head.opcode == CIRCE_HW_OP_LSTM)
				step++;
		if (d[idx].head.opcode == CIRCE_HW_OP_LSTM)
			part = "the cell";
		else if (idx > e->in_count && d[idx - 1].head.opcode == CIRCE_HW_OP_LSTM)
			part = "the projection";
		snprintf(where, sizeof(where), "step %zu, %s", step, part);
	}
	return circe_err(err, "%s: %s (descriptor %u of %u): %s", name, where, idx, e->count, msg);
}

static bool circe_layer_all_zero(const int8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

/* The LSTM's per-step descriptors after the input projection. */
static int circe_layer_lstm_steps(struct circe_layer *l, size_t steps, bool zero_h0,
				  union circe_hw_desc *descs, uint32_t cap, uint32_t *count)
{
	char *base = l->rarena;
	int8_t *y = (int8_t *)(base + l->off_y), *h0 = (int8_t *)(base + l->off_h0);
	int8_t *m = (int8_t *)(base + l->off_m);
	int16_t *gx = (int16_t *)(void *)(base + l->off_gx);
	int16_t *gh = (int16_t *)(void *)(base + l->off_gh);
	int16_t *c = (int16_t *)(void *)(base + l->off_c);
	size_t g = 4 * l->hidden;
	uint32_t n = 0, k;
	int err;

	for (size_t t = 0; t < steps; t++) {
		const int8_t *hprev = t ? y + (t - 1) * l->out : h0;
		int8_t *ht = y + t * l->out;
		bool no_gh = t == 0 && zero_h0;
		struct circe_hw_desc_lstm *ld;

		/* From h = 0 the recurrent product is exactly 0 (no bias, zero
		 * point 0): the cell skips it. */
		if (!no_gh) {
			err = circe_layer_product(&l->mats[1], hprev, 1, gh, 16, false, false,
						  descs + n, cap - n, &k);
			if (err)
				return err;
			n += k;
		}
		if (n >= cap)
			return circe_err(-ENOSPC, "lstm layer: command list full at step %zu", t);
		ld = &descs[n++].lstm;
		memset(ld, 0, sizeof(*ld));
		ld->opcode = CIRCE_HW_OP_LSTM;
		ld->flags = no_gh ? CIRCE_HW_LSTM_NO_GH : 0;
		ld->hidden = (uint32_t)l->hidden;
		ld->h_zp = 0;
		ld->h_rq = l->h_rq;
		ld->gx_va = (uint64_t)(uintptr_t)(gx + t * g);
		ld->gh_va = no_gh ? 0 : (uint64_t)(uintptr_t)gh;
		ld->c_in_va = (uint64_t)(uintptr_t)c;
		ld->c_out_va = (uint64_t)(uintptr_t)c;
		ld->h_va = (uint64_t)(uintptr_t)(l->proj ? m : ht);
		ld->status.code = CIRCE_HW_ST_PENDING;
		if (l->proj) {
			err = circe_layer_product(&l->mats[2], m, 1, ht, 8, false, false, descs + n,
						  cap - n, &k);
			if (err)
				return err;
			n += k;
		}
	}
	*count = n;
	return 0;
}

/* Build and run the sequence. With split, the input product is its own
 * job (in_stats) before the steps' job (step_stats): the bench's view. */
static int circe_layer_run_jobs(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
				struct circe_lstm_state *state, bool split,
				struct circe_job_stats *in_stats,
				struct circe_job_stats *step_stats)
{
	const char *what = l->kind == CIRCE_LAYER_FC ? "fc layer" : "lstm layer";
	struct circe_layer_explain_arg arg;
	union circe_hw_desc *descs;
	struct circe_job_stats js;
	uint32_t in_count = 0, step_count = 0;
	size_t obytes = l->out_bits / 8;
	bool zero_h0 = true;
	double start = circe_host_now();
	char *base;
	int err;

	err = circe_layer_reserve(l, what, steps);
	if (err)
		return err;
	base = l->rarena;
	descs = (union circe_hw_desc *)(void *)(base + l->off_cmds);
	memcpy(base + l->off_x, x, steps * l->in);
	if (l->kind == CIRCE_LAYER_LSTM) {
		int16_t *c = (int16_t *)(void *)(base + l->off_c);

		if (state) {
			memcpy(base + l->off_h0, state->h, l->out);
			memcpy(c, state->c, l->hidden * sizeof(int16_t));
			zero_h0 = circe_layer_all_zero(state->h, l->out);
		} else {
			memset(base + l->off_h0, 0, l->out);
			memset(c, 0, l->hidden * sizeof(int16_t));
		}
	}
	err = circe_layer_product(&l->mats[0], base + l->off_x, steps,
				  base + (l->kind == CIRCE_LAYER_FC ? l->off_y : l->off_gx),
				  l->kind == CIRCE_LAYER_FC ? l->out_bits : 16,
				  l->kind == CIRCE_LAYER_FC && l->relu, l->mats[0].k == 1, descs,
				  l->max_cmds, &in_count);
	if (!err && l->kind == CIRCE_LAYER_LSTM)
		err = circe_layer_lstm_steps(l, steps, zero_h0, descs + in_count,
					     l->max_cmds - in_count, &step_count);
	if (err)
		return err;

	arg.l = l;
	arg.in_count = in_count;
	arg.count = in_count + step_count;
	if (split && step_count) {
		err = circe_host_job_run(l->ctx, descs, 0, in_count, circe_layer_explain, &arg,
					 in_stats, start);
		if (!err) {
			arg.in_count = 0;
			arg.count = step_count;
			err = circe_host_job_run(l->ctx, descs + in_count, 0, step_count,
						 circe_layer_explain, &arg, step_stats,
						 circe_host_now());
		}
	} else {
		err = circe_host_job_run(l->ctx, descs, 0, in_count + step_count,
					 circe_layer_explain, &arg, &js, start);
		if (in_stats)
			*in_stats = js;
	}
	if (err)
		return err;
	memcpy(y, base + l->off_y, steps * l->out * obytes);
	if (state && l->kind == CIRCE_LAYER_LSTM) {
		memcpy(state->h, base + l->off_y + (steps - 1) * l->out, l->out);
		memcpy(state->c, base + l->off_c, l->hidden * sizeof(int16_t));
	}
	return 0;
}

static int circe_layer_run_check(struct circe_layer *l, const int8_t *x, size_t steps,
				 const void *y, const struct circe_lstm_state *state)
{
	const char *what;

	if (!l)
		return circe_err(-EINVAL, "layer run: NULL layer");
	what = l->kind == CIRCE_LAYER_FC ? "fc layer" : "lstm layer";
	if (!x || !y)
		return circe_err(-EINVAL, "%s: NULL %s", what, x ? "output" : "input");
	if (!steps)
		return circe_err(-EINVAL, "%s: steps = 0, must be at least 1", what);
	if (steps > CIRCE_HW_GEMM_MAX_M * (size_t)16)
		return circe_err(-E2BIG, "%s: %zu steps, at most %zu per call", what, steps,
				 CIRCE_HW_GEMM_MAX_M * (size_t)16);
	if (state && l->kind == CIRCE_LAYER_LSTM && (!state->h || !state->c))
		return circe_err(-EINVAL, "%s: state with a NULL %s", what, state->h ? "c" : "h");
	return 0;
}

int circe_layer_run(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
		    struct circe_lstm_state *state, struct circe_job_stats *stats)
{
	int err = circe_layer_run_check(l, x, steps, y, state);

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (err)
		return err;
	return circe_layer_run_jobs(l, x, steps, y, state, false, stats, NULL);
}

int circe_layer_run_split(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
			  struct circe_lstm_state *state, struct circe_job_stats *in_stats,
			  struct circe_job_stats *step_stats)
{
	int err = circe_layer_run_check(l, x, steps, y, state);

	if (in_stats)
		memset(in_stats, 0, sizeof(*in_stats));
	if (step_stats)
		memset(step_stats, 0, sizeof(*step_stats));
	if (err)
		return err;
	return circe_layer_run_jobs(l, x, steps, y, state, true, in_stats, step_stats);
}

int circe_layer_weight_bytes(const struct circe_layer *l, size_t *ih, size_t *hh, size_t *proj)
{
	if (!l)
		return circe_err(-EINVAL, "layer weight bytes: NULL layer");
	*ih = l->mats[0].rows / l->mats[0].k * l->mats[0].cols;
	*hh = l->kind == CIRCE_LAYER_LSTM ? l->mats[1].rows / l->mats[1].k * l->mats[1].cols : 0;
	*proj = l->kind == CIRCE_LAYER_LSTM && l->proj
			? l->mats[2].rows / l->mats[2].k * l->mats[2].cols
			: 0;
	return 0;
}
