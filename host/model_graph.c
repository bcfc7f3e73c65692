/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe.graph: the layer list of a model file, parsed with jansson and
 * checked field by field before any tensor is copied. The checks are strict
 * (unknown keys in a layer are errors) because a misspelt optional key such
 * as "k_hh" would otherwise silently give a dense layer.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "host/model.h"

/* "layers[1] 'fc'" for messages. */
struct circe_model_where {
	char s[CIRCE_MODEL_MAX_NAME + 32];
};

static const char *circe_model_where(struct circe_model_where *w, size_t i, const char *name)
{
	if (name)
		snprintf(w->s, sizeof(w->s), "layers[%zu] '%s'", i, name);
	else
		snprintf(w->s, sizeof(w->s), "layers[%zu]", i);
	return w->s;
}

/* An integer field in [lo, hi]; absent gives def (or an error when def < 0). */
static int circe_model_get_size(json_t *obj, const char *where, const char *key, long long def,
				size_t lo, size_t hi, size_t *out)
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v) {
		if (def < 0)
			return circe_err(-EINVAL, "model: circe.graph: %s: no '%s'", where, key);
		*out = (size_t)def;
		return 0;
	}
	if (!json_is_integer(v))
		return circe_err(-EINVAL, "model: circe.graph: %s: '%s' is not an integer", where,
				 key);
	i = json_integer_value(v);
	if (i < (json_int_t)lo || i > (json_int_t)hi)
		return circe_err(-EINVAL, "model: circe.graph: %s: '%s' %lld is outside [%zu, %zu]",
				 where, key, (long long)i, lo, hi);
	*out = (size_t)i;
	return 0;
}

/* A calibration range: a finite number > 0 that is finite as a float. */
static int circe_model_get_absmax(json_t *obj, const char *where, const char *key, float *out)
{
	json_t *v = json_object_get(obj, key);
	double d;

	if (!v)
		return circe_err(-EINVAL, "model: circe.graph: %s: no '%s'", where, key);
	if (!json_is_number(v))
		return circe_err(-EINVAL, "model: circe.graph: %s: '%s' is not a number", where,
				 key);
	d = json_number_value(v);
	if (!isfinite(d) || !(d > 0) || d > FLT_MAX || !((float)d > 0))
		return circe_err(-EINVAL,
				 "model: circe.graph: %s: '%s' %g is not a finite number > 0 (as "
				 "float32)",
				 where, key, d);
	*out = (float)d;
	return 0;
}

static int circe_model_get_bool(json_t *obj, const char *where, const char *key, bool def,
				bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_boolean(v))
		return circe_err(-EINVAL, "model: circe.graph: %s: '%s' is not true or false",
				 where, key);
	*out = json_is_true(v);
	return 0;
}

/* 1 (dense) or a block size of the circulant kernels. */
static int circe_model_get_k(json_t *obj, const char *where, const char *key, size_t *out)
{
	int err = circe_model_get_size(obj, where, key, 1, 1, 16, out);

	if (!err && (*out & (*out - 1)))
		err = circe_err(-EINVAL, "model: circe.graph: %s: '%s' %zu is not 1, 2, 4, 8 or 16",
				where, key, *out);
	return err;
}

/* k must divide both dimensions of the [rows, cols] matrix it blocks. */
static int circe_model_check_k(const char *where, const char *kname, size_t k, const char *rname,
			       size_t rows, const char *cname, size_t cols)
{
	if (rows % k)
		return circe_err(-EINVAL, "model: circe.graph: %s: %s %zu does not divide %s %zu",
				 where, kname, k, rname, rows);
	if (cols % k)
		return circe_err(-EINVAL, "model: circe.graph: %s: %s %zu does not divide %s %zu",
				 where, kname, k, cname, cols);
	return 0;
}

static int circe_model_check_keys(json_t *obj, const char *where, const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;

		(void)v;
		for (i = 0; keys[i]; i++)
			if (!strcmp(key, keys[i]))
				break;
		if (!keys[i])
			return circe_err(-EINVAL, "model: circe.graph: %s: unknown key '%.64s'",
					 where, key);
	}
	return 0;
}

static const char *const circe_model_lstm_keys[] = {
	"type", "name",	  "input_size",	      "hidden_size", "proj_size", "k_ih",
	"k_hh", "k_proj", "return_sequences", "proj_absmax", NULL,
};

static const char *const circe_model_fc_keys[] = {
	"type", "name", "in_features", "out_features", "k", "activation", "out_absmax", NULL,
};

