/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-tree parsing (driver/dt.c) and the driver's check of the tree
 * against the device's ID registers. Malformed trees live in tests/dts/
 * (compiled into build/tests/dts/); corruptions dtc would refuse to write are
 * made in memory from the default blob.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "circe/circe.h"
#include "driver/backend.h"
#include "driver/driver.h"
#include "driver/dt.h"
#include "tests/support/testutil.h"

struct dt_fixture {
	void *blob; /* the default tree */
	size_t len;
};

static int dt_setup(void **state)
{
	struct dt_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (circe_dt_load_file(tu_default_dtb(), &f->blob, &f->len)) {
		fprintf(stderr, "cannot load %s: %s\n", tu_default_dtb(), circe_errmsg());
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int dt_teardown(void **state)
{
	struct dt_fixture *f = *state;

	free(f->blob);
	free(f);
	return 0;
}

static const char *dt_test_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s.dtb", tu_test_dtb_dir(), name);
	return buf;
}

/* Load and parse tests/dts/<name>.dts as compiled by the build. */
static int dt_parse_test_file(const char *name, struct circe_dt_config *cfg)
{
	char path[512];
	void *blob = NULL;
	size_t len = 0;
	int rc;

	rc = circe_dt_load_file(dt_test_path(name, path, sizeof(path)), &blob, &len);
	if (rc) {
		print_error("cannot load %s: %s\n", path, circe_errmsg());
		return rc;
	}
	rc = circe_dt_parse(blob, len, cfg);
	free(blob);
	return rc;
}

static void dt_expect_error(int rc, int want, const char *needle)
{
	if (rc != want || !strstr(circe_errmsg(), needle))
		print_error("rc %d (want %d), message \"%s\" (want \"%s\" in it)\n", rc, want,
			    circe_errmsg(), needle);
	assert_int_equal(rc, want);
	assert_non_null(strstr(circe_errmsg(), needle));
}

/* ---- valid trees ---------------------------------------------------- */

static void test_default_values(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;

	assert_int_equal(circe_dt_parse(f->blob, f->len, &c), 0);
	assert_string_equal(c.compatible, CIRCE_DT_COMPATIBLE);
	assert_int_equal(c.reg_base, 0);
	assert_int_equal(c.reg_size, 0x1000);
	assert_int_equal(c.clock_hz, 300000000u);
	assert_int_equal(c.array_rows, 16);
	assert_int_equal(c.array_cols, 16);
	assert_int_equal(c.tlb_l1_entries, 32);
	assert_int_equal(c.tlb_l2_sets, 256);
	assert_int_equal(c.tlb_l2_ways, 4);
	assert_int_equal(c.num_asids, 16);
	assert_int_equal(c.walkers, 4);
	assert_int_equal(c.mem_latency_cycles, 500);
	assert_int_equal(c.mem_bytes_per_cycle, 48);
	assert_int_equal(c.mem_max_outstanding, 32);
}

static void test_default_matches_hw_defaults(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;

	assert_int_equal(circe_dt_parse(f->blob, f->len, &c), 0);
	assert_int_equal(c.array_rows, CIRCE_HW_DEFAULT_ARRAY_ROWS);
	assert_int_equal(c.array_cols, CIRCE_HW_DEFAULT_ARRAY_COLS);
	assert_int_equal(c.tlb_l1_entries, CIRCE_HW_DEFAULT_TLB_L1_ENTRIES);
	assert_int_equal(c.tlb_l2_sets, CIRCE_HW_DEFAULT_TLB_L2_SETS);
	assert_int_equal(c.tlb_l2_ways, CIRCE_HW_DEFAULT_TLB_L2_WAYS);
	assert_int_equal(c.num_asids, CIRCE_HW_DEFAULT_NUM_ASIDS);
	assert_int_equal(c.walkers, CIRCE_HW_DEFAULT_WALKERS);
}

static void test_unaligned_blob(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	uint8_t *buf = malloc(f->len + 1);

	assert_non_null(buf);
	memcpy(buf + 1, f->blob, f->len);
	assert_int_equal(circe_dt_parse(buf + 1, f->len, &c), 0);
	assert_int_equal(c.array_rows, 16);
	free(buf);
}

static void test_trailing_bytes_ok(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	uint8_t *buf = calloc(1, f->len + 64);

	/* A file padded past totalsize (dtc -p) is fine. */
	assert_non_null(buf);
	memcpy(buf, f->blob, f->len);
	assert_int_equal(circe_dt_parse(buf, f->len + 64, &c), 0);
	free(buf);
}

static void test_ok_8x8(void **state)
{
	struct circe_dt_config c;

	(void)state;
	assert_int_equal(dt_parse_test_file("ok-8x8", &c), 0);
	assert_int_equal(c.array_rows, 8);
	assert_int_equal(c.array_cols, 8);
	assert_int_equal(c.num_asids, 16);
}

static void test_ok_one_cell_and_64bit_clock(void **state)
{
	struct circe_dt_config c;

	(void)state;
	assert_int_equal(dt_parse_test_file("ok-cells1", &c), 0);
	assert_int_equal(c.reg_base, 0x40000);
	assert_int_equal(c.reg_size, 0x10000);
	assert_int_equal(c.clock_hz, 1ull << 32);
}

static void test_ok_no_l2(void **state)
{
	struct circe_dt_config c;

	(void)state;
	assert_int_equal(dt_parse_test_file("ok-no-l2", &c), 0);
	assert_int_equal(c.tlb_l2_sets, 0);
	assert_int_equal(c.tlb_l2_ways, 0);
}

/* ---- malformed trees from tests/dts --------------------------------- */

static const struct {
	const char *name, *needle;
} dt_bad_files[] = {
	{ "bad-no-compatible", "no node with compatible = \"circe,accel-1.0\"" },
	{ "bad-missing-asids", "missing property circe,num-asids in /accel@0" },
	{ "bad-missing-reg", "missing property reg in /accel@0" },
	{ "bad-rows-64bit", "property circe,array-rows is 8 bytes, expected 4" },
	{ "bad-rows-string", "property circe,array-rows is 3 bytes, expected 4" },
	{ "bad-rows-zero", "circe,array-rows = 0 is out of range [1, 255]" },
	{ "bad-cols-256", "circe,array-cols = 256 is out of range [1, 255]" },
	{ "bad-l1-65", "circe,tlb-l1-entries = 65 is out of range [1, 64]" },
	{ "bad-l2-npot", "circe,tlb-l2-sets = 100 is not a power of two" },
	{ "bad-l2-ways-no-sets", "circe,tlb-l2-sets = 0 and circe,tlb-l2-ways = 4 disagree" },
	{ "bad-asids-zero", "circe,num-asids = 0 is out of range" },
	{ "bad-walkers-zero", "circe,walkers = 0 is out of range" },
	{ "bad-clock-zero", "clock-frequency is 0 Hz" },
	{ "bad-clock-3cells", "clock-frequency is 12 bytes, expected 4 or 8" },
	{ "bad-mem-bw-zero", "circe,mem-bytes-per-cycle = 0 is out of range" },
	{ "bad-reg-cells", "property reg is 12 bytes, expected 16" },
	{ "bad-reg-small", "smaller than the 0x1000-byte register window" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dt_bad_files) / sizeof(dt_bad_files[0]); i++) {
		struct circe_dt_config c;
		int rc = dt_parse_test_file(dt_bad_files[i].name, &c);

		print_message("# %s: %s\n", dt_bad_files[i].name, circe_errmsg());
		dt_expect_error(rc, -EINVAL, dt_bad_files[i].needle);
	}
}

