"""Due checks run inside the hot loop (``Handoff.due`` -> ``Runner.due_now``).

Without a token callback the hot iterator runs the checkpoint, guardrail and
drift checks itself and returns to the engine only when a callback must be
awaited (``Runner.due_rest``). These tests pin that this fast path behaves
exactly like the general one (forced here by an ``on_token`` callback), on
both hot-loop twins, and that idle guardrail sessions stop being called.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest

import l0
from l0 import CheckIntervals, Event, EventType, Retry
from l0.drift import DriftResult
from l0.guardrails import json_rule
from l0.runtime import _engine, _run
from l0.types import State


@pytest.fixture(params=("cython", "python"))
def hot_twin(request: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs the test with one hot-loop twin (the compiled one must be built)."""
    mod = importlib.import_module("l0._speedups.hotloop" if request.param == "cython" else "l0._pure.hotloop")
    monkeypatch.setattr(_run, "hot_iterate", mod.hot_iterate)
    monkeypatch.setattr(_engine, "Handoff", mod.Handoff)
    return mod


def words(n: int, start: int = 0) -> list[str]:
    return [("y" if i % 7 == 3 else "w") + f"{i} " for i in range(start, start + n)]


class AlternatingDrift:
    """A drift detector whose sessions report drift at every other check."""

    def new_session(self) -> Any:
        class Session:
            checks = 0

            def check(self, state: Any, delta: str) -> DriftResult:
                self.checks += 1
                if self.checks % 2:
                    return DriftResult(detected=False, confidence=0.0, types=[])
                return DriftResult(detected=True, confidence=0.7, types=["tone_shift"], details=None)

        return Session()


async def logged_run(factory: Any, *, general: bool, async_callbacks: bool, **kw: Any) -> tuple[list[Any], Any]:
    """Run with every check callback logging into one list, interleaved with the consumer's tokens."""
    log: list[Any] = []

    def cb(name: str) -> Any:
        if async_callbacks:
            async def callback(*args: Any) -> None:
                await asyncio.sleep(0)
                log.append((name, *args))
        else:
            def callback(*args: Any) -> None:
                log.append((name, *args))
        return callback

    kw.update(on_checkpoint=cb("checkpoint"), on_drift=cb("drift"),
              on_violation=lambda v: log.append(("violation", v.message)), on_retry=cb("retry"))
    if general:
        kw["on_token"] = lambda text: None  # a token callback: every token takes the engine's path
    stream = await l0.run(factory, **kw)
    async for ev in stream:
        if ev.type is EventType.TOKEN:
            log.append(("token", ev.text))
    return log, stream


@pytest.mark.parametrize("async_callbacks", [False, True])
async def test_fast_path_equals_the_general_path(hot_twin, scripted, Rule, Violation, async_callbacks):
    def verdict(text: str, done: bool) -> list[Any]:
        return [Violation("odd-y", f"{text.count('y')} y", severity="warning")] if text.count("y") % 2 else []

    results = []
    for general in (False, True):
        rule = Rule("odd-y", verdict)
        log, stream = await logged_run(
            scripted(words(70)), general=general, async_callbacks=async_callbacks, guardrails=[rule],
            drift_detector=AlternatingDrift(), continue_from_last_good_token=True,
            check_intervals=CheckIntervals(guardrails=3, drift=5, checkpoint=4))
        results.append((log, stream.state.content, len(stream.state.violations), stream.state.drift_detected,
                        [s[1:] for s in rule.seen]))
    fast, slow = results
    assert fast == slow
    log = fast[0]
    assert [e[1] for e in log if e[0] == "token"] == words(70)
    assert sum(e[0] == "checkpoint" for e in log) == 70 // 5  # ContinuationConfig.checkpoint_interval
    assert sum(e[0] == "drift" for e in log) == 70 // 5 // 2
    assert sum(e[0] == "violation" for e in log) == fast[2] > 0
    # Each check's callbacks come before the token it was due at reaches the consumer.
    first_ckpt = next(i for i, e in enumerate(log) if e[0] == "checkpoint")
    assert [e for e in log[:first_ckpt] if e[0] == "token"] == [("token", w) for w in words(4)]


