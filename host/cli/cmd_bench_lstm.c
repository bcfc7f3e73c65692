/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe bench lstm: one LSTM layer (host/layers.h) with seeded random
 * weights, dense or block-circulant, run over a sequence on the device,
 * the input projection and the recurrent steps as two jobs so that the
 * steps' figures stand alone: cycles per step, array utilization, weight
 * bytes per step, frames (steps) per second at the device tree's clock,
 * and whether the same run on fmodel gives the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "host/cli/cli.h"
#include "host/layers.h"

enum {
	CIRCE_CLI_LSTM_OPT_INPUT,
	CIRCE_CLI_LSTM_OPT_HIDDEN,
	CIRCE_CLI_LSTM_OPT_PROJ,
	CIRCE_CLI_LSTM_OPT_K,
	CIRCE_CLI_LSTM_OPT_STEPS,
	CIRCE_CLI_LSTM_OPT_SEED,
	CIRCE_CLI_LSTM_OPT_CHECK,
	CIRCE_CLI_LSTM_OPT_JSON,
};

static const struct circe_cli_opt circe_cli_lstm_opts[] = {
	{ "input", true, CIRCE_CLI_LSTM_OPT_INPUT },
	{ "hidden", true, CIRCE_CLI_LSTM_OPT_HIDDEN },
	{ "proj", true, CIRCE_CLI_LSTM_OPT_PROJ },
	{ "k", true, CIRCE_CLI_LSTM_OPT_K },
	{ "steps", true, CIRCE_CLI_LSTM_OPT_STEPS },
	{ "seed", true, CIRCE_CLI_LSTM_OPT_SEED },
	{ "check", true, CIRCE_CLI_LSTM_OPT_CHECK },
	{ "json", false, CIRCE_CLI_LSTM_OPT_JSON },
	{ NULL, false, 0 },
};

/* The Google LSTM shape that C-LSTM used. */
#define CIRCE_CLI_LSTM_DEFAULT_INPUT 153u
#define CIRCE_CLI_LSTM_DEFAULT_HIDDEN 1024u
#define CIRCE_CLI_LSTM_DEFAULT_STEPS 8u
#define CIRCE_CLI_LSTM_MAX_STEPS 4096u
/* The projection's calibration range (random weights: outputs stay near
 * the unit range). */
#define CIRCE_CLI_LSTM_PROJ_ABSMAX 1.0f

static const char *const circe_cli_lstm_ks[] = { "1", "2", "4", "8", "16" };

struct circe_cli_lstm_args {
	uint64_t input, hidden, proj, k, steps, seed;
	bool check; /* run on fmodel too and compare the bytes */
	bool json;
};

static void circe_cli_lstm_help(void)
{
	printf("usage: circe bench lstm [--input N] [--hidden N] [--proj N] [--k 1|2|4|8|16]\n"
	       "                        [--steps T] [--seed S] [--check yes|no] [--json]\n"
	       "                        [--backend URI] [--dtb PATH]\n\n"
	       "Run one LSTM layer with seeded random weights (dense with --k 1, else\n"
	       "block-circulant with k x k blocks in every matrix) over T steps from a random\n"
	       "initial state, the input projection of all steps and the recurrent steps as\n"
	       "two jobs, and print the steps' figures: cycles per step, array utilization\n"
	       "(MACs / (cycles * rows * cols)), int8 weight bytes read per step, DMA bytes\n"
	       "per step, frames (steps) per second at the device tree's clock, and whether\n"
	       "fmodel gives the same output bytes. An input size that k does not divide is\n"
	       "padded with zero inputs to the next multiple (input_padded).\n\n"
	       "Options:\n"
	       "  --input N      input size (default %u)\n"
	       "  --hidden N     hidden size (default %u)\n"
	       "  --proj N       projection size, 0 for none (default 0)\n"
	       "  --k K          block size of every matrix (default 1: dense)\n"
	       "  --steps T      sequence length, in [1, %u] (default %u)\n"
	       "  --seed S       random seed (default 1)\n"
	       "  --check yes|no run the same layer on fmodel and compare the output bytes\n"
	       "                 (default yes; on fmodel itself there is nothing to compare)\n"
	       "  --json         one JSON object instead of the table\n\n" CIRCE_CLI_GLOBAL_HELP,
	       CIRCE_CLI_LSTM_DEFAULT_INPUT, CIRCE_CLI_LSTM_DEFAULT_HIDDEN,
	       CIRCE_CLI_LSTM_MAX_STEPS, CIRCE_CLI_LSTM_DEFAULT_STEPS);
}

