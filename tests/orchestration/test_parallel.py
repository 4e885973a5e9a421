"""``parallel``, ``sequential`` and ``batched``: order, bounds, callbacks, fail_fast, telemetry, cancellation."""

from __future__ import annotations

import asyncio
import logging

import pytest

import l0
from l0.parallel import (
    AggregatedTelemetry, BatchedResult, Parallel, ParallelOptions, ParallelResult, TaskSkippedError, batched,
    parallel, sequential,
)


def value_task(v, gate=None):
    async def task():
        if gate is not None:
            await gate.wait()
        return v
    return task


def failing(exc):
    async def task():
        raise exc
    return task


async def test_results_in_input_order_with_counts():
    gates = [asyncio.Event() for _ in range(3)]
    tasks = [value_task(i, gates[i]) for i in range(3)]
    run = asyncio.ensure_future(parallel(tasks, concurrency=3))
    for g in reversed(gates):  # finish in reverse order
        g.set()
        await asyncio.sleep(0)
    result = await run
    assert isinstance(result, ParallelResult)
    assert result.results == [0, 1, 2]
    assert result.errors == [None, None, None]
    assert (result.success_count, result.failure_count, result.skipped_count) == (3, 0, 0)
    assert result.all_succeeded and result.successful_results() == [0, 1, 2]
    assert result.duration >= 0 and result.aggregated_telemetry is None  # no l0 stream: nothing to aggregate


async def test_empty_task_list():
    result = await parallel([])
    assert result.results == [] and result.errors == [] and result.duration == 0.0
    assert result.all_succeeded


async def test_sync_callables_are_accepted():
    assert (await parallel([lambda: 1, lambda: 2])).results == [1, 2]


async def test_concurrency_bounds_running_tasks():
    running = peak = 0
    release = asyncio.Event()

    async def task():
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return True

    run = asyncio.ensure_future(parallel([task] * 10, concurrency=3))
    for _ in range(5):
        await asyncio.sleep(0)
    assert peak == 3
    release.set()
    assert (await run).success_count == 10
    assert peak == 3


async def test_default_concurrency_is_five():
    running = peak = 0
    release = asyncio.Event()

    async def task():
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    run = asyncio.ensure_future(parallel([task] * 8))
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    await run
    assert peak == 5


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
async def test_invalid_concurrency(bad):
    with pytest.raises(ValueError, match="concurrency must be an int >= 1"):
        await parallel([value_task(1)], concurrency=bad)
    with pytest.raises(ValueError, match="concurrency"):
        ParallelOptions(concurrency=bad)


async def test_invalid_tasks():
    with pytest.raises(TypeError, match=r"tasks\[1\] must be a zero-argument callable"):
        await parallel([value_task(1), 42])
    with pytest.raises(TypeError, match="tasks must be a list"):
        await parallel("abc")
    with pytest.raises(TypeError, match="options must be a ParallelOptions"):
        await parallel([value_task(1)], {"concurrency": 2})
    with pytest.raises(ValueError, match=r"tasks\[0\] is a dict of run options without a 'stream' key"):
        await parallel([{"retry": None}])
    with pytest.raises(TypeError, match="unknown run option"):
        await parallel([{"stream": lambda: None, "retyr": 1}])


async def test_options_replace_keywords():
    seen = []
    opts = ParallelOptions(concurrency=1, on_complete=lambda r, i: seen.append((r, i)))
    result = await parallel([value_task("a"), value_task("b")], opts, concurrency=9, on_complete=None)
    assert result.results == ["a", "b"] and seen == [("a", 0), ("b", 1)]


async def test_all_tasks_failing_calls_on_error_with_index():
    errors = []

    async def on_error(exc, index):  # async callbacks are awaited
        await asyncio.sleep(0)
        errors.append((str(exc), index))

    result = await parallel([failing(ValueError("x")), failing(KeyError("y"))], on_error=on_error)
    assert result.results == [None, None]
    assert [type(e) for e in result.errors] == [ValueError, KeyError]
    assert (result.success_count, result.failure_count) == (0, 2)
    assert not result.all_succeeded and result.successful_results() == []
    assert sorted(errors) == [("'y'", 1), ("x", 0)]


async def test_progress_and_complete_callbacks(caplog):
    progress, complete = [], []

    def bad_callback(*_):
        raise RuntimeError("callback broke")

    await parallel([value_task(1), value_task(2)], concurrency=1,
                   on_progress=lambda c, t: progress.append((c, t)), on_complete=lambda r, i: complete.append((r, i)))
    assert progress == [(1, 2), (2, 2)] and complete == [(1, 0), (2, 1)]
    with caplog.at_level(logging.WARNING, logger="l0"):
        result = await parallel([value_task(1)], on_complete=bad_callback, on_progress=bad_callback)
    assert result.results == [1] and result.success_count == 1  # a failing callback breaks nothing
    assert "parallel on_complete callback" in caplog.text and "callback broke" in caplog.text


async def test_fail_fast_cancels_running_tasks_and_skips_the_rest(leaks, h):
    cancelled = []
    started = asyncio.Event()

    async def slow():
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def fail():
        await started.wait()
        raise ValueError("first failure")

    result = await parallel([slow, fail, value_task(3), value_task(4)], concurrency=2, fail_fast=True)
    assert cancelled == [True]  # the running task was cancelled, not left running
    assert result.failure_count == 1 and result.success_count == 0 and result.skipped_count == 3
    assert isinstance(result.errors[1], ValueError)
    for i in (0, 2, 3):
        assert isinstance(result.errors[i], TaskSkippedError) and result.results[i] is None
    assert "after task 1 failed" in str(result.errors[0])
    assert result.successful_results() == [] and not result.all_succeeded
    await leaks.assert_clean()


