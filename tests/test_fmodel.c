/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The functional model at its registers, below the driver: page tables are
 * built by hand here (not by svm/) so that every walker case can be reached
 * (4 KiB, 2 MiB and 1 GiB leaves, a leaf at the root level, missing roots,
 * non-canonical VAs, page-table reads that hit a bus error), and the fault
 * queue is answered by hand (resume after fixing the entry, abort, reset).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/backend.h"
#include "sim/fmodel/fmodel.h"
#include "svm/platform.h"
#include "tests/support/testutil.h"

#define FM_MAX_PAGES 16u
#define FM_ASID 1u

struct fm_page {
	void *host;
	uint64_t iova;
};

struct fm {
	const struct circe_backend_ops *ops;
	struct circe_platform *plat;
	void *dev;
	struct fm_page pages[FM_MAX_PAGES]; /* pinned; [0] is the root table */
	unsigned n_pages;
	union circe_hw_desc *descs; /* a pinned page the tests map at various VAs */
	uint64_t descs_iova;
};

static struct fm_page *fm_page_new(struct fm *f)
{
	struct fm_page *p;

	assert_true(f->n_pages < FM_MAX_PAGES);
	p = &f->pages[f->n_pages++];
	p->host = tu_alloc_pages(4096);
	assert_non_null(p->host);
	assert_int_equal(circe_platform_pin(f->plat, p->host, 4096, &p->iova), 0);
	return p;
}

static uint64_t *fm_table_at(struct fm *f, uint64_t iova)
{
	for (unsigned i = 0; i < f->n_pages; i++)
		if (f->pages[i].iova == iova)
			return f->pages[i].host;
	fail_msg("no table at IOVA 0x%llx", (unsigned long long)iova);
	return NULL;
}

static uint32_t fm_rd(struct fm *f, uint32_t off)
{
	uint32_t v = 0;

	assert_int_equal(f->ops->reg_read(f->dev, off, &v), 0);
	return v;
}

static void fm_wr(struct fm *f, uint32_t off, uint32_t v)
{
	assert_int_equal(f->ops->reg_write(f->dev, off, v), 0);
}

static void fm_set_root(struct fm *f, uint32_t asid, uint64_t iova, bool valid)
{
	fm_wr(f, CIRCE_REG_PT_ASID_SEL, asid);
	fm_wr(f, CIRCE_REG_PT_ROOT_HI, (uint32_t)(iova >> 32));
	fm_wr(f, CIRCE_REG_PT_ROOT_LO, (uint32_t)iova | (valid ? CIRCE_HW_PT_ROOT_VALID : 0));
}

/* Enter va -> target in the tree under root with a leaf at leaf_level
 * (0: 4 KiB, 1: 2 MiB, 2: 1 GiB, 3: invalid on purpose). Returns the leaf. */
static uint64_t *fm_map(struct fm *f, uint64_t va, unsigned leaf_level, uint64_t target,
			uint64_t perms)
{
	uint64_t *table = f->pages[0].host;
	uint64_t span = 1ull << CIRCE_HW_PT_LEVEL_SHIFT(leaf_level);

	for (unsigned level = CIRCE_HW_PT_LEVELS - 1; level > leaf_level; level--) {
		uint64_t *e = &table[CIRCE_HW_PT_INDEX(va, level)];

		if (!(*e & CIRCE_HW_PTE_VALID))
			*e = fm_page_new(f)->iova | CIRCE_HW_PTE_VALID;
		table = fm_table_at(f, *e & CIRCE_HW_PTE_ADDR_MASK);
	}
	table[CIRCE_HW_PT_INDEX(va, leaf_level)] = (target & ~(span - 1)) | CIRCE_HW_PTE_VALID |
						   perms | (leaf_level ? CIRCE_HW_PTE_LEAF : 0);
	return &table[CIRCE_HW_PT_INDEX(va, leaf_level)];
}