static int circe_cli_lstm_parse(struct circe_cli *cli, struct circe_cli_iter *it,
				struct circe_cli_lstm_args *a, bool *help)
{
	static const char *const yes_no[] = { "no", "yes" };
	const char *arg;
	size_t idx;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	a->input = CIRCE_CLI_LSTM_DEFAULT_INPUT;
	a->hidden = CIRCE_CLI_LSTM_DEFAULT_HIDDEN;
	a->k = 1;
	a->steps = CIRCE_CLI_LSTM_DEFAULT_STEPS;
	a->seed = 1;
	a->check = true;
	*help = false;
	while ((id = circe_cli_next(it, cli, circe_cli_lstm_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_LSTM_OPT_INPUT:
			err = circe_cli_parse_u64("--input", arg, 1, CIRCE_HW_CIRC_MAX_IN,
						  &a->input);
			break;
		case CIRCE_CLI_LSTM_OPT_HIDDEN:
			err = circe_cli_parse_u64("--hidden", arg, 1, CIRCE_HW_CIRC_MAX_OUT / 4,
						  &a->hidden);
			break;
		case CIRCE_CLI_LSTM_OPT_PROJ:
			err = circe_cli_parse_u64("--proj", arg, 0, CIRCE_HW_CIRC_MAX_IN, &a->proj);
			break;
		case CIRCE_CLI_LSTM_OPT_K:
			err = circe_cli_parse_word("--k", arg, circe_cli_lstm_ks, 5, &idx);
			if (!err)
				a->k = (uint64_t)1 << idx;
			break;
		case CIRCE_CLI_LSTM_OPT_STEPS:
			err = circe_cli_parse_u64("--steps", arg, 1, CIRCE_CLI_LSTM_MAX_STEPS,
						  &a->steps);
			break;
		case CIRCE_CLI_LSTM_OPT_SEED:
			err = circe_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &a->seed);
			break;
		case CIRCE_CLI_LSTM_OPT_CHECK:
			err = circe_cli_parse_word("--check", arg, yes_no, 2, &idx);
			if (!err)
				a->check = idx == 1;
			break;
		case CIRCE_CLI_LSTM_OPT_JSON:
			a->json = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			return circe_err(-EINVAL, "unexpected argument '%s'", arg);
		default:
			return id < 0 ? id : circe_err(-EINVAL, "unexpected option");
		}
		if (err)
			return err;
	}
	if (a->hidden % a->k || (a->proj && a->proj % a->k))
		return circe_err(-EINVAL,
				 "--k %" PRIu64 " must divide --hidden %" PRIu64
				 " and --proj %" PRIu64,
				 a->k, a->hidden, a->proj);
	return 0;
}

/* splitmix64: the weights and inputs of a seed. */
static uint64_t circe_cli_lstm_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static float circe_cli_lstm_uniform(uint64_t *s, float a)
{
	return a * (2.0f * (float)(circe_cli_lstm_rand(s) >> 40) / (float)(1u << 24) - 1.0f);
}

struct circe_cli_lstm_model {
	struct circe_lstm_desc d;
	float *wih, *whh, *bias, *wproj;
	int8_t *x, *h0; /* [steps][input_padded], [R] */
	size_t in_padded, r;
};

