// SPDX-License-Identifier: Apache-2.0
//
// Bench top for tb_array: four circe_systolic_array instances of different
// shapes (16 x 16, 8 x 8, 4 x 8, 8 x 4) on one clock and reset, each behind a
// tb_array_slot with flat 16 x 16-sized ports prefixed s<rows>x<cols>_.
module tb_array_top (
  input  logic             clk_i,
  input  logic             rst_ni,
`define TB_ARRAY_PORTS(p) \
  input  logic             p``_w_valid_i, \
  input  logic [16*8-1:0]  p``_w_i, \
  output logic             p``_w_full_o, \
  input  logic             p``_a_valid_i, \
  input  logic             p``_a_first_i, \
  input  logic [16*9-1:0]  p``_a_i, \
  output logic             p``_y_valid_o, \
  output logic             p``_y_first_o, \
  output logic [16*32-1:0] p``_y_o, \
  output logic             p``_busy_o
  `TB_ARRAY_PORTS(s16x16),
  `TB_ARRAY_PORTS(s8x8),
  `TB_ARRAY_PORTS(s4x8),
  `TB_ARRAY_PORTS(s8x4)
`undef TB_ARRAY_PORTS
);

`define TB_ARRAY_SLOT(p, r, c) \
  tb_array_slot #( \
    .Rows (r), \
    .Cols (c) \
  ) u_``p ( \
    .clk_i     (clk_i), \
    .rst_ni    (rst_ni), \
    .w_valid_i (p``_w_valid_i), \
    .w_i       (p``_w_i), \
    .w_full_o  (p``_w_full_o), \
    .a_valid_i (p``_a_valid_i), \
    .a_first_i (p``_a_first_i), \
    .a_i       (p``_a_i), \
    .y_valid_o (p``_y_valid_o), \
    .y_first_o (p``_y_first_o), \
    .y_o       (p``_y_o), \
    .busy_o    (p``_busy_o) \
  );

  `TB_ARRAY_SLOT(s16x16, 16, 16)
  `TB_ARRAY_SLOT(s8x8, 8, 8)
  `TB_ARRAY_SLOT(s4x8, 4, 8)
  `TB_ARRAY_SLOT(s8x4, 8, 4)
`undef TB_ARRAY_SLOT

endmodule
