/* SPDX-License-Identifier: Apache-2.0 */
/* Host-private helpers shared by the commands that build a command list
 * (GEMM, CIRC, the layers): the requantization table of a set of scales and
 * the run of one job with its figures. */
#ifndef CIRCE_HOST_JOB_H
#define CIRCE_HOST_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"

/* CLOCK_MONOTONIC in seconds. */
double circe_host_now(void);

/* rq[i] = the fixed-point multiplier of s_in * s_w[i] / s_out for i < n.
 * On error the message names what ("gemm", "circ", ...), the entry and the
 * three scales. */
int circe_host_requant(const char *what, const char *entry, float s_in, const float *s_w, size_t n,
		       float s_out, struct circe_hw_requant *rq);

/* Adds to the driver's message where the job went wrong (called with the
 * error of circe_ctx_submit and its result); returns the error to report. */
typedef int (*circe_host_explain_fn)(int err, const void *job, const struct circe_job_result *res,
				     void *arg);

/*
 * Run the count descriptors at job as one job. With job_bytes > 0 the job
 * buffer (page aligned, descriptors first, tables after) is registered for
 * the job and unregistered after it; with 0 the caller keeps it registered.
 * explain (may be NULL) rewrites the error message of a failed job. stats
 * (may be NULL) gets the job's figures, wall time since start.
 */
int circe_host_job_run(struct circe_ctx *ctx, void *job, size_t job_bytes, uint32_t count,
		       circe_host_explain_fn explain, void *arg, struct circe_job_stats *stats,
		       double start);

/* One buffer of a job, for saying which one a device fault address hit. */
struct circe_host_operand {
	const char *name;
	bool write; /* the device writes it (else reads it) */
	uint64_t base, len;
};

/*
 * Where a failed job's FAULT or BUS_ERROR at descriptor idx lies, as a
 * prefix for its message: "<operand>, " for a fault (the direction, from the
 * descriptor's FAULT_WRITE status flag, decides first, since the caller may
 * alias buffers), "near the <operand>, " for a bus error, "" otherwise.
 */
void circe_host_fault_where(const void *job, uint32_t idx, const struct circe_job_result *res,
			    const struct circe_host_operand *ops, size_t n, char *where,
			    size_t size);

/* A command list of count descriptors (desc_bytes) followed by the
 * requantization table of num_rq entries, job_bytes in all (page rounded). */
struct circe_host_list {
	const char *what;  /* "gemm", "circ": for messages */
	const char *entry; /* what one table entry is for: "channel", "block row" */
	size_t desc_bytes, job_bytes;
	uint32_t count;
	float s_in, s_out;
	const float *s_w;
	size_t num_rq;
	/* Writes the descriptors, which point at the table rq. */
	void (*fill)(union circe_hw_desc *descs, const struct circe_hw_requant *rq, void *arg);
	circe_host_explain_fn explain;
	void *arg; /* of fill and explain */
};

/* Allocate the list (page aligned), compute its table, fill it and run it
 * as one job (circe_host_job_run); freed after. */
int circe_host_list_run(struct circe_ctx *ctx, const struct circe_host_list *l,
			struct circe_job_stats *stats, double start);

/* a += b, figure by figure (cycles_valid only if both are). */
void circe_host_stats_add(struct circe_job_stats *a, const struct circe_job_stats *b);

#endif