static int fm_open(struct fm *f, const char *args)
{
	f->ops = &circe_backend_fmodel;
	if (circe_platform_sim_create(&f->plat))
		return -1;
	if (f->ops->open(args, NULL, f->plat, &f->dev))
		return -1;
	return 0;
}

static int fm_setup(void **state)
{
	struct fm *f = calloc(1, sizeof(*f));

	if (!f || fm_open(f, "asids=4"))
		return -1;
	*state = f;
	fm_page_new(f); /* root */
	f->descs = fm_page_new(f)->host;
	f->descs_iova = f->pages[1].iova;
	fm_set_root(f, FM_ASID, f->pages[0].iova, true);
	fm_wr(f, CIRCE_REG_GIE, 1);
	fm_wr(f, CIRCE_REG_IER, CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT);
	return 0;
}

static int fm_teardown(void **state)
{
	struct fm *f = *state;

	f->ops->close(f->dev);
	for (unsigned i = 0; i < f->n_pages; i++) {
		circe_platform_unpin(f->plat, f->pages[i].iova, 4096);
		free(f->pages[i].host);
	}
	circe_platform_destroy(f->plat);
	free(f);
	return 0;
}

static void fm_start(struct fm *f, uint64_t cmd_va, uint32_t count, uint32_t asid)
{
	fm_wr(f, CIRCE_REG_CMD_VA_LO, (uint32_t)cmd_va);
	fm_wr(f, CIRCE_REG_CMD_VA_HI, (uint32_t)(cmd_va >> 32));
	fm_wr(f, CIRCE_REG_CMD_COUNT, count);
	fm_wr(f, CIRCE_REG_ASID, asid);
	fm_wr(f, CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
}

/* Wait for the interrupt line; returns ISR. */
static uint32_t fm_wait(struct fm *f)
{
	assert_int_equal(f->ops->wait_irq(f->dev, 5000000), 0);
	return fm_rd(f, CIRCE_REG_ISR);
}

static uint64_t fm_perf(struct fm *f, unsigned id)
{
	uint32_t lo = fm_rd(f, CIRCE_REG_PERF_BASE + 8 * id);
	uint32_t hi = fm_rd(f, CIRCE_REG_PERF_BASE + 8 * id + 4);

	return (uint64_t)hi << 32 | lo;
}

/* Run the NOP at cmd_va to completion; returns the STATUS code. */
static uint32_t fm_run_nop(struct fm *f, uint64_t cmd_va)
{
	memset(f->descs, 0, 4096);
	fm_start(f, cmd_va, 1, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_DONE);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE);
	return fm_rd(f, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_CODE_MASK;
}

/* ---- identity and configuration ------------------------------------- */

static void test_id_registers(void **state)
{
	struct fm g = { 0 };

	(void)state;
	assert_int_equal(fm_open(&g, "rows=8,cols=12,l1=16,l2sets=64,l2ways=2,asids=5,walkers=3"),
			 0);
	assert_int_equal(fm_rd(&g, CIRCE_REG_MAGIC), CIRCE_HW_MAGIC);
	assert_int_equal(fm_rd(&g, CIRCE_REG_VERSION), CIRCE_HW_VERSION);
	assert_int_equal(CIRCE_HW_ARRAY_ROWS(fm_rd(&g, CIRCE_REG_ARRAY)), 8);
	assert_int_equal(CIRCE_HW_ARRAY_COLS(fm_rd(&g, CIRCE_REG_ARRAY)), 12);
	assert_int_equal(fm_rd(&g, CIRCE_REG_TLB_L1), 16);
	assert_int_equal(CIRCE_HW_TLB_L2_SETS(fm_rd(&g, CIRCE_REG_TLB_L2)), 64);
	assert_int_equal(CIRCE_HW_TLB_L2_WAYS(fm_rd(&g, CIRCE_REG_TLB_L2)), 2);
	assert_int_equal(fm_rd(&g, CIRCE_REG_NUM_ASIDS), 5);
	assert_int_equal(fm_rd(&g, CIRCE_REG_WALKERS), 3);
	assert_int_equal(fm_rd(&g, CIRCE_REG_FEATURES),
			 CIRCE_HW_FEAT_GEMM | CIRCE_HW_FEAT_INT4 | CIRCE_HW_FEAT_OUT16 |
				 CIRCE_HW_FEAT_MEMENG | CIRCE_HW_FEAT_DEMAND_PAGING);
	assert_int_equal(fm_rd(&g, CIRCE_REG_CTRL), CIRCE_HW_CTRL_AP_IDLE);
	/* read-only registers ignore writes */
	fm_wr(&g, CIRCE_REG_MAGIC, 0);
	assert_int_equal(fm_rd(&g, CIRCE_REG_MAGIC), CIRCE_HW_MAGIC);
	/* MMU_CTRL (TLB mode): accepted and read back, no effect on the model */
	assert_int_equal(fm_rd(&g, CIRCE_REG_MMU_CTRL), CIRCE_HW_MMU_MODE_HYBRID);
	fm_wr(&g, CIRCE_REG_MMU_CTRL, CIRCE_HW_MMU_MODE_L2_ONLY);
	assert_int_equal(fm_rd(&g, CIRCE_REG_MMU_CTRL), CIRCE_HW_MMU_MODE_L2_ONLY);
	fm_wr(&g, CIRCE_REG_MMU_CTRL, 0xFFFFFFF0u | CIRCE_HW_MMU_MODE_L1_ONLY);
	assert_int_equal(fm_rd(&g, CIRCE_REG_MMU_CTRL), CIRCE_HW_MMU_MODE_L1_ONLY);
	g.ops->close(g.dev);
	circe_platform_destroy(g.plat);

	/* defaults from hw.h */
	assert_int_equal(fm_open(&g, ""), 0);
	assert_int_equal(fm_rd(&g, CIRCE_REG_ARRAY),
			 CIRCE_HW_DEFAULT_ARRAY_ROWS | CIRCE_HW_DEFAULT_ARRAY_COLS << 8);
	assert_int_equal(fm_rd(&g, CIRCE_REG_NUM_ASIDS), CIRCE_HW_DEFAULT_NUM_ASIDS);
	g.ops->close(g.dev);
	circe_platform_destroy(g.plat);
}

static void test_bad_args(void **state)
{
	static const char *bad[] = { "rows=0",	 "cols=256", "l1=65",	  "l2sets=5",
				     "l2sets=0", "asids=0",  "walkers=0", "rows=-1",
				     "rows=1x",	 "frobs=1",  "rows",	  "asids=70000" };
	struct circe_platform *plat;
	void *dev = NULL;

	(void)state;
	assert_int_equal(circe_platform_sim_create(&plat), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(circe_backend_fmodel.open(bad[i], NULL, plat, &dev), -EINVAL);
		print_message("# %s: %s\n", bad[i], circe_errmsg());
		assert_true(strstr(circe_errmsg(), "fmodel:") != NULL);
	}
	assert_int_equal(circe_backend_fmodel.open("frobs=1", NULL, plat, &dev), -EINVAL);
	assert_non_null(strstr(circe_errmsg(), "unknown option 'frobs'"));
	/* empty items are tolerated */
	assert_int_equal(circe_backend_fmodel.open("rows=8,,cols=8,", NULL, plat, &dev), 0);
	circe_backend_fmodel.close(dev);
	circe_backend_fmodel.close(NULL);
	circe_platform_destroy(plat);
}

static void test_register_window(void **state)
{
	struct fm *f = *state;
	uint32_t v;

	assert_int_equal(f->ops->reg_read(f->dev, 0x1000, &v), -EINVAL);
	assert_int_equal(f->ops->reg_read(f->dev, 0x2, &v), -EINVAL);
	assert_int_equal(f->ops->reg_write(f->dev, 0x1001, 0), -EINVAL);
	assert_int_equal(fm_rd(f, 0x800), 0);		/* unassigned */
	assert_int_equal(fm_rd(f, CIRCE_REG_RESET), 0); /* write-only */
}

/* ---- the walker ----------------------------------------------------- */

static void test_walk_4k(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x00007000deadb000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	/* fetch + status write-back, four levels each */
	assert_int_equal(fm_perf(f, CIRCE_PERF_WALKS), 2);
	assert_int_equal(fm_perf(f, CIRCE_PERF_PTE_READS), 8);
	assert_int_equal(fm_perf(f, CIRCE_PERF_DMA_RD_BYTES), 128 + 8 * 8);
	assert_int_equal(fm_perf(f, CIRCE_PERF_DMA_WR_BYTES), 16);
	assert_int_equal(fm_perf(f, CIRCE_PERF_DESCRIPTORS), 1);
	/* XRT: ap_done and ap_ready clear on read, idle stays */
	assert_int_equal(fm_rd(f, CIRCE_REG_CTRL),
			 CIRCE_HW_CTRL_AP_DONE | CIRCE_HW_CTRL_AP_IDLE | CIRCE_HW_CTRL_AP_READY);
	assert_int_equal(fm_rd(f, CIRCE_REG_CTRL), CIRCE_HW_CTRL_AP_IDLE);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_INDEX), 0);
}