static int circe_model_parse_lstm(json_t *l, const char *where, struct circe_model_spec *s)
{
	int err;

	err = circe_model_check_keys(l, where, circe_model_lstm_keys);
	if (!err)
		err = circe_model_get_size(l, where, "input_size", -1, 1, CIRCE_MODEL_MAX_SIZE,
					   &s->in);
	if (!err)
		err = circe_model_get_size(l, where, "hidden_size", -1, 1, CIRCE_MODEL_MAX_SIZE,
					   &s->hidden);
	if (!err)
		err = circe_model_get_size(l, where, "proj_size", 0, 0, CIRCE_MODEL_MAX_SIZE,
					   &s->proj);
	if (!err)
		err = circe_model_get_k(l, where, "k_ih", &s->k_ih);
	if (!err)
		err = circe_model_get_k(l, where, "k_hh", &s->k_hh);
	if (!err)
		err = circe_model_get_k(l, where, "k_proj", &s->k_proj);
	if (!err)
		err = circe_model_get_bool(l, where, "return_sequences", false,
					   &s->return_sequences);
	if (err)
		return err;
	s->out = s->proj ? s->proj : s->hidden;
	if (s->proj) {
		err = circe_model_get_absmax(l, where, "proj_absmax", &s->proj_absmax);
		if (!err)
			err = circe_model_check_k(where, "k_proj", s->k_proj, "proj_size", s->proj,
						  "hidden_size", s->hidden);
	} else if (json_object_get(l, "proj_absmax")) {
		err = circe_err(-EINVAL,
				"model: circe.graph: %s: 'proj_absmax' without a projection "
				"(proj_size 0)",
				where);
	}
	/* 4H is a multiple of k whenever H is, or k <= 4. */
	if (!err)
		err = circe_model_check_k(where, "k_ih", s->k_ih, "4 * hidden_size", 4 * s->hidden,
					  "input_size", s->in);
	if (!err)
		err = circe_model_check_k(where, "k_hh", s->k_hh, "4 * hidden_size", 4 * s->hidden,
					  s->proj ? "proj_size" : "hidden_size", s->out);
	return err;
}

static int circe_model_parse_fc(json_t *l, const char *where, struct circe_model_spec *s)
{
	json_t *act;
	int err;

	err = circe_model_check_keys(l, where, circe_model_fc_keys);
	if (!err)
		err = circe_model_get_size(l, where, "in_features", -1, 1, CIRCE_MODEL_MAX_SIZE,
					   &s->in);
	if (!err)
		err = circe_model_get_size(l, where, "out_features", -1, 1, CIRCE_MODEL_MAX_SIZE,
					   &s->out);
	if (!err)
		err = circe_model_get_k(l, where, "k", &s->k);
	if (!err)
		err = circe_model_get_absmax(l, where, "out_absmax", &s->out_absmax);
	if (err)
		return err;
	act = json_object_get(l, "activation");
	if (act && !json_is_string(act))
		return circe_err(-EINVAL, "model: circe.graph: %s: 'activation' is not a string",
				 where);
	if (act && strcmp(json_string_value(act), "none") && strcmp(json_string_value(act), "relu"))
		return circe_err(-EINVAL,
				 "model: circe.graph: %s: activation '%.32s': not \"none\" or "
				 "\"relu\"",
				 where, json_string_value(act));
	s->relu = act && !strcmp(json_string_value(act), "relu");
	return circe_model_check_k(where, "k", s->k, "out_features", s->out, "in_features", s->in);
}

/* Tensor "<layer>.<suffix>": [rows, cols] dense, [rows/k, cols/k, k]
 * circulant. */
static int circe_model_get_matrix(const struct circe_st_file *st, const struct circe_model_spec *s,
				  const char *suffix, size_t rows, size_t cols, size_t k,
				  float **out)
{
	char name[CIRCE_MODEL_MAX_NAME + 32];
	size_t shape[3] = { rows / k, cols / k, k };

	snprintf(name, sizeof(name), "%s.%s", s->name, suffix);
	if (k == 1)
		return circe_st_get_f32(st, name, 2, (size_t[]){ rows, cols }, out);
	return circe_st_get_f32(st, name, 3, shape, out);
}

static int circe_model_get_vector(const struct circe_st_file *st, const struct circe_model_spec *s,
				  const char *suffix, size_t n, float **out)
{
	char name[CIRCE_MODEL_MAX_NAME + 32];

	snprintf(name, sizeof(name), "%s.%s", s->name, suffix);
	return circe_st_get_f32(st, name, 1, &n, out);
}

