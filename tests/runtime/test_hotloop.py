"""The hot loop twins (``hotloop``): the engine hands plain-token iteration to ``hot_iterate``.

Differential: every scenario runs once per twin in the same process (the
runtime's ``hot_iterate``/``Handoff`` are swapped for the twin's) and the
event sequences, final states, observability events and errors must agree,
and match what the scenario implies.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import weakref
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import l0
import l0._backend
from l0 import CheckIntervals, Event, EventType, Retry, Timeout
from l0.runtime import _engine, _run

TOKEN, COMPLETE, PROGRESS = EventType.TOKEN, EventType.COMPLETE, EventType.PROGRESS
NO_RETRY = Retry(attempts=0, max_retries=0)
TWINS = ("cython", "python")


def twin(name: str) -> Any:
    """The ``hotloop`` module of one backend (the compiled one must be built)."""
    return importlib.import_module("l0._speedups.hotloop" if name == "cython" else "l0._pure.hotloop")


class use_twin:
    """Context manager: ``l0.run`` builds its streams with the given twin."""

    def __init__(self, name: str) -> None:
        self.mod = twin(name)

    def __enter__(self) -> Any:
        self.saved = (_run.hot_iterate, _engine.Handoff)
        _run.hot_iterate = self.mod.hot_iterate
        _engine.Handoff = self.mod.Handoff
        return self.mod

    def __exit__(self, *exc: Any) -> None:
        _run.hot_iterate, _engine.Handoff = self.saved


class Gate:
    """Marker item: the source waits on this asyncio.Event before going on."""

    def __init__(self) -> None:
        self.event = asyncio.Event()


SLEEP0 = object()  # marker item: the source awaits asyncio.sleep(0) (a real trip through the loop)


def source_of(script: list[Any], log: list[str] | None = None) -> Any:
    """An async generator playing ``script``: str/None -> TOKEN text, Event as is, exception raised,
    ``("raw", x)`` yields ``x`` itself, ``SLEEP0``/``Gate`` wait. Logs ``closed`` when it finalizes."""

    async def source() -> Any:
        try:
            for item in script:
                if item is SLEEP0:
                    await asyncio.sleep(0)
                elif isinstance(item, Gate):
                    await item.event.wait()
                elif isinstance(item, BaseException):
                    raise item
                elif isinstance(item, Event):
                    yield item
                elif isinstance(item, tuple) and item[0] == "raw":
                    yield item[1]
                else:
                    yield Event(type=TOKEN, text=item)
        finally:
            if log is not None:
                log.append("closed")

    return source()


def factory_of(*attempts: list[Any], log: list[str] | None = None) -> Any:
    """A factory whose call k plays ``attempts[min(k, last)]``."""
    calls = []

    def factory() -> Any:
        calls.append(1)
        return source_of(attempts[min(len(calls) - 1, len(attempts) - 1)], log)

    return factory


def snapshot(stream: Any) -> dict[str, Any]:
    """The parts of a stream's state the hot loop touches."""
    s = stream.state
    return {"content": s.content, "token_count": s.token_count, "completed": s.completed, "aborted": s.aborted,
            "violations": len(s.violations), "errors": [type(e).__name__ for e in stream.errors]}


async def play(name: str, attempts: list[list[Any]], *, consume: Any = None, **kw: Any) -> dict[str, Any]:
    """Run one scenario with one twin; returns events, state, observability event names and the error."""
    seen: list[str] = []
    kw.setdefault("retry", NO_RETRY)
    with use_twin(name) as mod:
        stream = await l0.run(factory_of(*attempts), on_event=lambda e: seen.append(e.type.value), **kw)
        assert type(stream._runner.gen).__module__ == mod.__name__ or name == "python"
        out: list[tuple[str, Any]] = []
        error = None
        try:
            if consume is None:
                async for ev in stream:
                    out.append((getattr(ev.type, "value", ev.type), ev.text))
            else:
                await consume(stream, out)
        except BaseException as exc:  # noqa: BLE001 - compared between twins
            error = f"{type(exc).__name__}: {exc}"
    return {"events": out, "state": snapshot(stream), "bus": seen, "error": error}


async def both(attempts: list[list[Any]], **kw: Any) -> dict[str, Any]:
    """Play the scenario with each twin, assert they agree, return the result."""
    results = [await play(name, attempts, **kw) for name in TWINS]
    assert results[0] == results[1]
    return results[0]


