/* SPDX-License-Identifier: Apache-2.0 */
/* circe gemm: one quantized GEMM on .npy files, run on the device. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "host/cli/cli.h"

enum {
	CIRCE_CLI_GEMM_INPUT,
	CIRCE_CLI_GEMM_WEIGHTS,
	CIRCE_CLI_GEMM_BIAS,
	CIRCE_CLI_GEMM_INPUT_SCALE,
	CIRCE_CLI_GEMM_INPUT_ZP,
	CIRCE_CLI_GEMM_WEIGHT_SCALE,
	CIRCE_CLI_GEMM_OUTPUT_SCALE,
	CIRCE_CLI_GEMM_OUTPUT_ZP,
	CIRCE_CLI_GEMM_WEIGHT_BITS,
	CIRCE_CLI_GEMM_OUTPUT_BITS,
	CIRCE_CLI_GEMM_RELU,
	CIRCE_CLI_GEMM_OUTPUT,
	CIRCE_CLI_GEMM_STATS,
};

static const struct circe_cli_opt circe_cli_gemm_opts[] = {
	{ "input", true, CIRCE_CLI_GEMM_INPUT },
	{ "weights", true, CIRCE_CLI_GEMM_WEIGHTS },
	{ "bias", true, CIRCE_CLI_GEMM_BIAS },
	{ "input-scale", true, CIRCE_CLI_GEMM_INPUT_SCALE },
	{ "input-zero-point", true, CIRCE_CLI_GEMM_INPUT_ZP },
	{ "weight-scale", true, CIRCE_CLI_GEMM_WEIGHT_SCALE },
	{ "output-scale", true, CIRCE_CLI_GEMM_OUTPUT_SCALE },
	{ "output-zero-point", true, CIRCE_CLI_GEMM_OUTPUT_ZP },
	{ "weight-bits", true, CIRCE_CLI_GEMM_WEIGHT_BITS },
	{ "output-bits", true, CIRCE_CLI_GEMM_OUTPUT_BITS },
	{ "relu", false, CIRCE_CLI_GEMM_RELU },
	{ "output", true, CIRCE_CLI_GEMM_OUTPUT },
	{ "stats", false, CIRCE_CLI_GEMM_STATS },
	{ NULL, false, 0 },
};

struct circe_cli_gemm_args {
	const char *input, *weights, *bias, *output;
	const char *weight_scale_path; /* NULL: per-tensor weight_scale */
	float input_scale, weight_scale, output_scale;
	int32_t input_zp, output_zp;
	unsigned weight_bits, output_bits;
	bool relu, stats;
	bool have_input_scale, have_input_zp, have_weight_scale, have_output_scale, have_output_zp;
};

static void circe_cli_gemm_help(void)
{
	printf("usage: circe gemm --input A.npy --weights W.npy [--bias B.npy]\n"
	       "                  --input-scale F --input-zero-point I\n"
	       "                  --weight-scale (WS.npy | F) --output-scale F\n"
	       "                  --output-zero-point I [--weight-bits 8|4] [--output-bits 8|16]\n"
	       "                  [--relu] --output Y.npy [--stats] [--backend URI] [--dtb "
	       "PATH]\n\n"
	       "Y = clamp(out_zp + requant(sum_k (A[m][k] - in_zp) * W[n][k] + B[n])) on the\n"
	       "device, requant the fixed-point form of input_scale * weight_scale[n] /\n"
	       "output_scale (TFLite rounding).\n\n"
	       "Options:\n"
	       "  --input A.npy            int8 [M,K]\n"
	       "  --weights W.npy          int8 [N,K]; values in [-8,7] with --weight-bits 4\n"
	       "  --bias B.npy             int32 [N] at scale input_scale * weight_scale\n"
	       "  --input-scale F          float32 > 0\n"
	       "  --input-zero-point I     in [-128, 127]\n"
	       "  --weight-scale WS.npy|F  float32 [N] per channel, or one number per tensor\n"
	       "  --output-scale F         float32 > 0\n"
	       "  --output-zero-point I    within the output type\n"
	       "  --weight-bits 8|4        4: W is packed two values per byte (default 8)\n"
	       "  --output-bits 8|16       Y is int8 (default) or int16 [M,N]\n"
	       "  --relu                   clamp below at the output zero point\n"
	       "  --output Y.npy           written (int8 or int16 [M,N])\n"
	       "  --stats                  print the device's figures for the "
	       "job\n\n" CIRCE_CLI_GLOBAL_HELP);
}

