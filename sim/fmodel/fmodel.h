/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The functional device model: the register file, command processor and MMU
 * semantics of hw.h in C, with the hw/hls kernels as compute. No cycle
 * counts. Reached through the backend ops table (URI "fmodel:"); its
 * hardware configuration comes from the URI options, never from the device
 * tree, so that the driver's device-tree check has something to catch:
 *
 *   fmodel:rows=8,cols=8,l1=32,l2sets=256,l2ways=4,asids=16,walkers=4
 *
 * (defaults: CIRCE_HW_DEFAULT_*). See docs/driver.md for the model's
 * register semantics.
 */
#ifndef CIRCE_SIM_FMODEL_H
#define CIRCE_SIM_FMODEL_H

#include "driver/backend.h"

extern const struct circe_backend_ops circe_backend_fmodel;

#endif
