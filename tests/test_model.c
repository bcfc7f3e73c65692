/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Model files (docs/model-format.md): every kind of bad input the issue
 * names, each checked to fail with -EINVAL and a message naming the tensor
 * or the field; then small models written here (tests/support/st_writer)
 * run on every backend against a float reference written here, and across
 * backends with identical output bytes; and `circe run` on them.
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

#include <cmocka.h>

#include "circe/circe.h"
#include "host/model.h"
#include "host/npy.h"
#include "tests/support/st_writer.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_backend.h"

/* ---- a model description, its file and its float reference ---- */

#define TM_MAX_LAYERS 4

struct tm_layer {
	bool fc;
	const char *name;
	size_t in, out;				 /* both */
	size_t hidden, proj, k_ih, k_hh, k_proj; /* lstm */
	bool return_sequences;
	size_t k; /* fc */
	bool relu;
	float absmax; /* fc out_absmax, lstm proj_absmax */
	/* Circulant defining vectors when k > 1, else dense. */
	float *w_ih, *w_hh, *w_proj, *w, *bias;
};

struct tm_model {
	size_t features;
	float absmax;
	size_t nl;
	struct tm_layer l[TM_MAX_LAYERS];
};

static float tm_uniform(struct tu_rng *r, float a)
{
	return (float)((double)(tu_rng_u64(r) >> 11) / 9007199254740992.0 * 2.0 - 1.0) * a;
}

static float *tm_rand(struct tu_rng *r, size_t n, float a)
{
	float *p = malloc(n * sizeof(float));

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = tm_uniform(r, a);
	return p;
}

/* Elements of a [rows, cols] matrix stored with block size k. */
static size_t tm_mat_len(size_t rows, size_t cols, size_t k)
{
	return rows * cols / k;
}

static void tm_fill(struct tm_model *m, struct tu_rng *r)
{
	for (size_t i = 0; i < m->nl; i++) {
		struct tm_layer *l = &m->l[i];

		if (l->fc) {
			float a = 1.0f / sqrtf((float)l->in);

			l->w = tm_rand(r, tm_mat_len(l->out, l->in, l->k), a * sqrtf((float)l->k));
			l->bias = tm_rand(r, l->out, a);
		} else {
			size_t rr = l->proj ? l->proj : l->hidden;
			float a = 1.0f / sqrtf((float)l->hidden);

			l->out = rr;
			l->w_ih = tm_rand(r, tm_mat_len(4 * l->hidden, l->in, l->k_ih),
					  a * sqrtf((float)l->k_ih));
			l->w_hh = tm_rand(r, tm_mat_len(4 * l->hidden, rr, l->k_hh),
					  a * sqrtf((float)l->k_hh));
			l->bias = tm_rand(r, 4 * l->hidden, a);
			if (l->proj)
				l->w_proj = tm_rand(r, tm_mat_len(l->proj, l->hidden, l->k_proj),
						    a * sqrtf((float)l->k_proj));
		}
	}
}

static void tm_free(struct tm_model *m)
{
	for (size_t i = 0; i < m->nl; i++) {
		free(m->l[i].w_ih);
		free(m->l[i].w_hh);
		free(m->l[i].w_proj);
		free(m->l[i].w);
		free(m->l[i].bias);
	}
}

/* The dense matrix of a [rows, cols] weight with block size k (the test's
 * own expansion: block (i, j) is circ(w_ij)[r][c] = w_ij[(r - c) mod k]). */
static float *tm_dense(const float *w, size_t rows, size_t cols, size_t k)
{
	float *d = malloc(rows * cols * sizeof(float));

	assert_non_null(d);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++)
			d[r * cols + c] = k == 1 ? w[r * cols + c]
						 : w[((r / k) * (cols / k) + c / k) * k +
						     (r % k + k - c % k) % k];
	return d;
}

static float tm_sigmoid(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

static void tm_matvec(const float *w, size_t rows, size_t cols, const float *x, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		double s = 0;

		for (size_t c = 0; c < cols; c++)
			s += (double)w[r * cols + c] * x[c];
		y[r] += (float)s;
	}
}

/* Float forward pass of one sequence: x [steps][features] -> y. absmax[i]
 * gets the largest |output| of layer i (for calibration). Returns the steps
 * of the output. */
static size_t tm_ref(const struct tm_model *m, const float *x, size_t steps, float *y,
		     float *absmax)
{
	size_t width = m->features, n = steps, maxw = m->features;
	float *cur, *next;

	for (size_t i = 0; i < m->nl; i++)
		if (m->l[i].out > maxw || m->l[i].hidden * 4 > maxw)
			maxw = m->l[i].out > m->l[i].hidden * 4 ? m->l[i].out : m->l[i].hidden * 4;
	cur = calloc(steps * maxw, sizeof(float));
	next = calloc(steps * maxw, sizeof(float));
	assert_true(cur && next);
	memcpy(cur, x, steps * m->features * sizeof(float));
	for (size_t i = 0; i < m->nl; i++) {
		const struct tm_layer *l = &m->l[i];
		float amax = 0;

		if (l->fc) {
			float *w = tm_dense(l->w, l->out, l->in, l->k);

			for (size_t t = 0; t < n; t++) {
				float *o = next + t * l->out;

				memcpy(o, l->bias, l->out * sizeof(float));
				tm_matvec(w, l->out, l->in, cur + t * width, o);
				for (size_t j = 0; j < l->out; j++) {
					if (l->relu && o[j] < 0)
						o[j] = 0;
					amax = fmaxf(amax, fabsf(o[j]));
				}
			}
			free(w);
		} else {
			size_t h = l->hidden, rr = l->out;
			float *wih = tm_dense(l->w_ih, 4 * h, l->in, l->k_ih);
			float *whh = tm_dense(l->w_hh, 4 * h, rr, l->k_hh);
			float *wp = l->proj ? tm_dense(l->w_proj, l->proj, h, l->k_proj) : NULL;
			float *g = malloc(4 * h * sizeof(float)), *c = calloc(h, sizeof(float));
			float *hs = calloc(rr, sizeof(float)), *mm = malloc(h * sizeof(float));

			assert_true(g && c && hs && mm);
			for (size_t t = 0; t < n; t++) {
				memcpy(g, l->bias, 4 * h * sizeof(float));
				tm_matvec(wih, 4 * h, l->in, cur + t * width, g);
				tm_matvec(whh, 4 * h, rr, hs, g);
				for (size_t j = 0; j < h; j++) {
					float ig = tm_sigmoid(g[j]), fg = tm_sigmoid(g[h + j]);
					float gg = tanhf(g[2 * h + j]),
					      og = tm_sigmoid(g[3 * h + j]);

					c[j] = fg * c[j] + ig * gg;
					mm[j] = og * tanhf(c[j]);
				}
				if (wp) {
					memset(hs, 0, rr * sizeof(float));
					tm_matvec(wp, rr, h, mm, hs);
				} else {
					memcpy(hs, mm, h * sizeof(float));
				}
				memcpy(next + t * rr, hs, rr * sizeof(float));
				for (size_t j = 0; j < rr; j++)
					amax = fmaxf(amax, fabsf(hs[j]));
			}
			if (!l->return_sequences) {
				memmove(next, next + (n - 1) * rr, rr * sizeof(float));
				n = 1;
			}
			free(wih);
			free(whh);
			free(wp);
			free(g);
			free(c);
			free(hs);
			free(mm);
		}
		if (absmax)
			absmax[i] = amax;
		width = l->out;
		float *tmp = cur;
		cur = next;
		next = tmp;
	}
	memcpy(y, cur, n * width * sizeof(float));
	free(cur);
	free(next);
	return n;
}

