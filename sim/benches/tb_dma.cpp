// SPDX-License-Identifier: Apache-2.0
//
// Bench of the DMA path: circe_dma_rd, circe_dma_wr and circe_axi_mux
// (wrapped flat in sim/benches/tb_dma_top.sv) against host memory behind
// the AXI memory model of sim/vsim/axi_mem.h.
//
// The C++ side plays every neighbour of the engines:
// - the MMU: a random page map of 4 KiB VA pages scattered over an IOVA
//   window (some pages answered TrFault or TrBusError, some mapped to IOVAs
//   with no host memory behind them -> DECERR, some with an SLVERR range
//   injected in the memory model), plus one 2 MiB page (page_shift 21);
//   random ready stalls and response delays;
// - the consumer of the read stream and the producer of the write stream,
//   with random gaps and stalls;
// - a page-table walker issuing 8-byte reads with IDs 4..7 through the mux;
// - host memory, reached only through the resolve callback.
// Reads are compared byte for byte (lanes past the end must be zero);
// writes are checked over the whole window, so bytes next to each range
// must be untouched; statuses (code, VA, flags) against a model of the
// first failing page; the memory model checks AXI rules (no burst across
// 4 KiB, stable payloads, WLAST, strobes). Translations and bursts are
// counted exactly on error-free runs. Fixed seed; $CIRCE_SEED overrides.
//
// Invalidation epoch (test_inval): random inv_drop_i pulses; the MMU hands
// out IOVAs tagged with the epoch of the cycle it delivers the answer in
// (bits 55:48; the memory resolves every tag to the same host bytes), as
// circe_mmu answers from the new table after the drop cycle, so each burst
// shows which translation it used: after a drop, only a burst presented
// before it may carry an older tag. old_busy_o is checked every cycle against the bursts in flight that
// were issued (or presented) up to the last drop.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
// cmocka 1.1 has no C++ linkage guards of its own.
extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <verilated.h>

// tb_dma_small.cpp builds this bench again around the smallest engines.
#ifndef CIRCE_TB_DMA_NAME
#define CIRCE_TB_DMA_NAME "tb_dma"
#define CIRCE_TB_DMA_FULL_SIZE 1 // default parameters: bandwidth targets apply
#endif

#include "Vtb_dma_top.h"
#include "circe/hw.h"
#include "sim/vsim/axi_mem.h"

namespace
{

using circe::vsim::AxiMem;
using circe::vsim::AxiMemConfig;
using circe::vsim::AxiPort;

constexpr uint64_t kFixedSeed = 0xd3a5eed1;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kIovaBase = 0x0000100000000000ull; // as the sim platform's window
constexpr unsigned kIovaSlots = 1024;		      // 4 MiB of scattered 4 KiB pages
constexpr uint64_t kHugeSize = 2ull << 20;
constexpr uint64_t kIovaHuge = kIovaBase + 0x40000000ull; // one 2 MiB IOVA page
constexpr uint64_t kVaHuge = 0x00007f0000000000ull;	  // its VA (reads: 1st MiB, writes: 2nd)
static_assert(kIovaHuge % (1ull << 30) == 0 && kVaHuge % (1ull << 30) == 0,
	      "the huge page is also answered as a 1 GiB page");
constexpr uint64_t kVaRd = 0x00007f1234000000ull; // read window
constexpr unsigned kRdPages = 64;
constexpr uint64_t kVaWr = 0x00007f5678000000ull; // write window
constexpr unsigned kWrPages = 96;
constexpr unsigned kWalkIds = 4;
constexpr int kScale = 3; // commands per test, in units of a few hundred
constexpr uint8_t kTrOk = 0, kTrFault = 1, kTrBusError = 2;
constexpr unsigned kTagShift = 48; // epoch tag of an IOVA (test_inval)
constexpr uint64_t kTagMask = 0xffull << kTagShift;
constexpr uint64_t kNoDrop = ~0ull;

enum class Kind { Ok, Fault, TrBus, DecErr, SlvErr };

struct Page {
	Kind kind = Kind::Ok;
	uint64_t iova = 0;   // the 4 KiB IOVA page
	uint32_t flags = 0;  // TrFault flags (without WRITE)
	uint64_t err_lo = 0; // SLVERR/DECERR IOVA range [err_lo, err_hi)
	uint64_t err_hi = 0;
	uint8_t err_resp = 0; // which of the two
};

// What a command must end with. For writes, bytes [va, good_end) are
// certainly written; past it nothing (maybe == false) or maybe some.
struct Expect {
	uint8_t code;
	uint64_t va;
	uint32_t flags;
	uint64_t good_end;
	bool maybe;
};

struct Cmd {
	bool write = false;
	uint64_t va = 0, len = 0;
	Expect exp{};
	std::vector<uint8_t> src; // write data
	uint64_t beats = 0;	  // read beats seen
	bool last = false;	  // read: the last beat was seen
};
using CmdPtr = std::shared_ptr<Cmd>;

// A region where a batch of writes is laid out, disjoint, and checked.
struct WrRegion {
	uint64_t va, size;
};

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vtb_dma_top> top;
	std::mt19937_64 rng;
	AxiMemConfig memcfg;
	std::unique_ptr<AxiMem> mem;

	// host memory and the page map
	std::vector<uint8_t> host, huge;
	std::vector<uint8_t> slot_mapped;
	std::vector<Page> rd_pages, wr_pages;

	uint64_t cycle = 0;
	unsigned failures = 0;

	// knobs
	unsigned mmu_stall_pct = 0, mmu_max_delay = 1, mmu_min_delay = 0;
	unsigned cmd_gap_pct = 0, in_gap_pct = 0, out_stall_pct = 0, sts_stall_pct = 0;
	unsigned walk_pct = 0, walk_rstall_pct = 0;
	bool aborting = false; // RESET statuses are allowed

	// per engine: commands not yet accepted, accepted without status
	struct Side {
		std::deque<CmdPtr> pending, accepted;
		bool presented = false;
		uint64_t done = 0, tr_count = 0, tr_expected = 0, bursts_expected = 0;
		uint64_t by_code[8] = {};
		// MMU
		bool tr_busy = false, tr_ready = false;
		uint64_t tr_due = 0;
		uint8_t tr_status = 0, tr_ps = 0;
		uint64_t tr_iova = 0;
		uint32_t tr_flags = 0;
		uint64_t perf_bytes = 0;
		// write engine: an error ended a command; commands accepted while
		// any accepted command has no status yet are skipped (RESET,
		// nothing written)
		bool skip = false;
		uint64_t skipped = 0;
		// invalidation epoch: the cycles the bursts in flight were first
		// presented (one ID: they complete in this order), the same for
		// the burst on offer, requests after a drop
		std::deque<uint64_t> inflight;
		bool presenting = false;
		uint64_t present_since = 0;
		bool drop_since_req = false;
		uint64_t retranslations = 0, old_pending_fired = 0, old_busy_cycles = 0;
		uint64_t drop_cycle_answers = 0; // TrOk taken in a drop cycle: asked again
	} rd, wr;

