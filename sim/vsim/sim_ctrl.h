// SPDX-License-Identifier: Apache-2.0
//
// The vsim controller: one Verilated circe_top (sim/vsim/top_model.h: the
// normal model or the ideal-MMU one) with its own VerilatedContext,
// a clock, a reset, optional FST tracing, and a list of extensions (bus
// models) that drive and sample the top's ports around every clock edge, in
// the manner of lowRISC's verilator_sim_ctrl / sim_ctrl_extension. No
// globals: every SimCtrl is an independent device, so several can live in
// one process (each used by one thread at a time).
//
// One clock cycle (tick()):
//
//     every extension's drive()      set the inputs of this cycle (clk low)
//     top->eval()                    settle; trace at 10 c
//     every extension's sample()     record the handshakes the edge will take
//     clk = 1, top->eval()           rising edge; trace at 10 c + 5
//     clk = 0                        the next cycle's eval settles the fall
//
// The falling edge needs no eval of its own: nothing in circe_top acts on it,
// and the next drive() changes inputs first anyway (two evals per cycle).
#ifndef CIRCE_SIM_VSIM_SIM_CTRL_H
#define CIRCE_SIM_VSIM_SIM_CTRL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/vsim/top_model.h"

class VerilatedContext;
class VerilatedFstC;

namespace circe
{
namespace vsim
{

// A bus model attached to the top: drive() before the settle eval writes only
// the model's outputs (the top's inputs), sample() after it only reads.
class SimExtension
{
      public:
	virtual ~SimExtension() = default;
	virtual void drive() = 0;
	virtual void sample() = 0;
};

class SimCtrl
{
      public:
	// trace_path: an FST file to write, or empty for no tracing (then the
	// trace code is never activated and costs nothing per cycle). ideal:
	// the ideal-MMU model (throws std::runtime_error if the library has
	// none: check have_top_ideal() first).
	SimCtrl(const std::string &trace_path, bool ideal);
	~SimCtrl();

	SimCtrl(const SimCtrl &) = delete;
	SimCtrl &operator=(const SimCtrl &) = delete;

	TopPorts &ports()
	{
		return top_->ports();
	}
	// Called in order every cycle; not owned, must outlive this controller's use.
	void add_extension(SimExtension *ext);

	// Make this device's context the calling thread's Verilator context.
	// Verilator keeps one per thread (assertion failures, scopes and
	// $display use it), so every entry into a device from a thread that
	// may have used another device calls this first.
	void enter();

	// Hold ap_rst_n low for `cycles` cycles, then release it.
	void reset(unsigned cycles);
	void tick();
	uint64_t cycle() const
	{
		return cycle_;
	}
	bool interrupt() const;
	// An RTL assertion failed (the context does not exit on it).
	bool error() const;
	bool tracing() const
	{
		return trace_ != nullptr;
	}
	const std::string &trace_path() const
	{
		return trace_path_;
	}

      private:
	std::unique_ptr<VerilatedContext> ctx_;
	std::unique_ptr<TopModel> top_;
	VerilatedFstC *trace_ = nullptr;
	std::string trace_path_;
	std::vector<SimExtension *> ext_;
	uint64_t cycle_ = 0;
};

} // namespace vsim
} // namespace circe

#endif
