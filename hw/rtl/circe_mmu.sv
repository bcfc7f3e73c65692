// SPDX-License-Identifier: Apache-2.0
//
// MMU of circe: NumPorts translation ports (one request in flight each) in
// front of a fully associative L1 TLB (circe_tlb_l1) and a page-table walker
// (circe_ptw) with its own AXI read master. docs/rtl.md, section "MMU",
// describes the ports; include/circe/hw.h the page table and the fault,
// invalidate and response codes.
//
// Per port: a request is accepted when the port is idle and looked up in the
// L1 TLB in the same cycle; a hit (right ASID, canonical VA, the access's
// permission present) answers in the next cycle. Anything else is a miss and
// asks for a walk (a hit without the permission walks too, so a permission
// fault is always decided by the page table, as in sim/fmodel). The walker
// is granted round-robin. A successful walk fills the TLB and answers; a bus
// error answers TrBusError; a fault goes to the fault queue and the port holds
// its request until the register block answers the queue head: RESUME walks
// again, ABORT answers TrFault with the fault's flags.
//
// The walker keeps a walk cache of PTE lines (circe_ptw); any invalidation
// empties it along with the TLB.
//
// Invalidations wait for the walk in flight (new walks are not granted while
// one is pending), so no walk that read the old table can fill after it.
// inv_done_o then pulses 2 cycles after the handshake for ALL / ASID and
// no-ops, L1Entries + 2 for RANGE (the TLB checks one entry per cycle).
//
// Bypass (a measurement build, "ideal MMU"): iova = va, 4 KiB pages, no TLB,
// no walks, no faults; invalidations complete at once.
//
// Next milestone: an L2 TLB between the L1 miss and the walker, Walkers > 1
// walks in flight (one circe_ptw each, tags = port numbers, IDs
// IdWalker + n); the port FSMs already allow hits on other ports while a
// port walks or waits for a fault answer.
module circe_mmu #(
  parameter int unsigned NumPorts  = 2,
  parameter int unsigned L1Entries = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned NumAsids  = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned Walkers   = 1,     // walks in flight; this milestone: 1
  parameter int unsigned WcLines   = circe_pkg::CIRCE_HW_DEFAULT_WALK_CACHE_LINES,
  parameter bit          Bypass    = 1'b0,  // ideal MMU: iova = va
  // Widths of circe_axi_pkg::tr_req_t / tr_rsp_t (checked below).
  localparam int unsigned TrReqW = circe_axi_pkg::AddrWidth + 1,
  localparam int unsigned TrRspW = circe_axi_pkg::AddrWidth + 2 + 32 + 6
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  // Translation ports; port p uses bits [p*W +: W] of each vector.
  input  logic [NumPorts-1:0]         tr_req_valid_i,
  output logic [NumPorts-1:0]         tr_req_ready_o,
  input  logic [NumPorts*TrReqW-1:0]  tr_req_i,         // tr_req_t per port
  output logic [NumPorts-1:0]         tr_rsp_valid_o,
  input  logic [NumPorts-1:0]         tr_rsp_ready_i,
  output logic [NumPorts*TrRspW-1:0]  tr_rsp_o,         // tr_rsp_t per port

  // Job and page-table roots (register block).
  input  logic [31:0]                 asid_i,           // ASID register of the job
  input  logic [NumAsids*64-1:0]      pt_root_i,        // root IOVA of ASID a: [a*64 +: 64]
  input  logic [NumAsids-1:0]         pt_root_valid_i,

  // Invalidate: valid/ready, then inv_done_o pulses once when it is complete.
  input  logic                        inv_valid_i,
  output logic                        inv_ready_o,
  input  logic [1:0]                  inv_type_i,       // CIRCE_HW_INV_*
  input  logic [15:0]                 inv_asid_i,
  input  logic [63:0]                 inv_va_i,
  input  logic [31:0]                 inv_pages_i,
  output logic                        inv_done_o,

  // Fault queue head and its answer.
  output logic                        fault_valid_o,
  output logic [63:0]                 fault_va_o,
  output logic [31:0]                 fault_flags_o,    // CIRCE_HW_FAULT_* without PENDING
  output logic [15:0]                 fault_asid_o,
  input  logic                        fault_resp_valid_i,
  input  logic [31:0]                 fault_resp_i,     // CIRCE_HW_FAULT_RESP_*

  // Page-table reads (AR/R only).
  output circe_axi_pkg::axi_req_t     axi_req_o,
  input  circe_axi_pkg::axi_rsp_t     axi_rsp_i,

  // Performance pulses.
  output logic [NumPorts-1:0]         perf_l1_hit_o,     // per port: accepted and hit
  output logic [NumPorts-1:0]         perf_l1_miss_o,    // per port: accepted and missed
  output logic                        perf_walk_o,       // a walk started
  output logic                        perf_walk_cycle_o, // a walk is in flight
  output logic                        perf_fault_o,      // a fault entered the queue
  output logic [NumPorts-1:0]         perf_stall_o,      // per port: waits for a walk or a fault answer
  output logic                        perf_pte_read_o,   // a walk used a PTE
  output logic                        perf_wc_hit_o,     // ... from the walk cache
  output logic                        perf_line_read_o   // a PTE line read returned OKAY
);

  localparam int unsigned PageShift = circe_pkg::CIRCE_HW_PAGE_SHIFT;
  localparam int unsigned VaBits    = circe_pkg::CIRCE_HW_VA_BITS;
  localparam int unsigned VpnW      = VaBits - PageShift;
  localparam int unsigned IovaBits  = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK);
  localparam int unsigned PpnW      = IovaBits - PageShift;
  localparam int unsigned AsidW     = (NumAsids > 1) ? $clog2(NumAsids) : 1;
  localparam int unsigned PortW     = (NumPorts > 1) ? $clog2(NumPorts) : 1;
  localparam int unsigned CntW      = $clog2(NumPorts + 1);

  // ---- shared signals between the ports and the TLB / walker / queue ----
  logic [NumPorts-1:0]         lk_valid, lk_hit, lk_read, lk_write;
  logic [NumPorts*VpnW-1:0]    lk_vpn;
  logic [NumPorts*AsidW-1:0]   lk_asid;
  logic [NumPorts*PpnW-1:0]    lk_ppn;
  logic [NumPorts*2-1:0]       lk_level;

  logic [NumPorts-1:0]         walk_req, walk_gnt;
  logic [NumPorts*64-1:0]      port_va;
  logic [NumPorts-1:0]         port_write;
  logic [NumPorts*16-1:0]      port_asid;      // for the fault record
  logic [NumPorts-1:0]         port_asid_ok;   // ASID < NumAsids
  logic [NumPorts*32-1:0]      port_flags;     // fault flags while held

  logic                        w_req_valid, w_req_ready, w_req_write, w_req_root_valid;
  logic [PortW-1:0]            w_req_tag;
  logic [63:0]                 w_req_va, w_req_root;
  logic                        w_rsp_valid, w_rsp_ready, w_rsp_read, w_rsp_write;
  logic [PortW-1:0]            w_rsp_tag;
  circe_axi_pkg::tr_status_e   w_rsp_status;
  logic [31:0]                 w_rsp_flags;
  logic [VpnW-1:0]             w_rsp_vpn;
  logic [PpnW-1:0]             w_rsp_ppn;
  logic [1:0]                  w_rsp_level;
  logic                        w_perf_walk, w_perf_busy, w_perf_pte, w_perf_wc, w_perf_line;

  logic                        fq_pop, fq_resume;
  logic [PortW-1:0]            fq_head;

  assign w_rsp_ready = 1'b1;

  // ---- translation ports ----
  for (genvar p = 0; p < NumPorts; p++) begin : g_port
    circe_mmu_port #(
      .NumAsids (NumAsids),
      .AsidW    (AsidW),
      .Bypass   (Bypass)
    ) u_port (
      .clk_i          (clk_i),
      .rst_ni         (rst_ni),
      .tr_req_valid_i (tr_req_valid_i[p]),
      .tr_req_ready_o (tr_req_ready_o[p]),
      .tr_req_i       (tr_req_i[p*TrReqW +: TrReqW]),
      .tr_rsp_valid_o (tr_rsp_valid_o[p]),
      .tr_rsp_ready_i (tr_rsp_ready_i[p]),
      .tr_rsp_o       (tr_rsp_o[p*TrRspW +: TrRspW]),
      .asid_i         (asid_i),
      .lk_valid_o     (lk_valid[p]),
      .lk_vpn_o       (lk_vpn[p*VpnW +: VpnW]),
      .lk_asid_o      (lk_asid[p*AsidW +: AsidW]),
      .lk_hit_i       (lk_hit[p]),
      .lk_ppn_i       (lk_ppn[p*PpnW +: PpnW]),
      .lk_level_i     (lk_level[p*2 +: 2]),
      .lk_read_i      (lk_read[p]),
      .lk_write_i     (lk_write[p]),
      .walk_req_o     (walk_req[p]),
      .walk_gnt_i     (walk_gnt[p]),
      .walk_done_i    (w_rsp_valid && w_rsp_ready && (w_rsp_tag == PortW'(p))),
      .walk_status_i  (w_rsp_status),
      .walk_flags_i   (w_rsp_flags),
      .walk_ppn_i     (w_rsp_ppn),
      .walk_level_i   (w_rsp_level),
      .fault_answer_i (fq_pop && (fq_head == PortW'(p))),
      .fault_resume_i (fq_resume),
      .va_o           (port_va[p*64 +: 64]),
      .write_o        (port_write[p]),
      .asid_o         (port_asid[p*16 +: 16]),
      .asid_ok_o      (port_asid_ok[p]),
      .flags_o        (port_flags[p*32 +: 32]),
      .perf_hit_o     (perf_l1_hit_o[p]),
      .perf_miss_o    (perf_l1_miss_o[p]),
      .perf_stall_o   (perf_stall_o[p])
    );
  end

  // ---- walker arbitration: round-robin over the ports that missed ----
  logic             inv_pend_q, inv_pend_d;
  logic [PortW-1:0] rr_q, rr_d, sel;
  logic             sel_found;
  logic [AsidW-1:0] sel_asid;
  logic [PortW:0]   cand;

  always_comb begin
    sel       = '0;
    sel_found = 1'b0;
    cand      = '0;
    for (int unsigned k = 0; k < NumPorts; k++) begin
      cand = {1'b0, rr_q} + (PortW + 1)'(k);
      if (cand >= (PortW + 1)'(NumPorts)) cand = cand - (PortW + 1)'(NumPorts);
      if (!sel_found && walk_req[cand[PortW-1:0]]) begin
        sel_found = 1'b1;
        sel       = cand[PortW-1:0];
      end
    end
    // Explicit muxes: a variable part-select of the flat vectors would
    // synthesize as a wide shifter.
    sel_asid         = '0;
    w_req_va         = '0;
    w_req_write      = 1'b0;
    w_req_root_valid = 1'b0;
    w_req_root       = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      if (sel == PortW'(p)) begin
        sel_asid         = port_asid[p*16 +: AsidW];
        w_req_va         = port_va[p*64 +: 64];
        w_req_write      = port_write[p];
        w_req_root_valid = port_asid_ok[p];
      end
    end
    for (int unsigned a = 0; a < NumAsids; a++) begin
      if (sel_asid == AsidW'(a)) begin
        w_req_root_valid = w_req_root_valid && pt_root_valid_i[a];
        w_req_root       = pt_root_i[a*64 +: 64];
      end
    end
    // An invalidation waits for the walk in flight; no new walk meanwhile.
    w_req_valid      = sel_found && !inv_pend_q;
    w_req_tag        = sel;
    walk_gnt         = '0;
    rr_d             = rr_q;
    if (w_req_valid && w_req_ready) begin
      walk_gnt[sel] = 1'b1;
      rr_d          = (32'(sel) == NumPorts - 1) ? '0 : sel + PortW'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rr_q <= '0;
    end else begin
      rr_q <= rr_d;
    end
  end

  // ---- fault queue: port numbers in the order their faults were raised ----
  // Each port holds at most one fault, so NumPorts entries never overflow.
  logic [NumPorts*PortW-1:0] fq_q, fq_d;
  logic [PortW-1:0]          fq_rd_q, fq_rd_d, fq_wr_q, fq_wr_d;
  logic [CntW-1:0]           fq_cnt_q, fq_cnt_d;
  logic                      fq_push;

  assign fq_push   = w_rsp_valid && w_rsp_ready && (w_rsp_status == circe_axi_pkg::TrFault);
  assign fq_resume = (fault_resp_i == circe_pkg::CIRCE_HW_FAULT_RESP_RESUME);
  assign fq_pop    = fault_resp_valid_i && (fq_cnt_q != '0) &&
                     (fq_resume || fault_resp_i == circe_pkg::CIRCE_HW_FAULT_RESP_ABORT);
  always_comb begin
    fq_head = '0;
    for (int unsigned i = 0; i < NumPorts; i++) begin
      if (fq_rd_q == PortW'(i)) fq_head = fq_q[i*PortW +: PortW];
    end
  end

  always_comb begin
    fq_d     = fq_q;
    fq_rd_d  = fq_rd_q;
    fq_wr_d  = fq_wr_q;
    fq_cnt_d = fq_cnt_q;
    if (fq_push) begin
      for (int unsigned i = 0; i < NumPorts; i++) begin
        if (fq_wr_q == PortW'(i)) fq_d[i*PortW +: PortW] = w_rsp_tag;
      end
      fq_wr_d  = (32'(fq_wr_q) == NumPorts - 1) ? '0 : fq_wr_q + PortW'(1);
      fq_cnt_d = fq_cnt_d + CntW'(1);
    end
    if (fq_pop) begin
      fq_rd_d  = (32'(fq_rd_q) == NumPorts - 1) ? '0 : fq_rd_q + PortW'(1);
      fq_cnt_d = fq_cnt_d - CntW'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fq_rd_q  <= '0;
      fq_wr_q  <= '0;
      fq_cnt_q <= '0;
    end else begin
      fq_rd_q  <= fq_rd_d;
      fq_wr_q  <= fq_wr_d;
      fq_cnt_q <= fq_cnt_d;
    end
  end

  always_ff @(posedge clk_i) begin
    fq_q <= fq_d;
  end

  assign fault_valid_o = (fq_cnt_q != '0);
  always_comb begin
    fault_va_o    = '0;
    fault_flags_o = '0;
    fault_asid_o  = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      if (fq_head == PortW'(p)) begin
        fault_va_o    = port_va[p*64 +: 64];
        fault_flags_o = port_flags[p*32 +: 32];
        fault_asid_o  = port_asid[p*16 +: 16];
      end
    end
  end
  assign perf_fault_o  = fq_push;

  // ---- invalidation ----
  logic [1:0]       inv_type_q;
  logic [15:0]      inv_asid_q;
  logic [VpnW-1:0]  inv_start_q;
  logic [VpnW:0]    inv_end_q;
  logic             inv_noop_q, inv_noop_d;
  logic             inv_busy_q, inv_busy_d;  // the TLB is invalidating
  logic             inv_apply, inv_tlb_done, inv_done_q;

  assign inv_ready_o = !inv_pend_q;
  // Start once the walker is idle (no new walk is granted while pending).
  assign inv_apply   = inv_pend_q && !inv_busy_q && w_req_ready;

  always_comb begin
    inv_pend_d = inv_pend_q;
    inv_busy_d = inv_busy_q;
    if (inv_apply) inv_busy_d = 1'b1;
    if (inv_busy_d && (inv_tlb_done || inv_noop_q)) begin
      inv_busy_d = 1'b0;
      inv_pend_d = 1'b0;
    end
    if (inv_valid_i && inv_ready_o) inv_pend_d = 1'b1;
    // Entries hold only ASIDs below NumAsids and canonical pages.
    inv_noop_d = ((inv_type_i == circe_pkg::CIRCE_HW_INV_ASID ||
                   inv_type_i == circe_pkg::CIRCE_HW_INV_RANGE) &&
                  32'(inv_asid_i) >= NumAsids) ||
                 (inv_type_i == circe_pkg::CIRCE_HW_INV_RANGE && inv_va_i[63:VaBits] != '0);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      inv_pend_q <= 1'b0;
      inv_busy_q <= 1'b0;
      inv_done_q <= 1'b0;
    end else begin
      inv_pend_q <= inv_pend_d;
      inv_busy_q <= inv_busy_d;
      inv_done_q <= inv_pend_q && !inv_pend_d;
    end
  end

  always_ff @(posedge clk_i) begin
    if (inv_valid_i && inv_ready_o) begin
      inv_type_q  <= inv_type_i;
      inv_asid_q  <= inv_asid_i;
      inv_noop_q  <= inv_noop_d;
      inv_start_q <= inv_va_i[PageShift +: VpnW];
      inv_end_q   <= {1'b0, inv_va_i[PageShift +: VpnW]} + (VpnW + 1)'(inv_pages_i);
    end
  end

  assign inv_done_o = inv_done_q;

  // ---- TLB and walker ----
  if (Bypass) begin : g_bypass
    assign lk_hit       = '0;
    assign lk_read      = '0;
    assign lk_write     = '0;
    assign lk_ppn       = '0;
    assign lk_level     = '0;
    assign w_req_ready  = 1'b1;
    assign w_rsp_valid  = 1'b0;
    assign w_rsp_tag    = '0;
    assign w_rsp_status = circe_axi_pkg::TrOk;
    assign w_rsp_flags  = '0;
    assign w_rsp_vpn    = '0;
    assign w_rsp_ppn    = '0;
    assign w_rsp_level  = '0;
    assign w_rsp_read   = 1'b0;
    assign w_rsp_write  = 1'b0;
    assign w_perf_walk  = 1'b0;
    assign w_perf_busy  = 1'b0;
    assign w_perf_pte   = 1'b0;
    assign w_perf_wc    = 1'b0;
    assign w_perf_line  = 1'b0;
    assign axi_req_o    = '0;
    assign inv_tlb_done = 1'b1;

    logic unused_bypass;
    assign unused_bypass = ^{lk_valid, lk_vpn, lk_asid, w_req_valid, w_req_tag, w_req_va,
                             w_req_write, w_req_root, w_req_root_valid, inv_type_q, inv_asid_q,
                             inv_start_q, inv_end_q, inv_noop_q, axi_rsp_i, w_rsp_vpn,
                             w_rsp_read, w_rsp_write};
  end else begin : g_mmu
    logic [AsidW-1:0] fill_asid;
    logic             tlb_inv_busy;

    always_comb begin
      fill_asid = '0;
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (w_rsp_tag == PortW'(p)) fill_asid = port_asid[p*16 +: AsidW];
      end
    end

    circe_tlb_l1 #(
      .Entries    (L1Entries),
      .NumLookups (NumPorts),
      .AsidW      (AsidW)
    ) u_tlb_l1 (
      .clk_i          (clk_i),
      .rst_ni         (rst_ni),
      .lookup_valid_i (lk_valid),
      .lookup_vpn_i   (lk_vpn),
      .lookup_asid_i  (lk_asid),
      .lookup_hit_o   (lk_hit),
      .lookup_ppn_o   (lk_ppn),
      .lookup_level_o (lk_level),
      .lookup_read_o  (lk_read),
      .lookup_write_o (lk_write),
      .fill_valid_i   (w_rsp_valid && w_rsp_ready && w_rsp_status == circe_axi_pkg::TrOk),
      .fill_vpn_i     (w_rsp_vpn),
      .fill_asid_i    (fill_asid),
      .fill_level_i   (w_rsp_level),
      .fill_ppn_i     (w_rsp_ppn),
      .fill_read_i    (w_rsp_read),
      .fill_write_i   (w_rsp_write),
      .inv_valid_i    (inv_apply && !inv_noop_q),
      .inv_type_i     (inv_type_q),
      .inv_asid_i     (inv_asid_q[AsidW-1:0]),
      .inv_start_i    (inv_start_q),
      .inv_end_i      (inv_end_q),
      .inv_busy_o     (tlb_inv_busy),
      .inv_done_o     (inv_tlb_done)
    );

    circe_ptw #(
      .TagW    (PortW),
      .AxiId   (circe_axi_pkg::IdWalker),
      .WcLines (WcLines)
    ) u_ptw (
      .clk_i            (clk_i),
      .rst_ni           (rst_ni),
      .flush_i          (inv_apply),
      .req_valid_i      (w_req_valid),
      .req_ready_o      (w_req_ready),
      .req_tag_i        (w_req_tag),
      .req_va_i         (w_req_va),
      .req_write_i      (w_req_write),
      .req_root_i       (w_req_root),
      .req_root_valid_i (w_req_root_valid),
      .rsp_valid_o      (w_rsp_valid),
      .rsp_ready_i      (w_rsp_ready),
      .rsp_tag_o        (w_rsp_tag),
      .rsp_status_o     (w_rsp_status),
      .rsp_flags_o      (w_rsp_flags),
      .rsp_vpn_o        (w_rsp_vpn),
      .rsp_ppn_o        (w_rsp_ppn),
      .rsp_level_o      (w_rsp_level),
      .rsp_read_o       (w_rsp_read),
      .rsp_write_o      (w_rsp_write),
      .axi_req_o        (axi_req_o),
      .axi_rsp_i        (axi_rsp_i),
      .perf_walk_o      (w_perf_walk),
      .perf_busy_o      (w_perf_busy),
      .perf_pte_read_o  (w_perf_pte),
      .perf_wc_hit_o    (w_perf_wc),
      .perf_line_read_o (w_perf_line)
    );

    logic unused_mmu;
    assign unused_mmu = ^{inv_asid_q[15:AsidW]};

`ifndef SYNTHESIS
    assert property (@(posedge clk_i) disable iff (!rst_ni) tlb_inv_busy |-> inv_busy_q)
      else $error("circe_mmu: TLB invalidating on its own");
`endif
  end

  assign perf_walk_o       = w_perf_walk;
  assign perf_walk_cycle_o = w_perf_busy;
  assign perf_pte_read_o   = w_perf_pte;
  assign perf_wc_hit_o     = w_perf_wc;
  assign perf_line_read_o  = w_perf_line;

  // ---- checks ----
  if (Walkers != 1) begin : g_bad_walkers
    $error("circe_mmu: this version has one walker (Walkers = 1)");
  end
  if (NumPorts < 1 || NumAsids < 1) begin : g_bad_params
    $error("circe_mmu: NumPorts and NumAsids must be at least 1");
  end

  // The range invalidate works on whole pages.
  logic unused_inputs;
  assign unused_inputs = ^{inv_va_i[PageShift-1:0]};

`ifndef SYNTHESIS
  if ($bits(circe_axi_pkg::tr_req_t) != TrReqW || $bits(circe_axi_pkg::tr_rsp_t) != TrRspW)
  begin : g_bad_widths
    $error("circe_mmu: TrReqW/TrRspW do not match circe_axi_pkg");
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   inv_valid_i && !inv_ready_o |=> inv_valid_i)
    else $error("circe_mmu: invalidate request dropped before it was taken");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   !(fq_push && fq_cnt_q == CntW'(NumPorts) && !fq_pop))
    else $error("circe_mmu: fault queue overflow");
`endif

endmodule
