// SPDX-License-Identifier: Apache-2.0
//
// Bench of circe_ctrl_regs, the s_axi_control register block, against a
// model of sim/fmodel/fmodel.c's register semantics written from
// include/circe/hw.h and docs/driver.md. The bench is the AXI4-Lite master,
// the command processor (start_o / done_i with a random status), the MMU
// (invalidation handshake with random delays, a fault-queue head, fault
// answers) and the source of every performance event, all random per cycle.
// Every register read is compared with the model at the cycle the read is
// taken. $CIRCE_SEED overrides the fixed seed ("# seed tb_regs = N").
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
// cmocka 1.1 has no C++ linkage guards of its own.
extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <verilated.h>

#include "Vcirce_ctrl_regs.h"
#include "circe/hw.h"

namespace
{

// ---- configuration: the module's defaults (sim/benches/tb_regs.mk) ----
constexpr unsigned kAsids = CIRCE_HW_DEFAULT_NUM_ASIDS;
constexpr unsigned kPorts = 2;
constexpr unsigned kWalkers = CIRCE_HW_DEFAULT_WALKERS;
constexpr unsigned kCoreReset = 4;
constexpr uint64_t kFixedSeed = 0x5eed0007;
constexpr unsigned kRandomOps = 200000;
constexpr uint64_t kAxilTimeout = 1000;

// Verilator puts wide ports (> 64 bits) in 32-bit words.
uint64_t wide64(const VlWide<kAsids * 2> &w, unsigned idx)
{
	return uint64_t(w[2 * idx]) | uint64_t(w[2 * idx + 1]) << 32;
}

// The register file as sim/fmodel has it (what the host can observe).
struct Model {
	bool start_pend = false, active = false, ap_done = false, ap_ready = false;
	uint32_t gie = 0, ier = 0, isr = 0;
	uint32_t mmu_mode = 0; // MMU_CTRL: kept across RESET, like the roots
	uint64_t cmd_va = 0;
	uint32_t cmd_count = 0, asid = 0, job_asid = 0;
	uint32_t st_code = CIRCE_HW_ST_PENDING, err_index = 0;
	uint64_t err_va = 0;
	uint32_t pt_sel = 0, pt_hi = 0;
	uint64_t root[kAsids] = {};
	bool root_valid[kAsids] = {};
	uint64_t inv_va = 0;
	uint32_t inv_pages = 0, inv_ack = 0;
	uint64_t perf[CIRCE_PERF_COUNT] = {};
};

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vcirce_ctrl_regs> top;
	std::mt19937_64 rng;
	Model m;
	uint64_t cycle = 0;

	// AXI4-Lite master
	bool aw = false, w = false, b = false, ar = false, r = false;
	uint16_t addr = 0;
	uint32_t data = 0;
	uint8_t strb = 0xF, resp = 0;

	// command processor side
	unsigned job_left = 0; // cycles until done_i, 0 = no job here
	bool jobs_end = true;  // false: a started job never ends (a hang)
	uint64_t job_start_cycle = 0;

	// MMU side
	unsigned inv_delay = 0; // cycles before inv_ready
	unsigned inv_busy = 0;	// cycles before inv_done (0 = none)
	bool inv_random = true; // random delays vs. immediate
	bool fault_valid = false;
	uint64_t fault_va = 0;
	uint32_t fault_flags = 0;
	uint16_t fault_asid = 0;
	uint32_t fresp_seen = 0, fresp_count = 0;
	bool events = true; // random perf events

	// the read under way: value the model predicts at the AR handshake
	uint32_t expect = 0;
	bool expect_set = false;

	// the write under way: the block performs it the cycle after both AW
	// and W were taken; the model applies it in that cycle, before the
	// cycle's events (as the RTL: events win over a clear)
	int64_t aw_hs = -1, w_hs = -1;
	bool wr_model = false; // a full-word write the model still has to apply
	uint32_t wr_off = 0, wr_val = 0;
	int64_t force_fault = -1;  // cycle of a forced fault event
	int64_t performed = -1;	   // cycle the last write was performed
	int64_t first_bvalid = -1; // cycle the write's response was first seen

	explicit Bench(uint64_t seed) : ctx(new VerilatedContext), rng(seed)
	{
		ctx->fatalOnError(false);
		top.reset(new Vcirce_ctrl_regs(ctx.get(), "tb_regs"));
		top->rst_ni = 0;
		for (int i = 0; i < 4; i++)
			tick();
		top->rst_ni = 1;
		tick();
	}
	~Bench()
	{
		top->final();
	}

