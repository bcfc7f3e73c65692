/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe bench gemm: a seeded random GEMM run on the device, checked bit for
 * bit against circe_hls_gemm on the host from the same buffers, with the
 * device's figures (cycles, MACs, DMA bytes, TLB) and the wall time.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "hw/hls/circe_hls.h"
#include "host/cli/cli.h"

enum {
	CIRCE_CLI_BENCH_M,
	CIRCE_CLI_BENCH_K,
	CIRCE_CLI_BENCH_N,
	CIRCE_CLI_BENCH_SEED,
	CIRCE_CLI_BENCH_WEIGHT_BITS,
	CIRCE_CLI_BENCH_OUTPUT_BITS,
	CIRCE_CLI_BENCH_RELU,
	CIRCE_CLI_BENCH_JSON,
};

static const struct circe_cli_opt circe_cli_bench_opts[] = {
	{ "m", true, CIRCE_CLI_BENCH_M },
	{ "k", true, CIRCE_CLI_BENCH_K },
	{ "n", true, CIRCE_CLI_BENCH_N },
	{ "seed", true, CIRCE_CLI_BENCH_SEED },
	{ "weight-bits", true, CIRCE_CLI_BENCH_WEIGHT_BITS },
	{ "output-bits", true, CIRCE_CLI_BENCH_OUTPUT_BITS },
	{ "relu", false, CIRCE_CLI_BENCH_RELU },
	{ "json", false, CIRCE_CLI_BENCH_JSON },
	{ NULL, false, 0 },
};

#define CIRCE_CLI_BENCH_DEFAULT_SEED 1u

struct circe_cli_bench_args {
	uint64_t m, k, n, seed;
	unsigned weight_bits, output_bits;
	bool relu, json;
};

static void circe_cli_bench_help(void)
{
	printf("usage: circe bench gemm --m M --k K --n N [--seed S] [--weight-bits 8|4]\n"
	       "                        [--output-bits 8|16] [--relu] [--json]\n"
	       "                        [--backend URI] [--dtb PATH]\n\n"
	       "Run a random quantized GEMM (seeded int8 input and weights, int32 bias,\n"
	       "per-channel weight scales) on the device, compare it bit for bit with\n"
	       "circe_hls_gemm computed on the host from the same buffers, and print the\n"
	       "device's figures. Exit status 1 if the results differ.\n\n"
	       "Options:\n"
	       "  --m M, --k K, --n N  dimensions (M, N in [1, %u], K in [1, %u])\n"
	       "  --seed S             random seed (default %u)\n"
	       "  --weight-bits 8|4    int8 or packed int4 weights (default 8)\n"
	       "  --output-bits 8|16   int8 (default) or int16 output\n"
	       "  --relu               clamp below at the output zero point\n"
	       "  --json               one JSON object instead of the "
	       "table\n\n" CIRCE_CLI_GLOBAL_HELP,
	       CIRCE_HW_GEMM_MAX_M, CIRCE_HW_GEMM_MAX_K, CIRCE_CLI_BENCH_DEFAULT_SEED);
}

static void circe_cli_bench_list(FILE *f)
{
	fprintf(f, "usage: circe bench BENCHMARK [OPTIONS]\n\n"
		   "Benchmarks:\n"
		   "  gemm     random quantized GEMM, checked against the host reference\n"
		   "  faults   on-demand paging: a GEMM over memory that is not registered\n"
		   "  svm      SVM studies: memcpy, list chase, SpMV, forest under each TLB\n"
		   "           mode and the ideal MMU; zero-copy SVM against copy-based offload\n"
		   "  lstm     an LSTM layer (dense or block-circulant): cycles per step, array\n"
		   "           utilization, weight bytes per step, frames per second\n\n"
		   "'circe bench BENCHMARK --help' lists the options of each.\n");
}

