// SPDX-License-Identifier: Apache-2.0
//
// vsim: the C interface of sim/vsim/vsim.h over the controller (sim_ctrl.h),
// an AXI4-Lite master extension on s_axi_control and the AXI memory model
// (axi_mem.h) extension on m_axi. See docs/vsim.md.
#include "sim/vsim/vsim.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "circe/hw.h"
#include "sim/vsim/axi_mem.h"
#include "sim/vsim/sim_ctrl.h"

extern "C" {
#include "common/error.h"
#include "svm/platform.h"
}

#ifndef CIRCE_VSIM_ROWS
#error "CIRCE_VSIM_ROWS and friends come from sim/vsim/vsim.mk"
#endif

namespace circe
{
namespace vsim
{

namespace
{

// Cycles a register access may take before the harness gives up on the
// slave (a RESET write takes a handful; anything near this is a bug).
constexpr uint64_t kAxilTimeout = 1000000;
constexpr unsigned kResetCycles = 8;
constexpr unsigned kMaxErrorRanges = 8;
constexpr uint8_t kRespOkay = 0;

// AXI4-Lite master on s_axi_control: one transaction at a time, run to its
// end by the calling thread.
class AxilMaster : public SimExtension
{
      public:
	explicit AxilMaster(TopPorts &top) : top_(top)
	{
	}

	void drive() override
	{
		*top_.awvalid = aw_;
		*top_.awaddr = addr_;
		*top_.wvalid = w_;
		*top_.wdata = data_;
		*top_.wstrb = 0xF;
		*top_.bready = b_;
		*top_.arvalid = ar_;
		*top_.araddr = addr_;
		*top_.rready = r_;
	}

	void sample() override
	{
		if (aw_ && *top_.awready)
			aw_ = false;
		if (w_ && *top_.wready)
			w_ = false;
		if (b_ && *top_.bvalid) {
			b_ = false;
			resp_ = *top_.bresp;
		}
		if (ar_ && *top_.arready)
			ar_ = false;
		if (r_ && *top_.rvalid) {
			r_ = false;
			resp_ = *top_.rresp;
			data_ = *top_.rdata;
		}
	}

	void start_write(uint32_t off, uint32_t val)
	{
		addr_ = static_cast<uint16_t>(off);
		data_ = val;
		aw_ = w_ = b_ = true;
	}
	void start_read(uint32_t off)
	{
		addr_ = static_cast<uint16_t>(off);
		ar_ = r_ = true;
	}
	bool busy() const
	{
		return aw_ || w_ || b_ || ar_ || r_;
	}
	void abandon()
	{
		aw_ = w_ = b_ = ar_ = r_ = false;
	}
	uint8_t resp() const
	{
		return resp_;
	}
	uint32_t data() const
	{
		return data_;
	}

      private:
	TopPorts &top_;
	bool aw_ = false, w_ = false, b_ = false, ar_ = false, r_ = false;
	uint16_t addr_ = 0;
	uint32_t data_ = 0;
	uint8_t resp_ = kRespOkay;
};

// The memory model on m_axi, with a freeze switch: frozen, it offers no
// ready and no response and takes nothing (a hung bus).
class MemPort : public SimExtension
{
      public:
	MemPort(TopPorts &top, const AxiMemConfig &cfg, AxiResolveFn resolve, void *ctx)
	    : top_(top), mem_(cfg, top.m_axi, resolve, ctx)
	{
	}

	void drive() override
	{
		if (!frozen_) {
			mem_.drive();
			return;
		}
		*top_.m_axi.arready = 0;
		*top_.m_axi.awready = 0;
		*top_.m_axi.wready = 0;
		*top_.m_axi.rvalid = 0;
		*top_.m_axi.bvalid = 0;
	}
	void sample() override
	{
		if (!frozen_)
			mem_.sample();
	}

	void freeze(bool f)
	{
		frozen_ = f;
	}
	AxiMem &mem()
	{
		return mem_;
	}
	const AxiMem &mem() const
	{
		return mem_;
	}

      private:
	TopPorts &top_;
	AxiMem mem_;
	bool frozen_ = false;
};

int resolve_iova(void *ctx, uint64_t iova, size_t len, void **host)
{
	return circe_platform_resolve(static_cast<struct circe_platform *>(ctx), iova, len, host);
}

// The ideal-MMU model puts VAs on the bus (circe_mmu Bypass). The memory
// model resolves them as a host IOMMU would for a device that uses process
// addresses directly: through the job's page table, walked here in zero
// simulated time (read by IOVA through the platform, like the RTL walker),
// then through the platform's DMA map. The roots and the job's ASID come
// from the register writes the harness sees (PT_ASID_SEL, PT_ROOT_HI,
// PT_ROOT_LO, ASID). Successful translations are cached per 4 KiB page and
// the cache is dropped on every INV_CMD, PT_ROOT_LO, ASID and RESET write:
// svm/ invalidates before it unpins, so the cache is exactly as coherent as
// the device TLB it stands in for. Permissions are not checked (the memory
// model's callback does not say read or write): the ideal model is for
// measurements of jobs that run correctly on the real one.
class VaResolver
{
      public:
	VaResolver(struct circe_platform *plat, unsigned asids) : plat_(plat), roots_(asids)
	{
		drop();
	}

