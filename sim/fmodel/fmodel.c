/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functional model of the circe device.
 *
 * One instance = one register file + one device thread (the command
 * processor). The driver thread touches only registers; the device thread
 * runs jobs: it fetches descriptors by VA, translates every access by
 * walking the ASID's page table (no TLB: every 4 KiB piece of a transfer is
 * a walk), moves data by IOVA through the platform and computes with the
 * hw/hls kernels. Register state lives under one mutex; the device thread
 * drops it while it touches memory, and re-checks the reset generation at
 * every walk so that a RESET write aborts a job within one page of work.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/hw.h"
#include "common/error.h"
#include "driver/backend.h"
#include "hw/hls/circe_hls.h"
#include "sim/fmodel/fmodel.h"
#include "svm/platform.h"

#define CIRCE_FMODEL_FAULT_QUEUE 16u
#define CIRCE_FMODEL_MAX_BUS_ERRORS 8u
/* Rows of A per compute step: bounds the local A/Y buffers of a huge M. */
#define CIRCE_FMODEL_CHUNK_BYTES (1u << 20)

#define CIRCE_FMODEL_FEATURES                                                                 \
	(CIRCE_HW_FEAT_GEMM | CIRCE_HW_FEAT_INT4 | CIRCE_HW_FEAT_OUT16 | CIRCE_HW_FEAT_CIRC | \
	 CIRCE_HW_FEAT_LSTM | CIRCE_HW_FEAT_MEMENG | CIRCE_HW_FEAT_DEMAND_PAGING)

struct circe_fmodel_cfg {
	uint32_t rows, cols;
	uint32_t l1, l2sets, l2ways;
	uint32_t asids, walkers;
};

struct circe_fmodel_root {
	uint64_t iova;
	bool valid;
};

struct circe_fmodel_range {
	uint64_t lo, hi; /* [lo, hi) */
};

struct circe_fmodel_fault {
	struct circe_hw_fault_record rec;
	uint64_t seq;
};

struct circe_fmodel {
	struct circe_platform *plat;
	struct circe_fmodel_cfg cfg;

	pthread_mutex_t lock;
	pthread_cond_t work; /* device thread: start, fault answer, reset, stop */
	pthread_cond_t irq;  /* wait_irq: ISR, IER or GIE changed */
	pthread_t thread;
	bool stop;

	/* XRT control block and arguments */
	bool start_pending; /* ap_start written, not yet accepted */
	bool running;	    /* the device thread owns a job */
	bool ap_done, ap_ready;
	uint32_t gie, ier, isr;
	uint32_t mmu_mode; /* MMU_CTRL: read back, no effect (no TLB in the model) */
	uint64_t cmd_va;
	uint32_t cmd_count, asid;

	/* last job */
	uint32_t status_code, err_index;
	uint64_t err_va;
	bool fault_wait;

	/* MMU */
	uint32_t pt_sel, pt_root_hi;
	struct circe_fmodel_root *roots; /* [cfg.asids] */
	uint64_t inv_va;
	uint32_t inv_pages, inv_ack;
	/* Accesses of the device thread between the start of their walk and
	 * the end of their bus transfer. An invalidation is acknowledged only
	 * when none is left, as an IOMMU completes an invalidation only after
	 * the transactions that used the old translations: the host unpins
	 * right after the acknowledge. */
	unsigned xlat_busy;

	struct circe_fmodel_fault fq[CIRCE_FMODEL_FAULT_QUEUE];
	unsigned fq_head, fq_count;
	uint64_t fq_next_seq;
	uint32_t fq_resp[CIRCE_FMODEL_FAULT_QUEUE]; /* by seq % size; 0 = not answered */

	uint64_t perf[CIRCE_PERF_COUNT];

	/* Bumped by RESET (and close): a job started under an older generation
	 * is aborted at its next walk. */
	uint64_t gen;

	bool hang_armed;
	struct circe_fmodel_range buserr[CIRCE_FMODEL_MAX_BUS_ERRORS];
	unsigned n_buserr;
};

/* How one access, descriptor or job ended. */
struct circe_fmodel_res {
	uint32_t code; /* CIRCE_HW_ST_* */
	uint32_t detail;
	uint64_t va;
};

struct circe_fmodel_job {
	struct circe_fmodel *fm;
	uint32_t asid; /* the ASID register; >= cfg.asids has no root */
	uint64_t gen;
	bool hang;
};

/* ---- configuration -------------------------------------------------- */

struct circe_fmodel_opt {
	const char *key;
	size_t off;
	uint32_t lo, hi;
};

static const struct circe_fmodel_opt circe_fmodel_opts[] = {
	{ "rows", offsetof(struct circe_fmodel_cfg, rows), 1, 255 },
	{ "cols", offsetof(struct circe_fmodel_cfg, cols), 1, 255 },
	{ "l1", offsetof(struct circe_fmodel_cfg, l1), 1, 64 },
	{ "l2sets", offsetof(struct circe_fmodel_cfg, l2sets), 0, 65535 },
	{ "l2ways", offsetof(struct circe_fmodel_cfg, l2ways), 0, 255 },
	{ "asids", offsetof(struct circe_fmodel_cfg, asids), 1, 65535 },
	{ "walkers", offsetof(struct circe_fmodel_cfg, walkers), 1, 65535 },
};

static int circe_fmodel_parse_opt(struct circe_fmodel_cfg *cfg, char *tok)
{
	char *eq = strchr(tok, '='), *end;
	unsigned long long v;

	if (!eq)
		return circe_err(-EINVAL, "fmodel: option '%s' is not key=value", tok);
	*eq = '\0';
	for (size_t i = 0; i < sizeof(circe_fmodel_opts) / sizeof(circe_fmodel_opts[0]); i++) {
		const struct circe_fmodel_opt *o = &circe_fmodel_opts[i];

		if (strcmp(tok, o->key))
			continue;
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-')
			return circe_err(-EINVAL, "fmodel: %s='%s' is not a number", tok, eq + 1);
		if (v < o->lo || v > o->hi)
			return circe_err(-EINVAL,
					 "fmodel: %s=%llu is out of range [%" PRIu32 ", %" PRIu32
					 "]",
					 tok, v, o->lo, o->hi);
		*(uint32_t *)((char *)cfg + o->off) = (uint32_t)v;
		return 0;
	}
	return circe_err(
		-EINVAL,
		"fmodel: unknown option '%s' (known: rows, cols, l1, l2sets, l2ways, asids, "
		"walkers)",
		tok);
}

