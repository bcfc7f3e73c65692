/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The committed trained models (models/NAME.safetensors, docs/models.md) run
 * int8 on the device over their held-back golden inputs
 * (tests/golden/models/), checked against the labels and against the float
 * model's outputs that PyTorch wrote (no torch needed here):
 *
 * - digits classifiers: int8 accuracy on the held-back images within
 *   TM_DIGITS_TOL points of the float accuracy (and the float accuracy the
 *   golden JSON states is what the golden logits give);
 * - character LMs: bits per character of the int8 model within a stated
 *   margin of the float model's, and the mean KL divergence (bits) of the
 *   next-character distribution, float || int8, under a stated bound.
 *
 * The accuracy runs are on fmodel; vsim runs a slice of each model and must
 * give fmodel's bytes. The suite prints the accuracy table of the README
 * ("# | model | ...") from the fmodel runs.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "circe/circe.h"
#include "host/npy.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

/* Tolerances (points of accuracy, bits per character, bits of KL). The
 * issue's targets: digits k = 8 within 1.5 points of float, the int8 dense
 * LM within 0.05 bpc of float. */
#define TM_DIGITS_TOL 1.5
#define TM_LM_DENSE_BPC_TOL 0.05
#define TM_LM_CIRC_BPC_TOL 0.10
#define TM_LM_KL_MAX 0.05
/* The golden float metrics are recomputed here from the golden logits. */
#define TM_FLOAT_EPS 1e-4

/* The vsim slice: the first few sequences (and steps) of each model. */
#define TM_SLICE_SEQS 2
#define TM_SLICE_STEPS 8

struct tm_case {
	const char *name;    /* models/<name>.safetensors, golden <name>.json/_logits.npy */
	const char *dataset; /* "digits" or "charlm": golden <dataset>_X.npy */
	double tol;	     /* digits: accuracy points; charlm: bpc */
};

static const struct tm_case tm_cases[] = {
	{ "digits_dense", "digits", TM_DIGITS_TOL },
	{ "digits_circ4", "digits", TM_DIGITS_TOL },
	{ "digits_circ8", "digits", TM_DIGITS_TOL },
	{ "digits_circ16", "digits", TM_DIGITS_TOL },
	{ "charlm_dense", "charlm", TM_LM_DENSE_BPC_TOL },
	{ "charlm_circ8", "charlm", TM_LM_CIRC_BPC_TOL },
	{ "charlm_circ8h", "charlm", TM_LM_CIRC_BPC_TOL },
};
#define TM_NUM_CASES (sizeof(tm_cases) / sizeof(tm_cases[0]))

/* What the fmodel runs measured, for the table. */
struct tm_result {
	int done;
	double float_metric, int8_metric, kl; /* accuracy % or bpc; KL (charlm) */
	double agree;			      /* digits: % of argmax equal to float's */
	size_t params;
};
static struct tm_result tm_results[TM_NUM_CASES];

static void tm_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/%s/%s%s", tu_src_dir(), dir, name, suffix);
}

static void tm_load_npy(const char *name, const char *suffix, enum circe_npy_dtype dtype,
			struct circe_npy *out)
{
	char path[1024];

	tm_path(path, sizeof(path), "tests/golden/models", name, suffix);
	if (circe_npy_load(path, out))
		fail_msg("%s: %s", path, circe_errmsg());
	assert_int_equal(out->dtype, dtype);
}

static json_t *tm_load_json(const char *name)
{
	char path[1024];
	json_error_t jerr;
	json_t *j;

	tm_path(path, sizeof(path), "tests/golden/models", name, ".json");
	j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	return j;
}

static double tm_json_number(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_number(v))
		fail_msg("golden JSON: '%s' missing or not a number", key);
	return json_number_value(v);
}

/* log-softmax of z[n] into out[n] (double). */
static void tm_log_softmax(const float *z, size_t n, double *out)
{
	double m = -INFINITY, s = 0;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, z[i]);
	for (size_t i = 0; i < n; i++)
		s += exp(z[i] - m);
	for (size_t i = 0; i < n; i++)
		out[i] = z[i] - m - log(s);
}

