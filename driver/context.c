/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contexts, memory registration and job submission: start, wait for the
 * interrupt, answer faults through svm/, and turn the device's status into
 * an errno with a message that names the descriptor and the address.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"
#include "driver/device.h"
#include "driver/driver.h"
#include "svm/svm.h"

/* wait_irq is called in slices so that a job aborted by someone else's
 * reset (which raises no interrupt) is noticed before the timeout. */
#define CIRCE_CTX_WAIT_SLICE_US 100000u
/* Fault records answered per pass before the deadline is checked again. */
#define CIRCE_CTX_DRAIN_BATCH 64u

enum { CIRCE_CTX_TIMEOUT, CIRCE_CTX_DONE, CIRCE_CTX_ABORTED };

/* ---- contexts and memory -------------------------------------------- */

int circe_ctx_create(struct circe_dev *dev, struct circe_ctx **out)
{
	return circe_ctx_create_ex(dev, NULL, out);
}

int circe_ctx_create_ex(struct circe_dev *dev, const struct circe_ctx_options *opts,
			struct circe_ctx **out)
{
	uint32_t flags = opts ? opts->flags : 0;
	struct circe_ctx *ctx;
	int rc;

	if (!out)
		return circe_err(-EINVAL, "circe_ctx_create: out must not be NULL");
	*out = NULL;
	if (!dev)
		return circe_err(-EINVAL, "circe_ctx_create: NULL device");
	if (flags & ~CIRCE_CTX_ON_DEMAND)
		return circe_err(-EINVAL, "circe_ctx_create: unknown option flags 0x%x",
				 flags & ~CIRCE_CTX_ON_DEMAND);
	if (flags & CIRCE_CTX_ON_DEMAND) {
		rc = circe_dev_worker_start(dev);
		if (rc)
			return rc;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return circe_err(-ENOMEM, "circe_ctx_create: no memory for the context");
	rc = circe_svm_ctx_create_flags(
		dev->svm, (flags & CIRCE_CTX_ON_DEMAND) ? CIRCE_SVM_CTX_ON_DEMAND : 0, &ctx->svm);
	if (rc) {
		free(ctx);
		return rc;
	}
	ctx->dev = dev;
	pthread_mutex_lock(&dev->ctx_lock);
	ctx->next = dev->ctxs;
	dev->ctxs = ctx;
	pthread_mutex_unlock(&dev->ctx_lock);
	*out = ctx;
	return 0;
}

void circe_ctx_destroy(struct circe_ctx *ctx)
{
	struct circe_dev *dev;

	if (!ctx)
		return;
	dev = ctx->dev;
	pthread_mutex_lock(&dev->ctx_lock);
	for (struct circe_ctx **p = &dev->ctxs; *p; p = &(*p)->next)
		if (*p == ctx) {
			*p = ctx->next;
			break;
		}
	pthread_mutex_unlock(&dev->ctx_lock);
	/* Its ASID must not be reused while a job of this context still runs
	 * on the device; jobs hold job_lock from start to end. */
	pthread_mutex_lock(&dev->job_lock);
	circe_svm_ctx_destroy(ctx->svm);
	pthread_mutex_unlock(&dev->job_lock);
	free(ctx);
}

struct circe_dev *circe_ctx_dev(struct circe_ctx *ctx)
{
	return ctx ? ctx->dev : NULL;
}

struct circe_svm_ctx *circe_ctx_svm(struct circe_ctx *ctx)
{
	return ctx ? ctx->svm : NULL;
}

int circe_mem_register(struct circe_ctx *ctx, const void *va, size_t len, unsigned flags)
{
	if (!ctx)
		return circe_err(-EINVAL, "circe_mem_register: NULL context");
	if (flags & ~CIRCE_MEM_RW)
		return circe_err(-EINVAL, "circe_mem_register: unknown flag bits 0x%x",
				 flags & ~CIRCE_MEM_RW);
	return circe_svm_register(ctx->svm, va, len, flags);
}

int circe_mem_unregister(struct circe_ctx *ctx, const void *va, size_t len)
{
	if (!ctx)
		return circe_err(-EINVAL, "circe_mem_unregister: NULL context");
	return circe_svm_unregister(ctx->svm, va, len);
}

/* ---- job submission ------------------------------------------------- */

static const char *circe_ctx_illegal_reason(uint32_t detail)
{
	switch (detail) {
#define CIRCE_CTX_ILL_CASE_(name, code, desc) \
	case code:                            \
		return desc;
		CIRCE_HW_ILL_LIST(CIRCE_CTX_ILL_CASE_)
#undef CIRCE_CTX_ILL_CASE_
	default:
		return "reason unknown to this driver";
	}
}

static void circe_ctx_fault_words(uint32_t flags, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", (flags & CIRCE_HW_FAULT_WRITE) ? "write" : "read",
		 (flags & CIRCE_HW_FAULT_PERM) ? ", permission missing" : "",
		 (flags & CIRCE_HW_FAULT_NONCANON) ? ", VA beyond 48 bits" : "",
		 (flags & CIRCE_HW_FAULT_NOROOT) ? ", no page table for the ASID" : "");
}

