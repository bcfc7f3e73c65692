/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared virtual memory manager: address spaces (ASIDs), their device page
 * tables, registration (pin + map + PTE), safe unregistration (clear PTE,
 * invalidate the device TLB, wait for the acknowledge, only then unpin), the
 * pinned-bytes limit and fault service.
 *
 * svm/ never touches device registers: the driver hands it a small ops table
 * (set a page-table root, invalidate and wait for the acknowledge).
 *
 * Overlapping registrations (the documented rule, see docs/svm.md):
 * registrations are tracked as (va, len) ranges; pages are reference
 * counted. A page is pinned and mapped once, while at least one registration
 * covers it; its permissions are the union of the covering registrations'.
 * Registering an identical (va, len) twice is -EEXIST. Unregister takes
 * exactly the (va, len) of an earlier registration (-ENOENT otherwise); pages
 * still covered by other registrations stay mapped, with permissions
 * recomputed.
 */
#ifndef CIRCE_SVM_SVM_H
#define CIRCE_SVM_SVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct circe_platform;
struct circe_svm;
struct circe_svm_ctx;

/* What svm/ needs from the device; implemented by driver/. Each returns 0
 * or a negative errno. */
struct circe_svm_device_ops {
	/* Point ASID's page-table root at root_iova (valid) or disable it. */
	int (*set_root)(void *dev, uint16_t asid, uint64_t root_iova, bool valid);
	/* Invalidate the device TLB for [va, va + len) of asid (len 0: the whole
	 * ASID) and return only after the device acknowledged. */
	int (*invalidate)(void *dev, uint16_t asid, uint64_t va, uint64_t len);
};

struct circe_svm_config {
	uint32_t num_asids;	     /* from the device tree */
	uint64_t pinned_limit_bytes; /* 0: CIRCE_SVM_DEFAULT_PINNED_LIMIT */
};
#define CIRCE_SVM_DEFAULT_PINNED_LIMIT (4ull << 30)

struct circe_svm_stats {
	uint64_t pinned_bytes;	    /* user pages + page-table pages */
	uint64_t pinned_peak_bytes; /* the most pinned_bytes has been */
	uint64_t pinned_limit;
	uint64_t registrations;	  /* live */
	uint64_t pt_pages;	  /* live page-table pages */
	uint64_t faults;	  /* faults serviced: resolved + aborted */
	uint64_t faults_resolved; /* answered RESUME */
	uint64_t faults_aborted;  /* answered ABORT */
	uint64_t demand_faults;	  /* resolved by pinning or widening a page */
	uint64_t demand_pages;	  /* live pages pinned by faults */
	uint64_t invalidations;
	uint64_t huge_2m_entries, huge_1g_entries; /* live */
	/* Fault service time as the driver's fault worker measured it (from
	 * reading the record to writing the answer), over the most recent
	 * 65536 faults: count recorded so far, median, p99, max. */
	uint64_t fault_service_samples;
	uint64_t fault_service_median_ns, fault_service_p99_ns, fault_service_max_ns;
};

int circe_svm_create(struct circe_platform *plat, const struct circe_svm_device_ops *ops, void *dev,
		     const struct circe_svm_config *cfg, struct circe_svm **out);
/* All contexts must have been destroyed. NULL is a no-op. */
void circe_svm_destroy(struct circe_svm *svm);
int circe_svm_get_stats(struct circe_svm *svm, struct circe_svm_stats *stats);
/* One fault service time (ns) for the stats; reset forgets the kept ones. */
void circe_svm_record_fault_time(struct circe_svm *svm, uint64_t ns);
void circe_svm_reset_fault_times(struct circe_svm *svm);

/* Allocates the lowest free ASID (-EBUSY when none is left), builds an empty
 * root table and installs it with set_root. */
int circe_svm_ctx_create(struct circe_svm *svm, struct circe_svm_ctx **out);

/*
 * On-demand context: a fault on a page no registration covers is resolved
 * by pinning that page (4 KiB) and entering it in the page table, if the
 * process maps it with the permission the access needs (checked on the
 * live mappings, see hostmem.h). Such pages stay pinned until a
 * circe_svm_unregister whose range holds them, or the context's destroy.
 * A page a registration covers keeps the registration's permissions.
 */
#define CIRCE_SVM_CTX_ON_DEMAND (1u << 0)
int circe_svm_ctx_create_flags(struct circe_svm *svm, unsigned flags, struct circe_svm_ctx **out);
bool circe_svm_ctx_on_demand(const struct circe_svm_ctx *ctx);
/* Unregisters everything (invalidate-then-unpin), disables the root, frees
 * the page table and the ASID. NULL is a no-op. */
void circe_svm_ctx_destroy(struct circe_svm_ctx *ctx);
uint16_t circe_svm_ctx_asid(const struct circe_svm_ctx *ctx);

/* prot: CIRCE_MEM_READ | CIRCE_MEM_WRITE (circe.h). See the rule above.
 * The process must map the whole range with prot itself (/proc/self/maps):
 * -EFAULT where it is not mapped, -EACCES where it lacks the permission. */
int circe_svm_register(struct circe_svm_ctx *ctx, const void *va, size_t len, unsigned prot);
/* In an on-demand context also releases the pages faults pinned inside
 * [va, va + len); there a range that is no registration but holds such
 * pages releases just them. */
int circe_svm_unregister(struct circe_svm_ctx *ctx, const void *va, size_t len);

/* Translate as the device would (walking the page table the device reads):
 * 0 and the IOVA, or -EFAULT if unmapped or without the permission. For
 * tests and debugging. */
int circe_svm_translate(struct circe_svm_ctx *ctx, uint64_t va, bool write, uint64_t *iova);

/*
 * Service one device fault of this context. Returns 0 when the device should
 * resume (the page is mapped with the needed permission: a fault that raced
 * a registration, or an on-demand context's fault that pinned the page),
 * -EFAULT when the job must be aborted (circe_errmsg names the VA and why).
 */
int circe_svm_handle_fault(struct circe_svm_ctx *ctx, uint64_t va, bool write);
/* The same for the context that owns asid (-EFAULT if none does): what the
 * fault worker calls with a record's ASID. */
int circe_svm_handle_fault_asid(struct circe_svm *svm, uint16_t asid, uint64_t va, bool write);

/* Root IOVA of the context's page table (for debugging). */
uint64_t circe_svm_ctx_root_iova(const struct circe_svm_ctx *ctx);

#endif
