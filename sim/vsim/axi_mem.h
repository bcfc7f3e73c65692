// SPDX-License-Identifier: Apache-2.0
//
// AXI4 slave memory model for Verilator testbenches and the vsim harness.
//
// What it models:
// - memory: every beat's IOVA range is resolved through a callback to a
//   host pointer (the vsim harness plugs circe_platform_resolve from
//   svm/platform.h into it); a beat that does not resolve is answered
//   DECERR (read data zero, write dropped), as an IOMMU would;
// - latency: a read burst's first R beat comes read_latency cycles after
//   its AR handshake; a write burst's B comes write_latency cycles after
//   its AW handshake, and never before the cycle after its last W beat;
// - bandwidth: a token bucket per direction (read_bytes_per_cycle for R,
//   write_bytes_per_cycle for W), or one bucket for both directions when
//   shared_bandwidth is set (then read_bytes_per_cycle is the budget). Every
//   beat costs the full bus width (data_bytes), whatever its strobes: a
//   64-byte beat at 48 bytes/cycle gives three beats every four cycles;
// - max_outstanding: AR + AW bursts accepted and not yet completed (R last
//   or B taken), the device tree's circe,mem-max-outstanding;
// - ordering: what AXI4 allows. Read bursts of one ID return in AR order,
//   B responses of one ID in AW order; W data follows AW order (no write
//   interleaving), W beats may arrive before their AW. Bursts of different
//   IDs complete as they become ready (reorder_ids: a random ready one),
//   and with interleave_reads the R beats of different IDs interleave;
// - fault injection: SLVERR/DECERR on an IOVA range (per direction), extra
//   latency for bursts starting in an IOVA range, random latency jitter,
//   random ready/valid gaps;
// - protocol checks (counted in violations(), the first few printed to
//   stderr, the first kept in first_violation()): INCR only, size <= bus
//   width, no burst crossing a 4 KiB boundary, WLAST on the last beat only,
//   strobes only on the lanes of the beat, AR/AW/W held stable while valid
//   and not ready.
//
// Only INCR bursts are modelled (FIXED/WRAP are answered as INCR and
// counted as violations). The bus is 128..512 bits wide (Verilator
// represents such signals as arrays of 32-bit words); IDs are up to 8 bits.
//
// No globals: every instance has its own state and random generator, so
// several simulated devices can live in one process.
//
// Calling protocol. Once per clock cycle, with clk low:
//
//     mem.drive();                   // 1. set the slave outputs of this cycle
//     top->eval();                   // 2. let the DUT settle
//     mem.sample();                  // 3. record the handshakes the rising
//                                    //    edge will take; advance one cycle
//     top->clk = 1; top->eval();     // 4. rising edge
//     top->clk = 0; top->eval();     // 5. falling edge
//
// drive() only writes the slave outputs (awready, wready, bvalid/bid/bresp,
// arready, rvalid/rid/rdata/rresp/rlast) and sample() only reads signals, so
// other bench models can join in the same windows: every model's drive(),
// one eval, every model's sample(), then the edge. The outputs depend only
// on the model's state, never on this cycle's valid (a Moore slave, as AXI
// allows); a response, once valid, stays with the same payload until taken.
// Call reset() while the DUT is in reset (it drops every burst in flight
// and the outputs go low at the next drive()).
#ifndef CIRCE_SIM_VSIM_AXI_MEM_H
#define CIRCE_SIM_VSIM_AXI_MEM_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace circe
{
namespace vsim
{

// Host bytes behind [iova, iova + len): 0 and *host, or nonzero (DECERR).
// Called once per beat with the bytes that beat covers, which never cross a
// boundary of the bus width. The vsim harness plugs the platform in with
//
//     static int resolve(void *ctx, uint64_t iova, size_t len, void **host)
//     {
//             return circe_platform_resolve(static_cast<struct circe_platform *>(ctx),
//                                           iova, len, host);
//     }
//     AxiMem mem(cfg, port, resolve, plat);
typedef int (*AxiResolveFn)(void *ctx, uint64_t iova, size_t len, void **host);

enum AxiResp : uint8_t {
	kAxiOkay = 0,
	kAxiExOkay = 1,
	kAxiSlvErr = 2,
	kAxiDecErr = 3,
};

enum AxiDir : unsigned {
	kAxiRead = 1,
	kAxiWrite = 2,
	kAxiReadWrite = 3,
};

struct AxiMemConfig {
	unsigned data_bytes = 64;	     // bus width in bytes: 16, 32 or 64
	unsigned read_latency = 500;	     // cycles, AR handshake -> first R
	unsigned write_latency = 500;	     // cycles, AW handshake -> B
	unsigned read_bytes_per_cycle = 48;  // R budget (both, if shared)
	unsigned write_bytes_per_cycle = 48; // W budget
	bool shared_bandwidth = false;	     // one budget for R and W
	unsigned max_outstanding = 32;	     // AR + AW bursts in flight
	unsigned w_buffer_beats = 256;	     // W beats held before their AW
	unsigned latency_jitter = 0;	     // + uniform [0, jitter] per burst
	bool reorder_ids = false;	     // pick a random ready ID
	bool interleave_reads = false;	     // R beats of different IDs interleave
	unsigned ready_stall_pct = 0;	     // % of cycles arready/awready/wready drop
	unsigned valid_gap_pct = 0;	     // % of cycles a ready R/B waits
	uint64_t seed = 1;
};

struct AxiMemStats {
	uint64_t cycles = 0;
	uint64_t rd_bursts = 0, wr_bursts = 0; // accepted AR / AW
	uint64_t rd_beats = 0, wr_beats = 0;   // R / W handshakes
	uint64_t rd_bytes = 0;		       // bytes of the lanes each R beat carried
	uint64_t wr_bytes = 0;		       // bytes written (strobes set, OKAY)
	uint64_t rd_errors = 0, wr_errors = 0; // bursts answered SLVERR/DECERR
	unsigned max_outstanding_seen = 0;     // AR + AW
	unsigned max_rd_outstanding_seen = 0;
	unsigned max_wr_outstanding_seen = 0;
	uint64_t violations = 0;
};

// Pointers to the flat m_axi signals of a Verilator model (any top with
// them). Inputs of the DUT (written here) are non-const. Bind them with
// CIRCE_AXI_PORT_BIND below, or by hand.
struct AxiPort {
	// AW
	const uint8_t *awvalid;
	uint8_t *awready;
	const uint8_t *awid;
	const uint64_t *awaddr;
	const uint8_t *awlen;
	const uint8_t *awsize;
	const uint8_t *awburst;
	// W
	const uint8_t *wvalid;
	uint8_t *wready;
	const uint32_t *wdata; // data_bytes / 4 words, word 0 = lanes 0..3
	const uint64_t *wstrb;
	const uint8_t *wlast;
	// B
	uint8_t *bvalid;
	const uint8_t *bready;
	uint8_t *bid;
	uint8_t *bresp;
	// AR
	const uint8_t *arvalid;
	uint8_t *arready;
	const uint8_t *arid;
	const uint64_t *araddr;
	const uint8_t *arlen;
	const uint8_t *arsize;
	const uint8_t *arburst;
	// R
	uint8_t *rvalid;
	const uint8_t *rready;
	uint8_t *rid;
	uint32_t *rdata;
	uint8_t *rresp;
	uint8_t *rlast;
};

// Fills an AxiPort from a Verilator top whose ports are named
// <pfx>awvalid, <pfx>awready, ... <pfx>rlast (e.g. pfx = m_axi_).
#define CIRCE_AXI_PORT_BIND(port, top, pfx)              \
	do {                                             \
		(port).awvalid = &(top)->pfx##awvalid;   \
		(port).awready = &(top)->pfx##awready;   \
		(port).awid = &(top)->pfx##awid;         \
		(port).awaddr = &(top)->pfx##awaddr;     \
		(port).awlen = &(top)->pfx##awlen;       \
		(port).awsize = &(top)->pfx##awsize;     \
		(port).awburst = &(top)->pfx##awburst;   \
		(port).wvalid = &(top)->pfx##wvalid;     \
		(port).wready = &(top)->pfx##wready;     \
		(port).wdata = (top)->pfx##wdata.data(); \
		(port).wstrb = &(top)->pfx##wstrb;       \
		(port).wlast = &(top)->pfx##wlast;       \
		(port).bvalid = &(top)->pfx##bvalid;     \
		(port).bready = &(top)->pfx##bready;     \
		(port).bid = &(top)->pfx##bid;           \
		(port).bresp = &(top)->pfx##bresp;       \
		(port).arvalid = &(top)->pfx##arvalid;   \
		(port).arready = &(top)->pfx##arready;   \
		(port).arid = &(top)->pfx##arid;         \
		(port).araddr = &(top)->pfx##araddr;     \
		(port).arlen = &(top)->pfx##arlen;       \
		(port).arsize = &(top)->pfx##arsize;     \
		(port).arburst = &(top)->pfx##arburst;   \
		(port).rvalid = &(top)->pfx##rvalid;     \
		(port).rready = &(top)->pfx##rready;     \
		(port).rid = &(top)->pfx##rid;           \
		(port).rdata = (top)->pfx##rdata.data(); \
		(port).rresp = &(top)->pfx##rresp;       \
		(port).rlast = &(top)->pfx##rlast;       \
	} while (0)

class AxiMem
{
      public:
	// cfg.data_bytes must be 16, 32 or 64; resolve must not be null. The
	// port's pointers must stay valid for the model's life.
	AxiMem(const AxiMemConfig &cfg, const AxiPort &port, AxiResolveFn resolve, void *ctx);

	AxiMem(const AxiMem &) = delete;
	AxiMem &operator=(const AxiMem &) = delete;

	void drive();  // before the rising edge: set the slave outputs
	void sample(); // after eval, before the rising edge: take handshakes

	void reset(); // drop everything in flight (the DUT is being reset)

	// Bursts touching [lo, hi) in the given directions are answered resp
	// (kAxiSlvErr or kAxiDecErr) on every beat that overlaps the range.
	void add_error_range(uint64_t lo, uint64_t hi, AxiResp resp, unsigned dirs = kAxiReadWrite);
	// Bursts starting in [lo, hi) take extra cycles before their response.
	void add_latency_range(uint64_t lo, uint64_t hi, unsigned extra_cycles);
	void clear_injections();

	// Change latency, bandwidth, limits, jitter, gaps (takes effect for
	// bursts accepted from now on). data_bytes cannot change.
	void set_config(const AxiMemConfig &cfg);
	const AxiMemConfig &config() const
	{
		return cfg_;
	}

	const AxiMemStats &stats() const
	{
		return stats_;
	}
	void clear_stats();
	uint64_t violations() const
	{
		return stats_.violations;
	}
	const std::string &first_violation() const
	{
		return first_violation_;
	}

	// Nothing in flight: no burst accepted and unanswered, no W beat held.
	bool idle() const;
	unsigned outstanding() const
	{
		return rd_outstanding_ + wr_outstanding_;
	}
	uint64_t now() const
	{
		return now_;
	}

      private:
	struct ReadBurst {
		uint8_t id;
		uint64_t addr;
		unsigned beats; // len + 1
		unsigned size;	// log2 bytes per beat
		unsigned sent;	// beats sent
		uint64_t ready; // cycle of the first beat
		uint8_t resp;	// worst response so far (for stats)
	};
	struct WriteBurst {
		uint8_t id;
		uint64_t addr;
		unsigned beats;
		unsigned size;
		unsigned got;	// W beats applied
		uint64_t ready; // earliest cycle of B
		uint8_t resp;
	};
	struct WBeat {
		std::vector<uint32_t> data;
		uint64_t strb;
		bool last;
	};
	struct AxSnap {
		bool valid;
		uint8_t id, len, size, burst;
		uint64_t addr;
	};

	void violation(const std::string &what);
	void check_ax(const char *ch, uint8_t id, uint64_t addr, uint8_t len, uint8_t size,
		      uint8_t burst);
	uint64_t extra_latency(uint64_t addr);
	uint8_t beat_access(uint64_t addr, unsigned size, unsigned beat, bool write, uint64_t *lo,
			    uint64_t *hi, uint8_t **host);
	bool pick_read();
	bool pick_b();
	void apply_w();
	bool chance(unsigned pct);

	AxiMemConfig cfg_;
	AxiPort port_;
	AxiResolveFn resolve_;
	void *ctx_;
	std::mt19937_64 rng_;
	unsigned words_;

	struct ErrRange {
		uint64_t lo, hi;
		AxiResp resp;
		unsigned dirs;
	};
	struct LatRange {
		uint64_t lo, hi;
		unsigned extra;
	};
	std::vector<ErrRange> err_ranges_;
	std::vector<LatRange> lat_ranges_;

	uint64_t now_ = 0;
	int64_t rd_tokens_ = 0, wr_tokens_ = 0;
	unsigned rd_outstanding_ = 0, wr_outstanding_ = 0;
	bool ax_prio_write_ = false;

	// read side
	std::deque<ReadBurst> reads_; // AR order
	bool r_present_ = false;
	size_t r_idx_ = 0;	  // burst of the beat on offer (index in reads_)
	bool r_in_burst_ = false; // a burst is part sent (no interleave)
	uint8_t r_burst_id_ = 0;
	std::vector<uint32_t> r_data_;
	uint8_t r_resp_ = 0, r_id_ = 0;
	bool r_last_ = false;
	unsigned r_bytes_ = 0; // bytes of the lanes the beat carries

	// write side
	std::deque<WriteBurst> aws_; // accepted AWs still taking W beats
	std::deque<WBeat> wq_;	     // W beats not yet applied
	std::deque<WriteBurst> bq_;  // complete bursts waiting for B
	bool b_present_ = false;
	size_t b_idx_ = 0;

	// ready / valid driven this cycle
	bool arready_ = false, awready_ = false, wready_ = false;
	bool gap_r_ = false, gap_b_ = false;

	// stability checks
	AxSnap ar_prev_{}, aw_prev_{};
	bool w_prev_valid_ = false;
	WBeat w_prev_;

	AxiMemStats stats_;
	std::string first_violation_;
};

} // namespace vsim
} // namespace circe

#endif
