// SPDX-License-Identifier: Apache-2.0
//
// Weight-stationary systolic array of Rows x Cols circe_pe: for one tile,
// PE (r, c) holds W[n0 + c][k0 + r], and each activation row
// x[r] = A[m][k0 + r] - in_zp (9-bit signed, zero point already removed)
// produces y[c] = sum_r x[r] * W[n0 + c][k0 + r] in int32 (wrapping).
//
// Ports (vectors are flat, element i in bits [i*W +: W]):
//
//   Weight load (shadow buffer)
//     w_valid_i     one beat of the next tile's weights
//     w_i[c]        int8 (int4 sign-extended); beat r (the r-th beat since
//                   the current tile's a_first_i) carries row r: w_i[c] =
//                   W[n0 + c][k0 + r]. A tile's weights are exactly Rows
//                   beats, r = 0 .. Rows - 1, gaps allowed.
//     w_full_o      the shadow buffer holds all Rows beats of a tile that
//                   has not been switched in yet (no further beat allowed)
//   Activations
//     a_valid_i     one activation row this cycle
//     a_first_i     (with a_valid_i) first row of a new tile: switches to the
//                   weights in the shadow buffer (w_full_o must be high)
//     a_i[r]        9-bit signed activation for array row r (K index k0 + r)
//   Results (de-skewed: all Cols results of one row come out together)
//     y_valid_o     Latency cycles after the a_valid_i of the same row
//     y_first_o     the row is the first of its tile (a_first_i delayed)
//     y_o[c]        int32 result for output column n0 + c
//     busy_o        some accepted row has not left through y_valid_o yet
//                   (low: the pipeline is empty; y_valid_o is low too)
//
// The skews are inside: the array delays row r by r cycles on the way in and
// column c by Cols - 1 - c on the way out, so to the caller it is a plain
// pipeline of Latency = Rows + Cols cycles with one row per cycle and no
// back-pressure (the accumulator write must take every y_valid_o).
//
// Weight-load timing rule (checked by assertions): the Rows beats of tile
// T+1 are presented no earlier than the cycle t0 of tile T's first row
// (a_valid_i & a_first_i of T) and all before the cycle t1 of tile T+1's
// first row. Inside, a beat is delayed like the activations (column c by
// c + 1 cycles) and written straight into the shadow registers of its row
// (fan-out Rows per column bus, no shift chain through the rows). PE (r, c)
// swaps in cycle t + 1 + r + c for a marker presented in cycle t, and beat r
// presented in cycle L is written there in cycle L + 1 + c, so the write
// falls between the two swaps iff t0 + r <= L <= t1 + r - 1; the rule gives
// that (beat r is the (r+1)-th beat since t0). So tiles of M >= Rows rows
// run back to back: each costs M cycles, a sequence of tiles costs
// sum(M) + Latency. A tile of M < Rows rows costs Rows cycles (the weight
// port moves one row of Cols weights per cycle).
//
// Resets: the valid/first pipeline, the beat counter and the beats' valid
// bits. PE and skew data registers have none (see circe_pe for why the
// marker needs none either).

