/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placeholder for host/layers.h until host/layers.c (branch `layers`) is
 * merged: host.mk builds this file only when host/layers.c is absent. Every
 * call fails with -ENOSYS, so the model loader links and its device-free
 * checks run; tests that need layers skip on -ENOSYS.
 */
#include <errno.h>

#include "common/error.h"
#include "host/layers.h"

int circe_layer_fc_create(struct circe_ctx *ctx, const struct circe_fc_desc *d,
			  struct circe_layer **out)
{
	(void)ctx;
	(void)d;
	*out = NULL;
	return circe_err(-ENOSYS, "layers: not in this build (host/layers.c)");
}

int circe_layer_lstm_create(struct circe_ctx *ctx, const struct circe_lstm_desc *d,
			    struct circe_layer **out)
{
	(void)ctx;
	(void)d;
	*out = NULL;
	return circe_err(-ENOSYS, "layers: not in this build (host/layers.c)");
}

void circe_layer_destroy(struct circe_layer *l)
{
	(void)l;
}

size_t circe_layer_out_size(const struct circe_layer *l)
{
	(void)l;
	return 0;
}

float circe_layer_out_scale(const struct circe_layer *l)
{
	(void)l;
	return 0;
}

unsigned circe_layer_out_bits(const struct circe_layer *l)
{
	(void)l;
	return 0;
}

int circe_layer_run(struct circe_layer *l, const int8_t *x, size_t steps, void *y,
		    struct circe_lstm_state *state, struct circe_job_stats *stats)
{
	(void)l;
	(void)x;
	(void)steps;
	(void)y;
	(void)state;
	(void)stats;
	return circe_err(-ENOSYS, "layers: not in this build (host/layers.c)");
}
