/* SPDX-License-Identifier: Apache-2.0 */
/*
 * circe bench svm: the SVM studies (docs/svm.md, "Benchmarks"). One
 * workload of host/workloads (a 16 MiB memcpy, a partial chase of a
 * scattered list, a CSR SpMV, a random forest) run by the memory engine
 * under each asked TLB mode (MMU_CTRL on the real MMU, or the ideal-MMU
 * model), zero-copy through SVM and/or copy-based (packed into a pinned
 * buffer with pointers rewritten, run, copied back), checked against a host
 * reference, one line of figures (or one JSON object) per run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "circe/hw.h"
#include "common/error.h"
#include "driver/driver.h"
#include "host/cli/cli.h"
#include "host/memeng.h"
#include "host/workloads.h"
#include "hw/hls/circe_hls.h"

enum circe_cli_svm_pattern {
	CIRCE_CLI_SVM_MEMCPY,
	CIRCE_CLI_SVM_PCHASE,
	CIRCE_CLI_SVM_SPMV,
	CIRCE_CLI_SVM_FOREST,
};

static const char *const circe_cli_svm_patterns[] = { "memcpy", "pchase", "spmv", "forest" };

/* TLB modes, in the order a run goes through them: the ideal MMU first, so
 * that the others' translation overhead is known when they print. */
enum circe_cli_svm_tlb {
	CIRCE_CLI_SVM_IDEAL,
	CIRCE_CLI_SVM_HYBRID,
	CIRCE_CLI_SVM_L1_ONLY,
	CIRCE_CLI_SVM_L2_ONLY,
	CIRCE_CLI_SVM_NTLB,
};

static const char *const circe_cli_svm_tlbs[] = { "ideal", "hybrid", "l1-only", "l2-only" };
static const uint32_t circe_cli_svm_mmu_mode[] = { 0, CIRCE_HW_MMU_MODE_HYBRID,
						   CIRCE_HW_MMU_MODE_L1_ONLY,
						   CIRCE_HW_MMU_MODE_L2_ONLY };

enum { CIRCE_CLI_SVM_COPY = 1u << 0, CIRCE_CLI_SVM_ZERO_COPY = 1u << 1 };

enum {
	CIRCE_CLI_SVM_OPT_PATTERN,
	CIRCE_CLI_SVM_OPT_TLB,
	CIRCE_CLI_SVM_OPT_PAGES,
	CIRCE_CLI_SVM_OPT_SIZE,
	CIRCE_CLI_SVM_OPT_OFFLOAD,
	CIRCE_CLI_SVM_OPT_VISIT,
	CIRCE_CLI_SVM_OPT_TREES,
	CIRCE_CLI_SVM_OPT_SEED,
	CIRCE_CLI_SVM_OPT_JSON,
	CIRCE_CLI_SVM_OPT_REPEAT,
	CIRCE_CLI_SVM_OPT_CMD_LIST,
	CIRCE_CLI_SVM_OPT_COLS,
};

static const struct circe_cli_opt circe_cli_svm_opts[] = {
	{ "pattern", true, CIRCE_CLI_SVM_OPT_PATTERN },
	{ "tlb", true, CIRCE_CLI_SVM_OPT_TLB },
	{ "pages", true, CIRCE_CLI_SVM_OPT_PAGES },
	{ "size", true, CIRCE_CLI_SVM_OPT_SIZE },
	{ "offload", true, CIRCE_CLI_SVM_OPT_OFFLOAD },
	{ "visit", true, CIRCE_CLI_SVM_OPT_VISIT },
	{ "trees", true, CIRCE_CLI_SVM_OPT_TREES },
	{ "seed", true, CIRCE_CLI_SVM_OPT_SEED },
	{ "json", false, CIRCE_CLI_SVM_OPT_JSON },
	{ "repeat", true, CIRCE_CLI_SVM_OPT_REPEAT },
	{ "cmd-list", true, CIRCE_CLI_SVM_OPT_CMD_LIST },
	{ "cols", true, CIRCE_CLI_SVM_OPT_COLS },
	{ NULL, false, 0 },
};

/* Workload sizes (docs/svm.md says why). */
#define CIRCE_CLI_SVM_MIN_SIZE 4096u
#define CIRCE_CLI_SVM_MAX_SIZE (1ull << 30)
#define CIRCE_CLI_SVM_HUGE (2u << 20)
/* A list node per 256 bytes of arena: 64-byte nodes among other heap data. */
#define CIRCE_CLI_SVM_NODE_BYTES 64u
#define CIRCE_CLI_SVM_LIST_SPREAD 256u
#define CIRCE_CLI_SVM_DEFAULT_VISIT 256u
/* Forest: half the arena's 32-byte slots hold nodes, the deepest full trees
 * that fit, over 64 int32 features. */
#define CIRCE_CLI_SVM_DEFAULT_TREES 32u
#define CIRCE_CLI_SVM_FEATURES 64u
#define CIRCE_CLI_SVM_MAX_DEPTH 20u
/* SpMV: 16 entries per row, a square matrix; an entry is 5 bytes (int32
 * column index, int8 value). */
#define CIRCE_CLI_SVM_NNZ_PER_ROW 16u
/* --repeat: queries per run. A simulated query costs up to a few seconds of
 * wall time; more than this many is a typo, not a study. */
#define CIRCE_CLI_SVM_MAX_REPEAT 10000u

static uint64_t circe_cli_svm_default_size(enum circe_cli_svm_pattern p)
{
	switch (p) {
	case CIRCE_CLI_SVM_MEMCPY:
		return 16ull << 20;
	case CIRCE_CLI_SVM_SPMV:
		return 4ull << 20;
	default:
		return 64ull << 20;
	}
}

struct circe_cli_svm_args {
	enum circe_cli_svm_pattern pattern;
	bool tlb[CIRCE_CLI_SVM_NTLB];
	bool huge;	  /* --pages 2m */
	unsigned offload; /* CIRCE_CLI_SVM_COPY | CIRCE_CLI_SVM_ZERO_COPY */
	uint64_t size, visit, trees, seed;
	uint64_t repeat; /* queries per run, in one context (--repeat) */
	bool list_run;	 /* --cmd-list run: one command list registered per run */
	uint64_t cols;	 /* spmv --cols (0: square) */
	bool visit_all, json;
};

static void circe_cli_svm_help(void)
{
	printf("usage: circe bench svm --pattern memcpy|pchase|spmv|forest\n"
	       "                       [--tlb MODE[,MODE...]|all] [--pages 4k|2m]\n"
	       "                       [--size BYTES] [--offload copy|svm|both]\n"
	       "                       [--visit N|all] [--trees N] [--seed S] [--repeat N]\n"
	       "                       [--cmd-list job|run] [--cols N] [--json]\n"
	       "                       [--backend URI] [--dtb PATH]\n\n"
	       "Run a workload of the SVM studies on the device's memory engine and print\n"
	       "its cycles, the translation overhead against the ideal MMU, TLB hit rates,\n"
	       "walks and stall cycles, and (copy vs svm) the end-to-end time of zero-copy\n"
	       "SVM against copy-based offload. Every result is checked against a host\n"
	       "reference; exit status 1 if one differs.\n\n"
	       "Options:\n"
	       "  --pattern P     memcpy (a copy of --size bytes), pchase (a chase of --visit\n"
	       "                  nodes of a list scattered over --size bytes), spmv (a CSR\n"
	       "                  matrix of --size bytes), forest (--trees full trees\n"
	       "                  scattered over --size bytes)\n"
	       "  --tlb MODES     hybrid (default), l1-only, l2-only (MMU_CTRL of the real\n"
	       "                  MMU), ideal (the ideal-MMU model: vsim:mmu=ideal), or all;\n"
	       "                  comma separated. The ideal one runs first and gives the\n"
	       "                  others' translation_overhead\n"
	       "  --pages 4k|2m   page size of every registration (default 4k)\n"
	       "  --size BYTES    workload size in [%u, %llu] (default: memcpy 16 MiB,\n"
	       "                  spmv 4 MiB, pchase and forest 64 MiB); k, M, G suffixes\n"
	       "  --offload O     svm (default): zero-copy, the device works on the data in\n"
	       "                  place; copy: pack into a pinned buffer, run, copy back;\n"
	       "                  both: the two, and the speedup of svm over copy\n"
	       "  --visit N|all   pchase: nodes the chase visits (default %u)\n"
	       "  --trees N       forest: trees (default %u; their depth follows --size)\n"
	       "  --cols N        spmv: columns, so x spans N bytes (default: square); the\n"
	       "                  rows still follow --size\n"
	       "  --seed S        random seed (default 1)\n"
	       "  --repeat N      N queries per run in the same context, TLBs left warm\n"
	       "                  (default 1, at most %u): forest a new feature vector,\n"
	       "                  pchase a new random start node, spmv a new x, memcpy\n"
	       "                  the same copy again; reports the cold first query and\n"
	       "                  the warm ones apart\n"
	       "  --cmd-list L    job (default): each job registers its own command list\n"
	       "                  and unregisters it after (the library's way; the\n"
	       "                  unregistration invalidates the list's pages and empties\n"
	       "                  the walk cache); run: one command list registered for\n"
	       "                  the whole run, so nothing invalidates between queries\n"
	       "  --json          one JSON object per run instead of the "
	       "table\n\n" CIRCE_CLI_GLOBAL_HELP,
	       CIRCE_CLI_SVM_MIN_SIZE, (unsigned long long)CIRCE_CLI_SVM_MAX_SIZE,
	       CIRCE_CLI_SVM_DEFAULT_VISIT, CIRCE_CLI_SVM_DEFAULT_TREES, CIRCE_CLI_SVM_MAX_REPEAT);
}

