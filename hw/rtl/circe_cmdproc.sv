// SPDX-License-Identifier: Apache-2.0
//
// Command processor of circe: walks a job's command list, one 128-byte
// descriptor after the other, and runs each one on the systolic array.
// Behaviour where the host can see it is that of sim/fmodel/fmodel.c (the
// job loop, circe_fmodel_desc, circe_fmodel_gemm); docs/rtl.md, sections
// "Command processor" and "Tiling", describe ports, tiling and buffers.
//
// Job loop (one descriptor at a time, as the model):
//   fetch 128 bytes at cmd_va + 128 i (a failing fetch ends the job with its
//   code and VA, no status block); NOP and FENCE: OK; GEMM: the checks of
//   circe_hls_gemm_check in its order, then the GEMM; other opcodes: ILLEGAL
//   OPCODE. Every executed descriptor gets its status block {code, detail,
//   fault_va} written at +112 after all its Y writes completed; a failing
//   write-back ends the job with the write's error. The job ends OK at the
//   last descriptor (ERR_INDEX = count - 1) or at the first failing one
//   (ERR_INDEX = its index, ERR_VA = the VA of a FAULT / BUS_ERROR).
//
// GEMM datapath (docs/rtl.md, "Tiling"):
// - loader: one walk of the loop nest (circe_gemm_iter) that issues the DMA
//   reads: the requant table check first, then per M block its A block
//   (one command if lda == k, else one per row) into the A ring, and per
//   (block, N chunk, K piece) the chunk's weight rows (one command if
//   contiguous, else one per row) into the W ring plus the chunk's bias and
//   requant entries into a side slot. It runs ahead of the compute as far
//   as the rings and side slots have room, so loads overlap compute and the
//   next A block is prefetched.
// - consumer: the read stream in command order (a tag FIFO says where each
//   command's beats go); a command's OK status counts its block / chunk as
//   loaded; the first error stops the descriptor.
// - gatherer: per tile reads Cols weight windows (Rows K elements of one
//   output column each, int4 unpacked) from the W ring into one of two tile
//   registers; the emitter hands a full one to the array's weight port, Rows
//   beats, as soon as the array's shadow buffer is free.
// - feeder: per tile streams the block's rows of A (a Rows-byte window each,
//   minus in_zp, K padding zeroed) into the array, back to back; a tile's
//   first row waits for its weights to be complete in the shadow buffer.
// - output side: adds each result row to the accumulator scratchpad
//   [MtMax][Cols] (starting at the bias); the last K tile goes to the
//   requant unit instead and on into the Y staging buffer (two halves of
//   [MtMax][YRowBytes]: output groups of YRowBytes per row alternate).
// - writer: for every complete group one DMA write per row (or one for the
//   whole block when Y is dense and a row fits), streamed from the staging
//   buffer while the array works on the next group.
//
// After an error the descriptor drains: nothing new is issued, everything in
// flight (reads, writes, array rows) completes and is dropped, and a tile
// whose weights sit unused in the array's shadow buffer is retired with one
// dummy row, so the next descriptor starts on an empty array. abort_i does
// the same without a status block or done pulse (the DMA engines must see
// the abort too; their outstanding commands all end with a status).
//
// Package names are qualified (circe_pkg::, circe_axi_pkg::): Yosys 0.23
// reads no import in a module header.
module circe_cmdproc #(
  parameter int unsigned Rows      = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_ROWS,  // power of 2, 2 .. 32
  parameter int unsigned Cols      = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS,  // power of 2, 2 .. 32
  parameter int unsigned ABytes    = 131072,  // A ring: power of 2, >= 32 KiB
  parameter int unsigned WBytes    = 131072,  // W ring: power of 2, >= 128 * Cols
  parameter int unsigned MtMax     = 128,     // rows per M block: power of 2, >= Rows
  parameter int unsigned YRowBytes = 256,     // Y staging per row and half: power of 2
  parameter int unsigned SideSlots = 8,       // chunks' bias/requant sets in flight
  parameter int unsigned RdTags    = 32,      // DMA read commands in flight (>= engine queue)
  parameter int unsigned WrTags    = 32,      // DMA write commands in flight (>= engine queue)
  parameter int unsigned LstmLanes = 4        // LSTM units per cycle: 2, 4, 8 or 16
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  // job
  input  logic                      start_i,
  input  logic                      abort_i,
  input  circe_axi_pkg::addr_t      cmd_va_i,
  input  logic [31:0]               cmd_count_i,
  output logic                      busy_o,
  output logic                      done_o,
  output circe_pkg::circe_status_e  status_o,
  output logic [31:0]               err_index_o,
  output circe_axi_pkg::addr_t      err_va_o,

  // DMA read engine (circe_dma_rd)
  output logic                      rd_cmd_valid_o,
  input  logic                      rd_cmd_ready_i,
  output circe_axi_pkg::addr_t      rd_cmd_va_o,
  output logic [31:0]               rd_cmd_bytes_o,
  input  logic                      rd_data_valid_i,
  output logic                      rd_data_ready_o,
  input  circe_axi_pkg::data_t      rd_data_i,
  input  logic [6:0]                rd_data_bytes_i,
  input  logic                      rd_data_last_i,
  input  logic                      rd_sts_valid_i,
  output logic                      rd_sts_ready_o,
  input  circe_pkg::circe_status_e  rd_sts_code_i,
  input  circe_axi_pkg::addr_t      rd_sts_va_i,
  input  logic [31:0]               rd_sts_flags_i,

  // DMA write engine (circe_dma_wr)
  output logic                      wr_cmd_valid_o,
  input  logic                      wr_cmd_ready_i,
  output circe_axi_pkg::addr_t      wr_cmd_va_o,
  output logic [31:0]               wr_cmd_bytes_o,
  output logic                      wr_data_valid_o,
  input  logic                      wr_data_ready_i,
  output circe_axi_pkg::data_t      wr_data_o,
  input  logic                      wr_sts_valid_i,
  output logic                      wr_sts_ready_o,
  input  circe_pkg::circe_status_e  wr_sts_code_i,
  input  circe_axi_pkg::addr_t      wr_sts_va_i,
  input  logic [31:0]               wr_sts_flags_i,

  // performance events
  // memory engine (circe_memeng): a legal COPY goes there, its result back
  output logic                      me_start_o,
  output circe_axi_pkg::addr_t      me_src_o,
  output circe_axi_pkg::addr_t      me_dst_o,
  output logic [31:0]               me_bytes_o,
  output logic                      me_pchase_o,
  output logic [11:0]               me_next_off_o,
  output logic [11:0]               me_val_off_o,
  output logic                      me_stop_null_o,
  output logic                      me_forest_o,
  output circe_axi_pkg::addr_t      me_x_va_o,
  output logic [31:0]               me_features_o,
  output logic [12:0]               me_max_depth_o,
  output logic                      me_per_tree_o,
  output logic                      me_spmv_o,
  output logic [31:0]               me_nnz_o,
  output circe_axi_pkg::addr_t      me_col_va_o,
  output circe_axi_pkg::addr_t      me_val_va_o,
  input  logic                      me_done_i,
  input  circe_pkg::circe_status_e  me_code_i,
  input  circe_axi_pkg::addr_t      me_va_i,
  input  logic [31:0]               me_flags_i,

  output logic                      perf_compute_o,  // a row entered the array
  output logic [31:0]               perf_macs_o,     // MACs of completed GEMMs (m * k * n)
  output logic                      perf_desc_o      // a descriptor completed OK
);

  // ---------------------------------------------------------------------
  // Geometry
  // ---------------------------------------------------------------------
  localparam int unsigned RowsW     = $clog2(Rows + 1);
  localparam int unsigned ColsW     = $clog2(Cols + 1);
  localparam int unsigned ColsLog2  = $clog2(Cols);
  localparam int unsigned RowsLog2  = $clog2(Rows);
  localparam int unsigned ABeats    = ABytes / 64;
  localparam int unsigned AAW       = $clog2(ABytes);   // A byte address
  localparam int unsigned ABW       = $clog2(ABeats);   // A beat address
  localparam int unsigned WBeats    = WBytes / 64;
  localparam int unsigned WAW       = $clog2(WBytes);
  localparam int unsigned WBW       = $clog2(WBeats);
  localparam int unsigned WPiece    = WBytes / 2 / Cols; // max bytes of a W row per chunk
  localparam int unsigned MtW       = $clog2(MtMax + 1);
  localparam int unsigned MtAW      = $clog2(MtMax);
  localparam int unsigned MtMaxLog2 = $clog2(MtMax);
  localparam int unsigned YBeats    = YRowBytes / 64;
  localparam int unsigned YBW       = $clog2(YBeats);
  localparam int unsigned YAW       = 1 + MtAW + YBW;    // staging address {half, row, beat}
  localparam int unsigned Lanes     = 64 / Cols;         // staging lanes of Cols bytes per beat
  localparam int unsigned LaneLog2  = $clog2(Lanes);
  localparam int unsigned SideW     = $clog2(SideSlots);
  localparam int unsigned BiasBeats = (Cols * 4 + 63) / 64;
  localparam int unsigned RqBeats   = (Cols * 8 + 63) / 64;
  localparam int unsigned TagBW     = (ABW > WBW) ? ABW : WBW;
  localparam int unsigned RdTagAW   = $clog2(RdTags);
  localparam int unsigned WrTagAW   = $clog2(WrTags);
  localparam int unsigned TfDepth   = 8;                 // tiles in the array at once
  localparam int unsigned RqLat     = 5;                 // circe_requant latency
  localparam int unsigned YgLog2    = $clog2(YRowBytes / Cols);  // int8 chunks per group
  localparam int unsigned RqSlotBeats = (MtMax >= 16) ? MtMax / 8 : 2;  // CIRC: a block's requant entries
  localparam int unsigned RqSlotAW  = $clog2(RqSlotBeats);
  localparam int unsigned XBytes    = (Rows > 16) ? Rows : 16;   // CIRC: x window of a tile
  localparam int unsigned CircMtLog2 = (ColsLog2 + 1 > RowsLog2) ? ColsLog2 + 1 : RowsLog2;

  // ---------------------------------------------------------------------
  // Types
  // ---------------------------------------------------------------------
  typedef enum logic [3:0] {
    SIdle,
    SFetch,
    SFetchWait,
    SDecode,
    SSetup,
    SRun,
    SDrain,
    SFlush,
    SStatus,
    SStatusWait,
    SEnd,
    SMem,
    SLstm,
    SPend
  } state_e;

  // What a read command's beats are (read tag kinds).
  localparam logic [2:0] KDesc = 3'd0;  // the descriptor
  localparam logic [2:0] KChk  = 3'd1;  // the requant table, checked
  localparam logic [2:0] KA    = 3'd2;  // an A block or row
  localparam logic [2:0] KW    = 3'd3;  // a W chunk or row piece
  localparam logic [2:0] KBias = 3'd4;  // a chunk's bias
  localparam logic [2:0] KRq   = 3'd5;  // a chunk's requant entries
  localparam logic [2:0] KLstm = 3'd6;  // LSTM: one 64-byte piece of a gate / cell stream

  typedef enum logic [3:0] {
    LIdle,
    LChk,
    LBlk,
    LA,
    LWRes,
    LW,
    LBias,
    LRq,
    LStep,
    LDone
  } ld_state_e;

  // Plain vectors in the FIFOs (Yosys 0.23 and unpacked arrays of structs).
  // Read tag: {kind, base, a_done, w_done}
  localparam int unsigned RdTagW = 3 + TagBW + 2;
  // Tile (feeder -> output side): {first, last, slot, half, gpos, glast, rows}
  localparam int unsigned TfW = 1 + 1 + SideW + 1 + 16 + 1 + MtW;
  // Stream job (writer -> streamer): {status, half, row, nrows, bpr, group_last}
  // (+ {lin, beats}: a CIRC block staged densely, streamed linearly)
  // (+ {lstm, h}: one beat of an LSTM chunk's c_out or h)
  localparam int unsigned SjW = 1 + 1 + MtAW + MtW + (YBW + 1) + 1 + 1 + (MtAW + YBW + 1) + 2;

  // ---------------------------------------------------------------------
  // Job state
  // ---------------------------------------------------------------------
  state_e        st_d, st_q;
  logic [31:0]   idx_d, idx_q;       // descriptor index
  logic [31:0]   cnt_d, cnt_q;       // descriptors in the job
  circe_axi_pkg::addr_t         dva_d, dva_q;       // VA of descriptor idx
  logic          aborting_d, aborting_q;
  circe_pkg::circe_status_e job_code_d, job_code_q;
  logic [31:0]   job_index_d, job_index_q;
  circe_axi_pkg::addr_t         job_va_d, job_va_q;
  logic          done_d, done_q;
  logic          desc_ok_d, desc_ok_q;  // perf pulse
  logic [47:0]   macs_owed_d, macs_owed_q;
  logic          sp_d, sp_q;              // a status write is in flight (next one fetched)
  logic          sp_fail_d, sp_fail_q;    // ... and it failed
  circe_pkg::circe_status_e sp_code_d, sp_code_q;
  circe_axi_pkg::addr_t     sp_va_d, sp_va_q;
  logic [127:0]  stb_q;                   // the status block being written

  // Result of the descriptor being executed (the status block).
  logic          fail_d, fail_q;     // an error happened: stop, drain
  circe_pkg::circe_status_e res_code_d, res_code_q;
  logic [31:0]   res_detail_d, res_detail_q;
  circe_axi_pkg::addr_t         res_va_d, res_va_q;

  // The descriptor, up to y_va (the rest is reserved or the status block).
  localparam int unsigned DescBits = (circe_pkg::CIRCE_DESC_GEMM_Y_VA_OFF + 8) * 8;
  logic [DescBits-1:0] desc_q;
  logic          desc_we0, desc_we1;

  // ---------------------------------------------------------------------
  // Descriptor fields and checks (circe_hls_gemm_check order)
  // ---------------------------------------------------------------------
  logic [31:0] d_opcode, d_flags, d_m, d_k, d_n, d_in_zp, d_out_zp, d_cmin, d_cmax;
  logic [31:0] d_lda, d_ldw, d_ldy;
  logic [63:0] d_a_va, d_w_va, d_bias_va, d_rq_va, d_y_va;
  logic [7:0]  d_ill;            // 0 or CIRCE_HW_ILL_*
  logic        d_int4, d_out16;
  logic signed [31:0] d_lo, d_hi;
  logic [32:0] d_ldw_min, d_ldy_min;

  always_comb begin
    d_opcode  = desc_q[circe_pkg::CIRCE_DESC_GEMM_OPCODE_OFF*8 +: 32];
    d_flags   = desc_q[circe_pkg::CIRCE_DESC_GEMM_FLAGS_OFF*8 +: 32];
    d_m       = desc_q[circe_pkg::CIRCE_DESC_GEMM_M_OFF*8 +: 32];
    d_k       = desc_q[circe_pkg::CIRCE_DESC_GEMM_K_OFF*8 +: 32];
    d_n       = desc_q[circe_pkg::CIRCE_DESC_GEMM_N_OFF*8 +: 32];
    d_in_zp   = desc_q[circe_pkg::CIRCE_DESC_GEMM_IN_ZP_OFF*8 +: 32];
    d_out_zp  = desc_q[circe_pkg::CIRCE_DESC_GEMM_OUT_ZP_OFF*8 +: 32];
    d_cmin    = desc_q[circe_pkg::CIRCE_DESC_GEMM_CLAMP_MIN_OFF*8 +: 32];
    d_cmax    = desc_q[circe_pkg::CIRCE_DESC_GEMM_CLAMP_MAX_OFF*8 +: 32];
    d_lda     = desc_q[circe_pkg::CIRCE_DESC_GEMM_LDA_OFF*8 +: 32];
    d_ldw     = desc_q[circe_pkg::CIRCE_DESC_GEMM_LDW_OFF*8 +: 32];
    d_ldy     = desc_q[circe_pkg::CIRCE_DESC_GEMM_LDY_OFF*8 +: 32];
    d_a_va    = desc_q[circe_pkg::CIRCE_DESC_GEMM_A_VA_OFF*8 +: 64];
    d_w_va    = desc_q[circe_pkg::CIRCE_DESC_GEMM_W_VA_OFF*8 +: 64];
    d_bias_va = desc_q[circe_pkg::CIRCE_DESC_GEMM_BIAS_VA_OFF*8 +: 64];
    d_rq_va   = desc_q[circe_pkg::CIRCE_DESC_GEMM_RQ_VA_OFF*8 +: 64];
    d_y_va    = desc_q[circe_pkg::CIRCE_DESC_GEMM_Y_VA_OFF*8 +: 64];

    d_int4    = |(d_flags & circe_pkg::CIRCE_HW_GEMM_INT4);
    d_out16   = |(d_flags & circe_pkg::CIRCE_HW_GEMM_OUT16);
    d_lo      = d_out16 ? -32'sd32768 : -32'sd128;
    d_hi      = d_out16 ? 32'sd32767 : 32'sd127;
    d_ldw_min = d_int4 ? ({1'b0, d_k} + 33'd1) >> 1 : {1'b0, d_k};
    d_ldy_min = d_out16 ? {d_n, 1'b0} : {1'b0, d_n};

    d_ill = 8'd0;
    if (d_opcode != 32'(circe_pkg::CIRCE_HW_OP_GEMM)) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_OPCODE;
    end else if ((d_flags & ~circe_pkg::CIRCE_HW_GEMM_FLAGS_ALL) != '0) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (d_m == '0 || d_m > 32'(circe_pkg::CIRCE_HW_GEMM_MAX_M) ||
                 d_k == '0 || d_k > 32'(circe_pkg::CIRCE_HW_GEMM_MAX_K) ||
                 d_n == '0 || d_n > 32'(circe_pkg::CIRCE_HW_GEMM_MAX_N)) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if (d_lda < d_k || {1'b0, d_ldw} < d_ldw_min || {1'b0, d_ldy} < d_ldy_min) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_STRIDE;
    end else if ($signed(d_in_zp) < -32'sd128 || $signed(d_in_zp) > 32'sd127 ||
                 $signed(d_out_zp) < d_lo || $signed(d_out_zp) > d_hi) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_ZERO_POINT;
    end else if ($signed(d_cmin) > $signed(d_cmax) || $signed(d_cmin) < d_lo ||
                 $signed(d_cmax) > d_hi) begin
      d_ill = circe_pkg::CIRCE_HW_ILL_CLAMP;
    end
  end

  // ---------------------------------------------------------------------
  // Memory-engine descriptors. COPY fields and checks (circe_hls_memeng_check order: FLAGS, DIMS,
  // OVERLAP of the ranges as numbers, without wrap-around)
  // ---------------------------------------------------------------------
  logic [63:0] c_flags, c_bytes, c_src, c_dst, c_gap;
  logic [7:0]  c_ill;

  always_comb begin
    c_flags = 64'(desc_q[circe_pkg::CIRCE_DESC_COPY_FLAGS_OFF*8 +: 32]);
    c_bytes = desc_q[circe_pkg::CIRCE_DESC_COPY_BYTES_OFF*8 +: 64];
    c_src   = desc_q[circe_pkg::CIRCE_DESC_COPY_SRC_VA_OFF*8 +: 64];
    c_dst   = desc_q[circe_pkg::CIRCE_DESC_COPY_DST_VA_OFF*8 +: 64];
    c_gap   = (c_src <= c_dst) ? c_dst - c_src : c_src - c_dst;
    c_ill   = 8'd0;
    if (c_flags != '0) begin
      c_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (c_bytes == '0 || c_bytes > circe_pkg::CIRCE_HW_COPY_MAX_BYTES) begin
      c_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if (c_gap < c_bytes) begin
      c_ill = circe_pkg::CIRCE_HW_ILL_OVERLAP;
    end
  end

  // PCHASE fields and checks (FLAGS, DIMS, ALIGN)
  logic [31:0] p_flags, p_next_off, p_val_off, p_max;
  logic [63:0] p_start, p_result;
  logic [7:0]  p_ill;
  logic        d_copy, d_pchase, d_forest;

  // FOREST fields and checks (FLAGS, DIMS, ALIGN)
  logic [31:0] f_flags, f_trees, f_features, f_max_depth;
  logic [63:0] f_roots, f_x, f_out;
  logic [7:0]  f_ill;

  always_comb begin
    f_flags     = desc_q[circe_pkg::CIRCE_DESC_FOREST_FLAGS_OFF*8 +: 32];
    f_trees     = desc_q[circe_pkg::CIRCE_DESC_FOREST_TREES_OFF*8 +: 32];
    f_features  = desc_q[circe_pkg::CIRCE_DESC_FOREST_FEATURES_OFF*8 +: 32];
    f_max_depth = desc_q[circe_pkg::CIRCE_DESC_FOREST_MAX_DEPTH_OFF*8 +: 32];
    f_roots     = desc_q[circe_pkg::CIRCE_DESC_FOREST_ROOTS_VA_OFF*8 +: 64];
    f_x         = desc_q[circe_pkg::CIRCE_DESC_FOREST_X_VA_OFF*8 +: 64];
    f_out       = desc_q[circe_pkg::CIRCE_DESC_FOREST_OUT_VA_OFF*8 +: 64];
    f_ill       = 8'd0;
    if ((f_flags & ~circe_pkg::CIRCE_HW_FOREST_FLAGS_ALL) != '0) begin
      f_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (f_trees == '0 || f_trees > 32'(circe_pkg::CIRCE_HW_FOREST_MAX_TREES) ||
                 f_features == '0 || f_features > 32'(circe_pkg::CIRCE_HW_FOREST_MAX_FEATURES) ||
                 f_max_depth == '0 || f_max_depth > 32'(circe_pkg::CIRCE_HW_FOREST_MAX_DEPTH)) begin
      f_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if (f_roots[2:0] != 3'd0 || (f_x[1:0] | f_out[1:0]) != 2'd0) begin
      f_ill = circe_pkg::CIRCE_HW_ILL_ALIGN;
    end
  end

  always_comb begin
    p_flags    = desc_q[circe_pkg::CIRCE_DESC_PCHASE_FLAGS_OFF*8 +: 32];
    p_start    = desc_q[circe_pkg::CIRCE_DESC_PCHASE_START_VA_OFF*8 +: 64];
    p_next_off = desc_q[circe_pkg::CIRCE_DESC_PCHASE_NEXT_OFF_OFF*8 +: 32];
    p_val_off  = desc_q[circe_pkg::CIRCE_DESC_PCHASE_VAL_OFF_OFF*8 +: 32];
    p_max      = desc_q[circe_pkg::CIRCE_DESC_PCHASE_MAX_NODES_OFF*8 +: 32];
    p_result   = desc_q[circe_pkg::CIRCE_DESC_PCHASE_RESULT_VA_OFF*8 +: 64];
    p_ill      = 8'd0;
    if ((p_flags & ~circe_pkg::CIRCE_HW_PCHASE_FLAGS_ALL) != '0) begin
      p_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (p_max == '0 || p_next_off > 32'(circe_pkg::CIRCE_HW_PCHASE_MAX_OFF) ||
                 p_val_off > 32'(circe_pkg::CIRCE_HW_PCHASE_MAX_OFF)) begin
      p_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if ((p_next_off[2:0] | p_val_off[2:0] | p_start[2:0] | p_result[2:0]) != 3'd0) begin
      p_ill = circe_pkg::CIRCE_HW_ILL_ALIGN;
    end
  end

  // SPMV fields and checks (FLAGS, DIMS, ALIGN)
  logic [31:0] s_flags, s_rows, s_cols, s_nnz;
  logic [63:0] s_row_ptr, s_col, s_val, s_x, s_y;
  logic [7:0]  s_ill;
  logic        d_spmv;

  always_comb begin
    s_flags   = desc_q[circe_pkg::CIRCE_DESC_SPMV_FLAGS_OFF*8 +: 32];
    s_rows    = desc_q[circe_pkg::CIRCE_DESC_SPMV_ROWS_OFF*8 +: 32];
    s_cols    = desc_q[circe_pkg::CIRCE_DESC_SPMV_COLS_OFF*8 +: 32];
    s_nnz     = desc_q[circe_pkg::CIRCE_DESC_SPMV_NNZ_OFF*8 +: 32];
    s_row_ptr = desc_q[circe_pkg::CIRCE_DESC_SPMV_ROW_PTR_VA_OFF*8 +: 64];
    s_col     = desc_q[circe_pkg::CIRCE_DESC_SPMV_COL_IDX_VA_OFF*8 +: 64];
    s_val     = desc_q[circe_pkg::CIRCE_DESC_SPMV_VAL_VA_OFF*8 +: 64];
    s_x       = desc_q[circe_pkg::CIRCE_DESC_SPMV_X_VA_OFF*8 +: 64];
    s_y       = desc_q[circe_pkg::CIRCE_DESC_SPMV_Y_VA_OFF*8 +: 64];
    s_ill     = 8'd0;
    if (s_flags != '0) begin
      s_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (s_rows == '0 || s_rows > 32'(circe_pkg::CIRCE_HW_SPMV_MAX_ROWS) ||
                 s_cols == '0 || s_cols > 32'(circe_pkg::CIRCE_HW_SPMV_MAX_COLS) ||
                 s_nnz > 32'(circe_pkg::CIRCE_HW_SPMV_MAX_NNZ)) begin
      s_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if ((s_row_ptr[1:0] | s_col[1:0] | s_y[1:0]) != 2'd0) begin
      s_ill = circe_pkg::CIRCE_HW_ILL_ALIGN;
    end
  end

  // CIRC fields and checks (circe_hls_circ_check order: FLAGS, DIMS,
  // STRIDE, ZERO_POINT, CLAMP). On the array a CIRC is a GEMM with M = p =
  // n_out / k, K = q * k, N = k (docs/rtl.md, "Block-circulant mode").
  logic [31:0] x_flags, x_k, x_n_in, x_n_out, x_batch, x_out_zp, x_cmin, x_cmax;
  logic [31:0] x_ldw, x_ldx, x_ldy;
  logic [63:0] x_w_va, x_x_va, x_bias_va, x_rq_va, x_y_va;
  logic [7:0]  x_ill;
  logic        d_circ, x_out16, x_kok;
  logic [31:0] x_kmask;
  logic [32:0] x_kq;               // q * k: n_in rounded up to a multiple of k
  logic [32:0] x_ldy_min;
  logic signed [31:0] x_lo, x_hi;

  always_comb begin
    x_flags   = desc_q[circe_pkg::CIRCE_DESC_CIRC_FLAGS_OFF*8 +: 32];
    x_k       = desc_q[circe_pkg::CIRCE_DESC_CIRC_K_OFF*8 +: 32];
    x_n_in    = desc_q[circe_pkg::CIRCE_DESC_CIRC_N_IN_OFF*8 +: 32];
    x_n_out   = desc_q[circe_pkg::CIRCE_DESC_CIRC_N_OUT_OFF*8 +: 32];
    x_batch   = desc_q[circe_pkg::CIRCE_DESC_CIRC_BATCH_OFF*8 +: 32];
    x_out_zp  = desc_q[circe_pkg::CIRCE_DESC_CIRC_OUT_ZP_OFF*8 +: 32];
    x_cmin    = desc_q[circe_pkg::CIRCE_DESC_CIRC_CLAMP_MIN_OFF*8 +: 32];
    x_cmax    = desc_q[circe_pkg::CIRCE_DESC_CIRC_CLAMP_MAX_OFF*8 +: 32];
    x_ldw     = desc_q[circe_pkg::CIRCE_DESC_CIRC_LDW_OFF*8 +: 32];
    x_ldx     = desc_q[circe_pkg::CIRCE_DESC_CIRC_LDX_OFF*8 +: 32];
    x_ldy     = desc_q[circe_pkg::CIRCE_DESC_CIRC_LDY_OFF*8 +: 32];
    x_w_va    = desc_q[circe_pkg::CIRCE_DESC_CIRC_W_VA_OFF*8 +: 64];
    x_x_va    = desc_q[circe_pkg::CIRCE_DESC_CIRC_X_VA_OFF*8 +: 64];
    x_bias_va = desc_q[circe_pkg::CIRCE_DESC_CIRC_BIAS_VA_OFF*8 +: 64];
    x_rq_va   = desc_q[circe_pkg::CIRCE_DESC_CIRC_RQ_VA_OFF*8 +: 64];
    x_y_va    = desc_q[circe_pkg::CIRCE_DESC_CIRC_Y_VA_OFF*8 +: 64];

    x_out16   = |(x_flags & circe_pkg::CIRCE_HW_CIRC_OUT16);
    x_lo      = x_out16 ? -32'sd32768 : -32'sd128;
    x_hi      = x_out16 ? 32'sd32767 : 32'sd127;
    x_kok     = (x_k == 32'd1) || (x_k == 32'd2) || (x_k == 32'd4) || (x_k == 32'd8) ||
                (x_k == 32'd16);
    x_kmask   = x_k - 32'd1;
    x_kq      = ({1'b0, x_n_in} + {1'b0, x_kmask}) & ~{1'b0, x_kmask};
    x_ldy_min = x_out16 ? {x_n_out, 1'b0} : {1'b0, x_n_out};

    x_ill = 8'd0;
    if ((x_flags & ~circe_pkg::CIRCE_HW_CIRC_FLAGS_ALL) != '0) begin
      x_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (!x_kok ||
                 x_n_in == '0 || x_n_in > 32'(circe_pkg::CIRCE_HW_CIRC_MAX_IN) ||
                 x_n_out == '0 || x_n_out > 32'(circe_pkg::CIRCE_HW_CIRC_MAX_OUT) ||
                 x_batch == '0 || x_batch > 32'(circe_pkg::CIRCE_HW_CIRC_MAX_BATCH) ||
                 (x_n_out & x_kmask) != '0) begin
      x_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if ({1'b0, x_ldw} < x_kq || x_ldx < x_n_in || {1'b0, x_ldy} < x_ldy_min) begin
      x_ill = circe_pkg::CIRCE_HW_ILL_STRIDE;
    end else if ($signed(x_out_zp) < x_lo || $signed(x_out_zp) > x_hi) begin
      x_ill = circe_pkg::CIRCE_HW_ILL_ZERO_POINT;
    end else if ($signed(x_cmin) > $signed(x_cmax) || $signed(x_cmin) < x_lo ||
                 $signed(x_cmax) > x_hi) begin
      x_ill = circe_pkg::CIRCE_HW_ILL_CLAMP;
    end
  end

  assign d_circ     = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_CIRC);

  // LSTM fields and checks (circe_hls_lstm_check order: FLAGS, DIMS,
  // ZERO_POINT, REQUANT, ALIGN)
  logic [31:0] l_flags, l_hidden, l_h_zp, l_m0, l_shift;
  logic [63:0] l_gx, l_gh, l_cin, l_cout, l_h;
  logic [7:0]  l_ill;
  logic        d_lstm, l_nogh;

  always_comb begin
    l_flags  = desc_q[circe_pkg::CIRCE_DESC_LSTM_FLAGS_OFF*8 +: 32];
    l_hidden = desc_q[circe_pkg::CIRCE_DESC_LSTM_HIDDEN_OFF*8 +: 32];
    l_h_zp   = desc_q[circe_pkg::CIRCE_DESC_LSTM_H_ZP_OFF*8 +: 32];
    l_m0     = desc_q[circe_pkg::CIRCE_DESC_LSTM_H_RQ_M0_OFF*8 +: 32];
    l_shift  = desc_q[circe_pkg::CIRCE_DESC_LSTM_H_RQ_SHIFT_OFF*8 +: 32];
    l_gx     = desc_q[circe_pkg::CIRCE_DESC_LSTM_GX_VA_OFF*8 +: 64];
    l_gh     = desc_q[circe_pkg::CIRCE_DESC_LSTM_GH_VA_OFF*8 +: 64];
    l_cin    = desc_q[circe_pkg::CIRCE_DESC_LSTM_C_IN_VA_OFF*8 +: 64];
    l_cout   = desc_q[circe_pkg::CIRCE_DESC_LSTM_C_OUT_VA_OFF*8 +: 64];
    l_h      = desc_q[circe_pkg::CIRCE_DESC_LSTM_H_VA_OFF*8 +: 64];
    l_nogh   = |(l_flags & circe_pkg::CIRCE_HW_LSTM_NO_GH);
    l_ill    = 8'd0;
    if ((l_flags & ~circe_pkg::CIRCE_HW_LSTM_FLAGS_ALL) != '0) begin
      l_ill = circe_pkg::CIRCE_HW_ILL_FLAGS;
    end else if (l_hidden == '0 || l_hidden > 32'(circe_pkg::CIRCE_HW_LSTM_MAX_HIDDEN)) begin
      l_ill = circe_pkg::CIRCE_HW_ILL_DIMS;
    end else if ($signed(l_h_zp) < -32'sd128 || $signed(l_h_zp) > 32'sd127) begin
      l_ill = circe_pkg::CIRCE_HW_ILL_ZERO_POINT;
    end else if (l_m0[31] ||
                 $signed(l_shift) < 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MIN) ||
                 $signed(l_shift) > 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MAX)) begin
      l_ill = circe_pkg::CIRCE_HW_ILL_REQUANT;
    end else if ((l_gx[0] | l_cin[0] | l_cout[0] | (l_gh[0] & !l_nogh)) != 1'b0) begin
      l_ill = circe_pkg::CIRCE_HW_ILL_ALIGN;
    end
  end

  assign d_lstm = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_LSTM);
  assign d_copy     = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_COPY);
  assign d_pchase   = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_PCHASE);
  assign d_forest   = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_FOREST);
  assign d_spmv     = d_opcode == 32'(circe_pkg::CIRCE_HW_OP_SPMV);
  assign me_start_o = (st_q == SDecode) && ((d_copy && c_ill == 8'd0) ||
                                            (d_pchase && p_ill == 8'd0) ||
                                            (d_forest && f_ill == 8'd0) ||
                                            (d_spmv && s_ill == 8'd0));
  assign me_pchase_o    = d_pchase;
  assign me_forest_o    = d_forest;
  assign me_spmv_o      = d_spmv;
  assign me_nnz_o       = s_nnz;
  assign me_col_va_o    = s_col;
  assign me_val_va_o    = s_val;
  assign me_src_o       = d_spmv ? s_row_ptr : (d_forest ? f_roots : (d_pchase ? p_start : c_src));
  assign me_dst_o       = d_spmv ? s_y : (d_forest ? f_out : (d_pchase ? p_result : c_dst));
  assign me_x_va_o      = d_spmv ? s_x : f_x;
  assign me_features_o  = d_spmv ? s_cols : f_features;
  assign me_max_depth_o = f_max_depth[12:0];
  assign me_per_tree_o  = |(f_flags & circe_pkg::CIRCE_HW_FOREST_PER_TREE);
  assign me_next_off_o  = p_next_off[11:0];
  assign me_val_off_o   = p_val_off[11:0];
  assign me_stop_null_o = |(p_flags & circe_pkg::CIRCE_HW_PCHASE_STOP_NULL);
  // COPY: <= CIRCE_HW_COPY_MAX_BYTES when started; PCHASE: max_nodes
  assign me_bytes_o     = d_spmv ? s_rows : (d_forest ? f_trees : (d_pchase ? p_max : c_bytes[31:0]));

  // ---------------------------------------------------------------------
  // GEMM configuration, taken in SDecode (legal descriptors only)
  // ---------------------------------------------------------------------
  logic [15:0] cfg_m, cfg_n;
  logic [14:0] cfg_k;
  logic        cfg_int4, cfg_out16, cfg_bias, cfg_perch;
  logic [7:0]  cfg_in_zp;
  logic [31:0] cfg_out_zp, cfg_cmin, cfg_cmax;
  logic [31:0] cfg_lda, cfg_ldw, cfg_ldy;
  circe_axi_pkg::addr_t       cfg_a_va, cfg_w_va, cfg_bias_va, cfg_rq_va, cfg_y_va;
  logic [16:0] cfg_yrow;          // bytes of a Y row
  logic        cfg_a_contig;      // A block = one command
  logic [14:0] cfg_pitch_a;       // bytes between A rows in the ring
  logic [8:0]  cfg_kbeats;        // beats of one A row (strided)
  logic [3:0]  cfg_mt_log2;
  logic [14:0] cfg_kc;            // K elements per piece
  logic        cfg_w_single;      // W chunk = one command
  logic [14:0] cfg_wrow;          // bytes of a W row
  logic [14:0] cfg_pitch_w;       // bytes between W rows in the ring
  logic [WBW:0] cfg_wchunk;       // beats reserved per W chunk
  logic [3:0]  cfg_g_log2;        // N chunks per output group
  logic        cfg_ydense;        // a block's Y is one write
  logic [30:0] cfg_mk;
  logic [47:0] cfg_macs;
  // CIRC (cfg_circ): the GEMM above is M = p, K = q * k, N = k with A = the
  // weight rows (w_va, ldw) and the stationary operand expanded from x.
  logic        cfg_circ;
  logic [2:0]  cfg_klog2;         // log2 k
  logic [14:0] cfg_nin;           // n_in: x elements past it are 0
  logic [15:0] cfg_nrq;           // requant entries with PER_CHANNEL / PER_BLOCK
  logic [15:0] cfg_batch;
  logic [31:0] cfg_ldx, cfg_ldyb; // batch strides of x and y
  logic        cfg_ylin;          // Y staged densely, one write per block
  logic        cfg_y2;            // an out16 chunk fills two staging lanes
  logic [15:0] cb_idx_q;          // batch element being computed
  logic [47:0] cb_macs_q;         // MACs of the batch elements done

  // LSTM (SLstm): chunks of 128 hidden units (256 bytes = 4 beats of each
  // int16 stream), 4 chunks' reads in flight
  localparam int unsigned LChunk  = 128;
  localparam int unsigned LSlots  = 4;
  localparam int unsigned LuSteps = LChunk / LstmLanes;  // unit steps per chunk
  localparam int unsigned LuStepW = $clog2(LuSteps);
  logic         lrun;
  logic [14:0]  cl_hidden;
  logic         cl_nogh;
  logic [31:0]  cl_hzp, cl_m0, cl_shift;
  circe_axi_pkg::addr_t cl_gx, cl_gh, cl_cin, cl_cout, cl_h;
  logic [9:0]   cl_nch;                   // chunks: ceil(hidden / 32)
  logic [9:0]   lr_j_d, lr_j_q;           // reads: chunk being issued
  logic [3:0]   lr_s_d, lr_s_q;           // ... its stream: gx 0-3, gh 4-7, c_in 8
  logic         lr_issue;
  circe_axi_pkg::addr_t lr_va;
  logic [31:0]  lr_bytes;
  logic [9:0]   l_loaded_q;               // chunks whose reads completed
  logic [9:0]   lf_j_q;                   // chunks fed to the unit
  logic [LuStepW-1:0] lf_u_q;             // step of the chunk being fed
  logic         lf_go;
  logic [9:0]   lo_j_q;                   // chunks whose results are complete
  logic [LuStepW-1:0] lo_u_q;
  logic [9:0]   lw_j_q;                   // chunks written
  logic         lw_h_q;                   // its c_out piece is issued, h next
  logic [7:0]   lw_units;                 // units of chunk lw_j
  logic [9:0]   l_obfree_q;               // chunks whose result buffer was streamed
  logic         l_ob_free;
  logic [2047:0] lob_c_q [2];             // results: c_out, 4 beats
  logic [1023:0] lob_h_q [2];             //          h, 2 beats
  logic [4:0]   lu_cnt_q;                 // steps inside the unit
  logic         lu_busy, lstm_ok;
  logic [9:0]   l_done_q;

  // Values computed from the descriptor for the configuration.
  logic [14:0] c_k, c_wrow, c_pitch_a, c_pitch_w, c_kc;
  logic        c_a_contig, c_w_single, c_int4, c_out16;
  logic [3:0]  c_mt_log2, c_mt_full, c_g_log2;
  logic [WBW:0] c_wchunk;
  logic [16:0] c_yrow;
  logic [31:0] c_lda;
  logic [2:0]  c_klog2;

  always_comb begin
    c_klog2 = 3'd0;
    for (int unsigned i = 1; i <= 4; i++) begin
      if (x_k[i]) begin
        c_klog2 = 3'(i);
      end
    end
    c_k        = d_circ ? x_kq[14:0] : d_k[14:0];
    c_lda      = d_circ ? x_ldw : d_lda;
    c_int4     = d_int4 && !d_circ;
    c_out16    = d_circ ? x_out16 : d_out16;
    c_wrow     = c_int4 ? 15'((16'(c_k) + 16'd1) >> 1) : c_k;
    c_a_contig = (c_lda == {17'd0, c_k});
    c_pitch_a  = c_a_contig ? c_k : ((c_k + 15'd63) & ~15'd63);
    // Rows per M block: the largest power of 2 (up to MtMax) whose block
    // fits half the A ring (so the next block loads meanwhile), or, if that
    // is below Rows, fits the whole ring.
    c_mt_log2 = '0;
    c_mt_full = '0;
    for (int unsigned i = 0; i <= MtMaxLog2; i++) begin
      if ((32'(c_pitch_a) << i) <= 32'(ABytes / 2)) begin
        c_mt_log2 = 4'(i);
      end
      if ((32'(c_pitch_a) << i) <= 32'(ABytes) && i <= RowsLog2) begin
        c_mt_full = 4'(i);
      end
    end
    if (c_mt_log2 < 4'(RowsLog2)) begin
      c_mt_log2 = c_mt_full;
    end
    // CIRC: blocks of 2 Cols rows at most. A block's tiles then still take
    // longer than the expansion of their weights (Cols + 3 cycles), and the
    // first block, which the array waits for whole, loads sooner.
    if (d_circ && c_mt_log2 > 4'(CircMtLog2)) begin
      c_mt_log2 = 4'(CircMtLog2);
    end
    // W chunks: whole rows if Cols of them fit half the ring, else pieces.
    if (32'(c_wrow) <= 32'(WPiece)) begin
      c_kc       = c_k;
      c_w_single = (d_ldw == {17'd0, c_wrow});
      c_pitch_w  = c_w_single ? c_wrow : ((c_wrow + 15'd63) & ~15'd63);
    end else begin
      c_kc       = c_int4 ? 15'(2 * WPiece) : 15'(WPiece);
      c_w_single = 1'b0;
      c_pitch_w  = 15'(WPiece);
    end
    c_wchunk = c_w_single ? (WBW + 1)'((32'(c_wrow) * Cols + 32'd63) >> 6)
                          : (WBW + 1)'((32'(c_pitch_w) * Cols) >> 6);
    c_yrow   = c_out16 ? {d_n[15:0], 1'b0} : {1'b0, d_n[15:0]};
    if (d_circ) begin
      // The "W chunk" of a CIRC is x itself: one row, in pieces of half the
      // ring when longer (n_in > WBytes / 2).
      c_kc       = (32'(c_k) <= 32'(WBytes / 2)) ? c_k : 15'(WBytes / 2);
      c_w_single = 1'b1;
      c_pitch_w  = c_kc;
      c_wchunk   = (WBW + 1)'((32'(c_kc) + 32'd63) >> 6);
      c_yrow     = 17'(x_k[4:0]) << (c_out16 ? 1 : 0);
    end
    c_g_log2 = c_out16 ? 4'(YgLog2 - 1) : 4'(YgLog2);
  end

  // ---------------------------------------------------------------------
  // Shared counters between loader, consumer and compute
  // ---------------------------------------------------------------------
  logic [31:0]  a_loaded_d, a_loaded_q;   // A blocks loaded
  logic [31:0]  w_loaded_d, w_loaded_q;   // W chunks loaded (with side data)
  logic [ABW:0] a_used_d, a_used_q;       // A ring beats reserved
  logic [WBW:0] w_used_d, w_used_q;
  logic [SideW:0] side_used_d, side_used_q;
  logic [31:0]  groups_filled_d, groups_filled_q;
  logic [31:0]  groups_drained_d, groups_drained_q;
  logic         chk_bad_d, chk_bad_q;     // the requant table has a bad entry
  logic [31:0]  rq_m0_d, rq_m0_q, rq_shift_d, rq_shift_q;  // per-tensor entry

  logic         gemm_init;                // SSetup: everything starts over
  logic         stop;                     // no new work: error, abort or drain
  logic         run;

  logic         circ_next;                // SRun: a CIRC's next batch element
  logic         gemm_ok;                  // every group written and acknowledged

  assign gemm_init = (st_q == SSetup);
  assign circ_next = (st_q == SRun) && !fail_q && gemm_ok && cfg_circ &&
                     (cb_idx_q + 16'd1 != cfg_batch);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cb_idx_q  <= '0;
      cb_macs_q <= '0;
    end else if (st_q == SDecode) begin
      cb_idx_q  <= '0;
      cb_macs_q <= '0;
    end else if (circ_next) begin
      cb_idx_q  <= cb_idx_q + 16'd1;
      cb_macs_q <= cb_macs_q + cfg_macs;
    end
  end
  assign run       = (st_q == SRun) && !fail_q;
  assign stop      = !run;

  // Events from the parts, combined below.
  logic         ld_a_alloc, ld_w_alloc, ld_side_alloc;
  logic [ABW:0] ld_blk_beats;
  logic         f_a_free;
  logic [ABW:0] f_blk_beats;
  logic         g_w_free;
  logic         o_side_free;
  logic         o_group_filled;
  logic         s_group_drained;
  logic         c_a_loaded, c_w_loaded;

  // Beats of an A block of `rows` rows (never above ABeats by the choice
  // of Mt).
  function automatic logic [23:0] blk_beats(input logic [MtW-1:0] rows, input logic contig,
                                            input logic [14:0] k, input logic [8:0] kbeats);
    if (contig) begin
      blk_beats = 24'((32'(rows) * 32'(k) + 32'd63) >> 6);
    end else begin
      blk_beats = 24'(32'(rows) * 32'(kbeats));
    end
  endfunction

  // ---------------------------------------------------------------------
  // DMA read: command mux and tag FIFO
  // ---------------------------------------------------------------------
  logic              rd_cmd_valid;
  circe_axi_pkg::addr_t             rd_cmd_va;
  logic [31:0]       rd_cmd_bytes;
  logic [RdTagW-1:0] rd_cmd_tag;
  logic              rd_cmd_fire;

  logic [RdTagW-1:0]  rt_mem [RdTags];
  logic [RdTagAW-1:0] rt_wptr_d, rt_wptr_q, rt_rptr_d, rt_rptr_q;
  logic [RdTagAW:0]   rt_cnt_d, rt_cnt_q;
  logic               rt_full;
  logic [RdTagW-1:0]  rt_head;

  assign rt_full        = (rt_cnt_q == (RdTagAW + 1)'(RdTags));
  assign rd_cmd_valid_o = rd_cmd_valid && !rt_full;
  assign rd_cmd_va_o    = rd_cmd_va;
  assign rd_cmd_bytes_o = rd_cmd_bytes;
  assign rd_cmd_fire    = rd_cmd_valid_o && rd_cmd_ready_i;
  assign rt_head        = rt_mem[rt_rptr_q];

  always_ff @(posedge clk_i) begin
    if (rd_cmd_fire) begin
      rt_mem[rt_wptr_q] <= rd_cmd_tag;
    end
  end

  // ---------------------------------------------------------------------
  // Consumer of the read stream
  // ---------------------------------------------------------------------
  logic [2:0]       rh_kind;
  logic [TagBW-1:0] rh_base;
  logic             rh_a_done, rh_w_done;
  logic             rd_beat, rd_sts_fire;
  logic [15:0]      rb_cnt_d, rb_cnt_q;    // beat of the head command
  logic             rd_err;                // head command ended with an error

  assign rh_kind   = rt_head[RdTagW-1 -: 3];
  assign rh_base   = rt_head[2 +: TagBW];
  assign rh_a_done = rt_head[1];
  assign rh_w_done = rt_head[0];

  assign rd_data_ready_o = 1'b1;
  assign rd_sts_ready_o  = 1'b1;
  assign rd_beat         = rd_data_valid_i;
  assign rd_sts_fire     = rd_sts_valid_i;
  assign rd_err          = rd_sts_fire && (rd_sts_code_i != circe_pkg::CIRCE_HW_ST_OK);

  // A ring and W ring writes.
  logic              a_we, w_we;
  logic [ABW-1:0]    a_waddr;
  logic [WBW-1:0]    w_waddr;

  assign a_we    = rd_beat && (rh_kind == KA);
  assign w_we    = rd_beat && (rh_kind == KW);
  assign a_waddr = ABW'(rh_base) + ABW'(rb_cnt_q);
  assign w_waddr = WBW'(rh_base) + WBW'(rb_cnt_q);
  assign desc_we0 = rd_beat && (rh_kind == KDesc) && (rb_cnt_q == '0);
  assign desc_we1 = rd_beat && (rh_kind == KDesc) && (rb_cnt_q != '0);

  always_ff @(posedge clk_i) begin
    if (desc_we0) begin
      desc_q[511:0] <= rd_data_i;
    end
    if (desc_we1) begin
      desc_q[DescBits-1:512] <= rd_data_i[DescBits-513:0];
    end
  end

  // Requant table check: 8 entries per beat.
  logic chk_beat_bad;
  always_comb begin
    chk_beat_bad = 1'b0;
    for (int unsigned e = 0; e < 8; e++) begin
      if (7'(e * 8) < rd_data_bytes_i) begin
        if (rd_data_i[e*64 + 31] ||
            $signed(rd_data_i[e*64 + 32 +: 32]) < 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MIN) ||
            $signed(rd_data_i[e*64 + 32 +: 32]) > 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MAX)) begin
          chk_beat_bad = 1'b1;
        end
      end
    end
  end

  // Side slots: each chunk's bias (Cols x int32) and requant entries
  // (Cols x {m0, shift}); small, read asynchronously by the output side.
  logic [BiasBeats*512-1:0] side_bias_q [SideSlots];
  logic [RqBeats*512-1:0]   side_rq_q [SideSlots];
  logic                     bias_we, rq_we;
  logic [SideW-1:0]         side_widx;

  assign bias_we   = rd_beat && (rh_kind == KBias);
  assign rq_we     = rd_beat && (rh_kind == KRq);
  assign side_widx = SideW'(rh_base);

  // CIRC: per M block (two slots) the block's biases, k per row, and its
  // requant entries, one per row, as they come from memory.
  logic [511:0]          cb_mem [2*MtMax];
  logic [511:0]          crq_mem [2*RqSlotBeats];
  logic [MtAW:0]         cb_waddr;
  logic [RqSlotAW:0]     crq_waddr;

  assign cb_waddr  = (MtAW + 1)'(rh_base) + (MtAW + 1)'(rb_cnt_q);
  assign crq_waddr = (RqSlotAW + 1)'(rh_base) + (RqSlotAW + 1)'(rb_cnt_q);

  always_ff @(posedge clk_i) begin
    if (bias_we && cfg_circ) begin
      cb_mem[cb_waddr] <= rd_data_i;
    end
    if (rq_we && cfg_circ) begin
      crq_mem[crq_waddr] <= rd_data_i;
    end
  end

  if (BiasBeats > 1) begin : g_bias_multi
    always_ff @(posedge clk_i) begin
      if (bias_we) begin
        side_bias_q[side_widx][{rb_cnt_q[$clog2(BiasBeats)-1:0], 9'd0} +: 512] <= rd_data_i;
      end
    end
  end else begin : g_bias_one
    always_ff @(posedge clk_i) begin
      if (bias_we) begin
        side_bias_q[side_widx] <= rd_data_i;
      end
    end
  end

  if (RqBeats > 1) begin : g_rq_multi
    always_ff @(posedge clk_i) begin
      if (rq_we) begin
        side_rq_q[side_widx][{rb_cnt_q[$clog2(RqBeats)-1:0], 9'd0} +: 512] <= rd_data_i;
      end
    end
  end else begin : g_rq_one
    always_ff @(posedge clk_i) begin
      if (rq_we) begin
        side_rq_q[side_widx] <= rd_data_i;
      end
    end
  end

  always_comb begin
    rb_cnt_d    = rb_cnt_q;
    chk_bad_d   = chk_bad_q;
    rq_m0_d     = rq_m0_q;
    rq_shift_d  = rq_shift_q;
    c_a_loaded  = 1'b0;
    c_w_loaded  = 1'b0;
    if (rd_beat) begin
      rb_cnt_d = rb_cnt_q + 1'b1;
      if (rh_kind == KChk) begin
        chk_bad_d = chk_bad_q | chk_beat_bad;
        if (rb_cnt_q == '0) begin
          rq_m0_d    = rd_data_i[31:0];
          rq_shift_d = rd_data_i[63:32];
        end
      end
    end
    if (rd_sts_fire) begin
      rb_cnt_d = '0;
      if (rd_sts_code_i == circe_pkg::CIRCE_HW_ST_OK) begin
        c_a_loaded = rh_a_done;
        c_w_loaded = rh_w_done;
      end
    end
    if (gemm_init) begin
      chk_bad_d = 1'b0;
    end
  end

  // ---------------------------------------------------------------------
  // Loader
  // ---------------------------------------------------------------------
  ld_state_e    ld_d, ld_q;
  logic         li_step;
  logic         li_valid, li_last_j, li_first_j, li_first_q;
  logic [15:0]  li_m0, li_n0;
  logic [MtW-1:0] li_rows;
  logic [ColsW-1:0] li_cols;
  logic [14:0]  li_kq, li_klen;
  logic         li_last_q;
  logic [31:0]  li_pair;
  logic [15:0]  ld_r_d, ld_r_q;           // row / column counter
  circe_axi_pkg::addr_t        ld_va_d, ld_va_q;          // VA of the next per-row command
  logic [TagBW-1:0] ld_dst_d, ld_dst_q;    // beat address of the next command
  logic [ABW-1:0] a_alloc_d, a_alloc_q;   // A ring: next free beat
  logic [WBW-1:0] w_alloc_d, w_alloc_q;
  circe_axi_pkg::addr_t        blk_a_va_d, blk_a_va_q;    // VA of the block's first A row
  circe_axi_pkg::addr_t        chunk_w_va_d, chunk_w_va_q; // VA of the chunk's first W row
  logic [14:0]  ld_piece;                  // bytes of a W row piece

    // Walker outputs this part does not use.
  logic  li_u_last_m;
  logic [15:0] li_u_gpos;
  logic  li_u_glast;
  logic [14:0] li_u_kt;
  logic [RowsW-1:0] li_u_kvalid;
  logic  li_u_first_t;
  logic  li_u_last_t;
  logic [31:0] li_u_blk_seq;
  logic [31:0] li_u_chunk_seq;
  logic [31:0] li_u_group_seq;
  logic unused_li_it;
  assign unused_li_it = ^{li_u_last_m, li_u_gpos, li_u_glast, li_u_kt, li_u_kvalid, li_u_first_t,
                          li_u_last_t, li_u_blk_seq, li_u_chunk_seq, li_u_group_seq};

  circe_gemm_iter #(
    .Rows  (Rows),
    .Cols  (Cols),
    .MtW   (MtW),
    .Tiles (1'b0)
  ) u_ld_it (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .init_i      (gemm_init),
    .step_i      (li_step),
    .m_i         (cfg_m),
    .n_i         (cfg_n),
    .k_i         (cfg_k),
    .mt_log2_i   (cfg_mt_log2),
    .kc_i        (cfg_kc),
    .g_log2_i    (cfg_g_log2),
    .valid_o     (li_valid),
    .m0_o        (li_m0),
    .rows_o      (li_rows),
    .last_m_o    (li_u_last_m),
    .n0_o        (li_n0),
    .cols_o      (li_cols),
    .first_j_o   (li_first_j),
    .last_j_o    (li_last_j),
    .gpos_o      (li_u_gpos),
    .glast_o     (li_u_glast),
    .kq_o        (li_kq),
    .klen_o      (li_klen),
    .first_q_o   (li_first_q),
    .last_q_o    (li_last_q),
    .kt_o        (li_u_kt),
    .kvalid_o    (li_u_kvalid),
    .first_t_o   (li_u_first_t),
    .last_t_o    (li_u_last_t),
    .blk_seq_o   (li_u_blk_seq),
    .pair_seq_o  (li_pair),
    .chunk_seq_o (li_u_chunk_seq),
    .group_seq_o (li_u_group_seq)
  );

  logic unused_li;
  assign unused_li = ^{li_m0};

  logic [23:0] ld_bb;
  assign ld_bb        = blk_beats(li_rows, cfg_a_contig, cfg_k, cfg_kbeats);
  assign ld_blk_beats = ld_bb[ABW:0];
  assign ld_piece     = cfg_int4 ? 15'((16'(li_klen) + 16'd1) >> 1) : li_klen;

  logic [14:0] li_kqb;   // byte offset of the K piece in a W row
  assign li_kqb = cfg_int4 ? (li_kq >> 1) : li_kq;

  logic ld_side;   // this chunk loads side data
  assign ld_side = li_first_q && (cfg_bias || cfg_perch);

  always_comb begin
    ld_d          = ld_q;
    ld_r_d        = ld_r_q;
    ld_va_d       = ld_va_q;
    ld_dst_d      = ld_dst_q;
    a_alloc_d     = a_alloc_q;
    w_alloc_d     = w_alloc_q;
    blk_a_va_d    = blk_a_va_q;
    chunk_w_va_d  = chunk_w_va_q;
    li_step       = 1'b0;
    ld_a_alloc    = 1'b0;
    ld_w_alloc    = 1'b0;
    ld_side_alloc = 1'b0;
    rd_cmd_valid  = 1'b0;
    rd_cmd_va     = '0;
    rd_cmd_bytes  = '0;
    rd_cmd_tag    = '0;

    unique case (ld_q)
      LIdle: begin
        if (gemm_init) begin
          ld_d         = LChk;
          a_alloc_d    = '0;
          w_alloc_d    = '0;
          blk_a_va_d   = cfg_a_va;
          chunk_w_va_d = cfg_w_va;
        end
      end

      // The whole requant table, checked on the way in (and the
      // per-tensor entry kept).
      LChk: begin
        rd_cmd_valid = run;
        rd_cmd_va    = cfg_rq_va;
        rd_cmd_bytes = cfg_perch ? {13'd0, cfg_nrq, 3'd0} : 32'd8;
        rd_cmd_tag   = {KChk, TagBW'(0), 2'b00};
        if (rd_cmd_fire) begin
          ld_d = LBlk;
        end
      end

      LBlk: begin
        if (!li_valid) begin
          ld_d = LDone;
        end else if (!(li_first_j && li_first_q)) begin
          ld_d = LWRes;
        end else if (run && ((ABW + 2)'(a_used_q) + (ABW + 2)'(ld_blk_beats) <=
                             (ABW + 2)'(ABeats))) begin
          ld_a_alloc = 1'b1;
          a_alloc_d  = a_alloc_q + ABW'(ld_blk_beats);
          ld_dst_d   = TagBW'(a_alloc_q);
          ld_va_d    = blk_a_va_q;
          ld_r_d     = '0;
          ld_d       = LA;
        end
      end

      LA: begin
        rd_cmd_valid = run;
        rd_cmd_va    = ld_va_q;
        if (cfg_a_contig) begin
          rd_cmd_bytes = 32'(li_rows) * 32'(cfg_k);
          rd_cmd_tag   = {KA, ld_dst_q, 2'b10};
          if (rd_cmd_fire) begin
            ld_d = LWRes;
          end
        end else begin
          rd_cmd_bytes = 32'(cfg_k);
          rd_cmd_tag   = {KA, ld_dst_q, (ld_r_q == 16'(li_rows) - 16'd1), 1'b0};
          if (rd_cmd_fire) begin
            ld_r_d   = ld_r_q + 1'b1;
            ld_va_d  = ld_va_q + 64'(cfg_lda);
            ld_dst_d = ld_dst_q + TagBW'(cfg_kbeats);
            if (ld_r_q == 16'(li_rows) - 16'd1) begin
              ld_d = LWRes;
            end
          end
        end
      end

      LWRes: begin
        if (run && ((WBW + 2)'(w_used_q) + (WBW + 2)'(cfg_wchunk) <= (WBW + 2)'(WBeats)) &&
            (!li_first_q || side_used_q < (SideW + 1)'(SideSlots)) &&
            (!cfg_circ || !ld_side || side_used_q < (SideW + 1)'(2))) begin
          ld_w_alloc    = 1'b1;
          ld_side_alloc = li_first_q;
          w_alloc_d     = w_alloc_q + WBW'(cfg_wchunk);
          ld_dst_d      = TagBW'(w_alloc_q);
          ld_va_d       = chunk_w_va_q + 64'(li_kqb);
          ld_r_d        = '0;
          ld_d          = LW;
        end
      end

      LW: begin
        rd_cmd_valid = run;
        rd_cmd_va    = ld_va_q;
        if (cfg_circ) begin
          // x[kq .. kq + klen), cut at n_in (the gatherer zeroes the rest)
          rd_cmd_bytes = (32'(cfg_nin) - 32'(li_kq) < 32'(li_klen)) ? 32'(cfg_nin) - 32'(li_kq)
                                                                    : 32'(li_klen);
          rd_cmd_tag   = {KW, ld_dst_q, 1'b0, !ld_side};
          if (rd_cmd_fire) begin
            ld_d = ld_side ? (cfg_bias ? LBias : LRq) : LStep;
          end
        end else if (cfg_w_single) begin
          rd_cmd_bytes = 32'(li_cols) * 32'(cfg_wrow);
          rd_cmd_tag   = {KW, ld_dst_q, 1'b0, !ld_side};
          if (rd_cmd_fire) begin
            ld_d = ld_side ? (cfg_bias ? LBias : LRq) : LStep;
          end
        end else begin
          rd_cmd_bytes = 32'(ld_piece);
          rd_cmd_tag   = {KW, ld_dst_q, 1'b0,
                          !ld_side && (ld_r_q == 16'(li_cols) - 16'd1)};
          if (rd_cmd_fire) begin
            ld_r_d   = ld_r_q + 1'b1;
            ld_va_d  = ld_va_q + 64'(cfg_ldw);
            ld_dst_d = ld_dst_q + TagBW'(cfg_pitch_w >> 6);
            if (ld_r_q == 16'(li_cols) - 16'd1) begin
              ld_d = ld_side ? (cfg_bias ? LBias : LRq) : LStep;
            end
          end
        end
      end

      LBias: begin
        rd_cmd_valid = run;
        rd_cmd_va    = cfg_bias_va + {46'd0, li_n0, 2'b00};
        rd_cmd_bytes = 32'(li_cols) << 2;
        rd_cmd_tag   = {KBias, TagBW'(li_pair[SideW-1:0]), 1'b0, !cfg_perch};
        if (cfg_circ) begin
          // The block's k biases per row, bias[m0*k ..], into its bias slot.
          rd_cmd_va    = cfg_bias_va + (64'(li_m0) << (cfg_klog2 + 3'd2));
          rd_cmd_bytes = 32'(li_rows) << (cfg_klog2 + 3'd2);
          rd_cmd_tag   = {KBias, TagBW'({li_pair[0], MtAW'(0)}), 1'b0, !cfg_perch};
        end
        if (rd_cmd_fire) begin
          ld_d = cfg_perch ? LRq : LStep;
        end
      end

      LRq: begin
        rd_cmd_valid = run;
        rd_cmd_va    = cfg_rq_va + {45'd0, li_n0, 3'b000};
        rd_cmd_bytes = 32'(li_cols) << 3;
        rd_cmd_tag   = {KRq, TagBW'(li_pair[SideW-1:0]), 1'b0, 1'b1};
        if (cfg_circ) begin
          // The block's entries, one per row, into its requant slot.
          rd_cmd_va    = cfg_rq_va + {45'd0, li_m0, 3'b000};
          rd_cmd_bytes = 32'(li_rows) << 3;
          rd_cmd_tag   = {KRq, TagBW'({li_pair[0], RqSlotAW'(0)}), 1'b0, 1'b1};
        end
        if (rd_cmd_fire) begin
          ld_d = LStep;
        end
      end

      LStep: begin
        li_step = 1'b1;
        if (li_last_q) begin
          if (li_last_j) begin
            chunk_w_va_d = cfg_w_va;
            blk_a_va_d   = blk_a_va_q + (64'(cfg_lda) << cfg_mt_log2);
          end else if (!cfg_circ) begin
            chunk_w_va_d = chunk_w_va_q + (64'(cfg_ldw) << ColsLog2);
          end
        end
        ld_d = LBlk;
      end

      LDone: begin
      end

      default: ld_d = LIdle;
    endcase

    // LSTM: the chunks' gate and cell pieces.
    if (st_q == SLstm) begin
      rd_cmd_valid = lr_issue;
      rd_cmd_va    = lr_va;
      rd_cmd_bytes = lr_bytes;
      rd_cmd_tag   = {KLstm, TagBW'({lr_j_q[1:0], lr_s_q}), lr_s_q == 4'd8, 1'b0};
    end

    // The main FSM's own reads: descriptor fetch.
    if (st_q == SFetch) begin
      rd_cmd_valid = 1'b1;
      rd_cmd_va    = dva_q;
      rd_cmd_bytes = 32'(circe_pkg::CIRCE_HW_DESC_BYTES);
      rd_cmd_tag   = {KDesc, TagBW'(0), 2'b00};
    end

    if (st_q != SRun && st_q != SSetup) begin
      ld_d = LIdle;
    end
    // A CIRC's next batch element starts over from LDone.
    if (gemm_init) begin
      ld_d         = LChk;
      a_alloc_d    = '0;
      w_alloc_d    = '0;
      blk_a_va_d   = cfg_a_va;
      chunk_w_va_d = cfg_w_va;
    end
  end

  // ---------------------------------------------------------------------
  // Weight gatherer, tile registers, emitter
  // ---------------------------------------------------------------------
  logic           gi_step, gi_valid, gi_last_t;
  logic [14:0]    gi_kt;
  logic [31:0]    gi_chunk;
  logic [WBW-1:0] w_rd_base_d, w_rd_base_q;  // W ring beat of the gatherer's chunk
  logic           g_act_d, g_act_q;          // reading the columns of a tile
  logic [ColsW-1:0] g_col_d, g_col_q;
  logic [WAW-1:0] g_addr_d, g_addr_q;        // byte address of the column read
  logic           g_buf_d, g_buf_q;          // tile register being filled
  logic           g_re;
  logic [WAW-1:0] g_raddr;
  logic           g1_vld_q, g1_last_q, g1_buf_q;  // the column read returns
  logic [Rows*8-1:0] w_win;                  // W window (Rows bytes)
  logic [Rows*8-1:0] g_col_data;             // the column, unpacked
  logic [1:0]     wt_full_d, wt_full_q;
  logic           g_start;

  // CIRC expansion (cfg_circ)
  typedef enum logic [1:0] {
    CgIdle,
    CgLoad,
    CgCols
  } cg_state_e;
  cg_state_e        cg_d, cg_q;
  logic [3:0]       cg_ri_d, cg_ri_q;        // window reads issued
  logic [3:0]       cg_di_q;                 // the read whose data arrives
  logic             cg_dv_q;
  logic [3:0]       cg_nr, cg_nr_q;          // reads per window
  logic [ColsW-1:0] cg_c_d, cg_c_q;          // column being expanded
  logic             cg_kbig;                 // k > Rows
  logic [3:0]       cg_kmask;                // k - 1
  logic [14:0]      cg_xoff, cg_xoff_q;      // window start in the K piece
  logic [14:0]      cg_gk;                   // ... in x
  logic [5:0]       cg_avail, cg_avail_q;    // window bytes below n_in
  logic             cg_last_t_q;
  logic [3:0]       cg_kt_q;                 // tile start and first output, mod 16
  logic [3:0]       cg_n0_q;
  logic [XBytes*8-1:0] cg_x_q, cg_xm;
  logic [3:0]       cg_r;
  logic [Rows*5-1:0] cg_idx;                // element e: window byte [e*5 +: 5]
  logic [Rows*8-1:0] cg_col;
  logic             col_v, col_last, col_buf;  // a column for the tile registers
  logic [Rows*8-1:0] col_data;

  // Tile registers: beat r (W[n0 + c][k0 + r] for all c) at [r*Cols*8 +: Cols*8].
  logic [Rows*Cols*8-1:0] wt0_q, wt1_q;

  // emitter
  logic           e_buf_d, e_buf_q;
  logic [RowsW-1:0] e_beat_d, e_beat_q;
  logic           e_fire, e_last;
  logic [Cols*8-1:0] e_data;
  logic [RowsW-1:0] wcnt_d, wcnt_q;          // mirror of the array's beat counter
  logic [RowsW-1:0] wbase;
  logic           arr_tile_start;            // the array takes a tile's first row

    // Walker outputs this part does not use.
  logic [15:0] gi_u_m0;
  logic [MtW-1:0] gi_u_rows;
  logic  gi_u_last_m;
  logic [15:0] gi_u_n0;
  logic [ColsW-1:0] gi_u_cols;
  logic  gi_u_first_j;
  logic  gi_u_last_j;
  logic [15:0] gi_u_gpos;
  logic  gi_u_glast;
  logic [14:0] gi_u_kq;
  logic [14:0] gi_u_klen;
  logic  gi_u_first_q;
  logic  gi_u_last_q;
  logic [RowsW-1:0] gi_u_kvalid;
  logic  gi_u_first_t;
  logic [31:0] gi_u_blk_seq;
  logic [31:0] gi_u_pair_seq;
  logic [31:0] gi_u_group_seq;
  logic unused_gi_it;
  assign unused_gi_it = ^{gi_u_m0, gi_u_rows, gi_u_last_m, gi_u_n0, gi_u_cols, gi_u_first_j,
                          gi_u_last_j, gi_u_gpos, gi_u_glast, gi_u_kq, gi_u_klen, gi_u_first_q,
                          gi_u_last_q, gi_u_kvalid, gi_u_first_t, gi_u_blk_seq, gi_u_pair_seq,
                          gi_u_group_seq};

  circe_gemm_iter #(
    .Rows  (Rows),
    .Cols  (Cols),
    .MtW   (MtW),
    .Tiles (1'b1)
  ) u_g_it (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .init_i      (gemm_init),
    .step_i      (gi_step),
    .m_i         (cfg_m),
    .n_i         (cfg_n),
    .k_i         (cfg_k),
    .mt_log2_i   (cfg_mt_log2),
    .kc_i        (cfg_kc),
    .g_log2_i    (cfg_g_log2),
    .valid_o     (gi_valid),
    .m0_o        (gi_u_m0),
    .rows_o      (gi_u_rows),
    .last_m_o    (gi_u_last_m),
    .n0_o        (gi_u_n0),
    .cols_o      (gi_u_cols),
    .first_j_o   (gi_u_first_j),
    .last_j_o    (gi_u_last_j),
    .gpos_o      (gi_u_gpos),
    .glast_o     (gi_u_glast),
    .kq_o        (gi_u_kq),
    .klen_o      (gi_u_klen),
    .first_q_o   (gi_u_first_q),
    .last_q_o    (gi_u_last_q),
    .kt_o        (gi_kt),
    .kvalid_o    (gi_u_kvalid),
    .first_t_o   (gi_u_first_t),
    .last_t_o    (gi_last_t),
    .blk_seq_o   (gi_u_blk_seq),
    .pair_seq_o  (gi_u_pair_seq),
    .chunk_seq_o (gi_chunk),
    .group_seq_o (gi_u_group_seq)
  );

  logic [14:0] gi_ktb;   // byte offset of the tile in a W row piece
  assign gi_ktb = cfg_int4 ? (gi_kt >> 1) : gi_kt;

  // A tile's byte offset is below the piece length, so it fits the W ring's
  // address (the bits above are zero with small rings).
  logic unused_ktb;
  assign unused_ktb = ^gi_ktb;

  // The buffer the gatherer fills next may still be emitting its last beat.
  assign e_last  = (e_beat_q == RowsW'(Rows - 1));
  assign g_start = run && !g_act_q && (cg_q == CgIdle) && gi_valid && (w_loaded_q != gi_chunk) &&
                   (!wt_full_q[g_buf_q] || (e_fire && e_last && (e_buf_q == g_buf_q)));

  always_comb begin
    g_act_d     = g_act_q;
    g_col_d     = g_col_q;
    g_addr_d    = g_addr_q;
    g_buf_d     = g_buf_q;
    w_rd_base_d = w_rd_base_q;
    gi_step     = 1'b0;
    g_w_free    = 1'b0;
    g_re        = 1'b0;
    g_raddr     = g_addr_q;

    if (g_start && !cfg_circ) begin
      // Column 0 of the tile: chunk base + the tile's byte offset.
      g_raddr  = {w_rd_base_q, 6'd0} + WAW'(gi_ktb);
      g_re     = 1'b1;
      g_act_d  = 1'b1;
      g_col_d  = ColsW'(1);
      g_addr_d = g_raddr + WAW'(cfg_pitch_w);
    end else if (g_act_q) begin
      g_re     = 1'b1;
      g_col_d  = g_col_q + 1'b1;
      g_addr_d = g_addr_q + WAW'(cfg_pitch_w);
    end
    // The tile's last column read: next tile; the chunk's last tile frees it.
    if (g_re && !cfg_circ && ((g_start ? ColsW'(0) : g_col_q) == ColsW'(Cols - 1))) begin
      g_act_d = 1'b0;
      g_buf_d = !g_buf_q;
      gi_step = 1'b1;
      if (gi_last_t) begin
        g_w_free    = 1'b1;
        w_rd_base_d = w_rd_base_q + WBW'(cfg_wchunk);
      end
    end
    // CIRC: the tile's x window (one read, or k / Rows when k > Rows),
    // then Cols columns expanded from it, one per cycle.
    cg_d    = cg_q;
    cg_ri_d = cg_ri_q;
    cg_c_d  = cg_c_q;
    unique case (cg_q)
      CgIdle: begin
        if (g_start && cfg_circ) begin
          g_re    = 1'b1;
          g_raddr = {w_rd_base_q, 6'd0} + WAW'(cg_xoff);
          cg_ri_d = 4'd1;
          cg_d    = CgLoad;
        end
      end
      CgLoad: begin
        if (cg_ri_q != cg_nr_q) begin
          g_re    = 1'b1;
          g_raddr = {w_rd_base_q, 6'd0} + WAW'(cg_xoff_q) + WAW'(32'(cg_ri_q) * Rows);
          cg_ri_d = cg_ri_q + 4'd1;
        end
        if (cg_dv_q && (cg_di_q + 4'd1 == cg_nr_q)) begin
          cg_c_d = '0;
          cg_d   = CgCols;
        end
      end
      CgCols: begin
        cg_c_d = cg_c_q + 1'b1;
        if (cg_c_q == ColsW'(Cols - 1)) begin
          cg_d    = CgIdle;
          g_buf_d = !g_buf_q;
          gi_step = 1'b1;
          if (cg_last_t_q) begin
            g_w_free    = 1'b1;
            w_rd_base_d = w_rd_base_q + WBW'(cfg_wchunk);
          end
        end
      end
      default: cg_d = CgIdle;
    endcase
    if (stop) begin
      g_act_d = 1'b0;
      cg_d    = CgIdle;
    end
    if (gemm_init) begin
      g_act_d     = 1'b0;
      g_buf_d     = 1'b0;
      w_rd_base_d = '0;
      cg_d        = CgIdle;
    end
  end

  // CIRC window of the tile: k <= Rows: the tile's own Rows elements of x
  // (whole blocks); k > Rows: the k elements of its block.
  always_comb begin
    cg_kbig = (cfg_klog2 > 3'(RowsLog2));
    cg_kmask = 4'((5'd1 << cfg_klog2) - 5'd1);
    cg_xoff = cg_kbig ? (gi_kt & ~(15'(cg_kmask))) : gi_kt;
    cg_nr   = cg_kbig ? 4'(5'd1 << (cfg_klog2 - 3'(RowsLog2))) : 4'd1;
    cg_gk   = gi_u_kq + cg_xoff;
    if (cg_gk >= cfg_nin) begin
      cg_avail = '0;
    end else if (cfg_nin - cg_gk >= 15'(XBytes)) begin
      cg_avail = 6'(XBytes);
    end else begin
      cg_avail = 6'(cfg_nin - cg_gk);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cg_q        <= CgIdle;
      cg_ri_q     <= '0;
      cg_c_q      <= '0;
      cg_dv_q     <= 1'b0;
      cg_di_q     <= '0;
      cg_nr_q     <= '0;
      cg_xoff_q   <= '0;
      cg_avail_q  <= '0;
      cg_last_t_q <= 1'b0;
      cg_kt_q     <= '0;
      cg_n0_q     <= '0;
    end else begin
      cg_q    <= cg_d;
      cg_ri_q <= cg_ri_d;
      cg_c_q  <= cg_c_d;
      cg_dv_q <= g_re && cfg_circ;
      cg_di_q <= (cg_q == CgIdle) ? 4'd0 : cg_ri_q;
      if (g_start && cfg_circ && cg_q == CgIdle) begin
        cg_nr_q     <= cg_nr;
        cg_xoff_q   <= cg_xoff;
        cg_avail_q  <= cg_avail;
        cg_last_t_q <= gi_last_t;
        cg_kt_q     <= gi_kt[3:0];
        cg_n0_q     <= gi_u_n0[3:0];
      end
    end
  end

  // The window's bytes as they arrive (no reset: read only after written).
  always_ff @(posedge clk_i) begin
    if (cg_dv_q) begin
      cg_x_q[32'(cg_di_q) * Rows * 8 +: Rows * 8] <= w_win;
    end
  end

  // Column c of the tile, output r = n0 + c: element e (K index kk = kt + e,
  // t = kk mod k) is W[r][kk] = x[block base + ((r - t) mod k)], zero at or
  // past n_in.
  always_comb begin
    for (int unsigned b = 0; b < XBytes; b++) begin
      cg_xm[b*8 +: 8] = (6'(b) < cg_avail_q) ? cg_x_q[b*8 +: 8] : 8'd0;
    end
    cg_r = cg_n0_q + 4'(cg_c_q);
    for (int unsigned e = 0; e < Rows; e++) begin
      cg_idx[e*5 +: 5] = (cg_kbig ? 5'd0 : (5'(e) & ~{1'b0, cg_kmask})) +
                         {1'b0, (cg_r - ((cg_kt_q + 4'(e)) & cg_kmask)) & cg_kmask};
      cg_col[e*8 +: 8] = cg_xm[32'(cg_idx[e*5 +: 5])*8 +: 8];
    end
  end

  assign col_v    = cfg_circ ? (cg_q == CgCols) : g1_vld_q;
  assign col_last = cfg_circ ? (cg_c_q == ColsW'(Cols - 1)) : g1_last_q;
  assign col_buf  = cfg_circ ? g_buf_q : g1_buf_q;
  assign col_data = cfg_circ ? cg_col : g_col_data;

  circe_spad_win #(
    .Bytes     (WBytes),
    .WordBytes (Rows)
  ) u_wspad (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (w_we),
    .waddr_i (w_waddr),
    .wdata_i (rd_data_i),
    .re_i    (g_re),
    .raddr_i (g_raddr),
    .rdata_o (w_win)
  );

  // int4: element e is nibble e of the first Rows / 2 bytes, sign-extended.
  always_comb begin
    for (int unsigned e = 0; e < Rows; e++) begin
      if (cfg_int4) begin
        g_col_data[e*8 +: 8] = {{4{w_win[e*4 + 3]}}, w_win[e*4 +: 4]};
      end else begin
        g_col_data[e*8 +: 8] = w_win[e*8 +: 8];
      end
    end
  end

  // Shift a column in at the top byte of every row of the tile register:
  // after Cols columns, column c sits in byte c. (A function of the enabled
  // register, so that a simulator computes the 2 Kbit shift only then.)
  function automatic logic [Rows*Cols*8-1:0] wt_shift_in(input logic [Rows*Cols*8-1:0] wt,
                                                          input logic [Rows*8-1:0] col);
    for (int unsigned r = 0; r < Rows; r++) begin
      wt_shift_in[r*Cols*8 +: Cols*8] = {col[r*8 +: 8], wt[r*Cols*8 + 8 +: Cols*8 - 8]};
    end
  endfunction

  always_ff @(posedge clk_i) begin
    if (col_v && !col_buf) begin
      wt0_q <= wt_shift_in(wt0_q, col_data);
    end
    if (col_v && col_buf) begin
      wt1_q <= wt_shift_in(wt1_q, col_data);
    end
  end

  // Emitter: Rows beats of a full tile register while the array's shadow
  // buffer has room (an unfinished tile is always completed, even when
  // stopping, so that the array's beat count stays whole).
  assign wbase  = arr_tile_start ? '0 : wcnt_q;
  assign e_fire = wt_full_q[e_buf_q] && (wbase < RowsW'(Rows)) &&
                  (run || (e_beat_q != '0));
  assign e_data = e_buf_q ? wt1_q[32'(e_beat_q[RowsW-2:0])*Cols*8 +: Cols*8]
                          : wt0_q[32'(e_beat_q[RowsW-2:0])*Cols*8 +: Cols*8];

  always_comb begin
    e_beat_d  = e_beat_q;
    e_buf_d   = e_buf_q;
    wt_full_d = wt_full_q;
    wcnt_d    = wbase + RowsW'(e_fire);
    if (e_fire) begin
      e_beat_d = e_beat_q + 1'b1;
      if (e_last) begin
        e_beat_d           = '0;
        e_buf_d            = !e_buf_q;
        wt_full_d[e_buf_q] = 1'b0;
      end
    end
    if (col_v && col_last) begin
      wt_full_d[col_buf] = 1'b1;
    end
    if (gemm_init) begin
      e_beat_d  = '0;
      e_buf_d   = 1'b0;
      wt_full_d = '0;
    end
  end

  // ---------------------------------------------------------------------
  // Feeder
  // ---------------------------------------------------------------------
  logic           fi_step, fi_valid;
  logic [MtW-1:0] fi_rows;
  logic           fi_last_j, fi_first_q, fi_last_q, fi_first_t, fi_last_t, fi_glast;
  logic [15:0]    fi_gpos;
  logic [14:0]    fi_kq, fi_kt;
  logic [RowsW-1:0] fi_kvalid;
  logic [31:0]    fi_blk, fi_pair, fi_group;
  logic [ABW-1:0] a_rd_base_d, a_rd_base_q;
  logic [MtW-1:0] f_r_d, f_r_q;               // row of the tile
  logic [AAW-1:0] f_addr_d, f_addr_q;         // byte address of the last row read
  logic [AAW-1:0] f_raddr;
  logic           f_fire, f_first_ok, f_ygate;
  logic           f1_vld_q, f1_first_q;
  logic [Rows-1:0] f1_mask_q, f_mask;
  logic [Rows*8-1:0] a_win;
  logic           dummy_row;                  // SFlush: retire stale shadow weights

  logic           arr_a_valid, arr_a_first;
  logic [Rows*9-1:0] arr_a;        // row r: [r*9 +: 9]
  logic           arr_y_valid, arr_y_first, arr_busy;
  logic [Cols*32-1:0] arr_y;       // column c: [c*32 +: 32]
  logic           arr_w_full;

    // Walker outputs this part does not use.
  logic [15:0] fi_u_m0;
  logic  fi_u_last_m;
  logic [15:0] fi_u_n0;
  logic [ColsW-1:0] fi_u_cols;
  logic  fi_u_first_j;
  logic [14:0] fi_u_klen;
  logic [31:0] fi_u_chunk_seq;
  logic unused_fi_it;
  assign unused_fi_it = ^{fi_u_m0, fi_u_last_m, fi_u_n0, fi_u_cols, fi_u_first_j, fi_u_klen,
                          fi_u_chunk_seq};

  circe_gemm_iter #(
    .Rows  (Rows),
    .Cols  (Cols),
    .MtW   (MtW),
    .Tiles (1'b1)
  ) u_f_it (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .init_i      (gemm_init),
    .step_i      (fi_step),
    .m_i         (cfg_m),
    .n_i         (cfg_n),
    .k_i         (cfg_k),
    .mt_log2_i   (cfg_mt_log2),
    .kc_i        (cfg_kc),
    .g_log2_i    (cfg_g_log2),
    .valid_o     (fi_valid),
    .m0_o        (fi_u_m0),
    .rows_o      (fi_rows),
    .last_m_o    (fi_u_last_m),
    .n0_o        (fi_u_n0),
    .cols_o      (fi_u_cols),
    .first_j_o   (fi_u_first_j),
    .last_j_o    (fi_last_j),
    .gpos_o      (fi_gpos),
    .glast_o     (fi_glast),
    .kq_o        (fi_kq),
    .klen_o      (fi_u_klen),
    .first_q_o   (fi_first_q),
    .last_q_o    (fi_last_q),
    .kt_o        (fi_kt),
    .kvalid_o    (fi_kvalid),
    .first_t_o   (fi_first_t),
    .last_t_o    (fi_last_t),
    .blk_seq_o   (fi_blk),
    .pair_seq_o  (fi_pair),
    .chunk_seq_o (fi_u_chunk_seq),
    .group_seq_o (fi_group)
  );

  // Tile FIFO (feeder -> output side)
  logic [TfW-1:0]  tf_mem [TfDepth];
  logic [2:0]      tf_wptr_d, tf_wptr_q, tf_rptr_d, tf_rptr_q;
  logic [3:0]      tf_cnt_d, tf_cnt_q;
  logic            tf_push, tf_pop;
  logic [TfW-1:0]  tf_wdata, tf_head;

  assign f_ygate    = !(fi_last_t && fi_last_q && (fi_gpos == '0)) ||
                      ((fi_group - groups_drained_q) < 32'd2);
  assign f_first_ok = (wcnt_d == RowsW'(Rows)) && (tf_cnt_q < 4'(TfDepth)) && f_ygate;
  assign f_fire     = run && fi_valid && (a_loaded_q != fi_blk) &&
                      ((f_r_q != '0) || f_first_ok);
  assign f_a_free   = f_fire && (f_r_q == fi_rows - 1'b1) && fi_last_t && fi_last_q && fi_last_j;
  logic [23:0] f_bb;
  assign f_bb        = blk_beats(fi_rows, cfg_a_contig, cfg_k, cfg_kbeats);
  assign f_blk_beats = f_bb[ABW:0];

  always_comb begin
    for (int unsigned i = 0; i < Rows; i++) begin
      f_mask[i] = (RowsW'(i) < fi_kvalid);
    end
  end

  always_comb begin
    f_r_d       = f_r_q;
    f_addr_d    = f_addr_q;
    a_rd_base_d = a_rd_base_q;
    fi_step     = 1'b0;
    f_raddr     = {a_rd_base_q, 6'd0} + AAW'(fi_kq) + AAW'(fi_kt);
    if (f_r_q != '0) begin
      f_raddr = f_addr_q + AAW'(cfg_pitch_a);
    end
    if (f_fire) begin
      f_addr_d = f_raddr;
      f_r_d    = f_r_q + 1'b1;
      if (f_r_q == fi_rows - 1'b1) begin
        f_r_d   = '0;
        fi_step = 1'b1;
        if (fi_last_t && fi_last_q && fi_last_j) begin
          a_rd_base_d = a_rd_base_q + ABW'(f_blk_beats);
        end
      end
    end
    if (gemm_init) begin
      f_r_d       = '0;
      a_rd_base_d = '0;
    end
  end

  assign tf_push  = f_fire && (f_r_q == '0);
  assign tf_wdata = {fi_first_q && fi_first_t, fi_last_q && fi_last_t,
                     fi_pair[SideW-1:0], fi_group[0], fi_gpos, fi_glast, fi_rows};

  always_ff @(posedge clk_i) begin
    if (tf_push) begin
      tf_mem[tf_wptr_q] <= tf_wdata;
    end
  end

  circe_spad_win #(
    .Bytes     (ABytes),
    .WordBytes (Rows)
  ) u_aspad (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .we_i    (a_we),
    .waddr_i (a_waddr),
    .wdata_i (rd_data_i),
    .re_i    (f_fire),
    .raddr_i (f_raddr),
    .rdata_o (a_win)
  );

  // Stage 1: the window arrives; zero point off, K padding zeroed.
  always_comb begin
    arr_a_valid = f1_vld_q || dummy_row;
    arr_a_first = f1_first_q || dummy_row;
    for (int unsigned i = 0; i < Rows; i++) begin
      arr_a[i*9 +: 9] = (f1_mask_q[i] && !dummy_row)
                 ? 9'($signed({a_win[i*8 + 7], a_win[i*8 +: 8]}) -
                      $signed({cfg_in_zp[7], cfg_in_zp}))
                 : 9'd0;
    end
  end

  assign arr_tile_start = arr_a_valid && arr_a_first;

  circe_systolic_array #(
    .Rows (Rows),
    .Cols (Cols)
  ) u_array (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .w_valid_i (e_fire),
    .w_i       (e_data),
    .w_full_o  (arr_w_full),
    .a_valid_i (arr_a_valid),
    .a_first_i (arr_a_first),
    .a_i       (arr_a),
    .y_valid_o (arr_y_valid),
    .y_first_o (arr_y_first),
    .y_o       (arr_y),
    .busy_o    (arr_busy)
  );

  // ---------------------------------------------------------------------
  // Output side: accumulate, requantize, stage
  // ---------------------------------------------------------------------
  logic           th_first, th_last, th_half, th_glast;
  logic [SideW-1:0] th_slot;
  logic [15:0]    th_gpos;
  logic [MtW-1:0] th_rows;
  logic [MtW-1:0] o_m_d, o_m_q, o_m;           // row of the output tile
  logic           o_drop;                       // draining: results go nowhere

  assign tf_head = tf_mem[tf_rptr_q];
  assign {th_first, th_last, th_slot, th_half, th_gpos, th_glast, th_rows} = tf_head;
  assign o_drop  = (st_q != SRun);
  assign o_m     = arr_y_first ? '0 : o_m_q;
  assign tf_pop  = arr_y_valid && !o_drop && (tf_cnt_q != '0) && (o_m == th_rows - 1'b1);

  always_comb begin
    o_m_d = o_m_q;
    if (arr_y_valid) begin
      o_m_d = o_m + 1'b1;
    end
  end

  // Stage o1: the accumulator word arrives.
  logic           o1_vld_q, o1_first_q, o1_last_q, o1_half_q, o1_gdone_q, o1_sfree_q;
  logic [15:0]    o1_gpos_q;
  logic [MtAW-1:0] o1_m_q;
  logic [Cols*32-1:0] o1_y_q;
  logic [Cols*32-1:0] acc_rdata;
  logic [Cols*32-1:0] o1_sum;
  logic           acc_we, rq_valid;

  circe_spad #(
    .Width (Cols * 32),
    .Depth (MtMax)
  ) u_acc (
    .clk_i   (clk_i),
    .we_i    (acc_we),
    .waddr_i (o1_m_q),
    .wdata_i (o1_sum),
    .re_i    (arr_y_valid),
    .raddr_i (MtAW'(o_m)),
    .rdata_o (acc_rdata)
  );

  // The tile's bias and requant parameters, taken from its side slot with
  // its first result row (registers loaded once per tile, so that a
  // simulator does not move them every cycle).
  logic [Cols*32-1:0] tile_bias_q, tile_m0_q, tile_shift_q;
  logic               tile_load;

  assign tile_load = arr_y_valid && arr_y_first;

  function automatic logic [Cols*32-1:0] rq_field(input logic [Cols*64-1:0] rq,
                                                  input int unsigned off);
    for (int unsigned c = 0; c < Cols; c++) begin
      rq_field[c*32 +: 32] = rq[c*64 + off +: 32];
    end
  endfunction

  always_ff @(posedge clk_i) begin
    if (tile_load) begin
      tile_bias_q  <= cfg_bias ? side_bias_q[th_slot][Cols*32-1:0] : '0;
      tile_m0_q    <= cfg_perch ? rq_field(side_rq_q[th_slot][Cols*64-1:0], 0)
                                : {Cols{rq_m0_q}};
      tile_shift_q <= cfg_perch ? rq_field(side_rq_q[th_slot][Cols*64-1:0], 32)
                                : {Cols{rq_shift_q}};
    end
  end

  // CIRC: the row's biases (k per row: element m*k + n0 of the block) and
  // its requant entry, read with the result row like the accumulator.
  logic [15:0]        cb_elem;
  logic [3:0]         cb_lane_q;
  logic [2:0]         crq_ent_q;
  logic [511:0]       cb_rdata_q, crq_rdata_q;
  logic [Cols*32-1:0] circ_bias;
  logic [31:0]        circ_m0, circ_shift;

  assign cb_elem = (16'(o_m) << cfg_klog2) + (th_gpos << ColsLog2);

  always_ff @(posedge clk_i) begin
    if (arr_y_valid && cfg_circ) begin
      cb_rdata_q  <= cb_mem[{th_slot[0], MtAW'(cb_elem >> 4)}];
      crq_rdata_q <= crq_mem[{th_slot[0], RqSlotAW'(o_m >> 3)}];
      cb_lane_q   <= cb_elem[3:0];
      crq_ent_q   <= 3'(o_m);
    end
  end

  always_comb begin
    for (int unsigned c = 0; c < Cols; c++) begin
      circ_bias[c*32 +: 32] = '0;
      if (cfg_bias && (32'(cb_lane_q) + c < 32'd16)) begin
        circ_bias[c*32 +: 32] = cb_rdata_q[(32'(cb_lane_q) + c)*32 +: 32];
      end
    end
    circ_m0    = crq_rdata_q[32'(crq_ent_q)*64 +: 32];
    circ_shift = crq_rdata_q[32'(crq_ent_q)*64 + 32 +: 32];
  end

  always_comb begin
    for (int unsigned c = 0; c < Cols; c++) begin
      o1_sum[c*32 +: 32] = (o1_first_q ? (cfg_circ ? circ_bias[c*32 +: 32] : tile_bias_q[c*32 +: 32])
                                       : acc_rdata[c*32 +: 32]) +
                           o1_y_q[c*32 +: 32];
    end
    acc_we   = o1_vld_q && !o1_last_q;
    rq_valid = o1_vld_q && o1_last_q;
  end

  assign o_side_free = rq_valid && o1_sfree_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o1_vld_q   <= 1'b0;
      o1_first_q <= 1'b0;
      o1_last_q  <= 1'b0;
      o1_half_q  <= 1'b0;
      o1_gdone_q <= 1'b0;
      o1_sfree_q <= 1'b0;
      o1_gpos_q  <= '0;
      o1_m_q     <= '0;
    end else begin
      o1_vld_q   <= arr_y_valid && !o_drop;
      o1_first_q <= th_first;
      o1_last_q  <= th_last;
      o1_half_q  <= th_half;
      o1_gdone_q <= th_last && th_glast && (o_m == th_rows - 1'b1);
      o1_sfree_q <= th_last && (o_m == th_rows - 1'b1);
      o1_gpos_q  <= th_gpos;
      o1_m_q     <= MtAW'(o_m);
    end
  end

  always_ff @(posedge clk_i) begin
    if (arr_y_valid) begin
      o1_y_q <= arr_y;
    end
  end

  // Requantization (fixed latency: its output is always taken).
  logic                  rqo_valid;
  logic [Cols*32-1:0] rqo_y;
  logic                  rq_ready_unused;

  circe_requant #(
    .Lanes (Cols)
  ) u_requant (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .valid_i     (rq_valid),
    .ready_o     (rq_ready_unused),
    .acc_i       (o1_sum),
    .m0_i        ((cfg_circ && cfg_perch) ? {Cols{circ_m0}} : tile_m0_q),
    .shift_i     ((cfg_circ && cfg_perch) ? {Cols{circ_shift}} : tile_shift_q),
    .out_zp_i    (cfg_out_zp),
    .clamp_min_i (cfg_cmin),
    .clamp_max_i (cfg_cmax),
    .valid_o     (rqo_valid),
    .ready_i     (1'b1),
    .y_o         (rqo_y)
  );

  // Where each requantized row goes, delayed alongside.
  localparam int unsigned RqMetaW = 1 + 1 + 16 + MtAW;  // {half, gdone, gpos, m}
  logic [RqLat*RqMetaW-1:0] rqm_q;  // stage s: [s*RqMetaW +: RqMetaW]
  logic [RqMetaW-1:0] rqm_out;

  logic [RqLat-1:0] rqv_q;   // rows inside the requant unit

  always_ff @(posedge clk_i) begin
    rqm_q <= {rqm_q[(RqLat-1)*RqMetaW-1:0], {o1_half_q, o1_gdone_q, o1_gpos_q, o1_m_q}};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rqv_q <= '0;
    end else begin
      rqv_q <= {rqv_q[RqLat-2:0], rq_valid};
    end
  end
  assign rqm_out = rqm_q[(RqLat-1)*RqMetaW +: RqMetaW];

  // Y staging: Lanes memories of Cols bytes, one beat at one address.
  logic           yo_half, yo_gdone;
  logic [15:0]    yo_gpos;
  logic [MtAW-1:0] yo_m;
  logic [16:0]    yo_off;                 // byte offset of the chunk in the row
  logic [YBW-1:0] yo_beat;
  logic [LaneLog2-1:0] yo_lane;
  logic [YAW-1:0] yo_addr;
  logic [2*Cols*8-1:0] yo_data16;
  logic [Cols*8-1:0]   yo_data8;
  logic           y_we;

  assign {yo_half, yo_gdone, yo_gpos, yo_m} = rqm_out;
  assign y_we   = rqo_valid && !o_drop;
  assign o_group_filled = y_we && yo_gdone;

  logic [16:0] yo_lin;   // CIRC, dense: byte offset in the block's half

  always_comb begin
    yo_off  = {1'b0, yo_gpos} << (ColsLog2 + (cfg_out16 ? 1 : 0));
    yo_lin  = (17'(yo_m) << (cfg_klog2 + (cfg_out16 ? 3'd1 : 3'd0))) + yo_off;
    yo_beat = YBW'(yo_off >> 6);
    yo_lane = LaneLog2'(yo_off[5:0] >> ColsLog2);
    yo_addr = {yo_half, yo_m, yo_beat};
    if (cfg_ylin) begin
      yo_lane = LaneLog2'(yo_lin[5:0] >> ColsLog2);
      yo_addr = {yo_half, (MtAW + YBW)'(yo_lin >> 6)};
    end
    for (int unsigned c = 0; c < Cols; c++) begin
      yo_data8[c*8 +: 8]    = rqo_y[c*32 +: 8];
      yo_data16[c*16 +: 16] = rqo_y[c*32 +: 16];
    end
  end

  logic              ys_re;
  logic [YAW-1:0]    ys_raddr;
  logic [511:0]   ys_rdata;               // lane l: [l*Cols*8 +: Cols*8]

  for (genvar l = 0; l < Lanes; l++) begin : g_ylane
    logic              we;
    logic [Cols*8-1:0] wdata;

    always_comb begin
      if (cfg_out16) begin
        we    = y_we && ((yo_lane == LaneLog2'(l)) || (cfg_y2 && (yo_lane + 1'b1 == LaneLog2'(l))));
        wdata = (yo_lane == LaneLog2'(l)) ? yo_data16[Cols*8-1:0] : yo_data16[2*Cols*8-1:Cols*8];
      end else begin
        we    = y_we && (yo_lane == LaneLog2'(l));
        wdata = yo_data8;
      end
    end

    circe_spad #(
      .Width (Cols * 8),
      .Depth (2 * MtMax * YBeats)
    ) u_ylane (
      .clk_i   (clk_i),
      .we_i    (we),
      .waddr_i (yo_addr),
      .wdata_i (wdata),
      .re_i    (ys_re),
      .raddr_i (ys_raddr),
      .rdata_o (ys_rdata[l*Cols*8 +: Cols*8])
    );
  end

  // ---------------------------------------------------------------------
  // LSTM element-wise step (docs/rtl.md, "LSTM"): per chunk of 32 units the
  // reads of its gx (4 gates), gh (4 gates, not with NO_GH) and c_in
  // pieces (64 bytes each, 2 chunks in flight), LstmLanes units per cycle
  // through circe_lstm_unit, then one write of c_out and one of h.
  // ---------------------------------------------------------------------
  logic [7:0]   lr_units;

  assign lrun = (st_q == SLstm) && !fail_q;

  always_comb begin
    lr_units = (32'(cl_hidden) - (32'(lr_j_q) << 7) < 32'(LChunk))
             ? 8'(32'(cl_hidden) - (32'(lr_j_q) << 7)) : 8'(LChunk);
    lw_units = (32'(cl_hidden) - (32'(lw_j_q) << 7) < 32'(LChunk))
             ? 8'(32'(cl_hidden) - (32'(lw_j_q) << 7)) : 8'(LChunk);
    lr_bytes = 32'(lr_units) << 1;
    if (lr_s_q == 4'd8) begin
      lr_va = cl_cin;
    end else begin
      lr_va = (lr_s_q[2] ? cl_gh : cl_gx) + ((64'(lr_s_q[1:0]) * 64'(cl_hidden)) << 1);
    end
    lr_va    = lr_va + (64'(lr_j_q) << 8);
    // chunk j's input slot is free once chunk j - LSlots was fed to the unit
    lr_issue = lrun && (lr_j_q != cl_nch) && (lr_j_q - lf_j_q < 10'(LSlots)) && !rt_full;
    lr_j_d   = lr_j_q;
    lr_s_d   = lr_s_q;
    if (rd_cmd_fire && st_q == SLstm) begin
      lr_s_d = (lr_s_q == 4'd3 && cl_nogh) ? 4'd8 : lr_s_q + 4'd1;
      if (lr_s_q == 4'd8) begin
        lr_s_d = '0;
        lr_j_d = lr_j_q + 10'd1;
      end
    end
  end

  // Feed: a loaded chunk whose result buffer is free (chunk j - 2 streamed).
  logic [LstmLanes*64-1:0] lu_gx, lu_gh;
  logic [LstmLanes*16-1:0] lu_c, lu_c_o;
  logic [LstmLanes*8-1:0]  lu_h_o;
  logic                    lu_valid_o;

  assign lf_go = lrun && (l_loaded_q != lf_j_q) && (lf_j_q - l_obfree_q < 10'd2);

  // Input slots: one RAM per stream (gx 0-3, gh 4-7, c_in 8), word {slot,
  // beat}; read for a step one cycle before the unit takes it.
  logic [9*512-1:0] lb_rdata;
  logic             lf1_vld_q;
  logic [8:0]       lf1_off_q;            // bit offset of the step's units in the beat

  for (genvar st = 0; st < 9; st++) begin : g_lbuf
    circe_spad #(
      .Width (512),
      .Depth (LSlots * 4)
    ) u_lb (
      .clk_i   (clk_i),
      .we_i    (rd_beat && rh_kind == KLstm && rh_base[3:0] == 4'(st)),
      .waddr_i ({rh_base[5:4], rb_cnt_q[1:0]}),
      .wdata_i (rd_data_i),
      .re_i    (lf_go),
      .raddr_i ({lf_j_q[1:0], lf_u_q[LuStepW-1 -: 2]}),  // beat: step * LstmLanes / 32
      .rdata_o (lb_rdata[st*512 +: 512])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lf1_vld_q <= 1'b0;
      lf1_off_q <= '0;
    end else begin
      lf1_vld_q <= lf_go;
      lf1_off_q <= 9'((32'(lf_u_q) * LstmLanes * 16) & 32'd511);
    end
  end

  always_comb begin
    for (int unsigned l = 0; l < LstmLanes; l++) begin
      for (int unsigned g = 0; g < 4; g++) begin
        lu_gx[(l*4 + g)*16 +: 16] = lb_rdata[g*512 + 32'(lf1_off_q) + l*16 +: 16];
        lu_gh[(l*4 + g)*16 +: 16] = lb_rdata[(g + 4)*512 + 32'(lf1_off_q) + l*16 +: 16];
      end
      lu_c[l*16 +: 16] = lb_rdata[8*512 + 32'(lf1_off_q) + l*16 +: 16];
    end
  end

  circe_lstm_unit #(
    .Lanes (LstmLanes)
  ) u_lstm (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (lf1_vld_q),
    .no_gh_i (cl_nogh),
    .gx_i    (lu_gx),
    .gh_i    (lu_gh),
    .c_i     (lu_c),
    .h_zp_i  (cl_hzp),
    .m0_i    (cl_m0),
    .shift_i (cl_shift),
    .valid_o (lu_valid_o),
    .c_o     (lu_c_o),
    .h_o     (lu_h_o)
  );

  always_ff @(posedge clk_i) begin
    if (lu_valid_o) begin
      lob_c_q[lo_j_q[0]][32'(lo_u_q) * LstmLanes * 16 +: LstmLanes * 16] <= lu_c_o;
      lob_h_q[lo_j_q[0]][32'(lo_u_q) * LstmLanes * 8 +: LstmLanes * 8]   <= lu_h_o;
    end
  end

  assign lu_busy  = (lu_cnt_q != '0) || lf1_vld_q;
  assign l_done_q = lo_j_q;
  assign lstm_ok  = (lw_j_q == cl_nch) && (wtg_cnt_q == '0) && (sj_cnt_q == '0) &&
                    (of_cnt_q == '0) && !ss1_vld_q && (rt_cnt_q == '0);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lr_j_q     <= '0;
      lr_s_q     <= '0;
      l_loaded_q <= '0;
      lf_j_q     <= '0;
      lf_u_q     <= '0;
      lo_j_q     <= '0;
      lo_u_q     <= '0;
      lw_j_q     <= '0;
      lw_h_q     <= 1'b0;
      l_obfree_q <= '0;
      lu_cnt_q   <= '0;
    end else begin
      lr_j_q   <= lr_j_d;
      lr_s_q   <= lr_s_d;
      lu_cnt_q <= lu_cnt_q + 5'(lf1_vld_q) - 5'(lu_valid_o);
      if (rd_sts_fire && rh_kind == KLstm && rh_a_done &&
          rd_sts_code_i == circe_pkg::CIRCE_HW_ST_OK) begin
        l_loaded_q <= l_loaded_q + 10'd1;
      end
      if (lf_go) begin
        lf_u_q <= lf_u_q + 1'b1;
        if (lf_u_q == LuStepW'(LuSteps - 1)) begin
          lf_j_q <= lf_j_q + 10'd1;
        end
      end
      if (lu_valid_o) begin
        lo_u_q <= lo_u_q + 1'b1;
        if (lo_u_q == LuStepW'(LuSteps - 1)) begin
          lo_j_q <= lo_j_q + 10'd1;
        end
      end
      if (wr_cmd_fire && wr_cmd_lstm) begin
        lw_h_q <= !lw_h_q;
        if (lw_h_q) begin
          lw_j_q <= lw_j_q + 10'd1;
        end
      end
      if (l_ob_free) begin
        l_obfree_q <= l_obfree_q + 10'd1;
      end
      if (st_q == SDecode) begin
        lr_j_q     <= '0;
        lr_s_q     <= '0;
        l_loaded_q <= '0;
        lf_j_q     <= '0;
        lf_u_q     <= '0;
        lo_j_q     <= '0;
        lo_u_q     <= '0;
        lw_j_q     <= '0;
        lw_h_q     <= 1'b0;
        l_obfree_q <= '0;
      end
    end
  end

  // LSTM configuration (no reset: read only in SLstm).
  always_ff @(posedge clk_i) begin
    if (st_q == SDecode) begin
      cl_hidden <= l_hidden[14:0];
      cl_nogh   <= l_nogh;
      cl_hzp    <= l_h_zp;
      cl_m0     <= l_m0;
      cl_shift  <= l_shift;
      cl_gx     <= l_gx;
      cl_gh     <= l_gh;
      cl_cin    <= l_cin;
      cl_cout   <= l_cout;
      cl_h      <= l_h;
      cl_nch    <= 10'((l_hidden[14:0] + 15'(LChunk - 1)) >> 7);
    end
  end

  // ---------------------------------------------------------------------
  // Writer: Y commands per complete group, then the stream
  // ---------------------------------------------------------------------
  logic           wy_valid_d, wy_valid_q;
  logic [15:0]    wy_m0_d, wy_m0_q;
  logic [16:0]    wy_brem_d, wy_brem_q;     // Y row bytes from this group on
  logic [MtW-1:0] wy_r_d, wy_r_q;           // row of the group
  circe_axi_pkg::addr_t          wy_blk_va_d, wy_blk_va_q; // VA of the block's row 0, this group
  circe_axi_pkg::addr_t          wy_va_d, wy_va_q;         // VA of row wy_r
  logic [31:0]    wy_gseq_d, wy_gseq_q;
  logic [15:0]    wy_mrem;
  logic [MtW-1:0] wy_rows;
  logic [16:0]    wy_gbytes;
  logic           wy_last_row, wy_issue;
  logic           wr_cmd_valid;
  circe_axi_pkg::addr_t          wr_cmd_va;
  logic [31:0]    wr_cmd_bytes;
  logic           wr_cmd_status;            // the command is a status block
  logic           wr_cmd_lstm;              // ... an LSTM chunk's c_out / h piece
  logic           wr_cmd_fire;
  logic           wt_full;                  // write tags
  logic           sj_full;

  logic [16:0] wy_done_bytes;  // bytes of the row in earlier groups
  assign wy_done_bytes = cfg_yrow - wy_brem_q;
  assign wy_mrem     = cfg_m - wy_m0_q;
  assign wy_rows     = ({1'b0, wy_mrem} <= (17'd1 << cfg_mt_log2)) ? MtW'(wy_mrem)
                                                                     : MtW'(17'd1 << cfg_mt_log2);
  assign wy_gbytes   = (wy_brem_q <= 17'(YRowBytes)) ? wy_brem_q : 17'(YRowBytes);
  assign wy_last_row = cfg_ydense || (wy_r_q == wy_rows - 1'b1);
  assign wy_issue    = run && wy_valid_q && (groups_filled_q != wy_gseq_q);

  always_comb begin
    wy_valid_d  = wy_valid_q;
    wy_m0_d     = wy_m0_q;
    wy_brem_d   = wy_brem_q;
    wy_r_d      = wy_r_q;
    wy_blk_va_d = wy_blk_va_q;
    wy_va_d     = wy_va_q;
    wy_gseq_d   = wy_gseq_q;

    wr_cmd_valid  = wy_issue;
    wr_cmd_va     = wy_va_q;
    wr_cmd_bytes  = cfg_ydense ? 32'(wy_rows) * 32'(cfg_yrow) : 32'(wy_gbytes);
    wr_cmd_status = 1'b0;

    if (wy_issue && wr_cmd_fire) begin
      wy_r_d  = wy_r_q + 1'b1;
      wy_va_d = wy_va_q + 64'(cfg_ldy);
      if (wy_last_row) begin
        // Next group: further along the rows, or the next block.
        wy_r_d    = '0;
        wy_gseq_d = wy_gseq_q + 1'b1;
        if (wy_brem_q > 17'(YRowBytes)) begin
          wy_brem_d   = wy_brem_q - 17'(YRowBytes);
          wy_blk_va_d = wy_blk_va_q + 64'(YRowBytes);
        end else begin
          wy_brem_d   = cfg_yrow;
          wy_m0_d     = wy_m0_q + 16'(17'd1 << cfg_mt_log2);
          wy_blk_va_d = wy_blk_va_q - 64'(wy_done_bytes) +
                        (64'(cfg_ldy) << cfg_mt_log2);
          if ({1'b0, wy_mrem} <= (17'd1 << cfg_mt_log2)) begin
            wy_valid_d = 1'b0;
          end
        end
        wy_va_d = wy_blk_va_d;
      end
    end

    wr_cmd_lstm = 1'b0;
    if (st_q == SLstm) begin
      // LSTM: per finished chunk its c_out piece, then its h piece.
      wr_cmd_valid = lrun && (l_done_q != lw_j_q);
      wr_cmd_lstm  = 1'b1;
      wr_cmd_va    = lw_h_q ? cl_h + (64'(lw_j_q) << 7) : cl_cout + (64'(lw_j_q) << 8);
      wr_cmd_bytes = lw_h_q ? 32'(lw_units) : 32'(lw_units) << 1;
    end

    if (st_q == SStatus) begin
      wr_cmd_valid  = 1'b1;
      wr_cmd_va     = dva_q + 64'(circe_pkg::CIRCE_HW_STATUS_OFFSET);
      wr_cmd_bytes  = 32'd16;
      wr_cmd_status = 1'b1;
    end

    if (gemm_init) begin
      wy_valid_d  = 1'b1;
      wy_m0_d     = '0;
      wy_brem_d   = cfg_yrow;
      wy_r_d      = '0;
      wy_blk_va_d = cfg_y_va;
      wy_va_d     = cfg_y_va;
      wy_gseq_d   = '0;
    end
  end

  assign wr_cmd_valid_o = wr_cmd_valid && !wt_full && !sj_full;
  assign wr_cmd_va_o    = wr_cmd_va;
  assign wr_cmd_bytes_o = wr_cmd_bytes;
  assign wr_cmd_fire    = wr_cmd_valid_o && wr_cmd_ready_i;

  // Write commands in flight (their statuses come in command order; the
  // FSM knows which one is the status block's).
  logic [WrTagAW:0]   wtg_cnt_d, wtg_cnt_q;
  logic               wr_sts_fire, wr_err;

  assign wt_full        = (wtg_cnt_q == (WrTagAW + 1)'(WrTags));
  assign wr_sts_ready_o = 1'b1;
  assign wr_sts_fire    = wr_sts_valid_i;
  assign wr_err         = wr_sts_fire && (wr_sts_code_i != circe_pkg::CIRCE_HW_ST_OK);

  // Stream jobs: what each write command streams.
  logic [SjW-1:0]  sj_mem [WrTags];
  logic [WrTagAW-1:0] sj_wptr_d, sj_wptr_q, sj_rptr_d, sj_rptr_q;
  logic [WrTagAW:0]   sj_cnt_d, sj_cnt_q;
  logic [SjW-1:0]  sj_wdata, sj_head;
  logic            sj_pop;
  logic            sh_status, sh_half, sh_glast, sh_lin, sh_lstm, sh_lh;
  logic [MtAW-1:0] sh_row;
  logic [MtW-1:0]  sh_nrows;
  logic [YBW:0]    sh_bpr;
  logic [MtAW+YBW:0] sh_beats;
  logic [MtAW+YBW+4:0] wy_lin_bytes;

  assign sj_full  = (sj_cnt_q == (WrTagAW + 1)'(WrTags));
  assign sj_wdata = wr_cmd_status ? {1'b1, (SjW - 1)'(0)}
                  : wr_cmd_lstm ? {1'b0, lw_j_q[0], (SjW - MtAW - YBW - 5)'(0),
                                   (MtAW + YBW + 1)'((wr_cmd_bytes + 32'd63) >> 6), 1'b1, lw_h_q}
                  : {1'b0, wy_gseq_q[0],
                     cfg_ydense ? MtAW'(0) : MtAW'(wy_r_q),
                     cfg_ydense ? wy_rows : MtW'(1),
                     cfg_ydense ? (YBW + 1)'(cfg_yrow >> 6) : (YBW + 1)'((wy_gbytes + 17'd63) >> 6),
                     wy_last_row, cfg_ylin, (MtAW + YBW + 1)'((wy_lin_bytes + (MtAW + YBW + 5)'(63)) >> 6),
                     2'b00};
  assign wy_lin_bytes = (MtAW + YBW + 5)'(wy_rows) * (MtAW + YBW + 5)'(cfg_yrow);
  assign sj_head  = sj_mem[sj_rptr_q];
  assign {sh_status, sh_half, sh_row, sh_nrows, sh_bpr, sh_glast, sh_lin, sh_beats, sh_lstm,
          sh_lh} = sj_head;

  always_ff @(posedge clk_i) begin
    if (wr_cmd_fire) begin
      sj_mem[sj_wptr_q] <= sj_wdata;
    end
  end

  // Streamer: staging reads one beat ahead into a 2-entry output FIFO.
  logic [MtW-1:0] ss_r_d, ss_r_q;         // row within the job
  logic [YBW:0]   ss_b_d, ss_b_q;         // beat within the row
  logic [MtAW+YBW-1:0] ss_l_d, ss_l_q;    // beat of a linear job
  logic           ss_rd;                  // issue a beat (read or status)
  logic           ss1_vld_q, ss1_status_q;
  logic           ss1_lstm_q, ss1_lh_q, ss1_half_q;
  logic [1:0]     ss1_beat_q;
  logic [511:0]   of_data_q [2];
  logic [1:0]     of_cnt_d, of_cnt_q;
  logic           of_wptr_d, of_wptr_q, of_rptr_d, of_rptr_q;
  logic           of_pop, of_push;
  logic           ss_flush;

  assign ss_flush = (aborting_q && (wtg_cnt_q == '0)) || gemm_init;
  assign ss_rd    = (sj_cnt_q != '0) && ({1'b0, of_cnt_q} + {2'b00, ss1_vld_q} < 3'd2) &&
                    !ss_flush;
  assign ys_re    = ss_rd && !sh_status;
  assign ys_raddr = sh_lin ? {sh_half, ss_l_q} : {sh_half, sh_row + MtAW'(ss_r_q), YBW'(ss_b_q)};

  always_comb begin
    ss_r_d           = ss_r_q;
    ss_b_d           = ss_b_q;
    ss_l_d           = ss_l_q;
    l_ob_free        = 1'b0;
    sj_pop           = 1'b0;
    s_group_drained  = 1'b0;
    if (ss_rd) begin
      if (sh_status) begin
        sj_pop = 1'b1;
      end else if (sh_lstm) begin
        // The beats of an LSTM chunk's c_out or h; its last h beat frees
        // the chunk's result buffer.
        ss_l_d = ss_l_q + 1'b1;
        if ({1'b0, ss_l_q} == sh_beats - 1'b1) begin
          ss_l_d    = '0;
          sj_pop    = 1'b1;
          l_ob_free = sh_lh;
        end
      end else if (sh_lin) begin
        ss_l_d = ss_l_q + 1'b1;
        if ({1'b0, ss_l_q} == sh_beats - 1'b1) begin
          ss_l_d          = '0;
          sj_pop          = 1'b1;
          s_group_drained = sh_glast;
        end
      end else begin
        ss_b_d = ss_b_q + 1'b1;
        if (ss_b_q == sh_bpr - 1'b1) begin
          ss_b_d = '0;
          ss_r_d = ss_r_q + 1'b1;
          if (ss_r_q == sh_nrows - 1'b1) begin
            ss_r_d          = '0;
            sj_pop          = 1'b1;
            s_group_drained = sh_glast;
          end
        end
      end
    end
    if (ss_flush) begin
      ss_r_d = '0;
      ss_b_d = '0;
      ss_l_d = '0;
    end
  end

  assign of_push = ss1_vld_q;

  // The status block, taken when its write is issued (the FSM may go on
  // to the next descriptor before the beat is streamed).
  always_ff @(posedge clk_i) begin
    if (wr_cmd_fire && wr_cmd_status) begin
      stb_q <= {res_va_q, res_detail_q, 24'd0, res_code_q};
    end
  end
  assign of_pop  = wr_data_valid_o && wr_data_ready_i;

  always_comb begin
    of_cnt_d  = of_cnt_q + 2'(of_push) - 2'(of_pop);
    of_wptr_d = of_wptr_q ^ of_push;
    of_rptr_d = of_rptr_q ^ of_pop;
    if (ss_flush) begin
      of_cnt_d  = '0;
      of_wptr_d = 1'b0;
      of_rptr_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (of_push) begin
      // The status block {code, detail, fault_va} in lanes 0 .. 15.
      of_data_q[of_wptr_q] <= ss1_status_q ? {384'd0, stb_q}
                            : ss1_lstm_q ? (ss1_lh_q ? lob_h_q[ss1_half_q][32'(ss1_beat_q)*512 +: 512]
                                                     : lob_c_q[ss1_half_q][32'(ss1_beat_q)*512 +: 512])
                                           : ys_rdata;
    end
  end

  assign wr_data_valid_o = (of_cnt_q != '0);
  assign wr_data_o       = of_data_q[of_rptr_q];

  // ---------------------------------------------------------------------
  // Main FSM
  // ---------------------------------------------------------------------
  logic quiet;   // nothing in flight anywhere

  assign quiet   = (rt_cnt_q == '0) && (wtg_cnt_q == '0) && (sj_cnt_q == '0) && !lu_busy &&
                   (of_cnt_q == '0) && !ss1_vld_q && !arr_busy && !arr_a_valid &&
                   !o1_vld_q && (rqv_q == '0) && (e_beat_q == '0) && !g1_vld_q;
  assign gemm_ok = !wy_valid_q && (wtg_cnt_q == '0) && (sj_cnt_q == '0) &&
                   (of_cnt_q == '0) && !ss1_vld_q && (rt_cnt_q == '0);
  assign dummy_row = (st_q == SFlush);

  always_comb begin
    st_d         = st_q;
    idx_d        = idx_q;
    cnt_d        = cnt_q;
    dva_d        = dva_q;
    aborting_d   = aborting_q;
    job_code_d   = job_code_q;
    job_index_d  = job_index_q;
    job_va_d     = job_va_q;
    done_d       = 1'b0;
    desc_ok_d    = 1'b0;
    macs_owed_d  = macs_owed_q;
    fail_d       = fail_q;
    res_code_d   = res_code_q;
    res_detail_d = res_detail_q;
    res_va_d     = res_va_q;

    // The status write of the descriptor before the one being fetched.
    sp_d      = sp_q;
    sp_fail_d = (st_q == SIdle) ? 1'b0 : sp_fail_q;
    sp_code_d = sp_code_q;
    sp_va_d   = sp_va_q;
    if (sp_q && wr_sts_fire) begin
      sp_d = 1'b0;
      if (wr_err) begin
        sp_fail_d = 1'b1;
        sp_code_d = wr_sts_code_i;
        sp_va_d   = wr_sts_va_i;
      end else begin
        desc_ok_d = 1'b1;
      end
    end

    // MACs are counted when a GEMM completed, as the model does; more than
    // 2^32 - 1 of them take several cycles.
    if (macs_owed_q > 48'hffff_ffff) begin
      macs_owed_d = macs_owed_q - 48'hffff_ffff;
    end else begin
      macs_owed_d = '0;
    end

    // The first error of a GEMM ends it (the loads after it are drained).
    if ((st_q == SRun || st_q == SLstm) && !fail_q) begin
      if (rd_err) begin
        fail_d       = 1'b1;
        res_code_d   = rd_sts_code_i;
        res_detail_d = (rd_sts_code_i == circe_pkg::CIRCE_HW_ST_FAULT) ? rd_sts_flags_i : 32'd0;
        res_va_d     = rd_sts_va_i;
      end else if (rd_sts_fire && rh_kind == KChk && chk_bad_q) begin
        fail_d       = 1'b1;
        res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
        res_detail_d = 32'(circe_pkg::CIRCE_HW_ILL_REQUANT);
        res_va_d     = '0;
      end else if (wr_err) begin
        fail_d       = 1'b1;
        res_code_d   = wr_sts_code_i;
        res_detail_d = (wr_sts_code_i == circe_pkg::CIRCE_HW_ST_FAULT) ? wr_sts_flags_i : 32'd0;
        res_va_d     = wr_sts_va_i;
      end
    end

    unique case (st_q)
      SIdle: begin
        if (start_i) begin
          idx_d       = '0;
          cnt_d       = cmd_count_i;
          dva_d       = cmd_va_i;
          job_code_d  = circe_pkg::CIRCE_HW_ST_PENDING;
          job_index_d = '0;
          job_va_d    = '0;
          if (cmd_count_i == '0) begin
            job_code_d = circe_pkg::CIRCE_HW_ST_OK;
            st_d       = SEnd;
          end else begin
            st_d = SFetch;
          end
        end
      end

      SFetch: begin
        fail_d       = 1'b0;
        res_code_d   = circe_pkg::CIRCE_HW_ST_OK;
        res_detail_d = '0;
        res_va_d     = '0;
        if (rd_cmd_fire) begin
          st_d = SFetchWait;
        end
      end

      SFetchWait: begin
        if (rd_sts_fire) begin
          if (rd_err) begin
            // No status block for a descriptor that could not be read.
            job_code_d  = rd_sts_code_i;
            job_index_d = idx_q;
            job_va_d    = rd_sts_va_i;
            st_d        = sp_q ? SPend : SEnd;
          end else begin
            st_d = SDecode;
          end
        end
      end

      // The fetch failed while the previous status write was in flight:
      // that write's failure, if any, ends the job first.
      SPend: begin
        if (!sp_q) begin
          if (sp_fail_q) begin
            job_code_d  = sp_code_q;
            job_index_d = idx_q - 1'b1;
            job_va_d    = sp_va_q;
          end
          st_d = SEnd;
        end
      end

      SDecode: begin
        if (sp_q) begin
          // The previous descriptor's status write is still in flight.
          st_d = SDecode;
        end else if (sp_fail_q) begin
          job_code_d  = sp_code_q;
          job_index_d = idx_q - 1'b1;
          job_va_d    = sp_va_q;
          st_d        = SEnd;
        end else if (d_opcode == 32'(circe_pkg::CIRCE_HW_OP_NOP) ||
            d_opcode == 32'(circe_pkg::CIRCE_HW_OP_FENCE)) begin
          // Every write of an earlier descriptor was acknowledged before its
          // status block was written: a fence has nothing to wait for.
          st_d = SStatus;
        end else if (d_copy || d_pchase || d_forest || d_spmv) begin
          if (d_copy && c_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(c_ill);
            st_d         = SStatus;
          end else if (d_pchase && p_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(p_ill);
            st_d         = SStatus;
          end else if (d_forest && f_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(f_ill);
            st_d         = SStatus;
          end else if (d_spmv && s_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(s_ill);
            st_d         = SStatus;
          end else begin
            st_d = SMem;  // me_start_o is high in this cycle
          end
        end else if (d_lstm) begin
          if (l_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(l_ill);
            st_d         = SStatus;
          end else begin
            st_d = SLstm;
          end
        end else if (d_circ) begin
          if (x_ill != 8'd0) begin
            res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            res_detail_d = 32'(x_ill);
            st_d         = SStatus;
          end else begin
            st_d = SSetup;
          end
        end else if (d_ill != 8'd0) begin
          res_code_d   = circe_pkg::CIRCE_HW_ST_ILLEGAL;
          res_detail_d = 32'(d_ill);
          st_d         = SStatus;
        end else begin
          st_d = SSetup;
        end
      end

      SLstm: begin
        if (fail_q) begin
          st_d = SDrain;
        end else if (lstm_ok) begin
          st_d = SStatus;
        end
      end

      SMem: begin
        if (me_done_i) begin
          res_code_d   = me_code_i;
          res_detail_d = (me_code_i == circe_pkg::CIRCE_HW_ST_FAULT ||
                          me_code_i == circe_pkg::CIRCE_HW_ST_ILLEGAL) ? me_flags_i : 32'd0;
          res_va_d     = me_va_i;
          st_d         = SStatus;
        end
      end

      SSetup: begin
        st_d = SRun;
      end

      SRun: begin
        if (fail_q) begin
          st_d = SDrain;
        end else if (gemm_ok) begin
          if (cfg_circ && (cb_idx_q + 16'd1 != cfg_batch)) begin
            // CIRC: the next batch element, the same GEMM on the next x.
            st_d = SSetup;
          end else begin
            macs_owed_d = macs_owed_d + cfg_macs + cb_macs_q;
            st_d        = SStatus;
          end
        end
      end

      SDrain: begin
        if (quiet) begin
          if (wcnt_q == RowsW'(Rows)) begin
            st_d = SFlush;
          end else if (aborting_q) begin
            aborting_d = 1'b0;
            st_d       = SIdle;
          end else begin
            st_d = SStatus;
          end
        end
      end

      SFlush: begin
        st_d = SDrain;
      end

      SStatus: begin
        if (wr_cmd_fire) begin
          if (res_code_q == circe_pkg::CIRCE_HW_ST_OK && idx_q + 1'b1 != cnt_q) begin
            // Fetch the next descriptor while the status write completes;
            // it runs only once the write was acknowledged (sp_q).
            sp_d  = 1'b1;
            idx_d = idx_q + 1'b1;
            dva_d = dva_q + 64'(circe_pkg::CIRCE_HW_DESC_BYTES);
            st_d  = SFetch;
          end else begin
            st_d = SStatusWait;
          end
        end
      end

      SStatusWait: begin
        if (wr_sts_fire) begin
          if (wr_err) begin
            job_code_d  = wr_sts_code_i;
            job_index_d = idx_q;
            job_va_d    = wr_sts_va_i;
            st_d        = SEnd;
          end else if (res_code_q != circe_pkg::CIRCE_HW_ST_OK) begin
            job_code_d  = res_code_q;
            job_index_d = idx_q;
            job_va_d    = (res_code_q == circe_pkg::CIRCE_HW_ST_FAULT ||
                           res_code_q == circe_pkg::CIRCE_HW_ST_BUS_ERROR) ? res_va_q : '0;
            st_d        = SEnd;
          end else begin
            desc_ok_d = 1'b1;
            if (idx_q + 1'b1 == cnt_q) begin
              job_code_d  = circe_pkg::CIRCE_HW_ST_OK;
              job_index_d = idx_q;
              job_va_d    = '0;
              st_d        = SEnd;
            end else begin
              idx_d = idx_q + 1'b1;
              dva_d = dva_q + 64'(circe_pkg::CIRCE_HW_DESC_BYTES);
              st_d  = SFetch;
            end
          end
        end
      end

      SEnd: begin
        if (macs_owed_q == '0) begin
          done_d = 1'b1;
          st_d   = SIdle;
        end
      end

      default: st_d = SIdle;
    endcase

    // Abort: the job ends now (no done); what is in flight drains.
    if (abort_i && st_q != SIdle && !aborting_q) begin
      aborting_d  = 1'b1;
      job_code_d  = circe_pkg::CIRCE_HW_ST_RESET;
      job_index_d = idx_q;
      job_va_d    = '0;
      fail_d      = 1'b1;
      st_d        = SDrain;
    end
  end

  // ---------------------------------------------------------------------
  // Counters and FIFOs
  // ---------------------------------------------------------------------
  always_comb begin
    a_loaded_d       = a_loaded_q + 32'(c_a_loaded);
    w_loaded_d       = w_loaded_q + 32'(c_w_loaded);
    a_used_d         = a_used_q + (ld_a_alloc ? ld_blk_beats : '0) - (f_a_free ? f_blk_beats : '0);
    w_used_d         = w_used_q + (ld_w_alloc ? cfg_wchunk : '0) - (g_w_free ? cfg_wchunk : '0);
    side_used_d      = side_used_q + (SideW + 1)'(ld_side_alloc) - (SideW + 1)'(o_side_free);
    groups_filled_d  = groups_filled_q + 32'(o_group_filled);
    groups_drained_d = groups_drained_q + 32'(s_group_drained);
    if (gemm_init) begin
      a_loaded_d       = '0;
      w_loaded_d       = '0;
      a_used_d         = '0;
      w_used_d         = '0;
      side_used_d      = '0;
      groups_filled_d  = '0;
      groups_drained_d = '0;
    end

    rt_wptr_d = rt_wptr_q + RdTagAW'(rd_cmd_fire);
    rt_rptr_d = rt_rptr_q + RdTagAW'(rd_sts_fire);
    rt_cnt_d  = rt_cnt_q + (RdTagAW + 1)'(rd_cmd_fire) - (RdTagAW + 1)'(rd_sts_fire);

    wtg_cnt_d  = wtg_cnt_q + (WrTagAW + 1)'(wr_cmd_fire) - (WrTagAW + 1)'(wr_sts_fire);

    sj_wptr_d = sj_wptr_q + WrTagAW'(wr_cmd_fire);
    sj_rptr_d = sj_rptr_q + WrTagAW'(sj_pop);
    sj_cnt_d  = sj_cnt_q + (WrTagAW + 1)'(wr_cmd_fire) - (WrTagAW + 1)'(sj_pop);
    if (ss_flush) begin
      sj_wptr_d = '0;
      sj_rptr_d = '0;
      sj_cnt_d  = '0;
    end

    tf_wptr_d = tf_wptr_q + 3'(tf_push);
    tf_rptr_d = tf_rptr_q + 3'(tf_pop);
    tf_cnt_d  = tf_cnt_q + 4'(tf_push) - 4'(tf_pop);
    if (gemm_init || (st_q == SDrain)) begin
      tf_wptr_d = '0;
      tf_rptr_d = '0;
      tf_cnt_d  = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q             <= SIdle;
      idx_q            <= '0;
      cnt_q            <= '0;
      dva_q            <= '0;
      aborting_q       <= 1'b0;
      job_code_q       <= circe_pkg::CIRCE_HW_ST_PENDING;
      job_index_q      <= '0;
      job_va_q         <= '0;
      done_q           <= 1'b0;
      desc_ok_q        <= 1'b0;
      macs_owed_q      <= '0;
      sp_q             <= 1'b0;
      sp_fail_q        <= 1'b0;
      sp_code_q        <= circe_pkg::CIRCE_HW_ST_OK;
      sp_va_q          <= '0;
      fail_q           <= 1'b0;
      res_code_q       <= circe_pkg::CIRCE_HW_ST_OK;
      res_detail_q     <= '0;
      res_va_q         <= '0;
      a_loaded_q       <= '0;
      w_loaded_q       <= '0;
      a_used_q         <= '0;
      w_used_q         <= '0;
      side_used_q      <= '0;
      groups_filled_q  <= '0;
      groups_drained_q <= '0;
      chk_bad_q        <= 1'b0;
      rq_m0_q          <= '0;
      rq_shift_q       <= '0;
      rt_wptr_q        <= '0;
      rt_rptr_q        <= '0;
      rt_cnt_q         <= '0;
      rb_cnt_q         <= '0;
      ld_q             <= LIdle;
      ld_r_q           <= '0;
      ld_va_q          <= '0;
      ld_dst_q         <= '0;
      a_alloc_q        <= '0;
      w_alloc_q        <= '0;
      blk_a_va_q       <= '0;
      chunk_w_va_q     <= '0;
      w_rd_base_q      <= '0;
      g_act_q          <= 1'b0;
      g_col_q          <= '0;
      g_addr_q         <= '0;
      g_buf_q          <= 1'b0;
      g1_vld_q         <= 1'b0;
      g1_last_q        <= 1'b0;
      g1_buf_q         <= 1'b0;
      wt_full_q        <= '0;
      e_buf_q          <= 1'b0;
      e_beat_q         <= '0;
      wcnt_q           <= '0;
      a_rd_base_q      <= '0;
      f_r_q            <= '0;
      f_addr_q         <= '0;
      f1_vld_q         <= 1'b0;
      f1_first_q       <= 1'b0;
      f1_mask_q        <= '0;
      tf_wptr_q        <= '0;
      tf_rptr_q        <= '0;
      tf_cnt_q         <= '0;
      o_m_q            <= '0;
      wy_valid_q       <= 1'b0;
      wy_m0_q          <= '0;
      wy_brem_q        <= '0;
      wy_r_q           <= '0;
      wy_blk_va_q      <= '0;
      wy_va_q          <= '0;
      wy_gseq_q        <= '0;
      wtg_cnt_q        <= '0;
      sj_wptr_q        <= '0;
      sj_rptr_q        <= '0;
      sj_cnt_q         <= '0;
      ss_r_q           <= '0;
      ss_b_q           <= '0;
      ss_l_q           <= '0;
      ss1_vld_q        <= 1'b0;
      ss1_status_q     <= 1'b0;
      ss1_lstm_q       <= 1'b0;
      ss1_beat_q       <= '0;
      ss1_lh_q         <= 1'b0;
      ss1_half_q       <= 1'b0;
      of_cnt_q         <= '0;
      of_wptr_q        <= 1'b0;
      of_rptr_q        <= 1'b0;
    end else begin
      st_q             <= st_d;
      idx_q            <= idx_d;
      cnt_q            <= cnt_d;
      dva_q            <= dva_d;
      aborting_q       <= aborting_d;
      job_code_q       <= job_code_d;
      job_index_q      <= job_index_d;
      job_va_q         <= job_va_d;
      done_q           <= done_d;
      desc_ok_q        <= desc_ok_d;
      macs_owed_q      <= macs_owed_d;
      sp_q             <= sp_d;
      sp_fail_q        <= sp_fail_d;
      sp_code_q        <= sp_code_d;
      sp_va_q          <= sp_va_d;
      fail_q           <= fail_d;
      res_code_q       <= res_code_d;
      res_detail_q     <= res_detail_d;
      res_va_q         <= res_va_d;
      a_loaded_q       <= a_loaded_d;
      w_loaded_q       <= w_loaded_d;
      a_used_q         <= a_used_d;
      w_used_q         <= w_used_d;
      side_used_q      <= side_used_d;
      groups_filled_q  <= groups_filled_d;
      groups_drained_q <= groups_drained_d;
      chk_bad_q        <= chk_bad_d;
      rq_m0_q          <= rq_m0_d;
      rq_shift_q       <= rq_shift_d;
      rt_wptr_q        <= rt_wptr_d;
      rt_rptr_q        <= rt_rptr_d;
      rt_cnt_q         <= rt_cnt_d;
      rb_cnt_q         <= rb_cnt_d;
      ld_q             <= ld_d;
      ld_r_q           <= ld_r_d;
      ld_va_q          <= ld_va_d;
      ld_dst_q         <= ld_dst_d;
      a_alloc_q        <= a_alloc_d;
      w_alloc_q        <= w_alloc_d;
      blk_a_va_q       <= blk_a_va_d;
      chunk_w_va_q     <= chunk_w_va_d;
      w_rd_base_q      <= w_rd_base_d;
      g_act_q          <= g_act_d;
      g_col_q          <= g_col_d;
      g_addr_q         <= g_addr_d;
      g_buf_q          <= g_buf_d;
      g1_vld_q         <= g_re && !cfg_circ;
      g1_last_q        <= g_re && ((g_start ? ColsW'(0) : g_col_q) == ColsW'(Cols - 1));
      g1_buf_q         <= g_buf_q;
      wt_full_q        <= wt_full_d;
      e_buf_q          <= e_buf_d;
      e_beat_q         <= e_beat_d;
      wcnt_q           <= wcnt_d;
      a_rd_base_q      <= a_rd_base_d;
      f_r_q            <= f_r_d;
      f_addr_q         <= f_addr_d;
      f1_vld_q         <= f_fire;
      f1_first_q       <= f_fire && (f_r_q == '0);
      f1_mask_q        <= f_mask;
      tf_wptr_q        <= tf_wptr_d;
      tf_rptr_q        <= tf_rptr_d;
      tf_cnt_q         <= tf_cnt_d;
      o_m_q            <= o_m_d;
      wy_valid_q       <= wy_valid_d;
      wy_m0_q          <= wy_m0_d;
      wy_brem_q        <= wy_brem_d;
      wy_r_q           <= wy_r_d;
      wy_blk_va_q      <= wy_blk_va_d;
      wy_va_q          <= wy_va_d;
      wy_gseq_q        <= wy_gseq_d;
      wtg_cnt_q        <= wtg_cnt_d;
      sj_wptr_q        <= sj_wptr_d;
      sj_rptr_q        <= sj_rptr_d;
      sj_cnt_q         <= sj_cnt_d;
      ss_r_q           <= ss_r_d;
      ss_b_q           <= ss_b_d;
      ss_l_q           <= ss_l_d;
      ss1_vld_q        <= ss_rd;
      ss1_status_q     <= sh_status;
      ss1_lstm_q       <= sh_lstm && !sh_status;
      ss1_beat_q       <= ss_l_q[1:0];
      ss1_lh_q         <= sh_lh;
      ss1_half_q       <= sh_half;
      of_cnt_q         <= of_cnt_d;
      of_wptr_q        <= of_wptr_d;
      of_rptr_q        <= of_rptr_d;
    end
  end

  // Configuration registers (no reset: only read while a GEMM runs).
  always_ff @(posedge clk_i) begin
    if (st_q == SDecode) begin
      cfg_m        <= d_circ ? 16'(x_n_out[15:0] >> c_klog2) : d_m[15:0];
      cfg_n        <= d_circ ? 16'(x_k[4:0]) : d_n[15:0];
      cfg_k        <= c_k;
      cfg_int4     <= c_int4;
      cfg_out16    <= c_out16;
      cfg_bias     <= d_circ ? |(x_flags & circe_pkg::CIRCE_HW_CIRC_BIAS)
                             : |(d_flags & circe_pkg::CIRCE_HW_GEMM_BIAS);
      cfg_perch    <= d_circ ? |(x_flags & circe_pkg::CIRCE_HW_CIRC_PER_BLOCK)
                             : |(d_flags & circe_pkg::CIRCE_HW_GEMM_PER_CHANNEL);
      cfg_in_zp    <= d_circ ? 8'd0 : d_in_zp[7:0];
      cfg_out_zp   <= d_circ ? x_out_zp : d_out_zp;
      cfg_cmin     <= d_circ ? x_cmin : d_cmin;
      cfg_cmax     <= d_circ ? x_cmax : d_cmax;
      cfg_lda      <= c_lda;
      cfg_ldw      <= d_ldw;
      cfg_ldy      <= d_circ ? 32'(c_yrow) : d_ldy;
      cfg_a_va     <= d_circ ? x_w_va : d_a_va;
      cfg_w_va     <= d_circ ? x_x_va : d_w_va;
      cfg_bias_va  <= d_circ ? x_bias_va : d_bias_va;
      cfg_rq_va    <= d_circ ? x_rq_va : d_rq_va;
      cfg_y_va     <= d_circ ? x_y_va : d_y_va;
      cfg_circ     <= d_circ;
      cfg_klog2    <= c_klog2;
      cfg_nin      <= x_n_in[14:0];
      cfg_nrq      <= d_circ ? 16'(x_n_out[15:0] >> c_klog2) : d_n[15:0];
      cfg_batch    <= x_batch[15:0];
      cfg_ldx      <= x_ldx;
      cfg_ldyb     <= x_ldy;
      cfg_ylin     <= d_circ && (32'(c_yrow) >= 32'(Cols));
      cfg_y2       <= c_out16 && !(d_circ && x_k < 32'(Cols));
      cfg_yrow     <= c_yrow;
      cfg_a_contig <= c_a_contig;
      cfg_pitch_a  <= c_pitch_a;
      cfg_kbeats   <= 9'((16'(c_k) + 16'd63) >> 6);
      cfg_mt_log2  <= c_mt_log2;
      cfg_kc       <= c_kc;
      cfg_w_single <= c_w_single;
      cfg_wrow     <= c_wrow;
      cfg_pitch_w  <= c_pitch_w;
      cfg_wchunk   <= c_wchunk;
      cfg_g_log2   <= c_g_log2;
      cfg_ydense   <= d_circ ? (32'(c_yrow) >= 32'(Cols))
                             : (d_ldy == {15'd0, c_yrow}) && (c_yrow[5:0] == '0) &&
                               (c_yrow <= 17'(YRowBytes));
      cfg_mk       <= d_circ ? 31'(16'(x_n_out[15:0] >> c_klog2)) * 31'(c_k)
                             : 31'(d_m[15:0]) * 31'(c_k);
    end
    if (st_q == SSetup) begin
      cfg_macs <= 48'(cfg_mk) * 48'(cfg_n);
    end
    // The next batch element of a CIRC: x and y move by their strides.
    if (circ_next) begin
      cfg_w_va <= cfg_w_va + 64'(cfg_ldx);
      cfg_y_va <= cfg_y_va + 64'(cfg_ldyb);
    end
  end

  // ---------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------
  assign busy_o         = (st_q != SIdle);
  assign done_o         = done_q;
  assign status_o       = job_code_q;
  assign err_index_o    = job_index_q;
  assign err_va_o       = job_va_q;
  assign perf_compute_o = f1_vld_q;
  assign perf_macs_o    = (macs_owed_q > 48'hffff_ffff) ? 32'hffff_ffff : macs_owed_q[31:0];
  assign perf_desc_o    = desc_ok_q;

  logic unused_sig;
  assign unused_sig = ^{rd_data_last_i, rd_data_i[511:DescBits-512], rq_ready_unused,
                        ld_bb[23:ABW+1], f_bb[23:ABW+1],
                        li_pair[31:SideW], fi_pair[31:SideW]};

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  initial begin
    assert (Rows >= 2 && Rows <= 32 && (Rows & (Rows - 1)) == 0)
      else $error("circe_cmdproc: Rows must be a power of 2 in [2, 32]");
    assert (Cols >= 2 && Cols <= 32 && (Cols & (Cols - 1)) == 0)
      else $error("circe_cmdproc: Cols must be a power of 2 in [2, 32]");
    assert (ABytes >= 32768 && (ABytes & (ABytes - 1)) == 0)
      else $error("circe_cmdproc: ABytes must be a power of 2, >= 32 KiB");
    assert (WPiece >= 64 && (WBytes & (WBytes - 1)) == 0)
      else $error("circe_cmdproc: WBytes must be a power of 2, >= 128 * Cols");
    assert (MtMax >= Rows && MtMax <= 256 && (MtMax & (MtMax - 1)) == 0)
      else $error("circe_cmdproc: MtMax must be a power of 2 in [Rows, 256]");
    assert (YRowBytes >= 128 && YRowBytes >= 2 * Cols && (YRowBytes & (YRowBytes - 1)) == 0)
      else $error("circe_cmdproc: YRowBytes must be a power of 2, >= 128");
    assert (SideSlots >= 2 && (SideSlots & (SideSlots - 1)) == 0)
      else $error("circe_cmdproc: SideSlots must be a power of 2, >= 2");
  end

  // The mirror of the array's weight-beat count agrees with the array.
  wcnt_mirror: assert property (@(posedge clk_i) disable iff (!rst_ni)
    arr_w_full == (wcnt_q == RowsW'(Rows)));
  rd_tag_known: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rd_data_valid_i || rd_sts_valid_i) |-> (rt_cnt_q != '0));
  wr_tag_known: assert property (@(posedge clk_i) disable iff (!rst_ni)
    wr_sts_valid_i |-> (wtg_cnt_q != '0));
  tile_known: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (arr_y_valid && !o_drop) |-> (tf_cnt_q != '0));
  desc_two_beats: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (rd_data_valid_i && rh_kind == KDesc) |-> (rb_cnt_q < 16'd2));
  rings_bounded: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (a_used_q <= (ABW + 1)'(ABeats)) && (w_used_q <= (WBW + 1)'(WBeats)) &&
    (side_used_q <= (SideW + 1)'(SideSlots)));
  // A tile enters the array only with its weights complete.
  tile_has_weights: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (f_fire && f_r_q == '0) |-> (wcnt_d == RowsW'(Rows)));
`endif

endmodule