static void circe_cli_lstm_model_free(struct circe_cli_lstm_model *m)
{
	free(m->wih);
	free(m->whh);
	free(m->bias);
	free(m->wproj);
	free(m->x);
	free(m->h0);
}

/* PyTorch's init range U(-1/sqrt(H), 1/sqrt(H)) for every weight (a
 * circulant block's k values each stand for k weights); the padded input
 * columns are zero in x, so their weights add nothing. */
static int circe_cli_lstm_model_make(const struct circe_cli_lstm_args *a,
				     struct circe_cli_lstm_model *m)
{
	size_t k = a->k, g = 4 * a->hidden, nih, nhh, np = 0;
	float range = 1.0f / sqrtf((float)a->hidden);
	uint64_t s = a->seed;

	memset(m, 0, sizeof(*m));
	m->in_padded = (a->input + k - 1) / k * k;
	m->r = a->proj ? a->proj : a->hidden;
	nih = g * m->in_padded / k;
	nhh = g * m->r / k;
	m->wih = malloc(nih * sizeof(float));
	m->whh = malloc(nhh * sizeof(float));
	m->bias = malloc(g * sizeof(float));
	m->x = calloc(a->steps * m->in_padded, 1);
	m->h0 = malloc(m->r);
	if (a->proj) {
		np = a->proj * a->hidden / k;
		m->wproj = malloc(np * sizeof(float));
	}
	if (!m->wih || !m->whh || !m->bias || !m->x || !m->h0 || (a->proj && !m->wproj))
		return circe_err(-ENOMEM, "out of memory for the weights");
	for (size_t i = 0; i < nih; i++)
		m->wih[i] = circe_cli_lstm_uniform(&s, range);
	for (size_t i = 0; i < nhh; i++)
		m->whh[i] = circe_cli_lstm_uniform(&s, range);
	for (size_t i = 0; i < g; i++)
		m->bias[i] = circe_cli_lstm_uniform(&s, range);
	for (size_t i = 0; i < np; i++)
		m->wproj[i] = circe_cli_lstm_uniform(&s, range);
	for (size_t t = 0; t < a->steps; t++)
		for (size_t i = 0; i < a->input; i++)
			m->x[t * m->in_padded + i] = (int8_t)(circe_cli_lstm_rand(&s) % 255 - 127);
	/* A nonzero initial h, so that every step has its recurrent product. */
	for (size_t i = 0; i < m->r; i++)
		m->h0[i] = (int8_t)(circe_cli_lstm_rand(&s) % 201 - 100);
	m->d = (struct circe_lstm_desc){
		.in = m->in_padded,
		.hidden = a->hidden,
		.proj = a->proj,
		.k_ih = k,
		.k_hh = k,
		.k_proj = k,
		.weight_ih = m->wih,
		.weight_hh = m->whh,
		.bias = m->bias,
		.weight_proj = m->wproj,
		.in_scale = 1.0f / 127.0f,
		.proj_absmax = CIRCE_CLI_LSTM_PROJ_ABSMAX,
	};
	return 0;
}

struct circe_cli_lstm_run {
	struct circe_job_stats in_stats, step_stats;
	int8_t *y; /* [steps][R] */
	int8_t *h;
	int16_t *c;
	size_t wih, whh, wproj;
};

static void circe_cli_lstm_run_free(struct circe_cli_lstm_run *r)
{
	free(r->y);
	free(r->h);
	free(r->c);
}

/* The layer on one device: create, run (two jobs), destroy. what names
 * the stage on failure. */