static void tm_graph(const struct tm_model *m, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len,
				    "{\"input\": {\"features\": %zu, \"absmax\": %.9g}, "
				    "\"layers\": [",
				    m->features, (double)m->absmax);

	for (size_t i = 0; i < m->nl && n < len; i++) {
		const struct tm_layer *l = &m->l[i];

		if (l->fc)
			n += (size_t)snprintf(buf + n, len - n,
					      "%s{\"type\": \"fc\", \"name\": \"%s\", "
					      "\"in_features\": %zu, \"out_features\": %zu, \"k\": "
					      "%zu, \"activation\": \"%s\", \"out_absmax\": %.9g}",
					      i ? ", " : "", l->name, l->in, l->out, l->k,
					      l->relu ? "relu" : "none", (double)l->absmax);
		else
			n += (size_t)snprintf(
				buf + n, len - n,
				"%s{\"type\": \"lstm\", \"name\": \"%s\", \"input_size\": %zu, "
				"\"hidden_size\": %zu, \"proj_size\": %zu, \"k_ih\": %zu, "
				"\"k_hh\": "
				"%zu, \"k_proj\": %zu, \"return_sequences\": %s",
				i ? ", " : "", l->name, l->in, l->hidden, l->proj, l->k_ih, l->k_hh,
				l->k_proj, l->return_sequences ? "true" : "false");
		if (!l->fc && l->proj)
			n += (size_t)snprintf(buf + n, len - n, ", \"proj_absmax\": %.9g}",
					      (double)l->absmax);
		else if (!l->fc)
			n += (size_t)snprintf(buf + n, len - n, "}");
	}
	if (n < len)
		snprintf(buf + n, len - n, "]}");
	assert_true(n + 2 < len);
}

static void tm_add_vec(struct st_writer *w, const char *layer, const char *suffix, const char *skip,
		       const float *data, size_t n)
{
	char name[160];

	snprintf(name, sizeof(name), "%s.%s", layer, suffix);
	if (skip && !strcmp(skip, name))
		return;
	assert_int_equal(st_writer_add_f32(w, name, 1, &n, data), 0);
}

static void tm_add_mat(struct st_writer *w, const char *layer, const char *suffix, const char *skip,
		       const float *data, size_t rows, size_t cols, size_t k)
{
	char name[160];
	size_t shape[3] = { rows / k, cols / k, k };

	snprintf(name, sizeof(name), "%s.%s", layer, suffix);
	if (skip && !strcmp(skip, name))
		return;
	if (k == 1) {
		shape[0] = rows;
		shape[1] = cols;
	}
	assert_int_equal(st_writer_add_f32(w, name, k == 1 ? 2 : 3, shape, data), 0);
}

/* The writer of m's file; skip leaves out one tensor, graph (if not NULL)
 * replaces circe.graph. */
static struct st_writer *tm_writer(const struct tm_model *m, const char *skip, const char *graph)
{
	struct st_writer *w = st_writer_new();
	char g[4096];

	assert_non_null(w);
	tm_graph(m, g, sizeof(g));
	assert_int_equal(st_writer_meta(w, "circe.format", "1"), 0);
	assert_int_equal(st_writer_meta(w, "circe.graph", graph ? graph : g), 0);
	for (size_t i = 0; i < m->nl; i++) {
		const struct tm_layer *l = &m->l[i];

		if (l->fc) {
			tm_add_mat(w, l->name, "weight", skip, l->w, l->out, l->in, l->k);
			tm_add_vec(w, l->name, "bias", skip, l->bias, l->out);
		} else {
			tm_add_mat(w, l->name, "weight_ih", skip, l->w_ih, 4 * l->hidden, l->in,
				   l->k_ih);
			tm_add_mat(w, l->name, "weight_hh", skip, l->w_hh, 4 * l->hidden, l->out,
				   l->k_hh);
			tm_add_vec(w, l->name, "bias", skip, l->bias, 4 * l->hidden);
			if (l->proj)
				tm_add_mat(w, l->name, "weight_proj", skip, l->w_proj, l->proj,
					   l->hidden, l->k_proj);
		}
	}
	return w;
}

/* The small model of the parse tests: lstm0 (8 -> 16, k_hh 4) + fc (16 -> 4). */
static void tm_base(struct tm_model *m, struct tu_rng *r)
{
	memset(m, 0, sizeof(*m));
	m->features = 8;
	m->absmax = 2.0f;
	m->nl = 2;
	m->l[0] = (struct tm_layer){
		.name = "lstm0", .in = 8, .hidden = 16, .k_ih = 1, .k_hh = 4, .k_proj = 1
	};
	m->l[1] = (struct tm_layer){
		.fc = true, .name = "fc", .in = 16, .out = 4, .k = 1, .absmax = 4.0f
	};
	tm_fill(m, r);
}

static void tm_build(struct st_writer *w, uint8_t **buf, size_t *len)
{
	assert_int_equal(st_writer_build(w, buf, len), 0);
	st_writer_free(w);
}

/* circe_model_check of buf fails with err and a message holding each of
 * the NULL-terminated needles. */
static void tm_expect(const uint8_t *buf, size_t len, int err, ...)
{
	int rc = circe_model_check(buf, len);
	const char *msg = circe_errmsg(), *needle;
	va_list ap;

	print_message("# %s\n", msg);
	if (rc != err)
		fail_msg("circe_model_check: %d (%s), expected %d", rc, msg, err);
	va_start(ap, err);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(msg, needle))
			fail_msg("message '%s' lacks '%s'", msg, needle);
	va_end(ap);
}

