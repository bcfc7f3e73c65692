/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The circe command line, run as a program: info, gemm on the golden cases
 * (from an independent Python implementation) and on random data checked
 * against the reference, error reporting and exit codes, bench gemm --json,
 * bench svm --json (fields, sanity, the ideal MMU where the library has it).
 * The device commands run once per backend the library has ("test_x/vsim",
 * --backend and --dtb given explicitly); help runs once.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "host/npy.h"
#include "tests/support/ref_gemm.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

#define CLI_MAX_ARGS 48

/* Run the circe binary with the NULL-terminated arguments; returns the exit
 * status and the combined output in *out (free it). */
static int circe_run(char **out, ...)
{
	char *argv[CLI_MAX_ARGS];
	va_list ap;
	int n = 0, rc;

	argv[n++] = (char *)tu_circe_bin();
	va_start(ap, out);
	for (char *a = va_arg(ap, char *); a; a = va_arg(ap, char *)) {
		assert_true(n < CLI_MAX_ARGS - 1);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	rc = tu_run(argv, out);
	assert_non_null(*out);
	return rc;
}

static int circe_runv(char **argv, char **out)
{
	int rc = tu_run(argv, out);

	assert_non_null(*out);
	return rc;
}

static void expect_contains(const char *out, const char *needle)
{
	if (!strstr(out, needle))
		fail_msg("output does not contain '%s':\n%s", needle, out);
}

static int suite_setup(void **state)
{
	(void)state;
	if (access(tu_circe_bin(), X_OK)) {
		print_error("%s is not built (make all)\n", tu_circe_bin());
		return -1;
	}
	return 0;
}

static char *tmp_file(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/test_cli_%s", tu_tmp_dir(), name);
	return buf;
}

/* ---- help and info ---- */

static void test_cli_help(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(circe_run(&out, "--help", NULL), 0);
	expect_contains(out, "gemm");
	expect_contains(out, "bench");
	expect_contains(out, "--backend");
	free(out);
	assert_int_equal(circe_run(&out, "help", NULL), 0);
	expect_contains(out, "info");
	free(out);
	assert_int_equal(circe_run(&out, "help", "gemm", NULL), 0);
	expect_contains(out, "--weight-scale");
	free(out);
	assert_int_equal(circe_run(&out, "gemm", "--help", NULL), 0);
	expect_contains(out, "--output-zero-point");
	free(out);
	assert_int_equal(circe_run(&out, "info", "--help", NULL), 0);
	expect_contains(out, "--dtb");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "--help", NULL), 0);
	expect_contains(out, "gemm");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "gemm", "--help", NULL), 0);
	expect_contains(out, "--seed");
	free(out);
	assert_int_equal(circe_run(&out, NULL), 2);
	free(out);
	assert_int_equal(circe_run(&out, "frobnicate", NULL), 2);
	expect_contains(out, "unknown command 'frobnicate'");
	free(out);
	assert_int_equal(circe_run(&out, "help", "frobnicate", NULL), 2);
	free(out);
	assert_int_equal(circe_run(&out, "bench", NULL), 2);
	free(out);
	assert_int_equal(circe_run(&out, "bench", "sort", NULL), 2);
	expect_contains(out, "unknown benchmark 'sort'");
	free(out);
	assert_int_equal(circe_run(&out, "info", "--bogus", NULL), 2);
	expect_contains(out, "circe info: options: invalid argument: unknown option '--bogus'");
	free(out);
	assert_int_equal(circe_run(&out, "info", "extra", NULL), 2);
	free(out);
}

static void test_cli_info(void **state)
{
	struct circe_dev *dev;
	struct circe_info info;
	char want[64], *out;

	const struct tu_backend *be = *state;
	char bare[64], eq[80], odd[96], odd_msg[160];

	/* What the library reports in-process is what the command prints. */
	assert_int_equal(circe_open(be->uri, be->dtb, &dev), 0);
	assert_int_equal(circe_get_info(dev, &info), 0);
	circe_close(dev);

	assert_int_equal(circe_run(&out, "info", "--backend", be->uri, "--dtb", be->dtb, NULL), 0);
	snprintf(want, sizeof(want), "%u x %u", info.array_rows, info.array_cols);
	expect_contains(out, want);
	expect_contains(out, info.compatible);
	expect_contains(out, "gemm");
	free(out);

	/* Global options before or after the command, a bare scheme. */
	assert_int_equal(circe_run(&out, "--backend", be->uri, "info", "--dtb", be->dtb, NULL), 0);
	expect_contains(out, want);
	free(out);
	snprintf(bare, sizeof(bare), "%s", be->name);
	snprintf(eq, sizeof(eq), "--backend=%s", be->name);
	assert_int_equal(circe_run(&out, "info", eq, "--json", "--dtb", be->dtb, NULL), 0);
	snprintf(want, sizeof(want), "\"array_rows\": %u", info.array_rows);
	expect_contains(out, want);
	expect_contains(out, "\"features\": [\"gemm\"");
	free(out);

	/* A backend configured unlike the device tree: an error naming it. */
	snprintf(odd, sizeof(odd), "%s:rows=8,cols=8", bare);
	snprintf(odd_msg, sizeof(odd_msg), "circe info: --backend '%s': ", odd);
	assert_int_equal(circe_run(&out, "info", "--backend", odd, "--dtb", be->dtb, NULL), 1);
	expect_contains(out, odd_msg);
	free(out);
	assert_int_equal(circe_run(&out, "info", "--backend", "nosuch", NULL), 1);
	expect_contains(out, "nosuch");
	free(out);
	assert_int_equal(circe_run(&out, "info", "--dtb", "/nonexistent/circe.dtb", NULL), 1);
	expect_contains(out, "/nonexistent/circe.dtb");
	free(out);
}

/* ---- gemm on random data, against the reference ---- */

