#!/usr/bin/python3
"""bench/torch/supernet.py - PyTorch side of `bench/torch/run_supernet.sh`:
the NB201 weight-sharing supernet that the C engine trains (nn/SUPERNET.md),
timed like `nastab bench supernet` and printed as the same key=value lines.

The supernet (xautodl's TinyNetworkDarts / NAS201SearchCell, as the engine
builds it): the TinyNetwork skeleton of compare.py (stem conv3x3 + affine
BN; N cells at C, residual reduction to 2C, N cells, reduction to 4C, N
cells; affine BN, ReLU, global average pool, linear), with every cell edge
holding all five candidate ops with their own weights:
  none          output 0 (not computed: it adds nothing to the sum and its
                weight's gradient is 0, so both sides skip it; xautodl
                computes x.mul(0.))
  skip_connect  x
  nor_conv_1x1  ReLU -> Conv1x1 (no bias) -> BatchNorm2d(affine=False)
  nor_conv_3x3  ReLU -> Conv3x3 (no bias) -> BatchNorm2d(affine=False)
  avg_pool_3x3  AvgPool2d(3, 1, 1, count_include_pad=False)
The cell BNs are non-affine with track_running_stats=True, as NB201's search
scripts build them; every cell has its own op weights; alpha (6 x 5) is
shared by all cells.

Modes (one training step = zero_grad, forward, cross-entropy, backward,
clip_grad_norm_(5), SGD Nesterov 0.9 with weight decay 5e-4 over all
supernet weights, lr 0.025, as NB201's search scripts and
`nastab search`'s weight step):
  mixed  DARTS: node_j = sum_i sum_o softmax(alpha_e)_o op_o(node_i), alpha
         a leaf with requires_grad (N(0, 1e-3)), so backward also computes
         d loss / d alpha, as the engine's mixed mode does;
  path   SPOS/RSPS: one op per edge, a new cell every step from the LCG
         of bench/cmd_bench_supernet.c (next_cell), the same cell sequence
         as the engine. zero_grad keeps zero gradients (set_to_none=False),
         so SGD updates every weight as the engine's SGD over the whole
         block does.
Data: random N(0,1) images and labels. Threads: torch.set_num_threads.
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn as nn

from compare import ReLUConvBN, ResNetBasicblock

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # NB201 edge order (from, to)


class NonAffineReLUConvBN(nn.Sequential):
    def __init__(self, c, k):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, k, stride=1, padding=k // 2, bias=False),
            nn.BatchNorm2d(c, eps=1e-5, momentum=0.1, affine=False, track_running_stats=True),
        )


class SearchCell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList()
        for _ in EDGES:
            self.edges.append(nn.ModuleList([
                nn.Identity(),
                NonAffineReLUConvBN(c, 1),
                NonAffineReLUConvBN(c, 3),
                nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
            ]))  # ops 1..4 of OPS; none has no module

    def forward_mixed(self, x, w):
        nodes = [x]
        for j in range(1, 4):
            s = None
            for e, (i, to) in enumerate(EDGES):
                if to != j:
                    continue
                for o in range(1, 5):
                    v = self.edges[e][o - 1](nodes[i]) * w[e, o]
                    s = v if s is None else s + v
            nodes.append(s)
        return nodes[-1]

    def forward_path(self, x, cell):
        nodes = [x]
        for j in range(1, 4):
            s = None
            for e, (i, to) in enumerate(EDGES):
                if to != j or cell[e] == 0:
                    continue
                v = self.edges[e][cell[e] - 1](nodes[i])
                s = v if s is None else s + v
            nodes.append(s if s is not None else torch.zeros_like(x))
        return nodes[-1]


class SuperNet(nn.Module):
    def __init__(self, C, N, in_ch, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        self.blocks = nn.ModuleList()
        c = C
        for stage in range(3):
            if stage > 0:
                self.blocks.append(ResNetBasicblock(c, 2 * c))
                c *= 2
            for _ in range(N):
                self.blocks.append(SearchCell(c))
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten())
        self.classifier = nn.Linear(c, classes)
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(OPS)))

    def weight_params(self):
        return [p for n, p in self.named_parameters() if n != "alpha"]

    def forward(self, x, cell=None):
        x = self.stem(x)
        w = torch.softmax(self.alpha, dim=-1) if cell is None else None
        for b in self.blocks:
            if isinstance(b, SearchCell):
                x = b.forward_mixed(x, w) if cell is None else b.forward_path(x, cell)
            else:
                x = b(x)
        return self.classifier(self.head(x))


MASK64 = (1 << 64) - 1


def next_cell(state):
    """bench/cmd_bench_supernet.c next_cell: Knuth's MMIX LCG, op = (state >> 33) % 5."""
    ops = []
    for _ in EDGES:
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK64
        ops.append((state >> 33) % len(OPS))
    return state, ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("mixed", "path"), required=True)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--cells", type=int, default=1)
    ap.add_argument("--in-ch", type=int, default=1)
    ap.add_argument("--size", type=int, default=14)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    net = SuperNet(a.channels, a.cells, a.in_ch, a.classes)
    wparams = net.weight_params()
    opt = torch.optim.SGD(wparams, lr=0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, a.in_ch, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch,))
    mixed = a.mode == "mixed"
    if not mixed:
        net.alpha.requires_grad_(False)
    state = a.seed

    net.train()
    rates, cpu_rates = [], []
    first_loss = last_loss = None
    for rep in range(-a.warmup, a.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            cell = None
            if not mixed:
                state, cell = next_cell(state)
            opt.zero_grad(set_to_none=False)
            if mixed and net.alpha.grad is not None:
                net.alpha.grad.zero_()
            loss = loss_fn(net(x, cell), y)
            loss.backward()
            nn.utils.clip_grad_norm_(wparams, 5.0)
            opt.step()
            if first_loss is None:
                first_loss = loss.item()
        last_loss = loss.item()
        if rep >= 0:
            rates.append(a.batch * a.steps / (time.perf_counter() - t0))
            cpu_rates.append(a.batch * a.steps / (time.process_time() - c0))

    cfg = torch.__config__.show()
    blas = "unknown"
    for line in cfg.splitlines():
        if "BLAS_INFO" in line:
            blas = line.split("BLAS_INFO=")[1].split(",")[0]
    print("config=C%d_N%d_%dx%dx%d_cls%d_b%d" % (a.channels, a.cells, a.in_ch, a.size, a.size,
                                                  a.classes, a.batch))
    print("mode=%s" % a.mode)
    print("torch_version=%s" % torch.__version__)
    print("torch_threads=%d" % torch.get_num_threads())
    print("torch_blas=%s" % blas)
    print("torch_mkldnn=%d" % int(torch.backends.mkldnn.is_available()))
    print("params=%d" % sum(p.numel() for p in wparams))
    print("steps=%d\nrepeats=%d\nwarmup=%d" % (a.steps, a.repeats, a.warmup))
    print("train_images_per_s=%.2f" % statistics.median(rates))
    print("train_cpu_images_per_s=%.2f" % statistics.median(cpu_rates))
    print("loss_first=%.9g\nloss_last=%.9g" % (first_loss, last_loss))
    if mixed:
        print("arch_grad_l1=%.9g" % net.alpha.grad.abs().sum().item())
    return 0


if __name__ == "__main__":
    sys.exit(main())
