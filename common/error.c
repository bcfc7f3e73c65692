/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "circe/circe.h"
#include "common/error.h"

static __thread char circe_err_msg[512];

int circe_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(circe_err_msg, sizeof(circe_err_msg), fmt, ap);
	va_end(ap);
	return err;
}

void circe_err_clear(void)
{
	circe_err_msg[0] = '\0';
}

const char *circe_errmsg(void)
{
	return circe_err_msg;
}

const char *circe_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "invalid argument";
	case -EFAULT:
		return "bad address: the device could not translate or access it";
	case -ENOMEM:
		return "out of memory or over the pinned-memory limit";
	case -ETIMEDOUT:
		return "the device did not finish in time and was reset";
	case -EIO:
		return "bus error on the device's memory interface";
	case -ENODEV:
		return "no such device, or the device tree does not match the device";
	case -ENOENT:
		return "no such file, registration or entry";
	case -EEXIST:
		return "already registered";
	case -EBUSY:
		return "busy: no free address space or the device is in use";
	case -ERANGE:
		return "value out of range";
	case -E2BIG:
		return "too large";
	case -EOPNOTSUPP:
		return "not supported by this backend";
	case -EPROTO:
		return "device protocol error";
	default:
		if (err < 0)
			return strerror(-err);
		return "not an error code";
	}
}