#define TM_EXPECT(buf, len, ...) tm_expect(buf, len, -EINVAL, __VA_ARGS__, (const char *)NULL)

/* The parse tests' random stream (seeded in main). */
static struct tu_rng tm_rng;

/* ---- the container ---- */

static void test_valid(void **state)
{
	struct tm_model m;
	uint8_t *buf;
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	assert_int_equal(circe_model_check(buf, len), 0);
	free(buf);
	tm_free(&m);
}

static void test_truncated(void **state)
{
	struct circe_st_file st;
	struct tm_model m;
	uint8_t *buf;
	size_t len, hlen;

	(void)state;
	tm_base(&m, &tm_rng);
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	assert_int_equal(circe_st_parse(buf, len, &st), 0);
	hlen = st.header_len;
	circe_st_free(&st);
	TM_EXPECT(buf, 0, "file is 0 bytes", "8-byte header size");
	TM_EXPECT(buf, 5, "file is 5 bytes");
	TM_EXPECT(buf, 8, "runs past the end of the file");
	TM_EXPECT(buf, 8 + hlen / 2, "header size", "runs past the end of the file");
	TM_EXPECT(buf, 8 + hlen - 1, "runs past the end of the file");
	/* Header whole, data cut: the first tensor whose bytes are missing. */
	TM_EXPECT(buf, 8 + hlen, "tensor '", "data_offsets", "past the end of the data (0 bytes");
	TM_EXPECT(buf, len - 1, "tensor 'fc.bias'", "past the end of the data");
	TM_EXPECT(buf, (8 + hlen + len) / 2, "tensor '", "past the end of the data");
	free(buf);
	tm_free(&m);
}

static void test_header_not_json(void **state)
{
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(st_file_raw("{\"a\": [1, 2", "", 0, &buf, &len), 0);
	TM_EXPECT(buf, len, "header is not JSON");
	free(buf);
	assert_int_equal(st_file_raw("[1, 2, 3]       ", "", 0, &buf, &len), 0);
	TM_EXPECT(buf, len, "header is not a JSON object");
	free(buf);
	/* Bytes that are not UTF-8. */
	assert_int_equal(st_file_raw("{\"\xff\xfe\": 1}", "", 0, &buf, &len), 0);
	TM_EXPECT(buf, len, "header is not JSON");
	free(buf);
	/* Duplicate keys would let two tensors claim one name. */
	assert_int_equal(st_file_raw("{\"a\": 1, \"a\": 2}", "", 0, &buf, &len), 0);
	TM_EXPECT(buf, len, "header is not JSON", "duplicate");
	free(buf);
}

static void test_header_size(void **state)
{
	uint8_t buf[64] = "";

	(void)state;
	/* 2^63: past every file and the cap. */
	memset(buf, 0, sizeof(buf));
	buf[7] = 0x80;
	TM_EXPECT(buf, sizeof(buf), "header size 9223372036854775808", "cap");
	/* Just over the cap. */
	memset(buf, 0, 8);
	buf[0] = 0x01;
	buf[1] = 0xe1;
	buf[2] = 0xf5;
	buf[3] = 0x05; /* 100000001 */
	TM_EXPECT(buf, sizeof(buf), "header size 100000001", "cap");
	/* Under the cap but past the file. */
	memset(buf, 0, 8);
	buf[0] = 57;
	TM_EXPECT(buf, sizeof(buf), "header size 57", "runs past the end of the file");
}

static void test_metadata_missing(void **state)
{
	struct tm_model m;
	struct st_writer *w;
	uint8_t *buf;
	size_t len;
	float v[2] = { 1, 2 };

	(void)state;
	tm_base(&m, &tm_rng);
	/* No __metadata__ at all. */
	w = st_writer_new();
	assert_int_equal(st_writer_add_f32(w, "x", 1, (size_t[]){ 2 }, v), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "no __metadata__", "circe.graph");
	free(buf);
	/* circe.format without circe.graph. */
	w = st_writer_new();
	assert_int_equal(st_writer_meta(w, "circe.format", "1"), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "no circe.graph");
	free(buf);
	/* circe.graph without circe.format. */
	w = st_writer_new();
	assert_int_equal(st_writer_meta(w, "circe.graph", "{}"), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "no circe.format");
	free(buf);
	w = st_writer_new();
	assert_int_equal(st_writer_meta(w, "circe.format", "2"), 0);
	assert_int_equal(st_writer_meta(w, "circe.graph", "{}"), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "circe.format '2'");
	free(buf);
	/* Metadata values are strings. */
	assert_int_equal(
		st_file_raw("{\"__metadata__\": {\"circe.format\": 1}}", "", 0, &buf, &len), 0);
	TM_EXPECT(buf, len, "__metadata__ 'circe.format' is not a string");
	free(buf);
	tm_free(&m);
}

static void test_graph_not_json(void **state)
{
	struct tm_model m;
	uint8_t *buf;
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	tm_build(tm_writer(&m, NULL, "{\"input\": {\"features\": 8,"), &buf, &len);
	TM_EXPECT(buf, len, "circe.graph is not JSON");
	free(buf);
	tm_build(tm_writer(&m, NULL, "[]"), &buf, &len);
	TM_EXPECT(buf, len, "circe.graph is not a JSON object");
	free(buf);
	tm_build(tm_writer(&m, NULL, "{\"layers\": []}"), &buf, &len);
	TM_EXPECT(buf, len, "circe.graph: no 'input'");
	free(buf);
	tm_build(tm_writer(&m, NULL, "{\"input\": {\"features\": 8, \"absmax\": 1}}"), &buf, &len);
	TM_EXPECT(buf, len, "circe.graph: no 'layers'");
	free(buf);
	tm_build(tm_writer(&m, NULL,
			   "{\"input\": {\"features\": 8, \"absmax\": 1}, \"layers\": []}"),
		 &buf, &len);
	TM_EXPECT(buf, len, "circe.graph: 0 layers");
	free(buf);
	tm_free(&m);
}

/* The base graph with one substring replaced. */
static void tm_expect_graph(struct tm_model *m, const char *from, const char *to, ...)
{
	char g[4096], out[4096], *p;
	const char *needle;
	uint8_t *buf;
	size_t len;
	va_list ap;
	int rc;

	tm_graph(m, g, sizeof(g));
	p = strstr(g, from);
	if (!p)
		fail_msg("'%s' not in %s", from, g);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - g), g, to, p + strlen(from));
	tm_build(tm_writer(m, NULL, out), &buf, &len);
	rc = circe_model_check(buf, len);
	print_message("# %s\n", circe_errmsg());
	if (rc != -EINVAL)
		fail_msg("graph %s: %d, expected -EINVAL", out, rc);
	va_start(ap, to);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(circe_errmsg(), needle))
			fail_msg("message '%s' lacks '%s'", circe_errmsg(), needle);
	va_end(ap);
	free(buf);
}

