/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device tree: the hardware configuration of a circe device, found by
 * compatible = "circe,accel-1.0" and read with libfdt. See hw/dts/circe.dts
 * and docs/device-tree.md for the properties.
 */
#ifndef CIRCE_DRIVER_DT_H
#define CIRCE_DRIVER_DT_H

#include <stddef.h>
#include <stdint.h>

#define CIRCE_DT_COMPATIBLE "circe,accel-1.0"

struct circe_dt_config {
	char compatible[64];
	uint64_t reg_base, reg_size;
	uint32_t array_rows, array_cols;
	uint32_t tlb_l1_entries;
	uint32_t tlb_l2_sets, tlb_l2_ways;
	uint32_t num_asids;
	uint32_t walkers;
	uint64_t clock_hz;
	uint32_t mem_latency_cycles; /* simulated host memory */
	uint32_t mem_bytes_per_cycle;
	uint32_t mem_max_outstanding;
};

/* Validate and parse a blob (-EINVAL with circe_errmsg() naming the problem:
 * truncated, bad magic, no compatible node, property missing or of the
 * wrong size, value out of range). */
int circe_dt_parse(const void *blob, size_t len, struct circe_dt_config *cfg);

/* Read a whole .dtb file into malloc'd memory (-ENOENT, -EIO, -EFBIG). */
int circe_dt_load_file(const char *path, void **blob, size_t *len);

#endif
