/* SPDX-License-Identifier: Apache-2.0 */
/* Host-private CIRC entry points: the descriptors of a block-circulant
 * product, for command lists that hold more than one (the layers). */
#ifndef CIRCE_HOST_CIRC_H
#define CIRCE_HOST_CIRC_H

#include <stddef.h>
#include <stdint.h>

#include "circe/circe.h"
#include "circe/hw.h"

/* The descriptors circe_circ_run would run for c (one per
 * CIRCE_HW_CIRC_MAX_BATCH batch elements): *count of them (descs NULL: only
 * the count), with the requantization table at rq (num_weight_scales
 * entries, filled by the caller). -ENOSPC if cap is below the count; the
 * validation errors of circe_circ_run. */
int circe_circ_build(const struct circe_circ *c, const struct circe_hw_requant *rq,
		     union circe_hw_desc *descs, uint32_t cap, uint32_t *count);

/* Bytes of one weight row (q * k) of c. */
size_t circe_circ_row_bytes(size_t n_in, size_t k);

#endif
