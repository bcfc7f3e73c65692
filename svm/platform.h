/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform layer: the one place that decides how a VA becomes an IOVA.
 * It answers two questions for svm/: pin this VA range and give me its IOVA;
 * unpin it. Device models ask the third: which host bytes sit behind this
 * IOVA (a miss is the AXI DECERR an IOMMU would give).
 *
 * Platforms: sim (mlock + an IOVA allocator + the map the memory models read),
 * later xrt (sub-allocation of host-memory buffer objects) and vfio.
 */
#ifndef CIRCE_SVM_PLATFORM_H
#define CIRCE_SVM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct circe_platform;

/* The simulated platform. IOVAs come from a window that never overlaps user
 * VAs (CIRCE_PLATFORM_SIM_IOVA_BASE and up), so IOVA == VA never happens and
 * a missed translation cannot pass unnoticed. */
#define CIRCE_PLATFORM_SIM_IOVA_BASE 0x0000100000000000ull /* 16 TiB */
#define CIRCE_PLATFORM_SIM_IOVA_SIZE 0x0000010000000000ull /* 1 TiB window */

int circe_platform_sim_create(struct circe_platform **out);
void circe_platform_destroy(struct circe_platform *plat);

/*
 * Pin [va, va + len) and map it to one contiguous IOVA range.
 * va and len must be multiples of 4 KiB, len > 0 (-EINVAL otherwise).
 * The IOVA is chosen congruent to va modulo 1 GiB when len >= 1 GiB, else
 * modulo 2 MiB, so that aligned runs can use huge page-table entries.
 * -ENOMEM when the IOVA window is exhausted.
 */
int circe_platform_pin(struct circe_platform *plat, void *va, size_t len, uint64_t *iova);

/* Unpin and unmap [iova, iova + len), which must lie inside ranges returned
 * by circe_platform_pin (a sub-range splits the mapping). -ENOENT if any
 * page of it is not mapped. */
int circe_platform_unpin(struct circe_platform *plat, uint64_t iova, size_t len);

/* Host pointer behind [iova, iova + len); the range must lie inside one
 * mapping. -EFAULT (DECERR) otherwise. Thread-safe against pin/unpin. */
int circe_platform_resolve(struct circe_platform *plat, uint64_t iova, size_t len, void **host);

/* Copy to/from device memory by IOVA, crossing mappings as needed; -EFAULT
 * at the first unmapped byte (nothing after it is touched). */
int circe_platform_read(struct circe_platform *plat, uint64_t iova, void *dst, size_t len);
int circe_platform_write(struct circe_platform *plat, uint64_t iova, const void *src, size_t len);

/* Bytes currently pinned through this platform. */
uint64_t circe_platform_pinned_bytes(const struct circe_platform *plat);

#endif
