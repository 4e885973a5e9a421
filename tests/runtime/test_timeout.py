"""Timeouts: one watchdog per attempt, firing during a real stall, never on a slow but live stream."""

from __future__ import annotations

import asyncio
import gc

import pytest

import l0
from l0 import Event, EventType, Retry, Timeout


def paced(gaps: list[float], *, then_complete: bool = True, first_kind: EventType = EventType.TOKEN):
    """A factory whose source sleeps ``gaps[i]`` seconds before event i."""

    def factory():
        async def source():
            for i, gap in enumerate(gaps):
                if gap:
                    await asyncio.sleep(gap)
                kind = first_kind if i == 0 else EventType.TOKEN
                if kind is EventType.TOKEN:
                    yield Event(type=EventType.TOKEN, text=f"t{i} ")
                else:
                    yield Event(type=kind, data={"index": 0, "id": f"c{i}", "name": "f", "arguments": ""})
            if then_complete:
                yield Event(type=EventType.COMPLETE)

        return source()

    return factory


NO_RETRY = Retry(attempts=0, max_retries=0)


async def test_inter_token_stall_fires():
    stream = await l0.run(paced([0, 0, 5.0]), timeout=Timeout(initial_token=1000, inter_token=50), retry=NO_RETRY)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(l0.TimeoutError) as info:
        await stream.read()
    elapsed = loop.time() - t0
    assert info.value.timeout_type == "inter_token"
    assert info.value.timeout_seconds == 0.05
    assert 0.05 <= elapsed < 2.0
    assert stream.state.content == "t0 t1 "


async def test_initial_stall_fires():
    stream = await l0.run(paced([5.0]), timeout=Timeout(initial_token=50, inter_token=1000), retry=NO_RETRY)
    with pytest.raises(l0.TimeoutError) as info:
        await stream.read()
    assert info.value.timeout_type == "initial_token"
    assert "first token" in str(info.value)


async def test_slow_but_live_stream_does_not_fire():
    # Each gap (40 ms) is well below the limit (200 ms) although the whole stream takes far longer.
    stream = await l0.run(paced([0.04] * 12), timeout=Timeout(initial_token=200, inter_token=200), retry=NO_RETRY)
    assert await stream.read() == "".join(f"t{i} " for i in range(12))
    assert stream.errors == []


async def test_slow_consumer_is_not_a_provider_stall():
    """Time the consumer spends between pulls does not count against the provider."""
    stream = await l0.run(paced([0, 0, 0]), timeout=Timeout(initial_token=50, inter_token=50), retry=NO_RETRY)
    texts = []
    async for ev in stream:
        texts.append(ev.text)
        await asyncio.sleep(0.12)
    assert texts[:3] == ["t0 ", "t1 ", "t2 "]
    assert stream.errors == []


async def test_non_text_events_reset_the_clock():
    # A tool-call event after 50 ms, then tokens 50 ms apart: every gap < 150 ms, the total is not.
    stream = await l0.run(paced([0.05, 0.05, 0.05, 0.05], first_kind=EventType.TOOL_CALL),
                          timeout=Timeout(initial_token=150, inter_token=150), retry=NO_RETRY)
    await stream.read()
    assert stream.errors == []


async def test_timeout_then_retry_succeeds_and_timer_dies_with_attempt():
    calls = {"n": 0}

    def factory():
        calls["n"] += 1
        stall = calls["n"] == 1

        async def source():
            yield Event(type=EventType.TOKEN, text="x")
            if stall:
                await asyncio.sleep(5)
            yield Event(type=EventType.COMPLETE)

        return source()

    stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=40),
                          retry=Retry(base_delay=0.0, max_delay=0.0))
    assert await stream.read() == "x"
    assert calls["n"] == 2
    assert isinstance(stream.errors[0], l0.TimeoutError)
    # No timer of any attempt is left on the loop.
    loop = asyncio.get_running_loop()
    pending = [h for h in getattr(loop, "_scheduled", []) if not h.cancelled()
               and "Watchdog" in repr(getattr(h, "_callback", ""))]
    assert pending == []


async def test_disable_one_timeout():
    # initial_token=None: no limit before the first event, 100 ms after it.
    stream = await l0.run(paced([0.25, 0]), timeout=Timeout(initial_token=None, inter_token=100), retry=NO_RETRY)
    assert await stream.read() == "t0 t1 "


async def test_user_cancellation_is_not_a_timeout():
    stream = await l0.run(paced([0, 5]), timeout=Timeout(initial_token=1000, inter_token=2000), retry=NO_RETRY)
    task = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.errors == []


async def test_abort_interrupts_a_blocked_wait():
    stream = await l0.run(paced([0, 5]))
    task = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0.05)
    stream.abort()
    text = await asyncio.wait_for(task, 1.0)
    assert text == "t0 "
    assert stream.state.aborted and not stream.state.completed


async def test_timer_count_is_one_per_attempt(monkeypatch):
    """The hot path never schedules timers: one call_at at open, re-arms only when it fires."""
    loop = asyncio.get_running_loop()
    calls = {"n": 0}
    original = loop.call_at

    def counting(when, cb, *args, **kw):
        if "Watchdog" in repr(cb):
            calls["n"] += 1
        return original(when, cb, *args, **kw)

    monkeypatch.setattr(loop, "call_at", counting)
    stream = await l0.run(paced([0] * 500), timeout=Timeout(initial_token=5000, inter_token=5000))
    await stream.read()
    assert calls["n"] == 1
    del stream
    gc.collect()


async def test_slow_async_callback_is_not_provider_silence():
    async def on_token(text):
        await asyncio.sleep(0.12)

    stream = await l0.run(paced([0, 0, 0]), timeout=Timeout(initial_token=50, inter_token=50), retry=NO_RETRY,
                          callbacks=l0.LifecycleCallbacks(on_token=on_token))
    assert await stream.read() == "t0 t1 t2 "
    assert stream.errors == []


async def test_leaving_early_ends_the_session(rec):
    stream = await l0.run(paced([0, 0, 0]), **rec.kwargs())
    async with stream:
        async for ev in stream:
            break
    names = [n for _, n, _ in rec.log]
    assert names[-3:] == ["ABORT_COMPLETED", "SESSION_SUMMARY", "SESSION_END"]
    assert rec.log[-1][2]["aborted"] is True


async def test_abort_cuts_backoff_short(scripted):
    stream = await l0.run(scripted(["a", ValueError("x")], ["b"]), retry=Retry(base_delay=30.0, max_delay=30.0,
                                                                            strategy=l0.BackoffStrategy.FIXED))
    task = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0.05)
    stream.abort()
    assert await asyncio.wait_for(task, 1.0) == "a"
    assert stream.state.aborted


async def test_abandoned_stream_releases_its_timer():
    import weakref

    stream = await l0.run(paced([0] * 5), timeout=Timeout(initial_token=30, inter_token=30), retry=NO_RETRY)
    async for _ev in stream:
        break
    gen_ref = weakref.ref(stream._iterator)
    del stream, _ev
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.05)
    assert gen_ref() is None
    loop = asyncio.get_running_loop()
    live = [h for h in getattr(loop, "_scheduled", []) if not h.cancelled() and "Watchdog" in repr(h)]
    assert live == []