#define TM_GRAPH(m, from, to, ...) tm_expect_graph(m, from, to, __VA_ARGS__, (const char *)NULL)

static void test_layer_type(void **state)
{
	struct tm_model m;

	(void)state;
	tm_base(&m, &tm_rng);
	TM_GRAPH(&m, "\"type\": \"lstm\"", "\"type\": \"gru\"", "layers[0] 'lstm0'",
		 "unknown layer type 'gru'");
	TM_GRAPH(&m, "\"type\": \"fc\"", "\"type\": 3", "layers[1] 'fc'", "'type' is not a string");
	TM_GRAPH(&m, "\"name\": \"fc\", ", "", "layers[1]", "no 'name'");
	TM_GRAPH(&m, "\"name\": \"fc\"", "\"name\": \"lstm0\"", "name 'lstm0' is also layers[0]");
	TM_GRAPH(&m, "\"k_hh\": 4", "\"k_hhh\": 4", "layers[0] 'lstm0'", "unknown key 'k_hhh'");
	TM_GRAPH(&m, "\"activation\": \"none\"", "\"activation\": \"gelu\"", "layers[1] 'fc'",
		 "activation 'gelu'");
	TM_GRAPH(&m, "\"return_sequences\": false", "\"return_sequences\": 0",
		 "'return_sequences' is not true or false");
	TM_GRAPH(&m, "\"hidden_size\": 16", "\"hidden_size\": 16.5", "layers[0] 'lstm0'",
		 "'hidden_size' is not an integer");
	TM_GRAPH(&m, "\"hidden_size\": 16", "\"hidden_size\": 0", "'hidden_size' 0 is outside");
	TM_GRAPH(&m, "\"out_features\": 4", "\"out_features\": 1000000",
		 "'out_features' 1000000 is outside [1, 65536]");
	tm_free(&m);
}

static void test_k_not_dividing(void **state)
{
	struct tm_model m;

	(void)state;
	tm_base(&m, &tm_rng);
	TM_GRAPH(&m, "\"k_hh\": 4", "\"k_hh\": 3", "layers[0] 'lstm0'", "'k_hh' 3 is not 1, 2, 4");
	TM_GRAPH(&m, "\"k_ih\": 1", "\"k_ih\": 16", "layers[0] 'lstm0'",
		 "k_ih 16 does not divide input_size 8");
	TM_GRAPH(&m, "\"k\": 1", "\"k\": 8", "layers[1] 'fc'",
		 "k 8 does not divide out_features 4");
	TM_GRAPH(&m, "\"k_hh\": 4", "\"k_hh\": 32", "'k_hh' 32 is outside [1, 16]");
	tm_free(&m);
	/* hidden 12, k_hh 8: 4H = 48 divides, H = 12 does not. */
	memset(&m, 0, sizeof(m));
	m.features = 8;
	m.absmax = 1;
	m.nl = 1;
	m.l[0] = (struct tm_layer){
		.name = "l", .in = 8, .hidden = 12, .out = 12, .k_ih = 1, .k_hh = 8, .k_proj = 1
	};
	tm_fill(&m, &tm_rng);
	TM_GRAPH(&m, "\"k_hh\": 8", "\"k_hh\": 8", "layers[0] 'l'",
		 "k_hh 8 does not divide hidden_size 12");
	/* A projection: k_proj against proj_size. */
	m.l[0].hidden = 16;
	m.l[0].k_hh = 1;
	m.l[0].proj = 6;
	m.l[0].out = 6;
	m.l[0].k_proj = 4;
	m.l[0].absmax = 1;
	tm_free(&m);
	tm_fill(&m, &tm_rng);
	TM_GRAPH(&m, "\"k_proj\": 4", "\"k_proj\": 4", "k_proj 4 does not divide proj_size 6");
	tm_free(&m);
}

static void test_chaining(void **state)
{
	struct tm_model m;

	(void)state;
	tm_base(&m, &tm_rng);
	TM_GRAPH(&m, "\"in_features\": 16", "\"in_features\": 12", "layers[1] 'fc'",
		 "in_features 12, but its input (the hidden_size of 'lstm0') has 16");
	TM_GRAPH(&m, "\"input_size\": 8", "\"input_size\": 9", "layers[0] 'lstm0'",
		 "input_size 9, but its input (input.features) has 8");
	tm_free(&m);
	/* An lstm after one that kept only its last step. */
	memset(&m, 0, sizeof(m));
	m.features = 4;
	m.absmax = 1;
	m.nl = 2;
	m.l[0] = (struct tm_layer){
		.name = "a", .in = 4, .hidden = 8, .out = 8, .k_ih = 1, .k_hh = 1, .k_proj = 1
	};
	m.l[1] = (struct tm_layer){
		.name = "b", .in = 8, .hidden = 8, .out = 8, .k_ih = 1, .k_hh = 1, .k_proj = 1
	};
	tm_fill(&m, &tm_rng);
	TM_GRAPH(&m, "\"name\": \"b\"", "\"name\": \"b\"", "layers[1] 'b'",
		 "return_sequences false");
	tm_free(&m);
}

static void test_absmax(void **state)
{
	struct tm_model m;

	(void)state;
	tm_base(&m, &tm_rng);
	/* NaN is not JSON (Python's json.dumps writes it anyway). */
	TM_GRAPH(&m, "\"absmax\": 2", "\"absmax\": NaN", "circe.graph is not JSON");
	TM_GRAPH(&m, "\"absmax\": 2", "\"absmax\": -2", "input: 'absmax' -2 is not a finite");
	TM_GRAPH(&m, "\"absmax\": 2", "\"absmax\": 0", "input: 'absmax' 0");
	TM_GRAPH(&m, "\"absmax\": 2", "\"absmax\": 1e300", "input: 'absmax' 1e+300",
		 "(as float32)");
	TM_GRAPH(&m, "\"absmax\": 2", "\"absmax\": \"2\"", "input: 'absmax' is not a number");
	TM_GRAPH(&m, "\"out_absmax\": 4", "\"out_absmax\": -1", "layers[1] 'fc'",
		 "'out_absmax' -1");
	TM_GRAPH(&m, ", \"out_absmax\": 4", "", "layers[1] 'fc'", "no 'out_absmax'");
	TM_GRAPH(&m, "\"features\": 8", "\"features\": 8, \"scale\": 1",
		 "input: unknown key 'scale'");
	tm_free(&m);
}

/* ---- tensors ---- */

