// SPDX-License-Identifier: Apache-2.0
//
// The s_axi_control register block: an AXI4-Lite slave (32-bit data, 12-bit
// address) for every register of include/circe/hw.h, with the semantics of
// sim/fmodel/fmodel.c (docs/driver.md, "The functional model"):
//
// - XRT control block: ap_start is taken only when idle; ap_idle = no job;
//   ap_done / ap_ready are set when a job ends and clear on a read of CTRL
//   (ISR.DONE keeps the latched done). ISR latches regardless of IER and is
//   write-1-to-clear; interrupt_o = GIE[0] & |(ISR & IER).
// - Arguments CMD_VA, CMD_COUNT, ASID; the job's ASID is latched at ap_start
//   (a later ASID write does not change the running job's address space).
// - STATUS / ERR_INDEX / ERR_VA: latched from the command processor at done.
// - PT_ASID_SEL selects the root that PT_ROOT_LO/HI read; PT_ROOT_HI writes a
//   staging register and a PT_ROOT_LO write commits {staging, LO[31:12]} and
//   the valid bit for the selected ASID (ignored for ASIDs >= NumAsids).
// - INV_CMD hands the command to the MMU (a second INV_CMD waits in the
//   write channel until the first is done); INV_ACK counts inv_done_i.
// - FAULT_STATUS / FAULT_VA show the MMU's fault-queue head; FAULT_RESP
//   RESUME / ABORT with a non-empty queue pulses fault_resp_valid_o.
// - RESET (write 1): holds the datapath (core_rst_no) in reset for
//   CoreResetCycles cycles: the job ends with STATUS = RESET (no done, no
//   interrupt), the TLB and fault queue are flushed (MMU reset), ISR, ap_done,
//   ap_ready and the counters clear; roots, GIE, IER and arguments stay. An
//   invalidation the reset cut short counts as done (the flush covers it).
//   The write's B response comes only after the datapath left reset, so a
//   master that sees it may assume no burst of the old job is in flight
//   (the vsim harness drops its memory model's transactions at that point).
// - MMU_CTRL: the TLB mode (CIRCE_HW_MMU_MODE_*, bits 1:0) for mmu_mode_o;
//   kept across RESET, like the roots.
// - PERF_CTRL (write 1) clears the 64-bit counters at PERF_BASE + 8 * id.
//
// Package names are qualified (circe_pkg::): Yosys 0.23 reads no import.
//
// Partial writes (wstrb != 4'hF) change nothing and answer SLVERR; unassigned
// offsets read 0 and ignore writes (as sim/fmodel).
module circe_ctrl_regs #(
  parameter int unsigned Rows            = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_ROWS,
  parameter int unsigned Cols            = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS,
  parameter int unsigned L1Entries       = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned NumAsids        = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned L2Sets          = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,  // 0: no L2
  parameter int unsigned L2Ways          = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned Walkers         = circe_pkg::CIRCE_HW_DEFAULT_WALKERS,
  parameter int unsigned NumPorts        = 2,  // MMU translation ports
  parameter int unsigned CoreResetCycles = 4,  // datapath reset length, >= 1
  parameter bit          Bypass          = 1'b0  // ideal-MMU build: FEATURES says so
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  // AXI4-Lite slave
  input  logic                     s_awvalid_i,
  output logic                     s_awready_o,
  input  logic [11:0]              s_awaddr_i,
  input  logic                     s_wvalid_i,
  output logic                     s_wready_o,
  input  logic [31:0]              s_wdata_i,
  input  logic [3:0]               s_wstrb_i,
  output logic                     s_bvalid_o,
  input  logic                     s_bready_i,
  output logic [1:0]               s_bresp_o,
  input  logic                     s_arvalid_i,
  output logic                     s_arready_o,
  input  logic [11:0]              s_araddr_i,
  output logic                     s_rvalid_o,
  input  logic                     s_rready_i,
  output logic [31:0]              s_rdata_o,
  output logic [1:0]               s_rresp_o,

  output logic                     interrupt_o,
  // Datapath reset: low while rst_ni is low or a RESET write is in effect.
  output logic                     core_rst_no,

  // Job (command processor)
  output logic                     start_o,        // one-cycle pulse
  output logic [63:0]              cmd_va_o,
  output logic [31:0]              cmd_count_o,
  output logic [31:0]              asid_o,         // the job's ASID (latched at start)
  input  logic                     done_i,         // one-cycle pulse
  input  circe_pkg::circe_status_e            status_i,       // with done_i
  input  logic [31:0]              err_index_i,    // with done_i
  input  logic [63:0]              err_va_i,       // with done_i

  // MMU
  output logic [NumAsids*64-1:0]   pt_root_o,
  output logic [NumAsids-1:0]      pt_root_valid_o,
  output logic [1:0]               mmu_mode_o,       // CIRCE_HW_MMU_MODE_*
  output logic                     inv_valid_o,
  input  logic                     inv_ready_i,
  output logic [1:0]               inv_type_o,
  output logic [15:0]              inv_asid_o,
  output logic [63:0]              inv_va_o,
  output logic [31:0]              inv_pages_o,
  input  logic                     inv_done_i,
  input  logic                     fault_valid_i,
  input  logic [63:0]              fault_va_i,
  input  logic [31:0]              fault_flags_i,
  input  logic [15:0]              fault_asid_i,
  output logic                     fault_resp_valid_o,
  output logic [31:0]              fault_resp_o,

  // Performance events, every cycle
  input  logic                     perf_compute_i,
  input  logic [31:0]              perf_macs_i,
  input  logic                     perf_desc_i,
  input  logic [6:0]               perf_rd_bytes_i,   // DMA read engine: bytes delivered
  input  logic [6:0]               perf_wr_bytes_i,   // DMA write engine: bytes written
  input  logic [NumPorts-1:0]      perf_l1_hit_i,
  input  logic [NumPorts-1:0]      perf_l1_miss_i,
  input  logic [NumPorts-1:0]      perf_stall_i,
  input  logic                     perf_l2_hit_i,
  input  logic                     perf_l2_miss_i,
  input  logic                     perf_walk_i,
  input  logic [Walkers-1:0]       perf_walk_cycle_i,  // per walker
  input  logic                     perf_fault_i,
  input  logic [Walkers-1:0]       perf_pte_read_i,    // per walker
  input  logic [Walkers-1:0]       perf_wc_hit_i,      // per walker
  input  logic                     perf_line_read_i
);

  localparam int unsigned NumPerf  = circe_pkg::CIRCE_PERF_COUNT;
  localparam int unsigned SelW     = (NumAsids > 1) ? $clog2(NumAsids) : 1;
  localparam int unsigned RstCntW  = $clog2(CoreResetCycles + 1);
  localparam int unsigned PteLineBytes = circe_axi_pkg::DataWidth / 8;
  localparam logic [31:0] Features = 32'((1 << circe_pkg::CIRCE_HW_FEAT_GEMM_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_INT4_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_OUT16_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_CIRC_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_LSTM_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_CYCLES_BIT) |
                                         (1 << circe_pkg::CIRCE_HW_FEAT_MEMENG_BIT) |
                                         ((L2Sets > 0 ? 1 : 0) << circe_pkg::CIRCE_HW_FEAT_TLB_L2_BIT) |
                                         ((Bypass ? 0 : 1) << circe_pkg::CIRCE_HW_FEAT_DEMAND_PAGING_BIT) |
                                         ((Bypass ? 1 : 0) << circe_pkg::CIRCE_HW_FEAT_IDEAL_MMU_BIT));
  localparam logic [1:0]  RespOkay   = 2'b00;
  localparam logic [1:0]  RespSlvErr = 2'b10;
  localparam logic [11:0] PerfEnd    = circe_pkg::CIRCE_REG_PERF_BASE + 12'(8 * NumPerf);
  localparam logic [31:0] IrqMask    = circe_pkg::CIRCE_HW_IRQ_DONE | circe_pkg::CIRCE_HW_IRQ_FAULT;

  // ---- state --------------------------------------------------------------
  // AXI4-Lite
  logic        aw_full_d, aw_full_q;
  logic [11:0] awaddr_d, awaddr_q;
  logic        w_full_d, w_full_q;
  logic [31:0] wdata_d, wdata_q;
  logic [3:0]  wstrb_d, wstrb_q;
  logic        bvalid_d, bvalid_q;
  logic [1:0]  bresp_d, bresp_q;
  logic        rst_wait_d, rst_wait_q;  // RESET write: B after the datapath reset
  logic        rvalid_d, rvalid_q;
  logic [31:0] rdata_d, rdata_q;

  // XRT control block, arguments, last job
  logic        start_pend_d, start_pend_q;  // ap_start written, not yet handed over
  logic        active_d, active_q;          // the command processor owns a job
  logic        ap_done_d, ap_done_q;
  logic        ap_ready_d, ap_ready_q;
  logic        gie_d, gie_q;
  logic [1:0]  mmu_mode_d, mmu_mode_q;
  logic [1:0]  ier_d, ier_q;
  logic [1:0]  isr_d, isr_q;
  logic [63:0] cmd_va_d, cmd_va_q;
  logic [31:0] cmd_count_d, cmd_count_q;
  logic [31:0] asid_d, asid_q;
  logic [31:0] job_asid_d, job_asid_q;
  logic [7:0]  st_code_d, st_code_q;
  logic [31:0] err_index_d, err_index_q;
  logic [63:0] err_va_d, err_va_q;

  // Datapath reset
  logic               core_rst_d, core_rst_q;
  logic [RstCntW-1:0] rst_cnt_d, rst_cnt_q;

  // MMU
  logic [31:0]         pt_sel_d, pt_sel_q;
  logic [31:0]         pt_hi_d, pt_hi_q;
  logic [NumAsids-1:0] root_we;
  logic [51:0]         root_d;           // IOVA bits 63:12 to commit
  logic                root_valid_d;
  logic [NumAsids*52-1:0] root_q;      // IOVA bits 63:12 of ASID a: [a*52 +: 52]
  logic [NumAsids-1:0] root_valid_q;
  logic        inv_valid_d, inv_valid_q;
  logic        inv_busy_d, inv_busy_q;   // accepted by the MMU, not yet done
  logic [1:0]  inv_type_d, inv_type_q;
  logic [15:0] inv_asid_d, inv_asid_q;
  logic [63:0] inv_va_d, inv_va_q;
  logic [31:0] inv_pages_d, inv_pages_q;
  logic [31:0] inv_ack_d, inv_ack_q;
  logic        fresp_valid_d, fresp_valid_q;
  logic [31:0] fresp_d, fresp_q;

  // Counters
  logic [NumPerf*64-1:0] perf_q;    // counter i: [i*64 +: 64]
  logic [NumPerf*64-1:0] perf_inc;  // counter i: [i*64 +: 64]
  logic        perf_clr;

  // ---- decode -------------------------------------------------------------
  logic        wr_go, rd_go;          // a write is performed / a read is taken this cycle
  logic [11:0] waddr, raddr;
  logic [31:0] wval;
  logic        wfull_word;
  logic        busy;
  logic        do_reset;              // the RESET write is performed this cycle
  logic        wr_blocked;
  logic [31:0] rval;
  logic        id_hit;
  logic [31:0] id_rdata;
  logic [SelW-1:0] sel_idx, rd_sel_idx;
  logic        sel_ok;

  assign busy  = start_pend_q | active_q;
  assign waddr = {awaddr_q[11:2], 2'b00};
  assign raddr = {s_araddr_i[11:2], 2'b00};
  assign wval  = wdata_q;
  assign wfull_word = (wstrb_q == 4'hF);
  assign sel_ok  = (pt_sel_q < 32'(NumAsids));
  assign sel_idx = SelW'(pt_sel_q);
  assign rd_sel_idx = sel_idx;

  // A second invalidation waits in the write channel until the first is done.
  assign wr_blocked = (waddr == circe_pkg::CIRCE_REG_INV_CMD) && (inv_valid_q || inv_busy_q);
  assign wr_go = aw_full_q && w_full_q && !bvalid_q && !rst_wait_q && !wr_blocked;
  assign rd_go = s_arvalid_i && !rvalid_q;
  assign do_reset = wr_go && wfull_word && (waddr == circe_pkg::CIRCE_REG_RESET) && wval[0];

  circe_id_regs #(
    .ArrayRows   (Rows),
    .ArrayCols   (Cols),
    .TlbL1Entries(L1Entries),
    .TlbL2Sets   (L2Sets),
    .TlbL2Ways   ((L2Sets > 0) ? L2Ways : 0),
    .NumAsids    (NumAsids),
    .Walkers     (Walkers),
    .Features    (Features)
  ) u_id (
    .addr_i (raddr),
    .hit_o  (id_hit),
    .rdata_o(id_rdata)
  );

  // ---- read value (side-effect free; CTRL's clear-on-read is below) --------
  logic [11:0] poff;
  logic [3:0]  pidx;
  logic [6:0]  poff_unused;
  logic [63:0] perf_sel;   // the counter the read address names
  logic [51:0] root_sel;   // the root PT_ASID_SEL names
  assign poff = raddr - circe_pkg::CIRCE_REG_PERF_BASE;
  assign pidx = poff[6:3];
  assign poff_unused = {poff[11:7], poff[1:0]};

  // Muxes over the flat vectors with constant part-selects (a variable
  // part-select would synthesize as a shifter).
  always_comb begin
    perf_sel = '0;
    for (int unsigned i = 0; i < NumPerf; i++) begin
      if (pidx == 4'(i)) begin
        perf_sel = perf_q[i*64 +: 64];
      end
    end
    root_sel = '0;
    for (int unsigned a = 0; a < NumAsids; a++) begin
      if (rd_sel_idx == SelW'(a)) begin
        root_sel = root_q[a*52 +: 52];
      end
    end
  end

  always_comb begin
    rval = 32'h0;
    if (id_hit) begin
      rval = id_rdata;
    end else if (raddr >= circe_pkg::CIRCE_REG_PERF_BASE && raddr < PerfEnd) begin
      rval = poff[2] ? perf_sel[63:32] : perf_sel[31:0];
    end else begin
      unique case (raddr)
        circe_pkg::CIRCE_REG_CTRL: rval = (start_pend_q ? circe_pkg::CIRCE_HW_CTRL_AP_START : 32'h0) |
                               (ap_done_q ? circe_pkg::CIRCE_HW_CTRL_AP_DONE : 32'h0) |
                               (busy ? 32'h0 : circe_pkg::CIRCE_HW_CTRL_AP_IDLE) |
                               (ap_ready_q ? circe_pkg::CIRCE_HW_CTRL_AP_READY : 32'h0);
        circe_pkg::CIRCE_REG_GIE:       rval = {31'h0, gie_q};
        circe_pkg::CIRCE_REG_MMU_CTRL:  rval = {30'h0, mmu_mode_q};
        circe_pkg::CIRCE_REG_IER:       rval = {30'h0, ier_q};
        circe_pkg::CIRCE_REG_ISR:       rval = {30'h0, isr_q};
        circe_pkg::CIRCE_REG_CMD_VA_LO: rval = cmd_va_q[31:0];
        circe_pkg::CIRCE_REG_CMD_VA_HI: rval = cmd_va_q[63:32];
        circe_pkg::CIRCE_REG_CMD_COUNT: rval = cmd_count_q;
        circe_pkg::CIRCE_REG_ASID:      rval = asid_q;
        circe_pkg::CIRCE_REG_STATUS:    rval = {24'h0, st_code_q} |
                                    (busy ? circe_pkg::CIRCE_HW_STATUS_BUSY : 32'h0) |
                                    (fault_valid_i ? circe_pkg::CIRCE_HW_STATUS_FAULT_WAIT : 32'h0);
        circe_pkg::CIRCE_REG_ERR_INDEX: rval = err_index_q;
        circe_pkg::CIRCE_REG_ERR_VA_LO: rval = err_va_q[31:0];
        circe_pkg::CIRCE_REG_ERR_VA_HI: rval = err_va_q[63:32];
        circe_pkg::CIRCE_REG_PT_ASID_SEL: rval = pt_sel_q;
        circe_pkg::CIRCE_REG_PT_ROOT_LO: rval = sel_ok ? {root_sel[19:0], 11'h0,
                                               root_valid_q[rd_sel_idx]} : 32'h0;
        circe_pkg::CIRCE_REG_PT_ROOT_HI: rval = sel_ok ? root_sel[51:20] : 32'h0;
        circe_pkg::CIRCE_REG_INV_VA_LO: rval = inv_va_q[31:0];
        circe_pkg::CIRCE_REG_INV_VA_HI: rval = inv_va_q[63:32];
        circe_pkg::CIRCE_REG_INV_PAGES: rval = inv_pages_q;
        circe_pkg::CIRCE_REG_INV_ACK:   rval = inv_ack_q;
        circe_pkg::CIRCE_REG_FAULT_STATUS: rval = fault_valid_i ?
            (circe_pkg::CIRCE_HW_FAULT_PENDING | fault_flags_i |
             ({16'h0, fault_asid_i} << circe_pkg::CIRCE_HW_FAULT_ASID_SHIFT)) : 32'h0;
        circe_pkg::CIRCE_REG_FAULT_VA_LO: rval = fault_valid_i ? fault_va_i[31:0] : 32'h0;
        circe_pkg::CIRCE_REG_FAULT_VA_HI: rval = fault_valid_i ? fault_va_i[63:32] : 32'h0;
        default: rval = 32'h0;  // write-only and unassigned offsets
      endcase
    end
  end

  // ---- AXI4-Lite channels ---------------------------------------------------
  always_comb begin
    aw_full_d  = aw_full_q;
    awaddr_d   = awaddr_q;
    w_full_d   = w_full_q;
    wdata_d    = wdata_q;
    wstrb_d    = wstrb_q;
    bvalid_d   = bvalid_q;
    bresp_d    = bresp_q;
    rst_wait_d = rst_wait_q;
    rvalid_d   = rvalid_q;
    rdata_d    = rdata_q;

    if (s_awvalid_i && !aw_full_q) begin
      aw_full_d = 1'b1;
      awaddr_d  = s_awaddr_i;
    end
    if (s_wvalid_i && !w_full_q) begin
      w_full_d = 1'b1;
      wdata_d  = s_wdata_i;
      wstrb_d  = s_wstrb_i;
    end
    if (s_bvalid_o && s_bready_i) begin
      bvalid_d = 1'b0;
    end
    if (wr_go) begin
      aw_full_d = 1'b0;
      w_full_d  = 1'b0;
      bresp_d   = wfull_word ? RespOkay : RespSlvErr;
      if (do_reset) begin
        rst_wait_d = 1'b1;
      end else begin
        bvalid_d = 1'b1;
      end
    end
    if (rst_wait_q && !core_rst_q) begin
      rst_wait_d = 1'b0;
      bvalid_d   = 1'b1;
    end

    if (s_rvalid_o && s_rready_i) begin
      rvalid_d = 1'b0;
    end
    if (rd_go) begin
      rvalid_d = 1'b1;
      rdata_d  = rval;
    end
  end

  assign s_awready_o = !aw_full_q;
  assign s_wready_o  = !w_full_q;
  assign s_bvalid_o  = bvalid_q;
  assign s_bresp_o   = bresp_q;
  assign s_arready_o = !rvalid_q;
  assign s_rvalid_o  = rvalid_q;
  assign s_rdata_o   = rdata_q;
  assign s_rresp_o   = RespOkay;

  // ---- register semantics ---------------------------------------------------
  always_comb begin
    logic wr;

    start_pend_d  = start_pend_q;
    active_d      = active_q;
    ap_done_d     = ap_done_q;
    ap_ready_d    = ap_ready_q;
    gie_d         = gie_q;
    mmu_mode_d    = mmu_mode_q;
    ier_d         = ier_q;
    isr_d         = isr_q;
    cmd_va_d      = cmd_va_q;
    cmd_count_d   = cmd_count_q;
    asid_d        = asid_q;
    job_asid_d    = job_asid_q;
    st_code_d     = st_code_q;
    err_index_d   = err_index_q;
    err_va_d      = err_va_q;
    core_rst_d    = core_rst_q;
    rst_cnt_d     = rst_cnt_q;
    pt_sel_d      = pt_sel_q;
    pt_hi_d       = pt_hi_q;
    root_we       = '0;
    root_d        = {pt_hi_q, wval[31:12]};
    root_valid_d  = wval[0];
    inv_valid_d   = inv_valid_q;
    inv_busy_d    = inv_busy_q;
    inv_type_d    = inv_type_q;
    inv_asid_d    = inv_asid_q;
    inv_va_d      = inv_va_q;
    inv_pages_d   = inv_pages_q;
    inv_ack_d     = inv_ack_q;
    fresp_valid_d = 1'b0;
    fresp_d       = fresp_q;
    perf_clr      = 1'b0;
    start_o       = 1'b0;

    wr = wr_go && wfull_word;

    // Datapath reset countdown.
    if (core_rst_q) begin
      if (rst_cnt_q == '0) begin
        core_rst_d = 1'b0;
      end else begin
        rst_cnt_d = rst_cnt_q - 1'b1;
      end
    end

    // The job: hand a pending start over, take the end.
    if (start_pend_q && !core_rst_q) begin
      start_o      = 1'b1;
      start_pend_d = 1'b0;
      active_d     = 1'b1;
    end
    if (done_i && active_q) begin
      active_d    = 1'b0;
      st_code_d   = status_i;
      err_index_d = err_index_i;
      err_va_d    = err_va_i;
      ap_done_d   = 1'b1;
      ap_ready_d  = 1'b1;
    end

    // Invalidation handshake and completion.
    if (inv_valid_q && inv_ready_i) begin
      inv_valid_d = 1'b0;
      inv_busy_d  = 1'b1;
    end
    if (inv_done_i) begin
      inv_busy_d = 1'b0;
      inv_ack_d  = inv_ack_q + 1'b1;
    end

    // Clear on read (a done arriving in the same cycle survives).
    if (rd_go && raddr == circe_pkg::CIRCE_REG_CTRL) begin
      ap_done_d  = ap_done_d & (done_i & active_q);
      ap_ready_d = ap_ready_d & (done_i & active_q);
    end

    if (wr) begin
      unique case (waddr)
        circe_pkg::CIRCE_REG_CTRL: begin
          // AUTO_RESTART is not modelled (as sim/fmodel).
          if ((wval & circe_pkg::CIRCE_HW_CTRL_AP_START) != '0 && !busy && !core_rst_q) begin
            start_pend_d = 1'b1;
            ap_done_d    = 1'b0;
            ap_ready_d   = 1'b0;
            st_code_d    = circe_pkg::CIRCE_HW_ST_PENDING;
            err_index_d  = '0;
            err_va_d     = '0;
            job_asid_d   = asid_q;
          end
        end
        circe_pkg::CIRCE_REG_GIE:       gie_d = wval[0];
        circe_pkg::CIRCE_REG_MMU_CTRL:  mmu_mode_d = wval[1:0];
        circe_pkg::CIRCE_REG_IER:       ier_d = wval[1:0] & IrqMask[1:0];
        circe_pkg::CIRCE_REG_ISR:       isr_d = isr_d & ~wval[1:0];
        circe_pkg::CIRCE_REG_CMD_VA_LO: cmd_va_d[31:0] = wval;
        circe_pkg::CIRCE_REG_CMD_VA_HI: cmd_va_d[63:32] = wval;
        circe_pkg::CIRCE_REG_CMD_COUNT: cmd_count_d = wval;
        circe_pkg::CIRCE_REG_ASID:      asid_d = wval;
        circe_pkg::CIRCE_REG_PT_ASID_SEL: pt_sel_d = wval;
        circe_pkg::CIRCE_REG_PT_ROOT_HI:  pt_hi_d = wval;
        circe_pkg::CIRCE_REG_PT_ROOT_LO: begin
          if (sel_ok) begin
            root_we[sel_idx] = 1'b1;
          end
        end
        circe_pkg::CIRCE_REG_INV_VA_LO: inv_va_d[31:0] = wval;
        circe_pkg::CIRCE_REG_INV_VA_HI: inv_va_d[63:32] = wval;
        circe_pkg::CIRCE_REG_INV_PAGES: inv_pages_d = wval;
        circe_pkg::CIRCE_REG_INV_CMD: begin
          inv_valid_d = 1'b1;
          inv_type_d  = wval[1:0];
          inv_asid_d  = wval[31:16];
        end
        circe_pkg::CIRCE_REG_FAULT_RESP: begin
          if (fault_valid_i && (wval == circe_pkg::CIRCE_HW_FAULT_RESP_RESUME ||
                                wval == circe_pkg::CIRCE_HW_FAULT_RESP_ABORT)) begin
            fresp_valid_d = 1'b1;
            fresp_d       = wval;
          end
        end
        circe_pkg::CIRCE_REG_PERF_CTRL: perf_clr = wval[0];
        default: ;  // RESET below; read-only and unassigned offsets ignore writes
      endcase
    end

    // ISR: an event in the cycle of a write-1-to-clear survives it, so the
    // driver's clear-then-drain never loses a fault.
    if (done_i && active_q) begin
      isr_d[0] = 1'b1;
    end
    if (perf_fault_i) begin
      isr_d[1] = 1'b1;
    end

    // RESET wins over everything the job did in this cycle.
    if (do_reset) begin
      core_rst_d   = 1'b1;
      rst_cnt_d    = RstCntW'(CoreResetCycles - 1);
      if (busy) begin
        st_code_d   = circe_pkg::CIRCE_HW_ST_RESET;
        err_index_d = '0;
        err_va_d    = '0;
      end
      start_pend_d = 1'b0;
      active_d     = 1'b0;
      start_o      = 1'b0;
      isr_d        = '0;
      ap_done_d    = 1'b0;
      ap_ready_d   = 1'b0;
      perf_clr     = 1'b1;
      fresp_valid_d = 1'b0;
      // The MMU's flush covers an invalidation in progress: count it.
      if (inv_valid_q || inv_busy_q) begin
        inv_valid_d = 1'b0;
        inv_busy_d  = 1'b0;
        inv_ack_d   = inv_ack_q + 1'b1;
      end
    end
  end

  // ---- counters -------------------------------------------------------------
  function automatic logic [63:0] popcount(input logic [NumPorts-1:0] v);
    popcount = '0;
    for (int unsigned i = 0; i < NumPorts; i++) begin
      popcount = popcount + 64'(v[i]);
    end
  endfunction

  function automatic logic [63:0] popcount_w(input logic [Walkers-1:0] v);
    popcount_w = '0;
    for (int unsigned i = 0; i < Walkers; i++) begin
      popcount_w = popcount_w + 64'(v[i]);
    end
  endfunction

  always_comb begin
    perf_inc = '0;
    perf_inc[circe_pkg::CIRCE_PERF_CYCLES*64 +: 64]         = 64'(busy);
    perf_inc[circe_pkg::CIRCE_PERF_COMPUTE_CYCLES*64 +: 64] = 64'(perf_compute_i);
    perf_inc[circe_pkg::CIRCE_PERF_MACS*64 +: 64]           = 64'(perf_macs_i);
    perf_inc[circe_pkg::CIRCE_PERF_DMA_RD_BYTES*64 +: 64]   = 64'(perf_rd_bytes_i) +
                                                (perf_line_read_i ? 64'(PteLineBytes) : 64'h0);
    perf_inc[circe_pkg::CIRCE_PERF_DMA_WR_BYTES*64 +: 64]   = 64'(perf_wr_bytes_i);
    perf_inc[circe_pkg::CIRCE_PERF_TLB_L1_HITS*64 +: 64]    = popcount(perf_l1_hit_i);
    perf_inc[circe_pkg::CIRCE_PERF_TLB_L1_MISSES*64 +: 64]  = popcount(perf_l1_miss_i);
    perf_inc[circe_pkg::CIRCE_PERF_TLB_L2_HITS*64 +: 64]    = 64'(perf_l2_hit_i);
    perf_inc[circe_pkg::CIRCE_PERF_TLB_L2_MISSES*64 +: 64]  = 64'(perf_l2_miss_i);
    perf_inc[circe_pkg::CIRCE_PERF_WALKS*64 +: 64]          = 64'(perf_walk_i);
    perf_inc[circe_pkg::CIRCE_PERF_WALK_CYCLES*64 +: 64]    = popcount_w(perf_walk_cycle_i);
    perf_inc[circe_pkg::CIRCE_PERF_FAULTS*64 +: 64]         = 64'(perf_fault_i);
    perf_inc[circe_pkg::CIRCE_PERF_STALL_CYCLES*64 +: 64]   = popcount(perf_stall_i);
    perf_inc[circe_pkg::CIRCE_PERF_DESCRIPTORS*64 +: 64]    = 64'(perf_desc_i);
    perf_inc[circe_pkg::CIRCE_PERF_PTE_READS*64 +: 64]      = popcount_w(perf_pte_read_i);
    perf_inc[circe_pkg::CIRCE_PERF_WALK_CACHE_HITS*64 +: 64] = popcount_w(perf_wc_hit_i);
  end

  // ---- flops ----------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_full_q     <= 1'b0;
      awaddr_q      <= '0;
      w_full_q      <= 1'b0;
      wdata_q       <= '0;
      wstrb_q       <= '0;
      bvalid_q      <= 1'b0;
      bresp_q       <= RespOkay;
      rst_wait_q    <= 1'b0;
      rvalid_q      <= 1'b0;
      rdata_q       <= '0;
      start_pend_q  <= 1'b0;
      active_q      <= 1'b0;
      ap_done_q     <= 1'b0;
      ap_ready_q    <= 1'b0;
      gie_q         <= 1'b0;
      mmu_mode_q    <= circe_pkg::CIRCE_HW_MMU_MODE_HYBRID;
      ier_q         <= '0;
      isr_q         <= '0;
      cmd_va_q      <= '0;
      cmd_count_q   <= '0;
      asid_q        <= '0;
      job_asid_q    <= '0;
      st_code_q     <= circe_pkg::CIRCE_HW_ST_PENDING;
      err_index_q   <= '0;
      err_va_q      <= '0;
      core_rst_q    <= 1'b0;
      rst_cnt_q     <= '0;
      pt_sel_q      <= '0;
      pt_hi_q       <= '0;
      root_valid_q  <= '0;
      inv_valid_q   <= 1'b0;
      inv_busy_q    <= 1'b0;
      inv_type_q    <= '0;
      inv_asid_q    <= '0;
      inv_va_q      <= '0;
      inv_pages_q   <= '0;
      inv_ack_q     <= '0;
      fresp_valid_q <= 1'b0;
      fresp_q       <= '0;
    end else begin
      aw_full_q     <= aw_full_d;
      awaddr_q      <= awaddr_d;
      w_full_q      <= w_full_d;
      wdata_q       <= wdata_d;
      wstrb_q       <= wstrb_d;
      bvalid_q      <= bvalid_d;
      bresp_q       <= bresp_d;
      rst_wait_q    <= rst_wait_d;
      rvalid_q      <= rvalid_d;
      rdata_q       <= rdata_d;
      start_pend_q  <= start_pend_d;
      active_q      <= active_d;
      ap_done_q     <= ap_done_d;
      ap_ready_q    <= ap_ready_d;
      gie_q         <= gie_d;
      mmu_mode_q    <= mmu_mode_d;
      ier_q         <= ier_d;
      isr_q         <= isr_d;
      cmd_va_q      <= cmd_va_d;
      cmd_count_q   <= cmd_count_d;
      asid_q        <= asid_d;
      job_asid_q    <= job_asid_d;
      st_code_q     <= st_code_d;
      err_index_q   <= err_index_d;
      err_va_q      <= err_va_d;
      core_rst_q    <= core_rst_d;
      rst_cnt_q     <= rst_cnt_d;
      pt_sel_q      <= pt_sel_d;
      pt_hi_q       <= pt_hi_d;
      for (int unsigned a = 0; a < NumAsids; a++) begin
        if (root_we[a]) begin
          root_valid_q[a] <= root_valid_d;
        end
      end
      inv_valid_q   <= inv_valid_d;
      inv_busy_q    <= inv_busy_d;
      inv_type_q    <= inv_type_d;
      inv_asid_q    <= inv_asid_d;
      inv_va_q      <= inv_va_d;
      inv_pages_q   <= inv_pages_d;
      inv_ack_q     <= inv_ack_d;
      fresp_valid_q <= fresp_valid_d;
      fresp_q       <= fresp_d;
    end
  end

  // Root addresses: no reset needed, the valid bits guard them.
  always_ff @(posedge clk_i) begin
    for (int unsigned a = 0; a < NumAsids; a++) begin
      if (root_we[a]) begin
        root_q[a*52 +: 52] <= root_d;
      end
    end
  end

  for (genvar i = 0; i < NumPerf; i++) begin : g_perf
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        perf_q[i*64 +: 64] <= '0;
      end else if (perf_clr) begin
        perf_q[i*64 +: 64] <= '0;
      end else begin
        perf_q[i*64 +: 64] <= perf_q[i*64 +: 64] + perf_inc[i*64 +: 64];
      end
    end
  end

  // ---- outputs --------------------------------------------------------------
  assign mmu_mode_o  = mmu_mode_q;
  assign interrupt_o = gie_q & |(isr_q & ier_q);
  assign core_rst_no = rst_ni & ~core_rst_q;

  assign cmd_va_o    = cmd_va_q;
  assign cmd_count_o = cmd_count_q;
  assign asid_o      = job_asid_q;

  for (genvar a = 0; a < NumAsids; a++) begin : g_root
    assign pt_root_o[a*64 +: 64] = {root_q[a*52 +: 52], 12'h0};
  end
  assign pt_root_valid_o = root_valid_q;

  assign inv_valid_o  = inv_valid_q;
  assign inv_type_o   = inv_type_q;
  assign inv_asid_o   = inv_asid_q;
  assign inv_va_o     = inv_va_q;
  assign inv_pages_o  = inv_pages_q;

  assign fault_resp_valid_o = fresp_valid_q;
  assign fault_resp_o       = fresp_q;

  // Byte-lane bits of the addresses: registers are whole words.
  logic unused_addr;
  assign unused_addr = ^{s_araddr_i[1:0], awaddr_q[1:0], poff_unused};

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  b_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (s_bvalid_o && !s_bready_i) |=> (s_bvalid_o && $stable(s_bresp_o)));
  r_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (s_rvalid_o && !s_rready_i) |=> (s_rvalid_o && $stable(s_rdata_o)));
  inv_stable: assert property (@(posedge clk_i) disable iff (!rst_ni || core_rst_q)
    (inv_valid_o && !inv_ready_i) |=> inv_valid_o);
  one_job: assert property (@(posedge clk_i) disable iff (!rst_ni)
    !(start_pend_q && active_q));
  reset_len: assert property (@(posedge clk_i) disable iff (!rst_ni)
    core_rst_q |-> (rst_cnt_q < RstCntW'(CoreResetCycles)));
`endif

endmodule
