"""pytest-benchmark for the streaming hot path: ``l0.run`` over the reference scenarios.

CI runs these with ``--benchmark-disable`` (each body runs once and the
assertions still hold), so every scenario is exercised on both backends;
``python -m pytest tests/benchmarks/test_bench_runtime.py --benchmark-enable``
times them. The kernel micro-benchmarks live next to this file; the
cross-length and cross-implementation comparison is ``python -m l0 bench``.
"""

from __future__ import annotations

import asyncio

import pytest

import l0
from l0._bench import scenarios as sc

N_TOKENS = 2_000
EXPECTED_TEXT = "".join(sc.token_text(i) for i in range(N_TOKENS))


@pytest.fixture
def loop():
    """A private event loop reused by every benchmark round (no asyncio.run per round)."""
    lp = asyncio.new_event_loop()
    yield lp
    lp.run_until_complete(lp.shutdown_asyncgens())
    lp.close()


def test_raw_iteration_baseline(benchmark, loop):
    """The raw async iteration every overhead figure is relative to."""
    _, seen, stream = benchmark(lambda: loop.run_until_complete(sc.run_stream("raw", N_TOKENS, collect=False)))
    assert seen == N_TOKENS + 1
    assert stream is None


@pytest.mark.parametrize("scenario", [s for s in sc.SCENARIOS if s != "raw"])
def test_run_scenario(benchmark, loop, scenario):
    """``l0.run`` with the scenario's features: every token reaches the consumer and the state once."""
    _, seen, stream = benchmark(lambda: loop.run_until_complete(sc.run_stream(scenario, N_TOKENS, collect=False)))
    assert sc.check_result(scenario, N_TOKENS, seen, stream) is None
    assert stream.state.content == EXPECTED_TEXT
    assert stream.state.completed


def test_concurrent_full_stack_streams(benchmark, loop):
    """50 interleaved full-stack streams in one loop: all complete with their own text."""
    from l0._bench import concurrency

    rec = benchmark.pedantic(lambda: loop.run_until_complete(concurrency.throughput("full", 50, 400)),
                             rounds=3, iterations=1)
    assert rec["error"] is None
    assert rec["tokens_per_s"] > 0


def test_scenarios_reject_unknown_names():
    """The scenario table names its accepted values when given a wrong one."""
    with pytest.raises(ValueError, match="scenario must be one of"):
        sc.scenario_kwargs("everything")
    assert l0.__backend__ in ("cython", "python")
