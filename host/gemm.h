/* SPDX-License-Identifier: Apache-2.0 */
/* Host-private GEMM entry points: the tiling that circe_gemm_run uses, with
 * the tile size as a parameter so that tests can exercise many tiles on
 * small matrices. */
#ifndef CIRCE_HOST_GEMM_H
#define CIRCE_HOST_GEMM_H

#include <stddef.h>

#include "circe/circe.h"
#include "circe/hw.h"

/* One descriptor covers at most this many rows (M) and columns (N) of the
 * output; K is never split because requantization needs the whole sum.
 * Both must stay within CIRCE_HW_GEMM_MAX_M / CIRCE_HW_GEMM_MAX_N. */
#define CIRCE_HOST_GEMM_TILE_M 4096u
#define CIRCE_HOST_GEMM_TILE_N 4096u

/* circe_gemm_run with output tiles of at most tile_m x tile_n (each in
 * [1, CIRCE_HW_GEMM_MAX_M/N], else -EINVAL). */
int circe_gemm_run_tiled(struct circe_ctx *ctx, const struct circe_gemm *g, size_t tile_m,
			 size_t tile_n, struct circe_job_stats *stats);

/* The descriptors circe_gemm_run would run for g, for a command list that
 * holds more than one GEMM: *count of them (descs NULL: only the count),
 * with the requantization table at rq (num_weight_scales entries, which
 * the caller fills, e.g. by circe_host_requant). -ENOSPC if cap is below
 * the count; the validation errors of circe_gemm_run. */
int circe_gemm_build(const struct circe_gemm *g, const struct circe_hw_requant *rq,
		     union circe_hw_desc *descs, uint32_t cap, uint32_t *count);

#endif
