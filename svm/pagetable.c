/* SPDX-License-Identifier: Apache-2.0 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "circe/hw.h"
#include "common/error.h"
#include "svm/pagetable.h"
#include "svm/platform.h"

#define PAGETABLE_ROOT_LEVEL (CIRCE_HW_PT_LEVELS - 1u)

struct pagetable_table {
	circe_hw_pte_t *pte;		/* the page the device reads at iova */
	struct pagetable_table **child; /* shadow of the table entries; NULL at level 0 */
	struct pagetable_table *next;	/* pending list */
	uint64_t iova;
	unsigned level;
	unsigned valid; /* valid entries */
};

struct circe_pagetable {
	struct circe_platform *plat;
	struct pagetable_table *root;
	struct pagetable_table *pending;
	uint64_t tables;
	uint64_t npending;
	uint64_t leaves[3];
};

/* Bytes covered by a whole table at level. */
static uint64_t pagetable_span(unsigned level)
{
	return level >= PAGETABLE_ROOT_LEVEL ? CIRCE_PAGETABLE_VA_END
					     : CIRCE_PAGETABLE_LEAF_SIZE(level + 1);
}

static bool pagetable_is_leaf(circe_hw_pte_t pte, unsigned level)
{
	return level == 0 || (level < PAGETABLE_ROOT_LEVEL && (pte & CIRCE_HW_PTE_LEAF));
}

static circe_hw_pte_t pagetable_get(const struct pagetable_table *t, unsigned idx)
{
	return le64toh(__atomic_load_n(&t->pte[idx], __ATOMIC_RELAXED));
}

/* Release: everything written before (a new table's entries) is visible to a
 * walker that sees this entry. */
static void pagetable_set(struct pagetable_table *t, unsigned idx, circe_hw_pte_t pte)
{
	__atomic_store_n(&t->pte[idx], htole64(pte), __ATOMIC_RELEASE);
}

static circe_hw_pte_t pagetable_leaf_pte(uint64_t iova, unsigned level, uint64_t perm)
{
	return (iova & CIRCE_HW_PTE_ADDR_MASK) | CIRCE_HW_PTE_VALID | perm |
	       (level ? CIRCE_HW_PTE_LEAF : 0);
}

static void pagetable_table_free(struct circe_pagetable *pt, struct pagetable_table *t)
{
	/* Freeing a page the platform still maps would hand the device freed
	 * memory: if the unpin fails, leak the page instead. */
	if (circe_platform_unpin(pt->plat, t->iova, CIRCE_HW_PAGE_SIZE) == 0)
		free(t->pte);
	free(t->child);
	free(t);
	pt->tables--;
}

/* A zeroed table, pinned, with nothing linked to it yet. */
static int pagetable_table_new(struct circe_pagetable *pt, unsigned level,
			       struct pagetable_table **out)
{
	struct pagetable_table *t;
	int rc;

	t = calloc(1, sizeof(*t));
	if (!t)
		return circe_err(-ENOMEM, "page table: out of memory");
	t->level = level;
	t->pte = aligned_alloc(CIRCE_HW_PAGE_SIZE, CIRCE_HW_PAGE_SIZE);
	if (!t->pte) {
		rc = circe_err(-ENOMEM, "page table: out of memory for a table page");
		goto err_t;
	}
	memset(t->pte, 0, CIRCE_HW_PAGE_SIZE);
	if (level > 0) {
		t->child = calloc(CIRCE_HW_PT_ENTRIES, sizeof(*t->child));
		if (!t->child) {
			rc = circe_err(-ENOMEM, "page table: out of memory");
			goto err_pte;
		}
	}
	rc = circe_platform_pin(pt->plat, t->pte, CIRCE_HW_PAGE_SIZE, &t->iova);
	if (rc)
		goto err_child;
	pt->tables++;
	*out = t;
	return 0;

err_child:
	free(t->child);
err_pte:
	free(t->pte);
err_t:
	free(t);
	return rc;
}

static void pagetable_free_tree(struct circe_pagetable *pt, struct pagetable_table *t)
{
	if (t->child) {
		for (unsigned i = 0; i < CIRCE_HW_PT_ENTRIES; i++)
			if (t->child[i])
				pagetable_free_tree(pt, t->child[i]);
	}
	pagetable_table_free(pt, t);
}

