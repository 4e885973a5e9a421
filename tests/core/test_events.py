"""l0.events (ObservabilityEventType, ObservabilityEvent, EventBus) and l0.logging."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid

import pytest

import l0.logging as l0_logging
from l0.events import EventBus, ObservabilityEvent, ObservabilityEventType

T = ObservabilityEventType

REFERENCE_MEMBERS = (
    "SESSION_START ATTEMPT_START SESSION_END SESSION_SUMMARY STREAM_INIT STREAM_READY TOKEN ADAPTER_DETECTED "
    "ADAPTER_WRAP_START ADAPTER_WRAP_END TIMEOUT_START TIMEOUT_RESET TIMEOUT_TRIGGERED NETWORK_ERROR "
    "NETWORK_RECOVERY CONNECTION_DROPPED CONNECTION_RESTORED ABORT_REQUESTED ABORT_COMPLETED TOOL_REQUESTED "
    "TOOL_START TOOL_RESULT TOOL_ERROR TOOL_COMPLETED GUARDRAIL_PHASE_START GUARDRAIL_PHASE_END "
    "GUARDRAIL_RULE_START GUARDRAIL_RULE_RESULT GUARDRAIL_RULE_END GUARDRAIL_CALLBACK_START GUARDRAIL_CALLBACK_END "
    "DRIFT_CHECK_RESULT DRIFT_CHECK_SKIPPED CHECKPOINT_SAVED RESUME_START RETRY_START RETRY_ATTEMPT RETRY_END "
    "RETRY_GIVE_UP RETRY_FN_START RETRY_FN_RESULT RETRY_FN_ERROR FALLBACK_START FALLBACK_MODEL_SELECTED "
    "FALLBACK_END FINALIZATION_START FINALIZATION_END COMPLETE ERROR CONSENSUS_START CONSENSUS_STREAM_START "
    "CONSENSUS_STREAM_END CONSENSUS_OUTPUT_COLLECTED CONSENSUS_ANALYSIS CONSENSUS_RESOLUTION CONSENSUS_END "
    "PARSE_START PARSE_END PARSE_ERROR SCHEMA_VALIDATION_START SCHEMA_VALIDATION_END SCHEMA_VALIDATION_ERROR "
    "AUTO_CORRECT_START AUTO_CORRECT_END STRUCTURED_PARSE_START STRUCTURED_PARSE_END STRUCTURED_PARSE_ERROR "
    "STRUCTURED_VALIDATION_START STRUCTURED_VALIDATION_END STRUCTURED_VALIDATION_ERROR "
    "STRUCTURED_AUTO_CORRECT_START STRUCTURED_AUTO_CORRECT_END CONTINUATION_START"
).split()


def test_all_73_reference_members_then_additions() -> None:
    assert len(REFERENCE_MEMBERS) == 73
    names = [m.name for m in T]
    assert names[:73] == REFERENCE_MEMBERS
    assert names[73:] == ["STREAM_TRUNCATED", "CALLBACK_ERROR", "RATE_LIMIT_COOLDOWN_START", "RATE_LIMIT_WAIT_START",
                          "RATE_LIMIT_WAIT_END", "RATE_LIMIT_DEGRADED", "RATE_LIMIT_RESTORED"]
    assert all(m.value == m.name for m in T)
    assert T("COMPLETE") is T.COMPLETE and T.COMPLETE == "COMPLETE"


def test_observability_event_fields() -> None:
    assert [f.name for f in dataclasses.fields(ObservabilityEvent)] == ["type", "ts", "stream_id", "context", "meta"]
    ev = ObservabilityEvent(T.COMPLETE, 1.0, "id", {}, {})
    assert not hasattr(ev, "__dict__")


def test_emit_without_handler_does_nothing() -> None:
    bus = EventBus()
    assert bus.enabled is False and bus.handler is None
    bus.emit(T.TOKEN, anything=1)
    assert bus._stream_id is None  # no id minted when nobody listens


def test_emit_builds_event(monkeypatch: pytest.MonkeyPatch) -> None:
    import l0.events as events

    monkeypatch.setattr(events.time, "time", lambda: 12.5)
    seen: list[ObservabilityEvent] = []
    context = {"user": "u1", "nested": {"k": 1}}
    bus = EventBus(seen.append, context)
    assert bus.enabled
    bus.emit(T.SESSION_START, attempt=1, isRetry=False, isFallback=False)
    context["user"] = "u2"  # the bus keeps the caller's dict; each event gets a shallow copy
    bus.emit(T.COMPLETE, tokenCount=3, contentLength=9)
    first, second = seen
    assert first.type is T.SESSION_START and first.ts == 12500.0
    assert first.meta == {"attempt": 1, "isRetry": False, "isFallback": False}
    assert first.context == {"user": "u1", "nested": {"k": 1}} and second.context["user"] == "u2"
    assert first.context is not context and first.context["nested"] is context["nested"]
    assert first.stream_id == second.stream_id == bus.stream_id
    assert uuid.UUID(bus.stream_id).version == 7
    assert EventBus(seen.append).stream_id != bus.stream_id
    assert EventBus(seen.append).__class__.__slots__


def test_no_context_gives_empty_dict() -> None:
    seen: list[ObservabilityEvent] = []
    EventBus(seen.append).emit(T.STREAM_INIT)
    assert seen[0].context == {} and seen[0].meta == {}


def test_failing_handler_never_breaks_caller(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    def bad(event: ObservabilityEvent) -> None:
        calls.append(event.type.value)
        raise RuntimeError("handler bug")

    bus = EventBus(bad)
    with caplog.at_level(logging.DEBUG, logger="l0.events"):
        bus.emit(T.STREAM_INIT)
        bus.emit(T.COMPLETE)
    assert calls == ["STREAM_INIT", "COMPLETE"]
    records = [r for r in caplog.records if r.name == "l0.events"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.DEBUG]
    assert "handler bug" in records[0].exc_text


def test_base_exceptions_propagate() -> None:
    def cancel(event: ObservabilityEvent) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        EventBus(cancel).emit(T.COMPLETE)


async def test_async_handler_is_awaited_via_flush(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    gate = asyncio.Event()

    async def handler(event: ObservabilityEvent) -> None:
        await gate.wait()
        seen.append(event.type.value)
        if event.type is T.ERROR:
            raise ValueError("async handler bug")

    bus = EventBus(handler)
    bus.emit(T.COMPLETE)
    bus.emit(T.ERROR)
    assert seen == []
    gate.set()
    with caplog.at_level(logging.DEBUG, logger="l0.events"):
        await bus.flush()
    assert seen == ["COMPLETE", "ERROR"]
    assert any("ERROR" in r.getMessage() for r in caplog.records if r.name == "l0.events")


def test_async_handler_without_loop_is_dropped_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(event: ObservabilityEvent) -> None:
        raise AssertionError("never runs")

    with caplog.at_level(logging.WARNING, logger="l0.events"):
        EventBus(handler).emit(T.COMPLETE)
    assert "needs a running event loop" in caplog.text


def test_bad_bus_arguments() -> None:
    with pytest.raises(TypeError, match="EventBus handler must be callable or None, got int"):
        EventBus(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="EventBus context must be a dict or None, got list"):
        EventBus(None, [])  # type: ignore[arg-type]


# -- l0.logging -------------------------------------------------------------------------------------


def test_logger_is_silent_by_default() -> None:
    assert l0_logging.logger.name == "l0"
    assert any(isinstance(h, logging.NullHandler) for h in l0_logging.logger.handlers)


def test_enable_debug_is_idempotent() -> None:
    log = l0_logging.logger
    before_level, before = log.level, list(log.handlers)
    try:
        l0_logging.enable_debug()
        l0_logging.enable_debug()
        added = [h for h in log.handlers if type(h) is logging.StreamHandler]
        assert log.level == logging.DEBUG and len(added) == 1
        assert added[0].formatter._fmt == "[l0] %(levelname)s: %(message)s"
    finally:
        log.handlers[:] = before
        log.setLevel(before_level)
