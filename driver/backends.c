/* SPDX-License-Identifier: Apache-2.0 */
/* The backends built into this library; circe_open() looks the URI scheme
 * up here. To add one, implement struct circe_backend_ops (driver/backend.h)
 * and list it below (docs/driver.md). */
#include <stddef.h>

#include "driver/backend.h"
#include "sim/fmodel/fmodel.h"
#ifdef CIRCE_HAVE_VSIM
#include "sim/vsim/vsim_backend.h"
#endif

const struct circe_backend_ops *const circe_backends[] = {
	&circe_backend_fmodel,
#ifdef CIRCE_HAVE_VSIM
	&circe_backend_vsim, /* the Verilator RTL model (sim/vsim) */
#endif
	/* An Alveo card joins here, where XRT is installed:
	 * #ifdef CIRCE_HAVE_XRT
	 *	&circe_backend_xrt,
	 * #endif
	 */
	NULL,
};