static int circe_cli_gemm_parse(struct circe_cli *cli, int argc, char **argv,
				struct circe_cli_gemm_args *a, bool *help)
{
	struct circe_cli_iter it;
	const char *arg, *opt;
	uint64_t v;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	a->weight_bits = 8;
	a->output_bits = 8;
	*help = false;
	circe_cli_iter_init(&it, argc, argv);
	while ((id = circe_cli_next(&it, cli, circe_cli_gemm_opts, &arg)) != CIRCE_CLI_END) {
		opt = id >= 0 && id < CIRCE_CLI_OPT_COMMON ? circe_cli_gemm_opts[id].name : "";
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_GEMM_INPUT:
			a->input = arg;
			break;
		case CIRCE_CLI_GEMM_WEIGHTS:
			a->weights = arg;
			break;
		case CIRCE_CLI_GEMM_BIAS:
			a->bias = arg;
			break;
		case CIRCE_CLI_GEMM_OUTPUT:
			a->output = arg;
			break;
		case CIRCE_CLI_GEMM_INPUT_SCALE:
			err = circe_cli_parse_scale("--input-scale", arg, &a->input_scale);
			a->have_input_scale = true;
			break;
		case CIRCE_CLI_GEMM_OUTPUT_SCALE:
			err = circe_cli_parse_scale("--output-scale", arg, &a->output_scale);
			a->have_output_scale = true;
			break;
		case CIRCE_CLI_GEMM_WEIGHT_SCALE:
			a->have_weight_scale = true;
			a->weight_scale_path = NULL;
			if (circe_cli_is_number(arg)) {
				err = circe_cli_parse_scale("--weight-scale", arg,
							    &a->weight_scale);
			} else if (strlen(arg) >= 4 && !strcmp(arg + strlen(arg) - 4, ".npy")) {
				a->weight_scale_path = arg;
			} else {
				err = circe_err(
					-EINVAL,
					"--weight-scale: '%s' is neither a number nor a .npy "
					"file",
					arg);
			}
			break;
		case CIRCE_CLI_GEMM_INPUT_ZP:
			err = circe_cli_parse_i32("--input-zero-point", arg, INT8_MIN, INT8_MAX,
						  &a->input_zp);
			a->have_input_zp = true;
			break;
		case CIRCE_CLI_GEMM_OUTPUT_ZP:
			/* The range depends on --output-bits; checked after parsing. */
			err = circe_cli_parse_i32("--output-zero-point", arg, INT16_MIN, INT16_MAX,
						  &a->output_zp);
			a->have_output_zp = true;
			break;
		case CIRCE_CLI_GEMM_WEIGHT_BITS:
			err = circe_cli_parse_u64("--weight-bits", arg, 4, 8, &v);
			if (!err && v != 4 && v != 8)
				err = circe_err(-EINVAL, "--weight-bits: %s, must be 8 or 4", arg);
			a->weight_bits = (unsigned)v;
			break;
		case CIRCE_CLI_GEMM_OUTPUT_BITS:
			err = circe_cli_parse_u64("--output-bits", arg, 8, 16, &v);
			if (!err && v != 8 && v != 16)
				err = circe_err(-EINVAL, "--output-bits: %s, must be 8 or 16", arg);
			a->output_bits = (unsigned)v;
			break;
		case CIRCE_CLI_GEMM_RELU:
			a->relu = true;
			break;
		case CIRCE_CLI_GEMM_STATS:
			a->stats = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			err = circe_err(-EINVAL, "unexpected argument '%s'", arg);
			break;
		default:
			err = id < 0 ? id : circe_err(-EINVAL, "unhandled option %s", opt);
			break;
		}
		if (err)
			return err;
	}
	if (!a->input)
		return circe_err(-EINVAL, "missing required option --input");
	if (!a->weights)
		return circe_err(-EINVAL, "missing required option --weights");
	if (!a->have_input_scale)
		return circe_err(-EINVAL, "missing required option --input-scale");
	if (!a->have_input_zp)
		return circe_err(-EINVAL, "missing required option --input-zero-point");
	if (!a->have_weight_scale)
		return circe_err(-EINVAL, "missing required option --weight-scale");
	if (!a->have_output_scale)
		return circe_err(-EINVAL, "missing required option --output-scale");
	if (!a->have_output_zp)
		return circe_err(-EINVAL, "missing required option --output-zero-point");
	if (!a->output)
		return circe_err(-EINVAL, "missing required option --output");
	if (a->output_bits == 8 && (a->output_zp < INT8_MIN || a->output_zp > INT8_MAX))
		return circe_err(-EINVAL,
				 "--output-zero-point: %d is outside [-128, 127] (int8 output)",
				 (int)a->output_zp);
	return 0;
}

