// SPDX-License-Identifier: Apache-2.0
//
// L2 TLB of the circe MMU: set-associative, Sets x Ways, in one 1R1W
// synchronous RAM (one word per set, inferred so that Yosys maps it to block
// RAM), ASID-tagged, filled by walks, probed on an L1 miss before a walk.
//
// Page sizes: 4 KiB and 2 MiB pages live here; 1 GiB pages only in the L1
// (a few of them cover the whole working set of a job, and a 1 GiB entry
// would need a third probe). A probe reads two sets: the 4 KiB set (index
// VPN[SetW-1:0]) and the 2 MiB set (index VPN[9 +: SetW]); an entry matches
// only for its own size, so each page has exactly one set. A 4 KiB match
// wins over a 2 MiB one (both are pages of some table version since the last
// invalidation; the MMU's invalidation discipline makes that enough).
//
// Entry (EntW bits, way w at [w*EntW +: EntW] of the word):
//   {valid, level (0: 4 KiB, 1: 2 MiB), asid, vpn (page base), ppn, read, write}
// The word's top WayW bits are the set's replacement pointer. A fill
// overwrites an entry of the same page (ASID, size, VPN), else takes the
// first free way, else the pointer's way and advances the pointer (FIFO per
// set: a hit does not write the RAM).
//
// Operations, one at a time (busy_o while one runs):
//   probe: 4 cycles from probe_valid_i to res_valid_o (a one-cycle pulse).
//   fill:  2 cycles (read the set, write it back).
//   invalidate (ALL / ASID / RANGE): a scan that reads set i while writing
//          back set i-1 without the matching entries: Sets + 1 cycles, then
//          inv_done_o. RANGE removes every entry of inv_asid_i that overlaps
//          the 4 KiB page range [inv_start_i, inv_end_i), 2 MiB entries too.
//   After reset the same scan clears every set (the RAM has no reset):
//          probes and fills wait for it.
// Priority when idle: invalidate, fill, probe. The RAM is never read and
// written at the same address in one cycle.
module circe_tlb_l2 #(
  parameter int unsigned Sets  = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,
  parameter int unsigned Ways  = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned AsidW = 4,
  parameter int unsigned TagW  = 2,
  localparam int unsigned VpnW = circe_pkg::CIRCE_HW_VA_BITS - circe_pkg::CIRCE_HW_PAGE_SHIFT,
  localparam int unsigned PpnW = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK) -
                                 circe_pkg::CIRCE_HW_PAGE_SHIFT
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Probe: the answer comes back with the tag.
  input  logic              probe_valid_i,
  output logic              probe_ready_o,
  input  logic [TagW-1:0]   probe_tag_i,
  input  logic [VpnW-1:0]   probe_vpn_i,
  input  logic [AsidW-1:0]  probe_asid_i,
  output logic              res_valid_o,
  output logic [TagW-1:0]   res_tag_o,
  output logic              res_hit_o,
  output logic [PpnW-1:0]   res_ppn_o,      // IOVA page base
  output logic              res_level_o,    // 0: 4 KiB, 1: 2 MiB
  output logic              res_read_o,
  output logic              res_write_o,

  // Fill: a page from a successful walk (4 KiB or 2 MiB).
  input  logic              fill_valid_i,
  output logic              fill_ready_o,
  input  logic [VpnW-1:0]   fill_vpn_i,
  input  logic [AsidW-1:0]  fill_asid_i,
  input  logic              fill_level_i,
  input  logic [PpnW-1:0]   fill_ppn_i,
  input  logic              fill_read_i,
  input  logic              fill_write_i,
  output logic              fill_evict_o,   // the fill replaced a valid entry of another page

  // Invalidate (start only while !busy_o; inputs stable until inv_done_o).
  input  logic              inv_valid_i,
  input  logic [1:0]        inv_type_i,
  input  logic [AsidW-1:0]  inv_asid_i,
  input  logic [VpnW-1:0]   inv_start_i,
  input  logic [VpnW:0]     inv_end_i,
  output logic              inv_done_o,

  output logic              busy_o
);

  localparam int unsigned IdxB  = circe_pkg::CIRCE_HW_PT_INDEX_BITS;
  localparam int unsigned SetW  = (Sets > 1) ? $clog2(Sets) : 1;
  localparam int unsigned WayW  = (Ways > 1) ? $clog2(Ways) : 1;
  localparam int unsigned EntW  = 2 + AsidW + VpnW + PpnW + 2;
  localparam int unsigned WordW = Ways * EntW + WayW;
  // Field offsets inside an entry.
  localparam int unsigned OffW     = 0;
  localparam int unsigned OffR     = 1;
  localparam int unsigned OffPpn   = 2;
  localparam int unsigned OffVpn   = OffPpn + PpnW;
  localparam int unsigned OffAsid  = OffVpn + VpnW;
  localparam int unsigned OffLevel = OffAsid + AsidW;
  localparam int unsigned OffValid = OffLevel + 1;

  typedef enum logic [2:0] {
    SScan,   // invalidate (or the clear after reset): one set per cycle
    SIdle,
    SProbe1, // 4 KiB set read
    SProbe2, // 2 MiB set read
    SRes,    // result valid
    SFill    // set read: write it back with the new entry
  } state_e;

  // ---- the RAM ----
  logic [WordW-1:0] mem [Sets];
  logic             re, we;
  logic [SetW-1:0]  raddr, waddr;
  logic [WordW-1:0] rdata_q, wdata;

  always_ff @(posedge clk_i) begin
    if (we) mem[waddr] <= wdata;
  end
  always_ff @(posedge clk_i) begin
    if (re) rdata_q <= mem[raddr];
  end

  // ---- state ----
  state_e            state_q, state_d;
  logic [TagW-1:0]   tag_q, tag_d;
  logic [VpnW-1:0]   vpn_q, vpn_d;
  logic [AsidW-1:0]  asid_q, asid_d;
  logic              level_q, level_d;         // fill
  logic [PpnW-1:0]   ppn_q, ppn_d;             // fill
  logic              read_q, read_d, write_q, write_d;
  logic              hit_q, hit_d;             // probe: a hit so far
  logic [EntW-1:0]   hent_q, hent_d;           // ... its entry
  logic [SetW:0]     scan_q, scan_d;           // next set to read
  logic              swb_q, swb_d;             // write back set scan_q - 1
  logic              all_q, all_d;             // the scan clears everything
  logic              done_q, done_d;

  // Set of a page: VPN[SetW-1:0] for 4 KiB, VPN[9 +: SetW] for 2 MiB.
  function automatic logic [SetW-1:0] set_of(input logic [SetW-1:0] lo, input logic [SetW-1:0] hi,
                                             input logic level);
    set_of = level ? hi : lo;
  endfunction

  // Page base of a VPN for an entry of the given level.
  function automatic logic [VpnW-1:0] base_of(input logic [VpnW-1:0] vpn, input logic level);
    logic [VpnW-1:0] b;
    b = vpn;
    if (level) b[IdxB-1:0] = '0;
    base_of = b;
  endfunction

  // Does way w of rdata_q hold the page of (asid_q, vpn_q) at `level`?
  logic [Ways-1:0]  match;
  logic             match_any;
  logic [EntW-1:0]  match_ent;
  logic [Ways-1:0]  free;
  logic [Ways-1:0]  inv_hit;
  logic [WordW-1:0] wb_word;    // scan write-back
  logic [WordW-1:0] fill_word;
  logic [WayW-1:0]  fill_way, ptr;
  logic             free_any;
  logic             cmp_level;
  logic [EntW-1:0]  e;
  logic [VpnW-1:0]  ev;
  logic             el;

  assign cmp_level = (state_q == SProbe2) || (state_q == SFill && level_q);
  assign ptr       = rdata_q[Ways*EntW +: WayW];

  always_comb begin
    match     = '0;
    match_any = 1'b0;
    match_ent = '0;
    free      = '0;
    free_any  = 1'b0;
    fill_way  = ptr;
    inv_hit   = '0;
    e         = '0;
    ev        = '0;
    el        = 1'b0;
    for (int unsigned w = 0; w < Ways; w++) begin
      e  = rdata_q[w*EntW +: EntW];
      ev = e[OffVpn +: VpnW];
      el = e[OffLevel];
      match[w] = e[OffValid] && (el == cmp_level) && (e[OffAsid +: AsidW] == asid_q) &&
                 (ev == base_of(vpn_q, cmp_level));
      free[w]  = !e[OffValid];
      inv_hit[w] = all_q || (e[OffAsid +: AsidW] == inv_asid_i &&
                   (inv_type_i == circe_pkg::CIRCE_HW_INV_ASID ||
                    ({1'b0, ev} < inv_end_i && base_of(inv_start_i, el) <= ev)));
    end
    for (int unsigned w = 0; w < Ways; w++) begin
      if (match[w]) begin
        match_any = 1'b1;
        match_ent = rdata_q[w*EntW +: EntW];
      end
    end
    // Way of a fill: the same page, else the first free way, else the pointer.
    for (int unsigned w = Ways; w > 0; w--) begin
      if (free[w-1]) begin
        free_any = 1'b1;
        fill_way = WayW'(w - 1);
      end
    end
    for (int unsigned w = 0; w < Ways; w++) begin
      if (match[w]) fill_way = WayW'(w);
    end
    // Scan write-back: matching entries lose their valid bit.
    wb_word = rdata_q;
    for (int unsigned w = 0; w < Ways; w++) begin
      if (inv_hit[w]) wb_word[w*EntW + OffValid] = 1'b0;
    end
    // Fill write-back.
    fill_word = rdata_q;
    for (int unsigned w = 0; w < Ways; w++) begin
      if (fill_way == WayW'(w)) begin
        fill_word[w*EntW +: EntW] = {1'b1, level_q, asid_q, base_of(vpn_q, level_q), ppn_q,
                                     read_q, write_q};
      end
    end
    if (!match_any && !free_any) begin
      fill_word[Ways*EntW +: WayW] = (32'(ptr) == Ways - 1) ? '0 : ptr + WayW'(1);
    end
  end

  always_comb begin
    state_d = state_q;
    tag_d   = tag_q;
    vpn_d   = vpn_q;
    asid_d  = asid_q;
    level_d = level_q;
    ppn_d   = ppn_q;
    read_d  = read_q;
    write_d = write_q;
    hit_d   = hit_q;
    hent_d  = hent_q;
    scan_d  = scan_q;
    swb_d   = 1'b0;
    all_d   = all_q;
    done_d  = 1'b0;
    re      = 1'b0;
    raddr   = '0;
    we      = 1'b0;
    waddr   = '0;
    wdata   = wb_word;

    // Write back the set read in the previous scan cycle.
    if (swb_q) begin
      we    = 1'b1;
      waddr = SetW'(scan_q - (SetW + 1)'(1));
      wdata = all_q ? '0 : wb_word;
    end

    unique case (state_q)
      SScan: begin
        if (scan_q == (SetW + 1)'(Sets)) begin
          if (swb_q) begin
            state_d = SIdle;
            done_d  = 1'b1;  // also after the reset clear: the MMU only listens when it asked
          end
        end else begin
          re     = 1'b1;
          raddr  = scan_q[SetW-1:0];
          scan_d = scan_q + (SetW + 1)'(1);
          swb_d  = 1'b1;
        end
      end
      SIdle: begin
        if (inv_valid_i) begin
          state_d = SScan;
          scan_d  = '0;
          all_d   = (inv_type_i == circe_pkg::CIRCE_HW_INV_ALL);
        end else if (fill_valid_i) begin
          re      = 1'b1;
          raddr   = set_of(fill_vpn_i[SetW-1:0], fill_vpn_i[IdxB +: SetW], fill_level_i);
          vpn_d   = fill_vpn_i;
          asid_d  = fill_asid_i;
          level_d = fill_level_i;
          ppn_d   = fill_ppn_i;
          read_d  = fill_read_i;
          write_d = fill_write_i;
          state_d = SFill;
        end else if (probe_valid_i) begin
          re      = 1'b1;
          raddr   = probe_vpn_i[SetW-1:0];
          tag_d   = probe_tag_i;
          vpn_d   = probe_vpn_i;
          asid_d  = probe_asid_i;
          state_d = SProbe1;
        end
      end
      SProbe1: begin
        hit_d   = match_any;
        hent_d  = match_ent;
        re      = 1'b1;
        raddr   = vpn_q[IdxB +: SetW];
        state_d = SProbe2;
      end
      SProbe2: begin
        if (!hit_q) begin
          hit_d  = match_any;
          hent_d = match_ent;
        end
        state_d = SRes;
      end
      SRes: begin
        state_d = SIdle;
      end
      SFill: begin
        we      = 1'b1;
        waddr   = set_of(vpn_q[SetW-1:0], vpn_q[IdxB +: SetW], level_q);
        wdata   = fill_word;
        state_d = SIdle;
      end
      default: state_d = SIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= SScan;
      scan_q  <= '0;
      swb_q   <= 1'b0;
      all_q   <= 1'b1;
      done_q  <= 1'b0;
    end else begin
      state_q <= state_d;
      scan_q  <= scan_d;
      swb_q   <= swb_d;
      all_q   <= all_d;
      done_q  <= done_d;
    end
  end

  always_ff @(posedge clk_i) begin
    tag_q   <= tag_d;
    vpn_q   <= vpn_d;
    asid_q  <= asid_d;
    level_q <= level_d;
    ppn_q   <= ppn_d;
    read_q  <= read_d;
    write_q <= write_d;
    hit_q   <= hit_d;
    hent_q  <= hent_d;
  end

  assign probe_ready_o = (state_q == SIdle) && !inv_valid_i && !fill_valid_i;
  assign fill_ready_o  = (state_q == SIdle) && !inv_valid_i;
  assign res_valid_o   = (state_q == SRes);
  assign res_tag_o     = tag_q;
  assign res_hit_o     = hit_q;
  assign res_ppn_o     = hent_q[OffPpn +: PpnW];
  assign res_level_o   = hent_q[OffLevel];
  assign res_read_o    = hent_q[OffR];
  assign res_write_o   = hent_q[OffW];
  assign fill_evict_o  = (state_q == SFill) && !match_any && !free_any;
  assign inv_done_o    = done_q;
  assign busy_o        = (state_q != SIdle);

`ifndef SYNTHESIS
  if (Sets < 2 || (Sets & (Sets - 1)) != 0 || Ways < 1) begin : g_bad_params
    $error("circe_tlb_l2: Sets must be a power of two >= 2, Ways >= 1");
  end
  if (SetW > IdxB) begin : g_bad_sets
    $error("circe_tlb_l2: at most 512 sets (the 2 MiB index is VPN[9 +: SetW])");
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni) !(re && we && raddr == waddr))
    else $error("circe_tlb_l2: read and write of the same set in one cycle");
  assert property (@(posedge clk_i) disable iff (!rst_ni) inv_valid_i |-> state_q == SIdle)
    else $error("circe_tlb_l2: invalidate while busy");
`endif

endmodule