static int circe_cli_lstm_run_on(struct circe_dev *dev, const struct circe_cli_lstm_args *a,
				 const struct circe_cli_lstm_model *m, struct circe_cli_lstm_run *r,
				 const char **what)
{
	struct circe_ctx *ctx = NULL;
	struct circe_layer *l = NULL;
	struct circe_lstm_state st;
	int err;

	memset(r, 0, sizeof(*r));
	r->y = malloc(a->steps * m->r);
	r->h = malloc(m->r);
	r->c = calloc(a->hidden, sizeof(int16_t));
	if (!r->y || !r->h || !r->c) {
		*what = "memory";
		return circe_err(-ENOMEM, "out of memory for the output");
	}
	memcpy(r->h, m->h0, m->r);
	*what = "context";
	err = circe_ctx_create(dev, &ctx);
	if (err)
		return err;
	*what = "lstm layer";
	err = circe_layer_lstm_create(ctx, &m->d, &l);
	if (!err)
		err = circe_layer_weight_bytes(l, &r->wih, &r->whh, &r->wproj);
	if (!err) {
		*what = "run";
		st.h = r->h;
		st.c = r->c;
		err = circe_layer_run_split(l, m->x, a->steps, r->y, &st, &r->in_stats,
					    &r->step_stats);
	}
	circe_layer_destroy(l);
	circe_ctx_destroy(ctx);
	return err;
}

static void circe_cli_lstm_print(const struct circe_cli *cli, const struct circe_cli_lstm_args *a,
				 const struct circe_cli_lstm_model *m,
				 const struct circe_cli_lstm_run *r, const struct circe_info *info,
				 int bit_exact)
{
	const struct circe_job_stats *st = &r->step_stats;
	double T = (double)a->steps, cps = (double)st->cycles / T;
	double cells = (double)info->array_rows * info->array_cols;
	bool cyc = st->cycles_valid && st->cycles;
	double util = cyc ? (double)st->macs / ((double)st->cycles * cells) : 0;
	double fps = cyc ? (double)info->clock_hz / cps : 0;
	size_t wb = r->whh + r->wproj;
	size_t dense = 4 * a->hidden * m->r + a->proj * a->hidden;
	const char *exact = bit_exact < 0 ? "null" : (bit_exact ? "true" : "false");

	if (a->json) {
		printf("{\"benchmark\": \"lstm\", \"backend\": ");
		circe_cli_json_string(stdout, cli->backend_uri);
		circe_cli_json_u64("input", a->input);
		circe_cli_json_u64("input_padded", m->in_padded);
		circe_cli_json_u64("hidden", a->hidden);
		circe_cli_json_u64("proj", a->proj);
		circe_cli_json_u64("k", a->k);
		circe_cli_json_u64("steps", a->steps);
		circe_cli_json_u64("seed", a->seed);
		circe_cli_json_u64("array_rows", info->array_rows);
		circe_cli_json_u64("array_cols", info->array_cols);
		circe_cli_json_opt("cycles", cyc, (double)st->cycles, "%.0f");
		circe_cli_json_opt("cycles_per_step", cyc, cps, "%.1f");
		circe_cli_json_opt("input_projection_cycles", r->in_stats.cycles_valid,
				   (double)r->in_stats.cycles, "%.0f");
		circe_cli_json_u64("macs_per_step", (uint64_t)((double)st->macs / T));
		circe_cli_json_opt("utilization", cyc, util, "%.4f");
		circe_cli_json_u64("weight_bytes_per_step", wb);
		circe_cli_json_u64("dense_weight_bytes_per_step", dense);
		circe_cli_json_opt("weight_reduction", true, (double)dense / (double)wb, "%.2f");
		circe_cli_json_opt("dma_read_bytes_per_step", true, (double)st->dma_read_bytes / T,
				   "%.1f");
		circe_cli_json_opt("dma_write_bytes_per_step", true,
				   (double)st->dma_write_bytes / T, "%.1f");
		circe_cli_json_opt("frames_per_second", cyc, fps, "%.1f");
		circe_cli_json_u64("clock_hz", info->clock_hz);
		printf(", \"bit_exact\": %s", exact);
		circe_cli_json_opt("wall_seconds", true,
				   r->in_stats.wall_seconds + st->wall_seconds, "%.3f");
		printf("}\n");
		return;
	}
	printf("backend %s, input %" PRIu64 " (padded %zu), hidden %" PRIu64 ", proj %" PRIu64
	       ", k %" PRIu64 ", %" PRIu64 " steps, %ux%u array\n",
	       cli->backend_uri, a->input, m->in_padded, a->hidden, a->proj, a->k, a->steps,
	       info->array_rows, info->array_cols);
	if (cyc) {
		printf("  cycles per step       %.1f (steps' job %" PRIu64
		       "; input projection %" PRIu64 ")\n",
		       cps, st->cycles, r->in_stats.cycles);
		printf("  utilization           %.4f (%.0f MACs per step)\n", util,
		       (double)st->macs / T);
		printf("  frames per second     %.1f at %.0f MHz\n", fps,
		       (double)info->clock_hz / 1e6);
	} else {
		printf("  cycles per step       n/a (%s counts no cycles)\n", info->backend);
		printf("  MACs per step         %.0f\n", (double)st->macs / T);
	}
	printf("  weight bytes per step %zu (dense %zu: %.2fx less)\n", wb, dense,
	       (double)dense / (double)wb);
	printf("  DMA read per step     %.1f bytes\n", (double)st->dma_read_bytes / T);
	printf("  bit exact vs fmodel   %s\n",
	       bit_exact < 0 ? "not compared" : (bit_exact ? "yes" : "NO"));
}