static int circe_model_get_tensors(const struct circe_st_file *st, struct circe_model_spec *s)
{
	int err;

	if (s->type == CIRCE_MODEL_LAYER_FC) {
		err = circe_model_get_matrix(st, s, "weight", s->out, s->in, s->k, &s->weight);
		if (!err)
			err = circe_model_get_vector(st, s, "bias", s->out, &s->bias);
		return err;
	}
	err = circe_model_get_matrix(st, s, "weight_ih", 4 * s->hidden, s->in, s->k_ih,
				     &s->weight_ih);
	if (!err)
		err = circe_model_get_matrix(st, s, "weight_hh", 4 * s->hidden, s->out, s->k_hh,
					     &s->weight_hh);
	if (!err)
		err = circe_model_get_vector(st, s, "bias", 4 * s->hidden, &s->bias);
	if (!err && s->proj)
		err = circe_model_get_matrix(st, s, "weight_proj", s->proj, s->hidden, s->k_proj,
					     &s->weight_proj);
	return err;
}

static int circe_model_parse_input(json_t *graph, struct circe_model_graph *g)
{
	static const char *const keys[] = { "features", "absmax", NULL };
	json_t *in = json_object_get(graph, "input");
	int err;

	if (!in)
		return circe_err(-EINVAL, "model: circe.graph: no 'input'");
	if (!json_is_object(in))
		return circe_err(-EINVAL, "model: circe.graph: 'input' is not an object");
	err = circe_model_check_keys(in, "input", keys);
	if (!err)
		err = circe_model_get_size(in, "input", "features", -1, 1, CIRCE_MODEL_MAX_SIZE,
					   &g->features);
	if (!err)
		err = circe_model_get_absmax(in, "input", "absmax", &g->absmax);
	return err;
}

static int circe_model_parse_layer(json_t *l, size_t i, struct circe_model_graph *g)
{
	struct circe_model_spec *s = &g->layers[i];
	struct circe_model_where w;
	const char *where = circe_model_where(&w, i, NULL), *type, *name;
	json_t *t, *n;

	if (!json_is_object(l))
		return circe_err(-EINVAL, "model: circe.graph: %s is not an object", where);
	n = json_object_get(l, "name");
	if (!n || !json_is_string(n))
		return circe_err(-EINVAL, "model: circe.graph: %s: %s", where,
				 n ? "'name' is not a string" : "no 'name'");
	name = json_string_value(n);
	if (!*name || strlen(name) > CIRCE_MODEL_MAX_NAME)
		return circe_err(-EINVAL, "model: circe.graph: %s: 'name' is %s", where,
				 *name ? "longer than 128 bytes" : "empty");
	for (size_t j = 0; j < i; j++)
		if (!strcmp(g->layers[j].name, name))
			return circe_err(-EINVAL,
					 "model: circe.graph: %s: name '%s' is also layers[%zu]'s",
					 where, name, j);
	snprintf(s->name, sizeof(s->name), "%s", name);
	where = circe_model_where(&w, i, name);
	t = json_object_get(l, "type");
	if (!t || !json_is_string(t))
		return circe_err(-EINVAL, "model: circe.graph: %s: %s", where,
				 t ? "'type' is not a string" : "no 'type'");
	type = json_string_value(t);
	if (!strcmp(type, "lstm")) {
		s->type = CIRCE_MODEL_LAYER_LSTM;
		return circe_model_parse_lstm(l, where, s);
	}
	if (!strcmp(type, "fc")) {
		s->type = CIRCE_MODEL_LAYER_FC;
		return circe_model_parse_fc(l, where, s);
	}
	return circe_err(-EINVAL, "model: circe.graph: %s: unknown layer type '%.32s' (lstm, fc)",
			 where, type);
}

