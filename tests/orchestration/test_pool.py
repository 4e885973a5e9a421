"""``OperationPool``: execute/drain/shutdown/stats, shared options, backpressure, cancellation, memory."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

import l0
from l0.pool import OperationPool, PoolFullError, PoolOptions, PoolStats, create_pool
from l0.types import State


async def test_execute_resolves_to_the_final_state(h):
    pool = create_pool(2)
    futures = [pool.execute(h.Source((str(i), "!"))) for i in range(5)]
    states = await asyncio.gather(*futures)
    assert all(isinstance(s, State) for s in states)
    assert [s.content for s in states] == [f"{i}!" for i in range(5)]
    stats = pool.get_stats()
    assert isinstance(stats, PoolStats)
    assert (stats.total_executed, stats.total_succeeded, stats.total_failed) == (5, 5, 0)
    assert stats.total_duration > 0
    t = stats.aggregated_telemetry
    assert t.stream_count == 5 and t.total_tokens == 10
    await pool.shutdown()


async def test_failure_goes_to_the_future(h):
    pool = create_pool(1, shared_retry=h.NO_RETRY)
    fut = pool.execute(h.Source(error=ValueError("model broke")))
    with pytest.raises(ValueError, match="model broke"):
        await fut
    stats = pool.get_stats()
    assert (stats.total_executed, stats.total_failed, stats.total_succeeded) == (1, 1, 0)
    assert stats.total_duration == 0.0  # successes only
    await pool.shutdown()


async def test_shared_options_apply_and_per_operation_wins(h):
    events = []
    pool = create_pool(1, shared_retry=h.NO_RETRY, context={"job": 7}, on_event=events.append)
    flaky = h.Source(("ok",), error=ConnectionError("drop"), fail_first=1)
    with pytest.raises(ConnectionError):
        await pool.execute(flaky)  # shared NO_RETRY
    flaky2 = h.Source(("ok",), error=ConnectionError("drop"), fail_first=1)
    state = await pool.execute(flaky2, retry=h.FAST_RETRY)  # per-operation retry wins
    assert state.content == "ok" and state.network_retry_count + state.model_retry_count == 1
    assert events and all(e.context.get("job") == 7 for e in events if e.context)
    assert pool.get_stats().aggregated_telemetry.total_retries == 1
    await pool.shutdown()


async def test_shared_guardrails(h):
    from l0.guardrails import GuardrailRule, GuardrailViolation

    def check(state):
        return [GuardrailViolation(rule="w", message="m", severity="warning")] if state.completed else []

    pool = create_pool(1, shared_guardrails=[GuardrailRule(name="w", check=check)])
    state = await pool.execute(h.Source())
    assert len(state.violations) == 1
    await pool.shutdown()


async def test_workers_bound_concurrency_and_counters(h):
    gate = asyncio.Event()
    pool = create_pool(2)
    sources = [h.Source(before_first=gate) for _ in range(5)]
    futures = [pool.execute(s) for s in sources]
    for _ in range(10):
        await asyncio.sleep(0)
    assert pool.get_active_workers() == 2 and pool.get_queue_length() == 3
    assert sum(s.opened for s in sources) == 2
    gate.set()
    await asyncio.gather(*futures)
    assert pool.get_active_workers() == 0 and pool.get_queue_length() == 0
    assert pool.worker_count == 2
    await pool.shutdown()


async def test_drain_waits_and_refuses_new_work(h):
    gate = asyncio.Event()
    pool = create_pool(1)
    fut = pool.execute(h.Source(before_first=gate))
    draining = asyncio.ensure_future(pool.drain())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="Cannot execute operations while pool is draining"):
        pool.execute(h.Source())
    assert not draining.done()
    gate.set()
    await draining
    assert fut.done() and fut.result().content == "abc"
    assert (await pool.execute(h.Source(("again",)))).content == "again"  # usable after drain
    await pool.shutdown()


async def test_drain_of_idle_pool_returns():
    pool = create_pool()
    await pool.drain()
    await pool.shutdown()  # never started: no-op


async def test_graceful_shutdown_finishes_queued_work(leaks, h):
    pool = create_pool(1)
    futures = [pool.execute(h.Source((str(i),))) for i in range(3)]
    await pool.shutdown()
    assert [f.result().content for f in futures] == ["0", "1", "2"]
    await leaks.assert_clean()
    assert (await pool.execute(h.Source(("restart",)))).content == "restart"
    await pool.shutdown()


async def test_shutdown_cancel_cancels_running_and_queued(leaks, h):
    pool = create_pool(1)
    running, queued = h.stalled(), h.stalled()
    f1, f2 = pool.execute(running), pool.execute(queued)
    for _ in range(10):
        await asyncio.sleep(0)
    assert running.opened == 1
    await pool.shutdown(cancel=True)
    assert f1.cancelled() and f2.cancelled()
    assert running.closed == 1 and queued.opened == 0
    assert pool.get_stats().total_cancelled == 2
    await leaks.assert_clean()


async def test_cancelled_shutdown_cancels_everything(leaks, h):
    pool = create_pool(1)
    stall = h.stalled()
    fut = pool.execute(stall)
    stopping = asyncio.ensure_future(pool.shutdown())  # graceful: would wait forever
    for _ in range(10):
        await asyncio.sleep(0)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert fut.cancelled() and stall.opened == stall.closed == 1
    await leaks.assert_clean()


async def test_cancelling_a_future_cancels_its_operation(leaks, h):
    pool = create_pool(1)
    stall, queued, after = h.stalled(), h.stalled(), h.Source(("next",))
    f1, f2 = pool.execute(stall), pool.execute(queued)
    for _ in range(10):
        await asyncio.sleep(0)
    f1.cancel()
    f2.cancel()
    assert (await pool.execute(after)).content == "next"  # the worker moved on
    assert stall.opened == stall.closed == 1 and queued.opened == 0
    assert pool.get_stats().total_cancelled == 2
    await pool.shutdown()
    await leaks.assert_clean()


async def test_bounded_queue_backpressure(h):
    gate = asyncio.Event()
    pool = create_pool(1, max_queue_size=2)
    futures = [pool.execute(h.Source(before_first=gate))]
    for _ in range(5):
        await asyncio.sleep(0)  # the worker takes the first one
    futures += [pool.execute(h.Source(before_first=gate)) for _ in range(2)]
    with pytest.raises(PoolFullError, match="max_queue_size=2"):
        pool.execute(h.Source())
    with pytest.raises(asyncio.QueueFull):  # also an asyncio.QueueFull
        pool.execute(h.Source())
    waiting = asyncio.ensure_future(pool.submit(h.Source(("late",))))
    await asyncio.sleep(0)
    assert not waiting.done()  # backpressure: waits for room
    gate.set()
    late = await waiting
    assert (await late).content == "late"
    await asyncio.gather(*futures)
    await pool.shutdown()


async def test_finished_results_are_not_kept_alive(h):
    pool = create_pool(2)
    fut = pool.execute(h.Source(("x" * 1000,)))
    state = await fut
    ref = weakref.ref(state)
    del fut, state
    for _ in range(3):
        await asyncio.sleep(0)
    gc.collect()
    assert ref() is None  # the pool holds no finished state
    await pool.shutdown()


async def test_async_context_manager(leaks, h):
    async with create_pool(2) as pool:
        fut = pool.execute(h.Source())
    assert fut.result().content == "abc"
    stall = h.stalled()
    with pytest.raises(KeyError):
        async with create_pool(1) as pool:
            fut = pool.execute(stall)
            for _ in range(5):
                await asyncio.sleep(0)
            raise KeyError("leave")
    assert fut.cancelled() and stall.closed == 1  # leaving with an error cancels
    await leaks.assert_clean()


async def test_validation():
    with pytest.raises(ValueError, match="worker_count must be at least 1"):
        OperationPool(0)
    with pytest.raises(TypeError, match="worker_count must be an int"):
        OperationPool("3")
    with pytest.raises(ValueError, match="max_queue_size must be an int >= 1"):
        PoolOptions(max_queue_size=0)
    with pytest.raises(TypeError, match="shared_retry must be a l0.Retry"):
        create_pool(shared_retry=3)
    pool = create_pool()
    with pytest.raises(TypeError, match="stream must be a stream factory"):
        pool.execute(42)
    with pytest.raises(TypeError, match="timeout must be a l0.Timeout"):
        pool.execute(lambda: None, timeout=5000)
    await pool.shutdown()


def test_execute_needs_a_running_loop(h):
    with pytest.raises(RuntimeError, match="needs a running event loop"):
        create_pool().execute(h.Source())


async def test_top_level_names():
    assert l0.create_pool is create_pool and l0.OperationPool is OperationPool
    assert l0.PoolOptions is PoolOptions and l0.PoolStats is PoolStats


async def test_per_operation_fallbacks_and_guardrails(h):
    from l0.guardrails import GuardrailRule, GuardrailViolation

    def check(state):
        return [GuardrailViolation(rule="w", message="m", severity="warning")] if state.completed else []

    shared = GuardrailRule(name="shared", check=lambda state: [])
    pool = create_pool(1, shared_retry=h.NO_RETRY, shared_guardrails=[shared])
    state = await pool.execute(h.Source(error=ValueError("primary down")), fallbacks=[h.Source(("backup",))],
                               guardrails=[GuardrailRule(name="w", check=check)])
    assert state.content == "backup" and state.fallback_index == 1 and len(state.violations) == 1
    await pool.shutdown()
