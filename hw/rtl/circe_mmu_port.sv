// SPDX-License-Identifier: Apache-2.0
//
// One translation port of circe_mmu: up to Slots requests in flight, each in
// a slot of its own, answered in order per request ID (tr_req_t.id, echoed
// in tr_rsp_t.id); requests of different IDs may overtake each other.
//
// Slot states (one FSM per slot):
//   SFree    -- accept (the lowest free slot): L1 lookup in this cycle;
//               hit -> SDone, else -> SL2Req (l2_en_i: the L2 TLB is
//               probed) or SWalkReq
//   SL2Req   -- L2 probe granted -> SL2
//   SL2      -- L2 hit (walk_done_i, TrOk) -> SDone; L2 miss -> SWalkReq
//   SWalkReq -- walk granted -> SWalk
//   SWalk    -- walk done: TrOk / TrBusError -> SDone; TrFault -> SFault
//   SFault   -- queue head answered: RESUME -> SWalkReq; ABORT -> SDone (TrFault)
//   SDone    -- answer held; response taken -> SFree
//
// Order per ID: at accept a slot links to the youngest slot of the same ID
// still in flight (its predecessor); a slot answers only once its
// predecessor's response was taken. So a hit behind an older miss of its ID
// waits, while a hit of another ID answers in the next cycle (hit under
// miss), and a fault holds only its own ID's younger requests. Among the
// slots that may answer, a round-robin pointer picks one; the pick is held
// until the response is taken (valid/ready: the response stays stable).
//
// Invalidation: an answer held in SDone (TrOk or TrBusError, not on the
// response bus) in the cycle of inv_done_i (the MMU's inv_done_o, one cycle
// after the TLBs changed) is dropped and translated again (L2 probe or
// walk: perf_retry_o); so no translation looked up before an invalidation
// completed is answered after it, however long a same-ID fault holds it.
// (The response on the bus stays, as a one-request port's did.)
//
// A hit needs the right ASID, a canonical VA, an ASID below NumAsids and the
// access's permission in the entry; without the permission the slot walks,
// so the page table decides every fault. Non-OK responses carry iova 0 and
// page_shift 0; TrFault carries the fault's CIRCE_HW_FAULT_* flags,
// TrBusError flags 0 (as sim/fmodel's status detail).
//
// The MMU arbitrates L2 probes and walks over every slot of every port
// (requester p*Slots + s) and sends results and fault answers per slot; the
// slot context (va_o ... flags_o) is flat per slot, [s*W +: W].
module circe_mmu_port #(
  parameter int unsigned NumAsids = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned AsidW    = 4,
  parameter int unsigned Slots    = 4,  // requests in flight, 1..16
  parameter bit          Bypass   = 1'b0,
  localparam int unsigned VpnW = circe_pkg::CIRCE_HW_VA_BITS - circe_pkg::CIRCE_HW_PAGE_SHIFT,
  localparam int unsigned PpnW = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK) -
                                 circe_pkg::CIRCE_HW_PAGE_SHIFT
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,

  // Translation port.
  input  logic                       tr_req_valid_i,
  output logic                       tr_req_ready_o,
  input  circe_axi_pkg::tr_req_t     tr_req_i,
  output logic                       tr_rsp_valid_o,
  input  logic                       tr_rsp_ready_i,
  output circe_axi_pkg::tr_rsp_t     tr_rsp_o,
  input  logic [31:0]                asid_i,          // the job's ASID, taken at accept

  // L1 lookup (combinational, in the accept cycle).
  output logic                       lk_valid_o,
  output logic [VpnW-1:0]            lk_vpn_o,
  output logic [AsidW-1:0]           lk_asid_o,
  input  logic                       lk_hit_i,
  input  logic [PpnW-1:0]            lk_ppn_i,
  input  logic [1:0]                 lk_level_i,
  input  logic                       lk_read_i,
  input  logic                       lk_write_i,

  // L2 probe per slot (the answer of a hit comes as walk_done_i with TrOk).
  input  logic                       l2_en_i,
  output logic [Slots-1:0]           l2_req_o,
  input  logic [Slots-1:0]           l2_gnt_i,
  input  logic [Slots-1:0]           l2_miss_i,

  // Walk per slot; the result is shared, walk_done_i names the slot.
  output logic [Slots-1:0]           walk_req_o,
  input  logic [Slots-1:0]           walk_gnt_i,
  input  logic [Slots-1:0]           walk_done_i,
  input  circe_axi_pkg::tr_status_e  walk_status_i,
  input  logic [31:0]                walk_flags_i,
  input  logic [PpnW-1:0]            walk_ppn_i,
  input  logic [1:0]                 walk_level_i,

  // Answer to a slot's fault (it is the queue head).
  input  logic [Slots-1:0]           fault_answer_i,
  input  logic                       fault_resume_i,  // else abort

  // An invalidation completed (held answers are dropped).
  input  logic                       inv_done_i,

  // Request context per slot for the walker and the fault record.
  output logic [Slots*64-1:0]        va_o,
  output logic [Slots-1:0]           write_o,
  output logic [Slots*16-1:0]        asid_o,
  output logic [Slots-1:0]           asid_ok_o,       // asid_o < NumAsids
  output logic [Slots*32-1:0]        flags_o,         // fault flags while held

  output logic                       perf_hit_o,
  output logic                       perf_miss_o,
  output logic                       perf_stall_o,    // a slot waits for L2, walk or fault
  output logic [Slots-1:0]           perf_retry_o     // a held answer dropped: translate again
);

  localparam int unsigned PageShift = circe_pkg::CIRCE_HW_PAGE_SHIFT;
  localparam int unsigned IdxB      = circe_pkg::CIRCE_HW_PT_INDEX_BITS;
  localparam int unsigned VaBits    = circe_pkg::CIRCE_HW_VA_BITS;
  localparam int unsigned IovaBits  = PpnW + PageShift;
  localparam int unsigned IdW       = circe_axi_pkg::TrIdWidth;
  localparam int unsigned SlotW     = (Slots > 1) ? $clog2(Slots) : 1;

  typedef enum logic [2:0] {
    SFree,     // empty
    SL2Req,    // missed the L1: waits for an L2 probe
    SL2,       // its L2 probe is in flight
    SWalkReq,  // missed: waits for a walker
    SWalk,     // its walk is in flight
    SFault,    // faulted: held until the host answers
    SDone      // answer held until its turn and the response is taken
  } state_e;

  // Address bits inside a page of the given level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB).
  function automatic logic [63:0] offset_mask(input logic [1:0] level);
    logic [63:0] m;
    m = '0;
    m[PageShift-1:0] = '1;
    if (level != 2'd0) m[PageShift + IdxB - 1:PageShift] = '1;
    if (level[1]) m[PageShift + 2*IdxB - 1:PageShift + IdxB] = '1;
    offset_mask = m;
  endfunction

  function automatic logic [5:0] level_shift(input logic [1:0] level);
    unique case (level)
      2'd1:    level_shift = 6'(circe_pkg::CIRCE_HW_HUGE_2M_SHIFT);
      2'd2:    level_shift = 6'(circe_pkg::CIRCE_HW_HUGE_1G_SHIFT);
      default: level_shift = 6'(PageShift);
    endcase
  endfunction

  // ---- accept ----
  logic                     canon, asid_ok_in, hit_ok, accept, acc_found;
  logic [SlotW-1:0]         acc_slot;
  logic [Slots-1:0]         free, done, eligible, leave;
  logic [Slots-1:0]         tail_q, predv_q;
  logic [Slots*IdW-1:0]     id_q;
  logic                     link_found;
  logic [SlotW-1:0]         link_slot;

  assign canon      = (tr_req_i.va[63:VaBits] == '0);
  assign asid_ok_in = (asid_i < 32'(NumAsids));
  assign hit_ok     = lk_hit_i && canon && asid_ok_in && (tr_req_i.write ? lk_write_i : lk_read_i);

  always_comb begin
    acc_found = 1'b0;
    acc_slot  = '0;
    for (int unsigned s = Slots; s > 0; s--) begin
      if (free[s-1]) begin
        acc_found = 1'b1;
        acc_slot  = SlotW'(s - 1);
      end
    end
  end

  assign tr_req_ready_o = acc_found;
  assign accept         = tr_req_valid_i && acc_found;

  assign lk_valid_o = accept && canon && asid_ok_in;
  assign lk_vpn_o   = tr_req_i.va[PageShift +: VpnW];
  assign lk_asid_o  = asid_i[AsidW-1:0];

  // The youngest slot of the request's ID still in flight after this cycle.
  always_comb begin
    link_found = 1'b0;
    link_slot  = '0;
    for (int unsigned s = 0; s < Slots; s++) begin
      if (!free[s] && !leave[s] && tail_q[s] && id_q[s*IdW +: IdW] == tr_req_i.id) begin
        link_found = 1'b1;
        link_slot  = SlotW'(s);
      end
    end
  end

  // ---- response: one of the slots whose turn it is, held until taken ----
  logic             lock_q, lock_d, rsp_found;
  logic [SlotW-1:0] sel_q, sel_d, rr_q, rr_d, sel;
  logic [SlotW:0]   cand;

  assign eligible = done & ~predv_q;

  always_comb begin
    sel       = sel_q;
    rsp_found = lock_q;
    cand      = '0;
    if (!lock_q) begin
      for (int unsigned k = 0; k < Slots; k++) begin
        cand = {1'b0, rr_q} + (SlotW + 1)'(k);
        if (cand >= (SlotW + 1)'(Slots)) cand = cand - (SlotW + 1)'(Slots);
        if (!rsp_found && eligible[cand[SlotW-1:0]]) begin
          rsp_found = 1'b1;
          sel       = cand[SlotW-1:0];
        end
      end
    end
    leave = '0;
    if (rsp_found && tr_rsp_ready_i) leave[sel] = 1'b1;
    lock_d = rsp_found && !tr_rsp_ready_i;
    sel_d  = sel;
    rr_d   = rr_q;
    if (rsp_found && tr_rsp_ready_i) rr_d = (32'(sel) == Slots - 1) ? '0 : sel + SlotW'(1);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lock_q <= 1'b0;
      sel_q  <= '0;
      rr_q   <= '0;
    end else begin
      lock_q <= lock_d;
      sel_q  <= sel_d;
      rr_q   <= rr_d;
    end
  end

  assign tr_rsp_valid_o = rsp_found;

  // ---- slots ----
  logic [Slots*64-1:0] iova_all;
  logic [Slots*2-1:0]  status_all;
  logic [Slots*6-1:0]  shift_all;
  logic [Slots-1:0]    stall;

  for (genvar s = 0; s < Slots; s++) begin : g_slot
    state_e                    state_q, state_d;
    logic [63:0]               va_q, va_d;
    logic                      write_q, write_d;
    logic [15:0]               asid_q, asid_d;
    logic                      asid_ok_q, asid_ok_d;
    logic [IdW-1:0]            sid_q, sid_d;
    logic [63:0]               iova_q, iova_d;
    circe_axi_pkg::tr_status_e status_q, status_d;
    logic [31:0]               flags_q, flags_d;
    logic [5:0]                shift_q, shift_d;
    logic                      tail_sq, tail_d, predv_sq, predv_d;
    logic [SlotW-1:0]          pred_sq, pred_d;
    logic                      here, drop;

    assign here = accept && (acc_slot == SlotW'(s));
    // A held answer (not an ABORT's) that is not on the response bus.
    assign drop = !Bypass && inv_done_i && state_q == SDone &&
                  status_q != circe_axi_pkg::TrFault && !(rsp_found && sel == SlotW'(s));

    always_comb begin
      state_d   = state_q;
      va_d      = va_q;
      write_d   = write_q;
      asid_d    = asid_q;
      asid_ok_d = asid_ok_q;
      sid_d     = sid_q;
      iova_d    = iova_q;
      status_d  = status_q;
      flags_d   = flags_q;
      shift_d   = shift_q;

      unique case (state_q)
        SFree: begin
          if (here) begin
            va_d      = tr_req_i.va;
            write_d   = tr_req_i.write;
            asid_d    = asid_i[15:0];
            asid_ok_d = asid_ok_in;
            sid_d     = tr_req_i.id;
            iova_d    = '0;
            status_d  = circe_axi_pkg::TrOk;
            flags_d   = '0;
            shift_d   = '0;
            if (Bypass) begin
              iova_d  = tr_req_i.va;
              shift_d = 6'(PageShift);
              state_d = SDone;
            end else if (hit_ok) begin
              iova_d  = {{(64 - IovaBits){1'b0}}, lk_ppn_i, {PageShift{1'b0}}} |
                        (tr_req_i.va & offset_mask(lk_level_i));
              shift_d = level_shift(lk_level_i);
              state_d = SDone;
            end else begin
              state_d = (l2_en_i && canon && asid_ok_in) ? SL2Req : SWalkReq;
            end
          end
        end
        SL2Req: begin
          if (l2_gnt_i[s]) state_d = SL2;
        end
        SWalkReq: begin
          if (walk_gnt_i[s]) state_d = SWalk;
        end
        SL2, SWalk: begin
          if (l2_miss_i[s]) begin
            state_d = SWalkReq;
          end else if (walk_done_i[s]) begin
            status_d = walk_status_i;
            flags_d  = walk_flags_i;  // 0 unless TrFault
            iova_d   = '0;
            shift_d  = '0;
            unique case (walk_status_i)
              circe_axi_pkg::TrOk: begin
                iova_d  = {{(64 - IovaBits){1'b0}}, walk_ppn_i, {PageShift{1'b0}}} |
                          (va_q & offset_mask(walk_level_i));
                shift_d = level_shift(walk_level_i);
                state_d = SDone;
              end
              circe_axi_pkg::TrFault: begin
                state_d = SFault;
              end
              default: begin  // TrBusError
                state_d = SDone;
              end
            endcase
          end
        end
        SFault: begin
          // RESUME walks again; ABORT answers TrFault with the fault's flags.
          if (fault_answer_i[s]) state_d = fault_resume_i ? SWalkReq : SDone;
        end
        SDone: begin
          if (leave[s]) begin
            state_d = SFree;
          end else if (drop) begin
            // TrOk and TrBusError imply a canonical VA and an ASID in range.
            state_d = l2_en_i ? SL2Req : SWalkReq;
          end
        end
        default: state_d = SFree;
      endcase
    end

    // Order links: the predecessor (same ID, older) and whether it is the
    // youngest of its ID.
    always_comb begin
      tail_d  = tail_sq;
      predv_d = predv_sq;
      pred_d  = pred_sq;
      if (here) begin
        tail_d  = 1'b1;
        predv_d = link_found;
        pred_d  = link_slot;
      end else begin
        if (accept && link_found && link_slot == SlotW'(s)) tail_d = 1'b0;
        if (predv_sq && leave[pred_sq]) predv_d = 1'b0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        state_q  <= SFree;
        tail_sq  <= 1'b0;
        predv_sq <= 1'b0;
      end else begin
        state_q  <= state_d;
        tail_sq  <= tail_d;
        predv_sq <= predv_d;
      end
    end

    // Request context and answer: meaningful only outside SFree, no reset.
    always_ff @(posedge clk_i) begin
      va_q                     <= va_d;
      write_q                  <= write_d;
      asid_q                   <= asid_d;
      asid_ok_q                <= asid_ok_d;
      sid_q                    <= sid_d;
      iova_q                   <= iova_d;
      status_q                 <= status_d;
      flags_q                  <= flags_d;
      shift_q                  <= shift_d;
      pred_sq                  <= pred_d;
    end

    assign tail_q[s]               = tail_sq;
    assign predv_q[s]              = predv_sq;
    assign free[s]                 = (state_q == SFree);
    assign done[s]                 = (state_q == SDone);
    assign stall[s]                = !free[s] && !done[s];
    assign id_q[s*IdW +: IdW]      = sid_q;
    assign iova_all[s*64 +: 64]    = iova_q;
    assign status_all[s*2 +: 2]    = status_q;
    assign shift_all[s*6 +: 6]     = shift_q;
    assign l2_req_o[s]             = (state_q == SL2Req);
    assign walk_req_o[s]           = (state_q == SWalkReq);
    assign va_o[s*64 +: 64]        = va_q;
    assign write_o[s]              = write_q;
    assign asid_o[s*16 +: 16]      = asid_q;
    assign asid_ok_o[s]            = asid_ok_q;
    assign flags_o[s*32 +: 32]     = flags_q;
    assign perf_retry_o[s]         = drop && !leave[s];

`ifndef SYNTHESIS
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     walk_done_i[s] |-> state_q == SWalk || state_q == SL2)
      else $error("circe_mmu_port: walk response for a slot that is not walking");
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     walk_done_i[s] && state_q == SL2 |-> walk_status_i == circe_axi_pkg::TrOk)
      else $error("circe_mmu_port: an L2 answer that is not a hit");
    assert property (@(posedge clk_i) disable iff (!rst_ni) l2_miss_i[s] |-> state_q == SL2)
      else $error("circe_mmu_port: L2 miss for a slot that is not probing");
    assert property (@(posedge clk_i) disable iff (!rst_ni) l2_gnt_i[s] |-> state_q == SL2Req)
      else $error("circe_mmu_port: L2 probe granted to a slot that is not asking");
    assert property (@(posedge clk_i) disable iff (!rst_ni) walk_gnt_i[s] |-> state_q == SWalkReq)
      else $error("circe_mmu_port: walk granted to a slot that is not asking");
    assert property (@(posedge clk_i) disable iff (!rst_ni) fault_answer_i[s] |-> state_q == SFault)
      else $error("circe_mmu_port: fault answer to a slot that holds no fault");
    // A predecessor is an older request of the same ID, still in flight.
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     predv_sq |-> !free[pred_sq] && id_q[pred_sq*IdW +: IdW] == sid_q)
      else $error("circe_mmu_port: order link to a free slot or another ID");
`endif
  end

  // The response of the selected slot. Explicit mux: a variable part-select
  // would synthesize as a shifter.
  always_comb begin
    tr_rsp_o = '0;
    for (int unsigned s = 0; s < Slots; s++) begin
      if (sel == SlotW'(s)) begin
        tr_rsp_o.id          = id_q[s*IdW +: IdW];
        tr_rsp_o.iova        = iova_all[s*64 +: 64];
        // (no enum cast: Yosys 0.23 rejects it)
        if (status_all[s*2 +: 2] == circe_axi_pkg::TrFault) begin
          tr_rsp_o.status = circe_axi_pkg::TrFault;
        end else if (status_all[s*2 +: 2] == circe_axi_pkg::TrBusError) begin
          tr_rsp_o.status = circe_axi_pkg::TrBusError;
        end
        tr_rsp_o.fault_flags = flags_o[s*32 +: 32];
        tr_rsp_o.page_shift  = shift_all[s*6 +: 6];
      end
    end
  end

  assign perf_hit_o   = !Bypass && accept && hit_ok;
  assign perf_miss_o  = !Bypass && accept && !hit_ok;
  assign perf_stall_o = |stall;

  // Only the low ASID bits index the TLB; the rest only make it out of range.
  logic unused_asid;
  assign unused_asid = ^{asid_i[31:16]};

`ifndef SYNTHESIS
  // Responses of one ID leave in request order: every request is stamped
  // with its ID's accept count, every response must carry its ID's response
  // count. (Independent of the order links above, which it checks.)
  localparam int unsigned NumIds = 1 << IdW;
  logic [7:0]         seq_acc_q [NumIds];
  logic [7:0]         seq_rsp_q [NumIds];
  logic [Slots*8-1:0] seq_slot_q;
  logic [7:0]         seq_sel, seq_exp, seq_new;
  logic [IdW-1:0]     req_id, rsp_id;

  assign req_id  = tr_req_i.id;
  assign rsp_id  = tr_rsp_o.id;
  assign seq_new = seq_acc_q[req_id];
  assign seq_exp = seq_rsp_q[rsp_id];
  assign seq_sel = seq_slot_q[sel*8 +: 8];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < NumIds; i++) begin
        seq_acc_q[i] <= '0;
        seq_rsp_q[i] <= '0;
      end
    end else begin
      if (accept) seq_acc_q[req_id] <= seq_new + 8'd1;
      if (tr_rsp_valid_o && tr_rsp_ready_i) seq_rsp_q[rsp_id] <= seq_exp + 8'd1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (accept) seq_slot_q[acc_slot*8 +: 8] <= seq_new;
  end

  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tr_rsp_valid_o && tr_rsp_ready_i |-> seq_sel == seq_exp)
    else $error("circe_mmu_port: a response of ID %0d overtook an older request of that ID",
                rsp_id);
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tr_req_valid_i && !tr_req_ready_o |=> tr_req_valid_i && $stable(tr_req_i))
    else $error("circe_mmu_port: request changed or dropped before it was taken");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tr_rsp_valid_o && !tr_rsp_ready_i |=> tr_rsp_valid_o && $stable(tr_rsp_o))
    else $error("circe_mmu_port: response changed before it was taken");
`endif

  if (Slots < 1 || Slots > 16) begin : g_bad_slots
    $error("circe_mmu_port: Slots must be 1..16");
  end

endmodule