static void test_tensor_missing(void **state)
{
	struct tm_model m;
	uint8_t *buf;
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	tm_build(tm_writer(&m, "lstm0.weight_ih", NULL), &buf, &len);
	TM_EXPECT(buf, len, "tensor 'lstm0.weight_ih': missing");
	free(buf);
	tm_free(&m);
}

static void test_tensor_dtype(void **state)
{
	struct tm_model m;
	struct st_writer *w;
	uint8_t *buf, half[4 * 16 * 2] = { 0 };
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	w = tm_writer(&m, "fc.weight", NULL);
	assert_int_equal(
		st_writer_add(w, "fc.weight", "F16", 2, (size_t[]){ 4, 16 }, half, sizeof(half)),
		0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.weight': dtype F16, expected F32");
	free(buf);
	w = tm_writer(&m, "fc.weight", NULL);
	assert_int_equal(
		st_writer_add(w, "fc.weight", "F33", 2, (size_t[]){ 4, 16 }, half, sizeof(half)),
		0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.weight': unknown dtype 'F33'");
	free(buf);
	tm_free(&m);
}

static void test_tensor_shape(void **state)
{
	struct tm_model m;
	struct st_writer *w;
	uint8_t *buf;
	size_t len;
	float *z = calloc(512 * 128, sizeof(float));

	(void)state;
	assert_non_null(z);
	/* The example. */
	memset(&m, 0, sizeof(m));
	m.features = 8;
	m.absmax = 1;
	m.nl = 1;
	m.l[0] = (struct tm_layer){
		.name = "lstm0", .in = 8, .hidden = 128, .k_ih = 1, .k_hh = 1, .k_proj = 1
	};
	tm_fill(&m, &tm_rng);
	w = tm_writer(&m, "lstm0.weight_hh", NULL);
	assert_int_equal(st_writer_add_f32(w, "lstm0.weight_hh", 2, (size_t[]){ 512, 64 }, z), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len,
		  "model: tensor 'lstm0.weight_hh': shape [512, 64], expected [512, 128]");
	free(buf);
	/* Dense where the graph says circulant: k_hh 4 wants [128, 32, 4]. */
	m.l[0].k_hh = 4;
	w = tm_writer(&m, "lstm0.weight_hh", NULL);
	assert_int_equal(st_writer_add_f32(w, "lstm0.weight_hh", 2, (size_t[]){ 512, 128 }, z), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'lstm0.weight_hh': shape [512, 128], expected [128, 32, 4]");
	free(buf);
	tm_free(&m);
	/* A bias as [n, 1]. */
	tm_base(&m, &tm_rng);
	w = tm_writer(&m, "fc.bias", NULL);
	assert_int_equal(st_writer_add_f32(w, "fc.bias", 2, (size_t[]){ 4, 1 }, z), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': shape [4, 1], expected [4]");
	free(buf);
	/* Zero and oversized dimensions. */
	assert_int_equal(st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [2, 0], "
				     "\"data_offsets\": [0, 0]}}",
				     "", 0, &buf, &len),
			 0);
	TM_EXPECT(buf, len, "tensor 't': shape[1] is not an integer > 0");
	free(buf);
	assert_int_equal(st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [4294967296, "
				     "4294967296, 4294967296], \"data_offsets\": [0, 0]}}",
				     "", 0, &buf, &len),
			 0);
	TM_EXPECT(buf, len, "tensor 't': shape: the element count overflows");
	free(buf);
	assert_int_equal(
		st_file_raw("{\"t\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904],"
			    " \"data_offsets\": [0, 0]}}",
			    "", 0, &buf, &len),
		0);
	TM_EXPECT(buf, len, "tensor 't': shape: the byte count overflows");
	free(buf);
	assert_int_equal(st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1],"
				     " \"data_offsets\": [0, 4]}}",
				     "abcd", 4, &buf, &len),
			 0);
	TM_EXPECT(buf, len, "tensor 't': shape has 9 dimensions");
	free(buf);
	tm_free(&m);
	free(z);
}

static void test_tensor_values(void **state)
{
	struct tm_model m;
	struct st_writer *w;
	uint8_t *buf;
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	m.l[1].bias[2] = NAN;
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': element 2 is NaN");
	free(buf);
	m.l[1].bias[2] = INFINITY;
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': element 2 is infinite");
	free(buf);
	m.l[1].bias[2] = 0;
	/* Unused tensors of other dtypes are fine. */
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_add(w, "step", "I64", 0, (size_t[]){ 1 }, "\1\0\0\0\0\0\0\0", 8),
			 0);
	tm_build(w, &buf, &len);
	assert_int_equal(circe_model_check(buf, len), 0);
	free(buf);
	tm_free(&m);
}

static void test_offsets(void **state)
{
	struct tm_model m;
	struct st_writer *w;
	uint8_t *buf;
	size_t len;

	(void)state;
	tm_base(&m, &tm_rng);
	/* fc.bias is 4 floats at the end of the data. */
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_set_offsets(w, "fc.bias", 1000000, 1000016), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': data_offsets [1000000, 1000016] past the end");
	free(buf);
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_set_offsets(w, "fc.bias", 16, 0), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': data_offsets [16, 0]: end < begin");
	free(buf);
	/* Negative: into the header. */
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_set_offsets(w, "fc.bias", -16, 0), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': data_offsets: not integers >= 0",
		  "point into the header");
	free(buf);
	/* Overlapping another tensor. */
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_set_offsets(w, "fc.bias", 0, 16), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "overlap tensor", "fc.bias", "lstm0.weight_ih");
	free(buf);
	/* Not the byte count of the shape. */
	w = tm_writer(&m, NULL, NULL);
	assert_int_equal(st_writer_set_offsets(w, "fc.bias", 0, 12), 0);
	tm_build(w, &buf, &len);
	TM_EXPECT(buf, len, "tensor 'fc.bias': data_offsets [0, 12] hold 12 bytes",
		  "F32 and shape [4] need 16");
	free(buf);
	/* Not a pair of integers. */
	assert_int_equal(st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], "
				     "\"data_offsets\": [0]}}",
				     "abcd", 4, &buf, &len),
			 0);
	TM_EXPECT(buf, len, "tensor 't': data_offsets is not an array [begin, end]");
	free(buf);
	assert_int_equal(st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], "
				     "\"data_offsets\": [0, 4.0]}}",
				     "abcd", 4, &buf, &len),
			 0);
	TM_EXPECT(buf, len, "tensor 't': data_offsets: not integers");
	free(buf);
	assert_int_equal(
		st_file_raw("{\"t\": {\"dtype\": \"F32\", \"shape\": [1]}}", "abcd", 4, &buf, &len),
		0);
	TM_EXPECT(buf, len, "tensor 't': no data_offsets");
	free(buf);
	tm_free(&m);
}

