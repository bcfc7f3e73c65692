// SPDX-License-Identifier: Apache-2.0
//
// Bench adapter: one circe_systolic_array of Rows x Cols behind ports of the
// maximum size (16 x 16), so that every array of tb_array_top has the same
// port types on the C++ side. Unused high input bits are ignored, unused
// high output bits are 0.
module tb_array_slot #(
  parameter int unsigned Rows = 8,
  parameter int unsigned Cols = 8
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic            w_valid_i,
  input  logic [16*8-1:0] w_i,
  output logic            w_full_o,
  input  logic            a_valid_i,
  input  logic            a_first_i,
  input  logic [16*9-1:0] a_i,
  output logic            y_valid_o,
  output logic            y_first_o,
  output logic [16*32-1:0] y_o,
  output logic            busy_o
);

  logic [Cols*32-1:0] y;

  circe_systolic_array #(
    .Rows (Rows),
    .Cols (Cols)
  ) u_array (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .w_valid_i (w_valid_i),
    .w_i       (w_i[Cols*8-1:0]),
    .w_full_o  (w_full_o),
    .a_valid_i (a_valid_i),
    .a_first_i (a_first_i),
    .a_i       (a_i[Rows*9-1:0]),
    .y_valid_o (y_valid_o),
    .y_first_o (y_first_o),
    .y_o       (y),
    .busy_o    (busy_o)
  );

  always_comb begin
    y_o               = '0;
    y_o[Cols*32-1:0]  = y;
  end

  logic unused_pad;
  assign unused_pad = ^{w_i, a_i};

endmodule
