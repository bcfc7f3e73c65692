/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-tree parsing. A blob comes from a file the user named, so every
 * field is checked before it is believed: the header against the file size,
 * the whole structure with fdt_check_full, each property's size and range.
 * Every error names the property or node and what is wrong with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "circe/hw.h"
#include "common/error.h"
#include "driver/dt.h"

/* Far above any real blob; a bigger file is not a device tree of ours. */
#define CIRCE_DT_MAX_FILE_BYTES (16u << 20)

struct circe_dt_ctx {
	const void *fdt;
	int node;
	char path[256];
};

static int circe_dt_u32(const struct circe_dt_ctx *c, const char *name, uint32_t *val)
{
	int len = 0;
	const fdt32_t *p = fdt_getprop(c->fdt, c->node, name, &len);

	if (!p)
		return circe_err(-EINVAL, "missing property %s in %s", name, c->path);
	if (len != 4)
		return circe_err(-EINVAL, "property %s is %d bytes, expected 4 (one 32-bit cell)",
				 name, len);
	*val = fdt32_to_cpu(*p);
	return 0;
}

static int circe_dt_u32_range(const struct circe_dt_ctx *c, const char *name, uint32_t lo,
			      uint32_t hi, uint32_t *val)
{
	int rc = circe_dt_u32(c, name, val);

	if (rc)
		return rc;
	if (*val < lo || *val > hi)
		return circe_err(-EINVAL,
				 "property %s = %" PRIu32 " is out of range [%" PRIu32 ", %" PRIu32
				 "]",
				 name, *val, lo, hi);
	return 0;
}

/* Cells of a property, most significant first, as one 64-bit number. */
static uint64_t circe_dt_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

static int circe_dt_clock(const struct circe_dt_ctx *c, uint64_t *hz)
{
	int len = 0;
	const fdt32_t *p = fdt_getprop(c->fdt, c->node, "clock-frequency", &len);

	if (!p)
		return circe_err(-EINVAL, "missing property clock-frequency in %s", c->path);
	if (len != 4 && len != 8)
		return circe_err(
			-EINVAL,
			"property clock-frequency is %d bytes, expected 4 or 8 (1 or 2 cells)",
			len);
	*hz = circe_dt_cells(p, len / 4);
	if (*hz == 0)
		return circe_err(-EINVAL, "property clock-frequency is 0 Hz");
	return 0;
}

/* #address-cells / #size-cells of the parent, read as the parent states
 * them (libfdt's defaults when absent: 2 and 1). */
static int circe_dt_reg(const struct circe_dt_ctx *c, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent_offset(c->fdt, c->node);
	int ac, sc, len = 0;
	const fdt32_t *p;

	if (parent < 0)
		return circe_err(-EINVAL, "%s has no parent node: %s", c->path,
				 fdt_strerror(parent));
	ac = fdt_address_cells(c->fdt, parent);
	if (ac < 1 || ac > 2)
		return circe_err(-EINVAL,
				 "#address-cells of the parent of %s is %d, expected 1 or 2",
				 c->path, ac);
	sc = fdt_size_cells(c->fdt, parent);
	if (sc < 1 || sc > 2)
		return circe_err(-EINVAL, "#size-cells of the parent of %s is %d, expected 1 or 2",
				 c->path, sc);
	p = fdt_getprop(c->fdt, c->node, "reg", &len);
	if (!p)
		return circe_err(-EINVAL, "missing property reg in %s", c->path);
	if (len != 4 * (ac + sc))
		return circe_err(-EINVAL,
				 "property reg is %d bytes, expected %d (#address-cells %d + "
				 "#size-cells %d)",
				 len, 4 * (ac + sc), ac, sc);
	*base = circe_dt_cells(p, ac);
	*size = circe_dt_cells(p + ac, sc);
	if (*size < CIRCE_HW_REG_WINDOW)
		return circe_err(-EINVAL,
				 "property reg: size 0x%" PRIx64
				 " is smaller than the 0x%x-byte register window",
				 *size, CIRCE_HW_REG_WINDOW);
	if (*base + *size < *base)
		return circe_err(-EINVAL, "property reg: 0x%" PRIx64 " + 0x%" PRIx64 " wraps",
				 *base, *size);
	return 0;
}

static int circe_dt_compatible(const struct circe_dt_ctx *c, char *dst, size_t cap)
{
	int len = 0;
	const char *s = fdt_getprop(c->fdt, c->node, "compatible", &len);

	/* The node was found by compatible, so the property is there; keep the
	 * first (most specific) string. */
	if (!s || len <= 0 || strnlen(s, (size_t)len) == (size_t)len)
		return circe_err(-EINVAL, "property compatible of %s is not a string list",
				 c->path);
	snprintf(dst, cap, "%s", s);
	return 0;
}

static int circe_dt_header(const void *blob, size_t len)
{
	uint32_t total;
	int rc;

	if (len < sizeof(fdt32_t))
		return circe_err(-EINVAL,
				 "blob truncated: file has %zu bytes, not even a magic number",
				 len);
	if (fdt_magic(blob) != FDT_MAGIC)
		return circe_err(-EINVAL, "bad magic 0x%08" PRIx32 " (not a device tree blob)",
				 (uint32_t)fdt_magic(blob));
	if (len < sizeof(struct fdt_header))
		return circe_err(-EINVAL,
				 "blob truncated: file has %zu bytes, the header alone is %zu", len,
				 sizeof(struct fdt_header));
	total = fdt_totalsize(blob);
	if (total > len)
		return circe_err(-EINVAL,
				 "blob truncated: header says %" PRIu32 " bytes, file has %zu",
				 total, len);
	rc = fdt_check_header(blob);
	if (rc)
		return circe_err(-EINVAL, "bad device tree header: %s", fdt_strerror(rc));
	rc = fdt_check_full(blob, total);
	if (rc)
		return circe_err(-EINVAL, "corrupt device tree structure: %s", fdt_strerror(rc));
	return 0;
}