int circe_cli_bench_lstm(struct circe_cli *cli, struct circe_cli_iter *it)
{
	struct circe_cli_lstm_args a;
	struct circe_cli_lstm_model m;
	struct circe_cli_lstm_run run, ref;
	struct circe_dev *dev = NULL, *fdev = NULL;
	struct circe_info info;
	const char *what = "";
	int bit_exact = -1, rc = CIRCE_CLI_EXIT_OK;
	bool help;
	int err;

	err = circe_cli_lstm_parse(cli, it, &a, &help);
	if (err)
		return circe_cli_usage(cli, "options", err);
	if (help) {
		circe_cli_lstm_help();
		return CIRCE_CLI_EXIT_OK;
	}
	memset(&run, 0, sizeof(run));
	memset(&ref, 0, sizeof(ref));
	err = circe_cli_lstm_model_make(&a, &m);
	if (err) {
		rc = circe_cli_fail(cli, "weights", err);
		goto free_model;
	}
	err = circe_cli_open(cli, &dev);
	if (err) {
		rc = circe_cli_fail(cli, cli->open_what, err);
		goto free_model;
	}
	err = circe_get_info(dev, &info);
	if (!err)
		err = circe_cli_lstm_run_on(dev, &a, &m, &run, &what);
	if (err) {
		rc = circe_cli_fail(cli, what, err);
		goto close;
	}
	if (a.check && strcmp(info.backend, "fmodel")) {
		err = circe_open("fmodel:", NULL, &fdev);
		if (!err)
			err = circe_cli_lstm_run_on(fdev, &a, &m, &ref, &what);
		if (err) {
			rc = circe_cli_fail(cli, "fmodel check", err);
			goto close;
		}
		bit_exact = !memcmp(run.y, ref.y, a.steps * m.r) && !memcmp(run.h, ref.h, m.r) &&
			    !memcmp(run.c, ref.c, a.hidden * sizeof(int16_t));
	}
	circe_cli_lstm_print(cli, &a, &m, &run, &info, bit_exact);
	if (bit_exact == 0) {
		fprintf(stderr, "circe %s: the output differs from fmodel's\n", cli->cmd);
		rc = CIRCE_CLI_EXIT_RUNTIME;
	}
close:
	circe_close(fdev);
	circe_close(dev);
free_model:
	circe_cli_lstm_run_free(&run);
	circe_cli_lstm_run_free(&ref);
	circe_cli_lstm_model_free(&m);
	return rc;
}
