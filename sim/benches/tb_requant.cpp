// SPDX-License-Identifier: Apache-2.0
//
// Bench of circe_requant: Lanes requantizations per cycle against the C
// kernel (circe_hls_requantize from libcirce.a, plus the zero point and
// clamp exactly as circe_hls_gemm's store does them). Edge cases as a cross
// product, >= 1,000,000 random vectors, and a run with random valid/ready
// stalls. $CIRCE_SEED overrides the fixed seed.
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
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include <verilated.h>

#include "Vcirce_requant.h"
#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

#ifndef CIRCE_TB_LANES
#error "build with -CFLAGS -DCIRCE_TB_LANES=<Lanes of the model>"
#endif

namespace {

constexpr unsigned kLanes = CIRCE_TB_LANES;
constexpr unsigned kLatency = 5; // circe_requant's Latency localparam
constexpr uint64_t kFixedSeed = 0x5eed0001;
constexpr uint64_t kRandomCycles = 1000000; // vectors of kLanes values each

static_assert(kLanes * 32 > 64, "the bench drives the lane ports as VlWide");

struct ReqVec {
	int32_t acc[kLanes];
	int32_t m0[kLanes];
	int32_t shift[kLanes];
	int32_t out_zp, clamp_min, clamp_max;
};

struct ReqOut {
	int32_t y[kLanes];
};

// The reference: circe_hls_gemm's store for one element.
int32_t ref_requant(int32_t acc, int32_t m0, int32_t shift, int32_t zp, int32_t lo, int32_t hi)
{
	int32_t v = circe_hls_requantize(acc, m0, shift);

	v = circe_hls_add32(zp, v);
	return circe_hls_clamp32(v, lo, hi);
}

ReqOut ref_vec(const ReqVec &in)
{
	ReqOut o;

	for (unsigned l = 0; l < kLanes; l++)
		o.y[l] = ref_requant(in.acc[l], in.m0[l], in.shift[l], in.out_zp, in.clamp_min,
				     in.clamp_max);
	return o;
}

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vcirce_requant> top;
	std::mt19937_64 rng;
	uint64_t cycles = 0;
	uint64_t checked = 0; // lane results compared

	explicit Bench(uint64_t seed) : ctx(new VerilatedContext), rng(seed)
	{
		top.reset(new Vcirce_requant{ctx.get(), "tb_requant"});
		top->clk_i = 0;
		top->rst_ni = 0;
		top->valid_i = 0;
		top->ready_i = 1;
		top->eval();
		for (int i = 0; i < 3; i++)
			tick();
		top->rst_ni = 1;
		top->eval();
	}

	~Bench()
	{
		top->final();
	}

	void tick()
	{
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->eval();
		cycles++;
	}

	void drive(const ReqVec &v)
	{
		for (unsigned l = 0; l < kLanes; l++) {
			top->acc_i[l] = (uint32_t)v.acc[l];
			top->m0_i[l] = (uint32_t)v.m0[l];
			top->shift_i[l] = (uint32_t)v.shift[l];
		}
		top->out_zp_i = (uint32_t)v.out_zp;
		top->clamp_min_i = (uint32_t)v.clamp_min;
		top->clamp_max_i = (uint32_t)v.clamp_max;
	}

	// Compares the output stage with the expected vector; false on mismatch.
	bool check_out(const ReqVec &in, const ReqOut &exp)
	{
		for (unsigned l = 0; l < kLanes; l++) {
			int32_t got = (int32_t)top->y_o[l];

			checked++;
			if (got != exp.y[l]) {
				print_error("cycle %" PRIu64 " lane %u: acc %" PRId32 " m0 %" PRId32
					    " shift %" PRId32 " zp %" PRId32 " clamp [%" PRId32
					    ", %" PRId32 "]: rtl %" PRId32 " ref %" PRId32 "\n",
					    cycles, l, in.acc[l], in.m0[l], in.shift[l], in.out_zp,
					    in.clamp_min, in.clamp_max, got, exp.y[l]);
				return false;
			}
		}
		return true;
	}

	// Streams vecs through the unit. p_valid / p_ready: probability of
	// valid_i / ready_i each cycle (1.0: one vector per cycle, no stall).
	// Returns the number of mismatching vectors.
	unsigned run(const std::vector<ReqVec> &vecs, double p_valid, double p_ready)
	{
		std::bernoulli_distribution want_valid(p_valid), want_ready(p_ready);
		std::deque<size_t> in_flight;
		size_t next = 0;
		unsigned errors = 0;
		uint64_t start = cycles, idle = 0;

		while (next < vecs.size() || !in_flight.empty()) {
			bool v = next < vecs.size() && (p_valid >= 1.0 || want_valid(rng));
			bool r = p_ready >= 1.0 || want_ready(rng);

			if (v)
				drive(vecs[next]);
			top->valid_i = v;
			top->ready_i = r;
			top->eval();
			if (top->valid_o && r) {
				if (in_flight.empty()) {
					print_error("valid_o with nothing in flight\n");
					return errors + 1;
				}
				size_t i = in_flight.front();
				in_flight.pop_front();
				if (!check_out(vecs[i], ref_vec(vecs[i])) && ++errors >= 5)
					return errors;
				idle = 0;
			} else if (++idle > 1000) {
				print_error("no output for 1000 cycles\n");
				return errors + 1;
			}
			if (v && top->ready_o) {
				in_flight.push_back(next);
				next++;
			}
			tick();
		}
		top->valid_i = 0;
		top->eval();
		if (p_valid >= 1.0 && p_ready >= 1.0 && cycles - start != vecs.size() + kLatency) {
			print_error("%zu vectors took %" PRIu64 " cycles, expected %zu + %u\n",
				    vecs.size(), cycles - start, vecs.size(), kLatency);
			errors++;
		}
		return errors;
	}

