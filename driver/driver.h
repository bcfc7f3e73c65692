/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver internals used by host/ and the tests: job submission, registers,
 * counters, reset and fault injection. The public face is include/circe/circe.h
 * (circe_open, circe_ctx_create, circe_mem_register, ...), implemented here.
 */
#ifndef CIRCE_DRIVER_DRIVER_H
#define CIRCE_DRIVER_DRIVER_H

#include <stdint.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/backend.h"
#include "driver/dt.h"

struct circe_svm;
struct circe_svm_ctx;

struct circe_job_result {
	uint32_t status;		 /* enum circe_hw_status_code of the job */
	uint32_t err_index;		 /* descriptor that ended it (when not OK) */
	uint64_t fault_va;		 /* CIRCE_HW_ST_FAULT: the VA */
	uint64_t perf[CIRCE_PERF_COUNT]; /* counter deltas over the job */
	double wall_seconds;
};

/*
 * Run the command list of count descriptors at cmds (registered with ctx,
 * readable and writable by the device) and wait for it. Device faults are
 * answered through circe_svm_handle_fault. Returns 0 when the job ended OK;
 * -EFAULT (translation fault), -EIO (bus error; the device is reset),
 * -EINVAL (illegal descriptor), -ETIMEDOUT (no completion in time; the device
 * is reset). res (may be NULL) is filled in every case the device ran.
 * Jobs on one device are serialized.
 */
int circe_ctx_submit(struct circe_ctx *ctx, const void *cmds, uint32_t count,
		     struct circe_job_result *res);

struct circe_dev *circe_ctx_dev(struct circe_ctx *ctx);
struct circe_svm_ctx *circe_ctx_svm(struct circe_ctx *ctx);

const struct circe_dt_config *circe_dev_config(const struct circe_dev *dev);
struct circe_svm *circe_dev_svm(struct circe_dev *dev);
struct circe_platform *circe_dev_platform(struct circe_dev *dev);
const char *circe_dev_backend_name(const struct circe_dev *dev);

int circe_dev_reg_read(struct circe_dev *dev, uint32_t off, uint32_t *val);
int circe_dev_reg_write(struct circe_dev *dev, uint32_t off, uint32_t val);
int circe_dev_perf_read(struct circe_dev *dev, uint64_t counters[CIRCE_PERF_COUNT]);
/* Soft reset: aborts a job, flushes TLB and fault queue, waits for idle.
 * Does not wait for the job lock: called from another thread while a job
 * runs, it aborts that job, whose circe_ctx_submit returns -EIO. */
int circe_dev_reset(struct circe_dev *dev);
int circe_dev_inject(struct circe_dev *dev, const struct circe_inject *inj);

/* Fill the public per-job figures from a result. */
void circe_job_stats_from_result(const struct circe_dev *dev, const struct circe_job_result *res,
				 struct circe_job_stats *stats);

#endif