static int circe_cli_bench_parse(struct circe_cli *cli, struct circe_cli_iter *it,
				 struct circe_cli_bench_args *a, bool *help)
{
	bool have_m = false, have_k = false, have_n = false;
	const char *arg;
	uint64_t v;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	a->seed = CIRCE_CLI_BENCH_DEFAULT_SEED;
	a->weight_bits = 8;
	a->output_bits = 8;
	*help = false;
	while ((id = circe_cli_next(it, cli, circe_cli_bench_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_BENCH_M:
			err = circe_cli_parse_u64("--m", arg, 1, CIRCE_HW_GEMM_MAX_M, &a->m);
			have_m = true;
			break;
		case CIRCE_CLI_BENCH_K:
			err = circe_cli_parse_u64("--k", arg, 1, CIRCE_HW_GEMM_MAX_K, &a->k);
			have_k = true;
			break;
		case CIRCE_CLI_BENCH_N:
			err = circe_cli_parse_u64("--n", arg, 1, CIRCE_HW_GEMM_MAX_N, &a->n);
			have_n = true;
			break;
		case CIRCE_CLI_BENCH_SEED:
			err = circe_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &a->seed);
			break;
		case CIRCE_CLI_BENCH_WEIGHT_BITS:
			err = circe_cli_parse_u64("--weight-bits", arg, 4, 8, &v);
			if (!err && v != 4 && v != 8)
				err = circe_err(-EINVAL, "--weight-bits: %s, must be 8 or 4", arg);
			a->weight_bits = (unsigned)v;
			break;
		case CIRCE_CLI_BENCH_OUTPUT_BITS:
			err = circe_cli_parse_u64("--output-bits", arg, 8, 16, &v);
			if (!err && v != 8 && v != 16)
				err = circe_err(-EINVAL, "--output-bits: %s, must be 8 or 16", arg);
			a->output_bits = (unsigned)v;
			break;
		case CIRCE_CLI_BENCH_RELU:
			a->relu = true;
			break;
		case CIRCE_CLI_BENCH_JSON:
			a->json = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			err = circe_err(-EINVAL, "unexpected argument '%s'", arg);
			break;
		default:
			err = id < 0 ? id : circe_err(-EINVAL, "unhandled option");
			break;
		}
		if (err)
			return err;
	}
	if (!have_m || !have_k || !have_n)
		return circe_err(-EINVAL, "missing required option --%s",
				 !have_m   ? "m"
				 : !have_k ? "k"
					   : "n");
	return 0;
}

/* splitmix64: the data depend on the seed alone, on every platform. */
static uint64_t circe_cli_bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int32_t circe_cli_bench_range(uint64_t *s, int32_t lo, int32_t hi)
{
	return lo + (int32_t)(circe_cli_bench_rand(s) % (uint64_t)(hi - lo + 1));
}

struct circe_cli_bench_data {
	int8_t *a, *w; /* w unpacked [n][k] */
	uint8_t *wdev; /* what the device reads: w, or w packed */
	int32_t *bias;
	float *ws;
	float in_scale, out_scale;
	int32_t in_zp, out_zp;
	void *y, *y_ref;
	size_t a_bytes, w_bytes, y_bytes;
};

/* The GEMM of the generated data, as the host API takes it. */
static void circe_cli_bench_gemm_of(const struct circe_cli_bench_args *args,
				    const struct circe_cli_bench_data *d, struct circe_gemm *g)
{
	memset(g, 0, sizeof(*g));
	g->m = args->m;
	g->k = args->k;
	g->n = args->n;
	g->input = d->a;
	g->input_scale = d->in_scale;
	g->input_zero_point = d->in_zp;
	g->weights = d->wdev;
	g->weight_bits = args->weight_bits;
	g->weight_scales = d->ws;
	g->num_weight_scales = args->n;
	g->bias = d->bias;
	g->output = d->y;
	g->output_bits = args->output_bits;
	g->output_scale = d->out_scale;
	g->output_zero_point = d->out_zp;
	g->relu = args->relu;
}

static void circe_cli_bench_free(struct circe_cli_bench_data *d)
{
	if (d->wdev != (uint8_t *)d->w)
		free(d->wdev);
	free(d->a);
	free(d->w);
	free(d->bias);
	free(d->ws);
	free(d->y);
	free(d->y_ref);
}

static int circe_cli_bench_make(const struct circe_cli_bench_args *args,
				struct circe_cli_bench_data *d)
{
	size_t m = args->m, k = args->k, n = args->n;
	uint64_t s = args->seed;
	int wmax = args->weight_bits == 4 ? 7 : 127;
	double wstd = args->weight_bits == 4 ? 4.6 : 73.6, real;