static int circe_cli_svm_parse_tlb(const char *arg, bool *tlb)
{
	char buf[128], *save = NULL, *tok;
	size_t i;
	int err;

	memset(tlb, 0, CIRCE_CLI_SVM_NTLB * sizeof(*tlb));
	if (!strcmp(arg, "all")) {
		for (i = 0; i < CIRCE_CLI_SVM_NTLB; i++)
			tlb[i] = true;
		return 0;
	}
	if (strlen(arg) >= sizeof(buf) || !*arg)
		return circe_err(-EINVAL, "--tlb: '%s' is not a list of modes", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		err = circe_cli_parse_word("--tlb", tok, circe_cli_svm_tlbs, CIRCE_CLI_SVM_NTLB,
					   &i);
		if (err)
			return err;
		tlb[i] = true;
	}
	return 0;
}

/* A count with an optional k/M/G (binary) suffix, in [min, max]. */
static int circe_cli_svm_parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max,
				    uint64_t *out)
{
	char buf[32];
	size_t len = strlen(arg);
	unsigned shift = 0;

	if (len && len < sizeof(buf) && strchr("kKmMgG", arg[len - 1])) {
		shift = strchr("kK", arg[len - 1]) ? 10 : strchr("mM", arg[len - 1]) ? 20 : 30;
		memcpy(buf, arg, len - 1);
		buf[len - 1] = '\0';
		arg = buf;
	}
	if (circe_cli_parse_u64(opt, arg, 0, max >> shift, out))
		return circe_err(-EINVAL, "%s: '%s%s' is not a count in [%llu, %llu]", opt, arg,
				 shift ? (shift == 10	? "k"
					  : shift == 20 ? "M"
							: "G")
				       : "",
				 (unsigned long long)min, (unsigned long long)max);
	*out <<= shift;
	if (*out < min)
		return circe_err(-EINVAL, "%s: %" PRIu64 " is outside [%llu, %llu]", opt, *out,
				 (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int circe_cli_svm_parse(struct circe_cli *cli, struct circe_cli_iter *it,
			       struct circe_cli_svm_args *a, bool *help)
{
	bool have_pattern = false, have_size = false;
	const char *arg;
	size_t w;
	int id, err = 0;

	memset(a, 0, sizeof(*a));
	a->tlb[CIRCE_CLI_SVM_HYBRID] = true;
	a->offload = CIRCE_CLI_SVM_ZERO_COPY;
	a->visit = CIRCE_CLI_SVM_DEFAULT_VISIT;
	a->trees = CIRCE_CLI_SVM_DEFAULT_TREES;
	a->seed = 1;
	a->repeat = 1;
	*help = false;
	while ((id = circe_cli_next(it, cli, circe_cli_svm_opts, &arg)) != CIRCE_CLI_END) {
		switch (id) {
		case CIRCE_CLI_OPT_HELP:
			*help = true;
			return 0;
		case CIRCE_CLI_SVM_OPT_PATTERN:
			err = circe_cli_parse_word("--pattern", arg, circe_cli_svm_patterns, 4, &w);
			a->pattern = (enum circe_cli_svm_pattern)w;
			have_pattern = true;
			break;
		case CIRCE_CLI_SVM_OPT_TLB:
			err = circe_cli_svm_parse_tlb(arg, a->tlb);
			break;
		case CIRCE_CLI_SVM_OPT_PAGES:
			if (!strcmp(arg, "4k") || !strcmp(arg, "4K"))
				a->huge = false;
			else if (!strcmp(arg, "2m") || !strcmp(arg, "2M"))
				a->huge = true;
			else
				err = circe_err(-EINVAL, "--pages: '%s', must be 4k or 2m", arg);
			break;
		case CIRCE_CLI_SVM_OPT_SIZE:
			err = circe_cli_svm_parse_size("--size", arg, CIRCE_CLI_SVM_MIN_SIZE,
						       CIRCE_CLI_SVM_MAX_SIZE, &a->size);
			have_size = true;
			break;
		case CIRCE_CLI_SVM_OPT_OFFLOAD:
			if (!strcmp(arg, "copy"))
				a->offload = CIRCE_CLI_SVM_COPY;
			else if (!strcmp(arg, "svm"))
				a->offload = CIRCE_CLI_SVM_ZERO_COPY;
			else if (!strcmp(arg, "both"))
				a->offload = CIRCE_CLI_SVM_COPY | CIRCE_CLI_SVM_ZERO_COPY;
			else
				err = circe_err(-EINVAL,
						"--offload: '%s', must be copy, svm or both", arg);
			break;
		case CIRCE_CLI_SVM_OPT_VISIT:
			a->visit_all = !strcmp(arg, "all");
			if (!a->visit_all)
				err = circe_cli_parse_u64("--visit", arg, 1, UINT32_MAX, &a->visit);
			break;
		case CIRCE_CLI_SVM_OPT_TREES:
			err = circe_cli_parse_u64("--trees", arg, 1, CIRCE_HW_FOREST_MAX_TREES,
						  &a->trees);
			break;
		case CIRCE_CLI_SVM_OPT_SEED:
			err = circe_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &a->seed);
			break;
		case CIRCE_CLI_SVM_OPT_JSON:
			a->json = true;
			break;
		case CIRCE_CLI_SVM_OPT_CMD_LIST:
			if (!strcmp(arg, "job"))
				a->list_run = false;
			else if (!strcmp(arg, "run"))
				a->list_run = true;
			else
				err = circe_err(-EINVAL, "--cmd-list: '%s', must be job or run",
						arg);
			break;
		case CIRCE_CLI_SVM_OPT_COLS:
			err = circe_cli_svm_parse_size("--cols", arg, CIRCE_CLI_SVM_NNZ_PER_ROW,
						       CIRCE_CLI_SVM_MAX_SIZE, &a->cols);
			break;
		case CIRCE_CLI_SVM_OPT_REPEAT:
			err = circe_cli_parse_u64("--repeat", arg, 1, CIRCE_CLI_SVM_MAX_REPEAT,
						  &a->repeat);
			break;
		case CIRCE_CLI_POSITIONAL:
			err = circe_err(-EINVAL, "unexpected argument '%s'", arg);
			break;
		default:
			err = id < 0 ? id : circe_err(-EINVAL, "unhandled option");
			break;
		}
		if (err)
			return err;
	}
	if (!have_pattern)
		return circe_err(-EINVAL, "missing required option --pattern");
	if (!have_size)
		a->size = circe_cli_svm_default_size(a->pattern);
	return 0;
}

static double circe_cli_svm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A zeroed buffer on a 2 MiB boundary (so that --pages 2m can map it with
 * 2 MiB pages); NULL when out of memory. */
static void *circe_cli_svm_alloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, CIRCE_CLI_SVM_HUGE, bytes ? bytes : 1))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

/* ---- the workload ---------------------------------------------------- */

struct circe_cli_svm_work {
	/* memcpy */
	uint8_t *src, *dst;
	/* pchase */
	struct circe_wl_list list;
	uint32_t visit;
	uint64_t *order; /* the nodes' addresses in traversal order */
	uint32_t start;	 /* the current query's first node (index into order) */
	struct circe_pchase_result chase_ref;
	/* spmv */
	struct circe_wl_csr csr;
	int32_t *y, *y_ref;
	int8_t *x0_i8; /* query 0's x */
	/* forest */
	struct circe_wl_forest forest;
	int32_t *out, *out_ref;
	int32_t *x0; /* query 0's feature vector */
	/* what the structure holds (bytes a copy-based offload moves in) */
	uint64_t data_bytes;
	char shape[160];
};

static void circe_cli_svm_work_free(struct circe_cli_svm_work *w)
{
	free(w->src);
	free(w->dst);
	circe_wl_list_free(&w->list);
	free(w->order);
	circe_wl_csr_free(&w->csr);
	free(w->x0_i8);
	free(w->x0);
	free(w->y);
	free(w->y_ref);
	circe_wl_forest_free(&w->forest);
	free(w->out);
	free(w->out_ref);
}

