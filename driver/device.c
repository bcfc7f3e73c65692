/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device open and probe, register access, reset, counters, and the SVM
 * device ops (page-table roots and TLB invalidation on the registers).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "common/error.h"
#include "driver/device.h"
#include "driver/driver.h"
#include "svm/platform.h"
#include "svm/svm.h"

#ifndef CIRCE_DEFAULT_DTB
#define CIRCE_DEFAULT_DTB "build/dt/circe.dtb"
#endif

#define CIRCE_DEV_DEFAULT_TIMEOUT_MS 60000u

double circe_dev_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

unsigned circe_dev_timeout_ms(const struct circe_dev *dev)
{
	return __atomic_load_n(&dev->timeout_ms, __ATOMIC_RELAXED);
}

/* ---- registers ------------------------------------------------------ */

int circe_dev_reg_read(struct circe_dev *dev, uint32_t off, uint32_t *val)
{
	if (!dev || !val)
		return circe_err(-EINVAL, "circe_dev_reg_read: NULL argument");
	return dev->ops->reg_read(dev->state, off, val);
}

int circe_dev_reg_write(struct circe_dev *dev, uint32_t off, uint32_t val)
{
	if (!dev)
		return circe_err(-EINVAL, "circe_dev_reg_write: NULL device");
	return dev->ops->reg_write(dev->state, off, val);
}

int circe_dev_poll(struct circe_dev *dev, uint32_t off, uint32_t mask, uint32_t want,
		   unsigned timeout_ms, const char *what)
{
	double deadline = circe_dev_now() + timeout_ms / 1000.0;
	uint32_t v = 0;

	for (unsigned spin = 0;; spin++) {
		int rc = circe_dev_reg_read(dev, off, &v);

		if (rc)
			return rc;
		if ((v & mask) == want)
			return 0;
		if (circe_dev_now() > deadline)
			return circe_err(-ETIMEDOUT,
					 "%s: register 0x%03" PRIx32 " = 0x%08" PRIx32
					 " after %u ms",
					 what, off, v, timeout_ms);
		/* Most waits end within a few reads; after that, back off so a
		 * slow device does not cost a core. */
		if (spin < 64) {
			sched_yield();
		} else {
			struct timespec ts = { 0, spin < 1000 ? 20000 : 1000000 };

			nanosleep(&ts, NULL);
		}
	}
}

int circe_dev_perf_read(struct circe_dev *dev, uint64_t counters[CIRCE_PERF_COUNT])
{
	if (!dev || !counters)
		return circe_err(-EINVAL, "circe_dev_perf_read: NULL argument");
	for (unsigned id = 0; id < CIRCE_PERF_COUNT; id++) {
		uint32_t off = CIRCE_REG_PERF_BASE + 8u * id, hi = 0, lo = 0, hi2 = 0;
		int rc = circe_dev_reg_read(dev, off + 4, &hi);

		/* hi, lo, hi: a carry between the two halves shows as a changed
		 * hi word, then the pair is read again. */
		for (unsigned tries = 0; !rc; tries++) {
			if ((rc = circe_dev_reg_read(dev, off, &lo)) ||
			    (rc = circe_dev_reg_read(dev, off + 4, &hi2)))
				break;
			if (hi == hi2 || tries == 8)
				break;
			hi = hi2;
		}
		if (rc)
			return rc;
		counters[id] = (uint64_t)hi2 << 32 | lo;
	}
	return 0;
}

int circe_dev_reset(struct circe_dev *dev)
{
	int rc;

	if (!dev)
		return circe_err(-EINVAL, "circe_dev_reset: NULL device");
	rc = circe_dev_reg_write(dev, CIRCE_REG_RESET, 1);
	if (rc)
		return rc;
	rc = circe_dev_poll(dev, CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_IDLE, CIRCE_HW_CTRL_AP_IDLE,
			    circe_dev_timeout_ms(dev), "device reset: waiting for ap_idle");
	if (rc)
		return rc;
	/* The reset clears ISR; clear it again in case a job that ended just
	 * before the reset latched done after it. */
	return circe_dev_reg_write(dev, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT);
}