static int circe_dt_parse_aligned(const void *fdt, size_t len, struct circe_dt_config *cfg)
{
	struct circe_dt_config c = { 0 };
	struct circe_dt_ctx x = { .fdt = fdt };
	int rc;

	rc = circe_dt_header(fdt, len);
	if (rc)
		return rc;
	x.node = fdt_node_offset_by_compatible(fdt, -1, CIRCE_DT_COMPATIBLE);
	if (x.node < 0)
		return circe_err(-EINVAL, "no node with compatible = \"%s\" in the device tree",
				 CIRCE_DT_COMPATIBLE);
	/* The first match wins; one blob describes one device. */
	if (fdt_get_path(fdt, x.node, x.path, sizeof(x.path)))
		snprintf(x.path, sizeof(x.path), "the %s node", CIRCE_DT_COMPATIBLE);
	if ((rc = circe_dt_compatible(&x, c.compatible, sizeof(c.compatible))) ||
	    (rc = circe_dt_reg(&x, &c.reg_base, &c.reg_size)) ||
	    (rc = circe_dt_clock(&x, &c.clock_hz)) ||
	    (rc = circe_dt_u32_range(&x, "circe,array-rows", 1, 255, &c.array_rows)) ||
	    (rc = circe_dt_u32_range(&x, "circe,array-cols", 1, 255, &c.array_cols)) ||
	    (rc = circe_dt_u32_range(&x, "circe,tlb-l1-entries", 1, 64, &c.tlb_l1_entries)) ||
	    (rc = circe_dt_u32_range(&x, "circe,tlb-l2-sets", 0, 65535, &c.tlb_l2_sets)) ||
	    (rc = circe_dt_u32_range(&x, "circe,tlb-l2-ways", 0, 255, &c.tlb_l2_ways)) ||
	    (rc = circe_dt_u32_range(&x, "circe,num-asids", 1, 65535, &c.num_asids)) ||
	    (rc = circe_dt_u32_range(&x, "circe,walkers", 1, UINT32_MAX, &c.walkers)) ||
	    (rc = circe_dt_u32_range(&x, "circe,mem-latency-cycles", 1, UINT32_MAX,
				     &c.mem_latency_cycles)) ||
	    (rc = circe_dt_u32_range(&x, "circe,mem-bytes-per-cycle", 1, UINT32_MAX,
				     &c.mem_bytes_per_cycle)) ||
	    (rc = circe_dt_u32_range(&x, "circe,mem-max-outstanding", 1, UINT32_MAX,
				     &c.mem_max_outstanding)))
		return rc;

	/* The L2 is indexed by VA bits, so its set count is a power of two. */
	if (c.tlb_l2_sets & (c.tlb_l2_sets - 1))
		return circe_err(-EINVAL,
				 "property circe,tlb-l2-sets = %" PRIu32 " is not a power of two",
				 c.tlb_l2_sets);
	if ((c.tlb_l2_sets == 0) != (c.tlb_l2_ways == 0))
		return circe_err(-EINVAL,
				 "properties circe,tlb-l2-sets = %" PRIu32
				 " and circe,tlb-l2-ways = %" PRIu32
				 " disagree: both are 0 (no L2 TLB) or neither is",
				 c.tlb_l2_sets, c.tlb_l2_ways);
	*cfg = c;
	return 0;
}

int circe_dt_parse(const void *blob, size_t len, struct circe_dt_config *cfg)
{
	void *copy;
	int rc;

	if (!blob || !cfg)
		return circe_err(-EINVAL, "circe_dt_parse: blob and cfg must not be NULL");
	/* libfdt wants 8-byte alignment (FDT_ERR_ALIGNMENT); callers may hand
	 * any buffer, so realign instead of failing. */
	if (((uintptr_t)blob & 7u) == 0)
		return circe_dt_parse_aligned(blob, len, cfg);
	copy = malloc(len ? len : 1);
	if (!copy)
		return circe_err(-ENOMEM, "no memory for a %zu-byte device tree copy", len);
	memcpy(copy, blob, len);
	rc = circe_dt_parse_aligned(copy, len, cfg);
	free(copy);
	return rc;
}

int circe_dt_load_file(const char *path, void **blob, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t size, got = 0;
	int fd, rc;

	if (!path || !blob || !len)
		return circe_err(-EINVAL,
				 "circe_dt_load_file: path, blob and len must not be NULL");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return circe_err(rc, "cannot open device tree %s: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st)) {
		rc = circe_err(-EIO, "cannot stat device tree %s: %s", path, strerror(errno));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = circe_err(-EIO, "device tree %s is not a regular file", path);
		goto err_close;
	}
	if ((uint64_t)st.st_size > CIRCE_DT_MAX_FILE_BYTES) {
		rc = circe_err(-EFBIG, "device tree %s is %lld bytes, more than the %u allowed",
			       path, (long long)st.st_size, CIRCE_DT_MAX_FILE_BYTES);
		goto err_close;
	}
	size = (size_t)st.st_size;
	buf = malloc(size ? size : 1);
	if (!buf) {
		rc = circe_err(-ENOMEM, "no memory for the %zu-byte device tree %s", size, path);
		goto err_close;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = circe_err(-EIO, "cannot read device tree %s: %s", path,
				       strerror(errno));
			goto err_free;
		}
		if (n == 0)
			break; /* shrank under us: parse what is there */
		got += (size_t)n;
	}
	close(fd);
	*blob = buf;
	*len = got;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return rc;
}
