// SPDX-License-Identifier: Apache-2.0
//
// AXI4 slave memory model: see axi_mem.h for what it models and the calling
// protocol.
#include "sim/vsim/axi_mem.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace circe
{
namespace vsim
{

namespace
{

constexpr unsigned kMaxPrintedViolations = 10;
constexpr uint8_t kBurstIncr = 1;

unsigned log2u(unsigned v)
{
	unsigned l = 0;
	while ((1u << l) < v)
		l++;
	return l;
}

} // namespace

AxiMem::AxiMem(const AxiMemConfig &cfg, const AxiPort &port, AxiResolveFn resolve, void *ctx)
    : cfg_(cfg), port_(port), resolve_(resolve), ctx_(ctx), rng_(cfg.seed)
{
	if (!resolve_)
		throw std::invalid_argument("axi_mem: resolve callback is null");
	if (cfg.data_bytes != 16 && cfg.data_bytes != 32 && cfg.data_bytes != 64)
		throw std::invalid_argument("axi_mem: data_bytes must be 16, 32 or 64");
	words_ = cfg.data_bytes / 4;
	r_data_.assign(words_, 0);
	w_prev_.data.assign(words_, 0);
}

void AxiMem::set_config(const AxiMemConfig &cfg)
{
	if (cfg.data_bytes != cfg_.data_bytes)
		throw std::invalid_argument("axi_mem: data_bytes cannot change");
	cfg_ = cfg;
}

void AxiMem::clear_stats()
{
	uint64_t v = stats_.violations;
	stats_ = AxiMemStats();
	stats_.violations = v; // violations stay counted for the model's life
}

void AxiMem::add_error_range(uint64_t lo, uint64_t hi, AxiResp resp, unsigned dirs)
{
	err_ranges_.push_back(ErrRange{ lo, hi, resp, dirs });
}

void AxiMem::add_latency_range(uint64_t lo, uint64_t hi, unsigned extra_cycles)
{
	lat_ranges_.push_back(LatRange{ lo, hi, extra_cycles });
}

void AxiMem::clear_injections()
{
	err_ranges_.clear();
	lat_ranges_.clear();
}

bool AxiMem::idle() const
{
	return reads_.empty() && aws_.empty() && wq_.empty() && bq_.empty();
}

void AxiMem::reset()
{
	reads_.clear();
	aws_.clear();
	wq_.clear();
	bq_.clear();
	r_present_ = b_present_ = false;
	r_in_burst_ = false;
	rd_tokens_ = wr_tokens_ = 0;
	rd_outstanding_ = wr_outstanding_ = 0;
	arready_ = awready_ = wready_ = false;
	ar_prev_ = AxSnap{};
	aw_prev_ = AxSnap{};
	w_prev_valid_ = false;
	*port_.arready = 0;
	*port_.awready = 0;
	*port_.wready = 0;
	*port_.rvalid = 0;
	*port_.bvalid = 0;
}

bool AxiMem::chance(unsigned pct)
{
	return pct && (rng_() % 100) < pct;
}

void AxiMem::violation(const std::string &what)
{
	stats_.violations++;
	if (first_violation_.empty())
		first_violation_ = what;
	if (stats_.violations <= kMaxPrintedViolations)
		fprintf(stderr, "axi_mem: cycle %" PRIu64 ": %s\n", now_, what.c_str());
}

void AxiMem::check_ax(const char *ch, uint8_t id, uint64_t addr, uint8_t len, uint8_t size,
		      uint8_t burst)
{
	char msg[160];

	if (burst != kBurstIncr) {
		snprintf(msg, sizeof msg, "%s id %u: burst type %u (only INCR is modelled)", ch, id,
			 burst);
		violation(msg);
	}
	if ((1u << size) > cfg_.data_bytes) {
		snprintf(msg, sizeof msg, "%s id %u: size %u wider than the bus", ch, id, size);
		violation(msg);
	}
	unsigned sz = std::min<unsigned>(size, log2u(cfg_.data_bytes));
	uint64_t nb = 1ull << sz;
	uint64_t last = (addr & ~(nb - 1)) + (uint64_t(len) + 1) * nb - 1;
	if ((addr >> 12) != (last >> 12)) {
		snprintf(msg, sizeof msg,
			 "%s id %u: burst crosses a 4 KiB boundary: addr 0x%" PRIx64
			 " len %u size %u",
			 ch, id, addr, len, size);
		violation(msg);
	}
}

uint64_t AxiMem::extra_latency(uint64_t addr)
{
	uint64_t extra = 0;
	for (const LatRange &r : lat_ranges_)
		if (addr >= r.lo && addr < r.hi)
			extra += r.extra;
	if (cfg_.latency_jitter)
		extra += rng_() % (uint64_t(cfg_.latency_jitter) + 1);
	return extra;
}

// Address range of beat `beat` of an INCR burst (AXI A3.4.1): the first
// beat runs from the start address to the end of its size-aligned
// container, the others are size-aligned. Then the response of that range.
uint8_t AxiMem::beat_access(uint64_t addr, unsigned size, unsigned beat, bool write, uint64_t *lo,
			    uint64_t *hi, uint8_t **host)
{
	uint64_t nb = 1ull << size;
	uint64_t a = beat == 0 ? addr : (addr & ~(nb - 1)) + uint64_t(beat) * nb;
	void *h = nullptr;

	*lo = a;
	*hi = (a & ~(nb - 1)) + nb;
	*host = nullptr;
	for (const ErrRange &r : err_ranges_)
		if ((r.dirs & (write ? kAxiWrite : kAxiRead)) && *lo < r.hi && r.lo < *hi)
			return r.resp;
	if (resolve_(ctx_, *lo, size_t(*hi - *lo), &h) != 0 || !h)
		return kAxiDecErr;
	*host = static_cast<uint8_t *>(h);
	return kAxiOkay;
}

// The next R beat to offer: a ready burst that is the oldest of its ID (AXI
// keeps one ID's read data in order), continuing a part-sent burst unless
// reads interleave.
bool AxiMem::pick_read()
{
	size_t idx = reads_.size();

	if (r_in_burst_ && !cfg_.interleave_reads) {
		for (size_t i = 0; i < reads_.size(); i++)
			if (reads_[i].id == r_burst_id_) {
				idx = i;
				break;
			}
	} else {
		std::vector<size_t> ready;
		bool seen[256] = {};
		for (size_t i = 0; i < reads_.size(); i++) {
			const ReadBurst &b = reads_[i];
			if (seen[b.id])
				continue;
			seen[b.id] = true;
			if (b.ready <= now_)
				ready.push_back(i);
		}
		if (ready.empty())
			return false;
		idx = cfg_.reorder_ids ? ready[rng_() % ready.size()] : ready[0];
	}
	if (idx == reads_.size())
		return false;

	ReadBurst &b = reads_[idx];
	uint64_t lo, hi;
	uint8_t *host;
	r_resp_ = beat_access(b.addr, b.size, b.sent, false, &lo, &hi, &host);
	std::fill(r_data_.begin(), r_data_.end(), 0u);
	if (r_resp_ == kAxiOkay) {
		uint8_t *lanes = reinterpret_cast<uint8_t *>(r_data_.data());
		memcpy(lanes + (lo & (cfg_.data_bytes - 1)), host, size_t(hi - lo));
	}
	r_idx_ = idx;
	r_id_ = b.id;
	r_last_ = b.sent + 1 == b.beats;
	r_bytes_ = unsigned(hi - lo);
	return true;
}

// The next B to offer: a ready burst that is the oldest of its ID.
bool AxiMem::pick_b()
{
	std::vector<size_t> ready;
	bool seen[256] = {};

	for (size_t i = 0; i < bq_.size(); i++) {
		const WriteBurst &b = bq_[i];
		if (seen[b.id])
			continue;
		seen[b.id] = true;
		if (b.ready <= now_)
			ready.push_back(i);
	}
	if (ready.empty())
		return false;
	b_idx_ = cfg_.reorder_ids ? ready[rng_() % ready.size()] : ready[0];
	return true;
}

void AxiMem::drive()
{
	int64_t &wtok = cfg_.shared_bandwidth ? rd_tokens_ : wr_tokens_;
	unsigned out = outstanding();
	bool stall_ar = chance(cfg_.ready_stall_pct);
	bool stall_aw = chance(cfg_.ready_stall_pct);
	bool stall_w = chance(cfg_.ready_stall_pct);

	// AR and AW share the outstanding limit; with room for one only, they
	// take turns.
	arready_ = awready_ = false;
	if (out + 1 < cfg_.max_outstanding) {
		arready_ = !stall_ar;
		awready_ = !stall_aw;
	} else if (out < cfg_.max_outstanding) {
		if (ax_prio_write_)
			awready_ = !stall_aw;
		else
			arready_ = !stall_ar;
		ax_prio_write_ = !ax_prio_write_;
	}
	wready_ = !stall_w && wq_.size() < cfg_.w_buffer_beats && wtok >= int64_t(cfg_.data_bytes);

	if (!r_present_) {
		gap_r_ = chance(cfg_.valid_gap_pct);
		if (!gap_r_ && rd_tokens_ >= int64_t(cfg_.data_bytes) && pick_read()) {
			r_present_ = true;
			rd_tokens_ -= cfg_.data_bytes;
		}
	}
	if (!b_present_) {
		gap_b_ = chance(cfg_.valid_gap_pct);
		if (!gap_b_ && pick_b())
			b_present_ = true;
	}

	*port_.arready = arready_;
	*port_.awready = awready_;
	*port_.wready = wready_;

	*port_.rvalid = r_present_;
	if (r_present_) {
		*port_.rid = r_id_;
		*port_.rresp = r_resp_;
		*port_.rlast = r_last_;
		memcpy(port_.rdata, r_data_.data(), cfg_.data_bytes);
	} else {
		*port_.rlast = 0;
	}

	*port_.bvalid = b_present_;
	if (b_present_) {
		*port_.bid = bq_[b_idx_].id;
		*port_.bresp = bq_[b_idx_].resp;
	}
}

// W beats meet their AW in order; a burst whose last beat is in waits for
// its B.
void AxiMem::apply_w()
{
	const unsigned dw = cfg_.data_bytes;

	while (!wq_.empty() && !aws_.empty()) {
		WriteBurst &b = aws_.front();
		WBeat &w = wq_.front();
		uint64_t lo, hi;
		uint8_t *host;
		uint8_t resp = beat_access(b.addr, b.size, b.got, true, &lo, &hi, &host);
		unsigned lane0 = unsigned(lo & (dw - 1));
		unsigned n = unsigned(hi - lo);
		uint64_t lanes = (n >= 64 ? ~0ull : ((1ull << n) - 1)) << lane0;
		bool last = b.got + 1 == b.beats;
		char msg[160];

		if (dw < 64)
			lanes &= (1ull << dw) - 1;
		if (w.strb & ~lanes) {
			snprintf(msg, sizeof msg,
				 "W id %u beat %u: strobes 0x%016" PRIx64
				 " outside the beat's lanes 0x%016" PRIx64,
				 b.id, b.got, w.strb, lanes);
			violation(msg);
		}
		if (w.last != last) {
			snprintf(msg, sizeof msg, "W id %u beat %u of %u: wlast %u", b.id, b.got,
				 b.beats, unsigned(w.last));
			violation(msg);
		}
		if (resp == kAxiOkay) {
			const uint8_t *src = reinterpret_cast<const uint8_t *>(w.data.data());
			for (unsigned i = 0; i < n; i++)
				if ((w.strb >> (lane0 + i)) & 1) {
					host[i] = src[lane0 + i];
					stats_.wr_bytes++;
				}
		} else if (b.resp == kAxiOkay) {
			b.resp = resp;
		}
		b.got++;
		wq_.pop_front();
		if (last) {
			b.ready = std::max(b.ready, now_ + 1);
			if (b.resp != kAxiOkay)
				stats_.wr_errors++;
			bq_.push_back(b);
			aws_.pop_front();
		}
	}
}

void AxiMem::sample()
{
	int64_t &wtok = cfg_.shared_bandwidth ? rd_tokens_ : wr_tokens_;
	const unsigned maxsz = log2u(cfg_.data_bytes);

	// AR
	{
		AxSnap s{ *port_.arvalid != 0, *port_.arid,    *port_.arlen,
			  *port_.arsize,       *port_.arburst, *port_.araddr };
		if (ar_prev_.valid &&
		    (!s.valid || s.id != ar_prev_.id || s.addr != ar_prev_.addr ||
		     s.len != ar_prev_.len || s.size != ar_prev_.size || s.burst != ar_prev_.burst))
			violation("AR dropped or changed while waiting for arready");
		if (s.valid && arready_) {
			check_ax("AR", s.id, s.addr, s.len, s.size, s.burst);
			ReadBurst b{};
			b.id = s.id;
			b.addr = s.addr;
			b.beats = unsigned(s.len) + 1;
			b.size = std::min<unsigned>(s.size, maxsz);
			b.ready = now_ + cfg_.read_latency + extra_latency(s.addr);
			b.resp = kAxiOkay;
			reads_.push_back(b);
			rd_outstanding_++;
			stats_.rd_bursts++;
		}
		ar_prev_ = s;
		ar_prev_.valid = s.valid && !arready_;
	}

	// AW
	{
		AxSnap s{ *port_.awvalid != 0, *port_.awid,    *port_.awlen,
			  *port_.awsize,       *port_.awburst, *port_.awaddr };
		if (aw_prev_.valid &&
		    (!s.valid || s.id != aw_prev_.id || s.addr != aw_prev_.addr ||
		     s.len != aw_prev_.len || s.size != aw_prev_.size || s.burst != aw_prev_.burst))
			violation("AW dropped or changed while waiting for awready");
		if (s.valid && awready_) {
			check_ax("AW", s.id, s.addr, s.len, s.size, s.burst);
			WriteBurst b{};
			b.id = s.id;
			b.addr = s.addr;
			b.beats = unsigned(s.len) + 1;
			b.size = std::min<unsigned>(s.size, maxsz);
			b.ready = now_ + cfg_.write_latency + extra_latency(s.addr);
			b.resp = kAxiOkay;
			aws_.push_back(b);
			wr_outstanding_++;
			stats_.wr_bursts++;
		}
		aw_prev_ = s;
		aw_prev_.valid = s.valid && !awready_;
	}

	// W
	{
		bool v = *port_.wvalid != 0;
		if (w_prev_valid_ &&
		    (!v || *port_.wstrb != w_prev_.strb || (*port_.wlast != 0) != w_prev_.last ||
		     memcmp(port_.wdata, w_prev_.data.data(), cfg_.data_bytes) != 0))
			violation("W dropped or changed while waiting for wready");
		if (v && wready_) {
			WBeat w;
			w.data.assign(port_.wdata, port_.wdata + words_);
			w.strb = *port_.wstrb;
			w.last = *port_.wlast != 0;
			wq_.push_back(std::move(w));
			wtok -= cfg_.data_bytes;
			stats_.wr_beats++;
		}
		w_prev_valid_ = v && !wready_;
		if (w_prev_valid_) {
			w_prev_.data.assign(port_.wdata, port_.wdata + words_);
			w_prev_.strb = *port_.wstrb;
			w_prev_.last = *port_.wlast != 0;
		}
	}

	// R
	if (r_present_ && *port_.rready) {
		ReadBurst &b = reads_[r_idx_];
		b.sent++;
		stats_.rd_beats++;
		stats_.rd_bytes += r_bytes_;
		if (r_resp_ != kAxiOkay && b.resp == kAxiOkay)
			b.resp = r_resp_;
		if (b.sent == b.beats) {
			if (b.resp != kAxiOkay)
				stats_.rd_errors++;
			reads_.erase(reads_.begin() + std::ptrdiff_t(r_idx_));
			rd_outstanding_--;
			r_in_burst_ = false;
		} else {
			r_in_burst_ = true;
			r_burst_id_ = b.id;
		}
		r_present_ = false;
	}

	// B
	if (b_present_ && *port_.bready) {
		bq_.erase(bq_.begin() + std::ptrdiff_t(b_idx_));
		wr_outstanding_--;
		b_present_ = false;
	}

	apply_w();

	stats_.max_rd_outstanding_seen = std::max(stats_.max_rd_outstanding_seen, rd_outstanding_);
	stats_.max_wr_outstanding_seen = std::max(stats_.max_wr_outstanding_seen, wr_outstanding_);
	stats_.max_outstanding_seen = std::max(stats_.max_outstanding_seen, outstanding());

	// One cycle of bandwidth.
	now_++;
	stats_.cycles++;
	int64_t cap_r = 2 * int64_t(std::max(cfg_.data_bytes, cfg_.read_bytes_per_cycle));
	rd_tokens_ = std::min(cap_r, rd_tokens_ + int64_t(cfg_.read_bytes_per_cycle));
	if (!cfg_.shared_bandwidth) {
		int64_t cap_w = 2 * int64_t(std::max(cfg_.data_bytes, cfg_.write_bytes_per_cycle));
		wr_tokens_ = std::min(cap_w, wr_tokens_ + int64_t(cfg_.write_bytes_per_cycle));
	}
}

} // namespace vsim
} // namespace circe