	// invalidation epoch (test_inval)
	bool tag_iovas = false;
	unsigned epoch = 0;
	uint64_t last_drop = kNoDrop; // cycle of the last inv_drop_i pulse
	uint64_t next_drop = kNoDrop, drops = 0;
	unsigned drop_min = 0, drop_span = 1;

	// write producer
	std::deque<CmdPtr> prod;
	uint64_t prod_beat = 0;
	bool in_presented = false;

	// read consumer timing
	uint64_t rd_first_beat = 0, rd_last_beat = 0, rd_beats_out = 0;
	uint64_t wr_first_beat = 0, wr_last_beat = 0;

	// walker
	struct WalkReq {
		bool busy = false;
		uint64_t addr = 0;
		uint8_t resp = 0;
		uint8_t data[8] = {};
	} walk[kWalkIds];
	bool walk_presented = false;
	unsigned walk_slot = 0;
	uint64_t walk_done = 0, walk_ars = 0;

	// the write batch being checked
	WrRegion region{};
	std::vector<uint8_t> reg_old, reg_new, reg_mode; // mode 0 old, 1 new, 2 either

	explicit Bench(uint64_t seed) : ctx(new VerilatedContext), rng(seed)
	{
		ctx->fatalOnError(false); // a failed assertion fails the test
		top.reset(new Vtb_dma_top{ ctx.get(), "tb_dma" });

		host.resize(size_t(kIovaSlots) * kPage);
		huge.resize(kHugeSize);
		slot_mapped.assign(kIovaSlots, 0);
		for (auto &x : host)
			x = uint8_t(rng());
		for (auto &x : huge)
			x = uint8_t(rng());

		AxiPort port;
		CIRCE_AXI_PORT_BIND(port, top, m_axi_);
		mem.reset(new AxiMem(memcfg, port, &Bench::resolve, this));
		map_pages(0.0);

		top->clk_i = 0;
		top->rst_ni = 0;
		top->abort_i = 0;
		top->inv_drop_i = 0;
		top->eval();
		for (int i = 0; i < 4; i++) {
			mem->reset();
			top->clk_i = 1;
			top->eval();
			top->clk_i = 0;
			top->eval();
		}
		top->rst_ni = 1;
		top->eval();
	}

	~Bench()
	{
		top->final();
	}

	unsigned rnd(unsigned n)
	{
		return unsigned(rng() % n);
	}

	bool chance(unsigned pct)
	{
		return pct && rnd(100) < pct;
	}

	void failf(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		va_list ap;

		if (failures++ >= 10)
			return;
		va_start(ap, fmt);
		fprintf(stderr, "tb_dma: cycle %" PRIu64 ": ", cycle);
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		va_end(ap);
	}

	// ---- host memory, page map, translation ------------------------------

	static int resolve(void *p, uint64_t iova, size_t len, void **out)
	{
		Bench *b = static_cast<Bench *>(p);

		iova &= ~kTagMask; // every epoch's alias is the same memory
		if (iova >= kIovaHuge && iova + len <= kIovaHuge + kHugeSize) {
			*out = &b->huge[iova - kIovaHuge];
			return 0;
		}
		if (iova < kIovaBase || iova >= kIovaBase + uint64_t(kIovaSlots) * kPage)
			return -EFAULT;
		uint64_t slot = (iova - kIovaBase) / kPage;
		if (!b->slot_mapped[slot] || (iova % kPage) + len > kPage)
			return -EFAULT;
		*out = &b->host[iova - kIovaBase];
		return 0;
	}

	// Scatters the windows' pages over the IOVA slots; a fraction bad of
	// them fail in one of four ways (three without slverr: the memory's
	// error ranges do not know the epoch tags).
	void map_pages(double bad, bool slverr = true)
	{
		unsigned kinds = slverr ? 4 : 3;

		std::vector<unsigned> slots(kIovaSlots);
		unsigned next = 0;

		for (unsigned i = 0; i < kIovaSlots; i++)
			slots[i] = i;
		std::shuffle(slots.begin(), slots.end(), rng);
		slot_mapped.assign(kIovaSlots, 0);
		mem->clear_injections();
		rd_pages.assign(kRdPages, Page());
		wr_pages.assign(kWrPages, Page());
		for (std::vector<Page> *v : { &rd_pages, &wr_pages }) {
			for (Page &p : *v)
				if (std::uniform_real_distribution<double>(0, 1)(rng) < bad)
					p.kind = Kind(1 + rnd(kinds));
			// Every failure kind at least twice in each window.
			for (unsigned k = 1; bad > 0 && k <= kinds; k++)
				for (int i = 0; i < 2; i++)
					(*v)[rnd(unsigned(v->size()))].kind = Kind(k);
			for (Page &p : *v) {
				p.iova = kIovaBase + uint64_t(slots[next++]) * kPage;
				static const uint32_t causes[] = { CIRCE_HW_FAULT_PERM,
								   CIRCE_HW_FAULT_NONCANON,
								   CIRCE_HW_FAULT_NOROOT };
				p.flags = CIRCE_HW_FAULT_PENDING | causes[rnd(3)];
				if (p.kind == Kind::Ok || p.kind == Kind::SlvErr)
					slot_mapped[(p.iova - kIovaBase) / kPage] = 1;
				if (p.kind == Kind::SlvErr) {
					uint64_t a = rnd(64), n = 1 + rnd(16);
					p.err_lo = p.iova + a * 64 - (a ? rnd(64) : 0);
					p.err_hi = std::min(p.iova + kPage,
							    p.iova + (a + n) * 64 - rnd(64));
					p.err_resp = rnd(2) ? circe::vsim::kAxiSlvErr
							    : circe::vsim::kAxiDecErr;
					mem->add_error_range(p.err_lo, p.err_hi,
							     circe::vsim::AxiResp(p.err_resp));
				}
			}
		}
	}

	const Page *page_of(uint64_t va) const
	{
		if (va >= kVaRd && va < kVaRd + kRdPages * kPage)
			return &rd_pages[(va - kVaRd) / kPage];
		if (va >= kVaWr && va < kVaWr + kWrPages * kPage)
			return &wr_pages[(va - kVaWr) / kPage];
		return nullptr;
	}

	bool in_huge(uint64_t va) const
	{
		return va >= kVaHuge && va < kVaHuge + kHugeSize;
	}

	// Host byte behind a VA, or null where no memory backs it.
	uint8_t *host_of(uint64_t va)
	{
		if (in_huge(va))
			return &huge[va - kVaHuge];
		const Page *p = page_of(va);
		if (!p || (p->kind != Kind::Ok && p->kind != Kind::SlvErr))
			return nullptr;
		return &host[p->iova - kIovaBase + va % kPage];
	}

