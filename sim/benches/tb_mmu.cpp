// SPDX-License-Identifier: Apache-2.0
//
// tb_mmu: cmocka bench of circe_mmu (through sim/benches/tb_mmu_top.sv).
//
// The bench models host memory holding random 4-level page tables (built by
// a small page-table builder: 4 KiB, 2 MiB and 1 GiB leaves, random
// permissions, invalid entries, leaves at level 3, links to unmapped or
// SLVERR table IOVAs), answers the walker's PTE reads as an AXI slave with
// random latency, and checks every translation response and every fault
// record against a reference walk written from include/circe/hw.h.
//
// Page-table changes race with walks and cached TLB entries. Every change is
// one 8-byte PTE (or root) write that takes the table from one consistent
// state to the next, and each write gets a version number. An answer is
// correct if it equals the reference at some version in its window, which
// ends at the answer and starts, for an L1 hit, at the version of the last
// acknowledged invalidation (the bench invalidates after every change that
// removes or alters a mapping), for a walk at the version when the request
// was accepted or resumed. Tables that were unlinked are never written
// again, so a walk that raced with writes still sees one of those versions.
//
// Every port takes up to kSlots requests with request IDs; the bench keeps
// each port's requests in flight in accept order and matches a response to
// the oldest request of the response's ID (per-ID order; an OK answer's
// page offset must be that request's), and fails if a hit whose turn it is
// waits while the response bus is idle.
//
// Tests: the walk rules one by one; the 1-cycle hit; range invalidation of
// huge entries (and nothing else); refills that replace L1 entries; fault
// hold / resume / abort and the queue order; hit under miss on one port
// (another ID's hit answers while a miss walks, a same-ID hit waits behind
// the miss, a fault holds only its ID, four walks of one port at once, an
// answer held behind a fault is dropped by an invalidation); concurrent
// walks on separate AXI IDs while another port hits; the next-leaf-line
// prefetch; the L2 TLB (refill of the L1 for 4 KiB and 2 MiB pages without
// a walk, invalidation ALL / ASID / RANGE reaching it, FIFO eviction in a
// set, L2-only and L1-only modes); 1,000,000 random translations
// ($CIRCE_TB_MMU_N) on 3 ports, up to 4 in flight per port with random IDs,
// with faults answered at random (fix + resume, resume, abort), table
// changes with invalidations, ASID switches, page-size mixes and random bus
// latency with PTE reads answered out of order across walker IDs, every
// answer and fault record checked, perf pulses cross-checked, hit rates per
// level printed; half as many with the TLB mode switched at random.
//
// Seeds: fixed by default, $CIRCE_SEED overrides; printed as
// "# seed tb_mmu = N".

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
extern "C" { // cmocka.h has no C++ guards
#include <cmocka.h>
}

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <circe/hw.h>

#include "Vtb_mmu_top.h"
#include "verilated.h"

namespace {

// ---- configuration: must match sim/benches/tb_mmu.mk ----
constexpr unsigned kPorts = 3;
constexpr unsigned kSlots = 4;         // translations in flight per port
constexpr unsigned kIds = 4;           // request IDs (circe_axi_pkg::TrIdWidth = 2)
constexpr unsigned kAsids = CIRCE_HW_DEFAULT_NUM_ASIDS;
constexpr unsigned kL1Entries = CIRCE_HW_DEFAULT_TLB_L1_ENTRIES;
constexpr unsigned kWalkers = CIRCE_HW_DEFAULT_WALKERS;
constexpr unsigned kL2Sets = CIRCE_HW_DEFAULT_TLB_L2_SETS;
constexpr unsigned kL2Ways = CIRCE_HW_DEFAULT_TLB_L2_WAYS;
constexpr uint32_t kIdWalker = 4;      // circe_axi_pkg::IdWalker: walker n uses kIdWalker + n
constexpr uint64_t kRandomTranslations = 1000000; // $CIRCE_TB_MMU_N overrides
constexpr uint64_t kDefaultSeed = 20240611;

enum : unsigned { kTrOk = 0, kTrFault = 1, kTrBusError = 2 };

const char *status_name(unsigned s)
{
	switch (s) {
	case kTrOk:
		return "ok";
	case kTrFault:
		return "fault";
	case kTrBusError:
		return "bus-error";
	default:
		return "?";
	}
}

// ---- bit access on Verilator signals ----
void put_bits(uint32_t *w, unsigned lsb, unsigned width, uint64_t v)
{
	while (width) {
		unsigned off = lsb % 32, n = std::min(width, 32 - off);
		uint32_t m = (n == 32 ? ~0u : ((1u << n) - 1)) << off;
		w[lsb / 32] = (w[lsb / 32] & ~m) | (((uint32_t)v << off) & m);
		v = n == 64 ? 0 : v >> n;
		lsb += n;
		width -= n;
	}
}

uint64_t get_bits(const uint32_t *w, unsigned lsb, unsigned width)
{
	uint64_t v = 0;
	unsigned done = 0;
	while (done < width) {
		unsigned off = lsb % 32, n = std::min(width - done, 32 - off);
		uint64_t m = (1ull << n) - 1;
		v |= ((uint64_t)(w[lsb / 32] >> off) & m) << done;
		lsb += n;
		done += n;
	}
	return v;
}

template <std::size_t N> void sig_put(VlWide<N> &s, unsigned lsb, unsigned width, uint64_t v)
{
	put_bits(s.data(), lsb, width, v);
}

template <std::size_t N> uint64_t sig_get(const VlWide<N> &s, unsigned lsb, unsigned width)
{
	return get_bits(s.data(), lsb, width);
}

template <class T> void sig_put(T &s, unsigned lsb, unsigned width, uint64_t v)
{
	uint64_t m = (width >= 64 ? ~0ull : ((1ull << width) - 1)) << lsb;
	s = (T)(((uint64_t)s & ~m) | ((v << lsb) & m));
}

template <class T> uint64_t sig_get(const T &s, unsigned lsb, unsigned width)
{
	uint64_t m = width >= 64 ? ~0ull : ((1ull << width) - 1);
	return ((uint64_t)s >> lsb) & m;
}

class Rng {
public:
	explicit Rng(uint64_t seed) : g_(seed) {}
	uint64_t u64() { return g_(); }
	uint64_t below(uint64_t n) { return n ? g_() % n : 0; }
	bool pct(unsigned p) { return below(100) < p; }

private:
	std::mt19937_64 g_;
};

uint64_t span_of(unsigned level)
{
	return 1ull << CIRCE_HW_PT_LEVEL_SHIFT(level);
}

// ---- host memory: page-table pages by IOVA, versioned ----
class HostMem {
public:
	static constexpr uint64_t kRootKey = 1ull << 63; // key of ASID a's root: kRootKey | a

	explicit HostMem(unsigned asids) : roots_(asids, 0) {}

	bool mapped(uint64_t iova) const { return pages_.count(iova >> CIRCE_HW_PAGE_SHIFT) != 0; }
	bool slverr(uint64_t iova) const { return slverr_.count(iova >> CIRCE_HW_PAGE_SHIFT) != 0; }
	uint64_t version() const { return version_; }

	void map_page(uint64_t iova) { pages_[iova >> CIRCE_HW_PAGE_SHIFT].assign(512, 0); }
	void set_slverr(uint64_t iova) { slverr_.insert(iova >> CIRCE_HW_PAGE_SHIFT); }

	uint64_t cur(uint64_t key) const
	{
		if (key & kRootKey)
			return roots_.at(key & 0xFFFF);
		return pages_.at(key >> CIRCE_HW_PAGE_SHIFT).at((key >> 3) & 511);
	}

	// A write the device may observe: a new version.
	void write(uint64_t key, uint64_t val)
	{
		uint64_t old = cur(key);
		version_++;
		hist_[key].push_back({ version_, old });
		ref(key) = val;
	}

	// A write into a page no table links to yet: invisible, no version.
	void init_write(uint64_t key, uint64_t val) { ref(key) = val; }

	// The value of key at version ver.
	uint64_t at(uint64_t key, uint64_t ver) const
	{
		auto it = hist_.find(key);
		if (it != hist_.end()) {
			for (const Hist &h : it->second)
				if (h.ver > ver)
					return h.old;
		}
		return cur(key);
	}

	// Forget history no window can reach any more.
	void trim(uint64_t floor)
	{
		for (auto it = hist_.begin(); it != hist_.end();) {
			auto &v = it->second;
			v.erase(std::remove_if(v.begin(), v.end(),
					       [floor](const Hist &h) { return h.ver <= floor; }),
				v.end());
			it = v.empty() ? hist_.erase(it) : std::next(it);
		}
	}

private:
	struct Hist {
		uint64_t ver, old;
	};

	uint64_t &ref(uint64_t key)
	{
		if (key & kRootKey)
			return roots_.at(key & 0xFFFF);
		return pages_.at(key >> CIRCE_HW_PAGE_SHIFT).at((key >> 3) & 511);
	}

	std::unordered_map<uint64_t, std::vector<uint64_t>> pages_;
	std::unordered_set<uint64_t> slverr_;
	std::vector<uint64_t> roots_; // root IOVA | valid bit
	std::unordered_map<uint64_t, std::vector<Hist>> hist_;
	uint64_t version_ = 0;
};

// ---- reference translation, from include/circe/hw.h ----
struct Xlat {
	unsigned status = kTrOk;
	uint64_t iova = 0;
	uint32_t flags = 0;
	unsigned shift = 0;

	bool operator==(const Xlat &o) const
	{
		return status == o.status && iova == o.iova && flags == o.flags && shift == o.shift;
	}
	bool operator!=(const Xlat &o) const { return !(*this == o); }
};

std::string xlat_str(const Xlat &x)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s iova=0x%" PRIx64 " flags=0x%x shift=%u", status_name(x.status),
		 x.iova, x.flags, x.shift);
	return buf;
}

// Where a walk ended, for the bench's own table edits.
struct WalkEnd {
	Xlat x;
	int level = -1;         // level of the last PTE read (-1: none)
	uint64_t pte_addr = 0;  // its address
	uint64_t pte = 0;
};

