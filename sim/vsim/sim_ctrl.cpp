// SPDX-License-Identifier: Apache-2.0
//
// The vsim controller: see sim_ctrl.h.
#include "sim/vsim/sim_ctrl.h"

#include <stdexcept>

#include "verilated.h"
#if CIRCE_VSIM_TRACE
#include "verilated_fst_c.h"
#endif

namespace circe
{
namespace vsim
{

#if CIRCE_VSIM_TRACE
namespace
{
// FST time units per clock cycle (the settle at 0, the edge at half).
constexpr uint64_t kTraceStep = 10;
constexpr int kTraceDepth = 99;
} // namespace
#endif

SimCtrl::SimCtrl(const std::string &trace_path, bool ideal) : ctx_(new VerilatedContext)
{
	// An assertion failure sets gotError() instead of ending the process:
	// the harness turns it into an error of the register access.
	ctx_->fatalOnError(false);
	ctx_->debug(0);
	(void)trace_path; // unused when the model has no trace code
#if CIRCE_VSIM_TRACE
	if (!trace_path.empty())
		ctx_->traceEverOn(true);
#endif
	top_ = ideal ? make_top_ideal(ctx_.get()) : make_top(ctx_.get());
	if (!top_)
		throw std::runtime_error("this library has no ideal-MMU model");
	*top_->ports().ap_clk = 0;
	*top_->ports().ap_rst_n = 0;
#if CIRCE_VSIM_TRACE
	if (!trace_path.empty()) {
		trace_ = new VerilatedFstC;
		top_->trace(trace_, kTraceDepth);
		trace_->open(trace_path.c_str());
		if (!trace_->isOpen()) {
			delete trace_;
			trace_ = nullptr;
		} else {
			trace_path_ = trace_path;
		}
	}
#endif
}

SimCtrl::~SimCtrl()
{
	enter();
#if CIRCE_VSIM_TRACE
	if (trace_) {
		trace_->close();
		delete trace_;
	}
#endif
	top_->final();
	top_.reset();
	ctx_.reset();
	// Nothing of this thread may refer to the deleted context.
	Verilated::threadContextp(Verilated::defaultContextp());
}

void SimCtrl::enter()
{
	Verilated::threadContextp(ctx_.get());
}

void SimCtrl::add_extension(SimExtension *ext)
{
	ext_.push_back(ext);
}

void SimCtrl::reset(unsigned cycles)
{
	enter();
	*top_->ports().ap_rst_n = 0;
	for (unsigned i = 0; i < cycles; i++)
		tick();
	*top_->ports().ap_rst_n = 1;
	tick();
}

void SimCtrl::tick()
{
	for (SimExtension *e : ext_)
		e->drive();
	*top_->ports().ap_clk = 0;
	top_->eval();
#if CIRCE_VSIM_TRACE
	if (trace_)
		trace_->dump(cycle_ * kTraceStep);
#endif
	for (SimExtension *e : ext_)
		e->sample();
	*top_->ports().ap_clk = 1;
	top_->eval();
#if CIRCE_VSIM_TRACE
	if (trace_)
		trace_->dump(cycle_ * kTraceStep + kTraceStep / 2);
#endif
	cycle_++;
}

bool SimCtrl::interrupt() const
{
	return *top_->ports().interrupt != 0;
}

bool SimCtrl::error() const
{
	return ctx_->gotError();
}

} // namespace vsim
} // namespace circe