	memset(d, 0, sizeof(*d));
	d->a_bytes = m * k;
	d->w_bytes = n * (args->weight_bits == 4 ? (k + 1) / 2 : k);
	d->y_bytes = m * n * (args->output_bits / 8);
	d->a = circe_cli_alloc(d->a_bytes);
	d->w = circe_cli_alloc(n * k);
	d->bias = circe_cli_alloc(n * sizeof(int32_t));
	d->ws = calloc(n, sizeof(float));
	d->y = circe_cli_alloc(d->y_bytes);
	d->y_ref = calloc(d->y_bytes, 1);
	if (!d->a || !d->w || !d->bias || !d->ws || !d->y || !d->y_ref)
		return circe_err(-ENOMEM, "cannot allocate a %zu x %zu x %zu GEMM", m, k, n);
	for (size_t i = 0; i < m * k; i++)
		d->a[i] = (int8_t)circe_cli_bench_range(&s, INT8_MIN, INT8_MAX);
	for (size_t i = 0; i < n * k; i++)
		d->w[i] = (int8_t)circe_cli_bench_range(&s, -wmax, wmax);
	d->in_scale = 0.02f;
	d->in_zp = circe_cli_bench_range(&s, -20, 20);
	d->out_zp = circe_cli_bench_range(&s, -10, 10);
	for (size_t i = 0; i < n; i++) {
		d->ws[i] = 0.005f * (float)(0.5 + (double)(circe_cli_bench_rand(&s) >> 11) *
							  0x1.0p-53 * 1.5);
		d->bias[i] = circe_cli_bench_range(&s, -20000, 20000);
	}
	/* Outputs of a few tens of quanta: most land inside the int8 range, a
	 * few saturate, so both the rounding and the clamp are exercised. */
	real = 40.0 / (74.0 * wstd * sqrt((double)k));
	d->out_scale = (float)((double)d->in_scale * 0.005 / real);
	if (args->weight_bits == 4) {
		d->wdev = circe_cli_alloc(d->w_bytes);
		if (!d->wdev)
			return circe_err(-ENOMEM, "cannot allocate the packed weights");
		if (circe_int4_pack(d->w, n, k, d->wdev))
			return -EINVAL; /* not reached: values are in [-7, 7] */
	} else {
		d->wdev = (uint8_t *)d->w;
	}
	return 0;
}

/* The host reference: one descriptor over the whole GEMM, through the same
 * kernel the functional model computes with. */
static int circe_cli_bench_reference(const struct circe_cli_bench_args *args,
				     const struct circe_gemm *g, struct circe_cli_bench_data *d)
{
	struct circe_hw_desc_gemm desc;
	struct circe_hw_requant *rq;
	uint32_t ill;
	int err = 0;

	rq = calloc(args->n, sizeof(*rq));
	if (!rq)
		return circe_err(-ENOMEM, "cannot allocate the requantization table");
	for (size_t i = 0; i < args->n && !err; i++)
		err = circe_quantize_multiplier((double)g->input_scale *
							(double)g->weight_scales[i] /
							(double)g->output_scale,
						&rq[i].m0, &rq[i].shift);
	if (err)
		goto free_rq;
	memset(&desc, 0, sizeof(desc));
	desc.opcode = CIRCE_HW_OP_GEMM;
	desc.flags = CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL;
	if (args->weight_bits == 4)
		desc.flags |= CIRCE_HW_GEMM_INT4;
	if (args->output_bits == 16)
		desc.flags |= CIRCE_HW_GEMM_OUT16;
	desc.m = (uint32_t)args->m;
	desc.k = (uint32_t)args->k;
	desc.n = (uint32_t)args->n;
	desc.in_zp = g->input_zero_point;
	desc.out_zp = g->output_zero_point;
	desc.clamp_max = args->output_bits == 16 ? INT16_MAX : INT8_MAX;
	desc.clamp_min = args->relu ? g->output_zero_point
				    : (args->output_bits == 16 ? INT16_MIN : INT8_MIN);
	desc.lda = (uint32_t)args->k;
	desc.ldw = (uint32_t)(d->w_bytes / args->n);
	desc.ldy = (uint32_t)(args->n * (args->output_bits / 8));
	ill = circe_hls_gemm_check(&desc);
	if (ill) {
		err = circe_err(-EINVAL, "reference descriptor is illegal (reason %u)", ill);
		goto free_rq;
	}
	circe_hls_gemm(&desc, d->a, d->wdev, d->bias, rq, d->y_ref);
free_rq:
	free(rq);
	return err;
}

