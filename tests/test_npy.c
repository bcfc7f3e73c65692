/* SPDX-License-Identifier: Apache-2.0 */
/* host/npy.c: round trips of every dtype and rank, headers as numpy and
 * others write them, and malformed files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "host/npy.h"
#include "tests/support/testutil.h"

#define NPY_BUF_MAX 4096

/* A .npy image: magic, version, header length, dict text (padded to 64 as
 * numpy does when pad is set), then data_len bytes of 0x5A. */
struct npy_img {
	uint8_t b[NPY_BUF_MAX];
	size_t len;
};

static void npy_build(struct npy_img *img, unsigned major, const char *dict, bool pad,
		      size_t data_len)
{
	size_t pre = major == 1 ? 10 : 12, hlen = strlen(dict) + 1;

	if (pad)
		hlen = ((pre + hlen + 63) / 64) * 64 - pre;
	assert_true(pre + hlen + data_len <= NPY_BUF_MAX);
	memcpy(img->b, "\x93NUMPY", 6);
	img->b[6] = (uint8_t)major;
	img->b[7] = 0;
	img->b[8] = (uint8_t)hlen;
	img->b[9] = (uint8_t)(hlen >> 8);
	if (major != 1) {
		img->b[10] = (uint8_t)(hlen >> 16);
		img->b[11] = (uint8_t)(hlen >> 24);
	}
	memset(img->b + pre, ' ', hlen);
	memcpy(img->b + pre, dict, strlen(dict));
	img->b[pre + hlen - 1] = '\n';
	memset(img->b + pre + hlen, 0x5A, data_len);
	img->len = pre + hlen + data_len;
}

static void expect_parse_error(const void *buf, size_t len, const char *needle)
{
	struct circe_npy npy;

	memset(&npy, 0xCD, sizeof(npy));
	assert_int_equal(circe_npy_parse(buf, len, &npy), -EINVAL);
	if (!strstr(circe_errmsg(), needle))
		fail_msg("message '%s' does not contain '%s'", circe_errmsg(), needle);
	/* out untouched on error */
	assert_int_equal(npy.ndim, 0xCDCDCDCDu);
}

static void expect_dict_error(const char *dict, size_t data_len, const char *needle)
{
	struct npy_img img;

	npy_build(&img, 1, dict, true, data_len);
	expect_parse_error(img.b, img.len, needle);
}

static char *tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/test_npy_%s", tu_tmp_dir(), name);
	return buf;
}

static void test_npy_round_trip(void **state)
{
	static const enum circe_npy_dtype dtypes[] = { CIRCE_NPY_I8, CIRCE_NPY_U8, CIRCE_NPY_I16,
						       CIRCE_NPY_I32, CIRCE_NPY_F32 };
	static const size_t shapes[4][3] = { { 0 }, { 7 }, { 3, 5 }, { 2, 3, 4 } };
	struct tu_rng rng;

	(void)state;
	tu_rng_init(&rng, tu_seed("npy_round_trip", 11));
	for (size_t t = 0; t < sizeof(dtypes) / sizeof(dtypes[0]); t++) {
		for (unsigned ndim = 0; ndim <= 3; ndim++) {
			size_t esz = circe_npy_dtype_size(dtypes[t]), count = 1, bytes;
			struct circe_npy npy;
			uint8_t data[256];
			struct stat st;
			char path[4096];

			tmp_path(path, sizeof(path), "rt.npy");

			for (unsigned i = 0; i < ndim; i++)
				count *= shapes[ndim][i];
			bytes = count * esz;
			for (size_t i = 0; i < bytes; i++)
				data[i] = (uint8_t)tu_rng_u64(&rng);
			assert_int_equal(circe_npy_save(path, dtypes[t], ndim, shapes[ndim], data),
					 0);
			/* v1.0, data at a multiple of 64 bytes */
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(((size_t)st.st_size - bytes) % 64, 0);

			assert_int_equal(circe_npy_load(path, &npy), 0);
			assert_int_equal(npy.dtype, dtypes[t]);
			assert_int_equal(npy.ndim, ndim);
			assert_int_equal(npy.count, count);
			for (unsigned i = 0; i < ndim; i++)
				assert_int_equal(npy.shape[i], shapes[ndim][i]);
			assert_non_null(npy.data);
			assert_int_equal((uintptr_t)npy.data % 4096, 0);
			assert_memory_equal(npy.data, data, bytes);
			circe_npy_free(&npy);
			assert_null(npy.data);
		}
	}
	circe_npy_free(NULL);
}