	// What the MMU answers for va (the epoch tag goes on as it is delivered).
	void translate(Side &s, uint64_t va, bool write)
	{
		s.tr_flags = 0;
		s.tr_ps = 12;
		if (in_huge(va)) {
			// kVaHuge and kIovaHuge are 1 GiB aligned: the same linear map
			// answered as a 2 MiB or a 1 GiB page.
			s.tr_status = kTrOk;
			s.tr_ps = (rng() & 1) ? 21 : 30;
			s.tr_iova = kIovaHuge + (va - kVaHuge);
			if (rng() & 1) // the engine must use only the bits above page_shift
				s.tr_iova &= ~((1ull << s.tr_ps) - 1);
			return;
		}
		const Page *p = page_of(va);
		if (!p) {
			failf("translation of 0x%" PRIx64 " outside every window", va);
			s.tr_status = kTrFault;
			s.tr_flags = CIRCE_HW_FAULT_PENDING | CIRCE_HW_FAULT_NONCANON;
			return;
		}
		switch (p->kind) {
		case Kind::Fault:
			s.tr_status = kTrFault;
			s.tr_flags = p->flags | (write ? CIRCE_HW_FAULT_WRITE : 0);
			break;
		case Kind::TrBus:
			s.tr_status = kTrBusError;
			break;
		default:
			s.tr_status = kTrOk;
			s.tr_iova = p->iova + ((rng() & 1) ? va % kPage : 0);
			break;
		}
	}

	// The first failure of a transfer, in VA order, as the engines report it.
	Expect expect(bool write, uint64_t va, uint64_t len) const
	{
		Expect e{ CIRCE_HW_ST_OK, 0, 0, va + len, false };

		if (!len)
			return e;
		for (uint64_t blk = va & ~63ull; blk < va + len; blk += 64) {
			const Page *p = page_of(blk);
			if (!p)
				continue;
			uint64_t at = std::max(va, blk & ~(kPage - 1));
			switch (p->kind) {
			case Kind::Fault:
				return Expect{ CIRCE_HW_ST_FAULT, at,
					       p->flags | (write ? CIRCE_HW_FAULT_WRITE : 0u), at,
					       false };
			case Kind::TrBus:
				return Expect{ CIRCE_HW_ST_BUS_ERROR, at, 0, at, false };
			case Kind::DecErr:
				return Expect{ CIRCE_HW_ST_BUS_ERROR, at, 0, at, true };
			case Kind::SlvErr: {
				uint64_t iova = p->iova + blk % kPage;
				if (iova < p->err_hi && p->err_lo < iova + 64)
					return Expect{ CIRCE_HW_ST_BUS_ERROR, at, 0, at, true };
				break;
			}
			default:
				break;
			}
		}
		return e;
	}

	// Translations and bursts an error-free transfer takes.
	static uint64_t pages_of(uint64_t va, uint64_t len, uint64_t page)
	{
		return len ? (va + len - 1) / page - va / page + 1 : 0;
	}

	// ---- commands ---------------------------------------------------------

	uint64_t rand_len(uint64_t max)
	{
		uint64_t n;
		unsigned r = rnd(10);

		if (r < 4)
			n = 1 + rnd(256);
		else if (r < 7)
			n = 1 + rnd(4096);
		else
			n = 1 + rnd(65536);
		return std::min(n, max);
	}

	CmdPtr make_cmd(bool write, uint64_t va, uint64_t len)
	{
		CmdPtr c = std::make_shared<Cmd>();
		c->write = write;
		c->va = va;
		c->len = len;
		c->exp = expect(write, va, len);
		if (write) {
			c->src.resize(len);
			for (auto &x : c->src)
				x = uint8_t(rng());
		}
		Side &s = write ? wr : rd;
		if (c->exp.code == CIRCE_HW_ST_OK) {
			uint64_t pg = in_huge(va) ? kHugeSize : kPage;
			s.tr_expected += pages_of(va, len, pg);
			s.bursts_expected += pages_of(va, len, kPage);
		}
		return c;
	}

	void queue_read(uint64_t va, uint64_t len)
	{
		rd.pending.push_back(make_cmd(false, va, len));
	}

	// A random read in the read window or the huge page's first half.
	void queue_random_read()
	{
		bool hg = rnd(5) == 0;
		uint64_t base = hg ? kVaHuge : kVaRd;
		uint64_t size = hg ? kHugeSize / 2 : kRdPages * kPage;
		uint64_t len = rnd(40) ? rand_len(65536) : 0;
		queue_read(base + rnd(unsigned(size - len + 1)), len);
	}

	void queue_write(uint64_t va, uint64_t len)
	{
		CmdPtr c = make_cmd(true, va, len);
		wr.pending.push_back(c);
		if (len)
			prod.push_back(c);
	}

	// Starts a write batch: a region whose bytes are all checked at its end.
	void begin_region(bool hg)
	{
		region = hg ? WrRegion{ kVaHuge + kHugeSize / 2, kHugeSize / 2 }
			    : WrRegion{ kVaWr, kWrPages * kPage };
		reg_old.resize(region.size);
		reg_new.assign(region.size, 0);
		reg_mode.assign(region.size, 0);
		for (uint64_t i = 0; i < region.size; i++) {
			uint8_t *h = host_of(region.va + i);
			reg_old[i] = h ? *h : 0;
		}
	}

	// Lays out up to n random writes, disjoint, in the region; returns how
	// many fit.
	unsigned queue_write_batch(unsigned n)
	{
		uint64_t cur = region.va + rnd(300);
		unsigned k = 0;

		for (; k < n; k++) {
			uint64_t len = rand_len(65536);
			if (rnd(40) == 0)
				len = 0;
			if (cur + len > region.va + region.size)
				break;
			queue_write(cur, len);
			cur += len + (rnd(4) ? rnd(300) : 0);
		}
		return k;
	}

	void check_region()
	{
		uint64_t bad = 0;

		for (uint64_t i = 0; i < region.size; i++) {
			uint8_t *h = host_of(region.va + i);
			if (!h)
				continue;
			bool ok = reg_mode[i] == 0   ? *h == reg_old[i]
				  : reg_mode[i] == 1 ? *h == reg_new[i]
						     : (*h == reg_old[i] || *h == reg_new[i]);
			if (!ok && bad++ < 5)
				failf("write region: VA 0x%" PRIx64
				      " holds 0x%02x, want 0x%02x (%s)",
				      region.va + i, *h, reg_mode[i] == 0 ? reg_old[i] : reg_new[i],
				      reg_mode[i] == 0 ? "untouched" : "written");
		}
	}

	// ---- one clock cycle ------------------------------------------------

	void drive_cmd(Side &s, uint8_t *valid, uint64_t *va, uint32_t *bytes)
	{
		if (!s.presented && !s.pending.empty() && !chance(cmd_gap_pct)) {
			s.presented = true;
			*va = s.pending.front()->va;
			*bytes = uint32_t(s.pending.front()->len);
		}
		*valid = s.presented;
	}