/* Answer every queued fault: this context's through svm/, any other
 * ASID's (there should be none: jobs are serialized) with abort. *more is
 * set when records are left after one batch. */
static int circe_ctx_drain_faults(struct circe_ctx *ctx, bool *more, struct circe_ctx_abort *ab)
{
	struct circe_dev *dev = ctx->dev;
	uint16_t asid = circe_svm_ctx_asid(ctx->svm);
	int rc;

	*more = false;
	for (unsigned i = 0; i < CIRCE_CTX_DRAIN_BATCH; i++) {
		uint32_t st, lo, hi, resp = CIRCE_HW_FAULT_RESP_ABORT;

		if ((rc = circe_dev_reg_read(dev, CIRCE_REG_FAULT_STATUS, &st)))
			return rc;
		if (!(st & CIRCE_HW_FAULT_PENDING))
			return 0;
		if ((rc = circe_dev_reg_read(dev, CIRCE_REG_FAULT_VA_LO, &lo)) ||
		    (rc = circe_dev_reg_read(dev, CIRCE_REG_FAULT_VA_HI, &hi)))
			return rc;
		if (st >> CIRCE_HW_FAULT_ASID_SHIFT == asid &&
		    circe_svm_handle_fault(ctx->svm, (uint64_t)hi << 32 | lo,
					   st & CIRCE_HW_FAULT_WRITE) == 0)
			resp = CIRCE_HW_FAULT_RESP_RESUME;
		else
			*ab = (struct circe_ctx_abort){
				.valid = true,
				.flags = st & ((1u << CIRCE_HW_FAULT_ASID_SHIFT) - 1) &
					 ~CIRCE_HW_FAULT_PENDING,
				.asid = (uint16_t)(st >> CIRCE_HW_FAULT_ASID_SHIFT),
				.va = (uint64_t)hi << 32 | lo,
			};
		if ((rc = circe_dev_reg_write(dev, CIRCE_REG_FAULT_RESP, resp)))
			return rc;
	}
	*more = true;
	return 0;
}

/* ---- the fault worker ------------------------------------------------ */