WalkEnd ref_walk(const HostMem &m, uint64_t ver, uint32_t asid, uint64_t va, bool write)
{
	WalkEnd w;
	uint32_t flags = write ? CIRCE_HW_FAULT_WRITE : 0;
	uint64_t root, table;

	w.x.status = kTrFault;
	if (va >> CIRCE_HW_VA_BITS) {
		w.x.flags = flags | CIRCE_HW_FAULT_NONCANON;
		return w;
	}
	root = asid < kAsids ? m.at(HostMem::kRootKey | asid, ver) : 0;
	if (!(root & CIRCE_HW_PT_ROOT_VALID)) {
		w.x.flags = flags | CIRCE_HW_FAULT_NOROOT;
		return w;
	}
	table = root & ~0xFFFull;
	for (int level = CIRCE_HW_PT_LEVELS - 1; level >= 0; level--) {
		uint64_t addr = table + 8u * CIRCE_HW_PT_INDEX(va, level);
		uint64_t pte;

		w.level = level;
		w.pte_addr = addr;
		if (!m.mapped(addr) || m.slverr(addr)) {
			w.x.status = kTrBusError;
			w.x.flags = 0;
			return w;
		}
		pte = m.at(addr, ver);
		w.pte = pte;
		if (!(pte & CIRCE_HW_PTE_VALID)) {
			w.x.flags = flags;
			return w;
		}
		if (level == 0 || (pte & CIRCE_HW_PTE_LEAF)) {
			uint64_t span = span_of(level);

			if (level == CIRCE_HW_PT_LEVELS - 1) {
				w.x.flags = flags;
				return w;
			}
			if (!(pte & (write ? CIRCE_HW_PTE_WRITE : CIRCE_HW_PTE_READ))) {
				w.x.flags = flags | CIRCE_HW_FAULT_PERM;
				return w;
			}
			w.x.status = kTrOk;
			w.x.flags = 0;
			w.x.iova = (pte & CIRCE_HW_PTE_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
			w.x.shift = CIRCE_HW_PT_LEVEL_SHIFT(level);
			return w;
		}
		table = pte & CIRCE_HW_PTE_ADDR_MASK;
	}
	return w; // not reached
}

Xlat ref_translate(const HostMem &m, uint64_t ver, uint32_t asid, uint64_t va, bool write)
{
	return ref_walk(m, ver, asid, va, write).x;
}

// ---- page-table builder ----
struct Region {
	uint32_t asid;
	uint64_t va;    // base of a leaf, or a VA in front of a trap
	unsigned level; // leaf level (traps: 0)
};

class PageTables {
public:
	PageTables(HostMem &mem, Rng &rng) : mem_(mem), rng_(rng), arenas_(kAsids), regions_(kAsids) {}

	uint64_t alloc_table()
	{
		uint64_t iova;
		do {
			iova = (0x100000000ull + rng_.below(1ull << 40)) & ~0xFFFull;
		} while (mem_.mapped(iova) || unmapped_.count(iova));
		mem_.map_page(iova);
		return iova;
	}

	// A page-aligned IOVA no table will ever occupy: reads there get DECERR.
	uint64_t unmapped_iova()
	{
		uint64_t iova;
		do {
			iova = (0x100000000ull + rng_.below(1ull << 40)) & ~0xFFFull;
		} while (mem_.mapped(iova));
		unmapped_.insert(iova);
		return iova;
	}

	uint64_t junk_ignored()
	{
		// Bits the walker ignores: 63:52 and 11:4.
		return (rng_.u64() & 0xFFF0000000000FF0ull);
	}

	unsigned random_perms()
	{
		unsigned r = (unsigned)rng_.below(100);
		if (r < 70)
			return 3;
		if (r < 82)
			return 1;
		if (r < 92)
			return 2;
		return 0;
	}

	uint64_t leaf_pte(unsigned level, unsigned perms, uint64_t target)
	{
		uint64_t span = span_of(level);
		uint64_t pte = CIRCE_HW_PTE_VALID | junk_ignored();

		if (perms & 1)
			pte |= CIRCE_HW_PTE_READ;
		if (perms & 2)
			pte |= CIRCE_HW_PTE_WRITE;
		if (level > 0 || rng_.pct(50))
			pte |= CIRCE_HW_PTE_LEAF;
		pte |= target & CIRCE_HW_PTE_ADDR_MASK & ~(span - 1);
		// Address bits below a huge page's size are ignored.
		pte |= rng_.u64() & CIRCE_HW_PTE_ADDR_MASK & (span - 1);
		return pte;
	}

	uint64_t random_target(unsigned level)
	{
		return rng_.u64() & CIRCE_HW_PTE_ADDR_MASK & ~(span_of(level) - 1);
	}

	uint64_t link_pte(uint64_t table)
	{
		return CIRCE_HW_PTE_VALID | table | junk_ignored() |
		       (rng_.u64() & (CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE));
	}

	uint64_t invalid_pte()
	{
		return rng_.pct(50) ? 0 : (rng_.u64() & ~CIRCE_HW_PTE_VALID);
	}

	void set_root(uint32_t asid, uint64_t iova, bool valid, bool versioned)
	{
		uint64_t v = (iova & ~0xFFFull) | (valid ? CIRCE_HW_PT_ROOT_VALID : 0);
		if (versioned)
			mem_.write(HostMem::kRootKey | asid, v);
		else
			mem_.init_write(HostMem::kRootKey | asid, v);
	}

	// Address of the PTE of va at `level`, creating empty tables on the way
	// (each link one visible write). 0 if a leaf, a bad link or no root is
	// in the way.
	uint64_t slot(uint32_t asid, uint64_t va, unsigned level, bool create)
	{
		uint64_t root = mem_.cur(HostMem::kRootKey | asid);
		uint64_t table;

		if (!(root & CIRCE_HW_PT_ROOT_VALID))
			return 0;
		table = root & ~0xFFFull;
		for (int l = CIRCE_HW_PT_LEVELS - 1;; l--) {
			uint64_t addr = table + 8u * CIRCE_HW_PT_INDEX(va, l);
			uint64_t pte;

			if (!mem_.mapped(addr) || mem_.slverr(addr))
				return 0;
			if (l == (int)level)
				return addr;
			pte = mem_.cur(addr);
			if (!(pte & CIRCE_HW_PTE_VALID)) {
				if (!create)
					return 0;
				uint64_t t = alloc_table();
				mem_.write(addr, link_pte(t));
				table = t;
				continue;
			}
			if (pte & CIRCE_HW_PTE_LEAF)
				return 0;
			table = pte & CIRCE_HW_PTE_ADDR_MASK;
		}
	}

	// Map a leaf where nothing is mapped; false if the slot is taken.
	bool map_leaf(uint32_t asid, uint64_t va, unsigned level, unsigned perms)
	{
		uint64_t addr = slot(asid, va, level, true);

		if (!addr || (mem_.cur(addr) & CIRCE_HW_PTE_VALID))
			return false;
		mem_.write(addr, leaf_pte(level, perms, random_target(level)));
		add_region({ asid, va & ~(span_of(level) - 1), level });
		return true;
	}

	// A full random address space for ASID a.
	void build(uint32_t asid, unsigned leaves)
	{
		uint64_t root = alloc_table();
		auto &ar = arenas_[asid];

		set_root(asid, root, true, true);
		for (int i = 0; i < 3; i++) {
			// 1 GiB aligned, canonical, root indices 1..255 (0 stays free).
			uint64_t base = ((1 + rng_.below(255)) << 39) | (rng_.below(500) << 30);
			ar.push_back(base);
		}
		for (unsigned i = 0; i < leaves; i++) {
			uint64_t base = ar[rng_.below(ar.size())];
			unsigned r = (unsigned)rng_.below(100);
			if (r < 60) {
				uint64_t chunk = rng_.below(16), page = rng_.below(64);
				map_leaf(asid, base + (chunk << 21) + (page << 12), 0, random_perms());
			} else if (r < 92) {
				map_leaf(asid, base + ((16 + rng_.below(32)) << 21), 1, random_perms());
			} else {
				map_leaf(asid, base + ((1 + rng_.below(2)) << 30), 2, random_perms());
			}
		}
		// Traps: a leaf at level 3, links to unmapped and SLVERR tables,
		// invalid entries with junk.
		{
			uint64_t va = 0; // root index 0
			mem_.write(root, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_LEAF | CIRCE_HW_PTE_READ |
						 CIRCE_HW_PTE_WRITE | random_target(0));
			traps_.push_back({ asid, va + (rng_.below(1ull << 39) & ~0xFFFull), 0 });
		}
		{
			uint64_t va = ar[0] + (3ull << 30);
			uint64_t addr = slot(asid, va, 2, true);
			if (addr && !(mem_.cur(addr) & CIRCE_HW_PTE_VALID)) {
				mem_.write(addr, link_pte(unmapped_iova()));
				traps_.push_back({ asid, va, 0 });
			}
		}
		{
			uint64_t va = ar[1] + (4ull << 30) + (5ull << 21);
			uint64_t addr = slot(asid, va, 1, true);
			if (addr && !(mem_.cur(addr) & CIRCE_HW_PTE_VALID)) {
				uint64_t t = alloc_table();
				mem_.set_slverr(t);
				mem_.write(addr, link_pte(t));
				traps_.push_back({ asid, va, 0 });
			}
		}
		for (int i = 0; i < 4; i++) {
			uint64_t va = ar[2] + ((48 + rng_.below(8)) << 21);
			uint64_t addr = slot(asid, va, 1, true);
			if (addr && !(mem_.cur(addr) & CIRCE_HW_PTE_VALID)) {
				mem_.write(addr, invalid_pte());
				traps_.push_back({ asid, va, 0 });
			}
		}
	}

	const std::vector<Region> &regions(uint32_t asid) const { return regions_.at(asid); }
	const std::vector<Region> &traps() const { return traps_; }
	const std::vector<uint64_t> &arenas(uint32_t asid) const { return arenas_.at(asid); }
	void add_region(const Region &r) { regions_.at(r.asid).push_back(r); }

private:
	HostMem &mem_;
	Rng &rng_;
	std::vector<std::vector<uint64_t>> arenas_;
	std::vector<std::vector<Region>> regions_;
	std::vector<Region> traps_;
	std::unordered_set<uint64_t> unmapped_;
};

// ---- the bench ----
class Bench {
public:
	enum class FaultPolicy { Manual, Random };

	// A request the port accepted and has not answered yet.
	struct Req {
		uint64_t serial = 0;
		uint64_t va = 0;
		bool write = false;
		unsigned id = 0;
		uint32_t asid = 0;
		uint64_t win = 0;          // first version the answer may reflect
		uint64_t accept_cycle = 0;
		unsigned rounds = 0;       // resumes so far
		bool faulted = false;      // in the fault queue
		bool aborted = false;
		uint32_t abort_flags = 0;
		bool hit = false;          // perf_l1_hit pulsed at accept
		bool first = false;        // no older request of its ID in flight at accept
		bool inv_seen = false;     // an invalidation ran while it was in flight
		bool rsp_seen = false;     // response valid seen
		uint64_t first_rsp_cycle = 0;
	};

	// The answer to a request (directed tests look them up by serial).
	struct Result {
		Xlat got;
		uint64_t accept_cycle = 0, rsp_cycle = 0, latency = 0;
		bool hit = false;
	};

	struct PortReq {
		enum { Idle, Asking } st = Idle; // the request on tr_req (not yet accepted)
		uint64_t va = 0;
		bool write = false;
		unsigned id = 0;
		uint64_t serial = 0;       // of the request asking, then of the last one issued
		std::list<Req> out;        // accepted, in accept order
		unsigned gap = 0;          // random mode: idle cycles left
		unsigned last_id = 0;
		// the last request issued, once answered
		bool done = false;
		Xlat got;
		uint64_t latency = 0;
		uint64_t accept_cycle = 0;
	};

	struct Stats {
		uint64_t accepted = 0, responses = 0, ok = 0, faults_ans = 0, bus_errors = 0;
		uint64_t fault_records = 0, resumes = 0, aborts = 0, fixes = 0;
		uint64_t ar = 0, r_ok = 0, r_err = 0;
		uint64_t invs = 0, churns = 0, asid_switches = 0, stale_ok = 0;
		uint64_t perf_hit = 0, perf_miss = 0, perf_walk = 0, perf_walk_cycles = 0;
		uint64_t perf_fault = 0, perf_stall = 0, perf_pte = 0;
		uint64_t perf_retry = 0;     // held answers dropped by an invalidation
		uint64_t max_port_out = 0;   // most requests in flight on one port
		uint64_t overtakes = 0;      // answers before an older request of another ID
		uint64_t same_id_waits = 0;  // hits accepted behind an older request of their ID
		uint64_t perf_wc = 0, perf_line = 0;
		uint64_t perf_l2_hit = 0, perf_l2_miss = 0, perf_l2_fill = 0, perf_l2_evict = 0;
		uint64_t perf_pf = 0; // PTE-line prefetches started
		uint64_t max_outstanding = 0, r_out_of_order = 0, mode_switches = 0;
		unsigned ids_seen = 0; // bit n: walker ID kIdWalker + n issued a read
		uint64_t by_shift[3] = { 0, 0, 0 };
	};

	explicit Bench(uint64_t seed)
		: ctx_(new VerilatedContext), top_(new Vtb_mmu_top(ctx_.get())), rng_(seed), mem_(kAsids),
		  pt_(mem_, rng_), hot_(kAsids + 1)
	{
		ctx_->fatalOnError(false);
		top_->clk_i = 0;
		top_->rst_ni = 0;
		drive();
		top_->eval();
		for (int i = 0; i < 3; i++)
			tick_raw();
		top_->rst_ni = 1;
	}

	~Bench() { top_->final(); }

	HostMem &mem() { return mem_; }
	PageTables &pt() { return pt_; }
	Rng &rng() { return rng_; }
	Vtb_mmu_top &top() { return *top_; }
	Stats &stats() { return st_; }
	PortReq &port(unsigned p) { return ports_[p]; }
	uint64_t cycle() const { return cycle_; }
	uint64_t floor() const { return floor_; }

	void set_asid(uint32_t a) { asid_ = a; }
	uint32_t asid() const { return asid_; }
	void set_policy(FaultPolicy p) { policy_ = p; }
	void set_latency(unsigned min, unsigned max)
	{
		lat_min_ = min;
		lat_max_ = max;
	}
	void set_random(bool on) { random_ = on; }
	void set_mode(unsigned m)
	{
		if (m != mode_)
			mode_cycle_ = cycle_;
		mode_ = m;
	}
	unsigned mode() const { return mode_; }
	void set_mode_switching(bool on) { mode_switching_ = on; }
	void set_ready_pct(unsigned rsp, unsigned ar)
	{
		rsp_ready_pct_ = rsp;
		ar_ready_pct_ = ar;
	}

	// Standard world: ASIDs 0-3 full tables, 4 no root, 5 root at an
	// unmapped IOVA, 6 an empty table, the rest no root.
	void build_world(unsigned leaves)
	{
		for (uint32_t a = 0; a < 4; a++)
			pt_.build(a, leaves);
		pt_.set_root(5, pt_.unmapped_iova(), true, true);
		pt_.set_root(6, pt_.alloc_table(), true, true);
		floor_ = mem_.version();
	}

	// ---- directed helpers ----
	// Ask on port p (taken when the port is ready); returns the request's serial.
	uint64_t issue(unsigned p, uint64_t va, bool write, unsigned id = 0)
	{
		PortReq &r = ports_[p];
		assert_true(r.st == PortReq::Idle);
		r.st = PortReq::Asking;
		r.va = va;
		r.write = write;
		r.id = id;
		r.serial = ++serial_;
		r.done = false;
		return r.serial;
	}

	// Issue and step until the port took it.
	uint64_t issue_taken(unsigned p, uint64_t va, bool write, unsigned id)
	{
		uint64_t sn = issue(p, va, write, id);
		bool ok = run_until([&] { return ports_[p].st == PortReq::Idle; }, 1000);
		assert_true(ok);
		return sn;
	}

	bool answered(uint64_t serial) const { return results_.count(serial) != 0; }
	const Result &result(uint64_t serial) const { return results_.at(serial); }
	size_t in_flight(unsigned p) const { return ports_[p].out.size(); }

	bool run_until(const std::function<bool()> &pred, uint64_t max_cycles)
	{
		for (uint64_t i = 0; i < max_cycles; i++) {
			if (pred())
				return true;
			step();
		}
		return pred();
	}

	// Translate on port p and wait for the answer (faults by the policy).
	Xlat translate(unsigned p, uint64_t va, bool write, uint64_t *latency = nullptr)
	{
		issue(p, va, write);
		bool ok = run_until([&] { return ports_[p].done; }, 100000);
		assert_true(ok);
		if (latency)
			*latency = ports_[p].latency;
		return ports_[p].got;
	}

	void answer_fault(uint32_t resp)
	{
		assert_true(fault_seen_ && !fault_answer_pending_);
		fault_answer_pending_ = true;
		fault_answer_at_ = cycle_;
		fault_answer_ = resp;
	}

	// Invalidate and wait for inv_done.
	void invalidate(unsigned type, uint16_t asid, uint64_t va, uint32_t pages)
	{
		start_inv(type, asid, va, pages);
		bool ok = run_until([&] { return inv_st_ == InvIdle; }, 10000);
		assert_true(ok);
	}

	void start_inv(unsigned type, uint16_t asid, uint64_t va, uint32_t pages)
	{
		assert_true(inv_st_ == InvIdle);
		inv_st_ = InvAsking;
		inv_type_ = type;
		inv_asid_ = asid;
		inv_va_ = va;
		inv_pages_ = pages;
		inv_issue_ver_ = mem_.version();
		st_.invs++;
	}

	bool inv_idle() const { return inv_st_ == InvIdle; }
	std::vector<uint64_t> &ar_log() { return ar_log_; }
	bool fault_pending() const { return top_->fault_valid_o; }

	void step()
	{
		drive();
		top_->clk_i = 0;
		top_->eval();
		sample();
		top_->clk_i = 1;
		top_->eval();
		cycle_++;
		if (ctx_->errorCount()) {
			print_error("RTL assertion failed at cycle %" PRIu64 "\n", cycle_);
			fail();
		}
	}

	// ---- random traffic ----
	uint64_t pick_va(uint32_t asid, unsigned p)
	{
		uint32_t a = asid < kAsids ? asid : 0;
		auto &hot = hot_[asid < kAsids ? asid : kAsids];
		uint64_t va;
		unsigned r = (unsigned)rng_.below(100);

		if (r < 70 && !hot.empty()) {
			va = hot[rng_.below(hot.size())] | (rng_.u64() & 0xFFF);
		} else if (r < 88 && !regions_of(a).empty()) {
			const Region &g = regions_of(a)[rng_.below(regions_of(a).size())];
			va = g.va + (rng_.u64() & (span_of(g.level) - 1));
		} else if (r < 93 && a < 4) {
			const auto &ar = pt_.arenas(a);
			va = ar[rng_.below(ar.size())] + (rng_.u64() & ((5ull << 30) - 1));
			if (va >> CIRCE_HW_VA_BITS)
				va = ar[0];
		} else if (r < 96 && !pt_.traps().empty()) {
			const Region &g = pt_.traps()[rng_.below(pt_.traps().size())];
			va = g.va + (rng_.u64() & 0x1FFFFF);
		} else if (r < 98) {
			// Non-canonical; half of them a cached page with a high bit set.
			va = (!hot.empty() && rng_.pct(50)) ? hot[rng_.below(hot.size())]
							     : (rng_.u64() & ((1ull << 48) - 1));
			va |= 1ull << (48 + rng_.below(16));
		} else {
			va = rng_.u64() & ((1ull << 48) - 1);
		}
		va = (va & ~3ull) | p; // the low bits name the port in fault records
		if (!(va >> CIRCE_HW_VA_BITS)) {
			if (hot.size() < 20)
				hot.push_back(va & ~0xFFFull);
			else if (rng_.pct(10))
				hot[rng_.below(hot.size())] = va & ~0xFFFull;
		}
		return va;
	}

	// Run random traffic until n more translations were accepted, then drain.
	void run_random(uint64_t n)
	{
		uint64_t target = st_.accepted + n;
		uint64_t next_asid = cycle_ + 500, next_churn = cycle_ + 300, next_trim = cycle_ + 5000;

		random_ = true;
		policy_ = FaultPolicy::Random;
		while (st_.accepted < target) {
			if (cycle_ >= next_asid) {
				switch_asid();
				next_asid = cycle_ + 200 + rng_.below(3000);
				if (mode_switching_ && rng_.pct(30)) {
					set_mode((unsigned)rng_.below(3));
					st_.mode_switches++;
				}
			}
			if (cycle_ >= next_churn && inv_st_ == InvIdle) {
				churn();
				next_churn = cycle_ + 300 + rng_.below(2000);
			}
			if (cycle_ >= next_trim) {
				mem_.trim(min_window());
				next_trim = cycle_ + 5000;
			}
			step();
		}
		random_ = false;
		bool drained = run_until(
			[&] {
				for (auto &r : ports_)
					if (r.st != PortReq::Idle || !r.out.empty())
						return false;
				// (and no prefetch read in flight)
				return inv_st_ == InvIdle && !top_->fault_valid_o && rq_.empty();
			},
			200000);
		assert_true(drained);
	}

	void switch_asid()
	{
		unsigned r = (unsigned)rng_.below(100);
		if (r < 85)
			asid_ = (uint32_t)rng_.below(4);
		else if (r < 89)
			asid_ = 4;
		else if (r < 92)
			asid_ = 5;
		else if (r < 97)
			asid_ = 6;
		else
			asid_ = rng_.pct(50) ? 16 + (uint32_t)rng_.below(100) : 0x10002;
		st_.asid_switches++;
	}

	// A change that removes or alters mappings, then the invalidation that
	// covers it.
	void churn()
	{
		static const uint32_t kAsidsChurn[] = { 0, 1, 2, 3, 6 };
		uint32_t asid = kAsidsChurn[rng_.below(5)];
		if (rng_.pct(60) && (asid_ < 4 || asid_ == 6))
			asid = asid_; // the job's own address space
		const auto &regs = regions_of(asid);
		unsigned op = (unsigned)rng_.below(100);
		uint64_t lo = 0, hi = 0; // changed VA range
		bool huge = false, whole = false;

		st_.churns++;
		if (op < 10 || regs.empty()) {
			// Nothing changes: a random invalidation.
			unsigned type = 1 + (unsigned)rng_.below(3);
			uint64_t va = rng_.pct(90) ? (rng_.u64() & ((1ull << 48) - 1)) : rng_.u64();
			start_inv(type, (uint16_t)(rng_.pct(90) ? rng_.below(8) : rng_.u64()), va,
				  (uint32_t)(rng_.pct(80) ? rng_.below(1024) : rng_.u64()));
			return;
		}
		Region g = regs[rng_.below(regs.size())];
		if (!hot_[asid].empty() && rng_.pct(70)) {
			// A page the TLB likely holds: the change must not survive there.
			uint64_t va = hot_[asid][rng_.below(hot_[asid].size())];
			WalkEnd w = ref_walk(mem_, mem_.version(), asid, va, false);
			if (w.level >= 0 && (w.pte & CIRCE_HW_PTE_VALID) && w.level < 3 &&
			    (w.level == 0 || (w.pte & CIRCE_HW_PTE_LEAF)))
				g = { asid, va & ~(span_of(w.level) - 1), (unsigned)w.level };
		}
		uint64_t addr = pt_.slot(asid, g.va, g.level, false);
		if (op >= 95 && asid == 6) {
			// Drop the root; a later fault recreates one.
			pt_.set_root(6, 0, false, true);
			start_inv(rng_.pct(50) ? CIRCE_HW_INV_ASID : CIRCE_HW_INV_ALL, 6, 0, 0);
			return;
		}
		if (g.level == 1 && op >= 85) {
			// Merge: a level-1 table of 4 KiB leaves becomes one 2 MiB leaf.
			if (!addr || !(mem_.cur(addr) & CIRCE_HW_PTE_VALID) ||
			    (mem_.cur(addr) & CIRCE_HW_PTE_LEAF)) {
				start_inv(CIRCE_HW_INV_ALL, 0, 0, 0);
				return;
			}
			mem_.write(addr, pt_.leaf_pte(1, pt_.random_perms(), pt_.random_target(1)));
			lo = g.va;
			hi = g.va + span_of(1);
			whole = true;
		} else {
			uint64_t pte;
			if (!addr)
				goto spurious;
			pte = mem_.cur(addr);
			if (!(pte & CIRCE_HW_PTE_VALID) ||
			    (g.level > 0 && !(pte & CIRCE_HW_PTE_LEAF)))
				goto spurious;
			huge = g.level > 0;
			lo = g.va;
			hi = g.va + span_of(g.level);
			if (op < 35) {
				mem_.write(addr, pt_.invalid_pte()); // unmap
			} else if (op < 60) {
				mem_.write(addr, pt_.leaf_pte(g.level, pt_.random_perms(),
							      pt_.random_target(g.level)));
			} else if (op < 70) {
				uint64_t drop = rng_.pct(50) ? CIRCE_HW_PTE_READ : CIRCE_HW_PTE_WRITE;
				mem_.write(addr, pte & ~drop);
			} else if (g.level > 0) {
				// Split into a table of the next level's leaves.
				uint64_t t = pt_.alloc_table(), sub = span_of(g.level - 1);
				uint64_t base = pte & CIRCE_HW_PTE_ADDR_MASK & ~(span_of(g.level) - 1);
				for (unsigned i = 0; i < 512; i++)
					mem_.init_write(t + 8 * i,
							pt_.leaf_pte(g.level - 1, pt_.random_perms(),
								     base + i * sub));
				mem_.write(addr, pt_.link_pte(t));
				pt_.add_region({ asid, g.va + rng_.below(512) * sub, g.level - 1 });
				if (g.level == 1)
					pt_.add_region({ asid, g.va, 1 }); // for merges
			} else {
				mem_.write(addr, pt_.invalid_pte());
			}
		}
		{
			unsigned r = (unsigned)rng_.below(100);
			if (r < 75) {
				uint64_t start, end;
				if (huge && !whole && rng_.pct(30)) {
					// One 4 KiB page inside the huge page: the entry
					// overlaps it, so it goes.
					start = lo + (rng_.below((hi - lo) >> 12) << 12);
					end = start + 4096;
				} else {
					start = lo - std::min<uint64_t>(lo, rng_.below(4) << 12);
					end = hi + (rng_.below(4) << 12);
				}
				start_inv(CIRCE_HW_INV_RANGE, (uint16_t)asid, start,
					  (uint32_t)((end - start) >> 12));
			} else if (r < 92) {
				start_inv(CIRCE_HW_INV_ASID, (uint16_t)asid, 0, 0);
			} else {
				start_inv(CIRCE_HW_INV_ALL, 0, 0, 0);
			}
		}
		return;
spurious:
		start_inv(CIRCE_HW_INV_RANGE, (uint16_t)asid, g.va, 1);
	}

	// Fix the table so that the faulting access can succeed. False if it
	// cannot be fixed (bus error, non-canonical VA, ASID out of range).
	bool fix(uint32_t asid, uint64_t va, bool write)
	{
		WalkEnd w = ref_walk(mem_, mem_.version(), asid, va, write);

		if (w.x.status != kTrFault || (w.x.flags & CIRCE_HW_FAULT_NONCANON))
			return w.x.status == kTrOk;
		if (w.x.flags & CIRCE_HW_FAULT_NOROOT) {
			if (asid >= kAsids || asid == 5)
				return false;
			pt_.set_root(asid, pt_.alloc_table(), true, true);
			return true; // the next fault maps the page
		}
		uint64_t need = write ? CIRCE_HW_PTE_WRITE : CIRCE_HW_PTE_READ;
		if (w.x.flags & CIRCE_HW_FAULT_PERM) {
			mem_.write(w.pte_addr, w.pte | need);
			return true;
		}
		// Not valid (or a leaf at level 3): map a leaf of a random size that
		// fits where the walk stopped.
		unsigned maxl = std::min(w.level, 2);
		unsigned lv = (unsigned)rng_.below(maxl + 1);
		unsigned perms = pt_.random_perms() | (write ? 2u : 1u);
		if (w.level == 3 && (w.pte & CIRCE_HW_PTE_VALID)) {
			mem_.write(w.pte_addr, pt_.link_pte(pt_.alloc_table()));
			w.level = 2;
		}
		uint64_t addr = pt_.slot(asid, va, lv, true);
		if (!addr)
			return false;
		if (mem_.cur(addr) & CIRCE_HW_PTE_VALID)
			return true; // raced with another fix
		mem_.write(addr, pt_.leaf_pte(lv, perms, pt_.random_target(lv)));
		pt_.add_region({ asid, va & ~(span_of(lv) - 1), lv });
		return true;
	}

private:
	enum InvState { InvIdle, InvAsking, InvWaiting };

	const std::vector<Region> &regions_of(uint32_t asid) const { return pt_.regions(asid); }

	uint64_t min_window() const
	{
		uint64_t m = floor_;
		for (const auto &pr : ports_)
			for (const Req &r : pr.out)
				m = std::min(m, r.win);
		return m;
	}

	void tick_raw()
	{
		top_->clk_i = 0;
		top_->eval();
		top_->clk_i = 1;
		top_->eval();
	}

	// Inputs for the coming clock edge.
	void drive()
	{
		Vtb_mmu_top &t = *top_;

		t.asid_i = asid_;
		t.mode_i = mode_;
		for (unsigned a = 0; a < kAsids && roots_ver_ != mem_.version(); a++) {
			uint64_t root = mem_.cur(HostMem::kRootKey | a);
			sig_put(t.pt_root_i, 64 * a, 64, root & ~0xFFFull);
			sig_put(t.pt_root_valid_i, a, 1, root & CIRCE_HW_PT_ROOT_VALID);
		}
		roots_ver_ = mem_.version();
		for (unsigned p = 0; p < kPorts; p++) {
			PortReq &r = ports_[p];
			if (random_ && r.st == PortReq::Idle) {
				if (r.gap)
					r.gap--;
				else
					start_random(p);
			}
			sig_put(t.tr_req_valid_i, p, 1, r.st == PortReq::Asking);
			sig_put(t.tr_req_va_i, 64 * p, 64, r.va);
			sig_put(t.tr_req_write_i, p, 1, r.write);
			sig_put(t.tr_req_id_i, 2 * p, 2, r.id);
			sig_put(t.tr_rsp_ready_i, p, 1, rng_.pct(rsp_ready_pct_));
		}
		t.inv_valid_i = inv_st_ == InvAsking;
		t.inv_type_i = inv_type_;
		t.inv_asid_i = inv_asid_;
		t.inv_va_i = inv_va_;
		t.inv_pages_i = inv_pages_;

		if (policy_ == FaultPolicy::Random && fault_seen_ && !fault_answer_pending_ &&
		    cycle_ >= fault_decide_at_)
			decide_fault();
		t.fault_resp_valid_i = fault_answer_pending_ && cycle_ >= fault_answer_at_;
		t.fault_resp_i = fault_answer_;

		t.ar_ready_i = rng_.pct(ar_ready_pct_);
		// R: a read whose latency has passed, held until taken; reads of
		// different walkers (IDs) complete out of order.
		if (r_cur_ < 0) {
			for (size_t i = 0; i < rq_.size(); i++) {
				if (rq_[i].due <= cycle_) {
					r_cur_ = (int)i;
					if (i > 0)
						st_.r_out_of_order++;
					fill_r(rq_[i]);
					break;
				}
			}
		}
		if (r_cur_ >= 0) {
			t.r_valid_i = 1;
		} else {
			t.r_valid_i = 0;
			// Anything else on the bus must be ignored.
			t.r_id_i = (uint8_t)rng_.below(16);
			t.r_resp_i = (uint8_t)rng_.below(4);
		}
	}

	struct Read {
		uint64_t addr;
		uint64_t due;
		unsigned id;
	};

	void fill_r(const Read &rd)
	{
		Vtb_mmu_top &t = *top_;

		for (unsigned i = 0; i < 16; i++)
			t.r_data_i[i] = (uint32_t)rng_.u64();
		t.r_id_i = (uint8_t)rd.id;
		t.r_last_i = 1;
		if (!mem_.mapped(rd.addr)) {
			t.r_resp_i = 3; // DECERR
		} else if (mem_.slverr(rd.addr)) {
			t.r_resp_i = 2; // SLVERR
		} else {
			t.r_resp_i = rng_.pct(10) ? 1 : 0; // EXOKAY is a success too
			for (unsigned lane = 0; lane < 8; lane++) // the whole 64-byte line
				sig_put(t.r_data_i, 64 * lane, 64, mem_.cur(rd.addr + 8 * lane));
		}
	}

	void start_random(unsigned p)
	{
		PortReq &r = ports_[p];
		// VA bits 4:2 differ between the requests of a port in flight, so a
		// fault record or an OK answer names its request.
		unsigned k = 0;
		for (bool used = true; used; k += used) {
			used = false;
			for (const Req &q : r.out)
				used |= ((q.va >> 2) & 7) == k;
		}
		r.va = (pick_va(asid_, p) & ~0x1Cull) | ((uint64_t)k << 2);
		r.write = rng_.pct(30);
		// Streams: mostly the ID of the last request, else any.
		r.id = rng_.pct(50) ? r.last_id : (unsigned)rng_.below(kIds);
		r.last_id = r.id;
		r.st = PortReq::Asking;
		r.serial = ++serial_;
		r.done = false;
	}

	// Outputs before the clock edge: every handshake that happens at it.
	void sample()
	{
		Vtb_mmu_top &t = *top_;

		// Checks that hold every cycle.
		assert_int_equal(t.axi_write_o, 0);

		// Translation ports: the response first (a request accepted in the
		// cycle an older one of its ID leaves does not wait for it).
		for (unsigned p = 0; p < kPorts; p++) {
			PortReq &pr = ports_[p];
			bool hit = sig_get(t.perf_l1_hit_o, p, 1), miss = sig_get(t.perf_l1_miss_o, p, 1);
			if (hit && mode_ == CIRCE_HW_MMU_MODE_L2_ONLY) {
				print_error("port %u: an L1 hit in L2-only mode\n", p);
				fail();
			}
			st_.perf_hit += hit;
			st_.perf_miss += miss;
			st_.perf_stall += sig_get(t.perf_stall_o, p, 1);
			st_.perf_retry += (unsigned)__builtin_popcountll(
				sig_get(t.perf_retry_o, kSlots * p, kSlots));
			// A port takes a request while it has a free slot.
			if (sig_get(t.tr_req_ready_o, p, 1) != (pr.out.size() < kSlots)) {
				print_error("port %u: ready %u with %zu requests in flight\n", p,
					    (unsigned)sig_get(t.tr_req_ready_o, p, 1), pr.out.size());
				fail();
			}
			if (inv_st_ != InvIdle)
				for (Req &q : pr.out)
					q.inv_seen = true;
			if (sig_get(t.tr_rsp_valid_o, p, 1)) {
				unsigned id = (unsigned)sig_get(t.tr_rsp_id_o, 2 * p, 2);
				// Per-ID order: the answer is the oldest request of its ID.
				auto it = std::find_if(pr.out.begin(), pr.out.end(),
						       [id](const Req &q) { return q.id == id; });
				if (it == pr.out.end() || it->faulted) {
					print_error("port %u: response of ID %u without a request\n", p, id);
					fail();
				}
				if (!it->rsp_seen)
					it->first_rsp_cycle = cycle_;
				it->rsp_seen = true;
				on_bus_[p] = &*it;
				if (sig_get(t.tr_rsp_ready_i, p, 1)) {
					on_bus_[p] = nullptr;
					check_response(p, it);
				}
			} else {
				on_bus_[p] = nullptr;
				// Nothing on the bus: no hit whose turn it was may wait
				// (unless an invalidation dropped it meanwhile).
				for (const Req &q : pr.out) {
					if (q.hit && q.first && !q.inv_seen && q.accept_cycle < cycle_) {
						print_error("port %u va=0x%" PRIx64 " ID %u: a hit not answered "
							    "while the response bus is idle (accepted at %" PRIu64
							    ", cycle %" PRIu64 ")\n",
							    p, q.va, q.id, q.accept_cycle, cycle_);
						fail();
					}
				}
			}
			if (pr.st == PortReq::Asking && sig_get(t.tr_req_ready_o, p, 1)) {
				Req q;
				q.serial = pr.serial;
				q.va = pr.va;
				q.write = pr.write;
				q.id = pr.id;
				q.asid = asid_;
				q.accept_cycle = cycle_;
				// A hit may reflect any version since the last completed
				// invalidation; so may a walk, whose walk cache holds PTE
				// lines read since then (it decides faults on fresh reads).
				q.win = floor_;
				q.hit = hit;
				q.first = std::none_of(pr.out.begin(), pr.out.end(),
						       [&](const Req &o) { return o.id == q.id; });
				q.inv_seen = inv_st_ != InvIdle;
				st_.same_id_waits += hit && !q.first;
				pr.out.push_back(q);
				pr.st = PortReq::Idle;
				pr.gap = rng_.pct(60) ? 0 : (unsigned)rng_.below(8);
				st_.accepted++;
				st_.max_port_out = std::max<uint64_t>(st_.max_port_out, pr.out.size());
				if (pr.out.size() > kSlots) {
					print_error("port %u: more than %u requests taken\n", p, kSlots);
					fail();
				}
				if (hit + miss != 1) {
					print_error("port %u: accept without exactly one hit/miss pulse\n", p);
					fail();
				}
			} else if (hit || miss) {
				print_error("port %u: hit/miss pulse without an accepted request\n", p);
				fail();
			}
		}

		// Walker AXI.
		if (t.ar_valid_o && t.ar_ready_i) {
			bool busy_id = false;
			for (const Read &q : rq_)
				busy_id |= q.id == t.ar_id_o;
			if (t.ar_id_o < kIdWalker || t.ar_id_o >= kIdWalker + kWalkers || busy_id ||
			    t.ar_len_o != 0 || t.ar_size_o != 6 || t.ar_burst_o != 1 ||
			    (t.ar_addr_o & 63)) {
				print_error("walker AR id=%u len=%u size=%u burst=%u addr=0x%" PRIx64 "\n",
					    t.ar_id_o, t.ar_len_o, t.ar_size_o, t.ar_burst_o, t.ar_addr_o);
				fail();
			}
			unsigned lat = lat_min_ + (unsigned)rng_.below(lat_max_ - lat_min_ + 1);
			if (lat_max_ > 8 && rng_.pct(2))
				lat += (unsigned)rng_.below(100); // now and then a slow read
			rq_.push_back({ t.ar_addr_o, cycle_ + 1 + lat, t.ar_id_o });
			st_.ar++;
			st_.ids_seen |= 1u << (t.ar_id_o - kIdWalker);
			st_.max_outstanding = std::max<uint64_t>(st_.max_outstanding, rq_.size());
			if (!random_)
				ar_log_.push_back(t.ar_addr_o);
		}
		if (t.r_valid_i && t.r_ready_o) {
			if (t.r_resp_i & 2)
				st_.r_err++;
			else
				st_.r_ok++;
			rq_.erase(rq_.begin() + r_cur_);
			r_cur_ = -1;
		}
		st_.perf_walk += t.perf_walk_o;
		st_.perf_walk_cycles += (unsigned)__builtin_popcount(t.perf_walk_cycle_o);
		st_.perf_fault += t.perf_fault_o;
		st_.perf_pte += (unsigned)__builtin_popcount(t.perf_pte_read_o);
		st_.perf_wc += (unsigned)__builtin_popcount(t.perf_wc_hit_o);
		st_.perf_line += t.perf_line_read_o;
		st_.perf_l2_hit += t.perf_l2_hit_o;
		st_.perf_l2_miss += t.perf_l2_miss_o;
		st_.perf_l2_fill += t.perf_l2_fill_o;
		st_.perf_l2_evict += t.perf_l2_evict_o;
		st_.perf_pf += t.perf_pf_o;
		// (a request accepted before the mode changed may still probe)
		bool all_new = true;
		for (const PortReq &pr : ports_)
			for (const Req &r : pr.out)
				all_new &= r.accept_cycle > mode_cycle_;
		if (t.perf_l2_hit_o && mode_ == CIRCE_HW_MMU_MODE_L1_ONLY && all_new) {
			print_error("an L2 hit in L1-only mode\n");
			fail();
		}

		// Invalidation.
		if (inv_st_ == InvWaiting && t.inv_done_o) {
			inv_st_ = InvIdle;
			floor_ = inv_issue_ver_;
			// The port drops every answer held for its turn (not the one on
			// the response bus) and translates again after the TLBs and the
			// walk cache were invalidated: those answers reflect the new tables.
			for (unsigned p = 0; p < kPorts; p++)
				for (Req &q : ports_[p].out)
					if (&q != on_bus_[p] && !q.aborted)
						q.win = std::max(q.win, inv_issue_ver_);
		} else if (t.inv_done_o) {
			print_error("inv_done without an invalidation\n");
			fail();
		}
		if (inv_st_ == InvAsking && t.inv_ready_o)
			inv_st_ = InvWaiting;

		// Fault queue.
		if (t.fault_resp_valid_i) {
			fault_answered();
		} else if (t.fault_valid_o) {
			if (!fault_seen_)
				see_fault();
			else if (t.fault_va_o != fault_va_ || t.fault_flags_o != fault_flags_ ||
				 t.fault_asid_o != fault_asid_) {
				print_error("fault queue head changed before it was answered\n");
				fail();
			}
		}
	}

	// Does got equal the reference at a version in [from, now]?
	bool in_window(const Xlat &got, uint32_t asid, uint64_t va, bool write, uint64_t from,
		       Xlat *now)
	{
		uint64_t v = mem_.version();
		*now = ref_translate(mem_, v, asid, va, write);
		if (*now == got)
			return true;
		while (v > from) {
			v--;
			if (ref_translate(mem_, v, asid, va, write) == got) {
				st_.stale_ok++;
				return true;
			}
		}
		return false;
	}

	void check_response(unsigned p, std::list<Req>::iterator it)
	{
		Vtb_mmu_top &t = *top_;
		PortReq &pr = ports_[p];
		Req &r = *it;
		Xlat got, want;

		got.iova = sig_get(t.tr_rsp_iova_o, 64 * p, 64);
		got.status = (unsigned)sig_get(t.tr_rsp_status_o, 2 * p, 2);
		got.flags = (uint32_t)sig_get(t.tr_rsp_flags_o, 32 * p, 32);
		got.shift = (unsigned)sig_get(t.tr_rsp_shift_o, 6 * p, 6);
		st_.responses++;
		// An OK answer keeps the page offset: it names its request.
		if (got.status == kTrOk && ((got.iova ^ r.va) & 0xFFF)) {
			print_error("port %u ID %u: answer iova=0x%" PRIx64 " is not for the oldest "
				    "request of the ID (va=0x%" PRIx64 "): per-ID order broken\n",
				    p, r.id, got.iova, r.va);
			fail();
		}
		if (r.aborted) {
			want.status = kTrFault;
			want.flags = r.abort_flags;
			if (got != want) {
				print_error("port %u va=0x%" PRIx64 ": aborted, got %s, want %s\n", p, r.va,
					    xlat_str(got).c_str(), xlat_str(want).c_str());
				fail();
			}
			st_.faults_ans++;
		} else {
			bool ok = got.status != kTrFault &&
				  in_window(got, r.asid, r.va, r.write, r.win, &want);
			if (!ok) {
				print_error("port %u ID %u asid=%u va=0x%" PRIx64 " %s (versions %" PRIu64
					    "..%" PRIu64 ", cycle %" PRIu64 "): got %s, want %s\n",
					    p, r.id, r.asid, r.va, r.write ? "write" : "read", r.win,
					    mem_.version(), cycle_, xlat_str(got).c_str(),
					    xlat_str(want).c_str());
				fail();
			}
			if (got.status == kTrOk) {
				st_.ok++;
				st_.by_shift[(got.shift - 12) / 9]++;
			} else {
				st_.bus_errors++;
			}
		}
		for (auto o = pr.out.begin(); o != it; ++o)
			st_.overtakes++; // older requests (of other IDs) still in flight
		if (!random_) {
			Result &res = results_[r.serial];
			res.got = got;
			res.accept_cycle = r.accept_cycle;
			res.rsp_cycle = cycle_;
			res.latency = r.first_rsp_cycle - r.accept_cycle;
			res.hit = r.hit;
		}
		if (r.serial == pr.serial) {
			pr.got = got;
			pr.latency = r.first_rsp_cycle - r.accept_cycle;
			pr.accept_cycle = r.accept_cycle;
			pr.done = true;
		}
		pr.out.erase(it);
	}

	// The request a fault record names (nullptr: none).
	Req *find_faulting(uint64_t va, uint16_t asid, unsigned *port)
	{
		for (unsigned q = 0; q < kPorts; q++) {
			if (random_ && q != (va & 3))
				continue; // random traffic names the port in VA bits 1:0
			for (Req &r : ports_[q].out) {
				if (!r.faulted && r.va == va && (uint16_t)r.asid == asid) {
					*port = q;
					return &r;
				}
			}
		}
		return nullptr;
	}

	void see_fault()
	{
		Vtb_mmu_top &t = *top_;
		Xlat got, want;
		unsigned p = 0;

		fault_seen_ = true;
		fault_va_ = t.fault_va_o;
		fault_flags_ = t.fault_flags_o;
		fault_asid_ = t.fault_asid_o;
		st_.fault_records++;
		fault_req_ = find_faulting(fault_va_, fault_asid_, &p);
		if (!fault_req_) {
			print_error("fault record va=0x%" PRIx64 " asid=%u matches no waiting request\n",
				    fault_va_, fault_asid_);
			fail();
			return;
		}
		Req &r = *fault_req_;
		r.faulted = true;
		got.status = kTrFault;
		got.flags = fault_flags_;
		if (!in_window(got, r.asid, r.va, r.write, r.win, &want)) {
			print_error("port %u asid=%u va=0x%" PRIx64 " %s (versions %" PRIu64 "..%" PRIu64
				    "): fault record %s, want %s\n",
				    p, r.asid, r.va, r.write ? "write" : "read", r.win, mem_.version(),
				    xlat_str(got).c_str(), xlat_str(want).c_str());
			fail();
		}
		fault_decide_at_ = cycle_ + (rng_.pct(50) ? rng_.below(4) : rng_.below(60));
	}

	// Random host: fix and resume, resume as is, or abort.
	void decide_fault()
	{
		Req &r = *fault_req_;
		unsigned d = (unsigned)rng_.below(100);
		uint32_t resp = CIRCE_HW_FAULT_RESP_ABORT;

		if (r.rounds < 4 && !(fault_flags_ & CIRCE_HW_FAULT_NONCANON)) {
			if (d < 75) {
				if (fix(r.asid, r.va, r.write)) {
					st_.fixes++;
					resp = CIRCE_HW_FAULT_RESP_RESUME;
				}
			} else if (d < 88) {
				resp = CIRCE_HW_FAULT_RESP_RESUME;
			}
		} else if (r.rounds < 1 && rng_.pct(30)) {
			resp = CIRCE_HW_FAULT_RESP_RESUME; // it faults again
		}
		if (rng_.pct(3))
			resp = rng_.pct(50) ? 0 : 3; // ignored values: nothing happens
		fault_answer_pending_ = true;
		fault_answer_at_ = cycle_;
		fault_answer_ = resp;
	}

	void fault_answered()
	{
		Req &r = *fault_req_;

		fault_answer_pending_ = false;
		if (fault_answer_ == CIRCE_HW_FAULT_RESP_RESUME) {
			fault_seen_ = false;
			r.faulted = false;
			r.rounds++;
			r.win = floor_;
			st_.resumes++;
		} else if (fault_answer_ == CIRCE_HW_FAULT_RESP_ABORT) {
			fault_seen_ = false;
			r.faulted = false;
			r.aborted = true;
			r.abort_flags = fault_flags_;
			st_.aborts++;
		} else {
			// Not an answer: the head stays; decide again later.
			fault_decide_at_ = cycle_ + 1 + rng_.below(8);
		}
	}

	std::unique_ptr<VerilatedContext> ctx_;
	std::unique_ptr<Vtb_mmu_top> top_;
	Rng rng_;
	HostMem mem_;
	PageTables pt_;
	std::array<PortReq, kPorts> ports_;
	std::vector<std::vector<uint64_t>> hot_;
	Stats st_;
	uint64_t cycle_ = 0;
	uint64_t floor_ = 0;
	uint64_t roots_ver_ = ~0ull; // version the root inputs were driven from
	uint32_t asid_ = 0;
	bool random_ = false;
	unsigned mode_ = CIRCE_HW_MMU_MODE_HYBRID;
	uint64_t mode_cycle_ = 0; // cycle of the last mode change
	bool mode_switching_ = false;
	int r_cur_ = -1; // index in rq_ of the R beat on the bus
	FaultPolicy policy_ = FaultPolicy::Manual;
	unsigned rsp_ready_pct_ = 100, ar_ready_pct_ = 100;
	unsigned lat_min_ = 1, lat_max_ = 4;

	std::deque<Read> rq_;
	std::vector<uint64_t> ar_log_; // PTE read addresses outside random runs

	InvState inv_st_ = InvIdle;
	unsigned inv_type_ = 0;
	uint16_t inv_asid_ = 0;
	uint64_t inv_va_ = 0;
	uint32_t inv_pages_ = 0;
	uint64_t inv_issue_ver_ = 0;

	bool fault_seen_ = false, fault_answer_pending_ = false;
	uint64_t fault_va_ = 0, fault_answer_at_ = 0, fault_decide_at_ = 0;
	uint32_t fault_flags_ = 0, fault_answer_ = 0;
	uint16_t fault_asid_ = 0;
	Req *fault_req_ = nullptr; // the request of the record seen
	std::array<Req *, kPorts> on_bus_{}; // the request answered on the bus, not taken yet

	uint64_t serial_ = 0;
	std::map<uint64_t, Result> results_; // answers outside random runs
};

} // namespace

