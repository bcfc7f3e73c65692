// SPDX-License-Identifier: Apache-2.0
//
// Memory engine: executes the COPY, PCHASE, SPMV and FOREST commands of
// include/circe/hw.h (the command processor checks the descriptor and hands
// over a legal one).
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
// SPMV, bit exact with hw/hls/memeng.c, but not one access at a time.
// Pass 1 reads row_ptr in the reference's chunks of 256 entries, every
// chunk requested at once; each chunk is checked as its beats arrive
// (first entry 0, none below the one before), and its read error, or else
// its INDEX, ends the command in chunk order; then row_ptr[rows] == nnz.
// Pass 2 overlaps what the reference does one row after the other, with
// the one read engine, whose commands answer in order:
// - the front re-reads row_ptr[r + 1] (16 entries a command, a few beats
//   ahead; row_ptr[r] is the row before's bound: hw.h, a re-read cannot
//   fault where the first read did not), and per chunk of up to 256 entries of a row issues a col_idx and a
//   values command into two 32-beat buffers, space reserved at issue, so
//   the read stream never waits for a consumer. It runs up to 32 chunks
//   ahead of the gather.
// - the gather takes a chunk once both its commands answered OK, and per
//   entry checks the column (col >= cols unsigned: INDEX) and issues the
//   1-byte read of x[col], the value travelling with it.
// - the retire side routes each command's beats and status by a tag
//   written at issue, multiplies each x byte with its value and adds to
//   the row's int32 sum; a row's last entry hands the sum to the y writer.
// - the y writer writes y[r] (4 bytes, one write command per row, in row
//   order; 0 for an empty row) as soon as the row is done.
// The reported error is the reference's first one: any failed y write
// (writes are only of finished rows, so before every failed read; the
// write engine runs nothing queued behind a failure), else the first
// failed x read, else a column out of range (found after the x reads
// before it were issued, none after), else a failed front read (the gather
// never takes its chunk, and finishes the chunks before it), else pass 1.
// Reads of later rows may already have been issued when an error ends the
// command: they may raise fault records (answered, then dropped), never
// writes. If y overlaps an input array (as numbers, checked at the start)
// the reference reads what it wrote, so pass 2 runs serially instead: a
// row's bounds (both re-read, 8 bytes, as the reference does) are
// requested only once every y before it was acknowledged.
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
  input  logic                     op_spmv_i,   // 1: SPMV (src = row_ptr, dst = y, x_va = x,
                                                //    bytes = rows, features = cols)
  input  logic [31:0]              nnz_i,       // SPMV
  input  circe_axi_pkg::addr_t     col_va_i,    // SPMV: col_idx
  input  circe_axi_pkg::addr_t     val_va_i,    // SPMV: values
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
    FX,       // FOREST: reading x[feature]
    SP1,      // SPMV pass 1: row_ptr checked
    SP2       // SPMV pass 2: the rows
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

  // SPMV state. Pass 1 streams row_ptr in chunks and checks it; pass 2
  // runs four parts at once on the one read engine, which answers its
  // commands in order: the front (row bounds from a re-read of row_ptr,
  // then per chunk a col_idx and a values command into two beat buffers),
  // the gather (per entry the column check and a 1-byte x read), the
  // retire side (routes each command's beats and status by a tag FIFO
  // written at issue; multiplies and accumulates the x bytes) and the y
  // writer (one 4-byte write per row, in row order).
  localparam logic [2:0] TgRp1 = 3'd0;  // pass-1 row_ptr chunk
  localparam logic [2:0] TgRp2 = 3'd1;  // pass-2 row_ptr, up to 16 entries
  localparam logic [2:0] TgCi  = 3'd2;  // col_idx of a chunk
  localparam logic [2:0] TgVal = 3'd3;  // values of a chunk
  localparam logic [2:0] TgX   = 3'd4;  // one x[col]
  localparam int unsigned SpChunk = circe_pkg::CIRCE_HW_SPMV_CHUNK;

  typedef enum logic [1:0] {
    FrRow,  // next row: its upper bound from the row_ptr buffer
    FrCi,   // a chunk: its col_idx command
    FrVal,  // its values command
    FrEnd
  } fr_state_e;

  logic sp_d, sp_q;
  logic [31:0] nnz_d, nnz_q;
  circe_axi_pkg::addr_t colva_d, colva_q, valva_d, valva_q;
  logic [24:0] rows25;
  // Errors, resolved at the end in hw.h's order (see the header): pass 1
  // and the front (fe), x reads (xe), a column out of range (ix), y (we).
  logic fe_d, fe_q, xe_d, xe_q, ix_d, ix_q, we_d, we_q;
  circe_pkg::circe_status_e fe_code_d, fe_code_q, xe_code_d, xe_code_q, we_code_d, we_code_q;
  circe_axi_pkg::addr_t fe_va_d, fe_va_q, xe_va_d, xe_va_q, we_va_d, we_va_q;
  logic [31:0] fe_flags_d, fe_flags_q, xe_flags_d, xe_flags_q, we_flags_d, we_flags_q;
  logic anyerr, gstop;
  // tag FIFO: one entry per read command, from load to status
  logic [2:0] tag_mem [64];
  logic [5:0] tag_wp_d, tag_wp_q, tag_rp_d, tag_rp_q;
  logic [6:0] tag_cnt_d, tag_cnt_q;
  logic tag_push, tag_pop;
  logic [2:0] tag_in, tag_head;
  // the read command register, loaded by one part per cycle
  logic cmd_free, issue_ok, ld;
  circe_axi_pkg::addr_t ld_va;
  logic [LenWidth-1:0] ld_bytes;
  logic [2:0] ld_tag;
  // pass 1
  logic [24:0] p1_next_d, p1_next_q;    // next row_ptr entry to request
  logic [31:0] p1_prev_d, p1_prev_q;    // last entry checked
  logic p1_first_d, p1_first_q, p1_bad_d, p1_bad_q;
  logic p1_beat_bad;
  logic [31:0] p1_beat_last;
  logic [24:0] p1_left, rp_left;
  // pass 2: row_ptr[r + 1] buffer (4 beats of 16 entries)
  circe_axi_pkg::data_t rpm_mem [4];
  logic [1:0] rp_wp_d, rp_wp_q, rp_rb_d, rp_rb_q;
  logic [3:0] rp_ln_d, rp_ln_q;
  logic [2:0] rp_cred_d, rp_cred_q, rp_beats_d, rp_beats_q;
  logic [24:0] rp_next_d, rp_next_q;
  logic rpm_we, rp_arrive, rp_use, rp_free, rp_take;
  logic [31:0] rp_entry;
  // front
  fr_state_e fr_d, fr_q;
  logic [24:0] fr_row_d, fr_row_q;
  logic [31:0] lo_d, lo_q, hi_d, hi_q, j0_d, j0_q, fr_left;
  logic [8:0] m_d, m_q, fr_m;
  logic [4:0] fr_cib;                   // col_idx beats of the chunk
  logic [2:0] fr_vb;                    // values beats of the chunk
  logic [5:0] col_cred_d, col_cred_q, val_cred_d, val_cred_q;
  // col_idx and values buffers (32 beats each), written in command order
  circe_axi_pkg::data_t colm_mem [32];
  circe_axi_pkg::data_t valm_mem [32];
  logic [4:0] col_wp_d, col_wp_q, val_wp_d, val_wp_q;
  logic colm_we, valm_we;
  // chunk FIFO {last of its row, entries}; chok: validated chunks in it
  logic [9:0] chf_mem [32];
  logic [4:0] chf_wp_d, chf_wp_q, chf_rp_d, chf_rp_q;
  logic [5:0] chf_cnt_d, chf_cnt_q, chok_d, chok_q;
  logic chf_push, chf_pop, chok_inc;
  logic [9:0] chf_in, chf_head;
  // gather
  logic g_act_d, g_act_q, g_last_d, g_last_q;
  logic [8:0] g_rem_d, g_rem_q;
  logic [4:0] g_cp_d, g_cp_q, g_vp_d, g_vp_q;
  logic [3:0] g_cl_d, g_cl_q;
  logic [5:0] g_vl_d, g_vl_q;
  logic [31:0] g_col;
  logic [7:0] g_val;
  logic g_idle;
  // x reads in flight {row end, value}
  logic [8:0] xi_mem [64];
  logic [5:0] xi_wp_d, xi_wp_q, xi_rp_d, xi_rp_q;
  logic [6:0] xi_cnt_d, xi_cnt_q;
  logic xi_push, xi_pop;
  logic [8:0] xi_in, xi_head;
  logic [7:0] xb_d, xb_q;               // the x byte of the read at the head
  logic [31:0] acc_d, acc_q, acc_new;
  logic signed [15:0] prod;
  // rows (1: empty) and finished y values, in row order
  logic rowf_mem [64];
  logic [5:0] rowf_wp_d, rowf_wp_q, rowf_rp_d, rowf_rp_q;
  logic [6:0] rowf_cnt_d, rowf_cnt_q;
  logic rowf_push, rowf_in;
  logic [31:0] yf_mem [64];
  logic [5:0] yf_wp_d, yf_wp_q, yf_rp_d, yf_rp_q;
  logic [6:0] yf_cnt_d, yf_cnt_q;
  logic yf_push, yf_pop;
  logic [31:0] yf_in;
  logic [24:0] yr_d, yr_q;              // next y to write
  logic [5:0] wr_out_d, wr_out_q;       // y writes without status
  logic sp_ycan, sp_push, quiet;
  logic ser_d, ser_q, ser_in;          // y overlaps an input: rows one at a time
  logic [31:0] fr_lo_in, fr_hi_in;
  circe_axi_pkg::addr_t y_end;
  logic [31:0] sp_y;

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
                        (st_q == PWrite) || sp_push;
  assign result_beat  = sp_q  ? circe_axi_pkg::DataWidth'(sp_y) :
                        fst_q ? circe_axi_pkg::DataWidth'(fval_q)
                              : circe_axi_pkg::DataWidth'({node_q, last_q, sum_q, 32'd0, nodes_q});
  assign push_data    = pch_q ? result_beat : (zero_q ? '0 : rd_out_data);
  assign word         = rd_out_data[63:0];
  assign wr_in_valid  = fcnt_q != 2'd0;
  assign wr_in_data   = fifo_q[frd_q];
  assign pop          = wr_in_valid && wr_in_ready;

  // SPMV: does [y, y + 4 rows) share a byte with an input array (as
  // numbers, as COPY's OVERLAP)?
  always_comb begin
    y_end  = dst_va_i + {30'd0, bytes_i, 2'b00};
    ser_in = 1'b0;
    if (src_va_i < y_end && dst_va_i < src_va_i + {30'd0, bytes_i + 32'd1, 2'b00}) begin
      ser_in = 1'b1;  // row_ptr
    end
    if (nnz_i != 32'd0 && col_va_i < y_end && dst_va_i < col_va_i + {30'd0, nnz_i, 2'b00}) begin
      ser_in = 1'b1;  // col_idx
    end
    if (nnz_i != 32'd0 && val_va_i < y_end && dst_va_i < val_va_i + {32'd0, nnz_i}) begin
      ser_in = 1'b1;  // values
    end
    if (x_va_i < y_end && dst_va_i < x_va_i + {32'd0, features_i}) begin
      ser_in = 1'b1;  // x
    end
  end

  // SPMV y writer: the next row's y (0 for an empty row) goes out with its
  // 4-byte write command when the write command register and the FIFO
  // between the engines have room. No y after a failed write: the write
  // engine skips what was queued behind it, a new command would run.
  always_comb begin
    sp_ycan = sp_q && (st_q == SP2) && (rowf_cnt_q != 7'd0) && !we_q &&
              (rowf_mem[rowf_rp_q] || (yf_cnt_q != 7'd0));
    sp_push = sp_ycan && (!wr_cmd_pend_q || wr_cmd_ready) && (fcnt_q != 2'd2);
    sp_y    = rowf_mem[rowf_rp_q] ? 32'd0 : yf_mem[yf_rp_q];
  end

  // SPMV pass 1: the checks of one row_ptr beat (entries in lanes
  // 0 .. bytes/4 - 1), in order: the first entry of all must be 0, none
  // below the one before (signed).
  always_comb begin
    p1_beat_bad  = 1'b0;
    p1_beat_last = p1_prev_q;
    for (int k = 0; k < 16; k++) begin
      if (5'(k) < rd_out_bytes[6:2]) begin
        if ($signed(rd_out_data[32*k +: 32]) < $signed(p1_beat_last) ||
            (k == 0 && p1_first_q && rd_out_data[31:0] != 32'd0)) begin
          p1_beat_bad = 1'b1;
        end
        p1_beat_last = rd_out_data[32*k +: 32];
      end
    end
  end

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
    sp_d        = sp_q;
    nnz_d       = nnz_q;
    ser_d       = ser_q;
    colva_d     = colva_q;
    valva_d     = valva_q;
    fe_d        = fe_q;
    xe_d        = xe_q;
    ix_d        = ix_q;
    we_d        = we_q;
    fe_code_d   = fe_code_q;
    xe_code_d   = xe_code_q;
    we_code_d   = we_code_q;
    fe_va_d     = fe_va_q;
    xe_va_d     = xe_va_q;
    we_va_d     = we_va_q;
    fe_flags_d  = fe_flags_q;
    xe_flags_d  = xe_flags_q;
    we_flags_d  = we_flags_q;
    tag_wp_d    = tag_wp_q;
    tag_rp_d    = tag_rp_q;
    tag_cnt_d   = tag_cnt_q;
    p1_next_d   = p1_next_q;
    p1_prev_d   = p1_prev_q;
    p1_first_d  = p1_first_q;
    p1_bad_d    = p1_bad_q;
    rp_wp_d     = rp_wp_q;
    rp_rb_d     = rp_rb_q;
    rp_ln_d     = rp_ln_q;
    rp_cred_d   = rp_cred_q;
    rp_beats_d  = rp_beats_q;
    rp_next_d   = rp_next_q;
    fr_d        = fr_q;
    fr_row_d    = fr_row_q;
    lo_d        = lo_q;
    hi_d        = hi_q;
    j0_d        = j0_q;
    m_d         = m_q;
    col_cred_d  = col_cred_q;
    val_cred_d  = val_cred_q;
    col_wp_d    = col_wp_q;
    val_wp_d    = val_wp_q;
    chf_wp_d    = chf_wp_q;
    chf_rp_d    = chf_rp_q;
    chf_cnt_d   = chf_cnt_q;
    chok_d      = chok_q;
    g_act_d     = g_act_q;
    g_last_d    = g_last_q;
    g_rem_d     = g_rem_q;
    g_cp_d      = g_cp_q;
    g_vp_d      = g_vp_q;
    g_cl_d      = g_cl_q;
    g_vl_d      = g_vl_q;
    xi_wp_d     = xi_wp_q;
    xi_rp_d     = xi_rp_q;
    xi_cnt_d    = xi_cnt_q;
    xb_d        = xb_q;
    acc_d       = acc_q;
    rowf_wp_d   = rowf_wp_q;
    rowf_rp_d   = rowf_rp_q;
    rowf_cnt_d  = rowf_cnt_q;
    yf_wp_d     = yf_wp_q;
    yf_rp_d     = yf_rp_q;
    yf_cnt_d    = yf_cnt_q;
    yr_d        = yr_q;
    wr_out_d    = wr_out_q;

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
          pch_d         = op_pchase_i || op_forest_i || op_spmv_i;  // word mode
          sp_d          = op_spmv_i;
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
          if (op_spmv_i) begin
            nnz_d      = nnz_i;
            ser_d      = ser_in;
            colva_d    = col_va_i;
            valva_d    = val_va_i;
            fe_d       = 1'b0;
            xe_d       = 1'b0;
            ix_d       = 1'b0;
            we_d       = 1'b0;
            tag_wp_d   = '0;
            tag_rp_d   = '0;
            tag_cnt_d  = '0;
            p1_next_d  = '0;
            p1_prev_d  = '0;
            p1_first_d = 1'b1;
            p1_bad_d   = 1'b0;
            rp_wp_d    = '0;
            rp_rb_d    = '0;
            rp_ln_d    = '0;
            rp_cred_d  = 3'd4;
            rp_beats_d = '0;
            rp_next_d  = 25'd1;
            fr_d       = FrRow;
            fr_row_d   = '0;
            lo_d       = '0;
            col_cred_d = 6'd32;
            val_cred_d = 6'd32;
            col_wp_d   = '0;
            val_wp_d   = '0;
            chf_wp_d   = '0;
            chf_rp_d   = '0;
            chf_cnt_d  = '0;
            chok_d     = '0;
            g_act_d    = 1'b0;
            g_cp_d     = '0;
            g_vp_d     = '0;
            g_cl_d     = '0;
            g_vl_d     = '0;
            xi_wp_d    = '0;
            xi_rp_d    = '0;
            xi_cnt_d   = '0;
            acc_d      = '0;
            rowf_wp_d  = '0;
            rowf_rp_d  = '0;
            rowf_cnt_d = '0;
            yf_wp_d    = '0;
            yf_rp_d    = '0;
            yf_cnt_d   = '0;
            yr_d       = '0;
            wr_out_d   = '0;
            st_d       = SP1;
          end else if (op_forest_i) begin
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

      SP1, SP2: ;  // below

      default: st_d = MIdle;
    endcase

    // ---------------------------------------------------------------------
    // SPMV (states SP1, SP2)
    // ---------------------------------------------------------------------
    rows25    = bytes_q[24:0];
    anyerr    = fe_q || xe_q || ix_q || we_q;
    gstop     = xe_q || ix_q || we_q;
    tag_head  = tag_mem[tag_rp_q];
    xi_head   = xi_mem[xi_rp_q];
    chf_head  = chf_mem[chf_rp_q];
    rp_entry  = rpm_mem[rp_rb_q][32*rp_ln_q +: 32];
    fr_lo_in  = ser_q ? rpm_mem[rp_rb_q][31:0] : lo_q;
    fr_hi_in  = ser_q ? rpm_mem[rp_rb_q][63:32] : rp_entry;
    g_col     = colm_mem[g_cp_q][32*g_cl_q +: 32];
    g_val     = valm_mem[g_vp_q][8*g_vl_q +: 8];
    p1_left   = rows25 + 25'd1 - p1_next_q;
    rp_left   = rows25 + 25'd1 - rp_next_q;
    fr_left   = hi_q - j0_q;
    fr_m      = (fr_left > 32'(SpChunk)) ? 9'(SpChunk) : fr_left[8:0];
    fr_cib    = 5'((10'(fr_m) + 10'd15) >> 4);
    fr_vb     = 3'((10'(fr_m) + 10'd63) >> 6);
    cmd_free  = !rd_cmd_pend_q || rd_cmd_ready;
    issue_ok  = cmd_free && (tag_cnt_q < 7'd62);
    ld        = 1'b0;
    ld_va     = '0;
    ld_bytes  = '0;
    ld_tag    = TgRp1;
    tag_push  = 1'b0;
    tag_pop   = 1'b0;
    tag_in    = TgRp1;
    rpm_we    = 1'b0;
    rp_arrive = 1'b0;
    rp_use    = 1'b0;
    rp_free   = 1'b0;
    rp_take   = 1'b0;
    colm_we   = 1'b0;
    valm_we   = 1'b0;
    chf_push  = 1'b0;
    chf_pop   = 1'b0;
    chf_in    = '0;
    chok_inc  = 1'b0;
    xi_push   = 1'b0;
    xi_pop    = 1'b0;
    xi_in     = '0;
    rowf_push = 1'b0;
    rowf_in   = 1'b0;
    yf_push   = 1'b0;
    yf_pop    = 1'b0;
    yf_in     = '0;
    prod      = '0;
    acc_new   = acc_q;
    g_idle    = gstop || (!g_act_q && chok_q == 6'd0);
    quiet     = (tag_cnt_q == 7'd0) && !rd_cmd_pend_q && !wr_cmd_pend_q && (wr_out_q == 6'd0) &&
                (fcnt_q == 2'd0);

    if (sp_q && (st_q == SP1 || st_q == SP2)) begin
      // ---- retire: beats and statuses of the head command ----
      if (rd_out_valid) begin
        unique case (tag_head)
          TgRp1: begin
            p1_bad_d   = p1_bad_q || p1_beat_bad;
            p1_prev_d  = p1_beat_last;
            p1_first_d = 1'b0;
          end
          TgRp2: begin
            rpm_we    = 1'b1;
            rp_arrive = 1'b1;
          end
          TgCi:    colm_we = 1'b1;
          TgVal:   valm_we = 1'b1;
          default: xb_d = rd_out_data[7:0];
        endcase
      end
      if (rd_sts_valid) begin
        tag_pop = 1'b1;
        unique case (tag_head)
          TgRp1: begin
            // A chunk is read whole before it is checked: its read error
            // comes before an INDEX found in it.
            if (!fe_q) begin
              if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
                fe_d       = 1'b1;
                fe_code_d  = rd_sts_code;
                fe_va_d    = rd_sts_va;
                fe_flags_d = rd_sts_flags;
              end else if (p1_bad_q || (rd_out_valid && p1_beat_bad)) begin
                fe_d       = 1'b1;
                fe_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
                fe_va_d    = '0;
                fe_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_INDEX);
              end
            end
            p1_bad_d = 1'b0;
          end
          TgRp2, TgCi, TgVal: begin
            if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
              if (!fe_q) begin
                fe_d       = 1'b1;
                fe_code_d  = rd_sts_code;
                fe_va_d    = rd_sts_va;
                fe_flags_d = rd_sts_flags;
              end
            end else if (tag_head == TgVal && !fe_q) begin
              chok_inc = 1'b1;  // the gather may take the chunk
            end
          end
          default: begin  // TgX
            xi_pop = 1'b1;
            if (!xe_q) begin
              if (rd_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
                xe_d       = 1'b1;
                xe_code_d  = rd_sts_code;
                xe_va_d    = rd_sts_va;
                xe_flags_d = rd_sts_flags;
              end else begin
                prod    = $signed(xi_head[7:0]) * $signed(rd_out_valid ? rd_out_data[7:0] : xb_q);
                acc_new = acc_q + 32'(prod);
                if (xi_head[8]) begin
                  yf_push = 1'b1;
                  yf_in   = acc_new;
                  acc_d   = '0;
                end else begin
                  acc_d = acc_new;
                end
              end
            end
          end
        endcase
      end

      if (st_q == SP1) begin
        // ---- pass 1: row_ptr in chunks, all requested at once ----
        if (issue_ok && !anyerr && p1_next_q <= rows25) begin
          ld        = 1'b1;
          ld_tag    = TgRp1;
          ld_va     = src_q + {37'd0, p1_next_q, 2'b00};
          ld_bytes  = (p1_left > 25'(SpChunk)) ? LenWidth'(4 * SpChunk)
                                               : LenWidth'({p1_left, 2'b00});
          p1_next_d = p1_next_q + 25'(SpChunk);
        end
        if (tag_cnt_q == 7'd0 && !rd_cmd_pend_q && (anyerr || p1_next_q > rows25)) begin
          if (anyerr) begin
            st_d = MDone;  // res_* set below
          end else if (p1_prev_q != nnz_q) begin
            fe_d       = 1'b1;
            fe_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
            fe_va_d    = '0;
            fe_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_INDEX);
          end else begin
            st_d = SP2;
          end
        end
      end else begin
        // ---- pass 2 ----
        // row_ptr[r + 1] for the front, 16 entries a command, 4 beats ahead
        // (serially: row_ptr[r] and row_ptr[r + 1] once y[r - 1] is written)
        if (!ser_q && issue_ok && !anyerr && rp_next_q <= rows25 && rp_cred_q != 3'd0) begin
          ld        = 1'b1;
          ld_tag    = TgRp2;
          ld_va     = src_q + {37'd0, rp_next_q, 2'b00};
          ld_bytes  = (rp_left > 25'd16) ? LenWidth'(64) : LenWidth'({rp_left, 2'b00});
          rp_next_d = rp_next_q + 25'd16;
          rp_take   = 1'b1;
        end else if (ser_q && issue_ok && !anyerr && rp_next_q <= rows25 && rp_cred_q == 3'd4 &&
                     fr_q == FrRow && yr_q == fr_row_q && wr_out_q == 6'd0) begin
          ld        = 1'b1;
          ld_tag    = TgRp2;
          ld_va     = src_q + {37'd0, rp_next_q - 25'd1, 2'b00};
          ld_bytes  = LenWidth'(8);
          rp_next_d = rp_next_q + 25'd1;
          rp_take   = 1'b1;
        end

        // front: per row its bounds, per chunk of up to 256 entries the
        // col_idx and values commands, buffer space reserved at issue
        unique case (fr_q)
          FrRow: begin
            if (fr_row_q == rows25) begin
              fr_d = FrEnd;
            end else if (!anyerr && rp_beats_q != 3'd0 && rowf_cnt_q != 7'd64) begin
              rp_use    = 1'b1;
              rowf_push = 1'b1;
              rowf_in   = !(fr_hi_in > fr_lo_in);  // the reference's j0 < hi loop
              hi_d      = fr_hi_in;
              j0_d      = fr_lo_in;
              lo_d      = fr_hi_in;
              if (fr_hi_in > fr_lo_in) begin
                fr_d = FrCi;
              end else begin
                fr_row_d = fr_row_q + 25'd1;
              end
            end
          end
          FrCi: begin
            if (!anyerr && !ld && issue_ok && col_cred_q >= 6'(fr_cib) &&
                val_cred_q >= 6'(fr_vb) && chf_cnt_q != 6'd32) begin
              ld     = 1'b1;
              ld_tag = TgCi;
              ld_va  = colva_q + {30'd0, j0_q, 2'b00};
              ld_bytes = LenWidth'({fr_m, 2'b00});
              m_d    = fr_m;
              fr_d   = FrVal;
            end
          end
          FrVal: begin
            if (!anyerr && !ld && issue_ok) begin
              ld       = 1'b1;
              ld_tag   = TgVal;
              ld_va    = valva_q + {32'd0, j0_q};
              ld_bytes = LenWidth'(m_q);
              chf_push = 1'b1;
              chf_in   = {(j0_q + 32'(m_q) == hi_q), m_q};
              j0_d     = j0_q + 32'(m_q);
              if (j0_q + 32'(m_q) == hi_q) begin
                fr_row_d = fr_row_q + 25'd1;
                fr_d     = FrRow;
              end else begin
                fr_d = FrCi;
              end
            end
          end
          default: ;
        endcase

        // gather: per entry of a validated chunk the column check, then
        // x[col] (1 byte); the value travels with the read
        if (!g_act_q) begin
          if (!gstop && chok_q != 6'd0) begin
            chf_pop  = 1'b1;
            g_act_d  = 1'b1;
            g_rem_d  = chf_head[8:0];
            g_last_d = chf_head[9];
          end
        end else if (!gstop && xi_cnt_q < 7'd62) begin
          if (g_col >= features_q) begin
            ix_d = 1'b1;  // after the x reads before it, none after
          end else if (!ld && issue_ok) begin
            ld       = 1'b1;
            ld_tag   = TgX;
            ld_va    = xva_q + {32'd0, g_col};
            ld_bytes = LenWidth'(1);
            xi_push  = 1'b1;
            xi_in    = {g_last_q && g_rem_q == 9'd1, g_val};
            if (g_cl_q == 4'd15 || g_rem_q == 9'd1) begin
              g_cp_d = g_cp_q + 5'd1;
              g_cl_d = '0;
            end else begin
              g_cl_d = g_cl_q + 4'd1;
            end
            if (g_vl_q == 6'd63 || g_rem_q == 9'd1) begin
              g_vp_d = g_vp_q + 5'd1;
              g_vl_d = '0;
            end else begin
              g_vl_d = g_vl_q + 6'd1;
            end
            g_rem_d = g_rem_q - 9'd1;
            if (g_rem_q == 9'd1) begin
              g_act_d = 1'b0;
            end
          end
        end

        // y writer (sp_push), write statuses
        if (sp_push) begin
          wr_cmd_pend_d = 1'b1;  // its beat is pushed in this cycle
          wrc_va_d      = dst_q + {37'd0, yr_q, 2'b00};
          wrc_bytes_d   = LenWidth'(4);
          yf_pop        = !rowf_mem[rowf_rp_q];
          yr_d          = yr_q + 25'd1;
        end
        if (wr_sts_valid && !we_q && wr_sts_code != circe_pkg::CIRCE_HW_ST_OK) begin
          we_d       = 1'b1;
          we_code_d  = wr_sts_code;
          we_va_d    = wr_sts_va;
          we_flags_d = wr_sts_flags;
        end

        // the end: everything issued has answered and nothing more can go
        if (quiet && (yr_q == rows25 || (anyerr && g_idle && !sp_ycan))) begin
          st_d = MDone;
        end
      end

      // bookkeeping of the buffers and FIFOs
      if (ld) begin
        rd_cmd_pend_d = 1'b1;
        rdc_va_d      = ld_va;
        rdc_bytes_d   = ld_bytes;
        tag_push      = 1'b1;
        tag_in        = ld_tag;
      end
      tag_wp_d   = tag_wp_q + 6'(tag_push);
      tag_rp_d   = tag_rp_q + 6'(tag_pop);
      tag_cnt_d  = tag_cnt_q + 7'(tag_push) - 7'(tag_pop);
      rp_free    = rp_use && (rp_ln_q == 4'd15 || ser_q);
      rp_wp_d    = rp_wp_q + 2'(rp_arrive);
      rp_ln_d    = ser_q ? 4'd0 : rp_ln_q + 4'(rp_use);
      rp_rb_d    = rp_rb_q + 2'(rp_free);
      rp_beats_d = rp_beats_q + 3'(rp_arrive) - 3'(rp_free);
      rp_cred_d  = rp_cred_q + 3'(rp_free) - 3'(rp_take);
      col_wp_d   = col_wp_q + 5'(colm_we);
      val_wp_d   = val_wp_q + 5'(valm_we);
      col_cred_d = col_cred_q + 6'(xi_push && (g_cl_q == 4'd15 || g_rem_q == 9'd1)) -
                   ((fr_q == FrCi && ld_tag == TgCi && ld) ? 6'(fr_cib) : 6'd0);
      val_cred_d = val_cred_q + 6'(xi_push && (g_vl_q == 6'd63 || g_rem_q == 9'd1)) -
                   ((fr_q == FrCi && ld_tag == TgCi && ld) ? 6'(fr_vb) : 6'd0);
      chf_wp_d   = chf_wp_q + 5'(chf_push);
      chf_rp_d   = chf_rp_q + 5'(chf_pop);
      chf_cnt_d  = chf_cnt_q + 6'(chf_push) - 6'(chf_pop);
      chok_d     = chok_q + 6'(chok_inc) - 6'(chf_pop);
      xi_wp_d    = xi_wp_q + 6'(xi_push);
      xi_rp_d    = xi_rp_q + 6'(xi_pop);
      xi_cnt_d   = xi_cnt_q + 7'(xi_push) - 7'(xi_pop);
      rowf_wp_d  = rowf_wp_q + 6'(rowf_push);
      rowf_rp_d  = rowf_rp_q + 6'(sp_push);
      rowf_cnt_d = rowf_cnt_q + 7'(rowf_push) - 7'(sp_push);
      yf_wp_d    = yf_wp_q + 6'(yf_push);
      yf_rp_d    = yf_rp_q + 6'(yf_pop);
      yf_cnt_d   = yf_cnt_q + 7'(yf_push) - 7'(yf_pop);
      wr_out_d   = wr_out_q + 6'(sp_push) - 6'(wr_sts_valid);

      // the result, in hw.h's order: a failed y write (every write is of a
      // finished row, before any read that failed), then a failed x read
      // (x reads are issued and answered in order), then a column out of
      // range (found after the x reads before it were issued), then pass 1
      // or the front (its chunks come after every chunk the gather took)
      if (st_d == MDone) begin
        res_code_d  = circe_pkg::CIRCE_HW_ST_OK;
        res_va_d    = '0;
        res_flags_d = '0;
        if (we_q) begin
          res_code_d  = we_code_q;
          res_va_d    = we_va_q;
          res_flags_d = we_flags_q;
        end else if (xe_q) begin
          res_code_d  = xe_code_q;
          res_va_d    = xe_va_q;
          res_flags_d = xe_flags_q;
        end else if (ix_q) begin
          res_code_d  = circe_pkg::CIRCE_HW_ST_ILLEGAL;
          res_flags_d = 32'(circe_pkg::CIRCE_HW_ILL_INDEX);
        end else if (fe_q) begin
          res_code_d  = fe_code_q;
          res_va_d    = fe_va_q;
          res_flags_d = fe_flags_q;
        end
      end
    end
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
      sp_q        <= '0;
      nnz_q       <= '0;
      ser_q       <= 1'b0;
      colva_q     <= '0;
      valva_q     <= '0;
      fe_q        <= '0;
      xe_q        <= '0;
      ix_q        <= '0;
      we_q        <= '0;
      fe_code_q   <= circe_pkg::CIRCE_HW_ST_OK;
      xe_code_q   <= circe_pkg::CIRCE_HW_ST_OK;
      we_code_q   <= circe_pkg::CIRCE_HW_ST_OK;
      fe_va_q     <= '0;
      xe_va_q     <= '0;
      we_va_q     <= '0;
      fe_flags_q  <= '0;
      xe_flags_q  <= '0;
      we_flags_q  <= '0;
      tag_wp_q    <= '0;
      tag_rp_q    <= '0;
      tag_cnt_q   <= '0;
      p1_next_q   <= '0;
      p1_prev_q   <= '0;
      p1_first_q  <= '0;
      p1_bad_q    <= '0;
      rp_wp_q     <= '0;
      rp_rb_q     <= '0;
      rp_ln_q     <= '0;
      rp_cred_q   <= '0;
      rp_beats_q  <= '0;
      rp_next_q   <= '0;
      fr_q        <= FrEnd;
      fr_row_q    <= '0;
      lo_q        <= '0;
      hi_q        <= '0;
      j0_q        <= '0;
      m_q         <= '0;
      col_cred_q  <= '0;
      val_cred_q  <= '0;
      col_wp_q    <= '0;
      val_wp_q    <= '0;
      chf_wp_q    <= '0;
      chf_rp_q    <= '0;
      chf_cnt_q   <= '0;
      chok_q      <= '0;
      g_act_q     <= '0;
      g_last_q    <= '0;
      g_rem_q     <= '0;
      g_cp_q      <= '0;
      g_vp_q      <= '0;
      g_cl_q      <= '0;
      g_vl_q      <= '0;
      xi_wp_q     <= '0;
      xi_rp_q     <= '0;
      xi_cnt_q    <= '0;
      xb_q        <= '0;
      acc_q       <= '0;
      rowf_wp_q   <= '0;
      rowf_rp_q   <= '0;
      rowf_cnt_q  <= '0;
      yf_wp_q     <= '0;
      yf_rp_q     <= '0;
      yf_cnt_q    <= '0;
      yr_q        <= '0;
      wr_out_q    <= '0;
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
      sp_q        <= sp_d;
      nnz_q       <= nnz_d;
      ser_q       <= ser_d;
      colva_q     <= colva_d;
      valva_q     <= valva_d;
      fe_q        <= fe_d;
      xe_q        <= xe_d;
      ix_q        <= ix_d;
      we_q        <= we_d;
      fe_code_q   <= fe_code_d;
      xe_code_q   <= xe_code_d;
      we_code_q   <= we_code_d;
      fe_va_q     <= fe_va_d;
      xe_va_q     <= xe_va_d;
      we_va_q     <= we_va_d;
      fe_flags_q  <= fe_flags_d;
      xe_flags_q  <= xe_flags_d;
      we_flags_q  <= we_flags_d;
      tag_wp_q    <= tag_wp_d;
      tag_rp_q    <= tag_rp_d;
      tag_cnt_q   <= tag_cnt_d;
      p1_next_q   <= p1_next_d;
      p1_prev_q   <= p1_prev_d;
      p1_first_q  <= p1_first_d;
      p1_bad_q    <= p1_bad_d;
      rp_wp_q     <= rp_wp_d;
      rp_rb_q     <= rp_rb_d;
      rp_ln_q     <= rp_ln_d;
      rp_cred_q   <= rp_cred_d;
      rp_beats_q  <= rp_beats_d;
      rp_next_q   <= rp_next_d;
      fr_q        <= fr_d;
      fr_row_q    <= fr_row_d;
      lo_q        <= lo_d;
      hi_q        <= hi_d;
      j0_q        <= j0_d;
      m_q         <= m_d;
      col_cred_q  <= col_cred_d;
      val_cred_q  <= val_cred_d;
      col_wp_q    <= col_wp_d;
      val_wp_q    <= val_wp_d;
      chf_wp_q    <= chf_wp_d;
      chf_rp_q    <= chf_rp_d;
      chf_cnt_q   <= chf_cnt_d;
      chok_q      <= chok_d;
      g_act_q     <= g_act_d;
      g_last_q    <= g_last_d;
      g_rem_q     <= g_rem_d;
      g_cp_q      <= g_cp_d;
      g_vp_q      <= g_vp_d;
      g_cl_q      <= g_cl_d;
      g_vl_q      <= g_vl_d;
      xi_wp_q     <= xi_wp_d;
      xi_rp_q     <= xi_rp_d;
      xi_cnt_q    <= xi_cnt_d;
      xb_q        <= xb_d;
      acc_q       <= acc_d;
      rowf_wp_q   <= rowf_wp_d;
      rowf_rp_q   <= rowf_rp_d;
      rowf_cnt_q  <= rowf_cnt_d;
      yf_wp_q     <= yf_wp_d;
      yf_rp_q     <= yf_rp_d;
      yf_cnt_q    <= yf_cnt_d;
      yr_q        <= yr_d;
      wr_out_q    <= wr_out_d;
    end
  end

  // FIFO storage: no reset (entries are read only after written).
  always_ff @(posedge clk_i) begin
    if (push) begin
      fifo_q[fwr_q] <= push_data;
    end
  end

  // SPMV buffers and FIFOs: no reset either.
  always_ff @(posedge clk_i) begin
    if (tag_push) begin
      tag_mem[tag_wp_q] <= tag_in;
    end
    if (rpm_we) begin
      rpm_mem[rp_wp_q] <= rd_out_data;
    end
    if (colm_we) begin
      colm_mem[col_wp_q] <= rd_out_data;
    end
    if (valm_we) begin
      valm_mem[val_wp_q] <= rd_out_data;
    end
    if (chf_push) begin
      chf_mem[chf_wp_q] <= chf_in;
    end
    if (xi_push) begin
      xi_mem[xi_wp_q] <= xi_in;
    end
    if (rowf_push) begin
      rowf_mem[rowf_wp_q] <= rowf_in;
    end
    if (yf_push) begin
      yf_mem[yf_wp_q] <= yf_in;
    end
  end

  // Either engine's bursts of before the last invalidation in flight.
  logic rd_old_busy, wr_old_busy;
  logic rd_ending;  // the read stream ended on an error (zeros follow)
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
    .ending_o       (rd_ending),
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
  // except the last one), all of them once the read engine says its stream
  // ended on an error (ending: the beat it has on offer must be taken before
  // its status comes and zeros replace the rest, so the write may not wait
  // for more); a PCHASE / FOREST / SPMV result beat is pushed with its
  // command.
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
    if (pch_q || zero_q || rd_ending || rcvd_q == nbus_c) begin
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
                                        st_q == FX || st_q == SP1 || st_q == SP2))
    else $error("sts_in_run: st %0d sp %0b rd %0b wr %0b tags %0d wr_out %0d yr %0d", st_q, sp_q,
                rd_sts_valid, wr_sts_valid, tag_cnt_q, wr_out_q, yr_q);
  // SPMV: every read answer belongs to a command in the tag FIFO, every
  // x answer to a value in flight; reservations keep the buffers in bounds.
  sp_tagged: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (sp_q && (st_q == SP1 || st_q == SP2) && (rd_out_valid || rd_sts_valid)) |->
      (tag_cnt_q != 7'd0));
  sp_x_info: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (sp_q && st_q == SP2 && rd_sts_valid && tag_head == TgX) |-> (xi_cnt_q != 7'd0));
  sp_bounds: assert property (@(posedge clk_i) disable iff (!rst_ni)
    sp_q |-> (col_cred_q <= 6'd32 && val_cred_q <= 6'd32 && rp_cred_q <= 3'd4 &&
              tag_cnt_q <= 7'd64 && chok_q <= chf_cnt_q && wr_out_q <= 6'd33));
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