	unsigned rnd(unsigned n)
	{
		return unsigned(rng() % n);
	}

	// ---- the model's view of a read at this cycle (no side effects) ----
	uint32_t model_read(uint32_t off) const
	{
		bool busy = m.start_pend || m.active;

		if (off >= CIRCE_REG_PERF_BASE &&
		    off < CIRCE_REG_PERF_BASE + 8u * CIRCE_PERF_COUNT) {
			uint64_t c = m.perf[(off - CIRCE_REG_PERF_BASE) / 8];
			return (off & 4) ? uint32_t(c >> 32) : uint32_t(c);
		}
		switch (off) {
		case CIRCE_REG_CTRL:
			return (m.start_pend ? CIRCE_HW_CTRL_AP_START : 0) |
			       (m.ap_done ? CIRCE_HW_CTRL_AP_DONE : 0) |
			       (busy ? 0 : CIRCE_HW_CTRL_AP_IDLE) |
			       (m.ap_ready ? CIRCE_HW_CTRL_AP_READY : 0);
		case CIRCE_REG_GIE:
			return m.gie;
		case CIRCE_REG_MMU_CTRL:
			return m.mmu_mode;
		case CIRCE_REG_IER:
			return m.ier;
		case CIRCE_REG_ISR:
			return m.isr;
		case CIRCE_REG_CMD_VA_LO:
			return uint32_t(m.cmd_va);
		case CIRCE_REG_CMD_VA_HI:
			return uint32_t(m.cmd_va >> 32);
		case CIRCE_REG_CMD_COUNT:
			return m.cmd_count;
		case CIRCE_REG_ASID:
			return m.asid;
		case CIRCE_REG_MAGIC:
			return CIRCE_HW_MAGIC;
		case CIRCE_REG_VERSION:
			return CIRCE_HW_VERSION;
		case CIRCE_REG_ARRAY:
			return CIRCE_HW_DEFAULT_ARRAY_ROWS | CIRCE_HW_DEFAULT_ARRAY_COLS << 8;
		case CIRCE_REG_TLB_L1:
			return CIRCE_HW_DEFAULT_TLB_L1_ENTRIES;
		case CIRCE_REG_TLB_L2:
			return CIRCE_HW_DEFAULT_TLB_L2_SETS | CIRCE_HW_DEFAULT_TLB_L2_WAYS << 16;
		case CIRCE_REG_NUM_ASIDS:
			return kAsids;
		case CIRCE_REG_FEATURES:
			return CIRCE_HW_FEAT_GEMM | CIRCE_HW_FEAT_INT4 | CIRCE_HW_FEAT_OUT16 |
			       CIRCE_HW_FEAT_CIRC | CIRCE_HW_FEAT_LSTM |
			       CIRCE_HW_FEAT_CYCLES | CIRCE_HW_FEAT_MEMENG |
			       CIRCE_HW_FEAT_DEMAND_PAGING | CIRCE_HW_FEAT_TLB_L2;
		case CIRCE_REG_WALKERS:
			return CIRCE_HW_DEFAULT_WALKERS;
		case CIRCE_REG_STATUS:
			return m.st_code | (busy ? CIRCE_HW_STATUS_BUSY : 0) |
			       (fault_valid ? CIRCE_HW_STATUS_FAULT_WAIT : 0);
		case CIRCE_REG_ERR_INDEX:
			return m.err_index;
		case CIRCE_REG_ERR_VA_LO:
			return uint32_t(m.err_va);
		case CIRCE_REG_ERR_VA_HI:
			return uint32_t(m.err_va >> 32);
		case CIRCE_REG_PT_ASID_SEL:
			return m.pt_sel;
		case CIRCE_REG_PT_ROOT_LO:
			if (m.pt_sel >= kAsids)
				return 0;
			return uint32_t(m.root[m.pt_sel]) | (m.root_valid[m.pt_sel] ? 1u : 0u);
		case CIRCE_REG_PT_ROOT_HI:
			return m.pt_sel >= kAsids ? 0 : uint32_t(m.root[m.pt_sel] >> 32);
		case CIRCE_REG_INV_VA_LO:
			return uint32_t(m.inv_va);
		case CIRCE_REG_INV_VA_HI:
			return uint32_t(m.inv_va >> 32);
		case CIRCE_REG_INV_PAGES:
			return m.inv_pages;
		case CIRCE_REG_INV_ACK:
			return m.inv_ack;
		case CIRCE_REG_FAULT_STATUS:
			return fault_valid ? (CIRCE_HW_FAULT_PENDING | fault_flags |
					      uint32_t(fault_asid) << CIRCE_HW_FAULT_ASID_SHIFT)
					   : 0;
		case CIRCE_REG_FAULT_VA_LO:
			return fault_valid ? uint32_t(fault_va) : 0;
		case CIRCE_REG_FAULT_VA_HI:
			return fault_valid ? uint32_t(fault_va >> 32) : 0;
		default:
			return 0;
		}
	}

