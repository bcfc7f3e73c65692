// SPDX-License-Identifier: Apache-2.0
//
// Memory engine: executes the COPY command of include/circe/hw.h (the
// command processor checks the descriptor and hands over a legal one).
// PCHASE, SPMV and FOREST are not in the RTL yet (the command processor
// answers them ILLEGAL / OPCODE).
//
// COPY streams: one circe_dma_rd command (src, bytes) feeds one
// circe_dma_wr command (dst, bytes) through their lane-0-aligned beat
// streams, so the copy runs with the engines' bursts in flight on both
// sides and any alignment of src and dst (the read engine realigns to lane
// 0, the write engine to the destination's offset). Each engine has its own
// MMU translation port; both share this block's AXI ID (IdMemEng: reads
// come back on R, writes on B, so one ID serves both).
//
// Errors, as hw.h defines them: the reported failure is that of the first
// failing piece in piece order, the read of a piece before its write. The
// read engine reports its lowest failing VA (a source page boundary or
// src), the write engine its own; the one at the lower offset from its
// start wins, the read on a tie. After a read error the write engine gets
// zero beats for the rest of the command (hw.h leaves the destination from
// the failing piece on unspecified), so both engines end with exactly one
// status each and nothing is aborted. A write error is simply recorded
// (the write engine swallows the rest of the stream).
module circe_memeng
#(
  parameter int unsigned LenWidth = 32  // bytes of one COPY (hw.h: up to 1 GiB)
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  // command from circe_cmdproc: a legal COPY
  input  logic                     start_i,     // pulse, ignored while busy_o
  input  circe_axi_pkg::addr_t     src_va_i,
  input  circe_axi_pkg::addr_t     dst_va_i,
  input  logic [LenWidth-1:0]      bytes_i,     // >= 1
  output logic                     busy_o,
  output logic                     done_o,      // pulse: code/va/flags valid
  output circe_pkg::circe_status_e code_o,
  output circe_axi_pkg::addr_t     va_o,        // FAULT / BUS_ERROR: the VA
  output logic [31:0]              flags_o,     // FAULT: CIRCE_HW_FAULT_* flags

  // translation ports (to the MMU): reads, writes
  output logic                     rd_tr_req_valid_o,
  input  logic                     rd_tr_req_ready_i,
  output circe_axi_pkg::tr_req_t   rd_tr_req_o,
  input  logic                     rd_tr_rsp_valid_i,
  output logic                     rd_tr_rsp_ready_o,
  input  circe_axi_pkg::tr_rsp_t   rd_tr_rsp_i,
  output logic                     wr_tr_req_valid_o,
  input  logic                     wr_tr_req_ready_i,
  output circe_axi_pkg::tr_req_t   wr_tr_req_o,
  input  logic                     wr_tr_rsp_valid_i,
  output logic                     wr_tr_rsp_ready_o,
  input  circe_axi_pkg::tr_rsp_t   wr_tr_rsp_i,

  // AXI4 master (AR/R from the read engine, AW/W/B from the write engine)
  output circe_axi_pkg::axi_req_t  axi_req_o,
  input  circe_axi_pkg::axi_rsp_t  axi_rsp_i,

  // performance: bytes delivered by the read engine / written this cycle
  output logic [6:0]               perf_rd_bytes_o,
  output logic [6:0]               perf_wr_bytes_o
);

  localparam int unsigned BeatW = LenWidth - 5;  // beats of one command, + 1

  typedef enum logic [1:0] {
    MIdle,
    MRun,
    MDone
  } state_e;

  state_e st_d, st_q;
  circe_axi_pkg::addr_t src_d, src_q, dst_d, dst_q;
  logic [BeatW-1:0] total_d, total_q;   // beats the write engine is owed
  logic [BeatW-1:0] given_d, given_q;   // beats given to it so far
  logic rd_cmd_pend_d, rd_cmd_pend_q, wr_cmd_pend_d, wr_cmd_pend_q;
  logic [LenWidth-1:0] bytes_d, bytes_q;
  logic rd_end_d, rd_end_q, wr_end_d, wr_end_q;  // status received
  circe_pkg::circe_status_e rd_code_d, rd_code_q, wr_code_d, wr_code_q;
  circe_axi_pkg::addr_t rd_va_d, rd_va_q, wr_va_d, wr_va_q;
  logic [31:0] rd_flags_d, rd_flags_q, wr_flags_d, wr_flags_q;
  logic zero_d, zero_q;                 // feeding zero beats after a read error

  // engine wires
  logic rd_cmd_ready, wr_cmd_ready, rd_busy, wr_busy;
  logic rd_out_valid, rd_out_ready, rd_out_last;
  circe_axi_pkg::data_t rd_out_data;
  logic [6:0] rd_out_bytes;
  logic rd_sts_valid, wr_sts_valid;
  circe_pkg::circe_status_e rd_sts_code, wr_sts_code;
  circe_axi_pkg::addr_t rd_sts_va, wr_sts_va;
  logic [31:0] rd_sts_flags, wr_sts_flags;
  logic wr_in_valid, wr_in_ready;
  circe_axi_pkg::data_t wr_in_data;
  circe_axi_pkg::axi_req_t rd_axi_req, wr_axi_req;
  logic rd_perf_beat, wr_perf_beat;

  // FIFO between the engines
  circe_axi_pkg::data_t fifo_q [2];
  logic [1:0] fcnt_d, fcnt_q;
  logic fwr_d, fwr_q, frd_d, frd_q;
  logic push, pop;
  circe_axi_pkg::data_t push_data;
  logic rd_first;                        // the read error comes first
  circe_axi_pkg::addr_t rd_off, wr_off;

  // The stream: read beats, or zeros after a read error, until the write
  // engine has been given all the beats of its command. A two-entry FIFO
  // sits between the engines: both sides see only registers (the engines'
  // valid/ready are combinationally related inside them).
  assign rd_out_ready = (st_q == MRun) && !zero_q && given_q != total_q && fcnt_q != 2'd2;
  assign push         = (rd_out_valid && rd_out_ready) ||
                        ((st_q == MRun) && zero_q && given_q != total_q && fcnt_q != 2'd2);
  assign push_data    = zero_q ? '0 : rd_out_data;
  assign wr_in_valid  = fcnt_q != 2'd0;
  assign wr_in_data   = fifo_q[frd_q];
  assign pop          = wr_in_valid && wr_in_ready;

  always_comb begin
    st_d          = st_q;
    src_d         = src_q;
    dst_d         = dst_q;
    bytes_d       = bytes_q;
    total_d       = total_q;
    given_d       = given_q;
    rd_cmd_pend_d = rd_cmd_pend_q;
    wr_cmd_pend_d = wr_cmd_pend_q;
    rd_end_d      = rd_end_q;
    wr_end_d      = wr_end_q;
    rd_code_d     = rd_code_q;
    wr_code_d     = wr_code_q;
    rd_va_d       = rd_va_q;
    wr_va_d       = wr_va_q;
    rd_flags_d    = rd_flags_q;
    wr_flags_d    = wr_flags_q;
    zero_d        = zero_q;

    fcnt_d = fcnt_q + 2'(push) - 2'(pop);
    fwr_d  = fwr_q ^ push;
    frd_d  = frd_q ^ pop;
    if (push) begin
      given_d = given_q + 1'b1;
    end

    rd_off   = rd_va_q - src_q;
    wr_off   = wr_va_q - dst_q;
    rd_first = (rd_code_q != circe_pkg::CIRCE_HW_ST_OK) &&
               ((wr_code_q == circe_pkg::CIRCE_HW_ST_OK) || rd_off <= wr_off);

    done_o  = 1'b0;
    code_o  = circe_pkg::CIRCE_HW_ST_OK;
    va_o    = '0;
    flags_o = '0;

    unique case (st_q)
      MIdle: begin
        if (start_i) begin
          src_d         = src_va_i;
          dst_d         = dst_va_i;
          bytes_d       = bytes_i;
          total_d       = BeatW'((bytes_i + LenWidth'(63)) >> 6);
          given_d       = '0;
          rd_cmd_pend_d = 1'b1;
          wr_cmd_pend_d = 1'b1;
          rd_end_d      = 1'b0;
          wr_end_d      = 1'b0;
          rd_code_d     = circe_pkg::CIRCE_HW_ST_OK;
          wr_code_d     = circe_pkg::CIRCE_HW_ST_OK;
          rd_va_d       = '0;
          wr_va_d       = '0;
          rd_flags_d    = '0;
          wr_flags_d    = '0;
          zero_d        = 1'b0;
          st_d          = MRun;
        end
      end

      MRun: begin
        if (rd_cmd_pend_q && rd_cmd_ready) begin
          rd_cmd_pend_d = 1'b0;
        end
        if (wr_cmd_pend_q && wr_cmd_ready) begin
          wr_cmd_pend_d = 1'b0;
        end
        if (rd_sts_valid) begin
          rd_end_d   = 1'b1;
          rd_code_d  = rd_sts_code;
          rd_va_d    = rd_sts_va;
          rd_flags_d = rd_sts_flags;
          if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
            zero_d = 1'b1;  // every beat it delivered came before its status
          end
        end
        if (wr_sts_valid) begin
          wr_end_d   = 1'b1;
          wr_code_d  = wr_sts_code;
          wr_va_d    = wr_sts_va;
          wr_flags_d = wr_sts_flags;
        end
        if (rd_end_q && wr_end_q && given_q == total_q && fcnt_q == 2'd0) begin
          st_d = MDone;
        end
      end

      MDone: begin
        done_o = 1'b1;
        if (rd_first) begin
          code_o  = rd_code_q;
          va_o    = rd_va_q;
          flags_o = rd_flags_q;
        end else if (wr_code_q != circe_pkg::CIRCE_HW_ST_OK) begin
          code_o  = wr_code_q;
          va_o    = wr_va_q;
          flags_o = wr_flags_q;
        end
        st_d = MIdle;
      end

      default: st_d = MIdle;
    endcase
  end

  assign busy_o = (st_q != MIdle) || rd_busy || wr_busy;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q          <= MIdle;
      src_q         <= '0;
      dst_q         <= '0;
      bytes_q       <= '0;
      total_q       <= '0;
      given_q       <= '0;
      rd_cmd_pend_q <= 1'b0;
      wr_cmd_pend_q <= 1'b0;
      rd_end_q      <= 1'b0;
      wr_end_q      <= 1'b0;
      rd_code_q     <= circe_pkg::CIRCE_HW_ST_OK;
      wr_code_q     <= circe_pkg::CIRCE_HW_ST_OK;
      rd_va_q       <= '0;
      wr_va_q       <= '0;
      rd_flags_q    <= '0;
      wr_flags_q    <= '0;
      zero_q        <= 1'b0;
      fcnt_q        <= '0;
      fwr_q         <= 1'b0;
      frd_q         <= 1'b0;
    end else begin
      st_q          <= st_d;
      src_q         <= src_d;
      dst_q         <= dst_d;
      bytes_q       <= bytes_d;
      total_q       <= total_d;
      given_q       <= given_d;
      rd_cmd_pend_q <= rd_cmd_pend_d;
      wr_cmd_pend_q <= wr_cmd_pend_d;
      rd_end_q      <= rd_end_d;
      wr_end_q      <= wr_end_d;
      rd_code_q     <= rd_code_d;
      wr_code_q     <= wr_code_d;
      rd_va_q       <= rd_va_d;
      wr_va_q       <= wr_va_d;
      rd_flags_q    <= rd_flags_d;
      wr_flags_q    <= wr_flags_d;
      zero_q        <= zero_d;
      fcnt_q        <= fcnt_d;
      fwr_q         <= fwr_d;
      frd_q         <= frd_d;
    end
  end

  // FIFO storage: no reset (entries are read only after written).
  always_ff @(posedge clk_i) begin
    if (push) begin
      fifo_q[fwr_q] <= push_data;
    end
  end

  circe_dma_rd #(
    .LenWidth (LenWidth),
    .Id       (circe_axi_pkg::IdMemEng)
  ) u_rd (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (1'b0),
    .busy_o         (rd_busy),
    .cmd_valid_i    (st_q == MRun && rd_cmd_pend_q),
    .cmd_ready_o    (rd_cmd_ready),
    .cmd_va_i       (src_q),
    .cmd_bytes_i    (bytes_q),
    .out_valid_o    (rd_out_valid),
    .out_ready_i    (rd_out_ready),
    .out_data_o     (rd_out_data),
    .out_bytes_o    (rd_out_bytes),
    .out_last_o     (rd_out_last),
    .sts_valid_o    (rd_sts_valid),
    .sts_ready_i    (1'b1),
    .sts_code_o     (rd_sts_code),
    .sts_va_o       (rd_sts_va),
    .sts_flags_o    (rd_sts_flags),
    .tr_req_valid_o (rd_tr_req_valid_o),
    .tr_req_ready_i (rd_tr_req_ready_i),
    .tr_req_o       (rd_tr_req_o),
    .tr_rsp_valid_i (rd_tr_rsp_valid_i),
    .tr_rsp_ready_o (rd_tr_rsp_ready_o),
    .tr_rsp_i       (rd_tr_rsp_i),
    .axi_req_o      (rd_axi_req),
    .axi_rsp_i      (axi_rsp_i),
    .perf_beat_o    (rd_perf_beat),
    .perf_bytes_o   (perf_rd_bytes_o)
  );

  circe_dma_wr #(
    .LenWidth (LenWidth),
    .Id       (circe_axi_pkg::IdMemEng)
  ) u_wr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (1'b0),
    .busy_o         (wr_busy),
    .cmd_valid_i    (st_q == MRun && wr_cmd_pend_q),
    .cmd_ready_o    (wr_cmd_ready),
    .cmd_va_i       (dst_q),
    .cmd_bytes_i    (bytes_q),
    .in_valid_i     (wr_in_valid),
    .in_ready_o     (wr_in_ready),
    .in_data_i      (wr_in_data),
    .sts_valid_o    (wr_sts_valid),
    .sts_ready_i    (1'b1),
    .sts_code_o     (wr_sts_code),
    .sts_va_o       (wr_sts_va),
    .sts_flags_o    (wr_sts_flags),
    .tr_req_valid_o (wr_tr_req_valid_o),
    .tr_req_ready_i (wr_tr_req_ready_i),
    .tr_req_o       (wr_tr_req_o),
    .tr_rsp_valid_i (wr_tr_rsp_valid_i),
    .tr_rsp_ready_o (wr_tr_rsp_ready_o),
    .tr_rsp_i       (wr_tr_rsp_i),
    .axi_req_o      (wr_axi_req),
    .axi_rsp_i      (axi_rsp_i),
    .perf_beat_o    (wr_perf_beat),
    .perf_bytes_o   (perf_wr_bytes_o)
  );

  // One master: reads from the read engine, writes from the write engine.
  always_comb begin
    axi_req_o          = wr_axi_req;
    axi_req_o.ar       = rd_axi_req.ar;
    axi_req_o.ar_valid = rd_axi_req.ar_valid;
    axi_req_o.r_ready  = rd_axi_req.r_ready;
  end

  // Unused: the read stream's byte count and last flag (the write engine
  // knows its length), the engines' beat pulses, the other channels of
  // each engine's request.
  logic unused;
  assign unused = ^{rd_out_bytes, rd_out_last, rd_perf_beat, wr_perf_beat, rd_axi_req.aw,
                    rd_axi_req.aw_valid, rd_axi_req.w, rd_axi_req.w_valid,
                    rd_axi_req.b_ready};

`ifndef SYNTHESIS
  // A status only while running, and the stream never over-feeds.
  sts_in_run: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rd_sts_valid || wr_sts_valid) |-> (st_q == MRun));
  no_overfeed: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (st_q == MRun) |-> (given_q <= total_q));
  read_in_order: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rd_out_valid && st_q == MRun) |-> !zero_q);
  fifo_bounds: assert property (@(posedge clk_i) disable iff (!rst_ni)
    fcnt_q <= 2'd2);
`endif

endmodule