/* ---- corruptions in memory ------------------------------------------ */

static void test_truncated(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	char want[128];

	snprintf(want, sizeof(want), "blob truncated: header says %zu bytes, file has 100", f->len);
	dt_expect_error(circe_dt_parse(f->blob, 100, &c), -EINVAL, want);
	snprintf(want, sizeof(want), "header says %zu bytes, file has %zu", f->len, f->len - 1);
	dt_expect_error(circe_dt_parse(f->blob, f->len - 1, &c), -EINVAL, want);
	dt_expect_error(circe_dt_parse(f->blob, 20, &c), -EINVAL, "blob truncated");
	dt_expect_error(circe_dt_parse(f->blob, 2, &c), -EINVAL, "blob truncated");
	dt_expect_error(circe_dt_parse(f->blob, 0, &c), -EINVAL, "blob truncated");
}

static void test_truncated_file(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	char path[512], want[128];
	void *blob;
	size_t len;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/test_dt_truncated.dtb", tu_tmp_dir());
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f->blob, 1, 100, fp), 100);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(circe_dt_load_file(path, &blob, &len), 0);
	assert_int_equal(len, 100);
	snprintf(want, sizeof(want), "blob truncated: header says %zu bytes, file has 100", f->len);
	dt_expect_error(circe_dt_parse(blob, len, &c), -EINVAL, want);
	free(blob);

	/* through circe_open the message also names the file */
	struct circe_dev *dev = (struct circe_dev *)1;

	dt_expect_error(circe_open("fmodel:", path, &dev), -EINVAL, want);
	assert_non_null(strstr(circe_errmsg(), path));
	assert_null(dev);
	remove(path);
}

static void test_bad_magic(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	uint8_t *buf = malloc(f->len);

	assert_non_null(buf);
	memcpy(buf, f->blob, f->len);
	buf[0] = 0x7f;
	buf[1] = 'E';
	buf[2] = 'L';
	buf[3] = 'F';
	dt_expect_error(circe_dt_parse(buf, f->len, &c), -EINVAL,
			"bad magic 0x7f454c46 (not a device tree blob)");
	free(buf);
}

