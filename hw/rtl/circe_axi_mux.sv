// SPDX-License-Identifier: Apache-2.0
//
// The m_axi port shared by the three masters of circe:
// - rd   (circe_dma_rd, IDs IdDmaRead..+3):  AR/R
// - walk (circe_mmu walker, IdWalker..+3):  AR/R
// - wr   (circe_dma_wr, IdDmaWrite..+3):    AW/W/B
//
// AR: round-robin between rd and walk. A grant holds while the AR it passed
// waits for arready, so the downstream AR stays stable (AXI). AW and W come
// from wr alone (the only writer), so W follows AW order by construction.
// R and B go back by the source bits of the ID (id[3:2], as laid out in
// circe_axi_pkg); the R/B payload is broadcast, only valid is steered, and
// rready/bready come from the addressed master. A response whose ID names
// no master is taken and dropped (and flagged by an assertion) rather than
// hanging the bus. Purely combinational except the AR grant.
module circe_axi_mux
(
  input  logic                    clk_i,
  input  logic                    rst_ni,

  input  circe_axi_pkg::axi_req_t rd_req_i,
  output circe_axi_pkg::axi_rsp_t rd_rsp_o,
  input  circe_axi_pkg::axi_req_t walk_req_i,
  output circe_axi_pkg::axi_rsp_t walk_rsp_o,
  input  circe_axi_pkg::axi_req_t wr_req_i,
  output circe_axi_pkg::axi_rsp_t wr_rsp_o,

  output circe_axi_pkg::axi_req_t axi_req_o,
  input  circe_axi_pkg::axi_rsp_t axi_rsp_i
);

  localparam int unsigned SrcW = circe_axi_pkg::IdWidth - 2;

  localparam logic [SrcW-1:0] SrcRd   = circe_axi_pkg::IdDmaRead[circe_axi_pkg::IdWidth-1:2];
  localparam logic [SrcW-1:0] SrcWalk = circe_axi_pkg::IdWalker[circe_axi_pkg::IdWidth-1:2];
  localparam logic [SrcW-1:0] SrcWr   = circe_axi_pkg::IdDmaWrite[circe_axi_pkg::IdWidth-1:2];

  // AR grant: 0 = rd, 1 = walk.
  logic ar_lock_d, ar_lock_q; // the granted AR waits for arready
  logic ar_gnt_d, ar_gnt_q;   // grant held while locked
  logic ar_prio_d, ar_prio_q; // who wins the next tie
  logic ar_sel, ar_out_valid;

  logic [SrcW-1:0] r_src, b_src;

  always_comb begin
    if (ar_lock_q) begin
      ar_sel = ar_gnt_q;
    end else if (rd_req_i.ar_valid && walk_req_i.ar_valid) begin
      ar_sel = ar_prio_q;
    end else begin
      ar_sel = walk_req_i.ar_valid;
    end

    ar_out_valid = ar_sel ? walk_req_i.ar_valid : rd_req_i.ar_valid;

    ar_lock_d = 1'b0;
    ar_gnt_d  = ar_sel;
    ar_prio_d = ar_prio_q;
    if (ar_out_valid) begin
      if (axi_rsp_i.ar_ready) begin
        ar_prio_d = !ar_sel;
      end else begin
        ar_lock_d = 1'b1;
      end
    end
  end

  always_comb begin
    r_src = axi_rsp_i.r.id[circe_axi_pkg::IdWidth-1:2];
    b_src = axi_rsp_i.b.id[circe_axi_pkg::IdWidth-1:2];

    axi_req_o          = '0;
    axi_req_o.ar       = ar_sel ? walk_req_i.ar : rd_req_i.ar;
    axi_req_o.ar_valid = ar_out_valid;
    axi_req_o.aw       = wr_req_i.aw;
    axi_req_o.aw_valid = wr_req_i.aw_valid;
    axi_req_o.w        = wr_req_i.w;
    axi_req_o.w_valid  = wr_req_i.w_valid;
    axi_req_o.b_ready  = (b_src == SrcWr) ? wr_req_i.b_ready : 1'b1;
    unique case (r_src)
      SrcRd:   axi_req_o.r_ready = rd_req_i.r_ready;
      SrcWalk: axi_req_o.r_ready = walk_req_i.r_ready;
      default: axi_req_o.r_ready = 1'b1;
    endcase

    rd_rsp_o            = '0;
    rd_rsp_o.ar_ready   = !ar_sel && axi_rsp_i.ar_ready;
    rd_rsp_o.r          = axi_rsp_i.r;
    rd_rsp_o.r_valid    = axi_rsp_i.r_valid && (r_src == SrcRd);

    walk_rsp_o          = '0;
    walk_rsp_o.ar_ready = ar_sel && axi_rsp_i.ar_ready;
    walk_rsp_o.r        = axi_rsp_i.r;
    walk_rsp_o.r_valid  = axi_rsp_i.r_valid && (r_src == SrcWalk);

    wr_rsp_o            = '0;
    wr_rsp_o.aw_ready   = axi_rsp_i.aw_ready;
    wr_rsp_o.w_ready    = axi_rsp_i.w_ready;
    wr_rsp_o.b          = axi_rsp_i.b;
    wr_rsp_o.b_valid    = axi_rsp_i.b_valid && (b_src == SrcWr);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_lock_q <= 1'b0;
      ar_gnt_q  <= 1'b0;
      ar_prio_q <= 1'b0;
    end else begin
      ar_lock_q <= ar_lock_d;
      ar_gnt_q  <= ar_gnt_d;
      ar_prio_q <= ar_prio_d;
    end
  end

  // Channels a master does not use.
  logic unused_ch;
  assign unused_ch = ^{rd_req_i.aw, rd_req_i.aw_valid, rd_req_i.w, rd_req_i.w_valid,
                       rd_req_i.b_ready, walk_req_i.aw, walk_req_i.aw_valid, walk_req_i.w,
                       walk_req_i.w_valid, walk_req_i.b_ready, wr_req_i.ar,
                       wr_req_i.ar_valid, wr_req_i.r_ready};

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  only_wr_writes: assert property (@(posedge clk_i) disable iff (!rst_ni)
    !(rd_req_i.aw_valid || rd_req_i.w_valid || walk_req_i.aw_valid || walk_req_i.w_valid));
  only_readers_read: assert property (@(posedge clk_i) disable iff (!rst_ni)
    !wr_req_i.ar_valid);
  rd_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    rd_req_i.ar_valid |-> (rd_req_i.ar.id[circe_axi_pkg::IdWidth-1:2] == SrcRd));
  walk_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    walk_req_i.ar_valid |-> (walk_req_i.ar.id[circe_axi_pkg::IdWidth-1:2] == SrcWalk));
  wr_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    wr_req_i.aw_valid |-> (wr_req_i.aw.id[circe_axi_pkg::IdWidth-1:2] == SrcWr));
  r_routed: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.r_valid |-> (r_src == SrcRd || r_src == SrcWalk));
  b_routed: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.b_valid |-> (b_src == SrcWr));
  ar_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.ar_valid && !axi_rsp_i.ar_ready) |=> (axi_req_o.ar_valid && $stable(axi_req_o.ar)));
`endif

endmodule
