/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the cmocka suites: paths from scripts/run-tests.sh, a
 * seeded random generator whose seed is printed so failures reproduce. */
#ifndef CIRCE_TESTS_TESTUTIL_H
#define CIRCE_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* $CIRCE_DTB etc., with a fallback relative to the repository root. */
const char *tu_default_dtb(void);  /* build/dt/circe.dtb */
const char *tu_test_dtb_dir(void); /* build/tests/dts */
const char *tu_circe_bin(void);	   /* build/bin/circe */
const char *tu_src_dir(void);	   /* repository root */
const char *tu_tmp_dir(void);	   /* scratch directory, exists */

/* Seed from $CIRCE_SEED or fixed_seed; prints "# seed NAME = S". */
uint64_t tu_seed(const char *name, uint64_t fixed_seed);

struct tu_rng {
	uint64_t s;
};
void tu_rng_init(struct tu_rng *r, uint64_t seed);
uint64_t tu_rng_u64(struct tu_rng *r);
/* Uniform in [lo, hi] (inclusive). */
int64_t tu_rng_range(struct tu_rng *r, int64_t lo, int64_t hi);
void tu_rng_fill_i8(struct tu_rng *r, int8_t *dst, size_t n, int lo, int hi);

/* Page-aligned zeroed allocation, free with free(). */
void *tu_alloc_pages(size_t bytes);

/* Run argv[0] with argv (NULL-terminated); stdout+stderr into *output
 * (malloc'd, may be NULL). Returns the exit status, or -1 if it did not exit
 * normally (e.g. crashed). */
int tu_run(char *const argv[], char **output);

#endif