	void sample_cmd(Side &s, uint8_t ready, bool skipping = false)
	{
		if (s.presented && ready) {
			CmdPtr c = s.pending.front();
			if (skipping)
				skip_cmd(s, *c);
			s.accepted.push_back(c);
			s.pending.pop_front();
			s.presented = false;
		}
	}

	// A write accepted behind a failed one: the engine neither translates
	// nor writes it, and ends it with RESET.
	void skip_cmd(Side &s, Cmd &c)
	{
		if (c.exp.code == CIRCE_HW_ST_OK) {
			uint64_t pg = in_huge(c.va) ? kHugeSize : kPage;
			s.tr_expected -= pages_of(c.va, c.len, pg);
			s.bursts_expected -= pages_of(c.va, c.len, kPage);
		}
		c.exp = Expect{ CIRCE_HW_ST_RESET, 0, 0, c.va, false };
		s.skipped++;
	}

	void drive_mmu(Side &s, uint8_t *req_ready, uint8_t *rsp_valid, uint64_t *iova,
		       uint8_t *status, uint32_t *flags, uint8_t *ps)
	{
		s.tr_ready = !s.tr_busy && !chance(mmu_stall_pct);
		*req_ready = s.tr_ready;
		*rsp_valid = s.tr_busy && cycle >= s.tr_due;
		*iova = s.tr_iova;
		if (tag_iovas && s.tr_status == kTrOk) // the epoch of the delivery cycle
			*iova |= uint64_t(epoch & 0xff) << kTagShift;
		*status = s.tr_status;
		*flags = s.tr_flags;
		*ps = s.tr_ps;
	}

	void sample_mmu(Side &s, bool write, uint8_t req_valid, uint64_t va, uint8_t req_write,
			uint8_t rsp_valid, uint8_t rsp_ready)
	{
		if (rsp_valid && rsp_ready)
			s.tr_busy = false;
		if (req_valid && s.tr_ready) {
			if (req_write != write)
				failf("%s engine: translation with write = %u",
				      write ? "write" : "read", req_write);
			bool start = false;
			for (const CmdPtr &c : s.accepted)
				start |= c->va == va;
			uint64_t pg = in_huge(va) ? kHugeSize : kPage;
			// After a drop the engine asks again where it stands.
			if (!start && va % pg && !s.drop_since_req)
				failf("%s engine: translation of 0x%" PRIx64
				      " is neither a command's start nor a page start",
				      write ? "write" : "read", va);
			if (s.drop_since_req && !start && va % pg)
				s.retranslations++;
			s.drop_since_req = false;
			translate(s, va, write);
			s.tr_busy = true;
			s.tr_due = cycle + 1 + mmu_min_delay + rnd(mmu_max_delay);
			s.tr_count++;
		}
	}

	void check_status(Side &s, const char *eng, uint8_t code, uint64_t va, uint32_t flags)
	{
		if (s.accepted.empty()) {
			failf("%s engine: status with no command", eng);
			return;
		}
		CmdPtr c = s.accepted.front();
		const Expect &e = c->exp;
		s.accepted.pop_front();
		s.done++;
		s.by_code[code & 7]++;

		if (aborting && code == CIRCE_HW_ST_RESET && e.code != CIRCE_HW_ST_RESET) {
			if (!c->write && c->last)
				failf("%s engine: RESET after the last beat", eng);
		} else if (code != e.code || (code != CIRCE_HW_ST_OK && va != e.va) ||
			   (code == CIRCE_HW_ST_FAULT && flags != e.flags)) {
			failf("%s engine: command va 0x%" PRIx64 " len %" PRIu64
			      ": status %u va 0x%" PRIx64 " flags 0x%x, want %u va 0x%" PRIx64
			      " flags 0x%x",
			      eng, c->va, c->len, code, va, flags, e.code, e.va, e.flags);
		} else if (!c->write && code == CIRCE_HW_ST_OK &&
			   (c->beats != (c->len + 63) / 64 || (c->len && !c->last))) {
			failf("read engine: OK after %" PRIu64 " of %" PRIu64 " beats", c->beats,
			      (c->len + 63) / 64);
		} else if (!c->write && code != CIRCE_HW_ST_OK && c->last) {
			failf("read engine: error status after the last beat");
		}
		if (c->write)
			record_write(*c, code);
	}

	// What a finished write leaves in the checked region.
	void record_write(const Cmd &c, uint8_t code)
	{
		uint64_t good = code == CIRCE_HW_ST_OK ? c.va + c.len : c.exp.good_end;
		// RESET by an abort: maybe written; skipped behind an error: not.
		bool maybe = code == CIRCE_HW_ST_RESET ? c.exp.code != CIRCE_HW_ST_RESET
						       : c.exp.maybe;

		if (code == CIRCE_HW_ST_RESET)
			good = c.va;
		for (uint64_t i = 0; i < c.len; i++) {
			uint64_t va = c.va + i;
			if (va < region.va || va >= region.va + region.size) {
				failf("write outside the checked region");
				return;
			}
			uint64_t o = va - region.va;
			reg_new[o] = c.src[i];
			reg_mode[o] = va < good ? 1 : maybe ? 2 : 0;
		}
	}

	void check_beat()
	{
		if (rd.accepted.empty()) {
			failf("read beat with no command");
			return;
		}
		Cmd &c = *rd.accepted.front();
		uint64_t off = c.beats * 64;
		const uint8_t *d = reinterpret_cast<const uint8_t *>(top->rd_out_data_o.data());

		if (off >= c.len || c.last) {
			failf("read beat past the end of command va 0x%" PRIx64 " len %" PRIu64,
			      c.va, c.len);
			return;
		}
		unsigned n = unsigned(std::min<uint64_t>(64, c.len - off));
		bool last = off + n == c.len;
		if (top->rd_out_bytes_o != n || bool(top->rd_out_last_o) != last)
			failf("read beat %" PRIu64 " of va 0x%" PRIx64 " len %" PRIu64
			      ": bytes %u last %u, want %u %u",
			      c.beats, c.va, c.len, top->rd_out_bytes_o, top->rd_out_last_o, n,
			      last);
		for (unsigned i = 0; i < 64; i++) {
			const uint8_t *h = i < n ? host_of(c.va + off + i) : nullptr;
			if (i < n && !h) {
				failf("read beat carries VA 0x%" PRIx64 " which has no memory",
				      c.va + off + i);
				break;
			}
			uint8_t want = h ? *h : 0;
			if (d[i] != want) {
				failf("read va 0x%" PRIx64 " len %" PRIu64 " beat %" PRIu64
				      " lane %u: 0x%02x, want 0x%02x",
				      c.va, c.len, c.beats, i, d[i], want);
				break;
			}
		}
		c.beats++;
		c.last = last;
		if (!rd_beats_out++)
			rd_first_beat = cycle;
		rd_last_beat = cycle;
	}

