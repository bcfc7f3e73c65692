#!/usr/bin/env python3
# make demo's helper for the digits classifier, standard library only (numpy
# is not a dependency of the demo):
#   npy_digits.py slice X.npy N OUT.npy     the first N sequences of X
#   npy_digits.py score Y.npy LABELS.npy    accuracy of argmax(Y) against them
# Only the little-endian float32 / int32 C-order .npy files circe and the
# model scripts write are read.
import ast
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit("npy_digits: %s: not a .npy file" % path)
    major = data[6]
    hlen_size = 2 if major == 1 else 4
    hlen = int.from_bytes(data[8:8 + hlen_size], "little")
    start = 8 + hlen_size
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    if header["fortran_order"] or header["descr"] not in ("<f4", "<i4"):
        sys.exit("npy_digits: %s: need C-order <f4 or <i4, got %s" % (path, header))
    return header, data[start + hlen:]


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def write(path, descr, shape, payload):
    text = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape).rstrip(" ") if len(shape) > 1
        else "%d," % shape[0])
    pad = 64 - (10 + len(text) + 1) % 64
    header = (text + " " * pad + "\n").encode("latin1")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "slice":
        header, payload = read(sys.argv[2])
        n = int(sys.argv[3])
        shape = header["shape"]
        if not 1 <= n <= shape[0]:
            sys.exit("npy_digits: slice of %d from %d sequences" % (n, shape[0]))
        row = count(shape[1:]) * 4
        write(sys.argv[4], header["descr"], (n,) + tuple(shape[1:]), payload[:n * row])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        yh, y = read(sys.argv[2])
        lh, lab = read(sys.argv[3])
        n, classes = yh["shape"]
        labels = struct.unpack("<%di" % lh["shape"][0], lab)
        logits = struct.unpack("<%df" % (n * classes), y)
        right = 0
        for i in range(n):
            row = logits[i * classes:(i + 1) * classes]
            right += row.index(max(row)) == labels[i]
        print("%d of %d held-back digits right (%.1f %%)" % (right, n, 100.0 * right / n))
    else:
        sys.exit(__doc__ if __doc__ else "usage: npy_digits.py slice|score ...")


main()