int circe_pagetable_create(struct circe_platform *plat, struct circe_pagetable **out)
{
	struct circe_pagetable *pt;
	int rc;

	if (!plat || !out)
		return circe_err(-EINVAL, "page table create: NULL argument");
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return circe_err(-ENOMEM, "page table create: out of memory");
	pt->plat = plat;
	rc = pagetable_table_new(pt, PAGETABLE_ROOT_LEVEL, &pt->root);
	if (rc) {
		free(pt);
		return rc;
	}
	*out = pt;
	return 0;
}

void circe_pagetable_destroy(struct circe_pagetable *pt)
{
	if (!pt)
		return;
	circe_pagetable_reclaim(pt);
	pagetable_free_tree(pt, pt->root);
	free(pt);
}

uint64_t circe_pagetable_root_iova(const struct circe_pagetable *pt)
{
	return pt->root->iova;
}

void circe_pagetable_get_stats(const struct circe_pagetable *pt, struct circe_pagetable_stats *st)
{
	st->tables = pt->tables;
	st->pending = pt->npending;
	for (unsigned l = 0; l < 3; l++)
		st->leaves[l] = pt->leaves[l];
}

/* Walk the shadow down to the table at level covering va, creating missing
 * tables when create is set. -EEXIST when a leaf above level covers va;
 * -ENOENT when a table is missing and create is not set. */
static int pagetable_walk(struct circe_pagetable *pt, uint64_t va, unsigned level, bool create,
			  struct pagetable_table **out)
{
	struct pagetable_table *t = pt->root;

	while (t->level > level) {
		unsigned idx = CIRCE_HW_PT_INDEX(va, t->level);
		circe_hw_pte_t pte = pagetable_get(t, idx);
		struct pagetable_table *c;
		int rc;

		if (pte & CIRCE_HW_PTE_VALID) {
			if (pagetable_is_leaf(pte, t->level))
				return -EEXIST;
			t = t->child[idx];
			continue;
		}
		if (!create)
			return -ENOENT;
		rc = pagetable_table_new(pt, t->level - 1, &c);
		if (rc)
			return rc;
		t->child[idx] = c;
		pagetable_set(t, idx,
			      (c->iova & CIRCE_HW_PTE_ADDR_MASK) | CIRCE_PAGETABLE_TABLE_FLAGS);
		t->valid++;
		t = c;
	}
	*out = t;
	return 0;
}

static int pagetable_check_leaf(uint64_t va, uint64_t iova, unsigned level, uint64_t perm)
{
	uint64_t size;

	if (level > 2)
		return circe_err(-EINVAL, "page table map: leaf level %u (0, 1 or 2)", level);
	size = CIRCE_PAGETABLE_LEAF_SIZE(level);
	if ((va | iova) & (size - 1))
		return circe_err(
			-EINVAL, "page table map: VA 0x%llx or IOVA 0x%llx not aligned to 0x%llx",
			(unsigned long long)va, (unsigned long long)iova, (unsigned long long)size);
	if (va >= CIRCE_PAGETABLE_VA_END || CIRCE_PAGETABLE_VA_END - va < size)
		return circe_err(-EINVAL, "page table map: VA 0x%llx beyond 48 bits",
				 (unsigned long long)va);
	if (iova & ~CIRCE_HW_PTE_ADDR_MASK)
		return circe_err(-EINVAL, "page table map: IOVA 0x%llx beyond 52 bits",
				 (unsigned long long)iova);
	if (!perm || (perm & ~CIRCE_PAGETABLE_PERM_MASK))
		return circe_err(-EINVAL, "page table map: permissions 0x%llx",
				 (unsigned long long)perm);
	return 0;
}

int circe_pagetable_prepare(struct circe_pagetable *pt, uint64_t va, unsigned level)
{
	struct pagetable_table *t;
	int rc;

	if (level > 2 || va >= CIRCE_PAGETABLE_VA_END)
		return circe_err(-EINVAL, "page table prepare: level %u, VA 0x%llx", level,
				 (unsigned long long)va);
	rc = pagetable_walk(pt, va, level, true, &t);
	if (rc == -EEXIST)
		return circe_err(rc, "page table prepare: VA 0x%llx is inside a huge leaf",
				 (unsigned long long)va);
	return rc;
}