static int circe_fmodel_parse_args(const char *args, struct circe_fmodel_cfg *cfg)
{
	char *copy, *save = NULL, *tok;
	int rc = 0;

	*cfg = (struct circe_fmodel_cfg){
		.rows = CIRCE_HW_DEFAULT_ARRAY_ROWS,
		.cols = CIRCE_HW_DEFAULT_ARRAY_COLS,
		.l1 = CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
		.l2sets = CIRCE_HW_DEFAULT_TLB_L2_SETS,
		.l2ways = CIRCE_HW_DEFAULT_TLB_L2_WAYS,
		.asids = CIRCE_HW_DEFAULT_NUM_ASIDS,
		.walkers = CIRCE_HW_DEFAULT_WALKERS,
	};
	if (!args || !*args)
		return 0;
	copy = strdup(args);
	if (!copy)
		return circe_err(-ENOMEM, "fmodel: no memory for the options");
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
		rc = circe_fmodel_parse_opt(cfg, tok);
	free(copy);
	if (rc)
		return rc;
	if (cfg->l2sets & (cfg->l2sets - 1))
		return circe_err(-EINVAL, "fmodel: l2sets=%" PRIu32 " is not a power of two",
				 cfg->l2sets);
	if ((cfg->l2sets == 0) != (cfg->l2ways == 0))
		return circe_err(-EINVAL,
				 "fmodel: l2sets=%" PRIu32 " and l2ways=%" PRIu32
				 " disagree: both 0 (no L2 TLB) or neither",
				 cfg->l2sets, cfg->l2ways);
	return 0;
}

/* ---- bus ------------------------------------------------------------ */

static void circe_fmodel_perf_add(struct circe_fmodel *fm, unsigned id, uint64_t n)
{
	pthread_mutex_lock(&fm->lock);
	fm->perf[id] += n;
	pthread_mutex_unlock(&fm->lock);
}

static bool circe_fmodel_bus_injected(struct circe_fmodel *fm, uint64_t iova, size_t len)
{
	bool hit = false;

	pthread_mutex_lock(&fm->lock);
	for (unsigned i = 0; i < fm->n_buserr && !hit; i++)
		hit = iova < fm->buserr[i].hi && iova + len > fm->buserr[i].lo;
	pthread_mutex_unlock(&fm->lock);
	return hit;
}

/* 0, or -EIO for what the AXI master would see as SLVERR/DECERR. */
static int circe_fmodel_bus_read(struct circe_fmodel *fm, uint64_t iova, void *dst, size_t len)
{
	if (circe_fmodel_bus_injected(fm, iova, len) ||
	    circe_platform_read(fm->plat, iova, dst, len))
		return -EIO;
	circe_fmodel_perf_add(fm, CIRCE_PERF_DMA_RD_BYTES, len);
	return 0;
}

static int circe_fmodel_bus_write(struct circe_fmodel *fm, uint64_t iova, const void *src,
				  size_t len)
{
	if (circe_fmodel_bus_injected(fm, iova, len) ||
	    circe_platform_write(fm->plat, iova, src, len))
		return -EIO;
	circe_fmodel_perf_add(fm, CIRCE_PERF_DMA_WR_BYTES, len);
	return 0;
}

/* ---- MMU ------------------------------------------------------------ */

static bool circe_fmodel_aborted(struct circe_fmodel_job *job)
{
	bool aborted;

	pthread_mutex_lock(&job->fm->lock);
	aborted = job->fm->gen != job->gen;
	pthread_mutex_unlock(&job->fm->lock);
	return aborted;
}

/* One walk: CIRCE_HW_ST_OK with *iova, CIRCE_HW_ST_FAULT with *flags, or
 * CIRCE_HW_ST_BUS_ERROR when a page-table read failed. */
