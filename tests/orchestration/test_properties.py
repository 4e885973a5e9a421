"""Property tests: ``parallel`` keeps order, counts and its concurrency bound for any mix of outcomes."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from l0.parallel import TaskSkippedError, batched, parallel


def run(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


outcomes = st.lists(st.tuples(st.booleans(), st.integers(0, 3)), max_size=25)


@settings(max_examples=30, deadline=None)
@given(outcomes, st.integers(1, 8), st.booleans())
def test_parallel_order_counts_and_bound(spec, concurrency, fail_fast):
    state = {"running": 0, "peak": 0}

    def task(i, ok, yields):
        async def body():
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
            try:
                for _ in range(yields):
                    await asyncio.sleep(0)
                if not ok:
                    raise ValueError(i)
                return i
            finally:
                state["running"] -= 1
        return body

    result = run(parallel([task(i, ok, y) for i, (ok, y) in enumerate(spec)], concurrency=concurrency,
                          fail_fast=fail_fast))
    assert state["peak"] <= concurrency and state["running"] == 0
    assert len(result.results) == len(result.errors) == len(spec)
    assert result.success_count + result.failure_count + result.skipped_count == len(spec)
    for i, (r, e) in enumerate(zip(result.results, result.errors)):
        if e is None:
            assert r == i and spec[i][0]
        elif isinstance(e, TaskSkippedError):
            assert fail_fast and r is None
        else:
            assert isinstance(e, ValueError) and not spec[i][0] and r is None
    if not fail_fast:
        assert result.failure_count == sum(1 for ok, _ in spec if not ok) and result.skipped_count == 0
    assert result.successful_results() == [i for i, e in enumerate(result.errors) if e is None]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(), max_size=30), st.integers(1, 7))
def test_batched_matches_map(items, size):
    async def handler(x):
        await asyncio.sleep(0)
        return x * 2

    assert run(batched(items, handler, batch_size=size)) == [x * 2 for x in items]