// ---- tests ----
namespace {

struct TestState {
	uint64_t seed;
	Bench *bench;
};

uint64_t mmu_base_seed()
{
	const char *env = getenv("CIRCE_SEED");
	return env && *env ? strtoull(env, nullptr, 0) : kDefaultSeed;
}

int bench_setup(void **state)
{
	auto *ts = static_cast<TestState *>(*state);
	ts->bench = new Bench(ts->seed);
	return 0;
}

int bench_teardown(void **state)
{
	auto *ts = static_cast<TestState *>(*state);
	delete ts->bench;
	ts->bench = nullptr;
	return 0;
}

Bench &bench_of(void **state)
{
	return *static_cast<TestState *>(*state)->bench;
}

Xlat ok_xlat(uint64_t iova, unsigned level)
{
	Xlat x;
	x.status = kTrOk;
	x.iova = iova;
	x.shift = CIRCE_HW_PT_LEVEL_SHIFT(level);
	return x;
}

Xlat fault_xlat(uint32_t flags)
{
	Xlat x;
	x.status = kTrFault;
	x.flags = flags;
	return x;
}

Xlat bus_error_xlat()
{
	Xlat x;
	x.status = kTrBusError;
	return x;
}

// Translate on port p with the job's ASID set to asid; a fault is checked
// against want (record: VA, ASID, flags) and aborted, so the answer is
// TrFault with the flags.
Xlat translate_or_abort(Bench &b, unsigned p, uint32_t asid, uint64_t va, bool write)
{
	Vtb_mmu_top &t = b.top();

	b.set_asid(asid);
	b.issue(p, va, write);
	bool ok = b.run_until([&] { return b.port(p).done || t.fault_valid_o; }, 20000);
	assert_true(ok);
	if (!b.port(p).done) {
		assert_int_equal(t.fault_va_o, va);
		assert_int_equal(t.fault_asid_o, (uint16_t)asid);
		b.step(); // the bench sees the record
		b.answer_fault(CIRCE_HW_FAULT_RESP_ABORT);
		ok = b.run_until([&] { return b.port(p).done; }, 20000);
		assert_true(ok);
	}
	return b.port(p).got;
}

void expect_xlat(Bench &b, uint32_t asid, uint64_t va, bool write, const Xlat &want)
{
	Xlat got = translate_or_abort(b, 0, asid, va, write);
	if (got != want) {
		print_error("asid=%u va=0x%" PRIx64 " %s: got %s, want %s\n", asid, va,
			    write ? "write" : "read", xlat_str(got).c_str(), xlat_str(want).c_str());
		fail();
	}
}

// Hand-made tables for ASID 1: every rule of the walk once.
void test_walk_semantics(void **state)
{
	Bench &b = bench_of(state);
	HostMem &m = b.mem();
	PageTables &pt = b.pt();
	uint64_t root = pt.alloc_table();
	const uint64_t va4k = 0x0000123456789000ull, va2m = 0x00001234a0000000ull,
		       va1g = 0x0000234540000000ull;
	uint64_t a;

	pt.set_root(1, root, true, true);
	// 4 KiB, R/W, LEAF clear (level 0 leaves need no LEAF bit), junk in ignored bits.
	a = pt.slot(1, va4k, 0, true);
	m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE | 0xABC0000000000FF0ull |
			   0x000F00000BEEF000ull);
	expect_xlat(b, 1, va4k + 0x123, false, ok_xlat(0x000F00000BEEF123ull, 0));
	expect_xlat(b, 1, va4k + 0x124, true, ok_xlat(0x000F00000BEEF124ull, 0));
	// The walk read root, level 2, level 1, level 0 entries at table + 8 * index.
	{
		auto &log = b.ar_log();
		assert_true(log.size() >= 4);
		assert_int_equal(log[0], (root + 8 * CIRCE_HW_PT_INDEX(va4k, 3)) & ~63ull);
	}
	// 4 KiB, LEAF set, read-only: a write is a PERM fault.
	a = pt.slot(1, va4k + 0x1000, 0, true);
	m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | CIRCE_HW_PTE_LEAF | 0x5000ull);
	expect_xlat(b, 1, va4k + 0x1008, false, ok_xlat(0x5008, 0));
	expect_xlat(b, 1, va4k + 0x1008, true,
		    fault_xlat(CIRCE_HW_FAULT_PERM | CIRCE_HW_FAULT_WRITE));
	// 4 KiB with no permission at all.
	a = pt.slot(1, va4k + 0x2000, 0, true);
	m.write(a, CIRCE_HW_PTE_VALID | 0x6000ull);
	expect_xlat(b, 1, va4k + 0x2000, false, fault_xlat(CIRCE_HW_FAULT_PERM));
	// 2 MiB with junk address bits below 2 MiB: ignored.
	a = pt.slot(1, va2m, 1, true);
	m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | CIRCE_HW_PTE_LEAF | 0x0000000760000000ull |
			   0x1FF000ull);
	expect_xlat(b, 1, va2m + 0x1ABCDE, false, ok_xlat(0x7601ABCDEull, 1));
	// 1 GiB, write-only.
	a = pt.slot(1, va1g, 2, true);
	m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_WRITE | CIRCE_HW_PTE_LEAF | 0x000FFFFFC0000000ull |
			   0x3FFFF000ull);
	expect_xlat(b, 1, va1g + 0x3ABCDEF1, true, ok_xlat(0x000FFFFFFABCDEF1ull, 2));
	expect_xlat(b, 1, va1g + 0x3ABCDEF1, false, fault_xlat(CIRCE_HW_FAULT_PERM));
	// A leaf at level 3 is invalid.
	a = root + 8 * 7;
	m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_LEAF | CIRCE_HW_PTE_READ | CIRCE_HW_PTE_WRITE);
	expect_xlat(b, 1, (7ull << 39) + 0x1000, true, fault_xlat(CIRCE_HW_FAULT_WRITE));
	expect_xlat(b, 1, (7ull << 39) + 0x1000, false, fault_xlat(0));
	// Not valid at levels 3, 2, 1, 0 (with junk in the other bits).
	m.write(root + 8 * 9, 0xFFFFFFFFFFFFFFFEull);
	expect_xlat(b, 1, 9ull << 39, false, fault_xlat(0));
	expect_xlat(b, 1, va4k + 0x7000, true, fault_xlat(CIRCE_HW_FAULT_WRITE));
	expect_xlat(b, 1, va2m + (1ull << 21), false, fault_xlat(0));
	expect_xlat(b, 1, va1g + (1ull << 30), false, fault_xlat(0));
	// Non-canonical VAs: no PTE read, even where bits 47:0 hit in the TLB.
	b.ar_log().clear();
	expect_xlat(b, 1, va4k | (1ull << 48), false, fault_xlat(CIRCE_HW_FAULT_NONCANON));
	expect_xlat(b, 1, va4k | (1ull << 63), true,
		    fault_xlat(CIRCE_HW_FAULT_NONCANON | CIRCE_HW_FAULT_WRITE));
	expect_xlat(b, 1, 0x0001000000000000ull, false, fault_xlat(CIRCE_HW_FAULT_NONCANON));
	expect_xlat(b, 1, 0xFFFF800000000000ull, true,
		    fault_xlat(CIRCE_HW_FAULT_NONCANON | CIRCE_HW_FAULT_WRITE));
	// No root: invalid root, ASID out of range (recorded as its low 16 bits).
	expect_xlat(b, 2, va4k, false, fault_xlat(CIRCE_HW_FAULT_NOROOT));
	expect_xlat(b, kAsids, va4k, true, fault_xlat(CIRCE_HW_FAULT_NOROOT | CIRCE_HW_FAULT_WRITE));
	expect_xlat(b, 0x10001, va4k, false, fault_xlat(CIRCE_HW_FAULT_NOROOT));
	// Non-canonical wins over no root, as in sim/fmodel.
	expect_xlat(b, 2, 1ull << 63, false, fault_xlat(CIRCE_HW_FAULT_NONCANON));
	assert_int_equal(b.ar_log().size(), 0);
	// Bus errors: a link to an unmapped table (DECERR), to a SLVERR table,
	// a root at an unmapped IOVA.
	m.write(root + 8 * 11, pt.link_pte(pt.unmapped_iova()));
	expect_xlat(b, 1, 11ull << 39, true, bus_error_xlat());
	{
		uint64_t t = pt.alloc_table();
		m.set_slverr(t);
		a = pt.slot(1, 12ull << 39, 2, true);
		m.write(a, pt.link_pte(t));
		expect_xlat(b, 1, 12ull << 39, false, bus_error_xlat());
	}
	pt.set_root(3, pt.unmapped_iova(), true, true);
	expect_xlat(b, 3, va4k, false, bus_error_xlat());
	// All of it again from the TLB where it hits: same answers.
	expect_xlat(b, 1, va2m + 0x1ABCDE, false, ok_xlat(0x7601ABCDEull, 1));
	expect_xlat(b, 1, va1g + 0x3ABCDEF1, true, ok_xlat(0x000FFFFFFABCDEF1ull, 2));
	expect_xlat(b, 1, va1g + 0x3ABCDEF1, false, fault_xlat(CIRCE_HW_FAULT_PERM));
	expect_xlat(b, 1, va4k + 0x1008, true,
		    fault_xlat(CIRCE_HW_FAULT_PERM | CIRCE_HW_FAULT_WRITE));
}

