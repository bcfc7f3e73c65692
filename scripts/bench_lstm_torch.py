#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The CPU figure beside `circe bench lstm`: the same LSTM shape in PyTorch
(Debian's python3-torch) on this machine, batch 1, a sequence of --steps
steps per call, float32 and dynamic int8 (torch.ao.quantization
.quantize_dynamic), 2 threads. Prints one JSON line; frames_per_second is
steps per second of the faster of the two. Without torch it prints a line
with "skip" and the reason (exit status 0).

usage: bench_lstm_torch.py [--input 153] [--hidden 1024] [--proj 0]
                           [--steps 64] [--seconds 2] [--threads 2]
"""
import argparse
import json
import sys
import time


def measure(fn, seconds):
    """Median seconds of one call of fn, over calls for about `seconds`."""
    fn()  # warm-up: allocation, packing of the weights
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2], len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", type=int, default=153)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--proj", type=int, default=0)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    out = {"benchmark": "lstm_torch", "input": a.input, "hidden": a.hidden,
           "proj": a.proj, "steps": a.steps, "threads": a.threads}
    try:
        import torch
    except ImportError as e:
        out["skip"] = "torch is not installed (apt-get install python3-torch): %s" % e
        print(json.dumps(out))
        print("# skip: " + out["skip"], file=sys.stderr)
        return 0
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    out["torch"] = torch.__version__
    lstm = torch.nn.LSTM(a.input, a.hidden, proj_size=a.proj, batch_first=True).eval()
    x = torch.randn(1, a.steps, a.input)
    with torch.inference_mode():
        t, n = measure(lambda: lstm(x), a.seconds)
        out["float_seconds_per_sequence"] = t
        out["float_frames_per_second"] = a.steps / t
        out["float_calls"] = n
        try:
            q = torch.ao.quantization.quantize_dynamic(lstm, {torch.nn.LSTM}, dtype=torch.qint8)
            t, n = measure(lambda: q(x), a.seconds)
            out["int8_seconds_per_sequence"] = t
            out["int8_frames_per_second"] = a.steps / t
            out["int8_calls"] = n
        except Exception as e:  # e.g. no dynamic quantized LSTM with proj_size
            out["int8_frames_per_second"] = None
            out["int8_skip"] = "%s: %s" % (type(e).__name__, e)
    best = max(v for v in (out["float_frames_per_second"],
                           out.get("int8_frames_per_second")) if v is not None)
    out["frames_per_second"] = best
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