static int32_t circe_cli_svm_tree_eval(const struct circe_hw_tree_node *n, const int32_t *x)
{
	while (n->feature != CIRCE_HW_TREE_LEAF)
		n = (const struct circe_hw_tree_node *)(uintptr_t)(x[n->feature] <= n->threshold
									   ? n->left_va
									   : n->right_va);
	return n->leaf_value;
}

/* The chase from node w->start: --visit nodes, or to the list's end. */
static void circe_cli_svm_chase_ref(struct circe_cli_svm_work *w)
{
	const uint8_t *n = (const uint8_t *)(uintptr_t)w->order[w->start];
	uint64_t v, next;
	uint32_t i;

	memset(&w->chase_ref, 0, sizeof(w->chase_ref));
	for (i = 0; i < w->visit && n; i++) {
		memcpy(&v, n + w->list.val_off, 8);
		memcpy(&next, n + w->list.next_off, 8);
		w->chase_ref.checksum = circe_hls_pchase_mix(w->chase_ref.checksum, v);
		w->chase_ref.last = (uint64_t)(uintptr_t)n;
		w->chase_ref.next = next;
		n = (const uint8_t *)(uintptr_t)next;
	}
	w->chase_ref.nodes = i;
}

static void circe_cli_svm_spmv_ref(struct circe_cli_svm_work *w)
{
	for (uint32_t r = 0; r < w->csr.rows; r++) {
		uint32_t acc = 0;

		for (int32_t j = w->csr.row_ptr[r]; j < w->csr.row_ptr[r + 1]; j++)
			acc += (uint32_t)((int32_t)w->csr.values[j] *
					  (int32_t)w->csr.x[w->csr.col_idx[j]]);
		w->y_ref[r] = (int32_t)acc;
	}
}

static void circe_cli_svm_forest_ref(struct circe_cli_svm_work *w)
{
	for (uint32_t t = 0; t < w->forest.trees; t++)
		w->out_ref[t] = circe_cli_svm_tree_eval(
			(const struct circe_hw_tree_node *)(uintptr_t)w->forest.roots[t],
			w->forest.x);
}

/*
 * Set the inputs of query q of a run (--repeat) and their references. Query
 * 0 is the workload as built, so a one-query run is the cold single pass;
 * query q > 0 draws its input from the seed and q alone, so every TLB mode
 * and both offloads see the same queries. memcpy repeats the same copy.
 */
static void circe_cli_svm_query(const struct circe_cli_svm_args *a, struct circe_cli_svm_work *w,
				uint64_t q)
{
	uint64_t rng = a->seed ^ (q * 0xD1B54A32D192ED03ull);

	switch (a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		break;
	case CIRCE_CLI_SVM_PCHASE:
		w->start = q ? (uint32_t)(circe_wl_rand(&rng) % w->list.nodes) : 0;
		circe_cli_svm_chase_ref(w);
		break;
	case CIRCE_CLI_SVM_SPMV:
		for (uint32_t c = 0; c < w->csr.cols; c++)
			w->csr.x[c] = q ? (int8_t)circe_wl_rand(&rng) : w->x0_i8[c];
		circe_cli_svm_spmv_ref(w);
		break;
	case CIRCE_CLI_SVM_FOREST:
		for (uint32_t i = 0; i < w->forest.features; i++)
			w->forest.x[i] =
				q ? (int32_t)(circe_wl_rand(&rng) % 2001) - 1000 : w->x0[i];
		circe_cli_svm_forest_ref(w);
		break;
	}
}

static int circe_cli_svm_work_make(const struct circe_cli_svm_args *a, struct circe_cli_svm_work *w)
{
	uint64_t nodes, slots, per_tree;
	uint32_t depth;
	int err;

	memset(w, 0, sizeof(*w));
	switch (a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		w->src = circe_cli_svm_alloc(a->size);
		w->dst = circe_cli_svm_alloc(a->size);
		if (!w->src || !w->dst)
			return circe_err(-ENOMEM, "no memory for two %" PRIu64 "-byte buffers",
					 a->size);
		{
			uint64_t s = a->seed;

			for (uint64_t i = 0; i + 8 <= a->size; i += 8) {
				uint64_t v = circe_wl_rand(&s);

				memcpy(w->src + i, &v, 8);
			}
		}
		w->data_bytes = a->size;
		snprintf(w->shape, sizeof(w->shape), "copy of %" PRIu64 " bytes", a->size);
		return 0;
	case CIRCE_CLI_SVM_PCHASE:
		nodes = a->size / CIRCE_CLI_SVM_LIST_SPREAD;
		if (!nodes)
			nodes = 1;
		err = circe_wl_list_build(&w->list, (uint32_t)nodes, CIRCE_CLI_SVM_NODE_BYTES,
					  a->size, a->seed);
		if (err)
			return err;
		w->visit = a->visit_all || a->visit > nodes ? (uint32_t)nodes : (uint32_t)a->visit;
		w->order = malloc(nodes * sizeof(*w->order));
		if (!w->order)
			return circe_err(-ENOMEM, "no memory for the list's node order");
		{
			uint64_t n = (uint64_t)(uintptr_t)w->list.head;

			for (uint32_t i = 0; i < nodes; i++) {
				w->order[i] = n;
				memcpy(&n, (const uint8_t *)(uintptr_t)n + w->list.next_off, 8);
			}
		}
		circe_cli_svm_chase_ref(w);
		w->data_bytes = circe_wl_list_packed_bytes(&w->list);
		snprintf(w->shape, sizeof(w->shape),
			 "chase of %u of %" PRIu64 " %u-byte nodes in %" PRIu64 " bytes", w->visit,
			 nodes, CIRCE_CLI_SVM_NODE_BYTES, a->size);
		return 0;
	case CIRCE_CLI_SVM_SPMV: {
		uint64_t nnz = a->size / 5, rows = nnz / CIRCE_CLI_SVM_NNZ_PER_ROW;

		if (rows < 1)
			rows = 1;
		if (rows > CIRCE_HW_SPMV_MAX_ROWS)
			rows = CIRCE_HW_SPMV_MAX_ROWS;
		err = circe_wl_csr_build(&w->csr, (uint32_t)rows,
					 (uint32_t)(a->cols ? a->cols
						    : rows < CIRCE_CLI_SVM_NNZ_PER_ROW
							    ? CIRCE_CLI_SVM_NNZ_PER_ROW
							    : rows),
					 CIRCE_CLI_SVM_NNZ_PER_ROW, a->seed);
		if (err)
			return err;
		w->y = circe_cli_svm_alloc(rows * sizeof(int32_t));
		w->y_ref = calloc(rows, sizeof(int32_t));
		w->x0_i8 = malloc(w->csr.cols);
		if (!w->y || !w->y_ref || !w->x0_i8)
			return circe_err(-ENOMEM, "no memory for y");
		memcpy(w->x0_i8, w->csr.x, w->csr.cols);
		circe_cli_svm_spmv_ref(w);
		w->data_bytes =
			((uint64_t)w->csr.rows + 1) * 4 + (uint64_t)w->csr.nnz * 5 + w->csr.cols;
		snprintf(w->shape, sizeof(w->shape),
			 "%u x %u CSR, %u entries per row (%u nonzeros)", w->csr.rows, w->csr.cols,
			 CIRCE_CLI_SVM_NNZ_PER_ROW, w->csr.nnz);
		return 0;
	}
	case CIRCE_CLI_SVM_FOREST:
		/* The deepest full trees whose nodes fill at most half the slots. */
		slots = a->size / sizeof(struct circe_hw_tree_node);
		for (depth = CIRCE_CLI_SVM_MAX_DEPTH;; depth--) {
			per_tree = (2ull << depth) - 1;
			if (per_tree * a->trees * 2 <= slots || !depth)
				break;
		}
		if (per_tree * a->trees > slots)
			return circe_err(-EINVAL,
					 "--size: %" PRIu64 " bytes cannot hold %" PRIu64
					 " trees (at least %zu bytes each)",
					 a->size, a->trees, sizeof(struct circe_hw_tree_node));
		err = circe_wl_forest_build(&w->forest, (uint32_t)a->trees, depth,
					    CIRCE_CLI_SVM_FEATURES, a->size, a->seed);
		if (err)
			return err;
		w->out = circe_cli_svm_alloc(a->trees * sizeof(int32_t));
		w->out_ref = calloc(a->trees, sizeof(int32_t));
		w->x0 = malloc((size_t)w->forest.features * sizeof(*w->x0));
		if (!w->out || !w->out_ref || !w->x0)
			return circe_err(-ENOMEM, "no memory for the forest's output");
		memcpy(w->x0, w->forest.x, (size_t)w->forest.features * sizeof(*w->x0));
		circe_cli_svm_forest_ref(w);
		w->data_bytes = circe_wl_forest_packed_bytes(&w->forest) +
				(uint64_t)w->forest.features * sizeof(int32_t);
		snprintf(w->shape, sizeof(w->shape),
			 "%u trees of depth %u (%u nodes) over %u features in %" PRIu64 " bytes",
			 w->forest.trees, depth, w->forest.nodes, w->forest.features, a->size);
		return 0;
	}
	return circe_err(-EINVAL, "unknown pattern");
}