	void drive_producer()
	{
		if (!in_presented && !prod.empty() && !chance(in_gap_pct)) {
			const Cmd &c = *prod.front();
			uint32_t *w = top->wr_in_data_i.data();
			uint8_t bytes[64];
			for (unsigned i = 0; i < 64; i++) {
				uint64_t o = prod_beat * 64 + i;
				bytes[i] = o < c.len ? c.src[o]
						     : uint8_t(rng()); // garbage past the end
			}
			memcpy(w, bytes, 64);
			in_presented = true;
		}
		top->wr_in_valid_i = in_presented;
	}

	void sample_producer()
	{
		if (in_presented && top->wr_in_ready_o) {
			in_presented = false;
			if (++prod_beat == (prod.front()->len + 63) / 64) {
				prod.pop_front();
				prod_beat = 0;
			}
		}
	}

	void drive_walker()
	{
		if (!walk_presented && walk_pct && chance(walk_pct)) {
			unsigned slot = rnd(kWalkIds);
			if (!walk[slot].busy) {
				WalkReq &w = walk[slot];
				if (rnd(10) == 0) { // an IOVA with nothing behind it
					w.addr = kIovaBase +
						 uint64_t(kIovaSlots + rnd(64)) * kPage +
						 rnd(512) * 8;
					w.resp = circe::vsim::kAxiDecErr;
				} else {
					const Page *p;
					do
						p = &rd_pages[rnd(kRdPages)];
					while (p->kind != Kind::Ok && rnd(100));
					w.addr = p->iova + rnd(512) * 8;
					w.resp = p->kind == Kind::Ok ? circe::vsim::kAxiOkay
						 : (p->kind == Kind::SlvErr && w.addr < p->err_hi &&
						    p->err_lo < w.addr + 8)
							 ? p->err_resp
						 : p->kind == Kind::SlvErr
							 ? circe::vsim::kAxiOkay
							 : circe::vsim::kAxiDecErr;
				}
				if (w.resp == circe::vsim::kAxiOkay)
					memcpy(w.data, &host[w.addr - kIovaBase], 8);
				walk_slot = slot;
				walk_presented = true;
				top->walk_arid_i = uint8_t(4 + slot);
				top->walk_araddr_i = w.addr;
				top->walk_arlen_i = 0;
				top->walk_arsize_i = 3;
			}
		}
		top->walk_arvalid_i = walk_presented;
		top->walk_rready_i = !chance(walk_rstall_pct);
	}

	void sample_walker()
	{
		if (walk_presented && top->walk_arready_o) {
			walk[walk_slot].busy = true;
			walk_presented = false;
			walk_ars++;
		}
		if (top->walk_rvalid_o && top->walk_rready_i) {
			unsigned id = top->walk_rid_o;
			if (id < 4 || id >= 4 + kWalkIds || !walk[id - 4].busy) {
				failf("walker R with unexpected id %u", id);
				return;
			}
			WalkReq &w = walk[id - 4];
			const uint8_t *d =
				reinterpret_cast<const uint8_t *>(top->walk_rdata_o.data());
			if (!top->walk_rlast_o || top->walk_rresp_o != w.resp ||
			    (w.resp == circe::vsim::kAxiOkay && memcmp(d + w.addr % 64, w.data, 8)))
				failf("walker read of 0x%" PRIx64 ": resp %u last %u, want resp %u",
				      w.addr, top->walk_rresp_o, top->walk_rlast_o, w.resp);
			w.busy = false;
			walk_done++;
		}
	}

	bool walker_idle() const
	{
		for (const WalkReq &w : walk)
			if (w.busy)
				return false;
		return !walk_presented;
	}

	// ---- invalidation epoch --------------------------------------------

	// old_busy_o as the engine must show it this cycle: a burst in flight
	// that went out at or before the last drop, or the burst on offer was
	// presented by then.
	bool old_expected(const Side &s) const
	{
		if (last_drop == kNoDrop)
			return false;
		return (!s.inflight.empty() && s.inflight.front() <= last_drop) ||
		       (s.presenting && s.present_since <= last_drop);
	}

	void check_old_busy(Side &s, const char *eng, uint8_t old_busy)
	{
		bool want = old_expected(s);
		if (bool(old_busy) != want)
			failf("%s engine: old_busy_o %u, want %u (%zu bursts in flight, the oldest "
			      "from cycle %" PRIu64 ", last drop at %" PRIu64 ")",
			      eng, old_busy, want, s.inflight.size(),
			      s.inflight.empty() ? 0 : s.inflight.front(), last_drop);
		s.old_busy_cycles += want;
	}

	// The engine's own AR/AW handshake and completions this cycle.
	void sample_epoch(Side &s, const char *eng, uint8_t valid, uint8_t ready, uint64_t addr,
			  uint8_t done)
	{
		if (done) {
			if (s.inflight.empty())
				failf("%s engine: a burst completed with none in flight", eng);
			else
				s.inflight.pop_front();
		}
		if (valid && ready) {
			unsigned tag = unsigned(addr >> kTagShift) & 0xff;
			bool old_pending = s.presenting && last_drop != kNoDrop &&
					   s.present_since <= last_drop;
			if (tag_iovas && tag != (epoch & 0xff)) {
				if (!old_pending)
					failf("%s engine: burst to 0x%" PRIx64
					      " uses a translation of epoch %u, the MMU is at %u "
					      "(last drop at cycle %" PRIu64 ")",
					      eng, addr, tag, epoch & 0xff, last_drop);
				s.old_pending_fired++;
			}
			// Its age: when it was first presented (AXI holds it).
			s.inflight.push_back(s.presenting ? s.present_since : cycle);
			s.presenting = false;
		} else if (valid && !s.presenting) {
			s.presenting = true;
			s.present_since = cycle;
		}
	}

	void drive_drop()
	{
		bool drop = cycle >= next_drop;

		top->inv_drop_i = drop;
		if (drop) // now and then two close together
			next_drop = cycle + (rnd(8) == 0 ? 1 + rnd(4) : drop_min + rnd(drop_span));
	}

	void sample_drop()
	{
		if (!top->inv_drop_i)
			return;
		last_drop = cycle;
		epoch++;
		drops++;
		rd.drop_since_req = true;
		wr.drop_since_req = true;
	}