	uint32_t u32()
	{
		return (uint32_t)rng();
	}

	int32_t range(int64_t lo, int64_t hi)
	{
		return (int32_t)std::uniform_int_distribution<int64_t>(lo, hi)(rng);
	}

	int32_t rand_acc()
	{
		unsigned kind = range(0, 9);

		if (kind < 4)
			return (int32_t)u32();
		if (kind < 6) {
			int k = range(0, 31);
			return range(-(INT64_C(1) << k), (INT64_C(1) << k) - 1);
		}
		if (kind == 6)
			return INT32_MIN + range(0, 255);
		if (kind == 7)
			return INT32_MAX - range(0, 255);
		return range(-(1 << 20), 1 << 20);
	}

	int32_t rand_m0()
	{
		static const int32_t special[] = {0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MIN, -1};
		unsigned kind = range(0, 9);

		if (kind < 7)
			return range(INT64_C(1) << 30, (INT64_C(1) << 31) - 1);
		if (kind == 7)
			return special[range(0, 6)];
		return (int32_t)u32();
	}

	int32_t rand_shift()
	{
		static const int32_t special[] = {INT32_MIN, INT32_MAX, -32, 31, -31, 30, 0, -1, 1};
		unsigned kind = range(0, 19);

		if (kind < 16)
			return range(CIRCE_HW_REQUANT_SHIFT_MIN, CIRCE_HW_REQUANT_SHIFT_MAX);
		if (kind < 18)
			return range(-40, 40);
		if (kind == 18)
			return special[range(0, 8)];
		return (int32_t)u32();
	}

	void rand_common(ReqVec &v)
	{
		unsigned kind = range(0, 9);

		if (kind < 3) { // int8 output, sometimes ReLU
			v.out_zp = range(INT8_MIN, INT8_MAX);
			v.clamp_min = range(0, 1) ? (int32_t)INT8_MIN : v.out_zp;
			v.clamp_max = INT8_MAX;
		} else if (kind < 5) { // int16 output
			v.out_zp = range(INT16_MIN, INT16_MAX);
			v.clamp_min = range(INT16_MIN, INT16_MAX);
			v.clamp_max = range(v.clamp_min, INT16_MAX);
		} else if (kind < 9) { // no clamp: every bit of the sum is visible
			v.out_zp = range(0, 1) ? 0 : (int32_t)u32();
			v.clamp_min = INT32_MIN;
			v.clamp_max = INT32_MAX;
		} else { // arbitrary, clamp_min > clamp_max included (defined in C)
			v.out_zp = (int32_t)u32();
			v.clamp_min = (int32_t)u32();
			v.clamp_max = (int32_t)u32();
		}
	}

	ReqVec rand_vec()
	{
		ReqVec v;

		for (unsigned l = 0; l < kLanes; l++) {
			v.acc[l] = rand_acc();
			v.m0[l] = rand_m0();
			v.shift[l] = rand_shift();
		}
		rand_common(v);
		return v;
	}
};

// The seed comes in as the test's initial state (see main).
int setup(void **state)
{
	*state = new Bench(*static_cast<const uint64_t *>(*state));
	return 0;
}

int teardown(void **state)
{
	delete static_cast<Bench *>(*state);
	return 0;
}

// Packs a list of (acc, m0, shift, common) cases into vectors of kLanes.
struct CasePacker {
	std::vector<ReqVec> vecs;
	unsigned lane = kLanes;

	void add(int32_t acc, int32_t m0, int32_t shift, int32_t zp, int32_t lo, int32_t hi)
	{
		if (lane == kLanes || vecs.back().out_zp != zp || vecs.back().clamp_min != lo ||
		    vecs.back().clamp_max != hi) {
			ReqVec v{};
			v.out_zp = zp;
			v.clamp_min = lo;
			v.clamp_max = hi;
			vecs.push_back(v);
			lane = 0;
		}
		ReqVec &v = vecs.back();
		v.acc[lane] = acc;
		v.m0[lane] = m0;
		v.shift[lane] = shift;
		lane++;
	}
};