static void circe_ctx_abs_time(double t, struct timespec *ts)
{
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Answer every queued fault through svm/ (by the record's ASID). Stops at
 * an empty queue or a register error (the job's waiter then times out or
 * sees the device's own status). */
static void circe_ctx_worker_drain(struct circe_dev *dev)
{
	struct circe_fault_worker *w = &dev->fw;

	for (;;) {
		uint32_t st, lo, hi, resp = CIRCE_HW_FAULT_RESP_RESUME;
		uint64_t va;
		uint16_t asid;
		double t0, t1;

		if (circe_dev_reg_read(dev, CIRCE_REG_FAULT_STATUS, &st) ||
		    !(st & CIRCE_HW_FAULT_PENDING) ||
		    circe_dev_reg_read(dev, CIRCE_REG_FAULT_VA_LO, &lo) ||
		    circe_dev_reg_read(dev, CIRCE_REG_FAULT_VA_HI, &hi))
			return;
		t0 = circe_dev_now();
		va = (uint64_t)hi << 32 | lo;
		asid = (uint16_t)(st >> CIRCE_HW_FAULT_ASID_SHIFT);
		if (circe_svm_handle_fault_asid(dev->svm, asid, va, st & CIRCE_HW_FAULT_WRITE)) {
			resp = CIRCE_HW_FAULT_RESP_ABORT;
			pthread_mutex_lock(&w->lock);
			w->ab = (struct circe_ctx_abort){
				.valid = true,
				.flags = st & ((1u << CIRCE_HW_FAULT_ASID_SHIFT) - 1) &
					 ~CIRCE_HW_FAULT_PENDING,
				.asid = asid,
				.va = va,
			};
			snprintf(w->ab.msg, sizeof(w->ab.msg), "%s", circe_errmsg());
			pthread_mutex_unlock(&w->lock);
		}
		t1 = circe_dev_now();
		if (resp == CIRCE_HW_FAULT_RESP_RESUME)
			circe_svm_record_fault_time(dev->svm, (uint64_t)((t1 - t0) * 1e9));
		if (circe_dev_reg_write(dev, CIRCE_REG_FAULT_RESP, resp))
			return;
	}
}

static void *circe_ctx_worker_main(void *arg)
{
	struct circe_dev *dev = arg;
	struct circe_fault_worker *w = &dev->fw;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		uint64_t seq;

		while (!w->stop && w->done == w->kicks)
			pthread_cond_wait(&w->kick_cv, &w->lock);
		if (w->stop)
			break;
		seq = w->kicks;
		pthread_mutex_unlock(&w->lock);
		circe_ctx_worker_drain(dev);
		pthread_mutex_lock(&w->lock);
		w->done = seq;
		pthread_cond_broadcast(&w->done_cv);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int circe_dev_worker_init(struct circe_dev *dev)
{
	struct circe_fault_worker *w = &dev->fw;
	pthread_condattr_t attr;

	memset(w, 0, sizeof(*w));
	if (pthread_condattr_init(&attr))
		return circe_err(-ENOMEM, "fault worker: no condition attributes");
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&w->lock, NULL))
		goto err_attr;
	if (pthread_cond_init(&w->kick_cv, NULL))
		goto err_lock;
	if (pthread_cond_init(&w->done_cv, &attr))
		goto err_kick;
	pthread_condattr_destroy(&attr);
	return 0;

err_kick:
	pthread_cond_destroy(&w->kick_cv);
err_lock:
	pthread_mutex_destroy(&w->lock);
err_attr:
	pthread_condattr_destroy(&attr);
	return circe_err(-ENOMEM, "fault worker: cannot initialize its locks");
}

int circe_dev_worker_start(struct circe_dev *dev)
{
	struct circe_fault_worker *w = &dev->fw;
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	if (!w->started) {
		w->stop = false;
		rc = -pthread_create(&w->thread, NULL, circe_ctx_worker_main, dev);
		if (rc)
			rc = circe_err(rc, "fault worker: cannot start its thread (%s)",
				       circe_strerror(rc));
		else
			w->started = true;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void circe_dev_worker_stop(struct circe_dev *dev)
{
	struct circe_fault_worker *w = &dev->fw;
	bool started;

	pthread_mutex_lock(&w->lock);
	started = w->started;
	w->stop = true;
	pthread_cond_broadcast(&w->kick_cv);
	pthread_mutex_unlock(&w->lock);
	if (started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void circe_dev_worker_fini(struct circe_dev *dev)
{
	pthread_cond_destroy(&dev->fw.done_cv);
	pthread_cond_destroy(&dev->fw.kick_cv);
	pthread_mutex_destroy(&dev->fw.lock);
}

/* Hand the queued faults to the worker and wait until it drained them (or
 * the job's deadline passed: the caller's loop then times the job out). */
static void circe_ctx_kick_worker(struct circe_dev *dev, double deadline)
{
	struct circe_fault_worker *w = &dev->fw;
	struct timespec until;
	uint64_t seq;

	circe_ctx_abs_time(deadline, &until);
	pthread_mutex_lock(&w->lock);
	seq = ++w->kicks;
	pthread_cond_signal(&w->kick_cv);
	while (w->done < seq && !w->stop)
		if (pthread_cond_timedwait(&w->done_cv, &w->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&w->lock);
}

/* The job ended (done interrupt): read the outcome and name it. */
static int circe_ctx_finish(struct circe_ctx *ctx, const struct circe_ctx_abort *ab,
			    const union circe_hw_desc *descs, uint32_t count,
			    struct circe_job_result *res)
{
	struct circe_dev *dev = ctx->dev;
	uint32_t status, idx, lo, hi, detail = 0;
	uint64_t va;
	char words[96];
	int rc;

	if ((rc = circe_dev_reg_read(dev, CIRCE_REG_STATUS, &status)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_ERR_INDEX, &idx)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_ERR_VA_LO, &lo)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_ERR_VA_HI, &hi)))
		return rc;
	va = (uint64_t)hi << 32 | lo;
	res->status = status & CIRCE_HW_STATUS_CODE_MASK;
	res->err_index = idx;
	res->fault_va = va;
	/* The reason lives in the descriptor's status block, which the device
	 * wrote back before raising done. */
	if (idx < count)
		detail = descs[idx].generic.status.detail;

	switch (res->status) {
	case CIRCE_HW_ST_OK:
		return 0;
	case CIRCE_HW_ST_FAULT: {
		char why[400] = "";
		/* The record and the status may name different bytes of the
		 * page (the RTL reports a burst's address in one, the first
		 * faulting byte in the other). */
		bool ours = ab->valid && ab->va >> CIRCE_HW_PAGE_SHIFT == va >> CIRCE_HW_PAGE_SHIFT;

		if (ours)
			detail = ab->flags;
		circe_ctx_fault_words(detail, words, sizeof(words));
		if (ours && ab->msg[0])
			snprintf(why, sizeof(why), ": %s", ab->msg);
		else if (ours && ab->asid != circe_svm_ctx_asid(ctx->svm))
			snprintf(why, sizeof(why), ": raised for ASID %u, not this job's",
				 ab->asid);
		else if (ours)
			snprintf(why, sizeof(why), ": not registered with this context for %s",
				 (detail & CIRCE_HW_FAULT_WRITE) ? "writing" : "reading");
		return circe_err(-EFAULT,
				 "descriptor %" PRIu32 ": translation fault at VA 0x%" PRIx64
				 " (%s)%s",
				 idx, va, words, why);
	}
	case CIRCE_HW_ST_ILLEGAL:
		return circe_err(-EINVAL,
				 "descriptor %" PRIu32 ": illegal descriptor (opcode %" PRIu32
				 "): %s (reason %" PRIu32 ")",
				 idx, idx < count ? descs[idx].head.opcode : 0,
				 circe_ctx_illegal_reason(detail), detail);
	case CIRCE_HW_ST_BUS_ERROR:
		/* A bus error may leave DMA engines mid-burst: start clean. */
		rc = circe_dev_reset(dev);
		return circe_err(-EIO, "descriptor %" PRIu32 ": bus error at VA 0x%" PRIx64 "; %s",
				 idx, va,
				 rc ? "resetting the device failed too" : "the device was reset");
	case CIRCE_HW_ST_RESET:
		return circe_err(
			-EIO, "descriptor %" PRIu32 ": the job was aborted by a device reset", idx);
	default:
		circe_dev_reset(dev);
		return circe_err(-EPROTO,
				 "descriptor %" PRIu32
				 ": the device reported unknown status %" PRIu32 "; it was reset",
				 idx, res->status);
	}
}

static int circe_ctx_validate(struct circe_ctx *ctx, const void *cmds, uint32_t count)
{
	if (!ctx)
		return circe_err(-EINVAL, "circe_ctx_submit: NULL context");
	if (!cmds)
		return circe_err(-EINVAL, "circe_ctx_submit: NULL command list");
	if (count == 0 || count > CIRCE_HW_MAX_CMD_COUNT)
		return circe_err(-EINVAL,
				 "circe_ctx_submit: %" PRIu32 " descriptors, expected 1 to %u",
				 count, CIRCE_HW_MAX_CMD_COUNT);
	if ((uintptr_t)cmds % CIRCE_HW_DESC_ALIGN)
		return circe_err(-EINVAL,
				 "circe_ctx_submit: command list %p is not %u-byte aligned", cmds,
				 CIRCE_HW_DESC_ALIGN);
	return 0;
}

static int circe_ctx_start(struct circe_dev *dev, const void *cmds, uint32_t count, uint16_t asid)
{
	uint64_t va = (uintptr_t)cmds;
	int rc;

	/* Stale ISR bits (a done latched after an earlier reset) would end
	 * this job before it started. */
	if ((rc = circe_dev_reg_write(dev, CIRCE_REG_ISR,
				      CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT)) ||
	    (rc = circe_dev_reg_write(dev, CIRCE_REG_CMD_VA_LO, (uint32_t)va)) ||
	    (rc = circe_dev_reg_write(dev, CIRCE_REG_CMD_VA_HI, (uint32_t)(va >> 32))) ||
	    (rc = circe_dev_reg_write(dev, CIRCE_REG_CMD_COUNT, count)) ||
	    (rc = circe_dev_reg_write(dev, CIRCE_REG_ASID, asid)))
		return rc;
	return circe_dev_reg_write(dev, CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
}

/* Wait for done, answering faults: CIRCE_CTX_DONE, CIRCE_CTX_TIMEOUT,
 * CIRCE_CTX_ABORTED (reset by someone else; message set) or a negative errno
 * from the backend. */
static int circe_ctx_wait(struct circe_ctx *ctx, double deadline, struct circe_ctx_abort *ab)
{
	struct circe_dev *dev = ctx->dev;
	bool on_demand = circe_svm_ctx_on_demand(ctx->svm);
	bool more = false;

	for (;;) {
		double left = deadline - circe_dev_now();
		uint32_t isr, status, idx;
		int wrc = 0, rc;

		if (left <= 0)
			return CIRCE_CTX_TIMEOUT;
		if (!more) {
			uint64_t us = (uint64_t)(left * 1e6) + 1;

			if (us > CIRCE_CTX_WAIT_SLICE_US)
				us = CIRCE_CTX_WAIT_SLICE_US;
			wrc = dev->ops->wait_irq(dev->state, us);
			if (wrc && wrc != -ETIMEDOUT)
				return wrc;
		}
		if ((rc = circe_dev_reg_read(dev, CIRCE_REG_ISR, &isr)))
			return rc;
		if ((isr & CIRCE_HW_IRQ_FAULT) &&
		    (rc = circe_dev_reg_write(dev, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT)))
			return rc;
		/* Clear first, then drain: a fault queued during the drain sets
		 * the bit again and is not lost. On-demand contexts: the worker
		 * drains, this thread waits for it. */
		if ((isr & CIRCE_HW_IRQ_FAULT) && on_demand)
			circe_ctx_kick_worker(dev, deadline);
		else if (((isr & CIRCE_HW_IRQ_FAULT) || more) &&
			 (rc = circe_ctx_drain_faults(ctx, &more, ab)))
			return rc;
		if (isr & CIRCE_HW_IRQ_DONE) {
			if ((rc = circe_dev_reg_write(dev, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE)))
				return rc;
			return CIRCE_CTX_DONE;
		}
		if (isr || more || wrc != -ETIMEDOUT)
			continue;
		/* Quiet slice: was the job reset under us? That raises nothing. */
		if ((rc = circe_dev_reg_read(dev, CIRCE_REG_STATUS, &status)))
			return rc;
		if (!(status & CIRCE_HW_STATUS_BUSY) &&
		    (status & CIRCE_HW_STATUS_CODE_MASK) == CIRCE_HW_ST_RESET) {
			idx = 0;
			circe_dev_reg_read(dev, CIRCE_REG_ERR_INDEX, &idx);
			circe_err(-EIO,
				  "descriptor %" PRIu32 ": the job was aborted by a device reset",
				  idx);
			return CIRCE_CTX_ABORTED;
		}
	}
}

static void circe_ctx_perf_delta(struct circe_dev *dev, const uint64_t before[CIRCE_PERF_COUNT],
				 struct circe_job_result *res)
{
	uint64_t after[CIRCE_PERF_COUNT];

	if (circe_dev_perf_read(dev, after))
		return;
	for (unsigned i = 0; i < CIRCE_PERF_COUNT; i++)
		res->perf[i] = after[i] - before[i];
}

int circe_ctx_submit(struct circe_ctx *ctx, const void *cmds, uint32_t count,
		     struct circe_job_result *res)
{
	struct circe_job_result local;
	struct circe_ctx_abort ab = { 0 };
	uint64_t before[CIRCE_PERF_COUNT];
	struct circe_dev *dev;
	double t0;
	unsigned timeout_ms;
	uint32_t status = 0;
	int rc, wrc;

	rc = circe_ctx_validate(ctx, cmds, count);
	if (rc)
		return rc;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	dev = ctx->dev;

	pthread_mutex_lock(&dev->job_lock);
	timeout_ms = circe_dev_timeout_ms(dev);
	t0 = circe_dev_now();
	rc = circe_dev_perf_read(dev, before);
	if (rc)
		goto out_unlock;
	if (circe_svm_ctx_on_demand(ctx->svm)) {
		pthread_mutex_lock(&dev->fw.lock);
		dev->fw.ab.valid = false;
		pthread_mutex_unlock(&dev->fw.lock);
	}
	rc = circe_ctx_start(dev, cmds, count, circe_svm_ctx_asid(ctx->svm));
	if (rc)
		goto out_reset;

	wrc = circe_ctx_wait(ctx, t0 + timeout_ms / 1000.0, &ab);
	res->wall_seconds = circe_dev_now() - t0;
	if (circe_svm_ctx_on_demand(ctx->svm)) {
		pthread_mutex_lock(&dev->fw.lock);
		if (dev->fw.ab.valid)
			ab = dev->fw.ab;
		pthread_mutex_unlock(&dev->fw.lock);
	}
	if (wrc == CIRCE_CTX_DONE) {
		circe_ctx_perf_delta(dev, before, res);
		rc = circe_ctx_finish(ctx, &ab, cmds, count, res);
		goto out_unlock;
	}
	if (wrc == CIRCE_CTX_ABORTED) {
		res->status = CIRCE_HW_ST_RESET;
		rc = -EIO;
		goto out_unlock;
	}
	if (wrc < 0) {
		rc = wrc;
		goto out_reset;
	}

	/* Timeout: counters first, the reset clears them. */
	circe_ctx_perf_delta(dev, before, res);
	rc = circe_dev_reset(dev);
	if (!circe_dev_reg_read(dev, CIRCE_REG_STATUS, &status))
		res->status = status & CIRCE_HW_STATUS_CODE_MASK;
	circe_dev_reg_read(dev, CIRCE_REG_ERR_INDEX, &res->err_index);
	rc = circe_err(-ETIMEDOUT, "job of %" PRIu32 " descriptors did not finish within %u ms; %s",
		       count, timeout_ms,
		       rc ? "resetting the device failed too" : "the device was reset");
	goto out_unlock;

out_reset:
	/* A register access failed mid-job: leave the device idle, keep the
	 * first error's message. */
	{
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", circe_errmsg());
		circe_dev_reset(dev);
		circe_err(rc, "%s", msg);
	}
out_unlock:
	pthread_mutex_unlock(&dev->job_lock);
	return rc;
}

void circe_job_stats_from_result(const struct circe_dev *dev, const struct circe_job_result *res,
				 struct circe_job_stats *stats)
{
	const uint64_t *p;

	if (!stats)
		return;
	memset(stats, 0, sizeof(*stats));
	if (!res)
		return;
	p = res->perf;
	stats->cycles_valid = dev && (dev->features & CIRCE_HW_FEAT_CYCLES);
	stats->cycles = p[CIRCE_PERF_CYCLES];
	stats->compute_cycles = p[CIRCE_PERF_COMPUTE_CYCLES];
	stats->macs = p[CIRCE_PERF_MACS];
	stats->dma_read_bytes = p[CIRCE_PERF_DMA_RD_BYTES];
	stats->dma_write_bytes = p[CIRCE_PERF_DMA_WR_BYTES];
	stats->tlb_l1_hits = p[CIRCE_PERF_TLB_L1_HITS];
	stats->tlb_l1_misses = p[CIRCE_PERF_TLB_L1_MISSES];
	stats->tlb_l2_hits = p[CIRCE_PERF_TLB_L2_HITS];
	stats->tlb_l2_misses = p[CIRCE_PERF_TLB_L2_MISSES];
	stats->walks = p[CIRCE_PERF_WALKS];
	stats->walk_cycles = p[CIRCE_PERF_WALK_CYCLES];
	stats->faults = p[CIRCE_PERF_FAULTS];
	stats->stall_cycles = p[CIRCE_PERF_STALL_CYCLES];
	stats->pte_reads = p[CIRCE_PERF_PTE_READS];
	stats->walk_cache_hits = p[CIRCE_PERF_WALK_CACHE_HITS];
	stats->descriptors = p[CIRCE_PERF_DESCRIPTORS];
	stats->wall_seconds = res->wall_seconds;
}
