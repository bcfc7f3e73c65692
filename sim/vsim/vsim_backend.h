/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Verilator RTL model of circe behind the driver's ops table: URI
 * "vsim:". Built when Verilator is found (sim/vsim/vsim.mk defines
 * CIRCE_HAVE_VSIM). See docs/vsim.md.
 */
#ifndef CIRCE_SIM_VSIM_VSIM_BACKEND_H
#define CIRCE_SIM_VSIM_VSIM_BACKEND_H

#include "driver/backend.h"

extern const struct circe_backend_ops circe_backend_vsim;

#endif