static size_t tm_argmax(const float *z, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (z[i] > z[best])
			best = i;
	return best;
}

/* Open the backend named name among the selected ones: 0, or -1 (not in
 * this build or selection: the caller skips). */
static int tm_open(const char *name, struct circe_dev **dev, struct circe_ctx **ctx)
{
	struct tu_backend be[TU_BACKEND_MAX];
	size_t nbe = tu_backends(be);

	for (size_t i = 0; i < nbe; i++) {
		if (strcmp(be[i].name, name))
			continue;
		if (tu_backend_open(&be[i], dev, ctx))
			fail_msg("cannot open %s", name);
		return 0;
	}
	return -1;
}

/* The committed model name on ctx; NULL (with the reason printed) when
 * the device lacks the units the model needs (-EOPNOTSUPP). */
static struct circe_model *tm_model_load(struct circe_ctx *ctx, const char *name)
{
	struct circe_model *m = NULL;
	char path[1024];
	int err;

	tm_path(path, sizeof(path), "models", name, ".safetensors");
	err = circe_model_load(ctx, path, &m);
	if (err == -EOPNOTSUPP) {
		print_message("# skip: %s: %s\n", name, circe_errmsg());
		return NULL;
	}
	if (err)
		fail_msg("%s: %s", path, circe_errmsg());
	return m;
}

