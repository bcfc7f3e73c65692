/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device-free half of a circe model: the safetensors container's
 * circe.graph parsed and validated (layer types, sizes chaining, k dividing
 * the dimensions, calibration ranges) and every tensor a layer names looked
 * up with its dtype and shape and copied out. host/model.c builds the
 * layers from this; the fuzzer (tools/fuzz/fuzz_model.c) stops here.
 * Format: docs/model-format.md.
 */
#ifndef CIRCE_HOST_MODEL_H
#define CIRCE_HOST_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "circe/circe.h"
#include "host/safetensors.h"

/* Caps on what a graph may ask for, so that a hostile file cannot make the
 * loader allocate without bound before the tensors are checked. */
#define CIRCE_MODEL_MAX_LAYERS 64
#define CIRCE_MODEL_MAX_SIZE 65536 /* any feature / hidden / projection size */
#define CIRCE_MODEL_MAX_NAME 128

struct circe_model_spec {
	enum circe_model_layer_type type;
	char name[CIRCE_MODEL_MAX_NAME + 1];
	size_t in, out;
	/* lstm */
	size_t hidden, proj, k_ih, k_hh, k_proj;
	bool return_sequences;
	float proj_absmax;
	/* fc */
	size_t k;
	bool relu;
	float out_absmax;
	/* F32 copies from the file (host/safetensors.h circe_st_get_f32); NULL
	 * once the layers are built, or when not used by the type. */
	float *weight_ih, *weight_hh, *weight_proj; /* lstm */
	float *weight;				    /* fc */
	float *bias;				    /* both */
};

struct circe_model_graph {
	size_t features; /* input.features */
	float absmax;	 /* input.absmax */
	size_t nlayers;
	struct circe_model_spec *layers;
	size_t out_features;
	bool out_sequence; /* every step's output (no LSTM with return_sequences false) */
};

/* Parse circe.format / circe.graph of st and fetch the tensors. g is zeroed
 * on error; circe_errmsg() names the field or the tensor. */
int circe_model_graph_parse(const struct circe_st_file *st, struct circe_model_graph *g);
/* Free the tensors only (the layers hold their own quantized copies). */
void circe_model_graph_free_tensors(struct circe_model_graph *g);
void circe_model_graph_free(struct circe_model_graph *g);

/* Container + graph + tensors of an in-memory file, nothing kept: what
 * circe_model_load checks before it touches the device. */
int circe_model_check(const void *buf, size_t len);

#endif
