"""Issue 11, items 1-3: whose cancellation is it, and which task does a timeout or abort wake up.

Run on a virtual-clock loop (``vrun``): waits take no real time and two timers
less than 1 µs apart fire in the same loop iteration, in deadline order.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

import l0
from l0 import Event, EventType, Retry, Timeout
from l0.runtime import _watchdog

NO_RETRY = Retry(attempts=0, max_retries=0)


def stalling(*scripts: list):
    """A factory; call k plays ``scripts[k]``: ``str`` -> token, a number -> sleep that long (loop time)."""

    def factory():
        script = scripts[min(factory.calls, len(scripts) - 1)]
        factory.calls += 1

        async def source():
            for item in script:
                if isinstance(item, str):
                    yield Event(type=EventType.TOKEN, text=item)
                else:
                    await asyncio.sleep(item)
            yield Event(type=EventType.COMPLETE)

        return source()

    factory.calls = 0
    return factory


@pytest.fixture
def interrupts(monkeypatch):
    """Records what every watchdog/abort interrupt returned (None: nothing interrupted)."""
    seen: list = []
    real = _watchdog.interrupt

    def spy(gen, loop):
        result = real(gen, loop)
        seen.append(result)
        return result

    monkeypatch.setattr(_watchdog, "interrupt", spy)
    import l0.runtime._runner as runner_mod

    monkeypatch.setattr(runner_mod, "interrupt", spy)
    return seen


# -- 1. a cancellation that is not l0's own always propagates -----------------------------------

@pytest.mark.parametrize("offset", [-1e-7, 1e-7], ids=["outer_first", "watchdog_first"])
def test_outer_cancel_in_the_watchdogs_iteration_propagates(vrun, interrupts, offset):
    """Attempt 1 stalls; the watchdog (0.2 s) and a task.cancel() land in the same loop iteration."""
    factory = stalling([100.0], ["a", "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=200, inter_token=200),
                              retry=Retry(attempts=2, max_retries=2, base_delay=0.3, max_delay=0.3))
        task = asyncio.ensure_future(stream.read())
        loop.call_at(0.2 + offset, task.cancel)
        with pytest.raises(asyncio.CancelledError):
            await task
        return loop.time(), stream

    now, stream = vrun(main())
    assert now == pytest.approx(0.2)
    assert factory.calls == 1  # no retry after someone else's cancellation
    assert stream.errors == []
    fired = [i for i in interrupts if i is not None]
    assert len(fired) == (1 if offset > 0 else 0)  # the race really happened in the watchdog-first case


def test_outer_deadline_is_not_swallowed(vrun):
    """The issue's reproduction: the deadline cancels the body at 0.2 s (wait_for: also on 3.10)."""
    factory = stalling([100.0], ["a", "b"])

    async def body():
        stream = await l0.run(factory, timeout=Timeout(initial_token=200, inter_token=200),
                              retry=Retry(attempts=2, max_retries=2, base_delay=0.3, max_delay=0.3))
        return await stream.read()

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(body(), 0.2)
        return loop.time()

    assert vrun(main()) == pytest.approx(0.2)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+ (wait_for above covers 3.10)")
def test_outer_asyncio_timeout_is_not_swallowed(vrun):
    factory = stalling([100.0], ["a", "b"])

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                stream = await l0.run(factory, timeout=Timeout(initial_token=200, inter_token=200),
                                      retry=Retry(attempts=2, max_retries=2, base_delay=0.3, max_delay=0.3))
                await stream.read()
        return loop.time()

    assert vrun(main()) == pytest.approx(0.2)


