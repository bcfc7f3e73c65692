// SPDX-License-Identifier: Apache-2.0
//
// Bench wrapper of the DMA path: circe_dma_rd + circe_dma_wr + a walker
// master port, through circe_axi_mux, to one flat m_axi port (named as an
// XRT RTL kernel's m_axi_* signals, for sim/vsim/axi_mem.h). The engines'
// translation ports, command/stream/status ports and the walker's AR/R
// channel are flat too, so the C++ side plays MMU, producer, consumer and
// page-table walker. The invalidation epoch (inv_drop_i, old_busy) and each
// engine's own AR/AW handshakes and completions (before the mux) are visible
// so the bench can check which translation every burst used.
module tb_dma_top
#(
  parameter int unsigned MaxOutstanding = 32,
  parameter int unsigned BufBeats       = 512,
  parameter int unsigned CmdQueue       = 32
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         abort_i,
  input  logic         inv_drop_i,
  output logic         rd_old_busy_o,
  output logic         wr_old_busy_o,

  // ---- read engine ----
  output logic         rd_busy_o,
  input  logic         rd_cmd_valid_i,
  output logic         rd_cmd_ready_o,
  input  logic [63:0]  rd_cmd_va_i,
  input  logic [31:0]  rd_cmd_bytes_i,
  output logic         rd_out_valid_o,
  input  logic         rd_out_ready_i,
  output logic [511:0] rd_out_data_o,
  output logic [6:0]   rd_out_bytes_o,
  output logic         rd_out_last_o,
  output logic         rd_sts_valid_o,
  input  logic         rd_sts_ready_i,
  output logic [7:0]   rd_sts_code_o,
  output logic [63:0]  rd_sts_va_o,
  output logic [31:0]  rd_sts_flags_o,
  output logic         rd_tr_req_valid_o,
  input  logic         rd_tr_req_ready_i,
  output logic [63:0]  rd_tr_req_va_o,
  output logic         rd_tr_req_write_o,
  input  logic         rd_tr_rsp_valid_i,
  output logic         rd_tr_rsp_ready_o,
  input  logic [63:0]  rd_tr_rsp_iova_i,
  input  logic [1:0]   rd_tr_rsp_status_i,
  input  logic [31:0]  rd_tr_rsp_flags_i,
  input  logic [5:0]   rd_tr_rsp_page_shift_i,
  output logic         rd_perf_beat_o,
  output logic [6:0]   rd_perf_bytes_o,
  output logic         rd_ar_valid_o,   // the engine's AR handshake, before the mux
  output logic         rd_ar_ready_o,
  output logic [63:0]  rd_ar_addr_o,
  output logic         rd_r_last_o,     // one of its bursts completed

  // ---- write engine ----
  output logic         wr_busy_o,
  input  logic         wr_cmd_valid_i,
  output logic         wr_cmd_ready_o,
  input  logic [63:0]  wr_cmd_va_i,
  input  logic [31:0]  wr_cmd_bytes_i,
  input  logic         wr_in_valid_i,
  output logic         wr_in_ready_o,
  input  logic [511:0] wr_in_data_i,
  output logic         wr_sts_valid_o,
  input  logic         wr_sts_ready_i,
  output logic [7:0]   wr_sts_code_o,
  output logic [63:0]  wr_sts_va_o,
  output logic [31:0]  wr_sts_flags_o,
  output logic         wr_tr_req_valid_o,
  input  logic         wr_tr_req_ready_i,
  output logic [63:0]  wr_tr_req_va_o,
  output logic         wr_tr_req_write_o,
  input  logic         wr_tr_rsp_valid_i,
  output logic         wr_tr_rsp_ready_o,
  input  logic [63:0]  wr_tr_rsp_iova_i,
  input  logic [1:0]   wr_tr_rsp_status_i,
  input  logic [31:0]  wr_tr_rsp_flags_i,
  input  logic [5:0]   wr_tr_rsp_page_shift_i,
  output logic         wr_perf_beat_o,
  output logic [6:0]   wr_perf_bytes_o,
  output logic         wr_aw_valid_o,   // the engine's AW handshake, before the mux
  output logic         wr_aw_ready_o,
  output logic [63:0]  wr_aw_addr_o,
  output logic         wr_b_o,          // one of its bursts completed

  // ---- walker master (AR/R), played by the bench ----
  input  logic         walk_arvalid_i,
  output logic         walk_arready_o,
  input  logic [3:0]   walk_arid_i,
  input  logic [63:0]  walk_araddr_i,
  input  logic [7:0]   walk_arlen_i,
  input  logic [2:0]   walk_arsize_i,
  output logic         walk_rvalid_o,
  input  logic         walk_rready_i,
  output logic [3:0]   walk_rid_o,
  output logic [511:0] walk_rdata_o,
  output logic [1:0]   walk_rresp_o,
  output logic         walk_rlast_o,

  // ---- m_axi ----
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

  circe_axi_pkg::axi_req_t  rd_req, walk_req, wr_req, axi_req;
  circe_axi_pkg::axi_rsp_t  rd_rsp, walk_rsp, wr_rsp, axi_rsp;
  circe_axi_pkg::tr_req_t   rd_tr_req, wr_tr_req;
  circe_axi_pkg::tr_rsp_t   rd_tr_rsp, wr_tr_rsp;
  circe_pkg::circe_status_e rd_sts_code, wr_sts_code;

  circe_dma_rd #(
    .MaxOutstanding (MaxOutstanding),
    .BufBeats       (BufBeats),
    .CmdQueue       (CmdQueue)
  ) u_rd (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .busy_o         (rd_busy_o),
    .inv_drop_i     (inv_drop_i),
    .old_busy_o     (rd_old_busy_o),
    .cmd_valid_i    (rd_cmd_valid_i),
    .cmd_ready_o    (rd_cmd_ready_o),
    .cmd_va_i       (rd_cmd_va_i),
    .cmd_bytes_i    (rd_cmd_bytes_i),
    .out_valid_o    (rd_out_valid_o),
    .out_ready_i    (rd_out_ready_i),
    .out_data_o     (rd_out_data_o),
    .out_bytes_o    (rd_out_bytes_o),
    .out_last_o     (rd_out_last_o),
    .sts_valid_o    (rd_sts_valid_o),
    .sts_ready_i    (rd_sts_ready_i),
    .sts_code_o     (rd_sts_code),
    .sts_va_o       (rd_sts_va_o),
    .sts_flags_o    (rd_sts_flags_o),
    .ending_o       (rd_ending),
    .tr_req_valid_o (rd_tr_req_valid_o),
    .tr_req_ready_i (rd_tr_req_ready_i),
    .tr_req_o       (rd_tr_req),
    .tr_rsp_valid_i (rd_tr_rsp_valid_i),
    .tr_rsp_ready_o (rd_tr_rsp_ready_o),
    .tr_rsp_i       (rd_tr_rsp),
    .axi_req_o      (rd_req),
    .axi_rsp_i      (rd_rsp),
    .perf_beat_o    (rd_perf_beat_o),
    .perf_bytes_o   (rd_perf_bytes_o)
  );

  circe_dma_wr #(
    .MaxOutstanding (MaxOutstanding),
    .CmdQueue       (CmdQueue)
  ) u_wr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .busy_o         (wr_busy_o),
    .inv_drop_i     (inv_drop_i),
    .old_busy_o     (wr_old_busy_o),
    .cmd_valid_i    (wr_cmd_valid_i),
    .cmd_ready_o    (wr_cmd_ready_o),
    .cmd_va_i       (wr_cmd_va_i),
    .cmd_bytes_i    (wr_cmd_bytes_i),
    .in_valid_i     (wr_in_valid_i),
    .in_ready_o     (wr_in_ready_o),
    .in_data_i      (wr_in_data_i),
    .in_avail_i     ('1),
    .sts_valid_o    (wr_sts_valid_o),
    .sts_ready_i    (wr_sts_ready_i),
    .sts_code_o     (wr_sts_code),
    .sts_va_o       (wr_sts_va_o),
    .sts_flags_o    (wr_sts_flags_o),
    .tr_req_valid_o (wr_tr_req_valid_o),
    .tr_req_ready_i (wr_tr_req_ready_i),
    .tr_req_o       (wr_tr_req),
    .tr_rsp_valid_i (wr_tr_rsp_valid_i),
    .tr_rsp_ready_o (wr_tr_rsp_ready_o),
    .tr_rsp_i       (wr_tr_rsp),
    .axi_req_o      (wr_req),
    .axi_rsp_i      (wr_rsp),
    .perf_beat_o    (wr_perf_beat_o),
    .perf_bytes_o   (wr_perf_bytes_o)
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

  // ---- flat <-> struct ----
  assign rd_sts_code_o     = rd_sts_code;
  assign wr_sts_code_o     = wr_sts_code;
  assign rd_tr_req_va_o    = rd_tr_req.va;
  assign rd_tr_req_write_o = rd_tr_req.write;
  assign wr_tr_req_va_o    = wr_tr_req.va;
  assign wr_tr_req_write_o = wr_tr_req.write;
  assign rd_ar_valid_o     = rd_req.ar_valid;
  assign rd_ar_ready_o     = rd_rsp.ar_ready;
  assign rd_ar_addr_o      = rd_req.ar.addr;
  assign rd_r_last_o       = rd_rsp.r_valid && rd_req.r_ready && rd_rsp.r.last;
  assign wr_aw_valid_o     = wr_req.aw_valid;
  assign wr_aw_ready_o     = wr_rsp.aw_ready;
  assign wr_aw_addr_o      = wr_req.aw.addr;
  assign wr_b_o            = wr_rsp.b_valid && wr_req.b_ready;

  always_comb begin
    rd_tr_rsp             = '0;
    rd_tr_rsp.iova        = rd_tr_rsp_iova_i;
    rd_tr_rsp.status      = circe_axi_pkg::tr_status_e'(rd_tr_rsp_status_i);
    rd_tr_rsp.fault_flags = rd_tr_rsp_flags_i;
    rd_tr_rsp.page_shift  = rd_tr_rsp_page_shift_i;
    wr_tr_rsp             = '0;
    wr_tr_rsp.iova        = wr_tr_rsp_iova_i;
    wr_tr_rsp.status      = circe_axi_pkg::tr_status_e'(wr_tr_rsp_status_i);
    wr_tr_rsp.fault_flags = wr_tr_rsp_flags_i;
    wr_tr_rsp.page_shift  = wr_tr_rsp_page_shift_i;

    walk_req          = '0;
    walk_req.ar.id    = walk_arid_i;
    walk_req.ar.addr  = walk_araddr_i;
    walk_req.ar.len   = walk_arlen_i;
    walk_req.ar.size  = walk_arsize_i;
    walk_req.ar.burst = circe_axi_pkg::BurstIncr;
    walk_req.ar_valid = walk_arvalid_i;
    walk_req.r_ready  = walk_rready_i;

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

  assign walk_arready_o = walk_rsp.ar_ready;
  assign walk_rvalid_o  = walk_rsp.r_valid;
  assign walk_rid_o     = walk_rsp.r.id;
  assign walk_rdata_o   = walk_rsp.r.data;
  assign walk_rresp_o   = walk_rsp.r.resp;
  assign walk_rlast_o   = walk_rsp.r.last;

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

  // Walker response fields the flat port does not carry.
  logic rd_ending;  // the bench's write engine never waits on the read stream
  logic unused_walk;
  assign unused_walk = ^{walk_rsp.aw_ready, walk_rsp.w_ready, walk_rsp.b, walk_rsp.b_valid, rd_ending};

endmodule
