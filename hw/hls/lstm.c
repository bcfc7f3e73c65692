/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LSTM cell's element-wise step: gate pre-activations in Q3.12,
 * table-interpolated sigmoid and tanh in Q0.15, cell state Q4.11 with
 * saturation, hidden output requantized to int8. One hidden unit per cycle
 * in the RTL: four activations, three small products, one requantization.
 * docs/numerics.md, section "The LSTM cell", writes down every rounding.
 */
#include "hw/hls/circe_hls.h"
#include "hw/hls/hls_int.h"

uint32_t circe_hls_lstm_check(const struct circe_hw_desc_lstm *d)
{
	uint64_t odd;

	if (d->opcode != CIRCE_HW_OP_LSTM)
		return CIRCE_HW_ILL_OPCODE;
	if (d->flags & ~CIRCE_HW_LSTM_FLAGS_ALL)
		return CIRCE_HW_ILL_FLAGS;
	if (d->hidden < 1 || d->hidden > CIRCE_HW_LSTM_MAX_HIDDEN)
		return CIRCE_HW_ILL_DIMS;
	if (d->h_zp < INT8_MIN || d->h_zp > INT8_MAX)
		return CIRCE_HW_ILL_ZERO_POINT;
	if (circe_hls_requant_check(&d->h_rq, 1) != 0)
		return CIRCE_HW_ILL_REQUANT;
	/* gh is not read with NO_GH, so its value does not matter then. */
	odd = d->gx_va | d->c_in_va | d->c_out_va;
	if (!(d->flags & CIRCE_HW_LSTM_NO_GH))
		odd |= d->gh_va;
	if (odd & 1u)
		return CIRCE_HW_ILL_ALIGN;
	return 0;
}

static int16_t circe_hls_sat16(int32_t v)
{
#pragma HLS INLINE
	return (int16_t)circe_hls_clamp32(v, INT16_MIN, INT16_MAX);
}

/* f(|x|) for x in Q3.12 from a table of f on the 1/32 grid, in Q0.15. */
static int32_t circe_hls_act_interp(const int16_t table[CIRCE_HLS_ACT_ENTRIES], int16_t x)
{
#pragma HLS INLINE
	/* |-32768| does not fit int16: clamp to 32767 (the table's last
	 * interval covers it). */
	int32_t a = x < 0 ? (x == INT16_MIN ? INT16_MAX : -(int32_t)x) : x;
	uint32_t i = (uint32_t)a >> CIRCE_HLS_ACT_FRAC_BITS;
	int32_t f = a & ((1 << CIRCE_HLS_ACT_FRAC_BITS) - 1);
	int32_t t0 = table[i], t1 = table[i + 1u];

	/* |t1 - t0| < 2^15 and f < 2^7: the product fits 22 bits. */
	return t0 + circe_hls_rounding_divide_by_pot((t1 - t0) * f, CIRCE_HLS_ACT_FRAC_BITS);
}

int16_t circe_hls_sigmoid_q12(int16_t x)
{
#pragma HLS INLINE
	int32_t y = circe_hls_act_interp(circe_hls_sigmoid_table, x);

	/* sigmoid(|x|) is in [16384, 32767], so 32768 - y fits int16. */
	return (int16_t)(x < 0 ? (1 << CIRCE_HW_LSTM_ACT_FRAC) - y : y);
}

int16_t circe_hls_tanh_q12(int16_t x)
{
#pragma HLS INLINE
	int32_t y = circe_hls_act_interp(circe_hls_tanh_table, x);

	return (int16_t)(x < 0 ? -y : y);
}

/* One hidden unit. Formats: pre-activations Q3.12, activations Q0.15, cell
 * Q4.11; f * c is Q4.26 and i * g Q0.30, both brought to Q4.11 by one
 * rounding shift each, then added and saturated. */
static void circe_hls_lstm_unit(const struct circe_hw_desc_lstm *d, const int16_t pre[4], int16_t c,
				int16_t *c_new, int8_t *h)
{
#pragma HLS INLINE
	int32_t ig = circe_hls_sigmoid_q12(pre[0]);
	int32_t fg = circe_hls_sigmoid_q12(pre[1]);
	int32_t gg = circe_hls_tanh_q12(pre[2]);
	int32_t og = circe_hls_sigmoid_q12(pre[3]);
	int32_t fc = circe_hls_rounding_divide_by_pot(fg * c, CIRCE_HW_LSTM_ACT_FRAC);
	int32_t igp = circe_hls_rounding_divide_by_pot(ig * gg, 2 * CIRCE_HW_LSTM_ACT_FRAC -
									CIRCE_HW_LSTM_CELL_FRAC);
	int16_t cn = circe_hls_sat16(fc + igp);
	/* Q4.11 -> Q3.12: one more fraction bit, saturating at +-8. */
	int16_t c12 = circe_hls_sat16((int32_t)cn * 2);
	int32_t tc = circe_hls_tanh_q12(c12);
	int32_t v = circe_hls_requantize(og * tc, d->h_rq.m0, d->h_rq.shift);

	v = circe_hls_add32(d->h_zp, v);
	*c_new = cn;
	*h = (int8_t)circe_hls_clamp32(v, INT8_MIN, INT8_MAX);
}

void circe_hls_lstm(const struct circe_hw_desc_lstm *d, const int16_t *gx, const int16_t *gh,
		    const int16_t *c_in, int16_t *c_out, int8_t *h)
{
#pragma HLS INTERFACE mode = m_axi port = gx offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = gh offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = c_in offset = slave bundle = gmem_rd
#pragma HLS INTERFACE mode = m_axi port = c_out offset = slave bundle = gmem_wr
#pragma HLS INTERFACE mode = m_axi port = h offset = slave bundle = gmem_wr
#pragma HLS INTERFACE mode = s_axilite port = d
#pragma HLS INTERFACE mode = s_axilite port = return
	uint32_t n;
	int no_gh;

	if (circe_hls_lstm_check(d) != 0)
		return;
	n = d->hidden;
	no_gh = (d->flags & CIRCE_HW_LSTM_NO_GH) != 0;
	for (uint32_t j = 0; j < n; j++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16384
		int16_t pre[4];
		int16_t c = c_in[j], cn;
		int8_t hv;

		for (uint32_t g = 0; g < 4; g++) {
#pragma HLS UNROLL
			int32_t s = gx[g * n + j];

			if (!no_gh)
				s += gh[g * n + j];
			pre[g] = circe_hls_sat16(s);
		}
		circe_hls_lstm_unit(d, pre, c, &cn, &hv);
		c_out[j] = cn;
		h[j] = hv;
	}
}