/* The header exactly as numpy 1.x writes np.arange(6, dtype='<i4').reshape(2,3). */
static void test_npy_numpy_bytes(void **state)
{
	static const char hdr[] = "\x93NUMPY\x01\x00v\x00"
				  "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
	uint8_t buf[128 + 24];
	struct circe_npy npy;
	int32_t v[6];

	(void)state;
	memset(buf, ' ', 128);
	memcpy(buf, hdr, sizeof(hdr) - 1);
	buf[127] = '\n';
	for (int i = 0; i < 6; i++) {
		v[i] = i - 2;
		memcpy(buf + 128 + 4 * i, &v[i], 4);
	}
	assert_int_equal(circe_npy_parse(buf, sizeof(buf), &npy), 0);
	assert_int_equal(npy.dtype, CIRCE_NPY_I32);
	assert_int_equal(npy.ndim, 2);
	assert_int_equal(npy.shape[0], 2);
	assert_int_equal(npy.shape[1], 3);
	assert_memory_equal(npy.data, v, sizeof(v));
	circe_npy_free(&npy);
}

/* Other writers: keys in any order, double quotes, no padding, versions 2
 * and 3, descr without '|', no trailing comma, empty shape. */
static void test_npy_header_variants(void **state)
{
	static const struct {
		unsigned major;
		const char *dict;
		bool pad;
		enum circe_npy_dtype dtype;
		unsigned ndim;
		size_t d0, d1, count;
	} cases[] = {
		{ 1, "{'shape': (4,), 'fortran_order': False, 'descr': '|u1'}", true, CIRCE_NPY_U8,
		  1, 4, 0, 4 },
		{ 1, "{\"descr\": \"i1\", \"fortran_order\": False, \"shape\": (2, 2)}", false,
		  CIRCE_NPY_I8, 2, 2, 2, 4 },
		{ 1, "{'descr':'u1','fortran_order':False,'shape':(3,1,)}", false, CIRCE_NPY_U8, 2,
		  3, 1, 3 },
		{ 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", true, CIRCE_NPY_F32,
		  0, 0, 0, 1 },
		{ 3, "{'descr': '<i2', 'fortran_order': False, 'shape': (5,), }", true,
		  CIRCE_NPY_I16, 1, 5, 0, 5 },
		{ 1, "{'descr': '<i1', 'fortran_order': False, 'shape': (0, 3), }", true,
		  CIRCE_NPY_I8, 2, 0, 3, 0 },
		{ 1, "  {'descr': '<i4', 'fortran_order': False, 'shape': (2L, 1L), }  ", true,
		  CIRCE_NPY_I32, 2, 2, 1, 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct npy_img img;
		struct circe_npy npy;
		size_t bytes = cases[i].count * circe_npy_dtype_size(cases[i].dtype);

		npy_build(&img, cases[i].major, cases[i].dict, cases[i].pad, bytes);
		if (circe_npy_parse(img.b, img.len, &npy))
			fail_msg("case %zu (%s): %s", i, cases[i].dict, circe_errmsg());
		assert_int_equal(npy.dtype, cases[i].dtype);
		assert_int_equal(npy.ndim, cases[i].ndim);
		assert_int_equal(npy.count, cases[i].count);
		if (cases[i].ndim > 0)
			assert_int_equal(npy.shape[0], cases[i].d0);
		if (cases[i].ndim > 1)
			assert_int_equal(npy.shape[1], cases[i].d1);
		assert_non_null(npy.data);
		for (size_t b = 0; b < bytes; b++)
			assert_int_equal(((uint8_t *)npy.data)[b], 0x5A);
		circe_npy_free(&npy);
	}
}

static const char good_dict[] = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";

static void test_npy_bad_magic(void **state)
{
	struct npy_img img;

	(void)state;
	npy_build(&img, 1, good_dict, true, 6);
	img.b[1] = 'X';
	expect_parse_error(img.b, img.len, "magic");
	expect_parse_error("PK\x03\x04", 4, "magic");
	expect_parse_error("", 0, "magic");
	npy_build(&img, 4, good_dict, true, 6);
	expect_parse_error(img.b, img.len, "version 4");
}

static void test_npy_truncated_header(void **state)
{
	struct npy_img img;

	(void)state;
	npy_build(&img, 1, good_dict, true, 6);
	expect_parse_error(img.b, 7, "truncated header");
	expect_parse_error(img.b, 9, "truncated header");
	expect_parse_error(img.b, 40, "truncated header");
	npy_build(&img, 2, good_dict, true, 6);
	expect_parse_error(img.b, 11, "truncated header");
	/* A header length far beyond the file. */
	npy_build(&img, 2, good_dict, true, 6);
	img.b[11] = 0x7F;
	expect_parse_error(img.b, img.len, "truncated header");
}

static void test_npy_truncated_data(void **state)
{
	struct npy_img img;

	(void)state;
	npy_build(&img, 1, good_dict, true, 6);
	expect_parse_error(img.b, img.len - 2, "truncated data: expected 6 data bytes, found 4");
	npy_build(&img, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", true, 0);
	expect_parse_error(img.b, img.len, "expected 12 data bytes, found 0");
}

static void test_npy_extra_data(void **state)
{
	struct npy_img img;

	(void)state;
	npy_build(&img, 1, good_dict, true, 9);
	expect_parse_error(img.b, img.len, "extra data: expected 6 data bytes, found 9");
}

static void test_npy_bad_header(void **state)
{
	(void)state;
	expect_dict_error("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3), }", 6,
			  "fortran_order True");
	expect_dict_error("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }", 24,
			  "big-endian dtype '>i4'");
	expect_dict_error("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
			  "big-endian");
	expect_dict_error("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
			  "unsupported dtype '<f8'");
	expect_dict_error("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }", 6,
			  "unsupported dtype '|b1'");
	expect_dict_error("{'descr': 'i4', 'fortran_order': False, 'shape': (2, 3), }", 24,
			  "byte order");
	expect_dict_error("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", 8,
			  "structured");
	expect_dict_error("['descr', '|i1']", 6, "not a dict");
	expect_dict_error("descr: |i1", 6, "not a dict");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, 'shape': (-2, 3), }", 6,
			  "negative");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, "
			  "'shape': (99999999999999999999999, 3), }",
			  6, "too large");
	/* Each dim fits, the product does not. */
	expect_dict_error("{'descr': '<i4', 'fortran_order': False, "
			  "'shape': (4294967296, 4294967296, 2), }",
			  6, "overflow");
	/* The element count fits, the byte size does not. */
	expect_dict_error("{'descr': '<i4', 'fortran_order': False, "
			  "'shape': (4611686018427387904, 2), }",
			  6, "overflow");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, 'shape': (6), }", 6,
			  "not a tuple");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, 'shape': [6], }", 6,
			  "not a tuple");
	expect_dict_error(
		"{'descr': '|i1', 'fortran_order': False, 'shape': (1,2,3,4,5,6,7,8,9), }", 6,
		"more than 8");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False}", 6, "missing key 'shape'");
	expect_dict_error("{'descr': '|i1', 'shape': (6,)}", 6, "missing key 'fortran_order'");
	expect_dict_error("{'descr': '|i1', 'descr': '|i1', 'fortran_order': False, 'shape': (6,)}",
			  6, "duplicate key 'descr'");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, 'shape': (6,), 'x': 1}", 6,
			  "unexpected key 'x'");
	expect_dict_error("{'descr': '|i1', 'fortran_order': Maybe, 'shape': (6,)}", 6,
			  "True or False");
	expect_dict_error("{'descr': '|i1' 'fortran_order': False, 'shape': (6,)}", 6,
			  "expected ',' or '}'");
	expect_dict_error("{'descr': '|i1', 'fortran_order': False, 'shape': (6,)} junk", 6,
			  "after the dict");
	expect_dict_error("{'descr: '|i1', 'fortran_order': False, 'shape': (6,)}", 6,
			  "expected ':'");
}