static void test_walk_2m_leaf(void **state)
{
	struct fm *f = *state;
	uint64_t span = 1ull << CIRCE_HW_HUGE_2M_SHIFT;
	uint64_t va = 0x0000400000000000ull | (f->descs_iova & (span - 1));

	fm_map(f, va, 1, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(fm_perf(f, CIRCE_PERF_PTE_READS), 2 * 3);
}

static void test_walk_1g_leaf(void **state)
{
	struct fm *f = *state;
	uint64_t span = 1ull << CIRCE_HW_HUGE_1G_SHIFT;
	uint64_t va = 0x0000200000000000ull | (f->descs_iova & (span - 1));

	fm_map(f, va, 2, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(fm_perf(f, CIRCE_PERF_PTE_READS), 2 * 2);
}

/* Start a NOP at va, expect a fault with flags, answer it with resp. */
static void fm_expect_fault(struct fm *f, uint64_t va, uint32_t asid, uint32_t flags, uint32_t resp)
{
	uint32_t st;

	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, asid);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_FAULT);
	st = fm_rd(f, CIRCE_REG_FAULT_STATUS);
	assert_int_equal(st, CIRCE_HW_FAULT_PENDING | flags | asid << CIRCE_HW_FAULT_ASID_SHIFT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_LO), (uint32_t)va);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_HI), (uint32_t)(va >> 32));
	assert_int_equal(fm_rd(f, CIRCE_REG_STATUS),
			 CIRCE_HW_STATUS_BUSY | CIRCE_HW_STATUS_FAULT_WAIT | CIRCE_HW_ST_PENDING);
	assert_false(fm_rd(f, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	fm_wr(f, CIRCE_REG_FAULT_RESP, resp);
}

static void fm_expect_done(struct fm *f, uint32_t code, uint64_t err_va)
{
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_DONE);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE);
	assert_int_equal(fm_rd(f, CIRCE_REG_STATUS), code);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_VA_LO), (uint32_t)err_va);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_VA_HI), (uint32_t)(err_va >> 32));
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_STATUS), 0);
	assert_true(fm_rd(f, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE);
}

