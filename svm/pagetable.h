/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to svm/: one device page table in the format of include/circe/hw.h
 * (4 levels of 512 entries, 4 KiB / 2 MiB / 1 GiB leaves).
 *
 * Table pages are page-aligned host allocations pinned through the platform;
 * the device reads them by IOVA. The host keeps shadow pointers to child
 * tables so that it never has to translate an IOVA back. Every PTE store is
 * a release store and a new table is filled before the entry that links it,
 * so a concurrent walker sees either the old or the new subtree, never a
 * half-built one.
 *
 * Table lifetime: a table that becomes empty during unmap is unlinked at
 * once but stays pinned on a pending list, because the device may be in the
 * middle of a walk through it. The caller invalidates the device TLB and
 * then calls circe_pagetable_reclaim(), which unpins and frees the pending
 * tables. The root lives as long as the page table.
 *
 * Not thread-safe except circe_pagetable_lookup(), which only reads what the
 * device reads (through the platform) and may run concurrently with updates.
 */
#ifndef CIRCE_SVM_PAGETABLE_H
#define CIRCE_SVM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "circe/hw.h"

struct circe_platform;
struct circe_pagetable;

/* Bytes covered by a leaf at level 0 (4 KiB), 1 (2 MiB) or 2 (1 GiB). */
#define CIRCE_PAGETABLE_LEAF_SIZE(level) (1ull << CIRCE_HW_PT_LEVEL_SHIFT(level))
/* End of the translated VA space. */
#define CIRCE_PAGETABLE_VA_END (1ull << CIRCE_HW_VA_BITS)
/* Flags of an entry that points to a table: valid, and read/write so that a
 * walker which ANDs permissions along the walk sees the leaf's. */
#define CIRCE_PAGETABLE_TABLE_FLAGS (CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE)
#define CIRCE_PAGETABLE_PERM_MASK (CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE)

struct circe_pagetable_stats {
	uint64_t tables;    /* pinned table pages, the root and pending ones included */
	uint64_t pending;   /* unlinked, waiting for circe_pagetable_reclaim() */
	uint64_t leaves[3]; /* live leaves at level 0, 1, 2 */
};

/* Allocates and pins an empty root table. */
int circe_pagetable_create(struct circe_platform *plat, struct circe_pagetable **out);
/* Unpins and frees every table. The caller guarantees the device no longer
 * walks this table. NULL is a no-op. */
void circe_pagetable_destroy(struct circe_pagetable *pt);
uint64_t circe_pagetable_root_iova(const struct circe_pagetable *pt);
void circe_pagetable_get_stats(const struct circe_pagetable *pt, struct circe_pagetable_stats *st);

/*
 * Enter a leaf: va -> iova at level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), perm a
 * non-empty subset of CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE. va and iova
 * must be aligned to the leaf size. Missing tables are created.
 * -EEXIST when an entry (leaf or table) already covers any part of it.
 */
int circe_pagetable_map(struct circe_pagetable *pt, uint64_t va, uint64_t iova, unsigned level,
			uint64_t perm);

/* Create the (empty) tables a leaf at level for va needs, so that a later
 * circe_pagetable_map() of it cannot fail for lack of memory. */
int circe_pagetable_prepare(struct circe_pagetable *pt, uint64_t va, unsigned level);

/* Replace the huge leaf at level (1 or 2) covering va by a table of 512
 * leaves one level down with the same translation and permissions. */
int circe_pagetable_split(struct circe_pagetable *pt, uint64_t va, unsigned level);

/* Split the huge leaves that straddle va, so that va is a leaf boundary.
 * Translations are unchanged. */
int circe_pagetable_split_at(struct circe_pagetable *pt, uint64_t va);

/* Tables circe_pagetable_split_at(va) would allocate (0, 1 or 2). */
unsigned circe_pagetable_split_cost(const struct circe_pagetable *pt, uint64_t va);
/* Tables split_at(a) then split_at(b) would allocate: a leaf both split
 * counts once. */
unsigned circe_pagetable_split_cost_pair(const struct circe_pagetable *pt, uint64_t a, uint64_t b);

/* Does the table at level (0..3) covering va exist? */
bool circe_pagetable_has_table(const struct circe_pagetable *pt, uint64_t va, unsigned level);

/*
 * Clear every leaf inside [va, va + len) (page-aligned), splitting huge
 * leaves that straddle the ends first: -ENOMEM then, with nothing cleared.
 * Tables left empty are unlinked and put on the pending list.
 */
int circe_pagetable_unmap(struct circe_pagetable *pt, uint64_t va, uint64_t len);

/* Set the permissions of every leaf inside [va, va + len), splitting at the
 * ends as unmap does. */
int circe_pagetable_protect(struct circe_pagetable *pt, uint64_t va, uint64_t len, uint64_t perm);

/* Unlink tables in [va, va + len) that have no valid entry (e.g. made by
 * circe_pagetable_prepare() for a mapping that was abandoned). */
void circe_pagetable_prune(struct circe_pagetable *pt, uint64_t va, uint64_t len);

/* Unpin and free the pending tables. Call only after the device TLB was
 * invalidated for everything unmapped since the last reclaim. */
void circe_pagetable_reclaim(struct circe_pagetable *pt);

/*
 * Walk as the device does: read each entry by IOVA through the platform.
 * 0 with the IOVA, the leaf PTE and its level (any out pointer may be
 * NULL), or -EFAULT when an entry is invalid, a table cannot be read
 * (DECERR) or va is not below 2^48.
 */
int circe_pagetable_lookup(const struct circe_pagetable *pt, uint64_t va, uint64_t *iova,
			   uint64_t *pte, unsigned *level);

#endif
