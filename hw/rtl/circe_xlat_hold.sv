// SPDX-License-Identifier: Apache-2.0
//
// Issue-side translation of a DMA engine (circe_dma_rd, circe_dma_wr): asks
// the MMU translation port for the page of the engine's cursor VA, holds the
// answer (IOVA page base and page mask, page size from tr_rsp.page_shift;
// only the IOVA bits above page_shift are used) and tells the engine when a
// burst may use it and where the burst goes.
//
// The engine raises xlat_i while it waits for a translation of va_i (va_i
// stable meanwhile). This block presents the request (it stays presented
// until taken, even if stop_i rises: the MMU answers every accepted request
// and AXI-style valid/ready must not be withdrawn), waits for the response
// and ends the wait with exactly one pulse:
// - ok_o:      TrOk; the held translation covers va_i's page, valid_o is
//              high and iova_o is the beat-aligned IOVA of va_i;
// - fault_o:   TrFault, flags_o = tr_rsp.fault_flags;
// - bus_err_o: TrBusError (any other status);
// - gave_up_o: stop_i was high before a request was presented: nothing asked.
// A burst from va_i may start while valid_o is high; next_same_page_o says
// whether next_va_i (the VA after the burst) is still in the held page, so
// the engine knows when to ask again.
//
// One request in flight (the port's contract); a request costs at least two
// cycles (request, response), as before this block was split out of the
// engines.
//
// Invalidation epoch (drop_i, a pulse in the cycle the MMU reports an
// invalidation complete, i.e. circe_mmu's inv_done_o): after it, no burst may
// go out under a translation obtained before it, and the engine must say
// when the bursts that may have used one are over, because the host unpins
// the pages once the invalidation is acknowledged (docs/svm.md, "Release").
// - The held translation is dropped (valid_o falls): the engine's next burst
//   asks again (the MMU holds the new table by then).
// - A TrOk that arrives in the drop cycle is thrown away and the request
//   presented again; TrFault / TrBusError answers stand (no burst follows
//   them). Every later answer comes from the new table, by circe_mmu's
//   contract: an invalidation waits for the walks and L2 probes in flight
//   and grants none while it runs, and an L1 lookup, which a RANGE scan
//   does not stop, answers in the next cycle, so a hit on an entry about
//   to go arrives by the drop cycle (the cycle after the scan's last) at
//   the latest. A request that waits longer (a walk, a fault answered by
//   the host) is not penalized, so a job whose pages fault in while the
//   host keeps invalidating still progresses.
// - Old bursts: at the drop, every burst in flight (outst_i, plus one whose
//   handshake is in the drop cycle) and a burst presented but not yet taken
//   (AXI forbids withdrawing it) are old. One AXI ID per engine, so bursts
//   complete in issue order and the old ones are exactly the first to
//   complete: a count snapshot decremented on completions is exact.
//   old_busy_o is high from the cycle after the drop until the last old
//   burst completed (reads: last R beat; writes: B). A second drop meanwhile
//   takes a new snapshot (a superset: the old bursts are still in flight).
module circe_xlat_hold #(
  parameter bit          Write = 1'b0, // tr_req.write of every request
  parameter int unsigned OutW  = 6     // width of the engine's bursts-in-flight count
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  // engine side
  input  logic                   xlat_i,           // waiting for a translation of va_i
  input  logic                   stop_i,           // present no new request
  input  circe_axi_pkg::addr_t   va_i,             // cursor VA
  output logic                   ok_o,             // pulse: translated, bursts may go
  output logic                   fault_o,          // pulse: TrFault
  output logic                   bus_err_o,        // pulse: TrBusError
  output logic                   gave_up_o,        // pulse: stopped before asking
  output logic [31:0]            flags_o,          // fault flags with fault_o
  output logic                   valid_o,          // a burst may use the held translation
  output circe_axi_pkg::addr_t   iova_o,           // beat-aligned IOVA of va_i
  input  circe_axi_pkg::addr_t   next_va_i,        // VA after the burst being issued
  output logic                   next_same_page_o, // ... is in the held page

  // invalidation epoch
  input  logic                   drop_i,           // pulse: an invalidation completed
  input  logic                   burst_valid_i,    // the engine's AR / AW valid
  input  logic                   burst_ready_i,    // ... and ready
  input  logic                   burst_done_i,     // a burst completed (last R beat / B)
  input  logic [OutW-1:0]        outst_i,          // bursts in flight (this cycle's, registered)
  output logic                   old_busy_o,       // bursts issued before the last drop in flight

  // translation port (to the MMU)
  output logic                   tr_req_valid_o,
  input  logic                   tr_req_ready_i,
  output circe_axi_pkg::tr_req_t tr_req_o,
  input  logic                   tr_rsp_valid_i,
  output logic                   tr_rsp_ready_o,
  input  circe_axi_pkg::tr_rsp_t tr_rsp_i
);

  localparam int unsigned AddrWidth = circe_axi_pkg::AddrWidth;
  localparam int unsigned BeatOff   = circe_axi_pkg::StrbWidth - 1;  // byte offset mask in a beat

  logic                 wait_d, wait_q;           // request taken, response awaited
  logic                 pend_d, pend_q;           // request presented, not taken
  logic                 valid_d, valid_q;         // iova_base / pmask hold a translation
  logic [AddrWidth-1:0] iova_base_d, iova_base_q; // page base of the held page
  logic [AddrWidth-1:0] pmask_d, pmask_q;         // page offset mask
  logic [AddrWidth-1:0] tr_mask;
  logic                 rsp_fire;
  logic                 burst_fire, burst_pend;
  logic [OutW-1:0]      old_d, old_q;             // old bursts in flight
  logic                 pend_old_d, pend_old_q;   // the burst presented is old

  assign tr_mask  = ~({AddrWidth{1'b1}} << tr_rsp_i.page_shift);
  assign rsp_fire = tr_rsp_valid_i && tr_rsp_ready_o;

  always_comb begin
    wait_d         = wait_q;
    valid_d        = valid_q;
    iova_base_d    = iova_base_q;
    pmask_d        = pmask_q;
    tr_req_valid_o = 1'b0;
    tr_rsp_ready_o = 1'b0;
    ok_o           = 1'b0;
    fault_o        = 1'b0;
    bus_err_o      = 1'b0;
    gave_up_o      = 1'b0;

    if (xlat_i && !wait_q) begin
      tr_req_valid_o = pend_q || !stop_i;
      gave_up_o      = !pend_q && stop_i;
      if (tr_req_valid_o && tr_req_ready_i) begin
        wait_d = 1'b1;
      end
    end

    if (xlat_i && wait_q) begin
      tr_rsp_ready_o = 1'b1;
      if (tr_rsp_valid_i) begin
        wait_d = 1'b0;
        unique case (tr_rsp_i.status)
          circe_axi_pkg::TrOk: begin
            // Stale: ask again (next cycle, from the top of this block).
            if (!drop_i) begin
              ok_o        = 1'b1;
              valid_d     = 1'b1;
              iova_base_d = tr_rsp_i.iova & ~tr_mask;
              pmask_d     = tr_mask;
            end
          end
          circe_axi_pkg::TrFault: fault_o   = 1'b1;
          default:                bus_err_o = 1'b1;
        endcase
      end
    end

    if (drop_i) begin
      valid_d = 1'b0;
    end
  end

  // Old bursts: snapshot at the drop, then count them out.
  assign burst_fire = burst_valid_i && burst_ready_i;
  assign burst_pend = burst_valid_i && !burst_ready_i;

  always_comb begin
    if (drop_i) begin
      old_d      = outst_i + OutW'(burst_fire) - OutW'(burst_done_i);
      pend_old_d = burst_pend;
    end else begin
      old_d      = old_q + OutW'(burst_fire && pend_old_q) -
                   OutW'(burst_done_i && old_q != '0);
      pend_old_d = pend_old_q && !burst_fire;
    end
  end

  assign old_busy_o = (old_q != '0) || pend_old_q;

  assign pend_d           = tr_req_valid_o && !tr_req_ready_i;
  assign flags_o          = tr_rsp_i.fault_flags;
  assign valid_o          = valid_q;
  // parenthesized: Yosys 0.23 misparses ~N'(x)
  assign iova_o           = (iova_base_q | (va_i & pmask_q)) & ~(AddrWidth'(BeatOff));
  assign next_same_page_o = (next_va_i & pmask_q) != '0;
  assign tr_req_o.va      = va_i;
  assign tr_req_o.write   = Write;
  assign tr_req_o.id      = '0;  // one stream: answers in request order

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wait_q      <= 1'b0;
      pend_q      <= 1'b0;
      valid_q     <= 1'b0;
      iova_base_q <= '0;
      pmask_q     <= '0;
      old_q       <= '0;
      pend_old_q  <= 1'b0;
    end else begin
      wait_q      <= wait_d;
      pend_q      <= pend_d;
      valid_q     <= valid_d;
      iova_base_q <= iova_base_d;
      pmask_q     <= pmask_d;
      old_q       <= old_d;
      pend_old_q  <= pend_old_d;
    end
  end

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  tr_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (tr_req_valid_o && !tr_req_ready_i) |=> (tr_req_valid_o && $stable(tr_req_o)));
  tr_page: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rsp_fire && tr_rsp_i.status == circe_axi_pkg::TrOk) |->
      (tr_rsp_i.page_shift >= 6'(circe_pkg::CIRCE_HW_PAGE_SHIFT) &&
       7'(tr_rsp_i.page_shift) < 7'(AddrWidth)));
  // The engine waits (xlat_i) from the request to its response.
  rsp_expected: assert property (@(posedge clk_i) disable iff (!rst_ni)
    wait_q |-> xlat_i);
  // No burst goes out under a translation taken before the last drop: a
  // burst is presented only with a held translation, and one taken after a
  // drop without a new translation is one presented before it (old).
  burst_xlat: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (burst_valid_i && !$past(burst_pend)) |-> valid_q);
  burst_epoch: assert property (@(posedge clk_i) disable iff (!rst_ni)
    burst_fire |-> (valid_q || pend_old_q));
  // Old bursts are among those in flight; a completion needs one in flight.
  old_bounded: assert property (@(posedge clk_i) disable iff (!rst_ni)
    old_q <= outst_i);
  done_expected: assert property (@(posedge clk_i) disable iff (!rst_ni)
    burst_done_i |-> (outst_i != '0));
  // Bursts stay presented until taken (AXI), so an old one is still there.
  pend_old_presented: assert property (@(posedge clk_i) disable iff (!rst_ni)
    pend_old_q |-> burst_valid_i);
`endif

endmodule