int circe_pagetable_map(struct circe_pagetable *pt, uint64_t va, uint64_t iova, unsigned level,
			uint64_t perm)
{
	struct pagetable_table *t;
	unsigned idx;
	int rc;

	rc = pagetable_check_leaf(va, iova, level, perm);
	if (rc)
		return rc;
	rc = pagetable_walk(pt, va, level, true, &t);
	if (rc == -EEXIST)
		goto exists;
	if (rc)
		return rc;
	idx = CIRCE_HW_PT_INDEX(va, level);
	if (pagetable_get(t, idx) & CIRCE_HW_PTE_VALID)
		goto exists;
	pagetable_set(t, idx, pagetable_leaf_pte(iova, level, perm));
	t->valid++;
	pt->leaves[level]++;
	return 0;
exists:
	return circe_err(-EEXIST, "page table map: VA 0x%llx (level %u) is already mapped",
			 (unsigned long long)va, level);
}

/* Split the huge leaf in entry idx of t. */
static int pagetable_split_entry(struct circe_pagetable *pt, struct pagetable_table *t,
				 unsigned idx)
{
	circe_hw_pte_t pte = pagetable_get(t, idx);
	unsigned lower = t->level - 1;
	uint64_t base = pte & CIRCE_HW_PTE_ADDR_MASK;
	uint64_t perm = pte & CIRCE_PAGETABLE_PERM_MASK;
	struct pagetable_table *c;
	int rc;

	rc = pagetable_table_new(pt, lower, &c);
	if (rc)
		return rc;
	for (unsigned i = 0; i < CIRCE_HW_PT_ENTRIES; i++)
		c->pte[i] = htole64(pagetable_leaf_pte(
			base + (uint64_t)i * CIRCE_PAGETABLE_LEAF_SIZE(lower), lower, perm));
	c->valid = CIRCE_HW_PT_ENTRIES;
	t->child[idx] = c;
	/* The same translations before and after: a walker may see either. */
	pagetable_set(t, idx, (c->iova & CIRCE_HW_PTE_ADDR_MASK) | CIRCE_PAGETABLE_TABLE_FLAGS);
	pt->leaves[t->level]--;
	pt->leaves[lower] += CIRCE_HW_PT_ENTRIES;
	return 0;
}

int circe_pagetable_split(struct circe_pagetable *pt, uint64_t va, unsigned level)
{
	struct pagetable_table *t;
	unsigned idx;
	circe_hw_pte_t pte;

	if (level < 1 || level > 2 || va >= CIRCE_PAGETABLE_VA_END)
		return circe_err(-EINVAL, "page table split: level %u, VA 0x%llx", level,
				 (unsigned long long)va);
	if (pagetable_walk(pt, va, level, false, &t))
		goto none;
	idx = CIRCE_HW_PT_INDEX(va, level);
	pte = pagetable_get(t, idx);
	if (!(pte & CIRCE_HW_PTE_VALID) || !pagetable_is_leaf(pte, level))
		goto none;
	return pagetable_split_entry(pt, t, idx);
none:
	return circe_err(-ENOENT, "page table split: no leaf at level %u covers VA 0x%llx", level,
			 (unsigned long long)va);
}

int circe_pagetable_split_at(struct circe_pagetable *pt, uint64_t va)
{
	struct pagetable_table *t = pt->root;

	if (va >= CIRCE_PAGETABLE_VA_END)
		return 0;
	while (t->level > 0) {
		unsigned idx = CIRCE_HW_PT_INDEX(va, t->level);
		circe_hw_pte_t pte = pagetable_get(t, idx);

		if (!(pte & CIRCE_HW_PTE_VALID))
			return 0;
		if (pagetable_is_leaf(pte, t->level)) {
			int rc;

			if (!(va & (CIRCE_PAGETABLE_LEAF_SIZE(t->level) - 1)))
				return 0;
			rc = pagetable_split_entry(pt, t, idx);
			if (rc)
				return rc;
		}
		t = t->child[idx];
	}
	return 0;
}

