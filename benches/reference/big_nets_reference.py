"""PyTorch-eager versions of srhm-models' 1-D big nets (VGG11/16, ResNet18/34,
EfficientNet-B0), timed on training steps for `cargo bench --bench big_nets`.

The same channel plans as crates/srhm-models/src/big/ (the parameter count is
printed so the bench can check the two are the same network), standard PyTorch
initialisation, SGD with momentum 0.9 at lr 1e-4, batch 4, cross-entropy on
random one-hot inputs. Prints one JSON object: parameters and µs per step
(median over repeats of the mean over `--time-steps` steps).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn


def scaled(channels, width):
    return max(1, math.floor(channels * width / 64 + 0.5))


class ConvBn(nn.Module):
    def __init__(self, cin, cout, kernel, stride=1, groups=1, bias=False, act="relu"):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=bias)
        self.bn = nn.BatchNorm1d(cout)
        self.act = {"relu": nn.ReLU(), "swish": nn.SiLU(), "none": nn.Identity()}[act]

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


def halve(x):
    return nn.functional.max_pool1d(x, 2, 2) if x.shape[2] >= 2 else x


class VggLayer(nn.Module):
    def __init__(self, cin, cout, pool):
        super().__init__()
        self.conv = ConvBn(cin, cout, 3, bias=True)
        self.pool = pool

    def forward(self, x):
        y = self.conv(x)
        return halve(y) if self.pool else y


VGG = {
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
}


def vgg(depth, v, width):
    blocks, c = [], v
    for stage in VGG[depth]:
        for i, out in enumerate(stage):
            blocks.append(VggLayer(c, scaled(out, width), i + 1 == len(stage)))
            c = scaled(out, width)
    return blocks, c


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.first = ConvBn(cin, cout, 3, stride)
        self.second = ConvBn(cout, cout, 3, act="none")
        self.shortcut = ConvBn(cin, cout, 1, stride, act="none") if stride != 1 or cin != cout else None

    def forward(self, x):
        skip = self.shortcut(x) if self.shortcut is not None else x
        return torch.relu(self.second(self.first(x)) + skip)


def resnet(depth, v, width):
    c = scaled(64, width)
    blocks = [ConvBn(v, c, 3)]
    for stage, count in enumerate({18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[depth]):
        out = scaled(64 << stage, width)
        for i in range(count):
            blocks.append(BasicBlock(c, out, 2 if stage > 0 and i == 0 else 1))
            c = out
    return blocks, c


B0 = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
      (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]


class MbConv(nn.Module):
    def __init__(self, cin, cout, expansion, kernel, stride, drop):
        super().__init__()
        hidden, squeeze = cin * expansion, max(1, int(cin * 0.25))
        self.expand = ConvBn(cin, hidden, 1, act="swish") if expansion != 1 else None
        self.depthwise = ConvBn(hidden, hidden, kernel, stride, groups=hidden, act="swish")
        self.reduce = nn.Conv1d(hidden, squeeze, 1)
        self.grow = nn.Conv1d(squeeze, hidden, 1)
        self.project = ConvBn(hidden, cout, 1, act="none")
        self.residual = stride == 1 and cin == cout
        self.drop = drop

    def forward(self, x):
        h = self.expand(x) if self.expand is not None else x
        h = self.depthwise(h)
        s = torch.sigmoid(self.grow(nn.functional.silu(self.reduce(h.mean(2, keepdim=True)))))
        y = self.project(h * s)
        if not self.residual:
            return y
        if self.training and self.drop > 0:
            keep = 1 - self.drop
            mask = (torch.rand(y.shape[0], 1, 1, device=y.device) < keep).to(y.dtype)
            return x + y * mask / keep
        return x + y


def efficientnet(v, width):
    c = scaled(32, width)
    blocks = [ConvBn(v, c, 3, 2, act="swish")]
    total, n = sum(s[4] for s in B0), 0
    for expansion, kernel, stride, out, repeats in B0:
        out = scaled(out, width)
        for i in range(repeats):
            blocks.append(MbConv(c, out, expansion, kernel, stride if i == 0 else 1, 0.2 * n / total))
            c, n = out, n + 1
    head = scaled(1280, width)
    blocks.append(ConvBn(c, head, 1, act="swish"))
    return blocks, head


class Net(nn.Module):
    def __init__(self, name, v, nc, width):
        super().__init__()
        blocks, c = {
            "vgg11": lambda: vgg(11, v, width),
            "vgg16": lambda: vgg(16, v, width),
            "resnet18": lambda: resnet(18, v, width),
            "resnet34": lambda: resnet(34, v, width),
            "efficientnet-b0": lambda: efficientnet(v, width),
        }[name]()
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(0.2 if name == "efficientnet-b0" else 0.0)
        self.classifier = nn.Linear(c, nc)

    def forward(self, x):  # x: [N, d, v], channel-last like srhm-models
        h = self.blocks(x.permute(0, 2, 1))
        return self.classifier(self.dropout(h.mean(2)))


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", required=True)
    a.add_argument("--width", type=int, default=64)
    a.add_argument("--vocab", type=int, default=10)
    a.add_argument("--classes", type=int, default=10)
    a.add_argument("--length", type=int, default=36)
    a.add_argument("--threads", type=int, default=1)
    a.add_argument("--device", default="cpu")
    a.add_argument("--time-steps", type=int, default=50)
    a.add_argument("--repeats", type=int, default=5)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    net = Net(args.model, args.vocab, args.classes, args.width).to(device).train()
    opt = torch.optim.SGD(net.parameters(), lr=1e-4, momentum=0.9)
    tokens = torch.randint(args.vocab, (1024, args.length))
    x_all = nn.functional.one_hot(tokens, args.vocab).float().to(device)
    y_all = torch.randint(args.classes, (1024,)).to(device)
    step = [0]

    def one_step():
        rows = torch.arange(step[0] * 4, step[0] * 4 + 4) % 1024
        step[0] += 1
        loss = nn.functional.cross_entropy(net(x_all[rows]), y_all[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(10):
        one_step()
    times = []
    for _ in range(args.repeats):
        sync()
        start = time.perf_counter()
        for _ in range(args.time_steps):
            one_step()
        sync()
        times.append((time.perf_counter() - start) / args.time_steps)
    times.sort()
    print(json.dumps({
        "parameters": sum(p.numel() for p in net.parameters()),
        "us_per_step": 1e6 * times[len(times) // 2],
    }))


if __name__ == "__main__":
    main()
