#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Character-level LSTM language model of the licence texts Debian ships.

Text: /usr/share/common-licenses/{GPL-2, LGPL-2.1, Apache-2.0, GPL-3}
(package base-files), concatenated in that order; sha256 of each file goes
into the model's metadata and the golden JSON. The first 90 % trains, the
last 10 % is held back.

Vocabulary: the characters present, sorted, padded with unused symbols to a
multiple of 8 (so a circulant k = 8 divides the one-hot input). Input: one-hot
[T, V] (the graph has no embedding layer); LSTM(hidden 128,
return_sequences) -> Linear(V) at every step: the logits of the next
character. Every sequence starts from a zero state, in training and in
evaluation, as `circe run` runs them. Variants:

  charlm_dense   dense matrices
  charlm_circ8   weight_ih and weight_hh circulant, k = 8 (fc dense)
  charlm_circ8h  weight_hh circulant, k = 8; weight_ih dense (with a one-hot
                 input, a circulant weight_ih ties the 8 characters of a
                 block to rotations of one vector: it costs the most)

Writes models/charlm_<variant>.safetensors and, under tests/golden/models/:
charlm_X.npy (float32 [8, 64, V], one-hot held-back sequences),
charlm_targets.npy (int32 [8, 64], the next characters),
charlm_<variant>_logits.npy (float32 [8, 64, V]), charlm_<variant>.json
(float bits per character on those sequences and on the whole held-back
text), charlm_vocab.json. Usage:
  /usr/bin/python3 models/train_charlm.py [--variants dense,circ8] [--steps N]
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circe_models as cm  # noqa: E402

LICENSES = "/usr/share/common-licenses"
FILES = ["GPL-2", "LGPL-2.1", "Apache-2.0", "GPL-3"]
TRAIN_SEED = 2
HIDDEN = 128
SEQ = 64  # golden and evaluation sequence length
TRAIN_SEQ = 32  # training windows (shorter: the machine is small)
BATCH = 32
GOLDEN_SEQS = 8
VOCAB_MULTIPLE = 8
VARIANTS = {"dense": (1, 1), "circ8": (8, 8), "circ8h": (1, 8)}


class CharLM(nn.Module):
    def __init__(self, vocab, k_ih, k_hh):
        super().__init__()
        self.vocab = vocab
        self.lstm = cm.Lstm(vocab, HIDDEN, k_ih, k_hh)
        self.fc = nn.Linear(HIDDEN, vocab)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)


def load_text():
    parts, sums = [], {}
    for f in FILES:
        path = os.path.join(LICENSES, f)
        parts.append(open(path, encoding="utf-8").read())
        sums[path] = cm.sha256_file(path)
    text = "".join(parts)
    chars = sorted(set(text))
    vocab = len(chars) + (-len(chars) % VOCAB_MULTIPLE)
    ids = np.array([chars.index(c) for c in text], dtype=np.int64)
    split = int(len(ids) * 0.9)
    return ids[:split], ids[split:], chars, vocab, sums


def one_hot(ids, vocab):
    return nn.functional.one_hot(torch.as_tensor(ids), vocab).float()


def bpc(logits, targets):
    """Mean bits per character of targets under softmax(logits)."""
    nll = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                      torch.as_tensor(targets).reshape(-1))
    return float(nll) / math.log(2)


def heldback_windows(test, n, seq):
    """n windows of seq inputs (+1 target) spread evenly over the held-back text."""
    starts = np.linspace(0, len(test) - seq - 1, n).astype(np.int64)
    x = np.stack([test[s:s + seq] for s in starts])
    y = np.stack([test[s + 1:s + seq + 1] for s in starts])
    return x, y


def all_windows(test, seq):
    n = (len(test) - 1) // seq
    x = test[:n * seq].reshape(n, seq)
    y = test[1:n * seq + 1].reshape(n, seq)
    return x, y


