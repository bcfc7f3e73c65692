// SPDX-License-Identifier: Apache-2.0
//
// One processing element of the weight-stationary systolic array
// (circe_systolic_array): a 9-bit signed activation times an 8-bit signed
// weight added to the partial sum from above, int32 with two's-complement
// wrap.
//
// Activations and the tile-switch marker move one PE to the right per cycle,
// partial sums one PE down. Weights are double-buffered: `w_load_i` writes
// the next tile's weight into the shadow register while the active one
// computes; in the cycle the switch marker (`first_i`, travelling with the
// first activation row of the next tile) reaches this PE, the product
// already uses the shadow weight and the shadow becomes the active weight.
// So the swap ripples through the array right behind the last row of the
// previous tile, and consecutive tiles need no bubble.
//
// No register here has a reset. The data registers are don't-care until a
// marker has passed (the array's valid pipeline, which is reset, says which
// results count), and leaving them without reset lets synthesis put the
// partial-sum register into the DSP slice. The marker needs none either: a
// stale marker still in flight after a reset only copies the shadow weight
// into the active one ahead of the next tile's real marker, which copies it
// again before any row of that tile arrives here.
module circe_pe (
  input  logic        clk_i,

  // Activation from the left neighbour (or the row's skew line) and the
  // tile-switch marker that travels with it; registered copies to the right.
  input  logic [8:0]  a_i,
  input  logic        first_i,
  output logic [8:0]  a_o,
  output logic        first_o,

  // Shadow weight write (the next tile's weight; int4 arrives sign-extended).
  input  logic        w_load_i,
  input  logic [7:0]  w_i,

  // Partial sums: from above, registered to below.
  input  logic [31:0] psum_i,
  output logic [31:0] psum_o
);

  // Marker and activation share one register (one word for a simulator).
  logic [9:0]  fa_d, fa_q;
  logic [7:0]  w_active_d, w_active_q;
  logic [7:0]  w_shadow_d, w_shadow_q;
  logic [31:0] psum_d, psum_q;

  logic [7:0]  w_use;
  logic [16:0] prod;

  always_comb begin
    fa_d       = {first_i, a_i};
    w_use      = first_i ? w_shadow_q : w_active_q;
    w_active_d = w_use;
    w_shadow_d = w_load_i ? w_i : w_shadow_q;
    // int9 x int8 = int17: the product of the operands sign-extended to 17
    // bits has the same low 17 bits as the signed product. Written unsigned
    // because Verilator then emits a plain multiply instead of a call to its
    // signed-multiply helper (30% of the array's simulation time at -Os);
    // Yosys maps either form to one DSP slice.
    prod       = {{8{a_i[8]}}, a_i} * {{9{w_use[7]}}, w_use};
    psum_d     = psum_i + {{15{prod[16]}}, prod};
  end

  always_ff @(posedge clk_i) begin
    fa_q       <= fa_d;
    w_active_q <= w_active_d;
    w_shadow_q <= w_shadow_d;
    psum_q     <= psum_d;
  end

  assign {first_o, a_o} = fa_q;
  assign psum_o         = psum_q;

endmodule
