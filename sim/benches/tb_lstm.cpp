// SPDX-License-Identifier: Apache-2.0
//
// Bench of circe_lstm_unit: Lanes hidden units per cycle against the C
// kernel circe_hls_lstm (libcirce.a), each lane one unit of a one-unit
// descriptor with the cycle's h_zp and h_rq. Stimulus: random gate
// pre-activations and cells over the whole int16 range, values around the
// table ends and the saturation points (gx + gh past +-32768, |x| = 32767,
// -32768, multiples of the 1/32 grid, the cell at +-2^15), NO_GH, random
// requantization (legal entries); a fixed-latency pipe fed every cycle and
// with gaps. $CIRCE_SEED overrides the fixed seed.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
// cmocka 1.1 has no C++ linkage guards of its own.
extern "C" {
#include <cmocka.h>
}

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>

#include <verilated.h>

#include "Vcirce_lstm_unit.h"
#include "hw/hls/circe_hls.h"

#ifndef CIRCE_TB_LANES
#error "build with -CFLAGS -DCIRCE_TB_LANES=<Lanes of the model>"
#endif

extern "C" int circe_quantize_multiplier(double real, int32_t *m0, int32_t *shift);

namespace
{

constexpr unsigned kLanes = CIRCE_TB_LANES;
constexpr unsigned kLatency = 9; // valid_i to valid_o
constexpr uint64_t kFixedSeed = 0x15745eed;

struct Vec {
	int16_t gx[kLanes][4], gh[kLanes][4], c[kLanes];
	bool no_gh;
	int32_t h_zp, m0, shift;
};

struct Out {
	int16_t c[kLanes];
	int8_t h[kLanes];
};

uint64_t g_seed;

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vcirce_lstm_unit> top;
	std::mt19937_64 rng;
	std::deque<Out> want; // expected outputs in order
	std::deque<uint64_t> due;
	uint64_t cycle = 0, checked = 0;
	unsigned failures = 0;
	int32_t h_zp = 0, m0 = 1 << 30, shift = -20;

	Bench() : ctx(new VerilatedContext), rng(g_seed)
	{
		ctx->fatalOnError(false);
		top.reset(new Vcirce_lstm_unit{ ctx.get(), "tb_lstm" });
		top->clk_i = 0;
		top->rst_ni = 0;
		top->valid_i = 0;
		top->eval();
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->rst_ni = 1;
		top->eval();
	}

	~Bench()
	{
		top->final();
	}

	static void put16(uint32_t *w, unsigned idx, int16_t v)
	{
		unsigned bit = idx * 16;
		w[bit / 32] = (w[bit / 32] & ~(0xFFFFu << (bit % 32))) |
			      (uint32_t(uint16_t(v)) << (bit % 32));
	}

	static int16_t get16(const uint32_t *w, unsigned idx)
	{
		unsigned bit = idx * 16;
		return int16_t(uint16_t(w[bit / 32] >> (bit % 32)));
	}

	static int8_t get8(const uint32_t *w, unsigned idx)
	{
		unsigned bit = idx * 8;
		return int8_t(uint8_t(w[bit / 32] >> (bit % 32)));
	}

	Out reference(const Vec &v)
	{
		Out o;
		for (unsigned l = 0; l < kLanes; l++) {
			struct circe_hw_desc_lstm d;
			memset(&d, 0, sizeof(d));
			d.opcode = CIRCE_HW_OP_LSTM;
			d.flags = v.no_gh ? CIRCE_HW_LSTM_NO_GH : 0;
			d.hidden = 1;
			d.h_zp = v.h_zp;
			d.h_rq.m0 = v.m0;
			d.h_rq.shift = v.shift;
			int16_t gx[4], gh[4], c = v.c[l], cn = 0;
			int8_t h = 0;
			for (unsigned g = 0; g < 4; g++) {
				gx[g] = v.gx[l][g];
				gh[g] = v.gh[l][g];
			}
			if (circe_hls_lstm_check(&d) != 0)
				fail_msg("bench bug: illegal descriptor");
			circe_hls_lstm(&d, gx, gh, &c, &cn, &h);
			o.c[l] = cn;
			o.h[l] = h;
		}
		return o;
	}

	// One cycle: drive v (or nothing), check an output that is due.
	void step(const Vec *v)
	{
		if (v) {
			uint32_t *gx = top->gx_i.data(), *gh = top->gh_i.data();
			for (unsigned l = 0; l < kLanes; l++) {
				for (unsigned g = 0; g < 4; g++) {
					put16(gx, l * 4 + g, v->gx[l][g]);
					put16(gh, l * 4 + g, v->gh[l][g]);
				}
			}
			uint64_t cw = 0;
			for (unsigned l = 0; l < kLanes; l++)
				cw |= uint64_t(uint16_t(v->c[l])) << (16 * l);
			top->c_i = cw;
			top->no_gh_i = v->no_gh;
			top->h_zp_i = uint32_t(v->h_zp);
			top->m0_i = uint32_t(v->m0);
			top->shift_i = uint32_t(v->shift);
			want.push_back(reference(*v));
			due.push_back(cycle + kLatency);
		}
		top->valid_i = v != nullptr;
		top->eval();
		if (top->valid_o) {
			if (due.empty() || due.front() != cycle) {
				if (failures++ < 10)
					fprintf(stderr, "tb_lstm: cycle %" PRIu64 ": unexpected valid_o\n", cycle);
			} else {
				const Out &o = want.front();
				uint64_t cw = top->c_o;
				uint32_t hw = top->h_o;
				for (unsigned l = 0; l < kLanes; l++) {
					int16_t c = int16_t(uint16_t(cw >> (16 * l)));
					int8_t h = int8_t(uint8_t(hw >> (8 * l)));
					if ((c != o.c[l] || h != o.h[l]) && failures++ < 10)
						fprintf(stderr,
							"tb_lstm: cycle %" PRIu64 " lane %u: c %d h %d, want c %d h %d\n",
							cycle, l, c, h, o.c[l], o.h[l]);
				}
				checked++;
				want.pop_front();
				due.pop_front();
			}
		} else if (!due.empty() && due.front() == cycle && failures++ < 10) {
			fprintf(stderr, "tb_lstm: cycle %" PRIu64 ": valid_o missing\n", cycle);
		}
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->eval();
		cycle++;
		if (ctx->gotError()) {
			failures++;
			ctx->gotError(false);
		}
	}