struct cli_gemm {
	size_t m, k, n;
	bool int4, bias, relu, out16, per_channel;
	char a[4096], w[4096], b[4096], ws[4096], y[4096];
	char in_scale[32], in_zp[16], ws_arg[32], out_scale[32], out_zp[16];
	int8_t *av, *wv;
	int32_t *bv;
	float *wsv;
	float in_scale_f, out_scale_f;
	int32_t in_zp_i, out_zp_i;
};

static void cli_gemm_make(struct tu_rng *r, struct cli_gemm *c, const char *tag)
{
	size_t shape[2];
	char name[64];
	size_t nws = c->per_channel ? c->n : 1;

	c->av = malloc(c->m * c->k);
	c->wv = malloc(c->n * c->k);
	c->bv = malloc(c->n * sizeof(int32_t));
	c->wsv = malloc(c->n * sizeof(float));
	assert_non_null(c->av);
	assert_non_null(c->wv);
	assert_non_null(c->bv);
	assert_non_null(c->wsv);
	tu_rng_fill_i8(r, c->av, c->m * c->k, -128, 127);
	tu_rng_fill_i8(r, c->wv, c->n * c->k, c->int4 ? -8 : -127, c->int4 ? 7 : 127);
	for (size_t i = 0; i < c->n; i++) {
		c->bv[i] = (int32_t)tu_rng_range(r, -30000, 30000);
		c->wsv[i] = (float)(0.002 + 0.01 * (double)tu_rng_range(r, 0, 999) / 1000);
	}
	/* Scales printed with %.9g round-trip exactly through strtof. */
	c->in_scale_f = 0.0375f;
	c->out_scale_f = (float)(0.0375 * 0.007 * sqrt((double)c->k) * (c->int4 ? 3 : 30));
	c->in_zp_i = (int32_t)tu_rng_range(r, -128, 127);
	c->out_zp_i = (int32_t)(c->out16 ? tu_rng_range(r, -300, 300) : tu_rng_range(r, -20, 20));
	snprintf(c->in_scale, sizeof(c->in_scale), "%.9g", (double)c->in_scale_f);
	snprintf(c->out_scale, sizeof(c->out_scale), "%.9g", (double)c->out_scale_f);
	snprintf(c->in_zp, sizeof(c->in_zp), "%d", (int)c->in_zp_i);
	snprintf(c->out_zp, sizeof(c->out_zp), "%d", (int)c->out_zp_i);

	snprintf(name, sizeof(name), "%s_a.npy", tag);
	tmp_file(c->a, sizeof(c->a), name);
	snprintf(name, sizeof(name), "%s_w.npy", tag);
	tmp_file(c->w, sizeof(c->w), name);
	snprintf(name, sizeof(name), "%s_b.npy", tag);
	tmp_file(c->b, sizeof(c->b), name);
	snprintf(name, sizeof(name), "%s_ws.npy", tag);
	tmp_file(c->ws, sizeof(c->ws), name);
	snprintf(name, sizeof(name), "%s_y.npy", tag);
	tmp_file(c->y, sizeof(c->y), name);
	shape[0] = c->m;
	shape[1] = c->k;
	assert_int_equal(circe_npy_save(c->a, CIRCE_NPY_I8, 2, shape, c->av), 0);
	shape[0] = c->n;
	assert_int_equal(circe_npy_save(c->w, CIRCE_NPY_I8, 2, shape, c->wv), 0);
	assert_int_equal(circe_npy_save(c->b, CIRCE_NPY_I32, 1, shape, c->bv), 0);
	shape[0] = nws;
	assert_int_equal(circe_npy_save(c->ws, CIRCE_NPY_F32, 1, shape, c->wsv), 0);
	snprintf(c->ws_arg, sizeof(c->ws_arg), "%.9g", (double)c->wsv[0]);
	unlink(c->y);
}

static void cli_gemm_free(struct cli_gemm *c)
{
	free(c->av);
	free(c->wv);
	free(c->bv);
	free(c->wsv);
}

/* argv for the case on backend be; scalar weight scale when per_tensor_arg. */
static int cli_gemm_argv(const struct tu_backend *be, struct cli_gemm *c, char **argv,
			 bool per_tensor_arg)
{
	int n = 0;

	argv[n++] = (char *)tu_circe_bin();
	argv[n++] = "gemm";
	argv[n++] = "--backend";
	argv[n++] = (char *)be->uri;
	argv[n++] = "--dtb";
	argv[n++] = (char *)be->dtb;
	argv[n++] = "--input";
	argv[n++] = c->a;
	argv[n++] = "--weights";
	argv[n++] = c->w;
	if (c->bias) {
		argv[n++] = "--bias";
		argv[n++] = c->b;
	}
	argv[n++] = "--input-scale";
	argv[n++] = c->in_scale;
	argv[n++] = "--input-zero-point";
	argv[n++] = c->in_zp;
	argv[n++] = "--weight-scale";
	argv[n++] = per_tensor_arg ? c->ws_arg : c->ws;
	argv[n++] = "--output-scale";
	argv[n++] = c->out_scale;
	argv[n++] = "--output-zero-point";
	argv[n++] = c->out_zp;
	argv[n++] = "--weight-bits";
	argv[n++] = c->int4 ? "4" : "8";
	if (c->out16) {
		argv[n++] = "--output-bits";
		argv[n++] = "16";
	}
	if (c->relu)
		argv[n++] = "--relu";
	argv[n++] = "--output";
	argv[n++] = c->y;
	argv[n] = NULL;
	return n;
}

