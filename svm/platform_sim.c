/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated platform: pinning is mlock() (best effort) plus circe's own
 * accounting, IOVAs come from a private window that never contains user VAs,
 * and the DMA map is what the device models read through resolve/read/write.
 *
 * One rwlock protects the map and the IOVA allocator: device-model threads
 * resolve under the read lock while svm/ pins and unpins under the write lock.
 * mlock/munlock also run under the write lock so that the "is this host page
 * still pinned by another mapping" question has a stable answer.
 *
 * Released IOVAs: every unpinned range is remembered until a pin reuses it,
 * and a device access that lands there is counted (released_hits), so tests
 * can prove that no device touches memory after its release.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "circe/hw.h"
#include "common/error.h"
#include "svm/platform.h"
#include "svm/platform_impl.h"

#define PLATFORM_SIM_ALIGN_2M (1ull << CIRCE_HW_HUGE_2M_SHIFT)
#define PLATFORM_SIM_ALIGN_1G (1ull << CIRCE_HW_HUGE_1G_SHIFT)

struct platform_sim_map {
	uint64_t iova;
	uint64_t len;
	uint8_t *host;
};

/* A free IOVA extent [start, start + len). */
struct platform_sim_extent {
	uint64_t start;
	uint64_t len;
};

struct platform_sim {
	struct circe_platform base;
	pthread_rwlock_t lock;
	struct platform_sim_map *maps; /* sorted by iova, disjoint */
	size_t nmaps, cap_maps;
	struct platform_sim_extent *free; /* sorted by start, disjoint, coalesced */
	size_t nfree, cap_free;
	/* unpinned and not pinned again; same shape as free */
	struct platform_sim_extent *released;
	size_t nreleased, cap_released;
	uint64_t released_hits;	 /* __atomic: accesses to released IOVAs */
	uint64_t released_first; /* __atomic: the first such IOVA */
	uint64_t pinned;	 /* __atomic: read without the lock */
	uint64_t mlock_failures; /* __atomic */
};

static const struct circe_platform_ops platform_sim_ops;

static struct platform_sim *platform_sim_of(struct circe_platform *plat)
{
	return (struct platform_sim *)plat;
}

static const struct platform_sim *platform_sim_of_const(const struct circe_platform *plat)
{
	return (const struct platform_sim *)plat;
}

