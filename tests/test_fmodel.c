/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The functional model at its registers, below the driver: page tables are
 * built by hand here (not by svm/) so that every walker case can be reached
 * (4 KiB, 2 MiB and 1 GiB leaves, a leaf at the root level, missing roots,
 * non-canonical VAs, page-table reads that hit a bus error), and the fault
 * queue is answered by hand (resume after fixing the entry, abort, reset).
 * CIRC and LSTM descriptors run on hand-mapped buffers against the hw/hls
 * kernels (random shapes, seeds printed), with their illegal reasons and
 * the access order hw.h gives (which buffer's fault is reported).
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
#include "hw/hls/circe_hls.h"
#include "sim/fmodel/fmodel.h"
#include "svm/platform.h"
#include "tests/support/testutil.h"

#define FM_MAX_PAGES 40u
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
				 CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM | CIRCE_HW_FEAT_MEMENG |
				 CIRCE_HW_FEAT_DEMAND_PAGING);
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

/* ---- CIRC and LSTM ----------------------------------------------------- */

/* Data buffers for the compute tests: FM_BUFS buffers of FM_BUF_PAGES pages
 * each, buffer i mapped read/write at FM_BUF_VA(i) (virtually contiguous,
 * physically scattered pages). FM_HOLE_VA is never mapped. */
#define FM_BUFS 6u
#define FM_BUF_PAGES 3u
#define FM_BUF_BYTES (FM_BUF_PAGES * 4096u)
#define FM_BUF_VA(i) (0x0000500000000000ull + (uint64_t)(i)*0x100000ull)
#define FM_HOLE_VA 0x0000600000000000ull
#define FM_CMD_VA 0x0000000040000000ull

struct fm_bufs {
	uint8_t *page[FM_BUFS][FM_BUF_PAGES];
};

static void fm_bufs_map(struct fm *f, struct fm_bufs *b)
{
	fm_map(f, FM_CMD_VA, 0, f->descs_iova, CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	for (unsigned i = 0; i < FM_BUFS; i++)
		for (unsigned pg = 0; pg < FM_BUF_PAGES; pg++) {
			struct fm_page *p = fm_page_new(f);

			b->page[i][pg] = p->host;
			fm_map(f, FM_BUF_VA(i) + pg * 4096ull, 0, p->iova,
			       CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
		}
}

/* Copy between a local image and buffer i (the pages are not contiguous in
 * host memory). */
static void fm_buf_put(struct fm_bufs *b, unsigned i, const void *src, size_t len)
{
	assert_true(len <= FM_BUF_BYTES);
	for (size_t off = 0; off < len; off += 4096)
		memcpy(b->page[i][off / 4096], (const uint8_t *)src + off,
		       len - off < 4096 ? len - off : 4096);
}

static void fm_buf_get(struct fm_bufs *b, unsigned i, void *dst, size_t len)
{
	assert_true(len <= FM_BUF_BYTES);
	for (size_t off = 0; off < len; off += 4096)
		memcpy((uint8_t *)dst + off, b->page[i][off / 4096],
		       len - off < 4096 ? len - off : 4096);
}

/* Run descriptor 0 at FM_CMD_VA to the end; returns the STATUS code. */
static uint32_t fm_run1(struct fm *f)
{
	fm_start(f, FM_CMD_VA, 1, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_DONE);
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE);
	return fm_rd(f, CIRCE_REG_STATUS) & CIRCE_HW_STATUS_CODE_MASK;
}

/* Run descriptor 0, expect a fault at va (flags), abort it. */
static void fm_run1_fault(struct fm *f, uint64_t va, uint32_t flags)
{
	fm_start(f, FM_CMD_VA, 1, FM_ASID);
	assert_int_equal(fm_wait(f), CIRCE_HW_IRQ_FAULT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_STATUS),
			 CIRCE_HW_FAULT_PENDING | flags | FM_ASID << CIRCE_HW_FAULT_ASID_SHIFT);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_LO), (uint32_t)va);
	assert_int_equal(fm_rd(f, CIRCE_REG_FAULT_VA_HI), (uint32_t)(va >> 32));
	fm_wr(f, CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
	fm_wr(f, CIRCE_REG_FAULT_RESP, CIRCE_HW_FAULT_RESP_ABORT);
	fm_expect_done(f, CIRCE_HW_ST_FAULT, va);
	assert_int_equal(f->descs[0].generic.status.code, CIRCE_HW_ST_FAULT);
	assert_int_equal(f->descs[0].generic.status.detail, flags);
	assert_true(f->descs[0].generic.status.fault_va == va);
}