static void test_fault_unmapped_abort(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000123456789000ull;

	fm_expect_fault(f, va, FM_ASID, 0, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_INDEX), 0);
	assert_int_equal(fm_perf(f, CIRCE_PERF_FAULTS), 1);
	assert_int_equal(fm_perf(f, CIRCE_PERF_DESCRIPTORS), 0);
}

static void test_fault_resume_after_mapping(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000123456789000ull;

	fm_expect_fault(f, va, FM_ASID, 0, 0 /* answered below */);
	/* The "host" maps the page, then resumes: the walk is retried. */
	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	fm_wr(f, CIRCE_REG_FAULT_RESP, 7); /* not an answer: ignored */
	assert_true(fm_rd(f, CIRCE_REG_FAULT_STATUS) & CIRCE_HW_FAULT_PENDING);
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_RESUME);
	fm_expect_done(f, CIRCE_HW_ST_OK, 0);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(fm_perf(f, CIRCE_PERF_FAULTS), 1);
	/* with no fault queued, a response is ignored */
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_ABORT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_STATUS), 0);
}

static void test_fault_write_permission_resume(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull, *leaf;
	uint32_t flags = CIRCE_HW_FAULT_WRITE | CIRCE_HW_FAULT_PERM;

	leaf = fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_FAULT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_STATUS),
			 CIRCE_HW_FAULT_PENDING | flags | FM_ASID << CIRCE_HW_FAULT_ASID_SHIFT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_LO), (uint32_t)(va + CIRCE_HW_STATUS_OFFSET));
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	*leaf |= CIRCE_HW_PTE_WRITE;
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_RESUME);
	fm_expect_done(f, CIRCE_HW_ST_OK, 0);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
}

