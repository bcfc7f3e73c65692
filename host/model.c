/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe_model_*: a validated model file (host/model_graph.c) turned into
 * device layers (host/layers.h) with the activation scales chained from the
 * input range, and run sequence by sequence.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "driver/driver.h"
#include "host/layers.h"
#include "host/model.h"

struct circe_model {
	struct circe_ctx *ctx;
	struct circe_model_graph g; /* tensors freed once the layers hold them */
	struct circe_layer **layers;
	struct circe_model_layer_info *info;
	float in_scale;
	size_t max_width; /* widest activation of a step (elements) */
};

void circe_model_destroy(struct circe_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->layers && i < m->g.nlayers; i++)
		circe_layer_destroy(m->layers[i]);
	free(m->layers);
	free(m->info);
	circe_model_graph_free(&m->g);
	free(m);
}

/* A device without the units a layer needs would fail its first job with
 * an illegal descriptor; say which unit at load time instead. An LSTM runs
 * its recurrent products as CIRC (dense ones with k = 1) and its cells as
 * LSTM descriptors. */
static int circe_model_check_features(const struct circe_model *m)
{
	struct circe_info info;
	int err = circe_get_info(circe_ctx_dev(m->ctx), &info);

	if (err)
		return err;
	for (size_t i = 0; i < m->g.nlayers; i++) {
		const struct circe_model_spec *s = &m->g.layers[i];
		/* A product with k = 1 over all steps is a GEMM, else a CIRC. */
		size_t k_in = s->type == CIRCE_MODEL_LAYER_LSTM ? s->k_ih : s->k;
		uint32_t need = k_in == 1 ? CIRCE_HW_FEAT_GEMM : CIRCE_HW_FEAT_CIRC;
		uint32_t missing;

		if (s->type == CIRCE_MODEL_LAYER_LSTM)
			need |= CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM;
		missing = need & ~info.features;

		if (missing)
			return circe_err(
				-EOPNOTSUPP,
				"model: layers[%zu] '%s': the %s device has no %s (FEATURES "
				"0x%x)",
				i, s->name, info.backend,
				missing & CIRCE_HW_FEAT_CIRC   ? "block-circulant (CIRC) unit"
				: missing & CIRCE_HW_FEAT_LSTM ? "LSTM unit"
							       : "GEMM unit",
				(unsigned)info.features);
	}
	return 0;
}

static int circe_model_build(struct circe_model *m)
{
	float scale = m->in_scale;
	int err;

	err = circe_model_check_features(m);
	if (err)
		return err;
	m->max_width = m->g.features;
	for (size_t i = 0; i < m->g.nlayers; i++) {
		const struct circe_model_spec *s = &m->g.layers[i];
		struct circe_model_layer_info *li = &m->info[i];
		bool last = i + 1 == m->g.nlayers;

		if (s->type == CIRCE_MODEL_LAYER_FC) {
			struct circe_fc_desc d = {
				.in = s->in,
				.out = s->out,
				.k = s->k,
				.weight = s->weight,
				.bias = s->bias,
				.relu = s->relu,
				.in_scale = scale,
				.out_absmax = s->out_absmax,
				/* The model's own output: int16 for a finer result. */
				.out_bits = last ? 16 : 8,
			};

			err = circe_layer_fc_create(m->ctx, &d, &m->layers[i]);
		} else {
			struct circe_lstm_desc d = {
				.in = s->in,
				.hidden = s->hidden,
				.proj = s->proj,
				.k_ih = s->k_ih,
				.k_hh = s->k_hh,
				.k_proj = s->k_proj,
				.weight_ih = s->weight_ih,
				.weight_hh = s->weight_hh,
				.bias = s->bias,
				.weight_proj = s->weight_proj,
				.in_scale = scale,
				.proj_absmax = s->proj_absmax,
			};

			err = circe_layer_lstm_create(m->ctx, &d, &m->layers[i]);
		}
		if (err) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", circe_errmsg());
			return circe_err(err, "model: layers[%zu] '%s': %s", i, s->name, msg);
		}
		li->type = s->type;
		li->name = s->name;
		li->in = s->in;
		li->out = s->out;
		li->hidden = s->hidden;
		li->proj = s->proj;
		li->k_ih = s->k_ih;
		li->k_hh = s->k_hh;
		li->k_proj = s->k_proj;
		li->return_sequences = s->return_sequences;
		li->k = s->k;
		li->relu = s->relu;
		li->in_scale = scale;
		li->out_scale = circe_layer_out_scale(m->layers[i]);
		li->out_bits = circe_layer_out_bits(m->layers[i]);
		scale = li->out_scale;
		if (s->out > m->max_width)
			m->max_width = s->out;
	}
	return 0;
}

