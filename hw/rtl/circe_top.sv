// SPDX-License-Identifier: Apache-2.0
//
// circe_top: the accelerator as an XRT RTL kernel. Flat ports with XRT's
// names (Verilator rejects interface ports on a top, and XRT's packager
// matches on the names): ap_clk, ap_rst_n (active low), interrupt, the
// s_axi_control AXI4-Lite slave (32-bit data, 12-bit address) and one AXI4
// master m_axi_* (64-bit address, 512-bit data, 4-bit IDs).
//
//   s_axi_control -> circe_ctrl_regs -> circe_cmdproc (array + requant inside)
//                                        |            |          \
//                                   circe_dma_rd  circe_dma_wr  circe_memeng (COPY,
//                                        |  \       /  |          |  PCHASE, SPMV, FOREST; own dma_rd/wr)
//                                        |   circe_mmu |-----------+  (ports 0: read,
//                                        |      |      |          |   1: write, 2/3:
//                                        circe_axi_mux -----------+   memeng read/write)
//                                             |
//                                           m_axi
//
// Reset: ap_rst_n resets everything; a RESET register write resets the
// datapath (command processor, DMA engines, memory engine, MMU, AXI mux) through
// circe_ctrl_regs' core_rst_no while the register file keeps its state
// (docs/rtl.md, "Register block"). The DMA engines' and the command
// processor's soft aborts are not used: the datapath reset also ends a job
// whose bursts the bus never answers.
module circe_top #(
  parameter int unsigned Rows      = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_ROWS,
  parameter int unsigned Cols      = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS,
  parameter int unsigned L1Entries = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned L2Sets    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,  // 0: no L2 TLB
  parameter int unsigned L2Ways    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned NumAsids  = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned Walkers   = circe_pkg::CIRCE_HW_DEFAULT_WALKERS,  // page-table walks in flight
  // Ideal MMU (a measurement build, circe_mmu's Bypass): the bus carries
  // VAs, no TLB, no walks; FEATURES reports IDEAL_MMU so that no figure of
  // this build passes for the real MMU's.
  parameter bit          Bypass    = 1'b0
) (
  input  logic         ap_clk,
  input  logic         ap_rst_n,
  output logic         interrupt,

  // s_axi_control: AXI4-Lite slave
  input  logic         s_axi_control_awvalid,
  output logic         s_axi_control_awready,
  input  logic [11:0]  s_axi_control_awaddr,
  input  logic         s_axi_control_wvalid,
  output logic         s_axi_control_wready,
  input  logic [31:0]  s_axi_control_wdata,
  input  logic [3:0]   s_axi_control_wstrb,
  output logic         s_axi_control_bvalid,
  input  logic         s_axi_control_bready,
  output logic [1:0]   s_axi_control_bresp,
  input  logic         s_axi_control_arvalid,
  output logic         s_axi_control_arready,
  input  logic [11:0]  s_axi_control_araddr,
  output logic         s_axi_control_rvalid,
  input  logic         s_axi_control_rready,
  output logic [31:0]  s_axi_control_rdata,
  output logic [1:0]   s_axi_control_rresp,

  // m_axi: AXI4 master
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

  localparam int unsigned NumPorts = 4;  // MMU translation ports
  localparam int unsigned PortRd   = 0;
  localparam int unsigned PortWr   = 1;
  localparam int unsigned PortMeRd = 2;  // circe_memeng's read engine
  localparam int unsigned PortMeWr = 3;  // circe_memeng's write engine
  localparam int unsigned MmuSlots = 4;  // translations in flight per MMU port
  localparam int unsigned TrReqW   = circe_axi_pkg::TrReqWidth;
  localparam int unsigned TrRspW   = circe_axi_pkg::TrRspWidth;

  logic core_rst_n;

  // ---- job: register block <-> command processor ----
  logic                     job_start, job_busy, job_done;
  logic [63:0]              job_cmd_va;
  logic [31:0]              job_cmd_count, job_asid;
  circe_pkg::circe_status_e job_status;
  logic [31:0]              job_err_index;
  circe_axi_pkg::addr_t     job_err_va;

  // ---- command processor <-> DMA engines ----
  logic                     rd_busy, wr_busy;
  logic                     rd_cmd_valid, rd_cmd_ready;
  circe_axi_pkg::addr_t     rd_cmd_va;
  logic [31:0]              rd_cmd_bytes;
  logic                     rd_data_valid, rd_data_ready, rd_data_last;
  circe_axi_pkg::data_t     rd_data;
  logic [6:0]               rd_data_bytes;
  logic                     rd_sts_valid, rd_sts_ready;
  circe_pkg::circe_status_e rd_sts_code;
  circe_axi_pkg::addr_t     rd_sts_va;
  logic [31:0]              rd_sts_flags;
  logic                     rd_ending;  // no write here waits on the read stream

  logic                     wr_cmd_valid, wr_cmd_ready;
  circe_axi_pkg::addr_t     wr_cmd_va;
  logic [31:0]              wr_cmd_bytes;
  logic                     wr_data_valid, wr_data_ready;
  circe_axi_pkg::data_t     wr_data;
  logic                     wr_sts_valid, wr_sts_ready;
  circe_pkg::circe_status_e wr_sts_code;
  circe_axi_pkg::addr_t     wr_sts_va;
  logic [31:0]              wr_sts_flags;

  // ---- translation ports ----
  logic [NumPorts-1:0]        tr_req_valid, tr_req_ready, tr_rsp_valid, tr_rsp_ready;
  logic [NumPorts*TrReqW-1:0] tr_req;
  logic [NumPorts*TrRspW-1:0] tr_rsp;
  circe_axi_pkg::tr_req_t     rd_tr_req, wr_tr_req;
  circe_axi_pkg::tr_rsp_t     rd_tr_rsp, wr_tr_rsp;

  // ---- MMU <-> register block ----
  logic [NumAsids*64-1:0] pt_root;
  logic [NumAsids-1:0]    pt_root_valid;
  logic                   inv_valid, inv_ready, inv_done, inv_ack;
  logic                   rd_old_busy, wr_old_busy, me_old_busy;
  logic [1:0]             inv_type;
  logic [15:0]            inv_asid;
  logic [63:0]            inv_va;
  logic [31:0]            inv_pages;
  logic                   fault_valid, fault_resp_valid;
  logic [63:0]            fault_va;
  logic [31:0]            fault_flags, fault_resp;
  logic [15:0]            fault_asid;

  // ---- AXI ----
  circe_axi_pkg::axi_req_t rd_axi_req, walk_axi_req, wr_axi_req, me_axi_req, axi_req;
  circe_axi_pkg::axi_rsp_t rd_axi_rsp, walk_axi_rsp, wr_axi_rsp, me_axi_rsp, axi_rsp;

  // ---- command processor <-> memory engine ----
  logic                     me_start, me_busy, me_done, me_pchase, me_stop_null;
  logic [11:0]              me_next_off, me_val_off;
  logic                     me_forest, me_per_tree;
  logic                     me_spmv;
  logic [31:0]              me_nnz;
  circe_axi_pkg::addr_t     me_col_va, me_val_va;
  circe_axi_pkg::addr_t     me_x_va;
  logic [31:0]              me_features;
  logic [12:0]              me_max_depth;
  circe_axi_pkg::addr_t     me_src, me_dst, me_va;
  logic [31:0]              me_bytes, me_flags;
  circe_pkg::circe_status_e me_code;
  circe_axi_pkg::tr_req_t   me_rd_tr_req, me_wr_tr_req;
  circe_axi_pkg::tr_rsp_t   me_rd_tr_rsp, me_wr_tr_rsp;
  logic [6:0]               me_rd_bytes, me_wr_bytes, cp_rd_bytes, cp_wr_bytes;

  // ---- performance events ----
  logic                perf_compute, perf_desc, perf_walk;
  logic [Walkers-1:0]  perf_walk_cycle;
  logic                perf_fault, perf_line_read, perf_l2_hit, perf_l2_miss;
  logic                perf_l2_fill, perf_l2_evict, perf_pf;
  logic [Walkers-1:0]  perf_pte_read, perf_wc_hit;
  logic [1:0]          mmu_mode;
  logic                perf_rd_beat, perf_wr_beat;
  logic [31:0]         perf_macs;
  logic [6:0]          perf_rd_bytes, perf_wr_bytes;
  logic [NumPorts-1:0] perf_l1_hit, perf_l1_miss, perf_stall;
  logic [NumPorts*MmuSlots-1:0] perf_retry;  // bench coverage; no counter

  circe_ctrl_regs #(
    .Rows     (Rows),
    .Cols     (Cols),
    .L1Entries(L1Entries),
    .L2Sets   (L2Sets),
    .L2Ways   (L2Ways),
    .NumAsids (NumAsids),
    .Walkers  (Walkers),
    .NumPorts (NumPorts),
    .Bypass   (Bypass)
  ) u_regs (
    .clk_i             (ap_clk),
    .rst_ni            (ap_rst_n),
    .s_awvalid_i       (s_axi_control_awvalid),
    .s_awready_o       (s_axi_control_awready),
    .s_awaddr_i        (s_axi_control_awaddr),
    .s_wvalid_i        (s_axi_control_wvalid),
    .s_wready_o        (s_axi_control_wready),
    .s_wdata_i         (s_axi_control_wdata),
    .s_wstrb_i         (s_axi_control_wstrb),
    .s_bvalid_o        (s_axi_control_bvalid),
    .s_bready_i        (s_axi_control_bready),
    .s_bresp_o         (s_axi_control_bresp),
    .s_arvalid_i       (s_axi_control_arvalid),
    .s_arready_o       (s_axi_control_arready),
    .s_araddr_i        (s_axi_control_araddr),
    .s_rvalid_o        (s_axi_control_rvalid),
    .s_rready_i        (s_axi_control_rready),
    .s_rdata_o         (s_axi_control_rdata),
    .s_rresp_o         (s_axi_control_rresp),
    .interrupt_o       (interrupt),
    .core_rst_no       (core_rst_n),
    .start_o           (job_start),
    .cmd_va_o          (job_cmd_va),
    .cmd_count_o       (job_cmd_count),
    .asid_o            (job_asid),
    .done_i            (job_done),
    .status_i          (job_status),
    .err_index_i       (job_err_index),
    .err_va_i          (job_err_va),
    .pt_root_o         (pt_root),
    .pt_root_valid_o   (pt_root_valid),
    .mmu_mode_o        (mmu_mode),
    .inv_valid_o       (inv_valid),
    .inv_ready_i       (inv_ready),
    .inv_type_o        (inv_type),
    .inv_asid_o        (inv_asid),
    .inv_va_o          (inv_va),
    .inv_pages_o       (inv_pages),
    .inv_done_i        (inv_ack),
    .fault_valid_i     (fault_valid),
    .fault_va_i        (fault_va),
    .fault_flags_i     (fault_flags),
    .fault_asid_i      (fault_asid),
    .fault_resp_valid_o(fault_resp_valid),
    .fault_resp_o      (fault_resp),
    .perf_compute_i    (perf_compute),
    .perf_macs_i       (perf_macs),
    .perf_desc_i       (perf_desc),
    .perf_rd_bytes_i   (perf_rd_bytes),
    .perf_wr_bytes_i   (perf_wr_bytes),
    .perf_l1_hit_i     (perf_l1_hit),
    .perf_l1_miss_i    (perf_l1_miss),
    .perf_stall_i      (perf_stall),
    .perf_l2_hit_i     (perf_l2_hit),
    .perf_l2_miss_i    (perf_l2_miss),
    .perf_walk_i       (perf_walk),
    .perf_walk_cycle_i (perf_walk_cycle),
    .perf_fault_i      (perf_fault),
    .perf_pte_read_i   (perf_pte_read),
    .perf_wc_hit_i     (perf_wc_hit),
    .perf_line_read_i  (perf_line_read)
  );

  circe_cmdproc #(
    .Rows(Rows),
    .Cols(Cols)
  ) u_cmdproc (
    .clk_i          (ap_clk),
    .rst_ni         (core_rst_n),
    .start_i        (job_start),
    .abort_i        (1'b0),
    .cmd_va_i       (job_cmd_va),
    .cmd_count_i    (job_cmd_count),
    .busy_o         (job_busy),
    .done_o         (job_done),
    .status_o       (job_status),
    .err_index_o    (job_err_index),
    .err_va_o       (job_err_va),
    .rd_cmd_valid_o (rd_cmd_valid),
    .rd_cmd_ready_i (rd_cmd_ready),
    .rd_cmd_va_o    (rd_cmd_va),
    .rd_cmd_bytes_o (rd_cmd_bytes),
    .rd_data_valid_i(rd_data_valid),
    .rd_data_ready_o(rd_data_ready),
    .rd_data_i      (rd_data),
    .rd_data_bytes_i(rd_data_bytes),
    .rd_data_last_i (rd_data_last),
    .rd_sts_valid_i (rd_sts_valid),
    .rd_sts_ready_o (rd_sts_ready),
    .rd_sts_code_i  (rd_sts_code),
    .rd_sts_va_i    (rd_sts_va),
    .rd_sts_flags_i (rd_sts_flags),
    .wr_cmd_valid_o (wr_cmd_valid),
    .wr_cmd_ready_i (wr_cmd_ready),
    .wr_cmd_va_o    (wr_cmd_va),
    .wr_cmd_bytes_o (wr_cmd_bytes),
    .wr_data_valid_o(wr_data_valid),
    .wr_data_ready_i(wr_data_ready),
    .wr_data_o      (wr_data),
    .wr_sts_valid_i (wr_sts_valid),
    .wr_sts_ready_o (wr_sts_ready),
    .wr_sts_code_i  (wr_sts_code),
    .wr_sts_va_i    (wr_sts_va),
    .wr_sts_flags_i (wr_sts_flags),
    .perf_compute_o (perf_compute),
    .perf_macs_o    (perf_macs),
    .me_start_o     (me_start),
    .me_src_o       (me_src),
    .me_dst_o       (me_dst),
    .me_bytes_o     (me_bytes),
    .me_pchase_o    (me_pchase),
    .me_next_off_o  (me_next_off),
    .me_val_off_o   (me_val_off),
    .me_stop_null_o (me_stop_null),
    .me_forest_o    (me_forest),
    .me_x_va_o      (me_x_va),
    .me_features_o  (me_features),
    .me_max_depth_o (me_max_depth),
    .me_per_tree_o  (me_per_tree),
    .me_spmv_o      (me_spmv),
    .me_nnz_o       (me_nnz),
    .me_col_va_o    (me_col_va),
    .me_val_va_o    (me_val_va),
    .me_done_i      (me_done),
    .me_code_i      (me_code),
    .me_va_i        (me_va),
    .me_flags_i     (me_flags),
    .perf_desc_o    (perf_desc)
  );

  circe_memeng u_memeng (
    .clk_i             (ap_clk),
    .rst_ni            (core_rst_n),
    .start_i           (me_start),
    .src_va_i          (me_src),
    .dst_va_i          (me_dst),
    .bytes_i           (me_bytes),
    .op_pchase_i       (me_pchase),
    .next_off_i        (me_next_off),
    .val_off_i         (me_val_off),
    .stop_null_i       (me_stop_null),
    .op_forest_i       (me_forest),
    .x_va_i            (me_x_va),
    .features_i        (me_features),
    .max_depth_i       (me_max_depth),
    .per_tree_i        (me_per_tree),
    .op_spmv_i         (me_spmv),
    .nnz_i             (me_nnz),
    .col_va_i          (me_col_va),
    .val_va_i          (me_val_va),
    .busy_o            (me_busy),
    .done_o            (me_done),
    .code_o            (me_code),
    .va_o              (me_va),
    .flags_o           (me_flags),
    .rd_tr_req_valid_o (tr_req_valid[PortMeRd]),
    .rd_tr_req_ready_i (tr_req_ready[PortMeRd]),
    .rd_tr_req_o       (me_rd_tr_req),
    .rd_tr_rsp_valid_i (tr_rsp_valid[PortMeRd]),
    .rd_tr_rsp_ready_o (tr_rsp_ready[PortMeRd]),
    .rd_tr_rsp_i       (me_rd_tr_rsp),
    .wr_tr_req_valid_o (tr_req_valid[PortMeWr]),
    .wr_tr_req_ready_i (tr_req_ready[PortMeWr]),
    .wr_tr_req_o       (me_wr_tr_req),
    .wr_tr_rsp_valid_i (tr_rsp_valid[PortMeWr]),
    .wr_tr_rsp_ready_o (tr_rsp_ready[PortMeWr]),
    .wr_tr_rsp_i       (me_wr_tr_rsp),
    .axi_req_o         (me_axi_req),
    .axi_rsp_i         (me_axi_rsp),
    .inv_drop_i        (inv_done),
    .old_busy_o        (me_old_busy),
    .perf_rd_bytes_o   (me_rd_bytes),
    .perf_wr_bytes_o   (me_wr_bytes)
  );

  assign tr_req[PortMeRd*TrReqW +: TrReqW] = me_rd_tr_req;
  assign tr_req[PortMeWr*TrReqW +: TrReqW] = me_wr_tr_req;
  assign me_rd_tr_rsp = tr_rsp[PortMeRd*TrRspW +: TrRspW];
  assign me_wr_tr_rsp = tr_rsp[PortMeWr*TrRspW +: TrRspW];

  // The command processor waits for the memory engine, so their engines
  // never move data in the same cycle: the sums fit 7 bits.
  assign perf_rd_bytes = cp_rd_bytes + me_rd_bytes;
  assign perf_wr_bytes = cp_wr_bytes + me_wr_bytes;

  circe_dma_rd u_dma_rd (
    .clk_i         (ap_clk),
    .rst_ni        (core_rst_n),
    .abort_i       (1'b0),
    .busy_o        (rd_busy),
    .inv_drop_i    (inv_done),
    .old_busy_o    (rd_old_busy),
    .cmd_valid_i   (rd_cmd_valid),
    .cmd_ready_o   (rd_cmd_ready),
    .cmd_va_i      (rd_cmd_va),
    .cmd_bytes_i   (rd_cmd_bytes),
    .out_valid_o   (rd_data_valid),
    .out_ready_i   (rd_data_ready),
    .out_data_o    (rd_data),
    .out_bytes_o   (rd_data_bytes),
    .out_last_o    (rd_data_last),
    .sts_valid_o   (rd_sts_valid),
    .sts_ready_i   (rd_sts_ready),
    .sts_code_o    (rd_sts_code),
    .sts_va_o      (rd_sts_va),
    .sts_flags_o   (rd_sts_flags),
    .ending_o      (rd_ending),
    .tr_req_valid_o(tr_req_valid[PortRd]),
    .tr_req_ready_i(tr_req_ready[PortRd]),
    .tr_req_o      (rd_tr_req),
    .tr_rsp_valid_i(tr_rsp_valid[PortRd]),
    .tr_rsp_ready_o(tr_rsp_ready[PortRd]),
    .tr_rsp_i      (rd_tr_rsp),
    .axi_req_o     (rd_axi_req),
    .axi_rsp_i     (rd_axi_rsp),
    .perf_beat_o   (perf_rd_beat),
    .perf_bytes_o  (cp_rd_bytes)
  );

  circe_dma_wr u_dma_wr (
    .clk_i         (ap_clk),
    .rst_ni        (core_rst_n),
    .abort_i       (1'b0),
    .busy_o        (wr_busy),
    .inv_drop_i    (inv_done),
    .old_busy_o    (wr_old_busy),
    .cmd_valid_i   (wr_cmd_valid),
    .cmd_ready_o   (wr_cmd_ready),
    .cmd_va_i      (wr_cmd_va),
    .cmd_bytes_i   (wr_cmd_bytes),
    .in_valid_i    (wr_data_valid),
    .in_ready_o    (wr_data_ready),
    .in_data_i     (wr_data),
    .in_avail_i    ('1),  // no AwGate: its data is always at hand
    .sts_valid_o   (wr_sts_valid),
    .sts_ready_i   (wr_sts_ready),
    .sts_code_o    (wr_sts_code),
    .sts_va_o      (wr_sts_va),
    .sts_flags_o   (wr_sts_flags),
    .tr_req_valid_o(tr_req_valid[PortWr]),
    .tr_req_ready_i(tr_req_ready[PortWr]),
    .tr_req_o      (wr_tr_req),
    .tr_rsp_valid_i(tr_rsp_valid[PortWr]),
    .tr_rsp_ready_o(tr_rsp_ready[PortWr]),
    .tr_rsp_i      (wr_tr_rsp),
    .axi_req_o     (wr_axi_req),
    .axi_rsp_i     (wr_axi_rsp),
    .perf_beat_o   (perf_wr_beat),
    .perf_bytes_o  (cp_wr_bytes)
  );

  assign tr_req[PortRd*TrReqW +: TrReqW] = rd_tr_req;
  assign tr_req[PortWr*TrReqW +: TrReqW] = wr_tr_req;
  assign rd_tr_rsp = tr_rsp[PortRd*TrRspW +: TrRspW];
  assign wr_tr_rsp = tr_rsp[PortWr*TrRspW +: TrRspW];

  circe_mmu #(
    .NumPorts (NumPorts),
    .Slots    (MmuSlots),
    .L1Entries(L1Entries),
    .L2Sets   (L2Sets),
    .L2Ways   (L2Ways),
    .NumAsids (NumAsids),
    .Walkers  (Walkers),
    .Bypass   (Bypass)
  ) u_mmu (
    .clk_i             (ap_clk),
    .rst_ni            (core_rst_n),
    .tr_req_valid_i    (tr_req_valid),
    .tr_req_ready_o    (tr_req_ready),
    .tr_req_i          (tr_req),
    .tr_rsp_valid_o    (tr_rsp_valid),
    .tr_rsp_ready_i    (tr_rsp_ready),
    .tr_rsp_o          (tr_rsp),
    .asid_i            (job_asid),
    .pt_root_i         (pt_root),
    .pt_root_valid_i   (pt_root_valid),
    .mode_i            (mmu_mode),
    .inv_valid_i       (inv_valid),
    .inv_ready_o       (inv_ready),
    .inv_type_i        (inv_type),
    .inv_asid_i        (inv_asid),
    .inv_va_i          (inv_va),
    .inv_pages_i       (inv_pages),
    .inv_done_o        (inv_done),
    .fault_valid_o     (fault_valid),
    .fault_va_o        (fault_va),
    .fault_flags_o     (fault_flags),
    .fault_asid_o      (fault_asid),
    .fault_resp_valid_i(fault_resp_valid),
    .fault_resp_i      (fault_resp),
    .axi_req_o         (walk_axi_req),
    .axi_rsp_i         (walk_axi_rsp),
    .perf_l1_hit_o     (perf_l1_hit),
    .perf_l1_miss_o    (perf_l1_miss),
    .perf_l2_hit_o     (perf_l2_hit),
    .perf_l2_miss_o    (perf_l2_miss),
    .perf_l2_fill_o    (perf_l2_fill),
    .perf_l2_evict_o   (perf_l2_evict),
    .perf_pf_o         (perf_pf),
    .perf_walk_o       (perf_walk),
    .perf_walk_cycle_o (perf_walk_cycle),
    .perf_fault_o      (perf_fault),
    .perf_stall_o      (perf_stall),
    .perf_retry_o      (perf_retry),
    .perf_pte_read_o   (perf_pte_read),
    .perf_wc_hit_o     (perf_wc_hit),
    .perf_line_read_o  (perf_line_read)
  );

  // ---- invalidation acknowledge ----
  // The host unpins and frees the pages of an invalidation as soon as
  // INV_ACK counts it (svm/: clear PTEs, invalidate, wait, unpin), so the
  // acknowledge waits, after the MMU's inv_done, for every burst that may
  // have used an old translation. The MMU's done pulse is the engines' drop
  // (not the start of the invalidation: a RANGE invalidation scans the L1
  // while lookups go on, so a translation answered before the done may be
  // stale); the engines snapshot their bursts in flight at it and report
  // old_busy from the next cycle, when the gate looks. The gate lives here,
  // not in circe_mmu: the MMU stays about TLBs and needs no view of the
  // engines, and its walks must go on meanwhile (a COPY's write bursts may
  // wait for read data whose translation needs a walk). circe_ctrl_regs
  // keeps a second INV_CMD in its write channel until this acknowledge, so
  // one invalidation at a time reaches the gate.
  logic inv_ack_wait_d, inv_ack_wait_q, old_busy;

  assign old_busy       = rd_old_busy | wr_old_busy | me_old_busy;
  assign inv_ack_wait_d = inv_done || (inv_ack_wait_q && old_busy);
  assign inv_ack        = inv_ack_wait_q && !old_busy;

  always_ff @(posedge ap_clk or negedge core_rst_n) begin
    if (!core_rst_n) begin
      inv_ack_wait_q <= 1'b0;
    end else begin
      inv_ack_wait_q <= inv_ack_wait_d;
    end
  end

`ifndef SYNTHESIS
  // One invalidation at a time: the MMU cannot finish another while the
  // acknowledge waits (circe_ctrl_regs holds the next INV_CMD).
  inv_one_at_a_time: assert property (@(posedge ap_clk) disable iff (!core_rst_n)
    inv_ack_wait_q |-> !inv_done);
`endif

  circe_axi_mux u_mux (
    .clk_i     (ap_clk),
    .rst_ni    (core_rst_n),
    .rd_req_i  (rd_axi_req),
    .rd_rsp_o  (rd_axi_rsp),
    .walk_req_i(walk_axi_req),
    .walk_rsp_o(walk_axi_rsp),
    .wr_req_i  (wr_axi_req),
    .wr_rsp_o  (wr_axi_rsp),
    .me_req_i  (me_axi_req),
    .me_rsp_o  (me_axi_rsp),
    .axi_req_o (axi_req),
    .axi_rsp_i (axi_rsp)
  );

  // ---- m_axi: the mux's structs on XRT's flat names ----
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

  always_comb begin
    axi_rsp          = '0;
    axi_rsp.aw_ready = m_axi_awready;
    axi_rsp.w_ready  = m_axi_wready;
    axi_rsp.b_valid  = m_axi_bvalid;
    axi_rsp.b.id     = m_axi_bid;
    axi_rsp.b.resp   = m_axi_bresp;
    axi_rsp.ar_ready = m_axi_arready;
    axi_rsp.r_valid  = m_axi_rvalid;
    axi_rsp.r.id     = m_axi_rid;
    axi_rsp.r.data   = m_axi_rdata;
    axi_rsp.r.resp   = m_axi_rresp;
    axi_rsp.r.last   = m_axi_rlast;
  end

  // Status outputs the top does not need: the register block keeps its own
  // busy (ap_start .. done), the engines report through their statuses.
  logic unused_top;
  assign unused_top = ^{job_busy, rd_busy, wr_busy, me_busy, perf_rd_beat, perf_wr_beat,
                        perf_l2_fill, perf_l2_evict, perf_pf, perf_retry, rd_ending};

endmodule
