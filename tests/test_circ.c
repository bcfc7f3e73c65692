/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Co-simulation of the block-circulant (CIRC) and LSTM descriptors through
 * the real driver: the same command lists on the functional model (fmodel)
 * and on the RTL under Verilator (vsim), compared byte for byte (outputs
 * with the gaps of strided rows, status blocks, STATUS / ERR_INDEX /
 * ERR_VA, MACS / DESCRIPTORS / FAULTS / DMA_WR_BYTES) and against the
 * hw/hls kernels. Descriptor lists are built as tests/test_cosim.c builds
 * them. Random CIRCs cover every k, n_in not a multiple of k, batch,
 * OUT16, bias, per-block and per-tensor requantization and strides; random
 * LSTM steps cover NO_GH, in-place cells and ragged chunks; then lists
 * mixing both, illegal descriptors of each kind, and faulting pointers.
 * Sizes stay small: vsim runs every job (seed printed).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "circe/circe.h"
#include "circe/hw.h"
#include "driver/driver.h"
#include "hw/hls/circe_hls.h"
#include "tests/support/testutil.h"
#include "tests/support/tu_pair.h"

#define CC_DESCS 16u

/* An input both sides read. */
static void *cc_input(struct tu_pair *c, size_t bytes)
{
	void *p = tu_pair_alloc(c, bytes);

	tu_pair_register(c, p, bytes, CIRCE_MEM_READ);
	return p;
}

static int cc_setup(void **state)
{
	return tu_pair_setup(state, CC_DESCS, "circ", 1605);
}

/* ---- one CIRC or LSTM: inputs shared, outputs per side ---------------- */

struct cc_op {
	bool lstm;
	struct circe_hw_desc_circ circ; /* y_va unset */
	struct circe_hw_desc_lstm l;	/* c_in_va (in place), c_out_va, h_va unset */
	bool in_place;
	uint8_t *out[TU_PAIR_SIDES]; /* CIRC: y; LSTM: c_out, then h at + out_h */
	int16_t *cin[TU_PAIR_SIDES]; /* LSTM in place: each side's cell */
	size_t out_bytes, out_h;
	int8_t *w, *x;
	int32_t *bias;
	struct circe_hw_requant *rq;
	int16_t *gx, *gh, *c_in;
};

static void cc_outputs(struct tu_pair *c, struct cc_op *o)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		o->out[s] = tu_pair_alloc(c, o->out_bytes);
		memset(o->out[s], 0x5A, o->out_bytes);
		tu_pair_register_side(c, s, o->out[s], o->out_bytes, CIRCE_MEM_RW);
	}
}

