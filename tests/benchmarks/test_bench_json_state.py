"""Micro-benchmarks of JsonStreamState on a ~100 KB realistic document (both backends).

Run with ``python -m pytest tests/benchmarks/test_bench_json_state.py --benchmark-enable``;
in the normal suite (``--benchmark-disable``) each runs once as a smoke test.
``python -m l0._bench.kernel_json`` prints ns/chunk and the flatness table.
"""

from __future__ import annotations

import json

import pytest

from l0._bench.kernel_json import chunk_text, realistic_document

DOC = realistic_document(100_000)
CHUNKS = chunk_text(DOC)
PREFIX = DOC[: len(DOC) // 2]


@pytest.fixture
def half_fed(kernels):
    """A state fed the first half of the document (deep inside it)."""
    state = kernels.JsonStreamState()
    state.feed(PREFIX)
    return state


def test_feed_chunks(benchmark, kernels):
    """The streaming pattern: one feed per 1-7 character chunk."""

    def run():
        state = kernels.JsonStreamState()
        feed = state.feed
        for chunk in CHUNKS:
            feed(chunk)
        return state

    state = benchmark(run)
    assert state.complete and state.offset == len(DOC)


def test_feed_whole_document(benchmark, kernels):
    def run():
        state = kernels.JsonStreamState()
        state.feed(DOC)
        return state

    assert benchmark(run).complete


def test_closing_plan_mid_document(benchmark, half_fed):
    drop, suffix = benchmark(half_fed.closing_plan)
    json.loads(PREFIX[: len(PREFIX) - drop] + suffix)


def test_copy_mid_document(benchmark, half_fed):
    other = benchmark(half_fed.copy)
    assert other.stack == half_fed.stack and other.offset == half_fed.offset