// A TLB hit after a walk answers in one cycle, on every port at once.
void test_hit_latency(void **state)
{
	Bench &b = bench_of(state);
	PageTables &pt = b.pt();
	const uint64_t va[3] = { 0x00007f0012345000ull, 0x00007f0040200000ull, 0x00007f0080000000ull };
	uint64_t lat, walks;

	pt.set_root(1, pt.alloc_table(), true, true);
	for (unsigned l = 0; l < 3; l++)
		assert_true(pt.map_leaf(1, va[l], l, 3));
	b.set_asid(1);
	b.set_latency(3, 3);
	for (unsigned l = 0; l < 3; l++) {
		uint64_t lines = b.stats().perf_line, wc = b.stats().perf_wc, pf = b.stats().perf_pf;
		Xlat x = b.translate(0, va[l] + 0x10, false, &lat);
		assert_int_equal(x.status, kTrOk);
		assert_int_equal(x.shift, CIRCE_HW_PT_LEVEL_SHIFT(l));
		for (int i = 0; i < 20; i++)
			b.step(); // a prefetch the walk started completes
		// Lines the walk read (not the next-line prefetch of a 4 KiB walk).
		lines = b.stats().perf_line - lines - (b.stats().perf_pf - pf);
		assert_int_equal(b.stats().perf_pf - pf, l == 0 ? 1 : 0);
		wc = b.stats().perf_wc - wc;
		print_message("# tb_mmu: %s page: miss answered in %" PRIu64
			      " cycles (%" PRIu64 " PTE lines read, memory latency 4; %" PRIu64
			      " PTEs from the walk cache)\n",
			      l == 0 ? "4 KiB" : l == 1 ? "2 MiB" : "1 GiB", lat, lines, wc);
		// The first walk reads every level from memory; the others find
		// the upper tables (the same lines) in the walk cache.
		assert_int_equal(lines + wc, 4 - l);
		if (l == 0) {
			assert_int_equal(lines, 4);
			assert_true(lat > 4 * 4);
		} else {
			assert_true(wc >= 2);
			assert_true(lat < 4 * 4);
		}
		walks = b.stats().perf_walk;
		x = b.translate(0, va[l] + 0x20 + (l ? 0x3000 : 0), true, &lat);
		assert_int_equal(x.status, kTrOk);
		assert_int_equal(lat, 1);
		assert_int_equal(b.stats().perf_walk, walks);
	}
	print_message("# tb_mmu: L1 hit answered in 1 cycle\n");
	// Three ports hit in the same cycle.
	walks = b.stats().perf_walk;
	for (unsigned p = 0; p < kPorts; p++)
		b.issue(p, va[p] + 0x40 + p, p == 1);
	assert_true(b.run_until(
		[&] { return b.port(0).done && b.port(1).done && b.port(2).done; }, 100));
	for (unsigned p = 0; p < kPorts; p++) {
		assert_int_equal(b.port(p).got.status, kTrOk);
		assert_int_equal(b.port(p).latency, 1);
		assert_int_equal(b.port(p).accept_cycle, b.port(0).accept_cycle);
	}
	assert_int_equal(b.stats().perf_walk, walks);
	// Back-to-back hits on one port: one translation every 2 cycles.
	uint64_t c0 = b.cycle();
	for (int i = 0; i < 10; i++)
		b.translate(0, va[1] + (uint64_t)i * 4096, false);
	assert_true(b.cycle() - c0 <= 21);
}

