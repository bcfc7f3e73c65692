// SPDX-License-Identifier: Apache-2.0
//
// The ideal-MMU model (circe_top with Bypass = 1, verilated with --prefix
// Vcirce_top_ideal): in the library only when built with VSIM_IDEAL=1
// (sim/vsim/vsim.mk); top_ideal_stub.cpp stands in otherwise.
#include "Vcirce_top_ideal.h"
#include "sim/vsim/top_model.h"
#include "verilated.h"
#if CIRCE_VSIM_TRACE
#include "verilated_fst_c.h"
#endif

namespace circe
{
namespace vsim
{

std::unique_ptr<TopModel> make_top_ideal(VerilatedContext *ctx)
{
	return std::unique_ptr<TopModel>(new TopModelOf<Vcirce_top_ideal>(ctx));
}

bool have_top_ideal()
{
	return true;
}

} // namespace vsim
} // namespace circe