static void test_fault_write_permission_abort(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_FAULT);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va + CIRCE_HW_STATUS_OFFSET);
	/* the status block itself could not be written */
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_PENDING);
	assert_int_equal(fm_perf(f, CIRCE_PERF_FAULTS), 1);
}

static void test_fault_write_only_page_read(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_WRITE);
	fm_expect_fault(f, va, FM_ASID, CIRCE_HW_FAULT_PERM, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
}

static void test_fault_leaf_at_root(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000008000000000ull; /* root index 1 */
	uint64_t *root = f->pages[0].host;

	root[CIRCE_HW_PT_INDEX(va, 3)] = (f->descs_iova & ~((1ull << 39) - 1)) |
					 CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_LEAF |
					 CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE;
	fm_expect_fault(f, va, FM_ASID, 0, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
}

static void test_fault_noncanonical(void **state)
{
	struct fm *f = *state;
	uint64_t va = 1ull << CIRCE_HW_VA_BITS;

	fm_expect_fault(f, va, FM_ASID, CIRCE_HW_FAULT_NONCANON, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
	assert_int_equal(fm_perf(f, CIRCE_PERF_PTE_READS), 0);
}

static void test_fault_no_root(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x1000;

	/* an ASID without a root, and one beyond NUM_ASIDS */
	fm_expect_fault(f, va, 2, CIRCE_HW_FAULT_NOROOT, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
	fm_expect_fault(f, va, 9, CIRCE_HW_FAULT_NOROOT, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
	/* a root written invalid is no root */
	fm_set_root(f, 3, f->pages[0].iova, false);
	fm_expect_fault(f, va, 3, CIRCE_HW_FAULT_NOROOT, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
}

static void test_page_table_bus_error(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	/* a root the platform does not map: the PTE read gets DECERR */
	fm_set_root(f, 2, 0x1000, true);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, 2);
	fm_expect_done(f, CIRCE_HW_ST_BUS_ERROR, va);
	assert_int_equal(fm_perf(f, CIRCE_PERF_FAULTS), 0);

	/* an injected SLVERR on the root table */
	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR,
							       .iova = f->pages[0].iova,
							       .len = 8 }),
		0);
	fm_start(f, va, 1, FM_ASID);
	/* only entry 0 of the root is poisoned; va uses entry 0 */
	fm_expect_done(f, CIRCE_HW_ST_BUS_ERROR, va);
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_NONE }), 0);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
}

static void test_data_bus_error(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	/* the second descriptor's bytes: the first completes, the second's
	 * fetch gets SLVERR */
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR,
							       .iova = f->descs_iova + 128,
							       .len = 1 }),
		0);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 2, FM_ASID);
	fm_expect_done(f, CIRCE_HW_ST_BUS_ERROR, va + 128);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_INDEX), 1);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_OK);
	assert_int_equal(f->descs[1].generic.status.code, CIRCE_HW_ST_PENDING);
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_BUS_ERROR,
							       .iova = ~0ull,
							       .len = 2 }),
		-EINVAL);
}

/* ---- control, interrupts, reset ------------------------------------- */

