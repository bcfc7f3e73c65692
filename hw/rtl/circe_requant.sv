// SPDX-License-Identifier: Apache-2.0
//
// Requantization unit: Lanes int32 accumulators per cycle, each with its own
// output channel's (m0, shift), and a common zero point and clamp:
//
//   s = clamp(shift, CIRCE_HW_REQUANT_SHIFT_MIN, CIRCE_HW_REQUANT_SHIFT_MAX)
//   r = RoundingDivideByPOT(SRDHM(acc << max(s, 0), m0), max(-s, 0))
//   y = clamp(out_zp + r, clamp_min, clamp_max)
//
// bit-exact with circe_hls_requantize() and the store of circe_hls_gemm()
// (hw/hls/requant.c, gemm.c; docs/numerics.md):
// - the left shift wraps in 32 bits; a shift outside [-31, 30] is clamped,
//   m0 is used as given (negative too), like the C kernel;
// - SRDHM: (a * b + nudge) / 2^31 truncated toward zero with nudge 2^30 for
//   a product >= 0 and 1 - 2^30 below; for every 64-bit product that equals
//   floor((a * b + 2^30) / 2^31), which is what the datapath computes;
//   INT32_MIN * INT32_MIN saturates to INT32_MAX;
// - RoundingDivideByPOT by e in [0, 31], ties away from zero:
//   floor((x + 2^(e-1) - (x < 0)) / 2^e) for e > 0, which equals the C
//   form floor(x / 2^e) + (remainder > (mask >> 1) + (x < 0));
// - out_zp + r wraps in 32 bits; clamp: below clamp_min gives clamp_min,
//   else above clamp_max gives clamp_max (that order, as in the C code).
// The caller stores 8 or 16 bits of y (the clamp keeps it in range).
//
// Pipeline: Latency stages, one vector per cycle, valid/ready. The whole
// pipeline advances when the output stage is empty or taken (ready_o =
// ready_i | ~valid_o, combinational); tie ready_i high for a fixed-latency
// pipe (y for an input accepted in cycle t is valid_o in cycle t + Latency).
//   stage 1: shift clamp, left shift, right exponent
//   stage 2: 32 x 32 signed product
//   stage 3: nudge, high word, saturation  (SRDHM)
//   stage 4: rounding divide by 2^e
//   stage 5: zero point, clamp
//
// circe_pkg names are package-qualified and vectors flat (lane l in bits
// [l*32 +: 32]): Yosys 0.23 parses neither `import` in a module header nor
// multi-dimensional packed arrays.
module circe_requant #(
  parameter int unsigned Lanes = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   valid_i,
  output logic                   ready_o,
  input  logic [Lanes*32-1:0]    acc_i,       // int32 accumulators
  input  logic [Lanes*32-1:0]    m0_i,        // int32 multipliers (m0 >= 0 in a legal table)
  input  logic [Lanes*32-1:0]    shift_i,     // int32 shifts (legal: [-31, 30])
  input  logic [31:0]            out_zp_i,    // int32, common to the lanes
  input  logic [31:0]            clamp_min_i, // int32
  input  logic [31:0]            clamp_max_i, // int32

  output logic                   valid_o,
  input  logic                   ready_i,
  output logic [Lanes*32-1:0]    y_o          // int32, within [clamp_min, clamp_max]
);

  localparam int unsigned Latency = 5;

  localparam logic signed [31:0] ShiftMin = 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MIN);
  localparam logic signed [31:0] ShiftMax = 32'(circe_pkg::CIRCE_HW_REQUANT_SHIFT_MAX);

  // ---- control: valid per stage, one enable for the whole pipe ----
  logic                adv;
  logic [Latency-1:0]  vld_d, vld_q;

  always_comb begin
    adv   = ready_i | ~vld_q[Latency-1];
    vld_d = adv ? {vld_q[Latency-2:0], valid_i} : vld_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vld_q <= '0;
    end else begin
      vld_q <= vld_d;
    end
  end

  assign ready_o = adv;
  assign valid_o = vld_q[Latency-1];

  // ---- common values travel with their vector (stages 1 .. 4) ----
  // {out_zp, clamp_min, clamp_max}, one generate block per stage.
  for (genvar st = 0; st < Latency - 1; st++) begin : g_com
    logic [95:0] com_d, com_q;

    if (st == 0) begin : g_in
      assign com_d = adv ? {out_zp_i, clamp_min_i, clamp_max_i} : com_q;
    end else begin : g_chain
      assign com_d = adv ? g_com[st-1].com_q : com_q;
    end

    always_ff @(posedge clk_i) begin
      com_q <= com_d;
    end
  end

  logic [31:0] s5_zp, s5_min, s5_max; // common values of the vector in stage 4

  assign {s5_zp, s5_min, s5_max} = g_com[Latency-2].com_q;

  // ---- the lanes ----
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    // Stage registers. Data registers have no reset: they are don't-care
    // while their valid bit is low.
    logic [31:0] s1_x_d, s1_x_q;     // acc << left
    logic [31:0] s1_m0_d, s1_m0_q;
    logic [4:0]  s1_e_d, s1_e_q;     // right shift, 0 .. 31
    logic [32:0] s2_p_d, s2_p_q;     // bits [62:30] of x * m0
    logic        s2_sat_d, s2_sat_q; // x == m0 == INT32_MIN
    logic [4:0]  s2_e_d, s2_e_q;
    logic [31:0] s3_h_d, s3_h_q;     // SRDHM
    logic [4:0]  s3_e_d, s3_e_q;
    logic [31:0] s4_r_d, s4_r_q;     // rounding divide
    logic [31:0] s5_y_d, s5_y_q;     // zero point + clamp

    logic signed [31:0] sh;
    logic [63:0]        prod;
    logic               unused_prod;
    logic [32:0]        rnd, sum;
    logic signed [31:0] v;

    // Every stage register holds while the pipe does not advance.

    // Stage 1: clamp the shift, split it into a left and a right part.
    always_comb begin
      s1_x_d  = s1_x_q;
      s1_m0_d = s1_m0_q;
      s1_e_d  = s1_e_q;
      sh      = $signed(shift_i[l*32 +: 32]);
      if (sh < ShiftMin) begin
        sh = ShiftMin;
      end else if (sh > ShiftMax) begin
        sh = ShiftMax;
      end
      if (adv) begin
        s1_m0_d = m0_i[l*32 +: 32];
        if (sh > 0) begin
          s1_x_d = acc_i[l*32 +: 32] << sh[4:0];
          s1_e_d = 5'd0;
        end else begin
          s1_x_d = acc_i[l*32 +: 32];
          s1_e_d = 5'(-sh);
        end
      end
    end

    // Stage 2: the 64-bit signed product; SRDHM needs bits [62:30] of it.
    always_comb begin
      s2_p_d      = s2_p_q;
      s2_sat_d    = s2_sat_q;
      s2_e_d      = s2_e_q;
      prod        = 64'($signed(s1_x_q) * $signed(s1_m0_q));
      unused_prod = ^{prod[63], prod[29:0]};
      if (adv) begin
        s2_p_d   = prod[62:30];
        s2_sat_d = (s1_x_q == 32'h8000_0000) && (s1_m0_q == 32'h8000_0000);
        s2_e_d   = s1_e_q;
      end
    end

    // Stage 3: SRDHM = floor((p + 2^30) / 2^31) = p[62:31] + p[30],
    // saturated. Only the saturating case reaches 2^31, so 32 bits hold
    // every other result.
    always_comb begin
      s3_h_d = s3_h_q;
      s3_e_d = s3_e_q;
      if (adv) begin
        s3_h_d = s2_sat_q ? 32'h7fff_ffff : (s2_p_q[32:1] + 32'(s2_p_q[0]));
        s3_e_d = s2_e_q;
      end
    end

    // Stage 4: rounding divide by 2^e in 33 bits (x + rnd cannot overflow).
    always_comb begin
      s4_r_d = s4_r_q;
      rnd    = '0;
      if (s3_e_q != 5'd0) begin
        rnd = (33'd1 << (s3_e_q - 5'd1)) - 33'(s3_h_q[31]);
      end
      sum = {s3_h_q[31], s3_h_q} + rnd;
      if (adv) begin
        s4_r_d = 32'($signed(sum) >>> s3_e_q);
      end
    end

    // Stage 5: zero point (wrapping) and clamp.
    always_comb begin
      s5_y_d = s5_y_q;
      v      = $signed(s5_zp + s4_r_q);
      if (adv) begin
        if (v < $signed(s5_min)) begin
          s5_y_d = s5_min;
        end else if (v > $signed(s5_max)) begin
          s5_y_d = s5_max;
        end else begin
          s5_y_d = v;
        end
      end
    end

    always_ff @(posedge clk_i) begin
      s1_x_q   <= s1_x_d;
      s1_m0_q  <= s1_m0_d;
      s1_e_q   <= s1_e_d;
      s2_p_q   <= s2_p_d;
      s2_sat_q <= s2_sat_d;
      s2_e_q   <= s2_e_d;
      s3_h_q   <= s3_h_d;
      s3_e_q   <= s3_e_d;
      s4_r_q   <= s4_r_d;
      s5_y_q   <= s5_y_d;
    end

    assign y_o[l*32 +: 32] = s5_y_q;
  end

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  // A result that is not taken stays put.
  y_held_under_stall: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (valid_o & ~ready_i) |=> (valid_o & $stable(y_o)));
`endif

endmodule