enum { FM_W, FM_X, FM_BIAS, FM_RQ, FM_Y };

/* A random legal CIRC whose buffers fit FM_BUF_BYTES. */
static void fm_circ_random(struct tu_rng *r, struct circe_hw_desc_circ *d)
{
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	bool out16 = tu_rng_range(r, 0, 1);
	size_t esz = out16 ? 2 : 1;
	uint32_t q;

	memset(d, 0, sizeof(*d));
	d->opcode = CIRCE_HW_OP_CIRC;
	d->k = ks[tu_rng_range(r, 0, 4)];
	do {
		d->n_in = (uint32_t)tu_rng_range(r, 1, 300);
		d->n_out = d->k * (uint32_t)tu_rng_range(r, 1, 300 / d->k + 1);
		d->batch = (uint32_t)tu_rng_range(r, 1, 6);
		q = (d->n_in + d->k - 1) / d->k;
		d->ldw = q * d->k +
			 (uint32_t)tu_rng_range(r, 0, 1) * (uint32_t)tu_rng_range(r, 1, 9);
		d->ldx = d->n_in +
			 (uint32_t)tu_rng_range(r, 0, 1) * (uint32_t)tu_rng_range(r, 1, 70);
		d->ldy = d->n_out * (uint32_t)esz +
			 (uint32_t)tu_rng_range(r, 0, 1) * (uint32_t)tu_rng_range(r, 1, 70);
	} while ((size_t)d->ldw * (d->n_out / d->k) > FM_BUF_BYTES ||
		 (size_t)d->ldx * d->batch > FM_BUF_BYTES ||
		 (size_t)d->ldy * d->batch > FM_BUF_BYTES || d->n_out * 4u > FM_BUF_BYTES);
	d->flags = (out16 ? CIRCE_HW_CIRC_OUT16 : 0) |
		   (tu_rng_range(r, 0, 1) ? CIRCE_HW_CIRC_BIAS : 0) |
		   (tu_rng_range(r, 0, 1) ? CIRCE_HW_CIRC_PER_BLOCK : 0);
	d->out_zp = (int32_t)(out16 ? tu_rng_range(r, -1000, 1000) : tu_rng_range(r, -20, 20));
	d->clamp_min = out16 ? INT16_MIN : INT8_MIN;
	d->clamp_max = out16 ? INT16_MAX : INT8_MAX;
	if (tu_rng_range(r, 0, 2) == 0)
		d->clamp_min = d->out_zp; /* ReLU */
	d->w_va = FM_BUF_VA(FM_W);
	d->x_va = FM_BUF_VA(FM_X);
	d->bias_va = FM_BUF_VA(FM_BIAS);
	d->rq_va = FM_BUF_VA(FM_RQ);
	d->y_va = FM_BUF_VA(FM_Y);
}

/* Fill W, x, bias, rq (images of FM_BUF_BYTES) with random data. The
 * multiplier keeps outputs mostly inside the type, so that saturation is
 * not all the test sees. */
static void fm_circ_data(struct tu_rng *r, const struct circe_hw_desc_circ *d, int8_t *w, int8_t *x,
			 int32_t *bias, struct circe_hw_requant *rq)
{
	uint32_t p = d->n_out / d->k;

	tu_rng_fill_i8(r, w, FM_BUF_BYTES, -128, 127);
	tu_rng_fill_i8(r, x, FM_BUF_BYTES, -128, 127);
	for (uint32_t i = 0; i < d->n_out; i++)
		bias[i] = (int32_t)tu_rng_range(r, -50000, 50000);
	for (uint32_t i = 0; i < p; i++) {
		rq[i].m0 = (int32_t)tu_rng_range(r, 1 << 30, INT32_MAX);
		rq[i].shift = (int32_t)tu_rng_range(r, -14, -4);
	}
}