static void test_reset_during_fault_wait(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_expect_fault(f, va, FM_ASID, 0, 0);
	fm_wr(f, CIRCE_REG_RESET, 1);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_STATUS), 0);
	assert_int_equal(fm_rd(f, CIRCE_REG_ISR), 0);
	/* the device thread notices, then reports idle with STATUS RESET */
	for (int i = 0; i < 1000 && !(fm_rd(f, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE); i++)
		usleep(1000);
	assert_int_equal(fm_rd(f, CIRCE_REG_STATUS), CIRCE_HW_ST_RESET);
	/* no done interrupt for an aborted job */
	assert_int_equal(f->ops->wait_irq(f->dev, 50000), -ETIMEDOUT);
	/* roots, GIE and IER survive a reset */
	fm_wr(f, CIRCE_REG_PT_ASID_SEL, FM_ASID);
	assert_int_equal(fm_rd(f, CIRCE_REG_PT_ROOT_LO),
			 (uint32_t)f->pages[0].iova | CIRCE_HW_PT_ROOT_VALID);
	assert_int_equal(fm_rd(f, CIRCE_REG_PT_ROOT_HI), (uint32_t)(f->pages[0].iova >> 32));
	assert_int_equal(fm_rd(f, CIRCE_REG_GIE), 1);
	assert_int_equal(fm_rd(f, CIRCE_REG_IER), CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT);
	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
}

static void test_hang_and_start_while_busy(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_HANG }), 0);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, FM_ASID);
	assert_int_equal(f->ops->wait_irq(f->dev, 50000), -ETIMEDOUT);
	assert_true(fm_rd(f, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);
	/* ap_start while busy is ignored */
	fm_wr(f, CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
	assert_int_equal(f->ops->wait_irq(f->dev, 20000), -ETIMEDOUT);
	fm_wr(f, CIRCE_REG_RESET, 1);
	for (int i = 0; i < 1000 && !(fm_rd(f, CIRCE_REG_CTRL) & CIRCE_HW_CTRL_AP_IDLE); i++)
		usleep(1000);
	assert_int_equal(fm_rd(f, CIRCE_REG_STATUS), CIRCE_HW_ST_RESET);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_PENDING);
	/* one job only */
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	assert_int_equal(
		f->ops->inject(f->dev, &(struct circe_inject){ .kind = CIRCE_INJECT_LATENCY }),
		-EOPNOTSUPP);
}

static void test_interrupt_gating(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	fm_wr(f, CIRCE_REG_GIE, 0);
	memset(f->descs, 0, 4096);
	fm_start(f, va, 1, FM_ASID);
	for (int i = 0; i < 1000 && !(fm_rd(f, CIRCE_REG_ISR) & CIRCE_HW_IRQ_DONE); i++)
		usleep(1000);
	/* ISR latched, line low */
	assert_int_equal(fm_rd(f, CIRCE_REG_ISR), CIRCE_HW_IRQ_DONE);
	assert_int_equal(f->ops->wait_irq(f->dev, 10000), -ETIMEDOUT);
	fm_wr(f, CIRCE_REG_GIE, 1);
	fm_wr(f, CIRCE_REG_IER, CIRCE_HW_IRQ_FAULT);
	assert_int_equal(f->ops->wait_irq(f->dev, 10000), -ETIMEDOUT);
	fm_wr(f, CIRCE_REG_IER, CIRCE_HW_IRQ_DONE | CIRCE_HW_IRQ_FAULT);
	assert_int_equal(f->ops->wait_irq(f->dev, 10000), 0);
	/* write 1 to clear, bit by bit */
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	assert_int_equal(fm_rd(f, CIRCE_REG_ISR), CIRCE_HW_IRQ_DONE);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE);
	assert_int_equal(fm_rd(f, CIRCE_REG_ISR), 0);
}