	// ---- one clock cycle ----
	void tick()
	{
		Vcirce_ctrl_regs &t = *top;
		uint32_t ev_macs = 0;
		bool ev_compute = false, ev_desc = false, ev_walk = false;
		bool ev_fault = false, ev_line = false, done = false, ev_l2h = false, ev_l2m = false;
		unsigned ev_walk_cycle = 0, ev_pte = 0, ev_wc = 0; // per walker
		unsigned ev_rd = 0, ev_wr = 0, hit = 0, miss = 0, stall = 0;

		// master outputs
		t.s_awvalid_i = aw;
		t.s_awaddr_i = addr;
		t.s_wvalid_i = w;
		t.s_wdata_i = data;
		t.s_wstrb_i = strb;
		t.s_bready_i = b && rnd(4) != 0;
		t.s_arvalid_i = ar;
		t.s_araddr_i = addr;
		t.s_rready_i = r && rnd(4) != 0;

		// command processor: a job ends job_left cycles after its start
		if (jobs_end && job_left && --job_left == 0) {
			static const uint8_t codes[] = { CIRCE_HW_ST_OK, CIRCE_HW_ST_FAULT,
							 CIRCE_HW_ST_BUS_ERROR,
							 CIRCE_HW_ST_ILLEGAL };
			done = true;
			t.status_i = codes[rnd(4)];
			t.err_index_i = uint32_t(rng());
			t.err_va_i = rng();
		}
		t.done_i = done;

		// MMU: invalidation handshake and completion
		t.inv_ready_i = t.inv_valid_o && (inv_random ? rnd(3) == 0 : true) && !inv_busy;
		t.inv_done_i = inv_busy == 1;

		// MMU: fault head
		t.fault_valid_i = fault_valid;
		t.fault_va_i = fault_va;
		t.fault_flags_i = fault_flags;
		t.fault_asid_i = fault_asid;

		if (events && t.core_rst_no) {
			ev_compute = rnd(2);
			ev_macs = rnd(3) ? 0 : uint32_t(rng());
			ev_desc = rnd(8) == 0;
			ev_rd = rnd(65);
			ev_wr = rnd(65);
			hit = rnd(1 << kPorts);
			miss = rnd(1 << kPorts);
			stall = rnd(1 << kPorts);
			ev_walk = rnd(4) == 0;
			ev_walk_cycle = rnd(1 << kWalkers);
			ev_fault = rnd(32) == 0;
			ev_pte = rnd(1 << kWalkers);
			ev_wc = ev_pte & rnd(1 << kWalkers);
			ev_l2h = rnd(4) == 0;
			ev_l2m = !ev_l2h && rnd(4) == 0;
			ev_line = rnd(4) == 0;
		}
		if (int64_t(cycle) == force_fault)
			ev_fault = true;
		t.perf_compute_i = ev_compute;
		t.perf_macs_i = ev_macs;
		t.perf_desc_i = ev_desc;
		t.perf_rd_bytes_i = ev_rd;
		t.perf_wr_bytes_i = ev_wr;
		t.perf_l1_hit_i = hit;
		t.perf_l1_miss_i = miss;
		t.perf_stall_i = stall;
		t.perf_walk_i = ev_walk;
		t.perf_walk_cycle_i = ev_walk_cycle;
		t.perf_fault_i = ev_fault;
		t.perf_pte_read_i = ev_pte;
		t.perf_wc_hit_i = ev_wc;
		t.perf_l2_hit_i = ev_l2h;
		t.perf_l2_miss_i = ev_l2m;
		t.perf_line_read_i = ev_line;

		t.clk_i = 0;
		t.eval();

		// ---- sample: what the edge takes, in the block's order ----
		bool busy = m.start_pend || m.active; // state during this cycle
		bool ar_take = ar && t.s_arready_o;
		if (ar_take) {
			expect = model_read(addr);
			expect_set = true;
			if (addr == CIRCE_REG_CTRL) { // clear on read
				m.ap_done = false;
				m.ap_ready = false;
			}
		}
		bool reset_now = false;
		if (wr_model && aw_hs >= 0 && w_hs >= 0 &&
		    int64_t(cycle) == std::max(aw_hs, w_hs) + 1) {
			// RESET wins over the cycle's events: applied below
			reset_now = wr_off == CIRCE_REG_RESET && (wr_val & 1);
			performed = int64_t(cycle);
			if (!reset_now)
				model_write(wr_off, wr_val);
			wr_model = false;
		}
		if (t.start_o) {
			assert_true(m.start_pend);
			assert_false(m.active);
			m.start_pend = false;
			m.active = true;
			job_left = 1 + rnd(40);
			job_start_cycle = cycle;
			assert_int_equal(t.asid_o, m.job_asid);
			assert_int_equal(t.cmd_va_o, m.cmd_va);
			assert_int_equal(t.cmd_count_o, m.cmd_count);
		}
		if (done) {
			assert_true(m.active);
			m.active = false;
			m.st_code = t.status_i;
			m.err_index = t.err_index_i;
			m.err_va = t.err_va_i;
			m.ap_done = m.ap_ready = true;
		}
		bool inv_open = t.inv_valid_o || inv_busy; // before this cycle's edge
		if (t.inv_valid_o && t.inv_ready_i)
			inv_busy = inv_random ? 1 + rnd(6) : 1;
		else if (inv_busy)
			inv_busy--;
		if (t.inv_done_i && !reset_now)
			m.inv_ack++;
		if (t.fault_resp_valid_o) {
			fresp_seen = t.fault_resp_o;
			fresp_count++;
		}

		// counters take this cycle's events
		if (busy)
			m.perf[CIRCE_PERF_CYCLES]++;
		m.perf[CIRCE_PERF_COMPUTE_CYCLES] += ev_compute;
		m.perf[CIRCE_PERF_MACS] += ev_macs;
		m.perf[CIRCE_PERF_DMA_RD_BYTES] += ev_rd + (ev_line ? CIRCE_HW_AXI_DATA_BYTES : 0);
		m.perf[CIRCE_PERF_DMA_WR_BYTES] += ev_wr;
		m.perf[CIRCE_PERF_TLB_L1_HITS] += unsigned(__builtin_popcount(hit));
		m.perf[CIRCE_PERF_TLB_L1_MISSES] += unsigned(__builtin_popcount(miss));
		m.perf[CIRCE_PERF_WALKS] += ev_walk;
		m.perf[CIRCE_PERF_WALK_CYCLES] += unsigned(__builtin_popcount(ev_walk_cycle));
		m.perf[CIRCE_PERF_TLB_L2_HITS] += ev_l2h;
		m.perf[CIRCE_PERF_TLB_L2_MISSES] += ev_l2m;
		m.perf[CIRCE_PERF_FAULTS] += ev_fault;
		m.perf[CIRCE_PERF_STALL_CYCLES] += unsigned(__builtin_popcount(stall));
		m.perf[CIRCE_PERF_DESCRIPTORS] += ev_desc;
		m.perf[CIRCE_PERF_PTE_READS] += unsigned(__builtin_popcount(ev_pte));
		m.perf[CIRCE_PERF_WALK_CACHE_HITS] += unsigned(__builtin_popcount(ev_wc));
		if (done)
			m.isr |= CIRCE_HW_IRQ_DONE;
		if (ev_fault)
			m.isr |= CIRCE_HW_IRQ_FAULT;
		if (reset_now)
			model_reset(busy, inv_open);

		// master handshakes
		if (aw && t.s_awready_o) {
			aw = false;
			aw_hs = int64_t(cycle);
		}
		if (w && t.s_wready_o) {
			w = false;
			w_hs = int64_t(cycle);
		}
		if (b && t.s_bvalid_o && first_bvalid < 0)
			first_bvalid = int64_t(cycle);
		if (b && t.s_bready_i && t.s_bvalid_o) {
			b = false;
			resp = t.s_bresp_o;
		}
		if (ar_take)
			ar = false;
		if (r && t.s_rready_i && t.s_rvalid_o) {
			r = false;
			resp = t.s_rresp_o;
			data = t.s_rdata_o;
		}

		t.clk_i = 1;
		t.eval();
		cycle++;
		assert_false(ctx->gotError());
		// the interrupt is a function of the (new) state
		assert_int_equal(t.interrupt_o, (m.gie & 1) && (m.isr & m.ier) ? 1 : 0);
		assert_int_equal(t.mmu_mode_o, m.mmu_mode);
	}