bool is_hit(Bench &b, unsigned p, uint32_t asid, uint64_t va)
{
	uint64_t lat;
	b.set_asid(asid);
	Xlat x = b.translate(p, va, false, &lat);
	assert_int_equal(x.status, kTrOk);
	return lat == 1;
}

// Range invalidation removes every entry it overlaps, huge ones included,
// and nothing else.
void test_inv_range(void **state)
{
	Bench &b = bench_of(state);
	HostMem &m = b.mem();
	PageTables &pt = b.pt();
	const uint64_t x2m = 0x0000100000200000ull, y4k = 0x0000100000600000ull,
		       z1g = 0x0000100040000000ull;

	pt.set_root(1, pt.alloc_table(), true, true);
	pt.set_root(2, pt.alloc_table(), true, true);
	assert_true(pt.map_leaf(1, x2m, 1, 3));
	assert_true(pt.map_leaf(1, y4k, 0, 3));
	assert_true(pt.map_leaf(1, z1g, 2, 3));
	assert_true(pt.map_leaf(2, x2m, 1, 3));
	auto fill_all = [&] {
		is_hit(b, 0, 1, x2m);
		is_hit(b, 0, 1, y4k);
		is_hit(b, 0, 1, z1g);
		is_hit(b, 0, 2, x2m);
		assert_true(is_hit(b, 0, 1, x2m + 0x1FF000));
		assert_true(is_hit(b, 0, 1, y4k + 0x10));
		assert_true(is_hit(b, 0, 1, z1g + 0x12345678));
		assert_true(is_hit(b, 0, 2, x2m + 0x100000));
	};
	fill_all();

	// One 4 KiB page inside the 2 MiB entry removes the whole entry.
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m + 0x5000, 1);
	assert_false(is_hit(b, 0, 1, x2m + 0x1000));
	assert_true(is_hit(b, 0, 1, y4k));
	assert_true(is_hit(b, 0, 2, x2m));
	assert_true(is_hit(b, 0, 1, z1g));

	// A range that ends where the entry starts leaves it; one more page removes it.
	assert_true(is_hit(b, 0, 1, x2m));
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m - 0x4000, 4);
	assert_true(is_hit(b, 0, 1, x2m));
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m - 0x4000, 5);
	assert_false(is_hit(b, 0, 1, x2m + 0x1FF000));
	// A range that starts right after the entry leaves it.
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m + 0x200000, 100);
	assert_true(is_hit(b, 0, 1, x2m));
	// The last page of the 1 GiB entry.
	b.invalidate(CIRCE_HW_INV_RANGE, 1, z1g + 0x3FFFF000, 1);
	assert_false(is_hit(b, 0, 1, z1g));
	// A range over all of them (the most pages INV_PAGES holds).
	fill_all();
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m - 0x10000000, 0xFFFFFFFFu);
	assert_false(is_hit(b, 0, 1, x2m));
	assert_false(is_hit(b, 0, 1, y4k));
	assert_false(is_hit(b, 0, 1, z1g));
	assert_true(is_hit(b, 0, 2, x2m));

	// No-ops: zero pages, a non-canonical start, an ASID out of range,
	// type 0.
	fill_all();
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m, 0);
	b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m | (1ull << 48), 1);
	b.invalidate(CIRCE_HW_INV_RANGE, (uint16_t)(kAsids + 1), x2m, 1);
	b.invalidate(CIRCE_HW_INV_ASID, (uint16_t)(kAsids + 1), 0, 0);
	b.invalidate(0, 1, 0, 0);
	assert_true(is_hit(b, 0, 1, x2m));
	assert_true(is_hit(b, 0, 1, y4k));
	assert_true(is_hit(b, 0, 1, z1g));
	assert_true(is_hit(b, 0, 2, x2m));

	// A remap without invalidation keeps answering the old page (a TLB);
	// the range invalidation of one page inside makes the new one visible.
	{
		uint64_t a = pt.slot(1, x2m, 1, false);
		b.set_asid(1);
		uint64_t old_iova = b.translate(0, x2m + 0x1234, false).iova;
		m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_LEAF | CIRCE_HW_PTE_READ |
				   0x0000000ABCC00000ull);
		assert_int_equal(b.translate(0, x2m + 0x1234, false).iova, old_iova);
		b.invalidate(CIRCE_HW_INV_RANGE, 1, x2m + 0x100000, 1);
		assert_int_equal(b.translate(0, x2m + 0x1234, false).iova, 0x0000000ABCC01234ull);
	}

	// By ASID, then all.
	fill_all();
	b.invalidate(CIRCE_HW_INV_ASID, 1, 0, 0);
	assert_false(is_hit(b, 0, 1, y4k));
	assert_false(is_hit(b, 0, 1, z1g));
	assert_true(is_hit(b, 0, 2, x2m));
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	assert_false(is_hit(b, 0, 2, x2m));
	assert_false(is_hit(b, 0, 1, y4k));

	// An invalidation waits for the walk in flight; its fill is removed.
	{
		uint64_t lat;
		b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
		b.set_latency(40, 40);
		b.set_asid(1);
		b.issue(1, y4k + 0x20, false);
		assert_true(b.run_until([&] { return b.top().perf_walk_cycle_o; }, 100));
		b.start_inv(CIRCE_HW_INV_RANGE, 1, y4k, 1);
		assert_true(b.run_until([&] { return b.inv_idle(); }, 1000));
		assert_true(b.port(1).done);
		b.set_latency(1, 4);
		b.translate(0, y4k, false, &lat);
		assert_true(lat > 1);
	}
}

