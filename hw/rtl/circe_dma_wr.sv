// SPDX-License-Identifier: Apache-2.0
//
// DMA write engine: a command (va, bytes) plus ceil(bytes/64) input beats,
// lane 0 of the first beat holding the first byte (the format circe_dma_rd
// produces), become AXI4 INCR write bursts by VA through the MMU
// translation port.
//
// Three parts, decoupled so that commands pipeline:
// - issue side: one command at a time. Translates the cursor VA once per
//   page (circe_xlat_hold: request, response check, held IOVA page) and
//   issues AW bursts of 64-byte beats that end at every 4 KiB
//   boundary (so never cross 4 KiB nor a page), at most MaxOutstanding
//   bursts waiting for B. Each AW queues a burst record for the W side and
//   the burst's first VA for the B side; when a command has issued its last
//   burst, or stopped early, an end record (bursts issued, translation
//   error) goes to the B side.
// - W side: realigns the input beats to the bus offset va % 64 and sends
//   the W beats of each burst only after its AW was accepted (never W
//   before AW), with byte strobes clearing the lanes before the first and
//   after the last byte. The W channel is registered (stable under stall).
// - B side: counts the B responses of each command (one ID, so in order)
//   and ends it with exactly one status.
//
// AXI IDs: every burst uses Id (default IdDmaWrite); B responses come in AW order.
//
// Contract (in_*, sts_*):
// - the producer gives exactly ceil(bytes/64) beats per command, in command
//   order (bytes = 0: none); lanes past the end of the last beat are
//   ignored;
// - statuses come in command order: CIRCE_HW_ST_OK when every B was OKAY;
//   CIRCE_HW_ST_FAULT (TrFault: VA = first VA of the faulting translation,
//   flags = tr_rsp.fault_flags); CIRCE_HW_ST_BUS_ERROR (SLVERR/DECERR on a
//   B: VA = first VA of that burst, which is max(cmd va, the 4 KiB piece),
//   as sim/fmodel reports it; TrBusError: the VA translated). The lowest VA
//   wins. After a translation error nothing at or past the faulting page is
//   written; after a B error the engine stops issuing further bursts of the
//   command. In both cases the W side still swallows the command's
//   remaining input beats, so the producer stays in step. Every command
//   accepted after such an error, until all accepted commands have ended,
//   is skipped: no translation, nothing written, its input beats swallowed,
//   status CIRCE_HW_ST_RESET. So, as in sim/fmodel, a failing write is the
//   last one the job attempts (no further fault records or bytes for the
//   rows queued behind it); the command processor, which drains after the
//   first error, writes its status block once the engine is empty again;
// - abort_i (pulse or level): no new command is accepted, input beats are
//   no longer taken (in_ready_o low), W beats owed to AWs already issued go
//   out with all strobes low, and every accepted command ends with its
//   error or CIRCE_HW_ST_RESET once its B responses are in. A translation
//   request already presented waits for its response. busy_o falls when
//   everything has drained; the producer restarts with the next command.
//
// AwGate (parameter; circe_memeng's COPY): an AW goes out only once the
// producer can deliver every input beat its W beats need (in_avail_i, the
// input beats of the command being issued that are available or will come
// without anything else happening first). A COPY's input comes from reads
// that may fault; an AW issued ahead of its data would then wait for a
// fault answer, and an invalidation acknowledge waiting for that burst
// (circe_xlat_hold's old bursts) would wait for it too, while the host
// that must answer the fault waits for the acknowledge. With the gate every
// burst issued can complete on its own. Without it (the command processor:
// its Y data sits in its staging buffer before it asks) AWs go out at once.
//
// Sizing: MaxOutstanding = CmdQueue = 32 (the device tree's memory takes 32
// requests). One W beat per cycle once its AW is accepted; a command costs
// at least 4 cycles on the issue side.
module circe_dma_wr
#(
  parameter int unsigned MaxOutstanding = 32,  // AW bursts waiting for B
  parameter int unsigned CmdQueue       = 32,  // commands accepted, not yet ended
  parameter int unsigned LenWidth       = 32,  // width of cmd_bytes_i
  parameter bit          AwGate         = 1'b0, // AW only with its input beats available
  // AXI ID of every burst (its top bits route responses in circe_axi_mux)
  parameter logic [circe_axi_pkg::IdWidth-1:0] Id = circe_axi_pkg::IdDmaWrite
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

  // lane-0-aligned input stream
  input  logic                     in_valid_i,
  output logic                     in_ready_o,
  input  circe_axi_pkg::data_t     in_data_i,
  // with AwGate: input beats of the command being issued the producer can
  // deliver (counted from its first beat); ignored without
  input  logic [LenWidth-6:0]      in_avail_i,

  // one status per command
  output logic                     sts_valid_o,
  input  logic                     sts_ready_i,
  output circe_pkg::circe_status_e sts_code_o,
  output circe_axi_pkg::addr_t     sts_va_o,
  output logic [31:0]              sts_flags_o,

  // translation port (to the MMU)
  output logic                     tr_req_valid_o,
  input  logic                     tr_req_ready_i,
  output circe_axi_pkg::tr_req_t   tr_req_o,
  input  logic                     tr_rsp_valid_i,
  output logic                     tr_rsp_ready_o,
  input  circe_axi_pkg::tr_rsp_t   tr_rsp_i,

  // AXI4 write master (AW/W/B only)
  output circe_axi_pkg::axi_req_t  axi_req_o,
  input  circe_axi_pkg::axi_rsp_t  axi_rsp_i,

  // performance: one pulse per W beat; bytes it writes (strobes set)
  output logic                     perf_beat_o,
  output logic [6:0]               perf_bytes_o
);

  // Package constants used here (no import: Yosys 0.23 cannot read one).
  localparam int unsigned AddrWidth = circe_axi_pkg::AddrWidth;
  localparam int unsigned DataWidth = circe_axi_pkg::DataWidth;
  localparam int unsigned StrbWidth = circe_axi_pkg::StrbWidth;

  localparam int unsigned BeatW   = LenWidth - 5;  // bus beats of one command
  localparam int unsigned BurstW  = LenWidth - 11; // bursts of one command
  localparam int unsigned OutW    = $clog2(MaxOutstanding + 1);
  localparam int unsigned CqAW    = $clog2(CmdQueue);
  localparam int unsigned CqCntW  = $clog2(CmdQueue + 1);
  localparam int unsigned OqAW    = $clog2(MaxOutstanding);
  localparam int unsigned WbDepth = MaxOutstanding + CmdQueue;
  localparam int unsigned WbAW    = $clog2(WbDepth);
  localparam int unsigned WbCntW  = $clog2(WbDepth + 1);
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
    ErrBus,
    ErrSkip   // skipped: an earlier command failed
  } err_e;

  typedef struct packed {
    logic [5:0]          off;   // va % 64
    logic [LenWidth-1:0] bytes;
  } cmd_rec_t;

  typedef struct packed {
    logic [6:0] beats; // 1..64; 0: the command stopped early, no burst
    logic       eoc;   // last record of its command
  } wb_rec_t;

  typedef struct packed {
    logic [BurstW-1:0]    bursts; // bursts issued
    err_e                 err;    // translation error that ended issuing
    logic [AddrWidth-1:0] va;
    logic [31:0]          flags;
  } end_rec_t;

  // Queue memories hold plain vectors: Yosys 0.23 collapses an unpacked
  // array of a struct type into one word (and has no $bits(type)).
  localparam int unsigned CmdRecW = 6 + LenWidth;
  localparam int unsigned WbRecW  = 8;
  localparam int unsigned EndRecW = BurstW + 2 + AddrWidth + 32;

  // ---------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------
  logic aborting_d, aborting_q;
  logic skip_d, skip_q;  // an error ended a command; skip until empty
  logic skipping;

  // issue side
  is_state_e            is_state_d, is_state_q;
  logic [AddrWidth-1:0] cur_va_d, cur_va_q;
  logic [LenWidth-1:0]  rem_d, rem_q;
  logic [BurstW-1:0]    issued_d, issued_q;       // bursts issued
  logic [BeatW-1:0]     ibeats_d, ibeats_q;       // bus beats issued in the command
  logic [BeatW-1:0]     inbeats_d, inbeats_q;     // input beats of the command
  logic [BeatW-1:0]     need_in;                  // input beats up to this burst's end
  logic                 data_ok;                  // ... the producer has them
  logic                 eoc_sent_d, eoc_sent_q;   // the last AW carried eoc
  err_e                 err_d, err_q;
  logic [AddrWidth-1:0] err_va_d, err_va_q;
  logic [31:0]          err_flags_d, err_flags_q;
  logic                 aw_pend_d, aw_pend_q;
  logic [OutW-1:0]      outst_d, outst_q;

  // W side command queue (popped by the W side)
  logic [CmdRecW-1:0] wc_mem [CmdQueue];
  logic [CqAW-1:0]    wc_wptr_d, wc_wptr_q, wc_rptr_d, wc_rptr_q;
  logic [CqCntW-1:0]  wc_cnt_d, wc_cnt_q;
  // burst records (issue -> W side)
  logic [WbRecW-1:0] wb_mem [WbDepth];
  logic [WbAW-1:0]   wb_wptr_d, wb_wptr_q, wb_rptr_d, wb_rptr_q;
  logic [WbCntW-1:0] wb_cnt_d, wb_cnt_q;
  // first VA of each burst waiting for B (issue -> B side)
  logic [AddrWidth-1:0] oq_mem [MaxOutstanding];
  logic [OqAW-1:0]      oq_wptr_d, oq_wptr_q, oq_rptr_d, oq_rptr_q;
  // end records (issue -> B side)
  logic [EndRecW-1:0] eq_mem [CmdQueue];
  logic [CqAW-1:0]    eq_wptr_d, eq_wptr_q, eq_rptr_d, eq_rptr_q;
  logic [CqCntW-1:0]  eq_cnt_d, eq_cnt_q;
  logic [CqCntW-1:0]  inflight_d, inflight_q;                     // accepted, status not taken

  // W side
  logic [BeatW-1:0]       jw_d, jw_q;           // bus beats sent in the command
  logic [BeatW-1:0]       kin_d, kin_q;         // input beats taken in the command
  logic [6:0]             bw_d, bw_q;           // beats sent in the burst
  logic [DataWidth-1:0]   prev_d, prev_q;       // input beat kin - 1
  logic                   w_vld_d, w_vld_q;
  circe_axi_pkg::w_chan_t w_d, w_q;
  logic [6:0]             w_bytes_d, w_bytes_q;

  // B side
  end_rec_t             er;                       // head end record
  logic                 er_vld;
  logic [BurstW-1:0]    bcnt_d, bcnt_q;
  logic                 bs_err_d, bs_err_q;
  logic [AddrWidth-1:0] bs_err_va_d, bs_err_va_q;

  // ---------------------------------------------------------------------
  // Issue side
  // ---------------------------------------------------------------------
  logic                 cmd_fire, aw_fire, b_fire, sts_fire;
  logic                 stop;
  logic [12:0]          to4k, blen;
  logic [6:0]           beats;
  logic                 can_issue;
  logic                 wb_push, eq_push, wc_push;
  wb_rec_t              wb_wdata;
  cmd_rec_t             wc_wdata;
  end_rec_t             eq_wdata;
  logic [AddrWidth-1:0] aw_iova, burst_end_va;
  logic                 xl_ok, xl_fault, xl_bus_err, xl_gave_up, xl_valid, xl_same_page;
  logic [31:0]          xl_flags;

  // The B side's head command is the one being issued exactly when no end
  // record is queued: a B error there stops the issuing early.
  assign stop = aborting_q | (bs_err_q & (eq_cnt_q == '0));

  assign er     = eq_mem[eq_rptr_q];
  assign er_vld = eq_cnt_q != '0;

  always_comb begin
    to4k      = 13'h1000 - {1'b0, cur_va_q[11:0]};
    blen      = (rem_q < LenWidth'(to4k)) ? rem_q[12:0] : to4k;
    beats     = 7'(({7'b0, cur_va_q[5:0]} + blen + 13'd63) >> 6);
    can_issue = (outst_q < OutW'(MaxOutstanding)) && (wb_cnt_q < WbCntW'(WbDepth));
    burst_end_va = cur_va_q + AddrWidth'(blen);
    // Bus beat j of a command carries bytes of input beats j - 1 and j.
    need_in   = (ibeats_q + BeatW'(beats) < inbeats_q) ? ibeats_q + BeatW'(beats) : inbeats_q;
    data_ok   = !AwGate || (need_in <= BeatW'(in_avail_i));
  end

  // Translation of cur_va's page: request, response check, held IOVA.
  circe_xlat_hold #(
    .Write (1'b1),
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
    .iova_o           (aw_iova),
    .next_va_i        (burst_end_va),
    .next_same_page_o (xl_same_page),
    .drop_i           (inv_drop_i),
    .burst_valid_i    (axi_req_o.aw_valid),
    .burst_ready_i    (axi_rsp_i.aw_ready),
    .burst_done_i     (b_fire),
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
    ibeats_d    = ibeats_q;
    inbeats_d   = inbeats_q;
    eoc_sent_d  = eoc_sent_q;
    err_d       = err_q;
    err_va_d    = err_va_q;
    err_flags_d = err_flags_q;

    cmd_ready_o    = 1'b0;
    eq_push        = 1'b0;
    wb_push        = 1'b0;
    wb_wdata       = '0;
    aw_fire        = 1'b0;

    unique case (is_state_q)
      IsIdle, IsEnd: begin
        // IsEnd queues the end record (and, for a command that stopped
        // early, a burst record telling the W side so), then can take the
        // next command at once.
        if (is_state_q == IsEnd && !eoc_sent_q && wb_cnt_q == WbCntW'(WbDepth)) begin
          is_state_d = IsEnd;  // wait for room in the burst queue
        end else begin
          if (is_state_q == IsEnd) begin
            eq_push  = 1'b1;
            wb_push  = !eoc_sent_q;
            wb_wdata.eoc = 1'b1;
          end
          cmd_ready_o = !aborting_q && !abort_i &&
                        (inflight_q < CqCntW'(CmdQueue)) && (wc_cnt_q < CqCntW'(CmdQueue));
          if (cmd_valid_i && cmd_ready_o) begin
            cur_va_d    = cmd_va_i;
            rem_d       = cmd_bytes_i;
            issued_d    = '0;
            ibeats_d    = '0;
            inbeats_d   = BeatW'(({1'b0, cmd_bytes_i} + (LenWidth + 1)'(63)) >> 6);
            eoc_sent_d  = 1'b0;
            err_d       = skipping ? ErrSkip : ErrNone;
            err_va_d    = '0;
            err_flags_d = '0;
            is_state_d  = (cmd_bytes_i == '0 || skipping) ? IsEnd : IsXlat;
          end else begin
            is_state_d = IsIdle;
          end
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
        if (!aw_pend_q && stop) begin
          is_state_d = IsEnd;
        end else if (!aw_pend_q && !xl_valid) begin
          is_state_d = IsXlat;  // an invalidation dropped the translation: ask again
        end else if (axi_req_o.aw_valid && axi_rsp_i.aw_ready) begin
          aw_fire    = 1'b1;
          wb_push    = 1'b1;
          wb_wdata.beats = beats;
          wb_wdata.eoc   = rem_q == LenWidth'(blen);
          eoc_sent_d = rem_q == LenWidth'(blen);
          cur_va_d   = burst_end_va;
          rem_d      = rem_q - LenWidth'(blen);
          issued_d   = issued_q + 1'b1;
          ibeats_d   = ibeats_q + BeatW'(beats);
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

  // AXI outputs from registers only: no path from axi_rsp_i to axi_req_o,
  // so the struct-level loop through circe_axi_mux stays open. W comes from
  // its register; B is always taken unless a status waits.
  always_comb begin
    axi_req_o          = '0;
    axi_req_o.aw.id    = Id;
    axi_req_o.aw.addr  = aw_iova;
    axi_req_o.aw.len   = 8'(beats - 7'd1);
    axi_req_o.aw.size  = 3'(BeatSz);
    axi_req_o.aw.burst = circe_axi_pkg::BurstIncr;
    axi_req_o.aw_valid = (is_state_q == IsBurst) &&
                         (aw_pend_q || (!stop && can_issue && xl_valid && data_ok));
    axi_req_o.w        = w_q;
    axi_req_o.w_valid  = w_vld_q;
    axi_req_o.b_ready  = !er_vld || (bcnt_q != er.bursts);
  end

  always_comb begin
    wc_wdata        = '0;
    wc_wdata.off    = cmd_va_i[5:0];
    wc_wdata.bytes  = cmd_bytes_i;
    eq_wdata        = '0;
    eq_wdata.bursts = issued_q;
    eq_wdata.err    = err_q;
    eq_wdata.va     = err_va_q;
    eq_wdata.flags  = err_flags_q;
  end

  assign cmd_fire  = cmd_valid_i && cmd_ready_o;
  // Cleared as soon as every accepted command has ended (and its status was
  // taken), so the next job's commands, and the failing descriptor's status
  // block, go out normally.
  assign skipping  = skip_q && (inflight_q != '0);
  assign skip_d    = skipping ||
                     xl_fault || xl_bus_err ||
                     (b_fire && axi_rsp_i.b.resp[1]);
  assign aw_pend_d = axi_req_o.aw_valid && !axi_rsp_i.aw_ready;
  assign wc_push   = cmd_fire;
  assign b_fire    = axi_rsp_i.b_valid && axi_req_o.b_ready;

  // ---------------------------------------------------------------------
  // W side
  // ---------------------------------------------------------------------
  cmd_rec_t             wc;
  wb_rec_t              wb;
  logic                 wc_vld, wb_vld;
  logic [BeatW-1:0]     nin, nbus;
  logic                 needs_in, first, lastbeat, wlast;
  logic [5:0]           end_lane;
  logic [8:0]           sh;
  logic [DataWidth-1:0] wdata;
  logic [StrbWidth-1:0] wstrb;
  logic [6:0]           wbytes;
  logic                 slot_free, beat_go, in_take, wb_pop, wc_pop;

  always_comb begin
    wc       = wc_mem[wc_rptr_q];
    wb       = wb_mem[wb_rptr_q];
    wc_vld   = wc_cnt_q != '0;
    wb_vld   = wb_cnt_q != '0;
    nin      = BeatW'(({1'b0, wc.bytes} + (LenWidth + 1)'(63)) >> 6);
    nbus     = BeatW'(({1'b0, wc.bytes} + (LenWidth + 1)'(wc.off) + (LenWidth + 1)'(63)) >> 6);
    needs_in = jw_q < nin;  // bus beat j holds bytes of input beat j
    first    = jw_q == '0;
    lastbeat = jw_q == nbus - 1'b1;
    end_lane = 6'(wc.off + 6'(wc.bytes[5:0]) - 6'd1);
    wlast    = bw_q == wb.beats - 1'b1;

    sh    = {wc.off, 3'b0};
    wdata = (needs_in ? (in_data_i << sh) : '0) | (prev_q >> (10'd512 - 10'(sh)));
    wstrb = {StrbWidth{1'b1}};
    if (first) begin
      wstrb = wstrb & ({StrbWidth{1'b1}} << wc.off);
    end
    if (lastbeat) begin
      wstrb = wstrb & ({StrbWidth{1'b1}} >> (6'd63 - end_lane));
    end
    wbytes = (lastbeat ? 7'(end_lane) + 7'd1 : 7'd64) - (first ? 7'(wc.off) : 7'd0);
  end

  always_comb begin
    jw_d      = jw_q;
    kin_d     = kin_q;
    bw_d      = bw_q;
    prev_d    = prev_q;
    w_vld_d   = w_vld_q && !axi_rsp_i.w_ready;
    w_d       = w_q;
    w_bytes_d = w_bytes_q;
    in_ready_o = 1'b0;
    beat_go   = 1'b0;
    in_take   = 1'b0;
    wb_pop    = 1'b0;
    wc_pop    = 1'b0;
    slot_free = !w_vld_q || axi_rsp_i.w_ready;

    if (wb_vld && wc_vld) begin
      if (wb.beats != 7'd0) begin
        // The next W beat of an accepted AW.
        if (aborting_q) begin
          beat_go = slot_free;
        end else begin
          in_ready_o = needs_in && slot_free;
          beat_go    = slot_free && (!needs_in || in_valid_i);
          in_take    = needs_in && beat_go;
        end
        if (beat_go) begin
          w_vld_d   = 1'b1;
          w_d.data  = aborting_q ? '0 : wdata;
          w_d.strb  = aborting_q ? '0 : wstrb;
          w_d.last  = wlast;
          w_bytes_d = aborting_q ? 7'd0 : wbytes;
          jw_d      = jw_q + 1'b1;
          bw_d      = bw_q + 1'b1;
          if (in_take) begin
            prev_d = in_data_i;
            kin_d  = kin_q + 1'b1;
          end
          if (wlast) begin
            bw_d   = '0;
            wb_pop = 1'b1;
            wc_pop = wb.eoc;
          end
        end
      end else begin
        // The command stopped early: swallow the rest of its input.
        if (aborting_q || kin_q == nin) begin
          wb_pop = 1'b1;
          wc_pop = 1'b1;
        end else begin
          in_ready_o = 1'b1;
          if (in_valid_i) begin
            kin_d = kin_q + 1'b1;
          end
        end
      end
    end

    if (wc_pop) begin
      jw_d   = '0;
      kin_d  = '0;
      prev_d = '0;
    end
  end

  // ---------------------------------------------------------------------
  // B side
  // ---------------------------------------------------------------------
  logic [AddrWidth-1:0] oq_head;

  always_comb begin
    oq_head = oq_mem[oq_rptr_q];

    bcnt_d      = bcnt_q;
    bs_err_d    = bs_err_q;
    bs_err_va_d = bs_err_va_q;
    sts_valid_o = er_vld && (bcnt_q == er.bursts);
    if (b_fire) begin
      bcnt_d = bcnt_q + 1'b1;
      if (axi_rsp_i.b.resp[1] && !bs_err_q) begin
        bs_err_d    = 1'b1;
        bs_err_va_d = oq_head;
      end
    end
    if (sts_fire) begin
      bcnt_d   = '0;
      bs_err_d = 1'b0;
    end

    sts_code_o  = circe_pkg::CIRCE_HW_ST_OK;
    sts_va_o    = '0;
    sts_flags_o = '0;
    if (bs_err_q) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_BUS_ERROR;
      sts_va_o   = bs_err_va_q;
    end else if (er.err == ErrFault) begin
      sts_code_o  = circe_pkg::CIRCE_HW_ST_FAULT;
      sts_va_o    = er.va;
      sts_flags_o = er.flags;
    end else if (er.err == ErrBus) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_BUS_ERROR;
      sts_va_o   = er.va;
    end else if (er.err == ErrSkip || aborting_q) begin
      sts_code_o = circe_pkg::CIRCE_HW_ST_RESET;
    end
  end

  assign sts_fire = sts_valid_o && sts_ready_i;

  // ---------------------------------------------------------------------
  // Queues and counters
  // ---------------------------------------------------------------------
  function automatic logic [CqAW-1:0] cq_inc(input logic [CqAW-1:0] p);
    cq_inc = (p == CqAW'(CmdQueue - 1)) ? '0 : p + 1'b1;
  endfunction

  function automatic logic [WbAW-1:0] wb_inc(input logic [WbAW-1:0] p);
    wb_inc = (p == WbAW'(WbDepth - 1)) ? '0 : p + 1'b1;
  endfunction

  function automatic logic [OqAW-1:0] oq_inc(input logic [OqAW-1:0] p);
    oq_inc = (p == OqAW'(MaxOutstanding - 1)) ? '0 : p + 1'b1;
  endfunction

  always_comb begin
    wc_wptr_d  = wc_push ? cq_inc(wc_wptr_q) : wc_wptr_q;
    wc_rptr_d  = wc_pop  ? cq_inc(wc_rptr_q) : wc_rptr_q;
    wc_cnt_d   = wc_cnt_q + CqCntW'(wc_push) - CqCntW'(wc_pop);
    wb_wptr_d  = wb_push ? wb_inc(wb_wptr_q) : wb_wptr_q;
    wb_rptr_d  = wb_pop  ? wb_inc(wb_rptr_q) : wb_rptr_q;
    wb_cnt_d   = wb_cnt_q + WbCntW'(wb_push) - WbCntW'(wb_pop);
    oq_wptr_d  = aw_fire ? oq_inc(oq_wptr_q) : oq_wptr_q;
    oq_rptr_d  = b_fire  ? oq_inc(oq_rptr_q) : oq_rptr_q;
    eq_wptr_d  = eq_push  ? cq_inc(eq_wptr_q) : eq_wptr_q;
    eq_rptr_d  = sts_fire ? cq_inc(eq_rptr_q) : eq_rptr_q;
    eq_cnt_d   = eq_cnt_q + CqCntW'(eq_push) - CqCntW'(sts_fire);
    inflight_d = inflight_q + CqCntW'(cmd_fire) - CqCntW'(sts_fire);
    outst_d    = outst_q + OutW'(aw_fire) - OutW'(b_fire);
    aborting_d = abort_i || (aborting_q && busy_o);
  end

  always_ff @(posedge clk_i) begin
    if (wc_push) begin
      wc_mem[wc_wptr_q] <= wc_wdata;
    end
    if (wb_push) begin
      wb_mem[wb_wptr_q] <= wb_wdata;
    end
    if (aw_fire) begin
      oq_mem[oq_wptr_q] <= cur_va_q;
    end
    if (eq_push) begin
      eq_mem[eq_wptr_q] <= eq_wdata;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aborting_q  <= 1'b0;
      skip_q      <= 1'b0;
      is_state_q  <= IsIdle;
      cur_va_q    <= '0;
      rem_q       <= '0;
      issued_q    <= '0;
      ibeats_q    <= '0;
      inbeats_q   <= '0;
      eoc_sent_q  <= 1'b0;
      err_q       <= ErrNone;
      err_va_q    <= '0;
      err_flags_q <= '0;
      aw_pend_q   <= 1'b0;
      outst_q     <= '0;
      wc_wptr_q   <= '0;
      wc_rptr_q   <= '0;
      wc_cnt_q    <= '0;
      wb_wptr_q   <= '0;
      wb_rptr_q   <= '0;
      wb_cnt_q    <= '0;
      oq_wptr_q   <= '0;
      oq_rptr_q   <= '0;
      eq_wptr_q   <= '0;
      eq_rptr_q   <= '0;
      eq_cnt_q    <= '0;
      inflight_q  <= '0;
      jw_q        <= '0;
      kin_q       <= '0;
      bw_q        <= '0;
      prev_q      <= '0;
      w_vld_q     <= 1'b0;
      w_q         <= '0;
      w_bytes_q   <= '0;
      bcnt_q      <= '0;
      bs_err_q    <= 1'b0;
      bs_err_va_q <= '0;
    end else begin
      aborting_q  <= aborting_d;
      skip_q      <= skip_d;
      is_state_q  <= is_state_d;
      cur_va_q    <= cur_va_d;
      rem_q       <= rem_d;
      issued_q    <= issued_d;
      ibeats_q    <= ibeats_d;
      inbeats_q   <= inbeats_d;
      eoc_sent_q  <= eoc_sent_d;
      err_q       <= err_d;
      err_va_q    <= err_va_d;
      err_flags_q <= err_flags_d;
      aw_pend_q   <= aw_pend_d;
      outst_q     <= outst_d;
      wc_wptr_q   <= wc_wptr_d;
      wc_rptr_q   <= wc_rptr_d;
      wc_cnt_q    <= wc_cnt_d;
      wb_wptr_q   <= wb_wptr_d;
      wb_rptr_q   <= wb_rptr_d;
      wb_cnt_q    <= wb_cnt_d;
      oq_wptr_q   <= oq_wptr_d;
      oq_rptr_q   <= oq_rptr_d;
      eq_wptr_q   <= eq_wptr_d;
      eq_rptr_q   <= eq_rptr_d;
      eq_cnt_q    <= eq_cnt_d;
      inflight_q  <= inflight_d;
      jw_q        <= jw_d;
      kin_q       <= kin_d;
      bw_q        <= bw_d;
      prev_q      <= prev_d;
      w_vld_q     <= w_vld_d;
      w_q         <= w_d;
      w_bytes_q   <= w_bytes_d;
      bcnt_q      <= bcnt_d;
      bs_err_q    <= bs_err_d;
      bs_err_va_q <= bs_err_va_d;
    end
  end

  assign busy_o       = (inflight_q != '0) || (wc_cnt_q != '0) || w_vld_q;
  assign perf_beat_o  = w_vld_q && axi_rsp_i.w_ready;
  assign perf_bytes_o = perf_beat_o ? w_bytes_q : 7'd0;

  // Fields of the shared port types this engine does not use.
  logic unused_rsp;
  assign unused_rsp = ^{axi_rsp_i.ar_ready, axi_rsp_i.r, axi_rsp_i.r_valid,
                        axi_rsp_i.b.id, axi_rsp_i.b.resp[0]};

`ifndef SYNTHESIS
  // Yosys 0.23 parses clocked properties only with -formal; Verilator
  // (benches are built with --assert) checks them.
  initial begin
    assert (CmdQueue >= 2 && MaxOutstanding >= 2 && LenWidth >= 13);
    assert (DataWidth == 512);
  end
  b_id: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.b_valid |-> (axi_rsp_i.b.id == Id));
  b_expected: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_rsp_i.b_valid |-> (outst_q != '0));
  aw_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.aw_valid && !axi_rsp_i.aw_ready) |=> (axi_req_o.aw_valid && $stable(axi_req_o.aw)));
  w_stable: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (axi_req_o.w_valid && !axi_rsp_i.w_ready) |=> (axi_req_o.w_valid && $stable(axi_req_o.w)));
  aw_no_4k_cross: assert property (@(posedge clk_i) disable iff (!rst_ni)
    axi_req_o.aw_valid |-> ({1'b0, axi_req_o.aw.addr[11:6]} + {1'b0, axi_req_o.aw.len[5:0]} < 7'd64
                            && axi_req_o.aw.len < 8'd64));
  wb_has_cmd: assert property (@(posedge clk_i) disable iff (!rst_ni)
    wb_vld |-> wc_vld);
  queues_bounded: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (eq_cnt_q <= inflight_q) && (inflight_q <= CqCntW'(CmdQueue)) &&
    (wc_cnt_q <= CqCntW'(CmdQueue)) && (wb_cnt_q <= WbCntW'(WbDepth)));
  // A command's last W beat is its last bus beat.
  eoc_at_end: assert property (@(posedge clk_i) disable iff (!rst_ni)
    (beat_go && wlast && wb.eoc) |-> lastbeat);
`endif

endmodule
