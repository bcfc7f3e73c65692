// SPDX-License-Identifier: Apache-2.0
//
// Bench of circe_systolic_array at 16 x 16, 8 x 8, 4 x 8 and 8 x 4 (the four
// instances of tb_array_top) against a C++ reference matmul. Each test builds
// a cycle-exact schedule of weight beats and activation rows that follows
// the array's weight-load rule, runs it, and checks every result row (value,
// first-of-tile flag, exact output cycle = input cycle + Latency), busy_o and
// w_full_o each cycle. Tight schedules check that back-to-back tiles cost
// exactly their rows (no bubble): sum(M) + Latency cycles in all.
// Idle cycles carry random garbage on the data inputs. $CIRCE_SEED overrides
// the fixed seed.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
// cmocka 1.1 has no C++ linkage guards of its own.
extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include <verilated.h>

#include "Vtb_array_top.h"

namespace {

constexpr uint64_t kFixedSeed = 0x5eed0002;

// One tile: weights W[c][r] (PE (r, c)), M activation rows x[i][r].
struct Tile {
	unsigned m = 0;
	std::vector<int8_t> w;  // [c * rows + r]
	std::vector<int16_t> x; // [i * rows + r], in [-255, 255]
};

// What the ports carry in one cycle.
struct InCycle {
	bool wv = false;
	unsigned wtile = 0, wrow = 0;
	bool av = false, af = false;
	unsigned tile = 0, row = 0;
};

struct ExpRow {
	uint64_t in_cycle;
	unsigned tile, row;
	bool first;
};

struct Schedule {
	std::vector<Tile> tiles;
	std::vector<InCycle> cycles;
	std::vector<ExpRow> rows;
	// Cycles from the first row in to the last result out, when the
	// schedule is tight (0 otherwise).
	uint64_t expect_span = 0;

	InCycle &at(uint64_t t)
	{
		if (t >= cycles.size())
			cycles.resize(t + 1);
		return cycles[t];
	}
};

// How a schedule is laid out.
struct Mode {
	unsigned tiles;
	unsigned m_min, m_max; // M range (uniform), 0 = mixed distribution
	double p_int4;         // a tile's weights are int4 (sign-extended)
	bool tight;            // no gaps anywhere, every tile costs max(M, rows)
	double p_gap;          // (not tight) chance of a gap after a row / beat
	unsigned max_gap;
	bool extreme;          // weights and activations at their extremes
};

// The port set of one array slot; every slot has the same C++ types.
struct Slot {
	const char *name;
	unsigned rows, cols;
	CData *w_valid;
	std::remove_reference_t<decltype(Vtb_array_top::s8x8_w_i)> *w;
	CData *w_full;
	CData *a_valid, *a_first;
	std::remove_reference_t<decltype(Vtb_array_top::s8x8_a_i)> *a;
	CData *y_valid, *y_first;
	std::remove_reference_t<decltype(Vtb_array_top::s8x8_y_o)> *y;
	CData *busy;

	unsigned latency() const
	{
		return rows + cols; // circe_systolic_array's Latency
	}
};

#define TB_ARRAY_SLOT(top, p, r, c)                                                          \
	Slot                                                                                 \
	{                                                                                    \
		#p, r, c, &top->p##_w_valid_i, &top->p##_w_i, &top->p##_w_full_o,            \
			&top->p##_a_valid_i, &top->p##_a_first_i, &top->p##_a_i,               \
			&top->p##_y_valid_o, &top->p##_y_first_o, &top->p##_y_o,               \
			&top->p##_busy_o                                                       \
	}

template <typename W> void put_bits(W &words, unsigned lsb, unsigned width, uint32_t v)
{
	for (unsigned b = 0; b < width; b++) {
		unsigned bit = lsb + b;
		uint32_t mask = 1u << (bit % 32);

		if ((v >> b) & 1u)
			words[bit / 32] |= mask;
		else
			words[bit / 32] &= ~mask;
	}
}

struct Bench {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vtb_array_top> top;
	std::vector<Slot> slots;
	std::mt19937_64 rng;
	uint64_t cycles = 0;
	uint64_t rows_checked = 0;