/* ---- files and the device ---- */

static void tm_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/test_model_%s", tu_tmp_dir(), name);
}

static void test_load_file_errors(void **state)
{
	struct tu_backend *be = *state;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	struct circe_model *model = (struct circe_model *)1;
	struct tu_rng rng;
	struct tm_model m;
	char path[512];
	uint8_t *buf;
	size_t len;

	if (tu_backend_open(be, &dev, &ctx))
		fail();
	tu_rng_init(&rng, 7);
	tm_path(path, sizeof(path), "absent.safetensors");
	remove(path);
	assert_int_equal(circe_model_load(ctx, path, &model), -ENOENT);
	assert_null(model);
	assert_non_null(strstr(circe_errmsg(), path));
	/* A truncated file through the path API. */
	tm_base(&m, &rng);
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	tm_path(path, sizeof(path), "cut.safetensors");
	assert_int_equal(st_write_file(path, buf, len - 3), 0);
	assert_int_equal(circe_model_load(ctx, path, &model), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "tensor 'fc.bias'"));
	assert_int_equal(circe_model_load(ctx, tu_tmp_dir(), &model), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "not a regular file"));
	assert_int_equal(circe_model_load(NULL, path, &model), -EINVAL);
	free(buf);
	tm_free(&m);
	circe_model_destroy(NULL);
	circe_ctx_destroy(ctx);
	circe_close(dev);
}

/* The models the device tests run. */
enum tm_kind {
	TM_DENSE_CLASSIFIER, /* lstm (last step) + fc */
	TM_CIRC_CLASSIFIER,  /* circulant k 4 / 8 */
	TM_PROJ_SEQUENCE,    /* lstm with projection, every step, + fc relu + fc */
	TM_FC_ONLY,	     /* fc relu + fc per step */
	TM_NUM_KINDS,
};

static const char *const tm_kind_names[] = { "dense lstm+fc", "circulant lstm+fc (k 4, 8)",
					     "lstm proj (k 4) seq + fc relu + fc", "fc relu + fc" };

static void tm_kind(struct tm_model *m, enum tm_kind kind, struct tu_rng *r)
{
	memset(m, 0, sizeof(*m));
	m->features = 8;
	m->absmax = 1.0f;
	switch (kind) {
	case TM_DENSE_CLASSIFIER:
		m->nl = 2;
		m->l[0] = (struct tm_layer){
			.name = "lstm0", .in = 8, .hidden = 32, .k_ih = 1, .k_hh = 1, .k_proj = 1
		};
		m->l[1] =
			(struct tm_layer){ .fc = true, .name = "fc", .in = 32, .out = 10, .k = 1 };
		break;
	case TM_CIRC_CLASSIFIER:
		m->nl = 2;
		m->l[0] = (struct tm_layer){
			.name = "lstm0", .in = 8, .hidden = 32, .k_ih = 4, .k_hh = 8, .k_proj = 1
		};
		m->l[1] = (struct tm_layer){ .fc = true, .name = "fc", .in = 32, .out = 8, .k = 4 };
		break;
	case TM_PROJ_SEQUENCE:
		m->nl = 3;
		m->l[0] = (struct tm_layer){ .name = "lstm0",
					     .in = 8,
					     .hidden = 32,
					     .proj = 16,
					     .k_ih = 1,
					     .k_hh = 4,
					     .k_proj = 4,
					     .return_sequences = true };
		m->l[1] = (struct tm_layer){
			.fc = true, .name = "fc0", .in = 16, .out = 16, .k = 1, .relu = true
		};
		m->l[2] =
			(struct tm_layer){ .fc = true, .name = "fc1", .in = 16, .out = 6, .k = 1 };
		break;
	default:
		m->nl = 2;
		m->l[0] = (struct tm_layer){
			.fc = true, .name = "a", .in = 8, .out = 24, .k = 1, .relu = true
		};
		m->l[1] = (struct tm_layer){ .fc = true, .name = "b", .in = 24, .out = 4, .k = 1 };
		break;
	}
	tm_fill(m, r);
}

/* Calibrate the ranges on the inputs the test runs (as a training script
 * does on its data), with 10 % headroom. */
static void tm_calibrate(struct tm_model *m, const float *x, size_t n, size_t steps)
{
	float amax[TM_MAX_LAYERS] = { 0 }, a[TM_MAX_LAYERS];
	float *y = malloc(steps * 64 * sizeof(float));

	assert_non_null(y);
	m->absmax = 0;
	for (size_t i = 0; i < n * steps * m->features; i++)
		m->absmax = fmaxf(m->absmax, fabsf(x[i]));
	for (size_t s = 0; s < n; s++) {
		tm_ref(m, x + s * steps * m->features, steps, y, a);
		for (size_t i = 0; i < m->nl; i++)
			amax[i] = fmaxf(amax[i], a[i]);
	}
	for (size_t i = 0; i < m->nl; i++)
		m->l[i].absmax = amax[i] * 1.1f + 1e-3f;
	free(y);
}

#define TM_SEQS 3
#define TM_STEPS 6

struct tm_run {
	size_t out_len; /* floats */
	float *y;
	float err_max, err_mean, out_absmax;
};

/* Write kind's model and input with seed, load it on ctx, run it, compare
 * with the float reference. Returns -EOPNOTSUPP when the device lacks a
 * unit the model needs (circe_errmsg() says which). */