static void test_circ_random(void **state)
{
	struct fm *f = *state;
	struct fm_bufs b;
	struct tu_rng r;
	int8_t *w = malloc(FM_BUF_BYTES), *x = malloc(FM_BUF_BYTES);
	int32_t *bias = malloc(FM_BUF_BYTES);
	struct circe_hw_requant *rq = malloc(FM_BUF_BYTES);
	uint8_t *y = malloc(FM_BUF_BYTES), *yexp = malloc(FM_BUF_BYTES);
	uint64_t macs = 0;

	assert_true(w && x && bias && rq && y && yexp);
	tu_rng_init(&r, tu_seed("fmodel_circ", 5));
	fm_bufs_map(f, &b);
	for (int it = 0; it < 60; it++) {
		struct circe_hw_desc_circ d;
		uint32_t q;

		fm_circ_random(&r, &d);
		q = (d.n_in + d.k - 1) / d.k;
		fm_circ_data(&r, &d, w, x, bias, rq);
		fm_buf_put(&b, FM_W, w, FM_BUF_BYTES);
		fm_buf_put(&b, FM_X, x, FM_BUF_BYTES);
		fm_buf_put(&b, FM_BIAS, bias, FM_BUF_BYTES);
		fm_buf_put(&b, FM_RQ, rq, FM_BUF_BYTES);
		/* the gaps between y rows must survive */
		memset(yexp, 0xA5, FM_BUF_BYTES);
		fm_buf_put(&b, FM_Y, yexp, FM_BUF_BYTES);
		circe_hls_circ(&d, w, x, bias, rq, yexp);

		memset(f->descs, 0, 4096);
		f->descs[0].circ = d;
		assert_int_equal(fm_run1(f), CIRCE_HW_ST_OK);
		assert_int_equal(f->descs[0].circ.status.code, CIRCE_HW_ST_OK);
		fm_buf_get(&b, FM_Y, y, FM_BUF_BYTES);
		if (memcmp(y, yexp, FM_BUF_BYTES))
			fail_msg("it %d: k %u n_in %u n_out %u batch %u flags 0x%x: y differs", it,
				 d.k, d.n_in, d.n_out, d.batch, d.flags);
		macs += (uint64_t)d.batch * d.n_out * q * d.k;
		assert_int_equal(fm_perf(f, CIRCE_PERF_MACS), macs);
	}
	free(yexp);
	free(y);
	free(rq);
	free(bias);
	free(x);
	free(w);
}

/* One field of the CIRC descriptor set to a bad value: the reason. */
static uint32_t fm_circ_break(struct circe_hw_desc_circ *d, int which)
{
	switch (which) {
	case 0:
		d->flags = 0x1; /* GEMM's INT4 bit */
		return CIRCE_HW_ILL_FLAGS;
	case 1:
		d->k = 3;
		return CIRCE_HW_ILL_DIMS;
	case 2:
		d->k = 32;
		return CIRCE_HW_ILL_DIMS;
	case 3:
		d->n_in = 0;
		return CIRCE_HW_ILL_DIMS;
	case 4:
		d->n_in = CIRCE_HW_CIRC_MAX_IN + 1;
		return CIRCE_HW_ILL_DIMS;
	case 5:
		d->n_out = 12; /* not a multiple of k = 8 */
		return CIRCE_HW_ILL_DIMS;
	case 6:
		d->batch = 0;
		return CIRCE_HW_ILL_DIMS;
	case 7:
		d->ldw = 23; /* q * k = 24 */
		return CIRCE_HW_ILL_STRIDE;
	case 8:
		d->ldx = 19;
		return CIRCE_HW_ILL_STRIDE;
	case 9:
		d->ldy = 15;
		return CIRCE_HW_ILL_STRIDE;
	case 10:
		d->out_zp = 128;
		return CIRCE_HW_ILL_ZERO_POINT;
	default:
		d->clamp_min = 100;
		d->clamp_max = 99;
		return CIRCE_HW_ILL_CLAMP;
	}
}