	void step()
	{
		Vtb_dma_top *t = top.get();

		// 1. inputs of this cycle
		mem->drive();
		drive_cmd(rd, &t->rd_cmd_valid_i, &t->rd_cmd_va_i, &t->rd_cmd_bytes_i);
		drive_cmd(wr, &t->wr_cmd_valid_i, &t->wr_cmd_va_i, &t->wr_cmd_bytes_i);
		drive_mmu(rd, &t->rd_tr_req_ready_i, &t->rd_tr_rsp_valid_i, &t->rd_tr_rsp_iova_i,
			  &t->rd_tr_rsp_status_i, &t->rd_tr_rsp_flags_i,
			  &t->rd_tr_rsp_page_shift_i);
		drive_mmu(wr, &t->wr_tr_req_ready_i, &t->wr_tr_rsp_valid_i, &t->wr_tr_rsp_iova_i,
			  &t->wr_tr_rsp_status_i, &t->wr_tr_rsp_flags_i,
			  &t->wr_tr_rsp_page_shift_i);
		drive_producer();
		drive_walker();
		drive_drop();
		t->rd_out_ready_i = !chance(out_stall_pct);
		t->rd_sts_ready_i = !chance(sts_stall_pct);
		t->wr_sts_ready_i = !chance(sts_stall_pct);

		// 2. settle
		t->eval();
		check_old_busy(rd, "read", t->rd_old_busy_o);
		check_old_busy(wr, "write", t->wr_old_busy_o);
		if (t->inv_drop_i) {
			rd.drop_cycle_answers += t->rd_tr_rsp_valid_i && t->rd_tr_rsp_ready_o &&
						 rd.tr_status == kTrOk;
			wr.drop_cycle_answers += t->wr_tr_rsp_valid_i && t->wr_tr_rsp_ready_o &&
						 wr.tr_status == kTrOk;
		}

		// 3. handshakes the edge takes. The write engine skips what it
		// accepts now if an error ended a command before this cycle and
		// some accepted command still has no status.
		bool wr_skipping = wr.skip && !wr.accepted.empty();
		bool wr_error = (t->wr_tr_rsp_valid_i && t->wr_tr_rsp_ready_o &&
				 wr.tr_status != kTrOk) ||
				(t->m_axi_bvalid && t->m_axi_bready && (t->m_axi_bresp & 2));
		mem->sample();
		sample_mmu(rd, false, t->rd_tr_req_valid_o, t->rd_tr_req_va_o, t->rd_tr_req_write_o,
			   t->rd_tr_rsp_valid_i, t->rd_tr_rsp_ready_o);
		sample_mmu(wr, true, t->wr_tr_req_valid_o, t->wr_tr_req_va_o, t->wr_tr_req_write_o,
			   t->wr_tr_rsp_valid_i, t->wr_tr_rsp_ready_o);
		sample_cmd(rd, t->rd_cmd_ready_o);
		sample_cmd(wr, t->wr_cmd_ready_o, wr_skipping);
		wr.skip = wr_skipping || wr_error;
		sample_producer();
		sample_walker();
		if (t->rd_out_valid_o && t->rd_out_ready_i)
			check_beat();
		if (t->rd_sts_valid_o && t->rd_sts_ready_i)
			check_status(rd, "read", t->rd_sts_code_o, t->rd_sts_va_o,
				     t->rd_sts_flags_o);
		if (t->wr_sts_valid_o && t->wr_sts_ready_i)
			check_status(wr, "write", t->wr_sts_code_o, t->wr_sts_va_o,
				     t->wr_sts_flags_o);
		rd.perf_bytes += t->rd_perf_bytes_o;
		wr.perf_bytes += t->wr_perf_bytes_o;
		sample_epoch(rd, "read", t->rd_ar_valid_o, t->rd_ar_ready_o, t->rd_ar_addr_o,
			     t->rd_r_last_o);
		sample_epoch(wr, "write", t->wr_aw_valid_o, t->wr_aw_ready_o, t->wr_aw_addr_o,
			     t->wr_b_o);
		sample_drop();
		if (t->wr_perf_beat_o) {
			if (!wr_first_beat)
				wr_first_beat = cycle;
			wr_last_beat = cycle;
		}

		// 4. the edge
		t->clk_i = 1;
		t->eval();
		t->clk_i = 0;
		t->eval();
		cycle++;
		if (ctx->gotError()) {
			failf("an RTL assertion failed");
			ctx->gotError(false);
		}
	}

	// Steps until done() or a failure; false on failure or timeout.
	bool run(const std::function<bool()> &done, uint64_t max_cycles)
	{
		uint64_t end = cycle + max_cycles;

		while (!done()) {
			if (failures)
				return false;
			if (cycle >= end) {
				failf("timeout: rd %zu pending %zu accepted, wr %zu pending %zu "
				      "accepted, "
				      "%zu beats to produce, mem %s",
				      rd.pending.size(), rd.accepted.size(), wr.pending.size(),
				      wr.accepted.size(), prod.size(),
				      mem->idle() ? "idle" : "busy");
				return false;
			}
			step();
		}
		return failures == 0;
	}

	bool all_done()
	{
		return rd.pending.empty() && rd.accepted.empty() && wr.pending.empty() &&
		       wr.accepted.empty();
	}

	bool quiet()
	{
		return all_done() && !top->rd_busy_o && !top->wr_busy_o && walker_idle() &&
		       mem->idle();
	}

	// Drains everything, then the end-of-run checks.
	void finish(uint64_t max_cycles = 20000000)
	{
		unsigned w = walk_pct;
		walk_pct = 0;
		run([this] { return quiet(); }, max_cycles);
		walk_pct = w;
		if (mem->violations())
			failf("%" PRIu64 " AXI violations, first: %s", mem->violations(),
			      mem->first_violation().c_str());
	}

	void set_mem(unsigned latency, unsigned bpc, bool stress)
	{
		mem->clear_injections();
		for (const std::vector<Page> *v : { &rd_pages, &wr_pages })
			for (const Page &p : *v)
				if (p.kind == Kind::SlvErr)
					mem->add_error_range(p.err_lo, p.err_hi,
							     circe::vsim::AxiResp(p.err_resp));
		if (stress) // a few slow pages hold up everything behind them
			for (int i = 0; i < 4; i++) {
				const Page &p = (i & 1 ? wr_pages : rd_pages)[rnd(kRdPages)];
				mem->add_latency_range(p.iova, p.iova + kPage, 100 + rnd(400));
			}
		AxiMemConfig c;
		c.read_latency = latency;
		c.write_latency = latency;
		c.read_bytes_per_cycle = bpc;
		c.write_bytes_per_cycle = bpc;
		c.max_outstanding = 32;
		if (stress) {
			c.latency_jitter = latency / 2 + 1;
			c.reorder_ids = true;
			c.interleave_reads = true;
			c.ready_stall_pct = 15;
			c.valid_gap_pct = 10;
			c.w_buffer_beats = 8;
		}
		c.seed = rng();
		mem->set_config(c);
	}

	void set_noise(unsigned pct)
	{
		mmu_stall_pct = pct;
		mmu_max_delay = pct ? 6 : 1;
		cmd_gap_pct = pct;
		in_gap_pct = pct;
		out_stall_pct = pct;
		sts_stall_pct = pct;
		walk_pct = pct ? 5 : 0;
		walk_rstall_pct = pct / 2;
	}