static int tm_run_kind(struct circe_ctx *ctx, enum tm_kind kind, uint64_t seed, struct tm_run *run)
{
	struct circe_model *model = NULL;
	struct circe_model_info info;
	struct circe_model_layer_info li;
	struct circe_job_stats stats;
	struct tu_rng rng;
	struct tm_model m;
	uint8_t *buf;
	size_t len, in_len, out_steps;
	float *x, *ref;
	double sum = 0;
	int err;

	tu_rng_init(&rng, seed);
	tm_kind(&m, kind, &rng);
	in_len = TM_SEQS * TM_STEPS * m.features;
	x = tm_rand(&rng, in_len, 1.5f);
	tm_calibrate(&m, x, TM_SEQS, TM_STEPS);
	tm_build(tm_writer(&m, NULL, NULL), &buf, &len);
	err = circe_model_load_buffer(ctx, buf, len, &model);
	free(buf);
	if (err == -EOPNOTSUPP) {
		free(x);
		tm_free(&m);
		return err;
	}
	if (err)
		fail_msg("%s: load: %s: %s", tm_kind_names[kind], circe_strerror(err),
			 circe_errmsg());
	assert_int_equal(circe_model_get_info(model, &info), 0);
	assert_int_equal(info.in_features, m.features);
	assert_int_equal(info.out_features, m.l[m.nl - 1].out);
	assert_int_equal(info.num_layers, m.nl);
	assert_int_equal(circe_model_get_layer(model, m.nl, &li), -EINVAL);
	for (size_t i = 0; i < m.nl; i++) {
		assert_int_equal(circe_model_get_layer(model, i, &li), 0);
		assert_string_equal(li.name, m.l[i].name);
		assert_int_equal(li.out, m.l[i].out);
		assert_true(li.in_scale > 0 && li.out_scale > 0);
	}
	out_steps = info.out_sequence ? TM_STEPS : 1;
	run->out_len = TM_SEQS * out_steps * info.out_features;
	run->y = calloc(run->out_len, sizeof(float));
	ref = calloc(run->out_len, sizeof(float));
	assert_true(run->y && ref);
	err = circe_model_run(model, x, TM_SEQS, TM_STEPS, run->y, &stats);
	if (err)
		fail_msg("%s: run: %s: %s", tm_kind_names[kind], circe_strerror(err),
			 circe_errmsg());
	assert_true(stats.descriptors >= TM_SEQS * m.nl);
	for (size_t s = 0; s < TM_SEQS; s++)
		assert_int_equal(tm_ref(&m, x + s * TM_STEPS * m.features, TM_STEPS,
					ref + s * out_steps * info.out_features, NULL),
				 out_steps);
	run->err_max = 0;
	run->out_absmax = m.l[m.nl - 1].absmax;
	for (size_t i = 0; i < run->out_len; i++) {
		float e = fabsf(run->y[i] - ref[i]);

		run->err_max = fmaxf(run->err_max, e);
		sum += e;
	}
	run->err_mean = (float)(sum / (double)run->out_len);
	/* Bad runs: a NaN input names its place; zero sequences. */
	x[TM_STEPS * m.features + 3] = NAN;
	assert_int_equal(circe_model_run(model, x, TM_SEQS, TM_STEPS, run->y, NULL), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "input [1][0][3] is NaN"));
	assert_int_equal(circe_model_run(model, x, 0, TM_STEPS, run->y, NULL), -EINVAL);
	circe_model_destroy(model);
	free(ref);
	free(x);
	tm_free(&m);
	return 0;
}

/* Tolerances against the float model, relative to the output range
 * (out_absmax): int8 weights and activations, the fixed-point LSTM cell.
 * Seeds 1-16 of the four models gave at most 0.026 (max) and 0.011 (mean);
 * the bounds are about twice that. */
#define TM_TOL_MAX 0.05f
#define TM_TOL_MEAN 0.02f

static void test_run_vs_float(void **state)
{
	struct tu_backend *be = *state;
	struct circe_dev *dev = NULL;
	struct circe_ctx *ctx = NULL;
	uint64_t seed = tu_seed("test_model_run", 0x3a7f0011);
	int ran = 0;

	if (tu_backend_open(be, &dev, &ctx))
		fail();
	for (int k = 0; k < TM_NUM_KINDS; k++) {
		struct tm_run run = { 0 };
		int err = tm_run_kind(ctx, (enum tm_kind)k, seed + (uint64_t)k, &run);

		if (err == -EOPNOTSUPP) {
			print_message("# skip: %s on %s: %s\n", tm_kind_names[k], be->name,
				      circe_errmsg());
			continue;
		}
		ran++;
		print_message("# %s on %s: max |err| %.4f, mean %.4f, of out_absmax %.3f\n",
			      tm_kind_names[k], be->name, (double)run.err_max, (double)run.err_mean,
			      (double)run.out_absmax);
		if (run.err_max > TM_TOL_MAX * run.out_absmax ||
		    run.err_mean > TM_TOL_MEAN * run.out_absmax)
			fail_msg("%s: error max %g mean %g over %g / %g of out_absmax %g",
				 tm_kind_names[k], (double)run.err_max, (double)run.err_mean,
				 (double)TM_TOL_MAX, (double)TM_TOL_MEAN, (double)run.out_absmax);
		free(run.y);
	}
	circe_ctx_destroy(ctx);
	circe_close(dev);
	if (!ran)
		skip();
}

/* Every backend gives the same bytes. */
static void test_backends_identical(void **state)
{
	struct tu_backend be[TU_BACKEND_MAX];
	size_t nbe = tu_backends(be);
	uint64_t seed = tu_seed("test_model_backends", 0x1dea1);
	int compared = 0;

	(void)state;
	if (nbe < 2) {
		print_message("# skip: one backend in this build or selection\n");
		skip();
	}
	for (int k = 0; k < TM_NUM_KINDS; k++) {
		struct tm_run first = { 0 };

		for (size_t b = 0; b < nbe; b++) {
			struct circe_dev *dev = NULL;
			struct circe_ctx *ctx = NULL;
			struct tm_run run = { 0 };
			int err;

			if (tu_backend_open(&be[b], &dev, &ctx))
				fail();
			err = tm_run_kind(ctx, (enum tm_kind)k, seed + (uint64_t)k, &run);
			circe_ctx_destroy(ctx);
			circe_close(dev);
			if (err == -EOPNOTSUPP) {
				print_message("# skip: %s on %s: %s\n", tm_kind_names[k],
					      be[b].name, circe_errmsg());
				break;
			}
			if (b == 0) {
				first = run;
				continue;
			}
			assert_int_equal(run.out_len, first.out_len);
			if (memcmp(run.y, first.y, run.out_len * sizeof(float)))
				fail_msg("%s: %s and %s differ", tm_kind_names[k], be[0].name,
					 be[b].name);
			print_message("# %s: %s == %s (%zu floats)\n", tm_kind_names[k], be[0].name,
				      be[b].name, run.out_len);
			compared++;
			free(run.y);
		}
		free(first.y);
	}
	if (!compared)
		skip();
}

/* ---- circe run ---- */