int circe_dev_inject(struct circe_dev *dev, const struct circe_inject *inj)
{
	if (!dev || !inj)
		return circe_err(-EINVAL, "circe_dev_inject: NULL argument");
	return dev->ops->inject(dev->state, inj);
}

const struct circe_dt_config *circe_dev_config(const struct circe_dev *dev)
{
	return dev ? &dev->cfg : NULL;
}

struct circe_svm *circe_dev_svm(struct circe_dev *dev)
{
	return dev ? dev->svm : NULL;
}

struct circe_platform *circe_dev_platform(struct circe_dev *dev)
{
	return dev ? dev->plat : NULL;
}

const char *circe_dev_backend_name(const struct circe_dev *dev)
{
	return dev ? dev->ops->name : NULL;
}

/* ---- SVM device ops ------------------------------------------------- */

static int circe_dev_svm_set_root(void *arg, uint16_t asid, uint64_t root_iova, bool valid)
{
	struct circe_dev *dev = arg;
	int rc;

	if (root_iova & (CIRCE_HW_PAGE_SIZE - 1))
		return circe_err(-EINVAL, "page-table root 0x%" PRIx64 " is not 4 KiB aligned",
				 root_iova);
	pthread_mutex_lock(&dev->seq_lock);
	/* PT_ROOT_LO commits, so it goes last. */
	if (!(rc = circe_dev_reg_write(dev, CIRCE_REG_PT_ASID_SEL, asid)) &&
	    !(rc = circe_dev_reg_write(dev, CIRCE_REG_PT_ROOT_HI, (uint32_t)(root_iova >> 32))))
		rc = circe_dev_reg_write(dev, CIRCE_REG_PT_ROOT_LO,
					 (uint32_t)root_iova |
						 (valid ? CIRCE_HW_PT_ROOT_VALID : 0));
	pthread_mutex_unlock(&dev->seq_lock);
	return rc;
}

static int circe_dev_svm_invalidate(void *arg, uint16_t asid, uint64_t va, uint64_t len)
{
	struct circe_dev *dev = arg;
	uint64_t first = va >> CIRCE_HW_PAGE_SHIFT, pages = 0;
	uint32_t cmd = (uint32_t)asid << CIRCE_HW_INV_ASID_SHIFT, before = 0;
	int rc;

	if (len) {
		uint64_t end = va + len - 1;

		/* A range that wraps or needs more pages than INV_PAGES holds is
		 * covered by invalidating the whole ASID. */
		if (end >= va)
			pages = (end >> CIRCE_HW_PAGE_SHIFT) - first + 1;
		if (pages == 0 || pages > UINT32_MAX)
			len = 0;
	}
	cmd |= len ? CIRCE_HW_INV_RANGE : CIRCE_HW_INV_ASID;

	pthread_mutex_lock(&dev->seq_lock);
	rc = circe_dev_reg_read(dev, CIRCE_REG_INV_ACK, &before);
	if (!rc && len) {
		uint64_t start = first << CIRCE_HW_PAGE_SHIFT;

		if (!(rc = circe_dev_reg_write(dev, CIRCE_REG_INV_VA_LO, (uint32_t)start)) &&
		    !(rc = circe_dev_reg_write(dev, CIRCE_REG_INV_VA_HI, (uint32_t)(start >> 32))))
			rc = circe_dev_reg_write(dev, CIRCE_REG_INV_PAGES, (uint32_t)pages);
	}
	if (!rc)
		rc = circe_dev_reg_write(dev, CIRCE_REG_INV_CMD, cmd);
	if (!rc) {
		double deadline = circe_dev_now() + circe_dev_timeout_ms(dev) / 1000.0;
		uint32_t ack = before;

		/* INV_ACK counts completions and wraps: wait for any change. */
		while (!(rc = circe_dev_reg_read(dev, CIRCE_REG_INV_ACK, &ack)) && ack == before) {
			if (circe_dev_now() > deadline) {
				rc = circe_err(
					-ETIMEDOUT,
					"TLB invalidation of ASID %u not acknowledged within "
					"%u ms",
					asid, circe_dev_timeout_ms(dev));
				break;
			}
			sched_yield();
		}
	}
	pthread_mutex_unlock(&dev->seq_lock);
	return rc;
}

