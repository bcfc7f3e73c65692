/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz harness (tools/fuzz/fuzz_model.c) replayed over its committed
 * corpus as an ordinary test, without libFuzzer: every file goes through
 * the harness (so a crasher found once stays fixed, also under make
 * test-asan), valid-* files must pass the loader's checks and bad-* ones
 * must fail with -EINVAL and a message. Other files (inputs the fuzzer
 * found) only have to not crash.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/testutil.h"
#include "tools/fuzz/fuzz_model.c"

static int tf_read(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	*len = (size_t)n;
	fclose(f);
	return 0;
}

static int tf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
	char dir[4096], path[8192];
	size_t n = 0, cap = 0, valid = 0, bad = 0, other = 0;
	char **names = NULL;
	struct dirent *e;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tools/fuzz/corpus", tu_src_dir());
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			assert_non_null(names);
		}
		names[n] = strdup(e->d_name);
		assert_non_null(names[n++]);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), tf_cmp);
	for (size_t i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(tf_read(path, &buf, &len), 0);
		LLVMFuzzerTestOneInput(buf, len);
		err = circe_model_check(buf, len);
		if (!strncmp(names[i], "valid-", 6)) {
			if (err)
				fail_msg("%s: %d: %s", names[i], err, circe_errmsg());
			valid++;
		} else if (!strncmp(names[i], "bad-", 4)) {
			print_message("# %s: %s\n", names[i], circe_errmsg());
			if (err != -EINVAL || strncmp(circe_errmsg(), "model: ", 7))
				fail_msg("%s: %d (%s), expected -EINVAL with a message", names[i],
					 err, circe_errmsg());
			bad++;
		} else {
			other++;
		}
		free(buf);
		free(names[i]);
	}
	free(names);
	print_message("# corpus: %zu valid, %zu bad, %zu found by the fuzzer\n", valid, bad, other);
	assert_true(valid >= 3 && bad >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("fuzz_model", tests, NULL, NULL);
}
