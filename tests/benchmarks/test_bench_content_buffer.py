"""Micro-benchmarks of ContentBuffer on a realistic token stream (both backends).

Run with ``python -m pytest tests/benchmarks/test_bench_content_buffer.py --benchmark-enable``;
in the normal suite (``--benchmark-disable``) each runs once as a smoke test.
"""

from __future__ import annotations

import pytest

from l0._bench.kernel_content import token_stream

STREAM = token_stream(20_000, seed=1)
TEXT = "".join(STREAM)


@pytest.fixture
def filled(kernels):
    """A buffer holding the 20k-token stream."""
    buf = kernels.ContentBuffer()
    for tok in STREAM:
        buf.append(tok)
    return buf


def test_append_stream(benchmark, kernels):
    def run():
        buf = kernels.ContentBuffer()
        append = buf.append
        for tok in STREAM:
            append(tok)
        return buf

    buf = benchmark(run)
    assert len(buf) == len(TEXT)


def test_append_then_tail(benchmark, kernels):
    """The guardrail pattern: every token, look at the last 64 characters."""

    def run():
        buf = kernels.ContentBuffer()
        append, tail = buf.append, buf.tail
        for tok in STREAM[:5000]:
            append(tok)
            tail(64)
        return buf

    buf = benchmark(run)
    assert buf.tail(64) == "".join(STREAM[:5000])[-64:]


def test_tail(benchmark, filled):
    assert benchmark(filled.tail, 256) == TEXT[-256:]


def test_since(benchmark, filled):
    pos = len(TEXT) - 500
    assert benchmark(filled.since, pos) == TEXT[pos:]


def test_since_every_check_interval(benchmark, kernels):
    """Append 20k tokens, reading the delta since the previous check every 10 tokens."""

    def run():
        buf = kernels.ContentBuffer()
        append, since = buf.append, buf.since
        seen = 0
        for i, tok in enumerate(STREAM):
            append(tok)
            if i % 10 == 9:
                since(seen)
                seen = len(buf)
        return buf

    assert len(benchmark(run)) == len(TEXT)


def test_content_after_change(benchmark, filled):
    """Full materialization (one append invalidates the cache each round)."""

    def run():
        filled.append("")
        filled.append("x")
        text = filled.content
        filled.truncate(len(TEXT))
        return text

    assert benchmark(run) == TEXT + "x"


def test_content_cached(benchmark, filled):
    text = filled.content
    assert benchmark(lambda: filled.content) is text
