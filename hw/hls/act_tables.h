/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LSTM activation tables' interface, apart from circe_hls.h so that
 * tools/gen_pkg (which copies the tables into circe_pkg.sv) depends on
 * nothing else of hw/hls: editing a kernel prototype must not regenerate
 * the package and rebuild the Verilator model.
 */
#ifndef CIRCE_HLS_ACT_TABLES_H
#define CIRCE_HLS_ACT_TABLES_H

#include <stdint.h>

#include "circe/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The activation tables (hw/hls/act_tables.c, written by tools/gen_act.c;
 * tools/gen_pkg.c copies them into circe_pkg.sv): entry i is f(i / 32) in
 * Q0.15, rounded to nearest and clamped to 32767, i = 0..256. */
#define CIRCE_HLS_ACT_STEP_BITS 5u /* grid step 2^-5 = 1/32 */
#define CIRCE_HLS_ACT_ENTRIES 257u /* x in [0, 8] */
#define CIRCE_HLS_ACT_FRAC_BITS (CIRCE_HW_LSTM_GATE_FRAC - CIRCE_HLS_ACT_STEP_BITS) /* 7 */
extern const int16_t circe_hls_sigmoid_table[CIRCE_HLS_ACT_ENTRIES];
extern const int16_t circe_hls_tanh_table[CIRCE_HLS_ACT_ENTRIES];

#ifdef __cplusplus
}
#endif

#endif