def train(variant, train_ids, test_ids, vocab, steps):
    k_ih, k_hh = VARIANTS[variant]
    cm.setup_torch(TRAIN_SEED)
    net = CharLM(vocab, k_ih, k_hh)
    opt = torch.optim.Adam(net.parameters(), lr=8e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator().manual_seed(TRAIN_SEED)
    ids = torch.from_numpy(train_ids)
    tx, ty = all_windows(test_ids, SEQ)
    t0 = time.time()
    total = 0.0
    for step in range(steps):
        net.train()
        starts = torch.randint(0, len(ids) - TRAIN_SEQ - 1, (BATCH,), generator=gen)
        win = torch.stack([ids[s:s + TRAIN_SEQ + 1] for s in starts.tolist()])
        logits = net(one_hot(win[:, :-1], vocab))
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), win[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        total += loss.item()
        if step % 100 == 99 or step == steps - 1:
            net.eval()
            with torch.no_grad():
                held = bpc(net(one_hot(tx, vocab)), ty)
            print(f"  {variant} step {step + 1}: train bpc {total / 100 / math.log(2):.3f} "
                  f"held-back bpc {held:.3f} ({time.time() - t0:.0f} s)", flush=True)
            total = 0.0
    return net, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--models", default=os.path.join(cm.repo_root(), "models"))
    ap.add_argument("--golden", default=os.path.join(cm.repo_root(), "tests", "golden", "models"))
    args = ap.parse_args()
    os.makedirs(args.golden, exist_ok=True)

    train_ids, test_ids, chars, vocab, sums = load_text()
    gx, gy = heldback_windows(test_ids, GOLDEN_SEQS, SEQ)
    ax, ay = all_windows(test_ids, SEQ)
    cm.save_npy(os.path.join(args.golden, "charlm_X.npy"), one_hot(gx, vocab).numpy(), "<f4")
    cm.save_npy(os.path.join(args.golden, "charlm_targets.npy"), gy, "<i4")
    cm.save_json(os.path.join(args.golden, "charlm_vocab.json"),
                 {"chars": "".join(chars), "vocab": vocab, "files": sums})
    for variant in args.variants.split(","):
        k_ih, k_hh = VARIANTS[variant]
        net, seconds = train(variant, train_ids, test_ids, vocab, args.steps)
        net.eval()
        with torch.no_grad():
            logits = net(one_hot(gx, vocab))
            held_bpc = bpc(net(one_hot(ax, vocab)), ay)
            # Calibration of the fc output range on training windows.
            cal = train_ids[:(len(train_ids) // SEQ) * SEQ].reshape(-1, SEQ)[::4]
            out_absmax = cm.absmax(net(one_hot(cal, vocab)))
        golden_bpc = bpc(logits, gy)
        graph = {
            "input": {"features": vocab, "absmax": 1.0},
            "layers": [net.lstm.graph("lstm0", True),
                       cm.fc_graph("fc", net.fc, out_absmax)],
        }
        tensors = {**net.lstm.tensors("lstm0"), **cm.fc_tensors("fc", net.fc)}
        name = f"charlm_{variant}"
        info = {
            "circe.model": name,
            "circe.data": {"files": sums, "order": FILES, "train": "first 90 %",
                           "heldback": "last 10 %"},
            "circe.vocab": "".join(chars),
            "circe.train": {"seed": TRAIN_SEED, "steps": args.steps, "batch": BATCH,
                            "seq": TRAIN_SEQ, "optimizer": "Adam lr 8e-3 cosine, clip 1.0",
                            "torch": torch.__version__, "threads": cm.TORCH_THREADS},
        }
        cm.write_safetensors(os.path.join(args.models, name + ".safetensors"), tensors,
                             cm.model_metadata(graph, info))
        cm.save_npy(os.path.join(args.golden, name + "_logits.npy"), logits.numpy(), "<f4")
        cm.save_json(os.path.join(args.golden, name + ".json"), {
            "model": name, "k_ih": k_ih, "k_hh": k_hh, "hidden": HIDDEN, "vocab": vocab,
            "params": cm.param_count(tensors),
            "golden_seqs": GOLDEN_SEQS, "seq": SEQ, "float_bpc": golden_bpc,
            "heldback_chars": int(ay.size), "float_bpc_heldback": held_bpc,
            "steps": args.steps,
        })
        print(f"{name}: float bpc {golden_bpc:.3f} on the golden sequences, "
              f"{held_bpc:.3f} on {ay.size} held-back characters, "
              f"{cm.param_count(tensors)} parameters, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
