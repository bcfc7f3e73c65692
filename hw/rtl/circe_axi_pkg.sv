// SPDX-License-Identifier: Apache-2.0
//
// AXI4 and internal stream types of circe, typedef'd in one place (in the
// manner of pulp-platform/axi typedef.svh). Widths come from circe_pkg,
// i.e. from include/circe/hw.h.
`include "circe_hw_defs.svh"

package circe_axi_pkg;
  // Widths come in as macros (circe_hw_defs.svh, generated from hw.h): Yosys
  // 0.23 cannot use another package's parameters inside a package.

  localparam int unsigned IdWidth   = 4;
  localparam int unsigned AddrWidth = `CIRCE_HW_AXI_ADDR_BITS;
  localparam int unsigned DataWidth = `CIRCE_HW_AXI_DATA_BITS;
  localparam int unsigned StrbWidth = DataWidth / 8;

  typedef logic [IdWidth-1:0]   id_t;
  typedef logic [AddrWidth-1:0] addr_t;
  typedef logic [DataWidth-1:0] data_t;
  typedef logic [StrbWidth-1:0] strb_t;

  // AXI ID space: the top bits name the source so R/B responses route back.
  localparam id_t IdDmaRead  = 4'h0;  // 0x0-0x3: DMA read engine
  localparam id_t IdWalker   = 4'h4;  // 0x4-0x7: page-table walker
  localparam id_t IdDmaWrite = 4'h8;  // 0x8-0xB: DMA write engine
  localparam id_t IdMemEng   = 4'hC;  // 0xC-0xF: memory engine (reads and writes)

  localparam logic [1:0] RespOkay   = 2'b00;
  localparam logic [1:0] RespExOkay = 2'b01;
  localparam logic [1:0] RespSlvErr = 2'b10;
  localparam logic [1:0] RespDecErr = 2'b11;

  localparam logic [1:0] BurstIncr = 2'b01;

  typedef struct packed {
    id_t        id;
    addr_t      addr;
    logic [7:0] len;    // beats - 1
    logic [2:0] size;   // log2(bytes per beat)
    logic [1:0] burst;
  } ax_chan_t;

  typedef struct packed {
    data_t data;
    strb_t strb;
    logic  last;
  } w_chan_t;

  typedef struct packed {
    id_t        id;
    logic [1:0] resp;
  } b_chan_t;

  typedef struct packed {
    id_t        id;
    data_t      data;
    logic [1:0] resp;
    logic       last;
  } r_chan_t;

  // Master -> slave.
  typedef struct packed {
    ax_chan_t aw;
    logic     aw_valid;
    w_chan_t  w;
    logic     w_valid;
    logic     b_ready;
    ax_chan_t ar;
    logic     ar_valid;
    logic     r_ready;
  } axi_req_t;

  // Slave -> master.
  typedef struct packed {
    logic    aw_ready;
    logic    w_ready;
    b_chan_t b;
    logic    b_valid;
    logic    ar_ready;
    r_chan_t r;
    logic    r_valid;
  } axi_rsp_t;

  // ---- translation port: a DMA engine asks the MMU for one VA ----
  typedef enum logic [1:0] {
    TrOk       = 2'd0,  // iova valid for the rest of the page
    TrFault    = 2'd1,  // the host aborted the fault: end the job
    TrBusError = 2'd2   // the walker got SLVERR/DECERR
  } tr_status_e;

  // Request ID: the requester's stream; a port answers the requests of one
  // ID in order (different IDs may overtake) and echoes it in the response.
  localparam int unsigned TrIdWidth = 2;
  typedef logic [TrIdWidth-1:0] tr_id_t;

  typedef struct packed {
    tr_id_t id;
    addr_t  va;
    logic   write;
  } tr_req_t;

  typedef struct packed {
    tr_id_t     id;
    addr_t      iova;
    tr_status_e status;
    logic [31:0] fault_flags;  // CIRCE_HW_FAULT_* when status != TrOk
    logic [5:0]  page_shift;   // 12, 21 or 30: size of the translated page
  } tr_rsp_t;

  // $bits of the two (Yosys 0.23 has no $bits of a type): per-port vectors.
  localparam int unsigned TrReqWidth = TrIdWidth + AddrWidth + 1;
  localparam int unsigned TrRspWidth = TrIdWidth + AddrWidth + 2 + 32 + 6;

endpackage
