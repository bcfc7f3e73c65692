/* SPDX-License-Identifier: Apache-2.0 */
/* circe info: what the device tree says and what the ID registers report,
 * decoded. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "circe/hw.h"
#include "common/error.h"
#include "host/cli/cli.h"

struct circe_cli_feature {
	const char *name;
	uint32_t bit;
	const char *desc;
};

#define CIRCE_CLI_FEAT_ENTRY_(name, bit, desc) { #name, (1u << (bit)), desc },
static const struct circe_cli_feature circe_cli_features[] = { CIRCE_HW_FEAT_LIST(
	CIRCE_CLI_FEAT_ENTRY_) };
#undef CIRCE_CLI_FEAT_ENTRY_

#define CIRCE_CLI_NUM_FEATURES (sizeof(circe_cli_features) / sizeof(circe_cli_features[0]))

enum { CIRCE_CLI_INFO_JSON };

static const struct circe_cli_opt circe_cli_info_opts[] = {
	{ "json", false, CIRCE_CLI_INFO_JSON },
	{ NULL, false, 0 },
};

static void circe_cli_info_help(void)
{
	printf("usage: circe info [--backend URI] [--dtb PATH] [--json]\n\n"
	       "Open the device and show its configuration: the device-tree values and\n"
	       "the ID registers (checked against each other when the device opens),\n"
	       "decoded: version, array size, TLB geometry, ASIDs, walkers, features,\n"
	       "clock and the simulated memory model.\n\n"
	       "Options:\n"
	       "  --json          one JSON object instead of the table\n\n" CIRCE_CLI_GLOBAL_HELP);
}

/* Feature names are the hw.h names in lower case, so they read like the
 * device-tree and documentation spelling ("int4", "tlb_l2"). */
static void circe_cli_feature_name(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
}

static void circe_cli_info_table(const struct circe_info *in)
{
	uint32_t unknown = in->features;
	char name[32];

	printf("%-16s %s\n", "backend", in->backend);
	printf("%-16s %s\n", "compatible", in->compatible);
	printf("%-16s %u.%u (0x%08x)\n", "version", in->version >> 16, in->version & 0xFFFFu,
	       in->version);
	printf("%-16s %u x %u (%u MACs per cycle)\n", "array", in->array_rows, in->array_cols,
	       in->array_rows * in->array_cols);
	printf("%-16s %u entries\n", "tlb l1", in->tlb_l1_entries);
	if (in->tlb_l2_ways)
		printf("%-16s %u sets x %u ways (%u entries)\n", "tlb l2", in->tlb_l2_sets,
		       in->tlb_l2_ways, in->tlb_l2_sets * in->tlb_l2_ways);
	else
		printf("%-16s none\n", "tlb l2");
	printf("%-16s %u\n", "asids", in->num_asids);
	printf("%-16s %u\n", "walkers", in->walkers);
	printf("%-16s 0x%08x\n", "features", in->features);
	for (size_t i = 0; i < CIRCE_CLI_NUM_FEATURES; i++) {
		if (!(in->features & circe_cli_features[i].bit))
			continue;
		unknown &= ~circe_cli_features[i].bit;
		circe_cli_feature_name(circe_cli_features[i].name, name, sizeof(name));
		printf("  %-14s %s\n", name, circe_cli_features[i].desc);
	}
	if (unknown)
		printf("  %-14s 0x%08x\n", "unknown bits", unknown);
	printf("%-16s 0x%" PRIx64 " + 0x%" PRIx64 "\n", "registers", in->reg_base, in->reg_size);
	printf("%-16s %.3f MHz\n", "clock", (double)in->clock_hz / 1e6);
	printf("%-16s latency %u cycles, %u bytes per cycle, %u outstanding\n", "memory model",
	       in->mem_latency_cycles, in->mem_bytes_per_cycle, in->mem_max_outstanding);
}

static void circe_cli_info_json(const struct circe_info *in)
{
	char name[32];
	bool first = true;

	printf("{\"backend\": ");
	circe_cli_json_string(stdout, in->backend);
	printf(", \"compatible\": ");
	circe_cli_json_string(stdout, in->compatible);
	printf(", \"version\": \"%u.%u\", \"version_reg\": %u", in->version >> 16,
	       in->version & 0xFFFFu, in->version);
	printf(", \"array_rows\": %u, \"array_cols\": %u, \"peak_macs_per_cycle\": %u",
	       in->array_rows, in->array_cols, in->array_rows * in->array_cols);
	printf(", \"tlb_l1_entries\": %u, \"tlb_l2_sets\": %u, \"tlb_l2_ways\": %u",
	       in->tlb_l1_entries, in->tlb_l2_sets, in->tlb_l2_ways);
	printf(", \"num_asids\": %u, \"walkers\": %u, \"features_reg\": %u, \"features\": [",
	       in->num_asids, in->walkers, in->features);
	for (size_t i = 0; i < CIRCE_CLI_NUM_FEATURES; i++) {
		if (!(in->features & circe_cli_features[i].bit))
			continue;
		circe_cli_feature_name(circe_cli_features[i].name, name, sizeof(name));
		printf("%s\"%s\"", first ? "" : ", ", name);
		first = false;
	}
	printf("], \"reg_base\": %" PRIu64 ", \"reg_size\": %" PRIu64 ", \"clock_hz\": %" PRIu64,
	       in->reg_base, in->reg_size, in->clock_hz);
	printf(", \"mem_latency_cycles\": %u, \"mem_bytes_per_cycle\": %u"
	       ", \"mem_max_outstanding\": %u}\n",
	       in->mem_latency_cycles, in->mem_bytes_per_cycle, in->mem_max_outstanding);
}

int circe_cli_cmd_info(struct circe_cli *cli, int argc, char **argv)
{
	struct circe_cli_iter it;
	struct circe_dev *dev = NULL;
	struct circe_info info;
	const char *arg;
	bool json = false;
	int id, err;

	circe_cli_iter_init(&it, argc, argv);
	while ((id = circe_cli_next(&it, cli, circe_cli_info_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			circe_cli_info_help();
			return CIRCE_CLI_EXIT_OK;
		case CIRCE_CLI_INFO_JSON:
			json = true;
			break;
		case CIRCE_CLI_POSITIONAL:
			return circe_cli_usage(cli, "arguments",
					       circe_err(-EINVAL, "unexpected argument '%s'", arg));
		default:
			return circe_cli_usage(cli, "options", id);
		}
	}

	err = circe_cli_open(cli, &dev);
	if (err)
		return circe_cli_fail(cli, cli->open_what, err);
	err = circe_get_info(dev, &info);
	if (err) {
		circe_cli_fail(cli, "reading the device information", err);
		circe_close(dev);
		return CIRCE_CLI_EXIT_RUNTIME;
	}
	if (json)
		circe_cli_info_json(&info);
	else
		circe_cli_info_table(&info);
	circe_close(dev);
	return CIRCE_CLI_EXIT_OK;
}