static uint32_t circe_fmodel_walk(struct circe_fmodel_job *job, uint64_t va, bool write,
				  uint64_t *iova, uint32_t *flags)
{
	struct circe_fmodel *fm = job->fm;
	struct circe_fmodel_root root = { 0 };
	uint64_t table;

	*flags = write ? CIRCE_HW_FAULT_WRITE : 0;
	pthread_mutex_lock(&fm->lock);
	fm->perf[CIRCE_PERF_WALKS]++;
	if (job->asid < fm->cfg.asids)
		root = fm->roots[job->asid];
	pthread_mutex_unlock(&fm->lock);

	if (va >> CIRCE_HW_VA_BITS) {
		*flags |= CIRCE_HW_FAULT_NONCANON;
		return CIRCE_HW_ST_FAULT;
	}
	if (!root.valid) {
		*flags |= CIRCE_HW_FAULT_NOROOT;
		return CIRCE_HW_ST_FAULT;
	}
	table = root.iova;
	for (int level = CIRCE_HW_PT_LEVELS - 1; level >= 0; level--) {
		uint64_t pte_iova = table + 8u * CIRCE_HW_PT_INDEX(va, level);
		circe_hw_pte_t pte;

		if (circe_fmodel_bus_read(fm, pte_iova, &pte, sizeof(pte)))
			return CIRCE_HW_ST_BUS_ERROR;
		circe_fmodel_perf_add(fm, CIRCE_PERF_PTE_READS, 1);
		if (!(pte & CIRCE_HW_PTE_VALID))
			return CIRCE_HW_ST_FAULT;
		if (level == 0 || (pte & CIRCE_HW_PTE_LEAF)) {
			uint64_t span = 1ull << CIRCE_HW_PT_LEVEL_SHIFT(level);

			if (level == CIRCE_HW_PT_LEVELS - 1)
				return CIRCE_HW_ST_FAULT; /* no 512 GiB pages */
			if (!(pte & (write ? CIRCE_HW_PTE_WRITE : CIRCE_HW_PTE_READ))) {
				*flags |= CIRCE_HW_FAULT_PERM;
				return CIRCE_HW_ST_FAULT;
			}
			/* Address bits below the page size are ignored, as in the
			 * RTL walker. */
			*iova = (pte & CIRCE_HW_PTE_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
			return CIRCE_HW_ST_OK;
		}
		table = pte & CIRCE_HW_PTE_ADDR_MASK;
	}
	return CIRCE_HW_ST_FAULT; /* not reached: level 0 always ends the walk */
}

/* Push a fault record and wait for the host's answer: RESUME, ABORT, or
 * 0 when a reset (or close) ended the job. */
static uint32_t circe_fmodel_fault_wait(struct circe_fmodel_job *job, uint64_t va, uint32_t flags)
{
	struct circe_fmodel *fm = job->fm;
	uint32_t resp = 0;
	uint64_t seq;
	unsigned slot;

	pthread_mutex_lock(&fm->lock);
	/* One device thread has at most one record outstanding, so the queue
	 * cannot be full; the wait below covers a future with more walkers. */
	while (fm->gen == job->gen && fm->fq_count == CIRCE_FMODEL_FAULT_QUEUE)
		pthread_cond_wait(&fm->work, &fm->lock);
	if (fm->gen != job->gen)
		goto out;
	seq = fm->fq_next_seq++;
	slot = (unsigned)(seq % CIRCE_FMODEL_FAULT_QUEUE);
	fm->fq_resp[slot] = 0;
	fm->fq[(fm->fq_head + fm->fq_count) % CIRCE_FMODEL_FAULT_QUEUE] =
		(struct circe_fmodel_fault){
			.rec = { .va = va, .flags = flags, .asid = (uint16_t)job->asid },
			.seq = seq,
		};
	fm->fq_count++;
	fm->perf[CIRCE_PERF_FAULTS]++;
	fm->isr |= CIRCE_HW_IRQ_FAULT;
	fm->fault_wait = true;
	pthread_cond_broadcast(&fm->irq);
	while (fm->gen == job->gen && !fm->fq_resp[slot])
		pthread_cond_wait(&fm->work, &fm->lock);
	if (fm->gen == job->gen)
		resp = fm->fq_resp[slot];
	fm->fault_wait = false;
out:
	pthread_mutex_unlock(&fm->lock);
	return resp;
}

/* Translate one access, raising faults until it maps, is aborted, or hits a
 * bus error. */
static void circe_fmodel_xlat_begin(struct circe_fmodel *fm)
{
	pthread_mutex_lock(&fm->lock);
	fm->xlat_busy++;
	pthread_mutex_unlock(&fm->lock);
}

static void circe_fmodel_xlat_end(struct circe_fmodel *fm)
{
	pthread_mutex_lock(&fm->lock);
	if (--fm->xlat_busy == 0)
		pthread_cond_broadcast(&fm->work); /* an invalidation may wait */
	pthread_mutex_unlock(&fm->lock);
}

/* On 0 the access is counted in xlat_busy until circe_fmodel_xlat_end. */
static int circe_fmodel_translate(struct circe_fmodel_job *job, uint64_t va, bool write,
				  uint64_t *iova, struct circe_fmodel_res *res)
{
	for (;;) {
		uint32_t flags, st, resp;

		if (circe_fmodel_aborted(job)) {
			*res = (struct circe_fmodel_res){ CIRCE_HW_ST_RESET, 0, va };
			return -1;
		}
		circe_fmodel_xlat_begin(job->fm);
		st = circe_fmodel_walk(job, va, write, iova, &flags);
		if (st == CIRCE_HW_ST_OK)
			return 0;
		/* Not while waiting for the host: it may invalidate first. */
		circe_fmodel_xlat_end(job->fm);
		if (st == CIRCE_HW_ST_BUS_ERROR) {
			*res = (struct circe_fmodel_res){ CIRCE_HW_ST_BUS_ERROR, 0, va };
			return -1;
		}
		resp = circe_fmodel_fault_wait(job, va, flags);
		if (resp == CIRCE_HW_FAULT_RESP_RESUME)
			continue;
		if (resp == CIRCE_HW_FAULT_RESP_ABORT)
			*res = (struct circe_fmodel_res){ CIRCE_HW_ST_FAULT, flags, va };
		else
			*res = (struct circe_fmodel_res){ CIRCE_HW_ST_RESET, 0, va };
		return -1;
	}
}

/* ---- DMA by VA ------------------------------------------------------ */

/* Copy len bytes between VA space and buf, one 4 KiB page at a time (each
 * piece its own translation). 0, or -1 with *res saying why. */
static int circe_fmodel_dma(struct circe_fmodel_job *job, uint64_t va, void *buf, size_t len,
			    bool write, struct circe_fmodel_res *res)
{
	uint8_t *p = buf;

	while (len) {
		size_t piece = CIRCE_HW_PAGE_SIZE - (va & (CIRCE_HW_PAGE_SIZE - 1));
		uint64_t iova;
		int rc;

		if (piece > len)
			piece = len;
		if (circe_fmodel_translate(job, va, write, &iova, res))
			return -1;
		rc = write ? circe_fmodel_bus_write(job->fm, iova, p, piece)
			   : circe_fmodel_bus_read(job->fm, iova, p, piece);
		circe_fmodel_xlat_end(job->fm);
		if (rc) {
			*res = (struct circe_fmodel_res){ CIRCE_HW_ST_BUS_ERROR, 0, va };
			return -1;
		}
		va += piece;
		p += piece;
		len -= piece;
	}
	return 0;
}

/* rows of row_bytes each, stride apart in VA space, packed in buf. The gaps
 * between rows are never touched: a strided view need not own them. */
static int circe_fmodel_dma_rows(struct circe_fmodel_job *job, uint64_t va, uint64_t stride,
				 size_t rows, size_t row_bytes, void *buf, bool write,
				 struct circe_fmodel_res *res)
{
	uint8_t *p = buf;

	if (stride == row_bytes)
		return circe_fmodel_dma(job, va, buf, rows * row_bytes, write, res);
	for (size_t r = 0; r < rows; r++)
		if (circe_fmodel_dma(job, va + r * stride, p + r * row_bytes, row_bytes, write,
				     res))
			return -1;
	return 0;
}

/* ---- commands ------------------------------------------------------- */

static void circe_fmodel_gemm(struct circe_fmodel_job *job, const struct circe_hw_desc_gemm *d,
			      struct circe_fmodel_res *res)
{
	struct circe_hw_desc_gemm l = *d; /* the descriptor on packed local buffers */
	size_t esize = (d->flags & CIRCE_HW_GEMM_OUT16) ? 2 : 1;
	size_t wrow = (d->flags & CIRCE_HW_GEMM_INT4) ? (d->k + 1) / 2 : d->k;
	size_t yrow = (size_t)d->n * esize;
	size_t nrq = (d->flags & CIRCE_HW_GEMM_PER_CHANNEL) ? d->n : 1;
	size_t widest = yrow > d->k ? yrow : d->k;
	size_t chunk = CIRCE_FMODEL_CHUNK_BYTES / widest;
	uint8_t *w, *a = NULL, *y = NULL;
	int32_t *bias = NULL;
	struct circe_hw_requant *rq = NULL;
	uint32_t ill = circe_hls_gemm_check(d);

	if (ill) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		return;
	}
	if (chunk == 0)
		chunk = 1;
	if (chunk > d->m)
		chunk = d->m;
	l.lda = d->k;
	l.ldw = (uint32_t)wrow;
	l.ldy = (uint32_t)yrow;

	w = malloc((size_t)d->n * wrow);
	rq = malloc(nrq * sizeof(*rq));
	if (d->flags & CIRCE_HW_GEMM_BIAS)
		bias = malloc((size_t)d->n * sizeof(*bias));
	a = malloc(chunk * d->k);
	y = malloc(chunk * yrow);
	if (!w || !rq || !a || !y || ((d->flags & CIRCE_HW_GEMM_BIAS) && !bias)) {
		/* The model holds W whole; a GEMM too big for host memory is
		 * beyond its limits, as a dimension above the RTL's would be. */
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_DIMS, 0 };
		goto out_free;
	}

	/* Weight-stationary: weights and per-channel tables first, then A
	 * streams through in row chunks. */
	if (circe_fmodel_dma_rows(job, d->w_va, d->ldw, d->n, wrow, w, false, res) ||
	    (bias && circe_fmodel_dma(job, d->bias_va, bias, d->n * sizeof(*bias), false, res)) ||
	    circe_fmodel_dma(job, d->rq_va, rq, nrq * sizeof(*rq), false, res))
		goto out_free;
	/* The requant table is data, so it is checked once fetched. */
	ill = circe_hls_requant_check(rq, (uint32_t)nrq);
	if (ill) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		goto out_free;
	}
	for (size_t r0 = 0; r0 < d->m; r0 += chunk) {
		size_t rows = d->m - r0 < chunk ? d->m - r0 : chunk;

		if (circe_fmodel_dma_rows(job, d->a_va + r0 * d->lda, d->lda, rows, d->k, a, false,
					  res))
			goto out_free;
		l.m = (uint32_t)rows;
		circe_hls_gemm(&l, (const int8_t *)a, w, bias, rq, y);
		if (circe_fmodel_dma_rows(job, d->y_va + r0 * d->ldy, d->ldy, rows, yrow, y, true,
					  res))
			goto out_free;
	}
	circe_fmodel_perf_add(job->fm, CIRCE_PERF_MACS, (uint64_t)d->m * d->k * d->n);
	*res = (struct circe_fmodel_res){ CIRCE_HW_ST_OK, 0, 0 };