/* The huge leaves circe_pagetable_split_at(va) would split, one new table
 * each, named (level << 56 | leaf index) so that two split points can be
 * compared. */
static unsigned pagetable_split_ids(const struct circe_pagetable *pt, uint64_t va, uint64_t ids[2])
{
	const struct pagetable_table *t = pt->root;
	unsigned n = 0;

	if (va >= CIRCE_PAGETABLE_VA_END)
		return 0;
	while (t->level > 0) {
		unsigned idx = CIRCE_HW_PT_INDEX(va, t->level);
		circe_hw_pte_t pte = pagetable_get(t, idx);

		if (!(pte & CIRCE_HW_PTE_VALID))
			return 0;
		if (pagetable_is_leaf(pte, t->level)) {
			/* this leaf, then the smaller ones its split makes, down
			 * to the first level where va is aligned */
			for (unsigned l = t->level; l > 0; l--) {
				if (!(va & (CIRCE_PAGETABLE_LEAF_SIZE(l) - 1)))
					break;
				ids[n++] = (uint64_t)l << 56 | va >> CIRCE_HW_PT_LEVEL_SHIFT(l);
			}
			return n;
		}
		t = t->child[idx];
	}
	return 0;
}

unsigned circe_pagetable_split_cost(const struct circe_pagetable *pt, uint64_t va)
{
	uint64_t ids[2];

	return pagetable_split_ids(pt, va, ids);
}

unsigned circe_pagetable_split_cost_pair(const struct circe_pagetable *pt, uint64_t a, uint64_t b)
{
	uint64_t ia[2], ib[2];
	unsigned na = pagetable_split_ids(pt, a, ia);
	unsigned nb = pagetable_split_ids(pt, b, ib);
	unsigned n = na;

	for (unsigned j = 0; j < nb; j++) {
		bool shared = false;

		for (unsigned i = 0; i < na; i++)
			shared |= ia[i] == ib[j];
		n += !shared;
	}
	return n;
}

bool circe_pagetable_has_table(const struct circe_pagetable *pt, uint64_t va, unsigned level)
{
	const struct pagetable_table *t = pt->root;

	if (va >= CIRCE_PAGETABLE_VA_END)
		return false;
	while (t->level > level) {
		unsigned idx = CIRCE_HW_PT_INDEX(va, t->level);
		circe_hw_pte_t pte = pagetable_get(t, idx);

		if (!(pte & CIRCE_HW_PTE_VALID) || pagetable_is_leaf(pte, t->level))
			return false;
		t = t->child[idx];
	}
	return true;
}

enum pagetable_op {
	PAGETABLE_OP_UNMAP,
	PAGETABLE_OP_PROTECT,
	PAGETABLE_OP_PRUNE,
};

/* Apply op to the part of [va, end) inside table t, which covers VA from
 * base. Leaves are wholly inside (the caller split at the ends). Tables
 * left empty are unlinked onto the pending list. */
static void pagetable_range(struct circe_pagetable *pt, struct pagetable_table *t, uint64_t base,
			    uint64_t va, uint64_t end, enum pagetable_op op, uint64_t perm)
{
	unsigned shift = CIRCE_HW_PT_LEVEL_SHIFT(t->level);
	uint64_t lo = va > base ? va : base;
	uint64_t hi = end < base + pagetable_span(t->level) ? end : base + pagetable_span(t->level);

	for (unsigned idx = (unsigned)((lo - base) >> shift);
	     idx <= (unsigned)((hi - 1 - base) >> shift); idx++) {
		uint64_t ebase = base + ((uint64_t)idx << shift);
		circe_hw_pte_t pte = pagetable_get(t, idx);
		struct pagetable_table *c;

		if (!(pte & CIRCE_HW_PTE_VALID))
			continue;
		if (pagetable_is_leaf(pte, t->level)) {
			if (op == PAGETABLE_OP_UNMAP) {
				pagetable_set(t, idx, 0);
				t->valid--;
				pt->leaves[t->level]--;
			} else if (op == PAGETABLE_OP_PROTECT) {
				pagetable_set(t, idx, (pte & ~CIRCE_PAGETABLE_PERM_MASK) | perm);
			}
			continue;
		}
		c = t->child[idx];
		pagetable_range(pt, c, ebase, va, end, op, perm);
		if (c->valid == 0) {
			/* Unlinked now, freed only after the TLB invalidation:
			 * the device may be walking through it. */
			pagetable_set(t, idx, 0);
			t->child[idx] = NULL;
			t->valid--;
			c->next = pt->pending;
			pt->pending = c;
			pt->npending++;
		}
	}
}