	static int resolve(void *ctx, uint64_t va, size_t len, void **host)
	{
		VaResolver *r = static_cast<VaResolver *>(ctx);
		uint64_t iova;

		if (r->translate(va, &iova))
			return -EFAULT;
		return circe_platform_resolve(r->plat_, iova, len, host);
	}

	void reg_write(uint32_t off, uint32_t val)
	{
		switch (off) {
		case CIRCE_REG_PT_ASID_SEL:
			sel_ = val;
			break;
		case CIRCE_REG_PT_ROOT_HI:
			hi_ = val;
			break;
		case CIRCE_REG_PT_ROOT_LO:
			if (sel_ < roots_.size()) {
				roots_[sel_].iova = (uint64_t)hi_ << 32 | (val & ~0xFFFu);
				roots_[sel_].valid = val & CIRCE_HW_PT_ROOT_VALID;
			}
			drop();
			break;
		case CIRCE_REG_ASID:
			asid_ = val;
			drop();
			break;
		case CIRCE_REG_INV_CMD:
		case CIRCE_REG_RESET:
			drop();
			break;
		default:
			break;
		}
	}

      private:
	static constexpr unsigned kLines = 256;
	struct Root {
		uint64_t iova = 0;
		bool valid = false;
	};
	struct Line {
		uint64_t vpn1; // page number + 1; 0: empty
		uint64_t iova; // page IOVA
	};

	void drop()
	{
		for (Line &l : cache_)
			l.vpn1 = 0;
	}

	int walk(uint64_t va, uint64_t *iova)
	{
		uint64_t table;

		if (va >> CIRCE_HW_VA_BITS || asid_ >= roots_.size() || !roots_[asid_].valid)
			return -1;
		table = roots_[asid_].iova;
		for (int level = CIRCE_HW_PT_LEVELS - 1; level >= 0; level--) {
			circe_hw_pte_t pte;

			if (circe_platform_read(plat_, table + 8u * CIRCE_HW_PT_INDEX(va, level),
						&pte, sizeof(pte)))
				return -1;
			if (!(pte & CIRCE_HW_PTE_VALID))
				return -1;
			if (level == 0 || (pte & CIRCE_HW_PTE_LEAF)) {
				uint64_t span = 1ull << CIRCE_HW_PT_LEVEL_SHIFT(level);

				if (level == CIRCE_HW_PT_LEVELS - 1)
					return -1;
				*iova = (pte & CIRCE_HW_PTE_ADDR_MASK & ~(span - 1)) |
					(va & (span - 1));
				return 0;
			}
			table = pte & CIRCE_HW_PTE_ADDR_MASK;
		}
		return -1;
	}

	int translate(uint64_t va, uint64_t *iova)
	{
		uint64_t vpn = va >> CIRCE_HW_PAGE_SHIFT, off = va & (CIRCE_HW_PAGE_SIZE - 1);
		Line &l = cache_[vpn % kLines];

		if (l.vpn1 != vpn + 1) {
			uint64_t page;

			if (walk(va - off, &page))
				return -1;
			l.vpn1 = vpn + 1;
			l.iova = page;
		}
		*iova = l.iova + off;
		return 0;
	}

	struct circe_platform *plat_;
	std::vector<Root> roots_;
	uint32_t sel_ = 0, hi_ = 0, asid_ = 0;
	Line cache_[kLines];
};

AxiMemConfig mem_config(const struct circe_vsim_config *cfg)
{
	AxiMemConfig m;

	m.data_bytes = CIRCE_HW_AXI_DATA_BYTES;
	m.read_latency = cfg->mem_latency_cycles;
	m.write_latency = cfg->mem_latency_cycles;
	m.read_bytes_per_cycle = cfg->mem_bytes_per_cycle;
	m.write_bytes_per_cycle = cfg->mem_bytes_per_cycle;
	m.shared_bandwidth = false; // PCIe moves both directions at once
	m.max_outstanding = cfg->mem_max_outstanding;
	return m;
}

} // namespace

} // namespace vsim
} // namespace circe

using circe::vsim::AxilMaster;
using circe::vsim::MemPort;
using circe::vsim::SimCtrl;
using circe::vsim::VaResolver;

