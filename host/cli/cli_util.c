/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "host/cli/cli.h"

static const struct circe_cli_opt circe_cli_common_opts[] = {
	{ "backend", true, CIRCE_CLI_OPT_BACKEND },
	{ "dtb", true, CIRCE_CLI_OPT_DTB },
	{ "help", false, CIRCE_CLI_OPT_HELP },
	{ NULL, false, 0 },
};

void circe_cli_iter_init(struct circe_cli_iter *it, int argc, char **argv)
{
	it->argc = argc;
	it->argv = argv;
	it->i = 1; /* argv[0] is the command word */
	it->no_more_options = false;
}

static const struct circe_cli_opt *circe_cli_find(const struct circe_cli_opt *opts,
						  const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

int circe_cli_next(struct circe_cli_iter *it, struct circe_cli *cli,
		   const struct circe_cli_opt *opts, const char **arg)
{
	for (;;) {
		const struct circe_cli_opt *o;
		const char *w, *name, *eq;
		size_t len;

		*arg = NULL;
		if (it->i >= it->argc)
			return CIRCE_CLI_END;
		w = it->argv[it->i++];
		if (it->no_more_options || w[0] != '-' || !strcmp(w, "-")) {
			*arg = w;
			return CIRCE_CLI_POSITIONAL;
		}
		if (!strcmp(w, "--")) {
			it->no_more_options = true;
			continue;
		}
		if (!strcmp(w, "-h"))
			return CIRCE_CLI_OPT_HELP;
		if (w[1] != '-')
			return circe_err(-EINVAL, "unknown option '%s' (options are --long)", w);
		name = w + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		o = circe_cli_find(opts, name, len);
		if (!o)
			o = circe_cli_find(circe_cli_common_opts, name, len);
		if (!o)
			return circe_err(-EINVAL, "unknown option '--%.*s'", (int)len, name);
		if (o->has_arg) {
			if (eq) {
				*arg = eq + 1;
			} else if (it->i < it->argc) {
				*arg = it->argv[it->i++];
			} else {
				return circe_err(-EINVAL, "option '--%s' needs a value", o->name);
			}
		} else if (eq) {
			return circe_err(-EINVAL, "option '--%s' takes no value", o->name);
		}
		if (o->id == CIRCE_CLI_OPT_BACKEND) {
			cli->backend = *arg;
			continue;
		}
		if (o->id == CIRCE_CLI_OPT_DTB) {
			cli->dtb = *arg;
			continue;
		}
		return o->id;
	}
}

static void circe_cli_report(const struct circe_cli *cli, const char *what, int err)
{
	const char *msg = circe_errmsg();

	fprintf(stderr, "circe%s%s: %s: %s", *cli->cmd ? " " : "", cli->cmd, what,
		circe_strerror(err));
	if (msg && *msg)
		fprintf(stderr, ": %s", msg);
	fputc('\n', stderr);
}

int circe_cli_fail(const struct circe_cli *cli, const char *what, int err)
{
	circe_cli_report(cli, what, err);
	return CIRCE_CLI_EXIT_RUNTIME;
}

int circe_cli_usage(const struct circe_cli *cli, const char *what, int err)
{
	circe_cli_report(cli, what, err);
	fprintf(stderr, "Try 'circe%s%s --help'.\n", *cli->cmd ? " " : "", cli->cmd);
	return CIRCE_CLI_EXIT_USAGE;
}

int circe_cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return circe_err(-EINVAL, "%s: '%s' is not an unsigned integer", opt, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		return circe_err(-EINVAL, "%s: '%s' is not an unsigned integer", opt, s);
	if (errno == ERANGE || v < min || v > max)
		return circe_err(-EINVAL, "%s: %s is outside [%llu, %llu]", opt, s,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int circe_cli_parse_i32(const char *opt, const char *s, int32_t min, int32_t max, int32_t *out)
{
	long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return circe_err(-EINVAL, "%s: '%s' is not an integer", opt, s ? s : "");
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return circe_err(-EINVAL, "%s: '%s' is not an integer", opt, s);
	if (errno == ERANGE || v < min || v > max)
		return circe_err(-EINVAL, "%s: %s is outside [%d, %d]", opt, s, (int)min, (int)max);
	*out = (int32_t)v;
	return 0;
}

bool circe_cli_is_number(const char *s)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	(void)strtof(s, &end);
	return *end == '\0';
}

int circe_cli_parse_scale(const char *opt, const char *s, float *out)
{
	float v;

	if (!circe_cli_is_number(s))
		return circe_err(-EINVAL, "%s: '%s' is not a number", opt, s ? s : "");
	v = strtof(s, NULL);
	if (!isfinite(v) || !(v > 0))
		return circe_err(-EINVAL, "%s: %s is not a finite number > 0 (as float32)", opt, s);
	*out = v;
	return 0;
}

void circe_cli_set_uri(struct circe_cli *cli)
{
	const char *b = cli->backend ? cli->backend : CIRCE_CLI_DEFAULT_BACKEND;

	if (strchr(b, ':'))
		snprintf(cli->backend_uri, sizeof(cli->backend_uri), "%s", b);
	else
		snprintf(cli->backend_uri, sizeof(cli->backend_uri), "%s:", b);
	snprintf(cli->open_what, sizeof(cli->open_what), "--backend '%s'", b);
}

int circe_cli_open(struct circe_cli *cli, struct circe_dev **dev)
{
	circe_cli_set_uri(cli);
	return circe_open(cli->backend_uri, cli->dtb, dev);
}

const char *circe_cli_shape_str(const struct circe_npy *npy, char *buf, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "[");
	for (unsigned i = 0; i < npy->ndim && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%zu", i ? "," : "", npy->shape[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}

void circe_cli_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void *circe_cli_alloc(size_t bytes)
{
	size_t len = (bytes + 4095) & ~(size_t)4095;
	void *p = NULL;

	if (len < bytes)
		return NULL;
	if (!len)
		len = 4096;
	if (posix_memalign(&p, 4096, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

int circe_cli_parse_word(const char *opt, const char *arg, const char *const *words, size_t n,
			 size_t *out)
{
	char known[128] = "";

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(arg, words[i])) {
			*out = i;
			return 0;
		}
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
			 i ? ", " : "", words[i]);
	}
	return circe_err(-EINVAL, "%s: unknown value '%s' (known: %s)", opt, arg, known);
}

void circe_cli_json_u64(const char *key, uint64_t v)
{
	printf(", \"%s\": %" PRIu64, key, v);
}

void circe_cli_json_opt(const char *key, bool have, double v, const char *fmt)
{
	printf(", \"%s\": ", key);
	if (have)
		printf(fmt, v);
	else
		printf("null");
}