/* Index of the first differing element, or -1. */
static long long circe_cli_bench_compare(const struct circe_cli_bench_args *args,
					 const struct circe_cli_bench_data *d, size_t *ndiff)
{
	size_t esize = args->output_bits / 8, count = args->m * args->n;
	long long first = -1;

	*ndiff = 0;
	for (size_t i = 0; i < count; i++) {
		if (memcmp((const char *)d->y + i * esize, (const char *)d->y_ref + i * esize,
			   esize)) {
			if (first < 0)
				first = (long long)i;
			(*ndiff)++;
		}
	}
	return first;
}

static int32_t circe_cli_bench_elem(const void *y, size_t i, unsigned bits)
{
	if (bits == 16) {
		int16_t v;

		memcpy(&v, (const char *)y + 2 * i, 2);
		return v;
	}
	return ((const int8_t *)y)[i];
}

static void circe_cli_bench_json_u64(const char *key, uint64_t v)
{
	printf(", \"%s\": %" PRIu64, key, v);
}

static void circe_cli_bench_report(const struct circe_cli *cli,
				   const struct circe_cli_bench_args *args,
				   const struct circe_info *info, const struct circe_job_stats *st,
				   bool bit_exact)
{
	uint64_t peak = (uint64_t)info->array_rows * info->array_cols;
	bool have_util = st->cycles_valid && st->cycles && peak;
	bool have_rate = st->cycles_valid && st->wall_seconds > 0;
	double util = have_util ? (double)st->macs / ((double)peak * (double)st->cycles) : 0;
	double rate = have_rate ? (double)st->cycles / st->wall_seconds : 0;

	if (args->json) {
		printf("{\"benchmark\": \"gemm\", \"backend\": ");
		circe_cli_json_string(stdout, cli->backend_uri);
		circe_cli_bench_json_u64("m", args->m);
		circe_cli_bench_json_u64("k", args->k);
		circe_cli_bench_json_u64("n", args->n);
		circe_cli_bench_json_u64("weight_bits", args->weight_bits);
		circe_cli_bench_json_u64("output_bits", args->output_bits);
		printf(", \"relu\": %s", args->relu ? "true" : "false");
		circe_cli_bench_json_u64("seed", args->seed);
		circe_cli_bench_json_u64("array_rows", info->array_rows);
		circe_cli_bench_json_u64("array_cols", info->array_cols);
		circe_cli_bench_json_u64("peak_macs_per_cycle", peak);
		circe_cli_bench_json_u64("macs", st->macs);
		if (st->cycles_valid) {
			circe_cli_bench_json_u64("cycles", st->cycles);
			circe_cli_bench_json_u64("compute_cycles", st->compute_cycles);
		} else {
			printf(", \"cycles\": null, \"compute_cycles\": null");
		}
		if (have_util)
			printf(", \"utilization\": %.6f", util);
		else
			printf(", \"utilization\": null");
		printf(", \"bit_exact\": %s", bit_exact ? "true" : "false");
		circe_cli_bench_json_u64("descriptors", st->descriptors);
		circe_cli_bench_json_u64("dma_read_bytes", st->dma_read_bytes);
		circe_cli_bench_json_u64("dma_write_bytes", st->dma_write_bytes);
		circe_cli_bench_json_u64("tlb_l1_hits", st->tlb_l1_hits);
		circe_cli_bench_json_u64("tlb_l1_misses", st->tlb_l1_misses);
		circe_cli_bench_json_u64("tlb_l2_hits", st->tlb_l2_hits);
		circe_cli_bench_json_u64("tlb_l2_misses", st->tlb_l2_misses);
		circe_cli_bench_json_u64("walks", st->walks);
		circe_cli_bench_json_u64("pte_reads", st->pte_reads);
		circe_cli_bench_json_u64("walk_cache_hits", st->walk_cache_hits);
		if (st->cycles_valid) {
			circe_cli_bench_json_u64("walk_cycles", st->walk_cycles);
			circe_cli_bench_json_u64("stall_cycles", st->stall_cycles);
		} else {
			printf(", \"walk_cycles\": null, \"stall_cycles\": null");
		}
		circe_cli_bench_json_u64("faults", st->faults);
		printf(", \"wall_seconds\": %.6f", st->wall_seconds);
		if (have_rate)
			printf(", \"sim_cycles_per_second\": %.1f", rate);
		else
			printf(", \"sim_cycles_per_second\": null");
		printf("}\n");
		return;
	}
	printf("%-22s %s\n", "backend", cli->backend_uri);
	printf("%-22s %" PRIu64 " x %" PRIu64 " x %" PRIu64 " (m x k x n)\n", "gemm", args->m,
	       args->k, args->n);
	printf("%-22s int%u weights, int%u output%s\n", "types", args->weight_bits,
	       args->output_bits, args->relu ? ", relu" : "");
	printf("%-22s %" PRIu64 "\n", "seed", args->seed);
	printf("%-22s %s\n", "bit exact", bit_exact ? "yes" : "NO");
	printf("%-22s %" PRIu64 " (%u x %u array)\n", "peak macs per cycle", peak, info->array_rows,
	       info->array_cols);
	printf("%-22s %" PRIu64 "\n", "macs", st->macs);
	if (st->cycles_valid)
		printf("%-22s %" PRIu64 " (%" PRIu64 " computing)\n", "cycles", st->cycles,
		       st->compute_cycles);
	else
		printf("%-22s n/a (backend has no cycle counts)\n", "cycles");
	if (have_util)
		printf("%-22s %.2f %%\n", "utilization", 100.0 * util);
	else
		printf("%-22s n/a\n", "utilization");
	printf("%-22s %" PRIu64 "\n", "descriptors", st->descriptors);
	printf("%-22s %" PRIu64 " read, %" PRIu64 " written\n", "dma bytes", st->dma_read_bytes,
	       st->dma_write_bytes);
	printf("%-22s %" PRIu64 " hits, %" PRIu64 " misses\n", "tlb l1", st->tlb_l1_hits,
	       st->tlb_l1_misses);
	printf("%-22s %" PRIu64 " hits, %" PRIu64 " misses\n", "tlb l2", st->tlb_l2_hits,
	       st->tlb_l2_misses);
	printf("%-22s %" PRIu64 " (%" PRIu64 " PTEs, %" PRIu64 " from the walk cache)\n", "walks",
	       st->walks, st->pte_reads, st->walk_cache_hits);
	if (st->cycles_valid)
		printf("%-22s %" PRIu64 " walking, %" PRIu64 " requests waiting\n",
		       "translation cycles", st->walk_cycles, st->stall_cycles);
	printf("%-22s %" PRIu64 "\n", "faults", st->faults);
	printf("%-22s %.6f\n", "wall seconds", st->wall_seconds);
	if (have_rate)
		printf("%-22s %.0f\n", "sim cycles per second", rate);
	else
		printf("%-22s n/a\n", "sim cycles per second");
}