static void cli_gemm_check(const struct cli_gemm *c)
{
	struct circe_npy y;
	int32_t *m0 = calloc(c->n, sizeof(int32_t)), *shift = calloc(c->n, sizeof(int32_t));
	int32_t *ref = calloc(c->m * c->n, sizeof(int32_t));
	struct ref_gemm_case rc;
	size_t bad = 0;

	assert_non_null(m0);
	assert_non_null(shift);
	assert_non_null(ref);
	if (circe_npy_load(c->y, &y))
		fail_msg("%s", circe_errmsg());
	assert_int_equal(y.dtype, c->out16 ? CIRCE_NPY_I16 : CIRCE_NPY_I8);
	assert_int_equal(y.ndim, 2);
	assert_int_equal(y.shape[0], c->m);
	assert_int_equal(y.shape[1], c->n);
	for (size_t j = 0; j < c->n; j++)
		assert_int_equal(
			ref_quantize_multiplier((double)c->in_scale_f *
							(double)c->wsv[c->per_channel ? j : 0] /
							(double)c->out_scale_f,
						&m0[j], &shift[j]),
			0);
	rc = (struct ref_gemm_case){
		.m = c->m,
		.k = c->k,
		.n = c->n,
		.a = c->av,
		.w = c->wv,
		.bias = c->bias ? c->bv : NULL,
		.m0 = m0,
		.shift = shift,
		.in_zp = c->in_zp_i,
		.out_zp = c->out_zp_i,
		.clamp_min = c->relu ? c->out_zp_i : (c->out16 ? INT16_MIN : INT8_MIN),
		.clamp_max = c->out16 ? INT16_MAX : INT8_MAX,
	};
	ref_gemm(&rc, ref);
	for (size_t i = 0; i < c->m * c->n; i++) {
		int32_t got = c->out16 ? ((int16_t *)y.data)[i] : ((int8_t *)y.data)[i];

		if (got != ref[i] && bad++ < 5)
			print_error("y[%zu][%zu] = %d, reference %d\n", i / c->n, i % c->n, got,
				    ref[i]);
	}
	circe_npy_free(&y);
	free(m0);
	free(shift);
	free(ref);
	assert_int_equal(bad, 0);
}

static void test_cli_gemm_random(void **state)
{
	struct tu_rng r;

	(void)state;
	tu_rng_init(&r, tu_seed("cli_gemm", 3));
	for (int i = 0; i < 8; i++) {
		struct cli_gemm c = { 0 };
		char *argv[CLI_MAX_ARGS], *out, tag[32];
		bool scalar = i == 5;

		c.m = (size_t)tu_rng_range(&r, 1, 70);
		c.k = (size_t)tu_rng_range(&r, 1, 90);
		c.n = (size_t)tu_rng_range(&r, 1, 40);
		c.int4 = i & 1;
		c.bias = i != 2;
		c.relu = i == 3 || i == 6;
		c.out16 = i == 4 || i == 7;
		c.per_channel = !scalar && i != 6;
		snprintf(tag, sizeof(tag), "rand%d", i);
		cli_gemm_make(&r, &c, tag);
		cli_gemm_argv(*state, &c, argv, scalar);
		if (circe_runv(argv, &out) != 0)
			fail_msg("case %d failed:\n%s", i, out);
		free(out);
		cli_gemm_check(&c);
		cli_gemm_free(&c);
	}
}

/* --stats prints the device's figures. */
static void test_cli_gemm_stats(void **state)
{
	struct tu_rng r;
	struct cli_gemm c = { .m = 9, .k = 20, .n = 7, .bias = true, .per_channel = true };
	char *argv[CLI_MAX_ARGS], *out;
	int n;

	(void)state;
	tu_rng_init(&r, 99);
	cli_gemm_make(&r, &c, "stats");
	n = cli_gemm_argv(*state, &c, argv, false);
	argv[n++] = "--stats";
	argv[n] = NULL;
	assert_int_equal(circe_runv(argv, &out), 0);
	expect_contains(out, "macs             1260");
	expect_contains(out, "descriptors      1");
	free(out);
	cli_gemm_check(&c);
	cli_gemm_free(&c);
}

/* ---- golden cases from the independent Python implementation ---- */

#define TSV_MAX_COLS 24

struct tsv_row {
	char *col[TSV_MAX_COLS];
	int ncol;
};

static void tsv_split(char *line, struct tsv_row *row)
{
	char *save = NULL;

	line[strcspn(line, "\r\n")] = '\0';
	row->ncol = 0;
	for (char *t = strtok_r(line, "\t", &save); t && row->ncol < TSV_MAX_COLS;
	     t = strtok_r(NULL, "\t", &save))
		row->col[row->ncol++] = t;
}

static const char *tsv_get(const struct tsv_row *hdr, const struct tsv_row *row, const char *name)
{
	for (int i = 0; i < hdr->ncol && i < row->ncol; i++)
		if (!strcmp(hdr->col[i], name))
			return row->col[i];
	return NULL;
}

