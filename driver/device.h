/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to driver/: the device and context objects shared by device.c
 * (open, probe, registers, reset, SVM device ops) and context.c (contexts,
 * memory registration, job submission).
 */
#ifndef CIRCE_DRIVER_DEVICE_H
#define CIRCE_DRIVER_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver/driver.h"

/* A fault record answered with abort: its flags name the access even when
 * the device could not write the status block back (a descriptor that could
 * not be fetched); msg is svm/'s reason when the fault worker answered. */
struct circe_ctx_abort {
	bool valid;
	uint32_t flags; /* CIRCE_HW_FAULT_*, without PENDING and ASID */
	uint16_t asid;	/* whose fault it was */
	uint64_t va;
	char msg[384];
};

/*
 * The fault worker of a device: a thread that services the fault queue for
 * jobs of on-demand contexts (svm/ pins and maps; the worker answers
 * RESUME or ABORT). Started with the first on-demand context. The thread
 * that waits for such a job only notices the fault interrupt, clears it and
 * kicks the worker (a threaded interrupt handler's top half), then waits
 * until the worker drained the queue before it lets the device run on.
 */
struct circe_fault_worker {
	pthread_mutex_t lock;
	pthread_cond_t kick_cv; /* kicks changed or stop */
	pthread_cond_t done_cv; /* done changed; CLOCK_MONOTONIC */
	pthread_t thread;
	bool started, stop;
	uint64_t kicks, done;	   /* drain requests made / finished */
	struct circe_ctx_abort ab; /* the last abort since the job began */
};

struct circe_dev {
	const struct circe_backend_ops *ops;
	void *state; /* the backend's */
	struct circe_platform *plat;
	struct circe_svm *svm;
	struct circe_dt_config cfg;
	uint32_t version, features; /* from the ID registers */
	unsigned timeout_ms;	    /* __atomic: circe_set_timeout may race a job */

	pthread_mutex_t job_lock; /* one job at a time */
	pthread_mutex_t seq_lock; /* multi-register sequences: PT root, invalidate */
	pthread_mutex_t ctx_lock; /* ctxs */
	struct circe_ctx *ctxs;	  /* live contexts, so that close can reap them */
	struct circe_fault_worker fw;
};

struct circe_ctx {
	struct circe_dev *dev;
	struct circe_svm_ctx *svm;
	struct circe_ctx *next;
};

unsigned circe_dev_timeout_ms(const struct circe_dev *dev);

/* context.c: the fault worker. init/fini with the device; start with the
 * first on-demand context (idempotent); stop joins the thread. */
int circe_dev_worker_init(struct circe_dev *dev);
int circe_dev_worker_start(struct circe_dev *dev);
void circe_dev_worker_stop(struct circe_dev *dev);
void circe_dev_worker_fini(struct circe_dev *dev);

/* Poll a register until (val & mask) == want, or -ETIMEDOUT after
 * timeout_ms; what names the wait in the error message. */
int circe_dev_poll(struct circe_dev *dev, uint32_t off, uint32_t mask, uint32_t want,
		   unsigned timeout_ms, const char *what);

/* Monotonic clock in seconds. */
double circe_dev_now(void);

#endif
