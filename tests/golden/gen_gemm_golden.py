#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Golden cases for circe's quantized GEMM.

An independent model of the integer definition in docs/numerics.md, in plain
Python 3 (standard library only: Python integers are exact, so the int32
wrap, gemmlowp's truncating division and the rounding shift are written out
explicitly rather than inherited from C). It writes, under tests/golden/gemm/:

  NAME_a.npy   int8    [m, k]  input
  NAME_w.npy   int8    [n, k]  weights (int4 cases: values in [-8, 7], unpacked)
  NAME_b.npy   int32   [n]     bias at scale input_scale * weight_scale (if any)
  NAME_ws.npy  float32 [n]     per-channel weight scales (per-channel cases only)
  NAME_y.npy   int8    [m, n]  expected output
  cases.tsv    one line per case: the scales and zero points

Scales are float32. The real multiplier of a channel is computed in double as
float(input_scale) * float(weight_scale) / float(output_scale) and turned into
(m0, shift) by TFLite's QuantizeMultiplier. The output is int8 in [-128, 127];
with relu the lower bound is output_zero_point.

Usage: python3 tests/golden/gen_gemm_golden.py [--out DIR] [--check]
The output is byte-for-byte reproducible; --check regenerates into memory and
fails if any file on disk differs.
"""

import argparse
import math
import os
import random
import struct
import sys
from fractions import Fraction

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

# name, m, k, n, weight_bits, per_channel, bias, relu, seed
CASES = [
    ("pt_1x1x1", 1, 1, 1, 8, False, False, False, 1001),
    ("pt_7x33x5", 7, 33, 5, 8, False, False, False, 1002),
    ("pc_bias_37x300x19", 37, 300, 19, 8, True, True, False, 1003),
    ("int4_pc_bias_7x33x5", 7, 33, 5, 4, True, True, False, 1004),
    ("int4_pc_bias_37x300x19", 37, 300, 19, 4, True, True, False, 1005),
    ("relu_pc_bias_129x64x300", 129, 64, 300, 8, True, True, True, 1006),
    ("relu_pt_bias_300x17x1", 300, 17, 1, 8, False, True, True, 1007),
    ("int4_pt_relu_64x129x33", 64, 129, 33, 4, False, False, True, 1008),
]

TSV_COLUMNS = [
    "name", "m", "k", "n", "weight_bits", "input_scale", "input_zero_point",
    "output_scale", "output_zero_point", "weight_scale", "bias", "relu",
]


# ---------------------------------------------------------------------------
# The integer definition
# ---------------------------------------------------------------------------

def to_f32(x):
    """The float32 nearest to x, as a Python float (exactly representable)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def round_half_away(x):
    """Round a float to the nearest integer, ties away from zero, exactly."""
    f = Fraction(x)
    mag = math.floor(abs(f) + Fraction(1, 2))
    return mag if f >= 0 else -mag


def quantize_multiplier(real):
    """TFLite QuantizeMultiplier: real = m0 * 2^(shift - 31), m0 in [2^30, 2^31)."""
    if real < 0 or math.isnan(real) or math.isinf(real):
        raise ValueError("multiplier %r is negative or not finite" % real)
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        raise ValueError("multiplier %r needs a shift above 30" % real)
    return q_fixed, shift


def wrap32(v):
    """The int32 congruent to v modulo 2^32 (two's-complement wrap)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


def trunc_div(num, den):
    """C's integer division: the quotient truncated toward zero (den > 0)."""
    q = abs(num) // den
    return q if num >= 0 else -q