out_free:
	free(y);
	free(a);
	free(bias);
	free(rq);
	free(w);
}

/* CIRC in hw.h's access order: requant table (checked), bias, W, then x
 * and y by chunks of batch vectors (x of the chunk, then its y). */
static void circe_fmodel_circ(struct circe_fmodel_job *job, const struct circe_hw_desc_circ *d,
			      struct circe_fmodel_res *res)
{
	struct circe_hw_desc_circ l = *d; /* the descriptor on packed local buffers */
	uint32_t ill = circe_hls_circ_check(d);
	size_t k, p, wrow, yrow, nrq, widest, chunk;
	int8_t *w = NULL, *x = NULL;
	uint8_t *y = NULL;
	int32_t *bias = NULL;
	struct circe_hw_requant *rq = NULL;
	bool has_bias = (d->flags & CIRCE_HW_CIRC_BIAS) != 0;

	if (ill) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		return;
	}
	k = d->k;
	p = d->n_out / k;
	wrow = (d->n_in + k - 1) / k * k;
	yrow = (size_t)d->n_out * ((d->flags & CIRCE_HW_CIRC_OUT16) ? 2 : 1);
	nrq = (d->flags & CIRCE_HW_CIRC_PER_BLOCK) ? p : 1;
	widest = yrow > d->n_in ? yrow : d->n_in;
	chunk = CIRCE_FMODEL_CHUNK_BYTES / widest;
	if (chunk == 0)
		chunk = 1;
	if (chunk > d->batch)
		chunk = d->batch;
	l.ldw = (uint32_t)wrow;
	l.ldx = d->n_in;
	l.ldy = (uint32_t)yrow;

	rq = malloc(nrq * sizeof(*rq));
	if (has_bias)
		bias = malloc((size_t)d->n_out * sizeof(*bias));
	w = malloc(p * wrow);
	x = malloc(chunk * d->n_in);
	y = malloc(chunk * yrow);
	if (!rq || (has_bias && !bias) || !w || !x || !y) {
		/* As for GEMM: W too big for host memory is beyond the model. */
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_DIMS, 0 };
		goto out_free;
	}
	if (circe_fmodel_dma(job, d->rq_va, rq, nrq * sizeof(*rq), false, res))
		goto out_free;
	ill = circe_hls_requant_check(rq, (uint32_t)nrq);
	if (ill) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		goto out_free;
	}
	if ((bias &&
	     circe_fmodel_dma(job, d->bias_va, bias, d->n_out * sizeof(*bias), false, res)) ||
	    circe_fmodel_dma_rows(job, d->w_va, d->ldw, p, wrow, w, false, res))
		goto out_free;
	for (size_t b0 = 0; b0 < d->batch; b0 += chunk) {
		size_t rows = d->batch - b0 < chunk ? d->batch - b0 : chunk;

		if (circe_fmodel_dma_rows(job, d->x_va + b0 * d->ldx, d->ldx, rows, d->n_in, x,
					  false, res))
			goto out_free;
		l.batch = (uint32_t)rows;
		circe_hls_circ(&l, w, x, bias, rq, y);
		if (circe_fmodel_dma_rows(job, d->y_va + b0 * d->ldy, d->ldy, rows, yrow, y, true,
					  res))
			goto out_free;
	}
	/* The array's multiply-accumulates: k lanes times q * k weights per
	 * block row, the zero inputs past n_in included (they occupy it). */
	circe_fmodel_perf_add(job->fm, CIRCE_PERF_MACS, (uint64_t)d->batch * d->n_out * wrow);
	*res = (struct circe_fmodel_res){ CIRCE_HW_ST_OK, 0, 0 };
