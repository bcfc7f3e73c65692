// SPDX-License-Identifier: Apache-2.0
//
// Page-table walker of the circe MMU: one walk at a time over the 4-level
// table of include/circe/hw.h. Each table step needs the PTE at table IOVA +
// 8 * index; the walker reads the whole 64-byte line holding it (AR/R of
// axi_req_t / axi_rsp_t: len 0, size 6, address aligned to 64 bytes; the PTE
// is lane index[2:0] of the 512-bit beat) and offers it to the walk cache (circe_walk_cache, shared by all walkers of the MMU), so that
// walks of neighbouring pages (the same upper tables, the same leaf line of 8
// PTEs = 32 KiB of 4 KiB pages) read memory once.
//
// Walk cache rules (docs/rtl.md, "MMU"): a cached PTE is used only when the
// step it decides succeeds (a link to the next table, or a leaf that grants
// the access); every fault and every bus error is decided on a fresh read
// from memory, and that read refreshes the line. So a PTE the host makes
// valid, or a permission it adds, is seen at once (fault, fix, RESUME works
// without an invalidation); removing or changing a valid PTE needs an
// invalidation, as for the TLB, and any invalidation empties the cache.
//
// A step looks its line up in the cache (WAddr: wc_req_o; the walkers take
// turns on the cache's lookup port, so the step waits until wc_gnt_i); a
// miss commits to a memory read (WAr: AR valid, held stable until ar_ready
// even if another walker fills the line meanwhile), then waits for the R
// beat (WData).
//
// The semantics are those of sim/fmodel (circe_fmodel_walk), in this order:
//   VA bits 63:48 not zero                      -> TrFault, NONCANON
//   root not valid                              -> TrFault, NOROOT
//   SLVERR/DECERR on a PTE read                 -> TrBusError (flags 0)
//   PTE not valid                               -> TrFault
//   LEAF at level 3                             -> TrFault
//   leaf (LEAF at level 2/1, any valid PTE at level 0) without the access's
//   permission (W for a write, R for a read)   -> TrFault, PERM
//   leaf otherwise                              -> TrOk: the IOVA page base is
//     the PTE address field with the bits below the page size cleared.
// Every fault carries WRITE for a write access. The root is taken as 4 KiB
// aligned (the register block keeps bits 11:0 zero).
//
// Request/response with a tag that the response returns; the MMU runs
// several of these (one per walk in flight, AXI IDs AxiId + n).
//
// Prefetch: instead of a walk, an idle walker may be given a PTE line
// (pf_valid_i) to read into the walk cache (WAr, WData, back to WIdle; no
// response, not a walk for the counters). leaf_o pulses when a walk used a
// level-0 PTE, so the MMU can prefetch the next line of that table.
module circe_ptw #(
  parameter int unsigned                        TagW    = 2,
  parameter logic [circe_axi_pkg::IdWidth-1:0]  AxiId   = circe_axi_pkg::IdWalker,
  localparam int unsigned LineW = 64 - circe_pkg::CIRCE_HW_PAGE_SHIFT +
                                  circe_pkg::CIRCE_HW_PT_INDEX_BITS -
                                  $clog2(circe_axi_pkg::DataWidth / 64),
  localparam int unsigned LaneBits = $clog2(circe_axi_pkg::DataWidth / 64),
  localparam int unsigned VpnW = circe_pkg::CIRCE_HW_VA_BITS - circe_pkg::CIRCE_HW_PAGE_SHIFT,
  localparam int unsigned PpnW = $clog2(circe_pkg::CIRCE_HW_PTE_ADDR_MASK) -
                                 circe_pkg::CIRCE_HW_PAGE_SHIFT
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,

  // Walk request.
  input  logic                       req_valid_i,
  output logic                       req_ready_o,
  input  logic [TagW-1:0]            req_tag_i,
  input  logic [63:0]                req_va_i,
  input  logic                       req_write_i,
  input  logic [63:0]                req_root_i,        // root table IOVA
  input  logic                       req_root_valid_i,

  // Prefetch of a PTE line (taken only in WIdle without req_valid_i).
  input  logic                       pf_valid_i,
  input  logic [LineW-1:0]           pf_line_i,
  output logic                       leaf_o,            // a walk used a level-0 PTE (line wc_line_o)

  // Walk response.
  output logic                       rsp_valid_o,
  input  logic                       rsp_ready_i,
  output logic [TagW-1:0]            rsp_tag_o,
  output circe_axi_pkg::tr_status_e  rsp_status_o,
  output logic [31:0]                rsp_flags_o,       // CIRCE_HW_FAULT_* (TrFault)
  output logic [VpnW-1:0]            rsp_vpn_o,         // VA page base (TrOk)
  output logic [PpnW-1:0]            rsp_ppn_o,         // IOVA page base (TrOk)
  output logic [1:0]                 rsp_level_o,       // leaf level 0/1/2 (TrOk)
  output logic                       rsp_read_o,        // leaf permissions (TrOk)
  output logic                       rsp_write_o,

  // Walk cache: lookup of the line of this step (when granted the lookup
  // port), and the fill of a read.
  output logic                       wc_req_o,          // a step waits for a lookup
  input  logic                       wc_gnt_i,          // ... this cycle's lookup is its
  output logic [LineW-1:0]           wc_line_o,
  output logic [LaneBits-1:0]        wc_lane_o,
  input  logic                       wc_hit_i,
  input  logic [63:0]                wc_pte_i,
  output logic                       wc_fill_o,         // R beat OKAY: line wc_line_o, R data
  output logic                       wc_leaf_o,         // ... a level-0 table line

  // Page-table reads: the AR/R signals of this walker (the MMU muxes the
  // walkers onto its AXI master: AR len 0, size 6, INCR, ID AxiId).
  output logic                       ar_valid_o,
  input  logic                       ar_ready_i,
  output logic [circe_axi_pkg::AddrWidth-1:0] ar_addr_o,   // 64-byte aligned
  input  logic                       r_valid_i,     // a beat of ID AxiId
  output logic                       r_ready_o,
  input  logic [circe_axi_pkg::IdWidth-1:0]   r_id_i,
  input  logic [circe_axi_pkg::DataWidth-1:0] r_data_i,
  input  logic [1:0]                 r_resp_i,
  input  logic                       r_last_i,

  // Performance pulses.
  output logic                       perf_walk_o,       // a walk started
  output logic                       perf_busy_o,       // a walk is in flight
  output logic                       perf_pte_read_o,   // a PTE was used (memory or cache)
  output logic                       perf_wc_hit_o,     // ... and it came from the walk cache
  output logic                       perf_line_read_o   // a 64-byte PTE line read returned OKAY
);

  localparam int unsigned PageShift = circe_pkg::CIRCE_HW_PAGE_SHIFT;
  localparam int unsigned IdxB      = circe_pkg::CIRCE_HW_PT_INDEX_BITS;
  localparam int unsigned VaBits    = circe_pkg::CIRCE_HW_VA_BITS;
  localparam int unsigned TableW    = 64 - PageShift;  // table IOVA page number

  typedef enum logic [2:0] {
    WIdle,  // ready for a request
    WAddr,  // the PTE of level_q: from the walk cache, else -> WAr
    WAr,    // AR of its line
    WData,  // waiting for its R beat
    WResp   // response valid
  } state_e;

  state_e                    state_q, state_d;
  logic [TagW-1:0]           tag_q, tag_d;
  logic [63:0]               va_q, va_d;
  logic                      write_q, write_d;
  logic [1:0]                level_q, level_d;
  logic [TableW-1:0]         table_q, table_d;
  circe_axi_pkg::tr_status_e status_q, status_d;
  logic [31:0]               flags_q, flags_d;
  logic [PpnW-1:0]           ppn_q, ppn_d;
  logic                      read_q, read_d;
  logic                      pwrite_q, pwrite_d;
  logic                      pf_q, pf_d;        // this read is a prefetch

  logic [IdxB-1:0]       index;     // PTE index of va_q at level_q
  logic [LineW-1:0]      line;      // its line number
  logic [63:0]           mem_pte;   // the PTE in the R beat
  logic [63:0]           wc_pte;    // the PTE in the walk cache
  logic                  wc_hit;    // its line is cached
  logic                  wc_use;    // ... and the step it decides succeeds
  logic [63:0]           pte;       // the PTE this cycle decides on
  logic                  pte_valid, pte_leaf, pte_perm;
  logic [TableW-1:0]     pn_mask;   // clears page-number bits below the page size
  logic [PpnW-1:0]       leaf_mask;
  logic                  r_beat, r_ok, step;
  logic [31:0]           write_flag;

  always_comb begin
    unique case (level_q)
      2'd0:    index = va_q[PageShift +: IdxB];
      2'd1:    index = va_q[PageShift + IdxB +: IdxB];
      2'd2:    index = va_q[PageShift + 2 * IdxB +: IdxB];
      default: index = va_q[PageShift + 3 * IdxB +: IdxB];
    endcase
  end
  assign line = {table_q, index[IdxB-1:LaneBits]};

  always_comb begin
    mem_pte = '0;
    for (int unsigned i = 0; i < (1 << LaneBits); i++) begin
      if (index[LaneBits-1:0] == LaneBits'(i)) mem_pte = r_data_i[64*i +: 64];
    end
  end

  assign wc_hit = wc_hit_i;
  assign wc_pte = wc_pte_i;

  // Would the cached PTE's step succeed: a link below level 3, or a leaf
  // below level 3 that grants the access. Computed from wc_pte alone (not
  // through pte), so the AR valid never depends on R data.
  logic wc_valid, wc_leaf, wc_perm, wc_good;
  assign wc_valid = |(wc_pte & circe_pkg::CIRCE_HW_PTE_VALID);
  assign wc_leaf  = (level_q == 2'd0) || |(wc_pte & circe_pkg::CIRCE_HW_PTE_LEAF);
  assign wc_perm  = write_q ? |(wc_pte & circe_pkg::CIRCE_HW_PTE_WRITE)
                            : |(wc_pte & circe_pkg::CIRCE_HW_PTE_READ);
  assign wc_good  = wc_valid && (wc_leaf ? (level_q != 2'(circe_pkg::CIRCE_HW_PT_LEVELS - 1)) &&
                                           wc_perm : 1'b1);


  // ---- the step: decide on the PTE of level_q ----
  assign pte        = (state_q == WData) ? mem_pte : wc_pte;
  assign pte_valid  = |(pte & circe_pkg::CIRCE_HW_PTE_VALID);
  assign pte_leaf   = (level_q == 2'd0) || |(pte & circe_pkg::CIRCE_HW_PTE_LEAF);
  assign pte_perm   = write_q ? |(pte & circe_pkg::CIRCE_HW_PTE_WRITE)
                              : |(pte & circe_pkg::CIRCE_HW_PTE_READ);
  assign wc_use     = (state_q == WAddr) && wc_gnt_i && wc_hit && wc_good;
  assign r_beat     = (state_q == WData) && r_valid_i;
  assign r_ok       = r_beat && !r_resp_i[1];
  assign step       = wc_use || r_beat;
  assign write_flag = write_q ? circe_pkg::CIRCE_HW_FAULT_WRITE : 32'h0;

  always_comb begin
    pn_mask = '1;
    if (level_q != 2'd0) pn_mask[IdxB-1:0] = '0;
    if (level_q[1]) pn_mask[2*IdxB-1:IdxB] = '0;
  end
  assign leaf_mask = pn_mask[PpnW-1:0];

  always_comb begin
    state_d  = state_q;
    tag_d    = tag_q;
    va_d     = va_q;
    write_d  = write_q;
    level_d  = level_q;
    table_d  = table_q;
    status_d = status_q;
    flags_d  = flags_q;
    ppn_d    = ppn_q;
    read_d   = read_q;
    pwrite_d = pwrite_q;
    pf_d     = pf_q;

    unique case (state_q)
      WIdle: begin
        if (req_valid_i) begin
          pf_d     = 1'b0;
          tag_d    = req_tag_i;
          va_d     = req_va_i;
          write_d  = req_write_i;
          level_d  = 2'(circe_pkg::CIRCE_HW_PT_LEVELS - 1);
          table_d  = req_root_i[63:PageShift];
          status_d = circe_axi_pkg::TrFault;
          flags_d  = req_write_i ? circe_pkg::CIRCE_HW_FAULT_WRITE : 32'h0;
          ppn_d    = '0;
          read_d   = 1'b0;
          pwrite_d = 1'b0;
          if (req_va_i[63:VaBits] != '0) begin
            flags_d = flags_d | circe_pkg::CIRCE_HW_FAULT_NONCANON;
            state_d = WResp;
          end else if (!req_root_valid_i) begin
            flags_d = flags_d | circe_pkg::CIRCE_HW_FAULT_NOROOT;
            state_d = WResp;
          end else begin
            state_d = WAddr;
          end
        end else if (pf_valid_i) begin
          // The line as table page and level-0 index bits of va_q.
          pf_d     = 1'b1;
          level_d  = 2'd0;
          table_d  = pf_line_i[LineW-1 -: TableW];
          va_d     = '0;
          va_d[PageShift + LaneBits +: IdxB - LaneBits] = pf_line_i[IdxB-LaneBits-1:0];
          state_d  = WAr;
        end
      end
      WAr: begin
        if (ar_ready_i) state_d = WData;
      end
      WAddr, WData: begin
        if (state_q == WAddr && !wc_use) begin
          if (wc_gnt_i) state_d = WAr;  // else wait for the lookup port
        end else if (pf_q) begin
          if (r_beat) state_d = WIdle;  // the walk cache took the line (r_ok)
        end else if (step) begin
          state_d = WResp;
          if (r_beat && r_resp_i[1]) begin
            status_d = circe_axi_pkg::TrBusError;
            flags_d  = 32'h0;
          end else if (!pte_valid) begin
            flags_d = write_flag;
          end else if (pte_leaf) begin
            if (level_q == 2'(circe_pkg::CIRCE_HW_PT_LEVELS - 1)) begin
              flags_d = write_flag;  // no 512 GiB pages
            end else if (!pte_perm) begin
              flags_d = write_flag | circe_pkg::CIRCE_HW_FAULT_PERM;
            end else begin
              status_d = circe_axi_pkg::TrOk;
              flags_d  = 32'h0;
              ppn_d    = pte[PageShift +: PpnW] & leaf_mask;
              read_d   = |(pte & circe_pkg::CIRCE_HW_PTE_READ);
              pwrite_d = |(pte & circe_pkg::CIRCE_HW_PTE_WRITE);
            end
          end else begin
            // Next level: the table this PTE points to.
            table_d = TableW'(pte[PageShift +: PpnW]);
            level_d = level_q - 2'd1;
            state_d = WAddr;
          end
        end
      end
      WResp: begin
        if (rsp_ready_i) state_d = WIdle;
      end
      default: state_d = WIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= WIdle;
    end else begin
      state_q <= state_d;
    end
  end

  // Walk context: meaningful only while state_q says so, hence no reset.
  always_ff @(posedge clk_i) begin
    tag_q    <= tag_d;
    va_q     <= va_d;
    write_q  <= write_d;
    level_q  <= level_d;
    table_q  <= table_d;
    status_q <= status_d;
    flags_q  <= flags_d;
    ppn_q    <= ppn_d;
    read_q   <= read_d;
    pwrite_q <= pwrite_d;
    pf_q     <= pf_d;
  end

  // ---- outputs ----
  assign req_ready_o  = (state_q == WIdle);
  assign rsp_valid_o  = (state_q == WResp);
  assign rsp_tag_o    = tag_q;
  assign rsp_status_o = status_q;
  assign rsp_flags_o  = flags_q;
  assign rsp_vpn_o    = va_q[PageShift +: VpnW] & pn_mask[VpnW-1:0];
  assign rsp_ppn_o    = ppn_q;
  assign rsp_level_o  = level_q;
  assign rsp_read_o   = read_q;
  assign rsp_write_o  = pwrite_q;

  always_comb begin
    ar_addr_o  = {line, 6'b000000};
    ar_valid_o = (state_q == WAr);
    r_ready_o  = (state_q == WData);
  end

  assign perf_walk_o      = req_valid_i && req_ready_o;
  assign perf_busy_o      = (state_q != WIdle) && !pf_q;
  assign perf_pte_read_o  = wc_use || (r_ok && !pf_q);
  assign perf_wc_hit_o    = wc_use;
  assign perf_line_read_o = r_ok;
  assign wc_req_o         = (state_q == WAddr);
  assign wc_line_o        = line;
  assign wc_lane_o        = index[LaneBits-1:0];
  assign wc_fill_o        = r_ok;
  assign wc_leaf_o        = (level_q == 2'd0);
  assign leaf_o           = (wc_use || (r_ok && !pf_q)) && level_q == 2'd0;

  // Only the AR/R channels are used; the root is 4 KiB aligned; the mask's
  // top bits cover table addresses above the PTE field.
  logic unused_bits;
  assign unused_bits = ^{r_id_i, r_last_i, r_resp_i[0],
                         req_root_i[PageShift-1:0], pn_mask[TableW-1:PpnW]};

`ifndef SYNTHESIS
  if (6 != LaneBits + 3) begin : g_bad_line
    $error("circe_ptw: a PTE line must be one 64-byte beat");
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   ar_valid_o && !ar_ready_i |=> ar_valid_o && $stable(ar_addr_o))
    else $error("circe_ptw: AR changed while waiting for ar_ready");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   r_beat |-> r_id_i == AxiId && r_last_i)
    else $error("circe_ptw: R beat with a foreign ID or not last");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   r_valid_i |-> state_q == WData)
    else $error("circe_ptw: R beat without an outstanding PTE read");
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   rsp_valid_o && !rsp_ready_i |=> rsp_valid_o && $stable(rsp_tag_o) &&
                   $stable(rsp_status_o) && $stable(rsp_flags_o) && $stable(rsp_ppn_o))
    else $error("circe_ptw: response changed before it was taken");
`endif

endmodule
