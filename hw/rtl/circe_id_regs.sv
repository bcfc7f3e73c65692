// SPDX-License-Identifier: Apache-2.0
//
// Read-only ID/config registers of the s_axi_control window: what the driver
// compares against the device tree. Every offset and constant comes from the
// generated circe_pkg (include/circe/hw.h).
module circe_id_regs
#(
  parameter int unsigned ArrayRows    = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_ROWS,
  parameter int unsigned ArrayCols    = circe_pkg::CIRCE_HW_DEFAULT_ARRAY_COLS,
  parameter int unsigned TlbL1Entries = circe_pkg::CIRCE_HW_DEFAULT_TLB_L1_ENTRIES,
  parameter int unsigned TlbL2Sets    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_SETS,
  parameter int unsigned TlbL2Ways    = circe_pkg::CIRCE_HW_DEFAULT_TLB_L2_WAYS,
  parameter int unsigned NumAsids     = circe_pkg::CIRCE_HW_DEFAULT_NUM_ASIDS,
  parameter int unsigned Walkers      = circe_pkg::CIRCE_HW_DEFAULT_WALKERS,
  parameter logic [31:0] Features     = 32'h0
) (
  input  logic [11:0] addr_i,
  output logic        hit_o,
  output logic [31:0] rdata_o
);

  always_comb begin
    hit_o   = 1'b1;
    rdata_o = 32'h0;
    unique case (addr_i)
      circe_pkg::CIRCE_REG_MAGIC:     rdata_o = circe_pkg::CIRCE_HW_MAGIC;
      circe_pkg::CIRCE_REG_VERSION:   rdata_o = circe_pkg::CIRCE_HW_VERSION;
      circe_pkg::CIRCE_REG_ARRAY:     rdata_o = {16'h0, 8'(ArrayCols), 8'(ArrayRows)};
      circe_pkg::CIRCE_REG_TLB_L1:    rdata_o = 32'(TlbL1Entries);
      circe_pkg::CIRCE_REG_TLB_L2:    rdata_o = {8'h0, 8'(TlbL2Ways), 16'(TlbL2Sets)};
      circe_pkg::CIRCE_REG_NUM_ASIDS: rdata_o = 32'(NumAsids);
      circe_pkg::CIRCE_REG_FEATURES:  rdata_o = Features;
      circe_pkg::CIRCE_REG_WALKERS:   rdata_o = 32'(Walkers);
      default:             hit_o = 1'b0;
    endcase
  end

endmodule
