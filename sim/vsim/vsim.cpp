// SPDX-License-Identifier: Apache-2.0
//
// vsim: the C interface of sim/vsim/vsim.h over the controller (sim_ctrl.h),
// an AXI4-Lite master extension on s_axi_control and the AXI memory model
// (axi_mem.h) extension on m_axi. See docs/vsim.md.
#include "sim/vsim/vsim.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

#include "Vcirce_top.h"
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
	explicit AxilMaster(Vcirce_top &top) : top_(top)
	{
	}

	void drive() override
	{
		top_.s_axi_control_awvalid = aw_;
		top_.s_axi_control_awaddr = addr_;
		top_.s_axi_control_wvalid = w_;
		top_.s_axi_control_wdata = data_;
		top_.s_axi_control_wstrb = 0xF;
		top_.s_axi_control_bready = b_;
		top_.s_axi_control_arvalid = ar_;
		top_.s_axi_control_araddr = addr_;
		top_.s_axi_control_rready = r_;
	}

	void sample() override
	{
		if (aw_ && top_.s_axi_control_awready)
			aw_ = false;
		if (w_ && top_.s_axi_control_wready)
			w_ = false;
		if (b_ && top_.s_axi_control_bvalid) {
			b_ = false;
			resp_ = top_.s_axi_control_bresp;
		}
		if (ar_ && top_.s_axi_control_arready)
			ar_ = false;
		if (r_ && top_.s_axi_control_rvalid) {
			r_ = false;
			resp_ = top_.s_axi_control_rresp;
			data_ = top_.s_axi_control_rdata;
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
	Vcirce_top &top_;
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
	MemPort(Vcirce_top &top, const AxiMemConfig &cfg, AxiResolveFn resolve, void *ctx)
	    : top_(top), mem_(cfg, bind(top), resolve, ctx)
	{
	}

	void drive() override
	{
		if (!frozen_) {
			mem_.drive();
			return;
		}
		top_.m_axi_arready = 0;
		top_.m_axi_awready = 0;
		top_.m_axi_wready = 0;
		top_.m_axi_rvalid = 0;
		top_.m_axi_bvalid = 0;
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
	static AxiPort bind(Vcirce_top &top)
	{
		AxiPort p;
		CIRCE_AXI_PORT_BIND(p, &top, m_axi_);
		return p;
	}

	Vcirce_top &top_;
	AxiMem mem_;
	bool frozen_ = false;
};

int resolve_iova(void *ctx, uint64_t iova, size_t len, void **host)
{
	return circe_platform_resolve(static_cast<struct circe_platform *>(ctx), iova, len, host);
}

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

struct circe_vsim {
	SimCtrl ctrl;
	AxilMaster axil;
	MemPort mem;
	unsigned n_err_ranges = 0;
	bool hang_armed = false;
	bool hang_active = false;
	bool assert_reported = false;

	circe_vsim(const struct circe_vsim_config *cfg, struct circe_platform *plat)
	    : ctrl(cfg->trace_path ? cfg->trace_path : ""), axil(ctrl.top()),
	      mem(ctrl.top(), circe::vsim::mem_config(cfg), circe::vsim::resolve_iova, plat)
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