async def test_violation_with_callback_then_retry(hot_twin, scripted, Rule, Violation):
    rule = Rule("no-x", lambda text, done: [Violation("no-x", "x found")] if "X" in text else [])
    factory = scripted(["a", "X", *words(20)], ["clean"])
    log, stream = await logged_run(factory, general=False, async_callbacks=True, guardrails=[rule],
                                   check_intervals=CheckIntervals(guardrails=2), retry=Retry(base_delay=0.0))
    assert stream.state.content == "clean" and factory.calls == 2
    assert [e[0] for e in log[:3]] == ["token", "violation", "retry"] and log[-1] == ("token", "clean")
    assert log[0] == ("token", "a")  # the check at token 2 ran before "X" reached the consumer


async def test_a_check_that_raises_in_the_hot_loop_is_an_attempt_error(hot_twin, scripted, Rule):
    def verdict(text: str, done: bool) -> list[Any]:
        raise RuntimeError("rule crashed")

    factory = scripted(words(10))
    stream = await l0.run(factory, guardrails=[Rule("crash", verdict)], check_intervals=CheckIntervals(guardrails=3),
                          retry=Retry(attempts=0, max_retries=0))
    seen = []
    with pytest.raises(RuntimeError, match="rule crashed"):
        async for ev in stream:
            seen.append(ev.text)
    assert seen == words(2) and stream.state.token_count == 3  # the due token never reached the consumer
    assert not stream.state.completed and factory.calls == 1


class IdleAfter:
    """A streaming rule whose sessions declare themselves idle after ``k`` checks."""

    name = "idle-after"
    streaming = True

    def __init__(self, k: int) -> None:
        self.k = k
        self.seen: list[tuple[bool, int]] = []

    def new_session(self) -> Any:
        rule = self

        class Session:
            streaming_idle = False

            def check(self, state: Any) -> list[Any]:
                rule.seen.append((state.completed, state.token_count))
                if len(rule.seen) >= rule.k:
                    self.streaming_idle = True
                return []

        return Session()


@pytest.mark.parametrize("watched", [False, True])
async def test_idle_sessions_are_not_called_until_completion(hot_twin, scripted, watched):
    rule, other = IdleAfter(2), IdleAfter(10**9)
    kw: dict[str, Any] = {"on_event": lambda e: None} if watched else {}
    stream = await l0.run(scripted(words(40)), guardrails=[rule, other], check_intervals=CheckIntervals(guardrails=5),
                          **kw)
    await stream.read()
    every = [(False, n) for n in range(5, 41, 5)] + [(True, 40)]
    assert other.seen == every
    # With nobody listening to the per-rule events an idle session is dropped; with a listener it is not.
    assert rule.seen == (every if watched else [(False, 5), (False, 10), (True, 40)])


async def test_no_check_is_due_once_every_streaming_session_is_idle(hot_twin, scripted):
    rule = IdleAfter(1)
    stream = await l0.run(scripted(words(60)), guardrails=[rule], check_intervals=CheckIntervals(guardrails=5))
    assert await stream.read() == "".join(words(60))
    assert rule.seen == [(False, 5), (True, 60)]
    assert stream._runner.current is None or stream._runner.current.next_guard == _engine.NEVER


def _json_session_after(text: str) -> Any:
    session = json_rule().new_session()
    state = State()
    state.buffer.append(text)
    assert session.check(state) == []
    return session


def test_json_rule_is_idle_on_prose_only():
    assert _json_session_after("Plain prose {with} braces").streaming_idle
    assert not _json_session_after('{"a": [1, 2').streaming_idle
    assert not _json_session_after("   ").streaming_idle  # undecided yet


async def test_json_rule_still_reports_while_streaming_json(hot_twin):
    doc = ['{"a"', ": [1", ", 2", "}", ' "tail"', *[" x"] * 20]

    async def source() -> Any:
        for piece in doc:
            yield Event(type=EventType.TOKEN, text=piece)
        yield Event(type=EventType.COMPLETE)

    stream = await l0.run(lambda: source(), guardrails=[json_rule()], check_intervals=CheckIntervals(guardrails=2),
                          retry=Retry(attempts=0, max_retries=0))
    with pytest.raises(l0.Error, match="position 11"):
        await stream.read()
    assert stream.state.token_count == 4  # stopped at the first check after the bad "}"