static void cc_circ_make(struct tu_pair *c, struct cc_op *o, uint32_t k, uint32_t n_in, uint32_t p,
			 uint32_t batch, uint32_t flags, uint32_t pad)
{
	struct circe_hw_desc_circ *d = &o->circ;
	uint32_t es = (flags & CIRCE_HW_CIRC_OUT16) ? 2 : 1;
	uint32_t q = (n_in + k - 1) / k;
	uint32_t nrq = (flags & CIRCE_HW_CIRC_PER_BLOCK) ? p : 1;
	int32_t lo = es == 2 ? INT16_MIN : INT8_MIN, hi = es == 2 ? INT16_MAX : INT8_MAX;
	size_t w_bytes, x_bytes;

	memset(o, 0, sizeof(*o));
	d->opcode = CIRCE_HW_OP_CIRC;
	d->flags = flags;
	d->k = k;
	d->n_in = n_in;
	d->n_out = p * k;
	d->batch = batch;
	d->ldw = q * k + pad;
	d->ldx = n_in + pad;
	d->ldy = p * k * es + pad;
	d->out_zp = (int32_t)tu_rng_range(&c->rng, -20, 20);
	d->clamp_min = tu_rng_range(&c->rng, 0, 1) ? d->out_zp : lo;
	d->clamp_max = hi;
	w_bytes = (size_t)p * d->ldw;
	x_bytes = (size_t)batch * d->ldx;
	o->w = cc_input(c, w_bytes);
	o->x = cc_input(c, x_bytes);
	tu_rng_fill_i8(&c->rng, o->w, w_bytes, -128, 127);
	tu_rng_fill_i8(&c->rng, o->x, x_bytes, -128, 127);
	if (flags & CIRCE_HW_CIRC_BIAS) {
		o->bias = cc_input(c, (size_t)d->n_out * 4);
		for (uint32_t i = 0; i < d->n_out; i++)
			o->bias[i] = (int32_t)tu_rng_range(&c->rng, -100000, 100000);
	}
	o->rq = cc_input(c, (size_t)nrq * sizeof(*o->rq));
	for (uint32_t i = 0; i < nrq; i++) {
		o->rq[i].m0 = (int32_t)tu_rng_range(&c->rng, 1 << 30, INT32_MAX);
		o->rq[i].shift = (int32_t)tu_rng_range(&c->rng, es == 2 ? -12 : -17, -6);
	}
	d->w_va = (uintptr_t)o->w;
	d->x_va = (uintptr_t)o->x;
	d->bias_va = (uintptr_t)o->bias;
	d->rq_va = (uintptr_t)o->rq;
	o->out_bytes = (size_t)batch * d->ldy;
	cc_outputs(c, o);
	assert_int_equal(circe_hls_circ_check(d), 0);
}

static int16_t cc_gate(struct tu_pair *c)
{
	if (tu_rng_range(&c->rng, 0, 19) == 0)
		return (int16_t)(tu_rng_range(&c->rng, 0, 1) ? INT16_MAX : INT16_MIN);
	return (int16_t)tu_rng_range(&c->rng, -12288, 12288);
}

static void cc_lstm_make(struct tu_pair *c, struct cc_op *o, uint32_t hidden, bool no_gh,
			 bool in_place)
{
	struct circe_hw_desc_lstm *d = &o->l;
	size_t gbytes = (size_t)hidden * 8, cbytes = (size_t)hidden * 2;

	memset(o, 0, sizeof(*o));
	o->lstm = true;
	o->in_place = in_place;
	d->opcode = CIRCE_HW_OP_LSTM;
	d->flags = no_gh ? CIRCE_HW_LSTM_NO_GH : 0;
	d->hidden = hidden;
	d->h_zp = (int32_t)tu_rng_range(&c->rng, -128, 127);
	d->h_rq.m0 = (int32_t)tu_rng_range(&c->rng, 1 << 30, INT32_MAX);
	d->h_rq.shift = (int32_t)tu_rng_range(&c->rng, -27, -21);
	o->gx = cc_input(c, gbytes);
	for (size_t i = 0; i < 4u * hidden; i++)
		o->gx[i] = cc_gate(c);
	if (!no_gh) {
		o->gh = cc_input(c, gbytes);
		for (size_t i = 0; i < 4u * hidden; i++)
			o->gh[i] = cc_gate(c);
	}
	o->c_in = tu_pair_alloc(c, cbytes);
	for (size_t i = 0; i < hidden; i++)
		o->c_in[i] = (int16_t)tu_rng_range(&c->rng, INT16_MIN, INT16_MAX);
	d->gx_va = (uintptr_t)o->gx;
	d->gh_va = (uintptr_t)o->gh;
	/* c_out, then h 64 bytes later and at an odd offset */
	o->out_h = ((cbytes + 64) & ~(size_t)63) + 3;
	o->out_bytes = o->out_h + hidden + 64;
	cc_outputs(c, o);
	if (in_place) {
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			o->cin[s] = (int16_t *)o->out[s];
	} else {
		for (int s = 0; s < TU_PAIR_SIDES; s++)
			tu_pair_register_side(c, s, o->c_in, cbytes, CIRCE_MEM_READ);
	}
}

