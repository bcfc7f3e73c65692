// SPDX-License-Identifier: Apache-2.0
//
// Loop-nest walker of a GEMM descriptor in the command processor's tiling
// order (docs/rtl.md, "Tiling"):
//
//   for each M block (Mt = 2^mt_log2 rows, the last one ragged)
//     for each N chunk j (Cols columns, the last one ragged)
//       for each K piece q (kc elements, the last one ragged)
//         for each tile t (Rows elements of K, the last one ragged)  [Tiles]
//
// The loader, the weight gatherer, the array feeder and the output side each
// walk the same nest with an instance of their own, so that they agree on
// every size and ring address without handing them to each other. step_i
// moves to the next tile (Tiles = 1) or K piece (Tiles = 0); valid_o falls
// past the last step. Sequence numbers count the steps of each level from
// init_i; the consumers compare them with the loader's completion counters.
module circe_gemm_iter #(
  parameter int unsigned Rows  = 16,
  parameter int unsigned Cols  = 16,
  parameter int unsigned MtW   = 9,     // width of a block's row count
  parameter bit          Tiles = 1'b1,
  localparam int unsigned RowsW = $clog2(Rows + 1),
  localparam int unsigned ColsW = $clog2(Cols + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             init_i,      // restart at the first step
  input  logic             step_i,      // go to the next step
  input  logic [15:0]      m_i,         // 1 .. 65535
  input  logic [15:0]      n_i,         // 1 .. 65535
  input  logic [14:0]      k_i,         // 1 .. 16384
  input  logic [3:0]       mt_log2_i,   // block rows 2^mt_log2 (fits MtW)
  input  logic [14:0]      kc_i,        // K piece, a multiple of 64 unless >= k
  input  logic [3:0]       g_log2_i,    // N chunks per output group

  output logic             valid_o,
  // M block
  output logic [15:0]      m0_o,
  output logic [MtW-1:0]   rows_o,
  output logic             last_m_o,
  // N chunk
  output logic [15:0]      n0_o,
  output logic [ColsW-1:0] cols_o,
  output logic             first_j_o,   // first chunk of the block
  output logic             last_j_o,    // last chunk of the block
  output logic [15:0]      gpos_o,      // j mod 2^g_log2: place in the group
  output logic             glast_o,     // last chunk of its group
  // K piece
  output logic [14:0]      kq_o,        // first K element of the piece
  output logic [14:0]      klen_o,      // its length
  output logic             first_q_o,
  output logic             last_q_o,
  // tile (Tiles = 1)
  output logic [14:0]      kt_o,        // first K element of the tile in the piece
  output logic [RowsW-1:0] kvalid_o,    // K elements of the tile
  output logic             first_t_o,
  output logic             last_t_o,
  // sequence numbers (steps of each level since init_i)
  output logic [31:0]      blk_seq_o,   // M blocks
  output logic [31:0]      pair_seq_o,  // (M block, N chunk) pairs
  output logic [31:0]      chunk_seq_o, // (M block, N chunk, K piece)
  output logic [31:0]      group_seq_o  // output groups
);

  logic        valid_d, valid_q;
  logic [15:0] m0_d, m0_q;
  logic [15:0] n0_d, n0_q;
  logic [15:0] j_d, j_q;
  logic [14:0] kq_d, kq_q;
  logic [14:0] kt_d, kt_q;
  logic [31:0] blk_d, blk_q, pair_d, pair_q, chunk_d, chunk_q, group_d, group_q;

  logic [15:0] mrem, nrem;
  logic [16:0] mt;
  logic [14:0] krem, trem;
  logic [15:0] gmask;
  logic        lt, lq, lj, lm;

  always_comb begin
    mt    = 17'd1 << mt_log2_i;
    mrem  = m_i - m0_q;
    nrem  = n_i - n0_q;
    krem  = k_i - kq_q;
    lm    = {1'b0, mrem} <= mt;
    lj    = nrem <= 16'(Cols);
    lq    = krem <= kc_i;
    klen_o = lq ? krem : kc_i;
    trem  = klen_o - kt_q;
    lt    = !Tiles || (trem <= 15'(Rows));
    gmask = ~(16'hffff << g_log2_i);

    rows_o   = lm ? MtW'(mrem) : MtW'(mt);
    cols_o   = lj ? ColsW'(nrem) : ColsW'(Cols);
    kvalid_o = (trem <= 15'(Rows)) ? RowsW'(trem) : RowsW'(Rows);
  end

  assign valid_o     = valid_q;
  assign m0_o        = m0_q;
  assign last_m_o    = lm;
  assign n0_o        = n0_q;
  assign first_j_o   = (j_q == '0);
  assign last_j_o    = lj;
  assign gpos_o      = j_q & gmask;
  assign glast_o     = lj || ((j_q & gmask) == gmask);
  assign kq_o        = kq_q;
  assign first_q_o   = (kq_q == '0);
  assign last_q_o    = lq;
  assign kt_o        = kt_q;
  assign first_t_o   = (kt_q == '0);
  assign last_t_o    = lt;
  assign blk_seq_o   = blk_q;
  assign pair_seq_o  = pair_q;
  assign chunk_seq_o = chunk_q;
  assign group_seq_o = group_q;

  always_comb begin
    valid_d = valid_q;
    m0_d    = m0_q;
    n0_d    = n0_q;
    j_d     = j_q;
    kq_d    = kq_q;
    kt_d    = kt_q;
    blk_d   = blk_q;
    pair_d  = pair_q;
    chunk_d = chunk_q;
    group_d = group_q;
    if (init_i) begin
      valid_d = 1'b1;
      m0_d    = '0;
      n0_d    = '0;
      j_d     = '0;
      kq_d    = '0;
      kt_d    = '0;
      blk_d   = '0;
      pair_d  = '0;
      chunk_d = '0;
      group_d = '0;
    end else if (step_i && valid_q) begin
      if (!lt) begin
        kt_d = kt_q + 15'(Rows);
      end else begin
        kt_d    = '0;
        chunk_d = chunk_q + 1'b1;
        if (!lq) begin
          kq_d = kq_q + kc_i;
        end else begin
          kq_d   = '0;
          pair_d = pair_q + 1'b1;
          if (!lj) begin
            n0_d = n0_q + 16'(Cols);
            j_d  = j_q + 1'b1;
            if (((j_q + 1'b1) & gmask) == '0) begin
              group_d = group_q + 1'b1;
            end
          end else begin
            n0_d    = '0;
            j_d     = '0;
            group_d = group_q + 1'b1;
            blk_d   = blk_q + 1'b1;
            if (!lm) begin
              m0_d = m0_q + mt[15:0];
            end else begin
              valid_d = 1'b0;
            end
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      m0_q    <= '0;
      n0_q    <= '0;
      j_q     <= '0;
      kq_q    <= '0;
      kt_q    <= '0;
      blk_q   <= '0;
      pair_q  <= '0;
      chunk_q <= '0;
      group_q <= '0;
    end else begin
      valid_q <= valid_d;
      m0_q    <= m0_d;
      n0_q    <= n0_d;
      j_q     <= j_d;
      kq_q    <= kq_d;
      kt_q    <= kt_d;
      blk_q   <= blk_d;
      pair_q  <= pair_d;
      chunk_q <= chunk_d;
      group_q <= group_d;
    end
  end

  if (!Tiles) begin : g_no_tiles
    logic unused_tiles;
    assign unused_tiles = ^{kt_q, trem};
  end

endmodule