out_free:
	free(y);
	free(x);
	free(w);
	free(bias);
	free(rq);
}

/* LSTM in hw.h's access order: gx, gh, c_in read whole, then c_out and h
 * written. hidden <= 16384 bounds the buffers at 320 KiB. Element-wise:
 * nothing is added to MACS. */
static void circe_fmodel_lstm(struct circe_fmodel_job *job, const struct circe_hw_desc_lstm *d,
			      struct circe_fmodel_res *res)
{
	uint32_t ill = circe_hls_lstm_check(d);
	bool no_gh = (d->flags & CIRCE_HW_LSTM_NO_GH) != 0;
	size_t n, gbytes;
	int16_t *gx = NULL, *gh = NULL, *c = NULL;
	int8_t *h = NULL;

	if (ill) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		return;
	}
	n = d->hidden;
	gbytes = 4 * n * sizeof(int16_t);
	gx = malloc(gbytes);
	if (!no_gh)
		gh = malloc(gbytes);
	c = malloc(n * sizeof(int16_t));
	h = malloc(n);
	if (!gx || (!no_gh && !gh) || !c || !h) {
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_DIMS, 0 };
		goto out_free;
	}
	/* Memory is little-endian, as this host: int16 arrays move as bytes. */
	if (circe_fmodel_dma(job, d->gx_va, gx, gbytes, false, res) ||
	    (gh && circe_fmodel_dma(job, d->gh_va, gh, gbytes, false, res)) ||
	    circe_fmodel_dma(job, d->c_in_va, c, n * sizeof(int16_t), false, res))
		goto out_free;
	circe_hls_lstm(d, gx, gh, c, c, h);
	if (circe_fmodel_dma(job, d->c_out_va, c, n * sizeof(int16_t), true, res) ||
	    circe_fmodel_dma(job, d->h_va, h, n, true, res))
		goto out_free;
	*res = (struct circe_fmodel_res){ CIRCE_HW_ST_OK, 0, 0 };
out_free:
	free(h);
	free(c);
	free(gh);
	free(gx);
}

/* The memory port of the hw/hls memory-engine reference: every access
 * translated and moved like a GEMM operand; the first failure is kept. */
struct circe_fmodel_memport {
	struct circe_fmodel_job *job;
	struct circe_fmodel_res *res;
};

static int circe_fmodel_memport_read(void *ctx, uint64_t va, void *dst, uint32_t len)
{
	struct circe_fmodel_memport *mp = ctx;

	return circe_fmodel_dma(mp->job, va, dst, len, false, mp->res);
}

static int circe_fmodel_memport_write(void *ctx, uint64_t va, const void *src, uint32_t len)
{
	struct circe_fmodel_memport *mp = ctx;

	/* circe_fmodel_dma moves both ways through one non-const buffer; a
	 * write only reads it. */
	return circe_fmodel_dma(mp->job, va, (void *)(uintptr_t)src, len, true, mp->res);
}

static void circe_fmodel_memeng(struct circe_fmodel_job *job, const union circe_hw_desc *d,
				struct circe_fmodel_res *res)
{
	struct circe_fmodel_memport mp = { job, res };
	struct circe_hls_mem mem = { circe_fmodel_memport_read, circe_fmodel_memport_write, &mp };
	uint32_t rc = circe_hls_memeng(d, &mem);

	if (rc == CIRCE_HLS_MEMENG_STOPPED)
		return; /* *res says why */
	if (rc)
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, rc, 0 };
	else
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_OK, 0, 0 };
}

/* Run descriptor i of the job. Returns its outcome; the status block has
 * been written back unless the descriptor could not be fetched, the job was
 * reset, or the write-back itself failed (then that failure is returned). */
static struct circe_fmodel_res circe_fmodel_desc(struct circe_fmodel_job *job, uint64_t dva)
{
	struct circe_fmodel_res res = { CIRCE_HW_ST_OK, 0, 0 }, wres;
	union circe_hw_desc d;
	struct circe_hw_status st;

	if (circe_fmodel_dma(job, dva, &d, sizeof(d), false, &res))
		return res;
	switch (d.head.opcode) {
	case CIRCE_HW_OP_NOP:
	case CIRCE_HW_OP_FENCE:
		/* Writes complete in order in this model, so a fence has nothing
		 * to wait for. */
		break;
	case CIRCE_HW_OP_GEMM:
		circe_fmodel_gemm(job, &d.gemm, &res);
		break;
	case CIRCE_HW_OP_CIRC:
		circe_fmodel_circ(job, &d.circ, &res);
		break;
	case CIRCE_HW_OP_LSTM:
		circe_fmodel_lstm(job, &d.lstm, &res);
		break;
	case CIRCE_HW_OP_COPY:
	case CIRCE_HW_OP_PCHASE:
	case CIRCE_HW_OP_SPMV:
	case CIRCE_HW_OP_FOREST:
		circe_fmodel_memeng(job, &d, &res);
		break;
	default:
		res = (struct circe_fmodel_res){ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_OPCODE, 0 };
		break;
	}
	if (res.code == CIRCE_HW_ST_RESET)
		return res;
	st = (struct circe_hw_status){ .code = res.code, .detail = res.detail };
	if (res.code == CIRCE_HW_ST_FAULT || res.code == CIRCE_HW_ST_BUS_ERROR)
		st.fault_va = res.va;
	if (circe_fmodel_dma(job, dva + CIRCE_HW_STATUS_OFFSET, &st, sizeof(st), true, &wres))
		return wres;
	return res;
}

