/* SPDX-License-Identifier: Apache-2.0 */
/* circe: the command line. Dispatches to one command per host/cli/cmd_*.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "host/cli/cli.h"

struct circe_cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct circe_cli *cli, int argc, char **argv);
};

static const struct circe_cli_command circe_cli_commands[] = {
	{ "info", "show the device: device tree, ID registers, features", circe_cli_cmd_info },
	{ "gemm", "run a quantized GEMM on .npy files", circe_cli_cmd_gemm },
	{ "run", "run a model file (safetensors) on a .npy input", circe_cli_cmd_run },
	{ "bench", "benchmarks: bench gemm, faults, svm, lstm", circe_cli_cmd_bench },
};

#define CIRCE_CLI_NUM_COMMANDS (sizeof(circe_cli_commands) / sizeof(circe_cli_commands[0]))

static void circe_cli_main_usage(FILE *f)
{
	fprintf(f, "usage: circe [--backend URI] [--dtb PATH] COMMAND [OPTIONS]\n"
		   "       circe help [COMMAND]\n"
		   "       circe COMMAND --help\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < CIRCE_CLI_NUM_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", circe_cli_commands[i].name,
			circe_cli_commands[i].summary);
	fprintf(f, "\n" CIRCE_CLI_GLOBAL_HELP
		   "\nExit status: 0 success, 1 runtime error, 2 usage error.\n");
}

static const struct circe_cli_command *circe_cli_lookup(const char *name)
{
	for (size_t i = 0; i < CIRCE_CLI_NUM_COMMANDS; i++)
		if (!strcmp(circe_cli_commands[i].name, name))
			return &circe_cli_commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct circe_cli cli = { .cmd = "", .backend = NULL, .dtb = NULL };
	const struct circe_cli_command *c;
	struct circe_cli_iter it;
	const char *arg;
	int id;

	/* Global options may come before the command word too. */
	circe_cli_iter_init(&it, argc, argv);
	id = circe_cli_next(&it, &cli, NULL, &arg);
	if (id == CIRCE_CLI_END) {
		circe_cli_main_usage(stderr);
		return CIRCE_CLI_EXIT_USAGE;
	}
	if (id == CIRCE_CLI_OPT_HELP) {
		circe_cli_main_usage(stdout);
		return CIRCE_CLI_EXIT_OK;
	}
	if (id != CIRCE_CLI_POSITIONAL)
		return circe_cli_usage(&cli, "options", id < 0 ? id : -EINVAL);
	/* argv[it.i - 1] is the command word: the command sees its own argv. */
	if (!strcmp(arg, "help")) {
		char help[] = "--help";
		char *hargv[3];

		if (it.i >= argc) {
			circe_cli_main_usage(stdout);
			return CIRCE_CLI_EXIT_OK;
		}
		c = circe_cli_lookup(argv[it.i]);
		if (!c)
			return circe_cli_usage(
				&cli, "help",
				circe_err(-EINVAL, "unknown command '%s'", argv[it.i]));
		cli.cmd = c->name;
		hargv[0] = argv[it.i];
		hargv[1] = help;
		hargv[2] = NULL;
		/* "help bench gemm" */
		if (it.i + 1 < argc) {
			char *bargv[4] = { argv[it.i], argv[it.i + 1], help, NULL };

			return c->run(&cli, 3, bargv);
		}
		return c->run(&cli, 2, hargv);
	}
	c = circe_cli_lookup(arg);
	if (!c)
		return circe_cli_usage(&cli, "command",
				       circe_err(-EINVAL, "unknown command '%s'", arg));
	cli.cmd = c->name;
	return c->run(&cli, argc - (it.i - 1), argv + (it.i - 1));
}
