/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fmodel / vsim pair the co-simulation suites (test_cosim, test_circ)
 * compare: one device and context per side, each with a registered page of
 * descriptors, buffers allocated for the whole group and freed at its
 * teardown, and the group's seeded stream. fmodel is opened with the
 * geometry of the vsim tree, so both report the same ID registers. Where
 * the build has no vsim, the group state is NULL and tu_pair_get() skips.
 * Header-only, like tu_backend.h.
 */
#ifndef CIRCE_TESTS_TU_PAIR_H
#define CIRCE_TESTS_TU_PAIR_H

#include "tests/support/tu_backend.h"

#define TU_PAIR_SIDES 2 /* 0: fmodel, 1: vsim */
#define TU_PAIR_MAX_ALLOCS 512u
#define TU_PAIR_FMODEL_URI "fmodel:l2sets=256,l2ways=4,walkers=4" /* = circe-vsim.dtb */

static const char *const tu_pair_side_name[TU_PAIR_SIDES] = { "fmodel", "vsim" };

struct tu_pair_side {
	struct circe_dev *dev;
	struct circe_ctx *ctx;
	union circe_hw_desc *descs; /* n_descs, registered RW */
};

struct tu_pair {
	struct tu_pair_side s[TU_PAIR_SIDES];
	uint32_t n_descs;
	char dtb[PATH_MAX];
	void *allocs[TU_PAIR_MAX_ALLOCS];
	unsigned n_allocs;
	struct tu_rng rng;
};

/* Page-aligned, zeroed, freed at teardown. */
static inline void *tu_pair_alloc(struct tu_pair *c, size_t bytes)
{
	void *p = tu_alloc_pages(bytes ? bytes : 1);

	assert_non_null(p);
	assert_true(c->n_allocs < TU_PAIR_MAX_ALLOCS);
	c->allocs[c->n_allocs++] = p;
	return p;
}

static inline void tu_pair_register_side(struct tu_pair *c, int s, const void *p, size_t bytes,
					 unsigned flags)
{
	int rc = circe_mem_register(c->s[s].ctx, p, bytes, flags);

	if (rc)
		print_error("%s: register: %s\n", tu_pair_side_name[s], circe_errmsg());
	assert_int_equal(rc, 0);
}

/* The same buffer registered on both sides. */
static inline void tu_pair_register(struct tu_pair *c, const void *p, size_t bytes, unsigned flags)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		tu_pair_register_side(c, s, p, bytes, flags);
}

/* A group setup: n_descs descriptors per side, the stream seeded by
 * tu_seed(seed_name, seed). */
static inline int tu_pair_setup(void **state, uint32_t n_descs, const char *seed_name,
				uint64_t seed)
{
	struct tu_backend be[TU_BACKEND_MAX];
	size_t n = tu_backends(be);
	struct tu_pair *c;
	bool have_vsim = false;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(be[i].name, "vsim"))
			have_vsim = true;
	if (!have_vsim) {
		/* cmocka has no group skip: the tests see a NULL state and skip. */
		*state = NULL;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	*state = c; /* the teardown frees what a failing setup left */
	c->n_descs = n_descs;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(be[i].name, "vsim"))
			snprintf(c->dtb, sizeof(c->dtb), "%s", be[i].dtb);
	for (int i = 0; i < TU_PAIR_SIDES; i++) {
		struct tu_pair_side *s = &c->s[i];
		const char *uri = i ? "vsim:" : TU_PAIR_FMODEL_URI;
		size_t bytes = n_descs * sizeof(*s->descs);

		if (circe_open(uri, c->dtb, &s->dev) || circe_ctx_create(s->dev, &s->ctx)) {
			print_error("setup: %s: %s\n", uri, circe_errmsg());
			return -1;
		}
		s->descs = tu_alloc_pages(bytes);
		if (!s->descs || circe_mem_register(s->ctx, s->descs, bytes, CIRCE_MEM_RW)) {
			print_error("setup: %s: %s\n", uri, circe_errmsg());
			return -1;
		}
	}
	tu_rng_init(&c->rng, tu_seed(seed_name, seed));
	return 0;
}

static inline int tu_pair_teardown(void **state)
{
	struct tu_pair *c = *state;

	if (!c)
		return 0;
	for (int i = 0; i < TU_PAIR_SIDES; i++) {
		circe_ctx_destroy(c->s[i].ctx);
		circe_close(c->s[i].dev);
		free(c->s[i].descs);
	}
	for (unsigned i = 0; i < c->n_allocs; i++)
		free(c->allocs[i]);
	free(c);
	return 0;
}

/* The group's pair, or a skip where the build has no vsim. */
static inline struct tu_pair *tu_pair_get(void **state)
{
	struct tu_pair *c = *state;

	if (!c) {
		print_message("# skip: no vsim backend in this build (Verilator not found, or a "
			      "sanitizer build), nothing to compare fmodel with\n");
		skip();
	}
	return c;
}

#endif
