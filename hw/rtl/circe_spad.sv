// SPDX-License-Identifier: Apache-2.0
//
// Scratchpad RAM of the command processor: one write port, one read port,
// synchronous read (rdata_o is mem[raddr_i] of the cycle before, held while
// ren_i is low), no reset, no byte enables. A plain unpacked array, so a
// simulator touches one word per access and synthesis infers block RAM
// (simple dual port, read-first: a read of the address written in the same
// cycle returns the old word).
module circe_spad #(
  parameter int unsigned Width = 128,
  parameter int unsigned Depth = 1024,
  localparam int unsigned AW   = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,

  input  logic             we_i,
  input  logic [AW-1:0]    waddr_i,
  input  logic [Width-1:0] wdata_i,

  input  logic             re_i,
  input  logic [AW-1:0]    raddr_i,
  output logic [Width-1:0] rdata_o
);

  logic [Width-1:0] mem [Depth];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem[waddr_i] <= wdata_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (re_i) begin
      rdata_q <= mem[raddr_i];
    end
  end

  assign rdata_o = rdata_q;

`ifndef SYNTHESIS
  initial begin
    assert (Depth == (1 << AW)) else $error("circe_spad: Depth must be a power of 2");
  end
`endif

endmodule
