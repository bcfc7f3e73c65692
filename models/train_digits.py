#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Digits classifier: an LSTM over scikit-learn's bundled handwritten digits.

Each 8 x 8 image is a sequence of 8 time steps (its rows) of 8 features
(pixel values 0..16 scaled to [0, 1]). LSTM(hidden 128) -> Linear(10) on the
last step. Variants (docs/models.md):

  digits_dense    every matrix dense
  digits_circ4    weight_ih and weight_hh circulant, k = 4
  digits_circ8    both k = 8
  digits_circ16   weight_hh k = 16, weight_ih k = 8 (8 features: 16 cannot divide)

The fc layer (10 outputs) stays dense in every variant. The circulant
matrices are trained as circulant from the first step (defining vectors are
the parameters).

Writes models/digits_<variant>.safetensors and, under tests/golden/models/:
digits_X.npy (float32 [N, 8, 8], the held-back images), digits_labels.npy
(int32 [N]), digits_<variant>_logits.npy (float32 [N, 10]: the float model's
output), digits_<variant>.json (float metrics). Usage:
  /usr/bin/python3 models/train_digits.py [--variants dense,circ8] [--epochs N]
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circe_models as cm  # noqa: E402

SPLIT_SEED = 5  # the stratified 80/20 split
TRAIN_SEED = 1  # init and batch order
HIDDEN = 128
VARIANTS = {
    "dense": (1, 1),
    "circ4": (4, 4),
    "circ8": (8, 8),
    "circ16": (8, 16),
}


class DigitsNet(nn.Module):
    def __init__(self, k_ih, k_hh):
        super().__init__()
        self.lstm = cm.Lstm(8, HIDDEN, k_ih, k_hh)
        self.fc = nn.Linear(HIDDEN, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def load():
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)  # [n, 8 rows, 8 columns]
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, stratify=y, random_state=SPLIT_SEED)


def train(variant, xtr, ytr, xte, yte, epochs):
    k_ih, k_hh = VARIANTS[variant]
    cm.setup_torch(TRAIN_SEED)
    net = DigitsNet(k_ih, k_hh)
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    gen = torch.Generator().manual_seed(TRAIN_SEED)
    t0 = time.time()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            loss = nn.functional.cross_entropy(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if epoch % 5 == 4 or epoch == epochs - 1:
            net.eval()
            with torch.no_grad():
                acc = (net(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
            print(f"  {variant} epoch {epoch + 1}: loss {total / len(xt):.4f} "
                  f"held-back accuracy {100 * acc:.2f} %", flush=True)
    return net, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--models", default=os.path.join(cm.repo_root(), "models"))
    ap.add_argument("--golden", default=os.path.join(cm.repo_root(), "tests", "golden", "models"))
    args = ap.parse_args()
    os.makedirs(args.golden, exist_ok=True)

    xtr, xte, ytr, yte = load()
    cm.save_npy(os.path.join(args.golden, "digits_X.npy"), xte, "<f4")
    cm.save_npy(os.path.join(args.golden, "digits_labels.npy"), yte, "<i4")
    for variant in args.variants.split(","):
        k_ih, k_hh = VARIANTS[variant]
        net, seconds = train(variant, xtr, ytr, xte, yte, args.epochs)
        net.eval()
        with torch.no_grad():
            train_logits = net(torch.from_numpy(xtr))
            logits = net(torch.from_numpy(xte))
        acc = float((logits.argmax(1).numpy() == yte).mean())
        graph = {
            "input": {"features": 8, "absmax": cm.absmax(torch.from_numpy(xtr))},
            "layers": [net.lstm.graph("lstm0", False),
                       cm.fc_graph("fc", net.fc, cm.absmax(train_logits))],
        }
        tensors = {**net.lstm.tensors("lstm0"), **cm.fc_tensors("fc", net.fc)}
        info = {
            "circe.model": f"digits_{variant}",
            "circe.data": "sklearn.datasets.load_digits, 8 rows as 8 steps of 8 "
                          "features / 16; stratified 80/20 split, random_state "
                          f"{SPLIT_SEED}",
            "circe.train": {"seed": TRAIN_SEED, "epochs": args.epochs, "batch": 64,
                            "optimizer": "Adam lr 5e-3 cosine", "torch": torch.__version__,
                            "threads": cm.TORCH_THREADS},
        }
        name = f"digits_{variant}"
        cm.write_safetensors(os.path.join(args.models, name + ".safetensors"), tensors,
                             cm.model_metadata(graph, info))
        cm.save_npy(os.path.join(args.golden, name + "_logits.npy"), logits.numpy(), "<f4")
        cm.save_json(os.path.join(args.golden, name + ".json"), {
            "model": name, "k_ih": k_ih, "k_hh": k_hh, "hidden": HIDDEN,
            "params": cm.param_count(tensors),
            "n": int(len(yte)), "float_accuracy": acc,
            "epochs": args.epochs,
        })
        print(f"{name}: float accuracy {100 * acc:.2f} % on {len(yte)} held-back "
              f"images, {cm.param_count(tensors)} parameters, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
