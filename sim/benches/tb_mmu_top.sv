// SPDX-License-Identifier: Apache-2.0
//
// Bench wrapper of circe_mmu: flat per-field signals for the C++ bench
// (sim/benches/tb_mmu.cpp) instead of tr_req_t / tr_rsp_t / AXI structs.
// Field f of port p is bits [p*W +: W] of the vector named after it.
module tb_mmu_top #(
  parameter int unsigned NumPorts  = 3,
  parameter int unsigned Slots     = 4,
  parameter int unsigned L1Entries = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned L2Sets    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,
  parameter int unsigned L2Ways    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned NumAsids  = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned Walkers   = circe_pkg::CIRCE_HW_DEFAULT_WALKERS,
  parameter bit          Bypass    = 1'b0
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic [NumPorts-1:0]    tr_req_valid_i,
  output logic [NumPorts-1:0]    tr_req_ready_o,
  input  logic [NumPorts*64-1:0] tr_req_va_i,
  input  logic [NumPorts-1:0]    tr_req_write_i,
  input  logic [NumPorts*2-1:0]  tr_req_id_i,
  output logic [NumPorts-1:0]    tr_rsp_valid_o,
  input  logic [NumPorts-1:0]    tr_rsp_ready_i,
  output logic [NumPorts*64-1:0] tr_rsp_iova_o,
  output logic [NumPorts*2-1:0]  tr_rsp_status_o,
  output logic [NumPorts*32-1:0] tr_rsp_flags_o,
  output logic [NumPorts*6-1:0]  tr_rsp_shift_o,
  output logic [NumPorts*2-1:0]  tr_rsp_id_o,

  input  logic [31:0]            asid_i,
  input  logic [NumAsids*64-1:0] pt_root_i,
  input  logic [NumAsids-1:0]    pt_root_valid_i,
  input  logic [1:0]             mode_i,

  input  logic                   inv_valid_i,
  output logic                   inv_ready_o,
  input  logic [1:0]             inv_type_i,
  input  logic [15:0]            inv_asid_i,
  input  logic [63:0]            inv_va_i,
  input  logic [31:0]            inv_pages_i,
  output logic                   inv_done_o,

  output logic                   fault_valid_o,
  output logic [63:0]            fault_va_o,
  output logic [31:0]            fault_flags_o,
  output logic [15:0]            fault_asid_o,
  input  logic                   fault_resp_valid_i,
  input  logic [31:0]            fault_resp_i,

  output logic                   ar_valid_o,
  input  logic                   ar_ready_i,
  output logic [3:0]             ar_id_o,
  output logic [63:0]            ar_addr_o,
  output logic [7:0]             ar_len_o,
  output logic [2:0]             ar_size_o,
  output logic [1:0]             ar_burst_o,
  input  logic                   r_valid_i,
  output logic                   r_ready_o,
  input  logic [3:0]             r_id_i,
  input  logic [511:0]           r_data_i,
  input  logic [1:0]             r_resp_i,
  input  logic                   r_last_i,
  output logic                   axi_write_o,  // any AW/W activity or B ready (must stay 0)

  output logic [NumPorts-1:0]    perf_l1_hit_o,
  output logic [NumPorts-1:0]    perf_l1_miss_o,
  output logic                   perf_l2_hit_o,
  output logic                   perf_l2_miss_o,
  output logic                   perf_l2_fill_o,
  output logic                   perf_l2_evict_o,
  output logic                   perf_pf_o,
  output logic                   perf_walk_o,
  output logic [Walkers-1:0]     perf_walk_cycle_o,
  output logic                   perf_fault_o,
  output logic [NumPorts-1:0]    perf_stall_o,
  output logic [NumPorts*Slots-1:0] perf_retry_o,
  output logic [Walkers-1:0]     perf_pte_read_o,
  output logic [Walkers-1:0]     perf_wc_hit_o,
  output logic                   perf_line_read_o
);

  localparam int unsigned TrReqW = circe_axi_pkg::TrReqWidth;
  localparam int unsigned TrRspW = circe_axi_pkg::TrRspWidth;

  logic [NumPorts*TrReqW-1:0] tr_req;
  logic [NumPorts*TrRspW-1:0] tr_rsp;
  circe_axi_pkg::axi_req_t    axi_req;
  circe_axi_pkg::axi_rsp_t    axi_rsp;

  for (genvar p = 0; p < NumPorts; p++) begin : g_port
    circe_axi_pkg::tr_req_t req;
    circe_axi_pkg::tr_rsp_t rsp;
    always_comb begin
      req       = '0;
      req.va    = tr_req_va_i[p*64 +: 64];
      req.write = tr_req_write_i[p];
      req.id    = tr_req_id_i[p*2 +: 2];
    end
    assign tr_req[p*TrReqW +: TrReqW] = req;
    assign rsp                        = tr_rsp[p*TrRspW +: TrRspW];
    assign tr_rsp_iova_o[p*64 +: 64]  = rsp.iova;
    assign tr_rsp_status_o[p*2 +: 2]  = rsp.status;
    assign tr_rsp_flags_o[p*32 +: 32] = rsp.fault_flags;
    assign tr_rsp_shift_o[p*6 +: 6]   = rsp.page_shift;
    assign tr_rsp_id_o[p*2 +: 2]      = rsp.id;
  end

  always_comb begin
    axi_rsp            = '0;
    axi_rsp.ar_ready   = ar_ready_i;
    axi_rsp.r_valid    = r_valid_i;
    axi_rsp.r.id       = r_id_i;
    axi_rsp.r.data     = r_data_i;
    axi_rsp.r.resp     = r_resp_i;
    axi_rsp.r.last     = r_last_i;
  end

  assign ar_valid_o  = axi_req.ar_valid;
  assign ar_id_o     = axi_req.ar.id;
  assign ar_addr_o   = axi_req.ar.addr;
  assign ar_len_o    = axi_req.ar.len;
  assign ar_size_o   = axi_req.ar.size;
  assign ar_burst_o  = axi_req.ar.burst;
  assign r_ready_o   = axi_req.r_ready;
  assign axi_write_o = axi_req.aw_valid | axi_req.w_valid | axi_req.b_ready;

  circe_mmu #(
    .NumPorts  (NumPorts),
    .Slots     (Slots),
    .L1Entries (L1Entries),
    .L2Sets    (L2Sets),
    .L2Ways    (L2Ways),
    .NumAsids  (NumAsids),
    .Walkers   (Walkers),
    .Bypass    (Bypass)
  ) u_mmu (
    .clk_i              (clk_i),
    .rst_ni             (rst_ni),
    .tr_req_valid_i     (tr_req_valid_i),
    .tr_req_ready_o     (tr_req_ready_o),
    .tr_req_i           (tr_req),
    .tr_rsp_valid_o     (tr_rsp_valid_o),
    .tr_rsp_ready_i     (tr_rsp_ready_i),
    .tr_rsp_o           (tr_rsp),
    .asid_i             (asid_i),
    .pt_root_i          (pt_root_i),
    .pt_root_valid_i    (pt_root_valid_i),
    .mode_i             (mode_i),
    .inv_valid_i        (inv_valid_i),
    .inv_ready_o        (inv_ready_o),
    .inv_type_i         (inv_type_i),
    .inv_asid_i         (inv_asid_i),
    .inv_va_i           (inv_va_i),
    .inv_pages_i        (inv_pages_i),
    .inv_done_o         (inv_done_o),
    .fault_valid_o      (fault_valid_o),
    .fault_va_o         (fault_va_o),
    .fault_flags_o      (fault_flags_o),
    .fault_asid_o       (fault_asid_o),
    .fault_resp_valid_i (fault_resp_valid_i),
    .fault_resp_i       (fault_resp_i),
    .axi_req_o          (axi_req),
    .axi_rsp_i          (axi_rsp),
    .perf_l1_hit_o      (perf_l1_hit_o),
    .perf_l1_miss_o     (perf_l1_miss_o),
    .perf_l2_hit_o      (perf_l2_hit_o),
    .perf_l2_miss_o     (perf_l2_miss_o),
    .perf_l2_fill_o     (perf_l2_fill_o),
    .perf_l2_evict_o    (perf_l2_evict_o),
    .perf_pf_o          (perf_pf_o),
    .perf_walk_o        (perf_walk_o),
    .perf_walk_cycle_o  (perf_walk_cycle_o),
    .perf_fault_o       (perf_fault_o),
    .perf_stall_o       (perf_stall_o),
    .perf_retry_o       (perf_retry_o),
    .perf_pte_read_o    (perf_pte_read_o),
    .perf_wc_hit_o      (perf_wc_hit_o),
    .perf_line_read_o   (perf_line_read_o)
  );

  // The rest of the request struct (AW/W) is checked through axi_write_o.
  logic unused_req;
  assign unused_req = ^{axi_req.aw, axi_req.w};

endmodule
