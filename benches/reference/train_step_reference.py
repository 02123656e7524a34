"""PyTorch-eager reference of one training step of the LCN / CNN of srhm-models.

The network, initialisation and optimiser are those of SPEC §4 written the way a
PyTorch user would write them (nn.Module, torch.optim.SGD, F.cross_entropy,
zero_grad / backward / step). Weights are drawn in the same order from the same
seed as srhm-models draws them, and minibatch t is rows (t·B … t·B+B−1) mod P of
the data file, so both implementations see the same numbers: equal losses step by
step show that they compute the same thing.

With `--members E` it trains E networks at once, the strongest way to write that in
PyTorch eager: every weight stacked on a leading ensemble dimension ([E, ...]), the
layers as batched matrix products (`torch.bmm`), one autograd graph and one optimiser
for all E (member e drawn from seed `--seed` + e, as srhm-models draws an ensemble
of seeds 0..E). Every member sees the same minibatch; the loss is the sum of the
members' mean cross-entropies, so each member's gradient is its own.

Usage (the bench `train_step` runs it on the project's .venv Python):
    python train_step_reference.py DATA.bin P D --model lcn --levels 2 --patch 2
        --s0 2 --vocab 10 --classes 10 --width 64 --lr 0.003 --batch 4 --seed 0
        --threads 1 --check-steps 20 --time-steps 200 --repeats 5 [--fused]
        [--members E]
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


class HierarchicalEnsemble(nn.Module):
    """E independent HierarchicalNets with weights stacked as [E, ...]: one batched
    product per layer for all members (and all positions of an LCN)."""

    def __init__(self, model, levels, k, vocab, width, classes, seeds):
        super().__init__()
        self.model, self.k, self.width = model, k, width
        per_member = []
        for seed in seeds:  # the same draws, in the same order, as one network per seed
            torch.manual_seed(seed)
            per_member.append(HierarchicalNet(model, levels, k, vocab, width, classes))
        self.hidden = nn.ParameterList(
            nn.Parameter(torch.stack([m.hidden[i].data for m in per_member]))
            for i in range(levels))
        self.readout = nn.Parameter(torch.stack([m.readout.data for m in per_member]))

    def forward(self, x):  # x: [E, B, d, channels]
        members, batch = x.shape[0], x.shape[1]
        for w in self.hidden:
            length, channels = x.shape[2], x.shape[3]
            n = length // self.k
            if self.model == "lcn":
                # [E·n, B, k·C] @ [E·n, k·C, H]: one matrix per member and position.
                patches = x.reshape(members, batch, n, self.k * channels).transpose(1, 2)
                pre = torch.bmm(patches.reshape(members * n, batch, -1),
                                w.reshape(members * n, self.k * channels, -1))
                pre = pre.reshape(members, n, batch, -1).transpose(1, 2)
            else:
                pre = torch.bmm(x.reshape(members, batch * n, self.k * channels), w)
                pre = pre.reshape(members, batch, n, -1)
            x = torch.relu(pre / math.sqrt(channels))
        return torch.bmm(x.mean(dim=2), self.readout) / self.width


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
    parser.add_argument("--members", type=int, default=0,
                        help="train E networks as one batched ensemble (0: one nn.Module)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    raw = np.fromfile(args.data, dtype="<i4")
    p, d = args.rows, args.length
    tokens = torch.from_numpy(raw[: p * d].reshape(p, d).astype(np.int64))
    labels = torch.from_numpy(raw[p * d: p * d + p].astype(np.int64))
    # Blank (−1) becomes an extra class that is then dropped: an all-zero column.
    x_all = F.one_hot(torch.where(tokens < 0, args.vocab, tokens), args.vocab + 1)[..., : args.vocab]
    x_all = x_all.float().contiguous()

    k = args.patch * (args.s0 + 1)
    if args.members:
        seeds = range(args.seed, args.seed + args.members)
        net = HierarchicalEnsemble(args.model, args.levels, k, args.vocab, args.width,
                                   args.classes, seeds)
    else:
        torch.manual_seed(args.seed)
        net = HierarchicalNet(args.model, args.levels, k, args.vocab, args.width, args.classes)
    optimiser = torch.optim.SGD(net.parameters(), lr=args.lr * args.width, momentum=0.9,
                                fused=args.fused or None)
    offsets = torch.arange(args.batch)
    step = 0

    def train_step():
        nonlocal step
        rows = (step * args.batch + offsets) % p
        step += 1
        if args.members:
            x = x_all[rows].unsqueeze(0).expand(args.members, -1, -1, -1)
            logits = net(x)
            per_member = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                         labels[rows].repeat(args.members),
                                         reduction="none").reshape(args.members, -1).mean(1)
            loss = per_member.sum()
        else:
            per_member = loss = F.cross_entropy(net(x_all[rows]), labels[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        return per_member

    # Losses of the first member (the first network) step by step.
    losses = [train_step().reshape(-1)[0].item() for _ in range(args.check_steps)]
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
        "members": max(args.members, 1),
    }))


if __name__ == "__main__":
    main()
