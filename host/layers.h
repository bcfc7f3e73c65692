/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quantized layers on a circe device: fully connected (dense or
 * block-circulant) and LSTM (optional projection). A layer is created from
 * trained float weights: it compresses nothing (circulant weights arrive as
 * their defining vectors, see circe_circ_compress for dense ones), quantizes
 * them (docs/numerics.md, "Quantized layers"), keeps them in memory it
 * registered with the context, and runs a whole sequence per call as one
 * command list.
 *
 * Activations between layers are int8, symmetric (zero point 0), with the
 * scale the producing layer reports (circe_layer_out_scale); a layer is
 * created with the scale of its input. The last layer of a model may give
 * int16 output for a finer final result.
 */
#ifndef CIRCE_HOST_LAYERS_H
#define CIRCE_HOST_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "circe/circe.h"

struct circe_layer; /* opaque */

/* y = act(W x + b). weight: dense [out][in] (k == 1) or circulant
 * [out/k][in/k][k] defining vectors (k in 2, 4, 8, 16; both sizes multiples
 * of k). */
struct circe_fc_desc {
	size_t in, out, k;
	const float *weight;
	const float *bias; /* [out], or NULL */
	bool relu;
	float in_scale;	   /* of the int8 input, > 0 */
	float out_absmax;  /* output range: scale out_absmax / 127 (or / 32767) */
	unsigned out_bits; /* 8 or 16 */
};

/* PyTorch nn.LSTM, one layer, gates i, f, g, o; with proj > 0 its
 * projection (h = W_proj (o * tanh(c))). Shapes as in docs/model-format.md,
 * each matrix with its own k (1 = dense). */
struct circe_lstm_desc {
	size_t in, hidden, proj;
	size_t k_ih, k_hh, k_proj;
	const float *weight_ih;	  /* [4H][in] or circulant */
	const float *weight_hh;	  /* [4H][R] or circulant, R = proj ? proj : hidden */
	const float *bias;	  /* [4H]: bias_ih + bias_hh, or NULL */
	const float *weight_proj; /* [proj][hidden] or circulant; NULL when proj == 0 */
	float in_scale;		  /* of the int8 input, > 0 */
	float proj_absmax;	  /* projected output range (proj > 0) */
};

int circe_layer_fc_create(struct circe_ctx *ctx, const struct circe_fc_desc *d,
			  struct circe_layer **out);
int circe_layer_lstm_create(struct circe_ctx *ctx, const struct circe_lstm_desc *d,
			    struct circe_layer **out);
void circe_layer_destroy(struct circe_layer *l);

size_t circe_layer_in_size(const struct circe_layer *l);
size_t circe_layer_out_size(const struct circe_layer *l); /* fc: out; lstm: R */
float circe_layer_out_scale(const struct circe_layer *l);
unsigned circe_layer_out_bits(const struct circe_layer *l);

/* LSTM state between calls: h int8 [R] at the layer's output scale, c
 * int16 Q4.11 [hidden]. */
struct circe_lstm_state {
	int8_t *h;
	int16_t *c;
};

/*
 * Run the layer over a sequence of steps on the device. x: int8
 * [steps][in_size] at the input scale; y: [steps][out_size] elements of
 * out_bits (an LSTM writes every step's output; the caller keeps the last
 * for a classifier). For an LSTM, state (may be NULL: zero initial state,
 * final state dropped) gives the initial state and receives the final one.
 * x and y need not be registered: the layer stages them in its own
 * registered buffers. stats (may be NULL) gets the figures of this call
 * (one job per call).
 */
int circe_layer_run(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
		    struct circe_lstm_state *state, struct circe_job_stats *stats);

/* circe_layer_run in two jobs, for measurement: the input product of all
 * steps (in_stats), then the steps (step_stats: the recurrent products,
 * cells and projections). Same results as circe_layer_run; an FC layer
 * runs one job (in_stats). */
int circe_layer_run_split(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
			  struct circe_lstm_state *state, struct circe_job_stats *in_stats,
			  struct circe_job_stats *step_stats);

/* The int8 weight bytes of the layer's matrices: ih (fc: its weight), hh
 * and proj (0 when absent). */
int circe_layer_weight_bytes(const struct circe_layer *l, size_t *ih, size_t *hh, size_t *proj);

/* Projection of a dense [rows][cols] matrix onto block-circulant blocks of
 * k x k (each block's wrapped diagonals averaged): out [rows/k][cols/k][k].
 * -EINVAL unless k in 1..16 is a power of two dividing rows and cols. */
int circe_circ_compress(const float *dense, size_t rows, size_t cols, size_t k, float *out);

/* The dense [rows][cols] matrix of circulant defining vectors. */
int circe_circ_expand(const float *circ, size_t rows, size_t cols, size_t k, float *dense);

/* Symmetric int8 quantization of circulant weights [rows/k][cols/k][k]
 * (k = 1: a dense [rows][cols] matrix), one scale per block row of k
 * output rows (per output row when k = 1): scales[rows/k] = the row's
 * largest |w| / 127 (1/127 for a row of zeros), q = round(w / scale) in
 * [-127, 127], laid out [rows/k][cols] as the CIRC descriptor reads it.
 * -EINVAL for the shapes circe_circ_compress rejects, NULL pointers or a
 * weight that is not finite. */
int circe_circ_quantize(const float *circ, size_t rows, size_t cols, size_t k, int8_t *q,
			float *scales);

#endif