static bool tsv_yes(const char *v)
{
	return v &&
	       (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1"));
}

static void test_cli_gemm_golden(void **state)
{
	const struct tu_backend *be = *state;
	char dir[1024], path[1100], hline[1024], line[1024];
	struct tsv_row hdr, row;
	int cases = 0, failed = 0;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/golden/gemm", tu_src_dir());
	snprintf(path, sizeof(path), "%s/cases.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		printf("# skip: %s not found (golden GEMM cases not generated)\n", path);
		skip();
	}
	assert_non_null(fgets(hline, sizeof(hline), f));
	tsv_split(hline, &hdr);
	while (fgets(line, sizeof(line), f)) {
		char a[4096], w[4096], b[4096], ws[4096], y[4096], want[4096];
		const char *name, *wsv, *bits, *obits;
		char *argv[CLI_MAX_ARGS], *out;
		struct circe_npy got, exp;
		int n = 0, rc;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		tsv_split(line, &row);
		name = tsv_get(&hdr, &row, "name");
		if (!name) {
			print_error("cases.tsv: a row without a name\n");
			failed++;
			continue;
		}
		snprintf(a, sizeof(a), "%s/%s_a.npy", dir, name);
		snprintf(w, sizeof(w), "%s/%s_w.npy", dir, name);
		snprintf(b, sizeof(b), "%s/%s_b.npy", dir, name);
		snprintf(ws, sizeof(ws), "%s/%s_ws.npy", dir, name);
		snprintf(want, sizeof(want), "%s/%s_y.npy", dir, name);
		snprintf(y, sizeof(y), "%s/test_cli_golden_%s_y.npy", tu_tmp_dir(), name);
		unlink(y);
		wsv = tsv_get(&hdr, &row, "weight_scale");
		bits = tsv_get(&hdr, &row, "weight_bits");
		obits = tsv_get(&hdr, &row, "output_bits");
		assert_non_null(wsv);
		argv[n++] = (char *)tu_circe_bin();
		argv[n++] = "gemm";
		argv[n++] = "--backend";
		argv[n++] = (char *)be->uri;
		argv[n++] = "--dtb";
		argv[n++] = (char *)be->dtb;
		argv[n++] = "--input";
		argv[n++] = a;
		argv[n++] = "--weights";
		argv[n++] = w;
		if (tsv_yes(tsv_get(&hdr, &row, "bias"))) {
			argv[n++] = "--bias";
			argv[n++] = b;
		}
		argv[n++] = "--input-scale";
		argv[n++] = (char *)tsv_get(&hdr, &row, "input_scale");
		argv[n++] = "--input-zero-point";
		argv[n++] = (char *)tsv_get(&hdr, &row, "input_zero_point");
		argv[n++] = "--weight-scale";
		argv[n++] = !strcmp(wsv, "per-channel") ? ws : (char *)wsv;
		argv[n++] = "--output-scale";
		argv[n++] = (char *)tsv_get(&hdr, &row, "output_scale");
		argv[n++] = "--output-zero-point";
		argv[n++] = (char *)tsv_get(&hdr, &row, "output_zero_point");
		if (bits) {
			argv[n++] = "--weight-bits";
			argv[n++] = (char *)bits;
		}
		if (obits) {
			argv[n++] = "--output-bits";
			argv[n++] = (char *)obits;
		}
		if (tsv_yes(tsv_get(&hdr, &row, "relu")))
			argv[n++] = "--relu";
		argv[n++] = "--output";
		argv[n++] = y;
		argv[n] = NULL;
		for (int i = 0; i < n; i++)
			if (!argv[i])
				fail_msg("%s: cases.tsv row lacks a column", name);
		cases++;
		rc = circe_runv(argv, &out);
		if (rc != 0) {
			print_error("golden %s: exit %d:\n%s", name, rc, out);
			failed++;
			free(out);
			continue;
		}
		free(out);
		if (circe_npy_load(want, &exp))
			fail_msg("golden %s: %s", name, circe_errmsg());
		if (circe_npy_load(y, &got))
			fail_msg("golden %s: %s", name, circe_errmsg());
		if (got.dtype != exp.dtype || got.count != exp.count ||
		    memcmp(got.data, exp.data, got.count * circe_npy_dtype_size(got.dtype))) {
			size_t first = 0, diffs = 0, es = circe_npy_dtype_size(got.dtype);

			for (size_t i = 0; got.dtype == exp.dtype && i < got.count && i < exp.count;
			     i++)
				if (memcmp((char *)got.data + i * es, (char *)exp.data + i * es,
					   es) &&
				    !diffs++)
					first = i;
			print_error("golden %s: output differs (%s %zu vs expected %s %zu; %zu "
				    "elements differ, first at %zu)\n",
				    name, circe_npy_dtype_name(got.dtype), got.count,
				    circe_npy_dtype_name(exp.dtype), exp.count, diffs, first);
			failed++;
		}
		circe_npy_free(&got);
		circe_npy_free(&exp);
	}
	fclose(f);
	printf("# %d golden GEMM cases, %d failed\n", cases, failed);
	assert_true(cases > 0);
	assert_int_equal(failed, 0);
}

/* ---- errors and exit codes ---- */

static void write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_cli_gemm_errors(void **state)
{
	struct tu_rng r;
	struct cli_gemm c = { .m = 4, .k = 6, .n = 3, .bias = true, .per_channel = true };
	char *argv[CLI_MAX_ARGS], *out, bad[4096], other[4096];
	char *saved;
	size_t shape[2];
	float fdata[24] = { 0 };
	int8_t wide[3 * 7] = { 0 };
	int n, wi, ai, si;

	(void)state;
	tu_rng_init(&r, 17);
	cli_gemm_make(&r, &c, "err");
	n = cli_gemm_argv(*state, &c, argv, false);
	assert_int_equal(circe_runv(argv, &out), 0);
	free(out);
	for (wi = 0; strcmp(argv[wi], "--weights"); wi++)
		;
	for (ai = 0; strcmp(argv[ai], "--input"); ai++)
		;
	for (si = 0; strcmp(argv[si], "--input-scale"); si++)
		;
	wi++, ai++, si++;

	/* Truncated .npy: runtime error naming the file. */
	tmp_file(bad, sizeof(bad), "truncated.npy");
	{
		FILE *f = fopen(c.a, "rb");
		char buf[256];
		size_t len;

		assert_non_null(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		write_bytes(bad, buf, len - 3);
	}
	saved = argv[ai];
	argv[ai] = bad;
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "circe gemm: --input: invalid argument: ");
	expect_contains(out, "truncated.npy");
	expect_contains(out, "truncated data");
	free(out);

	/* Wrong magic. */
	write_bytes(bad, "GIF89a not numpy at all", 23);
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "truncated.npy");
	expect_contains(out, "magic");
	free(out);

	/* Missing file. */
	argv[ai] = "/nonexistent/a.npy";
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "/nonexistent/a.npy");
	free(out);

	/* float32 input: names the expected dtype. */
	tmp_file(other, sizeof(other), "float_input.npy");
	shape[0] = 4;
	shape[1] = 6;
	assert_int_equal(circe_npy_save(other, CIRCE_NPY_F32, 2, shape, fdata), 0);
	argv[ai] = other;
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "float_input.npy: dtype float32, expected int8");
	free(out);
	/* 1-D input. */
	assert_int_equal(circe_npy_save(other, CIRCE_NPY_I8, 1, shape, fdata), 0);
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "expected 2 dimensions");
	free(out);
	argv[ai] = saved;

	/* Weights whose K does not match. */
	shape[0] = 3;
	shape[1] = 7;
	tmp_file(other, sizeof(other), "wide_w.npy");
	assert_int_equal(circe_npy_save(other, CIRCE_NPY_I8, 2, shape, wide), 0);
	saved = argv[wi];
	argv[wi] = other;
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "circe gemm: --weights: invalid argument: ");
	expect_contains(out, "wide_w.npy: shape [3,7] does not match K = 6 of --input");
	free(out);
	argv[wi] = saved;

	/* int4 weights out of range: names the position. */
	{
		char *argv4[CLI_MAX_ARGS];
		int n4 = 0;

		for (int i = 0; i < n; i++) {
			argv4[n4++] = argv[i];
			if (!strcmp(argv[i], "--weight-bits")) {
				argv4[n4++] = "4";
				i++;
			}
		}
		argv4[n4] = NULL;
		assert_int_equal(circe_runv(argv4, &out), 1);
		expect_contains(out, "--weight-bits 4");
		expect_contains(out, "row ");
		free(out);
	}

	/* Bias of the wrong length. */
	shape[0] = 4;
	tmp_file(other, sizeof(other), "bias4.npy");
	assert_int_equal(circe_npy_save(other, CIRCE_NPY_I32, 1, shape, fdata), 0);
	for (int i = 0; i < n; i++)
		if (!strcmp(argv[i], "--bias"))
			argv[i + 1] = other;
	assert_int_equal(circe_runv(argv, &out), 1);
	expect_contains(out, "does not match N = 3");
	free(out);
	for (int i = 0; i < n; i++)
		if (!strcmp(argv[i], "--bias"))
			argv[i + 1] = c.b;

	/* Usage errors: exit 2. */
	saved = argv[si];
	argv[si] = "abc";
	assert_int_equal(circe_runv(argv, &out), 2);
	expect_contains(out, "--input-scale: 'abc' is not a number");
	free(out);
	argv[si] = "-1";
	assert_int_equal(circe_runv(argv, &out), 2);
	free(out);
	argv[si] = "nan";
	assert_int_equal(circe_runv(argv, &out), 2);
	free(out);
	argv[si] = "1e-60"; /* zero as float32 */
	assert_int_equal(circe_runv(argv, &out), 2);
	free(out);
	argv[si] = saved;

	assert_int_equal(circe_run(&out, "gemm", "--input", c.a, "--weights", c.w, NULL), 2);
	expect_contains(out, "missing required option --input-scale");
	free(out);
	/* Every required option missing in turn. */
	{
		static const char *const required[] = {
			"--input",
			"--weights",
			"--input-scale",
			"--input-zero-point",
			"--weight-scale",
			"--output-scale",
			"--output-zero-point",
			"--output",
		};

		for (size_t q = 0; q < sizeof(required) / sizeof(required[0]); q++) {
			char *argv2[CLI_MAX_ARGS], want[64];
			int n2 = 0;

			for (int i = 0; i < n; i++) {
				if (!strcmp(argv[i], required[q])) {
					i++;
					continue;
				}
				argv2[n2++] = argv[i];
			}
			argv2[n2] = NULL;
			assert_int_equal(circe_runv(argv2, &out), 2);
			snprintf(want, sizeof(want), "missing required option %s", required[q]);
			expect_contains(out, want);
			free(out);
		}
	}
	assert_int_equal(circe_run(&out, "gemm", "--input", NULL), 2);
	expect_contains(out, "needs a value");
	free(out);
	assert_int_equal(circe_run(&out, "gemm", "--frob", NULL), 2);
	free(out);

	/* Option values out of range. */
	{
		static const char *const bad_vals[][2] = {
			{ "--input-zero-point", "128" },  { "--input-zero-point", "x" },
			{ "--output-zero-point", "200" }, { "--weight-bits", "5" },
			{ "--output-bits", "32" },	  { "--weight-scale", "scales.txt" },
			{ "--weight-scale", "0" },
		};

		for (size_t q = 0; q < sizeof(bad_vals) / sizeof(bad_vals[0]); q++) {
			char *argv2[CLI_MAX_ARGS];

			bool found = false;

			memcpy(argv2, argv, sizeof(char *) * ((size_t)n + 1));
			for (int i = 0; i < n; i++) {
				if (!strcmp(argv2[i], bad_vals[q][0])) {
					argv2[i + 1] = (char *)bad_vals[q][1];
					found = true;
				}
			}
			if (!found) {
				argv2[n] = (char *)bad_vals[q][0];
				argv2[n + 1] = (char *)bad_vals[q][1];
				argv2[n + 2] = NULL;
			}
			if (circe_runv(argv2, &out) != 2)
				fail_msg("%s %s: expected exit 2:\n%s", bad_vals[q][0],
					 bad_vals[q][1], out);
			expect_contains(out, bad_vals[q][0]);
			free(out);
		}
	}

	/* Runtime errors: unknown backend, unwritable output. */
	{
		char *argv2[CLI_MAX_ARGS];

		memcpy(argv2, argv, sizeof(char *) * ((size_t)n + 1));
		for (int i = 0; i < n; i++)
			if (!strcmp(argv2[i], "--backend"))
				argv2[i + 1] = "warp:9";
		assert_int_equal(circe_runv(argv2, &out), 1);
		expect_contains(out, "circe gemm: --backend 'warp:9': ");
		free(out);
		memcpy(argv2, argv, sizeof(char *) * ((size_t)n + 1));
		argv2[n - 1] = "/nonexistent/dir/y.npy";
		assert_int_equal(circe_runv(argv2, &out), 1);
		expect_contains(out, "circe gemm: --output: ");
		free(out);
	}
	cli_gemm_free(&c);
}