static void test_npy_file_errors(void **state)
{
	struct circe_npy npy;
	char missing[4096], path[4096], nodir[4096];
	FILE *f;
	size_t shape[1] = { 3 };
	uint8_t data[3] = { 1, 2, 3 };

	(void)state;
	tmp_path(missing, sizeof(missing), "does-not-exist.npy");
	tmp_path(path, sizeof(path), "bad.npy");
	tmp_path(nodir, sizeof(nodir), "no/such/dir.npy");
	unlink(missing);
	assert_int_equal(circe_npy_load(missing, &npy), -ENOENT);
	assert_non_null(strstr(circe_errmsg(), "does-not-exist.npy"));

	/* A malformed file: the message names the file and the problem. */
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("not a numpy file", f);
	fclose(f);
	assert_int_equal(circe_npy_load(path, &npy), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "bad.npy"));
	assert_non_null(strstr(circe_errmsg(), "magic"));

	/* A directory is not a .npy file. */
	assert_int_equal(circe_npy_load(tu_tmp_dir(), &npy), -EINVAL);

	/* Save errors. */
	assert_int_equal(circe_npy_save(nodir, CIRCE_NPY_I8, 1, shape, data), -ENOENT);
	assert_int_equal(circe_npy_save(path, (enum circe_npy_dtype)42, 1, shape, data), -EINVAL);
	assert_int_equal(circe_npy_save(path, CIRCE_NPY_I8, CIRCE_NPY_MAX_DIMS + 1, shape, data),
			 -EINVAL);
	assert_int_equal(circe_npy_save(path, CIRCE_NPY_I8, 1, shape, NULL), -EINVAL);
	assert_int_equal(circe_npy_parse(NULL, 10, &npy), -EINVAL);
	assert_int_equal(circe_npy_parse(data, 3, NULL), -EINVAL);
}