static const struct circe_svm_device_ops circe_dev_svm_ops = {
	.set_root = circe_dev_svm_set_root,
	.invalidate = circe_dev_svm_invalidate,
};

/* ---- open / probe / close ------------------------------------------- */

static const struct circe_backend_ops *circe_dev_find_backend(const char *name, size_t len)
{
	for (size_t i = 0; circe_backends[i]; i++)
		if (strlen(circe_backends[i]->name) == len &&
		    !memcmp(circe_backends[i]->name, name, len))
			return circe_backends[i];
	return NULL;
}

static int circe_dev_unknown_backend(const char *name, size_t len)
{
	char known[128] = "";
	size_t used = 0;

	for (size_t i = 0; circe_backends[i] && used < sizeof(known); i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
					 circe_backends[i]->name);
	return circe_err(-ENODEV, "unknown backend '%.*s' (this library has: %s)", (int)len, name,
			 known);
}

static int circe_dev_timeout_from_env(unsigned *ms)
{
	const char *v = getenv("CIRCE_TIMEOUT_MS");
	unsigned long long n;
	char *end;

	*ms = CIRCE_DEV_DEFAULT_TIMEOUT_MS;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || end == v || n == 0 || n > UINT32_MAX || v[0] == '-')
		return circe_err(-EINVAL,
				 "CIRCE_TIMEOUT_MS='%s' is not a positive number of milliseconds",
				 v);
	*ms = (unsigned)n;
	return 0;
}

static int circe_dev_check(const char *prop, uint32_t dt, uint32_t hw)
{
	if (dt == hw)
		return 0;
	return circe_err(-ENODEV, "device tree %s = %" PRIu32 " but the device reports %" PRIu32,
			 prop, dt, hw);
}

/* The ID registers say what the device is; the device tree must agree. */
static int circe_dev_probe(struct circe_dev *dev, const char *uri)
{
	const struct circe_dt_config *c = &dev->cfg;
	uint32_t magic, array, l1, l2, asids, walkers;
	int rc;

	if ((rc = circe_dev_reg_read(dev, CIRCE_REG_MAGIC, &magic)))
		return rc;
	if (magic != CIRCE_HW_MAGIC)
		return circe_err(-ENODEV,
				 "%s: MAGIC register reads 0x%08" PRIx32
				 ", not 0x%08x: not a circe device",
				 uri, magic, CIRCE_HW_MAGIC);
	if ((rc = circe_dev_reg_read(dev, CIRCE_REG_VERSION, &dev->version)))
		return rc;
	if (dev->version >> 16 != CIRCE_HW_VERSION_MAJOR)
		return circe_err(
			-ENODEV,
			"%s: device version %" PRIu32 ".%" PRIu32 ", this driver speaks %u.x", uri,
			dev->version >> 16, dev->version & 0xFFFFu, CIRCE_HW_VERSION_MAJOR);
	if ((rc = circe_dev_reg_read(dev, CIRCE_REG_ARRAY, &array)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_TLB_L1, &l1)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_TLB_L2, &l2)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_NUM_ASIDS, &asids)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_WALKERS, &walkers)) ||
	    (rc = circe_dev_reg_read(dev, CIRCE_REG_FEATURES, &dev->features)))
		return rc;
	if ((rc = circe_dev_check("circe,array-rows", c->array_rows, CIRCE_HW_ARRAY_ROWS(array))) ||
	    (rc = circe_dev_check("circe,array-cols", c->array_cols, CIRCE_HW_ARRAY_COLS(array))) ||
	    (rc = circe_dev_check("circe,tlb-l1-entries", c->tlb_l1_entries, l1)) ||
	    (rc = circe_dev_check("circe,tlb-l2-sets", c->tlb_l2_sets, CIRCE_HW_TLB_L2_SETS(l2))) ||
	    (rc = circe_dev_check("circe,tlb-l2-ways", c->tlb_l2_ways, CIRCE_HW_TLB_L2_WAYS(l2))) ||
	    (rc = circe_dev_check("circe,num-asids", c->num_asids, asids)) ||
	    (rc = circe_dev_check("circe,walkers", c->walkers, walkers)))
		return rc;
	return 0;
}