	void wait_idle()
	{
		uint64_t start = cycle;
		while (aw || w || b || ar || r) {
			assert_true(cycle - start < kAxilTimeout);
			tick();
		}
	}

	uint32_t read(uint32_t off)
	{
		addr = uint16_t(off);
		ar = r = true;
		expect_set = false;
		wait_idle();
		assert_true(expect_set);
		assert_int_equal(resp, 0);
		if (data != expect)
			fail_msg("read 0x%03x at cycle %" PRIu64 ": 0x%08x, model 0x%08x", off,
				 cycle, data, expect);
		return data;
	}

	// Start a write; the model applies it in the cycle the block performs
	// it (see tick).
	void start_write(uint32_t off, uint32_t val, uint8_t wstrb = 0xF)
	{
		addr = uint16_t(off);
		data = val;
		strb = wstrb;
		aw = w = b = true;
		aw_hs = w_hs = first_bvalid = -1;
		wr_model = wstrb == 0xF;
		wr_off = off;
		wr_val = val;
	}

	void write(uint32_t off, uint32_t val, uint8_t wstrb = 0xF)
	{
		start_write(off, val, wstrb);
		wait_idle();
		strb = 0xF;
		assert_false(wr_model);
		assert_int_equal(resp, wstrb == 0xF ? 0 : 2); // partial: SLVERR, no change
	}

