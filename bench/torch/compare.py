#!/usr/bin/python3
"""bench/torch/compare.py - PyTorch side of `bench/torch/run.sh`: times the
NAS-Bench-201 TinyNetwork of one cell in PyTorch, built to match the C engine
(nn/nn.h) layer for layer, and prints key=value lines like
`nastab bench engine`.

The network (Dong & Yang, ICLR 2020, sec. 2.1; xautodl's TinyNetwork and
InferCell): stem conv3x3(in->C, no bias) + BN; N cells at C; ResNet
reduction block C->2C; N cells; reduction 2C->4C; N cells; BN, ReLU, global
average pool, linear. nor_conv_kxk = ReLU -> Conv(k, pad k//2, no bias) ->
BN(affine); avg_pool_3x3 = AvgPool2d(3, 1, 1, count_include_pad=False);
skip_connect = identity; none edges are dropped. Reduction block:
ReLUConvBN(3x3, stride 2) -> ReLUConvBN(3x3) plus the shortcut
AvgPool2d(2, 2) -> Conv1x1 (no BN). The shortcut pool uses ceil_mode=True as
the engine does (identical to NB201 for even sizes; for odd sizes it gives the
stride-2 conv's ceil(H/2)).

Training: SGD(momentum 0.9, Nesterov, weight decay 5e-4), one step =
zero_grad, forward, cross-entropy, backward, step; random N(0,1) inputs.
Inference: eval mode under torch.inference_mode(). Both in wall time and
in process CPU time (*_cpu_*, steadier on a shared machine). Threads:
torch.set_num_threads(--threads) (default 1). Initialisation does not
matter for speed and is PyTorch's default.
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn as nn


class ReLUConvBN(nn.Sequential):
    def __init__(self, cin, cout, k, stride):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
            nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1, affine=True),
        )


def make_op(name, c):
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3, 1)
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity()
    raise ValueError("unknown op " + name)


def parse_arch(s):
    """'|op~0|+|op~0|op~1|+|...|' -> [[(op, from), ...] for nodes 1..3]"""
    nodes = []
    for part in s.split("+"):
        edges = [e for e in part.split("|") if e]
        nodes.append([(e.split("~")[0], int(e.split("~")[1])) for e in edges])
    if len(nodes) != 3:
        raise ValueError("arch '%s': expected 3 nodes" % s)
    return nodes


class InferCell(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.edges = []  # per node: [(op index, from)]
        self.ops = nn.ModuleList()
        for node in arch:
            ins = []
            for name, j in node:
                if name == "none":
                    continue
                self.ops.append(make_op(name, c))
                ins.append((len(self.ops) - 1, j))
            self.edges.append(ins)

    def forward(self, x):
        nodes = [x]
        for ins in self.edges:
            s = None
            for k, j in ins:
                v = self.ops[k](nodes[j])
                s = v if s is None else s + v
            nodes.append(s if s is not None else torch.zeros_like(x))
        return nodes[-1]


class ResNetBasicblock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = ReLUConvBN(cin, cout, 3, 2)
        self.conv_b = ReLUConvBN(cout, cout, 3, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, stride=2, padding=0, ceil_mode=True),
            nn.Conv2d(cin, cout, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class TinyNetwork(nn.Module):
    def __init__(self, arch, C, N, in_ch, classes):
        super().__init__()
        layers = [nn.Conv2d(in_ch, C, 3, padding=1, bias=False), nn.BatchNorm2d(C)]
        c = C
        for stage in range(3):
            if stage > 0:
                layers.append(ResNetBasicblock(c, 2 * c))
                c *= 2
            layers += [InferCell(arch, c) for _ in range(N)]
        layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
                    "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--cells", type=int, default=5)
    ap.add_argument("--in-ch", type=int, default=3)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    net = TinyNetwork(parse_arch(a.arch), a.channels, a.cells, a.in_ch, a.classes)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4,
                          nesterov=True)
    loss_fn = nn.CrossEntropyLoss()
    infer_b = 64
    x = torch.randn(max(a.batch, infer_b), a.in_ch, a.size, a.size)
    y = torch.randint(0, a.classes, (max(a.batch, infer_b),))
    xb, yb = x[:a.batch].contiguous(), y[:a.batch].contiguous()

    net.train()
    rates, cpu_rates = [], []
    for rep in range(-1, a.repeats):  # one warm-up repeat
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
        loss.item()
        if rep >= 0:
            rates.append(a.batch * a.steps / (time.perf_counter() - t0))
            cpu_rates.append(a.batch * a.steps / (time.process_time() - c0))

    net.eval()
    lat, lat_cpu = {}, {}
    with torch.inference_mode():
        for n, reps in ((1, 20), (infer_b, a.repeats)):
            xi = x[:n].contiguous()
            net(xi)
            v, vc = [], []
            for _ in range(reps):
                t0, c0 = time.perf_counter(), time.process_time()
                net(xi)
                v.append(1e3 * (time.perf_counter() - t0))
                vc.append(1e3 * (time.process_time() - c0))
            lat[n] = statistics.median(v)
            lat_cpu[n] = statistics.median(vc)

    cfg = torch.__config__.show()
    blas = "unknown"
    for line in cfg.splitlines():
        if "BLAS_INFO" in line:
            blas = line.split("BLAS_INFO=")[1].split(",")[0]
    print("config=C%d_N%d_%dx%dx%d_cls%d_b%d" % (a.channels, a.cells, a.in_ch, a.size, a.size,
                                                  a.classes, a.batch))
    print("torch_version=%s" % torch.__version__)
    print("torch_threads=%d" % torch.get_num_threads())
    print("torch_blas=%s" % blas)
    print("torch_mkldnn=%d" % int(torch.backends.mkldnn.is_available()))
    print("params=%d" % sum(p.numel() for p in net.parameters()))
    print("train_images_per_s=%.2f" % statistics.median(rates))
    print("infer_ms_b1=%.3f" % lat[1])
    print("infer_ms_b64=%.3f" % lat[infer_b])
    print("train_cpu_images_per_s=%.2f" % statistics.median(cpu_rates))
    print("infer_cpu_ms_b1=%.3f" % lat_cpu[1])
    print("infer_cpu_ms_b64=%.3f" % lat_cpu[infer_b])
    return 0


if __name__ == "__main__":
    sys.exit(main())