def srdhm(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return trunc_div(ab + nudge, 1 << 31)


def rounding_divide_by_pot(x, exponent):
    """gemmlowp RoundingDivideByPOT (Python's >> and & act on two's complement)."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def requantize(acc, m0, shift):
    """TFLite MultiplyByQuantizedMultiplier; the left shift wraps in int32."""
    shift = min(max(shift, -31), 30)
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    return rounding_divide_by_pot(srdhm(wrap32(acc << left), m0), right)


def gemm(a, w, bias, rq, in_zp, out_zp, lo, hi):
    """a [m][k], w [n][k], bias [n] or None, rq [n] of (m0, shift) -> y [m][n]."""
    y = []
    for arow in a:
        x = [v - in_zp for v in arow]
        out = []
        for j, wrow in enumerate(w):
            acc = sum(p * q for p, q in zip(x, wrow))
            if bias is not None:
                acc += bias[j]
            acc = wrap32(acc)
            m0, shift = rq[j]
            v = wrap32(out_zp + requantize(acc, m0, shift))
            out.append(min(max(v, lo), hi))
        y.append(out)
    return y


def self_test():
    """The hand-computed values of tests/test_hls.c, so the two cannot drift."""
    checks = [
        (srdhm(INT32_MIN, INT32_MIN), INT32_MAX),
        (srdhm(INT32_MIN, INT32_MAX), -2147483647),
        (srdhm(INT32_MAX, INT32_MAX), 2147483646),
        (srdhm(1 << 30, 1), 1),
        (srdhm(-(1 << 30), 1), 0),
        (srdhm(-3, 1 << 30), -1),
        (srdhm(3, 1 << 30), 2),
        (rounding_divide_by_pot(5, 1), 3),
        (rounding_divide_by_pot(-5, 1), -3),
        (rounding_divide_by_pot(-6, 2), -2),
        (rounding_divide_by_pot(INT32_MIN, 31), -1),
        (rounding_divide_by_pot(INT32_MAX, 31), 1),
        (rounding_divide_by_pot(-1, 31), 0),
        (requantize(5, 1 << 30, -1), 2),
        (requantize(-5, 1 << 30, -1), -1),
        (requantize(1 << 30, 1 << 30, 1), -(1 << 30)),
        (requantize(3, 1 << 30, 30), -(1 << 29)),
        (requantize(INT32_MAX, 1 << 30, -31), 1),
        (quantize_multiplier(0.1), (1717986918, -3)),
        (quantize_multiplier(1.0), (1 << 30, 1)),
        (quantize_multiplier(2.0 ** -33), (0, 0)),
        (quantize_multiplier(math.ldexp(1.0 - 2.0 ** -40, -5)), (1 << 30, -4)),
    ]
    for i, (got, want) in enumerate(checks):
        if got != want:
            raise AssertionError("self test %d: got %r, want %r" % (i, got, want))


# ---------------------------------------------------------------------------
# Case generation and files
# ---------------------------------------------------------------------------

def npy_bytes(descr, shape, payload):
    """A .npy version 1.0 file: magic, header dict padded to 64 bytes, data."""
    if len(shape) == 1:
        shape_txt = "(%d,)" % shape[0]
    else:
        shape_txt = "(" + ", ".join(str(d) for d in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_txt)
    pad = (-(10 + len(header) + 1)) % 64
    header = header + " " * pad + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
            header.encode("latin1") + payload)


def i8_bytes(rows):
    return struct.pack("<%db" % sum(len(r) for r in rows), *[v for r in rows for v in r])


def i32_bytes(vals):
    return struct.pack("<%di" % len(vals), *vals)


def f32_bytes(vals):
    return struct.pack("<%df" % len(vals), *vals)


def fmt_scale(s):
    """Nine significant digits: strtof() reads back exactly this float32."""
    return "%.9g" % s


def make_case(spec):
    name, m, k, n, bits, per_channel, has_bias, relu, seed = spec
    rng = random.Random(seed)
    wmax = 7 if bits == 4 else 127
    wmin = -8 if bits == 4 else -127

    in_zp = rng.randint(-128, 127)
    out_zp = rng.randint(-50, 50)
    s_in = to_f32(rng.uniform(0.005, 0.05))
    a = [[rng.randint(-128, 127) for _ in range(k)] for _ in range(m)]
    w = [[rng.randint(wmin, wmax) for _ in range(k)] for _ in range(n)]
    if per_channel:
        ws = [to_f32(rng.uniform(0.002, 0.02)) for _ in range(n)]
    else:
        ws = [to_f32(rng.uniform(0.002, 0.02))] * n

    # An output scale that puts a typical accumulator near +-40.
    x_rms = math.sqrt(sum((v - in_zp) ** 2 for r in a for v in r) / (m * k))
    w_rms = math.sqrt(sum(v * v for r in w for v in r) / (n * k)) or 1.0
    typical = x_rms * w_rms * math.sqrt(k) or 1.0
    s_out = to_f32(s_in * (sum(ws) / n) * typical / 40.0)
    bias = None
    if has_bias:
        bias = [rng.randint(-int(typical), int(typical)) for _ in range(n)]

    rq = []
    for j in range(n):
        real = float(s_in) * float(ws[j]) / float(s_out)
        rq.append(quantize_multiplier(real))
    lo = out_zp if relu else -128
    y = gemm(a, w, bias, rq, in_zp, out_zp, lo, 127)

    files = {
        name + "_a.npy": npy_bytes("|i1", (m, k), i8_bytes(a)),
        name + "_w.npy": npy_bytes("|i1", (n, k), i8_bytes(w)),
        name + "_y.npy": npy_bytes("|i1", (m, n), i8_bytes(y)),
    }
    if has_bias:
        files[name + "_b.npy"] = npy_bytes("<i4", (n,), i32_bytes(bias))
    if per_channel:
        files[name + "_ws.npy"] = npy_bytes("<f4", (n,), f32_bytes(ws))
    row = [
        name, str(m), str(k), str(n), str(bits), fmt_scale(s_in), str(in_zp),
        fmt_scale(s_out), str(out_zp), "per-channel" if per_channel else fmt_scale(ws[0]),
        "yes" if has_bias else "no", "yes" if relu else "no",
    ]
    return files, "\t".join(row) + "\n"


def generate():
    files = {}
    tsv = "\t".join(TSV_COLUMNS) + "\n"
    for spec in CASES:
        case_files, line = make_case(spec)
        files.update(case_files)
        tsv += line
    files["cases.tsv"] = tsv.encode("ascii")
    return files


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "gemm"),
                    help="output directory (default: tests/golden/gemm)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the files on disk instead of writing")
    args = ap.parse_args()

    self_test()
    files = generate()
    if args.check:
        bad = []
        for fname, data in sorted(files.items()):
            path = os.path.join(args.out, fname)
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        bad.append(fname)
            except OSError:
                bad.append(fname)
        for fname in bad:
            print("differs or missing: %s" % os.path.join(args.out, fname), file=sys.stderr)
        return 1 if bad else 0
    os.makedirs(args.out, exist_ok=True)
    for fname, data in sorted(files.items()):
        with open(os.path.join(args.out, fname), "wb") as f:
            f.write(data)
    print("wrote %d files for %d cases to %s" % (len(files), len(CASES), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
