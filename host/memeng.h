/* SPDX-License-Identifier: Apache-2.0 */
/* Host-private memory-engine entry points: descriptor builders and a raw
 * submit of filled descriptors, for command lists that mix commands (the
 * SVM studies) and for tests that hand the device bad descriptors. */
#ifndef CIRCE_HOST_MEMENG_H
#define CIRCE_HOST_MEMENG_H

#include <stddef.h>
#include <stdint.h>

#include "circe/circe.h"
#include "circe/hw.h"

void circe_memeng_fill_copy(struct circe_hw_desc_copy *d, uint64_t dst_va, uint64_t src_va,
			    uint64_t bytes);
void circe_memeng_fill_pchase(struct circe_hw_desc_pchase *d, const struct circe_pchase *p,
			      uint64_t result_va);
void circe_memeng_fill_spmv(struct circe_hw_desc_spmv *d, const struct circe_spmv *s);
void circe_memeng_fill_forest(struct circe_hw_desc_forest *d, const struct circe_forest *f);

/*
 * Run count descriptors as one job. They are copied into a page-aligned
 * buffer that is registered for the job, so descs need not be registered;
 * their status blocks are copied back into descs, whatever the outcome.
 * Returns what circe_ctx_submit returns (0, -EFAULT, -EINVAL, -EIO, ...);
 * stats (may be NULL) as for circe_gemm_run.
 */
int circe_memeng_submit(struct circe_ctx *ctx, union circe_hw_desc *descs, uint32_t count,
			struct circe_job_stats *stats);

#endif
