/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the host process itself allows at a VA: is [va, va + len) mapped, and
 * with the permission the device asks for? svm/ asks before it pins memory
 * for writing (registration) and before it pins a page a device fault asks
 * for (on-demand contexts).
 *
 * Two checks, with different costs and side effects:
 *  - circe_hostmem_check_maps() reads /proc/self/maps: no side effect, one
 *    read of the maps file per call (registrations, error messages);
 *  - circe_hostmem_fault_in() is the fault path's check: madvise
 *    MADV_POPULATE_READ / MADV_POPULATE_WRITE, which the kernel answers from
 *    the live VMAs (a stale cache of the maps file could not see an mprotect
 *    or a munmap + mmap at the same address) and which also faults the page
 *    in, as get_user_pages would before a pin. Kernels older than 5.14 do not
 *    know the advice: then it falls back to the maps file.
 */
#ifndef CIRCE_SVM_HOSTMEM_H
#define CIRCE_SVM_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 0 when every page of [va, va + len) is mapped with read (write: write)
 * permission; -EFAULT when some page is not mapped, -EACCES when mapped
 * without the permission. why (may be NULL) receives words naming the
 * first offending page and its mapping.
 */
int circe_hostmem_check_maps(uint64_t va, uint64_t len, bool write, char *why, size_t cap);

/* The same answer for one page, from the live VMAs, faulting it in. */
int circe_hostmem_fault_in(uint64_t va, bool write, char *why, size_t cap);

#endif