static int pagetable_check_range(const char *what, uint64_t va, uint64_t len)
{
	if ((va | len) & (CIRCE_HW_PAGE_SIZE - 1) || va >= CIRCE_PAGETABLE_VA_END ||
	    len > CIRCE_PAGETABLE_VA_END - va)
		return circe_err(-EINVAL, "page table %s: bad range 0x%llx + 0x%llx", what,
				 (unsigned long long)va, (unsigned long long)len);
	return 0;
}

int circe_pagetable_unmap(struct circe_pagetable *pt, uint64_t va, uint64_t len)
{
	int rc = pagetable_check_range("unmap", va, len);

	if (rc || len == 0)
		return rc;
	rc = circe_pagetable_split_at(pt, va);
	if (!rc)
		rc = circe_pagetable_split_at(pt, va + len);
	if (rc)
		return rc;
	pagetable_range(pt, pt->root, 0, va, va + len, PAGETABLE_OP_UNMAP, 0);
	return 0;
}

int circe_pagetable_protect(struct circe_pagetable *pt, uint64_t va, uint64_t len, uint64_t perm)
{
	int rc = pagetable_check_range("protect", va, len);

	if (rc)
		return rc;
	if (!perm || (perm & ~CIRCE_PAGETABLE_PERM_MASK))
		return circe_err(-EINVAL, "page table protect: permissions 0x%llx",
				 (unsigned long long)perm);
	if (len == 0)
		return 0;
	rc = circe_pagetable_split_at(pt, va);
	if (!rc)
		rc = circe_pagetable_split_at(pt, va + len);
	if (rc)
		return rc;
	pagetable_range(pt, pt->root, 0, va, va + len, PAGETABLE_OP_PROTECT, perm);
	return 0;
}

void circe_pagetable_prune(struct circe_pagetable *pt, uint64_t va, uint64_t len)
{
	if (pagetable_check_range("prune", va, len) || len == 0)
		return;
	pagetable_range(pt, pt->root, 0, va, va + len, PAGETABLE_OP_PRUNE, 0);
}

void circe_pagetable_reclaim(struct circe_pagetable *pt)
{
	while (pt->pending) {
		struct pagetable_table *t = pt->pending;

		pt->pending = t->next;
		pt->npending--;
		pagetable_table_free(pt, t);
	}
}

int circe_pagetable_lookup(const struct circe_pagetable *pt, uint64_t va, uint64_t *iova,
			   uint64_t *pte_out, unsigned *level_out)
{
	uint64_t table = pt->root->iova;

	if (va >= CIRCE_PAGETABLE_VA_END)
		return -EFAULT;
	for (unsigned level = PAGETABLE_ROOT_LEVEL;; level--) {
		uint64_t raw;
		circe_hw_pte_t pte;

		if (circe_platform_read(
			    pt->plat, table + CIRCE_HW_PT_INDEX(va, level) * sizeof(circe_hw_pte_t),
			    &raw, sizeof(raw)))
			return -EFAULT;
		pte = le64toh(raw);
		if (!(pte & CIRCE_HW_PTE_VALID))
			return -EFAULT;
		if (level == PAGETABLE_ROOT_LEVEL && (pte & CIRCE_HW_PTE_LEAF))
			return -EFAULT;
		if (pagetable_is_leaf(pte, level)) {
			uint64_t size = CIRCE_PAGETABLE_LEAF_SIZE(level);

			if (iova)
				*iova = (pte & CIRCE_HW_PTE_ADDR_MASK & ~(size - 1)) |
					(va & (size - 1));
			if (pte_out)
				*pte_out = pte;
			if (level_out)
				*level_out = level;
			return 0;
		}
		table = pte & CIRCE_HW_PTE_ADDR_MASK;
	}
}
