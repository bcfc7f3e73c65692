/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared virtual memory manager. Bookkeeping per context:
 *
 *  - registrations: a sorted array of the exact (va, len, prot) the caller
 *    registered (binary search for -EEXIST / -ENOENT);
 *  - pages: an open-addressing hash map page number -> {iova, refs,
 *    read_refs, write_refs}. refs counts the registrations covering the
 *    page; the page's permissions are (read_refs ? R) | (write_refs ? W).
 *    An entry with refs == 0 is a "zombie": unmapped in the page table but
 *    still pinned, waiting for a TLB invalidation that succeeded. Zombies
 *    exist only between clearing PTEs and the acknowledge, or for good
 *    after an invalidation failed; a later registration of such a page
 *    reuses its pin.
 *
 * Everything is under one mutex per struct circe_svm. The device ops are
 * called with it held; they must not call back into svm/ (except
 * circe_svm_translate, which takes no lock).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"
#include "svm/hostmem.h"
#include "svm/pagetable.h"
#include "svm/platform.h"
#include "svm/svm.h"

#define SVM_PAGE CIRCE_HW_PAGE_SIZE
#define SVM_PAGE_MASK (CIRCE_HW_PAGE_SIZE - 1)
#define SVM_MAX_ASIDS 65536u
#define SVM_PAGES_MIN_BITS 6u
/* Fault service times kept for the median and p99: the most recent ones. */
#define SVM_SVC_SAMPLES 65536u

struct svm_page {
	uint64_t key; /* page number + 1; 0: empty slot */
	uint64_t iova;
	uint32_t refs;
	uint32_t read_refs;
	uint32_t write_refs;
	/* On-demand contexts: the permissions device faults pinned this page
	 * for (CIRCE_MEM_*). Counted in refs, read_refs and write_refs like one
	 * more registration covering the page. */
	uint8_t demand;
};

struct svm_pages {
	struct svm_page *slots;
	size_t cap; /* 0 or a power of two */
	size_t count;
	unsigned bits;
};

struct svm_reg {
	uint64_t va;
	uint64_t len;
	unsigned prot;
};

/* A run of pages newly pinned by one registration. */
struct svm_run {
	uint64_t va;
	uint64_t len;
	uint64_t iova;
};

struct circe_svm_ctx {
	struct circe_svm *svm;
	struct circe_svm_ctx *next;
	struct circe_pagetable *pt;
	uint64_t root_iova;
	uint16_t asid;
	bool tlb_dirty; /* an invalidation failed: stale translations may exist */
	struct svm_reg *regs;
	size_t nregs, cap_regs;
	struct svm_pages pages;
	uint64_t pinned_pages; /* user pages this context pins, zombies included */
	uint64_t zombie_pages;
	bool on_demand;	       /* CIRCE_SVM_CTX_ON_DEMAND */
	uint64_t demand_pages; /* live pages whose demand is not 0 */
};

struct circe_svm {
	pthread_mutex_t lock;
	struct circe_platform *plat;
	struct circe_svm_device_ops ops;
	void *dev;
	uint32_t num_asids;
	uint8_t *asid_used;
	uint64_t limit;
	struct circe_svm_ctx *ctxs;
	/* Contexts whose teardown could not invalidate the device TLB: their
	 * pins, tables and ASID stay reserved until circe_svm_destroy. */
	struct circe_svm_ctx *dead;
	uint64_t faults, faults_resolved, faults_aborted, invalidations;
	uint64_t demand_faults; /* faults that pinned or widened a page */
	uint64_t pinned_peak;
	uint32_t *svc_ns; /* ring of SVM_SVC_SAMPLES fault service times */
	uint64_t svc_count;
};

/* ------------------------------------------------------------------------ */
/* page map                                                                  */
/* ------------------------------------------------------------------------ */

static size_t svm_pages_home(const struct svm_pages *h, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - h->bits));
}

static struct svm_page *svm_pages_find(const struct svm_pages *h, uint64_t va)
{
	uint64_t key = (va >> CIRCE_HW_PAGE_SHIFT) + 1;

	if (!h->cap)
		return NULL;
	for (size_t i = svm_pages_home(h, key);; i = (i + 1) & (h->cap - 1)) {
		if (h->slots[i].key == key)
			return &h->slots[i];
		if (!h->slots[i].key)
			return NULL;
	}
}

static struct svm_page *svm_pages_place(struct svm_pages *h, uint64_t key)
{
	size_t i = svm_pages_home(h, key);

	while (h->slots[i].key)
		i = (i + 1) & (h->cap - 1);
	h->slots[i].key = key;
	h->count++;
	return &h->slots[i];
}

static int svm_pages_resize(struct svm_pages *h, unsigned bits)
{
	struct svm_pages n = { .cap = (size_t)1 << bits, .bits = bits };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		if (h->slots[i].key)
			*svm_pages_place(&n, h->slots[i].key) = h->slots[i];
	}
	free(h->slots);
	*h = n;
	return 0;
}

/* Room for extra more entries at a load factor of at most 2/3. */
static int svm_pages_reserve(struct svm_pages *h, uint64_t extra)
{
	uint64_t need = h->count + extra;
	unsigned bits = h->bits > SVM_PAGES_MIN_BITS ? h->bits : SVM_PAGES_MIN_BITS;

	if (need * 3 <= (uint64_t)h->cap * 2)
		return 0;
	while ((1ull << bits) * 2 < need * 3)
		bits++;
	if (bits >= 48)
		return -ENOMEM;
	return svm_pages_resize(h, bits);
}

/* Shrink after large removals; best effort. */
static void svm_pages_trim(struct svm_pages *h)
{
	unsigned bits = h->bits;

	if (h->count == 0) {
		free(h->slots);
		memset(h, 0, sizeof(*h));
		return;
	}
	while (bits > SVM_PAGES_MIN_BITS && (uint64_t)h->count * 8 < (1ull << bits))
		bits--;
	if (bits + 2 <= h->bits)
		svm_pages_resize(h, bits);
}

static struct svm_page *svm_pages_insert(struct svm_pages *h, uint64_t va)
{
	return svm_pages_place(h, (va >> CIRCE_HW_PAGE_SHIFT) + 1);
}

