// SPDX-License-Identifier: Apache-2.0
//
// Memory engine: executes the COPY, PCHASE and FOREST commands of
// include/circe/hw.h (the command processor checks the descriptor and hands
// over a legal one). SPMV is not in the RTL yet (the command processor
// answers it ILLEGAL / OPCODE).
//
// PCHASE uses the same two engines one word at a time, in hw.h's order: per
// node an 8-byte read of the value, then one of the next pointer (each a
// read command of its own: a chase has one read in flight by nature), then
// the 32-byte result through the write engine. A misaligned node ends the
// command ILLEGAL / ALIGN (reason in flags_o), a failing read or write with
// that engine's status.
//
// FOREST likewise, in hw.h's order: per tree an 8-byte read of roots[t],
// then per node a 32-byte read (a node never crosses a page) and the
// 4-byte read of x[feature]; per-tree outputs are written as each tree
// ends, the sum after the last tree. Misaligned node: ILLEGAL / ALIGN;
// feature >= features: INDEX; more than max_depth edges: DEPTH.
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
  input  logic [LenWidth-1:0]      bytes_i,     // COPY: bytes >= 1; PCHASE: max_nodes
  input  logic                     op_pchase_i, // 0: COPY (src, dst), 1: PCHASE (start, result)
  input  logic [11:0]              next_off_i,  // PCHASE
  input  logic [11:0]              val_off_i,   // PCHASE
  input  logic                     stop_null_i, // PCHASE: CIRCE_HW_PCHASE_STOP_NULL
  input  logic                     op_forest_i, // 1: FOREST (src = roots, dst = out, bytes = trees)
  input  circe_axi_pkg::addr_t     x_va_i,      // FOREST
  input  logic [31:0]              features_i,  // FOREST
  input  logic [12:0]              max_depth_i, // FOREST: 1 .. 4096
  input  logic                     per_tree_i,  // FOREST: CIRCE_HW_FOREST_PER_TREE
  output logic                     busy_o,
  output logic                     done_o,      // pulse: code/va/flags valid
  output circe_pkg::circe_status_e code_o,
  output circe_axi_pkg::addr_t     va_o,        // FAULT / BUS_ERROR: the VA
  output logic [31:0]              flags_o,     // FAULT: CIRCE_HW_FAULT_* flags; ILLEGAL: reason

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

  // invalidation epoch of both engines (circe_xlat_hold): drop_i pulses
  // when an invalidation completed; old_busy_o: a burst issued before the
  // last drop is in flight
  input  logic                     inv_drop_i,
  output logic                     old_busy_o,

  // AXI4 master (AR/R from the read engine, AW/W/B from the write engine)
  output circe_axi_pkg::axi_req_t  axi_req_o,
  input  circe_axi_pkg::axi_rsp_t  axi_rsp_i,

  // performance: bytes delivered by the read engine / written this cycle
  output logic [6:0]               perf_rd_bytes_o,
  output logic [6:0]               perf_wr_bytes_o
);

  localparam int unsigned BeatW = LenWidth - 5;  // beats of one command, + 1

  typedef enum logic [3:0] {
    MIdle,
    MRun,     // COPY streaming
    MDone,
    PLoop,    // PCHASE: next node, or the end
    PVal,     // PCHASE: reading the value word
    PNext,    // PCHASE: reading the next pointer
    PWrite,   // PCHASE / FOREST: one beat to the write engine
    PWait,    // PCHASE / FOREST: its write status
    FTree,    // FOREST: next tree, or the end
    FRoot,    // FOREST: reading roots[t]
    FNode,    // FOREST: at a node (check, read it)
    FNodeRd,  // FOREST: reading the node
    FX        // FOREST: reading x[feature]
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
  logic pch_d, pch_q;                   // the command is a PCHASE
  circe_axi_pkg::addr_t rdc_va_d, rdc_va_q, wrc_va_d, wrc_va_q;  // engine commands
  logic [LenWidth-1:0] rdc_bytes_d, rdc_bytes_q, wrc_bytes_d, wrc_bytes_q;

  // PCHASE state
  circe_axi_pkg::addr_t node_d, node_q, last_d, last_q;
  logic [63:0] value_d, value_q, next_d, next_q, sum_d, sum_q;
  logic [31:0] nodes_d, nodes_q;
  logic [11:0] next_off_d, next_off_q, val_off_d, val_off_q;
  logic stop_null_d, stop_null_q;
  circe_pkg::circe_status_e res_code_d, res_code_q;
  circe_axi_pkg::addr_t res_va_d, res_va_q;
  logic [31:0] res_flags_d, res_flags_q;
  logic [63:0] word;                    // the 8-byte word read this cycle
  circe_axi_pkg::data_t result_beat;

  // FOREST state
  logic fst_d, fst_q;
  circe_axi_pkg::addr_t xva_d, xva_q, left_d, left_q, right_d, right_q, wva_d, wva_q;
  logic [31:0] features_d, features_q, feat_d, feat_q, thr_d, thr_q, leaf_d, leaf_q;
  logic [31:0] fval_d, fval_q, xw_d, xw_q;
  logic [12:0] maxd_d, maxd_q, depth_d, depth_q;
  logic per_tree_d, per_tree_q;

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
  // A PCHASE takes its words from the read stream and pushes one result
  // beat (the FIFO is empty then).
  assign rd_out_ready = pch_q ||
                        ((st_q == MRun) && !zero_q && given_q != total_q && fcnt_q != 2'd2);
  assign push         = (!pch_q && rd_out_valid && rd_out_ready) ||
                        ((st_q == MRun) && zero_q && given_q != total_q && fcnt_q != 2'd2) ||
                        (st_q == PWrite);
  assign result_beat  = fst_q ? circe_axi_pkg::DataWidth'(fval_q)
                              : circe_axi_pkg::DataWidth'({node_q, last_q, sum_q, 32'd0, nodes_q});
  assign push_data    = pch_q ? result_beat : (zero_q ? '0 : rd_out_data);
  assign word         = rd_out_data[63:0];
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
    pch_d         = pch_q;
    rdc_va_d      = rdc_va_q;
    rdc_bytes_d   = rdc_bytes_q;
    wrc_va_d      = wrc_va_q;
    wrc_bytes_d   = wrc_bytes_q;
    node_d        = node_q;
    last_d        = last_q;
    value_d       = value_q;
    next_d        = next_q;
    sum_d         = sum_q;
    nodes_d       = nodes_q;
    next_off_d    = next_off_q;
    val_off_d     = val_off_q;
    stop_null_d   = stop_null_q;
    res_code_d    = res_code_q;
    res_va_d      = res_va_q;
    res_flags_d   = res_flags_q;
    fst_d         = fst_q;
    xva_d         = xva_q;
    left_d        = left_q;
    right_d       = right_q;
    wva_d         = wva_q;
    features_d    = features_q;
    feat_d        = feat_q;
    thr_d         = thr_q;
    leaf_d        = leaf_q;
    fval_d        = fval_q;
    xw_d          = xw_q;
    maxd_d        = maxd_q;
    depth_d       = depth_q;
    per_tree_d    = per_tree_q;

    // An engine command is offered until taken (both engines, any state).
    if (rd_cmd_pend_q && rd_cmd_ready) begin
      rd_cmd_pend_d = 1'b0;
    end
    if (wr_cmd_pend_q && wr_cmd_ready) begin
      wr_cmd_pend_d = 1'b0;
    end

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
          rd_end_d      = 1'b0;
          wr_end_d      = 1'b0;
          rd_code_d     = circe_pkg::CIRCE_HW_ST_OK;
          wr_code_d     = circe_pkg::CIRCE_HW_ST_OK;
          rd_va_d       = '0;
          wr_va_d       = '0;
          rd_flags_d    = '0;
          wr_flags_d    = '0;
          zero_d        = 1'b0;
          pch_d         = op_pchase_i || op_forest_i;  // word mode
          fst_d         = op_forest_i;
          xva_d         = x_va_i;
          features_d    = features_i;
          maxd_d        = max_depth_i;
          per_tree_d    = per_tree_i;
          node_d        = src_va_i;
          last_d        = '0;
          sum_d         = '0;
          nodes_d       = '0;
          next_off_d    = next_off_i;
          val_off_d     = val_off_i;
          stop_null_d   = stop_null_i;
          res_code_d    = circe_pkg::CIRCE_HW_ST_OK;
          res_va_d      = '0;
          res_flags_d   = '0;
          if (op_forest_i) begin
            st_d = FTree;  // nodes_q counts trees, sum_q[31:0] sums leaves
          end else if (op_pchase_i) begin
            st_d = PLoop;
          end else begin
            rd_cmd_pend_d = 1'b1;
            wr_cmd_pend_d = 1'b1;
            rdc_va_d      = src_va_i;
            rdc_bytes_d   = bytes_i;
            wrc_va_d      = dst_va_i;
            wrc_bytes_d   = bytes_i;
            st_d          = MRun;
          end
        end
      end

      MRun: begin
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
        if (pch_q) begin
          code_o  = res_code_q;
          va_o    = res_va_q;
          flags_o = res_flags_q;
        end else if (rd_first) begin
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

      PLoop: begin
        if (nodes_q == bytes_q || (node_q == '0 && stop_null_q)) begin
          st_d = PWrite;
        end else if (node_q[2:0] != 3'd0) begin
          res_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
          res_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_ALIGN);
          st_d        = MDone;
        end else begin
          rd_cmd_pend_d = 1'b1;
          rdc_va_d      = node_q + circe_axi_pkg::AddrWidth'(val_off_q);
          rdc_bytes_d   = LenWidth'(8);
          st_d          = PVal;
        end
      end

      PVal, PNext: begin
        if (rd_out_valid) begin
          if (st_q == PVal) begin
            value_d = word;
          end else begin
            next_d = word;
          end
        end
        if (rd_sts_valid) begin
          if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
            res_code_d  = rd_sts_code;
            res_va_d    = rd_sts_va;
            res_flags_d = rd_sts_flags;
            st_d        = MDone;
          end else if (st_q == PVal) begin
            rd_cmd_pend_d = 1'b1;
            rdc_va_d      = node_q + circe_axi_pkg::AddrWidth'(next_off_q);
            st_d          = PNext;
          end else begin
            sum_d   = {sum_q[63-circe_pkg::CIRCE_HW_PCHASE_CHECKSUM_ROTL:0],
                       sum_q[63:64-circe_pkg::CIRCE_HW_PCHASE_CHECKSUM_ROTL]} ^ value_q;
            last_d  = node_q;
            nodes_d = nodes_q + 1'b1;
            node_d  = rd_out_valid ? word : next_q;
            st_d    = PLoop;
          end
        end
      end

      PWrite: begin
        wr_cmd_pend_d = 1'b1;  // the beat is pushed in this cycle
        wrc_va_d      = fst_q ? wva_q : dst_q;
        wrc_bytes_d   = fst_q ? LenWidth'(4) : LenWidth'(32);
        st_d          = PWait;
      end

      PWait: begin
        if (wr_sts_valid) begin
          res_code_d  = wr_sts_code;
          res_va_d    = wr_sts_va;
          res_flags_d = wr_sts_flags;
          // A per-tree output written OK: on to the next tree.
          st_d = (fst_q && per_tree_q && wr_sts_code == circe_pkg::CIRCE_HW_ST_OK &&
                  nodes_q != bytes_q) ? FTree : MDone;
        end
      end

      FTree: begin
        if (nodes_q == bytes_q) begin
          if (per_tree_q) begin
            st_d = MDone;  // res_code_q is OK
          end else begin
            fval_d = sum_q[31:0];
            wva_d  = dst_q;
            st_d   = PWrite;
          end
        end else begin
          rd_cmd_pend_d = 1'b1;
          rdc_va_d      = src_q + {29'd0, nodes_q, 3'b000};
          rdc_bytes_d   = LenWidth'(8);
          st_d          = FRoot;
        end
      end

      FRoot, FNodeRd, FX: begin
        if (rd_out_valid) begin
          unique case (st_q)
            FRoot:   node_d = word;
            FX:      xw_d = word[31:0];
            default: begin
              left_d  = rd_out_data[63:0];
              right_d = rd_out_data[127:64];
              feat_d  = rd_out_data[159:128];
              thr_d   = rd_out_data[191:160];
              leaf_d  = rd_out_data[223:192];
            end
          endcase
        end
        if (rd_sts_valid) begin
          if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
            res_code_d  = rd_sts_code;
            res_va_d    = rd_sts_va;
            res_flags_d = rd_sts_flags;
            st_d        = MDone;
          end else if (st_q == FRoot) begin
            depth_d = '0;
            st_d    = FNode;
          end else if (st_q == FNodeRd) begin
            // The node's fields: this cycle's beat or the captured one.
            if ((rd_out_valid ? rd_out_data[159:128] : feat_q) ==
                circe_pkg::CIRCE_HW_TREE_LEAF) begin
              fval_d  = rd_out_valid ? rd_out_data[223:192] : leaf_q;
              sum_d   = {32'd0, sum_q[31:0] + (rd_out_valid ? rd_out_data[223:192] : leaf_q)};
              wva_d   = dst_q + {30'd0, nodes_q, 2'b00};
              nodes_d = nodes_q + 1'b1;
              st_d    = per_tree_q ? PWrite : FTree;
            end else if ((rd_out_valid ? rd_out_data[159:128] : feat_q) >= features_q) begin
              res_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
              res_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_INDEX);
              st_d        = MDone;
            end else begin
              rd_cmd_pend_d = 1'b1;
              rdc_va_d      = xva_q + {30'd0, (rd_out_valid ? rd_out_data[159:128] : feat_q), 2'b00};
              rdc_bytes_d   = LenWidth'(4);
              st_d          = FX;
            end
          end else begin  // FX
            if (depth_q == maxd_q) begin
              res_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
              res_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_DEPTH);
              st_d        = MDone;
            end else begin
              depth_d = depth_q + 1'b1;
              node_d  = ($signed(rd_out_valid ? word[31:0] : xw_q) <= $signed(thr_q)) ? left_q
                                                                                        : right_q;
              st_d    = FNode;
            end
          end
        end
      end

      FNode: begin
        if (node_q[4:0] != 5'd0) begin
          res_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
          res_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_ALIGN);
          st_d        = MDone;
        end else begin
          rd_cmd_pend_d = 1'b1;
          rdc_va_d      = node_q;
          rdc_bytes_d   = LenWidth'(32);
          st_d          = FNodeRd;
        end
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
      pch_q         <= 1'b0;
      rdc_va_q      <= '0;
      rdc_bytes_q   <= '0;
      wrc_va_q      <= '0;
      wrc_bytes_q   <= '0;
      node_q        <= '0;
      last_q        <= '0;
      value_q       <= '0;
      next_q        <= '0;
      sum_q         <= '0;
      nodes_q       <= '0;
      next_off_q    <= '0;
      val_off_q     <= '0;
      stop_null_q   <= 1'b0;
      res_code_q    <= circe_pkg::CIRCE_HW_ST_OK;
      res_va_q      <= '0;
      res_flags_q   <= '0;
      fst_q         <= 1'b0;
      xva_q         <= '0;
      left_q        <= '0;
      right_q       <= '0;
      wva_q         <= '0;
      features_q    <= '0;
      feat_q        <= '0;
      thr_q         <= '0;
      leaf_q        <= '0;
      fval_q        <= '0;
      xw_q          <= '0;
      maxd_q        <= '0;
      depth_q       <= '0;
      per_tree_q    <= 1'b0;
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
      pch_q         <= pch_d;
      rdc_va_q      <= rdc_va_d;
      rdc_bytes_q   <= rdc_bytes_d;
      wrc_va_q      <= wrc_va_d;
      wrc_bytes_q   <= wrc_bytes_d;
      node_q        <= node_d;
      last_q        <= last_d;
      value_q       <= value_d;
      next_q        <= next_d;
      sum_q         <= sum_d;
      nodes_q       <= nodes_d;
      next_off_q    <= next_off_d;
      val_off_q     <= val_off_d;
      stop_null_q   <= stop_null_d;
      res_code_q    <= res_code_d;
      res_va_q      <= res_va_d;
      res_flags_q   <= res_flags_d;
      fst_q         <= fst_d;
      xva_q         <= xva_d;
      left_q        <= left_d;
      right_q       <= right_d;
      wva_q         <= wva_d;
      features_q    <= features_d;
      feat_q        <= feat_d;
      thr_q         <= thr_d;
      leaf_q        <= leaf_d;
      fval_q        <= fval_d;
      xw_q          <= xw_d;
      maxd_q        <= maxd_d;
      depth_q       <= depth_d;
      per_tree_q    <= per_tree_d;
    end
  end

  // FIFO storage: no reset (entries are read only after written).
  always_ff @(posedge clk_i) begin
    if (push) begin
      fifo_q[fwr_q] <= push_data;
    end
  end

  // Either engine's bursts of before the last invalidation in flight.
  logic rd_old_busy, wr_old_busy;
  assign old_busy_o = rd_old_busy | wr_old_busy;

  circe_dma_rd #(
    .LenWidth (LenWidth),
    .Id       (circe_axi_pkg::IdMemEng)
  ) u_rd (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (1'b0),
    .busy_o         (rd_busy),
    .inv_drop_i     (inv_drop_i),
    .old_busy_o     (rd_old_busy),
    .cmd_valid_i    (rd_cmd_pend_q),
    .cmd_ready_o    (rd_cmd_ready),
    .cmd_va_i       (rdc_va_q),
    .cmd_bytes_i    (rdc_bytes_q),
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

  // Input beats the write engine may count on (its AwGate): during a COPY,
  // the read engine's output beats whose bus beats have all arrived (output
  // beat k needs bus beats k and k + 1 when src is not 64-byte aligned,
  // except the last one), all of them once zeros replace the stream after a
  // read error; a PCHASE / FOREST result beat is pushed with its command.
  // So no write burst waits for a read that may still fault (a fault answer
  // may wait for an invalidation acknowledge, which waits for the bursts).
  logic [BeatW-1:0] rcvd_d, rcvd_q, nbus_c, wr_avail;

  always_comb begin
    rcvd_d = rcvd_q;
    if (st_q == MIdle) begin
      rcvd_d = '0;
    end else if (rd_perf_beat && !pch_q) begin
      rcvd_d = rcvd_q + 1'b1;
    end
    nbus_c = BeatW'(({1'b0, bytes_q} + (LenWidth + 1)'(src_q[5:0]) + (LenWidth + 1)'(63)) >> 6);
    if (pch_q || zero_q || rcvd_q == nbus_c) begin
      wr_avail = pch_q ? {BeatW{1'b1}} : total_q;
    end else if (src_q[5:0] == 6'd0 || rcvd_q == '0) begin
      wr_avail = rcvd_q;
    end else begin
      wr_avail = rcvd_q - 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rcvd_q <= '0;
    end else begin
      rcvd_q <= rcvd_d;
    end
  end

  circe_dma_wr #(
    .AwGate   (1'b1),
    .LenWidth (LenWidth),
    .Id       (circe_axi_pkg::IdMemEng)
  ) u_wr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (1'b0),
    .busy_o         (wr_busy),
    .inv_drop_i     (inv_drop_i),
    .old_busy_o     (wr_old_busy),
    .cmd_valid_i    (wr_cmd_pend_q),
    .cmd_ready_o    (wr_cmd_ready),
    .cmd_va_i       (wrc_va_q),
    .cmd_bytes_i    (wrc_bytes_q),
    .in_valid_i     (wr_in_valid),
    .in_ready_o     (wr_in_ready),
    .in_data_i      (wr_in_data),
    .in_avail_i     (wr_avail),
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
    (rd_sts_valid || wr_sts_valid) |-> (st_q == MRun || st_q == PVal || st_q == PNext ||
                                        st_q == PWait || st_q == FRoot || st_q == FNodeRd ||
                                        st_q == FX));
  no_overfeed: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (st_q == MRun) |-> (given_q <= total_q));
  read_in_order: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rd_out_valid && st_q == MRun) |-> !zero_q);
  pch_fifo_empty: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (st_q == PWrite) |-> (fcnt_q == 2'd0));
  fifo_bounds: assert property (@(posedge clk_i) disable iff (!rst_ni)
    fcnt_q <= 2'd2);
`endif

endmodule