static int circe_cli_bench_gemm(struct circe_cli *cli, struct circe_cli_iter *it)
{
	struct circe_cli_bench_args args;
	struct circe_cli_bench_data d;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_job_stats stats;
	struct circe_info info;
	struct circe_gemm g;
	struct {
		const void *va;
		size_t len;
		unsigned flags;
	} regs[4];
	size_t nregs = 0, done = 0, ndiff;
	long long first;
	bool help;
	int err, rc = CIRCE_CLI_EXIT_RUNTIME;

	err = circe_cli_bench_parse(cli, it, &args, &help);
	if (help) {
		circe_cli_bench_help();
		return CIRCE_CLI_EXIT_OK;
	}
	if (err)
		return circe_cli_usage(cli, "options", err);

	err = circe_cli_bench_make(&args, &d);
	if (err) {
		circe_cli_fail(cli, "preparing the data", err);
		goto free_data;
	}
	circe_cli_bench_gemm_of(&args, &d, &g);

	err = circe_cli_open(cli, &dev);
	if (err) {
		circe_cli_fail(cli, cli->open_what, err);
		goto free_data;
	}
	err = circe_get_info(dev, &info);
	if (err) {
		circe_cli_fail(cli, "reading the device information", err);
		goto close_dev;
	}
	err = circe_ctx_create(dev, &ctx);
	if (err) {
		circe_cli_fail(cli, "creating a context", err);
		goto close_dev;
	}
	regs[nregs].va = d.a, regs[nregs].len = d.a_bytes, regs[nregs++].flags = CIRCE_MEM_READ;
	regs[nregs].va = d.wdev, regs[nregs].len = d.w_bytes, regs[nregs++].flags = CIRCE_MEM_READ;
	regs[nregs].va = d.bias, regs[nregs].len = args.n * sizeof(int32_t),
	regs[nregs++].flags = CIRCE_MEM_READ;
	regs[nregs].va = d.y, regs[nregs].len = d.y_bytes, regs[nregs++].flags = CIRCE_MEM_WRITE;
	for (; done < nregs; done++) {
		err = circe_mem_register(ctx, regs[done].va, regs[done].len, regs[done].flags);
		if (err) {
			circe_cli_fail(cli, "registering the buffers", err);
			goto unregister;
		}
	}
	err = circe_gemm_run(ctx, &g, &stats);
	if (err) {
		circe_cli_fail(cli, "running the GEMM", err);
		goto unregister;
	}
	err = circe_cli_bench_reference(&args, &g, &d);
	if (err) {
		circe_cli_fail(cli, "host reference", err);
		goto unregister;
	}
	first = circe_cli_bench_compare(&args, &d, &ndiff);
	circe_cli_bench_report(cli, &args, &info, &stats, first < 0);
	fflush(stdout);
	if (first >= 0) {
		size_t i = (size_t)first;

		circe_cli_fail(cli, "result",
			       circe_err(-EPROTO,
					 "%zu of %" PRIu64 " outputs differ from the host "
					 "reference; first y[%zu][%zu]: device %d, reference %d",
					 ndiff, args.m * args.n, i / args.n, i % args.n,
					 (int)circe_cli_bench_elem(d.y, i, args.output_bits),
					 (int)circe_cli_bench_elem(d.y_ref, i, args.output_bits)));
		goto unregister;
	}
	rc = CIRCE_CLI_EXIT_OK;

unregister:
	while (done--)
		circe_mem_unregister(ctx, regs[done].va, regs[done].len);
	circe_ctx_destroy(ctx);
close_dev:
	circe_close(dev);
free_data:
	circe_cli_bench_free(&d);
	return rc;
}