/*
 * The tree of a backend with no dtb_path and no $CIRCE_DTB: the build's own
 * tree for that backend, circe-<backend>.dtb beside CIRCE_DEFAULT_DTB, where
 * the build made one (vsim: the configuration verilated), else
 * CIRCE_DEFAULT_DTB.
 */
static const char *circe_dev_default_dtb(const char *backend, size_t backend_len, char *buf,
					 size_t size)
{
	const char *slash = strrchr(CIRCE_DEFAULT_DTB, '/');
	int dir_len = slash ? (int)(slash - CIRCE_DEFAULT_DTB + 1) : 0;
	int n = snprintf(buf, size, "%.*scirce-%.*s.dtb", dir_len, CIRCE_DEFAULT_DTB,
			 (int)backend_len, backend);

	if (n > 0 && (size_t)n < size && access(buf, R_OK) == 0)
		return buf;
	return CIRCE_DEFAULT_DTB;
}

static int circe_dev_load_dt(const char *dtb_path, const char *backend, size_t backend_len,
			     struct circe_dt_config *cfg)
{
	const char *env = getenv("CIRCE_DTB");
	char own[PATH_MAX];
	const char *path = dtb_path ? dtb_path
			   : (env && *env)
				   ? env
				   : circe_dev_default_dtb(backend, backend_len, own, sizeof(own));
	void *blob;
	size_t len;
	int rc;

	rc = circe_dt_load_file(path, &blob, &len);
	if (rc)
		return rc;
	rc = circe_dt_parse(blob, len, cfg);
	free(blob);
	if (rc) {
		/* Say which file: the parser only knows the bytes. */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", circe_errmsg());
		return circe_err(rc, "%s: %s", path, msg);
	}
	return 0;
}

int circe_open(const char *uri, const char *dtb_path, struct circe_dev **out)
{
	const struct circe_backend_ops *ops;
	struct circe_dev *dev;
	const char *colon, *args;
	size_t name_len;
	int rc;

	if (!out)
		return circe_err(-EINVAL, "circe_open: out must not be NULL");
	*out = NULL;
	if (!uri)
		return circe_err(-EINVAL, "circe_open: uri must not be NULL");
	colon = strchr(uri, ':');
	name_len = colon ? (size_t)(colon - uri) : strlen(uri);
	args = colon ? colon + 1 : "";
	ops = circe_dev_find_backend(uri, name_len);
	if (!ops)
		return circe_dev_unknown_backend(uri, name_len);

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return circe_err(-ENOMEM, "circe_open: no memory for the device");
	dev->ops = ops;
	rc = circe_dev_timeout_from_env(&dev->timeout_ms);
	if (rc)
		goto err_free;
	rc = circe_dev_load_dt(dtb_path, uri, name_len, &dev->cfg);
	if (rc)
		goto err_free;
	pthread_mutex_init(&dev->job_lock, NULL);
	pthread_mutex_init(&dev->seq_lock, NULL);
	pthread_mutex_init(&dev->ctx_lock, NULL);
	rc = circe_dev_worker_init(dev);
	if (rc)
		goto err_mutex;

	rc = ops->platform_create(&dev->plat);
	if (rc)
		goto err_worker;
	rc = ops->open(args, &dev->cfg, dev->plat, &dev->state);
	if (rc)
		goto err_platform;
	rc = circe_dev_probe(dev, uri);
	if (rc)
		goto err_backend;
	/* Whatever an earlier user left running or latched goes now. */
	rc = circe_dev_reset(dev);
	if (rc)
		goto err_backend;

	rc = circe_svm_create(dev->plat, &circe_dev_svm_ops, dev,
			      &(struct circe_svm_config){ .num_asids = dev->cfg.num_asids },
			      &dev->svm);
	if (rc)
		goto err_backend;
	if ((rc = circe_dev_reg_write(dev, CIRCE_REG_IER,
				      CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT)) ||
	    (rc = circe_dev_reg_write(dev, CIRCE_REG_GIE, 1)))
		goto err_svm;
	*out = dev;
	return 0;

err_svm:
	circe_svm_destroy(dev->svm);
err_backend:
	ops->close(dev->state);
err_platform:
	circe_platform_destroy(dev->plat);
err_worker:
	circe_dev_worker_fini(dev);
err_mutex:
	pthread_mutex_destroy(&dev->ctx_lock);
	pthread_mutex_destroy(&dev->seq_lock);
	pthread_mutex_destroy(&dev->job_lock);
err_free:
	free(dev);
	return rc;
}

