# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of circe's training scripts (train_digits.py, train_charlm.py).

- circulant weights: a matrix of k x k circulant blocks kept as its defining
  vectors [p, q, k] (docs/model-format.md, "Circulant tensors"); the dense
  matrix is rebuilt from them on every forward pass, so gradient descent only
  ever sees (and changes) the defining vectors: the structure holds from the
  first step, as in C-LSTM, instead of being projected onto afterwards.
- Lstm: one PyTorch nn.LSTM layer (gates i, f, g, o) whose weight_ih and
  weight_hh may each be circulant; it runs on torch's fused LSTM kernel with
  the rebuilt matrices.
- calibration: absmax of a tensor (the model format's ranges).
- a safetensors writer (plain struct + json, no safetensors package) that
  writes the circe.format / circe.graph metadata.

Runs with Debian's python3-torch (1.13) and python3-numpy.
"""

import hashlib
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn

# The machine is shared; the thread count is also part of what makes a rerun
# give the same bytes (the reduction order of a matmul depends on it).
TORCH_THREADS = 1


def setup_torch(seed):
    torch.set_num_threads(TORCH_THREADS)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def circ_index(k):
    """idx[r][c] = (r - c) mod k: circ(w)[r][c] = w[idx[r][c]]."""
    r = torch.arange(k).view(k, 1)
    c = torch.arange(k).view(1, k)
    return (r - c) % k


def circ_expand(vec, k):
    """Defining vectors [p, q, k] -> dense [p*k, q*k] (differentiable).

    A product with a constant 0/1 tensor rather than an index gather: its
    backward pass is a plain matmul too (a gather's scatter-add backward is
    several times slower under deterministic algorithms)."""
    p, q, kk = vec.shape
    assert kk == k
    sel = nn.functional.one_hot(circ_index(k), k).permute(2, 0, 1).reshape(k, k * k)
    blocks = (vec.reshape(p * q, k) @ sel.to(vec.dtype)).view(p, q, k, k)
    return blocks.permute(0, 2, 1, 3).reshape(p * k, q * k)


class CircWeight(nn.Module):
    """A [rows, cols] weight, dense (k = 1) or block-circulant (k > 1)."""

    def __init__(self, rows, cols, k, bound):
        super().__init__()
        if k > 1 and (rows % k or cols % k):
            raise ValueError(f"k = {k} does not divide [{rows}, {cols}]")
        self.rows, self.cols, self.k = rows, cols, k
        shape = (rows, cols) if k == 1 else (rows // k, cols // k, k)
        # Same init as nn.LSTM / nn.Linear: every entry of the dense matrix
        # is one of the defining values, so they share its distribution.
        self.param = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))

    def dense(self):
        return self.param if self.k == 1 else circ_expand(self.param, self.k)

    def stored(self):
        """The tensor as the model file holds it."""
        return self.param.detach().clone()


class Lstm(nn.Module):
    """nn.LSTM (one layer, batch_first) with optionally circulant matrices."""

    def __init__(self, input_size, hidden_size, k_ih=1, k_hh=1):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.k_ih, self.k_hh = k_ih, k_hh
        bound = 1.0 / math.sqrt(hidden_size)
        self.w_ih = CircWeight(4 * hidden_size, input_size, k_ih, bound)
        self.w_hh = CircWeight(4 * hidden_size, hidden_size, k_hh, bound)
        self.b_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))
        self.b_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))

    def forward(self, x, state=None):
        n = x.shape[0]
        if state is None:
            z = x.new_zeros(1, n, self.hidden_size)
            state = (z, z)
        weights = [self.w_ih.dense(), self.w_hh.dense(), self.b_ih, self.b_hh]
        out, h, c = torch._VF.lstm(x, state, weights, True, 1, 0.0, self.training, False, True)
        return out, (h, c)

    def graph(self, name, return_sequences):
        return {
            "type": "lstm", "name": name, "input_size": self.input_size,
            "hidden_size": self.hidden_size, "proj_size": 0,
            "k_ih": self.k_ih, "k_hh": self.k_hh, "k_proj": 1,
            "return_sequences": return_sequences,
        }

    def tensors(self, name):
        return {
            f"{name}.weight_ih": self.w_ih.stored(),
            f"{name}.weight_hh": self.w_hh.stored(),
            f"{name}.bias": (self.b_ih + self.b_hh).detach().clone(),
        }


def fc_graph(name, fc, out_absmax, activation="none"):
    return {
        "type": "fc", "name": name, "in_features": fc.in_features,
        "out_features": fc.out_features, "k": 1, "activation": activation,
        "out_absmax": float(out_absmax),
    }


def fc_tensors(name, fc):
    return {f"{name}.weight": fc.weight.detach().clone(), f"{name}.bias": fc.bias.detach().clone()}


def absmax(t):
    """Calibration range: the largest |value| (float32, as stored)."""
    return float(np.float32(t.detach().abs().max().item()))


def write_safetensors(path, tensors, metadata):
    """tensors: name -> float tensor (written F32, row-major, little-endian),
    in sorted name order; metadata: str -> str."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].detach().cpu().numpy(), dtype="<f4")
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def model_metadata(graph, extra):
    meta = {"circe.format": "1", "circe.graph": json.dumps(graph, sort_keys=True)}
    for k, v in extra.items():
        meta[k] = v if isinstance(v, str) else json.dumps(v, sort_keys=True)
    return meta


def save_npy(path, array, dtype):
    np.save(path, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)


def save_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def param_count(tensors):
    return int(sum(t.numel() for t in tensors.values()))


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
