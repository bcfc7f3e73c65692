/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/testutil.h"

extern char **environ;

static const char *tu_env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return (v && *v) ? v : fallback;
}

const char *tu_default_dtb(void)
{
	return tu_env_or("CIRCE_DTB", "build/dt/circe.dtb");
}

const char *tu_test_dtb_dir(void)
{
	return tu_env_or("CIRCE_TEST_DTBS", "build/tests/dts");
}

const char *tu_circe_bin(void)
{
	return tu_env_or("CIRCE_BIN", "build/bin/circe");
}

const char *tu_src_dir(void)
{
	return tu_env_or("CIRCE_SRC", ".");
}

const char *tu_tmp_dir(void)
{
	const char *d = tu_env_or("CIRCE_TMP", "build/tests/tmp");

	mkdir(d, 0755);
	return d;
}

uint64_t tu_seed(const char *name, uint64_t fixed_seed)
{
	const char *v = getenv("CIRCE_SEED");
	uint64_t seed = fixed_seed;

	if (v && *v)
		seed = strtoull(v, NULL, 0);
	printf("# seed %s = %" PRIu64 " (set CIRCE_SEED to change)\n", name, seed);
	return seed;
}

void tu_rng_init(struct tu_rng *r, uint64_t seed)
{
	r->s = seed ^ 0x9E3779B97F4A7C15ull;
}

/* splitmix64 */
uint64_t tu_rng_u64(struct tu_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

int64_t tu_rng_range(struct tu_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0)
		return (int64_t)tu_rng_u64(r);
	return lo + (int64_t)(tu_rng_u64(r) % span);
}

void tu_rng_fill_i8(struct tu_rng *r, int8_t *dst, size_t n, int lo, int hi)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (int8_t)tu_rng_range(r, lo, hi);
}

void *tu_alloc_pages(size_t bytes)
{
	void *p = NULL;
	size_t len = (bytes + 4095) & ~(size_t)4095;

	if (len == 0)
		len = 4096;
	if (posix_memalign(&p, 4096, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

int tu_run(char *const argv[], char **output)
{
	char path[] = "/tmp/circe-tu-run-XXXXXX";
	int fd = mkstemp(path);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;

	if (output)
		*output = NULL;
	if (fd < 0)
		return -1;
	unlink(path);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (output) {
		off_t len = lseek(fd, 0, SEEK_END);
		char *buf = malloc((size_t)len + 1);

		if (buf) {
			ssize_t got = pread(fd, buf, (size_t)len, 0);

			buf[got > 0 ? got : 0] = '\0';
			*output = buf;
		}
	}
	close(fd);
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