/* Before each run: the per-side cells of an in-place LSTM hold c_in again. */
static void cc_reset_outputs(struct cc_op *o)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		memset(o->out[s], 0x5A, o->out_bytes);
		if (o->lstm && o->in_place)
			memcpy(o->cin[s], o->c_in, (size_t)o->l.hidden * 2);
	}
}

/* Descriptor i of side s. */
static void cc_put(struct tu_pair *c, int s, unsigned i, const struct cc_op *o)
{
	union circe_hw_desc *d = &c->s[s].descs[i];

	memset(d, 0, sizeof(*d));
	if (o->lstm) {
		d->lstm = o->l;
		d->lstm.c_in_va = o->in_place ? (uintptr_t)o->cin[s] : (uintptr_t)o->c_in;
		d->lstm.c_out_va = (uintptr_t)o->out[s];
		d->lstm.h_va = (uintptr_t)(o->out[s] + o->out_h);
	} else {
		d->circ = o->circ;
		d->circ.y_va = (uintptr_t)o->out[s];
	}
	d->generic.status = (struct circe_hw_status){ 0xEEEEEEEE, 0xEEEEEEEE, ~0ull };
}

static void cc_op_put(struct tu_pair *c, unsigned i, uint32_t opcode)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		union circe_hw_desc *d = &c->s[s].descs[i];

		memset(d, 0, sizeof(*d));
		d->head.opcode = opcode;
		d->generic.status = (struct circe_hw_status){ 77, 78, 79 };
	}
}

/* The kernel's output region for o (0x5A where nothing is written). */
static uint8_t *cc_expected(const struct cc_op *o)
{
	uint8_t *y = malloc(o->out_bytes);

	assert_non_null(y);
	memset(y, 0x5A, o->out_bytes);
	if (o->lstm) {
		circe_hls_lstm(&o->l, o->gx, o->gh, o->c_in, (int16_t *)y,
			       (int8_t *)(y + o->out_h));
	} else {
		circe_hls_circ(&o->circ, o->w, o->x, o->bias, o->rq, y);
	}
	return y;
}

/* ---- running a job on both sides and comparing ----------------------- */

struct cc_run {
	int rc[TU_PAIR_SIDES];
	struct circe_job_result res[TU_PAIR_SIDES];
};

static void cc_submit(struct tu_pair *c, uint32_t count, struct cc_run *r)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		r->rc[s] = circe_ctx_submit(c->s[s].ctx, c->s[s].descs, count, &r->res[s]);
		if (r->rc[s])
			print_message("# %s: %s (%s)\n", tu_pair_side_name[s],
				      circe_strerror(r->rc[s]), circe_errmsg());
	}
}

