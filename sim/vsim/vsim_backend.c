/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vsim backend: circe_top under Verilator (sim/vsim/vsim.h) behind the
 * driver's ops table. URI "vsim:" (options: only the ones this build's RTL
 * has, e.g. "vsim:rows=16,cols=16"; the RTL parameters are fixed when the
 * model is verilated, see sim/vsim/vsim.mk). "vsim:mmu=ideal" opens the
 * ideal-MMU model instead, where the library has one (VSIM_IDEAL=1).
 *
 * Every op takes the device's lock, so the driver may call from several
 * threads. Simulated time runs only inside the ops: a register access for
 * its few AXI4-Lite cycles, wait_irq in slices of CIRCE_VSIM_SLICE cycles
 * until the interrupt is high or the wall-time timeout passed. Between
 * slices the lock is dropped and other threads' accesses go first (the
 * driver resets a hung job from another thread that way).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/hw.h"
#include "common/error.h"
#include "driver/backend.h"
#include "sim/vsim/vsim.h"
#include "sim/vsim/vsim_backend.h"
#include "svm/platform.h"

/* Cycles between two looks at the wall clock in wait_irq (a few ms), and
 * between two chances for other threads to take the lock. */
#define CIRCE_VSIM_SLICE 2048u

struct circe_vsim_dev {
	struct circe_vsim *sim;
	pthread_mutex_t lock;
	int waiters; /* threads queued for the lock (atomic) */
};

/* Devices opened with $CIRCE_TRACE set, in this process: the first writes
 * the file named, the next ones <name>-1.fst, <name>-2.fst, ... (a count,
 * not a device: each device is independent). */
static unsigned circe_vsim_traces;

/* The trace file of this device: $CIRCE_TRACE, numbered after the first. */
static int circe_vsim_trace_path(char *buf, size_t len, const char **path)
{
	const char *env = getenv("CIRCE_TRACE"), *dot, *slash;
	unsigned seq;

	*path = NULL;
	if (!env || !*env)
		return 0;
	seq = __atomic_fetch_add(&circe_vsim_traces, 1, __ATOMIC_RELAXED);
	if (!seq) {
		*path = env;
		return 0;
	}
	dot = strrchr(env, '.');
	slash = strrchr(env, '/');
	if (!dot || (slash && dot < slash))
		dot = env + strlen(env);
	if ((size_t)snprintf(buf, len, "%.*s-%u%s", (int)(dot - env), env, seq, dot) >= len)
		return circe_err(-ENAMETOOLONG, "vsim: $CIRCE_TRACE '%s' is too long", env);
	*path = buf;
	return 0;
}

/* ---- options ---------------------------------------------------------- */

struct circe_vsim_opt {
	const char *key;
	uint32_t built;
};

static int circe_vsim_parse_opt(const struct circe_vsim_opt *opts, size_t n, char *tok)
{
	char *eq = strchr(tok, '='), *end;
	unsigned long long v;

	if (!eq)
		return circe_err(-EINVAL, "vsim: option '%s' is not key=value", tok);
	*eq = '\0';
	for (size_t i = 0; i < n; i++) {
		if (strcmp(tok, opts[i].key))
			continue;
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-')
			return circe_err(-EINVAL, "vsim: %s='%s' is not a number", tok, eq + 1);
		if (v != opts[i].built)
			return circe_err(-EINVAL,
					 "vsim: %s=%llu, but this build's RTL has %s=%" PRIu32
					 " (the parameters are fixed when the model is verilated: "
					 "rebuild with the VSIM_* variables of sim/vsim/vsim.mk)",
					 tok, v, tok, opts[i].built);
		return 0;
	}
	return circe_err(-EINVAL,
			 "vsim: unknown option '%s' (known: rows, cols, l1, l2sets, l2ways, asids, "
			 "walkers, mmu)",
			 tok);
}

/* mmu=tlb (the default) or mmu=ideal: which of the library's models. */
static int circe_vsim_parse_mmu(const char *val, bool *ideal)
{
	if (!strcmp(val, "tlb")) {
		*ideal = false;
		return 0;
	}
	if (strcmp(val, "ideal"))
		return circe_err(-EINVAL, "vsim: mmu='%s': must be 'tlb' or 'ideal'", val);
	if (!circe_vsim_have_ideal())
		return circe_err(-EOPNOTSUPP,
				 "vsim: mmu=ideal: this library has no ideal-MMU model (build it "
				 "with 'make VSIM_IDEAL=1', as 'make bench' does)");
	*ideal = true;
	return 0;
}

/* The options name the configuration the caller expects; they must be the
 * one the model was verilated with. mmu= picks the model. */
static int circe_vsim_parse_args(const char *args, bool *ideal)
{
	struct circe_vsim_build b;
	char *copy, *save = NULL, *tok;
	int rc = 0;

	*ideal = false;
	if (!args || !*args)
		return 0;
	circe_vsim_build_info(&b);
	{
		const struct circe_vsim_opt opts[] = {
			{ "rows", b.rows },	  { "cols", b.cols },	   { "l1", b.l1_entries },
			{ "l2sets", b.l2_sets },  { "l2ways", b.l2_ways }, { "asids", b.num_asids },
			{ "walkers", b.walkers },
		};

		copy = strdup(args);
		if (!copy)
			return circe_err(-ENOMEM, "vsim: no memory for the options");
		for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
			rc = !strncmp(tok, "mmu=", 4)
				     ? circe_vsim_parse_mmu(tok + 4, ideal)
				     : circe_vsim_parse_opt(opts, sizeof(opts) / sizeof(opts[0]),
							    tok);
		free(copy);
	}
	return rc;
}