static void circe_fmodel_run(struct circe_fmodel_job *job, uint64_t cmd_va, uint32_t count,
			     struct circe_fmodel_res *res, uint32_t *index)
{
	*res = (struct circe_fmodel_res){ CIRCE_HW_ST_OK, 0, 0 };
	*index = count ? count - 1 : 0;
	if (job->hang) {
		struct circe_fmodel *fm = job->fm;

		pthread_mutex_lock(&fm->lock);
		while (fm->gen == job->gen)
			pthread_cond_wait(&fm->work, &fm->lock);
		pthread_mutex_unlock(&fm->lock);
		*res = (struct circe_fmodel_res){ CIRCE_HW_ST_RESET, 0, 0 };
		*index = 0;
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		*res = circe_fmodel_desc(job, cmd_va + (uint64_t)i * CIRCE_HW_DESC_BYTES);
		if (res->code != CIRCE_HW_ST_OK) {
			*index = i;
			return;
		}
		circe_fmodel_perf_add(job->fm, CIRCE_PERF_DESCRIPTORS, 1);
	}
}

static void *circe_fmodel_thread(void *arg)
{
	struct circe_fmodel *fm = arg;

	pthread_mutex_lock(&fm->lock);
	for (;;) {
		struct circe_fmodel_job job = { .fm = fm };
		struct circe_fmodel_res res;
		uint64_t cmd_va;
		uint32_t count, index;

		while (!fm->stop && !fm->start_pending)
			pthread_cond_wait(&fm->work, &fm->lock);
		if (fm->stop)
			break;
		fm->start_pending = false;
		fm->running = true;
		job.asid = fm->asid;
		job.gen = fm->gen;
		job.hang = fm->hang_armed;
		fm->hang_armed = false;
		cmd_va = fm->cmd_va;
		count = fm->cmd_count;
		pthread_mutex_unlock(&fm->lock);

		circe_fmodel_run(&job, cmd_va, count, &res, &index);

		pthread_mutex_lock(&fm->lock);
		fm->running = false;
		fm->err_index = index;
		if (fm->gen != job.gen) {
			/* Reset already cleared ISR; an aborted job raises nothing. */
			fm->status_code = CIRCE_HW_ST_RESET;
			fm->err_va = 0;
			continue;
		}
		fm->status_code = res.code;
		fm->err_va = (res.code == CIRCE_HW_ST_FAULT || res.code == CIRCE_HW_ST_BUS_ERROR)
				     ? res.va
				     : 0;
		fm->ap_done = true;
		fm->ap_ready = true;
		fm->isr |= CIRCE_HW_IRQ_DONE;
		pthread_cond_broadcast(&fm->irq);
	}
	pthread_mutex_unlock(&fm->lock);
	return NULL;
}

/* ---- registers ------------------------------------------------------ */

static void circe_fmodel_reset_locked(struct circe_fmodel *fm)
{
	fm->gen++;
	if (fm->start_pending) {
		fm->start_pending = false;
		fm->status_code = CIRCE_HW_ST_RESET;
	}
	fm->fq_count = 0;
	fm->fq_head = 0;
	fm->fault_wait = false;
	fm->isr = 0;
	fm->ap_done = false;
	fm->ap_ready = false;
	memset(fm->perf, 0, sizeof(fm->perf));
	pthread_cond_broadcast(&fm->work);
	pthread_cond_broadcast(&fm->irq);
}

static uint32_t circe_fmodel_read_locked(struct circe_fmodel *fm, uint32_t off)
{
	const struct circe_hw_fault_record *head = &fm->fq[fm->fq_head].rec;
	bool busy = fm->start_pending || fm->running;
	uint32_t v;

	if (off >= CIRCE_REG_PERF_BASE && off < CIRCE_REG_PERF_BASE + 8u * CIRCE_PERF_COUNT) {
		uint64_t c = fm->perf[(off - CIRCE_REG_PERF_BASE) / 8u];

		return (off & 4u) ? (uint32_t)(c >> 32) : (uint32_t)c;
	}
	switch (off) {
	case CIRCE_REG_CTRL:
		v = (fm->start_pending ? CIRCE_HW_CTRL_AP_START : 0) |
		    (fm->ap_done ? CIRCE_HW_CTRL_AP_DONE : 0) | (busy ? 0 : CIRCE_HW_CTRL_AP_IDLE) |
		    (fm->ap_ready ? CIRCE_HW_CTRL_AP_READY : 0);
		/* XRT semantics: ap_done and ap_ready clear on read; ISR keeps
		 * the latched done. */
		fm->ap_done = false;
		fm->ap_ready = false;
		return v;
	case CIRCE_REG_GIE:
		return fm->gie;
	case CIRCE_REG_IER:
		return fm->ier;
	case CIRCE_REG_ISR:
		return fm->isr;
	case CIRCE_REG_CMD_VA_LO:
		return (uint32_t)fm->cmd_va;
	case CIRCE_REG_CMD_VA_HI:
		return (uint32_t)(fm->cmd_va >> 32);
	case CIRCE_REG_CMD_COUNT:
		return fm->cmd_count;
	case CIRCE_REG_ASID:
		return fm->asid;
	case CIRCE_REG_MAGIC:
		return CIRCE_HW_MAGIC;
	case CIRCE_REG_VERSION:
		return CIRCE_HW_VERSION;
	case CIRCE_REG_ARRAY:
		return fm->cfg.rows | fm->cfg.cols << 8;
	case CIRCE_REG_TLB_L1:
		return fm->cfg.l1;
	case CIRCE_REG_TLB_L2:
		return fm->cfg.l2sets | fm->cfg.l2ways << 16;
	case CIRCE_REG_NUM_ASIDS:
		return fm->cfg.asids;
	case CIRCE_REG_FEATURES:
		return CIRCE_FMODEL_FEATURES;
	case CIRCE_REG_WALKERS:
		return fm->cfg.walkers;
	case CIRCE_REG_STATUS:
		return fm->status_code | (busy ? CIRCE_HW_STATUS_BUSY : 0) |
		       (fm->fault_wait ? CIRCE_HW_STATUS_FAULT_WAIT : 0);
	case CIRCE_REG_ERR_INDEX:
		return fm->err_index;
	case CIRCE_REG_ERR_VA_LO:
		return (uint32_t)fm->err_va;
	case CIRCE_REG_ERR_VA_HI:
		return (uint32_t)(fm->err_va >> 32);
	case CIRCE_REG_PT_ASID_SEL:
		return fm->pt_sel;
	case CIRCE_REG_PT_ROOT_LO:
		if (fm->pt_sel >= fm->cfg.asids)
			return 0;
		return (uint32_t)fm->roots[fm->pt_sel].iova |
		       (fm->roots[fm->pt_sel].valid ? CIRCE_HW_PT_ROOT_VALID : 0);
	case CIRCE_REG_PT_ROOT_HI:
		if (fm->pt_sel >= fm->cfg.asids)
			return 0;
		return (uint32_t)(fm->roots[fm->pt_sel].iova >> 32);
	case CIRCE_REG_INV_VA_LO:
		return (uint32_t)fm->inv_va;
	case CIRCE_REG_INV_VA_HI:
		return (uint32_t)(fm->inv_va >> 32);
	case CIRCE_REG_INV_PAGES:
		return fm->inv_pages;
	case CIRCE_REG_INV_ACK:
		return fm->inv_ack;
	case CIRCE_REG_MMU_CTRL:
		return fm->mmu_mode;
	case CIRCE_REG_FAULT_STATUS:
		if (!fm->fq_count)
			return 0;
		return CIRCE_HW_FAULT_PENDING | head->flags |
		       (uint32_t)head->asid << CIRCE_HW_FAULT_ASID_SHIFT;
	case CIRCE_REG_FAULT_VA_LO:
		return fm->fq_count ? (uint32_t)head->va : 0;
	case CIRCE_REG_FAULT_VA_HI:
		return fm->fq_count ? (uint32_t)(head->va >> 32) : 0;
	default:
		return 0; /* write-only and unassigned offsets read as zero */
	}
}

