// SPDX-License-Identifier: Apache-2.0
//
// Bench of the GEMM path: circe_cmdproc with its systolic array and requant
// unit, the DMA engines, the MMU (Bypass: iova = va) and the AXI mux
// (sim/benches/tb_gemm_top.sv), against host memory behind the AXI memory
// model of sim/vsim/axi_mem.h with its default timing (500 cycles latency,
// 48 bytes/cycle, 32 bursts outstanding).
//
// tb_gemm_small.mk builds the same bench around an 8 x 8 array with tiny
// scratchpads (so that K pieces, ring wrap-around, several output groups
// and few side slots happen all the time) and the real MMU: the bench
// builds a 4-level page table that maps the host window's VAs to different
// IOVAs, unmapped pages fault, and the bench answers each fault ABORT (the
// descriptor ends with FAULT) or maps the page and answers RESUME.
//
// The C++ side plays the register block and the host: it builds command
// lists in host memory exactly as host/gemm.c fills descriptors (plus
// random strides, NOP/FENCE, illegal opcodes and fields), starts jobs,
// and checks
// - Y byte for byte against circe_hls_gemm (libcirce.a) run on the same
//   strided buffers, over the whole output region and guard bytes around it
//   (so bytes in the row gaps and past n / m must be untouched);
// - every descriptor's status block {code, detail, fault_va}, the job's
//   STATUS / ERR_INDEX / ERR_VA and the MAC and descriptor counters against
//   a model of sim/fmodel/fmodel.c's job loop (including the order in which
//   it touches the buffers, for bus errors);
// - that the RTL assertions (built with --assert) and the memory model's
//   AXI checks stay silent.
// Performance cases print "# perf gemm MxKxN: cycles C utilization U" and
// check the 256^3 target; CIRCE_TB_GEMM_BIG=1 adds 1024^3. Fixed seed by
// default; $CIRCE_SEED overrides.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
// cmocka 1.1 has no C++ linkage guards of its own.
extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <verilated.h>

#include "Vtb_gemm_top.h"
#include "circe/hw.h"
#include "hw/hls/circe_hls.h"
#include "sim/vsim/axi_mem.h"

extern "C" int circe_quantize_multiplier(double real, int32_t *m0, int32_t *shift);

#ifndef CIRCE_TB_GEMM_NAME
#define CIRCE_TB_GEMM_NAME "tb_gemm"
#define CIRCE_TB_GEMM_FULL 1 // default parameters: performance targets apply
#endif
#ifndef CIRCE_TB_ROWS
#define CIRCE_TB_ROWS 16
#define CIRCE_TB_COLS 16
#endif
#ifndef CIRCE_TB_WPIECE
#define CIRCE_TB_WPIECE 4096 // WBytes / 2 / Cols: longest W row loaded whole
#endif
#ifndef CIRCE_TB_RANDOM_JOBS
#define CIRCE_TB_RANDOM_JOBS 40 // single-GEMM jobs of test_random
#endif
#ifndef CIRCE_TB_YROW
#define CIRCE_TB_YROW 256 // YRowBytes: output bytes per row and group
#endif

namespace
{

using circe::vsim::AxiMem;
using circe::vsim::AxiMemConfig;
using circe::vsim::AxiPort;

constexpr uint64_t kFixedSeed = 0x6e3a5eed;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kVaBase = 0x00007f3a00000000ull; // the host window's VA (1 GiB aligned)
constexpr uint64_t kGuard = 256;		   // checked bytes around each output
#ifdef CIRCE_TB_MMU
constexpr bool kMmu = true;
#else
constexpr bool kMmu = false; // Bypass: IOVA = VA
#endif
constexpr uint64_t kIovaBase = 0x0000100000000000ull; // the window's IOVA (MMU)
constexpr uint64_t kPtBase = 0x0000200000000000ull;   // page tables' IOVA (MMU)
constexpr uint64_t kPteValid = 1, kPteRead = 2, kPteWrite = 4;

enum class FaultPolicy { Abort, Resume };

struct Hole {
	uint64_t lo, hi;
};

// One GEMM descriptor as the host fills it, plus where its buffers are.
struct Gemm {
	struct circe_hw_desc_gemm d;
	bool circ = false;	     // a CIRC descriptor: c, not d
	struct circe_hw_desc_circ c; // (its buffers and Y region as below)
	bool lstm = false;	     // an LSTM descriptor: l; c_out and h in [y_lo, y_hi)
	struct circe_hw_desc_lstm l;
	uint64_t desc_va = 0;
	uint64_t y_lo = 0, y_hi = 0; // output region with guards
	std::vector<uint8_t> y_ref;  // expected bytes of [y_lo, y_hi)
	std::vector<uint8_t> y_orig; // [y_lo, y_hi) before the job
	bool check_y = true;
};

struct Expect {
	uint32_t code = CIRCE_HW_ST_OK, detail = 0;
	uint64_t va = 0;
};

struct JobResult {
	bool done = false;
	uint8_t status = 0;
	uint32_t err_index = 0;
	uint64_t err_va = 0;
	uint64_t cycles = 0, macs = 0, descs = 0, compute = 0;
};

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vtb_gemm_top> top;
	std::mt19937_64 rng;
	std::unique_ptr<AxiMem> mem;
	std::vector<uint8_t> host;
	uint64_t brk = 0; // bump allocator over host
	std::vector<Hole> holes; // Bypass: DECERR ranges; MMU: invalid pages
	bool page_sep = false;	 // every buffer in pages of its own
	uint64_t cycle = 0;
	unsigned failures = 0;

	// MMU mode
	std::vector<uint8_t> pt; // page tables at kPtBase
	FaultPolicy policy = FaultPolicy::Abort;
	unsigned fault_wait = 0;
	uint64_t faults = 0;
	bool pt_dirty = false; // a PTE changed: invalidate the TLB before the next job

