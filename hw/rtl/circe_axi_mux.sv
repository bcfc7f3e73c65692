// SPDX-License-Identifier: Apache-2.0
//
// The m_axi port shared by the four masters of circe:
// - rd   (circe_dma_rd, IDs IdDmaRead..+3):  AR/R
// - walk (circe_mmu walker, IdWalker..+3):  AR/R
// - wr   (circe_dma_wr, IdDmaWrite..+3):    AW/W/B
// - me   (circe_memeng, IdMemEng..+3):      AR/R and AW/W/B
//
// AR: round-robin between rd, walk and me. A grant holds while the AR it
// passed waits for arready, so the downstream AR stays stable (AXI). AW:
// round-robin between wr and me; the AW/W path then stays with the granted
// writer until the last W beat of that burst has passed, so W follows AW
// order (both writers send W only after their AW was accepted, so this
// cannot wait on itself). R and B go back by the source bits of the ID
// (id[3:2], as laid out in circe_axi_pkg); the R/B payload is broadcast,
// only valid is steered, and rready/bready come from the addressed master.
// A response whose ID names no master is taken and dropped (and flagged by
// an assertion) rather than hanging the bus.
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
  input  circe_axi_pkg::axi_req_t me_req_i,
  output circe_axi_pkg::axi_rsp_t me_rsp_o,

  output circe_axi_pkg::axi_req_t axi_req_o,
  input  circe_axi_pkg::axi_rsp_t axi_rsp_i
);

  localparam int unsigned SrcW = circe_axi_pkg::IdWidth - 2;

  localparam logic [SrcW-1:0] SrcRd   = circe_axi_pkg::IdDmaRead[circe_axi_pkg::IdWidth-1:2];
  localparam logic [SrcW-1:0] SrcWalk = circe_axi_pkg::IdWalker[circe_axi_pkg::IdWidth-1:2];
  localparam logic [SrcW-1:0] SrcWr   = circe_axi_pkg::IdDmaWrite[circe_axi_pkg::IdWidth-1:2];
  localparam logic [SrcW-1:0] SrcMe   = circe_axi_pkg::IdMemEng[circe_axi_pkg::IdWidth-1:2];

  // AR grant: 0 = rd, 1 = walk, 2 = me.
  logic       ar_lock_d, ar_lock_q; // the granted AR waits for arready
  logic [1:0] ar_gnt_d, ar_gnt_q;   // grant held while locked
  logic [1:0] ar_prio_d, ar_prio_q; // who is looked at first for the next grant
  logic [1:0] ar_sel, ar_idx;
  logic [2:0] ar_sum;
  logic [2:0] ar_req;
  logic       ar_out_valid;

  // AW/W: 0 = wr, 1 = me.
  logic aw_lock_d, aw_lock_q;       // the granted AW waits for awready
  logic aw_gnt_d, aw_gnt_q;
  logic aw_prio_d, aw_prio_q;
  logic w_open_d, w_open_q;         // an AW passed, its W beats have not all
  logic w_own_d, w_own_q;           // whose burst is open
  logic aw_sel, aw_out_valid;

  logic [SrcW-1:0] r_src, b_src;

  always_comb begin
    ar_req = {me_req_i.ar_valid, walk_req_i.ar_valid, rd_req_i.ar_valid};
    ar_sel = ar_prio_q;
    // The first requester from ar_prio_q on wins: scan backwards so that
    // the nearest one is assigned last.
    for (int i = 2; i >= 0; i--) begin
      ar_sum = {1'b0, ar_prio_q} + 3'(i);  // 0..4: wrap modulo 3
      ar_idx = (ar_sum > 3'd2) ? 2'(ar_sum - 3'd3) : 2'(ar_sum);
      if (ar_req[ar_idx]) begin
        ar_sel = ar_idx;
      end
    end
    if (ar_lock_q) begin
      ar_sel = ar_gnt_q;
    end

    unique case (ar_sel)
      2'd0:    ar_out_valid = rd_req_i.ar_valid;
      2'd1:    ar_out_valid = walk_req_i.ar_valid;
      2'd2:    ar_out_valid = me_req_i.ar_valid;
      default: ar_out_valid = 1'b0;
    endcase

    ar_lock_d = 1'b0;
    ar_gnt_d  = ar_sel;
    ar_prio_d = ar_prio_q;
    if (ar_out_valid) begin
      if (axi_rsp_i.ar_ready) begin
        ar_prio_d = (ar_sel == 2'd2) ? 2'd0 : ar_sel + 2'd1;
      end else begin
        ar_lock_d = 1'b1;
      end
    end
  end

  always_comb begin
    if (aw_lock_q) begin
      aw_sel = aw_gnt_q;
    end else if (wr_req_i.aw_valid && me_req_i.aw_valid) begin
      aw_sel = aw_prio_q;
    end else begin
      aw_sel = me_req_i.aw_valid;
    end
    aw_out_valid = !w_open_q && (aw_sel ? me_req_i.aw_valid : wr_req_i.aw_valid);

    aw_lock_d = 1'b0;
    aw_gnt_d  = aw_sel;
    aw_prio_d = aw_prio_q;
    w_open_d  = w_open_q;
    w_own_d   = w_own_q;
    if (aw_out_valid) begin
      if (axi_rsp_i.aw_ready) begin
        aw_prio_d = !aw_sel;
        w_open_d  = 1'b1;
        w_own_d   = aw_sel;
      end else begin
        aw_lock_d = 1'b1;
      end
    end
    // From the masters' signals, not axi_req_o: no loop through the struct.
    if (w_open_q && axi_rsp_i.w_ready &&
        (w_own_q ? (me_req_i.w_valid && me_req_i.w.last)
                 : (wr_req_i.w_valid && wr_req_i.w.last))) begin
      w_open_d = 1'b0;
    end
  end

  always_comb begin
    r_src = axi_rsp_i.r.id[circe_axi_pkg::IdWidth-1:2];
    b_src = axi_rsp_i.b.id[circe_axi_pkg::IdWidth-1:2];

    axi_req_o = '0;
    unique case (ar_sel)
      2'd1:    axi_req_o.ar = walk_req_i.ar;
      2'd2:    axi_req_o.ar = me_req_i.ar;
      default: axi_req_o.ar = rd_req_i.ar;
    endcase
    axi_req_o.ar_valid = ar_out_valid;
    axi_req_o.aw       = aw_sel ? me_req_i.aw : wr_req_i.aw;
    axi_req_o.aw_valid = aw_out_valid;
    axi_req_o.w        = w_own_q ? me_req_i.w : wr_req_i.w;
    axi_req_o.w_valid  = w_open_q && (w_own_q ? me_req_i.w_valid : wr_req_i.w_valid);
    unique case (b_src)
      SrcWr:   axi_req_o.b_ready = wr_req_i.b_ready;
      SrcMe:   axi_req_o.b_ready = me_req_i.b_ready;
      default: axi_req_o.b_ready = 1'b1;
    endcase
    unique case (r_src)
      SrcRd:   axi_req_o.r_ready = rd_req_i.r_ready;
      SrcWalk: axi_req_o.r_ready = walk_req_i.r_ready;
      SrcMe:   axi_req_o.r_ready = me_req_i.r_ready;
      default: axi_req_o.r_ready = 1'b1;
    endcase

    rd_rsp_o            = '0;
    rd_rsp_o.ar_ready   = (ar_sel == 2'd0) && axi_rsp_i.ar_ready;
    rd_rsp_o.r          = axi_rsp_i.r;
    rd_rsp_o.r_valid    = axi_rsp_i.r_valid && (r_src == SrcRd);

    walk_rsp_o          = '0;
    walk_rsp_o.ar_ready = (ar_sel == 2'd1) && axi_rsp_i.ar_ready;
    walk_rsp_o.r        = axi_rsp_i.r;
    walk_rsp_o.r_valid  = axi_rsp_i.r_valid && (r_src == SrcWalk);

    wr_rsp_o            = '0;
    wr_rsp_o.aw_ready   = !w_open_q && !aw_sel && axi_rsp_i.aw_ready;
    wr_rsp_o.w_ready    = w_open_q && !w_own_q && axi_rsp_i.w_ready;
    wr_rsp_o.b          = axi_rsp_i.b;
    wr_rsp_o.b_valid    = axi_rsp_i.b_valid && (b_src == SrcWr);

    me_rsp_o            = '0;
    me_rsp_o.ar_ready   = (ar_sel == 2'd2) && axi_rsp_i.ar_ready;
    me_rsp_o.r          = axi_rsp_i.r;
    me_rsp_o.r_valid    = axi_rsp_i.r_valid && (r_src == SrcMe);
    me_rsp_o.aw_ready   = !w_open_q && aw_sel && axi_rsp_i.aw_ready;
    me_rsp_o.w_ready    = w_open_q && w_own_q && axi_rsp_i.w_ready;
    me_rsp_o.b          = axi_rsp_i.b;
    me_rsp_o.b_valid    = axi_rsp_i.b_valid && (b_src == SrcMe);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_lock_q <= 1'b0;
      ar_gnt_q  <= 2'd0;
      ar_prio_q <= 2'd0;
      aw_lock_q <= 1'b0;
      aw_gnt_q  <= 1'b0;
      aw_prio_q <= 1'b0;
      w_open_q  <= 1'b0;
      w_own_q   <= 1'b0;
    end else begin
      ar_lock_q <= ar_lock_d;
      ar_gnt_q  <= ar_gnt_d;
      ar_prio_q <= ar_prio_d;
      aw_lock_q <= aw_lock_d;
      aw_gnt_q  <= aw_gnt_d;
      aw_prio_q <= aw_prio_d;
      w_open_q  <= w_open_d;
      w_own_q   <= w_own_d;
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
  only_writers_write: assert property (@(posedge clk_i) disable iff (!rst_ni)
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
    axi_rsp_i.r_valid |-> (r_src == SrcRd || r_src == SrcWalk || r_src == SrcMe));
  me_ar_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    me_req_i.ar_valid |-> (me_req_i.ar.id[circe_axi_pkg::IdWidth-1:2] == SrcMe));
  me_aw_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    me_req_i.aw_valid |-> (me_req_i.aw.id[circe_axi_pkg::IdWidth-1:2] == SrcMe));
  b_routed: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.b_valid |-> (b_src == SrcWr || b_src == SrcMe));
  aw_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.aw_valid && !axi_rsp_i.aw_ready) |=> (axi_req_o.aw_valid && $stable(axi_req_o.aw)));
  ar_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.ar_valid && !axi_rsp_i.ar_ready) |=> (axi_req_o.ar_valid && $stable(axi_req_o.ar)));
`endif

endmodule