static void cc_compare(struct tu_pair *c, uint32_t count, const struct cc_run *r, const char *what)
{
	const struct circe_job_result *f = &r->res[0], *v = &r->res[1];
	static const unsigned both_count[] = { CIRCE_PERF_MACS, CIRCE_PERF_DESCRIPTORS,
					       CIRCE_PERF_FAULTS, CIRCE_PERF_DMA_WR_BYTES };

	if (r->rc[0] != r->rc[1])
		fail_msg("%s: fmodel returned %d, vsim %d", what, r->rc[0], r->rc[1]);
	if (f->status != v->status || f->err_index != v->err_index || f->fault_va != v->fault_va)
		fail_msg("%s: STATUS %u / %u, ERR_INDEX %u / %u, ERR_VA 0x%" PRIx64 " / 0x%" PRIx64
			 " (fmodel / vsim)",
			 what, f->status, v->status, f->err_index, v->err_index, f->fault_va,
			 v->fault_va);
	for (uint32_t i = 0; i < count; i++) {
		const struct circe_hw_status *a = &c->s[0].descs[i].generic.status;
		const struct circe_hw_status *b = &c->s[1].descs[i].generic.status;

		if (memcmp(a, b, sizeof(*a)))
			fail_msg("%s: descriptor %u status block {%u, 0x%x, 0x%" PRIx64
				 "} / {%u, 0x%x, 0x%" PRIx64 "} (fmodel / vsim)",
				 what, i, a->code, a->detail, a->fault_va, b->code, b->detail,
				 b->fault_va);
	}
	for (size_t i = 0; i < sizeof(both_count) / sizeof(both_count[0]); i++) {
		unsigned id = both_count[i];

		/* After an error the RTL may have written other parts of the
		 * outputs, and reads it had already issued may raise further
		 * fault records (docs/rtl.md): compare those two only when the
		 * job completed, and that both faulted. */
		if ((id == CIRCE_PERF_DMA_WR_BYTES || id == CIRCE_PERF_FAULTS) &&
		    f->status != CIRCE_HW_ST_OK) {
			if (id == CIRCE_PERF_FAULTS && f->status == CIRCE_HW_ST_FAULT &&
			    (f->perf[id] == 0 || v->perf[id] == 0))
				fail_msg("%s: FAULTS fmodel %" PRIu64 ", vsim %" PRIu64, what,
					 f->perf[id], v->perf[id]);
			continue;
		}
		if (f->perf[id] != v->perf[id])
			fail_msg("%s: counter %u: fmodel %" PRIu64 ", vsim %" PRIu64, what, id,
				 f->perf[id], v->perf[id]);
	}
}

/* Outputs of a completed op: the kernel, fmodel and vsim agree byte for byte. */
static void cc_check_outputs(const struct cc_op *o, const char *what)
{
	uint8_t *want = cc_expected(o);

	if (memcmp(o->out[0], want, o->out_bytes))
		fail_msg("%s: fmodel differs from the kernel", what);
	if (memcmp(o->out[1], o->out[0], o->out_bytes)) {
		size_t i = 0;

		while (o->out[1][i] == o->out[0][i])
			i++;
		fail_msg("%s: vsim output differs from fmodel first at byte %zu: 0x%02x, fmodel "
			 "0x%02x",
			 what, i, o->out[1][i], o->out[0][i]);
	}
	free(want);
}

static void cc_expect_idle(struct tu_pair *c)
{
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		uint32_t v = 0;

		assert_int_equal(circe_dev_reg_read(c->s[s].dev, CIRCE_REG_STATUS, &v), 0);
		assert_false(v & CIRCE_HW_STATUS_BUSY);
	}
}

static void cc_run_one(struct tu_pair *c, struct cc_op *o, const char *what)
{
	struct cc_run r;

	cc_reset_outputs(o);
	for (int s = 0; s < TU_PAIR_SIDES; s++)
		cc_put(c, s, 0, o);
	cc_submit(c, 1, &r);
	assert_int_equal(r.rc[0], 0);
	cc_compare(c, 1, &r, what);
	cc_check_outputs(o, what);
}

/* ---- tests ---------------------------------------------------------- */

static void test_circ_random(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };

	for (int j = 0; j < 40; j++) {
		struct cc_op o;
		char what[160];
		uint32_t k = ks[j % 5];
		uint32_t n_in = (uint32_t)tu_rng_range(&c->rng, 1, j % 10 == 9 ? 2000 : 200);
		uint32_t p = (uint32_t)tu_rng_range(&c->rng, 1, 40 / k + 3);
		uint32_t batch = (uint32_t)tu_rng_range(&c->rng, 1, 3);
		uint32_t flags = (uint32_t)((j * 2) & CIRCE_HW_CIRC_FLAGS_ALL);
		uint32_t pad =
			tu_rng_range(&c->rng, 0, 2) ? 0 : (uint32_t)tu_rng_range(&c->rng, 1, 70);

		if (j >= 8)
			flags = (uint32_t)tu_rng_range(&c->rng, 0, 7) << 1;
		snprintf(what, sizeof(what),
			 "circ %d: k %u n_in %u n_out %u batch %u flags 0x%x pad %u", j, k, n_in,
			 p * k, batch, flags, pad);
		cc_circ_make(c, &o, k, n_in, p, batch, flags, pad);
		cc_run_one(c, &o, what);
	}
}