	void report(const char *name)
	{
		const circe::vsim::AxiMemStats &s = mem->stats();
		print_message("# %s: %" PRIu64 " reads, %" PRIu64 " writes (ok %" PRIu64
			      " fault %" PRIu64 " bus %" PRIu64 " reset %" PRIu64 "), %" PRIu64
			      " walker reads, %" PRIu64 " cycles; mem: %" PRIu64 " AR %" PRIu64
			      " AW, %" PRIu64 " R %" PRIu64 " W beats, max %u outstanding\n",
			      name, rd.done, wr.done, rd.by_code[1] + wr.by_code[1],
			      rd.by_code[2] + wr.by_code[2], rd.by_code[3] + wr.by_code[3],
			      rd.by_code[5] + wr.by_code[5], walk_done, cycle, s.rd_bursts,
			      s.wr_bursts, s.rd_beats, s.wr_beats, s.max_outstanding_seen);
	}

	// Exact counts of an error-free run.
	void check_counts()
	{
		const circe::vsim::AxiMemStats &s = mem->stats();
		if (rd.tr_count != rd.tr_expected || wr.tr_count != wr.tr_expected)
			failf("translations: read %" PRIu64 " (want %" PRIu64 "), write %" PRIu64
			      " (want %" PRIu64 ")",
			      rd.tr_count, rd.tr_expected, wr.tr_count, wr.tr_expected);
		if (s.rd_bursts != rd.bursts_expected + walk_ars ||
		    s.wr_bursts != wr.bursts_expected)
			failf("bursts: AR %" PRIu64 " (want %" PRIu64 "), AW %" PRIu64
			      " (want %" PRIu64 ")",
			      s.rd_bursts, rd.bursts_expected + walk_ars, s.wr_bursts,
			      wr.bursts_expected);
	}
};

// The seed comes in as the test's initial state (see main).
int setup(void **state)
{
	*state = new Bench(*static_cast<const uint64_t *>(*state));
	return 0;
}

int teardown(void **state)
{
	delete static_cast<Bench *>(*state);
	return 0;
}

// Random reads: lengths 1 B .. 64 KiB at every alignment, over scattered
// 4 KiB pages and the 2 MiB page, with reordering/interleaving memory,
// random stalls everywhere and walker traffic on the shared R channel.
void test_read_random(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	uint64_t useful = 0;

	b->set_mem(20 + b->rnd(80), 64, true);
	b->set_noise(25);
	for (int i = 0; i < kScale * 300; i++)
		b->queue_random_read();
	for (const CmdPtr &c : b->rd.pending)
		useful += c->len;
	b->run([b] { return b->all_done(); }, 20000000);
	b->finish();
	b->check_counts();
	if (b->rd.perf_bytes != useful)
		b->failf("perf_bytes_o summed to %" PRIu64 ", want %" PRIu64, b->rd.perf_bytes,
			 useful);
	b->report("read_random");
	assert_int_equal(b->failures, 0);
	assert_int_equal(b->rd.by_code[CIRCE_HW_ST_OK], kScale * 300);
}

// Random writes in batches laid out disjoint in a window, the whole window
// checked after each batch: written bytes equal the source, every other
// byte (between and around the ranges) untouched.
void test_write_random(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	uint64_t useful = 0;
	unsigned total = 0;

	b->set_mem(20 + b->rnd(80), 64, true);
	b->set_noise(25);
	while (total < kScale * 300 && !b->failures) {
		b->begin_region(b->rnd(4) == 0);
		total += b->queue_write_batch(40);
		for (const CmdPtr &c : b->wr.pending)
			useful += c->len;
		b->run([b] { return b->all_done(); }, 20000000);
		b->finish();
		b->check_region();
	}
	b->check_counts();
	if (b->wr.perf_bytes != useful)
		b->failf("perf_bytes_o summed to %" PRIu64 ", want %" PRIu64, b->wr.perf_bytes,
			 useful);
	b->report("write_random");
	assert_int_equal(b->failures, 0);
	assert_int_equal(b->wr.by_code[CIRCE_HW_ST_OK], b->wr.done);
}

// Reads and writes at once over a page map where a quarter of the pages
// fail: TrFault (VA + flags), TrBusError, DECERR (no memory behind the
// IOVA), SLVERR on part of a page. Each command ends with the status of
// its first failing page; a read engine takes the next command normally,
// the write engine skips the writes accepted until it is empty again.
void test_errors(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	unsigned total = 0;

	b->map_pages(0.25);
	b->set_mem(20 + b->rnd(60), 64, true);
	b->set_noise(20);
	while (total < kScale * 250 && !b->failures) {
		b->begin_region(false);
		total += b->queue_write_batch(30);
		for (int i = 0; i < 40; i++)
			b->queue_random_read();
		b->run([b] { return b->all_done(); }, 20000000);
		b->finish();
		b->check_region();
	}
	b->report("errors");
	print_message("# errors: %" PRIu64 " writes skipped behind a failed one\n", b->wr.skipped);
	assert_int_equal(b->failures, 0);
	assert_true(b->wr.skipped > 0);
	// Every failure kind was seen, by both engines.
	assert_true(b->rd.by_code[CIRCE_HW_ST_FAULT] > 0 && b->wr.by_code[CIRCE_HW_ST_FAULT] > 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_BUS_ERROR] > 0 &&
		    b->wr.by_code[CIRCE_HW_ST_BUS_ERROR] > 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_OK] > 0 && b->wr.by_code[CIRCE_HW_ST_OK] > 0);
	assert_true(b->mem->stats().rd_errors > 0 && b->mem->stats().wr_errors > 0);
}

// Abort in the middle of long transfers: every accepted command still gets
// one status (OK or RESET), the bus drains, the engines go idle and then
// run normal commands correctly.
void test_abort(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->set_mem(50 + b->rnd(200), 48, false);
	b->set_noise(10);
	for (int round = 0; round < kScale * 10 && !b->failures; round++) {
		b->begin_region(false);
		for (int i = 0; i < 6; i++)
			b->queue_read(kVaRd + b->rnd(kRdPages * kPage - 65536),
				      16384 + b->rnd(49153));
		uint64_t cur = kVaWr + b->rnd(64);
		for (int i = 0; i < 5; i++) {
			uint64_t len = 8192 + b->rnd(65536 - 8192);
			b->queue_write(cur, len);
			cur += len + b->rnd(100);
		}
		uint64_t t = b->cycle + 50 + b->rnd(3000);
		b->run([b, t] { return b->cycle >= t; }, 10000000);

		// Abort: drop what the engines did not take, the producer's stream too.
		b->aborting = true;
		b->top->abort_i = 1;
		unsigned n = 1 + b->rnd(3);
		for (unsigned i = 0; i < n; i++)
			b->step();
		b->top->abort_i = 0;
		b->rd.pending.clear();
		b->rd.presented = false;
		b->wr.pending.clear();
		b->wr.presented = false;
		b->prod.clear();
		b->prod_beat = 0;
		b->in_presented = false;
		b->finish(2000000);
		b->check_region();
		b->aborting = false;

		// Then ordinary commands, checked as usual.
		b->begin_region(false);
		b->queue_write_batch(4);
		for (int i = 0; i < 4; i++)
			b->queue_random_read();
		b->run([b] { return b->all_done(); }, 10000000);
		b->finish();
		b->check_region();
	}
	b->report("abort");
	assert_int_equal(b->failures, 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_RESET] + b->wr.by_code[CIRCE_HW_ST_RESET] > 0);
}

