/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to driver/: the device and context objects shared by device.c
 * (open, probe, registers, reset, SVM device ops) and context.c (contexts,
 * memory registration, job submission).
 */
#ifndef CIRCE_DRIVER_DEVICE_H
#define CIRCE_DRIVER_DEVICE_H

#include <pthread.h>
#include <stdint.h>

#include "driver/driver.h"

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
};

struct circe_ctx {
	struct circe_dev *dev;
	struct circe_svm_ctx *svm;
	struct circe_ctx *next;
};

unsigned circe_dev_timeout_ms(const struct circe_dev *dev);

/* Poll a register until (val & mask) == want, or -ETIMEDOUT after
 * timeout_ms; what names the wait in the error message. */
int circe_dev_poll(struct circe_dev *dev, uint32_t off, uint32_t mask, uint32_t want,
		   unsigned timeout_ms, const char *what);

/* Monotonic clock in seconds. */
double circe_dev_now(void);

#endif
