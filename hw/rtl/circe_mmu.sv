// SPDX-License-Identifier: Apache-2.0
//
// MMU of circe: NumPorts translation ports (Slots requests in flight each,
// answered in order per request ID; circe_mmu_port) in front of a hybrid TLB -- a fully associative L1 (circe_tlb_l1, one-cycle
// hit) and a set-associative L2 in block RAM (circe_tlb_l2) -- and Walkers
// page-table walkers (circe_ptw, one walk each) that share a walk cache
// (circe_walk_cache) and one AXI read master (IDs IdWalker + n). docs/rtl.md,
// section "MMU", describes the ports; include/circe/hw.h the page table and
// the fault, invalidate, mode and response codes.
//
// Per port: a request is accepted when the port has a free slot and looked
// up in the L1 in the same cycle; a hit (right ASID, canonical VA, the
// access's permission present) answers in the next cycle unless an older
// request of its ID is still in flight (then it waits for its turn). A miss
// probes the L2 (one probe at a time, granted round-robin over all slots of
// all ports, the requesters; 4 cycles): a hit with the permission refills
// the L1 and answers, anything else asks for a walk. Walks are granted
// round-robin over the requesters to the lowest free walker, so misses of
// any slots walk concurrently while hits keep flowing. A successful walk
// fills the L1 and (4 KiB / 2 MiB pages) the L2 and answers; a bus error
// answers TrBusError; a fault goes to the fault queue and the slot holds its
// request until the register block answers the queue head: RESUME walks
// again, ABORT answers TrFault with the fault's flags (other slots go on;
// younger requests of the faulting ID wait for its answer). A hit without
// the permission walks too, so a permission fault is always decided by the
// page table, as in sim/fmodel.
//
// The walk cache has one lookup port: the walkers' steps take turns on it
// (round-robin over the walkers waiting in WAddr, one step per cycle), and
// in a cycle no walker needs it, it checks the prefetch candidate. (One
// combinational port per walker plus one for the prefetch cost 5x the LUTs
// of the cache's 8 x 512-bit lines for one-cycle waits that are rare.)
//
// The walk cache prefetches: a walk that used a level-0 PTE makes the next
// line of that table a candidate, which the top walker reads into the cache
// when it is otherwise idle (WcPrefetch).
//
// Results (L2 hits and walk responses) reach the ports and the L1 fill one
// per cycle; an L2 hit goes first (it is a one-cycle pulse), then the lowest
// walker with a response, if the L2 fill register it may need is free.
//
// mode_i (CIRCE_HW_MMU_MODE_*, register MMU_CTRL): HYBRID uses both levels;
// L1_ONLY neither probes nor fills the L2; L2_ONLY neither looks up nor fills
// the L1 (a request then counts as an L1 miss). Entries stay coherent in
// every mode (invalidations always cover both levels), so the mode may change
// at any time.
//
// Invalidations wait for every walk in flight, the L2 probe in flight and the
// pending L2 fill (no walk or probe is granted while one is pending), so
// nothing that read the old table can fill after it; then the L1, the L2
// (a scan of every set) and the walk cache are invalidated and inv_done_o
// pulses once all are done.
//
// Bypass (a measurement build, "ideal MMU"): iova = va, 4 KiB pages, no TLB,
// no walks, no faults; invalidations complete at once.
module circe_mmu #(
  parameter int unsigned NumPorts  = 2,
  parameter int unsigned Slots     = 4,  // requests in flight per port (1..16)
  parameter int unsigned L1Entries = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned L2Sets    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,  // 0: no L2
  parameter int unsigned L2Ways    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned NumAsids  = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned Walkers   = circe_pkg::CIRCE_HW_DEFAULT_WALKERS,  // 1..4
  parameter int unsigned WcLines   = circe_pkg::CIRCE_HW_DEFAULT_WALK_CACHE_LINES,
  parameter bit          WcPrefetch = 1'b1,  // next-leaf-line prefetch (Walkers > 1, WcLines > 0)
  parameter bit          Bypass    = 1'b0,  // ideal MMU: iova = va
  // Widths of circe_axi_pkg::tr_req_t / tr_rsp_t (checked below).
  localparam int unsigned TrReqW = circe_axi_pkg::TrReqWidth,
  localparam int unsigned TrRspW = circe_axi_pkg::TrRspWidth
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

  // Job, page-table roots and TLB mode (register block).
  input  logic [31:0]                 asid_i,           // ASID register of the job
  input  logic [NumAsids*64-1:0]      pt_root_i,        // root IOVA of ASID a: [a*64 +: 64]
  input  logic [NumAsids-1:0]         pt_root_valid_i,
  input  logic [1:0]                  mode_i,           // CIRCE_HW_MMU_MODE_*

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
  output logic                        perf_l2_hit_o,     // an L2 probe hit (with the permission)
  output logic                        perf_l2_miss_o,    // an L2 probe missed
  output logic                        perf_l2_fill_o,    // a walk result was written to the L2
  output logic                        perf_l2_evict_o,   // ... and replaced another page
  output logic                        perf_pf_o,         // a PTE-line prefetch started
  output logic                        perf_walk_o,       // a walk started
  output logic [Walkers-1:0]          perf_walk_cycle_o, // per walker: a walk is in flight
  output logic                        perf_fault_o,      // a fault entered the queue
  output logic [NumPorts-1:0]         perf_stall_o,      // per port: waits for L2, walk or fault
  output logic [NumPorts*Slots-1:0]   perf_retry_o,      // per slot: a held answer dropped by an invalidation
  output logic [Walkers-1:0]          perf_pte_read_o,   // per walker: a walk used a PTE
  output logic [Walkers-1:0]          perf_wc_hit_o,     // ... from the walk cache
  output logic                        perf_line_read_o   // a PTE line read returned OKAY
);

  localparam int unsigned PageShift = circe_pkg::CIRCE_HW_PAGE_SHIFT;
  localparam int unsigned VaBits    = circe_pkg::CIRCE_HW_VA_BITS;
  localparam int unsigned VpnW      = VaBits - PageShift;
  localparam int unsigned IovaBits  = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK);
  localparam int unsigned PpnW      = IovaBits - PageShift;
  localparam int unsigned AsidW     = (NumAsids > 1) ? $clog2(NumAsids) : 1;
  localparam int unsigned NumReq    = NumPorts * Slots;  // requesters: slot s of port p = p*Slots + s
  localparam int unsigned ReqW      = (NumReq > 1) ? $clog2(NumReq) : 1;
  localparam int unsigned CntW      = $clog2(NumReq + 1);
  localparam int unsigned WalkW     = (Walkers > 1) ? $clog2(Walkers) : 1;
  localparam int unsigned LaneBits  = $clog2(circe_axi_pkg::DataWidth / 64);
  localparam int unsigned LineW     = 64 - PageShift + circe_pkg::CIRCE_HW_PT_INDEX_BITS -
                                      LaneBits;
  localparam bit          HasL2     = (L2Sets > 0) && !Bypass;

  // ---- mode ----
  logic l1_en, l2_en;
  assign l1_en = (mode_i != circe_pkg::CIRCE_HW_MMU_MODE_L2_ONLY);
  assign l2_en = HasL2 && (mode_i != circe_pkg::CIRCE_HW_MMU_MODE_L1_ONLY);

  // ---- shared signals between the ports and the TLBs / walkers / queue ----
  logic [NumPorts-1:0]         lk_valid, lk_hit, lk_read, lk_write;
  logic [NumPorts*VpnW-1:0]    lk_vpn;
  logic [NumPorts*AsidW-1:0]   lk_asid;
  logic [NumPorts*PpnW-1:0]    lk_ppn;
  logic [NumPorts*2-1:0]       lk_level;

  logic [NumReq-1:0]         walk_req, walk_gnt, l2_req, l2_gnt, l2_miss;
  logic [NumReq*64-1:0]      req_va;
  logic [NumReq-1:0]         req_write;
  logic [NumReq*16-1:0]      req_asid;      // for the fault record
  logic [NumReq-1:0]         req_asid_ok;   // ASID < NumAsids
  logic [NumReq*32-1:0]      req_flags;     // fault flags while held

  // The result bus: one L2 hit or walk response per cycle.
  logic                        res_valid;
  logic [ReqW-1:0]            res_tag;
  circe_axi_pkg::tr_status_e   res_status;
  logic [31:0]                 res_flags;
  logic [PpnW-1:0]             res_ppn;
  logic [1:0]                  res_level;

  logic                        fq_pop, fq_resume;
  logic [ReqW-1:0]            fq_head;

  // ---- translation ports ----
  for (genvar p = 0; p < NumPorts; p++) begin : g_port
    logic [Slots-1:0] walk_done, fault_answer;

    for (genvar s = 0; s < Slots; s++) begin : g_slot
      assign walk_done[s]    = res_valid && (res_tag == ReqW'(p * Slots + s));
      assign fault_answer[s] = fq_pop && (fq_head == ReqW'(p * Slots + s));
    end

    circe_mmu_port #(
      .NumAsids (NumAsids),
      .AsidW    (AsidW),
      .Slots    (Slots),
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
      .l2_en_i        (l2_en),
      .l2_req_o       (l2_req[p*Slots +: Slots]),
      .l2_gnt_i       (l2_gnt[p*Slots +: Slots]),
      .l2_miss_i      (l2_miss[p*Slots +: Slots]),
      .walk_req_o     (walk_req[p*Slots +: Slots]),
      .walk_gnt_i     (walk_gnt[p*Slots +: Slots]),
      .walk_done_i    (walk_done),
      .walk_status_i  (res_status),
      .walk_flags_i   (res_flags),
      .walk_ppn_i     (res_ppn),
      .walk_level_i   (res_level),
      .fault_answer_i (fault_answer),
      .fault_resume_i (fq_resume),
      .inv_done_i     (inv_done_o),
      .va_o           (req_va[p*Slots*64 +: Slots*64]),
      .write_o        (req_write[p*Slots +: Slots]),
      .asid_o         (req_asid[p*Slots*16 +: Slots*16]),
      .asid_ok_o      (req_asid_ok[p*Slots +: Slots]),
      .flags_o        (req_flags[p*Slots*32 +: Slots*32]),
      .perf_hit_o     (perf_l1_hit_o[p]),
      .perf_miss_o    (perf_l1_miss_o[p]),
      .perf_stall_o   (perf_stall_o[p]),
      .perf_retry_o   (perf_retry_o[p*Slots +: Slots])
    );
  end

  // ---- round-robin pick of a port among the requesting ones ----
  // (two instances: L2 probes and walks)
  logic             inv_pend_q, inv_pend_d;
  logic [ReqW-1:0] wrr_q, wrr_d, wsel, lrr_q, lrr_d, lsel;
  logic             wsel_found, lsel_found;
  logic [ReqW:0]   wcand, lcand;

  always_comb begin
    wsel       = '0;
    wsel_found = 1'b0;
    wcand      = '0;
    lsel       = '0;
    lsel_found = 1'b0;
    lcand      = '0;
    for (int unsigned k = 0; k < NumReq; k++) begin
      wcand = {1'b0, wrr_q} + (ReqW + 1)'(k);
      if (wcand >= (ReqW + 1)'(NumReq)) wcand = wcand - (ReqW + 1)'(NumReq);
      if (!wsel_found && walk_req[wcand[ReqW-1:0]]) begin
        wsel_found = 1'b1;
        wsel       = wcand[ReqW-1:0];
      end
      lcand = {1'b0, lrr_q} + (ReqW + 1)'(k);
      if (lcand >= (ReqW + 1)'(NumReq)) lcand = lcand - (ReqW + 1)'(NumReq);
      if (!lsel_found && l2_req[lcand[ReqW-1:0]]) begin
        lsel_found = 1'b1;
        lsel       = lcand[ReqW-1:0];
      end
    end
  end

  // Request context of the selected ports. Explicit muxes: a variable
  // part-select of the flat vectors would synthesize as a wide shifter.
  logic [AsidW-1:0] wsel_asid, lsel_asid;
  logic [63:0]      w_req_va;
  logic [VpnW-1:0]  lsel_vpn;
  logic             w_req_write, w_req_root_valid;
  logic [63:0]      w_req_root;

  always_comb begin
    wsel_asid        = '0;
    w_req_va         = '0;
    w_req_write      = 1'b0;
    w_req_root_valid = 1'b0;
    w_req_root       = '0;
    lsel_asid        = '0;
    lsel_vpn         = '0;
    for (int unsigned p = 0; p < NumReq; p++) begin
      if (wsel == ReqW'(p)) begin
        wsel_asid        = req_asid[p*16 +: AsidW];
        w_req_va         = req_va[p*64 +: 64];
        w_req_write      = req_write[p];
        w_req_root_valid = req_asid_ok[p];
      end
      if (lsel == ReqW'(p)) begin
        lsel_asid = req_asid[p*16 +: AsidW];
        lsel_vpn  = req_va[p*64 + PageShift +: VpnW];
      end
    end
    for (int unsigned a = 0; a < NumAsids; a++) begin
      if (wsel_asid == AsidW'(a)) begin
        w_req_root_valid = w_req_root_valid && pt_root_valid_i[a];
        w_req_root       = pt_root_i[a*64 +: 64];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wrr_q <= '0;
      lrr_q <= '0;
    end else begin
      wrr_q <= wrr_d;
      lrr_q <= lrr_d;
    end
  end

  // ---- fault queue: requesters in the order their faults were raised ----
  // Each requester (slot) holds at most one fault, so NumReq entries never overflow.
  logic [NumReq*ReqW-1:0]   fq_q, fq_d;
  logic [ReqW-1:0]          fq_rd_q, fq_rd_d, fq_wr_q, fq_wr_d;
  logic [CntW-1:0]           fq_cnt_q, fq_cnt_d;
  logic                      fq_push;

  assign fq_push   = res_valid && (res_status == circe_axi_pkg::TrFault);
  assign fq_resume = (fault_resp_i == circe_pkg::CIRCE_HW_FAULT_RESP_RESUME);
  assign fq_pop    = fault_resp_valid_i && (fq_cnt_q != '0) &&
                     (fq_resume || fault_resp_i == circe_pkg::CIRCE_HW_FAULT_RESP_ABORT);
  always_comb begin
    fq_head = '0;
    for (int unsigned i = 0; i < NumReq; i++) begin
      if (fq_rd_q == ReqW'(i)) fq_head = fq_q[i*ReqW +: ReqW];
    end
  end

  always_comb begin
    fq_d     = fq_q;
    fq_rd_d  = fq_rd_q;
    fq_wr_d  = fq_wr_q;
    fq_cnt_d = fq_cnt_q;
    if (fq_push) begin
      for (int unsigned i = 0; i < NumReq; i++) begin
        if (fq_wr_q == ReqW'(i)) fq_d[i*ReqW +: ReqW] = res_tag;
      end
      fq_wr_d  = (32'(fq_wr_q) == NumReq - 1) ? '0 : fq_wr_q + ReqW'(1);
      fq_cnt_d = fq_cnt_d + CntW'(1);
    end
    if (fq_pop) begin
      fq_rd_d  = (32'(fq_rd_q) == NumReq - 1) ? '0 : fq_rd_q + ReqW'(1);
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
    for (int unsigned p = 0; p < NumReq; p++) begin
      if (fq_head == ReqW'(p)) begin
        fault_va_o    = req_va[p*64 +: 64];
        fault_flags_o = req_flags[p*32 +: 32];
        fault_asid_o  = req_asid[p*16 +: 16];
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
  logic             inv_busy_q, inv_busy_d;  // the TLBs are invalidating
  logic             inv_l1_q, inv_l1_d;      // ... the L1 is done
  logic             inv_l2_q, inv_l2_d;      // ... the L2 is done
  logic             inv_apply, inv_done_q;
  logic             inv_l1_done, inv_l2_done;
  logic             quiet;                   // no walk, L2 probe or L2 fill in flight

  assign inv_ready_o = !inv_pend_q;
  assign inv_apply   = inv_pend_q && !inv_busy_q && quiet;

  always_comb begin
    inv_pend_d = inv_pend_q;
    inv_busy_d = inv_busy_q;
    inv_l1_d   = inv_l1_q;
    inv_l2_d   = inv_l2_q;
    if (inv_apply) begin
      inv_busy_d = 1'b1;
      inv_l1_d   = inv_noop_q;
      inv_l2_d   = inv_noop_q || !HasL2;
    end
    if (inv_busy_d) begin
      if (inv_l1_done) inv_l1_d = 1'b1;
      if (inv_l2_done) inv_l2_d = 1'b1;
      if (inv_l1_d && inv_l2_d) begin
        inv_busy_d = 1'b0;
        inv_pend_d = 1'b0;
      end
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
      inv_l1_q   <= 1'b0;
      inv_l2_q   <= 1'b0;
      inv_done_q <= 1'b0;
    end else begin
      inv_pend_q <= inv_pend_d;
      inv_busy_q <= inv_busy_d;
      inv_l1_q   <= inv_l1_d;
      inv_l2_q   <= inv_l2_d;
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

  // ---- TLBs and walkers ----
  if (Bypass) begin : g_bypass
    assign lk_hit            = '0;
    assign lk_read           = '0;
    assign lk_write          = '0;
    assign lk_ppn            = '0;
    assign lk_level          = '0;
    assign walk_gnt          = '0;
    assign l2_gnt            = '0;
    assign l2_miss           = '0;
    assign wrr_d             = wrr_q;
    assign lrr_d             = lrr_q;
    assign res_valid         = 1'b0;
    assign res_tag           = '0;
    assign res_status        = circe_axi_pkg::TrOk;
    assign res_flags         = '0;
    assign res_ppn           = '0;
    assign res_level         = '0;
    assign quiet             = 1'b1;
    assign inv_l1_done       = 1'b1;
    assign inv_l2_done       = 1'b1;
    assign perf_l2_hit_o     = 1'b0;
    assign perf_l2_miss_o    = 1'b0;
    assign perf_l2_fill_o    = 1'b0;
    assign perf_l2_evict_o   = 1'b0;
    assign perf_walk_o       = 1'b0;
    assign perf_pf_o         = 1'b0;
    assign perf_walk_cycle_o = '0;
    assign perf_pte_read_o   = '0;
    assign perf_wc_hit_o     = '0;
    assign perf_line_read_o  = 1'b0;
    assign axi_req_o         = '0;

    logic unused_bypass;
    assign unused_bypass = ^{lk_valid, lk_vpn, lk_asid, walk_req, l2_req, wsel, wsel_found,
                             lsel, lsel_found, lsel_asid, lsel_vpn, w_req_va, w_req_write,
                             w_req_root, w_req_root_valid, inv_type_q, inv_asid_q, inv_start_q,
                             inv_end_q, axi_rsp_i, l1_en, l2_en, inv_apply};
  end else begin : g_mmu
    // ---- walkers ----
    logic [Walkers-1:0]          wk_req_valid, wk_req_ready, wk_rsp_valid, wk_rsp_ready;
    logic [Walkers*ReqW-1:0]    wk_rsp_tag;
    logic [Walkers*2-1:0]        wk_rsp_status;
    logic [Walkers*32-1:0]       wk_rsp_flags;
    logic [Walkers*VpnW-1:0]     wk_rsp_vpn;
    logic [Walkers*PpnW-1:0]     wk_rsp_ppn;
    logic [Walkers*2-1:0]        wk_rsp_level;
    logic [Walkers-1:0]          wk_rsp_read, wk_rsp_write;
    logic [Walkers*LineW-1:0]    wk_wc_line;
    logic [Walkers*LaneBits-1:0] wk_wc_lane;
    logic [Walkers-1:0]          wk_wc_hit, wk_wc_fill, wk_perf_walk, wk_perf_line, wk_leaf;
    logic [Walkers-1:0]          wk_wc_req, wk_wc_gnt;
    logic [Walkers-1:0]          wk_wc_leaf;
    logic [Walkers-1:0]          wk_pf_valid;
    logic [LineW-1:0]            pf_line_q;
    logic [Walkers*64-1:0]       wk_wc_pte;
    logic [Walkers-1:0]          wk_ar_valid, wk_ar_ready, wk_r_valid, wk_r_ready;
    logic [Walkers*circe_axi_pkg::AddrWidth-1:0] wk_ar_addr;
    logic [WalkW-1:0]            free_w;
    logic                        free_found;

    // The lowest free walker takes the next walk.
    always_comb begin
      free_w     = '0;
      free_found = 1'b0;
      for (int unsigned w = Walkers; w > 0; w--) begin
        if (wk_req_ready[w-1]) begin
          free_found = 1'b1;
          free_w     = WalkW'(w - 1);
        end
      end
    end

    always_comb begin
      walk_gnt     = '0;
      wk_req_valid = '0;
      wrr_d        = wrr_q;
      // An invalidation waits for the walks in flight; no new walk meanwhile.
      if (wsel_found && free_found && !inv_pend_q) begin
        walk_gnt[wsel]       = 1'b1;
        wk_req_valid[free_w] = 1'b1;
        wrr_d                = (32'(wsel) == NumReq - 1) ? '0 : wsel + ReqW'(1);
      end
    end

    for (genvar w = 0; w < Walkers; w++) begin : g_walker
      circe_axi_pkg::tr_status_e status;

      assign wk_rsp_status[w*2 +: 2] = status;

      circe_ptw #(
        .TagW  (ReqW),
        .AxiId (circe_axi_pkg::IdWalker + circe_axi_pkg::IdWidth'(w))
      ) u_ptw (
        .clk_i            (clk_i),
        .rst_ni           (rst_ni),
        .req_valid_i      (wk_req_valid[w]),
        .req_ready_o      (wk_req_ready[w]),
        .req_tag_i        (wsel),
        .req_va_i         (w_req_va),
        .req_write_i      (w_req_write),
        .req_root_i       (w_req_root),
        .req_root_valid_i (w_req_root_valid),
        .pf_valid_i       (wk_pf_valid[w]),
        .pf_line_i        (pf_line_q),
        .leaf_o           (wk_leaf[w]),
        .rsp_valid_o      (wk_rsp_valid[w]),
        .rsp_ready_i      (wk_rsp_ready[w]),
        .rsp_tag_o        (wk_rsp_tag[w*ReqW +: ReqW]),
        .rsp_status_o     (status),
        .rsp_flags_o      (wk_rsp_flags[w*32 +: 32]),
        .rsp_vpn_o        (wk_rsp_vpn[w*VpnW +: VpnW]),
        .rsp_ppn_o        (wk_rsp_ppn[w*PpnW +: PpnW]),
        .rsp_level_o      (wk_rsp_level[w*2 +: 2]),
        .rsp_read_o       (wk_rsp_read[w]),
        .rsp_write_o      (wk_rsp_write[w]),
        .wc_req_o         (wk_wc_req[w]),
        .wc_gnt_i         (wk_wc_gnt[w]),
        .wc_line_o        (wk_wc_line[w*LineW +: LineW]),
        .wc_lane_o        (wk_wc_lane[w*LaneBits +: LaneBits]),
        .wc_hit_i         (wk_wc_hit[w]),
        .wc_pte_i         (wk_wc_pte[w*64 +: 64]),
        .wc_fill_o        (wk_wc_fill[w]),
        .wc_leaf_o        (wk_wc_leaf[w]),
        .ar_valid_o       (wk_ar_valid[w]),
        .ar_ready_i       (wk_ar_ready[w]),
        .ar_addr_o        (wk_ar_addr[w*circe_axi_pkg::AddrWidth +: circe_axi_pkg::AddrWidth]),
        .r_valid_i        (wk_r_valid[w]),
        .r_ready_o        (wk_r_ready[w]),
        .r_id_i           (axi_rsp_i.r.id),
        .r_data_i         (axi_rsp_i.r.data),
        .r_resp_i         (axi_rsp_i.r.resp),
        .r_last_i         (axi_rsp_i.r.last),
        .perf_walk_o      (wk_perf_walk[w]),
        .perf_busy_o      (perf_walk_cycle_o[w]),
        .perf_pte_read_o  (perf_pte_read_o[w]),
        .perf_wc_hit_o    (perf_wc_hit_o[w]),
        .perf_line_read_o (wk_perf_line[w])
      );
    end

    // ---- the walkers' AXI master: AR round-robin, held until taken; R by ID ----
    logic             ar_lock_q, ar_lock_d;
    logic [WalkW-1:0] ar_sel_q, ar_sel_d, ar_rr_q, ar_rr_d, ar_sel;
    logic             ar_found;
    logic [WalkW:0]   ar_cand;
    logic [WalkW-1:0] r_walker;
    logic             r_ours;

    // The bus request depends on the walkers' state only (not on axi_rsp_i).
    always_comb begin
      ar_sel   = ar_sel_q;
      ar_found = ar_lock_q;
      ar_cand  = '0;
      if (!ar_lock_q) begin
        for (int unsigned k = 0; k < Walkers; k++) begin
          ar_cand = {1'b0, ar_rr_q} + (WalkW + 1)'(k);
          if (ar_cand >= (WalkW + 1)'(Walkers)) ar_cand = ar_cand - (WalkW + 1)'(Walkers);
          if (!ar_found && wk_ar_valid[ar_cand[WalkW-1:0]]) begin
            ar_found = 1'b1;
            ar_sel   = ar_cand[WalkW-1:0];
          end
        end
      end
      axi_req_o          = '0;
      axi_req_o.ar.len   = 8'd0;
      axi_req_o.ar.size  = 3'd6;
      axi_req_o.ar.burst = circe_axi_pkg::BurstIncr;
      axi_req_o.ar.id    = circe_axi_pkg::IdWalker + circe_axi_pkg::IdWidth'(ar_sel);
      axi_req_o.ar_valid = ar_found;
      for (int unsigned w = 0; w < Walkers; w++) begin
        if (ar_sel == WalkW'(w)) begin
          axi_req_o.ar.addr = wk_ar_addr[w*circe_axi_pkg::AddrWidth +: circe_axi_pkg::AddrWidth];
        end
      end
      // A walker's beat comes only while it waits for it (one read each), so
      // any waiting walker makes R ready; r_ready does not depend on R.
      axi_req_o.r_ready = |wk_r_ready;
    end

    always_comb begin
      wk_ar_ready = '0;
      for (int unsigned w = 0; w < Walkers; w++) begin
        if (ar_sel == WalkW'(w)) wk_ar_ready[w] = axi_rsp_i.ar_ready;
      end
      ar_lock_d = ar_found && !axi_rsp_i.ar_ready;
      ar_sel_d  = ar_sel;
      ar_rr_d   = ar_rr_q;
      if (ar_found && axi_rsp_i.ar_ready) begin
        ar_rr_d = (32'(ar_sel) == Walkers - 1) ? '0 : ar_sel + WalkW'(1);
      end

      r_walker   = axi_rsp_i.r.id[WalkW-1:0];
      r_ours     = (axi_rsp_i.r.id - circe_axi_pkg::IdWalker) < circe_axi_pkg::IdWidth'(Walkers);
      wk_r_valid = '0;
      for (int unsigned w = 0; w < Walkers; w++) begin
        if (r_ours && r_walker == WalkW'(w)) wk_r_valid[w] = axi_rsp_i.r_valid;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        ar_lock_q <= 1'b0;
        ar_sel_q  <= '0;
        ar_rr_q   <= '0;
      end else begin
        ar_lock_q <= ar_lock_d;
        ar_sel_q  <= ar_sel_d;
        ar_rr_q   <= ar_rr_d;
      end
    end

    // ---- walk cache, shared ----
    logic [LineW-1:0] wc_fill_line;
    logic             wc_fill_leaf;
    always_comb begin
      wc_fill_line = '0;
      wc_fill_leaf = 1'b0;
      for (int unsigned w = 0; w < Walkers; w++) begin
        if (wk_wc_fill[w]) begin
          wc_fill_line = wk_wc_line[w*LineW +: LineW];
          wc_fill_leaf = wk_wc_leaf[w];
        end
      end
    end

    // ---- the walk cache's lookup port: round-robin over the waiting walkers ----
    logic [WalkW-1:0] wcl_rr_q, wcl_rr_d, wcl_sel;
    logic             wcl_found;
    logic [WalkW:0]   wcl_cand;
    logic [LineW-1:0] wcl_line;
    logic [LaneBits-1:0] wcl_lane;

    always_comb begin
      wcl_sel   = '0;
      wcl_found = 1'b0;
      wcl_cand  = '0;
      for (int unsigned k = 0; k < Walkers; k++) begin
        wcl_cand = {1'b0, wcl_rr_q} + (WalkW + 1)'(k);
        if (wcl_cand >= (WalkW + 1)'(Walkers)) wcl_cand = wcl_cand - (WalkW + 1)'(Walkers);
        if (!wcl_found && wk_wc_req[wcl_cand[WalkW-1:0]]) begin
          wcl_found = 1'b1;
          wcl_sel   = wcl_cand[WalkW-1:0];
        end
      end
      wk_wc_gnt = '0;
      wcl_rr_d  = wcl_rr_q;
      // Without a waiting walker the port checks the prefetch candidate.
      wcl_line  = pf_line_q;
      wcl_lane  = '0;
      if (wcl_found) begin
        wk_wc_gnt[wcl_sel] = 1'b1;
        wcl_rr_d           = (32'(wcl_sel) == Walkers - 1) ? '0 : wcl_sel + WalkW'(1);
      end
      for (int unsigned w = 0; w < Walkers; w++) begin
        if (wcl_found && wcl_sel == WalkW'(w)) begin
          wcl_line = wk_wc_line[w*LineW +: LineW];
          wcl_lane = wk_wc_lane[w*LaneBits +: LaneBits];
        end
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        wcl_rr_q <= '0;
      end else begin
        wcl_rr_q <= wcl_rr_d;
      end
    end

    // ---- next-leaf-line prefetch ----
    // A walk that used a level-0 PTE of line L makes L + 1 (same table page)
    // the prefetch candidate (the newest wins); the top walker reads it into
    // the walk cache when it is idle, no walk takes it, no invalidation is
    // pending and the line is not cached (checked in a cycle the lookup port
    // is free: pf_checked). Streams through memory then find
    // their next leaf line cached instead of waiting a memory latency every
    // 8 pages. The lower walkers stay free for demand walks.
    logic             pf_valid_q, pf_valid_d, pf_cached, pf_checked, pf_cand_valid, pf_go;
    logic [LineW-1:0] pf_cand, pf_line_d;
    localparam int unsigned LinesPerTable = 1 << (circe_pkg::CIRCE_HW_PT_INDEX_BITS - LaneBits);
    localparam int unsigned LpW           = circe_pkg::CIRCE_HW_PT_INDEX_BITS - LaneBits;

    always_comb begin
      pf_cand_valid = 1'b0;
      pf_cand       = '0;
      for (int unsigned w = Walkers; w > 0; w--) begin
        if (wk_leaf[w-1] &&
            wk_wc_line[(w-1)*LineW +: LpW] != LpW'(LinesPerTable - 1)) begin
          pf_cand_valid = 1'b1;
          pf_cand       = wk_wc_line[(w-1)*LineW +: LineW] + LineW'(1);
        end
      end
      wk_pf_valid = '0;
      pf_go       = 1'b0;
      if (WcPrefetch && Walkers > 1 && WcLines > 0 && pf_valid_q && pf_checked && !pf_cached &&
          !inv_pend_q && wk_req_ready[Walkers-1] && !wk_req_valid[Walkers-1]) begin
        pf_go                    = 1'b1;
        wk_pf_valid[Walkers-1]   = 1'b1;
      end
      pf_valid_d = pf_valid_q && !pf_go && !pf_cached;
      pf_line_d  = pf_line_q;
      if (pf_cand_valid) begin
        pf_valid_d = 1'b1;
        pf_line_d  = pf_cand;
      end
      if (inv_apply) pf_valid_d = 1'b0;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        pf_valid_q <= 1'b0;
      end else begin
        pf_valid_q <= pf_valid_d;
      end
    end
    always_ff @(posedge clk_i) begin
      pf_line_q <= pf_line_d;
    end

    assign perf_pf_o = pf_go;

    assign pf_checked = !wcl_found;

    if (WcLines > 0) begin : g_wc
      logic        wc_hit;
      logic [63:0] wc_pte;

      circe_walk_cache #(
        .Lookups (1),
        .Lines   (WcLines),
        .LineW   (LineW)
      ) u_wc (
        .clk_i        (clk_i),
        .rst_ni       (rst_ni),
        .flush_i      (inv_apply),
        .lk_line_i    (wcl_line),
        .lk_lane_i    (wcl_lane),
        .lk_hit_o     (wc_hit),
        .lk_pte_o     (wc_pte),
        .fill_valid_i (|wk_wc_fill),
        .fill_line_i  (wc_fill_line),
        .fill_leaf_i  (wc_fill_leaf),
        .fill_data_i  (axi_rsp_i.r.data)
      );
      // Every walker sees the port's answer; only the granted one uses it.
      assign wk_wc_hit = {Walkers{wc_hit}};
      assign wk_wc_pte = {Walkers{wc_pte}};
      assign pf_cached = pf_checked && wc_hit;  // (the port looked up pf_line_q)
    end else begin : g_no_wc
      assign wk_wc_hit = '0;
      assign wk_wc_pte = '0;
      assign pf_cached = 1'b0;
      logic unused_wc;
      assign unused_wc = ^{wcl_line, wcl_lane, wc_fill_line, wc_fill_leaf};
    end

    // ---- L2 ----
    logic             l2_probe_ready, l2_res_valid, l2_res_hit, l2_res_level;
    logic             l2_res_read, l2_res_write, l2_busy, l2_fill_ready;
    logic [ReqW-1:0] l2_res_tag;
    logic [PpnW-1:0]  l2_res_ppn;
    logic             l2_ok;        // the L2 result is a hit with the permission
    logic             res_l2;       // the result bus carries the L2 result
    logic             l2_res_write_req;

    // L2 fill register: a walk result waiting for the L2.
    logic             l2f_valid_q, l2f_valid_d;
    logic [VpnW-1:0]  l2f_vpn_q, l2f_vpn_d;
    logic [AsidW-1:0] l2f_asid_q, l2f_asid_d;
    logic             l2f_level_q, l2f_level_d;
    logic [PpnW-1:0]  l2f_ppn_q, l2f_ppn_d;
    logic             l2f_read_q, l2f_read_d, l2f_write_q, l2f_write_d;

    always_comb begin
      l2_res_write_req = 1'b0;
      for (int unsigned p = 0; p < NumReq; p++) begin
        if (l2_res_tag == ReqW'(p)) l2_res_write_req = req_write[p];
      end
    end
    assign l2_ok  = l2_res_valid && l2_res_hit && (l2_res_write_req ? l2_res_write : l2_res_read);
    assign res_l2 = l2_ok;

    always_comb begin
      l2_gnt  = '0;
      lrr_d   = lrr_q;
      if (lsel_found && l2_probe_ready && !inv_pend_q) begin
        l2_gnt[lsel] = 1'b1;
        lrr_d        = (32'(lsel) == NumReq - 1) ? '0 : lsel + ReqW'(1);
      end
      l2_miss = '0;
      if (l2_res_valid && !l2_ok) l2_miss[l2_res_tag] = 1'b1;
    end

    if (HasL2) begin : g_l2
      circe_tlb_l2 #(
        .Sets  (L2Sets),
        .Ways  (L2Ways),
        .AsidW (AsidW),
        .TagW  (ReqW)
      ) u_tlb_l2 (
        .clk_i         (clk_i),
        .rst_ni        (rst_ni),
        .probe_valid_i (|l2_gnt),
        .probe_ready_o (l2_probe_ready),
        .probe_tag_i   (lsel),
        .probe_vpn_i   (lsel_vpn),
        .probe_asid_i  (lsel_asid),
        .res_valid_o   (l2_res_valid),
        .res_tag_o     (l2_res_tag),
        .res_hit_o     (l2_res_hit),
        .res_ppn_o     (l2_res_ppn),
        .res_level_o   (l2_res_level),
        .res_read_o    (l2_res_read),
        .res_write_o   (l2_res_write),
        .fill_valid_i  (l2f_valid_q),
        .fill_ready_o  (l2_fill_ready),
        .fill_vpn_i    (l2f_vpn_q),
        .fill_asid_i   (l2f_asid_q),
        .fill_level_i  (l2f_level_q),
        .fill_ppn_i    (l2f_ppn_q),
        .fill_read_i   (l2f_read_q),
        .fill_write_i  (l2f_write_q),
        .fill_evict_o  (perf_l2_evict_o),
        .inv_valid_i   (inv_apply && !inv_noop_q),
        .inv_type_i    (inv_type_q),
        .inv_asid_i    (inv_asid_q[AsidW-1:0]),
        .inv_start_i   (inv_start_q),
        .inv_end_i     (inv_end_q),
        .inv_done_o    (inv_l2_done),
        .busy_o        (l2_busy)
      );
    end else begin : g_no_l2
      assign l2_probe_ready  = 1'b0;
      assign l2_res_valid    = 1'b0;
      assign l2_res_tag      = '0;
      assign l2_res_hit      = 1'b0;
      assign l2_res_ppn      = '0;
      assign l2_res_level    = 1'b0;
      assign l2_res_read     = 1'b0;
      assign l2_res_write    = 1'b0;
      assign l2_fill_ready   = 1'b1;
      assign perf_l2_evict_o = 1'b0;
      assign inv_l2_done     = 1'b1;
      assign l2_busy         = 1'b0;
      logic unused_l2;
      assign unused_l2 = ^{l2f_vpn_q, l2f_asid_q, l2f_level_q, l2f_ppn_q, l2f_read_q,
                           l2f_write_q, lsel_asid, lsel_vpn};
    end

    // ---- the result bus ----
    logic [WalkW-1:0] rsel;
    logic             rsel_found, rsel_fill;
    logic [AsidW-1:0] res_asid;
    logic [VpnW-1:0]  res_vpn;
    logic             res_read, res_write;

    always_comb begin
      rsel       = '0;
      rsel_found = 1'b0;
      for (int unsigned w = Walkers; w > 0; w--) begin
        if (wk_rsp_valid[w-1]) begin
          rsel_found = 1'b1;
          rsel       = WalkW'(w - 1);
        end
      end
      res_valid  = 1'b0;
      res_tag    = '0;
      res_status = circe_axi_pkg::TrOk;
      res_flags  = '0;
      res_ppn    = '0;
      res_level  = '0;
      res_vpn    = '0;
      res_read   = 1'b0;
      res_write  = 1'b0;
      rsel_fill  = 1'b0;
      wk_rsp_ready = '0;
      if (res_l2) begin
        res_valid = 1'b1;
        res_tag   = l2_res_tag;
        res_ppn   = l2_res_ppn;
        res_level = {1'b0, l2_res_level};
        res_read  = l2_res_read;
        res_write = l2_res_write;
        for (int unsigned p = 0; p < NumReq; p++) begin
          if (l2_res_tag == ReqW'(p)) res_vpn = req_va[p*64 + PageShift +: VpnW];
        end
      end else if (rsel_found) begin
        for (int unsigned w = 0; w < Walkers; w++) begin
          if (rsel == WalkW'(w)) begin
            res_tag    = wk_rsp_tag[w*ReqW +: ReqW];
            // (no enum cast: Yosys 0.23 rejects it)
            if (wk_rsp_status[w*2 +: 2] == circe_axi_pkg::TrFault) begin
              res_status = circe_axi_pkg::TrFault;
            end else if (wk_rsp_status[w*2 +: 2] == circe_axi_pkg::TrBusError) begin
              res_status = circe_axi_pkg::TrBusError;
            end
            res_flags  = wk_rsp_flags[w*32 +: 32];
            res_ppn    = wk_rsp_ppn[w*PpnW +: PpnW];
            res_level  = wk_rsp_level[w*2 +: 2];
            res_vpn    = wk_rsp_vpn[w*VpnW +: VpnW];
            res_read   = wk_rsp_read[w];
            res_write  = wk_rsp_write[w];
          end
        end
        rsel_fill = l2_en && res_status == circe_axi_pkg::TrOk && !res_level[1];
        if (!rsel_fill || !l2f_valid_q || l2_fill_ready) begin
          res_valid          = 1'b1;
          wk_rsp_ready[rsel] = 1'b1;
        end
      end
    end

    always_comb begin
      res_asid = '0;
      for (int unsigned p = 0; p < NumReq; p++) begin
        if (res_tag == ReqW'(p)) res_asid = req_asid[p*16 +: AsidW];
      end
    end

    always_comb begin
      l2f_valid_d = l2f_valid_q && !l2_fill_ready;
      l2f_vpn_d   = l2f_vpn_q;
      l2f_asid_d  = l2f_asid_q;
      l2f_level_d = l2f_level_q;
      l2f_ppn_d   = l2f_ppn_q;
      l2f_read_d  = l2f_read_q;
      l2f_write_d = l2f_write_q;
      if (res_valid && !res_l2 && rsel_fill) begin
        l2f_valid_d = 1'b1;
        l2f_vpn_d   = res_vpn;
        l2f_asid_d  = res_asid;
        l2f_level_d = res_level[0];
        l2f_ppn_d   = res_ppn;
        l2f_read_d  = res_read;
        l2f_write_d = res_write;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        l2f_valid_q <= 1'b0;
      end else begin
        l2f_valid_q <= l2f_valid_d;
      end
    end
    always_ff @(posedge clk_i) begin
      l2f_vpn_q   <= l2f_vpn_d;
      l2f_asid_q  <= l2f_asid_d;
      l2f_level_q <= l2f_level_d;
      l2f_ppn_q   <= l2f_ppn_d;
      l2f_read_q  <= l2f_read_d;
      l2f_write_q <= l2f_write_d;
    end

    assign perf_l2_hit_o  = l2_ok;
    assign perf_l2_miss_o = l2_res_valid && !l2_ok;
    assign perf_l2_fill_o = l2f_valid_q && l2_fill_ready;
    assign quiet          = (&wk_req_ready) && !l2_busy && !l2f_valid_q;

    // ---- L1 ----
    logic tlb_inv_busy;

    circe_tlb_l1 #(
      .Entries    (L1Entries),
      .NumLookups (NumPorts),
      .AsidW      (AsidW)
    ) u_tlb_l1 (
      .clk_i          (clk_i),
      .rst_ni         (rst_ni),
      .lookup_valid_i (lk_valid & {NumPorts{l1_en}}),
      .lookup_vpn_i   (lk_vpn),
      .lookup_asid_i  (lk_asid),
      .lookup_hit_o   (lk_hit),
      .lookup_ppn_o   (lk_ppn),
      .lookup_level_o (lk_level),
      .lookup_read_o  (lk_read),
      .lookup_write_o (lk_write),
      .fill_valid_i   (res_valid && res_status == circe_axi_pkg::TrOk && l1_en),
      .fill_vpn_i     (res_vpn),
      .fill_asid_i    (res_asid),
      .fill_level_i   (res_level),
      .fill_ppn_i     (res_ppn),
      .fill_read_i    (res_read),
      .fill_write_i   (res_write),
      .inv_valid_i    (inv_apply && !inv_noop_q),
      .inv_type_i     (inv_type_q),
      .inv_asid_i     (inv_asid_q[AsidW-1:0]),
      .inv_start_i    (inv_start_q),
      .inv_end_i      (inv_end_q),
      .inv_busy_o     (tlb_inv_busy),
      .inv_done_o     (inv_l1_done)
    );

    assign perf_walk_o      = |wk_perf_walk;
    assign perf_line_read_o = |wk_perf_line;

    logic unused_mmu;
    assign unused_mmu = ^{inv_asid_q[15:AsidW], wk_wc_fill, axi_rsp_i.aw_ready, axi_rsp_i.w_ready,
                          axi_rsp_i.b, axi_rsp_i.b_valid};

`ifndef SYNTHESIS
    assert property (@(posedge clk_i) disable iff (!rst_ni) tlb_inv_busy |-> inv_busy_q)
      else $error("circe_mmu: TLB invalidating on its own");
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     $onehot0(wk_wc_gnt) && (wk_wc_gnt & ~wk_wc_req) == '0)
      else $error("circe_mmu: walk-cache lookup port granted twice or to a walker not asking");
    assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(wk_wc_fill))
      else $error("circe_mmu: two walkers took an R beat in one cycle");
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     axi_req_o.ar_valid && !axi_rsp_i.ar_ready |=> $stable(axi_req_o.ar) &&
                     axi_req_o.ar_valid)
      else $error("circe_mmu: walker AR changed or dropped while waiting for ar_ready");
    assert property (@(posedge clk_i) disable iff (!rst_ni) !(inv_apply && !quiet))
      else $error("circe_mmu: invalidation applied while a walk or L2 operation is in flight");
    // One result per cycle on the result bus.
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     !(res_l2 && l2_res_valid && rsel_found && wk_rsp_ready != '0))
      else $error("circe_mmu: L2 result and walk response in one cycle");
`endif
  end

  // ---- checks ----
  if (Walkers < 1 || Walkers > 4) begin : g_bad_walkers
    $error("circe_mmu: Walkers must be 1..4 (AXI IDs IdWalker..IdWalker+3)");
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
                   !(fq_push && fq_cnt_q == CntW'(NumReq) && !fq_pop))
    else $error("circe_mmu: fault queue overflow");
`endif

endmodule