/* ---- registrations --------------------------------------------------- */

struct circe_cli_svm_regs {
	struct circe_ctx *ctx;
	struct {
		const void *va;
		size_t len;
	} * r;
	size_t n, cap;
};

static int circe_cli_svm_reg_one(struct circe_cli_svm_regs *rs, const void *va, size_t len,
				 unsigned prot)
{
	int err;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 64;
		void *p = realloc(rs->r, cap * sizeof(*rs->r));

		if (!p)
			return circe_err(-ENOMEM, "no memory for the registrations");
		rs->r = p;
		rs->cap = cap;
	}
	err = circe_mem_register(rs->ctx, va, len, prot);
	if (err)
		return err;
	rs->r[rs->n].va = va;
	rs->r[rs->n++].len = len;
	return 0;
}

/*
 * Register [va, va + len). With huge, as one range: the SVM layer maps every
 * 2 MiB-aligned chunk of it with a 2 MiB page. Without, in pieces cut at
 * 4 KiB past every 2 MiB boundary, so that no piece holds a whole aligned
 * 2 MiB chunk and every page is a 4 KiB one.
 */
static int circe_cli_svm_reg(struct circe_cli_svm_regs *rs, const void *va, size_t len,
			     unsigned prot, bool huge)
{
	uintptr_t a = (uintptr_t)va, end = a + len;
	int err;

	if (huge)
		return circe_cli_svm_reg_one(rs, va, len, prot);
	while (a < end) {
		uintptr_t cut = (a & ~(uintptr_t)(CIRCE_CLI_SVM_HUGE - 1)) + CIRCE_HW_PAGE_SIZE;

		if (cut <= a)
			cut += CIRCE_CLI_SVM_HUGE;
		if (cut > end)
			cut = end;
		err = circe_cli_svm_reg_one(rs, (const void *)a, cut - a, prot);
		if (err)
			return err;
		a = cut;
	}
	return 0;
}