static void test_lstm_random(void **state)
{
	struct tu_pair *c = tu_pair_get(state);

	for (int j = 0; j < 16; j++) {
		struct cc_op o;
		char what[96];
		uint32_t hidden = j == 0 ? 1 : (uint32_t)tu_rng_range(&c->rng, 1, 400);
		bool no_gh = j % 4 == 1, in_place = j % 3 == 2;

		snprintf(what, sizeof(what), "lstm %d: hidden %u%s%s", j, hidden,
			 no_gh ? " NO_GH" : "", in_place ? " in place" : "");
		cc_lstm_make(c, &o, hidden, no_gh, in_place);
		cc_run_one(c, &o, what);
	}
}

/* A list: CIRC, NOP, LSTM, CIRC, FENCE, LSTM in one job. */
static void test_list(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	struct cc_op o[4];
	struct cc_run r;

	cc_circ_make(c, &o[0], 16, 100, 6, 1, CIRCE_HW_CIRC_BIAS | CIRCE_HW_CIRC_PER_BLOCK, 0);
	cc_lstm_make(c, &o[1], 130, false, false);
	cc_circ_make(c, &o[2], 4, 33, 9, 2, CIRCE_HW_CIRC_OUT16, 5);
	cc_lstm_make(c, &o[3], 7, true, true);
	for (int i = 0; i < 4; i++)
		cc_reset_outputs(&o[i]);
	for (int s = 0; s < TU_PAIR_SIDES; s++) {
		cc_put(c, s, 0, &o[0]);
		cc_put(c, s, 2, &o[1]);
		cc_put(c, s, 3, &o[2]);
		cc_put(c, s, 5, &o[3]);
	}
	cc_op_put(c, 1, CIRCE_HW_OP_NOP);
	cc_op_put(c, 4, CIRCE_HW_OP_FENCE);
	cc_submit(c, 6, &r);
	assert_int_equal(r.rc[0], 0);
	cc_compare(c, 6, &r, "list of 6");
	for (int i = 0; i < 4; i++)
		cc_check_outputs(&o[i], "list of 6");
}

/* Illegal CIRC and LSTM descriptors in the middle of a list: -EINVAL, the
 * same reason on both sides, nothing after it runs. */
static void test_illegal(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	static const struct {
		const char *what;
		bool lstm;
		size_t off; /* a 32-bit field */
		uint32_t val;
	} cases[] = {
		{ "circ flags", false, offsetof(struct circe_hw_desc_circ, flags), 1 },
		{ "circ k = 3", false, offsetof(struct circe_hw_desc_circ, k), 3 },
		{ "circ n_out ragged", false, offsetof(struct circe_hw_desc_circ, n_out), 17 },
		{ "circ batch 0", false, offsetof(struct circe_hw_desc_circ, batch), 0 },
		{ "circ ldx", false, offsetof(struct circe_hw_desc_circ, ldx), 1 },
		{ "circ out_zp", false, offsetof(struct circe_hw_desc_circ, out_zp), 300 },
		{ "circ clamp", false, offsetof(struct circe_hw_desc_circ, clamp_min), 128 },
		{ "lstm flags", true, offsetof(struct circe_hw_desc_lstm, flags), 2 },
		{ "lstm hidden 0", true, offsetof(struct circe_hw_desc_lstm, hidden), 0 },
		{ "lstm h_zp", true, offsetof(struct circe_hw_desc_lstm, h_zp), 128 },
		{ "lstm shift", true, offsetof(struct circe_hw_desc_lstm, h_rq.shift), 31 },
		{ "lstm align", true, offsetof(struct circe_hw_desc_lstm, gx_va), 0x1001 },
	};
	struct cc_op ok, bad_circ, bad_lstm;

	cc_circ_make(c, &ok, 8, 40, 3, 1, CIRCE_HW_CIRC_BIAS, 0);
	cc_circ_make(c, &bad_circ, 16, 50, 2, 1, 0, 0);
	cc_lstm_make(c, &bad_lstm, 40, false, false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cc_run r;

		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			union circe_hw_desc *d = &c->s[s].descs[1];

			cc_put(c, s, 0, &ok);
			cc_put(c, s, 1, cases[i].lstm ? &bad_lstm : &bad_circ);
			cc_put(c, s, 2, &ok);
			memcpy((uint8_t *)d + cases[i].off, &cases[i].val, 4);
		}
		cc_submit(c, 3, &r);
		if (r.rc[0] != -EINVAL)
			fail_msg("%s: fmodel returned %d, want -EINVAL (status %u detail %u)",
				 cases[i].what, r.rc[0], c->s[0].descs[1].generic.status.code,
				 c->s[0].descs[1].generic.status.detail);
		cc_compare(c, 3, &r, cases[i].what);
		assert_int_equal(r.res[1].err_index, 1);
		assert_int_equal(c->s[1].descs[1].generic.status.code, CIRCE_HW_ST_ILLEGAL);
		assert_int_equal(c->s[1].descs[2].generic.status.code, 0xEEEEEEEE);
		cc_expect_idle(c);
	}
}