	// RESET: the datapath (the bench's command processor and MMU) restarts,
	// the job ends with STATUS RESET, ISR / ap_done / counters clear, an
	// invalidation in progress counts as done.
	void model_reset(bool busy, bool inv_open)
	{
		if (busy) {
			m.st_code = CIRCE_HW_ST_RESET;
			m.err_index = 0;
			m.err_va = 0;
		}
		m.start_pend = m.active = false;
		m.isr = 0;
		m.ap_done = m.ap_ready = false;
		for (uint64_t &c : m.perf)
			c = 0;
		if (inv_open)
			m.inv_ack++;
		job_left = 0;
		inv_busy = 0;
	}

	void model_write(uint32_t off, uint32_t val)
	{
		switch (off) {
		case CIRCE_REG_CTRL:
			if ((val & CIRCE_HW_CTRL_AP_START) && !m.start_pend && !m.active) {
				m.start_pend = true;
				m.ap_done = m.ap_ready = false;
				m.st_code = CIRCE_HW_ST_PENDING;
				m.err_index = 0;
				m.err_va = 0;
				m.job_asid = m.asid;
			}
			break;
		case CIRCE_REG_MMU_CTRL:
			m.mmu_mode = val & CIRCE_HW_MMU_MODE_MASK;
			break;
		case CIRCE_REG_GIE:
			m.gie = val & 1;
			break;
		case CIRCE_REG_IER:
			m.ier = val & 3;
			break;
		case CIRCE_REG_ISR:
			m.isr &= ~val;
			break;
		case CIRCE_REG_CMD_VA_LO:
			m.cmd_va = (m.cmd_va & ~0xFFFFFFFFull) | val;
			break;
		case CIRCE_REG_CMD_VA_HI:
			m.cmd_va = (m.cmd_va & 0xFFFFFFFFull) | uint64_t(val) << 32;
			break;
		case CIRCE_REG_CMD_COUNT:
			m.cmd_count = val;
			break;
		case CIRCE_REG_ASID:
			m.asid = val;
			break;
		case CIRCE_REG_PT_ASID_SEL:
			m.pt_sel = val;
			break;
		case CIRCE_REG_PT_ROOT_HI:
			m.pt_hi = val;
			break;
		case CIRCE_REG_PT_ROOT_LO:
			if (m.pt_sel < kAsids) {
				m.root[m.pt_sel] = uint64_t(m.pt_hi) << 32 | (val & ~0xFFFu);
				m.root_valid[m.pt_sel] = val & 1;
			}
			break;
		case CIRCE_REG_INV_VA_LO:
			m.inv_va = (m.inv_va & ~0xFFFFFFFFull) | val;
			break;
		case CIRCE_REG_INV_VA_HI:
			m.inv_va = (m.inv_va & 0xFFFFFFFFull) | uint64_t(val) << 32;
			break;
		case CIRCE_REG_INV_PAGES:
			m.inv_pages = val;
			break;
		case CIRCE_REG_PERF_CTRL:
			if (val & 1)
				for (uint64_t &c : m.perf)
					c = 0;
			break;
		default:
			break;
		}
	}

