// SPDX-License-Identifier: Apache-2.0
//
// A Verilated circe_top behind a small interface, so that one harness
// (sim_ctrl, vsim.cpp) drives models verilated with different parameters
// and --prefix: the normal build (class Vcirce_top) and, when the library
// has it, the ideal-MMU build (class Vcirce_top_ideal, circe_mmu's Bypass;
// docs/vsim.md, "The ideal-MMU model"). The harness reaches the ports
// through pointers (TopPorts), as the AXI memory model already does.
#ifndef CIRCE_SIM_VSIM_TOP_MODEL_H
#define CIRCE_SIM_VSIM_TOP_MODEL_H

#include <cstdint>
#include <memory>

#include "sim/vsim/axi_mem.h"

class VerilatedContext;
class VerilatedFstC;

namespace circe
{
namespace vsim
{

// The top's ports other than m_axi (AxiPort): inputs non-const.
struct TopPorts {
	uint8_t *ap_clk;
	uint8_t *ap_rst_n;
	const uint8_t *interrupt;
	uint8_t *awvalid;
	const uint8_t *awready;
	uint16_t *awaddr;
	uint8_t *wvalid;
	const uint8_t *wready;
	uint32_t *wdata;
	uint8_t *wstrb;
	const uint8_t *bvalid;
	uint8_t *bready;
	const uint8_t *bresp;
	uint8_t *arvalid;
	const uint8_t *arready;
	uint16_t *araddr;
	const uint8_t *rvalid;
	uint8_t *rready;
	const uint32_t *rdata;
	const uint8_t *rresp;
	AxiPort m_axi;
};

class TopModel
{
      public:
	virtual ~TopModel() = default;
	virtual void eval() = 0;
	virtual void final() = 0;
	// Only in builds with trace code (CIRCE_VSIM_TRACE).
	virtual void trace(VerilatedFstC *tfp, int depth) = 0;
	TopPorts &ports()
	{
		return p_;
	}

      protected:
	TopPorts p_{};
};

// The model of this library (its parameters: circe_vsim_build_info).
std::unique_ptr<TopModel> make_top(VerilatedContext *ctx);
// The ideal-MMU model, or nullptr when the library was built without it
// (VSIM_IDEAL=0: sim/vsim/top_ideal_stub.cpp).
std::unique_ptr<TopModel> make_top_ideal(VerilatedContext *ctx);
bool have_top_ideal();

// The implementation for one Verilated class; included by the files that
// instantiate it (top_default.cpp, top_ideal.cpp).
template <class T> class TopModelOf : public TopModel
{
      public:
	explicit TopModelOf(VerilatedContext *ctx) : top_(ctx, "circe_top")
	{
		p_.ap_clk = &top_.ap_clk;
		p_.ap_rst_n = &top_.ap_rst_n;
		// Verilator renames the port: "interrupt" is a common C++ word.
		p_.interrupt = &top_.__SYM__interrupt;
		p_.awvalid = &top_.s_axi_control_awvalid;
		p_.awready = &top_.s_axi_control_awready;
		p_.awaddr = &top_.s_axi_control_awaddr;
		p_.wvalid = &top_.s_axi_control_wvalid;
		p_.wready = &top_.s_axi_control_wready;
		p_.wdata = &top_.s_axi_control_wdata;
		p_.wstrb = &top_.s_axi_control_wstrb;
		p_.bvalid = &top_.s_axi_control_bvalid;
		p_.bready = &top_.s_axi_control_bready;
		p_.bresp = &top_.s_axi_control_bresp;
		p_.arvalid = &top_.s_axi_control_arvalid;
		p_.arready = &top_.s_axi_control_arready;
		p_.araddr = &top_.s_axi_control_araddr;
		p_.rvalid = &top_.s_axi_control_rvalid;
		p_.rready = &top_.s_axi_control_rready;
		p_.rdata = &top_.s_axi_control_rdata;
		p_.rresp = &top_.s_axi_control_rresp;
		CIRCE_AXI_PORT_BIND(p_.m_axi, &top_, m_axi_);
	}
	void eval() override
	{
		top_.eval();
	}
	void final() override
	{
		top_.final();
	}
	void trace(VerilatedFstC *tfp, int depth) override
	{
#if CIRCE_VSIM_TRACE
		top_.trace(tfp, depth);
#else
		(void)tfp;
		(void)depth;
#endif
	}

      private:
	T top_;
};

} // namespace vsim
} // namespace circe

#endif