static void test_circ_illegal(void **state)
{
	struct fm *f = *state;
	struct fm_bufs b;
	struct circe_hw_desc_circ d0, d;
	struct circe_hw_requant rq[2] = { { 1 << 30, 0 }, { 1 << 30, 31 } };
	uint8_t y[64];

	fm_bufs_map(f, &b);
	d0 = (struct circe_hw_desc_circ){ .opcode = CIRCE_HW_OP_CIRC,
					  .k = 8,
					  .n_in = 20,
					  .n_out = 16,
					  .batch = 2,
					  .clamp_min = -128,
					  .clamp_max = 127,
					  .ldw = 24,
					  .ldx = 20,
					  .ldy = 16,
					  .w_va = FM_BUF_VA(FM_W),
					  .x_va = FM_BUF_VA(FM_X),
					  .bias_va = FM_BUF_VA(FM_BIAS),
					  .rq_va = FM_BUF_VA(FM_RQ),
					  .y_va = FM_BUF_VA(FM_Y) };
	assert_int_equal(circe_hls_circ_check(&d0), 0);
	for (int i = 0; i < 12; i++) {
		uint32_t reason;

		d = d0;
		reason = fm_circ_break(&d, i);
		memset(y, 0xA5, sizeof(y));
		fm_buf_put(&b, FM_Y, y, sizeof(y));
		memset(f->descs, 0, 4096);
		f->descs[0].circ = d;
		assert_int_equal(fm_run1(f), CIRCE_HW_ST_ILLEGAL);
		assert_int_equal(f->descs[0].circ.status.code, CIRCE_HW_ST_ILLEGAL);
		assert_int_equal(f->descs[0].circ.status.detail, reason);
		fm_buf_get(&b, FM_Y, y, sizeof(y));
		for (size_t j = 0; j < sizeof(y); j++)
			assert_int_equal(y[j], 0xA5);
	}
	/* a bad requant entry (the second of two with PER_BLOCK): ILLEGAL
	 * REQUANT before any other access, so unmapped W and bias do not
	 * fault */
	fm_buf_put(&b, FM_RQ, rq, sizeof(rq));
	d = d0;
	d.flags = CIRCE_HW_CIRC_PER_BLOCK | CIRCE_HW_CIRC_BIAS;
	d.w_va = FM_HOLE_VA;
	d.bias_va = FM_HOLE_VA;
	memset(f->descs, 0, 4096);
	f->descs[0].circ = d;
	assert_int_equal(fm_run1(f), CIRCE_HW_ST_ILLEGAL);
	assert_int_equal(f->descs[0].circ.status.detail, CIRCE_HW_ILL_REQUANT);
	assert_int_equal(fm_perf(f, CIRCE_PERF_FAULTS), 0);
	/* per tensor only entry 0 is read: legal */
	d = d0;
	memset(f->descs, 0, 4096);
	f->descs[0].circ = d;
	assert_int_equal(fm_run1(f), CIRCE_HW_ST_OK);
	assert_int_equal(fm_perf(f, CIRCE_PERF_MACS), 2 * 16 * 24);
}

/* hw.h's CIRC order: rq, bias, W, then x_b before y_b. With two buffers
 * unmapped the earlier one's fault is reported. */
static void test_circ_fault_order(void **state)
{
	struct fm *f = *state;
	struct fm_bufs b;
	struct circe_hw_desc_circ d0, d;
	struct circe_hw_requant rq = { 1 << 30, 0 };
	uint64_t *vas[] = { &d.rq_va, &d.bias_va, &d.w_va, &d.x_va, &d.y_va };
	const unsigned nva = sizeof(vas) / sizeof(vas[0]);

	fm_bufs_map(f, &b);
	fm_buf_put(&b, FM_RQ, &rq, sizeof(rq));
	d0 = (struct circe_hw_desc_circ){ .opcode = CIRCE_HW_OP_CIRC,
					  .flags = CIRCE_HW_CIRC_BIAS,
					  .k = 4,
					  .n_in = 10,
					  .n_out = 8,
					  .batch = 3,
					  .clamp_min = -128,
					  .clamp_max = 127,
					  .ldw = 12,
					  .ldx = 10,
					  .ldy = 8,
					  .w_va = FM_BUF_VA(FM_W),
					  .x_va = FM_BUF_VA(FM_X),
					  .bias_va = FM_BUF_VA(FM_BIAS),
					  .rq_va = FM_BUF_VA(FM_RQ),
					  .y_va = FM_BUF_VA(FM_Y) };
	for (unsigned i = 0; i < nva; i++) {
		for (unsigned j = i; j < nva; j++) {
			/* buffers i and j at unmapped VAs (one buffer when i == j) */
			d = d0;
			*vas[i] = FM_HOLE_VA + 0x10000ull * i + 8;
			*vas[j] = FM_HOLE_VA + 0x10000ull * j + 8;
			memset(f->descs, 0, 4096);
			f->descs[0].circ = d;
			fm_run1_fault(f, *vas[i], i == nva - 1 ? CIRCE_HW_FAULT_WRITE : 0);
		}
	}
	/* x of batch vector 2 on an unmapped page: vectors 0 and 1 are
	 * computed and written first */
	d = d0;
	d.ldx = 4096;
	d.x_va = FM_BUF_VA(FM_X) + 4096 * (FM_BUF_PAGES - 2);
	memset(f->descs, 0, 4096);
	f->descs[0].circ = d;
	fm_run1_fault(f, d.x_va + 2 * 4096ull, 0);
	/* a y row at the end of the mapping: the write faults there */
	d = d0;
	d.y_va = FM_BUF_VA(FM_Y) + FM_BUF_BYTES - 20;
	memset(f->descs, 0, 4096);
	f->descs[0].circ = d;
	fm_run1_fault(f, FM_BUF_VA(FM_Y) + FM_BUF_BYTES, CIRCE_HW_FAULT_WRITE);
}