	void check_roots()
	{
		const Vcirce_ctrl_regs &t = *top;
		for (unsigned a = 0; a < kAsids; a++) {
			assert_int_equal((t.pt_root_valid_o >> a) & 1, m.root_valid[a]);
			if (m.root_valid[a])
				assert_int_equal(wide64(t.pt_root_o, a), m.root[a]);
		}
	}
};

uint64_t bench_seed(void **state)
{
	return *static_cast<uint64_t *>(*state);
}

// ---- tests ------------------------------------------------------------

// Reset values, the ID block and unassigned offsets.
void test_reset_and_id(void **state)
{
	Bench tb(bench_seed(state));

	tb.events = false;
	for (uint32_t off = 0; off < 0x200; off += 4)
		tb.read(off);
	tb.read(0xFFC);
	// write-only registers read 0, read-only ones ignore writes
	tb.write(CIRCE_REG_MAGIC, 0x1234);
	assert_int_equal(tb.read(CIRCE_REG_MAGIC), CIRCE_HW_MAGIC);
	tb.write(CIRCE_REG_STATUS, 0xFFFF);
	tb.read(CIRCE_REG_STATUS);
	tb.write(0x400, 5);
	assert_int_equal(tb.read(0x400), 0);
	// a partial write changes nothing and says so
	tb.write(CIRCE_REG_CMD_COUNT, 77, 0x3);
	assert_int_equal(tb.read(CIRCE_REG_CMD_COUNT), 0);
}

// Random mix of register accesses, jobs, invalidations and faults, with
// random performance events every cycle.
void test_random(void **state)
{
	Bench tb(bench_seed(state));
	static const uint32_t rw[] = {
		CIRCE_REG_GIE,	      CIRCE_REG_IER,	     CIRCE_REG_ISR,
		CIRCE_REG_CMD_VA_LO,  CIRCE_REG_CMD_VA_HI,   CIRCE_REG_CMD_COUNT,
		CIRCE_REG_ASID,	      CIRCE_REG_PT_ASID_SEL, CIRCE_REG_PT_ROOT_HI,
		CIRCE_REG_PT_ROOT_LO, CIRCE_REG_INV_VA_LO,   CIRCE_REG_INV_VA_HI,
		CIRCE_REG_INV_PAGES,  CIRCE_REG_MMU_CTRL,
	};

	for (unsigned i = 0; i < kRandomOps; i++) {
		unsigned op = tb.rnd(16);

		if (op < 7) {
			uint32_t off = tb.rnd(2) ? rw[tb.rnd(sizeof(rw) / sizeof(rw[0]))]
						 : 4 * tb.rnd(0x180 / 4);
			tb.read(off);
		} else if (op < 11) {
			uint32_t off = rw[tb.rnd(sizeof(rw) / sizeof(rw[0]))];
			uint32_t val = uint32_t(tb.rng());

			if (off == CIRCE_REG_PT_ASID_SEL)
				val = tb.rnd(kAsids + 2);
			tb.write(off, val);
		} else if (op == 11) {
			// start a job (ignored while one runs); the ASID latched
			tb.write(CIRCE_REG_ASID, tb.rnd(kAsids));
			tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
		} else if (op == 12) {
			// invalidate and wait for the acknowledge
			uint32_t before = tb.m.inv_ack;
			uint32_t cmd = uint32_t(tb.rng());

			tb.write(CIRCE_REG_INV_CMD, cmd);
			assert_int_equal(tb.top->inv_type_o, cmd & 3);
			assert_int_equal(tb.top->inv_asid_o, cmd >> 16);
			assert_int_equal(tb.top->inv_va_o, tb.m.inv_va);
			assert_int_equal(tb.top->inv_pages_o, tb.m.inv_pages);
			while (tb.read(CIRCE_REG_INV_ACK) == before)
				;
		} else if (op == 13) {
			// a new fault head, or none
			tb.fault_valid = tb.rnd(2);
			tb.fault_va = tb.rng();
			tb.fault_flags = uint32_t(tb.rng()) & 0x1E;
			tb.fault_asid = uint16_t(tb.rng());
			tb.tick();
		} else if (op == 14) {
			// answers: only RESUME / ABORT with a head reach the MMU
			uint32_t vals[] = { CIRCE_HW_FAULT_RESP_RESUME, CIRCE_HW_FAULT_RESP_ABORT,
					    0, 3, uint32_t(tb.rng()) };
			uint32_t v = vals[tb.rnd(5)];
			uint32_t n = tb.fresp_count;
			bool take = tb.fault_valid && (v == 1 || v == 2);

			tb.write(CIRCE_REG_FAULT_RESP, v);
			for (int c = 0; c < 3; c++)
				tb.tick();
			assert_int_equal(tb.fresp_count, n + (take ? 1 : 0));
			if (take)
				assert_int_equal(tb.fresp_seen, v);
		} else {
			for (unsigned c = tb.rnd(30); c; c--)
				tb.tick();
		}
		tb.check_roots();
	}
}

