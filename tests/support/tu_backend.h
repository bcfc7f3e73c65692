/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backends a suite runs its device tests on: every one this library has
 * (circe_backends[]), each with the device tree that describes it:
 * <dir of the default tree>/circe-<name>.dtb when the build made one (vsim's
 * RTL has no L2 TLB and one walker, so it has its own), else the default.
 * $CIRCE_TEST_BACKENDS (comma-separated names, e.g. "fmodel") narrows the
 * list. tu_backend_tests() makes one cmocka table of every test on every
 * backend ("test_x/vsim"), each test's initial state its backend, so one
 * group reports them all. Header-only so that suites without devices do not
 * link them.
 */
#ifndef CIRCE_TESTS_TU_BACKEND_H
#define CIRCE_TESTS_TU_BACKEND_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "driver/backend.h"
#include "tests/support/testutil.h"

#define TU_BACKEND_MAX 8

struct tu_backend {
	const char *name;   /* "fmodel", "vsim" */
	char uri[64];	    /* "fmodel:" */
	char dtb[PATH_MAX]; /* the tree that matches the backend's ID registers */
};

static inline bool tu_backend_selected(const char *name)
{
	const char *sel = getenv("CIRCE_TEST_BACKENDS");
	size_t n = strlen(name);

	if (!sel || !*sel)
		return true;
	for (const char *p = sel; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static inline void tu_backend_make(const struct circe_backend_ops *ops, struct tu_backend *b)
{
	const char *def = tu_default_dtb(), *slash = strrchr(def, '/');
	int dir = slash ? (int)(slash - def) : 0;

	memset(b, 0, sizeof(*b));
	b->name = ops->name;
	snprintf(b->uri, sizeof(b->uri), "%s:", ops->name);
	snprintf(b->dtb, sizeof(b->dtb), "%.*s%scirce-%s.dtb", dir, def, slash ? "/" : "",
		 ops->name);
	if (access(b->dtb, R_OK))
		snprintf(b->dtb, sizeof(b->dtb), "%s", def);
}

/* A fixture's device and context on backend be: 0, or -1 with the reason
 * printed and nothing left open. */
static inline int tu_backend_open(const struct tu_backend *be, struct circe_dev **dev,
				  struct circe_ctx **ctx)
{
	int err = circe_open(be->uri, be->dtb, dev);

	if (!err)
		err = circe_ctx_create(*dev, ctx);
	if (err) {
		print_error("%s: %s: %s\n", be->uri, circe_strerror(err), circe_errmsg());
		circe_close(*dev);
		*dev = NULL;
		return -1;
	}
	return 0;
}

/* The fixture of suites that run each test on one device and context of
 * its backend, with the suite's random stream. */
struct tu_fixture {
	const struct tu_backend *be;
	struct circe_dev *dev;
	struct circe_ctx *ctx;
	struct tu_rng rng;
};

/* cmocka setup: *state is the test's backend (struct tu_backend) on entry
 * and the fixture after; the stream is seeded by tu_seed(seed_name, seed). */
static inline int tu_fixture_setup(void **state, const char *seed_name, uint64_t seed)
{
	struct tu_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->be = *state;
	if (tu_backend_open(f->be, &f->dev, &f->ctx)) {
		free(f);
		return -1;
	}
	tu_rng_init(&f->rng, tu_seed(seed_name, seed));
	*state = f;
	return 0;
}

static inline int tu_fixture_teardown(void **state)
{
	struct tu_fixture *f = *state;

	circe_ctx_destroy(f->ctx);
	circe_close(f->dev);
	free(f);
	return 0;
}

/* Fill out[] with the selected backends; returns how many. Names of the
 * backends left out are printed as "# skip: ..." lines. */
static inline size_t tu_backends(struct tu_backend out[TU_BACKEND_MAX])
{
	size_t n = 0;

	for (size_t i = 0; circe_backends[i] && n < TU_BACKEND_MAX; i++) {
		if (!tu_backend_selected(circe_backends[i]->name)) {
			printf("# skip: backend %s (not in $CIRCE_TEST_BACKENDS)\n",
			       circe_backends[i]->name);
			continue;
		}
		tu_backend_make(circe_backends[i], &out[n++]);
	}
	return n;
}

/* Every test of tests[n] once per backend of be[nbe], backend-major, named
 * "<test>/<backend>", initial state &be[i] (a setup, or a test without one,
 * finds its backend in *state). Free with tu_backend_tests_free(). NULL when
 * out of memory. */
static inline struct CMUnitTest *tu_backend_tests(const struct CMUnitTest *tests, size_t n,
						  struct tu_backend *be, size_t nbe, size_t *count)
{
	struct CMUnitTest *t = calloc(n * nbe + 1, sizeof(*t));

	*count = 0;
	if (!t)
		return NULL;
	for (size_t b = 0; b < nbe; b++) {
		for (size_t i = 0; i < n; i++) {
			struct CMUnitTest *e = &t[*count];
			size_t len = strlen(tests[i].name) + strlen(be[b].name) + 2;
			char *name = malloc(len);

			if (!name)
				return t; /* the table so far; the caller frees it */
			snprintf(name, len, "%s/%s", tests[i].name, be[b].name);
			*e = tests[i];
			e->name = name;
			e->initial_state = &be[b];
			(*count)++;
		}
	}
	return t;
}

static inline void tu_backend_tests_free(struct CMUnitTest *t, size_t count)
{
	for (size_t i = 0; t && i < count; i++)
		free((char *)t[i].name);
	free(t);
}

#endif
