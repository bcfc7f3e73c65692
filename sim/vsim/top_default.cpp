// SPDX-License-Identifier: Apache-2.0
//
// The model of this library: circe_top as verilated by sim/vsim/vsim.mk.
#include "Vcirce_top.h"
#include "sim/vsim/top_model.h"
#include "verilated.h"
#if CIRCE_VSIM_TRACE
#include "verilated_fst_c.h"
#endif

namespace circe
{
namespace vsim
{

std::unique_ptr<TopModel> make_top(VerilatedContext *ctx)
{
	return std::unique_ptr<TopModel>(new TopModelOf<Vcirce_top>(ctx));
}

} // namespace vsim
} // namespace circe
