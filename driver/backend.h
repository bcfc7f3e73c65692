/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend ops table: the one seam between the driver and a device
 * (sim/fmodel, sim/vsim, a real card through XRT). Nothing above the driver
 * knows which backend it has.
 */
#ifndef CIRCE_DRIVER_BACKEND_H
#define CIRCE_DRIVER_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "driver/dt.h"

struct circe_platform;

/* Fault injection, for tests of the driver's error paths. */
enum circe_inject_kind {
	CIRCE_INJECT_NONE = 0,	/* clear all injections */
	CIRCE_INJECT_HANG,	/* the next job never finishes (until reset) */
	CIRCE_INJECT_BUS_ERROR, /* accesses to [iova, iova + len) get SLVERR */
	CIRCE_INJECT_LATENCY,	/* cycles extra latency per access (cycle models) */
};

struct circe_inject {
	enum circe_inject_kind kind;
	uint64_t iova, len;
	uint32_t cycles;
};

struct circe_backend_ops {
	const char *name; /* the URI scheme: "fmodel", "vsim", "xrt" */

	/* The platform whose DMA map this device uses (sim: pinned host memory
	 * behind a simulated IOVA space). */
	int (*platform_create)(struct circe_platform **out);

	/* args: what follows "name:" in the URI ("" when nothing). cfg is the
	 * parsed device tree (simulators take memory timing from it; the
	 * hardware configuration itself is the backend's own, reported in its
	 * ID registers). */
	int (*open)(const char *args, const struct circe_dt_config *cfg,
		    struct circe_platform *plat, void **state);
	void (*close)(void *state);

	int (*reg_read)(void *state, uint32_t off, uint32_t *val);
	int (*reg_write)(void *state, uint32_t off, uint32_t val);

	/* Block until the interrupt line is high (0) or timeout_us of wall time
	 * passed (-ETIMEDOUT). Cycle models advance simulated time here. */
	int (*wait_irq)(void *state, uint64_t timeout_us);

	/* -EOPNOTSUPP where the backend has no such hook. */
	int (*inject)(void *state, const struct circe_inject *inj);
};

/* The backends built into this library, NULL-terminated. */
extern const struct circe_backend_ops *const circe_backends[];

#endif