enum { FM_GX, FM_GH, FM_CIN, FM_COUT, FM_H };

static void test_lstm_random(void **state)
{
	struct fm *f = *state;
	struct fm_bufs b;
	struct tu_rng r;
	int16_t *gx = malloc(FM_BUF_BYTES), *gh = malloc(FM_BUF_BYTES);
	int16_t *c = malloc(FM_BUF_BYTES), *cexp = malloc(FM_BUF_BYTES);
	int16_t *cgot = malloc(FM_BUF_BYTES);
	int8_t *h = malloc(FM_BUF_BYTES), *hexp = malloc(FM_BUF_BYTES);
	uint8_t *img = malloc(FM_BUF_BYTES);
	const uint32_t max_hidden = FM_BUF_BYTES / 8 - 4;

	assert_true(gx && gh && c && cexp && cgot && h && hexp && img);
	tu_rng_init(&r, tu_seed("fmodel_lstm", 7));
	fm_bufs_map(f, &b);
	for (int it = 0; it < 40; it++) {
		struct circe_hw_desc_lstm d = {
			.opcode = CIRCE_HW_OP_LSTM,
			.flags = tu_rng_range(&r, 0, 3) == 0 ? CIRCE_HW_LSTM_NO_GH : 0,
			.hidden = (uint32_t)tu_rng_range(&r, 1, max_hidden),
			.h_zp = (int32_t)tu_rng_range(&r, -128, 127),
			.h_rq = { (int32_t)tu_rng_range(&r, 1 << 30, INT32_MAX),
				  (int32_t)tu_rng_range(&r, -26, -20) },
			.gx_va = FM_BUF_VA(FM_GX) + 2 * (uint64_t)tu_rng_range(&r, 0, 3),
			.gh_va = FM_BUF_VA(FM_GH),
			.c_in_va = FM_BUF_VA(FM_CIN),
			.c_out_va = FM_BUF_VA(FM_COUT),
			.h_va = FM_BUF_VA(FM_H) + (uint64_t)tu_rng_range(&r, 0, 5),
		};
		bool in_place = tu_rng_range(&r, 0, 1);
		size_t n = d.hidden;

		if (in_place)
			d.c_out_va = d.c_in_va;
		for (size_t i = 0; i < 4 * n; i++) {
			/* wide: both saturation and the table's far end */
			gx[i] = (int16_t)tu_rng_range(&r, -40000, 40000) / 2;
			gh[i] = (int16_t)tu_rng_range(&r, INT16_MIN, INT16_MAX);
		}
		for (size_t i = 0; i < n; i++)
			c[i] = (int16_t)tu_rng_range(&r, INT16_MIN, INT16_MAX);
		/* gx at an offset into its buffer */
		memset(img, 0, FM_BUF_BYTES);
		memcpy(img + (d.gx_va - FM_BUF_VA(FM_GX)), gx, 8 * n);
		fm_buf_put(&b, FM_GX, img, FM_BUF_BYTES);
		fm_buf_put(&b, FM_GH, gh, 8 * n);
		fm_buf_put(&b, FM_CIN, c, 2 * n);
		memset(h, 0x5A, FM_BUF_BYTES);
		fm_buf_put(&b, FM_H, h, FM_BUF_BYTES);
		circe_hls_lstm(&d, gx, gh, c, cexp, hexp);

		memset(f->descs, 0, 4096);
		f->descs[0].lstm = d;
		assert_int_equal(fm_run1(f), CIRCE_HW_ST_OK);
		fm_buf_get(&b, in_place ? FM_CIN : FM_COUT, cgot, 2 * n);
		fm_buf_get(&b, FM_H, h, FM_BUF_BYTES);
		if (memcmp(cgot, cexp, 2 * n))
			fail_msg("it %d: hidden %zu: c differs", it, n);
		for (size_t i = 0; i < FM_BUF_BYTES; i++) {
			size_t off = d.h_va - FM_BUF_VA(FM_H);
			int expect = i >= off && i < off + n ? hexp[i - off] : 0x5A;

			if (h[i] != (int8_t)expect)
				fail_msg("it %d: h byte %zu: %d, expected %d", it, i, h[i], expect);
		}
	}
	free(img);
	free(hexp);
	free(h);
	free(cgot);
	free(cexp);
	free(c);
	free(gh);
	free(gx);
}