/* ---- circe bench faults -------------------------------------------- */

enum {
	CIRCE_CLI_FAULTS_PAGES,
	CIRCE_CLI_FAULTS_SEED,
	CIRCE_CLI_FAULTS_JSON,
};

static const struct circe_cli_opt circe_cli_faults_opts[] = {
	{ "pages", true, CIRCE_CLI_FAULTS_PAGES },
	{ "seed", true, CIRCE_CLI_FAULTS_SEED },
	{ "json", false, CIRCE_CLI_FAULTS_JSON },
	{ NULL, false, 0 },
};

#define CIRCE_CLI_FAULTS_DEFAULT_PAGES 256u
/* One 4 KiB row of the input per page; N small so that the work is the
 * faults, not the MACs. */
#define CIRCE_CLI_FAULTS_K 4096u
#define CIRCE_CLI_FAULTS_N 16u

static void circe_cli_faults_help(void)
{
	printf("usage: circe bench faults [--pages N] [--seed S] [--json]\n"
	       "                          [--backend URI] [--dtb PATH]\n\n"
	       "On-demand paging: a GEMM of N x %u x %u (N input rows of 4 KiB, one page\n"
	       "each) on an on-demand context (CIRCE_CTX_ON_DEMAND) with nothing\n"
	       "registered: every page the device touches (input, weights, bias, output)\n"
	       "faults and the fault worker pins it. The result is checked bit for bit\n"
	       "against the host reference. Prints the faults, the host time the worker\n"
	       "spent per fault (median and p99, from reading the record to writing\n"
	       "RESUME) and, where the backend counts cycles, STALL_CYCLES / faults.\n\n"
	       "Options:\n"
	       "  --pages N   input pages, one per row (default %u, at most %u)\n"
	       "  --seed S    random seed (default %u)\n"
	       "  --json      one JSON object instead of the table\n\n" CIRCE_CLI_GLOBAL_HELP,
	       CIRCE_CLI_FAULTS_K, CIRCE_CLI_FAULTS_N, CIRCE_CLI_FAULTS_DEFAULT_PAGES,
	       CIRCE_HW_GEMM_MAX_M, CIRCE_CLI_BENCH_DEFAULT_SEED);
}

