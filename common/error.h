/* SPDX-License-Identifier: Apache-2.0 */
/* Error detail for circe_errmsg(): a thread-local message set where an error
 * is first detected. */
#ifndef CIRCE_COMMON_ERROR_H
#define CIRCE_COMMON_ERROR_H

/* Record a message for circe_errmsg() and return err (a negative errno), so
 * that callers write: return circe_err(-EINVAL, "m is %zu", m); */
int circe_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void circe_err_clear(void);

#endif