static void test_lstm_illegal_and_faults(void **state)
{
	struct fm *f = *state;
	struct fm_bufs b;
	struct circe_hw_desc_lstm d0, d;
	uint64_t *vas[] = { &d.gx_va, &d.gh_va, &d.c_in_va, &d.c_out_va, &d.h_va };
	const unsigned nva = sizeof(vas) / sizeof(vas[0]);

	fm_bufs_map(f, &b);
	d0 = (struct circe_hw_desc_lstm){ .opcode = CIRCE_HW_OP_LSTM,
					  .hidden = 100,
					  .h_rq = { 1 << 30, -20 },
					  .gx_va = FM_BUF_VA(0),
					  .gh_va = FM_BUF_VA(1),
					  .c_in_va = FM_BUF_VA(2),
					  .c_out_va = FM_BUF_VA(3),
					  .h_va = FM_BUF_VA(4) };
	/* checks in circe_hls_lstm_check's order, nothing written */
	for (int i = 0; i < 8; i++) {
		uint32_t reason;

		d = d0;
		switch (i) {
		case 0:
			d.flags = 2, reason = CIRCE_HW_ILL_FLAGS;
			break;
		case 1:
			d.hidden = 0, reason = CIRCE_HW_ILL_DIMS;
			break;
		case 2:
			d.hidden = CIRCE_HW_LSTM_MAX_HIDDEN + 1, reason = CIRCE_HW_ILL_DIMS;
			break;
		case 3:
			d.h_zp = -129, reason = CIRCE_HW_ILL_ZERO_POINT;
			break;
		case 4:
			d.h_rq.m0 = -1, reason = CIRCE_HW_ILL_REQUANT;
			break;
		case 5:
			d.h_rq.shift = 31, reason = CIRCE_HW_ILL_REQUANT;
			break;
		case 6:
			d.c_out_va |= 1, reason = CIRCE_HW_ILL_ALIGN;
			break;
		default:
			d.gh_va |= 1, reason = CIRCE_HW_ILL_ALIGN;
			break;
		}
		memset(f->descs, 0, 4096);
		f->descs[0].lstm = d;
		assert_int_equal(fm_run1(f), CIRCE_HW_ST_ILLEGAL);
		assert_int_equal(f->descs[0].lstm.status.detail, reason);
	}
	/* gh is not read with NO_GH: its alignment and mapping do not matter */
	d = d0;
	d.flags = CIRCE_HW_LSTM_NO_GH;
	d.gh_va = FM_HOLE_VA + 1;
	memset(f->descs, 0, 4096);
	f->descs[0].lstm = d;
	assert_int_equal(fm_run1(f), CIRCE_HW_ST_OK);
	assert_int_equal(fm_perf(f, CIRCE_PERF_MACS), 0);
	/* access order gx, gh, c_in, c_out, h: the earlier of two bad
	 * buffers is reported */
	for (unsigned i = 0; i < nva; i++)
		for (unsigned j = i; j < nva; j++) {
			d = d0;
			*vas[i] = FM_HOLE_VA + 0x10000ull * i;
			*vas[j] = FM_HOLE_VA + 0x10000ull * j;
			memset(f->descs, 0, 4096);
			f->descs[0].lstm = d;
			fm_run1_fault(f, *vas[i], i >= 3 ? CIRCE_HW_FAULT_WRITE : 0);
		}
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
		FM_TEST(test_circ_random),
		FM_TEST(test_circ_illegal),
		FM_TEST(test_circ_fault_order),
		FM_TEST(test_lstm_random),
		FM_TEST(test_lstm_illegal_and_faults),
	};

	return cmocka_run_group_tests_name("fmodel", tests, NULL, NULL);
}