/* Linear-probing deletion by backward shift: no tombstones. */
static void svm_pages_remove(struct svm_pages *h, struct svm_page *e)
{
	size_t mask = h->cap - 1;
	size_t i = (size_t)(e - h->slots), j = i;

	h->slots[i].key = 0;
	h->count--;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!h->slots[j].key)
			return;
		k = svm_pages_home(h, h->slots[j].key);
		/* leave it if its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h->slots[i] = h->slots[j];
		h->slots[j].key = 0;
		i = j;
	}
}

static uint64_t svm_page_perm(const struct svm_page *e)
{
	return (e->read_refs ? CIRCE_HW_PTE_READ : 0) | (e->write_refs ? CIRCE_HW_PTE_WRITE : 0);
}

static uint64_t svm_prot_perm(unsigned prot)
{
	return ((prot & CIRCE_MEM_READ) ? CIRCE_HW_PTE_READ : 0) |
	       ((prot & CIRCE_MEM_WRITE) ? CIRCE_HW_PTE_WRITE : 0);
}

/* ------------------------------------------------------------------------ */
/* accounting                                                                */
/* ------------------------------------------------------------------------ */

static uint64_t svm_ctx_pt_pages(const struct circe_svm_ctx *ctx)
{
	struct circe_pagetable_stats st;

	circe_pagetable_get_stats(ctx->pt, &st);
	return st.tables;
}

static uint64_t svm_pinned_bytes(const struct circe_svm *svm)
{
	uint64_t pages = 0;

	for (int list = 0; list < 2; list++) {
		for (const struct circe_svm_ctx *c = list ? svm->dead : svm->ctxs; c; c = c->next)
			pages += c->pinned_pages + svm_ctx_pt_pages(c);
	}
	return pages * SVM_PAGE;
}

