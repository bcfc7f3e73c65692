/* SPDX-License-Identifier: Apache-2.0 */
/* The job plumbing GEMM, CIRC and the layers share (host/job.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/circe.h"
#include "common/error.h"
#include "driver/driver.h"
#include "host/job.h"

double circe_host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int circe_host_requant(const char *what, const char *entry, float s_in, const float *s_w, size_t n,
		       float s_out, struct circe_hw_requant *rq)
{
	for (size_t i = 0; i < n; i++) {
		double real = (double)s_in * (double)s_w[i] / (double)s_out;
		int err = circe_quantize_multiplier(real, &rq[i].m0, &rq[i].shift);

		if (err) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", circe_errmsg());
			return circe_err(err,
					 "%s: %s %zu: input_scale %g * weight_scale %g / "
					 "output_scale %g: %s",
					 what, entry, i, (double)s_in, (double)s_w[i],
					 (double)s_out, msg);
		}
	}
	return 0;
}

int circe_host_job_run(struct circe_ctx *ctx, void *job, size_t job_bytes, uint32_t count,
		       circe_host_explain_fn explain, void *arg, struct circe_job_stats *stats,
		       double start)
{
	struct circe_job_result res;
	int err;

	if (job_bytes) {
		err = circe_mem_register(ctx, job, job_bytes, CIRCE_MEM_RW);
		if (err)
			return err;
	}
	memset(&res, 0, sizeof(res));
	err = circe_ctx_submit(ctx, job, count, &res);
	if (err && explain)
		err = explain(err, job, &res, arg);
	if (stats) {
		circe_job_stats_from_result(circe_ctx_dev(ctx), &res, stats);
		stats->wall_seconds = circe_host_now() - start;
	}
	if (job_bytes) {
		int uerr = circe_mem_unregister(ctx, job, job_bytes);

		if (uerr && !err)
			err = uerr;
	}
	return err;
}

static const char *circe_host_operand_at(const struct circe_host_operand *ops, size_t n,
					 uint64_t va, bool write)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].write == write && va >= ops[i].base && va - ops[i].base < ops[i].len)
			return ops[i].name;
	return write ? "a write outside every operand" : "a read outside every operand";
}

void circe_host_fault_where(const void *job, uint32_t idx, const struct circe_job_result *res,
			    const struct circe_host_operand *ops, size_t n, char *where,
			    size_t size)
{
	where[0] = '\0';
	/* The device wrote the fault flags into the descriptor's status. */
	if (res->status == CIRCE_HW_ST_FAULT) {
		const union circe_hw_desc *d = (const union circe_hw_desc *)job + idx;
		bool write = d->generic.status.detail & CIRCE_HW_FAULT_WRITE;

		snprintf(where, size, "%s, ", circe_host_operand_at(ops, n, res->fault_va, write));
	} else if (res->status == CIRCE_HW_ST_BUS_ERROR) {
		snprintf(where, size, "near the %s, ",
			 circe_host_operand_at(ops, n, res->fault_va, false));
	}
}

void circe_host_stats_add(struct circe_job_stats *a, const struct circe_job_stats *b)
{
	a->cycles_valid = a->cycles_valid && b->cycles_valid;
	a->cycles += b->cycles;
	a->compute_cycles += b->compute_cycles;
	a->macs += b->macs;
	a->dma_read_bytes += b->dma_read_bytes;
	a->dma_write_bytes += b->dma_write_bytes;
	a->tlb_l1_hits += b->tlb_l1_hits;
	a->tlb_l1_misses += b->tlb_l1_misses;
	a->tlb_l2_hits += b->tlb_l2_hits;
	a->tlb_l2_misses += b->tlb_l2_misses;
	a->walks += b->walks;
	a->walk_cycles += b->walk_cycles;
	a->faults += b->faults;
	a->stall_cycles += b->stall_cycles;
	a->pte_reads += b->pte_reads;
	a->walk_cache_hits += b->walk_cache_hits;
	a->descriptors += b->descriptors;
	a->wall_seconds += b->wall_seconds;
}

int circe_host_list_run(struct circe_ctx *ctx, const struct circe_host_list *l,
			struct circe_job_stats *stats, double start)
{
	struct circe_hw_requant *rq;
	void *job = NULL;
	int err;

	/* Descriptors first (page aligned, so 64-byte aligned), the
	 * requantization table behind them: one registration per job. */
	if (posix_memalign(&job, CIRCE_HW_PAGE_SIZE, l->job_bytes))
		return circe_err(-ENOMEM, "%s: cannot allocate a %zu-byte command list", l->what,
				 l->job_bytes);
	memset(job, 0, l->job_bytes);
	rq = (struct circe_hw_requant *)((char *)job + l->desc_bytes);
	err = circe_host_requant(l->what, l->entry, l->s_in, l->s_w, l->num_rq, l->s_out, rq);
	if (err)
		goto free_job;
	l->fill(job, rq, l->arg);
	err = circe_host_job_run(ctx, job, l->job_bytes, l->count, l->explain, l->arg, stats,
				 start);
free_job:
	free(job);
	return err;
}