// A walk that refills a page the TLB holds replaces its entry, even when a
// lower entry is free, so a lookup never matches two entries; a huge fill
// drops the smaller entries inside it.
void test_refill(void **state)
{
	Bench &b = bench_of(state);
	HostMem &m = b.mem();
	PageTables &pt = b.pt();
	const uint64_t a = 0x0000300000000000ull, p = 0x0000300000001000ull;
	const uint64_t h = 0x0000300000400000ull; // 2 MiB region, 4 KiB pages first
	uint64_t lat, addr;
	Xlat x;

	// The L1's own refill rules: without the L2 (which would answer the
	// stale pages this test leaves on purpose).
	b.set_mode(CIRCE_HW_MMU_MODE_L1_ONLY);
	pt.set_root(1, pt.alloc_table(), true, true);
	assert_true(pt.map_leaf(1, a, 0, 3));
	assert_true(pt.map_leaf(1, p, 0, 1)); // read-only
	b.set_asid(1);
	b.translate(0, a, false);      // entry 0
	b.translate(0, p, false);      // entry 1
	assert_true(is_hit(b, 0, 1, p));
	b.invalidate(CIRCE_HW_INV_RANGE, 1, a, 1); // entry 0 free again
	// Grant W (no invalidation needed): the write walks and refills.
	addr = pt.slot(1, p, 0, false);
	m.write(addr, m.cur(addr) | CIRCE_HW_PTE_WRITE);
	x = b.translate(0, p + 8, true, &lat);
	assert_int_equal(x.status, kTrOk);
	assert_true(lat > 1);
	x = b.translate(0, p + 16, true, &lat);
	assert_int_equal(x.status, kTrOk);
	assert_int_equal(lat, 1);
	x = b.translate(1, p + 24, false, &lat);
	assert_int_equal(lat, 1);

	// 4 KiB entries of a region that becomes one 2 MiB page (left stale on
	// purpose: no invalidation); the 2 MiB fill drops them.
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	assert_true(pt.map_leaf(1, h + 0x1000, 0, 3));
	assert_true(pt.map_leaf(1, h + 0x2000, 0, 3));
	assert_true(pt.map_leaf(1, h + 0x3000, 0, 3));
	b.translate(0, h + 0x1000, false);
	b.translate(0, h + 0x2000, false);
	b.translate(0, h + 0x3000, false);
	b.invalidate(CIRCE_HW_INV_RANGE, 1, h + 0x1000, 1); // a hole below the others
	addr = pt.slot(1, h, 1, false);
	m.write(addr, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_LEAF | CIRCE_HW_PTE_READ | 0x0000000777600000ull);
	x = b.translate(0, h + 0x5000, false, &lat); // misses, fills the 2 MiB page
	assert_int_equal(x.iova, 0x0000000777605000ull);
	x = b.translate(0, h + 0x2008, false, &lat);
	assert_int_equal(x.iova, 0x0000000777602008ull);
	assert_int_equal(lat, 1);
	x = b.translate(2, h + 0x3008, false, &lat);
	assert_int_equal(x.iova, 0x0000000777603008ull);
	assert_int_equal(lat, 1);

	// The other way round: a cached read-only 2 MiB page split into
	// writable 4 KiB pages (stale on purpose); a write misses on the
	// permission, walks, and its 4 KiB fill drops the 2 MiB entry.
	{
		uint64_t t = pt.alloc_table();
		for (unsigned i = 0; i < 512; i++)
			m.init_write(t + 8 * i, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ |
							CIRCE_HW_PTE_WRITE | (0x0000000999000000ull + i * 4096ull));
		m.write(addr, pt.link_pte(t));
	}
	x = b.translate(0, h + 0x7000, true, &lat);
	assert_int_equal(x.iova, 0x0000000999007000ull);
	assert_true(lat > 1);
	x = b.translate(0, h + 0x9000, false, &lat); // the 2 MiB entry is gone
	assert_int_equal(x.iova, 0x0000000999009000ull);
	assert_true(lat > 1);
	x = b.translate(1, h + 0x7010, false, &lat);
	assert_int_equal(x.iova, 0x0000000999007010ull);
	assert_int_equal(lat, 1);
}

// A fault holds its request until the host answers; resume walks again,
// abort answers TrFault; other ports keep hitting meanwhile.
void test_fault_hold(void **state)
{
	Bench &b = bench_of(state);
	PageTables &pt = b.pt();
	Vtb_mmu_top &t = b.top();
	const uint64_t v = 0x0000200000001000ull, hot = 0x0000200000002000ull;
	const uint64_t v2 = 0x0000200000003000ull, v3 = 0x0000200000604000ull;

	pt.set_root(1, pt.alloc_table(), true, true);
	assert_true(pt.map_leaf(1, hot, 0, 3));
	b.set_asid(1);
	b.translate(1, hot, false);

	// Port 0 faults (read of an unmapped page).
	b.issue(0, v, false);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	assert_int_equal(t.fault_va_o, v);
	assert_int_equal(t.fault_flags_o, 0);
	assert_int_equal(t.fault_asid_o, 1);
	uint64_t faults = b.stats().perf_fault;
	// Held: no answer while port 1 keeps hitting in 1 cycle; port 0 still
	// takes requests in its other slots (test_hit_under_miss uses them).
	for (int i = 0; i < 50; i++) {
		uint64_t lat;
		b.translate(1, hot + (uint64_t)i * 8, i & 1, &lat);
		assert_int_equal(lat, 1);
	}
	assert_true(b.run_until([&] { return b.port(0).done; }, 300) == false);
	assert_int_equal(t.tr_req_ready_o & 1, 1);
	assert_int_equal(b.in_flight(0), 1);
	assert_true(t.fault_valid_o);
	// Values other than RESUME/ABORT are ignored.
	b.answer_fault(0);
	b.step();
	b.step();
	b.answer_fault(3);
	b.step();
	b.step();
	assert_true(t.fault_valid_o);
	assert_int_equal(t.fault_va_o, v);
	// Resume without a fix: it walks again and faults again.
	b.answer_fault(CIRCE_HW_FAULT_RESP_RESUME);
	b.step();
	b.step();
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	b.step();
	assert_int_equal(b.stats().perf_fault, faults + 1);
	assert_int_equal(t.fault_va_o, v);
	// Map it read-only and resume: the translation completes.
	assert_true(pt.map_leaf(1, v, 0, 1));
	b.answer_fault(CIRCE_HW_FAULT_RESP_RESUME);
	assert_true(b.run_until([&] { return b.port(0).done; }, 1000));
	assert_int_equal(b.port(0).got.status, kTrOk);
	assert_false(t.fault_valid_o);
	// A write to it: PERM | WRITE, aborted -> TrFault with those flags.
	b.issue(0, v + 8, true);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	b.step();
	assert_int_equal(t.fault_flags_o, CIRCE_HW_FAULT_PERM | CIRCE_HW_FAULT_WRITE);
	b.answer_fault(CIRCE_HW_FAULT_RESP_ABORT);
	assert_true(b.run_until([&] { return b.port(0).done; }, 1000));
	assert_int_equal(b.port(0).got.status, kTrFault);
	assert_int_equal(b.port(0).got.flags, CIRCE_HW_FAULT_PERM | CIRCE_HW_FAULT_WRITE);
	assert_int_equal(b.port(0).got.iova, 0);

	// Two faults queue in the order they were raised; the head is answered first.
	b.issue(0, v2, true);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	b.issue(2, v3 + 2, false);
	assert_true(b.run_until([&] { return b.stats().perf_fault == faults + 4; }, 1000));
	b.step();
	assert_int_equal(t.fault_va_o, v2);
	assert_int_equal(t.fault_flags_o, CIRCE_HW_FAULT_WRITE);
	b.answer_fault(CIRCE_HW_FAULT_RESP_ABORT);
	b.step();
	b.step();
	assert_true(t.fault_valid_o);
	assert_int_equal(t.fault_va_o, v3 + 2);
	assert_int_equal(t.fault_flags_o, 0);
	assert_true(pt.map_leaf(1, v3, 1, 1)); // a 2 MiB page around it
	b.answer_fault(CIRCE_HW_FAULT_RESP_RESUME);
	assert_true(b.run_until([&] { return b.port(0).done && b.port(2).done; }, 1000));
	assert_int_equal(b.port(0).got.status, kTrFault);
	assert_int_equal(b.port(0).got.flags, CIRCE_HW_FAULT_WRITE);
	assert_int_equal(b.port(2).got.status, kTrOk);
	assert_int_equal(b.port(2).got.shift, 21);

	// No root: the host installs one (with the page) and resumes.
	b.set_asid(4);
	b.issue(0, v, true);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	b.step();
	assert_int_equal(t.fault_flags_o, CIRCE_HW_FAULT_NOROOT | CIRCE_HW_FAULT_WRITE);
	assert_int_equal(t.fault_asid_o, 4);
	pt.set_root(4, pt.alloc_table(), true, true);
	assert_true(pt.map_leaf(4, v, 0, 2));
	b.answer_fault(CIRCE_HW_FAULT_RESP_RESUME);
	assert_true(b.run_until([&] { return b.port(0).done; }, 1000));
	assert_int_equal(b.port(0).got.status, kTrOk);
}