async def test_fail_fast_cancel_closes_running_streams(leaks, h):
    stall = h.stalled()

    async def fail():
        await asyncio.sleep(0)
        raise ValueError("boom")

    result = await parallel([{"stream": stall, "retry": h.NO_RETRY}, fail], fail_fast=True)
    assert stall.opened == 1 and stall.closed == 1
    assert result.skipped_count == 1 and result.failure_count == 1
    await leaks.assert_clean()


async def test_streams_are_read_and_aggregated(h):
    a, b = h.Source(("x", "y")), h.Source(("1", "2", "3"))
    flaky = h.Source(("ok",), error=ConnectionError("dropped"), fail_first=1)
    result = await parallel([
        {"stream": a},
        lambda: l0.run(b),  # a callable returning an l0 stream
        {"stream": flaky, "retry": h.FAST_RETRY},
    ])
    assert [s.state.content for s in result.results] == ["xy", "123", "ok"]
    t = result.aggregated_telemetry
    assert isinstance(t, AggregatedTelemetry)
    assert t.stream_count == 3 and t.total_tokens == 6
    assert t.total_retries == 1 and t.total_network_errors == 1
    assert t.total_violations == 0
    assert t.total_duration > 0 and t.avg_tokens_per_second > 0 and t.avg_time_to_first_token >= 0


async def test_stream_errors_are_task_errors(h):
    bad = h.Source(error=ValueError("model broke"))
    result = await parallel([{"stream": bad, "retry": h.NO_RETRY}, {"stream": h.Source()}])
    assert isinstance(result.errors[0], ValueError) and result.results[1].state.content == "abc"
    assert result.aggregated_telemetry.stream_count == 2


async def test_guardrail_violations_are_counted(h):
    from l0.guardrails import GuardrailRule, GuardrailViolation

    def check(state):
        if state.completed:
            return [GuardrailViolation(rule="warn", message="meh", severity="warning")]
        return []

    rule = GuardrailRule(name="warn", check=check)
    result = await parallel([{"stream": h.Source(), "guardrails": [rule]}])
    assert result.aggregated_telemetry.total_violations == 1


async def test_cancelling_parallel_cancels_and_awaits_every_child(leaks, h):
    stalls = [h.stalled() for _ in range(4)]
    run = asyncio.ensure_future(parallel([{"stream": s} for s in stalls], concurrency=3))
    for _ in range(10):
        await asyncio.sleep(0)
    assert sum(s.opened for s in stalls) == 3
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [s.opened == s.closed for s in stalls] == [True] * 4  # every opened source was closed
    await leaks.assert_clean()


async def test_parallel_namespace():
    assert Parallel.run is parallel and Parallel.Result is ParallelResult
    assert Parallel.Options is ParallelOptions and Parallel.Telemetry is AggregatedTelemetry
    assert (await Parallel.run([value_task(1)])).results == [1]
    assert (await l0.parallel([value_task(2)])).results == [2]  # the module is callable too


# ---------------------------------------------------------------- sequential


async def test_sequential_in_order_and_first_error_propagates(h):
    order = []

    def task(i):
        async def run():
            order.append(i)
            return i
        return run

    out = await sequential([task(0), task(1), task(2)])
    assert out == [0, 1, 2] and order == [0, 1, 2] and isinstance(out, list)
    assert out.aggregated_telemetry is None
    with pytest.raises(ValueError, match="stop"):
        await sequential([task(3), failing(ValueError("stop")), task(4)])
    assert order[-1] == 3
    assert await sequential([]) == []
    streams = await sequential([{"stream": h.Source(("a",))}, {"stream": h.Source(("b", "c"))}])
    assert [s.state.content for s in streams] == ["a", "bc"]
    assert streams.aggregated_telemetry.total_tokens == 3


# ---------------------------------------------------------------- batched


async def test_batched_in_order_with_barrier_and_progress():
    running = peak = 0
    progress = []

    async def handler(x):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        return x * 10

    out = await batched(list(range(7)), handler, batch_size=3, on_progress=lambda c, t: progress.append((c, t)))
    assert out == [0, 10, 20, 30, 40, 50, 60] and isinstance(out, BatchedResult)
    assert peak == 3 and progress == [(3, 7), (6, 7), (7, 7)]
    assert await batched([], handler) == []


async def test_batched_failure_cancels_the_rest_of_the_batch(leaks, h):
    stall = h.stalled()

    def handler(x):
        if x == "fail":
            return failing(ValueError("bad item"))()
        return l0.run(stall)

    with pytest.raises(ValueError, match="bad item"):
        await batched(["s", "fail", "never"], handler, batch_size=2)
    assert stall.opened == 1 and stall.closed == 1  # the running stream was cancelled and closed
    await leaks.assert_clean()


async def test_batched_streams_aggregate(h):
    out = await batched(["ab", "cde"], lambda s: l0.run(h.Source(tuple(s))), batch_size=1)
    assert [s.state.content for s in out] == ["ab", "cde"]
    assert out.aggregated_telemetry.total_tokens == 5 and out.aggregated_telemetry.stream_count == 2


async def test_batched_validation():
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        await batched([1], value_task, batch_size=0)
    with pytest.raises(TypeError, match="handler must be"):
        await batched([1], None)


async def test_cancelling_batched_closes_streams(leaks, h):
    stalls = [h.stalled(), h.stalled()]
    run = asyncio.ensure_future(batched([0, 1], lambda i: l0.run(stalls[i]), batch_size=2))
    for _ in range(10):
        await asyncio.sleep(0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [(s.opened, s.closed) for s in stalls] == [(1, 1), (1, 1)]
    await leaks.assert_clean()
