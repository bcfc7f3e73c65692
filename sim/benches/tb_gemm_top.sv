// SPDX-License-Identifier: Apache-2.0
//
// Bench wrapper of the GEMM path: circe_cmdproc (with its systolic array and
// requant unit) + circe_dma_rd + circe_dma_wr + circe_mmu (Bypass = 1: ideal
// MMU, iova = va; else the real TLB and walker over a page table the bench
// builds) + circe_axi_mux, to one flat m_axi port (XRT m_axi_* names, for
// sim/vsim/axi_mem.h). The job, fault and perf signals are flat too; the
// C++ side (sim/benches/tb_gemm.cpp) plays the register block and host.
module tb_gemm_top
  import circe_pkg::*;
  import circe_axi_pkg::*;
#(
  parameter int unsigned Rows      = CIRCE_HW_DEFAULT_ARRAY_ROWS,
  parameter int unsigned Cols      = CIRCE_HW_DEFAULT_ARRAY_COLS,
  parameter int unsigned ABytes    = 131072,
  parameter int unsigned WBytes    = 131072,
  parameter int unsigned MtMax     = 128,
  parameter int unsigned YRowBytes = 256,
  parameter int unsigned SideSlots = 8,
  parameter bit          Bypass    = 1'b1,
  parameter int unsigned NumAsids  = 2
) (
  input  logic         clk_i,
  input  logic         rst_ni,

  // job
  input  logic         start_i,
  input  logic         abort_i,
  input  logic [63:0]  cmd_va_i,
  input  logic [31:0]  cmd_count_i,
  output logic         busy_o,
  output logic         done_o,
  output logic [7:0]   status_o,
  output logic [31:0]  err_index_o,
  output logic [63:0]  err_va_o,
  output logic         perf_compute_o,
  output logic [31:0]  perf_macs_o,
  output logic         perf_desc_o,
  output logic         dma_busy_o,

  // MMU (unused with Bypass)
  input  logic [31:0]  asid_i,
  input  logic [63:0]  pt_root_i,        // root of ASID 0
  input  logic         pt_root_valid_i,
  output logic         fault_valid_o,
  output logic [63:0]  fault_va_o,
  output logic [31:0]  fault_flags_o,
  input  logic         fault_resp_valid_i,
  input  logic [31:0]  fault_resp_i,
  input  logic         inv_all_valid_i,  // CIRCE_HW_INV_ALL
  output logic         inv_ready_o,
  output logic         inv_done_o,

  // m_axi
  output logic         m_axi_awvalid,
  input  logic         m_axi_awready,
  output logic [3:0]   m_axi_awid,
  output logic [63:0]  m_axi_awaddr,
  output logic [7:0]   m_axi_awlen,
  output logic [2:0]   m_axi_awsize,
  output logic [1:0]   m_axi_awburst,
  output logic         m_axi_wvalid,
  input  logic         m_axi_wready,
  output logic [511:0] m_axi_wdata,
  output logic [63:0]  m_axi_wstrb,
  output logic         m_axi_wlast,
  input  logic         m_axi_bvalid,
  output logic         m_axi_bready,
  input  logic [3:0]   m_axi_bid,
  input  logic [1:0]   m_axi_bresp,
  output logic         m_axi_arvalid,
  input  logic         m_axi_arready,
  output logic [3:0]   m_axi_arid,
  output logic [63:0]  m_axi_araddr,
  output logic [7:0]   m_axi_arlen,
  output logic [2:0]   m_axi_arsize,
  output logic [1:0]   m_axi_arburst,
  input  logic         m_axi_rvalid,
  output logic         m_axi_rready,
  input  logic [3:0]   m_axi_rid,
  input  logic [511:0] m_axi_rdata,
  input  logic [1:0]   m_axi_rresp,
  input  logic         m_axi_rlast
);

  localparam int unsigned TrReqW = circe_axi_pkg::TrReqWidth;
  localparam int unsigned TrRspW = circe_axi_pkg::TrRspWidth;

  // ---- command processor <-> DMA engines ----
  logic          rd_cmd_valid, rd_cmd_ready, rd_out_valid, rd_out_ready, rd_out_last;
  logic          rd_sts_valid, rd_sts_ready;
  addr_t         rd_cmd_va, rd_sts_va;
  logic [31:0]   rd_cmd_bytes, rd_sts_flags;
  logic          rd_ending;  // the command processor's writes never wait on it
  data_t         rd_out_data;
  logic [6:0]    rd_out_bytes;
  circe_status_e rd_sts_code;
  logic          wr_cmd_valid, wr_cmd_ready, wr_in_valid, wr_in_ready;
  logic          wr_sts_valid, wr_sts_ready;
  addr_t         wr_cmd_va, wr_sts_va;
  logic [31:0]   wr_cmd_bytes, wr_sts_flags;
  data_t         wr_in_data;
  circe_status_e wr_sts_code, status;
  logic          rd_busy, wr_busy;

  circe_cmdproc #(
    .Rows      (Rows),
    .Cols      (Cols),
    .ABytes    (ABytes),
    .WBytes    (WBytes),
    .MtMax     (MtMax),
    .YRowBytes (YRowBytes),
    .SideSlots (SideSlots)
  ) u_cmdproc (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .start_i         (start_i),
    .abort_i         (abort_i),
    .cmd_va_i        (cmd_va_i),
    .cmd_count_i     (cmd_count_i),
    .busy_o          (busy_o),
    .done_o          (done_o),
    .status_o        (status),
    .err_index_o     (err_index_o),
    .err_va_o        (err_va_o),
    .rd_cmd_valid_o  (rd_cmd_valid),
    .rd_cmd_ready_i  (rd_cmd_ready),
    .rd_cmd_va_o     (rd_cmd_va),
    .rd_cmd_bytes_o  (rd_cmd_bytes),
    .rd_data_valid_i (rd_out_valid),
    .rd_data_ready_o (rd_out_ready),
    .rd_data_i       (rd_out_data),
    .rd_data_bytes_i (rd_out_bytes),
    .rd_data_last_i  (rd_out_last),
    .rd_sts_valid_i  (rd_sts_valid),
    .rd_sts_ready_o  (rd_sts_ready),
    .rd_sts_code_i   (rd_sts_code),
    .rd_sts_va_i     (rd_sts_va),
    .rd_sts_flags_i  (rd_sts_flags),
    .wr_cmd_valid_o  (wr_cmd_valid),
    .wr_cmd_ready_i  (wr_cmd_ready),
    .wr_cmd_va_o     (wr_cmd_va),
    .wr_cmd_bytes_o  (wr_cmd_bytes),
    .wr_data_valid_o (wr_in_valid),
    .wr_data_ready_i (wr_in_ready),
    .wr_data_o       (wr_in_data),
    .wr_sts_valid_i  (wr_sts_valid),
    .wr_sts_ready_o  (wr_sts_ready),
    .wr_sts_code_i   (wr_sts_code),
    .wr_sts_va_i     (wr_sts_va),
    .wr_sts_flags_i  (wr_sts_flags),
    .perf_compute_o  (perf_compute_o),
    .perf_macs_o     (perf_macs_o),
    .perf_desc_o     (perf_desc_o)
  );

  assign status_o   = status;
  assign dma_busy_o = rd_busy || wr_busy;

  // ---- DMA engines ----
  axi_req_t rd_req, walk_req, wr_req, axi_req;
  axi_rsp_t rd_rsp, walk_rsp, wr_rsp, axi_rsp;
  logic     rd_tr_req_valid, rd_tr_req_ready, rd_tr_rsp_valid, rd_tr_rsp_ready;
  logic     wr_tr_req_valid, wr_tr_req_ready, wr_tr_rsp_valid, wr_tr_rsp_ready;
  tr_req_t  rd_tr_req, wr_tr_req;
  tr_rsp_t  rd_tr_rsp, wr_tr_rsp;
  logic     rd_perf_beat, wr_perf_beat;
  logic [6:0] rd_perf_bytes, wr_perf_bytes;

  logic rd_old_busy, wr_old_busy;  // no invalidations in this bench

  circe_dma_rd u_rd (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .busy_o         (rd_busy),
    .inv_drop_i     (1'b0),  // no invalidations in this bench
    .old_busy_o     (rd_old_busy),
    .cmd_valid_i    (rd_cmd_valid),
    .cmd_ready_o    (rd_cmd_ready),
    .cmd_va_i       (rd_cmd_va),
    .cmd_bytes_i    (rd_cmd_bytes),
    .out_valid_o    (rd_out_valid),
    .out_ready_i    (rd_out_ready),
    .out_data_o     (rd_out_data),
    .out_bytes_o    (rd_out_bytes),
    .out_last_o     (rd_out_last),
    .sts_valid_o    (rd_sts_valid),
    .sts_ready_i    (rd_sts_ready),
    .sts_code_o     (rd_sts_code),
    .sts_va_o       (rd_sts_va),
    .sts_flags_o    (rd_sts_flags),
    .ending_o       (rd_ending),
    .tr_req_valid_o (rd_tr_req_valid),
    .tr_req_ready_i (rd_tr_req_ready),
    .tr_req_o       (rd_tr_req),
    .tr_rsp_valid_i (rd_tr_rsp_valid),
    .tr_rsp_ready_o (rd_tr_rsp_ready),
    .tr_rsp_i       (rd_tr_rsp),
    .axi_req_o      (rd_req),
    .axi_rsp_i      (rd_rsp),
    .perf_beat_o    (rd_perf_beat),
    .perf_bytes_o   (rd_perf_bytes)
  );

  circe_dma_wr u_wr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .busy_o         (wr_busy),
    .inv_drop_i     (1'b0),
    .old_busy_o     (wr_old_busy),
    .cmd_valid_i    (wr_cmd_valid),
    .cmd_ready_o    (wr_cmd_ready),
    .cmd_va_i       (wr_cmd_va),
    .cmd_bytes_i    (wr_cmd_bytes),
    .in_valid_i     (wr_in_valid),
    .in_ready_o     (wr_in_ready),
    .in_data_i      (wr_in_data),
    .in_avail_i     ('1),
    .sts_valid_o    (wr_sts_valid),
    .sts_ready_i    (wr_sts_ready),
    .sts_code_o     (wr_sts_code),
    .sts_va_o       (wr_sts_va),
    .sts_flags_o    (wr_sts_flags),
    .tr_req_valid_o (wr_tr_req_valid),
    .tr_req_ready_i (wr_tr_req_ready),
    .tr_req_o       (wr_tr_req),
    .tr_rsp_valid_i (wr_tr_rsp_valid),
    .tr_rsp_ready_o (wr_tr_rsp_ready),
    .tr_rsp_i       (wr_tr_rsp),
    .axi_req_o      (wr_req),
    .axi_rsp_i      (wr_rsp),
    .perf_beat_o    (wr_perf_beat),
    .perf_bytes_o   (wr_perf_bytes)
  );

  // ---- MMU: port 0 = read engine, port 1 = write engine ----
  logic [2*TrReqW-1:0] mmu_req;
  logic [2*TrRspW-1:0] mmu_rsp;
  logic [1:0]          mmu_rsp_valid, mmu_req_ready;
  logic [NumAsids*64-1:0] pt_root;
  logic [NumAsids-1:0]    pt_root_valid;
  logic [1:0]          perf_hit, perf_miss, perf_stall;
  logic [7:0]          perf_retry;  // 2 ports x 4 slots
  logic                perf_walk, perf_fault, perf_line;
  logic                perf_l2_hit, perf_l2_miss, perf_l2_fill, perf_l2_evict, perf_pf;
  logic [circe_pkg::CIRCE_HW_DEFAULT_WALKERS-1:0] perf_walk_cycle, perf_pte, perf_wc;
  logic [15:0]         fault_asid;

  assign mmu_req       = {wr_tr_req, rd_tr_req};
  assign rd_tr_rsp     = mmu_rsp[0 +: TrRspW];
  assign wr_tr_rsp     = mmu_rsp[TrRspW +: TrRspW];
  assign rd_tr_req_ready = mmu_req_ready[0];
  assign wr_tr_req_ready = mmu_req_ready[1];
  assign rd_tr_rsp_valid = mmu_rsp_valid[0];
  assign wr_tr_rsp_valid = mmu_rsp_valid[1];
  assign pt_root       = {{((NumAsids - 1) * 64){1'b0}}, pt_root_i};
  assign pt_root_valid = {{(NumAsids - 1){1'b0}}, pt_root_valid_i};

  circe_mmu #(
    .NumPorts (2),
    .NumAsids (NumAsids),
    .Bypass   (Bypass)
  ) u_mmu (
    .clk_i              (clk_i),
    .rst_ni             (rst_ni),
    .tr_req_valid_i     ({wr_tr_req_valid, rd_tr_req_valid}),
    .tr_req_ready_o     (mmu_req_ready),
    .tr_req_i           (mmu_req),
    .tr_rsp_valid_o     (mmu_rsp_valid),
    .tr_rsp_ready_i     ({wr_tr_rsp_ready, rd_tr_rsp_ready}),
    .tr_rsp_o           (mmu_rsp),
    .asid_i             (asid_i),
    .pt_root_i          (pt_root),
    .pt_root_valid_i    (pt_root_valid),
    .mode_i             (circe_pkg::CIRCE_HW_MMU_MODE_HYBRID),
    .inv_valid_i        (inv_all_valid_i),
    .inv_ready_o        (inv_ready_o),
    .inv_type_i         (CIRCE_HW_INV_ALL),
    .inv_asid_i         (16'd0),
    .inv_va_i           (64'd0),
    .inv_pages_i        (32'd0),
    .inv_done_o         (inv_done_o),
    .fault_valid_o      (fault_valid_o),
    .fault_va_o         (fault_va_o),
    .fault_flags_o      (fault_flags_o),
    .fault_asid_o       (fault_asid),
    .fault_resp_valid_i (fault_resp_valid_i),
    .fault_resp_i       (fault_resp_i),
    .axi_req_o          (walk_req),
    .axi_rsp_i          (walk_rsp),
    .perf_l1_hit_o      (perf_hit),
    .perf_l1_miss_o     (perf_miss),
    .perf_l2_hit_o      (perf_l2_hit),
    .perf_l2_miss_o     (perf_l2_miss),
    .perf_l2_fill_o     (perf_l2_fill),
    .perf_l2_evict_o    (perf_l2_evict),
    .perf_pf_o          (perf_pf),
    .perf_walk_o        (perf_walk),
    .perf_walk_cycle_o  (perf_walk_cycle),
    .perf_fault_o       (perf_fault),
    .perf_stall_o       (perf_stall),
    .perf_retry_o       (perf_retry),
    .perf_pte_read_o    (perf_pte),
    .perf_wc_hit_o      (perf_wc),
    .perf_line_read_o   (perf_line)
  );

  circe_axi_pkg::axi_rsp_t me_rsp_unused;  // no memory engine in this bench

  circe_axi_mux u_mux (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .rd_req_i   (rd_req),
    .rd_rsp_o   (rd_rsp),
    .walk_req_i (walk_req),
    .walk_rsp_o (walk_rsp),
    .wr_req_i   (wr_req),
    .wr_rsp_o   (wr_rsp),
    .me_req_i   ('0),
    .me_rsp_o   (me_rsp_unused),
    .axi_req_o  (axi_req),
    .axi_rsp_i  (axi_rsp)
  );

  // ---- flat m_axi ----
  always_comb begin
    axi_rsp          = '0;
    axi_rsp.aw_ready = m_axi_awready;
    axi_rsp.w_ready  = m_axi_wready;
    axi_rsp.b.id     = m_axi_bid;
    axi_rsp.b.resp   = m_axi_bresp;
    axi_rsp.b_valid  = m_axi_bvalid;
    axi_rsp.ar_ready = m_axi_arready;
    axi_rsp.r.id     = m_axi_rid;
    axi_rsp.r.data   = m_axi_rdata;
    axi_rsp.r.resp   = m_axi_rresp;
    axi_rsp.r.last   = m_axi_rlast;
    axi_rsp.r_valid  = m_axi_rvalid;
  end

  assign m_axi_awvalid = axi_req.aw_valid;
  assign m_axi_awid    = axi_req.aw.id;
  assign m_axi_awaddr  = axi_req.aw.addr;
  assign m_axi_awlen   = axi_req.aw.len;
  assign m_axi_awsize  = axi_req.aw.size;
  assign m_axi_awburst = axi_req.aw.burst;
  assign m_axi_wvalid  = axi_req.w_valid;
  assign m_axi_wdata   = axi_req.w.data;
  assign m_axi_wstrb   = axi_req.w.strb;
  assign m_axi_wlast   = axi_req.w.last;
  assign m_axi_bready  = axi_req.b_ready;
  assign m_axi_arvalid = axi_req.ar_valid;
  assign m_axi_arid    = axi_req.ar.id;
  assign m_axi_araddr  = axi_req.ar.addr;
  assign m_axi_arlen   = axi_req.ar.len;
  assign m_axi_arsize  = axi_req.ar.size;
  assign m_axi_arburst = axi_req.ar.burst;
  assign m_axi_rready  = axi_req.r_ready;

  logic unused_tb;
  assign unused_tb = ^{rd_ending, rd_perf_beat, rd_perf_bytes, wr_perf_beat, wr_perf_bytes, perf_hit,
                       perf_miss, perf_stall, perf_retry, perf_walk, perf_walk_cycle, perf_fault, perf_pte,
                       perf_wc, perf_line, fault_asid, perf_l2_hit, perf_l2_miss, perf_l2_fill,
                       perf_l2_evict, perf_pf, rd_old_busy, wr_old_busy};

endmodule