// Several translations in flight on one port (tr_req_t.id = the stream):
// a hit of another ID answers while a miss walks (hit under miss); a hit
// behind an older miss of its own ID waits for it; a fault holds only its
// own ID; several walks of one port at once; an invalidation drops an
// answer held behind a fault, so the request is translated again.
void test_hit_under_miss(void **state)
{
	Bench &b = bench_of(state);
	HostMem &m = b.mem();
	PageTables &pt = b.pt();
	Vtb_mmu_top &t = b.top();
	Bench::Stats &s = b.stats();
	const uint64_t base = 0x0000410000000000ull;
	// Pages under different level-1 tables: each needs its own line reads.
	const uint64_t miss[4] = { base, base + (1ull << 30), base + (2ull << 30),
				   base + (3ull << 30) };
	const uint64_t hot = base + (8ull << 30), hot2 = hot + 0x1000;
	const uint64_t v = base + (9ull << 30); // not mapped: faults

	pt.set_root(1, pt.alloc_table(), true, true);
	for (uint64_t va : miss)
		assert_true(pt.map_leaf(1, va, 0, 3));
	assert_true(pt.map_leaf(1, hot, 0, 3));
	assert_true(pt.map_leaf(1, hot2, 0, 3));
	b.set_asid(1);
	b.set_mode(CIRCE_HW_MMU_MODE_L1_ONLY); // misses walk (no L2 answers)
	b.translate(0, hot, false);
	b.translate(0, hot2, false);
	b.set_latency(100, 100);
	auto want = [&](uint64_t va, bool write) {
		return ref_translate(m, m.version(), 1, va, write);
	};

	// ID 0 misses and walks with slow memory; ID 1 hits and is answered first.
	uint64_t a = b.issue_taken(0, miss[0] + 0x10, false, 0);
	uint64_t h = b.issue_taken(0, hot + 0x20, false, 1);
	assert_true(b.run_until([&] { return b.answered(h); }, 10));
	assert_true(b.result(h).hit);
	assert_int_equal(b.result(h).latency, 1);
	assert_false(b.answered(a));
	assert_true(b.run_until([&] { return b.answered(a); }, 3000));
	assert_true(b.result(a).got == want(miss[0] + 0x10, false));
	assert_true(b.result(h).got == want(hot + 0x20, false));
	print_message("# tb_mmu: hit under miss: ID 1's hit answered %" PRIu64
		      " cycles before ID 0's miss\n",
		      b.result(a).rsp_cycle - b.result(h).rsp_cycle);
	assert_true(b.result(a).rsp_cycle > b.result(h).rsp_cycle + 100);

	// Same ID: a miss, then a hit of that ID waits behind it; a hit of
	// another ID meanwhile answers at once.
	uint64_t a2 = b.issue_taken(0, miss[1] + 0x30, true, 2);
	uint64_t h2 = b.issue_taken(0, hot + 0x40, false, 2);
	uint64_t h3 = b.issue_taken(0, hot2 + 0x50, true, 3);
	assert_true(b.run_until([&] { return b.answered(h3); }, 10));
	assert_int_equal(b.result(h3).latency, 1);
	for (int i = 0; i < 50; i++)
		b.step();
	assert_false(b.answered(h2));
	assert_true(b.run_until([&] { return b.answered(h2); }, 3000));
	assert_true(b.answered(a2));
	assert_true(b.result(h2).hit);
	assert_true(b.result(h2).rsp_cycle > b.result(a2).rsp_cycle);
	assert_true(b.result(a2).got == want(miss[1] + 0x30, true));
	assert_true(b.result(h2).got == want(hot + 0x40, false));
	print_message("# tb_mmu: same ID: the hit behind a miss waited %" PRIu64 " cycles\n",
		      b.result(h2).rsp_cycle - b.result(h2).accept_cycle);

	// A fault on ID 0: ID 1 keeps hitting in one cycle on the same port, a
	// hit of ID 0 waits for the fault's answer.
	uint64_t f = b.issue_taken(0, v + 0x8, false, 0);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 3000));
	b.step(); // the bench sees the record
	assert_int_equal(t.fault_va_o, v + 0x8);
	uint64_t w = b.issue_taken(0, hot + 0x60, false, 0);
	for (unsigned i = 0; i < 20; i++) {
		uint64_t x = b.issue_taken(0, hot2 + 8 * i, i & 1, 1);
		assert_true(b.run_until([&] { return b.answered(x); }, 10));
		assert_int_equal(b.result(x).latency, 1);
	}
	assert_false(b.answered(f));
	assert_false(b.answered(w));
	assert_true(t.fault_valid_o);
	b.answer_fault(CIRCE_HW_FAULT_RESP_ABORT);
	assert_true(b.run_until([&] { return b.answered(w); }, 100));
	assert_int_equal(b.result(f).got.status, kTrFault);
	assert_int_equal(b.result(w).got.status, kTrOk);
	assert_true(b.result(w).rsp_cycle > b.result(f).rsp_cycle);

	// Four misses of one port (four IDs) walk at once on the four walkers.
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	uint64_t lat1;
	b.translate(0, miss[0] + 0x100, false, &lat1); // alone: every line from memory
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	s.max_outstanding = 0;
	uint64_t c0 = b.cycle(), sn[4];
	for (unsigned k = 0; k < 4; k++)
		sn[k] = b.issue_taken(0, miss[k] + 0x200 + 8 * k, false, k);
	assert_int_equal(b.in_flight(0), 4);
	assert_true(b.run_until(
		[&] { return b.answered(sn[0]) && b.answered(sn[1]) && b.answered(sn[2]) &&
			     b.answered(sn[3]); },
		5000));
	uint64_t four = b.cycle() - c0;
	for (unsigned k = 0; k < 4; k++)
		assert_true(b.result(sn[k]).got == want(miss[k] + 0x200 + 8 * k, false));
	print_message("# tb_mmu: one port: one walk alone %" PRIu64 " cycles, four at once %" PRIu64
		      " cycles, %" PRIu64 " PTE reads in flight at most\n",
		      lat1, four, s.max_outstanding);
	assert_true(four < 2 * lat1); // serial: 4 * lat1
	assert_true(s.max_outstanding >= 3);

	// An answer held behind a fault of its ID when an invalidation completes
	// is dropped and translated again: it sees the new page.
	b.set_latency(4, 4);
	b.translate(0, hot, false);
	uint64_t f2 = b.issue_taken(0, v + 0x10, false, 0);
	assert_true(b.run_until([&] { return (bool)t.fault_valid_o; }, 1000));
	b.step();
	uint64_t w2 = b.issue_taken(0, hot + 0x70, false, 0);
	uint64_t retries = s.perf_retry, walks = s.perf_walk;
	m.write(pt.slot(1, hot, 0, false), CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | 0x0000000123456000ull);
	b.invalidate(CIRCE_HW_INV_RANGE, 1, hot, 1);
	assert_int_equal(s.perf_retry, retries + 1);
	assert_true(b.run_until([&] { return s.perf_walk == walks + 1; }, 100));
	for (int i = 0; i < 50; i++)
		b.step();
	assert_false(b.answered(w2));
	b.answer_fault(CIRCE_HW_FAULT_RESP_ABORT);
	assert_true(b.run_until([&] { return b.answered(w2); }, 100));
	assert_int_equal(b.result(f2).got.status, kTrFault);
	assert_true(b.result(w2).hit);
	assert_int_equal(b.result(w2).got.iova, 0x0000000123456070ull);
}

// Misses of different ports walk at once, each walker on its own AXI ID, and
// their reads overlap; a port's hits keep answering in one cycle meanwhile.
void test_concurrent_walks(void **state)
{
	Bench &b = bench_of(state);
	PageTables &pt = b.pt();
	Bench::Stats &s = b.stats();
	// Pages under different root entries and different upper tables; the
	// root PTEs of solo and hot are in other lines than those of va[].
	const uint64_t va[2] = { 0x0000010000000000ull, 0x0000020000000000ull };
	const uint64_t solo = 0x0000080000000000ull, hot = 0x0000700000000000ull;
	uint64_t lat1, lat;

	pt.set_root(1, pt.alloc_table(), true, true);
	for (unsigned p = 0; p < 2; p++)
		assert_true(pt.map_leaf(1, va[p], 0, 3));
	assert_true(pt.map_leaf(1, solo, 0, 3));
	assert_true(pt.map_leaf(1, hot, 0, 3));
	b.set_asid(1);
	b.translate(2, hot, false);
	b.set_latency(100, 100);
	b.translate(0, solo + 8, false, &lat1); // one walk alone: 4 line reads of 100 cycles
	assert_true(lat1 > 400);
	s.max_outstanding = 0;
	s.ids_seen = 0;
	uint64_t c0 = b.cycle();
	b.issue(0, va[0] + 0x10, false);
	b.issue(1, va[1] + 0x20, true);
	// Port 2 hits in one cycle while both walk.
	for (int i = 0; i < 20; i++) {
		b.translate(2, hot + 8u * (unsigned)i, false, &lat);
		assert_int_equal(lat, 1);
	}
	assert_true(b.run_until([&] { return b.port(0).done && b.port(1).done; }, 5000));
	uint64_t both = b.cycle() - c0;
	for (unsigned p = 0; p < 2; p++) {
		Xlat want = ref_translate(b.mem(), b.mem().version(), 1, va[p] + 0x10 * (p + 1), p == 1);
		assert_int_equal(b.port(p).got.status, kTrOk);
		assert_int_equal(b.port(p).got.iova, want.iova);
	}
	print_message("# tb_mmu: one walk alone %" PRIu64 " cycles, two walks at once %" PRIu64
		      " cycles, %" PRIu64 " PTE reads in flight at most, walker IDs used 0x%x\n",
		      lat1, both, s.max_outstanding, s.ids_seen);
	assert_true(both < lat1 + lat1 / 2); // serial: 2 * lat1
	assert_true(s.max_outstanding >= 2);
	assert_true(__builtin_popcount(s.ids_seen) >= 2);
}

// A walk that uses a leaf line makes the top walker prefetch the next line of
// that table: a stream of 4 KiB pages finds each new leaf line cached.
void test_prefetch(void **state)
{
	Bench &b = bench_of(state);
	PageTables &pt = b.pt();
	Bench::Stats &s = b.stats();
	const uint64_t base = 0x0000510000000000ull;
	uint64_t lat;

	pt.set_root(1, pt.alloc_table(), true, true);
	for (unsigned i = 0; i < 24; i++)
		assert_true(pt.map_leaf(1, base + i * 4096ull, 0, 3));
	b.set_asid(1);
	b.set_mode(CIRCE_HW_MMU_MODE_L1_ONLY);
	b.set_latency(100, 100);
	uint64_t lines0 = s.perf_line, pf0 = s.perf_pf;
	b.translate(0, base, false, &lat); // cold: four line reads
	assert_true(lat > 400);
	for (unsigned i = 1; i < 24; i++) {
		for (int g = 0; g < 40; g++)
			b.step(); // the time a DMA engine takes for a page
		b.translate(0, base + i * 4096ull, false, &lat);
		if (i % 8 == 0) {
			print_message("# tb_mmu: page %u (a new leaf line) walked in %" PRIu64
				      " cycles\n", i, lat);
			assert_true(lat < 50);
		}
	}
	for (int g = 0; g < 200; g++)
		b.step();
	// Only the cold walk read lines on demand; the others were prefetched.
	assert_int_equal((s.perf_line - lines0) - (s.perf_pf - pf0), 4);
	assert_true(s.perf_pf - pf0 >= 2);

	// Leaf lines (and their prefetches) do not push out the upper-level
	// lines: after walks through 12 more leaf lines of the table (more
	// lines than the cache holds), a walk in yet another leaf line reads
	// only that line.
	for (unsigned k = 3; k < 15; k++)
		assert_true(pt.map_leaf(1, base + k * 32768ull, 0, 3));
	assert_true(pt.map_leaf(1, base + 40 * 32768ull, 0, 3));
	lines0 = s.perf_line;
	pf0 = s.perf_pf;
	for (unsigned k = 3; k < 15; k++) {
		b.translate(0, base + k * 32768ull, false, &lat);
		for (int g = 0; g < 300; g++)
			b.step(); // its prefetch completes
	}
	// Each walk finds its leaf line prefetched and the upper-level lines
	// still cached (plain round-robin replacement re-reads them: 7 lines).
	print_message("# tb_mmu: 12 walks in 12 leaf lines read %" PRIu64 " lines on demand\n",
		      (s.perf_line - lines0) - (s.perf_pf - pf0));
	assert_true((s.perf_line - lines0) - (s.perf_pf - pf0) <= 2);
	lines0 = s.perf_line;
	pf0 = s.perf_pf;
	b.translate(0, base + 40 * 32768ull, false, &lat);
	for (int g = 0; g < 300; g++)
		b.step();
	print_message("# tb_mmu: a new leaf line after %u leaf lines: %" PRIu64
		      " lines read, %" PRIu64 " cycles\n",
		      CIRCE_HW_DEFAULT_WALK_CACHE_LINES + 4,
		      (s.perf_line - lines0) - (s.perf_pf - pf0), lat);
	assert_int_equal((s.perf_line - lines0) - (s.perf_pf - pf0), 1);
}