/* ---- locking ---------------------------------------------------------- */

static void circe_vsim_lock(struct circe_vsim_dev *d)
{
	__atomic_add_fetch(&d->waiters, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&d->lock);
	__atomic_sub_fetch(&d->waiters, 1, __ATOMIC_ACQ_REL);
}

static void circe_vsim_unlock(struct circe_vsim_dev *d)
{
	pthread_mutex_unlock(&d->lock);
}

/* ---- ops -------------------------------------------------------------- */

static int circe_vsim_op_open(const char *args, const struct circe_dt_config *cfg,
			      struct circe_platform *plat, void **state)
{
	struct circe_vsim_config vc = { 0 };
	struct circe_vsim_dev *d;
	char trace_buf[4096];
	const char *trace;
	int rc;

	if (!cfg || !plat || !state)
		return circe_err(-EINVAL,
				 "vsim: open needs a device tree, a platform and a state pointer");
	rc = circe_vsim_parse_args(args, &vc.ideal_mmu);
	if (rc)
		return rc;
	rc = circe_vsim_trace_path(trace_buf, sizeof(trace_buf), &trace);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return circe_err(-ENOMEM, "vsim: no memory for the device");
	rc = -pthread_mutex_init(&d->lock, NULL);
	if (rc) {
		rc = circe_err(rc, "vsim: mutex init failed");
		goto err_free;
	}
	vc.mem_latency_cycles = cfg->mem_latency_cycles;
	vc.mem_bytes_per_cycle = cfg->mem_bytes_per_cycle;
	vc.mem_max_outstanding = cfg->mem_max_outstanding;
	vc.trace_path = trace;
	rc = circe_vsim_create(&vc, plat, &d->sim);
	if (rc)
		goto err_lock;
	*state = d;
	return 0;

err_lock:
	pthread_mutex_destroy(&d->lock);
err_free:
	free(d);
	return rc;
}

static void circe_vsim_op_close(void *state)
{
	struct circe_vsim_dev *d = state;

	if (!d)
		return;
	circe_vsim_destroy(d->sim);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static int circe_vsim_op_reg_read(void *state, uint32_t off, uint32_t *val)
{
	struct circe_vsim_dev *d = state;
	int rc;

	circe_vsim_lock(d);
	rc = circe_vsim_reg_read(d->sim, off, val);
	circe_vsim_unlock(d);
	return rc;
}

static int circe_vsim_op_reg_write(void *state, uint32_t off, uint32_t val)
{
	struct circe_vsim_dev *d = state;
	int rc;

	circe_vsim_lock(d);
	rc = circe_vsim_reg_write(d->sim, off, val);
	circe_vsim_unlock(d);
	return rc;
}

static double circe_vsim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int circe_vsim_op_wait_irq(void *state, uint64_t timeout_us)
{
	struct circe_vsim_dev *d = state;
	double deadline = circe_vsim_now() + (double)timeout_us * 1e-6;
	bool irq;

	for (;;) {
		circe_vsim_lock(d);
		circe_vsim_run(d->sim, CIRCE_VSIM_SLICE, true);
		irq = circe_vsim_irq(d->sim);
		circe_vsim_unlock(d);
		if (irq)
			return 0;
		if (circe_vsim_now() >= deadline)
			return -ETIMEDOUT;
		/* Let a thread waiting for the lock (a reset, a fault answer) in
		 * before the next slice: a mutex is not fair on its own. */
		while (__atomic_load_n(&d->waiters, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

static int circe_vsim_op_inject(void *state, const struct circe_inject *inj)
{
	struct circe_vsim_dev *d = state;
	int rc = 0;

	if (!inj)
		return circe_err(-EINVAL, "vsim: inject: NULL injection");
	circe_vsim_lock(d);
	switch (inj->kind) {
	case CIRCE_INJECT_NONE:
		circe_vsim_clear_injections(d->sim);
		break;
	case CIRCE_INJECT_HANG:
		circe_vsim_arm_hang(d->sim);
		break;
	case CIRCE_INJECT_BUS_ERROR:
		if (inj->len == 0 || inj->iova + inj->len < inj->iova)
			rc = circe_err(-EINVAL,
				       "vsim: bus-error range 0x%" PRIx64 " + 0x%" PRIx64
				       " is empty or wraps",
				       inj->iova, inj->len);
		else
			rc = circe_vsim_inject_bus_error(d->sim, inj->iova, inj->iova + inj->len,
							 false);
		break;
	case CIRCE_INJECT_LATENCY:
		/* len 0: every burst. */
		if (inj->len && inj->iova + inj->len < inj->iova)
			rc = circe_err(-EINVAL,
				       "vsim: latency range 0x%" PRIx64 " + 0x%" PRIx64 " wraps",
				       inj->iova, inj->len);
		else
			rc = circe_vsim_inject_latency(d->sim, inj->len ? inj->iova : 0,
						       inj->len ? inj->iova + inj->len : UINT64_MAX,
						       inj->cycles);
		break;
	default:
		rc = circe_err(-EINVAL, "vsim: unknown injection kind %d", (int)inj->kind);
		break;
	}
	circe_vsim_unlock(d);
	return rc;
}

const struct circe_backend_ops circe_backend_vsim = {
	.name = "vsim",
	.platform_create = circe_platform_sim_create,
	.open = circe_vsim_op_open,
	.close = circe_vsim_op_close,
	.reg_read = circe_vsim_op_reg_read,
	.reg_write = circe_vsim_op_reg_write,
	.wait_irq = circe_vsim_op_wait_irq,
	.inject = circe_vsim_op_inject,
};
