// SPDX-License-Identifier: Apache-2.0
//
// Fixed delay line of the systolic array's skew and de-skew paths: q_o is
// d_i delayed by Depth cycles (Depth = 0: a wire). Reset = 1 clears the
// stages (for valid and marker bits); data lines have no reset, which lets
// FPGA synthesis map them to shift-register LUTs (SRL16E).
module circe_array_delay #(
  parameter int unsigned Width = 1,
  parameter int unsigned Depth = 1,
  parameter bit          Reset = 1'b0
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic [Width-1:0] d_i,
  output logic [Width-1:0] q_o
);

  if (Depth == 0) begin : g_wire
    assign q_o = d_i;

    logic unused_clk_rst;
    assign unused_clk_rst = clk_i ^ rst_ni;
  end else begin : g_delay
    // One generate block per stage: separate registers, which a simulator
    // copies as plain words (an unpacked array would go through per-element
    // delayed-assignment temporaries, a packed one through wide shifts).
    for (genvar s = 0; s < Depth; s++) begin : g_stage
      logic [Width-1:0] stage_d, stage_q;

      if (s == 0) begin : g_in
        assign stage_d = d_i;
      end else begin : g_chain
        assign stage_d = g_stage[s-1].stage_q;
      end

      if (Reset) begin : g_reset
        always_ff @(posedge clk_i or negedge rst_ni) begin
          if (!rst_ni) begin
            stage_q <= '0;
          end else begin
            stage_q <= stage_d;
          end
        end
      end else begin : g_no_reset
        always_ff @(posedge clk_i) begin
          stage_q <= stage_d;
        end
      end
    end

    assign q_o = g_stage[Depth-1].stage_q;

    if (!Reset) begin : g_unused_rst
      logic unused_rst;
      assign unused_rst = rst_ni;
    end
  end

endmodule