/* ---- bench ---- */

static void test_cli_bench(void **state)
{
	static const char *const keys[] = {
		"\"backend\": ",
		"\"m\": 33",
		"\"k\": 70",
		"\"n\": 19",
		"\"weight_bits\": 8",
		"\"macs\": 43890",
		"\"cycles\": ",
		"\"peak_macs_per_cycle\": ",
		"\"utilization\": ",
		"\"bit_exact\": true",
		"\"dma_read_bytes\": ",
		"\"dma_write_bytes\": ",
		"\"tlb_l1_hits\": ",
		"\"tlb_l1_misses\": ",
		"\"tlb_l2_hits\": ",
		"\"tlb_l2_misses\": ",
		"\"walks\": ",
		"\"pte_reads\": ",
		"\"walk_cache_hits\": ",
		"\"walk_cycles\": ",
		"\"stall_cycles\": ",
		"\"faults\": 0",
		"\"wall_seconds\": ",
		"\"sim_cycles_per_second\": ",
		"\"seed\": 1",
	};
	const struct tu_backend *be = *state;
	char *out;

	assert_int_equal(circe_run(&out, "bench", "gemm", "--m", "33", "--k", "70", "--n", "19",
				   "--json", "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_contains(out, keys[i]);
	/* One object on one line. */
	assert_int_equal(out[0], '{');
	assert_non_null(strstr(out, "}\n"));
	assert_null(strchr(strchr(out, '\n') + 1, '{'));
	free(out);

	assert_int_equal(circe_run(&out, "bench", "gemm", "--backend", be->name, "--dtb", be->dtb,
				   "--m", "20", "--k", "33", "--n", "17", "--weight-bits", "4",
				   "--output-bits", "16", "--relu", "--seed", "0x1234", "--json",
				   NULL),
			 0);
	expect_contains(out, "\"bit_exact\": true");
	expect_contains(out, "\"weight_bits\": 4");
	expect_contains(out, "\"seed\": 4660");
	free(out);

	assert_int_equal(circe_run(&out, "bench", "gemm", "--m", "5", "--k", "6", "--n", "7",
				   "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	expect_contains(out, "bit exact");
	expect_contains(out, "yes");
	free(out);

	assert_int_equal(circe_run(&out, "bench", "gemm", "--m", "5", "--k", "6", NULL), 2);
	expect_contains(out, "missing required option --n");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "gemm", "--m", "0", "--k", "6", "--n", "1", NULL),
			 2);
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "gemm", "--m", "-3", "--k", "6", "--n", "1", NULL), 2);
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "gemm", "--m", "1", "--k", "16385", "--n", "1", NULL), 2);
	free(out);
	assert_int_equal(circe_run(&out, "bench", "gemm", "--m", "2", "--k", "2", "--n", "2",
				   "--backend", "nosuch:", NULL),
			 1);
	free(out);
}

