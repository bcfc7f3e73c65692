// SPDX-License-Identifier: Apache-2.0
//
// LSTM element-wise unit: Lanes hidden units per cycle, bit-exact with
// circe_hls_lstm (hw/hls/lstm.c; docs/numerics.md, "The LSTM cell"):
//
//   pre_g = sat16(gx_g + gh_g)                     Q3.12, gates g = i, f, g, o
//   i, f, o = sigmoid(pre), g = tanh(pre)          Q0.15, table + interpolation
//   c'  = sat16(RDivPOT(f * c, 15) + RDivPOT(i * g, 19))      Q4.11
//   h   = clamp(h_zp + requant(o * tanh(sat16(2 c')), h_rq), -128, 127)
//
// Activation of x (Q3.12): a = |x| (-32768 -> 32767), i = a >> 7, f = a & 127,
// y = T[i] + RDivPOT((T[i+1] - T[i]) * f, 7); sigmoid(-a) = 32768 - y,
// tanh(-a) = -y. The tables are circe_act_rom instances (from circe_pkg);
// the requantization is circe_requant (one SRDHM in the design), with
// out_zp = h_zp and the clamp [-128, 127].
//
// Pipeline, fixed latency (no back-pressure; Latency cycles from valid_i to
// valid_o):
//   stage 0: gate sums, |x|, table addresses (ROM read)
//   stage 1: interpolation: i, f, g, o
//   stage 2: f * c, i * g, the new cell, its tanh address (ROM read)
//   stage 3: interpolation, o * tanh(c')
//   stages 4-8: circe_requant
// Lane l of a vector: gates at [(l*4 + g)*16 +: 16], c at [l*16 +: 16],
// h at [l*8 +: 8].
module circe_lstm_unit #(
  parameter int unsigned Lanes = 4
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                valid_i,
  input  logic                no_gh_i,     // CIRCE_HW_LSTM_NO_GH: gh counts 0
  input  logic [Lanes*64-1:0] gx_i,        // int16 Q3.12, 4 gates per lane
  input  logic [Lanes*64-1:0] gh_i,
  input  logic [Lanes*16-1:0] c_i,         // int16 Q4.11
  // One descriptor's: stable while vectors are in flight.
  input  logic [31:0]         h_zp_i,      // int32 in [-128, 127]
  input  logic [31:0]         m0_i,        // h_rq
  input  logic [31:0]         shift_i,

  output logic                valid_o,
  output logic [Lanes*16-1:0] c_o,         // int16 Q4.11
  output logic [Lanes*8-1:0]  h_o          // int8
);

  localparam int unsigned Latency = 8;
  localparam int unsigned RqLat   = 5;

  // Saturate a 32-bit value to int16.
  function automatic logic [15:0] sat16(input logic signed [31:0] v);
    if (v > 32'sd32767) begin
      sat16 = 16'h7fff;
    end else if (v < -32'sd32768) begin
      sat16 = 16'h8000;
    end else begin
      sat16 = v[15:0];
    end
  endfunction

  // gemmlowp RoundingDivideByPOT by a constant e in [1, 31]: ties away from 0.
  function automatic logic [31:0] rdivpot(input logic [31:0] x, input int unsigned e);
    logic [31:0] mask, rem, thr;
    mask    = (32'd1 << e) - 32'd1;
    rem     = x & mask;
    thr     = (mask >> 1) + {31'd0, x[31]};
    rdivpot = 32'($signed(x) >>> e) + ((rem > thr) ? 32'd1 : 32'd0);
  endfunction

  // Interpolation between the table words: y = t0 + RDivPOT((t1 - t0) * f, 7).
  function automatic logic [31:0] interp(input logic [31:0] pair, input logic [6:0] f);
    logic signed [31:0] t0, t1, d;
    t0     = 32'($signed(pair[15:0]));
    t1     = 32'($signed(pair[31:16]));
    d      = (t1 - t0) * $signed({25'd0, f});
    interp = 32'(t0 + $signed(rdivpot(32'(d), 7)));
  endfunction

  // |x| of a Q3.12 value (-32768 -> 32767).
  function automatic logic [14:0] absq(input logic [15:0] x);
    if (x == 16'h8000) begin
      absq = 15'h7fff;
    end else if (x[15]) begin
      absq = 15'(-$signed(x));
    end else begin
      absq = x[14:0];
    end
  endfunction

  logic [Latency-1:0] vld_q;   // stage s valid (s = 0: the input cycle's registers)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vld_q <= '0;
    end else begin
      vld_q <= {vld_q[Latency-2:0], valid_i};
    end
  end

  logic [Lanes*32-1:0] v_q;        // o * tanh(c'), per lane
  logic [Lanes*16-1:0] cn_q3;      // c' at stage 3
  logic [RqLat*Lanes*16-1:0] cdly_q;
  logic [Lanes*32-1:0] rq_y;
  logic                rq_valid, rq_ready_unused;

  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    // ---- stage 0: sums, table addresses ----
    // Per gate g (flat: Yosys 0.23 takes no continuous assignments to
    // unpacked arrays): pre [g*16 +: 16], a [g*15 +: 15], ...
    logic [63:0]  pre;
    logic [59:0]  a;
    logic [27:0]  f1_q;
    logic [3:0]   s1_q;
    logic [15:0]  c1_q;
    logic [127:0] pair1;

    for (genvar g = 0; g < 4; g++) begin : g_gate
      assign pre[g*16 +: 16] = sat16(32'($signed(gx_i[(l*4 + g)*16 +: 16])) +
                                     (no_gh_i ? 32'sd0
                                              : 32'($signed(gh_i[(l*4 + g)*16 +: 16]))));
      assign a[g*15 +: 15]   = absq(pre[g*16 +: 16]);

      circe_act_rom #(
        .Tanh (g == 2)
      ) u_rom (
        .clk_i   (clk_i),
        .re_i    (valid_i),
        .addr_i  (a[g*15 + 7 +: 8]),
        .rdata_o (pair1[g*32 +: 32])
      );

      always_ff @(posedge clk_i) begin
        if (valid_i) begin
          f1_q[g*7 +: 7] <= a[g*15 +: 7];
          s1_q[g]        <= pre[g*16 + 15];
        end
      end
    end

    always_ff @(posedge clk_i) begin
      if (valid_i) begin
        c1_q <= c_i[l*16 +: 16];
      end
    end

    // ---- stage 1: the four activations ----
    logic [127:0] y1;
    logic [63:0]  act;       // i, f, g, o in Q0.15
    logic [63:0]  act2_q;
    logic [15:0]  c2_q;

    for (genvar g = 0; g < 4; g++) begin : g_act
      assign y1[g*32 +: 32] = interp(pair1[g*32 +: 32], f1_q[g*7 +: 7]);
      if (g == 2) begin : g_tanh
        assign act[g*16 +: 16] = s1_q[g] ? 16'(-$signed(y1[g*32 +: 32])) : y1[g*32 +: 16];
      end else begin : g_sig
        assign act[g*16 +: 16] = s1_q[g] ? 16'(32'd32768 - y1[g*32 +: 32]) : y1[g*32 +: 16];
      end

      always_ff @(posedge clk_i) begin
        if (vld_q[0]) begin
          act2_q[g*16 +: 16] <= act[g*16 +: 16];
        end
      end
    end

    always_ff @(posedge clk_i) begin
      if (vld_q[0]) begin
        c2_q <= c1_q;
      end
    end

    // ---- stage 2: the cell update, tanh(c') address ----
    logic signed [31:0] fc, ig;
    logic [15:0] cn, c12;
    logic [14:0] ac;
    logic [31:0] tpair;
    logic [15:0] cn3_q, o3_q;
    logic [6:0]  tf3_q;
    logic        ts3_q;

    always_comb begin
      fc  = $signed(rdivpot(32'($signed(act2_q[16 +: 16]) * $signed(c2_q)), 15));
      ig  = $signed(rdivpot(32'($signed(act2_q[0 +: 16]) * $signed(act2_q[32 +: 16])), 19));
      cn  = sat16(fc + ig);
      c12 = sat16(32'($signed(cn)) * 32'sd2);
      ac  = absq(c12);
    end

    circe_act_rom #(
      .Tanh (1'b1)
    ) u_tanh_c (
      .clk_i   (clk_i),
      .re_i    (vld_q[1]),
      .addr_i  (ac[14:7]),
      .rdata_o (tpair)
    );

    always_ff @(posedge clk_i) begin
      if (vld_q[1]) begin
        cn3_q <= cn;
        o3_q  <= act2_q[48 +: 16];
        tf3_q <= ac[6:0];
        ts3_q <= c12[15];
      end
    end

    // ---- stage 3: tanh(c'), o * tanh(c') (Q0.30) ----
    logic [31:0] ty;
    logic [15:0] tc;

    assign ty = interp(tpair, tf3_q);
    assign tc = ts3_q ? 16'(-$signed(ty)) : ty[15:0];

    always_ff @(posedge clk_i) begin
      if (vld_q[2]) begin
        v_q[l*32 +: 32]    <= 32'($signed(o3_q) * $signed(tc));
        cn_q3[l*16 +: 16] <= cn3_q;
      end
    end

    assign h_o[l*8 +: 8] = rq_y[l*32 +: 8];

    logic unused_rq;
    assign unused_rq = ^{rq_y[l*32 + 8 +: 24], y1[16 +: 16], y1[48 +: 16], y1[80 +: 16],
                         y1[112 +: 16], ty[31:16]};
  end

  // ---- stages 4..8: requantization of o * tanh(c') ----
  assign rq_valid = vld_q[3];

  circe_requant #(
    .Lanes (Lanes)
  ) u_requant (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .valid_i     (rq_valid),
    .ready_o     (rq_ready_unused),
    .acc_i       (v_q),
    .m0_i        ({Lanes{m0_i}}),
    .shift_i     ({Lanes{shift_i}}),
    .out_zp_i    (h_zp_i),
    .clamp_min_i (-32'sd128),
    .clamp_max_i (32'sd127),
    .valid_o     (valid_o),
    .ready_i     (1'b1),
    .y_o         (rq_y)
  );

  // c' travels beside the requant unit.
  always_ff @(posedge clk_i) begin
    cdly_q <= {cdly_q[(RqLat-1)*Lanes*16-1:0], cn_q3};
  end
  assign c_o = cdly_q[(RqLat-1)*Lanes*16 +: Lanes*16];

  logic unused;
  assign unused = ^{rq_ready_unused, vld_q[Latency-1:4]};

endmodule