def doc(obj: Any) -> str:
    """A docstring without indentation and without the signature line ``embedsignature`` adds."""
    text = inspect.getdoc(obj) or ""
    first, _, rest = text.partition("\n")
    return rest.strip() if first.startswith(obj.__name__ + "(") else text


def tokens(result: dict[str, Any]) -> list[str]:
    return [text for kind, text in result["events"] if kind == "token"]


# -- the twins' surface ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TWINS)
def test_same_public_names_and_docstrings(name):
    compiled, pure = twin("cython"), twin("python")
    assert compiled.__all__ == pure.__all__ == ["Handoff", "hot_iterate"]
    for attr in ("Handoff", "hot_iterate"):
        assert doc(getattr(compiled, attr)) == doc(getattr(pure, attr))
    hand = twin(name).Handoff(Event, TOKEN)
    assert (hand.n, hand.next_due, hand.aborted, hand.done, hand.item) == (0, 0, False, False, None)


def test_backend_exports_the_active_twin():
    expected = "l0._speedups.hotloop" if l0.__backend__ == "cython" else "l0._pure.hotloop"
    assert l0._backend.hot_iterate.__module__ == expected
    assert l0._backend.Handoff.__module__ == expected


# -- differential scenarios ------------------------------------------------------------------------


async def test_plain_tokens_empty_tokens_and_other_events():
    script = ["a", "", None, "b", Event(type=PROGRESS, progress=None), ("raw", "c"), SLEEP0, "d",
              Event(type=COMPLETE)]
    r = await both([script])
    assert tokens(r) == ["a", "", None, "b", "c", "d"]
    assert [k for k, _ in r["events"]] == ["token"] * 4 + ["progress", "token", "token", "complete"]
    assert r["state"]["content"] == "abcd" and r["state"]["token_count"] == 4 and r["state"]["completed"]
    assert r["error"] is None


async def test_string_typed_token_event_and_adapted_items_go_through_the_engine():
    from l0.adapters.event import AdaptedEvent

    script = [Event(type="token", text="x"), ("raw", AdaptedEvent(Event(type=TOKEN, text="y"))), "z",
              Event(type=COMPLETE)]
    r = await both([script])
    assert r["state"]["content"] == "xyz" and r["state"]["token_count"] == 3


async def test_bad_items_fail_like_the_engine_says():
    r = await both([["a", ("raw", 42), "b", Event(type=COMPLETE)]])
    assert r["error"].startswith("StreamItemError") and r["state"]["content"] == "a"
    r = await both([["a", Event(type=TOKEN, text=7), Event(type=COMPLETE)]])
    assert r["error"].startswith("TypeError") and r["state"]["content"] == "a"


async def test_exception_mid_stream_is_retried_from_scratch():
    r = await both([["a", "b", ValueError("boom")], ["c", "d", Event(type=COMPLETE)]],
                   retry=Retry(attempts=2, base_delay=0.0, max_delay=0.0))
    assert r["state"]["content"] == "cd" and r["state"]["completed"]
    assert r["state"]["errors"] == ["ValueError"]
    assert "RETRY_ATTEMPT" in r["bus"] or "RETRY_START" in r["bus"]


async def test_exception_mid_stream_without_retry_is_raised():
    r = await both([["a", "b", "c", KeyError("k")]])
    assert r["error"] == "KeyError: 'k'" and r["state"]["content"] == "abc" and not r["state"]["completed"]


async def test_due_checks_with_a_guardrail(Rule, Violation):
    calls: list[int] = []

    def verdict(text: str, done: bool) -> list[Any]:
        calls.append(len(text))
        return [Violation("no-x", "x found", recoverable=False)] if "X" in text else []

    script = [f"t{i}" for i in range(12)] + ["X"] + [f"u{i}" for i in range(12)] + [Event(type=COMPLETE)]
    r = await both([script], guardrails=[Rule("no-x", verdict)], check_intervals=CheckIntervals(guardrails=5))
    assert r["error"] is not None and r["state"]["violations"] >= 1
    assert r["state"]["token_count"] == 15  # stopped at the check after "X" (token 13)
    clean = await both([[f"t{i}" for i in range(12)] + [Event(type=COMPLETE)]],
                       guardrails=[Rule("ok", lambda text, done: [])], check_intervals=CheckIntervals(guardrails=5))
    assert clean["state"]["completed"] and clean["state"]["token_count"] == 12
    assert clean["bus"].count("GUARDRAIL_PHASE_START") == clean["bus"].count("GUARDRAIL_PHASE_END") >= 3