/* Run every golden input of case c through its model on fmodel and check it. */
static void tm_check_case(size_t ci)
{
	const struct tm_case *c = &tm_cases[ci];
	struct tm_result *r = &tm_results[ci];
	struct circe_npy x = { 0 }, ref = { 0 }, lab = { 0 };
	struct circe_model_info info;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_model *m;
	bool digits = !strcmp(c->dataset, "digits");
	size_t n, steps, out_len, classes;
	double *lq, *lf;
	json_t *golden;
	float *y;

	if (tm_open("fmodel", &dev, &ctx)) {
		print_message("# skip: fmodel not in this build or selection\n");
		skip();
	}
	m = tm_model_load(ctx, c->name);
	if (!m) {
		circe_ctx_destroy(ctx);
		circe_close(dev);
		skip();
	}
	assert_int_equal(circe_model_get_info(m, &info), 0);

	char xname[64], lname[64];
	snprintf(xname, sizeof(xname), "%s_X", c->dataset);
	snprintf(lname, sizeof(lname), "%s_%s", c->dataset, digits ? "labels" : "targets");
	tm_load_npy(xname, ".npy", CIRCE_NPY_F32, &x);
	tm_load_npy(lname, ".npy", CIRCE_NPY_I32, &lab);
	tm_load_npy(c->name, "_logits.npy", CIRCE_NPY_F32, &ref);
	golden = tm_load_json(c->name);
	assert_int_equal(x.ndim, 3);
	n = x.shape[0];
	steps = x.shape[1];
	assert_int_equal(x.shape[2], info.in_features);
	assert_int_equal(info.out_sequence, !digits);
	classes = info.out_features;
	out_len = (digits ? n : n * steps) * classes;
	assert_int_equal(ref.count, out_len);
	assert_int_equal(lab.count, out_len / classes);

	y = malloc(out_len * sizeof(*y));
	lq = malloc(classes * sizeof(*lq));
	lf = malloc(classes * sizeof(*lf));
	assert_non_null(y);
	assert_non_null(lq);
	assert_non_null(lf);
	if (circe_model_run(m, x.data, n, steps, y, NULL))
		fail_msg("%s: run: %s", c->name, circe_errmsg());

	const float *yf = ref.data;
	const int32_t *t = lab.data;
	size_t rows = out_len / classes;

	r->params = (size_t)tm_json_number(golden, "params");
	if (digits) {
		size_t right_f = 0, right_q = 0, agree = 0;

		for (size_t i = 0; i < rows; i++) {
			size_t pf = tm_argmax(yf + i * classes, classes);
			size_t pq = tm_argmax(y + i * classes, classes);

			right_f += (int32_t)pf == t[i];
			right_q += (int32_t)pq == t[i];
			agree += pf == pq;
		}
		r->float_metric = 100.0 * (double)right_f / (double)rows;
		r->int8_metric = 100.0 * (double)right_q / (double)rows;
		r->agree = 100.0 * (double)agree / (double)rows;
		assert_true(fabs(r->float_metric / 100.0 -
				 tm_json_number(golden, "float_accuracy")) < TM_FLOAT_EPS);
		print_message("# %s: accuracy float %.2f %%, int8 %.2f %% (%zu images), "
			      "argmax agrees on %.2f %%; tolerance %.1f points\n",
			      c->name, r->float_metric, r->int8_metric, rows, r->agree, c->tol);
		if (r->int8_metric < r->float_metric - c->tol)
			fail_msg("%s: int8 accuracy %.2f %% more than %.1f points below float "
				 "%.2f %%",
				 c->name, r->int8_metric, c->tol, r->float_metric);
	} else {
		double nll_f = 0, nll_q = 0, kl = 0;

		for (size_t i = 0; i < rows; i++) {
			tm_log_softmax(yf + i * classes, classes, lf);
			tm_log_softmax(y + i * classes, classes, lq);
			nll_f -= lf[t[i]];
			nll_q -= lq[t[i]];
			for (size_t j = 0; j < classes; j++)
				kl += exp(lf[j]) * (lf[j] - lq[j]);
		}
		r->float_metric = nll_f / (double)rows / log(2.0);
		r->int8_metric = nll_q / (double)rows / log(2.0);
		r->kl = kl / (double)rows / log(2.0);
		assert_true(fabs(r->float_metric - tm_json_number(golden, "float_bpc")) <
			    TM_FLOAT_EPS);
		print_message("# %s: bits per character float %.4f, int8 %.4f (%zu characters), "
			      "mean KL(float || int8) %.4f bits; tolerances %.2f bpc, %.2f bits\n",
			      c->name, r->float_metric, r->int8_metric, rows, r->kl, c->tol,
			      TM_LM_KL_MAX);
		if (r->int8_metric > r->float_metric + c->tol)
			fail_msg("%s: int8 %.4f bpc, more than %.2f above float %.4f", c->name,
				 r->int8_metric, c->tol, r->float_metric);
		if (r->kl > TM_LM_KL_MAX)
			fail_msg("%s: mean KL %.4f bits over %.2f", c->name, r->kl, TM_LM_KL_MAX);
	}
	r->done = 1;

	free(lf);
	free(lq);
	free(y);
	json_decref(golden);
	circe_npy_free(&ref);
	circe_npy_free(&lab);
	circe_npy_free(&x);
	circe_model_destroy(m);
	circe_ctx_destroy(ctx);
	circe_close(dev);
}

#define TM_CASE_TEST(i, fn)          \
	static void fn(void **state) \
	{                            \
		(void)state;         \
		tm_check_case(i);    \
	}
TM_CASE_TEST(0, test_digits_dense)
TM_CASE_TEST(1, test_digits_circ4)
TM_CASE_TEST(2, test_digits_circ8)
TM_CASE_TEST(3, test_digits_circ16)
TM_CASE_TEST(4, test_charlm_dense)
TM_CASE_TEST(5, test_charlm_circ8)
TM_CASE_TEST(6, test_charlm_circ8h)