static void test_zero_count_and_list(void **state)
{
	struct fm *f = *state;
	uint64_t va = 0x0000000040000000ull;

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	fm_start(f, va, 0, FM_ASID);
	fm_expect_done(f, CIRCE_HW_ST_OK, 0);
	/* a 32-descriptor list fills the page */
	memset(f->descs, 0, 4096);
	for (unsigned i = 0; i < 32; i++)
		f->descs[i].head.opcode = (i & 1) ? CIRCE_HW_OP_FENCE : CIRCE_HW_OP_NOP;
	fm_start(f, va, 32, FM_ASID);
	fm_expect_done(f, CIRCE_HW_ST_OK, 0);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_INDEX), 31);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(f->descs[i].generic.status.code, CIRCE_HW_ST_OK);
	/* the 33rd is on an unmapped page */
	fm_start(f, va, 33, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_FAULT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_LO), (uint32_t)(va + 4096));
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va + 4096);
	assert_int_equal(fm_rd(f, CIRCE_REG_ERR_INDEX), 32);
}

static void test_invalidate_and_perf_regs(void **state)
{
	struct fm *f = *state;
	uint32_t ack = fm_rd(f, CIRCE_REG_INV_ACK);
	uint64_t va = 0x0000000040000000ull;

	fm_wr(f, CIRCE_REG_INV_VA_LO, 0x12345000);
	fm_wr(f, CIRCE_REG_INV_VA_HI, 0x7f);
	fm_wr(f, CIRCE_REG_INV_PAGES, 3);
	fm_wr(f, CIRCE_REG_INV_CMD, CIRCE_HW_INV_RANGE | FM_ASID << CIRCE_HW_INV_ASID_SHIFT);
	assert_int_equal(fm_rd(f, CIRCE_REG_INV_ACK), ack + 1);
	fm_wr(f, CIRCE_REG_INV_CMD, CIRCE_HW_INV_ALL);
	assert_int_equal(fm_rd(f, CIRCE_REG_INV_ACK), ack + 2);
	assert_int_equal(fm_rd(f, CIRCE_REG_INV_VA_LO), 0x12345000);
	assert_int_equal(fm_rd(f, CIRCE_REG_INV_VA_HI), 0x7f);
	assert_int_equal(fm_rd(f, CIRCE_REG_INV_PAGES), 3);

	fm_map(f, va, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	assert_int_not_equal(fm_perf(f, CIRCE_PERF_WALKS), 0);
	fm_wr(f, CIRCE_REG_PERF_CTRL, 1);
	for (unsigned id = 0; id < CIRCE_PERF_COUNT; id++)
		assert_int_equal(fm_perf(f, id), 0);
	/* reset clears them too */
	assert_int_equal(fm_run_nop(f, va), CIRCE_HW_ST_OK);
	fm_wr(f, CIRCE_REG_RESET, 1);
	assert_int_equal(fm_perf(f, CIRCE_PERF_WALKS), 0);
}

int main(void)
{
#define FM_TEST(t) cmocka_unit_test_setup_teardown(t, fm_setup, fm_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_registers),
		cmocka_unit_test(test_bad_args),
		FM_TEST(test_register_window),
		FM_TEST(test_walk_4k),
		FM_TEST(test_walk_2m_leaf),
		FM_TEST(test_walk_1g_leaf),
		FM_TEST(test_fault_unmapped_abort),
		FM_TEST(test_fault_resume_after_mapping),
		FM_TEST(test_fault_write_permission_resume),
		FM_TEST(test_fault_write_permission_abort),
		FM_TEST(test_fault_write_only_page_read),
		FM_TEST(test_fault_leaf_at_root),
		FM_TEST(test_fault_noncanonical),
		FM_TEST(test_fault_no_root),
		FM_TEST(test_page_table_bus_error),
		FM_TEST(test_data_bus_error),
		FM_TEST(test_reset_during_fault_wait),
		FM_TEST(test_hang_and_start_while_busy),
		FM_TEST(test_interrupt_gating),
		FM_TEST(test_zero_count_and_list),
		FM_TEST(test_invalidate_and_perf_regs),
	};

	return cmocka_run_group_tests_name("fmodel", tests, NULL, NULL);
}