int circe_model_load_buffer(struct circe_ctx *ctx, const void *buf, size_t len,
			    struct circe_model **out)
{
	struct circe_st_file st;
	struct circe_model *m;
	int err;

	if (!out)
		return circe_err(-EINVAL, "model: NULL output");
	*out = NULL;
	if (!ctx)
		return circe_err(-EINVAL, "model: NULL context");
	m = calloc(1, sizeof(*m));
	if (!m)
		return circe_err(-ENOMEM, "model: out of memory");
	m->ctx = ctx;
	err = circe_st_parse(buf, len, &st);
	if (err)
		goto free_model;
	err = circe_model_graph_parse(&st, &m->g);
	circe_st_free(&st);
	if (err)
		goto free_model;
	m->in_scale = m->g.absmax / 127.0f;
	if (!(m->in_scale > 0)) {
		err = circe_err(-EINVAL, "model: circe.graph: input.absmax %g is too small",
				(double)m->g.absmax);
		goto free_model;
	}
	m->layers = calloc(m->g.nlayers, sizeof(*m->layers));
	m->info = calloc(m->g.nlayers, sizeof(*m->info));
	if (!m->layers || !m->info) {
		err = circe_err(-ENOMEM, "model: out of memory");
		goto free_model;
	}
	err = circe_model_build(m);
	if (err)
		goto free_model;
	/* The layers quantized their own copies. */
	circe_model_graph_free_tensors(&m->g);
	*out = m;
	return 0;

free_model:
	circe_model_destroy(m);
	return err;
}

int circe_model_load(struct circe_ctx *ctx, const char *path, struct circe_model **out)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (!out)
		return circe_err(-EINVAL, "model: NULL output");
	*out = NULL;
	err = circe_st_read(path, &buf, &len);
	if (err)
		return err;
	err = circe_model_load_buffer(ctx, buf, len, out);
	free(buf);
	return err;
}

int circe_model_get_info(const struct circe_model *m, struct circe_model_info *info)
{
	if (!m || !info)
		return circe_err(-EINVAL, "model: NULL %s", m ? "info" : "model");
	memset(info, 0, sizeof(*info));
	info->in_features = m->g.features;
	info->out_features = m->g.out_features;
	info->out_sequence = m->g.out_sequence;
	info->num_layers = m->g.nlayers;
	info->input_absmax = m->g.absmax;
	return 0;
}

int circe_model_get_layer(const struct circe_model *m, size_t i,
			  struct circe_model_layer_info *info)
{
	if (!m || !info)
		return circe_err(-EINVAL, "model: NULL %s", m ? "info" : "model");
	if (i >= m->g.nlayers)
		return circe_err(-EINVAL, "model: layer %zu: the model has %zu", i, m->g.nlayers);
	*info = m->info[i];
	return 0;
}

static void circe_model_add_stats(struct circe_job_stats *sum, const struct circe_job_stats *s)
{
	sum->cycles_valid = s->cycles_valid;
	sum->cycles += s->cycles;
	sum->compute_cycles += s->compute_cycles;
	sum->macs += s->macs;
	sum->dma_read_bytes += s->dma_read_bytes;
	sum->dma_write_bytes += s->dma_write_bytes;
	sum->tlb_l1_hits += s->tlb_l1_hits;
	sum->tlb_l1_misses += s->tlb_l1_misses;
	sum->tlb_l2_hits += s->tlb_l2_hits;
	sum->tlb_l2_misses += s->tlb_l2_misses;
	sum->walks += s->walks;
	sum->walk_cycles += s->walk_cycles;
	sum->faults += s->faults;
	sum->stall_cycles += s->stall_cycles;
	sum->pte_reads += s->pte_reads;
	sum->walk_cache_hits += s->walk_cache_hits;
	sum->descriptors += s->descriptors;
	sum->wall_seconds += s->wall_seconds;
}