void circe_close(struct circe_dev *dev)
{
	if (!dev)
		return;
	/* Contexts the caller forgot: their memory is still pinned and mapped,
	 * and svm refuses to go while they live. */
	for (;;) {
		struct circe_ctx *ctx;

		pthread_mutex_lock(&dev->ctx_lock);
		ctx = dev->ctxs;
		pthread_mutex_unlock(&dev->ctx_lock);
		if (!ctx)
			break;
		circe_ctx_destroy(ctx);
	}
	/* No job runs now: the worker has nothing left to answer. */
	circe_dev_worker_stop(dev);
	circe_svm_destroy(dev->svm);
	circe_dev_reg_write(dev, CIRCE_REG_GIE, 0);
	dev->ops->close(dev->state);
	circe_platform_destroy(dev->plat);
	circe_dev_worker_fini(dev);
	pthread_mutex_destroy(&dev->ctx_lock);
	pthread_mutex_destroy(&dev->seq_lock);
	pthread_mutex_destroy(&dev->job_lock);
	free(dev);
}

int circe_get_mem_stats(struct circe_dev *dev, struct circe_mem_stats *st)
{
	struct circe_svm_stats s;
	int rc;

	if (!dev || !st)
		return circe_err(-EINVAL, "circe_get_mem_stats: NULL argument");
	rc = circe_svm_get_stats(dev->svm, &s);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->pinned_bytes = s.pinned_bytes;
	st->pinned_peak_bytes = s.pinned_peak_bytes;
	st->pinned_limit = s.pinned_limit;
	st->registrations = s.registrations;
	st->faults = s.faults;
	st->faults_resolved = s.faults_resolved;
	st->faults_aborted = s.faults_aborted;
	st->demand_pages = s.demand_pages;
	st->invalidations = s.invalidations;
	st->fault_service_samples = s.fault_service_samples;
	st->fault_service_median_us = (double)s.fault_service_median_ns / 1e3;
	st->fault_service_p99_us = (double)s.fault_service_p99_ns / 1e3;
	st->fault_service_max_us = (double)s.fault_service_max_ns / 1e3;
	return 0;
}

int circe_set_timeout(struct circe_dev *dev, unsigned timeout_ms)
{
	if (!dev)
		return circe_err(-EINVAL, "circe_set_timeout: NULL device");
	if (timeout_ms == 0)
		return circe_err(-EINVAL,
				 "circe_set_timeout: a timeout of 0 ms never lets a job run");
	__atomic_store_n(&dev->timeout_ms, timeout_ms, __ATOMIC_RELAXED);
	return 0;
}

int circe_get_info(struct circe_dev *dev, struct circe_info *info)
{
	const struct circe_dt_config *c;

	if (!dev || !info)
		return circe_err(-EINVAL, "circe_get_info: NULL argument");
	c = &dev->cfg;
	memset(info, 0, sizeof(*info));
	snprintf(info->backend, sizeof(info->backend), "%s", dev->ops->name);
	snprintf(info->compatible, sizeof(info->compatible), "%s", c->compatible);
	info->version = dev->version;
	info->array_rows = c->array_rows;
	info->array_cols = c->array_cols;
	info->tlb_l1_entries = c->tlb_l1_entries;
	info->tlb_l2_sets = c->tlb_l2_sets;
	info->tlb_l2_ways = c->tlb_l2_ways;
	info->num_asids = c->num_asids;
	info->walkers = c->walkers;
	info->features = dev->features;
	info->reg_base = c->reg_base;
	info->reg_size = c->reg_size;
	info->clock_hz = c->clock_hz;
	info->mem_latency_cycles = c->mem_latency_cycles;
	info->mem_bytes_per_cycle = c->mem_bytes_per_cycle;
	info->mem_max_outstanding = c->mem_max_outstanding;
	return 0;
}