def test_outer_cancel_during_backoff_with_abort_propagates(vrun):
    """abort() and task.cancel() during the retry backoff: the cancellation still propagates."""
    factory = stalling([100.0], ["a"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=100, inter_token=100),
                              retry=Retry(attempts=2, max_retries=2, base_delay=1.0, max_delay=1.0))
        task = asyncio.ensure_future(stream.read())

        def both():
            stream.abort()
            task.cancel()

        loop.call_at(0.5, both)  # in the backoff (0.1 .. 1.1)
        with pytest.raises(asyncio.CancelledError):
            await task
        return loop.time()

    assert vrun(main()) == pytest.approx(0.5)


def test_abort_during_backoff_alone_ends_the_stream(vrun):
    factory = stalling([100.0], ["a"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=100, inter_token=100),
                              retry=Retry(attempts=2, max_retries=2, base_delay=1.0, max_delay=1.0))
        loop.call_at(0.5, stream.abort)
        text = await stream.read()
        return loop.time(), text, stream

    now, text, stream = vrun(main())
    assert now == pytest.approx(0.5) and text == "" and stream.state.aborted
    assert factory.calls == 1


def test_user_cancel_of_a_stalled_read_propagates_and_nothing_is_claimed(vrun):
    factory = stalling(["a", 100.0, "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=1000), retry=NO_RETRY)
        task = asyncio.ensure_future(stream.read())
        loop.call_at(0.5, task.cancel)
        with pytest.raises(asyncio.CancelledError):
            await task
        return stream

    stream = vrun(main())
    assert stream.errors == [] and stream.state.content == "a"


# -- 2. whichever task awaits the stream is the one interrupted ---------------------------------

def test_inter_token_timeout_with_wait_for_per_read(vrun):
    """Each read in its own task (wait_for on 3.11 and on 3.10): the 0.3 s limit interrupts a 3 s stall."""
    factory = stalling(["a", "b", 3.0, "c"], ["x", "y"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300),
                              retry=Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0))
        seen = []
        while True:
            try:
                ev = await asyncio.wait_for(stream.__anext__(), 10.0)
            except StopAsyncIteration:
                break
            if ev.is_token:
                seen.append((ev.text, round(loop.time(), 6)))
        return seen, stream

    seen, stream = vrun(main())
    assert ("x", 0.3) in seen and ("y", 0.3) in seen
    assert [type(e) for e in stream.errors] == [l0.TimeoutError]
    assert stream.state.content == "xy"


def test_timeout_without_retry_raises_to_the_wait_for_reader(vrun):
    factory = stalling(["a", 3.0, "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300), retry=NO_RETRY)
        await asyncio.wait_for(stream.__anext__(), 10.0)
        with pytest.raises(l0.TimeoutError) as info:
            while True:
                await asyncio.wait_for(stream.__anext__(), 10.0)
        return loop.time(), info.value

    now, err = vrun(main())
    assert now == pytest.approx(0.3) and err.timeout_type == "inter_token"


def test_stream_handed_to_another_task(vrun):
    """Task A reads the first token, then idles; task B reads on and is the one the watchdog wakes."""
    factory = stalling(["a", 3.0, "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300), retry=NO_RETRY)
        handed = asyncio.Event()
        release = asyncio.Event()

        async def first():
            await stream.__anext__()
            handed.set()
            await release.wait()  # idle, alive: must not be cancelled
            return "idle task ok"

        async def second():
            await handed.wait()
            try:
                async for _ in stream:
                    pass
            except l0.TimeoutError:
                return loop.time()
            finally:
                release.set()

        return await asyncio.gather(first(), second())

    idle, when = vrun(main())
    assert idle == "idle task ok" and when == pytest.approx(0.3)


def test_abort_interrupts_a_wait_for_read(vrun):
    factory = stalling(["a", 100.0, "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory)
        await asyncio.wait_for(stream.__anext__(), 10.0)
        loop.call_at(0.25, stream.abort)
        with pytest.raises(StopAsyncIteration):
            while True:
                await asyncio.wait_for(stream.__anext__(), 10.0)
        return loop.time(), stream

    now, stream = vrun(main())
    assert now == pytest.approx(0.25) and stream.state.aborted and stream.state.content == "a"


def test_abort_from_another_task_wakes_the_reader_not_the_opener(vrun):
    factory = stalling(["a", 100.0, "b"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory)
        await stream.__anext__()  # the main task opened the attempt
        reader = asyncio.ensure_future(stream.read())
        await asyncio.sleep(0.1)
        stream.abort()
        text = await reader
        return loop.time(), text

    now, text = vrun(main())
    assert now == pytest.approx(0.1) and text == "a"


class _ClassSource:
    """A class-based source (``__anext__`` is a coroutine) that waits on an asyncio.Event it never sets."""

    def __init__(self) -> None:
        self.sent = 0
        self.never = asyncio.Event()

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.sent == 0:
            self.sent = 1
            return Event(type=EventType.TOKEN, text="a")
        await self.never.wait()
        raise StopAsyncIteration


def test_class_based_source_and_event_wait_are_interrupted(vrun):
    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(lambda: _ClassSource(), timeout=Timeout(initial_token=1000, inter_token=300),
                              retry=NO_RETRY)
        with pytest.raises(l0.TimeoutError):
            while True:
                await asyncio.wait_for(stream.__anext__(), 10.0)
        return loop.time()

    assert vrun(main()) == pytest.approx(0.3)


def test_token_callback_path_is_interrupted_too(vrun):
    """With on_token the engine iterates the source itself (another await chain)."""
    factory = stalling(["a", 3.0, "b"])
    got = []

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300), retry=NO_RETRY,
                              on_token=got.append)
        with pytest.raises(l0.TimeoutError):
            while True:
                await asyncio.wait_for(stream.__anext__(), 10.0)
        return loop.time()

    assert vrun(main()) == pytest.approx(0.3) and got == ["a"]


# -- 3. the same on every supported Python (3.10 has no Task.cancelling/uncancel) ----------------

def test_no_task_cancel_count_is_touched(vrun):
    """The interrupt cancels the awaited future, not the task: the reader's cancel count stays 0."""
    factory = stalling(["a", 3.0, "b"], ["c"])

    async def main():
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300),
                              retry=Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0))
        text = await stream.read()
        task = asyncio.current_task()
        return text, (task.cancelling() if hasattr(task, "cancelling") else 0)

    assert vrun(main()) == ("c", 0)


def _through_anext(script: list):
    """A source whose await chain passes the builtin ``anext(it, default)``, whose awaitable hides
    what it drives (the anthropic SDK reads its byte stream this way)."""

    async def inner():
        for item in script:
            if isinstance(item, str):
                yield item
            else:
                await asyncio.sleep(item)

    async def source():
        it = inner()
        while (text := await anext(it, None)) is not None:
            yield Event(type=EventType.TOKEN, text=text)
        yield Event(type=EventType.COMPLETE)

    return source()


@pytest.mark.parametrize("per_read_task", [False, True], ids=["read", "wait_for_per_read"])
def test_a_wait_behind_builtin_anext_is_interrupted(vrun, interrupts, per_read_task):
    calls = []

    def factory():
        calls.append(1)
        return _through_anext(["a", 3.0, "b"] if len(calls) == 1 else ["x", "y"])

    async def main():
        loop = asyncio.get_running_loop()
        stream = await l0.run(factory, timeout=Timeout(initial_token=1000, inter_token=300),
                              retry=Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0))
        if per_read_task:
            async def read_all():
                while True:
                    try:
                        await asyncio.wait_for(stream.__anext__(), 10.0)
                    except StopAsyncIteration:
                        return
            await read_all()
        else:
            await stream.read()
        return loop.time(), stream

    now, stream = vrun(main())
    assert now == pytest.approx(0.3)
    assert len(calls) == 2
    assert [type(e) for e in stream.errors] == [l0.TimeoutError]
    assert stream.state.content == "xy"
    assert any(i is not None for i in interrupts)