static void circe_cli_svm_unreg(struct circe_cli_svm_regs *rs)
{
	while (rs->n--)
		circe_mem_unregister(rs->ctx, rs->r[rs->n].va, rs->r[rs->n].len);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/*
 * The command list of --cmd-list run: one page registered for the whole run
 * (descriptor, then the chase's result block). NULL buf: --cmd-list job, the
 * library's entry points, which register a list per job.
 */
struct circe_cli_svm_list {
	uint8_t *buf;
};

/* --cmd-list run: the run's command list (one page), registered with the
 * rest. */
static int circe_cli_svm_list_reg(struct circe_cli_svm_regs *rs, const struct circe_cli_svm_args *a,
				  struct circe_cli_svm_list *l)
{
	void *p = NULL;

	if (!a->list_run)
		return 0;
	if (posix_memalign(&p, CIRCE_HW_PAGE_SIZE, CIRCE_HW_PAGE_SIZE))
		return circe_err(-ENOMEM, "no memory for the command list");
	memset(p, 0, CIRCE_HW_PAGE_SIZE);
	l->buf = p;
	return circe_cli_svm_reg_one(rs, p, CIRCE_HW_PAGE_SIZE, CIRCE_MEM_RW);
}

/* ---- one run --------------------------------------------------------- */

struct circe_cli_svm_run {
	enum circe_cli_svm_tlb tlb;
	unsigned offload;	      /* one of CIRCE_CLI_SVM_COPY / ZERO_COPY */
	struct circe_job_stats st;    /* every query of the run */
	struct circe_job_stats cold;  /* query 0: the TLBs and the walk cache cold */
	struct circe_job_stats warm;  /* queries 1 .. repeat-1, summed */
	uint64_t query;		      /* the query running (for a mismatch) */
	uint64_t *q_cycles, *q_walks; /* per query, [repeat]; NULL if out of memory */
	double setup_seconds;	      /* register + unregister */
	double host_seconds;	      /* pack + copy in/out (copy-based offload) */
	double device_seconds;
	bool correct;
	char mismatch[160];
};

/* The pinned buffer of a copy-based offload. */
struct circe_cli_svm_pinned {
	uint8_t *buf;
	size_t bytes;
};

/* Every query's result must match: one mismatch marks the run. */
static int circe_cli_svm_check(struct circe_cli_svm_run *run, bool ok, const char *what)
{
	if (!ok && run->correct)
		snprintf(run->mismatch, sizeof(run->mismatch), "query %" PRIu64 ": %s", run->query,
			 what);
	run->correct &= ok;
	return 0;
}

static void circe_cli_svm_stats_add(struct circe_job_stats *d, const struct circe_job_stats *s)
{
	d->cycles_valid = s->cycles_valid;
	d->cycles += s->cycles;
	d->compute_cycles += s->compute_cycles;
	d->macs += s->macs;
	d->dma_read_bytes += s->dma_read_bytes;
	d->dma_write_bytes += s->dma_write_bytes;
	d->tlb_l1_hits += s->tlb_l1_hits;
	d->tlb_l1_misses += s->tlb_l1_misses;
	d->tlb_l2_hits += s->tlb_l2_hits;
	d->tlb_l2_misses += s->tlb_l2_misses;
	d->walks += s->walks;
	d->walk_cycles += s->walk_cycles;
	d->faults += s->faults;
	d->stall_cycles += s->stall_cycles;
	d->pte_reads += s->pte_reads;
	d->walk_cache_hits += s->walk_cache_hits;
	d->descriptors += s->descriptors;
	d->wall_seconds += s->wall_seconds;
}

/* Count query q of repeat: the run's totals, the cold or the warm part,
 * and the query's own cycles and walks (the warm-up's course). */
static void circe_cli_svm_account(struct circe_cli_svm_run *run, uint64_t q, uint64_t repeat,
				  const struct circe_job_stats *st)
{
	circe_cli_svm_stats_add(&run->st, st);
	circe_cli_svm_stats_add(q ? &run->warm : &run->cold, st);
	if (!q) {
		run->q_cycles = calloc(repeat, sizeof(*run->q_cycles));
		run->q_walks = calloc(repeat, sizeof(*run->q_walks));
	}
	if (run->q_cycles && run->q_walks) {
		run->q_cycles[q] = st->cycles;
		run->q_walks[q] = st->walks;
	}
}

static int circe_cli_svm_submit(struct circe_ctx *ctx, const struct circe_cli_svm_list *l,
				const union circe_hw_desc *d, struct circe_job_stats *st)
{
	struct circe_job_result res;
	double t0 = circe_cli_svm_now();
	int err;

	memcpy(l->buf, d, CIRCE_HW_DESC_BYTES);
	memset(&res, 0, sizeof(res));
	err = circe_ctx_submit(ctx, l->buf, 1, &res);
	circe_job_stats_from_result(circe_ctx_dev(ctx), &res, st);
	st->wall_seconds = circe_cli_svm_now() - t0;
	return err;
}

static int circe_cli_svm_do_copy(struct circe_ctx *ctx, const struct circe_cli_svm_list *l,
				 void *dst, const void *src, size_t bytes,
				 struct circe_job_stats *st)
{
	union circe_hw_desc d;

	if (!l->buf)
		return circe_copy_run(ctx, dst, src, bytes, st);
	circe_memeng_fill_copy(&d.copy, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, bytes);
	return circe_cli_svm_submit(ctx, l, &d, st);
}

static int circe_cli_svm_do_pchase(struct circe_ctx *ctx, const struct circe_cli_svm_list *l,
				   const struct circe_pchase *p, struct circe_pchase_result *r,
				   struct circe_job_stats *st)
{
	union circe_hw_desc d;
	int err;

	if (!l->buf)
		return circe_pchase_run(ctx, p, r, st);
	circe_memeng_fill_pchase(&d.pchase, p, (uint64_t)(uintptr_t)(l->buf + CIRCE_HW_DESC_BYTES));
	err = circe_cli_svm_submit(ctx, l, &d, st);
	memcpy(r, l->buf + CIRCE_HW_DESC_BYTES, sizeof(*r));
	return err;
}

static int circe_cli_svm_do_spmv(struct circe_ctx *ctx, const struct circe_cli_svm_list *l,
				 const struct circe_spmv *sp, struct circe_job_stats *st)
{
	union circe_hw_desc d;

	if (!l->buf)
		return circe_spmv_run(ctx, sp, st);
	circe_memeng_fill_spmv(&d.spmv, sp);
	return circe_cli_svm_submit(ctx, l, &d, st);
}

static int circe_cli_svm_do_forest(struct circe_ctx *ctx, const struct circe_cli_svm_list *l,
				   const struct circe_forest *f, struct circe_job_stats *st)
{
	union circe_hw_desc d;

	if (!l->buf)
		return circe_forest_run(ctx, f, st);
	circe_memeng_fill_forest(&d.forest, f);
	return circe_cli_svm_submit(ctx, l, &d, st);
}

/* Zero-copy: one query on the structure as it lies. */
static int circe_cli_svm_zero_copy_query(struct circe_ctx *ctx, const struct circe_cli_svm_args *a,
					 const struct circe_cli_svm_list *l,
					 struct circe_cli_svm_work *w,
					 struct circe_cli_svm_run *run, struct circe_job_stats *st)
{
	int err = 0;

	switch (a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		memset(w->dst, 0, a->size);
		err = circe_cli_svm_do_copy(ctx, l, w->dst, w->src, a->size, st);
		if (!err)
			circe_cli_svm_check(run, !memcmp(w->dst, w->src, a->size),
					    "the copy differs from the source");
		break;
	case CIRCE_CLI_SVM_PCHASE: {
		struct circe_pchase p = { .start = (const void *)(uintptr_t)w->order[w->start],
					  .next_offset = w->list.next_off,
					  .value_offset = w->list.val_off,
					  .max_nodes = w->visit,
					  .stop_at_null = true };
		struct circe_pchase_result r;

		err = circe_cli_svm_do_pchase(ctx, l, &p, &r, st);
		if (!err)
			circe_cli_svm_check(run, !memcmp(&r, &w->chase_ref, sizeof(r)),
					    "the chase's result differs from the host's");
		break;
	}
	case CIRCE_CLI_SVM_SPMV: {
		struct circe_spmv s = { .rows = w->csr.rows,
					.cols = w->csr.cols,
					.nnz = w->csr.nnz,
					.row_ptr = w->csr.row_ptr,
					.col_idx = w->csr.col_idx,
					.values = w->csr.values,
					.x = w->csr.x,
					.y = w->y };

		memset(w->y, 0, w->csr.rows * 4ul);
		err = circe_cli_svm_do_spmv(ctx, l, &s, st);
		if (!err)
			circe_cli_svm_check(run, !memcmp(w->y, w->y_ref, w->csr.rows * 4ul),
					    "y differs from the host's");
		break;
	}
	case CIRCE_CLI_SVM_FOREST: {
		struct circe_forest f = {
			.trees = w->forest.trees,
			.features = w->forest.features,
			.roots = (const struct circe_tree_node *const *)w->forest.roots,
			.x = w->forest.x,
			.out = w->out,
			.per_tree = true,
		};

		memset(w->out, 0, w->forest.trees * 4ul);
		err = circe_cli_svm_do_forest(ctx, l, &f, st);
		if (!err)
			circe_cli_svm_check(run, !memcmp(w->out, w->out_ref, w->forest.trees * 4ul),
					    "the trees' leaves differ from the host's");
		break;
	}
	}
	return err;
}

/* Zero-copy: register the structure as it lies and run the queries on it. */
static int circe_cli_svm_zero_copy(struct circe_ctx *ctx, const struct circe_cli_svm_args *a,
				   struct circe_cli_svm_work *w, struct circe_cli_svm_run *run)
{
	struct circe_cli_svm_regs rs = { .ctx = ctx };
	struct circe_cli_svm_list l = { NULL };
	double t0 = circe_cli_svm_now();
	int err = circe_cli_svm_list_reg(&rs, a, &l);

	switch (err ? -1 : (int)a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		if (!(err = circe_cli_svm_reg(&rs, w->src, a->size, CIRCE_MEM_READ, a->huge)))
			err = circe_cli_svm_reg(&rs, w->dst, a->size, CIRCE_MEM_WRITE, a->huge);
		break;
	case CIRCE_CLI_SVM_PCHASE:
		err = circe_cli_svm_reg(&rs, w->list.arena, w->list.arena_bytes, CIRCE_MEM_READ,
					a->huge);
		break;
	case CIRCE_CLI_SVM_SPMV:
		if (!(err = circe_cli_svm_reg(&rs, w->csr.row_ptr, (w->csr.rows + 1) * 4ul,
					      CIRCE_MEM_READ, a->huge)) &&
		    !(err = circe_cli_svm_reg(&rs, w->csr.col_idx, w->csr.nnz * 4ul, CIRCE_MEM_READ,
					      a->huge)) &&
		    !(err = circe_cli_svm_reg(&rs, w->csr.values, w->csr.nnz, CIRCE_MEM_READ,
					      a->huge)) &&
		    !(err = circe_cli_svm_reg(&rs, w->csr.x, w->csr.cols, CIRCE_MEM_READ, a->huge)))
			err = circe_cli_svm_reg(&rs, w->y, w->csr.rows * 4ul, CIRCE_MEM_WRITE,
						a->huge);
		break;
	case CIRCE_CLI_SVM_FOREST:
		if (!(err = circe_cli_svm_reg(&rs, w->forest.arena, w->forest.arena_bytes,
					      CIRCE_MEM_READ, a->huge)) &&
		    !(err = circe_cli_svm_reg(&rs, w->forest.roots, w->forest.trees * 8ul,
					      CIRCE_MEM_READ, a->huge)) &&
		    !(err = circe_cli_svm_reg(&rs, w->forest.x, w->forest.features * 4ul,
					      CIRCE_MEM_READ, a->huge)))
			err = circe_cli_svm_reg(&rs, w->out, w->forest.trees * 4ul, CIRCE_MEM_WRITE,
						a->huge);
		break;
	}
	run->setup_seconds = circe_cli_svm_now() - t0;
	if (err)
		goto unregister;

	/* The queries, in this one context: between jobs only the driver's
	 * own registration of each command list touches the MMU. The new
	 * inputs are written in place (the device reads them through SVM). */
	run->correct = true;
	for (uint64_t q = 0; q < a->repeat && !err; q++) {
		struct circe_job_stats st;

		run->query = q;
		circe_cli_svm_query(a, w, q);
		err = circe_cli_svm_zero_copy_query(ctx, a, &l, w, run, &st);
		if (!err)
			circe_cli_svm_account(run, q, a->repeat, &st);
	}

unregister:
	t0 = circe_cli_svm_now();
	circe_cli_svm_unreg(&rs);
	run->setup_seconds += circe_cli_svm_now() - t0;
	free(l.buf);
	return err;
}

/* Copy-based offload: one pinned buffer (registered once: setup), the
 * structure packed into it with its pointers rewritten (host time, once per
 * run), then per query its input copied in, the job on the packed copy and
 * the results copied back (host time). */
static int circe_cli_svm_copy(struct circe_ctx *ctx, const struct circe_cli_svm_args *a,
			      struct circe_cli_svm_work *w, struct circe_cli_svm_run *run)
{
	struct circe_cli_svm_regs rs = { .ctx = ctx };
	struct circe_cli_svm_pinned pin = { 0 };
	struct circe_cli_svm_list l = { NULL };
	size_t off_x = 0, off_y = 0, off_v = 0, off_c = 0, roots_off = 0;
	uint64_t base;
	double t0;
	int err;

	/* Layout of the pinned buffer: the packed structure, then its other
	 * inputs, then the output, each 64-byte aligned. */
	switch (a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		off_y = (a->size + 63) & ~(size_t)63;
		pin.bytes = off_y + a->size;
		break;
	case CIRCE_CLI_SVM_PCHASE:
		pin.bytes = circe_wl_list_packed_bytes(&w->list);
		break;
	case CIRCE_CLI_SVM_SPMV:
		off_c = (((size_t)w->csr.rows + 1) * 4 + 63) & ~(size_t)63;
		off_v = off_c + (((size_t)w->csr.nnz * 4 + 63) & ~(size_t)63);
		off_x = off_v + (((size_t)w->csr.nnz + 63) & ~(size_t)63);
		off_y = off_x + (((size_t)w->csr.cols + 63) & ~(size_t)63);
		pin.bytes = off_y + (size_t)w->csr.rows * 4;
		break;
	case CIRCE_CLI_SVM_FOREST:
		off_x = (circe_wl_forest_packed_bytes(&w->forest) + 63) & ~(size_t)63;
		off_y = off_x + (((size_t)w->forest.features * 4 + 63) & ~(size_t)63);
		pin.bytes = off_y + (size_t)w->forest.trees * 4;
		break;
	}
	pin.buf = circe_cli_svm_alloc(pin.bytes);
	if (!pin.buf)
		return circe_err(-ENOMEM, "no memory for a %zu-byte pinned buffer", pin.bytes);
	base = (uint64_t)(uintptr_t)pin.buf;
	t0 = circe_cli_svm_now();
	err = circe_cli_svm_list_reg(&rs, a, &l);
	if (!err)
		err = circe_cli_svm_reg(&rs, pin.buf, pin.bytes, CIRCE_MEM_RW, a->huge);
	run->setup_seconds = circe_cli_svm_now() - t0;
	if (err)
		goto unregister;

	/* In: pack the structure (once: the queries do not change it). */
	t0 = circe_cli_svm_now();
	switch (a->pattern) {
	case CIRCE_CLI_SVM_MEMCPY:
		memcpy(pin.buf, w->src, a->size);
		break;
	case CIRCE_CLI_SVM_PCHASE:
		err = circe_wl_list_pack(&w->list, pin.buf, pin.bytes, base);
		break;
	case CIRCE_CLI_SVM_SPMV:
		memcpy(pin.buf, w->csr.row_ptr, ((size_t)w->csr.rows + 1) * 4);
		memcpy(pin.buf + off_c, w->csr.col_idx, (size_t)w->csr.nnz * 4);
		memcpy(pin.buf + off_v, w->csr.values, w->csr.nnz);
		break;
	case CIRCE_CLI_SVM_FOREST:
		err = circe_wl_forest_pack(&w->forest, pin.buf, off_x, base, &roots_off);
		break;
	}
	run->host_seconds = circe_cli_svm_now() - t0;
	if (err)
		goto unregister;

	run->correct = true;
	for (uint64_t q = 0; q < a->repeat && !err; q++) {
		struct circe_job_stats st;

		run->query = q;
		circe_cli_svm_query(a, w, q);
		/* In: the query's own input. */
		t0 = circe_cli_svm_now();
		switch (a->pattern) {
		case CIRCE_CLI_SVM_MEMCPY:
		case CIRCE_CLI_SVM_PCHASE:
			break; /* the same copy; the start node is an argument */
		case CIRCE_CLI_SVM_SPMV:
			memcpy(pin.buf + off_x, w->csr.x, w->csr.cols);
			break;
		case CIRCE_CLI_SVM_FOREST:
			memcpy(pin.buf + off_x, w->forest.x, (size_t)w->forest.features * 4);
			break;
		}
		run->host_seconds += circe_cli_svm_now() - t0;

		/* Run on the packed copy. */
		switch (a->pattern) {
		case CIRCE_CLI_SVM_MEMCPY:
			err = circe_cli_svm_do_copy(ctx, &l, pin.buf + off_y, pin.buf, a->size,
						    &st);
			break;
		case CIRCE_CLI_SVM_PCHASE: {
			/* The packed list is in traversal order. */
			struct circe_pchase p = { .start = pin.buf +
							   (size_t)w->start * w->list.node_bytes,
						  .next_offset = w->list.next_off,
						  .value_offset = w->list.val_off,
						  .max_nodes = w->visit,
						  .stop_at_null = true };
			struct circe_pchase_result r;

			err = circe_cli_svm_do_pchase(ctx, &l, &p, &r, &st);
			if (!err)
				/* Addresses differ from the original's: compare
				 * what the chase found. */
				circe_cli_svm_check(run,
						    r.nodes == w->chase_ref.nodes &&
							    r.checksum == w->chase_ref.checksum,
						    "the chase's result differs from the host's");
			break;
		}
		case CIRCE_CLI_SVM_SPMV: {
			struct circe_spmv s = { .rows = w->csr.rows,
						.cols = w->csr.cols,
						.nnz = w->csr.nnz,
						.row_ptr = (const int32_t *)pin.buf,
						.col_idx = (const int32_t *)(pin.buf + off_c),
						.values = (const int8_t *)(pin.buf + off_v),
						.x = (const int8_t *)(pin.buf + off_x),
						.y = (int32_t *)(pin.buf + off_y) };

			err = circe_cli_svm_do_spmv(ctx, &l, &s, &st);
			break;
		}
		case CIRCE_CLI_SVM_FOREST: {
			struct circe_forest f = {
				.trees = w->forest.trees,
				.features = w->forest.features,
				.roots = (const struct circe_tree_node *const *)(pin.buf +
										 roots_off),
				.x = (const int32_t *)(pin.buf + off_x),
				.out = (int32_t *)(pin.buf + off_y),
				.per_tree = true,
			};

			err = circe_cli_svm_do_forest(ctx, &l, &f, &st);
			break;
		}
		}
		if (err)
			break;
		circe_cli_svm_account(run, q, a->repeat, &st);

		/* Out: copy the results back. */
		t0 = circe_cli_svm_now();
		switch (a->pattern) {
		case CIRCE_CLI_SVM_MEMCPY:
			memcpy(w->dst, pin.buf + off_y, a->size);
			break;
		case CIRCE_CLI_SVM_PCHASE:
			break; /* the result block is the job's own */
		case CIRCE_CLI_SVM_SPMV:
			memcpy(w->y, pin.buf + off_y, (size_t)w->csr.rows * 4);
			break;
		case CIRCE_CLI_SVM_FOREST:
			memcpy(w->out, pin.buf + off_y, (size_t)w->forest.trees * 4);
			break;
		}
		run->host_seconds += circe_cli_svm_now() - t0;
		switch (a->pattern) {
		case CIRCE_CLI_SVM_MEMCPY:
			circe_cli_svm_check(run, !memcmp(w->dst, w->src, a->size),
					    "the copy differs from the source");
			break;
		case CIRCE_CLI_SVM_PCHASE:
			break;
		case CIRCE_CLI_SVM_SPMV:
			circe_cli_svm_check(run, !memcmp(w->y, w->y_ref, w->csr.rows * 4ul),
					    "y differs from the host's");
			break;
		case CIRCE_CLI_SVM_FOREST:
			circe_cli_svm_check(run, !memcmp(w->out, w->out_ref, w->forest.trees * 4ul),
					    "the trees' leaves differ from the host's");
			break;
		}
	}

unregister:
	t0 = circe_cli_svm_now();
	circe_cli_svm_unreg(&rs);
	run->setup_seconds += circe_cli_svm_now() - t0;
	free(pin.buf);
	free(l.buf);
	return err;
}

/* ---- reporting ------------------------------------------------------- */

static void circe_cli_svm_json_rate(const char *key, uint64_t hits, uint64_t misses)
{
	if (hits + misses)
		printf(", \"%s\": %.6f", key, (double)hits / (double)(hits + misses));
	else
		printf(", \"%s\": null", key);
}

/* A JSON array of n numbers, or null. */
static void circe_cli_svm_json_list(const uint64_t *v, uint64_t n)
{
	if (!v) {
		printf("null");
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		printf("%s%" PRIu64, i ? ", " : "[", v[i]);
	printf("]");
}

static double circe_cli_svm_total(const struct circe_cli_svm_run *r)
{
	return r->host_seconds + r->device_seconds;
}

/* The warm queries' per-query figures (queries 1 .. repeat-1). */
struct circe_cli_svm_warm {
	bool have;	 /* repeat > 1 */
	bool have_cyc;	 /* ...and cycle counts */
	bool have_ovh;	 /* ...and an ideal run to compare with */
	double cycles;	 /* per query */
	double overhead; /* cycles / the ideal run's warm cycles per query - 1 */
	double walks, stall_cycles, walk_cycles, pte_reads, walk_cache_hits; /* per query */
};

static void circe_cli_svm_warm_of(const struct circe_cli_svm_args *a,
				  const struct circe_cli_svm_run *r,
				  const struct circe_cli_svm_run *ideal,
				  struct circe_cli_svm_warm *wm)
{
	double n = (double)(a->repeat - 1);

	memset(wm, 0, sizeof(*wm));
	if (a->repeat < 2)
		return;
	wm->have = true;
	wm->have_cyc = r->warm.cycles_valid;
	wm->cycles = (double)r->warm.cycles / n;
	wm->walks = (double)r->warm.walks / n;
	wm->stall_cycles = (double)r->warm.stall_cycles / n;
	wm->walk_cycles = (double)r->warm.walk_cycles / n;
	wm->pte_reads = (double)r->warm.pte_reads / n;
	wm->walk_cache_hits = (double)r->warm.walk_cache_hits / n;
	wm->have_ovh = wm->have_cyc && ideal && ideal != r && ideal->warm.cycles_valid &&
		       ideal->warm.cycles;
	if (wm->have_ovh)
		wm->overhead = (double)r->warm.cycles / (double)ideal->warm.cycles - 1.0;
}

/* speedup: the copy-based run's total over the zero-copy run's, or NULL. */
static void circe_cli_svm_report(const struct circe_cli *cli, const struct circe_cli_svm_args *a,
				 const struct circe_cli_svm_work *w, const struct circe_info *info,
				 const struct circe_cli_svm_run *r,
				 const struct circe_cli_svm_run *ideal,
				 const struct circe_cli_svm_run *copy,
				 const struct circe_cli_svm_run *zero, bool *header)
{
	const struct circe_job_stats *st = &r->st;
	bool cyc = st->cycles_valid;
	bool have_ovh = cyc && ideal && ideal->st.cycles_valid && ideal->st.cycles && r != ideal;
	double ovh = have_ovh ? (double)st->cycles / (double)ideal->st.cycles - 1.0 : 0;
	bool have_speedup = copy && zero && circe_cli_svm_total(zero) > 0;
	double speedup = have_speedup ? circe_cli_svm_total(copy) / circe_cli_svm_total(zero) : 0;
	bool have_speedup_setup =
		have_speedup && circe_cli_svm_total(zero) + zero->setup_seconds > 0;
	double speedup_setup = have_speedup_setup
				       ? (circe_cli_svm_total(copy) + copy->setup_seconds) /
						 (circe_cli_svm_total(zero) + zero->setup_seconds)
				       : 0;
	const char *offload = r->offload == CIRCE_CLI_SVM_COPY ? "copy" : "svm";
	struct circe_cli_svm_warm wm;

	circe_cli_svm_warm_of(a, r, ideal, &wm);
	if (a->json) {
		printf("{\"benchmark\": \"svm\", \"backend\": ");
		circe_cli_json_string(stdout, cli->backend_uri);
		printf(", \"pattern\": \"%s\", \"tlb\": \"%s\", \"pages\": \"%s\"",
		       circe_cli_svm_patterns[a->pattern], circe_cli_svm_tlbs[r->tlb],
		       a->huge ? "2m" : "4k");
		circe_cli_json_u64("size", a->size);
		printf(", \"workload\": ");
		circe_cli_json_string(stdout, w->shape);
		circe_cli_json_u64("data_bytes", w->data_bytes);
		circe_cli_json_u64("seed", a->seed);
		printf(", \"offload\": \"%s\"", offload);
		printf(", \"correct\": %s", r->correct ? "true" : "false");
		if (cyc)
			circe_cli_json_u64("cycles", st->cycles);
		else
			printf(", \"cycles\": null");
		circe_cli_json_opt("ideal_cycles", have_ovh,
				   have_ovh ? (double)ideal->st.cycles : 0, "%.0f");
		circe_cli_json_opt("translation_overhead", have_ovh, ovh, "%.6f");
		circe_cli_svm_json_rate("l1_hit_rate", st->tlb_l1_hits, st->tlb_l1_misses);
		circe_cli_svm_json_rate("l2_hit_rate", st->tlb_l2_hits, st->tlb_l2_misses);
		circe_cli_json_u64("tlb_l1_hits", st->tlb_l1_hits);
		circe_cli_json_u64("tlb_l1_misses", st->tlb_l1_misses);
		circe_cli_json_u64("tlb_l2_hits", st->tlb_l2_hits);
		circe_cli_json_u64("tlb_l2_misses", st->tlb_l2_misses);
		circe_cli_json_u64("walks", st->walks);
		circe_cli_json_u64("pte_reads", st->pte_reads);
		circe_cli_json_u64("walk_cache_hits", st->walk_cache_hits);
		if (cyc) {
			circe_cli_json_u64("walk_cycles", st->walk_cycles);
			circe_cli_json_u64("stall_cycles", st->stall_cycles);
		} else {
			printf(", \"walk_cycles\": null, \"stall_cycles\": null");
		}
		circe_cli_json_u64("dma_read_bytes", st->dma_read_bytes);
		circe_cli_json_u64("dma_write_bytes", st->dma_write_bytes);
		circe_cli_json_u64("clock_hz", info->clock_hz);
		printf(", \"host_seconds\": %.9f, \"device_seconds\": %.9f"
		       ", \"device_seconds_method\": \"%s\", \"total_seconds\": %.9f"
		       ", \"setup_seconds\": %.6f",
		       r->host_seconds, r->device_seconds,
		       cyc ? "cycles / clock_hz" : "wall (no cycle counts)", circe_cli_svm_total(r),
		       r->setup_seconds);
		circe_cli_json_opt("speedup", have_speedup, speedup, "%.3f");
		circe_cli_json_opt("speedup_with_setup", have_speedup_setup, speedup_setup, "%.3f");
		/* --repeat: the cold first query and the warm rest apart. */
		circe_cli_json_u64("repeat", a->repeat);
		printf(", \"cmd_list\": \"%s\"", a->list_run ? "run" : "job");
		circe_cli_json_opt("cold_cycles", cyc, (double)r->cold.cycles, "%.0f");
		circe_cli_json_u64("cold_walks", r->cold.walks);
		circe_cli_svm_json_rate("cold_l1_hit_rate", r->cold.tlb_l1_hits,
					r->cold.tlb_l1_misses);
		circe_cli_svm_json_rate("cold_l2_hit_rate", r->cold.tlb_l2_hits,
					r->cold.tlb_l2_misses);
		circe_cli_json_u64("warm_queries", a->repeat - 1);
		circe_cli_json_opt("warm_cycles_per_query", wm.have_cyc, wm.cycles, "%.1f");
		circe_cli_json_opt("warm_translation_overhead", wm.have_ovh, wm.overhead, "%.6f");
		if (wm.have) {
			circe_cli_svm_json_rate("warm_l1_hit_rate", r->warm.tlb_l1_hits,
						r->warm.tlb_l1_misses);
			circe_cli_svm_json_rate("warm_l2_hit_rate", r->warm.tlb_l2_hits,
						r->warm.tlb_l2_misses);
		} else {
			printf(", \"warm_l1_hit_rate\": null, \"warm_l2_hit_rate\": null");
		}
		circe_cli_json_opt("warm_walks_per_query", wm.have, wm.walks, "%.2f");
		circe_cli_json_opt("warm_pte_reads_per_query", wm.have, wm.pte_reads, "%.2f");
		circe_cli_json_opt("warm_walk_cache_hits_per_query", wm.have, wm.walk_cache_hits,
				   "%.2f");
		circe_cli_json_opt("warm_walk_cycles_per_query", wm.have_cyc, wm.walk_cycles,
				   "%.1f");
		circe_cli_json_opt("warm_stall_cycles_per_query", wm.have_cyc, wm.stall_cycles,
				   "%.1f");
		printf(", \"query_cycles\": ");
		circe_cli_svm_json_list(cyc ? r->q_cycles : NULL, a->repeat);
		printf(", \"query_walks\": ");
		circe_cli_svm_json_list(r->q_walks, a->repeat);
		printf(", \"wall_seconds\": %.6f}\n", st->wall_seconds);
		return;
	}
	if (!*header) {
		*header = true;
		printf("backend %s, %s, %s pages, seed %" PRIu64 "\n", cli->backend_uri, w->shape,
		       a->huge ? "2 MiB" : "4 KiB", a->seed);
		printf("%-8s %-5s %-3s %12s %9s %7s %7s %9s %12s %10s %10s %10s %8s\n", "tlb",
		       "off", "ok", "cycles", "overhead", "l1 hit", "l2 hit", "walks", "stall cyc",
		       "host s", "device s", "total s", "speedup");
	}
	printf("%-8s %-5s %-3s ", circe_cli_svm_tlbs[r->tlb], offload, r->correct ? "yes" : "NO");
	if (cyc)
		printf("%12" PRIu64 " ", st->cycles);
	else
		printf("%12s ", "n/a");
	if (have_ovh)
		printf("%8.2f%% ", 100.0 * ovh);
	else
		printf("%9s ", "-");
	if (st->tlb_l1_hits + st->tlb_l1_misses)
		printf("%6.1f%% ", 100.0 * (double)st->tlb_l1_hits /
					   (double)(st->tlb_l1_hits + st->tlb_l1_misses));
	else
		printf("%7s ", "-");
	if (st->tlb_l2_hits + st->tlb_l2_misses)
		printf("%6.1f%% ", 100.0 * (double)st->tlb_l2_hits /
					   (double)(st->tlb_l2_hits + st->tlb_l2_misses));
	else
		printf("%7s ", "-");
	printf("%9" PRIu64 " ", st->walks);
	if (cyc)
		printf("%12" PRIu64 " ", st->stall_cycles);
	else
		printf("%12s ", "n/a");
	printf("%10.6f %10.6f %10.6f ", r->host_seconds, r->device_seconds, circe_cli_svm_total(r));
	if (have_speedup)
		printf("%7.2fx\n", speedup);
	else
		printf("%8s\n", "-");
	if (!wm.have)
		return;
	printf("  cold query: ");
	if (cyc)
		printf("%" PRIu64 " cycles, ", r->cold.cycles);
	printf("%" PRIu64 " walks; %" PRIu64 " warm queries: ", r->cold.walks, a->repeat - 1);
	if (wm.have_cyc)
		printf("%.1f cycles/query, ", wm.cycles);
	if (wm.have_ovh)
		printf("overhead %.2f%%, ", 100.0 * wm.overhead);
	if (r->warm.tlb_l1_hits + r->warm.tlb_l1_misses)
		printf("l1 hit %.1f%%, ",
		       100.0 * (double)r->warm.tlb_l1_hits /
			       (double)(r->warm.tlb_l1_hits + r->warm.tlb_l1_misses));
	if (r->warm.tlb_l2_hits + r->warm.tlb_l2_misses)
		printf("l2 hit %.1f%%, ",
		       100.0 * (double)r->warm.tlb_l2_hits /
			       (double)(r->warm.tlb_l2_hits + r->warm.tlb_l2_misses));
	printf("%.2f walks/query\n", wm.walks);
}

/* ---- the command ----------------------------------------------------- */

/* The URI of the ideal-MMU model of the backend the user named: vsim's own
 * with mmu=ideal; other backends have none. */
static int circe_cli_svm_ideal_uri(const char *uri, char *buf, size_t len)
{
	const char *colon = strchr(uri, ':');

	if (strncmp(uri, "vsim:", 5))
		return circe_err(
			-EOPNOTSUPP,
			"--tlb ideal: backend '%s' has no ideal-MMU model (the Verilator "
			"model has one: --backend vsim: in a build made with VSIM_IDEAL=1, "
			"as by make bench)",
			uri);
	if (strstr(uri, "mmu=ideal"))
		snprintf(buf, len, "%s", uri);
	else
		snprintf(buf, len, "%s%s%s", uri, colon[1] ? "," : "", "mmu=ideal");
	return 0;
}

/* Open a device and check it is the MMU it will be reported as. */
static int circe_cli_svm_open(struct circe_cli *cli, bool ideal, struct circe_dev **dev,
			      struct circe_info *info, const char **what)
{
	char uri[300];
	int err;

	*what = cli->open_what;
	if (!ideal) {
		err = circe_cli_open(cli, dev);
	} else {
		if (!*cli->backend_uri)
			circe_cli_set_uri(cli);
		*what = "--tlb ideal";
		err = circe_cli_svm_ideal_uri(cli->backend_uri, uri, sizeof(uri));
		if (err)
			return err;
		err = circe_open(uri, cli->dtb, dev);
	}
	if (err)
		return err;
	err = circe_get_info(*dev, info);
	if (err) {
		*what = "reading the device information";
		return err;
	}
	if (ideal != !!(info->features & CIRCE_HW_FEAT_IDEAL_MMU)) {
		*what = "checking the MMU";
		return circe_err(-ENODEV,
				 ideal ? "the device opened as the ideal MMU does not report "
					 "IDEAL_MMU in FEATURES"
				       : "backend '%s' is the ideal-MMU model (FEATURES has "
					 "IDEAL_MMU): its figures are --tlb ideal's; give the real "
					 "MMU's backend (vsim:) and --tlb ideal",
				 cli->backend_uri);
	}
	return 0;
}

static int circe_cli_bench_svm_run(struct circe_cli *cli, const struct circe_cli_svm_args *a,
				   struct circe_cli_svm_work *w)
{
	struct circe_cli_svm_run runs[CIRCE_CLI_SVM_NTLB][2];
	struct circe_dev *dev = NULL, *ideal_dev = NULL;
	struct circe_info info, ideal_info;
	const struct circe_cli_svm_run *ideal_of[2] = { NULL, NULL };
	bool header = false, all_ok = true;
	const char *what = "";
	int err, rc = CIRCE_CLI_EXIT_RUNTIME;

	bool need_real = false;

	memset(runs, 0, sizeof(runs));
	for (int t = CIRCE_CLI_SVM_HYBRID; t < CIRCE_CLI_SVM_NTLB; t++)
		need_real |= a->tlb[t];
	/* Both devices are opened before anything runs, so that a missing
	 * ideal model is reported at once. */
	err = need_real ? circe_cli_svm_open(cli, false, &dev, &info, &what) : 0;
	if (!err && a->tlb[CIRCE_CLI_SVM_IDEAL])
		err = circe_cli_svm_open(cli, true, &ideal_dev, &ideal_info, &what);
	if (err) {
		circe_cli_fail(cli, what, err);
		goto close;
	}
	for (int t = 0; t < CIRCE_CLI_SVM_NTLB; t++) {
		struct circe_dev *d = t == CIRCE_CLI_SVM_IDEAL ? ideal_dev : dev;
		const struct circe_info *inf = t == CIRCE_CLI_SVM_IDEAL ? &ideal_info : &info;

		if (!a->tlb[t])
			continue;
		if (t != CIRCE_CLI_SVM_IDEAL) {
			err = circe_dev_reg_write(d, CIRCE_REG_MMU_CTRL, circe_cli_svm_mmu_mode[t]);
			if (err) {
				circe_cli_fail(cli, "setting the TLB mode (MMU_CTRL)", err);
				goto close;
			}
		}
		for (int o = 0; o < 2; o++) {
			struct circe_cli_svm_run *r = &runs[t][o];
			struct circe_ctx *ctx = NULL;
			unsigned which = o ? CIRCE_CLI_SVM_ZERO_COPY : CIRCE_CLI_SVM_COPY;

			if (!(a->offload & which))
				continue;
			r->tlb = (enum circe_cli_svm_tlb)t;
			r->offload = which;
			/* A fresh context per run: its creation and the destruction
			 * of the last one leave the TLBs and the walk cache cold. */
			err = circe_ctx_create(d, &ctx);
			if (err) {
				circe_cli_fail(cli, "creating a context", err);
				goto close;
			}
			err = which == CIRCE_CLI_SVM_COPY ? circe_cli_svm_copy(ctx, a, w, r)
							  : circe_cli_svm_zero_copy(ctx, a, w, r);
			circe_ctx_destroy(ctx);
			if (err) {
				char msg[300];

				snprintf(msg, sizeof(msg), "running %s (--tlb %s, --offload %s)",
					 circe_cli_svm_patterns[a->pattern], circe_cli_svm_tlbs[t],
					 o ? "svm" : "copy");
				circe_cli_fail(cli, msg, err);
				goto close;
			}
			r->device_seconds = r->st.cycles_valid && inf->clock_hz
						    ? (double)r->st.cycles / (double)inf->clock_hz
						    : r->st.wall_seconds;
			if (t == CIRCE_CLI_SVM_IDEAL)
				ideal_of[o] = r;
			all_ok &= r->correct;
		}
		for (int o = 0; o < 2; o++) {
			unsigned which = o ? CIRCE_CLI_SVM_ZERO_COPY : CIRCE_CLI_SVM_COPY;
			bool both = (a->offload & CIRCE_CLI_SVM_COPY) &&
				    (a->offload & CIRCE_CLI_SVM_ZERO_COPY);

			if (a->offload & which)
				circe_cli_svm_report(cli, a, w, inf, &runs[t][o], ideal_of[o],
						     both ? &runs[t][0] : NULL,
						     both ? &runs[t][1] : NULL, &header);
		}
		fflush(stdout);
	}
	if (!all_ok) {
		for (int t = 0; t < CIRCE_CLI_SVM_NTLB; t++)
			for (int o = 0; o < 2; o++)
				if (runs[t][o].offload && !runs[t][o].correct) {
					circe_cli_fail(
						cli, "result",
						circe_err(-EPROTO, "--tlb %s --offload %s: %s",
							  circe_cli_svm_tlbs[t], o ? "svm" : "copy",
							  runs[t][o].mismatch));
					goto close;
				}
	}
	rc = CIRCE_CLI_EXIT_OK;

close:
	for (int t = 0; t < CIRCE_CLI_SVM_NTLB; t++)
		for (int o = 0; o < 2; o++) {
			free(runs[t][o].q_cycles);
			free(runs[t][o].q_walks);
		}
	if (dev)
		circe_dev_reg_write(dev, CIRCE_REG_MMU_CTRL, CIRCE_HW_MMU_MODE_HYBRID);
	circe_close(ideal_dev);
	circe_close(dev);
	return rc;
}

int circe_cli_bench_svm(struct circe_cli *cli, struct circe_cli_iter *it)
{
	struct circe_cli_svm_args args;
	struct circe_cli_svm_work w;
	bool help;
	int err, rc;

	err = circe_cli_svm_parse(cli, it, &args, &help);
	if (help) {
		circe_cli_svm_help();
		return CIRCE_CLI_EXIT_OK;
	}
	if (err)
		return circe_cli_usage(cli, "options", err);
	err = circe_cli_svm_work_make(&args, &w);
	if (err) {
		circe_cli_svm_work_free(&w);
		return err == -EINVAL ? circe_cli_usage(cli, "--size", err)
				      : circe_cli_fail(cli, "preparing the workload", err);
	}
	rc = circe_cli_bench_svm_run(cli, &args, &w);
	circe_cli_svm_work_free(&w);
	return rc;
}
