/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host mapping checks: /proc/self/maps for registrations and messages,
 * MADV_POPULATE_* for the fault path (see hostmem.h for why both).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "circe/hw.h"
#include "svm/hostmem.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HOSTMEM_PAGE CIRCE_HW_PAGE_SIZE

static void hostmem_why(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void hostmem_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!why || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* The whole maps file, NUL-terminated (malloc'd), or NULL. */
static char *hostmem_read_maps(void)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

struct hostmem_vma {
	uint64_t start, end;
	char perms[5];
	const char *path; /* into the buffer, up to the newline */
	int path_len;
};

/* Parse the line at *p into v and advance *p; false at the end. */
static bool hostmem_next(const char **p, struct hostmem_vma *v)
{
	const char *s = *p, *nl;
	char *end;
	int fields = 0;

	while (*s) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s);
		*p = *nl ? nl + 1 : nl;
		v->start = strtoull(s, &end, 16);
		if (*end != '-')
			goto next;
		v->end = strtoull(end + 1, &end, 16);
		if (*end != ' ' || end + 5 > nl)
			goto next;
		memcpy(v->perms, end + 1, 4);
		v->perms[4] = '\0';
		/* path: after the 5 fields start-end perms offset dev inode */
		for (const char *q = s; q < nl; q++) {
			if (*q == ' ' && q[1] != ' ' && ++fields == 5) {
				v->path = q + 1;
				v->path_len = (int)(nl - (q + 1));
				return true;
			}
		}
		v->path = "";
		v->path_len = 0;
		return true;
	next:
		s = *p;
	}
	return false;
}

int circe_hostmem_check_maps(uint64_t va, uint64_t len, bool write, char *why, size_t cap)
{
	uint64_t cur = va & ~(uint64_t)(HOSTMEM_PAGE - 1), end = va + len;
	char *maps = hostmem_read_maps();
	const char *p = maps;
	struct hostmem_vma v;
	int rc = 0;

	if (!maps) {
		hostmem_why(why, cap, "cannot read /proc/self/maps");
		return -EIO;
	}
	while (cur < end) {
		bool found = false;

		while (hostmem_next(&p, &v)) {
			if (v.end <= cur)
				continue;
			found = v.start <= cur;
			break;
		}
		if (!found) {
			hostmem_why(why, cap, "VA 0x%llx is not mapped in this process",
				    (unsigned long long)cur);
			rc = -EFAULT;
			break;
		}
		if (v.perms[0] != 'r' || (write && v.perms[1] != 'w')) {
			hostmem_why(why, cap,
				    "VA 0x%llx lies in a mapping [0x%llx, 0x%llx) with permissions "
				    "%s%s%.*s: the process itself may not %s it",
				    (unsigned long long)cur, (unsigned long long)v.start,
				    (unsigned long long)v.end, v.perms, v.path_len ? " " : "",
				    v.path_len > 96 ? 96 : v.path_len, v.path,
				    write && v.perms[0] == 'r' ? "write" : "read");
			rc = -EACCES;
			break;
		}
		cur = v.end;
	}
	free(maps);
	return rc;
}

/* 1: the kernel knows MADV_POPULATE_*, 0: it does not, -1: not probed. */
static int hostmem_populate_ok = -1;

static bool hostmem_have_populate(void)
{
	static char probe[HOSTMEM_PAGE * 2];
	int ok = __atomic_load_n(&hostmem_populate_ok, __ATOMIC_RELAXED);

	if (ok < 0) {
		uintptr_t pg =
			((uintptr_t)probe + HOSTMEM_PAGE - 1) & ~(uintptr_t)(HOSTMEM_PAGE - 1);

		ok = madvise((void *)pg, HOSTMEM_PAGE, MADV_POPULATE_READ) == 0;
		__atomic_store_n(&hostmem_populate_ok, ok, __ATOMIC_RELAXED);
	}
	return ok;
}

int circe_hostmem_fault_in(uint64_t va, bool write, char *why, size_t cap)
{
	void *pg = (void *)(uintptr_t)(va & ~(uint64_t)(HOSTMEM_PAGE - 1));
	int err = 0, rc;

	for (unsigned tries = 0; tries < 8; tries++) {
		if (madvise(pg, HOSTMEM_PAGE, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) ==
		    0)
			return 0;
		err = errno;
		if (err != EINTR && err != EAGAIN)
			break;
	}
	if (err == ENOMEM) {
		hostmem_why(why, cap, "VA 0x%llx is not mapped in this process",
			    (unsigned long long)va);
		return -EFAULT;
	}
	if (err == EINVAL && !hostmem_have_populate())
		return circe_hostmem_check_maps(va, 1, write, why, cap);
	/* EINVAL: the mapping lacks the permission (or is VM_IO/PFNMAP);
	 * EFAULT: the access would raise SIGSEGV/SIGBUS. The maps file names
	 * the mapping. */
	rc = circe_hostmem_check_maps(va, 1, write, why, cap);
	if (rc == 0) {
		hostmem_why(why, cap,
			    "VA 0x%llx cannot be faulted in for %s (%s): a special mapping, or "
			    "a file mapping beyond its end",
			    (unsigned long long)va, write ? "writing" : "reading", strerror(err));
		rc = err == EINVAL ? -EACCES : -EFAULT;
	}
	return rc;
}