/* Each layer takes the previous one's output; an LSTM needs a sequence. */
static int circe_model_chain(struct circe_model_graph *g)
{
	size_t width = g->features;
	const char *from = "input.features";
	char fromb[CIRCE_MODEL_MAX_NAME + 48];
	bool seq = true;

	for (size_t i = 0; i < g->nlayers; i++) {
		struct circe_model_spec *s = &g->layers[i];
		bool lstm = s->type == CIRCE_MODEL_LAYER_LSTM;

		if (s->in != width)
			return circe_err(-EINVAL,
					 "model: circe.graph: layers[%zu] '%s': %s %zu, but its "
					 "input (%s) has %zu",
					 i, s->name, lstm ? "input_size" : "in_features", s->in,
					 from, width);
		if (lstm && !seq)
			return circe_err(
				-EINVAL,
				"model: circe.graph: layers[%zu] '%s': an lstm after a layer "
				"that keeps only the last step (return_sequences false)",
				i, s->name);
		if (lstm && !s->return_sequences)
			seq = false;
		width = s->out;
		snprintf(fromb, sizeof(fromb), "the %s of '%s'",
			 !lstm	   ? "out_features"
			 : s->proj ? "proj_size"
				   : "hidden_size",
			 s->name);
		from = fromb;
	}
	g->out_features = width;
	g->out_sequence = seq;
	return 0;
}

void circe_model_graph_free_tensors(struct circe_model_graph *g)
{
	for (size_t i = 0; g && i < g->nlayers; i++) {
		struct circe_model_spec *s = &g->layers[i];

		free(s->weight_ih);
		free(s->weight_hh);
		free(s->weight_proj);
		free(s->weight);
		free(s->bias);
		s->weight_ih = s->weight_hh = s->weight_proj = s->weight = s->bias = NULL;
	}
}

void circe_model_graph_free(struct circe_model_graph *g)
{
	if (!g)
		return;
	circe_model_graph_free_tensors(g);
	free(g->layers);
	memset(g, 0, sizeof(*g));
}

int circe_model_graph_parse(const struct circe_st_file *st, struct circe_model_graph *g)
{
	const char *format, *text;
	json_t *graph, *layers, *l;
	json_error_t jerr;
	size_t i;
	int err;

	memset(g, 0, sizeof(*g));
	if (st->nmeta == 0 && !circe_st_meta_get(st, "circe.graph"))
		return circe_err(-EINVAL, "model: header has no __metadata__ with circe.format and "
					  "circe.graph (not a circe model?)");
	format = circe_st_meta_get(st, "circe.format");
	if (!format)
		return circe_err(-EINVAL, "model: __metadata__ has no circe.format");
	if (strcmp(format, "1"))
		return circe_err(-EINVAL, "model: circe.format '%.32s': this reader knows \"1\"",
				 format);
	text = circe_st_meta_get(st, "circe.graph");
	if (!text)
		return circe_err(-EINVAL, "model: __metadata__ has no circe.graph");
	graph = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!graph)
		return circe_err(-EINVAL,
				 "model: circe.graph is not JSON: %s (line %d, column %d; NaN and "
				 "Infinity are not JSON)",
				 jerr.text, jerr.line, jerr.column);
	if (!json_is_object(graph)) {
		err = circe_err(-EINVAL, "model: circe.graph is not a JSON object");
		goto free_json;
	}
	err = circe_model_parse_input(graph, g);
	if (err)
		goto free_json;
	layers = json_object_get(graph, "layers");
	if (!layers || !json_is_array(layers)) {
		err = circe_err(-EINVAL, "model: circe.graph: %s",
				layers ? "'layers' is not an array" : "no 'layers'");
		goto free_json;
	}
	if (json_array_size(layers) < 1 || json_array_size(layers) > CIRCE_MODEL_MAX_LAYERS) {
		err = circe_err(-EINVAL, "model: circe.graph: %zu layers, expected 1 to %d",
				json_array_size(layers), CIRCE_MODEL_MAX_LAYERS);
		goto free_json;
	}
	g->layers = calloc(json_array_size(layers), sizeof(*g->layers));
	if (!g->layers) {
		err = circe_err(-ENOMEM, "model: out of memory for the layers");
		goto free_json;
	}
	json_array_foreach(layers, i, l)
	{
		err = circe_model_parse_layer(l, i, g);
		g->nlayers = i + 1;
		if (err)
			goto free_graph;
	}
	err = circe_model_chain(g);
	for (i = 0; !err && i < g->nlayers; i++)
		err = circe_model_get_tensors(st, &g->layers[i]);
	if (err)
		goto free_graph;
	json_decref(graph);
	return 0;

free_graph:
	circe_model_graph_free(g);
free_json:
	json_decref(graph);
	if (err)
		memset(g, 0, sizeof(*g));
	return err;
}

int circe_model_check(const void *buf, size_t len)
{
	struct circe_model_graph g;
	struct circe_st_file st;
	int err;

	err = circe_st_parse(buf, len, &st);
	if (err)
		return err;
	err = circe_model_graph_parse(&st, &g);
	circe_model_graph_free(&g);
	circe_st_free(&st);
	return err;
}
