"""PyTorch-eager reference of one training step of the LCN / CNN of srhm-models.

The network, initialisation and optimiser are those of SPEC §4 written the way a
PyTorch user would write them (nn.Module, torch.optim.SGD, F.cross_entropy,
zero_grad / backward / step). Weights are drawn in the same order from the same
seed as srhm-models draws them, and minibatch t is rows (t·B … t·B+B−1) mod P of
the data file, so both implementations see the same numbers: equal losses step by
step show that they compute the same thing.

Usage (the bench `train_step` runs it on the project's .venv Python):
    python train_step_reference.py DATA.bin P D --model lcn --levels 2 --patch 2
        --s0 2 --vocab 10 --classes 10 --width 64 --lr 0.003 --batch 4 --seed 0
        --threads 1 --check-steps 20 --time-steps 200 --repeats 5 [--fused]
DATA.bin holds P·D int32 tokens (−1 = blank) then P int32 labels, little-endian.
Prints one JSON object: the losses of the first check steps, µs per step (median
over repeats of the mean over time-steps) and the settings.
"""

import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class HierarchicalNet(nn.Module):
    """L layers of non-overlapping patches (filter = stride = k), ReLU, mean pooling
    over the last layer's positions and a linear readout, mean-field scaled as the
    paper's Eq. 9-10: each hidden layer divides by the square root of the number of
    channels below (v, then H; not the filter size), the readout by H."""

    def __init__(self, model, levels, k, vocab, width, classes):
        super().__init__()
        self.model, self.k, self.width = model, k, width
        self.hidden = nn.ParameterList()
        for layer in range(1, levels + 1):
            channels = vocab if layer == 1 else width
            positions = k ** (levels - layer)
            shape = (positions, k * channels, width) if model == "lcn" else (k * channels, width)
            self.hidden.append(nn.Parameter(torch.randn(shape)))
        self.readout = nn.Parameter(torch.randn(width, classes))

    def forward(self, x):  # x: [B, d, channels], channel-last one-hot
        for w in self.hidden:
            batch, length, channels = x.shape
            patches = x.reshape(batch, length // self.k, self.k * channels)
            if self.model == "lcn":
                pre = torch.einsum("bnj,njh->bnh", patches, w)
            else:
                pre = patches @ w
            x = torch.relu(pre / math.sqrt(channels))
        return x.mean(dim=1) @ self.readout / self.width


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("rows", type=int)
    parser.add_argument("length", type=int)
    for name, default in [("levels", 2), ("patch", 2), ("s0", 2), ("vocab", 10),
                          ("classes", 10), ("width", 64), ("batch", 4), ("seed", 0),
                          ("threads", 1), ("check-steps", 20), ("time-steps", 200),
                          ("repeats", 5)]:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--model", choices=["lcn", "cnn"], default="lcn")
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--fused", action="store_true", help="torch.optim.SGD(fused=True)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    raw = np.fromfile(args.data, dtype="<i4")
    p, d = args.rows, args.length
    tokens = torch.from_numpy(raw[: p * d].reshape(p, d).astype(np.int64))
    labels = torch.from_numpy(raw[p * d: p * d + p].astype(np.int64))
    # Blank (−1) becomes an extra class that is then dropped: an all-zero column.
    x_all = F.one_hot(torch.where(tokens < 0, args.vocab, tokens), args.vocab + 1)[..., : args.vocab]
    x_all = x_all.float().contiguous()

    torch.manual_seed(args.seed)
    k = args.patch * (args.s0 + 1)
    net = HierarchicalNet(args.model, args.levels, k, args.vocab, args.width, args.classes)
    optimiser = torch.optim.SGD(net.parameters(), lr=args.lr * args.width, momentum=0.9,
                                fused=args.fused or None)
    offsets = torch.arange(args.batch)
    step = 0

    def train_step():
        nonlocal step
        rows = (step * args.batch + offsets) % p
        step += 1
        loss = F.cross_entropy(net(x_all[rows]), labels[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        return loss

    losses = [train_step().item() for _ in range(args.check_steps)]
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.time_steps):
            train_step()
        timings.append((time.perf_counter() - start) / args.time_steps)
    print(json.dumps({
        "losses": losses,
        "us_per_step": 1e6 * sorted(timings)[len(timings) // 2],
        "threads": torch.get_num_threads(),
        "fused": args.fused,
    }))


if __name__ == "__main__":
    main()