/* A faulting pointer in each input and output: -EFAULT with the same VA,
 * status blocks and counters on both sides, and the next job runs. */
static void test_bad_pointers(void **state)
{
	struct tu_pair *c = tu_pair_get(state);
	int8_t *stray = tu_pair_alloc(c, 4096);
	struct cc_op circ, lstm;
	static const char *const cf[] = { "w", "x", "bias", "rq", "y" };
	static const char *const lf[] = { "gx", "gh", "c_in", "c_out", "h" };

	cc_circ_make(c, &circ, 16, 70, 5, 2, CIRCE_HW_CIRC_BIAS | CIRCE_HW_CIRC_PER_BLOCK, 0);
	cc_lstm_make(c, &lstm, 150, false, false);
	for (int f = 0; f < 10; f++) {
		struct cc_run r;
		char what[64];
		uint64_t va = (f & 1) ? (uintptr_t)stray : 0;
		bool is_lstm = f >= 5;

		snprintf(what, sizeof(what), "%s %s = %s", is_lstm ? "lstm" : "circ",
			 is_lstm ? lf[f % 5] : cf[f % 5], va ? "unregistered" : "NULL");
		for (int s = 0; s < TU_PAIR_SIDES; s++) {
			union circe_hw_desc *d = &c->s[s].descs[0];

			cc_reset_outputs(is_lstm ? &lstm : &circ);
			cc_put(c, s, 0, is_lstm ? &lstm : &circ);
			if (!is_lstm) {
				uint64_t *fld[] = { &d->circ.w_va, &d->circ.x_va, &d->circ.bias_va,
						    &d->circ.rq_va, &d->circ.y_va };
				*fld[f % 5] = va;
			} else {
				uint64_t *fld[] = { &d->lstm.gx_va, &d->lstm.gh_va,
						    &d->lstm.c_in_va, &d->lstm.c_out_va,
						    &d->lstm.h_va };
				*fld[f % 5] = va;
			}
		}
		cc_submit(c, 1, &r);
		assert_int_equal(r.rc[0], -EFAULT);
		cc_compare(c, 1, &r, what);
		assert_int_equal(r.res[1].fault_va, va);
		cc_expect_idle(c);
	}
	cc_run_one(c, &circ, "circ after the faults");
	cc_run_one(c, &lstm, "lstm after the faults");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_circ_random),  cmocka_unit_test(test_lstm_random),
		cmocka_unit_test(test_list),	     cmocka_unit_test(test_illegal),
		cmocka_unit_test(test_bad_pointers),
	};

	return cmocka_run_group_tests_name("circ", tests, cc_setup, tu_pair_teardown);
}
