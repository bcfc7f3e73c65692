// SPDX-License-Identifier: Apache-2.0
//
// One translation port of circe_mmu: holds its single request in flight from
// acceptance to response.
//
//   PIdle    -- accept: L1 lookup in this cycle; hit -> PRsp, else -> PL2Req
//               (l2_en_i: the L2 TLB is probed) or PWalkReq
//   PL2Req   -- L2 probe granted -> PL2
//   PL2      -- L2 hit (walk_done_i, TrOk) -> PRsp; L2 miss -> PWalkReq
//   PWalkReq -- walk granted -> PWalk
//   PWalk    -- walk done: TrOk / TrBusError -> PRsp; TrFault -> PFault
//   PFault   -- queue head answered: RESUME -> PWalkReq; ABORT -> PRsp (TrFault)
//   PRsp     -- response taken -> PIdle
//
// A hit needs the right ASID, a canonical VA, an ASID below NumAsids and the
// access's permission in the entry; without the permission the port walks,
// so the page table decides every fault. Non-OK responses carry iova 0 and
// page_shift 0; TrFault carries the fault's CIRCE_HW_FAULT_* flags, TrBusError
// flags 0 (as sim/fmodel's status detail).
module circe_mmu_port #(
  parameter int unsigned NumAsids = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned AsidW    = 4,
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

  // L2 probe (the answer of a hit comes as walk_done_i with TrOk).
  input  logic                       l2_en_i,
  output logic                       l2_req_o,
  input  logic                       l2_gnt_i,
  input  logic                       l2_miss_i,

  // Walk.
  output logic                       walk_req_o,
  input  logic                       walk_gnt_i,
  input  logic                       walk_done_i,     // the walker answers this port
  input  circe_axi_pkg::tr_status_e  walk_status_i,
  input  logic [31:0]                walk_flags_i,
  input  logic [PpnW-1:0]            walk_ppn_i,
  input  logic [1:0]                 walk_level_i,

  // Answer to this port's fault (it is the queue head).
  input  logic                       fault_answer_i,
  input  logic                       fault_resume_i,  // else abort

  // Request context for the walker and the fault record.
  output logic [63:0]                va_o,
  output logic                       write_o,
  output logic [15:0]                asid_o,
  output logic                       asid_ok_o,       // asid_o < NumAsids
  output logic [31:0]                flags_o,         // fault flags while held

  output logic                       perf_hit_o,
  output logic                       perf_miss_o,
  output logic                       perf_stall_o
);

  localparam int unsigned PageShift = circe_pkg::CIRCE_HW_PAGE_SHIFT;
  localparam int unsigned IdxB      = circe_pkg::CIRCE_HW_PT_INDEX_BITS;
  localparam int unsigned VaBits    = circe_pkg::CIRCE_HW_VA_BITS;
  localparam int unsigned IovaBits  = PpnW + PageShift;

  typedef enum logic [2:0] {
    PIdle,     // ready for a request
    PL2Req,    // missed the L1: waits for an L2 probe
    PL2,       // its L2 probe is in flight
    PWalkReq,  // missed: waits for a walker
    PWalk,     // its walk is in flight
    PFault,    // faulted: held until the host answers
    PRsp       // response valid
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

  state_e                    state_q, state_d;
  logic [63:0]               va_q, va_d;
  logic                      write_q, write_d;
  logic [15:0]               asid_q, asid_d;
  logic                      asid_ok_q, asid_ok_d;
  logic [63:0]               iova_q, iova_d;
  circe_axi_pkg::tr_status_e status_q, status_d;
  logic [31:0]               flags_q, flags_d;
  logic [5:0]                shift_q, shift_d;
  logic                      accept, canon, asid_ok_in, hit_ok;

  assign accept     = tr_req_valid_i && (state_q == PIdle);
  assign canon      = (tr_req_i.va[63:VaBits] == '0);
  assign asid_ok_in = (asid_i < 32'(NumAsids));
  assign hit_ok     = lk_hit_i && canon && asid_ok_in && (tr_req_i.write ? lk_write_i : lk_read_i);

  assign lk_valid_o = accept && canon && asid_ok_in;
  assign lk_vpn_o   = tr_req_i.va[PageShift +: VpnW];
  assign lk_asid_o  = asid_i[AsidW-1:0];

  always_comb begin
    state_d   = state_q;
    va_d      = va_q;
    write_d   = write_q;
    asid_d    = asid_q;
    asid_ok_d = asid_ok_q;
    iova_d    = iova_q;
    status_d  = status_q;
    flags_d   = flags_q;
    shift_d   = shift_q;

    unique case (state_q)
      PIdle: begin
        if (accept) begin
          va_d      = tr_req_i.va;
          write_d   = tr_req_i.write;
          asid_d    = asid_i[15:0];
          asid_ok_d = asid_ok_in;
          iova_d    = '0;
          status_d  = circe_axi_pkg::TrOk;
          flags_d   = '0;
          shift_d   = '0;
          if (Bypass) begin
            iova_d  = tr_req_i.va;
            shift_d = 6'(PageShift);
            state_d = PRsp;
          end else if (hit_ok) begin
            iova_d  = {{(64 - IovaBits){1'b0}}, lk_ppn_i, {PageShift{1'b0}}} |
                      (tr_req_i.va & offset_mask(lk_level_i));
            shift_d = level_shift(lk_level_i);
            state_d = PRsp;
          end else begin
            state_d = (l2_en_i && canon && asid_ok_in) ? PL2Req : PWalkReq;
          end
        end
      end
      PL2Req: begin
        if (l2_gnt_i) state_d = PL2;
      end
      PWalkReq: begin
        if (walk_gnt_i) state_d = PWalk;
      end
      PL2, PWalk: begin
        if (l2_miss_i) begin
          state_d = PWalkReq;
        end else if (walk_done_i) begin
          status_d = walk_status_i;
          flags_d  = walk_flags_i;  // 0 unless TrFault
          iova_d   = '0;
          shift_d  = '0;
          unique case (walk_status_i)
            circe_axi_pkg::TrOk: begin
              iova_d  = {{(64 - IovaBits){1'b0}}, walk_ppn_i, {PageShift{1'b0}}} |
                        (va_q & offset_mask(walk_level_i));
              shift_d = level_shift(walk_level_i);
              state_d = PRsp;
            end
            circe_axi_pkg::TrFault: begin
              state_d = PFault;
            end
            default: begin  // TrBusError
              state_d = PRsp;
            end
          endcase
        end
      end
      PFault: begin
        // RESUME walks again; ABORT answers TrFault with the fault's flags.
        if (fault_answer_i) state_d = fault_resume_i ? PWalkReq : PRsp;
      end
      PRsp: begin
        if (tr_rsp_ready_i) state_d = PIdle;
      end
      default: state_d = PIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= PIdle;
    end else begin
      state_q <= state_d;
    end
  end

  // Request context and response: meaningful only outside PIdle, no reset.
  always_ff @(posedge clk_i) begin
    va_q      <= va_d;
    write_q   <= write_d;
    asid_q    <= asid_d;
    asid_ok_q <= asid_ok_d;
    iova_q    <= iova_d;
    status_q  <= status_d;
    flags_q   <= flags_d;
    shift_q   <= shift_d;
  end

  always_comb begin
    tr_rsp_o             = '0;
    tr_rsp_o.iova        = iova_q;
    tr_rsp_o.status      = status_q;
    tr_rsp_o.fault_flags = flags_q;
    tr_rsp_o.page_shift  = shift_q;
  end

  assign tr_req_ready_o = (state_q == PIdle);
  assign tr_rsp_valid_o = (state_q == PRsp);
  assign walk_req_o     = (state_q == PWalkReq);
  assign l2_req_o       = (state_q == PL2Req);
  assign va_o           = va_q;
  assign write_o        = write_q;
  assign asid_o         = asid_q;
  assign asid_ok_o      = asid_ok_q;
  assign flags_o        = flags_q;

  assign perf_hit_o   = !Bypass && accept && hit_ok;
  assign perf_miss_o  = !Bypass && accept && !hit_ok;
  assign perf_stall_o = (state_q != PIdle) && (state_q != PRsp);

  // Only the low ASID bits index the TLB; the rest only make it out of range.
  logic unused_asid;
  assign unused_asid = ^{asid_i[31:16]};

`ifndef SYNTHESIS
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tr_req_valid_i && !tr_req_ready_o |=> tr_req_valid_i && $stable(tr_req_i))
    else $error("circe_mmu_port: request changed or dropped before it was taken");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tr_rsp_valid_o && !tr_rsp_ready_i |=> tr_rsp_valid_o && $stable(tr_rsp_o))
    else $error("circe_mmu_port: response changed before it was taken");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   walk_done_i |-> state_q == PWalk || state_q == PL2)
    else $error("circe_mmu_port: walk response while not walking");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   walk_done_i && state_q == PL2 |-> walk_status_i == circe_axi_pkg::TrOk)
    else $error("circe_mmu_port: an L2 answer that is not a hit");
  assert property (@(posedge clk_i) disable iff (!rst_ni) l2_miss_i |-> state_q == PL2)
    else $error("circe_mmu_port: L2 miss while not probing");
  assert property (@(posedge clk_i) disable iff (!rst_ni) l2_gnt_i |-> state_q == PL2Req)
    else $error("circe_mmu_port: L2 probe granted while not asking");
  assert property (@(posedge clk_i) disable iff (!rst_ni) walk_gnt_i |-> state_q == PWalkReq)
    else $error("circe_mmu_port: walk granted while not asking");
  assert property (@(posedge clk_i) disable iff (!rst_ni) fault_answer_i |-> state_q == PFault)
    else $error("circe_mmu_port: fault answer while not holding a fault");
`endif

endmodule