@pytest.mark.parametrize("interval", [1, 3, 5, 7])
@pytest.mark.parametrize("count", [0, 4, 5, 23])
async def test_unwatched_checkpoints_read_off_the_buffer_equal_recorded_ones(hot_twin, scripted, interval, count):
    """Without an on_checkpoint callback or an event listener the periodic checkpoints are not
    recorded as they pass; the final state.checkpoint is the same as when they are."""
    from l0.continuation import ContinuationConfig

    pieces = [("x" * (i % 4 + 1)) + " " for i in range(count)]
    finals = []
    for watch in ({}, {"on_checkpoint": lambda text, n: None}, {"on_event": lambda e: None}):
        stream = await l0.run(scripted(pieces), continue_from_last_good_token=ContinuationConfig(
            checkpoint_interval=interval), **watch)
        assert await stream.read() == "".join(pieces)
        finals.append(stream.state.checkpoint)
    assert finals[0] == finals[1] == finals[2] == "".join(pieces[:count // interval * interval])


async def test_unwatched_checkpoints_after_a_resume(hot_twin, scripted):
    """A resumed attempt's checkpoints continue from the checkpoint it resumed from."""
    from l0.continuation import ContinuationConfig

    first = [f"a{i} " for i in range(12)]
    second = [f"b{i} " for i in range(9)]
    finals = []
    for watch in ({}, {"on_checkpoint": lambda text, n: None}):
        factory = scripted([*first, ConnectionResetError("dropped")], second)
        stream = await l0.run(factory, continue_from_last_good_token=ContinuationConfig(checkpoint_interval=5),
                              retry=Retry(base_delay=0.0), **watch)
        text = await stream.read()
        finals.append((text, stream.state.checkpoint, stream.state.token_count))
    assert finals[0] == finals[1]
    text, checkpoint, count = finals[0]
    assert text == "".join(first + second) and count == 21
    assert checkpoint == "".join(first + second)[:len("".join((first + second)[:20]))]


async def test_real_drift_detector_fast_path_equals_the_general_path(hot_twin, scripted):
    """The built-in drift session (its kernel called directly once settled) reports the same drift,
    at the same checks, as the engine's general path."""
    from l0.drift import DriftDetector

    plain = [f"word{i} " for i in range(60)]
    meta = ["As an AI, ", "I cannot actually ", "say. "]
    repeat = ["the same sentence here again and again. "] * 6
    pieces = plain + meta + plain[:30] + repeat + plain[:40] + ["# Head\n", "**b** ", "`c` ", "[l](u) "] * 3 + plain
    logs = []
    for general in (False, True):
        log: list[Any] = []
        kw: dict[str, Any] = {"on_drift": lambda types, conf: log.append((len(log), tuple(types), conf))}
        if general:
            kw["on_token"] = lambda text: None
        stream = await l0.run(scripted(pieces), drift_detector=DriftDetector(),
                              check_intervals=CheckIntervals(drift=7), **kw)
        assert await stream.read() == "".join(pieces)
        logs.append((log, stream.state.drift_detected))
    assert logs[0] == logs[1]
    found = {t for _, types, _ in logs[0][0] for t in types}
    assert {"meta_commentary", "repetition"} <= found and logs[0][1]


@pytest.mark.parametrize("text", [
    '{"a": [1, 2, {"b": "c"}], "d": null}',
    '{"a": 1}\n{"b": [2, 3]}\n{"c": true}',
    '{"a": [1, 2}',
    '[{"a":1},{"b":2}] trailing words',
    'plain prose with {braces} and [brackets]',
])
async def test_json_rule_reading_the_shared_delta_equals_reading_the_buffer(hot_twin, text):
    """Without event listeners the runtime hands the JSON session the text since the previous check
    (check_fresh); with one it calls check(state). Same violations either way."""
    pieces = [text[i:i + 3] for i in range(0, len(text), 3)]
    results = []
    for watch in ({}, {"on_event": lambda e: None}):
        async def source() -> Any:
            for piece in pieces:
                yield Event(type=EventType.TOKEN, text=piece)
            yield Event(type=EventType.COMPLETE)

        stream = await l0.run(lambda: source(), guardrails=[json_rule()], check_intervals=CheckIntervals(guardrails=2),
                              retry=Retry(attempts=0, max_retries=0), **watch)
        try:
            await stream.read()
            error = None
        except l0.Error as exc:
            error = str(exc)
        results.append((error, [(v.message, v.position) for v in stream.state.violations], stream.state.token_count))
    assert results[0] == results[1]