struct circe_vsim {
	std::unique_ptr<VaResolver> va; // the ideal model's bus addresses
	SimCtrl ctrl;
	AxilMaster axil;
	MemPort mem;
	unsigned n_err_ranges = 0;
	bool hang_armed = false;
	bool hang_active = false;
	bool assert_reported = false;

	circe_vsim(const struct circe_vsim_config *cfg, struct circe_platform *plat)
	    : va(cfg->ideal_mmu ? new VaResolver(plat, CIRCE_VSIM_ASIDS) : nullptr),
	      ctrl(cfg->trace_path ? cfg->trace_path : "", cfg->ideal_mmu), axil(ctrl.ports()),
	      mem(ctrl.ports(), circe::vsim::mem_config(cfg),
		  va ? VaResolver::resolve : circe::vsim::resolve_iova,
		  va ? static_cast<void *>(va.get()) : static_cast<void *>(plat))
	{
		ctrl.add_extension(&axil);
		ctrl.add_extension(&mem);
	}
};

namespace
{

int vsim_check_off(uint32_t off)
{
	if (off >= CIRCE_HW_REG_WINDOW || (off & 3u))
		return circe_err(-EINVAL,
				 "vsim: register offset 0x%" PRIx32
				 " is outside the 0x%x-byte window or not 4-byte aligned",
				 off, CIRCE_HW_REG_WINDOW);
	return 0;
}

int vsim_assert_error(struct circe_vsim *v)
{
	v->assert_reported = true;
	return circe_err(-EIO,
			 "vsim: an RTL assertion failed at cycle %" PRIu64
			 " (see stderr); the simulated device is unreliable from here",
			 v->ctrl.cycle());
}

// Run the access started on the master to its end.
int vsim_axil_finish(struct circe_vsim *v, const char *what, uint32_t off)
{
	uint64_t start = v->ctrl.cycle();

	while (v->axil.busy()) {
		if (v->ctrl.cycle() - start > circe::vsim::kAxilTimeout) {
			v->axil.abandon();
			return circe_err(-ETIMEDOUT,
					 "vsim: register %s at 0x%03" PRIx32
					 " not answered within %" PRIu64 " cycles",
					 what, off, circe::vsim::kAxilTimeout);
		}
		v->ctrl.tick();
	}
	if (v->ctrl.error() && !v->assert_reported)
		return vsim_assert_error(v);
	if (v->axil.resp() != circe::vsim::kRespOkay)
		return circe_err(-EIO, "vsim: register %s at 0x%03" PRIx32 " answered %s", what,
				 off, v->axil.resp() == 2 ? "SLVERR" : "DECERR");
	return 0;
}

} // namespace

