// SPDX-License-Identifier: Apache-2.0
//
// Byte-addressed scratchpad of the command processor: written one 64-byte
// beat at a time (the DMA read stream's beat, at a beat-aligned address),
// read as a window of WordBytes bytes at any byte address, so rows whose
// length is not a multiple of the window (a contiguous A block with an odd
// K, say) are read without realigning them on the way in.
//
// Inside: Banks = 64 / WordBytes circe_spad banks of WordBytes-byte words,
// word w in bank w % Banks. A window touches words w and w + 1, which are in
// different banks, so each read is one access to two banks plus a funnel
// shift. Addresses wrap at Bytes (the scratchpads are rings).
//
// Read latency 1: rdata_o is the window at the raddr_i of the last cycle
// with re_i high (held otherwise).
module circe_spad_win #(
  parameter int unsigned Bytes     = 131072,  // power of 2, >= 128
  parameter int unsigned WordBytes = 16,      // window: power of 2, 2 .. 32
  localparam int unsigned BeatAW   = $clog2(Bytes / 64),
  localparam int unsigned ByteAW   = $clog2(Bytes)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   we_i,
  input  logic [BeatAW-1:0]      waddr_i,     // beat index
  input  logic [511:0]           wdata_i,

  input  logic                   re_i,
  input  logic [ByteAW-1:0]      raddr_i,     // byte address
  output logic [WordBytes*8-1:0] rdata_o
);

  localparam int unsigned Banks = 64 / WordBytes;
  localparam int unsigned BankW = $clog2(Banks);
  localparam int unsigned OffW  = $clog2(WordBytes);
  localparam int unsigned WordW = WordBytes * 8;

  logic [BankW-1:0]  lb;        // bank of the window's first word
  logic [BeatAW-1:0] row;       // its row (= beat index)
  logic [BankW-1:0]  lb_q;
  logic [OffW-1:0]   off_q;
  logic [Banks*WordW-1:0] bank_rdata;  // bank b: [b*WordW +: WordW]

  assign lb  = raddr_i[OffW +: BankW];
  assign row = raddr_i[ByteAW-1 -: BeatAW];

  for (genvar b = 0; b < Banks; b++) begin : g_bank
    logic [BeatAW-1:0] raddr;
    logic              re;

    // Banks below the first one hold the window's next word in the next row.
    if (b == Banks - 1) begin : g_top
      assign raddr = row;
    end else begin : g_low
      assign raddr = (lb > BankW'(b)) ? row + 1'b1 : row;
    end
    assign re    = re_i && ((BankW'(b) == lb) || (BankW'(b) == lb + 1'b1));

    circe_spad #(
      .Width (WordW),
      .Depth (Bytes / 64)
    ) u_bank (
      .clk_i   (clk_i),
      .we_i    (we_i),
      .waddr_i (waddr_i),
      .wdata_i (wdata_i[b*WordW +: WordW]),
      .re_i    (re),
      .raddr_i (raddr),
      .rdata_o (bank_rdata[b*WordW +: WordW])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lb_q  <= '0;
      off_q <= '0;
    end else if (re_i) begin
      lb_q  <= lb;
      off_q <= raddr_i[OffW-1:0];
    end
  end

  logic [BankW-1:0]   lb_next;
  logic [2*WordW-1:0] pair;
  logic [2*WordW-1:0] shifted;

  always_comb begin
    lb_next = lb_q + 1'b1;
    pair    = {bank_rdata[32'(lb_next)*WordW +: WordW], bank_rdata[32'(lb_q)*WordW +: WordW]};
    shifted = pair >> {off_q, 3'b000};
    rdata_o = shifted[WordW-1:0];
  end

  logic unused_shifted;
  assign unused_shifted = ^shifted[2*WordW-1:WordW];

`ifndef SYNTHESIS
  initial begin
    assert (WordBytes >= 2 && WordBytes <= 32 && (WordBytes & (WordBytes - 1)) == 0)
      else $error("circe_spad_win: WordBytes must be a power of 2 in [2, 32]");
    assert (Bytes >= 128 && (Bytes & (Bytes - 1)) == 0)
      else $error("circe_spad_win: Bytes must be a power of 2, >= 128");
  end
`endif

endmodule
