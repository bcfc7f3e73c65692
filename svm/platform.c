/* SPDX-License-Identifier: Apache-2.0 */
/* Platform dispatch: argument checks shared by every platform. */
#include <errno.h>
#include <stdint.h>

#include "circe/hw.h"
#include "common/error.h"
#include "svm/platform.h"
#include "svm/platform_impl.h"

static int platform_check_range(const char *what, uint64_t addr, size_t len)
{
	if (len == 0)
		return circe_err(-EINVAL, "platform %s: length is 0", what);
	if ((addr | len) & (CIRCE_HW_PAGE_SIZE - 1))
		return circe_err(
			-EINVAL,
			"platform %s: address 0x%llx or length 0x%zx not a multiple of 4 KiB", what,
			(unsigned long long)addr, len);
	if (addr + len < addr)
		return circe_err(-EINVAL, "platform %s: range 0x%llx + 0x%zx wraps", what,
				 (unsigned long long)addr, len);
	return 0;
}

void circe_platform_destroy(struct circe_platform *plat)
{
	if (plat)
		plat->ops->destroy(plat);
}

int circe_platform_pin(struct circe_platform *plat, void *va, size_t len, uint64_t *iova)
{
	int rc;

	if (!plat || !iova)
		return circe_err(-EINVAL, "platform pin: NULL argument");
	rc = platform_check_range("pin", (uint64_t)(uintptr_t)va, len);
	if (rc)
		return rc;
	return plat->ops->pin(plat, va, len, iova);
}

int circe_platform_unpin(struct circe_platform *plat, uint64_t iova, size_t len)
{
	int rc;

	if (!plat)
		return circe_err(-EINVAL, "platform unpin: NULL platform");
	rc = platform_check_range("unpin", iova, len);
	if (rc)
		return rc;
	return plat->ops->unpin(plat, iova, len);
}

int circe_platform_resolve(struct circe_platform *plat, uint64_t iova, size_t len, void **host)
{
	if (!plat || !host)
		return circe_err(-EINVAL, "platform resolve: NULL argument");
	return plat->ops->resolve(plat, iova, len, host);
}

int circe_platform_read(struct circe_platform *plat, uint64_t iova, void *dst, size_t len)
{
	if (!plat || (!dst && len))
		return circe_err(-EINVAL, "platform read: NULL argument");
	return plat->ops->read(plat, iova, dst, len);
}

int circe_platform_write(struct circe_platform *plat, uint64_t iova, const void *src, size_t len)
{
	if (!plat || (!src && len))
		return circe_err(-EINVAL, "platform write: NULL argument");
	return plat->ops->write(plat, iova, src, len);
}

uint64_t circe_platform_pinned_bytes(const struct circe_platform *plat)
{
	return plat ? plat->ops->pinned_bytes(plat) : 0;
}
