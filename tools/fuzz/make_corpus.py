#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the seed corpus of tools/fuzz/fuzz_model.c into tools/fuzz/corpus/:
small valid circe model files (valid-*) and broken ones (bad-*), one per kind
of bad input the loader must reject, and circe.graph texts alone (graph-*:
the harness also reads every input as a graph). tests/test_fuzz_model.c runs the
harness over every file and checks valid-* load and bad-* fail with a
message. Deterministic (fixed seed); rerun after changing the format.
"""
import json
import os
import random
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
rng = random.Random(1234)


def floats(n):
    return [round(rng.uniform(-0.5, 0.5), 3) for _ in range(n)]


def container(tensors, meta, pad=True, header=None):
    """tensors: list of (name, dtype, shape, bytes)."""
    h = {}
    if meta is not None:
        h["__metadata__"] = meta
    off = 0
    data = b""
    for name, dtype, shape, raw in tensors:
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        data += raw
    text = header if header is not None else json.dumps(h, separators=(",", ":"))
    text = text.encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def f32(shape):
    n = 1
    for d in shape:
        n *= d
    return struct.pack("<%df" % n, *floats(n))


def mat(rows, cols, k):
    return [rows, cols] if k == 1 else [rows // k, cols // k, k]


def model(features, layers, absmax=1.0, graph_extra=None):
    """layers: dicts in the circe.graph form. Returns (tensors, meta)."""
    tensors = []
    for l in layers:
        n = l["name"]
        if l["type"] == "fc":
            sh = mat(l["out_features"], l["in_features"], l.get("k", 1))
            tensors.append((n + ".weight", "F32", sh, f32(sh)))
            tensors.append((n + ".bias", "F32", [l["out_features"]], f32([l["out_features"]])))
        else:
            h, i, p = l["hidden_size"], l["input_size"], l.get("proj_size", 0)
            r = p or h
            for suffix, sh in (("weight_ih", mat(4 * h, i, l.get("k_ih", 1))),
                               ("weight_hh", mat(4 * h, r, l.get("k_hh", 1))),
                               ("bias", [4 * h])):
                tensors.append((n + "." + suffix, "F32", sh, f32(sh)))
            if p:
                sh = mat(p, h, l.get("k_proj", 1))
                tensors.append((n + ".weight_proj", "F32", sh, f32(sh)))
    graph = {"input": {"features": features, "absmax": absmax}, "layers": layers}
    if graph_extra:
        graph.update(graph_extra)
    meta = {"circe.format": "1", "circe.graph": json.dumps(graph)}
    return tensors, meta


def lstm(name, i, h, **kw):
    d = {"type": "lstm", "name": name, "input_size": i, "hidden_size": h}
    d.update(kw)
    return d


def fc(name, i, o, absmax=2.0, **kw):
    d = {"type": "fc", "name": name, "in_features": i, "out_features": o, "out_absmax": absmax}
    d.update(kw)
    return d


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith(("valid-", "bad-", "graph-")):
            os.remove(os.path.join(OUT, f))

    dense = model(4, [lstm("lstm0", 4, 8, k_hh=1, return_sequences=False), fc("fc", 8, 3)])
    write("valid-dense", container(*dense))
    circ = model(8, [lstm("lstm0", 8, 8, k_ih=4, k_hh=8, return_sequences=True),
                     fc("fc", 8, 4, k=4, activation="relu")])
    write("valid-circulant", container(*circ))
    proj = model(4, [lstm("l0", 4, 8, proj_size=4, k_hh=4, k_proj=4, proj_absmax=1.5,
                          return_sequences=True),
                     lstm("l1", 4, 4), fc("out", 4, 2, activation="none")])
    write("valid-proj-stack", container(*proj))
    fconly = model(3, [fc("a", 3, 5, activation="relu"), fc("b", 5, 2)])
    t, m = fconly
    t.append(("unused", "I64", [], struct.pack("<q", 7)))
    m["training.note"] = "extra metadata is ignored"
    write("valid-fc-extra", container(t, m))

    # circe.graph texts alone: the harness also reads each input as a graph.
    for name, (_, meta) in (("dense", dense), ("circulant", circ), ("proj-stack", proj),
                            ("fc", fconly)):
        write("graph-" + name, meta["circe.graph"].encode())

    blob = container(*dense)
    hlen = struct.unpack("<Q", blob[:8])[0]
    write("bad-truncated-size", blob[:5])
    write("bad-truncated-header", blob[:8 + hlen // 2])
    write("bad-truncated-data", blob[:-3])
    write("bad-header-size-huge", struct.pack("<Q", 1 << 63) + blob[8:])
    write("bad-header-not-json", container([], None, header='{"a": [1, 2'))
    write("bad-no-metadata", container(dense[0], None))
    t, m = model(4, [lstm("lstm0", 4, 8)])
    m["circe.graph"] = '{"input": {"features": 4, "absmax": NaN}, "layers": []}'
    write("bad-graph-nan", container(t, m))
    t, m = model(4, [lstm("lstm0", 4, 8)])
    m["circe.graph"] = m["circe.graph"].replace('"lstm"', '"gru"')
    write("bad-layer-type", container(t, m))
    t, m = dense
    t = [(n, "F16" if n == "fc.weight" else d, s, r[: len(r) // 2] if n == "fc.weight" else r)
         for n, d, s, r in t]
    write("bad-dtype", container(t, m))
    t, m = dense
    t = [(n, d, [8, 32] if n == "lstm0.weight_hh" else s, r) for n, d, s, r in t]
    write("bad-shape", container(t, m))
    h = json.loads(container(*dense)[8:8 + hlen].decode())
    h["fc.bias"]["data_offsets"] = [0, 12]
    write("bad-offsets-overlap", container([], None, header=json.dumps(h)) + blob[8 + hlen:])
    h["fc.bias"]["data_offsets"] = [-12, 0]
    write("bad-offsets-negative", container([], None, header=json.dumps(h)) + blob[8 + hlen:])
    h["fc.bias"]["data_offsets"] = [12, 0]
    write("bad-offsets-reversed", container([], None, header=json.dumps(h)) + blob[8 + hlen:])
    write("bad-k-not-dividing", container(*model(4, [lstm("lstm0", 4, 6, k_hh=4)])))
    write("bad-chain", container(*model(4, [lstm("lstm0", 4, 8), fc("fc", 6, 2)])))
    write("bad-absmax-negative", container(*model(4, [lstm("lstm0", 4, 8)], absmax=-1.0)))
    t, m = dense
    t = [(n, d, s, struct.pack("<f", float("nan")) + r[4:] if n == "fc.bias" else r)
         for n, d, s, r in t]
    write("bad-weight-nan", container(t, m))
    # Paths the first fuzzing runs did not reach on their own.
    write("bad-header-array", container([], None, header="[1, 2, 3]"))
    write("bad-metadata-not-object", container([], None, header='{"__metadata__": [1]}'))
    write("bad-shape-rank9", container([], None, header=json.dumps(
        {"t": {"dtype": "F32", "shape": [1] * 9, "data_offsets": [0, 4]}})) + b"\0" * 4)
    write("bad-shape-count-overflow", container([], None, header=json.dumps(
        {"t": {"dtype": "F32", "shape": [1 << 32] * 3, "data_offsets": [0, 4]}})))
    write("bad-shape-bytes-overflow", container([], None, header=json.dumps(
        {"t": {"dtype": "U64", "shape": [1 << 62], "data_offsets": [0, 4]}})))
    g = json.loads(dense[1]["circe.graph"])
    g["layers"][1]["activation"] = 1
    write("graph-activation-not-string", json.dumps(g).encode())
    g = json.loads(dense[1]["circe.graph"])
    g["layers"].append(7)
    write("graph-layer-not-object", json.dumps(g).encode())
    g = json.loads(dense[1]["circe.graph"])
    g["layers"].insert(1, lstm("lstm1", 8, 8))
    write("graph-lstm-after-last-step", json.dumps(g).encode())
    g = json.loads(dense[1]["circe.graph"])
    g["layers"] = [fc("fc%d" % i, 4, 4) for i in range(65)]
    write("graph-65-layers", json.dumps(g).encode())
    write("graph-array", b"[]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