/* ---- bench svm ---- */

/* The n-th line of out that is a JSON object (from 0), or NULL. The line
 * is copied into line (cap bytes). */
static const char *svm_json_line(const char *out, int n, char *line, size_t cap)
{
	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (*p != '{' || n--)
			continue;
		assert_true(len < cap);
		memcpy(line, p, len);
		line[len] = '\0';
		return line;
	}
	return NULL;
}

/* The value of "key" in the object: true and *v for a number, false for
 * null; the key must be there. */
static bool svm_json_num(const char *obj, const char *key, double *v)
{
	char pat[64], *end;
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(obj, pat);
	if (!p)
		fail_msg("no key \"%s\" in %s", key, obj);
	p += strlen(pat);
	if (!strncmp(p, "null", 4))
		return false;
	*v = strtod(p, &end);
	if (end == p)
		fail_msg("\"%s\" is not a number or null in %s", key, obj);
	return true;
}

static void svm_expect_rate(const char *obj, const char *key)
{
	double v;

	if (svm_json_num(obj, key, &v)) {
		assert_true(v >= 0.0);
		assert_true(v <= 1.0);
	}
}

/* The fields every run reports, sane; cycles and walks on cycle-accurate
 * backends. */
static void svm_expect_run(const char *obj, bool cycles)
{
	static const char *const keys[] = {
		"\"benchmark\": \"svm\"",
		"\"pattern\": ",
		"\"tlb\": ",
		"\"pages\": ",
		"\"size\": ",
		"\"offload\": ",
		"\"correct\": true",
		"\"host_seconds\": ",
		"\"device_seconds\": ",
		"\"total_seconds\": ",
		"\"speedup\": ",
	};
	double v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_contains(obj, keys[i]);
	svm_expect_rate(obj, "l1_hit_rate");
	svm_expect_rate(obj, "l2_hit_rate");
	assert_true(svm_json_num(obj, "walks", &v));
	assert_true(v >= 0);
	assert_true(svm_json_num(obj, "total_seconds", &v));
	assert_true(v > 0);
	assert_int_equal(svm_json_num(obj, "cycles", &v), cycles);
	if (cycles)
		assert_true(v > 0);
	assert_int_equal(svm_json_num(obj, "stall_cycles", &v), cycles);
	(void)svm_json_num(obj, "translation_overhead", &v);
}

