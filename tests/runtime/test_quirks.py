"""Each reference quirk that was a bug (core.md §15) is fixed."""

from __future__ import annotations

import asyncio
import warnings

import pytest

import l0
from l0 import Event, EventType, Retry


class CodedError(Exception):
    """An SDK-style error with a string ``.code`` (crashed the reference's error handler)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "rate_limit_exceeded"
        self.status_code = 429


async def test_string_code_does_not_crash_error_handling(rec, scripted):
    stream = await l0.run(scripted([CodedError("slow down")], ["ok"]), retry=Retry(base_delay=0.0, max_delay=0.0),
                          **rec.kwargs())
    await rec.consume(stream)
    assert stream.state.content == "ok"
    assert rec.meta("ERROR")[0]["errorCode"] == "rate_limit_exceeded"
    assert stream.state.network_retry_count == 1  # 429 is TRANSIENT


async def test_stream_errors_is_filled(scripted):
    stream = await l0.run(scripted(["a", ValueError("one")], [ValueError("two")], ["ok"]),
                          retry=Retry(base_delay=0.0, max_delay=0.0))
    assert await stream.read() == "ok"
    assert [str(e) for e in stream.errors] == ["one", "two"]


async def test_wrap_exhausted_iterator_is_not_retried():
    async def once():
        yield Event(type=EventType.TOKEN, text="partial")
        raise ValueError("provider died")

    lazy = l0.wrap(once())
    with pytest.raises(ValueError, match="provider died"):
        await lazy.read()
    assert [str(e) for e in lazy.errors] == ["provider died"]
    assert lazy.state.completed is False


async def test_run_with_raw_iterator_is_single_use():
    async def once():
        yield Event(type=EventType.TOKEN, text="x")
        raise ConnectionResetError("connection reset")

    stream = await l0.run(once())
    with pytest.raises(ConnectionResetError):
        await stream.read()
    assert len(stream.errors) == 1


async def test_fallback_content_not_appended(scripted):
    stream = await l0.run(scripted(["primary partial", ValueError("x")]), fallbacks=[scripted(["fallback"])],
                          retry=Retry(attempts=0, base_delay=0.0))
    assert await stream.read() == "fallback"


async def test_async_with_does_not_abort_after_success(rec, scripted):
    async with await l0.run(scripted(["a"]), **rec.kwargs()) as stream:
        await stream.read()
    assert stream.state.aborted is False
    assert rec.calls("on_abort") == []
    assert "ABORT_REQUESTED" not in [n for _, n, _ in rec.log]


async def test_async_with_aborts_when_left_early(rec, scripted):
    async with await l0.run(scripted(["a", "b", "c"]), **rec.kwargs()) as stream:
        async for ev in stream:
            break
    assert stream.state.aborted is True
    assert rec.calls("on_abort") == [(1, 1)]


async def test_async_callbacks_are_awaited(scripted):
    seen = []

    async def on_token(text):
        await asyncio.sleep(0)
        seen.append(text)

    async def on_complete(state):
        await asyncio.sleep(0)
        seen.append("done")

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        stream = await l0.run(scripted(["a", "b"]), callbacks=l0.LifecycleCallbacks(on_token=on_token),
                              on_complete=on_complete)
        await stream.read()
    assert seen == ["a", "b", "done"]


async def test_raising_callback_is_logged_and_reported(rec, scripted, caplog):
    def bad(*args):
        raise RuntimeError("callback bug")

    stream = await l0.run(scripted(["a", "b"]), on_stream_event=bad, on_event=rec.on_event)
    with caplog.at_level("WARNING", logger="l0"):
        assert await stream.read() == "ab"
    errors = rec.meta("CALLBACK_ERROR")
    assert len(errors) == 2 and errors[0]["callback"] == "on_event" and errors[0]["error"] == "callback bug"
    assert any("callback bug" in r.getMessage() for r in caplog.records)


async def test_raising_async_callback_does_not_break_stream(scripted):
    async def bad(state):
        raise RuntimeError("async bug")

    stream = await l0.run(scripted(["a"]), on_complete=bad)
    assert await stream.read() == "a"


async def test_substring_misclassification_fixed(scripted):
    """'assessment' and 'uncertain' are model errors, retried within attempts (not network/fatal)."""
    stream = await l0.run(scripted([ValueError("The assessment is uncertain")], ["ok"]),
                          retry=Retry(base_delay=0.0, max_delay=0.0))
    assert await stream.read() == "ok"
    assert stream.state.model_retry_count == 1 and stream.state.network_retry_count == 0


async def test_adapter_lookup_failure_not_retried():
    calls = {"n": 0}

    def factory():
        calls["n"] += 1
        return object()  # not async-iterable: no adapter detects it

    stream = await l0.run(factory, retry=Retry(base_delay=0.0))
    with pytest.raises(ValueError, match="No adapter found"):
        await stream.read()
    assert calls["n"] == 1


async def test_unknown_adapter_name_fails_at_call_time(scripted):
    with pytest.raises(ValueError, match="adapter: unknown adapter name 'nope'"):
        await l0.run(scripted(["a"]), adapter="nope")


async def test_retries_in_fallback_report_is_retry(rec, scripted):
    fb = scripted([ValueError("f1")], ["ok"])
    unauthorized = ValueError("unauthorized")
    unauthorized.status_code = 401  # FATAL: no retry, straight to the fallback
    stream = await l0.run(scripted([unauthorized]), fallbacks=[fb], retry=Retry(attempts=1, base_delay=0.0),
                          **rec.kwargs())
    await stream.read()
    assert rec.calls("on_start")[-2:] == [(1, False, True), (2, True, True)]
    assert rec.meta("ATTEMPT_START")[-1] == {"attempt": 2, "isRetry": True, "isFallback": True}


async def test_completed_false_when_final_check_raises(scripted, Rule, Violation):
    rule = Rule("r", lambda text, done: [Violation("r", "no", recoverable=False)] if done else [])
    stream = await l0.run(scripted(["a"]), guardrails=[rule])
    with pytest.raises(l0.Error):
        await stream.read()
    assert stream.state.completed is False


async def test_fatal_severity_halts(scripted, Rule, Violation):
    rule = Rule("r", lambda text, done: [Violation("r", "stop", severity="fatal")] if done else [])
    stream = await l0.run(scripted(["a"], ["b"]), guardrails=[rule], retry=Retry(base_delay=0.0))
    with pytest.raises(l0.Error, match="Fatal guardrail violation: stop"):
        await stream.read()


async def test_abort_after_completion_is_a_noop(rec, scripted):
    stream = await l0.run(scripted(["a"]), **rec.kwargs())
    await stream.read()
    stream.abort()
    assert stream.state.aborted is False and rec.calls("on_abort") == []


async def test_passthrough_rejects_non_events():
    async def chunks():
        yield {"not": "an event"}

    stream = await l0.run(lambda: chunks(), retry=Retry(base_delay=0.0))
    with pytest.raises(TypeError, match="stream items must be l0.Event"):
        await stream.read()
    assert len(stream.errors) == 1


async def test_passthrough_accepts_strings():
    async def words():
        yield "a"
        yield "b"

    stream = await l0.run(lambda: words(), truncation="ignore")
    assert await stream.read() == "ab"


async def test_single_use_primary_still_gets_retried_fallbacks(scripted):
    async def once():
        yield Event(type=EventType.TOKEN, text="x")
        raise ValueError("primary died")

    fb = scripted([ValueError("fb1")], ["fallback ok"])
    stream = await l0.run(once(), fallbacks=[fb], retry=Retry(base_delay=0.0))
    assert await stream.read() == "fallback ok"
    assert [str(e) for e in stream.errors] == ["primary died", "fb1"]


async def test_wrap_coroutine_resolving_to_stream():
    async def make():
        async def gen():
            yield Event(type=EventType.TOKEN, text="co")
            yield Event(type=EventType.COMPLETE)

        return gen()

    assert await l0.wrap(make()).read() == "co"
