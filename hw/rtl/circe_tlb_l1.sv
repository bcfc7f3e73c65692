// SPDX-License-Identifier: Apache-2.0
//
// L1 TLB of the circe MMU: fully associative, Entries entries, each tagged
// with an ASID and a page size. The size is kept as the page-table level of
// the leaf that mapped it (include/circe/hw.h): 0 = 4 KiB, 1 = 2 MiB,
// 2 = 1 GiB. An entry holds the VA page base, the IOVA page base (address
// bits below the page size zero) and the leaf's R/W permissions.
//
// Lookup: NumLookups independent ports, combinational (the MMU registers the
// result, so a hit answers one cycle after the request was accepted); the
// results are 0 unless lookup_valid_i. At most one entry matches a lookup: a
// fill first drops every entry of its ASID that overlaps the new page,
// whatever the sizes.
//
// Replacement: tree pseudo-LRU. A hit and a fill make their entry the most
// recently used; a fill takes the lowest-indexed free entry, else the PLRU
// victim. With Entries not a power of two the tree is
// that of the next power of two and a victim beyond the last entry is folded
// into the lower half.
//
// Invalidate: inv_valid_i starts one, inv_done_o pulses when it is complete;
// the inv_* inputs stay stable until then and no fill happens meanwhile.
// CIRCE_HW_INV_ALL (every entry) and CIRCE_HW_INV_ASID (every entry of
// inv_asid_i) take effect at the clock edge of inv_valid_i, done in that
// cycle. CIRCE_HW_INV_RANGE removes every entry of inv_asid_i that overlaps
// the VA page range [inv_start_i, inv_end_i) (in 4 KiB pages), huge entries
// included; it checks one entry per cycle (one pair of comparators instead
// of one per entry: invalidations are rare), done in the cycle of the last
// entry, Entries cycles after the start. Lookups go on meanwhile. The MMU
// maps out-of-range ASIDs and non-canonical ranges to no-ops.
module circe_tlb_l1 #(
  parameter int unsigned Entries    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned NumLookups = 1,
  parameter int unsigned AsidW      = 4,
  // VA page number: VA[47:12].
  localparam int unsigned VpnW = circe_pkg::CIRCE_HW_VA_BITS - circe_pkg::CIRCE_HW_PAGE_SHIFT,
  // IOVA page number: the PTE address field, IOVA[51:12].
  localparam int unsigned PpnW = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK) -
                                 circe_pkg::CIRCE_HW_PAGE_SHIFT
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  // Lookup port l uses bits [l*W +: W] of each vector.
  input  logic [NumLookups-1:0]       lookup_valid_i,  // look up (a hit touches the PLRU)
  input  logic [NumLookups*VpnW-1:0]  lookup_vpn_i,
  input  logic [NumLookups*AsidW-1:0] lookup_asid_i,
  output logic [NumLookups-1:0]       lookup_hit_o,
  output logic [NumLookups*PpnW-1:0]  lookup_ppn_o,    // IOVA page base
  output logic [NumLookups*2-1:0]     lookup_level_o,  // 0: 4 KiB, 1: 2 MiB, 2: 1 GiB
  output logic [NumLookups-1:0]       lookup_read_o,
  output logic [NumLookups-1:0]       lookup_write_o,

  // Fill: one page from a successful walk.
  input  logic                        fill_valid_i,
  input  logic [VpnW-1:0]             fill_vpn_i,      // VA page base (low bits ignored)
  input  logic [AsidW-1:0]            fill_asid_i,
  input  logic [1:0]                  fill_level_i,
  input  logic [PpnW-1:0]             fill_ppn_i,      // IOVA page base (low bits ignored)
  input  logic                        fill_read_i,
  input  logic                        fill_write_i,

  // Invalidate.
  input  logic                        inv_valid_i,     // start (not while busy)
  input  logic [1:0]                  inv_type_i,      // CIRCE_HW_INV_*
  input  logic [AsidW-1:0]            inv_asid_i,
  input  logic [VpnW-1:0]             inv_start_i,     // first page of the range
  input  logic [VpnW:0]               inv_end_i,       // first page after the range
  output logic                        inv_busy_o,      // a range scan is running
  output logic                        inv_done_o       // the invalidation is complete
);

  localparam int unsigned IdxB = circe_pkg::CIRCE_HW_PT_INDEX_BITS;
  localparam int unsigned EntW = (Entries > 1) ? $clog2(Entries) : 1;
  localparam int unsigned TreeLeaves = 1 << EntW;


  // Page-number mask of a page of the given level: the bits that name the
  // page (64 bits wide; VA and IOVA page numbers take their low bits).
  function automatic logic [63:0] level_mask(input logic [1:0] level);
    logic [63:0] m;
    m = '1;
    if (level != 2'd0) m[IdxB-1:0] = '0;
    if (level[1]) m[2*IdxB-1:IdxB] = '0;
    level_mask = m;
  endfunction

  // Make entry e the most recently used: every tree node on its path points
  // away from it.
  function automatic logic [TreeLeaves-2:0] plru_touch(input logic [TreeLeaves-2:0] t,
                                                       input logic [EntW-1:0]       e);
    logic [TreeLeaves-2:0] r;
    r = t;
    for (int unsigned d = 0; d < EntW; d++) begin
      for (int unsigned k = 0; k < (1 << d); k++) begin
        if ((32'(e) >> (EntW - d)) == k) r[(1 << d) - 1 + k] = ~e[EntW-1-d];
      end
    end
    plru_touch = r;
  endfunction

  // Follow the tree to the least recently used leaf.
  function automatic logic [EntW-1:0] plru_victim(input logic [TreeLeaves-2:0] t);
    logic [EntW-1:0] v;
    v = '0;
    for (int unsigned d = 0; d < EntW; d++) begin
      v[EntW-1-d] = t[(1 << d) - 1 + (32'(v) >> (EntW - d))];
    end
    plru_victim = v;
  endfunction

  // ---- entries ----
  // Registers per entry; all logic over them below works on flat vectors
  // and only in cycles that need it (a lookup, a fill, an invalidation), so
  // that a Verilator model does almost nothing in the other cycles.
  localparam int unsigned DataW = PpnW + 4;  // lookup result {ppn, level, read, write}

  logic [Entries-1:0]            valid_q, valid_d;
  logic [Entries*AsidW-1:0]      ent_asid;
  logic [Entries*2-1:0]          ent_level;
  logic [Entries*VpnW-1:0]       ent_vpn;
  logic [Entries*PpnW-1:0]       ent_ppn;
  logic [Entries-1:0]            ent_read, ent_write;
  logic [Entries-1:0]            fill_we;
  logic [63:0]                   fill_mask64;

  assign fill_mask64 = level_mask(fill_level_i);

  for (genvar e = 0; e < Entries; e++) begin : g_entry
    logic [AsidW-1:0] asid_q;
    logic [1:0]       level_q;
    logic [VpnW-1:0]  vpn_q;
    logic [PpnW-1:0]  ppn_q;
    logic             read_q, write_q;

    // Payload: written only by a fill, never reset (valid_q guards it).
    always_ff @(posedge clk_i) begin
      if (fill_we[e]) begin
        asid_q  <= fill_asid_i;
        level_q <= fill_level_i;
        vpn_q   <= fill_vpn_i & fill_mask64[VpnW-1:0];
        ppn_q   <= fill_ppn_i & fill_mask64[PpnW-1:0];
        read_q  <= fill_read_i;
        write_q <= fill_write_i;
      end
    end

    assign ent_asid[e*AsidW +: AsidW] = asid_q;
    assign ent_level[e*2 +: 2]        = level_q;
    assign ent_vpn[e*VpnW +: VpnW]    = vpn_q;
    assign ent_ppn[e*PpnW +: PpnW]    = ppn_q;
    assign ent_read[e]                = read_q;
    assign ent_write[e]               = write_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else begin
      valid_q <= valid_d;
    end
  end

  // ---- lookup ----
  // The (at most one) matching entry's number, then its payload through a
  // binary mux tree on that number (smaller than an AND-OR over all entries).
  localparam int unsigned Nodes = 2 * TreeLeaves - 1;  // mux tree, leaves at TreeLeaves-1..

  logic [NumLookups*Entries-1:0] lk_match;  // [l*Entries + e]
  logic [NumLookups*EntW-1:0]    hit_idx;
  logic [NumLookups*DataW-1:0]   lk_data;
  logic [63:0]                   lk_mask;
  logic [Nodes*DataW-1:0]        lk_tree;
  logic [EntW-1:0]               lk_idx;

  always_comb begin
    lk_match = '0;
    lk_data  = '0;
    hit_idx  = '0;
    lk_mask  = '0;
    lk_tree  = '0;
    lk_idx   = '0;
    for (int unsigned l = 0; l < NumLookups; l++) begin
      if (lookup_valid_i[l]) begin
        for (int unsigned e = 0; e < Entries; e++) begin
          lk_mask = level_mask(ent_level[e*2 +: 2]);
          lk_match[l*Entries+e] =
              valid_q[e] && (ent_asid[e*AsidW +: AsidW] == lookup_asid_i[l*AsidW +: AsidW]) &&
              (((ent_vpn[e*VpnW +: VpnW] ^ lookup_vpn_i[l*VpnW +: VpnW]) &
                lk_mask[VpnW-1:0]) == '0);
          hit_idx[l*EntW +: EntW] = hit_idx[l*EntW +: EntW] |
                                    (EntW'(e) & {EntW{lk_match[l*Entries+e]}});
        end
        lk_idx  = hit_idx[l*EntW +: EntW];
        lk_tree = '0;
        for (int unsigned e = 0; e < Entries; e++) begin
          lk_tree[(TreeLeaves - 1 + e)*DataW +: DataW] =
              {ent_ppn[e*PpnW +: PpnW], ent_level[e*2 +: 2], ent_read[e], ent_write[e]};
        end
        // Node n (depth d) picks its child by bit EntW-1-d of the number.
        for (int unsigned d = EntW; d > 0; d--) begin
          for (int unsigned k = 0; k < (1 << (d - 1)); k++) begin
            lk_tree[((1 << (d - 1)) - 1 + k)*DataW +: DataW] =
                lk_idx[EntW-d] ? lk_tree[(2*((1 << (d - 1)) - 1 + k) + 2)*DataW +: DataW]
                               : lk_tree[(2*((1 << (d - 1)) - 1 + k) + 1)*DataW +: DataW];
          end
        end
        lk_data[l*DataW +: DataW] = lk_tree[DataW-1:0];
      end
    end
    for (int unsigned l = 0; l < NumLookups; l++) begin
      lookup_hit_o[l] = |lk_match[l*Entries +: Entries];
      {lookup_ppn_o[l*PpnW +: PpnW], lookup_level_o[l*2 +: 2], lookup_read_o[l],
       lookup_write_o[l]} = lookup_hit_o[l] ? lk_data[l*DataW +: DataW] : '0;
    end
  end

  // ---- invalidate, fill, victim ----
  logic                  scanning_q, scanning_d;  // RANGE: entry scan_q this cycle
  logic [EntW-1:0]       scan_q, scan_d;
  logic                  scan_last;
  logic [Entries-1:0]    inv_hit, fill_overlap, free;
  logic [EntW-1:0]       victim, tree_victim;
  logic                  free_found;
  logic [1:0]            cover_level;  // the coarser of an entry and the fill
  logic [63:0]           own_mask, cover_mask;
  logic [TreeLeaves-2:0] plru_q, plru_d;
  localparam int unsigned ScanW = AsidW + 2 + VpnW;
  logic [AsidW-1:0]      scan_asid;
  logic [1:0]            scan_level;
  logic [VpnW-1:0]       scan_vpn;
  logic [Nodes*ScanW-1:0] scan_tree;

  always_comb begin
    inv_hit      = '0;
    scan_asid    = '0;
    scan_level   = '0;
    scan_vpn     = '0;
    scan_tree    = '0;
    fill_overlap = '0;
    free         = '0;
    free_found   = 1'b0;
    victim       = '0;
    tree_victim  = '0;
    fill_we      = '0;
    cover_level  = '0;
    own_mask     = '0;
    cover_mask   = '0;
    // ALL and ASID at once; RANGE starts the scan.
    if (inv_valid_i) begin
      for (int unsigned e = 0; e < Entries; e++) begin
        unique case (inv_type_i)
          circe_pkg::CIRCE_HW_INV_ALL:  inv_hit[e] = 1'b1;
          circe_pkg::CIRCE_HW_INV_ASID: inv_hit[e] = (ent_asid[e*AsidW +: AsidW] == inv_asid_i);
          default:                      inv_hit[e] = 1'b0;
        endcase
      end
    end
    // Range scan, entry scan_q: base < end and start < base + size, the
    // latter written as (start rounded down to the entry's size) <= base.
    if (scanning_q) begin
      // The entry by a binary mux tree on its number (a variable
      // part-select of the flat vectors would synthesize as a wide shifter).
      for (int unsigned e = 0; e < Entries; e++) begin
        scan_tree[(TreeLeaves - 1 + e)*ScanW +: ScanW] =
            {ent_asid[e*AsidW +: AsidW], ent_level[e*2 +: 2], ent_vpn[e*VpnW +: VpnW]};
      end
      for (int unsigned d = EntW; d > 0; d--) begin
        for (int unsigned k = 0; k < (1 << (d - 1)); k++) begin
          scan_tree[((1 << (d - 1)) - 1 + k)*ScanW +: ScanW] =
              scan_q[EntW-d] ? scan_tree[(2*((1 << (d - 1)) - 1 + k) + 2)*ScanW +: ScanW]
                             : scan_tree[(2*((1 << (d - 1)) - 1 + k) + 1)*ScanW +: ScanW];
        end
      end
      {scan_asid, scan_level, scan_vpn} = scan_tree[ScanW-1:0];
      own_mask = level_mask(scan_level);
      inv_hit[scan_q] = (scan_asid == inv_asid_i) && ({1'b0, scan_vpn} < inv_end_i) &&
                        ((inv_start_i & own_mask[VpnW-1:0]) <= scan_vpn);
    end
    // A fill drops every entry of its ASID that overlaps the new page, then
    // takes the lowest free entry, else the pseudo-LRU victim.
    if (fill_valid_i) begin
      for (int unsigned e = 0; e < Entries; e++) begin
        cover_level = (ent_level[e*2 +: 2] > fill_level_i) ? ent_level[e*2 +: 2] : fill_level_i;
        cover_mask  = level_mask(cover_level);
        fill_overlap[e] = (ent_asid[e*AsidW +: AsidW] == fill_asid_i) &&
                          (((ent_vpn[e*VpnW +: VpnW] ^ fill_vpn_i) & cover_mask[VpnW-1:0]) == '0);
      end
      fill_overlap = fill_overlap & valid_q;
      free         = ~valid_q | fill_overlap;
      tree_victim  = plru_victim(plru_q);
      for (int unsigned e = 0; e < Entries; e++) begin
        if (free[e] && !free_found) begin
          free_found = 1'b1;
          victim     = EntW'(e);
        end
      end
      if (!free_found) begin
        victim = (32'(tree_victim) >= Entries) ? tree_victim - EntW'(TreeLeaves / 2) : tree_victim;
      end
      for (int unsigned e = 0; e < Entries; e++) begin
        fill_we[e] = (victim == EntW'(e));
      end
    end
    valid_d = (valid_q & ~inv_hit & ~fill_overlap) | fill_we;
  end

  // ---- range scan ----

  assign scan_last = (32'(scan_q) == Entries - 1);

  always_comb begin
    scanning_d = scanning_q;
    scan_d     = scan_q;
    if (scanning_q) begin
      scan_d = scan_q + EntW'(1);
      if (scan_last) scanning_d = 1'b0;
    end
    if (inv_valid_i && inv_type_i == circe_pkg::CIRCE_HW_INV_RANGE) begin
      scanning_d = 1'b1;
      scan_d     = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scanning_q <= 1'b0;
      scan_q     <= '0;
    end else begin
      scanning_q <= scanning_d;
      scan_q     <= scan_d;
    end
  end

  assign inv_busy_o = scanning_q;
  assign inv_done_o = (inv_valid_i && inv_type_i != circe_pkg::CIRCE_HW_INV_RANGE) ||
                      (scanning_q && scan_last);

  // Only the page-number bits of the masks are used.
  logic unused_masks;
  assign unused_masks = ^{fill_mask64[63:PpnW], lk_mask[63:VpnW], own_mask[63:VpnW],
                          cover_mask[63:VpnW]};

  always_comb begin
    plru_d = plru_q;
    for (int unsigned l = 0; l < NumLookups; l++) begin
      if (lookup_valid_i[l] && lookup_hit_o[l]) plru_d = plru_touch(plru_d, hit_idx[l*EntW +: EntW]);
    end
    if (fill_valid_i) plru_d = plru_touch(plru_d, victim);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      plru_q <= '0;
    end else begin
      plru_q <= plru_d;
    end
  end

  // ---- checks ----
  if (Entries < 2 || Entries > 256) begin : g_bad_entries
    $error("circe_tlb_l1: Entries must be in [2, 256]");
  end

`ifndef SYNTHESIS
  // The fill drops overlapping entries, so a lookup matches at most one.
  for (genvar l = 0; l < NumLookups; l++) begin : g_assert_lookup
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     $onehot0(lk_match[l*Entries +: Entries]))
      else $error("circe_tlb_l1: lookup %0d matches several entries", l);
  end
  // The MMU runs an invalidation only while no walk can fill.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   !(fill_valid_i && (inv_valid_i || scanning_q)))
    else $error("circe_tlb_l1: fill during an invalidation");
  assert property (@(posedge clk_i) disable iff (!rst_ni) !(inv_valid_i && scanning_q))
    else $error("circe_tlb_l1: invalidation started during a range scan");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   scanning_q |-> $stable(inv_asid_i) && $stable(inv_start_i) && $stable(inv_end_i))
    else $error("circe_tlb_l1: range changed during its scan");
  assert property (@(posedge clk_i) disable iff (!rst_ni) fill_valid_i |-> fill_level_i != 2'd3)
    else $error("circe_tlb_l1: fill of a level-3 page");
`endif

endmodule