static void circe_fmodel_write_locked(struct circe_fmodel *fm, uint32_t off, uint32_t val)
{
	switch (off) {
	case CIRCE_REG_CTRL:
		/* ap_start is taken only when idle; AUTO_RESTART is not
		 * modelled. */
		if ((val & CIRCE_HW_CTRL_AP_START) && !fm->start_pending && !fm->running) {
			fm->start_pending = true;
			fm->ap_done = false;
			fm->ap_ready = false;
			fm->status_code = CIRCE_HW_ST_PENDING;
			fm->err_index = 0;
			fm->err_va = 0;
			pthread_cond_broadcast(&fm->work);
		}
		break;
	case CIRCE_REG_MMU_CTRL:
		fm->mmu_mode = val & CIRCE_HW_MMU_MODE_MASK;
		break;
	case CIRCE_REG_GIE:
		fm->gie = val & 1u;
		pthread_cond_broadcast(&fm->irq);
		break;
	case CIRCE_REG_IER:
		fm->ier = val & (CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT);
		pthread_cond_broadcast(&fm->irq);
		break;
	case CIRCE_REG_ISR:
		fm->isr &= ~val;
		break;
	case CIRCE_REG_CMD_VA_LO:
		fm->cmd_va = (fm->cmd_va & ~0xFFFFFFFFull) | val;
		break;
	case CIRCE_REG_CMD_VA_HI:
		fm->cmd_va = (fm->cmd_va & 0xFFFFFFFFull) | (uint64_t)val << 32;
		break;
	case CIRCE_REG_CMD_COUNT:
		fm->cmd_count = val;
		break;
	case CIRCE_REG_ASID:
		fm->asid = val;
		break;
	case CIRCE_REG_RESET:
		if (val & 1u)
			circe_fmodel_reset_locked(fm);
		break;
	case CIRCE_REG_PT_ASID_SEL:
		fm->pt_sel = val;
		break;
	case CIRCE_REG_PT_ROOT_HI:
		fm->pt_root_hi = val;
		break;
	case CIRCE_REG_PT_ROOT_LO:
		if (fm->pt_sel < fm->cfg.asids)
			fm->roots[fm->pt_sel] = (struct circe_fmodel_root){
				.iova = (uint64_t)fm->pt_root_hi << 32 | (val & ~0xFFFu),
				.valid = val & CIRCE_HW_PT_ROOT_VALID,
			};
		break;
	case CIRCE_REG_INV_VA_LO:
		fm->inv_va = (fm->inv_va & ~0xFFFFFFFFull) | val;
		break;
	case CIRCE_REG_INV_VA_HI:
		fm->inv_va = (fm->inv_va & 0xFFFFFFFFull) | (uint64_t)val << 32;
		break;
	case CIRCE_REG_INV_PAGES:
		fm->inv_pages = val;
		break;
	case CIRCE_REG_INV_CMD:
		/* No TLB to flush; done once no access that may have used an
		 * old translation is still on the bus (a page, at most). */
		while (fm->xlat_busy)
			pthread_cond_wait(&fm->work, &fm->lock);
		fm->inv_ack++;
		break;
	case CIRCE_REG_FAULT_RESP:
		if (fm->fq_count &&
		    (val == CIRCE_HW_FAULT_RESP_RESUME || val == CIRCE_HW_FAULT_RESP_ABORT)) {
			uint64_t seq = fm->fq[fm->fq_head].seq;

			fm->fq_resp[seq % CIRCE_FMODEL_FAULT_QUEUE] = val;
			fm->fq_head = (fm->fq_head + 1) % CIRCE_FMODEL_FAULT_QUEUE;
			fm->fq_count--;
			pthread_cond_broadcast(&fm->work);
		}
		break;
	case CIRCE_REG_PERF_CTRL:
		if (val & 1u)
			memset(fm->perf, 0, sizeof(fm->perf));
		break;
	default:
		break; /* read-only and unassigned offsets ignore writes */
	}
}

static int circe_fmodel_check_off(uint32_t off)
{
	if (off >= CIRCE_HW_REG_WINDOW || (off & 3u))
		return circe_err(-EINVAL,
				 "fmodel: register offset 0x%" PRIx32
				 " is outside the 0x%x-byte window or not 4-byte aligned",
				 off, CIRCE_HW_REG_WINDOW);
	return 0;
}