	explicit Bench(uint64_t seed, size_t bytes = 24u << 20) : ctx(new VerilatedContext), rng(seed)
	{
		ctx->fatalOnError(false); // a failed assertion fails the test
		top.reset(new Vtb_gemm_top{ ctx.get(), "tb_gemm" });
		host.resize(bytes);
		AxiPort port;
		CIRCE_AXI_PORT_BIND(port, top, m_axi_);
		mem.reset(new AxiMem(AxiMemConfig(), port, &Bench::resolve, this));

		top->clk_i = 0;
		top->rst_ni = 0;
		top->start_i = 0;
		top->abort_i = 0;
		top->asid_i = 0;
		top->pt_root_i = 0;
		top->pt_root_valid_i = 0;
		top->fault_resp_valid_i = 0;
		top->fault_resp_i = 0;
		top->inv_all_valid_i = 0;
		if (kMmu)
			build_page_table();
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

	uint64_t rnd(uint64_t n)
	{
		return rng() % n;
	}

	bool chance(unsigned pct)
	{
		return rnd(100) < pct;
	}

	void failf(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		va_list ap;

		if (failures++ >= 10)
			return;
		va_start(ap, fmt);
		fprintf(stderr, CIRCE_TB_GEMM_NAME ": cycle %" PRIu64 ": ", cycle);
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		va_end(ap);
	}

	// ---- host memory --------------------------------------------------

	static int resolve(void *p, uint64_t iova, size_t len, void **out)
	{
		Bench *b = static_cast<Bench *>(p);

		if (kMmu) {
			if (iova >= kPtBase && iova + len <= kPtBase + b->pt.size()) {
				*out = &b->pt[iova - kPtBase];
				return 0;
			}
			if (iova < kIovaBase || iova + len > kIovaBase + b->host.size())
				return -1;
			*out = &b->host[iova - kIovaBase];
			return 0;
		}
		if (iova < kVaBase || iova + len > kVaBase + b->host.size())
			return -1;
		for (const Hole &h : b->holes)
			if (iova < h.hi && h.lo < iova + len)
				return -1;
		*out = &b->host[iova - kVaBase];
		return 0;
	}

	// ---- page table (MMU mode) -------------------------------------------
	// Root, one level-2 and one level-1 table, then one level-0 table per
	// 2 MiB of the window; 4 KiB pages, VA kVaBase + x -> IOVA kIovaBase + x.

	static unsigned pt_index(uint64_t va, unsigned level)
	{
		return unsigned((va >> (12 + 9 * level)) & 511);
	}

	void put_pte(uint64_t table_off, unsigned idx, uint64_t pte)
	{
		memcpy(&pt[table_off + 8u * idx], &pte, 8);
	}

	uint64_t *pte_of(uint64_t va)
	{
		uint64_t page = (va - kVaBase) / kPage;
		return reinterpret_cast<uint64_t *>(&pt[3 * kPage + page * 8]);
	}

	void build_page_table()
	{
		uint64_t l0_tables = (host.size() + (2u << 20) - 1) / (2u << 20);

		pt.assign((3 + l0_tables) * kPage, 0);
		put_pte(0, pt_index(kVaBase, 3), kPteValid | (kPtBase + kPage));
		put_pte(kPage, pt_index(kVaBase, 2), kPteValid | (kPtBase + 2 * kPage));
		for (uint64_t t = 0; t < l0_tables; t++)
			put_pte(2 * kPage, pt_index(kVaBase, 1) + unsigned(t),
				kPteValid | (kPtBase + (3 + t) * kPage));
		for (uint64_t p = 0; p < host.size() / kPage; p++)
			*pte_of(kVaBase + p * kPage) =
				kPteValid | kPteRead | kPteWrite | (kIovaBase + p * kPage);
		top->asid_i = 0;
		top->pt_root_i = kPtBase;
		top->pt_root_valid_i = 1;
	}

	void set_page(uint64_t va, bool valid, bool writable = true)
	{
		uint64_t *pte = pte_of(va & ~(kPage - 1));
		*pte = (*pte & ~(kPteValid | kPteWrite)) | (valid ? kPteValid : 0) |
		       (writable ? kPteWrite : 0);
		pt_dirty = true;
	}

	// Holes: unreadable page-aligned ranges (DECERR, or invalid pages).
	void add_hole(uint64_t lo, uint64_t hi)
	{
		holes.push_back(Hole{ lo, hi });
		if (kMmu)
			for (uint64_t va = lo; va < hi; va += kPage)
				set_page(va, false);
	}

	void clear_holes()
	{
		if (kMmu)
			for (const Hole &h : holes)
				for (uint64_t va = h.lo; va < h.hi; va += kPage)
					set_page(va, true);
		holes.clear();
	}

	// The host's fault worker: after a while, ABORT, or map and RESUME.
	void service_faults()
	{
		if (!kMmu || !top->fault_valid_o) {
			fault_wait = 0;
			return;
		}
		if (++fault_wait < 20)
			return;
		uint64_t va = top->fault_va_o;
		uint32_t resp = CIRCE_HW_FAULT_RESP_ABORT;
		faults++;
		if (policy == FaultPolicy::Resume) {
			for (size_t i = 0; i < holes.size(); i++) {
				if (va >= holes[i].lo && va < holes[i].hi) {
					for (uint64_t p = holes[i].lo; p < holes[i].hi; p += kPage)
						set_page(p, true);
					holes.erase(holes.begin() + std::ptrdiff_t(i));
					break;
				}
			}
			resp = CIRCE_HW_FAULT_RESP_RESUME;
		}
		top->fault_resp_valid_i = 1;
		top->fault_resp_i = resp;
		fault_wait = 0;
	}

	// INV_ALL, so that the TLB forgets pages the bench changed.
	void invalidate_tlb()
	{
		if (!kMmu || !pt_dirty)
			return;
		top->inv_all_valid_i = 1;
		bool taken = false, done = false;
		for (int i = 0; i < 1000 && !done; i++) {
			mem->drive();
			top->eval();
			bool fire = top->inv_all_valid_i && top->inv_ready_o;
			done = top->inv_done_o && taken;
			mem->sample();
			top->clk_i = 1;
			top->eval();
			top->clk_i = 0;
			if (fire) {
				taken = true;
				top->inv_all_valid_i = 0;
			}
			top->eval();
			cycle++;
		}
		if (!done)
			failf("TLB invalidation did not complete");
		pt_dirty = false;
	}

	uint64_t alloc(uint64_t bytes, uint64_t align)
	{
		uint64_t va = (kVaBase + brk + align - 1) & ~(align - 1);

		brk = va + bytes - kVaBase;
		if (brk > host.size()) {
			failf("host window of %zu bytes exhausted", host.size());
			brk = 0;
			return kVaBase;
		}
		return va;
	}

	// A buffer at a random offset (so DMA transfers start at every lane).
	uint64_t alloc_data(uint64_t bytes)
	{
		if (page_sep)
			return alloc((bytes + 64 + kPage - 1) & ~(kPage - 1), kPage) + rnd(64);
		return alloc(bytes + 64, 64) + rnd(64);
	}

	uint8_t *ptr(uint64_t va)
	{
		return &host[va - kVaBase];
	}

	void fill(uint64_t va, uint64_t bytes)
	{
		uint8_t *p = ptr(va);
		for (uint64_t i = 0; i < bytes; i++)
			p[i] = uint8_t(rng());
	}

	// ---- clock --------------------------------------------------------

	void step()
	{
		service_faults();
		mem->drive();
		top->eval();
		mem->sample();
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->fault_resp_valid_i = 0;
		top->eval();
		cycle++;
		if (ctx->gotError()) {
			failf("an RTL assertion failed");
			ctx->gotError(false);
		}
	}

	// Runs one job; hook(cycles since start) may poke the inputs.
	JobResult run_job(uint64_t cmd_va, uint32_t count, uint64_t max_cycles,
			  const std::function<bool(uint64_t)> &stop_early = nullptr)
	{
		JobResult r;

		invalidate_tlb();
		uint64_t start = cycle;
		top->cmd_va_i = cmd_va;
		top->cmd_count_i = count;
		top->start_i = 1;
		for (;;) {
			service_faults();
			mem->drive();
			top->eval();
			r.macs += top->perf_macs_o;
			r.descs += top->perf_desc_o;
			r.compute += top->perf_compute_o;
			if (top->done_o) {
				r.done = true;
				r.status = top->status_o;
				r.err_index = top->err_index_o;
				r.err_va = top->err_va_o;
			}
			mem->sample();
			top->clk_i = 1;
			top->eval();
			top->clk_i = 0;
			top->start_i = 0;
			top->fault_resp_valid_i = 0;
			top->eval();
			cycle++;
			if (ctx->gotError()) {
				failf("an RTL assertion failed");
				ctx->gotError(false);
			}
			if (r.done) {
				r.cycles = cycle - start;
				break;
			}
			if (stop_early && stop_early(cycle - start))
				break;
			if (cycle - start > max_cycles) {
				failf("job timeout after %" PRIu64 " cycles", max_cycles);
				break;
			}
			if (failures)
				break;
		}
		if (mem->violations())
			failf("AXI violations: %s", mem->first_violation().c_str());
		return r;
	}

	// Lets everything in flight settle (no new job).
	void idle(unsigned n)
	{
		for (unsigned i = 0; i < n; i++)
			step();
	}

	// ---- GEMM descriptors ---------------------------------------------

	static uint32_t wrow(const circe_hw_desc_gemm &d)
	{
		return (d.flags & CIRCE_HW_GEMM_INT4) ? (d.k + 1) / 2 : d.k;
	}

	static uint32_t esize(const circe_hw_desc_gemm &d)
	{
		return (d.flags & CIRCE_HW_GEMM_OUT16) ? 2 : 1;
	}

	static uint32_t nrq(const circe_hw_desc_gemm &d)
	{
		return (d.flags & CIRCE_HW_GEMM_PER_CHANNEL) ? d.n : 1;
	}

	// Random dimension: uniform, with the edges of the array's shape often.
	uint32_t rand_dim(uint32_t max)
	{
		static const uint32_t edges[] = { 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129 };
		if (chance(30)) {
			uint32_t e = edges[rnd(sizeof(edges) / sizeof(edges[0]))];
			if (e <= max)
				return e;
		}
		return 1 + uint32_t(rnd(max));
	}

	void rand_requant(struct circe_hw_requant *rq)
	{
		unsigned r = unsigned(rnd(100));

		if (r < 3) {
			rq->m0 = 0;
			rq->shift = int32_t(rnd(62)) - 31;
		} else if (r < 6) {
			rq->m0 = int32_t((1u << 30) + rnd(1u << 30));
			rq->shift = rnd(2) ? -31 : 30;
		} else if (r < 9) {
			rq->m0 = int32_t((1u << 30) + rnd(1u << 30));
			rq->shift = int32_t(rnd(8));
		} else {
			double real = std::ldexp(0.5 + 0.5 * double(rnd(1u << 20)) / double(1u << 20),
						 -int(4 + rnd(16)));
			circe_quantize_multiplier(real, &rq->m0, &rq->shift);
		}
	}

	// A legal random GEMM with buffers in host memory; y_ref computed.
	Gemm make_gemm(uint32_t maxdim, bool strided_ok = true, uint32_t force_flags = ~0u)
	{
		Gemm g;
		circe_hw_desc_gemm &d = g.d;

		memset(&d, 0, sizeof(d));
		d.opcode = CIRCE_HW_OP_GEMM;
		d.m = rand_dim(maxdim);
		d.k = rand_dim(maxdim);
		d.n = rand_dim(maxdim);
		if (force_flags != ~0u) {
			d.flags = force_flags;
		} else {
			d.flags |= chance(40) ? CIRCE_HW_GEMM_INT4 : 0;
			d.flags |= chance(30) ? CIRCE_HW_GEMM_OUT16 : 0;
			d.flags |= chance(50) ? CIRCE_HW_GEMM_BIAS : 0;
			d.flags |= chance(50) ? CIRCE_HW_GEMM_PER_CHANNEL : 0;
		}
		bool out16 = d.flags & CIRCE_HW_GEMM_OUT16;
		int32_t lo = out16 ? INT16_MIN : INT8_MIN, hi = out16 ? INT16_MAX : INT8_MAX;
		d.in_zp = int32_t(rnd(256)) - 128;
		d.out_zp = chance(50) ? 0 : int32_t(rnd(64)) - 32;
		if (chance(30)) { // ReLU, as host/gemm.c
			d.clamp_min = d.out_zp;
			d.clamp_max = hi;
		} else if (chance(20)) {
			d.clamp_min = lo + int32_t(rnd(20));
			d.clamp_max = hi - int32_t(rnd(20));
		} else {
			d.clamp_min = lo;
			d.clamp_max = hi;
		}
		bool strided = strided_ok && chance(40);
		d.lda = d.k + (strided && chance(60) ? uint32_t(rnd(100)) : 0);
		d.ldw = wrow(d) + (strided && chance(60) ? uint32_t(rnd(100)) : 0);
		d.ldy = d.n * esize(d) + (strided && chance(60) ? uint32_t(rnd(100)) : 0);

		uint64_t abytes = uint64_t(d.m - 1) * d.lda + d.k;
		uint64_t wbytes = uint64_t(d.n - 1) * d.ldw + wrow(d);
		uint64_t ybytes = uint64_t(d.m - 1) * d.ldy + uint64_t(d.n) * esize(d);
		d.a_va = alloc_data(abytes);
		d.w_va = alloc_data(wbytes);
		fill(d.a_va, abytes);
		fill(d.w_va, wbytes);
		if (d.flags & CIRCE_HW_GEMM_BIAS) {
			d.bias_va = page_sep ? alloc_data(uint64_t(d.n) * 4) & ~3ull
					     : alloc(uint64_t(d.n) * 4, 4);
			int32_t *b = reinterpret_cast<int32_t *>(ptr(d.bias_va));
			for (uint32_t i = 0; i < d.n; i++)
				b[i] = chance(5) ? int32_t(rng()) : int32_t(rnd(1u << 20)) - (1 << 19);
		}
		d.rq_va = page_sep ? alloc_data(uint64_t(nrq(d)) * 8) & ~7ull
				   : alloc(uint64_t(nrq(d)) * 8, 8);
		for (uint32_t i = 0; i < nrq(d); i++)
			rand_requant(reinterpret_cast<struct circe_hw_requant *>(ptr(d.rq_va)) + i);
		g.y_lo = alloc_data(ybytes + 2 * kGuard);
		d.y_va = g.y_lo + kGuard;
		g.y_hi = d.y_va + ybytes + kGuard;
		fill(g.y_lo, g.y_hi - g.y_lo);
		d.status.code = CIRCE_HW_ST_PENDING;
		if (page_sep)
			alloc(kPage, kPage); // nothing after Y in its page
		return g;
	}

	// ---- CIRC descriptors ---------------------------------------------

	static uint32_t circ_q(const circe_hw_desc_circ &c)
	{
		return (c.n_in + c.k - 1) / c.k;
	}

	static uint32_t circ_es(const circe_hw_desc_circ &c)
	{
		return (c.flags & CIRCE_HW_CIRC_OUT16) ? 2 : 1;
	}

	static uint32_t circ_nrq(const circe_hw_desc_circ &c)
	{
		return (c.flags & CIRCE_HW_CIRC_PER_BLOCK) ? c.n_out / c.k : 1;
	}

	static uint64_t circ_macs(const circe_hw_desc_circ &c)
	{
		return uint64_t(c.n_out) * circ_q(c) * c.k * c.batch;
	}

	// A legal random CIRC: k (0: random of 1, 2, 4, 8, 16), n_in up to
	// max_in, p = n_out / k up to max_p, batch up to max_batch.
	Gemm make_circ(uint32_t k, uint32_t max_in, uint32_t max_p, uint32_t max_batch,
		       bool strided_ok = true, uint32_t force_flags = ~0u)
	{
		Gemm g;
		circe_hw_desc_circ &c = g.c;

		g.circ = true;
		memset(&g.d, 0, sizeof(g.d));
		memset(&c, 0, sizeof(c));
		c.opcode = CIRCE_HW_OP_CIRC;
		c.k = k ? k : 1u << rnd(5);
		c.n_in = rand_dim(max_in);
		c.n_out = c.k * rand_dim(max_p);
		c.batch = 1 + uint32_t(rnd(max_batch));
		if (force_flags != ~0u) {
			c.flags = force_flags;
		} else {
			c.flags |= chance(30) ? CIRCE_HW_CIRC_OUT16 : 0;
			c.flags |= chance(50) ? CIRCE_HW_CIRC_BIAS : 0;
			c.flags |= chance(50) ? CIRCE_HW_CIRC_PER_BLOCK : 0;
		}
		bool out16 = c.flags & CIRCE_HW_CIRC_OUT16;
		int32_t lo = out16 ? INT16_MIN : INT8_MIN, hi = out16 ? INT16_MAX : INT8_MAX;
		c.out_zp = chance(50) ? 0 : int32_t(rnd(64)) - 32;
		if (chance(30)) {
			c.clamp_min = c.out_zp;
			c.clamp_max = hi;
		} else if (chance(20)) {
			c.clamp_min = lo + int32_t(rnd(20));
			c.clamp_max = hi - int32_t(rnd(20));
		} else {
			c.clamp_min = lo;
			c.clamp_max = hi;
		}
		uint32_t wrowb = circ_q(c) * c.k;
		bool strided = strided_ok && chance(40);
		c.ldw = wrowb + (strided && chance(60) ? uint32_t(rnd(100)) : 0);
		c.ldx = c.n_in + (strided && chance(60) ? uint32_t(rnd(100)) : 0);
		c.ldy = c.n_out * circ_es(c) + (strided && chance(60) ? uint32_t(rnd(100)) : 0);
		uint32_t p = c.n_out / c.k;
		uint64_t wbytes = uint64_t(p - 1) * c.ldw + wrowb;
		uint64_t xbytes = uint64_t(c.batch - 1) * c.ldx + c.n_in;
		uint64_t ybytes = uint64_t(c.batch - 1) * c.ldy + uint64_t(c.n_out) * circ_es(c);
		c.w_va = alloc_data(wbytes);
		c.x_va = alloc_data(xbytes);
		fill(c.w_va, wbytes);
		fill(c.x_va, xbytes);
		if (c.flags & CIRCE_HW_CIRC_BIAS) {
			c.bias_va = page_sep ? alloc_data(uint64_t(c.n_out) * 4) & ~3ull
					     : alloc(uint64_t(c.n_out) * 4, 4);
			int32_t *b = reinterpret_cast<int32_t *>(ptr(c.bias_va));
			for (uint32_t i = 0; i < c.n_out; i++)
				b[i] = chance(5) ? int32_t(rng()) : int32_t(rnd(1u << 20)) - (1 << 19);
		}
		c.rq_va = page_sep ? alloc_data(uint64_t(circ_nrq(c)) * 8) & ~7ull
				   : alloc(uint64_t(circ_nrq(c)) * 8, 8);
		for (uint32_t i = 0; i < circ_nrq(c); i++)
			rand_requant(reinterpret_cast<struct circe_hw_requant *>(ptr(c.rq_va)) + i);
		g.y_lo = alloc_data(ybytes + 2 * kGuard);
		c.y_va = g.y_lo + kGuard;
		g.y_hi = c.y_va + ybytes + kGuard;
		fill(g.y_lo, g.y_hi - g.y_lo);
		c.status.code = CIRCE_HW_ST_PENDING;
		if (page_sep)
			alloc(kPage, kPage);
		return g;
	}

	// ---- LSTM descriptors ---------------------------------------------

	int16_t rand_gate()
	{
		static const int16_t e[] = { 32767, -32768, 32640, -32640, 0, 1, -1, 4096, -4096 };
		if (chance(5))
			return e[rnd(sizeof(e) / sizeof(e[0]))];
		if (chance(10))
			return int16_t(int32_t(rnd(65536)) - 32768);
		return int16_t(int32_t(rnd(24576)) - 12288);
	}

	// A legal random LSTM step: gx, gh, c_in in host memory; c_out and h
	// inside one checked region (c_out in place of c_in sometimes).
	Gemm make_lstm(uint32_t max_hidden, bool in_place_ok = true)
	{
		Gemm g;
		circe_hw_desc_lstm &l = g.l;

		g.lstm = true;
		memset(&g.d, 0, sizeof(g.d));
		memset(&l, 0, sizeof(l));
		l.opcode = CIRCE_HW_OP_LSTM;
		l.hidden = rand_dim(max_hidden);
		l.flags = chance(25) ? CIRCE_HW_LSTM_NO_GH : 0;
		l.h_zp = int32_t(rnd(256)) - 128;
		double real = std::ldexp(0.5 + 0.5 * double(rnd(1u << 20)) / double(1u << 20),
					 -int(22 + rnd(6)));
		circe_quantize_multiplier(real, &l.h_rq.m0, &l.h_rq.shift);
		uint64_t gbytes = uint64_t(l.hidden) * 8;
		l.gx_va = alloc_data(gbytes) & ~1ull;
		fill(l.gx_va, gbytes);
		for (uint32_t i = 0; i < 4 * l.hidden; i++)
			reinterpret_cast<int16_t *>(ptr(l.gx_va))[i] = rand_gate();
		if (!(l.flags & CIRCE_HW_LSTM_NO_GH) || chance(50)) {
			l.gh_va = alloc_data(gbytes) & ~1ull;
			for (uint32_t i = 0; i < 4 * l.hidden; i++)
				reinterpret_cast<int16_t *>(ptr(l.gh_va))[i] = rand_gate();
		} else {
			l.gh_va = 0x1235; // unused with NO_GH: any value
		}
		uint64_t cbytes = uint64_t(l.hidden) * 2;
		g.y_lo = alloc_data(cbytes + l.hidden + 3 * kGuard + 64 + 2) & ~1ull;
		l.c_out_va = g.y_lo + kGuard;
		l.h_va = l.c_out_va + cbytes + kGuard + rnd(64);
		g.y_hi = l.h_va + l.hidden + kGuard;
		fill(g.y_lo, g.y_hi - g.y_lo);
		bool in_place = in_place_ok && chance(30);
		if (in_place) {
			l.c_in_va = l.c_out_va;
		} else {
			l.c_in_va = alloc_data(cbytes) & ~1ull;
			fill(l.c_in_va, cbytes);
		}
		l.status.code = CIRCE_HW_ST_PENDING;
		if (page_sep)
			alloc(kPage, kPage);
		return g;
	}

	// What sim/fmodel ends an LSTM with, when no buffer is unreadable.
	static Expect fmodel_lstm(const circe_hw_desc_lstm &l)
	{
		uint32_t ill = circe_hls_lstm_check(&l);

		if (ill)
			return Expect{ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		return Expect{};
	}

	// What sim/fmodel ends a CIRC with, when no buffer is unreadable.
	Expect fmodel_circ(const circe_hw_desc_circ &c) const
	{
		uint32_t ill = circe_hls_circ_check(&c);

		if (ill)
			return Expect{ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		if (circe_hls_requant_check(reinterpret_cast<const struct circe_hw_requant *>(
						    const_cast<Bench *>(this)->ptr(c.rq_va)),
					    circ_nrq(c)))
			return Expect{ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_REQUANT, 0 };
		return Expect{};
	}

	// The expected output region: circe_hls_gemm on the same strided buffers.
	void reference(Gemm &g)
	{
		const circe_hw_desc_gemm &d = g.d;

		g.y_ref.assign(ptr(g.y_lo), ptr(g.y_lo) + (g.y_hi - g.y_lo));
		if (g.lstm) {
			const circe_hw_desc_lstm &l = g.l;
			std::vector<int16_t> c_in(l.hidden);
			memcpy(c_in.data(), ptr(l.c_in_va), c_in.size() * 2);
			circe_hls_lstm(&l, reinterpret_cast<const int16_t *>(ptr(l.gx_va)),
				       (l.flags & CIRCE_HW_LSTM_NO_GH)
					       ? nullptr
					       : reinterpret_cast<const int16_t *>(ptr(l.gh_va)),
				       c_in.data(),
				       reinterpret_cast<int16_t *>(g.y_ref.data() + (l.c_out_va - g.y_lo)),
				       reinterpret_cast<int8_t *>(g.y_ref.data() + (l.h_va - g.y_lo)));
			return;
		}
		if (g.circ) {
			const circe_hw_desc_circ &c = g.c;
			circe_hls_circ(&c, reinterpret_cast<const int8_t *>(ptr(c.w_va)),
				       reinterpret_cast<const int8_t *>(ptr(c.x_va)),
				       (c.flags & CIRCE_HW_CIRC_BIAS)
					       ? reinterpret_cast<const int32_t *>(ptr(c.bias_va))
					       : nullptr,
				       reinterpret_cast<const struct circe_hw_requant *>(ptr(c.rq_va)),
				       g.y_ref.data() + (c.y_va - g.y_lo));
			return;
		}
		circe_hls_gemm(&d, reinterpret_cast<const int8_t *>(ptr(d.a_va)), ptr(d.w_va),
			       (d.flags & CIRCE_HW_GEMM_BIAS)
				       ? reinterpret_cast<const int32_t *>(ptr(d.bias_va))
				       : nullptr,
			       reinterpret_cast<const struct circe_hw_requant *>(ptr(d.rq_va)),
			       g.y_ref.data() + (d.y_va - g.y_lo));
	}

	// A command list of count descriptors, 64-byte aligned (as host/gemm.c:
	// page aligned, zeroed).
	uint64_t alloc_list(uint32_t count)
	{
		uint64_t va = alloc(uint64_t(count) * CIRCE_HW_DESC_BYTES, kPage);
		memset(ptr(va), 0, size_t(count) * CIRCE_HW_DESC_BYTES);
		return va;
	}

	void put_desc(uint64_t va, const void *desc)
	{
		memcpy(ptr(va), desc, CIRCE_HW_DESC_BYTES);
	}

	void put_generic(uint64_t va, uint32_t opcode)
	{
		union circe_hw_desc u;
		memset(&u, 0, sizeof(u));
		u.head.opcode = opcode;
		for (size_t i = 0; i < sizeof(u.generic.body); i++)
			u.generic.body[i] = uint8_t(rng()); // ignored by the device
		u.generic.status.code = CIRCE_HW_ST_PENDING;
		put_desc(va, &u);
	}

	struct circe_hw_status status_at(uint64_t desc_va)
	{
		struct circe_hw_status s;
		memcpy(&s, ptr(desc_va + CIRCE_HW_STATUS_OFFSET), sizeof(s));
		return s;
	}

	// ---- model of sim/fmodel's descriptor execution (errors only) -----

	bool in_hole(uint64_t lo, uint64_t hi) const
	{
		if (lo < kVaBase || hi > kVaBase + host.size())
			return true;
		for (const Hole &h : holes)
			if (lo < h.hi && h.lo < hi)
				return true;
		return false;
	}

	// How an access to an unmapped VA ends: DECERR -> BUS_ERROR (Bypass), or
	// a fault the host aborts -> FAULT with the flags of sim/fmodel's walk.
	static Expect fail_expect(uint64_t at, bool write)
	{
		if (kMmu)
			return Expect{ CIRCE_HW_ST_FAULT, write ? CIRCE_HW_FAULT_WRITE : 0u, at };
		return Expect{ CIRCE_HW_ST_BUS_ERROR, 0, at };
	}

	// circe_fmodel_dma: 4 KiB pieces, the first failing one's VA.
	bool dma_fails(uint64_t va, uint64_t len, uint64_t *at) const
	{
		while (len) {
			uint64_t piece = std::min(len, kPage - (va & (kPage - 1)));
			if (in_hole(va, va + piece)) {
				*at = va;
				return true;
			}
			va += piece;
			len -= piece;
		}
		return false;
	}

	bool dma_rows_fails(uint64_t va, uint64_t stride, uint64_t rows, uint64_t row_bytes,
			    uint64_t *at) const
	{
		if (stride == row_bytes)
			return dma_fails(va, rows * row_bytes, at);
		for (uint64_t r = 0; r < rows; r++)
			if (dma_fails(va + r * stride, row_bytes, at))
				return true;
		return false;
	}

	// What circe_fmodel_gemm ends with (the descriptor passed the checks).
	Expect fmodel_gemm(const circe_hw_desc_gemm &d) const
	{
		Expect e;
		uint64_t at;
		uint32_t ill = circe_hls_gemm_check(&d);

		if (ill)
			return Expect{ CIRCE_HW_ST_ILLEGAL, ill, 0 };
		uint64_t yrow = uint64_t(d.n) * esize(d);
		uint64_t widest = std::max<uint64_t>(yrow, d.k);
		uint64_t chunk = std::max<uint64_t>(1, (1u << 20) / widest);
		chunk = std::min<uint64_t>(chunk, d.m);
		if (dma_rows_fails(d.w_va, d.ldw, d.n, wrow(d), &at) ||
		    ((d.flags & CIRCE_HW_GEMM_BIAS) && dma_fails(d.bias_va, uint64_t(d.n) * 4, &at)) ||
		    dma_fails(d.rq_va, uint64_t(nrq(d)) * 8, &at))
			return fail_expect(at, false);
		if (circe_hls_requant_check(
			    reinterpret_cast<const struct circe_hw_requant *>(
				    const_cast<Bench *>(this)->ptr(d.rq_va)),
			    nrq(d)))
			return Expect{ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_REQUANT, 0 };
		for (uint64_t r0 = 0; r0 < d.m; r0 += chunk) {
			uint64_t rows = std::min<uint64_t>(chunk, d.m - r0);
			if (dma_rows_fails(d.a_va + r0 * d.lda, d.lda, rows, d.k, &at))
				return fail_expect(at, false);
			if (dma_rows_fails(d.y_va + r0 * d.ldy, d.ldy, rows, yrow, &at))
				return fail_expect(at, true);
		}
		return e;
	}

	// ---- checks ---------------------------------------------------------

	void check_y(const Gemm &g, const char *what)
	{
		const uint8_t *got = ptr(g.y_lo);
		size_t n = g.y_hi - g.y_lo;

		for (size_t i = 0; i < n; i++) {
			if (got[i] != g.y_ref[i]) {
				uint64_t va = g.y_lo + i;
				int64_t off = int64_t(va) - int64_t(g.d.y_va);
				if (g.lstm) {
					failf("%s: LSTM byte at y_lo+%zu (c_out at +%" PRIu64 ", h at +%" PRIu64
					      "): got 0x%02x want 0x%02x (hidden %u flags 0x%x)",
					      what, i, g.l.c_out_va - g.y_lo, g.l.h_va - g.y_lo, got[i],
					      g.y_ref[i], g.l.hidden, g.l.flags);
					return;
				}
				if (g.circ) {
					const circe_hw_desc_circ &c = g.c;
					off = int64_t(va) - int64_t(c.y_va);
					failf("%s: CIRC Y byte at y_va%+" PRId64 ": got 0x%02x want 0x%02x "
					      "(k %u n_in %u n_out %u batch %u flags 0x%x ldw %u ldx %u ldy %u)",
					      what, off, got[i], g.y_ref[i], c.k, c.n_in, c.n_out, c.batch,
					      c.flags, c.ldw, c.ldx, c.ldy);
					return;
				}
				failf("%s: Y byte at y_va%+" PRId64 " (row %" PRId64 ", byte %" PRId64
				      "): got 0x%02x want 0x%02x (m %u k %u n %u flags 0x%x lda %u ldw %u ldy %u)",
				      what, off, off >= 0 ? off / g.d.ldy : -1,
				      off >= 0 ? off % g.d.ldy : off, got[i], g.y_ref[i], g.d.m, g.d.k,
				      g.d.n, g.d.flags, g.d.lda, g.d.ldw, g.d.ldy);
				return;
			}
		}
	}

	void check_status(uint64_t desc_va, const Expect &e, const char *what)
	{
		struct circe_hw_status s = status_at(desc_va);

		if (s.code != e.code || s.detail != e.detail || s.fault_va != e.va)
			failf("%s: status block {%u, %u, 0x%" PRIx64 "}, want {%u, %u, 0x%" PRIx64 "}",
			      what, s.code, s.detail, s.fault_va, e.code, e.detail, e.va);
	}

	void check_job(const JobResult &r, uint8_t status, uint32_t index, uint64_t va,
		       const char *what)
	{
		if (!r.done) {
			failf("%s: no done", what);
			return;
		}
		if (r.status != status || r.err_index != index || r.err_va != va)
			failf("%s: job {status %u, index %u, va 0x%" PRIx64 "}, want {%u, %u, 0x%" PRIx64
			      "}",
			      what, r.status, r.err_index, r.err_va, status, index, va);
	}

	// ---- lists -----------------------------------------------------------

	// Runs a list of GEMMs / generic descriptors and checks everything
	// against the model. kinds[i]: opcode for generic descriptors, or
	// CIRCE_HW_OP_GEMM with gemms[next] as its descriptor.
	void run_list(std::vector<uint32_t> ops, std::vector<Gemm> &gemms, const char *what,
		      uint64_t max_cycles = 20000000)
	{
		uint32_t count = uint32_t(ops.size());
		uint64_t list = alloc_list(count);
		std::vector<Expect> exp(count);
		std::vector<int> gi(count, -1);
		size_t next = 0;
		uint32_t end = count; // index that ends the job
		uint64_t want_macs = 0, want_descs = 0;
		std::vector<Hole> saved;

		// Demand paging: the host maps every hole when it faults, so the
		// model sees none.
		if (policy == FaultPolicy::Resume)
			std::swap(saved, holes);
		for (uint32_t i = 0; i < count; i++) {
			uint64_t dva = list + uint64_t(i) * CIRCE_HW_DESC_BYTES;
			if (ops[i] == CIRCE_HW_OP_GEMM || ops[i] == CIRCE_HW_OP_CIRC ||
			    ops[i] == CIRCE_HW_OP_LSTM) {
				Gemm &g = gemms[next];
				gi[i] = int(next++);
				g.desc_va = dva;
				g.y_orig.assign(ptr(g.y_lo), ptr(g.y_hi));
				if (g.lstm)
					put_desc(dva, &g.l);
				else if (g.circ)
					put_desc(dva, &g.c);
				else
					put_desc(dva, &g.d);
				if (g.check_y)
					reference(g);
				exp[i] = g.lstm ? fmodel_lstm(g.l)
						: g.circ ? fmodel_circ(g.c) : fmodel_gemm(g.d);
			} else {
				put_generic(dva, ops[i]);
				if (ops[i] != CIRCE_HW_OP_NOP && ops[i] != CIRCE_HW_OP_FENCE)
					exp[i] = Expect{ CIRCE_HW_ST_ILLEGAL, CIRCE_HW_ILL_OPCODE, 0 };
			}
			if (end == count && exp[i].code != CIRCE_HW_ST_OK)
				end = i;
		}
		if (policy == FaultPolicy::Resume)
			std::swap(saved, holes);
		for (uint32_t i = 0; i < count && i <= end; i++) {
			if (exp[i].code == CIRCE_HW_ST_OK) {
				want_descs++;
				if (gi[i] >= 0) {
					const Gemm &g = gemms[size_t(gi[i])];
					want_macs += g.lstm ? 0
						     : g.circ ? circ_macs(g.c)
							      : uint64_t(g.d.m) * g.d.k * g.d.n;
				}
			}
		}

		JobResult r = run_job(list, count, max_cycles);
		char buf[160];
		for (uint32_t i = 0; i < count; i++) {
			uint64_t dva = list + uint64_t(i) * CIRCE_HW_DESC_BYTES;
			snprintf(buf, sizeof buf, "%s: descriptor %u", what, i);
			if (i > end) {
				check_status(dva, Expect{ CIRCE_HW_ST_PENDING, 0, 0 }, buf);
				if (gi[i] >= 0) {
					const Gemm &g = gemms[size_t(gi[i])];
					if (memcmp(g.y_orig.data(), ptr(g.y_lo), g.y_orig.size()))
						failf("%s: output written after the job ended", buf);
				}
				continue;
			}
			check_status(dva, exp[i], buf);
			if (gi[i] >= 0 && exp[i].code == CIRCE_HW_ST_OK && gemms[size_t(gi[i])].check_y)
				check_y(gemms[size_t(gi[i])], buf);
		}
		if (end == count)
			check_job(r, CIRCE_HW_ST_OK, count - 1, 0, what);
		else
			check_job(r, uint8_t(exp[end].code), end,
				  (exp[end].code == CIRCE_HW_ST_BUS_ERROR ||
				   exp[end].code == CIRCE_HW_ST_FAULT)
					  ? exp[end].va
					  : 0,
				  what);
		if (r.macs != want_macs || r.descs != want_descs)
			failf("%s: counters: %" PRIu64 " MACs, %" PRIu64 " descriptors; want %" PRIu64
			      ", %" PRIu64,
			      what, r.macs, r.descs, want_macs, want_descs);
		last = r;
	}

	JobResult last;
};

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

// Single-GEMM jobs: random shapes up to 300, every flag combination,
// contiguous and strided buffers, checked byte for byte.
void test_random(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	uint64_t cycles = 0, macs = 0;
	auto t0 = std::chrono::steady_clock::now();
	std::clock_t cpu0 = std::clock();
	uint64_t c0 = b->cycle;

	for (int i = 0; i < CIRCE_TB_RANDOM_JOBS && !b->failures; i++) {
		std::vector<Gemm> g;
		g.push_back(b->make_gemm(300, true, i < 16 ? uint32_t(i) : ~0u));
		char what[64];
		snprintf(what, sizeof what, "random %d", i);
		b->run_list({ CIRCE_HW_OP_GEMM }, g, what);
		cycles += b->last.cycles;
		macs += uint64_t(g[0].d.m) * g[0].d.k * g[0].d.n;
		b->brk = 0;
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
	printf("# random: %" PRIu64 " job cycles, utilization %.3f, %.0f simulated cycles/s "
	       "(%.0f per CPU second, with the reference model)\n",
	       cycles, double(macs) / (double(CIRCE_TB_ROWS * CIRCE_TB_COLS) * double(cycles)),
	       double(b->cycle - c0) / secs, double(b->cycle - c0) / cpu);
	assert_int_equal(b->failures, 0);
}

// Shapes at the limits: the largest K (the A block shrinks to 8 rows and
// W comes in K pieces), K pieces of int4 rows, N wide enough for many
// output groups with strided Y, a tall M with tiny K and N, GEMV.
void test_shapes(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	struct Shape {
		uint32_t m, k, n, flags;
		bool strided;
	};
	const Shape shapes[] = {
#ifdef CIRCE_TB_GEMM_FULL
		{ 20, 16384, 24, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL, false },
#else
		{ 4, 16384, 9, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL, false },
#endif
		{ 3, 16384, 5, CIRCE_HW_GEMM_INT4 | CIRCE_HW_GEMM_OUT16, true },
		{ 9, 9001, 33, CIRCE_HW_GEMM_INT4 | CIRCE_HW_GEMM_PER_CHANNEL, false },
		{ 37, 5000, 19, CIRCE_HW_GEMM_BIAS, true },
		{ 21, 24, 2100, CIRCE_HW_GEMM_OUT16 | CIRCE_HW_GEMM_PER_CHANNEL, true },
		{ 17, 40, 1500, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL, false },
		{ 700, 9, 7, CIRCE_HW_GEMM_BIAS, false },
		{ 1, 1000, 300, CIRCE_HW_GEMM_INT4 | CIRCE_HW_GEMM_PER_CHANNEL, false },
	};

	for (const Shape &x : shapes) {
		if (b->failures)
			break;
		b->brk = 0;
		std::vector<Gemm> g;
		g.push_back(b->make_gemm(1, false, x.flags));
		b->brk = 0;
		// Re-lay the buffers for the real shape.
		Gemm &y = g[0];
		circe_hw_desc_gemm &d = y.d;
		d.m = x.m;
		d.k = x.k;
		d.n = x.n;
		d.lda = d.k + (x.strided ? 1 + uint32_t(b->rnd(64)) : 0);
		d.ldw = Bench::wrow(d) + (x.strided ? 1 + uint32_t(b->rnd(64)) : 0);
		d.ldy = d.n * Bench::esize(d) + (x.strided ? 1 + uint32_t(b->rnd(64)) : 0);
		uint64_t abytes = uint64_t(d.m - 1) * d.lda + d.k;
		uint64_t wbytes = uint64_t(d.n - 1) * d.ldw + Bench::wrow(d);
		uint64_t ybytes = uint64_t(d.m - 1) * d.ldy + uint64_t(d.n) * Bench::esize(d);
		d.a_va = b->alloc_data(abytes);
		d.w_va = b->alloc_data(wbytes);
		b->fill(d.a_va, abytes);
		b->fill(d.w_va, wbytes);
		if (d.flags & CIRCE_HW_GEMM_BIAS) {
			d.bias_va = b->alloc(uint64_t(d.n) * 4, 4);
			for (uint32_t i = 0; i < d.n; i++)
				reinterpret_cast<int32_t *>(b->ptr(d.bias_va))[i] = int32_t(b->rng());
		}
		d.rq_va = b->alloc(uint64_t(Bench::nrq(d)) * 8, 8);
		for (uint32_t i = 0; i < Bench::nrq(d); i++)
			b->rand_requant(reinterpret_cast<struct circe_hw_requant *>(b->ptr(d.rq_va)) + i);
		y.y_lo = b->alloc_data(ybytes + 2 * kGuard);
		d.y_va = y.y_lo + kGuard;
		y.y_hi = d.y_va + ybytes + kGuard;
		b->fill(y.y_lo, y.y_hi - y.y_lo);
		char what[80];
		snprintf(what, sizeof what, "shape %ux%ux%u flags 0x%x", x.m, x.k, x.n, x.flags);
		b->run_list({ CIRCE_HW_OP_GEMM }, g, what);
	}
	b->brk = 0;
	assert_int_equal(b->failures, 0);
}

// Lists: GEMMs mixed with NOP and FENCE, all executed in order.
void test_lists(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	for (int l = 0; l < 4 && !b->failures; l++) {
		std::vector<uint32_t> ops;
		std::vector<Gemm> g;
		unsigned n = 2 + unsigned(b->rnd(6));
		for (unsigned i = 0; i < n; i++) {
			unsigned r = unsigned(b->rnd(10));
			if (r < 2) {
				ops.push_back(r ? CIRCE_HW_OP_FENCE : CIRCE_HW_OP_NOP);
			} else {
				ops.push_back(CIRCE_HW_OP_GEMM);
				g.push_back(b->make_gemm(96));
			}
		}
		char what[64];
		snprintf(what, sizeof what, "list %d", l);
		b->run_list(ops, g, what);
		b->brk = 0;
	}
	// count = 0: OK at once, index 0.
	JobResult r = b->run_job(kVaBase, 0, 100);
	b->check_job(r, CIRCE_HW_ST_OK, 0, 0, "empty job");
	assert_int_equal(b->failures, 0);
}

// Every illegal-descriptor reason, at a random place in a list: the job
// ends there with the reason in the status block; later descriptors and
// the bad one's output are untouched.
void test_illegal(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	struct Case {
		const char *name;
		std::function<void(circe_hw_desc_gemm &, Bench *)> spoil;
	};
	const Case cases[] = {
		{ "opcode", [](circe_hw_desc_gemm &d, Bench *) { d.opcode = CIRCE_HW_OP_FENCE + 1; } },
		{ "opcode big", [](circe_hw_desc_gemm &d, Bench *) { d.opcode = 0x101; } },
		{ "flags", [](circe_hw_desc_gemm &d, Bench *bb) { d.flags |= 1u << (4 + bb->rnd(28)); } },
		{ "m zero", [](circe_hw_desc_gemm &d, Bench *) { d.m = 0; } },
		{ "m big", [](circe_hw_desc_gemm &d, Bench *) { d.m = 65536; } },
		{ "k zero", [](circe_hw_desc_gemm &d, Bench *) { d.k = 0; } },
		{ "k big", [](circe_hw_desc_gemm &d, Bench *) { d.k = 16385; } },
		{ "n big", [](circe_hw_desc_gemm &d, Bench *) { d.n = 0x80000000u; } },
		{ "lda", [](circe_hw_desc_gemm &d, Bench *) { d.lda = d.k - 1; } },
		{ "ldw", [](circe_hw_desc_gemm &d, Bench *) { d.ldw = Bench::wrow(d) - 1; } },
		{ "ldy", [](circe_hw_desc_gemm &d, Bench *) { d.ldy = d.n * Bench::esize(d) - 1; } },
		{ "in_zp", [](circe_hw_desc_gemm &d, Bench *) { d.in_zp = 128; } },
		{ "in_zp low", [](circe_hw_desc_gemm &d, Bench *) { d.in_zp = -129; } },
		{ "out_zp", [](circe_hw_desc_gemm &d, Bench *) { d.out_zp = (d.flags & CIRCE_HW_GEMM_OUT16) ? 32768 : 128; } },
		{ "clamp order", [](circe_hw_desc_gemm &d, Bench *) { d.clamp_min = 5; d.clamp_max = 4; } },
		{ "clamp range", [](circe_hw_desc_gemm &d, Bench *) { d.clamp_max = (d.flags & CIRCE_HW_GEMM_OUT16) ? 40000 : 200; } },
		{ "clamp low", [](circe_hw_desc_gemm &d, Bench *) { d.clamp_min = -40000; } },
		{ "flags and dims", [](circe_hw_desc_gemm &d, Bench *) { d.flags |= 0x10; d.m = 0; } },
		{ "dims and stride", [](circe_hw_desc_gemm &d, Bench *) { d.k = 20000; d.lda = 1; } },
		{ "stride and zp", [](circe_hw_desc_gemm &d, Bench *) { d.lda = 0; d.in_zp = 1000; } },
		{ "zp and clamp", [](circe_hw_desc_gemm &d, Bench *) { d.out_zp = 1000000; d.clamp_min = 1; d.clamp_max = 0; } },
	};

	for (const Case &c : cases) {
		if (b->failures)
			break;
		std::vector<uint32_t> ops;
		std::vector<Gemm> g;
		unsigned n = 1 + unsigned(b->rnd(4)), bad = unsigned(b->rnd(n));
		for (unsigned i = 0; i < n; i++) {
			ops.push_back(CIRCE_HW_OP_GEMM);
			g.push_back(b->make_gemm(40));
			if (i == bad) {
				c.spoil(g.back().d, b);
				g.back().check_y = false;
			}
		}
		std::vector<uint8_t> ybefore(b->ptr(g[bad].y_lo), b->ptr(g[bad].y_hi));
		char what[64];
		snprintf(what, sizeof what, "illegal %s", c.name);
		b->run_list(ops, g, what);
		if (memcmp(ybefore.data(), b->ptr(g[bad].y_lo), ybefore.size()))
			b->failf("%s: the illegal descriptor's output was written", what);
		b->brk = 0;
	}
	// An unknown opcode as a generic descriptor (after a NOP).
	std::vector<Gemm> none;
	b->run_list({ CIRCE_HW_OP_NOP, CIRCE_HW_OP_FENCE + 1, CIRCE_HW_OP_NOP }, none, "generic 9");
	b->run_list({ CIRCE_HW_OP_FENCE, 77 }, none, "generic 77");
	assert_int_equal(b->failures, 0);
}

// A requant table with an entry out of range: ILLEGAL REQUANT once the
// table is read, nothing of Y written.
void test_bad_requant(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	for (int i = 0; i < 6 && !b->failures; i++) {
		std::vector<Gemm> g;
		g.push_back(b->make_gemm(100));
		circe_hw_desc_gemm &d = g[0].d;
		auto *rq = reinterpret_cast<struct circe_hw_requant *>(b->ptr(d.rq_va));
		uint32_t at = uint32_t(b->rnd(Bench::nrq(d)));
		switch (i % 3) {
		case 0:
			rq[at].m0 = -1 - int32_t(b->rnd(1000));
			break;
		case 1:
			rq[at].shift = 31 + int32_t(b->rnd(100));
			break;
		default:
			rq[at].shift = -32 - int32_t(b->rnd(100));
			break;
		}
		g[0].check_y = false;
		std::vector<uint8_t> ybefore(b->ptr(g[0].y_lo), b->ptr(g[0].y_hi));
		std::vector<uint32_t> ops = { CIRCE_HW_OP_GEMM };
		if (i & 1) { // a good GEMM first
			ops.insert(ops.begin(), CIRCE_HW_OP_GEMM);
			g.insert(g.begin(), b->make_gemm(64));
		}
		char what[64];
		snprintf(what, sizeof what, "bad requant %d", i);
		b->run_list(ops, g, what);
		const Gemm &bad = g.back();
		for (size_t k = 0; k < ybefore.size(); k++)
			if (ybefore[k] != b->ptr(bad.y_lo)[k]) {
				b->failf("%s: Y written at y_lo+%zu of %zu (m %u k %u n %u flags 0x%x)", what,
					 k, ybefore.size(), bad.d.m, bad.d.k, bad.d.n, bad.d.flags);
				break;
			}
		b->brk = 0;
	}
	assert_int_equal(b->failures, 0);
}

// Unreadable memory in each buffer, the descriptor fetch and the status
// write-back: DECERR (Bypass) or page faults the host aborts (MMU). Codes,
// flags, VAs and indices as sim/fmodel reports them.
void test_access_errors(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	enum { kA, kW, kBias, kRq, kY, kNum };
	static const char *names[] = { "A", "W", "bias", "rq", "Y" };

	b->page_sep = true;
	for (int i = 0; i < 15 && !b->failures; i++) {
		int which = i % kNum;
		std::vector<Gemm> g;
		// W rows loaded whole (no K pieces), so that the array reads W in
		// row order, as the model does.
		g.push_back(b->make_gemm(which == kW ? std::min(200, CIRCE_TB_WPIECE) : 200, which != kY,
					 CIRCE_HW_GEMM_BIAS | (b->rnd(2) ? CIRCE_HW_GEMM_PER_CHANNEL : 0) |
						 (b->rnd(2) ? CIRCE_HW_GEMM_INT4 : 0)));
		circe_hw_desc_gemm &d = g[0].d;
		if (which == kY) {
			// One output group per row: the array writes Y in row order.
			d.n = std::min<uint32_t>(d.n, CIRCE_TB_YROW / Bench::esize(d));
			d.ldy = d.n * Bench::esize(d);
		}
		uint64_t lo = 0, len = 0;
		switch (which) {
		case kA: lo = d.a_va; len = uint64_t(d.m - 1) * d.lda + d.k; break;
		case kW: lo = d.w_va; len = uint64_t(d.n - 1) * d.ldw + Bench::wrow(d); break;
		case kBias: lo = d.bias_va; len = uint64_t(d.n) * 4; break;
		case kRq: lo = d.rq_va; len = uint64_t(Bench::nrq(d)) * 8; break;
		default: lo = d.y_va; len = uint64_t(d.m - 1) * d.ldy + uint64_t(d.n) * Bench::esize(d); break;
		}
		// A page-sized hole somewhere in the buffer (or at its start).
		uint64_t at = b->rnd(3) == 0 ? lo : lo + b->rnd(len);
		b->add_hole(at & ~(kPage - 1), (at & ~(kPage - 1)) + kPage);
		g[0].check_y = false;
		std::vector<uint32_t> ops = { CIRCE_HW_OP_GEMM };
		if (i & 1) {
			ops.push_back(CIRCE_HW_OP_NOP);
			ops.insert(ops.begin(), CIRCE_HW_OP_NOP);
		}
		char what[64];
		snprintf(what, sizeof what, "access error in %s (%d)", names[which], i);
		b->run_list(ops, g, what);
		b->clear_holes();
		b->idle(100);
		b->brk = 0;
	}
	b->page_sep = false;

	// A descriptor that cannot be fetched: no status block, the job ends
	// with its VA (descriptor 1 of 3; with the MMU, 32 of 33: the first one
	// of an unmapped page).
	{
		uint32_t count = kMmu ? 33 : 3, bad = kMmu ? 32 : 1;
		std::vector<Gemm> g;
		g.push_back(b->make_gemm(30));
		uint64_t list = b->alloc_list(count);
		b->reference(g[0]);
		g[0].desc_va = list;
		b->put_desc(list, &g[0].d);
		for (uint32_t i = 1; i < count; i++)
			b->put_generic(list + 128u * i, CIRCE_HW_OP_NOP);
		uint64_t bva = list + 128u * bad;
		if (kMmu)
			b->add_hole(bva, bva + kPage);
		else
			b->add_hole(bva, bva + 128);
		JobResult r = b->run_job(list, count, 2000000);
		b->clear_holes();
		b->check_job(r, kMmu ? CIRCE_HW_ST_FAULT : CIRCE_HW_ST_BUS_ERROR, bad, bva, "fetch error");
		b->check_status(list, Expect{}, "fetch error: descriptor 0");
		b->check_y(g[0], "fetch error: descriptor 0");
		if (!kMmu)
			b->check_status(bva, Expect{ CIRCE_HW_ST_PENDING, 0, 0 }, "fetch error: the bad one");
		if (r.descs != bad)
			b->failf("fetch error: %" PRIu64 " descriptors counted, want %u", r.descs, bad);
		b->brk = 0;
	}
	// The status write-back of descriptor 0 fails (SLVERR on writes; with
	// the MMU, a read-only page: a WRITE | PERM fault): the job ends with it.
	{
		uint64_t list = b->alloc_list(2);
		b->put_generic(list, CIRCE_HW_OP_FENCE);
		b->put_generic(list + 128, CIRCE_HW_OP_NOP);
		if (kMmu)
			b->set_page(list, true, false);
		else
			b->mem->add_error_range(list + CIRCE_HW_STATUS_OFFSET, list + 128,
						circe::vsim::kAxiSlvErr, circe::vsim::kAxiWrite);
		JobResult r = b->run_job(list, 2, 1000000);
		if (kMmu)
			b->set_page(list, true, true);
		b->mem->clear_injections();
		b->check_job(r, kMmu ? CIRCE_HW_ST_FAULT : CIRCE_HW_ST_BUS_ERROR, 0,
			     list + CIRCE_HW_STATUS_OFFSET, "status write error");
		b->check_status(list, Expect{ CIRCE_HW_ST_PENDING, 0, 0 }, "status write error");
		if (r.descs != 0)
			b->failf("status write error: %" PRIu64 " descriptors counted", r.descs);
		b->brk = 0;
	}
	assert_int_equal(b->failures, 0);
}

// Demand paging (MMU): pages of every buffer start unmapped; the host maps
// each one when it faults and resumes; the results are exact.
void test_demand_paging(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	if (!kMmu) {
		printf("# demand paging: skipped (Bypass MMU)\n");
		return;
	}
	b->policy = FaultPolicy::Resume;
	b->page_sep = true;
	for (int i = 0; i < 4 && !b->failures; i++) {
		std::vector<Gemm> g;
		for (int j = 0; j < 2; j++)
			g.push_back(b->make_gemm(160, true, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL));
		uint64_t before = b->faults;
		unsigned n = 0;
		for (const Gemm &x : g) {
			for (uint64_t va : { x.d.a_va, x.d.w_va, x.d.bias_va, x.d.rq_va, x.d.y_va }) {
				if (b->rnd(3)) {
					uint64_t p = va & ~(kPage - 1);
					b->add_hole(p, p + kPage);
					n++;
				}
			}
		}
		char what[64];
		snprintf(what, sizeof what, "demand paging %d", i);
		b->run_list({ CIRCE_HW_OP_GEMM, CIRCE_HW_OP_GEMM }, g, what);
		if (!b->holes.empty() || b->faults - before < n)
			b->failf("%s: %zu holes left, %" PRIu64 " faults for %u holes", what,
				 b->holes.size(), b->faults - before, n);
		b->clear_holes();
		b->brk = 0;
	}
	b->policy = FaultPolicy::Abort;
	b->page_sep = false;
	assert_int_equal(b->failures, 0);
}

// Abort in the middle of a GEMM: no done, the engines drain, and the next
// job runs correctly.
void test_abort(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	for (int i = 0; i < 4 && !b->failures; i++) {
		std::vector<Gemm> g;
		g.push_back(b->make_gemm(200));
		g[0].d.m = 150 + uint32_t(b->rnd(100));
		g[0].check_y = false;
		uint64_t list = b->alloc_list(1);
		b->put_desc(list, &g[0].d);
		uint64_t when = 300 + b->rnd(20000);
		JobResult r = b->run_job(list, 1, 10000000, [&](uint64_t c) { return c >= when; });
		if (r.done) {
			b->brk = 0;
			continue; // it finished first
		}
		b->top->abort_i = 1;
		b->step();
		b->top->abort_i = 0;
		uint64_t n = 0;
		while ((b->top->busy_o || b->top->dma_busy_o) && n < 200000) {
			if (b->top->done_o)
				b->failf("abort: done pulsed");
			b->step();
			n++;
		}
		if (b->top->busy_o || b->top->dma_busy_o)
			b->failf("abort: still busy after %" PRIu64 " cycles", n);
		if (b->top->status_o != CIRCE_HW_ST_RESET)
			b->failf("abort: status %u, want RESET", b->top->status_o);
		b->idle(600);
		// The next job is fine.
		std::vector<Gemm> g2;
		g2.push_back(b->make_gemm(100));
		b->run_list({ CIRCE_HW_OP_GEMM }, g2, "after abort");
		b->brk = 0;
	}
	assert_int_equal(b->failures, 0);
}

// CIRC jobs: every k, random n_in (not a multiple of k, longer than the W
// ring's half on the small array: x in K pieces), p (several M blocks),
// batch, OUT16, bias, per-block / per-tensor requantization, strides;
// lists mixing CIRC and GEMM; checked byte for byte against circe_hls_circ.
void test_circ(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	unsigned jobs = 0;

	for (int i = 0; i < 3 * CIRCE_TB_RANDOM_JOBS / 2 && !b->failures; i++) {
		std::vector<Gemm> g;
		uint32_t k = ks[i % 5];
		bool big = b->chance(15);
		g.push_back(b->make_circ(k, big ? 3000 : 300, big ? 8 : 40, b->chance(30) ? 3 : 1,
					 true, i < 40 ? uint32_t(((i / 5) & 7) << 1) : ~0u));
		char what[64];
		snprintf(what, sizeof what, "circ %d (k %u)", i, k);
		b->run_list({ CIRCE_HW_OP_CIRC }, g, what);
		b->brk = 0;
		jobs++;
	}
	for (int l = 0; l < 4 && !b->failures; l++) {
		std::vector<uint32_t> ops;
		std::vector<Gemm> g;
		unsigned n = 2 + unsigned(b->rnd(5));
		for (unsigned i = 0; i < n; i++) {
			unsigned r = unsigned(b->rnd(10));
			if (r < 1) {
				ops.push_back(CIRCE_HW_OP_NOP);
			} else if (r < 4) {
				ops.push_back(CIRCE_HW_OP_GEMM);
				g.push_back(b->make_gemm(80));
			} else {
				ops.push_back(CIRCE_HW_OP_CIRC);
				g.push_back(b->make_circ(0, 200, 20, 2));
			}
		}
		char what[64];
		snprintf(what, sizeof what, "circ list %d", l);
		b->run_list(ops, g, what);
		b->brk = 0;
	}
	printf("# circ: %u single-CIRC jobs, 4 mixed lists\n", jobs);
	assert_int_equal(b->failures, 0);
}

// LSTM steps: random hidden sizes (ragged last chunk), NO_GH, in-place
// cells, gates at the saturation points; lists mixing LSTM, CIRC and GEMM;
// illegal LSTM descriptors (each reason of circe_hls_lstm_check).
void test_lstm(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	for (int i = 0; i < CIRCE_TB_RANDOM_JOBS && !b->failures; i++) {
		std::vector<Gemm> g;
		g.push_back(b->make_lstm(i % 4 == 0 ? 3000 : 300));
		char what[64];
		snprintf(what, sizeof what, "lstm %d (hidden %u)", i, g[0].l.hidden);
		b->run_list({ CIRCE_HW_OP_LSTM }, g, what);
		b->brk = 0;
	}
	for (int l = 0; l < 3 && !b->failures; l++) {
		std::vector<uint32_t> ops;
		std::vector<Gemm> g;
		for (unsigned i = 0; i < 2 + unsigned(b->rnd(4)); i++) {
			unsigned r = unsigned(b->rnd(3));
			ops.push_back(r == 0 ? CIRCE_HW_OP_LSTM : r == 1 ? CIRCE_HW_OP_CIRC : CIRCE_HW_OP_GEMM);
			g.push_back(r == 0 ? b->make_lstm(200) : r == 1 ? b->make_circ(0, 100, 10, 2) : b->make_gemm(60));
		}
		char what[64];
		snprintf(what, sizeof what, "lstm list %d", l);
		b->run_list(ops, g, what);
		b->brk = 0;
	}
	struct Case {
		const char *name;
		std::function<void(circe_hw_desc_lstm &)> spoil;
	};
	const Case cases[] = {
		{ "flags", [](circe_hw_desc_lstm &l) { l.flags |= 2; } },
		{ "hidden 0", [](circe_hw_desc_lstm &l) { l.hidden = 0; } },
		{ "hidden big", [](circe_hw_desc_lstm &l) { l.hidden = 16385; } },
		{ "h_zp", [](circe_hw_desc_lstm &l) { l.h_zp = 128; } },
		{ "h_zp low", [](circe_hw_desc_lstm &l) { l.h_zp = -129; } },
		{ "m0", [](circe_hw_desc_lstm &l) { l.h_rq.m0 = -5; } },
		{ "shift", [](circe_hw_desc_lstm &l) { l.h_rq.shift = 31; } },
		{ "shift low", [](circe_hw_desc_lstm &l) { l.h_rq.shift = -32; } },
		{ "gx odd", [](circe_hw_desc_lstm &l) { l.gx_va |= 1; } },
		{ "gh odd", [](circe_hw_desc_lstm &l) { l.flags = 0; l.gh_va |= 1; } },
		{ "c_in odd", [](circe_hw_desc_lstm &l) { l.c_in_va |= 1; } },
		{ "c_out odd", [](circe_hw_desc_lstm &l) { l.c_out_va |= 1; } },
		{ "zp and align", [](circe_hw_desc_lstm &l) { l.h_zp = 1000; l.gx_va |= 1; } },
	};
	for (const Case &x : cases) {
		if (b->failures)
			break;
		std::vector<Gemm> g;
		g.push_back(b->make_lstm(100));
		g.push_back(b->make_lstm(100));
		x.spoil(g[1].l);
		g[1].check_y = false;
		std::vector<uint8_t> ybefore(b->ptr(g[1].y_lo), b->ptr(g[1].y_hi));
		char what[64];
		snprintf(what, sizeof what, "lstm illegal %s", x.name);
		b->run_list({ CIRCE_HW_OP_LSTM, CIRCE_HW_OP_LSTM }, g, what);
		for (size_t i = 0; i < ybefore.size(); i++) {
			if (ybefore[i] != b->ptr(g[1].y_lo)[i]) {
				b->failf("%s: the illegal descriptor's output was written at y_lo+%zu of "
					 "%zu (c_out +%" PRIu64 ", h +%" PRIu64 ", c_in 0x%" PRIx64
					 ", hidden %u; first: c_out 0x%" PRIx64 " h 0x%" PRIx64
					 " hidden %u, y_lo 0x%" PRIx64 ")",
					 what, i, ybefore.size(), g[1].l.c_out_va - g[1].y_lo,
					 g[1].l.h_va - g[1].y_lo, g[1].l.c_in_va, g[1].l.hidden,
					 g[0].l.c_out_va, g[0].l.h_va, g[0].l.hidden, g[1].y_lo);
				break;
			}
		}
		b->brk = 0;
	}
	assert_int_equal(b->failures, 0);
}

// Illegal CIRC descriptors (each reason of circe_hls_circ_check, and a
// bad requant entry): the job ends there, nothing written.
void test_circ_illegal(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	struct Case {
		const char *name;
		std::function<void(circe_hw_desc_circ &, Bench *)> spoil;
	};
	const Case cases[] = {
		{ "flags", [](circe_hw_desc_circ &c, Bench *) { c.flags |= 1u; } },
		{ "flags high", [](circe_hw_desc_circ &c, Bench *bb) { c.flags |= 1u << (4 + bb->rnd(28)); } },
		{ "k 3", [](circe_hw_desc_circ &c, Bench *) { c.k = 3; } },
		{ "k 32", [](circe_hw_desc_circ &c, Bench *) { c.k = 32; } },
		{ "k 0", [](circe_hw_desc_circ &c, Bench *) { c.k = 0; } },
		{ "n_in 0", [](circe_hw_desc_circ &c, Bench *) { c.n_in = 0; } },
		{ "n_in big", [](circe_hw_desc_circ &c, Bench *) { c.n_in = 16385; } },
		{ "n_out 0", [](circe_hw_desc_circ &c, Bench *) { c.n_out = 0; } },
		{ "n_out big", [](circe_hw_desc_circ &c, Bench *) { c.n_out = 65536; } },
		{ "n_out ragged", [](circe_hw_desc_circ &c, Bench *) { c.k = 4; c.n_out = 6; } },
		{ "batch 0", [](circe_hw_desc_circ &c, Bench *) { c.batch = 0; } },
		{ "batch big", [](circe_hw_desc_circ &c, Bench *) { c.batch = 65536; } },
		{ "ldw", [](circe_hw_desc_circ &c, Bench *) { c.ldw = Bench::circ_q(c) * c.k - 1; } },
		{ "ldx", [](circe_hw_desc_circ &c, Bench *) { c.ldx = c.n_in - 1; } },
		{ "ldy", [](circe_hw_desc_circ &c, Bench *) { c.ldy = c.n_out * Bench::circ_es(c) - 1; } },
		{ "out_zp", [](circe_hw_desc_circ &c, Bench *) { c.out_zp = (c.flags & CIRCE_HW_CIRC_OUT16) ? -32769 : 128; } },
		{ "clamp order", [](circe_hw_desc_circ &c, Bench *) { c.clamp_min = 5; c.clamp_max = 4; } },
		{ "clamp range", [](circe_hw_desc_circ &c, Bench *) { c.clamp_max = (c.flags & CIRCE_HW_CIRC_OUT16) ? 40000 : 200; } },
		{ "dims and stride", [](circe_hw_desc_circ &c, Bench *) { c.k = 5; c.ldw = 0; } },
		{ "stride and clamp", [](circe_hw_desc_circ &c, Bench *) { c.ldx = 0; c.clamp_min = 1; c.clamp_max = 0; } },
		{ "requant", [](circe_hw_desc_circ &c, Bench *bb) {
			  auto *rq = reinterpret_cast<struct circe_hw_requant *>(bb->ptr(c.rq_va));
			  rq[bb->rnd(Bench::circ_nrq(c))].shift = 31; } },
	};

	for (const Case &x : cases) {
		if (b->failures)
			break;
		std::vector<uint32_t> ops;
		std::vector<Gemm> g;
		unsigned n = 1 + unsigned(b->rnd(3)), bad = unsigned(b->rnd(n));
		for (unsigned i = 0; i < n; i++) {
			ops.push_back(CIRCE_HW_OP_CIRC);
			g.push_back(b->make_circ(0, 100, 10, 2));
			if (i == bad) {
				x.spoil(g.back().c, b);
				g.back().check_y = false;
			}
		}
		std::vector<uint8_t> ybefore(b->ptr(g[bad].y_lo), b->ptr(g[bad].y_hi));
		char what[64];
		snprintf(what, sizeof what, "circ illegal %s", x.name);
		b->run_list(ops, g, what);
		if (memcmp(ybefore.data(), b->ptr(g[bad].y_lo), ybefore.size()))
			b->failf("%s: the illegal descriptor's output was written", what);
		b->brk = 0;
	}
	assert_int_equal(b->failures, 0);
}

// Performance: square GEMMs as host/gemm.c lays them out (contiguous,
// per-channel requantization with bias, int8).
double perf_case(Bench *b, uint32_t s)
{
	std::vector<Gemm> g;
	Gemm x = b->make_gemm(1, false, CIRCE_HW_GEMM_BIAS | CIRCE_HW_GEMM_PER_CHANNEL);
	b->brk = 0;
	x.d.m = x.d.k = x.d.n = s;
	// Re-lay the buffers for the real size.
	circe_hw_desc_gemm &d = x.d;
	d.lda = s;
	d.ldw = s;
	d.ldy = s;
	d.a_va = b->alloc(uint64_t(s) * s, 4096);
	d.w_va = b->alloc(uint64_t(s) * s, 4096);
	d.bias_va = b->alloc(uint64_t(s) * 4, 64);
	d.rq_va = b->alloc(uint64_t(s) * 8, 64);
	x.y_lo = b->alloc(uint64_t(s) * s + 2 * kGuard, 4096);
	d.y_va = x.y_lo + kGuard;
	x.y_hi = d.y_va + uint64_t(s) * s + kGuard;
	b->fill(d.a_va, uint64_t(s) * s);
	b->fill(d.w_va, uint64_t(s) * s);
	b->fill(x.y_lo, x.y_hi - x.y_lo);
	for (uint32_t i = 0; i < s; i++) {
		reinterpret_cast<int32_t *>(b->ptr(d.bias_va))[i] = int32_t(b->rnd(1u << 16)) - (1 << 15);
		struct circe_hw_requant *rq = reinterpret_cast<struct circe_hw_requant *>(b->ptr(d.rq_va)) + i;
		circe_quantize_multiplier(1.0 / double(1u << (10 + b->rnd(4))), &rq->m0, &rq->shift);
	}
	d.in_zp = 3;
	d.out_zp = 0;
	d.clamp_min = -128;
	d.clamp_max = 127;
	g.push_back(x);
	char what[64];
	snprintf(what, sizeof what, "perf %u", s);
	// Reference first, so that the timing is the simulation's alone.
	b->reference(g[0]);
	g[0].check_y = false;
	auto t0 = std::chrono::steady_clock::now();
	std::clock_t cpu0 = std::clock();
	uint64_t c0 = b->cycle;
	b->run_list({ CIRCE_HW_OP_GEMM }, g, what, 100000000);
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
	b->check_y(g[0], what);
	double util = double(s) * s * s / (double(CIRCE_TB_ROWS * CIRCE_TB_COLS) * double(b->last.cycles));
	printf("# perf gemm %ux%ux%u: cycles %" PRIu64 " utilization %.4f (array fed %" PRIu64
	       " cycles; %.0f simulated cycles/s, %.0f per CPU second)\n",
	       s, s, s, b->last.cycles, util, b->last.compute, double(b->cycle - c0) / secs,
	       double(b->cycle - c0) / cpu);
	b->brk = 0;
	return util;
}

// Performance of CIRC at batch 1 (the recurrent step's products): contiguous
// weights and x, bias, per-block requantization, int8.
Gemm perf_circ_desc(Bench *b, uint32_t k, uint32_t n_out, uint32_t n_in)
{
	Gemm x = b->make_circ(k, 1, 1, 1, false,
			      CIRCE_HW_CIRC_BIAS | CIRCE_HW_CIRC_PER_BLOCK);
	circe_hw_desc_circ &c = x.c;
	c.n_in = n_in;
	c.n_out = n_out;
	c.batch = 1;
	uint32_t p = n_out / k, wrowb = Bench::circ_q(c) * k;
	c.ldw = wrowb;
	c.ldx = n_in;
	c.ldy = n_out;
	c.w_va = b->alloc(uint64_t(p) * wrowb, 4096);
	c.x_va = b->alloc(n_in, 64);
	c.bias_va = b->alloc(uint64_t(n_out) * 4, 64);
	c.rq_va = b->alloc(uint64_t(p) * 8, 64);
	x.y_lo = b->alloc(n_out + 2 * kGuard, 4096);
	c.y_va = x.y_lo + kGuard;
	x.y_hi = c.y_va + n_out + kGuard;
	b->fill(c.w_va, uint64_t(p) * wrowb);
	b->fill(c.x_va, n_in);
	b->fill(x.y_lo, x.y_hi - x.y_lo);
	for (uint32_t i = 0; i < n_out; i++)
		reinterpret_cast<int32_t *>(b->ptr(c.bias_va))[i] = int32_t(b->rnd(1u << 16)) - (1 << 15);
	for (uint32_t i = 0; i < p; i++) {
		struct circe_hw_requant *rq = reinterpret_cast<struct circe_hw_requant *>(b->ptr(c.rq_va)) + i;
		circe_quantize_multiplier(1.0 / double(1u << (10 + b->rnd(4))), &rq->m0, &rq->shift);
	}
	c.out_zp = 0;
	c.clamp_min = -128;
	c.clamp_max = 127;
	return x;
}

double perf_circ(Bench *b, uint32_t k, uint32_t n_out, uint32_t n_in)
{
	std::vector<Gemm> g;
	b->brk = 0;
	g.push_back(perf_circ_desc(b, k, n_out, n_in));
	char what[64];
	snprintf(what, sizeof what, "perf circ k %u %ux%u", k, n_out, n_in);
	b->run_list({ CIRCE_HW_OP_CIRC }, g, what, 100000000);
	double util = double(Bench::circ_macs(g[0].c)) /
		      (double(CIRCE_TB_ROWS * CIRCE_TB_COLS) * double(b->last.cycles));
	printf("# perf circ k=%u n_out=%u n_in=%u batch 1: cycles %" PRIu64
	       " MACs %" PRIu64 " utilization %.4f (array fed %" PRIu64 " cycles)\n",
	       k, n_out, n_in, b->last.cycles, b->last.macs, util, b->last.compute);
	b->brk = 0;
	return util;
}

// One recurrent step of the Google LSTM shape (153 inputs, 1024 cells, 512
// projection) at batch 1, k = 16: gh = W_hh h (CIRC 4096 x 512, int16 Q3.12
// gates), the LSTM cell (hidden 1024, gx given), h_proj = W_proj h (CIRC
// 512 x 1024, int8), alone and as one command list.
double perf_step(Bench *b)
{
	b->brk = 0;
	std::vector<Gemm> g;
	g.push_back(perf_circ_desc(b, 16, 4096, 512));
	g.push_back(b->make_lstm(1, false));
	g.push_back(perf_circ_desc(b, 16, 512, 1024));
	circe_hw_desc_circ &hh = g[0].c, &pr = g[2].c;
	circe_hw_desc_lstm &l = g[1].l;
	// W_hh's output is the gates' recurrent part, in Q3.12.
	hh.flags |= CIRCE_HW_CIRC_OUT16;
	hh.ldy = 4096 * 2;
	hh.clamp_min = INT16_MIN;
	hh.clamp_max = INT16_MAX;
	g[0].y_lo = b->alloc(4096 * 2 + 2 * kGuard, 4096);
	hh.y_va = g[0].y_lo + kGuard;
	g[0].y_hi = hh.y_va + 4096 * 2 + kGuard;
	for (uint32_t i = 0; i < 256; i++) {
		struct circe_hw_requant *rq = reinterpret_cast<struct circe_hw_requant *>(b->ptr(hh.rq_va)) + i;
		circe_quantize_multiplier(1.0 / double(1u << 6), &rq->m0, &rq->shift);
	}
	l.hidden = 1024;
	l.flags = 0;
	l.gx_va = b->alloc(1024 * 8, 64);
	for (uint32_t i = 0; i < 4096; i++)
		reinterpret_cast<int16_t *>(b->ptr(l.gx_va))[i] = b->rand_gate();
	l.gh_va = hh.y_va;
	l.c_in_va = b->alloc(1024 * 2, 64);
	b->fill(l.c_in_va, 2048);
	g[1].y_lo = b->alloc(2048 + 1024 + 3 * kGuard, 4096);
	l.c_out_va = g[1].y_lo + kGuard;
	l.h_va = l.c_out_va + 2048 + kGuard;
	g[1].y_hi = l.h_va + 1024 + kGuard;
	pr.x_va = l.h_va; // the projection reads the new h
	// Alone, each (references on the chained inputs as they are then).
	uint64_t alone = 0, macs = 0;
	const uint32_t ops[] = { CIRCE_HW_OP_CIRC, CIRCE_HW_OP_LSTM, CIRCE_HW_OP_CIRC };
	for (int i = 0; i < 3; i++) {
		std::vector<Gemm> one{ g[size_t(i)] };
		b->run_list({ ops[i] }, one, i == 1 ? "perf lstm 1024" : "perf step circ", 100000000);
		alone += b->last.cycles;
		macs += b->last.macs;
		if (i == 1)
			printf("# perf lstm hidden=1024: cycles %" PRIu64 "\n", b->last.cycles);
	}
	b->run_list({ CIRCE_HW_OP_CIRC, CIRCE_HW_OP_LSTM, CIRCE_HW_OP_CIRC }, g, "perf step", 100000000);
	double util = double(b->last.macs) / (double(CIRCE_TB_ROWS * CIRCE_TB_COLS) * double(b->last.cycles));
	printf("# perf recurrent step (circ 4096x512 k=16, lstm 1024, circ 512x1024 k=16) as one list: "
	       "cycles %" PRIu64 " MACs %" PRIu64 " utilization %.4f (the three alone: %" PRIu64
	       " cycles, utilization %.4f)\n",
	       b->last.cycles, b->last.macs, util, alone,
	       double(macs) / (double(CIRCE_TB_ROWS * CIRCE_TB_COLS) * double(alone)));
	b->brk = 0;
	return util;
}

void test_perf(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	perf_step(b);

	perf_circ(b, 16, 4096, 512);
	perf_circ(b, 16, 512, 1024);
	perf_circ(b, 8, 4096, 512);
	perf_circ(b, 4, 4096, 512);

	perf_case(b, 64);
	double u256 = perf_case(b, 256);
	const char *big = getenv("CIRCE_TB_GEMM_BIG");
	double u1024 = 1.0;
	if (big && *big && *big != '0')
		u1024 = perf_case(b, 1024);
	assert_int_equal(b->failures, 0);
#ifdef CIRCE_TB_GEMM_FULL
	assert_true(u256 >= 0.90);
	assert_true(u1024 >= 0.95);
#else
	(void)u256;
	(void)u1024;
#endif
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	uint64_t seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;

	Verilated::commandArgs(argc, argv);
	printf("# seed " CIRCE_TB_GEMM_NAME " = %" PRIu64 " (set CIRCE_SEED to change)\n", seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_random, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_shapes, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_lists, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_illegal, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_bad_requant, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_access_errors, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_demand_paging, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_abort, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_circ, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_circ_illegal, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_lstm, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_perf, setup, teardown, &seed),
	};

	return cmocka_run_group_tests_name(CIRCE_TB_GEMM_NAME, tests, NULL, NULL);
}
