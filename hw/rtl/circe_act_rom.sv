// SPDX-License-Identifier: Apache-2.0
//
// Activation table of the LSTM unit as a synchronous ROM: word i holds the
// table entries i and i + 1 ({T[i+1], T[i]}, i = 0 .. 255), so that one read
// gives both ends of the interval an argument falls in. The table is
// circe_pkg::CIRCE_HLS_SIGMOID_TABLE or CIRCE_HLS_TANH_TABLE (generated from
// hw/hls/act_tables.c: the numbers of circe_hls_sigmoid_q12 / tanh_q12).
// 256 x 32 bits with an initial block: synthesis infers one block RAM.
//
// Read latency 1: rdata_o is the word at the addr_i of the last cycle with
// re_i high.
module circe_act_rom #(
  parameter bit Tanh = 1'b0  // 0: sigmoid, 1: tanh
) (
  input  logic        clk_i,
  input  logic        re_i,
  input  logic [7:0]  addr_i,
  output logic [31:0] rdata_o
);

  localparam int unsigned Entries = circe_pkg::CIRCE_HLS_ACT_ENTRIES;
  localparam logic [Entries*16-1:0] Table = Tanh ? circe_pkg::CIRCE_HLS_TANH_TABLE
                                                 : circe_pkg::CIRCE_HLS_SIGMOID_TABLE;

  logic [31:0] rom [256];
  logic [31:0] rdata_q;

  initial begin
    for (int i = 0; i < 256; i++) begin
      rom[i] = {Table[(i + 1)*16 +: 16], Table[i*16 +: 16]};
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_q <= rom[addr_i];
    end
  end

  assign rdata_o = rdata_q;

`ifndef SYNTHESIS
  initial begin
    assert (Entries == 257) else $error("circe_act_rom: the tables must have 257 entries");
  end
`endif

endmodule
