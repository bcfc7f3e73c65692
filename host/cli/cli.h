/* SPDX-License-Identifier: Apache-2.0 */
/* The circe command line: shared option parsing, number parsing, error
 * reporting and device opening for the commands in host/cli/cmd_*.c. */
#ifndef CIRCE_HOST_CLI_CLI_H
#define CIRCE_HOST_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "circe/circe.h"
#include "host/npy.h"

/* Exit codes. */
#define CIRCE_CLI_EXIT_OK 0
#define CIRCE_CLI_EXIT_RUNTIME 1
#define CIRCE_CLI_EXIT_USAGE 2

#define CIRCE_CLI_DEFAULT_BACKEND "fmodel:"

/* State shared by every command: its name for messages and the global
 * options. */
struct circe_cli {
	const char *cmd; /* "info", "gemm", "bench gemm" */
	const char *backend;
	const char *dtb;
	char backend_uri[256]; /* backend with the ':' a bare scheme lacks */
	char open_what[280];   /* "--backend 'URI'", for errors of circe_cli_open */
};

/* One long option of a command. */
struct circe_cli_opt {
	const char *name; /* without the leading "--" */
	bool has_arg;
	int id; /* >= 0, below CIRCE_CLI_OPT_COMMON */
};

/* Ids of the options every command accepts. */
enum {
	CIRCE_CLI_OPT_COMMON = 1000,
	CIRCE_CLI_OPT_BACKEND = CIRCE_CLI_OPT_COMMON,
	CIRCE_CLI_OPT_DTB,
	CIRCE_CLI_OPT_HELP,
};

/* What circe_cli_next returns besides an option id. */
#define CIRCE_CLI_POSITIONAL (-1000)
#define CIRCE_CLI_END (-1001)

struct circe_cli_iter {
	int argc;
	char **argv;
	int i;
	bool no_more_options; /* after "--" */
};

void circe_cli_iter_init(struct circe_cli_iter *it, int argc, char **argv);

/*
 * Next option: its id (with *arg set when it takes a value), or
 * CIRCE_CLI_POSITIONAL (*arg is the word), or CIRCE_CLI_END, or a negative
 * errno for a usage error (unknown option, missing value; circe_errmsg()
 * says which). --backend and --dtb are stored in cli and skipped; --help
 * comes back as CIRCE_CLI_OPT_HELP. Accepts "--name value" and
 * "--name=value".
 */
int circe_cli_next(struct circe_cli_iter *it, struct circe_cli *cli,
		   const struct circe_cli_opt *opts, const char **arg);

/* Print "circe <cmd>: <what>: <strerror>: <errmsg>" to stderr and return
 * the exit code: CIRCE_CLI_EXIT_RUNTIME, or CIRCE_CLI_EXIT_USAGE for
 * circe_cli_usage (which also points at --help). */
int circe_cli_fail(const struct circe_cli *cli, const char *what, int err);
int circe_cli_usage(const struct circe_cli *cli, const char *what, int err);

/* Numbers from option values; -EINVAL with a message naming opt and the
 * text. Unsigned parsers reject signs; base 10, or 0x... hex. */
int circe_cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int circe_cli_parse_i32(const char *opt, const char *s, int32_t min, int32_t max, int32_t *out);
/* strtof of the whole text; finite and > 0. */
int circe_cli_parse_scale(const char *opt, const char *s, float *out);
/* True if s is entirely a number strtof accepts. */
bool circe_cli_is_number(const char *s);

/* circe_open with the global options; a bare scheme ("fmodel") gets its
 * ':' appended. Report a failure with circe_cli_fail(cli, cli->open_what). */
int circe_cli_open(struct circe_cli *cli, struct circe_dev **dev);
/* Only the backend_uri and open_what of circe_cli_open. */
void circe_cli_set_uri(struct circe_cli *cli);

/* "[5,33]" */
const char *circe_cli_shape_str(const struct circe_npy *npy, char *buf, size_t len);

/* JSON string literal of s (quotes included) to f. */
void circe_cli_json_string(FILE *f, const char *s);

/* The index of arg in words[n], or -EINVAL naming opt, arg and the known
 * words. */
int circe_cli_parse_word(const char *opt, const char *arg, const char *const *words, size_t n,
			 size_t *out);

/* JSON members printed to stdout after the first one: ', "key": v'; the
 * _opt one prints null unless have (v with the printf format fmt). */
void circe_cli_json_u64(const char *key, uint64_t v);
void circe_cli_json_opt(const char *key, bool have, double v, const char *fmt);

/* Page-aligned zeroed buffer (so it can be registered on its own pages);
 * NULL when out of memory. Free with free(). */
void *circe_cli_alloc(size_t bytes);

/* The commands: argv[0] is the command word. */
int circe_cli_cmd_info(struct circe_cli *cli, int argc, char **argv);
int circe_cli_cmd_gemm(struct circe_cli *cli, int argc, char **argv);
int circe_cli_cmd_bench(struct circe_cli *cli, int argc, char **argv);
int circe_cli_cmd_run(struct circe_cli *cli, int argc, char **argv);
/* circe bench svm (cmd_bench_svm.c), after the word "svm". */
int circe_cli_bench_svm(struct circe_cli *cli, struct circe_cli_iter *it);
/* circe bench lstm (cmd_bench_lstm.c), after the word "lstm". */
int circe_cli_bench_lstm(struct circe_cli *cli, struct circe_cli_iter *it);

/* One-line help of the global options, shared by every usage text. */
#define CIRCE_CLI_GLOBAL_HELP                                                              \
	"Global options:\n"                                                                \
	"  --backend URI   device to use: fmodel:, vsim:, xrt:0 (default fmodel:)\n"       \
	"  --dtb PATH      device tree blob (default $CIRCE_DTB, else the built-in one)\n" \
	"  --help          this help\n"

#endif