// Invalidation epoch: random drop pulses (every 50..3000 cycles, now and
// then two within a few cycles) while reads and writes stream over a page
// map where some pages fault, answer TrBusError or DECERR. Besides the usual
// data, status and region checks: every burst uses a translation of the
// current epoch unless it was presented before the drop; old_busy_o is
// exactly "a burst issued or presented by the last drop is in flight"; a
// dropped translation is asked again where the engine stands.
void test_inval(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	unsigned total = 0;

	b->tag_iovas = true;
	b->map_pages(0.1, false);
	b->set_mem(20 + b->rnd(300), 48, true);
	b->set_noise(15);
	b->drop_min = 50;
	b->drop_span = 3000;
	b->next_drop = 100;
	while (total < kScale * 250 && !b->failures) {
		b->begin_region(b->rnd(4) == 0);
		total += b->queue_write_batch(30);
		for (int i = 0; i < 40; i++)
			b->queue_random_read();
		b->run([b] { return b->all_done(); }, 20000000);
		b->finish();
		b->check_region();
	}
	b->next_drop = kNoDrop;
	b->report("inval");
	print_message("# inval: %" PRIu64 " drops; re-translations after a drop: read %" PRIu64
		      ", write %" PRIu64 "; old bursts presented before a drop and taken after "
		      "it: read %" PRIu64 ", write %" PRIu64 "; cycles with old bursts in flight: "
		      "read %" PRIu64 ", write %" PRIu64 "; answers in a drop cycle (thrown "
		      "away): %" PRIu64 "\n",
		      b->drops, b->rd.retranslations, b->wr.retranslations,
		      b->rd.old_pending_fired, b->wr.old_pending_fired, b->rd.old_busy_cycles,
		      b->wr.old_busy_cycles, b->rd.drop_cycle_answers + b->wr.drop_cycle_answers);
	assert_int_equal(b->failures, 0);
	assert_true(b->drops > 50);
	assert_true(b->rd.retranslations > 0 && b->wr.retranslations > 0);
	assert_true(b->rd.old_busy_cycles > 0 && b->wr.old_busy_cycles > 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_OK] > 0 && b->wr.by_code[CIRCE_HW_ST_OK] > 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_FAULT] + b->wr.by_code[CIRCE_HW_ST_FAULT] > 0);
	assert_true(b->rd.by_code[CIRCE_HW_ST_BUS_ERROR] + b->wr.by_code[CIRCE_HW_ST_BUS_ERROR] > 0);
}

// Bandwidth with the device tree's memory: 500 cycles latency, 48 B/cycle,
// 32 outstanding; an MMU that answers in one cycle, a consumer always ready.
void test_bandwidth(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	AxiMemConfig c; // the defaults are the device tree's

	c.seed = b->rng();
	b->mem->set_config(c);
	b->set_noise(0);

	// One 64 KiB read.
	uint64_t t0 = b->cycle;
	b->rd_beats_out = 0;
	b->queue_read(kVaRd + 4 * kPage, 65536);
	b->run([b] { return b->all_done(); }, 1000000);
	uint64_t t1 = b->cycle;
	double total = 65536.0 / double(t1 - t0);
	double stream = 65536.0 / double(b->rd_last_beat - b->rd_first_beat + 1);
	print_message("# bandwidth: 64 KiB read: %" PRIu64 " cycles (first beat after %" PRIu64
		      "), %.1f B/cycle overall, %.1f B/cycle from first to last beat "
		      "(memory: %u B/cycle, %u cycles latency)\n",
		      t1 - t0, b->rd_first_beat - t0, total, stream, c.read_bytes_per_cycle,
		      c.read_latency);

	// Eight back to back.
	t0 = b->cycle;
	for (int i = 0; i < 8; i++)
		b->queue_read(kVaRd + uint64_t(b->rnd(48)) * kPage + b->rnd(64), 65536);
	b->run([b] { return b->all_done(); }, 1000000);
	double eight = 8 * 65536.0 / double(b->cycle - t0);
	print_message("# bandwidth: 8 x 64 KiB reads back to back: %" PRIu64
		      " cycles, %.1f B/cycle\n",
		      b->cycle - t0, eight);

	// Strided rows, one command each (as a GEMM's A rows with lda > K):
	// bounded by commands and bursts in flight, not by the memory.
	t0 = b->cycle;
	for (int i = 0; i < 128; i++)
		b->queue_read(kVaRd + uint64_t(i % 48) * (kPage + 256), 256);
	b->run([b] { return b->all_done(); }, 1000000);
	print_message("# bandwidth: 128 reads of 256 B, 4 KiB + 256 B apart: %" PRIu64
		      " cycles, %.1f B/cycle, %.1f cycles per command\n",
		      b->cycle - t0, 128 * 256.0 / double(b->cycle - t0),
		      double(b->cycle - t0) / 128);

	// A slow MMU (every translation 300 cycles, as an L2 miss whose walk
	// reads memory): 4 KiB pages are one burst each, so the issue side
	// waits for a translation per page.
	b->mmu_min_delay = 300;
	t0 = b->cycle;
	b->queue_read(kVaRd + 4 * kPage, 65536);
	b->run([b] { return b->all_done(); }, 1000000);
	double slow = 65536.0 / double(b->cycle - t0);
	print_message("# bandwidth: 64 KiB read, translations taking 300 cycles: %" PRIu64
		      " cycles, %.1f B/cycle overall\n",
		      b->cycle - t0, slow);
	b->mmu_min_delay = 0;

	// One 64 KiB write.
	b->begin_region(false);
	b->wr_first_beat = 0;
	t0 = b->cycle;
	b->queue_write(kVaWr, 65536);
	b->run([b] { return b->all_done(); }, 1000000);
	double wstream = 65536.0 / double(b->wr_last_beat - b->wr_first_beat + 1);
	print_message("# bandwidth: 64 KiB write: %" PRIu64
		      " cycles to the last B, %.1f B/cycle from first to last W beat\n",
		      b->cycle - t0, wstream);
	b->finish();
	b->check_region();
	b->check_counts();
	assert_int_equal(b->failures, 0);
#ifdef CIRCE_TB_DMA_FULL_SIZE
	assert_true(stream >= 0.9 * c.read_bytes_per_cycle);
	assert_true(eight >= 0.9 * c.read_bytes_per_cycle);
	assert_true(wstream >= 0.9 * c.write_bytes_per_cycle);
#endif
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	uint64_t seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;

	Verilated::commandArgs(argc, argv);
	printf("# seed " CIRCE_TB_DMA_NAME " = %" PRIu64 " (set CIRCE_SEED to change)\n", seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_read_random, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_write_random, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_errors, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_abort, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_inval, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_bandwidth, setup, teardown, &seed),
	};

	return cmocka_run_group_tests_name(CIRCE_TB_DMA_NAME, tests, NULL, NULL);
}