static int circe_fmodel_reg_read(void *state, uint32_t off, uint32_t *val)
{
	struct circe_fmodel *fm = state;
	int rc = circe_fmodel_check_off(off);

	if (rc)
		return rc;
	pthread_mutex_lock(&fm->lock);
	*val = circe_fmodel_read_locked(fm, off);
	pthread_mutex_unlock(&fm->lock);
	return 0;
}

static int circe_fmodel_reg_write(void *state, uint32_t off, uint32_t val)
{
	struct circe_fmodel *fm = state;
	int rc = circe_fmodel_check_off(off);

	if (rc)
		return rc;
	pthread_mutex_lock(&fm->lock);
	circe_fmodel_write_locked(fm, off, val);
	pthread_mutex_unlock(&fm->lock);
	return 0;
}

static int circe_fmodel_wait_irq(void *state, uint64_t timeout_us)
{
	struct circe_fmodel *fm = state;
	struct timespec dl;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)(timeout_us / 1000000u);
	dl.tv_nsec += (long)(timeout_us % 1000000u) * 1000;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fm->lock);
	while (!((fm->gie & 1u) && (fm->isr & fm->ier)) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&fm->irq, &fm->lock, &dl);
	rc = ((fm->gie & 1u) && (fm->isr & fm->ier)) ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&fm->lock);
	return rc;
}

static int circe_fmodel_inject(void *state, const struct circe_inject *inj)
{
	struct circe_fmodel *fm = state;
	int rc = 0;

	if (!inj)
		return circe_err(-EINVAL, "fmodel: inject: NULL injection");
	pthread_mutex_lock(&fm->lock);
	switch (inj->kind) {
	case CIRCE_INJECT_NONE:
		fm->n_buserr = 0;
		fm->hang_armed = false;
		break;
	case CIRCE_INJECT_HANG:
		fm->hang_armed = true;
		break;
	case CIRCE_INJECT_BUS_ERROR:
		if (inj->len == 0 || inj->iova + inj->len < inj->iova)
			rc = circe_err(-EINVAL,
				       "fmodel: bus-error range 0x%" PRIx64 " + 0x%" PRIx64
				       " is empty or wraps",
				       inj->iova, inj->len);
		else if (fm->n_buserr == CIRCE_FMODEL_MAX_BUS_ERRORS)
			rc = circe_err(-ENOSPC, "fmodel: more than %u bus-error ranges",
				       CIRCE_FMODEL_MAX_BUS_ERRORS);
		else
			fm->buserr[fm->n_buserr++] =
				(struct circe_fmodel_range){ inj->iova, inj->iova + inj->len };
		break;
	case CIRCE_INJECT_LATENCY:
		rc = circe_err(-EOPNOTSUPP, "fmodel: no cycle model, so no latency injection");
		break;
	default:
		rc = circe_err(-EINVAL, "fmodel: unknown injection kind %d", (int)inj->kind);
		break;
	}
	pthread_mutex_unlock(&fm->lock);
	return rc;
}

/* ---- life cycle ----------------------------------------------------- */

static int circe_fmodel_open(const char *args, const struct circe_dt_config *cfg,
			     struct circe_platform *plat, void **state)
{
	struct circe_fmodel *fm;
	pthread_condattr_t ca;
	int rc;

	(void)cfg; /* no timing to take from it; the configuration is our own */
	if (!plat || !state)
		return circe_err(-EINVAL, "fmodel: open needs a platform and a state pointer");
	fm = calloc(1, sizeof(*fm));
	if (!fm)
		return circe_err(-ENOMEM, "fmodel: no memory for the device");
	rc = circe_fmodel_parse_args(args, &fm->cfg);
	if (rc)
		goto err_free;
	fm->plat = plat;
	fm->status_code = CIRCE_HW_ST_PENDING;
	fm->roots = calloc(fm->cfg.asids, sizeof(*fm->roots));
	if (!fm->roots) {
		rc = circe_err(-ENOMEM, "fmodel: no memory for %" PRIu32 " page-table roots",
			       fm->cfg.asids);
		goto err_free;
	}
	rc = -pthread_mutex_init(&fm->lock, NULL);
	if (rc) {
		rc = circe_err(rc, "fmodel: mutex init failed");
		goto err_roots;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = -pthread_cond_init(&fm->work, &ca);
	if (rc) {
		pthread_condattr_destroy(&ca);
		rc = circe_err(rc, "fmodel: condition variable init failed");
		goto err_lock;
	}
	rc = -pthread_cond_init(&fm->irq, &ca);
	pthread_condattr_destroy(&ca);
	if (rc) {
		rc = circe_err(rc, "fmodel: condition variable init failed");
		goto err_work;
	}
	rc = -pthread_create(&fm->thread, NULL, circe_fmodel_thread, fm);
	if (rc) {
		rc = circe_err(rc, "fmodel: cannot start the device thread");
		goto err_irq;
	}
	*state = fm;
	return 0;

err_irq:
	pthread_cond_destroy(&fm->irq);
err_work:
	pthread_cond_destroy(&fm->work);
err_lock:
	pthread_mutex_destroy(&fm->lock);
err_roots:
	free(fm->roots);
err_free:
	free(fm);
	return rc;
}

static void circe_fmodel_close(void *state)
{
	struct circe_fmodel *fm = state;

	if (!fm)
		return;
	pthread_mutex_lock(&fm->lock);
	fm->stop = true;
	fm->gen++; /* abort a running job at its next walk */
	pthread_cond_broadcast(&fm->work);
	pthread_mutex_unlock(&fm->lock);
	pthread_join(fm->thread, NULL);
	pthread_cond_destroy(&fm->irq);
	pthread_cond_destroy(&fm->work);
	pthread_mutex_destroy(&fm->lock);
	free(fm->roots);
	free(fm);
}

const struct circe_backend_ops circe_backend_fmodel = {
	.name = "fmodel",
	.platform_create = circe_platform_sim_create,
	.open = circe_fmodel_open,
	.close = circe_fmodel_close,
	.reg_read = circe_fmodel_reg_read,
	.reg_write = circe_fmodel_reg_write,
	.wait_irq = circe_fmodel_wait_irq,
	.inject = circe_fmodel_inject,
};