/* Load path and check it is a dtype array of ndim dimensions, none zero. */
static int circe_cli_gemm_load(const char *path, enum circe_npy_dtype dtype, unsigned ndim,
			       const char *layout, struct circe_npy *npy)
{
	char shape[128];
	int err = circe_npy_load(path, npy);

	if (err)
		return err;
	if (npy->dtype != dtype)
		err = circe_err(-EINVAL, "%s: dtype %s, expected %s %s", path,
				circe_npy_dtype_name(npy->dtype), circe_npy_dtype_name(dtype),
				layout);
	else if (npy->ndim != ndim)
		err = circe_err(-EINVAL, "%s: shape %s, expected %u dimensions %s", path,
				circe_cli_shape_str(npy, shape, sizeof(shape)), ndim, layout);
	else if (npy->count == 0)
		err = circe_err(-EINVAL, "%s: shape %s has a zero dimension", path,
				circe_cli_shape_str(npy, shape, sizeof(shape)));
	if (err)
		circe_npy_free(npy);
	return err;
}

static void circe_cli_gemm_print_stats(const struct circe_job_stats *s)
{
	printf("descriptors      %" PRIu64 "\n", s->descriptors);
	printf("macs             %" PRIu64 "\n", s->macs);
	if (s->cycles_valid) {
		printf("cycles           %" PRIu64 "\n", s->cycles);
		printf("compute cycles   %" PRIu64 "\n", s->compute_cycles);
		printf("stall cycles     %" PRIu64 "\n", s->stall_cycles);
		printf("walk cycles      %" PRIu64 "\n", s->walk_cycles);
	} else {
		printf("cycles           n/a (backend has no cycle counts)\n");
	}
	printf("dma read bytes   %" PRIu64 "\n", s->dma_read_bytes);
	printf("dma write bytes  %" PRIu64 "\n", s->dma_write_bytes);
	printf("tlb l1           %" PRIu64 " hits, %" PRIu64 " misses\n", s->tlb_l1_hits,
	       s->tlb_l1_misses);
	printf("tlb l2           %" PRIu64 " hits, %" PRIu64 " misses\n", s->tlb_l2_hits,
	       s->tlb_l2_misses);
	printf("walks            %" PRIu64 " (%" PRIu64 " PTEs, %" PRIu64 " from the walk cache)\n",
	       s->walks, s->pte_reads, s->walk_cache_hits);
	printf("faults           %" PRIu64 "\n", s->faults);
	printf("wall seconds     %.6f\n", s->wall_seconds);
}

struct circe_cli_gemm_reg {
	const char *what;
	const void *va;
	size_t len;
	unsigned flags;
	bool done;
};