// Cross product of edge values, through the raw path (no clamp) and the
// int8 / int16 stores.
void test_edges(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	static const int32_t accs[] = {
		INT32_MIN, INT32_MIN + 1, INT32_MIN / 2, -(1 << 30) - 1, -65536, -257, -256, -255,
		-129, -128, -127, -3, -2, -1, 0, 1, 2, 3, 127, 128, 255, 256, 65535, 1 << 30,
		(1 << 30) + 1, INT32_MAX / 2, INT32_MAX - 1, INT32_MAX};
	static const int32_t m0s[] = {0,           1,         2,         1 << 29,  1 << 30,
				      (1 << 30) + 1, 1518500250, INT32_MAX - 1, INT32_MAX, INT32_MIN,
				      -1,          -(1 << 30)};
	static const int32_t shifts[] = {INT32_MIN, -1000, -33, -32, -31, -30, -17, -8, -2, -1,
					 0,         1,     2,   8,   16,  29,  30,  31,  32, 1000,
					 INT32_MAX};
	static const int32_t commons[][3] = {{0, INT32_MIN, INT32_MAX},
					     {INT32_MAX, INT32_MIN, INT32_MAX},
					     {INT32_MIN, INT32_MIN, INT32_MAX},
					     {-5, INT8_MIN, INT8_MAX},
					     {3, 3, INT8_MAX},
					     {100, INT16_MIN, INT16_MAX},
					     {0, 7, -7}};
	CasePacker p;

	for (const auto &c : commons)
		for (int32_t a : accs)
			for (int32_t m : m0s)
				for (int32_t s : shifts)
					p.add(a, m, s, c[0], c[1], c[2]);
	assert_int_equal(b->run(p.vecs, 1.0, 1.0), 0);
	print_message("# edges: %" PRIu64 " lane results\n", b->checked);
}

// Exact ties of both signs in both roundings: SRDHM(a, 2^30) = a / 2 is a
// tie for odd a; with m0 = 2^30 and a = (2j + 1) * 2^e (e = -shift), the
// rounding divide by 2^e sees (2j + 1) * 2^(e - 1), a tie; +-1 around each.
void test_ties(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	CasePacker p;

	for (int e = 0; e <= 31; e++) {
		for (int64_t j : {0, 1, 2, 5, 1000, 123456, -1, -2, -3, -6, -1001, -123457}) {
			int64_t a = (2 * j + 1) * (INT64_C(1) << e);

			for (int d = -1; d <= 1; d++) {
				int64_t v = a + d;

				if (v < INT32_MIN || v > INT32_MAX)
					continue;
				p.add((int32_t)v, 1 << 30, -e, 0, INT32_MIN, INT32_MAX);
				p.add((int32_t)v, 1 << 30, 0, 0, INT32_MIN, INT32_MAX);
				p.add((int32_t)v, INT32_MAX, -e, 0, INT32_MIN, INT32_MAX);
				p.add((int32_t)v, 1 << 29, -e, 0, INT32_MIN, INT32_MAX);
			}
		}
	}
	for (int64_t a = -4096; a <= 4096; a++)
		p.add((int32_t)a, 1 << 30, -(int32_t)(a & 15), 0, INT32_MIN, INT32_MAX);
	assert_int_equal(b->run(p.vecs, 1.0, 1.0), 0);
	print_message("# ties: %" PRIu64 " lane results\n", b->checked);
}

// kRandomCycles random vectors back to back: one vector of kLanes per cycle,
// fixed latency, no bubble.
void test_random(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	const size_t chunk = 100000;
	uint64_t done = 0;

	while (done < kRandomCycles) {
		std::vector<ReqVec> vecs;

		for (size_t i = 0; i < chunk && done + i < kRandomCycles; i++)
			vecs.push_back(b->rand_vec());
		assert_int_equal(b->run(vecs, 1.0, 1.0), 0);
		done += vecs.size();
	}
	print_message("# random: %" PRIu64 " vectors, %" PRIu64 " lane results, %" PRIu64
		      " cycles\n",
		      done, b->checked, b->cycles);
}

// Random gaps on the input and stalls on the output: order and values kept.
void test_stall(void **state)
{
	Bench *b = static_cast<Bench *>(*state);
	std::vector<ReqVec> vecs;

	for (int i = 0; i < 50000; i++)
		vecs.push_back(b->rand_vec());
	assert_int_equal(b->run(vecs, 0.7, 0.6), 0);
	assert_int_equal(b->run(vecs, 1.0, 0.3), 0);
	assert_int_equal(b->run(vecs, 0.2, 1.0), 0);
	print_message("# stall: %" PRIu64 " lane results, %" PRIu64 " cycles\n", b->checked,
		      b->cycles);
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	uint64_t seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;

	Verilated::commandArgs(argc, argv);
	printf("# seed tb_requant = %" PRIu64 " (set CIRCE_SEED to change)\n", seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_edges, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_ties, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_random, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_stall, setup, teardown, &seed),
	};

	return cmocka_run_group_tests_name("tb_requant", tests, NULL, NULL);
}