// The L2 TLB: refills of the L1 for 4 KiB and 2 MiB pages without a walk,
// invalidation ALL / ASID / RANGE reach it, set eviction (FIFO per set),
// and the modes (L2 only: no L1; L1 only: no L2 probes).
void test_l2(void **state)
{
	Bench &b = bench_of(state);
	HostMem &m = b.mem();
	PageTables &pt = b.pt();
	Bench::Stats &s = b.stats();
	const uint64_t base = 0x0000500000000000ull, big = 0x0000500040000000ull;
	uint64_t lat, walks, l2h, ar;
	Xlat x;

	pt.set_root(1, pt.alloc_table(), true, true);
	pt.set_root(2, pt.alloc_table(), true, true);
	for (unsigned i = 0; i < 48; i++)
		assert_true(pt.map_leaf(1, base + i * 4096ull, 0, 3));
	assert_true(pt.map_leaf(1, big, 1, 3));
	b.set_asid(1);
	Xlat first = b.translate(0, base, false);
	Xlat big1 = b.translate(0, big + 0x12345, false);
	for (unsigned i = 1; i < 48; i++)
		b.translate(0, base + i * 4096ull, false); // the L1 (32 entries) drops base and big
	walks = s.perf_walk;
	l2h = s.perf_l2_hit;
	ar = s.ar;
	x = b.translate(1, base + 0x10, false, &lat);
	assert_int_equal(x.iova, first.iova + 0x10);
	assert_int_equal(s.perf_l2_hit, l2h + 1);
	assert_int_equal(s.perf_walk, walks);
	assert_int_equal(s.ar, ar);
	print_message("# tb_mmu: L1 miss answered by the L2 in %" PRIu64 " cycles\n", lat);
	assert_true(lat > 1 && lat < 10);
	x = b.translate(1, big + 0x1FFFF8, true, &lat);
	assert_int_equal(x.iova, big1.iova - 0x12345 + 0x1FFFF8);
	assert_int_equal(x.shift, 21);
	assert_int_equal(s.perf_l2_hit, l2h + 2);
	assert_int_equal(s.perf_walk, walks);
	// The L2 hit refilled the L1.
	assert_true(is_hit(b, 2, 1, base + 0x20));
	assert_true(is_hit(b, 2, 1, big + 0x100000));

	// L2 only: every translation probes the L2.
	b.set_mode(CIRCE_HW_MMU_MODE_L2_ONLY);
	l2h = s.perf_l2_hit;
	x = b.translate(0, base + 0x3008, false, &lat);
	assert_int_equal(s.perf_l2_hit, l2h + 1);
	assert_true(lat > 1);
	// A remap without invalidation keeps answering the old page; RANGE makes
	// the new one visible.
	{
		uint64_t a = pt.slot(1, base + 0x3000, 0, false), old = x.iova;
		m.write(a, CIRCE_HW_PTE_VALID | CIRCE_HW_PTE_READ | 0x0000000077777000ull);
		assert_int_equal(b.translate(0, base + 0x3008, false).iova, old);
		b.invalidate(CIRCE_HW_INV_RANGE, 1, base + 0x3000, 1);
		assert_int_equal(b.translate(0, base + 0x3008, false).iova, 0x0000000077777008ull);
	}
	// ASID (of another ASID: nothing goes), ASID, ALL.
	auto l2_hit = [&](uint64_t va) {
		uint64_t h = s.perf_l2_hit;
		b.translate(0, va, false);
		return s.perf_l2_hit == h + 1;
	};
	assert_true(l2_hit(base + 0x4000));
	b.invalidate(CIRCE_HW_INV_ASID, 2, 0, 0);
	assert_true(l2_hit(base + 0x4000));
	b.invalidate(CIRCE_HW_INV_ASID, 1, 0, 0);
	assert_false(l2_hit(base + 0x4000));
	assert_true(l2_hit(base + 0x4000));
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	assert_false(l2_hit(base + 0x4000));
	// RANGE of one 4 KiB page inside a 2 MiB entry removes it; a range that
	// ends where it starts does not.
	b.translate(0, big, false);
	assert_true(l2_hit(big + 0x1000));
	b.invalidate(CIRCE_HW_INV_RANGE, 1, big - 0x3000, 3);
	assert_true(l2_hit(big + 0x1000));
	b.invalidate(CIRCE_HW_INV_RANGE, 1, big + 0x100000, 1);
	assert_false(l2_hit(big + 0x1000));

	// Eviction: 6 pages of one 4 KiB set; the set keeps the last kL2Ways.
	{
		const uint64_t ev = 0x0000600000000000ull, stride = kL2Sets * 4096ull;
		const unsigned n = kL2Ways + 2;
		uint64_t ev0 = s.perf_l2_evict;
		b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
		for (unsigned k = 0; k < n; k++)
			assert_true(pt.map_leaf(1, ev + k * stride, 0, 3));
		for (unsigned k = 0; k < n; k++)
			assert_false(l2_hit(ev + k * stride));
		for (int i = 0; i < 4; i++)
			b.step(); // the last fill is written after its answer
		assert_int_equal(s.perf_l2_evict - ev0, n - kL2Ways);
		for (unsigned k = n - kL2Ways; k < n; k++)
			assert_true(l2_hit(ev + k * stride));
		assert_false(l2_hit(ev));
		for (int i = 0; i < 4; i++)
			b.step();
		assert_int_equal(s.perf_l2_evict - ev0, n - kL2Ways + 1);
	}

	// L1 only: no probes, no fills.
	b.set_mode(CIRCE_HW_MMU_MODE_L1_ONLY);
	b.invalidate(CIRCE_HW_INV_ALL, 0, 0, 0);
	uint64_t probes = s.perf_l2_hit + s.perf_l2_miss, fills = s.perf_l2_fill;
	for (unsigned i = 0; i < 48; i++)
		b.translate(0, base + i * 4096ull, false);
	assert_int_equal(s.perf_l2_hit + s.perf_l2_miss, probes);
	assert_int_equal(s.perf_l2_fill, fills);
	// ... and back to hybrid: the L2 is empty (no fills happened).
	b.set_mode(CIRCE_HW_MMU_MODE_HYBRID);
	b.invalidate(CIRCE_HW_INV_RANGE, 1, base, 1);
	assert_false(l2_hit(base));
}

void check_perf_identities(Bench &b)
{
	Bench::Stats &s = b.stats();
	assert_int_equal(s.perf_hit + s.perf_miss, s.accepted);
	// Every L1 miss, and every held answer an invalidation dropped, probes
	// the L2 (unless the mode or the request rules it out) and walks unless
	// the L2 hit; every resume walks again.
	assert_int_equal(s.perf_walk, s.perf_miss + s.perf_retry - s.perf_l2_hit + s.resumes);
	assert_true(s.perf_l2_hit + s.perf_l2_miss <= s.perf_miss + s.perf_retry);
	assert_true(s.perf_l2_fill <= s.perf_walk);
	assert_true(s.perf_l2_evict <= s.perf_l2_fill);
	assert_int_equal(s.perf_line, s.r_ok);
	assert_true(s.perf_wc <= s.perf_pte);
	assert_int_equal(s.ar, s.r_ok + s.r_err);
	assert_int_equal(s.perf_fault, s.fault_records);
	assert_int_equal(s.responses, s.accepted);
}

// Random translations on all ports against the reference, with faults
// answered at random, table changes with invalidations, ASID switches.
void print_hit_rates(Bench &b, const char *what)
{
	Bench::Stats &s = b.stats();
	uint64_t probes = s.perf_l2_hit + s.perf_l2_miss;
	print_message("# tb_mmu %s: L1 hits %" PRIu64 " of %" PRIu64 " (%.1f%%); L2 hits %" PRIu64
		      " of %" PRIu64 " probes (%.1f%%), %" PRIu64 " fills, %" PRIu64
		      " evictions; walks %" PRIu64 ", PTEs used %" PRIu64 " (%" PRIu64
		      " from the walk cache), walker cycles %" PRIu64 ", stall cycles %" PRIu64
		      ", %" PRIu64 " PTE reads in flight at most, %" PRIu64
		      " R beats out of order\n",
		      what, s.perf_hit, s.accepted, 100.0 * (double)s.perf_hit / (double)s.accepted,
		      s.perf_l2_hit, probes, probes ? 100.0 * (double)s.perf_l2_hit / (double)probes : 0.0,
		      s.perf_l2_fill, s.perf_l2_evict, s.perf_walk, s.perf_pte, s.perf_wc,
		      s.perf_walk_cycles, s.perf_stall, s.max_outstanding, s.r_out_of_order);
	print_message("# tb_mmu %s: %" PRIu64 " PTE-line prefetches\n", what, s.perf_pf);
	print_message("# tb_mmu %s: up to %" PRIu64 " requests in flight on a port, %" PRIu64
		      " times an answer overtook an older request of another ID, %" PRIu64
		      " hits waited behind their ID, %" PRIu64
		      " held answers dropped by invalidations\n",
		      what, s.max_port_out, s.overtakes, s.same_id_waits, s.perf_retry);
}

uint64_t random_count(uint64_t dflt)
{
	const char *env = getenv("CIRCE_TB_MMU_N");
	return env && *env ? strtoull(env, nullptr, 0) : dflt;
}

void test_random(void **state)
{
	Bench &b = bench_of(state);
	Bench::Stats &s = b.stats();

	b.build_world(150);
	b.set_latency(1, 10);
	b.set_ready_pct(85, 70);
	b.set_asid(0);
	b.run_random(random_count(kRandomTranslations));
	check_perf_identities(b);
	print_message("# tb_mmu random: %" PRIu64 " translations in %" PRIu64
		      " cycles: %" PRIu64 " ok (4K %" PRIu64 ", 2M %" PRIu64 ", 1G %" PRIu64
		      "), %" PRIu64 " aborted faults, %" PRIu64 " bus errors\n",
		      s.accepted, b.cycle(), s.ok, s.by_shift[0], s.by_shift[1], s.by_shift[2],
		      s.faults_ans, s.bus_errors);
	print_hit_rates(b, "random");
	print_message("# tb_mmu random: %" PRIu64 " fault records (%" PRIu64 " fixed, %" PRIu64
		      " resumed, %" PRIu64 " aborted), %" PRIu64 " invalidations, %" PRIu64
		      " table changes, %" PRIu64 " ASID switches, %" PRIu64
		      " answers from an older table version\n",
		      s.fault_records, s.fixes, s.resumes, s.aborts, s.invs, s.churns,
		      s.asid_switches, s.stale_ok);
	assert_true(s.accepted >= 100000);
	assert_true(s.perf_hit > s.accepted / 4);
	assert_true(s.by_shift[0] > 0 && s.by_shift[1] > 0 && s.by_shift[2] > 0);
	assert_true(s.fault_records > 100 && s.aborts > 10 && s.resumes > 10);
	assert_true(s.bus_errors > 10);
	assert_true(s.invs > 50);
	assert_true(s.perf_l2_hit > 100 && s.perf_l2_evict > 0);
	assert_true(s.max_outstanding >= 2 && s.r_out_of_order > 0);
	// Every walker read (the top one also prefetches) and reads overlapped.
	assert_int_equal(s.ids_seen, (1u << kWalkers) - 1);
	assert_true(s.perf_pf > 1000);
	// Full ports, hits under misses, same-ID waits, dropped held answers.
	assert_int_equal(s.max_port_out, kSlots);
	assert_true(s.overtakes > s.accepted / 100);
	assert_true(s.same_id_waits > 100);
	assert_true(s.perf_retry > 0);
}

// The same with the TLB mode switched at random (hybrid, L1 only, L2 only)
// while translations, walks and L2 probes are in flight.
void test_random_modes(void **state)
{
	Bench &b = bench_of(state);
	Bench::Stats &s = b.stats();

	b.build_world(150);
	b.set_latency(1, 30);
	b.set_ready_pct(85, 70);
	b.set_asid(0);
	b.set_mode_switching(true);
	b.run_random(random_count(kRandomTranslations) / 2);
	check_perf_identities(b);
	print_hit_rates(b, "random modes");
	print_message("# tb_mmu random modes: %" PRIu64 " translations, %" PRIu64
		      " mode switches, %" PRIu64 " invalidations, %" PRIu64 " fault records\n",
		      s.accepted, s.mode_switches, s.invs, s.fault_records);
	assert_true(s.mode_switches > 10);
	assert_true(s.perf_l2_hit > 100);
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint64_t seed = mmu_base_seed();
	printf("# seed tb_mmu = %" PRIu64 "\n", seed);
	fflush(stdout);

	TestState st[] = { { seed, nullptr },	  { seed + 1, nullptr }, { seed + 2, nullptr },
			   { seed + 3, nullptr }, { seed + 4, nullptr }, { seed + 5, nullptr },
			   { seed + 6, nullptr }, { seed + 7, nullptr }, { seed + 8, nullptr },
			   { seed + 9, nullptr }, { seed + 10, nullptr } };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_walk_semantics, bench_setup,
							 bench_teardown, &st[0]),
		cmocka_unit_test_prestate_setup_teardown(test_hit_latency, bench_setup,
							 bench_teardown, &st[1]),
		cmocka_unit_test_prestate_setup_teardown(test_inv_range, bench_setup,
							 bench_teardown, &st[2]),
		cmocka_unit_test_prestate_setup_teardown(test_refill, bench_setup, bench_teardown,
							 &st[3]),
		cmocka_unit_test_prestate_setup_teardown(test_fault_hold, bench_setup,
							 bench_teardown, &st[4]),
		cmocka_unit_test_prestate_setup_teardown(test_hit_under_miss, bench_setup,
							 bench_teardown, &st[10]),
		cmocka_unit_test_prestate_setup_teardown(test_concurrent_walks, bench_setup,
							 bench_teardown, &st[6]),
		cmocka_unit_test_prestate_setup_teardown(test_l2, bench_setup, bench_teardown,
							 &st[7]),
		cmocka_unit_test_prestate_setup_teardown(test_prefetch, bench_setup, bench_teardown,
							 &st[9]),
		cmocka_unit_test_prestate_setup_teardown(test_random, bench_setup, bench_teardown,
							 &st[5]),
		cmocka_unit_test_prestate_setup_teardown(test_random_modes, bench_setup,
							 bench_teardown, &st[8]),
	};
	return cmocka_run_group_tests_name("tb_mmu", tests, nullptr, nullptr);
}