static void test_corrupt_header(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	uint8_t *buf = malloc(f->len);
	struct fdt_header *h = (struct fdt_header *)buf;

	assert_non_null(buf);
	memcpy(buf, f->blob, f->len);
	h->off_dt_struct = cpu_to_fdt32(0x10000); /* past the end */
	assert_int_equal(circe_dt_parse(buf, f->len, &c), -EINVAL);
	print_message("# %s\n", circe_errmsg());
	assert_true(strstr(circe_errmsg(), "bad device tree header") ||
		    strstr(circe_errmsg(), "corrupt device tree structure"));
	free(buf);
}

static void test_corrupt_structure(void **state)
{
	struct dt_fixture *f = *state;
	struct circe_dt_config c;
	uint8_t *buf = malloc(f->len);
	const struct fdt_header *h = (const struct fdt_header *)buf;

	assert_non_null(buf);
	memcpy(buf, f->blob, f->len);
	/* The structure block starts with FDT_BEGIN_NODE; make it garbage. */
	memset(buf + fdt32_to_cpu(h->off_dt_struct), 0xEE, 4);
	dt_expect_error(circe_dt_parse(buf, f->len, &c), -EINVAL, "corrupt device tree structure");
	free(buf);
}

static void test_random_corruption_never_crashes(void **state)
{
	struct dt_fixture *f = *state;
	struct tu_rng rng;
	uint8_t *buf = malloc(f->len);
	unsigned rejected = 0;

	assert_non_null(buf);
	tu_rng_init(&rng, tu_seed("dt_corruption", 7));
	for (int i = 0; i < 2000; i++) {
		struct circe_dt_config c;
		int flips = (int)tu_rng_range(&rng, 1, 4);

		memcpy(buf, f->blob, f->len);
		for (int j = 0; j < flips; j++)
			buf[tu_rng_range(&rng, 0, (int64_t)f->len - 1)] ^=
				(uint8_t)(1u << tu_rng_range(&rng, 0, 7));
		int rc = circe_dt_parse(buf, f->len, &c);

		/* Either it parses (the flip hit something harmless) or it is
		 * rejected with words; never anything else. */
		assert_true(rc == 0 || rc == -EINVAL);
		if (rc) {
			assert_true(strlen(circe_errmsg()) > 0);
			rejected++;
		}
	}
	print_message("# %u of 2000 corrupted blobs rejected\n", rejected);
	assert_true(rejected > 0);
	free(buf);
}

static void test_file_errors(void **state)
{
	void *blob = NULL;
	size_t len = 0;

	(void)state;
	dt_expect_error(circe_dt_load_file("/nonexistent/circe.dtb", &blob, &len), -ENOENT,
			"/nonexistent/circe.dtb");
	assert_null(blob);
	dt_expect_error(circe_dt_load_file(tu_tmp_dir(), &blob, &len), -EIO, "not a regular file");
	assert_int_equal(circe_dt_load_file(NULL, &blob, &len), -EINVAL);
	assert_int_equal(circe_dt_parse(NULL, 10, &(struct circe_dt_config){ 0 }), -EINVAL);
}

/* ---- the tree against the device ------------------------------------ */

static void test_open_mismatch(void **state)
{
	struct circe_dev *dev = NULL;
	char path[512];

	(void)state;
	dt_test_path("ok-8x8", path, sizeof(path));
	dt_expect_error(circe_open("fmodel:", path, &dev), -ENODEV,
			"device tree circe,array-rows = 8 but the device reports 16");
	assert_null(dev);
	dt_expect_error(circe_open("fmodel:rows=8", path, &dev), -ENODEV,
			"device tree circe,array-cols = 8 but the device reports 16");
	assert_int_equal(circe_open("fmodel:rows=8,cols=8", path, &dev), 0);
	assert_non_null(dev);

	struct circe_info info;

	assert_int_equal(circe_get_info(dev, &info), 0);
	assert_int_equal(info.array_rows, 8);
	assert_int_equal(info.array_cols, 8);
	circe_close(dev);
}