async def test_token_callback_sees_every_token():
    got: dict[str, list[str]] = {}
    for name in TWINS:
        texts: list[str] = []
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "", "b", "c", Event(type=COMPLETE)]), on_token=texts.append,
                                  retry=NO_RETRY)
            assert await stream.read() == "abc"
        got[name] = texts
    assert got["cython"] == got["python"] == ["a", "b", "c"]


async def test_sources_that_wait_pass_their_futures_to_the_loop():
    gate = Gate()
    script = ["a", gate, "b", SLEEP0, "c", Event(type=COMPLETE)]

    async def consume(stream: Any, out: list[Any]) -> None:
        async for ev in stream:
            out.append((ev.type.value, ev.text))
            if ev.text == "a":
                asyncio.get_running_loop().call_soon(gate.event.set)

    for name in TWINS:
        gate.event.clear()
        r = await play(name, [script], consume=consume)
        assert r["error"] is None and r["state"]["content"] == "abc"


async def test_abort_mid_stream():
    async def consume(stream: Any, out: list[Any]) -> None:
        async for ev in stream:
            out.append((ev.type.value, ev.text))
            if ev.text == "c":
                stream.abort()

    r = await both([["a", "b", "c", "d", "e", Event(type=COMPLETE)]], consume=consume)
    assert tokens(r) == ["a", "b", "c"] and r["state"]["aborted"] and not r["state"]["completed"]
    assert "ABORT_COMPLETED" in r["bus"]


async def test_abort_interrupts_a_wait_for_the_source():
    for name in TWINS:
        gate = Gate()
        log: list[str] = []
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", gate, "c"], log=log), retry=NO_RETRY)
            seen: list[str] = []

            async def consume() -> None:
                async for ev in stream:
                    seen.append(ev.text)

            task = asyncio.ensure_future(consume())
            for _ in range(5):
                await asyncio.sleep(0)
            assert stream._runner.gen.ag_await is not None  # waiting for the source
            stream.abort()
            await asyncio.wait_for(task, 2.0)
        assert seen == ["a", "b"] and stream.state.aborted and log == ["closed"], name


async def test_cancellation_reaches_the_source_and_propagates():
    for name in TWINS:
        gate = Gate()
        log: list[str] = []
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", gate, "c"], log=log), retry=NO_RETRY)
            task = asyncio.ensure_future(stream.read())
            for _ in range(5):
                await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert log == ["closed"] and stream.state.content == "ab" and not stream.state.completed, name


async def test_timeout_fires_during_a_stall_and_the_retry_succeeds():
    for name in TWINS:
        gate = Gate()
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", "c", gate], ["x", "y", Event(type=COMPLETE)]),
                                  timeout=Timeout(initial_token=2000, inter_token=40),
                                  retry=Retry(attempts=2, base_delay=0.0, max_delay=0.0))
            text = await asyncio.wait_for(stream.read(), 5.0)
        assert text == "xy" and [type(e).__name__ for e in stream.errors] == ["TimeoutError"], name


async def test_timeout_does_not_fire_while_the_consumer_holds_tokens():
    for name in TWINS:
        with use_twin(name):
            stream = await l0.run(factory_of(["a", SLEEP0, "b", "c", Event(type=COMPLETE)]),
                                  timeout=Timeout(initial_token=1000, inter_token=30), retry=NO_RETRY)
            out = []
            async for ev in stream:
                out.append(ev.text)
                if ev.text == "b":
                    await asyncio.sleep(0.08)  # the consumer, not the provider, is slow
        assert out == ["a", "b", "c", None] and stream.state.completed, name


async def test_aclose_mid_stream_closes_the_attempt():
    for name in TWINS:
        log: list[str] = []
        seen: list[str] = []
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", "c", "d", Event(type=COMPLETE)], log=log),
                                  on_event=lambda e: seen.append(e.type.value), retry=NO_RETRY)
            it = stream.__aiter__()
            assert (await it.__anext__()).text == "a"
            assert (await it.__anext__()).text == "b"
            await it.aclose()
        assert log == ["closed"] and seen[-1] == "SESSION_END" and stream.state.content == "ab", name
        with pytest.raises(StopAsyncIteration):
            await it.__anext__()


async def test_async_with_leaving_early_aborts():
    for name in TWINS:
        log: list[str] = []
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", "c", Event(type=COMPLETE)], log=log), retry=NO_RETRY)
            async with stream:
                async for ev in stream:
                    break
        assert log == ["closed"] and stream.state.aborted, name


