"""Truncation (no terminal signal, or finish_reason == "length") is reported and, by default, retried."""

from __future__ import annotations

import pytest

import l0
from l0 import Event, EventType, Retry

FAST = Retry(base_delay=0.0, max_delay=0.0)


async def test_missing_terminal_signal_is_retried(rec, scripted, no_complete):
    stream = await l0.run(scripted(["cut", no_complete], ["whole"]), retry=FAST, **rec.kwargs())
    await rec.consume(stream)
    assert stream.state.content == "whole"
    assert stream.state.truncated is False  # the final attempt was complete
    truncated = rec.meta("STREAM_TRUNCATED")
    assert truncated[0]["reason"] == "no_terminal_signal" and truncated[0]["action"] == "retry"
    assert rec.meta("ERROR")[0]["errorCode"] == "STREAM_TRUNCATED"
    assert rec.meta("ERROR")[0]["failureType"] == "network"
    assert stream.state.network_retry_count == 1  # like a network interruption
    names = rec.names()
    assert names.index("O:STREAM_TRUNCATED") < names.index("C:on_error")


async def test_length_finish_reason_is_truncation(scripted, no_complete):
    cut = Event(type=EventType.COMPLETE, finish_reason="length")
    stream = await l0.run(scripted(["abc", cut, no_complete], ["abcdef"]), retry=FAST)
    assert await stream.read() == "abcdef"
    assert stream.errors[0].code.value == "STREAM_TRUNCATED"


async def test_truncation_error_policy_raises_without_retry(scripted, no_complete):
    factory = scripted(["cut", no_complete], ["whole"])
    stream = await l0.run(factory, retry=FAST, truncation="error")
    with pytest.raises(l0.Error, match="truncated"):
        await stream.read()
    assert factory.calls == 1
    assert stream.state.truncated is True


async def test_truncation_ignore_policy_completes(scripted, no_complete):
    stream = await l0.run(scripted(["cut", no_complete]), truncation="ignore")
    assert await stream.read() == "cut"
    assert stream.state.truncated is True and stream.state.completed is True


async def test_finish_reason_recorded(scripted, no_complete):
    done = Event(type=EventType.COMPLETE, finish_reason="stop")
    stream = await l0.run(scripted(["x", done, no_complete]))
    await stream.read()
    assert stream.state.finish_reason == "stop" and stream.state.truncated is False


async def test_inband_error_event_without_complete_is_an_attempt_error(scripted, no_complete):
    err = Event(type=EventType.ERROR, error=ConnectionResetError("connection reset"))
    stream = await l0.run(scripted(["a", err, no_complete], ["b"]), retry=FAST)
    events = [ev async for ev in stream]
    assert stream.state.content == "b"
    assert any(ev.type is EventType.ERROR for ev in events)
    assert isinstance(stream.errors[0], ConnectionResetError)