	explicit Bench(uint64_t seed) : ctx(new VerilatedContext), rng(seed)
	{
		top.reset(new Vtb_array_top{ctx.get(), "tb_array"});
		Vtb_array_top *t = top.get();
		slots = {TB_ARRAY_SLOT(t, s16x16, 16, 16), TB_ARRAY_SLOT(t, s8x8, 8, 8),
			 TB_ARRAY_SLOT(t, s4x8, 4, 8), TB_ARRAY_SLOT(t, s8x4, 8, 4)};
		for (Slot &s : slots)
			idle(s);
		top->clk_i = 0;
		top->rst_ni = 0;
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

	void idle(Slot &s)
	{
		*s.w_valid = 0;
		*s.a_valid = 0;
		*s.a_first = 0;
	}

	int range(int lo, int hi)
	{
		return std::uniform_int_distribution<int>(lo, hi)(rng);
	}

	bool chance(double p)
	{
		return std::bernoulli_distribution(p)(rng);
	}

	unsigned gap(const Mode &md)
	{
		if (md.tight || !chance(md.p_gap))
			return 0;
		return range(1, md.max_gap);
	}

	unsigned pick_m(const Mode &md, unsigned rows)
	{
		if (md.m_max)
			return range(md.m_min, md.m_max);
		switch (range(0, 3)) {
		case 0:
			return 1;
		case 1:
			return range(1, rows);
		case 2:
			return range(rows, 2 * rows);
		default:
			return range(1, 5 * rows);
		}
	}

	Tile make_tile(const Mode &md, const Slot &s)
	{
		Tile t;
		bool int4 = chance(md.p_int4);

		t.m = pick_m(md, s.rows);
		t.w.resize(s.cols * s.rows);
		t.x.resize(t.m * s.rows);
		for (int8_t &w : t.w) {
			if (md.extreme)
				w = chance(0.5) ? INT8_MIN : INT8_MAX;
			else
				w = (int8_t)(int4 ? range(-8, 7) : range(INT8_MIN, INT8_MAX));
		}
		for (int16_t &x : t.x) {
			if (md.extreme)
				x = (int16_t)(chance(0.5) ? -255 : 255);
			else
				x = (int16_t)range(-255, 255);
		}
		return t;
	}

	// Weight beats of tile `tile` from cycle `start`; returns the cycle
	// after the last beat.
	uint64_t place_beats(Schedule &sc, const Mode &md, const Slot &s, unsigned tile,
			     uint64_t start)
	{
		uint64_t c = start;

		for (unsigned r = 0; r < s.rows; r++) {
			InCycle &ic = sc.at(c);

			ic.wv = true;
			ic.wtile = tile;
			ic.wrow = r;
			c += 1 + (r + 1 < s.rows ? gap(md) : 0);
		}
		return c;
	}

	// Lays out md.tiles tiles under the weight-load rule: tile T+1's beats
	// start at or after tile T's first row and end before T+1's first row.
	Schedule make_schedule(const Mode &md, const Slot &s)
	{
		Schedule sc;
		uint64_t first, first0, end = 0;

		for (unsigned i = 0; i < md.tiles; i++)
			sc.tiles.push_back(make_tile(md, s));
		first = place_beats(sc, md, s, 0, md.tight ? 0 : range(0, 3));
		first += gap(md);
		first0 = first;
		for (unsigned t = 0; t < md.tiles; t++) {
			const Tile &tile = sc.tiles[t];
			uint64_t p = first;

			for (unsigned i = 0; i < tile.m; i++) {
				InCycle &ic = sc.at(p);

				ic.av = true;
				ic.af = i == 0;
				ic.tile = t;
				ic.row = i;
				sc.rows.push_back({p, t, i, i == 0});
				end = p + 1;
				p = end + (i + 1 < tile.m ? gap(md) : 0);
			}
			if (t + 1 == md.tiles)
				break;
			// Tight: the beats fit anywhere in [first, first + max(M,
			// rows)); otherwise anywhere from first on.
			unsigned slack = md.tight ? std::max(tile.m, s.rows) - s.rows
						  : std::max(tile.m, s.rows) + 2;
			uint64_t lb = place_beats(sc, md, s, t + 1, first + range(0, slack));

			first = std::max(end, lb) + gap(md);
		}
		if (md.tight)
			sc.expect_span = end - first0 + s.latency();
		return sc;
	}

	std::vector<int32_t> reference(const Tile &t, const Slot &s, unsigned i)
	{
		std::vector<int32_t> y(s.cols);

		for (unsigned c = 0; c < s.cols; c++) {
			int64_t sum = 0;

			for (unsigned r = 0; r < s.rows; r++)
				sum += (int64_t)t.x[i * s.rows + r] * t.w[c * s.rows + r];
			y[c] = (int32_t)(uint32_t)(uint64_t)sum; // int32 wrap
		}
		return y;
	}

	// Runs the schedule on slot s; returns the number of errors.
	unsigned run(const Schedule &sc, Slot &s)
	{
		const uint64_t lat = s.latency();
		uint64_t last = sc.cycles.size() + lat + 2;
		size_t next_out = 0, accepted = 0;
		unsigned wcnt = 0, errors = 0;
		uint64_t first_in = UINT64_MAX, last_out = 0;

		for (uint64_t c = 0; c < last && errors < 5; c++) {
			const InCycle ic = c < sc.cycles.size() ? sc.cycles[c] : InCycle{};

			*s.w_valid = ic.wv;
			for (unsigned col = 0; col < 16; col++) {
				uint32_t w = (uint32_t)range(0, 255);

				if (ic.wv && col < s.cols)
					w = (uint8_t)sc.tiles[ic.wtile].w[col * s.rows + ic.wrow];
				put_bits(*s.w, col * 8, 8, w);
			}
			*s.a_valid = ic.av;
			*s.a_first = ic.av && ic.af;
			for (unsigned r = 0; r < 16; r++) {
				uint32_t x = (uint32_t)range(0, 511);

				if (ic.av && r < s.rows)
					x = (uint16_t)sc.tiles[ic.tile].x[ic.row * s.rows + r];
				put_bits(*s.a, r * 9, 9, x & 0x1ffu);
			}
			top->eval();

			// Outputs and status of this cycle (registered state).
			size_t in_flight = accepted - next_out;
			if ((bool)*s.busy != (in_flight > 0)) {
				print_error("%s cycle %" PRIu64 ": busy_o %d with %zu rows in flight\n",
					    s.name, c, *s.busy, in_flight);
				errors++;
			}
			if ((bool)*s.w_full != (wcnt == s.rows)) {
				print_error("%s cycle %" PRIu64 ": w_full_o %d after %u beats\n",
					    s.name, c, *s.w_full, wcnt);
				errors++;
			}
			if (*s.y_valid) {
				if (next_out >= sc.rows.size()) {
					print_error("%s cycle %" PRIu64 ": unexpected y_valid_o\n",
						    s.name, c);
					return errors + 1;
				}
				const ExpRow &e = sc.rows[next_out++];
				std::vector<int32_t> ref = reference(sc.tiles[e.tile], s, e.row);

				if (c != e.in_cycle + lat) {
					print_error("%s: tile %u row %u in at %" PRIu64
						    " out at %" PRIu64 ", latency %" PRIu64 "\n",
						    s.name, e.tile, e.row, e.in_cycle, c, lat);
					errors++;
				}
				if ((bool)*s.y_first != e.first) {
					print_error("%s: tile %u row %u y_first_o %d\n", s.name,
						    e.tile, e.row, *s.y_first);
					errors++;
				}
				for (unsigned col = 0; col < 16; col++) {
					int32_t got = (int32_t)(*s.y)[col];
					int32_t want = col < s.cols ? ref[col] : 0;

					if (got != want) {
						print_error("%s: tile %u row %u col %u: rtl %" PRId32
							    " ref %" PRId32 "\n",
							    s.name, e.tile, e.row, col, got, want);
						errors++;
						break;
					}
				}
				rows_checked++;
				last_out = c;
			}

			// Model state after this cycle's edge.
			if (ic.av) {
				accepted++;
				first_in = std::min(first_in, c);
			}
			if (ic.av && ic.af)
				wcnt = 0;
			if (ic.wv)
				wcnt++;
			tick();
		}
		idle(s);
		top->eval();
		if (errors)
			return errors;
		if (next_out != sc.rows.size()) {
			print_error("%s: %zu of %zu rows came out\n", s.name, next_out,
				    sc.rows.size());
			return 1;
		}
		if (sc.expect_span && last_out - first_in + 1 != sc.expect_span) {
			print_error("%s: span %" PRIu64 " cycles, expected %" PRIu64 "\n", s.name,
				    last_out - first_in + 1, sc.expect_span);
			return 1;
		}
		return 0;
	}

	// One schedule per slot.
	void run_all(const Mode &md, const char *what)
	{
		for (Slot &s : slots) {
			Schedule sc = make_schedule(md, s);
			uint64_t sum_m = 0, start = cycles;

			for (const Tile &t : sc.tiles)
				sum_m += t.m;
			assert_int_equal(run(sc, s), 0);
			print_message("# %s %s: %u tiles, %" PRIu64 " rows, %" PRIu64
				      " cycles%s\n",
				      what, s.name, md.tiles, sum_m, cycles - start,
				      sc.expect_span ? " (span checked)" : "");
		}
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

// M = 1 tiles, alone and back to back at the minimum spacing (rows cycles).
void test_single_rows(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->run_all(Mode{1, 1, 1, 0.0, true, 0.0, 0, false}, "one row");
	b->run_all(Mode{20, 1, 1, 0.3, true, 0.0, 0, false}, "M=1 tiles");
}

// Tiles of M >= rows back to back, the next weights loaded anywhere in the
// window: sum(M) + Latency cycles, no bubble.
void test_back_to_back(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->run_all(Mode{40, 0, 0, 0.3, true, 0.0, 0, false}, "mixed M, tight");
	for (Slot &s : b->slots) {
		Mode md{60, s.rows, 3 * s.rows, 0.3, true, 0.0, 0, false};
		Schedule sc = b->make_schedule(md, s);
		uint64_t sum_m = 0;

		for (const Tile &t : sc.tiles)
			sum_m += t.m;
		// M >= rows everywhere: the span is exactly sum(M) + Latency.
		assert_int_equal(sc.expect_span, sum_m + s.latency());
		assert_int_equal(b->run(sc, s), 0);
		print_message("# back to back %s: %u tiles, %" PRIu64 " rows in %" PRIu64
			      " cycles + latency %u\n",
			      s.name, md.tiles, sum_m, sum_m, s.latency());
	}
	// M = rows exactly: the next tile's beats fill the whole window, the
	// first in the cycle of the current tile's first row.
	for (Slot &s : b->slots) {
		Mode md{30, s.rows, s.rows, 0.0, true, 0.0, 0, false};

		assert_int_equal(b->run(b->make_schedule(md, s), s), 0);
	}
}

// Random M, gaps between rows, beats and tiles, int8 and int4 weights.
void test_random_tiles(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->run_all(Mode{1000, 0, 0, 0.3, false, 0.2, 4, false}, "random gaps");
	b->run_all(Mode{500, 0, 0, 0.3, false, 0.02, 40, false}, "rare long gaps");
}

// Extreme operands: |sum| = rows * 255 * 128, every product at full size.
void test_extremes(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->run_all(Mode{50, 0, 0, 0.0, true, 0.0, 0, true}, "extremes");
}

// A long stream of tiles at full rate: the bench's main volume.
void test_long_stream(void **state)
{
	Bench *b = static_cast<Bench *>(*state);

	b->run_all(Mode{6000, 0, 0, 0.3, true, 0.0, 0, false}, "long stream");
}

} // namespace

int main(int argc, char **argv)
{
	const char *env = getenv("CIRCE_SEED");
	uint64_t seed = (env && *env) ? strtoull(env, NULL, 0) : kFixedSeed;

	Verilated::commandArgs(argc, argv);
	printf("# seed tb_array = %" PRIu64 " (set CIRCE_SEED to change)\n", seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_single_rows, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_back_to_back, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_random_tiles, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_extremes, setup, teardown, &seed),
		cmocka_unit_test_prestate_setup_teardown(test_long_stream, setup, teardown, &seed),
	};

	return cmocka_run_group_tests_name("tb_array", tests, NULL, NULL);
}