static int svm_check_limit(const struct circe_svm *svm, uint64_t extra_pages, const char *what)
{
	uint64_t used = svm_pinned_bytes(svm);
	uint64_t extra = extra_pages * SVM_PAGE;

	if (extra > svm->limit || used > svm->limit - extra)
		return circe_err(-ENOMEM,
				 "%s: 0x%llx more pinned bytes would exceed the limit (0x%llx of "
				 "0x%llx in use)",
				 what, (unsigned long long)extra, (unsigned long long)used,
				 (unsigned long long)svm->limit);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* unpinning after an invalidation                                           */
/* ------------------------------------------------------------------------ */

/* Unpin npages zombie pages from va, whose IOVAs are contiguous from iova,
 * and forget them. */
static int svm_unpin_run(struct circe_svm_ctx *ctx, uint64_t va, uint64_t iova, uint64_t npages)
{
	int rc;

	if (!npages)
		return 0;
	rc = circe_platform_unpin(ctx->svm->plat, iova, npages * SVM_PAGE);
	if (rc)
		return rc; /* keep them as zombies: still pinned, still accounted */
	for (uint64_t i = 0; i < npages; i++)
		svm_pages_remove(&ctx->pages, svm_pages_find(&ctx->pages, va + i * SVM_PAGE));
	ctx->pinned_pages -= npages;
	ctx->zombie_pages -= npages;
	return 0;
}

/* Coalesces consecutive zombies (VA and IOVA both contiguous) into one
 * platform unpin. */
struct svm_unpinner {
	struct circe_svm_ctx *ctx;
	uint64_t va, iova, n;
	int rc;
};

static void svm_unpinner_flush(struct svm_unpinner *u)
{
	int rc = svm_unpin_run(u->ctx, u->va, u->iova, u->n);

	if (rc && !u->rc)
		u->rc = rc;
	u->n = 0;
}

static void svm_unpinner_add(struct svm_unpinner *u, uint64_t va, uint64_t iova)
{
	if (u->n && u->va + u->n * SVM_PAGE == va && u->iova + u->n * SVM_PAGE == iova) {
		u->n++;
		return;
	}
	svm_unpinner_flush(u);
	u->va = va;
	u->iova = iova;
	u->n = 1;
}

static int svm_unpin_zombies_range(struct circe_svm_ctx *ctx, uint64_t lo, uint64_t hi)
{
	struct svm_unpinner u = { .ctx = ctx };

	if (!ctx->zombie_pages)
		return 0;
	for (uint64_t p = lo; p < hi && ctx->zombie_pages; p += SVM_PAGE) {
		struct svm_page *e = svm_pages_find(&ctx->pages, p);

		if (e && !e->refs)
			svm_unpinner_add(&u, p, e->iova);
		else
			svm_unpinner_flush(&u);
	}
	svm_unpinner_flush(&u);
	return u.rc;
}

static int svm_cmp_u64_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int svm_unpin_zombies_all(struct circe_svm_ctx *ctx)
{
	struct svm_unpinner u = { .ctx = ctx };
	uint64_t(*z)[2];
	size_t n = 0;

	if (!ctx->zombie_pages)
		return 0;
	z = malloc(ctx->zombie_pages * sizeof(*z));
	if (!z) {
		/* No memory to sort them: one page at a time. Removal shifts
		 * entries backwards, so look at slot i again after one. */
		for (size_t i = 0; i < ctx->pages.cap; i++) {
			while (ctx->pages.slots[i].key && !ctx->pages.slots[i].refs) {
				struct svm_page *e = &ctx->pages.slots[i];

				if (svm_unpin_run(ctx, (e->key - 1) << CIRCE_HW_PAGE_SHIFT, e->iova,
						  1)) {
					u.rc = -EIO;
					break;
				}
			}
		}
		return u.rc;
	}
	for (size_t i = 0; i < ctx->pages.cap; i++) {
		const struct svm_page *e = &ctx->pages.slots[i];

		if (e->key && !e->refs) {
			z[n][0] = (e->key - 1) << CIRCE_HW_PAGE_SHIFT;
			z[n][1] = e->iova;
			n++;
		}
	}
	qsort(z, n, sizeof(*z), svm_cmp_u64_pair);
	for (size_t i = 0; i < n; i++)
		svm_unpinner_add(&u, z[i][0], z[i][1]);
	svm_unpinner_flush(&u);
	free(z);
	return u.rc;
}

/*
 * The device may still hold translations for [va, va + len): invalidate,
 * and only once the device acknowledged, unpin the zombies and free the
 * unlinked tables. After a failed invalidation nothing is unpinned and the
 * next flush of the context invalidates the whole ASID.
 */
static int svm_flush(struct circe_svm_ctx *ctx, uint64_t va, uint64_t len)
{
	struct circe_svm *svm = ctx->svm;
	bool whole = ctx->tlb_dirty;
	int rc;

	svm->invalidations++;
	rc = svm->ops.invalidate(svm->dev, ctx->asid, whole ? 0 : va, whole ? 0 : len);
	if (rc) {
		ctx->tlb_dirty = true;
		return circe_err(rc < 0 ? rc : -EIO,
				 "TLB invalidation of ASID %u [0x%llx, +0x%llx) failed (%d); its "
				 "pages stay pinned",
				 ctx->asid, (unsigned long long)(whole ? 0 : va),
				 (unsigned long long)(whole ? 0 : len), rc);
	}
	ctx->tlb_dirty = false;
	rc = whole ? svm_unpin_zombies_all(ctx) : svm_unpin_zombies_range(ctx, va, va + len);
	circe_pagetable_reclaim(ctx->pt);
	svm_pages_trim(&ctx->pages);
	if (rc)
		return circe_err(rc, "unpin after the TLB invalidation of ASID %u failed",
				 ctx->asid);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* svm and contexts                                                          */
/* ------------------------------------------------------------------------ */

int circe_svm_create(struct circe_platform *plat, const struct circe_svm_device_ops *ops, void *dev,
		     const struct circe_svm_config *cfg, struct circe_svm **out)
{
	struct circe_svm *svm;

	if (!plat || !ops || !cfg || !out)
		return circe_err(-EINVAL, "svm create: NULL argument");
	if (!ops->set_root || !ops->invalidate)
		return circe_err(-EINVAL,
				 "svm create: the device ops need set_root and invalidate");
	if (cfg->num_asids == 0 || cfg->num_asids > SVM_MAX_ASIDS)
		return circe_err(-EINVAL, "svm create: %u ASIDs (1..%u)", cfg->num_asids,
				 SVM_MAX_ASIDS);
	svm = calloc(1, sizeof(*svm));
	if (!svm)
		return circe_err(-ENOMEM, "svm create: out of memory");
	svm->asid_used = calloc(cfg->num_asids, 1);
	if (!svm->asid_used)
		goto err_svm;
	svm->svc_ns = calloc(SVM_SVC_SAMPLES, sizeof(*svm->svc_ns));
	if (!svm->svc_ns)
		goto err_asids;
	if (pthread_mutex_init(&svm->lock, NULL))
		goto err_asids;
	svm->plat = plat;
	svm->ops = *ops;
	svm->dev = dev;
	svm->num_asids = cfg->num_asids;
	svm->limit =
		cfg->pinned_limit_bytes ? cfg->pinned_limit_bytes : CIRCE_SVM_DEFAULT_PINNED_LIMIT;
	*out = svm;
	return 0;

err_asids:
	free(svm->svc_ns);
	free(svm->asid_used);
err_svm:
	free(svm);
	return circe_err(-ENOMEM, "svm create: out of memory");
}

static void svm_ctx_free(struct circe_svm_ctx *ctx)
{
	circe_pagetable_destroy(ctx->pt);
	free(ctx->pages.slots);
	free(ctx->regs);
	free(ctx);
}

/* Called with the lock held. When the device cannot be told to forget the
 * context, the context goes to the dead list instead of being freed. */
static void svm_ctx_teardown(struct circe_svm_ctx *ctx)
{
	struct circe_svm *svm = ctx->svm;
	struct circe_svm_ctx **pp;
	int rc_root, rc_inv;

	/* Every page becomes a zombie: cleared from the table, still pinned.
	 * Clearing the whole space splits nothing, so it cannot fail. */
	circe_pagetable_unmap(ctx->pt, 0, CIRCE_PAGETABLE_VA_END);
	for (size_t i = 0; i < ctx->pages.cap; i++) {
		struct svm_page *e = &ctx->pages.slots[i];

		if (e->key && e->refs) {
			e->refs = e->read_refs = e->write_refs = 0;
			e->demand = 0;
			ctx->zombie_pages++;
		}
	}
	ctx->demand_pages = 0;
	/* Disable the root first so that no walk starts from it, then let the
	 * acknowledged invalidation cover everything cached or in flight. */
	rc_root = svm->ops.set_root(svm->dev, ctx->asid, 0, false);
	svm->invalidations++;
	rc_inv = svm->ops.invalidate(svm->dev, ctx->asid, 0, 0);

	for (pp = &svm->ctxs; *pp && *pp != ctx; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = ctx->next;
	if (rc_root || rc_inv) {
		/* The device may still translate to these pages, through this
		 * ASID: keep the pins, the tables and the ASID. */
		circe_err(
			rc_inv ? rc_inv : rc_root,
			"context destroy: ASID %u could not be disabled (%d) or invalidated (%d); "
			"its memory stays pinned and the ASID reserved",
			ctx->asid, rc_root, rc_inv);
		ctx->tlb_dirty = true;
		ctx->next = svm->dead;
		svm->dead = ctx;
		return;
	}
	/* Registrations give VA-sorted runs that coalesce into few unpins;
	 * the sweep catches zombies left by earlier failures. */
	for (size_t r = 0; r < ctx->nregs; r++) {
		uint64_t lo = ctx->regs[r].va & ~SVM_PAGE_MASK;
		uint64_t hi = (ctx->regs[r].va + ctx->regs[r].len + SVM_PAGE_MASK) & ~SVM_PAGE_MASK;

		svm_unpin_zombies_range(ctx, lo, hi);
	}
	svm_unpin_zombies_all(ctx);
	svm->asid_used[ctx->asid] = 0;
	svm_ctx_free(ctx);
}

void circe_svm_destroy(struct circe_svm *svm)
{
	if (!svm)
		return;
	pthread_mutex_lock(&svm->lock);
	while (svm->ctxs)
		svm_ctx_teardown(svm->ctxs);
	/* The driver destroys svm/ only once the device is stopped: the pins
	 * of dead contexts can finally go. */
	while (svm->dead) {
		struct circe_svm_ctx *ctx = svm->dead;

		svm->dead = ctx->next;
		svm_unpin_zombies_all(ctx);
		svm_ctx_free(ctx);
	}
	pthread_mutex_unlock(&svm->lock);
	pthread_mutex_destroy(&svm->lock);
	free(svm->svc_ns);
	free(svm->asid_used);
	free(svm);
}

static int svm_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Median and p99 (nearest rank) of the kept service times, in ns. */
static void svm_svc_percentiles(const struct circe_svm *svm, struct circe_svm_stats *st)
{
	size_t n = svm->svc_count < SVM_SVC_SAMPLES ? (size_t)svm->svc_count : SVM_SVC_SAMPLES;
	uint32_t *v;

	if (!n)
		return;
	v = malloc(n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, svm->svc_ns, n * sizeof(*v));
	qsort(v, n, sizeof(*v), svm_cmp_u32);
	st->fault_service_median_ns = v[(n - 1) / 2];
	st->fault_service_p99_ns = v[(n * 99 + 99) / 100 - 1];
	st->fault_service_max_ns = v[n - 1];
	free(v);
}

void circe_svm_record_fault_time(struct circe_svm *svm, uint64_t ns)
{
	if (!svm)
		return;
	pthread_mutex_lock(&svm->lock);
	svm->svc_ns[svm->svc_count % SVM_SVC_SAMPLES] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	svm->svc_count++;
	pthread_mutex_unlock(&svm->lock);
}

void circe_svm_reset_fault_times(struct circe_svm *svm)
{
	if (!svm)
		return;
	pthread_mutex_lock(&svm->lock);
	svm->svc_count = 0;
	pthread_mutex_unlock(&svm->lock);
}

static void svm_note_peak(struct circe_svm *svm)
{
	uint64_t now = svm_pinned_bytes(svm);

	if (now > svm->pinned_peak)
		svm->pinned_peak = now;
}

int circe_svm_get_stats(struct circe_svm *svm, struct circe_svm_stats *stats)
{
	if (!svm || !stats)
		return circe_err(-EINVAL, "svm stats: NULL argument");
	memset(stats, 0, sizeof(*stats));
	pthread_mutex_lock(&svm->lock);
	stats->pinned_bytes = svm_pinned_bytes(svm);
	stats->pinned_limit = svm->limit;
	for (int list = 0; list < 2; list++) {
		for (const struct circe_svm_ctx *c = list ? svm->dead : svm->ctxs; c; c = c->next) {
			struct circe_pagetable_stats st;

			circe_pagetable_get_stats(c->pt, &st);
			stats->registrations += c->nregs;
			stats->pt_pages += st.tables;
			stats->huge_2m_entries += st.leaves[1];
			stats->huge_1g_entries += st.leaves[2];
		}
	}
	stats->faults = svm->faults;
	stats->faults_resolved = svm->faults_resolved;
	stats->faults_aborted = svm->faults_aborted;
	stats->demand_faults = svm->demand_faults;
	stats->invalidations = svm->invalidations;
	stats->pinned_peak_bytes =
		svm->pinned_peak > stats->pinned_bytes ? svm->pinned_peak : stats->pinned_bytes;
	for (const struct circe_svm_ctx *c = svm->ctxs; c; c = c->next)
		stats->demand_pages += c->demand_pages;
	stats->fault_service_samples = svm->svc_count;
	svm_svc_percentiles(svm, stats);
	pthread_mutex_unlock(&svm->lock);
	return 0;
}

int circe_svm_ctx_create(struct circe_svm *svm, struct circe_svm_ctx **out)
{
	return circe_svm_ctx_create_flags(svm, 0, out);
}

int circe_svm_ctx_create_flags(struct circe_svm *svm, unsigned flags, struct circe_svm_ctx **out)
{
	struct circe_svm_ctx *ctx;
	uint32_t asid;
	int rc;

	if (!svm || !out)
		return circe_err(-EINVAL, "context create: NULL argument");
	if (flags & ~CIRCE_SVM_CTX_ON_DEMAND)
		return circe_err(-EINVAL, "context create: unknown flag bits 0x%x",
				 flags & ~CIRCE_SVM_CTX_ON_DEMAND);
	pthread_mutex_lock(&svm->lock);
	for (asid = 0; asid < svm->num_asids && svm->asid_used[asid]; asid++)
		;
	if (asid == svm->num_asids) {
		rc = circe_err(-EBUSY, "context create: all %u ASIDs are in use", svm->num_asids);
		goto out_unlock;
	}
	rc = svm_check_limit(svm, 1, "context create");
	if (rc)
		goto out_unlock;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		rc = circe_err(-ENOMEM, "context create: out of memory");
		goto out_unlock;
	}
	ctx->svm = svm;
	ctx->asid = (uint16_t)asid;
	ctx->on_demand = flags & CIRCE_SVM_CTX_ON_DEMAND;
	rc = circe_pagetable_create(svm->plat, &ctx->pt);
	if (rc)
		goto err_ctx;
	ctx->root_iova = circe_pagetable_root_iova(ctx->pt);
	rc = svm->ops.set_root(svm->dev, ctx->asid, ctx->root_iova, true);
	if (rc) {
		rc = circe_err(rc < 0 ? rc : -EIO,
			       "context create: setting the root of ASID %u failed", asid);
		goto err_pt;
	}
	svm->asid_used[asid] = 1;
	ctx->next = svm->ctxs;
	svm->ctxs = ctx;
	svm_note_peak(svm);
	*out = ctx;
	pthread_mutex_unlock(&svm->lock);
	return 0;

err_pt:
	circe_pagetable_destroy(ctx->pt);
err_ctx:
	free(ctx);
out_unlock:
	pthread_mutex_unlock(&svm->lock);
	return rc;
}

void circe_svm_ctx_destroy(struct circe_svm_ctx *ctx)
{
	struct circe_svm *svm;

	if (!ctx)
		return;
	svm = ctx->svm;
	pthread_mutex_lock(&svm->lock);
	svm_ctx_teardown(ctx);
	pthread_mutex_unlock(&svm->lock);
}

bool circe_svm_ctx_on_demand(const struct circe_svm_ctx *ctx)
{
	return ctx && ctx->on_demand;
}

uint16_t circe_svm_ctx_asid(const struct circe_svm_ctx *ctx)
{
	return ctx ? ctx->asid : 0;
}

uint64_t circe_svm_ctx_root_iova(const struct circe_svm_ctx *ctx)
{
	return ctx ? ctx->root_iova : 0;
}

/* ------------------------------------------------------------------------ */
/* registrations                                                             */
/* ------------------------------------------------------------------------ */

static int svm_check_args(const char *what, struct circe_svm_ctx *ctx, uint64_t va, size_t len)
{
	if (!ctx)
		return circe_err(-EINVAL, "%s: NULL context", what);
	if (len == 0)
		return circe_err(-EINVAL, "%s: length is 0", what);
	if (va + len < va)
		return circe_err(-EINVAL, "%s: range 0x%llx + 0x%zx wraps", what,
				 (unsigned long long)va, len);
	if (va + len > CIRCE_PAGETABLE_VA_END)
		return circe_err(-EINVAL, "%s: range 0x%llx + 0x%zx ends above 2^48", what,
				 (unsigned long long)va, len);
	return 0;
}

/* Index of (va, len) in the sorted registrations, or where it would go. */
static bool svm_reg_find(const struct circe_svm_ctx *ctx, uint64_t va, uint64_t len, size_t *pos)
{
	size_t lo = 0, hi = ctx->nregs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct svm_reg *r = &ctx->regs[mid];

		if (r->va < va || (r->va == va && r->len < len))
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return lo < ctx->nregs && ctx->regs[lo].va == va && ctx->regs[lo].len == len;
}

/* The largest leaf for va -> iova with remaining bytes left in the run. */
static unsigned svm_leaf_level(uint64_t va, uint64_t iova, uint64_t remaining)
{
	for (unsigned level = 2; level > 0; level--) {
		uint64_t size = CIRCE_PAGETABLE_LEAF_SIZE(level);

		if (!((va | iova) & (size - 1)) && remaining >= size)
			return level;
	}
	return 0;
}

enum svm_leaf_op {
	SVM_LEAF_COUNT,	  /* count the tables the leaves need */
	SVM_LEAF_PREPARE, /* create those tables */
	SVM_LEAF_MAP,	  /* enter the leaves */
};

struct svm_leaf_walk {
	struct circe_svm_ctx *ctx;
	enum svm_leaf_op op;
	uint64_t perm;
	uint64_t last[3]; /* COUNT: 1 + index of the last missing table counted per level */
	uint64_t tables;
};

static int svm_leaf(struct svm_leaf_walk *w, uint64_t va, uint64_t iova, unsigned level)
{
	switch (w->op) {
	case SVM_LEAF_COUNT:
		/* Leaves come in VA order, so a missing table shared by several
		 * of them shows up in consecutive calls. */
		for (unsigned k = level; k <= 2; k++) {
			uint64_t id = (va >> CIRCE_HW_PT_LEVEL_SHIFT(k + 1)) + 1;

			if (circe_pagetable_has_table(w->ctx->pt, va, k))
				break;
			if (w->last[k] != id) {
				w->last[k] = id;
				w->tables++;
			}
		}
		return 0;
	case SVM_LEAF_PREPARE:
		return circe_pagetable_prepare(w->ctx->pt, va, level);
	case SVM_LEAF_MAP:
		return circe_pagetable_map(w->ctx->pt, va, iova, level, w->perm);
	}
	return -EINVAL;
}

/* Huge leaves wherever VA and IOVA are both aligned inside the run. */
static int svm_run_leaves(struct svm_leaf_walk *w, uint64_t va, uint64_t iova, uint64_t len)
{
	for (uint64_t off = 0; off < len;) {
		unsigned level = svm_leaf_level(va + off, iova + off, len - off);
		int rc = svm_leaf(w, va + off, iova + off, level);

		if (rc)
			return rc;
		off += CIRCE_PAGETABLE_LEAF_SIZE(level);
	}
	return 0;
}

/*
 * The leaves a registration of [start, end) adds, in VA order: those of
 * the new runs and one 4 KiB leaf per zombie page it revives. Before the
 * runs are pinned (real_iova false) the IOVA is taken as the VA: the
 * platform promises congruence modulo the huge sizes that fit.
 */
static int svm_new_leaves(struct svm_leaf_walk *w, const struct svm_run *runs, size_t nruns,
			  uint64_t start, uint64_t end, bool real_iova)
{
	size_t r = 0;

	for (uint64_t p = start; p < end;) {
		const struct svm_page *e;
		int rc;

		if (r < nruns && runs[r].va == p) {
			rc = svm_run_leaves(w, p, real_iova ? runs[r].iova : p, runs[r].len);
			if (rc)
				return rc;
			p += runs[r].len;
			r++;
			continue;
		}
		e = svm_pages_find(&w->ctx->pages, p);
		if (e && !e->refs) {
			rc = svm_leaf(w, p, e->iova, 0);
			if (rc)
				return rc;
		}
		p += SVM_PAGE;
	}
	return 0;
}

/* Would the page at va change permissions when a registration with perm
 * covers it? (live pages only) */
static bool svm_gains(const struct svm_pages *h, uint64_t va, uint64_t perm)
{
	const struct svm_page *e = svm_pages_find(h, va);

	return e && e->refs && (svm_page_perm(e) | perm) != svm_page_perm(e);
}

static uint64_t svm_tables_needed(struct circe_svm_ctx *ctx, const struct svm_run *runs,
				  size_t nruns, uint64_t start, uint64_t end, uint64_t perm,
				  bool real_iova)
{
	struct svm_leaf_walk w = { .ctx = ctx, .op = SVM_LEAF_COUNT };
	uint64_t n;

	svm_new_leaves(&w, runs, nruns, start, end, real_iova);
	n = w.tables;
	/* Upgrading live pages at the ends may split huge leaves there (one
	 * leaf holding both ends is split once). */
	return n +
	       circe_pagetable_split_cost_pair(
		       ctx->pt,
		       svm_gains(&ctx->pages, start, perm) ? start : CIRCE_PAGETABLE_VA_END,
		       svm_gains(&ctx->pages, end - SVM_PAGE, perm) ? end : CIRCE_PAGETABLE_VA_END);
}

static void svm_unpin_runs(struct circe_svm *svm, const struct svm_run *runs, size_t n)
{
	for (size_t r = 0; r < n; r++)
		circe_platform_unpin(svm->plat, runs[r].iova, runs[r].len);
}

/* Enter protect runs: consecutive live pages that gain the same perm. */
struct svm_protector {
	struct circe_pagetable *pt;
	uint64_t va, len, perm;
	int rc;
};

static void svm_protector_flush(struct svm_protector *p)
{
	if (p->len) {
		int rc = p->perm ? circe_pagetable_protect(p->pt, p->va, p->len, p->perm)
				 : circe_pagetable_unmap(p->pt, p->va, p->len);

		if (rc && !p->rc)
			p->rc = rc;
	}
	p->len = 0;
}

static void svm_protector_add(struct svm_protector *p, uint64_t va, uint64_t perm)
{
	if (p->len && p->va + p->len == va && p->perm == perm) {
		p->len += SVM_PAGE;
		return;
	}
	svm_protector_flush(p);
	p->va = va;
	p->len = SVM_PAGE;
	p->perm = perm;
}

static int svm_register_locked(struct circe_svm_ctx *ctx, uint64_t va, uint64_t len, unsigned prot)
{
	struct circe_svm *svm = ctx->svm;
	uint64_t start = va & ~SVM_PAGE_MASK;
	uint64_t end = (va + len + SVM_PAGE_MASK) & ~SVM_PAGE_MASK;
	uint64_t perm = svm_prot_perm(prot);
	uint64_t new_pages = 0, tables;
	struct svm_leaf_walk w = { .ctx = ctx };
	struct svm_protector pr = { .pt = ctx->pt };
	struct svm_run *runs = NULL;
	size_t nruns = 0, pos, r = 0;
	bool absent = false;
	int rc;

	if (svm_reg_find(ctx, va, len, &pos))
		return circe_err(-EEXIST,
				 "register: [0x%llx, +0x%llx) is already registered with ASID %u",
				 (unsigned long long)va, (unsigned long long)len, ctx->asid);
	if (ctx->nregs == ctx->cap_regs) {
		size_t ncap = ctx->cap_regs ? ctx->cap_regs * 2 : 16;
		struct svm_reg *n = realloc(ctx->regs, ncap * sizeof(*n));

		if (!n)
			return circe_err(-ENOMEM, "register: out of memory");
		ctx->regs = n;
		ctx->cap_regs = ncap;
	}

	/* Pages nobody covers yet form the runs to pin. */
	for (uint64_t p = start; p < end; p += SVM_PAGE) {
		bool a = !svm_pages_find(&ctx->pages, p);

		new_pages += a;
		nruns += a && !absent;
		absent = a;
	}
	if (nruns) {
		runs = calloc(nruns, sizeof(*runs));
		if (!runs)
			return circe_err(-ENOMEM, "register: out of memory");
		r = 0;
		absent = false;
		for (uint64_t p = start; p < end; p += SVM_PAGE) {
			bool a = !svm_pages_find(&ctx->pages, p);

			if (a && !absent)
				runs[r++].va = p;
			if (a)
				runs[r - 1].len += SVM_PAGE;
			absent = a;
		}
	}
	if (svm_pages_reserve(&ctx->pages, new_pages)) {
		rc = circe_err(-ENOMEM, "register: out of memory for the page map");
		goto out_runs;
	}

	tables = svm_tables_needed(ctx, runs, nruns, start, end, perm, false);
	rc = svm_check_limit(svm, new_pages + tables, "register");
	if (rc)
		goto out_runs;
	for (r = 0; r < nruns; r++) {
		rc = circe_platform_pin(svm->plat, (void *)(uintptr_t)runs[r].va, runs[r].len,
					&runs[r].iova);
		if (rc) {
			char why[256];

			snprintf(why, sizeof(why), "%s", circe_errmsg());
			rc = circe_err(rc, "register: pinning [0x%llx, +0x%llx) failed: %s",
				       (unsigned long long)runs[r].va,
				       (unsigned long long)runs[r].len, why);
			goto err_pins;
		}
	}
	/* A platform that ignored the congruence would need more tables. */
	tables = svm_tables_needed(ctx, runs, nruns, start, end, perm, true);
	rc = svm_check_limit(svm, new_pages + tables, "register");
	if (rc)
		goto err_pins;

	/* Everything that can fail for lack of memory happens before the
	 * first entry the device could use: tables first (empty tables and
	 * splits change no translation). */
	w.op = SVM_LEAF_PREPARE;
	rc = svm_new_leaves(&w, runs, nruns, start, end, true);
	if (!rc && svm_gains(&ctx->pages, start, perm))
		rc = circe_pagetable_split_at(ctx->pt, start);
	if (!rc && svm_gains(&ctx->pages, end - SVM_PAGE, perm))
		rc = circe_pagetable_split_at(ctx->pt, end);
	if (rc)
		goto err_tables;

	/* Commit. Existing pages first: revive zombies, upgrade live pages.
	 * A live page whose translation gains a permission needs no
	 * invalidation: a stale entry only faults, and the fault resumes. */
	for (uint64_t p = start; p < end; p += SVM_PAGE) {
		struct svm_page *e = svm_pages_find(&ctx->pages, p);
		uint64_t old;

		if (!e)
			continue;
		old = e->refs ? svm_page_perm(e) : 0;
		if (!e->refs) {
			ctx->zombie_pages--;
			rc = circe_pagetable_map(ctx->pt, p, e->iova, 0, perm);
			if (rc && !pr.rc)
				pr.rc = rc;
		}
		e->refs++;
		e->read_refs += !!(prot & CIRCE_MEM_READ);
		e->write_refs += !!(prot & CIRCE_MEM_WRITE);
		if (old && svm_page_perm(e) != old)
			svm_protector_add(&pr, p, svm_page_perm(e));
	}
	svm_protector_flush(&pr);
	ctx->pinned_pages += new_pages;
	w.op = SVM_LEAF_MAP;
	w.perm = perm;
	for (r = 0; r < nruns; r++) {
		for (uint64_t off = 0; off < runs[r].len; off += SVM_PAGE) {
			struct svm_page *e = svm_pages_insert(&ctx->pages, runs[r].va + off);

			e->iova = runs[r].iova + off;
			e->refs = 1;
			e->read_refs = !!(prot & CIRCE_MEM_READ);
			e->write_refs = !!(prot & CIRCE_MEM_WRITE);
		}
		rc = svm_run_leaves(&w, runs[r].va, runs[r].iova, runs[r].len);
		if (rc && !pr.rc)
			pr.rc = rc;
	}
	svm_note_peak(svm);
	memmove(&ctx->regs[pos + 1], &ctx->regs[pos], (ctx->nregs - pos) * sizeof(*ctx->regs));
	ctx->regs[pos].va = va;
	ctx->regs[pos].len = len;
	ctx->regs[pos].prot = prot;
	ctx->nregs++;
	free(runs);
	/* Tables are prepared and the ends split: the page table cannot
	 * refuse now unless its bookkeeping is broken. */
	if (pr.rc)
		return circe_err(-EIO, "register: page table inconsistent at ASID %u (%d)",
				 ctx->asid, pr.rc);
	return 0;

err_tables:
	/* Nothing was mapped; the empty tables may have been walked already,
	 * so they go through the invalidation like any other. */
	circe_pagetable_prune(ctx->pt, start, end - start);
	svm_flush(ctx, start, end - start);
	circe_err(-ENOMEM, "register: out of memory for page tables");
	rc = -ENOMEM;
err_pins:
	/* The new runs were never in the page table: unpin directly. */
	svm_unpin_runs(svm, runs, r);
out_runs:
	free(runs);
	return rc;
}

int circe_svm_register(struct circe_svm_ctx *ctx, const void *va, size_t len, unsigned prot)
{
	uint64_t a = (uint64_t)(uintptr_t)va;
	int rc;

	rc = svm_check_args("register", ctx, a, len);
	if (rc)
		return rc;
	if (!prot || (prot & ~(unsigned)CIRCE_MEM_RW))
		return circe_err(-EINVAL, "register: permissions 0x%x (CIRCE_MEM_READ|WRITE)",
				 prot);
	/* The device must not get a permission the process does not have:
	 * a pin for writing of a read-only mapping would let the device write
	 * where the process cannot (a shared file opened read-only, a COW page
	 * of the parent). Registrations only read the maps file: checking a
	 * large registration by faulting it in would allocate all of it. */
	{
		uint64_t start = a & ~SVM_PAGE_MASK;
		uint64_t end = (a + len + SVM_PAGE_MASK) & ~SVM_PAGE_MASK;
		char why[256];

		rc = circe_hostmem_check_maps(start, end - start, prot & CIRCE_MEM_WRITE, why,
					      sizeof(why));
		if (rc && rc != -EIO) /* -EIO: no maps file to read; the pin decides */
			return circe_err(rc, "register: [0x%llx, +0x%zx) for %s: %s",
					 (unsigned long long)a, len,
					 (prot & CIRCE_MEM_WRITE) ? "writing" : "reading", why);
	}
	pthread_mutex_lock(&ctx->svm->lock);
	rc = svm_register_locked(ctx, a, len, prot);
	pthread_mutex_unlock(&ctx->svm->lock);
	return rc;
}

/* What a release does to a page: SVM_KEEP, SVM_REMOVE, or the new
 * permissions. A release drops one registration with prot (reg) and/or the
 * page's on-demand pseudo-registration (demand). */
#define SVM_KEEP UINT64_MAX
#define SVM_REMOVE 0u

struct svm_release {
	bool reg;
	unsigned prot;
	bool demand;
};

static void svm_page_release(struct svm_page *e, const struct svm_release *r)
{
	if (r->reg) {
		e->refs--;
		e->read_refs -= !!(r->prot & CIRCE_MEM_READ);
		e->write_refs -= !!(r->prot & CIRCE_MEM_WRITE);
	}
	if (r->demand && e->demand) {
		e->refs--;
		e->read_refs -= !!(e->demand & CIRCE_MEM_READ);
		e->write_refs -= !!(e->demand & CIRCE_MEM_WRITE);
		e->demand = 0;
	}
}

static uint64_t svm_release_action(const struct svm_page *e, const struct svm_release *r)
{
	struct svm_page n;

	if (!e || !e->refs)
		return SVM_KEEP;
	n = *e;
	svm_page_release(&n, r);
	if (!n.refs)
		return SVM_REMOVE;
	return svm_page_perm(&n) == svm_page_perm(e) ? SVM_KEEP : svm_page_perm(&n);
}

/*
 * Unregister (va, len): the registration itself and, in an on-demand
 * context, the pages faults pinned inside the range. In an on-demand
 * context a range that is not a registration releases just those pages
 * (-ENOENT when there are none).
 */
static int svm_unregister_locked(struct circe_svm_ctx *ctx, uint64_t va, uint64_t len)
{
	uint64_t start = va & ~SVM_PAGE_MASK;
	uint64_t end = (va + len + SVM_PAGE_MASK) & ~SVM_PAGE_MASK;
	uint64_t prev = SVM_KEEP, lo = end, hi = start;
	struct svm_protector pr = { .pt = ctx->pt };
	struct svm_release rel = { .demand = ctx->on_demand };
	size_t pos;
	int rc;

	rel.reg = svm_reg_find(ctx, va, len, &pos);
	if (rel.reg) {
		rel.prot = ctx->regs[pos].prot;
	} else {
		uint64_t n = 0;

		for (uint64_t p = start; ctx->demand_pages && p < end && !n; p += SVM_PAGE) {
			const struct svm_page *e = svm_pages_find(&ctx->pages, p);

			n += e && e->demand;
		}
		if (!n)
			return circe_err(-ENOENT,
					 "unregister: [0x%llx, +0x%llx) is not registered with "
					 "ASID %u%s",
					 (unsigned long long)va, (unsigned long long)len, ctx->asid,
					 ctx->on_demand ? " and holds no page a fault pinned" : "");
	}

	/* Split huge leaves wherever the action changes, before any change
	 * the device could see: a split may need memory, and failing now
	 * leaves every translation as it was. */
	for (uint64_t p = start; p <= end; p += SVM_PAGE) {
		uint64_t act = SVM_KEEP;

		if (p < end)
			act = svm_release_action(svm_pages_find(&ctx->pages, p), &rel);
		if (act != prev) {
			rc = circe_pagetable_split_at(ctx->pt, p);
			if (rc)
				return circe_err(rc,
						 "unregister: out of memory to split a huge page");
		}
		prev = act;
	}

	for (uint64_t p = start; p < end; p += SVM_PAGE) {
		struct svm_page *e = svm_pages_find(&ctx->pages, p);
		uint64_t act = svm_release_action(e, &rel);

		if (e && e->refs) {
			ctx->demand_pages -= rel.demand && e->demand;
			svm_page_release(e, &rel);
		}
		if (act == SVM_KEEP) {
			svm_protector_flush(&pr);
			continue;
		}
		if (act == SVM_REMOVE)
			ctx->zombie_pages++;
		svm_protector_add(&pr, p, act);
		lo = p < lo ? p : lo;
		hi = p + SVM_PAGE;
	}
	svm_protector_flush(&pr);
	if (rel.reg) {
		memmove(&ctx->regs[pos], &ctx->regs[pos + 1],
			(ctx->nregs - pos - 1) * sizeof(*ctx->regs));
		ctx->nregs--;
	}
	if (pr.rc) {
		/* Cannot happen with the splits done above; if it does, some
		 * removed page may still be mapped: never unpin it. */
		ctx->tlb_dirty = true;
		return circe_err(-EIO, "unregister: page table inconsistent at ASID %u (%d)",
				 ctx->asid, pr.rc);
	}
	if (lo >= hi)
		return 0; /* every page stays as it was */
	return svm_flush(ctx, lo, hi - lo);
}

int circe_svm_unregister(struct circe_svm_ctx *ctx, const void *va, size_t len)
{
	uint64_t a = (uint64_t)(uintptr_t)va;
	int rc;

	rc = svm_check_args("unregister", ctx, a, len);
	if (rc)
		return rc;
	pthread_mutex_lock(&ctx->svm->lock);
	rc = svm_unregister_locked(ctx, a, len);
	pthread_mutex_unlock(&ctx->svm->lock);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* translation and faults                                                    */
/* ------------------------------------------------------------------------ */

/* No lock: like the device, it only reads the tables through the platform,
 * and the root stays put for the context's lifetime. */
int circe_svm_translate(struct circe_svm_ctx *ctx, uint64_t va, bool write, uint64_t *iova)
{
	uint64_t pte, a;

	if (!ctx)
		return circe_err(-EINVAL, "translate: NULL context");
	if (circe_pagetable_lookup(ctx->pt, va, &a, &pte, NULL))
		return circe_err(-EFAULT, "translate: VA 0x%llx is not mapped in ASID %u",
				 (unsigned long long)va, ctx->asid);
	if (!(pte & (write ? CIRCE_HW_PTE_WRITE : CIRCE_HW_PTE_READ)))
		return circe_err(-EFAULT, "translate: VA 0x%llx of ASID %u is not %s",
				 (unsigned long long)va, ctx->asid,
				 write ? "writable" : "readable");
	if (iova)
		*iova = a;
	return 0;
}

/*
 * On-demand contexts: make the page at va reachable for the access (pin,
 * map a 4 KiB leaf, or widen the permissions of a page an earlier fault
 * pinned), after the process's own mapping allowed it. Pages a
 * registration covers are never widened: the registration is the caller's
 * statement of what the device may do there. Lock held. 0 or -EFAULT with
 * the reason in why.
 */
static int svm_demand_locked(struct circe_svm_ctx *ctx, uint64_t va, bool write, char *why,
			     size_t cap)
{
	struct circe_svm *svm = ctx->svm;
	uint64_t p = va & ~SVM_PAGE_MASK, iova;
	unsigned bit = write ? CIRCE_MEM_WRITE : CIRCE_MEM_READ;
	struct svm_page *e = svm_pages_find(&ctx->pages, p);
	struct svm_leaf_walk w = { .ctx = ctx, .op = SVM_LEAF_COUNT };
	bool fresh = !e;
	int rc;

	if (e && e->refs > (e->demand ? 1u : 0u)) {
		snprintf(why, cap, "the page is registered with this context without %s permission",
			 write ? "write" : "read");
		return -EFAULT;
	}
	if (e && (e->demand & bit))
		return 0; /* raced another fault of the same page: already mapped */
	rc = circe_hostmem_fault_in(va, write, why, cap);
	if (rc)
		return -EFAULT;

	if (e && e->refs) {
		/* Widen a page faults pinned: a 4 KiB leaf, no split; gaining a
		 * permission needs no invalidation (a stale entry only faults). */
		e->demand |= (uint8_t)bit;
		e->read_refs += !write;
		e->write_refs += write;
		rc = circe_pagetable_protect(ctx->pt, p, SVM_PAGE, svm_page_perm(e));
		if (rc) {
			snprintf(why, cap, "page table inconsistent (%d)", rc);
			return -EFAULT;
		}
		return 0;
	}

	svm_leaf(&w, p, 0, 0);
	if (svm_check_limit(svm, (fresh ? 1 : 0) + w.tables, "fault")) {
		snprintf(why, cap, "%s", circe_errmsg());
		return -EFAULT;
	}
	if (fresh && svm_pages_reserve(&ctx->pages, 1)) {
		snprintf(why, cap, "out of memory for the page map");
		return -EFAULT;
	}
	if (fresh) {
		rc = circe_platform_pin(svm->plat, (void *)(uintptr_t)p, SVM_PAGE, &iova);
		if (rc) {
			snprintf(why, cap, "pinning failed: %s", circe_errmsg());
			return -EFAULT;
		}
	} else {
		iova = e->iova; /* a zombie: still pinned, waiting for nothing now */
	}
	rc = circe_pagetable_prepare(ctx->pt, p, 0);
	if (!rc)
		rc = circe_pagetable_map(ctx->pt, p, iova, 0, svm_prot_perm(bit));
	if (rc) {
		snprintf(why, cap, "out of memory for page tables");
		/* Nothing was mapped; empty tables go through an invalidation. */
		circe_pagetable_prune(ctx->pt, p, SVM_PAGE);
		svm_flush(ctx, p, SVM_PAGE);
		if (fresh)
			circe_platform_unpin(svm->plat, iova, SVM_PAGE);
		return -EFAULT;
	}
	if (fresh) {
		e = svm_pages_insert(&ctx->pages, p);
		e->iova = iova;
		ctx->pinned_pages++;
	} else {
		ctx->zombie_pages--;
	}
	e->refs = 1;
	e->read_refs = !write;
	e->write_refs = write;
	e->demand = (uint8_t)bit;
	ctx->demand_pages++;
	svm_note_peak(svm);
	return 0;
}

/* Lock held. */
static int svm_fault_locked(struct circe_svm_ctx *ctx, uint64_t va, bool write)
{
	struct circe_svm *svm = ctx->svm;
	char why[320] = "not registered with that permission";
	int rc;

	svm->faults++;
	/* A fault that raced a registration (or another fault) resumes. */
	rc = circe_svm_translate(ctx, va, write, NULL);
	if (rc && va >= CIRCE_PAGETABLE_VA_END) {
		snprintf(why, sizeof(why), "above the 48-bit space");
	} else if (rc && ctx->on_demand) {
		rc = svm_demand_locked(ctx, va, write, why, sizeof(why));
		svm->demand_faults += !rc;
	}
	if (rc) {
		svm->faults_aborted++;
		return circe_err(-EFAULT, "device fault: %s at VA 0x%llx of ASID %u: %s",
				 write ? "write" : "read", (unsigned long long)va, ctx->asid, why);
	}
	svm->faults_resolved++;
	return 0;
}

int circe_svm_handle_fault(struct circe_svm_ctx *ctx, uint64_t va, bool write)
{
	struct circe_svm *svm;
	int rc;

	if (!ctx)
		return circe_err(-EINVAL, "fault: NULL context");
	svm = ctx->svm;
	/* The lock makes a fault that raced a registration wait for it. */
	pthread_mutex_lock(&svm->lock);
	rc = svm_fault_locked(ctx, va, write);
	pthread_mutex_unlock(&svm->lock);
	return rc;
}

int circe_svm_handle_fault_asid(struct circe_svm *svm, uint16_t asid, uint64_t va, bool write)
{
	struct circe_svm_ctx *ctx;
	int rc;

	if (!svm)
		return circe_err(-EINVAL, "fault: NULL svm");
	pthread_mutex_lock(&svm->lock);
	for (ctx = svm->ctxs; ctx && ctx->asid != asid; ctx = ctx->next)
		;
	if (ctx) {
		rc = svm_fault_locked(ctx, va, write);
	} else {
		svm->faults++;
		svm->faults_aborted++;
		rc = circe_err(-EFAULT, "device fault: %s at VA 0x%llx of ASID %u: no live context",
			       write ? "write" : "read", (unsigned long long)va, asid);
	}
	pthread_mutex_unlock(&svm->lock);
	return rc;
}