static void test_cli_run(void **state)
{
	struct tu_backend *be = *state;
	char model[512], in[512], out[512], out3[512], bad[512], backend[80];
	struct circe_npy y = { 0 }, y3 = { 0 };
	struct tu_rng rng;
	struct tm_model m;
	char *output = NULL;
	size_t shape[3];
	float *x;
	int rc;

	tu_rng_init(&rng, tu_seed("test_model_cli", 0xc11));
	tm_kind(&m, TM_CIRC_CLASSIFIER, &rng);
	x = tm_rand(&rng, TM_SEQS * TM_STEPS * m.features, 1.0f);
	tm_calibrate(&m, x, TM_SEQS, TM_STEPS);
	tm_path(model, sizeof(model), "cli.safetensors");
	tm_path(in, sizeof(in), "cli_x.npy");
	tm_path(out, sizeof(out), "cli_y.npy");
	tm_path(out3, sizeof(out3), "cli_y3.npy");
	tm_path(bad, sizeof(bad), "cli_bad.safetensors");
	snprintf(backend, sizeof(backend), "--backend=%s", be->uri);
	{
		struct st_writer *w = tm_writer(&m, NULL, NULL);

		assert_int_equal(st_writer_save(w, model), 0);
		st_writer_free(w);
		float *z = calloc(128 * 32, sizeof(float));

		assert_non_null(z);
		w = tm_writer(&m, "lstm0.weight_hh", NULL);
		assert_int_equal(
			st_writer_add_f32(w, "lstm0.weight_hh", 2, (size_t[]){ 128, 32 }, z), 0);
		free(z);
		assert_int_equal(st_writer_save(w, bad), 0);
		st_writer_free(w);
	}
	/* A bad model: exit 1, the message names the tensor. */
	shape[0] = TM_STEPS;
	shape[1] = m.features;
	assert_int_equal(circe_npy_save(in, CIRCE_NPY_F32, 2, shape, x), 0);
	{
		char *argv[] = { (char *)tu_circe_bin(),
				 "run",
				 backend,
				 "--dtb",
				 be->dtb,
				 "--model",
				 bad,
				 "--input",
				 in,
				 "--output",
				 out,
				 NULL };

		rc = tu_run(argv, &output);
		print_message("%s", output ? output : "");
		assert_int_equal(rc, 1);
		assert_non_null(strstr(
			output, "tensor 'lstm0.weight_hh': shape [128, 32], expected [16, 4, 8]"));
		free(output);
	}
	/* One sequence [T, F] -> [out]. */
	{
		char *argv[] = { (char *)tu_circe_bin(),
				 "run",
				 backend,
				 "--dtb",
				 be->dtb,
				 "--model",
				 model,
				 "--input",
				 in,
				 "--output",
				 out,
				 "--json",
				 NULL };

		rc = tu_run(argv, &output);
		print_message("%s", output ? output : "");
		if (rc == 1 && output && strstr(output, "not supported by this backend")) {
			free(output);
			tm_free(&m);
			free(x);
			print_message("# skip: %s lacks a unit of the model\n", be->name);
			skip();
		}
		assert_int_equal(rc, 0);
		assert_non_null(strstr(output, "\"out_features\":8"));
		free(output);
	}
	assert_int_equal(circe_npy_load(out, &y), 0);
	assert_int_equal(y.ndim, 1);
	assert_int_equal(y.shape[0], 8);
	/* N sequences [N, T, F] -> [N, out]; the first row is the run above. */
	shape[0] = TM_SEQS;
	shape[1] = TM_STEPS;
	shape[2] = m.features;
	assert_int_equal(circe_npy_save(in, CIRCE_NPY_F32, 3, shape, x), 0);
	{
		char *argv[] = { (char *)tu_circe_bin(),
				 "run",
				 backend,
				 "--dtb",
				 be->dtb,
				 "--model",
				 model,
				 "--input",
				 in,
				 "--output",
				 out3,
				 "--stats",
				 NULL };

		rc = tu_run(argv, &output);
		print_message("%s", output ? output : "");
		assert_int_equal(rc, 0);
		assert_non_null(strstr(output, "macs"));
		free(output);
	}
	assert_int_equal(circe_npy_load(out3, &y3), 0);
	assert_int_equal(y3.ndim, 2);
	assert_int_equal(y3.shape[0], TM_SEQS);
	assert_int_equal(y3.shape[1], 8);
	assert_memory_equal(y3.data, y.data, 8 * sizeof(float));
	/* Features that do not match the model. */
	shape[2] = m.features - 1;
	assert_int_equal(circe_npy_save(in, CIRCE_NPY_F32, 3, shape, x), 0);
	{
		char *argv[] = { (char *)tu_circe_bin(),
				 "run",
				 backend,
				 "--dtb",
				 be->dtb,
				 "--model",
				 model,
				 "--input",
				 in,
				 "--output",
				 out3,
				 NULL };

		rc = tu_run(argv, &output);
		assert_int_equal(rc, 1);
		assert_non_null(strstr(output, "7 features per step, the model takes 8"));
		free(output);
	}
	circe_npy_free(&y);
	circe_npy_free(&y3);
	tm_free(&m);
	free(x);
}

static void test_cli_usage(void **state)
{
	char *output = NULL;
	int rc;

	(void)state;
	{
		char *argv[] = { (char *)tu_circe_bin(), "run", "--model", "m.safetensors", NULL };

		rc = tu_run(argv, &output);
		assert_int_equal(rc, 2);
		assert_non_null(strstr(output, "missing required option --input"));
		free(output);
	}
	{
		char *argv[] = { (char *)tu_circe_bin(), "run", "--help", NULL };

		rc = tu_run(argv, &output);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(output, "--model M.safetensors"));
		free(output);
	}
}

int main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_not_json),
		cmocka_unit_test(test_header_size),
		cmocka_unit_test(test_metadata_missing),
		cmocka_unit_test(test_graph_not_json),
		cmocka_unit_test(test_layer_type),
		cmocka_unit_test(test_k_not_dividing),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_absmax),
		cmocka_unit_test(test_tensor_missing),
		cmocka_unit_test(test_tensor_dtype),
		cmocka_unit_test(test_tensor_shape),
		cmocka_unit_test(test_tensor_values),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_cli_usage),
		cmocka_unit_test(test_backends_identical),
	};
	const struct CMUnitTest device[] = {
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_run_vs_float),
		cmocka_unit_test(test_cli_run),
	};
	const size_t nparse = sizeof(parse) / sizeof(parse[0]);
	struct tu_backend be[TU_BACKEND_MAX];
	size_t nbe, count;
	struct CMUnitTest *t, *all;
	int rc;

	tu_rng_init(&tm_rng, tu_seed("test_model", 0x5afe7e45));
	nbe = tu_backends(be);
	t = tu_backend_tests(device, sizeof(device) / sizeof(device[0]), be, nbe, &count);
	all = calloc(nparse + count, sizeof(*all));
	if (!t || !all)
		return 1;
	/* One group: the device-free tests, then the device tests per backend. */
	memcpy(all, parse, sizeof(parse));
	memcpy(all + nparse, t, count * sizeof(*t));
	rc = _cmocka_run_group_tests("model", all, nparse + count, NULL, NULL);
	free(all);
	tu_backend_tests_free(t, count);
	return rc;
}
