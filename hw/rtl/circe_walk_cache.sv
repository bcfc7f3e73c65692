// SPDX-License-Identifier: Apache-2.0
//
// Walk cache of the circe MMU: the last Lines 64-byte PTE lines that the
// page-table walkers (circe_ptw) read, shared by all of them. Lookups
// combinational lookup ports (line number and PTE lane in, hit and the PTE
// out; circe_mmu uses one, which its walkers take turns on: each port costs
// an 8-line x 8-lane AND-OR tree); the R channel delivers at most one line
// per cycle, so there is a single fill port. A fill refreshes its line where it is cached, else it
// takes a free line, else a leaf line (fill_leaf_i: a level-0 table line,
// which maps only 32 KiB) round-robin from the pointer, else the pointer's
// line: the few upper-level lines that every walk needs are not pushed out
// by a stream of leaf lines and their prefetches. flush_i (any invalidation,
// only while no walk is in flight) empties the cache; it wins over a fill.
//
// The rules for using a cached PTE (only for a step that succeeds; faults
// and bus errors are decided on fresh reads) live in circe_ptw.
module circe_walk_cache #(
  parameter int unsigned Lookups = 1,
  parameter int unsigned Lines   = 8,   // >= 1
  parameter int unsigned LineW   = 46,  // PTE line number (IOVA bits 63:6)
  localparam int unsigned DataW    = circe_axi_pkg::DataWidth,
  localparam int unsigned LaneBits = $clog2(DataW / 64)
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic                         flush_i,

  // Lookup port l uses bits [l*W +: W].
  input  logic [Lookups*LineW-1:0]     lk_line_i,
  input  logic [Lookups*LaneBits-1:0]  lk_lane_i,
  output logic [Lookups-1:0]           lk_hit_o,
  output logic [Lookups*64-1:0]        lk_pte_o,

  input  logic                         fill_valid_i,
  input  logic [LineW-1:0]             fill_line_i,
  input  logic                         fill_leaf_i,   // a level-0 table line
  input  logic [DataW-1:0]             fill_data_i
);

  localparam int unsigned IdxW = (Lines > 1) ? $clog2(Lines) : 1;

  logic [Lines-1:0]       valid_q;
  logic [Lines-1:0]       leaf_q;
  logic [Lines*LineW-1:0] tag_q;
  logic [Lines*DataW-1:0] data_q;
  logic [IdxW-1:0]        rr_q;
  logic                   fill_hit;
  logic [IdxW-1:0]        fill_idx;

  // Tags are unique (a fill refreshes a cached line), so at most one line
  // matches: AND-OR over the lines of each line's selected lane, not a
  // priority chain of muxes.
  logic [Lookups*Lines-1:0] lk_match;
  always_comb begin
    lk_hit_o = '0;
    lk_pte_o = '0;
    lk_match = '0;
    for (int unsigned l = 0; l < Lookups; l++) begin
      for (int unsigned c = 0; c < Lines; c++) begin
        lk_match[l*Lines+c] = valid_q[c] &&
                              (tag_q[c*LineW +: LineW] == lk_line_i[l*LineW +: LineW]);
        lk_hit_o[l] = lk_hit_o[l] | lk_match[l*Lines+c];
        for (int unsigned i = 0; i < (1 << LaneBits); i++) begin
          lk_pte_o[l*64 +: 64] = lk_pte_o[l*64 +: 64] |
              (data_q[c*DataW + 64*i +: 64] &
               {64{lk_match[l*Lines+c] && lk_lane_i[l*LaneBits +: LaneBits] == LaneBits'(i)}});
        end
      end
    end
  end

  logic            free_found, leaf_found;
  logic [IdxW-1:0] free_idx, leaf_idx;
  logic [IdxW:0]   cand;

  always_comb begin
    fill_hit   = 1'b0;
    free_found = 1'b0;
    free_idx   = '0;
    leaf_found = 1'b0;
    leaf_idx   = '0;
    cand       = '0;
    for (int unsigned c = 0; c < Lines; c++) begin
      if (!free_found && !valid_q[c]) begin
        free_found = 1'b1;
        free_idx   = IdxW'(c);
      end
      cand = {1'b0, rr_q} + (IdxW + 1)'(c);
      if (cand >= (IdxW + 1)'(Lines)) cand = cand - (IdxW + 1)'(Lines);
      if (!leaf_found && leaf_q[cand[IdxW-1:0]]) begin
        leaf_found = 1'b1;
        leaf_idx   = cand[IdxW-1:0];
      end
    end
    fill_idx = free_found ? free_idx : (leaf_found ? leaf_idx : rr_q);
    for (int unsigned c = 0; c < Lines; c++) begin
      if (valid_q[c] && tag_q[c*LineW +: LineW] == fill_line_i) begin
        fill_hit = 1'b1;
        fill_idx = IdxW'(c);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
      rr_q    <= '0;
    end else if (flush_i) begin
      valid_q <= '0;
    end else if (fill_valid_i) begin
      valid_q[fill_idx] <= 1'b1;
      if (!fill_hit) rr_q <= (32'(fill_idx) == Lines - 1) ? '0 : fill_idx + IdxW'(1);
    end
  end

  // Payload: guarded by valid_q, no reset.
  always_ff @(posedge clk_i) begin
    if (fill_valid_i) begin
      for (int unsigned c = 0; c < Lines; c++) begin
        if (fill_idx == IdxW'(c)) begin
          tag_q[c*LineW +: LineW]  <= fill_line_i;
          leaf_q[c]                <= fill_leaf_i;
          data_q[c*DataW +: DataW] <= fill_data_i;
        end
      end
    end
  end

`ifndef SYNTHESIS
  if (Lines < 1 || Lookups < 1) begin : g_bad_params
    $error("circe_walk_cache: Lines and Lookups must be at least 1");
  end
`endif

endmodule