// circe_pkg names are package-qualified and vectors flat: Yosys 0.23 parses
// neither `import` in a module header nor multi-dimensional packed arrays.
module circe_systolic_array #(
  parameter int unsigned Rows = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_ROWS,
  parameter int unsigned Cols = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS
) (
  input  logic               clk_i,
  input  logic               rst_ni,

  input  logic               w_valid_i,
  input  logic [Cols*8-1:0]  w_i,        // [c*8 +: 8]
  output logic               w_full_o,

  input  logic               a_valid_i,
  input  logic               a_first_i,
  input  logic [Rows*9-1:0]  a_i,        // [r*9 +: 9]

  output logic               y_valid_o,
  output logic               y_first_o,
  output logic [Cols*32-1:0] y_o,        // [c*32 +: 32]
  output logic               busy_o
);

  // Port register + row skew + Rows PE rows + column de-skew, minus the
  // overlap of the last PE register with the de-skew of the last column.
  localparam int unsigned Latency = Rows + Cols;
  localparam int unsigned CntW    = $clog2(Rows + 1);
  localparam int unsigned IdxW    = (Rows > 1) ? $clog2(Rows) : 1;

  // ---- weight beat counter: which row the next beat is for ----
  logic            tile_start;
  logic [CntW-1:0] wcnt_d, wcnt_q;
  logic [CntW-1:0] wbase;
  logic [IdxW-1:0] beat_idx;
  logic            started_d, started_q;

  always_comb begin
    tile_start = a_valid_i & a_first_i;
    // The first row of a tile frees the shadow buffer: a beat in the same
    // cycle is already row 0 of the tile after.
    wbase      = tile_start ? '0 : wcnt_q;
    beat_idx   = IdxW'(wbase);
    wcnt_d     = wbase + CntW'(w_valid_i);
    started_d  = started_q | tile_start;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wcnt_q    <= '0;
      started_q <= 1'b0;
    end else begin
      wcnt_q    <= wcnt_d;
      started_q <= started_d;
    end
  end

  assign w_full_o = (wcnt_q == CntW'(Rows));

  // ---- valid / first pipeline (one bit per stage; also gives busy_o) ----
  logic [Latency-1:0] vpipe_d, vpipe_q;
  logic [Latency-1:0] fpipe_d, fpipe_q;

  always_comb begin
    vpipe_d = {vpipe_q[Latency-2:0], a_valid_i};
    fpipe_d = {fpipe_q[Latency-2:0], tile_start};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vpipe_q <= '0;
      fpipe_q <= '0;
    end else begin
      vpipe_q <= vpipe_d;
      fpipe_q <= fpipe_d;
    end
  end

  assign y_valid_o = vpipe_q[Latency-1];
  assign y_first_o = fpipe_q[Latency-1];
  assign busy_o    = |vpipe_q;

  // The grid is wired through the generate hierarchy (g_row[r], g_wcol[c],
  // g_pe[r].g_pc[c]): one small signal per block, which keeps a simulator
  // away from wide shifts and Yosys away from multi-dimensional arrays.

  // ---- activation skew: row r passes through r + 1 registers ----
  // (the first one is the port register), the marker alongside in bit 9.
  // No reset, like the PE registers (see circe_pe).
  for (genvar r = 0; r < Rows; r++) begin : g_row
    logic [8:0] a;
    logic       first;

    circe_array_delay #(
      .Width (10),
      .Depth (r + 1),
      .Reset (1'b0)
    ) u_skew (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .d_i    ({tile_start, a_i[r*9 +: 9]}),
      .q_o    ({first, a})
    );
  end

  // ---- weight skew: column c passes through c + 1 registers ----
  // A beat is {row index, weight} plus its valid bit (reset).
  for (genvar c = 0; c < Cols; c++) begin : g_wcol
    logic [7:0]      w;
    logic [IdxW-1:0] widx;
    logic            wvalid;

    circe_array_delay #(
      .Width (IdxW + 8),
      .Depth (c + 1),
      .Reset (1'b0)
    ) u_w (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .d_i    ({beat_idx, w_i[c*8 +: 8]}),
      .q_o    ({widx, w})
    );

    circe_array_delay #(
      .Width (1),
      .Depth (c + 1),
      .Reset (1'b1)
    ) u_valid (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .d_i    (w_valid_i),
      .q_o    (wvalid)
    );
  end

  // ---- the PEs ----
  for (genvar r = 0; r < Rows; r++) begin : g_pe
    for (genvar c = 0; c < Cols; c++) begin : g_pc
      logic [8:0]  a_in, a_out;
      logic        first_in, first_out;
      logic [31:0] psum_in, psum_out;
      logic        w_load;

      if (c == 0) begin : g_left
        assign a_in     = g_row[r].a;
        assign first_in = g_row[r].first;
      end else begin : g_inner
        assign a_in     = g_pe[r].g_pc[c-1].a_out;
        assign first_in = g_pe[r].g_pc[c-1].first_out;
      end

      if (r == 0) begin : g_top
        assign psum_in = '0;
      end else begin : g_below
        assign psum_in = g_pe[r-1].g_pc[c].psum_out;
      end

      assign w_load = g_wcol[c].wvalid & (g_wcol[c].widx == IdxW'(r));

      circe_pe u_pe (
        .clk_i    (clk_i),
        .a_i      (a_in),
        .first_i  (first_in),
        .a_o      (a_out),
        .first_o  (first_out),
        .w_load_i (w_load),
        .w_i      (g_wcol[c].w),
        .psum_i   (psum_in),
        .psum_o   (psum_out)
      );

      // The rightmost column's forwarded activations have no consumer.
      if (c == Cols - 1) begin : g_right
        logic [9:0] unused_a_out;
        assign unused_a_out = {first_out, a_out};
      end
    end
  end

  // ---- output de-skew: column c passes through Cols - 1 - c registers ----
  for (genvar c = 0; c < Cols; c++) begin : g_out
    circe_array_delay #(
      .Width (32),
      .Depth (Cols - 1 - c),
      .Reset (1'b0)
    ) u_y (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .d_i    (g_pe[Rows-1].g_pc[c].psum_out),
      .q_o    (y_o[c*32 +: 32])
    );
  end

  // ---- protocol assertions ----
`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  // The tile marker belongs to an activation row.
  a_first_needs_valid: assert property (@(posedge clk_i) disable iff (!rst_ni)
    a_first_i |-> a_valid_i);
  // A tile starts only on a complete set of Rows weight beats.
  a_first_needs_weights: assert property (@(posedge clk_i) disable iff (!rst_ni)
    tile_start |-> (wcnt_q == CntW'(Rows)));
  // No activation before the first tile's weights were switched in.
  a_valid_needs_tile: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (a_valid_i & ~a_first_i) |-> started_q);
  // At most Rows beats per tile; the next tile's beats wait for this tile's
  // first row (they would overwrite shadow weights not yet switched in).
  w_beat_in_window: assert property (@(posedge clk_i) disable iff (!rst_ni)
    w_valid_i |-> (wbase < CntW'(Rows)));
`endif

endmodule