extern "C" {

bool circe_vsim_have_ideal(void)
{
	return circe::vsim::have_top_ideal();
}

void circe_vsim_build_info(struct circe_vsim_build *b)
{
	b->rows = CIRCE_VSIM_ROWS;
	b->cols = CIRCE_VSIM_COLS;
	b->l1_entries = CIRCE_VSIM_L1;
	b->l2_sets = CIRCE_VSIM_L2SETS;
	b->l2_ways = CIRCE_VSIM_L2WAYS;
	b->num_asids = CIRCE_VSIM_ASIDS;
	b->walkers = CIRCE_VSIM_WALKERS;
}

int circe_vsim_create(const struct circe_vsim_config *cfg, struct circe_platform *plat,
		      struct circe_vsim **out)
{
	struct circe_vsim *v;

	if (!cfg || !plat || !out)
		return circe_err(-EINVAL, "vsim: create needs a config, a platform and out");
	*out = nullptr;
	if (!cfg->mem_latency_cycles || !cfg->mem_bytes_per_cycle || !cfg->mem_max_outstanding)
		return circe_err(-EINVAL,
				 "vsim: memory timing latency %" PRIu32 ", %" PRIu32
				 " bytes/cycle, %" PRIu32 " outstanding: each must be >= 1",
				 cfg->mem_latency_cycles, cfg->mem_bytes_per_cycle,
				 cfg->mem_max_outstanding);
#if !CIRCE_VSIM_TRACE
	if (cfg->trace_path)
		return circe_err(-EOPNOTSUPP,
				 "vsim: this build has no FST tracing (made with VSIM_TRACE=0); "
				 "cannot write '%s'",
				 cfg->trace_path);
#endif
	if (cfg->ideal_mmu && !circe::vsim::have_top_ideal())
		return circe_err(-EOPNOTSUPP,
				 "vsim: this library has no ideal-MMU model (build it with "
				 "'make VSIM_IDEAL=1', as 'make bench' does)");
	try {
		v = new circe_vsim(cfg, plat);
	} catch (const std::bad_alloc &) {
		return circe_err(-ENOMEM, "vsim: no memory for the simulated device");
	} catch (const std::exception &e) {
		return circe_err(-EINVAL, "vsim: %s", e.what());
	}
	if (cfg->trace_path && !v->ctrl.tracing()) {
		delete v;
		return circe_err(-EINVAL,
				 "vsim: cannot open the FST trace file '%s' ($CIRCE_TRACE)",
				 cfg->trace_path);
	}
	v->ctrl.reset(circe::vsim::kResetCycles);
	v->mem.mem().reset();
	*out = v;
	return 0;
}

void circe_vsim_destroy(struct circe_vsim *v)
{
	delete v;
}

int circe_vsim_reg_read(struct circe_vsim *v, uint32_t off, uint32_t *val)
{
	int rc = vsim_check_off(off);

	if (rc)
		return rc;
	v->ctrl.enter();
	v->axil.start_read(off);
	rc = vsim_axil_finish(v, "read", off);
	*val = rc ? 0 : v->axil.data();
	return rc;
}

int circe_vsim_reg_write(struct circe_vsim *v, uint32_t off, uint32_t val)
{
	bool reset = off == CIRCE_REG_RESET && (val & 1u);
	bool start = off == CIRCE_REG_CTRL && (val & CIRCE_HW_CTRL_AP_START);
	int rc = vsim_check_off(off);

	if (rc)
		return rc;
	v->ctrl.enter();
	// The datapath reset ends every burst the device had in flight; the
	// memory model must not answer them to the fresh datapath. Frozen
	// from the write on, it is cleared once the write's response says the
	// datapath reset is over (the device is idle then and issues nothing).
	if (reset)
		v->mem.freeze(true);
	v->axil.start_write(off, val);
	rc = vsim_axil_finish(v, "write", off);
	if (v->va && !rc)
		v->va->reg_write(off, val);
	if (reset) {
		v->mem.mem().reset();
		v->hang_active = false;
		v->mem.freeze(false);
	}
	if (start && !rc && v->hang_armed) {
		v->hang_armed = false;
		v->hang_active = true;
		v->mem.freeze(true);
	}
	return rc;
}

uint64_t circe_vsim_run(struct circe_vsim *v, uint64_t max_cycles, bool until_irq)
{
	uint64_t n = 0;

	v->ctrl.enter();
	if (until_irq) {
		while (n < max_cycles && !v->ctrl.interrupt()) {
			v->ctrl.tick();
			n++;
		}
	} else {
		for (; n < max_cycles; n++)
			v->ctrl.tick();
	}
	return n;
}

bool circe_vsim_irq(const struct circe_vsim *v)
{
	return v->ctrl.interrupt();
}

uint64_t circe_vsim_cycles(const struct circe_vsim *v)
{
	return v->ctrl.cycle();
}

bool circe_vsim_assert_failed(const struct circe_vsim *v)
{
	return v->ctrl.error();
}

int circe_vsim_inject_bus_error(struct circe_vsim *v, uint64_t lo, uint64_t hi, bool decerr)
{
	if (lo >= hi)
		return circe_err(-EINVAL,
				 "vsim: bus-error range [0x%" PRIx64 ", 0x%" PRIx64 ") is empty",
				 lo, hi);
	if (v->n_err_ranges == circe::vsim::kMaxErrorRanges)
		return circe_err(-ENOSPC, "vsim: more than %u bus-error ranges",
				 circe::vsim::kMaxErrorRanges);
	v->mem.mem().add_error_range(lo, hi,
				     decerr ? circe::vsim::kAxiDecErr : circe::vsim::kAxiSlvErr);
	v->n_err_ranges++;
	return 0;
}

int circe_vsim_inject_latency(struct circe_vsim *v, uint64_t lo, uint64_t hi, uint32_t cycles)
{
	if (lo >= hi)
		return circe_err(-EINVAL,
				 "vsim: latency range [0x%" PRIx64 ", 0x%" PRIx64 ") is empty", lo,
				 hi);
	v->mem.mem().add_latency_range(lo, hi, cycles);
	return 0;
}

void circe_vsim_arm_hang(struct circe_vsim *v)
{
	v->hang_armed = true;
}

void circe_vsim_clear_injections(struct circe_vsim *v)
{
	v->mem.mem().clear_injections();
	v->n_err_ranges = 0;
	v->hang_armed = false;
}

void circe_vsim_mem_stats(const struct circe_vsim *v, struct circe_vsim_mem_stats *st)
{
	const circe::vsim::AxiMemStats &s = v->mem.mem().stats();

	st->rd_bursts = s.rd_bursts;
	st->wr_bursts = s.wr_bursts;
	st->rd_beats = s.rd_beats;
	st->wr_beats = s.wr_beats;
	st->rd_errors = s.rd_errors;
	st->wr_errors = s.wr_errors;
	st->max_outstanding_seen = s.max_outstanding_seen;
	st->violations = s.violations;
}

} // extern "C"