/* One sequence: x float [steps][features] -> y float. */
static int circe_model_run_one(struct circe_model *m, const float *x, size_t steps, float *y,
			       void *a, void *b, struct circe_job_stats *stats, size_t seq)
{
	int8_t *q = a;
	size_t nsteps = steps;
	void *cur = a, *next = b;

	for (size_t i = 0; i < steps * m->g.features; i++) {
		float v = x[i];

		if (!isfinite(v))
			return circe_err(-EINVAL, "model: input [%zu][%zu][%zu] is %s", seq,
					 i / m->g.features, i % m->g.features,
					 isnan(v) ? "NaN" : "infinite");
		v = roundf(v / m->in_scale);
		q[i] = (int8_t)(v > 127.0f ? 127 : v < -127.0f ? -127 : v);
	}
	for (size_t l = 0; l < m->g.nlayers; l++) {
		const struct circe_model_layer_info *li = &m->info[l];
		struct circe_job_stats s;
		void *tmp;
		int err;

		memset(&s, 0, sizeof(s));
		err = circe_layer_run(m->layers[l], cur, nsteps, next, NULL, &s);
		if (err) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", circe_errmsg());
			return circe_err(err, "model: sequence %zu: layers[%zu] '%s': %s", seq, l,
					 li->name, msg);
		}
		if (stats)
			circe_model_add_stats(stats, &s);
		if (li->type == CIRCE_MODEL_LAYER_LSTM && !li->return_sequences) {
			/* Keep the last step: move it to the front. */
			memmove(next, (int8_t *)next + (nsteps - 1) * li->out, li->out);
			nsteps = 1;
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	{
		const struct circe_model_layer_info *last = &m->info[m->g.nlayers - 1];
		size_t n = nsteps * last->out;

		if (last->out_bits == 16) {
			const int16_t *o = cur;

			for (size_t i = 0; i < n; i++)
				y[i] = (float)o[i] * last->out_scale;
		} else {
			const int8_t *o = cur;

			for (size_t i = 0; i < n; i++)
				y[i] = (float)o[i] * last->out_scale;
		}
	}
	return 0;
}

int circe_model_run(struct circe_model *m, const float *x, size_t n, size_t steps, float *y,
		    struct circe_job_stats *stats)
{
	size_t in_len, out_len, buf_len;
	void *a = NULL, *b = NULL;
	int err = 0;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!m || !x || !y)
		return circe_err(-EINVAL, "model: run: NULL %s", !m ? "model" : !x ? "x" : "y");
	if (!n || !steps)
		return circe_err(-EINVAL, "model: run: %zu sequences of %zu steps", n, steps);
	/* Two step-major buffers of the widest activation (2 bytes for int16). */
	if (steps > SIZE_MAX / 2 / m->max_width / n)
		return circe_err(-EINVAL, "model: run: %zu sequences of %zu steps is too large", n,
				 steps);
	in_len = steps * m->g.features;
	out_len = (m->g.out_sequence ? steps : 1) * m->g.out_features;
	buf_len = steps * m->max_width * 2;
	a = malloc(buf_len);
	b = malloc(buf_len);
	if (!a || !b) {
		err = circe_err(-ENOMEM, "model: run: cannot allocate 2 x %zu bytes", buf_len);
		goto free_bufs;
	}
	for (size_t s = 0; s < n && !err; s++)
		err = circe_model_run_one(m, x + s * in_len, steps, y + s * out_len, a, b, stats,
					  s);
free_bufs:
	free(a);
	free(b);
	return err;
}