static void test_cli_bench_svm(void **state)
{
	const struct tu_backend *be = *state;
	bool vsim = !strcmp(be->name, "vsim"), ideal = false;
	struct circe_dev *dev = NULL;
	char line[4096], *out;
	double v, speedup0, speedup1;

	/* memcpy, 4 KiB pages: on vsim every page is a walk */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size", "64k",
				   "--json", "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
	assert_null(svm_json_line(out, 1, line + 2048, sizeof(line) - 2048));
	svm_expect_run(line, vsim);
	expect_contains(line, "\"pattern\": \"memcpy\"");
	expect_contains(line, "\"tlb\": \"hybrid\"");
	expect_contains(line, "\"pages\": \"4k\"");
	expect_contains(line, "\"size\": 65536");
	expect_contains(line, "\"offload\": \"svm\"");
	assert_false(svm_json_num(line, "translation_overhead", &v)); /* no ideal run */
	if (vsim) {
		assert_true(svm_json_num(line, "walks", &v));
		assert_true(v >= 32); /* 16 source + 16 destination pages */
		assert_true(svm_json_num(line, "l1_hit_rate", &v));
	}
	free(out);

	/* pchase, copy-based and zero-copy: two lines, the speedup on both */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "pchase", "--size", "256k",
				   "--visit", "24", "--offload", "both", "--pages", "2m", "--json",
				   "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
	svm_expect_run(line, vsim);
	expect_contains(line, "\"offload\": \"copy\"");
	expect_contains(line, "\"pages\": \"2m\"");
	assert_true(svm_json_num(line, "speedup", &speedup0));
	assert_true(svm_json_num(line, "host_seconds", &v));
	assert_true(v > 0); /* the packing */
	assert_non_null(svm_json_line(out, 1, line, sizeof(line)));
	svm_expect_run(line, vsim);
	expect_contains(line, "\"offload\": \"svm\"");
	assert_true(svm_json_num(line, "speedup", &speedup1));
	assert_true(speedup0 > 0);
	assert_true(speedup0 == speedup1);
	assert_null(svm_json_line(out, 2, line, sizeof(line)));
	free(out);

	/* forest under the two single-level modes: L2-only looks nothing up in
	 * the L1, L1-only probes no L2 */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "forest", "--size", "256k",
				   "--trees", "4", "--tlb", "l1-only,l2-only", "--json",
				   "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
	svm_expect_run(line, vsim);
	expect_contains(line, "\"tlb\": \"l1-only\"");
	if (vsim)
		assert_false(svm_json_num(line, "l2_hit_rate", &v));
	assert_non_null(svm_json_line(out, 1, line, sizeof(line)));
	svm_expect_run(line, vsim);
	expect_contains(line, "\"tlb\": \"l2-only\"");
	if (vsim) {
		assert_true(svm_json_num(line, "l1_hit_rate", &v));
		assert_true(v == 0.0);
	}
	free(out);

	/* --repeat: queries in one context, the cold first one and the warm
	 * rest reported apart. A 128 KiB forest (32 pages) fits the L2's reach,
	 * so on vsim a warm query walks no more than the cold one. */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "forest", "--size", "128k",
				   "--trees", "4", "--repeat", "3", "--offload", "both", "--json",
				   "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	for (int i = 0; i < 2; i++) {
		double cold_walks, warm_walks;

		assert_non_null(svm_json_line(out, i, line, sizeof(line)));
		svm_expect_run(line, vsim);
		expect_contains(line, i ? "\"offload\": \"svm\"" : "\"offload\": \"copy\"");
		assert_true(svm_json_num(line, "repeat", &v));
		assert_true(v == 3);
		assert_true(svm_json_num(line, "warm_queries", &v));
		assert_true(v == 2);
		assert_true(svm_json_num(line, "cold_walks", &cold_walks));
		/* each query's own walks, the cold one first */
		{
			char first[64];

			snprintf(first, sizeof(first), "\"query_walks\": [%.0f, ", cold_walks);
			expect_contains(line, first);
		}
		expect_contains(line, vsim ? "\"query_cycles\": [" : "\"query_cycles\": null");
		assert_true(svm_json_num(line, "warm_walks_per_query", &warm_walks));
		assert_true(warm_walks >= 0);
		assert_false(svm_json_num(line, "warm_translation_overhead", &v));
		svm_expect_rate(line, "warm_l1_hit_rate");
		svm_expect_rate(line, "warm_l2_hit_rate");
		svm_expect_rate(line, "cold_l1_hit_rate");
		assert_int_equal(svm_json_num(line, "warm_cycles_per_query", &v), vsim);
		assert_int_equal(svm_json_num(line, "cold_cycles", &v), vsim);
		if (vsim) {
			double cycles, cold, warm;

			assert_true(svm_json_num(line, "cold_walks", &cold));
			assert_true(cold > 0);
			assert_true(warm_walks <= cold);
			/* the totals are every query's: cold + 2 warm */
			assert_true(svm_json_num(line, "cycles", &cycles));
			assert_true(svm_json_num(line, "cold_cycles", &cold));
			assert_true(svm_json_num(line, "warm_cycles_per_query", &warm));
			assert_true(warm > 0);
			assert_true(fabs(cold + 2 * warm - cycles) <= 1.0);
			assert_true(svm_json_num(line, "warm_l1_hit_rate", &v));
		}
	}
	assert_null(svm_json_line(out, 2, line, sizeof(line)));
	free(out);

	/* one query has no warm figures */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size", "16k",
				   "--json", "--backend", be->uri, "--dtb", be->dtb, NULL),
			 0);
	assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
	assert_true(svm_json_num(line, "repeat", &v));
	assert_true(v == 1);
	assert_false(svm_json_num(line, "warm_cycles_per_query", &v));
	assert_false(svm_json_num(line, "warm_walks_per_query", &v));
	assert_false(svm_json_num(line, "warm_l1_hit_rate", &v));
	free(out);

	/* --cmd-list run: one command list for the run, so nothing invalidates
	 * between queries; the chase's result block lives in it too; the chase
	 * restarts at a new node per query */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "pchase", "--size", "64k",
				   "--visit", "16", "--repeat", "3", "--offload", "both",
				   "--cmd-list", "run", "--json", "--backend", be->uri, "--dtb",
				   be->dtb, NULL),
			 0);
	for (int i = 0; i < 2; i++) {
		assert_non_null(svm_json_line(out, i, line, sizeof(line)));
		svm_expect_run(line, vsim);
		assert_true(svm_json_num(line, "warm_queries", &v));
		assert_true(v == 2);
		assert_true(svm_json_num(line, "warm_walks_per_query", &v));
		/* 16 pages, every one touched by the cold query or not: at
		 * most one walk per page over the run, none for the list */
		if (vsim)
			assert_true(v <= 16);
	}
	free(out);
	/* spmv over a wide x (--cols): a new x per query */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "spmv", "--size", "4k",
				   "--cols", "64k", "--repeat", "2", "--json", "--backend", be->uri,
				   "--dtb", be->dtb, NULL),
			 0);
	assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
	svm_expect_run(line, vsim);
	expect_contains(line, "x 65536 CSR");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "spmv", "--cols", "8", NULL),
			 2);
	expect_contains(out, "--cols: 8 is outside [16, ");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--cmd-list",
				   "always", NULL),
			 2);
	expect_contains(out, "--cmd-list: 'always', must be job or run");
	free(out);
	if (vsim) {
		/* the same copy again: every page is in the TLBs after the cold
		 * query, so a warm query walks only for a per-job list's page */
		double walks_job, walks_run;

		assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size",
					   "16k", "--repeat", "2", "--json", "--backend", be->uri,
					   "--dtb", be->dtb, NULL),
				 0);
		assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
		assert_true(svm_json_num(line, "warm_walks_per_query", &walks_job));
		free(out);
		assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size",
					   "16k", "--repeat", "2", "--cmd-list", "run", "--json",
					   "--backend", be->uri, "--dtb", be->dtb, NULL),
				 0);
		assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
		assert_true(svm_json_num(line, "warm_walks_per_query", &walks_run));
		free(out);
		assert_true(walks_run == 0);
		assert_true(walks_job >= 1);
	}

	/* spmv: whatever the device answers (the RTL may not have it yet), a
	 * correct result or a clear error naming the command */
	{
		int rc = circe_run(&out, "bench", "svm", "--pattern", "spmv", "--size", "16k",
				   "--json", "--backend", be->uri, "--dtb", be->dtb, NULL);

		if (rc) {
			assert_int_equal(rc, 1);
			expect_contains(out, "running spmv");
			expect_contains(out, "spmv: ");
		} else {
			assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
			svm_expect_run(line, vsim);
		}
		free(out);
	}

	/* the ideal MMU: where this library has the model, its run comes first
	 * and gives the others' overhead; elsewhere a clear error */
	if (vsim && !circe_open("vsim:mmu=ideal", be->dtb, &dev)) {
		ideal = true;
		circe_close(dev);
	}
	{
		int rc = circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size", "64k",
				   "--tlb", "hybrid,ideal", "--json", "--backend", be->uri, "--dtb",
				   be->dtb, NULL);

		if (!ideal) {
			assert_int_equal(rc, 1);
			expect_contains(out, "--tlb ideal");
			expect_contains(out, "no ideal-MMU model");
		} else {
			assert_int_equal(rc, 0);
			assert_non_null(svm_json_line(out, 0, line, sizeof(line)));
			svm_expect_run(line, true);
			expect_contains(line, "\"tlb\": \"ideal\"");
			assert_true(svm_json_num(line, "walks", &v));
			assert_true(v == 0);
			assert_false(svm_json_num(line, "l1_hit_rate", &v));
			assert_non_null(svm_json_line(out, 1, line, sizeof(line)));
			expect_contains(line, "\"tlb\": \"hybrid\"");
			assert_true(svm_json_num(line, "translation_overhead", &v));
			assert_true(v > 0);
			assert_true(svm_json_num(line, "ideal_cycles", &v));
		}
		free(out);
	}
	if (ideal) {
		/* the ideal model never passes for the real MMU */
		assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size",
					   "16k", "--backend", "vsim:mmu=ideal", "--dtb", be->dtb,
					   NULL),
				 1);
		expect_contains(out, "IDEAL_MMU");
		free(out);
	}

	/* usage errors */
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "sort", NULL), 2);
	expect_contains(out, "unknown value 'sort'");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--size", "64k", NULL), 2);
	expect_contains(out, "missing required option --pattern");
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size", "0", NULL), 2);
	expect_contains(out, "--size");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size",
				   "99999999999999", NULL),
			 2);
	expect_contains(out, "--size");
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--size", "2G", NULL), 2);
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--tlb", "l3-only", NULL),
		2);
	expect_contains(out, "unknown value 'l3-only'");
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--pages", "1g", NULL), 2);
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--offload", "maybe", NULL),
		2);
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "forest", "--size", "4k",
				   "--trees", "1000", NULL),
			 2);
	expect_contains(out, "cannot hold");
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--repeat", "0", NULL), 2);
	expect_contains(out, "--repeat: 0 is outside [1, 10000]");
	free(out);
	assert_int_equal(circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--repeat",
				   "99999999999999999999", NULL),
			 2);
	expect_contains(out, "--repeat");
	expect_contains(out, "is outside");
	free(out);
	assert_int_equal(
		circe_run(&out, "bench", "svm", "--pattern", "memcpy", "--repeat", "many", NULL),
		2);
	expect_contains(out, "--repeat: 'many' is not an unsigned integer");
	free(out);
}

int main(void)
{
	static const struct CMUnitTest per_backend[] = {
		cmocka_unit_test(test_cli_info),	cmocka_unit_test(test_cli_gemm_random),
		cmocka_unit_test(test_cli_gemm_stats),	cmocka_unit_test(test_cli_gemm_golden),
		cmocka_unit_test(test_cli_gemm_errors), cmocka_unit_test(test_cli_bench),
		cmocka_unit_test(test_cli_bench_svm),
	};
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be), count;
	struct CMUnitTest *dev = tu_backend_tests(
		per_backend, sizeof(per_backend) / sizeof(per_backend[0]), be, n, &count);
	struct CMUnitTest *all;
	int failed;

	/* help once, the device commands on every backend ("test_x/<backend>") */
	if (!dev)
		return 1;
	all = calloc(count + 1, sizeof(*all));
	if (!all) {
		tu_backend_tests_free(dev, count);
		return 1;
	}
	all[0] = (struct CMUnitTest)cmocka_unit_test(test_cli_help);
	memcpy(all + 1, dev, count * sizeof(*dev));
	failed = _cmocka_run_group_tests("cli", all, count + 1, suite_setup, NULL);
	free(all);
	tu_backend_tests_free(dev, count);
	return failed;
}