static void test_open_mismatch_each_id(void **state)
{
	static const struct {
		const char *uri, *needle;
	} cases[] = {
		{ "fmodel:l1=16", "circe,tlb-l1-entries = 32 but the device reports 16" },
		{ "fmodel:l2sets=128", "circe,tlb-l2-sets = 256 but the device reports 128" },
		{ "fmodel:l2ways=8", "circe,tlb-l2-ways = 4 but the device reports 8" },
		{ "fmodel:asids=4", "circe,num-asids = 16 but the device reports 4" },
		{ "fmodel:walkers=2", "circe,walkers = 4 but the device reports 2" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct circe_dev *dev = NULL;

		dt_expect_error(circe_open(cases[i].uri, tu_default_dtb(), &dev), -ENODEV,
				cases[i].needle);
		assert_null(dev);
	}
}

static void test_open_no_l2(void **state)
{
	struct circe_dev *dev = NULL;
	char path[512];

	(void)state;
	dt_test_path("ok-no-l2", path, sizeof(path));
	dt_expect_error(circe_open("fmodel:", path, &dev), -ENODEV, "circe,tlb-l2-sets = 0");
	assert_int_equal(circe_open("fmodel:l2sets=0,l2ways=0", path, &dev), 0);
	circe_close(dev);
}

static void test_open_bad_uri_and_args(void **state)
{
	struct circe_dev *dev = NULL;

	(void)state;
	dt_expect_error(circe_open("warp:", tu_default_dtb(), &dev), -ENODEV,
			"unknown backend 'warp'");
	assert_non_null(strstr(circe_errmsg(), "fmodel"));
	dt_expect_error(circe_open("", tu_default_dtb(), &dev), -ENODEV, "unknown backend ''");
	dt_expect_error(circe_open("fmodel:speed=11", tu_default_dtb(), &dev), -EINVAL,
			"unknown option 'speed'");
	dt_expect_error(circe_open("fmodel:rows=300", tu_default_dtb(), &dev), -EINVAL,
			"rows=300 is out of range");
	dt_expect_error(circe_open("fmodel:rows=x", tu_default_dtb(), &dev), -EINVAL,
			"rows='x' is not a number");
	dt_expect_error(circe_open("fmodel:rows", tu_default_dtb(), &dev), -EINVAL,
			"not key=value");
	dt_expect_error(circe_open("fmodel:l2sets=3", tu_default_dtb(), &dev), -EINVAL,
			"not a power of two");
	assert_int_equal(circe_open(NULL, tu_default_dtb(), &dev), -EINVAL);
	assert_int_equal(circe_open("fmodel:", tu_default_dtb(), NULL), -EINVAL);
	/* no colon at all is the scheme with no options */
	assert_int_equal(circe_open("fmodel", tu_default_dtb(), &dev), 0);
	circe_close(dev);
}

static void test_open_dtb_sources(void **state)
{
	struct circe_dev *dev = NULL;
	const char *saved = getenv("CIRCE_DTB");
	char *keep = saved ? strdup(saved) : NULL;
	char path[512], def[512];

	/* tu_default_dtb() itself reads $CIRCE_DTB */
	snprintf(def, sizeof(def), "%s", tu_default_dtb());

	(void)state;
	/* $CIRCE_DTB wins over the built-in default... */
	dt_test_path("ok-8x8", path, sizeof(path));
	setenv("CIRCE_DTB", path, 1);
	dt_expect_error(circe_open("fmodel:", NULL, &dev), -ENODEV, "circe,array-rows = 8");
	setenv("CIRCE_DTB", "/nonexistent/x.dtb", 1);
	dt_expect_error(circe_open("fmodel:", NULL, &dev), -ENOENT, "/nonexistent/x.dtb");
	/* ...and an explicit path wins over $CIRCE_DTB. */
	assert_int_equal(circe_open("fmodel:", def, &dev), 0);
	circe_close(dev);
	/* Without either, the build's tree for the backend (circe-vsim.dtb: the
	 * configuration verilated, which the default tree does not describe),
	 * else the default compiled into the library: every backend opens. */
	unsetenv("CIRCE_DTB");
	for (size_t i = 0; circe_backends[i]; i++) {
		char uri[64];

		snprintf(uri, sizeof(uri), "%s:", circe_backends[i]->name);
		print_message("# %s with the build's own tree\n", uri);
		assert_int_equal(circe_open(uri, NULL, &dev), 0);
		circe_close(dev);
	}
	if (keep) {
		setenv("CIRCE_DTB", keep, 1);
		free(keep);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_values),
		cmocka_unit_test(test_default_matches_hw_defaults),
		cmocka_unit_test(test_unaligned_blob),
		cmocka_unit_test(test_trailing_bytes_ok),
		cmocka_unit_test(test_ok_8x8),
		cmocka_unit_test(test_ok_one_cell_and_64bit_clock),
		cmocka_unit_test(test_ok_no_l2),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_corrupt_header),
		cmocka_unit_test(test_corrupt_structure),
		cmocka_unit_test(test_random_corruption_never_crashes),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_open_mismatch),
		cmocka_unit_test(test_open_mismatch_each_id),
		cmocka_unit_test(test_open_no_l2),
		cmocka_unit_test(test_open_bad_uri_and_args),
		cmocka_unit_test(test_open_dtb_sources),
	};

	return cmocka_run_group_tests_name("dt", tests, dt_setup, dt_teardown);
}