	void drain()
	{
		for (unsigned i = 0; i < kLatency + 2; i++)
			step(nullptr);
	}

	int16_t edge16()
	{
		static const int16_t e[] = { 0,	    1,	    -1,	   32767, -32768, 32766, -32767,
					     4096,  -4096,  128,   -128,  127,	  -127,	  129,
					     -129,  16384,  -16384, 32640, -32640, 32639, -32641,
					     2048,  -2048,  8191,  -8192, 24576, -24576 };
		if (rng() % 3)
			return e[rng() % (sizeof(e) / sizeof(e[0]))];
		return int16_t(int32_t(rng() % 65536) - 32768);
	}

	Vec random_vec(bool extreme)
	{
		Vec v;
		for (unsigned l = 0; l < kLanes; l++) {
			for (unsigned g = 0; g < 4; g++) {
				v.gx[l][g] = extreme ? edge16() : int16_t(int32_t(rng() % 65536) - 32768);
				v.gh[l][g] = extreme ? edge16() : int16_t(int32_t(rng() % 65536) - 32768);
				if (!extreme && rng() % 2) { // the useful range: |x| < 8
					v.gx[l][g] = int16_t(int32_t(rng() % 32768) - 16384);
					v.gh[l][g] = int16_t(int32_t(rng() % 32768) - 16384);
				}
			}
			v.c[l] = extreme ? edge16() : int16_t(int32_t(rng() % 65536) - 32768);
		}
		v.no_gh = rng() % 4 == 0;
		v.h_zp = h_zp;
		v.m0 = m0;
		v.shift = shift;
		return v;
	}

	// New requantization parameters (the unit's are stable per descriptor:
	// change them only with the pipe empty).
	void new_params()
	{
		drain();
		h_zp = int32_t(rng() % 256) - 128;
		unsigned r = unsigned(rng() % 10);
		if (r == 0) {
			m0 = 0;
			shift = int32_t(rng() % 62) - 31;
		} else if (r == 1) {
			m0 = int32_t((1u << 30) + rng() % (1u << 30));
			shift = rng() % 2 ? -31 : 30;
		} else {
			// Q0.30 -> int8 at a scale of about 1/128 .. 1/2^30 of the product
			double real = std::ldexp(0.5 + 0.5 * double(rng() % (1u << 20)) / double(1u << 20),
						 -int(16 + rng() % 14));
			circe_quantize_multiplier(real, &m0, &shift);
		}
	}
};

void run(unsigned n, bool extreme, bool gaps)
{
	Bench b;
	for (unsigned i = 0; i < n && b.failures == 0; i++) {
		if (i % 997 == 0)
			b.new_params();
		Vec v = b.random_vec(extreme);
		b.step(&v);
		if (gaps && b.rng() % 3 == 0)
			b.step(nullptr);
	}
	b.drain();
	printf("# %s%s: %" PRIu64 " vectors of %u units checked\n", extreme ? "extreme" : "random",
	       gaps ? " with gaps" : "", b.checked, kLanes);
	assert_int_equal(b.failures, 0);
	assert_int_equal(b.checked, n);
}

void test_random(void **)
{
	run(200000, false, false);
}

void test_extreme(void **)
{
	run(200000, true, false);
}

void test_gaps(void **)
{
	run(50000, false, true);
}

// Every table interval and every fraction for one gate at a time: the
// whole Q3.12 range of each activation (all 65536 values), the cell's
// tanh over every c.
void test_sweep(void **)
{
	Bench b;
	for (int32_t x = -32768; x < 32768 && b.failures == 0; x += int32_t(kLanes)) {
		if (((x + 32768) & 4095) == 0)
			b.new_params();
		Vec v = b.random_vec(false);
		for (unsigned l = 0; l < kLanes; l++) {
			int16_t xv = int16_t(x + int32_t(l));
			for (unsigned g = 0; g < 4; g++) {
				v.gx[l][g] = xv;
				v.gh[l][g] = 0;
			}
			v.c[l] = xv;
		}
		b.step(&v);
	}
	b.drain();
	printf("# sweep: %" PRIu64 " vectors\n", b.checked);
	assert_int_equal(b.failures, 0);
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	g_seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;
	Verilated::commandArgs(argc, argv);
	printf("# seed tb_lstm = %" PRIu64 " (set CIRCE_SEED to change)\n", g_seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_extreme),
		cmocka_unit_test(test_gaps),
	};
	return cmocka_run_group_tests_name("tb_lstm", tests, NULL, NULL);
}
