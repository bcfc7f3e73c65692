/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsim: circe_top under Verilator, seen from C. One struct circe_vsim is one
 * simulated device: the Verilated RTL, an AXI4-Lite master on s_axi_control,
 * the AXI memory model (sim/vsim/axi_mem.h) on m_axi reading host memory
 * through the platform's DMA map, optional FST tracing and fault injection.
 * C++ stays inside sim/vsim; this header is plain C.
 *
 * Simulated time advances only inside these calls: a register access runs
 * the clock for the few cycles of its AXI4-Lite transaction, circe_vsim_run()
 * for as many as asked. An instance is not thread-safe: the caller
 * serializes (sim/vsim/vsim_backend.c holds a lock per device). Instances are
 * independent, so several devices may run in parallel threads.
 *
 * See docs/vsim.md.
 */
#ifndef CIRCE_SIM_VSIM_VSIM_H
#define CIRCE_SIM_VSIM_VSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct circe_platform;
struct circe_vsim;

struct circe_vsim_config {
	/* Host memory as the m_axi master sees it (the device tree's
	 * circe,mem-*): read latency (AR to first R) and write latency (AW to
	 * B) in cycles, bytes per cycle in each direction, AR + AW bursts in
	 * flight. All >= 1. */
	uint32_t mem_latency_cycles;
	uint32_t mem_bytes_per_cycle;
	uint32_t mem_max_outstanding;
	/* FST waveform file, or NULL for none. */
	const char *trace_path;
	/* The ideal-MMU model (circe_mmu Bypass: VAs on the bus, no TLB, no
	 * walks, no faults; FEATURES has IDEAL_MMU). The memory model then
	 * resolves bus addresses through the job's page table at no simulated
	 * cost. -EOPNOTSUPP where the library has no such model. */
	bool ideal_mmu;
};

/* The library holds the ideal-MMU model (built with VSIM_IDEAL=1). */
bool circe_vsim_have_ideal(void);

/* The RTL configuration this library was verilated with (its ID registers
 * report the same). */
struct circe_vsim_build {
	uint32_t rows, cols, l1_entries, l2_sets, l2_ways, num_asids, walkers;
};
void circe_vsim_build_info(struct circe_vsim_build *b);

/* Build the model, reset it (ap_rst_n low for a few cycles). plat resolves
 * the memory model's IOVAs (circe_platform_resolve; a miss is DECERR) and
 * must outlive the instance. -EINVAL (bad config, or the trace file cannot
 * be opened), -ENOMEM, -EOPNOTSUPP (a trace asked of a build without
 * tracing). */
int circe_vsim_create(const struct circe_vsim_config *cfg, struct circe_platform *plat,
		      struct circe_vsim **out);
void circe_vsim_destroy(struct circe_vsim *v);

/*
 * One AXI4-Lite transaction at byte offset off (4-byte aligned, below
 * CIRCE_HW_REG_WINDOW, else -EINVAL): a read takes 2 cycles, a write 3 (a
 * RESET write a few more: its response waits for the datapath reset).
 * -EIO when the slave answers an error response or an RTL assertion failed;
 * -ETIMEDOUT when it does not answer within a million cycles.
 *
 * Writes the harness watches: RESET with bit 0 also drops every burst in
 * flight in the memory model (after the datapath reset, see docs/vsim.md)
 * and ends a hang; CTRL with ap_start starts an armed hang.
 */
int circe_vsim_reg_read(struct circe_vsim *v, uint32_t off, uint32_t *val);
int circe_vsim_reg_write(struct circe_vsim *v, uint32_t off, uint32_t val);

/* Run up to max_cycles clock cycles; with until_irq, stop as soon as the
 * interrupt output is high (0 cycles if it already is). Returns the cycles
 * run. */
uint64_t circe_vsim_run(struct circe_vsim *v, uint64_t max_cycles, bool until_irq);
bool circe_vsim_irq(const struct circe_vsim *v);
/* Cycles since the instance was created. */
uint64_t circe_vsim_cycles(const struct circe_vsim *v);
/* An RTL assertion failed (it is printed on stderr as it happens). */
bool circe_vsim_assert_failed(const struct circe_vsim *v);

/* ---- fault injection (the memory model) ---- */

/* Bursts touching [lo, hi) answer SLVERR (or DECERR) on the beats that
 * overlap it, reads and writes. */
int circe_vsim_inject_bus_error(struct circe_vsim *v, uint64_t lo, uint64_t hi, bool decerr);
/* Bursts starting in [lo, hi) take cycles more before their response. */
int circe_vsim_inject_latency(struct circe_vsim *v, uint64_t lo, uint64_t hi, uint32_t cycles);
/* From the next ap_start on, the memory model stops answering (no ready, no
 * response) until a RESET write. */
void circe_vsim_arm_hang(struct circe_vsim *v);
/* Clear bus errors, latency ranges and an armed (not yet started) hang. */
void circe_vsim_clear_injections(struct circe_vsim *v);

/* ---- memory-model figures ---- */

struct circe_vsim_mem_stats {
	uint64_t rd_bursts, wr_bursts, rd_beats, wr_beats;
	uint64_t rd_errors, wr_errors; /* bursts answered SLVERR / DECERR */
	uint32_t max_outstanding_seen;
	uint64_t violations; /* AXI protocol violations seen by the model */
};
void circe_vsim_mem_stats(const struct circe_vsim *v, struct circe_vsim_mem_stats *st);

#ifdef __cplusplus
}
#endif

#endif
