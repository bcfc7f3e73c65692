/* SPDX-License-Identifier: Apache-2.0 */
/* circe run: a model file (docs/model-format.md) over a .npy input on the
 * device. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "host/cli/cli.h"

enum {
	CIRCE_CLI_RUN_MODEL,
	CIRCE_CLI_RUN_INPUT,
	CIRCE_CLI_RUN_OUTPUT,
	CIRCE_CLI_RUN_STATS,
	CIRCE_CLI_RUN_JSON,
};

static const struct circe_cli_opt circe_cli_run_opts[] = {
	{ "model", true, CIRCE_CLI_RUN_MODEL },	  { "input", true, CIRCE_CLI_RUN_INPUT },
	{ "output", true, CIRCE_CLI_RUN_OUTPUT }, { "stats", false, CIRCE_CLI_RUN_STATS },
	{ "json", false, CIRCE_CLI_RUN_JSON },	  { NULL, false, 0 },
};

struct circe_cli_run_args {
	const char *model, *input, *output;
	bool stats, json;
};

static void circe_cli_run_help(void)
{
	printf("usage: circe run --model M.safetensors --input X.npy --output Y.npy\n"
	       "                 [--stats] [--json] [--backend URI] [--dtb PATH]\n\n"
	       "Run a model file (docs/model-format.md) on the device: the input is\n"
	       "quantized with the model's input range, runs through its layers (int8\n"
	       "between layers) and the last layer's output is written dequantized.\n\n"
	       "Options:\n"
	       "  --model M.safetensors  the model (weights, graph, calibration ranges)\n"
	       "  --input X.npy          float32 [N,T,features] (N sequences of T steps)\n"
	       "                         or [T,features] (one sequence)\n"
	       "  --output Y.npy         float32 [N,out] (last step) or [N,T,out] (every\n"
	       "                         step), without N for a 2-D input\n"
	       "  --stats                print the device's figures, summed over the jobs\n"
	       "  --json                 print one JSON object: the model, the shapes and\n"
	       "                         the figures\n\n" CIRCE_CLI_GLOBAL_HELP);
}

static int circe_cli_run_parse(struct circe_cli *cli, int argc, char **argv,
			       struct circe_cli_run_args *a, bool *help)
{
	struct circe_cli_iter it;
	const char *arg;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	*help = false;
	circe_cli_iter_init(&it, argc, argv);
	while ((id = circe_cli_next(&it, cli, circe_cli_run_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_RUN_MODEL:
			a->model = arg;
			break;
		case CIRCE_CLI_RUN_INPUT:
			a->input = arg;
			break;
		case CIRCE_CLI_RUN_OUTPUT:
			a->output = arg;
			break;
		case CIRCE_CLI_RUN_STATS:
			a->stats = true;
			break;
		case CIRCE_CLI_RUN_JSON:
			a->json = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			err = circe_err(-EINVAL, "unexpected argument '%s'", arg);
			break;
		default:
			err = id < 0 ? id : circe_err(-EINVAL, "unhandled option %d", id);
			break;
		}
		if (err)
			return err;
	}
	if (!a->model)
		return circe_err(-EINVAL, "missing required option --model");
	if (!a->input)
		return circe_err(-EINVAL, "missing required option --input");
	if (!a->output)
		return circe_err(-EINVAL, "missing required option --output");
	return 0;
}

static void circe_cli_run_print_stats(const struct circe_job_stats *s)
{
	printf("descriptors      %" PRIu64 "\n", s->descriptors);
	printf("macs             %" PRIu64 "\n", s->macs);
	if (s->cycles_valid)
		printf("cycles           %" PRIu64 " (compute %" PRIu64 ", stall %" PRIu64 ")\n",
		       s->cycles, s->compute_cycles, s->stall_cycles);
	else
		printf("cycles           n/a (backend has no cycle counts)\n");
	printf("dma read bytes   %" PRIu64 "\n", s->dma_read_bytes);
	printf("dma write bytes  %" PRIu64 "\n", s->dma_write_bytes);
	printf("tlb l1           %" PRIu64 " hits, %" PRIu64 " misses\n", s->tlb_l1_hits,
	       s->tlb_l1_misses);
	printf("walks            %" PRIu64 "\n", s->walks);
	printf("faults           %" PRIu64 "\n", s->faults);
	printf("wall seconds     %.6f\n", s->wall_seconds);
}

static void circe_cli_run_json(const struct circe_cli *cli, const struct circe_cli_run_args *a,
			       const struct circe_model *m, const struct circe_model_info *mi,
			       size_t n, size_t steps, const struct circe_job_stats *s)
{
	printf("{\"model\":");
	circe_cli_json_string(stdout, a->model);
	printf(",\"backend\":");
	circe_cli_json_string(stdout, cli->backend_uri);
	printf(",\"sequences\":%zu,\"steps\":%zu,\"in_features\":%zu,\"out_features\":%zu,"
	       "\"out_sequence\":%s,\"input_absmax\":%.9g,\"layers\":[",
	       n, steps, mi->in_features, mi->out_features, mi->out_sequence ? "true" : "false",
	       (double)mi->input_absmax);
	for (size_t i = 0; i < mi->num_layers; i++) {
		struct circe_model_layer_info li;

		if (circe_model_get_layer(m, i, &li))
			break;
		printf("%s{\"name\":", i ? "," : "");
		circe_cli_json_string(stdout, li.name);
		if (li.type == CIRCE_MODEL_LAYER_LSTM)
			printf(",\"type\":\"lstm\",\"input_size\":%zu,\"hidden_size\":%zu,"
			       "\"proj_size\":%zu,\"k_ih\":%zu,\"k_hh\":%zu,\"k_proj\":%zu,"
			       "\"return_sequences\":%s",
			       li.in, li.hidden, li.proj, li.k_ih, li.k_hh, li.k_proj,
			       li.return_sequences ? "true" : "false");
		else
			printf(",\"type\":\"fc\",\"in_features\":%zu,\"out_features\":%zu,\"k\":%"
			       "zu,"
			       "\"activation\":\"%s\"",
			       li.in, li.out, li.k, li.relu ? "relu" : "none");
		printf(",\"in_scale\":%.9g,\"out_scale\":%.9g,\"out_bits\":%u}",
		       (double)li.in_scale, (double)li.out_scale, li.out_bits);
	}
	printf("],\"descriptors\":%" PRIu64 ",\"macs\":%" PRIu64 ",\"cycles\":", s->descriptors,
	       s->macs);
	if (s->cycles_valid)
		printf("%" PRIu64, s->cycles);
	else
		printf("null");
	printf(",\"dma_read_bytes\":%" PRIu64 ",\"dma_write_bytes\":%" PRIu64
	       ",\"tlb_l1_hits\":%" PRIu64 ",\"tlb_l1_misses\":%" PRIu64 ",\"walks\":%" PRIu64
	       ",\"faults\":%" PRIu64 ",\"wall_seconds\":%.6f}\n",
	       s->dma_read_bytes, s->dma_write_bytes, s->tlb_l1_hits, s->tlb_l1_misses, s->walks,
	       s->faults, s->wall_seconds);
}

int circe_cli_cmd_run(struct circe_cli *cli, int argc, char **argv)
{
	struct circe_cli_run_args args;
	struct circe_npy x = { 0 };
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_model *m = NULL;
	struct circe_model_info mi;
	struct circe_job_stats stats;
	size_t n, steps, y_shape[3], y_ndim = 0, y_count;
	char shape[128], what[300];
	float *y = NULL;
	bool batched;
	bool help;
	int err, rc = CIRCE_CLI_EXIT_RUNTIME;

	err = circe_cli_run_parse(cli, argc, argv, &args, &help);
	if (help) {
		circe_cli_run_help();
		return CIRCE_CLI_EXIT_OK;
	}
	if (err)
		return circe_cli_usage(cli, "options", err);

	err = circe_npy_load(args.input, &x);
	if (!err && x.dtype != CIRCE_NPY_F32)
		err = circe_err(-EINVAL, "%s: dtype %s, expected float32", args.input,
				circe_npy_dtype_name(x.dtype));
	else if (!err && x.ndim != 2 && x.ndim != 3)
		err = circe_err(-EINVAL, "%s: shape %s, expected [N,T,features] or [T,features]",
				args.input, circe_cli_shape_str(&x, shape, sizeof(shape)));
	else if (!err && x.count == 0)
		err = circe_err(-EINVAL, "%s: shape %s has a zero dimension", args.input,
				circe_cli_shape_str(&x, shape, sizeof(shape)));
	if (err) {
		circe_cli_fail(cli, "--input", err);
		goto free_input;
	}
	batched = x.ndim == 3;
	n = batched ? x.shape[0] : 1;
	steps = x.shape[x.ndim - 2];

	err = circe_cli_open(cli, &dev);
	if (err) {
		circe_cli_fail(cli, cli->open_what, err);
		goto free_input;
	}
	err = circe_ctx_create(dev, &ctx);
	if (err) {
		circe_cli_fail(cli, "creating a context", err);
		goto close_dev;
	}
	snprintf(what, sizeof(what), "--model %s", args.model);
	err = circe_model_load(ctx, args.model, &m);
	if (err) {
		circe_cli_fail(cli, what, err);
		goto destroy_ctx;
	}
	circe_model_get_info(m, &mi);
	if (x.shape[x.ndim - 1] != mi.in_features) {
		err = circe_err(-EINVAL, "%s: shape %s: %zu features per step, the model takes %zu",
				args.input, circe_cli_shape_str(&x, shape, sizeof(shape)),
				x.shape[x.ndim - 1], mi.in_features);
		circe_cli_fail(cli, "--input", err);
		goto destroy_model;
	}
	if (batched)
		y_shape[y_ndim++] = n;
	if (mi.out_sequence)
		y_shape[y_ndim++] = steps;
	y_shape[y_ndim++] = mi.out_features;
	y_count = n * (mi.out_sequence ? steps : 1) * mi.out_features;
	y = calloc(y_count, sizeof(*y));
	if (!y) {
		circe_cli_fail(cli, "--output", circe_err(-ENOMEM, "cannot allocate the output"));
		goto destroy_model;
	}
	err = circe_model_run(m, x.data, n, steps, y, &stats);
	if (err) {
		circe_cli_fail(cli, "running the model", err);
		goto free_output;
	}
	err = circe_npy_save(args.output, CIRCE_NPY_F32, (unsigned)y_ndim, y_shape, y);
	if (err) {
		circe_cli_fail(cli, "--output", err);
		goto free_output;
	}
	if (args.json)
		circe_cli_run_json(cli, &args, m, &mi, n, steps, &stats);
	else if (args.stats)
		circe_cli_run_print_stats(&stats);
	rc = CIRCE_CLI_EXIT_OK;

free_output:
	free(y);
destroy_model:
	circe_model_destroy(m);
destroy_ctx:
	circe_ctx_destroy(ctx);
close_dev:
	circe_close(dev);
free_input:
	circe_npy_free(&x);
	return rc;
}