// A job end: CTRL clears on read, ISR keeps done, interrupt follows GIE/IER,
// STATUS / ERR_* latched, CYCLES counts the busy cycles.
void test_job(void **state)
{
	Bench tb(bench_seed(state));

	tb.events = false;
	tb.write(CIRCE_REG_GIE, 1);
	tb.write(CIRCE_REG_IER, CIRCE_HW_IRQ_DONE);
	tb.write(CIRCE_REG_CMD_VA_LO, 0x1000);
	tb.write(CIRCE_REG_CMD_COUNT, 3);
	tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
	assert_true(tb.read(CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);
	// a second start while busy is ignored
	tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
	while (tb.read(CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY)
		;
	assert_true(tb.top->interrupt_o);
	uint32_t ctrl = tb.read(CIRCE_REG_CTRL);
	assert_true(ctrl & CIRCE_HW_CTRL_AP_DONE);
	assert_true(ctrl & CIRCE_HW_CTRL_AP_IDLE);
	ctrl = tb.read(CIRCE_REG_CTRL);
	assert_false(ctrl & CIRCE_HW_CTRL_AP_DONE);
	assert_int_equal(tb.read(CIRCE_REG_ISR), CIRCE_HW_IRQ_DONE);
	tb.read(CIRCE_REG_ERR_INDEX);
	tb.read(CIRCE_REG_ERR_VA_HI);
	assert_true(tb.m.perf[CIRCE_PERF_CYCLES] >= 2);
	tb.read(CIRCE_REG_PERF_BASE + 8 * CIRCE_PERF_CYCLES);
	tb.write(CIRCE_REG_ISR, CIRCE_HW_IRQ_DONE);
	assert_false(tb.top->interrupt_o);
}

// RESET: datapath reset for CoreResetCycles, B after it, the job's STATUS,
// ISR and counters cleared, roots and enables kept, an invalidation in
// flight counted as done.
void test_reset(void **state)
{
	Bench tb(bench_seed(state));

	tb.write(CIRCE_REG_GIE, 1);
	tb.write(CIRCE_REG_IER, 3);
	tb.write(CIRCE_REG_PT_ASID_SEL, 3);
	tb.write(CIRCE_REG_PT_ROOT_HI, 0x1234);
	tb.write(CIRCE_REG_PT_ROOT_LO, 0xABCDE001);
	for (int c = 0; c < 50; c++)
		tb.tick();
	tb.events = false;
	// a job that never ends, an invalidation in flight (or done)
	tb.jobs_end = false;
	tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
	tb.write(CIRCE_REG_INV_CMD, CIRCE_HW_INV_ALL);
	assert_true(tb.read(CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY);

	// the RESET write by hand: count the datapath reset cycles
	uint64_t low = 0;
	tb.start_write(CIRCE_REG_RESET, 1);
	while (tb.aw || tb.w || tb.b) {
		tb.tick();
		low += tb.top->core_rst_no ? 0 : 1;
		// the response comes only after the datapath reset
		if (tb.b && tb.top->s_bvalid_o)
			assert_true(tb.top->core_rst_no);
	}
	assert_int_equal(low, kCoreReset);
	assert_int_equal(tb.resp, 0);
	tb.jobs_end = true;
	assert_int_equal(tb.read(CIRCE_REG_STATUS), CIRCE_HW_ST_RESET);
	assert_int_equal(tb.read(CIRCE_REG_INV_ACK), 1);
	tb.read(CIRCE_REG_ISR);
	assert_int_equal(tb.read(CIRCE_REG_GIE), 1);
	assert_int_equal(tb.read(CIRCE_REG_IER), 3);
	for (unsigned i = 0; i < CIRCE_PERF_COUNT; i++)
		assert_int_equal(tb.read(CIRCE_REG_PERF_BASE + 8 * i), 0);
	tb.check_roots();
	assert_int_equal(tb.read(CIRCE_REG_PT_ROOT_LO), 0xABCDE001);
	assert_int_equal(tb.read(CIRCE_REG_PT_ROOT_HI), 0x1234);
	// and the device runs the next job
	tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
	while (tb.read(CIRCE_REG_STATUS) & CIRCE_HW_STATUS_BUSY)
		;
	// RESET while idle keeps the last job's STATUS
	uint32_t st = tb.read(CIRCE_REG_STATUS);
	tb.write(CIRCE_REG_RESET, 1);
	assert_int_equal(tb.read(CIRCE_REG_STATUS), st);
	// and RESET with events on every cycle: the counters restart from 0
	tb.events = true;
	for (int i = 0; i < 20; i++) {
		tb.write(CIRCE_REG_RESET, 1);
		for (unsigned r = 0; r < CIRCE_PERF_COUNT; r++)
			tb.read(CIRCE_REG_PERF_BASE + 8 * r);
	}
	tb.read(CIRCE_REG_CTRL);
}

// An event in the cycle the block performs a write-1-to-clear survives it
// (the driver clears ISR.FAULT, then drains the queue: no fault is lost);
// one cycle earlier it is cleared. The model applies the write in that
// cycle before the events, so every read checks it.
void test_races(void **state)
{
	Bench tb(bench_seed(state));

	tb.events = false;
	unsigned same = 0, before = 0, after = 0;
	for (int64_t delay = -3; delay < 4; delay++) {
		tb.write(CIRCE_REG_ISR, 3);
		tb.start_write(CIRCE_REG_ISR, CIRCE_HW_IRQ_FAULT);
		tb.force_fault = int64_t(tb.cycle) + 1 + delay;
		tb.wait_idle();
		for (int c = 0; c < 4; c++) // let a late event land
			tb.tick();
		uint32_t isr = tb.read(CIRCE_REG_ISR); // checked against the model
		assert_int_equal(isr, tb.force_fault >= tb.performed ? CIRCE_HW_IRQ_FAULT : 0);
		same += tb.force_fault == tb.performed;
		before += tb.force_fault < tb.performed;
		after += tb.force_fault > tb.performed;
	}
	assert_true(same && before && after);
	// a done in the cycle of a CTRL read stays latched
	for (unsigned delay = 0; delay < 6; delay++) {
		tb.jobs_end = false;
		tb.write(CIRCE_REG_CTRL, CIRCE_HW_CTRL_AP_START);
		tb.tick();
		assert_true(tb.m.active);
		tb.addr = CIRCE_REG_CTRL;
		tb.ar = tb.r = true;
		tb.expect_set = false;
		for (unsigned c = 0; c < delay; c++)
			tb.tick();
		tb.job_left = 1; // done in the next cycle
		tb.jobs_end = true;
		tb.wait_idle();
		tb.read(CIRCE_REG_CTRL);
	}
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	uint64_t seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;

	Verilated::commandArgs(argc, argv);
	printf("# seed tb_regs = %" PRIu64 " (set CIRCE_SEED to change)\n", seed);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_reset_and_id, &seed),
		cmocka_unit_test_prestate(test_job, &seed),
		cmocka_unit_test_prestate(test_reset, &seed),
		cmocka_unit_test_prestate(test_races, &seed),
		cmocka_unit_test_prestate(test_random, &seed),
	};
	return cmocka_run_group_tests_name("tb_regs", tests, NULL, NULL);
}
