#!/usr/bin/python3
"""DREDGE Studio against what a user would otherwise run: the same training
cases in PyTorch (Debian's python3-torch), written from docs/reference.md as
the public research code trains them: one module per wave, stacked into a
linear head, full-batch Adam (lr 1e-3) on the MSE, gradients released each
epoch. One thread on both sides. Rounds alternate the two (PyTorch in this
process, bench_training in a child), so that both see the machine's speed of
the moment; each side's figure is the median over rounds of its ms/epoch,
and the ratio is the median of the rounds' ratios.

usage: bench/compare_pytorch.py [--bench build/bench/bench_training] [--rounds R] [filter]
Not a test: it prints figures (issue 29's targets: chirp >= 150x, 4-D >= 40x,
6-D >= 30x).
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time

import torch

torch.set_num_threads(1)


class Wave(torch.nn.Module):
    """docs/reference.md §1.1: one Quasimoto wave in D dimensions."""

    def __init__(self, dims):
        super().__init__()
        self.A = torch.nn.Parameter(torch.ones(1))
        self.k = torch.nn.Parameter(torch.randn(dims))
        self.omega = torch.nn.Parameter(torch.randn(1))
        self.v = torch.nn.Parameter(torch.randn(dims))
        self.log_sigma = torch.nn.Parameter(torch.zeros(1))
        self.phi = torch.nn.Parameter(torch.zeros(1))
        self.epsilon = torch.nn.Parameter(torch.full((1,), 0.1))
        self.lmbda = torch.nn.Parameter(torch.randn(dims))

    def forward(self, x, t):
        phase = x @ self.k - self.omega * t
        sigma = torch.exp(self.log_sigma)
        rel = x - t.unsqueeze(1) * self.v
        envelope = torch.exp(-0.5 * (rel * rel).sum(1) / sigma**2)
        modulation = torch.sin(self.phi + self.epsilon * torch.cos(x @ self.lmbda))
        return self.A * torch.cos(phase) * envelope * modulation


class Ensemble(torch.nn.Module):
    """docs/reference.md §1.2: n waves stacked, then Linear(n -> 1)."""

    def __init__(self, dims, waves):
        super().__init__()
        self.waves = torch.nn.ModuleList(Wave(dims) for _ in range(waves))
        self.head = torch.nn.Linear(waves, 1)

    def forward(self, x, t):
        return self.head(torch.stack([w(x, t) for w in self.waves], dim=1))


def grid(low, high, size, dims):
    axis = torch.linspace(low, high, size)
    mesh = torch.meshgrid(*([axis] * dims), indexing="ij")
    return torch.stack([m.reshape(-1) for m in mesh], dim=1)


def chirp():
    x = torch.linspace(-10, 10, 1000)
    y = torch.sin(0.5 * x**2) * torch.exp(-0.1 * x**2)
    y[500:550] += 0.5 * torch.sin(20 * x[500:550])
    return x.unsqueeze(1), y.unsqueeze(1)


def volume4d(size):
    x = grid(-5, 5, size, 3)
    a, b, c = x.unbind(1)
    s = torch.exp(-0.5 * (a**2 + b**2 + c**2)) * torch.sin(2 * a) * torch.cos(2 * b)
    return x, (s * torch.sin(2 * c)).unsqueeze(1)


def hyper6d(size):
    x = grid(-3, 3, size, 5)
    x1, x2, x3, x4, x5 = x.unbind(1)
    s = torch.exp(-0.1 * (x * x).sum(1)) * torch.sin(x1 + x2) * torch.cos(x3)
    return x, (s * torch.sin(x4 - x5) * torch.cos(x2 * x4)).unsqueeze(1)


def large_signal(n):
    """bench_training's 200,000-point CSV signal (largeSignalCsv)."""
    x = torch.linspace(-10, 10, n, dtype=torch.float64)
    y = torch.sin(x * x * 0.5) * torch.exp(-0.02 * x * x) + 0.5 * ((x - 1).abs() < 0.2)
    return x.float().unsqueeze(1), y.float().unsqueeze(1)


# name in bench_training, data, waves, PyTorch epochs per round, target ratio
CASES = [
    ("chirp ensemble n=16", chirp, 16, 60, 150),
    ("4-D 20^3 ensemble n=8", lambda: volume4d(20), 8, 30, 40),
    ("6-D 8^5 ensemble n=6", lambda: hyper6d(8), 6, 15, 30),
    ("200,000-point CSV ensemble n=16", lambda: large_signal(200_000), 16, 3, None),
    ("4-D 64^3 ensemble n=8", lambda: volume4d(64), 8, 3, None),
]


def pytorch_ms_per_epoch(model, optimizer, x, t, y, epochs):
    start = time.perf_counter()
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x, t), y)
        loss.backward()
        optimizer.step()
    return 1e3 * (time.perf_counter() - start) / epochs


def ours_ms_per_epoch(bench, name):
    """bench_training's median ms/epoch for the case, one thread."""
    out = subprocess.run([bench, "--threads", "1", "--epochs-scale", "0.1", "=" + name],
                         check=True, capture_output=True, text=True).stdout
    row = [line for line in out.splitlines() if line.startswith(name)][-1]
    return float(row[len(name):].split()[0])


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--bench", default=os.path.join(here, "..", "build", "bench",
                                                        "bench_training"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("filter", nargs="?", default="")
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} thread) against "
          f"{os.path.relpath(args.bench)}; {args.rounds} rounds in turn, medians")
    print(f"{'case':34} {'PyTorch ms':>11} {'ours ms':>9} {'ratio':>8} {'target':>7}")
    for name, make, waves, epochs, target in CASES:
        if args.filter not in name:
            continue
        torch.manual_seed(0)
        x, y = make()
        t = torch.zeros(x.shape[0])
        model = Ensemble(x.shape[1], waves)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        pytorch_ms_per_epoch(model, optimizer, x, t, y, 2)  # first calls allocate
        theirs, ours, ratios = [], [], []
        for _ in range(args.rounds):
            a = pytorch_ms_per_epoch(model, optimizer, x, t, y, epochs)
            b = ours_ms_per_epoch(args.bench, name)
            theirs.append(a)
            ours.append(b)
            ratios.append(a / b)
        ratio = statistics.median(ratios)
        verdict = "-" if target is None else (f">={target}" + (" ok" if ratio >= target else " NO"))
        print(f"{name:34} {statistics.median(theirs):11.3f} {statistics.median(ours):9.3f} "
              f"{ratio:7.1f}x {verdict:>7}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
