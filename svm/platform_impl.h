/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to svm/: the operations a platform implements. svm/platform.c
 * checks the arguments common to all platforms and dispatches here, so a new
 * platform (xrt, vfio) only supplies these and a create function.
 */
#ifndef CIRCE_SVM_PLATFORM_IMPL_H
#define CIRCE_SVM_PLATFORM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "svm/platform.h"

struct circe_platform_ops {
	const char *name;
	void (*destroy)(struct circe_platform *plat);
	/* Arguments already checked: aligned, len > 0, no wrap. */
	int (*pin)(struct circe_platform *plat, void *va, size_t len, uint64_t *iova);
	/* Arguments already checked: aligned, len > 0, no wrap. */
	int (*unpin)(struct circe_platform *plat, uint64_t iova, size_t len);
	int (*resolve)(struct circe_platform *plat, uint64_t iova, size_t len, void **host);
	int (*read)(struct circe_platform *plat, uint64_t iova, void *dst, size_t len);
	int (*write)(struct circe_platform *plat, uint64_t iova, const void *src, size_t len);
	uint64_t (*pinned_bytes)(const struct circe_platform *plat);
};

/* Every platform embeds this as its first member. */
struct circe_platform {
	const struct circe_platform_ops *ops;
};

/* Sim only: how many pins could not be mlock()ed (RLIMIT_MEMLOCK without
 * CAP_IPC_LOCK). They are still mapped and accounted; the pages are merely
 * not locked in RAM. 0 for other platforms. */
uint64_t circe_platform_sim_mlock_failures(const struct circe_platform *plat);

/* Sim only: number of live {iova, len, host} mappings (tests check that
 * sub-range unpins split and that everything goes away). 0 otherwise. */
size_t circe_platform_sim_mappings(const struct circe_platform *plat);

/* Sim only: device accesses (resolve, read, write: what both device models
 * use) that reached an IOVA the host unpinned and did not pin again since,
 * i.e. a device touching memory after its release (svm/ unpins only after
 * the device acknowledged the invalidation, so this must stay 0). Such an
 * access fails like any unmapped one (DECERR); the first IOVA hit goes to
 * *first when first is not NULL (0 if none). 0 for other platforms. */
uint64_t circe_platform_sim_released_hits(const struct circe_platform *plat, uint64_t *first);

#endif
