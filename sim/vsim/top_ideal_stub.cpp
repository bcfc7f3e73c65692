// SPDX-License-Identifier: Apache-2.0
//
// No ideal-MMU model in this library (built with VSIM_IDEAL=0, the default):
// "vsim:mmu=ideal" is refused (sim/vsim/vsim_backend.c).
#include "sim/vsim/top_model.h"

namespace circe
{
namespace vsim
{

std::unique_ptr<TopModel> make_top_ideal(VerilatedContext *ctx)
{
	(void)ctx;
	return nullptr;
}

bool have_top_ideal()
{
	return false;
}

} // namespace vsim
} // namespace circe
