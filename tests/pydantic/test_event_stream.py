"""Validate a real l0 run's observability events with the event models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import ValidationError

import l0
import l0.pydantic as P
from l0 import Event, EventType, Retry
from l0.events import ObservabilityEvent, ObservabilityEventType

TYPED = {
    ObservabilityEventType.SESSION_START: P.SessionStartEventModel,
    ObservabilityEventType.SESSION_END: P.SessionEndEventModel,
    ObservabilityEventType.RETRY_ATTEMPT: P.RetryAttemptEventModel,
    ObservabilityEventType.COMPLETE: P.CompleteEventModel,
    ObservabilityEventType.ERROR: P.ErrorEventModel,
}


def flaky() -> Any:
    """First attempt fails with a network error after one token; the second streams two tokens."""
    calls = {"n": 0}

    def factory() -> AsyncIterator[Event]:
        calls["n"] += 1
        attempt = calls["n"]

        async def source() -> AsyncIterator[Event]:
            yield Event(type=EventType.TOKEN, text="he")
            if attempt == 1:
                raise ConnectionResetError("connection reset by peer")
            yield Event(type=EventType.TOKEN, text="llo")
            yield Event(type=EventType.COMPLETE)

        return source()

    return factory


async def run_events() -> tuple[list[ObservabilityEvent], Any]:
    events: list[ObservabilityEvent] = []
    stream = await l0.run(flaky(), retry=Retry(attempts=2, base_delay=0.0, max_delay=0.0), on_event=events.append,
                          context={"tenant": "t1"})
    async for _ in stream:
        pass
    return events, stream


async def test_every_event_of_a_real_run_validates() -> None:
    events, stream = await run_events()
    assert stream.state.content == "hello"
    kinds = {e.type for e in events}
    assert set(TYPED) <= kinds, f"the run did not emit {set(TYPED) - kinds}"
    for event in events:
        generic = P.ObservabilityEventModel.from_l0(event)
        assert generic.type.value == event.type.value
        assert generic.ts == event.ts and generic.meta == event.meta and generic.context == {"tenant": "t1"}
        assert generic.to_l0() == event
        typed = TYPED.get(event.type)
        if typed is not None:
            typed.from_l0(event)
            # The wire form validates again, under the reference's ``timestamp`` name too.
            dumped = typed.from_l0(event).model_dump(mode="json", by_alias=True)
            assert "timestamp" in dumped and typed.model_validate(dumped) == typed.from_l0(event)


async def test_camel_case_meta_is_read() -> None:
    events, _ = await run_events()
    by_type = {e.type: e for e in events}
    start = P.SessionStartEventModel.from_l0(by_type[ObservabilityEventType.SESSION_START])
    assert (start.attempt, start.is_retry, start.is_fallback) == (1, False, False)
    complete = P.CompleteEventModel.from_l0(by_type[ObservabilityEventType.COMPLETE])
    assert complete.token_count == 2 and complete.content_length == 5
    generic = P.ObservabilityEventModel.from_l0(by_type[ObservabilityEventType.COMPLETE])
    assert generic.token_count == 2
    retry = P.RetryAttemptEventModel.from_l0(by_type[ObservabilityEventType.RETRY_ATTEMPT])
    assert retry.is_network is True and "reset" in retry.reason
    error = P.ErrorEventModel.from_l0(by_type[ObservabilityEventType.ERROR])
    assert error.failure_type == "network" and error.policy["maxRetries"] >= 1
    end = P.SessionEndEventModel.from_l0(by_type[ObservabilityEventType.SESSION_END])
    assert end.success is True and end.total_attempts == 2


def test_typed_model_rejects_another_event_type() -> None:
    event = ObservabilityEvent(type=ObservabilityEventType.TOKEN, ts=1.0, stream_id="s", context={}, meta={})
    with pytest.raises(ValidationError, match="type"):
        P.CompleteEventModel.from_l0(event)
    with pytest.raises(ValidationError, match="token_count"):
        P.CompleteEventModel.from_l0(ObservabilityEvent(
            type=ObservabilityEventType.COMPLETE, ts=1.0, stream_id="s", context={}, meta={"contentLength": 3}))


def test_generic_model_keeps_unknown_top_level_keys() -> None:
    m = P.ObservabilityEventModel.model_validate(
        {"type": "RETRY_START", "timestamp": 5.0, "stream_id": "s", "meta": {"maxAttempts": 3}, "host": "h"})
    assert m.ts == 5.0 and m.model_extra == {"host": "h"} and m.meta == {"maxAttempts": 3}
    with pytest.raises(ValidationError, match="type"):
        P.ObservabilityEventModel.model_validate({"type": "NOPE", "ts": 1.0, "stream_id": "s"})


def test_explicit_none_meta_is_an_empty_dict() -> None:
    """The reference's model defaulted ``meta`` to None; passing None still validates."""
    m = P.ObservabilityEventModel(type="TOKEN", ts=1.0, stream_id="s", meta=None, context=None)
    assert m.meta == {} and m.context == {}
    assert m.to_l0().meta == {}