static int platform_sim_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Index of the last mapping with iova <= addr, or -1. */
static ptrdiff_t platform_sim_find(const struct platform_sim *sim, uint64_t addr)
{
	size_t lo = 0, hi = sim->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sim->maps[mid].iova <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

/* Index of the mapping containing addr, or -1. */
static ptrdiff_t platform_sim_lookup(const struct platform_sim *sim, uint64_t addr)
{
	ptrdiff_t i = platform_sim_find(sim, addr);

	if (i < 0 || addr - sim->maps[i].iova >= sim->maps[i].len)
		return -1;
	return i;
}

/* ---- IOVA allocator ---- */

/*
 * First fit: the lowest address congruent to va modulo align that fits in a
 * free extent. An address equal to va is skipped: IOVA == VA would let a
 * missed translation go unnoticed.
 */
static int platform_sim_iova_alloc(struct platform_sim *sim, uint64_t va, uint64_t len,
				   uint64_t *iova)
{
	uint64_t align =
		len >= PLATFORM_SIM_ALIGN_1G ? PLATFORM_SIM_ALIGN_1G : PLATFORM_SIM_ALIGN_2M;

	for (size_t i = 0; i < sim->nfree; i++) {
		struct platform_sim_extent *e = &sim->free[i];
		uint64_t end = e->start + e->len;
		uint64_t a = e->start + ((va - e->start) & (align - 1));

		for (; a >= e->start && a <= end && len <= end - a; a += align) {
			uint64_t tail_start = a + len;
			uint64_t tail_len = end - tail_start;

			if (a == va)
				continue;
			if (a == e->start && tail_len == 0) {
				memmove(e, e + 1, (sim->nfree - i - 1) * sizeof(*e));
				sim->nfree--;
			} else if (a == e->start) {
				e->start = tail_start;
				e->len = tail_len;
			} else {
				e->len = a - e->start;
				if (tail_len) {
					/* capacity reserved by the caller */
					memmove(e + 2, e + 1, (sim->nfree - i - 1) * sizeof(*e));
					e[1].start = tail_start;
					e[1].len = tail_len;
					sim->nfree++;
				}
			}
			*iova = a;
			return 0;
		}
	}
	return -ENOMEM;
}

/* Add [start, start + len), disjoint from every extent, to a sorted and
 * coalesced extent list f[*n]. Capacity for one more extent is reserved by
 * the caller. */
static void platform_sim_extents_add(struct platform_sim_extent *f, size_t *n, uint64_t start,
				     uint64_t len)
{
	size_t lo = 0, hi = *n;
	bool join_prev, join_next;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first extent after the added range */
	join_prev = lo > 0 && f[lo - 1].start + f[lo - 1].len == start;
	join_next = lo < *n && start + len == f[lo].start;
	if (join_prev && join_next) {
		f[lo - 1].len += len + f[lo].len;
		memmove(&f[lo], &f[lo + 1], (*n - lo - 1) * sizeof(*f));
		(*n)--;
	} else if (join_prev) {
		f[lo - 1].len += len;
	} else if (join_next) {
		f[lo].start = start;
		f[lo].len += len;
	} else {
		memmove(&f[lo + 1], &f[lo], (*n - lo) * sizeof(*f));
		f[lo].start = start;
		f[lo].len = len;
		(*n)++;
	}
}

/* Return [start, start + len) to the free list. Capacity for one more
 * extent is reserved by the caller. */
static void platform_sim_iova_free(struct platform_sim *sim, uint64_t start, uint64_t len)
{
	platform_sim_extents_add(sim->free, &sim->nfree, start, len);
}

/* ---- released IOVAs ---- */

/* Forget [start, start + len) from the released list (a pin reuses it).
 * Capacity for one more extent (a split) is reserved by the caller. */
static void platform_sim_released_forget(struct platform_sim *sim, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	for (size_t i = 0; i < sim->nreleased;) {
		struct platform_sim_extent *e = &sim->released[i];
		uint64_t e_end = e->start + e->len;

		if (e_end <= start || e->start >= end) {
			i++;
			continue;
		}
		if (e->start < start && e_end > end) { /* split around the hole */
			memmove(e + 2, e + 1, (sim->nreleased - i - 1) * sizeof(*e));
			e->len = start - e->start;
			e[1].start = end;
			e[1].len = e_end - end;
			sim->nreleased++;
			return;
		}
		if (e->start < start) {
			e->len = start - e->start;
			i++;
		} else if (e_end > end) {
			e->len = e_end - end;
			e->start = end;
			i++;
		} else {
			memmove(e, e + 1, (sim->nreleased - i - 1) * sizeof(*e));
			sim->nreleased--;
		}
	}
}

/* Count an access that failed at addr if addr was released. Called with the
 * lock held (read or write). */
static void platform_sim_released_check(struct platform_sim *sim, uint64_t addr)
{
	size_t lo = 0, hi = sim->nreleased;
	uint64_t zero = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sim->released[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr - sim->released[lo - 1].start >= sim->released[lo - 1].len)
		return;
	__atomic_fetch_add(&sim->released_hits, 1, __ATOMIC_RELAXED);
	__atomic_compare_exchange_n(&sim->released_first, &zero, addr, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

/* ---- locking the host pages ---- */

/* Is [va, va + len) entirely mapped in this process? msync(MS_ASYNC) walks
 * the VMAs, does no I/O and reports a gap as ENOMEM. */
static bool platform_sim_host_mapped(void *va, size_t len)
{
	return msync(va, len, MS_ASYNC) == 0 || errno != ENOMEM;
}

/*
 * mlock() does not nest: munlock of a page drops the lock even if another
 * mapping still pins it. So unlock only the parts of [h, h + len) that no
 * remaining mapping covers; the IOVA range [gone, gone_end) is being removed
 * and does not count as remaining.
 */
static void platform_sim_munlock_unshared(const struct platform_sim *sim, uint8_t *h, uint64_t len,
					  uint64_t gone, uint64_t gone_end)
{
	uint8_t *cur = h, *end = h + len;

	while (cur < end) {
		uint8_t *covered_to = NULL, *next_start = end;

		for (size_t i = 0; i < sim->nmaps; i++) {
			const struct platform_sim_map *m = &sim->maps[i];
			/* the mapping minus the range being removed: up to two parts */
			uint64_t parts[2][2] = { { m->iova, m->iova + m->len },
						 { m->iova + m->len, m->iova + m->len } };

			if (gone < m->iova + m->len && gone_end > m->iova) {
				parts[0][1] = gone > m->iova ? gone : m->iova;
				parts[1][0] = gone_end < m->iova + m->len ? gone_end : parts[1][1];
			}
			for (int p = 0; p < 2; p++) {
				uint8_t *hs, *he;

				if (parts[p][0] >= parts[p][1])
					continue;
				hs = m->host + (parts[p][0] - m->iova);
				he = m->host + (parts[p][1] - m->iova);
				if (hs <= cur && he > cur) {
					if (!covered_to || he > covered_to)
						covered_to = he;
				} else if (hs > cur && hs < next_start) {
					next_start = hs;
				}
			}
		}
		if (covered_to) {
			cur = covered_to;
		} else {
			munlock(cur, (size_t)(next_start - cur));
			cur = next_start;
		}
	}
}

/* ---- ops ---- */

static int platform_sim_pin(struct circe_platform *plat, void *va, size_t len, uint64_t *iova)
{
	struct platform_sim *sim = platform_sim_of(plat);
	uint64_t a;
	ptrdiff_t pos;
	int rc;

	if (!platform_sim_host_mapped(va, len))
		return circe_err(-EFAULT,
				 "platform pin: [%p, +0x%zx) is not mapped in this process", va,
				 len);

	pthread_rwlock_wrlock(&sim->lock);
	if (platform_sim_reserve((void **)&sim->maps, &sim->cap_maps, sim->nmaps + 1,
				 sizeof(*sim->maps)) ||
	    platform_sim_reserve((void **)&sim->free, &sim->cap_free, sim->nfree + 1,
				 sizeof(*sim->free)) ||
	    platform_sim_reserve((void **)&sim->released, &sim->cap_released, sim->nreleased + 1,
				 sizeof(*sim->released))) {
		rc = circe_err(-ENOMEM, "platform pin: out of memory for the DMA map");
		goto out_unlock;
	}
	if (platform_sim_iova_alloc(sim, (uint64_t)(uintptr_t)va, len, &a)) {
		rc = circe_err(-ENOMEM, "platform pin: IOVA window exhausted (0x%zx bytes wanted)",
			       len);
		goto out_unlock;
	}
	/* Best effort: without CAP_IPC_LOCK, RLIMIT_MEMLOCK may refuse. The
	 * mapping still works; the pages are just not locked in RAM. */
	if (mlock(va, len))
		__atomic_fetch_add(&sim->mlock_failures, 1, __ATOMIC_RELAXED);

	pos = platform_sim_find(sim, a) + 1;
	memmove(&sim->maps[pos + 1], &sim->maps[pos],
		(sim->nmaps - (size_t)pos) * sizeof(*sim->maps));
	sim->maps[pos].iova = a;
	sim->maps[pos].len = len;
	sim->maps[pos].host = va;
	sim->nmaps++;
	platform_sim_released_forget(sim, a, len);
	__atomic_fetch_add(&sim->pinned, len, __ATOMIC_RELAXED);
	*iova = a;
	rc = 0;
out_unlock:
	pthread_rwlock_unlock(&sim->lock);
	return rc;
}

static int platform_sim_unpin(struct circe_platform *plat, uint64_t iova, size_t len)
{
	struct platform_sim *sim = platform_sim_of(plat);
	uint64_t end = iova + len, cur;
	struct platform_sim_map head = { 0 }, tail = { 0 };
	ptrdiff_t first, last;
	size_t keep, removed;
	int rc = 0;

	pthread_rwlock_wrlock(&sim->lock);
	first = platform_sim_lookup(sim, iova);
	if (first < 0) {
		rc = circe_err(-ENOENT, "platform unpin: IOVA 0x%llx is not mapped",
			       (unsigned long long)iova);
		goto out_unlock;
	}
	last = first;
	cur = sim->maps[first].iova + sim->maps[first].len;
	while (cur < end) {
		if ((size_t)last + 1 >= sim->nmaps || sim->maps[last + 1].iova != cur) {
			rc = circe_err(-ENOENT, "platform unpin: IOVA 0x%llx is not mapped",
				       (unsigned long long)cur);
			goto out_unlock;
		}
		last++;
		cur = sim->maps[last].iova + sim->maps[last].len;
	}
	if (platform_sim_reserve((void **)&sim->maps, &sim->cap_maps, sim->nmaps + 1,
				 sizeof(*sim->maps)) ||
	    platform_sim_reserve((void **)&sim->free, &sim->cap_free, sim->nfree + 1,
				 sizeof(*sim->free)) ||
	    platform_sim_reserve((void **)&sim->released, &sim->cap_released, sim->nreleased + 1,
				 sizeof(*sim->released))) {
		rc = circe_err(-ENOMEM, "platform unpin: out of memory for the DMA map");
		goto out_unlock;
	}

	/* Unlock the host pages while the map still shows who else pins them. */
	for (ptrdiff_t i = first; i <= last; i++) {
		const struct platform_sim_map *m = &sim->maps[i];
		uint64_t s = iova > m->iova ? iova : m->iova;
		uint64_t e = end < m->iova + m->len ? end : m->iova + m->len;

		platform_sim_munlock_unshared(sim, m->host + (s - m->iova), e - s, iova, end);
	}

	if (iova > sim->maps[first].iova) {
		head = sim->maps[first];
		head.len = iova - head.iova;
	}
	if (end < sim->maps[last].iova + sim->maps[last].len) {
		tail = sim->maps[last];
		tail.host += end - tail.iova;
		tail.len = tail.iova + tail.len - end;
		tail.iova = end;
	}
	removed = (size_t)(last - first + 1);
	keep = (head.len != 0) + (tail.len != 0);
	memmove(&sim->maps[(size_t)first + keep], &sim->maps[last + 1],
		(sim->nmaps - (size_t)last - 1) * sizeof(*sim->maps));
	sim->nmaps = sim->nmaps - removed + keep;
	if (head.len)
		sim->maps[first++] = head;
	if (tail.len)
		sim->maps[first] = tail;

	platform_sim_iova_free(sim, iova, len);
	platform_sim_extents_add(sim->released, &sim->nreleased, iova, len);
	__atomic_fetch_sub(&sim->pinned, len, __ATOMIC_RELAXED);
out_unlock:
	pthread_rwlock_unlock(&sim->lock);
	return rc;
}

static int platform_sim_resolve(struct circe_platform *plat, uint64_t iova, size_t len, void **host)
{
	struct platform_sim *sim = platform_sim_of(plat);
	ptrdiff_t i;
	int rc = 0;

	pthread_rwlock_rdlock(&sim->lock);
	i = platform_sim_lookup(sim, iova);
	if (i < 0 || len > sim->maps[i].len - (iova - sim->maps[i].iova)) {
		rc = -EFAULT; /* DECERR: hot path for device models, no message */
		platform_sim_released_check(sim,
					    i < 0 ? iova : sim->maps[i].iova + sim->maps[i].len);
		goto out_unlock;
	}
	*host = sim->maps[i].host + (iova - sim->maps[i].iova);
out_unlock:
	pthread_rwlock_unlock(&sim->lock);
	return rc;
}

/* An aligned 8-byte access is single-copy atomic, as one bus beat is: a
 * walker reading a page-table entry that svm/ updates with an atomic store
 * sees the old or the new entry, never a mix. */
static void platform_sim_move(uint8_t *host, uint8_t *buf, uint64_t n, bool to_device)
{
	if (n == sizeof(uint64_t) && !((uintptr_t)host & 7) && !((uintptr_t)buf & 7)) {
		if (to_device)
			__atomic_store_n((uint64_t *)(void *)host, *(uint64_t *)(void *)buf,
					 __ATOMIC_RELAXED);
		else
			*(uint64_t *)(void *)buf =
				__atomic_load_n((uint64_t *)(void *)host, __ATOMIC_ACQUIRE);
		return;
	}
	if (to_device)
		memcpy(host, buf, n);
	else
		memcpy(buf, host, n);
}

/* Copy between the DMA space and dst/src, crossing mappings; stop at the
 * first unmapped byte. */
static int platform_sim_copy(struct platform_sim *sim, uint64_t iova, uint8_t *buf, size_t len,
			     bool to_device)
{
	int rc = 0;

	pthread_rwlock_rdlock(&sim->lock);
	while (len) {
		ptrdiff_t i = platform_sim_lookup(sim, iova);
		uint64_t off, n;

		if (i < 0) {
			rc = -EFAULT;
			platform_sim_released_check(sim, iova);
			break;
		}
		off = iova - sim->maps[i].iova;
		n = sim->maps[i].len - off;
		if (n > len)
			n = len;
		platform_sim_move(sim->maps[i].host + off, buf, n, to_device);
		iova += n;
		buf += n;
		len -= n;
		if (len && iova == 0) { /* wrapped past 2^64 */
			rc = -EFAULT;
			break;
		}
	}
	pthread_rwlock_unlock(&sim->lock);
	return rc;
}

static int platform_sim_read(struct circe_platform *plat, uint64_t iova, void *dst, size_t len)
{
	return platform_sim_copy(platform_sim_of(plat), iova, dst, len, false);
}

static int platform_sim_write(struct circe_platform *plat, uint64_t iova, const void *src,
			      size_t len)
{
	return platform_sim_copy(platform_sim_of(plat), iova, (uint8_t *)(uintptr_t)src, len, true);
}

static uint64_t platform_sim_pinned_bytes(const struct circe_platform *plat)
{
	return __atomic_load_n(&platform_sim_of_const(plat)->pinned, __ATOMIC_RELAXED);
}

static void platform_sim_destroy(struct circe_platform *plat)
{
	struct platform_sim *sim = platform_sim_of(plat);

	for (size_t i = 0; i < sim->nmaps; i++)
		munlock(sim->maps[i].host, sim->maps[i].len);
	pthread_rwlock_destroy(&sim->lock);
	free(sim->maps);
	free(sim->free);
	free(sim->released);
	free(sim);
}

static const struct circe_platform_ops platform_sim_ops = {
	.name = "sim",
	.destroy = platform_sim_destroy,
	.pin = platform_sim_pin,
	.unpin = platform_sim_unpin,
	.resolve = platform_sim_resolve,
	.read = platform_sim_read,
	.write = platform_sim_write,
	.pinned_bytes = platform_sim_pinned_bytes,
};

int circe_platform_sim_create(struct circe_platform **out)
{
	struct platform_sim *sim;
	pthread_rwlockattr_t attr;
	int rc;

	if (!out)
		return circe_err(-EINVAL, "platform sim create: NULL out");
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return circe_err(-ENOMEM, "platform sim create: out of memory");
	sim->base.ops = &platform_sim_ops;
	/* Device-model threads resolve all the time; without writer
	 * preference (glibc prefers readers) a pin could wait forever. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&sim->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc) {
		free(sim);
		return circe_err(-ENOMEM, "platform sim create: cannot create the map lock");
	}
	sim->free = calloc(16, sizeof(*sim->free));
	if (!sim->free) {
		pthread_rwlock_destroy(&sim->lock);
		free(sim);
		return circe_err(-ENOMEM, "platform sim create: out of memory");
	}
	sim->cap_free = 16;
	sim->free[0].start = CIRCE_PLATFORM_SIM_IOVA_BASE;
	sim->free[0].len = CIRCE_PLATFORM_SIM_IOVA_SIZE;
	sim->nfree = 1;
	*out = &sim->base;
	return 0;
}

uint64_t circe_platform_sim_mlock_failures(const struct circe_platform *plat)
{
	if (!plat || plat->ops != &platform_sim_ops)
		return 0;
	return __atomic_load_n(&platform_sim_of_const(plat)->mlock_failures, __ATOMIC_RELAXED);
}

size_t circe_platform_sim_mappings(const struct circe_platform *plat)
{
	const struct platform_sim *sim;
	size_t n;

	if (!plat || plat->ops != &platform_sim_ops)
		return 0;
	sim = platform_sim_of_const(plat);
	pthread_rwlock_rdlock((pthread_rwlock_t *)&sim->lock);
	n = sim->nmaps;
	pthread_rwlock_unlock((pthread_rwlock_t *)&sim->lock);
	return n;
}

uint64_t circe_platform_sim_released_hits(const struct circe_platform *plat, uint64_t *first)
{
	const struct platform_sim *sim;

	if (first)
		*first = 0;
	if (!plat || plat->ops != &platform_sim_ops)
		return 0;
	sim = platform_sim_of_const(plat);
	if (first)
		*first = __atomic_load_n(&sim->released_first, __ATOMIC_RELAXED);
	return __atomic_load_n(&sim->released_hits, __ATOMIC_RELAXED);
}