async def test_abandoned_stream_is_collected():
    for name in TWINS:
        with use_twin(name):
            stream = await l0.run(factory_of(["a", "b", "c", Event(type=COMPLETE)]), retry=NO_RETRY,
                                  timeout=Timeout(initial_token=30000, inter_token=30000))
            async for _ev in stream:
                break
            ref = weakref.ref(stream._runner.gen)
            del stream, _ev
            for _ in range(3):
                gc.collect()
                await asyncio.sleep(0.01)
        assert ref() is None, name


async def test_a_second_concurrent_anext_is_refused():
    for name in TWINS:
        gate = Gate()
        with use_twin(name):
            stream = await l0.run(factory_of(["a", gate, "b", Event(type=COMPLETE)]), retry=NO_RETRY)
            it = stream.__aiter__()
            assert (await it.__anext__()).text == "a"
            first = asyncio.ensure_future(it.__anext__())
            await asyncio.sleep(0)
            with pytest.raises(RuntimeError, match="already running"):
                await it.__anext__()
            gate.event.set()
            assert (await first).text == "b"
            assert await stream.read() == "ab"
        assert stream.state.completed, name


async def test_the_awaitable_protocol_by_hand():
    """``send``/``throw`` on the compiled awaitable behave like an async generator's ``asend``."""
    with use_twin("cython"):
        stream = await l0.run(factory_of(["a", "b", Event(type=COMPLETE)]), retry=NO_RETRY)
        it = stream.__aiter__()
        aw = it.__anext__().__await__()
        with pytest.raises(StopIteration) as stop:
            aw.send(None)
        assert stop.value.value.text == "a"
        with pytest.raises(StopIteration) as stop:
            next(it.__anext__().__await__())
        assert stop.value.value.text == "b"
        with pytest.raises(ZeroDivisionError):
            it.__anext__().__await__().throw(ZeroDivisionError)
        assert stream.state.content == "ab" and not stream.state.completed
        stream = await l0.run(factory_of(["a", Event(type=COMPLETE)]), retry=NO_RETRY)
        it = stream.__aiter__()
        assert (await it.__anext__()).text == "a"
        exc = KeyError("three-argument form")
        with pytest.raises(KeyError) as info:
            it.__anext__().__await__().throw(KeyError, exc, None)
        assert info.value is exc


# -- generated mixes -------------------------------------------------------------------------------

ITEMS = st.one_of(
    st.text(alphabet="ab\u00e9\U0001f600 ", max_size=3),
    st.just(None),
    st.sampled_from([SLEEP0, "progress", "raw-str", "raw-bad"]),
)


def build(spec: list[Any], fail_at: int | None) -> list[Any]:
    script: list[Any] = []
    for i, item in enumerate(spec):
        if i == fail_at:
            script.append(RuntimeError("mid-stream"))
        if item == "progress":
            script.append(Event(type=PROGRESS))
        elif item == "raw-str":
            script.append(("raw", "r"))
        elif item == "raw-bad":
            script.append(("raw", 3.5))
        else:
            script.append(item)
    script.append(Event(type=COMPLETE))
    return script


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.lists(ITEMS, max_size=40), fail_at=st.one_of(st.none(), st.integers(0, 40)),
       interval=st.integers(1, 7), retry=st.booleans())
def test_twins_agree_on_generated_streams(spec, fail_at, interval, retry):
    script = build(spec, fail_at)
    second = [t for t in spec if isinstance(t, str) and t not in ("progress", "raw-str", "raw-bad")]
    kw: dict[str, Any] = {"check_intervals": CheckIntervals(guardrails=interval, checkpoint=interval),
                          "guardrails": [_PassRule()]}
    if retry:
        kw["retry"] = Retry(attempts=1, base_delay=0.0, max_delay=0.0)

    async def main() -> dict[str, Any]:
        return await both([script, second + [Event(type=COMPLETE)]], **kw)

    result = asyncio.run(main())
    ends_clean = fail_at is None or fail_at >= len(spec)
    if ends_clean and "raw-bad" not in spec:
        expected = "".join(t if t not in ("raw-str",) else "r" for t in spec
                           if isinstance(t, str) and t not in ("progress", "raw-bad"))
        assert result["error"] is None and result["state"]["content"] == expected


class _PassRule:
    """A streaming guardrail that never objects (it only makes checks due)."""

    name = "pass"
    streaming = True

    def check(self, state: Any) -> list[Any]:
        return []
