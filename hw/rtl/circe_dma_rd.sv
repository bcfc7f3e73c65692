// SPDX-License-Identifier: Apache-2.0
//
// DMA read engine: a command (va, bytes) becomes a stream of 512-bit beats
// whose lane 0 holds the first byte of the transfer, fetched by VA through
// the MMU translation port and AXI4 INCR bursts.
//
// Two halves, decoupled so that commands pipeline (the bursts of command
// n + 1 go out while the data of command n is still 500 cycles away):
//
// - issue side: one command at a time. Translates the cursor VA once per
//   page (circe_xlat_hold: request, response check, held IOVA page), then
//   issues AR bursts of 64-byte beats that end at every
//   4 KiB boundary (so never cross 4 KiB nor a page), at most
//   MaxOutstanding bursts in flight and only when the data buffer has room
//   reserved for every beat of the burst (credits). When it has issued the
//   last burst of a command, or stopped early, it queues an end record
//   (beats issued, translation error).
// - data side: one command at a time, in command order. Pops bus beats from
//   the buffer, realigns them (output beat k = transfer bytes [64k, 64k+64)),
//   and ends each command with exactly one status.
//
// AXI IDs: every burst uses the single ID Id (default IdDmaRead). AXI keeps read data of
// one ID in request order, so beats land in the buffer in VA order and no
// reorder buffer is needed. rready is always high: the credits guarantee a
// free buffer entry for every beat in flight, so this engine never holds the
// R channel it shares with the page-table walker.
//
// Stream contract (out_*, sts_*):
// - everything of command n (its beats, then its status) comes before
//   anything of command n + 1;
// - a successful command gives ceil(bytes/64) beats, out_bytes_o =
//   min(64, bytes left), out_last_o on the final one (lanes >= out_bytes_o
//   are zero), then status CIRCE_HW_ST_OK. bytes = 0 gives only the status;
// - on an error the beats stop early (never a last beat) and the status
//   says why: CIRCE_HW_ST_FAULT (TrFault: VA = first VA of the faulting
//   translation, flags = tr_rsp.fault_flags), CIRCE_HW_ST_BUS_ERROR
//   (SLVERR/DECERR on data: VA = first VA of the failing 4 KiB piece, i.e.
//   max(cmd va, beat VA rounded down to 4 KiB), as sim/fmodel reports it;
//   TrBusError: the VA translated). Among several errors of one command the
//   lowest VA wins. The engine stops issuing, drains its bursts in flight
//   and takes the next command.
// - abort_i (pulse or level): no new command is accepted; every accepted
//   command ends as soon as its bursts in flight drain, with its error or
//   CIRCE_HW_ST_RESET (OK only if all its beats were already delivered);
//   out_valid_o may be withdrawn. A translation request already presented
//   waits for its response (the MMU answers every accepted request).
//   busy_o falls when everything has drained.
//
// Sizing: BufBeats = 512 (32 KiB, 15 RAMB18) covers the device tree's host
// memory (500 cycles x 48 B/cycle = 24 KiB in flight), so a long transfer
// streams at the memory's rate; MaxOutstanding = CmdQueue = 32 lets short
// strided commands use the memory's 32 requests. One output beat per cycle;
// a command costs at least 4 cycles on the issue side (translate request,
// response, burst, end record) and about 2 between commands on the output.
module circe_dma_rd
#(
  parameter int unsigned MaxOutstanding = 32,   // AR bursts in flight
  parameter int unsigned BufBeats       = 512,  // data buffer, power of 2, >= 64
  parameter int unsigned CmdQueue       = 32,   // commands accepted, not yet ended
  parameter int unsigned LenWidth       = 32,   // width of cmd_bytes_i
  // AXI ID of every burst (its top bits route responses in circe_axi_mux)
  parameter logic [circe_axi_pkg::IdWidth-1:0] Id = circe_axi_pkg::IdDmaRead
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  input  logic                     abort_i,
  output logic                     busy_o,

  // invalidation epoch (circe_xlat_hold): drop_i pulses when an
  // invalidation completed; old_busy_o is high while a burst issued before
  // the last drop is in flight
  input  logic                     inv_drop_i,
  output logic                     old_busy_o,

  // command
  input  logic                     cmd_valid_i,
  output logic                     cmd_ready_o,
  input  circe_axi_pkg::addr_t     cmd_va_i,
  input  logic [LenWidth-1:0]      cmd_bytes_i,

  // lane-0-aligned output stream
  output logic                     out_valid_o,
  input  logic                     out_ready_i,
  output circe_axi_pkg::data_t     out_data_o,
  output logic [6:0]               out_bytes_o,    // 1..64
  output logic                     out_last_o,

  // one status per command
  output logic                     sts_valid_o,
  input  logic                     sts_ready_i,
  output circe_pkg::circe_status_e sts_code_o,
  output circe_axi_pkg::addr_t     sts_va_o,
  output logic [31:0]              sts_flags_o,
  // The command's stream ended early on an error: apart from a beat already
  // on offer, no output comes before its status. A consumer that holds back
  // until input beats exist (circe_memeng's COPY write gate) may stop
  // waiting: the offered beat must be taken for the status to come.
  output logic                     ending_o,

  // translation port (to the MMU)
  output logic                     tr_req_valid_o,
  input  logic                     tr_req_ready_i,
  output circe_axi_pkg::tr_req_t   tr_req_o,
  input  logic                     tr_rsp_valid_i,
  output logic                     tr_rsp_ready_o,
  input  circe_axi_pkg::tr_rsp_t   tr_rsp_i,

  // AXI4 read master (AR/R only)
  output circe_axi_pkg::axi_req_t  axi_req_o,
  input  circe_axi_pkg::axi_rsp_t  axi_rsp_i,

  // performance: one pulse per R beat; useful bytes handed out this cycle
  output logic                     perf_beat_o,
  output logic [6:0]               perf_bytes_o
);

  // Package constants used here (no import: Yosys 0.23 cannot read one).
  localparam int unsigned AddrWidth = circe_axi_pkg::AddrWidth;
  localparam int unsigned DataWidth = circe_axi_pkg::DataWidth;
  localparam int unsigned StrbWidth = circe_axi_pkg::StrbWidth;

  localparam int unsigned BeatW   = LenWidth - 5;  // bus beats of one command
  localparam int unsigned OutW    = $clog2(MaxOutstanding + 1);
  localparam int unsigned CredW   = $clog2(BufBeats + 1);
  localparam int unsigned BufAW   = $clog2(BufBeats);
  localparam int unsigned CqAW    = $clog2(CmdQueue);
  localparam int unsigned CqCntW  = $clog2(CmdQueue + 1);
  localparam int unsigned BeatSz  = $clog2(StrbWidth);  // AXI size: 6

  typedef enum logic [1:0] {
    IsIdle,
    IsXlat,   // circe_xlat_hold asks the MMU for cur_va's page
    IsBurst,
    IsEnd
  } is_state_e;

  typedef enum logic [1:0] {
    ErrNone,
    ErrFault,
    ErrBus
  } err_e;

  typedef struct packed {
    logic [AddrWidth-1:0] va;
    logic [LenWidth-1:0]  bytes;
  } cmd_rec_t;

  typedef struct packed {
    logic [BeatW-1:0]     beats; // bus beats issued
    err_e                 err;   // translation error that ended issuing
    logic [AddrWidth-1:0] va;
    logic [31:0]          flags;
  } end_rec_t;

  typedef struct packed {
    logic                 err;
    logic [DataWidth-1:0] data;
  } beat_t;

  // Queue memories hold plain vectors: Yosys 0.23 collapses an unpacked
  // array of a struct type into one word (and has no $bits(type)).
  localparam int unsigned CmdRecW  = AddrWidth + LenWidth;
  localparam int unsigned EndRecW  = BeatW + 2 + AddrWidth + 32;
  localparam int unsigned BeatRecW = 1 + DataWidth;

  // ---------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------
  logic aborting_d, aborting_q;

  // issue side
  is_state_e            is_state_d, is_state_q;
  logic [AddrWidth-1:0] cur_va_d, cur_va_q;       // next VA to fetch
  logic [LenWidth-1:0]  rem_d, rem_q;             // bytes left to issue
  logic [BeatW-1:0]     issued_d, issued_q;       // beats issued
  err_e                 err_d, err_q;
  logic [AddrWidth-1:0] err_va_d, err_va_q;
  logic [31:0]          err_flags_d, err_flags_q;
  logic                 ar_pend_d, ar_pend_q;     // AR presented, not taken
  logic [OutW-1:0]      outst_d, outst_q;
  logic [CredW-1:0]     cred_d, cred_q;

  // command and end-record queues (issue side -> data side)
  logic [CmdRecW-1:0] cq_mem [CmdQueue];
  logic [CqAW-1:0]    cq_wptr_d, cq_wptr_q, cq_rptr_d, cq_rptr_q;
  logic [CqCntW-1:0]  cq_cnt_d, cq_cnt_q;
  logic [EndRecW-1:0] eq_mem [CmdQueue];
  logic [CqAW-1:0]    eq_wptr_d, eq_wptr_q, eq_rptr_d, eq_rptr_q;
  logic [CqCntW-1:0]  eq_cnt_d, eq_cnt_q;

  // data buffer: synchronous-read memory with a write-through bypass
  logic [BeatRecW-1:0] buf_mem [BufBeats];
  beat_t               buf_rdata_q;
  beat_t               buf_wdata_d, buf_wdata_q;
  logic                buf_bypass_d, buf_bypass_q;
  logic [BufAW-1:0]    buf_wptr_d, buf_wptr_q, buf_rptr_d, buf_rptr_q;
  logic [BufAW:0]      buf_cnt_d, buf_cnt_q;

  // data side
  logic [BeatW-1:0]     jpop_d, jpop_q;           // bus beats popped
  logic [BeatW-1:0]     kout_d, kout_q;           // output beats handed out
  logic [DataWidth-1:0] hold_d, hold_q;           // bus beat kout
  logic                 hold_vld_d, hold_vld_q;
  logic                 ds_err_d, ds_err_q;
  logic [AddrWidth-1:0] ds_err_va_d, ds_err_va_q;
  logic                 out_pend_d, out_pend_q;

  // ---------------------------------------------------------------------
  // Issue side
  // ---------------------------------------------------------------------
  logic                 cmd_fire, ar_fire, r_fire, r_last_fire;
  logic                 stop;
  logic [12:0]          to4k, blen;
  logic [6:0]           beats;
  logic                 can_issue;
  logic                 cq_push, eq_push;
  end_rec_t             eq_wdata;
  cmd_rec_t             cq_wdata;
  beat_t                r_beat;
  logic [AddrWidth-1:0] ar_iova, burst_end_va;
  logic                 xl_ok, xl_fault, xl_bus_err, xl_gave_up, xl_valid, xl_same_page;
  logic [31:0]          xl_flags;

  // The data side's head command is the one being issued exactly when no
  // end record is queued: a data bus error there stops the issuing early.
  assign stop = aborting_q | (ds_err_q & (eq_cnt_q == '0));

  always_comb begin
    to4k      = 13'h1000 - {1'b0, cur_va_q[11:0]};
    blen      = (rem_q < LenWidth'(to4k)) ? rem_q[12:0] : to4k;
    beats     = 7'(({7'b0, cur_va_q[5:0]} + blen + 13'd63) >> 6);
    can_issue = (outst_q < OutW'(MaxOutstanding)) && (cred_q >= CredW'(beats));
    burst_end_va = cur_va_q + AddrWidth'(blen);
  end

  // Translation of cur_va's page: request, response check, held IOVA.
  circe_xlat_hold #(
    .Write (1'b0),
    .OutW  (OutW)
  ) u_xlat (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .xlat_i           (is_state_q == IsXlat),
    .stop_i           (stop),
    .va_i             (cur_va_q),
    .ok_o             (xl_ok),
    .fault_o          (xl_fault),
    .bus_err_o        (xl_bus_err),
    .gave_up_o        (xl_gave_up),
    .flags_o          (xl_flags),
    .valid_o          (xl_valid),
    .iova_o           (ar_iova),
    .next_va_i        (burst_end_va),
    .next_same_page_o (xl_same_page),
    .drop_i           (inv_drop_i),
    .burst_valid_i    (axi_req_o.ar_valid),
    .burst_ready_i    (axi_rsp_i.ar_ready),
    .burst_done_i     (r_last_fire),
    .outst_i          (outst_q),
    .old_busy_o       (old_busy_o),
    .tr_req_valid_o   (tr_req_valid_o),
    .tr_req_ready_i   (tr_req_ready_i),
    .tr_req_o         (tr_req_o),
    .tr_rsp_valid_i   (tr_rsp_valid_i),
    .tr_rsp_ready_o   (tr_rsp_ready_o),
    .tr_rsp_i         (tr_rsp_i)
  );

  always_comb begin
    is_state_d  = is_state_q;
    cur_va_d    = cur_va_q;
    rem_d       = rem_q;
    issued_d    = issued_q;
    err_d       = err_q;
    err_va_d    = err_va_q;
    err_flags_d = err_flags_q;

    cmd_ready_o    = 1'b0;
    eq_push        = 1'b0;

    unique case (is_state_q)
      IsIdle, IsEnd: begin
        // IsEnd queues the end record and can take the next command at once.
        eq_push     = (is_state_q == IsEnd);
        cmd_ready_o = !aborting_q && !abort_i && (cq_cnt_q < CqCntW'(CmdQueue));
        if (cmd_valid_i && cmd_ready_o) begin
          cur_va_d   = cmd_va_i;
          rem_d      = cmd_bytes_i;
          issued_d   = '0;
          err_d      = ErrNone;
          err_va_d   = '0;
          err_flags_d = '0;
          is_state_d = (cmd_bytes_i == '0) ? IsEnd : IsXlat;
        end else begin
          is_state_d = IsIdle;
        end
      end

      IsXlat: begin
        if (xl_ok) begin
          is_state_d = IsBurst;
        end else if (xl_fault) begin
          err_d       = ErrFault;
          err_va_d    = cur_va_q;
          err_flags_d = xl_flags;
          is_state_d  = IsEnd;
        end else if (xl_bus_err) begin
          err_d      = ErrBus;
          err_va_d   = cur_va_q;
          is_state_d = IsEnd;
        end else if (xl_gave_up) begin
          is_state_d = IsEnd;
        end
      end

      IsBurst: begin
        if (!ar_pend_q && stop) begin
          is_state_d = IsEnd;
        end else if (!ar_pend_q && !xl_valid) begin
          is_state_d = IsXlat;  // an invalidation dropped the translation: ask again
        end else if (axi_req_o.ar_valid && axi_rsp_i.ar_ready) begin
          cur_va_d = burst_end_va;
          rem_d    = rem_q - LenWidth'(blen);
          issued_d = issued_q + BeatW'(beats);
          if (rem_q == LenWidth'(blen)) begin
            is_state_d = IsEnd;
          end else if (!xl_same_page) begin
            is_state_d = IsXlat;  // crossed into the next page
          end
        end
      end

      default: is_state_d = IsIdle;
    endcase
  end

  // AR from registers only: no path from axi_rsp_i to axi_req_o, so the
  // struct-level loop through circe_axi_mux stays open.
  always_comb begin
    axi_req_o          = '0;
    axi_req_o.ar.id    = Id;
    axi_req_o.ar.addr  = ar_iova;
    axi_req_o.ar.len   = 8'(beats - 7'd1);
    axi_req_o.ar.size  = 3'(BeatSz);
    axi_req_o.ar.burst = circe_axi_pkg::BurstIncr;
    axi_req_o.ar_valid = (is_state_q == IsBurst) &&
                         (ar_pend_q || (!stop && can_issue && xl_valid));
    axi_req_o.r_ready  = 1'b1;
  end

  assign cmd_fire    = cmd_valid_i && cmd_ready_o;
  assign ar_fire     = axi_req_o.ar_valid && axi_rsp_i.ar_ready;
  assign r_fire      = axi_rsp_i.r_valid;  // rready is always high
  assign r_last_fire = r_fire && axi_rsp_i.r.last;
  assign ar_pend_d   = axi_req_o.ar_valid && !axi_rsp_i.ar_ready;

  assign cq_push  = cmd_fire;
  always_comb begin
    eq_wdata       = '0;
    eq_wdata.beats = issued_q;
    eq_wdata.err   = err_q;
    eq_wdata.va    = err_va_q;
    eq_wdata.flags = err_flags_q;
    cq_wdata       = '0;
    cq_wdata.va    = cmd_va_i;
    cq_wdata.bytes = cmd_bytes_i;
    r_beat         = '0;
    r_beat.err     = axi_rsp_i.r.resp[1];
    r_beat.data    = axi_rsp_i.r.data;
  end

  // ---------------------------------------------------------------------
  // Data side
  // ---------------------------------------------------------------------
  cmd_rec_t             cmd;
  end_rec_t             er;
  logic                 cmd_vld, er_vld;
  logic [5:0]           off;
  logic [BeatW-1:0]     nbus, nout, limit;
  logic [LenWidth-1:0]  rem_out;
  logic [6:0]           obytes;
  logic                 lastb, need_next;
  beat_t                head;
  logic                 head_vld, can_pop, pop;
  logic                 drop_err, drop;
  logic                 done_ok, done_drain, sts_fire, out_fire;
  logic [AddrWidth-7:0] beat_line;                               // VA >> 6 of bus beat jpop
  logic [AddrWidth-1:0] piece_va, pop_err_va;
  logic [8:0]           sh;
  logic [DataWidth-1:0] lo_part, hi_part, lane_mask;
  logic                 set_err;

  always_comb begin
    cmd      = cq_mem[cq_rptr_q];
    er       = eq_mem[eq_rptr_q];
    cmd_vld  = cq_cnt_q != '0;
    er_vld   = eq_cnt_q != '0;
    off      = cmd.va[5:0];
    nbus     = (cmd.bytes == '0) ? '0 :
               BeatW'(({1'b0, cmd.bytes} + (LenWidth + 1)'(off) + (LenWidth + 1)'(63)) >> 6);
    nout     = BeatW'(({1'b0, cmd.bytes} + (LenWidth + 1)'(63)) >> 6);
    limit    = er_vld ? er.beats : nbus;
    rem_out  = cmd.bytes - LenWidth'({kout_q, 6'b0});
    lastb    = rem_out <= LenWidth'(64);
    obytes   = lastb ? rem_out[6:0] : 7'd64;
    need_next = (off != 6'd0) && ((7'(off) + obytes) > 7'd64);

    head     = buf_bypass_q ? buf_wdata_q : buf_rdata_q;
    head_vld = buf_cnt_q != '0;
    can_pop  = cmd_vld && head_vld && (jpop_q < limit);

    // VA reported for a data bus error on bus beat jpop: its 4 KiB piece.
    beat_line  = cmd.va[AddrWidth-1:6] + (AddrWidth - 6)'(jpop_q);
    piece_va   = {beat_line[AddrWidth-7:6], 12'b0};
    pop_err_va = (beat_line[AddrWidth-7:6] == cmd.va[AddrWidth-1:12]) ? cmd.va : piece_va;

    drop_err   = ds_err_q || (er_vld && er.err != ErrNone);
    // A beat on offer stays until taken, except under abort.
    drop       = aborting_q || (drop_err && !out_pend_q);
    done_ok    = cmd_vld && er_vld && er.err == ErrNone && !ds_err_q &&
                 kout_q == nout && jpop_q == er.beats;
    done_drain = cmd_vld && er_vld && jpop_q == er.beats && drop;
  end

  assign sts_valid_o = done_ok || done_drain;
  assign ending_o    = cmd_vld && drop_err;
  assign sts_fire    = sts_valid_o && sts_ready_i;

  always_comb begin
    jpop_d      = jpop_q;
    kout_d      = kout_q;
    hold_d      = hold_q;
    hold_vld_d  = hold_vld_q;
    ds_err_d    = ds_err_q;
    ds_err_va_d = ds_err_va_q;
    pop         = 1'b0;
    set_err     = 1'b0;
    out_valid_o = 1'b0;

    if (cmd_vld && !sts_valid_o) begin
      if (drop) begin
        // Still note a data error: a lower VA than the translation error.
        hold_vld_d = 1'b0;
        pop        = can_pop;
        set_err    = can_pop && head.err;
      end else if (hold_vld_q && need_next && can_pop && head.err) begin
        pop     = 1'b1;
        set_err = 1'b1;
      end else begin
        out_valid_o = hold_vld_q && (!need_next || can_pop);
        if (out_valid_o && out_ready_i) begin
          kout_d = kout_q + 1'b1;
          if (need_next) begin
            pop    = 1'b1;
            hold_d = head.data;
          end
          if (lastb || !need_next) begin
            hold_vld_d = 1'b0;
          end
        end
        // (Re)load the hold register from the buffer.
        if ((!hold_vld_q || (out_valid_o && out_ready_i && !need_next)) && can_pop) begin
          pop = 1'b1;
          if (head.err) begin
            set_err = 1'b1;
          end else begin
            hold_d     = head.data;
            hold_vld_d = 1'b1;
          end
        end
      end
    end

    if (pop) begin
      jpop_d = jpop_q + 1'b1;
    end
    if (set_err && !ds_err_q) begin
      ds_err_d    = 1'b1;
      ds_err_va_d = pop_err_va;
    end
    if (sts_fire) begin
      jpop_d     = '0;
      kout_d     = '0;
      hold_vld_d = 1'b0;
      ds_err_d   = 1'b0;
    end
  end

  assign out_fire   = out_valid_o && out_ready_i;
  assign out_pend_d = out_valid_o && !out_ready_i;

  // Realign: output beat k = bus bytes [off + 64k, off + 64k + 64).
  always_comb begin
    sh        = {off, 3'b0};
    lo_part   = hold_q >> sh;
    hi_part   = need_next ? (head.data << (10'd512 - 10'(sh))) : '0;
    lane_mask = {DataWidth{1'b1}} >> (10'd512 - {obytes, 3'b0});
    out_data_o = (lo_part | hi_part) & lane_mask;
  end

  assign out_bytes_o = obytes;
  assign out_last_o  = lastb;

  always_comb begin
    sts_code_o  = circe_pkg::CIRCE_HW_ST_OK;
    sts_va_o    = '0;
    sts_flags_o = '0;
    if (ds_err_q) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_BUS_ERROR;
      sts_va_o   = ds_err_va_q;
    end else if (er.err == ErrFault) begin
      sts_code_o  = circe_pkg::CIRCE_HW_ST_FAULT;
      sts_va_o    = er.va;
      sts_flags_o = er.flags;
    end else if (er.err == ErrBus) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_BUS_ERROR;
      sts_va_o   = er.va;
    end else if (!done_ok) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_RESET;
      sts_va_o   = cmd.va;
    end
  end

  // ---------------------------------------------------------------------
  // Queues, buffer, counters
  // ---------------------------------------------------------------------
  function automatic logic [CqAW-1:0] cq_inc(input logic [CqAW-1:0] p);
    cq_inc = (p == CqAW'(CmdQueue - 1)) ? '0 : p + 1'b1;
  endfunction

  always_comb begin
    cq_wptr_d = cq_push  ? cq_inc(cq_wptr_q) : cq_wptr_q;
    cq_rptr_d = sts_fire ? cq_inc(cq_rptr_q) : cq_rptr_q;
    cq_cnt_d  = cq_cnt_q + CqCntW'(cq_push) - CqCntW'(sts_fire);
    eq_wptr_d = eq_push  ? cq_inc(eq_wptr_q) : eq_wptr_q;
    eq_rptr_d = sts_fire ? cq_inc(eq_rptr_q) : eq_rptr_q;
    eq_cnt_d  = eq_cnt_q + CqCntW'(eq_push) - CqCntW'(sts_fire);

    buf_wptr_d   = buf_wptr_q + BufAW'(r_fire);
    buf_rptr_d   = buf_rptr_q + BufAW'(pop);
    buf_cnt_d    = buf_cnt_q + (BufAW + 1)'(r_fire) - (BufAW + 1)'(pop);
    buf_bypass_d = r_fire && (buf_wptr_q == buf_rptr_d);
    buf_wdata_d  = r_fire ? r_beat : buf_wdata_q;

    outst_d = outst_q + OutW'(ar_fire) - OutW'(r_last_fire);
    cred_d  = cred_q - (ar_fire ? CredW'(beats) : '0) + CredW'(pop);

    aborting_d = abort_i || (aborting_q && cq_cnt_q != '0);
  end

  always_ff @(posedge clk_i) begin
    if (cq_push) begin
      cq_mem[cq_wptr_q] <= cq_wdata;
    end
    if (eq_push) begin
      eq_mem[eq_wptr_q] <= eq_wdata;
    end
  end

  always_ff @(posedge clk_i) begin
    if (r_fire) begin
      buf_mem[buf_wptr_q] <= r_beat;
    end
    buf_rdata_q <= buf_mem[buf_rptr_d];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aborting_q   <= 1'b0;
      is_state_q   <= IsIdle;
      cur_va_q     <= '0;
      rem_q        <= '0;
      issued_q     <= '0;
      err_q        <= ErrNone;
      err_va_q     <= '0;
      err_flags_q  <= '0;
      ar_pend_q    <= 1'b0;
      outst_q      <= '0;
      cred_q       <= CredW'(BufBeats);
      cq_wptr_q    <= '0;
      cq_rptr_q    <= '0;
      cq_cnt_q     <= '0;
      eq_wptr_q    <= '0;
      eq_rptr_q    <= '0;
      eq_cnt_q     <= '0;
      buf_wdata_q  <= '0;
      buf_bypass_q <= 1'b0;
      buf_wptr_q   <= '0;
      buf_rptr_q   <= '0;
      buf_cnt_q    <= '0;
      jpop_q       <= '0;
      kout_q       <= '0;
      hold_q       <= '0;
      hold_vld_q   <= 1'b0;
      ds_err_q     <= 1'b0;
      ds_err_va_q  <= '0;
      out_pend_q   <= 1'b0;
    end else begin
      aborting_q   <= aborting_d;
      is_state_q   <= is_state_d;
      cur_va_q     <= cur_va_d;
      rem_q        <= rem_d;
      issued_q     <= issued_d;
      err_q        <= err_d;
      err_va_q     <= err_va_d;
      err_flags_q  <= err_flags_d;
      ar_pend_q    <= ar_pend_d;
      outst_q      <= outst_d;
      cred_q       <= cred_d;
      cq_wptr_q    <= cq_wptr_d;
      cq_rptr_q    <= cq_rptr_d;
      cq_cnt_q     <= cq_cnt_d;
      eq_wptr_q    <= eq_wptr_d;
      eq_rptr_q    <= eq_rptr_d;
      eq_cnt_q     <= eq_cnt_d;
      buf_wdata_q  <= buf_wdata_d;
      buf_bypass_q <= buf_bypass_d;
      buf_wptr_q   <= buf_wptr_d;
      buf_rptr_q   <= buf_rptr_d;
      buf_cnt_q    <= buf_cnt_d;
      jpop_q       <= jpop_d;
      kout_q       <= kout_d;
      hold_q       <= hold_d;
      hold_vld_q   <= hold_vld_d;
      ds_err_q     <= ds_err_d;
      ds_err_va_q  <= ds_err_va_d;
      out_pend_q   <= out_pend_d;
    end
  end

  assign busy_o       = cq_cnt_q != '0;
  assign perf_beat_o  = r_fire;
  assign perf_bytes_o = out_fire ? obytes : 7'd0;

  // Fields of the shared port types this engine does not use.
  logic unused_rsp;
  assign unused_rsp = ^{axi_rsp_i.aw_ready, axi_rsp_i.w_ready, axi_rsp_i.b,
                        axi_rsp_i.b_valid, axi_rsp_i.r.id, axi_rsp_i.r.resp[0],
                        beat_line[5:0]};

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  initial begin
    assert (BufBeats == (1 << BufAW) && BufBeats >= 64)
      else $error("BufBeats must be a power of 2, >= 64");
    assert (CmdQueue >= 2 && MaxOutstanding >= 1 && LenWidth >= 13);
    assert (DataWidth == 512);
  end
  // The credits guarantee room for every beat in flight.
  r_fits: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.r_valid |-> (buf_cnt_q < (BufAW + 1)'(BufBeats)));
  r_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.r_valid |-> (axi_rsp_i.r.id == Id));
  r_expected: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.r_valid |-> (outst_q != '0));
  ar_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.ar_valid && !axi_rsp_i.ar_ready) |=> (axi_req_o.ar_valid && $stable(axi_req_o.ar)));
  ar_no_4k_cross: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_req_o.ar_valid |-> ({1'b0, axi_req_o.ar.addr[11:6]} + {1'b0, axi_req_o.ar.len[5:0]} < 7'd64
                            && axi_req_o.ar.len < 8'd64));
  out_stable: assert property (@(posedge clk_i) disable iff (!rst_ni || aborting_q)
    (out_valid_o && !out_ready_i) |=> (out_valid_o && $stable(out_data_o) &&
                                       $stable(out_bytes_o) && $stable(out_last_o)));
  ok_all_popped: assert property (@(posedge clk_i) disable iff (!rst_ni)
    done_ok |-> (er.beats == nbus && !hold_vld_q));
  queues_bounded: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (eq_cnt_q <= cq_cnt_q) && (cq_cnt_q <= CqCntW'(CmdQueue)));
  credits_bounded: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (32'(cred_q) + 32'(buf_cnt_q) <= BufBeats));
`endif

endmodule
