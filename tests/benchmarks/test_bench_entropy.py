"""Micro-benchmarks of EntropyRing and shannon_entropy (both backends).

Run with ``python -m pytest tests/benchmarks/test_bench_entropy.py --benchmark-enable``.
"""

from __future__ import annotations

import random

from l0._bench.kernel_content import token_stream

_RNG = random.Random(3)
VALUES = [_RNG.gauss(4.0, 1.0) for _ in range(10_000)]
WINDOW = "".join(token_stream(2_000, seed=2))[:2048]


def test_push_stream(benchmark, kernels):
    def run():
        ring = kernels.EntropyRing(256)
        push = ring.push
        for x in VALUES:
            push(x)
        return ring

    assert benchmark(run).count == 256


def test_push_mean_std(benchmark, kernels):
    """Per value: push, then read mean and std (the drift detector's pattern)."""

    def run():
        ring = kernels.EntropyRing(64)
        push, mean, std = ring.push, ring.mean, ring.std
        for x in VALUES[:2000]:
            push(x)
            mean()
            std()
        return ring

    assert benchmark(run).count == 64


def test_std(benchmark, kernels):
    ring = kernels.EntropyRing(256)
    for x in VALUES:
        ring.push(x)
    assert benchmark(ring.std) > 0.0


def test_shannon_entropy_window(benchmark, kernels):
    assert 3.0 < benchmark(kernels.shannon_entropy, WINDOW) < 6.0


def test_shannon_entropy_wide(benchmark, kernels):
    text = "\u4e2d\u6587\u6587\u672c" * 256 + WINDOW[:512]
    assert benchmark(kernels.shannon_entropy, text) > 1.0