/* A slice of every model on fmodel and vsim: identical output bytes. */
static float *tm_run_slice(const char *backend, size_t ci, size_t *len)
{
	const struct tm_case *c = &tm_cases[ci];
	struct circe_npy x = { 0 };
	struct circe_model_info info;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_model *m;
	size_t n, steps, in;
	float *xs, *y;
	char xname[64];

	if (tm_open(backend, &dev, &ctx))
		return NULL;
	m = tm_model_load(ctx, c->name);
	if (!m) {
		circe_ctx_destroy(ctx);
		circe_close(dev);
		return NULL;
	}
	assert_int_equal(circe_model_get_info(m, &info), 0);
	snprintf(xname, sizeof(xname), "%s_X", c->dataset);
	tm_load_npy(xname, ".npy", CIRCE_NPY_F32, &x);
	in = x.shape[2];
	n = TM_SLICE_SEQS < x.shape[0] ? TM_SLICE_SEQS : x.shape[0];
	steps = TM_SLICE_STEPS < x.shape[1] ? TM_SLICE_STEPS : x.shape[1];
	xs = malloc(n * steps * in * sizeof(*xs));
	assert_non_null(xs);
	for (size_t s = 0; s < n; s++)
		memcpy(xs + s * steps * in, (const float *)x.data + s * x.shape[1] * in,
		       steps * in * sizeof(*xs));
	*len = n * (info.out_sequence ? steps : 1) * info.out_features;
	y = malloc(*len * sizeof(*y));
	assert_non_null(y);
	if (circe_model_run(m, xs, n, steps, y, NULL))
		fail_msg("%s on %s: %s", c->name, backend, circe_errmsg());
	free(xs);
	circe_npy_free(&x);
	circe_model_destroy(m);
	circe_ctx_destroy(ctx);
	circe_close(dev);
	return y;
}

static void test_vsim_slice(void **state)
{
	int compared = 0;

	(void)state;
	for (size_t ci = 0; ci < TM_NUM_CASES; ci++) {
		size_t lf = 0, lv = 0;
		float *yf = tm_run_slice("fmodel", ci, &lf);
		float *yv = yf ? tm_run_slice("vsim", ci, &lv) : NULL;

		if (!yv) {
			free(yf);
			print_message("# skip: %s needs fmodel and a vsim that runs it\n",
				      tm_cases[ci].name);
			continue;
		}
		assert_int_equal(lf, lv);
		if (memcmp(yf, yv, lf * sizeof(float)))
			fail_msg("%s: fmodel and vsim outputs differ", tm_cases[ci].name);
		print_message("# %s: fmodel == vsim (%zu floats, %d sequences x %d steps)\n",
			      tm_cases[ci].name, lf, TM_SLICE_SEQS, TM_SLICE_STEPS);
		free(yf);
		free(yv);
		compared++;
	}
	if (!compared)
		skip();
}

/* The README's accuracy table from this run's fmodel results. */
static int tm_print_table(void **state)
{
	(void)state;
	print_message("# accuracy table (fmodel int8 vs the float golden outputs):\n");
	print_message("# | model | parameters | float | int8 | int8 - float | "
		      "KL(float || int8), bits |\n");
	print_message("# | --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < TM_NUM_CASES; i++) {
		const struct tm_result *r = &tm_results[i];
		bool digits = !strcmp(tm_cases[i].dataset, "digits");

		if (!r->done)
			continue;
		if (digits)
			print_message("# | %s | %zu | %.2f %% | %.2f %% | %+.2f points | |\n",
				      tm_cases[i].name, r->params, r->float_metric, r->int8_metric,
				      r->int8_metric - r->float_metric);
		else
			print_message("# | %s | %zu | %.4f bpc | %.4f bpc | %+.4f bpc | %.4f |\n",
				      tm_cases[i].name, r->params, r->float_metric, r->int8_metric,
				      r->int8_metric - r->float_metric, r->kl);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits_dense),  cmocka_unit_test(test_digits_circ4),
		cmocka_unit_test(test_digits_circ8),  cmocka_unit_test(test_digits_circ16),
		cmocka_unit_test(test_charlm_dense),  cmocka_unit_test(test_charlm_circ8),
		cmocka_unit_test(test_charlm_circ8h), cmocka_unit_test(test_vsim_slice),
	};

	return cmocka_run_group_tests_name("models", tests, NULL, tm_print_table);
}