int circe_cli_cmd_gemm(struct circe_cli *cli, int argc, char **argv)
{
	struct circe_npy a = { 0 }, w = { 0 }, b = { 0 }, ws = { 0 };
	struct circe_cli_gemm_args args;
	struct circe_cli_gemm_reg regs[4];
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_job_stats stats;
	struct circe_gemm g;
	char shape[128];
	uint8_t *packed = NULL;
	void *y = NULL;
	size_t m, k, n, nregs = 0, y_shape[2];
	bool help;
	int err, rc = CIRCE_CLI_EXIT_RUNTIME;

	err = circe_cli_gemm_parse(cli, argc, argv, &args, &help);
	if (help) {
		circe_cli_gemm_help();
		return CIRCE_CLI_EXIT_OK;
	}
	if (err)
		return circe_cli_usage(cli, "options", err);

	err = circe_cli_gemm_load(args.input, CIRCE_NPY_I8, 2, "[M,K]", &a);
	if (err)
		return circe_cli_fail(cli, "--input", err);
	m = a.shape[0];
	k = a.shape[1];
	err = circe_cli_gemm_load(args.weights, CIRCE_NPY_I8, 2, "[N,K]", &w);
	if (err) {
		circe_cli_fail(cli, "--weights", err);
		goto free_arrays;
	}
	n = w.shape[0];
	if (w.shape[1] != k) {
		err = circe_err(-EINVAL, "%s: shape %s does not match K = %zu of --input",
				args.weights, circe_cli_shape_str(&w, shape, sizeof(shape)), k);
		circe_cli_fail(cli, "--weights", err);
		goto free_arrays;
	}
	if (args.bias) {
		err = circe_cli_gemm_load(args.bias, CIRCE_NPY_I32, 1, "[N]", &b);
		if (!err && b.shape[0] != n)
			err = circe_err(-EINVAL, "%s: shape %s does not match N = %zu of --weights",
					args.bias, circe_cli_shape_str(&b, shape, sizeof(shape)),
					n);
		if (err) {
			circe_cli_fail(cli, "--bias", err);
			goto free_arrays;
		}
	}
	if (args.weight_scale_path) {
		err = circe_npy_load(args.weight_scale_path, &ws);
		if (!err && ws.dtype != CIRCE_NPY_F32)
			err = circe_err(-EINVAL, "%s: dtype %s, expected float32 [N]",
					args.weight_scale_path, circe_npy_dtype_name(ws.dtype));
		else if (!err && (ws.ndim > 1 || (ws.count != n && ws.count != 1)))
			err = circe_err(-EINVAL,
					"%s: shape %s does not match N = %zu of --weights "
					"(expected [N], or [1] per tensor)",
					args.weight_scale_path,
					circe_cli_shape_str(&ws, shape, sizeof(shape)), n);
		if (err) {
			circe_cli_fail(cli, "--weight-scale", err);
			goto free_arrays;
		}
	}

	memset(&g, 0, sizeof(g));
	g.m = m;
	g.k = k;
	g.n = n;
	g.input = a.data;
	g.input_scale = args.input_scale;
	g.input_zero_point = args.input_zp;
	g.weights = w.data;
	g.weight_bits = args.weight_bits;
	g.weight_scales = args.weight_scale_path ? ws.data : &args.weight_scale;
	g.num_weight_scales = args.weight_scale_path ? ws.count : 1;
	g.bias = args.bias ? b.data : NULL;
	g.output_bits = args.output_bits;
	g.output_scale = args.output_scale;
	g.output_zero_point = args.output_zp;
	g.relu = args.relu;
	if (args.weight_bits == 4) {
		packed = circe_cli_alloc(n * ((k + 1) / 2));
		if (!packed) {
			circe_cli_fail(cli, "--weights",
				       circe_err(-ENOMEM, "cannot allocate the packed weights"));
			goto free_arrays;
		}
		err = circe_int4_pack(w.data, n, k, packed);
		if (err) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", circe_errmsg());
			circe_cli_fail(
				cli, "--weights",
				circe_err(err, "%s: --weight-bits 4: %s", args.weights, msg));
			goto free_arrays;
		}
		g.weights = packed;
	}
	if (m > SIZE_MAX / 2 / n) {
		circe_cli_fail(cli, "--output",
			       circe_err(-E2BIG, "output [%zu,%zu] is too large", m, n));
		goto free_arrays;
	}
	y = circe_cli_alloc(m * n * (args.output_bits / 8));
	if (!y) {
		circe_cli_fail(cli, "--output", circe_err(-ENOMEM, "cannot allocate the output"));
		goto free_arrays;
	}
	g.output = y;

	err = circe_cli_open(cli, &dev);
	if (err) {
		circe_cli_fail(cli, cli->open_what, err);
		goto free_arrays;
	}
	err = circe_ctx_create(dev, &ctx);
	if (err) {
		circe_cli_fail(cli, "creating a context", err);
		goto close_dev;
	}
	regs[nregs++] = (struct circe_cli_gemm_reg){
		.what = "--input", .va = a.data, .len = m * k, .flags = CIRCE_MEM_READ
	};
	regs[nregs++] = (struct circe_cli_gemm_reg){
		.what = "--weights",
		.va = g.weights,
		.len = n * (args.weight_bits == 4 ? (k + 1) / 2 : k),
		.flags = CIRCE_MEM_READ,
	};
	if (g.bias)
		regs[nregs++] = (struct circe_cli_gemm_reg){ .what = "--bias",
							     .va = g.bias,
							     .len = n * sizeof(int32_t),
							     .flags = CIRCE_MEM_READ };
	regs[nregs++] = (struct circe_cli_gemm_reg){ .what = "--output",
						     .va = y,
						     .len = m * n * (args.output_bits / 8),
						     .flags = CIRCE_MEM_WRITE };
	for (size_t i = 0; i < nregs; i++) {
		err = circe_mem_register(ctx, regs[i].va, regs[i].len, regs[i].flags);
		if (err) {
			circe_cli_fail(cli, regs[i].what, err);
			goto unregister;
		}
		regs[i].done = true;
	}
	err = circe_gemm_run(ctx, &g, &stats);
	if (err) {
		circe_cli_fail(cli, "running the GEMM", err);
		goto unregister;
	}
	y_shape[0] = m;
	y_shape[1] = n;
	err = circe_npy_save(args.output, args.output_bits == 16 ? CIRCE_NPY_I16 : CIRCE_NPY_I8, 2,
			     y_shape, y);
	if (err) {
		circe_cli_fail(cli, "--output", err);
		goto unregister;
	}
	if (args.stats)
		circe_cli_gemm_print_stats(&stats);
	rc = CIRCE_CLI_EXIT_OK;

unregister:
	for (size_t i = 0; i < nregs; i++) {
		if (!regs[i].done)
			continue;
		err = circe_mem_unregister(ctx, regs[i].va, regs[i].len);
		if (err && rc == CIRCE_CLI_EXIT_OK)
			rc = circe_cli_fail(cli, regs[i].what, err);
	}
	circe_ctx_destroy(ctx);
close_dev:
	circe_close(dev);
free_arrays:
	free(y);
	free(packed);
	circe_npy_free(&ws);
	circe_npy_free(&b);
	circe_npy_free(&w);
	circe_npy_free(&a);
	return rc;
}