static void test_npy_dtype_names(void **state)
{
	(void)state;
	assert_string_equal(circe_npy_dtype_name(CIRCE_NPY_I8), "int8");
	assert_string_equal(circe_npy_dtype_name(CIRCE_NPY_U8), "uint8");
	assert_string_equal(circe_npy_dtype_name(CIRCE_NPY_I16), "int16");
	assert_string_equal(circe_npy_dtype_name(CIRCE_NPY_I32), "int32");
	assert_string_equal(circe_npy_dtype_name(CIRCE_NPY_F32), "float32");
	assert_int_equal(circe_npy_dtype_size(CIRCE_NPY_I16), 2);
	assert_int_equal(circe_npy_dtype_size(CIRCE_NPY_F32), 4);
	assert_int_equal(circe_npy_dtype_size((enum circe_npy_dtype)42), 0);
}

/* Random corruption of a valid file never crashes and either parses or
 * fails with -EINVAL and a message. */
static void test_npy_fuzz(void **state)
{
	struct tu_rng rng;
	struct npy_img base, img;

	(void)state;
	tu_rng_init(&rng, tu_seed("npy_fuzz", 5));
	npy_build(&base, 1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), }", true,
		  24);
	for (int i = 0; i < 20000; i++) {
		struct circe_npy npy;
		size_t len = base.len;
		int flips = (int)tu_rng_range(&rng, 1, 4), err;

		img = base;
		for (int f = 0; f < flips; f++)
			img.b[tu_rng_range(&rng, 0, (int64_t)base.len - 1)] =
				(uint8_t)tu_rng_u64(&rng);
		if (i % 3 == 0)
			len = (size_t)tu_rng_range(&rng, 0, (int64_t)base.len);
		err = circe_npy_parse(img.b, len, &npy);
		if (err == 0) {
			circe_npy_free(&npy);
			continue;
		}
		assert_int_equal(err, -EINVAL);
		assert_true(strlen(circe_errmsg()) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npy_round_trip),
		cmocka_unit_test(test_npy_numpy_bytes),
		cmocka_unit_test(test_npy_header_variants),
		cmocka_unit_test(test_npy_bad_magic),
		cmocka_unit_test(test_npy_truncated_header),
		cmocka_unit_test(test_npy_truncated_data),
		cmocka_unit_test(test_npy_extra_data),
		cmocka_unit_test(test_npy_bad_header),
		cmocka_unit_test(test_npy_file_errors),
		cmocka_unit_test(test_npy_dtype_names),
		cmocka_unit_test(test_npy_fuzz),
	};

	return cmocka_run_group_tests_name("npy", tests, NULL, NULL);
}