static int circe_cli_faults_parse(struct circe_cli *cli, struct circe_cli_iter *it,
				  struct circe_cli_bench_args *a, bool *help)
{
	const char *arg;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	a->seed = CIRCE_CLI_BENCH_DEFAULT_SEED;
	a->m = CIRCE_CLI_FAULTS_DEFAULT_PAGES;
	a->k = CIRCE_CLI_FAULTS_K;
	a->n = CIRCE_CLI_FAULTS_N;
	a->weight_bits = 8;
	a->output_bits = 8;
	*help = false;
	while ((id = circe_cli_next(it, cli, circe_cli_faults_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_FAULTS_PAGES:
			err = circe_cli_parse_u64("--pages", arg, 1, CIRCE_HW_GEMM_MAX_M, &a->m);
			break;
		case CIRCE_CLI_FAULTS_SEED:
			err = circe_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &a->seed);
			break;
		case CIRCE_CLI_FAULTS_JSON:
			a->json = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			err = circe_err(-EINVAL, "unexpected argument '%s'", arg);
			break;
		default:
			err = id < 0 ? id : circe_err(-EINVAL, "unhandled option");
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

static uint64_t circe_cli_pages_of(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	return len ? ((a + len + 4095) / 4096) - a / 4096 : 0;
}

static void circe_cli_faults_report(const struct circe_cli *cli,
				    const struct circe_cli_bench_args *args,
				    const struct circe_job_stats *st,
				    const struct circe_mem_stats *ms, uint64_t touched,
				    bool bit_exact)
{
	uint64_t faults = ms->faults_resolved;
	bool have_stall = st->cycles_valid && st->faults;
	double stall = have_stall ? (double)st->stall_cycles / (double)st->faults : 0;

	if (args->json) {
		printf("{\"benchmark\": \"faults\", \"backend\": ");
		circe_cli_json_string(stdout, cli->backend_uri);
		circe_cli_bench_json_u64("pages", args->m);
		circe_cli_bench_json_u64("pages_touched", touched);
		circe_cli_bench_json_u64("seed", args->seed);
		circe_cli_bench_json_u64("faults", faults);
		circe_cli_bench_json_u64("faults_aborted", ms->faults_aborted);
		circe_cli_bench_json_u64("device_faults", st->faults);
		printf(", \"median_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f",
		       ms->fault_service_median_us, ms->fault_service_p99_us,
		       ms->fault_service_max_us);
		if (have_stall)
			printf(", \"median_stall_cycles\": %.1f", stall);
		else
			printf(", \"median_stall_cycles\": null");
		printf(", \"stall_cycles_method\": \"STALL_CYCLES / faults\"");
		circe_cli_bench_json_u64("pinned_peak_bytes", ms->pinned_peak_bytes);
		circe_cli_bench_json_u64("macs", st->macs);
		if (st->cycles_valid) {
			circe_cli_bench_json_u64("cycles", st->cycles);
			circe_cli_bench_json_u64("stall_cycles", st->stall_cycles);
		} else {
			printf(", \"cycles\": null, \"stall_cycles\": null");
		}
		printf(", \"bit_exact\": %s", bit_exact ? "true" : "false");
		printf(", \"wall_seconds\": %.6f}\n", st->wall_seconds);
		return;
	}
	printf("%-22s %s\n", "backend", cli->backend_uri);
	printf("%-22s %" PRIu64 " x %" PRIu64 " x %" PRIu64 " (m x k x n), %" PRIu64
	       " pages touched\n",
	       "gemm", args->m, args->k, args->n, touched);
	printf("%-22s %" PRIu64 "\n", "seed", args->seed);
	printf("%-22s %s\n", "bit exact", bit_exact ? "yes" : "NO");
	printf("%-22s %" PRIu64 " resolved, %" PRIu64 " aborted (device counted %" PRIu64 ")\n",
	       "faults", faults, ms->faults_aborted, st->faults);
	printf("%-22s median %.3f us, p99 %.3f us, max %.3f us\n", "fault service",
	       ms->fault_service_median_us, ms->fault_service_p99_us, ms->fault_service_max_us);
	if (have_stall)
		printf("%-22s %.1f cycles (STALL_CYCLES / faults)\n", "stall per fault", stall);
	else
		printf("%-22s n/a (backend has no cycle counts)\n", "stall per fault");
	printf("%-22s %" PRIu64 "\n", "pinned peak bytes", ms->pinned_peak_bytes);
	if (st->cycles_valid)
		printf("%-22s %" PRIu64 "\n", "cycles", st->cycles);
	printf("%-22s %.6f\n", "wall seconds", st->wall_seconds);
}

static int circe_cli_bench_faults(struct circe_cli *cli, struct circe_cli_iter *it)
{
	const struct circe_ctx_options opts = { .flags = CIRCE_CTX_ON_DEMAND };
	struct circe_cli_bench_args args;
	struct circe_cli_bench_data d;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_job_stats stats;
	struct circe_mem_stats ms;
	struct circe_gemm g;
	uint64_t touched;
	size_t ndiff;
	long long first;
	bool help;
	int err, rc = CIRCE_CLI_EXIT_RUNTIME;

	err = circe_cli_faults_parse(cli, it, &args, &help);
	if (help) {
		circe_cli_faults_help();
		return CIRCE_CLI_EXIT_OK;
	}
	if (err)
		return circe_cli_usage(cli, "options", err);
	err = circe_cli_bench_make(&args, &d);
	if (err) {
		circe_cli_fail(cli, "preparing the data", err);
		goto free_data;
	}
	circe_cli_bench_gemm_of(&args, &d, &g);
	touched = circe_cli_pages_of(d.a, d.a_bytes) + circe_cli_pages_of(d.wdev, d.w_bytes) +
		  circe_cli_pages_of(d.bias, args.n * sizeof(int32_t)) +
		  circe_cli_pages_of(d.y, d.y_bytes);

	err = circe_cli_open(cli, &dev);
	if (err) {
		circe_cli_fail(cli, cli->open_what, err);
		goto free_data;
	}
	err = circe_ctx_create_ex(dev, &opts, &ctx);
	if (err) {
		circe_cli_fail(cli, "creating an on-demand context", err);
		goto close_dev;
	}
	/* Nothing registered: circe_gemm_run registers only its command list. */
	err = circe_gemm_run(ctx, &g, &stats);
	if (err) {
		circe_cli_fail(cli, "running the GEMM", err);
		goto destroy_ctx;
	}
	err = circe_get_mem_stats(dev, &ms);
	if (err) {
		circe_cli_fail(cli, "reading the memory figures", err);
		goto destroy_ctx;
	}
	err = circe_cli_bench_reference(&args, &g, &d);
	if (err) {
		circe_cli_fail(cli, "host reference", err);
		goto destroy_ctx;
	}
	first = circe_cli_bench_compare(&args, &d, &ndiff);
	circe_cli_faults_report(cli, &args, &stats, &ms, touched, first < 0);
	fflush(stdout);
	if (first >= 0) {
		circe_cli_fail(
			cli, "result",
			circe_err(-EPROTO, "%zu outputs differ from the host reference", ndiff));
		goto destroy_ctx;
	}
	rc = CIRCE_CLI_EXIT_OK;

destroy_ctx:
	circe_ctx_destroy(ctx);
close_dev:
	circe_close(dev);
free_data:
	circe_cli_bench_free(&d);
	return rc;
}

int circe_cli_cmd_bench(struct circe_cli *cli, int argc, char **argv)
{
	struct circe_cli_iter it;
	const char *arg;
	int id;

	circe_cli_iter_init(&it, argc, argv);
	/* Global options may come before the benchmark name. */
	id = circe_cli_next(&it, cli, NULL, &arg);
	if (id == CIRCE_CLI_OPT_HELP) {
		circe_cli_bench_list(stdout);
		return CIRCE_CLI_EXIT_OK;
	}
	if (id == CIRCE_CLI_END) {
		circe_cli_bench_list(stderr);
		return CIRCE_CLI_EXIT_USAGE;
	}
	if (id != CIRCE_CLI_POSITIONAL)
		return circe_cli_usage(cli, "options", id < 0 ? id : -EINVAL);
	if (!strcmp(arg, "faults")) {
		cli->cmd = "bench faults";
		return circe_cli_bench_faults(cli, &it);
	}
	if (!strcmp(arg, "svm")) {
		cli->cmd = "bench svm";
		return circe_cli_bench_svm(cli, &it);
	}
	if (!strcmp(arg, "lstm")) {
		cli->cmd = "bench lstm";
		return circe_cli_bench_lstm(cli, &it);
	}
	if (strcmp(arg, "gemm"))
		return circe_cli_usage(
			cli, "benchmark",
			circe_err(-EINVAL,
				  "unknown benchmark '%s' (known: gemm, faults, svm, lstm)", arg));
	cli->cmd = "bench gemm";
	return circe_cli_bench_gemm(cli, &it);
}
